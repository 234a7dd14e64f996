"""Gathering: the definitions a file needs from a library's source, found without importing it.

For each name a file imports from a library built on torch that no rule covers,
:class:`Gatherer` finds its definition in the library's source (read with ``ast``), and the
definitions and imports that definition needs, transitively, in an order the output can run;
what cannot be carried is reported with the library's ``path:line``.  :mod:`.libraries` builds
the text the engine translates from what was gathered.
"""

from __future__ import annotations

import ast
import dataclasses
from pathlib import Path

from .. import codes
from ..diagnostics import Diagnostic, Severity
from ..rules import RuleTable
from .library_source import LibModule, Sources, bound_names, built_on_torch, used_names
from .no_paddle import NO_PADDLE
from .no_paddle import uses as no_paddle_uses

__all__ = ["ARCHITECTURES", "MAX_DEFINITIONS", "NATIVE", "NOT_LIBRARIES", "Definition", "Gatherer", "disabled_message", "is_literal"]

#: modules of libraries that support Paddle themselves: the torch module -> its Paddle twin
NATIVE = {"einops.layers.torch": "einops.layers.paddle"}

# roots never translated as libraries: torch itself, Paddle, numpy and the standard library
NOT_LIBRARIES = {"torch", "paddle", "numpy", "__future__", "translator"}
MAX_DEFINITIONS = 400  # a safety net against following a whole library
#: handlers of rules that put Paddle's own implementation of a whole model in place of the
#: library's (not used inside the library's own code: :meth:`Gatherer.ruled`)
ARCHITECTURES = {"vision_model"}
_RULED: dict[tuple[int, str, Path | None], dict[tuple[Path, str], str]] = {}


@dataclasses.dataclass
class Definition:
    module: LibModule
    name: str
    stmt: ast.stmt


# ------------------------------------------------------------------------- gathering ----


class Gatherer:
    def __init__(self, table: RuleTable, libraries: tuple[str, ...], sources: Sources, shown: str) -> None:
        self.table = table
        self.libraries = libraries
        self.sources = sources
        self.shown = shown
        self.order: list[Definition] = []
        self.placed: dict[tuple[Path, str], Definition] = {}
        self.visiting: set[tuple[Path, str]] = set()
        # local -> (from-module or "" for a plain import, the imported name, stmt, module)
        self.imports: dict[str, tuple[str, str, ast.stmt, LibModule]] = {}
        self.user_imports: dict[str, str] = {}  # what the file's own (kept) imports bind
        self.file_imports: dict[str, str] = {}  # what the file's top-level imports bind (kept or not)
        self.globals: dict[str, str] = {}  # a global name of the output -> what it means
        self.aliases: list[tuple[str, str]] = []  # (local, defined name) assignments after the definitions
        self.renames: dict[Path, dict[str, str]] = {}  # a module's names renamed in its definitions
        self.spans: dict[int, list[tuple[int, int, str]]] = {}  # the file's `m.X` spots -> X (byte offsets)
        self.diagnostics: list[Diagnostic] = []
        self.used_libraries: list[str] = []

    def covered(self, qual: str) -> bool:
        return self.table.canonical(qual) in self.table.apis or qual in self.table.modules

    def ruled(self, qual: str, internal: bool = False) -> str | None:
        """The rule's spelling of ``qual`` when ``qual`` is another name of a definition a rule
        covers (``torchvision.ops.misc.Conv2dNormActivation`` is ``torchvision.ops``'s).

        ``internal``: the name is used by the library's own code (a carried definition, or a
        module of the library translated alone).  A rule that swaps in Paddle's own version of
        a whole architecture (:data:`ARCHITECTURES`: ``torchvision.models.resnet50`` ->
        ``paddle.vision.models.resnet50``) is not used there: library code reaches into the
        architecture (``resnet50(replace_stride_with_dilation=...)``, ``mobilenet_v3_large(
        dilated=True).features``), which only the library's own definition has."""
        root = qual.split(".")[0]
        if root in NOT_LIBRARIES or self.covered(qual):
            return None
        found = self.resolve(qual)
        if isinstance(found, str):
            return None
        api = self.ruled_definitions(root).get((found[0].path, found[1]))
        if api is not None and internal and self.table.apis[self.table.canonical(api)].handler in ARCHITECTURES:
            return None
        return api

    def ruled_definitions(self, root: str) -> dict[tuple[Path, str], str]:
        """(module file, name) -> the rule naming it, for the rules of library ``root``."""
        key = (id(self.table), root, self.sources.folder(root))
        cached = _RULED.get(key)
        if cached is None:
            cached = {}
            for api in sorted(self.table.apis, key=lambda a: (a.count("._"), len(a), a)):
                if api.split(".")[0] == root:
                    found = self.resolve(api)
                    if not isinstance(found, str):
                        cached.setdefault((found[0].path, found[1]), api)
            _RULED[key] = cached
        return cached

    def carried_module(self, qual: str) -> bool:
        """Whether the names used from library module ``qual`` are carried (a module rule only
        says what the module is called in Paddle, not that its names have rules)."""
        root = qual.split(".")[0]
        own = self.sources.own_root is not None and self.sources.own_root.name == root
        return root not in NOT_LIBRARIES and (own or root in self.libraries) and self.table.canonical(qual) not in self.table.apis

    def carried(self, qual: str) -> bool:
        """Whether ``qual`` is translated from its library's source."""
        root = qual.split(".")[0]
        if root in NOT_LIBRARIES or self.covered(qual):
            return False
        own = self.sources.own_root is not None and self.sources.own_root.name == root
        return own or root in self.libraries

    def resolve(self, qual: str, depth: int = 0) -> tuple[LibModule, str] | str:
        """(module, name) defining ``qual``, following re-exports; a reason when not found."""
        parts = qual.split(".")
        for i in range(len(parts) - 1, 0, -1):
            dotted = ".".join(parts[:i])
            module = self.sources.module(dotted)
            if module is None:
                continue
            name = parts[i]
            if i + 1 < len(parts):
                return f"{qual} is an attribute of {dotted}.{name}, which cannot be carried"
            if name in module.defs:
                return module, name
            if name in module.imports and depth < 12:
                target = module.imports[name][0]
                if module.imports[name][1]:
                    return f"{qual} is a module"
                return self.resolve(target, depth + 1)
            if self.sources.module(qual) is not None:
                return f"{qual} is a module; import the names it defines instead"
            for star in module.stars:
                if depth < 12:
                    found = self.resolve(f"{star}.{name}", depth + 1)
                    if not isinstance(found, str):
                        return found
            return f"{qual}: no definition of {name} found in {module.path}"
        return f"{qual}: its library's source was not found"

    def need(self, qual: str, local: str, where: tuple[str, int, int], into: LibModule | None = None) -> bool:
        """Carry the definition of ``qual``, seen as ``local`` in the file (``into`` None: an
        alias assignment when the names differ) or in the library module ``into`` (whose
        uses of ``local`` are renamed instead); False (and a diagnostic at ``where``) when it
        cannot be."""
        found = self.resolve(qual)
        if isinstance(found, str):
            self.report(where, qual, f"{found}; left unchanged")
            return False
        module, name = found
        stmt = module.defs[name]
        if (into is None and local != name and isinstance(stmt, ast.Assign) and len(stmt.targets) == 1
                and is_literal(stmt.value)):
            # a literal imported under another name (`from .a import __all__ as a_all`): its value
            if self.claim(local, f"{module.qualname}.{name}", where, qual) and (local, ast.unparse(stmt.value)) not in self.aliases:
                self.aliases.append((local, ast.unparse(stmt.value)))
            return True
        final = self.place(module, name, where)
        if final is None:
            return False
        if into is not None:
            if final != local:
                self.renames.setdefault(into.path, {})[local] = final
            return True
        if local != final:
            if not self.claim(local, f"alias of {module.qualname}.{name}", where, qual):
                return False
            if (local, final) not in self.aliases:
                self.aliases.append((local, final))
        return True

    def claim(self, name: str, meaning: str, where: tuple[str, int, int], qual: str) -> bool:
        held = self.globals.get(name)
        if held is not None and held != meaning:
            self.report(where, qual, f"the name {name} would mean both {held} and {meaning} in the output; "
                        "rename one of them; left unchanged")
            return False
        self.globals[name] = meaning
        return True

    def free_name(self, name: str, meaning: str, module: LibModule) -> str:
        """``name`` when the output's globals do not hold it for something else, else a new name
        (``name_module``, numbered if need be), which the module's definitions are renamed to."""
        held = self.globals.get(name)
        if held is None or held == meaning:
            self.globals[name] = meaning
            return name
        base = f"{name}_{module.qualname.rsplit('.', 1)[-1].lstrip('_')}"
        new, n = base, 1
        while self.globals.get(new) not in (None, meaning):
            n += 1
            new = f"{base}{n}"
        self.globals[new] = meaning
        self.renames.setdefault(module.path, {})[name] = new
        return new

    def place(self, module: LibModule, name: str, where: tuple[str, int, int]) -> str | None:
        """Carry ``module``'s definition of ``name`` and what it needs; the global name it gets
        in the output (None when it cannot be carried)."""
        key = (module.path, name)
        if key in self.placed or key in self.visiting:
            return self.renames.get(module.path, {}).get(name, name)
        qual = f"{module.qualname}.{name}"
        if len(self.placed) >= MAX_DEFINITIONS:
            self.report(where, qual, f"more than {MAX_DEFINITIONS} definitions would be carried; left unchanged")
            return None
        stmt = module.defs[name]
        final = self.free_name(name, qual, module)
        self.visiting.add(key)
        self.needs(module, stmt, name)
        for same in [n for n in bound_names(stmt) if n != name and n in module.defs and module.defs[n] is stmt]:
            self.placed[(module.path, same)] = self.placed.get((module.path, same)) or Definition(module, same, stmt)
        self.visiting.discard(key)
        definition = Definition(module, name, stmt)
        self.placed[key] = definition
        if all(d.stmt is not stmt for d in self.order):
            self.order.append(definition)
        return final

    def registrations(self) -> None:
        """Carry the top-level statements that register something with a carried object: a
        decorated definition whose decorator uses one (``@Act.factory_function("prelu")``), a
        call on one (``Act.add_factory_callable(...)``); until nothing more is added."""
        done: set[int] = set()
        changed = True
        while changed and len(self.placed) < MAX_DEFINITIONS:
            changed = False
            for module in list({d.module.path: d.module for d in self.order}.values()):
                carried = {name for (path, name) in self.placed if path == module.path}
                for stmt in module.body:
                    if id(stmt) in done or any(d.stmt is stmt for d in self.order):
                        continue
                    if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and stmt.decorator_list:
                        hit = any(isinstance(n, ast.Name) and n.id in carried for d in stmt.decorator_list for n in ast.walk(d))
                    elif isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call):
                        base = stmt.value.func
                        while isinstance(base, ast.Attribute):
                            base = base.value
                        hit = isinstance(base, ast.Name) and base.id in carried
                    else:
                        continue
                    if not hit:
                        continue
                    done.add(id(stmt))
                    changed = True
                    where = (str(module.path), stmt.lineno, stmt.col_offset + 1)
                    start = len(self.order)
                    if isinstance(stmt, ast.Expr):
                        self.needs(module, stmt, "")
                        self.order.append(Definition(module, "", stmt))
                    else:
                        self.place(module, stmt.name, where)
                    self._run_early(start)

    def _run_early(self, start: int) -> None:
        """A registration (and what it newly needs, ``order[start:]``) runs right after the
        definitions it uses, not after every definition: a later definition may read what it
        registers when it is defined (``act=Act.PRELU`` as a default argument)."""
        block = self.order[start:]
        used = {n for d in block for n in used_names(d.stmt)}
        anchor = max((i for i, d in enumerate(self.order[:start]) if d.name in used), default=start - 1)
        self.order[anchor + 1:] = block + self.order[anchor + 1:start]

    def needs(self, module: LibModule, stmt: ast.stmt, name: str) -> None:
        """Carry what ``stmt`` (defining ``name``) uses from its module and the module's imports."""
        root = module.qualname.split(".")[0]
        if root not in self.used_libraries:
            self.used_libraries.append(root)
        here = (str(module.path), stmt.lineno, stmt.col_offset + 1)
        for used in used_names(stmt):
            if used == name:
                continue
            if used in module.defs:
                self.place(module, used, here)
            elif used in module.imports:
                target, is_module, imp = module.imports[used]
                spelled = None if is_module else self.ruled(target, internal=True)
                if spelled is not None:
                    self.keep_import(used, spelled, False, imp, module)
                elif not is_module and self.carried(target):
                    self.need(target, used, (str(module.path), imp.lineno, imp.col_offset + 1), into=module)
                else:
                    self.keep_import(used, target, is_module, imp, module)
                    self.no_paddle(stmt, used, target, str(module.path))

    def keep_import(self, local: str, target: str, is_module: bool, imp: ast.stmt, module: LibModule) -> None:
        """A library definition needs an import the engine translates (torch, another library)."""
        root = target.split(".")[0]
        if root == "__future__":
            return
        if is_module and isinstance(imp, ast.Import):
            alias = next(a for a in imp.names if (a.asname or a.name.split(".")[0]) == local)
            parent, name = "", alias.name
            if alias.asname is None and "." in alias.name:
                meaning = f"import of {root}"  # `import a.b` binds a
            else:
                meaning = f"import of {target}"
        else:
            parent, _, name = target.rpartition(".")
            parent = NATIVE.get(parent, parent)  # einops.layers.torch -> its Paddle twin
            meaning = f"import of {parent}.{name}"
        reserved = self.file_imports.get(local)
        if reserved is not None and reserved != meaning:
            # the file's own import keeps its name (`import torch.nn.functional as F` in the file,
            # `from torchvision.transforms import functional as F` in a carried module): the
            # library's import is renamed in its definitions instead
            self.globals.setdefault(local, reserved)
        final = self.free_name(local, meaning, module)
        if root not in self.libraries and root not in NOT_LIBRARIES and built_on_torch(root) and not self.covered(target):
            self.report((str(module.path), imp.lineno, imp.col_offset + 1), target, disabled_message(root))
        if final != local and not parent:
            parent, name = name.rpartition(".")[0] or "", name  # `import a.b as x` -> from a import b as x
            if not parent:
                self.imports.setdefault(final, ("", name, imp, module))
                return
            parent, name = target.rpartition(".")[0], target.rpartition(".")[2]
        self.imports.setdefault(final, (parent, name, imp, module))

    def report(self, where: tuple[str, int, int], api: str, message: str) -> None:
        self.diagnostics.append(Diagnostic(where[0], where[1], where[2], codes.SOURCE_NOT_FOUND, message, Severity.ERROR, api))

    def no_paddle(self, node: ast.AST, local: str, target: str, path: str) -> None:
        """Report each use of ``local`` in ``node`` when it names a library without Paddle support."""
        reason = NO_PADDLE.get(target.split(".")[0])
        if reason is not None:
            for line, col, api in no_paddle_uses(node, local, target):
                self.diagnostics.append(Diagnostic(path, line, col, codes.UNSUPPORTED_USE, f"{reason}; left unchanged",
                                                   Severity.ERROR, api))


def is_literal(node: ast.expr) -> bool:
    try:
        ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return False
    return True


def disabled_message(root: str) -> str:
    return (f"{root} is a library built on torch that is not translated; enable it with --library {root} "
            f"(or libraries = [..., \"{root}\"] under [tool.torch2paddle]) to carry its definitions; left unchanged")


