"""The JSON contract: every type of :mod:`dedupe.model` as plain JSON-ready data.

This is the one place JSON is built, so the CLI, the library results and the
Scrapy pipeline cannot drift apart. The README's schema section documents
the contract: ``articles[].path``, ``title``, ``words``, ``debris[].span``,
``reason``, ``text``, ``pairs[].a``, ``b``, ``passages[].a``, ``b``,
``kind``, ``similarity`` and the check result's fields are kept as they are;
other fields are extras and may grow. Vocabulary members are strings, spans
``[start, end]`` lists.

>>> from dedupe.model import Debris, DebrisReason, Span
>>> debris_data(Debris(Span(0, 6), DebrisReason.AD_MARKER, "[ad_1]"))
{'span': [0, 6], 'reason': 'ad-marker', 'why': 'advertisement placeholder', 'text': '[ad_1]'}
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from dedupe.model import (
    AlignedPassage,
    Article,
    ArticleKind,
    Claim,
    Comparison,
    Debris,
    Direction,
    Evidence,
    Finding,
    SourceUse,
    StoredArticle,
    Verdict,
)

if TYPE_CHECKING:
    from dedupe.credits import Credit

def to_json(data: Any) -> str:
    """JSON text as the CLI prints it: UTF-8 characters kept, indented."""
    return _encodable(json.dumps(data, ensure_ascii=False, indent=2))


def to_json_line(data: Any) -> str:
    """One JSON Lines record: compact, on one line (newlines inside strings are escaped)."""
    return _encodable(json.dumps(data, ensure_ascii=False, separators=(",", ":")))


_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def _encodable(text: str) -> str:
    """JSON text with lone surrogates (a file name's undecodable bytes, as
    Python keeps them) written as ``\\udcXX`` escapes, so the output is
    valid UTF-8 whatever the names on disk.

    >>> _encodable('{"path": "caf\\udce9.txt"}')
    '{"path": "caf\\\\udce9.txt"}'
    """
    return _LONE_SURROGATE.sub(lambda found: f"\\u{ord(found.group()):04x}", text)


def error_data(error: Any) -> dict[str, Any]:
    """An input that could not be used: ``{"path", "reason"}``."""
    return {"path": error.path, "reason": error.reason}


def debris_data(item: Debris) -> dict[str, Any]:
    return {"span": item.span.as_list(), "reason": str(item.reason), "why": item.why, "text": item.text}


def article_data(article: Article) -> dict[str, Any]:
    """``dedupe clean --format json``: the cleaned text, the kept blocks, the
    debris and the metadata, plus the extracted text spans point into (HTML)."""
    data: dict[str, Any] = {
        "path": article.path,
        "kind": str(article.kind),
        "title": article.title,
        "words": article.words,
        "text": article.cleaned_text,
        "body": [span.as_list() for span in article.body],
        "debris": [debris_data(item) for item in article.debris],
        "metadata": dict(article.metadata),
    }
    if article.kind == ArticleKind.HTML:
        data["extracted"] = article.text
    return data


def passage_data(passage: AlignedPassage, text_a: str, text_b: str,
                 names: tuple[str, str] = ("a", "b")) -> dict[str, Any]:
    """One shared passage; ``names`` are the keys of its two sides (``a``/``b``
    in a report, ``candidate``/``source`` in a check), and ``{name}_text``
    their whole text (JSON never cuts text)."""
    first, second = names
    return {
        first: passage.a.as_list(),
        second: passage.b.as_list(),
        "kind": str(passage.kind),
        "similarity": passage.similarity,
        "scores": {"words": passage.word_similarity, "characters": passage.char_similarity, "kept": passage.kept},
        "shared_words": list(passage.shared),
        "evidence": evidence_data(passage.evidence),
        f"{first}_text": passage.a.of(text_a),
        f"{second}_text": passage.b.of(text_b),
    }


def evidence_data(evidence: Evidence) -> dict[str, Any]:
    """What shows copying in a passage, and what independent reports share."""
    return {"expression_words": evidence.expression_words, "free_words": evidence.free_words,
            "quoted_words": evidence.quoted_words, "scaffold": evidence.scaffold, "sequence": evidence.sequence,
            "facts": list(evidence.facts), "quotes": list(evidence.quotes)}


def direction_data(found: Direction, a: str, b: str) -> dict[str, Any]:
    """Which of the pair's paths ``a`` and ``b`` is probably the original, and why."""
    original = None if found.original is None else {"a": a, "b": b}[found.original]
    return {"original": original, "reasons": list(found.reasons)}


def pair_verdict_data(verdict: Verdict) -> dict[str, Any]:
    """The verdict on a report's pair: the probable copy (``candidate``)
    judged against the other side (``source``)."""
    use = verdict.sources[0]
    return {"candidate": verdict.candidate.path, "source": use.source.path, "derivation": str(use.derivation),
            "rewording": None if use.rewording is None else str(use.rewording),
            "coverage": round(use.coverage, 3), "source_coverage": round(use.source_coverage, 3),
            "credited": use.credited}


def report_data(comparison: Comparison, directions: Sequence[Direction], errors: Sequence[Any] = (),
                verdicts: Sequence[Verdict] = ()) -> dict[str, Any]:
    """``dedupe report --format json``: the articles, each overlapping pair with
    its passages, probable direction and (when given) the verdict on its
    probable copy, and the inputs that could not be used."""
    articles = comparison.articles
    judged: list[dict[str, Any] | None] = [pair_verdict_data(v) for v in verdicts] or [None] * len(comparison.overlaps)
    return {
        "articles": [
            {
                "path": article.path,
                "title": article.title,
                "words": article.words,
                "kind": str(article.kind),
                "debris": [debris_data(item) for item in article.debris],
                "metadata": dict(article.metadata),
                "overlaps_with": [articles[p].path for p in comparison.partners(n)],
                **({"extracted": article.text} if article.kind == ArticleKind.HTML else {}),
            }
            for n, article in enumerate(articles)
        ],
        "pairs": [
            {
                "a": articles[overlap.a].path,
                "b": articles[overlap.b].path,
                "passages": [passage_data(p, articles[overlap.a].text, articles[overlap.b].text)
                             for p in overlap.passages],
                "direction": direction_data(found, articles[overlap.a].path, articles[overlap.b].path),
                **({"verdict": verdict} if verdict else {}),
            }
            for overlap, found, verdict in zip(comparison.overlaps, directions, judged)
        ],
        "errors": [error_data(error) for error in errors],
    }


def claim_data(claim: Claim) -> dict[str, Any]:
    return {"span": claim.span.as_list(), "text": claim.text, "signals": [str(s) for s in claim.signals]}


def source_use_data(use: SourceUse, candidate: Article, found: Direction | None = None) -> dict[str, Any]:
    """One source a candidate shares passages with; ``direction`` (when
    ``found`` is given) says which of the two is probably the original."""
    data: dict[str, Any] = {
        "path": use.source.path,
        "publisher": use.publisher,
        "derivation": str(use.derivation),
        "rewording": None if use.rewording is None else str(use.rewording),
        "coverage": round(use.coverage, 3),
        "source_coverage": round(use.source_coverage, 3),
        "credited": use.credited,
        "passages": [passage_data(p, candidate.text, use.source.text, ("candidate", "source")) for p in use.passages],
    }
    if found is not None:
        data["direction"] = direction_data(found, candidate.path, use.source.path)
    return data


def verdict_data(verdict: Verdict, directions: Sequence[Direction] = ()) -> dict[str, Any]:
    """One result of ``dedupe check --format json``; ``directions`` (one per
    source, when given) say which side of each is probably the original."""
    candidate = verdict.candidate
    found: Sequence[Direction | None] = directions or [None] * len(verdict.sources)
    return {
        "candidate": {"path": candidate.path, "title": candidate.title, "words": candidate.words},
        "derivation": str(verdict.derivation),
        "rewording": None if verdict.rewording is None else str(verdict.rewording),
        "coverage": round(verdict.coverage, 3),
        "sources": [source_use_data(use, candidate, d) for use, d in zip(verdict.sources, found)],
        "new_material": [span.as_list() for span in verdict.new_material],
        "new_claims": [claim_data(claim) for claim in verdict.new_claims],
        "credits": list(verdict.credits),
        "language": candidate.metadata.get("language"),
        "warnings": list(verdict.warnings),
    }


def finding_data(finding: Finding) -> dict[str, Any]:
    return {"rule": str(finding.rule), "message": finding.message, "source": finding.source,
            "span": finding.span.as_list() if finding.span else None}


def check_data(verdicts: Sequence[Verdict], errors: Sequence[Any] = (),
               found: Sequence[Sequence[Finding]] | None = None, config: str | None = None,
               unread: Sequence[Any] = (), directions: Sequence[Sequence[Direction]] = ()) -> dict[str, Any]:
    """``dedupe check --format json``: one result per candidate (with its
    findings and whether it passed, when a policy was applied), the inputs
    that could not be used, the candidates among them (``unread``: each
    fails the check), whether the whole check passed, and the project file
    defaults came from."""
    results = []
    for number, verdict in enumerate(verdicts):
        result = verdict_data(verdict, directions[number] if directions else ())
        if found is not None:
            result["findings"] = [finding_data(f) for f in found[number]]
            result["passed"] = not found[number]
        results.append(result)
    passed = not unread and not any(found or ())
    return {"results": results, "errors": [error_data(error) for error in errors],
            "unread": [error_data(error) for error in unread], "passed": passed, "config": config}


def stored_article_data(article: StoredArticle) -> dict[str, Any]:
    """One row of ``dedupe index list --format json``."""
    return {"id": article.id, "path": article.path, "title": article.title, "publisher": article.publisher,
            "date": article.date, "words": article.words, "content_hash": article.content_hash,
            "added": article.added}


def credit_data(credit: Credit) -> dict[str, Any]:
    """One place an article names a publisher, and whether the wording credits it."""
    return {"publisher": credit.publisher, "form": credit.form, "credit": credit.is_credit,
            "span": credit.span.as_list(), "text": credit.text}
