"""Reading a library's source without importing it: where its top-level package is
(``importlib.util.find_spec``), whether its distribution is built on torch, and, per module (with
``ast``), what each top-level name is bound by.  ``libraries.py`` follows these to the
definitions a file needs."""

from __future__ import annotations

import ast
import dataclasses
import functools
import importlib.metadata
import importlib.util
import re
from collections import deque
from collections.abc import Iterator
from pathlib import Path

from .resolve import resolve_relative

__all__ = ["LibModule", "Reads", "Sources", "bound_names", "built_on_torch", "import_statements", "import_targets", "public_names", "read_module", "top_dir",
           "used_names"]


@dataclasses.dataclass(frozen=True)
class LibModule:
    """What ``ast`` says about one library module: its file, its package, and what each of its
    top-level names is bound by."""

    path: Path
    qualname: str
    package: str
    lines: tuple[str, ...]
    # name -> the top-level statement binding it (a def, class, assignment, or a compound
    # statement whose body binds it)
    defs: dict[str, ast.stmt]
    # name -> (qualified target, is a module import, the import statement)
    imports: dict[str, tuple[str, bool, ast.stmt]]
    stars: tuple[str, ...] = ()  # modules it star-imports
    body: tuple[ast.stmt, ...] = ()  # its top-level statements


@functools.lru_cache(maxsize=64)
def top_dir(root: str) -> Path | None:
    """The folder of the installed top-level package ``root``, found without importing it."""
    try:
        spec = importlib.util.find_spec(root)
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(list(spec.submodule_search_locations)[0]).resolve()


@functools.lru_cache(maxsize=64)
def built_on_torch(root: str) -> bool:
    """Whether the installed distribution providing ``root`` requires torch."""
    if root in ("torchvision", "torchaudio"):
        return True
    try:
        dists = importlib.metadata.packages_distributions().get(root, [])
        for dist in dists:
            for req in importlib.metadata.requires(dist) or []:
                if re.match(r"torch\b(?![-_.\w])", req) and "extra ==" not in req:
                    return True
    except Exception:  # noqa: BLE001 - broken metadata: treat as not built on torch
        return False
    return False


class Sources:
    """Finds library modules for dotted names: under the file's own package folder when the
    root is that package, else under the installed package."""

    def __init__(self, own_root: Path | None) -> None:
        self.own_root = own_root
        self._files: dict[str, Path | None] = {}  # one file's imports ask for the same modules often
        self.read: dict[Path, None] = {}  # every module file read, in order (the result depends on them)

    def folder(self, root: str) -> Path | None:
        if self.own_root is not None and self.own_root.name == root:
            return self.own_root
        return top_dir(root)

    def module_file(self, dotted: str) -> Path | None:
        if dotted not in self._files:
            self._files[dotted] = self._module_file(dotted)
        return self._files[dotted]

    def _module_file(self, dotted: str) -> Path | None:
        parts = dotted.split(".")
        base = self.folder(parts[0])
        if base is None:
            return None
        path = base.joinpath(*parts[1:])
        if (path / "__init__.py").is_file():
            return path / "__init__.py"
        if path.with_suffix(".py").is_file() and parts[1:]:
            return path.with_suffix(".py")
        return None

    def module(self, dotted: str) -> LibModule | None:
        path = self.module_file(dotted)
        if path is None:
            return None
        self.read.setdefault(path, None)
        return read_module(path, dotted)


def read_module(path: Path, dotted: str) -> LibModule | None:
    """What ``ast`` says about the module file ``path`` (read again when it changed on disk)."""
    try:
        st = path.stat()
    except OSError:
        return None
    return _read_module(path, dotted, st.st_mtime_ns, st.st_size)


@functools.lru_cache(maxsize=256)
def _read_module(path: Path, dotted: str, mtime_ns: int, size: int) -> LibModule | None:
    try:
        text = path.read_text(encoding="utf-8")
        tree = ast.parse(text)
    except (OSError, SyntaxError, ValueError, UnicodeDecodeError):
        return None
    package = dotted if path.name == "__init__.py" else dotted.rpartition(".")[0]
    defs: dict[str, ast.stmt] = {}
    imports: dict[str, tuple[str, bool, ast.stmt]] = {}
    stars: list[str] = []
    for stmt in tree.body:
        if isinstance(stmt, ast.ImportFrom) and any(a.name == "*" for a in stmt.names):
            base = resolve_relative(package, stmt.level, stmt.module or "")
            if base:
                stars.append(base)
            continue
        if isinstance(stmt, (ast.Import, ast.ImportFrom)):
            for local, target, is_module in import_targets(stmt, package):
                if target is not None:
                    imports[local] = (target, is_module, stmt)
            continue
        for name in bound_names(stmt):
            defs.setdefault(name, stmt)
    return LibModule(path, dotted, package, tuple(text.splitlines()), defs, imports, tuple(stars), tuple(tree.body))


def public_names(module: LibModule) -> list[str]:
    """What ``from module import *`` binds: its literal ``__all__``, else its public names."""
    stmt = module.defs.get("__all__")
    if isinstance(stmt, ast.Assign):
        try:
            value = ast.literal_eval(stmt.value)
            return [str(v) for v in value]
        except ValueError:
            pass
    return [n for n in [*module.defs, *module.imports] if not n.startswith("_")]


def import_targets(stmt: ast.Import | ast.ImportFrom, package: str | None) -> list[tuple[str, str | None, bool]]:
    """(local name, qualified target, is a module import) for each alias of an import."""
    out: list[tuple[str, str | None, bool]] = []
    if isinstance(stmt, ast.Import):
        for alias in stmt.names:
            if alias.asname:
                out.append((alias.asname, alias.name, True))
            else:
                head = alias.name.split(".")[0]
                out.append((head, head, True))
        return out
    base = resolve_relative(package, stmt.level, stmt.module or "")
    for alias in stmt.names:
        if alias.name == "*":
            continue
        out.append((alias.asname or alias.name, f"{base}.{alias.name}" if base else None, False))
    return out


def bound_names(stmt: ast.stmt) -> list[str]:
    """The module-level names a top-level statement binds (imports aside)."""
    if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return [stmt.name]
    if isinstance(stmt, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
        targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
        # `os.environ[k] = v` binds nothing: only names stored to (`a, b = ...`), not read
        return [n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)]
    if isinstance(stmt, (ast.If, ast.Try, ast.With)):
        names: list[str] = []
        for child in ast.walk(stmt):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                names.append(child.name)
            elif isinstance(child, ast.Name) and isinstance(child.ctx, ast.Store):
                names.append(child.id)
            elif isinstance(child, (ast.Import, ast.ImportFrom)):
                names.extend(a.asname or a.name.split(".")[0] for a in child.names if a.name != "*")
        return names
    return []


def import_time_names(stmt: ast.stmt) -> set[str]:
    """The names a top-level statement reads when its module runs it: all of an assignment's,
    a class's outside its methods, a function's decorators and defaults (not what a body reads
    when it is called)."""
    names: set[str] = set()
    stack: list[ast.AST] = [stmt]
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            args = node.args
            stack += [*getattr(node, "decorator_list", []), *args.defaults, *(d for d in args.kw_defaults if d)]
            continue
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
            names.add(node.id)
        stack += list(ast.iter_child_nodes(node))
    return names


def run_order(stmts: list[tuple[Path, ast.stmt]]) -> list[int]:
    """The indices of ``stmts`` (top-level statements of library modules, as they were carried)
    in an order the output can run: a definition another statement of its module reads when it
    runs comes first (``def get_logger`` before ``logger = get_logger(...)``, which a cycle
    through function bodies may have put first); otherwise as carried."""
    bound: dict[tuple[Path, str], int] = {}
    for i, (path, stmt) in enumerate(stmts):
        for name in bound_names(stmt):
            bound.setdefault((path, name), i)
    out: list[int] = []
    state: dict[int, bool] = {}  # False: being placed, True: placed

    def place(i: int) -> None:
        if i in state:
            return  # placed, or a cycle at import time (kept as carried)
        state[i] = False
        path, stmt = stmts[i]
        for name in sorted(import_time_names(stmt)):
            j = bound.get((path, name))
            if j is not None and j != i:
                place(j)
        state[i] = True
        out.append(i)

    for i in range(len(stmts)):
        place(i)
    return out


def used_names(stmt: ast.stmt) -> list[str]:
    """Every name a statement reads, in order (an over-approximation of what it needs)."""
    seen: dict[str, None] = {}
    annotations: set[int] = set()
    for node in ast.walk(stmt):
        for ann in _annotations(node):
            annotations.update(id(n) for n in ast.walk(ann))
        if isinstance(node, ast.Name) and not isinstance(node.ctx, ast.Store):
            seen.setdefault(node.id, None)
        elif (isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value.isidentifier()
              and id(node) in annotations):
            seen.setdefault(node.value, None)  # a string annotation naming a class
    return list(seen)


def _annotations(node: ast.AST) -> list[ast.expr]:
    """The annotations a node holds (a string there names a class; elsewhere it is data:
    ``_load_state_dict(model, "densenet121")`` does not use the module's ``densenet121``)."""
    if isinstance(node, ast.arg):
        return [node.annotation] if node.annotation else []
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return [node.returns] if node.returns else []
    if isinstance(node, ast.AnnAssign):
        return [node.annotation]
    return []


def import_statements(tree: ast.Module) -> Iterator[tuple[ast.Import | ast.ImportFrom, ast.AST]]:
    """The import statements of ``tree`` with their parents, in ``ast.walk``'s order; expressions
    (which hold no statements) are not entered."""
    todo: deque[tuple[ast.AST, ast.AST]] = deque((child, tree) for child in tree.body)
    while todo:
        node, parent = todo.popleft()
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            yield node, parent
            continue
        for field in _statement_fields(node.__class__):
            todo.extend((child, node) for child in getattr(node, field))


_BLOCKS = ("body", "orelse", "finalbody", "handlers", "cases")
_BLOCK_FIELDS: dict[type, tuple[str, ...]] = {}


def _statement_fields(cls: type) -> tuple[str, ...]:
    """The fields of a statement class that hold statements, handlers or match cases, in order."""
    fields = _BLOCK_FIELDS.get(cls)
    if fields is None:
        fields = _BLOCK_FIELDS[cls] = tuple(f for f in cls._fields if f in _BLOCKS)  # type: ignore[attr-defined]
    return fields


class Reads:
    """Every read of a name in a tree, and the ``name.X`` attribute each read is the value of
    (one walk of the tree, made when a module alias is first looked at)."""

    def __init__(self, tree: ast.Module) -> None:
        self.reads: dict[str, list[ast.Name]] = {}
        self.owners: dict[int, ast.Attribute] = {}
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
                self.owners[id(node.value)] = node
            elif isinstance(node, ast.Name) and not isinstance(node.ctx, ast.Store):
                self.reads.setdefault(node.id, []).append(node)
