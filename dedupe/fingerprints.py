"""Fingerprints: normalised terms and MinHash signatures of passages.

A passage is reduced to its *content terms*: words case-folded, typography
normalised (curly quotes, dashes, thousands separators), stop words dropped
and the rest stemmed with the Snowball English stemmer, so "attacks" and
"attacked", "U.S." and "US", "2,600" and "2600" meet. Shingles are sets of
terms (or term n-grams, ``Settings.shingle_size``).

Signatures are datasketch MinHashes under the ``affine32`` scheme with a
CRC-32 term hash, computed for a whole batch of passages at once in numpy:
the same values ``datasketch.MinHash(hashfunc=term_hash).update_batch(...)``
gives, without a Python loop per passage and permutation.

>>> content_terms("The attacks were attacked, U.S. officials said.")
['attack', 'attack', 'us', 'offici']
>>> sig = signature_matrix([["attack", "radar"], ["attack", "radar"]])
>>> bool((sig[0] == sig[1]).all()), sig.shape
(True, (2, 128))
"""

from __future__ import annotations

import re
import unicodedata
import zlib
from collections.abc import Sequence
from functools import lru_cache

import numpy as np
import snowballstemmer
from datasketch import LeanMinHash, MinHash

from dedupe.settings import DEFAULT_SETTINGS, Settings

_CHUNK_SHINGLES = 1 << 15

# English stop words plus the reporting verbs of news ("said", "told"),
# which say nothing about what a sentence reports.
STOP_WORDS = frozenset(
    """
    a about above after again against all also am an and any are as at be because been before being below
    between both but by can could did do does doing down during each few for from further had has have having
    he her here hers herself him himself his how i if in into is it its itself just me more most my myself no
    nor not now of off on once only or other our ours ourselves out over own same she should so some such than
    that the their theirs them themselves then there these they this those through to too under until up very
    was we were what when where which while who whom why will with would you your yours yourself yourselves
    s t d ll m re ve y don isn aren wasn weren hasn haven hadn doesn didn won wouldn shan shouldn can't cannot
    mr mrs ms said says say saying told tells tell added adding according stated states reported reports
    may might must shall upon yet via per whether though although however since ago among amid
    one another
    """.split()
)

_TYPOGRAPHY = str.maketrans({"’": "'", "‘": "'", "`": "'", "“": '"', "”": '"', "„": '"', "«": '"', "»": '"',
                             "–": "-", "—": "-", "‐": "-", "\u00a0": " "})
_TOKEN = re.compile(r"\d+(?:[.,]\d+)*|[^\W\d_]+(?:'[^\W\d_]+)*")
# The same tokens in case-folded ASCII text, where letters are a-z: the
# Unicode class costs half as much again per character.
_ASCII_TOKEN = re.compile(r"\d+(?:[.,]\d+)*|[a-z]+(?:'[a-z]+)*")
# Dotted acronyms (U.S., U.K., a.m.) become one token before tokenising.
_ACRONYM = re.compile(r"\b(?:[^\W\d_]\.){2,}")
_STEMMER = snowballstemmer.stemmer("english")


def normalize(text: str) -> str:
    """Case-folded, NFKC-normalised text with plain quotes and dashes.

    >>> normalize("“Chilly Warfare” — U.S.")
    '"chilly warfare" - u.s.'
    """
    if text.isascii():  # NFKC leaves ASCII alone; of the typography only the backtick is ASCII
        return (text.replace("`", "'") if "`" in text else text).casefold()
    return unicodedata.normalize("NFKC", text).translate(_TYPOGRAPHY).casefold()


def tokens(text: str) -> list[str]:
    """Word and number tokens of normalised text, acronyms joined, number
    separators and possessive endings dropped.

    >>> tokens("Russia's 2,600 U.S.-made missiles")
    ['russia', '2600', 'us', 'made', 'missiles']
    """
    text = normalize(text)
    if "." in text:
        text = _ACRONYM.sub(lambda m: m.group().replace(".", ""), text)
    found = (_ASCII_TOKEN if text.isascii() else _TOKEN).findall(text)
    if "'" not in text and "," not in text:
        return found
    return [token.replace(",", "") if token[0].isdigit() else token[:-2] if token.endswith("'s") else token
            for token in found]


_STEMS: dict[str, str] = {}
_HASHES: dict[str, int] = {}
#: Entries each memo keeps before it starts afresh (a few tens of MB at most).
_MEMO_SIZE = 1 << 18


def stem(word: str) -> str:
    """The Snowball English stem of a lower-case word (memoised: news
    vocabulary repeats, and stemming is the costliest step per word)."""
    found = _STEMS.get(word)
    if found is None:
        if len(_STEMS) >= _MEMO_SIZE:
            _STEMS.clear()
        found = _STEMS[word] = _STEMMER.stemWord(word)
    return found


def content_terms(text: str) -> list[str]:
    """Stemmed tokens of ``text`` that are not stop words, in order."""
    known = _STEMS.get
    return [known(word) or stem(word) for word in tokens(text) if word not in STOP_WORDS]


def shingles(terms: Sequence[str], size: int = 1) -> list[str]:
    """Distinct term n-grams (``size`` terms joined by a space), in first-seen order.

    >>> shingles(["a", "b", "c"], 2)
    ['a b', 'b c']
    """
    if size > 1:
        terms = [" ".join(terms[i : i + size]) for i in range(len(terms) - size + 1)]
    return list(dict.fromkeys(terms))


def term_hash(term: str | bytes) -> int:
    """The 32-bit hash of one shingle (CRC-32 of its UTF-8 bytes)."""
    return zlib.crc32(term.encode("utf-8") if isinstance(term, str) else term)


def _memo_hash(term: str) -> int:
    found = _HASHES.get(term)
    if found is None:
        if len(_HASHES) >= _MEMO_SIZE:
            _HASHES.clear()
        found = _HASHES[term] = zlib.crc32(term.encode("utf-8"))
    return found


@lru_cache(maxsize=8)
def _permutations(num_perm: int, seed: int, scheme: str) -> tuple[np.ndarray, np.ndarray]:
    a, b = MinHash(num_perm=num_perm, seed=seed, scheme=scheme).permutations
    return a, b


def _fmix32(values: np.ndarray) -> np.ndarray:
    """MurmurHash3's 32-bit finaliser, as datasketch applies it before permuting."""
    values = values ^ (values >> np.uint32(16))
    values = values * np.uint32(0x85EBCA6B)
    values = values ^ (values >> np.uint32(13))
    values = values * np.uint32(0xC2B2AE35)
    return values ^ (values >> np.uint32(16))


def signature_matrix(shingle_sets: Sequence[Sequence[str]], settings: Settings = DEFAULT_SETTINGS,
                     permutations: int | None = None) -> np.ndarray:
    """MinHash signatures of many shingle sets, one row each (uint32).

    An empty set gets the all-maximum row datasketch gives an empty MinHash.
    ``permutations`` computes only the first that many values of each
    signature (what an index's bands need), the same values as the full
    signature's first columns.

    >>> full = signature_matrix([["attack", "radar", "kyiv"]])
    >>> bool((signature_matrix([["attack", "radar", "kyiv"]], permutations=20) == full[:, :20]).all())
    True
    """
    if settings.hash_scheme != "affine32":
        raise ValueError(f"only the affine32 scheme is supported, not {settings.hash_scheme!r}")
    a, b = _permutations(settings.num_perm, settings.seed, settings.hash_scheme)
    width = settings.num_perm if permutations is None else min(permutations, settings.num_perm)
    a, b = a[:width], b[:width]
    result = np.full((len(shingle_sets), width), np.iinfo(np.uint32).max, dtype=np.uint32)
    lengths = np.fromiter((len(s) for s in shingle_sets), dtype=np.int64, count=len(shingle_sets))
    known = _HASHES.get
    hashes = np.fromiter((known(t) or _memo_hash(t) for s in shingle_sets for t in s), dtype=np.uint32,
                         count=int(lengths.sum()))
    mixed = _fmix32(hashes)
    starts = np.concatenate(([0], np.cumsum(lengths)))
    row = 0
    while row < len(shingle_sets):
        # Rows whose shingles fit one chunk, so the (shingles x perms) block stays small.
        last = int(np.searchsorted(starts, starts[row] + _CHUNK_SHINGLES, side="right")) - 1
        last = max(last, row + 1)
        rows = np.arange(row, min(last, len(shingle_sets)))
        rows = rows[lengths[rows] > 0]
        if len(rows):
            lo, hi = starts[rows[0]], starts[rows[-1] + 1]
            permuted = mixed[lo:hi, None] * a[None, :] + b[None, :]
            result[rows] = np.minimum.reduceat(permuted, starts[rows] - lo, axis=0)
        row = max(last, row + 1)
    return result


def as_minhash(signature: np.ndarray, settings: Settings = DEFAULT_SETTINGS) -> LeanMinHash:
    """A datasketch ``LeanMinHash`` over one signature row, for MinHashLSH."""
    return LeanMinHash(seed=settings.seed, hashvalues=signature, scheme=settings.hash_scheme)
