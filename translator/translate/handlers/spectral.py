"""Support code for ``torch.fft``, ``torch.linalg`` and ``torch.special`` where Paddle has no
counterpart (or one with other results): each snippet is a small function with torch's
semantics, written against Paddle 2.6's API, and named by the entries of
``rules/torch_linalg.toml`` and ``rules/torch_special.toml`` (``support = "..."``).

The special functions compute in float64 and return the input's dtype (ints become the
default float dtype, as torch's results are floating).
"""

from __future__ import annotations

import libcst as cst

from ...rules import ApiRule
from ..registry import TranslateContext, handler
from ._common import Outcome, bind_supported, docstring, literal_value, make_call, plain_rule, refused, snippet

# -------------------------------------------------------------------------- fft -------------


@handler("fft_freq")
def fft_freq(ctx: TranslateContext, call: cst.Call, rule: ApiRule) -> Outcome:
    """``torch.fft.fftfreq(n, d, dtype=dt)`` -> ``paddle.fft.fftfreq(n, d).astype(dt)``: Paddle
    2.6 ignores its ``dtype`` argument (the result has the default dtype)."""
    bound = bind_supported(ctx, call, rule)
    if refused(bound):
        return bound
    dtype = bound.get("dtype")
    new = ctx.rewrite(call, plain_rule(rule, "dtype"))
    if refused(new) or dtype is None or literal_value(dtype) is None:
        return new
    return make_call(cst.Attribute(new, cst.Name("astype")), [cst.Arg(dtype)])


for _name, _sign in (("fftshift", ""), ("ifftshift", "-")):
    snippet(
        f"_torch_fft_{_name}",
        f'''
def _torch_fft_{_name}(input, dim=None):
    """torch.fft.{_name}: roll each dim in dim (default: all) by
    {_sign}(its size // 2); written with paddle.roll because Paddle 3's {_name} fails
    on a single axis."""
    dims = list(range(input.ndim)) if dim is None else [dim] if isinstance(dim, int) else list(dim)
    return paddle.roll(input, [{_sign}(input.shape[d] // 2) for d in dims], dims)
''',
    )

# -------------------------------------------------------------------------- linalg ----------

snippet(
    "_torch_linalg_vecdot",
    '''
def _torch_linalg_vecdot(x, y, dim=-1):
    """torch.linalg.vecdot: sum(conj(x) * y) along dim (x conjugated, as in torch)."""
    return paddle.sum(paddle.conj(x) * y, axis=dim)
''',
)

snippet(
    "_torch_linalg_vander",
    '''
def _torch_linalg_vander(x, N=None):
    """torch.linalg.vander: x ** 0, x ** 1, ..., x ** (N - 1) along a new last dim
    (batched)."""
    n = x.shape[-1] if N is None else N
    return x.unsqueeze(-1) ** paddle.arange(n).astype(x.dtype)
''',
)

snippet(
    "_torch_linalg_tensorinv",
    '''
def _torch_linalg_tensorinv(A, ind=2):
    """torch.linalg.tensorinv: the inverse of A seen as a matrix of its first ind dims
    by the rest."""
    rows = math.prod(A.shape[:ind])
    return paddle.linalg.inv(A.reshape([rows, -1])).reshape(list(A.shape[ind:]) + list(A.shape[:ind]))
''',
    imports=("import math",),
)

snippet(
    "_torch_linalg_tensorsolve",
    '''
def _torch_linalg_tensorsolve(A, B, dims=None):
    """torch.linalg.tensorsolve: X with tensordot(A, X, X.ndim) == B; dims of A move to
    the end first."""
    if dims is not None:
        moved = [d % A.ndim for d in dims]
        A = A.transpose([d for d in range(A.ndim) if d not in moved] + moved)
    rows = math.prod(B.shape)
    x = paddle.linalg.solve(A.reshape([rows, -1]), B.reshape([rows, 1]))
    return x.reshape(list(A.shape[B.ndim:]))
''',
    imports=("import math",),
)

snippet(
    "_torch_linalg_lstsq",
    '''
_TorchLstsq = collections.namedtuple("_TorchLstsq", ["solution", "residuals", "rank", "singular_values"])


def _torch_linalg_lstsq(A, B, rcond=None, driver=None):
    """torch.linalg.lstsq: Paddle's four results, the rank as int64 (Paddle: int32), no
    residuals with the default driver (gelsy), as torch."""
    solution, residuals, rank, singular_values = paddle.linalg.lstsq(A, B, rcond=rcond, driver=driver)
    if driver in (None, "gelsy"):  # torch computes no residuals with gelsy (Paddle 2.6 does)
        residuals = paddle.zeros([0], dtype=solution.dtype)
    return _TorchLstsq(solution, residuals, rank.astype("int64"), singular_values)
''',
    imports=("import collections",),
)

snippet(
    "_torch_linalg_lu",
    '''
_TorchPLU = collections.namedtuple("_TorchPLU", ["P", "L", "U"])


def _torch_linalg_lu(A, pivot=True):
    """torch.linalg.lu: A = P @ L @ U, from Paddle's packed factorization."""
    lu, pivots = paddle.linalg.lu(A, pivot=pivot)
    return _TorchPLU(*paddle.linalg.lu_unpack(lu, pivots))
''',
    imports=("import collections",),
)

snippet(
    "_torch_lu_infos",
    '''
def _torch_lu_infos(A, what, check_errors):
    """LAPACK's getrf info for each matrix (0: invertible), raising as torch does when
    asked; and a mask of the singular matrices (with one axis per matrix dim) or
    None."""
    info = paddle.linalg.lu(A, get_infos=True)[2].reshape(A.shape[:-2])
    if not bool((info != 0).any()):
        return info, None
    if check_errors:
        raise RuntimeError(f"torch.linalg.{what}: the input matrix is singular (info={info.tolist()})")
    return info, (info != 0).reshape(A.shape[:-2] + [1, 1])
''',
)

snippet(
    "_torch_linalg_inv_ex",
    '''
_TorchInverseInfo = collections.namedtuple("_TorchInverseInfo", ["inverse", "info"])


def _torch_linalg_inv_ex(A, check_errors=False):
    """torch.linalg.inv_ex: (inverse, info); info > 0 marks a singular matrix, whose
    inverse is NaN."""
    info, bad = _torch_lu_infos(A, "inv_ex", check_errors)
    if bad is None:
        return _TorchInverseInfo(paddle.linalg.inv(A), info)
    eye = paddle.broadcast_to(paddle.eye(A.shape[-1], dtype=A.dtype), A.shape)
    inv = paddle.linalg.inv(paddle.where(paddle.broadcast_to(bad, A.shape), eye, A))
    return _TorchInverseInfo(paddle.where(paddle.broadcast_to(bad, A.shape), paddle.full_like(inv, float("nan")), inv), info)
''',
    imports=("import collections",),
    deps=("_torch_lu_infos",),
)

snippet(
    "_torch_linalg_solve_ex",
    '''
_TorchResultInfo = collections.namedtuple("_TorchResultInfo", ["result", "info"])


def _torch_linalg_solve_ex(A, B, check_errors=False):
    """torch.linalg.solve_ex: (solution, info); info > 0 marks a singular matrix, whose
    solution is NaN."""
    info, bad = _torch_lu_infos(A, "solve_ex", check_errors)
    if bad is None:
        return _TorchResultInfo(paddle.linalg.solve(A, B), info)
    eye = paddle.broadcast_to(paddle.eye(A.shape[-1], dtype=A.dtype), A.shape)
    x = paddle.linalg.solve(paddle.where(paddle.broadcast_to(bad, A.shape), eye, A), B)
    return _TorchResultInfo(paddle.where(paddle.broadcast_to(bad, x.shape), paddle.full_like(x, float("nan")), x), info)
''',
    imports=("import collections",),
    deps=("_torch_lu_infos",),
)

snippet(
    "_torch_linalg_cholesky_ex",
    '''
_TorchLInfo = collections.namedtuple("_TorchLInfo", ["L", "info"])


def _torch_linalg_cholesky_ex(A, upper=False, check_errors=False):
    """torch.linalg.cholesky_ex: (L, info). info is 0, or the order of the first leading
    minor that is not positive-definite (LAPACK's potrf), found by an unblocked
    factorization when Paddle's fails; L is then factored up to that column, zero
    beyond."""
    try:
        L = paddle.linalg.cholesky(A, upper=upper)
        return _TorchLInfo(L, paddle.zeros(A.shape[:-2], dtype="int32"))
    except Exception:
        if check_errors:
            raise
    a = A.numpy().reshape([-1, A.shape[-2], A.shape[-1]])
    low = np.zeros_like(a)
    info = np.zeros(a.shape[0], dtype="int32")
    for b in range(a.shape[0]):
        for j in range(a.shape[1]):
            d = a[b, j, j] - np.sum(low[b, j, :j] * np.conj(low[b, j, :j]))
            if not np.real(d) > 0:
                info[b] = j + 1
                break
            low[b, j, j] = np.sqrt(np.real(d))
            low[b, j + 1:, j] = (a[b, j + 1:, j] - low[b, j + 1:, :j] @ np.conj(low[b, j, :j])) / low[b, j, j]
    L = paddle.to_tensor(low.reshape(A.shape))
    if upper:
        L = paddle.conj(L.transpose(list(range(A.ndim - 2)) + [A.ndim - 1, A.ndim - 2]))
    return _TorchLInfo(L, paddle.to_tensor(info.reshape(A.shape[:-2])))
''',
    imports=("import collections", "import numpy as np"),
)

# -------------------------------------------------------------------------- special ---------

snippet(
    "_torch_special_float",
    '''
def _torch_special_float(*args):
    """The arguments as float64 tensors broadcast together, and the dtype torch's result
    has (the widest floating dtype among tensor arguments, else Paddle's default
    float)."""
    rank = {"float16": 1, "bfloat16": 1, "float32": 2, "float64": 3}
    dtype = None
    for a in args:
        if isinstance(a, paddle.Tensor) and a.is_floating_point():
            name = str(a.dtype).replace("paddle.", "")
            if dtype is None or rank.get(name, 0) > rank.get(dtype, 0):
                dtype = name
    dtype = dtype or paddle.get_default_dtype()
    tensors = [a.astype("float64") if isinstance(a, paddle.Tensor) else paddle.to_tensor(a, dtype="float64") for a in args]
    if len(tensors) > 1:
        tensors = paddle.broadcast_tensors(tensors)
    return tensors, dtype
''',
)

snippet(
    "_torch_special_erfcx64",
    '''
def _torch_special_erfcx64(x):
    """exp(x**2) * erfc(x) for a float64 tensor: 1 - erf(x) below 2 (exact there), a
    continued fraction above (no overflow), and erfcx(x) = 2 exp(x**2) - erfcx(-x) for x
    < 0."""
    z = paddle.abs(x)
    zc = paddle.maximum(z, paddle.full_like(z, 2.0))
    f = zc
    for k in range(80, 0, -1):
        f = zc + (k / 2.0) / f
    large = 1.0 / (math.sqrt(math.pi) * f)
    small = paddle.exp(paddle.minimum(z, paddle.full_like(z, 2.0)) ** 2) * (1.0 - paddle.erf(paddle.minimum(z, paddle.full_like(z, 2.0))))
    pos = paddle.where(z < 2.0, small, large)
    return paddle.where(x < 0, 2.0 * paddle.exp(x * x) - pos, pos)
''',
    imports=("import math",),
)

snippet(
    "_torch_special_erfc64",
    '''
def _torch_special_erfc64(x):
    """erfc for a float64 tensor, without the cancellation of 1 - erf(x) for large x."""
    big = paddle.maximum(x, paddle.full_like(x, 2.0))
    return paddle.where(x < 2.0, 1.0 - paddle.erf(x), paddle.exp(-big * big) * _torch_special_erfcx64(big))
''',
    deps=("_torch_special_erfcx64",),
)

_UNARY = {
    "erfc": ("the complementary error function 1 - erf(x)", "_torch_special_erfc64(x)"),
    "erfcx": ("the scaled complementary error function exp(x**2) * erfc(x)", "_torch_special_erfcx64(x)"),
    "ndtr": ("the standard normal CDF", "0.5 * _torch_special_erfc64(-x * math.sqrt(0.5))"),
    "log_ndtr": (
        "the log of the standard normal CDF, accurate in the far left tail",
        "paddle.where(x < -1.0, paddle.log(0.5 * _torch_special_erfcx64(-paddle.minimum(x, paddle.full_like(x, -1.0))"
        " * math.sqrt(0.5))) - 0.5 * x * x, paddle.log1p(-0.5 * _torch_special_erfc64(x * math.sqrt(0.5))))",
    ),
    "ndtri": ("the inverse of the standard normal CDF (accurate for p above ~1e-15)",
              "math.sqrt(2.0) * paddle.erfinv(2.0 * x - 1.0)"),
    "entr": ("the elementwise entropy -x * ln(x) (0 at 0, -inf below)",
             "paddle.where(x < 0, paddle.full_like(x, -math.inf), paddle.where(x == 0, paddle.zeros_like(x), -x * paddle.log(x)))"),
    "spherical_bessel_j0": ("the spherical Bessel function of the first kind of order 0, sin(x) / x",
                            "paddle.where(x == 0, paddle.ones_like(x), paddle.where(paddle.isinf(x), paddle.zeros_like(x),"
                            " paddle.sin(x) / paddle.where(x == 0, paddle.ones_like(x), x)))"),
}

for _name, (_doc, _expr) in _UNARY.items():
    snippet(
        f"_torch_special_{_name}",
        f'''
def _torch_special_{_name}(input):
    {docstring(f"torch.special.{_name}: {_doc}.")}
    (x,), dtype = _torch_special_float(input)
    return ({_expr}).astype(dtype)
''',
        imports=("import math",) if "math." in _expr else (),
        deps=("_torch_special_float", *(d for d in ("_torch_special_erfc64", "_torch_special_erfcx64") if d + "(" in _expr)),
    )

for _name, _log in (("xlogy", "log"), ("xlog1py", "log1p")):
    snippet(
        f"_torch_special_{_name}",
        f'''
def _torch_special_{_name}(input, other):
    """torch.special.{_name}: input * {_log}(other), 0 where input is 0 (unless
    other is NaN)."""
    (x, y), dtype = _torch_special_float(input, other)
    out = x * paddle.{_log}(y)
    return paddle.where((x == 0) & ~paddle.isnan(y), paddle.zeros_like(out), out).astype(dtype)
''',
        deps=("_torch_special_float",),
    )

snippet(
    "_torch_special_zeta",
    '''
# B_2, B_4, ..., B_24 divided by (2j)!
_TORCH_ZETA_B = [b / math.factorial(2 * j + 2) for j, b in enumerate(
    [1 / 6, -1 / 30, 1 / 42, -1 / 30, 5 / 66, -691 / 2730, 7 / 6, -3617 / 510, 43867 / 798,
     -174611 / 330, 854513 / 138, -236364091 / 2730])]


def _torch_special_zeta(input, other):
    """torch.special.zeta: the Hurwitz zeta function sum((other + k) ** -input), by
    Euler-Maclaurin summation; inf at input == 1 and at integer other <= 0, NaN for
    input < 1 (as torch)."""
    (s, q), dtype = _torch_special_float(input, other)
    terms = max(9, int(math.ceil(-float(q.min()))) + 9) if q.numel() > 0 else 9
    total = paddle.zeros_like(s)
    for k in range(terms):
        total = total + (q + k) ** (-s)
    a = q + terms
    total = total + a ** (1.0 - s) / (s - 1.0) + 0.5 * a ** (-s)
    c = s * a ** (-s - 1.0)
    for j, b in enumerate(_TORCH_ZETA_B):
        total = total + b * c
        c = c * (s + 2 * j + 1) * (s + 2 * j + 2) / (a * a)
    inf, nan = paddle.full_like(s, math.inf), paddle.full_like(s, math.nan)
    out = paddle.where((q <= 0) & (q == paddle.floor(q)), inf, total)
    out = paddle.where((q < 0) & (q != paddle.floor(q)) & (s != paddle.floor(s)), nan, out)
    out = paddle.where(s == 1, inf, paddle.where(s < 1, nan, out))
    return paddle.where(paddle.isnan(s) | paddle.isnan(q), s + q, out).astype(dtype)
''',
    imports=("import math",),
    deps=("_torch_special_float",),
)

snippet(
    "_torch_special_bessel_k",
    '''
def _torch_special_bessel_k(input, nu, scaled):
    """The modified Bessel function of the second kind K_nu(x) (times exp(x) when
    scaled), from K_nu(x) = integral over t > 0 of exp(-x cosh t) cosh(nu t): the
    trapezoidal rule on it converges geometrically; the step follows x so that every x
    gets the same accuracy."""
    (x,), dtype = _torch_special_float(input)
    z = paddle.where(x > 0, x, paddle.ones_like(x))
    # the integrand (scaled by exp(x)) is below exp(-745) beyond t = acosh(1 + 745 / x)
    end = paddle.where(z < 1e-3, math.log(1490.0) - paddle.log(z), paddle.acosh(1.0 + 745.0 / z))
    n = max(128, int(math.ceil(float(end.max()) / 0.2))) if end.numel() > 0 else 128
    h = end / n
    t = h.unsqueeze(-1) * paddle.arange(n + 1, dtype="float64")
    f = paddle.exp(-z.unsqueeze(-1) * (paddle.cosh(t) - 1.0)) * paddle.cosh(nu * t)
    out = h * (f.sum(axis=-1) - 0.5 * f[..., 0])
    if not scaled:
        out = out * paddle.exp(-z)
    out = paddle.where(x == 0, paddle.full_like(x, math.inf), paddle.where(x < 0, paddle.full_like(x, math.nan), out))
    return paddle.where(paddle.isnan(x), x, out).astype(dtype)
''',
    imports=("import math",),
    deps=("_torch_special_float",),
)

for _name, _nu, _scaled, _doc in (
    ("modified_bessel_k0", 0, False, "the modified Bessel function of the second kind of order 0"),
    ("modified_bessel_k1", 1, False, "the modified Bessel function of the second kind of order 1"),
    ("scaled_modified_bessel_k0", 0, True, "exp(x) * K0(x)"),
    ("scaled_modified_bessel_k1", 1, True, "exp(x) * K1(x)"),
):
    snippet(
        f"_torch_special_{_name}",
        f'''
def _torch_special_{_name}(input):
    {docstring(f"torch.special.{_name}: {_doc}.")}
    return _torch_special_bessel_k(input, {_nu}, {_scaled})
''',
        deps=("_torch_special_bessel_k",),
    )

snippet(
    "_torch_special_polynomial",
    '''
def _torch_special_polynomial(kind, input, n):
    """The orthogonal polynomial of degree n (an int or an integer tensor, broadcast
    with input) at input, by its three-term recurrence; 0 for n < 0, as torch."""
    (x,), dtype = _torch_special_float(input)
    if kind.startswith("shifted_"):
        kind, x = kind[len("shifted_"):], 2.0 * x - 1.0
    degree = n.astype("int64") if isinstance(n, paddle.Tensor) else None
    top = (int(degree.max()) if degree.numel() > 0 else 0) if degree is not None else int(n)
    first = {"chebyshev_t": x, "chebyshev_u": 2.0 * x, "chebyshev_v": 2.0 * x - 1.0, "chebyshev_w": 2.0 * x + 1.0,
             "hermite_h": 2.0 * x, "hermite_he": x, "laguerre_l": 1.0 - x, "legendre_p": x}[kind]
    prev, cur = paddle.ones_like(x), first
    if degree is not None:
        out = paddle.where(degree == 0, prev, paddle.zeros_like(x))
        out = paddle.where(degree == 1, cur, out) if top >= 1 else out
    for k in range(1, top):
        if kind.startswith("chebyshev"):
            prev, cur = cur, 2.0 * x * cur - prev
        elif kind == "hermite_h":
            prev, cur = cur, 2.0 * x * cur - 2.0 * k * prev
        elif kind == "hermite_he":
            prev, cur = cur, x * cur - k * prev
        elif kind == "laguerre_l":
            prev, cur = cur, ((2 * k + 1 - x) * cur - k * prev) / (k + 1)
        else:
            prev, cur = cur, ((2 * k + 1) * x * cur - k * prev) / (k + 1)
        if degree is not None:
            out = paddle.where(degree == k + 1, cur, out)
    if degree is None:
        out = paddle.zeros_like(x) if top < 0 else prev if top == 0 else cur
    return out.astype(dtype)
''',
    deps=("_torch_special_float",),
)

_POLYNOMIALS = {
    "chebyshev_polynomial_t": "chebyshev_t", "chebyshev_polynomial_u": "chebyshev_u",
    "chebyshev_polynomial_v": "chebyshev_v", "chebyshev_polynomial_w": "chebyshev_w",
    "shifted_chebyshev_polynomial_t": "shifted_chebyshev_t", "shifted_chebyshev_polynomial_u": "shifted_chebyshev_u",
    "shifted_chebyshev_polynomial_v": "shifted_chebyshev_v", "shifted_chebyshev_polynomial_w": "shifted_chebyshev_w",
    "hermite_polynomial_h": "hermite_h", "hermite_polynomial_he": "hermite_he",
    "laguerre_polynomial_l": "laguerre_l", "legendre_polynomial_p": "legendre_p",
}

for _fn, _kind in _POLYNOMIALS.items():
    snippet(
        f"_torch_special_{_fn}",
        f'''
def _torch_special_{_fn}(input, n):
    {docstring(f"torch.special.{_fn}: the polynomial of degree n at input.")}
    return _torch_special_polynomial("{_kind}", input, n)
''',
        deps=("_torch_special_polynomial",),
    )
