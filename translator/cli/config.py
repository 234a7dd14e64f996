"""``[tool.torch2paddle]`` in the project's ``pyproject.toml``: defaults for ``translate``.

The project is found as black finds it: the nearest ``pyproject.toml`` in the common folder of
the inputs or a folder above it (``--config`` names one).  Keys (all optional; the command line
wins over them)::

    [tool.torch2paddle]
    select = ["T2P0", "T2P2"]       # codes or prefixes to report (default: all)
    ignore = ["T2P101"]             # codes or prefixes not to report or mark
    exclude = ["generated/", "*_pb2.py"]   # gitignore-style patterns, relative to this folder
    extend-exclude = ["legacy/"]    # more patterns, added to exclude
    gitignore = true                # skip what .gitignore files ignore (directory inputs)
    jobs = 0                        # worker processes: 0 = one per core
    paddle-version = "2.6"
    strict = false
    copy-other = false
    torch-init = false

``sync`` is the ``sync`` command's (see :mod:`.sync`), which also takes ``select``, ``ignore`` and
``paddle-version`` from the table.  An unknown key, or a value of the wrong
type, is an error naming the file and the key (exit 2).
"""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path
from typing import Any

from .. import codes

__all__ = ["CONFIG_KEYS", "ConfigError", "ProjectConfig", "find_project", "load_config", "parse_codes"]

#: every key of [tool.torch2paddle]: the translate options below, and the sync command's table
CONFIG_KEYS = {
    "select": list, "ignore": list, "exclude": list, "extend-exclude": list, "gitignore": bool,
    "jobs": int, "paddle-version": str, "strict": bool, "copy-other": bool, "torch-init": bool, "sync": list,
    "line-length": int,
    "libraries": list,
}


class ConfigError(ValueError):
    """A malformed ``[tool.torch2paddle]`` table (or selector); the message says where."""


@dataclasses.dataclass(frozen=True)
class ProjectConfig:
    path: Path | None = None  # the pyproject.toml read, if any
    values: dict = dataclasses.field(default_factory=dict)  # its translate keys, checked

    @property
    def root(self) -> Path | None:
        return self.path.parent if self.path is not None else None

    def get(self, key: str, default: Any = None) -> Any:
        return self.values.get(key, default)


def find_project(srcs: list[Path]) -> Path | None:
    """The nearest ``pyproject.toml`` in the inputs' common folder or above it (the current
    folder for stdin)."""
    import os

    folders = [(s if s.is_dir() else s.parent).resolve() for s in srcs] or [Path.cwd()]
    try:
        common = Path(os.path.commonpath([str(f) for f in folders]))
    except ValueError:  # different drives
        common = folders[0]
    for d in (common, *common.parents):
        candidate = d / "pyproject.toml"
        if candidate.is_file():
            return candidate
    return None


def load_config(pyproject: Path | None) -> ProjectConfig:
    """The checked translate keys of ``pyproject``'s ``[tool.torch2paddle]`` (none when it has
    no such table, or there is no file)."""
    if pyproject is None:
        return ProjectConfig()
    import tomllib

    try:
        data = tomllib.loads(pyproject.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{pyproject}: cannot read: {getattr(exc, 'strerror', None) or exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{pyproject}: invalid TOML: {exc}") from None
    table = data.get("tool", {}).get("torch2paddle", {})
    if not isinstance(table, dict):
        raise ConfigError(f"{pyproject}: tool.torch2paddle must be a table")
    values: dict = {}
    for key, value in table.items():
        where = f"{pyproject}: tool.torch2paddle.{key}"
        kind = CONFIG_KEYS.get(key)
        if kind is None:
            raise ConfigError(f"{where}: unknown key; known: {', '.join(sorted(CONFIG_KEYS))}")
        if key == "sync":
            continue
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            raise ConfigError(f"{where}: expected {_kind_name(kind)}, got {value!r}")
        if kind is list and not all(isinstance(v, str) for v in value):
            raise ConfigError(f"{where}: expected a list of strings, got {value!r}")
        if key in ("select", "ignore"):
            value = parse_codes(value, where)
        if key == "paddle-version" and not re.fullmatch(r"[0-9]+(\.[0-9]+){0,2}", value):
            raise ConfigError(f"{where}: expected a version such as 2.6 or 3.0, got {value!r}")
        if key == "jobs" and value < 0:
            raise ConfigError(f"{where}: expected 0 (every core) or a positive number, got {value}")
        values[key] = value
    return ProjectConfig(pyproject, values)


def parse_codes(items: list[str] | str, where: str) -> tuple[str, ...]:
    """Selectors from a list (or a comma-separated string): codes, prefixes (``T2P1``), ``ALL``."""
    if isinstance(items, str):
        items = items.split(",")
    out = []
    for item in items:
        text = item.strip().upper()
        if not text:
            continue
        if not codes.valid_selector(text):
            raise ConfigError(f"{where}: {item.strip()!r} is not a diagnostic code or prefix (such as T2P001, T2P1 or ALL)")
        if text != "ALL" and not any(c.code.startswith(text) for c in codes.CODES):
            raise ConfigError(f"{where}: {item.strip()!r} matches no diagnostic code")
        out.append(text)
    return tuple(out)


def _kind_name(kind: type) -> str:
    return {list: "a list", bool: "true or false", int: "an integer", str: "a string"}[kind]
