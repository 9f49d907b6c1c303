"""The Redis backend of the index (dedupe.store.redis), against a real redis-server.

The server comes from tests/redis_server.py (skipped with the reason when
redis-server is not installed). What every backend must do alike, and
equally to SQLite, is tests/test_store_contract.py; here is what is Redis's
own: its key layout (format 3), atomicity when the server dies or the
process is interrupted mid-add, workers racing in threads and processes,
URLs, prefixes and damaged keys.
"""

from __future__ import annotations

import json
import pickle
import re
import threading
import time
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

redis = pytest.importorskip("redis")

from archive_articles import (  # noqa: E402,F401 - seeds is a fixture
    DENSE,
    SUBPROCESS_TIMEOUT,
    _one_line,
    _paragraphs,
    _passages,
    _python,
    _verdicts,
    archive,
    assert_threads_share_one_index,
    derived,
    filler,
    light_edit,
    seeds,
)
from conftest import SEEDS  # noqa: E402
from redis_server import make_redis_server, redis_server, redis_url  # noqa: E402,F401

import dedupe.store.redis as redis_store  # noqa: E402
from dedupe.archive import open_index, with_publisher  # noqa: E402
from dedupe.cleaning import clean_text  # noqa: E402
from dedupe.comparison import compare_against  # noqa: E402
from dedupe.corpus import load_article  # noqa: E402
from dedupe.fingerprints import fingerprint, fingerprint_many  # noqa: E402
from dedupe.settings import Settings  # noqa: E402
from dedupe.store import (  # noqa: E402
    FORMAT_VERSION,
    StoreCorruptError,
    StoreError,
    StoreFormatError,
    StoreMissingError,
    StoreURLError,
    inspect_backend,
    open_backend,
)
from dedupe.store.base import article_from_columns, index_record  # noqa: E402
from dedupe.store.redis import (  # noqa: E402
    RedisIndex,
    RedisUnavailableError,
    inspect,
    key_bytes,
    key_names,
    parse_redis_url,
)


def _client(url: str):
    return redis.Redis.from_url(url.split("?")[0])


def _key_sets(r, prefix: str) -> dict[bytes, set[int]]:
    """Every index key set: key (8 bytes) -> article ids."""
    name = f"{prefix}:key:".encode()
    found = {}
    for redis_key in r.scan_iter(match=name + b"*", count=1000):
        assert r.type(redis_key) == b"set", redis_key
        found[redis_key[len(name):]] = {int(member) for member in r.smembers(redis_key)}
    return found


def assert_complete(url: str) -> int:
    """Every listed article has all its keys, nothing else is under the
    prefix (no signatures, no sentences, no datasketch key directory), and
    the counts add up. Returns the article count."""
    r = _client(url)
    p = parse_redis_url(url).prefix
    with open_index(url) as index:
        settings = index.settings
        ids = [int(i) for i in r.zrange(f"{p}:ids", 0, -1)]
        frequencies: Counter[str] = Counter()
        publishers: Counter[str] = Counter()
        sentences = eligible = buckets = 0
        expected_sets: dict[bytes, set[int]] = {}
        expected_keys = {f"{p}:meta", f"{p}:counts", f"{p}:next_id"}
        for article_id in ids:
            fields = {k.decode(): v.decode() for k, v in r.hgetall(f"{p}:article:{article_id}").items()}
            article = article_from_columns(fields["path"], fields["text"], fields["body"], fields["debris"],
                                           fields["kind"], fields.get("title"), fields["metadata"], location=url)
            prints = fingerprint(article, settings)
            frequencies.update(prints.frequencies)
            publishers.update([fields["publisher"]] if "publisher" in fields else [])
            assert int(fields["sentence_count"]) == len(prints.sentences)
            assert int(fields["eligible_count"]) == prints.eligible_count
            assert int(fields["key_count"]) == len(prints.keys)
            sentences += len(prints.sentences)
            eligible += prints.eligible_count
            buckets += len(prints.keys)
            assert int(r.get(f"{p}:hash:{fields['content_hash']}")) == article_id
            assert article_id in {int(i) for i in r.smembers(f"{p}:body:{fields['body_hash']}")}
            for key in key_bytes(prints.keys):
                expected_sets.setdefault(key, set()).add(article_id)
            expected_keys |= {f"{p}:article:{article_id}", f"{p}:hash:{fields['content_hash']}",
                              f"{p}:body:{fields['body_hash']}"}
        if ids:
            expected_keys |= {f"{p}:ids", f"{p}:terms"} | ({f"{p}:publishers"} if publishers else set())
        assert _key_sets(r, p) == expected_sets
        others = {k.decode() for k in r.scan_iter(match=f"{p}:*", count=1000)
                  if not k.startswith(f"{p}:key:".encode())}
        assert others == expected_keys
        assert {k.decode(): int(v) for k, v in r.hgetall(f"{p}:counts").items()} == {
            "sentences": sentences, "eligible_sentences": eligible, "buckets": buckets}
        assert {k.decode(): int(v) for k, v in r.hgetall(f"{p}:terms").items()} == dict(frequencies)
        assert {k.decode(): int(v) for k, v in r.hgetall(f"{p}:publishers").items()} == dict(publishers)
        assert index.stats()["integrity"] == "ok"
    r.close()
    return len(ids)


def _contents(url: str, prefix: str) -> tuple:
    """What an index holds, with ids replaced by content hashes."""
    r = _client(url)
    try:
        hashes = {int(i): r.hget(f"{prefix}:article:{i.decode()}", "content_hash").decode()
                  for i in r.zrange(f"{prefix}:ids", 0, -1)}
        key_sets = {key: {hashes[i] for i in ids} for key, ids in _key_sets(r, prefix).items()}
        return (r.hgetall(f"{prefix}:terms"), r.hgetall(f"{prefix}:publishers"), r.hgetall(f"{prefix}:counts"),
                key_sets, sorted(hashes.values()), len(list(r.scan_iter(f"{prefix}:*", count=1000))))
    finally:
        r.close()


def _everything(url: str, prefix: str) -> dict[bytes, object]:
    """Every key under the prefix with its value, whatever its type."""
    r = _client(url)
    read = {b"string": r.get, b"hash": r.hgetall, b"set": r.smembers, b"zset": lambda k: r.zrange(k, 0, -1)}
    try:
        return {key: read[r.type(key)](key) for key in r.scan_iter(f"{prefix}:*", count=1000)}
    finally:
        r.close()


# ---------------------------------------------------------------------------
# Adding, listing, removing
# ---------------------------------------------------------------------------


def test_add_list_stats_and_readd(redis_url, seeds):
    with open_index(redis_url, create=True) as index:
        assert isinstance(index.backend, RedisIndex)
        added = [index.add(article) for article in seeds.values()]
        assert added == [(n, True) for n in range(1, 6)]
        # The same file again, and the same text under another path: one article.
        assert index.add(load_article(SEEDS["wapo"])) == (1, False)
        assert index.add(clean_text(seeds["bbc"].text, "elsewhere/bbc.txt")) == (2, False)
        listed = index.list()
        stats = index.stats()
        publishers = index.publishers()
    assert [a.path for a in listed] == [str(p) for p in SEEDS.values()]
    assert listed[0].date == seeds["wapo"].metadata.get("date") and listed[0].words == seeds["wapo"].words
    assert len(listed[0].content_hash) == 64 and listed[0].added
    assert publishers == {a.publisher for a in listed if a.publisher}
    prints = [fingerprint(article) for article in seeds.values()]
    assert stats["articles"] == 5 and stats["integrity"] == "ok" and stats["settings_match"] is True
    assert stats["sentences"] == sum(len(s.sentences) for s in prints)
    assert stats["eligible_sentences"] == sum(s.eligible_count for s in prints)
    assert stats["buckets"] == sum(len(s.keys) for s in prints)  # one entry per distinct key of each article
    assert stats["terms"] == len(set().union(*(s.frequencies for s in prints)))
    assert stats["format_version"] == FORMAT_VERSION == 3 and stats["settings"]["index_bands"] == [4, 5]
    assert stats["backend"] == "redis" and stats["location"] == redis_url and stats["prefix"] == "dedupe"
    assert stats["redis_version"] and stats["server_memory_bytes"] > 0
    assert {k: v for k, v in inspect(redis_url).items() if k != "server_memory_bytes"} == \
        {k: v for k, v in stats.items() if k != "server_memory_bytes"}
    assert assert_complete(redis_url) == 5


def test_the_key_sets_are_datasketch_storage(redis_url, seeds):
    """The index key sets are what datasketch's own RedisSetStorage, opened
    apart under the same name, reads: its get finds every article of a key."""
    from datasketch.storage import unordered_storage

    with open_index(f"{redis_url}?prefix=news", create=True) as index:
        index.add(seeds["wapo"])
        index.add(clean_text(light_edit(seeds["wapo"].text), "edited.txt"))
        storage = index.backend.buckets
        assert storage.redis_key(b"12345678") == b"news:key:12345678"
    parts = parse_redis_url(redis_url)
    host, port = parts.client_url.split("//")[1].split("/")[0].split(":")
    apart = unordered_storage({"type": "redis", "redis": {"host": host, "port": int(port)}}, name=b"news:key:")
    keys = fingerprint(seeds["wapo"]).keys
    found = [{int(i) for i in apart.get(key)} for key in key_bytes(keys)]
    assert all(1 in ids for ids in found) and any(ids == {1, 2} for ids in found)
    assert [{int(i) for i in s} for s in apart.getmany(*key_bytes(keys))] == found
    assert key_names(b"news:key:", keys) == [apart.redis_key(key) for key in key_bytes(keys)]
    assert not _client(redis_url).exists("news:key:")  # no directory of keys (insert's, read by nothing here)


def test_remove_leaves_what_an_index_of_the_rest_holds(redis_url, seeds):
    a, b = f"{redis_url}?prefix=a", f"{redis_url}?prefix=b"
    with open_index(a, create=True) as index:
        for article in seeds.values():
            index.add(article)
        assert index.remove([2, 99, 2]) == [2]
        assert [x.id for x in index.list()] == [1, 3, 4, 5]
        assert index.add(seeds["bbc"]) == (6, True)  # ids are never reused
        assert index.remove([6]) == [6]
    with open_index(b, create=True) as fresh:
        for name, article in seeds.items():
            if name != "bbc":
                fresh.add(article)
    assert _contents(redis_url, "a") == _contents(redis_url, "b")
    assert assert_complete(a) == assert_complete(b) == 4
    with open_index(a) as index:  # removing everything leaves the record and counters only
        index.remove(range(1, 7))
        assert index.stats()["articles"] == 0 and index.stats()["integrity"] == "ok"
    r = _client(redis_url)
    assert sorted(r.scan_iter("a:*")) == [b"a:counts", b"a:meta", b"a:next_id"]
    assert {int(v) for v in r.hgetall("a:counts").values()} == {0}
    r.close()


def test_a_remove_racing_another_takes_it_once(redis_url, seeds, monkeypatch):
    with open_index(redis_url, create=True) as first, open_index(redis_url) as second:
        first.add_many([seeds["wapo"], seeds["bbc"]])
        real, raced = redis_store.fingerprint, {}

        def while_the_other_removes(article, settings):
            if not raced:  # the first worker is between its WATCH and its EXEC
                raced["started"] = True
                raced["result"] = second.remove([1])
            return real(article, settings)

        monkeypatch.setattr(redis_store, "fingerprint", while_the_other_removes)
        assert first.remove([1]) == []
        assert raced["result"] == [1]
    assert assert_complete(redis_url) == 1


def test_an_article_removed_after_the_first_look_is_added_again(redis_url, seeds, monkeypatch):
    """As SQLite does: the article was stored when add_many looked, and removed
    before its transaction: it is fingerprinted then, and added anew."""
    with open_index(redis_url, create=True) as index, open_index(redis_url) as other:
        index.add(seeds["wapo"])
        write = RedisIndex._write

        def removed_meanwhile(self, entries, prints):
            other.remove([1])
            return write(self, entries, prints)

        monkeypatch.setattr(RedisIndex, "_write", removed_meanwhile)
        assert index.add_many([seeds["wapo"], seeds["bbc"]]) == [(2, True), (3, True)]
        monkeypatch.undo()
        assert [a.path for a in index.list()] == [str(SEEDS["wapo"]), str(SEEDS["bbc"])]
    assert assert_complete(redis_url) == 2


def test_prefixes_and_databases_are_separate_indexes(redis_server, seeds):
    redis_server.start()
    redis_server.flush()
    base = f"redis://127.0.0.1:{redis_server.port}"
    with open_index(f"{base}/0?prefix=news", create=True) as news, open_index(f"{base}/1", create=True) as other:
        news.add(seeds["wapo"])
        other.add(seeds["bbc"])
        other.add(seeds["wapo"])
        assert [a.path for a in news.list()] == [str(SEEDS["wapo"])]
        assert news.candidates([filler(7)]).sources == ()
        copy = clean_text(seeds["bbc"].text, "copy.txt")
        assert news.candidates([copy]).sources == ()
        assert [s.path for s in other.candidates([copy]).sources] == [str(SEEDS["bbc"])]
    with pytest.raises(StoreMissingError):
        open_index(f"{base}/0")  # the default prefix of db 0 has no index
    r = _client(f"{base}/0")
    assert r.keys("dedupe:*") == []
    r.close()


# ---------------------------------------------------------------------------
# Checking against the index = checking against every source
# ---------------------------------------------------------------------------


def test_candidates_equal_compare_against(redis_url, seeds):
    stored = archive(seeds, fillers=6)
    sources = [with_publisher(article, publisher) for article, publisher in stored]
    mixed = clean_text("\n".join(_paragraphs("time")[:8] + _paragraphs("reuters")[4:10]), "candidates/mixed.txt")
    alone = [seeds["wapo"], seeds["bbc"], seeds["time"], derived()[0], derived()[3]]
    together = [clean_text(seeds["wapo"].text, "elsewhere/wapo.txt"), mixed, filler(1), seeds["bbc"]]
    # The dense banding shortlists every source compare_against finds here (translations included).
    with open_index(redis_url, DENSE, create=True) as index:
        for article, publisher in stored:
            index.add(article, publisher=publisher)
        for candidate in alone:
            found, expected = index.candidates([candidate]), compare_against([candidate], sources)
            assert _verdicts(found) == _verdicts(expected), candidate.path
            assert _passages(found) == _passages(expected), candidate.path
            assert bool(_verdicts(found)[0]["sources"]) == (candidate is not seeds["time"]), candidate.path
        found = index.candidates(together)
    expected = compare_against(together, sources)
    assert _verdicts(found) == _verdicts(expected)
    assert _passages(found) == _passages(expected)
    assert [bool(v["sources"]) for v in _verdicts(expected)] == [True, True, False, True]


@pytest.mark.parametrize("settings", [Settings(), DENSE], ids=["default", "dense"])
def test_lookup_loads_only_articles_with_colliding_sentences(redis_url, seeds, settings, monkeypatch):
    # The dense index finds the translation; the default one a light edit.
    candidate = seeds["bbc"] if settings is DENSE else clean_text(light_edit(seeds["wapo"].text), "edited.txt")
    with open_index(redis_url, settings, create=True) as index:
        index.add(seeds["wapo"])
        index.add_many([filler(number) for number in range(20)])
        loaded = []
        load = index.backend.load
        monkeypatch.setattr(index.backend, "load", lambda ids: loaded.append(list(ids)) or load(ids))
        found = index.candidates([candidate])
        nothing = index.candidates([filler(1000)])
        assert index.backend.colliding(np.empty(0, dtype=np.int64)) == Counter()
        assert index.backend.colliding(fingerprint(filler(1000), settings).keys) == Counter()
    assert loaded == [[1]]  # only the source was read; the other check loaded nothing
    assert [s.path for s in found.sources] == [str(SEEDS["wapo"])]
    assert found.overlaps
    assert nothing.sources == () and nothing.overlaps == ()


def test_one_band(redis_url, seeds, tmp_path):
    """Any banding works, one band included (datasketch's MinHashLSH refused
    b=1; the index keys need no LSH object)."""
    one = Settings(index_bands=(1, 6), index_min_hits=1)
    with open_index(redis_url, one, create=True) as index, open_index(tmp_path / "i.db", one, create=True) as sqlite:
        assert index.add_many(list(seeds.values())) == sqlite.add_many(list(seeds.values()))
        copy = clean_text(seeds["nyt"].text, "copy.txt")
        keys = fingerprint(copy, one).keys
        assert index.backend.colliding(keys) == sqlite.backend.colliding(keys) == Counter({4: len(keys)})
        assert [s.path for s in index.candidates([copy]).sources] == [str(SEEDS["nyt"])]
    assert assert_complete(redis_url) == 5


def test_workers_creating_one_index_at_once(redis_url, seeds):
    barrier = threading.Barrier(4)
    results: list[object] = []

    def create() -> None:
        barrier.wait(SUBPROCESS_TIMEOUT)
        try:
            with open_index(redis_url, create=True) as index:
                results.append(index.add(seeds["nyt"]))
        except Exception as error:  # noqa: BLE001 -- reported by the assertion below
            results.append(error)

    threads = [threading.Thread(target=create) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(SUBPROCESS_TIMEOUT)
    assert all(isinstance(result, tuple) for result in results) and len(results) == 4, results
    assert len({article_id for article_id, _ in results}) == 1  # one article, one id
    assert sorted(new for _, new in results) == [False, False, False, True]
    assert assert_complete(redis_url) == 1


def test_threads_share_one_index(redis_url, seeds):
    with open_index(redis_url, create=True) as index:
        assert_threads_share_one_index(index, seeds)


def test_no_pickle_anywhere(redis_url, seeds, monkeypatch):
    """A full cycle with pickling made impossible: nothing here or in the
    datasketch storage path pickles or unpickles, and nothing read is run."""

    def refuse(*args, **kwargs):
        raise AssertionError("pickle used")

    for name in ("loads", "dumps", "load", "dump"):
        monkeypatch.setattr(pickle, name, refuse)
    with open_index(redis_url, create=True) as index:
        for article in seeds.values():
            index.add(article)
        assert index.add(seeds["wapo"]) == (1, False)
        edited = clean_text(light_edit(seeds["bbc"].text), "edited.txt")
        found = index.candidates([edited])
        assert [s.path for s in found.sources] == [str(SEEDS["bbc"])] and found.overlaps
        assert len(index.list()) == 5 and index.stats()["integrity"] == "ok"
        assert index.remove([3]) == [3]
    with open_index(redis_url) as index:
        assert index.candidates([edited]).overlaps
    source = Path(redis_store.__file__).read_text(encoding="utf-8")
    assert not re.search(r"^\s*(?:import|from)\s+(?:pickle|cPickle|marshal|shelve|dill)\b", source, re.M)
    assert not re.search(r"(?<![.\w])(?:eval|exec)\s*\(", source)
    # No private member of datasketch is used (its storage's public API only).
    assert not re.search(r"\b(?:storage|buckets|lsh)\._\w", source)


# ---------------------------------------------------------------------------
# Settings, format, URLs
# ---------------------------------------------------------------------------


@pytest.fixture
def built(redis_url, seeds) -> str:
    with open_index(redis_url, create=True) as index:
        for article in list(seeds.values())[:2]:
            index.add(article)
    return redis_url


def test_the_record(built):
    r = _client(built)
    meta = {k.decode(): v.decode() for k, v in r.hgetall("dedupe:meta").items()}
    r.close()
    assert sorted(meta) == ["created", "created_by", "format_version", "record"]
    assert meta["format_version"] == "3" and json.loads(meta["record"]) == index_record(Settings())
    backend = open_backend(built)
    try:
        assert backend.settings == Settings()
    finally:
        backend.close()


def test_other_settings_are_refused(built):
    with pytest.raises(StoreFormatError) as error:
        open_index(built, Settings(num_perm=64))
    assert "num_perm 128 (index) vs 64 (now)" in _one_line(error)
    assert built in str(error.value)
    with pytest.raises(StoreFormatError, match="shingle_size 1 \\(index\\) vs 2"):
        open_index(built, Settings(shingle_size=2))
    with pytest.raises(StoreFormatError, match="index_bands \\[4, 5\\] \\(index\\) vs \\[42, 3\\]"):
        open_index(built, DENSE)
    open_index(built, Settings(min_word_similarity=0.5)).close()  # check-time settings may differ


def test_other_formats_are_refused(built):
    r = _client(built)
    r.hset("dedupe:meta", "format_version", "99")
    with pytest.raises(StoreFormatError) as error:
        open_index(built)
    assert "newer dedupe (format 99" in _one_line(error)
    report = inspect(built)
    assert report["format_version"] == 99 and "newer" in report["settings_match"]
    r.hset("dedupe:meta", "format_version", str(FORMAT_VERSION))
    r.hset("dedupe:meta", "record", "{not json")
    with pytest.raises(StoreCorruptError, match="settings record unreadable"):
        open_index(built)
    assert "settings record unreadable" in inspect(built)["integrity"]
    # An index of the previous layout (format 2: datasketch's MinHashLSH buckets) says to rebuild.
    r.delete("dedupe:meta")
    r.hset("dedupe:meta", mapping={"format_version": "2", "settings": json.dumps({"num_perm": 128})})
    with pytest.raises(StoreFormatError, match="older dedupe \\(format 2; this one reads format 3\\): rebuild it"):
        open_index(built)
    assert "older" in inspect(built)["settings_match"]
    r.close()


def test_missing_index_and_keys_that_are_not_an_index(redis_url):
    with pytest.raises(StoreMissingError) as error:
        open_index(redis_url)
    assert _one_line(error).startswith(f"no index at {redis_url}")
    with pytest.raises(StoreMissingError):
        inspect_backend(redis_url)
    r = _client(redis_url)
    assert r.dbsize() == 0  # looking created nothing
    r.set("dedupe:ids", "something else")
    with pytest.raises(StoreCorruptError, match="no settings record: not a dedupe index"):
        open_index(redis_url, create=True)
    with pytest.raises(StoreCorruptError, match="no settings record: not a dedupe index"):
        open_index(redis_url)
    r.set("other:meta", "a string, not a hash")
    with pytest.raises(StoreCorruptError, match="not a dedupe index") as error:
        open_index(f"{redis_url}?prefix=other", create=True)
    assert "WRONGTYPE" in _one_line(error)
    r.close()


def test_wrong_types_under_the_prefix(built, seeds):
    """A key of the index holding another type: every operation that meets it
    says so in one line, and stats reports it."""
    r = _client(built)
    r.delete("dedupe:terms")
    r.set("dedupe:terms", "a string, not a hash")
    with open_index(built) as index:
        before = _everything(built, "dedupe")
        with pytest.raises(StoreCorruptError) as error:
            index.add(seeds["time"])
        assert _one_line(error) == (f"{built}: not a dedupe index: a key under its prefix holds something else "
                                    "('dedupe:terms' is a string, not a hash)")
        after = _everything(built, "dedupe")
        assert int(after.pop(b"dedupe:next_id")) == int(before.pop(b"dedupe:next_id")) + 1  # an id went unused
        assert after == before  # and nothing else changed (Redis would not have rolled the transaction back)
        with pytest.raises(StoreCorruptError, match="'dedupe:terms' is a string"):
            index.remove([1])
        assert [a.id for a in index.list()] == [1, 2]
        with pytest.raises(StoreCorruptError, match="WRONGTYPE"):
            list(index.backend.terms())
        with pytest.raises(StoreCorruptError, match="WRONGTYPE"):
            index.check([seeds["time"]])
        assert "WRONGTYPE" in index.stats()["integrity"]
    keys, new = fingerprint(seeds["wapo"]).keys, fingerprint(seeds["time"]).keys
    r.delete("dedupe:terms")
    for name in key_names(b"dedupe:key:", np.array([keys[0], new[-1]])):  # one of wapo's (id 1), one of a new one's
        r.delete(name)
        r.set(name, "not a set")
    with open_index(built) as index:
        with pytest.raises(StoreCorruptError) as error:
            index.backend.colliding(keys)
        assert _one_line(error).endswith("(WRONGTYPE Operation against a key holding the wrong kind of value)")
        with pytest.raises(StoreCorruptError, match="dedupe:key:.* is a string, not a set"):
            index.add(seeds["time"])
        with pytest.raises(StoreCorruptError, match="is a string, not a set"):
            index.remove([1])
        assert [a.id for a in index.list()] == [1, 2]
    r.close()


def test_stats_finds_damage(built, seeds):
    r = _client(built)
    r.hincrby("dedupe:counts", "buckets", 5)
    assert "counts sentences" in inspect(built)["integrity"] and "buckets" in inspect(built)["integrity"]
    r.hincrby("dedupe:counts", "buckets", -5)
    assert inspect(built)["integrity"] == "ok"
    r.hset("dedupe:article:2", "key_count", 1)
    with open_index(built) as index:  # the article's keys, recomputed, do not match what was stored
        with pytest.raises(StoreCorruptError, match="article 2 was stored with"):
            index.remove([2])
        assert [a.id for a in index.list()] == [1, 2]
    r.delete("dedupe:article:2")
    assert "1 listed article(s) missing" in inspect(built)["integrity"]
    r.set("dedupe:next_id", 0)  # the next add would take id 1 again
    with open_index(built) as index:
        with pytest.raises(StoreCorruptError, match="'dedupe:article:1' exists, but its id was just given out"):
            index.add(seeds["time"])
    r.close()


@pytest.mark.parametrize("url, message", [
    ("redis://localhost:6379/zero", "the path is the database number"),
    ("redis://localhost:6379/0?db=2", "the only option is ?prefix=NAME (got db)"),
    ("redis://localhost:port/0", "the port is not a number"),
    ("redis://localhost/0?prefix=a:b", "prefix must be"),
])
def test_bad_urls(url, message):
    with pytest.raises(StoreURLError) as error:
        open_index(url)
    assert message in _one_line(error)


def test_without_the_redis_package(redis_url, monkeypatch):
    monkeypatch.setattr(redis_store, "redis", None)
    for call in (open_index, inspect_backend):
        with pytest.raises(StoreURLError) as error:
            call(redis_url)
        assert "needs the redis package: pip install 'dedupe-provenance[redis]'" in _one_line(error)


def test_url_forms():
    assert parse_redis_url("redis://h") == ("redis://h", "dedupe", "redis://h")
    assert parse_redis_url("REDISS://u:pw@h:1/3?prefix=x") == ("rediss://u:pw@h:1/3", "x", "rediss://u:***@h:1/3?prefix=x")


def test_the_password_is_never_shown(redis_server):
    url = f"redis://user:hunter2@127.0.0.1:{redis_server.port}/0"
    with pytest.raises(StoreError) as error:  # the server has no such user
        open_index(url)
    message = _one_line(error)
    assert "hunter2" not in message and message.startswith(f"redis://user:***@127.0.0.1:{redis_server.port}/0: ")


# ---------------------------------------------------------------------------
# Faults: the server going away, interrupts, races
# ---------------------------------------------------------------------------


def test_server_gone_mid_add_leaves_no_partial_article(make_redis_server, seeds, monkeypatch):
    server = make_redis_server(persistent=True)  # keeps what was committed across the restart
    url = server.url
    with open_index(url, create=True) as index:
        index.add(seeds["wapo"])
        index.add(seeds["reuters"])
        queue_keys = redis_store._queue_keys

        def then_the_server_dies(pipe, storage, article_id, prints):
            queue_keys(pipe, storage, article_id, prints)  # everything is queued, EXEC not sent yet
            server.kill()

        monkeypatch.setattr(redis_store, "_queue_keys", then_the_server_dies)
        started = time.monotonic()
        with pytest.raises(RedisUnavailableError) as error:
            index.add(seeds["bbc"])
        assert time.monotonic() - started < 60  # no hang: the dead socket fails, however slow the machine
        message = _one_line(error)
        assert message.startswith(f"{url}: Redis server unreachable or gone away (")
        assert isinstance(error.value, StoreError)
        monkeypatch.undo()
        with pytest.raises(RedisUnavailableError):  # still gone: every operation says so
            index.list()
        with pytest.raises(RedisUnavailableError):
            index.check([seeds["bbc"]])
    with pytest.raises(RedisUnavailableError):
        open_index(url)
    with pytest.raises(RedisUnavailableError):
        inspect_backend(url)
    server.start()
    with open_index(url) as index:
        assert [a.path for a in index.list()] == [str(SEEDS["wapo"]), str(SEEDS["reuters"])]
        copy = clean_text(seeds["bbc"].text, "copy.txt")
        assert index.candidates([copy]).sources == ()  # no key of the failed add is left
        wapo_copy = clean_text(seeds["wapo"].text, "copy.txt")
        assert [s.path for s in index.candidates([wapo_copy]).sources] == [str(SEEDS["wapo"])]
        assert index.add(seeds["bbc"]) == (4, True)  # id 3 went to the failed add
        assert index.add(seeds["bbc"]) == (4, False)
    assert assert_complete(url) == 3


def test_the_cli_on_a_redis_index(run_cli, redis_url, tmp_path):
    """`dedupe index add/list/stats` and `check --index` with a redis:// URL, as with a file."""
    from conftest import SEEDS_DIR, seed_text

    code, out, err = run_cli("index", "add", SEEDS_DIR, "--index", redis_url)
    assert (code, out.strip(), err) == (0, "5 added, 0 already indexed, 0 failed", "")
    code, out, _ = run_cli("index", "add", SEEDS["wapo"], "--index", redis_url)
    assert code == 0 and out.strip() == "0 added, 1 already indexed, 0 failed"
    code, out, _ = run_cli("index", "list", "--index", redis_url, "--format", "json")
    assert code == 0 and sorted(a["path"] for a in json.loads(out)["articles"]) == sorted(map(str, SEEDS.values()))
    code, out, _ = run_cli("index", "stats", "--index", redis_url, "--format", "json")
    stats = json.loads(out)
    assert code == 0 and stats["backend"] == "redis" and stats["articles"] == 5 and stats["integrity"] == "ok"
    edited = tmp_path / "edited.txt"
    edited.write_text(light_edit(seed_text("wapo")) + "\nThe Washington Post reported this first.\n", encoding="utf-8")
    code, indexed, _ = run_cli("check", edited, "--index", redis_url, "--format", "json")
    assert code == 0
    code, direct, _ = run_cli("check", edited, "--against", SEEDS_DIR, "--format", "json")  # (same term weights)
    result, = json.loads(indexed)["results"]
    assert result["derivation"] == "whole" and result["sources"][0]["path"] == str(SEEDS["wapo"])
    assert result["sources"][0]["credited"] is True
    assert result["sources"][0] == json.loads(direct)["results"][0]["sources"][0]
    code, _, err = run_cli("index", "list", "--index", f"{redis_url}?prefix=none")
    assert code != 0 and err.strip() == f"dedupe: no index at {redis_url}?prefix=none; " \
        "create it with `dedupe index add --index URL`"


def test_server_gone_is_one_line_from_the_cli(make_redis_server, run_cli):
    server = make_redis_server()
    url = server.url
    server.kill()
    for command in (["index", "list"], ["index", "add", SEEDS["wapo"]], ["index", "stats"], ["check", SEEDS["bbc"]]):
        code, out, err = run_cli(*command, "--index", url)
        assert code != 0 and "Traceback" not in err, command
        assert err.strip().splitlines()[-1].startswith(f"dedupe: {url}: Redis server unreachable"), (command, err)


def test_interrupt_inside_add_leaves_nothing_of_that_article(redis_url, seeds, monkeypatch):
    with open_index(redis_url, create=True) as index:
        index.add(seeds["wapo"])
        before = _contents(redis_url, "dedupe")

        def interrupted(*args):
            raise KeyboardInterrupt

        monkeypatch.setattr(redis_store, "_queue_keys", interrupted)
        with pytest.raises(KeyboardInterrupt):
            index.add(seeds["bbc"])
        monkeypatch.undo()
        assert _contents(redis_url, "dedupe") == before
        assert [a.id for a in index.list()] == [1]
        assert index.add(seeds["bbc"]) == (3, True)
    assert assert_complete(redis_url) == 2


def test_a_lost_reply_to_exec_is_not_a_second_add(redis_url, seeds, monkeypatch):
    """The connection drops after Redis ran the transaction, as its reply to
    EXEC comes back: the add must not run it again (redis-py would retry an
    unwatched transaction), but find its own id under the content hash and
    report the article as new, once."""
    execute_transaction = redis.client.Pipeline._execute_transaction
    lost = []

    def reply_lost(self, connection, commands, raise_on_error):
        replies = len(commands) + 2  # MULTI, every command, EXEC
        read_response = connection.read_response

        def read(*args, **kwargs):
            response = read_response(*args, **kwargs)
            lost.append(response)
            if len(lost) == replies:  # Redis has run it all; its answer to EXEC is lost
                connection.disconnect()
                raise redis.exceptions.ConnectionError("Connection closed by server.")
            return response

        connection.read_response = read
        try:
            return execute_transaction(self, connection, commands, raise_on_error)
        finally:
            del connection.read_response
            monkeypatch.undo()  # only the first transaction loses its reply

    with open_index(redis_url, create=True) as index:
        monkeypatch.setattr(redis.client.Pipeline, "_execute_transaction", reply_lost)
        assert index.add_many([seeds["wapo"], seeds["time"]]) == [(1, True), (2, True)]
        assert lost  # the reply was lost
        assert index.add(seeds["wapo"]) == (1, False)
        assert index.add(seeds["bbc"]) == (3, True)
    assert assert_complete(redis_url) == 3


def test_two_workers_adding_the_same_article_get_one_id(redis_url, seeds, monkeypatch):
    with open_index(redis_url, create=True) as first, open_index(redis_url) as second:
        queue_article = redis_store._queue_article
        raced: dict[str, object] = {}

        def while_the_other_adds(pipe, *args):
            if not raced:  # the first worker is inside its transaction when the second one adds
                raced["started"] = True
                raced["result"] = second.add(seeds["bbc"])
            queue_article(pipe, *args)

        monkeypatch.setattr(redis_store, "_queue_article", while_the_other_adds)
        result = first.add(seeds["bbc"])
        assert raced["result"] == (2, True)  # the second worker took id 2 (the first took 1)
        assert result == (2, False)  # the first one's EXEC was refused; it found id 2
        assert [a.id for a in first.list()] == [2]
    assert assert_complete(redis_url) == 1


def _transactions(url: str) -> int:
    """EXECs the server has run so far."""
    r = _client(url)
    try:
        return r.info("commandstats").get("cmdstat_exec", {}).get("calls", 0)
    finally:
        r.close()


def test_add_many_is_one_transaction_per_batch(redis_url, tmp_path, seeds):
    batch = [seeds["wapo"], seeds["bbc"], seeds["wapo"], seeds["time"]]
    with open_index(redis_url, create=True) as index, open_index(tmp_path / "i.db", create=True) as sqlite:
        before = _transactions(redis_url)
        assert index.add_many(batch) == [(1, True), (2, True), (1, False), (3, True)] == sqlite.add_many(batch)
        assert _transactions(redis_url) == before + 1
        again = [seeds["bbc"], seeds["nyt"], clean_text(seeds["nyt"].text, "elsewhere/nyt.txt")]
        assert index.add_many(again) == [(2, False), (4, True), (4, False)] == sqlite.add_many(again)
        assert _transactions(redis_url) == before + 2
        assert index.add_many([seeds["time"]]) == [(3, False)]  # nothing new: no transaction
        assert index.add_many([]) == []
        assert _transactions(redis_url) == before + 2
        assert [a.path for a in index.list()] == [str(SEEDS[n]) for n in ("wapo", "bbc", "time", "nyt")]
    assert assert_complete(redis_url) == 4


def test_add_many_fingerprints_only_new_articles_and_uses_given_ones(redis_url, seeds, monkeypatch):
    made = []
    real = redis_store.fingerprint

    def counted(article, settings):
        made.append(article.path)
        return real(article, settings)

    monkeypatch.setattr(redis_store, "fingerprint", counted)
    with open_index(redis_url, create=True) as index:
        index.add(seeds["wapo"])
        assert made == [str(SEEDS["wapo"])]
        made.clear()
        assert index.add_many([seeds["wapo"], seeds["bbc"], seeds["bbc"]]) == [(1, False), (2, True), (2, False)]
        assert made == [str(SEEDS["bbc"])]  # once, and not for the stored one
        made.clear()
        given = [seeds["time"], seeds["nyt"]]
        assert index.add_many(given, fingerprints=fingerprint_many(given)) == [(3, True), (4, True)]
        assert made == []
        with pytest.raises(ValueError, match="2 articles but 1 fingerprints"):
            index.add_many(given, fingerprints=fingerprint_many(given[:1]))
    assert assert_complete(redis_url) == 4


def test_interrupted_batch_leaves_nothing_of_it(redis_url, seeds, monkeypatch):
    with open_index(redis_url, create=True) as index:
        index.add(seeds["wapo"])
        before = _contents(redis_url, "dedupe")
        queue_keys, queued = redis_store._queue_keys, []

        def interrupted_at_the_second(pipe, storage, article_id, prints):
            queued.append(article_id)
            if len(queued) == 2:
                raise KeyboardInterrupt
            queue_keys(pipe, storage, article_id, prints)

        monkeypatch.setattr(redis_store, "_queue_keys", interrupted_at_the_second)
        with pytest.raises(KeyboardInterrupt):
            index.add_many([seeds["bbc"], seeds["time"], seeds["nyt"]], publisher="Example Wire")
        monkeypatch.undo()
        assert queued == [2, 3]
        assert _contents(redis_url, "dedupe") == before
        assert [a.id for a in index.list()] == [1] and index.publishers() == {"The Washington Post"}
        assert index.add_many([seeds["bbc"], seeds["time"]]) == [(5, True), (6, True)]  # ids 2-4 went unused
    assert assert_complete(redis_url) == 3


def test_a_batch_racing_another_worker_adds_the_rest(redis_url, seeds, monkeypatch):
    """Another worker adds one article of a batch while the batch's transaction is queued: the
    EXEC is refused, the batch takes the other worker's id for that one and adds the rest."""
    with open_index(redis_url, create=True) as first, open_index(redis_url) as second:
        queue_article = redis_store._queue_article
        raced: dict[str, object] = {}

        def while_the_other_adds(pipe, *args):
            if not raced:  # (once: the other worker's add comes through here too)
                raced["started"] = True
                raced["result"] = second.add(seeds["bbc"])
            queue_article(pipe, *args)

        monkeypatch.setattr(redis_store, "_queue_article", while_the_other_adds)
        results = first.add_many([seeds["wapo"], seeds["bbc"], seeds["time"]])
        monkeypatch.undo()
        assert raced["result"] == (4, True)  # the batch took ids 1-3
        assert results == [(5, True), (4, False), (6, True)]  # and 5-6 when it ran again
        assert [(a.id, a.path) for a in first.list()] == [
            (4, str(SEEDS["bbc"])), (5, str(SEEDS["wapo"])), (6, str(SEEDS["time"]))]
    assert assert_complete(redis_url) == 3


_START = """
import sys, time, redis
def start_together(url, parties):
    r = redis.Redis.from_url(url)
    r.incr("test:ready")
    deadline = time.monotonic() + 30
    while int(r.get("test:ready")) < parties and time.monotonic() < deadline:
        time.sleep(0.01)
"""

_WRITER = _START + """
from dedupe.archive import open_index
from dedupe.cleaning import clean_text
url, seed, shared, writer, parties = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5])
text = open(seed, encoding="utf-8").read()
copy = clean_text(open(shared, encoding="utf-8").read() + "\\nThe copy every writer adds.", "shared.txt")
with open_index(url) as index:
    start_together(url, parties)
    ids = [index.add(copy)[0]]
    for n in range(5):
        ids.append(index.add(clean_text(text + f"\\nCopy {n} by writer {writer}.", f"{writer}/{n}.txt"))[0])
    ids.append(index.add(copy)[0])
    batch = [clean_text(text + f"\\nBatch copy {n}.", f"batch/{n}.txt") for n in range(3)]
    ids.extend(article_id for article_id, _ in index.add_many(batch))
print("ok", *ids)
"""

_READER = _START + """
from dedupe.archive import open_index
from dedupe.corpus import load_article
from dedupe.serialise import verdict_data
url, candidate, wapo, parties = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
article = load_article(candidate)
with open_index(url) as index:
    start_together(url, parties)
    for _ in range(5):
        verdict, = index.check([article])
        paths = [source["path"] for source in verdict_data(verdict)["sources"]]
        assert wapo in paths, paths
print("ok")
"""


def test_concurrent_writers_and_readers(redis_url, seeds, tmp_path):
    with open_index(redis_url, create=True) as index:
        for article in seeds.values():
            index.add(article)
    excerpt = tmp_path / "excerpt.txt"  # four paragraphs of the WaPo story
    excerpt.write_text("\n".join(_paragraphs("wapo")[1:5]), encoding="utf-8")
    writers = ["reuters", "nyt", "time"]
    parties = len(writers) + 2
    children = [_python(_WRITER, redis_url, SEEDS[name], SEEDS["wapo"], f"w{n}", parties)
                for n, name in enumerate(writers)]
    children += [_python(_READER, redis_url, excerpt, SEEDS["wapo"], parties) for _ in range(2)]
    outputs = []
    for child in children:
        out, err = child.communicate(timeout=SUBPROCESS_TIMEOUT)
        assert child.returncode == 0 and out.startswith("ok"), err
        outputs.append(out.split()[1:])
    shared = {ids[0] for ids in outputs[:3]} | {ids[6] for ids in outputs[:3]}
    assert len(shared) == 1  # every writer got the same id for the copy they all added
    _client(redis_url).delete("test:ready")
    with open_index(redis_url) as index:
        listed = index.list()
    assert len(listed) == 5 + 3 * 5 + 1 + 3 * 3
    assert len({a.id for a in listed}) == len({a.content_hash for a in listed}) == len(listed)
    assert [a.id for a in listed] == sorted(a.id for a in listed)
    assert assert_complete(redis_url) == len(listed)


def test_a_foreign_member_in_a_key_set_is_a_damaged_index(built, seeds):
    """A member that is not an article id (crafted, or written by something else) used to be an
    AttributeError or ValueError, exit 3; it is the corrupt-index error naming the index."""
    r = _client(built)
    for redis_key in r.scan_iter(match=b"dedupe:key:*", count=1000):
        r.sadd(redis_key, b"dedupe:garbage")
    r.close()
    with open_index(built) as index, pytest.raises(StoreCorruptError) as error:
        index.check([seeds["wapo"]])
    assert "index is damaged: a set holds b'dedupe:garbage', not an article id" in _one_line(error)
    assert built.split("?")[0] in str(error.value)
