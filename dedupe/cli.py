"""The ``dedupe`` command: a thin layer over the library.

Each subcommand parses its arguments, calls the library and prints one of
:mod:`dedupe.reports`' renderings. Problems with inputs are printed one line
each on stderr (``dedupe: PATH: reason``) and the run goes on with the other
files.

Exit codes: 0 success; 1 findings (reserved for ``dedupe check``); 2 usage or
input errors, when nothing could be processed; 3 an internal error (a bug:
please report it with the ``DEDUPE_DEBUG=1`` traceback).
"""

from __future__ import annotations

import argparse
import dataclasses
import errno
import io
import itertools
import os
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from dedupe import __version__
from dedupe.config import ConfigError, find_config, read_config
from dedupe.model import FAIL_ON, PassageKind, Policy
from dedupe.progress import Progress

if TYPE_CHECKING:
    from dedupe.application import PassageFilter
    from dedupe.archive import Index
    from dedupe.corpus import OnRead
    from dedupe.fingerprints import Fingerprinted
    from dedupe.model import Article

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_INPUT = 2
EXIT_INTERNAL = 3
#: Articles per ``index add`` transaction: a Ctrl-C loses at most the batch
#: being written (a rerun adds it), and each commit carries enough to be
#: cheap per article. A commit rewrites every index page its keys land on,
#: and the keys land all over the newest generation, so the bytes written
#: fall with each commit's size: on 100,000 articles (an 803 MB index),
#: batches of 1,000 wrote 23.1 GB and took 248 s, batches of 5,000 wrote
#: 6.1 GB and took 208 s, for some 230 MB more memory (about 34 KB per
#: article waiting, and the rows of one insert).
ADD_BATCH = 5000
# The one list of formats per command (kept in step with dedupe.reports'
# renderers, which a test checks, so that --help imports no renderer).
REPORT_FORMATS = ("text", "json", "html")
CHECK_FORMATS = ("text", "json", "jsonl", "junit", "github", "html")


#: Article ids are SQLite integers (and Redis counters): 1 to 2**63 - 1.
MAX_ARTICLE_ID = 2**63 - 1


def _article_id(value: str) -> int:
    number = int(value)
    if not 1 <= number <= MAX_ARTICLE_ID:
        raise argparse.ArgumentTypeError(f"an article id is 1 to {MAX_ARTICLE_ID}, not {number}")
    return number


def _positive(value: str) -> int:
    number = int(value)
    if number < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {number}")
    return number


def _codec(value: str) -> str:
    import codecs

    try:
        return codecs.lookup(value).name
    except LookupError:
        raise argparse.ArgumentTypeError(f"unknown encoding {value!r}") from None


def _assignment(value: str) -> tuple[str, str]:
    name, equals, setting = value.partition("=")
    if not equals or not name.strip():
        raise argparse.ArgumentTypeError(f"expected NAME=VALUE, not {value!r}")
    return name.strip(), setting.strip()


#: Shown at the end of ``dedupe --help``.
EPILOG = """\
examples:
  dedupe check draft.txt --against wire/ --fail-on uncredited   # a CI gate
  dedupe check scraped/ --index sqlite:///srv/news/index.db --format json
  dedupe report a.html b.txt some/dir/                          # what a set of articles share
  dedupe report scraped/ --format html -o report.html           # the texts side by side, in a browser
  dedupe index add wire/ --publisher Reuters                    # build an index of originals
  curl -s https://example.com/story | dedupe clean -            # - is standard input

exit codes:
  0  success (some inputs may have failed: each is one line on stderr)
  1  dedupe check: a draft breaks --fail-on or --max-coverage
  2  usage or input error; for dedupe check, any draft that could not be read
  3  internal error (a bug: DEDUPE_DEBUG=1 shows the traceback)
"""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="dedupe",
        description="Clean scraped news articles and find the passages they share.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    report = commands.add_parser("report", help="report the passages shared between articles",
                                 description="Clean every article and report the passages they share.")
    report.add_argument("paths", nargs="+", metavar="PATH",
                        help="article files (.txt, .html) or directories; - for standard input")
    report.add_argument("--format", choices=REPORT_FORMATS, default="text", help="output format (default: text)")
    report.add_argument("--no-learn", dest="learn", action="store_false",
                        help="do not learn boilerplate recurring across the articles")
    report.set_defaults(run=_run_report)

    check = commands.add_parser(
        "check", help="check candidates against source articles (exit 1 on findings)",
        description="Say, for each candidate, which sources it derives from, how reworded, whether credited, "
                    "and what it adds. Defaults come from [dedupe] in setup.cfg or [tool.dedupe] in pyproject.toml.")
    check.add_argument("candidates", nargs="+", metavar="CANDIDATE",
                       help="article files or directories to check; - for standard input")
    check.add_argument("--against", nargs="+", metavar="SOURCE",
                       help="source files or directories; NAME=PATH names the publisher of the sources at PATH")
    check.add_argument("--index", metavar="URL", help="check against an index of originals (see `dedupe index`)")
    check.add_argument("--fail-on", action="append", metavar="RULE",
                       help=f"exit 1 when a candidate shows this: {', '.join(FAIL_ON)} (repeat or comma-separate)")
    check.add_argument("--max-coverage", type=float, metavar="FRACTION",
                       help="exit 1 when more than this share of a candidate comes from sources")
    check.add_argument("--format", choices=CHECK_FORMATS, help="output format (default: text)")
    for sub in (report, check):
        sub.add_argument("-o", "--output", metavar="FILE", help="write the result to FILE instead of stdout")
        sub.add_argument("--jobs", type=_positive, default=1, metavar="N",
                         help="processes reading and cleaning the files (default 1; the number of cores is fastest)")
        sub.add_argument("--min-words", type=int, default=0, metavar="N",
                         help="show only passages of at least N words (verdicts and directions still weigh "
                              "every passage)")
        sub.add_argument("--min-similarity", type=float, default=0.0, metavar="S",
                         help="show only passages of similarity at least S (0 to 1)")
        sub.add_argument("--kind", action="append", choices=[str(kind) for kind in PassageKind], metavar="KIND",
                         help="show only passages of this kind (repeatable): "
                              + ", ".join(str(kind) for kind in PassageKind))
    check.set_defaults(run=_run_check)

    index = commands.add_parser("index", help="manage an index of originals to check against",
                                description="An index of originals: SQLite file by default (./.dedupe/index.db).")
    index_commands = index.add_subparsers(dest="index_command", required=True, metavar="ACTION")
    add = index_commands.add_parser("add", help="add articles (files or directories) to the index")
    add.add_argument("paths", nargs="+", metavar="PATH")
    add.add_argument("--publisher", metavar="NAME", help="the publisher of these articles")
    add.add_argument("--jobs", type=_positive, default=None, metavar="N",
                     help="processes reading, cleaning and fingerprinting the articles while this one writes "
                          "(default: one per core)")
    add.add_argument("--batch", type=_positive, default=ADD_BATCH, metavar="N",
                     help=f"articles per transaction (default {ADD_BATCH}): larger batches write less to an "
                          "SQLite index; smaller ones wait in less memory and lose less to an interruption")
    remove = index_commands.add_parser("remove", help="remove articles by id")
    remove.add_argument("ids", nargs="+", type=_article_id, metavar="ID")
    listing = index_commands.add_parser("list", help="list the indexed articles")
    listing.add_argument("--limit", type=_positive, metavar="N", help="list only the first N (oldest) articles")
    stats = index_commands.add_parser("stats", help="counts, settings and integrity of the index")
    show = index_commands.add_parser("show", help="one indexed article: its metadata and cleaned text")
    show.add_argument("id", type=_article_id, metavar="ID")
    export = index_commands.add_parser("export", help="every indexed article as JSON Lines, oldest first")
    export.set_defaults(run=_run_index_export)
    for sub in (add, remove, listing, stats, show, export):
        sub.add_argument("--index", metavar="URL",
                         help="sqlite:///PATH, a file path or redis://HOST:PORT/DB (default ./.dedupe/index.db)")
    for sub in (add, remove, listing, stats, show):
        sub.add_argument("--format", choices=["text", "json"], default="text", help="output format (default: text)")
    add.set_defaults(run=_run_index_add)
    remove.set_defaults(run=_run_index_remove)
    listing.set_defaults(run=_run_index_list)
    stats.set_defaults(run=_run_index_stats)
    show.set_defaults(run=_run_index_show)

    clean = commands.add_parser("clean", help="print articles' cleaned text",
                                description="Print the cleaned text of articles, or their debris.")
    clean.add_argument("paths", nargs="+", metavar="PATH",
                       help="article files (.txt or .html) or directories; - for standard input")
    clean.add_argument("--format", choices=["text", "json", "jsonl"], default="text",
                       help="output format (default: text); jsonl streams one JSON object per article")
    clean.add_argument("--output-dir", metavar="DIR",
                       help="write each article's result to DIR/NAME.txt (or .json) instead of stdout")
    shown = clean.add_mutually_exclusive_group()
    shown.add_argument("--debris", action="store_true", help="list what was removed, and why, instead of the text")
    shown.add_argument("--extracted", action="store_true",
                       help="print the text spans point into (for HTML: the extracted text, before cleaning)")
    clean.set_defaults(run=_run_clean)
    for sub in (report, check, add, clean):
        sub.add_argument("--set", dest="settings", action="append", type=_assignment, default=[],
                         metavar="NAME=VALUE", help="change a setting of dedupe.Settings (repeatable), e.g. "
                                                    "--set min_word_similarity=0.5")
        sub.add_argument("-q", "--quiet", action="store_true",
                         help="say nothing on stderr but errors and inputs that could not be read")
        sub.add_argument("--color", choices=["auto", "always", "never"], default="auto",
                         help="colour the text output (default: auto, on a terminal unless NO_COLOR is set)")
        sub.add_argument("--no-color", action="store_true", help="the same as --color never")
        sub.add_argument("--encoding", type=_codec, metavar="NAME",
                         help="decode every input file in this encoding (e.g. cp1251) instead of detecting it: "
                              "UTF-8, a page's declared charset, else a guess that is warned about")
        sub.add_argument("--config", metavar="FILE",
                         help="read defaults from this setup.cfg ([dedupe]) or pyproject.toml ([tool.dedupe]) "
                              "instead of the nearest one")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code."""
    args = build_parser().parse_args(argv)
    _OUTPUT["quiet"] = bool(getattr(args, "quiet", False))
    _OUTPUT["color"] = _wants_color("never" if getattr(args, "no_color", False) else getattr(args, "color", "never"))
    try:
        code = int(args.run(args))
        sys.stdout.flush()  # a full disk shows here, not as a traceback at exit
        return code
    except BrokenPipeError:
        # The reader (e.g. `| head`) went away; nothing more to say.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
    except OSError as error:
        if error.errno not in _OUTPUT_ERRNOS:
            return _internal(error)
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        _say(f"the output cannot be written: {error.strerror or error}")
        return EXIT_INPUT
    except KeyboardInterrupt:
        print("dedupe: interrupted", file=sys.stderr)
        return 130
    except Exception as error:  # noqa: BLE001 - the one place a bug becomes a message
        return _internal(error)


#: Errors writing stdout that are the environment's, not a bug: a full disk
#: (``> /dev/full``), a quota, an I/O error.
_OUTPUT_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EIO, errno.EFBIG})


def _internal(error: Exception) -> int:
    """A bug: one line (the traceback with ``DEDUPE_DEBUG=1``), exit 3."""
    if os.environ.get("DEDUPE_DEBUG"):
        raise error
    print(f"dedupe: internal error: {type(error).__name__}: {error} (DEDUPE_DEBUG=1 shows the traceback)",
          file=sys.stderr)
    return EXIT_INTERNAL


def _emit(text: str, output: str | None = None, *, report: bool = False) -> int | None:
    """Print a command's result, or write it to ``output`` (``--output``);
    EXIT_INPUT when that file cannot be written. A ``report`` (the text
    format of ``check`` and ``report``) is coloured when ``--color`` says so. If the reader of stdout
    goes away first (``| head``), the rest is dropped quietly; the exit
    code, decided before printing, still says what the command found: a
    closed pipe never turns a failed gate into a pass."""
    if output:
        try:
            with open(output, "w", encoding="utf-8") as handle:
                handle.write(text if text.endswith("\n") else text + "\n")
        except OSError as error:
            _say(f"{output}: cannot be written: {error.strerror or error}")
            return EXIT_INPUT
        return None
    try:
        print(_painted(text) if report and _OUTPUT["color"] else text)
        sys.stdout.flush()
    except BrokenPipeError:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return None


def _say(message: object) -> None:
    """One line on stderr: an input that could not be used, a warning, an
    error; a file name's newline or escape sequence is shown escaped."""
    from dedupe.reports import printable

    print(f"dedupe: {printable(str(message))}", file=sys.stderr)


def _warn_guessed(article: Article) -> None:
    """Say that an article's encoding was guessed (a warning: not silenced by ``--quiet``)."""
    from dedupe.reading import encoding_warning

    warning = encoding_warning(article.path, article.metadata)
    if warning:
        _say(warning)


def _note(message: object) -> None:
    """One line on stderr saying what dedupe chose for the user (which config
    file, which index); ``--quiet`` silences these, never errors."""
    if not _OUTPUT["quiet"]:
        _say(message)


#: How this run prints: set once from the command line by :func:`main`.
_OUTPUT = {"quiet": False, "color": False}

_ANSI = {"red": "\x1b[31m", "green": "\x1b[32m", "bold": "\x1b[1m", "reset": "\x1b[0m"}


def _painted(text: str) -> str:
    """``text`` with a terminal's colours: failures red, passes green,
    section headings bold. Article text inside tables is left as it is."""
    lines = []
    for line in text.split("\n"):
        if line.startswith(("FAIL ", "FAILED")) or line.startswith("could not be read"):
            line = f"{_ANSI['red']}{line}{_ANSI['reset']}"
        elif line == "passed":
            line = f"{_ANSI['green']}{line}{_ANSI['reset']}"
        elif line.startswith("== "):
            line = f"{_ANSI['bold']}{line}{_ANSI['reset']}"
        lines.append(line)
    return "\n".join(lines)


def _wants_color(choice: str) -> bool:
    """``--color``: always, never, or (auto) on a terminal unless ``NO_COLOR`` is set."""
    if choice != "auto":
        return choice == "always"
    return sys.stdout.isatty() and not os.environ.get("NO_COLOR")


def _failed(error: Exception) -> int:
    """Say why nothing could be done (each unreadable input first, when that was it); exit 2."""
    for problem in getattr(error, "errors", ()):
        _say(problem)
    _say(error)
    return EXIT_INPUT


def _config(args: argparse.Namespace) -> tuple[str | None, dict[str, Any]]:
    """(path, values) of the configuration file: the one ``--config`` names,
    else the project's; (None, {}) when there is none."""
    located = read_config(args.config) if args.config else find_config()
    return (str(located[0]), located[1]) if located else (None, {})


def _overrides(args: argparse.Namespace, config: dict[str, Any]) -> dict[str, object]:
    """Settings the config file and ``--set`` change (the command line wins)."""
    return {**config.get("settings", {}), **dict(args.settings)}


@contextmanager
def _reading() -> Iterator[OnRead]:
    """A progress bar (on a terminal, unless ``--quiet``) over the files a
    report or check reads and cleans; the library tells it how far it got."""
    with Progress(None, "reading", stream=None if not _OUTPUT["quiet"] else io.StringIO()) as progress:
        yield lambda done, more: progress.advance(done, total=(progress.total or 0) + more if more else None)


def _shown(args: argparse.Namespace) -> PassageFilter | None:
    """The passages ``--min-words``, ``--min-similarity`` and ``--kind`` ask to see; None for all."""
    from dedupe.application import PassageFilter

    if not (args.min_words or args.min_similarity or args.kind):
        return None
    return PassageFilter(args.min_words, args.min_similarity, frozenset(args.kind) if args.kind else None)


def _run_report(args: argparse.Namespace) -> int:
    from dedupe.application import report
    from dedupe.reports import REPORT_FORMATS as RENDERERS

    try:
        _, config = _config(args)
        with _reading() as on_read:
            result = report(args.paths, settings=_overrides(args, config), learn=args.learn, shown=_shown(args),
                            encoding=args.encoding, jobs=args.jobs, on_read=on_read)
    except (ConfigError, ValueError) as error:
        return _failed(error)
    for problem in result.errors:
        _say(problem)
    for warning in result.warnings:
        _say(warning)
    return _emit(RENDERERS[args.format](result), args.output, report=args.format == "text") or EXIT_OK


def _run_check(args: argparse.Namespace) -> int:
    from dedupe.application import check
    from dedupe.reports import CHECK_FORMATS as RENDERERS
    from dedupe.reports import step_summary
    from dedupe.store import StoreError

    try:
        config_path, config = _config(args)
        against, index_url, policy, output = _check_options(args, config_path, config)
        if config_path:
            _note(f"defaults from {config_path}")
        with _reading() as on_read:
            result = check(args.candidates, against=against or None, index=index_url, policy=policy,
                           settings=_overrides(args, config), encoding=args.encoding, shown=_shown(args),
                           jobs=args.jobs, on_read=on_read)
    except (ConfigError, ValueError, StoreError) as error:
        return _failed(error)
    for problem in result.errors:
        _say(problem)
    for warning in result.warnings:
        _say(warning)
    if result.unread:
        code = EXIT_INPUT  # a gate never passes what it could not read
    else:
        code = EXIT_OK if result.passed else EXIT_FINDINGS
    result = dataclasses.replace(result, config=config_path)
    summary = os.environ.get("GITHUB_STEP_SUMMARY")
    if output == "github" and summary:
        try:
            with open(summary, "a", encoding="utf-8") as handle:
                handle.write(step_summary(result))
        except OSError as error:
            _say(f"{summary}: cannot write the step summary: {error.strerror or error}")
    return _emit(RENDERERS[output](result), args.output, report=output == "text") or code


def _check_options(args: argparse.Namespace, config_path: str | None,
                   config: dict[str, Any]) -> tuple[list[str], str | None, Policy, str]:
    """Sources (paths or an index URL), policy and format: the command line
    first, then the project's configuration file, then the built-in defaults."""
    against = args.against or ([] if args.index else config.get("against"))
    index_url = args.index or (None if args.against else config.get("index"))
    if against and index_url:
        raise ValueError("give either --against or --index, not both")
    from dedupe.store import DEFAULT_PATH

    if not against and not index_url and os.path.isfile(DEFAULT_PATH):
        index_url = DEFAULT_PATH
        _note(f"no --against or --index given: checking against the default index {DEFAULT_PATH}")
    if not against and not index_url:
        raise ValueError("no sources: give --against SOURCE... or --index URL, set `against` or `index` "
                         f"in [dedupe] (setup.cfg) or [tool.dedupe] (pyproject.toml), or build {DEFAULT_PATH} "
                         "with `dedupe index add`")
    given_rules = args.fail_on or config.get("fail-on") or []
    rules = [rule for given in given_rules for rule in given.replace(",", " ").split()]
    max_coverage = args.max_coverage if args.max_coverage is not None else config.get("max-coverage")
    output = args.format or config.get("format") or "text"
    if output not in CHECK_FORMATS:
        raise ValueError(f"format {output!r} in {config_path or 'the configuration'} is not one of "
                         f"{', '.join(CHECK_FORMATS)}")
    return list(against or []), index_url, Policy(frozenset(rules), max_coverage), output


def _run_index_add(args: argparse.Namespace) -> int:
    from dedupe.archive import open_index
    from dedupe.corpus import prepare_articles
    from dedupe.reading import InputError, find_articles
    from dedupe.serialise import to_json
    from dedupe.store import StoreError

    counts = {"added": 0, "already indexed": 0, "failed": 0}
    added: list[dict[str, object]] = []
    batch: list[tuple[Article, Fingerprinted]] = []

    def flush(index: Index) -> None:
        articles = [article for article, _ in batch]
        stored = index.add_many(articles, args.publisher, fingerprints=[prints for _, prints in batch])
        for article, (number, new) in zip(articles, stored):
            counts["added" if new else "already indexed"] += 1
            added.append({"id": number, "path": article.path, "new": new})
        batch.clear()

    try:
        _, config = _config(args)
        paths = list(find_articles(args.paths))
        with open_index(args.index, _overrides(args, config), create=True) as index, \
                Progress(len(paths), "indexing") as progress:
            for found in prepare_articles(paths, index.settings, args.encoding, jobs=args.jobs or _default_jobs(),
                                          ahead=args.batch):
                progress.advance()
                if isinstance(found, InputError):
                    counts["failed"] += 1
                    _say(found)
                    continue
                article, prints = found
                _warn_guessed(article)
                if article.path != "-":  # stored absolute: the index outlives the working directory
                    article = dataclasses.replace(article, path=os.path.abspath(article.path))
                batch.append((article, prints))
                if len(batch) >= args.batch:
                    flush(index)
            if batch:
                flush(index)
    except (ConfigError, ValueError, StoreError) as error:
        _say(error)
        return EXIT_INPUT
    if args.format == "json":
        print(to_json({"articles": added, "counts": counts}))
    else:
        print(", ".join(f"{count} {what}" for what, count in counts.items()))
    return EXIT_OK if counts["added"] + counts["already indexed"] else EXIT_INPUT


def _default_jobs() -> int:
    """Worker processes for ``index add`` without ``--jobs``: one per core
    this process may run on (its writer mostly waits on them)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _run_index_remove(args: argparse.Namespace) -> int:
    from dedupe.archive import open_index
    from dedupe.serialise import to_json
    from dedupe.store import StoreError

    try:
        with open_index(args.index) as index:
            removed = index.remove(args.ids)
    except StoreError as error:
        _say(error)
        return EXIT_INPUT
    missing = [number for number in args.ids if number not in removed]
    for number in missing:
        _say(f"no article with id {number} in the index")
    if args.format == "json":
        print(to_json({"removed": removed, "missing": missing}))
    else:
        print(f"removed {len(removed)}" + (f", {len(missing)} not found" if missing else ""))
    return EXIT_OK if removed or not missing else EXIT_INPUT


def _run_index_list(args: argparse.Namespace) -> int:
    from dedupe.serialise import stored_article_data, to_json
    from dedupe.store import StoreError, open_backend

    try:
        backend = open_backend(args.index)
        try:
            articles = list(itertools.islice(backend.articles(), args.limit))
        finally:
            backend.close()
    except StoreError as error:
        _say(error)
        return EXIT_INPUT
    if args.format == "json":
        print(to_json({"articles": [stored_article_data(article) for article in articles]}))
    else:
        from dedupe.reports import index_table

        print(index_table(articles))
    return EXIT_OK


def _run_index_show(args: argparse.Namespace) -> int:
    from dedupe.serialise import article_data, to_json
    from dedupe.store import StoreError, open_backend

    try:
        backend = open_backend(args.index)
        try:
            found = backend.load([args.id])
        finally:
            backend.close()
    except StoreError as error:
        _say(error)
        return EXIT_INPUT
    if not found:
        _say(f"no article {args.id} in the index")
        return EXIT_INPUT
    (article,) = found
    if args.format == "json":
        return _emit(to_json({"id": args.id, **article_data(article)})) or EXIT_OK
    from dedupe.reports import article_table

    header = "\n".join(f"{label}: {value}" for label, value in (
        ("id", args.id), ("path", article.path), ("title", article.title or "(untitled)"),
        ("publisher", article.metadata.get("publisher") or "-"), ("date", article.metadata.get("date") or "-")))
    return _emit(f"{header}\n\n{article.cleaned_text}\n\n{article_table(article)}") or EXIT_OK


#: Articles loaded per round trip by ``index export``.
EXPORT_BATCH = 500


def _run_index_export(args: argparse.Namespace) -> int:
    from dedupe.serialise import article_data, to_json_line
    from dedupe.store import StoreError, open_backend

    try:
        backend = open_backend(args.index)
        try:
            with backend.snapshot():  # no article removed between listing and loading it
                listed = backend.articles()
                while batch := [stored.id for stored in itertools.islice(listed, EXPORT_BATCH)]:
                    loaded = backend.load(batch)
                    pairs = (zip(batch, loaded) if len(loaded) == len(batch)
                             else ((n, a) for n in batch for a in backend.load([n])))
                    for number, article in pairs:
                        sys.stdout.write(to_json_line({"id": number, **article_data(article)}) + "\n")
        finally:
            backend.close()
    except StoreError as error:
        _say(error)
        return EXIT_INPUT
    return EXIT_OK


def _run_index_stats(args: argparse.Namespace) -> int:
    from dedupe.serialise import to_json
    from dedupe.store import StoreError, inspect_backend

    try:
        stats = inspect_backend(args.index)
    except StoreError as error:
        _say(error)
        return EXIT_INPUT
    if args.format == "json":
        print(to_json(stats))
    else:
        from dedupe.reports import stats_table

        print(stats_table(stats))
    return EXIT_OK if stats.get("integrity") == "ok" else EXIT_INPUT


def _run_clean(args: argparse.Namespace) -> int:
    from dedupe.corpus import load_article
    from dedupe.reading import InputError, find_articles
    from dedupe.settings import settings_from_dict

    try:
        _, config = _config(args)
        settings = settings_from_dict(_overrides(args, config))
    except (ConfigError, ValueError) as error:
        return _failed(error)
    # Directories expand to their articles; a file named is read as given, so its error is precise.
    found = [item for given in args.paths
             for item in (find_articles([given]) if os.path.isdir(given) else [given])]
    several = len(found) > 1
    if args.output_dir:
        try:
            os.makedirs(args.output_dir, exist_ok=True)
        except OSError as error:
            _say(f"{args.output_dir}: cannot be created: {error.strerror or error}")
            return EXIT_INPUT
    cleaned = 0
    seen: set[str] = set()
    for path in found:
        if not isinstance(path, InputError):
            if os.path.realpath(path) in seen:
                continue
            seen.add(os.path.realpath(path))
        try:
            if isinstance(path, InputError):
                raise path
            article = load_article(path, settings, args.encoding)
        except InputError as error:
            _say(error)
            continue
        _warn_guessed(article)
        text = _cleaned_output(article, args)
        if args.output_dir:
            suffix = ".json" if args.format in ("json", "jsonl") else ".txt"
            target = os.path.join(args.output_dir, _output_name(article.path, suffix))
            try:
                with open(target, "w", encoding="utf-8") as handle:
                    handle.write(text + "\n")
            except OSError as error:
                _say(f"{target}: cannot be written: {error.strerror or error}")
                continue
        elif several and args.format == "text":
            _emit(f"==> {article.path} <==\n{text}\n")
        else:
            _emit(text)
        cleaned += 1
    return EXIT_OK if cleaned else EXIT_INPUT


def _cleaned_output(article: Article, args: argparse.Namespace) -> str:
    """What ``dedupe clean`` shows of one article in the chosen format."""
    if args.format in ("json", "jsonl"):
        from dedupe.serialise import article_data, to_json, to_json_line

        return (to_json_line if args.format == "jsonl" else to_json)(article_data(article))
    if args.debris:
        from dedupe.reports import article_table

        return article_table(article)
    if args.extracted:
        return article.text.rstrip("\n")
    return article.cleaned_text


def _output_name(path: str, suffix: str) -> str:
    """A file name for an article's result in ``--output-dir``: its own name
    with ``suffix`` (``-`` is ``stdin``)."""
    stem = "stdin" if path == "-" else os.path.splitext(os.path.basename(path.rstrip("/")))[0] or "article"
    return stem + suffix


if __name__ == "__main__":
    sys.exit(main())
