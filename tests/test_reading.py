"""Reading inputs: decoding bytes exactly, one-line errors for unusable files,
and expanding the paths a user gives into article files."""

from __future__ import annotations

import codecs
import errno
import json
import os
import pathlib
import random

import pytest

from dedupe import reading
from dedupe.model import Document
from dedupe.reading import InputError, decode_bytes, find_articles, kind_of, looks_like_html, read_document, read_sidecar
from conftest import seed_text

ARTICLE = (
    "Officials Meet in Geneva for New Round of Talks\n"
    "“We are making progress,” said the café owner who hosted the delegations.\n"
    "[ad_1]\n"
    "The talks are expected to continue on Tuesday.\n"
)
PNG_HEADER = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00\x00\x00\x01\x00\x08\x06\x00\x00\x00"


def random_bytes_with_nuls(size: int = 4096) -> bytes:
    return random.Random(7).randbytes(size) + b"\x00" * 8


def fail_for(monkeypatch, method: str, target: pathlib.Path, error: OSError) -> None:
    """Make ``pathlib.Path.<method>`` raise ``error`` for ``target`` only."""
    original = getattr(pathlib.Path, method)

    def patched(self, *args, **kwargs):
        if os.path.abspath(self) == os.path.abspath(target):
            raise error
        return original(self, *args, **kwargs)

    monkeypatch.setattr(pathlib.Path, method, patched)


# --- decode_bytes -------------------------------------------------------------


def test_decode_utf8():
    """Strict UTF-8 is tried first and wins for valid UTF-8."""
    assert decode_bytes(ARTICLE.encode("utf-8")) == (ARTICLE, "utf-8")


def test_decode_utf8_bom_is_dropped_so_offsets_count_from_after_it():
    """The BOM is not part of the text: offsets match the same file without a BOM."""
    text, encoding = decode_bytes(codecs.BOM_UTF8 + ARTICLE.encode("utf-8"))
    assert encoding == "utf-8-sig"
    assert text == ARTICLE
    assert text.index("[ad_1]") == ARTICLE.index("[ad_1]")


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be"])
def test_decode_utf16_with_bom(codec):
    """UTF-16 with either byte order mark decodes, BOM dropped (its NULs are not 'binary')."""
    bom = codecs.BOM_UTF16_LE if codec.endswith("le") else codecs.BOM_UTF16_BE
    assert decode_bytes(bom + ARTICLE.encode(codec)) == (ARTICLE, "utf-16")


def test_decode_cp1252_curly_quotes():
    """Legacy Windows bytes 0x93/0x94 become curly quotes, 0xE9 becomes é."""
    data = b"\x93We are making progress,\x94 said the caf\xe9 owner."
    assert decode_bytes(data) == ("“We are making progress,” said the café owner.", "cp1252")


def test_decode_reads_a_byte_cp1252_leaves_undefined_as_latin1_and_the_rest_as_cp1252():
    """0x81 is undefined in cp1252: that byte is read as U+0081, the curly
    quotes around it still as cp1252, one character per byte."""
    data = b"The caf\xe9 \x81 owner said \x93we are open\x94 on Monday, and the mayor agreed."
    with pytest.raises(UnicodeDecodeError):
        data.decode("cp1252")
    text, encoding = decode_bytes(data)
    assert encoding == "cp1252"
    assert text == "The café \x81 owner said “we are open” on Monday, and the mayor agreed."
    assert len(text) == len(data)  # one character per byte: offsets stay exact


def test_decode_keeps_line_endings():
    """CRLF is left as it is: spans count the \\r characters."""
    assert decode_bytes(b"one\r\ntwo\r\n") == ("one\r\ntwo\r\n", "utf-8")


def test_decode_empty_bytes_is_empty_text_not_binary():
    """Zero bytes are not 'binary'; read_document reports them as empty."""
    assert decode_bytes(b"") == ("", "utf-8")


@pytest.mark.parametrize(
    "data",
    [PNG_HEADER, random_bytes_with_nuls(), b"\x01\x02\x03\x04\x05\x06 some text \x07\x08"],
    ids=["png-header", "random-with-nuls", "control-characters"],
)
def test_decode_rejects_binary(data):
    """Binary content raises ValueError instead of decoding to garbage."""
    with pytest.raises(ValueError, match="binary file"):
        decode_bytes(data)


def test_decode_allows_tabs_and_form_feeds():
    """Whitespace control characters are text, not a sign of binary."""
    data = b"Col A\tCol B\r\n\x0cPage two\n"
    assert decode_bytes(data) == (data.decode("ascii"), "utf-8")


# --- read_document ------------------------------------------------------------


def test_read_document_text_file(tmp_path):
    """A .txt file becomes a Document with the decoded text, kind and codec
    (guessed here: the bytes are not UTF-8 and declare nothing)."""
    path = tmp_path / "story.txt"
    path.write_bytes(ARTICLE.encode("cp1252"))
    assert read_document(path) == Document(str(path), ARTICLE, "text", "cp1252", {"encoding_guess": "cp1252"})


@pytest.mark.parametrize("name", ["page.html", "page.htm", "PAGE.HTML"])
def test_read_document_html_suffix(tmp_path, name):
    """HTML suffixes (any case) make an html Document."""
    path = tmp_path / name
    path.write_text("<p>Officials met in Geneva.</p>", encoding="utf-8")
    assert read_document(path).kind == "html"


def test_read_document_sniffs_html_without_suffix(tmp_path):
    """A file without a known suffix is HTML when it starts like an HTML page."""
    path = tmp_path / "download"
    path.write_text("\n  <!DOCTYPE html>\n<html><body><p>Hi.</p></body></html>", encoding="utf-8")
    assert read_document(path).kind == "html"


def expect_input_error(path, reason: str) -> InputError:
    with pytest.raises(InputError) as caught:
        read_document(path)
    error = caught.value
    assert error.path == str(path)
    assert error.reason == reason
    assert str(error) == f"{path}: {reason}"
    return error


def test_read_document_missing(tmp_path):
    """A missing file is an InputError naming it, not FileNotFoundError."""
    expect_input_error(tmp_path / "nope.txt", "no such file")


def test_read_document_directory(tmp_path):
    """A directory is not an article file."""
    expect_input_error(tmp_path, "not a regular file")


@pytest.mark.parametrize("content", [b"", b"  \n\t\r\n  \n"], ids=["zero-bytes", "whitespace-only"])
def test_read_document_empty(tmp_path, content):
    """Empty and whitespace-only files are reported as empty."""
    path = tmp_path / "empty.txt"
    path.write_bytes(content)
    expect_input_error(path, "empty file")


def test_read_document_bom_only_is_empty(tmp_path):
    """A file holding only a BOM is empty too."""
    path = tmp_path / "bom.txt"
    path.write_bytes(codecs.BOM_UTF8)
    expect_input_error(path, "empty file")


@pytest.mark.parametrize("data", [PNG_HEADER, random_bytes_with_nuls()], ids=["png-header", "random-with-nuls"])
def test_read_document_binary(tmp_path, data):
    """A binary file, even named .txt, is reported as binary."""
    path = tmp_path / "image.txt"
    path.write_bytes(data)
    expect_input_error(path, "binary file, not a text or HTML article")


def test_read_document_permission_denied(tmp_path, monkeypatch):
    """An unreadable file is 'permission denied' (simulated: root ignores chmod)."""
    path = tmp_path / "locked.txt"
    path.write_text(ARTICLE, encoding="utf-8")
    fail_for(monkeypatch, "read_bytes", path, PermissionError(errno.EACCES, "Permission denied"))
    expect_input_error(path, "permission denied")


@pytest.mark.skipif(os.geteuid() == 0, reason="root can read a chmod 000 file")
def test_read_document_chmod_000(tmp_path):
    """A real chmod 000 file is 'permission denied'."""
    path = tmp_path / "locked.txt"
    path.write_text(ARTICLE, encoding="utf-8")
    path.chmod(0)
    try:
        expect_input_error(path, "permission denied")
    finally:
        path.chmod(0o644)


def test_read_document_other_os_error_uses_strerror(tmp_path, monkeypatch):
    """Any other OSError (here an I/O error) becomes its strerror."""
    path = tmp_path / "disk.txt"
    path.write_text(ARTICLE, encoding="utf-8")
    fail_for(monkeypatch, "read_bytes", path, OSError(errno.EIO, "Input/output error"))
    expect_input_error(path, "Input/output error")


def test_read_document_too_large(tmp_path, monkeypatch):
    """A file over MAX_FILE_BYTES is refused before it is read."""
    monkeypatch.setattr(reading, "MAX_FILE_BYTES", 10)
    path = tmp_path / "big.txt"
    path.write_text("x" * 11, encoding="utf-8")
    expect_input_error(path, "file is 11 bytes, over the 10-byte limit")


def test_read_document_symlink_loop(tmp_path):
    """A symlink pointing at itself is an InputError, not a crash."""
    loop = tmp_path / "loop.txt"
    loop.symlink_to(loop.name)
    with pytest.raises(InputError) as caught:
        read_document(loop)
    assert caught.value.path == str(loop)


# --- find_articles ------------------------------------------------------------


@pytest.fixture
def tree(tmp_path):
    """A directory of articles with things that must be skipped."""
    root = tmp_path / "archive"
    for name in ["b.txt", "a.html", "sub/c.htm", "sub/deeper/d.TXT", "notes.md", "image.png", "data.json",
                 ".hidden.txt", ".cache/e.txt", "sub/.git/f.html"]:
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("Officials met in Geneva on Monday.", encoding="utf-8")
    return root


def names(found, root):
    return [str(item.relative_to(root)) if isinstance(item, pathlib.Path) else item for item in found]


def test_find_articles_walks_directories_recursively_in_sorted_order(tree):
    """Known suffixes only (any case), recursively, sorted; hidden files and directories skipped."""
    found = list(find_articles([tree]))
    assert all(isinstance(item, pathlib.Path) for item in found)
    assert names(found, tree) == sorted(["a.html", "b.txt", "sub/c.htm", "sub/deeper/d.TXT"],
                                        key=lambda n: pathlib.Path(tree, n))


def test_find_articles_keeps_argument_order(tree):
    """Explicit paths come out in the order given, each directory expanded in place."""
    found = list(find_articles([tree / "sub" / "c.htm", tree / "b.txt", tree / "sub" / "deeper"]))
    assert names(found, tree) == ["sub/c.htm", "b.txt", "sub/deeper/d.TXT"]


def test_find_articles_takes_explicit_files_whatever_their_name(tree):
    """A file named explicitly is taken even with an unknown suffix or a hidden name."""
    found = list(find_articles([tree / "notes.md", tree / ".hidden.txt"]))
    assert names(found, tree) == ["notes.md", ".hidden.txt"]


def test_find_articles_walks_a_hidden_directory_given_explicitly(tree):
    """Only entries below the given directory are checked for a leading dot."""
    assert names(find_articles([tree / ".cache"]), tree) == [".cache/e.txt"]


def test_find_articles_yields_each_file_once(tree):
    """The same file given twice, through its directory, or through a symlink or ./ path is read once."""
    link = tree.parent / "link.txt"
    link.symlink_to(tree / "b.txt")
    given = [tree / "b.txt", tree, str(tree / "b.txt"), link, tree / "sub" / ".." / "b.txt", tree]
    found = list(find_articles(given))
    assert names(found, tree) == ["b.txt", "a.html", "sub/c.htm", "sub/deeper/d.TXT"]


def test_find_articles_reports_errors_in_place(tree, tmp_path):
    """Missing paths and directories without articles become InputErrors where they stand."""
    empty = tmp_path / "pictures"
    empty.mkdir()
    (empty / "photo.png").write_bytes(PNG_HEADER)
    (empty / "meta.json").write_text("{}", encoding="utf-8")
    found = list(find_articles([tmp_path / "missing.txt", tree / "b.txt", empty]))
    assert isinstance(found[0], InputError)
    assert (found[0].path, found[0].reason) == (str(tmp_path / "missing.txt"), "no such file or directory")
    assert found[1] == tree / "b.txt"
    assert isinstance(found[2], InputError)
    assert (found[2].path, found[2].reason) == (str(empty), "directory holds no .txt or .html articles")
    assert len(found) == 3


def test_find_articles_yields_a_symlink_loop_for_read_document_to_report(tmp_path):
    """A self-referencing symlink is passed on (read_document reports it), not a RuntimeError."""
    loop = tmp_path / "loop.txt"
    loop.symlink_to(loop.name)
    assert list(find_articles([loop])) == [loop]


def test_find_articles_passes_on_a_path_it_cannot_stat(tmp_path, monkeypatch):
    """A file inside an unsearchable directory (stat: EACCES) is passed on, not a crash;
    read_document then says 'permission denied'."""
    path = tmp_path / "locked" / "story.txt"
    path.parent.mkdir()
    path.write_text(ARTICLE, encoding="utf-8")
    fail_for(monkeypatch, "stat", path, PermissionError(errno.EACCES, "Permission denied", str(path)))
    assert list(find_articles([path])) == [path]
    expect_input_error(path, "permission denied")


def test_find_articles_passes_on_directory_entries_it_cannot_stat(tree, monkeypatch):
    """In a readable but unsearchable directory, entries that cannot be stat'ed are still listed."""
    blocked = tree / "b.txt"
    fail_for(monkeypatch, "stat", blocked, PermissionError(errno.EACCES, "Permission denied", str(blocked)))
    assert "b.txt" in names(find_articles([tree]), tree)


# --- kind_of ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "kind"),
    [("a.txt", "text"), ("a.text", "text"), ("a.html", "html"), ("a.htm", "html"), ("a.xhtml", "html"),
     ("A.HTM", "html"), ("a.md", "text"), ("noext", "text")],
)
def test_kind_of_suffix(name, kind):
    """The suffix decides, case-insensitively; unknown suffixes without content are text."""
    assert kind_of(name) == kind


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("<!DOCTYPE html>\n<html lang='en'><body></body></html>", "html"),
        ("   \n<HTML><BODY>Hi</BODY></HTML>", "html"),
        ("<p>A fragment without an html tag.</p>", "html"),
        ("Officials said <html> tags were stripped.", "text"),
        ("<" + " " * 2100 + "<html>", "text"),
    ],
    ids=["doctype", "leading-space-uppercase", "fragment", "not-at-start", "html-tag-too-late"],
)
def test_kind_of_sniffs_content_when_suffix_is_unknown(text, kind):
    """Without a known suffix, content that opens with markup is HTML: the
    same sniffer as ``dedupe.clean`` uses for strings (a pipeline's page and
    the same page saved under an unknown name are read alike)."""
    assert kind_of("download.dat", text) == kind
    assert looks_like_html(text) == (kind == "html")


def test_kind_of_suffix_wins_over_content():
    """A .txt file holding HTML stays text: the user named it so."""
    assert kind_of("page.txt", "<html><body>Hi</body></html>") == "text"


# --- sidecar dates (issue 10) --------------------------------------------------------


@pytest.mark.parametrize("written, iso", [
    ("2024-05-03", "2024-05-03"),
    ("May 3, 2024", "2024-05-03"),
    ("3 May 2024 14:05 BST", "2024-05-03"),
    ("Friday, May 3, 2024", "2024-05-03"),
    ("2024-05-03T09:00:00Z", "2024-05-03"),
    ("May 2024", "2024-05"),
    ("2024", "2024"),
])
def test_sidecar_dates_in_news_forms_are_read_as_iso_dates(tmp_path, written, iso):
    """A sidecar's "May 3, 2024" used to be kept as written and silently ignored when dates were
    compared; it is now the ISO date, at the precision given."""
    article = tmp_path / "story.txt"
    article.write_text("Talks resumed in Geneva on Monday.\n", encoding="utf-8")
    (tmp_path / "story.meta.json").write_text(json.dumps({"date": written}), encoding="utf-8")
    assert read_sidecar(article)["date"] == iso


@pytest.mark.parametrize("written", ["soon", "May 3", "last Tuesday"])
def test_a_sidecar_date_without_a_year_is_an_error_naming_the_sidecar(tmp_path, written):
    article = tmp_path / "story.txt"
    article.write_text("Talks resumed in Geneva on Monday.\n", encoding="utf-8")
    (tmp_path / "story.meta.json").write_text(json.dumps({"date": written}), encoding="utf-8")
    with pytest.raises(InputError) as raised:
        read_sidecar(article)
    assert str(raised.value) == f"{tmp_path / 'story.meta.json'}: sidecar date {written!r} is not a date with a year"


def test_sidecar_dates_in_other_forms_decide_direction(tmp_path):
    """Two copies dated "May 2, 2024" and "3 May 2024": the earlier one is the original."""
    from dedupe import compare, direction, load_article

    text = "\n".join(line for line in seed_text("wapo").splitlines() if len(line.split()) > 12)
    for name, date in (("early", "May 2, 2024"), ("late", "3 May 2024")):
        (tmp_path / f"{name}.txt").write_text(text, encoding="utf-8")
        (tmp_path / f"{name}.meta.json").write_text(json.dumps({"date": date}), encoding="utf-8")
    early, late = load_article(tmp_path / "early.txt"), load_article(tmp_path / "late.txt")
    found = direction(late, early, compare([late, early]).overlaps[0].passages)
    assert found.original == "b"
    assert found.reasons == (f"{early.path} is dated 2024-05-02, before {late.path} (2024-05-03)",)


# --- declared charsets (issue 10) ------------------------------------------------------

RUSSIAN = ("Министр иностранных дел заявил в четверг, что переговоры о поставках зерна продолжатся "
           "на следующей неделе в Стамбуле.")


@pytest.mark.parametrize("declaration", [
    '<meta charset="windows-1251">',
    "<meta http-equiv='Content-Type' content='text/html; charset=windows-1251'>",
    '<META CHARSET=cp1251>',
])
def test_a_page_in_its_declared_charset_is_decoded_as_declared(tmp_path, declaration):
    """A windows-1251 page used to come out as "Ìèíèñòð…" (read as cp1252); the charset it
    declares is honoured."""
    page = tmp_path / "page.html"
    html = (f"<!DOCTYPE html><html lang='ru'><head>{declaration}<title>Зерно</title></head>"
            f"<body><article><p>{RUSSIAN}</p></article></body></html>")
    page.write_bytes(html.encode("cp1251"))
    document = read_document(page)
    assert document.encoding == "cp1251"
    assert RUSSIAN in document.text
    from dedupe import load_article

    assert RUSSIAN in load_article(page).cleaned_text


def test_a_wrong_declaration_does_not_garble_utf8_or_stop_the_read(tmp_path):
    """Bytes that are valid UTF-8 stay UTF-8 whatever the page declares; bytes that do not fit
    the declared charset are read as they look."""
    page = tmp_path / "page.html"
    page.write_bytes(f"<meta charset='windows-1251'><p>{RUSSIAN}</p>".encode("utf-8"))
    assert read_document(page).encoding == "utf-8" and RUSSIAN in read_document(page).text
    page.write_bytes("<meta charset='utf-16'><p>Café society</p>".encode("cp1252"))
    assert read_document(page).text.endswith("Café society</p>")


# --- undeclared encodings: guessed and warned about, or given with --encoding (issue 10) ---

GREEK = "Ο υπουργός Εξωτερικών δήλωσε ότι οι συνομιλίες στη Γενεύη ολοκληρώθηκαν χωρίς αποτέλεσμα."
LEGACY_ENGLISH = "The minister said “we will not back down” — and the café in Geneva closed at 9 o’clock."


@pytest.mark.parametrize(("text", "codec"), [(RUSSIAN, "cp1251"), (GREEK, "cp1253"), (LEGACY_ENGLISH, "cp1252")])
def test_an_undeclared_legacy_text_is_guessed_right_and_says_so(tmp_path, run_cli, text, codec):
    story = tmp_path / "story.txt"
    story.write_bytes(text.encode(codec))
    document = read_document(story)
    assert document.text == text and document.encoding == codec
    assert document.metadata["encoding_guess"] == codec
    code, out, err = run_cli("clean", story)
    assert code == 0 and out.strip() == text
    assert err == (f"dedupe: {story}: not valid UTF-8 and no charset declared: read as {codec}, a guess "
                   "(--encoding sets it)\n")


def test_utf8_and_declared_pages_are_not_guesses(tmp_path):
    story = tmp_path / "story.txt"
    story.write_text(RUSSIAN, encoding="utf-8")
    assert "encoding_guess" not in read_document(story).metadata


def test_encoding_option_decodes_as_told_with_no_warning(tmp_path, run_cli):
    story = tmp_path / "story.txt"
    story.write_bytes(RUSSIAN.encode("koi8-r"))  # a guess cannot tell koi8-r; the user can
    code, out, err = run_cli("clean", story, "--encoding", "koi8-r")
    assert (code, out.strip(), err) == (0, RUSSIAN, "")


def test_encoding_option_that_does_not_fit_is_a_one_line_error(tmp_path, run_cli):
    story = tmp_path / "story.txt"
    story.write_bytes(RUSSIAN.encode("cp1251"))
    code, out, err = run_cli("clean", story, "--encoding", "utf-8")
    assert code == 2 and out == ""
    assert err == f"dedupe: {story}: not utf-8: byte 0xcc at offset 0 cannot be decoded\n"
    code, _, err = run_cli("clean", story, "--encoding", "no-such-codec")
    assert code == 2 and "unknown encoding 'no-such-codec'" in err


def test_check_and_report_warn_about_guessed_candidates_and_sources(tmp_path, run_cli):
    draft, wire = tmp_path / "draft.txt", tmp_path / "wire.txt"
    draft.write_bytes(RUSSIAN.encode("cp1251"))
    wire.write_text(seed_text("wapo"), encoding="utf-8")
    _, _, err = run_cli("check", draft, "--against", wire)
    assert f"dedupe: {draft}: not valid UTF-8 and no charset declared: read as cp1251" in err
    _, _, err = run_cli("report", draft, wire)
    assert f"dedupe: {draft}: not valid UTF-8 and no charset declared: read as cp1251" in err
    _, _, err = run_cli("report", draft, wire, "--encoding", "cp1251")
    assert "a guess" not in err
