"""Leftover containment: a torch import that only untranslated code inside functions still needs
moves into those functions, so the rest of the module imports and runs without torch.

After the import tidy-up, a module-level torch import that is still there is used by code the
table could not translate (marked and reported where it stands).  When every use of the name it
binds runs inside a function (a method, a nested function; a lambda or class body counts as the
function around it), the import is written at the top of each innermost function that uses the
name (after its docstring) and removed from the module.  Inside a function, a use in a branch of
an ``if`` gets the import at the top of that branch instead (``if self.flash:`` code left as
torch needs torch only when the flag is set), unless the function around it needs it anyway.  A use evaluated when the module is
imported (module-level code, a class body at module level, a decorator, a default value, an
annotation) keeps the module-level import, as does a name some function declares ``global``;
under ``from __future__ import annotations`` an annotation is never evaluated and needs none.

Diagnostics and markers do not change; only where ``import torch`` stands does.
"""

from __future__ import annotations

from typing import Callable, Sequence

import libcst as cst

from .fastcst import _Transformer
from .imports import _import_locals, _is_torch_import, _UsedNames
from .removal import _STATEMENT_CONTAINERS
from .resolve import Prepass, _child_fields, dotted_name, walk
from .scopes import Scope, ScopeStack

__all__ = ["contain_leftovers"]


def contain_leftovers(module: cst.Module, package: str | None, libraries: tuple[str, ...] = ()) -> cst.Module:
    """``module`` with each movable module-level torch import moved into the functions that use
    it (see the module docstring); ``module`` itself when there is none.  An import of one of
    ``libraries`` (libraries built on torch whose definitions are carried) that stayed (``import
    monai``: a whole module cannot be carried) is a leftover too."""
    leftover = _leftover_test(package, libraries)
    imported = _module_torch_imports(module, leftover)
    if not imported:
        return module
    uses = _Uses(set(imported), package)
    uses.lazy = _lazy_annotations(module)
    walk(module, uses)
    where = uses.where()
    movable = {
        local for local in imported if local not in uses.declared_global and None not in where[local] and where[local]
    }
    if not movable:
        return module
    targets: dict[int, list[cst.SimpleStatementLine]] = {}
    for local in sorted(movable, key=lambda name: imported[name][0][0]):
        lines = [line for _, line in imported[local]]
        using = {id(fn) for fn in where[local]}
        for fn in where[local]:
            if any(id(outer) in using for outer in uses.enclosing[id(fn)]):  # a closure sees it
                continue
            # a function (or one around the branch) that imports it itself needs no second import
            owned = [line for line in lines if not any(_imports_itself(f, line) for f in (*uses.enclosing[id(fn)], fn))]
            targets.setdefault(id(fn), []).extend(owned)
    return module.visit(_Move(movable, leftover, targets, _paths_to(module, set(targets))))


def _leftover_test(package: str | None, libraries: tuple[str, ...]) -> Callable[[cst.BaseSmallStatement], bool]:
    """Whether a statement is a left-over import: of torch, or absolute of one of ``libraries``."""
    roots = set(libraries)

    def leftover(stmt: cst.BaseSmallStatement) -> bool:
        if _is_torch_import(stmt, package):
            return True
        if isinstance(stmt, cst.Import):
            return any((dotted_name(a.name) or "").split(".")[0] in roots for a in stmt.names)
        if isinstance(stmt, cst.ImportFrom) and not stmt.relative and stmt.module is not None:
            return (dotted_name(stmt.module) or "").split(".")[0] in roots
        return False

    return leftover


def _module_torch_imports(
    module: cst.Module, leftover: Callable[[cst.BaseSmallStatement], bool]
) -> dict[str, list[tuple[int, cst.SimpleStatementLine]]]:
    """For each name a module-level torch import binds: (statement index, the import written
    alone on a line) for every alias that binds it."""
    found: dict[str, list[tuple[int, cst.SimpleStatementLine]]] = {}
    for index, stmt in enumerate(module.body):
        if not isinstance(stmt, cst.SimpleStatementLine):
            continue
        for small in stmt.body:
            if not leftover(small) or isinstance(small.names, cst.ImportStar):  # type: ignore[union-attr]
                continue
            for alias, local in _import_locals(small):
                alone = small.with_changes(
                    names=[alias.with_changes(comma=cst.MaybeSentinel.DEFAULT)], semicolon=cst.MaybeSentinel.DEFAULT
                )
                found.setdefault(local, []).append((index, cst.SimpleStatementLine(body=[alone])))
    return found


class _Uses(Prepass, _UsedNames):
    """One walk of the module for both what ``Prepass`` learns (the names each scope binds) and
    where each of ``names`` is used as the module-level name: ``where()[name]`` holds the
    innermost function around each use, or the innermost ``if`` branch (its indented block) inside
    one, or None for a use evaluated at import time (or in a one-line ``def f(): ...``, whose body
    is left as written); ``enclosing[id(fn)]`` the functions and branches around one.

    A use is recorded with the scopes around it and judged when the walk is over: only then is
    every scope's set of names complete (a name assigned anywhere in a function is local to all
    of it), and those sets are the ones ``Prepass`` fills as it goes. Which names are references
    is ``_UsedNames``'s (the import tidy-up's) rule."""

    def __init__(self, names: set[str], package: str | None) -> None:
        Prepass.__init__(self, package)
        _UsedNames.__init__(self)
        self.names = names
        self.scopes = ScopeStack(self)
        self.functions: list[cst.FunctionDef | cst.IndentedBlock | None] = []
        self.enclosing: dict[int, tuple[cst.FunctionDef | cst.IndentedBlock | None, ...]] = {}
        self.declared_global: set[str] = set()
        self._uses: list[tuple[str, cst.FunctionDef | cst.IndentedBlock | None, tuple[Scope, ...]]] = []
        self.branches: set[int] = set()  # ids of the indented blocks of `if` branches inside functions

    lazy = False  # `from __future__ import annotations`: an annotation is never evaluated

    def visit_Annotation(self, node: cst.Annotation) -> bool:
        return not self.lazy  # (a string then; it needs no import)

    def visit_If(self, node: cst.If) -> None:
        if self.functions and self.functions[-1] is not None:  # (the test is walked before the body)
            for block in (node.body, node.orelse.body if isinstance(node.orelse, cst.Else) else None):
                if isinstance(block, cst.IndentedBlock):
                    self.branches.add(id(block))

    def visit_IndentedBlock(self, node: cst.IndentedBlock) -> None:
        if id(node) in self.branches:
            self.enclosing[id(node)] = tuple(self.functions)
            self.functions.append(node)

    def leave_IndentedBlock(self, node: cst.IndentedBlock) -> None:
        if id(node) in self.branches:
            self.functions.pop()

    def _push(self, node: cst.CSTNode) -> None:
        Prepass._push(self, node)
        if isinstance(node, cst.ClassDef):
            kind = "class"
        else:
            kind = "function" if isinstance(node, (cst.FunctionDef, cst.Lambda)) else "comp"
        self.scopes.push(Scope(kind, self._stack[-1], node))
        if isinstance(node, cst.FunctionDef):
            self.enclosing[id(node)] = tuple(self.functions)
            self.functions.append(None if isinstance(node.body, cst.SimpleStatementSuite) else node)

    def _pop(self) -> None:
        if isinstance(self.scopes.pop().node, cst.FunctionDef):
            self.functions.pop()
        Prepass._pop(self)

    def visit_Global(self, node: cst.Global) -> bool:
        Prepass.visit_Global(self, node)
        self.declared_global.update(item.name.value for item in node.names)
        return False

    def visit_Name(self, node: cst.Name) -> None:
        if node.value in self.names and id(node) not in self._skip:
            self._uses.append((node.value, self.functions[-1] if self.functions else None, tuple(self.scopes.stack)))

    def where(self) -> dict[str, set[cst.FunctionDef | cst.IndentedBlock | None]]:
        out: dict[str, set[cst.FunctionDef | cst.IndentedBlock | None]] = {name: set() for name in self.names}
        judge = ScopeStack(self)
        for name, function, scopes in self._uses:
            judge.stack = list(scopes)
            if not judge.shadowed(name):
                out[name].add(function)
        return out


def _paths_to(module: cst.Module, ids: set[int]) -> set[int]:
    """Ids of the statement containers on the way from ``module`` to the nodes in ``ids``
    (themselves included): the only ones ``_Move`` needs to enter."""
    found: set[int] = set()

    def rec(node: cst.CSTNode) -> bool:
        hit = id(node) in ids
        for name in _child_fields(node.__class__):
            value = getattr(node, name)
            for child in value if isinstance(value, (tuple, list)) else (value,):
                if isinstance(child, _STATEMENT_CONTAINERS) and rec(child):
                    hit = True
        if hit:
            found.add(id(node))
        return hit

    rec(module)
    found.add(id(module))
    return found


class _Move(_Transformer):
    """Remove the ``movable`` names' module-level torch imports; add the ``targets`` import
    lines at the top of each function (by node id).  Enters only the containers on the way to
    those functions (``paths``): the rest of the tree is neither visited nor rebuilt."""

    def __init__(
        self, movable: set[str], leftover: Callable[[cst.BaseSmallStatement], bool],
        targets: dict[int, list[cst.SimpleStatementLine]], paths: set[int],
    ) -> None:
        super().__init__()
        self.movable = movable
        self.leftover = leftover
        self.targets = targets
        self.paths = paths

    def on_visit(self, node: cst.CSTNode) -> bool:
        return id(node) in self.paths and super().on_visit(node)

    def leave_FunctionDef(self, original_node: cst.FunctionDef, updated_node: cst.FunctionDef) -> cst.FunctionDef:
        lines = self.targets.get(id(original_node))
        body = updated_node.body
        if not lines or not isinstance(body, cst.IndentedBlock):
            return updated_node
        stmts = list(body.body)
        at = 1 if stmts and _is_docstring(stmts[0]) else 0
        stmts[at:at] = _unique(lines)
        return updated_node.with_changes(body=body.with_changes(body=stmts))

    def leave_IndentedBlock(self, original_node: cst.IndentedBlock, updated_node: cst.IndentedBlock) -> cst.IndentedBlock:
        lines = self.targets.get(id(original_node))  # an `if` branch (function bodies: above)
        if not lines:
            return updated_node
        return updated_node.with_changes(body=[*_unique(lines), *updated_node.body])

    def leave_Module(self, original_node: cst.Module, updated_node: cst.Module) -> cst.Module:
        body: list[cst.BaseStatement] = []
        carried: list[cst.EmptyLine] = []
        for stmt in updated_node.body:
            if isinstance(stmt, cst.SimpleStatementLine) and any(self.leftover(s) for s in stmt.body):
                kept = [s for s in (self._without_movable(s) for s in stmt.body) if s is not None]
                if not kept:
                    carried.extend(stmt.leading_lines)  # comments above the import stay
                    continue
                if len(kept) != len(stmt.body) or any(a is not b for a, b in zip(kept, stmt.body)):
                    kept[-1] = kept[-1].with_changes(semicolon=cst.MaybeSentinel.DEFAULT)
                    stmt = stmt.with_changes(body=kept)
            if carried:
                stmt = stmt.with_changes(leading_lines=[*carried, *stmt.leading_lines])
                carried = []
            body.append(stmt)
        return updated_node.with_changes(body=body, footer=[*carried, *updated_node.footer])

    def _without_movable(self, small: cst.BaseSmallStatement) -> cst.BaseSmallStatement | None:
        if not self.leftover(small) or isinstance(small.names, cst.ImportStar):  # type: ignore[union-attr]
            return small
        pairs = _import_locals(small)
        keep = [alias for alias, local in pairs if local not in self.movable]
        if len(keep) == len(pairs):
            return small
        if not keep:
            return None
        keep[-1] = keep[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
        return small.with_changes(names=keep)


def _lazy_annotations(module: cst.Module) -> bool:
    for stmt in module.body:
        if isinstance(stmt, cst.SimpleStatementLine):
            for small in stmt.body:
                if (isinstance(small, cst.ImportFrom) and dotted_name(small.module or cst.Name("_")) == "__future__"
                        and not isinstance(small.names, cst.ImportStar)
                        and any(dotted_name(a.name) == "annotations" for a in small.names)):
                    return True
    return False


def _imports_itself(block: cst.FunctionDef | cst.IndentedBlock | None, line: cst.SimpleStatementLine) -> bool:
    """Whether the statements of ``block`` (a function's body, an ``if`` branch) include the
    import ``line`` (the user's own ``import torch`` in a function whose uses we would move)."""
    if block is None:
        return False
    if isinstance(block, cst.IndentedBlock):
        stmts: Sequence[cst.BaseStatement] = block.body
    else:
        stmts = block.body.body if isinstance(block.body, cst.IndentedBlock) else ()
    text = _code(line)
    return any(isinstance(stmt, cst.SimpleStatementLine) and _code(stmt) == text for stmt in stmts)


def _code(line: cst.SimpleStatementLine) -> str:
    return cst.Module(body=[line.with_changes(leading_lines=[])]).code


def _is_docstring(stmt: cst.BaseStatement) -> bool:
    return (
        isinstance(stmt, cst.SimpleStatementLine)
        and len(stmt.body) == 1
        and isinstance(stmt.body[0], cst.Expr)
        and isinstance(stmt.body[0].value, (cst.SimpleString, cst.ConcatenatedString))
    )


def _unique(lines: Sequence[cst.SimpleStatementLine]) -> list[cst.SimpleStatementLine]:
    """Each import line once, sorted (``import torch`` before ``import torch.nn``)."""
    by_text = {cst.Module(body=[line]).code: line.with_changes(leading_lines=[]) for line in lines}
    return [by_text[text] for text in sorted(by_text)]

