"""Comparison: every article of a run against every other, passage by passage.

The stages in order: each article's body is cut into sentences
(:mod:`dedupe.segmentation`), each sentence reduced to content terms and a
MinHash signature (:mod:`dedupe.fingerprints`), one MinHashLSH over all
sentences of the run proposes cross-article pairs (:mod:`dedupe.candidates`), and
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
from collections import Counter, defaultdict
from collections.abc import Callable, Mapping, Sequence

from dedupe.alignment import align, term_weights
from dedupe.candidates import CandidateIndex, candidate_pairs, nearest_places
from dedupe.fingerprints import sentence_table
from dedupe.model import Article, Comparison, Overlap, SourceMatches
from dedupe.settings import DEFAULT_SETTINGS, Settings

#: Term weights from the candidates' sentence term sets (see :func:`compare_against`).
WeightsFor = Callable[[Sequence[frozenset[str]]], Mapping[str, float]]


class TooManyPairsError(ValueError):
    """More pairs of articles share passages than ``Settings.max_overlapping_pairs``."""


def compare(articles: Sequence[Article], settings: Settings = DEFAULT_SETTINGS) -> Comparison:
    """Find the passages each pair of articles shares.

    One LSH index over all sentences of all articles proposes candidates, so
    the cost grows with the number of similar sentences, not with the square
    of the number of articles. Raises :class:`TooManyPairsError` past
    ``settings.max_overlapping_pairs`` overlapping pairs (memory grows with them).
    """
    table = sentence_table(articles, settings)
    owners, local = table.owners, table.local
    by_pair: dict[tuple[int, int], list[tuple[int, int]]] = defaultdict(list)
    lengths = Counter(owners)
    places = [position / lengths[owner] for owner, position in zip(owners, local)]
    for i, j in candidate_pairs(table.signatures, owners, table.eligible, settings, places):
        if owners[i] > owners[j]:
            i, j = j, i
        by_pair[owners[i], owners[j]].append((local[i], local[j]))
    weights = term_weights(table.term_sets)
    overlaps = []
    for (a, b), pairs in sorted(by_pair.items()):
        passages = align(table.sides[a], table.sides[b], pairs, weights, settings)
        if passages:
            overlaps.append(Overlap(a, b, tuple(passages)))
            if len(overlaps) > settings.max_overlapping_pairs:
                raise TooManyPairsError(
                    f"over {settings.max_overlapping_pairs:,} pairs of the {len(articles):,} articles share passages: "
                    "they are largely one text. Check them one at a time against an index (dedupe index add, "
                    "dedupe check --index), or raise --set max_overlapping_pairs=N")
    return Comparison(tuple(articles), tuple(overlaps), tuple(tuple(side.sentences) for side in table.sides), settings)


def compare_against(candidates: Sequence[Article], sources: Sequence[Article],
                    settings: Settings = DEFAULT_SETTINGS, *,
                    weights_for: WeightsFor | None = None) -> SourceMatches:
    """Find the passages each candidate shares with any of the sources.

    All source sentences go into one LSH index and every candidate sentence
    is looked up in it, so a run against thousands of sources costs one
    lookup per candidate sentence. A source with the same path as a
    candidate is that candidate and is never compared with it; sources with
    the same text are compared once.

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
    index = CandidateIndex(settings)
    rows = [r for r in range(len(table.owners))
            if table.owners[r] - first_source in members and table.eligible[r]]
    index.add_many(rows, table.signatures[rows] if rows else table.signatures[:0])
    same_file = {(c, s) for c, candidate in enumerate(candidates) for s, source in enumerate(sources)
                 if _same_file(candidate.path, source.path)}
    by_pair: dict[tuple[int, int], list[tuple[int, int]]] = defaultdict(list)
    lengths = Counter(table.owners)
    places = [position / lengths[owner] for owner, position in zip(table.owners, table.local)]
    looked_up: dict[bytes, list[tuple[int, list[int], list[float]]]] = {}
    for row in range(len(table.owners)):
        if table.owners[row] >= first_source or not table.eligible[row]:
            continue
        candidate = table.owners[row]
        key = table.signatures[row].tobytes()
        if key not in looked_up:  # a repeated sentence is looked up once
            # copies of one sentence in one source (same signature) are capped below; distinct
            # sentences that collide are all kept
            found: dict[tuple[int, bytes], list[int]] = defaultdict(list)
            for hit in index.query(table.signatures[row]):
                found[table.owners[hit], table.signatures[hit].tobytes()].append(hit)
            looked_up[key] = [(owner, hits, [places[h] for h in hits])
                              for (owner, _), hits in ((o, sorted(h, key=places.__getitem__))
                                                       for o, h in found.items())]
        for owner, hits, spots in looked_up[key]:
            group = members[owner - first_source]
            partner = next((s for s in group if (candidate, s) not in same_file), None)
            if partner is None:
                continue
            # text repeated in the source pairs with the copies nearest this sentence's place only
            for hit in nearest_places(hits, spots, places[row], settings.max_sentence_partners):
                by_pair[candidate, partner].append((table.local[row], table.local[hit]))
    first_row = bisect.bisect_left(table.owners, first_source)  # candidates' sentences come first
    weights = term_weights(table.term_sets) if weights_for is None else weights_for(table.term_sets[:first_row])
    overlaps = []
    for (c, s), pairs in sorted(by_pair.items()):
        passages = align(table.sides[c], table.sides[first_source + s], pairs, weights, settings)
        if passages:
            overlaps.append(Overlap(c, s, tuple(passages)))
    sentences = tuple(tuple(side.sentences) for side in table.sides[:first_source])
    return SourceMatches(tuple(candidates), tuple(sources), tuple(overlaps), sentences, settings)


def _same_file(a: str, b: str) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return a == b
