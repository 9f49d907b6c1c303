"""The HTML report (``--format html``), read as a file and as a reader sees
it in headless Chromium (Debian's ``chromium``; ``.ci/run`` installs it).

The pages are built from the seeds, a copy the tests make of one seed (a
few words changed, a paragraph of its own, no credit) and articles holding
markup, attribute-breaking quotes and right-to-left text.
"""

from __future__ import annotations

import os
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import pytest

from dedupe.cleaning import clean_text
from conftest import SEEDS, SEEDS_DIR, seed_text

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
HOSTILE = ('Officials said <script>window.pwned = 1;</script> the talks " onmouseover="window.pwned=2" ended '
           "<img src=x onerror=\"window.pwned=3\"> on Friday in Geneva after nine hours of negotiation, and the "
           "delegations agreed to meet again next month to settle the remaining questions about grain shipments.")
RTL = ("قال مسؤولون إن المحادثات انتهت يوم الجمعة في جنيف بعد تسع ساعات من التفاوض واتفق الوفدان على "
       "الاجتماع مجددا الشهر المقبل لتسوية المسائل المتبقية بشأن شحنات الحبوب عبر البحر الأسود.")


def _copy_of_wapo(folder: Path) -> Path:
    """A rewrite a careless outlet might publish: the wapo seed's first
    paragraphs with a few words changed, a paragraph of its own, no credit."""
    paragraphs = [p for p in seed_text("wapo").split("\n") if len(p.split()) > 12][:8]
    edited = [p.replace("said", "stated").replace("Wednesday", "Wednesday afternoon") for p in paragraphs]
    edited.append("Local officials in Chisinau said 40 families had asked for shelter by Thursday evening.")
    path = folder / "copy.txt"
    path.write_text("\n\n".join(edited) + "\n", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def pages(tmp_path_factory) -> dict[str, Path]:
    """The report of the seeds, a failing check with an unreadable draft,
    and a report of hostile and right-to-left articles, written by the CLI."""
    from dedupe.cli import main

    folder = tmp_path_factory.mktemp("html")
    copy = _copy_of_wapo(folder)
    broken = folder / "broken.txt"
    broken.write_bytes(b"\x00\x01\x02 not an article")
    hostile = folder / "hostile"
    hostile.mkdir()
    (hostile / "a.txt").write_text(HOSTILE + "\n\n" + RTL + "\n", encoding="utf-8")
    (hostile / "b.txt").write_text(RTL + "\n\n" + HOSTILE + "\n", encoding="utf-8")
    out = {name: folder / f"{name}.html" for name in ("report", "check", "hostile")}
    assert main(["report", str(SEEDS_DIR), "--format", "html", "-o", str(out["report"]), "-q"]) == 0
    assert main(["check", str(copy), str(broken), "--against", str(SEEDS["wapo"]), "--fail-on", "uncredited",
                 "--format", "html", "-o", str(out["check"]), "-q"]) == 2
    assert main(["report", str(hostile), "--format", "html", "-o", str(out["hostile"]), "-q"]) == 0
    return out


class _Elements(HTMLParser):
    """Every start tag of a page with its attributes, and the text outside tags."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.text.append(data)


def _parsed(path: Path) -> _Elements:
    parser = _Elements()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


# ---------------------------------------------------------------------------
# The file itself
# ---------------------------------------------------------------------------


def test_article_markup_is_text_never_elements(pages):
    parsed = _parsed(pages["hostile"])
    scripts = [attrs for tag, attrs in parsed.tags if tag == "script"]
    assert len(scripts) == 1 and scripts[0].get("nonce")  # the page's own, nothing from the articles
    assert not [tag for tag, _ in parsed.tags if tag == "img"]
    assert not [attrs for _, attrs in parsed.tags if any(name.startswith("on") for name in attrs)]
    text = "".join(parsed.text)
    assert "<script>window.pwned = 1;</script>" in text
    assert '" onmouseover="window.pwned=2"' in text
    assert RTL in text


def test_page_allows_no_request_and_only_its_own_script(pages):
    raw = pages["report"].read_text(encoding="utf-8")
    policy = re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', raw).group(1)
    nonce = re.search(r"script-src 'nonce-([^']+)'", policy).group(1)
    assert "default-src 'none'" in policy
    assert f'<script nonce="{nonce}">' in raw and f'<style nonce="{nonce}">' in raw
    assert not re.search(r"""(?:src|href)="(?:https?:)?//""", raw)  # no external resource, no CDN


def test_each_passage_links_to_its_partner_in_the_same_colour(pages):
    tags = [attrs for tag, attrs in _parsed(pages["report"]).tags
            if tag == "a" and "passage" in (attrs.get("class") or "")]
    anchored = {attrs["id"]: attrs for attrs in tags if attrs.get("id")}
    assert anchored, "the seeds' report shows passages"
    for name, attrs in anchored.items():
        partner = anchored[attrs["href"].lstrip("#")]
        assert partner["href"] == f"#{name}"
        assert partner["class"] == attrs["class"]  # same colour, same kind
        assert partner["data-passage"] == attrs["data-passage"]


def test_report_states_the_verdict_and_the_direction_of_each_pair(pages):
    text = " ".join("".join(_parsed(pages["report"]).text).split())
    assert "probably original: [5] wapo-blinken-moldova-2024.txt" in text
    assert "credits The Washington Post" in text
    assert re.search(r"derivation none, rewording \w+: \d+% of \[1\] bbc-biden", text)


def test_check_page_fails_the_copy_and_the_unreadable_draft(pages):
    text = " ".join("".join(_parsed(pages["check"]).text).split())
    assert "dedupe check: FAILED" in text
    assert "Could not be read: each fails the check" in text and "broken.txt" in text
    assert "FAIL uncredited: uncredited reuse of" in text
    assert "new claims (1)" in text and "40 families" in text


# ---------------------------------------------------------------------------
# What a reader sees, in headless Chromium
# ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def browser():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:  # pragma: no cover - the test extra installs it
        sync_playwright = None
    if sync_playwright is None or CHROMIUM is None:
        if os.environ.get("CI"):
            pytest.fail("CI must test the HTML report in Chromium: install Debian's chromium and the test extra")
        pytest.skip("no chromium (Debian package) or playwright here")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield launched
        launched.close()


@pytest.fixture
def opened(browser):
    """Open a page in a fresh context; record console errors, page errors and every request made."""
    contexts = []

    def open_page(path: Path, width: int = 1280, height: int = 900):
        context = browser.new_context(viewport={"width": width, "height": height})
        contexts.append(context)
        page = context.new_page()
        page.problems, page.requests = [], []
        page.on("console", lambda message: message.type == "error" and page.problems.append(message.text))
        page.on("pageerror", lambda error: page.problems.append(str(error)))
        page.on("request", lambda request: page.requests.append(request.url))
        page.goto(path.as_uri())
        page.wait_for_load_state("load")
        return page

    yield open_page
    for context in contexts:
        context.close()


def _visible(page, selector: str) -> bool:
    """Whether the element is on screen, inside its scrolled panel too."""
    return page.evaluate("""(selector) => {
        const el = document.querySelector(selector), box = el.getBoundingClientRect();
        const panel = el.closest('.text').getBoundingClientRect();
        return box.bottom > Math.max(0, panel.top) && box.top < Math.min(innerHeight, panel.bottom);
    }""", selector)


def test_reader_sees_both_texts_with_paired_highlights(opened, pages):
    page = opened(pages["report"])
    left, right = page.locator(".pair .left .text"), page.locator(".pair .right .text")
    # the texts as shown (debris hidden) hold every block the cleaner keeps of both seeds
    for panel, seed in ((left, "bbc"), (right, "wapo")):
        shown = " ".join(panel.inner_text().split())
        article = clean_text(seed_text(seed), str(SEEDS[seed]))
        blocks = [" ".join(span.of(article.text).split()) for span in article.body]
        assert len(blocks) > 10 and all(block in shown for block in blocks)
    pairs = page.evaluate("""() => [...document.querySelectorAll('.left a.passage[id]')].map(el => {
        const partner = document.querySelector(el.getAttribute('href'));
        return [getComputedStyle(el).backgroundColor, partner && getComputedStyle(partner).backgroundColor,
                partner && partner.closest('.side').classList.contains('right')];
    })""")
    assert pairs
    assert all(colour == partner_colour and on_the_right for colour, partner_colour, on_the_right in pairs)
    assert len({colour for colour, _, _ in pairs}) == len(pairs)  # each passage its own colour
    assert page.problems == [] and page.requests == [pages["report"].as_uri()]


def test_clicking_a_passage_scrolls_to_its_partner(opened, pages):
    page = opened(pages["report"], height=700)
    last = page.locator(".left a.passage[id]").last
    target = last.get_attribute("href")
    last.scroll_into_view_if_needed()
    last.click()
    assert page.evaluate("location.hash") == target
    assert _visible(page, target)
    # and back again, from the right side
    page.locator(target).click()
    assert page.evaluate("location.hash") == "#" + last.get_attribute("id")
    assert _visible(page, "#" + last.get_attribute("id"))
    assert page.problems == []


def test_hovering_a_passage_lights_up_both_sides(opened, pages):
    page = opened(pages["report"])
    first = page.locator(".left a.passage[id]").first
    first.hover()
    lit = page.locator("a.passage.hot")
    assert lit.count() >= 2
    assert {lit.nth(n).get_attribute("data-passage") for n in range(lit.count())} == {
        first.get_attribute("data-passage")}


def test_debris_is_hidden_until_asked_for_then_struck_through(opened, pages):
    page = opened(pages["report"])
    debris = page.locator("del.debris").first
    assert not debris.is_visible()
    page.check("#show-debris")
    assert debris.is_visible()
    assert "line-through" in debris.evaluate("el => getComputedStyle(el).textDecorationLine")


def test_hostile_article_text_runs_nothing_and_rtl_reads_right_to_left(opened, pages):
    page = opened(pages["hostile"])
    assert page.evaluate("window.pwned") is None
    assert page.locator("img").count() == 0
    shown = page.locator(".pair .left .text").inner_text()
    assert "<script>window.pwned = 1;</script>" in shown and RTL[:30] in shown
    assert page.problems == [] and page.requests == [pages["hostile"].as_uri()]


def test_check_page_shows_failure_new_claims_and_the_unreadable_draft(opened, pages):
    page = opened(pages["check"])
    assert page.locator("h1 .outcome-FAILED").inner_text() == "FAILED"
    assert "broken.txt" in page.locator(".unread").inner_text()
    claim = page.locator(".left .text span.claim").first
    assert "40 families" in claim.inner_text()
    assert page.locator(".left .text a.passage").count() > 0 and page.locator(".right .text a.passage").count() > 0
    assert page.problems == []


def test_on_a_phone_the_texts_stack_and_nothing_overflows(opened, pages):
    page = opened(pages["report"], width=390, height=844)
    left = page.locator(".pair .left").bounding_box()
    right = page.locator(".pair .right").bounding_box()
    assert right["y"] >= left["y"] + left["height"]  # one above the other
    assert page.evaluate("document.documentElement.scrollWidth <= innerWidth")
