"""The style new code is formatted in, read from the project's ``pyproject.toml`` as black reads
it: ``line-length``, ``skip-string-normalization`` and ``skip-magic-trailing-comma`` of
``[tool.black]``; a ``line-length`` in ``[tool.torch2paddle]`` wins over black's.  The file is
the one the command reads its configuration from (``config.find_project``, or ``--config``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .config import ConfigError, load_pyproject

__all__ = ["read_style"]


def read_style(pyproject: Path) -> dict[str, Any]:
    """The ``Settings`` fields ``pyproject`` sets (``line_length``, ``string_normalization``,
    ``magic_trailing_comma``); raises ``ConfigError``."""
    tool = load_pyproject(pyproject)
    black = tool.get("black") if isinstance(tool.get("black"), dict) else {}
    ours = tool.get("torch2paddle") if isinstance(tool.get("torch2paddle"), dict) else {}
    out: dict[str, Any] = {}
    for table, name in ((black, "black"), (ours, "torch2paddle")):
        if "line-length" in table:
            value = table["line-length"]
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ConfigError(f"{pyproject}: tool.{name}.line-length must be a positive integer, got {value!r}")
            out["line_length"] = value
    for key, field in (("skip-string-normalization", "string_normalization"), ("skip-magic-trailing-comma", "magic_trailing_comma")):
        if key in black:
            if not isinstance(black[key], bool):
                raise ConfigError(f"{pyproject}: tool.black.{key} must be true or false, got {black[key]!r}")
            out[field] = not black[key]
    return out

