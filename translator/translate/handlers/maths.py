"""``torch.*`` arithmetic, comparisons and reductions the rule table's data cannot express.

torch's functions take numbers where Paddle's take tensors (a number operand gives the Python
operator instead), and some return (values, indices) where Paddle returns values only: those
results come from small support functions emitted into the translated file
(``_torch_max``, ``_torch_min``, ``_torch_sort``).
"""

from __future__ import annotations

import dataclasses

import libcst as cst

from ...rules import ApiRule
from ..registry import Refusal, TranslateContext, handler
from ..resolve import dotted_name
from ._common import (
    COMMA, NOT_LITERAL, Outcome, bind_supported, is_simple, is_torch_dtype, kw, literal_value, make_call, operand, paren,
    plain_rule, refuse, refused, snippet,
)


# ---------------------------------------------------------------------------- reductions ----

def _paddle_api(ctx: TranslateContext, expr: cst.BaseExpression) -> str | None:
    """The Paddle API a value as written comes from: for ``torch.ones(3).sum()`` the target of
    the rule for ``torch.ones`` (``paddle.ones``); for code already written through ``paddle``
    (``paddle.ones([3])``) its own name; None for anything else (a local, an operator, a torch
    API the table does not map into Paddle's namespace)."""
    while True:
        name = dotted_name(expr)
        if name is not None:
            qual = ctx.resolve(expr)
            if qual is not None:
                rule = ctx.rules.apis.get(qual)
                return rule.paddle if rule is not None and (rule.paddle or "").startswith("paddle.") else None
            return name if name.startswith("paddle.") else None
        if isinstance(expr, cst.Call):
            expr = expr.func
        elif isinstance(expr, (cst.Attribute, cst.Subscript)):
            expr = expr.value
        else:
            return None


def _tensor_operand(ctx: TranslateContext, value: cst.BaseExpression) -> bool:
    """An argument value taken as a tensor, decided on the source as written: tensor evidence,
    or a value of Paddle's own API (code already written through ``paddle``)."""
    original = ctx.original_of(value)
    if original is None:
        return ctx.is_tensor(value)
    if ctx.is_tensor(original):
        return True
    while isinstance(original, (cst.Call, cst.Attribute, cst.Subscript)) and dotted_name(original) is None:
        original = original.func if isinstance(original, cst.Call) else original.value
    name = dotted_name(original)
    return name is not None and name.startswith("paddle.") and ctx.resolve(original) is None


def _sliced(value: cst.BaseExpression) -> bool:
    """A subscript taking a slice, ``None`` or ``...`` (``boxes[:, :2]``): never an int dim as
    written (a sequence's slice is a sequence, a tensor's a tensor), so the other operand."""
    if not isinstance(value, cst.Subscript):
        return False
    return any(isinstance(e.slice, cst.Slice) or (isinstance(e.slice, cst.Index) and (
        (isinstance(e.slice.value, cst.Name) and e.slice.value.value == "None") or isinstance(e.slice.value, cst.Ellipsis)))
        for e in value.slice)


@handler("fn_max_min")
def max_min(ctx: TranslateContext, call: cst.Call, rule: ApiRule) -> Outcome:
    """``torch.max(x)``, ``torch.max(x, dim, keepdim)`` (values and indices) and ``torch.max(x, y)``
    (``y`` known to be a tensor, or a slice: ``_sliced``)."""
    bound = bind_supported(ctx, call, rule)
    if refused(bound):
        return bound
    name = rule.name  # "max" or "min"
    x = bound["input"]
    second = bound.get("dim")
    other = bound.get("other")
    if second is not None and other is None:
        lit = literal_value(second)
        if isinstance(lit, int) and not isinstance(lit, bool):
            pass
        elif (_tensor_operand(ctx, second) or _sliced(ctx.original_of(second) or second)) and "keepdim" not in bound:
            other, second = second, None
        elif any(a.keyword is None for a in call.args[1:2]):
            return refuse(Refusal.UNSUPPORTED_ARGUMENT, f"cannot tell whether {ctx.code(second)!r} is a dim or a tensor; "
                      f"write dim= or use torch.{'maximum' if name == 'max' else 'minimum'}; left unchanged")
    if other is not None:
        if "keepdim" in bound or second is not None:
            return refuse(Refusal.CANNOT_BIND, "unexpected arguments; left unchanged")
        target = "paddle.maximum" if name == "max" else "paddle.minimum"
        return make_call(ctx.ref(target), [cst.Arg(x), cst.Arg(other)])
    if second is None:
        if "keepdim" in bound:
            return refuse(Refusal.CANNOT_BIND, "keepdim= without dim; left unchanged")
        return make_call(ctx.ref(f"paddle.{name}"), [cst.Arg(x)])
    args = [cst.Arg(x), cst.Arg(second)]
    if "keepdim" in bound:
        args.append(cst.Arg(bound["keepdim"]))
    return make_call(cst.Name(ctx.support(f"_torch_{name}")), args)


@handler("fn_sort")
def sort(ctx: TranslateContext, call: cst.Call, rule: ApiRule) -> Outcome:
    """``torch.sort`` returns values and indices; Paddle's sort returns values only."""
    bound = bind_supported(ctx, call, rule)
    if refused(bound):
        return bound
    args = [cst.Arg(bound["input"])]
    for name in ("dim", "descending"):
        if name in bound:
            args.append(kw(name, bound[name]))
    stable = bound.get("stable")
    if stable is not None and literal_value(stable) is not False:  # passed on: a Paddle that has it
        return make_call(cst.Name(ctx.support("_torch_sort_stable")), [*args, kw("stable", stable)])
    return make_call(cst.Name(ctx.support("_torch_sort")), args)


@handler("fn_median")
def median(ctx: TranslateContext, call: cst.Call, rule: ApiRule) -> Outcome:
    """torch's median is the lower of the two middle values; with ``dim`` it also returns indices."""
    bound = bind_supported(ctx, call, rule)
    if refused(bound):
        return bound
    args = [cst.Arg(bound["input"])]
    if "dim" in bound:
        args.append(kw("axis", bound["dim"]))
    if "keepdim" in bound:
        args.append(kw("keepdim", bound["keepdim"]))
    args.append(kw("mode", cst.SimpleString('"min"')))
    return make_call(ctx.ref(rule.paddle or ""), args)


@handler("fn_std_var")
def std_var(ctx: TranslateContext, call: cst.Call, rule: ApiRule) -> Outcome:
    """``torch.std/var(x, dim, unbiased, keepdim, *, correction)``: correction 0/1 -> unbiased."""
    bound = bind_supported(ctx, call, rule)
    if refused(bound):
        return bound
    dim = bound.get("dim")
    unbiased = bound.get("unbiased")
    if dim is not None and isinstance(literal_value(dim), bool):  # the std(x, unbiased) overload
        unbiased, dim = dim, None
    correction = bound.get("correction")
    if correction is not None:
        lit = literal_value(correction)
        if lit not in (0, 1) or isinstance(lit, bool) or unbiased is not None:
            return refuse(Refusal.UNSUPPORTED_ARGUMENT, f"correction={ctx.code(correction)}: Paddle has unbiased (1) or not (0) only; left unchanged")
        unbiased = cst.Name("True" if lit == 1 else "False")
    args = [cst.Arg(bound["input"])]
    if dim is not None:
        args.append(kw("axis", dim))
    if unbiased is not None:
        args.append(kw("unbiased", unbiased))
    if "keepdim" in bound:
        args.append(kw("keepdim", bound["keepdim"]))
    return make_call(ctx.ref(rule.paddle or ""), args)


@handler("fn_stat_mean")
def stat_mean(ctx: TranslateContext, call: cst.Call, rule: ApiRule) -> Outcome:
    """``torch.std_mean(x, ...)`` -> ``(paddle.std(x, ...), paddle.mean(x, ...))`` for a name ``x``."""
    x = bind_supported(ctx, call, rule)
    if refused(x):
        return x
    if not is_simple(x["input"], parenthesized=True):
        return refuse(Refusal.UNSUPPORTED_USE, "the input is used twice in the translation: assign it to a name first; left unchanged")
    stat = std_var(ctx, call, rule)
    if refused(stat):
        return stat
    args = [cst.Arg(x["input"])]
    dim = x.get("dim")
    if dim is not None and not isinstance(literal_value(dim), bool):
        args.append(kw("axis", dim))
    if "keepdim" in x:
        args.append(kw("keepdim", x["keepdim"]))
    mean = make_call(ctx.ref("paddle.mean"), args)
    return cst.Tuple([cst.Element(stat, comma=COMMA), cst.Element(mean)])


@handler("fn_cov")
def cov(ctx: TranslateContext, call: cst.Call, rule: ApiRule) -> Outcome:
    """``torch.cov(x, correction=c)`` -> ``paddle.linalg.cov(x, ddof=c == 1)`` for c in 0, 1."""
    bound = bind_supported(ctx, call, rule)
    if refused(bound):
        return bound
    corr = bound.get("correction")
    lit = 1 if corr is None else literal_value(corr)
    if lit not in (0, 1) or isinstance(lit, bool):
        return refuse(Refusal.UNSUPPORTED_ARGUMENT, f"correction={ctx.code(corr) if corr is not None else 1}: Paddle has ddof True/False only; left unchanged")
    rule2 = dataclasses.replace(plain_rule(rule, "correction"), extra={} if lit == 1 else {"ddof": "False"})
    return ctx.rewrite(call, rule2)


@handler("fn_linalg_norm")
def linalg_norm(ctx: TranslateContext, call: cst.Call, rule: ApiRule) -> Outcome:
    """Vector norms and Frobenius norms, which mean the same in Paddle 2.6 and 3.

    ``torch.linalg.norm(x)`` (no ord, no dim) and ``vector_norm(x)`` are 2-norms of the flattened
    tensor; an int ``dim`` is a vector norm along it; ``ord="fro"`` (or no ord) over two dims is
    the Frobenius norm; a ``dim`` not written out (one dim or several) is ``_torch_vector_norm``
    for ``vector_norm`` and for ``norm`` without ord.  Other matrix norms are reported.
    """
    bound = bind_supported(ctx, call, rule)
    if refused(bound):
        return bound
    params = rule.params or ()
    x = bound[params[0].name]
    ord_ = bound.get("ord")
    dim = bound.get("dim")
    vector = rule.name == "vector_norm"
    ord_lit = None if ord_ is None else literal_value(ord_)
    dim_lit = None if dim is None else literal_value(dim)
    args = [cst.Arg(x)]
    if dim is None:
        if ord_ is not None and not vector:
            return refuse(Refusal.UNSUPPORTED_ARGUMENT, "ord= without dim= is a matrix norm for 2-d inputs; give dim=; left unchanged")
        if ord_ is not None:
            args.append(kw("p", ord_))
    elif dim_lit is NOT_LITERAL and not isinstance(dim, (cst.Tuple, cst.List)) and (vector or ord_ is None):
        # one dim or several, known only when it runs (monai's `dim=reduce_axis`): paddle.norm
        # over two axes would be a matrix norm (p=2: the spectral norm), so a vector norm over them
        args.append(cst.Arg(ord_ if ord_ is not None else cst.Integer("2")))
        args.append(cst.Arg(dim))
        if "keepdim" in bound:
            args.append(cst.Arg(bound["keepdim"]))
        return make_call(cst.Name(ctx.support("_torch_vector_norm")), args)
    elif isinstance(dim_lit, int) or (dim_lit is NOT_LITERAL and not isinstance(dim, (cst.Tuple, cst.List))):
        args.append(kw("p", ord_ if ord_ is not None else cst.Float("2.0")))
        args.append(kw("axis", dim))
    elif isinstance(dim_lit, (tuple, list)) and len(dim_lit) == 2 and (
        ord_lit in (None, "fro") if not vector else ord_lit in (None, 2, 2.0)
    ):
        args.append(kw("p", cst.SimpleString('"fro"')))
        args.append(kw("axis", cst.List([cst.Element(cst.Integer(str(d)) if d >= 0 else cst.parse_expression(str(d)),
                                                      comma=COMMA if i == 0 else cst.MaybeSentinel.DEFAULT)
                                          for i, d in enumerate(dim_lit)])))
    else:
        return refuse(Refusal.UNSUPPORTED_ARGUMENT, f"ord={ctx.code(ord_) if ord_ is not None else None} over dim={ctx.code(dim)} "
                  "is not translated (Paddle 2.6 and 3 differ); left unchanged")
    if "keepdim" in bound:
        args.append(kw("keepdim", bound["keepdim"]))
    return make_call(ctx.ref(rule.paddle or ""), args)


# ---------------------------------------------------------------------------- arithmetic ----

@handler("fn_divide")
def divide(ctx: TranslateContext, call: cst.Call, rule: ApiRule) -> Outcome:
    """``torch.div(a, b)`` is true division (``a / b``; Paddle 2.6's divide truncates integers);
    ``rounding_mode="floor"`` -> ``paddle.floor_divide``."""
    bound = bind_supported(ctx, call, rule)
    if refused(bound):
        return bound
    params = rule.params or ()
    a, b = bound[params[0].name], bound[params[1].name]
    mode = bound.get("rounding_mode")
    lit = None if mode is None else literal_value(mode)
    if lit == "floor":
        return make_call(ctx.ref("paddle.floor_divide"), [cst.Arg(a), cst.Arg(b)])
    if lit is not None:
        return refuse(Refusal.UNSUPPORTED_ARGUMENT, f"rounding_mode={ctx.code(mode)}: only None and 'floor' are translated; left unchanged")
    return paren(cst.BinaryOperation(left=operand(a), operator=cst.Divide(), right=operand(b)))


_OPERATORS = {
    "paddle.add": cst.Add, "paddle.subtract": cst.Subtract, "paddle.multiply": cst.Multiply,
    "paddle.remainder": cst.Modulo, "paddle.equal": cst.Equal, "paddle.not_equal": cst.NotEqual,
    "paddle.greater_than": cst.GreaterThan, "paddle.greater_equal": cst.GreaterThanEqual,
    "paddle.less_than": cst.LessThan, "paddle.less_equal": cst.LessThanEqual,
}


def _binary(ctx: TranslateContext, target: str, a: cst.BaseExpression, b: cst.BaseExpression) -> cst.BaseExpression:
    """``paddle.add(a, b)``; with a number operand the operator (``a + 2``): Paddle's functions
    take tensors only, torch's take numbers too."""
    if any(isinstance(literal_value(v), (int, float)) for v in (a, b)):
        op = _OPERATORS[target]()
        if isinstance(op, cst.BaseCompOp):
            return paren(cst.Comparison(operand(a), [cst.ComparisonTarget(op, operand(b))]))
        return paren(cst.BinaryOperation(operand(a), op, operand(b)))
    return make_call(ctx.ref(target), [cst.Arg(a), cst.Arg(b)])


@handler("fn_binary")
def binary(ctx: TranslateContext, call: cst.Call, rule: ApiRule) -> Outcome:
    """Elementwise arithmetic and comparisons; a number operand gives the operator form."""
    bound = bind_supported(ctx, call, rule)
    if refused(bound):
        return bound
    params = rule.params or ()
    return _binary(ctx, rule.paddle or "", bound[params[0].name], bound[params[1].name])


@handler("fn_add_alpha")
def add_alpha(ctx: TranslateContext, call: cst.Call, rule: ApiRule) -> Outcome:
    """``torch.add(x, y, alpha=a)`` -> ``paddle.add(x, a * y)`` (same for sub)."""
    bound = bind_supported(ctx, call, rule)
    if refused(bound):
        return bound
    alpha = bound.get("alpha")
    other = bound["other"]
    if alpha is not None and literal_value(alpha) != 1:
        other = cst.BinaryOperation(left=operand(alpha), operator=cst.Multiply(), right=operand(other))
    return _binary(ctx, rule.paddle or "", bound["input"], other)


@handler("fn_addcmul")
def addcmul(ctx: TranslateContext, call: cst.Call, rule: ApiRule) -> Outcome:
    """``torch.addcmul(x, t1, t2, value=v)`` -> ``x + v * t1 * t2`` (addcdiv: ``t1 / t2``)."""
    bound = bind_supported(ctx, call, rule)
    if refused(bound):
        return bound
    op = cst.Multiply() if rule.name == "addcmul" else cst.Divide()
    term: cst.BaseExpression = cst.BinaryOperation(operand(bound["tensor1"]), op, operand(bound["tensor2"]))
    value = bound.get("value")
    if value is not None and literal_value(value) != 1:
        term = cst.BinaryOperation(operand(value), cst.Multiply(), term)
    return paren(cst.BinaryOperation(operand(bound["input"]), cst.Add(), term))


@handler("fn_pow")
def pow_(ctx: TranslateContext, call: cst.Call, rule: ApiRule) -> Outcome:
    """``torch.pow(2.0, t)``: Paddle's pow needs a tensor base, so a number base becomes ``2.0 ** t``;
    so does a base not known to be a tensor raised to a tensor (``torch.pow(w_m, t)``, ``w_m`` a
    float parameter): ``**`` is Paddle's pow for a tensor base too."""
    bound = bind_supported(ctx, call, rule)
    if refused(bound):
        return bound
    base = bound.get("input", bound.get("self"))
    exponent = bound.get("exponent")
    number_base = base is not None and isinstance(literal_value(base), (int, float))
    if number_base or (base is not None and exponent is not None and not ctx.is_tensor(base) and ctx.is_tensor(exponent)):
        return paren(cst.BinaryOperation(base, cst.Power(), operand(bound["exponent"])))
    return ctx.rewrite(call, plain_rule(rule))


# --------------------------------------------------------------------- dtypes of results ----

@handler("fn_dtype_str")
def dtype_str(ctx: TranslateContext, call: cst.Call, rule: ApiRule) -> Outcome:
    """The data rewrite, with ``dtype=paddle.float64`` written ``dtype="float64"``: Paddle 2.6's
    sum/prod/cumsum/cumprod reject dtype objects and accept their names."""
    new = ctx.rewrite(call, plain_rule(rule))
    if refused(new):
        return new
    dtypes = {id(a.value): _dtype_name(ctx, a.value) for a in call.args if a.keyword is not None and a.keyword.value == "dtype"}
    args = []
    for a in new.args:
        name = dtypes.get(id(a.value)) if a.keyword is not None and a.keyword.value == "dtype" else None
        if name is not None:
            a = a.with_changes(value=cst.SimpleString(f'"{name}"'))
        args.append(a)
    return new.with_changes(args=args)


def _dtype_name(ctx: TranslateContext, value: cst.BaseExpression) -> str | None:
    """The name of the Paddle dtype an argument value of the call is, as written: a torch dtype
    (``torch.float64``, ``torch.long`` -> ``"int64"``, by the table's dtype rules) or a Paddle one
    (``paddle.float32``); None for anything else."""
    original = ctx.original_of(value)
    if original is None:
        return None
    target = _paddle_api(ctx, original) if is_torch_dtype(ctx, value) or dotted_name(original) is not None else None
    return target.rsplit(".", 1)[-1] if target is not None else None


@handler("fn_astype")
def astype(ctx: TranslateContext, call: cst.Call, rule: ApiRule) -> Outcome:
    """The data rewrite plus the dtype torch returns, where Paddle 2.6 returns another one:
    matrix_rank is int64 (Paddle 2.6: int32); quantile keeps the input's dtype (Paddle 2.6: float64)."""
    bound = bind_supported(ctx, call, rule)
    if refused(bound):
        return bound
    new = ctx.rewrite(call, plain_rule(rule))
    if refused(new):
        return new
    if rule.name == "matrix_rank":
        dtype: cst.BaseExpression = cst.SimpleString('"int64"')
    else:
        x = bound[(rule.params or ())[0].name]
        if not is_simple(x, parenthesized=True):
            return new
        dtype = cst.Attribute(x, cst.Name("dtype"))
    return make_call(cst.Attribute(new, cst.Name("astype")), [cst.Arg(dtype)])


@handler("fn_tuple_result")
def tuple_result(ctx: TranslateContext, call: cst.Call, rule: ApiRule) -> Outcome:
    """torch returns a tuple where Paddle stacks the results into one tensor: ``tuple(...)``."""
    new = ctx.rewrite(call, plain_rule(rule))
    if refused(new):
        return new
    return make_call(cst.Name("tuple"), [cst.Arg(new)])


# -------------------------------------------------------------------------- support code ----

snippet(
    "_TorchValuesIndices",
    '''
class _TorchValuesIndices(NamedTuple):
    """(values, indices), like the named tuples torch.max/min/sort return."""

    values: Any
    indices: Any
''',
    imports=("from typing import Any, NamedTuple",),
    paddle=False,
)


for _name, _arg in (("max", "argmax"), ("min", "argmin")):
    snippet(
        f"_torch_{_name}",
        f'''
def _torch_{_name}(x, dim, keepdim=False):
    """torch.{_name}(x, dim): the {_name}imum values and their indices along dim."""
    return _TorchValuesIndices(paddle.{_name}(x, axis=dim, keepdim=keepdim), paddle.{_arg}(x, axis=dim, keepdim=keepdim))
''',
        deps=("_TorchValuesIndices",),
    )


snippet(
    "_torch_sort",
    '''
def _torch_sort(x, dim=-1, descending=False):
    """torch.sort: the sorted values and the indices that sort x along dim."""
    return _TorchValuesIndices(paddle.sort(x, axis=dim, descending=descending), paddle.argsort(x, axis=dim, descending=descending))
''',
    deps=("_TorchValuesIndices",),
)

snippet(
    "_torch_sort_stable",
    '''
def _torch_sort_stable(x, dim=-1, descending=False, stable=True):
    """torch.sort with stable=: the sorted values and the indices that sort x along
    dim."""
    values = paddle.sort(x, axis=dim, descending=descending, stable=stable)
    return _TorchValuesIndices(values, paddle.argsort(x, axis=dim, descending=descending, stable=stable))
''',
    deps=("_TorchValuesIndices",),
)

snippet(
    "_torch_vector_norm",
    '''
def _torch_vector_norm(x, ord=2, dim=None, keepdim=False):
    """torch.linalg.vector_norm: the ord-norm of x as a vector over dim (an int, several
    dims, or None: all), where paddle.norm over two axes is a matrix norm."""
    if dim is not None and not isinstance(dim, int):
        dim = [int(d) for d in dim]
    a = paddle.abs(x)
    if ord == float("inf"):
        return a.amax(axis=dim, keepdim=keepdim)
    if ord == -float("inf"):
        return a.amin(axis=dim, keepdim=keepdim)
    if ord == 0:
        return (a != 0).astype(x.dtype).sum(axis=dim, keepdim=keepdim)
    if ord == 1:
        return a.sum(axis=dim, keepdim=keepdim)
    if ord == 2:
        return paddle.sqrt((a * a).sum(axis=dim, keepdim=keepdim))
    return (a**ord).sum(axis=dim, keepdim=keepdim) ** (1.0 / ord)
''',
)
