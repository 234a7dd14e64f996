"""``torch.signal.windows`` (``rules/torch_signal.toml``).

Paddle's ``paddle.audio.functional.get_window(window, win_length, fftbins, dtype)`` computes
the same windows as torch for hann, hamming, blackman, cosine, gaussian (``std``), kaiser
(``beta``) and exponential (``center``, ``tau``): torch's ``sym=True`` (symmetric, its default)
is ``fftbins=False``, ``sym=False`` (periodic) is ``fftbins=True``.  Its default dtype is
float64, torch's is float32: the dtype is always written.  Paddle's "triang" is not torch's
bartlett (zero at both ends), and it has no general_cosine, general_hamming or nuttall: those
are emitted support functions with torch's formulas.
"""

from __future__ import annotations

import libcst as cst

from ...rules import ApiRule
from ..registry import TranslateContext, handler
from ._common import Outcome, atom, bind_supported, kw, literal_value, make_call, quoted, refused, snippet

# the parameters after M that each window passes to get_window, in its tuple's order
_PARAMS = {"gaussian": ("std",), "kaiser": ("beta",), "exponential": ("center", "tau")}
_DEFAULTS = {"std": "1.0", "beta": "12.0", "center": "None", "tau": "1.0"}
# windows Paddle lacks: a support function taking (M, sym, dtype, *params)
_SUPPORT = {"bartlett": (), "general_cosine": ("a",), "general_hamming": ("alpha",), "nuttall": ()}


def _fftbins(sym: cst.BaseExpression | None) -> cst.BaseExpression:
    value = literal_value(sym) if sym is not None else True
    if value is True:
        return cst.Name("False")
    if value is False:
        return cst.Name("True")
    return cst.UnaryOperation(cst.Not(), atom(sym))  # type: ignore[arg-type]


@handler("signal_window")
def signal_window(ctx: TranslateContext, call: cst.Call, rule: ApiRule) -> Outcome:
    """``torch.signal.windows.hann(M, sym=..., dtype=...)`` and the others (module docstring)."""
    bound = bind_supported(ctx, call, rule)
    if refused(bound):
        return bound
    name = rule.name
    dtype = bound.get("dtype")
    if dtype is not None and literal_value(dtype) is None:
        dtype = None
    if name in _SUPPORT:
        args = [cst.Arg(bound["M"])]
        args += [kw(p, bound[p]) for p in _SUPPORT[name] if p in bound]
        if "sym" in bound:
            args.append(kw("sym", bound["sym"]))
        if dtype is not None:
            args.append(kw("dtype", dtype))
        return make_call(cst.Name(ctx.support(f"_torch_window_{name}")), args)
    params = _PARAMS.get(name, ())
    window: cst.BaseExpression = quoted(name)
    if params:
        values = [bound.get(p) or cst.parse_expression(_DEFAULTS[p]) for p in params]
        window = cst.Tuple([cst.Element(quoted(name)), *(cst.Element(v) for v in values)])
    args = [cst.Arg(window), cst.Arg(bound["M"]), kw("fftbins", _fftbins(bound.get("sym"))), kw("dtype", quoted("float32"))]
    result = make_call(ctx.ref("paddle.audio.functional.get_window"), args)
    if dtype is not None:
        result = make_call(cst.Attribute(value=result, attr=cst.Name("astype")), [cst.Arg(dtype)])
    return result


snippet("_torch_window_general_cosine", '''
def _torch_window_general_cosine(M, a, sym=True, dtype=None):
    """torch.signal.windows.general_cosine: sum_k (-1)**k a[k] cos(2 pi k n / (M - 1))
    (M for the periodic window, sym=False)."""
    if M <= 1:
        return paddle.ones([max(M, 0)], dtype=dtype or "float32")
    n = paddle.arange(M, dtype="float64")
    denom = M - 1 if sym else M
    w = paddle.zeros([M], dtype="float64")
    for k, coeff in enumerate(a):
        w = w + (-1) ** k * coeff * paddle.cos(2 * math.pi * k * n / denom)
    return w.astype(dtype or "float32")
''', imports=("import math",))

snippet("_torch_window_general_hamming", '''
def _torch_window_general_hamming(M, alpha=0.54, sym=True, dtype=None):
    """torch.signal.windows.general_hamming: general_cosine with a = [alpha, 1 -
    alpha]."""
    return _torch_window_general_cosine(M, [alpha, 1.0 - alpha], sym=sym, dtype=dtype)
''', deps=("_torch_window_general_cosine",))

snippet("_torch_window_nuttall", '''
def _torch_window_nuttall(M, sym=True, dtype=None):
    """torch.signal.windows.nuttall: general_cosine with Nuttall's four coefficients."""
    a = [0.3635819, 0.4891775, 0.1365995, 0.0106411]
    return _torch_window_general_cosine(M, a, sym=sym, dtype=dtype)
''', deps=("_torch_window_general_cosine",))

snippet("_torch_window_bartlett", '''
def _torch_window_bartlett(M, sym=True, dtype=None):
    """torch.signal.windows.bartlett: 1 - |2 n / (M - 1) - 1| (M for sym=False), zero at
    the ends."""
    if M <= 1:
        return paddle.ones([max(M, 0)], dtype=dtype or "float32")
    n = paddle.arange(M, dtype="float64")
    denom = M - 1 if sym else M
    return (1 - paddle.abs(2 * n / denom - 1)).astype(dtype or "float32")
''')
