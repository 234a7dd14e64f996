"""Tensor method rewrites whose arguments change shape: ``x.view(...)``, ``x.size(...)``."""

from __future__ import annotations

import libcst as cst

from ..context import TranslateContext
from ..registry import handler
from ...rules import ApiRule


def _shape_arg(ctx: TranslateContext, call: cst.Call, rule: ApiRule) -> cst.BaseExpression | None:
    """torch accepts ``f(2, 3)`` and ``f((2, 3))``; Paddle wants one list or tuple."""
    args = list(call.args)
    if any(a.keyword is not None for a in args):
        kw = [a for a in args if a.keyword is not None]
        if len(args) == 1 and kw[0].keyword.value in ("shape", "size"):  # type: ignore[union-attr]
            return kw[0].value
        ctx.error(call, rule.torch, "unexpected keyword arguments; left unchanged")
        return None
    if len(args) == 1:
        only = args[0]
        if only.star == "*":
            return cst.List([cst.StarredElement(only.value)])
        if only.star:
            ctx.error(call, rule.torch, "a shape passed with ** cannot be translated; left unchanged")
            return None
        value = only.value
        if isinstance(value, (cst.Tuple, cst.List)):
            return value
        if isinstance(value, (cst.Integer, cst.UnaryOperation)):
            return cst.List([cst.Element(value)])
        if isinstance(value, cst.Attribute) and value.attr.value == "shape":
            return value
        if isinstance(value, cst.Call) and isinstance(value.func, cst.Attribute) and value.func.attr.value == "size":
            return value
        ctx.warn(call, rule.torch, f"could not tell whether {ctx.code(value)!r} is one size or a shape; assumed a shape")
        return value
    if any(a.star for a in args):
        ctx.warn(call, rule.torch, "shape given through *args; assumed to be a sequence of sizes")
    elements = []
    for i, a in enumerate(args):
        comma = cst.MaybeSentinel.DEFAULT if i == len(args) - 1 else cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))
        if a.star == "*":
            elements.append(cst.StarredElement(a.value, comma=comma))
        else:
            elements.append(cst.Element(a.value, comma=comma))
    return cst.List(elements)


@handler("tensor_reshape")
def tensor_reshape(ctx: TranslateContext, call: cst.Call, rule: ApiRule) -> cst.BaseExpression | None:
    """``x.view(a, b)`` / ``x.reshape(a, b)`` -> ``x.reshape([a, b])``."""
    func = call.func
    assert isinstance(func, cst.Attribute)
    args = list(call.args)
    if len(args) == 1 and args[0].keyword is None and not args[0].star:
        v = args[0].value
        if ctx.rules.apis.get("torch.float32") is not None and _looks_like_dtype(ctx, v):
            ctx.error(call, rule.torch, "viewing a tensor as another dtype has no Paddle equivalent; left unchanged")
            return None
    shape = _shape_arg(ctx, call, rule)
    if shape is None:
        return None
    target = rule.paddle.rsplit(".", 1)[-1] if rule.paddle else "reshape"
    return call.with_changes(func=func.with_changes(attr=cst.Name(target)), args=[cst.Arg(shape)])


def _looks_like_dtype(ctx: TranslateContext, v: cst.BaseExpression) -> bool:
    code = ctx.code(v)
    return code.startswith(("paddle.float", "paddle.int", "paddle.bfloat", "paddle.uint", "paddle.bool", "paddle.complex"))


@handler("tensor_size")
def tensor_size(ctx: TranslateContext, call: cst.Call, rule: ApiRule) -> cst.BaseExpression | None:
    """``x.size()`` -> ``x.shape``; ``x.size(d)`` -> ``x.shape[d]``."""
    func = call.func
    assert isinstance(func, cst.Attribute)
    shape = cst.Attribute(value=func.value, attr=cst.Name("shape"))
    args = list(call.args)
    if not args:
        return shape
    if len(args) == 1 and not args[0].star and (args[0].keyword is None or args[0].keyword.value == "dim"):
        return cst.Subscript(value=shape, slice=[cst.SubscriptElement(cst.Index(args[0].value))])
    ctx.error(call, rule.torch, "unexpected arguments; left unchanged")
    return None
