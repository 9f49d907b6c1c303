"""Settings: every field documented, every moved tunable really read."""

from __future__ import annotations

import ast
import inspect
from dataclasses import fields

import pytest

import dedupe.settings
from dedupe.alignment import align, kept_share, side
from dedupe.cleaning import clean_text
from dedupe.language import guess_language
from dedupe.model import Span
from dedupe.settings import DEFAULT_SETTINGS, Settings, settings_from_dict
from dedupe.verdicts import direction

ENGLISH = "The talks ended on Friday and the ministers left for their capitals, officials said."


# Fields that share the comment of the field right above them.
SHARED_COMMENTS = {"light_kept_share", "date_vote", "containment_vote", "scraper_vote"}


def _documented_fields() -> dict[str, bool]:
    """Each field of ``Settings`` in the source, with whether a ``#:``
    comment stands right above it (or, for :data:`SHARED_COMMENTS`, above
    the fields it shares one with)."""
    source = inspect.getsource(dedupe.settings)
    lines = source.splitlines()
    tree = ast.parse(source)
    settings_class = next(node for node in tree.body if isinstance(node, ast.ClassDef) and node.name == "Settings")
    documented: dict[str, bool] = {}
    for node in settings_class.body:
        if not isinstance(node, ast.AnnAssign) or not isinstance(node.target, ast.Name):
            continue
        row = node.lineno - 2  # the line above, 0-based
        if node.target.id in SHARED_COMMENTS:
            while row >= 0 and _is_field(lines[row]):
                row -= 1
        documented[node.target.id] = row >= 0 and lines[row].strip().startswith("#:")
    return documented


def _is_field(line: str) -> bool:
    stripped = line.strip()
    return bool(stripped) and not stripped.startswith("#") and ":" in stripped and "=" in stripped


def test_every_field_has_its_reasoning():
    documented = _documented_fields()
    assert set(documented) == {field.name for field in fields(Settings)}
    assert [name for name, has_comment in documented.items() if not has_comment] == []


def test_settings_round_trip_through_a_dict():
    assert settings_from_dict(Settings().as_dict()) == Settings()
    changed = Settings(min_run_words=4, extensive_date_search=True, index_bands=(42, 3), credit_vote=0)
    assert settings_from_dict(changed.as_dict()) == changed
    as_strings = {name: ",".join(map(str, value)) if isinstance(value, tuple) else str(value).lower()
                  for name, value in changed.as_dict().items()}
    assert settings_from_dict(as_strings) == changed


@pytest.mark.parametrize("value, expected", [("true", True), ("False", False), ("1", True), (0, False), (True, True)])
def test_flags_are_parsed(value, expected):
    assert settings_from_dict({"extensive_date_search": value}).extensive_date_search is expected


def test_language_min_share_is_read():
    assert guess_language(ENGLISH) == "en"
    assert guess_language(ENGLISH, Settings(language_min_share=0.9)) is None
    assert guess_language(ENGLISH, Settings(language_min_words=100)) is None


def test_language_settings_reach_the_cleaner():
    assert clean_text(ENGLISH).metadata["language"] == "en"
    assert "language" not in clean_text(ENGLISH, settings=Settings(language_min_share=0.9)).metadata


def test_min_run_words_is_read():
    a, b = "Talks resumed in Geneva on Monday", "talks resumed in Geneva late on Monday"
    assert kept_share(a, b) == 0.667
    assert kept_share(a, b, Settings(min_run_words=2)) == 1.0
    assert kept_share(a, b, Settings(min_run_words=5)) == 0.0


def test_explain_terms_is_read():
    a = side("Kyiv reported two attempted attacks on radar stations.", [Span(0, 54)])
    b = side("Two attempted attacks on radar stations were reported by Kyiv.", [Span(0, 62)])
    passage, = align(a, b, [(0, 0)], {})
    assert len(passage.shared) > 2
    short, = align(a, b, [(0, 0)], {}, Settings(explain_terms=2))
    assert short.shared == passage.shared[:2]


def test_direction_votes_are_read():
    # The copy credits the wire but carries the earlier date: by default the
    # credit (3 votes) outweighs the date (2).
    wire = clean_text("Talks resumed in Geneva on Monday.", "wire.txt",
                      metadata={"publisher": "Reuters", "date": "2024-05-03"})
    copy = clean_text("Talks resumed in Geneva on Monday, Reuters reported.", "copy.txt",
                      metadata={"date": "2024-05-02"})
    assert direction(copy, wire, []).original == "b"
    assert direction(copy, wire, [], settings=Settings(credit_vote=0)).original == "a"
    assert direction(copy, wire, [], settings=Settings(credit_vote=2)).original is None
    assert DEFAULT_SETTINGS.credit_vote == 3
