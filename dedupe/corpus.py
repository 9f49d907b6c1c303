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
from collections.abc import Iterable
from dataclasses import dataclass, field

from dedupe.boilerplate import learn_boilerplate
from dedupe.cleaning import CleaningError, clean_document
from dedupe.model import Article, ExtractionError
from dedupe.reading import InputError, find_articles, read_document
from dedupe.settings import DEFAULT_SETTINGS, Settings


@dataclass
class Corpus:
    """Cleaned articles, and the inputs that could not be used."""

    articles: list[Article] = field(default_factory=list)
    errors: list[InputError] = field(default_factory=list)


def load_article(path: str | os.PathLike[str], settings: Settings = DEFAULT_SETTINGS) -> Article:
    """Read and clean one file (no corpus-level boilerplate learning).

    Raises :class:`~dedupe.reading.InputError` when the file is unusable.
    """
    document = read_document(path)
    try:
        return clean_document(document, settings=settings)
    except (CleaningError, ExtractionError) as error:
        raise InputError(path, str(error)) from None


def load_corpus(paths: Iterable[str | os.PathLike[str]], settings: Settings = DEFAULT_SETTINGS,
                learn: bool = True) -> Corpus:
    """Read and clean every article under ``paths`` (files or directories).

    With ``learn`` (the default), lines recurring across unrelated articles
    of one site are removed as learned boilerplate.
    """
    corpus = Corpus()
    for found in find_articles(paths):
        if isinstance(found, InputError):
            corpus.errors.append(found)
            continue
        try:
            corpus.articles.append(load_article(found, settings))
        except InputError as error:
            corpus.errors.append(error)
    if learn:
        corpus.articles = learn_boilerplate(corpus.articles, settings)
    return corpus
