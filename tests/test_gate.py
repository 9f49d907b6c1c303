"""The CI gate: --fail-on, --max-coverage, exit codes, junit and github formats, project config."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ElementTree

import pytest

from conftest import SEEDS, seed_text

WAPO_BODY = [line for line in seed_text("wapo").splitlines() if len(line.split()) > 12]
#: The WaPo seed's first paragraphs as a copy desk rewords them: clauses kept in order, words
#: swapped, quotes kept, credited at the end.
REWORDED_WAPO = """\
During a trip to Moldova on Wednesday, Blinken became the first senior official in the Biden administration to say in public that Washington is weighing a change of policy that would let Ukrainian troops use the longer-range ATACMS missiles and other American arms to hit targets inside Russia.
Blinken said the US might "adapt and adjust" its stance on the limits depending on changing needs on the battlefield.
Blinken gave the remarks before coming to the Czech capital for a gathering of NATO foreign ministers at which the US is expected to face fresh pressure to ease its limits on the rules of engagement for Ukraine.
Jan Lipavsky, the Czech foreign minister, said on Thursday that the allies are moving toward a deal on strikes on Russian territory.
The Washington Post first reported the remarks.
"""


@pytest.fixture
def newsroom(tmp_path):
    """A wire folder with the WaPo seed (publisher from its sidecar) and three drafts."""
    wire = tmp_path / "wire"
    wire.mkdir()
    (wire / "wapo.txt").write_text(seed_text("wapo"), encoding="utf-8")
    (wire / "wapo.meta.json").write_text('{"publisher": "The Washington Post"}', encoding="utf-8")
    drafts = tmp_path / "drafts"
    drafts.mkdir()
    (drafts / "copied.txt").write_text("\n".join(WAPO_BODY[:8]) + "\n", encoding="utf-8")
    (drafts / "credited.txt").write_text(
        "\n".join(WAPO_BODY[:8]) + "\nThe Washington Post first reported the remarks.\n", encoding="utf-8")
    (drafts / "own.txt").write_text(
        "The city council of Tromsø voted on Tuesday to build a new harbour for fishing boats.\n"
        "The project will cost 240 million kroner, the mayor said, and should be ready in 2027.\n", encoding="utf-8")
    return tmp_path


def _check(run_cli, newsroom, *args):
    return run_cli("check", *args, "--against", newsroom / "wire")


def test_exit_0_when_nothing_fails_and_no_policy(run_cli, newsroom):
    """Without a policy, check reports and passes."""
    code, _, err = _check(run_cli, newsroom, newsroom / "drafts")
    assert (code, err) == (0, "")


def test_uncredited_copy_fails_and_credited_one_passes(run_cli, newsroom):
    """--fail-on uncredited: exit 1, and only the uncredited draft carries a finding."""
    code, out, _ = _check(run_cli, newsroom, newsroom / "drafts", "--fail-on", "uncredited", "--format", "json")
    assert code == 1
    results = {r["candidate"]["path"].rsplit("/", 1)[-1]: r for r in json.loads(out)["results"]}
    assert [f["rule"] for f in results["copied.txt"]["findings"]] == ["uncredited"]
    assert results["copied.txt"]["passed"] is False
    assert results["credited.txt"]["findings"] == [] and results["credited.txt"]["passed"] is True
    assert results["own.txt"]["passed"] is True
    code, _, _ = _check(run_cli, newsroom, newsroom / "drafts" / "credited.txt", "--fail-on", "uncredited")
    assert code == 0


def test_reworded_and_any_rules(run_cli, newsroom):
    """--fail-on reworded fails reworded reuse even when credited; verbatim reuse passes it; any fails all reuse."""
    reworded = newsroom / "drafts" / "reworded.txt"
    reworded.write_text(REWORDED_WAPO, encoding="utf-8")
    code, out, _ = _check(run_cli, newsroom, reworded, newsroom / "drafts" / "credited.txt", "--fail-on", "reworded",
                          "--format", "json")
    assert code == 1
    results = {r["candidate"]["path"].rsplit("/", 1)[-1]: r for r in json.loads(out)["results"]}
    assert [f["rule"] for f in results["reworded.txt"]["findings"]] == ["reworded"]
    assert results["credited.txt"]["passed"] is True  # verbatim, not reworded
    code, out, _ = _check(run_cli, newsroom, newsroom / "drafts" / "credited.txt", "--fail-on", "any")
    assert code == 1


def test_max_coverage(run_cli, newsroom):
    """--max-coverage fails a draft more of which comes from sources than allowed, whatever the credit."""
    credited = newsroom / "drafts" / "credited.txt"
    assert _check(run_cli, newsroom, credited, "--max-coverage", "0.5")[0] == 1
    assert _check(run_cli, newsroom, credited, "--max-coverage", "1")[0] == 0
    assert _check(run_cli, newsroom, newsroom / "drafts" / "own.txt", "--max-coverage", "0")[0] == 0


@pytest.mark.parametrize("args", [("--fail-on", "plagiarism"), ("--max-coverage", "1.5"), ("--format", "xml")])
def test_bad_gate_options_are_usage_errors(run_cli, newsroom, args):
    """A bad option value is exit 2 with one line, not a traceback."""
    code, out, err = _check(run_cli, newsroom, newsroom / "drafts", *args)
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) >= 1 and "Traceback" not in err


def test_junit_lists_each_candidate_as_a_test_case(run_cli, newsroom):
    """JUnit XML: one test case per draft; the uncredited one fails with its message."""
    code, out, _ = _check(run_cli, newsroom, newsroom / "drafts", "--fail-on", "uncredited", "--format", "junit")
    assert code == 1
    suite = ElementTree.fromstring(out).find("testsuite")
    cases = {case.get("name").rsplit("/", 1)[-1]: case for case in suite.findall("testcase")}
    assert sorted(cases) == ["copied.txt", "credited.txt", "own.txt"]
    assert suite.get("tests") == "3" and suite.get("failures") == "1"
    failure = cases["copied.txt"].find("failure")
    assert failure is not None and "uncredited reuse of The Washington Post" in failure.get("message")
    assert cases["own.txt"].find("failure") is None
    assert "derivation:" in cases["own.txt"].find("system-out").text


def test_github_annotations_point_at_the_first_reused_line(run_cli, newsroom):
    """GitHub workflow commands: an ::error on the line and column where the reuse starts."""
    draft = newsroom / "drafts" / "late.txt"
    draft.write_text("A new opening line written by our reporter, with no copying at all here.\n"
                     + "\n".join(WAPO_BODY[:8]) + "\n", encoding="utf-8")
    code, out, _ = _check(run_cli, newsroom, draft, "--fail-on", "uncredited", "--format", "github")
    assert code == 1
    (line,) = out.strip().splitlines()
    assert line.startswith(f"::error file={draft},line=2,col=1,")
    assert "title=dedupe%3A uncredited::uncredited reuse of The Washington Post" in line
    code, out, _ = _check(run_cli, newsroom, newsroom / "drafts" / "own.txt", "--fail-on", "uncredited",
                          "--format", "github")
    assert code == 0 and out.startswith("::notice ")


def test_defaults_from_setup_cfg(run_cli, newsroom, monkeypatch):
    """[dedupe] in setup.cfg gives sources, policy and format; the command line wins."""
    (newsroom / "setup.cfg").write_text("[metadata]\nname = x\n\n[dedupe]\nagainst = wire/\n"
                                        "fail-on = uncredited\nformat = json\n", encoding="utf-8")
    monkeypatch.chdir(newsroom / "drafts")  # found from a subfolder, `against` relative to the file
    code, out, _ = run_cli("check", "copied.txt")
    assert code == 1 and json.loads(out)["results"][0]["findings"][0]["rule"] == "uncredited"
    code, out, _ = run_cli("check", "copied.txt", "--fail-on", "reworded", "--format", "text")
    assert code == 0 and "derivation: whole" in out


def test_defaults_from_pyproject(run_cli, newsroom, monkeypatch):
    """[tool.dedupe] in pyproject.toml works the same way."""
    (newsroom / "pyproject.toml").write_text('[tool.dedupe]\nagainst = ["wire"]\nmax-coverage = 0.2\n',
                                             encoding="utf-8")
    monkeypatch.chdir(newsroom)
    assert run_cli("check", "drafts/copied.txt")[0] == 1
    assert run_cli("check", "drafts/own.txt")[0] == 0


@pytest.mark.parametrize("name, content", [
    ("setup.cfg", "[dedupe]\nfail-on = uncredited\nwhatever = 1\n"),
    ("setup.cfg", "[dedupe\nbroken"),
    ("pyproject.toml", "[tool.dedupe]\nmax-coverage = 'lots'\n"),
    ("pyproject.toml", "[tool.dedupe\n"),
])
def test_bad_config_is_one_line_naming_the_file(run_cli, newsroom, monkeypatch, name, content):
    """A configuration file that cannot be used is exit 2 with one line naming it."""
    (newsroom / name).write_text(content, encoding="utf-8")
    monkeypatch.chdir(newsroom)
    code, out, err = run_cli("check", "drafts/copied.txt", "--against", "wire")
    assert code == 2 and out == ""
    (line,) = err.strip().splitlines()
    assert name in line


def test_no_sources_anywhere_is_a_usage_error(run_cli, tmp_path, monkeypatch):
    """No --against and no configuration: exit 2 saying how to give sources."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a.txt").write_text(seed_text("nyt"), encoding="utf-8")
    code, _, err = run_cli("check", "a.txt")
    assert code == 2 and "--against" in err


def test_setup_cfg_names_publishers_in_against(run_cli, newsroom, monkeypatch):
    """`against = NAME=PATH other/` in setup.cfg names the publisher, as on the command line."""
    (newsroom / "setup.cfg").write_text("[dedupe]\nagainst = Ledger=wire\n", encoding="utf-8")
    (newsroom / "wire" / "wapo.meta.json").unlink()
    monkeypatch.chdir(newsroom)
    code, out, _ = run_cli("check", "drafts/copied.txt", "--format", "json")
    assert code == 0
    assert json.loads(out)["results"][0]["sources"][0]["publisher"] == "Ledger"


# --- failing closed (issue 10) -----------------------------------------------------


@pytest.fixture
def broken_draft(newsroom):
    """A draft that cannot be read (binary), next to the readable ones."""
    broken = newsroom / "drafts" / "zz-broken.txt"
    broken.write_bytes(b"\x00\x01\x02\xff\xfe" * 200)
    return broken


def test_unreadable_draft_fails_the_gate_in_every_format(run_cli, newsroom, broken_draft):
    """`dedupe check drafts/own.txt drafts/zz-broken.txt` used to exit 0: the broken draft showed
    only on stderr. Now it fails the run (exit 2) and is reported in each format."""
    own = newsroom / "drafts" / "own.txt"
    code, out, err = _check(run_cli, newsroom, own, broken_draft)
    assert code == 2
    assert "zz-broken.txt" in err and "zz-broken.txt" in out and "could not be read" in out
    code, out, _ = _check(run_cli, newsroom, own, broken_draft, "--format", "json")
    document = json.loads(out)
    assert code == 2 and document["passed"] is False
    assert [entry["path"] for entry in document["unread"]] == [str(broken_draft)]
    code, out, _ = _check(run_cli, newsroom, own, broken_draft, "--format", "junit")
    suite = ElementTree.fromstring(out).find("testsuite")
    assert code == 2 and suite.get("errors") == "1" and suite.get("tests") == "2"
    (errored,) = [case for case in suite.findall("testcase") if case.find("error") is not None]
    assert errored.get("name") == str(broken_draft)
    assert "could not be read" in errored.find("error").get("message")
    code, out, _ = _check(run_cli, newsroom, own, broken_draft, "--format", "github")
    assert code == 2
    assert any(line.startswith(f"::error file={broken_draft},title=dedupe%3A unreadable::could not be read")
               for line in out.splitlines())


def test_unreadable_draft_fails_even_when_the_others_break_the_policy(run_cli, newsroom, broken_draft):
    """Findings and an unreadable draft together: the run still exits 2, and the findings are reported."""
    code, out, _ = _check(run_cli, newsroom, newsroom / "drafts", "--fail-on", "uncredited", "--format", "json")
    document = json.loads(out)
    assert code == 2
    assert any(r["findings"] for r in document["results"]) and document["unread"]


def test_library_check_does_not_pass_what_it_could_not_read(newsroom, broken_draft):
    """dedupe.check: the unreadable candidate is in `unread`, and the result has not passed."""
    import dedupe

    result = dedupe.check([newsroom / "drafts" / "own.txt", broken_draft], against=[newsroom / "wire"])
    assert [problem.path for problem in result.unread] == [str(broken_draft)]
    assert result.passed is False
    assert dedupe.check([newsroom / "drafts" / "own.txt"], against=[newsroom / "wire"]).passed is True


def test_a_closed_pipe_does_not_turn_a_failed_gate_into_a_pass(newsroom):
    """`dedupe check … --format json | head -c 1` with pipefail: the reader goes away before the
    output is written, and the exit code is still the gate's 1, not 0."""
    import subprocess
    import sys

    process = subprocess.Popen(
        [sys.executable, "-m", "dedupe", "check", str(newsroom / "drafts" / "copied.txt"),
         "--against", str(newsroom / "wire"), "--fail-on", "uncredited", "--format", "json"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    process.stdout.close()  # the reader is gone before anything is written
    _, err = process.communicate(timeout=120)
    assert process.returncode == 1, err
    assert b"Traceback" not in err and b"Exception ignored" not in err


def test_both_config_files_in_one_folder_are_refused_until_one_is_chosen(run_cli, newsroom, monkeypatch):
    """pyproject.toml [tool.dedupe] beside setup.cfg [dedupe] used to win silently, losing the
    other's fail-on. Now the run stops with one line naming the folder; --config FILE picks one,
    and the file used is reported on stderr and in the JSON document."""
    (newsroom / "setup.cfg").write_text("[dedupe]\nagainst = wire/\nfail-on = uncredited\n", encoding="utf-8")
    (newsroom / "pyproject.toml").write_text('[tool.dedupe]\nagainst = ["wire"]\n', encoding="utf-8")
    monkeypatch.chdir(newsroom)
    code, out, err = run_cli("check", "drafts/copied.txt")
    assert code == 2 and out == ""
    (line,) = err.strip().splitlines()
    assert str(newsroom) in line and "setup.cfg" in line and "pyproject.toml" in line and "--config" in line
    code, out, err = run_cli("check", "drafts/copied.txt", "--config", "setup.cfg", "--format", "json")
    assert code == 1 and json.loads(out)["config"] == "setup.cfg" and "defaults from setup.cfg" in err
    code, out, err = run_cli("check", "drafts/copied.txt", "--config", "pyproject.toml", "--format", "json")
    assert code == 0 and json.loads(out)["config"] == "pyproject.toml"


@pytest.mark.parametrize("name, content, reason", [
    ("other.cfg", "[metadata]\nname = x\n", "has no [dedupe] section"),
    ("other.toml", "[tool.ruff]\nline-length = 100\n", "has no [tool.dedupe] section"),
    ("absent.cfg", None, "no such configuration file"),
])
def test_config_option_errors_name_the_file(run_cli, newsroom, monkeypatch, name, content, reason):
    monkeypatch.chdir(newsroom)
    if content is not None:
        (newsroom / name).write_text(content, encoding="utf-8")
    code, out, err = run_cli("check", "drafts/copied.txt", "--against", "wire", "--config", name)
    assert code == 2 and out == ""
    assert err.strip() == f"dedupe: {name}: {reason}"


def test_output_writes_any_format_to_a_file(run_cli, newsroom, tmp_path):
    """--output FILE: the document goes to the file, stdout stays empty, the exit code is the gate's."""
    target = tmp_path / "out"
    target.mkdir()
    for fmt, parse in (("json", json.loads), ("junit", ElementTree.fromstring), ("text", str)):
        path = target / f"check.{fmt}"
        code, out, _ = _check(run_cli, newsroom, newsroom / "drafts", "--fail-on", "uncredited",
                              "--format", fmt, "--output", path)
        assert (code, out) == (1, "")
        assert parse(path.read_text(encoding="utf-8"))
    code, out, err = _check(run_cli, newsroom, newsroom / "drafts", "--output", target / "missing" / "x.json")
    assert code == 2 and out == "" and "cannot be written" in err


def test_github_format_appends_a_step_summary(run_cli, newsroom, tmp_path, monkeypatch, broken_draft):
    """With $GITHUB_STEP_SUMMARY set, the github format appends a Markdown table of the drafts."""
    summary = tmp_path / "summary.md"
    summary.write_text("earlier step\n", encoding="utf-8")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    code, _, _ = _check(run_cli, newsroom, newsroom / "drafts", "--fail-on", "uncredited", "--format", "github")
    text = summary.read_text(encoding="utf-8")
    assert code == 2 and text.startswith("earlier step\n### dedupe check failed")
    assert "uncredited reuse of The Washington Post" in text
    assert "zz-broken.txt | - | - | could not be read" in text


def test_check_without_sources_uses_the_default_index_and_says_so(run_cli, newsroom, monkeypatch):
    """`dedupe check x.txt` with no --against used to stop with "no sources" even with an index
    built by `dedupe index add` in the working directory; it now checks against that index, and
    says so on stderr."""
    monkeypatch.chdir(newsroom)
    assert run_cli("index", "add", "wire")[0] == 0
    code, out, err = run_cli("check", "drafts/copied.txt", "--fail-on", "uncredited", "--format", "json")
    assert code == 1
    assert "checking against the default index .dedupe/index.db" in err
    (result,) = json.loads(out)["results"]
    assert result["derivation"] == "whole" and result["sources"][0]["publisher"] == "The Washington Post"


def test_colour_and_quiet(run_cli, newsroom, monkeypatch):
    """--color always paints failures red and passes green in the text format (never JSON);
    auto off a terminal, NO_COLOR or --no-color give plain text; --quiet drops the notes on
    stderr (which config file was used) but never an error."""
    (newsroom / "setup.cfg").write_text("[dedupe]\nagainst = wire/\nfail-on = uncredited\n", encoding="utf-8")
    monkeypatch.chdir(newsroom)
    _, out, err = run_cli("check", "drafts/copied.txt", "drafts/own.txt", "--color", "always")
    assert "\x1b[31mFAILED\x1b[0m" in out and "\x1b[32mpassed\x1b[0m" in out
    assert "defaults from" in err
    _, out, _ = run_cli("check", "drafts/copied.txt", "--color", "always", "--format", "json")
    assert "\x1b[" not in out and json.loads(out)
    for args in (("--color", "auto"), ("--no-color",), ("--color", "always", "--no-color")):
        _, out, _ = run_cli("check", "drafts/copied.txt", *args)
        assert "\x1b[" not in out and "FAILED" in out
    code, out, err = run_cli("check", "drafts/copied.txt", "drafts/missing.txt", "--quiet")
    assert code == 2 and "defaults from" not in err and "missing.txt" in err


def test_check_json_lines_one_result_per_line(run_cli, newsroom, broken_draft):
    """--format jsonl: one compact JSON object per draft, then one per draft that could not be read."""
    code, out, _ = _check(run_cli, newsroom, newsroom / "drafts", "--fail-on", "uncredited", "--format", "jsonl")
    records = [json.loads(line) for line in out.splitlines()]
    assert code == 2 and len(records) == 4
    assert [r["candidate"]["path"].rsplit("/", 1)[-1] for r in records[:3]] == ["copied.txt", "credited.txt", "own.txt"]
    assert records[0]["passed"] is False and records[1]["passed"] is True
    assert records[3] == {"path": str(broken_draft), "reason": records[3]["reason"], "unread": True}
