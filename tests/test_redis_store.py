"""The archive index on Redis (dedupe.redis_store), against a real redis-server.

The server comes from tests/redis_server.py (skipped with the reason when
redis-server is not installed). The behaviour checked is the SQLite
backend's (tests/test_store.py) where it applies, plus what sharing one
server brings: workers in several processes, a server that goes away.
"""

from __future__ import annotations

import json
import pickle
import re
import struct
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

redis = pytest.importorskip("redis")

import dedupe.redis_store as redis_store  # noqa: E402
from conftest import SEEDS  # noqa: E402
from dedupe.cleaning import clean_text  # noqa: E402
from dedupe.comparison import compare_against  # noqa: E402
from dedupe.corpus import load_article  # noqa: E402
from dedupe.fingerprints import as_minhash  # noqa: E402
from dedupe.redis_store import (  # noqa: E402
    RedisIndex,
    RedisUnavailableError,
    inspect_redis,
    lsh_key,
    parse_redis_url,
)
from dedupe.settings import Settings  # noqa: E402
from dedupe.store import (  # noqa: E402
    FORMAT_VERSION,
    StoreCorruptError,
    StoreError,
    StoreFormatError,
    StoreMissingError,
    StoreURLError,
    article_from_columns,
    fingerprint,
    fingerprint_many,
    open_index,
    signature_from_bytes,
    with_publisher,
)
from dedupe.verdicts import judge  # noqa: E402
from archive_articles import (  # noqa: E402,F401 - seeds is a fixture
    DENSE, SUBPROCESS_TIMEOUT, _SYLLABLES, _one_line, _paragraphs, _passages, _python, _verdicts, archive,
    assert_threads_share_one_index, derived, filler, light_edit, seeds,
)
from redis_server import make_redis_server, redis_server, redis_url  # noqa: E402,F401

BANDS, _ = Settings().index_bands


def full_minhash(prefix: np.ndarray, settings: Settings = Settings()):
    """A MinHash datasketch's LSH accepts, from the banded start of a
    signature a fingerprint keeps (the LSH reads no further)."""
    padded = np.full(settings.num_perm, np.iinfo(np.uint32).max, dtype=np.uint32)
    padded[: len(prefix)] = prefix
    return as_minhash(padded, settings)


def _client(url: str):
    return redis.Redis.from_url(url.split("?")[0])


def _buckets(r, prefix: str, bands: int = BANDS) -> dict[tuple[int, bytes], set[bytes]]:
    """Every LSH bucket as datasketch keeps it: (band, band key) -> LSH keys.

    datasketch's Redis layout: band ``i`` is the hash ``{basename}_bucket_``
    + ``i`` as a big-endian short, mapping each band key to the name of the
    set of LSH keys that have it.
    """
    found: dict[tuple[int, bytes], set[bytes]] = {}
    for band in range(bands):
        table = f"{prefix}:lsh".encode() + b"_bucket_" + struct.pack(">H", band)
        entries = r.hgetall(table)
        pipe = r.pipeline(transaction=False)
        for name in entries.values():
            pipe.smembers(name)
        for band_key, members in zip(entries, pipe.execute()):
            found[band, band_key] = members
    return found


def assert_complete(url: str, settings: Settings = Settings()) -> int:
    """Every listed article has all its keys and LSH entries, nothing else is
    there, and the counters add up. Returns the article count."""
    r = _client(url)
    p = parse_redis_url(url).prefix
    with open_index(url, settings) as index:
        lsh = index.lsh
        assert (lsh.b, lsh.r) == settings.index_bands
        ids = [int(i) for i in r.zrange(f"{p}:ids", 0, -1)]
        frequencies: Counter[str] = Counter()
        publishers: Counter[str] = Counter()
        sentences = eligible = 0
        expected: dict[tuple[int, bytes], set[bytes]] = {}
        for article_id in ids:
            fields = {k.decode(): v.decode() for k, v in r.hgetall(f"{p}:article:{article_id}").items()}
            article = article_from_columns(fields["path"], fields["text"], fields["body"], fields["debris"],
                                           fields["kind"], fields.get("title"), fields["metadata"])
            prints = fingerprint(article, settings)
            frequencies.update(prints.frequencies)
            publishers.update([fields["publisher"]] if "publisher" in fields else [])
            assert int(fields["sentence_count"]) == len(prints.sentences)
            assert int(fields["eligible_count"]) == len(prints.eligible_rows)
            sentences += len(prints.sentences)
            eligible += len(prints.eligible_rows)
            stored = json.loads(r.get(f"{p}:sentences:{article_id}"))
            assert [row for row, (_, _, ok) in enumerate(stored) if ok] == list(prints.eligible_rows)
            blob = r.get(f"{p}:signatures:{article_id}")
            assert (signature_from_bytes(blob).reshape(prints.signatures.shape) == prints.signatures).all()
            assert int(r.get(f"{p}:hash:{fields['content_hash']}")) == article_id
            assert str(article_id).encode() in r.smembers(f"{p}:body:{fields['body_hash']}")
            pipe = r.pipeline(transaction=False)
            for row, signature in zip(prints.eligible_rows, prints.signatures):
                key = lsh_key(article_id, row)
                bands = [lsh._H(signature[start:end]) for start, end in lsh.hashranges]
                for band, band_key in enumerate(bands):
                    expected.setdefault((band, band_key), set()).add(key)
                pipe.lrange(lsh.keys.redis_key(key), 0, -1)
                pipe.hget(lsh.keys._name, key)
            replies = pipe.execute()
            for n, (row, signature) in enumerate(zip(prints.eligible_rows, prints.signatures)):
                bands = [lsh._H(signature[start:end]) for start, end in lsh.hashranges]
                assert replies[2 * n] == bands and replies[2 * n + 1] == lsh.keys.redis_key(lsh_key(article_id, row))
            if prints.eligible_rows:  # datasketch's own reads find the article too
                key = lsh_key(article_id, prints.eligible_rows[-1])
                assert key in lsh and key in lsh.query(full_minhash(prints.signatures[-1], settings))
        assert _buckets(r, p, lsh.b) == expected
        assert r.hlen(lsh.keys._name) == eligible
        assert int(r.get(f"{p}:sentence_count")) == sentences
        assert int(r.get(f"{p}:eligible_count")) == eligible
        assert {k.decode(): int(v) for k, v in r.hgetall(f"{p}:terms").items()} == dict(frequencies)
        assert {k.decode(): int(v) for k, v in r.hgetall(f"{p}:publishers").items()} == dict(publishers)
        assert len(list(r.scan_iter(f"{p}:article:*", count=1000))) == len(ids)
        assert len(list(r.scan_iter(f"{p}:hash:*", count=1000))) == len(ids)
        assert index.stats()["integrity"] == "ok"
    r.close()
    return len(ids)


# ---------------------------------------------------------------------------
# Adding, listing, removing
# ---------------------------------------------------------------------------


def test_add_list_stats_and_readd(redis_url, seeds):
    with open_index(redis_url, create=True) as index:
        assert isinstance(index, RedisIndex)
        added = [index.add(article) for article in seeds.values()]
        assert added == [(n, True) for n in range(1, 6)]
        # The same file again, and the same text under another path: one article.
        assert index.add(load_article(SEEDS["wapo"])) == (1, False)
        assert index.add(clean_text(seeds["bbc"].text, "elsewhere/bbc.txt")) == (2, False)
        listed = index.list()
        stats = index.stats()
        publishers = index.publishers()
    assert [a.path for a in listed] == [str(p) for p in SEEDS.values()]
    assert listed[0].publisher == "The Washington Post" and listed[0].date == "2024-05"
    assert listed[0].words == seeds["wapo"].words and len(listed[0].content_hash) == 64
    assert publishers == {a.publisher for a in listed if a.publisher}
    sentences = [fingerprint(article) for article in seeds.values()]
    assert stats["articles"] == 5 and stats["integrity"] == "ok" and stats["settings_match"] is True
    assert stats["sentences"] == sum(len(s.sentences) for s in sentences)
    assert stats["eligible_sentences"] == sum(len(s.eligible_rows) for s in sentences)
    assert stats["buckets"] == BANDS * stats["eligible_sentences"]  # each LSH key in b band sets
    assert stats["terms"] == len(set().union(*(s.frequencies for s in sentences)))
    assert stats["format_version"] == FORMAT_VERSION and stats["settings"]["num_perm"] == 128
    assert stats["settings"]["index_bands"] == [4, 5]
    assert stats["backend"] == "redis" and stats["location"] == redis_url
    assert assert_complete(redis_url) == 5


def test_list_matches_the_sqlite_index(redis_url, tmp_path, seeds):
    with open_index(redis_url, create=True) as index, open_index(str(tmp_path / "i.db"), create=True) as sqlite:
        for article, publisher in archive(seeds, fillers=6)[:8]:
            assert index.add(article, publisher=publisher) == sqlite.add(article, publisher=publisher)
        drop = {"added"}
        assert ([{k: v for k, v in a.as_dict().items() if k not in drop} for a in index.list()]
                == [{k: v for k, v in a.as_dict().items() if k not in drop} for a in sqlite.list()])
        assert index.publishers() == sqlite.publishers()
        assert index._sentence_count() == sqlite._sentence_count()
        assert sorted(index._terms()) == sorted(sqlite._terms())


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
    with open_index(a) as index:  # removing everything leaves the settings and counters only
        index.remove(range(1, 7))
        assert index.stats()["articles"] == 0 and index.stats()["integrity"] == "ok"
    r = _client(redis_url)
    assert sorted(r.scan_iter("a:*")) == [b"a:eligible_count", b"a:meta", b"a:next_id", b"a:sentence_count"]
    assert int(r.get("a:sentence_count")) == int(r.get("a:eligible_count")) == 0
    r.close()


def _contents(url: str, prefix: str) -> tuple:
    """What an index holds, with ids replaced by content hashes."""
    r = _client(url)
    try:
        hashes = {i: r.hget(f"{prefix}:article:{i.decode()}", "content_hash").decode()
                  for i in r.zrange(f"{prefix}:ids", 0, -1)}
        buckets = {bucket: {hashes[key.split(b":")[0]] + ":" + key.split(b":")[1].decode() for key in keys}
                   for bucket, keys in _buckets(r, prefix).items()}
        return (r.hgetall(f"{prefix}:terms"), r.hgetall(f"{prefix}:publishers"), r.get(f"{prefix}:sentence_count"),
                r.get(f"{prefix}:eligible_count"), buckets, len(list(r.scan_iter(f"{prefix}:*", count=1000))))
    finally:
        r.close()


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
        assert [s.path for s in other.candidates([seeds["bbc"]]).sources][:1] == [str(SEEDS["bbc"])]
    with pytest.raises(StoreMissingError):
        open_index(f"{base}/0")  # the default prefix of db 0 has no index
    r = _client(f"{base}/0")
    assert r.keys("dedupe:*") == []
    r.close()


# ---------------------------------------------------------------------------
# Checking against the index = checking against every source (= SQLite)
# ---------------------------------------------------------------------------


def test_candidates_equal_compare_against_and_the_sqlite_index(redis_url, tmp_path, seeds):
    stored = archive(seeds, fillers=6)
    sources = [with_publisher(article, publisher) for article, publisher in stored]
    wapo_elsewhere = clean_text(seeds["wapo"].text, "elsewhere/wapo.txt")
    mixed = clean_text("\n".join(_paragraphs("time")[:8] + _paragraphs("reuters")[4:10]), "candidates/mixed.txt")
    alone = [*seeds.values(), *derived()[:2], derived()[3]]
    together = [wapo_elsewhere, mixed, filler(1), seeds["bbc"]]
    # The dense banding shortlists every source compare_against finds here (translations included).
    with open_index(redis_url, DENSE, create=True) as index, \
            open_index(str(tmp_path / "i.db"), DENSE, create=True) as sqlite:
        assert (index.lsh.b, index.lsh.r) == (42, 3)
        for article, publisher in stored:
            index.add(article, publisher=publisher)
            sqlite.add(article, publisher=publisher)
        for n, candidate in enumerate(alone):
            found, expected = index.candidates([candidate]), compare_against([candidate], sources)
            assert _verdicts(found) == _verdicts(expected), candidate.path
            assert _passages(found) == _passages(expected), candidate.path
            if n % 3 == 0:  # (the SQLite index gives what compare_against gives: tests/test_store.py)
                assert _verdicts(found) == _verdicts(sqlite.candidates([candidate])), candidate.path
            assert bool(_verdicts(found)[0]["sources"]) == (candidate is not seeds["time"]), candidate.path
        found = index.candidates(together)
        assert _verdicts(found) == _verdicts(sqlite.candidates(together))
        assert index._same_text([1]) == sqlite._same_text([1]) == [1, 9]
    expected = compare_against(together, sources)
    assert _verdicts(found) == _verdicts(expected)
    assert _passages(found) == _passages(expected)
    assert [bool(v["sources"]) for v in _verdicts(expected)] == [True, True, False, True]


@pytest.mark.parametrize("settings", [Settings(), DENSE], ids=["default", "dense"])
def test_lookup_loads_only_articles_with_colliding_sentences(redis_url, seeds, settings):
    # The dense index finds the translation; the default one a light edit.
    candidate = seeds["bbc"] if settings is DENSE else clean_text(light_edit(seeds["wapo"].text), "edited.txt")
    with open_index(redis_url, settings, create=True) as index:
        index.add(seeds["wapo"])
        for number in range(20):
            index.add(filler(number))
        found = index.candidates([candidate])
        nothing = index.candidates([filler(1000)])
        assert index._colliding(np.empty((0, settings.num_perm), dtype=np.uint32)) == Counter()
        assert index._colliding(fingerprint(filler(1000), settings).signatures) == Counter()
    assert [s.path for s in found.sources] == [str(SEEDS["wapo"])]
    assert found.overlaps
    assert nothing.sources == () and nothing.overlaps == ()


@pytest.mark.parametrize("settings", [Settings(), DENSE], ids=["default", "dense"])
def test_shared_key_counts_equal_the_sqlite_index(redis_url, tmp_path, seeds, settings):
    """For every indexed article, the distinct band keys it shares with a candidate are those
    the SQLite index counts (its 64-bit index keys stand for the same bands), so both shortlist
    the same articles."""
    articles = [*seeds.values(), *derived(), *(filler(n) for n in range(3))]
    candidates = [*seeds.values(), *derived(), clean_text(light_edit(seeds["time"].text), "edited.txt"), filler(1)]
    with open_index(redis_url, settings, create=True) as index, \
            open_index(tmp_path / "i.db", settings, create=True) as sqlite:
        assert index.add_many(articles) == sqlite.add_many(articles)
        for candidate in candidates:
            signatures = fingerprint(candidate, settings).signatures
            counts = index._colliding(signatures)
            assert counts == sqlite._colliding(signatures), candidate.path
            assert counts, candidate.path  # each shares keys with something (itself, for the stored ones)
        # A stored article shares every key of its own with itself.
        prints = fingerprint(seeds["nyt"], settings)
        assert index._colliding(prints.signatures)[4] == len(prints.keys)


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
    """A full cycle with pickling made impossible: nothing here or in
    datasketch's Redis path (prepickle=False) pickles or unpickles."""

    def refuse(*args, **kwargs):
        raise AssertionError("pickle used")

    for name in ("loads", "dumps", "load", "dump"):
        monkeypatch.setattr(pickle, name, refuse)
    with open_index(redis_url, create=True) as index:
        assert index.lsh.prepickle is False
        for article in seeds.values():
            index.add(article)
        assert index.add(seeds["wapo"]) == (1, False)
        edited = clean_text(light_edit(seeds["bbc"].text), "edited.txt")
        found = index.candidates([edited])
        assert [s.path for s in found.sources] == [str(SEEDS["bbc"])] and found.overlaps
        prints = fingerprint(seeds["nyt"])
        assert lsh_key(4, prints.eligible_rows[0]) in index.lsh.query(full_minhash(prints.signatures[0]))
        assert len(index.list()) == 5 and index.stats()["integrity"] == "ok"
        assert index.remove([3]) == [3]
    with open_index(redis_url) as index:
        assert index.candidates([edited]).overlaps
    source = Path(redis_store.__file__).read_text(encoding="utf-8")
    assert not re.search(r"^\s*(?:import|from)\s+(?:pickle|cPickle|marshal|shelve|dill)\b", source, re.M)
    assert not re.search(r"(?<![.\w])(?:eval|exec)\s*\(", source)


# ---------------------------------------------------------------------------
# Settings, format, URLs
# ---------------------------------------------------------------------------


@pytest.fixture
def built(redis_url, seeds) -> str:
    with open_index(redis_url, create=True) as index:
        for article in list(seeds.values())[:2]:
            index.add(article)
    return redis_url


def test_other_settings_are_refused(built):
    with pytest.raises(StoreFormatError) as error:
        open_index(built, Settings(num_perm=64))
    assert "num_perm 128 (index) vs 64 (now)" in _one_line(error)
    assert built in str(error.value)
    with pytest.raises(StoreFormatError, match="shingle_size 1 \\(index\\) vs 2"):
        open_index(built, Settings(shingle_size=2))
    open_index(built, Settings(min_word_similarity=0.5)).close()  # query-time settings may differ


def test_newer_format_is_refused(built):
    r = _client(built)
    r.hset("dedupe:meta", "format_version", "99")
    with pytest.raises(StoreFormatError) as error:
        open_index(built)
    assert "newer dedupe (format 99" in _one_line(error)
    report = inspect_redis(built)
    assert report["format_version"] == 99 and "newer" in report["settings_match"]
    r.hset("dedupe:meta", "settings", "{not json")
    with pytest.raises(StoreCorruptError, match="settings record unreadable"):
        open_index(built)
    r.close()


def test_missing_index_and_keys_that_are_not_an_index(redis_url):
    with pytest.raises(StoreMissingError) as error:
        open_index(redis_url)
    assert _one_line(error).startswith(f"no index at {redis_url}")
    with pytest.raises(StoreMissingError):
        inspect_redis(redis_url)
    r = _client(redis_url)
    assert r.dbsize() == 0  # looking created nothing
    r.set("dedupe:ids", "something else")
    with pytest.raises(StoreCorruptError, match="no settings record: not a dedupe index"):
        open_index(redis_url, create=True)
    r.set("other:meta", "a string, not a hash")
    with pytest.raises(StoreCorruptError, match="not a dedupe index") as error:
        open_index(f"{redis_url}?prefix=other", create=True)
    assert "WRONGTYPE" in _one_line(error)
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
    with pytest.raises(StoreURLError) as error:
        open_index(redis_url)
    assert "needs the redis package: pip install 'dedupe-provenance[redis]'" in _one_line(error)


def test_url_forms():
    assert parse_redis_url("redis://h") == ("redis://h", "dedupe", "redis://h")
    assert parse_redis_url("REDISS://u:pw@h:1/3?prefix=x") == ("rediss://u:pw@h:1/3", "x", "rediss://u:***@h:1/3?prefix=x")


# ---------------------------------------------------------------------------
# Faults: the server going away, interrupts, races
# ---------------------------------------------------------------------------


def test_server_gone_mid_add_leaves_no_partial_article(make_redis_server, seeds, monkeypatch):
    server = make_redis_server(persistent=True)  # keeps what was committed across the restart
    url = server.url
    with open_index(url, create=True) as index:
        index.add(seeds["wapo"])
        index.add(seeds["reuters"])
        queue_lsh = redis_store._queue_lsh

        def then_the_server_dies(pipe, lsh, article_id, prints):
            queue_lsh(pipe, lsh, article_id, prints)  # everything is queued, EXEC not sent yet
            server.kill()

        monkeypatch.setattr(redis_store, "_queue_lsh", then_the_server_dies)
        started = time.monotonic()
        with pytest.raises(RedisUnavailableError) as error:
            index.add(seeds["bbc"])
        assert time.monotonic() - started < 5
        message = _one_line(error)
        assert message.startswith(f"{url}: Redis server unreachable or gone away (")
        assert isinstance(error.value, StoreError)
        monkeypatch.undo()
        with pytest.raises(RedisUnavailableError):  # still gone: every operation says so
            index.list()
    with pytest.raises(RedisUnavailableError):
        open_index(url)
    server.start()
    with open_index(url) as index:
        assert [a.path for a in index.list()] == [str(SEEDS["wapo"]), str(SEEDS["reuters"])]
        copy = clean_text(seeds["bbc"].text, "copy.txt")
        assert index.candidates([copy]).sources == ()  # no LSH entry of the failed add is left
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
    for command in (["index", "list"], ["index", "add", SEEDS["wapo"]], ["check", SEEDS["bbc"]]):
        code, out, err = run_cli(*command, "--index", url)
        assert code != 0 and "Traceback" not in err, command
        assert err.strip().splitlines()[-1].startswith(f"dedupe: {url}: Redis server unreachable"), (command, err)


def test_interrupt_inside_add_leaves_nothing_of_that_article(redis_url, seeds, monkeypatch):
    with open_index(redis_url, create=True) as index:
        index.add(seeds["wapo"])
        before = _contents(redis_url, "dedupe")

        def interrupted(*args):
            raise KeyboardInterrupt

        monkeypatch.setattr(redis_store, "_queue_lsh", interrupted)
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
        assert index.add(seeds["wapo"]) == (1, True)
        assert lost  # the reply was lost
        assert index.add(seeds["wapo"]) == (1, False)
        assert index.add(seeds["bbc"]) == (2, True)
    assert assert_complete(redis_url) == 2


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
        queue_lsh, queued = redis_store._queue_lsh, []

        def interrupted_at_the_second(pipe, lsh, article_id, prints):
            queued.append(article_id)
            if len(queued) == 2:
                raise KeyboardInterrupt
            queue_lsh(pipe, lsh, article_id, prints)

        monkeypatch.setattr(redis_store, "_queue_lsh", interrupted_at_the_second)
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
        assert results == [(1, True), (4, False), (3, True)]
        assert [(a.id, a.path) for a in first.list()] == [
            (1, str(SEEDS["wapo"])), (3, str(SEEDS["time"])), (4, str(SEEDS["bbc"]))]
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
from dedupe.cleaning import clean_text
from dedupe.store import open_index
url, seed, shared, writer, parties = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5])
text = open(seed, encoding="utf-8").read()
copy = clean_text(open(shared, encoding="utf-8").read() + "\\nThe copy every writer adds.", "shared.txt")
with open_index(url) as index:
    start_together(url, parties)
    ids = [index.add(copy)[0]]
    for n in range(5):
        ids.append(index.add(clean_text(text + f"\\nCopy {n} by writer {writer}.", f"{writer}/{n}.txt"))[0])
    ids.append(index.add(copy)[0])
print("ok", *ids)
"""

_READER = _START + """
from dedupe.corpus import load_article
from dedupe.store import open_index
from dedupe.verdicts import judge
url, candidate, wapo, parties = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
article = load_article(candidate)
with open_index(url) as index:
    start_together(url, parties)
    for _ in range(5):
        verdict, = judge(index.candidates([article]))
        assert wapo in [use.source.path for use in verdict.sources], [use.source.path for use in verdict.sources]
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
    shared = {ids[0] for ids in outputs[:3]} | {ids[-1] for ids in outputs[:3]}
    assert len(shared) == 1  # every writer got the same id for the copy they all added
    with open_index(redis_url) as index:
        listed = index.list()
    assert len(listed) == 5 + 3 * 5 + 1
    assert len({a.id for a in listed}) == len({a.content_hash for a in listed}) == len(listed)
    assert [a.id for a in listed] == sorted(a.id for a in listed)
    assert assert_complete(redis_url) == len(listed)
