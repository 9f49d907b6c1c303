"""Shared pieces of the quality benchmarks in ``scripts/``.

* PAN's character-level measures for text alignment (Potthast, Stein,
  Barrón-Cedeño and Rosso, "An Evaluation Framework for Plagiarism
  Detection", COLING 2010): macro-averaged precision and recall over the
  characters of both the suspicious and the source side, granularity and
  plagdet. A detection counts for a case only when both refer to the same
  pair of documents and overlap on both sides, as in PAN's evaluator. With
  ``sides="suspicious"`` only the suspicious side's characters count and a
  detection need overlap a case only there (same source document still).
  The one implementation for every script: ``bench_pan13`` (both sides) and
  ``bench_derived`` (the copy's side).
* Binary classification scores (accuracy, precision, recall, F1).
* Output: tabulate tables for people (figures, ``n/a`` where there is
  nothing to measure), JSON for machines.

The benchmarks read public corpora from a path given on the command line;
nothing of a corpus is copied into the repository.

>>> case = Annotation("s1", 0, 100, "r1", 0, 100)
>>> pan_measures([case], [Annotation("s1", 0, 50, "r1", 0, 50), Annotation("s1", 50, 100, "r1", 50, 100)])
{'cases': 1, 'detections': 2, 'precision': 1.0, 'recall': 1.0, 'granularity': 2.0, 'plagdet': 0.631}
"""

from __future__ import annotations

import json
import math
import os
import time
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Literal

from tabulate import tabulate

from dedupe.settings import Settings, settings_from_dict

# ---------------------------------------------------------------------------
# PAN text alignment measures
# ---------------------------------------------------------------------------

#: Which sides of a case or detection the measures count: ``"both"`` (PAN's
#: own measures: characters of the suspicious and the source side, and a
#: detection must overlap a case on both) or ``"suspicious"`` (characters of
#: the suspicious side only, and a detection must overlap a case there and
#: name the same source document; where it points inside the source is not
#: checked).
Sides = Literal["both", "suspicious"]


@dataclass(frozen=True, slots=True)
class Annotation:
    """A reused passage (a case) or a detection: ``[susp_start, susp_end)`` of
    the suspicious document ``susp`` and ``[src_start, src_end)`` of the source
    document ``src``, in characters."""

    susp: str
    susp_start: int
    susp_end: int
    src: str
    src_start: int
    src_end: int

    def __len__(self) -> int:
        """Characters on both sides, the unit of PAN's precision and recall."""
        return (self.susp_end - self.susp_start) + (self.src_end - self.src_start)

    def chars(self, sides: Sides = "both") -> int:
        """Characters counted on ``sides``."""
        return len(self) if sides == "both" else self.susp_end - self.susp_start

    def detects(self, other: Annotation, sides: Sides = "both") -> bool:
        """Same document pair, overlapping on the suspicious side and (with
        ``sides="both"``) on the source side.

        >>> a, b = Annotation("s1", 0, 10, "r1", 0, 10), Annotation("s1", 5, 15, "r1", 50, 60)
        >>> a.detects(b), a.detects(b, "suspicious")
        (False, True)
        """
        return (
            self.susp == other.susp
            and self.src == other.src
            and self.susp_start < other.susp_end
            and other.susp_start < self.susp_end
            and (sides == "suspicious" or (self.src_start < other.src_end and other.src_start < self.src_end))
        )


def covered(start: int, end: int, spans: Iterable[tuple[int, int]]) -> int:
    """Characters of ``[start, end)`` covered by the union of ``spans``.

    >>> covered(0, 10, [(2, 5), (4, 7), (9, 20)])
    6
    """
    clipped = sorted((max(start, s), min(end, e)) for s, e in spans if s < end and e > start)
    total, reach = 0, start
    for s, e in clipped:
        s = max(s, reach)
        if e > s:
            total += e - s
            reach = e
    return total


def hits(target: Annotation, others: Iterable[Annotation], sides: Sides = "both") -> list[Annotation]:
    """The ``others`` that detect ``target`` (or that ``target`` detects: the
    relation is symmetric)."""
    return [o for o in others if o.detects(target, sides)]


def coverage(target: Annotation, others: Iterable[Annotation], sides: Sides = "both") -> float:
    """Share of ``target``'s characters (on ``sides``) covered by the
    ``others`` that detect it."""
    found = hits(target, others, sides)
    if not found:
        return 0.0
    chars = covered(target.susp_start, target.susp_end, [(o.susp_start, o.susp_end) for o in found])
    if sides == "both":
        chars += covered(target.src_start, target.src_end, [(o.src_start, o.src_end) for o in found])
    return chars / target.chars(sides)


def _by_document(annotations: Iterable[Annotation]) -> dict[str, list[Annotation]]:
    index: dict[str, list[Annotation]] = defaultdict(list)
    for annotation in annotations:
        index[annotation.susp].append(annotation)
    return index


def case_recalls(cases: Sequence[Annotation], detections: Sequence[Annotation],
                 sides: Sides = "both") -> list[float]:
    """Each case's recall: the share of its characters the detections cover."""
    index = _by_document(detections)
    return [coverage(case, index.get(case.susp, []), sides) for case in cases]


def detection_precisions(cases: Sequence[Annotation], detections: Sequence[Annotation],
                         sides: Sides = "both") -> list[float]:
    """Each detection's precision: the share of its characters inside cases."""
    return case_recalls(detections, cases, sides)


def detections_per_case(cases: Sequence[Annotation], detections: Sequence[Annotation],
                        sides: Sides = "both") -> list[int]:
    index = _by_document(detections)
    return [len(hits(case, index.get(case.susp, []), sides)) for case in cases]


def plagdet(precision: float, recall: float, granularity: float) -> float:
    """F1 discounted by granularity: ``F1 / log2(1 + granularity)``."""
    if precision <= 0 or recall <= 0 or granularity < 1:
        return 0.0
    return (2 * precision * recall / (precision + recall)) / math.log2(1 + granularity)


def pan_measures(cases: Sequence[Annotation], detections: Sequence[Annotation], sides: Sides = "both",
                 ndigits: int | None = 3) -> dict[str, Any]:
    """Macro precision and recall, granularity and plagdet, rounded to
    ``ndigits`` places (None: not rounded). With no cases or no detections,
    precision and recall are both 1 when both are empty, else both 0, as in
    PAN's evaluator.

    >>> case = Annotation("s1", 0, 100, "r1", 0, 100)
    >>> pan_measures([case], [Annotation("s1", 0, 100, "r1", 200, 300)], "suspicious")["plagdet"]
    1.0
    """
    if not cases and not detections:
        precision = recall = 1.0
    elif not cases or not detections:
        precision = recall = 0.0
    else:
        recall = sum(case_recalls(cases, detections, sides)) / len(cases)
        precision = sum(detection_precisions(cases, detections, sides)) / len(detections)
    counts = [n for n in detections_per_case(cases, detections, sides) if n > 0]
    granularity = sum(counts) / len(counts) if counts else 1.0
    scores = {"precision": precision, "recall": recall, "granularity": granularity,
              "plagdet": plagdet(precision, recall, granularity)}
    if ndigits is not None:
        scores = {name: round(value, ndigits) for name, value in scores.items()}
    return {"cases": len(cases), "detections": len(detections), **scores}


# ---------------------------------------------------------------------------
# Binary classification
# ---------------------------------------------------------------------------


def binary_scores(predicted: Sequence[bool], gold: Sequence[bool], ndigits: int | None = 3) -> dict[str, float]:
    """Accuracy, precision, recall and F1 of the positive class, rounded to
    ``ndigits`` places (None: not rounded, for choosing between close values).

    >>> binary_scores([True, True, False, False], [True, False, True, False])
    {'accuracy': 0.5, 'precision': 0.5, 'recall': 0.5, 'f1': 0.5}
    """
    tp = sum(p and g for p, g in zip(predicted, gold))
    fp = sum(p and not g for p, g in zip(predicted, gold))
    fn = sum(g and not p for p, g in zip(predicted, gold))
    correct = sum(p == g for p, g in zip(predicted, gold))
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    scores = {"accuracy": correct / len(gold) if gold else 0.0, "precision": precision, "recall": recall, "f1": f1}
    return scores if ndigits is None else {name: round(value, ndigits) for name, value in scores.items()}


# ---------------------------------------------------------------------------
# Output and timing
# ---------------------------------------------------------------------------


def table(rows: Sequence[dict[str, Any]], columns: Sequence[str] | None = None, floatfmt: str = ".3f",
          indent: bool = False) -> str:
    """Rows of dicts as a tabulate table (columns: the first row's keys).
    With ``indent``, leading spaces of cells are kept (nested row labels)."""
    if not rows:
        return "(none)"
    columns = list(columns or rows[0].keys())
    cells = [[row.get(c, "") for c in columns] for row in rows]
    if indent:
        try:
            return tabulate(cells, headers=columns, floatfmt=floatfmt, preserve_whitespace=True)
        except TypeError:  # tabulate before 0.10 has no such argument
            pass
    return tabulate(cells, headers=columns, floatfmt=floatfmt)


def print_json(data: Any) -> None:
    print(json.dumps(data, ensure_ascii=False, indent=2))


def figure(value: float | None, digits: int = 3) -> str:
    """A figure with ``digits`` decimals and thousands separators, or ``n/a``
    for None or NaN (nothing to measure).

    >>> figure(1234.5678, 1), figure(None), figure(float("nan")), figure(0.9096)
    ('1,234.6', 'n/a', 'n/a', '0.910')
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    return f"{value:,.{digits}f}"


def one_line(text: str, limit: int = 160) -> str:
    """``text`` on one line, cut to ``limit`` characters.

    >>> one_line("a\\n b  c", 4)
    'a b…'
    """
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def child_environment(**extra: str) -> dict[str, str]:
    """The environment for a timed child process, as an installed package
    runs: without ``PYTHONDONTWRITEBYTECODE`` (which some sandboxes and CI
    images set, this machine's among them), so that the package's bytecode
    is cached by the first process and read by the others instead of
    compiled again in each (about 100 ms of every dedupe process here)."""
    env = {name: value for name, value in os.environ.items() if name != "PYTHONDONTWRITEBYTECODE"}
    env.update(extra)
    return env


@contextmanager
def stopwatch() -> Iterator[dict[str, float]]:
    """``with stopwatch() as clock: ...`` leaves the wall time in ``clock["seconds"]``."""
    clock: dict[str, float] = {}
    start = time.perf_counter()
    try:
        yield clock
    finally:
        clock["seconds"] = round(time.perf_counter() - start, 1)


def parse_settings(assignments: Sequence[str]) -> Settings:
    """``dedupe.Settings`` with ``NAME=VALUE`` overrides, read as ``dedupe
    check --set`` reads them (:func:`dedupe.settings.settings_from_dict`:
    pairs as ``4,5``, flags as ``true``/``false``); a bad one exits with
    its one-line reason.

    >>> parse_settings(["index_bands=42,3"]).index_bands
    (42, 3)
    """
    values: dict[str, str] = {}
    for assignment in assignments:
        name, equals, value = assignment.partition("=")
        if not equals or not name.strip():
            raise SystemExit(f"expected NAME=VALUE, not {assignment!r}")
        values[name.strip()] = value.strip()
    try:
        return settings_from_dict(values)
    except ValueError as error:
        raise SystemExit(str(error)) from None
