"""Where a carried definition spells a module-level name that the output renames.

Two carried modules may define the same name (x-transformers' ``attend.py`` and
``x_transformers.py`` both define ``softclamp``); the later one is renamed in the output
(``softclamp_x_transformers``), and so must be every use of it in its module's carried code, and
only those: a parameter, a local variable or a method of the same name is another binding and
keeps its spelling (``def __init__(self, softclamp=False): ... if softclamp:`` reads the parameter).
This follows Python's scoping far enough for that: function and lambda scopes (parameters, names
assigned, imported, defined, minus ``global`` ones), class bodies (their own names, not seen by
their methods) and comprehension targets.
"""

from __future__ import annotations

import ast

__all__ = ["rename_spots"]

_FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)
_COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)


def rename_spots(stmt: ast.stmt, renames: dict[str, str]) -> list[tuple[int, int, int, str]]:
    """(line, start, end (byte offsets), new name) of each ``ast.Name`` in the top-level ``stmt``
    that reads or writes a module-level name in ``renames``."""
    spots: list[tuple[int, int, int, str]] = []

    def visit(node: ast.AST, hidden: frozenset[str]) -> None:
        if isinstance(node, ast.Name):
            if node.id in renames and node.id not in hidden:
                spots.append((node.lineno, node.col_offset, node.end_col_offset or 0, renames[node.id]))
            return
        if isinstance(node, _FUNCTIONS):
            args = node.args
            outer: list[ast.AST] = [*getattr(node, "decorator_list", []), *args.defaults,
                                    *(d for d in args.kw_defaults if d is not None)]
            if not isinstance(node, ast.Lambda):
                outer += [a.annotation for a in _arguments(args) if a.annotation is not None]
                outer += [node.returns] if node.returns is not None else []
            for child in outer:
                visit(child, hidden)
            body = node.body if isinstance(node.body, list) else [node.body]
            inner = hidden | {a.arg for a in _arguments(args)} | _bound(body)
            for child in body:
                visit(child, frozenset(inner))
            return
        if isinstance(node, ast.ClassDef):
            for child in [*node.decorator_list, *node.bases, *node.keywords]:
                visit(child, hidden)
            own = hidden | _bound(node.body)
            for child in node.body:  # a method does not see the class body's names
                visit(child, hidden if isinstance(child, _FUNCTIONS) else frozenset(own))
            return
        if isinstance(node, _COMPREHENSIONS):
            targets = {n.id for gen in node.generators for n in ast.walk(gen.target) if isinstance(n, ast.Name)}
            for child in ast.iter_child_nodes(node):
                visit(child, hidden | targets)
            return
        for child in ast.iter_child_nodes(node):
            visit(child, hidden)

    if isinstance(stmt, (*_FUNCTIONS, ast.ClassDef)):
        visit(stmt, frozenset())
    else:
        for child in ast.iter_child_nodes(stmt):
            visit(child, frozenset())
    return spots


def _arguments(args: ast.arguments) -> list[ast.arg]:
    return [*args.posonlyargs, *args.args, *([args.vararg] if args.vararg else []), *args.kwonlyargs,
            *([args.kwarg] if args.kwarg else [])]


def _bound(body: list[ast.stmt]) -> set[str]:
    """The names a scope's own statements bind (not those of nested scopes), less its globals."""
    bound: set[str] = set()
    declared: set[str] = set()
    stack: list[ast.AST] = list(body)
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.Global, ast.Nonlocal)):
            declared.update(node.names)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
            bound.add(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            bound.add(node.name)
            stack.extend([*node.decorator_list, *getattr(node, "bases", [])])
            continue
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            bound.update((a.asname or a.name).split(".")[0] for a in node.names if a.name != "*")
        elif isinstance(node, ast.ExceptHandler) and node.name:
            bound.add(node.name)
        if isinstance(node, (ast.Lambda, *_COMPREHENSIONS)):
            continue
        stack.extend(ast.iter_child_nodes(node))
    return bound - declared
