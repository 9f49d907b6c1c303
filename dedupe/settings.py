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
    #: Matched sentences this close (in sentences) on both sides merge into
    #: one passage.
    merge_gap: int = 1

    # --- verdicts -----------------------------------------------------------
    #: Share of a candidate's body characters from sources at or above which
    #: it is a whole copy ...
    whole_coverage: float = 0.8
    #: ... and a partial one (a tenth of an article is a substantial take).
    partial_coverage: float = 0.1
    #: Share of the taken text's words kept in runs of three or more shared
    #: words at or above which the taking is verbatim (all but a word here and
    #: there), and light rewording (half the wording kept; else heavy).
    verbatim_kept_share: float = 0.9
    light_kept_share: float = 0.5

    def as_dict(self) -> dict[str, object]:
        """The settings as plain JSON-ready data."""
        return asdict(self)


DEFAULT_SETTINGS = Settings()


def settings_from_dict(values: Mapping[str, Any], base: Settings = DEFAULT_SETTINGS) -> Settings:
    """``base`` with the fields named in ``values`` replaced: the one way
    settings are read from an index's record, a config file or ``--set``.

    Names may use ``-`` for ``_``. Values may be strings (as config files
    and the command line give them): numbers are parsed, and a pair is
    written ``4,5``. Raises ``ValueError`` naming an unknown field or a
    value of the wrong type.

    >>> settings_from_dict({"index-bands": "42,3", "index_min_hits": "1"}).index_bands
    (42, 3)
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


def _coerce(name: str, kind: str, value: Any) -> Any:
    try:
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
