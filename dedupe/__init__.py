"""dedupe: article deduplication and provenance checking."""

__version__ = "0.1.0"
