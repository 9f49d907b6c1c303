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
) -> set[tuple[int, int]]:
    """Pairs ``(i, j)``, ``i < j``, of rows whose signatures collide in LSH
    and whose ``owners`` (articles) differ. Rows not ``eligible`` (too short
    to fingerprint) take no part.
    """
    rows = [i for i in range(len(signatures)) if eligible is None or eligible[i]]
    index = CandidateIndex(settings)
    index.add_many(rows, signatures[rows] if rows else signatures[:0])
    pairs: set[tuple[int, int]] = set()
    for i in rows:
        for j in index.query(signatures[i]):
            if j > i and owners[j] != owners[i]:
                pairs.add((i, j))
    return pairs
