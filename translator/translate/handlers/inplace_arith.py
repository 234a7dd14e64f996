"""In-place arithmetic methods: ``x.add_(y)``, ``sub_``, ``mul_``, ``div_`` (and ``subtract_``,
``multiply_``, ``divide_``).

Paddle's ``add_``/``subtract_``/``multiply_``/``divide_`` take a tensor only, and a tensor of
the receiver's dtype (a ``bool`` mask or a ``float64`` operand raises, or on Paddle 2.6 gives
garbage); a Python number goes through ``x.scale_(...)``.  Where the kinds are known the call
becomes one of those; where they are not (an operand such as ``std * k`` that may be a number
or a tensor, a receiver of unknown kind: ``tensor.mul_(std * math.sqrt(2.0))`` in a weight
initializer) it becomes a support function that decides at run time and computes torch's
result whatever it gets (``_torch_mul_(tensor, std * math.sqrt(2.0))``).  The entries set
``unknown_receiver = "translate"``, so a receiver of unknown kind is translated too: the support
function calls the method as written on anything that is not a Paddle tensor.
"""

from __future__ import annotations

import libcst as cst

from ...rules import ApiRule
from ..registry import Refusal, TranslateContext, handler
from ._common import (
    SPACE,
    Outcome,
    atom,
    is_number_literal,
    kw,
    literal_is,
    make_call,
    method_call,
    receiver,
    refuse,
    refused,
    snippet,
)

# torch method -> (Paddle's in-place method for a tensor operand, the support function)
_FORMS = {
    "add_": ("add_", "_torch_add_"),
    "sub_": ("subtract_", "_torch_sub_"),
    "subtract_": ("subtract_", "_torch_sub_"),
    "mul_": ("multiply_", "_torch_mul_"),
    "multiply_": ("multiply_", "_torch_mul_"),
    "div_": ("divide_", "_torch_div_"),
    "divide_": ("divide_", "_torch_div_"),
}


def _scaled(other: cst.BaseExpression, alpha: cst.BaseExpression | None) -> cst.BaseExpression:
    if alpha is None or literal_is(alpha, "1"):
        return other
    times = cst.Multiply(whitespace_before=SPACE, whitespace_after=SPACE)
    return cst.BinaryOperation(left=atom(alpha), operator=times, right=atom(other))


def _number_form(call: cst.Call, name: str, value: cst.BaseExpression) -> cst.Call:
    """``x.<name>(<number literal>)`` as ``x.scale_(...)``."""
    if name == "add_":
        return method_call(call, "scale_", [kw("bias", value)])
    if name in ("sub_", "subtract_"):
        return method_call(call, "scale_", [kw("bias", cst.UnaryOperation(operator=cst.Minus(), expression=atom(value)))])
    if name in ("mul_", "multiply_"):
        return method_call(call, "scale_", [cst.Arg(value)])
    slash = cst.Divide(whitespace_before=SPACE, whitespace_after=SPACE)
    return method_call(call, "scale_", [cst.Arg(cst.BinaryOperation(left=cst.Float("1.0"), operator=slash, right=atom(value)))])


@handler("inplace_arith")
def inplace_arith(ctx: TranslateContext, call: cst.Call, rule: ApiRule) -> Outcome:
    """``x.add_(y)``/``sub_``/``mul_``/``div_``: on a tensor ``x``, with a tensor ``y`` Paddle's
    ``add_``/``subtract_``/``multiply_``/``divide_``, with a number literal ``x.scale_(...)``;
    anything the kinds do not settle, ``_torch_add_(x, y)`` (support code deciding at run time)."""
    method, support = _FORMS[rule.name]
    recv = receiver(call)
    if any(a.star for a in call.args):
        # `x.add_(*args, **kwargs)`: the support function takes torch's arguments as they are
        args = [a.with_changes(comma=cst.MaybeSentinel.DEFAULT) for a in call.args]
        return make_call(cst.Name(ctx.support(support)), [cst.Arg(recv), *args])
    bound = ctx.bind(call, rule)
    if refused(bound):
        return bound
    other = bound.get("other")
    if other is None:
        return refuse(Refusal.CANNOT_BIND, "needs other; left unchanged")
    alpha = bound.get("alpha")
    rounding = bound.get("rounding_mode")
    if rounding is not None and not literal_is(rounding, "None"):
        # `x.div_(y, rounding_mode="floor")`: Paddle's in-place methods have no rounding mode
        return make_call(cst.Name(ctx.support(support)), [cst.Arg(recv), cst.Arg(other), kw("rounding_mode", rounding)])
    if ctx.is_tensor(recv):
        if is_number_literal(other) and (alpha is None or is_number_literal(alpha)):
            return _number_form(call, rule.name, _scaled(other, alpha))
        if ctx.is_tensor(other) or (rule.name == method and alpha is None and ctx.is_paddle_tensor(other)):
            # a Paddle tensor operand of Paddle's own spelling (`x.subtract_(paddle.to_tensor(
            # ...))`, a translation read again) is already right
            return method_call(call, method, [cst.Arg(_scaled(other, alpha))])
    args = [cst.Arg(recv), cst.Arg(other)]
    if alpha is not None:
        args.append(kw("alpha", alpha))
    return make_call(cst.Name(ctx.support(support)), args)


snippet("_torch_inplace_arith", '''
def _torch_inplace_arith(x, other, op):
    """torch's in-place x.add_/sub_/mul_/div_(other) (op: "add", "subtract",
    "multiply", "divide") on a Paddle tensor x, other a tensor or a number: the
    result is written into x in x's dtype, computed in the wider float dtype of the
    two as torch computes it; a float operand (or a true division) into an integer
    x raises, as in torch."""
    tensor = isinstance(other, paddle.Tensor)
    floats = other.is_floating_point() if tensor else isinstance(other, float)
    if not x.is_floating_point() and (floats or op == "divide"):
        raise RuntimeError(f"a float result cannot be written into a {x.dtype} tensor")
    if not tensor:
        other = paddle.full([], other, dtype=x.dtype)
    if other.dtype != x.dtype:
        if other.is_floating_point() and other.element_size() > x.element_size():
            wide = getattr(paddle, op)(x.astype(other.dtype), other)
            return paddle.assign(wide.astype(x.dtype), output=x)
        other = other.astype(x.dtype)
    return getattr(x, op + "_")(other)
''')

snippet("_torch_add_", '''
def _torch_add_(x, other, alpha=1):
    """torch's x.add_(other, alpha=alpha), other a tensor or a number (a receiver
    that is not a Paddle tensor has its own add_ called)."""
    if not isinstance(x, paddle.Tensor):
        return x.add_(other) if alpha == 1 else x.add_(other, alpha=alpha)
    return _torch_inplace_arith(x, other if alpha == 1 else alpha * other, "add")
''', deps=("_torch_inplace_arith",))

snippet("_torch_sub_", '''
def _torch_sub_(x, other, alpha=1):
    """torch's x.sub_(other, alpha=alpha), other a tensor or a number (a receiver
    that is not a Paddle tensor has its own sub_ called)."""
    if not isinstance(x, paddle.Tensor):
        return x.sub_(other) if alpha == 1 else x.sub_(other, alpha=alpha)
    return _torch_inplace_arith(x, other if alpha == 1 else alpha * other, "subtract")
''', deps=("_torch_inplace_arith",))

snippet("_torch_mul_", '''
def _torch_mul_(x, other):
    """torch's x.mul_(other), other a tensor or a number (a receiver that is not a
    Paddle tensor has its own mul_ called)."""
    if not isinstance(x, paddle.Tensor):
        return x.mul_(other)
    return _torch_inplace_arith(x, other, "multiply")
''', deps=("_torch_inplace_arith",))

snippet("_torch_div_", '''
def _torch_div_(x, other, rounding_mode=None):
    """torch's x.div_(other, rounding_mode=rounding_mode), other a tensor or a number
    (a receiver that is not a Paddle tensor has its own div_ called)."""
    if not isinstance(x, paddle.Tensor):
        return x.div_(other) if rounding_mode is None else x.div_(other, rounding_mode=rounding_mode)
    if rounding_mode is None:
        return _torch_inplace_arith(x, other, "divide")
    return _torch_div_rounded(x, other, rounding_mode)
''', deps=("_torch_inplace_arith", "_torch_div_rounded"))

snippet("_torch_div_rounded", '''
def _torch_div_rounded(x, other, rounding_mode):
    """torch's x.div_(other, rounding_mode=rounding_mode) on a Paddle tensor x, other
    a tensor or a number ("floor" or "trunc"; anything else raises). "trunc" rounds
    the quotient toward zero; "floor" is torch's floor division, (x - remainder) /
    other rounded (1.0 // 0.1 is 9, not floor(1.0 / 0.1) = 10). Integer tensors are
    divided in float64 (exact below 2**53); the result is written into x."""
    if rounding_mode not in ("floor", "trunc"):
        raise ValueError(f"div_ expected rounding_mode to be one of None, 'trunc', or 'floor' but found '{rounding_mode}'")
    tensor = isinstance(other, paddle.Tensor)
    floats = other.is_floating_point() if tensor else isinstance(other, float)
    if not x.is_floating_point() and floats:
        raise RuntimeError(f"a float result cannot be written into a {x.dtype} tensor")
    dtype = x.dtype if x.is_floating_point() else paddle.float64
    if tensor and other.is_floating_point() and other.element_size() > x.element_size():
        dtype = other.dtype
    a = x.astype(dtype)
    b = other.astype(dtype) if tensor else paddle.full([], other, dtype=dtype)
    if rounding_mode == "trunc":
        q = paddle.trunc(a / b)
    else:
        d = (a - paddle.remainder(a, b)) / b
        q = paddle.floor(d)
        q = paddle.where(d - q > 0.5, q + 1, q)
        q = paddle.where(b == 0, a / b, q)
    return paddle.assign(q.astype(x.dtype), output=x)
''')
