"""MRPC: the aligner's sentence-level "same content" decision.

What it measures: for each sentence pair of the Microsoft Research Paraphrase
Corpus, ``dedupe.alignment.match_strength`` decides on the two sentences'
content terms (``dedupe.fingerprints.content_terms``) with rarity weights
(``term_weights``) computed over all sentences of the split, unsupervised:
no labels are used. A pair is predicted "same content" when the match is
``strong`` (the aligner's own evidence) and, as a variant, when it is strong
or ``weak`` (weak matches count in the aligner only next to a strong one).
Scores are accuracy, precision, recall and F1 of the positive class.

Comparators, computed in the same run: an unweighted Jaccard overlap of the
two sentences' word tokens at 0.5 (a standard unsupervised lexical
baseline), the same with its threshold tuned on the train split, and
"everything is a paraphrase" (MRPC is two-thirds positive, so F1 alone
flatters any permissive rule).

Tuning: ``Settings.min_word_similarity`` swept over 0.20..0.70 on the train
split; the test F1 at the train-best value is the legitimate figure (tune on
train, report test).

Command (under a minute)::

    .venv/bin/python scripts/bench_mrpc.py ../shared/benchmarks/mrpc
    .venv/bin/python scripts/bench_mrpc.py ../shared/benchmarks/mrpc --split train
    .venv/bin/python scripts/bench_mrpc.py ../shared/benchmarks/mrpc --json

Corpus: William B. Dolan and Chris Brockett: Automatically Constructing a
Corpus of Sentential Paraphrases. Third International Workshop on
Paraphrasing (IWP2005), 2005.
"""

from __future__ import annotations

import argparse
import csv
import dataclasses
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import dedupe
from dedupe.alignment import char_similarity, match_strength, term_weights, word_similarity
from dedupe.fingerprints import content_terms, tokens

sys.path.insert(0, str(Path(__file__).resolve().parent))
from benchlib import binary_scores, one_line, print_json, stopwatch, table  # noqa: E402

FILES = {"train": "msr_paraphrase_train.txt", "test": "msr_paraphrase_test.txt"}
SWEEP = [round(0.20 + 0.05 * k, 2) for k in range(11)]  # 0.20 .. 0.70
JACCARD_THRESHOLD = 0.5
JACCARD_SWEEP = [round(0.20 + 0.05 * k, 2) for k in range(13)]  # 0.20 .. 0.80


@dataclasses.dataclass(frozen=True)
class Pair:
    label: bool
    a: str
    b: str


@dataclasses.dataclass
class Split:
    """One split with what every rule needs, computed once."""

    name: str
    pairs: list[Pair]
    terms: list[tuple[frozenset[str], frozenset[str]]]
    weights: dict[str, float]

    @property
    def gold(self) -> list[bool]:
        return [p.label for p in self.pairs]


def read_pairs(path: Path) -> list[Pair]:
    """The TSV (header ``Quality #1 ID #2 ID #1 String #2 String``, UTF-8 with
    BOM). Quotes are literal text, not CSV quoting."""
    with open(path, encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle, delimiter="\t", quoting=csv.QUOTE_NONE))
    header, body = rows[0], rows[1:]
    if header[0] != "Quality" or any(len(row) != 5 for row in body):
        raise SystemExit(f"{path}: not the MRPC layout")
    return [Pair(row[0] == "1", row[3], row[4]) for row in body]


def load_split(root: Path, name: str) -> Split:
    pairs = read_pairs(root / FILES[name])
    terms = [(frozenset(content_terms(p.a)), frozenset(content_terms(p.b))) for p in pairs]
    weights = term_weights(t for pair in terms for t in pair)
    return Split(name, pairs, terms, weights)


def strengths(split: Split, settings: dedupe.Settings) -> list[str | None]:
    return [match_strength(ta, tb, p.a, p.b, split.weights, settings) for p, (ta, tb) in zip(split.pairs, split.terms)]


def jaccard(pair: Pair) -> float:
    a, b = set(tokens(pair.a)), set(tokens(pair.b))
    return len(a & b) / len(a | b) if a | b else 0.0


def best_threshold(values: Sequence[float], predict: Callable[[float], list[bool]], gold: list[bool]) -> float:
    """The value with the highest F1 (ties: the first)."""
    return max(values, key=lambda v: binary_scores(predict(v), gold, ndigits=None)["f1"])


def evaluate(split: Split, settings: dedupe.Settings, jaccard_tuned: float) -> list[dict[str, Any]]:
    found = strengths(split, settings)
    overlaps = [jaccard(p) for p in split.pairs]
    rules = {
        f"dedupe strong (min_word_similarity={settings.min_word_similarity})": [s == "strong" for s in found],
        "dedupe strong or weak": [s is not None for s in found],
        f"baseline: token Jaccard >= {JACCARD_THRESHOLD}": [j >= JACCARD_THRESHOLD for j in overlaps],
        f"baseline: token Jaccard >= {jaccard_tuned} (tuned on train)": [j >= jaccard_tuned for j in overlaps],
        "baseline: everything a paraphrase": [True] * len(split.pairs),
    }
    return [{"rule": name, "split": split.name, "pairs": len(split.pairs),
             "predicted positive": sum(predicted), **binary_scores(predicted, split.gold)}
            for name, predicted in rules.items()]


def sweep(train: Split, test: Split, settings: dedupe.Settings) -> tuple[list[dict[str, Any]], float]:
    rows, train_f1 = [], {}
    for value in SWEEP:
        tuned = dataclasses.replace(settings, min_word_similarity=value)
        on_train = [s == "strong" for s in strengths(train, tuned)]
        train_f1[value] = binary_scores(on_train, train.gold, ndigits=None)["f1"]
        train_scores = binary_scores(on_train, train.gold)
        test_scores = binary_scores([s == "strong" for s in strengths(test, tuned)], test.gold)
        rows.append({"min_word_similarity": value, "train accuracy": train_scores["accuracy"],
                     "train F1": train_scores["f1"], "test accuracy": test_scores["accuracy"],
                     "test F1": test_scores["f1"]})
    best = max(SWEEP, key=train_f1.__getitem__)
    for row in rows:
        row["train-best"] = "<-" if row["min_word_similarity"] == best else ""
    return rows, best


def containment(a: frozenset[str], b: frozenset[str], weights: dict[str, float]) -> float:
    """Weighted share of the smaller term set found in the other: 1.0 when one
    sentence says everything the other does (and maybe more)."""
    def weight(terms: frozenset[str]) -> float:
        return sum(weights.get(t, 1.0) for t in terms)

    smaller = min(weight(a), weight(b))
    return weight(a & b) / smaller if smaller else 0.0


def errors(split: Split, settings: dedupe.Settings, count: int) -> tuple[list[dict[str, Any]], list[str]]:
    """What the strong rule gets wrong: counts by likely cause, and examples."""
    found = strengths(split, settings)
    missed = [n for n, (p, s) in enumerate(zip(split.pairs, found)) if p.label and s != "strong"]
    false = [n for n, (p, s) in enumerate(zip(split.pairs, found)) if not p.label and s == "strong"]

    def share(n: int) -> int:
        return len(split.terms[n][0] & split.terms[n][1])

    def contained(n: int) -> bool:
        return containment(*split.terms[n], split.weights) >= 0.8

    causes = [
        {"error": "missed paraphrases", "count": len(missed)},
        {"error": f"  ... fewer than {settings.min_shared_words} shared content words",
         "count": sum(share(n) < settings.min_shared_words for n in missed)},
        {"error": f"  ... word similarity below {settings.min_word_similarity}",
         "count": sum(share(n) >= settings.min_shared_words for n in missed)},
        {"error": "false matches", "count": len(false)},
        {"error": "  ... one sentence's content >= 80% inside the other (extra or dropped details)",
         "count": sum(map(contained, false))},
        {"error": "  ... other overlap", "count": sum(not contained(n) for n in false)},
    ]
    lines = []
    for kind, picked in (("missed paraphrase", missed), ("false match", false)):
        for n in picked[:: max(1, len(picked) // count)][:count]:
            pair, (ta, tb) = split.pairs[n], split.terms[n]
            lines.append(f"{kind} (words {word_similarity(ta, tb, split.weights):.2f}, shared {len(ta & tb)}, "
                         f"containment {containment(ta, tb, split.weights):.2f}, "
                         f"characters {char_similarity(pair.a, pair.b):.2f}):")
            lines.append(f"    1: {one_line(pair.a, 200)}")
            lines.append(f"    2: {one_line(pair.b, 200)}")
    return causes, lines


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("corpus", type=Path, help="the mrpc directory")
    parser.add_argument("--split", choices=sorted(FILES), default="test", help="the split to report on")
    parser.add_argument("--examples", type=int, default=3, help="examples of each kind of error to print")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    args = parser.parse_args(argv)
    settings = dedupe.Settings()

    with stopwatch() as clock:
        train = load_split(args.corpus, "train")
        test = load_split(args.corpus, "test")
        chosen = test if args.split == "test" else train
        overlaps = [jaccard(p) for p in train.pairs]
        jaccard_tuned = best_threshold(JACCARD_SWEEP, lambda v: [j >= v for j in overlaps], train.gold)
        results = evaluate(chosen, settings, jaccard_tuned)
        sweep_rows, best = sweep(train, test, settings)
        tuned_results = evaluate(test, dataclasses.replace(settings, min_word_similarity=best), jaccard_tuned)[:1]
        causes, examples = errors(chosen, settings, args.examples)

    if args.json:
        print_json({"corpus": str(args.corpus), "split": args.split, "settings": settings.as_dict(),
                    "results": results, "sweep": sweep_rows, "train_best_min_word_similarity": best,
                    "test_at_train_best": tuned_results[0], "errors": causes, "wall_seconds": clock["seconds"]})
        return 0

    positives = sum(chosen.gold)
    print(f"MRPC {chosen.name}: {len(chosen.pairs)} pairs, {positives} paraphrases "
          f"({positives / len(chosen.pairs):.1%}); term weights over its {2 * len(chosen.pairs)} sentences; "
          "default settings\n")
    print(table(results))
    print(f"\nmin_word_similarity swept on train (the strong rule); test F1 at the train-best value {best}:")
    print(table(sweep_rows, floatfmt=".3f"))
    print()
    print(table(tuned_results))
    print(f"\nErrors of the strong rule at the default ({chosen.name}):")
    print(table(causes, indent=True))
    print("\n".join(examples))
    print(f"\nWall time: {clock['seconds']} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
