"""Tests for dedupe.extraction: article text and metadata out of one HTML page."""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup

from dedupe import extraction
from dedupe.extraction import ExtractedPage, _choose, _extract_with_beautifulsoup, extract_html
from dedupe.model import ExtractionError
from dedupe.reading import looks_like_html
from pages import ALL_EXTRAS, DEBRIS, NAV_ITEMS, bare_page, news_page

TITLE = "Biden under pressure to let Ukraine strike inside Russia"
URL = "https://www.example-tribune.com/world/2024/05/29/story.html"
PARAGRAPHS = [
    "US President Joe Biden is facing mounting pressure from European allies to let Ukraine strike "
    "military targets inside Russia with American-made weapons.",
    "France, Germany and the United Kingdom have all signalled in recent days that they are open to "
    "loosening the restrictions they place on how Kyiv can use the arms they supply.",
    "“We’re going to make sure that Ukraine has the equipment it needs,” Secretary of State Antony "
    "Blinken told reporters in Chișinău on Wednesday, adding that Washington would “adapt and adjust” "
    "its position as the battlefield changed.",
    "Ukraine’s foreign minister, Andrii Sibiha, said President Volodymyr Zelenskyj had raised the issue "
    "in every call with Western leaders since Russian troops crossed the border north of Kharkiv.",
    "European Commission vice-president Maroš Šefčovič said the bloc would back any decision taken in "
    "Washington but warned against moves that could split the alliance.",
    "The White House declined to comment.",
]
BRIEF = ["Local officials reported an explosion in Belgorod on Wednesday.", "No casualties were reported."]
ALL_DEBRIS = [text for key in ALL_EXTRAS for text in DEBRIS[key]]


@pytest.fixture(scope="module")
def story_html() -> str:
    return news_page(title=TITLE, paragraphs=PARAGRAPHS)


@pytest.fixture(scope="module")
def story(story_html: str) -> ExtractedPage:
    return extract_html(story_html)


def fragment(paragraphs: list[str]) -> str:
    """An article saved as a fragment: one wrapper element, no <html>."""
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return f'<article class="story"><div class="story-body">{body}</div></article>'


def assert_clean_lines(text: str) -> None:
    assert text
    for line in text.split("\n"):
        assert line, "empty line"
        assert line == line.strip(), f"untrimmed line {line!r}"
        assert "  " not in line, f"uncollapsed whitespace in {line!r}"


# --- extract_html on a full news page -----------------------------------------------


def test_news_page_is_read_by_trafilatura(story: ExtractedPage) -> None:
    assert story.extractor == "trafilatura"


def test_news_page_every_paragraph_is_its_own_line(story: ExtractedPage) -> None:
    lines = story.text.split("\n")
    for paragraph in PARAGRAPHS:
        assert paragraph in lines


def test_news_page_paragraphs_keep_their_order(story: ExtractedPage) -> None:
    positions = [story.text.index(p) for p in PARAGRAPHS]
    assert positions == sorted(positions)


@pytest.mark.parametrize("debris", ALL_DEBRIS)
def test_news_page_leaves_out_debris(story: ExtractedPage, debris: str) -> None:
    assert debris not in story.text


def test_news_page_leaves_out_menu_items(story: ExtractedPage) -> None:
    lines = set(story.text.split("\n"))
    assert "World Politics Business" not in story.text
    assert not lines & set(NAV_ITEMS)


def test_news_page_text_lines_are_clean(story: ExtractedPage) -> None:
    assert_clean_lines(story.text)


def test_news_page_metadata(story: ExtractedPage) -> None:
    assert story.title == TITLE
    assert story.author == "Jane Doe"
    assert story.date == "2024-05-29"
    assert story.sitename == "Example Tribune"
    assert story.url == URL
    assert story.hostname == "example-tribune.com"
    assert story.language == "en"
    assert story.description is not None and story.description.startswith("US President Joe Biden")


def test_metadata_dict_holds_only_non_empty_fields() -> None:
    page = extract_html(news_page(title=TITLE, paragraphs=PARAGRAPHS, author=None, url=None, extras=()))
    metadata = page.metadata()
    assert metadata["title"] == TITLE
    assert metadata["date"] == "2024-05-29"
    assert "author" not in metadata and "url" not in metadata and "hostname" not in metadata
    assert "text" not in metadata and "extractor" not in metadata
    assert all(isinstance(value, str) and value for value in metadata.values())


def test_non_ascii_survives(story: ExtractedPage) -> None:
    for word in ("Zelenskyj", "Sibiha", "Šefčovič", "Chișinău", "“adapt and adjust”", "Ukraine’s"):
        assert word in story.text


def test_url_argument_is_used_when_page_has_none() -> None:
    page = extract_html(news_page(title=TITLE, paragraphs=PARAGRAPHS, url=None), url="https://www.kyivpost.example/a/1")
    assert page.url == "https://www.kyivpost.example/a/1"
    assert page.hostname == "kyivpost.example"


def test_page_url_wins_over_url_argument(story_html: str) -> None:
    assert extract_html(story_html, url="https://mirror.example.net/copy.html").url == URL


def test_date_is_not_guessed_from_copyright_year() -> None:
    html = news_page(title=TITLE, paragraphs=PARAGRAPHS, date=None, url=None)
    assert "© 2024" in html
    assert extract_html(html).date is None


def test_short_brief_keeps_only_its_paragraphs() -> None:
    # trafilatura's default mode returns this page as one line with byline and share bar in it
    page = extract_html(news_page(title="Explosion reported in Belgorod", paragraphs=BRIEF))
    assert page.extractor == "trafilatura"
    assert page.text == "\n".join(BRIEF)


def test_subheadings_lists_and_tables_come_out_as_plain_lines() -> None:
    html = bare_page(
        f"<article><p>{PARAGRAPHS[0]}</p><h2>Allies split over escalation</h2><p>{PARAGRAPHS[1]}</p>"
        "<ul><li>Germany pledged another Patriot battery.</li><li>The Netherlands will send F-16 jets.</li></ul>"
        "<table><tr><th>Country</th><th>Aid (bn €)</th></tr><tr><td>Germany</td><td>10.6</td></tr></table>"
        f"<p>{PARAGRAPHS[2]}</p></article>"
    )
    lines = extract_html(html).text.split("\n")
    assert "Allies split over escalation" in lines
    assert "Germany pledged another Patriot battery." in lines  # no "- " list marker
    assert "Country | Aid (bn €)" in lines and "Germany | 10.6" in lines
    assert not any(line.startswith(("-", "|")) for line in lines)


def test_inline_quotation_stays_inside_its_paragraph() -> None:
    sentence = "The minister said we will not back down on Tuesday, and repeated it twice."
    html = bare_page(
        f"<article><p>{PARAGRAPHS[0]}</p><p>The minister said <q>we will not back down</q> on Tuesday, "
        f"and repeated it twice.</p><p>{PARAGRAPHS[1]}</p></article>"
    )
    assert sentence in extract_html(html).text.split("\n")


def test_line_breaks_inside_a_paragraph_split_lines() -> None:
    html = bare_page(f"<article><p>{PARAGRAPHS[0]}</p><p>Kyiv, 29 May<br>Reuters</p><p>{PARAGRAPHS[1]}</p></article>")
    lines = extract_html(html).text.split("\n")
    assert "Kyiv, 29 May" in lines and "Reuters" in lines


def test_photo_captions_are_left_out() -> None:
    caption = "A HIMARS launcher fires during exercises in 2023. Photograph: Reuters"
    html = bare_page(
        f'<article><figure><img src="himars.jpg" alt=""><figcaption>{caption}</figcaption></figure>'
        + "".join(f"<p>{p}</p>" for p in PARAGRAPHS)
        + "</article>"
    )
    assert caption not in extract_html(html).text
    assert caption not in _extract_with_beautifulsoup(html).text


# --- the BeautifulSoup fallback ----------------------------------------------------------


def test_beautifulsoup_reads_the_news_page(story_html: str) -> None:
    page = _extract_with_beautifulsoup(story_html)
    lines = page.text.split("\n")
    assert page.extractor == "beautifulsoup"
    for paragraph in PARAGRAPHS:
        assert paragraph in lines
    for debris in [*ALL_DEBRIS, "World Politics Business", "By Jane Doe"]:
        assert debris not in page.text
    assert_clean_lines(page.text)


def test_beautifulsoup_metadata_matches_trafilatura(story_html: str, story: ExtractedPage) -> None:
    assert _extract_with_beautifulsoup(story_html).metadata() == story.metadata()


def test_article_fragment_falls_back_to_beautifulsoup() -> None:
    # trafilatura rejects input without "html" near the start whose root has fewer than two children
    page = extract_html(fragment(PARAGRAPHS), url=URL)
    assert page.extractor == "beautifulsoup"
    assert page.text == "\n".join(PARAGRAPHS)
    assert page.url == URL and page.hostname == "example-tribune.com"


def test_trafilatura_exception_falls_back_to_beautifulsoup(monkeypatch: pytest.MonkeyPatch, story_html: str) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("lxml blew up")

    monkeypatch.setattr(extraction, "bare_extraction", broken)
    page = extract_html(story_html)
    assert page.extractor == "beautifulsoup"
    assert PARAGRAPHS[2] in page.text.split("\n")
    assert page.title == TITLE


def test_beautifulsoup_drops_chrome_by_class_id_role_and_label() -> None:
    chrome = {
        '<ol class="comment-list"><li>First! Great piece.</li></ol>': "First! Great piece.",
        '<div class="related-articles"><a href="/x">Kremlin responds to Biden</a></div>': "Kremlin responds to Biden",
        '<div id="cookie-banner">We value your privacy</div>': "We value your privacy",
        '<div role="navigation"><a href="/">Home</a> <a href="/w">World news</a></div>': "World news",
        '<div aria-label="Sponsored content">Buy gold now</div>': "Buy gold now",
        '<div class="socialShareBar">Tweet this story</div>': "Tweet this story",
        '<div class="c-promo_box">Subscribe for 1 euro</div>': "Subscribe for 1 euro",
        '<ul class="breadcrumb"><li>News</li><li>Eastern Europe desk</li></ul>': "Eastern Europe desk",
        '<div class="byline">By Jane Doe, Kyiv</div>': "By Jane Doe",
    }
    html = (
        '<html><body class="single has-sidebar"><div class="layout with-comments"><article>'
        + "".join(chrome)
        + "".join(f"<p>{p}</p>" for p in PARAGRAPHS)
        + '<div class="commentary-note"><p>This is a commentary piece.</p></div>'
        + "</article></div></body></html>"
    )
    text = _extract_with_beautifulsoup(html).text
    for paragraph in PARAGRAPHS:
        assert paragraph in text
    for debris in chrome.values():
        assert debris not in text
    assert "This is a commentary piece." in text  # "commentary" is not "comment"


def test_beautifulsoup_prefers_article_to_the_rest_of_the_body() -> None:
    html = bare_page(
        '<div class="top-stories"><h2>Top stories</h2><p>Storm warning for the south coast.</p></div>'
        + "<article>"
        + "".join(f"<p>{p}</p>" for p in PARAGRAPHS)
        + "</article>"
    )
    page = _extract_with_beautifulsoup(html)
    assert page.text == "\n".join(PARAGRAPHS)


def test_beautifulsoup_passes_over_a_container_with_little_of_the_text() -> None:
    # only the first part of a story split around an ad slot is marked as articleBody
    html = bare_page(
        f'<div itemprop="articleBody"><p>{PARAGRAPHS[0]}</p></div><div class="ad-slot">Advertisement</div>'
        + '<div class="text-block">'
        + "".join(f"<p>{p}</p>" for p in PARAGRAPHS[1:])
        + "</div>"
    )
    assert _extract_with_beautifulsoup(html).text == "\n".join(PARAGRAPHS)


def test_beautifulsoup_keeps_a_page_wide_form() -> None:
    # ASP.NET WebForms pages wrap the whole page in one <form>
    html = bare_page(
        '<form id="aspnetForm" method="post"><h1>Kyiv asks for air defence</h1>'
        + "".join(f"<p>{p}</p>" for p in PARAGRAPHS)
        + '</form><form class="search"><input name="q"><button>Search</button></form>'
    )
    text = _extract_with_beautifulsoup(html).text
    assert PARAGRAPHS[0] in text and "Search" not in text


def test_beautifulsoup_metadata_fallbacks() -> None:
    html = (
        "<html><head><title>Kyiv asks for air defence | The Paper</title>"
        '<link rel="canonical" href="/news/kyiv-air-defence"></head><body><header>'
        '<time datetime="2030-01-01">Today</time></header><article><h1>Kyiv asks for air defence</h1>'
        '<span itemprop="author" itemscope><span itemprop="name">Olena Kovalenko</span></span>'
        '<time datetime="2024-05-28T19:02:00+03:00">28 May</time>'
        + "".join(f"<p>{p}</p>" for p in PARAGRAPHS)
        + "</article></body></html>"
    )
    page = _extract_with_beautifulsoup(html, url="https://www.thepaper.example/feed/item?id=3")
    assert page.title == "Kyiv asks for air defence | The Paper"
    assert page.author == "Olena Kovalenko"
    assert page.date == "2024-05-28"
    assert page.url == "https://www.thepaper.example/news/kyiv-air-defence"
    assert page.hostname == "thepaper.example"
    assert page.sitename is None


def test_beautifulsoup_survives_deep_nesting() -> None:
    html = "<div>" * 3000 + f"<p>{PARAGRAPHS[0]}</p>" + "</div>" * 3000
    assert extract_html(html).text == PARAGRAPHS[0]


# --- the fallback rule ------------------------------------------------------------------


def _page(text: str, extractor: str, **metadata: str) -> ExtractedPage:
    return ExtractedPage(text=text, extractor=extractor, **metadata)


def test_choose_keeps_a_short_trafilatura_text_when_bs4_adds_only_headline_and_byline() -> None:
    # the added lines are over half as long as the brief itself
    primary = _page("\n".join(BRIEF), "trafilatura")
    added = ["Explosion reported in Belgorod", "By Jane Doe · 29 May 2024"]
    fallback = _page("\n".join([*added, *BRIEF]), "beautifulsoup")
    assert _choose(primary, fallback) is primary


def test_choose_takes_bs4_when_it_finds_much_more() -> None:
    primary = _page(PARAGRAPHS[0], "trafilatura", date="2024-05-29")
    fallback = _page("\n".join(PARAGRAPHS), "beautifulsoup", title=TITLE)
    chosen = _choose(primary, fallback)
    assert chosen.extractor == "beautifulsoup"
    assert chosen.text == "\n".join(PARAGRAPHS)
    assert chosen.date == "2024-05-29" and chosen.title == TITLE


def test_choose_takes_bs4_when_trafilatura_found_nothing() -> None:
    fallback = _page(PARAGRAPHS[0], "beautifulsoup")
    assert _choose(None, fallback) is fallback


def test_choose_keeps_trafilatura_metadata_when_its_text_is_empty() -> None:
    chosen = _choose(_page("", "trafilatura", author="Jane Doe"), _page(PARAGRAPHS[0], "beautifulsoup"))
    assert (chosen.extractor, chosen.text, chosen.author) == ("beautifulsoup", PARAGRAPHS[0], "Jane Doe")


def test_choose_raises_when_bs4_finds_nothing() -> None:
    with pytest.raises(ExtractionError, match="no article text found in the HTML"):
        _choose(_page("Home World", "trafilatura"), _page("", "beautifulsoup"))


# --- pages without article text ------------------------------------------------------------


@pytest.mark.parametrize(
    "html",
    [
        "",
        "   \n\t",
        '<html><body><nav><a href="/">Home</a> <a href="/world">World</a></nav></body></html>',
        "<html><body><!-- nothing here --></body></html>",
        bare_page(
            '<div class="cookie-banner"><p>We use cookies to improve your experience.</p>'
            "<button>Accept all</button></div>"
            '<header><a class="logo" href="/">Example Tribune</a><nav><a href="/world">World</a></nav></header>'
            "<footer><p>© 2024 Example Tribune Media Ltd. All rights reserved.</p></footer>"
        ),
    ],
    ids=["empty", "whitespace", "nav-only", "comment-only", "chrome-only"],
)
def test_no_article_text_raises(html: str) -> None:
    with pytest.raises(ExtractionError, match="no article text found in the HTML"):
        extract_html(html)


def test_extraction_error_is_a_value_error() -> None:
    assert issubclass(ExtractionError, ValueError)


@pytest.mark.parametrize(
    "html",
    [
        "<<<>>>&&&<!-- <p",
        "\x00\x00<p>Hello there, this is text after NUL bytes</p>",
        "<p>Unclosed <b>bold <i>italic</p></div></span>text after",
        '<?xml version="1.0" encoding="utf-8"?><html><body><p>Declared XML encoding</p></body></html>',
        "<html><frameset><frame src='a.html'></frameset></html>",
        "<html><body><p>" + "x" * 200_000 + "</p></body></html>",
    ],
    ids=["garbage", "nul-bytes", "tag-soup", "xml-declaration", "frameset", "huge-paragraph"],
)
def test_malformed_input_gives_a_page_or_extraction_error(html: str) -> None:
    try:
        page = extract_html(html)
    except ExtractionError:
        return
    assert_clean_lines(page.text)
    assert "\x00" not in page.text


# --- looks_like_html ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        news_page(title=TITLE, paragraphs=PARAGRAPHS),
        bare_page("<p>Hi</p>"),
        fragment(PARAGRAPHS),
        "<p>Just a paragraph of markup.</p>",
        "<body><p>Body first</p></body>",
        "\ufeff  \n<!doctype HTML>\n<html><body></body></html>",
        '<?xml version="1.0"?>\n<html xmlns="http://www.w3.org/1999/xhtml"><body/></html>',
        "<!-- saved by scraper 2024-05-29 -->\n<!DOCTYPE html><html></html>",
        "Warning: session_start() failed in /var/www/index.php\n<!DOCTYPE html>\n<html><body></body></html>",
    ],
    ids=["news-page", "bare-page", "fragment", "p", "body", "bom-doctype", "xhtml", "comment-first", "junk-first"],
)
def test_looks_like_html_on_html(text: str) -> None:
    assert looks_like_html(text)


@pytest.mark.parametrize(
    "text",
    [
        "Business\nBiden under pressure to let Ukraine strike inside Russia\n\n" + "\n\n".join(PARAGRAPHS),
        TITLE + "\n\n" + "\n\n".join(PARAGRAPHS),
        "The CMS wraps every paragraph in <p> tags, so the editor saw <p>Kyiv</p> in the draft.\n" + PARAGRAPHS[0],
        "Notes on the <html> element and the <body> element are in the appendix.",
        "[ad_1]\n" + PARAGRAPHS[0],
        "",
    ],
    ids=["section-first", "headline-first", "mentions-p", "mentions-html", "ad-marker", "empty"],
)
def test_looks_like_html_on_plain_text(text: str) -> None:
    assert not looks_like_html(text)


# --- the page builder ----------------------------------------------------------------------


def visible_text(html: str) -> str:
    return " ".join(BeautifulSoup(html, "lxml").get_text(" ").split())


def test_news_page_without_extras_has_no_debris() -> None:
    text = visible_text(news_page(title=TITLE, paragraphs=PARAGRAPHS, extras=()))
    for debris in ALL_DEBRIS:
        assert debris not in text


@pytest.mark.parametrize("extra", ALL_EXTRAS)
def test_news_page_extras_each_add_their_part(extra: str) -> None:
    text = visible_text(news_page(title=TITLE, paragraphs=PARAGRAPHS, extras=(extra,)))
    for debris in DEBRIS[extra]:
        assert debris in text


def test_news_page_rejects_unknown_extras() -> None:
    with pytest.raises(ValueError, match="popup"):
        news_page(title=TITLE, paragraphs=PARAGRAPHS, extras=("popup",))
