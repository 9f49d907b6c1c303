"""The index of originals as plain persistence: a protocol, two backends, a registry.

:class:`~dedupe.store.base.IndexBackend` is what a backend provides;
:mod:`dedupe.store.sqlite` (a standard-library SQLite file, the default) and
:mod:`dedupe.store.redis` (a shared Redis server, the ``redis`` extra)
implement it. A URL's scheme picks the backend through :data:`BACKENDS`,
both to open an index (:func:`open_backend`) and to inspect one in any
state (:func:`inspect_backend`). Backend modules are imported only when
their scheme is used. Shortlisting, comparing and judging against an
index is :mod:`dedupe.archive`'s job; this package imports no comparison
or verdict stage.

>>> parse_url("sqlite:///srv/archive/index.db"), parse_url("archive.db")
(('sqlite', '/srv/archive/index.db'), ('sqlite', 'archive.db'))
>>> open_backend("ftp://archive.example/index")  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
dedupe.store.base.StoreURLError: unknown index URL scheme 'ftp' in 'ftp://archive.example/index'; supported: ...
"""

from __future__ import annotations

import importlib
import os
import re
from typing import NamedTuple
from urllib.parse import unquote, urlsplit

from dedupe.settings import Settings
from dedupe.store.base import (
    DEFAULT_TIMEOUT,
    FORMAT_VERSION,
    INDEX_FIELDS,
    IndexBackend,
    IndexEntry,
    StoreCorruptError,
    StoreError,
    StoreFormatError,
    StoreLockedError,
    StoreMissingError,
    StoreURLError,
)

__all__ = [
    "BACKENDS", "DEFAULT_PATH", "DEFAULT_TIMEOUT", "FORMAT_VERSION", "INDEX_FIELDS", "IndexBackend", "IndexEntry",
    "StoreCorruptError", "StoreError", "StoreFormatError", "StoreLockedError", "StoreMissingError",
    "StoreURLError", "inspect_backend", "open_backend", "parse_url",
]

#: Where the index lives when no URL is given (relative to the working directory).
DEFAULT_PATH = os.path.join(".dedupe", "index.db")


class Backend(NamedTuple):
    """A registered backend: its module, and how its URLs are written (for messages)."""

    module: str
    form: str


#: URL scheme -> backend. A backend module has ``connect(location, settings,
#: create, timeout) -> IndexBackend`` and ``inspect(location, timeout) -> dict``.
BACKENDS: dict[str, Backend] = {
    "sqlite": Backend("dedupe.store.sqlite", "sqlite:///PATH, a file path"),
    "redis": Backend("dedupe.store.redis", "redis://HOST[:PORT][/DB]"),
    "rediss": Backend("dedupe.store.redis", "rediss://HOST[:PORT][/DB]"),
}

_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*):")


def parse_url(url: str | os.PathLike[str] | None) -> tuple[str, str]:
    """(scheme, location) of an index URL. A plain path is an SQLite file;
    None is the default index, ``./.dedupe/index.db``.

    >>> parse_url(None), parse_url("sqlite:archive.db")
    (('sqlite', '.dedupe/index.db'), ('sqlite', 'archive.db'))
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


def _backend(url: str | os.PathLike[str] | None) -> tuple[object, str]:
    scheme, location = parse_url(url)
    backend = BACKENDS.get(scheme)
    if backend is None:
        forms = ", ".join(dict.fromkeys(b.form for b in BACKENDS.values()))
        raise StoreURLError(f"unknown index URL scheme {scheme!r} in {url!r}; supported: {forms}")
    return importlib.import_module(backend.module), location


def open_backend(url: str | os.PathLike[str] | None = None, settings: Settings | None = None, *,
                 create: bool = False, timeout: float = DEFAULT_TIMEOUT) -> IndexBackend:
    """Open the index at ``url`` (default ``./.dedupe/index.db``).

    ``settings`` None takes the index's own recorded settings; given, they
    must agree with the record on :data:`INDEX_FIELDS`, and are what a new
    index (``create``) records. Raises :class:`StoreMissingError`,
    :class:`StoreFormatError`, :class:`StoreCorruptError`,
    :class:`StoreURLError` and the backend's other :class:`StoreError`\\ s.
    """
    module, location = _backend(url)
    return module.connect(location, settings, create, timeout)  # type: ignore[attr-defined]


def inspect_backend(url: str | os.PathLike[str] | None = None,
                    timeout: float = DEFAULT_TIMEOUT) -> dict[str, object]:
    """What ``dedupe index stats`` shows, for an index in any state.

    Unlike :func:`open_backend` this does not refuse a damaged index or one
    this dedupe cannot use: it reports as much as it can read, with
    ``integrity`` ("ok" or what is wrong, one line) and ``settings_match``.
    Raises :class:`StoreMissingError` or :class:`StoreURLError` (and a
    backend's error when its server cannot be reached).
    """
    module, location = _backend(url)
    return module.inspect(location, timeout)  # type: ignore[attr-defined]
