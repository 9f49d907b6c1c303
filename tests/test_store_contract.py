"""One contract for every index backend: SQLite (a real file) and Redis (a real server).

Each test runs through :func:`dedupe.store.open_backend` or
:func:`dedupe.archive.open_index`, never a backend's own classes. The
``url`` fixture runs a test once per backend; ``urls`` gives both at once,
for the tests that compare them (the same articles must give the same ids,
lookups, counts and verdicts on both). The Redis half is skipped, saying
why, only when ``redis-server`` is not installed (tests/redis_server.py).
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from archive_articles import DENSE, archive, derived, filler, light_edit, seeds  # noqa: F401 - seeds is a fixture
from conftest import SEEDS
from pages import news_page
from redis_server import redis_server, redis_url  # noqa: F401 - fixtures

from dedupe.archive import open_index, with_publisher
from dedupe.cleaning import clean, clean_text
from dedupe.fingerprints import fingerprint, index_keys, sentence_table
from dedupe.serialise import verdict_data
from dedupe.settings import Settings
from dedupe.store import (
    FORMAT_VERSION,
    IndexEntry,
    StoreFormatError,
    StoreMissingError,
    inspect_backend,
    open_backend,
)

BACKENDS = ("sqlite", "redis")
#: What ``stats`` counts, equal on every backend for the same articles.
COUNTS = ("articles", "sentences", "eligible_sentences", "buckets", "terms")


def _url(kind: str, tmp_path: Path, request: pytest.FixtureRequest) -> str:
    if kind == "sqlite":
        return str(tmp_path / "index.db")
    return request.getfixturevalue("redis_url")  # skips when redis-server is missing


@pytest.fixture(params=BACKENDS)
def url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty place for an index, once per backend."""
    return _url(request.param, tmp_path, request)


@pytest.fixture
def urls(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[str, str]:
    """(SQLite, Redis): both backends, to compare."""
    return tuple(_url(kind, tmp_path, request) for kind in BACKENDS)  # type: ignore[return-value]


def _entries(seeds):
    """The archive as the backend gets it from :meth:`Index.add_many`."""
    from dedupe.credits import source_publisher

    articles = [with_publisher(article, publisher) for article, publisher in archive(seeds, fillers=4)]
    return [IndexEntry(article, source_publisher(article)) for article in articles]


def _counts(backend) -> dict[str, object]:
    stats = backend.stats()
    return {key: stats[key] for key in (*COUNTS, "integrity")}


def _page() -> object:
    """An HTML article: a title, debris and page metadata to round-trip."""
    html = news_page(title="Radar stations hit in southern Russia",
                     paragraphs=["Officials said two attempted attacks hit radar stations in southern Russia.",
                                 "The ministry said the stations were part of an early-warning network."],
                     date="2024-05-28", author="A. Reporter")
    return clean(html, "pages/radar.html", url="https://example.com/radar")


# ---------------------------------------------------------------------------
# One backend at a time
# ---------------------------------------------------------------------------


def test_add_is_idempotent_and_ids_increase(url, seeds):
    backend = open_backend(url, create=True)
    try:
        articles = list(seeds.values())
        assert backend.add_many([IndexEntry(a, None) for a in articles]) == [(n, True) for n in range(1, 6)]
        assert backend.add_many([IndexEntry(articles[0], None)]) == [(1, False)]
        # The same text under another path is the same article; a repeat within a batch is not new.
        again = [IndexEntry(clean_text(articles[1].text, "elsewhere/bbc.txt"), "Other"),
                 IndexEntry(filler(1), None), IndexEntry(filler(1), None), IndexEntry(filler(2), None)]
        assert backend.add_many(again) == [(2, False), (6, True), (6, False), (7, True)]
        assert backend.add_many([]) == []
        listed = list(backend.articles())
        assert [a.id for a in listed] == list(range(1, 8))
        assert [a.path for a in listed[:5]] == [str(p) for p in SEEDS.values()]
        assert listed[1].publisher != "Other"  # the stored one is left as it was
        assert backend.stats()["articles"] == 7 and backend.stats()["integrity"] == "ok"
    finally:
        backend.close()


def test_add_many_is_all_or_nothing(url, seeds):
    with open_index(url, create=True) as index:
        index.add(seeds["wapo"])
        backend = index.backend
        before = (list(backend.articles()), _counts(backend), backend.sentence_count(), sorted(backend.terms()))
        good, bad = seeds["bbc"], seeds["time"]
        broken = dataclasses.replace(fingerprint(bad, index.settings), sentences=None)  # fails mid-write
        with pytest.raises(TypeError):
            backend.add_many([IndexEntry(good, None), IndexEntry(filler(3), None), IndexEntry(bad, None, broken)])
        after = (list(backend.articles()), _counts(backend), backend.sentence_count(), sorted(backend.terms()))
        assert after == before and after[1]["integrity"] == "ok"
        assert backend.colliding(fingerprint(good, index.settings).keys) == Counter()
        assert backend.same_text([2, 3, 4]) == [] and backend.load([2, 3, 4]) == []
        ids = [article_id for article_id, _ in index.add_many([good, bad])]
        assert all(new for _, new in index.add_many([filler(4)])) and len(set(ids)) == 2


def test_remove(url, seeds, tmp_path):
    articles = list(seeds.values())
    with open_index(url, create=True) as index:
        index.add_many(articles)
        keys = fingerprint(seeds["bbc"], index.settings).keys
        assert index.backend.colliding(keys)[2] == len(keys)
        assert index.remove([2, 99, 2]) == [2]
        assert [a.id for a in index.articles()] == [1, 3, 4, 5]
        assert 2 not in index.backend.colliding(keys)
        assert index.backend.load([1, 2, 3]) == [articles[0], articles[2]]
        assert index.add(seeds["bbc"]) == (6, True)  # ids are never reused
        assert index.remove([6]) == [6] and index.remove([6]) == []
        stats = index.stats()
        terms, sentences = sorted(index.backend.terms()), index.backend.sentence_count()
        frequencies = index.backend.frequencies(terms)
    with open_index(tmp_path / "rest.db", create=True) as rest:  # what an index of the rest holds
        rest.add_many([a for name, a in seeds.items() if name != "bbc"])
        assert {k: stats[k] for k in COUNTS} == {k: rest.stats()[k] for k in COUNTS}
        assert (terms, sentences) == (sorted(rest.backend.terms()), rest.backend.sentence_count())
        assert frequencies == rest.backend.frequencies(terms)
    with open_index(url) as index:
        assert index.remove(range(1, 7)) == [1, 3, 4, 5]
        assert list(index.articles()) == [] and index.publishers() == set()
        assert {k: index.stats()[k] for k in COUNTS} == dict.fromkeys(COUNTS, 0)
        assert list(index.backend.terms()) == [] and index.backend.sentence_count() == 0
        assert index.stats()["integrity"] == "ok"


def test_load_round_trips_the_article(url, seeds):
    page = _page()
    stored = [(seeds["wapo"], None), (seeds["bbc"], "Example Wire"), (page, None), (derived()[2], "Other Wire")]
    with open_index(url, create=True) as index:
        ids = [index.add(article, publisher)[0] for article, publisher in stored]
        loaded = index.backend.load([ids[3], 99, ids[0], ids[2], ids[1], ids[0]])
    expected = [with_publisher(article, publisher) for article, publisher in stored]
    assert loaded == [expected[3], expected[0], expected[2], expected[1], expected[0]]
    assert loaded[2].title == page.title and loaded[2].debris == page.debris and loaded[2].kind == page.kind
    assert dict(loaded[0].metadata)["publisher"] == "Other Wire"


def test_articles_order_and_publishers(url, seeds):
    with open_index(url, create=True) as index:
        index.add(seeds["time"])
        index.add(seeds["wapo"], publisher="Example Wire")
        index.add(filler(5))
        index.add(seeds["reuters"])
        listed = list(index.articles())
        publishers = index.publishers()
    assert [a.path for a in listed] == [str(SEEDS["time"]), str(SEEDS["wapo"]), "filler/5.txt", str(SEEDS["reuters"])]
    assert [a.id for a in listed] == [1, 2, 3, 4]
    assert listed[1].publisher == "Example Wire" and listed[2].publisher is None
    assert publishers == {a.publisher for a in listed if a.publisher is not None}
    assert listed[0].words == seeds["time"].words and isinstance(listed[0].words, int)
    assert all(len(a.content_hash) == 64 and a.added for a in listed)


def test_the_record_gives_the_settings(url, seeds):
    dense = Settings(index_bands=(42, 3), index_min_hits=1)
    with open_index(url, dense, create=True) as index:
        index.add(seeds["wapo"])
    backend = open_backend(url)
    try:
        assert backend.settings == dense
    finally:
        backend.close()
    with open_index(url) as index:
        assert index.settings.index_bands == (42, 3) and index.settings.index_min_hits == 1
        assert index.check([clean_text(seeds["wapo"].text, "copy.txt")])[0].sources
    with open_index(url, {"index_min_hits": 3}) as index:  # check-time settings may change
        assert index.settings.index_min_hits == 3 and index.settings.index_bands == (42, 3)
    with pytest.raises(StoreFormatError) as error:
        open_backend(url, Settings())
    message = str(error.value)
    assert "index_bands [42, 3] (index) vs [4, 5] (now)" in message and "\n" not in message
    with pytest.raises(StoreFormatError, match="index_bands"):
        open_index(url, Settings())
    report = inspect_backend(url)
    assert report["format_version"] == FORMAT_VERSION and report["settings_match"] is True
    assert report["settings"]["index_bands"] == [42, 3] and report["created"]


def test_a_new_index_records_the_defaults(url):
    open_backend(url, create=True).close()
    backend = open_backend(url)
    try:
        assert backend.settings == Settings()
    finally:
        backend.close()


def test_missing_index(url):
    with pytest.raises(StoreMissingError, match="no index at"):
        open_backend(url)
    with pytest.raises(StoreMissingError):
        inspect_backend(url)
    with pytest.raises(StoreMissingError):
        open_index(url, {"index_min_hits": 1})


# ---------------------------------------------------------------------------
# Both backends: the same articles give the same answers
# ---------------------------------------------------------------------------


def _candidates(seeds) -> list:
    extra = derived()
    return [*seeds.values(), *extra, clean_text(light_edit(seeds["wapo"].text), "edited/wapo.txt"),
            clean_text(light_edit(seeds["time"].text), "edited/time.txt"), filler(1), filler(1000)]


@pytest.mark.parametrize("settings", [Settings(), DENSE, Settings(index_bands=(1, 8), index_min_hits=1)],
                         ids=["default", "dense", "one-band"])
def test_lookups_are_identical(urls, seeds, settings):
    entries = _entries(seeds)
    backends = [open_backend(u, settings, create=True) for u in urls]
    try:
        sqlite, redis = backends
        assert sqlite.add_many(entries) == redis.add_many(entries)
        assert sqlite.add_many(entries[:3]) == redis.add_many(entries[:3]) == [(1, False), (2, False), (3, False)]
        drop = ("added",)
        assert ([{k: v for k, v in dataclasses.asdict(a).items() if k not in drop} for a in sqlite.articles()]
                == [{k: v for k, v in dataclasses.asdict(a).items() if k not in drop} for a in redis.articles()])
        assert sqlite.publishers() == redis.publishers() and "Example Wire" in redis.publishers()
        bands, rows = settings.index_bands
        for candidate in _candidates(seeds):
            table = sentence_table([candidate], settings, bands * rows)
            keys = index_keys(table.signatures[[n for n, ok in enumerate(table.eligible) if ok]], settings)
            found = sqlite.colliding(keys.ravel())
            assert found == redis.colliding(keys.ravel()), candidate.path
            assert found == redis.colliding(np.unique(keys)), candidate.path
            assert sqlite.same_text(found) == redis.same_text(found), candidate.path
        own = fingerprint(seeds["nyt"], settings).keys
        assert redis.colliding(own)[4] == sqlite.colliding(own)[4] == len(own)  # every key of its own
        assert redis.colliding(np.empty(0, dtype=np.int64)) == sqlite.colliding(np.empty(0, dtype=np.int64)) == {}
        assert sqlite.same_text([1, 99]) == redis.same_text([1, 99]) == [1, 9]  # wapo and its copy without the ad
        ids = [1, 8, 2, 99, 5]
        assert sqlite.load(ids) == redis.load(ids) and len(redis.load(ids)) == 4
        terms = sorted(sqlite.terms())
        assert terms == sorted(redis.terms()) and len(terms) == len(set(terms))
        asked = [*terms[::7], "no-such-term"]
        assert sqlite.frequencies(asked) == redis.frequencies(asked) and "no-such-term" not in redis.frequencies(asked)
        assert sqlite.sentence_count() == redis.sentence_count() > 0
        assert {k: sqlite.stats()[k] for k in COUNTS} == {k: redis.stats()[k] for k in COUNTS}
        assert sqlite.stats()["buckets"] == sum(len(fingerprint(e.article, settings).keys) for e in entries)
        assert sqlite.remove([3, 1]) == redis.remove([3, 1]) == [3, 1]
        assert {k: sqlite.stats()[k] for k in COUNTS} == {k: redis.stats()[k] for k in COUNTS}
        assert sorted(sqlite.terms()) == sorted(redis.terms())
        assert sqlite.frequencies(terms) == redis.frequencies(terms)
    finally:
        for backend in backends:
            backend.close()


@pytest.mark.parametrize("settings", [Settings(), DENSE], ids=["default", "dense"])
def test_check_gives_identical_verdicts(urls, seeds, settings):
    indexes = [open_index(u, settings, create=True) for u in urls]
    try:
        for index in indexes:
            for article, publisher in archive(seeds, fillers=4):
                index.add(article, publisher=publisher)
        sqlite, redis = indexes
        candidates = _candidates(seeds)
        for candidate in candidates:
            found = verdict_data(sqlite.check([candidate])[0])
            assert found == verdict_data(redis.check([candidate])[0]), candidate.path
        together = [candidates[0], candidates[6], filler(7)]
        assert ([verdict_data(v) for v in sqlite.check(together)]
                == [verdict_data(v) for v in redis.check(together)])
        # The shortlist finds what it should: copies always; with the dense banding, translations.
        assert verdict_data(redis.check([clean_text(seeds["wapo"].text, "copy.txt")])[0])["sources"]
        if settings is DENSE:
            assert [s["path"] for s in verdict_data(redis.check([seeds["bbc"]])[0])["sources"]]
    finally:
        for index in indexes:
            index.close()
