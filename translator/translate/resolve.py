"""Cheap name resolution: which names in a module mean torch or torchvision APIs.

LibCST's ``QualifiedNameProvider`` computes full scope metadata for every node; on
torchvision's models folder that costs several times the parse.  Translation only needs to
know two things, which one visitor pass collects:

* the import bindings: local name -> qualified name, for imports of ``torch``/``torchvision``
  (relative imports are resolved against the file's package first), and
* for every function, lambda, comprehension and class scope, the names it binds itself, so
  that a parameter or a local variable called ``nn`` or a class called ``Conv2d`` is never
  mistaken for the import.

A name bound at module level by anything other than an import (``torch = None``, ``class
Conv2d``) is not treated as torch anywhere: flow-sensitive guesses are not worth a wrong
rewrite.
"""

from __future__ import annotations

import dataclasses

import libcst as cst

from ..packages import package_dirs

__all__ = ["ImportBinding", "Prepass", "dotted_name", "package_of", "resolve_relative", "walk", "TORCH_ROOTS"]

TORCH_ROOTS = ("torch", "torchvision")

_FIELDS: dict[type, tuple[str, ...]] = {}

# Nodes with no Name below them: whitespace, comments, punctuation, operators.
_TRIVIA_BASES = (
    cst.BaseParenthesizableWhitespace, cst.TrailingWhitespace, cst.Newline, cst.EmptyLine, cst.Comment,
    cst.Comma, cst.Semicolon, cst.Colon, cst.AssignEqual, cst.Dot, cst.LeftParen, cst.RightParen,
    cst.LeftSquareBracket, cst.RightSquareBracket, cst.LeftCurlyBrace, cst.RightCurlyBrace,
    cst.BaseBinaryOp, cst.BaseBooleanOp, cst.BaseCompOp, cst.BaseUnaryOp, cst.BaseAugOp,
    cst.ImportStar, cst.Asynchronous, cst.ParamStar, cst.ParamSlash,
)  # fmt: skip
NOT_NODE, NODE, TRIVIA, SEQUENCE = 0, 1, 2, 3
_KINDS: dict[type, int] = {list: SEQUENCE, tuple: SEQUENCE}
_TRIVIA_NAMES: list[str] = []
_SKIPS_TRIVIA: dict[type, bool] = {}


def _child_fields(cls: type) -> tuple[str, ...]:
    names = _FIELDS.get(cls)
    if names is None:
        names = _FIELDS[cls] = tuple(f.name for f in dataclasses.fields(cls))
    return names


def kind_of(cls: type) -> int:
    """NOT_NODE, NODE, TRIVIA (a node with no Name below it) or SEQUENCE, for a field value's class."""
    kind = _KINDS.get(cls)
    if kind is None:
        if issubclass(cls, cst.CSTNode):
            kind = TRIVIA if issubclass(cls, _TRIVIA_BASES) else NODE
        else:
            kind = NOT_NODE
        _KINDS[cls] = kind
    return kind


# visitor class -> node class -> (its visit_ function, its leave_ function, the node's fields),
# looked up once per process (walks nest: a visitor may walk a function body from its visit_)
_METHODS: dict[type, dict[type, tuple]] = {}


def _class_method(vcls: type, name: str):  # type: ignore[no-untyped-def]
    """The function ``vcls.<name>``, or None when it is missing or LibCST's do-nothing default."""
    method = getattr(vcls, name, None)
    if method is None or method is getattr(cst.CSTVisitor, name, None):
        return None
    return method


def _instance_method(visitor: object, name: str):  # type: ignore[no-untyped-def]
    """``_class_method`` for a visitor that is not a ``CSTVisitor``: its method as a function of
    (visitor, node)."""
    method = getattr(visitor, name, None)
    return None if method is None else (lambda _visitor, node: method(node))


def _skips_trivia(visitor: object) -> bool:
    """True when ``visitor`` has no visit_/leave_ method of its own for any trivia node."""
    cls = type(visitor)
    skips = _SKIPS_TRIVIA.get(cls)
    if skips is None:
        if not _TRIVIA_NAMES:
            _TRIVIA_NAMES.extend(
                n for n in cst.__all__ if isinstance(getattr(cst, n), type) and issubclass(getattr(cst, n), _TRIVIA_BASES)
            )
        if not isinstance(visitor, cst.CSTVisitor):
            return not any(_instance_method(visitor, "visit_" + n) or _instance_method(visitor, "leave_" + n)
                           for n in _TRIVIA_NAMES)
        skips = _SKIPS_TRIVIA[cls] = not any(
            _class_method(cls, "visit_" + n) or _class_method(cls, "leave_" + n) for n in _TRIVIA_NAMES
        )
    return skips


def walk(node: cst.CSTNode, visitor: cst.CSTVisitor, skip: set[int] | None = None) -> None:
    """``node.visit(visitor)`` for a read-only visitor, several times faster.

    LibCST's ``visit`` rebuilds every node it passes, even for a ``CSTVisitor``; this walks the
    dataclass fields instead and calls the visitor's ``visit_<Node>`` (children are skipped when
    it returns False) and ``leave_<Node>``. Children are visited in field order, which keeps
    statements in source order (``If``: body then orelse; ``Try``: body, handlers, orelse,
    finalbody) but not, e.g., decorators before a function body, so it is only for visitors that
    do not depend on that. ``visit_<Node>_<field>`` hooks are not called. Whitespace, comments,
    punctuation and operators are not entered unless the visitor has a method for one of them.
    Nodes whose id is in ``skip`` are not entered at all.
    """
    vcls = type(visitor)
    if isinstance(visitor, cst.CSTVisitor):
        methods = _METHODS.get(vcls)
        if methods is None:
            methods = _METHODS[vcls] = {}
        lookup = _class_method
    else:  # any object with visit_/leave_ methods, perhaps made on the fly: asked every walk
        methods, lookup, vcls = {}, _instance_method, visitor  # type: ignore[assignment]
    kinds = _KINDS
    enter = (NODE, TRIVIA) if not _skips_trivia(visitor) else (NODE,)

    def rec(n: cst.CSTNode) -> None:
        if skip and id(n) in skip:
            return
        cls = n.__class__
        entry = methods.get(cls)
        if entry is None:
            name = cls.__name__
            entry = methods[cls] = (
                lookup(vcls, "visit_" + name),
                lookup(vcls, "leave_" + name),
                _child_fields(cls),
            )
        visit, leave, fields = entry
        if visit is None or visit(visitor, n) is not False:
            for f in fields:
                value = getattr(n, f)
                kind = kinds.get(value.__class__)
                if kind is None:
                    kind = kind_of(value.__class__)
                if kind in enter:
                    rec(value)
                elif kind == SEQUENCE:
                    for item in value:
                        kind = kinds.get(item.__class__)
                        if kind is None:
                            kind = kind_of(item.__class__)
                        if kind in enter:
                            rec(item)
        if leave is not None:
            leave(visitor, n)

    try:
        rec(node)
    finally:
        del rec  # a recursive closure refers to itself: freed now, not by the cycle collector


def is_torch_name(qualname: str) -> bool:
    head = qualname.split(".", 1)[0]
    return head in TORCH_ROOTS


def dotted_name(node: cst.BaseExpression) -> str | None:
    """``a.b.c`` for a chain of Names and Attributes, else None."""
    parts: list[str] = []
    while isinstance(node, cst.Attribute):
        parts.append(node.attr.value)
        node = node.value
    if not isinstance(node, cst.Name):
        return None
    parts.append(node.value)
    return ".".join(reversed(parts))


def module_name(node: cst.BaseExpression | None) -> str:
    if node is None:
        return ""
    name = dotted_name(node)
    assert name is not None
    return name


def package_of(path: str | None) -> str | None:
    """The dotted package a file lives in, found by walking up ``__init__.py`` files."""
    if not path:
        return None
    dirs = package_dirs(path)
    return ".".join(d.name for d in reversed(dirs)) if dirs else None


def resolve_relative(package: str | None, level: int, module: str) -> str | None:
    if level == 0:
        return module
    if package is None:
        return None
    pkg_parts = package.split(".")
    if level - 1 > len(pkg_parts) - 1 and level - 1 >= len(pkg_parts):
        return None
    base = pkg_parts[: len(pkg_parts) - (level - 1)]
    if not base:
        return None
    return ".".join(base + ([module] if module else []))


@dataclasses.dataclass
class ImportBinding:
    local: str  # the name the import binds
    qualname: str  # what it means: "torch.nn", "torch.nn.Conv2d", "torchvision.models._api.Weights"
    is_module_import: bool  # `import a.b` / `import a.b as c` rather than `from a import b`
    statement: cst.CSTNode  # the Import/ImportFrom node
    alias: cst.ImportAlias


_SCOPE_NODES = (cst.FunctionDef, cst.Lambda, cst.ClassDef, cst.ListComp, cst.SetComp, cst.DictComp, cst.GeneratorExp)


class Prepass(cst.CSTVisitor):
    """One pass over the module: import bindings and per-scope local names."""

    def __init__(self, package: str | None) -> None:
        self.package = package
        self.bindings: dict[str, ImportBinding] = {}  # local name -> its last torch import binding
        self.alias_bindings: dict[int, ImportBinding] = {}  # id(alias) -> binding, for every torch import
        self.import_nodes: list[cst.CSTNode] = []  # torch/torchvision import statements
        self.scope_locals: dict[int, set[str]] = {}  # id(scope node) -> names bound there
        self.module_locals: set[str] = set()  # names bound at module level by non-imports
        self.other_imports: set[str] = set()  # names bound by imports of anything but torch
        self.other_qualnames: dict[str, str] = {}  # ... and the module or name each one means
        # names bound where receiver inference does not follow (`:=`, `global`, `nonlocal`)
        self.opaque_names: set[str] = set()
        self.uses_torch = False
        self._stack: list[set[str]] = []

    # -- scopes ---------------------------------------------------------------------------
    def _bind(self, name: str) -> None:
        if self._stack:
            self._stack[-1].add(name)
        else:
            self.module_locals.add(name)

    def _push(self, node: cst.CSTNode) -> None:
        names: set[str] = set()
        self.scope_locals[id(node)] = names
        self._stack.append(names)

    def _pop(self) -> None:
        self._stack.pop()

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        self._bind(node.name.value)
        for part in outer_parts(node):  # visited in the enclosing scope
            walk(part, self)
        self._push(node)
        for param in _all_params(node.params):
            self._bind(param.name.value)
        walk(node.body, self)
        self._pop()
        return False

    def visit_Lambda(self, node: cst.Lambda) -> bool:
        for part in outer_parts(node):
            walk(part, self)
        self._push(node)
        for param in _all_params(node.params):
            self._bind(param.name.value)
        walk(node.body, self)
        self._pop()
        return False

    def visit_ClassDef(self, node: cst.ClassDef) -> bool:
        self._bind(node.name.value)
        for part in outer_parts(node):
            walk(part, self)
        self._push(node)
        walk(node.body, self)
        self._pop()
        return False

    def _visit_comp(self, node: cst.CSTNode) -> None:
        self._push(node)

    def _leave_comp(self, node: cst.CSTNode) -> None:
        self._pop()

    visit_ListComp = visit_SetComp = visit_DictComp = visit_GeneratorExp = _visit_comp  # type: ignore[assignment]
    leave_ListComp = leave_SetComp = leave_DictComp = leave_GeneratorExp = _leave_comp  # type: ignore[assignment]

    def _bind_target(self, target: cst.BaseExpression) -> None:
        if isinstance(target, cst.Name):
            self._bind(target.value)
        elif isinstance(target, (cst.Tuple, cst.List)):
            for el in target.elements:
                self._bind_target(el.value)
        elif isinstance(target, cst.StarredElement):
            self._bind_target(target.value)

    def visit_AssignTarget(self, node: cst.AssignTarget) -> None:
        self._bind_target(node.target)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        self._bind_target(node.target)

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        self._bind_target(node.target)

    def visit_For(self, node: cst.For) -> None:
        self._bind_target(node.target)

    def visit_CompFor(self, node: cst.CompFor) -> None:
        self._bind_target(node.target)

    def visit_WithItem(self, node: cst.WithItem) -> None:
        if node.asname is not None:
            self._bind_target(node.asname.name)

    def visit_ExceptHandler(self, node: cst.ExceptHandler) -> None:
        if node.name is not None:
            self._bind_target(node.name.name)

    def visit_NamedExpr(self, node: cst.NamedExpr) -> None:
        self._bind_target(node.target)
        if isinstance(node.target, cst.Name):
            self.opaque_names.add(node.target.value)

    def visit_Global(self, node: cst.Global) -> None:
        self.opaque_names.update(n.name.value for n in node.names)

    visit_Nonlocal = visit_Global  # type: ignore[assignment]

    # -- imports --------------------------------------------------------------------------
    def visit_Import(self, node: cst.Import) -> bool:
        found = False
        for alias in node.names:
            qual = module_name(alias.name)
            if alias.asname is not None:
                local = alias.asname.name.value  # type: ignore[union-attr]
                bound_qual = qual
            else:
                local = qual.split(".", 1)[0]
                bound_qual = local
            found |= self._record(local, qual, bound_qual, True, node, alias)
        if found:
            self.import_nodes.append(node)
            self.uses_torch = True
        return False

    def _record(self, local: str, qual: str, bound_qual: str, is_module: bool, node: cst.CSTNode, alias: cst.ImportAlias) -> bool:
        """Record what an import binds; True when it is a torch/torchvision name."""
        if is_torch_name(qual):
            self.bindings[local] = self.alias_bindings[id(alias)] = ImportBinding(local, bound_qual, is_module, node, alias)
            return True
        self.other_imports.add(local)
        self.other_qualnames[local] = qual if not is_module else bound_qual
        if self._stack:
            self._bind(local)
        else:
            self.module_locals.add(local)
        return False

    def visit_ImportFrom(self, node: cst.ImportFrom) -> bool:
        level = len(node.relative)
        base = resolve_relative(self.package, level, module_name(node.module))
        if isinstance(node.names, cst.ImportStar) or base is None:
            return False
        found = False
        for alias in node.names:
            name = alias.name.value  # type: ignore[union-attr]
            local = alias.asname.name.value if alias.asname is not None else name  # type: ignore[union-attr]
            qual = f"{base}.{name}" if base else name
            found |= self._record(local, qual, qual, False, node, alias)
        if found:
            self.import_nodes.append(node)
            self.uses_torch = True
        return False


def outer_parts(node: cst.FunctionDef | cst.Lambda | cst.ClassDef) -> list[cst.CSTNode]:
    """The parts of a function, lambda or class evaluated in the enclosing scope: decorators,
    default values, annotations, bases."""
    if isinstance(node, cst.ClassDef):
        return [*node.decorators, *node.bases, *node.keywords]
    parts: list[cst.CSTNode] = list(node.decorators) if isinstance(node, cst.FunctionDef) else []
    for param in _all_params(node.params):
        if param.default is not None:
            parts.append(param.default)
        if isinstance(node, cst.FunctionDef) and param.annotation is not None:
            parts.append(param.annotation)
    if isinstance(node, cst.FunctionDef) and node.returns is not None:
        parts.append(node.returns)
    return parts


def _all_params(params: cst.Parameters) -> list[cst.Param]:
    out = [*params.posonly_params, *params.params, *params.kwonly_params]
    if isinstance(params.star_arg, cst.Param):
        out.append(params.star_arg)
    if params.star_kwarg is not None:
        out.append(params.star_kwarg)
    return out


all_params = _all_params
