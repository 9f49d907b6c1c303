"""Clough–Stevenson benchmark: does ``dedupe check`` tell reused short answers
from independent ones, and how reworded they are?

The corpus (Paul Clough and Mark Stevenson, "Developing a corpus of
plagiarised short answers", Language Resources and Evaluation 45(1):5-24,
2011, doi:10.1007/s10579-009-9112-1) holds 95 short answers to five computer
science questions. Each answer was written under one instruction: ``cut``
(copy and paste from the Wikipedia source), ``light`` (light revision),
``heavy`` (heavy revision) or ``non`` (written independently, without the
source). The five sources are ``orig_task{a..e}.txt``.

The run is exactly what ``dedupe check ANSWERS --against SOURCES`` does,
through the library call the CLI makes (:func:`dedupe.application.check`):
every file read and decoded by :func:`dedupe.reading.read_document` (17
answers are cp1252, not UTF-8), cleaned, boilerplate learned over all of
them, then **all 95 answers against all 5 sources** (retrieval: the checker is
not told which question an answer belongs to), judged.

Scores:

* binary: reused (cut, light, heavy) against ``non``, predicting reused when
  ``derivation != "none"``;
* four classes: cut<->verbatim, light<->light, heavy<->heavy, non<->none, the
  prediction being the rewording when derivation is not ``none``, else none;
* source retrieval: whether the top source (largest coverage) is the answer's
  own task's original.

Analysis: the distributions of coverage and of length-weighted kept share
per true class, and the thresholds (``Settings.partial_coverage``,
``verbatim_kept_share``, ``light_kept_share``) that would score best.
Thresholds fitted on the corpus they are scored on flatter the product, so
the script reports three figures: the defaults (the fair one), the in-sample
best (an upper bound, not a result), and two honest estimates of tuned
thresholds: fitted on the corpus's own train split and scored on
``test_info.csv``'s answers, and leave-one-out cross-validation.

Run (about 5 seconds)::

    .venv/bin/python scripts/bench_clough.py ../shared/benchmarks/clough-stevenson
    .venv/bin/python scripts/bench_clough.py ../shared/benchmarks/clough-stevenson --json
"""

from __future__ import annotations

import argparse
import csv
import os
import sys
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from functools import cached_property
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from benchlib import binary_scores, one_line, print_json, stopwatch, table  # noqa: E402
from tabulate import tabulate  # noqa: E402

from dedupe.application import check  # noqa: E402
from dedupe.model import AlignedPassage, Verdict  # noqa: E402
from dedupe.reading import read_document  # noqa: E402
from dedupe.settings import DEFAULT_SETTINGS, Settings  # noqa: E402

CATEGORIES = ("cut", "light", "heavy", "non")
#: Which verdict each instruction should produce.
EXPECTED = {"cut": "verbatim", "light": "light", "heavy": "heavy", "non": "none"}
PREDICTIONS = ("verbatim", "light", "heavy", "none")


@dataclass(frozen=True)
class Answer:
    """One labelled answer and what the checker made of it."""

    file: str
    task: str
    category: str
    encoding: str
    verdict: Verdict

    @property
    def reused(self) -> bool:
        return self.category != "non"

    @property
    def coverage(self) -> float:
        return self.verdict.coverage

    @cached_property
    def taken(self) -> list[AlignedPassage]:
        """The passages that count as taken text (not shared quotes or shared facts)."""
        return [p for use in self.verdict.sources for p in use.passages if p.taken]

    def derived(self, partial_coverage: float, settings: Settings = DEFAULT_SETTINGS) -> bool:
        """Whether judge() finds a derivation with this ``partial_coverage`` (the same rule as
        verdicts._derivation, over all sources together and over each source)."""
        def enough(taken: Sequence[AlignedPassage]) -> bool:
            return sum(p.evidence.free_words for p in taken) >= settings.min_evidence_words

        if enough(self.taken) and self.coverage >= partial_coverage:
            return True
        for use in self.verdict.sources:
            taken = [p for p in use.passages if p.taken]
            if enough(taken) and (use.coverage >= partial_coverage
                                  or use.source_coverage >= settings.partial_source_coverage):
                return True
        return False

    @cached_property
    def similarity(self) -> float | None:
        """Length-weighted kept share (dedupe.alignment.kept_share) of all passages taken, as the
        verdict stage weighs it (``verdicts._rewording``); None without passages."""
        passages = self.taken
        total = sum(len(p.a) for p in passages)
        if not total:
            return None
        return sum(p.kept * len(p.a) for p in passages) / total

    @cached_property
    def all_identical(self) -> bool:
        return bool(self.taken) and all(p.kind == "identical" for p in self.taken)

    @property
    def top_source(self) -> str | None:
        return os.path.basename(self.verdict.sources[0].source.path) if self.verdict.sources else None


# ---------------------------------------------------------------------------
# Loading and checking
# ---------------------------------------------------------------------------


def read_labels(path: Path) -> list[dict[str, str]]:
    """``File,Task,Category`` rows, whitespace and CR stripped (the file has
    CRLF line ends and no newline after its last row)."""
    with open(path, newline="", encoding="utf-8-sig") as handle:
        rows = [{key.strip(): (value or "").strip() for key, value in row.items()} for row in csv.DictReader(handle)]
    for row in rows:
        if row["Category"] not in (*CATEGORIES, "orig"):
            raise SystemExit(f"{path}: unknown category {row['Category']!r} for {row['File']}")
    return rows


def check_corpus(corpus: Path, settings: Settings) -> tuple[list[dict[str, str]], list[str], list[Verdict]]:
    """Labels, the encodings of the answers then the originals, and the answers' verdicts: ``dedupe check
    ANSWERS --against ORIGINALS``, through the library call the CLI makes."""
    rows = read_labels(corpus / "file_information.csv")
    answers = [corpus / row["File"] for row in rows if row["Category"] != "orig"]
    originals = [corpus / row["File"] for row in rows if row["Category"] == "orig"]
    result = check(answers, against=originals, settings=settings)
    if result.errors:
        raise SystemExit("; ".join(str(error) for error in result.errors))
    return rows, [read_document(path).encoding for path in [*answers, *originals]], list(result.verdicts)


# ---------------------------------------------------------------------------
# Scores
# ---------------------------------------------------------------------------


def predicted(derivation: str, rewording: str | None) -> str:
    """The four-class label of a verdict: its rewording when it derives from
    a source at all, else ``none``."""
    if derivation == "none":
        return "none"
    return rewording or "heavy"  # a derivation without passages cannot happen


def scores(answers: Sequence[Answer], labels: Sequence[str]) -> dict[str, float]:
    """Binary scores and four-class accuracy of predicted labels."""
    binary = binary_scores([p != "none" for p in labels], [a.reused for a in answers])
    correct = sum(EXPECTED[a.category] == p for a, p in zip(answers, labels))
    return {**binary, "four_class_accuracy": round(correct / len(answers), 3) if answers else 0.0}


def confusion(answers: Sequence[Answer], labels: Sequence[str]) -> dict[str, object]:
    """Counts of (instruction, verdict), with each class's recall and each
    verdict's precision."""
    counts = Counter((a.category, p) for a, p in zip(answers, labels))
    matrix = {c: {p: counts[c, p] for p in PREDICTIONS} for c in CATEGORIES}
    recall = {c: _ratio(matrix[c][EXPECTED[c]], sum(matrix[c].values())) for c in CATEGORIES}
    precision = {EXPECTED[c]: _ratio(matrix[c][EXPECTED[c]], sum(matrix[o][EXPECTED[c]] for o in CATEGORIES))
                 for c in CATEGORIES}
    return {"matrix": matrix, "recall": recall, "precision": precision}


def confusion_table(data: dict[str, object]) -> str:
    matrix, recall, precision = data["matrix"], data["recall"], data["precision"]  # type: ignore[index]
    rows = [[f"{c} (expect {EXPECTED[c]})", *(matrix[c][p] for p in PREDICTIONS), sum(matrix[c].values()),
             f"{recall[c]:.3f}"] for c in CATEGORIES]
    rows.append(["precision", *(f"{precision[p]:.3f}" for p in PREDICTIONS), "", ""])
    return tabulate(rows, headers=["instruction \\ verdict", *PREDICTIONS, "n", "recall"], disable_numparse=True,
                    colalign=("left", *["right"] * (len(PREDICTIONS) + 2)))


def _ratio(part: int, whole: int) -> float:
    return round(part / whole, 3) if whole else 0.0


def retrieval(answers: Sequence[Answer]) -> list[dict[str, object]]:
    """Per class: is the top source the answer's own task's original?"""
    rows = []
    for category in CATEGORIES:
        members = [a for a in answers if a.category == category]
        right = sum(a.top_source == f"orig_task{a.task}.txt" for a in members)
        wrong = sum(a.top_source is not None and a.top_source != f"orig_task{a.task}.txt" for a in members)
        rows.append({"class": category, "n": len(members), "top source right": right, "top source wrong": wrong,
                     "no source": len(members) - right - wrong,
                     "accuracy": right / len(members) if members else 0.0})
    reused = [a for a in answers if a.reused]
    found = [a for a in reused if a.top_source]
    right = sum(a.top_source == f"orig_task{a.task}.txt" for a in reused)
    rows.append({"class": "reused (cut+light+heavy)", "n": len(reused), "top source right": right,
                 "top source wrong": len(found) - right, "no source": len(reused) - len(found),
                 "accuracy": right / len(reused) if reused else 0.0})
    return rows


def distribution(answers: Sequence[Answer], value: Callable[[Answer], float | None]) -> list[dict[str, object]]:
    rows = []
    for category in CATEGORIES:
        values = np.array([v for a in answers if a.category == category and (v := value(a)) is not None])
        n = sum(a.category == category for a in answers)
        row: dict[str, object] = {"class": category, "n": n, "with passages": len(values)}
        if len(values):
            for name, q in (("min", 0), ("p10", 10), ("p25", 25), ("median", 50), ("p75", 75), ("p90", 90),
                            ("max", 100)):
                row[name] = float(np.percentile(values, q))
            row["mean"] = float(values.mean())
        rows.append(row)
    return rows


# ---------------------------------------------------------------------------
# Thresholds
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Thresholds:
    partial_coverage: float
    verbatim_kept_share: float
    light_kept_share: float

    def label(self, answer: Answer) -> str:
        """What judge() would say with these thresholds (same rules as
        verdicts._derivation and verdicts._rewording)."""
        if not answer.derived(self.partial_coverage):
            return "none"
        similarity = answer.similarity
        if similarity is None:
            return "none"  # unreachable: coverage > 0 needs a passage
        if answer.all_identical or similarity >= self.verbatim_kept_share:
            return "verbatim"
        return "light" if similarity >= self.light_kept_share else "heavy"

    def as_dict(self) -> dict[str, float]:
        return {k: round(v, 3) for k, v in self.__dict__.items()}


def _cuts(values: Sequence[float]) -> list[tuple[float, float]]:
    """Candidate thresholds between consecutive distinct values, each with
    the width of its gap (wider gaps are safer choices among ties)."""
    points = sorted(set(round(v, 6) for v in values))
    cuts = [(points[0] - 0.01, 0.01)] if points else [(0.5, 1.0)]
    cuts += [((lo + hi) / 2, hi - lo) for lo, hi in zip(points, points[1:])]
    if points:
        cuts.append((points[-1] + 0.01, 0.01))
    return cuts


def fit(answers: Sequence[Answer]) -> Thresholds:
    """The thresholds that score best on ``answers``: ``partial_coverage``
    maximising binary F1, then the two similarity bars maximising four-class
    accuracy. Ties go to the cut in the widest gap between observed values."""

    def f1(cut: float) -> float:
        return binary_scores([a.derived(cut) for a in answers], [a.reused for a in answers])["f1"]

    partial = max(_cuts([a.coverage for a in answers if a.coverage > 0]),
                  key=lambda c: (f1(c[0]), c[1]))[0]
    kept = [a for a in answers if a.derived(partial) and a.similarity is not None]
    similarity_cuts = _cuts([a.similarity for a in kept])
    best: tuple[tuple[float, float], Thresholds] | None = None
    for verbatim, v_gap in similarity_cuts:
        for light, l_gap in similarity_cuts:
            if light > verbatim:
                continue
            thresholds = Thresholds(partial, verbatim, light)
            correct = sum(thresholds.label(a) == EXPECTED[a.category] for a in answers)
            key = (correct, min(v_gap, l_gap))
            if best is None or key > best[0]:
                best = (key, thresholds)
    assert best is not None
    return best[1]


def leave_one_out(answers: Sequence[Answer]) -> list[str]:
    """Each answer labelled by thresholds fitted on the other 94."""
    return [fit([b for j, b in enumerate(answers) if j != i]).label(a) for i, a in enumerate(answers)]


# ---------------------------------------------------------------------------
# Main
# ---------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("corpus", type=Path, metavar="CORPUS_DIR",
                        help="the Clough-Stevenson directory (file_information.csv, g*p*_task*.txt, orig_task*.txt)")
    parser.add_argument("--json", action="store_true", help="print one JSON document instead of tables")
    parser.add_argument("--examples", type=int, default=40, help="misclassified answers to list (default: 40)")
    args = parser.parse_args(argv)

    settings = DEFAULT_SETTINGS
    with stopwatch() as clock:
        rows, encodings, verdicts = check_corpus(args.corpus, settings)
    answer_rows = [row for row in rows if row["Category"] != "orig"]
    originals = [row for row in rows if row["Category"] == "orig"]
    answers = [Answer(row["File"], row["Task"], row["Category"], encoding, verdict)
               for row, encoding, verdict in zip(answer_rows, encodings, verdicts)]
    sources = {use.source.path: use.source for verdict in verdicts for use in verdict.sources}
    debris = Counter(str(d.reason) for article in [*(v.candidate for v in verdicts), *sources.values()]
                     for d in article.debris)

    default_labels = [predicted(a.verdict.derivation, a.verdict.rewording) for a in answers]
    default_thresholds = Thresholds(settings.partial_coverage, settings.verbatim_kept_share,
                                    settings.light_kept_share)
    # The threshold simulation must agree with judge() itself.
    assert [default_thresholds.label(a) for a in answers] == default_labels

    with stopwatch() as tuning_clock:
        in_sample = fit(answers)
        # The check again with the fitted thresholds, to score the product, not the simulation.
        tuned_settings = replace(settings, **in_sample.__dict__)
        _, _, tuned_verdicts = check_corpus(args.corpus, tuned_settings)
        tuned_labels = [predicted(v.derivation, v.rewording) for v in tuned_verdicts]
        assert tuned_labels == [in_sample.label(a) for a in answers]
        test_files = _test_split(args.corpus)
        train = [a for a in answers if a.file not in test_files]
        test = [a for a in answers if a.file in test_files]
        split_thresholds = fit(train) if test_files else None
        loo_labels = leave_one_out(answers)

    figures = [
        {"setting": "default Settings (fair)", "answers": len(answers), **default_thresholds.as_dict(),
         **scores(answers, default_labels)},
        {"setting": "tuned on all 95, scored on them (optimistic)", "answers": len(answers), **in_sample.as_dict(),
         **scores(answers, tuned_labels)},
    ]
    if split_thresholds is not None:
        figures.append({"setting": f"tuned on train split ({len(train)}), scored on test_info ({len(test)})",
                        "answers": len(test), **split_thresholds.as_dict(),
                        **scores(test, [split_thresholds.label(a) for a in test])})
        figures.append({"setting": "default Settings on the same test split", "answers": len(test),
                        **default_thresholds.as_dict(),
                        **scores(test, [default_thresholds.label(a) for a in test])})
    figures.append({"setting": "leave-one-out (tuned on 94, scored on the 1)", "answers": len(answers),
                    "partial_coverage": "varies", "verbatim_kept_share": "varies",
                    "light_kept_share": "varies", **scores(answers, loo_labels)})

    misses = [
        {"file": a.file, "true": a.category, "predicted": p, "derivation": a.verdict.derivation,
         "coverage": a.coverage, "similarity": a.similarity if a.similarity is not None else "",
         "top source": a.top_source or "", "text": one_line(a.verdict.candidate.cleaned_text, 90)}
        for a, p in zip(answers, default_labels) if p != EXPECTED[a.category]
    ]
    encoding_counts = Counter(encodings)
    result = {
        "corpus": str(args.corpus),
        "answers": len(answers),
        "sources": len(originals),
        "seconds_check": clock["seconds"],
        "seconds_tuning": tuning_clock["seconds"],
        "encodings": dict(encoding_counts),
        "non_utf8_files": sorted(row["File"] for row, encoding in zip(
            [*answer_rows, *(r for r in rows if r["Category"] == "orig")], encodings) if encoding != "utf-8"),
        "debris_removed": dict(debris),
        "figures": figures,
        "confusion_default": confusion(answers, default_labels),
        "confusion_tuned_in_sample": confusion(answers, tuned_labels),
        "retrieval": retrieval(answers),
        "coverage_by_class": distribution(answers, lambda a: a.coverage),
        "similarity_by_class": distribution(answers, lambda a: a.similarity),
        "misclassified_default": misses,
        "per_answer": [
            {"file": a.file, "task": a.task, "category": a.category, "encoding": a.encoding,
             "derivation": a.verdict.derivation, "rewording": a.verdict.rewording,
             "coverage": round(a.coverage, 3), "similarity": None if a.similarity is None else round(a.similarity, 3),
             "top_source": a.top_source, "predicted": p}
            for a, p in zip(answers, default_labels)
        ],
    }
    if args.json:
        print_json(result)
        return 0

    print(f"Clough-Stevenson: {len(answers)} answers against {len(originals)} sources "
          f"(check {clock['seconds']} s, threshold fitting {tuning_clock['seconds']} s)")
    print(f"Encodings (dedupe.reading.read_document): {dict(encoding_counts)}; non-UTF-8: "
          f"{', '.join(result['non_utf8_files']) or 'none'}")
    print(f"Debris the cleaner removed from answers and sources: {dict(debris) or 'none'}\n")
    print("Scores\n" + table(figures) + "\n")
    print("Confusion, default Settings (rows: instruction given; columns: verdict)\n"
          + confusion_table(result["confusion_default"]) + "\n")
    print("Confusion, thresholds tuned on all 95 (optimistic)\n"
          + confusion_table(result["confusion_tuned_in_sample"]) + "\n")
    print("Source retrieval: is the top source the answer's own task's original?\n"
          + table(result["retrieval"]) + "\n")
    print("Coverage (share of the answer's body inside passages) by true class\n"
          + table(result["coverage_by_class"]) + "\n")
    print("Length-weighted kept share of the passages by true class\n"
          + table(result["similarity_by_class"]) + "\n")
    print(f"Misclassified with default Settings ({len(misses)}; first {args.examples})\n"
          + table(misses[: args.examples], floatfmt=".2f"))
    return 0


def _test_split(corpus: Path) -> set[str]:
    """The answers of the corpus's own ``test_info.csv`` split, if present."""
    path = corpus / "test_info.csv"
    if not path.exists():
        return set()
    return {row["File"] for row in read_labels(path) if row["Category"] != "orig"}


if __name__ == "__main__":
    sys.exit(main())
