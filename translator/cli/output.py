"""What every command prints on stderr: one-line errors and diagnostics."""

from __future__ import annotations

import os
import sys

from ..diagnostics import Diagnostic

__all__ = ["EXTRA_MODULES", "cache_folder", "err", "format_diagnostic", "missing_extra"]

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


def format_diagnostic(d: Diagnostic, *, failed: bool = False) -> str:
    """``path:line:col: CODE: message`` (no ``:line:col`` when there is no position)."""
    return str(d)


def missing_extra(command: str, exc: ImportError) -> str | None:
    """The one-line error for ``command`` when ``exc`` is a missing optional dependency (one
    the ``verify`` extra installs), else None (some other import failed: not ours to explain)."""
    name = (getattr(exc, "name", None) or "").split(".")[0]
    if not isinstance(exc, ModuleNotFoundError) or name not in EXTRA_MODULES:
        return None
    return f'{command} needs {name}, which is not installed: pip install "torch2paddle[verify]"'
