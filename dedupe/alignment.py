"""Alignment: confirming candidate sentence pairs and building passages.

LSH proposes sentence pairs; this stage decides on the actual text:

* **word similarity** is the Dice overlap of the two sentences' content
  terms (stemmed, stop words dropped), each term weighted by its rarity in
  the run (inverse document frequency over sentences), so sharing
  "radar stations" counts for more than sharing "Ukraine" in a run about
  Ukraine. It survives rewording and translation, which keep the content
  words and change the rest.
* **character similarity** (the Indel similarity, 2 x longest common
  subsequence / total length, of the normalised word sequences; rapidfuzz
  computes it bit-parallel in C++, so a whole-article passage costs
  microseconds where difflib's ratio cost a second) measures how much of
  the wording itself was kept.

A pair is a *strong* match when it shares at least
``Settings.min_shared_words`` content words and enough of its weighted
content, or when the wording is nearly the same. Two short sentences sharing
two words prove little on their own ("The talks ended on Friday" / "The talks
began on Friday"), so such a *weak* match counts only within
``Settings.support_window`` sentences of a strong one on both sides: a quote
that two versions of one story paraphrase sits among other shared passages.
Sentences too short to fingerprint are checked directly when they stand
next to a match on both sides. Matches next to each other on both sides
merge into one passage; each passage's ends are then cut back to the
copied wording unless the two sides restate each other there; passages
with the same text between them join; text one side repeats is aligned
once; and, in a pair whose copying is established, sentences still
unmatched that keep most of an unmatched sentence of the other side (spun,
or moved) become passages too. Each passage is classified as a whole:

* ``identical``: the same words in the same order (case, punctuation and
  typography aside);
* ``minor-changes``: character similarity at least
  ``Settings.minor_change_similarity`` (house-style edits, a changed word);
* ``reworded``: the same content in other words.

Each passage's kind is then settled on its evidence (:mod:`dedupe.evidence`):
one sentence stating the same fact in other words is what two reports of
one event share, not taken text.

>>> from dedupe.model import Span
>>> a = side("Kyiv reported two attempted attacks on radar stations.", [Span(0, 54)])
>>> b = side("Two attempted attacks on radar stations were reported by Kyiv.", [Span(0, 62)])
>>> [(str(p.kind), p.a, p.b) for p in align(a, b, [(0, 0)], {})]
[('shared-facts', Span(start=0, end=54), Span(start=0, end=62))]
"""

from __future__ import annotations

import itertools
import math
import re
from collections import Counter
from collections.abc import Collection, Iterable, Mapping, Sequence
from functools import lru_cache

from rapidfuzz.distance import Indel
from rapidfuzz.process import cdist

from dedupe.evidence import established, judge_passages, passage_evidence, quoted_spans, shared_runs
from dedupe.fingerprints import content_terms, stem, tokens
from dedupe.model import AlignedPassage, PassageKind, Side, Span
from dedupe.settings import DEFAULT_SETTINGS, Settings

_WORD_RE = re.compile(r"\w+")


def side(text: str, sentences: Sequence[Span]) -> Side:
    """An article as the aligner sees it: its sentences and their content terms.

    >>> sorted(side("Talks resumed in Geneva.", [Span(0, 24)]).terms[0])
    ['geneva', 'resum', 'talk']
    """
    return Side(text, sentences, [frozenset(content_terms(s.of(text))) for s in sentences])


def term_weights(term_sets: Iterable[Collection[str]]) -> dict[str, float]:
    """Inverse document frequency of each term over the given sentences (each its distinct terms).

    >>> w = term_weights([frozenset({"ukrain", "radar"}), frozenset({"ukrain"})])
    >>> w["radar"] > w["ukrain"]
    True
    """
    sets = term_sets if isinstance(term_sets, Sequence) else list(term_sets)
    # One count in C: an update per sentence cost a second at 10,000 articles.
    frequency = Counter(itertools.chain.from_iterable(sets))
    return {term: math.log(1 + len(sets) / seen) for term, seen in frequency.items()}


def word_similarity(a: frozenset[str], b: frozenset[str], weights: Mapping[str, float],
                    settings: Settings = DEFAULT_SETTINGS) -> float:
    """Weighted Dice overlap of two term sets, in [0, 1]; a term missing
    from ``weights`` weighs ``settings.unseen_term_weight``."""
    if not a or not b:
        return 0.0
    unseen = settings.unseen_term_weight
    total = sum(weights.get(t, unseen) for t in a) + sum(weights.get(t, unseen) for t in b)
    shared = sum(weights.get(t, unseen) for t in a & b)
    return 2 * shared / total


def char_similarity(a: str, b: str) -> float:
    """How much of the wording is kept: the Indel similarity (2 x longest
    common subsequence / total length) of the normalised word sequences.

    >>> char_similarity("Talks resumed in Geneva on Monday.", "talks resumed in Geneva, on Monday")
    1.0
    """
    return Indel.normalized_similarity(_wording(a), _wording(b))


def kept_share(a: str, b: str, settings: Settings = DEFAULT_SETTINGS) -> float:
    """The share of ``a``'s words that stand in runs of at least three words
    (``settings.min_run_words``) ``b`` has in the same order: how much of the
    wording a copy kept.

    >>> kept_share("Talks resumed in Geneva on Monday", "talks resumed in Geneva late on Monday")
    0.667
    """
    words_a = [w.casefold() for w in _WORD_RE.findall(a)]
    words_b = [w.casefold() for w in _WORD_RE.findall(b)]
    if not words_a:
        return 0.0
    kept = sum(block.size for block in shared_runs(words_a, words_b) if block.size >= settings.min_run_words)
    return round(kept / len(words_a), 3)


#: Content terms two sentences must share before they can match at all,
#: even weakly (a strong match needs ``Settings.min_shared_words``): one
#: word in common says nothing. The candidate stage drops pairs below it.
MIN_SHARED_TERMS = 2


def match_strength(a: frozenset[str], b: frozenset[str], text_a: str, text_b: str, weights: Mapping[str, float],
                   settings: Settings = DEFAULT_SETTINGS) -> str | None:
    """``"strong"`` when two sentences say the same thing on their own
    evidence, ``"weak"`` when they might (two shared words in short
    sentences), else None. Weak matches count only next to strong ones."""
    shared = len(a & b)
    if shared < MIN_SHARED_TERMS:
        return None
    words = word_similarity(a, b, weights, settings)
    if shared >= settings.min_shared_words and (
        words >= settings.min_word_similarity or char_similarity(text_a, text_b) >= settings.minor_change_similarity
    ):
        return "strong"
    if words >= settings.min_supported_similarity:
        return "weak"
    return None


def align(a: Side, b: Side, candidates: Iterable[tuple[int, int]], weights: Mapping[str, float],
          settings: Settings = DEFAULT_SETTINGS) -> list[AlignedPassage]:
    """Verify candidate sentence pairs ``(i, j)`` (sentence ``i`` of ``a``,
    ``j`` of ``b``) and merge the matches into passages, in order of ``a``."""
    strong: list[tuple[int, int, float]] = []
    weak: list[tuple[int, int, float]] = []
    for i, j in candidates:
        terms_a, terms_b = a.terms[i], b.terms[j]
        strength = match_strength(terms_a, terms_b, a.sentences[i].of(a.text), b.sentences[j].of(b.text),
                                  weights, settings)
        if strength is not None:
            score = word_similarity(terms_a, terms_b, weights, settings)
            (strong if strength == "strong" else weak).append((i, j, score))
    window = settings.support_window
    supported = [(i, j, score) for i, j, score in weak
                 if any(abs(i - si) <= window and abs(j - sj) <= window for si, sj, _ in strong)]
    matches = _extend(a, b, _best_matches(strong + supported, settings.best_match_ratio), weights, settings)
    chains = _chains(a, b, matches, settings.merge_gap)
    if not chains:
        return []
    quotes = (quoted_spans(a.text), quoted_spans(b.text))
    passages = _drop_repeats([_passage(a, b, chain, weights, settings, quotes) for chain in chains])
    if established(passages, settings):
        carried = _carried_over(a, b, passages, settings)
        passages = sorted([*passages, *(_passage(a, b, [pair], weights, settings, quotes) for pair in carried)],
                          key=lambda p: (p.a.start, p.b.start))
    joined: list[AlignedPassage] = []
    for passage in passages:
        if joined and _continues(a.text, joined[-1], b.text, passage, settings):
            passage = _passage(a, b, sorted({*joined.pop().sentences, *passage.sentences}), weights, settings, quotes)
        joined.append(passage)
    return judge_passages(joined, settings)


@lru_cache(maxsize=1 << 16)
def _wording(sentence: str) -> str:
    """A sentence's normalised words, as :func:`char_similarity` compares them
    (cached: a source's sentences meet every candidate it is compared with)."""
    return " ".join(tokens(sentence))


def _carried_over(a: Side, b: Side, passages: Sequence[AlignedPassage], settings: Settings) -> list[tuple[int, int]]:
    """Sentence pairs ``(i, j)``, both unmatched so far, where sentence
    ``i`` of ``a`` keeps ``settings.carried_sentence_similarity`` of sentence
    ``j`` of ``b`` and shares a content word with it: in a pair already
    shown to copy, the sentences a spinner reworded too much for LSH or a
    copy moved away from their neighbours. Each sentence pairs once, best
    first."""
    matched_a = {i for p in passages for i, _ in p.sentences}
    matched_b = {j for p in passages for _, j in p.sentences}
    rows_a = [i for i in range(len(a.sentences)) if i not in matched_a and a.terms[i]]
    rows_b = [j for j in range(len(b.sentences)) if j not in matched_b and b.terms[j]]
    if not rows_a or not rows_b:
        return []
    scores = cdist([_wording(a.sentences[i].of(a.text)) for i in rows_a],
                   [_wording(b.sentences[j].of(b.text)) for j in rows_b],
                   scorer=Indel.normalized_similarity, score_cutoff=settings.carried_sentence_similarity)
    found = sorted(((float(scores[x, y]), i, j) for x, y in zip(*scores.nonzero())
                    for i, j in [(rows_a[x], rows_b[y])] if a.terms[i] & b.terms[j]), reverse=True)
    pairs: list[tuple[int, int]] = []
    used_a: set[int] = set()
    used_b: set[int] = set()
    for _, i, j in found:
        if i not in used_a and j not in used_b:
            pairs.append((i, j))
            used_a.add(i)
            used_b.add(j)
    return pairs


def _drop_repeats(passages: list[AlignedPassage]) -> list[AlignedPassage]:
    """Passages without those that align text already aligned elsewhere in
    a longer passage: when one side repeats a sentence, its other copy
    matches too, but the copied text came from one place, the one with
    more of its context around it."""
    rows = [({i for i, _ in p.sentences}, {j for _, j in p.sentences}) for p in passages]
    return [passage for (rows_a, rows_b), passage in zip(rows, passages)
            if not any(len(other.sentences) > len(passage.sentences) and (rows_a <= other_a or rows_b <= other_b)
                       for (other_a, other_b), other in zip(rows, passages))]


def _continues(text_a: str, before: AlignedPassage, text_b: str, after: AlignedPassage,
               settings: Settings) -> bool:
    """Whether ``after`` carries on ``before`` on both sides: what lies
    between them is the same words on both sides (or only punctuation and
    space), or keeps its wording (``settings.minor_change_similarity``), so
    the copy runs on through it ("schools." left over where one side broke
    a paragraph)."""
    if after.a.start < before.a.end or after.b.start < before.b.end:
        return False
    gap_a, gap_b = text_a[before.a.end:after.a.start], text_b[before.b.end:after.b.start]
    return tokens(gap_a) == tokens(gap_b) or char_similarity(gap_a, gap_b) >= settings.minor_change_similarity


def _extend(a: Side, b: Side, matches: list[tuple[int, int]], weights: Mapping[str, float],
            settings: Settings) -> list[tuple[int, int]]:
    """Grow matches into their neighbours on both sides.

    Sentences too short to fingerprint ("The aggressor is Russia.") never
    reach LSH; next to a match, the sentence pair one step further on both
    sides is checked directly and joins when it matches, even weakly, or
    keeps its wording, or stands inside it word for word (a copy that
    starts or stops mid-sentence). A copy that splits a sentence in two (or
    joins two) shows as a next sentence on one side whose words are nearly
    all in the matched sentence on the other; it joins the match too."""
    taken_a = {i for i, _ in matches}
    taken_b = {j for _, j in matches}
    found = set(matches)
    queue = list(matches)
    while queue:
        i, j = queue.pop()
        for step in (1, -1):
            ni, nj = i + step, j + step
            if not (0 <= ni < len(a.sentences) and 0 <= nj < len(b.sentences)) or ni in taken_a or nj in taken_b:
                continue
            text_a, text_b = a.sentences[ni].of(a.text), b.sentences[nj].of(b.text)
            if (match_strength(a.terms[ni], b.terms[nj], text_a, text_b, weights, settings) is not None
                    or char_similarity(text_a, text_b) >= settings.minor_change_similarity
                    or _inside(text_a, text_b, settings)):
                found.add((ni, nj))
                taken_a.add(ni)
                taken_b.add(nj)
                queue.append((ni, nj))
        for step in (1, -1):
            ni, nj = i + step, j + step
            if 0 <= nj < len(b.sentences) and nj not in taken_b and _split_off(b, j, nj, a.terms[i], settings):
                found.add((i, nj))
                taken_b.add(nj)
                queue.append((i, nj))
            if 0 <= ni < len(a.sentences) and ni not in taken_a and _split_off(a, i, ni, b.terms[j], settings):
                found.add((ni, j))
                taken_a.add(ni)
                queue.append((ni, j))
    return sorted(found)


def _inside(text_a: str, text_b: str, settings: Settings) -> bool:
    """Whether the shorter sentence stands nearly word for word inside the
    longer one (``settings.split_containment`` of its words in shared runs):
    a copy that starts or stops in the middle of a sentence of the other side."""
    shorter, longer = sorted((text_a, text_b), key=len)
    return kept_share(shorter, longer, settings) >= settings.split_containment


def _split_off(side: Side, matched: int, piece: int, whole: frozenset[str], settings: Settings) -> bool:
    """Whether sentence ``piece``, right next to ``matched`` on the same side
    with only whitespace between them, is the other half of a sentence split
    in two: its words are nearly all in ``whole``."""
    first, second = sorted((matched, piece))
    return side.joined(first, second) and _part_of(side.terms[piece], whole, settings.split_containment)


def _part_of(piece: frozenset[str], whole: frozenset[str], containment: float) -> bool:
    """Whether a sentence's content words are (nearly) all in another's:
    at least two of them and ``containment`` of them."""
    shared = len(piece & whole)
    return shared >= 2 and shared >= containment * len(piece)


def _best_matches(scored: list[tuple[int, int, float]], ratio: float) -> list[tuple[int, int]]:
    """Drop matches weaker than ``ratio`` times the best one of either
    sentence: a sentence repeated in a story should pair with its
    counterpart, not with every sentence that shares some of its words."""
    best_a: dict[int, float] = {}
    best_b: dict[int, float] = {}
    for i, j, score in scored:
        best_a[i] = max(best_a.get(i, 0.0), score)
        best_b[j] = max(best_b.get(j, 0.0), score)
    return sorted((i, j) for i, j, score in scored if score >= ratio * best_a[i] and score >= ratio * best_b[j])


def _chains(a: Side, b: Side, matches: list[tuple[int, int]], gap: int) -> list[list[tuple[int, int]]]:
    """Group matches that follow each other on both sides (each step moving
    forward by at most ``gap`` sentences on each side) into chains. A chain
    may run over debris the cleaner removed between two sentences (an ad
    marker in the source, say): the copy is still one passage, and coverage
    counts body characters only."""
    chains: list[list[tuple[int, int]]] = []
    for i, j in matches:
        for chain in chains:
            last_i, last_j = chain[-1]
            if 0 <= i - last_i <= gap and 0 <= j - last_j <= gap and (i, j) != (last_i, last_j):
                chain.append((i, j))
                break
        else:
            chains.append([(i, j)])
    return chains


def _passage(a: Side, b: Side, chain: list[tuple[int, int]], weights: Mapping[str, float],
             settings: Settings, quotes: tuple[Sequence[Span], Sequence[Span]]) -> AlignedPassage:
    rows_a = sorted({i for i, _ in chain})
    rows_b = sorted({j for _, j in chain})
    span_a = Span(a.sentences[rows_a[0]].start, a.sentences[rows_a[-1]].end)
    span_b = Span(b.sentences[rows_b[0]].start, b.sentences[rows_b[-1]].end)
    span_a, span_b = _copied_core(a.text, span_a, b.text, span_b, settings)
    text_a, text_b = a.words_in(span_a), b.words_in(span_b)
    terms_a = frozenset().union(*(a.terms[i] for i in rows_a))
    terms_b = frozenset().union(*(b.terms[j] for j in rows_b))
    words = round(word_similarity(terms_a, terms_b, weights, settings), 3)
    chars = round(char_similarity(text_a, text_b), 3)
    kept = kept_share(text_a, text_b, settings)
    if tokens(text_a) == tokens(text_b):
        kind, similarity = PassageKind.IDENTICAL, 1.0
    else:
        kind = PassageKind.MINOR_CHANGES if chars >= settings.minor_change_similarity else PassageKind.REWORDED
        similarity = max(words, chars)
    evidence = passage_evidence(a.text, span_a, b.text, span_b, settings, *quotes)
    return AlignedPassage(span_a, span_b, kind, similarity, words, chars, kept, tuple(chain),
                          _explain(text_a, terms_a & terms_b, weights, settings), evidence)


def _copied_core(text_a: str, span_a: Span, text_b: str, span_b: Span, settings: Settings) -> tuple[Span, Span]:
    """Trim a passage's edges to the copied wording.

    Passages are built from whole sentences, but copying often starts or
    stops inside one ("… officials said. [copied: The talks …]", or a
    sentence of one side's own before the copy on the other). Each end of
    the passage is cut back to its first (last) run of
    ``settings.min_run_words`` words both sides share, unless the two
    sides' pieces beyond it restate each other (:func:`_restates`): a
    reworded opening keeps its place in the passage, one side's own
    lead-in does not. A core shorter than ``settings.min_expression_words``
    words (a stock phrase inside a reworded sentence) trims nothing."""
    words_a = [(m.start() + span_a.start, m.end() + span_a.start, m.group().casefold())
               for m in _WORD_RE.finditer(span_a.of(text_a))]
    words_b = [(m.start() + span_b.start, m.end() + span_b.start, m.group().casefold())
               for m in _WORD_RE.finditer(span_b.of(text_b))]
    runs = [block for block in shared_runs([w for *_, w in words_a], [w for *_, w in words_b])
            if block.size >= settings.min_run_words]
    if not runs or runs[-1].a + runs[-1].size - runs[0].a < settings.min_expression_words:
        return span_a, span_b
    first, last = runs[0], runs[-1]
    start_a, start_b = words_a[first.a][0], words_b[first.b][0]
    if not _restates(text_a[span_a.start:start_a], text_b[span_b.start:start_b], settings):
        span_a, span_b = Span(start_a, span_a.end), Span(start_b, span_b.end)
    end_a = _past_punctuation(text_a, words_a[last.a + last.size - 1][1], span_a.end)
    end_b = _past_punctuation(text_b, words_b[last.b + last.size - 1][1], span_b.end)
    if not _restates(text_a[end_a:span_a.end], text_b[end_b:span_b.end], settings):
        span_a, span_b = Span(span_a.start, end_a), Span(span_b.start, end_b)
    return span_a, span_b


def _restates(piece_a: str, piece_b: str, settings: Settings) -> bool:
    """Whether two passage edges beyond the shared wording say the same
    thing in other words: both have content words and share at least
    ``settings.edge_restated_share`` of the smaller side's. Two edges of
    fewer than ``settings.min_run_words`` words each ("stance." for
    "posture.") count as restated: a changed word, not anyone's own lead-in.

    >>> _restates("Officials said on Tuesday", "The ministry said Tuesday", DEFAULT_SETTINGS)
    True
    >>> _restates("Return to the catalogue.", "", DEFAULT_SETTINGS)
    False
    """
    words_a, words_b = len(_WORD_RE.findall(piece_a)), len(_WORD_RE.findall(piece_b))
    if 0 < words_a < settings.min_run_words and 0 < words_b < settings.min_run_words:
        return True  # a word or two changed at the end of a sentence is part of it
    terms_a, terms_b = set(content_terms(piece_a)), set(content_terms(piece_b))
    if not terms_a or not terms_b:
        return False
    return len(terms_a & terms_b) >= settings.edge_restated_share * min(len(terms_a), len(terms_b))


def _past_punctuation(text: str, end: int, limit: int) -> int:
    """Extend ``end`` over the punctuation and closing quotes right after a word."""
    while end < limit and not text[end].isspace() and not text[end].isalnum():
        end += 1
    return end


def _explain(text: str, shared: frozenset[str], weights: Mapping[str, float],
             settings: Settings = DEFAULT_SETTINGS) -> tuple[str, ...]:
    """The first ``settings.explain_terms`` shared words as they are written
    in ``text``, rarest first."""
    seen: dict[str, str] = {}
    for word in tokens(text):
        term = stem(word)
        if term in shared and term not in seen:
            seen[term] = word
    ranked = sorted(seen, key=lambda t: -weights.get(t, settings.unseen_term_weight))
    return tuple(seen[t] for t in ranked[:settings.explain_terms])
