"""More ``torch.*``, ``torch.nn.functional.*`` and ``torch.nn`` rewrites (rules/*_more.toml).

* ``fm_as_method``: ``torch.exp_(x)`` -> ``x.exp_()``: torch functions whose Paddle counterpart
  is only a tensor method (most in-place variants);
* ``fm_identity``: ``torch.positive(x)`` -> ``x``;
* ``fm_legacy_reduction``: the deprecated ``size_average=``/``reduce=`` of the losses become
  ``reduction=`` by torch's own rule (``torch.nn._reduction.legacy_get_string``);
* ``fm_typed_tensor``: the legacy constructors ``torch.FloatTensor([...])`` and friends;
* ``fm_support_call``: a call of the entry's support function with the data rewrite's
  arguments (``extra`` added only where torch's argument is not given);
* support functions ``_torch_fn_*`` for what Paddle has no function for.
"""

from __future__ import annotations

import libcst as cst

from ...rules import ApiRule
from ..registry import Caveat, Refusal, TranslateContext, handler
from ._common import (
    Outcome,
    atom,
    bind_supported,
    call_on,
    is_simple,
    kw,
    literal_value,
    make_call,
    plain_rule,
    refuse,
    refused,
    snippet,
)


def _renamed(rule: ApiRule, name: str) -> str:
    return rule.rename.get(name, name)


@handler("fm_as_method")
def as_method(ctx: TranslateContext, call: cst.Call, rule: ApiRule) -> Outcome:
    """``torch.f(x, a, b=...)`` -> ``x.m(a=..., b=...)``, ``m`` the last name of the entry's
    ``paddle`` (a ``paddle.Tensor`` method); the other arguments by their (renamed) keywords,
    ``extra`` ones added where torch's argument is not given."""
    bound = bind_supported(ctx, call, rule)
    if refused(bound):
        return bound
    params = [p.name for p in rule.params or ()]
    recv = bound[params[0]]
    args: list[cst.Arg] = []
    for name in params[1:]:
        if name in bound and name not in rule.drop and name not in rule.unsupported:
            args.append(kw(_renamed(rule, name), bound[name]))
    given = {_renamed(rule, n) for n in bound}
    for key, value in rule.extra.items():
        if key not in given:
            args.append(kw(key, cst.parse_expression(value)))
    return call_on(recv, (rule.paddle or "").rsplit(".", 1)[-1], args)


@handler("fm_identity")
def identity(ctx: TranslateContext, call: cst.Call, rule: ApiRule) -> Outcome:
    """``torch.positive(x)``, ``torch.resolve_conj(x)``: the input itself (real tensors)."""
    bound = bind_supported(ctx, call, rule)
    if refused(bound):
        return bound
    value = bound[(rule.params or ())[0].name]
    if isinstance(value, (cst.Name, cst.Attribute, cst.Call, cst.Subscript)):
        return value
    return value.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()]) if not getattr(value, "lpar", None) else value


def _legacy_reduction(ctx: TranslateContext, bound: dict) -> str | None | object:
    """torch's ``legacy_get_string``: None when neither argument is given, the reduction's name
    when both are literals (None counting as True), a ``Refused`` otherwise."""
    size_average, reduce = bound.get("size_average"), bound.get("reduce")
    given = [n for n in (size_average, reduce) if n is not None and literal_value(n) is not None]
    if not given:  # torch applies the legacy rule only when one of them is not None
        return None
    values = []
    for name, node in (("size_average", size_average), ("reduce", reduce)):
        lit = True if node is None else literal_value(node)
        if lit is None:
            lit = True
        if not isinstance(lit, bool):
            return refuse(Refusal.UNSUPPORTED_ARGUMENT, f"{name}={ctx.code(node)}: write True, False or None here "
                          "(or reduction=) to translate the deprecated argument; left unchanged")
        values.append(lit)
    size_average_v, reduce_v = values
    if size_average_v and reduce_v:
        return "mean"
    return "sum" if reduce_v else "none"


@handler("fm_legacy_reduction")
def legacy_reduction(ctx: TranslateContext, call: cst.Call, rule: ApiRule) -> Outcome:
    """Losses with the deprecated ``size_average``/``reduce``: torch ignores ``reduction`` when
    either is given and takes ``'mean'`` if both are true (None counts as true), ``'sum'`` if
    only ``reduce`` is, ``'none'`` if ``reduce`` is false; written as ``reduction=``."""
    bound = bind_supported(ctx, call, rule)
    if refused(bound):
        return bound
    reduction = _legacy_reduction(ctx, bound)
    if refused(reduction):
        return reduction
    target = rule.support
    if reduction is None:
        new = plain_rule(rule, "size_average", "reduce", paddle=rule.paddle)
    else:
        extra = {**rule.extra, _renamed(rule, "reduction"): f'"{reduction}"'}
        new = plain_rule(rule, "size_average", "reduce", "reduction", extra=extra)
    out = ctx.rewrite(call, new)
    if refused(out) or target is None:
        return out
    return out.with_changes(func=cst.Name(ctx.support(target)))


@handler("fm_support_call")
def support_call(ctx: TranslateContext, call: cst.Call, rule: ApiRule) -> Outcome:
    """The entry's support function called with the data rewrite's arguments; ``extra`` ones only
    where torch's argument is not given (they restore a torch default)."""
    bound = bind_supported(ctx, call, rule)
    if refused(bound):
        return bound
    given = {_renamed(rule, n) for n in bound}
    extra = {k: v for k, v in rule.extra.items() if k not in given}
    out = ctx.rewrite(call, plain_rule(rule, extra=extra, paddle=None))
    if refused(out):
        return out
    return out.with_changes(func=cst.Name(ctx.support(rule.support or "")))



@handler("fm_inplace_assign")
def inplace_assign(ctx: TranslateContext, call: cst.Call, rule: ApiRule) -> Outcome:
    """``F.celu_(x)`` -> ``paddle.assign(paddle.nn.functional.celu(x), output=x)``: an in-place
    torch function whose Paddle counterpart only returns a new tensor; the result is written
    back into the input (a name or attribute, which the output names twice).  ``extra`` ones
    are added where torch's argument is not given."""
    bound = bind_supported(ctx, call, rule)
    if refused(bound):
        return bound
    x = bound[(rule.params or ())[0].name]
    if not is_simple(x, parenthesized=True):
        return refuse(Refusal.UNSUPPORTED_USE, "the input is used twice in the translation: assign it to a name first; left unchanged")
    given = {_renamed(rule, n) for n in bound}
    extra = {k: v for k, v in rule.extra.items() if k not in given}
    value = ctx.rewrite(call, plain_rule(rule, extra=extra))
    if refused(value):
        return value
    return make_call(ctx.ref("paddle.assign"), [cst.Arg(value), kw("output", x)])

# ------------------------------------------------------------------ legacy constructors ----

_TYPED = {
    "FloatTensor": "float32", "DoubleTensor": "float64", "HalfTensor": "float16", "BFloat16Tensor": "bfloat16",
    "LongTensor": "int64", "IntTensor": "int32", "ShortTensor": "int16", "CharTensor": "int8",
    "ByteTensor": "uint8", "BoolTensor": "bool",
}


@handler("fm_typed_tensor")
def typed_tensor(ctx: TranslateContext, call: cst.Call, rule: ApiRule) -> Outcome:
    """``torch.FloatTensor([1, 2])`` -> ``paddle.to_tensor([1, 2], dtype="float32")`` (data: a
    list or tuple display, or any expression that is not an int); ``torch.FloatTensor(2, 3)``
    (sizes: int literals or ``x.size()``/``x.shape``) -> ``paddle.empty([2, 3], dtype=...)``;
    ``torch.FloatTensor()`` -> an empty tensor."""
    dtype = cst.SimpleString(f'"{_TYPED[rule.name]}"')
    args = list(call.args)
    if any(a.keyword is not None or a.star for a in args):
        return refuse(Refusal.CANNOT_BIND, "keyword or starred arguments; left unchanged")
    values = [a.value for a in args]
    if not values:
        return make_call(ctx.ref("paddle.empty"), [cst.Arg(cst.List([cst.Element(cst.Integer("0"))])), kw("dtype", dtype)])
    ints = [isinstance(literal_value(v), int) and not isinstance(literal_value(v), bool) for v in values]
    if all(ints):
        shape = cst.List([cst.Element(v) for v in values])
        return make_call(ctx.ref("paddle.empty"), [cst.Arg(shape), kw("dtype", dtype)])
    if len(values) == 1:
        only = values[0]
        if isinstance(only, cst.Attribute) and only.attr.value == "shape" or (
            isinstance(only, cst.Call) and isinstance(only.func, cst.Attribute) and only.func.attr.value == "size" and not only.args
        ):
            return make_call(ctx.ref("paddle.empty"), [cst.Arg(only), kw("dtype", dtype)])
        if ctx.is_tensor(only):
            return call_on(only, "astype", [cst.Arg(dtype)])
        if not isinstance(only, (cst.List, cst.Tuple, cst.ListComp)):
            ctx.warn(call, rule.torch, f"assumed {ctx.code(only)!r} is data (a sequence or array), not a size", Caveat.ASSUMED)
        return make_call(ctx.ref("paddle.to_tensor"), [cst.Arg(only), kw("dtype", dtype)])
    return refuse(Refusal.UNSUPPORTED_ARGUMENT, "sizes that are not int literals; write torch.empty(..., dtype=...); left unchanged")


# ------------------------------------------------------------------ support functions ----

def _fn(name: str, code: str, imports: tuple[str, ...] = (), deps: tuple[str, ...] = ()) -> None:
    snippet(name, code, imports=imports, deps=deps)


_fn("_torch_fn_as_tensor", '''
def _torch_fn_as_tensor(v, like):
    """A number as a tensor of ``like``'s dtype (torch's functions take numbers too)."""
    return v if isinstance(v, paddle.Tensor) else paddle.full([], v, dtype=like.dtype)
''')

_fn("_torch_fn_fmod", '''
def _torch_fn_fmod(x, y):
    """torch.fmod: the C remainder, with the sign of the dividend."""
    y = _torch_fn_as_tensor(y, x)
    return paddle.sign(x) * paddle.mod(paddle.abs(x), paddle.abs(y))
''', deps=("_torch_fn_as_tensor",))

_fn("_torch_fn_xlogy", '''
def _torch_fn_xlogy(x, y):
    """torch.xlogy: x * log(y), 0 where x == 0 (NaN where y is NaN)."""
    if not isinstance(x, paddle.Tensor):
        x = paddle.full([], x, dtype=y.dtype)
    y = _torch_fn_as_tensor(y, x)
    out = paddle.where(x == 0, paddle.zeros_like(x * y), x * paddle.log(y))
    return paddle.where(paddle.isnan(y), y + paddle.zeros_like(out), out)
''', deps=("_torch_fn_as_tensor",))

_fn("_torch_fn_logaddexp2", '''
def _torch_fn_logaddexp2(x, y):
    """torch.logaddexp2: log2(2**x + 2**y), computed without overflow."""
    m = paddle.maximum(x, y)
    ln2 = math.log(2.0)
    return m + paddle.log2(paddle.exp((x - m) * ln2) + paddle.exp((y - m) * ln2))
''', imports=("import math",))

_fn("_torch_fn_exp2", '''
def _torch_fn_exp2(x):
    """torch.exp2: 2 ** x, floating for integer input too."""
    if not paddle.is_floating_point(x):
        x = x.astype(paddle.get_default_dtype())
    return paddle.pow(paddle.full([], 2.0, dtype=x.dtype), x)
''')

_fn("_torch_fn_erfc", '''
def _torch_fn_erfc(x):
    """torch.erfc: 1 - erf(x), computed in float64 so small results keep their
    digits."""
    return (1.0 - paddle.erf(x.astype("float64"))).astype(x.dtype)
''')

_fn("_torch_fn_float_power", '''
def _torch_fn_float_power(x, y):
    """torch.float_power: the power in float64."""
    x = x.astype("float64") if isinstance(x, paddle.Tensor) else paddle.full([], x, dtype="float64")
    y = y.astype("float64") if isinstance(y, paddle.Tensor) else float(y)
    return paddle.pow(x, y)
''')

_fn("_torch_fn_vdot", '''
def _torch_fn_vdot(x, y):
    """torch.vdot: the dot product of 1-d tensors, the first conjugated."""
    return paddle.sum(paddle.conj(x) * y)
''')

_fn("_torch_fn_aminmax", '''
def _torch_fn_aminmax(x, axis=None, keepdim=False):
    """torch.aminmax: (amin, amax) over ``axis`` (all elements when None)."""
    return paddle.amin(x, axis=axis, keepdim=keepdim), paddle.amax(x, axis=axis, keepdim=keepdim)
''')

_fn("_torch_fn_addmv", '''
def _torch_fn_addmv(input, mat, vec, beta=1, alpha=1):
    """torch.addmv: beta * input + alpha * (mat @ vec); input ignored when beta is 0."""
    out = paddle.mv(mat, vec)
    if alpha != 1:
        out = alpha * out
    return out if beta == 0 else beta * input + out
''')

_fn("_torch_fn_addr", '''
def _torch_fn_addr(input, vec1, vec2, beta=1, alpha=1):
    """torch.addr: beta * input + alpha * outer(vec1, vec2); input ignored when beta is
    0."""
    out = paddle.outer(vec1, vec2)
    if alpha != 1:
        out = alpha * out
    return out if beta == 0 else beta * input + out
''')

_fn("_torch_fn_addbmm", '''
def _torch_fn_addbmm(input, batch1, batch2, beta=1, alpha=1):
    """torch.addbmm: beta * input + alpha * (the sum over the batch of batch1 @
    batch2)."""
    out = paddle.sum(paddle.bmm(batch1, batch2), axis=0)
    if alpha != 1:
        out = alpha * out
    return out if beta == 0 else beta * input + out
''')

_fn("_torch_fn_adjoint", '''
def _torch_fn_adjoint(x):
    """torch.adjoint: the conjugate with the last two dimensions swapped."""
    perm = list(range(x.ndim))
    perm[-2], perm[-1] = perm[-1], perm[-2]
    return paddle.transpose(paddle.conj(x) if x.is_complex() else x, perm)
''')

_fn("_torch_fn_cholesky_inverse", '''
def _torch_fn_cholesky_inverse(L, upper=False):
    """torch.cholesky_inverse: the inverse of A from its Cholesky factor (A = L L^T or
    U^T U)."""
    perm = list(range(L.ndim))
    perm[-2], perm[-1] = perm[-1], perm[-2]
    Lt = paddle.transpose(L, perm)
    return paddle.linalg.inv(paddle.matmul(Lt, L) if upper else paddle.matmul(L, Lt))
''')

_fn("_torch_fn_logdet", '''
def _torch_fn_logdet(x):
    """torch.logdet: log of the determinant (NaN for a negative one)."""
    return paddle.log(paddle.linalg.det(x))
''')

_fn("_torch_fn_slogdet", '''
def _torch_fn_slogdet(x):
    """torch.slogdet: (sign, log|det|); Paddle stacks them in one tensor."""
    sign = paddle.sign(paddle.linalg.det(x))
    return sign, paddle.log(paddle.abs(paddle.linalg.det(x)))
''')

_fn("_torch_fn_isneginf", '''
def _torch_fn_isneginf(x):
    """torch.isneginf."""
    return paddle.logical_and(paddle.isinf(x), x < 0)
''')

_fn("_torch_fn_isposinf", '''
def _torch_fn_isposinf(x):
    """torch.isposinf."""
    return paddle.logical_and(paddle.isinf(x), x > 0)
''')

_fn("_torch_fn_isreal", '''
def _torch_fn_isreal(x):
    """torch.isreal: True where the imaginary part is 0 (everywhere for real
    tensors)."""
    if x.is_complex():
        return paddle.imag(x) == 0
    return paddle.ones(x.shape, dtype="bool")
''')

_fn("_torch_fn_is_signed", '''
def _torch_fn_is_signed(x):
    """torch.is_signed: the dtype holds negative numbers."""
    return x.dtype not in (paddle.uint8, paddle.bool)
''')

_fn("_torch_fn_slice_scatter", '''
def _torch_fn_slice_scatter(x, src, dim=0, start=None, end=None, step=1):
    """torch.slice_scatter: a copy of x with x[..., start:end:step, ...] (along dim) set
    to src."""
    out = x.clone()
    index = [slice(None)] * x.ndim
    index[dim] = slice(start, end, step)
    out[tuple(index)] = src
    return out
''')

_fn("_torch_fn_select", '''
def _torch_fn_select(x, dim, index):
    """torch.select: x indexed with ``index`` along ``dim`` (that dimension removed)."""
    i = [slice(None)] * x.ndim
    i[dim] = index
    return x[tuple(i)]
''')

_fn("_torch_fn_index_copy", '''
def _torch_fn_index_copy(x, dim, index, source):
    """torch.index_copy: a copy of x with the slices at ``index`` along ``dim`` replaced
    by source."""
    xt = paddle.moveaxis(x, dim, 0)
    st = paddle.moveaxis(source, dim, 0)
    return paddle.moveaxis(paddle.scatter(xt, index, st, overwrite=True), 0, dim)
''')

_fn("_torch_fn_put", '''
def _torch_fn_put(x, index, source, accumulate=False):
    """torch.put: x as a flat tensor with ``source`` written (or added) at ``index``."""
    flat = x.flatten()
    index = paddle.where(index < 0, index + flat.shape[0], index).flatten()
    source = source.flatten()
    if accumulate:
        out = paddle.index_add(flat, index, 0, source)
    else:
        out = paddle.scatter(flat, index, source, overwrite=True)
    return out.reshape(x.shape)
''')

_fn("_torch_fn_unravel_index", '''
def _torch_fn_unravel_index(indices, shape):
    """torch.unravel_index: the coordinates of flat indices in ``shape``, one tensor per
    dimension."""
    shape = [shape] if isinstance(shape, int) else list(shape)
    out = []
    for size in reversed(shape):
        out.append(paddle.remainder(indices, paddle.full([], size, dtype=indices.dtype)))
        indices = paddle.floor_divide(indices, paddle.full([], size, dtype=indices.dtype))
    return tuple(reversed(out))
''')

_fn("_torch_fn_broadcast_shapes", '''
def _torch_fn_broadcast_shapes(*shapes):
    """torch.broadcast_shapes: the shape the given shapes broadcast to."""
    out = []
    for s in shapes:
        out = paddle.broadcast_shape(out, [s] if isinstance(s, int) else list(s))
    return tuple(out)
''')

_fn("_torch_fn_range", '''
def _torch_fn_range(start=0, end=None, step=1, dtype=None):
    """torch.range: start to end inclusive, floating by default."""
    if end is None:
        start, end = 0, start
    n = int(math.floor((end - start) / step)) + 1
    dtype = dtype if dtype is not None else paddle.get_default_dtype()
    return paddle.full([], start, dtype=dtype) + paddle.arange(n, dtype=dtype) * step
''', imports=("import math",))

_fn("_torch_fn_scalar_tensor", '''
def _torch_fn_scalar_tensor(s, dtype=None):
    """torch.scalar_tensor: a 0-d tensor, of the default floating dtype unless told."""
    return paddle.full([], s, dtype=dtype if dtype is not None else paddle.get_default_dtype())
''')

_fn("_torch_fn_randint_like", '''
def _torch_fn_randint_like(x, low=0, high=None, dtype=None):
    """torch.randint_like: random integers in [low, high) with x's shape and dtype."""
    if high is None:
        low, high = 0, low
    return paddle.randint(low, high, x.shape).astype(dtype if dtype is not None else x.dtype)
''')

_fn("_torch_fn_window", '''
def _torch_fn_window(window_length, periodic=True, window="hann", beta=12.0, dtype=None):
    """torch's window functions (hann, hamming, blackman, bartlett, kaiser)."""
    dtype = dtype if dtype is not None else paddle.get_default_dtype()
    if window_length == 0:
        return paddle.zeros([0], dtype=dtype)
    if window_length == 1:
        return paddle.ones([1], dtype=dtype)
    if window in ("bartlett", "kaiser"):  # Paddle 2.6's get_window has neither
        m = window_length + 1 if periodic else window_length
        r = paddle.arange(m, dtype="float64") * (2.0 / (m - 1)) - 1.0
        if window == "bartlett":
            w = 1.0 - paddle.abs(r)
        else:
            w = paddle.i0(beta * paddle.sqrt(paddle.clip(1.0 - r * r, min=0.0))) / paddle.i0(paddle.full([], beta, dtype="float64"))
        return w[:window_length].astype(dtype)
    return paddle.audio.functional.get_window(window, window_length, fftbins=periodic, dtype="float64").astype(dtype)
''')

_fn("_torch_fn_chain_matmul", '''
def _torch_fn_chain_matmul(*matrices):
    """torch.chain_matmul: the product of the matrices."""
    return matrices[0] if len(matrices) == 1 else paddle.linalg.multi_dot(list(matrices))
''')

_fn("_torch_fn_qr", '''
def _torch_fn_qr(x, some=True):
    """torch.qr: (Q, R), reduced unless some=False."""
    return paddle.linalg.qr(x, mode="reduced" if some else "complete")
''')

_fn("_torch_fn_svd", '''
def _torch_fn_svd(x, some=True, compute_uv=True):
    """torch.svd: (U, S, V) with V, not its conjugate transpose."""
    u, s, vh = paddle.linalg.svd(x, full_matrices=not some)
    perm = list(range(vh.ndim))
    perm[-2], perm[-1] = perm[-1], perm[-2]
    v = paddle.transpose(paddle.conj(vh) if vh.is_complex() else vh, perm)
    if not compute_uv:
        return paddle.zeros_like(u), s, paddle.zeros_like(v)
    return u, s, v
''')

_fn("_torch_fn_dstack", '''
def _torch_fn_dstack(tensors):
    """torch.dstack: stacked along the third dimension (1-d and 2-d inputs made 3-d
    first)."""
    return paddle.concat([paddle.atleast_3d(t) if t.ndim < 3 else t for t in tensors], axis=2)
''')

_fn("_torch_fn_column_stack", '''
def _torch_fn_column_stack(tensors):
    """torch.column_stack: 0-d and 1-d tensors as columns, the others as they are, side
    by side."""
    return paddle.concat([t.reshape([-1, 1]) if t.ndim < 2 else t for t in tensors], axis=1)
''')

_fn("_torch_fn_hsplit", '''
def _torch_fn_hsplit(x, sections):
    """torch.hsplit: split along dimension 1 (0 for 1-d tensors); an int is the number
    of parts, a list the indices to split at."""
    return _torch_fn_split_at(x, sections, 1 if x.ndim > 1 else 0)
''', deps=("_torch_fn_split_at",))

_fn("_torch_fn_vsplit", '''
def _torch_fn_vsplit(x, sections):
    """torch.vsplit: split along dimension 0."""
    return _torch_fn_split_at(x, sections, 0)
''', deps=("_torch_fn_split_at",))

_fn("_torch_fn_dsplit", '''
def _torch_fn_dsplit(x, sections):
    """torch.dsplit: split along dimension 2."""
    return _torch_fn_split_at(x, sections, 2)
''', deps=("_torch_fn_split_at",))

_fn("_torch_fn_split_at", '''
def _torch_fn_split_at(x, sections, axis):
    """numpy-style split: an int is a number of equal parts, a sequence the indices to
    split at."""
    if isinstance(sections, int):
        return paddle.split(x, sections, axis=axis)
    n = x.shape[axis]
    bounds = [0] + [min(max(int(i), 0), n) for i in sections] + [n]
    return [paddle.slice(x, [axis], [a], [max(a, b)]) for a, b in zip(bounds[:-1], bounds[1:])]
''')

_fn("_torch_fn_rms_norm", '''
def _torch_fn_rms_norm(x, normalized_shape, weight=None, eps=None):
    """torch.nn.functional.rms_norm: x / sqrt(mean(x^2) + eps) over the last dimensions,
    times weight."""
    shape = [normalized_shape] if isinstance(normalized_shape, int) else list(normalized_shape)
    axes = list(range(x.ndim - len(shape), x.ndim))
    if eps is None:
        eps = float(paddle.finfo(x.dtype).eps)
    out = x * paddle.rsqrt(paddle.mean(x * x, axis=axes, keepdim=True) + eps)
    return out * weight if weight is not None else out
''')

_fn("_torch_fn_adaptive_max_pool1d", '''
def _torch_fn_adaptive_max_pool1d(x, output_size):
    """torch.adaptive_max_pool1d: (values, indices), as torch's function always
    returns."""
    return paddle.nn.functional.adaptive_max_pool1d(x, output_size, return_mask=True)
''')

_fn("_torch_fn_multilabel_margin_loss", '''
def _torch_fn_multilabel_margin_loss(input, label, reduction="mean"):
    """torch.nn.functional.multilabel_margin_loss: the targets are class indices padded
    with -1; sum over targets j and non-targets i of max(0, 1 - (x[j] - x[i])) / C."""
    x = input if input.ndim == 2 else input.unsqueeze(0)
    y = label if label.ndim == 2 else label.unsqueeze(0)
    c = x.shape[1]
    valid = paddle.cumprod((y >= 0).astype(x.dtype), dim=1)
    yi = paddle.where(y >= 0, y, paddle.zeros_like(y))
    is_target = paddle.sum(paddle.nn.functional.one_hot(yi, c) * valid.unsqueeze(-1), axis=1) > 0
    xt = paddle.take_along_axis(x, yi, axis=1)
    hinge = paddle.clip(1.0 - (xt.unsqueeze(2) - x.unsqueeze(1)), min=0.0)
    mask = valid.unsqueeze(2) * (~is_target).astype(x.dtype).unsqueeze(1)
    loss = paddle.sum(hinge * mask, axis=[1, 2]) / c
    if input.ndim == 1:
        loss = loss.squeeze(0)
    if reduction == "mean":
        return paddle.mean(loss)
    if reduction == "sum":
        return paddle.sum(loss)
    return loss
''')


_fn("_torch_fn_lp_pool3d", '''
def _torch_fn_lp_pool3d(x, norm_type, kernel_size, stride=None, ceil_mode=False):
    """torch.nn.functional.lp_pool3d: (sum over each window of x ** p) ** (1 / p)."""
    k = [kernel_size] * 3 if isinstance(kernel_size, int) else list(kernel_size)
    out = paddle.nn.functional.avg_pool3d(paddle.pow(x, norm_type), k, stride=stride, ceil_mode=ceil_mode)
    out = paddle.sign(out) * paddle.nn.functional.relu(paddle.abs(out))
    return paddle.pow(out * (k[0] * k[1] * k[2]), 1.0 / norm_type)
''')

snippet("TorchLPPool3d", '''
class TorchLPPool3d(paddle.nn.Layer):
    """torch.nn.LPPool3d: the power-average pooling over 3-d windows."""

    def __init__(self, norm_type, kernel_size, stride=None, ceil_mode=False):
        super().__init__()
        self.norm_type, self.kernel_size, self.stride, self.ceil_mode = norm_type, kernel_size, stride, ceil_mode

    def forward(self, x):
        return _torch_fn_lp_pool3d(x, self.norm_type, self.kernel_size, self.stride, self.ceil_mode)
''', deps=("_torch_fn_lp_pool3d",))

snippet("TorchRMSNorm", '''
class TorchRMSNorm(paddle.nn.Layer):
    """torch.nn.RMSNorm: x / sqrt(mean(x^2) + eps) over the last dimensions, times a
    learned weight (initialized to ones) when elementwise_affine."""

    def __init__(self, normalized_shape, eps=None, elementwise_affine=True):
        super().__init__()
        self.normalized_shape = [normalized_shape] if isinstance(normalized_shape, int) else list(normalized_shape)
        self.eps = eps
        self.weight = None
        if elementwise_affine:
            self.weight = self.create_parameter(self.normalized_shape, default_initializer=paddle.nn.initializer.Constant(1.0))

    def forward(self, x):
        return _torch_fn_rms_norm(x, self.normalized_shape, self.weight, self.eps)
''', deps=("_torch_fn_rms_norm",))

for _d in (1, 2, 3):
    _fn(f"_torch_fn_max_pool{_d}d_with_indices", f'''
def _torch_fn_max_pool{_d}d_with_indices(x, kernel_size, stride=None, padding=0, ceil_mode=False):
    """torch's max_pool{_d}d_with_indices: (values, int64 flat indices in each input
    plane)."""
    out, idx = paddle.nn.functional.max_pool{_d}d(x, kernel_size, stride=stride, padding=padding, ceil_mode=ceil_mode, return_mask=True)
    return out, idx.astype("int64")
''')
    _fn(f"_torch_fn_adaptive_max_pool{_d}d_with_indices", f'''
def _torch_fn_adaptive_max_pool{_d}d_with_indices(x, output_size):
    """torch's adaptive_max_pool{_d}d_with_indices: (values, int64 flat indices in each
    input plane)."""
    out, idx = paddle.nn.functional.adaptive_max_pool{_d}d(x, output_size, return_mask=True)
    return out, idx.astype("int64")
''')

_fn("_torch_fn_slice", '''
def _torch_fn_slice(x, dim=0, start=None, end=None, step=1):
    """torch.slice_copy: x[..., start:end:step, ...] along dim, as a copy."""
    index = [slice(None)] * x.ndim
    index[dim] = slice(start, end, step)
    return x[tuple(index)].clone()
''')

_fn("_torch_fn_scatter_reduce", '''
def _torch_fn_scatter_reduce(x, dim, index, src, reduce, include_self=True):
    """torch.scatter_reduce: paddle.put_along_axis with torch's reduction names; src is
    cut to the index's shape (torch reads only that part of it)."""
    names = {"sum": "add", "prod": "mul", "mean": "mean", "amax": "amax", "amin": "amin"}
    src = src[tuple(slice(0, n) for n in index.shape)]
    return paddle.put_along_axis(x, index, src, dim, reduce=names[reduce], include_self=include_self, broadcast=False)
''')


@handler("fm_same_size")
def same_size(ctx: TranslateContext, call: cst.Call, rule: ApiRule) -> Outcome:
    """``torch.is_same_size(a, b)`` -> ``a.shape == b.shape`` (lists of ints in Paddle)."""
    bound = bind_supported(ctx, call, rule)
    if refused(bound):
        return bound
    a, b = (cst.Attribute(value=atom(bound[p.name]), attr=cst.Name("shape")) for p in (rule.params or ())[:2])
    return cst.Comparison(left=a, comparisons=[cst.ComparisonTarget(cst.Equal(), b)],
                          lpar=[cst.LeftParen()], rpar=[cst.RightParen()])
