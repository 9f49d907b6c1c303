"""The ``dedupe`` command line: its output contracts, exit codes, and the
one-line error for every kind of bad input (never a traceback)."""

from __future__ import annotations

import codecs
import errno
import json
import os
import pathlib
import random
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import SEEDS, SEEDS_DIR, seed_text
from pages import news_page

KINDS = {"identical", "minor-changes", "reworded", "shared-quote", "shared-facts"}

# A seed-like article with typographic quotes, an é and an ad marker in the
# middle: the characters whose byte length differs between encodings.
ARTICLE = (
    "Officials Meet in Geneva for New Round of Talks\n"
    "Officials from both countries met in Geneva on Monday for a new round of talks, the ministry said.\n"
    "“We are making progress,” said the café owner who hosted the delegations near the lake.\n"
    "[ad_1]\n"
    "The talks are expected to continue on Tuesday, with a final statement due on Wednesday evening.\n"
    "Source link\n"
)

PAGE_PARAGRAPHS = [
    "Officials from both countries met in Geneva on Monday for a new round of talks, the ministry said.",
    "[ad_1]",
    "The talks are expected to continue on Tuesday, with a final statement due on Wednesday evening. [ad_2]",
    "“The mood was constructive,” a diplomat told reporters at the café opposite the venue.",
    "Read more: Geneva talks stall over sanctions",
    "A spokesperson declined to say whether the foreign ministers would join the talks later in the week.",
]


def decoded(path) -> str:
    """A file's text as the tool reads it (all fixtures here are UTF-8 without BOM)."""
    return Path(path).read_text(encoding="utf-8")


def report_json(run_cli, *paths, learn=True) -> dict:
    code, out, err = run_cli("report", *paths, "--format", "json", *([] if learn else ["--no-learn"]))
    assert code == 0, err
    return json.loads(out)


def clean_json(run_cli, path, *options) -> dict:
    code, out, err = run_cli("clean", path, "--format", "json", *options)
    assert (code, err) == (0, "")
    return json.loads(out)


# --- bad inputs -----------------------------------------------------------------
# Each builder makes one bad input under tmp_path and returns (path, reason the
# report prints, reason clean prints).


def _empty(tmp):
    (tmp / "empty.txt").write_bytes(b"")
    return tmp / "empty.txt", "empty file", "empty file"


def _whitespace(tmp):
    (tmp / "blank.txt").write_bytes(b"  \n\t\n   \r\n")
    return tmp / "blank.txt", "empty file", "empty file"


def _png(tmp):
    (tmp / "photo.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x02\x00")
    return tmp / "photo.txt", "binary file, not a text or HTML article", "binary file, not a text or HTML article"


def _random(tmp):
    (tmp / "blob.html").write_bytes(random.Random(3).randbytes(2048) + b"\x00\x00")
    return tmp / "blob.html", "binary file, not a text or HTML article", "binary file, not a text or HTML article"


def _missing(tmp):
    return tmp / "missing.txt", "no such file or directory", "no such file"


def _no_articles_dir(tmp):
    folder = tmp / "assets"
    folder.mkdir()
    (folder / "logo.png").write_bytes(b"\x89PNG\r\n\x1a\n\x00")
    (folder / "feed.json").write_text('{"items": []}', encoding="utf-8")
    # clean takes directories too (issue 10): the same reason as report
    return folder, "directory holds no .txt or .html articles", "directory holds no .txt or .html articles"


def _all_debris(tmp):
    (tmp / "debris.txt").write_text("[ad_1]\nSource link\nLeave a Reply\n", encoding="utf-8")
    reason = "nothing left after cleaning: all 3 pieces are debris"
    return tmp / "debris.txt", reason, reason


def _nav_only_html(tmp):
    (tmp / "nav.html").write_text("<html><body><nav><a href=/>Home</a></nav></body></html>", encoding="utf-8")
    return tmp / "nav.html", "no article text found in the HTML", "no article text found in the HTML"


def _symlink_loop(tmp):
    (tmp / "loop.txt").symlink_to("loop.txt")
    reason = os.strerror(errno.ELOOP)
    return tmp / "loop.txt", reason, reason


BAD_INPUTS = {
    "empty": _empty,
    "whitespace-only": _whitespace,
    "png-bytes": _png,
    "random-bytes": _random,
    "missing": _missing,
    "dir-without-articles": _no_articles_dir,
    "all-debris": _all_debris,
    "nav-only-html": _nav_only_html,
    "symlink-loop": _symlink_loop,
}


def make_unreadable(tmp, monkeypatch):
    """A file whose read fails with EACCES (simulated: chmod 000 does not stop root)."""
    path = tmp / "locked.txt"
    path.write_text(ARTICLE, encoding="utf-8")
    original = pathlib.Path.read_bytes

    def read_bytes(self):
        if os.path.abspath(self) == str(path):
            raise PermissionError(errno.EACCES, "Permission denied", str(self))
        return original(self)

    monkeypatch.setattr(pathlib.Path, "read_bytes", read_bytes)
    return path, "permission denied", "permission denied"


def make_unsearchable(tmp, monkeypatch):
    """A file inside a directory we may not search: even stat() fails with EACCES (simulated)."""
    path = tmp / "private" / "story.txt"
    path.parent.mkdir()
    path.write_text(ARTICLE, encoding="utf-8")
    original = pathlib.Path.stat

    def stat(self, *args, **kwargs):
        if os.path.abspath(self) == str(path):
            raise PermissionError(errno.EACCES, "Permission denied", str(self))
        return original(self, *args, **kwargs)

    monkeypatch.setattr(pathlib.Path, "stat", stat)
    return path, "permission denied", "permission denied"


SIMULATED = {"unreadable": make_unreadable, "in-unsearchable-dir": make_unsearchable}


@pytest.fixture(params=[*BAD_INPUTS, *SIMULATED])
def bad_input(request, tmp_path, monkeypatch):
    """(path, report reason, clean reason) for one kind of bad input."""
    if request.param in SIMULATED:
        return SIMULATED[request.param](tmp_path, monkeypatch)
    return BAD_INPUTS[request.param](tmp_path)


def lines_naming(err: str, path) -> list[str]:
    return [line for line in err.splitlines() if str(path) in line]


def test_report_bad_input_alone_exits_2_with_one_line(run_cli, bad_input):
    """Nothing processable: exit 2, one `dedupe: PATH: reason` line for the file, nothing on stdout."""
    path, reason, _ = bad_input
    code, out, err = run_cli("report", path)
    assert code == 2
    assert out == ""
    assert lines_naming(err, path) == [f"dedupe: {path}: {reason}"]
    assert err.splitlines() == [f"dedupe: {path}: {reason}", "dedupe: no article could be read"]


def test_report_bad_input_among_seeds_exits_0_and_reports_the_rest(run_cli, bad_input):
    """One bad file never stops the run: its line on stderr, the good articles reported, exit 0."""
    path, reason, _ = bad_input
    code, out, err = run_cli("report", SEEDS["wapo"], path, SEEDS["bbc"])
    assert code == 0
    assert err.splitlines() == [f"dedupe: {path}: {reason}"]
    assert "wapo-blinken-moldova-2024" in out and "reworded" in out


def test_report_json_lists_bad_input_under_errors(run_cli, bad_input):
    """In JSON the bad file is in "errors" with its reason, and is not an article."""
    path, reason, _ = bad_input
    data = report_json(run_cli, SEEDS["wapo"], path, SEEDS["bbc"])
    assert data["errors"] == [{"path": str(path), "reason": reason}]
    assert [a["path"] for a in data["articles"]] == [str(SEEDS["wapo"]), str(SEEDS["bbc"])]


def test_clean_bad_input_exits_2_with_one_line(run_cli, bad_input):
    """`clean` on a bad file: exit 2, exactly one `dedupe: PATH: reason` line, nothing on stdout."""
    path, _, reason = bad_input
    code, out, err = run_cli("clean", path)
    assert (code, out) == (2, "")
    assert err.splitlines() == [f"dedupe: {path}: {reason}"]


def test_report_every_bad_input_at_once(run_cli, tmp_path, monkeypatch):
    """All kinds of bad input together: one line each, in order; exit 2 alone, 0 with a good file."""
    bad = [build(tmp_path) for build in BAD_INPUTS.values()] + [make(tmp_path, monkeypatch) for make in SIMULATED.values()]
    expected = [f"dedupe: {path}: {reason}" for path, reason, _ in bad]
    paths = [path for path, _, _ in bad]

    code, out, err = run_cli("report", *paths)
    assert (code, out) == (2, "")
    assert err.splitlines() == [*expected, "dedupe: no article could be read"]

    code, out, err = run_cli("report", *paths[:4], SEEDS["time"], *paths[4:], "--format", "json")
    assert code == 0
    assert err.splitlines() == expected
    data = json.loads(out)
    assert [a["path"] for a in data["articles"]] == [str(SEEDS["time"])]
    assert [e["path"] for e in data["errors"]] == [str(p) for p in paths]


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads chmod 000 files and searches chmod 000 directories")
def test_report_real_unreadable_files(run_cli, tmp_path):
    """Real permissions: a chmod 000 file and a file in a chmod 000 directory are one line each."""
    locked = tmp_path / "locked.txt"
    locked.write_text(ARTICLE, encoding="utf-8")
    folder = tmp_path / "private"
    folder.mkdir()
    hidden_away = folder / "story.txt"
    hidden_away.write_text(ARTICLE, encoding="utf-8")
    locked.chmod(0)
    folder.chmod(0)
    try:
        code, _, err = run_cli("report", locked, hidden_away, SEEDS["time"])
    finally:
        locked.chmod(0o644)
        folder.chmod(0o755)
    assert code == 0
    assert err.splitlines() == [f"dedupe: {locked}: permission denied", f"dedupe: {hidden_away}: permission denied"]


@pytest.mark.parametrize(
    "args",
    [
        ["report"],
        ["report", str(SEEDS_DIR), "--format", "xml"],
        ["clean", str(SEEDS["wapo"]), "--format", "yaml"],
        ["clean"],
        ["clean", str(SEEDS["wapo"]), "--debris", "--extracted"],
        ["frobnicate"],
        [],
    ],
    ids=["report-no-paths", "report-unknown-format", "clean-unknown-format", "clean-no-file",
         "clean-debris-and-extracted", "unknown-command", "no-command"],
)
def test_usage_errors_exit_2(run_cli, args):
    """Usage errors: exit 2 and argparse's usage message, nothing on stdout."""
    code, out, err = run_cli(*args)
    assert (code, out) == (2, "")
    assert err.startswith("usage: dedupe")
    assert "error:" in err


# --- report: JSON contract on the seeds -----------------------------------------


@pytest.fixture
def seeds_report(run_cli):
    return report_json(run_cli, SEEDS_DIR)


def test_report_json_contract_on_seeds(seeds_report):
    """Top-level keys, one entry per seed, and the types of every field."""
    data = seeds_report
    assert set(data) == {"articles", "pairs", "errors"}
    assert data["errors"] == []
    assert sorted(a["path"] for a in data["articles"]) == sorted(str(p) for p in SEEDS.values())
    for article in data["articles"]:
        assert {"path", "title", "words", "debris"} <= set(article)
        assert article["title"] is None or isinstance(article["title"], str)
        assert isinstance(article["words"], int) and article["words"] > 100
        for item in article["debris"]:
            assert {"span", "reason", "text"} <= set(item)
            assert isinstance(item["reason"], str) and item["reason"]
            assert isinstance(item["text"], str)
            assert len(item["span"]) == 2 and all(isinstance(n, int) for n in item["span"])
    paths = {a["path"] for a in data["articles"]}
    assert data["pairs"]
    for pair in data["pairs"]:
        assert pair["a"] in paths and pair["b"] in paths and pair["a"] != pair["b"]
        assert pair["passages"]
        for passage in pair["passages"]:
            for side in ("a", "b"):
                assert len(passage[side]) == 2 and all(isinstance(n, int) for n in passage[side])
                assert isinstance(passage[f"{side}_text"], str)
            assert passage["kind"] in KINDS
            assert isinstance(passage["similarity"], float) and 0 < passage["similarity"] <= 1


def test_report_json_debris_spans_slice_the_decoded_file(seeds_report):
    """Every debris `text` is exactly `decoded_file[start:end]`."""
    checked = 0
    for article in seeds_report["articles"]:
        text = decoded(article["path"])
        for item in article["debris"]:
            start, end = item["span"]
            assert 0 <= start < end <= len(text)
            assert text[start:end] == item["text"]
            checked += 1
    assert checked >= 15  # the seeds hold 19 pieces of debris


def test_report_json_passage_spans_slice_each_side(seeds_report):
    """Every passage span slices its own article's decoded text, and a_text/b_text are that slice's start."""
    for pair in seeds_report["pairs"]:
        for passage in pair["passages"]:
            for side in ("a", "b"):
                text = decoded(pair[side])
                start, end = passage[side]
                assert 0 <= start < end <= len(text)
                assert text[start:end] == passage[f"{side}_text"]


def passages_between(data: dict, one: Path, other: Path) -> list[tuple[str, str, dict]]:
    """(text in `one`, text in `other`, passage) for each passage the two articles share."""
    found = []
    for pair in data["pairs"]:
        if {pair["a"], pair["b"]} == {str(one), str(other)}:
            first, second = ("a", "b") if pair["a"] == str(one) else ("b", "a")
            for passage in pair["passages"]:
                found.append((
                    decoded(pair[first])[slice(*passage[first])],
                    decoded(pair[second])[slice(*passage[second])],
                    passage,
                ))
    return found


def test_seeds_story_wapo_and_bbc_share_reworded_passages(seeds_report):
    """The BBC machine translation rewords the Washington Post's radar-stations paragraph
    and Putin's "global conflict" quote."""
    shared = passages_between(seeds_report, SEEDS["wapo"], SEEDS["bbc"])
    assert any(
        passage["kind"] == "reworded"
        and "attempted attacks" in wapo and "radar stations" in wapo and "radar stations" in bbc
        for wapo, bbc, passage in shared
    )
    assert any("global conflict" in wapo and "global conflict" in bbc for wapo, bbc, _ in shared)


def test_seeds_story_time_overlaps_with_nothing(seeds_report):
    """The 2022 TIME story is a different story: no pair includes it."""
    time = str(SEEDS["time"])
    assert all(time not in (pair["a"], pair["b"]) for pair in seeds_report["pairs"])
    (entry,) = [a for a in seeds_report["articles"] if a["path"] == time]
    assert entry["overlaps_with"] == []


# --- report: terminal tables ----------------------------------------------------


def test_report_text_on_seeds(run_cli):
    """The terminal report: an article table with one row per seed, then the passages table."""
    code, out, err = run_cli("report", SEEDS_DIR)
    assert (code, err) == (0, "")
    article_table, pairs, passages = out.split("\n\n", 2)
    assert "probably original" in pairs
    header = article_table.splitlines()[0].split()
    assert header[:3] == ["article", "title", "words"]
    rows = [line for line in article_table.splitlines() if line.startswith("[")]
    assert [row.split()[0] for row in rows] == ["[1]", "[2]", "[3]", "[4]", "[5]"]
    assert sorted(row.split()[1] for row in rows) == sorted(path.stem for path in SEEDS.values())
    assert "reworded" in passages and "shared-quote" in passages
    assert "words copied" in passages and "quote: “a global conflict”" in passages  # the evidence column


def test_report_text_names_every_file_in_full(run_cli):
    """Each seed's full file name appears in the terminal report."""
    code, out, _ = run_cli("report", SEEDS_DIR)
    assert code == 0
    for path in SEEDS.values():
        assert path.stem in out


def test_report_no_learn_keeps_recurring_lines(run_cli, tmp_path):
    """--no-learn turns off corpus-level boilerplate learning (on by default)."""
    stories = [
        "Rain is due on Monday in the north of the country, forecasters said.",
        "The vote on the new budget is set for Friday, the speaker said.",
        "Prices rose again in May as energy costs climbed, the statistics office said.",
    ]
    for n, story in enumerate(stories):
        (tmp_path / f"story{n}.txt").write_text(f"{story}\nFollow the Tribune on Google News\n", encoding="utf-8")

    def learned(data):
        return [item["text"] for a in data["articles"] for item in a["debris"] if item["reason"] == "learned-boilerplate"]

    assert learned(report_json(run_cli, tmp_path)) == ["Follow the Tribune on Google News"] * 3
    assert learned(report_json(run_cli, tmp_path, learn=False)) == []


# --- report: which files are read -----------------------------------------------


def test_report_walks_directories_recursively_and_skips_hidden(run_cli, tmp_path):
    """A directory is walked for .txt/.html/.htm, recursively; hidden files and folders and other suffixes skipped."""
    root = tmp_path / "scrape"
    (root / "2024" / "may").mkdir(parents=True)
    (root / ".cache").mkdir()
    shutil.copy(SEEDS["wapo"], root / "wapo.txt")
    shutil.copy(SEEDS["bbc"], root / "2024" / "may" / "bbc.txt")
    (root / "2024" / "page.html").write_text(news_page(title="Talks in Geneva", paragraphs=PAGE_PARAGRAPHS),
                                              encoding="utf-8")
    (root / "2024" / "old.htm").write_text(news_page(title="Old talks", paragraphs=PAGE_PARAGRAPHS[3:]),
                                           encoding="utf-8")
    shutil.copy(SEEDS["time"], root / ".hidden.txt")
    shutil.copy(SEEDS["nyt"], root / ".cache" / "nyt.txt")
    shutil.copy(SEEDS["reuters"], root / "reuters.md")
    (root / "logo.png").write_bytes(b"\x89PNG\r\n\x1a\n\x00")

    data = report_json(run_cli, root)
    assert data["errors"] == []
    assert sorted(a["path"] for a in data["articles"]) == sorted(
        str(root / name) for name in ["wapo.txt", "2024/may/bbc.txt", "2024/page.html", "2024/old.htm"]
    )


def test_report_reads_the_same_file_once(run_cli, tmp_path):
    """A file given twice, or both directly and through its directory, is one article."""
    data = report_json(run_cli, SEEDS["wapo"], SEEDS["wapo"])
    assert [a["path"] for a in data["articles"]] == [str(SEEDS["wapo"])]
    assert data["pairs"] == []  # not compared with itself

    data = report_json(run_cli, SEEDS["time"], SEEDS_DIR)
    assert len(data["articles"]) == 5
    assert data["articles"][0]["path"] == str(SEEDS["time"])


# --- clean ----------------------------------------------------------------------


def test_clean_prints_cleaned_text(run_cli):
    """`clean` prints the body without the scraping debris."""
    code, out, err = run_cli("clean", SEEDS["wapo"])
    assert (code, err) == (0, "")
    assert "[ad_1]" not in out and "[ad_2]" not in out
    assert "Source link" not in out
    assert "Blinken told reporters in the Moldovan capital, Chisinau" in out


def test_clean_json_on_text_file(run_cli):
    """JSON form: path, title, cleaned text, debris spans into the decoded file, metadata; no "extracted"."""
    data = clean_json(run_cli, SEEDS["wapo"])
    assert {"path", "title", "text", "debris", "metadata"} <= set(data)
    assert "extracted" not in data
    assert data["path"] == str(SEEDS["wapo"])
    assert isinstance(data["metadata"], dict)
    _, out, _ = run_cli("clean", SEEDS["wapo"])
    assert data["text"] + "\n" == out
    text = seed_text("wapo")
    assert {item["reason"] for item in data["debris"]} == {"ad-marker", "source-link", "sign-off"}
    for item in data["debris"]:
        assert text[slice(*item["span"])] == item["text"]


@pytest.fixture
def html_page(tmp_path):
    path = tmp_path / "geneva.html"
    path.write_text(news_page(title="Talks resume in Geneva", paragraphs=PAGE_PARAGRAPHS), encoding="utf-8")
    return path


def test_clean_json_on_html_spans_point_into_extracted(run_cli, html_page):
    """For HTML, debris spans index the "extracted" text, not the page source."""
    data = clean_json(run_cli, html_page)
    extracted = data["extracted"]
    assert PAGE_PARAGRAPHS[0] in extracted and "<p>" not in extracted
    reasons = {item["reason"] for item in data["debris"]}
    assert {"ad-marker", "related-link"} <= reasons
    for item in data["debris"]:
        assert extracted[slice(*item["span"])] == item["text"]
    assert "[ad_1]" not in data["text"] and "Read more" not in data["text"]
    assert PAGE_PARAGRAPHS[3] in data["text"]


def test_clean_extracted_prints_the_text_spans_point_into(run_cli, html_page):
    """--extracted prints the extracted text (what spans index), debris still in it."""
    extracted = clean_json(run_cli, html_page)["extracted"]
    code, out, err = run_cli("clean", html_page, "--extracted")
    assert (code, err) == (0, "")
    assert out.rstrip("\n") == extracted
    assert "[ad_1]" in out


def test_clean_debris_prints_a_table_of_reasons(run_cli):
    """--debris lists each removed piece with its span and reason."""
    code, out, err = run_cli("clean", SEEDS["wapo"], "--debris")
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert lines[0].split() == ["debris", "span", "reason", "text"]
    assert lines[2].split() == ["1", "[0,", "6)", "ad-marker", "[ad_1]"]
    assert "source-link" in out and "sign-off" in out
    assert len(lines) == 2 + 4  # header, rule, 4 pieces of debris


# --- offsets on legacy encodings ------------------------------------------------


def ad_marker_span(data: dict) -> tuple[int, int]:
    (span,) = [item["span"] for item in data["debris"] if item["text"] == "[ad_1]"]
    return tuple(span)


def test_clean_json_offsets_on_cp1252_file(run_cli, tmp_path):
    """A cp1252 archive is decoded (curly quotes, é) and spans index the decoded characters."""
    path = tmp_path / "legacy.txt"
    data_bytes = ARTICLE.encode("cp1252")
    path.write_bytes(data_bytes)
    data = clean_json(run_cli, path, "--encoding", "cp1252")  # told, so not a guess to warn about
    text = data_bytes.decode("cp1252")
    start, end = ad_marker_span(data)
    assert text[start:end] == "[ad_1]"
    assert "“We are making progress,” said the café owner" in data["text"]


def test_clean_json_offsets_on_utf8_bom_file_exclude_the_bom(run_cli, tmp_path):
    """With a UTF-8 BOM, spans count from the first character after the BOM (the BOM is not text)."""
    path = tmp_path / "bom.txt"
    path.write_bytes(codecs.BOM_UTF8 + ARTICLE.encode("utf-8"))
    data = clean_json(run_cli, path)
    start, end = ad_marker_span(data)
    assert path.read_text(encoding="utf-8-sig")[start:end] == "[ad_1]"
    assert path.read_text(encoding="utf-8")[start:end] != "[ad_1]"  # the BOM would shift it by one
    assert not data["text"].startswith("\ufeff")


def test_report_cp1252_and_utf8_copies_are_identical_with_correct_spans(run_cli, tmp_path):
    """The same article in cp1252 and UTF-8 is one `identical` passage whose spans slice each decoded text
    (it runs over the ad marker the cleaner removed between two paragraphs)."""
    legacy, modern = tmp_path / "legacy.txt", tmp_path / "modern.txt"
    legacy.write_bytes(ARTICLE.encode("cp1252"))
    modern.write_bytes(ARTICLE.encode("utf-8"))
    texts = {str(legacy): legacy.read_bytes().decode("cp1252"), str(modern): modern.read_text(encoding="utf-8")}
    data = report_json(run_cli, legacy, modern)
    (pair,) = data["pairs"]
    assert [p["kind"] for p in pair["passages"]] == ["identical"]
    (passage,) = pair["passages"]
    for side in ("a", "b"):
        piece = texts[pair[side]][slice(*passage[side])]
        assert piece == passage[f"{side}_text"]
        assert "“We are making progress,” said the café owner" in piece
        assert piece.endswith("with a final statement due on Wednesday evening.")


# --- a real process ---------------------------------------------------------------


def run_module(*args, cwd) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "dedupe", *map(str, args)], capture_output=True, text=True,
                          encoding="utf-8", cwd=cwd, timeout=120)


def test_python_m_dedupe_report_json(tmp_path):
    """`python -m dedupe report DIR --format json` works as a real process."""
    result = run_module("report", SEEDS_DIR, "--format", "json", cwd=tmp_path)
    assert (result.returncode, result.stderr) == (0, "")
    data = json.loads(result.stdout)
    assert len(data["articles"]) == 5 and data["pairs"]


def test_python_m_dedupe_never_prints_a_traceback(tmp_path):
    """Every kind of bad input, alone and mixed with a seed, in a real process:
    the right exit code and only `dedupe: ...` lines on stderr, never a traceback."""
    bad = [build(tmp_path)[0] for build in BAD_INPUTS.values()]
    runs = [
        (["report", *bad], 2, len(bad) + 1),
        (["report", *bad, SEEDS["time"]], 0, len(bad)),
        (["report", *bad, SEEDS["time"], "--format", "json"], 0, len(bad)),
        *((["clean", path], 2, 1) for path in bad),
    ]
    for args, code, lines in runs:
        result = run_module(*args, cwd=tmp_path)
        assert result.returncode == code, (args, result.stderr)
        assert "Traceback" not in result.stderr, args
        assert len(result.stderr.splitlines()) == lines, (args, result.stderr)
        assert all(line.startswith("dedupe: ") for line in result.stderr.splitlines()), (args, result.stderr)

    usage = run_module("report", "--format", "csv", SEEDS["time"], cwd=tmp_path)
    assert usage.returncode == 2
    assert "Traceback" not in usage.stderr and "invalid choice" in usage.stderr


# --- standard input (issue 10) -----------------------------------------------------------


def _piped(*args, data: bytes):
    """`dedupe ARGS` in a new process with ``data`` on a real pipe to its standard input."""
    import subprocess
    import sys

    return subprocess.run([sys.executable, "-m", "dedupe", *map(str, args)], input=data, capture_output=True,
                          timeout=120)


def test_clean_reads_a_page_piped_in_on_standard_input():
    """`cat page.html | dedupe clean -` used to fail with "-: no such file"."""
    from pages import news_page

    paragraphs = [line for line in seed_text("wapo").splitlines() if len(line.split()) > 12][:3]
    done = _piped("clean", "-", data=news_page(title="Blinken in Moldova", paragraphs=paragraphs).encode("utf-8"))
    assert done.returncode == 0, done.stderr
    assert done.stdout.decode("utf-8").strip().splitlines()[-1] == paragraphs[-1]
    empty = _piped("clean", "-", data=b"")
    assert empty.returncode == 2 and empty.stderr.decode().strip() == "dedupe: -: empty standard input"


def test_check_and_report_take_standard_input_among_their_inputs():
    """`-` stands for the piped article among files and directories."""
    wapo = SEEDS["wapo"]
    done = _piped("check", "-", "--against", wapo, "--fail-on", "uncredited", "--format", "json",
                  data=wapo.read_bytes())
    (result,) = json.loads(done.stdout)["results"]
    assert done.returncode == 1 and result["candidate"]["path"] == "-" and result["derivation"] == "whole"
    done = _piped("report", "-", wapo, "--format", "json", data=wapo.read_bytes())
    assert done.returncode == 0
    assert [a["path"] for a in json.loads(done.stdout)["articles"]] == ["-", str(wapo)]


def test_report_json_keeps_the_whole_text_of_long_passages(run_cli, tmp_path):
    """`report --format json` used to cut passage text at 200 characters, with no marker: each
    side's text is now the whole span it points at."""
    wapo = SEEDS["wapo"]
    copy = tmp_path / "copy.txt"
    copy.write_text(wapo.read_text(encoding="utf-8"), encoding="utf-8")
    code, out, _ = run_cli("report", wapo, copy, "--format", "json")
    assert code == 0
    document = json.loads(out)
    texts = {a["path"]: (wapo if a["path"] == str(wapo) else copy).read_text(encoding="utf-8")
             for a in document["articles"]}
    passages = [(pair["a"], pair["b"], p) for pair in document["pairs"] for p in pair["passages"]]
    assert any(len(p["a_text"]) > 1000 for _, _, p in passages)
    for a, b, passage in passages:
        assert passage["a_text"] == texts[a][slice(*passage["a"])]
        assert passage["b_text"] == texts[b][slice(*passage["b"])]


def test_clean_many_files_as_json_lines_and_into_an_output_dir(run_cli, tmp_path, bad_input):
    """`clean` takes many files and directories: --format jsonl streams one compact object per
    article (a bad one is a stderr line, the rest go on); --output-dir writes one file each."""
    bad, _, reason = bad_input
    code, out, err = run_cli("clean", SEEDS["wapo"], bad, SEEDS_DIR, "--format", "jsonl")
    records = [json.loads(line) for line in out.splitlines()]
    assert code == 0 and f"dedupe: {bad}: {reason}" in err
    others = sorted(str(p) for p in SEEDS.values() if p != SEEDS["wapo"])
    assert [r["path"] for r in records] == [str(SEEDS["wapo"]), *others]  # each article once
    assert all("\n" not in line for line in out.splitlines())
    target = tmp_path / "cleaned"
    code, out, _ = run_cli("clean", SEEDS_DIR, "--output-dir", target)
    assert (code, out) == (0, "")
    assert sorted(p.name for p in target.iterdir()) == sorted(f"{p.stem}.txt" for p in SEEDS.values())
    assert (target / f"{SEEDS['wapo'].stem}.txt").read_text(encoding="utf-8").strip() == \
        run_cli("clean", SEEDS["wapo"])[1].strip()
    code, out, _ = run_cli("clean", SEEDS["wapo"], SEEDS["bbc"])
    assert code == 0 and out.startswith(f"==> {SEEDS['wapo']} <==\n")


def test_help_shows_examples_and_exit_codes(run_cli):
    """`dedupe --help` ends with examples and the exit codes a CI job can rely on."""
    import contextlib
    import io

    from dedupe.cli import main

    out = io.StringIO()
    with contextlib.redirect_stdout(out), pytest.raises(SystemExit) as exited:
        main(["--help"])
    assert exited.value.code == 0
    text = out.getvalue()
    assert "examples:\n  dedupe check draft.txt --against wire/ --fail-on uncredited" in text
    assert "exit codes:" in text and "2  usage or input error; for dedupe check, any draft that could not be read" in text


@pytest.mark.parametrize("command", [
    ["report", SEEDS_DIR],
    ["check", SEEDS["bbc"], "--against", SEEDS["wapo"]],
])
def test_tables_fit_the_terminal_width(run_cli, monkeypatch, command):
    """Tables used to be about 140 columns whatever the terminal; COLUMNS is now respected:
    every line fits 120 columns (but a file path, which is never cut), and a wider terminal
    gets wider text columns."""
    monkeypatch.setenv("COLUMNS", "120")
    code, narrow, _ = run_cli(*command)
    assert code == 0
    sources_table = ("publisher", "-" * 19, "The Washington Post")  # holds a file path, which is never cut
    assert max(len(line) for line in narrow.splitlines() if not line.startswith(sources_table)) <= 120
    monkeypatch.setenv("COLUMNS", "200")
    _, wide, _ = run_cli(*command)
    assert max(len(line) for line in wide.splitlines()) > 150


def test_report_filters_passages_by_words_similarity_and_kind(run_cli):
    """--min-words, --min-similarity and --kind show only the passages asked for; pairs left
    with none are left out, and the direction of a pair still weighs all its passages."""
    _, out, _ = run_cli("report", SEEDS_DIR, "--format", "json")
    everything = [p for pair in json.loads(out)["pairs"] for p in pair["passages"]]
    _, out, _ = run_cli("report", SEEDS_DIR, "--format", "json", "--kind", "shared-quote", "--min-words", 5)
    pairs = json.loads(out)["pairs"]
    shown = [p for pair in pairs for p in pair["passages"]]
    assert shown and len(shown) < len(everything)
    assert all(p["kind"] == "shared-quote" and len(p["a_text"].split()) >= 5 for p in shown)
    assert pairs[0]["direction"]["original"] == json.loads(run_cli("report", SEEDS_DIR, "--format", "json")[1])[
        "pairs"][0]["direction"]["original"]
    _, out, _ = run_cli("report", SEEDS_DIR, "--format", "json", "--min-similarity", 1.01)
    assert json.loads(out)["pairs"] == []
    code, _, err = run_cli("report", SEEDS_DIR, "--kind", "verbatim")
    assert code == 2 and "invalid choice" in err


def test_check_filters_the_passages_shown_not_the_verdict(run_cli, tmp_path):
    """check takes the same filters: a copy of the Post story still fails as an
    uncredited whole copy when only its reworded passages (none) are shown."""
    copy = tmp_path / "copy.txt"
    copy.write_text(SEEDS["wapo"].read_text(encoding="utf-8"), encoding="utf-8")
    args = ("check", copy, "--against", SEEDS["wapo"], "--fail-on", "uncredited", "--format", "json")
    code, out, _ = run_cli(*args)
    everything = json.loads(out)["results"][0]
    code_shown, out, _ = run_cli(*args, "--kind", "reworded")
    shown = json.loads(out)["results"][0]
    assert everything["sources"][0]["passages"] and shown["sources"][0]["passages"] == []
    assert (code, code_shown) == (1, 1)
    assert [shown[key] for key in ("derivation", "coverage", "findings")] == [
        everything[key] for key in ("derivation", "coverage", "findings")]
    _, out, _ = run_cli("check", SEEDS["bbc"], "--against", SEEDS["wapo"], "--format", "json", "--min-words", 20)
    passages = json.loads(out)["results"][0]["sources"][0]["passages"]
    assert passages and all(len(p["candidate_text"].split()) >= 20 for p in passages)


def test_report_and_check_read_in_several_processes_with_the_same_result(run_cli, tmp_path):
    """--jobs N reads and cleans in N processes: the same JSON as one process,
    unreadable files reported the same way."""
    (tmp_path / "broken.txt").write_bytes(b"\x00\x01 binary")
    for name in ("wapo", "bbc", "reuters"):
        (tmp_path / f"{name}.txt").write_text(seed_text(name), encoding="utf-8")
    one = run_cli("report", tmp_path, SEEDS_DIR.parent / "same-event", "--format", "json")
    two = run_cli("report", tmp_path, SEEDS_DIR.parent / "same-event", "--format", "json", "--jobs", 2)
    assert one == two and one[0] == 0 and "broken.txt: binary file" in one[2]
    one = run_cli("check", tmp_path, "--against", SEEDS_DIR, "--format", "json")
    two = run_cli("check", tmp_path, "--against", SEEDS_DIR, "--format", "json", "--jobs", 2)
    assert one == two and one[0] == 2  # the unreadable candidate fails the gate either way


def test_the_library_tells_how_far_reading_got():
    """on_read hears of every file found and every file read: what the CLI's
    progress bar (rate and time left, on a terminal) shows."""
    import dedupe

    heard = []
    result = dedupe.report([SEEDS_DIR, SEEDS_DIR.parent / "same-event"], on_read=lambda done, more: heard.append(
        (done, more)))
    found = sum(more for _, more in heard)
    assert found == sum(done for done, _ in heard) == len(result.comparison.articles) > 5


def test_progress_bar_on_a_terminal_shows_rate_and_time_left(tmp_path):
    """On a real terminal (a pseudo-terminal here) report draws its reading bar on stderr."""
    import pty

    leader, follower = pty.openpty()
    done = subprocess.run([sys.executable, "-m", "dedupe", "report", SEEDS_DIR, "-o", tmp_path / "out.txt"],
                          stderr=follower, stdout=subprocess.DEVNULL, timeout=120)
    os.close(follower)
    drawn = b""
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # the terminal is closed once everything is read
            break
        if not chunk:
            break
        drawn += chunk
    os.close(leader)
    assert done.returncode == 0
    assert re.search(rb"reading \[#{30}\] 5/5 [\d.]+/s, 0:00 left", drawn)
