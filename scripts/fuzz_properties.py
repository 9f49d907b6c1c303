"""Run the property tests (tests/test_properties.py) with many more examples than CI does.

    .venv/bin/python scripts/fuzz_properties.py --examples 5000

CI runs each property on 120 derandomised examples; this runs N per
property, with hypothesis's fixed seed unless ``--random`` asks for a new
search. It prints pytest's summary and exits with pytest's code, so a
counterexample is shown as hypothesis reports it (the smallest input found).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--examples", type=int, default=2000, help="examples per property (default 2000)")
    parser.add_argument("--random", action="store_true", help="search afresh instead of from the fixed seed")
    args = parser.parse_args()
    env = {**os.environ, "DEDUPE_HYPOTHESIS_EXAMPLES": str(args.examples)}
    if args.random:
        env["DEDUPE_HYPOTHESIS_RANDOM"] = "1"
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/test_properties.py"]
    return subprocess.run(command, cwd=ROOT, env=env).returncode


if __name__ == "__main__":
    sys.exit(main())
