"""``torch.*`` indexing, slicing, splitting and joining rewrites the rule table's data cannot express.
"""

from __future__ import annotations

import libcst as cst

from ...rules import ApiRule
from ..registry import Refusal, TranslateContext, handler
from ._common import Outcome, as_list, COMMA, NOT_LITERAL, bind_supported, is_simple, kw, literal_value, make_call, plain_rule, refuse, refused, snippet


# ----------------------------------------------------------------------------- selection ----

@handler("fn_where")
def where(ctx: TranslateContext, call: cst.Call, rule: ApiRule) -> Outcome:
    """``torch.where(c)`` is ``nonzero(c, as_tuple=True)``.  Number operands become tensors
    (Paddle's where does not promote a Python number to the other operand's dtype): a float is
    ``paddle.to_tensor(0.5)`` (float32, which float32/float64 tensors absorb), an int next to a
    tensor name is ``paddle.full_like(x, 0)`` (the tensor's dtype, as torch gives)."""
    bound = bind_supported(ctx, call, rule)
    if refused(bound):
        return bound
    if "input" not in bound and "other" not in bound:
        return _nonzero_tuple(ctx, bound["condition"])
    x, y = bound.get("input"), bound.get("other")
    if x is None or y is None:
        return refuse(Refusal.CANNOT_BIND, "torch.where needs both input and other, or neither; left unchanged")

    def as_tensor(value: cst.BaseExpression, other: cst.BaseExpression) -> cst.BaseExpression:
        lit = literal_value(value)
        if isinstance(lit, bool) or not isinstance(lit, (int, float)):
            return value
        if isinstance(lit, int) and is_simple(other, parenthesized=True) and not isinstance(literal_value(other), (int, float)):
            return make_call(ctx.ref("paddle.full_like"), [cst.Arg(other), cst.Arg(value)])
        return make_call(ctx.ref("paddle.to_tensor"), [cst.Arg(value)])

    x, y = as_tensor(x, y), as_tensor(y, x)
    return make_call(ctx.ref("paddle.where"), [cst.Arg(bound["condition"]), cst.Arg(x), cst.Arg(y)])


def _nonzero_tuple(ctx: TranslateContext, x: cst.BaseExpression) -> cst.BaseExpression:
    # paddle.nonzero(as_tuple=True) gives (n, 1) tensors in Paddle 2.6; unbind gives 1-D ones
    nz = make_call(ctx.ref("paddle.nonzero"), [cst.Arg(x)])
    return make_call(cst.Name("tuple"), [cst.Arg(make_call(ctx.ref("paddle.unbind"), [cst.Arg(nz), kw("axis", cst.Integer("1"))]))])


@handler("fn_nonzero")
def nonzero(ctx: TranslateContext, call: cst.Call, rule: ApiRule) -> Outcome:
    bound = bind_supported(ctx, call, rule)
    if refused(bound):
        return bound
    as_tuple = bound.get("as_tuple")
    if as_tuple is None or literal_value(as_tuple) is False:
        return make_call(ctx.ref("paddle.nonzero"), [cst.Arg(bound["input"])])
    if literal_value(as_tuple) is True:
        return _nonzero_tuple(ctx, bound["input"])
    return refuse(Refusal.UNSUPPORTED_ARGUMENT, f"as_tuple={ctx.code(as_tuple)} is not a literal; left unchanged")


@handler("fn_scatter")
def scatter(ctx: TranslateContext, call: cst.Call, rule: ApiRule) -> Outcome:
    """``torch.scatter(x, dim, index, src|value, reduce=)`` -> ``paddle.put_along_axis``."""
    bound = bind_supported(ctx, call, rule)
    if refused(bound):
        return bound
    values = bound.get("src", bound.get("value"))
    if values is None:
        return refuse(Refusal.CANNOT_BIND, "needs src or value; left unchanged")
    args = [cst.Arg(bound["input"]), cst.Arg(bound["index"]), cst.Arg(values), cst.Arg(bound["dim"])]
    reduce = "add" if rule.name == "scatter_add" else None
    if "reduce" in bound:
        lit = literal_value(bound["reduce"])
        if lit not in ("add", "multiply"):
            return refuse(Refusal.UNSUPPORTED_ARGUMENT, f"reduce={ctx.code(bound['reduce'])} is not translated; left unchanged")
        reduce = str(lit)
    if reduce is not None:
        args.append(kw("reduce", cst.SimpleString(f'"{reduce}"')))
    args.append(kw("broadcast", cst.Name("False")))
    return make_call(ctx.ref("paddle.put_along_axis"), args)


# ----------------------------------------------------------------------- dims and pieces ----

@handler("fn_transpose")
def transpose(ctx: TranslateContext, call: cst.Call, rule: ApiRule) -> Outcome:
    """``torch.transpose(x, d0, d1)`` swaps two dims: ``paddle.moveaxis(x, [d0, d1], [d1, d0])``
    (Paddle's transpose needs the whole permutation, which depends on the rank)."""
    bound = bind_supported(ctx, call, rule)
    if refused(bound):
        return bound
    params = rule.params or ()
    d0, d1 = bound[params[1].name], bound[params[2].name]
    if literal_value(d0) is not NOT_LITERAL and literal_value(d0) == literal_value(d1):
        return bound["input"]
    src = cst.List([cst.Element(d0, comma=COMMA), cst.Element(d1)])
    dst = cst.List([cst.Element(d1, comma=COMMA), cst.Element(d0)])
    return make_call(ctx.ref("paddle.moveaxis"), [cst.Arg(bound["input"]), cst.Arg(src), cst.Arg(dst)])


@handler("fn_split")
def split(ctx: TranslateContext, call: cst.Call, rule: ApiRule) -> Outcome:
    """``torch.split(x, n)`` cuts pieces of size n (the last may be smaller); Paddle's int means
    "this many pieces".  A list of sizes means the same in both."""
    bound = bind_supported(ctx, call, rule)
    if refused(bound):
        return bound
    sizes = bound["split_size_or_sections"]
    if isinstance(sizes, (cst.List, cst.Tuple)):
        return ctx.rewrite(call, plain_rule(rule))
    args = [cst.Arg(bound["tensor"]), cst.Arg(sizes)]
    if "dim" in bound:
        args.append(cst.Arg(bound["dim"]))
    return make_call(cst.Name(ctx.support("_torch_split")), args)


@handler("fn_meshgrid")
def meshgrid(ctx: TranslateContext, call: cst.Call, rule: ApiRule) -> Outcome:
    """Paddle's meshgrid always indexes "ij" (torch's default)."""
    kws = [a for a in call.args if a.keyword is not None]
    for a in kws:
        if a.keyword.value != "indexing" or literal_value(a.value) != "ij":  # type: ignore[union-attr]
            return refuse(Refusal.UNSUPPORTED_ARGUMENT, f"{ctx.code(a).rstrip(', ')}: only indexing='ij' is translated; left unchanged")
    args = [a for a in call.args if a.keyword is None]
    return make_call(ctx.ref(rule.paddle or ""), args)


@handler("fn_listify")
def listify(ctx: TranslateContext, call: cst.Call, rule: ApiRule) -> Outcome:
    """``torch.f(a, b, c)`` -> ``paddle.f([a, b, c])``: Paddle takes one list."""
    if any(a.keyword is not None or a.star == "**" for a in call.args):
        return refuse(Refusal.CANNOT_BIND, "unexpected keyword arguments; left unchanged")
    if len(call.args) == 1 and call.args[0].star == "*":
        seq: cst.BaseExpression = call.args[0].value
    else:
        seq = as_list(list(call.args))
    return make_call(ctx.ref(rule.paddle or ""), [cst.Arg(seq)])


# -------------------------------------------------------------------------- support code ----

snippet(
    "_torch_split",
    '''
def _torch_split(x, split_size, dim=0):
    """torch.split: an int is the size of each piece (the last one may be smaller)."""
    if isinstance(split_size, int):
        n = x.shape[dim]
        split_size = [split_size] * (n // split_size) + ([n % split_size] if n % split_size else [])
    return paddle.split(x, split_size, axis=dim)
''',
)
