"""Hostile input (issue 11): the rules do linear work, and still clean it right.

No test here has a wall-clock limit. The shape of the work is checked where
it can be counted: how much of a line the embed scanner reads, how wide the
contexts the credit forms see are, which contexts they are searched in at
all. Each rewrite made for speed is checked against the plain form it
replaced, on random text. Only the growth of whole families, whose regexes
run inside the re module where nothing can be counted, is timed, as a ratio
between sizes n and 4n: 4 when linear, 16 when quadratic.
"""

from __future__ import annotations

import random
import re
import time
from collections.abc import Callable

import pytest

from conftest import SEEDS, seed_text
from dedupe import cleaning, credits
from dedupe.cleaning import clean, clean_text
from dedupe.credits import COPYRIGHT_MAX_SIGNS, HOUSE_STYLE_MAX_GROUPS, credited_publishers, find_credits
from dedupe.model import Span
from dedupe.segmentation import MAX_SENTENCE_CHARS, split_sentences
from dedupe.settings import Settings
from dedupe.verdicts import _claims

HEAD = "Talks resumed in Geneva on Monday, officials said.\n"
TAIL = "\nBoth delegations expected a long session, a spokesman said.\n"

# ---------------------------------------------------------------------------
# Embed shortcodes
# ---------------------------------------------------------------------------

#: The one regex the embed rule used to be: right, but it read to the end of
#: the line from every opening never closed.
PLAIN_EMBED = re.compile(
    r"\[(caption|embed|video|audio|gallery|tweet|youtube)\b[^\]]*\].*?\[/\1\]"
    r"|\[/?[a-z][a-z0-9]*(?:[-_][a-z0-9]+)+(?:\s[^\[\]]*)?\]"
    r"|\[/?[a-z][a-z0-9_-]*\s+[a-z_-]+\s*=[^\[\]]*\]"
    r"|\[/?(?:caption|embed|gallery|video|audio|playlist|tweet|youtube|instagram|iframe|contact-form)\b[^\[\]]*\]"
)
EMBED_TOKENS = ["[video]", "[/video]", "[video", "[caption id=\"a\" align=x]", "[/caption]", "[embed]", "[/embed]",
                "[gallery ids=1,2]", "[ad_1]", "[", "]", "[/", "[a-b]", "[a b=c]", "[sic]", "[Ukraine]", "[video [x]",
                " ", "text", "[tweet]", "[/tweet]", "[videos]", "[audio src=a]", "[/audio]", "[contact-form]", "[[", "]]"]


def test_embed_scanner_finds_what_the_single_regex_found():
    rng = random.Random(11)
    for _ in range(3000):
        line = "".join(rng.choice(EMBED_TOKENS) for _ in range(rng.randint(1, 14)))
        assert list(cleaning._embed_shortcodes(line)) == [m.span() for m in PLAIN_EMBED.finditer(line)], line


class CountingLine(str):
    """A line that counts the characters its ``find`` reads."""

    read = 0

    def find(self, needle, start=0, end=None):
        found = super().find(needle, start, end)
        CountingLine.read += (len(self) if found < 0 else found + len(needle)) - start
        return found


@pytest.mark.parametrize("unit", ["[video]", "[video ", "[caption]x[/video]", "[embed a=b] [/caption]", "[a-b [video]"])
def test_embed_scanner_reads_a_line_a_fixed_number_of_times(monkeypatch, unit):
    """Every lookup of the scanner starts where the last one of its kind
    stopped: in all, its finds and searches read each character a few times,
    however many shortcodes open and never close."""
    searched = []
    tag = cleaning._EMBED_TAG

    class CountingTag:
        @staticmethod
        def search(line, position=0):
            found = tag.search(line, position)
            searched.append((found.end() if found else len(line)) - position)
            return found

        @staticmethod
        def finditer(line, position=0):
            searched.append(len(line) - position)
            return tag.finditer(line, position)

    monkeypatch.setattr(cleaning, "_EMBED_TAG", CountingTag)
    for count in (2_000, 8_000):
        line = CountingLine(unit * count)
        CountingLine.read = 0
        searched.clear()
        list(cleaning._embed_shortcodes(line))
        assert CountingLine.read <= 3 * len(line)
        assert sum(searched) <= 2 * len(line)
    short = unit * 200
    assert list(cleaning._embed_shortcodes(short)) == [m.span() for m in PLAIN_EMBED.finditer(short)]


def test_inline_cuts_agree_with_checking_every_pair():
    """Overlaps are found by bisection; the cuts are those of the plain
    check of each new match against every earlier cut."""
    rng = random.Random(5)
    tokens = [*EMBED_TOKENS, "[ad]", "[ ad 2 ]", "[banner-3]", "[ADS]", "<", "\x01", "[ad_1][/video]"]
    for _ in range(2000):
        line = "".join(rng.choice(tokens) for _ in range(rng.randint(1, 12))).strip() or "x"
        text = f"pre\n{line}\npost"
        debris: list = []
        cleaning._cut_inline(text, Span(4, 4 + len(line)), debris)
        expected: list[tuple[int, int]] = []
        for _, find in cleaning._INLINE_RULES:
            for start, end in find(line):
                if not any(start < e and s < end for s, e in expected):
                    expected.append((start, end))
        assert [(d.span.start - 4, d.span.end - 4) for d in debris] == sorted(expected)


# ---------------------------------------------------------------------------
# Line rules: the byline's name words, the photo credit's "via" groups
# ---------------------------------------------------------------------------

#: The byline, sign-off and photo-credit rules as they were, the first and
#: last trying a long line in quadratically many ways.
PLAIN_NAME = r"[A-Z][\w.'’-]*(?:\s+(?:de|van|von|da|bin|al|el|[A-Z][\w.'’-]*)){0,3}"
PLAIN_NAMES = rf"{PLAIN_NAME}(?:(?:\s*,\s*|\s+and\s+|\s*&\s*){PLAIN_NAME})*"
PLAIN_BYLINE = re.compile(
    rf"(?i:by|written by|words by|story by|reported by)\s+{PLAIN_NAMES}"
    r"(?:\s*[,|–—-]\s*(?:[A-Z][\w&.'’-]*|and|of|the|in|staff|writer|reporter|correspondent|editor|"
    r"contributor|senior|chief|political|news)(?:\s+(?:[A-Z][\w&.'’-]*|and|of|the|in|staff|writer|reporter|"
    r"correspondent|editor|contributor|senior|chief|political|news|&))*)?")
PLAIN_SIGN_OFF = re.compile(
    rf"{PLAIN_NAMES}\s+(?:reported|contributed(?: reporting)?|contributed to this (?:report|story|article)|"
    r"wrote this (?:report|story|article))(?:\s+(?:from|in)\s+[^.!?]{1,60})?\.?")
PLAIN_PHOTO_CREDIT = re.compile(
    r"(?:image|photo|picture|video|media|graphic)\s+(?:source|credit|courtesy)\s*[,:]\s*.{1,80}|"
    r"(?:photo|photograph|image|picture|pic|illustration|graphic|photo credit|image credit|credit)s?\s*(?:by)?"
    r"\s*[:/]\s*.{1,80}|"
    r"\(?(?:photos?|images?|pictures?)\s+(?:by|courtesy of)\s+.{1,80}|"
    r"\(?(?:.{0,60}/)?(?:getty images|afp|ap photo|ap|reuters|epa(?:-efe)?|shutterstock|alamy|bloomberg)"
    r"(?:\s*(?:/|via)\s*[\w .]+){0,2}\)?", re.IGNORECASE)
LINE_TOKENS = ["By", "Jane", "Doe", "A", "a", "-", "–", ",", "&", "and", "of", "staff", "Doe-Smith", "Doe-and",
               "Doe-X&y", "X&Y", "de", "O'Neil", "J.", "|", "Reuters", "AP", "via", "/", "(", ")", "Getty Images",
               "viavia", "Doe-Staff", "Z-", "-A", "$5", "!", "x", "reported", "contributed", "from", "London"]


def line_rule(reason: str) -> re.Pattern[str]:
    """The first line rule of the family ``reason``."""
    return next(r.pattern for r in cleaning._LINE_RULES if r.reason == reason)


@pytest.mark.parametrize("line", ["By Jane Doe-X&y", "By Anne Smith-Jones, Bob Lee", "By Jane Doe-and",
                                  "By Jane Doe - Reuters", "By Jane Doe-Reuters staff", "By Jane Doe-Smith-Jones"])
def test_byline_names_read_as_before(line):
    assert line_rule("byline").fullmatch(line) and PLAIN_BYLINE.fullmatch(line)


def test_line_rules_match_as_their_plain_forms_did():
    """On a line's core (single spaces), the rewritten rules say what the
    plain ones said."""
    byline, sign_off, photo = line_rule("byline"), line_rule("sign-off"), line_rule("photo-credit")
    rng = random.Random(3)
    for _ in range(20_000):
        glue = rng.choice([" ", ""])
        core = cleaning._core(glue.join(rng.choice(LINE_TOKENS) for _ in range(rng.randint(1, 9))))
        assert bool(byline.fullmatch(core)) == bool(PLAIN_BYLINE.fullmatch(core)), core
        assert bool(sign_off.fullmatch(core)) == bool(PLAIN_SIGN_OFF.fullmatch(core)), core
        assert bool(photo.fullmatch(core)) == bool(PLAIN_PHOTO_CREDIT.fullmatch(core)), core


# ---------------------------------------------------------------------------
# Credits: bounded contexts, searched only where their words are
# ---------------------------------------------------------------------------


def test_credit_forms_see_only_their_window(monkeypatch):
    """However long the line, each name's contexts are at most
    ``credit_context_chars`` either side, and each context is classified
    once (here every one is new)."""
    seen: list[tuple[int, int]] = []
    classify = credits._form_around

    def recording(before: str, after: str, at_line_start: bool):
        seen.append((len(before), len(after)))
        return classify(before, after, at_line_start)

    monkeypatch.setattr(credits, "_form_around", recording)
    text = "".join(f"AFP via {n} told Reuters " for n in range(3000))  # one line of 77 KB
    settings = Settings(credit_context_chars=120, credit_names_classified=6000)
    found = find_credits(text, settings=settings)
    assert len(seen) == len(found) == 6000
    assert max(before for before, _ in seen) == max(after for _, after in seen) == 120


def test_only_the_first_and_last_names_are_classified(monkeypatch):
    """A text naming outlets by the thousand has only its first and last
    ``credit_names_classified / 2`` names read in context: credits at the
    top and the end are found, the names between are mentions."""
    calls = []
    classify = credits._form_around
    monkeypatch.setattr(credits, "_form_around", lambda *context: calls.append(1) or classify(*context))
    middle = "".join(f"Item {n}: the BBC and CNN. " for n in range(5000))
    text = f"LONDON (Reuters) - Talks resumed. {middle}The talks went on, according to the New York Times."
    found = find_credits(text, settings=Settings(credit_names_classified=100))
    assert len(calls) == 100 and len(found) == 10_002
    assert (found[0].publisher, found[0].form) == ("Reuters", "dateline")
    assert (found[-1].publisher, found[-1].form) == ("The New York Times", "according-to")
    assert {credit.form for credit in found[1:-1]} == {"mention"}


def plain_credits(text: str, window: int) -> list[credits.Credit]:
    """Credits as they were found before: each context cut at the ends of its
    line (looked for from the name to the ends of the text), every form
    searched in every context."""
    index = credits._index(())
    found = []
    previous: tuple[str, int] | None = None
    for match in index.pattern.finditer(text):
        publisher = index.publisher(match.group())
        if publisher is None:
            continue
        start, end = match.span()
        line_start = text.rfind("\n", 0, start) + 1
        before_start = max(line_start, start - window)
        before = text[before_start:start]
        line_end = text.find("\n", end)
        after = text[end : min(len(text) if line_end < 0 else line_end, end + window)]
        credit = credits._mention(text, start, end, publisher)
        for form in credits._FORMS:
            if form.line_start and before_start != line_start:
                continue
            head = form.before.search(before) if form.before else credits._ARTICLE.search(before)
            tail = form.after.match(after) if form.after else None
            if (form.before and head is None) or (form.after and tail is None):
                continue
            credit = credits._credit(text, before_start + head.start() if head else start,
                                     end + tail.end() if tail else end, publisher, form.form)
            break
        if credit.form == "parenthetical" and previous is not None and previous[0] == publisher \
                and not text[previous[1] : credit.span.start].strip():
            credit = credits._mention(text, start, end, publisher)
        previous = (publisher, end)
        if credit.form == "mention" and match.group() in index.weak:
            continue
        found.append(credit)
    found.extend(credits._house_styles(text, Span(0, len(text))))
    return sorted(set(found), key=lambda c: (c.span, c.publisher, c.form))


CREDIT_WORDS = ["Reuters", "AP", "AFP", "the New York Times", "BBC", "told", "according to", "citing", "reported",
                "Source:", "via", "photo", "©", "2024", "(", ")", ",", ";", ":", "-", "—", ".", "\n", "  ", "\t",
                "in an interview with", "a report by", "Reporting by", "contributed", "Getty Images", "/", "İ", "ı",
                "ſource:", "cıting", "\u212aYODO", "Kyodo", "wrote", "KYIV, Ukraine", "(c)", "Copyright", "By Jane Doe"]


def test_credits_are_those_of_searching_every_form_everywhere():
    """Contexts cut at the window (not at the line's ends), forms skipped
    where their words are missing, contexts remembered: the same credits as
    searching every form in every context."""
    rng = random.Random(17)
    texts = [seed_text(name) for name in sorted(SEEDS)]
    for _ in range(1500):
        texts.append(" ".join(rng.choice(CREDIT_WORDS) for _ in range(rng.randint(2, 30))))
    for text in texts:
        window = rng.choice([5, 20, 300])
        assert find_credits(text, settings=Settings(credit_context_chars=window)) == plain_credits(text, window), text


def holds(needs, text: str) -> bool:
    return all(any(word in text.lower() for word in insensitive) or any(word in text for word in sensitive)
               for insensitive, sensitive in needs)


def test_needed_words_are_read_off_the_pattern():
    needs = credits._needed_words(r"\b(?:told|tells|(?:spoke|said)\s+to)\s+(?:the\s+)?", re.IGNORECASE)
    assert all(holds(needs, text) for text in ("TOLD ", "x tells ", "spoke to the ", "Said\tto "))
    assert not holds(needs, "reported by the ")
    assert credits._needed_words(r"\(\s*[-–—]\s*(?i:via)", 0) == ((("via",), ()), ((), ("(",)), ((), ("-", "–", "—")))
    assert credits._needed_words(r"(?:a|\s)+", re.IGNORECASE) == ()  # nothing it must hold
    assert all(form.needs for form in credits._FORMS
               if form.before is not None and form.form in ("told", "according-to", "citing", "copyright"))


def test_ascii_folds_are_all_there():
    """Every character the re module matches to an ASCII letter regardless of
    case, beyond the letter's two forms, is made ASCII before contexts are
    lowercased; lowercasing changes the length of no other character."""
    characters = "".join(chr(c) for c in range(0x80, 0x110000) if not 0xD800 <= c < 0xE000)
    folding = {m.group() for m in re.finditer(r"(?i:[a-z])", characters)}
    assert folding == {chr(c) for c in credits._ASCII_FOLDS}
    assert all(len(c.lower()) == 1 for c in characters if c not in folding)


def test_publisher_names_found_as_by_one_alternation():
    """Aliases grouped by first letter find the same names as one long
    alternation in the order of the table."""
    index = credits._index(())
    alternatives = sorted([(a, False) for a in index.folded] + [(a, True) for a in index.cased],
                          key=lambda item: -len(item[0]))
    body = "|".join(credits._alias_regex(alias, exact) for alias, exact in alternatives)
    plain = re.compile(rf"(?<!\w)(?:{body})(?:(?!\w)|(?<=[a-z])(?=[A-Z]))")
    text = "\n".join(seed_text(name) for name in sorted(SEEDS)) + " İnterfax \u212aYODO ſkai Kyodo NYT nyt The AP-NORC"
    assert [m.span() for m in index.pattern.finditer(text)] == [m.span() for m in plain.finditer(text)]
    # An alias that starts outside ASCII: one alternation, as before.
    assert [(c.publisher, c.form) for c in find_credits("It was, Échos reported.", publishers={"Échos": []})] == [
        ("Échos", "reported")]


def test_long_sign_offs_and_copyright_runs_are_read_from_their_end():
    groups = "".join(f"Reporting by Reporter {n}; " for n in range(20))
    text = f"({groups}Editing by Jane Doe)"
    style = [c for c in find_credits(text) if c.form == "house-style"]
    assert len(style) == 1 and style[0].text.startswith(f"Reporting by Reporter {20 - HOUSE_STYLE_MAX_GROUPS};")
    short = "(Reporting by Jane Doe in Kyiv; Additional reporting by John Roe; Editing by Mary Poe)"
    assert [c.text for c in find_credits(short) if c.form == "house-style"] == [short]
    notice = "© " * 9 + "2024 Reuters"
    copyright_ = [c for c in find_credits(notice) if c.form == "copyright"]
    assert copyright_[0].text == "© " * COPYRIGHT_MAX_SIGNS + "2024 Reuters"
    assert find_credits("Copyright © 2024 Reuters")[0].text == "Copyright © 2024 Reuters"


# ---------------------------------------------------------------------------
# The hostile inputs still clean right
# ---------------------------------------------------------------------------


def test_hostile_text_cleans_right():
    article = clean_text(HEAD + "[video]" * 5000 + TAIL)
    assert article.cleaned_text == HEAD.strip() + "\n\n" + TAIL.strip()
    assert {d.reason for d in article.debris} == {"embed-shortcode"} and len(article.debris) == 5000

    article = clean_text(HEAD + "[ad_1] [video] " * 2000 + TAIL)
    assert {d.reason for d in article.debris} == {"ad-marker", "embed-shortcode"} and len(article.debris) == 4000

    unclosed = "[ad" + " " * 20_000 + "and then the text goes on."
    assert clean_text(HEAD + unclosed + TAIL).cleaned_text.count("[ad") == 1  # not a marker: it is never closed
    assert clean_text("[ad" + " " * 20_000 + "]\n" + HEAD).debris[0].reason == "ad-marker"

    page = ("<html><body><article><h1>Talks resume</h1><p>" + HEAD.strip() + "</p><p>" + "[video]" * 5000
            + "</p><p>" + TAIL.strip() + "</p></article></body></html>")
    article = clean(page, kind="html")
    assert "[video]" not in article.cleaned_text and HEAD.strip() in article.cleaned_text

    line = "By Jane " + "Doe-" * 5000 + "Doe $5"
    assert line in clean_text(HEAD + line + TAIL).cleaned_text  # not a byline: it ends in a price


def test_hostile_text_credits_right():
    spam = clean_text(HEAD + "AFP via " * 5000 + TAIL)
    assert credited_publishers(spam) == set()
    assert {c.form for c in find_credits(spam.text)} == {"mention"}
    signed = HEAD + "Reporting by John Smith; " * 2000 + "Editing by Jane Doe)" + TAIL
    assert [c.form for c in find_credits(signed)] == ["house-style"]


def test_claims_see_only_sentences_of_bounded_length():
    """The claim signals run on sentences from segmentation, which never
    passes on more than ``MAX_SENTENCE_CHARS``."""
    text = "Officials said 5 " + "very " * 100_000 + "things happened on Monday."
    sentences = split_sentences(text)
    assert max(len(s) for s in sentences) <= MAX_SENTENCE_CHARS
    assert _claims(text, sentences)


# ---------------------------------------------------------------------------
# Growth of each family, n against 4n
# ---------------------------------------------------------------------------

GROWTH: dict[str, tuple[Callable[[str], object], Callable[[int], str]]] = {
    "embed shortcodes": (clean_text, lambda n: HEAD + "[video]" * (n // 7) + TAIL),
    "embed openings": (clean_text, lambda n: HEAD + "[video " * (n // 7) + TAIL),
    "ad marker padding": (clean_text, lambda n: HEAD + "[ad" + " " * n + "x" + TAIL),
    "inline markers": (clean_text, lambda n: HEAD + "[ad_1] " * (n // 7) + TAIL),
    "photo-credit line": (clean_text, lambda n: HEAD + "AP via " + "via" * (n // 3) + " $5" + TAIL),
    "byline hyphens": (clean_text, lambda n: HEAD + "By Jane " + "Doe-" * (n // 4) + "Doe $5" + TAIL),
    "publisher names": (find_credits, lambda n: "AFP via " * (n // 8)),
    "copyright signs": (find_credits, lambda n: "".join("©" * 290 + f" {i} AFP " for i in range(n // 300))),
    "sign-off groups": (find_credits, lambda n: "Reporting by John Smith; " * (n // 25)),
    "spaces before names": (find_credits, lambda n: "".join(" " * 290 + f"{i} (AFP " for i in range(n // 300))),
}


def best_time(run: Callable[[str], object], text: str, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.process_time()
        run(text)
        best = min(best, time.process_time() - start)
    return best


@pytest.mark.parametrize("family", sorted(GROWTH))
def test_each_family_grows_linearly(family):
    """Four times the input takes well under the sixteen times a quadratic
    rule would (the timing is a ratio on one machine, three tries)."""
    run, make = GROWTH[family]
    small, large = make(6_000), make(24_000)
    run(small)
    for _ in range(3):
        ratio = best_time(run, large, 3) / max(best_time(run, small, 5), 1e-4)
        if ratio < 9:
            break
    assert ratio < 9, f"{family}: 4x the input took {ratio:.1f}x the time"
