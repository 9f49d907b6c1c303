"""Comparison: every article of a run against every other, passage by passage.

The stages in order: each article's body is cut into sentences
(:mod:`dedupe.segmentation`), each sentence reduced to content terms and a
MinHash signature (:mod:`dedupe.fingerprints`), LSH banding over all
sentences of the run proposes cross-article pairs (:mod:`dedupe.candidates`),
the pairs of articles where one of them could be a strong match are kept, and
the aligner verifies them and merges neighbours into passages
(:mod:`dedupe.alignment`).

>>> from dedupe.cleaning import clean_text
>>> a = clean_text("Officials said two attempted attacks hit radar stations in southern Russia last week.")
>>> b = clean_text("Officials said two attempted attacks hit radar stations in southern Russia last week.")
>>> result = compare([a, b])
>>> [(str(p.kind), p.a) for p in result.overlaps[0].passages]
[('identical', Span(start=0, end=85))]
"""

from __future__ import annotations

import bisect
import os
from collections import Counter
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence

import numpy as np

from dedupe.alignment import MIN_SHARED_TERMS, align, term_weights
from dedupe.candidates import SentencePairs, sentence_pairs
from dedupe.fingerprints import SentenceTable, sentence_table
from dedupe.model import Article, Comparison, Overlap, SourceMatches
from dedupe.settings import DEFAULT_SETTINGS, Settings

#: Term weights from the candidates' sentence term sets (see :func:`compare_against`).
WeightsFor = Callable[[Sequence[Collection[str]]], Mapping[str, float]]


class TooManyPairsError(ValueError):
    """More pairs of articles share passages than ``Settings.max_overlapping_pairs``."""


def compare(articles: Sequence[Article], settings: Settings = DEFAULT_SETTINGS) -> Comparison:
    """Find the passages each pair of articles shares.

    LSH over all sentences of all articles proposes sentence pairs, and only
    the pairs of articles where one of them could be a strong match (they
    share ``settings.min_shared_words`` content terms) are aligned, so the
    cost grows with the number of similar sentences, not with the square of
    the number of articles. Raises :class:`TooManyPairsError` past
    ``settings.max_overlapping_pairs`` overlapping pairs (memory grows with them).
    """
    table = sentence_table(articles, settings)
    found = sentence_pairs(table.signatures, table.owners, table.eligible, settings,
                           _places(table.owners, table.local))
    weights = term_weights(table.terms)
    overlaps = []
    for (a, b), pairs in _by_article_pair(found, table, settings):
        passages = align(table.side(a), table.side(b), pairs, weights, settings)
        if passages:
            overlaps.append(Overlap(a, b, tuple(passages)))
            if len(overlaps) > settings.max_overlapping_pairs:
                raise TooManyPairsError(
                    f"over {settings.max_overlapping_pairs:,} pairs of the {len(articles):,} articles share passages: "
                    "they are largely one text. Check them one at a time against an index (dedupe index add, "
                    "dedupe check --index), or raise --set max_overlapping_pairs=N")
    return Comparison(tuple(articles), tuple(overlaps), tuple(tuple(spans) for spans in table.sentences), settings)


def compare_against(candidates: Sequence[Article], sources: Sequence[Article],
                    settings: Settings = DEFAULT_SETTINGS, *,
                    weights_for: WeightsFor | None = None) -> SourceMatches:
    """Find the passages each candidate shares with any of the sources.

    The sentences of candidates and sources go through one LSH banding that
    pairs only a candidate's sentence with a source's, so a run against
    thousands of sources costs about one lookup per sentence. A source with
    the same path as a candidate is that candidate and is never compared
    with it; sources with the same text are compared once.

    Term weights (term -> IDF) are computed over the given sentences, or by
    ``weights_for`` from the candidates' sentence term sets: an index
    (:mod:`dedupe.archive`) passes weights over all its articles when it
    gives only the sources whose sentences collide.

    >>> from dedupe.cleaning import clean_text
    >>> wire = clean_text("Two attempted attacks hit radar stations in southern Russia last week.", "wire.txt")
    >>> copy = clean_text("Two attempted attacks hit radar stations in southern Russia last week.", "copy.txt")
    >>> [(o.a, o.b, str(o.passages[0].kind)) for o in compare_against([copy], [wire]).overlaps]
    [(0, 0, 'identical')]
    """
    table = sentence_table([*candidates, *sources], settings)
    first_source = len(candidates)
    # Sources with the same text are indexed once; each candidate is matched
    # with the first of them that is not its own file.
    copies: dict[str, list[int]] = {}
    for number, source in enumerate(sources):
        copies.setdefault(source.cleaned_text, []).append(number)
    members = {group[0]: group for group in copies.values()}
    owners = table.owners
    eligible = [ok and (owner < first_source or owner - first_source in members)
                for ok, owner in zip(table.eligible, owners)]
    found = sentence_pairs(table.signatures, owners, eligible, settings, _places(owners, table.local),
                           left=[owner < first_source for owner in owners])
    same_file = {(c, s) for c, candidate in enumerate(candidates) for s, source in enumerate(sources)
                 if _same_file(candidate.path, source.path)}
    weights = (term_weights(table.terms) if weights_for is None
               else weights_for(table.terms[:bisect.bisect_left(owners, first_source)]))
    overlaps = []
    for (c, head), pairs in _by_article_pair(found, table, settings):
        partner = next((s for s in members[head - first_source] if (c, s) not in same_file), None)
        if partner is None:
            continue
        passages = align(table.side(c), table.side(head), pairs, weights, settings)
        if passages:
            overlaps.append(Overlap(c, partner, tuple(passages)))
    sentences = tuple(tuple(spans) for spans in table.sentences[:first_source])
    return SourceMatches(tuple(candidates), tuple(sources), tuple(overlaps), sentences, settings)


def _places(owners: Sequence[int], local: Sequence[int]) -> list[float]:
    """Each sentence's relative place in its article, 0 to 1."""
    lengths = Counter(owners)
    return [position / lengths[owner] for owner, position in zip(owners, local)]


def _by_article_pair(found: SentencePairs, table: SentenceTable,
                     settings: Settings) -> Iterator[tuple[tuple[int, int], list[tuple[int, int]]]]:
    """The sentence pairs of each pair of articles worth aligning, in order
    of the articles, as sentence numbers within them.

    A pair of articles is worth aligning when one of its sentence pairs
    could be a strong match: the two share ``settings.min_shared_words``
    content terms. Without one, alignment finds nothing.
    """
    if not len(found):
        return
    owner, place = np.asarray(table.owners, dtype=np.int64), np.asarray(table.local, dtype=np.int64)
    a, b = owner[found.first], owner[found.second]
    need = max(MIN_SHARED_TERMS, settings.min_shared_words)
    terms = table.terms
    worth = {(x, y) for x, y, i, j in zip(a.tolist(), b.tolist(), found.first.tolist(), found.second.tolist())
             if len(set(terms[i]).intersection(terms[j])) >= need}
    if not worth:
        return
    code = a * (len(table.sentences) + 1) + b
    kept = np.isin(code, [x * (len(table.sentences) + 1) + y for x, y in worth])
    order = np.flatnonzero(kept)[np.lexsort((found.second[kept], found.first[kept], code[kept]))]
    code, first, second = code[order], place[found.first[order]], place[found.second[order]]
    starts = np.flatnonzero(np.concatenate(([True], code[1:] != code[:-1])))
    ends = np.append(starts[1:], len(code))
    for start, end in zip(starts.tolist(), ends.tolist()):
        yield ((int(a[order[start]]), int(b[order[start]])),
               list(zip(first[start:end].tolist(), second[start:end].tolist())))


def _same_file(a: str, b: str) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return a == b
