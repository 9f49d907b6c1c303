"""The SQLite backend of the index (:mod:`dedupe.store`), standard library only.

**Tables.** ``meta`` holds the record (one row per key of
:func:`dedupe.store.base.index_record`, JSON values) and the running counts of
indexed and fingerprinted sentences. ``articles`` holds each article as
cleaned: text, body spans, debris and metadata (JSON), the publisher a
check names, its sentences (offsets and whether long enough to
fingerprint, packed little-endian int32 triples), and two hashes:
``content_hash`` (kind and text: what makes an article the same one,
unique) and ``body_hash`` (cleaned text: what ``compare_against`` compares
once). ``buckets`` has one row per distinct index key of each article
(:func:`dedupe.fingerprints.index_keys`), keyed ``(generation, key, article_id)``;
``terms`` the number of indexed sentences each content term occurs in, for
term weights over the whole archive.

**Why generations.** Index keys are random 64-bit numbers. In one B-tree
ordered by key, every batch of adds would touch pages all over a table of
a hundred million rows (at a million articles), and each commit would
rewrite most of them into the write-ahead log. Leading the key with the
article's generation (its id divided by :data:`GENERATION_SIZE`) keeps each
batch's inserts in the newest part of the tree (at most some 15 million
rows, 300 MB), sorted; a lookup then seeks each probe key once per
generation (eight at a million articles).

**Writes.** Each ``add_many`` (and ``add``, a batch of one) and ``remove``
is one ``BEGIN IMMEDIATE`` transaction: the articles' rows, buckets and term
counts are all there or none is, whatever stops the process (Ctrl-C, a
kill, a crash). Fingerprints are computed before the transaction, so the
write lock is held only for the inserts. A writer waits up to ``timeout``
seconds for another one, then raises :class:`~dedupe.store.base.StoreLockedError`.
The signatures themselves are not stored (half a kilobyte per sentence,
fifteen gigabytes at a million articles): a check recomputes them for the
few shortlisted articles, and removing an article recomputes its keys from
its text.

**Why WAL.** In write-ahead-log mode readers never block the writer and the
writer never blocks readers: several processes can check candidates while
one adds. ``synchronous=NORMAL`` keeps commits fast; a power cut may lose the
last commits, never the consistency of the file.

**Lookups.** A check's lookups run in one read transaction
(:meth:`SQLiteIndex.snapshot`: a consistent view while writers go on): the
candidates' index keys go into a temporary table that is joined with
``buckets`` (each key sought in each generation), only the shortlisted
articles are loaded, and term frequencies are read for the terms in play.
Opening reads the record and nothing else.

**Checks on open.** The file must start with the SQLite header and, when no
write-ahead log is pending, be as long as its header says (a truncated copy
is caught before SQLite reads a missing page); the ``meta`` record must be
there, of this format version, and fit the settings given (see
:func:`dedupe.store.base.settings_from_record`). Any SQLite error that says
the file is damaged becomes :class:`~dedupe.store.base.StoreCorruptError`
naming the file; :func:`inspect` reports on a damaged file as far as it can
be read.

**Threads.** An :class:`SQLiteIndex` may be shared by threads: each thread
gets its own connection on first use (reads run in parallel; SQLite's lock
serialises writes). :meth:`SQLiteIndex.close` closes them all; call it when
no thread uses the index any more.

>>> import tempfile, os
>>> from dedupe.cleaning import clean_text
>>> from dedupe.store.base import IndexEntry
>>> path = os.path.join(tempfile.mkdtemp(), "index.db")
>>> with SQLiteIndex(path, create=True) as index:
...     index.add_many([IndexEntry(clean_text("Rain fell in Oslo on Friday.", "oslo.txt"), None),
...                     IndexEntry(clean_text("Rain fell in Oslo on Friday.", "again.txt"), None)])
...     [a.path for a in index.articles()]
[(1, True), (1, False)]
['oslo.txt']
"""

from __future__ import annotations

import itertools
import json
import os
import sqlite3
import struct
import threading
from collections import Counter
from collections.abc import Collection, Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from dedupe import __version__
from dedupe.fingerprints import Fingerprinted, fingerprint
from dedupe.model import Article, Span, StoredArticle
from dedupe.settings import DEFAULT_SETTINGS, Settings
from dedupe.store.base import (
    DEFAULT_TIMEOUT,
    IndexEntry,
    StoreCorruptError,
    StoreError,
    StoreLockedError,
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

if TYPE_CHECKING:
    import numpy as np

SQLITE_HEADER = b"SQLite format 3\x00"
_HEADER_BYTES = 100
_WAL_MODE = 2  # header bytes 18 and 19 (read and write format versions) in WAL mode
#: Bound parameters per statement; well under every SQLite build's limit.
_CHUNK = 500
#: Page cache per connection (KiB) and WAL pages between checkpoints.
_CACHE_KIB = 131072
_CHECKPOINT_PAGES = 20000
#: Articles per generation of ``buckets`` (see the module docstring): about
#: fifteen million key rows, some 300 MB, at the default banding.
GENERATION_BITS = 17
GENERATION_SIZE = 1 << GENERATION_BITS
#: Characters of ``PRAGMA quick_check`` findings kept in a one-line report.
_CHECK_CHARS = 240
#: An index up to this size is checked (``PRAGMA quick_check``, about a
#: second per 500 MB here) before this process first writes to it, so that
#: nothing is added to or removed from a damaged file. A larger one is
#: checked only where SQLite reads it; ``dedupe index stats`` checks it all.
VERIFY_MAX_BYTES = 256 * 1024 * 1024
#: What ``stats`` counts: report key -> table.
_COUNTED = {"articles": "articles", "buckets": "buckets", "terms": "terms"}
_SENTENCES_KEY = "sentences"
_ELIGIBLE_KEY = "eligible_sentences"

SCHEMA = (
    "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    """CREATE TABLE articles (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        content_hash TEXT UNIQUE NOT NULL,
        body_hash TEXT NOT NULL,
        path TEXT NOT NULL,
        title TEXT,
        publisher TEXT,
        date TEXT,
        kind TEXT NOT NULL,
        words INTEGER NOT NULL,
        sentence_count INTEGER NOT NULL,
        added TEXT NOT NULL,
        text TEXT NOT NULL,
        body TEXT NOT NULL,
        debris TEXT NOT NULL,
        metadata TEXT NOT NULL,
        sentences BLOB NOT NULL)""",
    "CREATE INDEX articles_body_hash ON articles (body_hash)",
    "CREATE INDEX articles_publisher ON articles (publisher)",
    """CREATE TABLE buckets (
        generation INTEGER NOT NULL,
        key INTEGER NOT NULL,
        article_id INTEGER NOT NULL,  -- no REFERENCES: deleting an article would scan the table
        PRIMARY KEY (generation, key, article_id)) WITHOUT ROWID""",
    "CREATE TABLE terms (term TEXT PRIMARY KEY, df INTEGER NOT NULL) WITHOUT ROWID",
)
_PROBE_TABLE = "CREATE TEMP TABLE IF NOT EXISTS probe (key INTEGER PRIMARY KEY)"
# Each probe key sought in each generation that holds keys: a recursive CTE hops from one generation
# to the next through the primary key (one seek each), so an id far beyond the others (a crafted or
# damaged row near 2**63) costs one more generation, not 2**43 empty ones.
_LOOKUP = ("WITH RECURSIVE generation (n) AS (SELECT min(generation) FROM buckets UNION ALL "
           "SELECT (SELECT min(generation) FROM buckets WHERE generation > g.n) FROM generation AS g "
           "WHERE g.n IS NOT NULL) "
           "SELECT b.article_id FROM temp.probe AS p CROSS JOIN generation AS g CROSS JOIN buckets AS b "
           "ON b.generation = g.n AND b.key = p.key")
_LIST_COLUMNS = "id, path, title, publisher, date, words, content_hash, added"
_ARTICLE_COLUMNS = "id, path, text, body, debris, kind, title, metadata"
# The distinct publishers by hopping through the publisher index (one lookup per publisher):
# SELECT DISTINCT walks every article, about 45 ms on every check of a million-article index.
_DISTINCT_PUBLISHERS = """
WITH RECURSIVE found(publisher) AS (
    SELECT min(publisher) FROM articles
    UNION ALL
    SELECT (SELECT min(publisher) FROM articles WHERE publisher > found.publisher)
    FROM found WHERE found.publisher IS NOT NULL
)
SELECT publisher FROM found"""


class SQLiteIndex:
    """An index in one SQLite file (see the module docstring); an
    :class:`~dedupe.store.base.IndexBackend`.

    ``settings`` None takes the index's recorded settings (and makes a new
    index with the defaults). Raises
    :class:`~dedupe.store.base.StoreMissingError` when ``path`` does not
    exist and ``create`` is false, and the other
    :class:`~dedupe.store.base.StoreError` kinds when the file is not a
    usable index for ``settings``.
    """

    def __init__(self, path: str | os.PathLike[str], settings: Settings | None = None, *,
                 create: bool = False, timeout: float = DEFAULT_TIMEOUT) -> None:
        self.path = os.fspath(path)
        self.location = self.path
        self.settings = settings or DEFAULT_SETTINGS
        self.timeout = timeout
        self._local = threading.local()
        self._connections: list[sqlite3.Connection] = []
        self._lock = threading.Lock()
        self._closed = False
        self._verified = False
        self.read_only = False
        try:
            self._open(settings, create)
        except BaseException:
            self.close()
            raise

    # --- opening --------------------------------------------------------------

    def _open(self, settings: Settings | None, create: bool) -> None:
        if self.path.strip() in ("", ":memory:") or self.path.startswith("file:"):
            # SQLite would open a throwaway database that vanishes with the process: every add lost
            raise StoreURLError(f"{self.path!r} is not an index file: give a file path (an unset variable?)")
        if os.path.isdir(self.path):
            raise StoreURLError(f"{self.path}: is a directory, not an index file")
        # SQLite in WAL mode must create a -shm file beside the index even to read it; where the
        # folder cannot be written (a read-only mount, an archive shared read-only) the index is
        # opened immutable: it can be checked against, not changed.
        self.read_only = os.path.exists(self.path) and not os.access(os.path.dirname(self.path) or ".", os.W_OK)
        if not os.path.exists(self.path):
            if not create:
                raise StoreMissingError(f"no index at {self.path}; create it with `dedupe index add`")
            folder = os.path.dirname(self.path) or "."
            try:
                os.makedirs(folder, exist_ok=True)
            except OSError as error:
                raise StoreError(f"{folder}: cannot create the index folder: {error.strerror or error}") from None
        else:
            problem = file_problem(self.path)
            if problem:
                raise StoreCorruptError(f"{self.path}: {problem}")
        with self._errors():
            stored = _read_meta(self._connection())
            if stored is None:
                if not create:
                    if not _has_tables(self._connection()):
                        # An empty file, or one another process is creating an index in (not yet
                        # committed): no index so far, as for a missing file; `create` makes one here.
                        raise StoreMissingError(f"no index at {self.path} (an empty database); "
                                                "create it with `dedupe index add`")
                    raise StoreCorruptError(f"{self.path}: not a dedupe index (no settings record)")
                stored = self._initialise(settings)
            self.settings = settings_from_record(stored, settings, self.path)

    def _initialise(self, settings: Settings | None) -> dict[str, Any]:
        """Create the schema and settings record in one transaction (or find
        that a process racing us already has)."""
        connection = self._connection()
        if connection.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
            connection.execute("PRAGMA journal_mode=WAL")
        with self._write() as connection:
            stored = _read_meta(connection)
            if stored is not None:
                return stored
            if connection.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]:
                raise StoreCorruptError(f"{self.path}: an SQLite database, but not a dedupe index")
            for statement in SCHEMA:
                connection.execute(statement)
            record: dict[str, Any] = {**index_record(settings or DEFAULT_SETTINGS), _SENTENCES_KEY: 0,
                                      _ELIGIBLE_KEY: 0, "created": now(), "created_by": f"dedupe {__version__}"}
            connection.executemany("INSERT INTO meta (key, value) VALUES (?, ?)",
                                   [(key, json.dumps(value)) for key, value in record.items()])
            return record

    # --- connections and transactions ----------------------------------------

    def _connection(self) -> sqlite3.Connection:
        if self._closed:
            raise StoreError(f"{self.path}: index is closed")
        connection: sqlite3.Connection | None = getattr(self._local, "connection", None)
        if connection is None:
            with self._errors():
                target = f"file:{quote(os.path.abspath(self.path))}?mode=ro&immutable=1" \
                    if self.read_only else self.path
                connection = sqlite3.connect(target, timeout=self.timeout, isolation_level=None,
                                             check_same_thread=False, uri=self.read_only)
                connection.execute("PRAGMA synchronous=NORMAL")
                # Adds touch bucket pages with random keys all over the
                # newest generation: a larger page cache, and checkpoints
                # every few thousand pages rather than on nearly every
                # commit, keep that work in memory. Both are per-connection
                # tuning, not format.
                connection.execute(f"PRAGMA cache_size=-{_CACHE_KIB}")
                connection.execute(f"PRAGMA wal_autocheckpoint={_CHECKPOINT_PAGES}")
            with self._lock:
                self._connections.append(connection)
            self._local.connection = connection
        return connection

    @contextmanager
    def _errors(self) -> Iterator[None]:
        """Turn SQLite's exceptions into one-line :class:`StoreError`\\ s naming the file."""
        try:
            yield
        except sqlite3.ProgrammingError:
            raise
        except sqlite3.OperationalError as error:
            raise _operational(self.path, error, self.timeout) from None
        except sqlite3.DatabaseError as error:
            raise StoreCorruptError(f"{self.path}: index is damaged: {error}") from None

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One ``BEGIN IMMEDIATE`` transaction: committed if the block ends,
        rolled back if anything (even KeyboardInterrupt) leaves it."""
        connection = self._connection()
        if not self._verified:
            self._verified = True
            if os.path.getsize(self.path) <= VERIFY_MAX_BYTES:
                with self._errors():
                    problem = _quick_check(connection)
                if problem:
                    raise StoreCorruptError(f"{self.path}: index is damaged ({problem}); nothing was written. "
                                            "Rebuild it, or restore a copy")
        with self._errors():
            connection.execute("BEGIN IMMEDIATE")
            try:
                yield connection
                connection.execute("COMMIT")
            except BaseException:
                if connection.in_transaction:
                    connection.execute("ROLLBACK")
                raise

    @contextmanager
    def snapshot(self) -> Iterator[None]:
        """One read transaction: the lookups of a check see one state of the index."""
        connection = self._connection()
        if connection.in_transaction:
            yield
            return
        with self._errors():
            connection.execute("BEGIN")
            try:
                yield
            finally:
                if connection.in_transaction:
                    connection.execute("COMMIT")

    def close(self) -> None:
        """Close every thread's connection. Idempotent."""
        with self._lock:
            self._closed = True
            connections, self._connections = self._connections, []
        for connection in connections:
            try:
                connection.close()
            except sqlite3.Error:
                pass

    # --- public operations ---------------------------------------------------

    def add_many(self, entries: Sequence[IndexEntry]) -> list[tuple[int, bool]]:
        """See :meth:`~dedupe.store.base.IndexBackend.add_many`: one
        transaction for the whole batch."""
        import numpy as np  # here, not at the top: listing an index needs no numpy

        digests = [content_hash(entry.article) for entry in entries]
        with self._errors():
            stored = _find(self._connection(), digests)
        prints = [entry.prints if entry.prints is not None or digest in stored
                  else fingerprint(entry.article, self.settings) for entry, digest in zip(entries, digests)]
        results: list[tuple[int, bool]] = []
        with self._write() as connection:
            stored = _find(connection, digests)
            owners: list[np.ndarray] = []
            counted: list[Fingerprinted] = []
            sentences = eligible = 0
            for entry, digest, found in zip(entries, digests, prints):
                if digest in stored:
                    results.append((stored[digest], False))
                    continue
                if found is None:  # stored at the first look, removed since
                    found = fingerprint(entry.article, self.settings)
                article_id = _insert_article(connection, digest, body_hash(entry.article),
                                             article_columns(entry.article, entry.publisher), found)
                stored[digest] = article_id
                results.append((article_id, True))
                owners.append(np.full(len(found.keys), article_id, dtype=np.int64))
                counted.append(found)
                sentences += len(found.sentences)
                eligible += found.eligible_count
            if counted:
                # In (generation, key) order the inserts walk the tree once.
                keys = np.concatenate([p.keys for p in counted])
                ids = np.concatenate(owners)
                order = np.lexsort((ids, keys, ids >> GENERATION_BITS))
                _insert_buckets(connection, list(zip((ids[order] >> GENERATION_BITS).tolist(),
                                                     keys[order].tolist(), ids[order].tolist())))
            # Counted in C over every term occurrence of the batch.
            frequencies = Counter(itertools.chain.from_iterable(p.frequencies.elements() for p in counted))
            _count_terms(connection, frequencies, 1)
            _count_sentences(connection, sentences, eligible)
        return results

    def remove(self, ids: Iterable[int]) -> list[int]:
        """Remove the articles with these ids, in one transaction; return
        those that were there (the caller reports the others)."""
        removed = []
        with self._write() as connection:
            for article_id in dict.fromkeys(int(i) for i in ids):
                found = _load_rows(connection, [article_id], self.location)
                if not found:
                    continue
                prints = fingerprint(found[article_id], self.settings)
                _count_terms(connection, prints.frequencies, -1)
                _count_sentences(connection, -len(prints.sentences), -prints.eligible_count)
                connection.executemany(
                    "DELETE FROM buckets WHERE generation = ? AND key = ? AND article_id = ?",
                    [(article_id >> GENERATION_BITS, key, article_id) for key in prints.keys.tolist()])
                connection.execute("DELETE FROM articles WHERE id = ?", (article_id,))
                removed.append(article_id)
        return removed

    def articles(self) -> Iterator[StoredArticle]:
        """Every indexed article, oldest first, read with a cursor (no texts)."""
        connection = self._connection()
        with self._errors():
            for row in connection.execute(f"SELECT {_LIST_COLUMNS} FROM articles ORDER BY id"):
                yield StoredArticle(*row)

    def publishers(self) -> set[str]:
        connection = self._connection()
        with self._errors():
            return {row[0] for row in connection.execute(_DISTINCT_PUBLISHERS) if row[0] is not None}

    def stats(self) -> dict[str, object]:
        """See :func:`inspect`."""
        self._connection()  # raises if closed
        return inspect(self.path, self.timeout)

    # --- lookups -------------------------------------------------------------------

    def colliding(self, keys: np.ndarray) -> Counter[int]:
        probes = sorted(set(keys.ravel().tolist()))
        connection = self._connection()
        with self._errors():
            last = connection.execute("SELECT max(id) FROM articles").fetchone()[0]
            if last is None or not probes:
                return Counter()
            connection.execute(_PROBE_TABLE)
            connection.execute("DELETE FROM temp.probe")
            connection.executemany("INSERT INTO temp.probe (key) VALUES (?)", [(key,) for key in probes])
            # CROSS JOINs keep the probe (small) as the outer loop: one seek
            # of buckets per key and generation. Rows are distinct (key,
            # article) pairs, so counting them counts shared keys.
            found = Counter(row[0] for row in connection.execute(_LOOKUP))
            connection.execute("DELETE FROM temp.probe")
        return found

    def same_text(self, ids: Collection[int]) -> list[int]:
        connection = self._connection()
        with self._errors():
            hashes = _select_in(connection, "SELECT DISTINCT body_hash FROM articles WHERE id IN ({})", list(ids))
            found = _select_in(connection, "SELECT id FROM articles WHERE body_hash IN ({})",
                               [row[0] for row in hashes])
        return sorted({row[0] for row in found})

    def load(self, ids: Sequence[int]) -> list[Article]:
        with self._errors():
            rows = _load_rows(self._connection(), ids, self.location)
        return [rows[i] for i in ids if i in rows]

    def frequencies(self, terms: Collection[str]) -> dict[str, int]:
        with self._errors():
            return dict(_select_in(self._connection(), "SELECT term, df FROM terms WHERE term IN ({})", list(terms)))

    def terms(self) -> Iterator[str]:
        connection = self._connection()
        with self._errors():
            for (term,) in connection.execute("SELECT term FROM terms"):
                yield term

    def sentence_count(self) -> int:
        with self._errors():
            row = self._connection().execute("SELECT value FROM meta WHERE key = ?", (_SENTENCES_KEY,)).fetchone()
        if row is None:
            raise StoreCorruptError(f"{self.path}: index is damaged: no sentence count")
        return int(json.loads(row[0]))

    def __enter__(self) -> SQLiteIndex:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def connect(location: str, settings: Settings | None, create: bool, timeout: float) -> SQLiteIndex:
    """What :func:`dedupe.store.open_backend` calls for SQLite URLs and paths."""
    return SQLiteIndex(location, settings, create=create, timeout=timeout)


# ---------------------------------------------------------------------------
# Writing one article (module-level steps of one transaction)
# ---------------------------------------------------------------------------


def _find(connection: sqlite3.Connection, digests: Sequence[str]) -> dict[str, int]:
    """The ids of the stored articles among these content hashes."""
    rows = _select_in(connection, "SELECT content_hash, id FROM articles WHERE content_hash IN ({})",
                      list(dict.fromkeys(digests)))
    return {digest: int(article_id) for digest, article_id in rows}


def _insert_article(connection: sqlite3.Connection, digest: str, text_digest: str, columns: dict[str, Any],
                    prints: Fingerprinted) -> int:
    values = {**columns, "content_hash": digest, "body_hash": text_digest, "sentence_count": len(prints.sentences),
              "sentences": sentence_blob(prints.sentences, prints.eligible), "added": now()}
    names = ", ".join(values)
    marks = ", ".join(f":{name}" for name in values)
    cursor = connection.execute(f"INSERT INTO articles ({names}) VALUES ({marks})", values)
    return int(cursor.lastrowid or 0)


def sentence_blob(sentences: Sequence[Span], eligible: Sequence[bool]) -> bytes:
    """Sentences as stored: (start, end, eligible) little-endian int32 triples.

    >>> sentence_spans(sentence_blob([Span(0, 12), Span(13, 20)], [True, False]))
    [(Span(start=0, end=12), True), (Span(start=13, end=20), False)]
    """
    values = [value for span, ok in zip(sentences, eligible) for value in (span.start, span.end, int(ok))]
    return struct.pack(f"<{len(values)}i", *values)


def sentence_spans(blob: bytes) -> list[tuple[Span, bool]]:
    """The inverse of :func:`sentence_blob`."""
    values = struct.unpack(f"<{len(blob) // 4}i", blob)
    return [(Span(start, end), bool(ok)) for start, end, ok in zip(values[0::3], values[1::3], values[2::3])]


def _insert_buckets(connection: sqlite3.Connection, rows: Sequence[tuple[int, int, int]]) -> None:
    connection.executemany("INSERT OR IGNORE INTO buckets (generation, key, article_id) VALUES (?, ?, ?)", rows)


def _count_terms(connection: sqlite3.Connection, frequencies: Counter[str], sign: int) -> None:
    """Add (``sign`` 1) or take away (-1) an article's term frequencies."""
    connection.executemany(
        "INSERT INTO terms (term, df) VALUES (?, ?) ON CONFLICT (term) DO UPDATE SET df = df + excluded.df",
        [(term, sign * count) for term, count in frequencies.items()])
    if sign < 0:
        connection.executemany("DELETE FROM terms WHERE term = ? AND df <= 0", [(term,) for term in frequencies])


def _count_sentences(connection: sqlite3.Connection, sentences: int, eligible: int) -> None:
    connection.executemany("UPDATE meta SET value = CAST(value AS INTEGER) + ? WHERE key = ?",
                           [(sentences, _SENTENCES_KEY), (eligible, _ELIGIBLE_KEY)])


# ---------------------------------------------------------------------------
# Reading
# ---------------------------------------------------------------------------


def _has_tables(connection: sqlite3.Connection) -> bool:
    """Whether the database holds any table (committed): an empty one is no index yet."""
    return connection.execute("SELECT 1 FROM sqlite_master LIMIT 1").fetchone() is not None


def _read_meta(connection: sqlite3.Connection) -> dict[str, Any] | None:
    """The settings record, or None when the database has no ``meta`` table."""
    if connection.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'meta'").fetchone() is None:
        return None
    record = {}
    for key, value in connection.execute("SELECT key, value FROM meta"):
        try:
            record[key] = json.loads(value)
        except (TypeError, ValueError):
            raise sqlite3.DatabaseError(f"meta value of {key!r} is not JSON") from None
    return record


def _load_rows(connection: sqlite3.Connection, ids: Sequence[int], location: str) -> dict[int, Article]:
    rows = _select_in(connection, f"SELECT {_ARTICLE_COLUMNS} FROM articles WHERE id IN ({{}})", list(ids))
    return {article_id: article_from_columns(path, text, body, debris, kind, title, metadata, location=location)
            for article_id, path, text, body, debris, kind, title, metadata in rows}


def _select_in(connection: sqlite3.Connection, query: str, values: Sequence[Any]) -> list[tuple[Any, ...]]:
    """Rows of ``query`` (with ``{}`` where the IN list goes) over ``values``, in chunks."""
    rows: list[tuple[Any, ...]] = []
    for start in range(0, len(values), _CHUNK):
        chunk = values[start:start + _CHUNK]
        rows.extend(connection.execute(query.format(", ".join("?" * len(chunk))), chunk))
    return rows


def _operational(path: str, error: sqlite3.OperationalError, timeout: float) -> StoreError:
    message = str(error)
    if "readonly database" in message:
        return StoreError(f"{path}: the index is read-only here (its file or folder cannot be written): "
                          "it can be checked against, not changed")
    if "locked" in message or "busy" in message:
        return StoreLockedError(f"{path}: index is locked by another writer (waited {timeout:g} s); try again later")
    if message.startswith(("no such table", "no such column")):
        return StoreCorruptError(f"{path}: not a complete dedupe index ({message})")
    return StoreError(f"{path}: {message}")


# ---------------------------------------------------------------------------
# Checking a file without trusting it
# ---------------------------------------------------------------------------


def file_problem(path: str) -> str | None:
    """What is wrong with the file at ``path`` as an SQLite database, judged
    from its header and size alone; None if nothing shows.

    >>> import tempfile
    >>> with tempfile.NamedTemporaryFile(suffix=".db", delete=False) as junk:
    ...     _ = junk.write(b"<html>not a database</html>" * 10)
    >>> file_problem(junk.name)
    'not an SQLite file'
    """
    size = os.path.getsize(path)
    if size == 0:
        return None  # a database being created; the missing settings record tells
    with open(path, "rb") as handle:
        header = handle.read(_HEADER_BYTES)
    if not header.startswith(SQLITE_HEADER[: len(header)]) or len(header) < len(SQLITE_HEADER):
        return "not an SQLite file"
    if len(header) < _HEADER_BYTES:
        return f"truncated: {size} bytes, shorter than an SQLite header"
    (page_size,) = struct.unpack(">H", header[16:18])
    page_size = 65536 if page_size == 1 else page_size
    change_counter, pages = struct.unpack(">II", header[24:32])
    (valid_for,) = struct.unpack(">I", header[92:96])
    if _wal_pending(path) or valid_for != change_counter:
        return None  # the header's size is not authoritative then
    if size < pages * page_size or size % page_size:
        return f"truncated: {size} bytes, its header says {pages} pages of {page_size} bytes ({pages * page_size})"
    return None


def _wal_pending(path: str) -> bool:
    try:
        return os.path.getsize(path + "-wal") > 0
    except OSError:
        return False


def inspect(path: str, timeout: float = DEFAULT_TIMEOUT) -> dict[str, object]:
    """What ``dedupe index stats`` shows: sizes, counts, the settings record
    and ``integrity`` ("ok", or what is wrong in one line), reading as much of
    a damaged file as it can. Raises only :class:`StoreMissingError`.

    >>> import tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "i.db")
    >>> SQLiteIndex(path, create=True).close()
    >>> report = inspect(path)
    >>> report["articles"], report["integrity"], report["settings_match"]
    (0, 'ok', True)
    """
    if not os.path.exists(path):
        raise StoreMissingError(f"no index at {path}; create it with `dedupe index add`")
    report: dict[str, object] = {"location": path, "backend": "sqlite", "file_bytes": _size(path),
                                 "wal_bytes": _size(path + "-wal")}
    problems: list[str] = []
    problem = file_problem(path)
    if problem:
        problems.append(problem)
    if problem != "not an SQLite file":
        _inspect_contents(path, timeout, report, problems)
    problems = [problem for problem in problems if problem]
    report["integrity"] = "ok" if not problems else "; ".join(problems)
    return report


def _inspect_contents(path: str, timeout: float, report: dict[str, object],
                      problems: list[str]) -> None:
    try:
        connection = sqlite3.connect(path, timeout=timeout, isolation_level=None)
    except sqlite3.Error as error:
        problems.append(str(error))
        return
    try:
        try:
            stored = _read_meta(connection)
        except sqlite3.Error as error:
            problems.append(f"settings record unreadable: {error}")
            stored = None
        if stored is None and not problems:
            problems.append("no settings record: not a dedupe index")
        elif stored is not None:
            report.update(settings_report(stored, path))
            report["sentences"] = stored.get(_SENTENCES_KEY)
            report["eligible_sentences"] = stored.get(_ELIGIBLE_KEY)
        unreadable: dict[str, list[str]] = {}
        for name, table in _COUNTED.items():
            try:
                report[name] = connection.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
            except sqlite3.Error as error:
                report[name] = None
                unreadable.setdefault(str(error), []).append(name)
        problems.extend(f"{', '.join(names)} unreadable: {error}" for error, names in unreadable.items())
        problems.append(_quick_check(connection))
    finally:
        connection.close()


def _quick_check(connection: sqlite3.Connection) -> str:
    """"" when ``PRAGMA quick_check`` passes, else its first findings in one line."""
    try:
        lines = [row[0] for row in connection.execute("PRAGMA quick_check")]
    except sqlite3.Error as error:
        lines = [str(error)]
    if lines == ["ok"]:
        return ""
    found = " ".join(" ".join(lines).split())
    return "quick_check: " + (found if len(found) <= _CHECK_CHARS else found[:_CHECK_CHARS] + " ...")


def _size(path: str) -> int:
    try:
        return os.path.getsize(path)
    except OSError:
        return 0
