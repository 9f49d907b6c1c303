"""Invariants on generated text and HTML (hypothesis), for the cases nobody
wrote down.

For any input: every span lies within the text it points into; the body and
the debris never overlap; the sentences of the body cover each of its
non-space characters exactly once; passages point into both texts; and the
only exceptions are the project's own (nothing left after cleaning, no
article in a page). CI runs a modest number of examples with a fixed seed
(derandomised); ``scripts/fuzz_properties.py --examples N`` runs more.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dedupe.application import compare_texts
from dedupe.cleaning import CleaningError, clean_html, clean_text
from dedupe.model import ExtractionError, Span
from dedupe.segmentation import segment_blocks
from dedupe.verdicts import _uncovered

EXAMPLES = int(os.environ.get("DEDUPE_HYPOTHESIS_EXAMPLES", "120"))
PROPERTIES = settings(max_examples=EXAMPLES, derandomize=not os.environ.get("DEDUPE_HYPOTHESIS_RANDOM"), deadline=None,
                      suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

#: Pieces news text and scraped debris are made of, so generated articles
#: reach the cleaner's rules, not only random characters.
WORDS = ["Officials", "said", "the", "talks", "in", "Geneva", "ended", "on", "Monday", "Reuters", "“We", "agree,”",
         "he", "added.", "$235", "3.5%", "U.S.", "Mr.", "Smith", "Dr.", "No.", "—", "(AP)", "…", "Kyiv", "Read",
         "more:", "Follow", "us", "on", "Facebook", "[ad_1]", "[video]", "Advertisement", "Share", "this", "article",
         "Reporting", "by", "Jane", "Doe;", "Editing", "by", "©", "2024", "AFP", "via", "Getty", "Images", "Photo:",
         "Sign", "up", "for", "our", "newsletter", "e.g.", "i.e.", "?", "!", ".", ",", ";", ":", "'", '"', "«", "»",
         "قال", "المسؤولون", "Министр", "заявил", "日本", "\u200b", "\xa0", "\t"]
SEPARATORS = [" ", " ", " ", "\n", "\n\n", "\r\n", "\r", ". ", "? ", " - "]

pieces = st.lists(st.one_of(st.sampled_from(WORDS), st.text(max_size=6)), min_size=1, max_size=12)
lines = st.builds(lambda words, glue: glue.join(words), pieces, st.sampled_from(SEPARATORS))
articles = st.builds("".join, st.lists(st.one_of(lines, st.sampled_from(SEPARATORS)), min_size=1, max_size=30))


def _check_article(article) -> None:
    text = article.text
    spans = [*article.body, *(item.span for item in article.debris)]
    assert all(0 <= span.start <= span.end <= len(text) for span in spans)
    ordered = sorted(spans)
    assert all(first.end <= second.start for first, second in zip(ordered, ordered[1:])), "body and debris overlap"
    for item in article.debris:
        assert item.text == item.span.of(text)
    covered = [0] * len(text)
    for sentence in segment_blocks(text, article.body):
        assert any(block.start <= sentence.start and sentence.end <= block.end for block in article.body)
        for offset in range(sentence.start, sentence.end):
            covered[offset] += 1
    for block in article.body:
        for offset in range(block.start, block.end):
            if not text[offset].isspace():
                assert covered[offset] == 1, (offset, text[max(0, offset - 20):offset + 20])


@PROPERTIES
@given(articles)
def test_plain_text_spans_cover_and_separate(text):
    try:
        article = clean_text(text)
    except CleaningError:
        return
    _check_article(article)


tags = st.sampled_from(["p", "div", "span", "article", "main", "nav", "aside", "footer", "header", "section",
                        "figure", "figcaption", "blockquote", "ul", "li", "h1", "h2", "script", "style", "a",
                        "table", "td", "form", "iframe", "br"])
attributes = st.sampled_from(["", ' class="share-bar"', ' class="related"', ' id="main"', ' role="main"',
                              ' class="article-body"', ' class="cookie-banner"', ' itemprop="articleBody"'])


@st.composite
def pages(draw) -> str:
    def node(depth: int) -> str:
        if depth > 4 or draw(st.booleans()):
            return draw(lines).replace("<", "&lt;")
        tag = draw(tags)
        inner = "".join(node(depth + 1) for _ in range(draw(st.integers(0, 3))))
        return f"<{tag}{draw(attributes)}>{inner}</{tag}>"

    title = draw(lines).replace("<", "&lt;")
    body = "".join(node(0) for _ in range(draw(st.integers(1, 4))))
    return f"<html><head><title>{title}</title></head><body>{body}</body></html>"


@PROPERTIES
@given(pages())
def test_html_spans_point_into_the_extracted_text(page):
    try:
        article = clean_html(page, "page.html")
    except (CleaningError, ExtractionError):
        return
    _check_article(article)


@PROPERTIES
@given(articles, articles, st.integers(0, 3))
def test_passages_point_into_both_texts(first, second, shared):
    # the second article takes some lines of the first, so passages are found, not only rejected
    taken = "\n".join(first.splitlines()[:shared])
    texts = {"a.txt": first, "b.txt": second + "\n" + taken}
    try:
        result = compare_texts(texts)
    except CleaningError:
        return
    articles_ = result.articles
    for overlap in result.overlaps:
        a, b = articles_[overlap.a], articles_[overlap.b]
        for passage in overlap.passages:
            assert 0 <= passage.a.start < passage.a.end <= len(a.text)
            assert 0 <= passage.b.start < passage.b.end <= len(b.text)
            assert passage.a.of(a.text).strip() and passage.b.of(b.text).strip()
            assert 0.0 <= passage.similarity <= 1.0


spans = st.builds(lambda start, length: Span(start, start + length), st.integers(0, 200), st.integers(0, 40))


@PROPERTIES
@given(st.lists(spans.filter(len), max_size=30).map(sorted), st.lists(spans, max_size=30))
def test_new_material_is_exactly_the_sentences_no_passage_touches(sentences, taken):
    # the sweep that replaced the sentences-by-passages loop must keep its meaning
    expected = [s for s in sentences if not any(s.overlaps(t) for t in taken)]
    assert _uncovered(sentences, taken) == expected
