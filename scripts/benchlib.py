"""Shared pieces of the quality benchmarks in ``scripts/``.

* PAN's character-level measures for text alignment (Potthast, Stein,
  Barrón-Cedeño and Rosso, "An Evaluation Framework for Plagiarism
  Detection", COLING 2010): macro-averaged precision and recall over the
  characters of both the suspicious and the source side, granularity and
  plagdet. A detection counts for a case only when both refer to the same
  pair of documents and overlap on both sides, as in PAN's evaluator.
* Binary classification scores (accuracy, precision, recall, F1).
* Output: tabulate tables for people, JSON for machines.

The benchmarks read public corpora from a path given on the command line;
nothing of a corpus is copied into the repository.

>>> case = Annotation("s1", 0, 100, "r1", 0, 100)
>>> pan_measures([case], [Annotation("s1", 0, 50, "r1", 0, 50), Annotation("s1", 50, 100, "r1", 50, 100)])
{'cases': 1, 'detections': 2, 'precision': 1.0, 'recall': 1.0, 'granularity': 2.0, 'plagdet': 0.631}
"""

from __future__ import annotations

import json
import math
import time
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from tabulate import tabulate


# ---------------------------------------------------------------------------
# PAN text alignment measures
# ---------------------------------------------------------------------------


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

    def detects(self, other: Annotation) -> bool:
        """Same document pair, overlapping on both sides."""
        return (
            self.susp == other.susp
            and self.src == other.src
            and self.susp_start < other.susp_end
            and other.susp_start < self.susp_end
            and self.src_start < other.src_end
            and other.src_start < self.src_end
        )


def _covered(start: int, end: int, spans: Iterable[tuple[int, int]]) -> int:
    """Characters of ``[start, end)`` covered by the union of ``spans``.

    >>> _covered(0, 10, [(2, 5), (4, 7), (9, 20)])
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


def _coverage(target: Annotation, others: Sequence[Annotation]) -> float:
    """Share of ``target``'s characters (both sides) covered by the ``others``
    that detect it."""
    hits = [o for o in others if o.detects(target)]
    if not hits:
        return 0.0
    chars = _covered(target.susp_start, target.susp_end, [(o.susp_start, o.susp_end) for o in hits])
    chars += _covered(target.src_start, target.src_end, [(o.src_start, o.src_end) for o in hits])
    return chars / len(target)


def _by_document(annotations: Iterable[Annotation]) -> dict[str, list[Annotation]]:
    index: dict[str, list[Annotation]] = defaultdict(list)
    for annotation in annotations:
        index[annotation.susp].append(annotation)
    return index


def case_recalls(cases: Sequence[Annotation], detections: Sequence[Annotation]) -> list[float]:
    """Each case's recall: the share of its characters the detections cover."""
    index = _by_document(detections)
    return [_coverage(case, index.get(case.susp, [])) for case in cases]


def detection_precisions(cases: Sequence[Annotation], detections: Sequence[Annotation]) -> list[float]:
    """Each detection's precision: the share of its characters inside cases."""
    return case_recalls(detections, cases)


def detections_per_case(cases: Sequence[Annotation], detections: Sequence[Annotation]) -> list[int]:
    index = _by_document(detections)
    return [sum(d.detects(case) for d in index.get(case.susp, [])) for case in cases]


def plagdet(precision: float, recall: float, granularity: float) -> float:
    """F1 discounted by granularity: ``F1 / log2(1 + granularity)``."""
    if precision <= 0 or recall <= 0 or granularity < 1:
        return 0.0
    return (2 * precision * recall / (precision + recall)) / math.log2(1 + granularity)


def pan_measures(cases: Sequence[Annotation], detections: Sequence[Annotation]) -> dict[str, Any]:
    """Macro precision and recall, granularity and plagdet, rounded to 3 places."""
    if not cases and not detections:
        precision = recall = 1.0
    elif not cases or not detections:
        precision = recall = 0.0
    else:
        recall = sum(case_recalls(cases, detections)) / len(cases)
        precision = sum(detection_precisions(cases, detections)) / len(detections)
    counts = [n for n in detections_per_case(cases, detections) if n > 0]
    granularity = sum(counts) / len(counts) if counts else 1.0
    return {
        "cases": len(cases),
        "detections": len(detections),
        "precision": round(precision, 3),
        "recall": round(recall, 3),
        "granularity": round(granularity, 3),
        "plagdet": round(plagdet(precision, recall, granularity), 3),
    }


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


def one_line(text: str, limit: int = 160) -> str:
    """``text`` on one line, cut to ``limit`` characters.

    >>> one_line("a\\n b  c", 4)
    'a b…'
    """
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


@contextmanager
def stopwatch() -> Iterator[dict[str, float]]:
    """``with stopwatch() as clock: ...`` leaves the wall time in ``clock["seconds"]``."""
    clock: dict[str, float] = {}
    start = time.perf_counter()
    try:
        yield clock
    finally:
        clock["seconds"] = round(time.perf_counter() - start, 1)
