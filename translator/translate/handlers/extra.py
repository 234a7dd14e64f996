"""What was still missing among ``torch.*``, ``torch.nn`` and ``torch.utils.data``
(rules/torch_functions_extra.toml, rules/nn_extra.toml, rules/data_extra.toml).

* ``ex_enum_args``: the ``torch.*`` forms of the losses and of ``grid_sampler`` take ints where
  ``torch.nn.functional`` takes strings (``reduction=1`` is ``'mean'``); int literals become the
  strings, anything else is refused;
* ``ex_inplace``: ``torch.erfc_(x)`` -> ``paddle.assign(<the out-of-place result>, output=x)``,
  the out-of-place result written by the entry's ``paddle`` name or its support function;
* support code (``_torch_ex_*`` functions, ``TorchEmbeddingBag``, ``TorchLazy*``,
  ``TorchDataParallel``, ``TorchDistributedSampler``, ``TorchStackDataset``) implementing torch's
  semantics where Paddle has no counterpart.
"""

from __future__ import annotations

import libcst as cst

from ...rules import ApiRule
from ..registry import Refusal, TranslateContext, handler
from ._common import Outcome, bind_supported, is_simple, kw, literal_value, make_call, plain_rule, refuse, refused, snippet

_REDUCTION = ("none", "mean", "sum")
_ENUMS: dict[str, dict[str, tuple[str, ...]]] = {
    "grid_sampler": {"interpolation_mode": ("bilinear", "nearest", "bicubic"), "padding_mode": ("zeros", "border", "reflection")},
}


@handler("ex_enum_args")
def enum_args(ctx: TranslateContext, call: cst.Call, rule: ApiRule) -> Outcome:
    """Int enum arguments of the ``torch.*`` (ATen) forms as the strings Paddle takes:
    ``reduction`` (0 none, 1 mean, 2 sum) and the modes of ``torch.grid_sampler``; an argument
    not given takes the default of the entry's ``args`` (written out: Paddle's differs)."""
    bound = bind_supported(ctx, call, rule)
    if refused(bound):
        return bound
    enums = _ENUMS.get(rule.name.rsplit(".", 1)[-1], {"reduction": _REDUCTION})
    extra = dict(rule.extra)
    consumed = []
    for name, choices in enums.items():
        param = rule.param(name)
        if name not in bound and (param is None or param.default is None):
            continue
        value = literal_value(bound[name]) if name in bound else int(param.default)
        if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value < len(choices):
            return refuse(Refusal.UNSUPPORTED_ARGUMENT, f"{name}={ctx.code(bound[name])}: write an int literal "
                          f"({', '.join(f'{i} {c}' for i, c in enumerate(choices))}) to translate it; left unchanged")
        consumed.append(name)
        extra[rule.rename.get(name, name)] = repr(choices[value])
    return ctx.rewrite(call, plain_rule(rule, *consumed, extra=extra))


@handler("ex_inplace")
def inplace(ctx: TranslateContext, call: cst.Call, rule: ApiRule) -> Outcome:
    """An in-place ``torch.f_(x, ...)`` whose Paddle counterpart only returns a new tensor: the
    result is written back with ``paddle.assign(..., output=x)`` (x a name or attribute)."""
    bound = bind_supported(ctx, call, rule)
    if refused(bound):
        return bound
    x = bound[(rule.params or ())[0].name]
    if not is_simple(x, parenthesized=True):
        return refuse(Refusal.UNSUPPORTED_USE, "the input is used twice in the translation: assign it to a name first; left unchanged")
    value = ctx.rewrite(call, plain_rule(rule, paddle=rule.paddle))
    if refused(value):
        return value
    if rule.support:
        value = value.with_changes(func=cst.Name(ctx.support(rule.support)))
    return make_call(ctx.ref("paddle.assign"), [cst.Arg(value), kw("output", x)])


def _fn(name: str, code: str, imports: tuple[str, ...] = (), deps: tuple[str, ...] = (), paddle: bool = True) -> None:
    snippet(name, code, imports=imports, deps=deps, paddle=paddle)


# ------------------------------------------------------------------ torch.* functions ----

_fn("_torch_ex_rsub", '''
def _torch_ex_rsub(input, other, alpha=1):
    """torch.rsub: other - alpha * input."""
    return other - (input if alpha == 1 else alpha * input)
''')

_fn("_torch_ex_dtypes", '''
def _torch_ex_dtype_name(d):
    return str(d).replace("paddle.", "").replace("VarType.", "").lower().replace("fp", "float").replace("bf16", "bfloat16")


def _torch_ex_kind(name):
    if name == "bool":
        return 0
    if name.startswith(("int", "uint")):
        return 1
    return 3 if name.startswith("complex") else 2


_TORCH_EX_BITS = {"bool": 1, "uint8": 8, "int8": 8, "int16": 16, "int32": 32, "int64": 64, "float16": 16,
                  "bfloat16": 16, "float32": 32, "float64": 64, "complex64": 64, "complex128": 128}


def _torch_ex_promote_names(a, b):
    """torch.promote_types on dtype names."""
    if a == b:
        return a
    ka, kb = _torch_ex_kind(a), _torch_ex_kind(b)
    if ka != kb:
        hi, lo = (a, b) if ka > kb else (b, a)
        if _torch_ex_kind(hi) == 3 and _torch_ex_kind(lo) == 2 and lo == "float64":
            return "complex128"
        return hi
    if ka == 1 and "uint8" in (a, b):
        other = b if a == "uint8" else a
        return "int16" if other == "int8" else other
    if {a, b} == {"float16", "bfloat16"}:
        return "float32"
    return a if _TORCH_EX_BITS[a] >= _TORCH_EX_BITS[b] else b
''')

_fn("_torch_ex_can_cast", '''
def _torch_ex_can_cast(from_, to):
    """torch.can_cast: casting is allowed unless it lowers the kind (bool < int < float
    < complex)."""
    return _torch_ex_kind(_torch_ex_dtype_name(from_)) <= _torch_ex_kind(_torch_ex_dtype_name(to))
''', deps=("_torch_ex_dtypes",))

_fn("_torch_ex_promote_types", '''
def _torch_ex_promote_types(type1, type2):
    """torch.promote_types."""
    return getattr(paddle, _torch_ex_promote_names(_torch_ex_dtype_name(type1), _torch_ex_dtype_name(type2)))
''', deps=("_torch_ex_dtypes",))

_fn("_torch_ex_result_type", '''
def _torch_ex_result_type(tensor1, tensor2):
    """torch.result_type: tensors with dimensions first, then 0-d tensors, then Python
    numbers, a lower group counting only when it is of a higher kind (torch's
    combine_categories)."""
    groups = [None, None, None]
    for v in (tensor1, tensor2):
        if isinstance(v, paddle.Tensor):
            g, name = (0 if v.ndim > 0 else 1), _torch_ex_dtype_name(v.dtype)
        else:
            g = 2
            if isinstance(v, bool):
                name = "bool"
            elif isinstance(v, int):
                name = "int64"
            elif isinstance(v, complex):
                name = "complex128" if paddle.get_default_dtype() == "float64" else "complex64"
            else:
                name = paddle.get_default_dtype()
        groups[g] = name if groups[g] is None else _torch_ex_promote_names(groups[g], name)

    def combine(higher, lower):
        if higher is None:
            return lower
        if lower is None:
            return higher
        kh, kl = _torch_ex_kind(higher), _torch_ex_kind(lower)
        if kh == 3:
            return higher
        if kl == 3:
            return {"float64": "complex128"}.get(higher, "complex64") if kh == 2 else lower
        if kh == 2:
            return higher
        if higher == "bool" or kl == 2:
            return _torch_ex_promote_names(higher, lower)
        return higher

    return getattr(paddle, combine(groups[0], combine(groups[1], groups[2])))
''', deps=("_torch_ex_dtypes",))

_fn("_torch_ex_frombuffer", '''
def _torch_ex_frombuffer(buffer, dtype, count=-1, offset=0):
    """torch.frombuffer: a 1-d tensor of the buffer's bytes read as ``dtype`` (a copy in
    Paddle)."""
    np_dtype = paddle.empty([0], dtype=dtype).numpy().dtype
    return paddle.to_tensor(numpy.frombuffer(buffer, dtype=np_dtype, count=count, offset=offset).copy())
''', imports=("import numpy",))

_fn("_torch_ex_gradient", '''
def _torch_ex_gradient(input, spacing=1, dim=None, edge_order=1):
    """torch.gradient: central differences inside, one-sided (order 1 or 2) at the
    edges; ``spacing`` a number, one number per dim, or one coordinate tensor per dim."""
    nd = input.ndim
    dims = list(range(nd)) if dim is None else ([dim] if isinstance(dim, int) else list(dim))
    spacing = list(spacing) if isinstance(spacing, (list, tuple)) else [spacing] * len(dims)
    if len(spacing) == 1 and len(dims) > 1:
        spacing = spacing * len(dims)
    outs = []
    for d, h in zip(dims, spacing):
        d = d % nd

        def part(a, b, x=input, d=d):
            index = [slice(None)] * nd
            index[d] = slice(a, b)
            return x[tuple(index)]

        def along(v, d=d):
            shape = [1] * nd
            shape[d] = -1
            return v.reshape(shape)

        if isinstance(h, paddle.Tensor):
            dx = along((h[1:] - h[:-1]).astype(input.dtype))
            hl, hr = dx[tuple(slice(0, -1) if i == d else slice(None) for i in range(nd))], \\
                dx[tuple(slice(1, None) if i == d else slice(None) for i in range(nd))]
            inner = (hl * hl * part(2, None) - hr * hr * part(0, -2) + (hr * hr - hl * hl) * part(1, -1)) / (hl * hr * (hl + hr))
            d0, d1 = [dx[tuple(slice(k, k + 1) if i == d else slice(None) for i in range(nd))] for k in (0, 1)]
            e1, e0 = [dx[tuple(slice(k, k + 1 if k != -1 else None) if i == d else slice(None) for i in range(nd))] for k in (-2, -1)]
        else:
            d0 = d1 = e0 = e1 = h
            inner = (part(2, None) - part(0, -2)) / (2 * h)
        if edge_order == 1:
            first = (part(1, 2) - part(0, 1)) / d0
            last = (part(-1, None) - part(-2, -1)) / e0
        else:
            first = -(2 * d0 + d1) / (d0 * (d0 + d1)) * part(0, 1) + (d0 + d1) / (d0 * d1) * part(1, 2) \\
                - d0 / (d1 * (d0 + d1)) * part(2, 3)
            last = e0 / (e1 * (e1 + e0)) * part(-3, -2) - (e0 + e1) / (e1 * e0) * part(-2, -1) \\
                + (2 * e0 + e1) / (e0 * (e1 + e0)) * part(-1, None)
        outs.append(paddle.concat([first, inner, last], axis=d))
    return tuple(outs)
''')

_fn("_torch_ex_histogram", '''
def _torch_ex_histogram(input, bins, range=None, weight=None, density=False):
    """torch.histogram: (hist, bin_edges); ``bins`` a count (equal bins over ``range``,
    the data's min and max by default) or a 1-d tensor of edges; the last bin includes
    its right edge."""
    x = input.flatten()
    if isinstance(bins, paddle.Tensor):
        edges = bins.astype(x.dtype)
    else:
        lo, hi = (float(range[0]), float(range[1])) if range is not None else (float(x.min()), float(x.max()))
        if lo == hi:
            lo, hi = lo - 0.5, hi + 0.5
        edges = paddle.linspace(lo, hi, int(bins) + 1, dtype=x.dtype)
    n = edges.shape[0] - 1
    idx = paddle.bucketize(x, edges, right=True) - 1
    idx = paddle.where(x == edges[-1], paddle.full_like(idx, n - 1), idx)
    inside = paddle.logical_and(idx >= 0, idx < n)
    w = paddle.ones_like(x) if weight is None else weight.flatten().astype(x.dtype)
    w = paddle.where(inside, w, paddle.zeros_like(w))
    hist = paddle.bincount(paddle.clip(idx, 0, n - 1), weights=w, minlength=n).astype(x.dtype)
    if density:
        hist = hist / (hist.sum() * (edges[1:] - edges[:-1]))
    return hist, edges
''')

_fn("_torch_ex_triangular_solve", '''
def _torch_ex_triangular_solve(b, A, upper=True, transpose=False, unitriangular=False):
    """torch.triangular_solve: (the solution X of A X = b, a copy of A)."""
    x = paddle.linalg.triangular_solve(A, b, upper=upper, transpose=transpose, unitriangular=unitriangular)
    return x, A.clone()
''')

_fn("_torch_ex_lu_solve", '''
def _torch_ex_lu_solve(b, LU_data, LU_pivots):
    """torch.lu_solve: solves A X = b from A's LU factorization (A = P L U)."""
    P, L, U = paddle.linalg.lu_unpack(LU_data, LU_pivots)
    perm = list(range(P.ndim))
    perm[-2], perm[-1] = perm[-1], perm[-2]
    y = paddle.linalg.triangular_solve(L, paddle.matmul(paddle.transpose(P, perm), b), upper=False, unitriangular=True)
    return paddle.linalg.triangular_solve(U, y, upper=True)
''')

_fn("_torch_ex_nuclear_norm", '''
def _torch_ex_nuclear_norm(input, dim=None, keepdim=False):
    """torch.nuclear_norm: the sum of the singular values over the two dims (0, 1 by
    default)."""
    dims = [0, 1] if dim is None else [d % input.ndim for d in dim]
    rest = [i for i in range(input.ndim) if i not in dims]
    s = paddle.linalg.svd(paddle.transpose(input, rest + dims), full_matrices=False)[1]
    out = paddle.sum(s, axis=-1)
    if keepdim:
        for d in sorted(dims):
            out = paddle.unsqueeze(out, d)
    return out
''')

_fn("_torch_ex_frobenius_norm", '''
def _torch_ex_frobenius_norm(input, dim, keepdim=False):
    """torch.frobenius_norm: sqrt of the sum of squares over ``dim``."""
    a = paddle.abs(input)
    return paddle.sqrt(paddle.sum(a * a, axis=list(dim) if isinstance(dim, (list, tuple)) else dim, keepdim=keepdim))
''')

_fn("_torch_ex_norm_except_dim", '''
def _torch_ex_norm_except_dim(v, pow=2, dim=0):
    """torch.norm_except_dim: the ``pow``-norm over every dim but ``dim`` (kept, others
    size 1); ``dim=-1``: the norm of the whole tensor."""
    a = paddle.abs(v)
    if dim == -1:
        return paddle.sum(a ** pow) ** (1.0 / pow)
    axes = [i for i in range(v.ndim) if i != dim % v.ndim]
    return paddle.sum(a ** pow, axis=axes, keepdim=True) ** (1.0 / pow) if axes else a
''')

_fn("_torch_ex_nonzero_static", '''
def _torch_ex_nonzero_static(input, size, fill_value=-1):
    """torch.nonzero_static: the indices of the nonzero elements, cut or padded with
    ``fill_value`` to ``size`` rows."""
    nz = paddle.nonzero(input)
    n = nz.shape[0]
    if n >= size:
        return nz[:size]
    return paddle.concat([nz, paddle.full([size - n, input.ndim], fill_value, dtype=nz.dtype)], axis=0)
''')

_fn("_torch_ex_vmap", '''
def _torch_ex_vmap(func, in_dims=0, out_dims=0, randomness="error", chunk_size=None):
    """torch.vmap, as a loop: ``func`` called once per slice of the mapped inputs
    (``in_dims``: an int or one int/None per positional argument), the results stacked
    along ``out_dims``."""
    def mapped(*args):
        dims = list(in_dims) if isinstance(in_dims, (list, tuple)) else [in_dims] * len(args)
        pieces = [None if d is None else paddle.unbind(a, axis=d) for a, d in zip(args, dims)]
        n = next(len(p) for p in pieces if p is not None)
        results = [func(*[a if p is None else p[i] for a, p in zip(args, pieces)]) for i in range(n)]
        if isinstance(results[0], (tuple, list)):
            outs = out_dims if isinstance(out_dims, (tuple, list)) else [out_dims] * len(results[0])
            return tuple(paddle.stack([r[k] for r in results], axis=outs[k]) for k in range(len(results[0])))
        return paddle.stack(results, axis=out_dims)
    return mapped
''')

_fn("_torch_ex_cond", '''
def _torch_ex_cond(pred, true_fn, false_fn, operands=()):
    """torch.cond, run eagerly: one branch called with ``operands``."""
    return (true_fn if bool(pred) else false_fn)(*operands)
''', paddle=False)

_fn("_torch_ex_while_loop", '''
def _torch_ex_while_loop(cond_fn, body_fn, carried_inputs):
    """torch.while_loop, run eagerly: ``body_fn`` applied while ``cond_fn`` holds."""
    values = tuple(carried_inputs)
    while bool(cond_fn(*values)):
        values = tuple(body_fn(*values))
    return values
''', paddle=False)

_fn("_torch_ex_as_strided", '''
def _torch_ex_as_strided(input, size, stride, storage_offset=None):
    """torch.as_strided: Paddle's offset counts bytes, torch's elements."""
    offset = 0 if storage_offset is None else storage_offset * paddle.empty([0], dtype=input.dtype).element_size()
    return paddle.as_strided(input, list(size), list(stride), offset)
''')

_fn("_torch_ex_binomial", '''
def _torch_ex_binomial(count, prob):
    """torch.binomial: the draws in ``count``'s dtype (Paddle's are int64)."""
    return paddle.binomial(count, prob).astype(count.dtype)
''')

_fn("_torch_ex_get_device", '''
def _torch_ex_get_device(input):
    """torch.get_device: -1 for a CPU tensor, the device index otherwise."""
    place = input.place
    return place.gpu_device_id() if place.is_gpu_place() else -1
''')

_fn("_torch_ex_convolution", '''
def _torch_ex_convolution(input, weight, bias, stride, padding, dilation, transposed, output_padding, groups):
    """torch.convolution: the 1-, 2- or 3-d (transposed) convolution the weight's rank
    names."""
    F = paddle.nn.functional
    n = weight.ndim - 2
    if transposed:
        fn = (F.conv1d_transpose, F.conv2d_transpose, F.conv3d_transpose)[n - 1]
        return fn(input, weight, bias=bias, stride=stride, padding=padding, output_padding=output_padding,
                  groups=groups, dilation=dilation)
    fn = (F.conv1d, F.conv2d, F.conv3d)[n - 1]
    return fn(input, weight, bias=bias, stride=stride, padding=padding, dilation=dilation, groups=groups)
''')

_fn("_torch_ex_cells", '''
def _torch_ex_gates(input, hx, w_ih, w_hh, b_ih, b_hh):
    gi = paddle.matmul(input, w_ih, transpose_y=True)
    gh = paddle.matmul(hx, w_hh, transpose_y=True)
    if b_ih is not None:
        gi = gi + b_ih
    if b_hh is not None:
        gh = gh + b_hh
    return gi, gh
''')

_fn("_torch_ex_lstm_cell", '''
def _torch_ex_lstm_cell(input, hx, w_ih, w_hh, b_ih=None, b_hh=None):
    """torch.lstm_cell: one LSTM step with torch-layout weights (4H, in); returns (h,
    c)."""
    h, c = hx
    gi, gh = _torch_ex_gates(input, h, w_ih, w_hh, b_ih, b_hh)
    i, f, g, o = paddle.chunk(gi + gh, 4, axis=-1)
    c = paddle.nn.functional.sigmoid(f) * c + paddle.nn.functional.sigmoid(i) * paddle.tanh(g)
    return paddle.nn.functional.sigmoid(o) * paddle.tanh(c), c
''', deps=("_torch_ex_cells",))

_fn("_torch_ex_gru_cell", '''
def _torch_ex_gru_cell(input, hx, w_ih, w_hh, b_ih=None, b_hh=None):
    """torch.gru_cell: one GRU step with torch-layout weights (3H, in)."""
    gi, gh = _torch_ex_gates(input, hx, w_ih, w_hh, b_ih, b_hh)
    ir, iz, in_ = paddle.chunk(gi, 3, axis=-1)
    hr, hz, hn = paddle.chunk(gh, 3, axis=-1)
    r = paddle.nn.functional.sigmoid(ir + hr)
    z = paddle.nn.functional.sigmoid(iz + hz)
    n = paddle.tanh(in_ + r * hn)
    return (1 - z) * n + z * hx
''', deps=("_torch_ex_cells",))

_fn("_torch_ex_rnn_tanh_cell", '''
def _torch_ex_rnn_tanh_cell(input, hx, w_ih, w_hh, b_ih=None, b_hh=None):
    """torch.rnn_tanh_cell: tanh(x W_ih^T + b_ih + h W_hh^T + b_hh)."""
    gi, gh = _torch_ex_gates(input, hx, w_ih, w_hh, b_ih, b_hh)
    return paddle.tanh(gi + gh)
''', deps=("_torch_ex_cells",))

_fn("_torch_ex_rnn_relu_cell", '''
def _torch_ex_rnn_relu_cell(input, hx, w_ih, w_hh, b_ih=None, b_hh=None):
    """torch.rnn_relu_cell: relu(x W_ih^T + b_ih + h W_hh^T + b_hh)."""
    gi, gh = _torch_ex_gates(input, hx, w_ih, w_hh, b_ih, b_hh)
    return paddle.nn.functional.relu(gi + gh)
''', deps=("_torch_ex_cells",))


# ------------------------------------------------------------------ torch.nn ----

_fn("_torch_ex_embedding_bag", '''
def _torch_ex_embedding_bag(input, weight, offsets=None, max_norm=None, norm_type=2, scale_grad_by_freq=False,
                            mode="mean", sparse=False, per_sample_weights=None, include_last_offset=False,
                            padding_idx=None):
    """torch.nn.functional.embedding_bag: sums, means or maxima of bags of embeddings;
    bags are the rows of a 2-d input, or the pieces of a 1-d input starting at
    ``offsets``; entries equal to ``padding_idx`` are left out, and an empty bag gives
    zeros."""
    if max_norm is not None or scale_grad_by_freq:
        raise NotImplementedError("embedding_bag: max_norm and scale_grad_by_freq are not supported")
    if input.ndim == 2:
        n_bags, length = input.shape
        ids = paddle.arange(n_bags, dtype="int64").unsqueeze(1).expand([n_bags, length]).flatten()
        input = input.flatten()
        if per_sample_weights is not None:
            per_sample_weights = per_sample_weights.flatten()
    else:
        offsets = offsets.astype("int64")
        if include_last_offset:
            offsets = offsets[:-1]
        n_bags = offsets.shape[0]
        ids = paddle.bucketize(paddle.arange(input.shape[0], dtype="int64"), offsets, right=True) - 1
    keep = paddle.ones_like(input, dtype="bool") if padding_idx is None else input != (padding_idx % weight.shape[0])
    if include_last_offset and input.ndim == 1 and input.shape[0] > 0:
        keep = paddle.logical_and(keep, ids < n_bags)
    keep = paddle.logical_and(keep, ids >= 0)
    emb = paddle.nn.functional.embedding(input, weight)
    member = (paddle.arange(n_bags, dtype="int64").unsqueeze(1) == ids.unsqueeze(0))
    member = paddle.logical_and(member, keep.unsqueeze(0)).astype(weight.dtype)
    if mode == "max":
        lowest = paddle.full_like(emb, float("-inf"))
        rows = []
        for b in range(n_bags):
            m = member[b].astype("bool").unsqueeze(1)
            best = paddle.max(paddle.where(m, emb, lowest), axis=0)
            rows.append(paddle.where(paddle.isinf(best), paddle.zeros_like(best), best))
        return paddle.stack(rows) if rows else paddle.zeros([0, weight.shape[1]], dtype=weight.dtype)
    if per_sample_weights is not None:
        emb = emb * per_sample_weights.astype(weight.dtype).unsqueeze(1)
    out = paddle.matmul(member, emb)
    if mode == "mean":
        out = out / paddle.clip(member.sum(axis=1, keepdim=True), min=1)
    return out
''')

_fn("TorchEmbeddingBag", '''
class TorchEmbeddingBag(paddle.nn.Layer):
    """torch.nn.EmbeddingBag: a ``weight`` (num_embeddings, embedding_dim) drawn from
    N(0, 1) (the ``padding_idx`` row zero) and ``_torch_ex_embedding_bag`` in
    forward."""

    def __init__(self, num_embeddings, embedding_dim, max_norm=None, norm_type=2.0, scale_grad_by_freq=False,
                 mode="mean", sparse=False, _weight=None, include_last_offset=False, padding_idx=None):
        super().__init__()
        self.num_embeddings, self.embedding_dim, self.mode = num_embeddings, embedding_dim, mode
        self.max_norm, self.norm_type, self.scale_grad_by_freq = max_norm, norm_type, scale_grad_by_freq
        self.include_last_offset, self.padding_idx = include_last_offset, padding_idx
        self.weight = self.create_parameter([num_embeddings, embedding_dim],
                                            default_initializer=paddle.nn.initializer.Normal(0.0, 1.0))
        if _weight is not None:
            self.weight.set_value(_weight)
        elif padding_idx is not None:
            with paddle.no_grad():
                self.weight[padding_idx % num_embeddings] = 0.0

    def forward(self, input, offsets=None, per_sample_weights=None):
        return _torch_ex_embedding_bag(input, self.weight, offsets, self.max_norm, self.norm_type,
                                       self.scale_grad_by_freq, self.mode, False, per_sample_weights,
                                       self.include_last_offset, self.padding_idx)
''', deps=("_torch_ex_embedding_bag",))

_fn("_torch_ex_lazy", '''
class _TorchLazy(paddle.nn.Layer):
    """A torch Lazy* layer: remembers its arguments and, at the first call, becomes the
    Paddle layer built with the input's size (its class and state replaced, as torch's
    lazy modules become their non-lazy class): parameters exist only after that first
    call."""

    _feature_axis = 1

    def __init__(self, *args, **kwargs):
        super().__init__()
        self._lazy_args = (args, kwargs)

    def forward(self, input, *rest, **kwargs):
        args, kw = self._lazy_args
        layer = self._build(input.shape[self._feature_axis], *args, **kw)
        layer.train() if self.training else layer.eval()
        self.__dict__.clear()
        self.__dict__.update(layer.__dict__)
        self.__class__ = type(layer)
        return self(input, *rest, **kwargs)


def _torch_ex_attrs(bias):
    return None if bias else False


def _torch_ex_lazy_conv(cls):
    def build(self, n, out_channels, kernel_size, stride=1, padding=0, dilation=1, groups=1, bias=True,
              padding_mode="zeros"):
        return cls(n, out_channels, kernel_size, stride=stride, padding=padding, dilation=dilation, groups=groups,
                   padding_mode=padding_mode, bias_attr=_torch_ex_attrs(bias))
    return build


def _torch_ex_lazy_conv_transpose(cls):
    def build(self, n, out_channels, kernel_size, stride=1, padding=0, output_padding=0, groups=1, bias=True,
              dilation=1, padding_mode="zeros"):
        if padding_mode != "zeros":
            raise ValueError("only padding_mode='zeros' is supported for transposed convolutions")
        return cls(n, out_channels, kernel_size, stride=stride, padding=padding, output_padding=output_padding,
                   groups=groups, dilation=dilation, bias_attr=_torch_ex_attrs(bias))
    return build


def _torch_ex_lazy_norm(cls):
    def build(self, n, eps=1e-05, momentum=0.1, affine=True, track_running_stats=True, bias=True):
        if not track_running_stats or momentum is None:
            raise ValueError("track_running_stats=False and momentum=None are not supported")
        attrs = {} if affine else {"weight_attr": False, "bias_attr": False}
        if affine and not bias:
            attrs["bias_attr"] = False
        return cls(n, momentum=1 - momentum, epsilon=eps, **attrs)
    return build
''')

_fn("TorchLazyLinear", '''
class TorchLazyLinear(_TorchLazy):
    _feature_axis = -1

    def _build(self, n, out_features, bias=True):
        return paddle.nn.Linear(n, out_features, bias_attr=_torch_ex_attrs(bias))
''', deps=("_torch_ex_lazy",))

_fn("TorchLazyConv1d", '''
class TorchLazyConv1d(_TorchLazy):
    _build = _torch_ex_lazy_conv(paddle.nn.Conv1D)
''', deps=("_torch_ex_lazy",))

_fn("TorchLazyConv2d", '''
class TorchLazyConv2d(_TorchLazy):
    _build = _torch_ex_lazy_conv(paddle.nn.Conv2D)
''', deps=("_torch_ex_lazy",))

_fn("TorchLazyConv3d", '''
class TorchLazyConv3d(_TorchLazy):
    _build = _torch_ex_lazy_conv(paddle.nn.Conv3D)
''', deps=("_torch_ex_lazy",))

_fn("TorchLazyConvTranspose1d", '''
class TorchLazyConvTranspose1d(_TorchLazy):
    _build = _torch_ex_lazy_conv_transpose(paddle.nn.Conv1DTranspose)
''', deps=("_torch_ex_lazy",))

_fn("TorchLazyConvTranspose2d", '''
class TorchLazyConvTranspose2d(_TorchLazy):
    _build = _torch_ex_lazy_conv_transpose(paddle.nn.Conv2DTranspose)
''', deps=("_torch_ex_lazy",))

_fn("TorchLazyConvTranspose3d", '''
class TorchLazyConvTranspose3d(_TorchLazy):
    _build = _torch_ex_lazy_conv_transpose(paddle.nn.Conv3DTranspose)
''', deps=("_torch_ex_lazy",))

_fn("TorchLazyBatchNorm1d", '''
class TorchLazyBatchNorm1d(_TorchLazy):
    _build = _torch_ex_lazy_norm(paddle.nn.BatchNorm1D)
''', deps=("_torch_ex_lazy",))

_fn("TorchLazyBatchNorm2d", '''
class TorchLazyBatchNorm2d(_TorchLazy):
    _build = _torch_ex_lazy_norm(paddle.nn.BatchNorm2D)
''', deps=("_torch_ex_lazy",))

_fn("TorchLazyBatchNorm3d", '''
class TorchLazyBatchNorm3d(_TorchLazy):
    _build = _torch_ex_lazy_norm(paddle.nn.BatchNorm3D)
''', deps=("_torch_ex_lazy",))


_fn("TorchDataParallel", '''
class TorchDataParallel(paddle.nn.Layer):
    """torch.nn.DataParallel on one process: the wrapped layer as ``.module``
    (state-dict keys start with ``module.``, as in torch) and ``forward`` calling it."""

    def __init__(self, module, device_ids=None, output_device=None, dim=0):
        super().__init__()
        self.module = module
        self.dim = dim

    def forward(self, *inputs, **kwargs):
        return self.module(*inputs, **kwargs)
''')

# ------------------------------------------------------------------ torch.utils.data ----

_fn("TorchDistributedSampler", '''
class TorchDistributedSampler(paddle.io.Sampler):
    """torch.utils.data.DistributedSampler: this rank's share of the dataset's indices,
    padded (by repeating indices) or cut to the same length on every rank; with
    ``shuffle`` the order is a permutation seeded by ``seed + epoch`` (``set_epoch``),
    the same on every rank but not torch's permutation."""

    def __init__(self, dataset, num_replicas=None, rank=None, shuffle=True, seed=0, drop_last=False):
        if num_replicas is None:
            num_replicas = paddle.distributed.get_world_size()
        if rank is None:
            rank = paddle.distributed.get_rank()
        if rank >= num_replicas or rank < 0:
            raise ValueError(f"Invalid rank {rank}, rank should be in the interval [0, {num_replicas - 1}]")
        self.dataset, self.num_replicas, self.rank = dataset, num_replicas, rank
        self.shuffle, self.seed, self.drop_last, self.epoch = shuffle, seed, drop_last, 0
        if drop_last and len(dataset) % num_replicas != 0:
            self.num_samples = math.ceil((len(dataset) - num_replicas) / num_replicas)
        else:
            self.num_samples = math.ceil(len(dataset) / num_replicas)
        self.total_size = self.num_samples * num_replicas

    def __iter__(self):
        indices = list(range(len(self.dataset)))
        if self.shuffle:
            random.Random(self.seed + self.epoch).shuffle(indices)
        if not self.drop_last:
            padding = self.total_size - len(indices)
            if padding <= len(indices):
                indices += indices[:padding]
            else:
                indices += (indices * math.ceil(padding / len(indices)))[:padding]
        else:
            indices = indices[:self.total_size]
        return iter(indices[self.rank:self.total_size:self.num_replicas])

    def __len__(self):
        return self.num_samples

    def set_epoch(self, epoch):
        self.epoch = epoch
''', imports=("import math", "import random"))

_fn("TorchStackDataset", '''
class TorchStackDataset(paddle.io.Dataset):
    """torch.utils.data.StackDataset: item i is the tuple (or dict) of item i of each
    dataset."""

    def __init__(self, *args, **kwargs):
        if args and kwargs:
            raise ValueError("Supported either ``tuple``- (via ``args``) or ``dict``- (via ``kwargs``) like input/output, but both types are given.")
        self.datasets = args if args else kwargs
        sizes = {len(d) for d in (args if args else kwargs.values())}
        if len(sizes) != 1:
            raise ValueError("Size mismatch between datasets")
        self._length = sizes.pop()

    def __getitem__(self, index):
        if isinstance(self.datasets, dict):
            return {k: d[index] for k, d in self.datasets.items()}
        return tuple(d[index] for d in self.datasets)

    def __len__(self):
        return self._length
''')

_fn("_torch_ex_default_convert", '''
def _torch_ex_default_convert(data):
    """torch.utils.data.default_convert: numpy arrays and numbers of numpy become
    tensors, through mappings, named tuples and sequences (a tuple becomes a list, as in
    torch)."""
    if isinstance(data, paddle.Tensor):
        return data
    if isinstance(data, numpy.ndarray) and data.dtype.kind not in "SaUO":
        return paddle.to_tensor(data)
    if isinstance(data, numpy.generic) and data.dtype.kind not in "SaUO":
        return paddle.to_tensor(data)
    if isinstance(data, collections.abc.Mapping):
        return type(data)({k: _torch_ex_default_convert(v) for k, v in data.items()}) if not isinstance(data, dict) or type(data) is dict else {k: _torch_ex_default_convert(v) for k, v in data.items()}
    if isinstance(data, tuple) and hasattr(data, "_fields"):
        return type(data)(*(_torch_ex_default_convert(d) for d in data))
    if isinstance(data, tuple):
        return [_torch_ex_default_convert(d) for d in data]
    if isinstance(data, collections.abc.Sequence) and not isinstance(data, (str, bytes)):
        try:
            return type(data)([_torch_ex_default_convert(d) for d in data])
        except TypeError:
            return [_torch_ex_default_convert(d) for d in data]
    return data
''', imports=("import collections.abc", "import numpy"))

_fn("_torch_ex_default_collate", '''
def _torch_ex_default_collate(batch):
    """torch.utils.data.default_collate: tensors, arrays and numbers stacked into one
    tensor (Python floats as float64, ints as int64), strings kept as a list, and
    mappings, named tuples and sequences collated field by field (a sequence becomes a
    list of collated fields)."""
    elem = batch[0]
    if isinstance(elem, paddle.Tensor):
        return paddle.stack(batch, axis=0)
    if isinstance(elem, numpy.ndarray) and elem.dtype.kind not in "SaUO":
        return paddle.stack([paddle.to_tensor(b) for b in batch], axis=0)
    if isinstance(elem, numpy.generic) and elem.dtype.kind not in "SaUO":
        return paddle.to_tensor(numpy.array(batch))
    if isinstance(elem, bool):
        return paddle.to_tensor(batch, dtype="bool")
    if isinstance(elem, float):
        return paddle.to_tensor(batch, dtype="float64")
    if isinstance(elem, int):
        return paddle.to_tensor(batch, dtype="int64")
    if isinstance(elem, (str, bytes)):
        return batch
    if isinstance(elem, collections.abc.Mapping):
        return {key: _torch_ex_default_collate([d[key] for d in batch]) for key in elem}
    if isinstance(elem, tuple) and hasattr(elem, "_fields"):
        return type(elem)(*(_torch_ex_default_collate(list(s)) for s in zip(*batch)))
    if isinstance(elem, collections.abc.Sequence):
        if any(len(e) != len(elem) for e in batch):
            raise RuntimeError("each element in list of batch should be of equal size")
        fields = [_torch_ex_default_collate(list(s)) for s in zip(*batch)]
        if isinstance(elem, tuple):
            return fields
        try:
            return type(elem)(fields)
        except TypeError:
            return fields
    raise TypeError(f"default_collate: batch must contain tensors, numpy arrays, numbers, dicts or lists; found {type(elem)}")
''', imports=("import collections.abc", "import numpy"))
