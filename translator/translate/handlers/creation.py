"""``torch.zeros``/``ones``/``full``/``randn``/``randint``/``tensor`` and the other creation functions.

The size may be given as ``*size`` or as one sequence (Paddle takes one list, see
``_common.shape_argument``); device and layout arguments are dropped (Paddle places tensors on
the current device); ``requires_grad=True`` gives a tensor with ``stop_gradient=False``.
"""

from __future__ import annotations

import dataclasses

import libcst as cst

from ...rules import ApiRule
from ..registry import Refusal, TranslateContext, handler
from ._common import Outcome, with_arg, NOT_LITERAL, bind_supported, kw, literal_value, make_call, plain_rule, refuse, refused, CREATION_SIZE, shape_argument


# torch creation arguments with no Paddle meaning: Paddle places tensors on the current device
_PLACEMENT = ("device", "layout", "pin_memory", "memory_format")


def _requires_grad(ctx: TranslateContext, call: cst.Call, rule: ApiRule, result: cst.BaseExpression,
                   bound: dict[str, cst.BaseExpression]) -> cst.BaseExpression:
    """``requires_grad=True`` on a creation function: a Paddle tensor with stop_gradient=False."""
    value = bound.get("requires_grad")
    if value is None or literal_value(value) is False:
        return result
    flag: cst.BaseExpression
    if literal_value(value) is True:
        flag = cst.Name("False")
    else:
        flag = cst.UnaryOperation(operator=cst.Not(), expression=value)
    return make_call(ctx.ref("paddle.to_tensor"), [cst.Arg(result), kw("stop_gradient", flag)])


@handler("fn_creation")
def creation(ctx: TranslateContext, call: cst.Call, rule: ApiRule) -> Outcome:
    """``torch.zeros(2, 3, dtype=..., device=..., requires_grad=...)`` and friends.

    The size may be given as ``*size`` or one sequence; Paddle takes one list.  Device and
    layout arguments are dropped (Paddle uses the current device); ``requires_grad=True`` gives
    a tensor with ``stop_gradient=False``.
    """
    params = rule.params or ()
    varargs = next((p for p in params if p.kind == "varargs"), None)
    args = list(call.args)
    if varargs is not None:
        sized = [a for a in args if a.keyword is None or a.keyword.value == "size"]
        rest = [a for a in args if not (a.keyword is None or a.keyword.value == "size")]
        if not sized:
            return refuse(Refusal.CANNOT_BIND, "no size given; left unchanged")
        if len(sized) > 1 and any(a.keyword is not None for a in sized):
            return refuse(Refusal.CANNOT_BIND, "size given both by position and as size=; left unchanged")
        shape = shape_argument(ctx, call, rule, [a.with_changes(keyword=None, equal=cst.MaybeSentinel.DEFAULT) for a in sized], CREATION_SIZE)
        if refused(shape):
            return shape
        call = call.with_changes(args=[cst.Arg(shape), *rest])
        rule = dataclasses.replace(rule, params=(dataclasses.replace(varargs, kind="positional"),
                                                 *[p for p in params if p is not varargs]))
    bound = bind_supported(ctx, call, rule)
    if refused(bound):
        return bound
    if "fill_value" in bound and "dtype" not in bound and rule.name == "full":
        # torch infers the dtype from the fill value; Paddle's full defaults to float32
        lit = literal_value(bound["fill_value"])
        if isinstance(lit, bool):
            call = call.with_changes(args=[*call.args, kw("dtype", ctx.ref("paddle.bool"))])
        elif isinstance(lit, int):
            call = call.with_changes(args=[*call.args, kw("dtype", ctx.ref("paddle.int64"))])
        elif lit is NOT_LITERAL and not (isinstance(bound["fill_value"], cst.Call) and ctx.code(bound["fill_value"].func) == "float"):
            ctx.warn(call, rule.torch, "torch infers the dtype from fill_value, Paddle uses float32: give dtype= if it is an integer")
    new = ctx.rewrite(call, plain_rule(rule, *_PLACEMENT, "requires_grad"))
    if refused(new):
        return new
    return _requires_grad(ctx, call, rule, new, bound)


@handler("fn_randint")
def randint(ctx: TranslateContext, call: cst.Call, rule: ApiRule) -> Outcome:
    """``torch.randint(high, size)`` / ``torch.randint(low, high, size)`` -> ``paddle.randint(low, high, shape)``."""
    positional = [a for a in call.args if a.keyword is None]
    if any(a.star for a in call.args):
        return refuse(Refusal.UNSUPPORTED_ARGUMENT, "arguments passed with * or ** cannot be translated; left unchanged")
    keywords = {a.keyword.value for a in call.args if a.keyword is not None}
    if len(positional) == 2 and not keywords & {"size", "high"}:
        # the (high, size) overload: bind with low=0
        call = call.with_changes(args=[cst.Arg(cst.Integer("0")), *call.args])
    bound = bind_supported(ctx, call, rule)
    if refused(bound):
        return bound
    new = ctx.rewrite(call, plain_rule(rule, *_PLACEMENT, "requires_grad"))
    if refused(new):
        return new
    return _requires_grad(ctx, call, rule, new, bound)


@handler("fn_tensor")
def tensor(ctx: TranslateContext, call: cst.Call, rule: ApiRule) -> Outcome:
    """``torch.tensor(data, dtype=, device=, requires_grad=)`` -> ``paddle.to_tensor(...)``."""
    bound = bind_supported(ctx, call, rule)
    if refused(bound):
        return bound
    new = ctx.rewrite(call, plain_rule(rule, *_PLACEMENT, "requires_grad", "copy"))
    if refused(new):
        return new
    rg = bound.get("requires_grad")
    if rg is not None and literal_value(rg) is not False:
        flag = cst.Name("False") if literal_value(rg) is True else cst.UnaryOperation(cst.Not(), rg)
        new = with_arg(new, kw("stop_gradient", flag))
    return new
