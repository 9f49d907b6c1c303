"""Renderers: what a run found, for people (tabulate tables) and for CI
systems (JUnit XML, GitHub workflow commands).

JSON is :mod:`dedupe.serialise`'s; the tables show the same, shortened for
reading. Spans are always ``[start, end)`` in characters of the article's
text. :data:`CHECK_FORMATS` and :data:`REPORT_FORMATS` are the one list of
formats each command offers: the CLI's choices come from them.

>>> from dedupe.cleaning import clean_text
>>> print(article_table(clean_text("[ad_1]\\nThe talks ended on Friday.")))
  debris  span    reason     text
--------  ------  ---------  ------
       1  [0, 6)  ad-marker  [ad_1]
"""

from __future__ import annotations

import json
import re
import shutil
import xml.etree.ElementTree as ElementTree
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dedupe.model import AlignedPassage, Article, Comparison, Direction, Finding, Span, StoredArticle, Verdict
from dedupe.serialise import error_data, to_json, to_json_line
from dedupe.settings import DEFAULT_SETTINGS

if TYPE_CHECKING:
    from dedupe.application import CheckResult, ReportResult
    from dedupe.reading import InputError

SNIPPET_CHARS = 90
#: Terminal width when it cannot be told (output to a file or pipe, no ``COLUMNS``).
DEFAULT_WIDTH = 150


def _table(rows: Any, **options: Any) -> str:
    """``tabulate(rows, **options)``. tabulate is imported here, by the text
    renderers: its import reads package metadata (about 50 ms), which a
    ``--format json`` run need not pay."""
    from tabulate import tabulate

    return tabulate(rows, **options)


def _width() -> int:
    """The terminal's width in columns (``COLUMNS`` first), else DEFAULT_WIDTH."""
    return shutil.get_terminal_size((DEFAULT_WIDTH, 24)).columns


def _passage_widths() -> tuple[int, int]:
    """Wrap widths of the two text columns and the evidence column of a
    passage table, so the grid fits the terminal (``COLUMNS`` respected);
    never narrower than 16 characters a column."""
    # similarity and kind columns (12 and 14 with their padding), the grid's bars and padding
    free = max(0, _width() - 12 - 14 - 20)
    evidence = max(16, min(30, free // 4))
    return max(16, (free - evidence) // 2), evidence


#: What a terminal would act on rather than show: control characters (an
#: escape sequence starts with ESC), DEL, the C1 controls and the bidi
#: overrides that can make a line read other than it is.
_UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def printable(text: str) -> str:
    """``text`` safe to print on one line of a terminal: each control
    character written as its escape (a file name holding a newline, a title
    holding an escape sequence).

    >>> printable("evil\\nname\\x1b[31m.txt")
    'evil\\\\nname\\\\x1b[31m.txt'
    """
    return _UNPRINTABLE.sub(lambda found: repr(found.group())[1:-1], text)


def snippet(text: str, limit: int = SNIPPET_CHARS) -> str:
    """``text`` on one line, cut to ``limit`` characters with an ellipsis,
    control characters escaped.

    >>> snippet("one\\ntwo three", 8)
    'one two…'
    """
    flat = printable(" ".join(text.split()))
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


def label(article: Article, number: int) -> str:
    """A short name for tables: ``[n] file-stem``."""
    return f"[{number + 1}] {printable(Path(article.path).stem)}"


def comparison_tables(comparison: Comparison, directions: Sequence[Direction]) -> str:
    """The terminal report of ``dedupe report``: articles, pairs, passages."""
    articles = comparison.articles
    # the four count columns take about 62 characters; the label, then the title, get the rest
    label_width = max(16, min(46, _width() - 62 - 16))
    title_width = max(16, min(48, _width() - 62 - label_width))
    rows = []
    for n, article in enumerate(articles):
        rows.append([
            label(article, n),
            snippet(article.title or "(untitled)", title_width),
            article.words,
            len(article.debris),
            comparison.passage_count(n),
            ", ".join(f"[{p + 1}]" for p in comparison.partners(n)) or "-",
        ])
    out = [_table(rows, headers=["article", "title", "words", "debris removed", "passages", "overlaps with"],
                  maxcolwidths=[label_width, title_width, None, None, None, 20])]
    pair_rows = []
    for overlap, found in zip(comparison.overlaps, directions):
        original = {"a": f"[{overlap.a + 1}]", "b": f"[{overlap.b + 1}]"}.get(found.original or "", "undecided")
        pair_rows.append([f"[{overlap.a + 1}] + [{overlap.b + 1}]", len(overlap.passages), original,
                          "\n".join(found.reasons)])
    if pair_rows:
        out.append("")
        out.append(_table(pair_rows, headers=["pair", "passages", "probably original", "why"],
                          maxcolwidths=[None, None, None, max(30, min(80, _width() - 45))]))
    passage_rows = []
    for overlap in comparison.overlaps:
        a, b = articles[overlap.a], articles[overlap.b]
        for passage in overlap.passages:
            passage_rows.append([
                f"[{overlap.a + 1}] {_span(passage.a)}\n{snippet(passage.a.of(a.text))}",
                f"[{overlap.b + 1}] {_span(passage.b)}\n{snippet(passage.b.of(b.text))}",
                f"{passage.similarity:.2f}",
                passage.kind,
                evidence_summary(passage),
            ])
    out.append("")
    if passage_rows:
        out.append(f"Overlapping passages ({len(passage_rows)})")
        headers = ["article A [span)", "article B [span)", "similarity", "kind", "evidence"]
        text, evidence = _passage_widths()
        out.append(_table(passage_rows, headers=headers,
                          tablefmt="grid", maxcolwidths=[text, text, None, None, evidence]))
    else:
        out.append("No overlapping passages.")
    return "\n".join(out)


def evidence_summary(passage: AlignedPassage) -> str:
    """What a passage rests on, in a few words: copied wording, or what both merely share.

    >>> from dedupe.model import Evidence, PassageKind, Span
    >>> p = AlignedPassage(Span(0, 9), Span(0, 9), PassageKind.SHARED_QUOTE, 0.7, 0.7, 0.7, 0.5, ((0, 0),), (),
    ...                    Evidence(quoted_words=6, facts=("kyiv",), quotes=("a global conflict",)))
    >>> evidence_summary(p)
    'quote: “a global conflict”; facts: kyiv'
    """
    evidence = passage.evidence
    said = []
    if evidence.expression_words:
        said.append(f"{evidence.expression_words} words copied")
    if evidence.sequence:
        said.append("same sequence of facts")
    if evidence.scaffold >= DEFAULT_SETTINGS.scaffold_similarity:
        said.append(f"same scaffolding ({evidence.scaffold:.2f})")
    if evidence.quotes:
        said.append("quote: " + ", ".join(f"“{snippet(quote, 40)}”" for quote in evidence.quotes[:2]))
    if evidence.facts:
        said.append("facts: " + ", ".join(evidence.facts[:5]))
    return "; ".join(said) or ", ".join(passage.shared[:5])


def article_table(article: Article) -> str:
    """The debris list of one article, for ``dedupe clean --debris``."""
    rows = [[n + 1, _span(item.span), item.reason, snippet(item.text, 60)] for n, item in enumerate(article.debris)]
    return _table(rows, headers=["debris", "span", "reason", "text"])


def _span(span: Any) -> str:
    return f"[{span.start}, {span.end})"


def check_tables(verdicts: Sequence[Verdict], found: Sequence[Sequence[Finding]] | None = None) -> str:
    """The terminal report of ``dedupe check``: one section per candidate,
    ending with its findings when a policy is in force."""
    sections = []
    for number, verdict in enumerate(verdicts):
        candidate = verdict.candidate
        title = snippet(candidate.title, max(20, _width() - len(candidate.path) - 6)) if candidate.title else ""
        lines = [
            f"== {printable(candidate.path)}" + (f" — {title}" if title else ""),
            f"derivation: {verdict.derivation} ({verdict.coverage:.0%} of {candidate.words} words from sources)"
            + (f", rewording: {verdict.rewording}" if verdict.rewording else "")
            + f"; credits: {', '.join(verdict.credits) or 'none'}",
        ]
        lines.extend(f"warning: {warning}" for warning in verdict.warnings)
        if verdict.sources:
            rows = [[printable(use.publisher or "-"), printable(use.source.path), use.derivation, use.rewording or "-",
                     f"{use.coverage:.0%}", f"{use.source_coverage:.0%}", "yes" if use.credited else "NO",
                     len(use.passages)] for use in verdict.sources]
            # a source path is never wrapped: it is there to be copied
            lines.append(_table(rows, headers=["publisher", "source", "derivation", "rewording", "coverage",
                                               "of source", "credited", "passages"],
                                maxcolwidths=[20, None, None, None, None, None, None, None]))
            passage_rows = [
                [f"{_span(p.a)}\n{snippet(p.a.of(candidate.text))}",
                 f"{_span(p.b)}\n{snippet(p.b.of(use.source.text))}",
                 p.kind, f"{p.similarity:.2f}", evidence_summary(p)]
                for use in verdict.sources for p in use.passages
            ]
            text, evidence = _passage_widths()
            lines.append(_table(passage_rows,
                                headers=["candidate [span)", "source [span)", "kind", "similarity", "evidence"],
                                tablefmt="grid", maxcolwidths=[text, text, None, None, evidence]))
        if verdict.new_claims:
            lines.append(f"new claims ({len(verdict.new_claims)}):")
            lines.extend(f"  {_span(claim.span)} {snippet(claim.text, 100)}" for claim in verdict.new_claims)
        if found is not None:
            lines.extend(f"FAIL {f.rule}: {f.message}" for f in found[number])
            lines.append("FAILED" if found[number] else "passed")
        sections.append("\n".join(lines))
    return "\n\n".join(sections)


def junit_report(verdicts: Sequence[Verdict], found: Sequence[Sequence[Finding]],
                 unread: Sequence[InputError] = ()) -> str:
    """JUnit XML: each candidate a test case, failing with its findings, so
    CI systems list checked drafts like tests; a candidate that could not
    be read is a test case in error."""
    failures = sum(1 for items in found if items)
    tests, errors = str(len(verdicts) + len(unread)), str(len(unread))
    suites = ElementTree.Element("testsuites", name="dedupe check", tests=tests, failures=str(failures),
                                 errors=errors)
    suite = ElementTree.SubElement(suites, "testsuite", name="dedupe check", tests=tests,
                                   failures=str(failures), errors=errors, skipped="0")
    for problem in unread:
        case = ElementTree.SubElement(suite, "testcase", classname="dedupe.check", name=problem.path,
                                      file=problem.path)
        ElementTree.SubElement(case, "error", message=f"could not be read: {problem.reason}",
                               type="unreadable").text = str(problem)
    for verdict, items in zip(verdicts, found):
        case = ElementTree.SubElement(suite, "testcase", classname="dedupe.check", name=verdict.candidate.path,
                                      file=verdict.candidate.path)
        if items:
            failure = ElementTree.SubElement(case, "failure", message="; ".join(f.message for f in items),
                                             type=",".join(sorted({f.rule for f in items})))
            failure.text = "\n".join(f.message for f in items)
        ElementTree.SubElement(case, "system-out").text = check_tables([verdict])
    ElementTree.indent(suites)
    return _XML_FORBIDDEN.sub(lambda found: repr(found.group())[1:-1],
                              ElementTree.tostring(suites, encoding="unicode", xml_declaration=True))


#: Characters XML 1.0 forbids even escaped (a control character in a
#: publisher's name, an undecodable byte of a file name): written as their
#: Python escapes, so the report stays well-formed.
_XML_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def github_annotations(verdicts: Sequence[Verdict], found: Sequence[Sequence[Finding]],
                       unread: Sequence[InputError] = ()) -> str:
    """GitHub Actions workflow commands: an ``::error`` per finding, placed on
    the candidate's line and column where the first reused passage starts
    (plain-text candidates; for HTML the file alone), an ``::error`` per
    candidate that could not be read, and a ``::notice`` per candidate that
    passes."""
    lines = [f"::error {_properties(file=problem.path, title='dedupe: unreadable')}::"
             f"{_escape(f'could not be read: {problem.reason}')}" for problem in unread]
    for verdict, items in zip(verdicts, found):
        candidate = verdict.candidate
        if not items:
            summary = f"{verdict.derivation} derivation, {verdict.coverage:.0%} from sources"
            lines.append(f"::notice {_properties(file=candidate.path, title='dedupe: passes')}::{_escape(summary)}")
        for finding in items:
            place: dict[str, object] = {"file": candidate.path}
            if finding.span is not None and candidate.kind == "text":
                place.update(_line_and_column(candidate.text, finding.span))
            place["title"] = f"dedupe: {finding.rule}"
            lines.append(f"::error {_properties(**place)}::{_escape(finding.message)}")
    return "\n".join(lines)


def step_summary(result: CheckResult) -> str:
    """A Markdown summary of a check for ``$GITHUB_STEP_SUMMARY``: one row
    per candidate (derivation, share from sources, findings), the ones that
    could not be read included."""
    rows = [f"| {_cell(verdict.candidate.path)} | {verdict.derivation} | {verdict.coverage:.0%} | "
            f"{_cell('; '.join(f.message for f in items) or 'passes')} |"
            for verdict, items in zip(result.verdicts, result.findings)]
    rows += [f"| {_cell(problem.path)} | - | - | could not be read: {_cell(problem.reason)} |"
             for problem in result.unread]
    outcome = "passed" if result.passed else "failed"
    return "\n".join([f"### dedupe check {outcome}", "", "| candidate | derivation | from sources | findings |",
                      "|---|---|---|---|", *rows, "", ""])


def _cell(text: str) -> str:
    """Text safe inside a Markdown table cell."""
    return " ".join(text.split()).replace("|", "\\|")


def _line_and_column(text: str, span: Span) -> dict[str, int]:
    """1-based line and column of a span's start and end, as GitHub counts them."""
    def position(offset: int) -> tuple[int, int]:
        line = text.count("\n", 0, offset) + 1
        return line, offset - (text.rfind("\n", 0, offset) + 1) + 1
    line, column = position(span.start)
    end_line, end_column = position(span.end)
    return {"line": line, "col": column, "endLine": end_line, "endColumn": end_column}


def _escape(data: str) -> str:
    return data.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _properties(**values: object) -> str:
    return ",".join(f"{key}={_escape(str(value)).replace(':', '%3A').replace(',', '%2C')}"
                    for key, value in values.items())


def index_table(articles: Sequence[StoredArticle]) -> str:
    """``dedupe index list``: one row per indexed article."""
    rows = [[a.id, printable(a.path), snippet(a.title or "(untitled)", 48), printable(a.publisher or "-"),
             printable(a.date or "-"), a.words, a.added] for a in articles]
    return _table(rows, headers=["id", "path", "title", "publisher", "date", "words", "added"])


def stats_table(stats: dict[str, Any]) -> str:
    """``dedupe index stats``: one row per figure, nested settings flattened."""
    rows: list[list[Any]] = []
    for key, value in stats.items():
        if isinstance(value, dict):
            rows.extend([f"{key}.{inner}", json.dumps(item) if not isinstance(item, str) else item]
                        for inner, item in value.items())
        else:
            rows.append([key, value])
    return _table(rows, tablefmt="plain")


def report_text(result: ReportResult) -> str:
    return comparison_tables(result.comparison, result.directions)


def report_json(result: ReportResult) -> str:
    return to_json(result.as_dict())


def check_text(result: CheckResult) -> str:
    unread = [f"{printable(problem.path)}\ncould not be read: {printable(problem.reason)}\nFAILED"
              for problem in result.unread]
    return "\n\n".join([check_tables(result.verdicts, result.findings), *unread]).strip()


def check_json(result: CheckResult) -> str:
    return to_json(result.as_dict())


def check_jsonl(result: CheckResult) -> str:
    """JSON Lines: one compact result per candidate (as in the JSON format's
    ``results``), then one ``{"path", "reason", "unread": true}`` per
    candidate that could not be read."""
    data = result.as_dict()
    lines = [to_json_line(item) for item in data["results"]]
    lines += [to_json_line({**error_data(problem), "unread": True}) for problem in result.unread]
    return "\n".join(lines)


def check_junit(result: CheckResult) -> str:
    return junit_report(result.verdicts, result.findings, result.unread)


def check_github(result: CheckResult) -> str:
    return github_annotations(result.verdicts, result.findings, result.unread)


def report_html(result: ReportResult) -> str:
    """Two texts side by side per pair (:mod:`dedupe.html_report`, which loads Jinja2)."""
    from dedupe import html_report

    return html_report.report_html(result)


def check_html(result: CheckResult) -> str:
    """Candidate and source side by side per source (:mod:`dedupe.html_report`)."""
    from dedupe import html_report

    return html_report.check_html(result)


#: ``dedupe report --format``: name -> renderer.
REPORT_FORMATS: dict[str, Callable[[ReportResult], str]] = {"text": report_text, "json": report_json,
                                                            "html": report_html}
#: ``dedupe check --format``: name -> renderer.
CHECK_FORMATS: dict[str, Callable[[CheckResult], str]] = {
    "text": check_text, "json": check_json, "jsonl": check_jsonl, "junit": check_junit, "github": check_github,
    "html": check_html,
}
