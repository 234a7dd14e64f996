"""Removing statements without losing comments.

A handler that removes its statement (``x.cuda()`` alone on a line) leaves a marker; the
statement line becomes a one-name placeholder that keeps the comment lines above it; after the
import tidy-up, ``_DropLines`` clears the placeholders and moves their comments down.
"""

from __future__ import annotations

from typing import Callable, Sequence

import libcst as cst

from .fastcst import _Transformer
from .resolve import _child_fields
from .syntax import _NO_SPACE, _placeholder_name

_REMOVED_MARK = cst.Name("__torch2paddle_removed__")


def _is_removed(stmt: cst.Expr) -> bool:
    return isinstance(stmt.value, cst.Name) and stmt.value.value == _REMOVED_MARK.value


_DROPPED = "__torch2paddle_dropped_line__"


def _dropped_line(line: cst.SimpleStatementLine) -> cst.SimpleStatementLine:
    """A placeholder for a removed statement; it keeps the comment lines above it, and its own
    end-of-line comment as a comment line."""
    lead = list(line.leading_lines)
    comment = line.trailing_whitespace.comment
    if comment is not None:
        lead.append(cst.EmptyLine(indent=True, whitespace=_NO_SPACE, comment=comment))
    return cst.SimpleStatementLine(body=[cst.Expr(cst.Name(_DROPPED))], leading_lines=lead)


def _is_dropped(stmt: cst.CSTNode) -> bool:
    return _placeholder_name(stmt) == _DROPPED


_STATEMENT_CONTAINERS = (
    cst.Module,
    cst.BaseCompoundStatement,
    cst.BaseSuite,
    cst.Else,
    cst.ExceptHandler,
    cst.ExceptStarHandler,
    cst.Finally,
    cst.MatchCase,
)


def _holders(module: cst.Module, match: Callable[[cst.SimpleStatementLine], bool]) -> set[int]:
    """Ids of the statement containers of ``module`` (itself included) with a statement line
    that ``match``es somewhere below them: the only ones a statement-level pass must enter."""
    found: set[int] = set()
    containers, line_type = _STATEMENT_CONTAINERS, cst.SimpleStatementLine

    def rec(node: cst.CSTNode) -> bool:
        hit = False
        for f in _child_fields(node.__class__):
            value = getattr(node, f)
            for child in value if isinstance(value, (tuple, list)) else (value,):
                if isinstance(child, line_type):
                    if match(child):
                        hit = True
                elif isinstance(child, containers) and rec(child):
                    hit = True
        if hit:
            found.add(id(node))
        return hit

    try:
        rec(module)
    finally:
        del rec  # a recursive closure refers to itself: freed now, not by the cycle collector
    return found


class _DropLines(_Transformer):
    """Remove the placeholders of removed statements; comment lines above a removed statement
    move to the next statement (or the block's end), so no comment is lost.  Only the
    containers that hold a placeholder (``holders``, from ``_holders``) are entered."""

    def __init__(self, holders: set[int] | None = None) -> None:
        super().__init__()
        self.holders = holders
        self.emptied: set[int] = set()  # the `pass` lines written in blocks this pass emptied

    def on_visit(self, node: cst.CSTNode) -> bool:
        if self.holders is not None and id(node) not in self.holders:
            return False
        return isinstance(node, _STATEMENT_CONTAINERS) and super().on_visit(node)

    def _body(self, body: Sequence[cst.BaseStatement]) -> tuple[list[cst.BaseStatement], list[cst.EmptyLine]]:
        out: list[cst.BaseStatement] = []
        carried: list[cst.EmptyLine] = []
        blank: list[cst.EmptyLine] = []  # the blank lines above a removed statement
        for stmt in body:
            if _is_dropped(stmt):
                if any(line.comment for line in stmt.leading_lines):
                    carried.extend(stmt.leading_lines)
                elif not blank:
                    blank = list(stmt.leading_lines)
                continue
            if carried:
                stmt = stmt.with_changes(leading_lines=[*carried, *stmt.leading_lines])
                carried = []
            elif blank and out and not stmt.leading_lines:
                # the removed statement was set off from the one before (`"""Doc."""`, a blank
                # line, a removed import): the next one is, so a second pass keeps the layout
                stmt = stmt.with_changes(leading_lines=blank)
            blank = []
            out.append(stmt)
        return out, carried

    def leave_Module(self, original_node: cst.Module, updated_node: cst.Module) -> cst.Module:
        if not any(_is_dropped(s) for s in updated_node.body):
            return updated_node
        body, carried = self._body(updated_node.body)
        return updated_node.with_changes(body=body, footer=[*carried, *updated_node.footer])

    def leave_IndentedBlock(self, original_node: cst.IndentedBlock, updated_node: cst.IndentedBlock) -> cst.IndentedBlock:
        if not any(_is_dropped(s) for s in updated_node.body):
            return updated_node
        body, carried = self._body(updated_node.body)
        if not body:
            body = [cst.SimpleStatementLine(body=[cst.Pass()], leading_lines=carried)]
            carried = []
            self.emptied.add(id(body[0]))
        return updated_node.with_changes(body=body, footer=[*carried, *updated_node.footer])

    def leave_Try(self, original_node: cst.Try, updated_node: cst.Try) -> cst.BaseStatement:
        """A ``try`` whose body this pass emptied (``try: from torch.hub import x`` / ``except
        ImportError: from torch.utils.model_zoo import y as x``, both imports replaced) cannot
        raise: with no ``else`` or ``finally`` it does nothing and goes; its comments stay."""
        body = updated_node.body
        if updated_node.orelse is not None or updated_node.finalbody is not None or not isinstance(body, cst.IndentedBlock):
            return updated_node
        if len(body.body) != 1 or id(body.body[0]) not in self.emptied:
            return updated_node
        comments = [*updated_node.leading_lines, *body.body[0].leading_lines, *body.footer]
        for handler in updated_node.handlers:
            comments += [*handler.leading_lines, *[line for s in handler.body.body for line in s.leading_lines]]  # type: ignore[union-attr]
        kept = [line for line in comments if line.comment is not None]
        return cst.SimpleStatementLine(body=[cst.Expr(cst.Name(_DROPPED))], leading_lines=kept or updated_node.leading_lines)
