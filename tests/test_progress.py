"""The progress bar: drawn on a terminal, silent otherwise."""

import io

from dedupe.progress import Progress


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_bar_is_drawn_on_a_terminal_and_ends_with_the_final_count():
    stream = Terminal()
    with Progress(4, "indexing", stream=stream) as progress:
        for _ in range(4):
            progress.advance()
    assert stream.getvalue().endswith("\rindexing [##############################] 4/4\n")


def test_nothing_is_written_when_not_a_terminal():
    stream = io.StringIO()
    with Progress(4, "indexing", stream=stream) as progress:
        progress.advance(4)
    assert stream.getvalue() == "" and progress.done == 4


def test_unknown_total_shows_a_count():
    stream = Terminal()
    with Progress(None, "reading", stream=stream) as progress:
        progress.advance(7)
    assert stream.getvalue().endswith("\rreading 7\n")
