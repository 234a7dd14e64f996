"""Peephole clean-ups of what the translation itself produced.

A rewrite that is right on its own can leave a no-op once it meets its surroundings:
``x, y = x.to(device), y.to(device)`` becomes ``x, y = x, y``; ``scheduler.get_last_lr()[0]``
becomes ``[scheduler.last_lr][0]``; ``if torch.cuda.is_available():`` becomes
``if bool(paddle.device.cuda.device_count()):``.  Each clean-up compares the node as the user
wrote it with the node the translation made, and applies only when the translation made the
pattern: the same code written by the user is left alone.

* ``x = x`` / ``x, y = x, y`` (names only, not in a class body, where it copies a global into
  the class): the assignment goes;
* ``[e][0]`` / ``[e][-1]``: ``e`` (in parentheses when it is not an atom);
* ``bool(e)`` as the test of ``if``/``while``/``assert``/a conditional expression or the
  operand of ``not``: ``e`` (a truth test calls ``bool`` itself);
* a ``True``/``False`` the translation made (``torch.jit.is_scripting()`` -> ``False``):
  ``not False`` -> ``True``; ``False or e`` / ``True and e`` -> ``e``; ``False and e`` /
  ``True or e`` -> the literal (``e`` is not evaluated in either); as a truth test,
  ``e and True`` / ``e or False`` -> ``e``.
"""

from __future__ import annotations

import libcst as cst

__all__ = ["CLEANED", "clean", "constant_not", "constant_operand", "self_assignment", "single_item", "truth_operand",
           "truth_test"]

_ATOMS = (cst.Name, cst.Attribute, cst.Call, cst.Subscript, cst.SimpleString, cst.Integer, cst.Float,
          cst.List, cst.Tuple, cst.Dict, cst.Set, cst.FormattedString, cst.ConcatenatedString)


def _names(node: cst.BaseExpression) -> tuple[str, ...] | None:
    """The names of ``x`` or ``x, y`` / ``(x, y)`` / ``[x, y]``; None for anything else."""
    if isinstance(node, cst.Name):
        return (node.value,)
    if isinstance(node, (cst.Tuple, cst.List)):
        out: list[str] = []
        for el in node.elements:
            if not isinstance(el, cst.Element) or not isinstance(el.value, cst.Name):
                return None
            out.append(el.value.value)
        return tuple(out) if out else None
    return None


def _is_self_assignment(stmt: cst.BaseSmallStatement) -> bool:
    if not isinstance(stmt, cst.Assign) or len(stmt.targets) != 1:
        return False
    target = _names(stmt.targets[0].target)
    return target is not None and target == _names(stmt.value) and len(set(target)) == len(target)


def self_assignment(original: cst.SimpleStatementLine, updated: cst.SimpleStatementLine) -> list[cst.BaseSmallStatement] | None:
    """The small statements of ``updated`` without the self-assignments the translation made
    (None when there are none)."""
    if len(original.body) != len(updated.body):
        return None
    keep = [u for o, u in zip(original.body, updated.body) if not (_is_self_assignment(u) and not _is_self_assignment(o))]
    return keep if len(keep) != len(updated.body) else None


def _index(node: cst.Subscript) -> int | None:
    if len(node.slice) != 1 or not isinstance(node.slice[0].slice, cst.Index):
        return None
    value = node.slice[0].slice.value
    if isinstance(value, cst.Integer) and value.value == "0":
        return 0
    if isinstance(value, cst.UnaryOperation) and isinstance(value.operator, cst.Minus):
        if isinstance(value.expression, cst.Integer) and value.expression.value == "1":
            return -1
    return None


def single_item(original: cst.Subscript, updated: cst.Subscript) -> cst.BaseExpression | None:
    """``e`` for an ``[e][0]`` (or ``[e][-1]``) the translation made; None otherwise."""
    value = updated.value
    if not isinstance(value, cst.List) or isinstance(original.value, cst.List) or value.lpar:
        return None
    if len(value.elements) != 1 or not isinstance(value.elements[0], cst.Element) or _index(updated) is None:
        return None
    item = value.elements[0].value
    if not isinstance(item, _ATOMS) and not item.lpar:
        item = item.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()])
    return item.with_changes(lpar=[*updated.lpar, *item.lpar], rpar=[*item.rpar, *updated.rpar])


def _bool_argument(node: cst.BaseExpression) -> cst.BaseExpression | None:
    if not isinstance(node, cst.Call) or not isinstance(node.func, cst.Name) or node.func.value != "bool":
        return None
    if len(node.args) != 1 or node.args[0].keyword is not None or node.args[0].star:
        return None
    return node.args[0].value


def truth_test(original: cst.BaseExpression, updated: cst.BaseExpression, operand_of_not: bool = False) -> cst.BaseExpression | None:
    """``e`` for a ``bool(e)`` the translation made where a truth test reads it; None otherwise."""
    inner = _bool_argument(updated)
    if inner is None or _bool_argument(original) is not None:
        return None
    loose = (cst.IfExp, cst.Lambda, cst.NamedExpr) + ((cst.BooleanOperation,) if operand_of_not else ())
    if updated.lpar or (isinstance(inner, loose) and not inner.lpar):
        return None
    return inner


_LITERALS = {"True": True, "False": False}


def _made_literal(original: cst.BaseExpression, updated: cst.BaseExpression) -> bool | None:
    """The value of a ``True``/``False`` the translation wrote in place of ``original``; None
    when ``updated`` is no such literal or the user wrote it."""
    if not isinstance(updated, cst.Name) or updated.value not in _LITERALS:
        return None
    if isinstance(original, cst.Name) and original.value == updated.value:
        return None
    return _LITERALS[updated.value]


def _in_parens(inner: cst.BaseExpression, outer: cst.BaseExpression) -> cst.BaseExpression:
    """``inner`` in place of ``outer``, keeping ``outer``'s parentheses unless ``inner`` is an
    atom (``(False or y)`` -> ``y``)."""
    if isinstance(inner, _ATOMS):
        return inner
    return inner.with_changes(lpar=[*outer.lpar, *inner.lpar], rpar=[*inner.rpar, *outer.rpar])


def constant_not(original: cst.UnaryOperation, updated: cst.UnaryOperation) -> cst.BaseExpression | None:
    """``True`` for a ``not False`` whose ``False`` the translation made (and the reverse)."""
    value = _made_literal(original.expression, updated.expression)
    if value is None:
        return None
    return _in_parens(cst.Name(str(not value)), updated)


def constant_operand(original: cst.BooleanOperation, updated: cst.BooleanOperation) -> cst.BaseExpression | None:
    """``False or e`` / ``True and e`` -> ``e``, ``False and e`` / ``True or e`` -> the literal,
    where the translation made the literal (Python's own value of the operation)."""
    value = _made_literal(original.left, updated.left)
    if value is None:
        return None
    keeps_right = value == isinstance(updated.operator, cst.And)
    return _in_parens(updated.right if keeps_right else updated.left, updated)


def truth_operand(original: cst.BaseExpression, updated: cst.BaseExpression) -> cst.BaseExpression | None:
    """``e`` for an ``e and True`` / ``e or False`` whose literal the translation made, read as a
    truth test (as a value, ``0 or False`` is ``False``)."""
    if not isinstance(updated, cst.BooleanOperation) or not isinstance(original, cst.BooleanOperation):
        return None
    value = _made_literal(original.right, updated.right)
    if value is None or value != isinstance(updated.operator, cst.And):
        return None
    return _in_parens(updated.left, updated)


def clean(original: cst.CSTNode, updated: cst.CSTNode, in_class_body: bool) -> cst.CSTNode | None:
    """The clean-up of ``updated`` (the translation of ``original``), or None when none applies;
    a ``SimpleStatementLine`` with no statement left comes back with an empty body."""
    if isinstance(updated, cst.SimpleStatementLine) and isinstance(original, cst.SimpleStatementLine):
        if in_class_body:
            return None
        body = self_assignment(original, updated)
        return None if body is None else updated.with_changes(body=body)
    if isinstance(updated, cst.Subscript) and isinstance(original, cst.Subscript):
        return single_item(original, updated)
    if isinstance(updated, (cst.If, cst.While, cst.IfExp, cst.Assert)) and type(original) is type(updated):
        test = truth_test(original.test, updated.test)  # type: ignore[attr-defined]
        if test is None:
            test = truth_operand(original.test, updated.test)  # type: ignore[attr-defined]
        return None if test is None else updated.with_changes(test=test)
    if isinstance(updated, cst.UnaryOperation) and isinstance(original, cst.UnaryOperation) and isinstance(updated.operator, cst.Not):
        constant = constant_not(original, updated)
        if constant is not None:
            return constant
        operand = truth_test(original.expression, updated.expression, operand_of_not=True)
        return None if operand is None else updated.with_changes(expression=operand)
    if isinstance(updated, cst.BooleanOperation) and isinstance(original, cst.BooleanOperation):
        return constant_operand(original, updated)
    return None


CLEANED = (cst.SimpleStatementLine, cst.Subscript, cst.If, cst.While, cst.IfExp, cst.Assert, cst.UnaryOperation,
           cst.BooleanOperation)
