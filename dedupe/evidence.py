"""Evidence of copying, told apart from what independent reports share.

Two reporters at one hearing write the same names, ages, places and figures
and the same quotations, in their own words. None of that shows that one
copied the other; copying shows in shared *expression*. For each aligned
passage this stage reads both sides word by word and sorts what they share:

* **copied expression**: runs of shared words in the same order that carry
  ordinary words, not only names and numbers ("said the decision was a
  matter for", not "Jane Doe, 34,"), or that are too long for chance
  whatever they hold (a list of forty company names in the same order),
  and the function-word scaffolding of
  the sentences (a spun copy swaps the content words and keeps "the … of
  the … that it would …");
* **shared facts**: names, numbers, ages, dates and titles both sides state;
* **shared quotation**: words inside quotation marks on both sides. A quote
  two reporters heard is not evidence that one copied the other; the
  framing around it can be.

:func:`judge_passages` then decides which passages are *taken* text: those
with copied expression, and reworded ones that are part of a run of
passages following each other in the same order on both sides (the same
selection and sequence of facts, as a translation or a close rewrite keeps).
The others are reported as ``shared-quote`` or ``shared-facts`` and never
count as taken.

>>> a = 'Jane Doe, 34, was jailed for six years. "I am sorry," she told the court.'
>>> b = 'Jane Doe, 34, of Harrogate, was found guilty. "I am sorry," she said.'
>>> found = passage_evidence(a, Span(0, len(a)), b, Span(0, len(b)))
>>> found.expression_words, found.facts, found.quotes
(0, ('jane', 'doe', '34'), ('I am sorry',))
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace
from functools import lru_cache
from typing import NamedTuple

from rapidfuzz.distance import Indel, LCSseq, MatchingBlock

from dedupe.fingerprints import STOP_WORDS, normalize
from dedupe.model import AlignedPassage, Evidence, PassageKind, Span
from dedupe.settings import DEFAULT_SETTINGS, Settings

_WORD = re.compile(r"\w+(?:['’]\w+)*")
# Quotations: typographic, straight (paired within a line), guillemets, and
# the ``…'' of legacy wire formats. An opening mark with no closing one on
# its line quotes to the end of the line (news style for a quote that runs
# on into the next paragraph).
_QUOTE = re.compile(r"“[^”\n]*”?|«[^»\n]*»?|„[^“”\n]*[“”]?|``[^\n]*?(?:''|$)|\"[^\"\n]*\"?", re.MULTILINE)
_MONTHS_AND_DAYS = frozenset(
    "january february march april may june july august september october november december "
    "jan feb mar apr jun jul aug sep sept oct nov dec "
    "monday tuesday wednesday thursday friday saturday sunday".split()
)
# What ends a sentence for the purpose of "a capital here is a name, not a sentence start".
_SENTENCE_START = re.compile(r"(?:^|[.!?:;]\s*[\"'“”‘’«»(\[]*\s*|\n\s*)$")
_DIGIT = re.compile(r"\d")
_KEPT_FACTS = 12
_KEPT_QUOTES = 5


class _Word(NamedTuple):  # a tuple: hundreds are made per passage, and a frozen dataclass is slower to build
    start: int
    end: int
    norm: str
    quoted: bool
    fact: bool


def quoted_spans(text: str) -> list[Span]:
    """Where ``text`` quotes someone: the spans inside quotation marks (marks included).

    >>> text = 'He said “we will adapt” and left. She said "no".'
    >>> [s.of(text) for s in quoted_spans(text)]
    ['“we will adapt”', '"no"']
    """
    return [Span(m.start(), m.end()) for m in _QUOTE.finditer(text) if m.end() - m.start() > 1]


@lru_cache(maxsize=1 << 16)
def _norm(word: str) -> str:
    """A word as words are compared: the fingerprints' normalisation, one apostrophe."""
    return normalize(word).replace("’", "'")


def _words(text: str, span: Span, quotes: Sequence[Span]) -> list[_Word]:
    found = []
    quote = 0
    for match in _WORD.finditer(text, span.start, span.end):
        start, end = match.span()
        while quote < len(quotes) and quotes[quote].end <= start:
            quote += 1
        quoted = quote < len(quotes) and quotes[quote].start < end
        word = match.group()
        norm = _norm(word)
        fact = (_DIGIT.search(word) is not None or norm in _MONTHS_AND_DAYS
                or (word[0].isupper() and norm not in STOP_WORDS
                    and not _SENTENCE_START.search(text, max(0, start - 8), start)))
        found.append(_Word(start, end, norm, quoted, fact))
    # A capitalised word opening a sentence is a name when a name follows it ("Jane Doe, 34").
    return [word._replace(fact=True) if following is not None and not word.fact and following.fact
            and text[word.start].isupper() and text[following.start].isupper() and word.norm not in STOP_WORDS
            else word for word, following in zip(found, [*found[1:], None])]


def shared_runs(words_a: Sequence[str], words_b: Sequence[str]) -> list[MatchingBlock]:
    """Runs of words both sequences have in the same order: the blocks of their
    longest common subsequence (rapidfuzz, bit-parallel in C++; difflib's
    matcher took seconds on a long passage of repeated words).

    >>> [(b.a, b.b, b.size) for b in shared_runs("a b c x d".split(), "a b c y d".split()) if b.size]
    [(0, 0, 3), (4, 4, 1)]
    """
    return LCSseq.editops(words_a, words_b).as_matching_blocks()


def passage_evidence(text_a: str, span_a: Span, text_b: str, span_b: Span,
                     settings: Settings = DEFAULT_SETTINGS, quotes_a: Sequence[Span] | None = None,
                     quotes_b: Sequence[Span] | None = None) -> Evidence:
    """What side A's ``span_a`` shares with side B's ``span_b``, sorted into
    copied expression, shared facts and shared quotation. ``quotes_a`` and
    ``quotes_b`` are the articles' :func:`quoted_spans` (computed when not given)."""
    words_a = _words(text_a, span_a, quoted_spans(text_a) if quotes_a is None else quotes_a)
    words_b = _words(text_b, span_b, quoted_spans(text_b) if quotes_b is None else quotes_b)
    blocks = shared_runs([w.norm for w in words_a], [w.norm for w in words_b])
    expression = 0
    quotes: list[str] = []
    for block in blocks:
        if block.size < settings.min_run_words:
            continue
        pairs = list(zip(words_a[block.a:block.a + block.size], words_b[block.b:block.b + block.size]))
        free = [wa for wa, wb in pairs if not (wa.quoted or wb.quoted)]
        content = sum(1 for w in free if not w.fact and w.norm not in STOP_WORDS)
        if (content >= settings.expression_min_content_words and len(free) >= settings.min_run_words) \
                or len(free) >= settings.long_run_words:
            expression += len(free)
        quoted = [wa for wa, wb in pairs if wa.quoted and wb.quoted]
        if len(quoted) >= settings.min_run_words:
            quotes.append(text_a[quoted[0].start:quoted[-1].end])
    free_a = [w for w in words_a if not w.quoted]
    facts_b = {w.norm for w in words_b if w.fact}
    facts = tuple(dict.fromkeys(w.norm for w in words_a if w.fact and w.norm in facts_b))
    scaffold_a = [w.norm for w in free_a if w.norm in STOP_WORDS]
    scaffold_b = [w.norm for w in words_b if not w.quoted and w.norm in STOP_WORDS]
    scaffold = 0.0
    if min(len(scaffold_a), len(scaffold_b)) >= settings.scaffold_min_words:
        scaffold = round(Indel.normalized_similarity(scaffold_a, scaffold_b), 3)
    return Evidence(
        expression_words=expression,
        free_words=len(free_a),
        quoted_words=len(words_a) - len(free_a),
        scaffold=scaffold,
        facts=facts[:_KEPT_FACTS],
        quotes=tuple(quotes[:_KEPT_QUOTES]),
    )


def copies_expression(evidence: Evidence, settings: Settings = DEFAULT_SETTINGS) -> bool:
    """Whether a passage's own wording shows copying: enough words outside
    quotations in shared runs, every one of them when it is shorter than
    that (a short sentence carried over whole), or the same function-word
    scaffolding. (Whether that is enough to call a copy is the verdict's
    ``min_evidence_words``.)"""
    if evidence.free_words < settings.min_expression_words:
        return 0 < evidence.free_words == evidence.expression_words
    return (evidence.expression_words >= settings.min_expression_words
            or evidence.scaffold >= settings.scaffold_similarity)


def established(passages: Sequence[AlignedPassage], settings: Settings = DEFAULT_SETTINGS) -> bool:
    """Whether the passages of one article pair show copying by their own
    wording: their copied expression reaches ``settings.min_evidence_words``."""
    return sum(p.evidence.expression_words for p in passages
               if copies_expression(p.evidence, settings)) >= settings.min_evidence_words


def judge_passages(passages: Sequence[AlignedPassage], settings: Settings = DEFAULT_SETTINGS
                   ) -> list[AlignedPassage]:
    """The passages of one article pair with their kind settled by evidence.

    A passage with copied expression keeps its kind (identical,
    minor-changes, reworded); so does one carried over word for word
    (identical, minor-changes) when the pair's copied expression reaches
    ``min_evidence_words`` elsewhere. One made mostly of a shared quotation becomes
    ``shared-quote``. A reworded passage without copied expression stays
    taken only as part of a sequence: passages outside quotations and
    without copied wording following each other closely in the same order
    on both sides, at least
    ``min_sequence_sentences`` sentences in all (the same selection and
    order of facts; three sentences rewritten one after another are as much
    a sequence as three with a sentence of filler between them). The rest
    become ``shared-facts``.
    """
    copied = [copies_expression(p.evidence, settings) for p in passages]
    if established(passages, settings):
        # Copying is established by the pair's own wording: then a quotation or a short
        # sentence carried over word for word is part of the copy too.
        copied = [c or p.kind in (PassageKind.IDENTICAL, PassageKind.MINOR_CHANGES)
                  for p, c in zip(passages, copied)]
    quote_only = [not c and bool(p.evidence.quotes) and p.evidence.free_words < settings.min_expression_words
                  for p, c in zip(passages, copied)]
    # A sequence is of facts restated, so it counts passages without copied wording: a
    # topical sentence next to a verbatim passage is not a sequence with it.
    eligible = [n for n, p in enumerate(passages) if p.evidence.quoted_words == 0 and not copied[n]]
    chain = _longest_chain([passages[n] for n in eligible], settings.sequence_gap)
    length = sum(_sentences(passages[eligible[k]]) for k in chain)
    in_sequence = {eligible[k] for k in chain} if length >= settings.min_sequence_sentences else set()
    settled = []
    for n, passage in enumerate(passages):
        evidence = replace(passage.evidence, sequence=n in in_sequence)
        if copied[n] or n in in_sequence:
            kind = passage.kind
        elif quote_only[n]:
            kind = PassageKind.SHARED_QUOTE
        else:
            kind = PassageKind.SHARED_FACTS
        settled.append(replace(passage, kind=kind, evidence=evidence))
    return settled


def _longest_chain(passages: Sequence[AlignedPassage], gap: int) -> list[int]:
    """Indices of the run of passages, in increasing order on both sides
    (passages are in order of side A), with the most sentences, each
    following the one before it within ``gap`` unmatched sentences: a
    rewrite keeps the sentences it rewrites together, while topical matches
    scattered over two long texts only happen to fall in order."""
    best: list[tuple[int, list[int]]] = []
    for n, passage in enumerate(passages):
        previous = [best[m] for m in range(n) if passages[m].b.end <= passage.b.start
                    and _follows(passages[m], passage, gap)]
        length, chain = max(previous, key=lambda found: found[0], default=(0, []))
        best.append((length + _sentences(passage), [*chain, n]))
    return max(best, key=lambda found: found[0], default=(0, []))[1]


def _sentences(passage: AlignedPassage) -> int:
    """Sentences the passage holds, counted on the side with fewer: a
    headline and a lede matched to one sentence of the other side are one
    fact stated, not two."""
    return min(len({i for i, _ in passage.sentences}), len({j for _, j in passage.sentences}))


def _follows(before: AlignedPassage, after: AlignedPassage, gap: int) -> bool:
    """Whether ``after`` follows ``before`` on both sides, within ``gap``
    sentences on at least one: a copy that condenses its source skips source
    sentences but keeps its own together, one that adds material the reverse."""
    skipped_a = min(i for i, _ in after.sentences) - max(i for i, _ in before.sentences) - 1
    skipped_b = min(j for _, j in after.sentences) - max(j for _, j in before.sentences) - 1
    return min(skipped_a, skipped_b) >= 0 and min(skipped_a, skipped_b) <= gap
