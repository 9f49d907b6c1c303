"""The application layer: the calls the command line, a pipeline and a
script make, each one library call.

* :func:`check`: candidates against sources (files, directories,
  ``NAME=PATH``) or an index of originals, with the pre-publication gate's
  policy applied; what ``dedupe check`` prints.
* :func:`report`: every article against every other; what ``dedupe report``
  prints.
* :func:`compare_texts`: articles held in memory, cleaned and compared.

Inputs that cannot be used never stop a call: they are collected as
:class:`~dedupe.reading.InputError`\\ s (one line each, naming the file) in
the result. The CLI (:mod:`dedupe.cli`) only parses arguments, builds
settings, calls these and renders the result.

>>> result = check(["fixtures/seeds/bbc-biden-pressure-machine-translated-2024.txt"],
...                against=["fixtures/seeds/wapo-blinken-moldova-2024.txt"], policy=Policy(frozenset({"reworded"})))
>>> verdict, = result.verdicts
>>> str(verdict.derivation), verdict.sources[0].publisher, verdict.sources[0].credited, result.passed
('none', 'The Washington Post', True, True)
>>> sorted({str(p.kind) for p in verdict.sources[0].passages})
['reworded', 'shared-facts', 'shared-quote']
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import Any

from dedupe.archive import Index, open_index
from dedupe.boilerplate import learn_boilerplate
from dedupe.cleaning import clean
from dedupe.comparison import compare
from dedupe.corpus import Corpus, OnRead, load_corpus
from dedupe.gate import findings
from dedupe.model import AlignedPassage, Article, Comparison, Direction, Finding, Policy, Verdict
from dedupe.provenance import judge_sources
from dedupe.reading import InputError
from dedupe.serialise import check_data, report_data
from dedupe.settings import DEFAULT_SETTINGS, Settings, settings_from_dict
from dedupe.verdicts import direction, judge_pair

#: What :func:`check` and :func:`report` take as articles: paths of files or
#: directories, or articles already cleaned.
Inputs = Iterable[str | os.PathLike[str] | Article]
#: Settings, or overrides of the defaults (or of an index's own record) by name.
SettingsLike = Settings | Mapping[str, object] | None


@dataclass(frozen=True)
class CheckResult:
    """What a check found: a verdict per candidate, the findings of each
    under the policy, the inputs that could not be used (``unread``: the
    candidates among them), warnings (sources given twice, say), and the
    project file defaults came from (the CLI fills it in)."""

    verdicts: tuple[Verdict, ...]
    findings: tuple[tuple[Finding, ...], ...]
    errors: tuple[InputError, ...] = ()
    warnings: tuple[str, ...] = ()
    settings: Settings = DEFAULT_SETTINGS
    policy: Policy = field(default_factory=Policy)
    config: str | None = None
    unread: tuple[InputError, ...] = ()
    #: Per verdict, per source used: which of candidate (``a``) and source (``b``) is probably the original.
    directions: tuple[tuple[Direction, ...], ...] = ()

    @property
    def passed(self) -> bool:
        """Every candidate was read and none breaks the policy: a gate never
        passes what it could not read."""
        return not self.unread and not any(self.findings)

    def as_dict(self) -> dict[str, Any]:
        """The JSON document of ``dedupe check --format json``."""
        return check_data(self.verdicts, self.errors, self.findings, config=self.config, unread=self.unread,
                          directions=self.directions)


@dataclass(frozen=True)
class ReportResult:
    """What a report found: every pair's passages, which of each pair is
    probably the original, the verdict on the probable copy against it
    (:func:`~dedupe.verdicts.judge_pair`), and the inputs that could not be used."""

    comparison: Comparison
    directions: tuple[Direction, ...]
    errors: tuple[InputError, ...] = ()
    verdicts: tuple[Verdict, ...] = ()
    #: One line per article read with a guessed encoding.
    warnings: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        """The JSON document of ``dedupe report --format json``."""
        return report_data(self.comparison, self.directions, self.errors, self.verdicts)


class NoInputError(ValueError):
    """Nothing could be read of the candidates or the sources; ``errors`` says why for each input."""

    def __init__(self, message: str, errors: Sequence[InputError] = ()) -> None:
        super().__init__(message)
        self.errors = tuple(errors)


def check(candidates: Inputs, *, against: Inputs | None = None, index: str | os.PathLike[str] | Index | None = None,
          policy: Policy | None = None, settings: SettingsLike = None, encoding: str | None = None,
          shown: PassageFilter | None = None, jobs: int = 1, on_read: OnRead | None = None) -> CheckResult:
    """Check ``candidates`` against the sources ``against`` or the index at
    ``index`` (a URL, path or open :class:`~dedupe.archive.Index`), and apply
    the gate's ``policy``.

    ``against`` takes files, directories, ``NAME=PATH`` strings (the
    publisher of the articles at PATH) and articles. Files are decoded in
    ``encoding`` when given (else detected, warning when guessed).
    ``shown`` keeps only the passages a reader asked to see, after the
    verdicts, findings and directions are judged on all of them. Files
    are read and cleaned in ``jobs`` processes; ``on_read`` hears of each
    (see :func:`~dedupe.corpus.load_corpus`). Raises
    :class:`NoInputError` when no candidate (or no source) could be read,
    ValueError for both or neither of ``against`` and ``index``, and a
    :class:`~dedupe.store.StoreError` for an index that cannot be used.
    """
    if (against is None) == (index is None):
        raise ValueError("give either against (sources) or index, not both" if against is not None
                         else "no sources: give against (sources) or index")
    policy = policy or Policy()
    warnings: list[str] = []
    if index is not None:
        with _opened(index, settings) as opened:
            used = opened.settings
            loaded = _load(candidates, used, "candidate", encoding, jobs, on_read)
            verdicts = opened.check(loaded.articles)
        errors = list(loaded.errors)
        warnings.extend(loaded.warnings)
    else:
        used = _settings(settings)
        loaded = _load(candidates, used, "candidate", encoding, jobs, on_read)
        sources, publishers, source_errors, source_warnings = load_sources(against or (), used, encoding,
                                                                           jobs=jobs, on_read=on_read)
        warnings = [*loaded.warnings, *source_warnings]
        errors = [*loaded.errors, *source_errors]
        if not sources:
            raise NoInputError("no source could be read", errors)
        verdicts = judge_sources(loaded.articles, sources, publishers, settings=used)
    found = tuple(tuple(findings(verdict, policy)) for verdict in verdicts)
    directions = tuple(tuple(direction(v.candidate, use.source, use.passages, settings=used) for use in v.sources)
                       for v in verdicts)
    if shown is not None:
        verdicts = [replace(v, sources=tuple(replace(use, passages=tuple(
            p for p in use.passages if shown.keeps(p, v.candidate.text))) for use in v.sources)) for v in verdicts]
    return CheckResult(tuple(verdicts), found, tuple(errors), tuple(warnings), used, policy,
                       unread=tuple(loaded.errors), directions=directions)


@contextmanager
def _opened(index: str | os.PathLike[str] | Index, settings: SettingsLike) -> Iterator[Index]:
    """The index to check against: as given, or opened (and closed after) from a URL."""
    if isinstance(index, Index):
        yield index
        return
    with open_index(index, settings) as opened:
        yield opened


def load_sources(against: Inputs, settings: Settings = DEFAULT_SETTINGS, encoding: str | None = None, *,
                 jobs: int = 1, on_read: OnRead | None = None
                 ) -> tuple[list[Article], dict[str, str], list[InputError], list[str]]:
    """Read the sources of a check (in ``encoding`` when given): (articles,
    publisher by path from ``NAME=PATH``, inputs that could not be used,
    warnings: guessed encodings, repeated texts). A source with
    the same cleaned text as an earlier one is kept (the comparison groups
    them) and warned about: it is compared once.

    >>> wire = "Reuters=fixtures/seeds/reuters-biden-missiles-via-skai-2024.txt"
    >>> sources, publishers, errors, warnings = load_sources([wire])
    >>> [s.path for s in sources], list(publishers.values()), errors, warnings
    (['fixtures/seeds/reuters-biden-missiles-via-skai-2024.txt'], ['Reuters'], [], [])
    """
    articles: list[Article] = []
    publishers: dict[str, str] = {}
    errors: list[InputError] = []
    warnings: list[str] = []
    for given in against:
        if isinstance(given, Article):
            articles.append(given)
            continue
        name, path = named_source(os.fspath(given))
        loaded = load_corpus([path], settings, learn=False, encoding=encoding, jobs=jobs, on_read=on_read)
        errors.extend(loaded.errors)
        warnings.extend(loaded.warnings)
        for article in loaded.articles:
            if name:
                publishers[article.path] = name
            articles.append(article)
    seen: dict[str, str] = {}
    for source in articles:
        if source.cleaned_text in seen:
            warnings.append(f"{source.path}: same text as {seen[source.cleaned_text]}; compared once")
        seen.setdefault(source.cleaned_text, source.path)
    return articles, publishers, errors, warnings


def named_source(given: str) -> tuple[str | None, str]:
    """``NAME=PATH`` -> (NAME, PATH); a plain path (even one with ``=`` in it
    that exists) -> (None, path).

    >>> named_source("Reuters=wire/"), named_source("wire/")
    (('Reuters', 'wire/'), (None, 'wire/'))
    """
    name, equals, path = given.partition("=")
    if not equals or os.path.exists(given) or not name.strip() or not path:
        return None, given
    return name.strip(), path


def report(paths: Inputs, *, settings: SettingsLike = None, learn: bool = True,
           shown: PassageFilter | None = None, encoding: str | None = None, jobs: int = 1,
           on_read: OnRead | None = None) -> ReportResult:
    """Clean every article under ``paths`` (files, directories or articles),
    learn boilerplate across them (unless ``learn`` is off), find the
    passages each pair shares and which of each pair is probably the
    original. ``shown`` keeps only the passages a reader asked to see
    (pairs left with none are left out). Files are decoded in ``encoding``
    when given, and read and cleaned in ``jobs`` processes; ``on_read``
    hears of each. Raises :class:`NoInputError` when no article could be read.

    >>> result = report(["fixtures/seeds"])
    >>> [(o.a, o.b, str(d.original)) for o, d in zip(result.comparison.overlaps, result.directions)]
    [(0, 4, 'b')]
    >>> len(report(["fixtures/seeds"], shown=PassageFilter(kinds=frozenset({"identical"}))).comparison.overlaps)
    0
    """
    used = _settings(settings)
    loaded = _load(paths, used, "article", encoding, jobs, on_read)
    articles = learn_boilerplate(loaded.articles, used) if learn else loaded.articles
    comparison = compare(articles, used)
    found = tuple(direction(comparison.articles[o.a], comparison.articles[o.b], o.passages, settings=used)
                  for o in comparison.overlaps)
    verdicts = tuple(judge_pair(comparison, o, d, used) for o, d in zip(comparison.overlaps, found))
    if shown is not None:
        kept = [(replace(o, passages=passages), d, v) for o, d, v in zip(comparison.overlaps, found, verdicts)
                if (passages := tuple(p for p in o.passages if shown.keeps(p, comparison.articles[o.a].text)))]
        comparison = replace(comparison, overlaps=tuple(o for o, _, _ in kept))
        found = tuple(d for _, d, _ in kept)
        verdicts = tuple(v for _, _, v in kept)
    return ReportResult(comparison, found, tuple(loaded.errors), verdicts, tuple(loaded.warnings))


@dataclass(frozen=True)
class PassageFilter:
    """Which passages a report shows (``dedupe report --min-words
    --min-similarity --kind``): at least ``min_words`` words on side A, a
    similarity of at least ``min_similarity``, and one of ``kinds`` (all
    kinds when None). Directions are judged on every passage first.

    >>> from dedupe.model import AlignedPassage, PassageKind, Span
    >>> p = AlignedPassage(Span(0, 9), Span(0, 9), PassageKind.IDENTICAL, 1.0, 1.0, 1.0, 1.0, ((0, 0),), ())
    >>> PassageFilter(min_words=3).keeps(p, "Follow us"), PassageFilter(min_words=2).keeps(p, "Follow us")
    (False, True)
    """

    min_words: int = 0
    min_similarity: float = 0.0
    kinds: frozenset[str] | None = None

    def keeps(self, passage: AlignedPassage, text_a: str) -> bool:
        return (len(passage.a.of(text_a).split()) >= self.min_words and passage.similarity >= self.min_similarity
                and (self.kinds is None or passage.kind in self.kinds))


def compare_texts(texts: Mapping[str, str], settings: SettingsLike = None, learn: bool = True) -> Comparison:
    """Clean and compare articles given as strings (plain text or HTML,
    sniffed), keyed by a name used as their path: the one call a scraping
    pipeline needs. Raises :class:`~dedupe.cleaning.CleaningError` or
    :class:`~dedupe.model.ExtractionError` for an unusable article.

    >>> result = compare_texts({"a": "The vote was set for Friday in Kyiv.", "b": "Rain fell in Oslo."})
    >>> result.overlaps
    ()
    """
    used = _settings(settings)
    articles = [clean(content, name, settings=used) for name, content in texts.items()]
    if learn:
        articles = learn_boilerplate(articles, used)
    return compare(articles, used)


def _settings(settings: SettingsLike) -> Settings:
    if isinstance(settings, Settings):
        return settings
    return settings_from_dict(settings or {})


def _load(inputs: Inputs, settings: Settings, what: str, encoding: str | None = None, jobs: int = 1,
          on_read: OnRead | None = None) -> Corpus:
    """Articles given as such, and those read and cleaned from paths (in
    ``encoding`` when given), in order; paths given together are read once each (``a.txt a.txt dir/``).
    Raises :class:`NoInputError` ("no {what} could be read") when there are none."""
    corpus = Corpus()
    paths: list[str | os.PathLike[str]] = []

    def flush() -> None:
        if paths:
            loaded = load_corpus(paths, settings, learn=False, encoding=encoding, jobs=jobs, on_read=on_read)
            corpus.articles.extend(loaded.articles)
            corpus.errors.extend(loaded.errors)
            corpus.warnings.extend(loaded.warnings)
            paths.clear()

    for given in inputs:
        if isinstance(given, Article):
            flush()
            corpus.articles.append(given)
        else:
            paths.append(given)
    flush()
    if not corpus.articles:
        raise NoInputError(f"no {what} could be read", corpus.errors)
    return corpus
