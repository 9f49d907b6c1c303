"""The data model: what flows between the stages, and the vocabularies it uses.

Every stage takes and returns these frozen dataclasses; none of them knows
how it is computed, so this module imports no stage (only the settings and
the standard library). Data flows one way::

    Document -> Article -> (sentence Spans, Side) -> AlignedPassage
             -> Overlap -> Comparison | SourceMatches -> Verdict -> Finding

Every span is :class:`Span`, ``[start, end)`` in characters of the text the
article was read as: the decoded file for plain text, the extracted text
for HTML. Vocabularies (debris reasons, passage kinds, derivations,
rewordings, claim signals, gate rules) are ``StrEnum``\\ s: their members
are the strings JSON shows, so ``PassageKind.IDENTICAL == "identical"``.

The JSON form of each type is :mod:`dedupe.serialise`'s job, not theirs.

>>> text = "Hello, world."
>>> Span(7, 12).of(text)
'world'
>>> PassageKind("minor-changes") is PassageKind.MINOR_CHANGES
True
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum
from types import MappingProxyType
from typing import Any, Literal

from dedupe.settings import DEFAULT_SETTINGS, Settings

# ---------------------------------------------------------------------------
# Spans
# ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, order=True)
class Span:
    """A half-open character range ``[start, end)``."""

    start: int
    end: int

    def __post_init__(self) -> None:
        if not 0 <= self.start <= self.end:
            raise ValueError(f"bad span [{self.start}, {self.end})")

    def __len__(self) -> int:
        return self.end - self.start

    def __reduce__(self) -> tuple[type[Span], tuple[int, int]]:
        # Workers send every article's spans: a slotted dataclass's own state
        # methods run in Python, field by field (3 to 5 times slower to pickle).
        return Span, (self.start, self.end)

    def of(self, text: str) -> str:
        """The characters of ``text`` this span covers."""
        return text[self.start : self.end]

    def as_list(self) -> list[int]:
        """``[start, end]``, the form spans take in JSON."""
        return [self.start, self.end]

    def overlaps(self, other: Span) -> bool:
        return self.start < other.end and other.start < self.end

    def union(self, other: Span) -> Span:
        """The smallest span covering both."""
        return Span(min(self.start, other.start), max(self.end, other.end))


def strip_span(text: str, start: int, end: int) -> Span | None:
    """Shrink ``[start, end)`` past surrounding whitespace; None if nothing is left.

    >>> strip_span("  a b  ", 0, 7)
    Span(start=2, end=5)
    """
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return Span(start, end) if start < end else None


# ---------------------------------------------------------------------------
# Vocabularies
# ---------------------------------------------------------------------------


class ArticleKind(StrEnum):
    """What an input was read as."""

    TEXT = "text"
    HTML = "html"


class DebrisReason(StrEnum):
    """The rule family that removed a piece of an article (see :data:`REASONS`)."""

    AD_MARKER = "ad-marker"
    EMBED_SHORTCODE = "embed-shortcode"
    SOURCE_LINK = "source-link"
    RELATED_LINK = "related-link"
    NAVIGATION = "navigation"
    SECTION_LABEL = "section-label"
    COMMENT_FORM = "comment-form"
    SHARE_PROMPT = "share-prompt"
    NEWSLETTER_PROMPT = "newsletter-prompt"
    SHOPPING_BOX = "shopping-box"
    COOKIE_NOTICE = "cookie-notice"
    MEDIA_CAPTION = "media-caption"
    PHOTO_CREDIT = "photo-credit"
    BYLINE = "byline"
    TIMESTAMP = "timestamp"
    SOURCE_CREDIT = "source-credit"
    SIGN_OFF = "sign-off"
    COPYRIGHT = "copyright"
    AUTHOR_BIO = "author-bio"
    LEARNED_BOILERPLATE = "learned-boilerplate"
    LAYOUT_MARKER = "layout-marker"


#: What each debris family is, in a sentence (the ``why`` of reports).
REASONS: Mapping[DebrisReason, str] = MappingProxyType({
    DebrisReason.AD_MARKER: "advertisement placeholder",
    DebrisReason.EMBED_SHORTCODE: "CMS embed shortcode",
    DebrisReason.SOURCE_LINK: "link back to the page the copy was scraped from",
    DebrisReason.RELATED_LINK: "link to another article (See also, Read more, Related)",
    DebrisReason.NAVIGATION: "site navigation, tags or page controls",
    DebrisReason.SECTION_LABEL: "site section label above the story",
    DebrisReason.COMMENT_FORM: "reader comment form or comment section",
    DebrisReason.SHARE_PROMPT: "social sharing or follow prompt",
    DebrisReason.NEWSLETTER_PROMPT: "newsletter or subscription prompt",
    DebrisReason.SHOPPING_BOX: "product and price from a shopping box or affiliate widget",
    DebrisReason.COOKIE_NOTICE: "cookie or consent notice",
    DebrisReason.MEDIA_CAPTION: "caption or title of a photo, video or graphic",
    DebrisReason.PHOTO_CREDIT: "photo, image or video credit",
    DebrisReason.BYLINE: "byline: who wrote the story, their role or outlet",
    DebrisReason.TIMESTAMP: "publication or update time stamp",
    DebrisReason.SOURCE_CREDIT: "credit naming the outlet the story was taken from",
    DebrisReason.SIGN_OFF: "reporting sign-off or contributor line",
    DebrisReason.COPYRIGHT: "copyright or rights notice",
    DebrisReason.AUTHOR_BIO: "author biography or contact line",
    DebrisReason.LEARNED_BOILERPLATE: "line recurring across unrelated articles of one site",
    DebrisReason.LAYOUT_MARKER: "paragraph marker or control character of a legacy text format",
})


class PassageKind(StrEnum):
    """What a shared passage is: taken text (how it differs between its two
    sides), or what independent reports of one event share."""

    IDENTICAL = "identical"  # the same words in the same order
    MINOR_CHANGES = "minor-changes"  # nearly the same wording: house style, a changed word
    REWORDED = "reworded"  # the same content in other words
    SHARED_QUOTE = "shared-quote"  # the same quotation, with no copied framing: not taken
    SHARED_FACTS = "shared-facts"  # the same names, figures and facts in own words: not taken


#: The kinds that count as text taken from the other side.
TAKEN_KINDS = frozenset({PassageKind.IDENTICAL, PassageKind.MINOR_CHANGES, PassageKind.REWORDED})


class Derivation(StrEnum):
    """How much of a candidate comes from sources."""

    WHOLE = "whole"
    PARTIAL = "partial"
    NONE = "none"


class Rewording(StrEnum):
    """How much of the taken wording a candidate kept."""

    VERBATIM = "verbatim"
    LIGHT = "light"
    HEAVY = "heavy"


class ClaimSignal(StrEnum):
    """Why a new sentence counts as a checkable claim."""

    FIGURE = "figure"
    DATE = "date"
    QUOTE = "quote"
    ATTRIBUTION = "attribution"
    NAME = "name"


class Rule(StrEnum):
    """What fails a candidate in the pre-publication gate (:mod:`dedupe.gate`)."""

    UNCREDITED = "uncredited"  # derives from a source without crediting it
    REWORDED = "reworded"  # derives from a source with light or heavy rewording
    ANY = "any"  # derives from any source
    MAX_COVERAGE = "max-coverage"  # more than the allowed share comes from sources


#: The rules ``--fail-on`` takes (``max-coverage`` has an option of its own).
FAIL_ON: tuple[Rule, ...] = (Rule.UNCREDITED, Rule.REWORDED, Rule.ANY)

#: One side of an overlapping pair.
PairSide = Literal["a", "b"]


# ---------------------------------------------------------------------------
# Articles
# ---------------------------------------------------------------------------

_WORD = re.compile(r"\w+")


class ExtractionError(ValueError):
    """An HTML page holds no extractable article text."""


@dataclass(frozen=True, slots=True)
class Document:
    """A decoded input file, before cleaning.

    ``kind`` is what it will be cleaned as; ``encoding`` the codec its bytes
    were decoded with; ``metadata`` comes from the file's sidecar, if any.
    """

    path: str
    text: str
    kind: ArticleKind
    encoding: str
    metadata: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Debris:
    """One removed piece of the input: where it was, which rule, what it said."""

    span: Span
    reason: DebrisReason
    text: str

    @property
    def why(self) -> str:
        """The human sentence for :attr:`reason`."""
        return REASONS.get(self.reason, str(self.reason))


@dataclass(frozen=True)
class Article:
    """A cleaned article.

    ``text`` is what every span points into: the decoded file for plain text,
    the extracted text for HTML. ``body`` lists the kept blocks (usually one
    per paragraph) as spans into ``text``.
    """

    path: str
    text: str
    body: tuple[Span, ...]
    debris: tuple[Debris, ...]
    kind: ArticleKind = ArticleKind.TEXT
    title: str | None = None
    metadata: Mapping[str, Any] = field(default_factory=dict)

    @property
    def cleaned_text(self) -> str:
        """The body, one block per paragraph, blank lines between."""
        return "\n\n".join(span.of(self.text) for span in self.body)

    @property
    def words(self) -> int:
        """Words in the body."""
        return sum(len(_WORD.findall(span.of(self.text))) for span in self.body)

    @property
    def site(self) -> str | None:
        """The site the article was scraped from, when known."""
        return self.metadata.get("sitename") or self.metadata.get("hostname")


# ---------------------------------------------------------------------------
# Passages
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Side:
    """One article as the aligner sees it: text, sentence spans and each
    sentence's content terms (:func:`dedupe.alignment.side` makes one)."""

    text: str
    sentences: Sequence[Span]
    terms: Sequence[frozenset[str]]

    def words_in(self, span: Span) -> str:
        """The sentence text inside ``span``, leaving out whatever lies
        between sentences (debris the cleaner removed), space-separated."""
        return " ".join(
            self.text[max(span.start, s.start) : min(span.end, s.end)] for s in self.sentences if s.overlaps(span)
        )

    def joined(self, i: int, j: int) -> bool:
        """Whether sentences ``i`` and ``j`` (``i < j``) follow each other
        with only whitespace between them (no removed debris, no headline
        block in between)."""
        return not self.text[self.sentences[i].end : self.sentences[j].start].strip()


@dataclass(frozen=True)
class Evidence:
    """What the two sides of a passage share, sorted (see :mod:`dedupe.evidence`).

    ``expression_words``: side A's words outside quotations in runs of
    shared words that carry ordinary words, not only names and numbers;
    ``free_words`` and ``quoted_words``: side A's words outside and inside
    quotations; ``scaffold``: similarity of the two sides' function-word
    sequences outside quotations (0 when too short to tell); ``facts``:
    names, numbers and dates both sides state; ``quotes``: quotations both
    sides carry; ``sequence``: the passage is one of a run of passages in
    the same order on both sides.
    """

    expression_words: int = 0
    free_words: int = 0
    quoted_words: int = 0
    scaffold: float = 0.0
    facts: tuple[str, ...] = ()
    quotes: tuple[str, ...] = ()
    sequence: bool = False


@dataclass(frozen=True)
class AlignedPassage:
    """A passage of article A matched with a passage of article B.

    ``similarity`` is the larger of ``word_similarity`` (rarity-weighted
    shared content words) and ``char_similarity`` (wording kept); ``kept``
    the share of A's words in runs of three or more shared words;
    ``evidence`` what shows copying and what independent reports share.
    ``sentences`` lists the matched sentence index pairs behind it;
    ``shared`` the most telling words both sides use, as written in A.
    """

    a: Span
    b: Span
    kind: PassageKind
    similarity: float
    word_similarity: float
    char_similarity: float
    kept: float
    sentences: tuple[tuple[int, int], ...]
    shared: tuple[str, ...]
    evidence: Evidence = Evidence()

    @property
    def taken(self) -> bool:
        """Whether the passage is text taken from the other side, not only
        what independent reports share (a quotation, names and figures)."""
        return self.kind in TAKEN_KINDS

    def flipped(self) -> AlignedPassage:
        """The same passage seen from the other side (B's span first).

        >>> p = AlignedPassage(Span(0, 4), Span(7, 11), PassageKind.IDENTICAL, 1.0, 1.0, 1.0, 1.0, ((0, 2),), ())
        >>> p.flipped().a, p.flipped().sentences
        (Span(start=7, end=11), ((2, 0),))
        """
        return replace(self, a=self.b, b=self.a, sentences=tuple((j, i) for i, j in self.sentences))


@dataclass(frozen=True)
class Overlap:
    """The passages two articles share; ``a`` and ``b`` index the articles of
    a :class:`Comparison` (or candidates and sources of :class:`SourceMatches`)."""

    a: int
    b: int
    passages: tuple[AlignedPassage, ...]


@dataclass(frozen=True)
class Comparison:
    """What one all-against-all run found: the articles and each pair's
    shared passages. ``sentences`` are each article's sentence spans."""

    articles: tuple[Article, ...]
    overlaps: tuple[Overlap, ...]
    sentences: tuple[tuple[Span, ...], ...] = ()
    settings: Settings = DEFAULT_SETTINGS

    def partners(self, article: int) -> list[int]:
        """The articles that share passages with ``article``."""
        return [o.b if o.a == article else o.a for o in self.overlaps if article in (o.a, o.b)]

    def passage_count(self, article: int) -> int:
        return sum(len(o.passages) for o in self.overlaps if article in (o.a, o.b))


@dataclass(frozen=True)
class SourceMatches:
    """Candidates matched against sources: ``Overlap.a`` indexes
    ``candidates``, ``Overlap.b`` indexes ``sources``. ``sentences`` are the
    candidates' sentence spans; ``settings`` those the comparison ran with."""

    candidates: tuple[Article, ...]
    sources: tuple[Article, ...]
    overlaps: tuple[Overlap, ...]
    sentences: tuple[tuple[Span, ...], ...]
    settings: Settings = DEFAULT_SETTINGS


# ---------------------------------------------------------------------------
# Verdicts
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Claim:
    """A new sentence that states something checkable, and why it counts."""

    span: Span
    text: str
    signals: tuple[ClaimSignal, ...]


@dataclass(frozen=True)
class SourceUse:
    """What one candidate took from one source."""

    source: Article
    publisher: str | None
    derivation: Derivation
    rewording: Rewording | None
    coverage: float
    source_coverage: float
    credited: bool
    passages: tuple[AlignedPassage, ...]


@dataclass(frozen=True)
class Verdict:
    """The provenance of one candidate article."""

    candidate: Article
    derivation: Derivation
    rewording: Rewording | None
    coverage: float
    sources: tuple[SourceUse, ...]
    new_material: tuple[Span, ...]
    new_claims: tuple[Claim, ...]
    credits: tuple[str, ...]
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class Direction:
    """Which article of an overlapping pair is probably the original, and why.

    ``original`` is ``"a"``, ``"b"`` or None when the evidence is even.
    """

    original: PairSide | None
    reasons: tuple[str, ...]


# ---------------------------------------------------------------------------
# The gate
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Policy:
    """What fails a candidate (see :mod:`dedupe.gate`). An empty policy fails nothing.

    >>> Policy(frozenset({"uncredited"})).fail_on == {Rule.UNCREDITED}
    True
    """

    fail_on: frozenset[Rule] = field(default_factory=frozenset)
    max_coverage: float | None = None

    def __post_init__(self) -> None:
        unknown = {str(rule) for rule in self.fail_on} - set(FAIL_ON)
        if unknown:
            raise ValueError(f"unknown --fail-on value {', '.join(sorted(unknown))} "
                             f"(choose from {', '.join(FAIL_ON)})")
        object.__setattr__(self, "fail_on", frozenset(Rule(rule) for rule in self.fail_on))
        if self.max_coverage is not None and not 0 <= self.max_coverage <= 1:
            raise ValueError(f"--max-coverage must be a fraction between 0 and 1, not {self.max_coverage}")

    @property
    def active(self) -> bool:
        return bool(self.fail_on) or self.max_coverage is not None


@dataclass(frozen=True)
class Finding:
    """One reason a candidate fails: the rule, a message, and where in the
    candidate the first reused passage is (None for article-wide rules)."""

    rule: Rule
    message: str
    source: str | None = None
    span: Span | None = None


# ---------------------------------------------------------------------------
# The index of originals
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class StoredArticle:
    """One indexed article as ``dedupe index list`` shows it (no text)."""

    id: int
    path: str
    title: str | None
    publisher: str | None
    date: str | None
    words: int
    content_hash: str
    added: str
