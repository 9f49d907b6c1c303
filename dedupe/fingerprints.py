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

import builtins
import itertools
import random
import re
import unicodedata
import zlib
from collections import Counter
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any, overload

import snowballstemmer

from dedupe.model import Article, Side, Span
from dedupe.segmentation import segment_blocks
from dedupe.settings import DEFAULT_SETTINGS, Settings

try:  # compiled at install where a C compiler is found (setup.py); numpy gives the same values otherwise
    from dedupe import _minhash as _compiled
except ImportError:
    _compiled = None

if TYPE_CHECKING:
    import numpy as np
    from datasketch import LeanMinHash

# numpy is imported by the functions that compute with it: the index's
# record (NORMALISATION, KEY_SCHEME) is read here, and `dedupe index list`
# should not wait a tenth of a second for numpy to list an index.

#: How fingerprints normalise text (NFKC, case folding, typography, Snowball
#: English stems, stop words). Bump it whenever this module changes what terms
#: a sentence gives, or segmentation where sentences end: stored keys and
#: frequencies would no longer match freshly computed ones. Recorded with
#: every index. (2: over-long runs are cut at content-defined points.)
NORMALISATION = "nfkc-casefold-snowball-en-2"
#: How :func:`index_keys` turns a band into a 64-bit key; recorded with every index.
KEY_SCHEME = "band-fnv1a64-fmix64"

_CHUNK_SHINGLES = 1 << 14

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
    if text.count(".") >= 2:  # an acronym has two dots at least
        text = _ACRONYM.sub(lambda m: m.group().replace(".", ""), text)
    found = (_ASCII_TOKEN if text.isascii() else _TOKEN).findall(text)
    if "'s" not in text and "," not in text:
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
    """The affine permutations datasketch's ``MinHash(num_perm, seed,
    scheme="affine32")`` draws, drawn the same way: an odd ``a`` and a ``b``
    from ``RandomState(seed)``. Importing datasketch for them cost every
    process a second (it loads scipy); ``test_signatures_equal_datasketch_update_batch``
    and ``test_permutations_are_datasketchs`` check the values against datasketch's own.

    ``RandomState(seed)`` is a Mersenne Twister seeded as MT19937's
    ``init_genrand(seed)``, and its ``randint`` takes one 32-bit draw per
    value here (masked to 31 bits for ``a``). Python's ``random`` runs the
    same generator, so it is given that state instead: importing
    ``numpy.random`` cost each check 9 ms.
    """
    import numpy as np

    if scheme != "affine32":
        raise ValueError(f"only the affine32 scheme is supported, not {scheme!r}")
    if not 0 <= seed < 1 << 32:
        raise ValueError(f"the seed must be between 0 and 2**32 - 1, not {seed}")
    state = [seed]
    for position in range(1, 624):
        state.append((1812433253 * (state[-1] ^ (state[-1] >> 30)) + position) & 0xFFFFFFFF)
    generator = random.Random()
    generator.setstate((3, (*state, 624), None))  # position 624: the first draw regenerates the state
    a = np.array([(generator.getrandbits(32) & 0x7FFFFFFF) * 2 + 1 for _ in range(num_perm)], dtype=np.uint32)
    b = np.array([generator.getrandbits(32) for _ in range(num_perm)], dtype=np.uint32)
    return a, b


def _fmix32(values: np.ndarray) -> np.ndarray:
    """MurmurHash3's 32-bit finaliser, as datasketch applies it before permuting."""
    import numpy as np

    values = values ^ (values >> np.uint32(16))
    values = values * np.uint32(0x85EBCA6B)
    values = values ^ (values >> np.uint32(13))
    values = values * np.uint32(0xC2B2AE35)
    return values ^ (values >> np.uint32(16))


def signature_matrix(shingle_sets: Sequence[Collection[str]], settings: Settings = DEFAULT_SETTINGS,
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
    import numpy as np

    if settings.hash_scheme != "affine32":
        raise ValueError(f"only the affine32 scheme is supported, not {settings.hash_scheme!r}")
    a, b = _permutations(settings.num_perm, settings.seed, settings.hash_scheme)
    width = settings.num_perm if permutations is None else min(permutations, settings.num_perm)
    a, b = a[:width], b[:width]
    result = np.full((len(shingle_sets), width), np.iinfo(np.uint32).max, dtype=np.uint32)
    if _compiled is not None:
        _compiled.sign(shingle_sets if isinstance(shingle_sets, list | tuple) else list(shingle_sets),
                       np.ascontiguousarray(a), np.ascontiguousarray(b), result)
        return result
    return _numpy_signatures(shingle_sets, a, b, result)


def _numpy_signatures(shingle_sets: Sequence[Collection[str]], a: np.ndarray, b: np.ndarray,
                      result: np.ndarray) -> np.ndarray:
    """:func:`signature_matrix` in numpy, where ``dedupe._minhash`` could not
    be compiled: the same values, four to eight times slower."""
    import numpy as np

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
            # Permutations by rows: reduceat along the contiguous axis is 5x faster than down the columns.
            permuted = a[:, None] * mixed[None, lo:hi]
            permuted += b[:, None]
            result[rows] = np.minimum.reduceat(permuted, starts[rows] - lo, axis=1).T
        row = max(last, row + 1)
    return result


def as_minhash(signature: np.ndarray, settings: Settings = DEFAULT_SETTINGS) -> LeanMinHash:
    """A datasketch ``LeanMinHash`` over one signature row, for MinHashLSH."""
    from datasketch import LeanMinHash

    return LeanMinHash(seed=settings.seed, hashvalues=signature, scheme=settings.hash_scheme)


# ---------------------------------------------------------------------------
# Sentences of articles, fingerprinted
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class SentenceTable:
    """Every sentence of a set of articles, flattened, with what LSH and the
    aligner need: owner article, index within it, terms, signature.

    Each sentence's distinct content terms are kept as a tuple, a sixth of
    a frozen set's memory (1 KB a sentence; most of a report's peak): the
    aligner, which wants sets, gets them for the articles it aligns from
    :meth:`side`.
    """

    texts: list[str]  # each article's text
    sentences: list[list[Span]]  # each article's sentence spans
    starts: list[int]  # where each article's sentences start in the flat lists
    owners: list[int]
    local: list[int]
    terms: list[tuple[str, ...]]
    eligible: list[bool]
    signatures: np.ndarray

    def side(self, number: int) -> Side:
        """Article ``number`` as the aligner sees it, its sentences' terms as
        sets, each made when the aligner first asks for it (most pairs of
        articles aligned in a report look at a few sentences and find nothing)."""
        start, spans = self.starts[number], self.sentences[number]
        return Side(self.texts[number], spans, _SetsOnDemand(self.terms[start:start + len(spans)]))


class _SetsOnDemand(Sequence[frozenset[str]]):
    """Sentences' distinct terms as frozen sets, each made when first asked for."""

    __slots__ = ("_terms", "_sets")

    def __init__(self, terms: Sequence[tuple[str, ...]]) -> None:
        self._terms = terms
        self._sets: list[frozenset[str] | None] = [None] * len(terms)

    def __len__(self) -> int:
        return len(self._terms)

    @overload
    def __getitem__(self, index: int) -> frozenset[str]: ...

    @overload
    def __getitem__(self, index: slice) -> list[frozenset[str]]: ...

    def __getitem__(self, index: int | slice) -> frozenset[str] | list[frozenset[str]]:
        if isinstance(index, slice):
            return [self[n] for n in range(*index.indices(len(self)))]
        found = self._sets[index]
        if found is None:
            found = self._sets[index] = frozenset(self._terms[index])
        return found


def sentence_table(articles: Sequence[Article], settings: Settings = DEFAULT_SETTINGS,
                   permutations: int | None = None) -> SentenceTable:
    """Segment, reduce to content terms and sign every body sentence of
    ``articles``. Sentences with fewer than ``Settings.min_passage_words``
    terms are not ``eligible`` for LSH. ``permutations``: compute only that
    many signature values (see :func:`signature_matrix`).

    >>> from dedupe.cleaning import clean_text
    >>> table = sentence_table([clean_text("Rain fell in Oslo on Friday. Snow fell.")])
    >>> table.eligible, table.signatures.shape, sorted(table.side(0).terms[1])
    ([True, False], (2, 128), ['fell', 'snow'])
    """
    spans: list[list[Span]] = []
    starts: list[int] = []
    owners: list[int] = []
    local: list[int] = []
    ordered_terms: list[list[str]] = []
    distinct: list[tuple[str, ...]] = []
    for number, article in enumerate(articles):
        sentences = segment_blocks(article.text, article.body)
        terms = [content_terms(sentence.of(article.text)) for sentence in sentences]
        spans.append(sentences)
        starts.append(len(owners))
        owners.extend([number] * len(sentences))
        local.extend(range(len(sentences)))
        if settings.shingle_size > 1:
            ordered_terms.extend(terms)
        distinct.extend([tuple(set(t)) for t in terms])
    eligible = [len(terms) >= settings.min_passage_words for terms in distinct]
    # Single terms are their own shingles, and a MinHash does not depend on their order: the
    # distinct terms are signed as they are (a second list of every sentence's terms took 100 MB at 10,000 articles).
    signatures = signature_matrix(distinct if settings.shingle_size == 1 else
                                  [shingles(t, settings.shingle_size) for t in ordered_terms], settings, permutations)
    return SentenceTable([article.text for article in articles], spans, starts, owners, local, distinct, eligible,
                         signatures)


@dataclass(frozen=True)
class Fingerprinted:
    """One article's sentences as an index stores them.

    ``keys`` are the article's distinct index keys (:func:`index_keys` of
    its eligible sentences' signatures), ``frequencies`` the number of its
    sentences each content term occurs in. Plain data (tuples, numpy arrays,
    a Counter), so it can be computed in a worker process and sent back
    (see :func:`fingerprint_many`).
    """

    sentences: tuple[Span, ...]
    eligible: tuple[bool, ...]
    keys: np.ndarray  # distinct index keys, int64, ascending
    frequencies: Counter[str]

    @property
    def eligible_count(self) -> int:
        """Sentences long enough to fingerprint."""
        return sum(self.eligible)

    def __reduce__(self) -> tuple[Any, ...]:
        # Workers send one per article to the process writing the index.
        # Unpickled one by one, the few hundred terms cost that process more
        # than storing the article; joined in one string, they are split in C.
        joined = _TERM_SEPARATOR.join(self.frequencies)
        if joined.count(_TERM_SEPARATOR) != max(len(self.frequencies) - 1, 0):  # a term holds the separator
            return Fingerprinted, (self.sentences, self.eligible, self.keys, self.frequencies)
        return _unpacked, (self.sentences, self.eligible, self.keys, joined, list(self.frequencies.values()))


_TERM_SEPARATOR = "\x00"  # tokens are runs of letters or digits: none holds it


def _unpacked(sentences: tuple[Span, ...], eligible: tuple[bool, ...], keys: np.ndarray, joined: str,
              counts: list[int]) -> Fingerprinted:
    """A :class:`Fingerprinted` as :meth:`Fingerprinted.__reduce__` packed it."""
    return Fingerprinted(sentences, eligible, keys, Counter(dict(zip(joined.split(_TERM_SEPARATOR), counts)))
                         if joined else Counter())


def fingerprint(article: Article, settings: Settings = DEFAULT_SETTINGS) -> Fingerprinted:
    """Sentences, index keys and term frequencies of one article, computed
    exactly as a comparison computes them.

    >>> from dedupe.cleaning import clean_text
    >>> found = fingerprint(clean_text("Rain fell in Oslo on Friday.", "a.txt"))
    >>> len(found.sentences), len(found.keys), found.frequencies["oslo"]
    (1, 4, 1)
    """
    return fingerprint_many([article], settings)[0]


def fingerprint_many(articles: Sequence[Article],
                     settings: Settings = DEFAULT_SETTINGS) -> builtins.list[Fingerprinted]:
    """:func:`fingerprint` of each article, the signatures of all their
    sentences computed in one batch (a signature matrix per article cost
    seven times as much per sentence). Worker processes fingerprint chunks
    of files this way (:func:`dedupe.corpus.prepare_articles`).
    """
    bands, rows_per_band = settings.index_bands
    table = sentence_table(articles, settings, bands * rows_per_band)
    keys = index_keys(table.signatures, settings)
    found = []
    for start, sentences in zip(table.starts, table.sentences):
        end = start + len(sentences)
        eligible = table.eligible[start:end]
        rows = [n for n, ok in enumerate(eligible, start) if ok]
        frequencies = Counter(itertools.chain.from_iterable(table.terms[start:end]))
        found.append(Fingerprinted(tuple(sentences), tuple(eligible), sorted_unique(keys[rows].ravel()), frequencies))
    return found


def sorted_unique(values: np.ndarray) -> np.ndarray:
    """The distinct values, ascending, by a sort: numpy 2's ``np.unique``
    hashes plain integer arrays, and took 30 s for 20 million keys that a
    sort puts in order in 0.3 s.

    >>> import numpy as np
    >>> sorted_unique(np.array([3, 1, 3, 2])).tolist()
    [1, 2, 3]
    """
    import numpy as np

    ordered = np.sort(values)
    return ordered[np.concatenate(([True], ordered[1:] != ordered[:-1]))] if len(ordered) else ordered


#: FNV-1a's 64-bit prime and offset basis.
_KEY_PRIME = 0x100000001B3
_KEY_BASIS = 0xCBF29CE484222325


def index_keys(signatures: np.ndarray, settings: Settings = DEFAULT_SETTINGS) -> np.ndarray:
    """The index keys of signature rows: :func:`band_keys` under the bands
    of ``settings.index_bands``, shape ``(rows, b)``.

    >>> import numpy as np
    >>> sig = np.arange(40, dtype=np.uint32).reshape(2, 20)
    >>> index_keys(sig).shape, index_keys(sig).dtype
    ((2, 4), dtype('int64'))
    >>> bool((index_keys(sig[:1]) == index_keys(sig)[:1]).all())
    True
    """
    b, r = settings.index_bands
    if b * r > settings.num_perm:
        raise ValueError(f"index_bands {b}x{r} need more than {settings.num_perm} permutations")
    return band_keys(signatures, (b, r))


#: Rows whose band keys are computed at once (their values widened to 64 bits: 64 MB).
_KEY_CHUNK_ROWS = 1 << 16


def band_keys(signatures: np.ndarray, bands: tuple[int, int]) -> np.ndarray:
    """For each signature row and each of the ``b`` bands of ``bands``
    (``b`` bands of ``r`` values), its ``r`` values and the band number
    hashed to one signed 64-bit integer (FNV-1a over the values, then
    MurmurHash3's 64-bit finaliser), shape ``(rows, b)``; the index stores
    these (:data:`KEY_SCHEME`).

    Two sentences share a key in a band exactly when their signatures agree
    on that band's values (up to 64-bit hash collisions, which only ever add
    a candidate that alignment then rejects), as in datasketch's MinHashLSH.

    >>> import numpy as np
    >>> sig = np.array([[1, 2, 3, 4], [1, 2, 9, 9]], dtype=np.uint32)
    >>> keys = band_keys(sig, (2, 2))
    >>> bool(keys[0, 0] == keys[1, 0]), bool(keys[0, 1] == keys[1, 1])
    (True, False)
    """
    import numpy as np

    b, r = bands
    keys = np.empty((len(signatures), b), dtype=np.uint64)
    prime = np.uint64(_KEY_PRIME)
    for start in range(0, len(signatures), _KEY_CHUNK_ROWS):  # the 64-bit copy of a chunk at a time
        chunk = slice(start, start + _KEY_CHUNK_ROWS)
        values = np.ascontiguousarray(signatures[chunk, : b * r], dtype=np.uint64).reshape(-1, b, r)
        with np.errstate(over="ignore"):
            found = np.broadcast_to((np.uint64(_KEY_BASIS) ^ np.arange(b, dtype=np.uint64)) * prime,
                                    values.shape[:2]).copy()
            for column in range(r):
                found = (found ^ values[:, :, column]) * prime
            found ^= found >> np.uint64(33)
            found *= np.uint64(0xFF51AFD7ED558CCD)
            found ^= found >> np.uint64(33)
            found *= np.uint64(0xC4CEB9FE1A85EC53)
            found ^= found >> np.uint64(33)
        keys[chunk] = found
    return keys.view(np.int64)
