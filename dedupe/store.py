"""The archive: an index of original articles that new ones are checked against.

A newsroom adds its originals once (``dedupe index add``) and checks every
new article against them (``dedupe check CANDIDATE --index URL``). This
module is the backend-neutral half: what an index is (:class:`ArticleIndex`),
what must match for one to be reused (:func:`index_settings`), how a URL
picks a backend (:func:`open_index`), the errors every backend raises, and
the lookup every backend shares (:meth:`ArticleIndex.candidates`). The
SQLite backend is :mod:`dedupe.sqlite_store`; a Redis one will implement the
same primitives.

**What is stored.** Each article as it was cleaned (text, body spans,
debris, metadata, the publisher), its sentences, the *index keys* of each
sentence long enough to fingerprint, and the document frequency of every
content term over all indexed sentences. An index key is one band of the
sentence's MinHash signature (``Settings.index_bands``: ``b`` bands of
``r`` values from the start of the signature) hashed to 64 bits
(:func:`index_keys`). Articles are identified by the SHA-256 of their kind
and text, so adding one twice is a no-op.

**How a check works.** The candidates' sentences are fingerprinted exactly
as :func:`dedupe.comparison.compare_against` does and their index keys
looked up. The indexed articles sharing at least ``Settings.index_min_hits``
distinct keys with a candidate (plus any stored copy with the same cleaned
text, which ``compare_against`` groups) are the shortlist; only those are
loaded, and ``compare_against`` runs on them with term weights over the
whole archive. So the passages and verdicts for a shortlisted source are
exactly those of a run against every indexed article; what the index can
miss is a source that shares only a sentence or two, reworded (a sentence
pair at Jaccard 0.5 shares a key one time in eight). The index keys are
few and selective on purpose: an archive of a million articles has some
thirty million sentences, and the denser banding ``--against`` uses would
neither fit nor shortlist a handful of them.

**What is checked on open.** The index records its format version and the
settings its signatures and buckets depend on (:func:`index_settings`).
Opening with other settings, or an index written by a newer format, raises
:class:`StoreFormatError` naming what differs, never silently wrong results.
Every error is a :class:`StoreError` whose ``str()`` is one line.

>>> import tempfile, os
>>> from dedupe.cleaning import clean_text
>>> url = os.path.join(tempfile.mkdtemp(), "archive.db")
>>> wire = clean_text("Officials said two attempted attacks hit radar stations in southern Russia.", "wire.txt")
>>> copy = clean_text("Officials said two attempted attacks hit radar stations in southern Russia.", "copy.txt")
>>> with open_index(url, create=True) as index:
...     index.add(wire, publisher="Example Wire")
...     found = index.candidates([copy])
(1, True)
>>> [(found.sources[o.b].path, o.passages[0].kind) for o in found.overlaps]
[('wire.txt', 'identical')]
"""

from __future__ import annotations

import builtins
import hashlib
import itertools
import json
import math
import os
import re
from abc import ABC, abstractmethod
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Executor
from contextlib import AbstractContextManager
from dataclasses import dataclass
from types import MappingProxyType, TracebackType
from typing import Any
from urllib.parse import unquote, urlsplit

import numpy as np

from dedupe.cleaning import Article, Debris, clean
from dedupe.comparison import SourceMatches, _sentences, compare_against
from dedupe.settings import DEFAULT_SETTINGS, Settings
from dedupe.spans import Span
from dedupe.verdicts import judge, source_publisher

#: Layout of what a backend stores; an index with a higher number was written
#: by a newer dedupe and is refused.
FORMAT_VERSION = 2
#: How fingerprints normalise text (NFKC, case folding, typography, Snowball
#: English stems, stop words). Bump it whenever :mod:`dedupe.fingerprints`
#: changes what terms a sentence gives: stored signatures and frequencies
#: would no longer match freshly computed ones.
NORMALISATION = "nfkc-casefold-snowball-en-1"
#: Where the index lives when no ``--index`` is given (relative to the
#: working directory).
DEFAULT_PATH = os.path.join(".dedupe", "index.db")
#: Seconds a writer waits for another writer's lock before giving up.
DEFAULT_TIMEOUT = 5.0
#: Schemes :func:`open_index` accepts.
SUPPORTED_SCHEMES = ("sqlite", "redis", "rediss")
#: How :func:`index_keys` turns a band into a 64-bit key; recorded with the index.
KEY_SCHEME = "band-fnv1a64-fmix64"

_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*):")
_KEY_DTYPE = np.dtype("<u4")


class StoreError(Exception):
    """Anything wrong with an index; ``str()`` is one line saying what."""


class StoreMissingError(StoreError):
    """There is no index where one was expected."""


class StoreFormatError(StoreError):
    """The index was built with other settings, or by a newer dedupe."""


class StoreCorruptError(StoreError):
    """The index file is damaged, truncated or not an index at all."""


class StoreLockedError(StoreError):
    """Another process held the write lock for longer than the timeout."""


class StoreURLError(StoreError):
    """The index URL names no backend this dedupe supports."""


@dataclass(frozen=True)
class StoredArticle:
    """One indexed article as ``dedupe index list`` shows it (no text)."""

    id: int
    path: str
    title: str | None
    publisher: str | None
    date: str | None
    words: int
    content_hash: str
    added: str

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "path": self.path, "title": self.title, "publisher": self.publisher,
                "date": self.date, "words": self.words, "content_hash": self.content_hash, "added": self.added}


# ---------------------------------------------------------------------------
# Settings an index depends on
# ---------------------------------------------------------------------------


def index_settings(settings: Settings = DEFAULT_SETTINGS) -> dict[str, object]:
    """What must be the same for an index to be reused, as JSON-ready data.

    Signatures depend on the hashing and shingling, keys on the index
    banding and the key scheme, which sentences are indexed on
    ``min_passage_words``, and all of it on how text is normalised into
    terms. The in-memory LSH that pairs sentences of shortlisted articles,
    alignment and verdict settings are applied at query time and may differ.

    >>> index_settings()["num_perm"], index_settings()["index_bands"]
    (128, [4, 5])
    """
    b, r = settings.index_bands
    return {
        "format_version": FORMAT_VERSION,
        "hash_scheme": settings.hash_scheme,
        "num_perm": settings.num_perm,
        "seed": settings.seed,
        "shingle_size": settings.shingle_size,
        "index_bands": [b, r],
        "key_scheme": KEY_SCHEME,
        "min_passage_words": settings.min_passage_words,
        "normalisation": NORMALISATION,
    }


def check_settings(stored: Mapping[str, object], settings: Settings, location: str) -> None:
    """Raise :class:`StoreFormatError` unless ``stored`` (an index's record)
    fits this dedupe and ``settings``."""
    version = stored.get("format_version")
    if not isinstance(version, int):
        raise StoreCorruptError(f"{location}: index has no valid format version ({version!r})")
    if version > FORMAT_VERSION:
        raise StoreFormatError(f"{location}: index made by a newer dedupe (format {version}; "
                               f"this one reads format {FORMAT_VERSION}): upgrade dedupe")
    if version < FORMAT_VERSION:
        raise StoreFormatError(f"{location}: index made by an older dedupe (format {version}; "
                               f"this one reads format {FORMAT_VERSION}): rebuild it")
    wanted = json.loads(json.dumps(index_settings(settings)))
    differing = [key for key in wanted if stored.get(key) != wanted[key]]
    if differing:
        what = ", ".join(f"{key} {json.dumps(stored.get(key))} (index) vs {json.dumps(wanted[key])} (now)"
                         for key in differing)
        raise StoreFormatError(f"{location}: index built with other settings: {what}")


def settings_report(stored: Mapping[str, Any], settings: Settings, location: str) -> dict[str, object]:
    """What ``index stats`` shows of an index's settings record, for any
    backend: format version, creation time, the recorded settings and
    ``settings_match`` (True, or why :func:`check_settings` refuses them).

    >>> settings_report(index_settings(), DEFAULT_SETTINGS, "i.db")["settings_match"]
    True
    """
    report: dict[str, object] = {"format_version": stored.get("format_version"), "created": stored.get("created"),
                                 "settings": {key: stored.get(key) for key in index_settings(settings)}}
    try:
        check_settings(stored, settings, location)
        report["settings_match"] = True
    except StoreError as error:
        report["settings_match"] = str(error)
    return report


# ---------------------------------------------------------------------------
# Articles as stored
# ---------------------------------------------------------------------------


def content_hash(article: Article) -> str:
    """What makes two articles the same one: SHA-256 of kind and text.

    >>> from dedupe.cleaning import clean_text
    >>> content_hash(clean_text("Rain.", "a.txt")) == content_hash(clean_text("Rain.", "b.txt"))
    True
    """
    return hashlib.sha256(f"{article.kind}\0{article.text}".encode("utf-8", "surrogatepass")).hexdigest()


def body_hash(article: Article) -> str:
    """SHA-256 of the cleaned text: articles ``compare_against`` treats as one source."""
    return hashlib.sha256(article.cleaned_text.encode("utf-8", "surrogatepass")).hexdigest()


def with_publisher(article: Article, publisher: str | None) -> Article:
    """The article as the index keeps it: ``publisher``, when given, replaces
    the metadata's, so a check names it as ``--against NAME=PATH`` would."""
    if not publisher:
        return article
    return Article(article.path, article.text, article.body, article.debris, article.kind, article.title,
                   MappingProxyType({**article.metadata, "publisher": publisher}))


def article_columns(article: Article) -> dict[str, Any]:
    """The article as JSON-ready columns (see :func:`article_from_columns`)."""
    return {
        "path": article.path,
        "title": article.title,
        "publisher": source_publisher(article),
        "date": _text_or_none(article.metadata.get("date")),
        "kind": article.kind,
        "words": article.words,
        "text": article.text,
        "body": json.dumps([span.as_list() for span in article.body]),
        "debris": json.dumps([[d.span.start, d.span.end, d.reason, d.text] for d in article.debris],
                             ensure_ascii=False),
        "metadata": json.dumps(dict(article.metadata), ensure_ascii=False, default=str),
    }


def article_from_columns(path: str, text: str, body: str, debris: str, kind: str, title: str | None,
                         metadata: str) -> Article:
    """Rebuild an :class:`Article` from its stored columns.

    >>> from dedupe.cleaning import clean_text
    >>> a = clean_text("[ad_1]\\nThe talks ended on Friday.\\n", "talks.txt")
    >>> c = article_columns(a)
    >>> article_from_columns(c["path"], c["text"], c["body"], c["debris"], c["kind"], c["title"], c["metadata"]) == a
    True
    """
    return Article(
        path=path,
        text=text,
        body=tuple(Span(start, end) for start, end in json.loads(body)),
        debris=tuple(Debris(Span(start, end), reason, said) for start, end, reason, said in json.loads(debris)),
        kind=kind,
        title=title,
        metadata=MappingProxyType(json.loads(metadata)),
    )


def _text_or_none(value: object) -> str | None:
    return None if value is None else str(value)


@dataclass(frozen=True)
class Fingerprinted:
    """One article's sentences as a backend stores them.

    ``signatures[k]`` is the start of the signature of eligible sentence
    ``eligible_rows[k]``: the ``b x r`` values the index bands are cut from
    (all an index needs; the rest would cost six times as much to compute).
    ``keys`` are the article's distinct index keys.
    Plain data (tuples, numpy arrays, a Counter), so it can be computed in a
    worker process and sent back (see :func:`fingerprint_many`).
    """

    sentences: tuple[Span, ...]
    eligible: tuple[bool, ...]
    signatures: np.ndarray  # (eligible sentences, b * r) uint32
    eligible_rows: tuple[int, ...]
    keys: np.ndarray  # distinct index keys, int64, ascending
    frequencies: Counter[str]  # sentences each term occurs in


def fingerprint(article: Article, settings: Settings = DEFAULT_SETTINGS) -> Fingerprinted:
    """Sentences, signatures, index keys and term frequencies of one
    article, computed exactly as :func:`dedupe.comparison.compare_against` does."""
    bands, rows_per_band = settings.index_bands
    table = _sentences([article], settings, bands * rows_per_band)
    rows = tuple(n for n, ok in enumerate(table.eligible) if ok)
    signatures = table.signatures[list(rows)] if rows else table.signatures[:0]
    frequencies = Counter(itertools.chain.from_iterable(table.term_sets))
    return Fingerprinted(tuple(table.sides[0].sentences), tuple(table.eligible), signatures, rows,
                         np.unique(index_keys(signatures, settings)), frequencies)


def fingerprint_many(articles: Sequence[Article], settings: Settings = DEFAULT_SETTINGS, *,
                     executor: Executor | None = None) -> builtins.list[Fingerprinted]:
    """:func:`fingerprint` of each article, on ``executor`` (a
    ``ProcessPoolExecutor``, say) when given: fingerprinting is pure CPU
    work, and an index build is mostly fingerprinting. Only the articles'
    text and body spans cross to the workers.

    >>> from dedupe.cleaning import clean_text
    >>> prints = fingerprint_many([clean_text("Rain fell in Oslo on Friday.", "a.txt")])
    >>> len(prints[0].sentences), len(prints[0].keys)
    (1, 4)
    """
    if executor is None or len(articles) < 2:
        return [fingerprint(article, settings) for article in articles]
    jobs = [(article.text, article.body, article.kind, settings) for article in articles]
    return builtins.list(executor.map(_fingerprint_job, jobs, chunksize=max(1, len(jobs) // 16)))


def _fingerprint_job(job: tuple[str, tuple[Span, ...], str, Settings]) -> Fingerprinted:
    text, body, kind, settings = job
    return fingerprint(Article("", text, body, (), kind, None, MappingProxyType({})), settings)


_KEY_PRIME = np.uint64(0x100000001B3)
_KEY_BASIS = np.uint64(0xCBF29CE484222325)


def index_keys(signatures: np.ndarray, settings: Settings = DEFAULT_SETTINGS) -> np.ndarray:
    """The index keys of signature rows: for each row and each of the ``b``
    bands of ``settings.index_bands``, its ``r`` values and the band number
    hashed to one signed 64-bit integer (FNV-1a over the values, then
    MurmurHash3's 64-bit finaliser), shape ``(rows, b)``.

    Two sentences share a key in a band exactly when their signatures agree
    on that band's values (up to 64-bit hash collisions, which only ever add
    a candidate that alignment then rejects), as in datasketch's MinHashLSH.

    >>> sig = np.arange(40, dtype=np.uint32).reshape(2, 20)
    >>> index_keys(sig).shape, index_keys(sig).dtype
    ((2, 4), dtype('int64'))
    >>> bool((index_keys(sig[:1]) == index_keys(sig)[:1]).all())
    True
    """
    b, r = settings.index_bands
    if b * r > settings.num_perm:
        raise ValueError(f"index_bands {b}x{r} need more than {settings.num_perm} permutations")
    values = np.ascontiguousarray(signatures[:, : b * r], dtype=np.uint64).reshape(len(signatures), b, r)
    with np.errstate(over="ignore"):
        keys = np.broadcast_to((_KEY_BASIS ^ np.arange(b, dtype=np.uint64)) * _KEY_PRIME, values.shape[:2]).copy()
        for column in range(r):
            keys = (keys ^ values[:, :, column]) * _KEY_PRIME
        keys ^= keys >> np.uint64(33)
        keys *= np.uint64(0xFF51AFD7ED558CCD)
        keys ^= keys >> np.uint64(33)
        keys *= np.uint64(0xC4CEB9FE1A85EC53)
        keys ^= keys >> np.uint64(33)
    return keys.view(np.int64)


def signature_bytes(signature: np.ndarray) -> bytes:
    """A signature row as stored: little-endian uint32 bytes.

    >>> sig = np.array([1, 2, 0xFFFFFFFF], dtype=np.uint32)
    >>> signature_bytes(sig)[:4], bool((signature_from_bytes(signature_bytes(sig)) == sig).all())
    (b'\\x01\\x00\\x00\\x00', True)
    """
    return np.ascontiguousarray(signature, dtype=_KEY_DTYPE).tobytes()


def signature_from_bytes(blob: bytes) -> np.ndarray:
    """The inverse of :func:`signature_bytes`."""
    return np.frombuffer(blob, dtype=_KEY_DTYPE).astype(np.uint32)


# ---------------------------------------------------------------------------
# The index
# ---------------------------------------------------------------------------


class ArticleIndex(ABC):
    """An archive of articles to check candidates against.

    Backends implement the writes (``_add_many``, which ``add`` and
    ``add_many`` call, and ``remove``), ``list``, ``publishers``, ``stats``,
    ``close``, and the lookup primitives ``candidates`` is built on
    (``_snapshot``, ``_colliding``, ``_same_text``, ``_load``,
    ``_frequencies``, ``_terms``, ``_sentence_count``).
    """

    settings: Settings
    location: str

    def add(self, article: Article, publisher: str | None = None) -> tuple[int, bool]:
        """Index ``article``; return (its id, whether it was new).

        Idempotent: an article with the same kind and text is stored once
        (its stored publisher is then left as it was). ``publisher``
        overrides the one in the article's metadata.
        """
        (result,) = self.add_many([article], publisher)
        return result

    def add_many(self, articles: Iterable[Article], publisher: str | None = None, *,
                 fingerprints: Iterable[Fingerprinted] | None = None) -> builtins.list[tuple[int, bool]]:
        """Index many articles in one write (one transaction, one round
        trip), which is far faster per article than :meth:`add`; return
        (id, whether new) for each, in order. All are stored or, if anything
        fails, none. ``fingerprints``, when given, are the articles'
        :func:`fingerprint` results, computed elsewhere (in worker processes, say).

        >>> import tempfile, os
        >>> from dedupe.cleaning import clean_text
        >>> with open_index(os.path.join(tempfile.mkdtemp(), "i.db"), create=True) as index:
        ...     index.add_many([clean_text("Rain fell in Oslo on Friday.", "a.txt"),
        ...                     clean_text("Snow fell in Bergen on Monday.", "b.txt"),
        ...                     clean_text("Rain fell in Oslo on Friday.", "c.txt")])
        [(1, True), (2, True), (1, False)]
        """
        articles = [with_publisher(article, publisher) for article in articles]
        prints = (builtins.list(fingerprints) if fingerprints is not None
                  else [None] * len(articles))
        if len(prints) != len(articles):
            raise ValueError(f"{len(articles)} articles but {len(prints)} fingerprints")
        return self._add_many(articles, prints)

    @abstractmethod
    def _add_many(self, articles: Sequence[Article],
                  prints: Sequence[Fingerprinted | None]) -> builtins.list[tuple[int, bool]]:
        """Store the articles (publishers already applied); fingerprint those
        whose ``prints`` entry is None, and only those not stored yet."""

    @abstractmethod
    def remove(self, ids: Iterable[int]) -> builtins.list[int]:
        """Remove articles by id; return the ids that were there."""

    @abstractmethod
    def list(self) -> builtins.list[StoredArticle]:
        """Every indexed article, oldest first, without its text."""

    @abstractmethod
    def publishers(self) -> set[str]:
        """The publishers of the indexed articles (as a check names them).

        A run against every source looks for credits to each of these in a
        candidate; :meth:`candidates` returns only the sources that could
        match, so a caller wanting those credits too passes these names on.
        """

    @abstractmethod
    def stats(self) -> dict[str, object]:
        """Counts, file size, the settings record and ``integrity`` ("ok" or what is wrong)."""

    @abstractmethod
    def close(self) -> None:
        """Release connections; the index is unusable afterwards."""

    # --- lookup primitives ---------------------------------------------------

    @abstractmethod
    def _snapshot(self) -> AbstractContextManager[None]:
        """A consistent view for the duration of one :meth:`candidates` call."""

    @abstractmethod
    def _colliding(self, signatures: np.ndarray) -> Counter[int]:
        """For each indexed article sharing an index key with one of these
        sentence signatures: how many distinct keys it shares."""

    @abstractmethod
    def _same_text(self, ids: Collection[int]) -> builtins.list[int]:
        """``ids`` plus the articles with the same cleaned text as one of them, ascending."""

    @abstractmethod
    def _load(self, ids: Sequence[int]) -> builtins.list[Article]:
        """The articles with these ids, in that order."""

    @abstractmethod
    def _frequencies(self, terms: Collection[str]) -> dict[str, int]:
        """Indexed sentences each of ``terms`` occurs in (absent terms left out)."""

    @abstractmethod
    def _terms(self) -> Iterator[str]:
        """Every term of the indexed sentences."""

    @abstractmethod
    def _sentence_count(self) -> int:
        """Indexed sentences, eligible or not."""

    # --- shared -----------------------------------------------------------

    def candidates(self, articles: Sequence[Article]) -> SourceMatches:
        """Match ``articles`` against the index: ``compare_against(articles,
        shortlist)``, where the shortlist is the indexed articles sharing at
        least ``Settings.index_min_hits`` index keys with a candidate (see
        the module docstring), in the order they were added.

        For every shortlisted source the passages, and the verdicts of
        :func:`dedupe.verdicts.judge`, are those of a run against every
        indexed article; a credit to the publisher of an indexed article
        that shares nothing with the candidate is found for known outlets
        (see :meth:`publishers`).

        >>> import tempfile, os
        >>> from dedupe.cleaning import clean_text
        >>> with open_index(os.path.join(tempfile.mkdtemp(), "i.db"), create=True) as index:
        ...     _ = index.add(clean_text("Two attempted attacks hit radar stations in southern Russia.", "w.txt"))
        ...     found = index.candidates([clean_text("Two attempted attacks hit radar stations in southern Russia.")])
        >>> [(o.a, o.b, o.passages[0].kind) for o in found.overlaps]
        [(0, 0, 'identical')]
        """
        articles = builtins.list(articles)
        bands, rows_per_band = self.settings.index_bands
        table = _sentences(articles, self.settings, bands * rows_per_band)
        rows = [n for n, ok in enumerate(table.eligible) if ok]
        with self._snapshot():
            counts = self._colliding(table.signatures[rows]) if rows else Counter()
            hits = {article for article, count in counts.items() if count >= self.settings.index_min_hits}
            sources = self._load(self._same_text(hits)) if hits else []
            weights = ArchiveWeights(self, table.term_sets)
            return compare_against(articles, sources, self.settings, weights=weights)

    def add_page(self, content: str, path: str, *, url: str | None = None,
                 publisher: str | None = None) -> tuple[int, bool]:
        """Clean a page (HTML or plain text, sniffed) and add it: one call for
        a scraping pipeline. Returns (id, whether it was new); raises
        :class:`~dedupe.cleaning.CleaningError` or
        :class:`~dedupe.extraction.ExtractionError` for a page with no article."""
        return self.add(clean(content, path, url=url), publisher)

    def check_page(self, content: str, path: str = "<page>", *, url: str | None = None) -> dict[str, Any]:
        """Clean a page and check it against the index: one call, the data of
        one ``dedupe check --format json`` result out.

        >>> import tempfile, os
        >>> with open_index(os.path.join(tempfile.mkdtemp(), "i.db"), create=True) as index:
        ...     _ = index.add_page("Two attempted attacks hit radar stations in southern Russia.", "wire.txt")
        ...     result = index.check_page("Two attempted attacks hit radar stations in southern Russia.", "copy.txt")
        >>> result["derivation"], result["rewording"], result["sources"][0]["path"]
        ('whole', 'verbatim', 'wire.txt')
        """
        verdict, = judge(self.candidates([clean(content, path, url=url)]), known_publishers=self.publishers())
        return verdict.as_dict()

    def __enter__(self) -> ArticleIndex:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self.close()


class ArchiveWeights(Mapping[str, float]):
    """Term weights over the candidates' sentences plus every indexed one:
    what :func:`dedupe.alignment.term_weights` gives for a run over the
    candidates and the whole archive, from the stored document frequencies.

    The candidates' terms are fetched at once; a source's other terms when
    the aligner first asks (only the sentences of proposed pairs are weighed,
    so that is a few hundred lookups, far cheaper than re-reading every
    shortlisted source's terms).
    """

    def __init__(self, index: ArticleIndex, candidate_terms: Sequence[frozenset[str]]) -> None:
        self._index = index
        self._candidates: Counter[str] = Counter()
        for terms in candidate_terms:
            self._candidates.update(terms)
        self._total = index._sentence_count() + len(candidate_terms)
        self._stored: dict[str, int] = {}
        self._fetch(builtins.list(self._candidates))

    def _fetch(self, terms: Collection[str]) -> None:
        found = self._index._frequencies(terms)
        self._stored.update({term: found.get(term, 0) for term in terms})

    def __getitem__(self, term: str) -> float:
        if term not in self._stored:
            self._fetch([term])
        seen = self._stored[term] + self._candidates.get(term, 0)
        if not seen:
            raise KeyError(term)
        return math.log(1 + self._total / seen)

    def __iter__(self) -> Iterator[str]:
        stored = set()
        for term in self._index._terms():
            stored.add(term)
            yield term
        yield from (term for term in self._candidates if term not in stored)

    def __len__(self) -> int:
        return sum(1 for _ in self)


# ---------------------------------------------------------------------------
# Opening by URL
# ---------------------------------------------------------------------------


def parse_url(url: str | os.PathLike[str] | None) -> tuple[str, str]:
    """(scheme, location) of an index URL. A plain path is an SQLite file.

    >>> parse_url(None)
    ('sqlite', '.dedupe/index.db')
    >>> parse_url("sqlite:///srv/archive/index.db"), parse_url("sqlite:archive.db"), parse_url("archive.db")
    (('sqlite', '/srv/archive/index.db'), ('sqlite', 'archive.db'), ('sqlite', 'archive.db'))
    """
    if url is None:
        return "sqlite", DEFAULT_PATH
    if not isinstance(url, str):
        return "sqlite", os.fspath(url)  # a path object is a file path
    found = _SCHEME.match(url)
    if not found or len(found.group(1)) == 1:  # no scheme, or a Windows drive letter
        return "sqlite", url
    scheme = found.group(1).lower()
    if scheme == "sqlite":
        return scheme, _sqlite_path(url)
    return scheme, url


def _sqlite_path(url: str) -> str:
    parts = urlsplit(url)
    if parts.netloc:
        raise StoreURLError(f"bad index URL {url!r}: an sqlite URL has no host; "
                            "write sqlite:///ABSOLUTE/PATH or sqlite:RELATIVE/PATH")
    if parts.query or parts.fragment:
        raise StoreURLError(f"bad index URL {url!r}: sqlite URLs take no options")
    path = unquote(parts.path)
    if not path:
        raise StoreURLError(f"bad index URL {url!r}: no file path")
    return path


def open_index(url: str | os.PathLike[str] | None = None, settings: Settings = DEFAULT_SETTINGS, *,
               create: bool = False, timeout: float = DEFAULT_TIMEOUT) -> ArticleIndex:
    """Open the index at ``url`` (default ``./.dedupe/index.db``).

    ``sqlite:///ABS/PATH``, ``sqlite:REL/PATH`` and a plain file path open an
    SQLite index; ``create`` makes it (and its folder) when missing. A writer
    waits ``timeout`` seconds for another writer's lock. Raises
    :class:`StoreMissingError`, :class:`StoreFormatError`,
    :class:`StoreCorruptError`, :class:`StoreURLError`.

    >>> open_index("ftp://archive.example/index")
    Traceback (most recent call last):
    ...
    dedupe.store.StoreURLError: unknown index URL scheme 'ftp' in 'ftp://archive.example/index'; supported: sqlite:///PATH, a file path, redis://HOST[:PORT][/DB]
    """
    scheme, location = parse_url(url)
    return _opener(scheme, url)(location, settings, create, timeout)


def inspect_index(url: str | None = None, settings: Settings = DEFAULT_SETTINGS) -> dict[str, object]:
    """What ``dedupe index stats`` shows, for an index in any state.

    Unlike :func:`open_index` this does not refuse a damaged index or one
    built with other settings: it reports as much as it can read, with
    ``integrity`` ("ok" or what is wrong, one line) and ``settings_match``.
    Raises :class:`StoreMissingError` or :class:`StoreURLError` (and a
    backend's error when its server cannot be reached).
    """
    scheme, location = parse_url(url)
    _opener(scheme, url)  # the scheme check
    if scheme == "sqlite":
        from dedupe.sqlite_store import inspect_sqlite

        return inspect_sqlite(location, settings)
    from dedupe.redis_store import inspect_redis

    return inspect_redis(location, settings)


def _opener(scheme: str, url: str | None) -> Callable[[str, Settings, bool, float], ArticleIndex]:
    if scheme == "sqlite":
        return _open_sqlite
    if scheme in ("redis", "rediss"):
        return _open_redis
    raise StoreURLError(f"unknown index URL scheme {scheme!r} in {url!r}; supported: sqlite:///PATH, a file path, "
                         "redis://HOST[:PORT][/DB]")


def _open_sqlite(location: str, settings: Settings, create: bool, timeout: float) -> ArticleIndex:
    from dedupe.sqlite_store import SQLiteIndex

    return SQLiteIndex(location, settings, create=create, timeout=timeout)


def _open_redis(location: str, settings: Settings, create: bool, timeout: float) -> ArticleIndex:
    from dedupe.redis_store import RedisIndex

    return RedisIndex(location, settings, create=create, timeout=timeout)
