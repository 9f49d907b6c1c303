"""Verdicts: what each candidate took from the sources, how, and with what credit.

From the passages a candidate shares with each source
(:func:`dedupe.comparison.compare_against`) this stage works out:

* **coverage**: the share of the candidate's body characters inside *taken*
  passages from a source (``coverage``), and the share of the source reused
  (``source_coverage``). Passages that hold only what independent reports
  of one event share (``shared-quote``, ``shared-facts``: see
  :mod:`dedupe.evidence`) are listed and never counted;
* **derivation**: ``whole`` when essentially all of the candidate is taken
  text (``Settings.whole_coverage``), ``partial`` when a substantial part is
  (``Settings.partial_coverage``) or most of a source is in it
  (``Settings.partial_source_coverage``), else ``none``; never on fewer than
  ``Settings.min_evidence_words`` words of taken text, unless the two are
  one text word for word;
* **rewording** of what was taken, from the share of its words kept in runs
  of three or more shared words, weighted by passage length: ``verbatim``
  (nearly all), ``light`` (half or more: house-style edits, synonym swaps)
  or ``heavy`` (paraphrase, translation, restructuring);
* **credit**: whether the candidate names the source's publisher in a
  crediting form (:mod:`dedupe.credits`);
* **new material**: candidate sentences that come from no source, and among
  them **new claims**, the sentences that state something checkable: figures,
  dates, quotes, attributed statements, named people and places.

>>> from dedupe.cleaning import clean_text
>>> from dedupe.comparison import compare_against
>>> story = ("Russia fired 90 missiles at Kyiv overnight, officials said. Air defences shot down most of "
...          "them over the capital region. Power was cut in several districts after a strike on a substation. "
...          "Repair crews worked through the morning to restore heating to hospitals and schools.")
>>> wire = clean_text(story, "wire.txt")
>>> copy = clean_text(story + "\\nThe mayor of Lviv said 12 people were hurt there. Trains to Poland ran late "
...                   "on Tuesday.", "copy.txt")
>>> verdict, = judge(compare_against([copy], [wire]))
>>> str(verdict.derivation), str(verdict.rewording), len(verdict.new_claims)
('partial', 'verbatim', 2)
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable, Mapping, Sequence

from dedupe.credits import credited_publishers, source_publisher
from dedupe.language import LANGUAGE_NAMES
from dedupe.model import (
    AlignedPassage,
    Article,
    Claim,
    ClaimSignal,
    Comparison,
    DebrisReason,
    Derivation,
    Direction,
    Overlap,
    PassageKind,
    Rewording,
    SourceMatches,
    SourceUse,
    Span,
    Verdict,
)
from dedupe.segmentation import ends_sentence
from dedupe.settings import DEFAULT_SETTINGS, Settings

_MONTHS = ("January|February|March|April|May|June|July|August|September|October|November|December|"
           "Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept?|Oct|Nov|Dec")
_WEEKDAYS = "Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday"
CLAIM_SIGNALS: Mapping[ClaimSignal, re.Pattern[str]] = {
    ClaimSignal.FIGURE: re.compile(
        r"\d|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|dozens?|hundreds?|"
        r"thousands?|millions?|billions?|trillions?|percent|per cent|half|third|quarter)\b", re.I),
    ClaimSignal.DATE: re.compile(
        rf"\b(?:{_MONTHS}|{_WEEKDAYS}|yesterday|today|tomorrow|tonight)\b|\b(?:19|20)\d\d\b|"
        r"\b(?:last|next|this) (?:week|month|year|spring|summer|autumn|fall|winter)\b"),
    ClaimSignal.QUOTE: re.compile(r"[“”\"«»„]|(?:^|\s)[–—-]\s"),
    ClaimSignal.ATTRIBUTION: re.compile(
        r"\b(?:said|says|told|according to|announced|claimed|stated|confirmed|denied|warned|"
        r"reported|insisted|argued|wrote|tweeted|posted|estimated|accused|admitted|"
        r"acknowledged|promised|pledged|revealed|disclosed)\b", re.I),
    # A capitalised word that does not open the sentence: a named person,
    # place or organisation.
    ClaimSignal.NAME: re.compile(r"(?<=[\w,;:)] )(?!I\b)[A-Z][\w'’.-]+"),
}


def judge(matches: SourceMatches, publishers: Mapping[str, str] | None = None,
          settings: Settings | None = None, known_publishers: Iterable[str] = ()) -> list[Verdict]:
    """A verdict for every candidate of ``matches``, in order.

    ``publishers`` maps a source path to its publisher's name (from
    ``--against NAME=PATH``); other sources are named from their metadata.
    ``known_publishers`` are more names to look for credits to (an index's
    publishers, whose articles did not all make the shortlist).
    """
    settings = settings or matches.settings
    names = [source_publisher(source, (publishers or {}).get(source.path)) for source in matches.sources]
    lookup = {name: [name] for name in (*names, *known_publishers) if name}
    by_candidate: dict[int, list[tuple[int, tuple[AlignedPassage, ...]]]] = {}
    for overlap in matches.overlaps:
        by_candidate.setdefault(overlap.a, []).append((overlap.b, overlap.passages))
    verdicts = []
    for number, candidate in enumerate(matches.candidates):
        sentences = matches.sentences[number]
        body = candidate.body
        credited = credited_publishers(candidate, lookup, settings=settings)
        uses = []
        for source_number, passages in by_candidate.get(number, []):
            source = matches.sources[source_number]
            taken = [p for p in passages if p.taken]
            coverage = _share(body, (p.a for p in taken))
            source_coverage = _share(source.body, (p.b for p in taken))
            publisher = names[source_number]
            uses.append(SourceUse(
                source=source,
                publisher=publisher,
                derivation=_derivation(coverage, source_coverage, _evidence_words(taken), settings,
                                       verbatim=_rewording(taken, settings) == Rewording.VERBATIM),
                rewording=_rewording(taken, settings),
                coverage=coverage,
                source_coverage=source_coverage,
                credited=publisher is not None and publisher in credited,
                passages=passages,
            ))
        uses.sort(key=lambda use: (-use.coverage, use.source.path))
        all_taken = [p for use in uses for p in use.passages if p.taken]
        coverage = _share(body, (p.a for p in all_taken))
        derivation = max((_derivation(coverage, 0.0, _evidence_words(all_taken), settings, verbatim=False),
                          *(use.derivation for use in uses)), key=_DERIVATION_RANK.__getitem__)
        new = _uncovered(sentences, [p.a for use in uses for p in use.passages])
        verdicts.append(Verdict(
            candidate=candidate,
            derivation=derivation,
            rewording=_rewording(all_taken, settings),
            coverage=coverage,
            sources=tuple(uses),
            new_material=tuple(_merge_adjacent(candidate.text, new)),
            new_claims=tuple(_claims(candidate.text, new)),
            credits=tuple(sorted(credited)),
            warnings=_warnings(candidate),
        ))
    return verdicts


def judge_pair(comparison: Comparison, overlap: Overlap, found: Direction,
               settings: Settings | None = None) -> Verdict:
    """The verdict on one overlapping pair of a report: the probable copy
    (the side ``found`` does not name as original; B when undecided) judged
    against the other, as ``dedupe check`` would judge it. Its
    ``sources[0]`` holds the passages seen from the copy's side.

    >>> from dedupe.cleaning import clean_text
    >>> from dedupe.comparison import compare
    >>> story = ("Russia fired 90 missiles at Kyiv overnight, officials said. Air defences shot down most of "
    ...          "them over the capital region. Power was cut in several districts after a strike on a "
    ...          "substation. Repair crews worked through the morning to restore heating to hospitals.")
    >>> run = compare([clean_text(story, "wire.txt"), clean_text(story + " Trains ran late.", "copy.txt")])
    >>> verdict = judge_pair(run, run.overlaps[0], Direction("a", ()))
    >>> verdict.candidate.path, str(verdict.derivation), str(verdict.rewording)
    ('copy.txt', 'whole', 'verbatim')
    """
    copy_is_a = found.original == "b"
    copy, original = (overlap.a, overlap.b) if copy_is_a else (overlap.b, overlap.a)
    passages = overlap.passages if copy_is_a else tuple(p.flipped() for p in overlap.passages)
    matches = SourceMatches((comparison.articles[copy],), (comparison.articles[original],),
                            (Overlap(0, 0, passages),), (comparison.sentences[copy],), comparison.settings)
    return judge(matches, settings=settings or comparison.settings)[0]


_DERIVATION_RANK = {Derivation.NONE: 0, Derivation.PARTIAL: 1, Derivation.WHOLE: 2}


def _derivation(coverage: float, source_coverage: float, evidence_words: int, settings: Settings, *,
                verbatim: bool) -> Derivation:
    """``whole`` when essentially all of the candidate is taken text;
    ``partial`` when a substantial share of the candidate is, or most of
    the source is in it (a short story reproduced inside a long one). Never
    on less than ``settings.min_evidence_words`` words of taken text, unless
    the two are one text word for word (``verbatim`` rewording, all but a
    word here and there kept in runs: a short item reproduced entire; a
    sentence two outlets took from one wire story and edited is not)."""
    if verbatim and coverage >= settings.whole_coverage and source_coverage >= settings.whole_coverage:
        return Derivation.WHOLE
    if evidence_words < settings.min_evidence_words:
        return Derivation.NONE
    if coverage >= settings.whole_coverage:
        return Derivation.WHOLE
    if coverage >= settings.partial_coverage or source_coverage >= settings.partial_source_coverage:
        return Derivation.PARTIAL
    return Derivation.NONE


def _evidence_words(taken: Sequence[AlignedPassage]) -> int:
    """Words of taken text outside quotations: what a derivation rests on."""
    return sum(p.evidence.free_words for p in taken)


def _rewording(passages: Sequence[AlignedPassage], settings: Settings) -> Rewording | None:
    """From the share of the taken text's words kept in shared runs (see
    :func:`dedupe.alignment.kept_share`), weighted by passage length."""
    total = sum(len(p.a) for p in passages)
    if not total:
        return None
    kept = sum(p.kept * len(p.a) for p in passages) / total
    if all(p.kind == PassageKind.IDENTICAL for p in passages) or kept >= settings.verbatim_kept_share:
        return Rewording.VERBATIM
    return Rewording.LIGHT if kept >= settings.light_kept_share else Rewording.HEAVY


def _share(body: Sequence[Span], spans: Iterable[Span]) -> float:
    """The share of the body's characters inside ``spans``. A passage may
    run over the line breaks between body blocks; only body characters count."""
    total = _covered(body)
    if not total:
        return 0.0
    spans = list(spans)
    inside = [Span(max(b.start, s.start), min(b.end, s.end)) for b in body for s in spans if b.overlaps(s)]
    return _covered(inside) / total


def _covered(spans: Iterable[Span]) -> int:
    """Characters covered by the union of ``spans``."""
    total, reach = 0, -1
    for span in sorted(spans):
        start = max(span.start, reach)
        if span.end > start:
            total += span.end - start
        reach = max(reach, span.end)
    return total


def _uncovered(sentences: Sequence[Span], taken: Sequence[Span]) -> list[Span]:
    """The sentences no taken span overlaps, in their order.

    The taken spans are merged into sorted disjoint runs and each sentence is
    looked up by bisection, so thousands of sentences against thousands of
    passages cost n log n, not their product (issue 11).
    """
    starts: list[int] = []
    ends: list[int] = []
    for span in sorted(taken, key=lambda t: t.start):
        if ends and span.start <= ends[-1]:
            ends[-1] = max(ends[-1], span.end)
        else:
            starts.append(span.start)
            ends.append(span.end)
    out = []
    for sentence in sentences:
        i = bisect.bisect_right(ends, sentence.start)  # the first run ending after the sentence starts
        if i == len(ends) or starts[i] >= sentence.end:
            out.append(sentence)
    return out


def _merge_adjacent(text: str, sentences: list[Span]) -> list[Span]:
    """Runs of new sentences separated only by whitespace become one span."""
    merged: list[Span] = []
    for span in sentences:
        if merged and not text[merged[-1].end : span.start].strip():
            merged[-1] = merged[-1].union(span)
        else:
            merged.append(span)
    return merged


def _claims(text: str, sentences: Iterable[Span]) -> list[Claim]:
    claims = []
    for span in sentences:
        sentence = span.of(text)
        if not ends_sentence(sentence):
            continue  # a headline or subheading states nothing on its own
        signals = tuple(name for name, pattern in CLAIM_SIGNALS.items() if pattern.search(sentence))
        if signals:
            claims.append(Claim(span, sentence, signals))
    return claims


def _warnings(candidate: Article) -> tuple[str, ...]:
    language = candidate.metadata.get("language")
    if language and language != "en":
        name = LANGUAGE_NAMES.get(language, language)
        return (f"text looks like {name} ({language}), not English: stemming and stop words are English, "
                "so reworded passages may be missed",)
    if not language:
        return ("language could not be recognised: matching assumes English",)
    return ()


# ---------------------------------------------------------------------------
# Direction: which of two overlapping articles is probably the original
# ---------------------------------------------------------------------------

#: A wire service's own sign-off ("Reporting by Jane Doe; Editing by John
#: Smith"), not a newspaper's "The Associated Press contributed to this report".
_WIRE_SIGNOFF = re.compile(r"\b(?:reporting|editing|writing) by\b", re.IGNORECASE)

#: Debris a scraper leaves when it copies a page onto another site.
SCRAPER_SIGNS = ("ad-marker", "source-link", "source-credit", "embed-shortcode", "related-link", "comment-form")


def direction(a: Article, b: Article, passages: Sequence[AlignedPassage],
              settings: Settings = DEFAULT_SETTINGS) -> Direction:
    """Weigh the evidence for which of ``a`` and ``b`` came first.

    In order of weight (``settings.credit_vote``, ``date_vote``,
    ``containment_vote``, ``signoff_vote``, ``scraper_vote``): one credits
    the other's publisher; publication dates; one's taken text is (nearly)
    all of it while the other has more, as truncated copies are
    (``settings.contained_share``); one keeps a wire sign-off the other
    drops; one carries scraper debris and the other does not. Debris only
    adds weight to other evidence: when nothing else tells the two apart
    the pair is undecided, with the reasons listed.

    >>> from dedupe.cleaning import clean_text
    >>> wire = clean_text("Talks resumed in Geneva on Monday.", "wire.txt",
    ...                   metadata={"publisher": "Reuters", "date": "2024-05-02"})
    >>> copy = clean_text("Talks resumed in Geneva on Monday, Reuters reported.", "copy.txt",
    ...                   metadata={"date": "2024-05-03"})
    >>> found = direction(copy, wire, [])
    >>> found.original, found.reasons[0]
    ('b', 'copy.txt credits Reuters, the publisher of wire.txt')
    """
    votes = {"a": 0, "b": 0}
    reasons: list[str] = []
    sides = {"a": a, "b": b}
    for this, other in (("a", "b"), ("b", "a")):
        publisher = source_publisher(sides[other])
        extra = {publisher: [publisher]} if publisher else None
        if publisher and publisher in credited_publishers(sides[this], extra, settings=settings):
            votes[other] += settings.credit_vote
            reasons.append(f"{sides[this].path} credits {publisher}, the publisher of {sides[other].path}")
    earlier = _earlier(a.metadata.get("date"), b.metadata.get("date"))
    if earlier:
        votes[earlier] += settings.date_vote
        later = "b" if earlier == "a" else "a"
        reasons.append(f"{sides[earlier].path} is dated {sides[earlier].metadata['date']}, "
                       f"before {sides[later].path} ({sides[later].metadata['date']})")
    taken = [p for p in passages if p.taken]
    if taken:
        share_a = _share(a.body, (p.a for p in taken))
        share_b = _share(b.body, (p.b for p in taken))
        for this, other, share in (("a", "b", share_a), ("b", "a", share_b)):
            contained = settings.contained_share
            if share >= contained and (share_b if this == "a" else share_a) < contained:
                votes[other] += settings.containment_vote
                reasons.append(f"{sides[this].path} is {share:.0%} contained in {sides[other].path}, "
                               "as a truncated copy is")
    signed = {side: any(d.reason == DebrisReason.SIGN_OFF and _WIRE_SIGNOFF.search(d.text) for d in article.debris)
              for side, article in sides.items()}
    for this, other in (("a", "b"), ("b", "a")):
        if signed[this] and not signed[other] and taken:
            votes[this] += settings.signoff_vote
            reasons.append(f"{sides[this].path} keeps a wire sign-off that {sides[other].path} drops, "
                           "as a rewrite of a wire story does")
    signs = {side: sorted({d.reason for d in article.debris if d.reason in SCRAPER_SIGNS})
             for side, article in sides.items()}
    decided = votes["a"] != votes["b"]
    for this, other in (("a", "b"), ("b", "a")):
        if signs[this] and not signs[other]:
            votes[other] += settings.scraper_vote
            reasons.append(f"{sides[this].path} carries scraper debris ({', '.join(signs[this])}) "
                           f"and {sides[other].path} does not")
    if not decided:
        # Debris says where a copy was scraped from, not which text came first: on its own
        # (an independent report can be scraped too) it never decides.
        if reasons:
            reasons.append("only scraper debris differs: not enough to tell which came first")
        return Direction(None, tuple(reasons) or ("no evidence either way",))
    return Direction("a" if votes["a"] > votes["b"] else "b", tuple(reasons))


def _earlier(date_a: str | None, date_b: str | None) -> str | None:
    """``"a"`` or ``"b"`` for the earlier of two ISO dates compared at their
    common precision ("2024-05" vs "2024-05-29" is a tie)."""
    if not date_a or not date_b:
        return None
    length = min(len(date_a), len(date_b))
    first, second = date_a[:length], date_b[:length]
    if first == second or not all(re.fullmatch(r"\d{4}(-\d\d){0,2}", d) for d in (first, second)):
        return None
    return "a" if first < second else "b"
