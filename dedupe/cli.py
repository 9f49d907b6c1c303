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
import os
import sys
from collections.abc import Sequence
from concurrent.futures import Executor, ProcessPoolExecutor
from contextlib import nullcontext

from dedupe import __version__
from dedupe.boilerplate import learn_boilerplate
from dedupe.comparison import compare, compare_against
from dedupe.corpus import Corpus, load_article, load_corpus
from dedupe.progress import Progress
from dedupe.reading import InputError, find_articles
from dedupe.config import ConfigError, find_config
from dedupe.gate import FAIL_ON, Policy, findings
from dedupe.reports import (
    article_table, check_data, check_tables, comparison_tables, github_annotations, index_table, junit_report,
    report_data, stats_table, to_json,
)
from dedupe.cleaning import Article
from dedupe.store import ArticleIndex, StoreError, fingerprint_many, inspect_index, open_index
from dedupe.verdicts import judge

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_INPUT = 2
EXIT_INTERNAL = 3
#: Articles per ``index add`` transaction: a Ctrl-C loses at most the batch
#: being written, and each commit carries enough to be cheap per article.
ADD_BATCH = 200


def _positive(value: str) -> int:
    number = int(value)
    if number < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {number}")
    return number


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="dedupe",
        description="Clean scraped news articles and find the passages they share.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    report = commands.add_parser("report", help="report the passages shared between articles",
                                 description="Clean every article and report the passages they share.")
    report.add_argument("paths", nargs="+", metavar="PATH", help="article files (.txt, .html) or directories")
    report.add_argument("--format", choices=["text", "json"], default="text", help="output format (default: text)")
    report.add_argument("--no-learn", dest="learn", action="store_false",
                        help="do not learn boilerplate recurring across the articles")
    report.set_defaults(run=_run_report)

    check = commands.add_parser(
        "check", help="check candidates against source articles (exit 1 on findings)",
        description="Say, for each candidate, which sources it derives from, how reworded, whether credited, "
                    "and what it adds. Defaults come from [dedupe] in setup.cfg or [tool.dedupe] in pyproject.toml.")
    check.add_argument("candidates", nargs="+", metavar="CANDIDATE", help="article files or directories to check")
    check.add_argument("--against", nargs="+", metavar="SOURCE",
                       help="source files or directories; NAME=PATH names the publisher of the sources at PATH")
    check.add_argument("--index", metavar="URL", help="check against an index of originals (see `dedupe index`)")
    check.add_argument("--fail-on", action="append", metavar="RULE",
                       help=f"exit 1 when a candidate shows this: {', '.join(FAIL_ON)} (repeat or comma-separate)")
    check.add_argument("--max-coverage", type=float, metavar="FRACTION",
                       help="exit 1 when more than this share of a candidate comes from sources")
    check.add_argument("--format", choices=["text", "json", "junit", "github"],
                       help="output format (default: text)")
    check.set_defaults(run=_run_check)

    index = commands.add_parser("index", help="manage an index of originals to check against",
                                description="An index of originals: SQLite file by default (./.dedupe/index.db).")
    index_commands = index.add_subparsers(dest="index_command", required=True, metavar="ACTION")
    add = index_commands.add_parser("add", help="add articles (files or directories) to the index")
    add.add_argument("paths", nargs="+", metavar="PATH")
    add.add_argument("--publisher", metavar="NAME", help="the publisher of these articles")
    add.add_argument("--jobs", type=_positive, default=1, metavar="N",
                     help="processes fingerprinting the articles (default 1; the number of cores is fastest)")
    remove = index_commands.add_parser("remove", help="remove articles by id")
    remove.add_argument("ids", nargs="+", type=int, metavar="ID")
    listing = index_commands.add_parser("list", help="list the indexed articles")
    stats = index_commands.add_parser("stats", help="counts, settings and integrity of the index")
    for sub in (add, remove, listing, stats):
        sub.add_argument("--index", metavar="URL",
                         help="sqlite:///PATH, a file path or redis://HOST:PORT/DB (default ./.dedupe/index.db)")
        sub.add_argument("--format", choices=["text", "json"], default="text", help="output format (default: text)")
    add.set_defaults(run=_run_index_add)
    remove.set_defaults(run=_run_index_remove)
    listing.set_defaults(run=_run_index_list)
    stats.set_defaults(run=_run_index_stats)

    clean = commands.add_parser("clean", help="print an article's cleaned text",
                                description="Print the cleaned text of one article, or its debris.")
    clean.add_argument("path", metavar="FILE", help="an article file (.txt or .html)")
    clean.add_argument("--format", choices=["text", "json"], default="text", help="output format (default: text)")
    shown = clean.add_mutually_exclusive_group()
    shown.add_argument("--debris", action="store_true", help="list what was removed, and why, instead of the text")
    shown.add_argument("--extracted", action="store_true",
                       help="print the text spans point into (for HTML: the extracted text, before cleaning)")
    clean.set_defaults(run=_run_clean)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code."""
    args = build_parser().parse_args(argv)
    try:
        return args.run(args)
    except BrokenPipeError:
        # The reader (e.g. `| head`) went away; nothing more to say.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
    except KeyboardInterrupt:
        print("dedupe: interrupted", file=sys.stderr)
        return 130
    except Exception as error:  # noqa: BLE001 - the one place a bug becomes a message
        if os.environ.get("DEDUPE_DEBUG"):
            raise
        print(f"dedupe: internal error: {type(error).__name__}: {error} (DEDUPE_DEBUG=1 shows the traceback)",
              file=sys.stderr)
        return EXIT_INTERNAL


def _warn(error: InputError) -> None:
    print(f"dedupe: {error}", file=sys.stderr)


def _run_report(args: argparse.Namespace) -> int:
    corpus = load_corpus(args.paths, learn=args.learn)
    for error in corpus.errors:
        _warn(error)
    if not corpus.articles:
        print("dedupe: no article could be read", file=sys.stderr)
        return EXIT_INPUT
    comparison = compare(corpus.articles)
    if args.format == "json":
        print(to_json(report_data(comparison, corpus.errors)))
    else:
        print(comparison_tables(comparison))
    return EXIT_OK


def _run_check(args: argparse.Namespace) -> int:
    try:
        options = _check_options(args)
    except (ConfigError, ValueError) as error:
        print(f"dedupe: {error}", file=sys.stderr)
        return EXIT_INPUT
    against, index_url, policy, output = options
    candidates = load_corpus(args.candidates, learn=False)
    for error in candidates.errors:
        _warn(error)
    if not candidates.articles:
        print("dedupe: no candidate could be read", file=sys.stderr)
        return EXIT_INPUT
    if index_url is not None:
        try:
            with open_index(index_url) as index:
                verdicts = judge(index.candidates(learn_boilerplate(candidates.articles)),
                                 known_publishers=index.publishers())
        except StoreError as error:
            print(f"dedupe: {error}", file=sys.stderr)
            return EXIT_INPUT
        errors = list(candidates.errors)
    else:
        sources = Corpus()
        publishers: dict[str, str] = {}
        for given in against:
            name, path = _named_source(given)
            loaded = load_corpus([path], learn=False)
            sources.errors.extend(loaded.errors)
            for article in loaded.articles:
                if name:
                    publishers[article.path] = name
                sources.articles.append(article)
        for error in sources.errors:
            _warn(error)
        if not sources.articles:
            print("dedupe: no source could be read", file=sys.stderr)
            return EXIT_INPUT
        seen: dict[str, str] = {}
        for source in sources.articles:
            if source.cleaned_text in seen:
                print(f"dedupe: {source.path}: same text as {seen[source.cleaned_text]}; compared once",
                      file=sys.stderr)
            seen.setdefault(source.cleaned_text, source.path)
        articles = learn_boilerplate([*candidates.articles, *sources.articles])
        split = len(candidates.articles)
        verdicts = judge(compare_against(articles[:split], articles[split:]), publishers)
        errors = [*candidates.errors, *sources.errors]
    found = [findings(verdict, policy) for verdict in verdicts]
    if output == "json":
        print(to_json(check_data(verdicts, errors, found)))
    elif output == "junit":
        print(junit_report(verdicts, found))
    elif output == "github":
        print(github_annotations(verdicts, found))
    else:
        print(check_tables(verdicts, found))
    return EXIT_FINDINGS if any(found) else EXIT_OK


def _check_options(args: argparse.Namespace) -> tuple[list[str], str | None, Policy, str]:
    """Sources (paths or an index URL), policy and format: the command line
    first, then the project's configuration file, then the built-in defaults."""
    located = find_config()
    config = located[1] if located else {}
    against = args.against or ([] if args.index else config.get("against"))
    index_url = args.index or (None if args.against else config.get("index"))
    if against and index_url:
        raise ValueError("give either --against or --index, not both")
    if not against and not index_url:
        raise ValueError("no sources: give --against SOURCE... or --index URL, or set `against` or `index` "
                         "in [dedupe] (setup.cfg) or [tool.dedupe] (pyproject.toml)")
    rules = [rule for given in (args.fail_on or config.get("fail-on") or []) for rule in given.replace(",", " ").split()]
    max_coverage = args.max_coverage if args.max_coverage is not None else config.get("max-coverage")
    output = args.format or config.get("format") or "text"
    if output not in ("text", "json", "junit", "github"):
        raise ValueError(f"format {output!r} in {located[0] if located else 'the configuration'} is not one of "
                         "text, json, junit, github")
    return list(against or []), index_url, Policy(frozenset(rules), max_coverage), output


def _run_index_add(args: argparse.Namespace) -> int:
    paths = list(find_articles(args.paths))
    counts = {"added": 0, "already indexed": 0, "failed": 0}
    added: list[dict[str, object]] = []
    batch: list[Article] = []

    def flush(index: ArticleIndex, executor: Executor | None) -> None:
        prints = fingerprint_many(batch, index.settings, executor=executor)
        for article, (number, new) in zip(batch, index.add_many(batch, args.publisher, fingerprints=prints)):
            counts["added" if new else "already indexed"] += 1
            added.append({"id": number, "path": article.path, "new": new})
        batch.clear()

    try:
        with open_index(args.index, create=True) as index, Progress(len(paths), "indexing") as progress, \
                (ProcessPoolExecutor(args.jobs) if args.jobs > 1 else nullcontext()) as executor:
            for found in paths:
                progress.advance()
                try:
                    if isinstance(found, InputError):
                        raise found
                    batch.append(load_article(found))
                except InputError as error:
                    counts["failed"] += 1
                    _warn(error)
                if len(batch) >= ADD_BATCH:
                    flush(index, executor)
            if batch:
                flush(index, executor)
    except StoreError as error:
        print(f"dedupe: {error}", file=sys.stderr)
        return EXIT_INPUT
    if args.format == "json":
        print(to_json({"articles": added, "counts": counts}))
    else:
        print(", ".join(f"{count} {what}" for what, count in counts.items()))
    return EXIT_OK if counts["added"] + counts["already indexed"] else EXIT_INPUT


def _run_index_remove(args: argparse.Namespace) -> int:
    try:
        with open_index(args.index) as index:
            removed = index.remove(args.ids)
    except StoreError as error:
        print(f"dedupe: {error}", file=sys.stderr)
        return EXIT_INPUT
    missing = [number for number in args.ids if number not in removed]
    for number in missing:
        print(f"dedupe: no article with id {number} in the index", file=sys.stderr)
    if args.format == "json":
        print(to_json({"removed": removed, "missing": missing}))
    else:
        print(f"removed {len(removed)}" + (f", {len(missing)} not found" if missing else ""))
    return EXIT_OK if removed or not missing else EXIT_INPUT


def _run_index_list(args: argparse.Namespace) -> int:
    try:
        with open_index(args.index) as index:
            articles = index.list()
    except StoreError as error:
        print(f"dedupe: {error}", file=sys.stderr)
        return EXIT_INPUT
    if args.format == "json":
        print(to_json({"articles": [article.as_dict() for article in articles]}))
    else:
        print(index_table(articles))
    return EXIT_OK


def _run_index_stats(args: argparse.Namespace) -> int:
    try:
        stats = inspect_index(args.index)
    except StoreError as error:
        print(f"dedupe: {error}", file=sys.stderr)
        return EXIT_INPUT
    if args.format == "json":
        print(to_json(stats))
    else:
        print(stats_table(stats))
    return EXIT_OK if stats.get("integrity") == "ok" else EXIT_INPUT


def _named_source(given: str) -> tuple[str | None, str]:
    """``NAME=PATH`` -> (NAME, PATH); a plain path (even one with ``=`` in it) -> (None, path)."""
    name, equals, path = given.partition("=")
    if not equals or os.path.exists(given) or not name.strip() or not path:
        return None, given
    return name.strip(), path


def _run_clean(args: argparse.Namespace) -> int:
    try:
        article = load_article(args.path)
    except InputError as error:
        _warn(error)
        return EXIT_INPUT
    if args.format == "json":
        print(to_json(article.as_dict()))
    elif args.debris:
        print(article_table(article))
    elif args.extracted:
        print(article.text, end="" if article.text.endswith("\n") else "\n")
    else:
        print(article.cleaned_text)
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
