"""What a translation adds at the top of the module: ``import paddle``, the torch modules that
left-over code needs, and the support code (helpers the output uses) with its imports.

Support statements stand as one-name placeholder lines until after codegen
(``_fill_support``), so the large, fixed support code is neither rebuilt nor laid out per file.
"""

from __future__ import annotations

import functools
from collections import Counter
from pathlib import Path
from typing import Sequence

import libcst as cst

from . import support as support_code
from .formatting import formatted_block
from .imports import _import_locals, _module_level_uses, _UsedNames
from .resolve import Prepass, dotted_name, walk
from .syntax import _NO_SPACE, _code, _fix_alias_commas, _placeholder_name, _target_names, make_chain


def _header_end(module: cst.Module) -> int:
    """Index of the first statement after the docstring, __future__ imports and imports."""
    idx = 0
    body = module.body
    if body and isinstance(body[0], cst.SimpleStatementLine) and isinstance(body[0].body[0], cst.Expr):
        if isinstance(body[0].body[0].value, (cst.SimpleString, cst.ConcatenatedString)):
            idx = 1
    while idx < len(body):
        stmt = body[idx]
        if isinstance(stmt, cst.SimpleStatementLine) and all(isinstance(s, (cst.Import, cst.ImportFrom)) for s in stmt.body):
            idx += 1
            continue
        break
    return idx


def _first_import_index(module: cst.Module) -> int:
    body = module.body
    for i, stmt in enumerate(body):
        if isinstance(stmt, cst.SimpleStatementLine) and all(isinstance(s, (cst.Import, cst.ImportFrom)) for s in stmt.body):
            if any(isinstance(s, cst.ImportFrom) and dotted_name(s.module or cst.Name("_")) == "__future__" for s in stmt.body):
                continue
            return i
    return _header_end(module)


@functools.lru_cache(maxsize=32)
def _render_support(names: tuple[str, ...], root: Path | None = None) -> tuple[cst.BaseStatement, ...]:
    """``support.render(names, existing=set())``, with each import line and snippet parsed once
    per process (the nodes are immutable, and the literals copied from torchvision are large).

    ``render`` parses the imports and the snippets as one text; the pieces parsed on their own
    give the same statements once the two blank lines between snippets are put back, provided
    every piece agrees on the indentation unit and newline and has no lines outside its
    statements (checked; otherwise the text is parsed whole). tests/test_fast_paths.py compares
    the two for every snippet.
    """
    imports: list[str] = []
    blocks: list[str] = []
    for name in names:
        snip = support_code.SNIPPETS[name]
        for imp in snip.imports:
            if imp not in imports:
                imports.append(imp)
        blocks.append(support_code._literal(*snip.literal_from, root) if snip.literal_from else snip.code)
    if not blocks:
        return ()
    imports.sort(key=lambda s: (s.startswith("from"), s))
    pieces = [_parsed_piece(i + "\n") for i in imports] + [_parsed_piece(b) for b in blocks]
    if len({(m.default_indent, m.default_newline) for m in pieces}) != 1 or any(
        m.header or m.footer or not m.body or not m.has_trailing_newline for m in pieces
    ):
        return tuple(support_code.render(list(names), existing=set(), root=root))
    out: list[cst.BaseStatement] = []
    for i, m in enumerate(pieces):
        body = list(m.body)
        if i > len(imports):  # "\n\n".join(blocks): two blank lines before each later snippet
            body[0] = _after_two_blank_lines(body[0])
        out.extend(body)
    return tuple(out)


@functools.lru_cache(maxsize=256)
def _after_two_blank_lines(stmt: cst.BaseStatement) -> cst.BaseStatement:
    # cached, so that a snippet's statements are the same objects whatever other snippets a
    # file needs (_support_text and _support_names are cached by statement)
    blank = cst.EmptyLine()
    return stmt.with_changes(leading_lines=[blank, blank, *stmt.leading_lines])


@functools.lru_cache(maxsize=128)
def _parsed_piece(text: str) -> cst.Module:
    return cst.parse_module(text)


_SUPPORT_PLACEHOLDER = "__torch2paddle_support_"
_USE_PLACEHOLDERS = True  # tests/test_fast_paths.py turns this off to compare


@functools.lru_cache(maxsize=256)
def _support_text(stmt: cst.BaseStatement, indent: str, newline: str) -> str:
    """The code of a support statement (as ``_render_support`` made it) without its leading lines,
    as it reads in a module with this indentation unit and newline."""
    return cst.Module(body=[stmt.with_changes(leading_lines=[])], default_indent=indent, default_newline=newline).code


@functools.lru_cache(maxsize=256)
def _support_names(stmt: cst.BaseStatement) -> Counter:
    """The names a support statement uses as module-level names: a name it binds inside (a
    method ``version``, a parameter ``x``) counts only where it still means the module-level
    one, as when the statement is read back as part of a module (a translation read again)."""
    used = _UsedNames()
    walk(stmt, used)
    pre = Prepass(None)
    walk(cst.Module(body=[stmt]), pre)
    inner = {name for names in pre.scope_locals.values() for name in names} & used.used.keys()
    if inner:
        module_level = _module_level_uses(cst.Module(body=[stmt]), inner, None)
        for name in inner:
            used.used[name] = module_level[name]
    return used.used


def _fill_support(
    code: str, placeholders: dict[str, cst.BaseStatement], indent: str, newline: str, style: tuple | None = None
) -> str | None:
    """Put the support statements in place of their placeholder lines; None if one is not found
    exactly once.  With ``style`` (``formatted_block``'s arguments after the text), each
    statement is formatted by black first (once per process)."""
    for name, stmt in placeholders.items():
        line = name + newline
        if code.count(line) != 1:
            return None
        text = _support_text(stmt, indent, newline)
        code = code.replace(line, formatted_block(text, *style) if style else text)
    return code


@functools.lru_cache(maxsize=256)
def _formatted_statement(stmt: cst.BaseStatement, indent: str, newline: str, style: tuple) -> cst.BaseStatement:
    """A support statement formatted by black (``formatted_block``), as a node."""
    text = formatted_block(_support_text(stmt, indent, newline), *style)
    # black indents by four spaces whatever the module does: say so on every block, so that
    # the statement prints as black wrote it in a module indented otherwise
    parsed = cst.parse_module(text).body[0].visit(_ExplicitIndent(cst.parse_module(text).default_indent))
    return parsed.with_changes(leading_lines=stmt.leading_lines)  # type: ignore[union-attr]


class _ExplicitIndent(cst.CSTTransformer):
    def __init__(self, indent: str) -> None:
        super().__init__()
        self.indent = indent

    def leave_IndentedBlock(self, original_node: cst.IndentedBlock, updated_node: cst.IndentedBlock) -> cst.IndentedBlock:
        return updated_node if updated_node.indent is not None else updated_node.with_changes(indent=self.indent)


def _with_support(module: cst.Module, placeholders: dict[str, cst.BaseStatement], style: tuple | None = None) -> cst.Module:
    """``module`` with its top-level placeholder lines replaced by the support statements
    (formatted as ``_fill_support`` formats them, with ``style``)."""
    body = []
    for stmt in module.body:
        name = _placeholder_name(stmt)
        if name in placeholders:
            new = placeholders[name]
            if style:
                new = _formatted_statement(new, module.default_indent, module.default_newline, style)
            stmt = new.with_changes(leading_lines=stmt.leading_lines)  # type: ignore[index]
        body.append(stmt)
    return module.with_changes(body=body)


def _add_header(
    module: cst.Module,
    need_paddle: bool,
    supports: list[str],
    torch_imports: Sequence[str] = (),
    root: Path | None = None,
    placeholders: dict[str, cst.BaseStatement] | None = None,
    style: tuple | None = None,
) -> cst.Module:
    """The imports and support code a translation needs, added after the module's imports.

    With ``placeholders`` (a dict to fill), each support statement that is not an import is
    added as a one-name placeholder line and recorded there; ``_fill_support`` puts the code in
    after codegen, so the (large, fixed) support code is neither rebuilt nor laid out per file.
    Without, the support statements are formatted with ``style`` (``formatted_block``'s
    arguments after the text) when it is given, as ``_fill_support`` formats them.
    """
    body = list(module.body)
    if torch_imports:
        # untranslated code spelled through torch (see keep_torch) needs these modules
        present = {_code(s).strip() for s in body if isinstance(s, cst.SimpleStatementLine)}
        pos = _first_import_index(module)
        for name in reversed(torch_imports):
            line = cst.SimpleStatementLine(body=[cst.Import(names=[cst.ImportAlias(make_chain(name))])])  # type: ignore[arg-type]
            if _code(line).strip() not in present:
                if pos < len(body) and body[pos].leading_lines:
                    line = line.with_changes(leading_lines=body[pos].leading_lines)
                    body[pos] = body[pos].with_changes(leading_lines=[])
                body.insert(pos, line)
    if supports:
        idx = _header_end(module)
        existing = _defined_names(module)
        snippet_stmts = list(_render_support(tuple(n for n in supports if n not in existing), root))
        if snippet_stmts:
            # the standard-library imports the support code needs, minus names already bound
            bound = _import_bound_names(body[:idx])
            imports = [s for s in (_without_bound(s, bound) for s in snippet_stmts if _is_import_line(s)) if s]
            rendered = [s for s in snippet_stmts if not _is_import_line(s)]
            if placeholders is not None:
                code = []
                for s in rendered:
                    name = f"{_SUPPORT_PLACEHOLDER}{len(placeholders)}__"
                    placeholders[name] = s
                    code.append(cst.SimpleStatementLine(body=[cst.Expr(cst.Name(name))]))
            else:
                code = [s.with_changes(leading_lines=[]) for s in rendered]
                if style:
                    code = [_formatted_statement(s, module.default_indent, module.default_newline, style) for s in code]
            blank = cst.EmptyLine(indent=False, whitespace=_NO_SPACE)
            header = cst.EmptyLine(indent=False, whitespace=_NO_SPACE, comment=cst.Comment(support_code.HEADER))
            footer = cst.EmptyLine(indent=False, whitespace=_NO_SPACE, comment=cst.Comment(support_code.FOOTER))
            code = [c.with_changes(leading_lines=[blank, blank]) if i else c for i, c in enumerate(code)]
            # the imports join the module's import block (import_order places them); the code
            # follows the block, between the header and footer comments
            imports = [s.with_changes(leading_lines=[]) for s in imports]
            if imports and not _is_import_line(body[idx - 1] if idx else None):
                imports[0] = imports[0].with_changes(leading_lines=[blank] if idx else [])
            if not code:
                body[idx:idx] = imports
                return _with_paddle(module, body, need_paddle)
            code[0] = code[0].with_changes(leading_lines=[blank, blank, header])
            block: list[cst.BaseStatement] = [*imports, *code]
            if idx < len(body):
                nxt = body[idx]
                lead = list(nxt.leading_lines)
                while lead and lead[0].comment is None:
                    lead.pop(0)
                body[idx] = nxt.with_changes(leading_lines=[blank, blank, footer, blank, blank, *lead])
            body[idx:idx] = block
    return _with_paddle(module, body, need_paddle)


def with_stdlib_imports(module: cst.Module, wanted: set[tuple[str, str]], package: str | None) -> cst.Module:
    """``module`` with ``import m`` (``import m as local``) for each standard-library module a
    rule's target was spelled through (``ImportsMixin.spell``) whose name the output still uses as
    the module-level name; the lines go at the head of the import block, which
    ``import_order.place_new_imports`` sorts them into."""
    if not wanted:
        return module
    uses = _module_level_uses(module, {local for _, local in wanted}, package)
    lines = []
    for mod, local in sorted(wanted):
        if uses[local] > 0:
            asname = cst.AsName(cst.Name(local)) if local != mod else None
            lines.append(cst.SimpleStatementLine(body=[cst.Import(names=[cst.ImportAlias(make_chain(mod), asname=asname)])]))
    if not lines:
        return module
    body = list(module.body)
    pos = _first_import_index(module)
    if pos < len(body) and body[pos].leading_lines:
        lines[0] = lines[0].with_changes(leading_lines=body[pos].leading_lines)
        body[pos] = body[pos].with_changes(leading_lines=[])
    body[pos:pos] = lines
    return module.with_changes(body=body)


def _with_paddle(module: cst.Module, body: list, need_paddle: bool) -> cst.Module:
    """``module`` with ``body``, and ``import paddle`` first in its import block if it needs one."""
    if need_paddle and not _binds_paddle(module):
        pos = _first_import_index(module)
        line = cst.SimpleStatementLine(body=[cst.Import(names=[cst.ImportAlias(cst.Name("paddle"))])])
        if pos < len(body) and body[pos].leading_lines and not _opens_support(body[pos]):
            line = line.with_changes(leading_lines=body[pos].leading_lines)
            body[pos] = body[pos].with_changes(leading_lines=[])
        elif pos and pos < len(body) and _opens_support(body[pos]):  # after a docstring
            line = line.with_changes(leading_lines=[cst.EmptyLine(indent=False, whitespace=_NO_SPACE)])
        body.insert(pos, line)
    return module.with_changes(body=body)


def _opens_support(stmt: cst.BaseStatement) -> bool:
    """``stmt`` is the first statement of the support code: its header comment stays with it
    (an ``import paddle`` put before it does not take the comment along)."""
    return any(line.comment is not None and line.comment.value == support_code.HEADER for line in stmt.leading_lines)


def _import_bound_names(stmts: Sequence[cst.CSTNode]) -> set[str]:
    names: set[str] = set()
    for stmt in stmts:
        if isinstance(stmt, cst.SimpleStatementLine):
            for small in stmt.body:
                names.update(local for _, local in _import_locals(small))
    return names


def _without_bound(stmt: cst.SimpleStatementLine, bound: set[str]) -> cst.SimpleStatementLine | None:
    small = stmt.body[0]
    keep = [alias for alias, local in _import_locals(small) if local not in bound]
    bound.update(local for _, local in _import_locals(small))
    if not keep:
        return None
    return stmt.with_changes(body=[small.with_changes(names=_fix_alias_commas(keep))])


def _is_import_line(stmt: cst.CSTNode) -> bool:
    return isinstance(stmt, cst.SimpleStatementLine) and all(isinstance(s, (cst.Import, cst.ImportFrom)) for s in stmt.body)


def _binds_paddle(module: cst.Module) -> bool:
    for stmt in module.body:
        if isinstance(stmt, cst.SimpleStatementLine):
            for small in stmt.body:
                if isinstance(small, cst.Import):
                    for alias in small.names:
                        if alias.asname is None and (dotted_name(alias.name) or "").split(".")[0] == "paddle":
                            return True
                        if alias.asname is not None and alias.asname.name.value == "paddle":  # type: ignore[union-attr]
                            return True
    return False


def _defined_names(module: cst.Module) -> set[str]:
    names: set[str] = set()
    for stmt in module.body:
        if isinstance(stmt, (cst.FunctionDef, cst.ClassDef)):
            names.add(stmt.name.value)
        elif isinstance(stmt, cst.SimpleStatementLine):
            for small in stmt.body:
                if isinstance(small, cst.Assign):
                    for t in small.targets:
                        names.update(_target_names(t.target))
    return names


# ------------------------------------------------------------------------- entry point ----
