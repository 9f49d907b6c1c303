"""Candidate search: MinHash LSH over passage signatures.

Comparing every passage with every other is quadratic; LSH proposes only
the pairs whose signatures collide in at least one band, which for the
default threshold (0.3 Jaccard over content terms, tuned towards recall)
finds reworded sentences while skipping the bulk of unrelated ones. What LSH
proposes is a candidate, not a finding: :mod:`dedupe.alignment` verifies
every pair on the passages' actual terms.

>>> import numpy as np
>>> from dedupe.fingerprints import signature_matrix
>>> sigs = signature_matrix([["radar", "attack", "kyiv"], ["radar", "attack", "kyiv"], ["cheese", "wine", "bread"]])
>>> sorted(candidate_pairs(sigs, owners=[0, 1, 2]))
[(0, 1)]
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from collections.abc import Iterable, Sequence
from functools import lru_cache

import numpy as np
from datasketch import MinHashLSH

from dedupe.fingerprints import as_minhash
from dedupe.settings import DEFAULT_SETTINGS, Settings


@lru_cache(maxsize=16)
def _optimal_bands(threshold: float, num_perm: int, weights: tuple[float, float]) -> tuple[int, int]:
    lsh = MinHashLSH(threshold=threshold, num_perm=num_perm, weights=weights)
    return lsh.b, lsh.r


def lsh_bands(settings: Settings = DEFAULT_SETTINGS) -> tuple[int, int]:
    """(bands, rows per band) datasketch's optimiser picks for the settings'
    threshold and weights. The optimiser integrates numerically (tens of
    milliseconds), so the answer is cached per setting.

    >>> lsh_bands()
    (42, 3)
    """
    return _optimal_bands(settings.lsh_threshold, settings.num_perm, tuple(settings.lsh_weights))


class CandidateIndex:
    """An in-memory MinHashLSH of passage signatures, keyed by row number."""

    def __init__(self, settings: Settings = DEFAULT_SETTINGS) -> None:
        self.settings = settings
        self._lsh = MinHashLSH(threshold=settings.lsh_threshold, num_perm=settings.num_perm,
                               weights=settings.lsh_weights, params=lsh_bands(settings))

    @property
    def bands(self) -> tuple[int, int]:
        """(number of bands, rows per band) chosen for the threshold."""
        return self._lsh.b, self._lsh.r

    def add(self, key: int, signature: np.ndarray) -> None:
        self._lsh.insert(key, as_minhash(signature, self.settings), check_duplication=False)

    def add_many(self, keys: Iterable[int], signatures: np.ndarray) -> None:
        with self._lsh.insertion_session() as session:
            for key, signature in zip(keys, signatures):
                session.insert(key, as_minhash(signature, self.settings), check_duplication=False)

    def query(self, signature: np.ndarray) -> list[int]:
        """Keys whose signatures share a band with ``signature``."""
        return self._lsh.query(as_minhash(signature, self.settings))


def candidate_pairs(
    signatures: np.ndarray,
    owners: Sequence[int],
    eligible: Sequence[bool] | None = None,
    settings: Settings = DEFAULT_SETTINGS,
    places: Sequence[float] | None = None,
) -> set[tuple[int, int]]:
    """Pairs ``(i, j)``, ``i < j``, of rows whose signatures collide in LSH
    and whose ``owners`` (articles) differ. Rows not ``eligible`` (too short
    to fingerprint) take no part.

    Given ``places`` (each row's relative place in its article, 0 to 1), a
    sentence repeated within an article (the same signature more than
    ``settings.max_sentence_partners`` times) is paired only with the copies
    nearest each row's own place: without the cap one sentence repeated 2,000
    times in two articles makes 4 million pairs. Distinct sentences that
    collide are always paired.
    """
    rows = [i for i in range(len(signatures)) if eligible is None or eligible[i]]
    index = CandidateIndex(settings)
    index.add_many(rows, signatures[rows] if rows else signatures[:0])
    # Rows with one signature (a sentence repeated, in one article or many) collide with the same
    # rows: each distinct signature is looked up once.
    alike: dict[bytes, list[int]] = defaultdict(list)
    for i in rows:
        alike[signatures[i].tobytes()].append(i)
    limit = settings.max_sentence_partners
    pairs: set[tuple[int, int]] = set()
    for group in alike.values():
        hits = index.query(signatures[group[0]])
        if places is None or len(hits) <= limit:
            for i in group:
                pairs.update((i, j) for j in hits if j > i and owners[j] != owners[i])
            continue
        # copies of one sentence in one article (same owner, same signature) are capped; distinct
        # sentences that collide are all kept
        copies: dict[tuple[int, bytes], list[int]] = defaultdict(list)
        for j in hits:
            copies[owners[j], signatures[j].tobytes()].append(j)
        for (owner, _), found in copies.items():
            found.sort(key=places.__getitem__)
            spots = [places[j] for j in found]
            for i in group:
                if owners[i] != owner:
                    pairs.update((min(i, j), max(i, j)) for j in nearest_places(found, spots, places[i], limit))
    return pairs


def nearest_places(found: list[int], spots: list[float], place: float, limit: int) -> list[int]:
    """The ``limit`` rows of ``found`` (sorted by their ``spots``) nearest ``place``.

    >>> nearest_places([10, 11, 12, 13], [0.0, 0.3, 0.6, 0.9], 0.55, 2)
    [11, 12]
    """
    if len(found) <= limit:
        return found
    at = bisect.bisect_left(spots, place)
    window = sorted(range(max(0, at - limit), min(len(found), at + limit)), key=lambda k: abs(spots[k] - place))
    return sorted(found[k] for k in window[:limit])
