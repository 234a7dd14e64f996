"""In-place activations whose input is read again.

``inplace=True`` is dropped from torch's activation layers: the result is the same unless some
code reads the activation's *input* afterwards. That happens when a block starts with an
in-place activation and its input is also used by a shortcut::

    self.body = nn.Sequential(nn.ReLU(inplace=True), nn.Conv2d(c, c, 3, padding=1))
    ...
    def forward(self, x):
        return self.body(x) + x        # torch adds relu(x): the ReLU overwrote x

This pass finds, in the torch source, the layer attributes of a class whose first operation is an
in-place activation (``self.act = nn.ReLU(inplace=True)``, or an ``nn.Sequential`` starting with
one), called on a name that the same method reads again (later in the statement or in a later
statement, directly or through an alias made before the call) before assigning it anew. Only
those constructions are changed in the translation: the activation is wrapped in the support
layer ``TorchInplace``, which writes its result into its input, as torch does. Everywhere else
``inplace`` stays dropped (nobody can see the difference).
"""

from __future__ import annotations

import libcst as cst

from .resolve import dotted_name as _dotted
from .support import SNIPPETS, Snippet

__all__ = ["may_need", "observed_inplace", "wrap_inplace"]

_ACTIVATIONS = frozenset(
    "ReLU ReLU6 LeakyReLU ELU SELU CELU Hardtanh Hardswish Hardsigmoid SiLU Mish Threshold RReLU".split()
)

SNIPPETS["TorchInplace"] = Snippet(
    code='''
class TorchInplace(paddle.nn.Layer):
    """torch's ``inplace=True`` activation where the code reads the activation's input
    again (a shortcut around the block): the result is written into the input, as torch
    does."""

    def __init__(self, layer: paddle.nn.Layer) -> None:
        super().__init__()
        self.layer = layer

    def forward(self, x: paddle.Tensor) -> paddle.Tensor:
        paddle.assign(self.layer(x), x)
        return x
'''.lstrip("\n"),
    paddle=True,
)


def may_need(code: str) -> bool:
    return "inplace=True" in code


def _qual(node: cst.BaseExpression, bindings: dict) -> str | None:
    name = _dotted(node)
    if name is None:
        return None
    head, _, rest = name.partition(".")
    binding = bindings.get(head)
    if binding is None:
        return None
    return f"{binding.qualname}.{rest}" if rest else binding.qualname


def _inplace_activation(call: cst.BaseExpression, bindings: dict) -> bool:
    if not isinstance(call, cst.Call):
        return False
    qual = _qual(call.func, bindings)
    if qual is None or not qual.startswith("torch.nn.") or qual.rsplit(".", 1)[-1] not in _ACTIVATIONS:
        return False
    return any(
        a.keyword is not None and a.keyword.value == "inplace" and isinstance(a.value, cst.Name) and a.value.value == "True"
        for a in call.args
    )


def _starts_inplace(value: cst.BaseExpression, bindings: dict) -> bool:
    """``nn.ReLU(inplace=True)`` or ``nn.Sequential(nn.ReLU(inplace=True), ...)``."""
    if _inplace_activation(value, bindings):
        return True
    if isinstance(value, cst.Call) and _qual(value.func, bindings) == "torch.nn.Sequential" and value.args:
        first = value.args[0]
        return first.star == "" and first.keyword is None and _inplace_activation(first.value, bindings)
    return False


def _self_attr(node: cst.BaseExpression) -> str | None:
    if isinstance(node, cst.Attribute) and isinstance(node.value, cst.Name) and node.value.value == "self":
        return node.attr.value
    return None


class _Events(cst.CSTVisitor):
    """In source order: reads of names, assignments of names, calls of ``self.<attr>(name)``."""

    def __init__(self, attrs: set[str]) -> None:
        self.attrs = attrs
        self.events: list[tuple[str, str, int]] = []  # (kind, name or attr, statement index)
        self.statement = 0
        self.call_args: set[int] = set()
        self.aliases: list[tuple[str, str, int]] = []  # (alias, name, statement)

    def visit_SimpleStatementLine(self, node: cst.SimpleStatementLine) -> None:
        self.statement += 1

    def visit_Attribute(self, node: cst.Attribute) -> None:
        self.call_args.add(id(node.attr))  # `self.body`: `body` is not a read of a name

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        return False  # nested functions are not followed

    def visit_Call(self, node: cst.Call) -> None:
        attr = _self_attr(node.func)
        if attr in self.attrs and len(node.args) >= 1 and isinstance(node.args[0].value, cst.Name):
            self.call_args.add(id(node.args[0].value))
            self.events.append(("call", f"{attr}\0{node.args[0].value.value}", self.statement))

    def visit_Assign(self, node: cst.Assign) -> None:
        if isinstance(node.value, cst.Name) and len(node.targets) == 1 and isinstance(node.targets[0].target, cst.Name):
            self.aliases.append((node.targets[0].target.value, node.value.value, self.statement))

    def visit_AssignTarget(self, node: cst.AssignTarget) -> bool:
        for name in _names(node.target):
            self.events.append(("store", name, self.statement))
        return False

    def visit_Name(self, node: cst.Name) -> None:
        if id(node) not in self.call_args:
            self.events.append(("load", node.value, self.statement))


def _names(target: cst.BaseExpression) -> list[str]:
    if isinstance(target, cst.Name):
        return [target.value]
    if isinstance(target, (cst.Tuple, cst.List)):
        return [n for el in target.elements for n in _names(el.value)]
    return []


def _observed(events: list[tuple[str, str, int]], aliases: list[tuple[str, str, int]]) -> set[str]:
    """The attributes called on a name that is read again before being assigned anew."""
    out: set[str] = set()
    for i, (kind, key, stmt) in enumerate(events):
        if kind != "call":
            continue
        attr, name = key.split("\0")
        # `x = self.act(x)`: x names the activated tensor afterwards, in torch and in Paddle
        rebound = any(k == "store" and n == name and s == stmt for k, n, s in events)
        watched = {a for a, n, s in aliases if n == name and s < stmt} | {name}
        for kind2, key2, stmt2 in events[i + 1:]:
            if key2 not in watched:
                continue
            if kind2 == "store" and stmt2 > stmt:
                watched.discard(key2)
                if not watched:
                    break
            elif kind2 == "load" and (stmt2 == stmt or not (rebound and key2 == name)):
                out.add(attr)
                break
    return out


def observed_inplace(module: cst.Module, bindings: dict) -> dict[str, set[str]]:
    """``{class name: attributes}`` whose in-place activation writes a tensor that is read again."""
    out: dict[str, set[str]] = {}
    for node in module.body:
        if not isinstance(node, cst.ClassDef):
            continue
        methods = [s for s in node.body.body if isinstance(s, cst.FunctionDef)]
        attrs: set[str] = set()
        for fn in methods:
            if fn.name.value != "__init__":
                continue
            for stmt in _walk_statements(fn.body):
                if isinstance(stmt, cst.Assign) and len(stmt.targets) == 1:
                    attr = _self_attr(stmt.targets[0].target)
                    if attr and _starts_inplace(stmt.value, bindings):
                        attrs.add(attr)
        if not attrs:
            continue
        seen: set[str] = set()
        for fn in methods:
            if fn.name.value == "__init__":
                continue
            events = _Events(attrs)
            fn.body.visit(events)
            seen |= _observed(events.events, events.aliases)
        if seen:
            out[node.name.value] = seen
    return out


def _walk_statements(block: cst.BaseSuite) -> list[cst.BaseSmallStatement]:
    out: list[cst.BaseSmallStatement] = []
    todo: list[cst.CSTNode] = [block]
    while todo:
        node = todo.pop()
        if isinstance(node, cst.SimpleStatementLine):
            out.extend(node.body)
        elif not isinstance(node, (cst.FunctionDef, cst.ClassDef, cst.BaseExpression)):
            todo.extend(node.children)
    return out


class _Wrap(cst.CSTTransformer):
    def __init__(self, observed: dict[str, set[str]]) -> None:
        self.observed = observed
        self.classes: list[str] = []
        self.wrapped = 0

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        self.classes.append(node.name.value)

    def leave_ClassDef(self, original_node: cst.ClassDef, updated_node: cst.ClassDef) -> cst.ClassDef:
        self.classes.pop()
        return updated_node

    def leave_Assign(self, original_node: cst.Assign, updated_node: cst.Assign) -> cst.Assign:
        attrs = self.observed.get(self.classes[-1]) if self.classes else None
        if not attrs or len(updated_node.targets) != 1 or _self_attr(updated_node.targets[0].target) not in attrs:
            return updated_node
        value = updated_node.value
        if not isinstance(value, cst.Call):
            return updated_node
        self.wrapped += 1
        if (_dotted(value.func) or "").endswith("Sequential") and value.args:
            first = value.args[0]
            args = [first.with_changes(value=_wrapped(first.value)), *value.args[1:]]
            return updated_node.with_changes(value=value.with_changes(args=args))
        return updated_node.with_changes(value=_wrapped(value))


def _wrapped(expr: cst.BaseExpression) -> cst.Call:
    return cst.Call(cst.Name("TorchInplace"), [cst.Arg(expr)])


def wrap_inplace(out: cst.Module, observed: dict[str, set[str]]) -> tuple[cst.Module, bool]:
    """The translated module with the observed in-place activations wrapped in ``TorchInplace``."""
    tr = _Wrap(observed)
    result = out.visit(tr)
    return result, tr.wrapped > 0
