"""``dedupe check`` through the command line: the JSON contract on the seeds,
publisher naming, bad inputs (duplicates, self-matches, empty sources,
non-English and huge candidates), the terminal format, and direction in
``dedupe report``."""

from __future__ import annotations

import json
import os
import random
import re
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import SEEDS, SEEDS_DIR, seed_text

REPO = SEEDS_DIR.parent.parent
WAPO_PARAGRAPHS = [line for line in seed_text("wapo").splitlines() if len(line.split()) > 12]
SEEDS_2024 = [SEEDS[name] for name in ("wapo", "bbc", "reuters", "nyt")]


def _check_json(run_cli, *args):
    code, out, err = run_cli("check", *args, "--format", "json")
    assert code == 0, err
    return json.loads(out), err


def _decoded(path) -> str:
    return Path(path).read_bytes().decode("utf-8")


def _sliced(text: str, span) -> str:
    start, end = span
    return text[start:end]


# --- the seeds -----------------------------------------------------------------


def test_bbc_seed_against_wapo_seed(run_cli):
    """The BBC seed is its own report of the same week that credits the WaPo for one passage: the
    quotes both carry are shared, not taken; the credited radar passage is taken, heavily reworded;
    one passage is no partial copy of a 1,200-word story, so the derivation is none."""
    data, _ = _check_json(run_cli, SEEDS["bbc"], "--against", SEEDS["wapo"])
    assert data["errors"] == []
    result, = data["results"]
    assert result["candidate"]["path"] == str(SEEDS["bbc"])
    assert result["candidate"]["title"] == "Pressure on Biden to allow Russia to attack Ukraine with US weapons"
    assert result["derivation"] == "none"
    assert result["rewording"] == "heavy"  # of what was taken: the radar passage
    source, = result["sources"]
    assert source["path"] == str(SEEDS["wapo"])
    assert source["publisher"] == "The Washington Post"  # from the sidecar
    assert source["credited"] is True
    assert source["rewording"] == "heavy"
    bbc, wapo = _decoded(SEEDS["bbc"]), _decoded(SEEDS["wapo"])
    kinds = [p["kind"] for p in source["passages"]]
    assert "shared-quote" in kinds and kinds.count("reworded") == 1
    quote = next(p for p in source["passages"] if p["kind"] == "shared-quote")
    assert quote["evidence"]["quotes"] and quote["evidence"]["expression_words"] == 0
    radar = [p for p in source["passages"]
             if "radar stations" in _sliced(bbc, p["candidate"]) and "radar stations" in _sliced(wapo, p["source"])]
    assert len(radar) == 1
    assert radar[0]["kind"] == "reworded" and radar[0]["evidence"]["expression_words"] > 0
    assert radar[0]["candidate_text"] == _sliced(bbc, radar[0]["candidate"])
    assert radar[0]["source_text"] == _sliced(wapo, radar[0]["source"])
    assert result["new_claims"]
    for claim in result["new_claims"]:
        assert _sliced(bbc, claim["span"]) == claim["text"]
    for span in result["new_material"]:  # new material never overlaps a passage
        assert all(span[1] <= p["candidate"][0] or p["candidate"][1] <= span[0] for p in source["passages"])
    assert result["warnings"] == []


def test_reuters_seed_against_the_seed_directory_is_never_its_own_source(run_cli, monkeypatch):
    """The Reuters seed checked against the directory holding it is not matched with itself, and credits Reuters."""
    monkeypatch.chdir(REPO)
    candidate = "fixtures/seeds/reuters-biden-missiles-via-skai-2024.txt"  # relative, the directory absolute
    data, _ = _check_json(run_cli, candidate, "--against", SEEDS_DIR)
    result, = data["results"]
    assert result["candidate"]["path"] == candidate
    for source in result["sources"]:
        assert os.path.realpath(source["path"]) != os.path.realpath(candidate)
    assert "Reuters" in result["credits"]
    assert result["derivation"] != "whole"


def test_time_seed_against_the_2024_seeds_derives_nothing(run_cli):
    """The 2022 TIME story shares nothing with the 2024 stories."""
    data, _ = _check_json(run_cli, SEEDS["time"], "--against", *SEEDS_2024)
    result, = data["results"]
    assert result["derivation"] == "none"
    assert result["rewording"] is None
    assert result["sources"] == []
    assert result["coverage"] == 0


def test_named_source_uses_the_given_publisher(run_cli):
    """--against "Example Wire=PATH" names the publisher of the sources at PATH."""
    data, _ = _check_json(run_cli, SEEDS["bbc"], "--against", f"Example Wire={SEEDS['wapo']}")
    source, = data["results"][0]["sources"]
    assert source["path"] == str(SEEDS["wapo"])
    assert source["publisher"] == "Example Wire"
    assert source["credited"] is False  # the BBC copy credits The Washington Post, not "Example Wire"


# --- bad inputs ----------------------------------------------------------------


@pytest.fixture
def wapo_copy(tmp_path):
    """The WaPo seed's bytes under another path (no sidecar)."""
    copy = tmp_path / "copy" / "wapo-copy.txt"
    copy.parent.mkdir()
    shutil.copyfile(SEEDS["wapo"], copy)
    return copy


def test_candidate_identical_to_a_source_is_a_whole_verbatim_copy(run_cli, wapo_copy):
    """A candidate with the same bytes as a source under another path is a whole, verbatim copy of it."""
    data, _ = _check_json(run_cli, wapo_copy, "--against", SEEDS["wapo"])
    result, = data["results"]
    assert (result["derivation"], result["rewording"]) == ("whole", "verbatim")
    assert result["coverage"] >= 0.99
    source, = result["sources"]
    assert source["path"] == str(SEEDS["wapo"])
    assert (source["derivation"], source["rewording"]) == ("whole", "verbatim")
    assert [p["kind"] for p in source["passages"]] == ["identical"]
    assert result["new_material"] == [] and result["new_claims"] == []


def test_identical_candidate_has_coverage_exactly_one(run_cli, wapo_copy):
    """An exact copy's coverage and source_coverage are 1.0, not more."""
    data, _ = _check_json(run_cli, wapo_copy, "--against", SEEDS["wapo"])
    result, = data["results"]
    source, = result["sources"]
    assert (result["coverage"], source["coverage"], source["source_coverage"]) == (1.0, 1.0, 1.0)


def test_same_source_path_given_twice_is_compared_once(run_cli):
    """A source path given twice is compared once and said so on stderr."""
    data, err = _check_json(run_cli, SEEDS["bbc"], "--against", SEEDS["wapo"], SEEDS["wapo"])
    assert "compared once" in err
    assert [s["path"] for s in data["results"][0]["sources"]] == [str(SEEDS["wapo"])]


def test_same_source_text_under_two_paths_is_compared_once(run_cli, wapo_copy):
    """Two sources with the same text are compared once; stderr names both."""
    data, err = _check_json(run_cli, SEEDS["bbc"], "--against", SEEDS["wapo"], wapo_copy)
    line, = [line for line in err.splitlines() if "compared once" in line]
    assert str(wapo_copy) in line and str(SEEDS["wapo"]) in line
    result, = data["results"]
    assert [s["path"] for s in result["sources"]] == [str(SEEDS["wapo"])]
    alone, = _check_json(run_cli, SEEDS["bbc"], "--against", SEEDS["wapo"])[0]["results"]

    def found(result: dict) -> tuple:  # the verdict and passages (word weights count the copy's sentences too)
        return result["derivation"], [(p["candidate"], p["source"], p["kind"]) for p in result["sources"][0]["passages"]]

    assert found(result) == found(alone)


def test_candidate_that_is_also_a_source_is_not_its_own_copy(run_cli):
    """A candidate listed among the sources is compared with the others only."""
    data, _ = _check_json(run_cli, SEEDS["wapo"], "--against", SEEDS["wapo"], SEEDS["bbc"])
    result, = data["results"]
    assert [s["path"] for s in result["sources"]] == [str(SEEDS["bbc"])]
    assert result["derivation"] != "whole"
    assert not any(p["kind"] in ("identical", "minor-changes") for p in result["sources"][0]["passages"])


def test_candidate_in_a_directory_with_its_identical_copy_is_a_whole_copy(run_cli, tmp_path):
    """A candidate checked against a directory holding it and an identical copy is a whole copy of that copy."""
    pair = tmp_path / "pair"
    pair.mkdir()
    shutil.copyfile(SEEDS["wapo"], pair / "a-candidate.txt")
    shutil.copyfile(SEEDS["wapo"], pair / "b-other.txt")
    data, _ = _check_json(run_cli, pair / "a-candidate.txt", "--against", pair)
    result, = data["results"]
    assert [s["path"] for s in result["sources"]] == [str(pair / "b-other.txt")]
    assert result["derivation"] == "whole"


def test_candidate_in_a_directory_with_its_identical_copy_sorted_after_it(run_cli, tmp_path):
    """When the identical copy sorts first, the candidate is found to be a whole copy of it."""
    pair = tmp_path / "pair"
    pair.mkdir()
    shutil.copyfile(SEEDS["wapo"], pair / "a-other.txt")
    shutil.copyfile(SEEDS["wapo"], pair / "b-candidate.txt")
    data, _ = _check_json(run_cli, pair / "b-candidate.txt", "--against", pair)
    result, = data["results"]
    assert [s["path"] for s in result["sources"]] == [str(pair / "a-other.txt")]
    assert result["derivation"] == "whole"


def _one_line_errors(err: str) -> list[str]:
    lines = err.strip().splitlines()
    assert lines and all(line.startswith("dedupe: ") for line in lines), err
    assert "Traceback" not in err
    return lines


def test_empty_file_as_the_only_source_is_an_input_error(run_cli, tmp_path):
    """An empty file as the only source: a one-line reason naming it, and exit 2."""
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    code, out, err = run_cli("check", SEEDS["bbc"], "--against", empty, "--format", "json")
    assert code == 2
    assert out == ""
    lines = _one_line_errors(err)
    assert any(str(empty) in line and "empty" in line for line in lines)


def test_directory_without_articles_as_the_only_source_is_an_input_error(run_cli, tmp_path):
    """A source directory holding no articles: a one-line reason naming it, and exit 2."""
    folder = tmp_path / "notes"
    folder.mkdir()
    (folder / "readme.md").write_text("Nothing to see here.\n", encoding="utf-8")
    code, out, err = run_cli("check", SEEDS["bbc"], "--against", folder)
    assert code == 2
    assert out == ""
    lines = _one_line_errors(err)
    assert any(str(folder) in line for line in lines)


NORWEGIAN = (
    "Regjeringen i Oslo har besluttet \u00e5 sende flere luftvernsystemer til Ukraina, opplyser forsvarsministeren.\n"
    "Beslutningen ble tatt etter et m\u00f8te med de andre nordiske landene p\u00e5 mandag, og den skal ikke "
    "behandles i Stortinget.\n"
    "Det er ikke kjent hvor mange systemer som skal sendes, men leveransen skal skje f\u00f8r jul.\n"
    "Ukrainas president takket Norge for st\u00f8tten i en tale p\u00e5 tirsdag kveld.\n"
)


def test_non_english_candidate_is_warned_about_in_json(run_cli, tmp_path):
    """A Norwegian candidate is checked (exit 0) with a warning naming its language."""
    candidate = tmp_path / "norsk.txt"
    candidate.write_text(NORWEGIAN, encoding="utf-8")
    data, _ = _check_json(run_cli, candidate, "--against", SEEDS["wapo"])
    result, = data["results"]
    assert result["language"] == "no"
    warning, = result["warnings"]
    assert "Norwegian (no)" in warning and "not English" in warning
    assert result["derivation"] == "none"


# A first-person article on one line: the way scrapers often save a page.
DISPATCH = (
    "I arrived in Kharkiv on Tuesday, a day after Russian glide bombs hit a hardware store on the city's northern "
    "edge and killed at least 12 people, regional governor Oleh Syniehubov said. The city has been shelled almost "
    "every night this month, and my driver, a former schoolteacher, counted 40 explosions on Monday alone. "
    "Residents told me they now sleep in corridors and basements rather than in their own beds. Doctors at the "
    "main hospital said they had treated more than 60 wounded since Saturday, most of them civilians. I have spent "
    "two years covering the war from Kyiv, and the stories people tell here are different: fewer talk of victory, "
    "more of simply holding on until the weather turns.\n"
)


def test_one_line_first_person_article_is_not_removed_as_an_author_bio(run_cli, tmp_path):
    """A five-sentence first-person dispatch saved on one line is checked, not dropped as a bio."""
    candidate = tmp_path / "dispatch.txt"
    candidate.write_text(DISPATCH, encoding="utf-8")
    data, _ = _check_json(run_cli, candidate, "--against", SEEDS["wapo"])
    result, = data["results"]
    assert result["derivation"] == "none"
    assert result["candidate"]["words"] > 100


def _huge_single_line(path: Path, spliced: list[str], size: int = 5 * 1024 * 1024) -> None:
    """About ``size`` bytes of random sentences of seed words on one line, with ``spliced`` at 1/4, 1/2, 3/4.

    Words are drawn with their frequencies from the TIME, NYT and Reuters seeds (none of which shares a passage
    with the WaPo seed); first-person pronouns are left out so the line does not trip the author-bio rule (see
    the bio test above).
    """
    rng = random.Random(20240529)
    words = [w for name in ("time", "nyt", "reuters") for w in re.findall(r"[A-Za-z]+", seed_text(name))
             if w not in ("I", "my", "me")]
    marks = [(size * (n + 1)) // (len(spliced) + 1) for n in range(len(spliced))]
    pending = list(zip(marks, spliced))
    parts: list[str] = []
    length = 0
    while length < size:
        if pending and length >= pending[0][0]:
            sentence = pending.pop(0)[1]
        else:
            sentence = " ".join(rng.choice(words) for _ in range(rng.randint(8, 25))).capitalize() + "."
        parts.append(sentence)
        length += len(sentence.encode("utf-8")) + 1
    path.write_text(" ".join(parts), encoding="utf-8")


def test_five_megabyte_single_line_candidate_finishes_in_bounded_memory(tmp_path):
    """A 5 MB one-line candidate is checked within 1.5 GB, and the WaPo sentences spliced into it are found."""
    spliced = [WAPO_PARAGRAPHS[5], WAPO_PARAGRAPHS[10], WAPO_PARAGRAPHS[19]]
    candidate = tmp_path / "huge.txt"
    _huge_single_line(candidate, spliced)
    raw = candidate.read_bytes()
    assert len(raw) >= 5 * 1024 * 1024 and b"\n" not in raw
    started = time.monotonic()
    # the timeout guards against a hang; it is no speed test (CI machines are shared and noisy)
    done = subprocess.run(
        [sys.executable, "-m", "dedupe", "check", str(candidate), "--against", str(SEEDS["wapo"]), "--format", "json"],
        capture_output=True, text=True, encoding="utf-8", timeout=600, cwd=REPO,
    )
    elapsed = time.monotonic() - started
    peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss  # KiB on Linux; the largest child so far
    print(f"5 MB single-line check: {elapsed:.1f} s, peak RSS of children {peak_kib / 1024:.0f} MiB")
    assert done.returncode == 0, done.stderr[-2000:]
    assert peak_kib * 1024 < 1.5 * 1024**3
    result, = json.loads(done.stdout)["results"]
    assert result["language"] == "en"
    text = raw.decode("utf-8")
    source, = result["sources"]
    found = [_sliced(text, p["candidate"]) for p in source["passages"] if p["kind"] == "identical"]
    assert found == spliced
    assert result["derivation"] == "none"  # three sentences of 5 MB is no substantial take


# --- terminal format -----------------------------------------------------------


def test_terminal_format_has_a_section_per_candidate(run_cli):
    """The terminal report has one section per candidate: derivation line, sources table with credit, new claims."""
    code, out, err = run_cli("check", SEEDS["bbc"], SEEDS["time"], "--against", SEEDS["wapo"])
    assert code == 0, err
    sections = out.split("\n\n== ")
    assert len(sections) == 2
    bbc, time_ = sections
    assert bbc.startswith(f"== {SEEDS['bbc']}")
    assert time_.startswith(str(SEEDS["time"]))
    assert "derivation: none" in bbc and "rewording: heavy" in bbc
    assert "shared-quote" in bbc  # shown, with what it shares
    assert "credits: The Washington Post" in bbc
    header = next(line for line in bbc.splitlines() if line.startswith("publisher"))
    assert "credited" in header.split() and "coverage" in header.split()
    row = next(line for line in bbc.splitlines() if line.startswith("The Washington Post"))
    assert str(SEEDS["wapo"]) in row and row.split()[-2] == "yes"
    assert "new claims (" in bbc
    assert "derivation: none" in time_
    assert "publisher" not in time_  # no sources table when nothing was taken


# --- direction in the report ---------------------------------------------------


def test_report_json_says_wapo_is_the_original_of_the_bbc_copy(run_cli):
    """`dedupe report --format json` on the seeds names the WaPo seed the original of the wapo/bbc pair, by credit."""
    code, out, err = run_cli("report", SEEDS_DIR, "--format", "json")
    assert code == 0, err
    data = json.loads(out)
    pair, = [p for p in data["pairs"] if {p["a"], p["b"]} == {str(SEEDS["wapo"]), str(SEEDS["bbc"])}]
    assert pair["direction"]["original"] == str(SEEDS["wapo"])
    assert any("credits The Washington Post" in reason for reason in pair["direction"]["reasons"])
