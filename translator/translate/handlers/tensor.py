"""Tensor method rewrites whose arguments change shape: ``x.view(...)``, ``x.size(...)``."""

from __future__ import annotations

import libcst as cst

from ...rules import ApiRule
from ..registry import Refusal, TranslateContext, handler
from ._common import VIEW_SHAPE, Outcome, is_dtype, refuse, refused, shape_argument


@handler("tensor_reshape")
def tensor_reshape(ctx: TranslateContext, call: cst.Call, rule: ApiRule) -> Outcome:
    """``x.view(a, b)`` / ``x.reshape(a, b)`` -> ``x.reshape([a, b])``."""
    func = call.func
    assert isinstance(func, cst.Attribute)
    args = list(call.args)
    if len(args) == 1 and args[0].keyword is None and not args[0].star:
        v = args[0].value
        # a dtype: torch.int32, another tensor's .dtype, or paddle.int32 (a translation read again)
        if ctx.rules.apis.get("torch.float32") is not None and is_dtype(ctx, v):
            return refuse(Refusal.UNSUPPORTED_ARGUMENT, "viewing a tensor as another dtype has no Paddle equivalent; left unchanged")
    shape = shape_argument(ctx, call, rule, list(call.args), VIEW_SHAPE, ("shape", "size"))
    if refused(shape):
        return shape
    target = rule.paddle.rsplit(".", 1)[-1] if rule.paddle else "reshape"
    return call.with_changes(func=func.with_changes(attr=cst.Name(target)), args=[cst.Arg(shape)])


@handler("tensor_size")
def tensor_size(ctx: TranslateContext, call: cst.Call, rule: ApiRule) -> Outcome:
    """``x.size()`` -> ``x.shape``; ``x.size(d)`` -> ``x.shape[d]``."""
    func = call.func
    assert isinstance(func, cst.Attribute)
    shape = cst.Attribute(value=func.value, attr=cst.Name("shape"))
    args = list(call.args)
    if not args:
        return shape
    if len(args) == 1 and not args[0].star and (args[0].keyword is None or args[0].keyword.value == "dim"):
        return cst.Subscript(value=shape, slice=[cst.SubscriptElement(cst.Index(args[0].value))])
    return refuse(Refusal.CANNOT_BIND, "unexpected arguments; left unchanged")
