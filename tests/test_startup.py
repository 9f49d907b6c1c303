"""Fast start: a CLI call imports only what its command runs.

Start-up time itself is measured by scripts/bench_startup.py (whole
processes against bare Python); these tests pin down why it is fast, so a
stray top-level import cannot quietly bring back seconds of start-up.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

import dedupe.cli as cli
import dedupe.reports as reports
from conftest import SEEDS

#: Libraries that take tenths of a second or more to import (scipy comes with datasketch).
HEAVY = {"numpy", "scipy", "datasketch", "trafilatura", "bs4", "lxml", "rapidfuzz", "redis", "scrapy"}

_PROBE = """
import json, runpy, sys
sys.argv = ["dedupe", *sys.argv[1:]]
try:
    runpy.run_module("dedupe", run_name="__main__", alter_sys=True)
except SystemExit:
    pass
sys.stderr.write(json.dumps(sorted({name.split(".")[0] for name in sys.modules})))
"""


def _imported(*args: object) -> set[str]:
    done = subprocess.run([sys.executable, "-c", _PROBE, *map(str, args)], capture_output=True, text=True,
                          timeout=60)
    return set(json.loads(done.stderr.strip().splitlines()[-1]))


@pytest.mark.parametrize("args", [("--version",), ("--help",), ("check", "--help")],
                         ids=["version", "help", "check-help"])
def test_help_and_version_import_no_stage_library(args):
    assert not _imported(*args) & HEAVY


def test_clean_of_plain_text_imports_no_html_or_minhash_library():
    found = _imported("clean", SEEDS["wapo"])
    assert not found & HEAVY, found & HEAVY


def test_index_list_imports_no_stage_library(tmp_path, run_cli):
    url = f"sqlite:///{tmp_path / 'index.db'}"
    assert run_cli("index", "add", SEEDS["wapo"], "--index", url)[0] == 0
    assert not _imported("index", "list", "--index", url) & HEAVY
    assert "numpy" in _imported("index", "add", SEEDS["nyt"], "--index", url)  # the probe sees it when used


def test_a_json_check_imports_neither_tables_nor_process_pools(tmp_path, run_cli):
    """tabulate reads its package metadata on import (about 50 ms) and a
    one-process check needs no multiprocessing; the text format does load
    tabulate, so the probe can see it."""
    url = f"sqlite:///{tmp_path / 'index.db'}"
    assert run_cli("index", "add", SEEDS["wapo"], "--index", url)[0] == 0
    copy = tmp_path / "copy.txt"
    copy.write_text(SEEDS["wapo"].read_text(encoding="utf-8"), encoding="utf-8")  # a source found: tables to draw
    found = _imported("check", copy, "--index", url, "--format", "json")
    assert "numpy" in found and not found & {"tabulate", "multiprocessing"}, found & {"tabulate", "multiprocessing"}
    assert "tabulate" in _imported("check", copy, "--index", url)


def test_clean_of_html_loads_the_extractors(tmp_path):
    """The converse, so the probe above can fail: HTML does need trafilatura and bs4."""
    page = tmp_path / "page.html"
    page.write_text("<html><body><article><p>Talks resumed in Geneva on Monday, officials said.</p>"
                    "</article></body></html>", encoding="utf-8")
    assert {"trafilatura", "bs4"} <= _imported("clean", page)


def test_the_cli_offers_exactly_the_formats_the_renderers_have():
    """The CLI keeps its format names without importing the renderers (tabulate) at start-up."""
    assert cli.CHECK_FORMATS == tuple(reports.CHECK_FORMATS)
    assert cli.REPORT_FORMATS == tuple(reports.REPORT_FORMATS)


def test_import_dedupe_is_lazy_and_complete():
    """``import dedupe`` loads no stage; every public name resolves when used."""
    probe = ("import sys, json, dedupe; before = set(sys.modules); "
             "names = {n: type(getattr(dedupe, n)).__name__ for n in dedupe.__all__}; "
             "print(json.dumps([sorted(m for m in before if m.startswith('dedupe.')), names]))")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=True)
    loaded, names = json.loads(done.stdout)
    assert loaded == []
    assert names["check"] == "function" and names["Settings"] == "type" and names["Index"] == "type"


def test_submodules_resolve_after_import_dedupe_and_the_package_is_typed():
    """`import dedupe` then `dedupe.serialise.report_data(...)`, as the README's library tour does,
    works without importing the submodule first (it raised AttributeError); a misspelt name is still
    an AttributeError; the installed package carries py.typed for type checkers."""
    probe = "\n".join([
        "import json, dedupe",
        "from importlib.resources import files",
        "typed = files('dedupe').joinpath('py.typed').is_file()",
        "names = [callable(dedupe.serialise.report_data), callable(dedupe.reports.check_text)]",
        "try:",
        "    dedupe.no_such_module",
        "except AttributeError as error:",
        "    missing = str(error)",
        "print(json.dumps([typed, names, missing]))",
    ])
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=True)
    typed, names, missing = json.loads(done.stdout)
    assert typed is True and names == [True, True]
    assert missing == "module 'dedupe' has no attribute 'no_such_module'"
