"""A Scrapy item pipeline: annotate scraped articles with their provenance.

Each item's page (HTML or plain text) is cleaned, checked against a dedupe
index, and the check's result, the JSON-ready data of
:func:`dedupe.serialise.verdict_data` (what ``dedupe check --format json``
prints per article), computed by the same check as the CLI's
(:meth:`dedupe.archive.Index.check`), is written into one of the item's fields. Verbatim
copies of indexed articles can be dropped, and every item that passes is
added to the index, so a copy crawled later in the same run (or in any later
run) is caught. Needs Scrapy 2.11 or later (``pip install
'dedupe-provenance[scrapy]'``); dicts, :class:`scrapy.Item`\\ s, dataclass
and attrs items all work (through ``itemadapter``).

**Setup**, in the project's ``settings.py``::

    ITEM_PIPELINES = {
        "dedupe.contrib.scrapy.DedupePipeline": 300,
    }
    DEDUPE_INDEX = "sqlite:///srv/news/index.db"  # default: ./.dedupe/index.db
    DEDUPE_TEXT_FIELD = "html"                     # default: html, then body, then text
    DEDUPE_URL_FIELD = "url"
    DEDUPE_FIELD = "provenance"
    DEDUPE_DROP_VERBATIM = True                    # default: False
    DEDUPE_ADD = True
    DEDUPE_PUBLISHER_FIELD = "publisher"           # default: none

and in the spider, put the page into the item::

    def parse(self, response):
        yield {"url": response.url, "html": response.text}

(an :class:`scrapy.Item` must declare the provenance field too:
``provenance = scrapy.Field()``). On the command line the settings are
``-s DEDUPE_DROP_VERBATIM=True`` and so on.

Settings:

``DEDUPE_INDEX`` (default ``sqlite:.dedupe/index.db``, the CLI's default)
    Index URL, as :func:`dedupe.archive.open_index` takes it:
    ``sqlite:///ABS/PATH``, ``sqlite:REL/PATH``, a file path, or
    ``redis://HOST:PORT/DB``. Created when missing if ``DEDUPE_ADD`` is on.
``DEDUPE_TEXT_FIELD`` (default ``html``, then ``body``, then ``text``)
    Item field holding the page, HTML or plain text (sniffed), or several
    (a list or a comma-separated string): the first non-empty one is used.
``DEDUPE_URL_FIELD`` (default ``url``)
    Item field with the page URL: the article's path in results and in the
    index, and the base URL for extraction.
``DEDUPE_FIELD`` (default ``provenance``)
    Item field the result is written into.
``DEDUPE_DROP_POLICY`` (default ``never``)
    Which verbatim copies (derivation ``whole``, rewording ``verbatim``) of an
    indexed article are dropped, with a :exc:`~scrapy.exceptions.DropItem`
    reason naming the source. The decision weighs which of the two is the
    original (:func:`dedupe.verdicts.direction`: credit of the other's
    publisher, publication dates, containment, a wire sign-off), so an
    original crawled after its copy is never dropped as a copy of it:

    * ``never``: keep every item;
    * ``copies``: drop unless the evidence names the item as the original
      (two identical texts with nothing to tell them apart: the first
      crawled stays);
    * ``proven``: drop only when the evidence names the indexed article as
      the original.
``DEDUPE_DROP_VERBATIM`` (default ``False``)
    ``True`` is ``DEDUPE_DROP_POLICY = "copies"`` (the older name).
``DEDUPE_ADD`` (default ``True``)
    Add each item that passes to the index after checking it.
``DEDUPE_PUBLISHER_FIELD`` (default none)
    Item field naming the item's publisher, stored with it in the index
    (what later checks name as the source's publisher).

**What the field holds.** ``verdict_data(verdict)``: ``derivation`` (``whole``,
``partial``, ``none``), ``rewording`` (``verbatim``, ``light``, ``heavy``),
``coverage``, ``sources`` (each indexed article it took from: ``path``,
``publisher``, ``coverage``, ``credited``, the passages), ``new_material``,
``new_claims``, ``credits``, ``language``, ``warnings``; plus ``indexed``:
``{"id": ..., "new": ...}`` when the item was added (``new`` is false when
the same text was indexed already), else None; and ``direction`` when the
item derives from a source: ``{"source": path, "original": "item" |
"source" | None, "reasons": [...]}`` for the source it takes most from. A page that cannot be
checked (no text in the item, nothing left after cleaning, an index error)
gets ``{"error": "what went wrong"}`` instead and passes on: no item
stops the crawl (only an index that cannot be opened stops it, before it
starts). The crawl stats count ``dedupe/checked``,
``dedupe/derivation/<kind>``, ``dedupe/added``, ``dedupe/dropped``,
``dedupe/errors`` and ``dedupe/field_missing`` (an item class without the
provenance field: logged once as an error, the item passes unannotated).

**Threads.** Cleaning and checking take tens to hundreds of milliseconds
per page, so :meth:`DedupePipeline.process_item` (a coroutine) runs them in
a worker thread and the reactor keeps downloading meanwhile: in Twisted's
thread pool (``deferToThread``) under a non-asyncio reactor, in the asyncio
loop's default executor under the asyncio reactor (Scrapy's default) or
without a reactor. Pages are cleaned in parallel; the index is used under
one lock per pipeline, so each item's check and the add that follows it are
one step: of two copies of a story that arrive together, the second is
always checked against the first. (Either index may itself be shared by threads: SQLite
gets one connection per thread, Redis a connection pool; the lock is what
makes check-then-add atomic.) Several crawls may share one index: each add
is atomic, but two crawls can each pass a copy the other is adding at the
same moment.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, TypeVar

from dedupe.archive import Index, open_index
from dedupe.cleaning import CleaningError, clean
from dedupe.model import Derivation, Direction, ExtractionError, Rewording, Verdict
from dedupe.serialise import verdict_data
from dedupe.settings import Settings
from dedupe.store import StoreError
from dedupe.verdicts import direction

if TYPE_CHECKING:
    from itemadapter import ItemAdapter
    from scrapy.crawler import Crawler
    from scrapy.statscollectors import StatsCollector

__all__ = ["DedupePipeline", "DEFAULTS", "DROP_POLICIES"]

logger = logging.getLogger(__name__)

_T = TypeVar("_T")

#: ``DEDUPE_DROP_POLICY`` values.
DROP_POLICIES = ("never", "copies", "proven")


#: Every setting the pipeline reads, with its default.
DEFAULTS: Mapping[str, Any] = MappingProxyType({
    "DEDUPE_INDEX": "sqlite:.dedupe/index.db",
    "DEDUPE_TEXT_FIELD": ["html", "body", "text"],
    "DEDUPE_URL_FIELD": "url",
    "DEDUPE_FIELD": "provenance",
    "DEDUPE_DROP_POLICY": "never",
    "DEDUPE_DROP_VERBATIM": False,
    "DEDUPE_ADD": True,
    "DEDUPE_PUBLISHER_FIELD": None,
})


def _require_scrapy() -> None:
    try:
        import itemadapter  # noqa: F401
        import scrapy  # noqa: F401
    except ImportError as error:
        raise ImportError(f"dedupe.contrib.scrapy needs Scrapy ({error}): "
                          "pip install 'dedupe-provenance[scrapy]'") from error


class DedupePipeline:
    """Check every scraped item against a dedupe index (see the module docstring).

    Made by Scrapy through :meth:`from_crawler`; outside a crawl, give the
    settings as a mapping (or Scrapy ``Settings``), call :meth:`open_spider`,
    then :meth:`check_item` (blocking) or ``await`` :meth:`process_item`, and
    :meth:`close_spider` at the end.
    """

    def __init__(self, settings: Mapping[str, Any] | None = None, *, stats: StatsCollector | None = None,
                 dedupe_settings: Settings | None = None) -> None:
        _require_scrapy()
        from scrapy.settings import BaseSettings

        values = settings if isinstance(settings, BaseSettings) else BaseSettings(dict(settings or {}))
        self.index_url: str | None = values.get("DEDUPE_INDEX") or DEFAULTS["DEDUPE_INDEX"]
        self.text_fields: list[str] = ([name.strip() for name in values.getlist("DEDUPE_TEXT_FIELD") if name.strip()]
                                       or list(DEFAULTS["DEDUPE_TEXT_FIELD"]))
        self.url_field: str = values.get("DEDUPE_URL_FIELD") or DEFAULTS["DEDUPE_URL_FIELD"]
        self.field: str = values.get("DEDUPE_FIELD") or DEFAULTS["DEDUPE_FIELD"]
        policy = values.get("DEDUPE_DROP_POLICY") or (
            "copies" if values.getbool("DEDUPE_DROP_VERBATIM", DEFAULTS["DEDUPE_DROP_VERBATIM"])
            else DEFAULTS["DEDUPE_DROP_POLICY"])
        if policy not in DROP_POLICIES:
            raise ValueError(f"DEDUPE_DROP_POLICY must be one of {', '.join(DROP_POLICIES)}, not {policy!r}")
        self.drop_policy: str = policy
        self.add: bool = values.getbool("DEDUPE_ADD", DEFAULTS["DEDUPE_ADD"])
        self.publisher_field: str | None = values.get("DEDUPE_PUBLISHER_FIELD") or None
        self.settings: Settings | None = dedupe_settings  # None: the index's own
        self.stats = stats
        self.index: Index | None = None
        self._lock = threading.Lock()  # one check-then-add at a time
        self._count_lock = threading.Lock()  # counters and the stats (bumped from worker threads)
        self._unnamed = 0
        self._warned: set[type] = set()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> DedupePipeline:
        return cls(crawler.settings, stats=crawler.stats)

    # --- the spider's life ------------------------------------------------------

    def open_spider(self, spider: Any = None) -> None:
        """Open the index (creating it when ``DEDUPE_ADD`` is on).

        A missing index with ``DEDUPE_ADD`` off, an index built with other
        settings or a damaged one raises :class:`~dedupe.store.StoreError`:
        Scrapy then stops before crawling, with that one-line message.
        """
        self.index = open_index(self.index_url, self.settings, create=self.add)
        self.settings = self.index.settings
        logger.info("dedupe: checking items against %s (drop policy: %s, add items: %s)",
                    self.index.location, self.drop_policy, self.add)

    def close_spider(self, spider: Any = None) -> None:
        """Close the index (Scrapy calls this once every item is through)."""
        if self.index is not None:
            self.index.close()
            self.index = None

    # --- items ------------------------------------------------------------------

    async def process_item(self, item: _T, spider: Any = None) -> _T:
        """:meth:`check_item` in a worker thread, so the reactor is not blocked."""
        return await _in_thread(self.check_item, item)

    def check_item(self, item: _T) -> _T:
        """Check one item and write its provenance (blocking; any thread).

        Raises :exc:`scrapy.exceptions.DropItem` for a verbatim copy that
        ``DEDUPE_DROP_POLICY`` drops; never raises for a bad page.
        """
        from itemadapter import ItemAdapter
        from scrapy.exceptions import DropItem

        if self.index is None:
            raise RuntimeError("DedupePipeline: open_spider() was not called (or close_spider() was)")
        adapter = ItemAdapter(item)
        try:
            data = self._check(adapter)
        except DropItem:
            raise
        except (CleaningError, ExtractionError, StoreError) as error:
            logger.warning("dedupe: cannot check %s: %s", self._name(adapter), error)
            data = self._error(str(error))
        except Exception as error:  # a bug must not lose the scraped item
            logger.exception("dedupe: failed on %s", self._name(adapter))
            data = self._error(f"dedupe failed: {type(error).__name__}: {error}")
        self._store(adapter, data)
        return item

    def _check(self, adapter: ItemAdapter) -> dict[str, Any]:
        from scrapy.exceptions import DropItem

        content = self._content(adapter)
        if content is None:
            fields = ", ".join(self.text_fields)
            return self._error(f"no page text in the item (looked in: {fields})")
        url = adapter.get(self.url_field)
        url = url if isinstance(url, str) and url else None
        path = url or self._placeholder()
        assert self.index is not None
        article = clean(content, path=path, url=url, settings=self.index.settings)
        with self._lock:
            (verdict,) = self.index.check([article])
            self._inc("dedupe/checked")
            self._inc(f"dedupe/derivation/{verdict.derivation}")
            verbatim = verdict.derivation == Derivation.WHOLE and verdict.rewording == Rewording.VERBATIM
            found = None
            if verdict.derivation != Derivation.NONE and verdict.sources:
                top = verdict.sources[0]
                found = direction(verdict.candidate, top.source, top.passages, self.index.settings)
            if verbatim and found is not None and _drops(self.drop_policy, found.original):
                self._inc("dedupe/dropped")
                raise DropItem(_drop_reason(verdict, found))
            data = verdict_data(verdict)
            if found is not None:
                data["direction"] = {"source": verdict.sources[0].source.path,
                                     "original": {"a": "item", "b": "source"}.get(found.original or ""),
                                     "reasons": list(found.reasons)}
            data["indexed"] = None
            if self.add:
                article_id, new = self.index.add(article, publisher=self._publisher(adapter))
                data["indexed"] = {"id": article_id, "new": new}
                if new:
                    self._inc("dedupe/added")
        return data

    # --- helpers ----------------------------------------------------------------

    def _content(self, adapter: ItemAdapter) -> str | None:
        for field in self.text_fields:
            value = adapter.get(field)
            if isinstance(value, bytes):
                value = value.decode("utf-8", errors="replace")
            if isinstance(value, str) and value.strip():
                return value
        return None

    def _publisher(self, adapter: ItemAdapter) -> str | None:
        if not self.publisher_field:
            return None
        value = adapter.get(self.publisher_field)
        return (str(value).strip() or None) if value is not None else None

    def _store(self, adapter: ItemAdapter, data: dict[str, Any]) -> None:
        try:
            adapter[self.field] = data
        except KeyError:
            kind = type(adapter.item)
            with self._count_lock:
                first = kind not in self._warned
                self._warned.add(kind)
            if first:
                logger.error("dedupe: %s has no field %r for the provenance; declare it (%s = scrapy.Field()) "
                             "or set DEDUPE_FIELD", kind.__name__, self.field, self.field)
            self._inc("dedupe/field_missing")

    def _error(self, message: str) -> dict[str, Any]:
        self._inc("dedupe/errors")
        return {"error": message}

    def _placeholder(self) -> str:
        with self._count_lock:
            self._unnamed += 1
            return f"<item {self._unnamed}>"

    def _name(self, adapter: ItemAdapter) -> str:
        url = adapter.get(self.url_field)
        return url if isinstance(url, str) and url else "an item without a URL"

    def _inc(self, key: str) -> None:
        if self.stats is not None:
            with self._count_lock:
                self.stats.inc_value(key)


def _drops(policy: str, original: str | None) -> bool:
    """Whether ``policy`` drops a verbatim copy whose direction names
    ``original`` ("a": the item, "b": the indexed source, None: undecided)."""
    if policy == "copies":
        return original != "a"
    return policy == "proven" and original == "b"


def _drop_reason(verdict: Verdict, found: Direction) -> str:
    """Why a verbatim copy is dropped, naming the source it copies and why
    that one is taken as the original.

    Sources are ordered by coverage, so the first is the one copied.
    """
    use = verdict.sources[0]
    publisher = f" ({use.publisher})" if use.publisher else ""
    more = f" and {len(verdict.sources) - 1} more" if len(verdict.sources) > 1 else ""
    why = "; ".join(found.reasons) if found.original == "b" else "crawled first; nothing says which came first"
    return (f"dedupe: verbatim copy of {use.source.path}{publisher}{more}: "
            f"{verdict.coverage:.0%} of {verdict.candidate.path} copied word for word ({why})")


async def _in_thread(function: Callable[[_T], _T], item: _T) -> _T:
    """Run ``function(item)`` in a worker thread from a Scrapy coroutine.

    Under a running asyncio loop (Scrapy's asyncio reactor, or no reactor)
    only asyncio futures can be awaited; under another Twisted reactor only
    Deferreds.
    """
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        loop = None
    if loop is not None:
        return await loop.run_in_executor(None, function, item)
    from twisted.internet.threads import deferToThread

    return await deferToThread(function, item)
