"""The Redis backend of the index (:mod:`dedupe.store`): one index that
workers on several machines add to and check against at once.

``redis://[[USER]:PASSWORD@]HOST[:PORT][/DB][?prefix=NAME]`` (``rediss://``
for TLS) opens the index kept under the key prefix ``NAME`` (default
``dedupe``) of Redis database ``DB`` (default 0). Several indexes can share
a database under different prefixes. It needs the ``redis`` package
(``pip install 'dedupe-provenance[redis]'``).

It stores what the SQLite backend (:mod:`dedupe.store.sqlite`) stores and
answers every lookup as it does: the same index keys
(:func:`dedupe.fingerprints.index_keys`), so :meth:`RedisIndex.colliding`
finds exactly the articles, with exactly the counts, that SQLite's does,
whatever ``Settings.index_bands`` (one band included).

**Keys** (``{p}`` is the prefix; every value is a string, an integer or raw
bytes, never a pickle; format version 3)::

    {p}:meta                  hash: format_version, record (JSON of
                              dedupe.store.base.index_record), created, created_by
    {p}:counts                hash: sentences, eligible_sentences, buckets (the
                              (index key, article) entries of {p}:key:*)
    {p}:next_id               string: the last id given out (INCRBY)
    {p}:hash:{content_hash}   string: id of the article with that kind and text
    {p}:article:{id}          hash: the article_columns (a None left out),
                              content_hash, body_hash, added, sentence_count,
                              eligible_count, key_count
    {p}:body:{body_hash}      set: ids of the articles with that cleaned text
    {p}:ids                   sorted set: every id (score = id), oldest first
    {p}:terms                 hash: term -> indexed sentences it occurs in
    {p}:publishers            hash: publisher -> articles naming it
    {p}:key:<8 bytes>         set: ids of the articles with that index key (the
                              key as a big-endian signed 64-bit integer)

The index key sets are a datasketch storage container:
``datasketch.storage.unordered_storage({"type": "redis", "redis":
{"connection_pool": ...}}, name=b"{p}:key:")``, a ``RedisSetStorage`` on
this index's own connection pool. Its public ``redis_key(key)`` names the
set of a key, and its public ``getmany(*keys)`` reads the sets of a check's
keys, 2,000 to a ``MULTI``/``EXEC`` round trip (one consistent view of
them). Writes do not go through the storage's ``insert`` or
``remove_val``: they send their commands at once, or (``buffer=True``)
queue them on the storage's own buffer pipeline, which holds no ``WATCH``,
takes no other command of ours and flushes itself every ``buffer_size``
commands; either way an article's key sets could not join the watched
``MULTI``/``EXEC`` that makes an add all or nothing. So the adds and
removes here queue ``SADD``/``SREM`` on the sets the storage names
(``redis_key``) in that one transaction of their own. Nor is the storage's
directory of keys kept (the hash ``{p}:key:``, which ``insert`` fills and
only ``keys()``, ``size()`` and ``has_key()`` read): nothing here reads it.
Nothing written is unread: the signatures and sentence offsets are not
stored (a check recomputes what it needs from the text, and so does a
remove).

**Adds are atomic.** ``add_many`` (and ``add``, a batch of one) looks the
content hashes up first (a known article is a no-op returning its id);
then the new articles are fingerprinted, ids are taken with one ``INCRBY``
and everything -- the articles, the ``{p}:hash:`` claims, the key sets and
the term, publisher and sentence counts -- goes in one ``MULTI``/``EXEC``
under ``WATCH`` of the batch's ``{p}:hash:`` keys. Redis applies a
transaction whole or not at all, and a client that goes away before
``EXEC`` leaves nothing of it. So **after any failure (the server or the
network going away, the process being killed or interrupted) the articles
of a batch are either all completely indexed or none is**; the only trace
of a failed add is ids that are never used (ids are unique and increasing,
not gap-free). There is no half-written state for readers to skip or for
a repair to clean up. (Redis does not roll back a transaction in which a
command fails on a key of another type: the others still apply. So before
each transaction the type of every key it writes is checked, in one
pipelined round trip; a key of another type under the prefix is
:class:`~dedupe.store.base.StoreCorruptError`, and nothing is written.)

Two workers adding the same article at once both pass the first lookup, but
only one transaction can set the watched ``{p}:hash:`` key: the other's
``EXEC`` is refused (``WatchError``), it re-reads the claims, returns the
winner's id with ``new=False`` and adds the rest of its batch again (with
new ids: an id is never given twice); an article removed since the first
lookup is fingerprinted then and added. When the connection drops while
``EXEC`` is under way, the outcome is unknown to the client: the add
re-reads the claims (one naming an id this add took means that transaction
went through) or, if the server is unreachable, raises
:class:`RedisUnavailableError`; adding the same articles again later is
then always safe. A remove is one
transaction per article, under ``WATCH`` of the article: its index keys
and term counts are recomputed from its text (and must match the counts
stored with it), then everything of it goes at once.

**Reads.** :meth:`RedisIndex.colliding` reads the sets of the probe keys
with the storage's ``getmany``, :meth:`RedisIndex.load` the shortlisted
articles in one pipelined round trip. Redis has no snapshots
(:meth:`RedisIndex.snapshot` is only there for the protocol): an article
removed while a check runs is left out of it, and term weights may count
an article added meanwhile.

**Errors.** Every failure is a :class:`~dedupe.store.base.StoreError` with
a one-line message naming the URL (password hidden): a server that cannot
be reached or goes away mid-operation is :class:`RedisUnavailableError`; a
missing index :class:`~dedupe.store.base.StoreMissingError`; other settings
or another format :class:`~dedupe.store.base.StoreFormatError`; keys of the
wrong type under the prefix, or an unreadable record or article,
:class:`~dedupe.store.base.StoreCorruptError`.

>>> parse_redis_url("redis://:secret@cache.example:6380/2?prefix=news")
RedisURL(client_url='redis://:secret@cache.example:6380/2', prefix='news', display='redis://:***@cache.example:6380/2?prefix=news')
>>> key_names(b"news:key:", np.array([1, -1], dtype=np.int64))
[b'news:key:\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x01', b'news:key:\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff']
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, NamedTuple
from urllib.parse import parse_qsl, urlsplit, urlunsplit

import numpy as np

from dedupe import __version__
from dedupe.fingerprints import Fingerprinted, fingerprint
from dedupe.model import Article, StoredArticle
from dedupe.settings import DEFAULT_SETTINGS, Settings
from dedupe.store.base import (
    DEFAULT_TIMEOUT,
    FORMAT_VERSION,
    IndexEntry,
    StoreCorruptError,
    StoreError,
    StoreMissingError,
    StoreURLError,
    article_columns,
    article_from_columns,
    body_hash,
    content_hash,
    index_record,
    now,
    settings_from_record,
    settings_report,
)

try:
    import redis
    from redis.backoff import ExponentialBackoff
    from redis.exceptions import WatchError
    from redis.retry import Retry
except ImportError:  # the optional dependency is missing: opening says how to get it
    redis = None  # type: ignore[assignment]

DEFAULT_PREFIX = "dedupe"
SCHEMES = ("redis", "rediss")
#: Commands per pipelined round trip when reading.
_CHUNK = 2000
#: Times a remove re-runs after another worker changed what it watched (an
#: add may re-run once more per article of its batch: each re-run settles one).
_ATTEMPTS = 8
#: Reconnection attempts (with backoff up to half a second) before a
#: dropped connection is reported.
_RETRIES = 3
_PREFIX = re.compile(r"^[A-Za-z0-9_.\-]{1,64}$")
_KEY_DTYPE = np.dtype(">i8")
_LIST_FIELDS = ("path", "title", "publisher", "date", "words", "content_hash", "added")
_LOAD_FIELDS = ("path", "text", "body", "debris", "kind", "title", "metadata")
_COUNT_FIELDS = ("sentence_count", "eligible_count", "key_count")
_REMOVE_FIELDS = (*_LOAD_FIELDS, "publisher", "content_hash", "body_hash", *_COUNT_FIELDS)
_NULLABLE = frozenset({"title", "publisher", "date"})
#: The Redis types of the keys an add or remove writes (TYPE's replies).
_HASH, _SET, _ZSET, _STRING = (frozenset({kind}) for kind in (b"hash", b"set", b"zset", b"string"))
_ABSENT: frozenset[bytes] = frozenset()
#: Fields of ``{p}:counts``, named as ``stats`` reports them.
_SENTENCES, _ELIGIBLE, _BUCKETS = "sentences", "eligible_sentences", "buckets"

# Take counts away from a hash of counts (an article's terms, its publisher),
# dropping fields that reach 0, as SQLite deletes a term whose count does.
# KEYS[1]: the hash; ARGV: field, count, field, count, ...
_UNCOUNT = """
for i = 1, #ARGV, 2 do
  if redis.call('HINCRBY', KEYS[1], ARGV[i], -tonumber(ARGV[i + 1])) <= 0 then
    redis.call('HDEL', KEYS[1], ARGV[i])
  end
end
return 1
"""


class RedisUnavailableError(StoreError):
    """The Redis server could not be reached, or went away mid-operation."""


# ---------------------------------------------------------------------------
# URLs and keys
# ---------------------------------------------------------------------------


class RedisURL(NamedTuple):
    """An index URL taken apart: what redis-py connects to, the key prefix,
    and the URL as messages show it (password hidden)."""

    client_url: str
    prefix: str
    display: str


def parse_redis_url(url: str) -> RedisURL:
    """Check a ``redis://`` or ``rediss://`` index URL and take it apart.

    >>> parse_redis_url("redis://localhost/0").prefix
    'dedupe'
    >>> parse_redis_url("redis://localhost/zero")
    Traceback (most recent call last):
    ...
    dedupe.store.base.StoreURLError: bad index URL 'redis://localhost/zero': the path is the database number, as in redis://HOST:PORT/0
    """
    try:
        parts = urlsplit(url)
    except ValueError as error:  # an unclosed IPv6 bracket, say
        raise StoreURLError(f"bad index URL {url!r}: {error}") from None
    if parts.scheme.lower() not in SCHEMES:
        raise StoreURLError(f"bad index URL {url!r}: not a redis:// or rediss:// URL")
    try:
        parts.port  # noqa: B018 -- raises on a bad port
    except ValueError:
        raise StoreURLError(f"bad index URL {url!r}: the port is not a number") from None
    if parts.path not in ("", "/") and not re.fullmatch(r"/\d+", parts.path):
        raise StoreURLError(f"bad index URL {url!r}: the path is the database number, as in redis://HOST:PORT/0")
    options = parse_qsl(parts.query, keep_blank_values=True)
    unknown = sorted({name for name, _ in options} - {"prefix"})
    if unknown or parts.fragment:
        raise StoreURLError(f"bad index URL {url!r}: the only option is ?prefix=NAME "
                            f"(got {', '.join(unknown) or '#' + parts.fragment})")
    prefix = dict(options).get("prefix", DEFAULT_PREFIX)
    if not _PREFIX.match(prefix):
        raise StoreURLError(f"bad index URL {url!r}: prefix must be 1-64 letters, digits, '_', '.' or '-'")
    client_url = urlunsplit((parts.scheme.lower(), parts.netloc, parts.path, "", ""))
    netloc = parts.netloc
    if parts.password is not None:
        user, host = netloc.rsplit("@", 1)
        netloc = f"{user.split(':', 1)[0]}:***@{host}"
    query = "" if "prefix" not in dict(options) else f"prefix={prefix}"
    return RedisURL(client_url, prefix, urlunsplit((parts.scheme.lower(), netloc, parts.path, query, "")))


@dataclass(frozen=True)
class Keys:
    """Key names under one prefix (see the module docstring)."""

    prefix: str

    @property
    def meta(self) -> str:
        return f"{self.prefix}:meta"

    @property
    def counts(self) -> str:
        return f"{self.prefix}:counts"

    @property
    def next_id(self) -> str:
        return f"{self.prefix}:next_id"

    @property
    def ids(self) -> str:
        return f"{self.prefix}:ids"

    @property
    def terms(self) -> str:
        return f"{self.prefix}:terms"

    @property
    def publishers(self) -> str:
        return f"{self.prefix}:publishers"

    @property
    def key_sets(self) -> bytes:
        """The name of the index key storage (each set's name starts with it)."""
        return f"{self.prefix}:key:".encode()

    def hash(self, digest: str) -> str:
        return f"{self.prefix}:hash:{digest}"

    def article(self, article_id: int) -> str:
        return f"{self.prefix}:article:{article_id}"

    def body(self, digest: str) -> str:
        return f"{self.prefix}:body:{digest}"

    def counters(self) -> tuple[str, ...]:
        """Keys besides the record that an index made here always has (to
        tell an index from a stray prefix)."""
        return (self.counts, self.next_id, self.ids, self.terms, self.publishers)


def key_bytes(keys: np.ndarray) -> list[bytes]:
    """Index keys (int64) as the storage's keys: 8 bytes each, big-endian."""
    packed = np.ascontiguousarray(keys, dtype=_KEY_DTYPE).tobytes()
    return [packed[start:start + 8] for start in range(0, len(packed), 8)]


def key_names(storage_name: bytes, keys: np.ndarray) -> list[bytes]:
    """The Redis keys of the sets of these index keys (what the storage's
    ``redis_key`` gives for each, without a storage object)."""
    return [storage_name + key for key in key_bytes(keys)]


# ---------------------------------------------------------------------------
# Errors
# ---------------------------------------------------------------------------


def _one_line(error: BaseException) -> str:
    return " ".join(str(error).split()) or type(error).__name__


def _translate(display: str, error: Exception) -> StoreError:
    """A one-line :class:`StoreError` naming the index for a redis-py exception."""
    message = _one_line(error)
    if isinstance(error, redis.exceptions.AuthenticationError) or (
            isinstance(error, redis.exceptions.ResponseError) and message.startswith(("NOAUTH", "WRONGPASS"))):
        return StoreError(f"{display}: Redis refused the credentials ({message})")
    if isinstance(error, (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError)):
        return RedisUnavailableError(f"{display}: Redis server unreachable or gone away ({message})")
    if isinstance(error, redis.exceptions.ResponseError) and "WRONGTYPE" in message:
        # (From a pipeline, redis-py's message starts with the command, its key perhaps binary.)
        return StoreCorruptError(f"{display}: not a dedupe index: a key under its prefix holds something else "
                                 f"({message[message.index('WRONGTYPE'):]})")
    if isinstance(error, redis.exceptions.ReadOnlyError):
        return StoreError(f"{display}: Redis server is read-only (a replica?): {message}")
    if isinstance(error, redis.exceptions.OutOfMemoryError) or "maxmemory" in message:
        # (redis-py's message from a pipeline quotes the command and its article path first.)
        return StoreError(f"{display}: Redis server is out of memory (maxmemory reached): "
                          "raise its maxmemory or free memory, then run again")
    return StoreError(f"{display}: Redis error: {message}")


def _client(parsed: RedisURL, timeout: float) -> Any:
    return redis.Redis.from_url(parsed.client_url, socket_timeout=timeout, socket_connect_timeout=timeout,
                                retry=Retry(ExponentialBackoff(cap=0.5, base=0.05), _RETRIES),
                                encoding_errors="surrogatepass")


def _needs_redis(parsed: RedisURL) -> None:
    if redis is None:
        raise StoreURLError(f"index URL {parsed.display!r}: Redis support needs the redis package: "
                            "pip install 'dedupe-provenance[redis]'")


# ---------------------------------------------------------------------------
# The index
# ---------------------------------------------------------------------------


class RedisIndex:
    """An index in a Redis database (see the module docstring); an
    :class:`~dedupe.store.base.IndexBackend`.

    ``settings`` None takes the index's recorded settings (and makes a new
    index with the defaults). ``timeout`` bounds connecting and each reply,
    in seconds. Raises :class:`~dedupe.store.base.StoreMissingError` when
    there is no index under the prefix and ``create`` is false,
    :class:`RedisUnavailableError` when the server cannot be reached, and
    the other :class:`~dedupe.store.base.StoreError` kinds when what is
    there is not a usable index for ``settings``. The object may be shared
    by threads (redis-py keeps a connection pool).
    """

    def __init__(self, url: str, settings: Settings | None = None, *, create: bool = False,
                 timeout: float = DEFAULT_TIMEOUT) -> None:
        parsed = parse_redis_url(url)
        _needs_redis(parsed)
        self.url = url
        self.location = parsed.display
        self.prefix = parsed.prefix
        self.settings = settings or DEFAULT_SETTINGS
        self.timeout = timeout
        self.keys = Keys(parsed.prefix)
        self._closed = False
        self._redis = _client(parsed, timeout)
        try:
            with self._errors():
                stored, stray = self._read_record(), 0
                if stored is None:
                    # The counters first, then the record again: a creator racing us writes both
                    # in one transaction, so only counters still without a record are stray.
                    stray = self._redis.exists(*self.keys.counters())
                    stored = self._read_record()
                if stored is None:
                    if stray:
                        raise StoreCorruptError(f"{self.location}: keys under prefix {self.prefix!r} but no "
                                                "settings record: not a dedupe index")
                    if not create:
                        raise StoreMissingError(f"no index at {self.location}; "
                                                "create it with `dedupe index add --index URL`")
                    stored = self._initialise(settings)
            self.settings = settings_from_record(stored, settings, self.location)
            self.buckets = self._key_storage()
        except BaseException:
            self.close()
            raise

    # --- opening --------------------------------------------------------------

    def _read_record(self) -> dict[str, Any] | None:
        """The record as :func:`~dedupe.store.base.settings_from_record`
        reads it, or None when there is none."""
        meta = self._redis.hgetall(self.keys.meta)
        if not meta:
            return None
        try:
            return read_record(meta)
        except ValueError as error:
            raise StoreCorruptError(f"{self.location}: index is damaged: {error}") from None

    def _initialise(self, settings: Settings | None) -> dict[str, Any]:
        """Write the record and counts in one transaction, or find that a
        process racing us already has."""
        record = index_record(settings or DEFAULT_SETTINGS)
        fields = {"format_version": str(FORMAT_VERSION), "record": json.dumps(record),
                  "created": now(), "created_by": f"dedupe {__version__}"}
        for _ in range(_ATTEMPTS):
            with self._redis.pipeline() as pipe:
                try:
                    pipe.watch(self.keys.meta)
                    # The counters first, then the record: a racing creator writes both in one
                    # transaction, so only counters still without a record after them are stray.
                    stray = pipe.exists(*self.keys.counters())
                    if pipe.exists(self.keys.meta):
                        pipe.unwatch()
                        break
                    if stray:
                        raise StoreCorruptError(f"{self.location}: keys under prefix {self.prefix!r} but no "
                                                "settings record: not a dedupe index")
                    pipe.multi()
                    pipe.hset(self.keys.meta, mapping=fields)
                    pipe.hset(self.keys.counts, mapping={_SENTENCES: 0, _ELIGIBLE: 0, _BUCKETS: 0})
                    pipe.execute()
                    break
                except WatchError:
                    continue
        stored = self._read_record()
        if stored is None:
            raise StoreError(f"{self.location}: could not create the index (its settings record vanished)")
        return stored

    def _key_storage(self) -> Any:
        """datasketch's Redis set storage of the index key sets, on this
        index's connection pool (see the module docstring)."""
        from datasketch.storage import unordered_storage

        storage = unordered_storage({"type": "redis", "redis": {"connection_pool": self._redis.connection_pool}},
                                    name=self.keys.key_sets)
        probe = b"\0" * 8
        if not (callable(getattr(storage, "getmany", None)) and callable(getattr(storage, "redis_key", None))
                and storage.redis_key(probe) == self.keys.key_sets + probe):
            raise StoreError(f"{self.location}: the installed datasketch's Redis storage names its keys "
                             "otherwise than dedupe reads them")
        return storage

    # --- connections ---------------------------------------------------------

    @contextmanager
    def _errors(self) -> Iterator[None]:
        """Turn redis-py's exceptions into one-line :class:`StoreError`\\ s naming the index."""
        if self._closed:
            raise StoreError(f"{self.location}: index is closed")
        try:
            yield
        except redis.exceptions.RedisError as error:
            raise _translate(self.location, error) from None

    @contextmanager
    def snapshot(self) -> Iterator[None]:
        """Redis has no read snapshots (see "Reads" in the module docstring):
        the lookups of a check see the index as each finds it."""
        with self._errors():
            yield

    def close(self) -> None:
        """Close the connection pool (the key storage shares it). Idempotent."""
        self._closed = True
        client = getattr(self, "_redis", None)
        if client is not None:
            try:
                client.close()
            except Exception:  # noqa: BLE001 -- closing a dead connection may fail; nothing to do
                pass

    def __enter__(self) -> RedisIndex:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- adding and removing ---------------------------------------------------

    def add_many(self, entries: Sequence[IndexEntry]) -> list[tuple[int, bool]]:
        """See :meth:`~dedupe.store.base.IndexBackend.add_many`: one watched
        ``MULTI``/``EXEC`` for the whole batch, all or nothing (see the
        module docstring)."""
        digests = [content_hash(entry.article) for entry in entries]
        first: dict[str, IndexEntry] = {}
        for digest, entry in zip(digests, entries):
            first.setdefault(digest, entry)
        if not first:
            return []
        with self._errors():
            claimed = dict(zip(first, self._redis.mget([self.keys.hash(digest) for digest in first])))
            prints = {digest: entry.prints if entry.prints is not None else fingerprint(entry.article, self.settings)
                      for digest, entry in first.items() if claimed[digest] is None}
            found = self._write(first, prints)
        results = []
        for digest in digests:
            results.append(found[digest])
            found[digest] = (found[digest][0], False)  # a repeat later in the batch is not new
        return results

    def _write(self, entries: Mapping[str, IndexEntry],
               prints: dict[str, Fingerprinted]) -> dict[str, tuple[int, bool]]:
        """Store the articles of ``entries`` (by content hash) not stored yet,
        in one transaction; (id, new) for each. ``prints``: the fingerprints
        of those new at the first look (others are computed if need be).

        Each attempt takes new ids: one taken before may have been used by
        a transaction whose reply was lost (and its article removed since),
        and ids are never used twice."""
        mine: dict[str, set[int]] = {}  # every id this add took, by content hash
        settled: dict[str, tuple[int, bool]] = {}
        for _ in range(len(entries) + _ATTEMPTS):
            pending = [digest for digest in entries if digest not in settled]
            claims = [self.keys.hash(digest) for digest in pending]
            with self._redis.pipeline() as pipe:
                try:
                    pipe.watch(*claims)
                    claimed = {digest: None if value is None else int(value)
                               for digest, value in zip(pending, pipe.mget(claims))}
                    for digest, value in claimed.items():
                        if value is not None:  # an id of ours: an attempt went through, its reply lost
                            settled[digest] = (value, value in mine.get(digest, ()))
                    todo = [digest for digest, value in claimed.items() if value is None]
                    if not todo:  # stored already, by this add before or by other workers
                        return settled
                    for digest in todo:  # stored at the first look, removed since
                        if digest not in prints:
                            entry = entries[digest]
                            prints[digest] = (entry.prints if entry.prints is not None
                                              else fingerprint(entry.article, self.settings))
                    last = int(pipe.incrby(self.keys.next_id, len(todo)))
                    ids = {digest: last - len(todo) + 1 + n for n, digest in enumerate(todo)}
                    for digest, article_id in ids.items():
                        mine.setdefault(digest, set()).add(article_id)
                    bodies = {digest: body_hash(entries[digest].article) for digest in todo}
                    self._require_types({
                        **self._shared_types(),
                        **{name: kinds for digest in todo for name, kinds in (
                            (self.keys.article(ids[digest]), _ABSENT), (self.keys.body(bodies[digest]), _SET),
                            (self.keys.hash(digest), _STRING))},
                        **{self.buckets.redis_key(key): _SET for digest in todo
                           for key in key_bytes(prints[digest].keys)}})
                    # Always under WATCH: when the connection drops during EXEC, redis-py then
                    # raises WatchError instead of sending the transaction again.
                    pipe.multi()
                    totals = _Totals()
                    for digest in todo:
                        entry, found = entries[digest], prints[digest]
                        columns = article_columns(entry.article, entry.publisher)
                        _queue_article(pipe, self.keys, ids[digest], digest, bodies[digest], columns, found)
                        _queue_keys(pipe, self.buckets, ids[digest], found)
                        totals.add(columns, found)
                    _queue_totals(pipe, self.keys, totals)
                    pipe.execute()
                    settled.update({digest: (ids[digest], True) for digest in todo})
                    return settled
                except WatchError:
                    continue
        first = next(iter(entries.values())).article.path
        what = first if len(entries) == 1 else f"{len(entries)} articles ({first}, ...)"
        raise StoreError(f"{self.location}: could not add {what}: the index kept changing under it")

    def remove(self, ids: Iterable[int]) -> list[int]:
        """Remove the articles with these ids, each in one transaction;
        return those that were there (the caller reports the others)."""
        removed = []
        with self._errors():
            for article_id in dict.fromkeys(int(i) for i in ids):
                if self._remove_one(article_id):
                    removed.append(article_id)
        return removed

    def _remove_one(self, article_id: int) -> bool:
        key = self.keys.article(article_id)
        for _ in range(_ATTEMPTS):
            with self._redis.pipeline() as pipe:
                try:
                    pipe.watch(key)
                    values = dict(zip(_REMOVE_FIELDS, pipe.hmget(key, _REMOVE_FIELDS)))
                    if values["path"] is None:
                        if pipe.exists(key):
                            raise StoreCorruptError(f"{self.location}: index is damaged: article {article_id} "
                                                    "has no path")
                        pipe.unwatch()
                        return False
                    lacking = [name for name in _REMOVE_FIELDS if values[name] is None and name not in _NULLABLE]
                    if lacking:
                        raise StoreCorruptError(f"{self.location}: index is damaged: article {article_id} has no "
                                                f"{', '.join(lacking)}")
                    prints = fingerprint(_article(values, self.location, article_id), self.settings)
                    counts = (len(prints.sentences), prints.eligible_count, len(prints.keys))
                    stored = tuple(int(values[name]) for name in _COUNT_FIELDS)
                    if stored != counts:
                        raise StoreCorruptError(
                            f"{self.location}: index is damaged: article {article_id} was stored with "
                            f"{'/'.join(map(str, stored))} sentences/eligible/keys, "
                            f"its text gives {'/'.join(map(str, counts))}")
                    self._require_types({
                        **self._shared_types(), self.keys.body(_text(values["body_hash"])): _SET,
                        self.keys.hash(_text(values["content_hash"])): _STRING,
                        **{self.buckets.redis_key(key): _SET for key in key_bytes(prints.keys)}})
                    pipe.multi()
                    _queue_removal(pipe, self.keys, self.buckets, article_id, values, prints)
                    pipe.execute()
                    return True
                except WatchError:
                    continue
        raise StoreError(f"{self.location}: could not remove article {article_id}: the index kept changing")

    # --- listing ---------------------------------------------------------------

    def articles(self) -> Iterator[StoredArticle]:
        """Every indexed article, oldest first, read in chunks (no texts)."""
        with self._errors():
            last = 0
            while True:
                ids = [int(i) for i in self._redis.zrangebyscore(self.keys.ids, f"({last}", "+inf",
                                                                 start=0, num=_CHUNK)]
                if not ids:
                    return
                pipe = self._redis.pipeline(transaction=False)
                for article_id in ids:
                    pipe.hmget(self.keys.article(article_id), _LIST_FIELDS)
                for article_id, values in zip(ids, pipe.execute()):
                    if values[0] is None:
                        continue  # removed meanwhile
                    yield _listed(values, self.location, article_id)
                last = ids[-1]

    def publishers(self) -> set[str]:
        """The publishers of the indexed articles (as a check names them)."""
        with self._errors():
            return {_text(name) for name, count in self._redis.hgetall(self.keys.publishers).items()
                    if int(count) > 0}

    def stats(self) -> dict[str, object]:
        """See :func:`inspect`."""
        with self._errors():
            return _inspect(self._redis, self.location, self.keys)

    # --- lookups ---------------------------------------------------------------

    def colliding(self, keys: np.ndarray) -> Counter[int]:
        """For each indexed article with one of these index keys: how many
        of the distinct keys it has (read with the storage's ``getmany``)."""
        probes = key_bytes(np.unique(keys))
        found: Counter[int] = Counter()
        with self._errors():
            for start in range(0, len(probes), _CHUNK):
                for members in self.buckets.getmany(*probes[start:start + _CHUNK]):
                    found.update(self._member_id(member) for member in members)
        return found

    def _member_id(self, member: bytes) -> int:
        """An article id kept in a set; anything else there is damage (a crafted or foreign member)."""
        try:
            return int(member)
        except (TypeError, ValueError):
            raise StoreCorruptError(f"{self.location}: index is damaged: a set holds {member[:40]!r}, "
                                    "not an article id") from None

    def same_text(self, ids: Collection[int]) -> list[int]:
        """``ids`` (those indexed) plus the articles with the same cleaned text, ascending."""
        ids = list(dict.fromkeys(int(i) for i in ids))
        with self._errors():
            digests = self._pipelined(ids, lambda pipe, i: pipe.hget(self.keys.article(i), "body_hash"))
            present = {i for i, digest in zip(ids, digests) if digest is not None}
            distinct = list({_text(digest) for digest in digests if digest is not None})
            for members in self._pipelined(distinct, lambda pipe, d: pipe.smembers(self.keys.body(d))):
                present.update(self._member_id(member) for member in members)
        return sorted(present)

    def load(self, ids: Sequence[int]) -> list[Article]:
        """The articles with these ids, in that order; one removed since the
        lookup found it is left out."""
        distinct = list(dict.fromkeys(int(i) for i in ids))
        with self._errors():
            rows = self._pipelined(distinct, lambda pipe, i: pipe.hmget(self.keys.article(i), _LOAD_FIELDS))
        found = {article_id: _article(dict(zip(_LOAD_FIELDS, values)), self.location, article_id)
                 for article_id, values in zip(distinct, rows) if values[0] is not None}
        return [found[i] for i in ids if i in found]

    def frequencies(self, terms: Collection[str]) -> dict[str, int]:
        """Indexed sentences each of ``terms`` occurs in (absent terms left out)."""
        terms = list(dict.fromkeys(terms))
        found: dict[str, int] = {}
        with self._errors():
            for start in range(0, len(terms), _CHUNK):
                chunk = terms[start:start + _CHUNK]
                for term, count in zip(chunk, self._redis.hmget(self.keys.terms, chunk)):
                    if count is not None and int(count) > 0:
                        found[term] = int(count)
        return found

    def terms(self) -> Iterator[str]:
        """Every term of the indexed sentences, once (HSCAN may repeat one)."""
        seen: set[str] = set()
        with self._errors():
            for term, count in self._redis.hscan_iter(self.keys.terms, count=1000):
                text = _text(term)
                if int(count) > 0 and text not in seen:
                    seen.add(text)
                    yield text

    def sentence_count(self) -> int:
        """Indexed sentences, eligible or not."""
        with self._errors():
            value = self._redis.hget(self.keys.counts, _SENTENCES)
        if value is None:
            raise StoreCorruptError(f"{self.location}: index is damaged: no sentence count")
        return int(value)

    def _shared_types(self) -> dict[str, frozenset[bytes]]:
        """The keys every add and remove writes, and the types they may have."""
        keys = self.keys
        return {keys.counts: _HASH, keys.ids: _ZSET, keys.terms: _HASH, keys.publishers: _HASH}

    def _require_types(self, expected: Mapping[Any, frozenset[bytes]]) -> None:
        """Raise :class:`StoreCorruptError` unless each key is absent or of
        its type (:data:`_ABSENT`: absent only). Checked before a transaction, because Redis does not roll
        one back when a command in it fails on a key of another type: the
        other commands would still apply."""
        names = list(expected)
        for name, kind in zip(names, self._pipelined(names, lambda pipe, name: pipe.type(name))):
            kind = kind.encode() if isinstance(kind, str) else kind
            if kind != b"none" and kind not in expected[name]:
                shown = name.decode("utf-8", "backslashreplace") if isinstance(name, bytes) else name
                if not expected[name]:
                    raise StoreCorruptError(f"{self.location}: index is damaged: {shown!r} exists, but its id "
                                            f"was just given out ({self.keys.next_id!r} went back)")
                wanted = " or ".join(sorted(k.decode() for k in expected[name]))
                raise StoreCorruptError(f"{self.location}: not a dedupe index: a key under its prefix holds "
                                        f"something else ({shown!r} is a {kind.decode()}, not a {wanted})")

    def _pipelined(self, items: Sequence[Any], queue: Any) -> list[Any]:
        """``queue(pipe, item)`` for every item, sent in chunks; the replies in order."""
        replies: list[Any] = []
        for start in range(0, len(items), _CHUNK):
            pipe = self._redis.pipeline(transaction=False)
            for item in items[start:start + _CHUNK]:
                queue(pipe, item)
            replies.extend(pipe.execute())
        return replies


def connect(location: str, settings: Settings | None, create: bool, timeout: float) -> RedisIndex:
    """What :func:`dedupe.store.open_backend` calls for ``redis://`` and ``rediss://`` URLs."""
    return RedisIndex(location, settings, create=create, timeout=timeout)


# ---------------------------------------------------------------------------
# Writing (module-level steps queued on one MULTI/EXEC transaction)
# ---------------------------------------------------------------------------


class _Totals:
    """What the articles of one transaction add to the shared counts."""

    def __init__(self) -> None:
        self.terms: Counter[str] = Counter()
        self.publishers: Counter[str] = Counter()
        self.sentences = self.eligible = self.keys = 0

    def add(self, columns: Mapping[str, Any], prints: Fingerprinted) -> None:
        self.terms.update(prints.frequencies)
        if columns["publisher"] is not None:
            self.publishers[columns["publisher"]] += 1
        self.sentences += len(prints.sentences)
        self.eligible += prints.eligible_count
        self.keys += len(prints.keys)


def _queue_article(pipe: Any, keys: Keys, article_id: int, digest: str, text_digest: str,
                   columns: Mapping[str, Any], prints: Fingerprinted) -> None:
    """Queue an article's hash, its ``{p}:hash:`` claim, its place in
    ``{p}:ids`` and its body set (its key sets: :func:`_queue_keys`; the
    counts shared by all articles: :func:`_queue_totals`)."""
    stored = {name: str(value) for name, value in columns.items() if value is not None}
    stored.update(content_hash=digest, body_hash=text_digest, added=now(), sentence_count=str(len(prints.sentences)),
                  eligible_count=str(prints.eligible_count), key_count=str(len(prints.keys)))
    pipe.hset(keys.article(article_id), mapping=stored)
    pipe.sadd(keys.body(text_digest), article_id)
    pipe.zadd(keys.ids, {str(article_id): article_id})
    pipe.set(keys.hash(digest), article_id)


def _queue_keys(pipe: Any, storage: Any, article_id: int, prints: Fingerprinted) -> None:
    """Queue the article's id into the set of each of its index keys, as
    the storage names them."""
    for key in key_bytes(prints.keys):
        pipe.sadd(storage.redis_key(key), article_id)


def _queue_totals(pipe: Any, keys: Keys, totals: _Totals) -> None:
    """Queue the term, publisher and sentence counts of a transaction's articles."""
    for term, count in totals.terms.items():
        pipe.hincrby(keys.terms, term, count)
    for publisher, count in totals.publishers.items():
        pipe.hincrby(keys.publishers, publisher, count)
    for name, count in ((_SENTENCES, totals.sentences), (_ELIGIBLE, totals.eligible), (_BUCKETS, totals.keys)):
        pipe.hincrby(keys.counts, name, count)


def _queue_removal(pipe: Any, keys: Keys, storage: Any, article_id: int, values: Mapping[str, Any],
                   prints: Fingerprinted) -> None:
    """Queue the removal of everything the add of an article wrote (a set
    or hash left empty goes with its last member)."""
    for key in key_bytes(prints.keys):
        pipe.srem(storage.redis_key(key), article_id)
    if prints.frequencies:
        pipe.execute_command("EVAL", _UNCOUNT, 1, keys.terms,
                             *(item for term, count in prints.frequencies.items() for item in (term, count)))
    if values["publisher"] is not None:
        pipe.execute_command("EVAL", _UNCOUNT, 1, keys.publishers, values["publisher"], 1)
    for name, count in ((_SENTENCES, len(prints.sentences)), (_ELIGIBLE, prints.eligible_count),
                        (_BUCKETS, len(prints.keys))):
        pipe.hincrby(keys.counts, name, -count)
    pipe.srem(keys.body(_text(values["body_hash"])), article_id)
    pipe.zrem(keys.ids, str(article_id))
    pipe.delete(keys.article(article_id), keys.hash(_text(values["content_hash"])))


# ---------------------------------------------------------------------------
# Reading
# ---------------------------------------------------------------------------


def _text(value: bytes) -> str:
    return value.decode("utf-8", "surrogatepass")


def _optional(value: bytes | None) -> str | None:
    return None if value is None else _text(value)


def _article(values: Mapping[str, Any], location: str, article_id: int) -> Article:
    """An article from the fields of its hash (:data:`_LOAD_FIELDS`)."""
    try:
        path, text, body, debris, kind, metadata = (_text(values[name]) for name in
                                                    ("path", "text", "body", "debris", "kind", "metadata"))
        return article_from_columns(path, text, body, debris, kind, _optional(values["title"]), metadata,
                                    location=location)
    except (AttributeError, TypeError, ValueError) as error:  # a field missing or unreadable
        raise StoreCorruptError(f"{location}: index is damaged: article {article_id} unreadable "
                                f"({_one_line(error)})") from None


def _listed(values: Sequence[Any], location: str, article_id: int) -> StoredArticle:
    """An article as listed, from the fields of its hash (:data:`_LIST_FIELDS`)."""
    path, title, publisher, date, words, digest, added = values
    try:
        return StoredArticle(article_id, _text(path), _optional(title), _optional(publisher), _optional(date),
                             int(words), _text(digest), _text(added))
    except (AttributeError, TypeError, ValueError) as error:
        raise StoreCorruptError(f"{location}: index is damaged: article {article_id} unreadable "
                                f"({_one_line(error)})") from None


def read_record(meta: Mapping[bytes, bytes]) -> dict[str, Any]:
    """The record of a ``{p}:meta`` hash as
    :func:`~dedupe.store.base.settings_from_record` reads it, with
    ``created``. Raises ValueError when it cannot be read (unless its format
    version, which then says why the index cannot be used, is another one).

    >>> from dedupe.store.base import index_record
    >>> meta = {b"format_version": b"3", b"record": json.dumps(index_record(Settings())).encode()}
    >>> read_record(meta)["settings"]["index_bands"]
    [4, 5]
    >>> read_record({b"format_version": b"2", b"settings": b"{}"})
    {'format_version': 2, 'created': None}
    """
    fields = {key.decode(): value.decode() for key, value in meta.items()}  # (UnicodeDecodeError: a ValueError)
    version_text = fields.get("format_version")
    version: object = int(version_text) if version_text and version_text.isdigit() else version_text
    try:
        if "record" not in fields:
            raise ValueError("no record field")
        record = json.loads(fields["record"])
        if not isinstance(record, dict):
            raise ValueError("not a JSON object")
    except ValueError as error:
        if not isinstance(version, int) or version == FORMAT_VERSION:
            raise ValueError(f"settings record unreadable ({_one_line(error)})") from None
        record = {}
    return {**record, "format_version": version, "created": fields.get("created")}


def inspect(location: str, timeout: float = DEFAULT_TIMEOUT) -> dict[str, object]:
    """What ``dedupe index stats`` shows for a Redis index, in any state:
    the counts (``buckets``: the (index key, article) entries, as SQLite
    counts them), the settings record, ``settings_match`` and ``integrity``
    ("ok" or what is wrong, one line). Raises :class:`StoreMissingError`
    when there is nothing under the prefix, :class:`RedisUnavailableError`
    when the server cannot be reached, :class:`StoreURLError` for a bad URL."""
    parsed = parse_redis_url(location)
    _needs_redis(parsed)
    client = _client(parsed, timeout)
    keys = Keys(parsed.prefix)
    try:
        try:
            if not client.exists(keys.meta, *keys.counters()):
                raise StoreMissingError(f"no index at {parsed.display}; create it with `dedupe index add --index URL`")
            return _inspect(client, parsed.display, keys)
        except redis.exceptions.RedisError as error:
            raise _translate(parsed.display, error) from None
    finally:
        client.close()


def _inspect(client: Any, display: str, keys: Keys) -> dict[str, object]:
    report: dict[str, object] = {"location": display, "backend": "redis", "prefix": keys.prefix}
    problems: list[str] = []
    try:
        try:
            report["redis_version"] = client.info("server").get("redis_version")
            report["server_memory_bytes"] = client.info("memory").get("used_memory")
        except redis.exceptions.ResponseError:  # INFO not allowed to this user: not the index's problem
            pass
        meta = client.hgetall(keys.meta)
        if not meta:
            problems.append("no settings record: not a dedupe index")
        else:
            try:
                report.update(settings_report(read_record(meta), display))
            except ValueError as error:
                problems.append(_one_line(error))
        counts = {_text(name): int(value) for name, value in client.hgetall(keys.counts).items()}
        if meta and not counts:
            problems.append("no counts")
        pipe = client.pipeline(transaction=False)
        pipe.zcard(keys.ids)
        pipe.hlen(keys.terms)
        articles, terms = pipe.execute()
        report.update(sentences=counts.get(_SENTENCES), eligible_sentences=counts.get(_ELIGIBLE), articles=articles,
                      buckets=counts.get(_BUCKETS), terms=terms)
        missing, totals = _article_totals(client, keys)
        if missing:
            problems.append(f"{missing} listed article(s) missing")
        if counts and totals != {name: counts.get(name) for name in totals}:
            problems.append("counts " + ", ".join(f"{name} {counts.get(name)}" for name in totals)
                            + " but the articles add up to " + ", ".join(f"{n} {v}" for n, v in totals.items()))
    except redis.exceptions.ResponseError as error:
        problems.append(_one_line(error))
    report["integrity"] = "ok" if not problems else "; ".join(problems)
    return report


def _article_totals(client: Any, keys: Keys) -> tuple[int, dict[str, int]]:
    """Listed articles that are missing, and what the others' stored counts add up to."""
    missing, last = 0, 0
    totals = dict.fromkeys((_SENTENCES, _ELIGIBLE, _BUCKETS), 0)
    while True:
        ids = [int(i) for i in client.zrangebyscore(keys.ids, f"({last}", "+inf", start=0, num=_CHUNK)]
        if not ids:
            return missing, totals
        pipe = client.pipeline(transaction=False)
        for article_id in ids:
            pipe.hmget(keys.article(article_id), _COUNT_FIELDS)
        for values in pipe.execute():
            if values[0] is None:
                missing += 1
                continue
            for name, value in zip(totals, values):
                totals[name] += int(value or 0)
        last = ids[-1]
