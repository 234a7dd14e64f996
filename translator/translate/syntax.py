"""Small LibCST building blocks shared by every stage: one copy of each."""

from __future__ import annotations

import re
from typing import Sequence

import libcst as cst


def _code(node: cst.CSTNode) -> str:
    return cst.Module(body=[]).code_for_node(node)


_NO_SPACE = cst.SimpleWhitespace("")


def make_chain(dotted: str) -> cst.BaseExpression:
    parts = dotted.split(".")
    node: cst.BaseExpression = cst.Name(parts[0])
    for part in parts[1:]:
        node = cst.Attribute(value=node, attr=cst.Name(part))
    return node


def fix_commas(old: Sequence[cst.Arg], new: list[cst.Arg]) -> list[cst.Arg]:
    """Give the new last argument the old last argument's comma (trailing or none)."""
    if not new:
        return new
    last_comma = old[-1].comma if old else cst.MaybeSentinel.DEFAULT
    out = []
    for i, arg in enumerate(new):
        if i == len(new) - 1:
            out.append(arg.with_changes(comma=last_comma))
        elif arg.comma is cst.MaybeSentinel.DEFAULT:
            out.append(arg.with_changes(comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))))
        else:
            out.append(arg)
    return out


def _fix_alias_commas(aliases: list[cst.ImportAlias]) -> list[cst.ImportAlias]:
    out = []
    for i, alias in enumerate(aliases):
        if i == len(aliases) - 1:
            out.append(alias.with_changes(comma=cst.MaybeSentinel.DEFAULT))
        elif alias.comma is cst.MaybeSentinel.DEFAULT:
            out.append(alias.with_changes(comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))))
        else:
            out.append(alias)
    return out


def _keep_parens(original: cst.BaseExpression, node: cst.BaseExpression) -> cst.BaseExpression:
    if getattr(original, "lpar", None):
        return node.with_changes(lpar=original.lpar, rpar=original.rpar)  # type: ignore[attr-defined]
    return node


_NUMBER = re.compile(r"^-?\d+(\.\d*)?([eE][-+]?\d+)?$")


def _same_literal(code: str, expected: str) -> bool:
    if code == expected:
        return True
    if _NUMBER.match(code) and _NUMBER.match(expected):
        return float(code) == float(expected)
    return False


def _target_names(target: cst.BaseExpression) -> list[str]:
    if isinstance(target, cst.Name):
        return [target.value]
    if isinstance(target, (cst.Tuple, cst.List)):
        out: list[str] = []
        for el in target.elements:
            out.extend(_target_names(el.value))
        return out
    if isinstance(target, cst.StarredElement):
        return _target_names(target.value)
    return []


# ------------------------------------------------------------------------- tidy imports ---

def _placeholder_name(stmt: cst.CSTNode) -> str | None:
    """The name of a statement line that is one bare name (how placeholders are written)."""
    if isinstance(stmt, cst.SimpleStatementLine) and len(stmt.body) == 1 and isinstance(stmt.body[0], cst.Expr):
        value = stmt.body[0].value
        if isinstance(value, cst.Name):
            return value.value
    return None


def _version_tuple(text: str) -> tuple[int, ...]:
    """``"2.6"`` -> ``(2, 6, 0)``; ``"3.0.0rc1"`` -> ``(3, 0, 0)``."""
    parts = [int(re.match(r"\d*", p).group() or 0) for p in text.strip().split(".")[:3]]  # type: ignore[union-attr]
    return tuple(parts + [0] * (3 - len(parts)))


def _one_line(message: str) -> str:
    return " ".join(message.split())
