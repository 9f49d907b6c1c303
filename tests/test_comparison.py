"""Passage comparison on the seeds and on derived copies the tests make."""

from __future__ import annotations

import re

import pytest

from dedupe import clean_text, compare
from dedupe.application import compare_texts
from dedupe.alignment import char_similarity, match_strength, term_weights
from dedupe.fingerprints import content_terms
from dedupe.segmentation import segment_blocks
from conftest import SEEDS, seed_text


@pytest.fixture(scope="module")
def seeds():
    articles = [clean_text(seed_text(name), name) for name in sorted(SEEDS)]
    return {a.path: a for a in articles}, compare(articles)


def _passages(comparison, first, second):
    """(first-side text, second-side text, passage) for each passage of the pair."""
    names = [a.path for a in comparison.articles]
    found = []
    for overlap in comparison.overlaps:
        pair = (names[overlap.a], names[overlap.b])
        if set(pair) != {first, second}:
            continue
        for p in overlap.passages:
            a_text = p.a.of(comparison.articles[overlap.a].text)
            b_text = p.b.of(comparison.articles[overlap.b].text)
            found.append((a_text, b_text, p) if pair[0] == first else (b_text, a_text, p))
    return found


def test_radar_station_passage_pairs_wapo_and_bbc_as_reworded(seeds):
    _, comparison = seeds
    radar = [(w, b, p) for w, b, p in _passages(comparison, "wapo", "bbc") if "radar stations" in w]
    assert len(radar) == 1
    wapo_text, bbc_text, passage = radar[0]
    assert "two attempted attacks over the past week against radar stations" in wapo_text
    assert "two attempted attacks against radar stations" in bbc_text
    assert passage.kind == "reworded"
    assert "radar" in passage.shared


def test_putin_global_conflict_quotes_pair_up(seeds):
    _, comparison = seeds
    quotes = [(w, b) for w, b, _ in _passages(comparison, "wapo", "bbc") if "global conflict" in w]
    assert quotes == [("“Are they looking for a global conflict?”", "“Do they want a global conflict?”")]


def test_time_story_from_2022_shares_nothing_with_the_2024_stories(seeds):
    _, comparison = seeds
    names = [a.path for a in comparison.articles]
    assert comparison.partners(names.index("time")) == []


def test_every_passage_span_is_body_text_cut_at_word_boundaries(seeds):
    """Passages are built from sentences and may be trimmed to the copied
    wording inside one, but never cut a word or leave the body."""
    _, comparison = seeds
    for overlap in comparison.overlaps:
        for side, number in (("a", overlap.a), ("b", overlap.b)):
            article = comparison.articles[number]
            sentences = segment_blocks(article.text, article.body)
            for passage in overlap.passages:
                span = getattr(passage, side)
                assert any(s.start <= span.start < s.end for s in sentences)
                assert any(s.start < span.end <= s.end for s in sentences)
                text = article.text
                assert span.start == 0 or not (text[span.start - 1].isalnum() and text[span.start].isalnum())
                assert span.end == len(text) or not (text[span.end - 1].isalnum() and text[span.end].isalnum())


# --- derived copies ---------------------------------------------------------

WAPO_PARAGRAPHS = [line for line in seed_text("wapo").splitlines() if len(line.split()) > 12][:12]


def _passage_texts(result):
    return [(p.kind, p.a.of(result.articles[0].text), p.b.of(result.articles[1].text))
            for o in result.overlaps for p in o.passages]


def test_verbatim_copy_with_other_debris_is_one_identical_passage():
    original = "\n".join(WAPO_PARAGRAPHS)
    copy = "[ad_1]\nShare this article\n" + original + "\nRead more: Five things to know about ATACMS\n"
    result = compare_texts({"original": original, "copy": copy})
    assert [(kind, a == original.strip()) for kind, a, _ in _passage_texts(result)] == [("identical", True)]
    (_, _, copied), = _passage_texts(result)
    assert copied == original.strip()  # the debris around it is not part of the passage


def test_house_style_edits_are_minor_changes():
    original = "\n".join(WAPO_PARAGRAPHS[:4])
    edited = (original.replace("“", '"').replace("”", '"').replace("U.S.", "US")
              .replace("Blinken told reporters", "Blinken told journalists")
              .replace("Wednesday", "Wednesday (May 29)"))
    result = compare_texts({"original": original, "edited": edited})
    kinds = [kind for kind, _, _ in _passage_texts(result)]
    assert kinds == ["minor-changes"]


def test_deleted_paragraphs_split_the_copy_and_new_material_is_left_out():
    new_paragraph = ("Meanwhile, the city of Lviv opened three new shelters for families displaced by the "
                     "fighting, the regional governor announced on Friday.")
    copy_lines = WAPO_PARAGRAPHS[:3] + [new_paragraph] + WAPO_PARAGRAPHS[7:]
    result = compare_texts({"original": "\n".join(WAPO_PARAGRAPHS), "copy": "\n".join(copy_lines)})
    passages = _passage_texts(result)
    assert [kind for kind, _, _ in passages] == ["identical", "identical"]
    assert passages[0][2] == "\n".join(WAPO_PARAGRAPHS[:3])
    assert passages[1][2] == "\n".join(WAPO_PARAGRAPHS[7:])
    assert all("Lviv" not in b for _, _, b in passages)


SYNONYMS = {"considering": "weighing", "restrictions": "limits", "allies": "partners", "attack": "hit",
            "weapons": "arms", "officials": "authorities", "remarks": "comments", "aggressive": "forceful",
            "pressure": "strain", "agreement": "accord", "sensitive": "touchy", "warned": "cautioned"}


def _spin(text: str) -> str:
    return re.sub(r"\b(" + "|".join(SYNONYMS) + r")\b", lambda m: SYNONYMS[m.group()], text)


def test_synonym_spun_copy_is_still_found():
    original = "\n".join(WAPO_PARAGRAPHS)
    spun = _spin(original)
    assert spun != original
    result = compare_texts({"original": original, "spun": spun})
    passages = _passage_texts(result)
    covered = sum(len(b) for _, _, b in passages)
    assert covered >= 0.9 * len(spun.strip())
    assert {kind for kind, _, _ in passages} <= {"identical", "minor-changes", "reworded"}
    assert any(kind != "identical" for kind, _, _ in passages)


def test_short_sentences_sharing_two_words_match_only_near_other_matches():
    a = "The talks ended on Friday."
    b = "The talks began on Friday."
    terms_a, terms_b = frozenset(content_terms(a)), frozenset(content_terms(b))
    weights = term_weights([terms_a, terms_b])
    assert match_strength(terms_a, terms_b, a, b, weights) == "weak"
    result = compare_texts({"a": "Rain is due in Oslo.\n" + a, "b": "Prices rose in May.\n" + b})
    assert result.overlaps == ()


def test_char_similarity_measures_kept_wording():
    assert char_similarity("The U.S. said so.", "the US said so") == 1.0
    assert char_similarity("Talks resumed in Geneva.", "Negotiations restarted in Switzerland.") < 0.6


def test_copy_that_starts_inside_a_sentence_is_trimmed_to_the_copied_words():
    """Copying that begins mid-sentence is reported from where the shared wording begins."""
    copied = ("Washington conveyed its concerns to Kyiv about two attempted attacks over the past week against "
              "radar stations that provide conventional air defense as well as warning of nuclear launches by the West.")
    copy = "In a statement issued late on Friday, the ministry insisted that " + copied[0].lower() + copied[1:]
    result = compare_texts({"source": seed_text("wapo"), "copy": copy})
    (overlap,) = result.overlaps
    (passage,) = overlap.passages
    source, candidate = result.articles
    assert passage.b.of(candidate.text) == copied[0].lower() + copied[1:]
    assert passage.a.of(source.text) == copied
    assert passage.kind == "identical"


def test_reworded_passage_is_not_trimmed_to_its_shared_fragments():
    """A translated passage keeps its whole sentences, not the few words it shares verbatim."""
    wapo, bbc = clean_text(seed_text("wapo"), "wapo"), clean_text(seed_text("bbc"), "bbc")
    radar = [p for o in compare([bbc, wapo]).overlaps for p in o.passages if "radar" in p.shared]
    assert [p.a.of(bbc.text) for p in radar] == [
        "US administration, According to the Washington PostKiev expressed its concerns over two attempted attacks "
        "against radar stations that provide conventional air defense and warnings from Western countries about "
        "nuclear missiles."]


def test_headline_summarising_the_lead_is_not_part_of_a_copied_lead():
    """A copy of the body (not the headline) is one passage that starts at
    the lead, even though the headline's words all recur in the lead."""
    bbc = clean_text(seed_text("bbc"), "bbc")
    body = [span.of(bbc.text) for span in bbc.body][1:8]  # the paragraphs under the headline
    result = compare_texts({"copy": "\n".join(body), "bbc": seed_text("bbc")})
    (overlap,) = result.overlaps
    assert [(p.kind, p.b.of(result.articles[1].text)[:40]) for p in overlap.passages] == [
        ("identical", body[0][:40])]


def test_copy_runs_over_debris_removed_from_the_source():
    """A shortcode between two source paragraphs does not split the copy of both."""
    time = clean_text(seed_text("time"), "time")
    body = [span.of(time.text) for span in time.body]
    copy = "\n".join(body[1:6])  # spans the [time-brightcove] line in the source
    result = compare_texts({"copy": copy, "time": seed_text("time")})
    (overlap,) = result.overlaps
    assert [p.kind for p in overlap.passages] == ["identical"]
    assert overlap.passages[0].a.of(copy) == copy


# --- passage edges, joins and carried-over sentences (issue 9) -------------------


def test_copy_starting_mid_sentence_is_cut_to_the_copied_wording():
    """A copy that starts and ends inside sentences of its own: the passage is the copied
    text on both sides, not the copy's own lead-in or tail."""
    source = "\n".join(WAPO_PARAGRAPHS[:6])
    copied = " ".join(WAPO_PARAGRAPHS[1:5])
    copy = ("Our correspondent in Prague filed this report on Friday night, and "
            + copied[0].lower() + copied[1:-1]
            + " which the mayor of Brno denounced in a statement of his own.\n")
    result = compare_texts({"copy": copy, "source": source})
    taken = [(a, b) for kind, a, b in _passage_texts(result) if kind in ("identical", "minor-changes")]
    assert len(taken) == 1
    a, b = taken[0]
    assert not a.startswith("Our correspondent") and "mayor of Brno" not in a
    assert a.split()[-3:] == copied[:-1].split()[-3:]
    assert len(a) >= 0.95 * len(copied)


def test_a_reworded_ending_that_restates_the_other_side_stays_in_the_passage():
    """The machine-translated BBC seed rewords the WaPo radar sentence to its end: the
    passage keeps "and warnings ... nuclear missiles", which restates "as well as warning of
    nuclear launches by the West"."""
    bbc, wapo = clean_text(seed_text("bbc"), "bbc"), clean_text(seed_text("wapo"), "wapo")
    radar = [p.a.of(bbc.text) for o in compare([bbc, wapo]).overlaps for p in o.passages if "radar" in p.shared]
    assert radar and radar[0].endswith("about nuclear missiles.")


def test_spun_sentence_moved_away_in_a_copy_is_carried_over_not_new():
    """In a copy whose copying its verbatim paragraphs establish, a sentence both spun and
    moved to the end is still the source's sentence: aligned, and no new material."""
    source = "\n".join(WAPO_PARAGRAPHS[:8])
    moved = "Lipavsky’s remarks add to a steady drum beat of Western officials pushing Washington to a more aggressive posture."
    assert moved in source
    spun = "Lipavsky’s remarks add to a constant drumbeat of Western officials pushing Washington toward a more aggressive stance."
    copy = source.replace(moved, "").replace("\n\n", "\n") + "\n" + spun + "\n"
    result = compare_texts({"copy": copy, "source": source})
    passages = [p for o in result.overlaps for p in o.passages]
    assert any(p.a.of(result.articles[0].text) == spun for p in passages)


def test_a_sentence_repeated_hundreds_of_times_is_aligned_in_linear_work(monkeypatch):
    """One sentence 250/500 times in two articles took 57/385 s: every copy was paired with every
    other (n² pairs through LSH, alignment and passage building). Each sentence now meets at most
    Settings.max_sentence_partners copies, those nearest its place, and the passage is the same:
    four times the text, about four times the sentence pairs handed to alignment, not sixteen."""
    import dedupe.comparison
    from dedupe.cleaning import clean_text
    from dedupe.comparison import compare, compare_against
    from dedupe.model import Span

    calls = {"n": 0}
    original = dedupe.comparison.align

    def counted(a, b, candidates, *args, **kwargs):
        candidates = list(candidates)
        calls["n"] += len(candidates)  # the sentence pairs handed to alignment
        return original(a, b, candidates, *args, **kwargs)

    monkeypatch.setattr(dedupe.comparison, "align", counted)
    sentence = "Officials met in Geneva on Monday to discuss the future of the grain corridor across the Black Sea. "
    work = {}
    for times in (100, 400):
        a = clean_text("Talks resumed.\n" + sentence * times, "a.txt")
        b = clean_text("Talks went on.\n" + sentence * times, "b.txt")
        whole = Span(15, 15 + len(sentence) * times - 1)
        for name, found in (("report", compare([a, b]).overlaps), ("check", compare_against([a], [b]).overlaps)):
            assert [(p.a, p.b, str(p.kind)) for p in found[0].passages] == [(whole, whole, "identical")]
            work[name, times] = calls["n"]
            calls["n"] = 0
    for name in ("report", "check"):
        assert work[name, 400] <= 5 * work[name, 100], work


def _news_like(count: int, seed: int) -> list[str]:
    """``count`` unrelated articles of 20 sentences, their words drawn from a
    Zipf-like vocabulary of 20,000 (common words recur in many sentences, as
    in news), so sentences of different articles often share a word or two."""
    import random

    rng = random.Random(seed)
    vocabulary = [f"w{n}" for n in range(20_000)]
    weights = [1 / (rank + 100) for rank in range(len(vocabulary))]
    articles = []
    for _ in range(count):
        sentences = []
        for _ in range(20):
            words = rng.choices(vocabulary, weights, k=rng.randint(10, 18))
            sentences.append(" ".join(words).capitalize() + ".")
        articles.append("\n".join(" ".join(sentences[n:n + 4]) for n in range(0, 20, 4)))
    return articles


def test_only_article_pairs_that_could_match_are_aligned(monkeypatch):
    """LSH tuned for recall pairs many sentences that share a common word
    or two by chance; aligning every pair of articles they join made a
    report grow with the square of its size (on 10,000 generated news
    articles, 13.5 million sentence pairs, 5% of them near the threshold).
    Only pairs with a sentence pair near the threshold reach alignment, and
    what is found is the same as when every proposed pair is aligned."""
    import dedupe.comparison
    from dedupe.comparison import compare
    from dedupe.settings import Settings

    texts = _news_like(300, seed=4)
    texts += [texts[7], texts[11].replace("w1 ", "w2 ")]  # a copy and a light edit
    articles = [clean_text(text, f"{n}.txt") for n, text in enumerate(texts)]
    aligned = []
    original = dedupe.comparison.align
    monkeypatch.setattr(dedupe.comparison, "align", lambda a, b, *rest: aligned.append(1) or original(a, b, *rest))
    found = compare(articles)
    with_floor = len(aligned)
    aligned.clear()
    every = compare(articles, Settings(candidate_min_similarity=0.0))
    assert with_floor * 4 < len(aligned)  # four times fewer pairs of articles aligned
    assert [(o.a, o.b, o.passages) for o in found.overlaps] == [(o.a, o.b, o.passages) for o in every.overlaps]
    assert {(o.a, o.b) for o in found.overlaps} == {(7, 300), (11, 301)}
