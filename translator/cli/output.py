"""What every command prints on stderr: one-line errors and diagnostics."""

from __future__ import annotations

import os
import sys

from ..diagnostics import Diagnostic

__all__ = ["EXTRA_MODULES", "cache_folder", "err", "format_diagnostic", "missing_extra", "use_color"]

# What ``pip install "torch2paddle[verify]"`` brings (pyproject.toml's optional dependencies).
EXTRA_MODULES = frozenset({"numpy", "torch", "torchvision", "paddle", "safetensors"})


def cache_folder() -> str:
    """The cache folder this process's environment names ($TORCH2PADDLE_CACHE_DIR, else
    $XDG_CACHE_HOME/torch2paddle): read here, at the CLI edge, and passed on in Settings."""
    from ..diskcache import cache_dir

    return str(cache_dir(os.environ))


def err(msg: str) -> None:
    """``torch2paddle: error: msg`` on stderr."""
    print(f"torch2paddle: error: {msg}", file=sys.stderr)


def use_color(stream, no_color: bool = False) -> bool:  # type: ignore[no-untyped-def]
    """Colour on ``stream``: only on a terminal, and neither ``--no-color`` nor ``NO_COLOR``
    (https://no-color.org: set and not empty) nor ``TERM=dumb``."""
    if no_color or os.environ.get("NO_COLOR", "") != "" or os.environ.get("TERM") == "dumb":
        return False
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False


_BOLD, _RED, _YELLOW, _RESET = "\x1b[1m", "\x1b[31m", "\x1b[33m", "\x1b[0m"


def format_diagnostic(d: Diagnostic, *, failed: bool = False, color: bool = False) -> str:
    """``path:line:col: CODE api: message`` (no ``:line:col`` when there is no position); with
    ``color`` the location is bold and the code red (an error) or yellow (a warning)."""
    if not color:
        return str(d)
    where = f"{d.path}:{d.line}:{d.col}" if d.line else d.path
    tint = _YELLOW if d.severity.value == "warning" else _RED
    api = f" {d.api}:" if d.api else ""
    return f"{_BOLD}{where}{_RESET}: {_BOLD}{tint}{d.code}{_RESET}{api} {d.message}"


def missing_extra(command: str, exc: ImportError) -> str | None:
    """The one-line error for ``command`` when ``exc`` is a missing optional dependency (one
    the ``verify`` extra installs), else None (some other import failed: not ours to explain)."""
    name = (getattr(exc, "name", None) or "").split(".")[0]
    if not isinstance(exc, ModuleNotFoundError) or name not in EXTRA_MODULES:
        return None
    return f'{command} needs {name}, which is not installed: pip install "torch2paddle[verify]"'
