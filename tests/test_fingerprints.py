"""Terms and MinHash signatures, checked against datasketch itself."""

from __future__ import annotations

import dataclasses
import os
import pickle
import random
from collections import Counter

import numpy as np
import pytest
from datasketch import MinHash, MinHashLSH

import dedupe.candidates as candidates
import dedupe.fingerprints
from dedupe.fingerprints import (
    _permutations,
    as_minhash,
    content_terms,
    sentence_table,
    shingles,
    signature_matrix,
    term_hash,
    tokens,
)
from dedupe.candidates import _KNOWN_BANDS, colliding_groups, lsh_bands, sentence_pairs
from dedupe.settings import Settings


@pytest.fixture(params=["compiled", "numpy"])
def kernel(request, monkeypatch):
    """Each signature test runs on both kernels: the compiled one (which CI
    must have built) and the numpy one it falls back to."""
    if request.param == "numpy":
        monkeypatch.setattr(dedupe.fingerprints, "_compiled", None)
    elif dedupe.fingerprints._compiled is None:
        if os.environ.get("CI"):
            pytest.fail("dedupe._minhash was not compiled at install (a C compiler and Python's headers are needed)")
        pytest.skip("dedupe._minhash was not compiled at install")
    return request.param


def test_signatures_equal_datasketch_update_batch(kernel):
    rng = random.Random(7)
    vocabulary = [f"term{n}" for n in range(3000)]
    sets = [rng.sample(vocabulary, rng.randint(0, 60)) for _ in range(400)]
    matrix = signature_matrix(sets)
    for row, terms in zip(matrix, sets):
        expected = MinHash(num_perm=128, seed=1, hashfunc=term_hash)
        expected.update_batch(terms)
        assert np.array_equal(row, expected.hashvalues)


def test_signatures_follow_settings_and_chunking(kernel):
    settings = Settings(num_perm=64, seed=3)
    big = [[f"w{n}" for n in range(50_000)], ["a", "b"], []]  # one row larger than a chunk
    matrix = signature_matrix(big, settings)
    assert matrix.shape == (3, 64)
    expected = MinHash(num_perm=64, seed=3, hashfunc=term_hash)
    expected.update_batch(["a", "b"])
    assert np.array_equal(matrix[1], expected.hashvalues)
    assert (matrix[2] == np.iinfo(np.uint32).max).all()  # an empty set, as datasketch leaves it


def test_signatures_hash_the_utf8_of_any_term(kernel):
    terms = ["ñandú", "κόσμε", "日本", "naïve", "a" * 300, ""]  # CRC-32 of the UTF-8 bytes, as datasketch gets them
    expected = MinHash(num_perm=128, seed=1, hashfunc=term_hash)
    expected.update_batch(terms)
    matrix = signature_matrix([frozenset(terms), tuple(terms), terms])
    assert all(np.array_equal(row, expected.hashvalues) for row in matrix)


def test_fingerprints_cross_processes_whole():
    """Workers pickle each article's fingerprint for the writer: the terms
    travel joined in one string, and a term holding the separator (none
    from the tokenizer does) falls back to the plain form."""
    from dedupe.cleaning import clean_text
    from dedupe.fingerprints import fingerprint

    found = fingerprint(clean_text("Rain fell in Oslo on Friday. Snow fell in Bergen on Monday, officials said."))
    odd = dataclasses.replace(found, frequencies=Counter({"a\x00b": 2, "c": 1}))
    empty = dataclasses.replace(found, frequencies=Counter())
    for sent in (found, odd, empty):
        back = pickle.loads(pickle.dumps(sent))
        assert back.sentences == sent.sentences and back.eligible == sent.eligible
        assert np.array_equal(back.keys, sent.keys) and back.keys.dtype == sent.keys.dtype
        assert type(back.frequencies) is Counter and back.frequencies == sent.frequencies
    assert found.frequencies["oslo"] == 1


def test_terms_survive_typography_and_inflection():
    assert tokens("“U.S.” officials’ 2,600 missiles, Russia’s") == ["us", "officials", "2600", "missiles", "russia"]
    one = content_terms("The U.S. attacked radar stations, officials said.")
    two = content_terms("US attacks on the radar station, according to officials")
    assert set(one) == set(two) == {"us", "attack", "radar", "station", "offici"}


def test_shingles_keep_first_seen_order_without_repeats():
    assert shingles(["a", "b", "a", "c"]) == ["a", "b", "c"]
    assert shingles(["a", "b", "a", "b"], 2) == ["a b", "b a"]


def test_lsh_proposes_similar_sets_and_not_unrelated_ones():
    rng = random.Random(11)
    vocabulary = [f"v{n}" for n in range(10_000)]
    base = rng.sample(vocabulary, 20)
    near = base[:16] + rng.sample(vocabulary, 4)  # Jaccard about 0.67
    unrelated = rng.sample(vocabulary, 20)
    sigs = signature_matrix([base, near, unrelated])
    found = sentence_pairs(sigs, owners=[0, 1, 2])
    assert (found.first.tolist(), found.second.tolist()) == ([0], [1])
    assert abs(float(found.similarity[0]) - 16 / 24) < 0.15  # the MinHash estimate of their Jaccard
    assert not len(sentence_pairs(sigs, owners=[0, 0, 2]))  # one article's own sentences are not paired
    left = sentence_pairs(np.vstack([sigs[1], sigs[0]]), owners=[0, 1], left=[False, True])
    assert (left.first.tolist(), left.second.tolist()) == ([1], [0])  # the left row first


def test_chance_collisions_below_the_floor_are_dropped():
    """Sets sharing a few words collide in a band now and then; the pairs
    whose signatures agree on less than ``candidate_min_similarity`` are
    dropped, those above it kept, in every band."""
    rng = random.Random(3)
    common = [f"c{n}" for n in range(6)]
    vocabulary = [f"v{n}" for n in range(5000)]
    sets = [rng.sample(common, 2) + rng.sample(vocabulary, 6) for _ in range(400)]  # Jaccard 0.14 at most
    sets += [s[:-1] + rng.sample(vocabulary, 1) for s in sets[:20]]  # and 20 near copies (0.78)
    sigs = signature_matrix(sets)
    every = sentence_pairs(sigs, owners=range(420), settings=Settings(candidate_min_similarity=0.0))
    kept = sentence_pairs(sigs, owners=range(420))
    assert len(every) > 2 * len(kept) > 0
    assert (kept.similarity >= 0.15).all() and (every.similarity < 0.15).any()
    above = every.similarity >= 0.15
    assert (every.first[above].tolist(), every.second[above].tolist()) == (kept.first.tolist(), kept.second.tolist())


def test_banding_finds_what_datasketch_minhashlsh_finds(monkeypatch):
    """The numpy banding pairs exactly the rows datasketch's MinHashLSH,
    with the same bands, returns for each other (similar sets of every
    degree, some identical)."""
    rng = random.Random(5)
    vocabulary = [f"w{n}" for n in range(400)]
    sets = []
    for _ in range(300):
        if sets and rng.random() < 0.6:
            source = rng.choice(sets)
            keep = rng.randint(0, len(source))
            sets.append(rng.sample(source, keep) + rng.sample(vocabulary, rng.randint(1, 12)))
        else:
            sets.append(rng.sample(vocabulary, rng.randint(3, 15)))
    sigs = signature_matrix(sets)
    settings = Settings()
    bands = lsh_bands(settings)
    lsh = MinHashLSH(threshold=settings.lsh_threshold, num_perm=settings.num_perm, params=bands)
    for n, row in enumerate(sigs):
        lsh.insert(n, as_minhash(row, settings))
    expected = {(min(n, m), max(n, m)) for n, row in enumerate(sigs)
                for m in lsh.query(as_minhash(row, settings)) if m != n}
    found = {tuple(pair) for pair in colliding_groups(sigs, bands).tolist()}
    assert len(expected) > 300 and found == expected
    # Many rows are bucketed a band at a time, few all bands in one pass, some bands in between: the same pairs.
    for cells in (1, 300 * 5, 1 << 20):
        monkeypatch.setattr(candidates, "_PASS_CELLS", cells)
        assert {tuple(pair) for pair in colliding_groups(sigs, bands).tolist()} == expected
        close = colliding_groups(sigs, bands, min_similarity=0.5, rows=np.arange(1, 300, 2))
        assert {tuple(pair) for pair in close.tolist()} == {
            (g, h) for g, h in ((p // 2, q // 2) for p, q in expected if p % 2 and q % 2)
            if (sigs[2 * g + 1] == sigs[2 * h + 1]).mean() >= 0.5}


def test_the_sentence_table_gives_the_aligner_each_sentences_terms_as_a_set():
    """The table keeps each sentence's distinct terms as a tuple; a side
    gives them as the sets the aligner compares, by index, from the end and
    by slice."""
    from dedupe.cleaning import clean_text

    articles = [clean_text("Rain fell in Oslo on Friday. Snow fell on the hills, and rain fell again.", "a.txt"),
                clean_text("Wind rose at dawn. Rain fell again in Oslo. Ferries stopped.", "b.txt")]
    table = sentence_table(articles)
    for number, article in enumerate(articles):
        side = table.side(number)
        expected = [frozenset(content_terms(span.of(article.text))) for span in side.sentences]
        assert len(side.terms) == len(expected) >= 2
        assert list(side.terms) == expected and side.terms[-1] == expected[-1] and side.terms[::-1] == expected[::-1]
        first = table.terms[table.starts[number]]
        assert isinstance(first, tuple) and len(first) == len(set(first)) and set(first) == expected[0]


def test_lsh_bands_come_from_datasketch():
    bands, rows = lsh_bands(Settings(num_perm=128, lsh_threshold=0.3))
    assert (bands, rows) == (42, 3)
    assert bands * rows <= 128
    assert lsh_bands(Settings(num_perm=64, lsh_threshold=0.6)) != (bands, rows)


def test_permutations_are_datasketchs():
    """Signatures are drawn with datasketch's affine32 permutations, without importing it."""
    for num_perm, seed in [(128, 1), (64, 7), (256, 12345), (16, 0), (16, 2**32 - 1)]:
        theirs = MinHash(num_perm=num_perm, seed=seed, scheme="affine32").permutations
        ours = _permutations(num_perm, seed, "affine32")
        assert all(x.dtype == y.dtype and (x == y).all() for x, y in zip(ours, theirs))


def test_known_bands_are_what_the_optimiser_picks():
    """The bands kept for common settings (so a process need not load scipy) are datasketch's answer."""
    for (threshold, num_perm, weights), bands in _KNOWN_BANDS.items():
        lsh = MinHashLSH(threshold=threshold, num_perm=num_perm, weights=weights)
        assert bands == (lsh.b, lsh.r)
