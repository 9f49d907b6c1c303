"""Cleaning: separating an article's body from scraping debris.

Scraped news arrives with the site around it: ad placeholders, embed
shortcodes, "See also" links, comment forms, cookie banners, navigation,
captions, bylines and author bios. The cleaner keeps the body and records
every removal as :class:`Debris` with its span in the input and the rule
family that removed it, so a user can audit what went and why.

It works on lines (scraped dumps and extracted HTML put one paragraph per
line) in three passes:

1. *inline* rules cut markers out of a line wherever they stand
   (``[ad_1]``, ``[time-brightcove ...]``);
2. *line* rules remove a whole line that matches one of the debris families
   below (each rule names its family, the words it may span, and whether it
   only applies near the start or end of the article);
3. *context* rules use position: a byline block continues on the lines under
   it, a comment form swallows its field labels, a first-person bio at the
   end is the author's, a section label stands above the headline.

Removed bylines, credits, sources and sign-offs are provenance evidence, so
their text is kept in the article's metadata. Corpus-level boilerplate (a
line that recurs across many articles of one site) is learned in
:mod:`dedupe.boilerplate`.

>>> article = clean_text("[ad_1]\\nThe talks ended on Friday.\\nSource link\\n")
>>> article.cleaned_text
'The talks ended on Friday.'
>>> [(str(d.reason), d.text) for d in article.debris]
[('ad-marker', '[ad_1]'), ('source-link', 'Source link')]
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, replace
from types import MappingProxyType
from typing import Any

from dedupe.language import guess_language
from dedupe.model import Article, ArticleKind, Debris, DebrisReason, Document, Span, strip_span
from dedupe.reading import looks_like_html
from dedupe.segmentation import CLOSERS, ends_sentence
from dedupe.settings import DEFAULT_SETTINGS, Settings

#: Where the text of a removed line is kept in the article's metadata.
KEPT_AS: Mapping[DebrisReason, str] = MappingProxyType(
    {
        DebrisReason.BYLINE: "bylines",
        DebrisReason.TIMESTAMP: "timestamps",
        DebrisReason.PHOTO_CREDIT: "credits",
        DebrisReason.SOURCE_CREDIT: "sources",
        DebrisReason.SIGN_OFF: "signoffs",
        DebrisReason.COPYRIGHT: "rights",
        DebrisReason.AUTHOR_BIO: "author_bio",
    }
)

_I = re.IGNORECASE
_QUOTES = "\"“”«»„"
_BULLETS = "•·▪►‣◦*-–—>|"

# WordPress-style shortcodes: lowercase names with - or _, names with
# attributes, or well-known embed names. "[Ukraine]" or "[sic]" inside a
# quote is editorial insertion and never matches. Paired embeds ("[caption
# ...]...[/caption]") go whole, with what they hold; see _embed_shortcodes.
_PAIRED_EMBEDS = ("caption", "embed", "video", "audio", "gallery", "tweet", "youtube")
_EMBED_OPENING = re.compile(rf"\[({'|'.join(_PAIRED_EMBEDS)})\b")
_EMBED_TAG = re.compile(
    r"\[/?[a-z][a-z0-9]*(?:[-_][a-z0-9]+)+(?:\s[^\[\]]*)?\]"
    r"|\[/?[a-z][a-z0-9_-]*\s+[a-z_-]+\s*=[^\[\]]*\]"
    r"|\[/?(?:caption|embed|gallery|video|audio|playlist|tweet|youtube|instagram|iframe|contact-form)\b[^\[\]]*\]"
)


def _pattern_spans(pattern: re.Pattern[str],
                   might_match: Callable[[str], bool]) -> Callable[[str], Iterable[tuple[int, int]]]:
    """The spans of ``pattern``'s matches in a line, as an inline rule gives
    them. ``might_match`` is a test in C that rules most lines out first: the
    regex engine tries every position of a line (16 µs for the layout
    marker on a line of news), a substring test reads it once."""
    return lambda line: (match.span() for match in pattern.finditer(line)) if might_match(line) else ()


def _embed_shortcodes(line: str) -> Iterator[tuple[int, int]]:
    """Spans of embed shortcodes in ``line``, left to right, never overlapping.

    At each place, a paired embed (an opening ``[video ...]`` whose closing
    ``[/video]`` comes later in the line) goes whole, else a single tag
    (:data:`_EMBED_TAG`). One regex with a lazy ``.*?[/video]`` says the same,
    but reads to the end of the line from every opening that is never closed:
    a line of 16,000 ``[video]`` took 33 s. Here each opening looks up the
    next ``]`` and the next closing of its name, which only move forward, so
    the line is read a fixed number of times.
    """
    if "[" not in line:
        return
    pairs = list(_paired_embeds(line))
    pair = 0  # the first pair not yet passed
    tag = _EMBED_TAG.search(line)  # the first single tag at or after ``position``
    position = 0
    while True:
        while pair < len(pairs) and pairs[pair][0] < position:
            pair += 1
        if pair == len(pairs):  # single tags only from here
            yield from (found.span() for found in _EMBED_TAG.finditer(line, position))
            return
        if tag is not None and tag.start() < position:
            tag = _EMBED_TAG.search(line, position)
        found = pairs[pair] if tag is None or pairs[pair][0] <= tag.start() else tag.span()
        yield found
        position = found[1]


def _paired_embeds(line: str) -> Iterator[tuple[int, int]]:
    """Every opening of a paired embed that is closed later in ``line``,
    from the opening to the end of its first closing."""
    ahead: dict[str, int] = {}  # a needle's next place at or after the last lookup (-1: none)

    def following(needle: str, start: int) -> int:
        found = ahead.get(needle)
        if found is None or 0 <= found < start:  # lookups only move forward: the result stays good
            found = ahead[needle] = line.find(needle, start)
        return found

    closed = {name for name in _PAIRED_EMBEDS if f"[/{name}]" in line}
    for opening in _EMBED_OPENING.finditer(line) if closed else ():
        if opening.group(1) not in closed:
            continue
        bracket = following("]", opening.end())
        if bracket < 0:
            return
        closing = f"[/{opening.group(1)}]"
        end = following(closing, bracket + 1)
        if end >= 0:
            yield opening.start(), end + len(closing)


_INLINE_RULES: tuple[tuple[DebrisReason, Callable[[str], Iterable[tuple[int, int]]]], ...] = (
    # Legacy wire archives end each paragraph with "<" (their lines are
    # hard-wrapped, with no blank lines between paragraphs) and carry stray
    # control characters. Cutting the marker also ends the paragraph: the
    # next line no longer runs on from this one.
    (DebrisReason.LAYOUT_MARKER, _pattern_spans(re.compile(r"(?:(?<=\s)|^)<$|[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]+"),
                                                lambda line: line.endswith("<") or not line.isprintable())),
    # "[ad]", "[ad_1]", "[ advert 2 ]". The padding before a number and
    # after it are one class followed by the other ([\s_-]*\d*\s* would
    # let a long run of spaces split between them in quadratically many ways).
    (DebrisReason.AD_MARKER, _pattern_spans(
        re.compile(r"\[\s*(?:ad|ads|advert|advertisement|adsense|banner)[\s_-]*(?:\d+\s*)?\]", _I),
        lambda line: "[" in line)),
    (DebrisReason.EMBED_SHORTCODE, _embed_shortcodes),
)

# A word of a name: [A-Z][\w.'’-]*, written so that it is not cut at every
# hyphen. A byline's tail may start at a hyphen inside it ("By Jane
# Doe-Reuters"); tried at each hyphen of an "A-A-A-..." word against the rest
# of the line, that is quadratic. The tail can start only at the first "-"
# before a capital (where a later one would match, this one does too), or at
# a "-" before a lowercase word; after the first "-" and capital the word is
# read to its end at once (possessive: nothing after a name starts with a
# character of the word).
_NAME_WORD = r"[A-Z][\w.'’]*(?:-(?![A-Z])[\w.'’]*)*(?:-[A-Z][\w.'’-]*+)?"
_NAME = rf"{_NAME_WORD}(?:\s+(?:de|van|von|da|bin|al|el|{_NAME_WORD})){{0,3}}"
_NAMES = rf"{_NAME}(?:(?:\s*,\s*|\s+and\s+|\s*&\s*){_NAME})*"
_SOCIAL = (r"(?:facebook|twitter|x|whatsapp|linkedin|e-?mail|reddit|telegram|pinterest|messenger|tumblr|flipboard|"
           r"instagram|tiktok|youtube|threads|bluesky|mastodon|snapchat|copy link|print|sms)")
_SECTIONS = (
    r"business|world|world news|politics|news|latest|latest news|breaking|breaking news|top stories|sports?|tech|"
    r"technology|science|health|opinion|analysis|comment|europe|u\.?s\.?|us news|uk|uk news|asia|africa|americas|"
    r"middle east|economy|markets|finance|money|entertainment|culture|arts|lifestyle|travel|climate|environment|"
    r"education|local|national|international|featured|exclusive|live|video|videos|podcasts?|politics news|defen[cs]e"
)


@dataclass(frozen=True)
class _LineRule:
    reason: DebrisReason
    pattern: re.Pattern[str]
    max_words: int = 30
    edge_only: bool = False  # only above or below the article's running text
    no_quotes: bool = False  # a line with quotation marks is content, not this


def _rule(reason: str, pattern: str, flags: int = _I, **options: Any) -> _LineRule:
    return _LineRule(DebrisReason(reason), re.compile(pattern, flags), **options)


# Checked in order against a line's core (stripped of list bullets, its
# whitespace runs made single spaces); the first full match wins. A rule is
# tried only on lines of at most its ``max_words`` words, which bounds the
# words but not the characters (a 100 KB "word"), so no rule may read a
# line more than a fixed number of times: in the photo-credit rule, "[\w .]++"
# is possessive, for "AP via viavia...via" could otherwise be split between
# "via" groups in quadratically many ways (in a core, every space is in
# [\w .], so a "via" group after it adds nothing the first does not match).
_LINE_RULES: tuple[_LineRule, ...] = (
    _rule("ad-marker", r"(?:advertisements?|advertising|sponsored(?: content)?|ads?|promoted|"
          r"story continues below(?: advertisement)?|scroll to continue(?: with content)?|"
          r"continue reading (?:the )?(?:main story|below)(?: advertisement)?)\W*"),
    _rule("source-link", r"(?:source link|source url|original (?:article|source|link)|"
          r"(?:view|read|see) (?:the )?original(?: article| story| post)?(?: here)?|"
          r"link to (?:the )?(?:original|source)(?: article)?)\W*"),
    _rule("comment-form", r"(?:leave a (?:reply|comment)(?: to .{1,60})?|post (?:a |your )?comment|add (?:a |your )?comment|"
          r"cancel reply|comments?|\d+ comments?|no comments?(?: yet)?|be the first to comment\W*|"
          r"join the (?:conversation|discussion)|(?:show|view|load|see) (?:all |more )?comments?(?: \(\d+\))?|"
          r"you must be logged in to (?:post a )?comment\W*|log ?in to (?:comment|reply)\W*|"
          r"your email address will not be published\.?(?:\s*required fields are marked \*?)?|"
          r"required fields are marked \*?|(?:name|e-?mail|website|comment)\s*\*|"
          r"save my name,? e-?mail,? and website in this browser for the next time i comment\.?|"
          r"notify me of (?:follow-up comments|new posts) by e-?mail\.?|"
          r"this site uses akismet to reduce spam\..{0,80})"),
    _rule("navigation", r"(?:tags?|topics?|categories|filed under|keywords)(?:\s*[:：]\s*.*)?|"
          r"related (?:articles|posts|stories|topics)|more (?:stories|articles|news)|back to top(?: button)?|"
          r"skip to (?:main )?(?:content|navigation)|home|menu|main menu|search|close|next|previous|prev|"
          r"(?:next|previous|prev) (?:article|post|story|page)|(?:older|newer) posts?|load more|show more|"
          r"continue reading|print(?: this (?:page|article|story))?|email this(?: article| story)?|"
          r"you are here\s*:.*|home\s*[»›>/|].*|\d+ min(?:ute)?s? read|reading time\s*:.*", max_words=25),
    # Multi-word openers ("See also", "Read more") mark a link whatever follows;
    # single words ("Related", "Watch") only with a separator, since "Related
    # to this, ..." or "Watch officials closely, ..." open ordinary sentences.
    _rule("related-link", r"(?:(?:see also|also see|also read|read also|read more|more to read|you may also like|"
          r"you might also like|recommended for you|recommended (?:stories|reading)|don'?t miss|must read|further reading|"
          r"related (?:story|stories|coverage|content|reading|news|posts?|articles?)|more on (?:this|that)(?: story)?|"
          r"trending now|most (?:read|popular|viewed))(?:\s*[:|»›>–—-]+\s*|\s+)|"
          r"(?:related|recommended|watch|listen|trending|more from [\w ]{1,30})\s*[:|»›>–—-]+\s*)\S.*",
          max_words=30, no_quotes=True),
    _rule("share-prompt", rf"(?:share(?: this)?(?: article| story| post| page)?(?:\s+(?:on|via|with))?\s*[:]?(?:[\s,|/•·]*{_SOCIAL})*|"
          rf"click to share on .{{1,40}}|share on {_SOCIAL}.*|{_SOCIAL}(?:[\s,|/•·]+{_SOCIAL})+|tweet(?: this)?|"
          r"follow us(?: on .{1,60})?|follow @\w+.{0,60}|like us on facebook.{0,40}|"
          rf"follow [^.!?]{{1,60}}? on {_SOCIAL}(?:(?:\s*,\s*|\s+(?:and|or)\s+|\s*[|/•·]\s*){_SOCIAL})*)\W*",
          max_words=20, no_quotes=True),
    # A product and its price on a line of its own, as shopping boxes and affiliate widgets
    # set them ("Apple AirPods Pro for $235", "Kindle Paperwhite: $139.99 at Amazon"); a
    # sentence stating a price ("Colgate shares closed Monday at $56.30 on the New York
    # Stock Exchange.") is news.
    _rule("shopping-box", r"[^.!?]{2,80}?(?:\s+(?:for|from|only)\s+|\s*[:|–—-]\s*)"
          r"(?:[$£€]|us\$|a\$)\s?\d[\d,]*(?:\.\d\d)?(?:\s+(?:at|on|from)\s+[\w&' -]{2,30}(?:\.com)?)?",
          max_words=12, no_quotes=True),
    _rule("newsletter-prompt", r"(?:(?:sign up|subscribe|register)\b.{0,80}\b(?:newsletter|updates|alerts|inbox|e-?mails?|briefing|digest)\b.*|"
          r"get (?:the|our) .{0,60}(?:newsletter|delivered to your inbox|in your inbox).*|"
          r"enter your e-?mail(?: address)?.*|(?:subscribe|sign up)(?: now| today| here)?\W*|"
          r"already a subscriber\?.*|subscribe to (?:read|continue).*|"
          r"this (?:article|content|story) is (?:only )?(?:for|available to) subscribers.*)", max_words=40, no_quotes=True),
    _rule("cookie-notice", r"(?:(?:we|this (?:site|website)|our (?:site|website|partners)) (?:and our partners )?(?:use|uses|store)\b.{0,80}\bcookies?\b.*|"
          r".{0,80}\bcookie (?:policy|settings|preferences|consent|notice)\b.*|"
          r"(?:accept|reject|decline|allow)(?: all)?(?: cookies)?|manage (?:cookie )?(?:preferences|settings|options|consent)|"
          r".{0,40}by (?:continuing|using) (?:to (?:use|browse) )?(?:this|our) (?:site|website).{0,80}(?:agree|consent|accept).*)",
          max_words=60, no_quotes=True),
    _rule("photo-credit", r"(?:image|photo|picture|video|media|graphic)\s+(?:source|credit|courtesy)\s*[,:]\s*.{1,80}|"
          r"(?:photo|photograph|image|picture|pic|illustration|graphic|photo credit|image credit|credit)s?\s*(?:by)?\s*[:/]\s*.{1,80}|"
          r"\(?(?:photos?|images?|pictures?)\s+(?:by|courtesy of)\s+.{1,80}|"
          r"\(?(?:.{0,60}/)?(?:getty images|afp|ap photo|ap|reuters|epa(?:-efe)?|shutterstock|alamy|bloomberg)"
          r"(?:\s*(?:/|via)\s*[\w .]++){0,2}\)?", max_words=20),
    _rule("media-caption", r"(?:(?:video|image|media|photo|picture|audio|graphic|gallery)\s+(?:title|caption|description)|"
          r"caption|media caption|image caption)\s*[,:].*|(?:video|audio)\s+(?:duration\s*)?\d{1,2}:\d{2}.*|"
          r"(?:▶|►)?\s*(?:play|watch) (?:video|the video)\W*", max_words=60),
    _rule("timestamp", r"(?:published|updated|posted|last updated|first published)(?: on| at)?\s*:?\s*"
          r"[\w ,.:]{0,40}\d[\w ,.:+/()-]{0,40}", max_words=14),
    _rule("byline", rf"(?i:by|written by|words by|story by|reported by)\s+{_NAMES}"
          r"(?:\s*[,|–—-]\s*(?:[A-Z][\w&.'’-]*|and|of|the|in|staff|writer|reporter|correspondent|editor|"
          r"contributor|senior|chief|political|news)(?:\s+(?:[A-Z][\w&.'’-]*|and|of|the|in|staff|writer|reporter|"
          r"correspondent|editor|contributor|senior|chief|political|news|&))*)?", 0, max_words=16),
    _rule("byline", r"(?:authors?|byline|writers?|reporters?|correspondents?|contributors?)\s*[,:]\s*[^.!?]{1,80}", max_words=14),
    _rule("source-credit", r"(?:(?:sources?|via|credits?|courtesy(?: of)?)\s*[:：]\s*|(?:sources?|via)\s+[-–—]\s*|"
          r"(?:originally|first) published (?:by|on|at|in)\s+|"
          r"this (?:article|story|report) (?:was )?(?:first |originally )?(?:appeared|published|ran) (?:in|on|by)\s+)\S.{0,80}",
          max_words=16),
    _rule("sign-off", rf"{_NAMES}\s+(?:reported|contributed(?: reporting)?|contributed to this (?:report|story|article)|"
          r"wrote this (?:report|story|article))(?:\s+(?:from|in)\s+[^.!?]{1,60})?\.?", 0, max_words=20),
    _rule("sign-off", r"\(?(?:additional )?(?:reporting|writing|editing|research|graphics|compiled|produced|"
          r"translated|fact-checking) by\s.{1,300}?\)?\.?", max_words=50),
    _rule("sign-off", r"[-–—]?\s*(?:the )?(?:associated press|ap|reuters|afp|bloomberg)(?: staff)? "
          r"(?:writers?|reporters?|correspondents?|journalists?) .{1,120} contributed(?: to this (?:report|story))?\.?",
          max_words=40),
    _rule("copyright", r"(?:copyright|©|\(c\))\s*.{0,100}|all rights reserved\.?", max_words=25, no_quotes=True),
    _rule("section-label", rf"(?:{_SECTIONS})(?:\s*[/|»›>]\s*(?:{_SECTIONS}))*", max_words=4, edge_only=True),
)

# A byline block continues on short "label, value" lines right under it
# (BBC pages: "author, ..." then "role, BBC News, London").
_LABELLED_LINE = re.compile(r"[\w’'-]+(?:\s[\w’'-]+)?\s*[,:]\s*[^.!?]{1,80}")
_FIRST_PERSON = re.compile(r"\b(?:I|I'm|I’m|I've|I’ve|my|me)\b")
_BIO_TERMS = re.compile(
    r"\b(?:experience|journalism|journalist|writer|writing|editor|reporter|freelance|career|passion(?:ate)?|"
    r"storytell\w*|stories|covering|degree|graduated?|contributor|blogger|author of|newsroom|years? in)\b",
    _I,
)
_THIRD_PERSON_BIO = re.compile(
    r"(?:about the author\W.*|[A-Z][\w'’-]+(?:\s[A-Z][\w'’-]+){0,3} (?:is|was|has been) an? (?:[\w-]+ ){0,4}"
    r"(?:reporter|writer|journalist|correspondent|editor|columnist|contributor|freelancer)\b.*|"
    r"(?:contact|e-?mail|follow) (?:the author|him|her|them)\b.{0,80})"
)
_WORD = re.compile(r"\w+")


class CleaningError(ValueError):
    """Nothing of the article is left after cleaning."""


def clean_text(text: str, path: str = "<text>", *, settings: Settings = DEFAULT_SETTINGS,
               metadata: Mapping[str, str] | None = None) -> Article:
    """Clean a plain-text article (a scraped dump, one paragraph per line).

    Spans in the result point into ``text`` as given.

    >>> article = clean_text("Business\\n\\nTalks Resume in Geneva\\nThe talks resumed.\\nTags")
    >>> article.title, article.cleaned_text
    ('Talks Resume in Geneva', 'Talks Resume in Geneva\\n\\nThe talks resumed.')
    """
    return _clean(text, path, ArticleKind.TEXT, dict(metadata or {}), settings)


def clean_html(html: str, path: str = "<html>", url: str | None = None, *, settings: Settings = DEFAULT_SETTINGS,
               metadata: Mapping[str, str] | None = None) -> Article:
    """Clean an HTML page: extract the article (trafilatura, or beautifulsoup4
    when trafilatura finds nothing), then remove debris from the extracted text.

    Spans in the result point into the extracted text, ``Article.text``.

    >>> page = "<html><body><article><h1>Talks resume</h1><p>The talks resumed in Geneva on Monday, officials said.</p></article></body></html>"
    >>> clean_html(page).cleaned_text
    'Talks resume\\n\\nThe talks resumed in Geneva on Monday, officials said.'
    """
    from dedupe.extraction import extract_html  # trafilatura and bs4 load only for HTML

    page = extract_html(html, url=url, settings=settings)
    found = dict(page.metadata())
    found["extractor"] = page.extractor
    found.update(metadata or {})
    return _clean(page.text, path, ArticleKind.HTML, found, settings)


def clean_document(document: Document, *, settings: Settings = DEFAULT_SETTINGS) -> Article:
    """Clean a file read by :func:`dedupe.reading.read_document`; its
    sidecar metadata overrides what the page itself says."""
    if document.kind == ArticleKind.HTML:
        return clean_html(document.text, document.path, settings=settings, metadata=document.metadata)
    return clean_text(document.text, document.path, settings=settings, metadata=document.metadata)


def clean(content: str, path: str = "<string>", *, kind: str | None = None, url: str | None = None,
          settings: Settings = DEFAULT_SETTINGS) -> Article:
    """Clean one article given as a string, plain text or HTML.

    ``kind`` is ``"text"`` or ``"html"``; left out, it is sniffed from the
    content. This is the call a scraping pipeline makes per page.

    >>> clean("Leave a Reply\\nOfficials met in Geneva on Monday.").cleaned_text
    'Officials met in Geneva on Monday.'
    """
    if kind is None:
        kind = ArticleKind.HTML if looks_like_html(content) else ArticleKind.TEXT
    if kind not in (ArticleKind.TEXT, ArticleKind.HTML):
        raise ValueError(f"kind must be 'text' or 'html', not {kind!r}")
    if kind == ArticleKind.HTML:
        return clean_html(content, path, url=url, settings=settings)
    return clean_text(content, path, settings=settings)


# ---------------------------------------------------------------------------
# The passes
# ---------------------------------------------------------------------------


@dataclass
class _Line:
    span: Span        # the stripped line, or what inline cuts left of it
    core: str         # the text the line rules see: stripped of bullets
    paragraph: int    # lines with no blank line between them share a number
    joins_previous: bool = False  # continues the line before it, nothing cut between
    wrapped: bool = False  # one line of a hard-wrapped paragraph: no line rules apply
    reason: DebrisReason | None = None


def _clean(text: str, path: str, kind: ArticleKind, metadata: dict[str, Any], settings: Settings) -> Article:
    debris: list[Debris] = []
    lines: list[_Line] = []
    for line_span, paragraph in _lines(text):
        pieces = _cut_inline(text, line_span, debris)
        for number, piece in enumerate(pieces):
            joins = (number == 0 and piece.start == line_span.start and bool(lines)
                     and lines[-1].paragraph == paragraph and text[lines[-1].span.end : piece.start].strip() == "")
            lines.append(_Line(piece, _core(piece.of(text)), paragraph, joins))
    if _hard_wrapped(lines, settings):
        _mark_wrapped(lines)
    prose = [index for index, line in enumerate(lines) if _is_prose(line.core, settings)]
    first_prose, last_prose = (prose[0], prose[-1]) if prose else (len(lines), -1)
    for index, line in enumerate(lines):
        if not line.wrapped:
            line.reason = _match_line(line, index < first_prose or index > last_prose)
    _apply_context(lines, settings)
    body: list[Span] = []
    for line in lines:
        if line.reason is not None:
            debris.append(Debris(line.span, line.reason, line.span.of(text)))
        elif line.wrapped and line.joins_previous and body and body[-1].end <= line.span.start:
            body[-1] = body[-1].union(line.span)
        else:
            body.append(line.span)
    debris.sort(key=lambda item: (item.span.start, item.span.end))
    if not body:
        raise CleaningError(f"nothing left after cleaning: all {len(debris)} pieces are debris")
    metadata.update(_kept_metadata(debris))
    if not metadata.get("language"):
        language = guess_language(" ".join(span.of(text) for span in body), settings)
        if language:
            metadata["language"] = language
    title = metadata.get("title") or _headline(text, body)
    return Article(path, text, tuple(body), tuple(debris), kind, title, MappingProxyType(metadata))


_LINE_END = re.compile(r"\r\n|[\n\r]|$")


def _lines(text: str) -> Iterable[tuple[Span, int]]:
    """Non-blank lines, stripped, each with the number of its paragraph
    (a blank line starts a new one). A line ends at ``\\n``, ``\\r\\n`` or a
    lone ``\\r`` (old Mac exports): with ``\\r`` alone the whole file was one
    line, and no line rule applied."""
    start, paragraph = 0, 0
    for match in _LINE_END.finditer(text):
        span = strip_span(text, start, match.start())
        if span is not None:
            yield span, paragraph
        else:
            paragraph += 1
        start = match.end()


def _hard_wrapped(lines: list[_Line], settings: Settings) -> bool:
    """Whether the text is hard-wrapped: most lines that run on into the
    next line of their paragraph stop mid-sentence. Scraped dumps put a
    paragraph on each line and end lines with sentences; texts wrapped at a
    fixed width (mail, plain-text archives, corpora) do not. The thresholds
    are ``settings.min_wrapped_breaks``, ``wrapped_line_width_share`` and
    ``wrapped_soft_share``."""
    breaks = [line for line, after in zip(lines, lines[1:]) if after.joins_previous]
    if len(breaks) < settings.min_wrapped_breaks:
        return False
    lengths = sorted(len(line.core) for line in lines)
    width = lengths[int(0.9 * (len(lengths) - 1))]
    # A wrapped line stops mid-sentence close to the wrap width; short lines
    # without a full stop (labels, credits) are not evidence of wrapping.
    soft = sum(1 for line in breaks
               if not _ends_clause(line.core) and len(line.core) >= settings.wrapped_line_width_share * width)
    return soft >= settings.wrapped_soft_share * len(breaks)


def _mark_wrapped(lines: list[_Line]) -> None:
    """In hard-wrapped text a line is only a piece of a paragraph: whole-line
    rules apply to paragraphs of one line, where debris stands on its own."""
    sizes: dict[int, int] = {}
    for line in lines:
        sizes[line.paragraph] = sizes.get(line.paragraph, 0) + 1
    for line in lines:
        line.wrapped = sizes[line.paragraph] > 1


def _cut_inline(text: str, line: Span, debris: list[Debris]) -> list[Span]:
    """Cut inline markers out of one line; return what is left of it.

    A rule's match that overlaps a cut of an earlier rule is left alone; the
    overlap is found by bisection (checked against every earlier cut, a line
    of thousands of markers was quadratic)."""
    cuts: list[tuple[int, int, DebrisReason]] = []  # sorted, never overlapping
    segment = line.of(text)
    for reason, find in _INLINE_RULES:
        found = [(line.start + start, line.start + end, reason) for start, end in find(segment)]
        if cuts and found:
            starts = [start for start, _, _ in cuts]
            found = [cut for cut in found if not _overlaps(cuts, starts, cut[0], cut[1])]
        cuts = sorted(cuts + found) if cuts else found  # a rule's matches come in order
    pieces: list[Span] = []
    position = line.start
    for start, end, reason in cuts:
        debris.append(Debris(Span(start, end), reason, text[start:end]))
        piece = strip_span(text, position, start)
        if piece is not None:
            pieces.append(piece)
        position = end
    piece = strip_span(text, position, line.end)
    if piece is not None:
        pieces.append(piece)
    return pieces


def _overlaps(cuts: list[tuple[int, int, DebrisReason]], starts: list[int], start: int, end: int) -> bool:
    """Whether ``[start, end)`` overlaps one of ``cuts`` (sorted, never overlapping,
    their starts in ``starts``). Only the last cut starting before ``end`` can:
    any earlier one ends before that one starts."""
    before = bisect.bisect_left(starts, end) - 1
    return before >= 0 and cuts[before][1] > start


def _core(line: str) -> str:
    core = line.lstrip(_BULLETS + " \t\u00a0")
    return " ".join(core.split())


def _ends_clause(line: str) -> bool:
    """A line that ends a sentence, or a clause that leads into the next line."""
    return ends_sentence(line) or line.rstrip(CLOSERS).endswith((":", ";"))


def _is_prose(line: str, settings: Settings) -> bool:
    """A line of running text: a sentence, or long enough to be a paragraph
    (``settings.prose_min_words``). Section labels and site furniture sit
    above the first and below the last."""
    return _ends_clause(line) or len(line.split()) >= settings.prose_min_words


def _match_line(line: _Line, near_edge: bool) -> DebrisReason | None:
    core = line.core
    if not core:
        return DebrisReason.NAVIGATION
    words = len(core.split())
    has_quotes = any(mark in core for mark in _QUOTES)
    for rule in _LINE_RULES:
        if words > rule.max_words or (rule.edge_only and not near_edge) or (rule.no_quotes and has_quotes):
            continue
        if rule.pattern.fullmatch(core):
            return rule.reason
    return None


def _apply_context(lines: list[_Line], settings: Settings) -> None:
    """Rules that depend on a line's neighbours or place in the article."""
    for index, line in enumerate(lines):
        if line.reason is not None or line.wrapped:
            continue
        above = lines[index - 1].reason if index else None
        if (above == "byline" and _LABELLED_LINE.fullmatch(line.core)
                and len(line.core.split()) <= settings.byline_label_max_words):
            line.reason = DebrisReason.BYLINE
        elif above == "comment-form" and len(line.core.split()) <= 6 and not _ends_clause(line.core):
            line.reason = DebrisReason.COMMENT_FORM
    _mark_tail_bios(lines, settings)
    _mark_leading_labels(lines)


def _mark_tail_bios(lines: list[_Line], settings: Settings) -> None:
    """A short first- or third-person bio among the last lines, below the story."""
    kept = [line for line in lines if line.reason is None]
    for line in lines[-settings.edge_lines:]:
        if (line.reason is not None or line.wrapped or any(mark in line.core for mark in _QUOTES) or line is kept[0]
                or len(line.core.split()) > settings.max_bio_words):
            continue
        first_person = _FIRST_PERSON.search(line.core) and len(_BIO_TERMS.findall(line.core)) >= 2
        if first_person or _THIRD_PERSON_BIO.fullmatch(line.core):
            line.reason = DebrisReason.AUTHOR_BIO


def _mark_leading_labels(lines: list[_Line]) -> None:
    """A one- or two-word line above the headline with nothing after it on
    the line is a section label only if a rule said so; here we catch the
    common case of a label followed by a blank-line-separated headline, which
    the section list may not know ("Ukraine crisis")."""
    kept = [line for line in lines if line.reason is None]
    if len(kept) < 3:
        return
    first, second = kept[0], kept[1]
    if (
        first is lines[0]
        and len(first.core.split()) <= 2
        and not _ends_clause(first.core)
        and first.core.istitle()
        and _looks_like_headline(second.core)
        and len(second.core.split()) > len(first.core.split()) + 3
        and first.core.lower() not in second.core.lower()
    ):
        first.reason = DebrisReason.SECTION_LABEL


def _looks_like_headline(line: str) -> bool:
    words = line.split()
    return 3 <= len(words) <= 25 and not _ends_clause(line) and line[:1].isupper()


def _headline(text: str, body: list[Span]) -> str | None:
    first = body[0].of(text)
    return first if _looks_like_headline(first) and len(body) > 1 else None


def _kept_metadata(debris: Iterable[Debris]) -> dict[str, list[str]]:
    kept: dict[str, list[str]] = {}
    for item in debris:
        key = KEPT_AS.get(item.reason)
        if key is not None:
            kept.setdefault(key, []).append(_core(item.text))
    return kept


def with_more_debris(article: Article, spans: Iterable[tuple[Span, DebrisReason]]) -> Article:
    """The article with whole body blocks moved to its debris, for passes that
    learn debris beyond one article (see :mod:`dedupe.boilerplate`)."""
    removed = dict(spans)
    if not removed:
        return article
    body = tuple(span for span in article.body if span not in removed)
    if not body:
        raise CleaningError(f"nothing left after cleaning: all {len(article.body) + len(article.debris)} pieces are debris")
    debris = sorted(
        [*article.debris, *(Debris(span, reason, span.of(article.text)) for span, reason in removed.items())],
        key=lambda item: item.span,
    )
    return replace(article, body=body, debris=tuple(debris))
