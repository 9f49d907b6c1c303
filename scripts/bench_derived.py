"""Derived-copies benchmark: passages and new claims against exact ground truth.

Generates copies of the seed fixtures (``scripts/derive_copies.py``: synonym
spinning, sentence reordering, deletion, truncation, splicing, inserted new
sentences, and combinations) in a temporary directory, checks them with the
judging procedure of every ``dedupe check``
(:func:`dedupe.provenance.judge_sources`: all copies against all fixtures),
and scores:

* **passages**: PAN's character-level measures (Potthast, Stein,
  Barrón-Cedeño and Rosso, "An Evaluation Framework for Plagiarism
  Detection", COLING 2010), macro precision and recall, granularity and
  plagdet (``benchlib.pan_measures``, the one implementation the scripts
  share), computed on the candidate side only and with source identity: a
  detection (a passage of a ``SourceUse``) counts for a case only when it
  overlaps the case in the copy and names the case's source document;
* **new claims**, sentence level: a predicted claim (``Verdict.new_claims``)
  is right when it overlaps an inserted claim sentence by at least half of
  the shorter of the two; recall likewise over the inserted claims.

The fixtures overlap among themselves (the BBC piece reworks passages of the
Washington Post one), so a copy of one may rightly also match the other. Such
detections count against precision in the strict figure; the "explained"
figure leaves out detections whose source passage the fixture comparison
itself aligns with the case's true source passage.

By default the copies and fixtures are cleaned one by one and judged without
learning boilerplate; ``--learn-boilerplate`` learns it over all of them
together, exactly as ``dedupe check`` does (many copies of few stories are
what that learner finds hardest).

Run (about 10 seconds for 60 copies)::

    .venv/bin/python scripts/bench_derived.py fixtures/seeds --count 60 --seed 1
    .venv/bin/python scripts/bench_derived.py fixtures/seeds --count 60 --seed 1 --json
    .venv/bin/python scripts/bench_derived.py fixtures/seeds --count 60 --seed 1 --learn-boilerplate
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import sys
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from benchlib import (  # noqa: E402
    Annotation,
    Sides,
    case_recalls,
    covered,
    detection_precisions,
    figure,
    hits,
    one_line,
    pan_measures,
    print_json,
    stopwatch,
    table,
)
from derive_copies import SPIN_WORDS, Copy, generate, write_legacy_sources  # noqa: E402

from dedupe.comparison import compare_against  # noqa: E402
from dedupe.corpus import load_article  # noqa: E402
from dedupe.model import Span, Verdict  # noqa: E402
from dedupe.provenance import judge_sources  # noqa: E402
from dedupe.segmentation import segment_blocks  # noqa: E402
from dedupe.settings import DEFAULT_SETTINGS, Settings  # noqa: E402

#: The measures count the copy's characters only (the suspicious side, in
#: benchlib's terms): a detection counts for a case when it overlaps the case
#: in the copy and names the case's source document.
SIDES: Sides = "suspicious"


@dataclass(frozen=True)
class Passage:
    """``span`` of copy ``copy``, taken from ``source_span`` of ``source``."""

    copy: str
    span: Span
    source: str
    source_span: Span

    @cached_property
    def annotation(self) -> Annotation:
        """The passage as benchlib's PAN measures take it."""
        return Annotation(self.copy, self.span.start, self.span.end, self.source, self.source_span.start,
                          self.source_span.end)


@dataclass(frozen=True)
class Case(Passage):
    """A true passage, with the change its sentences went through."""

    transform: str
    recipe: str


@dataclass(frozen=True)
class Detection(Passage):
    """A passage the checker reported."""

    kind: str
    recipe: str


def measures(cases: Sequence[Case], detections: Sequence[Detection]) -> dict[str, float]:
    """benchlib's PAN measures on the copy's side, not rounded: macro
    precision and recall over copy characters, granularity, plagdet."""
    return pan_measures([c.annotation for c in cases], [d.annotation for d in detections], SIDES, ndigits=None)


# ---------------------------------------------------------------------------
# New claims
# ---------------------------------------------------------------------------


def same_sentence(a: Span, b: Span) -> bool:
    """Overlap of at least half of the shorter span."""
    shared = min(a.end, b.end) - max(a.start, b.start)
    return shared > 0 and shared >= 0.5 * min(len(a), len(b))


@dataclass
class ClaimScore:
    true: int = 0
    predicted: int = 0
    found: int = 0  # true claims matched
    right: int = 0  # predicted claims matched

    def add(self, other: ClaimScore) -> None:
        self.true += other.true
        self.predicted += other.predicted
        self.found += other.found
        self.right += other.right

    @property
    def precision(self) -> float | None:
        """None when nothing was predicted."""
        return self.right / self.predicted if self.predicted else None

    @property
    def recall(self) -> float | None:
        """None when nothing was inserted."""
        return self.found / self.true if self.true else None


def score_claims(copy: Copy, verdict: Verdict, detections: Sequence[Detection]) -> tuple[ClaimScore, list[dict]]:
    """Claim counts for one copy and each miss, with the reason for it."""
    true = [Span(*item["span"]) for item in copy.new_claims]
    others = [Span(*item["span"]) for item in copy.new_material if item["label"] != "claim"]
    taken = [Span(*p["candidate"]) for p in copy.passages]
    predicted = [claim.span for claim in verdict.new_claims]
    new = verdict.new_material
    score = ClaimScore(len(true), len(predicted))
    misses = []
    for span in true:
        if any(same_sentence(span, p) for p in predicted):
            score.found += 1
            continue
        if any(d.span.overlaps(span) for d in detections):
            why = "inside a reported passage"
        elif any(n.overlaps(span) for n in new):
            why = "new material, not recognised as a claim"
        else:
            why = "not in new material"
        misses.append({"copy": copy.name, "miss": "claim missed", "why": why, "text": span.of(copy.text)})
    for span in predicted:
        if any(same_sentence(span, t) for t in true):
            score.right += 1
            continue
        if any(same_sentence(span, o) for o in others):
            why = "inserted non-claim flagged as claim"
        elif any(t.overlaps(span) for t in taken):
            why = "source text not aligned (passage missed)"
        else:
            why = "other"
        misses.append({"copy": copy.name, "miss": "false claim", "why": why, "text": span.of(copy.text)})
    return score, misses


# ---------------------------------------------------------------------------
# The run
# ---------------------------------------------------------------------------


def _key(path: str) -> str:
    return os.path.realpath(path)


def run(fixtures: Path, work: Path, count: int, seed: int, spin_share: float, learn: bool = False,
        legacy: bool = False) -> dict:
    with stopwatch() as generating:
        copies = generate(fixtures, work, seed, count, spin_share, SPIN_WORDS)
        if legacy:  # the sources as a legacy wire archive holds them; the copies stay ordinary text
            write_legacy_sources(fixtures, work / "legacy")
    with stopwatch() as checking:
        if legacy:
            # Named by their fixture's path, so cases and detections meet; their spans point
            # into the legacy text (the "explained" figure compares source spans: read it loosely).
            sources = [dataclasses.replace(load_article(work / "legacy" / path.name), path=str(path))
                       for path in sorted(fixtures.glob("*.txt"))]
        else:
            sources = [load_article(path) for path in sorted(fixtures.glob("*.txt"))]
        candidates = [load_article(work / f"{copy.name}.txt") for copy in copies]
        # The judging procedure of every `dedupe check`; with --learn-boilerplate as the
        # CLI runs it (boilerplate learned over candidates and sources together).
        verdicts = judge_sources(candidates, sources, learn=learn)
    # The fixtures' own shared passages, both ways round.
    fixture_links: list[tuple[str, Span, str, Span]] = []
    for overlap in compare_against(sources, sources).overlaps:
        for p in overlap.passages:
            a, b = _key(sources[overlap.a].path), _key(sources[overlap.b].path)
            fixture_links += [(a, p.a, b, p.b), (b, p.b, a, p.a)]

    cases: list[Case] = []
    detections: list[Detection] = []
    for copy, verdict in zip(copies, verdicts):
        recipe = "+".join(copy.recipe)
        cases += [Case(copy.name, Span(*p["candidate"]), _key(p["source"]), Span(*p["source_span"]), p["transform"],
                       recipe) for p in copy.passages]
        detections += [Detection(copy.name, p.a, _key(use.source.path), p.b, p.kind, recipe)
                       for use in verdict.sources for p in use.passages if p.taken]

    case_marks = [c.annotation for c in cases]
    detection_marks = [d.annotation for d in detections]

    def explained(d: Detection) -> bool:
        """A detection of another fixture that the fixtures' own overlap accounts for."""
        if hits(d.annotation, case_marks, SIDES):
            return False
        return any(c.copy == d.copy and c.span.overlaps(d.span) and c.source == y and y_span.overlaps(c.source_span)
                   and d.source == x and x_span.overlaps(d.source_span)
                   for c in cases for y, y_span, x, x_span in fixture_links)

    unexplained = [d for d in detections if not explained(d)]
    claim_misses: list[dict] = []
    recipes = sorted({"+".join(c.recipe) for c in copies}, key=lambda r: (r.count("+"), r))
    per_recipe = []
    overall_claims = ClaimScore()
    for recipe in [*recipes, "all"]:
        members = [(c, v) for c, v in zip(copies, verdicts) if recipe in ("all", "+".join(c.recipe))]
        names = {c.name for c, _ in members}
        strict = measures([c for c in cases if c.copy in names], [d for d in detections if d.copy in names])
        lenient = measures([c for c in cases if c.copy in names], [d for d in unexplained if d.copy in names])
        claims = ClaimScore()
        for copy, verdict in members:
            score, misses = score_claims(copy, verdict, [d for d in detections if d.copy == copy.name])
            claims.add(score)
            if recipe == "all":
                claim_misses += misses
        if recipe == "all":
            overall_claims = claims
        true_cov = [_true_coverage(c) for c, _ in members]
        per_recipe.append({
            "recipe": recipe, "copies": len(members), "cases": strict["cases"], "detections": strict["detections"],
            "precision": strict["precision"], "recall": strict["recall"], "granularity": strict["granularity"],
            "plagdet": strict["plagdet"], "plagdet explained": lenient["plagdet"],
            "coverage true": sum(true_cov) / len(true_cov),
            "coverage found": sum(v.coverage for _, v in members) / len(members),
            "claims": claims.true, "claims predicted": claims.predicted,
            "claim P": claims.precision, "claim R": claims.recall,
        })

    by_transform = []
    for transform in sorted({c.transform for c in cases}):
        members = [c for c in cases if c.transform == transform]
        recalls = case_recalls([c.annotation for c in members], detection_marks, SIDES)
        by_transform.append({"sentence change": transform, "cases": len(members),
                             "chars": sum(len(c.span) for c in members),
                             "recall": sum(recalls) / len(recalls),
                             "cases found at all": sum(r > 0 for r in recalls) / len(recalls),
                             "cases found fully": sum(r >= 0.999 for r in recalls) / len(recalls)})

    # Sentences of true cases that the right-source detections cover less than half of.
    sentence_misses = []
    texts = {c.name: c.text for c in copies}
    source_texts = {_key(s.path): s.text for s in sources}
    by_name = {c.name: c for c in copies}
    for case in cases:
        found = [(d.susp_start, d.susp_end) for d in hits(case.annotation, detection_marks, SIDES)]
        passage = next(p for p in by_name[case.copy].passages if Span(*p["candidate"]) == case.span)
        for c_start, c_end, s_start, s_end in passage["sentences"]:
            sentence = Span(c_start, c_end)
            share = covered(sentence.start, sentence.end, found) / len(sentence)
            if share < 0.5:
                wrong = [d for d in detections if d.copy == case.copy and d.span.overlaps(sentence)
                         and d.source != case.source]
                sentence_misses.append({
                    "copy": case.copy, "recipe": case.recipe, "change": case.transform, "covered": share,
                    "other source": os.path.basename(wrong[0].source) if wrong else "",
                    "copy sentence": one_line(sentence.of(texts[case.copy]), 100),
                    "source sentence": one_line(source_texts[case.source][s_start:s_end], 100),
                })
    false_detections = [
        {"copy": d.copy, "recipe": d.recipe, "kind": d.kind, "source": os.path.basename(d.source),
         "explained": explained(d), "text": one_line(d.span.of(texts[d.copy]), 90),
         "source text": one_line(d.source_span.of(source_texts[d.source]), 90)}
        for d, precision in zip(detections, detection_precisions(case_marks, detection_marks, SIDES))
        if precision < 0.5
    ]
    # Does the library cut the copies where the generator put sentence boundaries?
    boundaries_off = 0
    for number, copy in enumerate(copies):
        checked = verdicts[number].candidate
        sentences = set(segment_blocks(checked.text, checked.body))
        boundaries_off += sum(Span(*item["span"]) not in sentences for item in copy.new_material)

    overall = per_recipe[-1]
    return {
        "fixtures": str(fixtures), "count": count, "seed": seed, "spin_share": spin_share, "learn_boilerplate": learn,
        "learned_boilerplate_removed": {"copies": sum(d.reason == "learned-boilerplate"
                                                      for a in candidates for d in a.debris),
                                        "sources": sum(d.reason == "learned-boilerplate"
                                                       for a in sources for d in a.debris)},
        "seconds_generate": generating["seconds"], "seconds_check": checking["seconds"],
        "overall": {"plagdet": overall["plagdet"], "precision": overall["precision"], "recall": overall["recall"],
                    "granularity": overall["granularity"], "plagdet_explained": overall["plagdet explained"],
                    "claim_precision": overall_claims.precision, "claim_recall": overall_claims.recall,
                    "claims_true": overall_claims.true, "claims_predicted": overall_claims.predicted},
        "derivations": _tally(str(v.derivation) for v in verdicts),
        "true_derivations": _tally(_true_derivation(copy) for copy in copies),
        "derivation_accuracy": round(sum(str(v.derivation) == _true_derivation(copy)
                                         for copy, v in zip(copies, verdicts)) / len(copies), 3),
        "rewordings": _tally(str(v.rewording) for v in verdicts),
        "inserted_sentences_not_one_library_sentence": boundaries_off,
        "per_recipe": per_recipe,
        "per_sentence_change": by_transform,
        "sentence_misses": sentence_misses,
        "false_detections": false_detections,
        "claim_misses": claim_misses,
    }


def _true_coverage(copy: Copy) -> float:
    taken = sum(p["candidate"][1] - p["candidate"][0] for p in copy.passages)
    new = sum(item["span"][1] - item["span"][0] for item in copy.new_material)
    return taken / (taken + new) if taken + new else 0.0


def _true_derivation(copy: Copy, settings: Settings = DEFAULT_SETTINGS) -> str:
    """What the verdict should say, from the ground truth: the share of the copy that is taken
    text, against the same bars the verdict applies (every copy takes far more than the
    minimum evidence, and none takes under half of a source while being mostly new)."""
    coverage = _true_coverage(copy)
    if coverage >= settings.whole_coverage:
        return "whole"
    return "partial" if coverage >= settings.partial_coverage else "none"


def _tally(values: Iterable[str]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for value in values:
        counts[value] = counts.get(value, 0) + 1
    return counts


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("fixtures", type=Path, metavar="FIXTURES_DIR", help="directory of fixture .txt articles")
    parser.add_argument("--count", type=int, default=60, help="copies to generate (default: 60)")
    parser.add_argument("--seed", type=int, default=1, help="random seed (default: 1)")
    parser.add_argument("--spin-share", type=float, default=0.5,
                        help="share of replaceable words a spin replaces (default: 0.5)")
    parser.add_argument("--keep", type=Path, metavar="DIR",
                        help="write the copies here instead of a temporary directory")
    parser.add_argument("--examples", type=int, default=15, help="misses of each kind to list (default: 15)")
    parser.add_argument("--learn-boilerplate", action="store_true",
                        help="learn boilerplate over copies and sources first, exactly as `dedupe check` does")
    parser.add_argument("--legacy-sources", action="store_true",
                        help="check the copies against the fixtures rendered in a legacy wire format "
                             "(derive_copies.legacy_text: hard-wrapped, '<' paragraph markers, ``quotes'')")
    parser.add_argument("--json", action="store_true", help="print one JSON document instead of tables")
    args = parser.parse_args(argv)

    if args.keep:
        result = run(args.fixtures, args.keep, args.count, args.seed, args.spin_share, args.learn_boilerplate,
                     args.legacy_sources)
    else:
        with tempfile.TemporaryDirectory(prefix="dedupe-derived-") as work:
            result = run(args.fixtures, Path(work), args.count, args.seed, args.spin_share, args.learn_boilerplate,
                         args.legacy_sources)
    if args.json:
        print_json(result)
        return 0

    o = result["overall"]
    print(f"Derived copies: {args.count} (seed {args.seed}, spin share {args.spin_share}) of {args.fixtures}; "
          f"generated in {result['seconds_generate']} s, checked in {result['seconds_check']} s")
    print(f"plagdet {o['plagdet']:.3f} (precision {o['precision']:.3f}, recall {o['recall']:.3f}, granularity "
          f"{o['granularity']:.3f}); with fixture-overlap detections left out: {o['plagdet_explained']:.3f}")
    print(f"new claims: precision {figure(o['claim_precision'])}, recall {figure(o['claim_recall'])} "
          f"({o['claims_true']} inserted, {o['claims_predicted']} predicted)")
    if args.learn_boilerplate:
        removed = result["learned_boilerplate_removed"]
        print(f"learned boilerplate removed {removed['copies']} lines of copies, {removed['sources']} of sources")
    print(f"whole/partial/none accuracy {result['derivation_accuracy']:.3f} (truth: {result['true_derivations']})")
    print(f"verdicts: {result['derivations']}, rewording {result['rewordings']}; inserted sentences the library does "
          f"not segment as one sentence: {result['inserted_sentences_not_one_library_sentence']}\n")
    print("Per recipe\n" + table(result["per_recipe"]) + "\n")
    print("Per sentence change (true cases by how their sentences were changed)\n"
          + table(result["per_sentence_change"]) + "\n")
    n = args.examples
    misses = result["sentence_misses"]
    print(f"Source sentences less than half found ({len(misses)}; first {min(n, len(misses))})\n"
          + table(misses[:n], floatfmt=".2f") + "\n")
    print(f"Detections mostly outside true cases ({len(result['false_detections'])}; first {n})\n"
          + table(result["false_detections"][:n]) + "\n")
    reasons = _tally(f"{m['miss']}: {m['why']}" for m in result["claim_misses"])
    print("Claim errors by reason: " + (", ".join(f"{k} x{v}" for k, v in sorted(reasons.items())) or "none"))
    print(table(result["claim_misses"][: 2 * n]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
