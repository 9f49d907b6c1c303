"""Reading input files: finding articles on disk and decoding them to text.

The decoded text is what every span points into, so decoding is exact and
predictable: a UTF-8 byte-order mark is dropped (offsets count from the first
character after it), strict UTF-8 is tried first, and legacy 8-bit archives
fall back to a guess: cp1252 (or Latin-1 where cp1252 leaves a byte
undefined), or what charset_normalizer finds when cp1252 reads as mojibake.
A guess is recorded and warned about; ``--encoding`` overrides it all. Line
endings are left as they are.

Problems with one file never stop a run: they become an :class:`InputError`
naming the file and the reason, and the caller reports it in one line.

>>> decode_bytes("caf\\u00e9".encode("cp1252"))
('café', 'cp1252')
"""

from __future__ import annotations

import codecs
import json
import os
import re
import stat
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path

from dedupe.model import ArticleKind, Document

ARTICLE_SUFFIXES = {".txt": ArticleKind.TEXT, ".text": ArticleKind.TEXT, ".html": ArticleKind.HTML,
                    ".htm": ArticleKind.HTML, ".xhtml": ArticleKind.HTML}
MAX_FILE_BYTES = 64 * 1024 * 1024
_BINARY_SNIFF_BYTES = 8192
#: Every byte but the control characters that do not occur in text (deleted to count those that remain).
_NOT_CONTROL = bytes(byte for byte in range(256) if byte >= 32 or byte in b"\t\n\r\x0c")
#: Bytes at the top of a page searched for its declared charset (the HTML standard says 1,024; pages put
#: long scripts first).
_CHARSET_SNIFF_BYTES = 4096
#: Error handler reading the five bytes cp1252 leaves undefined (0x81, 0x8d,
#: 0x8f, 0x90, 0x9d) as the Latin-1 characters of the same value: still one
#: character per byte, so offsets stay exact, and the rest still cp1252.
_AS_LATIN1 = "dedupe-undefined-as-latin-1"


def _undefined_as_latin1(error: UnicodeError) -> tuple[str, int]:
    assert isinstance(error, UnicodeDecodeError)
    return error.object[error.start:error.end].decode("latin-1"), error.end


codecs.register_error(_AS_LATIN1, _undefined_as_latin1)


class InputError(Exception):
    """One input could not be used; ``str()`` is a one-line message naming it."""

    def __init__(self, path: str | os.PathLike[str], reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = str(path)
        self.reason = reason

    def __reduce__(self) -> tuple[type[InputError], tuple[str, str]]:
        return InputError, (self.path, self.reason)  # crosses to and from worker processes


#: A sidecar holds a few short fields; anything larger is not one.
MAX_SIDECAR_BYTES = 1024 * 1024
#: Fields a sidecar may give; everything else in it is ignored.
SIDECAR_FIELDS = ("publisher", "title", "author", "date", "url", "sitename")
SIDECAR_SUFFIX = ".meta.json"


def sidecar_path(path: str | os.PathLike[str]) -> Path:
    """Where an article's sidecar lives: ``story.txt`` -> ``story.meta.json``.

    A sidecar is a JSON object giving what a plain-text dump cannot say
    itself, e.g. ``{"publisher": "Reuters", "date": "2024-11-18"}``.
    """
    file = Path(path)
    return file.with_name(file.stem + SIDECAR_SUFFIX)


def read_sidecar(path: str | os.PathLike[str]) -> dict[str, str]:
    """The sidecar metadata of an article, ``{}`` when it has none.

    Raises :class:`InputError` naming the sidecar when it is not a JSON
    object of strings.
    """
    sidecar = sidecar_path(path)
    try:
        if not stat.S_ISREG(os.stat(sidecar).st_mode):
            # a FIFO would block the read forever; a device could be endless
            raise InputError(sidecar, "sidecar is not a regular file")
        with open(sidecar, "rb") as handle:
            data = handle.read(MAX_SIDECAR_BYTES + 1)
        if len(data) > MAX_SIDECAR_BYTES:
            raise InputError(sidecar, f"sidecar is over the {MAX_SIDECAR_BYTES}-byte limit")
        raw = data.decode("utf-8-sig")
    except FileNotFoundError:
        return {}
    except (OSError, UnicodeDecodeError) as error:
        raise InputError(sidecar, f"sidecar cannot be read: {getattr(error, 'strerror', None) or error}") from None
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as error:
        raise InputError(sidecar, f"sidecar is not valid JSON (line {error.lineno}: {error.msg})") from None
    except RecursionError:
        raise InputError(sidecar, "sidecar nests too deeply to be metadata") from None
    if not isinstance(data, dict):
        raise InputError(sidecar, "sidecar must be a JSON object")
    fields = {key: value.strip() for key, value in data.items()
              if key in SIDECAR_FIELDS and isinstance(value, str) and value.strip()}
    if "date" in fields:
        date = iso_date(fields["date"])
        if date is None:
            raise InputError(sidecar, f"sidecar date {fields['date']!r} is not a date with a year")
        fields["date"] = date
    return fields


_ISO_DATE = re.compile(r"\d{4}(?:-\d\d){0,2}")
_ISO_TIMESTAMP = re.compile(r"(\d{4}-\d\d-\d\d)[T ]\d")


def iso_date(value: str) -> str | None:
    """A date as news sites write it ("May 3, 2024", "3 May 2024 14:05 BST",
    "2024-05-03T09:00:00Z"), as an ISO date at the precision it gives
    ("2024-05-03", "2024-05", "2024"); None when it names no year.

    Parsed with python-dateutil (installed with trafilatura). A numeric
    date like "03/05/2024" is read month first, as dateutil does.

    >>> iso_date("May 3, 2024"), iso_date("May 2024"), iso_date("2024-05-03T09:00:00Z"), iso_date("soon")
    ('2024-05-03', '2024-05', '2024-05-03', None)
    """
    if _ISO_DATE.fullmatch(value):
        return value
    timestamp = _ISO_TIMESTAMP.match(value)
    if timestamp:
        return timestamp.group(1)
    import warnings
    from datetime import datetime

    from dateutil import parser

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # an unknown time zone name changes nothing here
            # Parsed twice with different defaults: a field the text does not give differs.
            first = parser.parse(value, default=datetime(2000, 1, 1))
            second = parser.parse(value, default=datetime(2004, 2, 2))
    except (ValueError, OverflowError):
        return None
    if first.year != second.year:
        return None
    if first.month != second.month:
        return f"{first.year:04d}"
    if first.day != second.day:
        return f"{first.year:04d}-{first.month:02d}"
    return first.date().isoformat()


def decode_bytes(data: bytes, encoding: str | None = None) -> tuple[str, str]:
    """Decode a file's bytes; return ``(text, encoding)``. See :func:`decode`.

    >>> decode_bytes(b"\\xef\\xbb\\xbfHello")
    ('Hello', 'utf-8-sig')
    """
    text, used, _ = decode(data, encoding)
    return text, used


def decode(data: bytes, encoding: str | None = None) -> tuple[str, str, bool]:
    """Decode a file's bytes; return ``(text, encoding, guessed)``.

    ``encoding``, when given (``--encoding``), is used and nothing else: bytes
    it cannot decode raise ``ValueError``. Otherwise, in order: a byte-order
    mark; strict UTF-8; the charset a page declares; and else a guess
    (``guessed`` is True, and callers warn): UTF-8 with a few damaged bytes
    replaced, when well-formed UTF-8 characters outnumber them; else cp1252
    (a byte it leaves undefined read as Latin-1), the encoding of most legacy
    English archives,
    unless it reads as mojibake, in which case charset_normalizer's best
    guess that names a language (Cyrillic in cp1251, Greek in cp1253 …).
    Raises ``ValueError`` when the bytes look binary rather than text.

    >>> decode("Министр заявил, что переговоры завершились без результата.".encode("cp1251"))[1:]
    ('cp1251', True)
    >>> decode(b"caf\\xe9", "cp1252")
    ('café', 'cp1252', False)
    """
    if encoding is not None:
        codec = codecs.lookup(encoding).name
        codec = "utf-8-sig" if codec == "utf-8" else codec  # offsets count after a byte-order mark
        try:
            return data.decode(codec), codec, False
        except UnicodeDecodeError as error:
            raise ValueError(f"not {encoding}: byte 0x{data[error.start]:02x} at offset {error.start} "
                             "cannot be decoded") from None
    boms = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))
    for bom, codec in boms:
        if data.startswith(bom):
            return data.decode(codec, errors="replace"), codec, False
    if _looks_binary(data):
        raise ValueError("binary file, not a text or HTML article")
    try:
        return _text(data.decode("utf-8")), "utf-8", False
    except UnicodeDecodeError:
        pass
    declared = declared_charset(data)
    if declared is not None:
        try:
            return _text(data.decode(declared)), declared, False
        except UnicodeDecodeError:
            pass  # the declaration is wrong; read the bytes as they look
    damaged = _damaged_utf8(data)
    if damaged is not None:
        return _text(damaged[0]), damaged[1], True
    text, codec = _guessed(data)
    return _text(text), codec, True


def _text(text: str) -> str:
    """``text``, unless a NUL anywhere in it shows it is not an article."""
    nul = text.find("\x00")
    if nul >= 0:
        raise ValueError(f"binary file: a NUL character at offset {nul}, not a text or HTML article")
    return text


#: Well-formed multi-byte UTF-8 characters per invalid byte above which a
#: file is UTF-8 with a few damaged bytes, not text in a legacy encoding
#: (where valid multi-byte sequences are rare accidents).
UTF8_GOOD_PER_BAD = 4


def _damaged_utf8(data: bytes) -> tuple[str, str] | None:
    """(text, label) of UTF-8 with a few invalid bytes, each read as U+FFFD;
    None when the bytes are not mostly UTF-8."""
    text = data.decode("utf-8", errors="replace")
    bad = text.count("\ufffd") - data.count("\ufffd".encode())
    good = sum(1 for char in text if char > "\x7f") - text.count("\ufffd")
    if good < UTF8_GOOD_PER_BAD * bad:
        return None
    return text, f"utf-8 with {bad} undecodable byte{'s' * (bad != 1)} replaced"


#: Mess ratio (charset_normalizer's measure of mojibake: odd accents,
#: script changes inside words) under which a cp1252 reading is taken as
#: right. Legacy English, French or German text in cp1252 measures 0; Russian
#: in cp1251 read as cp1252 about 1.2, Greek in cp1253 1.0.
CP1252_MESS_RATIO = 0.1
#: Mess ratio of the cp1252 reading at which, with no better guess, the bytes
#: are not taken for text at all (random bytes measure 3 to 4; KOI8-R Russian,
#: which charset_normalizer cannot tell, 3.4: --encoding reads it).
UNREADABLE_MESS_RATIO = 0.5
#: Share of ASCII text bytes (letters, digits, punctuation, spaces, line
#: breaks) under which undeclared, non-UTF-8 bytes are not taken for text:
#: even an 8-bit non-Latin script spaces its words, breaks its lines and
#: writes its figures in ASCII (Russian in cp1251 is about 17% ASCII, Greek
#: in cp1253 about 15%); random high bytes are 0%.
MIN_ASCII_SHARE = 0.02
_ASCII_TEXT = bytes(range(0x20, 0x7F)) + b"\t\n\r\x0c"
#: Bytes of a file charset_normalizer looks at when guessing.
_GUESS_SAMPLE_BYTES = 64 * 1024


def _guessed(data: bytes) -> tuple[str, str]:
    """The text of undeclared, non-UTF-8 bytes and the codec guessed for it."""
    fallback = "cp1252"
    text = data.decode(fallback, errors=_AS_LATIN1)
    from charset_normalizer import from_bytes
    from charset_normalizer.md import mess_ratio

    sample = data[:_GUESS_SAMPLE_BYTES]
    if len(sample.translate(None, _ASCII_TEXT)) > (1 - MIN_ASCII_SHARE) * len(sample):
        raise ValueError("not text in any encoding dedupe can tell (give --encoding NAME if it is)")
    # measured with the undefined bytes as spaces: a stray one is not mojibake
    mess = mess_ratio(sample.decode(fallback, errors="replace").replace("\ufffd", " "), 1.0)
    if mess < CP1252_MESS_RATIO:
        return text, fallback
    for match in from_bytes(sample):
        # a match that names no language is noise (short Latin text "is" UTF-16 or Shift JIS to it)
        if match.coherence > 0 and match.chaos < mess:
            try:
                return data.decode(match.encoding), match.encoding
            except UnicodeDecodeError:
                continue  # the sample decodes, the whole file does not
    if mess >= UNREADABLE_MESS_RATIO:
        raise ValueError("not text in any encoding dedupe can tell (give --encoding NAME if it is)")
    return text, fallback


_DECLARED_CHARSET = re.compile(
    rb"""<meta[^>]*?charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)|<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9_.:-]+)""",
    re.IGNORECASE)
#: Labels the HTML standard reads as windows-1252 whatever they say.
_WINDOWS_1252_LABELS = frozenset({"iso-8859-1", "iso8859-1", "latin1", "latin-1", "l1", "ascii", "us-ascii",
                                  "iso_8859-1", "cp819", "windows-1252"})


def declared_charset(data: bytes) -> str | None:
    """The character encoding a page declares near its top (``<meta
    charset>``, ``<meta http-equiv="Content-Type" content="…; charset=…">``
    or an XML declaration), as a Python codec name; None when there is none
    or Python does not know it. Latin-1 and ASCII labels mean windows-1252,
    and UTF-16 labels nothing, as in browsers.

    >>> declared_charset(b'<html><head><meta charset="windows-1251">')
    'cp1251'
    >>> declared_charset(b'<meta http-equiv="Content-Type" content="text/html; charset=ISO-8859-1">')
    'cp1252'
    """
    match = _DECLARED_CHARSET.search(data[:_CHARSET_SNIFF_BYTES])
    if match is None:
        return None
    label = (match.group(1) or match.group(2)).decode("ascii").lower()
    if label in _WINDOWS_1252_LABELS:
        return "cp1252"
    try:
        name = codecs.lookup(label).name
    except LookupError:
        return None
    # A declaration readable as ASCII is not in UTF-16 or UTF-32 (browsers ignore such labels too).
    return None if name.startswith(("utf-16", "utf-32")) else name


def _looks_binary(data: bytes) -> bool:
    head = data[:_BINARY_SNIFF_BYTES]
    if b"\x00" in head:
        return True
    controls = len(head.translate(None, _NOT_CONTROL))
    return controls > len(head) * 0.05


def kind_of(path: str | os.PathLike[str], text: str | None = None) -> ArticleKind:
    """``"html"`` or ``"text"``, from the suffix, else from the content (:func:`looks_like_html`)."""
    kind = ARTICLE_SUFFIXES.get(Path(path).suffix.lower())
    if kind is not None:
        return kind
    return ArticleKind.HTML if text is not None and looks_like_html(text) else ArticleKind.TEXT


#: Characters at the top of a file looked at to tell HTML from text.
SNIFF_CHARS = 2048
# A document that opens with markup: optional BOM/XML declaration/comments, then a document-level tag.
_HTML_OPENING = re.compile(
    r"^\ufeff?\s*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*"
    r"<(?:!doctype\s+html|html|head|body|article|main|section|div|p|h[1-6]|meta|title|header|nav)\b[^>]*>",
    re.IGNORECASE | re.DOTALL,
)
# A doctype or <html> tag starting a line near the top, after some leading junk.
_HTML_ROOT_LINE = re.compile(r"^[ \t]*<(?:!doctype\s+html|html)\b", re.IGNORECASE | re.MULTILINE)


def looks_like_html(text: str) -> bool:
    """True when decoded text is an HTML document, for inputs whose name does not say.

    The text must open with markup (a doctype, <html>, <body>, <article>, <p>,
    ... possibly after an XML declaration or comments), or have a doctype or
    <html> tag starting a line near the top. Markup mentioned inside prose
    does not count.

    >>> looks_like_html("<!DOCTYPE html><html><body><p>Hi</p></body></html>")
    True
    >>> looks_like_html("Editors wrap each paragraph in <p> tags.")
    False
    """
    head = text[:SNIFF_CHARS]
    return bool(_HTML_OPENING.match(head) or _HTML_ROOT_LINE.search(head))


def read_document(path: str | os.PathLike[str], encoding: str | None = None) -> Document:
    """Read and decode one article file (in ``encoding`` when given, see
    :func:`decode`). When the encoding had to be guessed, the metadata's
    ``encoding_guess`` names it (:func:`encoding_warning` words the warning).

    Raises :class:`InputError` for a file that cannot be an article: missing,
    unreadable, too large, binary, empty or not in the given encoding. ``-``
    is standard input (its kind sniffed from the content; no sidecar).
    """
    if str(path) == STDIN:
        return _read_stdin(encoding)
    file = Path(path)
    try:
        size = file.stat().st_size
        if not file.is_file():
            raise InputError(path, "not a regular file")
        if size > MAX_FILE_BYTES:
            raise InputError(path, f"file is {size} bytes, over the {MAX_FILE_BYTES}-byte limit")
        data = file.read_bytes()
    except FileNotFoundError:
        raise InputError(path, "no such file") from None
    except PermissionError:
        raise InputError(path, "permission denied") from None
    except IsADirectoryError:
        raise InputError(path, "is a directory") from None
    except OSError as error:
        raise InputError(path, error.strerror or "cannot be read") from None
    text, used, guess = _decoded(path, data, "empty file", encoding)
    return Document(str(path), text, kind_of(path, text), used, {**read_sidecar(path), **guess})


def _decoded(path: str | os.PathLike[str], data: bytes, empty: str,
             encoding: str | None) -> tuple[str, str, dict[str, str]]:
    """:func:`decode`, with binary or blank input an :class:`InputError`
    naming ``path``; the metadata that records a guessed encoding."""
    try:
        text, used, guessed = decode(data, encoding)
    except ValueError as error:
        raise InputError(path, str(error)) from None
    if not text.strip():
        raise InputError(path, empty)
    return text, used, {"encoding_guess": used} if guessed else {}


def encoding_warning(path: str, metadata: Mapping[str, object]) -> str | None:
    """The one-line warning for an article whose encoding was guessed, else None.

    >>> encoding_warning("old.txt", {"encoding_guess": "cp1251"})
    'old.txt: not valid UTF-8 and no charset declared: read as cp1251, a guess (--encoding sets it)'
    """
    guess = metadata.get("encoding_guess")
    if not guess:
        return None
    return f"{path}: not valid UTF-8 and no charset declared: read as {guess}, a guess (--encoding sets it)"


def find_articles(paths: Iterable[str | os.PathLike[str]]) -> Iterator[Path | InputError]:
    """Expand files and directories into article files, in a stable order.

    Directories are walked recursively for known suffixes (hidden entries are
    skipped); a directory with none yields an :class:`InputError`. Files named
    explicitly are taken whatever their suffix; ``-`` (standard input) once.
    """
    seen: set[str] = set()
    for given in paths:
        path = Path(given)
        if str(given) == STDIN:
            if STDIN not in seen:
                seen.add(STDIN)
                yield path
            continue
        try:
            is_dir = path.is_dir()
            present = is_dir or path.exists() or path.is_symlink()
        except OSError:  # cannot even stat it (a directory above is not searchable)
            is_dir, present = False, True  # read_document names the reason
        if is_dir:
            skipped: list[InputError] = []
            found = sorted(_walk(path, skipped), key=_walk_order)
            yield from skipped
            if not found and not skipped:
                yield InputError(given, "directory holds no .txt or .html articles")
            for candidate, real in found:
                if real not in seen:
                    seen.add(real)
                    yield candidate
        elif present:
            # os.path.realpath, not Path.resolve: resolve raises RuntimeError on a symlink loop.
            real = os.path.realpath(path)
            if real not in seen:
                seen.add(real)
                yield path
        else:
            yield InputError(given, "no such file or directory")


#: The path that names standard input.
STDIN = "-"


def _read_stdin(encoding: str | None = None) -> Document:
    """The article piped in on standard input (``cat page.html | dedupe clean -``)."""
    import sys

    try:
        data = sys.stdin.buffer.read(MAX_FILE_BYTES + 1)
    except (OSError, AttributeError, ValueError) as error:  # closed, or not a byte stream
        raise InputError(STDIN, f"standard input cannot be read: {error}") from None
    if len(data) > MAX_FILE_BYTES:
        raise InputError(STDIN, f"standard input is over the {MAX_FILE_BYTES}-byte limit")
    text, used, guess = _decoded(STDIN, data, "empty standard input", encoding)
    return Document(STDIN, text, kind_of(STDIN, text), used, guess)


def _walk(folder: Path, skipped: list[InputError]) -> Iterator[tuple[Path, str]]:
    """Article files under ``folder``, hidden entries left out, each with
    its real path (:func:`os.path.realpath`); a subfolder that cannot be
    listed is added to ``skipped`` (said, never silently lost). Symbolic
    links to folders are not followed, links to files are taken.

    A million files took 42 s through :func:`os.walk`, a stat and a
    ``realpath`` each (a ``lstat`` per folder of the path); here the folder
    listing says what each entry is, and only a folder's real path and a
    link's are looked up.
    """
    pending = [os.fspath(folder)]
    while pending:
        root = pending.pop()
        try:
            with os.scandir(root) as listing:
                entries = list(listing)
        except OSError as error:
            skipped.append(InputError(error.filename or root, f"folder cannot be read ({error.strerror or error}); "
                                                              "its articles are skipped"))
            continue
        real_root = os.path.realpath(root)
        for entry in entries:
            if entry.name.startswith("."):
                continue
            if _is_dir(entry):
                if not entry.is_symlink():
                    pending.append(entry.path)
            elif os.path.splitext(entry.name)[1].lower() in ARTICLE_SUFFIXES and _is_file(entry):
                yield Path(entry.path), (os.path.realpath(entry.path) if entry.is_symlink()
                                         else os.path.join(real_root, entry.name))


def _walk_order(found: tuple[Path, str]) -> tuple[str, ...]:
    """The order of the paths themselves (:class:`~pathlib.PurePath` compares
    their parts, case-folded on Windows), computed once per path."""
    parts = found[0].parts
    return parts if os.name == "posix" else tuple(part.lower() for part in parts)


def _is_dir(entry: os.DirEntry[str]) -> bool:
    try:
        return entry.is_dir()
    except OSError:
        return False


def _is_file(entry: os.DirEntry[str]) -> bool:
    """``entry.is_file()``; a file that cannot be stat'ed counts, so that reading it reports why."""
    try:
        return entry.is_file()
    except OSError:
        return True
