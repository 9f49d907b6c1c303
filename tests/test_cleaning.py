"""The cleaner on the seed articles, on rule-family variants, and on HTML pages."""

from __future__ import annotations

import pytest

from dedupe.boilerplate import learn_boilerplate
from dedupe.model import REASONS
from dedupe.cleaning import CleaningError, clean, clean_html, clean_text
from pages import news_page
from conftest import SEEDS, seed_text

# What a reader marks as debris in each seed, line by line, with its family.
SEED_DEBRIS = {
    "wapo": {
        "[ad_1]": "ad-marker",
        "[ad_2]": "ad-marker",
        "Source link": "source-link",
        "Dixon reported from Riga, Latvia.": "sign-off",
    },
    "bbc": {
        "video title, The BBC’s Jeremy Bowen explains why this is a crucial point in the battle": "media-caption",
        "• author, Laura Gozzi and Tom Bateman": "byline",
        "• stock, BBC News, London & Washington": "byline",
        "image source, Good pictures": "photo-credit",
        "image caption, Among the weapons supplied by the United States to Ukraine are High Mobility Artillery "
        "Rocket Systems (Himars).": "media-caption",
        "See also\u00a0 FTX founder Sam Bankman-Fried has been indicted on new criminal charges": "related-link",
        "Leave a Reply": "comment-form",
        "Your email address will not be published. Required fields are marked *": "comment-form",
    },
    "reuters": {
        "Source :Skai": "source-credit",
        "With a wealth of experience honed over 4+ years in journalism, I bring a seasoned voice to the world of "
        "news.\u00a0Currently, I work as a freelance writer and editor, always seeking new opportunities to tell "
        "compelling stories in the field of world news.": "author-bio",
    },
    "nyt": {},
    "time": {
        "Business": "section-label",
        "[time-brightcove not-tgx=”true”]": "embed-shortcode",
        "Tags": "navigation",
        "Related Articles": "navigation",
        "Back to top button": "navigation",
    },
}


@pytest.mark.parametrize("name", sorted(SEEDS))
def test_seed_debris_is_removed_and_every_content_line_kept(name):
    text = seed_text(name)
    article = clean_text(text, str(SEEDS[name]))
    removed = {item.text: item.reason for item in article.debris}
    assert removed == SEED_DEBRIS[name]
    content_lines = [line.strip() for line in text.splitlines() if line.strip() and line.strip() not in removed]
    assert [span.of(text) for span in article.body] == content_lines
    for item in article.debris:
        assert text[item.span.start : item.span.end] == item.text
        assert item.reason in REASONS
    for gone in removed:
        assert gone not in article.cleaned_text


def test_seed_quotes_datelines_and_subheadings_stay():
    nyt = clean_text(seed_text("nyt"))
    assert "Pressure on Europe" in nyt.cleaned_text.split("\n\n")
    assert "– But blows are not dealt with words. Such things are not announced. The rockets speak for themselves." in nyt.cleaned_text
    wapo = clean_text(seed_text("wapo"))
    assert "“We’re going to make sure that [Ukraine] has the equipment it needs,”" in wapo.cleaned_text
    assert "By the eve of the NATO meeting, Canada and Finland had also signaled support." in wapo.cleaned_text


def test_bylines_credits_and_signoffs_are_kept_as_metadata():
    assert clean_text(seed_text("wapo")).metadata["signoffs"] == ["Dixon reported from Riga, Latvia."]
    bbc = clean_text(seed_text("bbc")).metadata
    assert bbc["bylines"] == ["author, Laura Gozzi and Tom Bateman", "stock, BBC News, London & Washington"]
    assert bbc["credits"] == ["image source, Good pictures"]
    reuters = clean_text(seed_text("reuters")).metadata
    assert reuters["sources"] == ["Source :Skai"]
    assert reuters["author_bio"][0].startswith("With a wealth of experience")


def test_seed_titles():
    assert clean_text(seed_text("bbc")).title == "Pressure on Biden to allow Russia to attack Ukraine with US weapons"
    assert clean_text(seed_text("time")).title.startswith("U.S. Willing to Strike Deal With Russia")
    assert clean_text(seed_text("wapo")).title is None  # it starts with a sentence, not a headline


BODY = [
    "KYIV, Ukraine (AP) — Russian forces struck a power plant overnight, officials said on Tuesday.",
    "“We will rebuild,” the mayor told reporters.",
    "By Tuesday evening, power had been restored to most homes.",
    "Related to this, engineers warned that repairs could take weeks.",
    "Watch officials closely, the minister said, because winter is coming.",
    "The plant supplies about 1.2 million people.",
]


@pytest.mark.parametrize(
    "line, reason",
    [
        ("[AD_3]", "ad-marker"),
        ("[ ad 12 ]", "ad-marker"),
        ("ADVERTISEMENT", "ad-marker"),
        ("Story continues below advertisement", "ad-marker"),
        ("[embed]https://youtu.be/x[/embed]", "embed-shortcode"),
        ('[caption id="attachment_1" align="alignnone"]A photo of the plant[/caption]', "embed-shortcode"),
        ("READ MORE: Ukraine says grain deal is at risk", "related-link"),
        ("Also read – Kremlin rejects talks", "related-link"),
        ("Related: How the war changed Europe’s energy", "related-link"),
        ("See Also: Five things to know", "related-link"),
        ("Share this article", "share-prompt"),
        ("Share on Facebook", "share-prompt"),
        ("Facebook Twitter WhatsApp Email", "share-prompt"),
        ("Follow us on Google News", "share-prompt"),
        ("Follow The New York Times Opinion section on Facebook, Instagram, TikTok, WhatsApp, X and Threads.",
         "share-prompt"),
        ("Follow Newsbeat on Instagram, Facebook, YouTube and X.", "share-prompt"),
        ("Apple AirPods Pro for $235", "shopping-box"),
        ("Kindle Paperwhite: $139.99 at Amazon", "shopping-box"),
        ("Best budget pick: Anker charger for £25", "shopping-box"),
        ("Sign up for our daily briefing newsletter", "newsletter-prompt"),
        ("Get the best stories delivered to your inbox every morning.", "newsletter-prompt"),
        ("We use cookies to give you the best experience on our website.", "cookie-notice"),
        ("By continuing to use this site you agree to our use of cookies.", "cookie-notice"),
        ("Accept all cookies", "cookie-notice"),
        ("Photo: John Smith/Reuters", "photo-credit"),
        ("(AP Photo/Evan Vucci)", "photo-credit"),
        ("Getty Images", "photo-credit"),
        ("By Jane Doe and John Roe, Reuters", "byline"),
        ("Written by Anna Kowalska", "byline"),
        ("(Reporting by Tom Balmforth in Kyiv; Editing by Alex Richardson)", "sign-off"),
        ("Associated Press writer Jill Lawless in London contributed to this report.", "sign-off"),
        ("Published 29 May 2024, 10:15 BST", "timestamp"),
        ("Source: Skai", "source-credit"),
        ("This article originally appeared in The Conversation.", "source-credit"),
        ("© 2024 Example Tribune. All rights reserved.", "copyright"),
        ("Leave a comment", "comment-form"),
        ("Save my name, email, and website in this browser for the next time I comment.", "comment-form"),
        ("Skip to content", "navigation"),
        ("Tags: Ukraine, Russia, NATO", "navigation"),
        ("Previous article", "navigation"),
        ("4 min read", "navigation"),
    ],
)
def test_rule_families_cover_variants(line, reason):
    text = "\n".join([BODY[0], BODY[1], line, *BODY[2:]])
    article = clean_text(text)
    assert [(item.reason, item.text) for item in article.debris] == [(reason, line)]
    assert [span.of(text) for span in article.body] == BODY


@pytest.mark.parametrize("line", [
    "The company said the new phone would cost $999 when it goes on sale in March.",
    "Prices start at $999.",
    "Colgate shares closed Monday at $56.30 on the New York Stock Exchange.",
    "Colgate shares close at $56.30",
    "Follow the river on foot for two miles to reach the village.",
    '"Follow us on Facebook," the campaign told its supporters.',
])
def test_sentences_about_prices_and_following_are_content(line):
    """A sentence stating a price, or using "follow", is the story, not a shopping box or prompt."""
    text = "\n".join([BODY[0], line, *BODY[1:]])
    assert clean_text(text).debris == ()


def test_section_label_only_above_the_story():
    text = "World\n\nMarkets Slide as Talks Stall in Geneva\n" + "\n".join(BODY) + "\nWorld"
    article = clean_text(text)
    assert [item.text for item in article.debris if item.reason == "section-label"] == ["World", "World"]
    middle = "\n".join([BODY[0], BODY[1], "Europe", *BODY[2:]])  # a one-word line mid-story is not a label
    assert clean_text(middle).debris == ()


def test_inline_markers_are_cut_out_of_a_paragraph():
    text = "Officials met on Monday. [ad_1] They agreed to talk again."
    article = clean_text(text)
    assert [item.text for item in article.debris] == ["[ad_1]"]
    assert [span.of(text) for span in article.body] == ["Officials met on Monday.", "They agreed to talk again."]


def test_byline_block_continues_under_a_labelled_byline():
    text = "author, Jane Doe\nrole, Moscow correspondent\n" + "\n".join(BODY)
    article = clean_text(text)
    assert [item.reason for item in article.debris] == ["byline", "byline"]
    assert article.metadata["bylines"] == ["author, Jane Doe", "role, Moscow correspondent"]


def test_third_person_bio_at_the_end():
    text = "\n".join(BODY) + "\nJane Doe is a senior correspondent covering Eastern Europe. Follow her on X."
    assert [item.reason for item in clean_text(text).debris] == ["author-bio"]


def test_all_debris_article_is_an_error():
    with pytest.raises(CleaningError, match="nothing left after cleaning"):
        clean_text("[ad_1]\nSource link\nLeave a Reply\n")


def test_clean_sniffs_html_and_text():
    html = news_page(title="Talks resume", paragraphs=BODY)
    assert clean(html).kind == "html"
    assert clean("\n".join(BODY)).kind == "text"


def test_html_page_is_cleaned_of_navigation_related_comments_and_cookies():
    html = news_page(title="Power restored in Kyiv after overnight strike", paragraphs=BODY)
    article = clean_html(html, "page.html")
    body = [span.of(article.text) for span in article.body]
    for paragraph in BODY:
        assert paragraph in body
    text = article.cleaned_text.lower()
    for debris in ("cookies", "newsletter", "leave a comment", "related articles", "share this", "advertisement",
                   "all rights reserved", "politics business"):
        assert debris not in text
    assert article.title == "Power restored in Kyiv after overnight strike"
    assert article.metadata["sitename"] == "Example Tribune"
    assert article.metadata["date"] == "2024-05-29"
    for item in article.debris:  # spans point into the extracted text
        assert item.span.of(article.text) == item.text


def test_learned_boilerplate_needs_unrelated_articles_of_one_site():
    stories = [
        ["Rain is expected across the north on Monday.", "Forecasters warned of floods near rivers."],
        ["The parliament will vote on the budget on Friday.", "The opposition has promised to vote against it."],
        ["Consumer prices rose by 2.1 percent in May.", "Fuel and food drove most of the increase."],
    ]
    footer = "Follow the Daily Ledger on Google News for the latest updates"
    articles = learn_boilerplate([clean_text("\n".join([*lines, footer])) for lines in stories])
    for article, lines in zip(articles, stories):
        assert [span.of(article.text) for span in article.body] == lines
        assert [(d.reason, d.text) for d in article.debris] == [("learned-boilerplate", footer)]


def test_learning_keeps_a_quote_that_copies_of_one_story_repeat():
    quote = "“We will not accept this,” the minister said."
    copies = [
        f"Officials met in Geneva on Monday to discuss the grain deal.\n{quote}\nTalks resume on Tuesday.",
        f"Officials met in Geneva on Monday to discuss the grain deal.\n{quote}\nTalks will resume on Tuesday.",
        f"Officials met in Geneva on Monday to discuss the grain deal.\n{quote}\nNo date was set for new talks.",
    ]
    articles = learn_boilerplate([clean_text(text) for text in copies])
    assert all(quote in article.cleaned_text for article in articles)
    assert all(not article.debris for article in articles)


SPIN = {"said": "stated", "talks": "negotiations", "officials": "authorities", "missiles": "rockets",
        "troops": "soldiers", "allies": "partners", "weapons": "arms", "would": "could"}


def _spin(line: str) -> str:
    return " ".join(SPIN.get(word, word) for word in line.split(" "))


def test_learning_keeps_story_lines_that_many_copies_of_one_story_share():
    """Truncated, cut, spun and spliced copies of one story repeat its
    paragraphs in many articles: that is reuse, not site furniture."""
    time = [line for line in seed_text("time").splitlines() if len(line.split()) > 12]
    wapo = [line for line in seed_text("wapo").splitlines() if len(line.split()) > 12]
    footer = "Follow the Daily Ledger on Google News for the latest updates"
    variants = [
        time[:3], time[:6], time, time[::2], time[1::2], [_spin(p) for p in time[:8]],
        [_spin(p) for p in time[:4]] + time[4:8], time[:3] + wapo[:5], wapo[:4] + time[2:6], time[3:9],
    ]
    others = [
        ["Rain is expected across the north on Monday.", "Forecasters warned of floods near rivers."],
        ["The parliament will vote on the budget on Friday.", "The opposition has promised to vote against it."],
        ["Consumer prices rose by 2.1 percent in May.", "Fuel and food drove most of the increase."],
    ]
    texts = ["\n".join(v) for v in variants] + ["\n".join([*o, footer]) for o in others]
    articles = learn_boilerplate([clean_text(text) for text in texts])
    learned = {d.text for a in articles for d in a.debris if d.reason == "learned-boilerplate"}
    assert learned == {footer}
    for article, variant in zip(articles, variants):
        assert [span.of(article.text) for span in article.body] == variant


def test_hard_wrapped_paragraphs_are_one_block_and_only_standalone_lines_are_debris():
    """Text wrapped at a fixed width (archives, mail, corpora) keeps each
    paragraph whole; a wrapped line that happens to start like debris
    ("Read more ...") is part of its paragraph, a standalone one is debris."""
    import textwrap

    paragraphs = [line for line in seed_text("wapo").splitlines() if len(line.split()) > 12][:6]
    wrapped = [textwrap.fill(p, width=72) for p in paragraphs]
    more = "Read more about the restrictions in the policy the White House published."
    wrapped[2] += "\n" + more
    paragraphs[2] += " " + more
    text = "\n\n".join(wrapped[:3] + ["Source link"] + wrapped[3:])
    article = clean_text(text)
    assert [item.text for item in article.debris] == ["Source link"]
    assert [span.of(text) for span in article.body] == wrapped
    assert [" ".join(span.of(text).split()) for span in article.body] == paragraphs


def test_one_paragraph_per_line_is_not_taken_for_wrapped_text():
    """Scraped dumps end lines with sentences: their short debris lines are still removed."""
    text = "Kyiv asked for air defence on Monday, officials said.\nImage caption, Reuters footage of the strike\nPhoto: AFP\n© 2024 Reuters\nBy Jane Doe, Reuters\n"
    assert [d.reason for d in clean_text(text).debris] == ["media-caption", "photo-credit", "copyright", "byline"]


@pytest.mark.parametrize("line_end", ["\n", "\r\n", "\r"])
def test_line_rules_apply_whatever_the_line_endings(line_end):
    """With \\r-only line endings (old Mac exports) the whole file was one line and the cleaner
    removed no debris from the BBC seed (0 instead of 8)."""
    text = seed_text("bbc").replace("\n", line_end)
    article = clean_text(text)
    assert [str(item.reason) for item in article.debris] == [
        str(item.reason) for item in clean_text(seed_text("bbc")).debris]
    assert len(article.debris) == 8
    assert all(item.span.of(text) == item.text for item in article.debris)
