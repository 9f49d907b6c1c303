"""Learning boilerplate from the corpus: lines a site repeats on every page.

Rules in :mod:`dedupe.cleaning` know debris families by their wording; a
site's own furniture ("Follow Skai on Google News", a fixed disclaimer) has
no family. It shows itself by recurring: the same line in several articles of
one site that are *not* copies of each other. Copies share lines because
they share a story, so articles that share most of their other lines are
counted once.

A learned line must also sit where furniture sits, at the top or bottom of
most of the articles it is in, or be a short line with no sentence ending
and no quotation: a quote that several rewrites repeat is content.

Articles without a known site (plain-text dumps) are grouped together, so
the run itself is treated as one collection.

>>> from dedupe.cleaning import clean_text
>>> stories = ["Rain is due on Monday in the north.", "The vote is set for Friday.", "Prices rose again in May."]
>>> articles = [clean_text(f"{s}\\nFollow the Tribune on Google News") for s in stories]
>>> [a.cleaned_text for a in learn_boilerplate(articles)]
['Rain is due on Monday in the north.', 'The vote is set for Friday.', 'Prices rose again in May.']
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence

from dedupe.cleaning import with_more_debris
from dedupe.model import Article, DebrisReason, Span
from dedupe.segmentation import ends_sentence
from dedupe.settings import DEFAULT_SETTINGS, Settings

_QUOTES = "\"“”«»„"
_WORDS = re.compile(r"[^\W\d_]{4,}")


def learn_boilerplate(articles: Sequence[Article], settings: Settings = DEFAULT_SETTINGS) -> list[Article]:
    """Move lines learned as site boilerplate from the body to the debris.

    Returns the articles in the same order; articles with nothing learned
    are returned unchanged.
    """
    by_site: dict[str | None, list[int]] = defaultdict(list)
    for number, article in enumerate(articles):
        by_site[article.site].append(number)
    learned: dict[int, list[tuple[Span, DebrisReason]]] = defaultdict(list)
    for members in by_site.values():
        if len(members) >= settings.boilerplate_min_articles:
            for number, span in _learn_site(articles, members, settings):
                learned[number].append((span, DebrisReason.LEARNED_BOILERPLATE))
    return [with_more_debris(article, learned[n]) if n in learned else article for n, article in enumerate(articles)]


def _key(line: str) -> str:
    return " ".join(re.findall(r"\w+", line.casefold()))


def _learn_site(articles: Sequence[Article], members: list[int], settings: Settings) -> list[tuple[int, Span]]:
    keys: dict[int, list[str]] = {n: [_key(span.of(articles[n].text)) for span in articles[n].body] for n in members}
    holders: dict[str, set[int]] = defaultdict(set)
    for number, line_keys in keys.items():
        for key in line_keys:
            if key:
                holders[key].add(number)
    candidates = {key for key, found in holders.items() if len(found) >= settings.boilerplate_min_articles}
    if not candidates:
        return []
    lines = {number: set(line_keys) for number, line_keys in keys.items()}
    learned: list[tuple[int, Span]] = []
    for key in candidates:
        holding = sorted(holders[key])[:settings.boilerplate_max_articles_compared]
        if _distinct_stories(key, holding, keys, lines, settings) < settings.boilerplate_min_articles:
            continue
        places = [(n, i) for n in holding for i, k in enumerate(keys[n]) if k == key]
        if not _placed_like_furniture(articles, places, settings):
            continue
        learned.extend((n, articles[n].body[i]) for n, i in places)
    # An article must keep a body: lines learned from a site never empty one.
    per_article: dict[int, int] = defaultdict(int)
    for number, _ in learned:
        per_article[number] += 1
    return [(n, span) for n, span in learned if per_article[n] < len(articles[n].body)]


def _vocabulary(line_keys: list[str], left_out: str) -> set[str]:
    """The longer words of an article's lines other than ``left_out``:
    copies of one story, even reworded, share most of them, while unrelated
    articles share little beyond the line in question."""
    return {word for key in line_keys if key != left_out for word in _WORDS.findall(key)}


def _distinct_stories(key: str, holding: list[int], keys: dict[int, list[str]], lines: dict[int, set[str]],
                      settings: Settings) -> int:
    """How many of the articles holding line ``key`` are not copies of one
    counted before them.

    Two articles are copies when most of the lines of one are in the other,
    or when most of the words of their other lines are shared."""
    limit = settings.boilerplate_copy_overlap
    vocabulary = {number: _vocabulary(keys[number], key) for number in holding}
    representatives: list[int] = []
    for number in holding:
        if not any(
            _copy_overlap(lines[number], lines[other]) > limit
            or _copy_overlap(vocabulary[number], vocabulary[other]) > limit
            for other in representatives
        ):
            representatives.append(number)
    return len(representatives)


def _copy_overlap(a: set[str], b: set[str]) -> float:
    if not a or not b:
        return 1.0 if a == b else 0.0
    return len(a & b) / min(len(a), len(b))


def _placed_like_furniture(articles: Sequence[Article], places: list[tuple[int, int]], settings: Settings) -> bool:
    at_edges = sum(
        1 for n, i in places if i < settings.edge_lines or i >= len(articles[n].body) - settings.edge_lines
    )
    if at_edges * 2 > len(places):
        return True
    number, index = places[0]
    line = articles[number].body[index].of(articles[number].text)
    return (len(line.split()) <= settings.boilerplate_short_line_words and not ends_sentence(line)
            and not any(q in line for q in _QUOTES))
