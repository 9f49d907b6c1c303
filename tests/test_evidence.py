"""Copied expression, not shared facts (issue 9): what a verdict rests on.

Real inputs: the hand-written independent same-event reports and copy controls in
fixtures/same-event (see its README), the seeds, and sentences written here.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import dedupe
from dedupe.application import compare_texts
from dedupe.evidence import passage_evidence, quoted_spans
from dedupe.model import Span
from dedupe.segmentation import segment_blocks

SAME_EVENT = Path(__file__).resolve().parent.parent / "fixtures" / "same-event"
PAIRS = sorted(path.name[:2] for path in SAME_EVENT.glob("*-a.txt"))
CONTROLS = sorted(path.name[:2] for path in (SAME_EVENT / "copies").glob("*-source.txt"))


def _verdict(candidate: Path, source: Path) -> dedupe.Verdict:
    (verdict,) = dedupe.check([candidate], against=[source]).verdicts
    return verdict


def test_the_corpus_is_there():
    assert len(PAIRS) >= 30 and len(CONTROLS) >= 6


@pytest.mark.parametrize("pair", PAIRS)
def test_independent_reports_of_one_event_are_not_copies(pair):
    """Two reporters at one hearing or briefing: same names, figures and quotes, own words. Neither
    is derived from the other, whichever way round they are checked."""
    a, b = SAME_EVENT / f"{pair}-a.txt", SAME_EVENT / f"{pair}-b.txt"
    for candidate, source in ((a, b), (b, a)):
        verdict = _verdict(candidate, source)
        assert verdict.derivation == "none", (candidate.name, [(str(p.kind), p.a.of(verdict.candidate.text))
                                                               for use in verdict.sources for p in use.passages])


@pytest.mark.parametrize("pair", CONTROLS)
def test_real_copies_among_them_are_found(pair):
    """The controls really copy their source (verbatim paragraphs, light edits, a wire story inside a
    longer article, reordering, quotes with their copied framing): each is derived."""
    verdict = _verdict(SAME_EVENT / "copies" / f"{pair}-copy.txt", SAME_EVENT / "copies" / f"{pair}-source.txt")
    assert verdict.derivation in ("whole", "partial")
    assert all(p.evidence.expression_words or p.evidence.sequence or p.kind in ("identical", "minor-changes")
               for use in verdict.sources for p in use.passages if p.taken)


def test_a_wire_story_inside_a_longer_article_is_found_by_how_much_of_the_source_it_holds():
    """Control 02 reproduces a short wire story inside a longer local article: most of the source
    is in the candidate, though it is a minority of the candidate."""
    verdict = _verdict(SAME_EVENT / "copies" / "02-copy.txt", SAME_EVENT / "copies" / "02-source.txt")
    (use,) = verdict.sources
    assert use.source_coverage >= 0.5 and use.derivation == "partial"


def test_a_shared_quote_is_reported_as_shared_not_taken():
    """Two reports quoting the same words: the passage is there, kind shared-quote, with the quote
    as its evidence, and it counts for nothing in coverage."""
    verdicts = [_verdict(SAME_EVENT / f"{pair}-b.txt", SAME_EVENT / f"{pair}-a.txt") for pair in PAIRS]
    quoted = [(v, p) for v in verdicts for use in v.sources for p in use.passages if p.kind == "shared-quote"]
    assert quoted, "the corpus shares quotations in every pair"
    for verdict, passage in quoted:
        assert passage.evidence.quotes and not passage.taken
        assert passage.evidence.expression_words < dedupe.Settings().min_expression_words
    assert all(v.coverage == 0 for v in verdicts if all(not p.taken for u in v.sources for p in u.passages))


def test_quote_detection_covers_typographic_straight_and_legacy_marks():
    text = 'He said “we will adapt” today. She said "no more delays". The wire wrote ``we are ready\'\'.'
    assert [s.of(text) for s in quoted_spans(text)] == ['“we will adapt”', '"no more delays"', "``we are ready''"]


def test_facts_and_quotes_are_not_expression_but_copied_framing_is():
    """Names, ages and a quotation shared by two sentences are facts and a quote; a clause of
    ordinary words written the same way is expression."""
    a = 'Jane Doe, 34, was jailed for six years. "I am sorry," she told the court in Leeds.'
    b = 'Jane Doe, 34, of Harrogate, was found guilty. "I am sorry," she said.'
    found = passage_evidence(a, Span(0, len(a)), b, Span(0, len(b)))
    assert found.expression_words == 0
    assert set(found.facts) >= {"jane", "doe", "34"} and found.quotes == ("I am sorry",)
    copied = ("Jane Doe, 34, was jailed for six years after cameras filmed her kicking the driver as he "
              "lay on the pavement outside the station.")
    framed = ("Jane Doe, 34, of Harrogate, was jailed on Monday after cameras filmed her kicking the driver "
              "as he lay on the pavement outside the station.")
    assert passage_evidence(copied, Span(0, len(copied)), framed, Span(0, len(framed))).expression_words >= 15


def test_a_long_run_of_names_copied_in_order_is_expression():
    """Two reports share a name and an age; forty company names in the same order are a copied
    list, whatever their words are."""
    names = ("Grease LLC Northeast Products Company Northland Products Company NYCO America LLC Omni "
             "Specialty Packaging Pacific Functional Fluids Perkins Products Inc PetroBlend Corporation "
             "Pinnacle Oil Inc Pitt Penn Oil Company Primrose Oil Company")
    a = f"Members of the association: {names}."
    b = f"The list of members includes {names}, among others."
    found = passage_evidence(a, Span(0, len(a)), b, Span(0, len(b)))
    assert found.expression_words >= 25
    short = "Grease LLC Northeast Products Company Northland Products Company"
    a, b = f"Its members are {short}.", f"Among them: {short} and others."
    assert passage_evidence(a, Span(0, len(a)), b, Span(0, len(b))).expression_words == 0


REWRITTEN = [
    ("Rescue crews pulled fourteen survivors from the collapsed warehouse near the harbour.",
     "Fourteen survivors were pulled by rescue crews out of a warehouse that collapsed by the harbour."),
    ("The fire brigade said gas cylinders stored inside had exploded overnight.",
     "Gas cylinders kept in the building exploded during the night, according to the fire brigade."),
    ("Engineers will inspect neighbouring buildings for structural damage on Tuesday.",
     "On Tuesday neighbouring buildings are to be inspected by engineers for damage to their structure."),
]


def _with_filler(gap: int) -> tuple[str, str]:
    """The three rewritten sentences in order on both sides, ``gap`` unrelated sentences after
    each (different ones on each side: the TIME seed on one, the WaPo seed on the other)."""
    from conftest import seed_text

    def sentences(name: str) -> list[str]:
        text = seed_text(name)
        article = dedupe.clean_text(text, name)
        return [s.of(text) for s in segment_blocks(article.text, article.body) if len(s.of(text).split()) > 8]

    filler_a, filler_b = sentences("time"), sentences("wapo")
    a: list[str] = []
    b: list[str] = []
    for k, (one, other) in enumerate(REWRITTEN):
        a += [one, *filler_a[k * gap:(k + 1) * gap]]
        b += [other, *filler_b[k * gap:(k + 1) * gap]]
    return "\n".join(a), "\n".join(b)


@pytest.mark.parametrize("gap", [0, 1, 3])
def test_three_sentences_rewritten_in_order_close_together_are_a_sequence(gap):
    """A close rewrite keeps the selection and order of facts: three sentences rewritten one
    after another (one passage) or with a little filler between them are taken text."""
    a, b = _with_filler(gap)
    result = compare_texts({"a": a, "b": b})
    passages = [p for o in result.overlaps for p in o.passages]
    assert passages and all(p.taken and p.evidence.sequence for p in passages)


def test_the_same_facts_scattered_far_apart_are_no_sequence():
    """The same three facts in order, but ten unrelated sentences apart on both sides: topical
    matches that happen to fall in order, reported as shared facts."""
    a, b = _with_filler(10)
    result = compare_texts({"a": a, "b": b})
    passages = [p for o in result.overlaps for p in o.passages]
    assert len(passages) == 3 and all(p.kind == "shared-facts" for p in passages)


# --- legacy formats -------------------------------------------------------------------


def legacy_wire(paragraphs: list[str], width: int = 68) -> str:
    """The paragraphs as a legacy wire archive holds them: a transmission header, hard-wrapped
    lines, no blank lines, each paragraph ending in a "<" marker, quotes written ``...'', "#"
    for "£", and a stray control character."""
    import textwrap

    lines = ["\x0fWIRE 29/05/2024 14:22 BLINKEN-MOLDOVA"]
    for paragraph in paragraphs:
        paragraph = (paragraph.replace("“", "``").replace("”", "''").replace("’", "'").replace("£", "#"))
        wrapped = textwrap.wrap(paragraph, width)
        wrapped[-1] += " <"
        lines.extend(wrapped)
    return "\n".join(lines) + "\n"


def _seed_paragraphs() -> list[str]:
    from conftest import seed_text

    return [line for line in seed_text("wapo").splitlines() if len(line.split()) > 8]


def test_a_legacy_format_wire_story_copied_into_an_article_is_a_whole_copy(tmp_path):
    """The wire story in a legacy archive format, the newspaper's copy in ordinary text: the
    markers and control character are debris, the paragraphs and sentences come out as in the
    ordinary text, and the copy is whole and verbatim."""
    paragraphs = _seed_paragraphs()
    wire, article = tmp_path / "wire.txt", tmp_path / "article.txt"
    wire.write_text(legacy_wire(paragraphs), encoding="utf-8")
    article.write_text("\n".join(paragraphs) + "\n", encoding="utf-8")
    source = dedupe.load_article(wire)
    assert {str(d.reason) for d in source.debris} == {"layout-marker"}
    assert len(source.body) >= len(paragraphs) - 1  # one block per paragraph (the header joins the first)
    verdict = _verdict(article, wire)
    assert (verdict.derivation, verdict.rewording) == ("whole", "verbatim")
    reverse = _verdict(wire, article)
    assert reverse.derivation == "whole"


def test_legacy_quotes_and_pound_signs_start_sentences():
    from dedupe.segmentation import split_sentences

    text = "He left at noon. ``We will adapt,'' he said. #50m was set aside for repairs."
    assert [s.of(text) for s in split_sentences(text)] == [
        "He left at noon.", "``We will adapt,'' he said.", "#50m was set aside for repairs."]


def test_a_copy_without_punctuation_is_found(tmp_path):
    """A transcript- or OCR-like copy (no punctuation, no capitals, one line) cannot be cut into
    sentences; cut into sentence-sized pieces it is still found as the whole copy it is."""
    import re

    from conftest import SEEDS

    paragraphs = _seed_paragraphs()
    flat = " ".join(re.sub(r"[^\w\s']", " ", paragraph).lower() for paragraph in paragraphs)
    copy = tmp_path / "transcript.txt"
    copy.write_text(" ".join(flat.split()) + "\n", encoding="utf-8")
    verdict = _verdict(copy, SEEDS["wapo"])
    assert verdict.derivation == "whole" and verdict.coverage > 0.9
