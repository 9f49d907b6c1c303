"""Turn one HTML page into the article's main text plus metadata.

Pipeline:

1. trafilatura (``bare_extraction``) reads the page. It is the better
   extractor by far: it scores content areas, cross-checks itself against
   readability/jusText and reads metadata from meta tags, JSON-LD and
   htmldate. It runs in precision mode (see ``TRAFILATURA_OPTIONS``).
2. When trafilatura returns nothing, raises, or returns less than
   ``Settings.short_text_chars``, a BeautifulSoup pass runs as well: it drops page
   chrome by tag name and by id/class/role/aria-label words, then reads the
   article container block by block. Its text replaces trafilatura's only when
   it adds clearly more (``Settings.fallback_gain``); see ``_choose``.
3. When the BeautifulSoup pass finds nothing, ``ExtractionError`` is raised,
   even if trafilatura returned a few words: its last-resort rescue reads a
   chrome-only page as article text (a nav-only page becomes "Home World").

Both extractors produce the same text shape: one line per block (paragraph,
heading, list item, quote, table row), whitespace inside a line collapsed to
single spaces, no empty lines. trafilatura's result tree is serialised here
instead of using ``Document.text``, which adds Markdown list markers ("- ")
and table pipes/separator rows even with ``include_formatting=False``.

>>> page = extract_html("<html><body><article><p>Kyiv asked for more air defence.</p>"
...                     "<p>Allies said they would help.</p></article></body></html>")
>>> page.text
'Kyiv asked for more air defence.\\nAllies said they would help.'
"""

from __future__ import annotations

import logging
import re
import unicodedata
import warnings
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, fields
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urljoin, urlsplit

from bs4 import BeautifulSoup, MarkupResemblesLocatorWarning, NavigableString, Tag, XMLParsedAsHTMLWarning
from bs4.element import PageElement, PreformattedString
from lxml import etree
from trafilatura import bare_extraction

from dedupe.hosts import hostname
from dedupe.model import ExtractionError
from dedupe.reading import iso_date
from dedupe.settings import DEFAULT_SETTINGS, Settings

LOGGER = logging.getLogger(__name__)

# --- trafilatura settings ---------------------------------------------------

# favor_precision: in the default "balanced" mode a story under ~250 characters
#   (a wire flash, a two-paragraph brief) trips trafilatura's baseline rescue,
#   which returns the whole <article> flattened into one line with the byline,
#   "Advertisement" and "Share this article" in it. Precision mode keeps the
#   clean paragraphs; the recall it gives up is covered by the bs4 fallback.
# include_tables: news tables (results, casualty counts, aid figures) are
#   article content and get copied along with the prose; rows come out as
#   "cell | cell" lines.
# include_comments: reader comments are not the article.
# deduplicate: off, deduplication is what this project does itself.
# formatting/links/images: off, we want plain prose only.
TRAFILATURA_OPTIONS: dict[str, Any] = {
    "favor_precision": True,
    "include_comments": False,
    "include_tables": True,
    "include_images": False,
    "include_formatting": False,
    "include_links": False,
    "deduplicate": False,
    "with_metadata": True,
}
# htmldate's "extensive search" is Settings.extensive_date_search (off: a
# made-up date is worse than none when judging who published first).

# trafilatura output tags that start a new line; other tags (hi, ref, del, cell) are inline.
TRAFILATURA_BLOCK_TAGS = frozenset(
    {"body", "div", "p", "head", "quote", "list", "item", "table", "row", "graphic", "code"}
)
TRAFILATURA_BREAK_TAGS = frozenset({"lb"})
TRAFILATURA_CELL_TAGS = frozenset({"cell"})
# trafilatura turns an inline <q> into <quote> too; inside these it stays inline.
TRAFILATURA_INLINE_QUOTE_PARENTS = frozenset({"p", "head", "item", "cell", "hi", "ref", "del"})

# --- fallback rule ----------------------------------------------------------

# When the bs4 pass gets a say and when its text wins are
# Settings.short_text_chars and Settings.fallback_gain (reasons there).

# --- BeautifulSoup settings ---------------------------------------------------

# lxml closes an unclosed <p> where browsers do (html.parser nests the rest of
# the page inside it) and copes with very deep nesting.
BS4_PARSER = "lxml"

# Never article text: code, media, forms and page chrome. Figcaptions are photo
# credits and picture descriptions, debris for comparing article prose.
DROP_TAGS = frozenset({
    "script", "style", "noscript", "template", "svg", "canvas", "video", "audio", "object", "embed",
    "nav", "header", "footer", "aside", "form", "iframe", "button", "select", "textarea", "input",
    "label", "dialog", "figcaption",
})  # fmt: skip

# Words in id/class/role/aria-label that mark page chrome. Attribute values are
# split into words at "-", "_", spaces and camelCase humps ("comment-list",
# "relatedArticles", "cookie_banner"), and an element is dropped when any word
# is in this set, so "comments" matches and "commentary" does not.
DEBRIS_WORDS = frozenset({
    "nav", "navbar", "navigation", "menu", "menubar", "breadcrumb", "breadcrumbs", "byline",
    "comment", "comments", "related", "share", "sharing", "sharebar", "social",
    "newsletter", "subscribe", "signup", "cookie", "cookies", "consent", "gdpr",
    "banner", "ad", "ads", "advert", "adverts", "advertisement", "advertising", "sponsored",
    "promo", "promotion", "sidebar", "footer", "complementary", "contentinfo",
    "dialog", "alertdialog", "popup", "modal",
})  # fmt: skip
# Class tokens that describe a state of the element, not what it is
# ("has-sidebar" on <body>, "no-comments" on <article>): never matched.
STATE_TOKEN = re.compile(r"^(?:has|no|with|without)[-_]")
DEBRIS_ATTRIBUTES = ("id", "class", "role", "aria-label")

# Where the article sits, in order of preference. A container holding less
# than Settings.content_min_share of the text left in <body> is passed over:
# sites that split the story around ad slots mark only the first part as
# articleBody.
CONTENT_SELECTORS = ("article", "main, [role=main]", "[itemprop=articleBody]")

# HTML elements that start a new line; the rest (a, span, em, ...) are inline.
HTML_BLOCK_TAGS = frozenset({
    "html", "body", "main", "article", "section", "div", "p", "h1", "h2", "h3", "h4", "h5", "h6",
    "ul", "ol", "li", "dl", "dt", "dd", "blockquote", "pre", "table", "thead", "tbody", "tfoot",
    "tr", "caption", "figure", "address", "details", "summary", "center", "fieldset", "hr",
})  # fmt: skip
HTML_BREAK_TAGS = frozenset({"br"})
HTML_CELL_TAGS = frozenset({"td", "th"})

CELL_SEPARATOR = " | "
LINE_END = None  # marks a block boundary in a stream of text chunks

# Characters of the page searched for <html lang>.
LANG_SNIFF_CHARS = 8192
HTML_LANG = re.compile(r"<html\b[^>]*?\blang\s*=\s*[\"']?([A-Za-z]{2,3})\b", re.IGNORECASE)
# C0 controls except tab/newline/carriage return; lxml would turn NUL into U+FFFD.
CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
WHITESPACE = re.compile(r"\s+")
CAMEL_HUMP = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
WORD_SPLIT = re.compile(r"[^a-z0-9]+")


@dataclass(frozen=True)
class ExtractedPage:
    """An article read from an HTML page.

    >>> ExtractedPage(text="Body.", extractor="trafilatura", title="T", author="").metadata()
    {'title': 'T'}
    """

    text: str  # main text, paragraphs separated by "\n"
    extractor: str  # "trafilatura" or "beautifulsoup"
    title: str | None = None
    author: str | None = None
    date: str | None = None  # ISO date string as trafilatura gives it
    sitename: str | None = None
    hostname: str | None = None
    url: str | None = None
    description: str | None = None
    language: str | None = None

    def metadata(self) -> dict[str, str]:
        """The non-empty metadata fields (everything but text and extractor)."""
        return {name: value for name in METADATA_FIELDS if (value := getattr(self, name))}


METADATA_FIELDS = tuple(f.name for f in fields(ExtractedPage) if f.name not in ("text", "extractor"))


def extract_html(html: str, url: str | None = None, *, settings: Settings = DEFAULT_SETTINGS) -> ExtractedPage:
    """Extract the article text and metadata from one HTML page.

    ``url`` is where the page came from; the page's own canonical/og:url wins
    over it. Raises ``ExtractionError`` when the page has no article text.

    >>> page = extract_html("<html><head><title>Flash</title></head><body><main>"
    ...                     "<p>Explosion reported in Belgorod.</p></main></body></html>",
    ...                     url="https://www.example.com/a.html")
    >>> page.text, page.extractor, page.hostname
    ('Explosion reported in Belgorod.', 'trafilatura', 'example.com')
    """
    primary = _extract_with_trafilatura(html, url, settings)
    if primary is not None and len(primary.text) >= settings.short_text_chars:
        return primary
    return _choose(primary, _safe_beautifulsoup(html, url, settings), settings)


# --- choosing between the extractors ---------------------------------------------


def _choose(primary: ExtractedPage | None, fallback: ExtractedPage | None,
            settings: Settings = DEFAULT_SETTINGS) -> ExtractedPage:
    """Pick between a short-or-missing trafilatura result and the bs4 result.

    - bs4 found nothing: nothing is article text. A short trafilatura text
      that the chrome-stripping bs4 pass cannot find anywhere is navigation
      or footer text (trafilatura reads e.g. a nav-only page as "Home World").
    - trafilatura found no text: bs4's.
    - both found some: bs4's when the lines it adds to trafilatura's text are
      longer than ``settings.fallback_gain`` times that text; otherwise trafilatura's.
    bs4's text keeps trafilatura's metadata where it has some (JSON-LD, htmldate).
    """
    if fallback is None or not fallback.text:
        raise ExtractionError("no article text found in the HTML")
    if primary is None:
        return fallback
    added = sum(len(line) for line in fallback.text.split("\n") if line not in primary.text)
    if primary.text and added <= settings.fallback_gain * len(primary.text):
        return primary
    return _merge_metadata(fallback, primary)


def _merge_metadata(page: ExtractedPage, preferred: ExtractedPage) -> ExtractedPage:
    """``page`` with each metadata field taken from ``preferred`` where that has one."""
    values = {name: getattr(preferred, name) or getattr(page, name) for name in METADATA_FIELDS}
    return ExtractedPage(text=page.text, extractor=page.extractor, **values)


# --- trafilatura ------------------------------------------------------------------


def _extract_with_trafilatura(html: str, url: str | None = None,
                              settings: Settings = DEFAULT_SETTINGS) -> ExtractedPage | None:
    """trafilatura's reading of the page; None when it finds nothing or fails."""
    try:
        document = bare_extraction(html, url=url, date_extraction_params=_date_params(settings), **TRAFILATURA_OPTIONS)
    except Exception as err:  # trafilatura/lxml raise on some malformed input; bs4 gets its turn
        LOGGER.debug("trafilatura failed on %s: %r", url, err)
        return None
    if document is None:
        return None
    text = "\n".join(_trafilatura_lines(_field(document, "body"), _field(document, "text")))
    page_url = _clean(_field(document, "url")) or url
    return ExtractedPage(
        text=text,
        extractor="trafilatura",
        title=_clean(_field(document, "title")),
        author=_clean(_field(document, "author")),
        date=_clean(_field(document, "date")),
        sitename=_clean(_field(document, "sitename")),
        hostname=hostname(page_url) or _clean(_field(document, "hostname")),
        url=page_url,
        description=_clean(_field(document, "description")),
        language=_clean(_field(document, "language")) or _html_language(html),
    )


def _date_params(settings: Settings) -> dict[str, Any]:
    # Same keys as trafilatura.settings.set_date_params; max_date must be today at call time.
    today = datetime.now(UTC).strftime("%Y-%m-%d")
    return {"original_date": True, "extensive_search": settings.extensive_date_search, "max_date": today}


def _field(document: Any, name: str) -> Any:
    # trafilatura 2.x returns a Document; 1.x (still allowed by setup.cfg) a dict.
    return document.get(name) if isinstance(document, dict) else getattr(document, name, None)


def _trafilatura_lines(body: Any, text: str | None) -> list[str]:
    """One line per block of trafilatura's result tree (or of its text when there is no tree)."""
    if isinstance(body, etree._Element):
        return _lines(_trafilatura_chunks(body))
    return _lines(chunk for raw in (text or "").splitlines() for chunk in (raw, LINE_END))


def _trafilatura_chunks(root: etree._Element) -> Iterator[str | None]:
    """Text pieces of trafilatura's XML in reading order, ``LINE_END`` at block boundaries."""
    for event, element in etree.iterwalk(root, events=("start", "end")):
        if not isinstance(element.tag, str):  # comments, processing instructions
            if event == "end" and element.tail:
                yield element.tail
            continue
        block = _is_trafilatura_block(element)
        if event == "start":
            if block or element.tag in TRAFILATURA_BREAK_TAGS:
                yield LINE_END
            elif element.tag in TRAFILATURA_CELL_TAGS and element.getprevious() is not None:
                yield CELL_SEPARATOR
            if element.text:
                yield element.text
        else:
            if block:
                yield LINE_END
            if element.tail and element is not root:
                yield element.tail


def _is_trafilatura_block(element: etree._Element) -> bool:
    if element.tag not in TRAFILATURA_BLOCK_TAGS:
        return False
    parent = element.getparent()
    return not (element.tag == "quote" and parent is not None and parent.tag in TRAFILATURA_INLINE_QUOTE_PARENTS)


# --- BeautifulSoup fallback ---------------------------------------------------------


def _safe_beautifulsoup(html: str, url: str | None, settings: Settings = DEFAULT_SETTINGS) -> ExtractedPage | None:
    try:
        return _extract_with_beautifulsoup(html, url, settings)
    except Exception as err:  # a parser crash means no fallback, not a crash of the run
        LOGGER.debug("beautifulsoup extraction failed on %s: %r", url, err)
        return None


def _extract_with_beautifulsoup(html: str, url: str | None = None,
                                settings: Settings = DEFAULT_SETTINGS) -> ExtractedPage:
    """Read the article with BeautifulSoup: drop page chrome, then one line per block.

    The text may be empty; ``extract_html`` decides what that means.

    >>> page = _extract_with_beautifulsoup("<html><body><nav>Home World</nav>"
    ...     "<article><p>Kyiv asked   for help.</p><div class='share-bar'>Share</div></article></body></html>")
    >>> page.text, page.extractor
    ('Kyiv asked for help.', 'beautifulsoup')
    """
    with warnings.catch_warnings():
        # bs4's advice to programmers (an XHTML page read with the HTML parser, which is what we want;
        # text that looks like a file name) says nothing to a user about their file
        warnings.simplefilter("ignore", XMLParsedAsHTMLWarning)
        warnings.simplefilter("ignore", MarkupResemblesLocatorWarning)
        soup = BeautifulSoup(CONTROL_CHARS.sub("", html), BS4_PARSER)
    metadata = _soup_metadata(soup, url, html)
    _drop_chrome(soup)
    lines = _content_lines(soup, settings.content_min_share)
    return ExtractedPage(text="\n".join(lines), extractor="beautifulsoup", **metadata)


def _drop_chrome(soup: BeautifulSoup) -> None:
    """Remove chrome elements in place, sparing the article's containers and their ancestors."""
    protected = _protected(soup)
    for tag in soup.find_all(True):
        # not tag.decomposed: on a tag that was never decomposed bs4 looks the attribute up as a child
        # tag, a search of the whole subtree for every tag (quadratic on deeply nested pages)
        if tag.__dict__.get("_decomposed") or id(tag) in protected:
            continue
        if tag.name in DROP_TAGS or _is_debris(tag):
            tag.decompose()


def _protected(soup: BeautifulSoup) -> set[int]:
    # A wrapper like <div class="sidebar-layout"> or an ASP.NET page-wide <form>
    # must not take the article down with it.
    keep: list[Tag] = [tag for tag in (soup.html, soup.body) if tag is not None]
    keep += soup.select("main, [role=main], [itemprop=articleBody]")
    articles = soup.find_all("article")
    if articles:
        keep.append(max(articles, key=lambda tag: len(tag.get_text())))
    # a form holding the headline wraps the page (ASP.NET WebForms), not a comment or signup box
    keep += [form for form in soup.find_all("form") if form.find("h1")]
    protected: set[int] = set()
    for tag in keep:
        protected.add(id(tag))
        protected.update(id(parent) for parent in tag.parents)
    return protected


def _is_debris(tag: Tag) -> bool:
    for attribute in DEBRIS_ATTRIBUTES:
        value = tag.get(attribute)
        if not value:
            continue
        tokens = value if isinstance(value, list) else str(value).split()
        if any(not STATE_TOKEN.match(token.lower()) and DEBRIS_WORDS.intersection(_words(token)) for token in tokens):
            return True
    return False


def _words(token: str) -> list[str]:
    """'relatedArticles' -> ['related', 'articles']; 'cookie-banner' -> ['cookie', 'banner']."""
    return WORD_SPLIT.split(CAMEL_HUMP.sub(" ", token).lower())


def _content_lines(soup: BeautifulSoup, min_share: float) -> list[str]:
    """Lines of the preferred container: <article>, <main>, articleBody, else all of <body>."""
    page_lines = _html_lines(soup.body or soup)
    floor = min_share * _length(page_lines)
    for selector in CONTENT_SELECTORS:
        best = max((_html_lines(tag) for tag in soup.select(selector)), key=_length, default=[])
        if best and _length(best) >= floor:
            return best
    return page_lines


def _length(lines: list[str]) -> int:
    return sum(map(len, lines))


def _html_lines(root: Tag) -> list[str]:
    return _lines(_soup_chunks(root))


def _soup_chunks(root: Tag) -> Iterator[str | None]:
    """Text pieces of a soup in reading order, ``LINE_END`` at block boundaries.

    Walks with an explicit stack: scraped pages can nest deeper than Python recurses.
    """
    # (node, closing, follows_a_tag): the last flag puts separators between table cells
    stack: list[tuple[PageElement, bool, bool]] = [(root, False, False)]
    while stack:
        node, closing, follows_tag = stack.pop()
        if isinstance(node, NavigableString):
            if not isinstance(node, PreformattedString):  # comments, doctype, CDATA
                yield str(node)
            continue
        if not isinstance(node, Tag):
            continue
        if closing:
            if node.name in HTML_BLOCK_TAGS:
                yield LINE_END
            continue
        if node.name in HTML_BLOCK_TAGS or node.name in HTML_BREAK_TAGS:
            yield LINE_END
        elif node.name in HTML_CELL_TAGS and follows_tag:
            yield CELL_SEPARATOR
        stack.append((node, True, follows_tag))
        children: list[tuple[PageElement, bool, bool]] = []
        seen_tag = False
        for child in node.contents:
            children.append((child, False, seen_tag))
            seen_tag = seen_tag or isinstance(child, Tag)
        stack.extend(reversed(children))


def _soup_metadata(soup: BeautifulSoup, url: str | None, html: str) -> dict[str, str | None]:
    page_url = _page_url(soup, url)
    return {
        "title": _meta(soup, "og:title") or _tag_text(soup.title) or _tag_text(soup.find("h1")),
        "author": _meta(soup, "author") or _author_in_page(soup),
        "date": _iso_date(_meta(soup, "article:published_time") or _published_time(soup)),
        "sitename": _meta(soup, "og:site_name"),
        "hostname": hostname(page_url),
        "url": page_url,
        "description": _meta(soup, "description") or _meta(soup, "og:description"),
        "language": _html_language(html),
    }


def _meta(soup: BeautifulSoup, key: str) -> str | None:
    tag = soup.find("meta", attrs={"property": key}) or soup.find("meta", attrs={"name": key})
    return _clean(tag.get("content")) if tag else None


def _page_url(soup: BeautifulSoup, url: str | None) -> str | None:
    canonical = soup.find("link", rel="canonical")
    found = _clean(canonical.get("href")) if canonical else None
    found = found or _meta(soup, "og:url")
    if found and url:
        found = urljoin(url, found)  # relative canonical links
    return found if found and urlsplit(found).scheme in ("http", "https") else url


def _author_in_page(soup: BeautifulSoup) -> str | None:
    for tag in _in_content_first(soup, lambda scope: scope.select("[rel~=author], [itemprop=author]")):
        name = tag.find(itemprop="name") if tag.name != "a" else None
        found = _clean(tag.get("content")) or _tag_text(name or tag)
        if found:
            return found
    return None


def _published_time(soup: BeautifulSoup) -> str | None:
    for tag in _in_content_first(soup, lambda scope: scope.select("[itemprop=datePublished], time[datetime]")):
        found = _clean(tag.get("datetime")) or _clean(tag.get("content"))
        if found:
            return found
    return None


def _in_content_first(soup: BeautifulSoup, find: Callable[[Tag], list[Tag]]) -> Iterator[Tag]:
    # A site header may show today's date or a columnist's name; the article's own come first.
    for scope in (*soup.find_all("article"), *soup.find_all("main"), soup):
        yield from find(scope)


# --- shared helpers ------------------------------------------------------------------


def _lines(chunks: Iterable[str | None]) -> list[str]:
    """Join text chunks into lines, breaking at ``LINE_END``; whitespace collapsed, empty lines dropped."""
    lines: list[str] = []
    pending: list[str] = []
    for chunk in (*chunks, LINE_END):
        if chunk is not LINE_END:
            pending.append(chunk)
            continue
        line = _normalise("".join(pending))
        pending.clear()
        if line:
            lines.append(line)
    return lines


def _normalise(text: str) -> str:
    # NFC so that the same page gives the same string whichever extractor read it.
    return unicodedata.normalize("NFC", WHITESPACE.sub(" ", text).strip())


def _clean(value: Any) -> str | None:
    """A stripped, whitespace-normalised string, or None for empty/non-string values."""
    if not isinstance(value, str):
        return None
    return _normalise(value) or None


def _tag_text(tag: Tag | None) -> str | None:
    return _clean(tag.get_text(" ")) if tag is not None else None


def _iso_date(value: str | None) -> str | None:
    # trafilatura gives YYYY-MM-DD; a page's own meta may give any form news sites use.
    return iso_date(value) if value else None


def _html_language(html: str) -> str | None:
    """Primary language subtag of ``<html lang>``: 'en-GB' -> 'en'."""
    match = HTML_LANG.search(html[:LANG_SNIFF_CHARS])
    return match.group(1).lower() if match else None
