"""Same-story, independent: does ``dedupe check`` call independent reports of one event derived?

A "copy" verdict is an accusation. Two reporters at one hearing or briefing
write the same names, ages, places, figures and quotations in their own
words; that is not copying, and the product must not call it derived
(issue 9). The goal: at most 2% of independent pairs called derived.

Every check is the library call ``dedupe check`` makes (:func:`dedupe.check`)
with default settings (or ``--set`` overrides); nothing of the matching is
reimplemented here. A verdict counts as *derived* when its ``derivation`` is
not ``none``.

1. **Same-event fixtures** (``fixtures/same-event``, see its README): for each
   pair of independent reports ``NN-a.txt`` / ``NN-b.txt``,
   ``dedupe.check([b], against=[a])`` and the reverse,
   ``dedupe.check([a], against=[b])``; a pair is *called derived* when either
   direction is. Pairs called derived are listed with their passages' text
   side by side, so a reader sees why. Controls ``copies/NN-source.txt`` /
   ``copies/NN-copy.txt`` (the copy really derives): the copy checked against
   its source; the share found should be 1 (a checker that calls nothing
   derived fails here).
2. ``--mrpc DIR`` (Dolan and Brockett, 2005; ``../shared/benchmarks/README.md``):
   the **test** pairs labelled 0, sentences of different outlets' reports of
   one story that are not paraphrases. Each sentence is written as a one-line
   article and the pair checked both ways, as above.
3. ``--clough DIR`` (Clough and Stevenson, 2011): the answers written without
   the source (category ``non``: 38 of the 95), each checked on its own
   against all five ``orig_task*.txt`` (the checker is not told the task).

Run (about 5 seconds with all three parts)::

    .venv/bin/python scripts/bench_independent.py fixtures/same-event
    .venv/bin/python scripts/bench_independent.py fixtures/same-event \\
        --mrpc ../shared/benchmarks/mrpc --clough ../shared/benchmarks/clough-stevenson
    .venv/bin/python scripts/bench_independent.py fixtures/same-event --set partial_coverage=0.2 --json
"""

from __future__ import annotations

import argparse
import csv
import re
import sys
import tempfile
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tabulate import tabulate

import dedupe
from dedupe.application import NoInputError
from dedupe.model import Verdict

sys.path.insert(0, str(Path(__file__).resolve().parent))
from benchlib import one_line, parse_settings, print_json, stopwatch, table  # noqa: E402

#: The share of independent pairs called derived the product must stay at or under.
GOAL = 0.02
MRPC_TEST = "msr_paraphrase_test.txt"
CLOUGH_LABELS = "file_information.csv"
PAIR = re.compile(r"^(\d+)-a\.txt$")
CONTROL = re.compile(r"^(\d+)-source\.txt$")
#: A row of the fixtures README's table of pairs: ``| NN | genre: detail | words a | ...``.
GENRE_ROW = re.compile(r"^\|\s*(\d+)\s*\|\s*([^|]+?)\s*\|\s*\d+\s*\|")
#: Double quotation marks (straight, curly, guillemets, and the two single quotes MRPC writes):
#: a passage with one on its candidate side carries (part of) a quotation.
QUOTE_MARK = re.compile(r"[\"“”«»„]|''")
#: Width of each side in the side-by-side passage tables.
SIDE_WIDTH = 64


# ---------------------------------------------------------------------------
# Checks
# ---------------------------------------------------------------------------


def derived(verdict: Verdict | None) -> bool:
    return verdict is not None and str(verdict.derivation) != "none"


def check_one(candidate: Path, sources: Sequence[Path], settings: dedupe.Settings) -> Verdict | None:
    """``dedupe.check([candidate], against=sources)``'s verdict; None when the
    candidate or every source cleans to nothing (reported, not counted)."""
    try:
        result = dedupe.check([candidate], against=list(sources), settings=settings)
    except NoInputError:
        return None
    if result.errors:
        raise SystemExit("; ".join(str(error) for error in result.errors))
    verdict, = result.verdicts
    return verdict


@dataclass(frozen=True)
class Pair:
    """Two articles checked against each other both ways."""

    name: str
    a: Path
    b: Path
    b_against_a: Verdict | None
    a_against_b: Verdict | None

    @property
    def called_derived(self) -> bool:
        return derived(self.b_against_a) or derived(self.a_against_b)

    @property
    def checked(self) -> bool:
        return self.b_against_a is not None and self.a_against_b is not None

    def directions(self) -> list[tuple[str, Verdict]]:
        """The directions called derived, labelled ``candidate against source``."""
        return [(label, v) for label, v in (("b against a", self.b_against_a), ("a against b", self.a_against_b))
                if derived(v)]


def check_pair(name: str, a: Path, b: Path, settings: dedupe.Settings) -> Pair:
    return Pair(name, a, b, check_one(b, [a], settings), check_one(a, [b], settings))


def verdict_data(verdict: Verdict | None) -> dict[str, Any] | None:
    """The figures and passages of a verdict, as JSON."""
    if verdict is None:
        return None
    return {
        "derivation": str(verdict.derivation),
        "rewording": None if verdict.rewording is None else str(verdict.rewording),
        "coverage": round(verdict.coverage, 3),
        "sources": [{"source": use.source.path, "derivation": str(use.derivation),
                     "coverage": round(use.coverage, 3), "source_coverage": round(use.source_coverage, 3),
                     "passages": [{"kind": str(p.kind), "similarity": round(p.similarity, 3),
                                   "kept": round(p.kept, 3), "candidate": p.a.of(verdict.candidate.text),
                                   "source": p.b.of(use.source.text)} for p in use.passages]}
                    for use in verdict.sources],
    }


def short(verdict: Verdict | None) -> str:
    """``partial 0.36`` (derivation and coverage), or ``unreadable``."""
    if verdict is None:
        return "unreadable"
    return f"{verdict.derivation} {verdict.coverage:.2f}"


def passages_table(verdict: Verdict, left: str, right: str) -> str:
    """The passages of a verdict, candidate and source text side by side."""
    rows = []
    for use in verdict.sources:
        for p in use.passages:
            rows.append([textwrap.fill(p.a.of(verdict.candidate.text), SIDE_WIDTH),
                         textwrap.fill(p.b.of(use.source.text), SIDE_WIDTH),
                         f"{p.kind}\n{p.similarity:.2f}"])
    return tabulate(rows, headers=[left, right, "kind\nsimilarity"], tablefmt="grid", disable_numparse=True)


def passage_kinds(verdicts: Sequence[Verdict]) -> list[dict[str, Any]]:
    """The passages behind verdicts, counted by kind: how many, how many carry a
    quotation mark on the candidate side, and their candidate-side characters."""
    counts: dict[str, dict[str, Any]] = {}
    for verdict in verdicts:
        for use in verdict.sources:
            for p in use.passages:
                text = p.a.of(verdict.candidate.text)
                row = counts.setdefault(str(p.kind), {"kind": str(p.kind), "passages": 0, "with a quotation": 0,
                                                      "characters": 0})
                row["passages"] += 1
                row["with a quotation"] += bool(QUOTE_MARK.search(text))
                row["characters"] += len(text)
    return sorted(counts.values(), key=lambda row: -row["passages"])


def share(part: int, whole: int) -> float | None:
    return round(part / whole, 3) if whole else None


# ---------------------------------------------------------------------------
# 1. Same-event fixtures and controls
# ---------------------------------------------------------------------------


def headline(path: Path) -> str:
    return path.read_text(encoding="utf-8").split("\n", 1)[0].strip()


def body_words(path: Path) -> int:
    """Words after the headline line."""
    return len(path.read_text(encoding="utf-8").split("\n", 1)[-1].split())


def genres(corpus: Path) -> dict[str, str]:
    """Each pair's genre (the part before ``:``) from the README's table, if it has one."""
    readme = corpus / "README.md"
    if not readme.exists():
        return {}
    found = {}
    for line in readme.read_text(encoding="utf-8").splitlines():
        if match := GENRE_ROW.match(line):
            found[match.group(1)] = match.group(2).split(":")[0].strip()
    return found


def run_fixtures(corpus: Path, settings: dedupe.Settings) -> dict[str, Any]:
    names = sorted(m.group(1) for p in corpus.iterdir() if (m := PAIR.match(p.name)))
    if not names:
        raise SystemExit(f"{corpus}: no NN-a.txt / NN-b.txt pairs")
    missing = [n for n in names if not (corpus / f"{n}-b.txt").exists()]
    if missing:
        raise SystemExit(f"{corpus}: no NN-b.txt for {', '.join(missing)}")
    pairs = [check_pair(n, corpus / f"{n}-a.txt", corpus / f"{n}-b.txt", settings) for n in names]
    genre = genres(corpus)
    copies = corpus / "copies"
    controls = []
    if copies.is_dir():
        for n in sorted(m.group(1) for p in copies.iterdir() if (m := CONTROL.match(p.name))):
            source, copy = copies / f"{n}-source.txt", copies / f"{n}-copy.txt"
            if copy.exists():
                controls.append((n, source, copy, check_one(copy, [source], settings)))
    called = [p for p in pairs if p.called_derived]
    found = [c for c in controls if derived(c[3])]
    by_genre: dict[str, list[Pair]] = {}
    for pair in pairs:
        by_genre.setdefault(genre.get(pair.name, "(no genre)"), []).append(pair)
    return {
        "pairs": len(pairs),
        "called_derived": len(called),
        "share_called_derived": share(len(called), len(pairs)),
        "called_derived_one_way": sum(len(p.directions()) == 1 for p in called),
        "called_derived_both_ways": sum(len(p.directions()) == 2 for p in called),
        "by_genre": [{"genre": g, "pairs": len(ps), "called derived": sum(p.called_derived for p in ps)}
                     for g, ps in by_genre.items()],
        "per_pair": [{"pair": p.name, "genre": genre.get(p.name), "headline": headline(p.a),
                      "words_a": body_words(p.a), "words_b": body_words(p.b), "called_derived": p.called_derived,
                      "b_against_a": verdict_data(p.b_against_a), "a_against_b": verdict_data(p.a_against_b)}
                     for p in pairs],
        "controls": len(controls),
        "controls_found": len(found),
        "share_controls_found": share(len(found), len(controls)),
        "per_control": [{"pair": n, "headline": headline(source), "copy_against_source": verdict_data(v),
                         "found": derived(v)} for n, source, _, v in controls],
        "_pairs": pairs,
        "_controls": controls,
        "passages_behind_calls": passage_kinds([v for p in called for _, v in p.directions()]),
    }


# ---------------------------------------------------------------------------
# 2. MRPC test pairs labelled 0
# ---------------------------------------------------------------------------


def read_mrpc(root: Path) -> list[tuple[str, str, str, str]]:
    """The test split's pairs labelled 0: (id 1, id 2, sentence 1, sentence 2).
    The TSV is UTF-8 with a BOM; quotes are literal text, not CSV quoting."""
    path = root / MRPC_TEST
    with open(path, encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle, delimiter="\t", quoting=csv.QUOTE_NONE))
    if not rows or rows[0][0] != "Quality" or any(len(row) != 5 for row in rows[1:]):
        raise SystemExit(f"{path}: not the MRPC layout")
    return [(row[1], row[2], row[3], row[4]) for row in rows[1:] if row[0] == "0"]


def run_mrpc(root: Path, settings: dedupe.Settings) -> dict[str, Any]:
    sentences = read_mrpc(root)
    pairs = []
    with tempfile.TemporaryDirectory(prefix="bench-independent-mrpc-") as folder:
        for n, (id1, id2, one, two) in enumerate(sentences):
            a, b = Path(folder) / f"{n:04d}-{id1}.txt", Path(folder) / f"{n:04d}-{id2}.txt"
            a.write_text(one + "\n", encoding="utf-8")
            b.write_text(two + "\n", encoding="utf-8")
            pairs.append(check_pair(f"{id1}/{id2}", a, b, settings))
    checked = [p for p in pairs if p.checked]
    called = [p for p in checked if p.called_derived]
    return {
        "pairs": len(pairs),
        "unreadable": len(pairs) - len(checked),
        "checked": len(checked),
        "called_derived": len(called),
        "share_called_derived": share(len(called), len(checked)),
        "called_derived_pairs": [{"ids": p.name, "sentence_1": s1, "sentence_2": s2,
                                  "b_against_a": short(p.b_against_a), "a_against_b": short(p.a_against_b)}
                                 for p, (_, _, s1, s2) in zip(pairs, sentences) if p.called_derived],
    }


# ---------------------------------------------------------------------------
# 3. Clough-Stevenson answers written without the source
# ---------------------------------------------------------------------------


def run_clough(root: Path, settings: dedupe.Settings) -> dict[str, Any]:
    with open(root / CLOUGH_LABELS, newline="", encoding="utf-8-sig") as handle:
        rows = [{k.strip(): (v or "").strip() for k, v in row.items()} for row in csv.DictReader(handle)]
    originals = sorted(root / row["File"] for row in rows if row["Category"] == "orig")
    answers = [row for row in rows if row["Category"] == "non"]
    if not originals or not answers:
        raise SystemExit(f"{root}: no orig or non rows in {CLOUGH_LABELS}")
    results = [(row, check_one(root / row["File"], originals, settings)) for row in answers]
    checked = [(row, v) for row, v in results if v is not None]
    called = [(row, v) for row, v in checked if derived(v)]
    return {
        "answers": len(answers),
        "sources": len(originals),
        "unreadable": len(answers) - len(checked),
        "called_derived": len(called),
        "share_called_derived": share(len(called), len(checked)),
        "per_answer": [{"file": row["File"], "task": row["Task"], **(verdict_data(v) or {"derivation": None})}
                       for row, v in results],
        "_called": called,
    }


# ---------------------------------------------------------------------------
# Output
# ---------------------------------------------------------------------------


def summary(results: dict[str, Any]) -> list[dict[str, Any]]:
    fixtures = results["fixtures"]
    rows = [{"part": "same-event pairs (independent)", "checked": fixtures["pairs"],
             "called derived": fixtures["called_derived"], "share called derived": fixtures["share_called_derived"],
             "goal": f"<= {GOAL}"},
            {"part": "controls (real copies)", "checked": fixtures["controls"],
             "called derived": fixtures["controls_found"], "share called derived": fixtures["share_controls_found"],
             "goal": "1.0 (all found)"}]
    if "mrpc" in results:
        mrpc = results["mrpc"]
        rows.append({"part": "MRPC test, label 0", "checked": mrpc["checked"], "called derived": mrpc["called_derived"],
                     "share called derived": mrpc["share_called_derived"], "goal": f"<= {GOAL}"})
    if "clough" in results:
        clough = results["clough"]
        rows.append({"part": "Clough-Stevenson non vs 5 sources", "checked": clough["answers"] - clough["unreadable"],
                     "called derived": clough["called_derived"],
                     "share called derived": clough["share_called_derived"], "goal": f"<= {GOAL}"})
    return rows


def report(results: dict[str, Any], examples: int) -> None:
    fixtures = results["fixtures"]
    print(f"Same-story, independent: {fixtures['pairs']} same-event pairs and {fixtures['controls']} controls "
          f"from {results['corpus']}; default settings"
          + (f" with {', '.join(results['overrides'])}" if results["overrides"] else "") + "\n")
    print(table(summary(results)))
    print(f"\nShare called derived (same-event pairs): {fixtures['share_called_derived']} "
          f"(goal <= {GOAL}; {fixtures['called_derived_one_way']} called one way only, "
          f"{fixtures['called_derived_both_ways']} both ways)")

    print("\nSame-event pairs (b against a, a against b: derivation and coverage)")
    print(table([{"pair": p["pair"], "genre": p["genre"] or "", "headline (a)": one_line(p["headline"], 48),
                  "words a": p["words_a"], "words b": p["words_b"],
                  "b against a": short_data(p["b_against_a"]), "a against b": short_data(p["a_against_b"]),
                  "called derived": "yes" if p["called_derived"] else "no"} for p in fixtures["per_pair"]]))
    print("\nBy genre\n" + table(fixtures["by_genre"]))
    print("\nPassages behind the pairs called derived (every direction called), by kind\n"
          + table(fixtures["passages_behind_calls"]))

    print("\nControls (copy against its source)")
    print(table([{"pair": c["pair"], "headline (source)": one_line(c["headline"], 56),
                  "copy against source": short_data(c["copy_against_source"]),
                  "rewording": (c["copy_against_source"] or {}).get("rewording") or "",
                  "found": "yes" if c["found"] else "MISSED"} for c in fixtures["per_control"]]))

    called = [p for p in fixtures["_pairs"] if p.called_derived]
    print(f"\nSame-event pairs called derived, with their passages ({len(called)}; first {examples})")
    for pair in called[:examples]:
        print(f"\n{pair.name}: {headline(pair.a)}")
        for label, verdict in pair.directions():
            candidate, source = ("b", "a") if label == "b against a" else ("a", "b")
            print(f"  {label}: {verdict.derivation}, rewording {verdict.rewording}, coverage {verdict.coverage:.2f}")
            print(textwrap.indent(passages_table(verdict, f"{pair.name}-{candidate} (candidate)",
                                                 f"{pair.name}-{source} (source)"), "  "))

    if "mrpc" in results:
        mrpc = results["mrpc"]
        print(f"\nMRPC test pairs labelled 0: {mrpc['checked']} checked ({mrpc['unreadable']} unreadable), "
              f"{mrpc['called_derived']} called derived, share {mrpc['share_called_derived']}")
        rows = mrpc["called_derived_pairs"][:examples]
        if rows:
            print(tabulate([[r["ids"], textwrap.fill(r["sentence_1"], 56), textwrap.fill(r["sentence_2"], 56),
                             f"{r['b_against_a']}\n{r['a_against_b']}"] for r in rows],
                           headers=["ids", "sentence 1", "sentence 2", "2 vs 1\n1 vs 2"], tablefmt="grid",
                           disable_numparse=True))

    if "clough" in results:
        clough = results["clough"]
        print(f"\nClough-Stevenson answers written without the source: {clough['answers']} against "
              f"{clough['sources']} sources, {clough['called_derived']} called derived, "
              f"share {clough['share_called_derived']}")
        for row, verdict in clough["_called"][:examples]:
            top = verdict.sources[0].source.path if verdict.sources else ""
            print(f"\n{row['File']} (task {row['Task']}): {verdict.derivation}, coverage {verdict.coverage:.2f}, "
                  f"top source {Path(top).name}")
            print(textwrap.indent(passages_table(verdict, "answer", "source"), "  "))
    print(f"\nWall time: {results['wall_seconds']} s")


def short_data(data: dict[str, Any] | None) -> str:
    return "unreadable" if data is None else f"{data['derivation']} {data['coverage']:.2f}"


def public(results: dict[str, Any]) -> dict[str, Any]:
    """The results without the in-memory verdicts (keys starting ``_``)."""
    if isinstance(results, dict):
        return {k: public(v) for k, v in results.items() if not k.startswith("_")}
    return results


# ---------------------------------------------------------------------------
# Main
# ---------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("corpus", type=Path, metavar="SAME_EVENT_DIR",
                        help="NN-a.txt / NN-b.txt independent pairs, controls in copies/ (fixtures/same-event)")
    parser.add_argument("--mrpc", type=Path, metavar="DIR", help="the mrpc directory (msr_paraphrase_test.txt)")
    parser.add_argument("--clough", type=Path, metavar="DIR",
                        help="the Clough-Stevenson directory (file_information.csv, orig_task*.txt)")
    parser.add_argument("--set", action="append", default=[], metavar="NAME=VALUE",
                        help="override a dedupe.Settings field (repeatable)")
    parser.add_argument("--examples", type=int, default=40,
                        help="pairs called derived to list with their passages, per part (default: 40)")
    parser.add_argument("--json", action="store_true", help="print one JSON document instead of tables")
    args = parser.parse_args(argv)
    settings = parse_settings(args.set)

    results: dict[str, Any] = {"corpus": str(args.corpus), "overrides": args.set, "goal": GOAL,
                               "settings": settings.as_dict()}
    with stopwatch() as total:
        with stopwatch() as clock:
            results["fixtures"] = run_fixtures(args.corpus, settings)
        results["fixtures"]["seconds"] = clock["seconds"]
        if args.mrpc:
            with stopwatch() as clock:
                results["mrpc"] = run_mrpc(args.mrpc, settings)
            results["mrpc"]["seconds"] = clock["seconds"]
        if args.clough:
            with stopwatch() as clock:
                results["clough"] = run_clough(args.clough, settings)
            results["clough"]["seconds"] = clock["seconds"]
    results["wall_seconds"] = total["seconds"]
    results["summary"] = summary(results)
    if args.json:
        print_json(public(results))
        return 0
    report(results, args.examples)
    return 0


if __name__ == "__main__":
    sys.exit(main())
