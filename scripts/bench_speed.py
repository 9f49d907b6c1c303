"""Speed benchmark (a benchmark, not a test): dedupe against its peers, same run.

Everything runs on a synthetic corpus the script generates itself,
deterministically: news-length articles (15-40 sentences, 400-900 words)
from a Zipf-distributed vocabulary of common English words with a long tail
of rarer (generated) words, plus per-topic words, people's names, places and
numbers, written as plain-text files. Planted copies of known kinds, with
ground truth:

* ``verbatim``: the source article as it is;
* ``light``: house-style edits and synonym swaps (about a fifth of the
  content words changed, "percent" -> "per cent", "said" -> "says", ...);
* ``partial``: a run of the source's paragraphs (a third, at least three
  sentences) inside new text at most twice as long;
* ``heavy`` (reported apart, not in the recall goal): half the content
  words swapped, sentences dropped and reordered;
* ``quote`` (check queries only, not scored): a new article carrying two
  consecutive sentences of an indexed one (a shared quote, a line of
  agency copy): it shortlists its source, so the check has work to do, but
  whether two sentences make a copy is a policy question;
* ``unrelated``: a new article copying nothing (false positives).

Every contender gets the same inputs and the same repeat policy (best of
``--repeat`` for signatures, best of ``--ingest-repeat`` for ingest, in
interleaved order); wall and CPU time are both reported, so a contender
using more than one core shows it. Whole processes are timed where the user
runs whole processes: ``Popen`` + ``os.wait4`` give each child's wall time
and CPU time (user + system, its reaped worker processes included); its
peak resident memory is the VmHWM the child's main process writes as it
ends (``dedupe`` runs as ``python -c 'sys.exit(dedupe.cli.main())'``, what
its console script runs, plus that one write; ``ru_maxrss`` would carry this
process's own peak into every child it forks). Children run without
``PYTHONDONTWRITEBYTECODE``, as an installed package does: the first caches
the bytecode, the others read it (see ``benchlib.child_environment``). The cores are shared: each
table says how many cores other work on the machine kept busy meanwhile
(``/proc/stat`` less the contender's own CPU time).

Sections:

1. **signatures**: the shingle sets of every sentence of ``--signature-articles``
   articles (content terms, as :func:`dedupe.fingerprints.sentence_table`
   makes them; empty ones included) through
   :func:`dedupe.fingerprints.signature_matrix` (128 permutations; its
   compiled kernel, then its numpy fallback with the CRC-32 memo cleared
   before every repeat) vs datasketch ``MinHash.bulk(sets, num_perm=128,
   hashfunc=term_hash)`` (the same CRC-32 and permutations: the values are
   compared and must be equal) vs rensa ``RMinHash.digest_matrix_from_token_sets``
   (full-set R-MinHash, its own hashing) and its sampled ``_rho`` variant,
   on ``RAYON_NUM_THREADS`` threads (``--rensa-threads``, default 1: one
   core, like ``signature_matrix``). Microseconds per shingle set.
2. **ingest**: ``--ingest-articles`` files in one folder. Ours: the whole
   process ``dedupe index add FOLDER --index NEW.db --jobs N`` for each
   ``--jobs`` value (read, decode, clean, segment, fingerprint every
   sentence, write SQLite). Peers, each a whole ``python -c`` process over
   the same files: a datasketch ``MinHashLSH`` whole-document build (read
   the file, lower-case ``\\w+`` word 3-grams, ``MinHash.generator`` with
   CRC-32, ``insertion_session``; threshold 0.5: 25 bands x 5 rows), the same
   with dedupe's own content terms of the whole text as the tokens, and a
   rensa build (word 3-grams, ``digest_matrix_from_token_sets`` per 1,000
   files, ``RMinHashLSH.insert_matrix``; 32 bands x 4 rows, as rensa needs
   bands dividing 128). The peers keep one signature per document, in
   memory, and save nothing; ours keeps one per sentence, on disk.
3. **check**: the index of the ``--jobs 1`` ingest; ``--queries`` query
   files in the ``--mix`` (default ``verbatim=2,light=2,partial=2,heavy=2,
   quote=2,unrelated=6``: half planted copies or quotes of indexed articles,
   the rest new ones). Each query as a whole process, ``dedupe check Q
   --index X.db --format json -o OUT`` (start-up, imports, opening the
   index, reading, cleaning, checking, rendering), and as a warm library
   call in one fresh process that opened the index once and checked one
   other query first: ``dedupe.application.check([Q], index=index)`` and
   its JSON rendering (what the command runs after start-up), then, apart,
   ``load_article`` and ``Index.check`` alone. p50/p99/max latency, peak
   memory, shortlist size, and per kind how many were flagged (the planted
   source among the sources with derivation other than "none"; for
   unrelated queries: any such source), for both ways.
4. **report**: ``dedupe report DIR --format json -o OUT`` as a whole process
   at each of ``--report-sizes`` (default 1,000, 3,000, 10,000 articles; one
   fresh process each), on folders of generated articles with a fiftieth
   planted copies (verbatim, light, partial, heavy in turn) of others in the
   same folder: wall and CPU time, peak RSS, KB per article, planted pairs
   found and other pairs reported, and the growth exponents (least squares
   of log time, and of log peak RSS, on log size; also between consecutive
   sizes, and of the time net of a one-article report's). A size whose
   projected time (at the exponent so far, 2 before there are two sizes)
   overruns ``--budget``, or whose projected memory would not fit the
   memory available, is skipped and its projection reported.

``--profile`` adds cProfile tables of ``dedupe index add`` (the first
``--profile-articles`` files, ``--jobs 1``), of ``dedupe report`` at the
smallest size and of the first ``--profile-checks`` warm checks: untimed
runs apart from the measured ones.

Run::

    .venv/bin/python scripts/bench_speed.py --signature-articles 1000 --ingest-articles 5000 \\
        --queries 100 --report-sizes 1000,3000,10000 --budget 25

A smoke run in seconds (what ``tests/test_scripts.py`` runs)::

    .venv/bin/python scripts/bench_speed.py --signature-articles 20 --repeat 1 --ingest-articles 150 \\
        --jobs 1 --queries 6 --report-sizes 60,120 --budget 3
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
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import numpy as np  # noqa: E402
from benchlib import child_environment, figure  # noqa: E402
from tabulate import tabulate  # noqa: E402

from dedupe.cleaning import clean_text  # noqa: E402
from dedupe.fingerprints import content_terms, shingles, signature_matrix, term_hash  # noqa: E402
from dedupe.segmentation import segment_blocks  # noqa: E402
from dedupe.settings import DEFAULT_SETTINGS  # noqa: E402

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


def quote_copy(rng: random.Random, source: Generated, filler: Generated) -> str:
    """A new article with two consecutive sentences of the source as a
    paragraph of its own in the middle: a shared quote, a line of agency copy."""
    sentences = [s for p in source.paragraphs for s in p]
    start = rng.randrange(max(1, len(sentences) - 1))
    cut = len(filler.paragraphs) // 2
    return Generated(filler.title, filler.paragraphs[:cut] + [sentences[start:start + 2]]
                     + filler.paragraphs[cut:]).text()


@dataclass(frozen=True)
class Query:
    kind: str  # one of QUERY_KINDS
    text: str
    source: int | None  # stream number of the copied (or quoted) article


PLANTED_KINDS = ("verbatim", "light", "partial", "heavy")
GOAL_KINDS = ("verbatim", "light", "partial")
QUERY_KINDS = (*PLANTED_KINDS, "quote", "unrelated")
DEFAULT_MIX = "verbatim=2,light=2,partial=2,heavy=2,quote=2,unrelated=6"


def parse_mix(text: str) -> dict[str, float]:
    """``kind=weight,...`` -> weights by kind (kinds of QUERY_KINDS).

    >>> parse_mix("verbatim=1, unrelated=3")
    {'verbatim': 1.0, 'unrelated': 3.0}
    """
    mix: dict[str, float] = {}
    for item in filter(None, (part.strip() for part in text.split(","))):
        kind, _, weight = item.partition("=")
        if kind.strip() not in QUERY_KINDS:
            raise SystemExit(f"--mix: unknown kind {kind.strip()!r} (one of {', '.join(QUERY_KINDS)})")
        mix[kind.strip()] = float(weight or 1)
    if not mix or sum(mix.values()) <= 0:
        raise SystemExit("--mix: no query kind with a positive weight")
    return mix


def kinds_in_turn(mix: dict[str, float], count: int) -> list[str]:
    """``count`` kinds in the proportions of ``mix``, interleaved (largest
    deficit first).

    >>> kinds_in_turn({"verbatim": 1, "unrelated": 3}, 8)
    ['unrelated', 'unrelated', 'verbatim', 'unrelated', 'unrelated', 'unrelated', 'verbatim', 'unrelated']
    """
    total = sum(mix.values())
    given = dict.fromkeys(mix, 0)
    out = []
    for n in range(1, count + 1):
        kind = max(mix, key=lambda k: (n * mix[k] / total - given[k], mix[k]))
        given[kind] += 1
        out.append(kind)
    return out


def make_queries(vocab: Vocabulary, seed: int, indexed: int, count: int, mix: dict[str, float]) -> list[Query]:
    """``count`` queries in the proportions of ``mix``, sources drawn from
    the first ``indexed`` articles of the stream; new text from stream
    numbers past any corpus the script writes."""
    rng = random.Random(f"queries:{seed}:{indexed}")
    fresh = itertools.count(10 * max(indexed, 1_000_000) + 1)
    queries = []
    for kind in kinds_in_turn(mix, count):
        if kind == "unrelated":
            queries.append(Query(kind, generate(vocab, seed, next(fresh)).text(), None))
            continue
        number = rng.randrange(indexed)
        queries.append(Query(kind, planted(rng, vocab, seed, kind, number, fresh), number))
    return queries


def planted(rng: random.Random, vocab: Vocabulary, seed: int, kind: str, number: int,
            fresh: Iterator[int]) -> str:
    """A copy of kind ``kind`` of article ``number``; ``fresh`` gives stream
    numbers for new text."""
    source = generate(vocab, seed, number)
    if kind == "verbatim":
        return source.text()
    if kind == "light":
        return light_copy(rng, vocab, source)
    if kind == "heavy":
        return heavy_copy(rng, vocab, source)
    if kind == "partial":
        return partial_copy(rng, source, generate(vocab, seed, next(fresh)))
    if kind == "quote":
        return quote_copy(rng, source, generate(vocab, seed, next(fresh)))
    raise ValueError(kind)


def article_name(number: int) -> str:
    return f"a{number:07d}.txt"


def write_corpus(vocab: Vocabulary, seed: int, folder: Path, count: int) -> None:
    """Articles 0 to ``count`` - 1 of the stream as files (those already there are kept)."""
    folder.mkdir(parents=True, exist_ok=True)
    for number in range(count):
        path = folder / article_name(number)
        if not path.exists():
            path.write_text(generate(vocab, seed, number).text(), encoding="utf-8")


def linked_folder(corpus: Path, folder: Path, count: int) -> None:
    """``folder`` with hard links (copies where links fail) to the first ``count`` articles of ``corpus``."""
    folder.mkdir(parents=True, exist_ok=True)
    for number in range(count):
        target = folder / article_name(number)
        if not target.exists():
            try:
                os.link(corpus / article_name(number), target)
            except OSError:
                shutil.copyfile(corpus / article_name(number), target)


# ---------------------------------------------------------------------------
# Measuring
# ---------------------------------------------------------------------------


@dataclass
class Run:
    """One whole child process: exit code, wall seconds, CPU seconds (user +
    system, its reaped workers included), peak RSS in KB (see
    :func:`run_measured`), and whether it was killed for running past its time."""

    code: int
    wall_s: float
    cpu_s: float
    peak_rss_kb: int
    killed: bool = False
    stderr: str = ""
    #: CPU seconds the whole machine spent busy meanwhile (/proc/stat): less
    #: ``cpu_s``, what other work took from the shared cores.
    machine_busy_s: float = float("nan")

    @property
    def others_cores(self) -> float:
        """Cores other work kept busy on average while this ran."""
        return max(0.0, self.machine_busy_s - self.cpu_s) / self.wall_s if self.wall_s else float("nan")


def machine_busy_s() -> float:
    """CPU seconds all cores have spent busy since boot (user, nice, system, irq, softirq, steal)."""
    try:
        with open("/proc/stat") as stat:
            fields = [int(x) for x in stat.readline().split()[1:9]]
    except (OSError, ValueError):
        return float("nan")
    user, nice, system, _idle, _iowait, irq, softirq, steal = fields
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


#: Where a child started by :func:`run_measured` writes its own peak RSS (VmHWM, KB) as it ends.
PEAK_FILE = "BENCH_SPEED_PEAK_FILE"

#: Prepended to the children this script writes (the peers' builds): the
#: child's own VmHWM, written to $BENCH_SPEED_PEAK_FILE at exit.
PEAK_AT_EXIT = r'''
import atexit as _atexit, os as _os
def _peak():
    with open("/proc/self/status") as status, open(_os.environ["BENCH_SPEED_PEAK_FILE"], "w") as out:
        out.write(next(line.split()[1] for line in status if line.startswith("VmHWM:")))
if _os.environ.get("BENCH_SPEED_PEAK_FILE"):
    _atexit.register(_peak)
'''

#: ``dedupe`` as its console script runs it (``sys.exit(dedupe.cli.main())``),
#: writing its peak RSS as it ends.
DEDUPE_CLI = PEAK_AT_EXIT + r'''
import sys
from dedupe.cli import main
sys.argv[0] = "dedupe"
sys.exit(main())
'''


def run_measured(command: Sequence[str], *, cwd: Path, env: dict[str, str] | None = None,
                 stdout: Path | None = None, timeout: float | None = None) -> Run:
    """Run ``command`` to its end. Wall time here; CPU time from ``os.wait4``
    (that child's own, its reaped workers included; not ``RUSAGE_CHILDREN``, a
    running total over every child). Peak RSS: the VmHWM the child writes to
    ``$BENCH_SPEED_PEAK_FILE`` as it ends (:data:`PEAK_AT_EXIT`: its main
    process, not its workers), else ``wait4``'s ``ru_maxrss``, which on
    Linux is at least this (large) process's own peak: the kernel carries the
    peak of the address space a child leaves at ``exec``, and ``subprocess``
    forks (or vforks) this one."""
    with tempfile.TemporaryDirectory() as scratch, tempfile.TemporaryFile() as err, \
            (open(stdout, "wb") if stdout else open(os.devnull, "wb")) as out:
        peak_file = Path(scratch) / "peak"
        env = {**(env if env is not None else os.environ), PEAK_FILE: str(peak_file)}
        busy = machine_busy_s()
        start = time.perf_counter()
        process = subprocess.Popen(list(command), cwd=cwd, env=env, stdout=out, stderr=err)
        killed = threading.Event()

        def kill() -> None:
            killed.set()
            process.kill()

        timer = threading.Timer(timeout, kill) if timeout is not None else None
        if timer is not None:
            timer.start()
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - start
        busy = machine_busy_s() - busy
        if timer is not None:
            timer.cancel()
        process.returncode = os.waitstatus_to_exitcode(status)
        err.seek(0)
        message = err.read().decode("utf-8", "replace")
        try:
            peak = int(peak_file.read_text())
        except (OSError, ValueError):
            peak = usage.ru_maxrss
    return Run(process.returncode, wall, usage.ru_utime + usage.ru_stime, peak, killed.is_set(), message[-2000:],
               busy)


def dedupe_command() -> list[str]:
    """The user's command, as it is timed: this interpreter running what the
    ``dedupe`` console script runs (:data:`DEDUPE_CLI`)."""
    return [sys.executable, "-c", DEDUPE_CLI]


def child_env(**extra: str) -> dict[str, str]:
    env = child_environment()
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    env.update(extra)
    return env


def hwm_mb() -> float:
    """This process's peak resident set size so far (VmHWM) in MB."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


def available_mb() -> float:
    try:
        with open("/proc/meminfo") as info:
            return int(next(line for line in info if line.startswith("MemAvailable")).split()[1]) / 1024
    except (OSError, StopIteration):
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
    versions = {}
    for name in ("datasketch", "rensa"):
        try:
            from importlib.metadata import version

            versions[name] = version(name)
        except Exception:  # noqa: BLE001 - not installed
            versions[name] = "not installed"
    git = {}
    for key, command in (("git_head", ["git", "rev-parse", "--short", "HEAD"]),
                         ("dedupe_changes", ["git", "status", "--porcelain", "--", "dedupe"])):
        try:
            said = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=30).stdout
        except (OSError, subprocess.SubprocessError):
            said = ""
        git[key] = said.strip() if key == "git_head" else [line[3:] for line in said.splitlines()]
    return {"date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"), **git,
            "cpu": cpu, "cores": os.cpu_count(), "ram_gb": round(ram, 1), "python": platform.python_version(),
            "sqlite": sqlite3.sqlite_version, "numpy": np.__version__, **versions,
            "load_avg": [round(x, 2) for x in os.getloadavg()]}


def percentile(values: Sequence[float], q: float) -> float:
    return float(np.percentile(values, q)) if values else float("nan")


def exponent(sizes: Sequence[float], values: Sequence[float]) -> float:
    """Least-squares slope of log value on log size (nan under two points).

    >>> round(exponent([1000, 3000, 10000], [1.0, 9.0, 100.0]), 2)
    2.0
    """
    pairs = [(s, v) for s, v in zip(sizes, values) if s > 0 and v > 0]
    if len(pairs) < 2:
        return float("nan")
    return float(np.polyfit(np.log([s for s, _ in pairs]), np.log([v for _, v in pairs]), 1)[0])


def profile_table(profile: cProfile.Profile | str, top: int, sort: str) -> str:
    out = io.StringIO()
    stats = pstats.Stats(profile, stream=out)
    stats.strip_dirs().sort_stats(sort).print_stats(top)
    text = out.getvalue()
    start = text.find("   ncalls")
    return text[start:].rstrip() if start >= 0 else text


def profile_text(profile: cProfile.Profile | str) -> dict[str, str]:
    return {"cumulative": profile_table(profile, 25, "cumulative"), "own": profile_table(profile, 20, "tottime")}


def profiled_cli(arguments: Sequence[str], cwd: Path, timeout: float | None) -> dict[str, str] | None:
    """cProfile tables of one ``dedupe`` command (an untimed run apart)."""
    target = cwd / "profile.out"
    run = run_measured([sys.executable, "-m", "cProfile", "-o", str(target), "-m", "dedupe", *arguments],
                       cwd=cwd, env=child_env(), timeout=timeout)
    if run.code not in (0, 1) or not target.exists():
        return {"cumulative": f"(profiled run failed: exit {run.code}) {run.stderr}", "own": ""}
    tables = profile_text(str(target))
    target.unlink()
    return tables


# --- 1. signatures -----------------------------------------------------------


def sentence_shingles(vocab: Vocabulary, seed: int, articles: int) -> list[list[str]]:
    """Every sentence's shingles as :func:`dedupe.fingerprints.sentence_table` makes them."""
    sets: list[list[str]] = []
    for number in range(articles):
        article = clean_text(generate(vocab, seed, number).text(), article_name(number))
        for sentence in segment_blocks(article.text, article.body):
            sets.append(shingles(content_terms(sentence.of(article.text)), DEFAULT_SETTINGS.shingle_size))
    return sets


def best_of(repeat: int, function: Callable[[], Any], before: Callable[[], Any] | None = None
            ) -> tuple[float, float, Any]:
    """(wall s, CPU s) of the fastest of ``repeat`` calls, and the first
    call's result; ``before`` runs untimed before each call.

    Each later call's result is dropped before the next call, so the
    repeats run in a process that reuses its memory, as a pipeline calling
    again and again does. Kept alive, every result lands in fresh memory,
    and on these virtual machines the page faults of a new 15 MB matrix
    cost up to 1 us a set, more than computing it (and varied from run to
    run: 0.9 and 2.1 us a set for the same kernel).
    """
    best: tuple[float, float] | None = None
    first: Any = None
    for number in range(max(1, repeat)):
        if before is not None:
            before()
        wall, cpu = time.perf_counter(), time.process_time()
        result = function()
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        if number == 0:
            first = result
        del result
        if best is None or wall < best[0]:
            best = (wall, cpu)
    assert best is not None
    return best[0], best[1], first


def bench_signatures(vocab: Vocabulary, seed: int, articles: int, repeat: int) -> dict[str, Any]:
    from datasketch import MinHash

    import dedupe.fingerprints as fingerprints

    sets = sentence_shingles(vocab, seed, articles)
    count = len(sets)
    busy, own, wall = machine_busy_s(), time.process_time(), time.perf_counter()
    perms, perm_seed = DEFAULT_SETTINGS.num_perm, DEFAULT_SETTINGS.seed
    rows: list[dict[str, Any]] = []

    def row(method: str, timing: tuple[float, float, Any], same: object) -> None:
        wall, cpu, _ = timing
        rows.append({"method": method, "sets": count, "wall_s": wall, "cpu_s": cpu, "us_per_set": 1e6 * wall / count,
                     "same_values": same})

    compiled = fingerprints._compiled
    product = best_of(repeat, lambda: signature_matrix(sets))
    ours = product[2]
    row("dedupe signature_matrix (compiled kernel)" if compiled is not None else
        "dedupe signature_matrix (numpy: dedupe._minhash was not compiled)", product, True)
    if compiled is not None:
        fingerprints._compiled = None  # the fallback where no C compiler was found at install
        try:
            numpy_path = best_of(repeat, lambda: signature_matrix(sets), before=fingerprints._HASHES.clear)
        finally:
            fingerprints._compiled = compiled
        row("dedupe signature_matrix, numpy fallback (CRC-32 memo cleared before each repeat)", numpy_path,
            bool((numpy_path[2] == ours).all()))
    bulk = best_of(repeat, lambda: MinHash.bulk(sets, num_perm=perms, seed=perm_seed, hashfunc=term_hash,
                                                scheme=DEFAULT_SETTINGS.hash_scheme))
    same = bool((np.stack([m.hashvalues for m in bulk[2]]) == ours).all()) if count else True
    row("datasketch MinHash.bulk(hashfunc=term_hash: the same CRC-32)", bulk, same)
    try:
        from rensa import RMinHash
    except ImportError:
        rows.append({"method": "rensa (not installed)", "sets": count, "wall_s": float("nan"),
                     "cpu_s": float("nan"), "us_per_set": float("nan"), "same_values": None})
    else:
        row("rensa RMinHash.digest_matrix_from_token_sets (full-set R-MinHash, own hash)",
            best_of(repeat, lambda: RMinHash.digest_matrix_from_token_sets(sets, num_perm=perms, seed=perm_seed)),
            "n/a")
        if hasattr(RMinHash, "digest_matrix_from_token_sets_rho"):
            row("rensa RMinHash.digest_matrix_from_token_sets_rho (samples tokens: not full-set MinHash)",
                best_of(repeat, lambda: RMinHash.digest_matrix_from_token_sets_rho(sets, num_perm=perms,
                                                                                   seed=perm_seed)), "n/a")
    base = rows[0]["wall_s"]
    for entry in rows:
        entry["time_vs_dedupe"] = entry["wall_s"] / base
    others = max(0.0, (machine_busy_s() - busy) - (time.process_time() - own)) / (time.perf_counter() - wall)
    return {"articles": articles, "sets": count, "mean_shingles": sum(map(len, sets)) / max(count, 1),
            "empty_sets": sum(not s for s in sets), "repeat": repeat,
            "rensa_threads": os.environ.get("RAYON_NUM_THREADS", "default"), "others_cores": others, "rows": rows}


# --- 2. ingest ---------------------------------------------------------------

#: A peer's whole-document build: ``python -c PEER_BUILD KIND FOLDER``. Only
#: what the peer needs is imported (dedupe only for the content-terms variant).
PEER_BUILD = PEAK_AT_EXIT + r'''
import json, os, re, sys, zlib
kind, folder = sys.argv[1], sys.argv[2]
NUM_PERM, SEED, BATCH = 128, 1, 1000
paths = sorted(os.path.join(folder, n) for n in os.listdir(folder) if n.endswith(".txt"))
if kind.endswith("terms"):
    from dedupe.fingerprints import content_terms
    def tokens(text):
        return list(dict.fromkeys(content_terms(text)))
else:
    WORD = re.compile(r"\w+")
    def tokens(text):
        words = WORD.findall(text.lower())
        return list(dict.fromkeys(" ".join(words[i:i + 3]) for i in range(len(words) - 2)))
def read(path):
    with open(path, encoding="utf-8") as handle:
        return handle.read()
documents = shingles = 0
if kind.startswith("datasketch"):
    from datasketch import MinHash, MinHashLSH
    lsh = MinHashLSH(threshold=0.5, num_perm=NUM_PERM)
    with lsh.insertion_session() as session:
        for start in range(0, len(paths), BATCH):
            chunk = paths[start:start + BATCH]
            sets = [[t.encode("utf-8") for t in tokens(read(p))] for p in chunk]
            for path, minhash in zip(chunk, MinHash.generator(sets, num_perm=NUM_PERM, seed=SEED,
                                                              hashfunc=zlib.crc32)):
                session.insert(path, minhash)
            documents += len(chunk)
            shingles += sum(map(len, sets))
    bands = (lsh.b, lsh.r)
else:
    from rensa import RMinHash, RMinHashLSH
    lsh = RMinHashLSH(threshold=0.5, num_perm=NUM_PERM, num_bands=32)
    for start in range(0, len(paths), BATCH):
        sets = [tokens(read(p)) for p in paths[start:start + BATCH]]
        lsh.insert_matrix(RMinHash.digest_matrix_from_token_sets(sets, num_perm=NUM_PERM, seed=SEED),
                          start_key=start)
        documents += len(sets)
        shingles += sum(map(len, sets))
    bands = (lsh.get_num_bands(), NUM_PERM // lsh.get_num_bands())
print(json.dumps({"documents": documents, "shingles": shingles, "bands": bands}))
'''

PEERS = {
    "datasketch-words": "datasketch MinHashLSH, whole documents, word 3-grams",
    "datasketch-terms": "datasketch MinHashLSH, whole documents, dedupe's content terms",
    "rensa-words": "rensa RMinHashLSH, whole documents, word 3-grams",
}


def rensa_installed() -> bool:
    try:
        import rensa  # noqa: F401
    except ImportError:
        return False
    return True


def bench_ingest(corpus: Path, work: Path, count: int, jobs: Sequence[int], repeat: int, rensa_threads: str,
                 deadline: float) -> dict[str, Any]:
    """Ours (``dedupe index add``, each ``--jobs``) and the peers over the
    same ``count`` files, interleaved, best wall of ``repeat`` each. The
    ``--jobs`` first given leaves its index at ``work/index.db``."""
    contenders: list[tuple[str, list[str], dict[str, str]]] = []
    for n in jobs:
        contenders.append((f"dedupe index add --jobs {n}",
                           [*dedupe_command(), "index", "add", str(corpus), "--index", "{index}", "--jobs", str(n)],
                           child_env()))
    for kind, label in PEERS.items():
        if kind.startswith("rensa") and not rensa_installed():
            continue
        contenders.append((label, [sys.executable, "-c", PEER_BUILD, kind, str(corpus)],
                           child_env(RAYON_NUM_THREADS=rensa_threads)))
    best: dict[str, dict[str, Any]] = {}
    for attempt in range(max(1, repeat)):
        for label, command, env in contenders:
            index = work / f"ingest-{len(best)}-{attempt}.db"
            out = work / "ingest.out"
            command = [index.as_posix() if part == "{index}" else part for part in command]
            run = run_measured(command, cwd=work, env=env, stdout=out,
                               timeout=max(10.0, deadline - time.perf_counter()))
            if run.code != 0:
                raise SystemExit(f"{label}: exit {run.code}{' (killed: over budget)' if run.killed else ''}\n"
                                 f"{run.stderr}")
            said = out.read_text(encoding="utf-8").strip()
            entry = {"contender": label, "articles": count, "wall_s": run.wall_s, "cpu_s": run.cpu_s,
                     "peak_rss_mb": run.peak_rss_kb / 1024, "articles_per_s": count / run.wall_s,
                     "articles_per_cpu_s": count / run.cpu_s if run.cpu_s else float("nan"),
                     "others_cores": run.others_cores, "output": said.splitlines()[-1] if said else ""}
            if label.startswith("dedupe"):
                entry["index_mb"] = sum(os.path.getsize(p) for p in (index, Path(f"{index}-wal"))
                                        if os.path.exists(p)) / 1e6
                entry["index_bytes_per_article"] = entry["index_mb"] * 1e6 / count
                if not said.startswith(f"{count} added"):
                    raise SystemExit(f"{label}: expected '{count} added', got {said!r}")
            else:
                found = json.loads(said)
                entry.update(bands=found["bands"], shingles_per_document=found["shingles"] / max(count, 1))
                if found["documents"] != count:
                    raise SystemExit(f"{label}: {found['documents']} documents, expected {count}")
            if label not in best or run.wall_s < best[label]["wall_s"]:
                keep = work / "index.db"
                if label == contenders[0][0]:  # the index the checks run against
                    for suffix in ("", "-wal", "-shm"):
                        if os.path.exists(f"{index}{suffix}"):
                            os.replace(f"{index}{suffix}", f"{keep}{suffix}")
                best[label] = entry
            for suffix in ("", "-wal", "-shm"):
                if os.path.exists(f"{index}{suffix}"):
                    os.remove(f"{index}{suffix}")
    rows = list(best.values())
    ours = rows[0]["articles_per_s"]
    for entry in rows:
        entry["dedupe_jobs1_rate_over_this"] = ours / entry["articles_per_s"]
    if not rensa_installed():
        rows.append({"contender": f"{PEERS['rensa-words']} (not installed)", "articles": count})
    return {"articles": count, "repeat": repeat, "rensa_threads": rensa_threads, "rows": rows}


# --- 3. check ------------------------------------------------------------------


def write_queries(vocab: Vocabulary, seed: int, indexed: int, count: int, mix: dict[str, float],
                  folder: Path) -> list[dict[str, Any]]:
    """The query files, and one more (``warmup.txt``, unrelated) for the warm process's first call."""
    folder.mkdir(parents=True, exist_ok=True)
    listed = []
    for number, query in enumerate(make_queries(vocab, seed, indexed, count, mix)):
        path = folder / f"q{number:04d}-{query.kind}.txt"
        path.write_text(query.text, encoding="utf-8")
        listed.append({"path": str(path), "kind": query.kind,
                       "source": None if query.source is None else article_name(query.source)})
    warm = generate(vocab, seed, 10 * max(indexed, 1_000_000) + 999_999).text()
    (folder / "warmup.txt").write_text(warm, encoding="utf-8")
    return listed


def derived_names(sources: Sequence[tuple[str, str]]) -> list[str]:
    """File names of the sources (path, derivation) a verdict derives from."""
    return sorted({os.path.basename(path) for path, derivation in sources if derivation != "none"})


def check_whole(index: Path, queries: list[dict[str, Any]], work: Path, deadline: float) -> list[dict[str, Any]]:
    out = work / "check.json"
    results = []
    for query in queries:
        if results and time.perf_counter() > deadline:
            break
        run = run_measured([*dedupe_command(), "check", query["path"], "--index", str(index), "--format", "json",
                            "-o", str(out), "-q"], cwd=work, env=child_env(),
                           timeout=max(10.0, deadline - time.perf_counter()))
        if run.code not in (0, 1):
            raise SystemExit(f"dedupe check {query['path']}: exit {run.code}\n{run.stderr}")
        result, = json.loads(out.read_text(encoding="utf-8"))["results"]
        results.append({"ms": 1000 * run.wall_s, "cpu_ms": 1000 * run.cpu_s, "peak_rss_kb": run.peak_rss_kb,
                        "others_cores": run.others_cores,
                        "derived": derived_names([(s["path"], s["derivation"]) for s in result["sources"]])})
    return results


def check_warm(index: str, paths: list[str], warmup: str, profile_checks: int) -> dict[str, Any]:
    """In a fresh process: open the index once, check ``warmup``, then each
    query as the command does after start-up (library call + JSON
    rendering), then, apart, ``load_article`` and ``Index.check`` alone."""
    from dedupe.application import check
    from dedupe.archive import open_index
    from dedupe.corpus import load_article
    from dedupe.reports import CHECK_FORMATS

    render = CHECK_FORMATS["json"]
    hwm_start = hwm_mb()
    results: list[dict[str, Any]] = []
    profile = cProfile.Profile() if profile_checks else None
    with open_index(index) as opened:
        render(check([warmup], index=opened))
        hwm_open = hwm_mb()
        for number, path in enumerate(paths):
            if profile is not None and number < profile_checks:
                profile.enable()
            start = time.perf_counter()
            result = check([path], index=opened)
            render(result)
            took = time.perf_counter() - start
            if profile is not None and number < profile_checks:
                profile.disable()
            verdict, = result.verdicts
            results.append({"ms": 1000 * took, "derived": derived_names(
                [(use.source.path, str(use.derivation)) for use in verdict.sources])})
        for entry, path in zip(results, paths):
            start = time.perf_counter()
            article = load_article(path, opened.settings)
            loaded = time.perf_counter()
            opened.check([article])
            entry["load_ms"] = 1000 * (loaded - start)
            entry["index_check_ms"] = 1000 * (time.perf_counter() - loaded)
            entry["shortlist"] = len(opened.shortlist([article]))  # untimed
    found: dict[str, Any] = {"results": results, "hwm_start_mb": hwm_start, "hwm_after_open_mb": hwm_open,
                             "hwm_end_mb": hwm_mb()}
    if profile is not None:
        found["profile"] = profile_text(profile)
    return found


def bench_check(index: Path, queries: list[dict[str, Any]], work: Path, profile_checks: int,
                deadline: float) -> dict[str, Any]:
    context = multiprocessing.get_context("spawn")
    with context.Pool(1) as pool:
        warm = pool.apply(check_warm, (str(index), [q["path"] for q in queries],
                                       str(Path(queries[0]["path"]).parent / "warmup.txt"), profile_checks))
    whole = check_whole(index, queries, work, deadline)
    checked = queries[:len(whole)]
    warm_results = warm["results"][:len(whole)]
    kinds = []
    for kind in QUERY_KINDS:
        numbers = [n for n, q in enumerate(checked) if q["kind"] == kind]
        if not numbers:
            continue

        def flagged(results: list[dict[str, Any]], kind: str = kind, numbers: list[int] = numbers) -> int:
            return sum(bool(results[n]["derived"]) if kind == "unrelated"
                       else checked[n]["source"] in results[n]["derived"] for n in numbers)

        kinds.append({"kind": kind, "queries": len(numbers), "flagged_whole": flagged(whole),
                      "flagged_warm": flagged(warm_results),
                      "other_source_derived": sum(bool(set(whole[n]["derived"]) - {checked[n]["source"]})
                                                  for n in numbers if kind != "unrelated"),
                      "shortlist_p50": percentile([warm_results[n]["shortlist"] for n in numbers], 50),
                      "shortlist_max": max(warm_results[n]["shortlist"] for n in numbers),
                      "warm_p50_ms": percentile([warm_results[n]["ms"] for n in numbers], 50),
                      "whole_p50_ms": percentile([whole[n]["ms"] for n in numbers], 50)})
    latency = []
    for label, values in (("whole process: dedupe check Q --index X.db --format json",
                           [r["ms"] for r in whole]),
                          ("  its CPU time", [r["cpu_ms"] for r in whole]),
                          ("warm: application.check([Q], index) + JSON", [r["ms"] for r in warm_results]),
                          ("  of which load_article (read + clean)", [r["load_ms"] for r in warm_results]),
                          ("  of which Index.check", [r["index_check_ms"] for r in warm_results])):
        latency.append({"what": label, "p50_ms": percentile(values, 50), "p99_ms": percentile(values, 99),
                        "max_ms": max(values), "mean_ms": float(np.mean(values))})
    differences = [w["ms"] - m["ms"] for w, m in zip(whole, warm_results)]
    goal = [k for k in kinds if k["kind"] in GOAL_KINDS]
    result = {"queries": len(whole), "planned_queries": len(queries), "latency": latency, "kinds": kinds,
              "whole_minus_warm_p50_ms": percentile(differences, 50),
              "whole_minus_warm_p99_ms": percentile(differences, 99),
              "whole_peak_rss_mb": max(r["peak_rss_kb"] for r in whole) / 1024,
              "others_cores_whole": float(np.mean([r["others_cores"] for r in whole])),
              "warm_hwm_mb": {"start": warm["hwm_start_mb"], "after_open": warm["hwm_after_open_mb"],
                              "end": warm["hwm_end_mb"]},
              "recall_goal_kinds": (sum(k["flagged_whole"] for k in goal) / sum(k["queries"] for k in goal)
                                    if goal else float("nan")),
              "whole_and_warm_agree": all(w["derived"] == m["derived"] for w, m in zip(whole, warm_results))}
    if "profile" in warm:
        result["profile"] = warm["profile"]
    return result


# --- 4. report -------------------------------------------------------------------


def report_folder(vocab: Vocabulary, seed: int, corpus: Path, folder: Path, size: int) -> list[tuple[str, str, str]]:
    """``size`` articles: the first ``size - size // 50`` of the corpus (hard
    links) and ``size // 50`` planted copies (kinds in turn) of some of them;
    returns (copy, source, kind) file names."""
    copies = max(1, size // 50)
    originals = size - copies
    linked_folder(corpus, folder, originals)
    rng = random.Random(f"report:{seed}:{size}")
    fresh = itertools.count(10 * max(size, 1_000_000) + 500_000)
    planted_pairs = []
    for number, source in enumerate(rng.sample(range(originals), copies)):
        kind = PLANTED_KINDS[number % len(PLANTED_KINDS)]
        name = f"c{number:05d}-{kind}.txt"
        (folder / name).write_text(planted(rng, vocab, seed, kind, source, fresh), encoding="utf-8")
        planted_pairs.append((name, article_name(source), kind))
    return planted_pairs


def bench_report(vocab: Vocabulary, seed: int, corpus: Path, work: Path, sizes: Sequence[int], deadline: float,
                 profile: bool) -> dict[str, Any]:
    out = work / "report.json"
    command = [*dedupe_command(), "report", "--format", "json", "-o", str(out), "-q"]
    one = work / "report-1"
    linked_folder(corpus, one, 1)
    start_up = run_measured([*command, str(one)], cwd=work, env=child_env())
    rows: list[dict[str, Any]] = []
    measured: list[dict[str, Any]] = []
    profiled = None
    for size in sorted(sizes):
        remaining = deadline - time.perf_counter()
        if measured:
            last = measured[-1]
            growth = exponent([m["size"] for m in measured], [m["wall_s"] for m in measured])
            growth = 2.0 if math.isnan(growth) else max(growth, 1.0)
            memory_growth = exponent([m["size"] for m in measured], [m["peak_rss_mb"] for m in measured])
            memory_growth = 1.0 if math.isnan(memory_growth) else max(memory_growth, 1.0)
            projected = last["wall_s"] * (size / last["size"]) ** growth
            projected_mb = last["peak_rss_mb"] * (size / last["size"]) ** memory_growth
            reason = None
            if projected > remaining:
                reason = f"projected {projected:,.0f} s > {max(remaining, 0):,.0f} s left of the budget"
            elif projected_mb > 0.8 * available_mb():
                reason = f"projected peak {projected_mb:,.0f} MB > 80% of {available_mb():,.0f} MB available"
            if reason:
                rows.append({"size": size, "skipped": reason, "projected_s": projected,
                             "projected_peak_rss_mb": projected_mb, "growth_used": growth})
                continue
        folder = work / f"report-{size}"
        planted_pairs = report_folder(vocab, seed, corpus, folder, size)
        run = run_measured([*command, str(folder)], cwd=work, env=child_env(), timeout=max(10.0, remaining))
        if run.killed:
            rows.append({"size": size, "skipped": f"killed after {run.wall_s:,.0f} s (over the budget)",
                         "projected_s": float("nan"), "projected_peak_rss_mb": float("nan")})
            break
        if run.code != 0:
            raise SystemExit(f"dedupe report at {size}: exit {run.code}\n{run.stderr}")
        data = json.loads(out.read_text(encoding="utf-8"))
        derivations = {frozenset((os.path.basename(p["a"]), os.path.basename(p["b"]))):
                       (p.get("verdict") or {}).get("derivation") for p in data["pairs"]}
        pairs = set(derivations)
        wanted = {frozenset((copy, source)): kind for copy, source, kind in planted_pairs}
        found = {kind: [0, 0] for kind in PLANTED_KINDS}
        for pair, kind in wanted.items():
            found[kind][0] += pair in pairs
            found[kind][1] += 1
        entry = {"size": size, "wall_s": run.wall_s, "cpu_s": run.cpu_s, "peak_rss_mb": run.peak_rss_kb / 1024,
                 "kb_per_article": run.peak_rss_kb / size, "articles_read": len(data["articles"]),
                 "planted_found": found, "other_pairs": len(pairs - set(wanted)),
                 "other_pairs_derived": sum(derivations[pair] not in (None, "none") for pair in pairs - set(wanted)),
                 "others_cores": run.others_cores}
        rows.append(entry)
        measured.append(entry)
        if profile and profiled is None:
            profiled = profiled_cli(["report", "--format", "json", "-o", str(out), "-q", str(folder)], work,
                                    timeout=max(10.0, deadline - time.perf_counter()))
        shutil.rmtree(folder)
    sizes_done = [m["size"] for m in measured]
    net = [m["wall_s"] - start_up.wall_s for m in measured]
    steps = [{"from": a["size"], "to": b["size"],
              "time_exponent": exponent([a["size"], b["size"]], [a["wall_s"], b["wall_s"]]),
              "memory_exponent": exponent([a["size"], b["size"]], [a["peak_rss_mb"], b["peak_rss_mb"]])}
             for a, b in itertools.pairwise(measured)]
    result = {"rows": rows, "steps": steps,
              "one_article": {"wall_s": start_up.wall_s, "cpu_s": start_up.cpu_s,
                              "peak_rss_mb": start_up.peak_rss_kb / 1024},
              "time_exponent": exponent(sizes_done, [m["wall_s"] for m in measured]),
              "cpu_exponent": exponent(sizes_done, [m["cpu_s"] for m in measured]),
              "net_time_exponent": exponent(sizes_done, net),
              "memory_exponent": exponent(sizes_done, [m["peak_rss_mb"] for m in measured])}
    if profiled is not None:
        result["profile"] = {"size": measured[0]["size"], **profiled}
    return result


# ---------------------------------------------------------------------------
# Main
# ---------------------------------------------------------------------------

SECTIONS = ("signatures", "ingest", "check", "report")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sections", default=",".join(SECTIONS),
                        help=f"comma-separated sections to run (default all: {','.join(SECTIONS)})")
    parser.add_argument("--signature-articles", type=int, default=1000,
                        help="articles whose sentences feed the signature section (default 1000)")
    parser.add_argument("--repeat", type=int, default=3, help="signatures: best of this many, for every contender")
    parser.add_argument("--ingest-articles", type=int, default=5000,
                        help="files ingested; the checks run against their index (default 5000)")
    parser.add_argument("--jobs", default="1,2", help="`dedupe index add --jobs` values timed (default 1,2)")
    parser.add_argument("--ingest-repeat", type=int, default=1,
                        help="ingest: best of this many whole runs, for every contender (default 1)")
    parser.add_argument("--rensa-threads", default="1",
                        help="RAYON_NUM_THREADS for rensa unless already set (default 1: one core)")
    parser.add_argument("--queries", type=int, default=100, help="check queries (default 100)")
    parser.add_argument("--mix", default=DEFAULT_MIX, help=f"query kinds and weights (default {DEFAULT_MIX})")
    parser.add_argument("--report-sizes", default="1000,3000,10000",
                        help="articles per `dedupe report` run (default 1000,3000,10000)")
    parser.add_argument("--budget", type=float, default=30.0, help="minutes for the whole run (default 30)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", help="work folder (default: a temporary folder, removed)")
    parser.add_argument("--keep", action="store_true", help="keep the work folder's corpus, queries and index")
    parser.add_argument("--json", action="store_true", help="print the results as JSON instead of tables")
    parser.add_argument("--profile", action="store_true",
                        help="add cProfile tables (untimed runs apart) of index add, report and warm checks")
    parser.add_argument("--profile-articles", type=int, default=2000, help="files profiled for index add")
    parser.add_argument("--profile-checks", type=int, default=20, help="warm checks profiled with --profile")
    args = parser.parse_args(argv)
    sections = [s.strip() for s in args.sections.split(",") if s.strip()]
    if unknown := set(sections) - set(SECTIONS):
        parser.error(f"unknown sections: {', '.join(sorted(unknown))}")
    os.environ.setdefault("RAYON_NUM_THREADS", args.rensa_threads)  # before rensa is first imported
    jobs = [int(j) for j in args.jobs.split(",") if j.strip()]
    report_sizes = [int(s.replace("_", "")) for s in args.report_sizes.split(",") if s.strip()]
    mix = parse_mix(args.mix)
    begin = time.perf_counter()
    deadline = begin + args.budget * 60
    vocab = build_vocabulary(args.seed)
    work = Path(args.out or tempfile.mkdtemp(prefix="bench_speed_")).resolve()
    work.mkdir(parents=True, exist_ok=True)
    corpus = work / "corpus"

    def log(*parts: object) -> None:
        print(*parts, file=sys.stderr, flush=True)

    results: dict[str, Any] = {"machine": machine(), "command": " ".join([Path(sys.argv[0]).name, *sys.argv[1:]]),
                               "dedupe_command": f"{sys.executable} -c 'sys.exit(dedupe.cli.main())'",
                               "settings": DEFAULT_SETTINGS.as_dict()}
    log(f"machine: {results['machine']}")
    failed = []

    def run_section(name: str, function: Callable[[], dict[str, Any]]) -> None:
        """A section's results, or its error (the other sections still run)."""
        try:
            results[name] = function()
        except (Exception, SystemExit) as error:  # noqa: BLE001 - reported, and the exit code says so
            import traceback

            traceback.print_exc()
            failed.append(name)
            results[name] = {"error": f"{type(error).__name__}: {error}"[-3000:]}

    ingest_folder = work / "ingest"
    index = work / "index.db"

    def ingest() -> dict[str, Any]:
        found = bench_ingest(ingest_folder, work, args.ingest_articles, jobs, args.ingest_repeat,
                             os.environ["RAYON_NUM_THREADS"], deadline)
        if args.profile:
            profiled = work / "profile-ingest"
            linked_folder(corpus, profiled, min(args.profile_articles, args.ingest_articles))
            found["profile"] = {
                "articles": min(args.profile_articles, args.ingest_articles),
                **(profiled_cli(["index", "add", str(profiled), "--index", str(work / "profile.db"), "--jobs", "1"],
                                work,
                                timeout=max(10.0, deadline - time.perf_counter())) or {})}
        return found

    def check() -> dict[str, Any]:
        if not index.exists():
            log("building the index for the checks (untimed) ...")
            built = run_measured([*dedupe_command(), "index", "add", str(ingest_folder), "--index", str(index),
                                  "--jobs", str(max(jobs))], cwd=work, env=child_env())
            if built.code != 0:
                raise SystemExit(f"dedupe index add: exit {built.code}\n{built.stderr}")
        queries = write_queries(vocab, args.seed, args.ingest_articles, args.queries, mix, work / "queries")
        return {"indexed": args.ingest_articles, "mix": mix,
                **bench_check(index, queries, work, args.profile_checks if args.profile else 0, deadline)}

    try:
        if "signatures" in sections:
            log("1. signatures ...")
            run_section("signatures", lambda: bench_signatures(vocab, args.seed, args.signature_articles,
                                                               args.repeat))
        needed = max([args.ingest_articles if {"ingest", "check"} & set(sections) else 0,
                      *(report_sizes if "report" in sections else [])])
        if needed:
            log(f"writing {needed:,} articles to {corpus} ...")
            write_corpus(vocab, args.seed, corpus, needed)
        if {"ingest", "check"} & set(sections):
            linked_folder(corpus, ingest_folder, args.ingest_articles)
        if "ingest" in sections:
            log(f"2. ingest of {args.ingest_articles:,} files ...")
            run_section("ingest", ingest)
        if "check" in sections:
            log(f"3. {args.queries} checks against {args.ingest_articles:,} indexed articles ...")
            run_section("check", check)
        if "report" in sections:
            log(f"4. report at {', '.join(f'{s:,}' for s in report_sizes)} articles ...")
            run_section("report", lambda: bench_report(vocab, args.seed, corpus, work, report_sizes, deadline,
                                                       args.profile))
    finally:
        if not args.keep:
            if args.out:
                for child in work.iterdir():
                    shutil.rmtree(child) if child.is_dir() else child.unlink()
            else:
                shutil.rmtree(work, ignore_errors=True)
    results["total_s"] = time.perf_counter() - begin
    if args.json:
        print(json.dumps(results, indent=2, default=str))
    else:
        print_tables(results)
    return 1 if failed else 0


# ---------------------------------------------------------------------------
# Output
# ---------------------------------------------------------------------------


def print_tables(results: dict[str, Any]) -> None:
    info = results["machine"]
    print(f"Machine: {info['cpu']}, {info['cores']} cores, {info['ram_gb']} GB RAM; Python {info['python']}, "
          f"SQLite {info['sqlite']}, numpy {info['numpy']}, datasketch {info['datasketch']}, rensa {info['rensa']}; "
          f"load average at start {info['load_avg']}")
    print(f"Date: {info['date']}; total {results['total_s']:,.0f} s; command: {results['command']}; "
          f"dedupe runs as: {results['dedupe_command']}")
    print(f"dedupe source: commit {info['git_head']}, uncommitted changes under dedupe/: "
          f"{', '.join(info['dedupe_changes']) or 'none'}\n")
    for name in SECTIONS:
        if "error" in results.get(name, {}):
            print(f"Section {name} FAILED: {results.pop(name)['error']}\n")
    if "signatures" in results:
        sig = results["signatures"]
        print(f"1. Signatures: {sig['sets']:,} sentences' shingle sets of {sig['articles']:,} articles "
              f"({sig['mean_shingles']:.1f} shingles each, {sig['empty_sets']:,} empty), 128 permutations, "
              f"best of {sig['repeat']} each; rensa on RAYON_NUM_THREADS={sig['rensa_threads']}; other work kept "
              f"{figure(sig['others_cores'], 2)} cores busy meanwhile. Goal: dedupe within 2x of rensa's matrix call")
        print(tabulate([[r["method"], figure(r["us_per_set"], 2), figure(r["wall_s"], 3), figure(r["cpu_s"], 3),
                         figure(r.get("time_vs_dedupe"), 2) + "x", r["same_values"]] for r in sig["rows"]],
                       headers=["method", "us/set", "wall s", "CPU s", "time vs dedupe",
                                "same values as dedupe"]))
        print()
    if "ingest" in results:
        ing = results["ingest"]
        print(f"2. Ingest of {ing['articles']:,} article files, each contender a whole process, best of "
              f"{ing['repeat']}; rensa on RAYON_NUM_THREADS={ing['rensa_threads']}. Goal: dedupe --jobs 1 at "
              "least the rate of the datasketch whole-document build")
        rows = []
        for r in ing["rows"]:
            if "wall_s" not in r:
                rows.append([r["contender"]] + [""] * 9)
                continue
            stored = (f"{r['index_mb']:,.1f} MB SQLite ({r['index_bytes_per_article']:,.0f} B/article)"
                      if "index_mb" in r else f"in memory, {r['bands'][0]}x{r['bands'][1]} bands, "
                                              f"{r['shingles_per_document']:,.0f} shingles/doc")
            rows.append([r["contender"], figure(r["wall_s"], 1), figure(r["cpu_s"], 1),
                         figure(r["articles_per_s"], 0), figure(r["articles_per_cpu_s"], 0),
                         figure(r["peak_rss_mb"], 0), figure(r["dedupe_jobs1_rate_over_this"], 2),
                         figure(r["others_cores"], 2), stored])
        print(tabulate(rows, headers=["contender", "wall s", "CPU s", "articles/s", "articles/CPU-s",
                                      "peak RSS MB", "dedupe --jobs 1 rate / this rate", "others' cores", "kept"]))
        print("  peak RSS: the main process (dedupe's --jobs workers not included); others' cores: CPU other "
              "work on the machine took meanwhile, on average")
        print()
    if "check" in results:
        chk = results["check"]
        mix = ", ".join(f"{k} {v:g}" for k, v in chk["mix"].items())
        print(f"3. Check against {chk['indexed']:,} indexed articles: {chk['queries']} queries "
              f"(of {chk['planned_queries']} planned; mix by weight: {mix}). Goals at 1M: warm p50 <= 20 ms, "
              "p99 <= 100 ms; whole process within 0.2 s of warm")
        print(tabulate([[r["what"], figure(r["p50_ms"], 1), figure(r["p99_ms"], 1), figure(r["max_ms"], 1),
                         figure(r["mean_ms"], 1)] for r in chk["latency"]],
                       headers=["latency", "p50 ms", "p99 ms", "max ms", "mean ms"]))
        hwm = chk["warm_hwm_mb"]
        print(f"  whole - warm, per query: p50 {figure(chk['whole_minus_warm_p50_ms'], 0)} ms, "
              f"p99 {figure(chk['whole_minus_warm_p99_ms'], 0)} ms; peak RSS of a whole check "
              f"{figure(chk['whole_peak_rss_mb'], 0)} MB; warm process peak {figure(hwm['start'], 0)} MB at start, "
              f"{figure(hwm['after_open'], 0)} MB after opening and one check, {figure(hwm['end'], 0)} MB at the end; "
              f"whole and warm found the same sources: {chk['whole_and_warm_agree']}; other work kept "
              f"{figure(chk['others_cores_whole'], 2)} cores busy during the whole-process checks, on average")
        print(tabulate([[k["kind"], k["queries"], k["flagged_whole"], k["flagged_warm"], k["other_source_derived"],
                         figure(k["shortlist_p50"], 0), k["shortlist_max"], figure(k["warm_p50_ms"], 1),
                         figure(k["whole_p50_ms"], 0)] for k in chk["kinds"]],
                       headers=["kind", "queries", "flagged (whole)", "flagged (warm)", "other source derived",
                                "shortlist p50", "shortlist max", "warm p50 ms", "whole p50 ms"]))
        print("  flagged: the planted source among the verdict's sources with derivation other than none "
              "(unrelated: any such source, a false positive)")
        print()
    if "report" in results:
        rep = results["report"]
        one = rep["one_article"]
        print("4. dedupe report --format json as a whole process, a fiftieth of each folder planted copies. "
              "Goals: time exponent <= 1.1 from 1k to 10k; <= 100 KB peak memory per article")
        rows = []
        for r in rep["rows"]:
            if "skipped" in r:
                rows.append([f"{r['size']:,}", f"skipped: {r['skipped']}", "", "", "", "",
                             f"projected {figure(r['projected_s'], 0)} s, {figure(r['projected_peak_rss_mb'], 0)} MB",
                             "", ""])
                continue
            found = " ".join(f"{kind[0]}:{hit}/{total}" for kind, (hit, total) in r["planted_found"].items())
            rows.append([f"{r['size']:,}", figure(r["wall_s"], 1), figure(r["cpu_s"], 1),
                         figure(r["peak_rss_mb"], 0), figure(r["kb_per_article"], 0), f"{r['articles_read']:,}",
                         found, f"{r['other_pairs']} ({r['other_pairs_derived']})", figure(r["others_cores"], 2)])
        print(tabulate(rows, headers=["articles", "wall s", "CPU s", "peak RSS MB", "KB/article", "read",
                                      "planted pairs found", "other pairs (derived)", "others' cores"]))
        print("  other pairs: pairs of articles other than the planted ones that the report lists (in brackets: "
              "those whose verdict says derived, not none)")
        print(f"  growth exponents (least squares on log size): time {figure(rep['time_exponent'], 2)}, "
              f"CPU {figure(rep['cpu_exponent'], 2)}, time net of a one-article report's "
              f"({figure(one['wall_s'], 2)} s, {figure(one['peak_rss_mb'], 0)} MB) "
              f"{figure(rep['net_time_exponent'], 2)}, "
              f"peak RSS {figure(rep['memory_exponent'], 2)}")
        for step in rep["steps"]:
            print(f"  {step['from']:,} -> {step['to']:,}: time exponent {figure(step['time_exponent'], 2)}, "
                  f"memory exponent {figure(step['memory_exponent'], 2)}")
        print()
    for section, label in (("ingest", "dedupe index add --jobs 1"), ("report", "dedupe report"),
                           ("check", "warm checks")):
        profile = results.get(section, {}).get("profile")
        if not profile:
            continue
        what = {"ingest": f"{profile.get('articles', '?'):,} files" if isinstance(profile.get("articles"), int) else "",
                "report": f"{profile.get('size', 0):,} articles" if "size" in profile else "",
                "check": "first checks"}[section]
        for order, title in (("cumulative", "cumulative time"), ("own", "own time")):
            print(f"Profile of {label} ({what}), by {title}:")
            print(profile[order])
            print()


if __name__ == "__main__":
    raise SystemExit(main())
