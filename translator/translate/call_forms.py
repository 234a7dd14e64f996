"""Small pieces of the transformer's work that need no translator state: markers without their
code, a rule for the Paddle version translated for, ``functools.partial`` and ``next`` of a
layer's iterator methods, ``out=`` arguments, and handler results as typed values."""

from __future__ import annotations

import ast
import dataclasses

import libcst as cst

from ..diagnostics import MARKER, Severity
from ..rules import ApiRule
from .arguments import binding_partially
from .registry import Refusal, Refused, Removed, Rewritten, RuleCrash
from .syntax import COMMA, _code, _version_tuple, fix_commas

__all__ = [
    "_LAYER_ITERATORS", "_is_partial", "leave_partial", "torch_init_partial", "_next_of_iterator_method", "_out_argument", "_same_expression",
    "_typed", "_uncoded", "_versioned_rule", "_without_arg", "would_change",
]


def _uncoded(marker: str) -> str:
    """A marker comment without its code (``T2P001 ``), so that a marker written before codes
    existed (or with another code) is recognised on a second translation."""
    head, sep, rest = marker.partition(f"{MARKER}: ")
    if sep and rest[:3] == "T2P" and rest[3:6].isdigit() and rest[6:7] == " ":
        rest = rest[7:]
    return head + sep + rest


def _versioned_rule(rule: ApiRule, target: str | None) -> ApiRule:
    """``rule`` for the Paddle version translated for (None: the newest): its ``since`` arguments
    no longer ``unsupported`` where the version has them, their reason naming the version where not."""
    unsupported = dict(rule.unsupported)
    drop_if = dict(rule.drop_if)
    defaults = {p.name: p.default for p in rule.params or () if p.default is not None}
    for name, version in rule.since.items():
        if target is None or _version_tuple(version) <= _version_tuple(target):
            unsupported.pop(name, None)
            if name in defaults:  # written at its default, left out as before: older Paddle runs it too
                drop_if.setdefault(name, defaults[name])
        else:
            unsupported[name] += f" (Paddle >= {version} has it; translating for Paddle {target})"
    return dataclasses.replace(rule, unsupported=unsupported, drop_if=drop_if, since={})


def leave_partial(tr, original: cst.Call, updated: cst.Call) -> cst.BaseExpression:  # type: ignore[no-untyped-def]
    """``functools.partial(F, *args, **kwargs)`` of a torch function ``F``: ``F(*args,
    **kwargs)`` translated by its rule, wrapped in ``partial`` again (its renamed and
    converted arguments with it); refused as a call would be, and when the rule's translation
    needs an argument the partial leaves to its call (``partial(torch.std, unbiased=False)``:
    the input)."""
    func = original.args[0].value
    qual = tr.scopes.resolve(func)
    rule = tr.table.apis.get(qual) if qual is not None else None
    if rule is None or rule.kind != "function":
        return updated
    inner_original = cst.Call(func=func, args=original.args[1:])
    inner_updated = cst.Call(func=updated.args[0].value, args=updated.args[1:])
    first = len(tr.diags)
    try:
        with binding_partially(inner_original, inner_updated):
            result = torch_init_partial(tr, tr.leave_Call(inner_original, inner_updated))
    except RuleCrash as crash:
        name = crash.exc.args[0] if isinstance(crash.exc, KeyError) and crash.exc.args else None
        if name not in _required(rule) or any(a.keyword is not None and a.keyword.value == name for a in original.args):
            raise
        del tr.diags[first:]
        message = f"the translation of {rule.torch} needs {name!r}, which this partial leaves to its call; left unchanged"
        tr.report(original, rule.torch, message, Severity.ERROR, kind=Refusal.UNSUPPORTED_USE)
        return tr.keep_torch(original)
    for i in range(first, len(tr.diags)):  # positions: the partial call as written
        node, fallback, *rest = tr.diags[i]
        inner = {id(inner_original), id(inner_updated)}
        tr.diags[i] = (original if id(node) in inner else node, original if id(fallback) in inner else fallback, *rest)
    if isinstance(result, cst.Call) and all(a.star != "**" or i == len(result.args) - 1 for i, a in enumerate(result.args)):
        args = [cst.Arg(result.func, comma=COMMA), *result.args]
        return updated.with_changes(args=fix_commas(updated.args, args))
    if result is inner_updated:
        return updated
    message = "this partial's function becomes an expression, not a call; left unchanged"
    tr.report(original, rule.torch, message, Severity.ERROR, kind=Refusal.UNSUPPORTED_USE)
    return tr.keep_torch(original)


def _required(rule: ApiRule) -> set[str]:
    """The parameters of the rule's torch signature that a call must give."""
    return {p.name for p in rule.params or () if p.default is None and p.kind in ("positional", "keyword")}


def torch_init_partial(tr, result: cst.BaseExpression) -> cst.BaseExpression:  # type: ignore[no-untyped-def]
    """The translation of ``F(...)`` inside ``partial(F, ...)`` as a partial can take it: a layer
    made with ``--torch-init`` is ``_torch_init(Layer(...))``, whose function ``_torch_init`` takes
    a built layer, so the partial's function becomes ``_torch_init_build`` with the class first
    (``partial(_torch_init_build, paddle.nn.Linear, bias_attr=False)``)."""
    if not (isinstance(result, cst.Call) and isinstance(result.func, cst.Name) and result.func.value == "_torch_init"
            and len(result.args) == 1 and isinstance(result.args[0].value, cst.Call)):
        return result
    inner = result.args[0].value
    tr.need_support("_torch_init_build")
    return inner.with_changes(func=cst.Name("_torch_init_build"), args=[cst.Arg(inner.func), *inner.args])


def _is_partial(call: cst.Call) -> bool:
    """``partial(F, ...)`` or ``functools.partial(F, ...)`` with ``F`` given positionally."""
    func = call.func
    named = (isinstance(func, cst.Name) and func.value == "partial") or (
        isinstance(func, cst.Attribute) and func.attr.value == "partial"
        and isinstance(func.value, cst.Name) and func.value.value == "functools"
    )
    return named and bool(call.args) and call.args[0].keyword is None and not call.args[0].star


# torch.nn.Module methods that return a generator in torch and a list in Paddle
_LAYER_ITERATORS = frozenset("parameters buffers children modules named_parameters named_buffers named_children named_modules".split())


def _next_of_iterator_method(original: cst.Call, updated: cst.Call) -> cst.Call:
    """``next(model.parameters())`` -> ``next(iter(model.parameters()))``: Paddle's is a list.
    ``iter`` of a generator is the generator itself, so this is right whatever ``model`` is."""
    if not (isinstance(original.func, cst.Name) and original.func.value == "next" and original.args):
        return updated
    arg = original.args[0].value
    if not (isinstance(arg, cst.Call) and isinstance(arg.func, cst.Attribute) and arg.func.attr.value in _LAYER_ITERATORS):
        return updated
    first = updated.args[0]
    return updated.with_changes(args=[first.with_changes(value=cst.Call(cst.Name("iter"), [cst.Arg(first.value)])), *updated.args[1:]])


def _out_argument(rule: ApiRule, call: cst.Call) -> tuple[cst.Arg, int] | None:
    """The ``out=`` argument of a function call whose entry cannot pass it on, and its index."""
    if rule.kind != "function" or "out" not in rule.unsupported:
        return None
    for i, arg in enumerate(call.args):
        if arg.keyword is not None and arg.keyword.value == "out" and not arg.star:
            if isinstance(arg.value, cst.Name) and arg.value.value == "None":
                return None
            return arg, i
    return None


def _without_arg(call: cst.Call, index: int) -> cst.Call:
    """``call`` without its argument at ``index``."""
    args = [a for i, a in enumerate(call.args) if i != index]
    return call.with_changes(args=fix_commas(call.args, args))


def _same_expression(a: cst.CSTNode, b: cst.CSTNode) -> bool:
    """Whether two expressions are the same code, however laid out (a rule's result is built
    on one line; the call it is compared with may have been split over lines by black)."""
    if a is b:
        return True
    recv_a, recv_b = _method_receiver(a), _method_receiver(b)
    if recv_a is not None and recv_a is recv_b:
        # the rule kept the method's receiver: it is not printed (in a chain of n method calls
        # each printed the n calls below it)
        a, b = _without_receiver(a), _without_receiver(b)  # type: ignore[arg-type]
    x, y = _code(a), _code(b)
    if x == y:
        return True
    try:
        return ast.dump(ast.parse(f"(\n{x}\n)", mode="eval")) == ast.dump(ast.parse(f"(\n{y}\n)", mode="eval"))
    except (SyntaxError, ValueError, RecursionError):
        return False


def _method_receiver(node: cst.CSTNode) -> cst.BaseExpression | None:
    if isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute):
        return node.func.value
    return None


def _without_receiver(call: cst.Call) -> cst.Call:
    func = call.func
    assert isinstance(func, cst.Attribute)
    return call.with_changes(func=func.with_changes(value=cst.Name("_")))


def _typed(result: object) -> Rewritten | Removed | Refused:
    """A handler's result as a typed value: ``Rewritten``, ``Removed`` or ``Refused`` as they
    are, a bare ``cst`` node as ``Rewritten(node)``; anything else (``None`` too) is a TypeError."""
    if isinstance(result, (Rewritten, Removed, Refused)):
        return result
    if isinstance(result, cst.CSTNode):
        return Rewritten(result)
    raise TypeError(
        f"a rule must give Rewritten(node), a cst node, Removed() or Refused(...), not {type(result).__name__}"
    )


def would_change(result: Rewritten | Removed | Refused | None, updated: cst.Call) -> bool:
    """What a dry run of a rule on a call says: True when its result changes the call (a rewrite
    that differs, a removal) or doubts (the handler cannot tell an operand's kind,
    ``t.mul_(std * k)``: the call may need translating); False for any other refusal (the rule
    would not apply to this call anyway)."""
    if isinstance(result, Refused):
        return result.severity is Severity.WARNING and not result.quiet
    if result is None:
        return False
    if isinstance(result, Removed):
        return True
    return not _same_expression(result.node, updated)
