"""Candidate search: MinHash LSH banding over sentence signatures, in numpy.

Comparing every sentence with every other is quadratic; LSH proposes only
the pairs whose signatures agree on every value of at least one band, which
for the default threshold (0.3 Jaccard over content terms, tuned towards
recall) finds reworded sentences while skipping the bulk of unrelated ones.
The bands are datasketch's: :func:`lsh_bands` asks its MinHashLSH optimiser
for them, and the band keys are the index's (:func:`dedupe.fingerprints.band_keys`),
so a sentence meets here exactly what datasketch's MinHashLSH would give it.

The buckets are found by sorting each band's keys (a numpy sort, no Python
object per sentence and band), over *distinct* signatures: a sentence
repeated in many articles is one row, paired once. What LSH proposes is a
candidate, not a finding. Tuned for recall, the bands also pair many
sentences far below the threshold by chance (two sentences sharing two
common words); pairs whose signatures agree on less than
``Settings.candidate_min_similarity`` of their values are dropped, and
:mod:`dedupe.alignment` verifies the rest on the passages' actual terms.

>>> import numpy as np
>>> from dedupe.fingerprints import signature_matrix
>>> sigs = signature_matrix([["radar", "attack", "kyiv"], ["radar", "attack", "kyiv"], ["cheese", "wine", "bread"]])
>>> pairs = sentence_pairs(sigs, owners=[0, 1, 2])
>>> pairs.first.tolist(), pairs.second.tolist(), pairs.similarity.tolist()
([0], [1], [1.0])
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from dedupe.fingerprints import band_keys, sorted_unique
from dedupe.settings import DEFAULT_SETTINGS, Settings

#: datasketch's answer for the default settings (and a few common ones), so
#: a process that compares need not load scipy for its optimiser (a second);
#: ``test_known_bands_are_what_the_optimiser_picks`` asks datasketch again.
_KNOWN_BANDS: dict[tuple[float, int, tuple[float, float]], tuple[int, int]] = {
    (0.3, 128, (0.3, 0.7)): (42, 3),
    (0.5, 128, (0.5, 0.5)): (25, 5),
}


@lru_cache(maxsize=16)
def _optimal_bands(threshold: float, num_perm: int, weights: tuple[float, float]) -> tuple[int, int]:
    if (threshold, num_perm, weights) in _KNOWN_BANDS:
        return _KNOWN_BANDS[threshold, num_perm, weights]
    from datasketch import MinHashLSH

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


@dataclass(frozen=True)
class SentencePairs:
    """Candidate sentence pairs as parallel arrays: the two rows and the
    share of signature values they agree on (the MinHash estimate of the
    Jaccard similarity of their shingles)."""

    first: np.ndarray       # int64 rows
    second: np.ndarray      # int64 rows
    similarity: np.ndarray  # float32, 0 to 1

    def __len__(self) -> int:
        return len(self.first)


def sentence_pairs(
    signatures: np.ndarray,
    owners: Sequence[int],
    eligible: Sequence[bool] | None = None,
    settings: Settings = DEFAULT_SETTINGS,
    places: Sequence[float] | None = None,
    left: Sequence[bool] | None = None,
) -> SentencePairs:
    """Pairs of rows of different ``owners`` (articles) whose signatures
    share an LSH band and agree on at least
    ``settings.candidate_min_similarity`` of their values. Rows not
    ``eligible`` (too short to fingerprint) take no part.

    Without ``left``, every such pair, ``first < second``. With ``left``
    (a flag per row), only pairs of a left row and a right row, the left
    one ``first``: candidates against sources.

    Given ``places`` (each row's relative place in its article, 0 to 1), a
    sentence repeated in an article (the same signature more than
    ``settings.max_sentence_partners`` times) is paired only with the
    copies nearest each row's own place: without the cap one sentence
    repeated 2,000 times in two articles makes 4 million pairs. Distinct
    sentences that collide are always paired.
    """
    rows = np.array([r for r in range(len(signatures)) if eligible is None or eligible[r]], dtype=np.int64)
    if len(rows) < 2:
        return SentencePairs(np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32))
    # Distinct signatures: members(g) are the rows with signature g, in row order.
    first_of, group = _distinct(signatures, rows)
    order = np.argsort(group, kind="stable")
    sizes = np.bincount(group)
    grouped, ends = rows[order], np.cumsum(sizes)

    def members(g: int) -> np.ndarray:
        return grouped[ends[g] - sizes[g]:ends[g]]

    distinct = rows[first_of]  # a row of each signature
    colliding = colliding_groups(signatures, lsh_bands(settings), settings.candidate_min_similarity, distinct)
    repeated = np.flatnonzero(sizes > 1)  # a repeated sentence also pairs with its own copies
    colliding = np.concatenate([colliding, np.stack([repeated, repeated], axis=1)])
    similarity = agreement(signatures, distinct[colliding[:, 0]], distinct[colliding[:, 1]])
    owner = np.asarray(owners, dtype=np.int64)
    side = None if left is None else np.asarray(left, dtype=bool)

    single = (sizes[colliding[:, 0]] == 1) & (sizes[colliding[:, 1]] == 1)
    firsts, seconds = [rows[first_of[colliding[single, 0]]]], [rows[first_of[colliding[single, 1]]]]
    shares = [similarity[single]]
    limit = settings.max_sentence_partners
    for (g, h), share in zip(colliding[~single].tolist(), similarity[~single].tolist()):
        # each row looks up the other group's rows, as a query of an LSH index would: a
        # left row only the right rows (a candidate meets a source's copies, capped)
        for x, y in [(g, h)] if g == h else [(g, h), (h, g)]:
            mine, theirs = members(x), members(y)
            if side is not None:
                mine, theirs = mine[side[mine]], theirs[~side[theirs]]
            found = _expanded(mine, theirs, owner, places, limit)
            if found:
                pairs = np.array(found, dtype=np.int64)
                firsts.append(pairs[:, 0])
                seconds.append(pairs[:, 1])
                shares.append(np.full(len(pairs), share, dtype=np.float32))
    a, b, share = np.concatenate(firsts), np.concatenate(seconds), np.concatenate(shares)
    if side is None:
        a, b = np.minimum(a, b), np.maximum(a, b)
        wanted = owner[a] != owner[b]
    else:
        flip = ~side[a]
        a, b = np.where(flip, b, a), np.where(flip, a, b)
        wanted = side[a] & ~side[b] & (owner[a] != owner[b])
    a, b, share = a[wanted], b[wanted], share[wanted]
    # the same row pair can come from both directions of a repeated sentence: keep one
    _, unique = np.unique(a * (len(signatures) + 1) + b, return_index=True)
    return SentencePairs(a[unique], b[unique], share[unique])


def _distinct(signatures: np.ndarray, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct signatures among ``rows``: for each, the index in
    ``rows`` of its first row; for each row, the number of its signature.

    Rows are told apart by a hash of their bytes, then checked value by
    value against their group's first row (a 64-bit collision falls back to
    comparing the whole rows): the full rows are never copied and sorted.
    """
    hashes = np.fromiter((hash(signatures[row].tobytes()) for row in rows.tolist()), dtype=np.int64,
                         count=len(rows))
    _, first_of, group = np.unique(hashes, return_index=True, return_inverse=True)
    group = group.ravel()
    representative = rows[first_of[group]]
    if all(bool((signatures[rows[n:n + _COMPARED_ROWS]] == signatures[representative[n:n + _COMPARED_ROWS]]).all())
           for n in range(0, len(rows), _COMPARED_ROWS)):
        return first_of, group
    flat = np.ascontiguousarray(signatures[rows]).view(np.dtype((np.void, signatures.dtype.itemsize
                                                                 * signatures.shape[1]))).ravel()
    _, first_of, group = np.unique(flat, return_index=True, return_inverse=True)
    return first_of, group.ravel()


#: Rows widened to 64 bits at once for their band keys (a band's few columns of each).
_CHECK_ROWS = 1 << 15
#: Whole rows copied at once to be compared (2 MB of 128 values each).
_COMPARED_ROWS = 1 << 12
#: Band keys bucketed in one pass of :func:`colliding_groups` (rows x bands).
_PASS_CELLS = 1 << 15


def agreement(signatures: np.ndarray, first: np.ndarray, second: np.ndarray, chunk: int = 1 << 11) -> np.ndarray:
    """For each pair of rows, the share of signature values the two agree
    on: the MinHash estimate of their Jaccard similarity (float32).

    >>> sig = np.array([[1, 2, 3, 4], [1, 2, 7, 8]], dtype=np.uint32)
    >>> agreement(sig, np.array([0]), np.array([1])).tolist()
    [0.5]
    """
    out = np.empty(len(first), dtype=np.float32)
    for start in range(0, len(first), chunk):
        end = start + chunk
        out[start:end] = (signatures[first[start:end]] == signatures[second[start:end]]).mean(axis=1)
    return out


def _expanded(rows: np.ndarray, others: np.ndarray, owner: np.ndarray, places: Sequence[float] | None,
              limit: int) -> list[tuple[int, int]]:
    """Each row of ``rows`` with the rows of ``others`` in every other
    article; where an article holds more than ``limit`` of them (one
    sentence repeated), the ``limit`` nearest the row's own place."""
    by_owner: dict[int, list[int]] = defaultdict(list)
    for j in others.tolist():
        by_owner[int(owner[j])].append(j)
    pairs: list[tuple[int, int]] = []
    for i in rows.tolist():
        for article, found in by_owner.items():
            if article == owner[i]:
                continue
            if places is None or len(found) <= limit:
                pairs.extend((i, j) for j in found)
                continue
            found.sort(key=places.__getitem__)
            spots = [places[j] for j in found]
            pairs.extend((i, j) for j in nearest_places(found, spots, places[i], limit))
    return pairs


def colliding_groups(signatures: np.ndarray, bands: tuple[int, int], min_similarity: float = 0.0,
                     rows: np.ndarray | None = None) -> np.ndarray:
    """Pairs ``(g, h)``, ``g < h``, of rows of ``signatures`` (of the given
    ``rows`` only, numbered by their place in it, when given) that agree on
    every value of at least one of the ``bands`` (``(b, r)``) and on at
    least ``min_similarity`` of all their values, as an int64 array of shape
    ``(pairs, 2)``, sorted, without repeats.

    Each band's keys are sorted; rows with one key form a bucket, and every
    two rows of a bucket are a pair (generated with numpy, not a loop per
    row). Pairs below ``min_similarity`` are dropped band by band, so memory
    holds the pairs kept, not every chance collision.

    >>> sig = np.array([[1, 2, 3, 4], [1, 2, 7, 8], [5, 6, 3, 4], [9, 9, 9, 9]], dtype=np.uint32)
    >>> colliding_groups(sig, (2, 2)).tolist()
    [[0, 1], [0, 2]]
    >>> colliding_groups(sig, (2, 2), min_similarity=0.75).tolist()
    []
    """
    rows = np.arange(len(signatures)) if rows is None else rows
    n = len(rows)
    b, r = bands
    # Bands are bucketed several at a time when the rows are few (a check's
    # few hundred sentences: one pass instead of a numpy round per band), one
    # at a time when they are many: all of them at once took 8 bytes x bands
    # a row more at the peak.
    per_pass = max(1, _PASS_CELLS // max(n, 1))
    found = []
    for first in range(0, b, per_pass):
        count = min(per_pass, b - first)
        columns = signatures[:, first * r:(first + count) * r]
        keys = np.concatenate([band_keys(columns[rows[start:start + _CHECK_ROWS]], (count, r))
                               for start in range(0, n, _CHECK_ROWS)]
                              or [np.zeros((0, count), dtype=np.int64)]).T  # a band a row
        order = np.argsort(keys, axis=1, kind="stable")
        ordered = np.take_along_axis(keys, order, axis=1)
        change = np.ones(keys.shape, dtype=bool)  # a bucket starts there: each band's first, or a new key
        change[:, 1:] = ordered[:, 1:] != ordered[:, :-1]
        starts = np.flatnonzero(change)
        order = (order + np.arange(0, count * n, n)[:, None]).ravel()  # places in the bands laid end to end
        size = count * n
        lengths = np.diff(np.append(starts, size))
        if not (lengths > 1).any():
            continue
        # for the element at offset k of a run of length L: partners at offsets k+1 .. L-1
        after = np.repeat(starts + lengths, lengths) - np.arange(size) - 1
        at = np.repeat(np.arange(size), after)
        step = np.arange(len(at)) - np.repeat(np.cumsum(after) - after, after) + 1
        g, h = order[at] % n, order[at + step] % n
        codes = np.minimum(g, h) * n + np.maximum(g, h)
        if count > 1:
            codes = sorted_unique(codes)
        if min_similarity > 0:
            codes = codes[agreement(signatures, rows[codes // n], rows[codes % n]) >= min_similarity]
        found.append(codes)
    codes = sorted_unique(np.concatenate(found)) if found else np.zeros(0, dtype=np.int64)
    return np.stack([codes // n, codes % n], axis=1).astype(np.int64)


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
