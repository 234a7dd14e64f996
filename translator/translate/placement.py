"""Where and how a tensor or layer is made, translated for every function entry whose torch
signature lists the argument (as ``out=`` and the legacy loss arguments are):

* ``device=``, ``pin_memory=``: dropped (Paddle places tensors and layers on the current
  device, chosen once with ``paddle.device.set_device``);
* ``layout=torch.strided`` (or None) and ``memory_format=`` (any torch memory format, or None:
  they change strides, never values): dropped; another layout is left to the entry;
* ``dtype=`` of a layer class (``nn.Linear(..., dtype=torch.float64)``): the layer is built and
  then cast by the emitted ``_module_to``, which keeps integer buffers as torch does; a dtype
  that is None is dropped;
* ``requires_grad=`` of a function entry that lists it as ``unsupported`` (Paddle's function
  has no such argument): the call is translated without it and its result marked with the
  emitted ``_requires_grad_(result, flag)`` (``stop_gradient = not flag``); ``False`` is dropped;
* ``**kwargs`` whose dictionary is built in the same scope, once, from literal keys
  (``dd = dict(device=d, dtype=t)``, ``factory_kwargs = {"device": d, "dtype": t}``): written
  out as ``device=dd["device"], dtype=dd["dtype"]`` first, so the above applies to each key.

An entry that lists the argument as ``unsupported`` keeps deciding itself (device names of
``torch.cuda.synchronize``)."""

from __future__ import annotations

from typing import Any

import libcst as cst

from ..rules import ApiRule
from .syntax import fix_commas, kw, literal_value

# the translator (rewrite.Translator, which imports this module): its ``scopes`` and ``pre``
Translator = Any

DROPPED = ("device", "pin_memory", "layout", "memory_format")
_LAYOUTS = ("torch.strided",)
_FORMATS = ("torch.contiguous_format", "torch.preserve_format", "torch.channels_last", "torch.channels_last_3d")


def is_layer_class(rule: ApiRule) -> bool:
    """A torch layer class (``torch.nn.Linear``): its dtype is a cast of the built layer."""
    return rule.kind == "function" and rule.torch.startswith("torch.nn.") and rule.name[:1].isupper()


def handled(rule: ApiRule, name: str) -> bool:
    """Whether this module translates argument ``name`` of ``rule``'s calls."""
    if rule.params is None or rule.param(name) is None or name in rule.unsupported and name != "dtype":
        return False
    if name == "dtype":
        return is_layer_class(rule) and rule.param("dtype") is not None and "dtype" in rule.unsupported
    return name in DROPPED


def droppable(tr: Translator, name: str, value: cst.BaseExpression) -> bool:
    """Whether ``name=value`` can go without changing the result."""
    if literal_value(value) is None:
        return True
    if name == "layout":
        return tr.scopes.resolve(value) in _LAYOUTS
    if name == "memory_format":
        return tr.scopes.resolve(value) in _FORMATS
    return True


def static_dict(tr: Translator, name: str) -> list[tuple[str, cst.BaseExpression]] | None:
    """The (key, value) items of the dictionary ``name`` holds when it is assigned exactly once in
    the current function (or at module level, for a module-level name) from ``dict(k=v, ...)``
    or ``{"k": v, ...}`` with literal keys; None otherwise."""
    function = tr.scopes.current_function()
    if function is not None and name in function.names:
        owner: cst.CSTNode = function.node
    else:
        # a module-level name: not bound by an enclosing scope, not a torch import
        if tr.scopes.shadowed(name) or tr.scopes.resolve(cst.Name(name)) is not None or name not in tr.pre.module_locals:
            return None
        owner = tr.module_node
    finder = _Assignments(name)
    owner.visit(finder) if isinstance(owner, cst.Module) else owner.body.visit(finder)  # type: ignore[attr-defined]
    values = finder.values
    if len(values) != 1 or values[0] is None:
        return None
    value = values[0]
    items: list[tuple[str, cst.BaseExpression]] = []
    if isinstance(value, cst.Call) and isinstance(value.func, cst.Name) and value.func.value == "dict":
        for a in value.args:
            if a.keyword is None or a.star:
                return None
            items.append((a.keyword.value, a.value))
        return items
    if isinstance(value, cst.Dict):
        for el in value.elements:
            if not isinstance(el, cst.DictElement):
                return None
            key = literal_value(el.key)
            if not isinstance(key, str) or not key.isidentifier():
                return None
            items.append((key, el.value))
        return items
    return None


class _Assignments(cst.CSTVisitor):
    """The values assigned to ``name`` in one scope (None for a binding that is not ``name = v``:
    augmented, annotated without a value, a loop target, a ``with``/``del``/import of it),
    not looking into nested functions, classes and lambdas."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.values: list[cst.BaseExpression | None] = []

    def _is(self, target: cst.CSTNode) -> bool:
        return isinstance(target, cst.Name) and target.value == self.name

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        if self._is(node.name):
            self.values.append(None)
        return False

    def visit_ClassDef(self, node: cst.ClassDef) -> bool:
        if self._is(node.name):
            self.values.append(None)
        return False

    def visit_Lambda(self, node: cst.Lambda) -> bool:
        return False

    def visit_Assign(self, node: cst.Assign) -> None:
        for t in node.targets:
            if self._is(t.target):
                self.values.append(node.value)
            elif any(self._is(n) for n in _names(t.target)):
                self.values.append(None)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        if self._is(node.target):
            self.values.append(node.value)

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        if self._is(node.target):
            self.values.append(None)

    def visit_For(self, node: cst.For) -> None:
        if any(self._is(n) for n in _names(node.target)):
            self.values.append(None)

    def visit_AsName(self, node: cst.AsName) -> None:
        if any(self._is(n) for n in _names(node.name)):
            self.values.append(None)

    def visit_NamedExpr(self, node: cst.NamedExpr) -> None:
        if self._is(node.target):
            self.values.append(None)


def _names(target: cst.CSTNode) -> list[cst.Name]:
    if isinstance(target, cst.Name):
        return [target]
    if isinstance(target, (cst.Tuple, cst.List)):
        return [n for el in target.elements for n in _names(el.value)]
    if isinstance(target, cst.StarredElement):
        return _names(target.value)
    return []


def _subscript(name: str, key: str) -> cst.Subscript:
    return cst.Subscript(value=cst.Name(name), slice=[cst.SubscriptElement(cst.Index(cst.SimpleString(f'"{key}"')))])


def expand_kwargs(tr: Translator, rule: ApiRule, call: cst.Call) -> cst.Call | None:
    """``f(x, **dd)`` -> ``f(x, device=dd["device"], dtype=dd["dtype"])`` when ``dd`` is a
    dictionary built in this scope (``static_dict``) whose keys the entry's signature has and
    none of them is also given by keyword; None when nothing is expanded."""
    if rule.params is None:
        return None
    given = {a.keyword.value for a in call.args if a.keyword is not None}
    args: list[cst.Arg] = []
    changed = False
    for a in call.args:
        if a.star == "**" and isinstance(a.value, cst.Name):
            items = static_dict(tr, a.value.value)
            if items and all(rule.param(k) is not None and k not in given for k, _ in items):
                args.extend(kw(k, _subscript(a.value.value, k)) for k, _ in items)
                given.update(k for k, _ in items)
                changed = True
                continue
        args.append(a)
    return call.with_changes(args=fix_commas(call.args, args)) if changed else None


def placed(tr: Translator, rule: ApiRule, call: cst.Call) -> tuple[cst.Call, cst.BaseExpression | None] | None:
    """``call`` without the arguments this module translates, and the dtype its layer is cast to
    afterwards (None: no cast); None when the call has none of them."""
    args: list[cst.Arg] = []
    dtype: cst.BaseExpression | None = None
    changed = False
    for a in call.args:
        name = a.keyword.value if a.keyword is not None else None
        if name is not None and not a.star and handled(rule, name):
            if name == "dtype":
                if literal_value(a.value) is not None:
                    dtype = a.value
                changed = True
                continue
            if droppable(tr, name, a.value):
                changed = True
                continue
        args.append(a)
    if not changed:
        return None
    return call.with_changes(args=fix_commas(call.args, args) if args else []), dtype


def requires_grad(rule: ApiRule, call: cst.Call) -> tuple[cst.Call, cst.BaseExpression | None] | None:
    """``call`` without its ``requires_grad=`` keyword and the flag its result gets (None: the
    literal False, dropped), for a function entry listing ``requires_grad`` as ``unsupported``;
    None when the call has no such keyword (a positional one is left to the entry)."""
    if rule.kind != "function" or "requires_grad" not in rule.unsupported or rule.param("requires_grad") is None:
        return None
    for a in call.args:
        if a.keyword is not None and a.keyword.value == "requires_grad" and not a.star:
            rest = [b for b in call.args if b is not a]
            flag = None if literal_value(a.value) is False else a.value
            return call.with_changes(args=fix_commas(call.args, rest) if rest else []), flag
    return None


def dropped_values(tr: Translator, rule: ApiRule, call: cst.Call) -> list[cst.BaseExpression]:
    """The argument values ``placed`` will drop from ``call`` (known before its arguments are
    translated, so that a ``torch.strided`` inside is not reported on its own)."""
    return [
        a.value for a in call.args
        if a.keyword is not None and not a.star and a.keyword.value != "dtype"
        and handled(rule, a.keyword.value) and droppable(tr, a.keyword.value, a.value)
    ]
