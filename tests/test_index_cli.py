"""`dedupe index` and `dedupe check --index` through the command line, on real SQLite files."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import pytest

from archive_articles import DENSE, light_edit
from conftest import SEEDS, SEEDS_DIR, seed_text
from dedupe.archive import open_index


@pytest.fixture
def index_url(tmp_path):
    return f"sqlite:///{tmp_path / 'archive' / 'index.db'}"


def test_add_is_incremental_and_idempotent(run_cli, index_url):
    """Adding a directory indexes every article once; adding it again adds nothing."""
    code, out, err = run_cli("index", "add", SEEDS_DIR, "--index", index_url)
    assert (code, out.strip(), err) == (0, "5 added, 0 already indexed, 0 failed", "")
    code, out, _ = run_cli("index", "add", SEEDS["wapo"], SEEDS_DIR, "--index", index_url, "--format", "json")
    data = json.loads(out)
    assert code == 0 and data["counts"] == {"added": 0, "already indexed": 5, "failed": 0}
    code, out, _ = run_cli("index", "list", "--index", index_url, "--format", "json")
    listed = json.loads(out)["articles"]
    assert sorted(a["path"] for a in listed) == sorted(str(p) for p in SEEDS.values())
    assert len({a["id"] for a in listed}) == 5


def test_list_limit_gives_the_oldest_articles_first(run_cli, index_url):
    """`index list --limit N`: only the first N articles, in the order they were added."""
    for name in ("wapo", "time", "nyt"):
        run_cli("index", "add", SEEDS[name], "--index", index_url)
    code, out, _ = run_cli("index", "list", "--index", index_url, "--limit", 2, "--format", "json")
    assert code == 0
    assert [a["path"] for a in json.loads(out)["articles"]] == [str(SEEDS["wapo"]), str(SEEDS["time"])]
    code, out, _ = run_cli("index", "list", "--index", index_url, "--limit", 2)
    assert code == 0 and SEEDS["nyt"].name not in out and SEEDS["time"].name in out
    assert run_cli("index", "list", "--index", index_url, "--limit", 0)[0] == 2


def test_publisher_option_and_sidecar(run_cli, index_url):
    """--publisher names the publisher of what is added; otherwise the sidecar does."""
    run_cli("index", "add", SEEDS["reuters"], "--publisher", "Skai", "--index", index_url)
    run_cli("index", "add", SEEDS["wapo"], "--index", index_url)
    _, out, _ = run_cli("index", "list", "--index", index_url, "--format", "json")
    assert {a["path"].rsplit("/", 1)[-1]: a["publisher"] for a in json.loads(out)["articles"]} == {
        SEEDS["reuters"].name: "Skai", SEEDS["wapo"].name: "The Washington Post"}


def test_check_against_a_dense_index_equals_check_against_the_files(run_cli, index_url):
    """check --index gives the same results as --against with the same originals, when the index
    shortlists every source (the dense banding, any shared key): here translations of them. The
    index is built with non-default settings from the command line and checked without repeating
    them: opening an index takes the settings it recorded."""
    code, _, err = run_cli("index", "add", SEEDS["wapo"], SEEDS["time"], SEEDS["nyt"], "--index", index_url,
                           "--set", "index_bands=42,3", "--set", "index-min-hits=1")
    assert code == 0, err
    with open_index(index_url) as index:
        assert index.settings == DENSE and index.stats()["settings"]["index_bands"] == [42, 3]
    candidates = [SEEDS["bbc"], SEEDS["reuters"]]
    code, indexed, _ = run_cli("check", *candidates, "--index", index_url, "--format", "json")
    assert code == 0
    code, direct, _ = run_cli("check", *candidates, "--against", SEEDS["wapo"], SEEDS["time"], SEEDS["nyt"],
                              "--format", "json")
    assert code == 0
    assert json.loads(indexed)["results"] == json.loads(direct)["results"]
    bbc = json.loads(indexed)["results"][0]
    assert bbc["sources"][0]["publisher"] == "The Washington Post" and bbc["sources"][0]["credited"] is True


def test_default_index_finds_a_copy_and_a_light_edit_as_against_does(run_cli, index_url, tmp_path):
    """With the default settings an indexed article's verbatim copy and a lightly edited one are
    found, with the same passages (and the same verdict on that source) as --against gives."""
    run_cli("index", "add", SEEDS_DIR, "--index", index_url)
    copy, edited = tmp_path / "copy.txt", tmp_path / "edited.txt"
    copy.write_text(seed_text("wapo"), encoding="utf-8")
    edited.write_text(light_edit(seed_text("wapo")), encoding="utf-8")
    assert edited.read_text(encoding="utf-8") != seed_text("wapo")
    code, indexed, _ = run_cli("check", copy, edited, "--index", index_url, "--format", "json")
    assert code == 0
    code, direct, _ = run_cli("check", copy, edited, "--against", SEEDS_DIR, "--format", "json")
    assert code == 0
    wapo = str(SEEDS["wapo"])
    for found, expected in zip(json.loads(indexed)["results"], json.loads(direct)["results"], strict=True):
        assert found["derivation"] == "whole" and found["sources"][0]["path"] == wapo
        (source,) = [s for s in found["sources"] if s["path"] == wapo]
        (wanted,) = [s for s in expected["sources"] if s["path"] == wapo]
        assert source["passages"] and source["passages"] == wanted["passages"]
        assert source == wanted


def test_remove_and_stats(run_cli, index_url):
    """remove deletes by id and reports unknown ids; stats counts what is left."""
    run_cli("index", "add", SEEDS_DIR, "--index", index_url)
    code, out, err = run_cli("index", "remove", "1", "99", "--index", index_url)
    assert code == 0 and out.strip() == "removed 1, 1 not found"
    assert err.strip() == "dedupe: no article with id 99 in the index"
    code, out, _ = run_cli("index", "stats", "--index", index_url, "--format", "json")
    stats = json.loads(out)
    assert code == 0 and stats["articles"] == 4 and stats["integrity"] == "ok" and stats["settings_match"] is True


def test_corrupt_index_is_one_line_and_stats_says_what_is_wrong(run_cli, tmp_path):
    """A damaged file: check fails with one line naming it; stats reports the damage (exit 2)."""
    path = tmp_path / "index.db"
    run_cli("index", "add", SEEDS_DIR, "--index", path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    code, out, err = run_cli("check", SEEDS["bbc"], "--index", path)
    assert code == 2 and out == ""
    (line,) = err.strip().splitlines()
    assert str(path) in line
    path.write_bytes(b"this is not a database" * 100)
    code, out, err = run_cli("index", "stats", "--index", path)
    assert code == 2 and "Traceback" not in err


@pytest.mark.parametrize("url, words", [("ftp://host/index", "scheme"), ("sqlite://host/x.db", "no host")])
def test_bad_index_urls(run_cli, url, words):
    """An index URL with an unknown scheme or a bad form is one line, exit 2."""
    code, out, err = run_cli("check", SEEDS["bbc"], "--index", url)
    assert code == 2 and out == "" and words in err


def test_checking_a_missing_index_says_how_to_make_one(run_cli, tmp_path):
    """No index yet: exit 2 pointing at `dedupe index add`."""
    code, _, err = run_cli("check", SEEDS["bbc"], "--index", tmp_path / "none.db")
    assert code == 2 and "dedupe index add" in err


def test_against_and_index_together_is_a_usage_error(run_cli, index_url):
    code, _, err = run_cli("check", SEEDS["bbc"], "--index", index_url, "--against", SEEDS["wapo"])
    assert code == 2 and "either --against or --index" in err


def test_credit_to_an_indexed_publisher_without_shared_passages_is_listed(run_cli, index_url, tmp_path):
    """A candidate crediting a publisher of the index is credited as with --against, even when none of
    that publisher's articles shares a passage with it."""
    ledger = tmp_path / "ledger.txt"
    ledger.write_text("Rain is expected across the north on Monday, forecasters said.\n", encoding="utf-8")
    run_cli("index", "add", ledger, "--publisher", "Kyiv Ledger", "--index", index_url)
    draft = tmp_path / "draft.txt"
    draft.write_text("Officials met in Geneva on Monday, according to the Kyiv Ledger.\n", encoding="utf-8")
    _, indexed, _ = run_cli("check", draft, "--index", index_url, "--format", "json")
    _, direct, _ = run_cli("check", draft, "--against", f"Kyiv Ledger={ledger}", "--format", "json")
    assert json.loads(indexed)["results"][0]["credits"] == ["Kyiv Ledger"]
    assert json.loads(indexed)["results"] == json.loads(direct)["results"]


def test_one_call_page_api_for_pipelines(tmp_path):
    """add_page/check_page: a page string in, the JSON data of one check result out, as the CLI gives it."""
    import dedupe
    from pages import news_page

    paragraphs = [line for line in SEEDS["wapo"].read_text(encoding="utf-8").splitlines() if len(line.split()) > 12]
    original = news_page(title="Blinken signals shift", paragraphs=paragraphs[:6])
    copy = news_page(title="US may let Ukraine strike Russia", paragraphs=paragraphs[:6], site="Copy Daily",
                     url="https://copy.example/story")
    with dedupe.open_index(tmp_path / "i.db", create=True) as index:
        assert index.add_page(original, "https://wapo.example/story", publisher="The Washington Post") == (1, True)
        result = index.check_page(copy, "https://copy.example/story")
    assert (result["derivation"], result["rewording"]) == ("whole", "verbatim")
    assert result["sources"][0]["publisher"] == "The Washington Post"
    assert json.loads(json.dumps(result)) == result


def test_index_add_stores_absolute_paths(run_cli, index_url, tmp_path, monkeypatch):
    """Paths given relative to the working directory are stored absolute, so a check run from
    elsewhere names a file that exists."""
    wire = tmp_path / "wire"
    wire.mkdir()
    (wire / "wapo.txt").write_text(seed_text("wapo"), encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    code, out, _ = run_cli("index", "add", "wire", "--index", index_url, "--format", "json")
    assert code == 0 and json.loads(out)["articles"][0]["path"] == str(wire / "wapo.txt")
    monkeypatch.chdir(wire)
    _, out, _ = run_cli("index", "list", "--index", index_url, "--format", "json")
    assert [a["path"] for a in json.loads(out)["articles"]] == [str(wire / "wapo.txt")]


def test_index_show_and_export(run_cli, index_url):
    """`index show ID` prints one stored article (text or JSON); `index export` streams every
    article as JSON Lines, one compact object per line, that round-trips the stored text."""
    for name in ("wapo", "time"):
        run_cli("index", "add", SEEDS[name], "--index", index_url)
    code, out, _ = run_cli("index", "show", 2, "--index", index_url)
    assert code == 0 and out.startswith(f"id: 2\npath: {SEEDS['time']}\n")
    code, out, _ = run_cli("index", "show", 1, "--index", index_url, "--format", "json")
    shown = json.loads(out)
    assert code == 0 and shown["id"] == 1 and shown["metadata"]["publisher"] == "The Washington Post"
    code, out, err = run_cli("index", "show", 99, "--index", index_url)
    assert code == 2 and out == "" and err.strip() == "dedupe: no article 99 in the index"

    code, out, _ = run_cli("index", "export", "--index", index_url)
    lines = out.splitlines()
    assert code == 0 and len(lines) == 2
    records = [json.loads(line) for line in lines]
    assert [(r["id"], r["path"]) for r in records] == [(1, str(SEEDS["wapo"])), (2, str(SEEDS["time"]))]
    assert records[0]["text"] == shown["text"]


def test_workers_build_the_index_one_process_builds(run_cli, tmp_path):
    """`index add --jobs 2` reads, cleans and fingerprints in two worker
    processes while one writes: the articles come out in the order found,
    unreadable files are named, and the index holds what one process builds
    (the same ids, paths, texts and keys)."""
    import sqlite3

    folder = tmp_path / "articles"
    folder.mkdir()
    seeds = [seed_text(name) for name in sorted(SEEDS)]
    for n in range(130):  # three chunks of 50 files or fewer
        text = seeds[n % len(seeds)] + f"\nArchive note {n}: filed on day {n} of the {n % 7}th desk.\n"
        (folder / f"{n:03d}.txt").write_text(text, encoding="utf-8")
    (folder / "064-empty.txt").write_text("\n", encoding="utf-8")
    (folder / "100-binary.txt").write_bytes(b"\x00\x01\x02 not text")
    tables = {}
    for jobs in (1, 2):
        path = tmp_path / f"index-{jobs}.db"
        code, out, err = run_cli("index", "add", folder, "--index", path, "--jobs", jobs, "--format", "json")
        data = json.loads(out)
        assert code == 0 and data["counts"] == {"added": 130, "already indexed": 0, "failed": 2}
        assert "064-empty.txt" in err and "100-binary.txt" in err
        assert [a["path"].rsplit("/", 1)[-1] for a in data["articles"]] == [f"{n:03d}.txt" for n in range(130)]
        db = sqlite3.connect(path)
        tables[jobs] = (db.execute("SELECT id, path, text, body, sentences FROM articles ORDER BY id").fetchall(),
                        db.execute("SELECT generation, key, article_id FROM buckets ORDER BY 1, 2, 3").fetchall(),
                        db.execute("SELECT term, df FROM terms ORDER BY term").fetchall())
        db.close()
    assert tables[1] == tables[2] and len(tables[1][1]) > 1000


def _children(pid: int) -> set[int]:
    found = set()
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat", encoding="ascii", errors="replace") as stat:
                    fields = stat.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid and fields[0] != "Z":
                found.add(int(entry))
    return found


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_workers_end_with_a_killed_index_add(tmp_path):
    """A SIGKILLed `index add` (a cancelled CI job, the OOM killer) leaves
    no worker behind: they used to wait for work on their pipe for ever."""
    folder = tmp_path / "articles"
    folder.mkdir()
    text = seed_text("wapo")
    for n in range(2000):
        (folder / f"{n:04d}.txt").write_text(f"{text}\nArchive note {n}.\n", encoding="utf-8")
    child = subprocess.Popen([sys.executable, "-m", "dedupe", "index", "add", str(folder), "--index",
                              str(tmp_path / "index.db"), "--jobs", "2", "--quiet"],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    workers: set[int] = set()
    while len(workers) < 2 and child.poll() is None and time.monotonic() < deadline:
        workers = _children(child.pid)
        time.sleep(0.01)
    assert len(workers) == 2, "the workers were not seen"
    child.kill()
    child.wait(60)
    while time.monotonic() < deadline and any(os.path.exists(f"/proc/{pid}") and _alive(pid) for pid in workers):
        time.sleep(0.05)
    assert not any(os.path.exists(f"/proc/{pid}") and _alive(pid) for pid in workers)


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False
