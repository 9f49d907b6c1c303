"""Start-up benchmark: whole-process wall time of ``dedupe`` commands against bare Python.

A CLI call pays for every module it imports before it does anything; the
goal (issue 8) is ``dedupe --version`` within 0.15 s of ``python -c pass``
and a ``clean`` of one plain-text file well under a second. Each command
runs as a user runs it, in a fresh process (``python -m dedupe ...`` with
the interpreter running this script), ``--repeat`` times, interleaved with
the bare-Python peer so that machine noise hits all of them alike; the
table gives the median and the median's excess over bare Python.

    .venv/bin/python scripts/bench_startup.py                 # a table
    .venv/bin/python scripts/bench_startup.py --repeat 3 --json

Commands: ``--version``, ``--help``, ``index list`` (an index of one
article, made first), ``clean`` of a plain-text seed, ``clean`` of a small
HTML page (loads trafilatura), and ``check`` of one seed against another.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from benchlib import child_environment
from tabulate import tabulate

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "fixtures" / "seeds"
PAGE = ("<html><head><title>Talks resume</title></head><body><article><h1>Talks resume</h1>"
        "<p>The talks resumed in Geneva on Monday, officials said, after a week of delays.</p>"
        "<p>Both delegations said they expected a long session.</p></article></body></html>")


def commands(work: Path) -> dict[str, list[str]]:
    index = f"sqlite:///{work / 'index.db'}"
    page = work / "page.html"
    page.write_text(PAGE, encoding="utf-8")
    subprocess.run([sys.executable, "-m", "dedupe", "index", "add", str(SEEDS / "wapo-blinken-moldova-2024.txt"),
                    "--index", index], check=True, capture_output=True)
    return {
        "python -c pass": ["-c", "pass"],
        "dedupe --version": ["-m", "dedupe", "--version"],
        "dedupe --help": ["-m", "dedupe", "--help"],
        "dedupe index list": ["-m", "dedupe", "index", "list", "--index", index],
        "dedupe clean (plain text)": ["-m", "dedupe", "clean", str(SEEDS / "wapo-blinken-moldova-2024.txt")],
        "dedupe clean (HTML)": ["-m", "dedupe", "clean", str(page)],
        "dedupe check (one against one)": ["-m", "dedupe", "check",
                                           str(SEEDS / "bbc-biden-pressure-machine-translated-2024.txt"),
                                           "--against", str(SEEDS / "wapo-blinken-moldova-2024.txt")],
    }


def run(repeat: int) -> dict[str, dict[str, float]]:
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        todo = commands(work)
        times: dict[str, list[float]] = {name: [] for name in todo}
        for _ in range(repeat):
            for name, args in todo.items():  # interleaved: noise falls on every command alike
                start = time.perf_counter()
                subprocess.run([sys.executable, *args], check=True, capture_output=True, cwd=work,
                               env=child_environment())
                times[name].append(time.perf_counter() - start)
    bare = statistics.median(times["python -c pass"])
    return {name: {"median_s": round(statistics.median(found), 3),
                   "over_python_s": round(statistics.median(found) - bare, 3)} for name, found in times.items()}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=9, help="runs of each command (default 9)")
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    args = parser.parse_args(argv)
    results = run(max(1, args.repeat))
    if args.json:
        print(json.dumps(results, indent=2))
    else:
        rows = [[name, f"{r['median_s']:.3f}", f"{r['over_python_s']:+.3f}"] for name, r in results.items()]
        print(tabulate(rows, headers=["command", "median wall time (s)", "over bare Python (s)"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
