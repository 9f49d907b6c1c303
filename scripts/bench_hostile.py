"""Hostile-input benchmark (a benchmark, not a test): does each rule family stay linear?

Crafted plain text used to make single regexes read far more than their
input (issue 11): a line of 16,000 ``[video]`` took 33 s in ``dedupe
clean``, 8,000 ``Reporting by John Smith;`` 24 s in ``dedupe check``'s
credit search. Each family below is the worst case found for one family of
rules. It is fed at each ``--sizes`` (characters; 1×, 2×, 4×, 8× by
default) through the path a user runs: ``dedupe.clean`` for text and HTML,
and for the credit search what ``dedupe check`` calls on a candidate
(:func:`dedupe.credits.credited_publishers` on the cleaned text, timed with
the cleaning). The table gives the best of ``--repeat`` CPU times of this
process at each size (CPU, not wall time: the machine may be shared), the
growth exponent (least squares of log time on log size; 1 is linear, 2
quadratic; the goal is at most 1.1), the CPU time for a 1 MB page of
the family (the goal is under 2 s), and the most Python heap that page's
run holds at once (tracemalloc, measured in a separate run).

    .venv/bin/python scripts/bench_hostile.py                  # a table
    .venv/bin/python scripts/bench_hostile.py --json
    .venv/bin/python scripts/bench_hostile.py --family embed-shortcodes --sizes 8000,16000,32000,64000

``--megabyte predict`` gives the 1 MB time from the fit instead of running
it (for code that is not linear, where a 1 MB run takes hours);
``--quick`` is a run of seconds (small sizes, one repeat, no 1 MB page),
which is what ``tests/test_scripts.py`` runs.
"""

from __future__ import annotations

import argparse
import math
import sys
import time
import tracemalloc
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from benchlib import print_json, table

import dedupe
from dedupe.credits import credited_publishers

MEGABYTE = 1 << 20
HEAD = "Talks resumed in Geneva on Monday, officials said.\n"
TAIL = "\nBoth delegations expected a long session, a spokesman said.\n"


@dataclass(frozen=True)
class Family:
    """A worst case for one family of rules: what it attacks, how it is fed
    to the tool, and how to make ``n`` characters of it."""

    name: str
    attacks: str
    path: str  # "clean text", "clean HTML" or "credit search"
    make: Callable[[int], str]

    def run(self, text: str) -> Any:
        if self.path == "clean HTML":
            return dedupe.clean(text, kind="html")
        article = dedupe.clean(text, kind="text")
        return credited_publishers(article) if self.path == "credit search" else article


def _repeat(unit: str, n: int) -> str:
    return unit * max(1, n // len(unit))


def _numbered(unit: str, n: int) -> str:
    """``unit`` (with ``{}`` for a running number) repeated to about ``n``
    characters: every copy different, so no two contexts are the same."""
    pieces, size, number = [], 0, 0
    while size < n:
        piece = unit.format(number)
        pieces.append(piece)
        size += len(piece)
        number += 1
    return "".join(pieces)


def _page(body: str) -> str:
    return (f"<html><head><title>Talks resume</title></head><body><article><h1>Talks resume</h1>"
            f"<p>{HEAD.strip()}</p><p>{body}</p><p>{TAIL.strip()}</p></article></body></html>")


FAMILIES: tuple[Family, ...] = (
    Family("embed-shortcodes", "cleaning: embed shortcodes ([video] never closed)", "clean text",
           lambda n: HEAD + _repeat("[video]", n) + TAIL),
    Family("embed-openings", "cleaning: embed shortcodes (openings with no ])", "clean text",
           lambda n: HEAD + _repeat("[video ", n) + TAIL),
    Family("embed-page", "extraction + cleaning: an HTML page of embeds", "clean HTML",
           lambda n: _page(_repeat("[video]", n))),
    Family("ad-marker-padding", "cleaning: ad marker, [ad and a run of spaces", "clean text",
           lambda n: HEAD + "[ad" + " " * n + "x" + TAIL),
    Family("ad-markers", "cleaning: inline markers, thousands on a line", "clean text",
           lambda n: HEAD + _repeat("[ad_1] ", n) + TAIL),
    Family("photo-credit-line", "cleaning: photo-credit line rule (AP via viavia...)", "clean text",
           lambda n: HEAD + "AP via " + _repeat("via", n) + " $5" + TAIL),
    Family("byline-hyphens", "cleaning: byline line rule (By Jane Doe-Doe-...)", "clean text",
           lambda n: HEAD + "By Jane " + _repeat("Doe-", n) + "Doe $5" + TAIL),
    Family("photo-credit-words", "credits: publisher names (AFP via AFP via ...)", "credit search",
           lambda n: HEAD + _repeat("AFP via ", n) + TAIL),
    Family("photo-credit-numbered", "credits: names in contexts all different", "credit search",
           lambda n: HEAD + _numbered("AFP via {} ", n) + TAIL),
    Family("copyright-signs", "credits: copyright form (a run of signs before each name)", "credit search",
           lambda n: HEAD + _numbered("©" * 290 + " {} AFP ", n) + TAIL),
    Family("reuters-sign-off", "credits: Reuters house style (Reporting by X; ...)", "credit search",
           lambda n: HEAD + _repeat("Reporting by John Smith; ", n) + TAIL),
)


def timed(family: Family, size: int, repeat: int) -> tuple[int, float]:
    """The input's length and the best of ``repeat`` CPU times."""
    text = family.make(size)
    best = math.inf
    for _ in range(repeat):
        start = time.process_time()
        family.run(text)
        best = min(best, time.process_time() - start)
    return len(text), best


def peak_memory(family: Family, size: int) -> int:
    """The most Python heap one run holds at once, in bytes (tracemalloc),
    over what was allocated before it; the input itself is not counted."""
    text = family.make(size)
    tracemalloc.start()
    try:
        family.run(text)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def fit(points: Sequence[tuple[int, float]]) -> tuple[float, float]:
    """Least squares of log time on log size: the exponent and the intercept.

    >>> round(fit([(1000, 0.01), (2000, 0.04), (4000, 0.16)])[0], 2)
    2.0
    """
    xs = [math.log(size) for size, _ in points]
    ys = [math.log(max(seconds, 1e-9)) for _, seconds in points]
    mean_x, mean_y = sum(xs) / len(xs), sum(ys) / len(ys)
    spread = sum((x - mean_x) ** 2 for x in xs)
    slope = sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys)) / spread if spread else 0.0
    return slope, mean_y - slope * mean_x


def measure(family: Family, sizes: Sequence[int], repeat: int, megabyte: str) -> dict[str, Any]:
    family.run(family.make(min(sizes)))  # imports and caches warm, as in a long-running worker
    points = [timed(family, size, repeat) for size in sizes]
    exponent, intercept = fit(points)
    row: dict[str, Any] = {"family": family.name, "attacks": family.attacks, "path": family.path,
                           "sizes": [size for size, _ in points],
                           "seconds": [round(seconds, 4) for _, seconds in points],
                           "exponent": round(exponent, 2)}
    if megabyte == "measure":
        row["megabyte_seconds"] = round(timed(family, MEGABYTE, 1)[1], 2)
        row["megabyte_peak_mb"] = round(peak_memory(family, MEGABYTE) / 1e6, 1)
    elif megabyte == "predict":
        row["megabyte_seconds"] = round(math.exp(intercept + exponent * math.log(MEGABYTE)), 1)
    row["megabyte"] = megabyte
    return row


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="16000,32000,64000,128000",
                        help="comma-separated input sizes in characters (default 16000,32000,64000,128000)")
    parser.add_argument("--repeat", type=int, default=3, help="runs at each size, the best counts (default 3)")
    parser.add_argument("--family", action="append", choices=[f.name for f in FAMILIES],
                        help="only this family (repeatable; default all)")
    parser.add_argument("--megabyte", choices=("measure", "predict", "skip"), default="measure",
                        help="the 1 MB page: run it, predict it from the fit, or leave it out (default measure)")
    parser.add_argument("--quick", action="store_true",
                        help="a run of seconds: sizes 2000-16000, one repeat, no 1 MB page")
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    args = parser.parse_args(argv)
    sizes = [2000, 4000, 8000, 16000] if args.quick else [int(size) for size in args.sizes.split(",")]
    repeat, megabyte = (1, "skip") if args.quick else (max(1, args.repeat), args.megabyte)
    chosen = [f for f in FAMILIES if not args.family or f.name in args.family]
    rows = [measure(family, sizes, repeat, megabyte) for family in chosen]
    if args.json:
        print_json({"sizes": sizes, "repeat": repeat, "families": rows})
        return 0
    shown = []
    for row in rows:
        cells = {"family": row["family"], "path": row["path"]}
        cells.update({f"{size:,} chars (s)": f"{seconds:.4f}" for size, seconds in zip(sizes, row["seconds"])})
        cells["exponent"] = f"{row['exponent']:.2f}"
        if "megabyte_seconds" in row:
            cells["1 MB (s)"] = ("~" if megabyte == "predict" else "") + f"{row['megabyte_seconds']:,}"
        if "megabyte_peak_mb" in row:
            cells["1 MB peak heap (MB)"] = f"{row['megabyte_peak_mb']:,}"
        shown.append(cells)
    print(table(shown, floatfmt=".4f"))
    print("\nexponent: least squares of log time on log size (goal <= 1.1); 1 MB: goal under 2 s;"
          " peak heap: tracemalloc's peak over one run of the 1 MB page, the page itself not counted"
          + ("; ~ predicted from the fit" if megabyte == "predict" else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
