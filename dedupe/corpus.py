"""A corpus: the articles of one run, read from disk and cleaned.

Loading never stops at a bad file. Each file that cannot be used becomes an
:class:`~dedupe.reading.InputError` in :attr:`Corpus.errors` (one line naming
the file and the reason) and the run goes on with the others. After every
article is cleaned on its own, boilerplate recurring across the corpus is
learned and removed (:mod:`dedupe.boilerplate`).

>>> corpus = load_corpus(["fixtures/seeds"])
>>> len(corpus.articles), corpus.errors
(5, [])
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field, replace
from itertools import islice, repeat
from types import MappingProxyType
from typing import TYPE_CHECKING, TypeAlias

from dedupe.boilerplate import learn_boilerplate
from dedupe.cleaning import CleaningError, clean_document
from dedupe.model import Article, ExtractionError
from dedupe.reading import STDIN, InputError, encoding_warning, find_articles, read_document
from dedupe.settings import DEFAULT_SETTINGS, Settings

if TYPE_CHECKING:  # fingerprints loads the stemmer: `dedupe clean` does without it
    from concurrent.futures import Executor, Future

    from dedupe.fingerprints import Fingerprinted


@dataclass
class Corpus:
    """Cleaned articles, and the inputs that could not be used."""

    articles: list[Article] = field(default_factory=list)
    errors: list[InputError] = field(default_factory=list)
    #: One line per article read with a guessed encoding.
    warnings: list[str] = field(default_factory=list)


def load_article(path: str | os.PathLike[str], settings: Settings = DEFAULT_SETTINGS,
                 encoding: str | None = None) -> Article:
    """Read and clean one file (no corpus-level boilerplate learning), in
    ``encoding`` when given (else detected; see :func:`dedupe.reading.decode`).

    Raises :class:`~dedupe.reading.InputError` when the file is unusable.
    """
    document = read_document(path, encoding)
    try:
        return clean_document(document, settings=settings)
    except (CleaningError, ExtractionError) as error:
        raise InputError(path, str(error)) from None


#: ``on_read(done, more)`` of :func:`load_corpus`: ``done`` more files read,
#: ``more`` more files found to read (a progress bar's count and total).
OnRead = Callable[[int, int], None]


def _pool(workers: int) -> AbstractContextManager[Executor | None]:
    """A pool of ``workers`` processes, or None for one: multiprocessing is
    imported only by a run that uses it (about 35 ms of a check's start)."""
    if workers <= 1:
        return nullcontext()
    from dedupe.workers import worker_pool

    return worker_pool(workers)


def load_corpus(paths: Iterable[str | os.PathLike[str]], settings: Settings = DEFAULT_SETTINGS,
                learn: bool = True, encoding: str | None = None, *, jobs: int = 1,
                on_read: OnRead | None = None) -> Corpus:
    """Read and clean every article under ``paths`` (files or directories),
    in ``encoding`` when given, in ``jobs`` processes (the order is kept),
    telling ``on_read`` how far it got.

    With ``learn`` (the default), lines recurring across unrelated articles
    of one site are removed as learned boilerplate.
    """
    corpus = Corpus()
    found = list(find_articles(paths))
    files = [item for item in found if not isinstance(item, InputError)]
    if on_read is not None:
        on_read(0, len(files))
    # standard input can only be read here: a worker process has none
    workers = 1 if any(str(path) == STDIN for path in files) else min(jobs, len(files))
    with _pool(workers) as executor:
        loaded: Iterable[Article | InputError] = (
            executor.map(_load_one, files, repeat(settings), repeat(encoding), chunksize=4) if executor
            else (_load_one(path, settings, encoding) for path in files))
        results = iter(loaded)
        for item in found:  # in the order found, errors of finding and of reading alike
            if isinstance(item, InputError):
                corpus.errors.append(item)
                continue
            article = next(results)
            if on_read is not None:
                on_read(1, 0)
            if isinstance(article, InputError):
                corpus.errors.append(article)
                continue
            article = _restored(article)
            corpus.articles.append(article)
            warning = encoding_warning(article.path, article.metadata)
            if warning:
                corpus.warnings.append(warning)
    if learn:
        corpus.articles = learn_boilerplate(corpus.articles, settings)
    return corpus


#: One article ready for an index: the cleaned article and its fingerprint,
#: or the error that kept it out.
Prepared: TypeAlias = "tuple[Article, Fingerprinted] | InputError"


def prepare_articles(paths: Iterable[str | os.PathLike[str] | InputError], settings: Settings = DEFAULT_SETTINGS,
                     encoding: str | None = None, *, jobs: int = 1, chunk: int = 50,
                     ahead: int = 0) -> Iterator[Prepared]:
    """Read, clean and fingerprint each file of ``paths`` (as
    :func:`~dedupe.reading.find_articles` gives them: an error found while
    looking is passed on), in order, in ``jobs`` worker processes.

    Each worker takes ``chunk`` files at a time and does all the work on
    them, reading to fingerprints, so the caller (the one process writing
    to an index) only stores. Two chunks a worker, or ``ahead`` articles if
    more, are in flight: workers go on while the caller writes (a writer
    committing a batch at a time lets them prepare the next), and a slower
    writer holds them back instead of filling memory.

    >>> found = list(prepare_articles(["fixtures/seeds/wapo-blinken-moldova-2024.txt", "no/such.txt"]))
    >>> found[0][1].eligible_count > 10, str(found[1])
    (True, 'no/such.txt: no such file')
    """
    items = list(paths)
    workers = 1 if any(str(path) == STDIN for path in items) else max(1, min(jobs, -(-len(items) // chunk)))
    chunks = [items[start:start + chunk] for start in range(0, len(items), chunk)]
    with _pool(workers) as executor:
        if executor is None:
            for part in chunks:
                yield from map(_restored_prepared, _prepare_chunk(part, settings, encoding))
            return
        pending: deque[Future[list[Prepared]]] = deque()
        upcoming = iter(chunks)
        for part in islice(upcoming, max(2 * workers, -(-ahead // chunk))):
            pending.append(executor.submit(_prepare_chunk, part, settings, encoding))
        while pending:
            done = pending.popleft().result()
            for part in islice(upcoming, 1):
                pending.append(executor.submit(_prepare_chunk, part, settings, encoding))
            yield from map(_restored_prepared, done)


def _prepare_chunk(paths: list[str | os.PathLike[str] | InputError], settings: Settings,
                   encoding: str | None) -> list[Prepared]:
    """:func:`prepare_articles`' work on one chunk, in a worker or not: the
    fingerprints of the chunk's articles are computed as one batch. An
    article's metadata crosses processes as a plain dict (:func:`_portable`)."""
    from dedupe.fingerprints import fingerprint_many

    loaded: list[Article | InputError] = []
    for path in paths:
        if isinstance(path, InputError):
            loaded.append(path)
            continue
        loaded.append(_load_one(path, settings, encoding))
    articles = [item for item in loaded if isinstance(item, Article)]
    prints = iter(fingerprint_many(articles, settings))
    return [item if isinstance(item, InputError) else (item, next(prints)) for item in loaded]


def _load_one(path: str | os.PathLike[str], settings: Settings, encoding: str | None) -> Article | InputError:
    """:func:`load_article` as a worker returns it: the article made
    :func:`_portable`, or the error (an :class:`~dedupe.reading.InputError`
    crosses processes whole)."""
    try:
        return _portable(load_article(path, settings, encoding))
    except InputError as error:
        return error


def _portable(article: Article) -> Article:
    """The article with its metadata a plain dict, which crosses processes
    (a read-only mapping does not pickle); :func:`_restored` undoes it."""
    return replace(article, metadata=dict(article.metadata))


def _restored(article: Article) -> Article:
    """The article with its metadata read-only again, as everywhere else."""
    return replace(article, metadata=MappingProxyType(dict(article.metadata)))


def _restored_prepared(item: Prepared) -> Prepared:
    return item if isinstance(item, InputError) else (_restored(item[0]), item[1])
