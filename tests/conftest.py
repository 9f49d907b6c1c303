"""Shared fixtures: the seed articles and a way to run the CLI in-process."""

from __future__ import annotations

from pathlib import Path

import pytest

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
SEEDS_DIR = FIXTURES / "seeds"
SEEDS = {
    "wapo": SEEDS_DIR / "wapo-blinken-moldova-2024.txt",
    "bbc": SEEDS_DIR / "bbc-biden-pressure-machine-translated-2024.txt",
    "reuters": SEEDS_DIR / "reuters-biden-missiles-via-skai-2024.txt",
    "nyt": SEEDS_DIR / "nyt-biden-atacms-norwegian-2024.txt",
    "time": SEEDS_DIR / "time-us-russia-talks-spun-2022.txt",
}


def seed_text(name: str) -> str:
    return SEEDS[name].read_text(encoding="utf-8")


@pytest.fixture
def run_cli(capsys):
    """Run ``dedupe ARGS`` in-process; return (exit code, stdout, stderr)."""

    from dedupe.cli import main

    def run(*args: str) -> tuple[int, str, str]:
        try:
            code = main([str(a) for a in args])
        except SystemExit as exit_:  # argparse usage errors
            code = exit_.code
        out, err = capsys.readouterr()
        return code, out, err

    return run
