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

``sync`` is the ``sync`` command's (see :mod:`.sync`), which also takes ``select``, ``ignore``,
``jobs`` and ``paddle-version`` from the table.  An unknown key, or a value of the wrong
type, is an error naming the file and the key (exit 2).

Every reader of the file (these options, the ``sync`` entries, the style in :mod:`.style`, the
libraries) reads it through ``load_pyproject``, so a file that cannot be read or decoded gives
the same one-line error wherever it is read.
"""

from __future__ import annotations

import dataclasses
import os
import re
from pathlib import Path
from typing import Any

from .. import codes

__all__ = [
    "CONFIG_KEYS", "ConfigError", "ProjectConfig", "cores", "find_project", "find_pyproject", "load_config",
    "load_pyproject", "parse_codes", "worker_count",
]

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
    folders = [(s if s.is_dir() else s.parent).resolve() for s in srcs] or [Path.cwd()]
    try:
        common = Path(os.path.commonpath([str(f) for f in folders]))
    except ValueError:  # different drives
        common = folders[0]
    return find_pyproject(common)


def find_pyproject(start: Path) -> Path | None:
    """The nearest ``pyproject.toml`` in ``start`` or a folder above it."""
    start = start.resolve()
    for d in (start, *start.parents):
        candidate = d / "pyproject.toml"
        if candidate.is_file():
            return candidate
    return None


def load_pyproject(pyproject: Path) -> dict[str, Any]:
    """The ``[tool]`` tables of ``pyproject`` (empty when it has none); raises ``ConfigError``
    naming the file when it cannot be read, is not TOML, or its ``tool`` is not a table."""
    import tomllib  # (imported here: `import translator.cli` stays quick)

    try:
        data = tomllib.loads(pyproject.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{pyproject}: cannot read: {getattr(exc, 'strerror', None) or exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{pyproject}: invalid TOML: {exc}") from None
    tool = data.get("tool", {})
    if not isinstance(tool, dict):
        raise ConfigError(f"{pyproject}: tool must be a table")
    return tool


def load_config(pyproject: Path | None) -> ProjectConfig:
    """The checked translate keys of ``pyproject``'s ``[tool.torch2paddle]`` (none when it has
    no such table, or there is no file)."""
    if pyproject is None:
        return ProjectConfig()
    table = load_pyproject(pyproject).get("torch2paddle", {})
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


def worker_count(jobs: int | None, config: ProjectConfig) -> int:
    """The worker processes of a run: ``--jobs`` when given, else the table's ``jobs``, else 0;
    0 meaning one per core (as black and ruff default). A negative count is returned as it is,
    for the caller to refuse."""
    if jobs is None:
        jobs = config.get("jobs", 0)
    return cores() if jobs == 0 else jobs


def cores() -> int:
    """The cores this process may run on (its CPU affinity where the system has one)."""
    try:
        return len(os.sched_getaffinity(0)) or 1
    except (AttributeError, OSError):
        return os.cpu_count() or 1


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
