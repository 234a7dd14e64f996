"""Small LibCST building blocks shared by every stage: one copy of each."""

from __future__ import annotations

import ast
import re
from typing import Sequence, TypeVar

import libcst as cst

from .fastcst import code_of


def _code(node: cst.CSTNode) -> str:
    return code_of(node)


_NO_SPACE = cst.SimpleWhitespace("")


def make_chain(dotted: str) -> cst.BaseExpression:
    parts = dotted.split(".")
    node: cst.BaseExpression = cst.Name(parts[0])
    for part in parts[1:]:
        node = cst.Attribute(value=node, attr=cst.Name(part))
    return node


# ------------------------------------------------------------------------- separators ---
EQ = cst.AssignEqual(whitespace_before=_NO_SPACE, whitespace_after=_NO_SPACE)
"""The ``=`` of a keyword argument, written without spaces: ``name=value``."""

COMMA = cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))
"""The ``, `` between two items."""


def kw(name: str, value: cst.BaseExpression) -> cst.Arg:
    """The keyword argument ``name=value``."""
    return cst.Arg(value=value, keyword=cst.Name(name), equal=EQ)


_Item = TypeVar("_Item", cst.Arg, cst.Element, cst.BaseElement, cst.DictElement, cst.BaseDictElement, cst.ImportAlias)


def _with_commas(items: Sequence[_Item], last: cst.Comma | cst.MaybeSentinel, keep: bool) -> list[_Item]:
    """``items`` separated by commas: the last gets ``last``; the others ``, `` (or, with ``keep``,
    the comma they already have, so a line break after it stays)."""
    out = []
    for i, item in enumerate(items):
        if i == len(items) - 1:
            out.append(item.with_changes(comma=last))
        elif keep and item.comma is not cst.MaybeSentinel.DEFAULT:
            out.append(item)
        else:
            out.append(item.with_changes(comma=COMMA))
    return out


def separated(items: Sequence[_Item]) -> list[_Item]:
    """New items (arguments, list or dict elements) written ``a, b, c``: one comma and a space
    between them, none after the last, whatever commas they had."""
    return _with_commas(items, cst.MaybeSentinel.DEFAULT, keep=False)


def fix_commas(old: Sequence[cst.Arg], new: list[cst.Arg]) -> list[cst.Arg]:
    """Give the new last argument the old last argument's comma (trailing or none); the others
    keep their commas, or get ``, `` where they have none."""
    if not new:
        return new
    return _with_commas(new, old[-1].comma if old else cst.MaybeSentinel.DEFAULT, keep=True)


def _fix_alias_commas(aliases: list[cst.ImportAlias]) -> list[cst.ImportAlias]:
    """Import names after some were taken out: no comma after the last; the others keep theirs."""
    return _with_commas(aliases, cst.MaybeSentinel.DEFAULT, keep=True)


def paren(expr: cst.BaseExpression) -> cst.BaseExpression:
    """``expr`` in one pair of parentheses (replacing any it had)."""
    return expr.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()])  # type: ignore[attr-defined]


_OPERATIONS = (cst.BinaryOperation, cst.UnaryOperation, cst.BooleanOperation, cst.Comparison, cst.IfExp, cst.Lambda)


def atom(expr: cst.BaseExpression) -> cst.BaseExpression:
    """``expr`` usable as an operand or as the value of an attribute: an operation (``a + b``,
    ``-a``, ``a if c else b``, ...) not already in parentheses gets them; anything else is kept."""
    if isinstance(expr, _OPERATIONS) and not getattr(expr, "lpar", None):
        return paren(expr)
    return expr


def argument(expr: cst.BaseExpression) -> cst.BaseExpression:
    """``expr`` as a call's argument (inside the call's brackets): a receiver's own parentheses
    (``(x * 2).sort()`` -> ``f(x * 2)``) dropped when one pair holds an operation with no
    comment beside them; a tuple, a generator or a name keeps them."""
    lpar = getattr(expr, "lpar", None)
    if isinstance(expr, _OPERATIONS) and len(lpar or ()) == 1:
        beside = _code(lpar[0]) + _code(expr.rpar[0])  # type: ignore[attr-defined]
        if "#" not in beside:
            return expr.with_changes(lpar=[], rpar=[])
    return expr


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


# ---------------------------------------------------------------------- literal readers ---
# What an argument is when it is written as a literal.  Each reader says which spellings it
# accepts; they differ on purpose (a node test is cheaper and stricter than evaluating text).

NOT_LITERAL = ...
"""What :func:`literal_value` returns for an expression that is not a Python literal."""


def literal_value(expr: cst.BaseExpression) -> object:
    """The value of a Python literal (``2``, ``-1.5``, ``"floor"``, ``(2, 3)``, ``True``,
    ``None``), by ``ast.literal_eval`` of its source; :data:`NOT_LITERAL` for anything else."""
    try:
        return ast.literal_eval(_code(expr))
    except (ValueError, SyntaxError):
        return NOT_LITERAL


def literal_is(expr: cst.BaseExpression | None, *texts: str) -> bool:
    """``expr`` is written exactly as one of ``texts`` (``literal_is(v, "0", "0.0")``)."""
    return expr is not None and _code(expr) in texts


def int_literal(expr: cst.BaseExpression | None) -> int | None:
    """The value of an integer literal or a negated one (``3``, ``-1``), else None."""
    if isinstance(expr, cst.Integer):
        return int(expr.evaluated_value)
    if isinstance(expr, cst.UnaryOperation) and isinstance(expr.operator, cst.Minus) and isinstance(expr.expression, cst.Integer):
        return -int(expr.expression.evaluated_value)
    return None


def is_number_literal(expr: cst.BaseExpression | None) -> bool:
    """An int or float literal, possibly signed (``2``, ``-0.5``, ``+1e-3``)."""
    if isinstance(expr, (cst.Integer, cst.Float)):
        return True
    return isinstance(expr, cst.UnaryOperation) and isinstance(expr.operator, (cst.Minus, cst.Plus)) and is_number_literal(expr.expression)


def float_literal(expr: cst.BaseExpression | None) -> float | None:
    """A number written as a literal, as a float (``2`` -> 2.0, ``- 1e-3`` -> -0.001); else None."""
    if expr is None:
        return None
    try:
        return float(_code(expr).replace(" ", ""))
    except ValueError:
        return None


def string_literal(expr: cst.BaseExpression | None) -> str | None:
    """The value of a plain (not byte, not f-) string literal, else None."""
    if isinstance(expr, cst.SimpleString) and isinstance(expr.evaluated_value, str):
        return expr.evaluated_value
    return None


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
