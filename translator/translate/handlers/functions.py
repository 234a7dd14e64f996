"""``torch.*`` and ``torch.nn.functional.*`` rewrites that the rule table's data cannot express.

Each handler settles what the data keys cannot say (overloads, shapes given as ``*size``,
defaults that differ between torch and Paddle, results Paddle returns differently) and hands
the rest back to the rule's data with ``ctx.rewrite``.  What cannot be translated faithfully is
reported and left unchanged.

Support code (emitted into the translated file, see ``translator/support.py``) is registered at
the bottom of this module for results that need a small function: ``torch.max(x, dim)`` returns
values and indices, ``torch.split`` takes piece sizes, ``F.pad`` lists the last dimension first.
"""

from __future__ import annotations

import ast
import dataclasses

import libcst as cst

from .. import support
from ..context import TranslateContext
from ..registry import handler
from ...rules import ApiRule

_EQ = cst.AssignEqual(whitespace_before=cst.SimpleWhitespace(""), whitespace_after=cst.SimpleWhitespace(""))
_COMMA = cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))

# torch creation arguments with no Paddle meaning: Paddle places tensors on the current device
_PLACEMENT = ("device", "layout", "pin_memory", "memory_format")


# ------------------------------------------------------------------------------ helpers ----
def _kw(name: str, value: cst.BaseExpression) -> cst.Arg:
    return cst.Arg(value=value, keyword=cst.Name(name), equal=_EQ)


def _call(func: cst.BaseExpression, args: list[cst.Arg]) -> cst.Call:
    out = []
    for i, a in enumerate(args):
        out.append(a.with_changes(comma=cst.MaybeSentinel.DEFAULT if i == len(args) - 1 else _COMMA))
    return cst.Call(func=func, args=out)


def _literal(ctx: TranslateContext, value: cst.BaseExpression) -> object:
    """The Python value of a literal argument, or ``...`` when it is not a literal."""
    try:
        return ast.literal_eval(ctx.code(value))
    except (ValueError, SyntaxError):
        return ...


def _is_default(ctx: TranslateContext, rule: ApiRule, name: str, value: cst.BaseExpression) -> bool:
    p = rule.param(name)
    if p is None or p.default is None:
        return False
    lit = _literal(ctx, value)
    return lit is not ... and lit == ast.literal_eval(p.default)


def _bind(ctx: TranslateContext, call: cst.Call, rule: ApiRule) -> dict[str, cst.BaseExpression] | None:
    """Bind the call and report ``unsupported`` arguments given with a non-default value."""
    bound = ctx.bind(call, rule)
    if bound is None:
        return None
    for name, why in rule.unsupported.items():
        if name in bound and not _is_default(ctx, rule, name, bound[name]):
            ctx.error(call, rule.torch, f"{name}={ctx.code(bound[name])}: {why}; left unchanged")
            return None
    return bound


def _simple(expr: cst.BaseExpression) -> bool:
    """An expression that may be evaluated twice: a name or an attribute chain of names."""
    while isinstance(expr, cst.Attribute):
        expr = expr.value
    return isinstance(expr, cst.Name)


def _requires_grad(ctx: TranslateContext, call: cst.Call, rule: ApiRule, result: cst.BaseExpression,
                   bound: dict[str, cst.BaseExpression]) -> cst.BaseExpression:
    """``requires_grad=True`` on a creation function: a Paddle tensor with stop_gradient=False."""
    value = bound.get("requires_grad")
    if value is None or _literal(ctx, value) is False:
        return result
    flag: cst.BaseExpression
    if _literal(ctx, value) is True:
        flag = cst.Name("False")
    else:
        flag = cst.UnaryOperation(operator=cst.Not(), expression=value)
    return _call(ctx.ref("paddle.to_tensor"), [cst.Arg(result), _kw("stop_gradient", flag)])


def _without(rule: ApiRule, *names: str, **changes: object) -> ApiRule:
    """A copy of the rule that drops ``names`` (handled by the handler itself)."""
    drop = tuple(dict.fromkeys([*rule.drop, *names]))
    unsupported = {k: v for k, v in rule.unsupported.items() if k not in names}
    return dataclasses.replace(rule, drop=drop, unsupported=unsupported, handler=None, **changes)  # type: ignore[arg-type]


# ------------------------------------------------------------------ generic functional ----
# paddle.nn.functional functions with an in-place variant named with a trailing underscore
# (the same in Paddle 2.6 and 3).
_INPLACE = frozenset("relu elu leaky_relu hardtanh softmax tanh thresholded_relu".split())


@handler("fn_torch_args")
def torch_args(ctx: TranslateContext, call: cst.Call, rule: ApiRule) -> cst.BaseExpression | None:
    """The data rewrite, with three refinements the data keys cannot state.

    * ``extra`` arguments are added only when the torch call does not give that argument
      (they restore a torch default that differs from Paddle's: ``align_corners=False``).
    * ``transform`` of a literal is folded (``approximate="tanh"`` -> ``approximate=True``).
    * ``inplace=True`` is dropped when the result is used (the value is the same); as a whole
      statement it needs Paddle's in-place variant (``relu_``), or it is reported.
    """
    bound = _bind(ctx, call, rule)
    if bound is None:
        return None
    target = rule.paddle
    inplace = bound.get("inplace")
    if inplace is not None and _literal(ctx, inplace) is not False:
        if _literal(ctx, inplace) is not True:
            ctx.error(call, rule.torch, f"inplace={ctx.code(inplace)} is not a literal; left unchanged")
            return None
        if ctx.result_unused:
            name = (target or "").rsplit(".", 1)[-1]
            if name not in _INPLACE:
                ctx.error(call, rule.torch, "inplace=True as a statement: Paddle has no in-place variant; left unchanged")
                return None
            target = f"{target}_"
    given = {rule.rename.get(n, n) for n in bound}
    extra = {k: v for k, v in rule.extra.items() if k not in given}
    transform = dict(rule.transform)
    args = list(call.args)
    if not any(a.star for a in args):
        for i, (arg, name) in enumerate(zip(args, bound)):
            template = transform.get(name)
            lit = _literal(ctx, arg.value)
            if template is None or lit is ... or isinstance(lit, (int, float)) and not isinstance(lit, bool):
                continue  # numbers are folded by the engine
            del transform[name]
            try:
                folded = eval(template.format(repr(lit)), {"__builtins__": {"bool": bool}})  # a literal, see above
            except Exception:  # e.g. an optional tensor given as None: keep it
                continue
            args[i] = arg.with_changes(value=cst.parse_expression(repr(folded)))
    new_rule = _without(rule, "inplace", extra=extra, transform=transform, paddle=target)
    return ctx.rewrite(call.with_changes(args=args), new_rule)


@handler("fn_cross_entropy")
def cross_entropy(ctx: TranslateContext, call: cst.Call, rule: ApiRule) -> cst.BaseExpression | None:
    """As ``fn_torch_args``; class weights together with label smoothing weigh the smoothing term
    differently in Paddle, so that combination is reported."""
    bound = ctx.bind(call, rule)
    if bound is None:
        return None
    smoothing = bound.get("label_smoothing")
    if bound.get("weight") is not None and _literal(ctx, bound["weight"]) is not None and smoothing is not None \
            and _literal(ctx, smoothing) != 0:
        ctx.error(call, rule.torch, "weight= with label_smoothing=: Paddle weighs the smoothing term differently; left unchanged")
        return None
    return torch_args(ctx, call, rule)


_INTERP_FORMATS = {1: "NCW", 2: "NCHW", 3: "NCDHW"}
_INTERP_MODES = {"linear": 1, "bilinear": 2, "bicubic": 2, "trilinear": 3}


@handler("fn_interpolate")
def interpolate(ctx: TranslateContext, call: cst.Call, rule: ApiRule) -> cst.BaseExpression | None:
    """As ``fn_torch_args``, plus ``data_format`` for 3-d and 5-d inputs when the mode or the size
    tells the rank (Paddle 2.6 assumes NCHW; Paddle 3 infers it)."""
    bound = ctx.bind(call, rule)
    if bound is None:
        return None
    spatial = None
    mode = _literal(ctx, bound["mode"]) if "mode" in bound else "nearest"
    if mode in _INTERP_MODES:
        spatial = _INTERP_MODES[mode]
    for key in ("size", "scale_factor"):
        lit = _literal(ctx, bound[key]) if key in bound else ...
        if isinstance(lit, (tuple, list)):
            spatial = len(lit)
    new = torch_args(ctx, call, rule)
    if new is None or spatial in (None, 2) or not isinstance(new, cst.Call):
        return new
    return new.with_changes(args=[*new.args[:-1], new.args[-1].with_changes(comma=_COMMA),
                                  _kw("data_format", cst.SimpleString(f'"{_INTERP_FORMATS[spatial]}"'))])


@handler("fn_softmax_dim")
def softmax_dim(ctx: TranslateContext, call: cst.Call, rule: ApiRule) -> cst.BaseExpression | None:
    """``F.softmax(x)`` without ``dim`` uses torch's legacy implicit dim (0 for 0-, 1- and 3-d
    inputs, else 1); Paddle's default is -1.  The implicit choice is written out for a named
    input (with a warning: torch deprecates it) and reported otherwise."""
    bound = _bind(ctx, call, rule)
    if bound is None:
        return None
    dim = bound.get("dim")
    if dim is None or _literal(ctx, dim) is None:
        x = bound["input"]
        if not _simple(x):
            ctx.error(call, rule.torch, "softmax without dim= uses torch's implicit dim (deprecated); give dim explicitly")
            return None
        ctx.warn(call, rule.torch, "softmax without dim= uses torch's implicit dim (deprecated); it is written out")
        implicit = cst.parse_expression(f"0 if {ctx.code(x)}.ndim in (0, 1, 3) else 1")
        rest = [a for a in call.args if not (a.keyword is not None and a.keyword.value == "dim")]
        if dim is not None and len(rest) >= 2 and rest[1].keyword is None:
            rest = [rest[0], *rest[2:]]  # F.softmax(x, None)
        call = call.with_changes(args=[*rest[:1], _kw("dim", implicit), *rest[1:]])
    return ctx.rewrite(call, _without(rule, "_stacklevel"))


@handler("fn_sdpa")
def sdpa(ctx: TranslateContext, call: cst.Call, rule: ApiRule) -> cst.BaseExpression | None:
    """torch's attention inputs are (batch, heads, seq, dim), Paddle's (batch, seq, heads, dim):
    query, key, value and the result are transposed."""
    bound = _bind(ctx, call, rule)
    if bound is None:
        return None
    perm = cst.List([cst.Element(cst.Integer(i), comma=_COMMA if i != "3" else cst.MaybeSentinel.DEFAULT) for i in "0213"])

    def swap(e: cst.BaseExpression) -> cst.BaseExpression:
        return _call(ctx.ref("paddle.transpose"), [cst.Arg(e), cst.Arg(perm)])

    args = [cst.Arg(swap(bound[n])) for n in ("query", "key", "value")]
    for name in ("attn_mask", "dropout_p", "is_causal", "scale"):
        if name in bound:
            args.append(_kw(name, bound[name]))
    return swap(_call(ctx.ref(rule.paddle or ""), args))


@handler("fn_one_hot")
def one_hot(ctx: TranslateContext, call: cst.Call, rule: ApiRule) -> cst.BaseExpression | None:
    """torch returns int64 and infers ``num_classes=-1`` as max + 1; Paddle returns float32."""
    bound = _bind(ctx, call, rule)
    if bound is None:
        return None
    x = bound["tensor"]
    n = bound.get("num_classes")
    if n is None or _literal(ctx, n) == -1:
        if not _simple(x):
            ctx.error(call, rule.torch, "num_classes inferred from the data: give num_classes; left unchanged")
            return None
        n = cst.BinaryOperation(
            left=_call(cst.Name("int"), [cst.Arg(_call(cst.Attribute(x, cst.Name("max")), []))]),
            operator=cst.Add(), right=cst.Integer("1"),
        )
    inner = _call(ctx.ref(rule.paddle or ""), [cst.Arg(x), cst.Arg(n)])
    return _call(cst.Attribute(inner, cst.Name("astype")), [cst.Arg(ctx.ref("paddle.int64"))])


@handler("fn_smooth_l1")
def smooth_l1(ctx: TranslateContext, call: cst.Call, rule: ApiRule) -> cst.BaseExpression | None:
    """torch's smooth L1 with ``beta`` is Paddle's (Huber) smooth L1 with ``delta=beta``, over beta."""
    bound = _bind(ctx, call, rule)
    if bound is None:
        return None
    beta = bound.get("beta")
    if beta is None or _literal(ctx, beta) == 1:
        return ctx.rewrite(call, _without(rule, "beta"))
    new = ctx.rewrite(call, dataclasses.replace(rule, rename={**rule.rename, "beta": "delta"}, handler=None))
    if new is None:
        return None
    right = beta if isinstance(beta, (cst.Name, cst.Attribute, cst.Integer, cst.Float)) else beta.with_changes(
        lpar=[cst.LeftParen()], rpar=[cst.RightParen()])
    return cst.BinaryOperation(left=new, operator=cst.Divide(), right=right)


@handler("fn_pad")
def pad(ctx: TranslateContext, call: cst.Call, rule: ApiRule) -> cst.BaseExpression | None:
    """``F.pad`` lists (before, after) pairs from the last dimension; the emitted ``_torch_pad``
    turns that into the form Paddle reads for the input's rank."""
    bound = _bind(ctx, call, rule)
    if bound is None:
        return None
    args = [cst.Arg(bound["input"]), cst.Arg(bound["pad"])]
    for name in ("mode", "value"):
        if name in bound:
            args.append(_kw(name, bound[name]))
    return _call(cst.Name(ctx.support("_torch_pad")), args)


@handler("fn_linear")
def linear(ctx: TranslateContext, call: cst.Call, rule: ApiRule) -> cst.BaseExpression | None:
    """``F.linear(x, w, b)``: torch's weight is (out, in), Paddle's linear wants (in, out)."""
    bound = _bind(ctx, call, rule)
    if bound is None:
        return None
    w = bound["weight"]
    if isinstance(w, cst.Attribute) and w.attr.value == "weight" and isinstance(w.value, cst.Attribute):
        ctx.warn(call, rule.torch, f"{ctx.code(w)} may be a translated Linear layer's weight, which Paddle "
                 "already stores as (in, out); the emitted .T assumes a torch-layout (out, in) tensor")
    return ctx.rewrite(call, _without(rule))


# ---------------------------------------------------------------------- creation -----------
def _is_int_expr(e: cst.BaseExpression) -> bool:
    """An expression that is an int, not a shape: ``3``, ``-1``, ``x.shape[0]``, ``len(s)``, ``n * 2``."""
    if isinstance(e, cst.Integer):
        return True
    if isinstance(e, cst.UnaryOperation):
        return _is_int_expr(e.expression)
    if isinstance(e, cst.Subscript):
        return isinstance(e.value, cst.Attribute) and e.value.attr.value == "shape" and len(e.slice) == 1 \
            and isinstance(e.slice[0].slice, cst.Index)
    if isinstance(e, cst.Call) and isinstance(e.func, cst.Name):
        return e.func.value in ("len", "int")
    if isinstance(e, cst.BinaryOperation) and isinstance(e.operator, (cst.Multiply, cst.FloorDivide, cst.Add, cst.Subtract)):
        return _is_int_expr(e.left) or _is_int_expr(e.right)
    return False


def _size_arg(ctx: TranslateContext, call: cst.Call, rule: ApiRule, args: list[cst.Arg]) -> cst.BaseExpression | None:
    """torch's ``f(2, 3)``, ``f((2, 3))``, ``f(size=...)``, ``f(*shape)`` -> one Paddle shape list."""
    if len(args) == 1:
        only = args[0]
        if only.star == "*":
            return cst.List([cst.StarredElement(only.value)])
        if only.star:
            ctx.error(call, rule.torch, "a size passed with ** cannot be translated; left unchanged")
            return None
        value = only.value
        if _is_int_expr(value):
            return cst.List([cst.Element(value)])
        if isinstance(value, (cst.Tuple, cst.List)):
            return value
        if isinstance(value, cst.Attribute) and value.attr.value == "shape":
            return value
        if isinstance(value, cst.Call) and isinstance(value.func, cst.Attribute) and value.func.attr.value == "size" and not value.args:
            return value
        ctx.warn(call, rule.torch, f"could not tell whether {ctx.code(value)!r} is one size or a shape; assumed a shape")
        return value
    if any(a.star == "**" for a in args):
        ctx.error(call, rule.torch, "a size passed with ** cannot be translated; left unchanged")
        return None
    elements = []
    for i, a in enumerate(args):
        comma = cst.MaybeSentinel.DEFAULT if i == len(args) - 1 else _COMMA
        elements.append(cst.StarredElement(a.value, comma=comma) if a.star == "*" else cst.Element(a.value, comma=comma))
    return cst.List(elements)


@handler("fn_creation")
def creation(ctx: TranslateContext, call: cst.Call, rule: ApiRule) -> cst.BaseExpression | None:
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
            ctx.error(call, rule.torch, "no size given; left unchanged")
            return None
        if len(sized) > 1 and any(a.keyword is not None for a in sized):
            ctx.error(call, rule.torch, "size given both by position and as size=; left unchanged")
            return None
        shape = _size_arg(ctx, call, rule, [a.with_changes(keyword=None, equal=cst.MaybeSentinel.DEFAULT) for a in sized])
        if shape is None:
            return None
        call = call.with_changes(args=[cst.Arg(shape), *rest])
        rule = dataclasses.replace(rule, params=(dataclasses.replace(varargs, kind="positional"),
                                                 *[p for p in params if p is not varargs]))
    bound = _bind(ctx, call, rule)
    if bound is None:
        return None
    if "fill_value" in bound and "dtype" not in bound and rule.name == "full":
        # torch infers the dtype from the fill value; Paddle's full defaults to float32
        lit = _literal(ctx, bound["fill_value"])
        if isinstance(lit, bool):
            call = call.with_changes(args=[*call.args, _kw("dtype", ctx.ref("paddle.bool"))])
        elif isinstance(lit, int):
            call = call.with_changes(args=[*call.args, _kw("dtype", ctx.ref("paddle.int64"))])
        elif lit is ... and not (isinstance(bound["fill_value"], cst.Call) and ctx.code(bound["fill_value"].func) == "float"):
            ctx.warn(call, rule.torch, "torch infers the dtype from fill_value, Paddle uses float32: give dtype= if it is an integer")
    new = ctx.rewrite(call, _without(rule, *_PLACEMENT, "requires_grad"))
    if new is None:
        return None
    return _requires_grad(ctx, call, rule, new, bound)


@handler("fn_randint")
def randint(ctx: TranslateContext, call: cst.Call, rule: ApiRule) -> cst.BaseExpression | None:
    """``torch.randint(high, size)`` / ``torch.randint(low, high, size)`` -> ``paddle.randint(low, high, shape)``."""
    positional = [a for a in call.args if a.keyword is None]
    if any(a.star for a in call.args):
        ctx.error(call, rule.torch, "arguments passed with * or ** cannot be translated; left unchanged")
        return None
    keywords = {a.keyword.value for a in call.args if a.keyword is not None}
    if len(positional) == 2 and not keywords & {"size", "high"}:
        # the (high, size) overload: bind with low=0
        call = call.with_changes(args=[cst.Arg(cst.Integer("0")), *call.args])
    bound = _bind(ctx, call, rule)
    if bound is None:
        return None
    new = ctx.rewrite(call, _without(rule, *_PLACEMENT, "requires_grad"))
    return None if new is None else _requires_grad(ctx, call, rule, new, bound)


@handler("fn_tensor")
def tensor(ctx: TranslateContext, call: cst.Call, rule: ApiRule) -> cst.BaseExpression | None:
    """``torch.tensor(data, dtype=, device=, requires_grad=)`` -> ``paddle.to_tensor(...)``."""
    bound = _bind(ctx, call, rule)
    if bound is None:
        return None
    new = ctx.rewrite(call, _without(rule, *_PLACEMENT, "requires_grad", "copy"))
    if new is None:
        return None
    rg = bound.get("requires_grad")
    if rg is not None and _literal(ctx, rg) is not False:
        flag = cst.Name("False") if _literal(ctx, rg) is True else cst.UnaryOperation(cst.Not(), rg)
        new = new.with_changes(args=[*new.args[:-1], new.args[-1].with_changes(comma=_COMMA), _kw("stop_gradient", flag)])
    return new


# ------------------------------------------------------------------ math and reductions ----
@handler("fn_max_min")
def max_min(ctx: TranslateContext, call: cst.Call, rule: ApiRule) -> cst.BaseExpression | None:
    """``torch.max(x)``, ``torch.max(x, dim, keepdim)`` (values and indices) and ``torch.max(x, y)``."""
    bound = _bind(ctx, call, rule)
    if bound is None:
        return None
    name = rule.name  # "max" or "min"
    x = bound["input"]
    second = bound.get("dim")
    other = bound.get("other")
    if second is not None and other is None:
        lit = _literal(ctx, second)
        if isinstance(lit, int) and not isinstance(lit, bool):
            pass
        elif (ctx.is_tensor(second) or ctx.code(second).startswith("paddle.")) and "keepdim" not in bound:
            other, second = second, None
        elif any(a.keyword is None for a in call.args[1:2]):
            ctx.error(call, rule.torch, f"cannot tell whether {ctx.code(second)!r} is a dim or a tensor; "
                      f"write dim= or use torch.{'maximum' if name == 'max' else 'minimum'}; left unchanged")
            return None
    if other is not None:
        if "keepdim" in bound or second is not None:
            ctx.error(call, rule.torch, "unexpected arguments; left unchanged")
            return None
        target = "paddle.maximum" if name == "max" else "paddle.minimum"
        return _call(ctx.ref(target), [cst.Arg(x), cst.Arg(other)])
    if second is None:
        if "keepdim" in bound:
            ctx.error(call, rule.torch, "keepdim= without dim; left unchanged")
            return None
        return _call(ctx.ref(f"paddle.{name}"), [cst.Arg(x)])
    args = [cst.Arg(x), cst.Arg(second)]
    if "keepdim" in bound:
        args.append(cst.Arg(bound["keepdim"]))
    return _call(cst.Name(ctx.support(f"_torch_{name}")), args)


@handler("fn_sort")
def sort(ctx: TranslateContext, call: cst.Call, rule: ApiRule) -> cst.BaseExpression | None:
    """``torch.sort`` returns values and indices; Paddle's sort returns values only."""
    bound = _bind(ctx, call, rule)
    if bound is None:
        return None
    args = [cst.Arg(bound["input"])]
    for name in ("dim", "descending"):
        if name in bound:
            args.append(_kw(name, bound[name]))
    return _call(cst.Name(ctx.support("_torch_sort")), args)


@handler("fn_median")
def median(ctx: TranslateContext, call: cst.Call, rule: ApiRule) -> cst.BaseExpression | None:
    """torch's median is the lower of the two middle values; with ``dim`` it also returns indices."""
    bound = _bind(ctx, call, rule)
    if bound is None:
        return None
    args = [cst.Arg(bound["input"])]
    if "dim" in bound:
        args.append(_kw("axis", bound["dim"]))
    if "keepdim" in bound:
        args.append(_kw("keepdim", bound["keepdim"]))
    args.append(_kw("mode", cst.SimpleString('"min"')))
    return _call(ctx.ref(rule.paddle or ""), args)


@handler("fn_std_var")
def std_var(ctx: TranslateContext, call: cst.Call, rule: ApiRule) -> cst.BaseExpression | None:
    """``torch.std/var(x, dim, unbiased, keepdim, *, correction)``: correction 0/1 -> unbiased."""
    bound = _bind(ctx, call, rule)
    if bound is None:
        return None
    dim = bound.get("dim")
    unbiased = bound.get("unbiased")
    if dim is not None and isinstance(_literal(ctx, dim), bool):  # the std(x, unbiased) overload
        unbiased, dim = dim, None
    correction = bound.get("correction")
    if correction is not None:
        lit = _literal(ctx, correction)
        if lit not in (0, 1) or isinstance(lit, bool) or unbiased is not None:
            ctx.error(call, rule.torch, f"correction={ctx.code(correction)}: Paddle has unbiased (1) or not (0) only; left unchanged")
            return None
        unbiased = cst.Name("True" if lit == 1 else "False")
    args = [cst.Arg(bound["input"])]
    if dim is not None:
        args.append(_kw("axis", dim))
    if unbiased is not None:
        args.append(_kw("unbiased", unbiased))
    if "keepdim" in bound:
        args.append(_kw("keepdim", bound["keepdim"]))
    return _call(ctx.ref(rule.paddle or ""), args)


@handler("fn_divide")
def divide(ctx: TranslateContext, call: cst.Call, rule: ApiRule) -> cst.BaseExpression | None:
    """``torch.div(a, b)`` is true division (``a / b``; Paddle 2.6's divide truncates integers);
    ``rounding_mode="floor"`` -> ``paddle.floor_divide``."""
    bound = _bind(ctx, call, rule)
    if bound is None:
        return None
    params = rule.params or ()
    a, b = bound[params[0].name], bound[params[1].name]
    mode = bound.get("rounding_mode")
    lit = None if mode is None else _literal(ctx, mode)
    if lit == "floor":
        return _call(ctx.ref("paddle.floor_divide"), [cst.Arg(a), cst.Arg(b)])
    if lit is not None:
        ctx.error(call, rule.torch, f"rounding_mode={ctx.code(mode)}: only None and 'floor' are translated; left unchanged")
        return None
    return _paren(cst.BinaryOperation(left=_operand(a), operator=cst.Divide(), right=_operand(b)))


def _operand(e: cst.BaseExpression) -> cst.BaseExpression:
    if isinstance(e, (cst.Name, cst.Attribute, cst.Call, cst.Subscript, cst.Integer, cst.Float)):
        return e
    return e.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()])


def _paren(e: cst.BaseExpression) -> cst.BaseExpression:
    return e.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()])


_OPERATORS = {
    "paddle.add": cst.Add, "paddle.subtract": cst.Subtract, "paddle.multiply": cst.Multiply,
    "paddle.remainder": cst.Modulo, "paddle.equal": cst.Equal, "paddle.not_equal": cst.NotEqual,
    "paddle.greater_than": cst.GreaterThan, "paddle.greater_equal": cst.GreaterThanEqual,
    "paddle.less_than": cst.LessThan, "paddle.less_equal": cst.LessThanEqual,
}


def _binary(ctx: TranslateContext, target: str, a: cst.BaseExpression, b: cst.BaseExpression) -> cst.BaseExpression:
    """``paddle.add(a, b)``; with a number operand the operator (``a + 2``): Paddle's functions
    take tensors only, torch's take numbers too."""
    if any(isinstance(_literal(ctx, v), (int, float)) for v in (a, b)):
        op = _OPERATORS[target]()
        if isinstance(op, cst.BaseCompOp):
            return _paren(cst.Comparison(_operand(a), [cst.ComparisonTarget(op, _operand(b))]))
        return _paren(cst.BinaryOperation(_operand(a), op, _operand(b)))
    return _call(ctx.ref(target), [cst.Arg(a), cst.Arg(b)])


@handler("fn_binary")
def binary(ctx: TranslateContext, call: cst.Call, rule: ApiRule) -> cst.BaseExpression | None:
    """Elementwise arithmetic and comparisons; a number operand gives the operator form."""
    bound = _bind(ctx, call, rule)
    if bound is None:
        return None
    params = rule.params or ()
    return _binary(ctx, rule.paddle or "", bound[params[0].name], bound[params[1].name])


@handler("fn_add_alpha")
def add_alpha(ctx: TranslateContext, call: cst.Call, rule: ApiRule) -> cst.BaseExpression | None:
    """``torch.add(x, y, alpha=a)`` -> ``paddle.add(x, a * y)`` (same for sub)."""
    bound = _bind(ctx, call, rule)
    if bound is None:
        return None
    alpha = bound.get("alpha")
    other = bound["other"]
    if alpha is not None and _literal(ctx, alpha) != 1:
        other = cst.BinaryOperation(left=_operand(alpha), operator=cst.Multiply(), right=_operand(other))
    return _binary(ctx, rule.paddle or "", bound["input"], other)


@handler("fn_dtype_str")
def dtype_str(ctx: TranslateContext, call: cst.Call, rule: ApiRule) -> cst.BaseExpression | None:
    """The data rewrite, with ``dtype=paddle.float64`` written ``dtype="float64"``: Paddle 2.6's
    sum/prod/cumsum/cumprod reject dtype objects and accept their names."""
    new = ctx.rewrite(call, _without(rule))
    if new is None:
        return None
    args = []
    for a in new.args:
        code = ctx.code(a.value)
        if a.keyword is not None and a.keyword.value == "dtype" and code.startswith("paddle."):
            a = a.with_changes(value=cst.SimpleString(f'"{code.rsplit(".", 1)[-1]}"'))
        args.append(a)
    return new.with_changes(args=args)


@handler("fn_astype")
def astype(ctx: TranslateContext, call: cst.Call, rule: ApiRule) -> cst.BaseExpression | None:
    """The data rewrite plus the dtype torch returns, where Paddle 2.6 returns another one:
    matrix_rank is int64 (Paddle 2.6: int32); quantile keeps the input's dtype (Paddle 2.6: float64)."""
    bound = _bind(ctx, call, rule)
    if bound is None:
        return None
    new = ctx.rewrite(call, _without(rule))
    if new is None:
        return None
    if rule.name == "matrix_rank":
        dtype: cst.BaseExpression = cst.SimpleString('"int64"')
    else:
        x = bound[(rule.params or ())[0].name]
        if not _simple(x):
            return new
        dtype = cst.Attribute(x, cst.Name("dtype"))
    return _call(cst.Attribute(new, cst.Name("astype")), [cst.Arg(dtype)])


@handler("fn_stat_mean")
def stat_mean(ctx: TranslateContext, call: cst.Call, rule: ApiRule) -> cst.BaseExpression | None:
    """``torch.std_mean(x, ...)`` -> ``(paddle.std(x, ...), paddle.mean(x, ...))`` for a name ``x``."""
    x = _bind(ctx, call, rule)
    if x is None:
        return None
    if not _simple(x["input"]):
        ctx.error(call, rule.torch, "the input is used twice in the translation: assign it to a name first; left unchanged")
        return None
    stat = std_var(ctx, call, rule)
    if stat is None:
        return None
    args = [cst.Arg(x["input"])]
    dim = x.get("dim")
    if dim is not None and not isinstance(_literal(ctx, dim), bool):
        args.append(_kw("axis", dim))
    if "keepdim" in x:
        args.append(_kw("keepdim", x["keepdim"]))
    mean = _call(ctx.ref("paddle.mean"), args)
    return cst.Tuple([cst.Element(stat, comma=_COMMA), cst.Element(mean)])


@handler("fn_cov")
def cov(ctx: TranslateContext, call: cst.Call, rule: ApiRule) -> cst.BaseExpression | None:
    """``torch.cov(x, correction=c)`` -> ``paddle.linalg.cov(x, ddof=c == 1)`` for c in 0, 1."""
    bound = _bind(ctx, call, rule)
    if bound is None:
        return None
    corr = bound.get("correction")
    lit = 1 if corr is None else _literal(ctx, corr)
    if lit not in (0, 1) or isinstance(lit, bool):
        ctx.error(call, rule.torch, f"correction={ctx.code(corr) if corr is not None else 1}: Paddle has ddof True/False only; left unchanged")
        return None
    rule2 = dataclasses.replace(_without(rule, "correction"), extra={} if lit == 1 else {"ddof": "False"})
    return ctx.rewrite(call, rule2)


@handler("fn_tuple_result")
def tuple_result(ctx: TranslateContext, call: cst.Call, rule: ApiRule) -> cst.BaseExpression | None:
    """torch returns a tuple where Paddle stacks the results into one tensor: ``tuple(...)``."""
    new = ctx.rewrite(call, _without(rule))
    return None if new is None else _call(cst.Name("tuple"), [cst.Arg(new)])


@handler("fn_addcmul")
def addcmul(ctx: TranslateContext, call: cst.Call, rule: ApiRule) -> cst.BaseExpression | None:
    """``torch.addcmul(x, t1, t2, value=v)`` -> ``x + v * t1 * t2`` (addcdiv: ``t1 / t2``)."""
    bound = _bind(ctx, call, rule)
    if bound is None:
        return None
    op = cst.Multiply() if rule.name == "addcmul" else cst.Divide()
    term: cst.BaseExpression = cst.BinaryOperation(_operand(bound["tensor1"]), op, _operand(bound["tensor2"]))
    value = bound.get("value")
    if value is not None and _literal(ctx, value) != 1:
        term = cst.BinaryOperation(_operand(value), cst.Multiply(), term)
    return _paren(cst.BinaryOperation(_operand(bound["input"]), cst.Add(), term))


@handler("fn_pow")
def pow_(ctx: TranslateContext, call: cst.Call, rule: ApiRule) -> cst.BaseExpression | None:
    """``torch.pow(2.0, t)``: Paddle's pow needs a tensor base, so a number base becomes ``2.0 ** t``."""
    bound = _bind(ctx, call, rule)
    if bound is None:
        return None
    base = bound.get("input", bound.get("self"))
    if base is not None and isinstance(_literal(ctx, base), (int, float)):
        return _paren(cst.BinaryOperation(base, cst.Power(), _operand(bound["exponent"])))
    return ctx.rewrite(call, _without(rule))


# ------------------------------------------------------------------ indexing and joining ----
@handler("fn_where")
def where(ctx: TranslateContext, call: cst.Call, rule: ApiRule) -> cst.BaseExpression | None:
    """``torch.where(c)`` is ``nonzero(c, as_tuple=True)``.  Number operands become tensors
    (Paddle's where does not promote a Python number to the other operand's dtype): a float is
    ``paddle.to_tensor(0.5)`` (float32, which float32/float64 tensors absorb), an int next to a
    tensor name is ``paddle.full_like(x, 0)`` (the tensor's dtype, as torch gives)."""
    bound = _bind(ctx, call, rule)
    if bound is None:
        return None
    if "input" not in bound and "other" not in bound:
        return _nonzero_tuple(ctx, bound["condition"])
    x, y = bound.get("input"), bound.get("other")
    if x is None or y is None:
        ctx.error(call, rule.torch, "torch.where needs both input and other, or neither; left unchanged")
        return None

    def as_tensor(value: cst.BaseExpression, other: cst.BaseExpression) -> cst.BaseExpression:
        lit = _literal(ctx, value)
        if isinstance(lit, bool) or not isinstance(lit, (int, float)):
            return value
        if isinstance(lit, int) and _simple(other) and not isinstance(_literal(ctx, other), (int, float)):
            return _call(ctx.ref("paddle.full_like"), [cst.Arg(other), cst.Arg(value)])
        return _call(ctx.ref("paddle.to_tensor"), [cst.Arg(value)])

    x, y = as_tensor(x, y), as_tensor(y, x)
    return _call(ctx.ref("paddle.where"), [cst.Arg(bound["condition"]), cst.Arg(x), cst.Arg(y)])


def _nonzero_tuple(ctx: TranslateContext, x: cst.BaseExpression) -> cst.BaseExpression:
    # paddle.nonzero(as_tuple=True) gives (n, 1) tensors in Paddle 2.6; unbind gives 1-D ones
    nz = _call(ctx.ref("paddle.nonzero"), [cst.Arg(x)])
    return _call(cst.Name("tuple"), [cst.Arg(_call(ctx.ref("paddle.unbind"), [cst.Arg(nz), _kw("axis", cst.Integer("1"))]))])


@handler("fn_nonzero")
def nonzero(ctx: TranslateContext, call: cst.Call, rule: ApiRule) -> cst.BaseExpression | None:
    bound = _bind(ctx, call, rule)
    if bound is None:
        return None
    as_tuple = bound.get("as_tuple")
    if as_tuple is None or _literal(ctx, as_tuple) is False:
        return _call(ctx.ref("paddle.nonzero"), [cst.Arg(bound["input"])])
    if _literal(ctx, as_tuple) is True:
        return _nonzero_tuple(ctx, bound["input"])
    ctx.error(call, rule.torch, f"as_tuple={ctx.code(as_tuple)} is not a literal; left unchanged")
    return None


@handler("fn_transpose")
def transpose(ctx: TranslateContext, call: cst.Call, rule: ApiRule) -> cst.BaseExpression | None:
    """``torch.transpose(x, d0, d1)`` swaps two dims: ``paddle.moveaxis(x, [d0, d1], [d1, d0])``
    (Paddle's transpose needs the whole permutation, which depends on the rank)."""
    bound = _bind(ctx, call, rule)
    if bound is None:
        return None
    params = rule.params or ()
    d0, d1 = bound[params[1].name], bound[params[2].name]
    if _literal(ctx, d0) is not ... and _literal(ctx, d0) == _literal(ctx, d1):
        return bound["input"]
    src = cst.List([cst.Element(d0, comma=_COMMA), cst.Element(d1)])
    dst = cst.List([cst.Element(d1, comma=_COMMA), cst.Element(d0)])
    return _call(ctx.ref("paddle.moveaxis"), [cst.Arg(bound["input"]), cst.Arg(src), cst.Arg(dst)])


@handler("fn_split")
def split(ctx: TranslateContext, call: cst.Call, rule: ApiRule) -> cst.BaseExpression | None:
    """``torch.split(x, n)`` cuts pieces of size n (the last may be smaller); Paddle's int means
    "this many pieces".  A list of sizes means the same in both."""
    bound = _bind(ctx, call, rule)
    if bound is None:
        return None
    sizes = bound["split_size_or_sections"]
    if isinstance(sizes, (cst.List, cst.Tuple)):
        return ctx.rewrite(call, _without(rule))
    args = [cst.Arg(bound["tensor"]), cst.Arg(sizes)]
    if "dim" in bound:
        args.append(cst.Arg(bound["dim"]))
    return _call(cst.Name(ctx.support("_torch_split")), args)


@handler("fn_narrow")
def narrow(ctx: TranslateContext, call: cst.Call, rule: ApiRule) -> cst.BaseExpression | None:
    """``torch.narrow(x, dim, start, length)`` -> ``paddle.slice(x, [dim], [start], [start + length])``."""
    bound = _bind(ctx, call, rule)
    if bound is None:
        return None
    start, length = bound["start"], bound["length"]
    ls, ll = _literal(ctx, start), _literal(ctx, length)
    if isinstance(ls, int) and isinstance(ll, int):
        end: cst.BaseExpression = cst.Integer(str(ls + ll)) if ls + ll >= 0 else cst.parse_expression(str(ls + ll))
        if ls < 0:
            ctx.error(call, rule.torch, "a negative start is not translated; left unchanged")
            return None
    else:
        end = cst.BinaryOperation(_operand(start), cst.Add(), _operand(length))
    lists = [cst.List([cst.Element(v)]) for v in (bound["dim"], start, end)]
    return _call(ctx.ref("paddle.slice"), [cst.Arg(bound["input"]), _kw("axes", lists[0]), _kw("starts", lists[1]), _kw("ends", lists[2])])


@handler("fn_meshgrid")
def meshgrid(ctx: TranslateContext, call: cst.Call, rule: ApiRule) -> cst.BaseExpression | None:
    """Paddle's meshgrid always indexes "ij" (torch's default)."""
    kws = [a for a in call.args if a.keyword is not None]
    for a in kws:
        if a.keyword.value != "indexing" or _literal(ctx, a.value) != "ij":  # type: ignore[union-attr]
            ctx.error(call, rule.torch, f"{ctx.code(a).rstrip(', ')}: only indexing='ij' is translated; left unchanged")
            return None
    args = [a for a in call.args if a.keyword is None]
    return _call(ctx.ref(rule.paddle or ""), args)


@handler("fn_scatter")
def scatter(ctx: TranslateContext, call: cst.Call, rule: ApiRule) -> cst.BaseExpression | None:
    """``torch.scatter(x, dim, index, src|value, reduce=)`` -> ``paddle.put_along_axis``."""
    bound = _bind(ctx, call, rule)
    if bound is None:
        return None
    values = bound.get("src", bound.get("value"))
    if values is None:
        ctx.error(call, rule.torch, "needs src or value; left unchanged")
        return None
    args = [cst.Arg(bound["input"]), cst.Arg(bound["index"]), cst.Arg(values), cst.Arg(bound["dim"])]
    reduce = "add" if rule.name == "scatter_add" else None
    if "reduce" in bound:
        lit = _literal(ctx, bound["reduce"])
        if lit not in ("add", "multiply"):
            ctx.error(call, rule.torch, f"reduce={ctx.code(bound['reduce'])} is not translated; left unchanged")
            return None
        reduce = str(lit)
    if reduce is not None:
        args.append(_kw("reduce", cst.SimpleString(f'"{reduce}"')))
    args.append(_kw("broadcast", cst.Name("False")))
    return _call(ctx.ref("paddle.put_along_axis"), args)


@handler("fn_listify")
def listify(ctx: TranslateContext, call: cst.Call, rule: ApiRule) -> cst.BaseExpression | None:
    """``torch.f(a, b, c)`` -> ``paddle.f([a, b, c])``: Paddle takes one list."""
    if any(a.keyword is not None or a.star == "**" for a in call.args):
        ctx.error(call, rule.torch, "unexpected keyword arguments; left unchanged")
        return None
    if len(call.args) == 1 and call.args[0].star == "*":
        seq: cst.BaseExpression = call.args[0].value
    else:
        elements = []
        for i, a in enumerate(call.args):
            comma = cst.MaybeSentinel.DEFAULT if i == len(call.args) - 1 else _COMMA
            elements.append(cst.StarredElement(a.value, comma=comma) if a.star else cst.Element(a.value, comma=comma))
        seq = cst.List(elements)
    return _call(ctx.ref(rule.paddle or ""), [cst.Arg(seq)])


@handler("fn_linalg_norm")
def linalg_norm(ctx: TranslateContext, call: cst.Call, rule: ApiRule) -> cst.BaseExpression | None:
    """Vector norms and Frobenius norms, which mean the same in Paddle 2.6 and 3.

    ``torch.linalg.norm(x)`` (no ord, no dim) and ``vector_norm(x)`` are 2-norms of the flattened
    tensor; an int ``dim`` is a vector norm along it; ``ord="fro"`` (or no ord) over two dims is
    the Frobenius norm.  Other matrix norms are reported.
    """
    bound = _bind(ctx, call, rule)
    if bound is None:
        return None
    params = rule.params or ()
    x = bound[params[0].name]
    ord_ = bound.get("ord")
    dim = bound.get("dim")
    vector = rule.name == "vector_norm"
    ord_lit = None if ord_ is None else _literal(ctx, ord_)
    dim_lit = None if dim is None else _literal(ctx, dim)
    args = [cst.Arg(x)]
    if dim is None:
        if ord_ is not None and not vector:
            ctx.error(call, rule.torch, "ord= without dim= is a matrix norm for 2-d inputs; give dim=; left unchanged")
            return None
        if ord_ is not None:
            args.append(_kw("p", ord_))
    elif isinstance(dim_lit, int) or (dim_lit is ... and not isinstance(dim, (cst.Tuple, cst.List))):
        args.append(_kw("p", ord_ if ord_ is not None else cst.Float("2.0")))
        args.append(_kw("axis", dim))
    elif isinstance(dim_lit, (tuple, list)) and len(dim_lit) == 2 and (
        ord_lit in (None, "fro") if not vector else ord_lit in (None, 2, 2.0)
    ):
        args.append(_kw("p", cst.SimpleString('"fro"')))
        args.append(_kw("axis", cst.List([cst.Element(cst.Integer(str(d)) if d >= 0 else cst.parse_expression(str(d)),
                                                      comma=_COMMA if i == 0 else cst.MaybeSentinel.DEFAULT)
                                          for i, d in enumerate(dim_lit)])))
    else:
        ctx.error(call, rule.torch, f"ord={ctx.code(ord_) if ord_ is not None else None} over dim={ctx.code(dim)} "
                  "is not translated (Paddle 2.6 and 3 differ); left unchanged")
        return None
    if "keepdim" in bound:
        args.append(_kw("keepdim", bound["keepdim"]))
    return _call(ctx.ref(rule.paddle or ""), args)


# ------------------------------------------------------------------------- support code ----
def _snippet(name: str, code: str, deps: tuple[str, ...] = (), imports: tuple[str, ...] = ()) -> None:
    support.SNIPPETS[name] = support.Snippet(code=code.strip("\n") + "\n", paddle=True, deps=deps, imports=imports)


support.SNIPPETS["_TorchValuesIndices"] = support.Snippet(
    code='''
class _TorchValuesIndices(NamedTuple):
    """(values, indices), like the named tuples torch.max/min/sort return."""

    values: Any
    indices: Any
'''.strip("\n") + "\n",
    imports=("from typing import Any, NamedTuple",),
)

for _name, _arg in (("max", "argmax"), ("min", "argmin")):
    _snippet(
        f"_torch_{_name}",
        f'''
def _torch_{_name}(x, dim, keepdim=False):
    """torch.{_name}(x, dim): the {_name}imum values and their indices along dim."""
    return _TorchValuesIndices(paddle.{_name}(x, axis=dim, keepdim=keepdim), paddle.{_arg}(x, axis=dim, keepdim=keepdim))
''',
        deps=("_TorchValuesIndices",),
    )

_snippet(
    "_torch_sort",
    '''
def _torch_sort(x, dim=-1, descending=False):
    """torch.sort: the sorted values and the indices that sort x along dim."""
    return _TorchValuesIndices(paddle.sort(x, axis=dim, descending=descending), paddle.argsort(x, axis=dim, descending=descending))
''',
    deps=("_TorchValuesIndices",),
)

_snippet(
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

_snippet(
    "_torch_pad",
    '''
def _torch_pad(x, pad, mode="constant", value=None):
    """torch.nn.functional.pad: pad lists (before, after) pairs starting from the last dim."""
    pad = [int(p) for p in pad]
    nd = x.ndim
    value = 0.0 if value is None else value
    if len(pad) == 2 * (nd - 2) and nd > 2:
        # Paddle's spatial form uses torch's order (last dim first)
        fmt = {3: "NCL", 4: "NCHW", 5: "NCDHW"}[nd]
        return paddle.nn.functional.pad(x, pad, mode=mode, value=value, data_format=fmt)
    if mode != "constant":
        raise ValueError(f"padding mode {mode!r} needs pad for every spatial dim of a {nd}-d input")
    full = [0] * (2 * nd)
    for i in range(len(pad) // 2):
        d = nd - 1 - i
        full[2 * d], full[2 * d + 1] = pad[2 * i], pad[2 * i + 1]
    return paddle.nn.functional.pad(x, full, mode=mode, value=value)
''',
)
