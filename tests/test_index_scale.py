"""The parts of the index built for scale: index keys, batched adds,
generations, parallel fingerprinting and the shortlist."""

from __future__ import annotations

import json
import sqlite3

import numpy as np
import pytest

import dedupe.store.sqlite as sqlite_store
from dedupe.cleaning import clean_text
from dedupe.comparison import compare_against
from dedupe.corpus import load_article, prepare_articles
from dedupe.settings import Settings
from dedupe.fingerprints import fingerprint, fingerprint_many, index_keys
from dedupe.archive import open_index
from archive_articles import light_edit, seeds  # noqa: F401  (a fixture)
from conftest import SEEDS, seed_text


# --- index keys ---------------------------------------------------------------


def test_index_keys_differ_exactly_in_the_bands_whose_values_differ():
    settings = Settings()
    b, r = settings.index_bands
    rng = np.random.default_rng(3)
    signature = rng.integers(0, 2**32, size=(1, settings.num_perm), dtype=np.uint32)
    changed = signature.copy()
    changed[0, 2 * r + 1] ^= 1  # one value inside band 2
    changed[0, b * r + 5] ^= 1  # one value past the banded prefix
    same = index_keys(signature, settings)[0] == index_keys(changed, settings)[0]
    assert same.tolist() == [band != 2 for band in range(b)]


def test_equal_values_in_different_bands_give_different_keys():
    settings = Settings()
    b, r = settings.index_bands
    signature = np.tile(np.arange(r, dtype=np.uint32), settings.num_perm // r + 1)[None, : settings.num_perm]
    assert len(set(index_keys(signature, settings)[0].tolist())) == b


def test_index_banding_must_fit_the_signature():
    with pytest.raises(ValueError, match="permutations"):
        index_keys(np.zeros((1, 128), dtype=np.uint32), Settings(index_bands=(30, 5)))


# --- batched adds -------------------------------------------------------------


def test_add_many_gives_ids_in_order_and_stores_a_repeat_once(tmp_path, seeds):
    batch = [seeds["wapo"], seeds["bbc"], seeds["wapo"], seeds["time"]]
    with open_index(tmp_path / "i.db", create=True) as index:
        assert index.add_many(batch) == [(1, True), (2, True), (1, False), (3, True)]
        assert index.add_many([seeds["bbc"], seeds["nyt"]]) == [(2, False), (4, True)]
        assert [a.path for a in index.list()] == [str(SEEDS[n]) for n in ("wapo", "bbc", "time", "nyt")]


def test_a_failing_batch_leaves_nothing_behind(tmp_path, seeds, monkeypatch):
    with open_index(tmp_path / "i.db", create=True) as index:
        index.add(seeds["nyt"])
        before = index.stats()

        def failing(connection, rows):
            raise KeyboardInterrupt

        monkeypatch.setattr(sqlite_store, "_insert_buckets", failing)
        with pytest.raises(KeyboardInterrupt):
            index.add_many([seeds["wapo"], seeds["bbc"]])
        monkeypatch.undo()
        after = index.stats()
    for key in ("articles", "buckets", "terms", "sentences", "eligible_sentences"):
        assert after[key] == before[key], key


def test_given_fingerprints_are_used_and_must_match_in_number(tmp_path, seeds):
    articles = [seeds["wapo"], seeds["time"]]
    with open_index(tmp_path / "i.db", create=True) as index:
        with pytest.raises(ValueError, match="2 articles but 1 fingerprints"):
            index.add_many(articles, fingerprints=[fingerprint(seeds["wapo"])])
        index.add_many(articles, fingerprints=fingerprint_many(articles))
        found = index.candidates([clean_text(seed_text("time"), "copy.txt")])
    assert [s.path for s in found.sources] == [str(SEEDS["time"])]


def test_fingerprints_from_worker_processes_equal_those_made_here():
    """Worker processes (`prepare_articles`: two, chunks of two files) and
    one batch of all the articles give each article the fingerprint it gets
    alone, in the order of the files."""
    paths = [SEEDS[name] for name in sorted(SEEDS)]
    apart = list(prepare_articles(paths, jobs=2, chunk=2))
    assert [article.path for article, _ in apart] == [str(path) for path in paths]
    together = fingerprint_many([article for article, _ in apart])
    for (article, a), b in zip(apart, together):
        here = fingerprint(load_article(article.path))
        for found in (a, b):
            assert (found.sentences, found.eligible, found.frequencies) == (here.sentences, here.eligible,
                                                                            here.frequencies)
            assert np.array_equal(found.keys, here.keys)


def test_stored_sentences_are_the_fingerprinted_ones(tmp_path, seeds):
    with open_index(tmp_path / "i.db", create=True) as index:
        number, _ = index.add(seeds["bbc"])
    with sqlite3.connect(tmp_path / "i.db") as db:
        blob, = db.execute("SELECT sentences FROM articles WHERE id = ?", (number,)).fetchone()
        keys = [row[0] for row in db.execute("SELECT key FROM buckets WHERE article_id = ? ORDER BY key", (number,))]
    prints = fingerprint(seeds["bbc"])
    assert sqlite_store.sentence_spans(blob) == list(zip(prints.sentences, prints.eligible))
    assert keys == prints.keys.tolist()


# --- generations ----------------------------------------------------------------


def test_lookups_and_removals_reach_every_generation(tmp_path, seeds, monkeypatch):
    monkeypatch.setattr(sqlite_store, "GENERATION_BITS", 1)  # two articles per generation
    names = ["nyt", "reuters", "time", "bbc", "wapo"]
    with open_index(tmp_path / "i.db", create=True) as index:
        ids = dict(zip(names, (n for n, _ in index.add_many([seeds[n] for n in names]))))
        with sqlite3.connect(tmp_path / "i.db") as db:
            generations = dict(db.execute("SELECT article_id, min(generation) FROM buckets GROUP BY article_id"))
        assert generations == {ids[n]: ids[n] >> 1 for n in names}
        for name in names:
            found = index.candidates([clean_text(seed_text(name), f"copy-of-{name}.txt")])
            assert str(SEEDS[name]) in [s.path for s in found.sources], name
        assert index.remove([ids["wapo"]]) == [ids["wapo"]]
        found = index.candidates([clean_text(seed_text("wapo"), "copy.txt")])
        assert str(SEEDS["wapo"]) not in [s.path for s in found.sources]
    with sqlite3.connect(tmp_path / "i.db") as db:
        assert db.execute("SELECT count(*) FROM buckets WHERE article_id = ?", (ids["wapo"],)).fetchone() == (0,)


# --- the shortlist --------------------------------------------------------------


@pytest.mark.parametrize("make", [lambda text: text, light_edit], ids=["verbatim", "light-edit"])
def test_default_index_finds_copies_with_the_passages_against_finds(tmp_path, seeds, make):
    originals = [seeds[n] for n in ("wapo", "reuters", "time", "nyt")]
    copy = clean_text(make(seed_text("time")), "copy.txt")
    with open_index(tmp_path / "i.db", create=True) as index:
        index.add_many(originals)
        found = index.candidates([copy])
    assert [s.path for s in found.sources] == [str(SEEDS["time"])]
    direct = compare_against([copy], originals)
    assert [(originals[o.b].path, o.passages) for o in direct.overlaps] == \
        [(found.sources[o.b].path, o.passages) for o in found.overlaps]


def test_an_article_sharing_fewer_keys_than_the_minimum_is_not_shortlisted(tmp_path, seeds):
    sentence = "Two attempted attacks hit radar stations in southern Russia last week."
    with open_index(tmp_path / "i.db", create=True) as index:
        index.add(clean_text(sentence, "wire.txt"))
        assert len(index.candidates([clean_text(sentence, "copy.txt")]).sources) == 1
    strict = Settings(index_min_hits=Settings().index_bands[0] + 1)  # more keys than one sentence has
    with open_index(tmp_path / "strict.db", strict, create=True) as index:
        index.add(clean_text(sentence, "wire.txt"))
        assert index.candidates([clean_text(sentence, "copy.txt")]).sources == ()


# --- the CLI --------------------------------------------------------------------


def test_index_add_with_jobs_builds_the_same_index(tmp_path, run_cli):
    outputs = []
    for jobs in ("1", "2"):
        url = tmp_path / f"jobs{jobs}.db"
        code, out, err = run_cli("index", "add", SEEDS["wapo"].parent, "--index", url, "--jobs", jobs,
                                 "--format", "json")
        assert code == 0, err
        outputs.append(json.loads(out))
        code, out, _ = run_cli("index", "stats", "--index", url, "--format", "json")
        stats = json.loads(out)
        outputs.append({k: stats[k] for k in ("articles", "buckets", "terms", "sentences", "eligible_sentences")})
    assert outputs[0] == outputs[2] and outputs[1] == outputs[3]
    assert outputs[0]["counts"] == {"added": 5, "already indexed": 0, "failed": 0}


def test_index_add_refuses_zero_jobs(tmp_path, run_cli):
    code, _, err = run_cli("index", "add", SEEDS["wapo"], "--index", tmp_path / "i.db", "--jobs", "0")
    assert code == 2 and "at least 1" in err


@pytest.mark.parametrize("jobs", [1, 2])
def test_articles_read_in_any_number_of_processes_have_read_only_metadata(jobs):
    """Metadata crosses worker processes as a plain dict; every article the
    loaders hand out has it read-only again (in one process it was left a
    dict)."""
    from types import MappingProxyType

    from dedupe.corpus import load_corpus

    paths = [SEEDS[name] for name in sorted(SEEDS)]
    corpus = load_corpus(paths, jobs=jobs)
    prepared = [article for article, _ in prepare_articles(paths, jobs=jobs, chunk=2)]
    for article in [*corpus.articles, *prepared]:
        assert isinstance(article.metadata, MappingProxyType)
        with pytest.raises(TypeError):
            article.metadata["publisher"] = "someone else"  # type: ignore[index]
