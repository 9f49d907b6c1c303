"""Credit detection: which publishers an article credits, and in what words."""

from __future__ import annotations

import time

import pytest

from conftest import SEEDS, seed_text
from dedupe.cleaning import clean_text
from dedupe.serialise import credit_data
from dedupe.credits import (
    CREDIT_FORMS,
    Credit,
    FORMS,
    NOT_PUBLISHERS,
    PUBLISHERS,
    article_credits,
    canonical_publisher,
    credited_publishers,
    find_credits,
)
from dedupe.model import Span


def found(text: str, **options) -> list[tuple[str, str, str]]:
    credits = find_credits(text, **options)
    for credit in credits:
        assert credit.span.of(text) == credit.text
    return [(c.publisher, c.form, c.text) for c in credits]


# ---------------------------------------------------------------------------
# The seed articles
# ---------------------------------------------------------------------------

SEED_CREDITS = {
    "bbc": [("The Washington Post", "according-to", "According to the Washington Post")],
    "reuters": [
        ("Reuters", "reported", "Reuters reported"),
        ("Reuters", "told", "told Reuters"),
        ("Reuters", "told", "told Reuters"),
        ("Reuters", "reported", "Reuters writes"),
        ("Skai", "source-line", "Source :Skai"),
    ],
    "nyt": [("The New York Times", "according-to", "according to the New York Times")],
    "wapo": [("The Economist", "interview", "interview with the Economist")],
    "time": [],
}


@pytest.mark.parametrize("name", sorted(SEEDS))
def test_seed_article_credits(name):
    article = clean_text(seed_text(name), str(SEEDS[name]))
    credits = article_credits(article)
    for credit in credits:
        assert credit.span.of(article.text) == credit.text
    assert [(c.publisher, c.form, c.text) for c in credits if c.is_credit] == SEED_CREDITS[name]
    assert credited_publishers(article) == {publisher for publisher, _, _ in SEED_CREDITS[name]}


def test_bbc_glued_washington_post_is_credited():
    text = seed_text("bbc")
    credit = next(c for c in find_credits(text) if c.publisher == "The Washington Post")
    assert credit.form == "according-to"
    assert text[credit.span.end : credit.span.end + 4] == "Kiev"


def test_bbc_never_credits_the_bbc():
    text = seed_text("bbc")
    # Searched whole, the caption and the byline name the BBC: only as mentions.
    assert {c.form for c in find_credits(text) if c.publisher == "BBC"} == {"mention"}
    article = clean_text(text)
    assert "BBC" not in credited_publishers(article)
    # The caption is not searched at all; the byline line is, as a mention.
    assert [c.text for c in article_credits(article) if c.publisher == "BBC"] == ["BBC News"]


def test_reuters_skai_credit_sits_in_debris():
    article = clean_text(seed_text("reuters"))
    skai = next(c for c in article_credits(article) if c.publisher == "Skai")
    assert any(d.reason == "source-credit" and d.span == skai.span for d in article.debris)
    body_only = find_credits(article.text, article.body)
    assert "Skai" not in {c.publisher for c in body_only}


def test_time_article_never_matches_time():
    text = seed_text("time")
    assert "the reason that" in text and "time" in text.lower()
    assert find_credits(text) == []


# ---------------------------------------------------------------------------
# Every form, in realistic sentences
# ---------------------------------------------------------------------------

FORM_CASES = [
    ("A senior official and two other sources told Reuters on Monday.", "Reuters", "told", "told Reuters"),
    ("“We will not retreat,” he told The Associated Press.", "Associated Press", "told",
     "told The Associated Press"),
    ("The minister, speaking to the BBC, declined to comment.", "BBC", "told", "speaking to the BBC"),
    ("The ministry said in comments to Reuters that it was checking.", "Reuters", "told", "in comments to Reuters"),
    ("Stoltenberg said in a recent interview with the Economist that the time has come.", "The Economist",
     "interview", "interview with the Economist"),
    ("Zelensky said in a BBC interview that talks were over.", "BBC", "interview", "a BBC interview"),
    ("Two strikes hit radar sites, according to The Washington Post.", "The Washington Post", "according-to",
     "according to The Washington Post"),
    ("Biden approved the strikes, according to the New York Times.", "The New York Times", "according-to",
     "according to the New York Times"),
    ("Oil fell 2%, according to a report by Bloomberg.", "Bloomberg", "according-to",
     "according to a report by Bloomberg"),
    ("Officials, According to the Washington PostKiev expressed concern.", "The Washington Post", "according-to",
     "According to the Washington Post"),
    ("Reuters reported on Friday that the deal was close.", "Reuters", "reported", "Reuters reported"),
    ("The shift was intended as a signal, the Washington Post reported.", "The Washington Post", "reported",
     "the Washington Post reported"),
    ("The plan was first reported by Axios.", "Axios", "reported", "first reported by Axios"),
    ("The memo, as reported by the BBC, was never sent.", "BBC", "reported", "as reported by the BBC"),
    ("The call took place on November 12, Reuters writes.", "Reuters", "reported", "Reuters writes"),
    ("A New York Times report said the decision was made.", "The New York Times", "reported",
     "A New York Times report"),
    ("Deutsche Welle (DW) reported that the border was closed.", "Deutsche Welle", "reported",
     "Deutsche Welle (DW) reported"),
    ("The figures come from documents seen by Reuters.", "Reuters", "reported", "seen by Reuters"),
    ("The army withdrew, the ministry said, citing Reuters.", "Reuters", "citing", "citing Reuters"),
    ("Reuters, citing sources familiar with the matter, said talks stalled.", "Reuters", "citing",
     "Reuters, citing"),
    ("KYIV, Ukraine (AP) — Russia launched a wave of drones overnight.", "Associated Press", "dateline",
     "KYIV, Ukraine (AP) —"),
    ("WASHINGTON (Reuters) - The United States will send more air defence.", "Reuters", "dateline",
     "WASHINGTON (Reuters) -"),
    ("LONDON, May 29 (Reuters) - Oil prices rose on Wednesday.", "Reuters", "dateline",
     "LONDON, May 29 (Reuters) -"),
    ("(AFP) - A court in Paris on Tuesday convicted the former minister.", "Agence France-Presse", "dateline",
     "(AFP) -"),
    ("The talks will resume in Geneva (Reuters) next week.", "Reuters", "parenthetical", "(Reuters)"),
    ("Source: Skai", "Skai", "source-line", "Source: Skai"),
    ("Source :Skai", "Skai", "source-line", "Source :Skai"),
    ("Via: Reuters", "Reuters", "source-line", "Via: Reuters"),
    ("Source: https://www.reuters.com/world/europe/story", "Reuters", "source-line",
     "Source: https://www.reuters.com"),
    ("This article originally appeared in The Conversation.", "The Conversation", "source-line",
     "originally appeared in The Conversation"),
    ("Associated Press writer Jane Doe in Kyiv contributed to this report.", "Associated Press", "sign-off",
     "Associated Press writer Jane Doe in Kyiv contributed"),
    ("Reuters contributed to this report.", "Reuters", "sign-off", "Reuters contributed"),
    ("The ministry confirmed the figures. — AFP", "Agence France-Presse", "sign-off", "— AFP"),
    ("(With Reuters)", "Reuters", "sign-off", "(With Reuters)"),
    ("By Jane Doe, Reuters", "Reuters", "byline-outlet", "By Jane Doe, Reuters"),
    ("Jane Doe | AFP", "Agence France-Presse", "byline-outlet", "Jane Doe | AFP"),
    ("By Jane Doe and John Roe for The Guardian", "The Guardian", "byline-outlet",
     "By Jane Doe and John Roe for The Guardian"),
    ("© 2024 Reuters", "Reuters", "copyright", "© 2024 Reuters"),
    ("Copyright 2024 The Associated Press. All rights reserved.", "Associated Press", "copyright",
     "Copyright 2024 The Associated Press"),
    ("(AP Photo/Evan Vucci)", "Associated Press", "photo-credit", "AP Photo"),
    ("Photo: Reuters", "Reuters", "photo-credit", "Photo: Reuters"),
    ("REUTERS/Gleb Garanich", "Reuters", "photo-credit", "REUTERS/Gleb Garanich"),
    ("(Reporting by Jonathan Landay; Editing by Mary Milliken)", "Reuters", "house-style",
     "(Reporting by Jonathan Landay; Editing by Mary Milliken)"),
    ("Reuters could not independently verify the claim.", "Reuters", "mention", "Reuters"),
    ("The BBC’s Jeremy Bowen explains why this is a crucial point.", "BBC", "mention", "BBC"),
    ("A Reuters Institute report found trust in news fell; Reuters reported it too.", "Reuters", "reported",
     "Reuters reported"),
]


@pytest.mark.parametrize("text, publisher, form, matched", FORM_CASES, ids=[case[2] for case in FORM_CASES])
def test_form(text, publisher, form, matched):
    assert found(text) == [(publisher, form, matched)]


def test_every_form_is_tested():
    assert {case[2] for case in FORM_CASES} == set(FORMS)


def test_list_of_sources_credits_each():
    assert found("Sources: Reuters, AP") == [
        ("Reuters", "source-line", "Sources: Reuters"),
        ("Associated Press", "source-line", "Sources: Reuters, AP"),
    ]


def test_reported_wins_over_citing_when_the_outlet_cites():
    assert found("The change came after the election, Reuters reported, citing sources.") == [
        ("Reuters", "reported", "Reuters reported"),
    ]


@pytest.mark.parametrize(
    "text",
    [
        "NATO Secretary General Jens Stoltenberg said the time has come for allies to act.",
        "Analysts say it is the biggest build-up in Europe for the reason that the war goes on.",
        "Time will tell whether the ceasefire holds.",
        "She took an AP exam in history and passed.",
        "The ap style guide is used by many newsrooms.",
        "The APEC summit opened in Lima.",
        "FTX founder Sam Bankman-Fried has been indicted.",
        "An economist said prices would rise; a legal guardian agreed.",
        "Economist Jane Doe said inflation had peaked.",
        "Michael Bloomberg said he would fund the campaign.",
        "A Reuters/Ipsos poll found support had fallen.",
        "A Reuters Institute report found trust in news fell.",
        "Dixon reported from Riga, Latvia.",
        "stock, BBC correspondents were not present",  # a mention at most
    ],
)
def test_not_a_credit(text):
    assert [c for c in find_credits(text) if c.is_credit] == []


def test_weak_acronyms_need_credit_wording():
    assert found("He took an AP exam.") == []
    assert found("An AP report said so.") == [("Associated Press", "reported", "An AP report")]
    assert found("TIME named him person of the year.") == [("TIME", "mention", "TIME")]


def test_acronym_spelled_out_in_parentheses_is_not_parenthetical():
    assert found("Germany’s Deutsche Welle (DW) broadcasts in 30 languages.") == [
        ("Deutsche Welle", "mention", "Deutsche Welle"),
    ]


# ---------------------------------------------------------------------------
# Offsets and spans
# ---------------------------------------------------------------------------


def test_offsets_point_into_text():
    text = "\n".join(case[0] for case in FORM_CASES) + "\n" + seed_text("reuters")
    credits = find_credits(text)
    assert len(credits) >= len(FORM_CASES)
    for credit in credits:
        assert isinstance(credit, Credit)
        assert credit.span.of(text) == credit.text == credit.text.strip()


def test_spans_restrict_search_and_offsets_stay_absolute():
    text = "Talks stalled, Reuters reported.\nThe BBC covered it.\nSource: AFP\n"
    first = Span(0, text.index("\n"))
    last = Span(text.index("Source"), len(text) - 1)
    credits = find_credits(text, [last, first])
    assert [(c.publisher, c.form, c.span.start) for c in credits] == [
        ("Reuters", "reported", text.index("Reuters")),
        ("Agence France-Presse", "source-line", text.index("Source")),
    ]
    assert find_credits(text, []) == []


def test_span_start_counts_as_line_start():
    text = "[ad_1] By Jane Doe, Reuters"
    span = Span(text.index("By"), len(text))
    assert found(text, spans=[span]) == [("Reuters", "byline-outlet", "By Jane Doe, Reuters")]


def test_overlapping_spans_report_once():
    text = "Talks stalled, Reuters reported."
    assert len(find_credits(text, [Span(0, 20), Span(5, len(text)), Span(0, len(text))])) == 1


# ---------------------------------------------------------------------------
# Articles
# ---------------------------------------------------------------------------


def test_article_searches_credit_debris_but_not_captions():
    article = clean_text(
        "Kyiv asked for more air defence on Monday, officials said.\n"
        "Image caption, Reuters footage of the strike\n"
        "Photo: AFP\n"
        "(Reporting by Jonathan Landay; Editing by Mary Milliken)\n"
        "© 2024 Reuters\n"
        "By Jane Doe, Reuters\n"
    )
    forms = [(c.publisher, c.form) for c in article_credits(article)]
    assert forms == [
        ("Agence France-Presse", "photo-credit"),
        ("Reuters", "house-style"),
        ("Reuters", "copyright"),
        ("Reuters", "byline-outlet"),
    ]
    assert credited_publishers(article) == {"Reuters"}
    assert credited_publishers(article, forms={"photo-credit"}) == {"Agence France-Presse"}


def test_lone_parenthetical_under_a_photo_is_a_photo_credit():
    article = clean_text("Kyiv asked for more air defence on Monday, officials said.\n(Reuters)\n")
    assert [(c.publisher, c.form) for c in article_credits(article)] == [("Reuters", "photo-credit")]
    assert credited_publishers(article) == set()


def test_house_style_alone_is_not_a_credit():
    article = clean_text("Kyiv asked for more air defence on Monday, officials said.\n"
                         "(Reporting by Jonathan Landay; Editing by Mary Milliken)\n")
    assert credited_publishers(article) == set()
    assert credited_publishers(article, forms=CREDIT_FORMS | {"house-style"}) == {"Reuters"}


def test_sitename_is_not_a_credit():
    from dataclasses import replace

    article = clean_text("Kyiv asked for more air defence on Monday, officials said.")
    article = replace(article, metadata={"sitename": "Reuters", "hostname": "reuters.com"})
    assert credited_publishers(article) == set()


# ---------------------------------------------------------------------------
# Publisher lookup
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name, expected",
    [
        ("https://www.reuters.com/world/europe/us-allows-ukraine-2024-11-20/", "Reuters"),
        ("http://feeds.reuters.com/reuters/topNews", "Reuters"),
        ("apnews.com", "Associated Press"),
        ("https://apnews.com/article/ukraine-russia", "Associated Press"),
        ("www.bbc.co.uk/news/world-europe-123", "BBC"),
        ("news.bbc.co.uk", "BBC"),
        ("edition.cnn.com", "CNN"),
        ("washingtonpost.com", "The Washington Post"),
        ("WaPo", "The Washington Post"),
        ("Washington Post", "The Washington Post"),
        ("the new york times", "The New York Times"),
        ("NYT", "The New York Times"),
        ("AP", "Associated Press"),
        ("The Associated Press", "Associated Press"),
        ("the BBC", "BBC"),
        ("BBC News", "BBC"),
        ("TIME", "TIME"),
        ("Time magazine", "TIME"),
        ("https://time.com/6137766/us-russia-talks/", "TIME"),
        ("skai.gr", "Skai"),
        ("Source", None),
        ("RFE/RL", "Radio Free Europe/Radio Liberty"),
        ("  Financial   Times ", "Financial Times"),
        ("ap", None),
        ("time", None),
        ("Time", None),
        ("Reuters Institute", None),
        ("example.com", None),
        ("https://go.com/", None),
        ("", None),
        ("[", None),
    ],
)
def test_canonical_publisher(name, expected):
    assert canonical_publisher(name) == expected


def test_canonical_publisher_extra():
    extra = {"Example Daily": ["ED", "exampledaily.gr", "https://news.example.org/feed"]}
    assert canonical_publisher("example daily", extra) == "Example Daily"
    assert canonical_publisher("ED", extra) == "Example Daily"
    assert canonical_publisher("ed", extra) is None
    assert canonical_publisher("https://www.exampledaily.gr/politics/1", extra) == "Example Daily"
    assert canonical_publisher("news.example.org", extra) == "Example Daily"
    assert canonical_publisher("Reuters", extra) == "Reuters"
    assert canonical_publisher("ED") is None
    assert canonical_publisher("ekathimerini.com", {"Kathimerini English": "ekathimerini.com"}) == "Kathimerini English"


def test_find_credits_with_extra_publishers():
    publishers = {"Example Daily": ["ED", "exampledaily.gr"]}
    text = "Source: Example Daily\nThe minister told ED on Monday.\nED readers wrote in. Source: exampledaily.gr"
    assert found(text, publishers=publishers) == [
        ("Example Daily", "source-line", "Source: Example Daily"),
        ("Example Daily", "told", "told ED"),
        ("Example Daily", "source-line", "Source: exampledaily.gr"),
    ]
    assert found(text) == []


def test_publisher_table_is_consistent():
    assert 50 <= len(PUBLISHERS) <= 70
    seen: dict[str, str] = {}
    for outlet in PUBLISHERS:
        assert canonical_publisher(outlet.name) == outlet.name
        for alias in outlet.aliases:
            key = alias.casefold()
            assert seen.setdefault(key, outlet.name) == outlet.name, alias
            assert canonical_publisher(alias) == outlet.name, alias
        for alias in outlet.cased:
            assert seen.setdefault(alias, outlet.name) == outlet.name, alias
            assert canonical_publisher(alias) == outlet.name, alias
        for domain in outlet.domains:
            assert domain == domain.lower()
            assert canonical_publisher(f"https://www.{domain}/news/1") == outlet.name, domain
    for name in NOT_PUBLISHERS:
        assert canonical_publisher(name) is None


def test_credit_forms():
    assert CREDIT_FORMS == set(FORMS) - {"mention", "photo-credit", "house-style"}
    assert "interview" in CREDIT_FORMS
    credit = find_credits("Talks stalled, Reuters reported.")[0]
    assert credit_data(credit) == {"publisher": "Reuters", "form": "reported", "credit": True,
                                "span": [15, 31], "text": "Reuters reported"}


def test_long_text_is_fast():
    text = "\n".join(seed_text(name) for name in sorted(SEEDS)) * 20
    started = time.perf_counter()
    credits = find_credits(text)
    assert time.perf_counter() - started < 3
    assert len(credits) == 20 * 10
