"""Sentence and paragraph segmentation with exact character offsets.

Every later stage (shingling, alignment, provenance reports) points into the
article text with :class:`~dedupe.model.Span`, so segmentation never rewrites
text: it returns spans into the caller's string, and every non-whitespace
character of the requested range lands in exactly one of them.

Approach, chosen for speed on millions of scraped passages:

1. The range is cut into blocks at blank lines (two or more line breaks).
   A single line break is ordinary whitespace: callers hand over one
   paragraph at a time, and scraped paragraphs often wrap mid-sentence.
2. One regex finds the candidate boundaries in a block: a run of terminators
   (``. ! ? …``) plus any closing quotes/brackets, followed by whitespace; or a
   period glued between two words (``ended.Officials``). Only those matches
   are looked at in Python, and each decision reads a few dozen characters
   around the match, so the whole pass is linear in the text length.
3. Each candidate is accepted or rejected from the token before it
   (abbreviation, initial, dotted acronym, number) and the word after it
   (lowercase words continue the sentence; see :data:`SENTENCE_STARTERS`).
4. Sentences longer than :data:`MAX_SENTENCE_CHARS` (text without
   punctuation, e.g. a scraped menu or a 5 MB line) are cut at whitespace,
   where the words say (content-defined cuts), so a copy starting anywhere
   in such a run is cut the same way as its source.

>>> text = "Mr. Smith arrived at 5 p.m. on Monday. “Are we late?” he asked."
>>> [s.of(text) for s in split_sentences(text)]
['Mr. Smith arrived at 5 p.m. on Monday.', '“Are we late?” he asked.']
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Iterable, Iterator

from dedupe.model import Span, strip_span

MAX_SENTENCE_CHARS = 400
"""No sentence span is longer than this; longer runs are cut at whitespace.

A news sentence is rarely over 60 words (some 400 characters). Longer runs
are text whose punctuation the segmenter cannot read (a transcript, OCR, a
legacy format, a scraped menu): cut into pieces of sentence size, a copy of
such text still shares whole pieces with its source, where one 2,000-character
"sentence" shared nothing a MinHash could find (an unpunctuated transcript of
the WaPo seed went from none to a whole copy)."""

#: Pieces of an over-long run hold at least this many characters before a
#: content-defined cut (see :func:`_cap_length`) ...
MIN_PIECE_CHARS = 150
#: ... and a cut then follows about one word in this many: pieces of some
#: 150 to 400 characters, sentence-sized for MinHash.
CUT_ONE_WORD_IN = 16

TERMINATORS = ".!?…‼⁇⁈⁉"
# Closing marks that stay with the sentence they follow: `“We will adapt.” Then`.
# German „…“ and Danish »…« close with “ and «, hence their presence here.
CLOSERS = "\"'”’“‘»«›‹)]}"
# The backtick opens a quotation in legacy wire formats: ``We will adapt,'' he said.
OPENERS = "\"'“‘„‚«»‹›([{¿¡`"
# The dialogue dash opens sentences in Norwegian/Scandinavian news: "– Today, …".
DASHES = "-‐‒–—―"
# "#" stands for "£" in legacy 7-bit wire formats ("#50m").
CURRENCY = "$€£¥₹₽#"

# Line breaks as str.splitlines() knows them.
_LINE_BREAK = r"(?:\r\n|\r(?!\n)|[\n\v\f\x1c\x1d\x1e\x85\u2028\u2029])"
_HORIZONTAL_SPACE = r"[^\S\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029]"

# Abbreviations written before a name or number; a period after them never
# ends a sentence. Matched case-sensitively, as written in news copy.
NON_FINAL_ABBREVIATIONS = frozenset(
    "Mr Mrs Ms Messrs Dr Prof Gen Lt Col Maj Sgt Capt Cmdr Adm Brig Gov Sen Rep"
    " Rev Hon Supt Insp Det Pres Atty Mt Ft vs e.g i.e approx cf viz".split()
)
# Abbreviations that also end sentences ("shares of Apple Inc. The company…").
# A period after them ends the sentence only before a common sentence starter.
MAYBE_FINAL_ABBREVIATIONS = frozenset(
    "St Jr Sr Inc Ltd Co Corp Bros Plc LLC etc al"
    " Jan Feb Mar Apr Jun Jul Aug Sep Sept Oct Nov Dec".split()
)

# Heuristic for periods that may or may not end a sentence: dotted acronyms
# (U.S., a.m.), single-letter initials (Donald J. Trump) and the
# MAYBE_FINAL_ABBREVIATIONS. The capitalised word after such a period is far
# more often a name ("the U.S. Army", "John F. Kennedy") than a new sentence,
# so we split only when that word is one of these function words, which
# almost always open a sentence: "He lives in the U.S. He moved in 2010."
# Proper nouns (Russia, Biden, Army) are deliberately absent.
SENTENCE_STARTERS = frozenset(
    "The A An He She It They We I You But And Or So Yet In On This That These"
    " Those There Then His Her Its Their Our My However Meanwhile After Before"
    " When While As At For If Some Many Most Now Since Still Also Despite"
    " Although According What Why How Who Where".split()
)

# "am 3. Oktober": a number, a period and a month is a date, not two sentences.
MONTH_NAMES = frozenset(
    "January February March April May June July August September October"
    " November December Januar Februar März Mai Juni Juli Oktober Dezember".split()
)

# Words that follow a glued period in domains and file names ("Reuters.Com").
_DOMAIN_OR_FILE_SUFFIXES = frozenset(
    "com org net gov edu info biz html htm php asp aspx pdf doc docx txt csv"
    " xls xlsx jpg jpeg png gif mp3 mp4 zip".split()
)

# A terminator run, then closing quotes or brackets, at the very end.
_SENTENCE_END = re.compile(rf"[{re.escape(TERMINATORS)}][{re.escape(CLOSERS)}]*$")

_BLANK_LINE = re.compile(rf"{_LINE_BREAK}(?:{_HORIZONTAL_SPACE}*{_LINE_BREAK})+")
_ANY_LINE_BREAKS = re.compile(rf"{_LINE_BREAK}+")

# Both alternatives start with a terminator; the leading lookahead says so
# up front, which lets the regex engine skip ahead to terminators quickly.
# `term` only starts at the first character of a terminator run (the
# lookbehind), so a long run of dots is tried once, not once per dot, which
# would be quadratic. A French closing guillemet may follow a no-break space.
_CANDIDATE = re.compile(
    rf"""
    (?=[{re.escape(TERMINATORS)}])
    (?:
        (?P<term>
            [{re.escape(TERMINATORS)}](?<![{re.escape(TERMINATORS)}]{{2}})
            [{re.escape(TERMINATORS)}]*
        )
        (?P<close>(?:[{re.escape(CLOSERS)}]|[\u00a0\u202f\ ]»)*)
        (?P<gap>\s+)
      | (?P<glued>\.)(?<=[^\W\d_]{{2}}\.)(?=[^\W\d_]{{2}})
    )
    """,
    re.VERBOSE,
)
_OPENING_MARKS = OPENERS + DASHES + CURRENCY
_NEXT_WORD = re.compile(
    rf"[{re.escape(_OPENING_MARKS)}\s]*(?P<word>\w*)(?P<after>.?)",
    re.DOTALL,
)
_DOTTED_ACRONYM = re.compile(r"(?:[^\W\d_]{1,2}\.)+[^\W\d_]{1,2}")
_LEADING_SPACE = re.compile(r"\s*")
_NON_SPACE = re.compile(r"\S+")
_PUNCTUATION = "\"'“”‘’«»()[]{}.,;:!?…-–—"
_LETTERS = re.compile(r"[^\W\d_]+")

# How far a decision looks around a candidate; longer tokens are never
# abbreviations, and the bound keeps each decision O(1).
_LOOK = 64


def split_sentences(text: str, start: int = 0, end: int | None = None) -> list[Span]:
    """Sentences of ``text[start:end]`` as spans into ``text`` (absolute offsets).

    Each span is stripped of surrounding whitespace; together they cover all
    non-space characters of the range in order, never overlapping, never
    empty, so callers can map any match back to exact article offsets.
    A single line break is not a boundary (callers pass one paragraph at a
    time and scraped text wraps mid-sentence); a blank line is.

    >>> text = "xx He lives in the U.S. He moved in 2010."
    >>> [s.of(text) for s in split_sentences(text, start=3)]
    ['He lives in the U.S.', 'He moved in 2010.']
    >>> split_sentences(text, start=3)[0]
    Span(start=3, end=23)
    """
    end = _check_range(text, start, end)
    sentences: list[Span] = []
    for block_start, block_end in _blocks(text, start, end):
        for span in _block_sentences(text, block_start, block_end):
            sentences.extend(_cap_length(text, span))
    return sentences


def ends_sentence(text: str) -> bool:
    """Whether ``text`` ends with a sentence terminator (and closing quotes or
    brackets): a sentence, not a headline, label or fragment.

    >>> ends_sentence("He said “no.”"), ends_sentence("Talks Resume in Geneva")
    (True, False)
    """
    return bool(_SENTENCE_END.search(text))


def split_paragraphs(text: str, start: int = 0, end: int | None = None) -> list[Span]:
    """Paragraphs of ``text[start:end]``: runs of text between line breaks.

    Scraped dumps put one paragraph per line, so any line break (``\\n``,
    ``\\r\\n``, or anything else :meth:`str.splitlines` splits on) ends a
    paragraph. Spans are absolute, stripped and non-empty.

    >>> text = "First paragraph.\\r\\n\\n  Second one.\\n"
    >>> [p.of(text) for p in split_paragraphs(text)]
    ['First paragraph.', 'Second one.']
    """
    end = _check_range(text, start, end)
    paragraphs = []
    piece_start = start
    for match in _ANY_LINE_BREAKS.finditer(text, start, end):
        paragraphs.append(_strip(text, piece_start, match.start()))
        piece_start = match.end()
    paragraphs.append(_strip(text, piece_start, end))
    return [p for p in paragraphs if p is not None]


def _check_range(text: str, start: int, end: int | None) -> int:
    """Validate ``[start, end)`` against ``text``; return the resolved end."""
    end = len(text) if end is None else end
    if not 0 <= start <= end <= len(text):
        raise ValueError(f"bad range [{start}, {end}) for text of length {len(text)}")
    return end


def _blocks(text: str, start: int, end: int) -> Iterator[tuple[int, int]]:
    """``[start, end)`` cut at blank lines, which always end a sentence."""
    block_start = start
    for match in _BLANK_LINE.finditer(text, start, end):
        yield block_start, match.start()
        block_start = match.end()
    yield block_start, end


def _block_sentences(text: str, start: int, end: int) -> Iterator[Span]:
    """Sentences of one block; the whitespace between them is left out."""
    sentence_start = start
    for match in _CANDIDATE.finditer(text, start, end):
        if match["glued"]:
            cut = next_start = match.end()
            accepted = _glued_period_ends_sentence(text, match.start(), start, end)
        else:
            cut, next_start = match.start("gap"), match.end()
            accepted = _ends_sentence(text, match, sentence_start, end)
        if accepted:
            span = _strip(text, sentence_start, cut)
            if span is not None:
                yield span
            sentence_start = next_start
    span = _strip(text, sentence_start, end)
    if span is not None:
        yield span


def _ends_sentence(
    text: str, match: re.Match[str], sentence_start: int, end: int
) -> bool:
    """Whether terminators + closers + whitespace in ``match`` end a sentence."""
    if match.end() >= end:
        return False  # only whitespace follows: nothing to split off
    next_word = _NEXT_WORD.match(text, match.end(), min(end, match.end() + _LOOK))
    assert next_word is not None  # the pattern can match the empty string
    if not _starts_sentence(text[match.end()], next_word["word"]):
        return False
    if match["term"] != ".":
        return True  # ?, !, runs like ?! and ellipses
    token = _token_before(text, sentence_start, match.start())
    token_opens_sentence = match.start() - len(token) == _skip_space(
        text, sentence_start, match.start()
    )
    return _period_ends_sentence(
        token.lstrip(OPENERS).rstrip(CLOSERS),
        token_opens_sentence,
        next_word["word"],
        next_word["after"],
    )


def _period_ends_sentence(
    token: str, token_opens_sentence: bool, word: str, after: str
) -> bool:
    """Whether ``token`` + ``.`` ends a sentence when ``word`` (then ``after``) follows.

    Only called when ``word`` can start a sentence.
    """
    if not token:  # a lone period, e.g. the last dot of ". . ."
        return True
    if token in NON_FINAL_ABBREVIATIONS:
        return False
    if token == "No" and word.isdigit():  # "No. 10 Downing Street"
        return False
    if token.isdigit():
        if token_opens_sentence and len(token) <= 3:  # list item: "1. The first"
            return False
        # Dates: "am 3. Oktober", "12. 3. 2024".
        return not (len(token) <= 2 and (word.isdigit() or word in MONTH_NAMES))
    if (
        token in MAYBE_FINAL_ABBREVIATIONS
        or (len(token) == 1 and token.isupper())
        or _DOTTED_ACRONYM.fullmatch(token)
    ):
        # See SENTENCE_STARTERS. A capital followed by a period is another
        # initial, not a starter: "A. A. Milne".
        return word in SENTENCE_STARTERS and not (len(word) == 1 and after == ".")
    return True


def _starts_sentence(first_char: str, word: str) -> bool:
    """Whether text starting with ``first_char``, first word ``word``, opens a sentence.

    Uppercase letters, digits, opening quotes/brackets and dashes can; a
    lowercase first word never does, even after an opening quote:
    ``officials … “should be fully aware”`` is one sentence.
    """
    if not (first_char.isalnum() or first_char in _OPENING_MARKS):
        return False
    return not (word and word[0].islower())


def _glued_period_ends_sentence(
    text: str, period: int, start: int, end: int
) -> bool:
    """Whether a period with no space after it ends a sentence: ``ended.Officials``.

    Only lowercase-word period Capitalised-word counts, and never inside
    something that looks like a URL, e-mail address, domain or file name.
    """
    if not (
        text[period - 2].islower()
        and text[period - 1].islower()
        and text[period + 1].isupper()
        and text[period + 2].islower()
    ):
        return False
    left = _token_before(text, start, period)
    right_window = text[period + 1 : min(end, period + 1 + _LOOK)]
    right = right_window.split(maxsplit=1)[0]
    token = f"{left}.{right}"
    if any(mark in token for mark in "@/\\"):
        return False  # URL path, e-mail address, Windows path
    if token.lower().startswith(("www.", "http")):
        return False
    word = _LETTERS.match(right)
    assert word is not None  # the candidate regex saw two letters here
    rest = right[word.end() :]
    if "." in left or (rest[:1] == "." and rest[1:2].isalnum()):
        return False  # more dotted parts: bbc.Co.uk, Report.Final.pdf
    return (
        left.lstrip(OPENERS) not in NON_FINAL_ABBREVIATIONS
        and word.group().lower() not in _DOMAIN_OR_FILE_SUFFIXES
    )


def _token_before(text: str, lower: int, position: int) -> str:
    """The whitespace-delimited token ending at ``position``, at most ``_LOOK`` long."""
    window = text[max(lower, position - _LOOK) : position]
    if not window or window[-1].isspace():
        return ""
    return window.rsplit(maxsplit=1)[-1]


def _skip_space(text: str, position: int, end: int) -> int:
    """The first non-space position in ``[position, end)``, or ``end``."""
    match = _LEADING_SPACE.match(text, position, end)
    assert match is not None  # \s* always matches
    return match.end()


def _strip(text: str, start: int, end: int) -> Span | None:
    """:func:`strip_span`, with leading whitespace skipped by the regex engine.

    Sentence pieces exclude the whitespace gaps between them, so only block
    and range edges carry whitespace, and a leading run there can be long.
    """
    return strip_span(text, _skip_space(text, start, end), end)


def _cap_length(text: str, span: Span) -> Iterator[Span]:
    """``span`` cut into pieces of at most ``MAX_SENTENCE_CHARS``.

    Cuts are content-defined, as in content-defined chunking (rsync, LBFS):
    once a piece holds ``MIN_PIECE_CHARS``, it ends after the first word
    whose hash is a multiple of ``CUT_ONE_WORD_IN``, or at the last whitespace
    before the cap if none comes; a run with no whitespace at all is cut
    exactly at the cap. Because the cut points depend on the words, not on
    where the run starts, a copy that begins in the middle of an unpunctuated
    run falls into step with its source after a cut or two and then shares
    whole pieces with it, which LSH can find.
    """
    if span.end - span.start <= MAX_SENTENCE_CHARS:
        yield span
        return
    piece: int | None = None  # where the open piece starts
    last = span.start  # end of the last word taken into it
    for word in _NON_SPACE.finditer(text, span.start, span.end):
        if piece is None:
            piece = word.start()
        elif word.end() - piece > MAX_SENTENCE_CHARS and word.start() > piece:
            yield Span(piece, last)
            piece = word.start()
        while word.end() - piece > MAX_SENTENCE_CHARS:  # one "word" longer than the cap
            yield Span(piece, piece + MAX_SENTENCE_CHARS)
            piece += MAX_SENTENCE_CHARS
        last = word.end()
        if last - piece >= MIN_PIECE_CHARS and last < span.end and _cuts_after(word.group()):
            yield Span(piece, last)
            piece = None
    if piece is not None:
        yield Span(piece, last)


def _cuts_after(word: str) -> bool:
    """Whether a content-defined cut goes after ``word`` (case and the
    punctuation around it aside, so both copies of a text agree)."""
    return zlib.crc32(word.strip(_PUNCTUATION).casefold().encode()) % CUT_ONE_WORD_IN == 0


def segment_blocks(text: str, blocks: Iterable[Span]) -> list[Span]:
    """Sentences of each block (e.g. a cleaned article's body), in order.

    >>> text = "Talks ended. Both sides left.\\nAds here\\nA new day began."
    >>> [s.of(text) for s in segment_blocks(text, [Span(0, 29), Span(39, 55)])]
    ['Talks ended.', 'Both sides left.', 'A new day began.']
    """
    return [sentence for block in blocks for sentence in split_sentences(text, block.start, block.end)]
