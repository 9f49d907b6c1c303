"""Character spans: the one way every stage points into an article's text.

A span is ``[start, end)`` in characters (Python ``str`` indices) of the text
the article was read as: the decoded file for plain text, the extracted text
for HTML. Every span the tool reports is one of these.

>>> text = "Hello, world."
>>> span = Span(7, 12)
>>> span.of(text)
'world'
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True, order=True)
class Span:
    """A half-open character range ``[start, end)``."""

    start: int
    end: int

    def __post_init__(self) -> None:
        if not 0 <= self.start <= self.end:
            raise ValueError(f"bad span [{self.start}, {self.end})")

    def __len__(self) -> int:
        return self.end - self.start

    def of(self, text: str) -> str:
        """The characters of ``text`` this span covers."""
        return text[self.start : self.end]

    def as_list(self) -> list[int]:
        """``[start, end]``, the form spans take in JSON."""
        return [self.start, self.end]

    def overlaps(self, other: Span) -> bool:
        return self.start < other.end and other.start < self.end

    def union(self, other: Span) -> Span:
        """The smallest span covering both."""
        return Span(min(self.start, other.start), max(self.end, other.end))


def strip_span(text: str, start: int, end: int) -> Span | None:
    """Shrink ``[start, end)`` past surrounding whitespace; None if nothing is left.

    >>> strip_span("  a b  ", 0, 7)
    Span(start=2, end=5)
    """
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return Span(start, end) if start < end else None
