"""The Redis backend of the archive (:mod:`dedupe.store`): one index that
workers on several machines add to and check against at once.

``redis://[[USER]:PASSWORD@]HOST[:PORT][/DB][?prefix=NAME]`` (``rediss://``
for TLS) opens the index kept under the key prefix ``NAME`` (default
``dedupe``) of Redis database ``DB`` (default 0). Several indexes can share
a database under different prefixes. It needs the ``redis`` package
(``pip install 'dedupe-provenance[redis]'``).

**Keys** (``{p}`` is the prefix; all values are strings or raw bytes, never
pickles)::

    {p}:meta                 hash: settings (JSON of index_settings), format_version,
                             created, created_by
    {p}:next_id              string: last id given out (INCRBY)
    {p}:hash:{content_hash}  string: id of the article with that kind and text
    {p}:article:{id}         hash: the article_columns (absent when None), content_hash,
                             body_hash, added, sentence_count, eligible_count
    {p}:sentences:{id}       string: JSON [[start, end, eligible], ...]
    {p}:signatures:{id}      string: the eligible sentences' MinHash signatures,
                             little-endian uint32, num_perm values each
    {p}:body:{body_hash}     set: ids of the articles with that cleaned text
    {p}:ids                  sorted set: every id (score = id), for list
    {p}:terms                hash: term -> indexed sentences it occurs in
    {p}:publishers           hash: publisher -> articles naming it
    {p}:sentence_count       string: indexed sentences, eligible or not
    {p}:eligible_count       string: fingerprinted sentences (= keys in the LSH)
    {p}:lsh...               datasketch's MinHashLSH Redis storage, basename
                             b"{p}:lsh": per band a hash {p}:lsh_bucket_<band>
                             and one set per band key, plus {p}:lsh_keys; the
                             LSH key of sentence ``idx`` of article ``id`` is
                             b"{id}:{idx}"

The LSH is datasketch's own: a ``MinHashLSH(num_perm, params=(b, r),
storage_config={"type": "redis", "basename": b"{p}:lsh", ...},
prepickle=False)`` over the index banding ``Settings.index_bands`` (``b``
bands of ``r`` values from the start of each sentence's signature, as
:func:`dedupe.store.index_keys` cuts them; a band key here is datasketch's
raw band bytes rather than their 64-bit hash, so two sentences share one
exactly when they share an index key in the SQLite backend).
``MinHashLSH.query`` on an opened index (``RedisIndex.lsh``) finds the
sentences :meth:`candidates` looks at; an article is shortlisted when its
sentences share at least ``Settings.index_min_hits`` distinct (band, band
key) pairs with the candidates. Its keys are bytes and ``prepickle`` is
off: datasketch pickles and unpickles LSH keys only when ``prepickle`` is
on, and nothing here calls the storage's ``__getstate__``/``__setstate__``
(pickling the LSH object). Opening an index runs no code it reads: values
are JSON, integers and bytes.

**Adds are atomic.** ``add_many`` (and ``add``, a batch of one) looks the
content hashes up first (a known article is a no-op returning its id);
then the new articles are fingerprinted, ids are taken with one ``INCRBY``
and everything -- the articles, their sentences and signatures, the term
counts, the ``{p}:hash:`` claims and the LSH entries (written with
datasketch's storage objects, queued on our transaction instead of their
own connections) -- goes in one ``MULTI``/``EXEC`` under ``WATCH`` of the
new articles' ``{p}:hash:`` keys. Redis applies a transaction whole or not
at all, and a client that goes away before ``EXEC`` leaves nothing of it.
So the guarantee is: **after any failure (the server or the network going
away, the process being killed or interrupted) the articles of a batch are
either all completely indexed or none is**; the only trace of a failed add
is ids that are never used (ids are unique and increasing, not gap-free).
There is no half-written state for readers to skip or for a repair to
clean up.

Two workers adding the same article at once both pass the first lookup, but
only one transaction can set the watched ``{p}:hash:`` key: the other's
``EXEC`` is refused, it re-reads the keys, returns the winner's id with
``new=False`` and adds the rest of its batch again (with the ids it took).
When the connection drops while ``EXEC`` is under way, the outcome is
unknown to the client: the add re-reads the ``{p}:hash:`` keys (a reply
naming one of its own ids means the transaction went through) or, if the
server is unreachable, raises :class:`RedisUnavailableError`; adding the
same articles again later is then always safe. Removes are atomic the same
way, one article per transaction.

**Reads.** :meth:`~dedupe.store.ArticleIndex.candidates` looks up every
band key of the candidates' sentences in one pipelined round trip (the set
datasketch keeps for that band and key), counts for each article how many
distinct band keys its sentences share, then loads the shortlisted
articles. Redis has no snapshots: an article removed while a check runs is
left out of it, and term weights may count an article added meanwhile.

**Errors.** Every failure is a :class:`~dedupe.store.StoreError` with a
one-line message naming the URL (password hidden): a server that cannot be
reached or goes away mid-operation is :class:`RedisUnavailableError`; a
missing index :class:`~dedupe.store.StoreMissingError`; other settings or a
newer format :class:`~dedupe.store.StoreFormatError`; keys of the wrong
type under the prefix :class:`~dedupe.store.StoreCorruptError`.

>>> parse_redis_url("redis://:secret@cache.example:6380/2?prefix=news")
RedisURL(client_url='redis://:secret@cache.example:6380/2', prefix='news', display='redis://:***@cache.example:6380/2?prefix=news')
"""

from __future__ import annotations

import builtins
import json
import re
from collections import Counter
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, NamedTuple
from urllib.parse import parse_qsl, urlsplit, urlunsplit

import numpy as np

from dedupe import __version__
from dedupe.cleaning import Article
from dedupe.settings import DEFAULT_SETTINGS, Settings
from dedupe.store import (
    DEFAULT_TIMEOUT,
    FORMAT_VERSION,
    ArticleIndex,
    Fingerprinted,
    StoreCorruptError,
    StoredArticle,
    StoreError,
    StoreMissingError,
    StoreURLError,
    article_columns,
    article_from_columns,
    body_hash,
    check_settings,
    content_hash,
    fingerprint,
    index_settings,
    settings_report,
    signature_bytes,
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
#: Times an add or remove re-runs after another worker changed what it watched.
_ATTEMPTS = 8
#: Reconnection attempts (with backoff up to half a second) before a
#: dropped connection is reported.
_RETRIES = 3
_PREFIX = re.compile(r"^[A-Za-z0-9_.\-]{1,64}$")
_LIST_FIELDS = ("path", "title", "publisher", "date", "words", "content_hash", "added")
_LOAD_FIELDS = ("path", "text", "body", "debris", "kind", "title", "metadata")
_NULLABLE = frozenset({"title", "publisher", "date"})
_ID = re.compile(rb"^(\d+):")

# Remove one LSH key from every band's set, and the band key from the band's
# hash (datasketch's record of which band keys exist) once its set is empty,
# as MinHashLSH.remove does. KEYS: the b sets, then the b hashes; ARGV: the
# LSH key, then the b band keys.
_UNBUCKET = """
local n = #ARGV - 1
for i = 1, n do
  redis.call('SREM', KEYS[i], ARGV[1])
  if redis.call('SCARD', KEYS[i]) == 0 then
    redis.call('HDEL', KEYS[n + i], ARGV[i + 1])
  end
end
return n
"""
# Take counts away from a hash of counts (an article's terms, its publisher),
# dropping fields that reach 0. KEYS[1]: the hash; ARGV: field, count, ...
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
    dedupe.store.StoreURLError: bad index URL 'redis://localhost/zero': the path is the database number, as in redis://HOST:PORT/0
    """
    parts = urlsplit(url)
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
class _Keys:
    """Key names under one prefix (see the module docstring)."""

    prefix: str

    @property
    def meta(self) -> str:
        return f"{self.prefix}:meta"

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
    def sentence_count(self) -> str:
        return f"{self.prefix}:sentence_count"

    @property
    def eligible_count(self) -> str:
        return f"{self.prefix}:eligible_count"

    @property
    def lsh_basename(self) -> bytes:
        return f"{self.prefix}:lsh".encode()

    def hash(self, digest: str) -> str:
        return f"{self.prefix}:hash:{digest}"

    def article(self, article_id: int) -> str:
        return f"{self.prefix}:article:{article_id}"

    def sentences(self, article_id: int) -> str:
        return f"{self.prefix}:sentences:{article_id}"

    def signatures(self, article_id: int) -> str:
        return f"{self.prefix}:signatures:{article_id}"

    def body(self, digest: str) -> str:
        return f"{self.prefix}:body:{digest}"

    def counters(self) -> tuple[str, ...]:
        """Keys that exist in every index made here (to tell an index from a stray prefix)."""
        return (self.next_id, self.ids, self.terms, self.sentence_count, self.eligible_count)


def lsh_key(article_id: int, row: int) -> bytes:
    """The MinHashLSH key of sentence ``row`` of an article."""
    return f"{article_id}:{row}".encode()


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
    if isinstance(error, redis.exceptions.ResponseError) and message.startswith("WRONGTYPE"):
        return StoreCorruptError(f"{display}: not a dedupe index: a key under its prefix holds something else "
                                 f"({message})")
    if isinstance(error, redis.exceptions.ReadOnlyError):
        return StoreError(f"{display}: Redis server is read-only (a replica?): {message}")
    return StoreError(f"{display}: Redis error: {message}")


# ---------------------------------------------------------------------------
# The index
# ---------------------------------------------------------------------------


class RedisIndex(ArticleIndex):
    """An archive in a Redis database (see the module docstring).

    ``timeout`` bounds connecting and each reply, in seconds. Raises
    :class:`~dedupe.store.StoreMissingError` when there is no index under the
    prefix and ``create`` is false, :class:`RedisUnavailableError` when the
    server cannot be reached, and the other :class:`~dedupe.store.StoreError`
    kinds when what is there is not a usable index for ``settings``. The
    object may be shared by threads (redis-py keeps a connection pool).
    """

    def __init__(self, url: str, settings: Settings = DEFAULT_SETTINGS, *, create: bool = False,
                 timeout: float = DEFAULT_TIMEOUT) -> None:
        parsed = parse_redis_url(url)
        if redis is None:
            raise StoreURLError(f"index URL {parsed.display!r}: Redis support needs the redis package: "
                                "pip install 'dedupe-provenance[redis]'")
        self.url = url
        self.location = parsed.display
        self.prefix = parsed.prefix
        self.settings = settings
        self.timeout = timeout
        self.keys = _Keys(parsed.prefix)
        self._closed = False
        self._redis = redis.Redis.from_url(
            parsed.client_url, socket_timeout=timeout, socket_connect_timeout=timeout,
            retry=Retry(ExponentialBackoff(cap=0.5, base=0.05), _RETRIES), encoding_errors="surrogatepass")
        try:
            with self._errors():
                stored = self._read_meta()
                if stored is None:
                    if not create:
                        raise StoreMissingError(f"no index at {self.location}; "
                                                "create it with `dedupe index add --index URL`")
                    stored = self._initialise()
            check_settings(stored, settings, self.location)
            self.lsh = self._make_lsh()
        except BaseException:
            self.close()
            raise

    # --- opening --------------------------------------------------------------

    def _read_meta(self) -> dict[str, Any] | None:
        """The settings record (with the format version of its own field), or
        None when there is none."""
        meta = self._redis.hgetall(self.keys.meta)
        if not meta:
            return None
        try:
            fields = {key.decode(): value.decode() for key, value in meta.items()}
            stored = json.loads(fields["settings"])
            if not isinstance(stored, dict):
                raise ValueError("not an object")
        except (KeyError, ValueError) as error:  # (UnicodeDecodeError is a ValueError)
            raise StoreCorruptError(f"{self.location}: index is damaged: settings record unreadable "
                                    f"({_one_line(error)})") from None
        version = fields.get("format_version")
        if version is not None:
            stored["format_version"] = int(version) if version.isdigit() else version
        return stored

    def _initialise(self) -> dict[str, Any]:
        """Write the settings record and counters in one transaction, or find
        that a process racing us already has."""
        record = index_settings(self.settings)
        fields = {"settings": json.dumps(record), "format_version": str(FORMAT_VERSION),
                  "created": _now(), "created_by": f"dedupe {__version__}"}
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
                    pipe.set(self.keys.sentence_count, 0, nx=True)
                    pipe.set(self.keys.eligible_count, 0, nx=True)
                    pipe.execute()
                    break
                except WatchError:
                    continue
        stored = self._read_meta()
        if stored is None:
            raise StoreError(f"{self.location}: could not create the index (its settings record vanished)")
        return stored

    def _make_lsh(self) -> Any:
        """datasketch's MinHashLSH over the index's Redis storage (no pickling)."""
        from datasketch import MinHashLSH
        from datasketch.storage import RedisListStorage, RedisSetStorage

        kwargs = self._redis.connection_pool.connection_kwargs
        config: dict[str, Any] = {name: kwargs[name] for name in ("host", "port", "db", "username", "password")
                                  if kwargs.get(name) is not None}
        config.update(socket_timeout=self.timeout, socket_connect_timeout=self.timeout)
        if urlsplit(self.url).scheme.lower() == "rediss":
            config["ssl"] = True
        lsh = MinHashLSH(num_perm=self.settings.num_perm, params=tuple(self.settings.index_bands),
                         storage_config={"type": "redis", "basename": self.keys.lsh_basename, "redis": config},
                         prepickle=False)
        usable = (not lsh.prepickle and isinstance(lsh.keys, RedisListStorage)
                  and all(isinstance(table, RedisSetStorage) for table in lsh.hashtables)
                  and callable(getattr(lsh, "_H", None)) and callable(getattr(lsh.keys, "_insert", None))
                  and callable(getattr(lsh.keys, "redis_key", None)))
        if not usable:
            raise StoreError(f"{self.location}: this datasketch's MinHashLSH Redis storage is not the layout "
                             "dedupe writes; install datasketch 2.x")
        return lsh

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
    def _snapshot(self) -> Iterator[None]:
        # Redis has no read snapshots (see "Reads" in the module docstring).
        with self._errors():
            yield

    def close(self) -> None:
        """Close the connections (ours and those of datasketch's storage
        objects, which connect only if ``lsh`` is used directly). Idempotent."""
        self._closed = True
        lsh = getattr(self, "lsh", None)
        storages = [lsh.keys, *lsh.hashtables] if lsh is not None else []
        for client in [getattr(self, "_redis", None), *(getattr(s, "_redis", None) for s in storages)]:
            if client is not None:
                try:
                    client.close()
                except Exception:  # noqa: BLE001 -- closing a dead connection may fail; nothing to do
                    pass

    # --- public operations ---------------------------------------------------

    def _add_many(self, articles: Sequence[Article],
                  prints: Sequence[Fingerprinted | None]) -> builtins.list[tuple[int, bool]]:
        """See :meth:`~dedupe.store.ArticleIndex.add_many`: (id, True) for each
        new article, (the existing id, False) for one with the same kind and
        text as one stored or earlier in the batch (its stored publisher is
        then left as it was). One transaction for the whole batch, all or
        nothing: see the module docstring."""
        digests = [content_hash(article) for article in articles]
        distinct = builtins.list(dict.fromkeys(digests))
        with self._errors():
            claimed = self._redis.mget([self.keys.hash(digest) for digest in distinct]) if distinct else []
            found = {digest: (int(value), False) for digest, value in zip(distinct, claimed) if value is not None}
            fresh: dict[str, _New] = {}
            for article, digest, given in zip(articles, digests, prints):
                if digest not in found and digest not in fresh:
                    fresh[digest] = _New(article, given if given is not None else fingerprint(article, self.settings),
                                         article_columns(article), body_hash(article))
            if fresh:
                found.update(self._write(fresh))
        results = []
        for digest in digests:
            results.append(found[digest])
            found[digest] = (found[digest][0], False)  # a repeat later in the batch is not new
        return results

    def _write(self, fresh: Mapping[str, _New]) -> dict[str, tuple[int, bool]]:
        """Store the articles of ``fresh`` (by content hash) in one
        transaction; (id, new) for each."""
        last = int(self._redis.incrby(self.keys.next_id, len(fresh)))
        ids = {digest: last - len(fresh) + 1 + n for n, digest in enumerate(fresh)}
        claims = [self.keys.hash(digest) for digest in fresh]
        for _ in range(_ATTEMPTS):
            with self._redis.pipeline() as pipe:
                try:
                    pipe.watch(*claims)
                    claimed = {digest: None if value is None else int(value)
                               for digest, value in zip(fresh, pipe.mget(claims))}
                    if any(claimed[digest] == ids[digest] for digest in fresh):
                        # Ours went through before a lost reply: all of it did.
                        return {digest: (ids[digest], True) if value in (None, ids[digest]) else (value, False)
                                for digest, value in claimed.items()}
                    taken = {digest: (value, False) for digest, value in claimed.items() if value is not None}
                    todo = [digest for digest in fresh if digest not in taken]
                    if not todo:  # other workers' adds won for every one
                        return taken
                    # Always under WATCH: when the connection drops during EXEC, redis-py then
                    # raises WatchError instead of sending the transaction again.
                    pipe.multi()
                    totals = _Totals()
                    for digest in todo:
                        new = fresh[digest]
                        _queue_article(pipe, self.keys, ids[digest], digest, new.body_hash, new.columns, new.prints)
                        _queue_lsh(pipe, self.lsh, ids[digest], new.prints)
                        totals.add(new.columns, new.prints)
                    _queue_totals(pipe, self.keys, totals)
                    pipe.execute()
                    return {**taken, **{digest: (ids[digest], True) for digest in todo}}
                except WatchError:
                    continue
        first = next(iter(fresh.values())).article.path
        what = first if len(fresh) == 1 else f"{len(fresh)} articles ({first}, ...)"
        raise StoreError(f"{self.location}: could not add {what}: the index kept changing under it")

    def remove(self, ids: Iterable[int]) -> builtins.list[int]:
        """Remove the articles with these ids, each in one transaction;
        return those that were there (the caller reports the others)."""
        removed = []
        with self._errors():
            for article_id in dict.fromkeys(int(i) for i in ids):
                if self._remove_one(article_id):
                    removed.append(article_id)
        return removed

    def _remove_one(self, article_id: int) -> bool:
        keys = self.keys
        for _ in range(_ATTEMPTS):
            with self._redis.pipeline() as pipe:
                try:
                    pipe.watch(keys.article(article_id))
                    fields = ("content_hash", "body_hash", "publisher", *_LOAD_FIELDS)
                    values = dict(zip(fields, pipe.hmget(keys.article(article_id), fields)))
                    if values["path"] is None:
                        pipe.unwatch()
                        return False
                    sentences = pipe.get(keys.sentences(article_id))
                    if sentences is None:
                        if pipe.exists(keys.article(article_id)):
                            raise StoreCorruptError(f"{self.location}: index is damaged: article {article_id} "
                                                    "has no sentences")
                        continue  # removed by another worker meanwhile
                    prints = fingerprint(_article(values), self.settings)
                    rows = [n for n, (_, _, eligible) in enumerate(json.loads(sentences)) if eligible]
                    bands = self._stored_bands(article_id, rows)
                    pipe.multi()
                    _queue_removal(pipe, keys, self.lsh, article_id, values, prints, rows, bands)
                    pipe.execute()
                    return True
                except WatchError:
                    continue
        raise StoreError(f"{self.location}: could not remove article {article_id}: the index kept changing")

    def _stored_bands(self, article_id: int, rows: Sequence[int]) -> builtins.list[builtins.list[bytes]]:
        """The band keys datasketch recorded for each of an article's LSH keys."""
        pipe = self._redis.pipeline(transaction=False)
        for row in rows:
            pipe.lrange(self.lsh.keys.redis_key(lsh_key(article_id, row)), 0, -1)
        return pipe.execute() if rows else []

    def articles(self) -> Iterator[StoredArticle]:
        """Every indexed article, oldest first, read in chunks (no texts)."""
        with self._errors():
            start = 0
            while True:
                ids = [int(i) for i in self._redis.zrange(self.keys.ids, start, start + _CHUNK - 1)]
                if not ids:
                    return
                pipe = self._redis.pipeline(transaction=False)
                for article_id in ids:
                    pipe.hmget(self.keys.article(article_id), _LIST_FIELDS)
                for article_id, values in zip(ids, pipe.execute()):
                    if values[0] is None:
                        continue  # removed meanwhile
                    path, title, publisher, date, words, digest, added = (_text(v) for v in values)
                    yield StoredArticle(article_id, path, title, publisher, date, int(words), digest, added)
                start += len(ids)

    def list(self) -> builtins.list[StoredArticle]:
        """Every indexed article, oldest first (see :meth:`articles` to stream)."""
        return builtins.list(self.articles())

    def publishers(self) -> set[str]:
        """The publishers of the indexed articles (as a check names them)."""
        with self._errors():
            return {_text(name) for name, count in self._redis.hgetall(self.keys.publishers).items()
                    if int(count) > 0}

    def stats(self) -> dict[str, object]:
        """See :func:`inspect_redis`."""
        with self._errors():
            return _inspect(self._redis, self.location, self.keys, self.settings)

    # --- lookup primitives -----------------------------------------------------

    def _colliding(self, signatures: np.ndarray) -> Counter[int]:
        """For each article with a sentence in one of the LSH buckets of these
        signatures: how many distinct (band, band key) buckets hold one of its
        sentences (several of its sentences in one bucket count once)."""
        lsh = self.lsh
        probes = {(band, lsh._H(signature[start:end]))
                  for signature in signatures for band, (start, end) in enumerate(lsh.hashranges)}
        names = [lsh.hashtables[band].redis_key(key) for band, key in probes]
        found: Counter[int] = Counter()
        with self._errors():
            for members in self._pipelined(names, lambda pipe, name: pipe.smembers(name)):
                found.update({int(_ID.match(member).group(1)) for member in members})
        return found

    def _same_text(self, ids: Collection[int]) -> builtins.list[int]:
        ids = builtins.list(ids)
        with self._errors():
            digests = self._pipelined(ids, lambda pipe, i: pipe.hget(self.keys.article(i), "body_hash"))
            present = {i for i, digest in zip(ids, digests) if digest is not None}
            distinct = builtins.list({digest.decode() for digest in digests if digest is not None})
            for members in self._pipelined(distinct, lambda pipe, d: pipe.smembers(self.keys.body(d))):
                present.update(int(member) for member in members)
        return sorted(present)

    def _load(self, ids: Sequence[int]) -> builtins.list[Article]:
        """The articles with these ids, in that order; one removed since the
        lookup found it is left out."""
        with self._errors():
            rows = self._pipelined(builtins.list(ids),
                                   lambda pipe, i: pipe.hmget(self.keys.article(i), _LOAD_FIELDS))
        return [_article(dict(zip(_LOAD_FIELDS, values))) for values in rows if values[0] is not None]

    def _frequencies(self, terms: Collection[str]) -> dict[str, int]:
        terms = builtins.list(terms)
        found: dict[str, int] = {}
        with self._errors():
            for start in range(0, len(terms), _CHUNK):
                chunk = terms[start:start + _CHUNK]
                for term, count in zip(chunk, self._redis.hmget(self.keys.terms, chunk)):
                    if count is not None and int(count) > 0:
                        found[term] = int(count)
        return found

    def _terms(self) -> Iterator[str]:
        with self._errors():
            for term, count in self._redis.hscan_iter(self.keys.terms, count=1000):
                if int(count) > 0:
                    yield _text(term)

    def _sentence_count(self) -> int:
        with self._errors():
            value = self._redis.get(self.keys.sentence_count)
        if value is None:
            raise StoreCorruptError(f"{self.location}: index is damaged: no sentence count")
        return int(value)

    def _pipelined(self, items: Sequence[Any], queue: Any) -> builtins.list[Any]:
        """``queue(pipe, item)`` for every item, sent in chunks; the replies in order."""
        replies: builtins.list[Any] = []
        for start in range(0, len(items), _CHUNK):
            pipe = self._redis.pipeline(transaction=False)
            for item in items[start:start + _CHUNK]:
                queue(pipe, item)
            replies.extend(pipe.execute())
        return replies


# ---------------------------------------------------------------------------
# Writing (module-level steps queued on one MULTI/EXEC transaction)
# ---------------------------------------------------------------------------


class _New(NamedTuple):
    """An article to add, with what is stored of it."""

    article: Article
    prints: Fingerprinted
    columns: dict[str, Any]
    body_hash: str


class _Totals:
    """What the articles of one transaction add to the shared counts."""

    def __init__(self) -> None:
        self.terms: Counter[str] = Counter()
        self.publishers: Counter[str] = Counter()
        self.sentences = 0
        self.eligible = 0

    def add(self, columns: Mapping[str, Any], prints: Fingerprinted) -> None:
        self.terms.update(prints.frequencies)
        if columns.get("publisher"):
            self.publishers[columns["publisher"]] += 1
        self.sentences += len(prints.sentences)
        self.eligible += len(prints.eligible_rows)


def _queue_article(pipe: Any, keys: _Keys, article_id: int, digest: str, text_digest: str,
                   columns: dict[str, Any], prints: Fingerprinted) -> None:
    """Queue an article's own keys and its ``{p}:hash:`` claim (the counts
    shared by all articles are queued by :func:`_queue_totals`)."""
    stored = {name: str(value) for name, value in columns.items() if value is not None}
    stored.update(content_hash=digest, body_hash=text_digest, added=_now(),
                  sentence_count=str(len(prints.sentences)), eligible_count=str(len(prints.eligible_rows)))
    pipe.hset(keys.article(article_id), mapping=stored)
    pipe.set(keys.sentences(article_id), json.dumps(
        [[span.start, span.end, int(ok)] for span, ok in zip(prints.sentences, prints.eligible)]))
    pipe.set(keys.signatures(article_id), b"".join(signature_bytes(row) for row in prints.signatures))
    pipe.sadd(keys.body(text_digest), article_id)
    pipe.zadd(keys.ids, {str(article_id): article_id})
    pipe.set(keys.hash(digest), article_id)


def _queue_totals(pipe: Any, keys: _Keys, totals: _Totals) -> None:
    """Queue the term, publisher and sentence counts of a transaction's articles."""
    for term, count in totals.terms.items():
        pipe.hincrby(keys.terms, term, count)
    for publisher, count in totals.publishers.items():
        pipe.hincrby(keys.publishers, publisher, count)
    pipe.incrby(keys.sentence_count, totals.sentences)
    pipe.incrby(keys.eligible_count, totals.eligible)


def _queue_lsh(pipe: Any, lsh: Any, article_id: int, prints: Fingerprinted) -> None:
    """Queue the LSH entries of an article's eligible sentences: what
    ``MinHashLSH.insert(key, LeanMinHash(signature))`` writes, through
    datasketch's own storage objects, onto ``pipe`` instead of their
    connections (so they join the add's transaction)."""
    for row, signature in zip(prints.eligible_rows, prints.signatures):
        key = lsh_key(article_id, row)
        bands = [lsh._H(signature[start:end]) for start, end in lsh.hashranges]
        lsh.keys._insert(pipe, key, *bands)
        for band, table in zip(bands, lsh.hashtables):
            table._insert(pipe, band, key)


def _queue_removal(pipe: Any, keys: _Keys, lsh: Any, article_id: int, values: dict[str, Any],
                   prints: Fingerprinted, rows: Sequence[int], bands: Sequence[Sequence[bytes]]) -> None:
    """Queue the removal of everything :func:`_queue_article` and
    :func:`_queue_lsh` wrote for an article."""
    for row, keys_of_row in zip(rows, bands):
        key = lsh_key(article_id, row)
        if keys_of_row:
            names = [table.redis_key(band) for band, table in zip(keys_of_row, lsh.hashtables)]
            tables = [table._name for table in lsh.hashtables[: len(keys_of_row)]]
            pipe.execute_command("EVAL", _UNBUCKET, 2 * len(names), *names, *tables, key, *keys_of_row)
        pipe.hdel(lsh.keys._name, key)
        pipe.delete(lsh.keys.redis_key(key))
    if prints.frequencies:
        pipe.execute_command("EVAL", _UNCOUNT, 1, keys.terms,
                             *(item for term, count in prints.frequencies.items() for item in (term, count)))
    if values["publisher"] is not None:
        pipe.execute_command("EVAL", _UNCOUNT, 1, keys.publishers, values["publisher"], 1)
    pipe.incrby(keys.sentence_count, -len(prints.sentences))
    pipe.incrby(keys.eligible_count, -len(rows))
    pipe.srem(keys.body(_text(values["body_hash"])), article_id)
    pipe.zrem(keys.ids, str(article_id))
    pipe.delete(keys.article(article_id), keys.sentences(article_id), keys.signatures(article_id),
                keys.hash(_text(values["content_hash"])))


# ---------------------------------------------------------------------------
# Reading
# ---------------------------------------------------------------------------


def _text(value: bytes | None) -> str | None:
    return None if value is None else value.decode("utf-8", "surrogatepass")


def _article(values: dict[str, Any]) -> Article:
    text = {name: _text(values[name]) for name in _LOAD_FIELDS}
    return article_from_columns(text["path"], text["text"], text["body"], text["debris"], text["kind"],
                                text["title"], text["metadata"])


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def inspect_redis(url: str, settings: Settings = DEFAULT_SETTINGS,
                  timeout: float = DEFAULT_TIMEOUT) -> dict[str, object]:
    """What ``dedupe index stats`` shows for a Redis index, in any state:
    counts (``eligible_sentences``: the fingerprinted sentences, each an LSH
    key; ``buckets``: their entries in the LSH's band sets, ``b`` each), the
    settings record, ``settings_match`` and ``integrity`` ("ok" or what is
    wrong, one line). Raises :class:`StoreMissingError` when there
    is no index under the prefix, :class:`RedisUnavailableError` when the
    server cannot be reached, :class:`StoreURLError` for a bad URL."""
    parsed = parse_redis_url(url)
    if redis is None:
        raise StoreURLError(f"index URL {parsed.display!r}: Redis support needs the redis package: "
                            "pip install 'dedupe-provenance[redis]'")
    client = redis.Redis.from_url(parsed.client_url, socket_timeout=timeout, socket_connect_timeout=timeout,
                                  retry=Retry(ExponentialBackoff(cap=0.5, base=0.05), _RETRIES))
    keys = _Keys(parsed.prefix)
    try:
        try:
            if not client.exists(keys.meta, *keys.counters()):
                raise StoreMissingError(f"no index at {parsed.display}; create it with `dedupe index add --index URL`")
            return _inspect(client, parsed.display, keys, settings)
        except redis.exceptions.RedisError as error:
            raise _translate(parsed.display, error) from None
    finally:
        client.close()


def _inspect(client: Any, display: str, keys: _Keys, settings: Settings) -> dict[str, object]:
    report: dict[str, object] = {"location": display, "backend": "redis", "prefix": keys.prefix}
    problems: builtins.list[str] = []
    try:
        server = client.info("server")
        memory = client.info("memory")
        report["redis_version"] = server.get("redis_version")
        report["server_memory_bytes"] = memory.get("used_memory")
        meta = {key.decode(): value.decode() for key, value in client.hgetall(keys.meta).items()}
        if not meta:
            problems.append("no settings record: not a dedupe index")
        else:
            try:
                stored = json.loads(meta.get("settings", ""))
                version = meta.get("format_version", "")
                stored["format_version"] = int(version) if version.isdigit() else version
                report.update(settings_report({**stored, "created": meta.get("created")}, settings, display))
            except (ValueError, AttributeError, TypeError) as error:
                problems.append(f"settings record unreadable: {_one_line(error)}")
        pipe = client.pipeline(transaction=False)
        pipe.zcard(keys.ids)
        pipe.get(keys.sentence_count)
        pipe.get(keys.eligible_count)
        pipe.hlen(keys.terms)
        pipe.hlen(keys.lsh_basename + b"_keys")
        articles, sentences, eligible, terms, lsh_keys = pipe.execute()
        # The LSH's bands are the index's (its record), whatever these settings say.
        bands = _stored_bands_count(report.get("settings"), settings)
        report.update(articles=articles, sentences=int(sentences or 0), eligible_sentences=int(eligible or 0),
                      buckets=bands * lsh_keys, terms=terms)
        if lsh_keys != int(eligible or 0):
            problems.append(f"LSH holds {lsh_keys} sentences, the counter says {int(eligible or 0)}")
        missing = _missing_articles(client, keys)
        if missing:
            problems.append(f"{missing} listed article(s) missing")
    except redis.exceptions.ResponseError as error:
        problems.append(_one_line(error))
    report["integrity"] = "ok" if not problems else "; ".join(problems)
    return report


def _stored_bands_count(stored: object, settings: Settings) -> int:
    """Bands of the index's LSH: from its settings record when readable, else ``settings``'."""
    if isinstance(stored, dict):
        banding = stored.get("index_bands")
        if isinstance(banding, list) and len(banding) == 2 and isinstance(banding[0], int) and banding[0] > 0:
            return banding[0]
    return settings.index_bands[0]


def _missing_articles(client: Any, keys: _Keys) -> int:
    missing, start = 0, 0
    while True:
        ids = client.zrange(keys.ids, start, start + _CHUNK - 1)
        if not ids:
            return missing
        pipe = client.pipeline(transaction=False)
        for article_id in ids:
            pipe.exists(keys.article(int(article_id)))
        missing += sum(1 for found in pipe.execute() if not found)
        start += len(ids)


def open_redis(url: str, settings: Settings = DEFAULT_SETTINGS, create: bool = False,
               timeout: float = DEFAULT_TIMEOUT) -> RedisIndex:
    """What :func:`dedupe.store.open_index` calls for ``redis://`` and ``rediss://`` URLs."""
    return RedisIndex(url, settings, create=create, timeout=timeout)

