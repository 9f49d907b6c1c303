"""Progress on stderr for long operations, such as indexing a directory.

A bar, with the rate and the time left, is drawn only when stderr is a
terminal, so logs and CI output stay clean; the count summary at the end is printed either way by the caller.
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
        self._started = time.monotonic()
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

    def advance(self, count: int = 1, total: int | None = None) -> None:
        """Count ``count`` more items done; ``total``, when given, is the
        number of items once it is known."""
        if total is not None:
            self.total = total
        self.done += count
        now = time.monotonic()
        if self._visible and now - self._drawn_at >= _INTERVAL:
            self._drawn_at = now
            self._draw()

    def line(self) -> str:
        """What the bar shows now: count, rate and (with a total) the time left.

        >>> import io
        >>> progress = Progress(10, "reading", stream=io.StringIO())
        >>> progress.advance(4)
        >>> progress.line().startswith("reading [############------------------] 4/10 ")
        True
        """
        elapsed = max(time.monotonic() - self._started, 1e-9)
        rate = self.done / elapsed
        if not self.total:
            return f"{self.label} {self.done} ({rate:.1f}/s)"
        filled = int(_WIDTH * min(self.done, self.total) / self.total)
        bar = "#" * filled + "-" * (_WIDTH - filled)
        left = (self.total - self.done) / rate if rate else 0.0
        return f"{self.label} [{bar}] {self.done}/{self.total} {rate:.1f}/s, {_clock(left)} left"

    def _draw(self) -> None:
        self.stream.write(f"\r{self.line()}\x1b[K")  # \x1b[K clears what a longer line left
        self.stream.flush()


def _clock(seconds: float) -> str:
    """``m:ss`` (or ``h:mm:ss``) for a duration."""
    whole = int(seconds + 0.5)
    hours, rest = divmod(whole, 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}" if hours else f"{rest // 60}:{rest % 60:02d}"
