"""Fitting the evidence bars on training data only (issue 9: calibrated decisions).

A derivation needs copied expression beyond what two independent reports of
one event share. Three ``Settings`` fields draw that line:
``min_expression_words``, ``min_sequence_sentences`` and
``scaffold_similarity`` (see ``dedupe/evidence.py``). This script tries a
grid of them on **training data only** and says which values keep false
accusations at or under 2% while finding the most copies. The fourth bar,
``min_evidence_words``, is not fitted: it says that one sentence never makes
a copy, whatever a grid would prefer (a news sentence runs about 19 words,
MRPC's test sentences on average, so 40 words is two sentences or more):

* copies (should be derived): derived copies of the seed fixtures made with
  a seed the benchmark does not use (``derive_copies.py --seed 2``); the
  Clough–Stevenson answers *outside* its ``test_info.csv`` split labelled
  cut, light or heavy, each checked against all five originals; the
  odd-numbered copy controls of ``fixtures/same-event/copies``;
* independent (should be none): the odd-numbered same-event pairs of
  ``fixtures/same-event``, both ways round; the Clough training answers
  labelled ``non``.

Never the test splits: the even-numbered same-event pairs and controls,
Clough's ``test_info.csv`` answers and MRPC stay for the benchmarks. MRPC is
left out altogether: its "not a paraphrase" pairs are often one sentence
carried over word for word plus a clause, which a provenance tool should
report, so they are no negatives to fit on.

Every point of the grid runs the product path (``dedupe.check``), so the
figures are what a user gets with those settings. A verdict is an
accusation, so among the points within the false-alarm bar the one with the
fewest false alarms wins, then the one finding the most copies; ties go to
the stricter point (more evidence asked), which accuses least on text not
seen.

    .venv/bin/python scripts/fit_evidence.py fixtures/seeds fixtures/same-event ../shared/benchmarks/clough-stevenson
    .venv/bin/python scripts/fit_evidence.py ... --json
"""

from __future__ import annotations

import argparse
import csv
import dataclasses
import itertools
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchlib import print_json, stopwatch, table  # noqa: E402
from derive_copies import SPIN_WORDS, generate  # noqa: E402

import dedupe  # noqa: E402

#: The grid: each field's values around its default.
GRID: dict[str, tuple[Any, ...]] = {
    "min_expression_words": (6, 8, 10),
    "min_sequence_sentences": (2, 3, 4),
    "scaffold_similarity": (0.8, 0.85, 0.9),
}
MAX_FALSE_ALARMS = 0.02
DERIVED_SEED = 2
DERIVED_COUNT = 40


@dataclasses.dataclass(frozen=True)
class Case:
    """One check: a candidate against its sources, and whether it is a copy."""

    candidate: Path
    sources: tuple[Path, ...]
    copy: bool
    group: str


def training_cases(fixtures: Path, same_event: Path, clough: Path, work: Path,
                   derived: int = DERIVED_COUNT) -> list[Case]:
    cases = []
    fixture_files = tuple(sorted(fixtures.glob("*.txt")))
    for copy in generate(fixtures, work, DERIVED_SEED, derived, 0.5, SPIN_WORDS):
        cases.append(Case(work / f"{copy.name}.txt", fixture_files, True, "derived copies (seed 2)"))
    for source in sorted((same_event / "copies").glob("*-source.txt")):
        number = int(source.name[:2])
        if number % 2:
            cases.append(Case(source.with_name(f"{number:02d}-copy.txt"), (source,), True, "same-event controls (odd)"))
    for first in sorted(same_event.glob("*-a.txt")):
        number = int(first.name[:2])
        if number % 2:
            second = first.with_name(f"{number:02d}-b.txt")
            cases.append(Case(first, (second,), False, "same-event pairs (odd, both ways)"))
            cases.append(Case(second, (first,), False, "same-event pairs (odd, both ways)"))
    test = _labels(clough / "test_info.csv") if (clough / "test_info.csv").exists() else {}
    originals = tuple(sorted(clough.glob("orig_task*.txt")))
    for name, category in _labels(clough / "file_information.csv").items():
        if category == "orig" or name in test:
            continue
        group = "Clough train: non" if category == "non" else "Clough train: reused"
        cases.append(Case(clough / name, originals, category != "non", group))
    return cases


def _labels(path: Path) -> dict[str, str]:
    with open(path, newline="", encoding="utf-8-sig") as handle:
        return {row["File"].strip(): row["Category"].strip() for row in csv.DictReader(handle)}


def score(cases: Sequence[Case], settings: dedupe.Settings) -> dict[str, Any]:
    """Copies found and false alarms, overall and per group, under ``settings``."""
    found: dict[str, list[bool]] = {}
    for case in cases:
        (verdict,) = dedupe.check([case.candidate], against=list(case.sources), settings=settings).verdicts
        found.setdefault(case.group, []).append(verdict.derivation != "none")
    copies = [hit for case, hit in zip(cases, _flatten(cases, found)) if case.copy]
    independent = [hit for case, hit in zip(cases, _flatten(cases, found)) if not case.copy]
    return {
        "copies_found": round(sum(copies) / len(copies), 3) if copies else None,
        "false_alarms": round(sum(independent) / len(independent), 3) if independent else None,
        "groups": {group: f"{sum(hits)}/{len(hits)}" for group, hits in found.items()},
    }


def _flatten(cases: Sequence[Case], found: dict[str, list[bool]]) -> list[bool]:
    positions: dict[str, int] = {}
    flat = []
    for case in cases:
        index = positions.get(case.group, 0)
        flat.append(found[case.group][index])
        positions[case.group] = index + 1
    return flat


def fit(cases: Sequence[Case], grid: dict[str, tuple[Any, ...]] = GRID
        ) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    rows = []
    for values in itertools.product(*grid.values()):
        point = dict(zip(grid, values))
        rows.append({**point, **score(cases, dataclasses.replace(dedupe.Settings(), **point))})
    within = [row for row in rows if row["false_alarms"] is not None and row["false_alarms"] <= MAX_FALSE_ALARMS]
    strictness = [name for name in GRID if name != "scaffold_similarity"] + ["scaffold_similarity"]
    best = max(within or rows, key=lambda row: (-row["false_alarms"], row["copies_found"],
                                                *(row[name] for name in strictness)))
    return rows, best


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("fixtures", type=Path, help="the seed fixtures (fixtures/seeds)")
    parser.add_argument("same_event", type=Path, help="the same-event corpus (fixtures/same-event)")
    parser.add_argument("clough", type=Path, help="the Clough-Stevenson directory")
    parser.add_argument("--derived", type=int, default=DERIVED_COUNT,
                        help=f"derived copies to make (default {DERIVED_COUNT})")
    parser.add_argument("--defaults-only", action="store_true",
                        help="score the Settings defaults alone instead of the grid (a quick look)")
    parser.add_argument("--json", action="store_true", help="print one JSON document instead of tables")
    args = parser.parse_args(argv)
    grid = {name: (getattr(dedupe.Settings(), name),) for name in GRID} if args.defaults_only else GRID
    with tempfile.TemporaryDirectory(prefix="dedupe-fit-") as folder, stopwatch() as clock:
        cases = training_cases(args.fixtures, args.same_event, args.clough, Path(folder), args.derived)
        rows, best = fit(cases, grid)
    defaults = {name: getattr(dedupe.Settings(), name) for name in GRID}
    result = {"cases": len(cases), "grid": {k: list(v) for k, v in grid.items()}, "best": best,
              "defaults": defaults, "defaults_are_the_fit": all(best[k] == v for k, v in defaults.items()),
              "seconds": clock["seconds"], "rows": rows}
    if args.json:
        print_json(result)
        return 0
    print(f"Fitting the evidence bars on {len(cases)} training checks, {len(rows)} grid points "
          f"({clock['seconds']} s); false alarms allowed: {MAX_FALSE_ALARMS:.0%}")
    shown = sorted(rows, key=lambda row: (-row["copies_found"], row["false_alarms"]))[:12]
    print(table([{k: v for k, v in row.items() if k != "groups"} for row in shown]))
    print("\nBest: " + ", ".join(f"{k}={best[k]}" for k in GRID)
          + f" (copies found {best['copies_found']}, false alarms {best['false_alarms']}; {best['groups']})")
    print("Settings defaults: " + ", ".join(f"{k}={v}" for k, v in defaults.items())
          + (" (the fit)" if result["defaults_are_the_fit"] else " (differ from the fit)"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
