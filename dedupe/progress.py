"""Progress on stderr for long operations, such as indexing a directory.

A bar is drawn only when stderr is a terminal, so logs and CI output stay
clean; the count summary at the end is printed either way by the caller.
Drawing is throttled to a few times a second, so a tight loop is not slowed
by terminal writes.

>>> import io
>>> with Progress(3, "indexing", stream=io.StringIO()) as progress:
...     for _ in range(3):
...         progress.advance()
>>> progress.done
3
"""

from __future__ import annotations

import sys
import time
from types import TracebackType
from typing import TextIO

_WIDTH = 30
_INTERVAL = 0.2


class Progress:
    """A counter with an optional bar: ``advance()`` once per item."""

    def __init__(self, total: int | None, label: str, stream: TextIO | None = None) -> None:
        self.total = total
        self.label = label
        self.stream = stream if stream is not None else sys.stderr
        self.done = 0
        self._drawn_at = 0.0
        self._visible = bool(getattr(self.stream, "isatty", lambda: False)())

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        if self._visible:
            self._draw()
            self.stream.write("\n")
            self.stream.flush()

    def advance(self, count: int = 1) -> None:
        self.done += count
        now = time.monotonic()
        if self._visible and now - self._drawn_at >= _INTERVAL:
            self._drawn_at = now
            self._draw()

    def _draw(self) -> None:
        if self.total:
            filled = int(_WIDTH * min(self.done, self.total) / self.total)
            bar = "#" * filled + "-" * (_WIDTH - filled)
            self.stream.write(f"\r{self.label} [{bar}] {self.done}/{self.total}")
        else:
            self.stream.write(f"\r{self.label} {self.done}")
        self.stream.flush()
