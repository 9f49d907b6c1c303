"""The archive index (dedupe.store, dedupe.sqlite_store) on real SQLite files."""

from __future__ import annotations

import json
import os
import random
import re
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

import dedupe.store.sqlite as sqlite_store
from dedupe.cleaning import clean_text
from dedupe.comparison import compare_against
from dedupe.corpus import load_article
from dedupe.settings import Settings
from dedupe.store import (
    FORMAT_VERSION,
    StoreCorruptError,
    StoreError,
    StoreFormatError,
    StoreLockedError,
    StoreMissingError,
    StoreURLError,
    inspect_backend,
    parse_url,
)
from dedupe.store.base import article_from_columns
from dedupe.fingerprints import fingerprint, index_keys, sentence_table
from dedupe.archive import open_index, with_publisher
from dedupe.serialise import verdict_data
from dedupe.verdicts import judge
from conftest import SEEDS
from archive_articles import (  # noqa: F401 - seeds is a fixture
    DENSE, SUBPROCESS_TIMEOUT, _SYLLABLES, _one_line, _paragraphs, _passages, _python, _verdicts, archive,
    assert_threads_share_one_index, derived, filler, light_edit, seeds,
)


# ---------------------------------------------------------------------------
# Adding, listing, removing
# ---------------------------------------------------------------------------


def test_add_list_stats_and_readd(tmp_path, seeds):
    path = tmp_path / "index.db"
    with open_index(str(path), create=True) as index:
        added = [index.add(article) for article in seeds.values()]
        assert added == [(n, True) for n in range(1, 6)]
        # The same file again, and the same text under another path: one article.
        assert index.add(load_article(SEEDS["wapo"])) == (1, False)
        assert index.add(clean_text(seeds["bbc"].text, "elsewhere/bbc.txt")) == (2, False)
        listed = index.list()
        stats = index.stats()
    assert [a.path for a in listed] == [str(p) for p in SEEDS.values()]
    assert listed[0].publisher == "The Washington Post" and listed[0].date == "2024-05"
    assert listed[0].words == seeds["wapo"].words and len(listed[0].content_hash) == 64
    sentences = [fingerprint(article) for article in seeds.values()]
    assert stats["articles"] == 5 and stats["integrity"] == "ok" and stats["settings_match"] is True
    assert stats["sentences"] == sum(len(s.sentences) for s in sentences)
    assert stats["eligible_sentences"] == sum(s.eligible_count for s in sentences)
    assert stats["buckets"] == sum(len(s.keys) for s in sentences)  # one row per distinct key of each article
    assert stats["terms"] == len(set().union(*(s.frequencies for s in sentences)))
    assert stats["format_version"] == FORMAT_VERSION and stats["settings"]["num_perm"] == 128
    assert stats["settings"]["index_bands"] == [4, 5]
    assert stats["file_bytes"] > 0


def test_remove_leaves_what_an_index_of_the_rest_holds(tmp_path, seeds):
    with open_index(str(tmp_path / "a.db"), create=True) as index:
        for article in seeds.values():
            index.add(article)
        assert index.remove([2, 99, 2]) == [2]
        assert [a.id for a in index.list()] == [1, 3, 4, 5]
        assert index.add(seeds["bbc"]) == (6, True)  # ids are never reused
        assert index.remove([6]) == [6]
    rest = [article for name, article in seeds.items() if name != "bbc"]
    with open_index(str(tmp_path / "b.db"), create=True) as fresh:
        for article in rest:
            fresh.add(article)
    assert _contents(tmp_path / "a.db") == _contents(tmp_path / "b.db")
    assert assert_complete(tmp_path / "a.db") == 4
    db = sqlite3.connect(tmp_path / "a.db")
    assert db.execute("SELECT count(*) FROM buckets WHERE article_id IN (2, 6)").fetchone() == (0,)
    db.close()


def _contents(path: Path) -> tuple:
    """What an index holds, with ids replaced by content hashes."""
    db = sqlite3.connect(path)
    try:
        return (db.execute("SELECT term, df FROM terms ORDER BY term").fetchall(),
                db.execute("SELECT value FROM meta WHERE key IN ('sentences', 'eligible_sentences') "
                           "ORDER BY key").fetchall(),
                db.execute("SELECT count(*) FROM buckets").fetchone(),
                db.execute("SELECT b.key, a.content_hash FROM buckets AS b JOIN articles AS a ON a.id = b.article_id "
                           "ORDER BY 1, 2").fetchall(),
                db.execute("SELECT content_hash, sentences FROM articles ORDER BY 1").fetchall())
    finally:
        db.close()


def test_publisher_comes_from_metadata_unless_given(tmp_path, seeds):
    with open_index(str(tmp_path / "index.db"), create=True) as index:
        index.add(seeds["wapo"])
        index.add(seeds["bbc"], publisher="Example Wire")
        publishers = [a.publisher for a in index.list()]
        assert index.publishers() == {"The Washington Post", "Example Wire"}
    assert publishers == ["The Washington Post", "Example Wire"]


# ---------------------------------------------------------------------------
# Checking against the index = checking against every source
# ---------------------------------------------------------------------------


def test_index_weights_are_term_weights_over_the_candidates_and_the_archive(tmp_path, seeds):
    """What a check weighs words with: the weights a run over the
    candidates' sentences and every indexed sentence would give, by
    ``[]`` and ``get`` alike; a term no sentence has is a KeyError, or
    ``get``'s default."""
    from dedupe.alignment import term_weights

    stored = archive(seeds)
    candidate_terms = sentence_table([seeds["bbc"], filler(1)]).terms
    archive_terms = sentence_table([article for article, _ in stored]).terms
    expected = term_weights([*candidate_terms, *archive_terms])
    with open_index(str(tmp_path / "index.db"), DENSE, create=True) as index:
        for article, publisher in stored:
            index.add(article, publisher=publisher)
        weights = index._weights_for(candidate_terms)
        terms = sorted(expected)
        assert len(terms) > 500
        for term in terms[::7]:  # asked one by one, as the aligner does, in two ways
            assert weights.get(term) == pytest.approx(expected[term]) == weights[term]
        assert weights.get("zzzunseen", -1.0) == -1.0 and weights.get("zzzunseen") is None
        with pytest.raises(KeyError):
            weights["zzzunseen"]


def test_candidates_equal_compare_against_every_source(tmp_path, seeds):
    """With the dense banding (any shared key) the index shortlists every source compare_against
    finds here, translations included, so the results are the same."""
    stored = archive(seeds)
    sources = [with_publisher(article, publisher) for article, publisher in stored]
    wapo_elsewhere = clean_text(seeds["wapo"].text, "elsewhere/wapo.txt")
    mixed = clean_text("\n".join(_paragraphs("time")[:8] + _paragraphs("reuters")[4:10]), "candidates/mixed.txt")
    # One at a time: each seed (the WaPo seed is also indexed under its own
    # path, and as a copy with the same cleaned text) and the derived copies.
    alone = [seeds[name] for name in ("wapo", "reuters", "nyt", "time")] + derived()[:2]
    # Together: the candidates' own sentences count in the term weights.
    together = [wapo_elsewhere, mixed, filler(1), seeds["bbc"]]
    with open_index(str(tmp_path / "index.db"), DENSE, create=True) as index:
        for article, publisher in stored:
            index.add(article, publisher=publisher)
        for candidate in alone:
            found, expected = index.candidates([candidate]), compare_against([candidate], sources)
            assert _verdicts(found) == _verdicts(expected), candidate.path
            assert _passages(found) == _passages(expected), candidate.path
            # Every one but the 2022 Time story (nothing in the archive comes from it) has findings.
            assert bool(_verdicts(found)[0]["sources"]) == (candidate is not seeds["time"]), candidate.path
        found = index.candidates(together)
        assert index.backend.same_text([1]) == [1, 9]  # the WaPo seed and its copy without the ad marker
    expected = compare_against(together, sources)
    assert _verdicts(found) == _verdicts(expected)
    assert _passages(found) == _passages(expected)
    assert [bool(v["sources"]) for v in _verdicts(expected)] == [True, True, False, True]


def test_bbc_checked_against_an_index_of_the_wapo_seed(tmp_path, seeds):
    """The BBC story is a machine translation of the WaPo one: found by a dense index."""
    with open_index(str(tmp_path / "index.db"), DENSE, create=True) as index:
        index.add(seeds["wapo"])
        found = index.candidates([seeds["bbc"]])
    expected = compare_against([seeds["bbc"]], [seeds["wapo"]])
    verdict = _verdicts(found)[0]
    source, = verdict["sources"]
    assert source["path"] == str(SEEDS["wapo"])
    assert source["publisher"] == "The Washington Post"
    assert source["credited"] is True
    assert source["passages"] == _verdicts(expected)[0]["sources"][0]["passages"]
    assert verdict == _verdicts(expected)[0]


@pytest.mark.parametrize("settings", [Settings(), DENSE], ids=["default", "dense"])
def test_lookup_loads_only_articles_with_colliding_sentences(tmp_path, seeds, settings):
    # The dense index finds the translation; the default one a light edit.
    candidate = seeds["bbc"] if settings is DENSE else clean_text(light_edit(seeds["wapo"].text), "edited.txt")
    with open_index(str(tmp_path / "index.db"), settings, create=True) as index:
        index.add(seeds["wapo"])
        for number in range(40):
            index.add(filler(number))
        found = index.candidates([candidate])
        nothing = index.candidates([filler(1000)])
        assert index.backend.colliding(fingerprint(filler(1000), settings).keys) == Counter()
    assert [s.path for s in found.sources] == [str(SEEDS["wapo"])]
    assert found.overlaps
    assert nothing.sources == () and nothing.overlaps == ()


def test_shared_key_counts(tmp_path, seeds):
    """colliding counts, for each indexed article, the distinct index keys it shares with the
    candidates' sentences: all of them for a copy of it, none for an unrelated one."""
    with open_index(str(tmp_path / "index.db"), create=True) as index:
        wapo, _ = index.add(seeds["wapo"])
        other, _ = index.add(filler(3))
        prints = fingerprint(seeds["wapo"])
        backend = index.backend
        assert backend.colliding(prints.keys) == Counter({wapo: len(prints.keys)})
        table = sentence_table([seeds["wapo"]], Settings())
        keys = index_keys(table.signatures[[n for n, ok in enumerate(table.eligible) if ok]])
        # One sentence: its b keys (distinct here), whether given once or twice.
        assert backend.colliding(keys[0]) == Counter({wapo: Settings().index_bands[0]})
        assert backend.colliding(np.concatenate([keys[0], keys[0]])) == backend.colliding(keys[0])
        half = keys[: len(keys) // 2]
        assert backend.colliding(half.ravel()) == Counter({wapo: len(np.unique(half))})


def test_threads_share_one_index(tmp_path, seeds):
    with open_index(str(tmp_path / "index.db"), create=True) as index:
        assert_threads_share_one_index(index, seeds)


# ---------------------------------------------------------------------------
# Other processes: reopening, crashes, concurrency
# ---------------------------------------------------------------------------




_QUERY = """
import json, sys
from dedupe.corpus import load_article
from dedupe.archive import open_index
from dedupe.serialise import verdict_data
from dedupe.verdicts import judge
with open_index(sys.argv[1]) as index:
    print(json.dumps([verdict_data(v) for v in judge(index.candidates([load_article(sys.argv[2])]))]))
"""


def test_reopened_in_another_process_gives_the_same_result(tmp_path, seeds):
    path = tmp_path / "index.db"
    edited = tmp_path / "edited.txt"  # (a candidate at the path of an indexed source is not compared with it)
    edited.write_text(light_edit(SEEDS["bbc"].read_text(encoding="utf-8")), encoding="utf-8")
    with open_index(str(path), create=True) as index:
        for article in seeds.values():
            index.add(article)
        expected = _verdicts(index.candidates([load_article(edited)]))
    assert [s["path"] for s in expected[0]["sources"]] == [str(SEEDS["bbc"])]
    assert path.stat().st_size > 0
    child = _python(_QUERY, f"sqlite://{path}", edited)
    out, err = child.communicate(timeout=SUBPROCESS_TIMEOUT)
    assert child.returncode == 0, err
    assert json.loads(out) == json.loads(json.dumps(expected))


_ADDER = """
import sys, time
import dedupe.store.sqlite as sqlite_store
from dedupe.cleaning import clean_text
from dedupe.archive import open_index
path, seed, count, stall_at = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
text = open(seed, encoding="utf-8").read()
insert_buckets, calls = sqlite_store._insert_buckets, []

def stalling(connection, rows):
    insert_buckets(connection, rows)
    calls.append(len(rows))
    if len(calls) == stall_at:
        print("stalled", flush=True)
        time.sleep(600)

sqlite_store._insert_buckets = stalling
with open_index(path, create=True) as index:
    for n in range(count):
        index.add(clean_text(text + f"\\nArchive copy {n} was filed on day {n}.", f"copies/{n}.txt"))
        print("added", n, flush=True)
"""


def _kill_after(child: subprocess.Popen, marker: str, lines: int) -> int:
    seen = 0
    deadline = time.monotonic() + SUBPROCESS_TIMEOUT
    while seen < lines and time.monotonic() < deadline:
        line = child.stdout.readline()
        if not line:
            break
        seen += line.startswith(marker)
    os.kill(child.pid, signal.SIGKILL)
    child.wait(SUBPROCESS_TIMEOUT)
    assert seen == lines, child.stderr.read()
    return seen


def assert_complete(path: Path) -> int:
    """Every stored article has all its rows; the totals add up. Returns the article count."""
    db = sqlite3.connect(path)
    try:
        assert db.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        buckets: dict[int, list[tuple[int, int]]] = {}
        for generation, key, article_id in db.execute("SELECT generation, key, article_id FROM buckets"):
            buckets.setdefault(article_id, []).append((generation, key))
        frequencies: Counter[str] = Counter()
        total = eligible = 0
        ids = set()
        query = "SELECT id, sentence_count, sentences, path, text, body, debris, kind, title, metadata FROM articles"
        for article_id, count, blob, *columns in db.execute(query).fetchall():
            prints = fingerprint(article_from_columns(*columns, location=str(path)))
            frequencies.update(prints.frequencies)
            total += count
            eligible += prints.eligible_count
            ids.add(article_id)
            assert count == len(prints.sentences)
            assert sqlite_store.sentence_spans(blob) == list(zip(prints.sentences, prints.eligible))
            generation = article_id >> sqlite_store.GENERATION_BITS
            assert sorted(buckets.get(article_id, [])) == [(generation, key) for key in prints.keys.tolist()]
        assert set(buckets) <= ids  # no rows of an article not there
        meta = {key: json.loads(value) for key, value in db.execute("SELECT key, value FROM meta")}
        assert (meta["sentences"], meta["eligible_sentences"]) == (total, eligible)
        assert dict(db.execute("SELECT term, df FROM terms")) == dict(frequencies)
        return db.execute("SELECT count(*) FROM articles").fetchone()[0]
    finally:
        db.close()


def test_killed_in_the_middle_of_an_add_leaves_no_half_article(tmp_path):
    path = tmp_path / "index.db"
    child = _python(_ADDER, path, SEEDS["wapo"], 10, 4)
    _kill_after(child, "stalled", 1)  # killed with the 4th article's rows written but not committed
    assert assert_complete(path) == 3
    with open_index(str(path)) as index:
        assert [a.path for a in index.list()] == ["copies/0.txt", "copies/1.txt", "copies/2.txt"]
        assert index.stats()["integrity"] == "ok"


def test_killed_at_any_moment_loses_nothing_committed(tmp_path):
    path = tmp_path / "index.db"
    child = _python(_ADDER, path, SEEDS["bbc"], 500, 0)
    committed = _kill_after(child, "added", 3)
    assert assert_complete(path) >= committed


def test_interrupt_inside_add_leaves_nothing_of_that_article(tmp_path, seeds, monkeypatch):
    path = tmp_path / "index.db"
    with open_index(str(path), create=True) as index:
        index.add(seeds["wapo"])
        before = _contents(path), [a.id for a in index.list()]

        def interrupted(*args):
            raise KeyboardInterrupt

        monkeypatch.setattr(sqlite_store, "_count_terms", interrupted)
        with pytest.raises(KeyboardInterrupt):
            index.add(seeds["bbc"])
        monkeypatch.undo()
        assert (_contents(path), [a.id for a in index.list()]) == before
        assert index.add(seeds["bbc"])[1] is True
    assert assert_complete(path) == 2


_WRITER = """
import sys
from dedupe.cleaning import clean_text
from dedupe.archive import open_index
path, seed, shared, writer = sys.argv[1:5]
text = open(seed, encoding="utf-8").read()
with open_index(path) as index:
    for n in range(4):
        index.add(clean_text(text + f"\\nCopy {n} by writer {writer}.", f"{writer}/{n}.txt"))
    index.add(clean_text(open(shared, encoding="utf-8").read() + "\\nThe copy every writer adds.", "shared.txt"))
print("ok")
"""

_READER = """
import sys
from dedupe.corpus import load_article
from dedupe.archive import open_index
from dedupe.verdicts import judge
path, candidate, wapo = sys.argv[1], sys.argv[2], sys.argv[3]
with open_index(path) as index:
    for _ in range(3):
        verdict, = judge(index.candidates([load_article(candidate)]))
        assert wapo in [use.source.path for use in verdict.sources], [use.source.path for use in verdict.sources]
print("ok")
"""


def test_concurrent_writers_and_readers(tmp_path, seeds):
    path = tmp_path / "index.db"
    with open_index(str(path), create=True) as index:
        for article in seeds.values():
            index.add(article)
    excerpt = tmp_path / "excerpt.txt"  # a short candidate: the processes' time goes to the index, not alignment
    excerpt.write_text("\n".join(_paragraphs("wapo")[1:5]), encoding="utf-8")
    seeds_for = ["reuters", "nyt", "time"]
    children = [_python(_WRITER, path, SEEDS[name], SEEDS["wapo"], f"w{n}") for n, name in enumerate(seeds_for)]
    children += [_python(_READER, path, excerpt, SEEDS["wapo"]) for _ in range(2)]
    for child in children:
        out, err = child.communicate(timeout=SUBPROCESS_TIMEOUT)
        assert child.returncode == 0 and out.strip() == "ok", err
    with open_index(str(path)) as index:
        listed = index.list()
    assert len(listed) == 5 + 3 * 4 + 1  # the copy every writer adds is stored once
    assert len({a.id for a in listed}) == len({a.content_hash for a in listed}) == len(listed)
    assert assert_complete(path) == len(listed)


def test_processes_creating_one_index_at_once(tmp_path):
    path = tmp_path / "new" / "index.db"
    script = _WRITER.replace("open_index(path)", "open_index(path, create=True)")
    children = [_python(script, path, SEEDS[name], SEEDS["wapo"], f"w{n}") for n, name in enumerate(["bbc", "nyt", "time"])]
    for child in children:
        out, err = child.communicate(timeout=SUBPROCESS_TIMEOUT)
        assert child.returncode == 0 and out.strip() == "ok", err
    assert assert_complete(path) == 3 * 4 + 1


# ---------------------------------------------------------------------------
# Faults
# ---------------------------------------------------------------------------


@pytest.fixture
def built(tmp_path, seeds) -> Path:
    path = tmp_path / "index.db"
    with open_index(str(path), create=True) as index:
        for article in seeds.values():
            index.add(article)
    return path




def test_other_settings_are_refused(built):
    with pytest.raises(StoreFormatError) as error:
        open_index(str(built), Settings(num_perm=64))
    assert "num_perm 128 (index) vs 64 (now)" in _one_line(error)
    assert str(built) in str(error.value)
    open_index(str(built), Settings(min_word_similarity=0.5)).close()  # query-time settings may differ


def test_newer_format_is_refused(built):
    db = sqlite3.connect(built)
    with db:
        db.execute("UPDATE meta SET value = '99' WHERE key = 'format_version'")
    db.close()
    with pytest.raises(StoreFormatError) as error:
        open_index(str(built))
    assert "newer dedupe (format 99" in _one_line(error)
    report = inspect_backend(str(built))
    assert report["format_version"] == 99 and "newer" in report["settings_match"]


def test_garbage_file_is_not_an_index(tmp_path):
    path = tmp_path / "index.db"
    path.write_bytes(b"\x00garbage, not a database\xff" * 400)
    with pytest.raises(StoreCorruptError) as error:
        open_index(str(path), create=True)
    assert _one_line(error) == f"{path}: not an SQLite file"
    assert inspect_backend(str(path))["integrity"] == "not an SQLite file"


def test_truncated_index_is_reported(built):
    os.truncate(built, built.stat().st_size // 2)
    with pytest.raises(StoreCorruptError) as error:
        open_index(str(built))
    assert "truncated" in _one_line(error)
    report = inspect_backend(str(built))
    assert report["integrity"].startswith("truncated") and "\n" not in report["integrity"]


def test_damaged_pages_are_reported(built, seeds):
    size = built.stat().st_size
    with open(built, "r+b") as handle:  # keep the header and size, wreck the middle
        handle.seek(4096 * 3)
        handle.write(random.Random(0).randbytes(size - 4096 * 6))
    with pytest.raises(StoreCorruptError) as error:
        with open_index(str(built)) as index:
            index.candidates([seeds["bbc"]])
    assert "malformed" in _one_line(error)
    report = inspect_backend(str(built))
    assert report["integrity"] != "ok" and "\n" not in report["integrity"]


def test_sqlite_file_of_something_else_is_not_an_index(tmp_path):
    path = tmp_path / "other.db"
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE notes (body TEXT)")
    db.commit()
    db.close()
    with pytest.raises(StoreCorruptError, match="not a dedupe index"):
        open_index(str(path), create=True)


def test_locked_index_fails_after_the_timeout(built, seeds):
    holder = sqlite3.connect(built, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        with open_index(str(built), timeout=0.3) as index:
            started = time.monotonic()
            with pytest.raises(StoreLockedError) as error:
                index.add(clean_text(seeds["bbc"].text + "\nOne more line.", "more.txt"))
            # waited its timeout, and did not hang (the upper bound is a hang guard: CI machines are shared)
            assert 0.25 < time.monotonic() - started < 60
            assert "locked by another writer" in _one_line(error)
            edited = clean_text(light_edit(seeds["bbc"].text), "edited.txt")
            assert index.candidates([edited]).overlaps  # readers are not blocked (WAL)
    finally:
        holder.execute("ROLLBACK")
        holder.close()


def test_missing_index(tmp_path, monkeypatch):
    with pytest.raises(StoreMissingError, match="no index at .*create it with `dedupe index add`"):
        open_index(str(tmp_path / "none.db"))
    assert not (tmp_path / "none.db").exists()
    monkeypatch.chdir(tmp_path)
    open_index(create=True).close()
    assert (tmp_path / ".dedupe" / "index.db").is_file()


@pytest.mark.parametrize("url, message", [
    ("ftp://x", "unknown index URL scheme 'ftp' in 'ftp://x'; supported: sqlite:///PATH"),
    ("mysql://db.example/archive", "unknown index URL scheme 'mysql'"),
    ("sqlite://host/index.db", "an sqlite URL has no host"),
])
def test_bad_urls(url, message):
    with pytest.raises(StoreURLError) as error:
        open_index(url)
    assert message in _one_line(error)
    assert isinstance(error.value, StoreError)


def test_url_forms(tmp_path):
    assert parse_url(f"sqlite://{tmp_path}/i.db") == ("sqlite", f"{tmp_path}/i.db")
    assert parse_url("sqlite:rel/i.db") == ("sqlite", "rel/i.db")
    assert parse_url("plain/i.db") == ("sqlite", "plain/i.db")
    assert parse_url("sqlite:///a%20b.db") == ("sqlite", "/a b.db")


def test_no_pickle_or_eval_in_the_store():
    for module in (sqlite_store, __import__("dedupe.store", fromlist=["store"])):
        source = Path(module.__file__).read_text(encoding="utf-8")
        assert not re.search(r"^\s*(?:import|from)\s+(?:pickle|cPickle|marshal|shelve|dill)\b", source, re.M)
        assert not re.search(r"\b(?:eval|exec|loads_pickle)\s*\(", source)
