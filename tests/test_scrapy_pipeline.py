"""The Scrapy item pipeline (dedupe.contrib.scrapy), tested with Scrapy itself.

Real crawls run in a subprocess each (a Twisted reactor starts once per
process): a spider fetches local pages through ``file://`` URLs, the
pipeline annotates the items, and a feed export writes them to a JSON lines
file the tests read back. The pipeline is also driven directly, without a
crawler, for dict, ``scrapy.Item`` and dataclass items.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import logging
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("scrapy")

import scrapy  # noqa: E402
from scrapy.exceptions import DropItem  # noqa: E402

from conftest import SEEDS  # noqa: E402
from dedupe.contrib.scrapy import DedupePipeline  # noqa: E402
from dedupe.store import StoreMissingError  # noqa: E402
from dedupe.archive import open_index  # noqa: E402
from pages import news_page  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
LINES = [line.strip() for line in SEEDS["wapo"].read_text(encoding="utf-8").splitlines()
         if line.strip() and not line.startswith("[ad_")]
TITLE = "Blinken signals U.S. could let Ukraine strike inside Russia"

#: The story as first published.
ORIGINAL = news_page(title=TITLE, paragraphs=LINES[:10])
#: The same story word for word on another site, with other page chrome.
VERBATIM = news_page(title=TITLE, paragraphs=LINES[:10], site="Copycat Daily", author=None,
                     url="https://copycat.example/news/blinken.html", extras=("nav", "ads", "footer"))
#: Three of its paragraphs paraphrased, and new material of its own.
REWORDED = news_page(
    title="US may let Kyiv hit Russia with American arms, Blinken hints",
    site="Other News", author="Sam Roe", url="https://other-news.example/world/kyiv-arms.html",
    paragraphs=[
        "During a stop in Moldova on Wednesday, Secretary of State Antony Blinken became the first senior official "
        "in the Biden administration to signal in public that Washington is weighing a change that would let "
        "Ukrainian troops fire longer-range ATACMS missiles and other American weapons at targets inside Russia.",
        "The United States could “adapt and adjust” its stance on the limits depending on how needs on the "
        "battlefield evolve, Blinken said.",
        "Speaking to journalists in Chisinau, the Moldovan capital, he said: “We’re going to make sure that "
        "[Ukraine] has the equipment it needs.”",
        "Farmers in the south of the country meanwhile reported a record wheat harvest, the agriculture ministry "
        "said on Friday, with output up 14 percent on last year.",
        "The ministry expects exports through the Black Sea ports to rise further in the autumn, officials added, "
        "despite continued attacks on port infrastructure in Odesa.",
        "Grain traders in Geneva said prices for the new crop had eased slightly in recent weeks as buyers waited "
        "for clearer signals on shipping insurance costs.",
    ],
)
#: A page with no article text at all.
EMPTY = news_page(title="", paragraphs=[], extras=())

#: Settings every crawl gets: no network, no listening ports, INFO log.
BASE_SETTINGS = {
    "ITEM_PIPELINES": json.dumps({"dedupe.contrib.scrapy.DedupePipeline": 300}),
    "LOG_LEVEL": "INFO",
    "TELNETCONSOLE_ENABLED": "False",
    "REMOTE_CONTROL_ENABLED": "False",
    "ROBOTSTXT_OBEY": "False",
}

# One spider for every crawl. SEQUENTIAL: each page is requested from the
# callback of the one before, after its item (CONCURRENT_ITEMS=1 makes the
# item go through the pipelines first), so items reach the pipeline in the
# order of PAGES. Otherwise every page is requested at once. The stats it
# saves also say which reactor ran and how often Twisted's deferToThread was
# called.
SPIDER = '''
import json

import scrapy
from twisted.internet import threads

PAGES = {pages!r}
SEQUENTIAL = {sequential!r}
STATS = {stats!r}
THREAD_CALLS = []
_defer_to_thread = threads.deferToThread


def counted_defer_to_thread(*args, **kwargs):
    THREAD_CALLS.append(1)
    return _defer_to_thread(*args, **kwargs)


threads.deferToThread = counted_defer_to_thread


class PagesSpider(scrapy.Spider):
    name = "pages"
    start_urls = PAGES[:1] if SEQUENTIAL else PAGES

    def parse(self, response):
        yield {{"url": response.url, "html": response.text}}
        if SEQUENTIAL:
            following = PAGES.index(response.url) + 1
            if following < len(PAGES):
                yield scrapy.Request(PAGES[following])

    def closed(self, reason):
        from twisted.internet import reactor

        stats = self.crawler.stats.get_stats()
        stats["test/reactor"] = f"{{type(reactor).__module__}}.{{type(reactor).__name__}}"
        stats["test/deferToThread"] = len(THREAD_CALLS)
        with open(STATS, "w", encoding="utf-8") as handle:
            json.dump(stats, handle, default=str)
'''


@dataclasses.dataclass
class Crawl:
    items: dict[str, dict[str, Any]]  # exported items by page name
    stats: dict[str, Any]
    log: str
    urls: dict[str, str]  # page name -> its file:// URL
    index: str  # the index URL the crawl used


def crawl(tmp_path: Path, pages: dict[str, str], *, sequential: bool = True, index: str | None = None,
          **settings: str) -> Crawl:
    """Run one crawl of ``pages`` (name -> HTML) in a subprocess."""
    folder = tmp_path / "pages"
    folder.mkdir(exist_ok=True)
    urls = {}
    for name, html in pages.items():
        path = folder / f"{name}.html"
        path.write_text(html, encoding="utf-8")
        urls[name] = path.as_uri()
    run = len(list(tmp_path.glob("spider*.py")))
    spider = tmp_path / f"spider{run}.py"
    stats_file = tmp_path / f"stats{run}.json"
    out = tmp_path / f"items{run}.jsonl"
    spider.write_text(textwrap.dedent(SPIDER).format(pages=list(urls.values()), sequential=sequential,
                                                     stats=str(stats_file)), encoding="utf-8")
    index = index or f"sqlite:///{tmp_path / 'index.db'}"
    options = {**BASE_SETTINGS, "DEDUPE_INDEX": index, **settings}
    if sequential:
        options.setdefault("CONCURRENT_ITEMS", "1")
    command = [sys.executable, "-m", "scrapy", "runspider", str(spider), "-O", f"{out}:jsonlines"]
    for key, value in options.items():
        command += ["-s", f"{key}={value}"]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))}
    done = subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "Spider closed (finished)" in done.stderr, done.stderr[-3000:]
    by_url = {url: name for name, url in urls.items()}
    items = {}
    for line in out.read_text(encoding="utf-8").splitlines():
        item = json.loads(line)
        items[by_url[item["url"]]] = item
    return Crawl(items, json.loads(stats_file.read_text(encoding="utf-8")), done.stderr, urls, index)


def indexed_paths(index_url: str) -> list[str]:
    with open_index(index_url) as index:
        return [article.path for article in index.list()]


def source_paths(provenance: dict[str, Any]) -> list[str]:
    return [source["path"] for source in provenance["sources"]]


def assert_no_pipeline_warnings(log: str) -> None:
    """Scrapy warns about deprecated pipeline signatures (a required spider
    argument, a Deferred returned); the pipeline must cause none."""
    warned = [line for line in log.splitlines()
              if "Warning" in line and ("DedupePipeline" in line or "dedupe.contrib" in line)]
    assert not warned, warned


# ---------------------------------------------------------------------------
# Real crawls
# ---------------------------------------------------------------------------


def test_crawl_annotates_items_and_adds_them_to_the_index(tmp_path):
    pages = {"original": ORIGINAL, "verbatim": VERBATIM, "reworded": REWORDED, "empty": EMPTY}
    result = crawl(tmp_path, pages)

    assert set(result.items) == set(pages)  # nothing dropped, the empty page included
    original = result.items["original"]["provenance"]
    assert (original["derivation"], original["sources"]) == ("none", [])
    assert original["indexed"] == {"id": 1, "new": True}
    assert original["candidate"]["path"] == result.urls["original"]

    verbatim = result.items["verbatim"]["provenance"]
    assert (verbatim["derivation"], verbatim["rewording"]) == ("whole", "verbatim")
    assert source_paths(verbatim) == [result.urls["original"]]
    assert verbatim["sources"][0]["publisher"] == "Example Tribune"

    reworded = result.items["reworded"]["provenance"]
    assert reworded["derivation"] == "partial"
    assert reworded["rewording"] in ("heavy", "light")
    assert source_paths(reworded) == [result.urls["original"]]
    assert reworded["new_claims"]  # the harvest figures are its own

    assert set(result.items["empty"]["provenance"]) == {"error"}
    assert "no article text" in result.items["empty"]["provenance"]["error"]

    # The verbatim copy has the original's text: stored once.
    assert indexed_paths(result.index) == [result.urls["original"], result.urls["reworded"]]
    stats = result.stats
    assert (stats["dedupe/checked"], stats["dedupe/added"], stats["dedupe/errors"]) == (3, 2, 1)
    assert (stats["dedupe/derivation/none"], stats["dedupe/derivation/whole"],
            stats["dedupe/derivation/partial"]) == (1, 1, 1)
    assert stats["item_scraped_count"] == 4
    assert "item_dropped_count" not in stats
    assert_no_pipeline_warnings(result.log)


def test_crawl_drops_verbatim_copies_of_an_earlier_crawl(tmp_path):
    first = crawl(tmp_path, {"original": ORIGINAL})
    assert first.items["original"]["provenance"]["derivation"] == "none"

    second = crawl(tmp_path, {"verbatim": VERBATIM, "reworded": REWORDED, "empty": EMPTY},
                   DEDUPE_DROP_VERBATIM="True")
    assert set(second.items) == {"reworded", "empty"}
    assert second.items["reworded"]["provenance"]["derivation"] == "partial"
    assert second.stats["item_dropped_count"] == 1
    assert second.stats["dedupe/dropped"] == 1
    assert f"Dropped: dedupe: verbatim copy of {first.urls['original']} (Example Tribune)" in second.log
    assert indexed_paths(second.index) == [first.urls["original"], second.urls["reworded"]]


#: The story copied word for word a day later by another site (which says nothing of where it came from).
LATER_COPY = news_page(title=TITLE, paragraphs=LINES[:10], site="Copycat Daily", author=None, date="2024-05-30",
                       url="https://copycat.example/news/blinken.html", extras=("nav", "ads", "footer"))


def test_an_original_crawled_after_its_copy_is_kept_on_every_crawl(tmp_path):
    """The copy is crawled first and indexed; the original, dated a day earlier, comes second. It
    used to be dropped as a "verbatim copy" of the copy, and to stay dropped on every re-crawl.
    Now the drop decision weighs which is the original: the original is kept, with the evidence
    in its provenance, on the first crawl and on a re-crawl; crawled the other way round, the copy
    is the one dropped."""
    first = crawl(tmp_path, {"copy": LATER_COPY, "original": ORIGINAL}, DEDUPE_DROP_POLICY="copies")
    assert set(first.items) == {"copy", "original"}
    kept = first.items["original"]["provenance"]
    assert (kept["derivation"], kept["rewording"]) == ("whole", "verbatim")  # the same text: said as it is
    assert kept["direction"]["original"] == "item" and kept["direction"]["source"] == first.urls["copy"]
    assert any("dated 2024-05-29, before" in reason for reason in kept["direction"]["reasons"])
    assert "item_dropped_count" not in first.stats

    again = crawl(tmp_path, {"original": ORIGINAL}, index=first.index, DEDUPE_DROP_POLICY="copies")
    assert set(again.items) == {"original"}  # a re-crawl keeps it too
    assert again.items["original"]["provenance"]["direction"]["original"] == "item"

    # A copy crawled after its original, with nothing saying otherwise, is dropped, naming why.
    (tmp_path / "later").mkdir()
    later = crawl(tmp_path / "later", {"original": ORIGINAL, "copy": LATER_COPY}, DEDUPE_DROP_POLICY="copies")
    assert set(later.items) == {"original"} and later.stats["dedupe/dropped"] == 1
    assert f"verbatim copy of {later.urls['original']} (Example Tribune)" in later.log
    assert "is dated 2024-05-29, before" in later.log


def test_drop_policies(pipeline, tmp_path):
    """never keeps everything; copies drops identical texts with nothing to tell them apart (the
    first crawled stays) and never the one shown to be the original; proven drops only a copy
    shown to be one."""
    url_original, url_copy = "https://tribune.example/a", "https://copycat.example/b"
    keeper = pipeline(DEDUPE_DROP_POLICY="never")
    process(keeper, {"url": url_original, "html": ORIGINAL})
    assert process(keeper, {"url": url_copy, "html": VERBATIM})["provenance"]["derivation"] == "whole"
    keeper.close_spider()

    proven = pipeline(DEDUPE_DROP_POLICY="proven", DEDUPE_INDEX=f"sqlite:///{tmp_path / 'proven.db'}")
    process(proven, {"url": url_original, "html": ORIGINAL})
    undecided = process(proven, {"url": url_copy, "html": VERBATIM})  # same date: nothing says which came first
    assert undecided["provenance"]["direction"]["original"] is None
    with pytest.raises(DropItem, match=r"dated 2024-05-29, before"):
        process(proven, {"url": "https://copycat.example/later", "html": LATER_COPY})
    with pytest.raises(ValueError, match="DEDUPE_DROP_POLICY must be one of never, copies, proven"):
        DedupePipeline({"DEDUPE_DROP_POLICY": "sometimes"})


@pytest.mark.parametrize(("reactor", "twisted_threads"), [
    ("twisted.internet.asyncioreactor.AsyncioSelectorReactor", 0),  # asyncio's executor
    ("twisted.internet.selectreactor.SelectReactor", 6),  # Twisted's thread pool
], ids=["asyncio-reactor", "select-reactor"])
def test_concurrent_copies_are_checked_one_after_another(tmp_path, reactor, twisted_threads):
    """Six copies of one story fetched at once: the pipeline's threads check
    and add under one lock, so exactly one copy is first and the five others
    are verbatim copies of it, whatever order they arrive in. Under either
    kind of reactor the work runs in worker threads."""
    sites = ["Example Tribune", "Copycat Daily", "Daily Mirror Site", "News Aggregator", "Wire Reposts", "Blog"]
    pages = {f"copy{n}": news_page(title=TITLE, paragraphs=LINES[:10], site=site,
                                   url=f"https://site{n}.example/story.html",
                                   extras=("nav", "ads", "footer")[: n % 4])
             for n, site in enumerate(sites)}
    result = crawl(tmp_path, pages, sequential=False, TWISTED_REACTOR=reactor)

    assert result.stats["test/reactor"].endswith(reactor.rsplit(".", 1)[1])
    assert result.stats["test/deferToThread"] == twisted_threads
    provenance = {name: item["provenance"] for name, item in result.items.items()}
    firsts = [name for name, data in provenance.items() if data["derivation"] == "none"]
    assert len(firsts) == 1, {name: data["derivation"] for name, data in provenance.items()}
    for name, data in provenance.items():
        if name != firsts[0]:
            assert (data["derivation"], data["rewording"]) == ("whole", "verbatim")
            assert source_paths(data) == [result.urls[firsts[0]]]
    assert indexed_paths(result.index) == [result.urls[firsts[0]]]
    assert_no_pipeline_warnings(result.log)


# ---------------------------------------------------------------------------
# The pipeline without a crawler
# ---------------------------------------------------------------------------


class ArticleItem(scrapy.Item):
    url = scrapy.Field()
    html = scrapy.Field()
    publisher = scrapy.Field()
    provenance = scrapy.Field()


class BareItem(scrapy.Item):
    url = scrapy.Field()
    html = scrapy.Field()


@dataclasses.dataclass
class PageItem:
    url: str
    body: str
    provenance: dict[str, Any] | None = None


@pytest.fixture
def pipeline(tmp_path):
    """An open pipeline over a fresh index; settings may be given."""
    made = []

    def make(**settings: Any) -> DedupePipeline:
        made.append(DedupePipeline({"DEDUPE_INDEX": f"sqlite:///{tmp_path / 'index.db'}", **settings}))
        made[-1].open_spider()
        return made[-1]

    yield make
    for each in made:
        each.close_spider()


def process(pipeline: DedupePipeline, item: Any) -> Any:
    """``await pipeline.process_item(item)`` (the work goes to a thread)."""
    return asyncio.run(pipeline.process_item(item))


def test_dict_item_and_scrapy_item(pipeline):
    checker = pipeline()
    first = process(checker, {"url": "https://tribune.example/a", "html": ORIGINAL})
    assert first["provenance"]["derivation"] == "none"
    assert first["provenance"]["indexed"] == {"id": 1, "new": True}

    copy = process(checker, ArticleItem(url="https://copycat.example/b", html=VERBATIM))
    assert isinstance(copy, ArticleItem)
    data = copy["provenance"]
    assert (data["derivation"], data["rewording"]) == ("whole", "verbatim")
    assert source_paths(data) == ["https://tribune.example/a"]
    assert json.loads(json.dumps(data)) == data  # JSON-ready


def test_dataclass_item_and_text_field_fallback(pipeline):
    checker = pipeline()
    checker.check_item({"url": "https://tribune.example/a", "html": ORIGINAL})
    item = checker.check_item(PageItem(url="https://other.example/c", body=REWORDED))  # no html field: body
    assert item.provenance["derivation"] == "partial"


def test_explicit_fields_and_settings_given_as_strings(pipeline, tmp_path):
    checker = pipeline(DEDUPE_TEXT_FIELD="content, fallback", DEDUPE_URL_FIELD="link", DEDUPE_FIELD="dedupe",
                       DEDUPE_PUBLISHER_FIELD="outlet", DEDUPE_ADD="1", DEDUPE_DROP_VERBATIM="False")
    item = checker.check_item({"link": "https://tribune.example/a", "content": "", "fallback": ORIGINAL,
                               "html": "ignored", "outlet": "The Tribune"})
    assert item["dedupe"]["derivation"] == "none"
    copy = checker.check_item({"link": "https://copycat.example/b", "content": VERBATIM})
    assert copy["dedupe"]["derivation"] == "whole"  # kept: DEDUPE_DROP_VERBATIM is "False"
    assert copy["dedupe"]["sources"][0]["publisher"] == "The Tribune"
    with open_index(str(tmp_path / "index.db")) as index:
        assert [(a.path, a.publisher) for a in index.list()] == [("https://tribune.example/a", "The Tribune")]


def test_drop_verbatim_names_the_source(pipeline):
    checker = pipeline(DEDUPE_DROP_VERBATIM=True)
    process(checker, {"url": "https://tribune.example/a", "html": ORIGINAL})
    with pytest.raises(DropItem, match=r"verbatim copy of https://tribune\.example/a \(Example Tribune\)"):
        process(checker, {"url": "https://copycat.example/b", "html": VERBATIM})
    kept = process(checker, {"url": "https://other.example/c", "html": REWORDED})
    assert kept["provenance"]["derivation"] == "partial"


def test_pages_that_cannot_be_checked_get_an_error_and_pass(pipeline):
    checker = pipeline()
    assert checker.check_item({"url": "https://x.example/empty", "html": EMPTY})["provenance"] == {
        "error": "no article text found in the HTML"}
    debris_only = checker.check_item({"text": "Advertisement\nLeave a Reply"})
    assert "nothing left after cleaning" in debris_only["provenance"]["error"]
    assert checker.check_item({"url": "https://x.example/none"})["provenance"] == {
        "error": "no page text in the item (looked in: html, body, text)"}
    text = checker.check_item({"text": b"Officials met in Geneva on Monday to discuss the talks."})
    assert text["provenance"]["derivation"] == "none"
    assert text["provenance"]["candidate"]["path"] == "<item 2>"  # no URL: numbered


def test_item_without_the_provenance_field_passes_with_an_error_logged(pipeline, caplog):
    checker = pipeline()
    with caplog.at_level(logging.ERROR, logger="dedupe.contrib.scrapy"):
        item = checker.check_item(BareItem(url="https://tribune.example/a", html=ORIGINAL))
        checker.check_item(BareItem(url="https://tribune.example/b", html=REWORDED))
    assert dict(item) == {"url": "https://tribune.example/a", "html": ORIGINAL}
    assert len(caplog.records) == 1  # once per item class
    assert "BareItem has no field 'provenance'" in caplog.text


def test_concurrent_items_in_process(pipeline):
    checker = pipeline()
    items = [{"url": f"https://site{n}.example/story", "html": VERBATIM if n % 2 else ORIGINAL} for n in range(8)]

    async def all_at_once() -> list[dict[str, Any]]:
        return await asyncio.gather(*(checker.process_item(item) for item in items))

    results = asyncio.run(all_at_once())
    derivations = sorted(item["provenance"]["derivation"] for item in results)
    assert derivations == ["none"] + ["whole"] * 7


def test_missing_index_is_an_error_when_not_adding(tmp_path):
    checker = DedupePipeline({"DEDUPE_INDEX": str(tmp_path / "missing.db"), "DEDUPE_ADD": False})
    with pytest.raises(StoreMissingError):
        checker.open_spider()


def test_default_index_is_relative_to_the_working_directory():
    assert DedupePipeline().index_url == "sqlite:.dedupe/index.db"
