"""Every tunable of the pipeline, in one place.

Stages take a :class:`Settings` and read only their own fields, so a run can
be reproduced from the settings it reports. The defaults are chosen for news
articles in English; the reasoning behind each number is next to it.

>>> Settings().num_perm
128
>>> Settings(lsh_threshold=0.5).lsh_threshold
0.5
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields, replace
from typing import Any


@dataclass(frozen=True)
class Settings:
    # --- cleaning ---------------------------------------------------------
    #: Lines at the start and end of an article where section labels, bios
    #: and learned boilerplate are looked for.
    edge_lines: int = 4
    #: A line learned as site boilerplate recurs in at least this many
    #: articles of one site that are not copies of each other.
    boilerplate_min_articles: int = 3
    #: Two articles sharing more than this share of their words (of the
    #: shorter one) count as copies of one story when learning boilerplate.
    boilerplate_copy_overlap: float = 0.5
    #: Articles of one site holding a candidate boilerplate line that are
    #: compared when counting distinct stories: enough to find
    #: ``boilerplate_min_articles`` unrelated ones many times over, while a
    #: line on thousands of pages does not cost a quadratic comparison.
    boilerplate_max_articles_compared: int = 64
    #: A recurring line away from the edges is still furniture when it has at
    #: most this many words, no sentence ending and no quotation.
    boilerplate_short_line_words: int = 12
    #: A line at the end that reads like an author bio is taken as one only
    #: up to this many words; a longer one is a paragraph of the story.
    max_bio_words: int = 120
    #: Text counts as hard-wrapped (lines broken at a fixed width, not at
    #: paragraphs) only with at least this many lines running on into the
    #: next; fewer prove nothing.
    min_wrapped_breaks: int = 3
    #: A line that runs on stops mid-sentence "close to the wrap width" when
    #: it is at least this share of the width (the 90th percentile of line
    #: lengths); shorter lines without a full stop are labels and credits.
    wrapped_line_width_share: float = 0.6
    #: ... and the text is hard-wrapped when at least this share of the
    #: lines that run on stop mid-sentence like that.
    wrapped_soft_share: float = 0.5
    #: A line without a sentence ending is still running text (not a
    #: section label or furniture) at this many words or more.
    prose_min_words: int = 12
    #: A "Label: value" line right under a byline ("Additional reporting:
    #: ...") is part of the byline up to this many words.
    byline_label_max_words: int = 12

    # --- extraction (HTML) ------------------------------------------------
    #: trafilatura's own MIN_EXTRACTED_SIZE: below this many characters it
    #: suspects it under-extracted, so below it the BeautifulSoup pass gets a
    #: say.
    short_text_chars: int = 250
    #: BeautifulSoup's text replaces a short trafilatura text only when the
    #: lines it adds (those not in trafilatura's text) are longer than this
    #: many times all of trafilatura's text. It always adds the headline and
    #: whatever chrome it failed to recognise; on a two-paragraph brief those
    #: alone are half the story, so a plain length ratio would swap clean
    #: text for noisier text.
    fallback_gain: float = 1.0
    #: An <article>/<main>/articleBody container holding less than this
    #: share of the text left in <body> is passed over: sites that split the
    #: story around ad slots mark only the first part as articleBody.
    content_min_share: float = 0.3
    #: htmldate's "extensive search" guesses a date from any text on the
    #: page: a page without date markup gets 20XX-01-01 from the footer's
    #: "(c) 20XX". A made-up date is worse than none when judging who
    #: published first, so it is off.
    extensive_date_search: bool = False

    # --- language -----------------------------------------------------------
    #: Texts with fewer words than this are not given a language: too few
    #: function words to tell.
    language_min_words: int = 8
    #: The commonest language's function words must make up at least this
    #: share of the words: running text is full of its function words,
    #: while a stray "die" or "la" in English stays far below.
    language_min_share: float = 0.12
    #: Words looked at: a few paragraphs tell the language as well as a
    #: whole article.
    language_sample_words: int = 400

    # --- fingerprints -----------------------------------------------------
    #: MinHash permutations. 128 keeps the Jaccard estimate within about
    #: +-0.09 (two standard errors) at a 512-byte signature.
    num_perm: int = 128
    #: datasketch permutation scheme; recorded with anything persisted.
    hash_scheme: str = "affine32"
    #: Seed of the permutations; signatures are comparable only under one seed.
    seed: int = 1
    #: Word n-gram size of the shingles (1 = stemmed content words). Single
    #: stemmed words survive rewording and translation far better than
    #: n-grams; the alignment stage restores word order where it matters.
    shingle_size: int = 1
    #: Passages with fewer content words than this are not fingerprinted on
    #: their own: too little evidence to propose a match.
    min_passage_words: int = 3

    # --- candidate search (index) ----------------------------------------
    #: Jaccard threshold the LSH bands are tuned for. Low on purpose:
    #: reworded sentences keep only 30-60% of their content words, and the
    #: alignment stage rejects what LSH over-proposes.
    lsh_threshold: float = 0.3
    #: (false positive, false negative) weights for datasketch's band
    #: optimiser; recall matters more than precision at this stage.
    lsh_weights: tuple[float, float] = (0.3, 0.7)
    #: Sentence pairs LSH proposes are kept only when their signatures
    #: agree on at least this share of values (the MinHash estimate of their
    #: Jaccard similarity). Tuned for recall, the bands also propose many
    #: pairs far below the threshold by chance (two sentences sharing two
    #: common words): 13.5 million of them among 10,000 generated articles,
    #: 5% above this floor, and aligning their articles made a report grow
    #: with the square of its size. Half the threshold: at 128 permutations
    #: the estimate's standard deviation at 0.3 is 0.04, so a pair at the
    #: threshold falls below 0.15 about once in 10,000.
    candidate_min_similarity: float = 0.15
    #: (bands, rows) of the persistent index's LSH (:mod:`dedupe.store`),
    #: cut from the start of each sentence's signature. An archive of
    #: millions of sentences cannot afford the 42 bands of 3 rows above: its
    #: buckets would hold tens of billions of rows, and keys of three values
    #: over common words collide across thousands of unrelated articles. Four
    #: bands of five rows give a sentence pair at Jaccard 0.7 a 52% chance of
    #: sharing a key, at 0.5 12%, at 0.3 1%; a copied or lightly edited
    #: article shares dozens of sentences, so it is all but certain to be
    #: found, while an unrelated one almost never is. The index shortlists by
    #: these keys and then aligns exactly as ``--against`` does; set
    #: ``(42, 3)`` and ``index_min_hits=1`` for an archive small enough to
    #: find every source ``--against`` finds.
    index_bands: tuple[int, int] = (4, 5)
    #: Distinct keys an indexed article must share with a candidate to be
    #: aligned with it. One shared key is what most unrelated articles with
    #: a stock phrase have; a copied sentence shares all its bands, a copied
    #: passage several sentences' worth.
    index_min_hits: int = 2

    # --- alignment ----------------------------------------------------------
    #: Sentence pairs whose weighted content-word overlap (Dice) reaches
    #: this are strong matches ...
    min_word_similarity: float = 0.45
    #: ... provided they share at least this many content words.
    min_shared_words: int = 3
    #: Pairs sharing fewer words (short sentences) with at least this
    #: overlap are weak matches: kept only near a strong match.
    min_supported_similarity: float = 0.5
    #: How near, in sentences on both sides, a strong match must be.
    support_window: int = 5
    #: Character similarity at or above which a pair is a match whatever
    #: its words, and the cut-off between "minor-changes" and "reworded".
    minor_change_similarity: float = 0.8
    #: Once a pair's copying is established by its own wording, a sentence
    #: of one side still unmatched that keeps at least this much of an
    #: unmatched sentence of the other (character similarity, with a content
    #: word in common) is that sentence carried over, wherever it was
    #: moved: a spun sentence ("We're receptive to discussing this danger"
    #: for "We're open to discussing this risk", 0.77) or a short one moved
    #: elsewhere, not new material.
    carried_sentence_similarity: float = 0.7
    #: A sentence is aligned with at most this many candidate sentences of
    #: one other article, those nearest its own place in the text. More
    #: only happens when text repeats within an article (one sentence 500
    #: times in two articles made 250,000 pairs to align, 6 minutes); the
    #: copy that aligns is the one in the same place, and news copies
    #: seldom repeat a sentence more than twice.
    max_sentence_partners: int = 8
    #: A report stops with an error past this many overlapping pairs of
    #: articles: each pair found is kept for the output (about 17 KB for a
    #: one-sentence pair, more for articles), so N near-identical files grow
    #: memory with N² (1,000 one-line files took 3.9 GB; 20,000 would need a
    #: terabyte). 100,000 pairs is a couple of GB; a collection that is
    #: largely one text is better checked against an index, one at a time.
    max_overlapping_pairs: int = 100_000
    #: Matched sentences this close (in sentences) on both sides merge into
    #: one passage.
    merge_gap: int = 1
    #: Weight of a content word that the run's weights do not know (a term
    #: outside the sentences the weights were computed over).
    unseen_term_weight: float = 1.0
    #: A match is kept only when its word similarity is at least this share
    #: of the best match of both its sentences: a sentence repeated in a
    #: story pairs with its counterpart, not with every sentence sharing
    #: some of its words.
    best_match_ratio: float = 0.8
    #: A sentence next to a matched one (only whitespace between them) whose
    #: content words are at least this share in the matched counterpart is
    #: the other half of a sentence the copy split in two (or joined).
    split_containment: float = 0.8
    #: Shortest run of words, in the same order on both sides, that counts
    #: as kept wording (``kept`` scores, rewording verdicts) and where a
    #: passage's copied core may start and end. Two words in a row ("the
    #: talks") are chance; three rarely are.
    min_run_words: int = 3
    #: A passage's edges outside its first and last shared run are trimmed
    #: unless they restate each other: the two sides' edge pieces share at
    #: least this share of the smaller one's content words (a reworded
    #: ending keeps some of its nouns: "warnings from Western countries
    #: about nuclear missiles" for "warning of nuclear launches by the
    #: West" keeps 2 of 5 stems; one side's own lead-in to a copied
    #: sentence shares next to nothing with the other's).
    edge_restated_share: float = 0.3
    #: Shared words listed per passage to explain a match, rarest first.
    explain_terms: int = 10

    # --- evidence (copied expression, not shared facts) --------------------
    #: A run of shared words counts as copied expression only when it holds
    #: at least this many ordinary content words (not names, numbers or
    #: function words): "Jane Doe, 34, of" is two reports naming one person,
    #: "was found guilty of causing" is wording.
    expression_min_content_words: int = 3
    #: A run this long (outside quotations) is copied expression whatever
    #: its words: independent reports share a name and an age ("Jane Doe,
    #: 34, of Harrogate"), never twenty words in a row, even of names (a
    #: list of companies, a fixture list copied in order). The 33
    #: independent pairs of ``fixtures/same-event`` share at most 9 words
    #: in a row outside quotations.
    long_run_words: int = 20
    #: A passage shows copied expression with at least this many of its
    #: words (outside quotations) in such runs: about one clause written the
    #: same way. Independent reports of one event share a stock phrase or
    #: two ("was found guilty of"), rarely a whole clause. On the training
    #: data of ``scripts/fit_evidence.py`` 6 and 8 tie with no false alarm
    #: and find one copy more than 10; the stricter of the ties wins.
    min_expression_words: int = 8
    #: Function words (outside quotations) each side needs before their
    #: sequences are compared: fewer match by chance.
    scaffold_min_words: int = 8
    #: Similarity of the two sides' function-word sequences at or above
    #: which a passage keeps the scaffolding of the other (a synonym-spun
    #: copy swaps the content words and keeps "the ... of the ... that").
    #: 0.8 to 0.9 tie on the training data (``scripts/fit_evidence.py``);
    #: the stricter wins.
    scaffold_similarity: float = 0.9
    #: Reworded passages without copied expression count as taken only in
    #: a run of passages (outside quotations) in the same order on both
    #: sides holding at least this many sentences: the same selection and
    #: sequence of facts over several sentences, as a translation keeps. One
    #: or two same-fact sentences are what two reporters at one event write.
    min_sequence_sentences: int = 3
    #: ... each passage of the run starting at most this many unmatched
    #: sentences after the one before it, on both sides. A rewrite keeps
    #: the sentences it rewrites together (dropping one here and there);
    #: topical sentences scattered over two long texts only happen to fall
    #: in order (on PAN-13 they made 19 of the 62 false detections in
    #: listed pairs before this bar).
    sequence_gap: int = 3

    # --- verdicts -----------------------------------------------------------
    #: Share of a candidate's body characters from sources at or above which
    #: it is a whole copy ...
    whole_coverage: float = 0.8
    #: ... and a partial one (a tenth of an article is a substantial take).
    partial_coverage: float = 0.1
    #: ... or when at least this share of the source is in the candidate: a
    #: short wire story reproduced whole inside a long article is a partial
    #: copy of it, however long the article.
    partial_source_coverage: float = 0.5
    #: Words of taken text (outside quotations) a source must give before
    #: any derivation is claimed: two news sentences or more (MRPC's news
    #: sentences run 19 words on average). A single sentence (a same-fact
    #: opening, a stock phrase, one wire sentence two outlets both edited)
    #: never makes a copy. Set by that principle, not fitted: at 20 words
    #: 6.6% of MRPC's one-sentence "not a paraphrase" pairs are called
    #: derived, at 40 under 1%.
    min_evidence_words: int = 40
    #: Share of the taken text's words kept in runs of three or more shared
    #: words at or above which the taking is verbatim (all but a word here and
    #: there), and light rewording (half the wording kept; else heavy).
    verbatim_kept_share: float = 0.9
    light_kept_share: float = 0.5
    #: Characters of context looked at on either side of a publisher's name
    #: when deciding how it is named ("according to ...", a dateline, a
    #: "Source:" line); a line-start form counts only within this reach of
    #: the start of the line.
    credit_context_chars: int = 300
    #: Names of publishers classified by their context in one text, at most:
    #: the first and the last half of this many; the names between them are
    #: mentions. Credits stand near the top (datelines, bylines) and the end
    #: (sign-offs, sources) or among a few dozen names in the body; a page
    #: naming outlets by the tens of thousands (a spam list, an attack) cost
    #: about 50 µs a name, 5 s for a 1 MB page (issue 11).
    credit_names_classified: int = 2000

    # --- direction (which of two overlapping articles came first) ----------
    #: Votes for each kind of evidence, strongest first. A credit to the
    #: other's publisher is near-proof of copying; a publication date is
    #: good evidence but metadata is often wrong or missing; containment
    #: (truncated copies), a wire sign-off and scraper debris are hints:
    #: two of them together only offset a date.
    credit_vote: int = 3
    date_vote: int = 2
    containment_vote: int = 1
    scraper_vote: int = 1
    #: One side keeps a wire sign-off ("Reporting by …; Editing by …") and
    #: the other does not: a newspaper rewriting a wire story drops the
    #: wire's furniture. A hint like containment (a scraper keeps it too,
    #: and then both sides have it and it says nothing).
    signoff_vote: int = 1
    #: An article is (nearly) contained in the other when at least this
    #: share of its body lies in shared passages and the other's does not.
    contained_share: float = 0.8

    def as_dict(self) -> dict[str, object]:
        """The settings as plain JSON-ready data."""
        return asdict(self)


DEFAULT_SETTINGS = Settings()


def settings_from_dict(values: Mapping[str, Any], base: Settings = DEFAULT_SETTINGS) -> Settings:
    """``base`` with the fields named in ``values`` replaced: the one way
    settings are read from an index's record, a config file or ``--set``.

    Names may use ``-`` for ``_``. Values may be strings (as config files
    and the command line give them): numbers are parsed, and a pair is
    written ``4,5``; a flag ``true``/``false`` (or ``1``/``0``). Raises
    ``ValueError`` naming an unknown field or a
    value of the wrong type.

    >>> settings_from_dict({"index-bands": "42,3", "index_min_hits": "1"}).index_bands
    (42, 3)
    >>> settings_from_dict({"extensive-date-search": "true"}).extensive_date_search
    True
    >>> settings_from_dict({"extensive_date_search": 0}).extensive_date_search
    False
    >>> settings_from_dict({"extensive_date_search": "maybe"})
    Traceback (most recent call last):
    ...
    ValueError: setting extensive_date_search must be bool, not 'maybe'
    >>> settings_from_dict({"num_perms": 64})
    Traceback (most recent call last):
    ...
    ValueError: unknown setting 'num_perms'
    """
    kinds = {field.name: str(field.type) for field in fields(Settings)}  # "int", "tuple[int, int]", ...
    changes: dict[str, Any] = {}
    for given, value in values.items():
        name = given.replace("-", "_")
        if name not in kinds:
            raise ValueError(f"unknown setting {given!r}")
        changes[name] = _coerce(name, kinds[name], value)
    return replace(base, **changes)


_BOOLEANS = {"true": True, "false": False, "1": True, "0": False, "yes": True, "no": False}


def _coerce(name: str, kind: str, value: Any) -> Any:
    try:
        if kind == "bool":
            if isinstance(value, bool):
                return value
            if isinstance(value, int) and value in (0, 1):
                return bool(value)
            if isinstance(value, str) and value.strip().casefold() in _BOOLEANS:
                return _BOOLEANS[value.strip().casefold()]
            raise ValueError
        if kind.startswith("tuple"):
            items = value.replace(",", " ").split() if isinstance(value, str) else list(value)
            number = float if "float" in kind else int
            result = tuple(number(item) for item in items)
            if len(result) != 2:
                raise ValueError
            return result
        if kind == "int":
            if isinstance(value, bool) or (isinstance(value, float) and not value.is_integer()):
                raise ValueError
            return int(value)
        if kind == "float":
            if isinstance(value, bool):
                raise ValueError
            return float(value)
        if kind == "str":
            if not isinstance(value, str):
                raise ValueError
            return value
    except (TypeError, ValueError):
        pass
    raise ValueError(f"setting {name} must be {kind.replace('tuple', 'a pair')}, not {value!r}")
