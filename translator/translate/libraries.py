"""Definitions a file imports from a library built on torch, carried along with its translation.

A file that imports ``Conv2dNormActivation`` from ``torchvision.ops.misc`` (or ``from ..ops.misc``
inside torchvision) has nothing to run on in Paddle unless the definition comes along.  Before
the engine runs, :class:`.library_gather.Gatherer` finds, for each imported name that no rule covers, its
definition in the library's source (located with ``importlib.util.find_spec`` on the top-level
package, which does not import it, and read with ``ast``), and the definitions and imports that
definition needs, transitively.  :func:`combine` builds one source text: the file's imports,
the library imports the definitions need (made absolute), the definitions in dependency order
under a comment naming where they come from, then the rest of the file, without the imports
the definitions replace.  The engine translates that text as one module, and
:func:`map_diagnostics` puts each diagnostic back on the line it came from: the library's
``path:line`` for a definition, the file's own otherwise.

Which libraries are translated so is ``Settings.libraries`` (torchvision by default); a name
from another library built on torch (its distribution requires torch) is reported, naming the
library and how to enable it.  Libraries with Paddle support of their own are mapped instead
(:data:`NATIVE`: ``einops.layers.torch`` -> ``einops.layers.paddle``).  A file's own package is
carried the same way when the file is translated alone (``Settings.tree_root`` is None) or when
the imported module lies outside the tree being translated.
"""

from __future__ import annotations

import ast
import dataclasses
import re
from pathlib import Path

from ..diagnostics import Diagnostic
from ..packages import package_root
from ..rules import RuleTable
from .library_source import (
    LibModule, Reads, Sources, bound_names, built_on_torch, import_statements, import_targets, public_names, top_dir,
    run_order,
)
from .format_units import first_line, last_line
from .lib_renames import rename_spots
from .library_gather import NATIVE, NOT_LIBRARIES, Gatherer, disabled_message
from .resolve import package_of, resolve_relative

__all__ = ["NATIVE", "Combined", "combine", "map_diagnostics"]


def native_strings(code: str) -> str:
    """``code`` with each string literal naming a mapped module written as its Paddle twin:
    ``optional_import("einops.layers.torch", name="Rearrange")`` imports by name at run time."""
    if not any(module in code for module in NATIVE):
        return code
    try:
        tree = ast.parse(code)
    except (SyntaxError, ValueError, RecursionError):
        return code
    lines = code.splitlines(keepends=True)
    spots = sorted(((n.lineno, n.col_offset, n.end_col_offset, n.value) for n in ast.walk(tree)
                    if isinstance(n, ast.Constant) and n.value in NATIVE and n.lineno == n.end_lineno), reverse=True)
    for line, start, end, module in spots:
        raw = lines[line - 1].encode()
        token = raw[start:end].decode().replace(module, NATIVE[module], 1)  # its quotes kept
        lines[line - 1] = (raw[:start] + token.encode() + raw[end:]).decode()
    return "".join(lines)


BEGIN = "# --- definitions translated by torch2paddle from library sources ---"
BEGIN_SOURCE = "#     {where}"  # one line per library file, under BEGIN
END = "# --- end of translated definitions ---"

@dataclasses.dataclass
class Combined:
    """The text the engine translates, and where each of its lines came from."""

    code: str
    origins: list[tuple[str, int] | None]  # per line (1-based index - 1): (path, line) or synthetic
    diagnostics: list[Diagnostic]  # what gathering found (disabled libraries, missing definitions)
    libraries: list[str]  # the libraries definitions were carried from
    #: the library files read to build the text (a change to one of them changes the translation)
    sources: tuple[str, ...] = ()


#: the package name a translated tree's own modules resolve under (not torch, not a library)
TREE_PACKAGE = "_torch2paddle_tree"


def tree_package(package: str | None, tree_root: str | None) -> str | None:
    """The package the engine resolves a file's imports in: in a tree, the tree's own package is
    renamed ``TREE_PACKAGE`` so that its modules are siblings, not torch APIs, even when the tree
    is a part of torchvision (``torchvision/models``): ``from .resnet import ResNet`` stays an
    import of the translated sibling."""
    if package is None or tree_root is None:
        return package
    root = package_of(str(Path(tree_root) / "__init__.py")) if (Path(tree_root) / "__init__.py").is_file() else None
    if root is None or not (package == root or package.startswith(root + ".")):
        return package
    return TREE_PACKAGE + package[len(root):]


def may_carry(code: str, libraries: tuple[str, ...], alone: bool) -> bool:
    """Whether ``code`` (which does not mention torch) may import something to carry: a name
    of an enabled library, or (translated alone) of its own package."""
    return (alone and "from ." in code) or any(lib in code for lib in libraries)


def _carried_lines(code: str) -> set[int]:
    """The line numbers (1-based) inside the blocks of carried definitions ``code`` holds (the
    output of a translation, translated again)."""
    if BEGIN not in code:
        return set()
    out: set[int] = set()
    start = None
    for number, line in enumerate(code.splitlines(), 1):
        if line.rstrip() == BEGIN:
            start = number
        elif line.rstrip() == END and start is not None:
            out.update(range(start, number + 1))
            start = None
    return out


# ---------------------------------------------------------------------- the combined text ----


def combine(
    code: str, path: str | None, table: RuleTable, libraries: tuple[str, ...], tree_root: str | None = None
) -> Combined | None:
    """The text to translate in place of ``code``; None when nothing is carried or mapped."""
    if "import" not in code:
        return None
    try:
        tree = ast.parse(code)
    except (SyntaxError, ValueError, RecursionError):
        return None  # the engine reports it
    shown = path or "<string>"
    package = package_of(path) if path and path != "-" else None
    own_root = package_root(path) if package and path else None
    sources = Sources(own_root)
    gather = Gatherer(table, libraries, sources, shown)
    tree_dir = Path(tree_root).resolve() if tree_root else None
    top_level = {id(s) for s in tree.body}
    for stmt in tree.body:
        if isinstance(stmt, (ast.Import, ast.ImportFrom)):
            for local, target, _ in import_targets(stmt, package):
                if target is not None:
                    gather.file_imports.setdefault(local, f"import of {target}")
    # names the file itself binds at module level, by definitions
    for stmt in tree.body:
        if not isinstance(stmt, (ast.Import, ast.ImportFrom)):
            for name in bound_names(stmt):
                gather.globals.setdefault(name, f"{shown}'s own {name}")
    edits: dict[int, tuple[ast.stmt, list[str] | None]] = {}  # lineno -> (stmt, kept aliases' text)
    mapped = False
    parents: dict[int, ast.AST] = {}
    reads: Reads | None = None
    carried_before = _carried_lines(code)
    for stmt, parent in import_statements(tree):
        if stmt.lineno in carried_before:
            continue  # in definitions a first pass carried (Paddle code): their imports stay as they are
        parents[id(stmt)] = parent
        if isinstance(stmt, ast.ImportFrom) and stmt.level == 0 and stmt.module in NATIVE:
            edits[stmt.lineno] = (stmt, [f"from {NATIVE[stmt.module]} import " + _aliases_text(stmt.names)])
            mapped = True
            continue
        orig = stmt
        star = isinstance(stmt, ast.ImportFrom) and any(a.name == "*" for a in stmt.names)
        if star:
            base = resolve_relative(package, stmt.level, stmt.module or "")
            module = sources.module(base) if base else None
            if (module is not None and base and gather.carried(base + ".*")
                    and not (tree_dir is not None and stmt.level and _inside(module.path, tree_dir))):
                names = [ast.alias(name=n) for n in public_names(module)]
                stmt = ast.ImportFrom(module=stmt.module, names=names, level=stmt.level,
                                      lineno=stmt.lineno, col_offset=stmt.col_offset, end_lineno=stmt.end_lineno)
                star = False
        if isinstance(stmt, ast.Import) or star:
            for alias in stmt.names:
                root = alias.name.split(".")[0]
                if alias.name in NATIVE:
                    gather.report((shown, stmt.lineno, stmt.col_offset + 1), alias.name,
                                  f"import {alias.name}: use its Paddle twin {NATIVE[alias.name]}; left unchanged")
                elif root in libraries and root != "torchvision" and not gather.covered(alias.name):
                    gather.report((shown, stmt.lineno, stmt.col_offset + 1), alias.name,
                                  f"import {alias.name}: a whole library module cannot be carried; import the "
                                  "names it defines instead; left unchanged")
            continue
        base = resolve_relative(package, stmt.level, stmt.module or "")
        if base is None:
            continue
        if tree_dir is not None and not stmt.level and package and (
            _inside(sources.module_file(base), tree_dir) or _inside(sources.module_file(base.rpartition(".")[0]), tree_dir)
        ):
            relative = _relative(package, base)
            if relative is not None:  # a module of the tree spelled absolutely: the translated sibling
                edits[stmt.lineno] = (stmt, [f"from {relative} import {_aliases_text(stmt.names)}"])
                continue
        if tree_dir is not None and stmt.level and _inside(sources.module_file(base) or sources.module_file(base.rpartition(".")[0]), tree_dir):
            continue  # a sibling in the translated tree: the import stays relative
        kept: list[ast.alias] = []
        extra: list[str] = []
        carried_any = False
        for alias in stmt.names:
            qual = f"{base}.{alias.name}"
            root = qual.split(".")[0]
            local = alias.asname or alias.name
            where = (shown, stmt.lineno, stmt.col_offset + 1)
            own = root == (own_root.name if own_root else None)
            spelled = gather.ruled(qual, internal=own) if root in libraries or own else None
            if spelled is not None:
                parent_mod, _, name = spelled.rpartition(".")
                extra.append(f"from {parent_mod} import {name}" + (f" as {local}" if local != name else ""))
                carried_any = True
                continue
            submodule = sources.module(qual) is not None and not _package_binds(sources, base, alias.name)
            if gather.carried_module(qual) and submodule and not (
                tree_dir is not None and _inside(sources.module_file(qual), tree_dir)
            ):
                if reads is None:
                    reads = Reads(tree)
                if _module_alias(reads, local, qual, gather, extra, where, carried_before):
                    carried_any = True
                    continue
            elif gather.carried(qual) and not submodule:
                if gather.need(qual, local, where):
                    carried_any = True
                    continue
            elif (root not in libraries and root not in NOT_LIBRARIES and not gather.covered(qual)
                  and top_dir(root) is not None and built_on_torch(root)):
                gather.report(where, qual, disabled_message(root))
            kept.append(alias)
        for alias in kept:
            gather.user_imports.setdefault(alias.asname or alias.name, f"import of {base}.{alias.name}")
        escaping = tree_dir is not None and stmt.level > 0  # out of the tree: spelled absolutely
        if carried_any or (escaping and kept):
            if stmt.level and kept and not escaping:
                text = f"from {'.' * stmt.level}{stmt.module or ''} import {_aliases_text(kept)}"
            else:
                text = f"from {base} import {_aliases_text(kept)}" if kept else None
            parent = parents.get(id(orig))
            body = getattr(parent, "body", None) if parent is not None else None
            if text is None and id(orig) not in top_level and isinstance(body, list) and len(body) == 1:
                text = "pass"
            replacement = ([text] if text else []) + extra
            if text == "pass" and extra:
                replacement = extra
            edits[stmt.lineno] = (stmt, replacement)
    for stmt in tree.body:
        if isinstance(stmt, ast.Import):
            for local, target, _ in import_targets(stmt, package):
                gather.user_imports.setdefault(local, f"import of {target}")
        if isinstance(stmt, (ast.Import, ast.ImportFrom)) and id(stmt) in top_level:
            for local, target, _ in import_targets(stmt, package):
                if target is not None:
                    gather.no_paddle(tree, local, target, shown)
    for local, meaning in gather.user_imports.items():
        held = gather.globals.get(local)
        if held is not None and held != meaning and not held.startswith(f"{shown}'s own"):
            gather.report((shown, 1, 1), local, f"the name {local} would mean both {held} (carried from a library) "
                          f"and {meaning} (imported here); rename one of them")
    if not gather.order and not mapped and not edits and not gather.spans:
        if gather.diagnostics:
            return Combined(code, [(shown, i + 1) for i in range(len(code.splitlines()))], gather.diagnostics, [],
                            _read(sources, path))
        return None
    gather.registrations()
    gather.order = [gather.order[i] for i in run_order([(d.module.path, d.stmt) for d in gather.order])]
    return dataclasses.replace(_assemble(code, shown, tree, edits, gather), sources=_read(sources, path))


def _read(sources: Sources, path: str | None) -> tuple[str, ...]:
    """The library files ``sources`` read, the translated file itself left out."""
    own = Path(path).resolve() if path and path != "-" else None
    return tuple(str(p) for p in sources.read if own is None or p.resolve() != own)


def _module_alias(reads: Reads, local: str, qual: str, gather: Gatherer, extra: list[str],
                  where: tuple[str, int, int], carried_before: set[int] = frozenset()) -> bool:  # type: ignore[assignment]
    """``from lib import mod as m`` used only as ``m.X``: each ``X`` carried (or imported the way
    its rule spells it) and ``m.X`` written ``X``; False (reported) when ``m`` is used otherwise.
    Uses on ``carried_before`` lines (definitions a first pass carried, which kept the import)
    are not the file's: used only there, the import is kept as it is, without a word."""
    spots: list[ast.Attribute] = []
    bare = False
    uses = reads.reads.get(local, [])
    if uses and all(node.lineno in carried_before for node in uses):
        return False
    for node in uses:
        parent = reads.owners.get(id(node))
        if parent is not None and parent.lineno == parent.end_lineno:
            spots.append(parent)
        else:
            bare = True
    if spots and not bare and all(gather.covered(f"{qual}.{n.attr}") for n in spots):
        return False  # every name used has a rule under this spelling: the engine translates `m.X`
    if bare or not spots:
        gather.report(where, qual, f"the module {qual} is used as a whole here, which cannot be carried; "
                      "import the names it defines instead; left unchanged")
        return False
    attrs = list(dict.fromkeys(n.attr for n in spots))
    for attr in attrs:  # all or nothing: a name carried for a use left unchanged is dead code
        target = f"{qual}.{attr}"
        if gather.ruled(target) is None and not gather.covered(target):
            found = gather.resolve(target)
            if isinstance(found, str):
                gather.report(where, target, f"{found}; left unchanged")
                return False
    names: dict[str, str] = {}
    for attr in attrs:
        target = f"{qual}.{attr}"
        spelled = gather.ruled(target) or (target if gather.covered(target) else None)
        if spelled is not None:
            parent_mod, _, name = spelled.rpartition(".")
            meaning, final = f"import of {spelled}", name
            if gather.globals.get(name) not in (None, meaning):
                # the file has a `name` of its own: imported under another name (refusing the
                # whole module left this use to the engine, and a second pass carried the rest)
                base, n = f"{name}_{qual.rsplit('.', 1)[-1].lstrip('_')}", 1
                final = base
                while gather.globals.get(final) not in (None, meaning):
                    n += 1
                    final = f"{base}{n}"
            gather.globals[final] = meaning
            text = f"from {parent_mod} import {name}" + (f" as {final}" if final != name else "")
            if text not in extra:
                extra.append(text)
            names[attr] = final
            continue
        found = gather.resolve(target)
        if isinstance(found, str):
            gather.report(where, target, f"{found}; left unchanged")
            return False
        final = gather.place(found[0], found[1], where)
        if final is None:
            return False
        names[attr] = final
    for node in spots:
        gather.spans.setdefault(node.lineno, []).append((node.col_offset, node.end_col_offset or 0, names[node.attr]))
    return True


def _package_binds(sources: Sources, package: str, name: str) -> bool:
    """Whether ``from package import name`` gets what ``package/__init__.py`` binds to ``name``
    (a definition, or an import of something that is not a module) rather than the submodule
    of that name: ``from .features import resnext_features`` after the package's own
    ``from .resnext_features import resnext_features`` is the function (Python looks the
    attribute up first, and the package's import rebound it over the submodule)."""
    parent = sources.module(package)
    if parent is None or parent.path.name != "__init__.py":
        return False
    if name in parent.defs:
        return True
    bound = parent.imports.get(name)
    return bound is not None and not bound[1] and sources.module(bound[0]) is None


def _relative(package: str, target: str) -> str | None:
    """``target`` (a dotted module) spelled relative to ``package``: ``..resnet``."""
    here, there = package.split("."), target.split(".")
    common = 0
    while common < min(len(here), len(there)) and here[common] == there[common]:
        common += 1
    if common == 0:
        return None
    return "." * (len(here) - common + 1) + ".".join(there[common:])


def _inside(path: Path | None, folder: Path) -> bool:
    if path is None:
        return False
    try:
        path.resolve().relative_to(folder)
    except ValueError:
        return False
    return True


def _aliases_text(names: list[ast.alias]) -> str:
    return ", ".join(a.name + (f" as {a.asname}" if a.asname else "") for a in names)


def _insertion_line(tree: ast.Module) -> int:
    """The line after the docstring and the leading imports (0: the top)."""
    end = 0
    for i, stmt in enumerate(tree.body):
        is_doc = i == 0 and isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant) and isinstance(stmt.value.value, str)
        if is_doc or isinstance(stmt, (ast.Import, ast.ImportFrom)):
            end = stmt.end_lineno or stmt.lineno
            continue
        break
    return end


def _assemble(code: str, shown: str, tree: ast.Module, edits: dict, gather: Gatherer) -> Combined:
    lines = code.splitlines()
    out: list[str] = []
    origins: list[tuple[str, int] | None] = []

    def emit(text: str, origin: tuple[str, int] | None) -> None:
        out.append(text)
        origins.append(origin)

    insert_after = _insertion_line(tree)
    skip_until = 0
    for number, line in enumerate(lines, start=1):
        if number <= skip_until or (number > insert_after and number == skip_until + 1 and not line.strip()
                                    and gather.order and out and out[-1] == ""):
            skip_until = max(skip_until, number) if number > insert_after and not line.strip() else skip_until
            continue
        if number in edits:
            stmt, replacement = edits[number]
            indent = line[: len(line) - len(line.lstrip())]
            for text in replacement or []:
                emit(indent + text, (shown, number))
            skip_until = stmt.end_lineno or number
            if skip_until >= insert_after >= number and gather.order:
                _emit_block(gather, emit)
            continue
        if number in gather.spans:
            raw = line.encode("utf-8")
            for start, end, new in sorted(set(gather.spans[number]), reverse=True):
                raw = raw[:start] + new.encode("utf-8") + raw[end:]
            line = raw.decode("utf-8")
        emit(line, (shown, number))
        if number == insert_after and gather.order:
            _emit_block(gather, emit)
    if insert_after == 0 and gather.order:
        block_out: list[str] = []
        block_origins: list[tuple[str, int] | None] = []
        _emit_block(gather, lambda t, o: (block_out.append(t), block_origins.append(o)))
        out[:0], origins[:0] = block_out, block_origins
    text = "\n".join(out) + ("\n" if code.endswith("\n") or not code else "")
    return Combined(text, origins, gather.diagnostics, gather.used_libraries)


def _emit_block(gather: Gatherer, emit) -> None:  # type: ignore[no-untyped-def]
    """The imports the carried definitions need, then the definitions, then alias assignments."""
    merged: dict[str, list[str]] = {}
    origin: dict[str, tuple[str, int]] = {}
    for local, (parent, name, imp, module) in gather.imports.items():
        if gather.user_imports.get(local) == gather.globals.get(local):
            continue  # the file imports it already
        if parent:
            key = f"from {parent} import "
            merged.setdefault(key, []).append(name + (f" as {local}" if local != name else ""))
        else:
            key = f"import {name}" + (f" as {local}" if local != name.split(".")[0] and local != name else "")
            merged.setdefault(key, [])
        origin.setdefault(key, (str(module.path), imp.lineno))
    for key, names in merged.items():
        emit(key + ", ".join(names), origin[key])
    emit("", None)
    emit("", None)
    roots = {d.module.qualname.split(".")[0]: d.module.path for d in gather.order}
    emit(BEGIN, None)
    for where in sorted({_short(d.module) for d in gather.order}):
        emit(BEGIN_SOURCE.format(where=where), None)
    for i, definition in enumerate(gather.order):
        if i:
            emit("", None)
            emit("", None)
        stmt = definition.stmt
        lines = _renamed(definition.module, stmt, gather.renames.get(definition.module.path, {}))
        for number in range(first_line(stmt), last_line(stmt) + 1):
            emit(lines.get(number, definition.module.lines[number - 1]), (str(definition.module.path), number))
    for local, name in gather.aliases:
        emit("", None)
        emit(f"{local} = {name}", None)
    emit(END, None)
    emit("", None)
    emit("", None)
    del roots


def _renamed(module: LibModule, stmt: ast.stmt, renames: dict[str, str]) -> dict[int, str]:
    """The lines of ``stmt`` where a renamed name is spelled (the module-level name's uses, not
    a local of the same name: ``lib_renames``, and the defined name)."""
    if not renames:
        return {}
    spots: dict[int, list[tuple[int, int, str]]] = {}  # line -> (start, end, new), byte offsets
    for line, start, end, new in rename_spots(stmt, renames):
        spots.setdefault(line, []).append((start, end, new))
    for node in [stmt]:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and node.name in renames:
            raw = module.lines[node.lineno - 1].encode("utf-8")
            match = re.search(rb"\b(?:def|class)\s+(" + re.escape(node.name.encode()) + rb")\b", raw)
            if match:
                spots.setdefault(node.lineno, []).append((match.start(1), match.end(1), renames[node.name]))
    out: dict[int, str] = {}
    for number, edits in spots.items():
        raw = module.lines[number - 1].encode("utf-8")
        for start, end, new in sorted(set(edits), reverse=True):
            raw = raw[:start] + new.encode("utf-8") + raw[end:]
        out[number] = raw.decode("utf-8")
    return out


def _short(module: LibModule) -> str:
    parts = module.qualname.split(".")
    rel = "/".join(parts) + ("/__init__.py" if module.path.name == "__init__.py" else ".py")
    return rel


def map_diagnostics(diags: list[Diagnostic], combined: Combined, shown: str) -> list[Diagnostic]:
    """Each diagnostic on the line it came from (the library's file for carried definitions)."""
    out: list[Diagnostic] = []
    for d in diags:
        if d.path == shown and 0 < d.line <= len(combined.origins):
            origin = combined.origins[d.line - 1]
            if origin is not None:
                d = dataclasses.replace(d, path=origin[0], line=origin[1])
        out.append(d)
    out.extend(combined.diagnostics)
    return out
