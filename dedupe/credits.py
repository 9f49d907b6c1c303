"""Credits: which publishers an article says its material came from.

Part of the provenance stage. When an article reuses a Reuters story, the
report should say whether the reuse is *credited*: whether the article names
Reuters as where the material came from. This module finds every place an
article names a known publisher (a built-in table of major outlets and wires,
plus any the caller adds) and classifies the wording around the name.

What counts as credit is wording that names the outlet as a *source of the
material*:

* attribution in running text: ``told Reuters``, ``in an interview with the
  Economist``, ``according to the New York Times``, ``Reuters reported``,
  ``a Bloomberg report``, ``citing Reuters``;
* wire furniture: datelines ``KYIV, Ukraine (AP) —``, a bare ``(Reuters)``;
* lines a site puts around copied material: ``Source: Skai``, ``Via:
  Reuters``, ``This article originally appeared in The Conversation``,
  ``Associated Press writer X contributed``, ``By Jane Doe, Reuters``,
  ``© 2024 Reuters``.

Three more forms are reported but are **not** credit (see :data:`CREDIT_FORMS`):

``mention``
    Any other occurrence of a publisher's name. A story *about* the BBC
    names the BBC without crediting it.
``photo-credit``
    ``Photo: Reuters``, ``(AP Photo/Evan Vucci)``: the agency is credited
    for a picture, which says nothing about where the words came from.
``house-style``
    The Reuters sign-off ``(Reporting by X; Editing by Y)``. It is strong
    evidence of Reuters copy, but it does not *name* Reuters: a reader of a
    copy carrying only this line is not told where the story came from, so
    the reuse is uncredited. It is reported so a caller can use it as
    evidence of origin.

An interview counts as credit (form ``interview``): a quote taken from an
interview an outlet conducted and published is that outlet's material, and
naming the outlet is exactly the attribution a reuse check looks for.

>>> text = "Kyiv asked for more air defence, two officials told Reuters."
>>> [(c.publisher, c.form, c.text) for c in find_credits(text)]
[('Reuters', 'told', 'told Reuters')]
"""

from __future__ import annotations

import functools
import importlib
import re
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from types import MappingProxyType
from typing import Any, NamedTuple

from dedupe.hosts import hostname
from dedupe.model import Article, Span
from dedupe.settings import DEFAULT_SETTINGS, Settings


class Outlet(NamedTuple):
    """One publisher: its canonical name and the ways text refers to it.

    ``aliases`` match case-insensitively; ``cased`` aliases only as written
    (acronyms and common words: "AP", "TIME", "the Guardian"); ``domains``
    are matched as host names and also as text. The canonical name itself
    matches only as written.
    """

    name: str
    aliases: tuple[str, ...] = ()
    cased: tuple[str, ...] = ()
    domains: tuple[str, ...] = ()


# ---------------------------------------------------------------------------
# The built-in publishers. Ambiguous short names are left out on purpose:
# "ABC" (US or Australian), "The Times" (London or New York), "The Hill".
# ---------------------------------------------------------------------------
PUBLISHERS: tuple[Outlet, ...] = (
    # Wires and agencies
    Outlet("Reuters", ("Reuters", "Thomson Reuters"), (), ("reuters.com",)),
    Outlet("Associated Press", ("Associated Press", "The Associated Press"), ("AP",), ("apnews.com", "ap.org")),
    Outlet("Agence France-Presse", ("Agence France-Presse", "Agence France Presse"), ("AFP",), ("afp.com",)),
    Outlet("Bloomberg", ("Bloomberg", "Bloomberg News"), (), ("bloomberg.com",)),
    Outlet("dpa", ("Deutsche Presse-Agentur", "Deutsche Presse Agentur"), ("dpa", "DPA"), ("dpa.com",)),
    Outlet("EFE", ("Agencia EFE",), ("EFE",), ("efe.com",)),
    Outlet("ANSA", (), ("ANSA",), ("ansa.it",)),
    Outlet("Kyodo", ("Kyodo", "Kyodo News"), (), ("kyodonews.net",)),
    Outlet("Xinhua", ("Xinhua", "Xinhua News Agency"), (), ("xinhuanet.com", "news.cn")),
    Outlet("TASS", ("ITAR-TASS",), ("TASS", "Tass"), ("tass.com", "tass.ru")),
    Outlet("RIA Novosti", ("RIA Novosti",), ("RIA",), ("ria.ru",)),
    Outlet("Interfax", ("Interfax", "Interfax-Ukraine"), (), ("interfax.ru", "interfax.com", "interfax.com.ua")),
    Outlet("Ukrinform", ("Ukrinform",), (), ("ukrinform.net", "ukrinform.ua")),
    Outlet("Anadolu Agency", ("Anadolu Agency", "Anadolu"), (), ("aa.com.tr",)),
    Outlet("Yonhap", ("Yonhap", "Yonhap News Agency"), (), ("yna.co.kr",)),
    # US
    Outlet("The Washington Post", ("The Washington Post", "Washington Post", "WaPo"), (), ("washingtonpost.com",)),
    Outlet("The New York Times", ("The New York Times", "New York Times", "N.Y. Times"), ("NYT",), ("nytimes.com",)),
    Outlet("The Wall Street Journal", ("The Wall Street Journal", "Wall Street Journal"), ("WSJ",), ("wsj.com",)),
    Outlet("TIME", ("Time magazine",), ("TIME",), ("time.com",)),
    Outlet("CNN", (), ("CNN",), ("cnn.com",)),
    Outlet("CNBC", (), ("CNBC",), ("cnbc.com",)),
    Outlet("NPR", ("National Public Radio",), ("NPR",), ("npr.org",)),
    Outlet("CBS News", ("CBS News",), ("CBS",), ("cbsnews.com",)),
    Outlet("NBC News", ("NBC News",), ("NBC",), ("nbcnews.com",)),
    Outlet("ABC News", ("ABC News",), (), ("abcnews.go.com",)),
    Outlet("Fox News", ("Fox News", "Fox News Channel", "Fox News Digital"), (), ("foxnews.com",)),
    Outlet("Politico", ("Politico", "Politico Europe"), (), ("politico.com", "politico.eu")),
    Outlet("Axios", ("Axios",), (), ("axios.com",)),
    Outlet("Newsweek", ("Newsweek",), (), ("newsweek.com",)),
    Outlet("USA Today", ("USA Today",), (), ("usatoday.com",)),
    Outlet("Los Angeles Times", ("Los Angeles Times", "LA Times", "L.A. Times"), (), ("latimes.com",)),
    Outlet("Radio Free Europe/Radio Liberty", ("Radio Free Europe/Radio Liberty", "Radio Free Europe", "Radio Liberty"),
           ("RFE/RL",), ("rferl.org",)),
    # UK
    Outlet("BBC", ("BBC News", "British Broadcasting Corporation", "BBC World Service"), ("BBC",),
           ("bbc.co.uk", "bbc.com")),
    Outlet("The Guardian", (), ("The Guardian", "the Guardian", "Guardian newspaper"),
           ("theguardian.com", "guardian.co.uk")),
    Outlet("Financial Times", ("Financial Times", "The Financial Times"), ("FT",), ("ft.com",)),
    Outlet("The Economist", (), ("The Economist", "the Economist", "Economist magazine"), ("economist.com",)),
    Outlet("The Telegraph", ("Daily Telegraph",), ("The Telegraph", "the Telegraph"), ("telegraph.co.uk",)),
    Outlet("Sky News", ("Sky News",), (), ("news.sky.com",)),
    Outlet("Daily Mail", ("Daily Mail", "MailOnline", "Mail Online"), (), ("dailymail.co.uk",)),
    Outlet("The Conversation", (), ("The Conversation",), ("theconversation.com",)),
    # Europe and elsewhere
    Outlet("Al Jazeera", ("Al Jazeera", "Al-Jazeera", "Aljazeera"), (), ("aljazeera.com", "aljazeera.net")),
    Outlet("Deutsche Welle", ("Deutsche Welle",), ("DW",), ("dw.com",)),
    Outlet("Der Spiegel", ("Der Spiegel", "Spiegel", "Spiegel Online"), (), ("spiegel.de",)),
    Outlet("Le Monde", ("Le Monde",), (), ("lemonde.fr",)),
    Outlet("El País", ("El País", "El Pais"), (), ("elpais.com",)),
    Outlet("France 24", ("France 24", "France24"), (), ("france24.com",)),
    Outlet("Euronews", ("Euronews",), (), ("euronews.com",)),
    Outlet("Kyiv Independent", ("Kyiv Independent", "The Kyiv Independent"), (), ("kyivindependent.com",)),
    Outlet("Kyiv Post", ("Kyiv Post",), (), ("kyivpost.com",)),
    Outlet("Ukrainska Pravda", ("Ukrainska Pravda", "Ukrainian Pravda"), (), ("pravda.com.ua",)),
    Outlet("Meduza", ("Meduza",), (), ("meduza.io",)),
    Outlet("Skai", ("Skai", "Skai TV"), (), ("skai.gr",)),
    Outlet("ERT", ("Hellenic Broadcasting Corporation",), ("ERT",), ("ert.gr",)),
    Outlet("Kathimerini", ("Kathimerini", "eKathimerini"), (), ("kathimerini.gr", "ekathimerini.com")),
    Outlet("NRK", ("Norwegian Broadcasting Corporation",), ("NRK",), ("nrk.no",)),
    Outlet("VG", ("Verdens Gang",), ("VG",), ("vg.no",)),
    Outlet("Aftenposten", ("Aftenposten",), (), ("aftenposten.no",)),
)

#: Names that contain a publisher's name but are something else (a research
#: institute, a poll, a person). Matched case-insensitively and skipped.
NOT_PUBLISHERS: tuple[str, ...] = (
    "Reuters Institute", "Thomson Reuters Foundation", "Reuters/Ipsos", "AP-NORC", "AP exam", "AP Stylebook",
    "Michael Bloomberg", "Mike Bloomberg", "Bloomberg Philanthropies", "Le Monde diplomatique",
)

#: Every form a credit can take, with what it means.
FORMS: Mapping[str, str] = MappingProxyType(
    {
        "told": "someone told or spoke to the outlet (told Reuters)",
        "interview": "a quote from an interview the outlet published (in an interview with the Economist)",
        "according-to": "according to the outlet or its report",
        "reported": "the outlet reported it, or a report by the outlet (Reuters reported, a Bloomberg report)",
        "citing": "citing the outlet, or the outlet citing its sources",
        "dateline": "wire dateline at the start of a paragraph (KYIV, Ukraine (AP) —)",
        "parenthetical": "the outlet's name in parentheses, (Reuters)",
        "source-line": "a source or via line, or an originally-appeared-in note",
        "sign-off": "a contributor or agency sign-off naming the outlet",
        "byline-outlet": "a byline naming the outlet (By Jane Doe, Reuters)",
        "copyright": "a copyright notice naming the outlet",
        "photo-credit": "credit for a photo or video, not for the text",
        "house-style": "an outlet's sign-off style without its name ((Reporting by X; Editing by Y) is Reuters')",
        "mention": "the outlet's name with no crediting wording around it",
    }
)

#: The forms that credit an outlet as a source of the article's material.
CREDIT_FORMS: frozenset[str] = frozenset(FORMS) - {"mention", "photo-credit", "house-style"}

#: Debris families searched by :func:`article_credits`, besides the body.
#: Captions and the rest are not: "The BBC’s Jeremy Bowen explains" under a
#: video names the BBC as the maker of the video, not of the story.
SEARCHED_DEBRIS: tuple[str, ...] = ("source-credit", "sign-off", "byline", "copyright", "photo-credit")

# ---------------------------------------------------------------------------
# Form patterns. Each looks at the text just before a publisher's name
# (anchored at its end, \Z) and/or just after it (anchored at its start, \A),
# within one line of one searched span. The first form that matches wins.
# ---------------------------------------------------------------------------
_LEAD = r"(?:the\s+|https?://(?:www\.)?|www\.)?"  # between the wording and the name
_NAME = r"[A-Z][\w.'’-]*(?:\s+(?:de|van|von|da|bin|al|el|[A-Z][\w.'’-]*)){0,3}"
_NAMES = rf"{_NAME}(?:(?:\s*,\s*|\s+and\s+|\s*&\s*){_NAME}){{0,4}}"
# Possessive: what follows bullets never starts with one, and a long run of
# spaces would otherwise be shared with a following \s* in every way.
_BULLETS = r"[ \t•·▪*>|–—-]*+"
_NOUNS = (r"(?:report|reporting|story|article|investigation|analysis|exclusive|review|tally|count|calculation"
          r"|poll|survey|documentary)")
_REPORT_OF = rf"(?:(?:a|an|the)\s+(?:[\w-]+\s+){{0,2}}?{_NOUNS}s?\s+(?:by|in|from|of|on)\s+)"
_MONTH = r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)[a-z]*\.?"
_PLACE = rf"[A-Z][\w.'’/-]*(?:(?:\s+|\s*,\s*)(?:[A-Z][\w.'’/-]*|{_MONTH}|\d{{1,2}}|de|del|la|el|al)){{0,7}}"
_LIST = r"(?:[^\n:]{0,80}?(?:,|;|&|/|\+|\band\b)\s*)?"  # earlier names in "Sources: Reuters, AP"
_ACRONYM = r"(?:\s*\([A-Za-z/.-]{1,12}\))?"  # "Deutsche Welle (DW) reported"
_SENTENCE_END = r"(?<=[.!?…\"”])"


#: A copyright notice is read over at most this many signs ("Copyright",
#: "©", "(c)") before its year and holder: real ones have one or two. A
#: search for a notice ending at a name starts at every sign of a run; with
#: no bound each start read the rest of the run (a context of 300 "©" cost
#: 8 ms a name). A longer run is still a notice, from its last signs.
COPYRIGHT_MAX_SIGNS = 4


class _Form(NamedTuple):
    form: str
    before: re.Pattern[str] | None
    after: re.Pattern[str] | None
    line_start: bool = False  # ``before`` is anchored at the start of the line
    #: Words one of each set of which ``before`` must hold (see :func:`_needed_words`),
    #: each set as the words lowercased and matched regardless of case, then the others.
    needs: tuple[tuple[tuple[str, ...], tuple[str, ...]], ...] = ()


def _form(form: str, before: str | None = None, after: str | None = None, *, line_start: bool = False,
          flags: int = re.IGNORECASE) -> _Form:
    return _Form(
        form,
        re.compile(before + r"\Z", flags) if before is not None else None,
        re.compile(r"\A" + after, flags) if after is not None else None,
        line_start,
        _needed_words(before, flags) if before is not None else (),
    )


def _needed_words(pattern: str, flags: int) -> tuple[tuple[tuple[str, ...], tuple[str, ...]], ...]:
    """Sets of words such that every match of ``pattern`` holds a word of
    each set; each set as the words that match regardless of case
    (lowercased), then those that match as written. No sets when the pattern
    needs no word (or cannot be read).

    A form's ``before`` pattern is searched in every name's context; most
    contexts hold none of the words its wording needs ("told", "according",
    "citing"), and looking for a few words is far cheaper than a search that
    tries the pattern at each of some 300 places. The words are read off the
    parsed pattern, so they cannot drift from it: a run of literal
    characters (or a class of a few) is needed; so is what each element of a
    sequence needs; of alternatives, one of each one's most selective words;
    of a repeat, what its body needs if it must occur.
    """
    try:  # the re module's own parser and its vocabulary
        parser, sre = importlib.import_module("re._parser"), importlib.import_module("re._constants")
    except ImportError:  # pragma: no cover - there since Python 3.11
        return ()
    Words = frozenset[tuple[str, bool]]

    def word(text: str, flags: int) -> tuple[str, bool] | None:
        if not flags & re.IGNORECASE:
            return text, False
        # Regardless of case, only ASCII letters' other forms are known (_ASCII_FOLDS).
        return (text.lower(), True) if all(c.isascii() or c.lower() == c.upper() for c in text) else None

    def needed(items: list[tuple[Any, Any]], flags: int) -> list[Words]:
        sets: list[Words] = []
        run = ""
        for op, value in [*items, (None, None)]:
            if op is sre.LITERAL and isinstance(value, int):
                run += chr(value)
                continue
            if run:
                found = word(run, flags)
                sets += [frozenset({found})] if found else []
                run = ""
            if op is sre.SUBPATTERN:
                _, add, remove, sub = value
                sets += needed(sub.data, (flags | add) & ~remove)
            elif op is sre.ATOMIC_GROUP:
                sets += needed(value.data, flags)
            elif op in (sre.MAX_REPEAT, sre.MIN_REPEAT, sre.POSSESSIVE_REPEAT):
                least, _, sub = value
                sets += needed(sub.data, flags) if least >= 1 else []
            elif op is sre.BRANCH:
                each = [sorted(needed(branch.data, flags), key=selective, reverse=True) for branch in value[1]]
                if all(each):  # a word of each alternative's first set, of their second, ...
                    sets += [frozenset().union(*(found[min(n, len(found) - 1)] for found in each))
                             for n in range(max(map(len, each)))]
            elif op is sre.IN and all(kind is sre.LITERAL for kind, _ in value):
                chars = [word(chr(code), flags) for _, code in value]
                sets += [frozenset(char for char in chars if char)] if all(chars) else []
        return sets

    def selective(words: Words) -> tuple[int, int]:
        return min(len(text) for text, _ in words), -len(words)

    try:
        sets = needed(parser.parse(pattern, flags).data, flags)
    except Exception:  # pragma: no cover - a parser of another shape: no words, look everywhere
        return ()
    distinct = sorted(set(sets), key=selective, reverse=True)
    return tuple((tuple(sorted(text for text, ignore in words if ignore)),
                  tuple(sorted(text for text, ignore in words if not ignore))) for words in distinct)


#: Characters outside ASCII that the re module matches to ASCII letters
#: regardless of case (İ and ı to i, ſ to s, the Kelvin sign to k), made
#: ASCII before a context is lowercased for :func:`_needed_words`' words;
#: ``test_ascii_folds_are_all_there`` checks the list against the re module.
_ASCII_FOLDS = str.maketrans({"\u0130": "i", "\u0131": "i", "\u017f": "s", "\u212a": "k"})


_FORMS: tuple[_Form, ...] = (
    _form("dateline", rf"\A{_BULLETS}(?:{_PLACE}\s*)?\(\s*", r"\s*\)\s*(?:[-–—]{1,2}|:)", line_start=True, flags=0),
    _form("parenthetical", r"\(\s*(?:[^()\n]{0,40}?,\s*)?", r"\s*(?:,[^()\n]{0,40})?\)"),
    _form("photo-credit", r"\b(?:photo|photograph|image|picture|pic|video|footage|illustration|graphic)s?\s*"
          r"(?:(?:by|from|courtesy(?:\s+of)?)\s+|(?:credit|source)s?\s*[:,|/]\s*|[:|/]\s*)"
          rf"(?:[^\n:()]{{0,40}}?\s*/\s*)?{_LEAD}|\bcredits?\s*[:|]\s*{_LEAD}"
          r"|\b(?:getty\s+images|shutterstock|epa(?:-efe)?|pool)\s*(?:/|via)\s*"),
    _form("photo-credit", None, r"(?:\s*(?:Photos?|Pictures?|Images|Video|TV)\b|\s+via\s+Getty"
          r"|\s*/\s*(?:Getty\s+Images|Pool\b|[A-Z][\w'’-]+(?:\s+[A-Z][\w'’-]+){1,3}))", flags=0),
    _form("copyright", rf"(?:(?:\bcopyright\b|©|\(c\))\s*){{1,{COPYRIGHT_MAX_SIGNS}}}+"
          rf"(?:\d{{4}}(?:\s*[-–/]\s*\d{{4}})?\s*(?:,\s*)?)?{_LEAD}"),
    _form("source-line", rf"\A{_BULLETS}\(?\s*(?:sources?|via)\s*(?:[:：]|[-–—]|(?=\S))\s*{_LIST}{_LEAD}",
          line_start=True),
    _form("source-line", rf"(?:{_SENTENCE_END}\s+|[(\[|]\s*)(?:sources?|via)\s*[:：]\s*{_LIST}{_LEAD}"
          rf"|\(\s*via\s+{_LEAD}", r"(?:\s*\))?"),
    _form("source-line", r"\b(?:(?:originally|first)\s+(?:published|appeared|ran|posted)\s+(?:by|on|at|in)"
          r"|(?:appeared|published|ran|posted)\s+(?:first|originally)\s+(?:by|on|at|in)"
          r"|(?:republished|reprinted|reposted|excerpted|adapted)\s+(?:with\s+permission\s+)?(?:from|by)"
          rf"|courtesy\s+of)\s+{_LEAD}"),
    _form("byline-outlet", rf"\A{_BULLETS}(?:By|BY)\s+(?:{_NAMES}\s*(?:[,|/–—-]|\bfor\b|\bof\b)\s*)?{_LEAD}",
          line_start=True, flags=0),
    _form("byline-outlet", rf"\A{_BULLETS}{_NAMES}\s*[|/,]\s*{_LEAD}", r"\s*(?:[,|/–—-][^\n.!?]{0,60})?\Z",
          line_start=True, flags=0),
    _form("interview", r"\binterviews?\s+(?:with|to|given\s+to|granted\s+to"
          rf"|(?:published|aired|broadcast)\s+(?:by|in|on))\s+{_LEAD}"),
    _form("interview", None, r"(?:['’]s?)?\s+(?:[a-z-]+\s+)?interviews?\b"),
    _form("told", r"\b(?:told|tells|tell|telling|(?:speaking|spoke|speaks|talking|talked|said)\s+to"
          rf"|in\s+(?:comments|remarks|a\s+statement|an\s+e-?mail|a\s+call)\s+to)\s+{_LEAD}"),
    _form("according-to", rf"\baccording\s+to\s+{_REPORT_OF}?{_LEAD}"),
    _form("citing", rf"\b(?:citing|cites|cited|quoting|quoted)\s+{_REPORT_OF}?{_LEAD}"
          rf"|\b(?:cited|quoted)\s+by\s+{_LEAD}"),
    _form("reported", r"\b(?:(?:first|originally|previously|earlier|initially|exclusively|as|also)\s+)?"
          rf"(?:reported|revealed|published|broken|disclosed|obtained)\s+(?:first\s+)?(?:by|in|on)\s+{_LEAD}"
          rf"|\b(?:seen|reviewed|obtained|verified|confirmed)\s+by\s+{_LEAD}"),
    _form("reported", rf"\b(?:a|an|the|in|per)\s+(?:[a-z-]+\s+)?{_NOUNS}s?\s+(?:by|in|from|on)\s+{_LEAD}"),
    _form("reported", None, rf"{_ACRONYM}(?:['’]s?)?\s+(?:(?:news\s+agency|agency|newspaper|daily|magazine"
          r"|website|broadcaster|network|channel|outlet"
          r"|first|previously|earlier|also|exclusively|recently|initially|originally"
          r"|has|had|have|was|were|is)\s+){0,3}"
          r"(?:reported|reports|reporting|writes|wrote|revealed|reveals|published|first\s+reported"
          r"|said\s+in\s+a\s+report|has\s+learned|learned|obtained)\b"),
    _form("reported", None, rf"(?:['’]s?)?\s+(?:[a-z-]+\s+)?{_NOUNS}s?\b", flags=0),
    _form("citing", None, rf"{_ACRONYM}(?:['’]s?)?(?:\s*,)?\s+(?:which\s+|who\s+)?(?:was\s+)?citing\b"),
    _form("sign-off", None, r"\s+(?:staff\s+)?(?:writers?|reporters?|correspondents?|journalists?|photographers?"
          r"|staff)\b[^\n]{0,200}?\bcontributed\b|\s+contributed\b"),
    _form("sign-off", rf"(?:\A[-–—]*\s*|(?:{_SENTENCE_END}\s+|\(\s*)(?:[-–—]+\s*)?)(?:with\s+(?:(?:additional\s+)?"
          r"(?:inputs?|reporting|material|contributions?)\s+(?:from|by)\s+)?|(?:additional\s+)?reporting\s+by\s+"
          rf"|inputs?\s+from\s+){_LEAD}", r"(?:\s*\))?"),
    _form("sign-off", rf"\breporting\s+by\s+[^;\n]{{1,80}}?\s+for\s+{_LEAD}"),
    _form("sign-off", rf"\A[ \t]*[-–—]{{1,2}}\s*{_LEAD}", r"\s*(?:[.)]\s*)?\Z", line_start=True),
    _form("sign-off", rf"{_SENTENCE_END}\s*[-–—]{{1,2}}\s*{_LEAD}", r"\s*(?:[.)]\s*)?\Z"),
)

#: A Reuters sign-off is read over at most this many "Reporting by ...;"
#: groups before its "Editing by": real ones have one to four (reporting,
#: additional reporting, writing). The bound keeps the search linear: with
#: an unbounded run of groups, the search tried again from every group of a
#: long run that never reaches "Editing by" (8,000 groups, 208 KB: 24 s).
#: A longer sign-off is still found, from its last groups.
HOUSE_STYLE_MAX_GROUPS = 8

#: Sign-off styles that point to an outlet without naming it (see the module
#: docstring): reported as ``house-style``, not as credit. The end of the
#: line is looked for past spaces only, not past line breaks too (the blank
#: lines after a sign-off were read again at every character of the
#: editors' names); the credit's span leaves whitespace out either way.
HOUSE_STYLES: Mapping[str, re.Pattern[str]] = MappingProxyType(
    {
        "Reuters": re.compile(
            r"\(?(?:(?:additional\s+)?(?:reporting|writing|compiled)\s+by\s+[^;()\n]{2,200}?;\s*)"
            rf"{{1,{HOUSE_STYLE_MAX_GROUPS}}}"
            r"editing\s+by\s+[^()\n]{2,160}?(?:\)|\.?[^\S\n]*+$)",
            re.IGNORECASE | re.MULTILINE,
        ),
    }
)

_ARTICLE = re.compile(r"\b(?:the|The|THE|an?|An?)\s+\Z")  # taken into a credit that starts at the name


# ---------------------------------------------------------------------------
# Public API
# ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Credit:
    """One place an article names a publisher, and how."""

    publisher: str  # canonical name
    span: Span      # where the credit is, in the searched text
    form: str       # a key of FORMS
    text: str       # the text of ``span``

    @property
    def is_credit(self) -> bool:
        """Whether the form credits the publisher (is in :data:`CREDIT_FORMS`)."""
        return self.form in CREDIT_FORMS


def canonical_publisher(name: str, extra: Mapping[str, Iterable[str]] | None = None) -> str | None:
    """The canonical name of the publisher ``name`` refers to, or None.

    ``name`` may be an alias, a domain or a URL. ``extra`` adds publishers
    (canonical name → aliases, domains or URLs) and is looked up first.

    >>> canonical_publisher("https://www.reuters.com/world/europe/story-2024-11-20/")
    'Reuters'
    >>> canonical_publisher("NYT"), canonical_publisher("edition.cnn.com")
    ('The New York Times', 'CNN')
    >>> canonical_publisher("time") is None, canonical_publisher("Time magazine")
    (True, 'TIME')
    >>> canonical_publisher("kathimerini.gr"), canonical_publisher("Example Daily", {"Example Daily": ["ed.example"]})
    ('Kathimerini', 'Example Daily')
    """
    key = " ".join(name.split())
    return _index(_extra_key(extra)).lookup(key) if key else None


def find_credits(
    text: str,
    spans: Iterable[Span] | None = None,
    publishers: Mapping[str, Iterable[str]] | None = None,
    *,
    settings: Settings = DEFAULT_SETTINGS,
) -> list[Credit]:
    """Every place ``text`` names a known publisher, with the form of the naming.

    Only ``spans`` are searched when given (an article's body and the debris
    that can hold credits); offsets are always into ``text``. ``publishers``
    adds publishers to the built-in table (canonical name → aliases). Results
    are in text order. Callers decide what counts: :data:`CREDIT_FORMS` leaves
    out ``mention``, ``photo-credit`` and ``house-style``. How far around a
    name its context is read is ``settings.credit_context_chars``; how many
    names are classified at most, ``settings.credit_names_classified``.

    >>> text = "LONDON, May 29 (Reuters) - Talks resumed, according to the New York Times."
    >>> for credit in find_credits(text):
    ...     print(credit.publisher, credit.form, credit.span, repr(credit.text))
    Reuters dateline Span(start=0, end=26) 'LONDON, May 29 (Reuters) -'
    The New York Times according-to Span(start=42, end=73) 'according to the New York Times'
    >>> [c.form for c in find_credits("The BBC said it would appeal.")]
    ['mention']
    """
    index = _index(_extra_key(publishers))
    merged = _merged(spans, len(text))
    names = [(span, match) for span in merged for match in index.pattern.finditer(text, span.start, span.end)]
    credits = list(_credits_in(text, names, index, settings))
    for span in merged:
        credits.extend(_house_styles(text, span))
    # Found nearly in order: without duplicates, kept in that order, the sort has little to do.
    return sorted(dict.fromkeys(credits), key=lambda c: (c.span.start, c.span.end, c.publisher, c.form))


def article_credits(article: Article, publishers: Mapping[str, Iterable[str]] | None = None, *,
                    settings: Settings = DEFAULT_SETTINGS) -> list[Credit]:
    """:func:`find_credits` over an article's body and its credit-bearing debris
    (:data:`SEARCHED_DEBRIS`). A credit inside a line the cleaner removed as a
    photo credit is reported as ``photo-credit`` whatever its wording: a lone
    ``(Reuters)`` under a picture credits the picture.

    >>> from dedupe.cleaning import clean_text
    >>> article = clean_text("Kyiv asked for air defence, Reuters reported.\\nSource: Skai\\n")
    >>> [(c.publisher, c.form) for c in article_credits(article)]
    [('Reuters', 'reported'), ('Skai', 'source-line')]
    """
    debris = [item for item in article.debris if item.reason in SEARCHED_DEBRIS]
    photos = [item.span for item in debris if item.reason == "photo-credit"]
    credits = find_credits(article.text, [*article.body, *(item.span for item in debris)], publishers,
                           settings=settings)
    return [
        replace(credit, form="photo-credit")
        if credit.is_credit and any(_inside(credit.span, photo) for photo in photos) else credit
        for credit in credits
    ]


def credited_publishers(
    article: Article,
    publishers: Mapping[str, Iterable[str]] | None = None,
    forms: Collection[str] = CREDIT_FORMS,
    *,
    settings: Settings = DEFAULT_SETTINGS,
) -> set[str]:
    """Canonical names of the publishers ``article`` credits (by a form in ``forms``).

    The article's own site (``metadata["sitename"]``) is not a credit: it is
    who published the page. A site naming itself ("told Reuters" on
    reuters.com) is returned like any other credit; callers comparing two
    articles subtract the site when they need to.

    >>> from dedupe.cleaning import clean_text
    >>> credited_publishers(clean_text("The BBC said it would appeal, according to AFP."))
    {'Agence France-Presse'}
    """
    return {credit.publisher for credit in article_credits(article, publishers, settings=settings)
            if credit.form in forms}


def source_publisher(source: Article, given: str | None = None) -> str | None:
    """The publisher of a source: as given, else from its sidecar, the page's
    site name, URL or host, canonicalised through the table of known outlets.

    >>> from dedupe.cleaning import clean_text
    >>> source_publisher(clean_text("Rain fell.", metadata={"url": "https://www.reuters.com/x"}))
    'Reuters'
    """
    given = given or source.metadata.get("publisher")
    if given:
        return canonical_publisher(given) or given
    for key in ("sitename", "url", "hostname"):
        value = source.metadata.get(key)
        if value:
            return canonical_publisher(value) or (value if key == "sitename" else None)
    return None


# ---------------------------------------------------------------------------
# Publisher index: one alternation of every alias, compiled once per table
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _Index:
    pattern: re.Pattern[str]
    cased: Mapping[str, str]    # exact alias → publisher ("" for NOT_PUBLISHERS)
    folded: Mapping[str, str]   # casefolded alias → publisher
    domains: Mapping[str, str]  # host → publisher
    weak: frozenset[str]        # aliases too short to count as a mention on their own

    def publisher(self, alias: str) -> str | None:
        """The publisher a matched alias names; None for names in NOT_PUBLISHERS."""
        alias = " ".join(alias.split())
        found = self.cased.get(alias) or self.folded.get(alias.casefold())
        return found or None

    def lookup(self, name: str) -> str | None:
        found = self.publisher(name)
        if found is None and name[:4].casefold() == "the ":
            found = self.publisher(name[4:])
        if found is None and " " not in name:
            found = self._host(name)
        return found

    def _host(self, name: str) -> str | None:
        host = hostname(name)
        if host is None:
            return None
        labels = host.split(".")
        for start in range(len(labels) - 1):
            found = self.domains.get(".".join(labels[start:]))
            if found:
                return found
        return None


_ExtraKey = tuple[tuple[str, tuple[str, ...]], ...]


def _extra_key(extra: Mapping[str, Iterable[str]] | None) -> _ExtraKey:
    """A hashable form of user publishers, so their index can be cached."""
    if not extra:
        return ()
    return tuple(sorted((name, (aliases,) if isinstance(aliases, str) else tuple(aliases))
                        for name, aliases in extra.items()))


@functools.lru_cache(maxsize=32)
def _index(extra: _ExtraKey) -> _Index:
    outlets = [*(_user_outlet(name, aliases) for name, aliases in extra), *PUBLISHERS]
    cased: dict[str, str] = {}
    folded: dict[str, str] = {}
    domains: dict[str, str] = {}
    for outlet in reversed(outlets):  # earlier entries (the user's) win
        domains.update((domain.casefold(), outlet.name) for domain in outlet.domains)
        folded.update((alias.casefold(), outlet.name) for alias in (*outlet.aliases, *outlet.domains))
        cased.update((alias, outlet.name) for alias in outlet.cased)
        cased[outlet.name] = outlet.name
    for name in NOT_PUBLISHERS:
        folded[name.casefold()] = ""
    alternatives = [(alias, False) for alias in folded] + [(alias, True) for alias in cased]
    alternatives.sort(key=lambda item: -len(item[0]))
    # Only where a name can start are aliases tried: first the characters
    # they start with (a run of spaces or punctuation passed at every
    # character otherwise), then only the aliases that start with the one
    # there. Grouped by first letter, the aliases keep their order; the
    # groups exclude each other as long as all start with ASCII (regardless
    # of case, the re module matches an ASCII letter to its two forms and to
    # a few letters outside ASCII that no other letter matches: İ and ı to i,
    # ſ to s, the Kelvin sign to k).
    if all(alias[0].isascii() for alias, _ in alternatives):
        groups: dict[str, list[tuple[str, bool]]] = {}
        for alias, exact in alternatives:
            groups.setdefault(alias[0].lower(), []).append((alias, exact))
        body = "|".join(f"(?={_first_characters(members)})(?:{'|'.join(_alias_regex(*item) for item in members)})"
                        for members in groups.values())
    else:
        body = "|".join(_alias_regex(alias, exact) for alias, exact in alternatives)
    # A name ends at a non-word character, or where a lowercase letter runs
    # into an uppercase one: machine-translated copy glues names to the next
    # word ("According to the Washington PostKiev expressed ...").
    pattern = re.compile(rf"(?<!\w)(?={_first_characters(alternatives)})(?:{body})(?:(?!\w)|(?<=[a-z])(?=[A-Z]))")
    weak = frozenset(alias for outlet in outlets for alias in outlet.cased if len(alias) <= 2)
    return _Index(pattern, MappingProxyType(cased), MappingProxyType(folded), MappingProxyType(domains), weak)


def _user_outlet(name: str, aliases: Iterable[str]) -> Outlet:
    """An :class:`Outlet` from a user's name → aliases. Short all-capital
    aliases ("AP", "TIME") match as written, others in any case; domains and
    URLs are domains."""
    plain: list[str] = []
    cased: list[str] = []
    domains: list[str] = []
    for alias in (name, *aliases):
        alias = " ".join(alias.split())
        host = hostname(alias)
        if host is not None:
            domains.append(host)
            if "/" not in alias:
                plain.append(alias)
        elif alias.isupper() and alias.isalpha() and len(alias) <= 5:
            cased.append(alias)
        elif alias:
            plain.append(alias)
    return Outlet(name, tuple(plain), tuple(cased), tuple(domains))


def _first_characters(alternatives: Iterable[tuple[str, bool]]) -> str:
    """A class of the characters the aliases start with (in any case for
    those matched regardless of case), as a regex."""
    folded = "".join(sorted({re.escape(alias[0]) for alias, exact in alternatives if not exact}))
    cased = "".join(sorted({re.escape(alias[0]) for alias, exact in alternatives if exact}))
    return "|".join(([f"(?i:[{folded}])"] if folded else []) + ([f"[{cased}]"] if cased else []))


def _alias_regex(alias: str, exact: bool) -> str:
    escaped = r"\s+".join(re.escape(word) for word in alias.split())
    return escaped if exact else f"(?i:{escaped})"


# ---------------------------------------------------------------------------
# Finding and classifying names
# ---------------------------------------------------------------------------


def _merged(spans: Iterable[Span] | None, length: int) -> list[Span]:
    """The spans to search, sorted, overlapping ones joined."""
    if spans is None:
        return [Span(0, length)]
    merged: list[Span] = []
    for span in sorted(spans):
        if merged and span.start <= merged[-1].end:
            merged[-1] = merged[-1].union(span)
        else:
            merged.append(span)
    return merged


def _credits_in(text: str, names: Sequence[tuple[Span, re.Match[str]]], index: _Index,
                settings: Settings) -> Iterator[Credit]:
    """The credit of each name found (in ``names``, each with the span it was found in).

    Only the first and last ``settings.credit_names_classified // 2`` names
    are classified by their context; the names between them are mentions.
    """
    contexts: dict[tuple[str, str, bool], _Found] = {}  # see _classify
    window, keep = settings.credit_context_chars, settings.credit_names_classified // 2
    previous: tuple[str, int] | None = None  # the last name found in the same span: publisher, end
    publishers: dict[str, str | None] = {}  # a name as written → its publisher
    last_span: Span | None = None
    for number, (span, match) in enumerate(names):
        if span is not last_span:
            previous, last_span = None, span
        name = match.group()
        publisher = publishers[name] if name in publishers else publishers.setdefault(name, index.publisher(name))
        if publisher is None:
            continue
        if keep <= number < len(names) - keep:
            credit = _mention(text, match.start(), match.end(), publisher)
        else:
            credit = _classify(text, span, match.start(), match.end(), publisher, window, contexts)
        if credit.form == "parenthetical" and previous is not None and previous[0] == publisher \
                and not text[previous[1] : credit.span.start].strip():
            # "Deutsche Welle (DW)": an acronym spelled out, not a credit.
            credit = _mention(text, match.start(), match.end(), publisher)
        previous = (publisher, match.end())
        if credit.form == "mention" and name in index.weak:
            continue  # "an AP exam": two capitals are not enough on their own
        yield credit


#: What :func:`_form_around` found: the form, where its wording starts before
#: the name (None: at the name) and where it ends after it; None for a mention.
_Found = tuple[str, int | None, int] | None

#: Contexts whose forms are remembered within one search, at most: text
#: that names outlets by the thousand (a list, a spam page) repeats the same
#: few contexts, and a name in a remembered one costs no search at all.
_CONTEXTS_KEPT = 4096


def _classify(text: str, span: Span, start: int, end: int, publisher: str, window: int,
              contexts: dict[tuple[str, str, bool], _Found]) -> Credit:
    """The credit for the name at ``[start, end)``: the first form whose
    context (``window`` characters either side, within the line) matches,
    else a mention. ``contexts`` remembers the forms of contexts seen."""
    # The line's start and end are looked for only within the window (and
    # one character more, to tell a line starting right at its edge): read
    # from every name to the ends of a 100 KB line, they made the search
    # quadratic. Beyond the window, where the line starts does not matter.
    line_start = text.rfind("\n", max(span.start, start - window - 1), start) + 1 or span.start
    before_start = max(line_start, start - window)
    after_end = min(span.end, end + window)
    line_end = text.find("\n", end, after_end)
    after = text[end : after_end if line_end < 0 else line_end]
    context = (text[before_start:start], after, before_start == line_start)
    if context in contexts:
        found = contexts[context]
    else:
        if len(contexts) >= _CONTEXTS_KEPT:
            contexts.clear()
        found = contexts[context] = _form_around(*context)
    if found is None:
        return _mention(text, start, end, publisher)
    form, head, tail = found
    return _credit(text, start if head is None else before_start + head, end + tail, publisher, form)


def _form_around(before: str, after: str, at_line_start: bool) -> _Found:
    """The first form that matches a name's context (``before`` and
    ``after`` it), with where its wording starts in ``before`` (None: at
    the name) and ends in ``after``; None for a mention.

    A form's ``before`` pattern is searched only in a context that holds the
    words it needs (:func:`_needed_words`), the rarer ones first.
    """
    folded: str | None = None  # ``before`` made ASCII where it can be, lowercased
    article: list[re.Match[str] | None] = []  # _ARTICLE's search of ``before``, once made
    for form in _FORMS:
        if form.line_start and not at_line_start:
            continue
        if form.before is not None:
            if form.needs:
                if folded is None:
                    folded = (before if before.isascii() else before.translate(_ASCII_FOLDS)).lower()
                if not all(any(map(folded.__contains__, insensitive)) or any(map(before.__contains__, sensitive))
                           for insensitive, sensitive in form.needs):
                    continue
            head = form.before.search(before)
            if head is None:
                continue
        tail = form.after.match(after) if form.after else None
        if form.after and tail is None:
            continue
        if form.before is None:
            if not article:
                article.append(_ARTICLE.search(before))
            head = article[0]
        return form.form, None if head is None else head.start(), 0 if tail is None else tail.end()
    return None


def _mention(text: str, start: int, end: int, publisher: str) -> Credit:
    return Credit(publisher, Span(start, end), "mention", text[start:end])


def _credit(text: str, start: int, end: int, publisher: str, form: str) -> Credit:
    """A credit over ``[start, end)`` with surrounding whitespace trimmed."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return Credit(publisher, Span(start, end), form, text[start:end])


def _house_styles(text: str, span: Span) -> Iterator[Credit]:
    for publisher, pattern in HOUSE_STYLES.items():
        for match in pattern.finditer(text, span.start, span.end):
            yield _credit(text, match.start(), match.end(), publisher, "house-style")


def _inside(inner: Span, outer: Span) -> bool:
    return outer.start <= inner.start and inner.end <= outer.end
