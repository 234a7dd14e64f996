"""Formatting what the translation wrote, and nothing else.

The lines the translation changed or added (a line diff of the output against the input) are
formatted with black, limited to those lines (``black.format_str(..., lines=...)``): black
formats each statement that overlaps them and leaves every other line byte for byte.  Marker
comments (``# TODO(torch2paddle): ...``) longer than the line length are wrapped first, with
continuation lines indented under the message (``#   ...``); the full message stays in the
diagnostic.

The result is kept only when it is safe: black succeeded, the output still parses, and no line
outside the statements the translation touched changed (black re-indents a whole file whose
indentation is not four spaces a level; such a file keeps its unformatted output).  When black
fails on a file the unformatted output is kept and a warning says so; nothing raises.
"""

from __future__ import annotations

import ast
import bisect
import difflib
import functools
import hashlib
import io
import json
import textwrap
import tokenize
import warnings
from pathlib import Path
from typing import Iterable

from ..diagnostics import MARKER
from . import format_units

__all__ = ["FormatResult", "changed_lines", "format_changed", "statement_spans", "unwrapped_lines", "wrap_comments",
           "wrap_markers", "touched_lines"]

_MARKER_START = f"# {MARKER}:"
MARKER_CONTINUATION = "#   "  # a wrapped marker's further lines start so (after the indentation)


class FormatResult:
    """The formatted code, or the code as it was with ``problem`` saying why (None when black
    was not needed or worked)."""

    __slots__ = ("code", "problem")

    def __init__(self, code: str, problem: str | None = None) -> None:
        self.code = code
        self.problem = problem


# ------------------------------------------------------------------- line diffs ----
#: inputs of at most this many line pairs (``len(a) * len(b)``) are diffed by difflib as it is;
#: longer ones are cut at anchors first (difflib's matcher, without its popularity heuristic,
#: is near cubic in the lines of a file with many changes and repeated lines)
_DIRECT_PAIRS = 250_000


def line_opcodes(a: list[str], b: list[str]) -> list[tuple[str, int, int, int, int]]:
    """``difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes()``; for long inputs,
    computed between anchors (the common head and tail, then lines found once in each side, in
    an order both keep), each piece by difflib."""
    if len(a) * len(b) <= _DIRECT_PAIRS:
        return difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes()
    blocks: list[tuple[int, int, int]] = []
    _blocks(a, b, 0, len(a), 0, len(b), blocks)
    merged: list[tuple[int, int, int]] = []
    for i, j, n in blocks:
        if merged and merged[-1][0] + merged[-1][2] == i and merged[-1][1] + merged[-1][2] == j:
            merged[-1] = (merged[-1][0], merged[-1][1], merged[-1][2] + n)
        elif n:
            merged.append((i, j, n))
    merged.append((len(a), len(b), 0))
    out: list[tuple[str, int, int, int, int]] = []
    i = j = 0
    for ai, bj, size in merged:
        tag = "replace" if i < ai and j < bj else "delete" if i < ai else "insert" if j < bj else ""
        if tag:
            out.append((tag, i, ai, j, bj))
        i, j = ai + size, bj + size
        if size:
            out.append(("equal", ai, i, bj, j))
    return out


def _blocks(a: list[str], b: list[str], alo: int, ahi: int, blo: int, bhi: int, out: list[tuple[int, int, int]]) -> None:
    """Matching blocks ``(i, j, n)`` of ``a[alo:ahi]`` and ``b[blo:bhi]``, appended in order."""
    head = 0
    while alo + head < ahi and blo + head < bhi and a[alo + head] == b[blo + head]:
        head += 1
    if head:
        out.append((alo, blo, head))
        alo, blo = alo + head, blo + head
    tail = 0
    while alo < ahi - tail and blo < bhi - tail and a[ahi - tail - 1] == b[bhi - tail - 1]:
        tail += 1
    ahi, bhi = ahi - tail, bhi - tail
    if (ahi - alo) * (bhi - blo) <= _DIRECT_PAIRS or not _anchored(a, b, alo, ahi, blo, bhi, out):
        if alo < ahi and blo < bhi:
            matcher = difflib.SequenceMatcher(None, a[alo:ahi], b[blo:bhi], autojunk=False)
            out.extend((alo + i, blo + j, n) for i, j, n in matcher.get_matching_blocks() if n)
    if tail:
        out.append((ahi, bhi, tail))


def _anchored(a: list[str], b: list[str], alo: int, ahi: int, blo: int, bhi: int, out: list[tuple[int, int, int]]) -> bool:
    """Cut at lines found once in each range, in an order both keep (the longest such chain);
    False when there is none."""
    count: dict[str, list[int]] = {}
    for i in range(alo, ahi):
        count.setdefault(a[i], [0, 0, i])[0] += 1
    for j in range(blo, bhi):
        entry = count.get(b[j])
        if entry is not None:
            entry[1] += 1
            if entry[1] == 1:
                entry.append(j)
    pairs = sorted((e[2], e[3]) for e in count.values() if e[0] == 1 and e[1] == 1)
    chain = _increasing(pairs)
    if not chain:
        return False
    i, j = alo, blo
    for ai, bj in chain:
        _blocks(a, b, i, ai, j, bj, out)
        out.append((ai, bj, 1))
        i, j = ai + 1, bj + 1
    _blocks(a, b, i, ahi, j, bhi, out)
    return True


def _increasing(pairs: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The longest chain of ``pairs`` (sorted by the first item) whose second items increase."""
    tails: list[int] = []  # per chain length, the index in pairs of the smallest last item
    ends: list[int] = []  # and that item's second value
    back: list[int] = []
    for k, (_i, j) in enumerate(pairs):
        pos = bisect.bisect_left(ends, j)
        back.append(tails[pos - 1] if pos else -1)
        if pos == len(tails):
            tails.append(k)
            ends.append(j)
        else:
            tails[pos] = k
            ends[pos] = j
    chain: list[tuple[int, int]] = []
    k = tails[-1] if tails else -1
    while k >= 0:
        chain.append(pairs[k])
        k = back[k]
    return chain[::-1]


# ------------------------------------------------------------------- changed lines ----
def changed_lines(before: str, after: str) -> list[tuple[int, int]]:
    """The 1-based, inclusive line ranges of ``after`` that are not lines of ``before`` kept
    in place (a line diff)."""
    a, b = before.splitlines(), after.splitlines()
    ranges: list[tuple[int, int]] = []
    for tag, _i1, _i2, j1, j2 in line_opcodes(a, b):
        if tag in ("replace", "insert") and j2 > j1:
            ranges.append((j1 + 1, j2))
    return ranges


def statement_spans(tree: ast.Module) -> list[tuple[int, int]]:
    """The lines of each simple statement, each decorator and each compound statement's header
    (``def f(...):`` up to its body), sorted: the units black formats."""
    spans: list[tuple[int, int]] = []
    todo: list[list[ast.stmt]] = [tree.body]
    while todo:
        for stmt in todo.pop():
            body = getattr(stmt, "body", None)
            end = stmt.end_lineno or stmt.lineno
            if not isinstance(body, list) or not body or not isinstance(body[0], ast.stmt):
                spans.append((stmt.lineno, end))
                continue
            for dec in getattr(stmt, "decorator_list", ()):
                spans.append((dec.lineno, dec.end_lineno or dec.lineno))
            if body[0].lineno == stmt.lineno:  # `if x: y = 1`: one unit
                spans.append((stmt.lineno, end))
                continue
            spans.append((stmt.lineno, body[0].lineno - 1))
            todo.append(body)
            for name in ("orelse", "finalbody"):
                todo.append(getattr(stmt, name, None) or [])
            for handler in getattr(stmt, "handlers", ()):
                spans.append((handler.lineno, max(handler.lineno, handler.body[0].lineno - 1)))
                todo.append(handler.body)
            for case in getattr(stmt, "cases", ()):
                spans.append((case.pattern.lineno, max(case.pattern.lineno, case.body[0].lineno - 1)))
                todo.append(case.body)
    spans.sort()
    return spans


def touched_lines(ranges: Iterable[tuple[int, int]], spans: list[tuple[int, int]]) -> set[int]:
    """The lines of ``ranges`` and of every statement span that overlaps one of them."""
    out: set[int] = set()
    starts = [s for s, _ in spans]
    for lo, hi in ranges:
        out.update(range(lo, hi + 1))
        # spans starting at or before hi that end at or after lo (spans are not nested much:
        # look back over the few that start before lo)
        i = bisect.bisect_right(starts, hi) - 1
        while i >= 0:
            s, e = spans[i]
            if e >= lo:
                out.update(range(s, e + 1))
            elif s < lo and lo - s > 400:
                break
            i -= 1
    return out


# ------------------------------------------------------------------------ markers ----
def wrap_markers(code: str, line_length: int, lines: set[int]) -> str:
    """``code`` with each marker comment line among ``lines`` (1-based) that is longer than
    ``line_length`` wrapped: the first line keeps the marker, later ones start ``#   ``."""
    return _wrap_lines(code, lines, lambda body: _wrapped_marker(body, line_length))


#: comments a tool reads (a wrapped one would lose its meaning or its effect): left as they are
_PRAGMAS = ("#!", "# -*-", "# type:", "# noqa", "# fmt:", "# pragma", "# pylint:", "# mypy:", "# pyright:",
            "# isort:", "# ruff:", "# torch2paddle:", "# yapf:")


def wrap_comments(code: str, line_length: int, lines: set[int], keep: Iterable[str] = ()) -> str:
    """``code`` with each long marker among ``lines`` wrapped (``wrap_markers``) and each other
    comment line (a line holding only a comment) among them that is longer than ``line_length``
    wrapped too, each further line starting as the first does (``#``, ``#:``, and the spaces
    after): comments the translation wrote, such as those of definitions carried from a library
    written to a longer line length (black wraps no comment).  Tool pragmas and lines equal to
    one of ``keep`` (the input's own lines) are left as they are."""
    kept = set(keep)
    text = code.splitlines()
    long = {n for n in lines if n <= len(text) and len(text[n - 1]) > line_length and text[n - 1].lstrip(" \t").startswith("#")}
    if long:  # a line inside a multi-line string (a docstring's text) only looks like a comment
        long -= multiline_string_lines(code)

    def wrapped(body: str) -> list[str] | None:
        return _wrapped_marker(body, line_length) or (None if body in kept else _wrapped_comment(body, line_length))

    return _wrap_lines(code, long, wrapped)


def _wrap_lines(code: str, lines: set[int], wrap) -> str:  # type: ignore[no-untyped-def]
    """``code`` with each line among ``lines`` (1-based) replaced by the lines ``wrap`` gives for
    it (its text without the line ending), when it gives any."""
    out = code.splitlines(keepends=True)
    changed = False
    for number in sorted(lines, reverse=True):
        text = out[number - 1] if number <= len(out) else ""
        body = text.rstrip("\r\n")
        parts = wrap(body)
        if not parts:
            continue
        newline = text[len(body):]
        out[number - 1] = "".join(f"{part}{newline or chr(10)}" for part in parts)
        if not newline:
            out[number - 1] = out[number - 1][:-1]
        changed = True
    return "".join(out) if changed else code


def _wrapped_marker(body: str, line_length: int) -> list[str] | None:
    stripped = body.lstrip(" \t")
    if len(body) <= line_length or not stripped.startswith(_MARKER_START):
        return None
    indent = body[: len(body) - len(stripped)]
    width = max(line_length - len(indent), 40)
    parts = textwrap.wrap(
        stripped[2:], width=width - 2, subsequent_indent="  ", break_long_words=False, break_on_hyphens=False
    )
    return [f"{indent}# {part}" for part in parts]


def _wrapped_comment(body: str, line_length: int) -> list[str] | None:
    stripped = body.strip(" \t")
    if len(body) <= line_length or not stripped.startswith("#") or stripped.lower().startswith(_PRAGMAS):
        return None
    indent = body[: len(body) - len(body.lstrip(" \t"))]
    rest = stripped.lstrip("#:")
    words = rest.lstrip(" ")
    prefix = stripped[: len(stripped) - len(rest)] + (rest[: len(rest) - len(words)] or " ")
    if not words:
        return None
    width = max(line_length - len(indent) - len(prefix), 20)
    parts = textwrap.wrap(words, width=width, break_long_words=False, break_on_hyphens=False)
    if len(parts) < 2:
        return None  # one word too long for any line: left as it was
    return [f"{indent}{prefix}{part}" for part in parts]


def joined_markers(comments: Iterable[str]) -> set[str]:
    """The marker messages among consecutive comment lines, a wrapped marker joined again, as
    ``normalized_marker`` reads them (so a marker matches its wrapped form)."""
    found: list[list[str]] = []
    current: list[str] | None = None
    for comment in comments:
        if comment.startswith(_MARKER_START):
            current = [comment]
            found.append(current)
        elif current is not None and comment.startswith(MARKER_CONTINUATION) and comment[len(MARKER_CONTINUATION):].strip():
            current.append(comment[len(MARKER_CONTINUATION):])
        else:
            current = None
    return {normalized_marker(" ".join(parts)) for parts in found}


def normalized_marker(marker: str) -> str:
    """``marker`` without whitespace, escaped newlines and trailing commas: a marker quoting code
    black has since laid out over several lines (``'(\\n    a * b\\n)'``, ``f(\\n  a,\\n)``)
    still matches the marker the first translation wrote."""
    text = "".join(marker.replace("\\n", " ").split())
    return text.replace(",)", ")").replace(",]", "]").replace(",}", "}")


# -------------------------------------------------------------------------- black ----
@functools.lru_cache(maxsize=64)
def _mode(line_length: int, string_normalization: bool, magic_trailing_comma: bool, minor: int = 0):  # type: ignore[no-untyped-def]
    """black's mode; ``minor`` > 0 sets the target versions to Python 3.``minor`` and later (a
    unit's, as its top-level statement implies: ``format_units.minimum_version``), 0 leaves
    them to black's inference."""
    import black

    versions = {v for v in black.TargetVersion if int(v.name[3:]) >= minor} if minor else set()
    return black.Mode(line_length=line_length, string_normalization=string_normalization,
                      magic_trailing_comma=magic_trailing_comma, target_versions=versions)


def format_changed(
    source: str,
    code: str,
    *,
    line_length: int = 88,
    string_normalization: bool = True,
    magic_trailing_comma: bool = True,
    skip: tuple[str, str] | None = None,
) -> FormatResult:
    """``code`` (the translation of ``source``) with the lines it changed or added formatted
    (see the module docstring); never raises.  The lines from one equal to ``skip[0]`` to one
    equal to ``skip[1]`` (stripped) are left to the caller: the support code, each snippet of
    which is formatted on its own, once per process (``formatted_block``)."""
    if code == source:
        return FormatResult(code)
    newline = "\r\n" if "\r\n" in code else "\n"
    if newline == "\r\n":
        if code.count("\n") != code.count("\r\n"):
            return FormatResult(code, "mixed line endings")
        code, source = code.replace("\r\n", "\n"), source.replace("\r\n", "\n")
    elif "\r" in code:
        return FormatResult(code, "old Mac line endings")
    ranges = changed_lines(source, code)
    if not ranges:
        return FormatResult(_restore(code, newline))
    code = wrap_comments(code, line_length, {n for lo, hi in ranges for n in range(lo, hi + 1)}, source.splitlines())
    ranges = changed_lines(source, code)
    if skip is not None:
        ranges = _without_lines(ranges, code, skip)
        if not ranges:
            return FormatResult(_restore(code, newline))
    try:
        import black
    except ImportError:  # pragma: no cover - black is a dependency
        return FormatResult(_restore(code, newline), "black is not installed")
    mode = _mode(line_length, string_normalization, magic_trailing_comma)
    tree = _parsed(code)  # once: the statements black is given, and those the change touched
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            formatted = _format_chunks(black, code, mode, ranges, tree)
    except Exception as exc:  # noqa: BLE001 - black's errors are many; the output stays as it is
        first = str(exc).splitlines()[0] if str(exc) else ""
        return FormatResult(_restore(code, newline), f"black failed: {type(exc).__name__}: {first}"[:200])
    if formatted == code:
        return FormatResult(_restore(code, newline))
    if tree is None or _parsed(formatted) is None:
        return FormatResult(_restore(code, newline), "black's output does not parse")
    allowed = touched_lines(ranges, statement_spans(tree))
    if not _only_touched(code, formatted, allowed):
        return FormatResult(_restore(code, newline), "black would change lines the translation did not touch")
    formatted = _blank_lines_kept(code, formatted, allowed)
    if skip is not None:
        formatted = _blank_lines_kept_before(skip[0], code, formatted)
    return FormatResult(_restore(formatted, newline))


def _blank_lines_kept(before: str, after: str, allowed: set[int]) -> str:
    """``after`` with the blank lines before each line the translation did not touch as
    ``before`` has them: black, formatting the line above, may add or remove some (after an
    import it leaves one blank line, also before a class)."""
    a, b = before.splitlines(keepends=True), after.splitlines(keepends=True)
    out: list[str] = []
    changed = False
    for tag, i1, i2, j1, j2 in line_opcodes(a, b):
        blank_only = tag != "equal" and not any(x.strip() for x in a[i1:i2]) and not any(x.strip() for x in b[j1:j2])
        if blank_only and i2 < len(a) and (i2 + 1) not in allowed:
            out.extend(a[i1:i2])
            changed = True
        else:
            out.extend(b[j1:j2])
    return "".join(out) if changed else after


def _blank_lines_kept_before(first: str, before: str, after: str) -> str:
    """``after`` with as many blank lines before its line ``first`` as ``before`` has (black
    counts the blank lines before a line it leaves alone by the line above it)."""
    a, b = before.splitlines(keepends=True), after.splitlines(keepends=True)
    try:
        i = next(n for n, line in enumerate(a) if line.strip() == first)
        j = next(n for n, line in enumerate(b) if line.strip() == first)
    except StopIteration:
        return after
    blank_a = i - next((n + 1 for n in range(i - 1, -1, -1) if a[n].strip()), 0)
    top = next((n + 1 for n in range(j - 1, -1, -1) if b[n].strip()), 0)
    return "".join(b[:top] + ["\n"] * blank_a + b[j:])


def _parsed(code: str) -> ast.Module | None:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return ast.parse(code)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None


def _top_level_spans(tree: ast.Module) -> list[tuple[int, int]]:
    """The lines of each top-level statement of ``tree`` (from its first decorator)."""
    return [(format_units.first_line(stmt), format_units.last_line(stmt)) for stmt in tree.body]


def _format_chunks(black, code: str, mode, ranges: list[tuple[int, int]], tree: ast.Module | None) -> str:  # type: ignore[no-untyped-def]
    """black on ``ranges`` of ``code``, given only the top-level statements those ranges touch,
    each on its own (black reads a whole file whatever the ranges: most of a file is not
    touched), or smaller units of them (``format_units``).  Top-level statements are formatted
    independently by black; the blank lines between them are not given to it."""
    if tree is None:
        return black.format_str(code, mode=mode, lines=ranges)
    lines = code.splitlines(keepends=True)
    out: list[str] = []
    done = 0  # lines of `code` already in `out`

    for stmt, (start, end) in zip(tree.body, _top_level_spans(tree)):
        touched = [(max(lo, start), min(hi, end)) for lo, hi in ranges if lo <= end and hi >= start]
        if not touched:
            continue
        out.extend(lines[done : start - 1])
        done = start - 1
        pieces = _in_units(black, stmt, lines, touched, mode, start, end)
        if pieces is not None:
            for first, last, formatted in pieces:
                out.extend(lines[done : first - 1])
                out.extend(formatted)
                done = last
            out.extend(lines[done:end])
            done = end
            continue
        inside = [(lo - start + 1, hi - start + 1) for lo, hi in touched]
        chunk = "".join(lines[start - 1 : end])
        # a statement wholly new (a definition carried from a library, the same in several
        # files of a tree) is formatted once per process
        run = _black_whole if inside == [(1, end - start + 1)] else black.format_str
        if not chunk.endswith("\n"):
            formatted = run(chunk + "\n", mode=mode, lines=inside).rstrip("\n")
        else:
            formatted = run(chunk, mode=mode, lines=inside)
        out.append(formatted)
        done = end
    out.extend(lines[done:])
    return "".join(out)


def _in_units(black, stmt: ast.stmt, lines: list[str], touched: list[tuple[int, int]], mode, start: int, end: int):  # type: ignore[no-untyped-def]
    """``(first, last, formatted lines)`` for each unit of ``stmt`` (``format_units``), or None
    when the statement is given to black whole."""
    found = format_units.units(stmt, lines, touched, mode.line_length)
    if not found:
        return None
    minor = format_units.minimum_version(stmt, "".join(lines[start - 1 : end]))

    def mode_for(indent: int):  # type: ignore[no-untyped-def]
        return _mode(mode.line_length - indent, mode.string_normalization, mode.magic_trailing_comma, minor)

    out = []
    for unit in found:
        try:
            formatted = format_units.formatted_unit(unit, lines, _black_unit, mode_for)
        except Exception:  # noqa: BLE001 - given whole instead, where black's error is reported
            return None
        if formatted is None:
            return None
        out.append((unit.start, unit.end, formatted))
    return out


def _black_whole(chunk: str, *, mode, lines: list[tuple[int, int]]) -> str:  # type: ignore[no-untyped-def]
    """black on the whole of ``chunk`` (``lines`` covers it), once per process and style."""
    import black

    return _black_cached(black.format_str, chunk, mode, tuple(lines))


def _black_unit(text: str, *, mode, lines: list[tuple[int, int]]) -> str:  # type: ignore[no-untyped-def]
    """black on a unit (``format_units``), once per process, text, ranges and style: the same
    statement recurs across the files of a tree (``self.relu = nn.ReLU()``, ``import paddle``)."""
    import black

    return _black_unit_cached(black.format_str, text, mode, tuple(lines))


@functools.lru_cache(maxsize=4096)
def _black_unit_cached(format_str, text: str, mode, lines: tuple[tuple[int, int], ...]) -> str:  # type: ignore[no-untyped-def]
    return format_str(text, mode=mode, lines=list(lines))


@functools.lru_cache(maxsize=512)
def _black_cached(format_str, chunk: str, mode, lines: tuple[tuple[int, int], ...]) -> str:  # type: ignore[no-untyped-def]
    return format_str(chunk, mode=mode, lines=list(lines))


def _without_lines(ranges: list[tuple[int, int]], code: str, between: tuple[str, str]) -> list[tuple[int, int]]:
    """``ranges`` without the lines from one equal to ``between[0]`` to one equal to
    ``between[1]`` (after stripping)."""
    lines = code.splitlines()
    skipped: set[int] = set()
    inside = False
    for n, line in enumerate(lines, 1):
        text = line.strip()
        if text == between[0]:
            inside = True
        if inside:
            skipped.add(n)
        if text == between[1]:
            inside = False
    if not skipped:
        return ranges
    out: list[tuple[int, int]] = []
    for lo, hi in ranges:
        start = None
        for n in range(lo, hi + 2):
            keep = n <= hi and n not in skipped
            if keep and start is None:
                start = n
            elif not keep and start is not None:
                out.append((start, n - 1))
                start = None
    return out


def _restore(code: str, newline: str) -> str:
    return code.replace("\n", newline) if newline != "\n" else code


def _only_touched(before: str, after: str, allowed: set[int]) -> bool:
    """Whether every line black changed (a line diff) is one of ``allowed`` (1-based), a blank
    line, or a line inserted next to one of them."""
    a, b = before.splitlines(), after.splitlines()
    for tag, i1, i2, _j1, _j2 in line_opcodes(a, b):
        if tag == "equal":
            continue
        if tag == "insert":
            if i1 not in allowed and i1 + 1 not in allowed:
                return False
            continue
        for n in range(i1 + 1, i2 + 1):
            if n not in allowed and a[n - 1].strip():
                return False
    return True


# --------------------------------------------------------------------------- checks ----
def check_output(source: str, unformatted: str, formatted: str, line_length: int) -> dict[str, list[int]]:
    """What the formatting promises, checked on one file (tests and benchmarks/formatting.py):

    * ``long``: lines of ``formatted`` the translation changed or added that are longer than
      ``line_length``, except those whose length is a string literal's (black leaves strings);
    * ``moved``: lines of ``unformatted`` the translation left as they were and outside every
      statement it touched, that ``formatted`` does not keep byte for byte.
    Each a list of 1-based line numbers (of ``formatted`` and ``unformatted``)."""
    f_lines = formatted.splitlines()
    long = []
    in_strings: set[int] | None = None
    for lo, hi in changed_lines(source, formatted):
        for n in range(lo, hi + 1):
            line = f_lines[n - 1]
            if len(line) > line_length and not _long_because_of_a_string(line, line_length):
                if in_strings is None:
                    in_strings = multiline_string_lines(formatted)
                if n not in in_strings:
                    long.append(n)
    u_lines = unformatted.splitlines()
    kept = set()
    for tag, _i1, _i2, j1, j2 in line_opcodes(source.splitlines(), u_lines):
        if tag == "equal":
            kept.update(range(j1 + 1, j2 + 1))
    try:
        spans = statement_spans(ast.parse(unformatted))
    except (SyntaxError, ValueError):
        spans = []
    untouched = kept - touched_lines(changed_lines(source, unformatted), spans)
    same = set()
    for tag, i1, i2, _j1, _j2 in line_opcodes(u_lines, f_lines):
        if tag == "equal":
            same.update(range(i1 + 1, i2 + 1))
    return {"long": long, "moved": sorted(untouched - same)}


def multiline_string_lines(code: str) -> set[int]:
    """The 1-based numbers of the lines inside a string literal that spans several lines (a
    docstring's text): black leaves those as written, however long."""
    out: set[int] = set()
    fstring_start = getattr(tokenize, "FSTRING_START", None)  # Python 3.12: f-strings in pieces
    opened = 0
    try:
        for tok in tokenize.generate_tokens(io.StringIO(code).readline):
            if tok.type == tokenize.STRING and tok.end[0] > tok.start[0]:
                out.update(range(tok.start[0], tok.end[0] + 1))
            elif fstring_start is not None and tok.type == fstring_start:
                opened = tok.start[0]
            elif fstring_start is not None and tok.type == tokenize.FSTRING_END and tok.end[0] > opened:  # type: ignore[attr-defined]
                out.update(range(opened, tok.end[0] + 1))
    except (tokenize.TokenError, SyntaxError, IndentationError):
        pass
    return out


def _long_because_of_a_string(line: str, line_length: int) -> bool:
    """Whether ``line`` would fit without its longest string literal (or a marker's one long
    word, or its end-of-line comment, such as ``# type: ignore``): black splits neither."""
    stripped = line.strip()
    hash_at = line.find("  #")
    if hash_at > 0 and '"' not in line[hash_at:] and "'" not in line[hash_at:]:
        if hash_at <= line_length or line[hash_at:].lstrip().startswith("# type:"):
            return True  # black does not split a line whose comment is a type pragma
    if stripped.startswith("#"):
        return max((len(w) for w in stripped.split()), default=0) + len(line) - len(stripped) + 6 > line_length
    best = 0
    for quote in ('"', "'"):
        start = line.find(quote)
        end = line.rfind(quote)
        if 0 <= start < end:
            best = max(best, end - start + 1)
    return best > 0 and len(line) - best < line_length


def unwrapped_lines(code: str, line_length: int) -> list[int]:
    """The 1-based numbers of the lines of ``code`` (formatted by black) longer than
    ``line_length`` that a person should have wrapped: every long line but one that fits once
    a string literal on it is taken out (black splits no string). A docstring or a comment
    black leaves as written, so one of those over the length is always counted. Used on the
    support snippets (tests/test_format_support.py, benchmarks/formatting.py)."""
    lines = code.splitlines()
    if all(len(line) <= line_length for line in lines):
        return []
    docstrings: set[int] = set()
    for node in ast.walk(ast.parse(code)):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) and isinstance(first.value.value, str):
                docstrings.update(range(first.lineno, (first.end_lineno or first.lineno) + 1))
    comments: set[int] = set()
    strings: dict[int, int] = {}  # line -> the length of its longest one-line string literal
    for tok in tokenize.generate_tokens(io.StringIO(code).readline):
        if tok.type == tokenize.COMMENT:
            comments.add(tok.start[0])
        elif tok.type == tokenize.STRING and tok.start[0] == tok.end[0]:
            strings[tok.start[0]] = max(strings.get(tok.start[0], 0), len(tok.string))
    return [
        n
        for n, line in enumerate(lines, 1)
        if len(line) > line_length
        and (n in docstrings or n in comments or len(line) - strings.get(n, 0) > line_length)
    ]


#: black's default style (line length, string normalization, magic trailing commas)
DEFAULT_STYLE = (88, True, True)
#: black's output on every support statement in the default style, written by
#: scripts/support_formatted.py (tests/test_format_support.py checks it is current)
PREFORMATTED = Path(__file__).with_name("support_formatted.json")


@functools.lru_cache(maxsize=1)
def _preformatted(black_version: str) -> dict[str, str | None]:
    try:
        data = json.loads(PREFORMATTED.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if data.get("black") != black_version or tuple(data.get("style", ())) != DEFAULT_STYLE:
        return {}
    return data.get("statements", {})


@functools.lru_cache(maxsize=512)
def formatted_block(text: str, line_length: int, string_normalization: bool, magic_trailing_comma: bool) -> str:
    """``text`` (whole top-level statements, such as a support snippet) formatted by black in
    full, once per process and style (for the support statements in black's default style,
    once for all: ``PREFORMATTED``); ``text`` itself when black fails on it."""
    newline = "\r\n" if "\r\n" in text else "\n"
    plain = text.replace("\r\n", "\n")
    try:
        import black
    except ImportError:  # pragma: no cover - black is a dependency
        return text
    if (line_length, string_normalization, magic_trailing_comma) == DEFAULT_STYLE:
        known = _preformatted(black.__version__)
        key = hashlib.sha1(plain.encode("utf-8")).hexdigest()
        if key in known:
            return text if known[key] is None else _restore(known[key], newline)
    return _restore(_black_block(black, plain, _mode(line_length, string_normalization, magic_trailing_comma)), newline)


def _black_block(black, plain: str, mode) -> str:  # type: ignore[no-untyped-def]
    """black on ``plain`` (``\\n`` newlines) in full; ``plain`` when black fails on it."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            out = black.format_str(plain, mode=mode)
    except Exception:  # noqa: BLE001 - the snippet stays as written
        return plain
    if plain.endswith("\n") != out.endswith("\n"):
        out = out + "\n" if plain.endswith("\n") else out.rstrip("\n")
    return out
