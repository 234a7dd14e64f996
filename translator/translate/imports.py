"""Imports: what replaces each torch import, how the output names Paddle APIs, re-spelling
left-over code through torch, and the tidy-up that drops imports nothing uses any more."""

from __future__ import annotations

import sys
from collections import Counter
from typing import TYPE_CHECKING, Callable

import libcst as cst

from ..diagnostics import Severity
from .fastcst import _Transformer
from .removal import _STATEMENT_CONTAINERS, _dropped_line
from .results import Refusal
from .resolve import Prepass, dotted_name, is_torch_name, outer_parts, resolve_relative, walk
from .scopes import Scope, ScopeStack
from .syntax import _code, _fix_alias_commas, _keep_parens, make_chain

if TYPE_CHECKING:
    from ..rules import RuleTable


class ImportsMixin:
    """The import side of the translator (``rewrite.Translator``): plans the Paddle imports that
    replace each torch import statement, spells Paddle names through the imports the output
    has (``ref``) and keeps untranslated code meaning torch (``keep_torch``)."""

    table: "RuleTable"
    pre: Prepass
    scopes: "ScopeStack"
    out_bindings: dict[str, str]  # Paddle qualified name -> the local name the output binds it to
    need_paddle_import: bool
    # (standard-library module, local name) the output may spell names through without the file
    # importing it: the pipeline adds `import module [as local]` where the output uses the name
    stdlib_imports: set[tuple[str, str]]

    def _paddle_module_for(self, qual: str) -> str | None:
        rule = self.table.modules.get(qual)
        return rule.paddle if rule else None

    def _simple_target(self, qual: str) -> str | None:
        """The Paddle name a from-import of ``qual`` can import directly, if any."""
        rule = self.table.apis.get(qual)
        if rule is None or rule.paddle is None or rule.support is not None or self.too_new(rule, None):
            return None
        if rule.kind != "function" or "." not in rule.paddle:
            return None
        if rule.handler is not None and not rule.paddle.startswith("paddle."):
            return None
        return rule.paddle

    def _plan_imports(self) -> None:
        """Decide, per torch import statement, what Paddle imports replace it."""
        self.exported: frozenset[str] | None = None  # the module's literal __all__ (reexports.py)
        self.reexported: set[str] = set()  # re-exported names whose Paddle import is kept (reexports.py)
        for stmt in self.pre.import_nodes:
            new: list[cst.BaseSmallStatement] = []
            if isinstance(stmt, cst.Import):
                for alias in stmt.names:
                    qual = dotted_name(alias.name) or ""
                    target = self._paddle_module_for(qual) if is_torch_name(qual) else None
                    if target is None:
                        continue
                    if alias.asname is not None:
                        root = qual.split(".")[0]
                        if root not in self.pre.bindings and self._input_uses(root):
                            # the file uses `torch` without importing it, so code left untranslated
                            # cannot be spelled through an added `import torch`: `th` keeps naming
                            # torch, and translated code is spelled through `import paddle`
                            continue
                        local = alias.asname.name.value  # type: ignore[union-attr]
                        new.append(cst.Import(names=[cst.ImportAlias(make_chain(target), asname=alias.asname)]))  # type: ignore[arg-type]
                        self.out_bindings.setdefault(target, local)
                        self.rebound.add(local)
                    else:
                        new.append(cst.Import(names=[cst.ImportAlias(make_chain(target))]))  # type: ignore[arg-type]
                        self.out_bindings.setdefault(target.split(".")[0], target.split(".")[0])
            else:
                assert isinstance(stmt, cst.ImportFrom)
                groups: dict[str, list[cst.ImportAlias]] = {}
                for alias in stmt.names:  # type: ignore[union-attr]
                    local = alias.asname.name.value if alias.asname else alias.name.value  # type: ignore[union-attr]
                    binding = self.pre.alias_bindings.get(id(alias))
                    last = self.pre.bindings.get(local)
                    if binding is None or last is None or last.qualname != binding.qualname:
                        continue  # not torch, or the name is bound again to something else later
                    module_target = self._paddle_module_for(binding.qualname)
                    target = module_target or self._simple_target(self.table.canonical(binding.qualname))
                    if target is None or "." not in target:
                        continue
                    mod, name = target.rsplit(".", 1)
                    if alias.asname is None and module_target is None:
                        local = name  # `from torch.nn import Conv2d` -> `from paddle.nn import Conv2D`
                    asname = cst.AsName(cst.Name(local)) if local != name else None
                    groups.setdefault(mod, []).append(cst.ImportAlias(cst.Name(name), asname=asname))
                    self.out_bindings.setdefault(target, local)
                    if local == binding.local:
                        self.rebound.add(local)
                for mod, aliases in groups.items():
                    new.append(cst.ImportFrom(module=make_chain(mod), names=aliases))  # type: ignore[arg-type]
            self.import_plan[id(stmt)] = new

    def spell(self, target: str) -> tuple[cst.BaseExpression, bool]:
        """An expression for the Paddle name ``target`` using the imports the output has, and
        whether it needs ``import paddle`` (recorded by ``use_paddle``, not here)."""
        if target in self.out_bindings and not self.scopes.shadowed(self.out_bindings[target]):
            return cst.Name(self.out_bindings[target]), False
        parts = target.split(".")
        for i in range(len(parts) - 1, 0, -1):
            prefix = ".".join(parts[:i])
            local = self.out_bindings.get(prefix)
            if local is not None and not self.scopes.shadowed(local):
                return make_chain(".".join([local, *parts[i:]])), False
        if parts[0] != "paddle" and parts[0] in sys.stdlib_module_names:
            return make_chain(".".join([self._stdlib_local(parts[0]), *parts[1:]])), False
        return make_chain(target), parts[0] == "paddle"

    def _stdlib_local(self, module: str) -> str:
        """The name standard-library ``module`` goes by here (a rule may spell its target through
        one: ``math.pi``): the file's own module-level import of it where not shadowed; else the
        module's name, or that name with underscores in front where the file binds it otherwise,
        recorded in ``stdlib_imports`` (added only if the output keeps a use: a dry run spells too)."""
        pre = self.pre
        for local, qual in pre.other_qualnames.items():
            if qual == module and local in pre.module_locals and not self.scopes.shadowed(local):
                return local
        local = module
        while local in pre.module_locals or local in pre.bindings or self.scopes.shadowed(local):
            local = "_" + local
        self.stdlib_imports.add((module, local))
        return local

    def use_paddle(self) -> None:
        """The output spells names through ``import paddle``: add it."""
        self.need_paddle_import = True
        self.out_bindings["paddle"] = "paddle"

    def ref(self, target: str) -> cst.BaseExpression:
        """``spell``, recording the ``import paddle`` it needs."""
        node, needs_paddle = self.spell(target)
        if needs_paddle:
            self.use_paddle()
        return node

    def keep_torch(self, node: cst.BaseExpression) -> cst.BaseExpression:
        """Untranslated code must keep meaning torch.

        Where a name it uses was taken over by a Paddle import (``import torch.nn as nn``
        became ``import paddle.nn as nn``), the reference is spelled out through torch
        (``nn.Foo`` -> ``torch.nn.Foo``) and ``import torch.nn`` is added.
        """
        if not self.rebound:
            return node
        return node.visit(_RespellTorch(self))  # type: ignore[return-value]

    def _input_uses(self, name: str) -> bool:
        """Whether the input uses ``name`` as a variable (computed once, on this rare path)."""
        if self._input_names is None:
            used = _UsedNames()
            if self.input_module is not None:
                walk(self.input_module, used)
            self._input_names = used.used
        return self._input_names.get(name, 0) > 0

    def torch_spelling(self, node: cst.BaseExpression) -> cst.BaseExpression | None:
        dotted = dotted_name(node)
        if dotted is None:
            return None
        head, _, rest = dotted.partition(".")
        binding = self.pre.bindings.get(head)
        if head not in self.rebound or binding is None or self.scopes.shadowed(head):
            return None
        root = binding.qualname.split(".", 1)[0]
        if root not in self.pre.bindings and self._input_uses(root):
            return None  # the file uses `torch` without importing it: an added import would change that
        if self.scopes.shadowed(root):
            message = (f"`{root}` is a local name here, so this cannot be spelled `{binding.qualname}...`;"
                       f" `{head}` will name Paddle's module: check this reference")
            self.report(node, dotted, message, Severity.ERROR, kind=Refusal.UNSUPPORTED_USE)
            return None
        module = binding.qualname if binding.is_module_import else binding.qualname.rsplit(".", 1)[0]
        if module not in self.torch_imports:
            self.torch_imports.append(module)
        return _keep_parens(node, make_chain(binding.qualname + ("." + rest if rest else "")))


class _RespellTorch(cst.CSTTransformer):
    """Spell every reference through a taken-over torch name out through torch (keep_torch)."""

    def __init__(self, tr: ImportsMixin) -> None:
        super().__init__()
        self.tr = tr
        self.skip: set[int] = set()

    def visit_Attribute(self, node: cst.Attribute) -> None:
        self.skip.add(id(node.attr))
        self.skip.add(id(node.value))

    def visit_Arg(self, node: cst.Arg) -> None:
        if node.keyword is not None:
            self.skip.add(id(node.keyword))

    def leave_Name(self, original_node: cst.Name, updated_node: cst.Name) -> cst.BaseExpression:
        if id(original_node) in self.skip:
            return updated_node
        return self.tr.torch_spelling(original_node) or updated_node

    def leave_Attribute(self, original_node: cst.Attribute, updated_node: cst.Attribute) -> cst.BaseExpression:
        if id(original_node) in self.skip:
            return updated_node
        return self.tr.torch_spelling(original_node) or updated_node


def _inert_names_unused(lines: list[cst.SimpleStatementLine], package: str | None, pre: Prepass, code: str) -> bool:
    """Whether the names ``_TidyImports`` asks about (the locals of torch and Paddle imports)
    cannot occur in the subtrees the translator skipped, so counting names may skip them too.

    A skipped subtree has no name bound by a torch import (``_inert_subtrees``); any other local
    must not appear in the input text at all.
    """
    for line in lines:
        for small in line.body:
            if _is_torch_import(small, package) or _is_paddle_import(small):
                for _alias, local in _import_locals(small):
                    if local not in pre.bindings and local in code:
                        return False
    return True


def _has_import(line: cst.SimpleStatementLine) -> bool:
    return any(isinstance(s, (cst.Import, cst.ImportFrom)) for s in line.body)


class _UsedNames(cst.CSTVisitor):
    def __init__(self) -> None:
        self.used: Counter = Counter()
        self._skip: set[int] = set()

    def visit_Import(self, node: cst.Import) -> bool:
        return False

    def visit_ImportFrom(self, node: cst.ImportFrom) -> bool:
        return False

    def visit_Attribute(self, node: cst.Attribute) -> None:
        self._skip.add(id(node.attr))

    def visit_Arg(self, node: cst.Arg) -> None:
        if node.keyword is not None:
            self._skip.add(id(node.keyword))

    def visit_Name(self, node: cst.Name) -> None:
        if id(node) not in self._skip:
            self.used[node.value] += 1

    def visit_SimpleString(self, node: cst.SimpleString) -> None:
        # names listed in __all__ count as used
        value = node.value.strip("'\"")
        if value.isidentifier():
            self.used[value] += 0


class _ModuleLevelUses(_UsedNames):
    """``_UsedNames`` for ``names`` only, leaving out the uses a function, lambda, comprehension or
    the class body around them binds locally (Python's scoping, asked of a ``ScopeStack``)."""

    def __init__(self, names: set[str], pre: Prepass) -> None:
        super().__init__()
        self.names = names
        self.scope_locals = pre.scope_locals
        self.scopes = ScopeStack(pre)

    def _inside_scope(self, node: cst.FunctionDef | cst.Lambda | cst.ClassDef) -> bool:
        for part in outer_parts(node):  # evaluated in the enclosing scope
            walk(part, self)
        kind = "class" if isinstance(node, cst.ClassDef) else "function"
        self.scopes.push(Scope(kind, self.scope_locals.get(id(node), set()), node))
        self._enter(node)
        walk(node.body, self)
        self._leave(node)
        self.scopes.pop()
        return False

    visit_FunctionDef = visit_Lambda = visit_ClassDef = _inside_scope  # type: ignore[assignment]

    def _enter(self, node: cst.FunctionDef | cst.Lambda | cst.ClassDef) -> None:
        """Called before the body of a function, lambda or class is walked (a hook)."""

    def _leave(self, node: cst.FunctionDef | cst.Lambda | cst.ClassDef) -> None:
        """Called after it (a hook)."""

    def _visit_comp(self, node: cst.CSTNode) -> None:
        self.scopes.push(Scope("comp", self.scope_locals.get(id(node), set()), node))

    def _leave_comp(self, node: cst.CSTNode) -> None:
        self.scopes.pop()

    visit_ListComp = visit_SetComp = visit_DictComp = visit_GeneratorExp = _visit_comp  # type: ignore[assignment]
    leave_ListComp = leave_SetComp = leave_DictComp = leave_GeneratorExp = _leave_comp  # type: ignore[assignment]

    def visit_Name(self, node: cst.Name) -> None:
        if node.value in self.names and id(node) not in self._skip and not self.scopes.shadowed(node.value):
            self.used[node.value] += 1


def _module_level_uses(module: cst.Module, names: set[str], package: str | None) -> Counter:
    """How often each of ``names`` is used as the module-level name in ``module``."""
    pre = Prepass(package)
    walk(module, pre)
    uses = _ModuleLevelUses(names, pre)
    walk(module, uses)
    return uses.used


def _import_locals(stmt: cst.BaseSmallStatement) -> list[tuple[cst.ImportAlias, str]]:
    out = []
    if isinstance(stmt, (cst.Import, cst.ImportFrom)) and not isinstance(stmt.names, cst.ImportStar):
        for alias in stmt.names:
            if alias.asname is not None:
                local = alias.asname.name.value  # type: ignore[union-attr]
            elif isinstance(stmt, cst.Import):
                local = (dotted_name(alias.name) or "").split(".")[0]
            else:
                local = alias.name.value  # type: ignore[union-attr]
            out.append((alias, local))
    return out


def _is_torch_import(stmt: cst.BaseSmallStatement, package: str | None) -> bool:
    if isinstance(stmt, cst.Import):
        return any(is_torch_name(dotted_name(a.name) or "") for a in stmt.names)
    if isinstance(stmt, cst.ImportFrom):
        base = resolve_relative(package, len(stmt.relative), dotted_name(stmt.module) if stmt.module else "")
        return base is not None and is_torch_name(base or "_")
    return False


def _is_paddle_import(stmt: cst.BaseSmallStatement) -> bool:
    if isinstance(stmt, cst.Import):
        return any((dotted_name(a.name) or "").split(".")[0] == "paddle" for a in stmt.names)
    if isinstance(stmt, cst.ImportFrom) and stmt.module is not None and not stmt.relative:
        return (dotted_name(stmt.module) or "").split(".")[0] == "paddle"
    return False


def _is_stdlib_import(stmt: cst.BaseSmallStatement) -> bool:
    """An import of a standard-library module or name (a rule's target: ``from math import pi``)."""
    if isinstance(stmt, cst.ImportFrom):
        return stmt.module is not None and not stmt.relative and (dotted_name(stmt.module) or "").split(".")[0] in sys.stdlib_module_names
    return isinstance(stmt, cst.Import) and all((dotted_name(a.name) or "").split(".")[0] in sys.stdlib_module_names for a in stmt.names)


class _TidyImports(_Transformer):
    """Drop torch imports nothing uses, drop duplicate Paddle imports, drop unused new ones."""

    def __init__(
        self, used: Counter, package: str | None, new_imports: set[str], provided: set[str], holders: set[int] | None = None,
        ruled: Callable[[str], bool] | None = None,
    ) -> None:
        super().__init__()
        # with ``ruled`` (a tree is translated): a relative import of a name no rule covers is a
        # sibling's definition (a re-export when unused here), kept as written, star imports too
        self.ruled = ruled
        self.holders = holders  # the containers with an import line below them (see _holders)
        self.provided = provided  # names the emitted support code defines
        self.used = used
        self.package = package
        self.new_imports = new_imports
        self.seen_paddle: set[str] = set()
        self.bound_by_paddle: set[str] = set()
        self.dropped_lines = False  # a statement was removed (see _DropLines)
        self.plain_paddle: set[str] = set()  # names bound by a plain `import paddle` anywhere at top level
        self.input_paddle: set[str] = set()  # the input's top-level Paddle imports (kept as written)
        self.top: set[int] = set()  # ids of the top-level statements

    def visit_Module(self, node: cst.Module) -> None:
        self.top = {id(stmt) for stmt in node.body}
        for stmt in node.body:
            if isinstance(stmt, cst.SimpleStatementLine):
                for small in stmt.body:
                    if isinstance(small, cst.Import):
                        for alias in small.names:
                            if alias.asname is None and isinstance(alias.name, cst.Name) and alias.name.value == "paddle":
                                self.plain_paddle.add("paddle")

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        return True

    def on_visit(self, node: cst.CSTNode) -> bool:
        # only statements change: do not descend into expressions, parameters, decorators...
        if not isinstance(node, _STATEMENT_CONTAINERS):
            return False
        if self.holders is not None and id(node) not in self.holders:
            return False
        return super().on_visit(node)

    def leave_SimpleStatementLine(self, original_node, updated_node):  # type: ignore[no-untyped-def]
        body = []
        for stmt in updated_node.body:
            if _is_torch_import(stmt, self.package):
                sibling = self.ruled is not None and isinstance(stmt, cst.ImportFrom) and bool(stmt.relative)
                if sibling and isinstance(stmt.names, cst.ImportStar):  # type: ignore[union-attr]
                    body.append(stmt)
                    continue
                base = resolve_relative(self.package, len(stmt.relative), dotted_name(stmt.module) if stmt.module else "") if sibling else None  # type: ignore[union-attr]
                keep = []
                for alias, local in _import_locals(stmt):
                    if self.used.get(local, 0) > 0 and local not in self.bound_by_paddle and local not in self.provided:
                        keep.append(alias)
                    elif sibling and local not in self.provided and not self.ruled(f"{base}.{alias.name.value}"):  # type: ignore[union-attr]
                        keep.append(alias)  # a sibling's name, re-exported
                if not keep:
                    continue
                stmt = stmt.with_changes(names=_fix_alias_commas(keep))  # type: ignore[union-attr]
            elif id(original_node) in self.top and _code(stmt.with_changes(semicolon=cst.MaybeSentinel.DEFAULT)).strip() in self.input_paddle:
                keys = [_code(stmt.with_changes(names=[a.with_changes(comma=cst.MaybeSentinel.DEFAULT)])) for a, _ in _import_locals(stmt)]  # type: ignore[union-attr]
                if all(k in self.seen_paddle for k in keys):
                    continue  # the same import written again by the translation, above
                self.seen_paddle.update(keys)
                self.bound_by_paddle.update(local for _, local in _import_locals(stmt))
            elif (_is_paddle_import(stmt) or _is_stdlib_import(stmt)) and _code(stmt).strip() in self.new_imports:
                keep = []
                for alias, local in _import_locals(stmt):
                    key = _code(stmt.with_changes(names=[alias.with_changes(comma=cst.MaybeSentinel.DEFAULT)]))  # type: ignore[union-attr]
                    if isinstance(stmt, cst.Import) and alias.asname is None and isinstance(alias.name, cst.Attribute):
                        if local in self.plain_paddle:
                            continue  # `import paddle.nn` adds nothing next to `import paddle`
                    if self.used.get(local, 0) > 0 and key not in self.seen_paddle:
                        keep.append(alias)
                        self.seen_paddle.add(key)
                        self.bound_by_paddle.add(local)
                if not keep:
                    continue
                stmt = stmt.with_changes(names=_fix_alias_commas(keep))  # type: ignore[union-attr]
            elif _is_paddle_import(stmt):
                for alias, local in _import_locals(stmt):
                    self.seen_paddle.add(_code(stmt.with_changes(names=[alias.with_changes(comma=cst.MaybeSentinel.DEFAULT)])))  # type: ignore[union-attr]
                    self.bound_by_paddle.add(local)
            body.append(stmt)
        if not body:
            self.dropped_lines = True
            return _dropped_line(updated_node)
        if len(body) != len(updated_node.body):
            body[-1] = body[-1].with_changes(semicolon=cst.MaybeSentinel.DEFAULT)
        return updated_node.with_changes(body=body)
