"""Deeply nested expressions: found cheaply, parsed in pieces, translated on a large stack.

LibCST's native parser slows down far faster than linearly with expression depth (measured
on LibCST 1.9, parsing the expression alone):

    =========================  ========  ==========  ===========
    expression                 depth     time (s)    CPython (s)
    =========================  ========  ==========  ===========
    ``a + b + ...``            1,000     1.1         < 0.01
    ``a + b + ...``            5,000     about 200   0.08
    ``x.a().a()...``           1,000     5           < 0.01
    ``f(f(f(...)))``           100       0.6         < 0.01
    ``x if c else ...``        1,000     1.9         < 0.01
    =========================  ========  ==========  ===========

while CPython's parser is linear.  So a file with an expression nested deeper than
``PIECES_FROM`` levels is parsed in pieces: CPython's parser finds the expressions and their
positions, every ``PIECE_DEPTH`` levels a subexpression is cut out of the text and replaced
by a placeholder name, LibCST parses the remaining text and each piece on its own (shallow,
so fast), and each placeholder is replaced by the tree of its piece.  The result is checked
to print as the input (else the whole text is parsed at once after all);
tests/test_hardening_nesting.py checks it is the tree LibCST builds from the whole text.

The passes over the tree recurse once per level, so such a file is translated in a thread with
a large stack and a raised recursion limit (``on_large_stack``).
"""

from __future__ import annotations

import ast
import dataclasses
import re
import sys
import threading
import warnings
from typing import Callable, TypeVar

import libcst as cst

from .fastcst import _unvalidated
from .resolve import _KINDS, NODE, SEQUENCE, _child_fields, kind_of

__all__ = [
    "MAX_NESTING", "PIECES_FROM", "deepest_line", "maybe_deep", "nesting_plan", "on_large_stack", "parse_in_pieces",
    "parse_with_cpython",
]

T = TypeVar("T")

#: Expressions nested deeper than this are refused (they would need more stack than we give).
MAX_NESTING = 20_000
#: A file whose deepest expression has more levels than this is parsed in pieces ...
PIECES_FROM = 60
#: ... of at most this many levels each.
PIECE_DEPTH = 20
#: the C stack of the thread deep files are translated on (reserved, used as needed)
_STACK_BYTES = 512 * 1024 * 1024
#: Python frames the passes over the tree take per level of nesting (generous: LibCST adds
#: nodes between the levels CPython counts, e.g. ``Arg`` in a call)
_FRAMES_PER_LEVEL = 40

# what makes an expression deep: operators, dots, brackets (and line continuations)
_NOT_OPERATOR = re.compile(r"[^-+*/%@&|^~.<>()\[\]{}\n\\]+")
_BRACKETS = str.maketrans("[{]}", "(())")
_NEWLINE = re.compile(r"\r\n|\r|\n")
# Nodes a placeholder name cannot stand for: a placeholder must parse as the same kind of node
# in the same place (``*x``, ``a:b`` and an unparenthesised ``a, b`` are not expressions there;
# a generator expression as the only argument shares the call's parentheses; ``yield`` needs
# its own; f-string parts have no reliable positions).
_WHOLE = (ast.Starred, ast.Slice, ast.Tuple, ast.GeneratorExp, ast.JoinedStr, ast.FormattedValue,
          ast.Yield, ast.YieldFrom)  # fmt: skip
# Subtrees never cut: patterns (a name there captures), f-strings.  (Leaves with no fields,
# such as ``ast.Load()`` and ``ast.Add()``, are shared by many nodes: the walks skip them.)
_OPAQUE = (ast.pattern, ast.JoinedStr)


def maybe_deep(code: str) -> bool:
    """Whether ``code`` may hold an expression nested deeper than ``PIECES_FROM`` levels: a
    cheap filter (``nesting_plan`` then parses to tell).

    Every level of nesting costs at least one operator character, dot or bracket, and the
    levels of one expression sit on one logical line: a physical line, or lines joined by open
    brackets or a trailing backslash.  Characters in strings and comments are counted too,
    which only costs a needless parse; a deep chain of words alone (``not not ...``) is caught
    when it is on one line.
    """
    limit = 4 * PIECES_FROM
    depth = run = 0
    for line in _NOT_OPERATOR.sub("", code).translate(_BRACKETS).split("\n"):
        run += len(line)
        if run > limit:
            return True
        depth += line.count("(") - line.count(")")
        if depth <= 0 and not (line.endswith("\\") and not line.endswith("\\\\")):
            depth = run = 0
    return any(len(line) > 20 * PIECES_FROM for line in code.splitlines())


@dataclasses.dataclass
class Plan:
    """Where ``nesting_plan`` cuts a tree."""

    depth: int  # the deepest nesting, in CPython's nodes
    top: list[ast.expr]  # the expressions cut out directly under the module
    under: dict[int, list[ast.expr]]  # id of a cut expression -> the ones cut out directly under it
    line: dict[int, int]  # id of a cut expression -> the first line of its statement


def nesting_plan(tree: ast.Module) -> Plan:
    """Where to cut ``tree``, and its deepest nesting.

    Without recursion: the nodes in breadth-first order (a node's children next to each other),
    then from the last to the first, a node's height counts the levels below it up to the
    nearest cut; an expression that reaches ``PIECE_DEPTH`` levels is cut (and counts as one
    level, a name, for the nodes above it)."""
    nodes: list[ast.AST] = [tree]
    spans: list[tuple[int, int]] = []  # the children of nodes[i]: nodes[start:end]
    stmt_line = [1]  # the first line of the statement nodes[i] is in
    for i, node in enumerate(nodes):  # grows while it is read
        start = len(nodes)
        if not isinstance(node, _OPAQUE):
            nodes.extend(c for c in ast.iter_child_nodes(node) if c._fields)
        spans.append((start, len(nodes)))
        line = stmt_line[i]
        stmt_line.extend(c.lineno if isinstance(c, ast.stmt) else line for c in nodes[start:])
    count = len(nodes)
    cut_height = [1] * count
    total = [1] * count
    pending: list[list[ast.expr] | None] = [None] * count
    under: dict[int, list[ast.expr]] = {}
    lines: dict[int, int] = {}
    for i in range(count - 1, -1, -1):
        start, end = spans[i]
        if start == end:
            continue
        h = 1 + max(cut_height[start:end])
        below = [cut for j in range(start, end) if pending[j] for cut in pending[j]]  # type: ignore[union-attr]
        node = nodes[i]
        if h >= PIECE_DEPTH and isinstance(node, ast.expr) and not isinstance(node, _WHOLE):
            under[id(node)], lines[id(node)] = below, stmt_line[i]
            below, h = [node], 1  # type: ignore[list-item]
        cut_height[i] = h
        total[i] = 1 + max(total[start:end])
        pending[i] = below or None
    return Plan(total[0], pending[0] or [], under, lines)


def deepest_line(tree: ast.Module, limit: int) -> int:
    """The line of a node nested more than ``limit`` levels deep in ``tree`` (0: none)."""
    todo: list[tuple[ast.AST, int]] = [(tree, 0)]
    while todo:
        node, depth = todo.pop()
        if depth > limit and hasattr(node, "lineno"):
            return node.lineno  # type: ignore[attr-defined]
        todo.extend((child, depth + 1) for child in ast.iter_child_nodes(node) if child._fields)
    return 0


class _Offsets:
    """String offsets of CPython's (line, UTF-8 byte column) positions."""

    def __init__(self, code: str) -> None:
        self.code = code
        self.starts = [0] + [m.end() for m in _NEWLINE.finditer(code)]

    def __call__(self, line: int, col: int) -> int:
        start = self.starts[line - 1]
        end = self.starts[line] if line < len(self.starts) else len(self.code)
        text = self.code[start:end]
        if text.isascii():
            return start + col
        return start + len(text.encode("utf-8")[:col].decode("utf-8", errors="replace"))


def _fill(tree: cst.CSTNode, pieces: dict[str, cst.BaseExpression]) -> cst.CSTNode:
    """``tree`` (just parsed, so no other tree shares its nodes) with its placeholder names
    replaced, in place, by their pieces, keeping the parentheses around them.

    In place because a transformer would rebuild every node of every piece: the fields that hold
    a placeholder are set on the frozen nodes directly.  Whitespace and punctuation
    (``resolve.TRIVIA``) are not entered."""

    def swapped(value: object) -> cst.BaseExpression | None:
        if value.__class__ is not cst.Name:
            return None
        piece = pieces.pop(value.value, None)  # type: ignore[attr-defined]
        if piece is not None and value.lpar:  # type: ignore[attr-defined]
            piece = piece.with_changes(lpar=[*value.lpar, *piece.lpar], rpar=[*piece.rpar, *value.rpar])  # type: ignore[attr-defined]
        return piece

    if (top := swapped(tree)) is not None:
        return top
    todo = [tree]
    while todo:
        node = todo.pop()
        for field in _child_fields(node.__class__):
            value = getattr(node, field)
            kind = _KINDS.get(value.__class__)
            if kind is None:
                kind = kind_of(value.__class__)
            if kind == NODE:
                piece = swapped(value)
                if piece is None:
                    todo.append(value)
                else:
                    object.__setattr__(node, field, piece)
            elif kind == SEQUENCE:
                items = list(value)
                changed = False
                for k, item in enumerate(items):
                    piece = swapped(item)
                    if piece is not None:
                        items[k], changed = piece, True
                    elif isinstance(item, cst.CSTNode) and kind_of(item.__class__) == NODE:
                        todo.append(item)
                if changed:
                    object.__setattr__(node, field, type(value)(items))
    return tree


def parse_in_pieces(code: str, plan: Plan, trusted: bool) -> cst.Module | None:
    """``code`` parsed by LibCST piece by piece as ``nesting_plan`` cut it, or None when the
    pieces do not fit together again (the caller then parses the whole text)."""
    offset = _Offsets(code)
    prefix = "_t2p_piece"
    while prefix in code:
        prefix += "_"

    def text_of(start: int, end: int, cuts: list[ast.expr]) -> str:
        parts, at = [], start
        for node in sorted(cuts, key=lambda n: (n.lineno, n.col_offset)):
            parts.append(code[at : offset(node.lineno, node.col_offset)])
            parts.append(names[id(node)])
            at = offset(node.end_lineno, node.end_col_offset)  # type: ignore[arg-type]
        parts.append(code[at:end])
        return "".join(parts)

    # every cut expression comes after the ones inside it (post-order), so those are built first
    order: list[ast.expr] = []
    top, under = plan.top, plan.under
    newline = m.group() if (m := _NEWLINE.search(code)) else "\n"
    todo = [(node, False) for node in top]
    while todo:
        node, done = todo.pop()
        if done:
            order.append(node)
        else:
            todo.append((node, True))
            todo.extend((inner, False) for inner in under[id(node)])
    names = {id(node): f"{prefix}{i}" for i, node in enumerate(order)}
    built: dict[str, cst.BaseExpression] = {}
    try:
        with _unvalidated(trusted):
            for node in order:
                start = offset(node.lineno, node.col_offset)
                end = offset(node.end_lineno, node.end_col_offset)  # type: ignore[arg-type]
                text = text_of(start, end, under[id(node)])
                expr = _parse_piece(text, _indent(code, offset.starts[plan.line[id(node)] - 1]), newline)
                if not expr.lpar or not expr.rpar:
                    return None
                expr = expr.with_changes(lpar=expr.lpar[1:], rpar=expr.rpar[:-1])
                built[names[id(node)]] = _fill(expr, built)  # type: ignore[assignment]
            module = _fill(cst.parse_module(text_of(0, len(code), top)), built)
    except (cst.ParserSyntaxError, ValueError):
        return None
    if built or not isinstance(module, cst.Module) or module.code != code:
        return None  # a placeholder was not found (or found twice), or the text differs
    return module


def _indent(code: str, start: int) -> str:
    """The whitespace the line at ``start`` begins with."""
    end = start
    while end < len(code) and code[end] in " \t\f":
        end += 1
    return code[start:end]


def _parse_piece(text: str, indent: str, newline: str) -> cst.BaseExpression:
    """The expression ``text``, in parentheses (added: it may span lines, as it could inside the
    brackets around it) and in a block indented as its statement is: LibCST keeps the
    indentation of a continuation line relative to the block's (``ParenthesizedWhitespace``)."""
    if not indent:
        return cst.parse_module(f"({text}){newline}").body[0].body[0].value  # type: ignore[attr-defined]
    block = cst.parse_module(f"if 1:{newline}{indent}({text}){newline}").body[0]
    return block.body.body[0].body[0].value  # type: ignore[attr-defined]


def on_large_stack(fn: Callable[[], T], depth: int) -> T:
    """``fn()`` run in a thread with a large stack and a recursion limit for ``depth`` levels
    of nesting; its exception, if any, is raised here."""
    result: list[T] = []
    error: list[BaseException] = []

    def run() -> None:
        try:
            result.append(fn())
        except BaseException as exc:  # noqa: BLE001 - raised again in the caller's thread
            error.append(exc)

    saved_limit = sys.getrecursionlimit()
    limit = max(saved_limit, 20_000 + _FRAMES_PER_LEVEL * depth)
    saved_stack = threading.stack_size()
    threading.stack_size(_STACK_BYTES)
    try:
        thread = threading.Thread(target=run, name="torch2paddle-deep", daemon=True)
    finally:
        threading.stack_size(saved_stack)
    sys.setrecursionlimit(limit)
    try:
        thread.start()
        thread.join()
    finally:
        sys.setrecursionlimit(saved_limit)
    if error:
        raise error[0]
    return result[0]


def parse_with_cpython(code: str) -> ast.Module:
    """CPython's tree of ``code`` (call on a large stack: its parser recurses per level)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return ast.parse(code)
