"""Speed benchmark (a benchmark, not a test): signatures, index build, checks.

Everything runs on a synthetic corpus the script generates itself,
deterministically and streamed (no article is kept in memory longer than it
takes to add it): news-length articles (15-40 sentences, 400-900 words) from
a Zipf-distributed vocabulary of common English words with a long tail of
rarer (generated) words, plus per-topic words, people's names, places and
numbers. Among the queries are planted copies of indexed articles of known
kinds, with ground truth:

* ``verbatim``: the source article as it is;
* ``light``: house-style edits and synonym swaps (about a fifth of the
  content words changed, "percent" -> "per cent", "said" -> "says", ...);
* ``partial``: a run of the source's paragraphs (a third, at least three
  sentences) inside new text at most twice as long;
* ``heavy`` (reported apart, not in the recall goal): half the content
  words swapped, sentences dropped and reordered.

The other queries are new articles copying nothing (for the false-positive
rate).

Sections, each figure a ratio against a baseline in the same process where
there is one:

1. **signatures**: the same shingle sets (sentences' content terms) through
   :func:`dedupe.fingerprints.signature_matrix` vs a plain datasketch
   ``MinHash(num_perm=128, hashfunc=term_hash)`` + ``update`` loop (on a
   subsample), and vs rensa when importable;
2. **build**: one SQLite index under ``--out`` grows through the sizes, as
   an archive does; ``--workers`` processes generate, clean and fingerprint
   the articles while this one writes them with ``add_many`` in batches of
   ``--batch``. At each size: wall time from empty, articles/s since the
   last size, file size and bytes per article, rows per table, and the CPU
   time of each step;
3. **check**: in a fresh process (the memory of a checker, not of the
   builder), one query at a time, ``clean_text`` + ``index.check([article])``
   (what ``dedupe check --index`` runs): p50/p99 latency, shortlist
   size, resident memory while checking, recall of planted copies (the
   planted source among the verdict's sources with derivation != "none")
   and false-positive rate (unrelated queries with any such source).

A size whose projected build time would overrun ``--budget`` (minutes, for
the whole run) is stopped early and its projection reported, so the script
always finishes. ``--profile`` adds cProfile tables of the first 2,000 adds
and of the first checks.

Run::

    .venv/bin/python scripts/bench_speed.py --sizes 10000 --queries 200 --profile
    .venv/bin/python scripts/bench_speed.py --sizes 10000,100000,1000000 --budget 30

A smoke run in a few seconds (what ``tests/test_scripts.py`` runs)::

    .venv/bin/python scripts/bench_speed.py --sizes 200 --queries 8 --signature-articles 20 \
        --baseline-passages 40 --workers 1 --batch 100 --budget 2
"""

from __future__ import annotations

import argparse
import cProfile
import datetime
import io
import itertools
import json
import math
import multiprocessing
import os
import platform
import pstats
import random
import sqlite3
import sys
import tempfile
import time
from collections import deque
from collections.abc import Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import numpy as np  # noqa: E402
from benchlib import figure  # noqa: E402
from tabulate import tabulate  # noqa: E402

from dedupe.archive import open_index, with_publisher  # noqa: E402
from dedupe.cleaning import clean_text  # noqa: E402
from dedupe.fingerprints import (  # noqa: E402
    Fingerprinted,
    content_terms,
    fingerprint,
    shingles,
    signature_matrix,
    term_hash,
)
from dedupe.model import Article  # noqa: E402
from dedupe.segmentation import segment_blocks  # noqa: E402
from dedupe.settings import DEFAULT_SETTINGS  # noqa: E402
from dedupe.store.base import article_columns, article_from_columns  # noqa: E402

# ---------------------------------------------------------------------------
# Vocabulary
# ---------------------------------------------------------------------------

# Function words in rough frequency order (Zipf-weighted when drawn).
FUNCTION_WORDS = """the of and to a in that is was for on it with as he be at by his have from
this are had not but they which an were has been their or its would who will there more
after also into than over about them when could new other some before what our these while
only most can those through during such no because both since under between against any
where many each all should very so up out then just if do among""".split()

# Common content words of news, in rough frequency order.
COMMON_WORDS = """people year government time years police state day week country city officials
president company report month former public minister world million percent group team home
family national court health local number part war days market months support women children
service plan law members support program case area money power business school party deal
security military forces international leader decision water life news office board system
economy price prices election council students talks budget job jobs workers energy oil
attack attacks crisis vote voters campaign billion spokesman statement meeting capital region
region community hospital patients doctors study research data information policy change
climate weather storm fire rain flood troops border trade tax taxes costs growth bank banks
investors shares stocks rates inflation interest debt funds project projects industry sales
customers products technology internet phone media video social online network site users
league season game games players coach match win victory goal points title club fans stadium
film music show art book author festival museum history church street road train airport
flight car cars travel tourists hotel food farmers crops land village town county province
district mayor governor senator lawmakers congress parliament committee agency department
ministry authorities investigation charges trial judge jury lawyer prison sentence crime
victims suspect shooting killed dead injured died death deaths accident crash rescue
emergency aid help support refugees migrants protest protesters rally demonstrators strike
union unions wages pay contract contracts agreement negotiations ceasefire peace conflict
army navy soldiers missile missiles weapons drone drones nuclear sanctions embassy diplomat
summit allies partners relations rights freedom press journalists reporters evidence review
rules regulators industry factory plant production exports imports supply demand shortage
fuel gas electricity power grid coal solar wind carbon emissions pollution forest wildlife
scientists university school teachers education students exam results test vaccine virus
disease outbreak cases infections treatment drug drugs medicine care insurance housing rent
homes property construction building bridge tunnel railway port ships shipping cargo""".split()

SYLLABLES = ("ba be bi bo bu ca ce co cu da de di do du fa fe fi fo ga ge go gu ha he hi ho ka ke ki ko "
             "la le li lo lu ma me mi mo mu na ne ni no nu pa pe pi po pu ra re ri ro ru sa se si so su "
             "ta te ti to tu va ve vi vo wa we wi za zo bar ber bor can cen con dar den dor fan fen gar "
             "gen hal han kin lan len lin lor man men mar mon nar nen par pen per por ran ren ron san sen "
             "son tan ten tin tor var ven vin ston land ford burg ley ton wick ham dale field").split()
FIRST_NAMES = """James Mary John Patricia Robert Jennifer Michael Linda David Elizabeth William Barbara
Richard Susan Joseph Jessica Thomas Sarah Charles Karen Daniel Lisa Matthew Nancy Anthony Sandra Mark Ashley
Olena Dmitro Ahmed Fatima Wei Mei Hiroshi Yuki Carlos Ana Pierre Claire Hans Greta Ivan Olga Raj Priya
Kwame Amara Luis Sofia Omar Layla Nikos Eleni Jan Anna Piotr Marta""".split()
LAST_NAMES = """Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez Hernandez Lopez
Wilson Anderson Taylor Thomas Moore Jackson Martin Lee Thompson White Harris Clark Lewis Robinson Walker
Kovalenko Shevchenko Khan Ali Chen Wang Tanaka Sato Silva Santos Dubois Moreau Schmidt Weber Petrov Ivanova
Sharma Patel Mensah Okafor Haddad Nasser Papadopoulos Novak Kowalski Nowak Jensen Larsen Rossi Bianchi""".split()
PLACES = """London Paris Berlin Kyiv Moscow Washington Beijing Tokyo Delhi Cairo Lagos Nairobi Madrid Rome
Warsaw Vienna Geneva Brussels Ankara Tehran Baghdad Damascus Jerusalem Gaza Kharkiv Odesa Lviv Dnipro Sydney
Toronto Chicago Texas California Florida Ohio Bavaria Scotland Wales Ireland Mexico Brazil Canada India
China Japan Russia Ukraine Poland Germany France Italy Spain Egypt Nigeria Kenya Turkey Iran Iraq Syria""".split()
ATTRIBUTIONS = ("said", "said on Monday", "said on Tuesday", "told reporters", "said in a statement",
                "according to officials", "said on Friday", "added")


@dataclass
class Vocabulary:
    function_cum: list[float]
    content: list[str]
    content_cum: list[float]
    topics: list[list[str]]
    people: list[str]
    synonyms: dict[str, str] = field(default_factory=dict)
    # The same as numpy arrays, for drawing many words at once.
    function_words: np.ndarray = field(init=False)
    function_cdf: np.ndarray = field(init=False)
    content_words: np.ndarray = field(init=False)
    content_cdf: np.ndarray = field(init=False)
    places: np.ndarray = field(init=False)

    def __post_init__(self) -> None:
        arrays = {"function_words": np.array(FUNCTION_WORDS, dtype=object),
                  "function_cdf": np.array(self.function_cum) / self.function_cum[-1],
                  "content_words": np.array(self.content, dtype=object),
                  "content_cdf": np.array(self.content_cum) / self.content_cum[-1],
                  "places": np.array(PLACES, dtype=object)}
        for name, value in arrays.items():
            object.__setattr__(self, name, value)


def build_vocabulary(seed: int, tail_words: int = 60_000, topics: int = 200) -> Vocabulary:
    """Common words first, then generated rarer words; Zipf (s = 1.05) over
    the ranks, offset by the function words' ranks (the commonest content
    word of English news is about the 50th word overall, some 0.3% of
    content tokens). Each topic has 120 words from the middle and tail."""
    rng = random.Random(f"vocab:{seed}")
    content = list(dict.fromkeys(COMMON_WORDS))
    seen = set(content) | set(FUNCTION_WORDS)
    while len(content) < len(COMMON_WORDS) + tail_words:
        word = "".join(rng.choice(SYLLABLES) for _ in range(rng.choice((2, 2, 3, 3, 4))))
        if word not in seen:
            seen.add(word)
            content.append(word)
    content_cum = list(itertools.accumulate(1 / (rank + 50) ** 1.05 for rank in range(len(content))))
    function_cum = list(itertools.accumulate(1 / (rank + 1) ** 0.9 for rank in range(len(FUNCTION_WORDS))))
    topic_lists = [rng.sample(content[200:], 120) for _ in range(topics)]
    people = [f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}" for _ in range(5000)]
    # A "synonym" for each of the 5,000 commonest content words: another
    # word of similar rank (what a synonym swap does to the terms).
    synonyms = {}
    for rank, word in enumerate(content[:5000]):
        other = content[min(len(content) - 1, max(0, rank + rng.choice((-7, -3, 2, 5, 11))))]
        if other != word:
            synonyms[word] = other
    return Vocabulary(function_cum, content, content_cum, topic_lists, people, synonyms)


def _number(rng: random.Random) -> str:
    kind = rng.random()
    if kind < 0.4:
        return str(rng.randint(2, 99))
    if kind < 0.7:
        return f"{rng.randint(100, 99999):,}"
    if kind < 0.85:
        return f"{rng.randint(1, 99)} percent"
    return str(rng.randint(1990, 2026))


# Word kinds of a sentence: function word, common or tail content word,
# topic word, person, place, number.
_KIND_SHARES = np.array([46, 28, 14, 5, 3, 4]) / 100
_FUNCTION, _CONTENT, _TOPIC, _PERSON, _PLACE, _NUMBER = range(6)


def _sentences(rng: random.Random, draws: np.random.Generator, vocab: Vocabulary, lengths: list[int],
               topic: list[str], cast: list[str]) -> list[str]:
    """Sentences of the given lengths in words, every word drawn at once
    with numpy (the Zipf ranks by inverse CDF)."""
    total = sum(lengths)
    kinds = draws.choice(6, size=total, p=_KIND_SHARES)
    uniform = draws.random(total)
    words = np.empty(total, dtype=object)
    for kind, pick in ((_FUNCTION, lambda u: vocab.function_words[np.searchsorted(vocab.function_cdf, u, "right")]),
                       (_CONTENT, lambda u: vocab.content_words[np.searchsorted(vocab.content_cdf, u, "right")]),
                       (_TOPIC, lambda u: np.array(topic, dtype=object)[(len(topic) * u ** 1.5).astype(int)]),
                       (_PERSON, lambda u: np.array(cast, dtype=object)[(len(cast) * u).astype(int)]),
                       (_PLACE, lambda u: vocab.places[(len(PLACES) * u ** 2).astype(int)])):
        where = kinds == kind
        words[where] = pick(uniform[where])
    for n in np.flatnonzero(kinds == _NUMBER).tolist():
        words[n] = _number(rng)
    out = []
    start = 0
    for length in lengths:
        sentence = words[start:start + length].tolist()
        start += length
        sentence[0] = sentence[0][0].upper() + sentence[0][1:]
        text = " ".join(sentence)
        if rng.random() < 0.25:
            out.append(f"{text}, {rng.choice(cast)} {rng.choice(ATTRIBUTIONS)}.")
        elif rng.random() < 0.1:
            out.append(f"\u201c{text},\u201d {rng.choice(cast)} {rng.choice(ATTRIBUTIONS)}.")
        else:
            out.append(text + ".")
    return out


@dataclass(frozen=True)
class Generated:
    title: str
    paragraphs: list[list[str]]  # sentences per paragraph

    def text(self) -> str:
        return "\n".join([self.title, *(" ".join(p) for p in self.paragraphs)]) + "\n"


def generate(vocab: Vocabulary, seed: int, number: int) -> Generated:
    """Article ``number`` of the stream (deterministic)."""
    rng = random.Random(seed * 1_000_003 + number)
    topic = vocab.topics[rng.randrange(len(vocab.topics))]
    cast = rng.sample(vocab.people, 4) + rng.sample(PLACES, 2)
    draws = np.random.default_rng(seed * 1_000_003 + number)
    sentences = rng.randint(15, 40)
    words = rng.randint(400, 900)
    per = words / sentences
    lengths = [max(6, min(45, round(rng.gauss(per, per / 3)))) for _ in range(sentences)]
    title_length = rng.randint(6, 11)
    title, *body = _sentences(rng, draws, vocab, [title_length, *lengths], topic, cast)
    paragraphs = []
    while body:
        take = rng.randint(1, 4)
        paragraphs.append(body[:take])
        body = body[take:]
    return Generated(title.split(",")[0].strip("\u201c.").title(), paragraphs)


# --- planted copies ----------------------------------------------------------

HOUSE_STYLE = (("percent", "per cent"), (" said", " says"), ("\u201c", '"'), ("\u201d", '"'),
               ("told reporters", "told journalists"))


def _swap(rng: random.Random, vocab: Vocabulary, sentence: str, share: float) -> str:
    words = sentence.split(" ")
    for n, word in enumerate(words):
        bare = word.strip(".,\u201c\u201d").lower()
        if bare in vocab.synonyms and rng.random() < share:
            words[n] = word.replace(bare, vocab.synonyms[bare]) if word.islower() else word
    return " ".join(words)


def light_copy(rng: random.Random, vocab: Vocabulary, source: Generated) -> str:
    paragraphs = [[_swap(rng, vocab, s, 0.35) for s in p] for p in source.paragraphs]
    text = Generated(source.title, paragraphs).text()
    for old, new in HOUSE_STYLE:
        text = text.replace(old, new)
    return text


def heavy_copy(rng: random.Random, vocab: Vocabulary, source: Generated) -> str:
    sentences = [_swap(rng, vocab, s, 0.7) for p in source.paragraphs for s in p if rng.random() > 0.2]
    for start in range(0, len(sentences) - 1, 3):  # reorder within groups of three
        group = sentences[start:start + 3]
        rng.shuffle(group)
        sentences[start:start + 3] = group
    paragraphs = [sentences[i:i + 2] for i in range(0, len(sentences), 2)]
    return Generated(source.title, paragraphs).text()


def partial_copy(rng: random.Random, source: Generated, filler: Generated) -> str:
    """A run of the source's paragraphs (a third of them, at least three
    sentences) between paragraphs of new text at most twice as long: a
    substantial take (a fifth of the copy or more), the kind a check must flag."""
    run = max(1, len(source.paragraphs) // 3)
    start = rng.randrange(0, len(source.paragraphs) - run + 1)
    taken = source.paragraphs[start:start + run]
    while sum(map(len, taken)) < 3 and (start > 0 or start + len(taken) < len(source.paragraphs)):
        taken = source.paragraphs[start - 1:start + len(taken)] if start > 0 else source.paragraphs[:len(taken) + 1]
        start = max(0, start - 1)
    budget = 2 * sum(len(" ".join(p)) for p in taken)
    own: list[list[str]] = []
    for paragraph in filler.paragraphs:
        if len(own) >= 2 and sum(len(" ".join(p)) for p in own) + len(" ".join(paragraph)) > budget:
            break
        own.append(paragraph)
    cut = len(own) // 2
    return Generated(filler.title, own[:cut] + taken + own[cut:]).text()


@dataclass(frozen=True)
class Query:
    kind: str  # verbatim, light, partial, heavy, unrelated
    text: str
    source: int | None  # stream number of the copied article


PLANTED_KINDS = ("verbatim", "light", "partial", "heavy")
GOAL_KINDS = ("verbatim", "light", "partial")


def make_queries(vocab: Vocabulary, seed: int, indexed: int, count: int, size: int) -> list[Query]:
    """Half planted copies (kinds in turn) of indexed articles, half new ones.
    New articles come from stream numbers past every size benchmarked."""
    rng = random.Random(f"queries:{seed}:{indexed}")
    queries = []
    fresh = itertools.count(10 * max(size, 1_000_000) + 1)
    planted = (count + 1) // 2
    for n in range(planted):
        kind = PLANTED_KINDS[n % len(PLANTED_KINDS)]
        source_number = rng.randrange(indexed)
        source = generate(vocab, seed, source_number)
        if kind == "verbatim":
            text = source.text()
        elif kind == "light":
            text = light_copy(rng, vocab, source)
        elif kind == "heavy":
            text = heavy_copy(rng, vocab, source)
        else:
            text = partial_copy(rng, source, generate(vocab, seed, next(fresh)))
        queries.append(Query(kind, text, source_number))
    for _ in range(count - planted):
        queries.append(Query("unrelated", generate(vocab, seed, next(fresh)).text(), None))
    return queries


def article_path(number: int) -> str:
    return f"corpus/a{number:07d}.txt"


def publisher_of(number: int) -> str:
    return f"Outlet {number % 50}"


# ---------------------------------------------------------------------------
# Measuring
# ---------------------------------------------------------------------------


def rss_mb() -> float:
    """Current resident set size in MB (from /proc)."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


def machine() -> dict[str, Any]:
    cpu = platform.processor() or "unknown"
    try:
        with open("/proc/cpuinfo") as info:
            cpu = next((line.split(":", 1)[1].strip() for line in info if line.startswith("model name")), cpu)
    except OSError:
        pass
    ram = float("nan")
    try:
        with open("/proc/meminfo") as info:
            ram = int(next(line for line in info if line.startswith("MemTotal")).split()[1]) / 1024 ** 2
    except (OSError, StopIteration):
        pass
    return {"date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
            "cpu": cpu, "cores": os.cpu_count(), "ram_gb": round(ram, 1), "python": platform.python_version(),
            "sqlite": sqlite3.sqlite_version, "numpy": np.__version__, "load_avg": os.getloadavg()}


def percentile(values: Sequence[float], q: float) -> float:
    return float(np.percentile(values, q)) if values else float("nan")


def profile_table(profile: cProfile.Profile, top: int, sort: str) -> str:
    out = io.StringIO()
    stats = pstats.Stats(profile, stream=out)
    stats.strip_dirs().sort_stats(sort).print_stats(top)
    text = out.getvalue()
    start = text.find("   ncalls")
    return text[start:].rstrip() if start >= 0 else text


def profile_cumtime(profile: cProfile.Profile, names: Sequence[tuple[str, str]]) -> dict[str, float]:
    """Cumulative seconds of functions by (file suffix, function name)."""
    stats = pstats.Stats(profile).stats  # type: ignore[attr-defined]
    found = {}
    for (filename, _, function), (_, _, _, cumulative, _) in stats.items():
        for suffix, name in names:
            if function == name and filename.endswith(suffix):
                found[f"{suffix}:{name}"] = found.get(f"{suffix}:{name}", 0.0) + cumulative
    return found


# --- 1. signatures -----------------------------------------------------------


def bench_signatures(vocab: Vocabulary, seed: int, articles: int, baseline_passages: int) -> dict[str, Any]:
    shingle_sets: list[list[str]] = []
    for number in range(articles):
        article = clean_text(generate(vocab, seed, number).text(), article_path(number))
        for sentence in segment_blocks(article.text, article.body):
            shingle_sets.append(shingles(content_terms(sentence.of(article.text)), DEFAULT_SETTINGS.shingle_size))
    shingle_count = sum(map(len, shingle_sets))
    rows: list[dict[str, Any]] = []

    def best_of(function: Any, repeat: int = 3) -> float:
        times = []
        for _ in range(repeat):
            start = time.perf_counter()
            function()
            times.append(time.perf_counter() - start)
        return min(times)

    ours_seconds = best_of(lambda: signature_matrix(shingle_sets))
    ours_rate = len(shingle_sets) / ours_seconds
    from datasketch import MinHash

    sample = shingle_sets[:baseline_passages]

    def datasketch_loop() -> list[np.ndarray]:
        out = []
        for terms in sample:
            minhash = MinHash(num_perm=DEFAULT_SETTINGS.num_perm, seed=DEFAULT_SETTINGS.seed, hashfunc=term_hash,
                              scheme=DEFAULT_SETTINGS.hash_scheme)
            for term in terms:
                minhash.update(term)
            out.append(minhash.hashvalues)
        return out

    base_seconds = best_of(datasketch_loop, 1)
    base_rate = len(sample) / base_seconds
    same = bool((np.stack(datasketch_loop()) == signature_matrix(sample)).all()) if sample else True
    rows.append({"method": "datasketch MinHash.update loop (baseline)", "passages": len(sample),
                 "seconds": base_seconds, "passages_per_s": base_rate, "ratio": 1.0, "same_values": True})
    rows.append({"method": "dedupe signature_matrix", "passages": len(shingle_sets), "seconds": ours_seconds,
                 "passages_per_s": ours_rate, "ratio": ours_rate / base_rate, "same_values": same})
    try:
        from rensa import RMinHash
    except ImportError:
        rows.append({"method": "rensa (not installed)", "passages": 0, "seconds": float("nan"),
                     "passages_per_s": float("nan"), "ratio": float("nan"), "same_values": None})
    else:
        def rensa_loop() -> None:
            for terms in shingle_sets:
                minhash = RMinHash(num_perm=DEFAULT_SETTINGS.num_perm, seed=DEFAULT_SETTINGS.seed)
                minhash.update(terms)
                minhash.digest()

        seconds = best_of(rensa_loop)
        rows.append({"method": "rensa RMinHash.update loop", "passages": len(shingle_sets), "seconds": seconds,
                     "passages_per_s": len(shingle_sets) / seconds, "ratio": len(shingle_sets) / seconds / base_rate,
                     "same_values": "n/a (own hashing)"})
        if hasattr(RMinHash, "digest_matrix_from_token_sets"):
            seconds = best_of(lambda: RMinHash.digest_matrix_from_token_sets(
                shingle_sets, num_perm=DEFAULT_SETTINGS.num_perm, seed=DEFAULT_SETTINGS.seed))
            rows.append({"method": "rensa digest_matrix_from_token_sets", "passages": len(shingle_sets),
                         "seconds": seconds, "passages_per_s": len(shingle_sets) / seconds,
                         "ratio": len(shingle_sets) / seconds / base_rate, "same_values": "n/a (own hashing)"})
    return {"articles": articles, "passages": len(shingle_sets), "mean_shingles": shingle_count / len(shingle_sets),
            "rows": rows, "ratio_vs_datasketch": ours_rate / base_rate}


# --- 2. build ------------------------------------------------------------------


def table_rows(path: str) -> dict[str, Any]:
    connection = sqlite3.connect(path)
    try:
        counts = {table: connection.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
                  for table in ("articles", "buckets", "terms")}
        counts["sentences"] = json.loads(connection.execute(
            "SELECT value FROM meta WHERE key = 'sentences'").fetchone()[0])
        try:
            sizes = dict(connection.execute("SELECT name, SUM(pgsize) FROM dbstat GROUP BY name"))
        except sqlite3.Error:
            sizes = {}
    finally:
        connection.close()
    return {"rows": counts, "table_bytes": sizes}


_WORKER: dict[str, Any] = {}


def _start_worker(seed: int) -> None:
    _WORKER["vocab"] = build_vocabulary(seed)
    _WORKER["seed"] = seed


def prepare(number: int) -> tuple[dict[str, Any], Fingerprinted, tuple[float, float, float]]:
    """Article ``number`` generated, cleaned and fingerprinted (in a worker
    process): its stored columns, fingerprint and the seconds each step took."""
    t0 = time.perf_counter()
    text = generate(_WORKER["vocab"], _WORKER["seed"], number).text()
    t1 = time.perf_counter()
    article = with_publisher(clean_text(text, article_path(number)), publisher_of(number))
    t2 = time.perf_counter()
    prints = fingerprint(article, DEFAULT_SETTINGS)
    t3 = time.perf_counter()
    return article_columns(article, publisher_of(number)), prints, (t1 - t0, t2 - t1, t3 - t2)


def build(seed: int, first: int, size: int, path: str, deadline: float, reserve: float,
          profile_adds: int, workers: int, batch: int) -> dict[str, Any]:
    """Grow the index at ``path`` from ``first`` articles to ``size``:
    ``workers`` processes generate, clean and fingerprint, this one writes
    batches of ``batch`` with ``add_many`` while the workers prepare the next
    two batches."""
    timing = {"generate": 0.0, "clean": 0.0, "fingerprint": 0.0, "write": 0.0}
    profile = cProfile.Profile() if profile_adds else None
    start = time.perf_counter()
    done = first
    stopped = None
    window_start, window_done = start, first
    with open_index(path, DEFAULT_SETTINGS, create=True) as index, \
            ProcessPoolExecutor(max_workers=workers, initializer=_start_worker, initargs=(seed,)) as pool:
        if profile is not None:  # profiled in this process, one add at a time
            _start_worker(seed)
            profile.enable()
            for number in range(first, min(first + profile_adds, size)):
                columns, prints, _ = prepare(number)
                index.add_many([_article(columns)], fingerprints=[prints])
            profile.disable()
            done = window_done = min(first + profile_adds, size)
            window_start = time.perf_counter()
        pending: deque[Iterator[Any]] = deque()
        queued = done
        while done < size:
            while queued < size and len(pending) < 3:
                numbers = range(queued, min(size, queued + batch))
                pending.append(pool.map(prepare, numbers, chunksize=max(1, len(numbers) // (8 * workers))))
                queued = numbers.stop
            prepared = list(pending.popleft())
            t0 = time.perf_counter()
            index.add_many([_article(columns) for columns, _, _ in prepared],
                           fingerprints=[prints for _, prints, _ in prepared])
            timing["write"] += time.perf_counter() - t0
            for _, _, (generate_s, clean_s, fingerprint_s) in prepared:
                timing["generate"] += generate_s
                timing["clean"] += clean_s
                timing["fingerprint"] += fingerprint_s
            done += len(prepared)
            now = time.perf_counter()
            if done - window_done >= 5 * batch or done == size:
                rate = (done - window_done) / (now - window_start)  # recent rate: adds slow as the index grows
                window_start, window_done = now, done
                # Project from the rate since this size began (one slow window
                # is a checkpoint, not a trend), once past the start-up.
                settled = done - first >= 10 * batch
                overall = (done - first) / (now - start)
                if settled and done < size and now + (size - done) / overall > deadline - reserve:
                    stopped = {"at": done, "projected_build_s": (now - start) + (size - done) / overall,
                               "recent_rate": overall}
                    for waiting in pending:
                        list(waiting)  # let the workers finish before the pool shuts down
                    break
                print(f"  ... {done:,} articles in {now - start:,.0f} s ({rate:,.0f}/s recently, "
                      f"RSS {rss_mb():,.0f} MB)", file=sys.stderr, flush=True)
    wall = time.perf_counter() - start
    file_bytes = os.path.getsize(path) + (os.path.getsize(path + "-wal") if os.path.exists(path + "-wal") else 0)
    result: dict[str, Any] = {
        "size": size, "first": first, "built": done, "wall_s": wall, "articles_per_s": (done - first) / wall,
        "workers": workers,
        "file_bytes": file_bytes, "bytes_per_article": file_bytes / max(done, 1),
        "split_s": {"generate (not dedupe, workers)": timing["generate"], "clean_text (workers)": timing["clean"],
                    "fingerprint (workers)": timing["fingerprint"], "add_many (SQLite, main process)": timing["write"]},
        "stopped": stopped, "rss_after_build_mb": rss_mb(),
        **table_rows(path),
    }
    if profile is not None:
        result["profile"] = profile_text(profile)
    return result


def _article(columns: dict[str, Any]) -> Article:
    return article_from_columns(columns["path"], columns["text"], columns["body"], columns["debris"],
                                columns["kind"], columns["title"], columns["metadata"])


# --- 3. check ------------------------------------------------------------------


def check_apart(seed: int, path: str, indexed: int, count: int, size: int, profile_checks: int,
                deadline: float) -> dict[str, Any]:
    """:func:`check` in a fresh process, as ``dedupe check`` runs: its memory
    is that of a checker, not of the process that built the index."""
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
        return pool.submit(check, seed, path, indexed, count, size, profile_checks,
                           deadline - time.perf_counter()).result()


def check(seed: int, path: str, indexed: int, count: int, size: int,
          profile_checks: int, seconds: float = math.inf) -> dict[str, Any]:
    deadline = time.perf_counter() + seconds
    queries = make_queries(build_vocabulary(seed), seed, indexed, count, size)
    profile = cProfile.Profile() if profile_checks else None
    latencies: list[float] = []
    parts = {"clean": [], "check": []}  # type: dict[str, list[float]]
    shortlist: list[int] = []
    outcomes: dict[str, list[bool]] = {kind: [] for kind in (*PLANTED_KINDS, "unrelated")}
    wrong_source = 0
    rss_before = rss_mb()
    rss_peak = rss_before
    stopped_at = None
    with open_index(path, DEFAULT_SETTINGS) as index:
        for number, query in enumerate(queries):
            if number >= 4 and time.perf_counter() > deadline:  # over budget: report what was measured
                stopped_at = number
                break
            if profile is not None and number < profile_checks:
                profile.enable()
            t0 = time.perf_counter()
            article = clean_text(query.text, f"queries/q{number:05d}.txt")
            t1 = time.perf_counter()
            verdict, = index.check([article])  # what `dedupe check --index` runs
            t2 = time.perf_counter()
            if profile is not None and number < profile_checks:
                profile.disable()
            latencies.append((t2 - t0) * 1000)
            parts["clean"].append((t1 - t0) * 1000)
            parts["check"].append((t2 - t1) * 1000)
            shortlist.append(len(index.shortlist([article])))  # untimed: for the table only
            rss_peak = max(rss_peak, rss_mb())
            derived = {use.source.path for use in verdict.sources if use.derivation != "none"}
            if query.source is None:
                outcomes["unrelated"].append(bool(derived))
            else:
                hit = article_path(query.source) in derived
                outcomes[query.kind].append(hit)
                wrong_source += bool(derived - {article_path(query.source)})
    goal = [hit for kind in GOAL_KINDS for hit in outcomes[kind]]
    result: dict[str, Any] = {
        "queries": len(latencies), "planned_queries": len(queries), "stopped_at": stopped_at, "indexed": indexed,
        "p50_ms": percentile(latencies, 50), "p99_ms": percentile(latencies, 99), "max_ms": max(latencies),
        "mean_ms": float(np.mean(latencies)),
        "p50_parts_ms": {name: percentile(values, 50) for name, values in parts.items()},
        "p99_parts_ms": {name: percentile(values, 99) for name, values in parts.items()},
        "shortlist_p50": percentile(shortlist, 50), "shortlist_p99": percentile(shortlist, 99),
        "shortlist_max": max(shortlist),
        "rss_before_mb": rss_before, "rss_peak_checking_mb": rss_peak,
        "recall": {kind: (sum(v) / len(v) if v else float("nan"), len(v)) for kind, v in outcomes.items()
                   if kind != "unrelated"},
        "recall_goal_kinds": sum(goal) / len(goal) if goal else float("nan"),
        "false_positive_rate": (sum(outcomes["unrelated"]) / len(outcomes["unrelated"])
                                if outcomes["unrelated"] else float("nan")),
        "planted_with_other_derived_source": wrong_source,
    }
    if profile is not None:
        result["profile"] = profile_text(profile)
    return result


def profile_text(profile: cProfile.Profile) -> dict[str, str]:
    return {"cumulative": profile_table(profile, 25, "cumulative"), "own": profile_table(profile, 20, "tottime")}


# ---------------------------------------------------------------------------
# Output
# ---------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10000,100000,1000000", help="comma-separated index sizes")
    parser.add_argument("--queries", type=int, default=200, help="check queries per size (half planted copies)")
    parser.add_argument("--out", help="folder for the index files (default: a temporary folder, removed)")
    parser.add_argument("--json", action="store_true", help="print the results as JSON instead of tables")
    parser.add_argument("--profile", action="store_true",
                        help="cProfile the first 2,000 adds and the first --profile-checks checks")
    parser.add_argument("--budget", type=float, default=30.0, help="minutes for the whole run (default 30)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--signature-articles", type=int, default=1000,
                        help="articles whose sentences feed the signature benchmark")
    parser.add_argument("--baseline-passages", type=int, default=3000,
                        help="passages through the datasketch baseline (a subsample)")
    parser.add_argument("--check-seconds", type=float, default=2.0,
                        help="seconds per check query reserved out of the budget when projecting a build")
    parser.add_argument("--profile-checks", type=int, default=20, help="checks profiled with --profile")
    parser.add_argument("--keep", action="store_true", help="keep the index files under --out")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1,
                        help="processes generating, cleaning and fingerprinting during builds (default: all cores)")
    parser.add_argument("--batch", type=int, default=5000, help="articles per add_many transaction")
    args = parser.parse_args(argv)
    sizes = [int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()]
    begin = time.perf_counter()
    deadline = begin + args.budget * 60
    info = machine()
    vocab = build_vocabulary(args.seed)
    out_dir = args.out or tempfile.mkdtemp(prefix="bench_speed_")
    os.makedirs(out_dir, exist_ok=True)
    def log(*parts: object) -> None:
        print(*parts, file=sys.stderr, flush=True)

    log(f"machine: {info}")
    log("signatures ...")
    signatures = bench_signatures(vocab, args.seed, args.signature_articles, args.baseline_passages)
    results: dict[str, Any] = {"machine": info, "settings": DEFAULT_SETTINGS.as_dict(), "signatures": signatures,
                               "sizes": []}
    # One index grows through the sizes (as an archive does); each size is
    # a milestone where it is measured and checked.
    path = os.path.join(out_dir, "index.db")
    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(path + suffix):
            os.remove(path + suffix)
    previous_rate = None
    built_so_far = 0
    build_started = time.perf_counter()
    for number, size in enumerate(sorted(sizes)):
        now = time.perf_counter()
        check_reserve = max(60.0, args.queries * args.check_seconds)
        entry: dict[str, Any] = {"size": size}
        todo = size - built_so_far
        if previous_rate and now + todo / previous_rate > deadline - check_reserve:
            entry["skipped"] = {"projected_build_s": (now - build_started) + todo / previous_rate,
                                "from_rate": previous_rate, "remaining_budget_s": deadline - now}
            log(f"size {size:,}: skipped, {todo:,} more articles at {previous_rate:,.0f}/s would overrun "
                f"the remaining budget ({deadline - now:,.0f} s)")
            results["sizes"].append(entry)
            break
        log(f"size {size:,}: growing {path} from {built_so_far:,} ...")
        built = build(args.seed, built_so_far, size, path, deadline, check_reserve,
                      2000 if args.profile and number == 0 else 0, args.workers, args.batch)
        built["cumulative_wall_s"] = time.perf_counter() - build_started
        entry["build"] = built
        stopped = built["stopped"]
        previous_rate = stopped["recent_rate"] if stopped else built["articles_per_s"]
        built_so_far = built["built"]
        log(f"size {size:,}: checking {args.queries} queries against {built_so_far:,} articles ...")
        entry["check"] = check_apart(args.seed, path, built_so_far, args.queries, max(sizes),
                                     args.profile_checks if args.profile else 0, deadline)
        results["sizes"].append(entry)
        if stopped:
            break
    if not args.keep:
        for suffix in ("", "-wal", "-shm"):
            if os.path.exists(path + suffix):
                os.remove(path + suffix)
    results["total_s"] = time.perf_counter() - begin
    if not args.out and not args.keep:
        try:
            os.rmdir(out_dir)
        except OSError:
            pass
    if args.json:
        print(json.dumps(results, default=lambda o: None if isinstance(o, cProfile.Profile) else str(o), indent=2))
    else:
        report(results, args)
    return 0


def report(results: dict[str, Any], args: argparse.Namespace) -> None:
    info = results["machine"]
    print(f"Machine: {info['cpu']}, {info['cores']} cores, {info['ram_gb']} GB RAM; Python {info['python']}, "
          f"SQLite {info['sqlite']}, numpy {info['numpy']}; load average at start {info['load_avg']}")
    print(f"Date: {info['date']}; total {results['total_s']:,.0f} s; command: {' '.join(sys.argv)}\n")
    sig = results["signatures"]
    print(f"1. Signature throughput ({sig['passages']:,} sentences of {sig['articles']:,} articles, "
          f"{sig['mean_shingles']:.1f} shingles each; goal >= 10x datasketch)")
    print(tabulate([[r["method"], f"{r['passages']:,}", figure(r["seconds"], 3), figure(r["passages_per_s"], 0),
                     figure(r["ratio"], 1) + "x", r["same_values"]] for r in sig["rows"]],
                   headers=["method", "passages", "seconds", "passages/s", "vs datasketch", "same values"]))
    print()
    rows = []
    for entry in results["sizes"]:
        if "skipped" in entry:
            s = entry["skipped"]
            rows.append([f"{entry['size']:,}", "skipped", f"projected {s['projected_build_s']:,.0f} s", "", "", "", "",
                         "", "", ""])
            continue
        b = entry["build"]
        stopped = b["stopped"]
        r = b["rows"]
        rows.append([f"{b['size']:,}", f"{b['built']:,}" + (" (stopped)" if stopped else ""),
                     f"{b['cumulative_wall_s']:,.0f}",
                     f"{stopped['projected_build_s']:,.0f}" if stopped else f"{b['cumulative_wall_s']:,.0f}",
                     f"{b['articles_per_s']:,.1f}", f"{b['file_bytes'] / 1e6:,.1f}", f"{b['bytes_per_article']:,.0f}",
                     f"{r['sentences'] / max(b['built'], 1):.1f}", f"{r['buckets'] / max(b['built'], 1):,.0f}",
                     f"{r['terms']:,}"])
    workers = next((e["build"]["workers"] for e in results["sizes"] if "build" in e), 1)
    print(f"2. Index build (SQLite; {workers} worker processes generate, clean and fingerprint, "
          f"one writes with add_many)")
    print(tabulate(rows, headers=["size", "built", "wall s from empty", "full-size s (proj.)",
                                  "articles/s since last size", "file MB",
                                  "bytes/article", "sentences/article", "bucket rows/article", "terms"]))
    for entry in results["sizes"]:
        if "build" not in entry:
            continue
        b = entry["build"]
        total = sum(b["split_s"].values())
        print(f"\n  time split from {b['first']:,} to {b['built']:,} articles (CPU seconds per step; the workers run "
              f"in parallel with the writer), RSS of the writer after build {b['rss_after_build_mb']:,.0f} MB")
        added = max(b["built"] - b["first"], 1)
        # total is 0 when --profile added every article in the profiled, untimed loop
        print(tabulate([[name, f"{s:,.1f}", f"{100 * s / total:.0f}%" if total else "n/a", f"{1000 * s / added:.2f}"]
                        for name, s in b["split_s"].items()], headers=["step", "seconds", "share", "ms/article"]))
        if b["table_bytes"]:
            tables = sorted(([name, f"{size / 1e6:,.1f}", f"{size / max(b['built'], 1):,.0f}"]
                             for name, size in b["table_bytes"].items()), key=lambda r: -float(r[1].replace(",", "")))
            print(tabulate(tables, headers=["table/index (dbstat)", "MB", "bytes/article"]))
    print("\n3. Check latency and accuracy (clean_text + index.check, one query at a time; "
          "goals at 1M: p50 <= 20 ms, p99 <= 100 ms, RSS <= 500 MB, recall >= 0.99)")
    rows = []
    for entry in results["sizes"]:
        if "check" not in entry:
            continue
        c = entry["check"]
        rec = c["recall"]
        rows.append([f"{c['indexed']:,}", c["queries"], figure(c["p50_ms"], 1), figure(c["p99_ms"], 1),
                     figure(c["max_ms"], 1),
                     f"{figure(c['shortlist_p50'], 0)}/{figure(c['shortlist_p99'], 0)}",
                     figure(c["rss_peak_checking_mb"], 0),
                     figure(c["recall_goal_kinds"], 3),
                     " ".join(f"{k[0]}:{figure(v, 2)}" for k, (v, n) in rec.items()),
                     figure(c["false_positive_rate"], 3)])
    print(tabulate(rows, headers=["indexed", "queries", "p50 ms", "p99 ms", "max ms", "shortlist p50/p99",
                                  "RSS checking MB", "recall (v+l+p)", "recall by kind", "FP rate"]))
    for entry in results["sizes"]:
        if "check" not in entry:
            continue
        c = entry["check"]
        parts = ", ".join(f"{name} p50 {c['p50_parts_ms'][name]:.1f} / p99 {c['p99_parts_ms'][name]:.1f} ms"
                          for name in c["p50_parts_ms"])
        print(f"\n  latency parts at {c['indexed']:,}: {parts}; planted queries also deriving from another source: "
              f"{c['planted_with_other_derived_source']}")
    if args.profile:
        for entry in results["sizes"]:
            for section, label in (("build", "first 2,000 articles (generated, cleaned and added one at a time, "
                                             "in this process)"),
                                   ("check", f"first {args.profile_checks} checks")):
                profile = entry.get(section, {}).get("profile")
                if profile is None:
                    continue
                print(f"\nProfile at {entry['size']:,}, {label}, by cumulative time:")
                print(profile["cumulative"])
                print(f"\nProfile at {entry['size']:,}, {label}, by own time:")
                print(profile["own"])


if __name__ == "__main__":
    raise SystemExit(main())
