"""Tests for dedupe.segmentation: exact sentence lists plus partition properties."""

from __future__ import annotations

import random
import time
from pathlib import Path

import pytest

from dedupe.segmentation import MAX_SENTENCE_CHARS, MIN_PIECE_CHARS, split_paragraphs, split_sentences
from dedupe.model import Span

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "seeds"


def sentences(text: str, start: int = 0, end: int | None = None) -> list[str]:
    spans = split_sentences(text, start, end)
    assert_partition(text, spans, start, end)
    return [s.of(text) for s in spans]


def assert_partition(
    text: str, spans: list[Span], start: int = 0, end: int | None = None, cap: int | None = MAX_SENTENCE_CHARS
) -> None:
    """Spans are ordered, disjoint, stripped, non-empty, inside [start, end),
    capped in length (sentences; paragraphs are not), and only whitespace lies outside them."""
    end = len(text) if end is None else end
    previous_end = start
    for span in spans:
        assert previous_end <= span.start < span.end <= end, (span, previous_end)
        assert text[previous_end : span.start].strip() == "", "non-space char dropped"
        piece = span.of(text)
        assert piece == piece.strip(), f"unstripped span {piece!r}"
        assert cap is None or len(span) <= cap
        previous_end = span.end
    assert text[previous_end:end].strip() == "", "non-space char dropped at the end"


# --- boundaries -------------------------------------------------------------


@pytest.mark.parametrize(
    "text, expected",
    [
        (
            "The talks ended on Friday. Officials flew home.",
            ["The talks ended on Friday.", "Officials flew home."],
        ),
        (
            "Is this the end of the war? Nobody knows.",
            ["Is this the end of the war?", "Nobody knows."],
        ),
        (
            "Stop the war! Protesters chanted outside.",
            ["Stop the war!", "Protesters chanted outside."],
        ),
        (
            "Can they really do this?! Critics were furious.",
            ["Can they really do this?!", "Critics were furious."],
        ),
        (
            "The talks dragged on… Nobody expected a deal.",
            ["The talks dragged on…", "Nobody expected a deal."],
        ),
        (
            "The talks dragged on... Nobody expected a deal.",
            ["The talks dragged on...", "Nobody expected a deal."],
        ),
        (
            "Casualties rose again. 15 people died on Monday.",
            ["Casualties rose again.", "15 people died on Monday."],
        ),
        (
            "Prices rose sharply. $5 now buys a loaf of bread.",
            ["Prices rose sharply.", "$5 now buys a loaf of bread."],
        ),
        (
            "The ministry declined to comment. (Reporting by Jane Doe.)",
            ["The ministry declined to comment.", "(Reporting by Jane Doe.)"],
        ),
    ],
    ids=["period", "question", "exclamation", "interrobang", "ellipsis-char",
         "ellipsis-dots", "digit-start", "currency-start", "bracket-start"],
)
def test_splits_after_terminators(text: str, expected: list[str]) -> None:
    assert sentences(text) == expected


def test_lowercase_after_terminator_does_not_split() -> None:
    text = "Was it worth it? not according to the ministry, which said no. and left."
    assert sentences(text) == [text]


@pytest.mark.parametrize(
    "text, expected",
    [
        (
            "He said: “We will adapt.” Then he left.",
            ["He said: “We will adapt.”", "Then he left."],
        ),
        (
            'He said: "We will adapt." Then he left.',
            ['He said: "We will adapt."', "Then he left."],
        ),
        (
            "She called it 'a disgrace.' The minister resigned.",
            ["She called it 'a disgrace.'", "The minister resigned."],
        ),
        (
            "He called it ‘a disgrace.’ The minister resigned.",
            ["He called it ‘a disgrace.’", "The minister resigned."],
        ),
        (
            "Han sa: «Vi kommer.» Så gikk han.",
            ["Han sa: «Vi kommer.»", "Så gikk han."],
        ),
        (
            "Il a dit : « Nous partons. » Puis il est parti.",
            ["Il a dit : « Nous partons. »", "Puis il est parti."],
        ),
        (
            "The strikes continued (as expected.) Kyiv said nothing.",
            ["The strikes continued (as expected.)", "Kyiv said nothing."],
        ),
        (
            "“Why now?!” The question hung in the air.",
            ["“Why now?!”", "The question hung in the air."],
        ),
    ],
    ids=["curly-double", "straight-double", "straight-single", "curly-single",
         "guillemets", "french-spaced-guillemets", "paren", "after-interrobang"],
)
def test_closing_quotes_and_brackets_stay_with_sentence(
    text: str, expected: list[str]
) -> None:
    assert sentences(text) == expected


def test_lowercase_attribution_after_quoted_question_stays_one_sentence() -> None:
    text = "“Are they looking for a global conflict?” he asked."
    assert sentences(text) == [text]


def test_lowercase_attribution_after_quoted_exclamation_stays_one_sentence() -> None:
    text = "“Enough is enough!” she told reporters in Brussels."
    assert sentences(text) == [text]


def test_capitalised_word_after_quoted_question_splits() -> None:
    text = "“Are they looking for a global conflict?” Russia said the West was to blame."
    assert sentences(text) == [
        "“Are they looking for a global conflict?”",
        "Russia said the West was to blame.",
    ]


@pytest.mark.parametrize(
    "text",
    [
        "Mr. Biden and Mrs. Biden met Ms. Harris at the White House.",
        "Dr. Anthony Fauci and Prof. Jane Smith testified before Congress.",
        "Gen. Mark Milley, Lt. Col. Alexander Vindman and Sgt. John Doe were named.",
        "Capt. Jane Roe briefed Gov. Kathy Hochul, Sen. Chuck Schumer and Rep. Nancy Pelosi.",
        "Rev. Al Sharpton spoke in St. Petersburg, Florida.",
        "Martin Luther King Jr. Day and the Sr. Partners event were cancelled.",
        "Shares of Apple Inc. rose while Acme Ltd. and Acme Co. fell.",
        "Acme Corp. Chief Executive John Doe resigned.",
        "The ruling in Smith vs. Jones covered fruit, nuts, etc. and other goods.",
        "Some weapons, e.g. Patriot batteries, i.e. air defence systems, were sent.",
        "The summit opens Jan. 5 and closes Feb. 2; talks resume Aug. 3 or Sept. 11.",
        "Elections fall on Oct. 3, Nov. 8 and Dec. 15 this year.",
        "The crowd numbered approx. 2,000 people.",
    ],
)
def test_abbreviations_do_not_split(text: str) -> None:
    assert sentences(text) == [text]


@pytest.mark.parametrize(
    "text",
    [
        "John F. Kennedy was assassinated in Dallas in 1963.",
        "President-elect Donald J. Trump takes office in January.",
        "The book by A. A. Milne was reissued.",
        "J. R. R. Tolkien wrote it.",
    ],
)
def test_initials_do_not_split(text: str) -> None:
    assert sentences(text) == [text]


@pytest.mark.parametrize(
    "text",
    [
        "U.S. officials said so.",
        "The U.S. Army confirmed the deployment.",
        "Talks between the U.S. and Russia resumed.",
        "The U.K. Foreign Office and the U.N. Security Council both objected.",
        "The E.U. Commission met at 9 a.m. Brussels time and adjourned at 5 p.m. sharp.",
        "He earned a Ph.D. in physics.",
    ],
)
def test_dotted_acronyms_before_names_and_lowercase_do_not_split(text: str) -> None:
    assert sentences(text) == [text]


@pytest.mark.parametrize(
    "text, expected",
    [
        (
            "He lives in the U.S. He moved in 2010.",
            ["He lives in the U.S.", "He moved in 2010."],
        ),
        (
            "The vote was held at the U.N. The resolution failed.",
            ["The vote was held at the U.N.", "The resolution failed."],
        ),
        (
            "The meeting ended at 7 p.m. It was short.",
            ["The meeting ended at 7 p.m.", "It was short."],
        ),
        (
            "Troops withdrew from the U.K. However, some stayed.",
            ["Troops withdrew from the U.K.", "However, some stayed."],
        ),
        (
            "The deal was signed by Apple Inc. The company said it was pleased.",
            ["The deal was signed by Apple Inc.", "The company said it was pleased."],
        ),
        (
            "The award went to Martin Luther King Jr. His widow accepted it.",
            ["The award went to Martin Luther King Jr.", "His widow accepted it."],
        ),
        (
            "They bought bread, milk, etc. Then they went home.",
            ["They bought bread, milk, etc.", "Then they went home."],
        ),
        (
            "The company chose Plan B. It was cheaper.",
            ["The company chose Plan B.", "It was cheaper."],
        ),
    ],
)
def test_period_after_acronym_or_abbreviation_splits_before_common_starter(
    text: str, expected: list[str]
) -> None:
    assert sentences(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Inflation rose 3.5 percent in October.",
        "The package is worth $1.2 billion over two years.",
        "The agency released version 2.0 of the software.",
        "The prime minister spoke outside No. 10 Downing Street.",
        "Am 3. Oktober 2024 feierte Deutschland den Tag der Einheit.",
        "Den 17. mai feires nasjonaldagen.",
        "The vote is on 12. 3. 2024 in Bern.",
        "The ceasefire began at 12.30 on 01.02.2024.",
    ],
)
def test_numbers_and_dates_do_not_split(text: str) -> None:
    assert sentences(text) == [text]


def test_numbered_list_marker_does_not_split() -> None:
    assert sentences("1. The first demand is a ceasefire.") == [
        "1. The first demand is a ceasefire."
    ]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("The talks ended.Officials left.", ["The talks ended.", "Officials left."]),
        (
            "Kyiv was hit overnight.Russia denied targeting civilians.",
            ["Kyiv was hit overnight.", "Russia denied targeting civilians."],
        ),
    ],
)
def test_missing_space_after_period_splits(text: str, expected: list[str]) -> None:
    assert sentences(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Read more at reuters.com and www.bbc.co.uk/news today.",
        "Visit https://www.Example.Org/path.Html for details.",
        "Write to press.Office@example.com for accreditation.",
        "The site is hosted at news.Com today.",
        "The leaked file Report.Final.pdf was published.",
        "The U.S.Army statement was brief.",
        "The e.g.Example form is wrong.",
        "Prof.Smith declined to comment.",
        "Growth was 3.5 percent.",
    ],
)
def test_missing_space_not_split_in_urls_emails_files_and_acronyms(text: str) -> None:
    assert sentences(text) == [text]


def test_mid_sentence_ellipsis_before_lowercase_does_not_split() -> None:
    text = "He warned that NATO officials … “should be fully aware of what is at stake.”"
    assert sentences(text) == [text]


def test_dialogue_dash_starts_a_sentence() -> None:
    text = (
        "– But blows are not dealt with words. Such things are not announced. "
        "– The rockets speak for themselves, he said."
    )
    assert sentences(text) == [
        "– But blows are not dealt with words.",
        "Such things are not announced.",
        "– The rockets speak for themselves, he said.",
    ]


# --- line breaks -------------------------------------------------------------


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_single_newline_is_not_a_boundary(newline: str) -> None:
    text = f"Pressure on Europe{newline}EU foreign affairs chief Josep Borrell spoke."
    assert sentences(text) == [text]


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_newline_after_terminator_splits_like_a_space(newline: str) -> None:
    text = f"The talks ended.{newline}Officials left."
    assert sentences(text) == ["The talks ended.", "Officials left."]


@pytest.mark.parametrize(
    "separator", ["\n\n", "\r\n\r\n", "\n  \n", " \r\n\t\r\n\n ", "\u2029\u2029"]
)
def test_blank_line_is_a_boundary(separator: str) -> None:
    text = f"Pressure on Europe{separator}EU foreign affairs chief Josep Borrell spoke"
    assert sentences(text) == [
        "Pressure on Europe",
        "EU foreign affairs chief Josep Borrell spoke",
    ]


def test_blank_line_splits_even_before_lowercase_and_after_abbreviation() -> None:
    text = "Remarks by Mr.\n\nsmith and others"
    assert sentences(text) == ["Remarks by Mr.", "smith and others"]


# --- news fixtures -----------------------------------------------------------


def test_quote_with_inner_question_and_acronym() -> None:
    text = (
        "“If Europe were to face those serious consequences, what will the United "
        "States do, considering our strategic arms parity? It is hard to tell,” he "
        "said, referring to U.S. and Russian nuclear arsenals. “Are they looking for "
        "a global conflict?”"
    )
    assert sentences(text) == [
        "“If Europe were to face those serious consequences, what will the United "
        "States do, considering our strategic arms parity?",
        "It is hard to tell,” he said, referring to U.S. and Russian nuclear arsenals.",
        "“Are they looking for a global conflict?”",
    ]


@pytest.mark.parametrize(
    "text",
    [
        "He warned that NATO officials … “should be fully aware of what is at stake.”",
        "The United States began providing ATAMCS missiles to Ukraine this spring on "
        "the condition that they not be used to strike inside Russia — a stipulation "
        "designed to prevent an unintended escalation.",
        "– Today, many in the media are talking about the fact that we have been "
        "authorised to take appropriate measures,” Zelensky said in his evening speech.",
        "Since April, it has also sent a longer-range version of the ATACMS missiles "
        "to Ukraine, which can travel up to 190 miles (300 km).",
        "The superpowers scrapped 2,600 land-based missiles with ranges 310 to "
        "three,420 miles—weapons thought-about destabilizing.",
        "“Russia says its safety is threatened by U.S., and NATO workout routines as "
        "properly,” a senior administration official instructed reporters on Saturday.",
        "Communication between the U.S. and Russia—nations commanding the world’s two "
        "largest nuclear arsenals—has been restricted ever since.",
    ],
)
def test_single_news_sentences_stay_whole(text: str) -> None:
    assert sentences(text) == [text]


def test_news_paragraph() -> None:
    text = (
        "Biden’s decision is a major shift in US policy. The election has divided his "
        "advisers, and the shift comes two months before President-elect Donald J. "
        "Trump takes office. “We will not be intimidated,” Mr. Zelensky said at 9 p.m. "
        "on Sunday… Moscow has yet to respond."
    )
    assert sentences(text) == [
        "Biden’s decision is a major shift in US policy.",
        "The election has divided his advisers, and the shift comes two months before "
        "President-elect Donald J. Trump takes office.",
        "“We will not be intimidated,” Mr. Zelensky said at 9 p.m. on Sunday…",
        "Moscow has yet to respond.",
    ]


@pytest.mark.parametrize("path", sorted(FIXTURES.glob("*.txt")), ids=lambda p: p.name)
def test_fixture_files_are_partitioned(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert_partition(text, split_sentences(text))
    for paragraph in split_paragraphs(text):
        assert_partition(
            text, split_sentences(text, paragraph.start, paragraph.end),
            paragraph.start, paragraph.end,
        )


# --- offsets and ranges ------------------------------------------------------


def test_offsets_are_absolute_into_text() -> None:
    text = "IGNORED. He lives in the U.S. He moved in 2010.  TAIL IGNORED."
    start = text.index("He lives")
    end = text.index("TAIL")
    spans = split_sentences(text, start, end)
    assert spans == [Span(start, start + 20), Span(start + 21, start + 38)]
    assert [s.of(text) for s in spans] == ["He lives in the U.S.", "He moved in 2010."]


def test_range_cutting_through_words_keeps_every_character() -> None:
    text = "The talks ended. Officials left."
    assert sentences(text, 5, 22) == ["alks ended.", "Offic"]


def test_end_is_exclusive_and_context_outside_range_is_ignored() -> None:
    text = "Officials met Mr. Smith."
    assert sentences(text, 0, text.index(" Smith")) == ["Officials met Mr."]


@pytest.mark.parametrize("text", ["", "   ", "\n\n\r\n \t"])
def test_empty_or_blank_text_has_no_sentences(text: str) -> None:
    assert split_sentences(text) == []
    assert split_paragraphs(text) == []


def test_empty_range_has_no_sentences() -> None:
    assert split_sentences("Some text.", 4, 4) == []


@pytest.mark.parametrize("start, end", [(-1, 3), (5, 3), (0, 99)])
def test_bad_range_raises(start: int, end: int) -> None:
    with pytest.raises(ValueError):
        split_sentences("Some text.", start, end)
    with pytest.raises(ValueError):
        split_paragraphs("Some text.", start, end)


# --- length cap ----------------------------------------------------------------


def test_long_text_without_terminators_is_capped_quickly() -> None:
    rng = random.Random(7)
    vocabulary = "missiles Ukraine officials said the talks in Brussels — U.S. and".split()
    text = " ".join(rng.choice(vocabulary) for _ in range(200_000))[:1_000_000]

    began = time.perf_counter()
    spans = split_sentences(text)
    elapsed = time.perf_counter() - began

    assert elapsed < 1.0
    assert_partition(text, spans)
    assert all(len(s) <= MAX_SENTENCE_CHARS for s in spans)
    # Content-defined cuts wait for a piece of sentence size.
    assert all(len(s) >= MIN_PIECE_CHARS for s in spans[:-1])


def test_copy_starting_inside_an_unpunctuated_run_shares_whole_pieces_with_it() -> None:
    """The pieces of a long run without punctuation are cut where its words say, not at
    fixed offsets: a copy that starts 37 words in falls into step with the source and
    then holds the very same pieces, the ones a MinHash can match."""
    rng = random.Random(11)
    vocabulary = [f"{w}{n}" for w in "Company Products Oil Grease Fluids Inc Packaging Corp".split() for n in range(30)]
    source = " ".join(rng.choice(vocabulary) for _ in range(600))
    start = len(" ".join(source.split()[:37])) + 1
    copy = source[start:]
    pieces = {s.of(source) for s in split_sentences(source)}
    copied = [s.of(copy) for s in split_sentences(copy)]
    assert len(copied) > 10
    shared = [piece for piece in copied if piece in pieces]
    assert len(shared) >= len(copied) - 2


def test_cap_splits_at_last_whitespace_before_the_limit() -> None:
    first = "a" * (MAX_SENTENCE_CHARS - 10)
    text = f"{first} bbbbbbbbb cccccccccccc dd."
    assert sentences(text) == [f"{first} bbbbbbbbb", "cccccccccccc dd."]


def test_run_without_whitespace_is_hard_split() -> None:
    text = "x" * (2 * MAX_SENTENCE_CHARS + 5)
    spans = split_sentences(text)
    assert spans == [
        Span(0, MAX_SENTENCE_CHARS),
        Span(MAX_SENTENCE_CHARS, 2 * MAX_SENTENCE_CHARS),
        Span(2 * MAX_SENTENCE_CHARS, 2 * MAX_SENTENCE_CHARS + 5),
    ]


@pytest.mark.parametrize(
    "text",
    [
        "x" * 300_000,
        "." * 300_000,
        ". " * 150_000,
        "a" + " " * 300_000 + "b",
        "a\n" * 150_000,
        "ab.Cd" * 60_000,
        "a." + "”" * 300_000 + " B",
    ],
    ids=["no-space", "dots", "dot-space", "spaces", "lines", "glued", "closers"],
)
def test_pathological_inputs_stay_partitioned(text: str) -> None:
    began = time.perf_counter()
    spans = split_sentences(text)
    assert time.perf_counter() - began < 2.0
    assert_partition(text, spans)


# --- properties on random text -----------------------------------------------

_TOKENS = [
    "The", "talks", "ended", "he", "said", "Mr.", "U.S.", "Officials", "p.m.",
    "3.5", "No.", "10", "“", "”", "\"", "'", "(", ")", "…", "...", "?!", ".", "!",
    "?", "–", "reuters.com", "ended.Officials", "J.", "Inc.", "etc.", "x" * 700,
    "\n", "\r\n", "\n\n", "\u2029", "\t", " ", "  ", "\u00a0", "»", "«",
]


@pytest.mark.parametrize("seed", range(40))
def test_random_text_is_partitioned_for_any_range(seed: int) -> None:
    rng = random.Random(seed)
    text = "".join(
        rng.choice(_TOKENS) + rng.choice(["", " ", " ", "\n"]) for _ in range(400)
    )
    assert_partition(text, split_sentences(text))
    for _ in range(10):
        start = rng.randrange(len(text) + 1)
        end = rng.randrange(start, len(text) + 1)
        assert_partition(text, split_sentences(text, start, end), start, end)
        assert_partition(text, split_paragraphs(text, start, end), start, end, cap=None)


# --- paragraphs ------------------------------------------------------------------


def test_paragraphs_split_on_every_line_break() -> None:
    text = (
        "Outgoing US President Joe Biden has reportedly authorised it.\n"
        "This could lead to an escalation.\r\n"
        "\n"
        "   Pressure on Europe   \n"
        "\u2028Last line"
    )
    assert [p.of(text) for p in split_paragraphs(text)] == [
        "Outgoing US President Joe Biden has reportedly authorised it.",
        "This could lead to an escalation.",
        "Pressure on Europe",
        "Last line",
    ]


def test_paragraph_offsets_are_absolute() -> None:
    text = "HEADER\nFirst para.\n\nSecond para.\nFOOTER"
    start, end = text.index("First"), text.index("FOOTER")
    spans = split_paragraphs(text, start, end)
    assert [p.of(text) for p in spans] == ["First para.", "Second para."]
    assert spans[0] == Span(start, start + len("First para."))
    assert_partition(text, spans, start, end)


def test_paragraph_without_line_breaks_is_one_paragraph() -> None:
    text = "  One paragraph. Two sentences.  "
    assert split_paragraphs(text) == [Span(2, 31)]
