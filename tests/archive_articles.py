"""Articles and helpers shared by the tests of the SQLite and Redis indexes."""

from __future__ import annotations

import random
import re
import subprocess
import sys
import threading

import pytest

from dedupe.cleaning import clean_text
from dedupe.corpus import load_article
from dedupe.model import Article
from dedupe.serialise import verdict_data
from dedupe.settings import Settings
from dedupe.verdicts import judge
from conftest import SEEDS, seed_text

SUBPROCESS_TIMEOUT = 300
_SYLLABLES = "ka lo mi ne ru ta vo zi be do fu ga hi ju ko la ma no pe qui sa te wu xe yo".split()
#: An index banding as dense as ``--against``'s in-memory LSH, and any shared
#: key enough: an index with these settings shortlists every source
#: ``compare_against`` finds on the seed fixtures, translations included
#: (the default banding finds copies and light edits, not translations).
DENSE = Settings(index_bands=(42, 3), index_min_hits=1)
#: Word swaps of the kind a copy desk makes (on whole words).
_SWAPS = {"said": "stated", "attack": "strike", "attacks": "strikes", "officials": "authorities",
          "week": "seven days", "announced": "declared", "country": "nation", "weapons": "arms",
          "government": "administration", "talks": "negotiations", "allow": "let"}


# ---------------------------------------------------------------------------
# Articles
# ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def seeds() -> dict[str, Article]:
    return {name: load_article(path) for name, path in SEEDS.items()}


def _paragraphs(name: str) -> list[str]:
    return [line for line in seed_text(name).splitlines() if line.strip()]


def derived() -> list[Article]:
    """Copies made from the seeds: a splice of two, a trimmed one, one with
    the same cleaned text as its seed, one with new material."""
    wapo, bbc = _paragraphs("wapo"), _paragraphs("bbc")
    reuters, nyt = _paragraphs("reuters"), _paragraphs("nyt")
    return [
        clean_text("\n".join(wapo[: len(wapo) // 2] + bbc[len(bbc) // 2:]), "derived/wapo-bbc-splice.txt"),
        clean_text("\n".join(p for n, p in enumerate(reuters) if n % 3 != 1), "derived/reuters-trimmed.txt"),
        clean_text("\n".join(p for p in wapo if p.strip() != "[ad_1]"), "derived/wapo-no-ad.txt"),
        clean_text("\n".join(nyt + ["The mayor of Lviv said 12 people were hurt in the strike on Tuesday."]),
                   "derived/nyt-plus-new.txt"),
    ]


def light_edit(text: str) -> str:
    """``text`` with the word swaps above made throughout."""
    return re.sub(r"\b(" + "|".join(_SWAPS) + r")\b", lambda m: _SWAPS[m.group()], text)


def filler(number: int, paragraphs: int = 6) -> Article:
    """An article of made-up words that shares nothing with the seeds."""
    rng = random.Random(number)

    def word() -> str:
        return "".join(rng.choice(_SYLLABLES) for _ in range(3))

    text = "\n".join(" ".join(word() for _ in range(14)).capitalize() + "." for _ in range(paragraphs))
    return clean_text(text, f"filler/{number}.txt")


def archive(seeds: dict[str, Article], fillers: int = 10) -> list[tuple[Article, str | None]]:
    """(article, publisher override) in the order they are added: the seeds,
    copies of them, and unrelated articles (which count in term weights but
    are never loaded by a check of the others)."""
    extra = derived()
    return [*((article, None) for article in seeds.values()), (filler(0), None), (extra[0], "Example Wire"),
            *((a, None) for a in extra[1:]), *((filler(n), None) for n in range(1, fillers))]


def _verdicts(matches) -> list[dict]:
    return [verdict_data(verdict) for verdict in judge(matches)]


def _passages(matches) -> dict[tuple[int, str], tuple]:
    return {(o.a, matches.sources[o.b].path): o.passages for o in matches.overlaps}


def _one_line(error: pytest.ExceptionInfo) -> str:
    message = str(error.value)
    assert "\n" not in message and message
    return message


def _python(script: str, *args: object, **options) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", script, *map(str, args)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, **options)


def assert_threads_share_one_index(index, seeds: dict[str, Article]) -> None:
    """Checks run from several threads on one open index give what they give one at a time."""
    for article in seeds.values():
        index.add(article)
    expected = {name: _verdicts(index.candidates([article])) for name, article in seeds.items()}
    results: dict[str, list] = {}

    def check(name: str) -> None:
        results[name] = _verdicts(index.candidates([seeds[name]]))

    threads = [threading.Thread(target=check, args=(name,)) for name in seeds]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(SUBPROCESS_TIMEOUT)
    assert results == expected
