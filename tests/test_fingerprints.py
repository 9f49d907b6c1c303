"""Terms and MinHash signatures, checked against datasketch itself."""

from __future__ import annotations

import random

import numpy as np
from datasketch import MinHash

from dedupe.fingerprints import content_terms, shingles, signature_matrix, term_hash, tokens
from dedupe.candidates import CandidateIndex, candidate_pairs
from dedupe.settings import Settings


def test_signatures_equal_datasketch_update_batch():
    rng = random.Random(7)
    vocabulary = [f"term{n}" for n in range(3000)]
    sets = [rng.sample(vocabulary, rng.randint(0, 60)) for _ in range(400)]
    matrix = signature_matrix(sets)
    for row, terms in zip(matrix, sets):
        expected = MinHash(num_perm=128, seed=1, hashfunc=term_hash)
        expected.update_batch(terms)
        assert np.array_equal(row, expected.hashvalues)


def test_signatures_follow_settings_and_chunking():
    settings = Settings(num_perm=64, seed=3)
    big = [[f"w{n}" for n in range(50_000)], ["a", "b"], []]  # one row larger than a chunk
    matrix = signature_matrix(big, settings)
    assert matrix.shape == (3, 64)
    expected = MinHash(num_perm=64, seed=3, hashfunc=term_hash)
    expected.update_batch(["a", "b"])
    assert np.array_equal(matrix[1], expected.hashvalues)
    assert (matrix[2] == np.iinfo(np.uint32).max).all()  # an empty set, as datasketch leaves it


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
    assert candidate_pairs(sigs, owners=[0, 1, 2]) == {(0, 1)}
    assert candidate_pairs(sigs, owners=[0, 0, 2]) == set()  # one article's own sentences are not paired


def test_candidate_index_reports_its_bands():
    index = CandidateIndex(Settings(num_perm=128, lsh_threshold=0.3))
    bands, rows = index.bands
    assert bands * rows <= 128 and bands >= 2
