"""Comparison: every article of a run against every other, passage by passage.

The stages in order: each article's body is cut into sentences
(:mod:`dedupe.segmentation`), each sentence reduced to content terms and a
MinHash signature (:mod:`dedupe.fingerprints`), one MinHashLSH over all
sentences of the run proposes cross-article pairs (:mod:`dedupe.index`), and
the aligner verifies them and merges neighbours into passages
(:mod:`dedupe.alignment`).

>>> from dedupe.cleaning import clean_text
>>> a = clean_text("Officials said two attempted attacks hit radar stations in southern Russia last week.")
>>> b = clean_text("Officials said two attempted attacks hit radar stations in southern Russia last week.")
>>> result = compare([a, b])
>>> [(p.kind, p.a) for p in result.overlaps[0].passages]
[('identical', Span(start=0, end=85))]
"""

from __future__ import annotations

import os
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from dedupe.alignment import AlignedPassage, Side, align, term_weights
from dedupe.boilerplate import learn_boilerplate
from dedupe.cleaning import Article, clean
from dedupe.fingerprints import content_terms, shingles, signature_matrix
from dedupe.index import CandidateIndex, candidate_pairs
from dedupe.segmentation import segment_blocks
from dedupe.settings import DEFAULT_SETTINGS, Settings
from dedupe.spans import Span

_SNIPPET = 200


@dataclass(frozen=True)
class Overlap:
    """The passages two articles share; ``a`` and ``b`` index ``Comparison.articles``."""

    a: int
    b: int
    passages: tuple[AlignedPassage, ...]


@dataclass(frozen=True)
class Comparison:
    """What one run found: the articles and each pair's shared passages."""

    articles: tuple[Article, ...]
    overlaps: tuple[Overlap, ...]
    sentences: tuple[tuple[Span, ...], ...] = ()
    settings: Settings = DEFAULT_SETTINGS

    def partners(self, article: int) -> list[int]:
        """The articles that share passages with ``article``."""
        return [o.b if o.a == article else o.a for o in self.overlaps if article in (o.a, o.b)]

    def passage_count(self, article: int) -> int:
        return sum(len(o.passages) for o in self.overlaps if article in (o.a, o.b))

    def as_dict(self) -> dict[str, Any]:
        """The JSON document ``dedupe report --format json`` prints."""
        return {
            "articles": [
                {
                    "path": article.path,
                    "title": article.title,
                    "words": article.words,
                    "kind": article.kind,
                    "debris": [item.as_dict() for item in article.debris],
                    "metadata": dict(article.metadata),
                    "overlaps_with": [self.articles[p].path for p in self.partners(n)],
                    **({"extracted": article.text} if article.kind == "html" else {}),
                }
                for n, article in enumerate(self.articles)
            ],
            "pairs": [
                {
                    "a": self.articles[overlap.a].path,
                    "b": self.articles[overlap.b].path,
                    "passages": [self._passage_dict(overlap, passage) for passage in overlap.passages],
                }
                for overlap in self.overlaps
            ],
        }

    def _passage_dict(self, overlap: Overlap, passage: AlignedPassage) -> dict[str, Any]:
        data = passage.as_dict()
        data["a_text"] = passage.a.of(self.articles[overlap.a].text)[:_SNIPPET]
        data["b_text"] = passage.b.of(self.articles[overlap.b].text)[:_SNIPPET]
        return data


@dataclass(frozen=True)
class _Sentences:
    """Every sentence of a set of articles, flattened, with what LSH and the
    aligner need: owner article, index within it, terms, signature."""

    sides: list[Side]
    owners: list[int]
    local: list[int]
    term_sets: list[frozenset[str]]
    eligible: list[bool]
    signatures: np.ndarray


def _sentences(articles: Sequence[Article], settings: Settings, permutations: int | None = None) -> _Sentences:
    """``permutations``: compute only that many signature values (see
    :func:`~dedupe.fingerprints.signature_matrix`)."""
    sides: list[Side] = []
    owners: list[int] = []
    local: list[int] = []
    ordered_terms: list[list[str]] = []
    term_sets: list[frozenset[str]] = []
    for number, article in enumerate(articles):
        sentences = segment_blocks(article.text, article.body)
        terms = [content_terms(sentence.of(article.text)) for sentence in sentences]
        sets = [frozenset(t) for t in terms]
        sides.append(Side(article.text, sentences, sets))
        owners.extend([number] * len(sentences))
        local.extend(range(len(sentences)))
        ordered_terms.extend(terms)
        term_sets.extend(sets)
    eligible = [len(terms) >= settings.min_passage_words for terms in term_sets]
    signatures = signature_matrix([shingles(t, settings.shingle_size) for t in ordered_terms], settings,
                                  permutations)
    return _Sentences(sides, owners, local, term_sets, eligible, signatures)


def compare(articles: Sequence[Article], settings: Settings = DEFAULT_SETTINGS) -> Comparison:
    """Find the passages each pair of articles shares.

    One LSH index over all sentences of all articles proposes candidates, so
    the cost grows with the number of similar sentences, not with the square
    of the number of articles.
    """
    table = _sentences(articles, settings)
    owners, local = table.owners, table.local
    by_pair: dict[tuple[int, int], list[tuple[int, int]]] = defaultdict(list)
    for i, j in candidate_pairs(table.signatures, owners, table.eligible, settings):
        if owners[i] > owners[j]:
            i, j = j, i
        by_pair[owners[i], owners[j]].append((local[i], local[j]))
    weights = term_weights(table.term_sets)
    overlaps = []
    for (a, b), pairs in sorted(by_pair.items()):
        passages = align(table.sides[a], table.sides[b], pairs, weights, settings)
        if passages:
            overlaps.append(Overlap(a, b, tuple(passages)))
    return Comparison(tuple(articles), tuple(overlaps), tuple(tuple(side.sentences) for side in table.sides), settings)


@dataclass(frozen=True)
class SourceMatches:
    """Candidates matched against sources: ``Overlap.a`` indexes
    ``candidates``, ``Overlap.b`` indexes ``sources``. ``sentences`` are the
    candidates' sentence spans."""

    candidates: tuple[Article, ...]
    sources: tuple[Article, ...]
    overlaps: tuple[Overlap, ...]
    sentences: tuple[tuple[Span, ...], ...]
    settings: Settings = DEFAULT_SETTINGS


def compare_against(candidates: Sequence[Article], sources: Sequence[Article],
                    settings: Settings = DEFAULT_SETTINGS, *,
                    weights: Mapping[str, float] | None = None) -> SourceMatches:
    """Find the passages each candidate shares with any of the sources.

    All source sentences go into one LSH index and every candidate sentence
    is looked up in it, so a run against thousands of sources costs one
    lookup per candidate sentence. A source with the same path as a
    candidate is that candidate and is never compared with it; sources with
    the same text are compared once.

    ``weights`` (term -> IDF) replaces the weights computed over the given
    sentences; an archive (:mod:`dedupe.store`) passes weights over all its
    articles when it gives only the sources whose sentences collide.

    >>> from dedupe.cleaning import clean_text
    >>> wire = clean_text("Two attempted attacks hit radar stations in southern Russia last week.", "wire.txt")
    >>> copy = clean_text("Two attempted attacks hit radar stations in southern Russia last week.", "copy.txt")
    >>> [(o.a, o.b, o.passages[0].kind) for o in compare_against([copy], [wire]).overlaps]
    [(0, 0, 'identical')]
    """
    table = _sentences([*candidates, *sources], settings)
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
    for row in range(len(table.owners)):
        if table.owners[row] >= first_source or not table.eligible[row]:
            continue
        candidate = table.owners[row]
        for hit in index.query(table.signatures[row]):
            group = members[table.owners[hit] - first_source]
            source = next((s for s in group if (candidate, s) not in same_file), None)
            if source is not None:
                by_pair[candidate, source].append((table.local[row], table.local[hit]))
    if weights is None:
        weights = term_weights(table.term_sets)
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


def compare_texts(texts: Mapping[str, str], settings: Settings = DEFAULT_SETTINGS, learn: bool = True) -> Comparison:
    """Clean and compare articles given as strings (plain text or HTML,
    sniffed), keyed by a name used as their path: the one call a scraping
    pipeline needs. Raises :class:`~dedupe.cleaning.CleaningError` or
    :class:`~dedupe.extraction.ExtractionError` for an unusable article.

    >>> result = compare_texts({"a": "The vote was set for Friday in Kyiv.", "b": "Rain fell in Oslo."})
    >>> result.overlaps
    ()
    """
    articles = [clean(content, name, settings=settings) for name, content in texts.items()]
    if learn:
        articles = learn_boilerplate(articles, settings)
    return compare(articles, settings)
