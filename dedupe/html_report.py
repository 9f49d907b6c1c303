"""The HTML report: two texts side by side, each shared passage in the same
colour on both sides, for ``dedupe report --format html`` and ``dedupe
check --format html``.

One self-contained file: styles and a few lines of script inline, no font,
image or request leaving the page (a Content-Security-Policy says so to the
browser). Article text only ever reaches the page through Jinja2's
autoescaping, so a ``<script>`` in an article is shown, never run.

This module turns a result into plain view data (a page of sections, each
with two texts cut into marked pieces); the template
(``dedupe/templates/report.html``) only lays it out. Spans are ``[start,
end)`` in characters of each article's text, as everywhere.

>>> from dedupe.application import report
>>> page = report_html(report(["fixtures/seeds"]))
>>> page.startswith("<!doctype html>"), page.count('class="passage ') > 0
(True, True)
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from dedupe import __version__
from dedupe.model import AlignedPassage, Article, Claim, Direction, SourceUse, Span, Verdict
from dedupe.reports import evidence_summary

if TYPE_CHECKING:
    from dedupe.application import CheckResult, ReportResult

#: Highlight colours, one per passage in turn (the template holds the colours).
PALETTE_SIZE = 8


@dataclass(frozen=True)
class Mark:
    """What covers a piece of text: ``debris`` (removed by cleaning),
    ``new`` (new material), ``claim`` (a new claim) or ``passage`` (a shared
    passage, linked to its partner ``href`` on the other side). ``anchor``
    is set on the first piece of a passage only."""

    layer: str
    note: str = ""
    passage: str = ""
    colour: int = 0
    kind: str = ""
    anchor: str = ""
    href: str = ""


#: The order marks nest in, outermost first.
LAYERS = ("debris", "new", "claim", "passage")


@dataclass(frozen=True)
class Piece:
    """A run of an article's text and the marks covering all of it, outermost first."""

    text: str
    marks: tuple[Mark, ...]


@dataclass(frozen=True)
class Panel:
    """One side of a section: an article's heading and its marked text."""

    heading: str
    path: str
    title: str | None
    pieces: tuple[Piece, ...]


@dataclass(frozen=True)
class PassageRow:
    """A passage in a section's list: what it is and where both sides are."""

    number: int
    colour: int
    kind: str
    taken: bool
    similarity: float
    words: int
    evidence: str
    anchor_a: str
    anchor_b: str


@dataclass(frozen=True)
class Section:
    """Two articles side by side: the verdict lines above, then the passages
    and the two panels."""

    id: str
    heading: str
    verdict: tuple[str, ...]
    direction: str
    reasons: tuple[str, ...]
    passages: tuple[PassageRow, ...]
    left: Panel
    right: Panel


@dataclass(frozen=True)
class Candidate:
    """A checked candidate: its overall verdict, gate outcome and sections (one per source)."""

    path: str
    title: str | None
    status: str
    lines: tuple[str, ...]
    findings: tuple[str, ...]
    warnings: tuple[str, ...]
    claims: tuple[tuple[str, str], ...]
    sections: tuple[Section, ...]


@dataclass(frozen=True)
class Page:
    """Everything the template shows."""

    title: str
    summary: str
    outcome: str = ""
    articles: tuple[tuple[str, str, str, int, int], ...] = ()
    sections: tuple[Section, ...] = ()
    candidates: tuple[Candidate, ...] = ()
    unread: tuple[tuple[str, str], ...] = ()
    errors: tuple[tuple[str, str], ...] = ()
    generated: str = field(default_factory=lambda: datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"))
    version: str = __version__


def pieces(text: str, marks: Sequence[tuple[Span, Mark]]) -> tuple[Piece, ...]:
    """``text`` cut wherever a mark starts or ends, each piece with the marks
    covering it (outermost first, in :data:`LAYERS` order). Of two passages
    covering one piece the first given wins, so links never nest.

    >>> [(p.text, [m.layer for m in p.marks]) for p in pieces("one two three", [
    ...     (Span(4, 13), Mark("new")), (Span(8, 13), Mark("claim"))])]
    [('one ', []), ('two ', ['new']), ('three', ['new', 'claim'])]
    """
    cuts = sorted({0, len(text), *(s.start for s, _ in marks), *(s.end for s, _ in marks)})
    order = {layer: n for n, layer in enumerate(LAYERS)}
    out = []
    started: set[str] = set()
    for start, end in zip(cuts, cuts[1:]):
        covering: dict[str, Mark] = {}
        for span, mark in marks:
            if span.start <= start and end <= span.end and mark.layer not in covering:
                covering[mark.layer] = mark
        passage = covering.get("passage")
        if passage is not None:
            # the anchor goes on the passage's first piece only: ids are unique
            if passage.anchor in started:
                covering["passage"] = Mark(**{**passage.__dict__, "anchor": ""})
            started.add(passage.anchor)
        out.append(Piece(text[start:end], tuple(sorted(covering.values(), key=lambda m: order[m.layer]))))
    return tuple(out)


def _debris_marks(article: Article) -> list[tuple[Span, Mark]]:
    """Debris, each with the line break after it, so that a hidden debris
    line leaves no blank line behind."""
    text = article.text
    return [(Span(item.span.start, item.span.end + text.startswith("\n", item.span.end)),
             Mark("debris", note=f"removed: {item.why}")) for item in article.debris]


def _passage_marks(section: str, passages: Sequence[AlignedPassage], side: str) -> list[tuple[Span, Mark]]:
    """Each passage's span on ``side`` (``a`` or ``b``), anchored, linked to the other side."""
    other = "b" if side == "a" else "a"
    marks = []
    for number, passage in enumerate(passages, 1):
        name = f"{section}-p{number}"
        note = f"passage {number}: {passage.kind}, similarity {passage.similarity:.2f}; {evidence_summary(passage)}"
        marks.append((getattr(passage, side), Mark("passage", note=note, passage=name,
                                                  colour=(number - 1) % PALETTE_SIZE, kind=str(passage.kind),
                                                  anchor=f"{name}{side}", href=f"#{name}{other}")))
    return marks


def _rows(section: str, passages: Sequence[AlignedPassage], text_a: str) -> tuple[PassageRow, ...]:
    return tuple(PassageRow(number, (number - 1) % PALETTE_SIZE, str(p.kind), p.taken, p.similarity,
                            len(p.a.of(text_a).split()), evidence_summary(p),
                            f"{section}-p{number}a", f"{section}-p{number}b")
                 for number, p in enumerate(passages, 1))


def _panel(heading: str, article: Article, marks: list[tuple[Span, Mark]]) -> Panel:
    return Panel(heading, article.path, article.title, pieces(article.text, marks))


def _derivation_line(copy: str, original: str, use: SourceUse) -> str:
    rewording = f", rewording {use.rewording}" if use.rewording else ""
    return (f"derivation {use.derivation}{rewording}: {use.coverage:.0%} of {copy} is taken from {original}; "
            f"{use.source_coverage:.0%} of {original} is in {copy}")


def _credit_line(publisher: str | None, credited: bool, source_path: str) -> str:
    if not publisher:
        return f"credit: the publisher of {source_path} is not known, so credit could not be looked for"
    return f"credit: {publisher} is {'credited' if credited else 'NOT credited'}"


def _direction(found: Direction, paths: dict[str, str]) -> str:
    if found.original is None:
        return "which came first: undecided"
    return f"probably original: {paths[found.original]}"


def _claim_marks(verdict: Verdict) -> list[tuple[Span, Mark]]:
    marks = [(span, Mark("new", note="new material: in no source")) for span in verdict.new_material]
    marks += [(claim.span, Mark("claim", note="new claim: " + ", ".join(str(s) for s in claim.signals)))
              for claim in verdict.new_claims]
    return marks


def report_page(result: ReportResult) -> Page:
    """The view of ``dedupe report``: the articles, then one section per overlapping pair."""
    comparison = result.comparison
    articles = comparison.articles
    names = [f"[{n + 1}] {Path(a.path).name}" for n, a in enumerate(articles)]
    sections = []
    for number, (overlap, found) in enumerate(zip(comparison.overlaps, result.directions), 1):
        a, b = articles[overlap.a], articles[overlap.b]
        section = f"x{number}"
        paths = {"a": names[overlap.a], "b": names[overlap.b]}
        verdict_lines: tuple[str, ...] = ()
        if result.verdicts:
            verdict = result.verdicts[number - 1]
            use = verdict.sources[0]
            copy = paths["a"] if verdict.candidate is a else paths["b"]
            original = paths["b"] if verdict.candidate is a else paths["a"]
            verdict_lines = (_derivation_line(copy, original, use), _credit_line(use.publisher, use.credited, original))
        sections.append(Section(
            id=section,
            heading=f"{names[overlap.a]} and {names[overlap.b]}",
            verdict=verdict_lines,
            direction=_direction(found, paths),
            reasons=found.reasons,
            passages=_rows(section, overlap.passages, a.text),
            left=_panel(names[overlap.a], a, _debris_marks(a) + _passage_marks(section, overlap.passages, "a")),
            right=_panel(names[overlap.b], b, _debris_marks(b) + _passage_marks(section, overlap.passages, "b")),
        ))
    rows = tuple((names[n], f"#{n}", article.title or "", article.words, comparison.passage_count(n))
                 for n, article in enumerate(articles))
    pairs = len(sections)
    return Page(title="dedupe report",
                summary=f"{len(articles)} articles, {pairs} overlapping pair{'s' * (pairs != 1)}",
                articles=rows, sections=tuple(sections),
                errors=tuple((e.path, e.reason) for e in result.errors))


def check_page(result: CheckResult) -> Page:
    """The view of ``dedupe check``: per candidate its verdict, the gate's
    findings and one section per source; the candidates that could not be read."""
    candidates = []
    policy = result.policy.active
    for number, verdict in enumerate(result.verdicts):
        candidate = verdict.candidate
        found = result.findings[number] if number < len(result.findings) else ()
        directions = result.directions[number] if number < len(result.directions) else ()
        status = ("FAILED" if found else "passed") if policy else "checked"
        credits = ", ".join(verdict.credits) or "none"
        lines = (f"{verdict.derivation} derivation ({verdict.coverage:.0%} of {candidate.words} words from sources)"
                 + (f", {verdict.rewording} rewording" if verdict.rewording else "") + f"; credits: {credits}",)
        sections = []
        for source_number, use in enumerate(verdict.sources, 1):
            section = f"c{number + 1}s{source_number}"
            source_name = f"{use.publisher} ({use.source.path})" if use.publisher else use.source.path
            found_direction = directions[source_number - 1] if source_number <= len(directions) else None
            claims = _claim_marks(verdict)
            sections.append(Section(
                id=section,
                heading=f"source: {source_name}",
                verdict=(_derivation_line("the candidate", "the source", use),
                         _credit_line(use.publisher, use.credited, "the source")),
                direction=_direction(found_direction, {"a": "the candidate", "b": "the source"})
                if found_direction else "",
                reasons=found_direction.reasons if found_direction else (),
                passages=_rows(section, use.passages, candidate.text),
                left=_panel("candidate", candidate,
                            _debris_marks(candidate) + claims + _passage_marks(section, use.passages, "a")),
                right=_panel("source", use.source,
                             _debris_marks(use.source) + _passage_marks(section, use.passages, "b")),
            ))
        candidates.append(Candidate(
            path=candidate.path, title=candidate.title, status=status, lines=lines,
            findings=tuple(f"{f.rule}: {f.message}" for f in found), warnings=verdict.warnings,
            claims=tuple(_claim_row(claim) for claim in verdict.new_claims), sections=tuple(sections)))
    failed = sum(1 for c in candidates if c.status == "FAILED") + len(result.unread)
    outcome = ("passed" if result.passed else "FAILED") if policy or result.unread else "checked"
    total = len(candidates) + len(result.unread)
    summary = f"{total} candidate{'s' * (total != 1)}"
    if policy or result.unread:
        summary += f", {failed} failed"
    if result.unread:
        summary += f" ({len(result.unread)} could not be read)"
    unread = {(e.path, e.reason) for e in result.unread}
    return Page(title="dedupe check", summary=summary, outcome=outcome, candidates=tuple(candidates),
                unread=tuple((e.path, e.reason) for e in result.unread),
                errors=tuple((e.path, e.reason) for e in result.errors if (e.path, e.reason) not in unread))


def _claim_row(claim: Claim) -> tuple[str, str]:
    return ", ".join(str(s) for s in claim.signals), claim.text


def render(page: Page) -> str:
    """The page as one HTML document, autoescaped; a fresh nonce lets the
    page's own style and script run and nothing else."""
    from jinja2 import Environment, PackageLoader, select_autoescape

    environment = Environment(loader=PackageLoader("dedupe", "templates"),
                              autoescape=select_autoescape(["html"], default=True),
                              trim_blocks=True, lstrip_blocks=True)
    return environment.get_template("report.html").render(page=page, nonce=secrets.token_urlsafe(16))


def report_html(result: ReportResult) -> str:
    """``dedupe report --format html``."""
    return render(report_page(result))


def check_html(result: CheckResult) -> str:
    """``dedupe check --format html``."""
    return render(check_page(result))
