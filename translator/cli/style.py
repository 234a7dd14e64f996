"""The style new code is formatted in, read from the project's ``pyproject.toml`` as black reads
it: ``line-length``, ``skip-string-normalization`` and ``skip-magic-trailing-comma`` of
``[tool.black]``; a ``line-length`` in ``[tool.torch2paddle]`` wins over black's.  The nearest
``pyproject.toml`` at or above the inputs' common folder counts (the working folder for stdin).
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any, Sequence

__all__ = ["StyleConfigError", "style_for", "read_style"]


class StyleConfigError(Exception):
    """The ``pyproject.toml`` cannot be read or holds a bad value; the message says where."""


def find_pyproject(start: Path) -> Path | None:
    """The nearest ``pyproject.toml`` in ``start`` or a folder above it."""
    start = start.resolve()
    for d in (start, *start.parents):
        candidate = d / "pyproject.toml"
        if candidate.is_file():
            return candidate
    return None


def read_style(pyproject: Path) -> dict[str, Any]:
    """The ``Settings`` fields ``pyproject`` sets (``line_length``, ``string_normalization``,
    ``magic_trailing_comma``); raises ``StyleConfigError``."""
    try:
        data = tomllib.loads(pyproject.read_text(encoding="utf-8"))
    except OSError as exc:
        raise StyleConfigError(f"{pyproject}: cannot read: {exc.strerror or exc}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise StyleConfigError(f"{pyproject}: invalid TOML: {exc}") from None
    tool = data.get("tool") if isinstance(data.get("tool"), dict) else {}
    black = tool.get("black") if isinstance(tool.get("black"), dict) else {}
    ours = tool.get("torch2paddle") if isinstance(tool.get("torch2paddle"), dict) else {}
    out: dict[str, Any] = {}
    for table, name in ((black, "black"), (ours, "torch2paddle")):
        if "line-length" in table:
            value = table["line-length"]
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise StyleConfigError(f"{pyproject}: tool.{name}.line-length must be a positive integer, got {value!r}")
            out["line_length"] = value
    for key, field in (("skip-string-normalization", "string_normalization"), ("skip-magic-trailing-comma", "magic_trailing_comma")):
        if key in black:
            if not isinstance(black[key], bool):
                raise StyleConfigError(f"{pyproject}: tool.black.{key} must be true or false, got {black[key]!r}")
            out[field] = not black[key]
    return out


def style_for(sources: Sequence[Path]) -> dict[str, Any]:
    """``read_style`` of the nearest ``pyproject.toml`` above ``sources`` (none: black's defaults)."""
    if sources:
        folders = [str((s if s.is_dir() else s.parent).resolve()) for s in sources]
        start = Path(os.path.commonpath(folders))
    else:
        start = Path.cwd()
    pyproject = find_pyproject(start)
    return read_style(pyproject) if pyproject is not None else {}
