"""One check, everywhere: the CLI, the library, the index path, check_page and
the Scrapy pipeline give the same verdicts for the same inputs and settings,
including an index built with non-default settings (and opened without
repeating them)."""

from __future__ import annotations

import json

import pytest

import dedupe
from archive_articles import DENSE, light_edit
from conftest import SEEDS, seed_text
from dedupe.archive import open_index
from dedupe.serialise import verdict_data

pytest.importorskip("scrapy")

from dedupe.contrib.scrapy import DedupePipeline  # noqa: E402

SOURCES = ("wapo", "time", "nyt")


@pytest.fixture
def candidates(tmp_path):
    """Candidates without sidecars, so a page handed over as a string (check_page, Scrapy)
    carries exactly what the file does: the BBC story (its own report, citing the WaPo), the
    Skai/Reuters story, a lightly edited copy of the WaPo story, and a third of the WaPo story
    spliced onto two thirds of the BBC one."""
    folder = tmp_path / "drafts"
    folder.mkdir()
    wapo, bbc = seed_text("wapo").splitlines(), seed_text("bbc").splitlines()
    texts = {"bbc.txt": seed_text("bbc"), "reuters.txt": seed_text("reuters"),
             "edited.txt": light_edit(seed_text("wapo")),
             "splice.txt": "\n".join(wapo[: len(wapo) // 3] + bbc[len(bbc) // 3:])}
    for name, text in texts.items():
        (folder / name).write_text(text, encoding="utf-8")
    return [folder / name for name in texts]


@pytest.fixture
def dense_url(tmp_path, run_cli):
    """An index of the sources built from the command line with non-default settings."""
    url = f"sqlite:///{tmp_path / 'index.db'}"
    code, _, err = run_cli("index", "add", *(SEEDS[name] for name in SOURCES), "--index", url,
                           "--set", "index_bands=42,3", "--set", "index_min_hits=1")
    assert code == 0, err
    return url


def _results(out: str) -> list[dict]:
    """The verdicts of ``check --format json``, without the gate's fields (no
    policy here) and the direction of each source (which a check adds to
    the verdict; a page checked through the index does not carry it)."""
    results = json.loads(out)["results"]
    assert all(result.pop("findings") == [] and result.pop("passed") is True for result in results)
    assert all(source.pop("direction")["reasons"] for result in results for source in result["sources"])
    return results


def test_every_interface_gives_the_same_verdicts(run_cli, candidates, dense_url):
    against = [str(SEEDS[name]) for name in SOURCES]
    code, out, err = run_cli("check", *candidates, "--against", *against, "--format", "json")
    assert code == 0, err
    cli_against = _results(out)
    # Real findings, not empty verdicts: the light edit and the splice derive from WaPo; the BBC
    # report shares quotes and facts with it and credits one passage.
    assert [r["derivation"] for r in cli_against] == ["none", "none", "whole", "partial"]
    assert cli_against[0]["sources"][0]["publisher"] == "The Washington Post"
    assert "shared-quote" in {p["kind"] for p in cli_against[0]["sources"][0]["passages"]}

    code, out, err = run_cli("check", *candidates, "--index", dense_url, "--format", "json")
    assert code == 0, err
    assert _results(out) == cli_against

    library_against = dedupe.check(candidates, against=against)
    assert [verdict_data(v) for v in library_against.verdicts] == cli_against
    library_index = dedupe.check(candidates, index=dense_url)
    assert [verdict_data(v) for v in library_index.verdicts] == cli_against
    assert library_index.settings == DENSE  # the index's own record, not the defaults

    # A page at a time (term weights are over the run: one candidate here), as a pipeline checks.
    one_by_one = []
    for path in candidates:
        code, out, err = run_cli("check", path, "--against", *against, "--format", "json")
        assert code == 0, err
        one_by_one.extend(_results(out))
    assert [verdict_data(v) for path in candidates for v in dedupe.check([path], index=dense_url).verdicts] \
        == one_by_one
    with open_index(dense_url) as index:
        assert index.settings == DENSE
        pages = [index.check_page(path.read_text(encoding="utf-8"), str(path)) for path in candidates]
    assert pages == one_by_one

    pipeline = DedupePipeline({"DEDUPE_INDEX": dense_url, "DEDUPE_ADD": False})
    pipeline.open_spider()
    try:
        items = [pipeline.check_item({"url": str(path), "text": path.read_text(encoding="utf-8")})
                 for path in candidates]
    finally:
        pipeline.close_spider()
    # The pipeline adds where it stored the item and, for a derived one, which side is the original.
    scraped = [{k: v for k, v in item["provenance"].items() if k not in ("indexed", "direction")} for item in items]
    assert scraped == one_by_one
    assert [("direction" in item["provenance"]) for item in items] == [r["derivation"] != "none" for r in one_by_one]


def test_index_settings_conflicting_with_its_record_are_refused(run_cli, candidates, dense_url):
    """Settings that change what the keys were computed with cannot apply to an index built
    otherwise; settings applied at check time can."""
    code, _, err = run_cli("check", candidates[0], "--index", dense_url, "--set", "index_bands=4,5")
    assert code == 2 and "index_bands [42, 3] (index) vs [4, 5] (now)" in err and "\n" not in err.strip()
    code, out, err = run_cli("check", candidates[3], "--index", dense_url, "--set", "partial_coverage=0.99",
                             "--format", "json")
    assert code == 0, err
    assert _results(out)[0]["derivation"] == "none"  # a third of the article is not "partial" at a 99% bar


def test_config_file_settings_reach_the_check_and_say_where_they_came_from(run_cli, candidates, tmp_path,
                                                                       monkeypatch):
    (tmp_path / "setup.cfg").write_text(
        "[dedupe]\nagainst = " + " ".join(str(SEEDS[name]) for name in SOURCES) + "\npartial-coverage = 0.99\n",
        encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    splice = candidates[3]
    code, out, err = run_cli("check", splice, "--format", "json")
    assert code == 0
    data = json.loads(out)
    assert data["config"] == str(tmp_path / "setup.cfg")
    assert f"defaults from {tmp_path / 'setup.cfg'}" in err
    assert data["results"][0]["derivation"] == "none"
    code, out, _ = run_cli("check", splice, "--format", "json", "--set", "partial_coverage=0.1")
    assert json.loads(out)["results"][0]["derivation"] == "partial"  # the command line wins
