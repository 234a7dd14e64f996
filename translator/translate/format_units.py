"""Smaller inputs for black: a changed statement formatted on its own, as black formats it in place.

``formatting`` gives black each top-level statement the translation touched, whole: a class of
300 lines for one renamed base class.  black's cost grows with what it reads, so where it can be
shown that black lays a statement out the same on its own, the statement (or a compound
statement's header, with ``pass`` for a body) is given alone, dedented, with the line length
reduced by the indentation (black measures a line with its indentation, four spaces a level):

* a simple statement inside a block (not a string: docstring rules), or the header of a
  ``class``/``def``/``if``/``for``/``while``/``with`` (decorators included) at any depth;
* indented four spaces a level, every line of it at least that much, no multi-line string
  (dedenting would change it);
* black keeps the lines above it as they are: inside a block black keeps one blank line and
  puts exactly one before a ``def``/``class``; with none, it adds one after an import, a
  docstring or a nested definition, and a ``def``/``class`` gets one (``_kept_above``); the
  first statement of a block must follow its header directly.

A top-level statement is given in pieces only when every changed line in it is in such a unit;
otherwise it is given whole, as before.  tests/test_format_units.py formats real files both
ways and compares.
"""

from __future__ import annotations

import ast
import dataclasses
import re

__all__ = ["Unit", "first_line", "formatted_unit", "last_line", "minimum_version", "units"]

#: compound statements whose header alone, with ``pass`` for a body, is a statement
_OPENERS = (ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef, ast.If, ast.For, ast.AsyncFor, ast.While,
            ast.With, ast.AsyncWith)
_DEFINITIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
_MIN_WIDTH = 40  # narrower than this after the indentation: the statement is given whole


@dataclasses.dataclass
class Unit:
    """Lines ``start..end`` (1-based, inclusive), indented by ``indent`` spaces, formatted on
    their own with black's line ranges ``ranges`` (lines of the file); ``header``: a compound
    statement's header, given with ``pass`` for its body; ``elif_``: the header is an ``elif``,
    given after ``if x: pass`` (black lays it out as it would an ``if`` two characters
    longer, which a shorter line length does not reproduce: the lines inside its brackets
    are measured without the two)."""

    start: int
    end: int
    indent: int
    ranges: list[tuple[int, int]]
    header: bool
    elif_: bool = False


def first_line(stmt: ast.stmt) -> int:
    """A statement's first line, its decorators included."""
    return min([stmt.lineno, *(d.lineno for d in getattr(stmt, "decorator_list", ()))])


def last_line(stmt: ast.stmt) -> int:
    return stmt.end_lineno or stmt.lineno


def units(stmt: ast.stmt, lines: list[str], ranges: list[tuple[int, int]], line_length: int) -> list[Unit] | None:
    """The units formatting ``ranges`` (changed lines, all inside the top-level statement
    ``stmt`` of the file whose ``lines`` are given), in order; None when ``stmt`` is to be given
    to black whole."""
    found: dict[tuple[int, int], Unit] = {}
    for lo, hi in ranges:
        got = _locate([stmt], lines, lo, hi, 0, None)
        if got is None:
            return None
        for unit in got:
            if line_length - unit.indent < _MIN_WIDTH:
                return None
            known = found.get((unit.start, unit.end))
            if known is None:
                found[(unit.start, unit.end)] = unit
            else:
                known.ranges.extend(unit.ranges)
    out = sorted(found.values(), key=lambda u: u.start)
    if any(a.end >= b.start for a, b in zip(out, out[1:])):
        return None
    return out


def _locate(body: list[ast.stmt], lines: list[str], lo: int, hi: int, depth: int,
            head_end: int | None, in_class: bool = False) -> list[Unit] | None:
    """Units for lines ``lo..hi`` of a block (``body``, at ``depth``; ``head_end``: the last line
    of its header, None for the module).  Changed comment lines directly above a statement
    (a marker) go with it."""
    out: list[Unit] = []
    line = lo
    for k, stmt in enumerate(body):
        if line > hi:
            break
        if last_line(stmt) < line:
            continue
        top = first_line(stmt)
        if line < top:  # comment lines directly above the statement, changed
            if not depth or any(not _is_comment(lines[n - 1]) for n in range(line, top)):
                return None
            top = line
        got = _statement(body, k, lines, line, min(hi, last_line(stmt)), depth, head_end, top=top, in_class=in_class)
        if got is None:
            return None
        out.extend(got)
        line = last_line(stmt) + 1
    return out if line > hi else None


def _is_comment(line: str) -> bool:
    return line.lstrip().startswith("#")


def _statement(body: list[ast.stmt], k: int, lines: list[str], lo: int, hi: int, depth: int,
               head_end: int | None, elif_: bool = False, top: int | None = None,
               in_class: bool = False) -> list[Unit] | None:
    """Units for lines ``lo..hi`` of ``body[k]``; a unit made for the statement itself starts at
    ``top`` (changed comment lines above it included)."""
    stmt = body[k]
    top = first_line(stmt) if top is None else top
    indent = " " * (4 * depth)
    kept = not depth or _kept_above(body, k, lines, head_end, top, in_class)  # needed by a unit made here
    blocks = _blocks(stmt, lines)
    if blocks is not None:
        end = blocks[0][0]
        out: list[Unit] = []
        if lo <= end:
            if not kept or not isinstance(stmt, _OPENERS) or not _plain(lines, top, end, indent):
                return None
            out.append(Unit(top, end, len(indent), [(lo, min(hi, end))], True, elif_))
        elif top < first_line(stmt):
            return None  # changed comments above a statement changed only inside
        for n, (block_head, block) in enumerate(blocks):
            above = last_line(blocks[n - 1][1][-1]) if n else block_head
            if above < block_head and lo <= block_head and hi > above:
                return None  # an `else:`/`except ...:` line, or a line above it, changed
            a, b = max(lo, block_head + 1), min(hi, last_line(block[-1]))
            if a > b:
                continue
            if a <= first_line(block[0]) - 1:
                return None  # a line between the header and the block changed
            if _is_elif(block, lines, n):
                inner = _statement(block, 0, lines, a, b, depth, block_head, elif_=True)
            else:
                inner = _locate(block, lines, a, b, depth + 1, block_head, isinstance(stmt, ast.ClassDef) and not n)
            if inner is None:
                return None
            out.extend(inner)
        return out
    if not depth or _is_string(stmt) or hasattr(stmt, "body"):
        return None  # top level (given whole, as before), a docstring, or a compound statement
    if not kept or not _plain(lines, top, last_line(stmt), indent):
        return None
    return [Unit(top, last_line(stmt), len(indent), [(min(lo, top), hi)], False)]


def _starts(lines: list[str], stmt: ast.stmt, word: str) -> bool:
    return lines[stmt.lineno - 1].lstrip().startswith(word)


def _blocks(stmt: ast.stmt, lines: list[str]) -> list[tuple[int, list[ast.stmt]]] | None:
    """The blocks of a compound statement, each with the last line of the header that opens it
    (``def ...:``, ``else:``, ``except ...:``), in order; None for a simple statement or one
    whose blocks are not each on lines of their own."""
    parts: list[list[ast.stmt]] = []
    if isinstance(stmt, (*_OPENERS, ast.Try)) or type(stmt).__name__ == "TryStar":
        parts.append(stmt.body)
        parts.extend(h.body for h in getattr(stmt, "handlers", ()))
        if getattr(stmt, "orelse", None):
            parts.append(stmt.orelse)
        if getattr(stmt, "finalbody", None):
            parts.append(stmt.finalbody)
    else:
        return None
    out = []
    previous = first_line(stmt)
    for n, block in enumerate(parts):
        if not block or not _own_lines(block, lines):
            return None
        if _is_elif(block, lines, n):
            # `elif` has no header of its own: the block is the nested `if`, right below the
            # last line of the block above (comment lines between them: given whole)
            end = first_line(block[0]) - 1 if first_line(block[0]) == previous else None
        else:
            end = _header_end(lines, previous, first_line(block[0]))
        if end is None:
            return None
        out.append((end, block))
        previous = last_line(block[-1]) + 1
    return out


def _is_elif(block: list[ast.stmt], lines: list[str], n: int) -> bool:
    """Whether ``block``, the ``n``-th block of a compound statement, is an ``elif``."""
    return bool(n) and len(block) == 1 and isinstance(block[0], ast.If) and _starts(lines, block[0], "elif")


def _is_string(stmt: ast.stmt) -> bool:
    return isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant) and isinstance(stmt.value.value, str)


def _plain(lines: list[str], start: int, end: int, indent: str) -> bool:
    """Whether lines ``start..end`` start with ``indent`` (the first exactly), hold no
    multi-line string, and no black directive."""
    first = lines[start - 1]
    if not first.startswith(indent) or first[len(indent) : len(indent) + 1] in (" ", "\t", "\f"):
        return False
    text = "".join(lines[start - 1 : end])
    if '"""' in text or "'''" in text or "fmt:" in text or "\\\n" in text.replace("\r\n", "\n"):
        return False
    return all(line.startswith(indent) or not line.strip() for line in lines[start - 1 : end])


def _kept_above(body: list[ast.stmt], k: int, lines: list[str], head_end: int | None, top: int,
                in_class: bool = False) -> bool:
    """Whether black, formatting ``body[k]`` in place from line ``top`` (the statement's first
    line or a comment above it), keeps the lines above ``top`` as they are (``in_class``: the
    block is a class body, whose docstring black follows with a blank line)."""
    stmt = body[k]
    start = last_line(body[k - 1]) + 1 if k else (head_end or 0) + 1
    if head_end is None and not k:
        return False
    blank = 0
    n = top - 1
    while n >= start and not lines[n - 1].strip():
        blank, n = blank + 1, n - 1
    definition = top == first_line(stmt) and (isinstance(stmt, _DEFINITIONS) or bool(getattr(stmt, "decorator_list", None)))
    if n >= start:  # a comment line above: black keeps one blank line after it, or none
        line = lines[n - 1]
        return _is_comment(line) and _indent(line) == _indent(lines[top - 1]) and blank <= 1
    if not k:  # the first line of the block
        return blank == 0
    if blank == 1:
        return True
    above = body[k - 1]
    if blank or definition or isinstance(above, (ast.Import, ast.ImportFrom)):
        return False
    if _is_string(above) and (in_class and k == 1):
        return False  # black puts a blank line after a class docstring
    return not any(isinstance(node, _DEFINITIONS) for node in ast.walk(above))


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip())


def _header_end(lines: list[str], first: int, body_first: int) -> int | None:
    """The last line of a compound statement's header (its ``:`` line): the last line before
    its body that is not blank or a comment; None for a one-line ``if x: y``."""
    for n in range(body_first - 1, first - 1, -1):
        text = lines[n - 1].strip()
        if text and not text.startswith("#"):
            return n
    return None


def _own_lines(body: list[ast.stmt], lines: list[str]) -> bool:
    """Whether each statement of ``body`` starts its own line (no ``a; b``)."""
    previous_end = 0
    for stmt in body:
        first = first_line(stmt)
        if first <= previous_end:
            return False
        line = lines[first - 1]
        if first == stmt.lineno and stmt.col_offset != len(line) - len(line.lstrip()):
            return False
        previous_end = last_line(stmt)
    return True


def formatted_unit(unit: Unit, lines: list[str], black_run, mode_for) -> list[str] | None:  # type: ignore[no-untyped-def]
    """The unit's lines formatted by ``black_run(text, mode=, lines=)`` (``mode_for(width)``
    gives black's mode for a line length); None when black's output is not as expected."""
    own = lines[unit.start - 1 : unit.end]
    text = "".join(line[unit.indent :] if line.strip() else line for line in own)
    if not text.endswith("\n"):
        text += "\n"
    body = "    pass\n"
    if unit.header:
        text += body
    opening = ["if x:\n", body] if unit.elif_ else []
    shift = len(opening) + 1 - unit.start
    inside = [(lo + shift, hi + shift) for lo, hi in sorted(unit.ranges)]
    out = black_run("".join(opening) + text, mode=mode_for(unit.indent), lines=inside).splitlines(keepends=True)
    if out[: len(opening)] != opening:
        return None
    del out[: len(opening)]
    if unit.header:
        if not out or out[-1] != body:
            return None
        out.pop()
    if not out or not out[0].strip():
        return None
    pad = " " * unit.indent
    shaped = [(pad + line if line.strip() else line) for line in out]
    if not own[-1].endswith("\n"):
        shaped[-1] = shaped[-1].rstrip("\n")
    return shaped


_TRAILING_STAR_COMMA = re.compile(r"\*\*?\s*[\w.]+\s*,\s*[)\]]")
_NUMBER_UNDERSCORE = re.compile(r"\b\d[\d_]*_\d")
_PARENTHESIZED_WITH = re.compile(r"^\s*(async\s+)?with\s*\(", re.MULTILINE)


def minimum_version(stmt: ast.stmt, text: str) -> int:
    """The smallest Python 3 minor version the syntax of ``stmt`` (whose code is ``text``)
    needs, as black infers it from a statement it is given (its target versions, which decide
    whether black may add a trailing comma after ``*args``, parenthesize context managers...);
    0 when nothing needs more than Python 3.3.  A unit is formatted for the versions its whole
    top-level statement would have been."""
    need = 0
    if _NUMBER_UNDERSCORE.search(text):
        need = 6
    if _TRAILING_STAR_COMMA.search(text):
        need = max(need, 5)
    for node in ast.walk(stmt):
        if isinstance(node, ast.JoinedStr):
            need = max(need, 6)
        elif isinstance(node, ast.NamedExpr):
            need = max(need, 8)
        elif isinstance(node, ast.arguments) and node.posonlyargs:
            need = max(need, 8)
        elif isinstance(node, (ast.Return, ast.Yield)) and isinstance(node.value, ast.Tuple) and any(
                isinstance(e, ast.Starred) for e in node.value.elts):
            need = max(need, 8)
        elif isinstance(node, ast.AnnAssign) and isinstance(node.value, ast.Tuple):
            need = max(need, 8)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and any(
                not _dotted_call(d) for d in node.decorator_list):
            need = max(need, 9)
        elif isinstance(node, (ast.With, ast.AsyncWith)) and len(node.items) > 1:
            if _PARENTHESIZED_WITH.search(text):
                need = max(need, 9)
        elif type(node).__name__ == "Match":
            need = max(need, 10)
        elif type(node).__name__ == "TryStar":
            need = max(need, 11)
        elif type(node).__name__ in ("TypeAlias", "TypeVar", "ParamSpec", "TypeVarTuple"):
            need = max(need, 12)
        elif isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Tuple) and any(
                isinstance(e, ast.Starred) for e in node.slice.elts):
            need = max(need, 11)
    if re.search(r"\{[^{}]*=\s*(![rsa])?(:[^{}]*)?\}", text) and need >= 6:  # f"{x=}"
        need = max(need, 8)
    return need


def _dotted_call(node: ast.expr) -> bool:
    """A decorator Python before 3.9 accepts: a dotted name, optionally called."""
    if isinstance(node, ast.Call):
        node = node.func
    while isinstance(node, ast.Attribute):
        node = node.value
    return isinstance(node, ast.Name)

