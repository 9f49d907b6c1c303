"""PAN 2013 text alignment (no obfuscation), in retrieval mode.

What it measures: how well ``dedupe`` finds reused passages and points at
their exact characters. Every suspicious document is checked against all
source documents in one run (not only against its paired source), through
the product path: ``dedupe.clean_text`` on each file, then
``dedupe.compare`` over all of them. Each aligned passage between a
suspicious and a source document is a detection (suspicious span, source
document, source span).

Measures are PAN's character-level ones (Potthast et al., COLING 2010; see
``benchlib``): macro precision and recall over the characters of both sides,
granularity and plagdet, reported two ways:

* ``pairs``: only detections in the (suspicious, source) pairs listed in
  ``pairs``, as PAN's official text alignment evaluation did;
* ``retrieval``: every detection counts, so a passage matched in a source
  the truth does not list lowers precision.

Rows: ``product`` is the detector as a user runs it (``clean_text`` as is,
then ``compare``); ``oracle`` is the truth re-anchored to the text (below)
taken as detections, the score a perfect detector gets against the truth as
given. (Earlier versions also scored script-side variants, rejoined lines and
character-level trimming; the product path now does both itself.)

Truth check: in this copy of the corpus the truth offsets drift from the text
(the two copies of a "verbatim" passage also differ by OCR-like noise: "Leam"
for "Learn", "tumed" for "turned"). Each case is re-anchored by locating the
copied text near its given offsets (probing for word sequences, then difflib);
the re-anchored truth is used only for the diagnostic table and the miss
breakdown, never for the headline figures.

Command (about 2 minutes on 2 cores)::

    .venv/bin/python scripts/bench_pan13.py ../shared/benchmarks/pan13-text-alignment-no-obfuscation
    .venv/bin/python scripts/bench_pan13.py CORPUS_DIR --limit 20          # quick run
    .venv/bin/python scripts/bench_pan13.py CORPUS_DIR --set merge_gap=2   # try a setting
    .venv/bin/python scripts/bench_pan13.py CORPUS_DIR --json

Corpus: PAN 2013 text alignment training corpus, part "02-no-obfuscation".
Martin Potthast, Matthias Hagen, Tim Gollub, Martin Tippmann, Johannes
Kiesel, Paolo Rosso, Efstathios Stamatatos and Benno Stein: Overview of the
5th International Competition on Plagiarism Detection. CLEF 2013 Evaluation
Labs and Workshop. Measures: Martin Potthast, Benno Stein, Alberto
Barrón-Cedeño and Paolo Rosso: An Evaluation Framework for Plagiarism
Detection. COLING 2010.
"""

from __future__ import annotations

import argparse
import dataclasses
import difflib
import re
import statistics
import sys
import xml.etree.ElementTree as ElementTree
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import dedupe
from dedupe.fingerprints import tokens
from dedupe.model import AlignedPassage, Span
from dedupe.segmentation import segment_blocks

sys.path.insert(0, str(Path(__file__).resolve().parent))
from benchlib import (  # noqa: E402
    Annotation,
    case_recalls,
    detection_precisions,
    detections_per_case,
    hits,
    one_line,
    pan_measures,
    parse_settings,
    print_json,
    stopwatch,
    table,
)

#: Best PAN 2014 systems on the full, obfuscated corpora (the corpus README):
#: a reference point only, not a like-for-like baseline.
PAN14_REFERENCE_PLAGDET = 0.88

#: Re-anchoring and the "copied run" diagnostic: matching blocks shorter than
#: this are noise, a run of blocks may have gaps up to MAX_GAP characters
#: (OCR-like differences), and a kept run has at least MIN_RUN shared
#: characters at MIN_DENSITY of its length.
MIN_BLOCK = 10
MAX_GAP = 40
MIN_RUN = 50
MIN_DENSITY = 0.8
#: Re-anchoring looks this far around the (shifted) given offsets.
ANCHOR_WINDOW = 300

Detection = tuple[Annotation, AlignedPassage]


# ---------------------------------------------------------------------------
# Corpus
# ---------------------------------------------------------------------------


@dataclasses.dataclass
class Pan13:
    suspicious: dict[str, str]
    sources: dict[str, str]
    cases: list[Annotation]
    pairs: set[tuple[str, str]]

    def text(self, name: str) -> str:
        return self.suspicious.get(name) or self.sources[name]


def read_text(path: Path) -> str:
    """The file as PAN's offsets count it: UTF-8 characters, line ends kept."""
    with open(path, encoding="utf-8", newline="") as handle:
        return handle.read()


def load_pan13(root: Path, limit: int | None) -> Pan13:
    names = sorted(p.name for p in (root / "susp").glob("*.txt"))[:limit]
    suspicious = {name: read_text(root / "susp" / name) for name in names}
    sources = {p.name: read_text(p) for p in sorted((root / "src").glob("*.txt"))}
    pairs = set()
    for line in (root / "pairs").read_text(encoding="utf-8").splitlines():
        if line.strip():
            susp, src = line.split()
            if susp in suspicious:
                pairs.add((susp, src))
    cases = []
    for path in sorted((root / "truth").glob("*.xml")):
        document = ElementTree.parse(path).getroot()
        susp = document.get("reference")
        if susp not in suspicious:
            continue
        for feature in document.iter("feature"):
            if feature.get("name") != "plagiarism":
                continue
            offset, length = int(feature.get("this_offset")), int(feature.get("this_length"))
            src_offset, src_length = int(feature.get("source_offset")), int(feature.get("source_length"))
            cases.append(Annotation(susp, offset, offset + length, feature.get("source_reference"),
                                    src_offset, src_offset + src_length))
    return Pan13(suspicious, sources, cases, pairs)


# ---------------------------------------------------------------------------
# Detection
# ---------------------------------------------------------------------------

def detect(suspicious: Sequence[dedupe.Article], sources: Sequence[dedupe.Article],
           settings: dedupe.Settings) -> list[Detection]:
    """One ``compare`` run over all documents; taken passages between a
    suspicious and a source document become detections."""
    articles = [*suspicious, *sources]
    comparison = dedupe.compare(articles, settings)
    first_source = len(suspicious)
    detections = []
    for overlap in comparison.overlaps:
        if not overlap.a < first_source <= overlap.b:
            continue  # suspicious-suspicious or source-source
        susp, src = articles[overlap.a].path, articles[overlap.b].path
        for passage in overlap.passages:
            if not passage.taken:
                continue  # a shared quotation or shared facts: reported, never taken text
            detections.append((Annotation(susp, passage.a.start, passage.a.end, src, passage.b.start, passage.b.end),
                               passage))
    return detections


def copied_runs(a: str, b: str) -> list[tuple[int, int, int, int]]:
    """Stretches ``(a_start, a_end, b_start, b_end)`` that ``a`` and ``b``
    share character by character, small differences (OCR-like noise) aside."""
    blocks = [m for m in difflib.SequenceMatcher(None, a, b, autojunk=False).get_matching_blocks()
              if m.size >= MIN_BLOCK]
    runs: list[list[difflib.Match]] = []
    for block in blocks:
        if runs:
            last = runs[-1][-1]
            if 0 <= block.a - (last.a + last.size) <= MAX_GAP and 0 <= block.b - (last.b + last.size) <= MAX_GAP:
                runs[-1].append(block)
                continue
        runs.append([block])
    found = []
    for run in runs:
        a_start, a_end = run[0].a, run[-1].a + run[-1].size
        b_start, b_end = run[0].b, run[-1].b + run[-1].size
        shared = sum(block.size for block in run)
        if shared >= MIN_RUN and shared >= MIN_DENSITY * max(a_end - a_start, b_end - b_start):
            found.append((a_start, a_end, b_start, b_end))
    return found


# ---------------------------------------------------------------------------
# Truth check: where the copied text really is
# ---------------------------------------------------------------------------


def _shift(passage: str, text: str, expected: int) -> int | None:
    """How far from ``expected`` the passage's words occur in ``text``: probes
    of six words from five places in the passage; the smallest shift wins."""
    words = list(re.finditer(r"\S+", passage))
    shifts = []
    for k in range(1, 6):
        first = len(words) * k // 6
        probe = words[first:first + 6]
        if len(probe) < 6:
            continue
        pattern = r"\s+".join(re.escape(w.group()) for w in probe)
        for hit in re.finditer(pattern, text):
            shifts.append(hit.start() - (expected + probe[0].start()))
    return min(shifts, key=abs) if shifts else None


def reanchor(case: Annotation, corpus: Pan13) -> Annotation | None:
    """The case's extents located in the text: the copied run nearest the
    given offsets, or None when it cannot be found with confidence."""
    susp_text, src_text = corpus.text(case.susp), corpus.text(case.src)
    src_passage = src_text[case.src_start:case.src_end]
    susp_shift = _shift(src_passage, susp_text, case.susp_start) or 0
    susp_start = case.susp_start + susp_shift
    susp_passage = susp_text[max(0, susp_start):case.susp_end + susp_shift]
    src_shift = _shift(susp_passage, src_text, case.src_start) or 0
    a0 = max(0, case.susp_start + susp_shift - ANCHOR_WINDOW)
    b0 = max(0, case.src_start + src_shift - ANCHOR_WINDOW)
    a = susp_text[a0:case.susp_end + susp_shift + ANCHOR_WINDOW]
    b = src_text[b0:case.src_end + src_shift + ANCHOR_WINDOW]
    runs = copied_runs(a, b)
    if not runs:
        return None
    s0, s1, r0, r1 = max(runs, key=lambda run: run[1] - run[0])
    found = Annotation(case.susp, a0 + s0, a0 + s1, case.src, b0 + r0, b0 + r1)
    return found if 0.8 <= len(found) / len(case) <= 1.25 else None


def truth_check(corpus: Pan13) -> tuple[list[Annotation], dict[str, Any]]:
    """Re-anchored cases (the given case where locating fails) and drift figures."""
    anchored, susp_drift, src_drift = [], [], []
    same_tokens = 0
    for case in corpus.cases:
        found = reanchor(case, corpus)
        if found is None:
            anchored.append(case)
            continue
        anchored.append(found)
        susp_drift.append(abs(found.susp_start - case.susp_start))
        src_drift.append(abs(found.src_start - case.src_start))
        same_tokens += (tokens(corpus.text(found.susp)[found.susp_start:found.susp_end])
                        == tokens(corpus.text(found.src)[found.src_start:found.src_end]))
    located = len(susp_drift)

    def quantiles(values: list[int]) -> dict[str, Any]:
        if not values:
            return {}
        ordered = sorted(values)
        return {"exact": sum(v == 0 for v in values), "median": statistics.median(ordered),
                "p90": ordered[int(0.9 * (len(ordered) - 1))], "max": ordered[-1]}

    return anchored, {
        "cases": len(corpus.cases),
        "located": located,
        "susp_start_drift": quantiles(susp_drift),
        "src_start_drift": quantiles(src_drift),
        "located_with_identical_words_both_sides": same_tokens,
    }


# ---------------------------------------------------------------------------
# Diagnostics
# ---------------------------------------------------------------------------


def debris_summary(articles: Sequence[dedupe.Article], cases: Sequence[Annotation]) -> dict[str, Any]:
    by_doc: dict[str, list[Annotation]] = defaultdict(list)
    for case in cases:
        by_doc[case.susp].append(case)
        by_doc[case.src].append(case)
    items = []
    for article in articles:
        for item in article.debris:
            in_cases = 0
            for case in by_doc.get(article.path, []):
                start, end = ((case.susp_start, case.susp_end) if case.susp == article.path
                              else (case.src_start, case.src_end))
                in_cases += max(0, min(end, item.span.end) - max(start, item.span.start))
            items.append({"document": article.path, "span": f"[{item.span.start}, {item.span.end})",
                          "reason": item.reason, "chars": len(item.span), "chars_in_cases": in_cases,
                          "text": one_line(item.text, 90)})
    total = sum(len(article.text) for article in articles)
    return {"documents": len(articles), "chars": total, "debris_items": len(items),
            "debris_chars": sum(i["chars"] for i in items),
            "debris_chars_in_cases": sum(i["chars_in_cases"] for i in items), "items": items}


def breakdown(corpus: Pan13, cases: Sequence[Annotation], detections: Sequence[Annotation],
              sentences: dict[str, list[Span]]) -> dict[str, Any]:
    """Where one variant's misses are, against the re-anchored truth."""
    listed = [d for d in detections if (d.susp, d.src) in corpus.pairs]
    recalls = case_recalls(cases, listed)
    per_case = detections_per_case(cases, listed)

    def longest_sentence(case: Annotation) -> int:
        """The longest sentence the case touches, on either side."""
        sides = ((case.susp, case.susp_start, case.susp_end), (case.src, case.src_start, case.src_end))
        return max((len(s) for name, start, end in sides for s in sentences[name] if s.start < end and start < s.end),
                   default=0)

    def on_case_text(d: Annotation) -> bool:
        """The detection's suspicious side lies on a case of its pair: the
        case's text aligned to another copy of it in the source."""
        return bool(hits(d, cases, "suspicious"))

    def elsewhere(case: Annotation) -> bool:
        return any(d.susp == case.susp and d.src != case.src
                   and d.susp_start < case.susp_end and case.susp_start < d.susp_end for d in detections)

    def on_any_case(d: Annotation) -> bool:
        return any(c.susp == d.susp and c.susp_start < d.susp_end and d.susp_start < c.susp_end for c in cases)

    missed = [c for c, r in zip(cases, recalls) if r == 0]
    partial = [c for c, r in zip(cases, recalls) if 0 < r < 0.9]
    lost_chars = sum((1 - r) * len(c) for c, r in zip(cases, recalls))
    precisions = detection_precisions(cases, listed)
    false = [d for d, p in zip(listed, precisions) if p == 0]
    outside = sum((1 - p) * len(d) for d, p in zip(listed, precisions))
    unlisted = [d for d in detections if (d.susp, d.src) not in corpus.pairs]

    def verbatim(d: Annotation) -> bool:
        a = corpus.text(d.susp)[d.susp_start:d.susp_end]
        b = corpus.text(d.src)[d.src_start:d.src_end]
        return bool(copied_runs(a, b))

    long_cut = 600
    rows = [
        {"what": "cases", "count": len(cases)},
        {"what": "  detected (recall >= 0.9)", "count": sum(r >= 0.9 for r in recalls)},
        {"what": "  partly detected (0 < recall < 0.9)", "count": len(partial)},
        {"what": f"    ... inside a sentence over {long_cut} chars (unpunctuated text)",
         "count": sum(longest_sentence(c) > long_cut for c in partial)},
        {"what": "  missed entirely", "count": len(missed)},
        {"what": f"    ... inside a sentence over {long_cut} chars (unpunctuated text)",
         "count": sum(longest_sentence(c) > long_cut for c in missed)},
        {"what": "    ... its text matched only to another source", "count": sum(elsewhere(c) for c in missed)},
        {"what": "  split over 2+ detections", "count": sum(n > 1 for n in per_case)},
        {"what": "case chars not detected (both sides)", "count": round(lost_chars)},
        {"what": "detections in listed pairs", "count": len(listed)},
        {"what": "  false (no overlap with any case)", "count": len(false)},
        {"what": "    ... case text aligned to another copy of it in the source",
         "count": sum(map(on_case_text, false))},
        {"what": "    ... other shared wording (a copied run >= 50 chars: unlabelled reuse)",
         "count": sum(verbatim(d) and not on_case_text(d) for d in false)},
        {"what": "    ... topical sentence matches (no copied run)",
         "count": sum(not verbatim(d) and not on_case_text(d) for d in false)},
        {"what": "  detected chars outside cases (both sides)", "count": round(outside)},
        {"what": "detections against unlisted sources (retrieval only)", "count": len(unlisted)},
        {"what": "  ... on a case's text (the listed source's text is in this source too)",
         "count": sum(map(on_any_case, unlisted))},
        {"what": "  ... shared wording (unlabelled reuse)", "count": sum(verbatim(d) for d in unlisted)},
        {"what": "  ... topical sentence matches", "count": sum(not verbatim(d) for d in unlisted)},
    ]
    examples = {"missed": missed, "false": false, "unlisted": unlisted}
    return {"rows": rows, "examples": examples}


def show_examples(corpus: Pan13, examples: dict[str, list[Annotation]], count: int) -> list[str]:
    lines = []
    labels = {"missed": "Missed case", "false": "False detection in a listed pair",
              "unlisted": "Detection against an unlisted source"}
    for key, label in labels.items():
        picked = examples[key][:: max(1, len(examples[key]) // count)][:count] if examples[key] else []
        for item in picked:
            a = corpus.text(item.susp)[item.susp_start:item.susp_end]
            b = corpus.text(item.src)[item.src_start:item.src_end]
            lines.append(f"{label}: {item.susp} [{item.susp_start}, {item.susp_end}) ~ "
                         f"{item.src} [{item.src_start}, {item.src_end})")
            lines.append(f"    susp: {one_line(a, 240)}")
            lines.append(f"    src:  {one_line(b, 240)}")
    return lines


# ---------------------------------------------------------------------------
# Main
# ---------------------------------------------------------------------------


def evaluate(corpus: Pan13, cases: Sequence[Annotation], detections: Sequence[Annotation]) -> dict[str, dict]:
    listed = [d for d in detections if (d.susp, d.src) in corpus.pairs]
    return {"pairs": pan_measures(cases, listed), "retrieval": pan_measures(cases, detections)}


def run(corpus: Pan13, settings: dedupe.Settings) -> dict[str, Any]:
    """Clean, detect (every variant), check the truth, score and diagnose."""
    with stopwatch() as cleaning:
        suspicious = [dedupe.clean_text(text, name) for name, text in corpus.suspicious.items()]
        sources = [dedupe.clean_text(text, name) for name, text in corpus.sources.items()]
    everything = [*suspicious, *sources]
    debris = debris_summary(everything, corpus.cases)
    with stopwatch() as checking:
        anchored, truth = truth_check(corpus)

    variants: dict[str, list[Annotation]] = {}
    seconds: dict[str, float] = {}
    with stopwatch() as clock:
        found = detect(suspicious, sources, settings)
    variants["product"] = [detection for detection, _ in found]
    seconds["product"] = clock["seconds"]
    variants["oracle"] = anchored
    seconds["oracle"] = checking["seconds"]

    results = []
    for name, detections in variants.items():
        for truth_name, cases in (("given", corpus.cases), ("re-anchored", anchored)):
            for mode, scores in evaluate(corpus, cases, detections).items():
                results.append({"variant": name, "truth": truth_name, "evaluation": mode,
                                "documents": len(corpus.suspicious), "sources": len(corpus.sources),
                                **scores, "seconds": seconds[name]})
    sentences = {a.path: segment_blocks(a.text, a.body) for a in everything}
    diagnosis = {"product": breakdown(corpus, anchored, variants["product"], sentences)}
    return {"cleaning_seconds": cleaning["seconds"], "debris": debris, "truth_check": truth,
            "results": results, "diagnosis": diagnosis}


def report(corpus: Pan13, outcome: dict[str, Any], examples: int) -> None:
    """The tables for people."""
    results, truth, debris = outcome["results"], outcome["truth_check"], outcome["debris"]
    columns = ["variant", "evaluation", "documents", "sources", "cases", "detections", "precision", "recall",
               "granularity", "plagdet", "seconds"]
    shown = [{**r, "seconds": f"{r['seconds']:.1f}"} for r in results]
    print(f"PAN 2013 text alignment, 02-no-obfuscation, retrieval mode: {len(corpus.suspicious)} suspicious x "
          f"{len(corpus.sources)} source documents, {len(corpus.cases)} cases, {len(corpus.pairs)} listed pairs\n")
    print("Against the truth as given (headline):")
    print(table([r for r in shown if r["truth"] == "given"], columns))

    def pairs_plagdet(variant: str) -> float:
        return next(r["plagdet"] for r in results
                    if r["variant"] == variant and r["truth"] == "given" and r["evaluation"] == "pairs")

    ratios = f"product {pairs_plagdet('product') / PAN14_REFERENCE_PLAGDET:.2f}"
    print(f"\nReference: best PAN 2014 systems ~{PAN14_REFERENCE_PLAGDET} plagdet on the full obfuscated corpora "
          f"(not like-for-like). Ratio, pairs evaluation: {ratios}.")
    print("\nAgainst the re-anchored truth (diagnostic: the detector's own errors, without the truth's drift):")
    print(table([r for r in shown if r["truth"] == "re-anchored" and r["variant"] != "oracle"], columns))

    print(f"\nTruth check: {truth['located']} of {truth['cases']} cases located in the text; start offset drift "
          f"suspicious side {truth['susp_start_drift']}, source side {truth['src_start_drift']}; "
          f"{truth['located_with_identical_words_both_sides']} located cases have the same words on both sides.")
    print(f"\nCleaning: {debris['debris_items']} debris items, {debris['debris_chars']} of {debris['chars']} chars "
          f"removed, {debris['debris_chars_in_cases']} of them inside cases; {outcome['cleaning_seconds']} s.")
    if debris["items"]:
        print(table(debris["items"], ["document", "span", "reason", "chars", "chars_in_cases", "text"]))

    diagnosis = outcome["diagnosis"]
    print("\nWhere the misses are (listed pairs, re-anchored truth):")
    rows = [{"": row["what"], **{name: d["rows"][n]["count"] for name, d in diagnosis.items()}}
            for n, row in enumerate(diagnosis["product"]["rows"])]
    print(table(rows, floatfmt=".0f", indent=True))
    if examples:
        print("\nExamples:")
        print("\n".join(show_examples(corpus, diagnosis["product"]["examples"], examples)))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("corpus", type=Path, help="the pan13-text-alignment-no-obfuscation directory")
    parser.add_argument("--limit", type=int, help="use the first N suspicious documents")
    parser.add_argument("--set", action="append", default=[], metavar="NAME=VALUE",
                        help="override a dedupe.Settings field (repeatable)")
    parser.add_argument("--examples", type=int, default=3, help="examples of each kind of miss to print")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    args = parser.parse_args(argv)
    settings = parse_settings(args.set)

    with stopwatch() as total:
        corpus = load_pan13(args.corpus, args.limit)
        outcome = run(corpus, settings)
    if args.json:
        print_json({"corpus": str(args.corpus), "settings": settings.as_dict(), "wall_seconds": total["seconds"],
                    **{k: v for k, v in outcome.items() if k != "diagnosis"},
                    "breakdown": {name: d["rows"] for name, d in outcome["diagnosis"].items()}})
        return 0
    report(corpus, outcome, args.examples)
    print(f"\nWall time: {total['seconds']} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
