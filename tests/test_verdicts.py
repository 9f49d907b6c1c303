"""Verdicts at library level: derivation, rewording, coverage, source order,
credit, new material and claims, language warnings, and direction, on the
seeds and on derived copies built here."""

from __future__ import annotations

import json
import re

import pytest

from dedupe.cleaning import clean_text
from dedupe.comparison import compare, compare_against
from dedupe.corpus import load_article
from dedupe.serialise import verdict_data
from dedupe.verdicts import direction, judge
from conftest import SEEDS, seed_text

# The WaPo seed's running paragraphs (its long lines), as test_comparison uses them.
WAPO_PARAGRAPHS = [line for line in seed_text("wapo").splitlines() if len(line.split()) > 12]
SOURCE_TEXT = "\n".join(WAPO_PARAGRAPHS[:10])  # a ~10-paragraph source

# Paragraphs of our own writing, each stating something checkable.
NEW_CLAIMS = [
    "The city council of Tartu voted on Tuesday to rename two streets after Ukrainian towns, the mayor's office said.",
    "Local volunteers have collected 4,500 sleeping bags since March, according to organiser Mari Tamm.",
    "\u201cWe cannot sit still while our neighbours freeze,\u201d said Tamm, a retired schoolteacher.",
    "A second convoy of 30 lorries is due to leave for Lviv in December.",
    "Residents of Tartu queued outside the train station to donate blankets and tinned food to the convoy.",
    "Volunteers from Narva and P\u00e4rnu joined the effort over the weekend, officials said.",
    "Two local firms offered warehouse space free of charge until the end of the year.",
]
# Inserted, new, but stating nothing checkable: no figure, name, date, quote or attribution ...
EVALUATIVE = "This could make things worse."
# ... and a subheading without final punctuation.
SUBHEADING = "Help Arrives From the North"


def _article(text, path, **metadata):
    return clean_text(text, path, metadata=metadata or None)


def _verdict(candidate, sources, publishers=None):
    verdict, = judge(compare_against([candidate], sources), publishers)
    return verdict


@pytest.fixture(scope="module")
def source():
    return _article(SOURCE_TEXT, "wapo-source.txt", publisher="The Washington Post")


@pytest.fixture(scope="module")
def wapo_seed():
    return _article(seed_text("wapo"), "wapo.txt", publisher="The Washington Post", date="2024-05")


# --- derivation ----------------------------------------------------------------


def test_verbatim_copy_is_a_whole_derivation(source):
    """An exact copy of a source is derived whole from it, verbatim."""
    verdict = _verdict(_article(SOURCE_TEXT, "copy.txt"), [source])
    assert (verdict.derivation, verdict.rewording) == ("whole", "verbatim")
    assert verdict.coverage >= 0.8
    use, = verdict.sources
    assert use.source is source and use.derivation == "whole"
    assert [p.kind for p in use.passages] == ["identical"]
    assert verdict.new_material == () and verdict.new_claims == ()


def test_copy_with_debris_around_it_is_still_whole_and_debris_is_not_new(source):
    """Scraper debris added around a verbatim copy neither lowers it below whole nor counts as new material."""
    copy = ("[ad_1]\nShare this article\n" + SOURCE_TEXT
            + "\nRead more: Five things to know about ATACMS\n[ad_2]\nSource link\n")
    candidate = _article(copy, "scraped.txt")
    verdict = _verdict(candidate, [source])
    assert (verdict.derivation, verdict.rewording) == ("whole", "verbatim")
    assert verdict.coverage >= 0.8
    (passage,) = verdict.sources[0].passages
    assert passage.a.of(candidate.text) == SOURCE_TEXT  # the debris is outside the passage
    assert verdict.new_material == ()


def test_source_paragraphs_plus_as_many_new_ones_is_partial(source):
    """Ten source paragraphs interleaved with ten paragraphs of new writing is a partial derivation."""
    new = NEW_CLAIMS + [EVALUATIVE, SUBHEADING, "Organisers said they would publish a list of donations online."]
    text = "\n".join(WAPO_PARAGRAPHS[:5] + new[:5] + WAPO_PARAGRAPHS[5:10] + new[5:10])
    verdict = _verdict(_article(text, "partial.txt"), [source])
    assert verdict.derivation == "partial"
    assert 0.1 <= verdict.coverage < 0.8
    assert verdict.rewording == "verbatim"
    assert verdict.sources[0].derivation == "partial"


def test_unrelated_story_is_not_derived(wapo_seed):
    """The 2022 TIME story checked against the 2024 WaPo story takes nothing from it."""
    verdict = _verdict(_article(seed_text("time"), "time.txt"), [wapo_seed])
    assert (verdict.derivation, verdict.rewording, verdict.coverage) == ("none", None, 0.0)
    assert verdict.sources == ()
    assert verdict.new_material  # all of it is the candidate's own


# --- rewording -----------------------------------------------------------------

# House-style edits plus about three synonym swaps per sentence (58 swaps over
# the 19 sentences of SOURCE_TEXT). Fewer swaps (8 words, ~1 per sentence)
# come out "verbatim" (character similarity 0.96); this example scores 0.90.
SWAPS = {
    "said": "stated", "allies": "partners", "restrictions": "limits", "remarks": "comments", "weapons": "arms",
    "officials": "authorities", "visit": "trip", "meeting": "gathering", "support": "backing",
    "pressure": "strain", "capital": "city", "recent": "latest", "strike": "hit", "territory": "land",
    "Wednesday": "Weds", "Thursday": "Thurs", "policy": "stance", "allow": "let", "targets": "objectives",
    "equipment": "gear", "needs": "requires", "reporters": "journalists", "Western": "Allied",
    "forces": "troops", "missiles": "rockets", "military": "armed", "time": "moment", "right": "entitlement",
    "rethink": "reconsider", "sites": "locations", "fighting": "combat", "series": "string",
}


def _house_style(text: str) -> str:
    text = text.replace("\u201c", '"').replace("\u201d", '"').replace("\u2019", "'").replace("U.S.", "US")
    return re.sub(r"\b(" + "|".join(SWAPS) + r")\b", lambda m: SWAPS[m.group()], text)


def test_exact_copy_is_verbatim(source):
    """An exact copy is reworded "verbatim", through identical passages."""
    verdict = _verdict(_article(SOURCE_TEXT, "copy.txt"), [source])
    assert verdict.rewording == verdict.sources[0].rewording == "verbatim"
    assert {p.kind for p in verdict.sources[0].passages} == {"identical"}


def test_house_style_and_synonym_swaps_are_light_rewording(source):
    """Straight quotes, "US" for "U.S." and a few synonyms per sentence are light rewording of a whole copy."""
    edited = _house_style(SOURCE_TEXT)
    swapped = len(re.findall(r"\b(" + "|".join(SWAPS) + r")\b", SOURCE_TEXT))
    assert 40 <= swapped <= 80  # a handful per sentence, not a rewrite
    verdict = _verdict(_article(edited, "light.txt"), [source])
    assert (verdict.derivation, verdict.rewording) == ("whole", "light")
    assert {p.kind for p in verdict.sources[0].passages} == {"minor-changes"}


def test_independent_report_that_cites_one_passage_is_not_a_copy(wapo_seed):
    """The BBC seed (its own report, translated and back) shares quotes and facts with the WaPo
    story and takes one passage it credits: the quotes are shared, not taken, and one heavily
    reworded passage makes no derivation."""
    verdict = _verdict(_article(seed_text("bbc"), "bbc.txt"), [wapo_seed])
    assert verdict.derivation == "none" and verdict.rewording == "heavy"
    use, = verdict.sources
    assert use.derivation == "none" and use.rewording == "heavy"
    taken = [p for p in use.passages if p.taken]
    radar, = taken
    assert "radar stations" in radar.a.of(verdict.candidate.text) and "radar stations" in radar.b.of(wapo_seed.text)
    shared = [p for p in use.passages if not p.taken]
    assert {p.kind for p in shared} <= {"shared-quote", "shared-facts"} and shared
    assert all(p.evidence.expression_words < 8 for p in shared)


# --- coverage ----------------------------------------------------------------


def test_whole_copy_covers_most_of_candidate_and_half_copy_half_of_source(source):
    """coverage is the candidate's share from the source; source_coverage the share of the source reused."""
    whole = _verdict(_article(SOURCE_TEXT, "copy.txt"), [source])
    assert whole.coverage >= 0.8 and whole.sources[0].source_coverage >= 0.8
    half_text = "\n".join(WAPO_PARAGRAPHS[:5])
    assert abs(len(half_text) / len(SOURCE_TEXT) - 0.5) < 0.05
    half = _verdict(_article(half_text, "half.txt"), [source])
    use, = half.sources
    assert use.source_coverage == pytest.approx(0.5, abs=0.15)
    assert use.coverage >= 0.8  # all of the half copy comes from the source
    assert half.derivation == "whole"


def test_coverages_are_shares_between_zero_and_one(source):
    """coverage and source_coverage are shares: never below 0 nor above 1, and exactly 1 for an exact copy."""
    candidates = {
        "copy": SOURCE_TEXT,
        "half": "\n".join(WAPO_PARAGRAPHS[:5]),
        "partial": "\n".join(WAPO_PARAGRAPHS[:5] + NEW_CLAIMS[:5]),
    }
    for name, text in candidates.items():
        verdict = _verdict(_article(text, f"{name}.txt"), [source])
        assert 0.0 <= verdict.coverage <= 1.0, (name, verdict.coverage)
        for use in verdict.sources:
            assert 0.0 <= use.coverage <= 1.0, (name, use.coverage)
            assert 0.0 <= use.source_coverage <= 1.0, (name, use.source_coverage)
    exact = _verdict(_article(SOURCE_TEXT, "copy.txt"), [source])
    assert exact.coverage == pytest.approx(1.0) and exact.sources[0].source_coverage == pytest.approx(1.0)


# --- several sources -----------------------------------------------------------


def test_mixed_source_candidate_lists_both_sources_best_first_and_splits_correctly():
    """A candidate splicing six paragraphs of A and three of B lists A then B, each passage inside its own part."""
    a = _article("\n".join(WAPO_PARAGRAPHS[:10]), "a.txt", publisher="Alpha News")
    b = _article("\n".join(WAPO_PARAGRAPHS[15:25]), "b.txt", publisher="Beta Daily")
    part_a = "\n".join(WAPO_PARAGRAPHS[0:6])
    part_b = "\n".join(WAPO_PARAGRAPHS[15:18])
    text = part_a + "\n" + part_b
    candidate = _article(text, "mixed.txt")
    verdict = _verdict(candidate, [b, a])  # given in the "wrong" order on purpose
    assert [use.source.path for use in verdict.sources] == ["a.txt", "b.txt"]
    assert [use.publisher for use in verdict.sources] == ["Alpha News", "Beta Daily"]
    assert verdict.sources[0].coverage > verdict.sources[1].coverage > 0.1
    a_range = range(0, len(part_a) + 1)
    b_range = range(len(part_a) + 1, len(text) + 1)
    for use, part in zip(verdict.sources, (a_range, b_range)):
        assert use.passages
        for p in use.passages:
            assert p.a.start in part and p.a.end in part, (use.source.path, p.a)
    taken_from_a = "".join(p.a.of(text) for p in verdict.sources[0].passages)
    taken_from_b = "".join(p.a.of(text) for p in verdict.sources[1].passages)
    assert taken_from_a == part_a and taken_from_b == part_b
    assert verdict.derivation == "whole" and verdict.new_material == ()


# --- credit --------------------------------------------------------------------

WIRE_PARAGRAPHS = [
    "Russian forces launched 90 drones and missiles at Kyiv overnight, damaging power lines in three districts.",
    "Mayor Vitali Klitschko said two people were injured when debris fell on a block of flats in Darnytskyi.",
    "Air defence units shot down most of the incoming drones over the capital region, the air force said on Sunday.",
    "Engineers restored electricity to most homes by the morning, the energy ministry said in a statement.",
]


def _with_last_sentence_ending(ending: str) -> str:
    return "\n".join(WIRE_PARAGRAPHS[:3] + [WIRE_PARAGRAPHS[3][:-1] + ending])


def test_copy_saying_reuters_reported_credits_a_reuters_source():
    """A copy ending "..., Reuters reported." credits a source whose metadata says Reuters."""
    wire = _article("\n".join(WIRE_PARAGRAPHS), "wire.txt", publisher="Reuters")
    verdict = _verdict(_article(_with_last_sentence_ending(", Reuters reported."), "copy.txt"), [wire])
    use, = verdict.sources
    assert (use.publisher, use.credited) == ("Reuters", True)
    assert "Reuters" in verdict.credits


def test_copy_without_the_credit_phrase_is_uncredited():
    """The same copy without the credit phrase does not credit the source."""
    wire = _article("\n".join(WIRE_PARAGRAPHS), "wire.txt", publisher="Reuters")
    verdict = _verdict(_article("\n".join(WIRE_PARAGRAPHS), "copy.txt"), [wire])
    use, = verdict.sources
    assert (use.publisher, use.credited) == ("Reuters", False)
    assert verdict.credits == ()


def test_publishers_argument_names_the_source():
    """A source named through ``publishers`` (path -> name) carries that name."""
    wire = _article("\n".join(WIRE_PARAGRAPHS), "wire.txt")
    candidate = _article("\n".join(WIRE_PARAGRAPHS), "copy.txt")
    assert _verdict(candidate, [wire]).sources[0].publisher is None
    assert _verdict(candidate, [wire], {"wire.txt": "Example Wire"}).sources[0].publisher == "Example Wire"


def test_credit_to_a_publisher_named_by_the_caller():
    """A copy saying "according to Example Wire" credits the source the caller named Example Wire."""
    wire = _article("\n".join(WIRE_PARAGRAPHS), "wire.txt")
    candidate = _article(_with_last_sentence_ending(", according to Example Wire."), "copy.txt")
    use, = _verdict(candidate, [wire], {"wire.txt": "Example Wire"}).sources
    assert use.publisher == "Example Wire"
    assert use.credited is True


# --- new material and claims ---------------------------------------------------


def test_new_material_is_exactly_the_inserted_paragraphs_and_claims_are_the_checkable_ones(source):
    """new_material spans are the inserted paragraphs; new_claims are the inserted sentences stating something checkable."""
    first_insert = NEW_CLAIMS[:3] + [EVALUATIVE]
    second_insert = [SUBHEADING] + NEW_CLAIMS[3:]
    text = "\n".join(WAPO_PARAGRAPHS[:4] + first_insert + WAPO_PARAGRAPHS[4:8] + second_insert + WAPO_PARAGRAPHS[8:10])
    candidate = _article(text, "insert.txt")
    verdict = _verdict(candidate, [source])
    assert [span.of(text) for span in verdict.new_material] == ["\n".join(first_insert), "\n".join(second_insert)]
    assert [claim.text for claim in verdict.new_claims] == NEW_CLAIMS
    for claim in verdict.new_claims:
        assert claim.span.of(text) == claim.text
        assert claim.signals
    claimed = {claim.text for claim in verdict.new_claims}
    assert EVALUATIVE not in claimed and SUBHEADING not in claimed
    # nothing copied from the source is reported as new
    for paragraph in WAPO_PARAGRAPHS[:10]:
        assert not any(paragraph in span.of(text) for span in verdict.new_material)


# --- language ------------------------------------------------------------------

NON_ENGLISH = {
    "no": ("Regjeringen i Oslo har besluttet \u00e5 sende flere luftvernsystemer til Ukraina, opplyser "
           "forsvarsministeren. Beslutningen ble tatt etter et m\u00f8te med de andre nordiske landene p\u00e5 mandag. "
           "Det er ikke kjent hvor mange systemer som skal sendes, men leveransen skal skje f\u00f8r jul. "
           "Ukrainas president takket Norge for st\u00f8tten i en tale p\u00e5 tirsdag kveld."),
    "de": ("Die Bundesregierung hat beschlossen, weitere Luftabwehrsysteme an die Ukraine zu liefern. "
           "Die Entscheidung wurde nach einem Treffen mit den europ\u00e4ischen Partnern am Montag getroffen. "
           "Wie viele Systeme geliefert werden, ist noch nicht bekannt, aber die Lieferung soll vor Weihnachten "
           "erfolgen. Der ukrainische Pr\u00e4sident dankte Deutschland in einer Rede am Dienstagabend f\u00fcr die "
           "Unterst\u00fctzung."),
    "el": ("\u0397 \u03ba\u03c5\u03b2\u03ad\u03c1\u03bd\u03b7\u03c3\u03b7 \u03b1\u03c0\u03bf\u03c6\u03ac\u03c3\u03b9\u03c3\u03b5 "
           "\u03bd\u03b1 \u03c3\u03c4\u03b5\u03af\u03bb\u03b5\u03b9 \u03c0\u03b5\u03c1\u03b9\u03c3\u03c3\u03cc\u03c4\u03b5\u03c1\u03b1 "
           "\u03c3\u03c5\u03c3\u03c4\u03ae\u03bc\u03b1\u03c4\u03b1 \u03b1\u03b5\u03c1\u03ac\u03bc\u03c5\u03bd\u03b1\u03c2 "
           "\u03c3\u03c4\u03b7\u03bd \u039f\u03c5\u03ba\u03c1\u03b1\u03bd\u03af\u03b1. "
           "\u0397 \u03b1\u03c0\u03cc\u03c6\u03b1\u03c3\u03b7 \u03c0\u03ac\u03c1\u03b8\u03b7\u03ba\u03b5 \u03bc\u03b5\u03c4\u03ac "
           "\u03b1\u03c0\u03cc \u03c3\u03c5\u03bd\u03ac\u03bd\u03c4\u03b7\u03c3\u03b7 \u03bc\u03b5 \u03c4\u03bf\u03c5\u03c2 "
           "\u0395\u03c5\u03c1\u03c9\u03c0\u03b1\u03af\u03bf\u03c5\u03c2 \u03b5\u03c4\u03b1\u03af\u03c1\u03bf\u03c5\u03c2 "
           "\u03c4\u03b7 \u0394\u03b5\u03c5\u03c4\u03ad\u03c1\u03b1. "
           "\u0394\u03b5\u03bd \u03b5\u03af\u03bd\u03b1\u03b9 \u03b3\u03bd\u03c9\u03c3\u03c4\u03cc \u03c0\u03cc\u03c3\u03b1 "
           "\u03c3\u03c5\u03c3\u03c4\u03ae\u03bc\u03b1\u03c4\u03b1 \u03b8\u03b1 \u03c3\u03c4\u03b1\u03bb\u03bf\u03cd\u03bd, "
           "\u03b1\u03bb\u03bb\u03ac \u03b7 \u03c0\u03b1\u03c1\u03ac\u03b4\u03bf\u03c3\u03b7 \u03b8\u03b1 \u03b3\u03af\u03bd\u03b5\u03b9 "
           "\u03c0\u03c1\u03b9\u03bd \u03b1\u03c0\u03cc \u03c4\u03b1 \u03a7\u03c1\u03b9\u03c3\u03c4\u03bf\u03cd\u03b3\u03b5\u03bd\u03bd\u03b1. "
           "\u039f \u03c0\u03c1\u03cc\u03b5\u03b4\u03c1\u03bf\u03c2 \u03c4\u03b7\u03c2 \u039f\u03c5\u03ba\u03c1\u03b1\u03bd\u03af\u03b1\u03c2 "
           "\u03b5\u03c5\u03c7\u03b1\u03c1\u03af\u03c3\u03c4\u03b7\u03c3\u03b5 \u03c4\u03b7\u03bd \u03ba\u03c5\u03b2\u03ad\u03c1\u03bd\u03b7\u03c3\u03b7 "
           "\u03b3\u03b9\u03b1 \u03c4\u03b7 \u03c3\u03c4\u03ae\u03c1\u03b9\u03be\u03b7 \u03c3\u03b5 \u03bf\u03bc\u03b9\u03bb\u03af\u03b1 "
           "\u03c4\u03bf\u03c5 \u03c4\u03b7\u03bd \u03a4\u03c1\u03af\u03c4\u03b7."),
}


@pytest.mark.parametrize("language", sorted(NON_ENGLISH))
def test_non_english_candidate_gets_a_warning_naming_its_language(language, wapo_seed):
    """A Norwegian, German or Greek candidate is judged without error and warned about by language."""
    verdict = _verdict(_article(NON_ENGLISH[language], f"{language}.txt"), [wapo_seed])
    assert verdict.candidate.metadata.get("language") == language
    assert len(verdict.warnings) == 1
    assert f"({language})" in verdict.warnings[0] and "not English" in verdict.warnings[0]
    assert verdict.derivation == "none"
    json.dumps(verdict_data(verdict), ensure_ascii=False)  # serialisable as the CLI prints it


def test_english_candidate_has_no_language_warning(source):
    """An English candidate carries no warning."""
    assert _verdict(_article(SOURCE_TEXT, "copy.txt"), [source]).warnings == ()


# --- direction -----------------------------------------------------------------


def _passages(a, b):
    comparison = compare([a, b])
    assert comparison.overlaps, "the pair should share passages"
    return comparison.overlaps[0].passages


def test_direction_credit_decides_on_the_seeds():
    """The BBC seed credits The Washington Post, the WaPo seed's sidecar publisher: WaPo is the original."""
    bbc, wapo = load_article(SEEDS["bbc"]), load_article(SEEDS["wapo"])
    assert wapo.metadata["publisher"] == "The Washington Post"
    found = direction(bbc, wapo, _passages(bbc, wapo))
    assert found.original == "b"
    assert any("credits The Washington Post" in reason for reason in found.reasons)
    assert direction(wapo, bbc, _passages(wapo, bbc)).original == "a"


def test_direction_credit_outweighs_an_earlier_date():
    """A copy dated earlier that credits the wire still makes the wire the original."""
    copy = _article(SOURCE_TEXT + "\nThe talks were first reported by Reuters.", "copy.txt", date="2024-05-01")
    wire = _article(SOURCE_TEXT, "wire.txt", publisher="Reuters", date="2024-05-30")
    found = direction(copy, wire, _passages(copy, wire))
    assert found.original == "b"
    assert len(found.reasons) == 2  # both pieces of evidence are reported


def test_direction_dates_decide_without_credit():
    """With no credit either way, the earlier-dated article is the original, whichever side it is on."""
    early = _article(SOURCE_TEXT, "early.txt", date="2024-05-29")
    late = _article(SOURCE_TEXT, "late.txt", date="2024-05-30")
    assert direction(early, late, _passages(early, late)).original == "a"
    found = direction(late, early, _passages(late, early))
    assert found.original == "b"
    assert found.reasons == ("early.txt is dated 2024-05-29, before late.txt (2024-05-30)",)


def test_direction_dates_at_different_precision_are_no_evidence():
    """"2024-05" against "2024-05-30" is a tie, not evidence."""
    month = _article(SOURCE_TEXT, "month.txt", date="2024-05")
    day = _article(SOURCE_TEXT, "day.txt", date="2024-05-30")
    assert direction(month, day, _passages(month, day)).original is None


def test_direction_truncated_copy_points_to_the_longer_article():
    """A copy holding only the first half of an article is the copy."""
    full = _article(SOURCE_TEXT, "full.txt")
    truncated = _article("\n".join(WAPO_PARAGRAPHS[:5]), "truncated.txt")
    found = direction(full, truncated, _passages(full, truncated))
    assert found.original == "a"
    assert "truncated.txt" in found.reasons[0] and "contained in full.txt" in found.reasons[0]
    assert direction(truncated, full, _passages(truncated, full)).original == "b"


def test_direction_wire_signoff_points_to_the_wire_story():
    """The wire story keeps "(Reporting by …; Editing by …)"; the newspaper's copy of it drops that
    and adds a paragraph of its own: the wire story is the original, and the reason says why."""
    wire = _article(SOURCE_TEXT + "\n(Reporting by Jane Doe; Editing by John Smith)", "wire.txt")
    paper = _article(SOURCE_TEXT + "\nThe city council will discuss the decision at its meeting next week.",
                     "paper.txt")
    assert [d.reason for d in wire.debris] == ["sign-off"]
    found = direction(paper, wire, _passages(paper, wire))
    assert found.original == "b"
    assert found.reasons == ("wire.txt keeps a wire sign-off that paper.txt drops, as a rewrite of a wire story does",)
    assert direction(wire, paper, _passages(wire, paper)).original == "a"


def test_direction_newspaper_contributor_line_is_not_a_wire_signoff():
    """"The Associated Press contributed to this report" is the newspaper's own line, not the wire's sign-off."""
    one = _article(SOURCE_TEXT + "\nThe Associated Press contributed to this report.", "one.txt")
    two = _article(SOURCE_TEXT, "two.txt")
    assert [d.reason for d in one.debris] == ["sign-off"]
    assert not any("wire sign-off" in reason for reason in direction(one, two, _passages(one, two)).reasons)


def test_direction_is_undecided_when_only_debris_differs():
    """Of two identical texts, one carrying ad markers and a source link: debris says where a copy
    was scraped from, not which text came first, so alone it decides nothing; the reason is listed."""
    clean = _article(SOURCE_TEXT, "clean.txt")
    scraped = _article("[ad_1]\n" + SOURCE_TEXT + "\n[ad_2]\nSource link\n", "scraped.txt")
    found = direction(scraped, clean, _passages(scraped, clean))
    assert found.original is None
    assert "scraped.txt carries scraper debris" in found.reasons[0]
    assert "only scraper debris differs" in found.reasons[-1]


def test_direction_debris_adds_weight_to_other_evidence():
    """With a date each, the earlier one is the original, and the debris on the later one is listed."""
    clean = _article(SOURCE_TEXT, "clean.txt", date="2024-05-02")
    scraped = _article("[ad_1]\n" + SOURCE_TEXT + "\nSource link\n", "scraped.txt", date="2024-05-03")
    found = direction(scraped, clean, _passages(scraped, clean))
    assert found.original == "b"
    assert any("carries scraper debris" in reason for reason in found.reasons)


def test_direction_without_evidence_is_undecided():
    """Two identical texts with no metadata, debris or credit: no original."""
    one, two = _article(SOURCE_TEXT, "one.txt"), _article(SOURCE_TEXT, "two.txt")
    found = direction(one, two, _passages(one, two))
    assert found.original is None
    assert found.reasons == ("no evidence either way",)
