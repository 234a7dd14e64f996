"""What every command prints on stderr: one-line errors and diagnostics."""

from __future__ import annotations

import sys

from ..diagnostics import Diagnostic

__all__ = ["err", "format_diagnostic"]


def err(msg: str) -> None:
    """``torch2paddle: error: msg`` on stderr."""
    print(f"torch2paddle: error: {msg}", file=sys.stderr)


def format_diagnostic(d: Diagnostic, *, failed: bool = False) -> str:
    """``path:line:col: CODE: message`` (no ``:line:col`` when there is no position)."""
    return str(d)
