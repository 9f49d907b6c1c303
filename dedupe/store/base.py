"""What every index backend is and shares: the protocol, the record of
settings, articles as stored, and the errors.

An index backend is plain persistence. It stores cleaned articles with
their sentence offsets, their *index keys* (:func:`dedupe.fingerprints.index_keys`:
``Settings.index_bands`` bands of each sentence's MinHash signature hashed
to 64-bit integers) and the document frequency of every content term, and it
answers the few lookups a check is built on (:class:`IndexBackend`). It
knows nothing of alignment or verdicts: :mod:`dedupe.archive` shortlists,
compares and judges on top of it.

**The record.** Every index records its format version, the key scheme and
normalisation of the code that wrote it, and the :class:`~dedupe.settings.Settings`
it was built with (:func:`index_record`). Opening an index without settings
takes them from this record, so an index built with any valid settings is
checked as it was built; opening it with settings whose fingerprinting
fields (:data:`INDEX_FIELDS`) differ raises :class:`StoreFormatError`
naming what differs, never silently wrong results. Every error is a
:class:`StoreError` whose ``str()`` is one line.

>>> record = index_record(Settings())
>>> record["format_version"], record["settings"]["index_bands"]
(3, [4, 5])
>>> settings_from_record(record, None, "i.db") == Settings()
True
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import UTC, datetime
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Protocol

from dedupe.fingerprints import KEY_SCHEME, NORMALISATION, Fingerprinted
from dedupe.model import Article, ArticleKind, Debris, DebrisReason, Span, StoredArticle
from dedupe.settings import Settings, settings_from_dict

if TYPE_CHECKING:
    import numpy as np

#: Layout of what a backend stores; an index with another number is refused.
FORMAT_VERSION = 3
#: Seconds a writer waits for another writer's lock (SQLite) or a reply (Redis).
DEFAULT_TIMEOUT = 5.0
#: The settings fingerprints and index keys depend on: an index can only be
#: used with the values it was built with. (Alignment and verdict settings
#: apply at check time and may differ.)
INDEX_FIELDS = ("hash_scheme", "num_perm", "seed", "shingle_size", "index_bands", "min_passage_words")


class StoreError(Exception):
    """Anything wrong with an index; ``str()`` is one line saying what."""


class StoreMissingError(StoreError):
    """There is no index where one was expected."""


class StoreFormatError(StoreError):
    """The index was built with other settings, or by another version of dedupe."""


class StoreCorruptError(StoreError):
    """The index is damaged, truncated or not an index at all."""


class StoreLockedError(StoreError):
    """Another process held the write lock for longer than the timeout."""


class StoreURLError(StoreError):
    """The index URL names no backend this dedupe supports."""


@dataclass(frozen=True)
class IndexEntry:
    """One article to store: the article (its metadata already naming its
    publisher), the publisher a check will name, and its fingerprint (None:
    the backend computes it, only if the article is new)."""

    article: Article
    publisher: str | None
    prints: Fingerprinted | None = None


class IndexBackend(Protocol):
    """What a storage backend of the index provides (SQLite, Redis).

    ``settings`` are the index's own, from its record. All methods raise
    only :class:`StoreError` kinds.
    """

    location: str
    settings: Settings

    def add_many(self, entries: Sequence[IndexEntry]) -> list[tuple[int, bool]]:
        """Store the entries all at once or not at all; (id, whether new) for
        each, in order. An article with the same kind and text as one stored
        (or earlier in the batch) is not stored again: its id is returned."""
        ...

    def remove(self, ids: Iterable[int]) -> list[int]:
        """Remove articles by id; return the ids that were there."""
        ...

    def articles(self) -> Iterator[StoredArticle]:
        """Every indexed article, oldest first, without its text."""
        ...

    def publishers(self) -> set[str]:
        """The publishers of the indexed articles."""
        ...

    def stats(self) -> dict[str, object]:
        """Counts, sizes, the settings record and ``integrity`` ("ok" or what is wrong)."""
        ...

    def close(self) -> None:
        """Release connections; idempotent."""
        ...

    def snapshot(self) -> AbstractContextManager[None]:
        """A consistent view (where the backend has one) for one check's lookups."""
        ...

    def colliding(self, keys: np.ndarray) -> Counter[int]:
        """For each indexed article sharing one of these index keys: how many of them it shares."""
        ...

    def same_text(self, ids: Collection[int]) -> list[int]:
        """``ids`` plus the articles with the same cleaned text as one of them, ascending."""
        ...

    def load(self, ids: Sequence[int]) -> list[Article]:
        """The articles with these ids, in that order (one removed meanwhile is left out)."""
        ...

    def frequencies(self, terms: Collection[str]) -> dict[str, int]:
        """Indexed sentences each of ``terms`` occurs in (absent terms left out)."""
        ...

    def terms(self) -> Iterator[str]:
        """Every term of the indexed sentences."""
        ...

    def sentence_count(self) -> int:
        """Indexed sentences, eligible or not."""
        ...


# ---------------------------------------------------------------------------
# The record of settings
# ---------------------------------------------------------------------------


def index_record(settings: Settings) -> dict[str, Any]:
    """What an index records about how it was built, as JSON-ready data."""
    return {"format_version": FORMAT_VERSION, "key_scheme": KEY_SCHEME, "normalisation": NORMALISATION,
            "settings": json.loads(json.dumps(settings.as_dict()))}


def settings_from_record(stored: Mapping[str, Any], settings: Settings | None, location: str) -> Settings:
    """The settings to use an index with: ``settings`` when given (their
    :data:`INDEX_FIELDS` must be the record's), else the record's own.

    Raises :class:`StoreFormatError` for a record of another format, key
    scheme or normalisation, or settings that do not fit it;
    :class:`StoreCorruptError` for a record that cannot be read.
    """
    version = stored.get("format_version")
    if not isinstance(version, int):
        raise StoreCorruptError(f"{location}: index has no valid format version ({version!r})")
    if version > FORMAT_VERSION:
        raise StoreFormatError(f"{location}: index made by a newer dedupe (format {version}; "
                               f"this one reads format {FORMAT_VERSION}): upgrade dedupe")
    if version < FORMAT_VERSION:
        raise StoreFormatError(f"{location}: index made by an older dedupe (format {version}; "
                               f"this one reads format {FORMAT_VERSION}): rebuild it")
    for key, now in (("key_scheme", KEY_SCHEME), ("normalisation", NORMALISATION)):
        if stored.get(key) != now:
            raise StoreFormatError(f"{location}: index built with {key} {json.dumps(stored.get(key))}, "
                                   f"this dedupe computes {json.dumps(now)}: rebuild it")
    recorded = stored.get("settings")
    if not isinstance(recorded, Mapping):
        raise StoreCorruptError(f"{location}: index is damaged: no settings record")
    try:
        own = settings_from_dict(recorded)
    except ValueError as error:
        raise StoreCorruptError(f"{location}: index is damaged: settings record unreadable ({error})") from None
    if settings is not None:
        require_index_fields(own, settings, location)
    return settings or own


def require_index_fields(own: Settings, wanted: Settings, location: str) -> None:
    """Raise :class:`StoreFormatError` naming each of :data:`INDEX_FIELDS`
    where ``wanted`` differs from an index's ``own`` settings."""
    have = json.loads(json.dumps(own.as_dict()))
    asked = json.loads(json.dumps(wanted.as_dict()))
    differing = [key for key in INDEX_FIELDS if have[key] != asked[key]]
    if differing:
        what = ", ".join(f"{key} {json.dumps(have[key])} (index) vs {json.dumps(asked[key])} (now)"
                         for key in differing)
        raise StoreFormatError(f"{location}: index built with other settings: {what}")


def settings_report(stored: Mapping[str, Any], location: str) -> dict[str, object]:
    """What ``index stats`` shows of an index's record, for any backend:
    format version, creation time, the recorded settings and
    ``settings_match`` (True, or why this dedupe cannot use the index).

    >>> settings_report(index_record(Settings()), "i.db")["settings_match"]
    True
    """
    report: dict[str, object] = {"format_version": stored.get("format_version"), "created": stored.get("created"),
                                 "settings": stored.get("settings")}
    try:
        settings_from_record(stored, None, location)
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
    """SHA-256 of the cleaned text: articles a comparison treats as one source."""
    return hashlib.sha256(article.cleaned_text.encode("utf-8", "surrogatepass")).hexdigest()


def article_columns(article: Article, publisher: str | None) -> dict[str, Any]:
    """The article as JSON-ready columns (see :func:`article_from_columns`)."""
    date = article.metadata.get("date")
    return {
        "path": article.path,
        "title": article.title,
        "publisher": publisher,
        "date": None if date is None else str(date),
        "kind": str(article.kind),
        "words": article.words,
        "text": article.text,
        "body": json.dumps([span.as_list() for span in article.body]),
        "debris": json.dumps([[d.span.start, d.span.end, str(d.reason), d.text] for d in article.debris],
                             ensure_ascii=False),
        "metadata": json.dumps(dict(article.metadata), ensure_ascii=False, default=str),
    }


def article_from_columns(path: str, text: str, body: str, debris: str, kind: str, title: str | None,
                         metadata: str, *, location: str) -> Article:
    """Rebuild an :class:`~dedupe.model.Article` from its stored columns;
    columns that do not make one are :class:`StoreCorruptError`, named by the
    index's ``location``.

    >>> from dedupe.cleaning import clean_text
    >>> a = clean_text("[ad_1]\\nThe talks ended on Friday.\\n", "talks.txt")
    >>> c = article_columns(a, None)
    >>> article_from_columns(c["path"], c["text"], c["body"], c["debris"], c["kind"], c["title"], c["metadata"],
    ...                      location="index.db") == a
    True
    """
    try:
        article = Article(
            path=path,
            text=text,
            body=tuple(Span(start, end) for start, end in json.loads(body)),
            debris=tuple(Debris(Span(start, end), DebrisReason(reason), said)
                         for start, end, reason, said in json.loads(debris)),
            kind=ArticleKind(kind),
            title=title,
            metadata=MappingProxyType(json.loads(metadata)),
        )
        spans = [*article.body, *(item.span for item in article.debris)]
        if not isinstance(text, str) or any(span.start < 0 or span.end > len(text) for span in spans):
            raise ValueError("a span lies outside the text")
    except (ValueError, TypeError, RecursionError, AttributeError) as error:  # JSONDecodeError is a ValueError
        raise StoreCorruptError(f"{location}: index is damaged: stored article {path!r} cannot be read ({error})"
                                ) from None
    return article


def now() -> str:
    """The time an article is added, as stored: UTC, ISO 8601, seconds."""
    return datetime.now(UTC).isoformat(timespec="seconds")
