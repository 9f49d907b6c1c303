"""The index of originals, as a newsroom uses it: add articles, check new ones.

A newsroom adds its originals once (``dedupe index add``) and checks every
new article against them (``dedupe check CANDIDATE --index URL``). An
:class:`Index` is a storage backend (:mod:`dedupe.store`: SQLite by default,
Redis when shared) plus what a check needs on top of it.

**How a check works.** The candidates' sentences are fingerprinted exactly
as :func:`dedupe.comparison.compare_against` does and their index keys
looked up. The indexed articles sharing at least ``Settings.index_min_hits``
distinct keys with a candidate (plus any stored copy with the same cleaned
text, which ``compare_against`` groups) are the shortlist; only those are
loaded, and the candidates are judged against them by the one procedure
every check runs (:func:`dedupe.provenance.judge_sources`), with term
weights over the whole archive. So the passages and verdicts for a
shortlisted source are exactly those of a run against every indexed
article; what the index can miss is a source that shares only a sentence or
two, reworded (a sentence pair at Jaccard 0.5 shares a key one time in
eight). The index keys are few and selective on purpose: an archive of a
million articles has some thirty million sentences, and the denser banding
``--against`` uses would neither fit nor shortlist a handful of them.

**Settings.** An index is used with the settings it was built with, read
from its record; settings given when opening it may change what applies at
check time (alignment, verdicts, the shortlist's ``index_min_hits``) but
not what its keys were computed with (:data:`dedupe.store.INDEX_FIELDS`).

>>> import tempfile, os
>>> from dedupe.cleaning import clean_text
>>> url = os.path.join(tempfile.mkdtemp(), "archive.db")
>>> wire = clean_text("Officials said two attempted attacks hit radar stations in southern Russia.", "wire.txt")
>>> with open_index(url, create=True) as index:
...     index.add(wire, publisher="Example Wire")
...     verdict, = index.check([clean_text(wire.text, "copy.txt")])
(1, True)
>>> str(verdict.derivation), verdict.sources[0].source.path, verdict.sources[0].publisher
('whole', 'wire.txt', 'Example Wire')
"""

from __future__ import annotations

import builtins
import math
import os
from collections import Counter
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import replace
from types import MappingProxyType, TracebackType
from typing import Any

from dedupe.cleaning import clean
from dedupe.comparison import compare_against
from dedupe.credits import source_publisher
from dedupe.fingerprints import Fingerprinted, fingerprint_many, index_keys, sentence_table
from dedupe.model import Article, SourceMatches, StoredArticle, Verdict
from dedupe.provenance import judge_sources
from dedupe.serialise import verdict_data
from dedupe.settings import Settings, settings_from_dict
from dedupe.store import DEFAULT_TIMEOUT, IndexBackend, IndexEntry, StoreMissingError, open_backend
from dedupe.store.base import require_index_fields


class Index:
    """An index of original articles to check candidates against.

    Made by :func:`open_index`. May be shared by threads (each backend
    handles its own connections); a context manager that closes it.
    """

    def __init__(self, backend: IndexBackend, settings: Settings | None = None) -> None:
        self.backend = backend
        self.settings = settings or backend.settings
        self.location = backend.location

    # --- adding and removing ------------------------------------------------

    def add(self, article: Article, publisher: str | None = None) -> tuple[int, bool]:
        """Index ``article``; return (its id, whether it was new).

        Idempotent: an article with the same kind and text is stored once
        (its stored publisher is then left as it was). ``publisher``
        overrides the one in the article's metadata.
        """
        (result,) = self.add_many([article], publisher)
        return result

    def add_many(self, articles: Iterable[Article], publisher: str | None = None, *,
                 fingerprints: Iterable[Fingerprinted] | None = None) -> builtins.list[tuple[int, bool]]:
        """Index many articles in one write (one transaction, one round
        trip), which is far faster per article than :meth:`add`; return
        (id, whether new) for each, in order. All are stored or, if anything
        fails, none. ``fingerprints``, when given, are the articles'
        :func:`~dedupe.fingerprints.fingerprint` results, computed elsewhere
        (in worker processes, say: see :func:`dedupe.corpus.prepare_articles`).

        >>> import tempfile, os
        >>> from dedupe.cleaning import clean_text
        >>> with open_index(os.path.join(tempfile.mkdtemp(), "i.db"), create=True) as index:
        ...     index.add_many([clean_text("Rain fell in Oslo on Friday.", "a.txt"),
        ...                     clean_text("Snow fell in Bergen on Monday.", "b.txt"),
        ...                     clean_text("Rain fell in Oslo on Friday.", "c.txt")])
        [(1, True), (2, True), (1, False)]
        """
        articles = [with_publisher(article, publisher) for article in articles]
        prints = list(fingerprints) if fingerprints is not None else [None] * len(articles)
        if len(prints) != len(articles):
            raise ValueError(f"{len(articles)} articles but {len(prints)} fingerprints")
        return self.backend.add_many([IndexEntry(article, source_publisher(article), found)
                                      for article, found in zip(articles, prints)])

    def fingerprint_many(self, articles: Sequence[Article]) -> builtins.list[Fingerprinted]:
        """The fingerprints :meth:`add_many` would compute, under this index's settings."""
        return fingerprint_many(articles, self.settings)

    def add_page(self, content: str, path: str, *, url: str | None = None,
                 publisher: str | None = None) -> tuple[int, bool]:
        """Clean a page (HTML or plain text, sniffed) and add it: one call for
        a scraping pipeline. Returns (id, whether it was new); raises
        :class:`~dedupe.cleaning.CleaningError` or
        :class:`~dedupe.model.ExtractionError` for a page with no article."""
        return self.add(clean(content, path, url=url, settings=self.settings), publisher)

    def remove(self, ids: Iterable[int]) -> builtins.list[int]:
        """Remove articles by id; return the ids that were there."""
        return self.backend.remove(ids)

    # --- reading --------------------------------------------------------------

    def articles(self) -> Iterator[StoredArticle]:
        """Every indexed article, oldest first, without its text."""
        return self.backend.articles()

    def list(self) -> builtins.list[StoredArticle]:
        """Every indexed article, oldest first (see :meth:`articles` to stream)."""
        return builtins.list(self.backend.articles())

    def publishers(self) -> set[str]:
        """The publishers of the indexed articles (as a check names them)."""
        return self.backend.publishers()

    def stats(self) -> dict[str, object]:
        """Counts, sizes, the settings record and ``integrity`` ("ok" or what is wrong)."""
        return self.backend.stats()

    # --- checking ----------------------------------------------------------------

    def shortlist(self, candidates: Sequence[Article]) -> builtins.list[Article]:
        """The indexed articles sharing at least ``Settings.index_min_hits``
        index keys with a candidate, and their stored copies, in the order
        they were added (see the module docstring)."""
        bands, rows_per_band = self.settings.index_bands
        table = sentence_table(candidates, self.settings, bands * rows_per_band)
        rows = [n for n, ok in enumerate(table.eligible) if ok]
        if not rows:
            return []
        counts = self.backend.colliding(index_keys(table.signatures[rows], self.settings))
        hits = {article for article, count in counts.items() if count >= self.settings.index_min_hits}
        return self.backend.load(self.backend.same_text(hits)) if hits else []

    def candidates(self, articles: Sequence[Article]) -> SourceMatches:
        """The passages ``articles`` share with their shortlisted sources
        (no boilerplate learned: the raw comparison, for inspection)."""
        articles = builtins.list(articles)
        with self.backend.snapshot():
            return compare_against(articles, self.shortlist(articles), self.settings,
                                   weights_for=self._weights_for)

    def check(self, candidates: Sequence[Article]) -> builtins.list[Verdict]:
        """A verdict for each candidate against the index: the shortlist,
        judged by :func:`dedupe.provenance.judge_sources` with term weights
        over the whole archive and credits looked for to every indexed
        publisher."""
        candidates = builtins.list(candidates)
        with self.backend.snapshot():
            return judge_sources(candidates, self.shortlist(candidates), known_publishers=self.publishers(),
                                 settings=self.settings, weights_for=self._weights_for)

    def check_page(self, content: str, path: str = "<page>", *, url: str | None = None) -> dict[str, Any]:
        """Clean a page and check it against the index: one call, the data of
        one ``dedupe check --format json`` result out.

        >>> import tempfile, os
        >>> with open_index(os.path.join(tempfile.mkdtemp(), "i.db"), create=True) as index:
        ...     _ = index.add_page("Two attempted attacks hit radar stations in southern Russia.", "wire.txt")
        ...     result = index.check_page("Two attempted attacks hit radar stations in southern Russia.", "copy.txt")
        >>> result["derivation"], result["rewording"], result["sources"][0]["path"]
        ('whole', 'verbatim', 'wire.txt')
        """
        (verdict,) = self.check([clean(content, path, url=url, settings=self.settings)])
        return verdict_data(verdict)

    def _weights_for(self, candidate_terms: Sequence[Collection[str]]) -> Mapping[str, float]:
        return ArchiveWeights(self.backend, candidate_terms)

    # --- life --------------------------------------------------------------------

    def close(self) -> None:
        """Release the backend's connections; the index is unusable afterwards."""
        self.backend.close()

    def __enter__(self) -> Index:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self.close()


class ArchiveWeights(Mapping[str, float]):
    """Term weights over the candidates' sentences plus every indexed one:
    what :func:`dedupe.alignment.term_weights` gives for a run over the
    candidates and the whole archive, from the stored document frequencies.

    The candidates' terms are fetched at once; a source's other terms when
    the aligner first asks (only the sentences of proposed pairs are weighed,
    so that is a few hundred lookups, far cheaper than re-reading every
    shortlisted source's terms).
    """

    def __init__(self, backend: IndexBackend, candidate_terms: Sequence[Collection[str]]) -> None:
        self._backend = backend
        self._candidates: Counter[str] = Counter()
        for terms in candidate_terms:
            self._candidates.update(terms)
        self._total = backend.sentence_count() + len(candidate_terms)
        self._stored: dict[str, int] = {}
        self._weights: dict[str, float] = {}
        self._fetch(builtins.list(self._candidates))

    def _fetch(self, terms: Collection[str]) -> None:
        found = self._backend.frequencies(terms)
        self._stored.update({term: found.get(term, 0) for term in terms})

    def __getitem__(self, term: str) -> float:
        found = self._weights.get(term)
        return self._computed(term) if found is None else found

    def get(self, term: str, default: Any = None) -> Any:
        # The aligner asks a thousand times a check: Mapping.get's try/except around __getitem__ was a tenth of it.
        found = self._weights.get(term)
        if found is not None:
            return found
        try:
            return self._computed(term)
        except KeyError:
            return default

    def _computed(self, term: str) -> float:
        """The weight of a term not asked for before (KeyError: no sentence has it), kept."""
        if term not in self._stored:
            self._fetch([term])
        seen = self._stored[term] + self._candidates.get(term, 0)
        if not seen:
            raise KeyError(term)
        found = self._weights[term] = math.log(1 + self._total / seen)
        return found

    def __iter__(self) -> Iterator[str]:
        stored = set()
        for term in self._backend.terms():
            stored.add(term)
            yield term
        yield from (term for term in self._candidates if term not in stored)

    def __len__(self) -> int:
        return sum(1 for _ in self)


def with_publisher(article: Article, publisher: str | None) -> Article:
    """The article as the index keeps it: ``publisher``, when given, replaces
    the metadata's, so a check names it as ``--against NAME=PATH`` would."""
    if not publisher:
        return article
    return replace(article, metadata=MappingProxyType({**article.metadata, "publisher": publisher}))


def open_index(url: str | os.PathLike[str] | None = None,
               settings: Settings | Mapping[str, object] | None = None, *,
               create: bool = False, timeout: float = DEFAULT_TIMEOUT) -> Index:
    """Open the index at ``url`` (default ``./.dedupe/index.db``; see
    :func:`dedupe.store.parse_url`), creating it when missing if ``create``.

    ``settings``: None uses the index's own recorded settings (a new index
    gets the defaults); a :class:`~dedupe.settings.Settings` must agree with
    the record on the fingerprinting fields (:data:`dedupe.store.INDEX_FIELDS`);
    a mapping of overrides (from a config file or ``--set``) is applied over
    the record, and may not change those fields either. Raises a
    :class:`~dedupe.store.StoreError` kind, one line, naming the index.
    """
    if settings is None or isinstance(settings, Settings):
        return Index(open_backend(url, settings, create=create, timeout=timeout))
    overrides = dict(settings)
    try:
        backend = open_backend(url, None, timeout=timeout)
    except StoreMissingError:
        if not create:
            raise
        return Index(open_backend(url, settings_from_dict(overrides), create=True, timeout=timeout))
    try:
        applied = settings_from_dict(overrides, backend.settings)
        require_index_fields(backend.settings, applied, backend.location)
    except BaseException:
        backend.close()
        raise
    return Index(backend, applied)
