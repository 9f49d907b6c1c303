"""dedupe: article deduplication and provenance checking.

Clean scraped news articles (plain text or HTML), find the passages they
share, and see how each copy was reworded. The command line (``dedupe``) is a
thin layer over these calls:

>>> import dedupe
>>> article = dedupe.clean("[ad_1]\\nOfficials met in Geneva on Monday.\\nSource link")
>>> article.cleaned_text, [d.reason for d in article.debris]
('Officials met in Geneva on Monday.', ['ad-marker', 'source-link'])
>>> result = dedupe.compare_texts({
...     "a.txt": "Kyiv said two attempted attacks hit radar stations in Russia on Monday.",
...     "b.txt": "Two attempted attacks hit radar stations in Russia on Monday, Kyiv said.",
... })
>>> [(p.kind, p.a, p.b) for p in result.overlaps[0].passages]
[('identical', Span(start=10, end=71), Span(start=0, end=61))]
"""

from dedupe.alignment import AlignedPassage
from dedupe.cleaning import Article, CleaningError, Debris, clean, clean_html, clean_text
from dedupe.comparison import Comparison, Overlap, SourceMatches, compare, compare_against, compare_texts
from dedupe.corpus import Corpus, load_article, load_corpus
from dedupe.extraction import ExtractionError
from dedupe.reading import InputError
from dedupe.settings import Settings
from dedupe.spans import Span
from dedupe.store import ArticleIndex, StoreError, open_index
from dedupe.verdicts import Claim, Direction, SourceUse, Verdict, direction, judge

__version__ = "0.1.0"

__all__ = [
    "AlignedPassage", "Article", "Claim", "CleaningError", "Comparison", "Corpus", "Debris", "Direction",
    "ExtractionError", "InputError", "Overlap", "Settings", "SourceMatches", "SourceUse", "Span", "Verdict",
    "clean", "clean_html", "clean_text", "compare", "compare_against", "compare_texts", "direction", "judge",
    "load_article", "load_corpus", "ArticleIndex", "StoreError", "open_index",
]
