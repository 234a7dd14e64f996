"""``# torch2paddle: ignore`` and ``# torch2paddle: ignore[T2P101, T2P2]``: spots left alone.

A suppression comment applies to what *starts* on its line (for a call spread over several
lines: the line of its first character, where the function is named):

* bare ``ignore``: every expression and simple statement starting on the line is left exactly
  as written (references through an import that now names Paddle are spelled through torch, as
  for any leftover) and nothing inside it is reported;
* ``ignore[CODES]`` (codes or prefixes, comma-separated): a diagnostic with one of these codes
  whose spot starts on the line is not reported and gets no marker; a rewrite that would carry
  such a warning (``T2P2xx``) is not made, so the spot stays as written.

Import statements are planned for the whole file, so a suppression on an import line does not
keep the import (the names it binds are still translated elsewhere).

Positions are computed only for files that contain a suppression comment.
"""

from __future__ import annotations

import io
import re
import tokenize

import libcst as cst
from libcst.metadata import MetadataWrapper, PositionProvider

__all__ = ["MARK", "Silencer", "find_suppressions"]

MARK = "torch2paddle: ignore"
_COMMENT = re.compile(r"#\s*torch2paddle:\s*ignore(?:\[([^\]]*)\])?(?=\s*(?:#|$))")


def find_suppressions(code: str) -> dict[int, frozenset[str] | None]:
    """Line -> the codes (or prefixes) its suppression comment names; None for a bare ``ignore``."""
    found: dict[int, frozenset[str] | None] = {}
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(code).readline))
    except (tokenize.TokenError, SyntaxError, IndentationError):
        return found
    for tok in tokens:
        if tok.type != tokenize.COMMENT:
            continue
        m = _COMMENT.search(tok.string)
        if m is None:
            continue
        line = tok.start[0]
        if m.group(1) is None:
            found[line] = None
        else:
            codes = frozenset(c.strip() for c in m.group(1).split(",") if c.strip())
            found[line] = codes if codes else None
    return found


class Silencer:
    """Which nodes of one module a suppression comment covers."""

    def __init__(self, module: cst.Module, lines: dict[int, frozenset[str] | None]) -> None:
        self.lines = lines
        positions = MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
        self.start: dict[int, int] = {id(node): pos.start.line for node, pos in positions.items()}
        self.untouched: set[int] = {
            id(node)
            for node, pos in positions.items()
            if pos.start.line in lines and lines[pos.start.line] is None and _coverable(node)
        }

    def silenced(self, nodes: tuple[cst.CSTNode | None, ...], code: str) -> bool:
        """Whether ``code`` is suppressed at the first of ``nodes`` that has a position."""
        for node in nodes:
            line = self.start.get(id(node)) if node is not None else None
            if line is None:
                continue
            if line not in self.lines:
                return False
            codes = self.lines[line]
            return codes is None or any(code.startswith(c) for c in codes)
        return False


def _coverable(node: cst.CSTNode) -> bool:
    """Expressions and simple statements, import lines aside (compound statements are not: a
    comment on ``def f(x):`` covers the header's expressions, not the body)."""
    if isinstance(node, (cst.Import, cst.ImportFrom)):
        return False
    if isinstance(node, cst.SimpleStatementLine):
        return not any(isinstance(s, (cst.Import, cst.ImportFrom)) for s in node.body)
    return isinstance(node, (cst.BaseExpression, cst.BaseSmallStatement))
