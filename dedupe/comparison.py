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

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from dedupe.alignment import AlignedPassage, Side, align, term_weights
from dedupe.boilerplate import learn_boilerplate
from dedupe.cleaning import Article, clean
from dedupe.fingerprints import content_terms, shingles, signature_matrix
from dedupe.index import candidate_pairs
from dedupe.segmentation import segment_blocks
from dedupe.settings import DEFAULT_SETTINGS, Settings

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


def compare(articles: Sequence[Article], settings: Settings = DEFAULT_SETTINGS) -> Comparison:
    """Find the passages each pair of articles shares.

    One LSH index over all sentences of all articles proposes candidates, so
    the cost grows with the number of similar sentences, not with the square
    of the number of articles.
    """
    sides: list[Side] = []
    owners: list[int] = []
    local: list[int] = []
    ordered_terms: list[list[str]] = []
    for number, article in enumerate(articles):
        sentences = segment_blocks(article.text, article.body)
        terms = [content_terms(sentence.of(article.text)) for sentence in sentences]
        sides.append(Side(article.text, sentences, [frozenset(t) for t in terms]))
        owners.extend([number] * len(sentences))
        local.extend(range(len(sentences)))
        ordered_terms.extend(terms)
    term_sets = [frozenset(terms) for terms in ordered_terms]
    eligible = [len(terms) >= settings.min_passage_words for terms in term_sets]
    signatures = signature_matrix([shingles(t, settings.shingle_size) for t in ordered_terms], settings)
    by_pair: dict[tuple[int, int], list[tuple[int, int]]] = defaultdict(list)
    for i, j in candidate_pairs(signatures, owners, eligible, settings):
        if owners[i] > owners[j]:
            i, j = j, i
        by_pair[owners[i], owners[j]].append((local[i], local[j]))
    weights = term_weights(term_sets)
    overlaps = []
    for (a, b), pairs in sorted(by_pair.items()):
        passages = align(sides[a], sides[b], pairs, weights, settings)
        if passages:
            overlaps.append(Overlap(a, b, tuple(passages)))
    return Comparison(tuple(articles), tuple(overlaps), settings)


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
