"""dedupe: article deduplication and provenance checking.

Clean scraped news articles (plain text or HTML), find the passages they
share, see how each copy was reworded, and check candidates against sources
or an index of originals. The command line (``dedupe``) is a thin layer over
these calls:

>>> import dedupe
>>> article = dedupe.clean("[ad_1]\\nOfficials met in Geneva on Monday.\\nSource link")
>>> article.cleaned_text, [str(d.reason) for d in article.debris]
('Officials met in Geneva on Monday.', ['ad-marker', 'source-link'])
>>> result = dedupe.compare_texts({
...     "a.txt": "Kyiv said two attempted attacks hit radar stations in Russia on Monday.",
...     "b.txt": "Two attempted attacks hit radar stations in Russia on Monday, Kyiv said.",
... })
>>> [(str(p.kind), p.a, p.b) for p in result.overlaps[0].passages]
[('identical', Span(start=10, end=71), Span(start=0, end=61))]

Names are loaded on first use, so ``import dedupe`` costs nothing until a
stage is needed (``dedupe --version`` starts as fast as Python).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

#: Public name -> the module that defines it.
_EXPORTS: dict[str, str] = {
    **dict.fromkeys(
        ("AlignedPassage", "Article", "ArticleKind", "Claim", "ClaimSignal", "Comparison", "Debris", "DebrisReason",
         "Derivation", "Direction", "Finding", "Overlap", "PassageKind", "Policy", "Rewording", "Rule",
         "SourceMatches", "SourceUse", "Span", "StoredArticle", "Verdict"),
        "dedupe.model"),
    "Settings": "dedupe.settings",
    "CleaningError": "dedupe.cleaning", "clean": "dedupe.cleaning", "clean_html": "dedupe.cleaning",
    "clean_text": "dedupe.cleaning",
    "ExtractionError": "dedupe.model",
    "InputError": "dedupe.reading",
    "Corpus": "dedupe.corpus", "load_article": "dedupe.corpus", "load_corpus": "dedupe.corpus",
    "compare": "dedupe.comparison", "compare_against": "dedupe.comparison",
    "direction": "dedupe.verdicts", "judge": "dedupe.verdicts",
    "CheckResult": "dedupe.application", "ReportResult": "dedupe.application", "check": "dedupe.application",
    "compare_texts": "dedupe.application", "report": "dedupe.application",
    "Index": "dedupe.archive", "open_index": "dedupe.archive",
    "StoreError": "dedupe.store",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None and not name.startswith("__"):
        # A submodule (``dedupe.serialise``, ``dedupe.reports``) is loaded on first use too.
        try:
            return importlib.import_module(f"{__name__}.{name}")
        except ModuleNotFoundError as error:
            if error.name != f"{__name__}.{name}":
                raise
            raise AttributeError(f"module 'dedupe' has no attribute {name!r}") from None
    if module is None:
        raise AttributeError(f"module 'dedupe' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_EXPORTS})


if TYPE_CHECKING:  # what the lazy names are, for type checkers and editors
    from dedupe.application import CheckResult, ReportResult, check, compare_texts, report
    from dedupe.archive import Index, open_index
    from dedupe.cleaning import CleaningError, clean, clean_html, clean_text
    from dedupe.comparison import compare, compare_against
    from dedupe.corpus import Corpus, load_article, load_corpus
    from dedupe.model import (
        AlignedPassage,
        Article,
        ArticleKind,
        Claim,
        ClaimSignal,
        Comparison,
        Debris,
        DebrisReason,
        Derivation,
        Direction,
        ExtractionError,
        Finding,
        Overlap,
        PassageKind,
        Policy,
        Rewording,
        Rule,
        SourceMatches,
        SourceUse,
        Span,
        StoredArticle,
        Verdict,
    )
    from dedupe.reading import InputError
    from dedupe.settings import Settings
    from dedupe.store import StoreError
    from dedupe.verdicts import direction, judge
