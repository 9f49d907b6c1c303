"""Reports: what a run found, as terminal tables (tabulate) or JSON.

The JSON forms are the data of :meth:`Comparison.as_dict` and
:meth:`Article.as_dict`; the tables show the same, shortened for reading.
Spans are always ``[start, end)`` in characters of the article's text.

>>> from dedupe.cleaning import clean_text
>>> print(article_table(clean_text("[ad_1]\\nThe talks ended on Friday.")))
  debris  span    reason     text
--------  ------  ---------  ------
       1  [0, 6)  ad-marker  [ad_1]
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tabulate import tabulate

from dedupe.cleaning import Article
from dedupe.comparison import Comparison

SNIPPET_CHARS = 90
_WRAP = 38


def to_json(data: Any) -> str:
    """JSON text as the CLI prints it: UTF-8 characters kept, indented."""
    return json.dumps(data, ensure_ascii=False, indent=2)


def snippet(text: str, limit: int = SNIPPET_CHARS) -> str:
    """``text`` on one line, cut to ``limit`` characters with an ellipsis.

    >>> snippet("one\\ntwo three", 8)
    'one two…'
    """
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


def label(article: Article, number: int) -> str:
    """A short name for tables: ``[n] file-stem``."""
    return f"[{number + 1}] {Path(article.path).stem}"


def comparison_tables(comparison: Comparison) -> str:
    """The terminal report of ``dedupe report``: articles, then passages."""
    articles = comparison.articles
    rows = []
    for n, article in enumerate(articles):
        rows.append([
            label(article, n),
            snippet(article.title or "(untitled)", 48),
            article.words,
            len(article.debris),
            comparison.passage_count(n),
            ", ".join(f"[{p + 1}]" for p in comparison.partners(n)) or "-",
        ])
    out = [tabulate(rows, headers=["article", "title", "words", "debris removed", "passages", "overlaps with"],
                    maxcolwidths=[None, 48, None, None, None, None])]
    passage_rows = []
    for overlap in comparison.overlaps:
        a, b = articles[overlap.a], articles[overlap.b]
        for passage in overlap.passages:
            passage_rows.append([
                f"[{overlap.a + 1}] {_span(passage.a)}\n{snippet(passage.a.of(a.text))}",
                f"[{overlap.b + 1}] {_span(passage.b)}\n{snippet(passage.b.of(b.text))}",
                f"{passage.similarity:.2f}",
                passage.kind,
                ", ".join(passage.shared[:5]),
            ])
    out.append("")
    if passage_rows:
        out.append(f"Overlapping passages ({len(passage_rows)})")
        out.append(tabulate(passage_rows, headers=["article A [span)", "article B [span)", "similarity", "kind", "shared words"],
                            tablefmt="grid", maxcolwidths=[_WRAP, _WRAP, None, None, 24]))
    else:
        out.append("No overlapping passages.")
    return "\n".join(out)


def article_table(article: Article) -> str:
    """The debris list of one article, for ``dedupe clean --debris``."""
    rows = [[n + 1, _span(item.span), item.reason, snippet(item.text, 60)] for n, item in enumerate(article.debris)]
    return tabulate(rows, headers=["debris", "span", "reason", "text"])


def _span(span: Any) -> str:
    return f"[{span.start}, {span.end})"
