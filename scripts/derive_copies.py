"""Derived copies of the seed fixtures, with exact ground truth.

Each copy is built from the cleaned body paragraphs of one or two fixture
articles by one transformation or a combination, and written as
``copy-NNN.txt`` with ``copy-NNN.json`` next to it saying exactly where every
character came from. The transformations:

* ``spin``: synonym spinning with ``scripts/spin_words.tsv`` (common news
  words and a replacement each); a share (``--spin-share``) of the
  replaceable words is swapped, case preserved. Only lower-case words and a
  sentence's first word are replaced, so names survive (real spinners are
  cruder: "Chilly Warfare");
* ``reorder``: sentences shuffled within some paragraphs;
* ``delete``: sentences, or whole paragraphs, dropped;
* ``truncate``: only the first k paragraphs kept;
* ``splice``: paragraphs of source A then source B, or interleaved;
* ``insert``: new sentences from :data:`NEW_SENTENCES`, a pool of invented
  factual sentences (claims: names, figures, dates, quotes, attribution) and
  of evaluative or connective ones (non-claims: none of those signals).

Ground truth (``copy-NNN.json``), all offsets ``[start, end)`` in characters:

* ``passages``: ``{candidate, source, source_span, transform, sentences}``: a
  run of the copy taken from ``source_span`` of the fixture file ``source``,
  contiguous on both sides, how it was changed (``copy`` when unchanged,
  else ``spin``, ``reorder`` or both), and its sentences as
  ``[candidate_start, candidate_end, source_start, source_end]``;
* ``new_material``: every inserted sentence, ``{span, text, label}`` with
  label ``claim`` or ``non-claim``; ``new_claims``: the claims among them.

Source spans point into the fixture file's text as decoded by
:func:`dedupe.reading.read_document` (the fixtures are UTF-8 without BOM,
so these are the file's own character offsets); the material is the
article's cleaned body (:func:`dedupe.cleaning.clean_text`), cut into
sentences by :func:`dedupe.segmentation.split_sentences`. Output is
deterministic given ``--seed``.

Run::

    .venv/bin/python scripts/derive_copies.py fixtures/seeds /tmp/derived --seed 1 --count 60
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
import textwrap
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from dedupe.cleaning import clean_text
from dedupe.model import Span
from dedupe.reading import read_document
from dedupe.segmentation import split_paragraphs, split_sentences

SPIN_WORDS = Path(__file__).resolve().parent / "spin_words.tsv"

# ---------------------------------------------------------------------------
# The pool of new sentences. Invented: none of these facts is in the fixtures.
# "claim" sentences state something checkable (a name, figure, date, quote or
# attribution); "non-claim" sentences are evaluative or connective and carry
# none of those signals (no digits or number words, no dates or weekdays, no
# quotation marks, no reporting verbs, no capitalised word after the first).
# ---------------------------------------------------------------------------
CLAIMS = (
    "The mayor of Odesa said on Tuesday that 14 people were injured.",
    "Poland's defence ministry reported three violations of its airspace in March.",
    "Finland closed four border crossings with Russia on November 30, 2023.",
    "“We will not be intimidated,” the Estonian prime minister told parliament.",
    "Romania summoned the Russian ambassador on Friday over debris found near Galati.",
    "The governor of Kharkiv said two civilians were killed in overnight shelling.",
    "Germany pledged a further 500 million euros in military aid on Monday.",
    "According to the Kiel Institute, European aid has exceeded 100 billion euros since 2022.",
    "Lithuania's parliament voted 98 to 12 to raise defence spending to 3 percent of output.",
    "A Pentagon spokesman said 40 more air defence interceptors would ship by June.",
    "The International Atomic Energy Agency said its inspectors left Zaporizhzhia on Thursday.",
    "Hungary's foreign minister, Peter Szijjarto, said Budapest would veto the package.",
    "The Black Sea grain corridor carried 33 million tonnes of cargo in its first year.",
    "Officials in Belgorod said 7 buildings were damaged in the attack.",
    "Turkey's president spoke with both leaders by phone on Sunday, his office said.",
    "Sweden formally joined NATO on March 7, 2024, becoming its 32nd member.",
    "“This is a turning point for our security,” the Latvian defence minister said.",
    "The European Commission proposed using 3 billion euros in frozen Russian assets.",
    "Norway's sovereign wealth fund sold its last Russian holdings in 2023.",
    "A Kremlin spokesman, Dmitry Peskov, called the decision reckless on Wednesday.",
    "The UN refugee agency counts 6.5 million Ukrainian refugees across Europe.",
    "Moldova's president, Maia Sandu, said the referendum was marred by vote buying.",
    "Britain announced 2.5 billion pounds in new military support in January.",
    "Japan's prime minister visited Kyiv in March 2023, his first trip to a war zone.",
    "Ukraine's energy operator said power was cut to 200,000 homes in the Sumy region.",
    "The Dutch government said the first F-16 jets arrived in Ukraine in August.",
    "Czech officials said the ammunition initiative had delivered 500,000 shells by October.",
    "A senator from Ohio, J.D. Vance, voted against the aid bill in February.",
    "Ukraine's air force said it shot down 31 of 35 drones launched overnight.",
    "The Danish defence minister said Denmark would send its entire artillery stock.",
    "Oil prices rose 2 percent on Monday after the announcement, traders said.",
    "“Nobody wants a wider war,” a NATO diplomat in Brussels told reporters.",
    "The Russian defence ministry claimed its forces captured the village of Novomykhailivka.",
    "France will train 4,500 Ukrainian soldiers in 2024, the Elysee said.",
    "The Slovak prime minister, Robert Fico, said his country would send no weapons.",
    "More than 1,200 people attended the vigil in Lviv on Saturday, police said.",
    "Canada's foreign minister, Melanie Joly, announced new sanctions on 19 individuals.",
    "The Swiss peace summit in June 2024 drew delegations from 92 countries.",
    "Georgia's parliament passed the foreign agents law by 84 votes to 30.",
    "A spokesman for the Polish president said the meeting lasted two hours.",
    "Russian state television aired the interview on Thursday evening.",
    "The Bulgarian navy cleared 3 drifting sea mines near Varna in April.",
    "Ukraine's prosecutor general said 128 children had been killed in the region.",
    "The Pentagon said the package includes 155mm artillery rounds and Stinger missiles.",
    "Belarus announced snap military exercises near its western border on Tuesday.",
    "“We need air defence, and we need it now,” the mayor of Kharkiv said.",
    "Italy's defence minister, Guido Crosetto, said Rome would not send troops.",
    "The World Bank estimated reconstruction costs at 486 billion dollars in February.",
    "Spain signed a security agreement with Ukraine worth 1 billion euros in May.",
    "Finland's president said the border would stay closed until further notice.",
    "The Estonian interior ministry expelled a Russian Orthodox metropolitan in 2024.",
    "About 800 Ukrainian pilots and technicians have trained in Romania, officials said.",
    "The Russian central bank raised its key rate to 16 percent in December.",
    "A drone struck an oil depot in Novorossiysk on Friday, local officials said.",
    "The Greek prime minister said Athens would send no more air defence systems.",
    "Portugal's foreign minister said his government backed the decision on Wednesday.",
    "Rescue workers pulled 9 survivors from the rubble in Dnipro, officials said.",
    "The Irish government said it would accept 2,000 more refugees next year.",
    "“History will judge this moment,” the Polish foreign minister wrote on X.",
    "An EU summit in Brussels approved the 50 billion euro facility on February 1.",
)

NON_CLAIMS = (
    "The consequences could be far-reaching.",
    "Much depends on what happens next.",
    "The stakes could hardly be higher.",
    "It remains unclear how the situation will develop.",
    "The move is likely to be watched closely.",
    "Not everyone is convinced.",
    "The debate is far from over.",
    "There is no easy answer to that question.",
    "For now, the outcome remains uncertain.",
    "The implications are still being weighed.",
    "Critics see the decision as a gamble.",
    "Supporters see it as long overdue.",
    "The timing is significant.",
    "Much remains to be settled.",
    "The question is what comes next.",
)

#: Every pool sentence with its label, in a fixed order.
NEW_SENTENCES: tuple[tuple[str, str], ...] = (
    *((text, "claim") for text in CLAIMS), *((text, "non-claim") for text in NON_CLAIMS))

#: Recipes: the transformations one copy goes through, in order. Copy n uses
#: recipe n modulo their number, so every recipe is represented.
RECIPES: tuple[tuple[str, ...], ...] = (
    ("spin",),
    ("reorder",),
    ("delete",),
    ("truncate",),
    ("splice",),
    ("insert",),
    ("truncate", "insert"),
    ("spin", "insert"),
    ("reorder", "delete"),
    ("splice", "spin"),
    ("delete", "spin", "insert"),
    ("truncate", "reorder", "insert"),
)


# ---------------------------------------------------------------------------
# Sources and drafts
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Source:
    """A fixture: its path as given, its decoded text, and its material: the
    body paragraphs, each a list of sentence spans into ``text``."""

    path: str
    text: str
    paragraphs: tuple[tuple[Span, ...], ...]


def load_sources(fixtures: Path) -> list[Source]:
    """Every ``*.txt`` fixture, cleaned; its prose paragraphs cut into sentences.

    The headline and subheads (short blocks without a sentence ending) are
    left out of the material: a copy is made of running text.
    """
    sources = []
    for path in sorted(fixtures.glob("*.txt")):
        document = read_document(path)
        article = clean_text(document.text, str(path), metadata=document.metadata)
        paragraphs = []
        for block in article.body:
            line = block.of(article.text)
            if line == article.title or (not re.search(r"[.!?…]['’\"”)]*$", line) and len(line.split()) < 12):
                continue
            sentences = tuple(s for p in split_paragraphs(article.text, block.start, block.end)
                              for s in split_sentences(article.text, p.start, p.end))
            if sentences:
                paragraphs.append(sentences)
        sources.append(Source(str(path), article.text, tuple(paragraphs)))
    if not sources:
        raise SystemExit(f"{fixtures}: no .txt fixtures")
    return sources


@dataclass(frozen=True)
class Piece:
    """One sentence of a copy: its text, and where it came from (``source``
    and ``span`` for taken text, ``label`` claim/non-claim for new text)."""

    text: str
    source: str | None = None
    span: Span | None = None
    changes: frozenset[str] = frozenset()
    label: str | None = None

    @property
    def transform(self) -> str:
        return "+".join(sorted(self.changes)) or "copy"


Draft = list[list[Piece]]  # paragraphs of sentences


def draft_of(source: Source) -> Draft:
    return [[Piece(span.of(source.text), source.path, span) for span in paragraph]
            for paragraph in source.paragraphs]


# ---------------------------------------------------------------------------
# Transformations. Each takes a draft and a random generator and returns the
# new draft and the parameters it used (recorded in the ground truth).
# ---------------------------------------------------------------------------


def load_spin_words(path: Path = SPIN_WORDS) -> dict[str, str]:
    """``word<TAB>replacement`` lines (a ``word replacement`` header is skipped)."""
    table: dict[str, str] = {}
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        word, tab, replacement = line.partition("\t")
        if not tab or not replacement.strip():
            raise SystemExit(f"{path}:{number}: expected word<TAB>replacement")
        if (word, replacement) != ("word", "replacement"):
            table[word.strip().lower()] = replacement.strip()
    return table


_WORD = re.compile(r"[A-Za-z]+(?:['’][A-Za-z]+)?")


def spin_sentence(text: str, words: dict[str, str], share: float, rng: random.Random) -> str:
    """Replace ``share`` of the replaceable words (on average), keeping case.

    >>> spin_sentence("Officials said the attack was serious.", {"said": "stated", "attack": "assault",
    ...               "officials": "authorities"}, 1.0, random.Random(1))
    'Authorities stated the assault was serious.'
    """
    first = _WORD.search(text)

    def swap(match: re.Match[str]) -> str:
        word = match.group()
        replacement = words.get(word.lower())
        at_start = first is not None and match.start() == first.start()
        if replacement is None or not (word.islower() or (at_start and word[0].isupper() and word[1:].islower())):
            return word
        if rng.random() >= share:
            return word
        return replacement[0].upper() + replacement[1:] if word[0].isupper() else replacement

    return _WORD.sub(swap, text)


def spin(draft: Draft, rng: random.Random, words: dict[str, str], share: float) -> tuple[Draft, dict]:
    out = []
    for paragraph in draft:
        new = []
        for piece in paragraph:
            if piece.source is not None:
                text = spin_sentence(piece.text, words, share, rng)
                if text != piece.text:
                    piece = replace(piece, text=text, changes=piece.changes | {"spin"})
            new.append(piece)
        out.append(new)
    return out, {"share": share}


def reorder(draft: Draft, rng: random.Random) -> tuple[Draft, dict]:
    """Shuffle the sentences of about half the paragraphs that have several
    (at least one paragraph when any has several)."""
    several = [n for n, p in enumerate(draft) if len(p) >= 2]
    chosen = [n for n in several if rng.random() < 0.5] or several[:1]
    out = [list(p) for p in draft]
    for n in chosen:
        order = list(range(len(out[n])))
        while order == sorted(order):
            rng.shuffle(order)
        out[n] = [replace(out[n][i], changes=out[n][i].changes | {"reorder"}) if i != place else out[n][i]
                  for place, i in enumerate(order)]
    return out, {"paragraphs_reordered": len(chosen)}


def delete(draft: Draft, rng: random.Random) -> tuple[Draft, dict]:
    """Drop a quarter to a third of the sentences, or of the paragraphs."""
    mode = rng.choice(["sentences", "paragraphs"])
    share = rng.uniform(0.25, 0.35)
    if mode == "paragraphs":
        kept = [p for p in draft if rng.random() >= share] or draft[:1]
        dropped = len(draft) - len(kept)
    else:
        kept = [[s for s in p if rng.random() >= share] for p in draft]
        dropped = sum(len(p) for p in draft) - sum(len(p) for p in kept)
        kept = [p for p in kept if p] or draft[:1]
    return kept, {"mode": mode, "share": round(share, 3), "dropped": dropped}


def truncate(draft: Draft, rng: random.Random) -> tuple[Draft, dict]:
    """Keep the first k paragraphs, k between 3 and half the article."""
    k = rng.randint(min(3, len(draft)), max(3, len(draft) // 2))
    return draft[:k], {"kept_paragraphs": k, "of": len(draft)}


def splice(first: Draft, second: Draft, rng: random.Random) -> tuple[Draft, dict]:
    """Paragraphs of A then of B (4 to 8 of each), or A and B interleaved."""
    mode = rng.choice(["sequential", "interleaved"])
    a = first[: rng.randint(4, 8)]
    b = second[: rng.randint(4, 8)]
    if mode == "sequential":
        out = [*a, *b]
    else:
        out = [p for pair in zip(a, b) for p in pair] + a[len(b):] + b[len(a):]
    return out, {"mode": mode, "paragraphs_a": len(a), "paragraphs_b": len(b)}


def insert(draft: Draft, rng: random.Random, pool: Sequence[tuple[str, str]]) -> tuple[Draft, dict]:
    """Insert 2 to 5 new sentences (about 4 in 5 of them claims), each inside
    a paragraph, as a paragraph of its own, or at the start or end."""
    count = rng.randint(2, 5)
    claims = [s for s in pool if s[1] == "claim"]
    others = [s for s in pool if s[1] != "claim"]
    chosen = [rng.choice(claims) if rng.random() < 0.8 else rng.choice(others) for _ in range(count)]
    out = [list(p) for p in draft]
    places = []
    for text, label in chosen:
        piece = Piece(text, label=label)
        where = rng.choice(["inside", "inside", "paragraph", "edge"])
        if where == "inside":
            n = rng.randrange(len(out))
            out[n].insert(rng.randint(0, len(out[n])), piece)
        elif where == "paragraph":
            out.insert(rng.randint(1, len(out)), [piece])
        else:
            out.insert(0 if rng.random() < 0.5 else len(out), [piece])
        places.append(where)
    return out, {"inserted": count, "claims": sum(label == "claim" for _, label in chosen), "places": places}


# ---------------------------------------------------------------------------
# Rendering and ground truth
# ---------------------------------------------------------------------------


@dataclass
class Copy:
    """A written copy and its ground truth."""

    name: str
    text: str
    recipe: tuple[str, ...]
    steps: list[dict]
    sources: list[str]
    passages: list[dict] = field(default_factory=list)
    new_material: list[dict] = field(default_factory=list)

    @property
    def new_claims(self) -> list[dict]:
        return [item for item in self.new_material if item["label"] == "claim"]

    def as_dict(self) -> dict:
        return {
            "name": self.name,
            "recipe": "+".join(self.recipe),
            "steps": self.steps,
            "sources": self.sources,
            "length": len(self.text),
            "passages": self.passages,
            "new_material": self.new_material,
            "new_claims": self.new_claims,
        }


def render(draft: Draft, sources: dict[str, Source]) -> tuple[str, list[dict], list[dict]]:
    """The copy's text (sentences joined by a space, paragraphs by a blank
    line), its passages and its new material, as character offsets."""
    parts: list[str] = []
    placed: list[tuple[Span, Piece]] = []
    position = 0
    for paragraph in draft:
        for s_number, piece in enumerate(paragraph):
            gap = "" if position == 0 else (" " if s_number else "\n\n")
            parts.append(gap)
            position += len(gap)
            parts.append(piece.text)
            placed.append((Span(position, position + len(piece.text)), piece))
            position += len(piece.text)
    text = "".join(parts) + "\n"
    passages: list[dict] = []
    last: tuple[Span, Piece] | None = None
    for span, piece in placed:
        if piece.source is None:
            last = None
            continue
        assert piece.span is not None
        sentence = [span.start, span.end, piece.span.start, piece.span.end]
        if last is not None and _continues(last[1], piece, sources) and passages:
            passages[-1]["candidate"][1] = span.end
            passages[-1]["source_span"][1] = piece.span.end
            passages[-1]["sentences"].append(sentence)
        else:
            passages.append({"candidate": [span.start, span.end], "source": piece.source,
                             "source_span": piece.span.as_list(), "transform": piece.transform,
                             "sentences": [sentence]})
        last = (span, piece)
    new = [{"span": span.as_list(), "text": piece.text, "label": piece.label}
           for span, piece in placed if piece.source is None]
    return text, passages, new


def _continues(before: Piece, after: Piece, sources: dict[str, Source]) -> bool:
    """Whether ``after`` extends the passage ending with ``before``: same
    source and change, and the next text of the source after only whitespace
    (the copy side is contiguous by construction when no new sentence came
    between)."""
    if before.source != after.source or before.transform != after.transform:
        return False
    assert before.span is not None and after.span is not None
    text = sources[before.source].text  # type: ignore[index]
    return before.span.end <= after.span.start and not text[before.span.end : after.span.start].strip()


def derive(sources: Sequence[Source], number: int, seed: int, words: dict[str, str], spin_share: float) -> Copy:
    """Copy ``number``: its recipe is ``RECIPES[number % len(RECIPES)]``;
    sources and parameters are drawn from a generator seeded with
    ``(seed, number)``, so one copy does not depend on the others."""
    rng = random.Random(f"{seed}:{number}")
    recipe = RECIPES[number % len(RECIPES)]
    by_path = {source.path: source for source in sources}
    first = rng.choice(sources)
    used = [first.path]
    draft = draft_of(first)
    steps: list[dict] = []
    actions: dict[str, Callable[[Draft], tuple[Draft, dict]]] = {
        "spin": lambda d: spin(d, rng, words, spin_share),
        "reorder": lambda d: reorder(d, rng),
        "delete": lambda d: delete(d, rng),
        "truncate": lambda d: truncate(d, rng),
        "insert": lambda d: insert(d, rng, NEW_SENTENCES),
    }
    for step in recipe:
        if step == "splice":
            second = rng.choice([s for s in sources if s.path != first.path])
            used.append(second.path)
            draft, params = splice(draft, draft_of(second), rng)
        else:
            draft, params = actions[step](draft)
        steps.append({"transform": step, **params})
    text, passages, new = render(draft, by_path)
    return Copy(f"copy-{number:03d}", text, recipe, steps, used, passages, new)


def legacy_text(text: str, width: int = 68) -> str:
    """An article in a legacy wire-archive format: a transmission header, the
    paragraphs hard-wrapped at ``width`` with no blank lines between them,
    each ending in a ``<`` marker, quotations written ``\u0060\u0060...''``, "#"
    for "£", and a stray control character (SI) before the header.

    >>> print(legacy_text("Talks resumed.\\n“We are ready,” she said. It cost £5m."), end="")
    \x0fWIRE 29/05/2024 14:22 ARCHIVE
    Talks resumed. <
    ``We are ready,'' she said. It cost #5m. <
    """
    lines = ["\x0fWIRE 29/05/2024 14:22 ARCHIVE"]
    for paragraph in (line.strip() for line in text.splitlines()):
        if not paragraph:
            continue
        paragraph = (paragraph.replace("“", "``").replace("”", "''").replace("‘", "`").replace("’", "'")
                     .replace("£", "#"))
        wrapped = textwrap.wrap(paragraph, width) or [paragraph]
        wrapped[-1] += " <"
        lines.extend(wrapped)
    return "\n".join(lines) + "\n"


def write_legacy_sources(fixtures: Path, out_dir: Path) -> list[Path]:
    """Each fixture article (and its sidecar) rendered by :func:`legacy_text` into ``out_dir``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for path in sorted(fixtures.glob("*.txt")):
        target = out_dir / path.name
        target.write_text(legacy_text(read_document(path).text), encoding="utf-8")
        sidecar = path.with_name(path.stem + ".meta.json")
        if sidecar.exists():
            (out_dir / sidecar.name).write_text(sidecar.read_text(encoding="utf-8"), encoding="utf-8")
        written.append(target)
    return written


def write(copy: Copy, out_dir: Path) -> None:
    (out_dir / f"{copy.name}.txt").write_text(copy.text, encoding="utf-8", newline="")
    (out_dir / f"{copy.name}.json").write_text(json.dumps(copy.as_dict(), ensure_ascii=False, indent=1) + "\n",
                                               encoding="utf-8")


def generate(fixtures: Path, out_dir: Path, seed: int = 1, count: int = 60, spin_share: float = 0.5,
             words_path: Path = SPIN_WORDS) -> list[Copy]:
    """Write ``count`` copies and their ground truth into ``out_dir``."""
    sources = load_sources(fixtures)
    words = load_spin_words(words_path)
    out_dir.mkdir(parents=True, exist_ok=True)
    copies = [derive(sources, number, seed, words, spin_share) for number in range(count)]
    for copy in copies:
        write(copy, out_dir)
    manifest = {"fixtures": str(fixtures), "seed": seed, "count": count, "spin_share": spin_share,
                "spin_words": str(words_path), "recipes": ["+".join(r) for r in RECIPES],
                "copies": [copy.name for copy in copies]}
    (out_dir / "manifest.json").write_text(json.dumps(manifest, indent=1) + "\n", encoding="utf-8")
    return copies


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("fixtures", type=Path, metavar="FIXTURES_DIR", help="directory of fixture .txt articles")
    parser.add_argument("out", type=Path, metavar="OUT_DIR", help="where copy-NNN.txt and copy-NNN.json go")
    parser.add_argument("--seed", type=int, default=1, help="random seed (default: 1)")
    parser.add_argument("--count", type=int, default=60, help="copies to write (default: 60)")
    parser.add_argument("--spin-share", type=float, default=0.5,
                        help="share of replaceable words a spin replaces (default: 0.5)")
    parser.add_argument("--spin-words", type=Path, default=SPIN_WORDS, help="word<TAB>replacement list")
    args = parser.parse_args(argv)
    copies = generate(args.fixtures, args.out, args.seed, args.count, args.spin_share, args.spin_words)
    recipes = {}
    for copy in copies:
        recipes["+".join(copy.recipe)] = recipes.get("+".join(copy.recipe), 0) + 1
    print(f"wrote {len(copies)} copies to {args.out} (seed {args.seed}): "
          + ", ".join(f"{name} x{n}" for name, n in recipes.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
