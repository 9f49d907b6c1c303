"""Project defaults for ``dedupe check`` from the checked repository.

A newsroom's repository says once how its drafts are checked, so its CI
step stays one line. The nearest ``setup.cfg`` with a ``[dedupe]`` section,
or ``pyproject.toml`` with ``[tool.dedupe]``, found from the working
directory upwards, gives defaults for the options of the same names;
options given on the command line win.

``setup.cfg``::

    [dedupe]
    against = wire/ archive/
    fail-on = uncredited, reworded
    max-coverage = 0.3
    format = github

``pyproject.toml``::

    [tool.dedupe]
    against = ["wire/", "archive/"]
    fail-on = ["uncredited"]
    max-coverage = 0.3

Relative paths in ``against`` are taken from the directory of the file that
names them. A folder holding both a ``[tool.dedupe]`` and a ``[dedupe]``
section is refused (one would silently lose the other's options):
keep one, or name the one to use with ``--config FILE``
(:func:`read_config`). Any field of :class:`~dedupe.settings.Settings` may be set in
the same table, with ``-`` or ``_`` (``min-word-similarity = 0.5``,
``index-bands = 42, 3``): those values are gathered under ``settings``.
"""

from __future__ import annotations

import configparser
import os
import tomllib
from dataclasses import fields
from pathlib import Path
from typing import Any

from dedupe.settings import Settings, settings_from_dict

KEYS = ("against", "index", "fail-on", "max-coverage", "format")
SETTING_KEYS = frozenset(name for field in fields(Settings) for name in (field.name, field.name.replace("_", "-")))


class ConfigError(ValueError):
    """A configuration file that cannot be used; ``str()`` names it."""


#: The files dedupe reads its section from, nearest folder first.
_CONFIG_FILES = ("pyproject.toml", "setup.cfg")


def find_config(start: str | os.PathLike[str] = ".") -> tuple[Path, dict[str, Any]] | None:
    """The nearest folder from ``start`` upwards whose ``setup.cfg`` has a
    ``[dedupe]`` section or whose ``pyproject.toml`` has ``[tool.dedupe]``,
    as (file, normalised values). Raises :class:`ConfigError` when one
    folder has both."""
    directory = Path(start).resolve()
    for folder in (directory, *directory.parents):
        found = [(folder / name, values) for name in _CONFIG_FILES
                 if (folder / name).is_file() and (values := _section(folder / name)) is not None]
        if len(found) > 1:
            raise ConfigError(f"{folder}: both pyproject.toml [tool.dedupe] and setup.cfg [dedupe] give dedupe "
                              "options; keep one, or choose with --config FILE")
        if found:
            file, values = found[0]
            return file, _normalise(file, values)
    return None


def read_config(file: str | os.PathLike[str]) -> tuple[Path, dict[str, Any]]:
    """The dedupe options of one named file (``--config FILE``): its
    ``[tool.dedupe]`` table when it is TOML, else its ``[dedupe]`` section."""
    path = Path(file)
    if not path.is_file():
        raise ConfigError(f"{path}: no such configuration file")
    values = _section(path)
    if values is None:
        raise ConfigError(f"{path}: has no {'[tool.dedupe]' if _is_toml(path) else '[dedupe]'} section")
    return path, _normalise(path, values)


def _section(file: Path) -> dict[str, Any] | None:
    return _from_pyproject(file) if _is_toml(file) else _from_setup_cfg(file)


def _is_toml(file: Path) -> bool:
    return file.suffix == ".toml"


def _from_pyproject(file: Path) -> dict[str, Any] | None:
    try:
        data = tomllib.loads(file.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise ConfigError(f"{file}: cannot be read as TOML: {error}") from None
    section = data.get("tool", {}).get("dedupe")
    if section is None:
        return None
    if not isinstance(section, dict):
        raise ConfigError(f"{file}: [tool.dedupe] must be a table")
    return section


def _from_setup_cfg(file: Path) -> dict[str, Any] | None:
    parser = configparser.ConfigParser()
    try:
        parser.read_string(file.read_text(encoding="utf-8"), source=str(file))
    except (OSError, UnicodeDecodeError, configparser.Error) as error:
        raise ConfigError(f"{file}: cannot be read: {' '.join(str(error).split())}") from None
    if not parser.has_section("dedupe"):
        return None
    return dict(parser.items("dedupe"))


def _normalise(file: Path, values: dict[str, Any]) -> dict[str, Any]:
    unknown = set(values) - set(KEYS) - SETTING_KEYS
    if unknown:
        raise ConfigError(f"{file}: unknown dedupe option {', '.join(sorted(unknown))} (known: {', '.join(KEYS)}, "
                          "and the fields of dedupe.Settings)")
    result: dict[str, Any] = {}
    settings = {key: value for key, value in values.items() if key in SETTING_KEYS}
    if settings:
        try:
            settings_from_dict(settings)
        except ValueError as error:
            raise ConfigError(f"{file}: {error}") from None
        result["settings"] = settings
    for key in ("against", "fail-on"):
        if key in values:
            items = values[key]
            if isinstance(items, str):
                items = items.replace(",", " ").split()
            if not isinstance(items, list) or not all(isinstance(item, str) for item in items):
                raise ConfigError(f"{file}: {key} must be a list of strings")
            result[key] = items
    if "against" in result:
        result["against"] = [_relative_to(file, item) for item in result["against"]]
    if "max-coverage" in values:
        try:
            result["max-coverage"] = float(values["max-coverage"])
        except (TypeError, ValueError):
            raise ConfigError(f"{file}: max-coverage must be a number, not {values['max-coverage']!r}") from None
    for key in ("index", "format"):
        if key in values:
            if not isinstance(values[key], str):
                raise ConfigError(f"{file}: {key} must be a string")
            result[key] = values[key]
    return result


def _relative_to(file: Path, item: str) -> str:
    """``NAME=PATH`` or ``PATH``, with a relative PATH taken from the config file's folder."""
    name, equals, path = item.partition("=")
    if not equals:
        name, path = "", item
    if Path(path).is_absolute():
        return item
    resolved = os.path.relpath(file.parent / path)
    return f"{name}={resolved}" if equals else resolved
