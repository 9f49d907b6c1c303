"""The progress bar: drawn on a terminal, silent otherwise."""

import io
import re

from dedupe.progress import Progress


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_bar_is_drawn_on_a_terminal_and_ends_with_the_final_count():
    stream = Terminal()
    with Progress(4, "indexing", stream=stream) as progress:
        for _ in range(4):
            progress.advance()
    assert re.search(r"\rindexing \[#{30}\] 4/4 [\d.]+/s, 0:00 left\x1b\[K\n$", stream.getvalue())


def test_nothing_is_written_when_not_a_terminal():
    stream = io.StringIO()
    with Progress(4, "indexing", stream=stream) as progress:
        progress.advance(4)
    assert stream.getvalue() == "" and progress.done == 4


def test_unknown_total_shows_a_count():
    stream = Terminal()
    with Progress(None, "reading", stream=stream) as progress:
        progress.advance(7)
    assert re.search(r"\rreading 7 \([\d.]+/s\)\x1b\[K\n$", stream.getvalue())


def test_total_learned_on_the_way_and_time_left_from_the_rate():
    progress = Progress(None, "reading", stream=io.StringIO())
    progress._started -= 10  # ten seconds in
    progress.advance(5, total=20)
    assert progress.line() == "reading [#######-----------------------] 5/20 0.5/s, 0:30 left"
