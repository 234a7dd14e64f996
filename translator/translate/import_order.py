"""Where the imports the translation wrote go: into the module's import block, isort-style.

The import lines of the output's first import block that are not lines of the input (the
Paddle imports that replace torch ones, ``import paddle``, torch modules left-over code needs,
the support code's standard-library imports) are taken out and put back where isort's default
(black-compatible) profile would put them among the lines the user wrote: sections in the order
``__future__``, standard library, third party, first party (the file's own package), relative;
within a section ``import x`` lines before ``from x import y`` lines, each by module name.  The
user's lines are never moved or reordered; a new line that a comment line sits on stays where
it is (the comment is about it).

``import torch.nn`` (and the other submodules ``import torch`` loads itself) is dropped from a
module-level import block that also has a plain ``import torch``: it binds nothing new.
"""

from __future__ import annotations

import sys

import libcst as cst

from ..diagnostics import MARKER
from .resolve import dotted_name
from .syntax import _NO_SPACE, _code

__all__ = ["place_new_imports", "TORCH_LOADS"]

FUTURE, STDLIB, THIRD_PARTY, FIRST_PARTY, LOCAL = range(5)

# torch's submodules that `import torch` itself imports (torch/__init__.py), so that
# `import torch.<name>` next to `import torch` adds nothing; tests/test_format_imports.py checks
# each against the installed torch.
TORCH_LOADS = frozenset({
    "torch.nn", "torch.nn.functional", "torch.nn.init", "torch.nn.utils", "torch.nn.parameter",
    "torch.optim", "torch.optim.lr_scheduler", "torch.utils", "torch.utils.data", "torch.autograd",
    "torch.cuda", "torch.fft", "torch.linalg", "torch.special", "torch.distributions", "torch.backends",
    "torch.random", "torch.jit", "torch.hub", "torch.multiprocessing", "torch.testing", "torch.amp",
})


def _is_import_line(stmt: cst.CSTNode) -> bool:
    return isinstance(stmt, cst.SimpleStatementLine) and bool(stmt.body) and all(
        isinstance(s, (cst.Import, cst.ImportFrom)) for s in stmt.body
    )


def line_key(stmt: cst.SimpleStatementLine) -> str:
    """An import line's code without its leading lines (comparing input and output lines)."""
    return _code(stmt.with_changes(leading_lines=())).strip()


def input_import_lines(module: cst.Module) -> set[str]:
    """The keys of the input's top-level import lines (``line_key``)."""
    return {line_key(s) for s in module.body if _is_import_line(s)}  # type: ignore[arg-type]


def _module_of(small: cst.BaseSmallStatement) -> tuple[str, int]:
    """(module name, leading dots) of an import statement."""
    if isinstance(small, cst.Import):
        return dotted_name(small.names[0].name) or "", 0
    assert isinstance(small, cst.ImportFrom)
    return (dotted_name(small.module) if small.module is not None else "") or "", len(small.relative)


def _section(small: cst.BaseSmallStatement, first_party: str | None) -> int:
    name, dots = _module_of(small)
    if dots:
        return LOCAL
    top = name.split(".")[0]
    if top == "__future__":
        return FUTURE
    if top in sys.stdlib_module_names:
        return STDLIB
    if first_party is not None and top == first_party:
        return FIRST_PARTY
    return THIRD_PARTY


def _sort_key(stmt: cst.SimpleStatementLine, first_party: str | None) -> tuple:
    small = stmt.body[0]
    name, dots = _module_of(small)
    return (_section(small, first_party), isinstance(small, cst.ImportFrom), "." * dots + name.lower(), line_key(stmt))


def _blank_prefix(lines: tuple | list) -> tuple[list, list]:
    """(the blank lines before the first comment, the rest)."""
    lines = list(lines)
    i = 0
    while i < len(lines) and lines[i].comment is None:
        i += 1
    return lines[:i], lines[i:]


def _marked(lines_up: list) -> bool:
    """Whether the comment lines directly above a line (``lines_up``: nearest first, up to the
    first blank line) hold a translation marker."""
    for line in lines_up:
        if line.comment is None:
            return False
        if MARKER in line.comment.value:
            return True
    return False


def _redundant_torch_submodule(stmt: cst.SimpleStatementLine, plain_torch: bool) -> bool:
    if not plain_torch or len(stmt.body) != 1 or not isinstance(stmt.body[0], cst.Import):
        return False
    names = stmt.body[0].names
    return all(a.asname is None and (dotted_name(a.name) or "") in TORCH_LOADS for a in names)


def place_new_imports(module: cst.Module, old_lines: set[str], package: str | None, written: set[str] | frozenset = frozenset()) -> cst.Module:
    """``module`` with the import lines of its first import block that are not in ``old_lines``
    placed isort-style among the others (see the module docstring).  The Paddle import lines
    this translation wrote (``written``) are placed so too when the input already had them (a
    translation read again writes ``import paddle`` where its ``import torch`` is, and drops the
    one the first pass placed): so the first pass's place is found again."""
    body = list(module.body)
    start = next((i for i, s in enumerate(body) if _is_import_line(s)), None)
    if start is None:
        return module
    end = start
    while end < len(body) and _is_import_line(body[end]):
        end += 1
    block: list[cst.SimpleStatementLine] = body[start:end]  # type: ignore[assignment]
    plain_torch = any(
        isinstance(s.body[0], cst.Import) and any(a.asname is None and dotted_name(a.name) == "torch" for a in s.body[0].names)
        for s in block
    )
    first_party = package.split(".")[0] if package else None
    kept: list[cst.SimpleStatementLine] = []
    moving: list[cst.SimpleStatementLine] = []
    carry: list[cst.EmptyLine] = []  # blank lines of a line taken out, for the line after it
    # the blank lines before the block, when its first line is taken out: the first line kept
    # gets them instead of its own (which separated it from a line now gone)
    block_lead: list[cst.EmptyLine] | None = None
    changed = False
    for stmt in block:
        if _redundant_torch_submodule(stmt, plain_torch):
            blank, _comments = _blank_prefix(stmt.leading_lines)
            if not _comments:
                carry = carry or blank
                changed = True
                continue
        is_new = line_key(stmt) not in old_lines or line_key(stmt) in written
        blank, comments = _blank_prefix(stmt.leading_lines)
        if start == 0 and stmt is block[0]:
            # the file's first statement: what is above it is the module's header when the output
            # is read again, so a comment sits on it only when directly above (a marker), and the
            # lines above it stay at the top of the file when it moves
            if is_new and not _marked(list(reversed([*module.header, *stmt.leading_lines]))):
                block_lead = list(stmt.leading_lines)
                moving.append(stmt.with_changes(leading_lines=[]))
                carry = carry or blank
                continue
        elif is_new and not comments:
            if stmt is block[0]:
                block_lead = blank
            moving.append(stmt.with_changes(leading_lines=[]))
            carry = carry or blank
            continue
        if block_lead is not None and not kept:
            stmt = stmt.with_changes(leading_lines=[*block_lead, *comments])
        elif carry and not stmt.leading_lines:
            stmt = stmt.with_changes(leading_lines=carry)
        carry = []
        kept.append(stmt)
    if not moving:
        if not changed:
            return module
        if carry and end < len(body):
            body[end] = _with_leading_blank(body[end], carry)
        return module.with_changes(body=[*body[:start], *kept, *body[end:]])
    users: list[cst.SimpleStatementLine] = []
    last_is_new = False
    if not kept:
        # nothing of the user's: the new lines in order, a blank line between sections
        first_lead = list(block[0].leading_lines)
        kept = []
        moving.sort(key=lambda s: _sort_key(s, first_party))
        previous = None
        for stmt in moving:
            section = _sort_key(stmt, first_party)[0]
            lead = first_lead if previous is None else ([_blank()] if section != previous else [])
            kept.append(stmt.with_changes(leading_lines=lead))
            previous = section
    else:
        users = kept
        for stmt in sorted(moving, key=lambda s: _sort_key(s, first_party)):
            kept = _insert(kept, stmt, first_party)
        last_is_new = line_key(kept[-1]) in {line_key(m) for m in moving}
    if carry and end < len(body) and not body[end].leading_lines:
        body[end] = body[end].with_changes(leading_lines=carry)
    if users and last_is_new and end < len(body) and not body[end].leading_lines:
        # a new line now ends the block, after the user's: the code after it is set off by a
        # blank line (as a second pass, which takes the line out and puts it back, sets it off)
        body[end] = body[end].with_changes(leading_lines=[_blank()])
    return module.with_changes(body=[*body[:start], *kept, *body[end:]])


def _blank() -> cst.EmptyLine:
    return cst.EmptyLine(indent=False, whitespace=_NO_SPACE)


def _with_leading_blank(stmt: cst.BaseStatement, blank: list) -> cst.BaseStatement:
    if stmt.leading_lines and stmt.leading_lines[0].comment is None:
        return stmt
    return stmt.with_changes(leading_lines=[*blank, *stmt.leading_lines])


def _insert(block: list[cst.SimpleStatementLine], stmt: cst.SimpleStatementLine, first_party: str | None) -> list:
    """``block`` with ``stmt`` (no leading lines) inserted at its isort place."""
    key = _sort_key(stmt, first_party)
    section = key[0]
    keys = [_sort_key(s, first_party) for s in block]
    same = [i for i, k in enumerate(keys) if k[0] == section]
    out = list(block)
    if same:
        before = [i for i in same if keys[i] <= key]
        if before:
            at = before[-1] + 1
            out.insert(at, stmt)
            return out
        at = same[0]
        blank, rest = _blank_prefix(out[at].leading_lines)
        out[at] = out[at].with_changes(leading_lines=rest)
        out.insert(at, stmt.with_changes(leading_lines=blank))
        return out
    lower = [i for i, k in enumerate(keys) if k[0] < section]
    if lower:
        at = lower[-1] + 1
        out.insert(at, stmt.with_changes(leading_lines=[_blank()]))
        if at + 1 < len(out) and not out[at + 1].leading_lines:
            out[at + 1] = out[at + 1].with_changes(leading_lines=[_blank()])
        return out
    blank, rest = _blank_prefix(out[0].leading_lines)
    out[0] = out[0].with_changes(leading_lines=[_blank(), *rest])
    out.insert(0, stmt.with_changes(leading_lines=blank))
    return out
