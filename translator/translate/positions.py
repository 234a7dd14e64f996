"""Where diagnostics are: positions of nodes without laying out the whole module.

A re-implementation of the part of LibCST's ``PositionProvider`` the translator needs, on
LibCST's codegen protocol (``_codegen`` and the state object it drives; pinned by
tests/test_libcst_contract.py): only the statement around a diagnostic is laid out, then placed
by finding its text in the source.  ``MetadataWrapper`` is the fallback whenever that is not
exact; tests/test_fast_paths.py compares both.
"""

from __future__ import annotations

import contextlib
import re

import libcst as cst
from libcst.metadata import MetadataWrapper, PositionProvider

from .resolve import TRIVIA, kind_of

_LINE_BREAK = re.compile(r"\r\n?|\n")  # as libcst.metadata.position_provider.NEWLINE_RE


class _Syntactic:
    """``with state.record_syntactic_position(node, start_node=..., end_node=...)``."""

    __slots__ = ("state", "node", "start_node", "end_node", "line", "column")

    def __init__(self, state: "_PositionState", node, start_node, end_node) -> None:  # type: ignore[no-untyped-def]
        self.state, self.node, self.start_node, self.end_node = state, node, start_node, end_node

    def __enter__(self) -> None:
        self.line, self.column = self.state.line, self.state.column

    def __exit__(self, *exc: object) -> bool:
        if exc[0] is not None:
            return False  # a layout stopped early (_PrefixPositionState): the node is unfinished
        state = self.state
        start = (self.line, self.column) if self.start_node is None else state.ranges[id(self.start_node)][:2]
        end = (state.line, state.column) if self.end_node is None else state.ranges[id(self.end_node)][2:]
        state.ranges[id(self.node)] = (*start, *end)
        return False


class _PositionState:
    """The codegen state of LibCST's ``PositionProvider``, recording the same ranges more cheaply:
    as ``(line, column, end line, end column)`` keyed by ``id(node)``, only while ``recording``,
    and without keeping the tokens."""

    _NO_RECORD = contextlib.nullcontext()

    def __init__(self, default_indent: str, default_newline: str) -> None:
        self.default_indent = default_indent
        self.default_newline = default_newline
        self.indent_tokens: list[str] = []
        self.line = 1
        self.column = 0
        self.recording = False
        self.ranges: dict[int, tuple[int, int, int, int]] = {}
        self._stack: list[tuple[int, int]] = []

    def increase_indent(self, value: str) -> None:
        self.indent_tokens.append(value)

    def decrease_indent(self) -> None:
        self.indent_tokens.pop()

    def add_indent_tokens(self) -> None:
        for token in self.indent_tokens:
            self.add_token(token)

    def add_token(self, value: str) -> None:
        if "\n" in value or "\r" in value:
            segments = _LINE_BREAK.split(value)
            self.line += len(segments) - 1
            self.column = len(segments[-1])
        else:
            self.column += len(value)

    def before_codegen(self, node: cst.CSTNode) -> None:
        if self.recording:
            self._stack.append((self.line, self.column))

    def after_codegen(self, node: cst.CSTNode) -> None:
        if self.recording:
            line, column = self._stack.pop()
            self.ranges.setdefault(id(node), (line, column, self.line, self.column))

    def record_syntactic_position(self, node, *, start_node=None, end_node=None):  # type: ignore[no-untyped-def]
        if not self.recording:
            return self._NO_RECORD
        return _Syntactic(self, node, start_node, end_node)


class _TextPositionState(_PositionState):
    """A ``_PositionState`` that also keeps the text it lays out."""

    def __init__(self, default_indent: str, default_newline: str) -> None:
        super().__init__(default_indent, default_newline)
        self.tokens: list[str] = []
        self.recording = True

    def add_token(self, value: str) -> None:
        self.tokens.append(value)
        super().add_token(value)


def _ranges_by_search(module: cst.Module, tops: set[int], code: str) -> dict[int, tuple[int, int, int, int]] | None:
    """Ranges for the nodes of the top-level statements in ``tops``, each placed on its own
    (``_place_statement``); ``None`` when a statement's text is not found exactly once in ``code``
    (e.g. a repeated statement, or the last line without its newline)."""
    ranges: dict[int, tuple[int, int, int, int]] = {}
    for stmt in module.body:
        if id(stmt) in tops and not _place_statement(module, stmt, (), code, ranges):
            return None
    return ranges


class _HeaderPositionState(_TextPositionState):
    """Lays out a compound statement only up to its body (``body``, a stand-in for it)."""

    def __init__(self, default_indent: str, default_newline: str, body: cst.CSTNode) -> None:
        super().__init__(default_indent, default_newline)
        self.body = body
        self.header_end: int | None = None

    def before_codegen(self, node: cst.CSTNode) -> None:
        if node is self.body and self.header_end is None:
            self.header_end = len(self.tokens)
            self.header_pos = (self.line, self.column)
        super().before_codegen(node)


class _LaidOut(Exception):
    """Every node a ``_PrefixPositionState`` waits for has its range."""


class _PrefixPositionState(_TextPositionState):
    """Lays out a statement only until the nodes in ``until`` (ids) are finished."""

    def __init__(self, default_indent: str, default_newline: str, until: set[int]) -> None:
        super().__init__(default_indent, default_newline)
        self.until = set(until)

    def after_codegen(self, node: cst.CSTNode) -> None:
        super().after_codegen(node)
        if id(node) in self.until:
            self.until.discard(id(node))
            if not self.until:
                raise _LaidOut


_STAND_IN_BODY = cst.SimpleStatementSuite(body=[cst.Pass()])


def _place_statement(
    module: cst.Module, stmt: cst.CSTNode, indents: tuple[str | None, ...], code: str, ranges: dict,
    header_only: bool = False, until: set[int] | None = None,
) -> bool:
    """Lay out one statement (at any depth) on its own, inside the indentation of its blocks, and
    add its nodes' ranges, moved to where its text stands in ``code``; False if that text is not
    found exactly once.  ``header_only``: a compound statement up to its body (decorators, ``def``
    line, bases...), whose text must then be found exactly once.  ``until`` (node ids): only as far
    as the end of the last of these nodes, whose text must then be found exactly once."""
    if header_only:
        if not isinstance(getattr(stmt, "body", None), cst.BaseSuite):
            return False
        state: _TextPositionState = _HeaderPositionState(module.default_indent, module.default_newline, _STAND_IN_BODY)
        stmt = stmt.with_changes(body=_STAND_IN_BODY)  # type: ignore[attr-defined]
    elif until:
        state = _PrefixPositionState(module.default_indent, module.default_newline, until)
    else:
        state = _TextPositionState(module.default_indent, module.default_newline)
    state.indent_tokens = [module.default_indent if i is None else i for i in indents]
    try:
        stmt._codegen(state)  # type: ignore[attr-defined]
    except _LaidOut:
        pass
    tokens = state.tokens
    if header_only:
        end = state.header_end  # type: ignore[attr-defined]
        if end is None:
            return False
        tokens = tokens[:end]
        # only the nodes that end before the body (not the stand-in statement, body or else-part)
        header_pos = state.header_pos  # type: ignore[attr-defined]
        state.ranges = {k: r for k, r in state.ranges.items() if (r[2], r[3]) <= header_pos}
    text = "".join(tokens)
    if not text or code.count(text) != 1:
        return False
    offset = len(_LINE_BREAK.findall(code, 0, code.index(text)))
    for key, (line, column, end_line, end_column) in state.ranges.items():
        ranges.setdefault(key, (line + offset, column, end_line + offset, end_column))
    return True


def _ranges_by_chain(
    module: cst.Module, chains: list[tuple[list[cst.CSTNode], tuple]], code: str, originals: set[int] | None = None
) -> dict | None:
    """Ranges for the nodes of each diagnostic, from the innermost enclosing statement whose text
    is found exactly once in ``code`` (its chain, as ``_Translator.stmt_chain`` recorded it);
    ``None`` when no statement of a chain will do.  Nodes that are not in ``module``
    (``originals``: the ids of its nodes) have no position and are left out."""
    ranges: dict[int, tuple[int, int, int, int]] = {}
    placed: dict[object, bool] = {}
    todo = []
    inside: dict[int, set[int]] = {}  # innermost statement -> the nodes wanted in it
    for nodes, chain in chains:
        if originals is not None:
            nodes = [n for n in nodes if id(n) in originals]
        # an `elif` is an If in its parent If's orelse, written "if" when laid out alone: skip it
        chain = tuple(
            entry for i, entry in enumerate(chain)
            if not (i and isinstance(entry[0], cst.If) and getattr(chain[i - 1][0], "orelse", None) is entry[0])
        )
        todo.append((nodes, chain))
        if chain and nodes:
            inside.setdefault(id(chain[-1][0]), set()).update(id(n) for n in nodes)
    for nodes, chain in todo:
        if all(id(n) in ranges for n in nodes):
            continue
        if chain and isinstance(chain[-1][0], cst.SimpleStatementLine):
            # the statement's text up to the last node wanted in it, if that much is unique
            stmt, indents = chain[-1]
            if ("prefix", id(stmt)) not in placed:
                placed[("prefix", id(stmt))] = _place_statement(module, stmt, indents, code, ranges, until=inside[id(stmt)])
            if all(id(n) in ranges for n in nodes):
                continue
        if chain and not isinstance(chain[-1][0], cst.SimpleStatementLine):
            # in a compound statement's header (a base class, a decorator): try the header alone
            stmt, indents = chain[-1]
            if ("header", id(stmt)) not in placed:
                placed[("header", id(stmt))] = _place_statement(module, stmt, indents, code, ranges, header_only=True)
            if all(id(n) in ranges for n in nodes):
                continue
        for stmt, indents in reversed(chain):
            if id(stmt) not in placed:
                placed[id(stmt)] = _place_statement(module, stmt, indents, code, ranges)
            if placed[id(stmt)] and all(id(n) in ranges for n in nodes):
                break
        else:
            return None
    return ranges


def _diag_positions(module: cst.Module, tops: set[int], wanted: list[cst.CSTNode], originals: set[int] | None,
                    code: str | None = None, chains: list | None = None):  # type: ignore[no-untyped-def]
    """Positions (as ``PositionProvider`` gives them) of the ``wanted`` nodes of ``module``.

    With ``code`` and the ``chains`` of enclosing statements, only the innermost statement around
    each wanted node whose text is unique is laid out (``_ranges_by_chain``).  Else only the
    top-level statements in ``tops`` are laid out with positions (``_PositionState``): with ``code`` (the text ``module`` was parsed from) each of them is laid out alone and placed
    by finding its text in ``code`` (``_ranges_by_search``); otherwise, or when a text is not
    found exactly once, the statements before them are laid out for their line count.  When a
    wanted node of ``module`` (``originals``) is outside them, every position is computed, as
    ``MetadataWrapper`` would.
    """
    if originals is not None:
        from libcst._position import CodePosition, CodeRange

        found = _ranges_by_chain(module, chains, code, originals) if code is not None and chains else None
        if found is None and code is not None:
            found = _ranges_by_search(module, tops, code)
        if found is not None:
            ranges = found
        else:
            state = _PositionState(module.default_indent, module.default_newline)
            for line in module.header:
                line._codegen(state)  # type: ignore[arg-type]
            todo = len(tops)
            for stmt in module.body:
                if not todo:
                    break
                state.recording = id(stmt) in tops
                stmt._codegen(state)  # type: ignore[arg-type]
                todo -= state.recording
            ranges = state.ranges
        if all(id(n) in ranges or (id(n) not in originals and kind_of(n.__class__) != TRIVIA) for n in wanted):
            return {
                n: CodeRange(CodePosition(r[0], r[1]), CodePosition(r[2], r[3]))
                for n in wanted
                if (r := ranges.get(id(n))) is not None
            }
    return MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)


def _position(module: cst.Module, node: cst.CSTNode) -> tuple[int, int]:
    pos = MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider).get(node)
    return (pos.start.line, pos.start.column + 1) if pos else (0, 0)
