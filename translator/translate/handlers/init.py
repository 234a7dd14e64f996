"""``torch.nn.init.*`` -> Paddle initializers applied to the parameter in place.

``nn.init.kaiming_normal_(w, mode="fan_out", nonlinearity="relu")`` becomes
``nn.initializer.KaimingNormal(fan_in=_torch_fan(w, "fan_out"), nonlinearity="relu")(w)``:
the initializer object is called on the existing parameter, which re-initializes it in
dynamic mode.  (Setting ``weight_attr`` on a layer that already exists has no effect, which is
why hand ports that do so silently keep the default initialization.)

Distributions match torch's:

* ``uniform_(w, a, b)`` -> ``Uniform(low=a, high=b)``; ``normal_`` -> ``Normal(mean, std)``;
  ``constant_``/``zeros_``/``ones_`` -> ``Constant``.
* ``xavier_*_(w, gain)`` -> ``Xavier*()``: both use fan_in + fan_out; Paddle 2.6 takes no gain, so
  a gain divides the fans (``_torch_fan``) by ``gain ** 2``, which scales the bound by ``gain``.
* ``orthogonal_(w, gain)`` -> ``Orthogonal(gain)``; ``dirac_(w, groups)`` -> ``Dirac(groups)``;
  ``eye_(w)`` -> ``Assign(paddle.eye(*w.shape))``; ``trunc_normal_`` -> ``TruncatedNormal`` where
  the bounds are mean +- 2 std, else the support function ``_torch_trunc_normal_``.
* ``kaiming_*_(w, a, mode, nonlinearity)``: gain = calculate_gain(nonlinearity, a) on both
  sides; Paddle always divides by "fan_in", so ``mode="fan_out"`` passes the fan_out as
  ``fan_in`` (computed at run time by the emitted ``_torch_fan`` helper).  torch's default
  ``nonlinearity="leaky_relu"`` with ``a=0`` has the same gain as Paddle's default ``"relu"``.
"""

from __future__ import annotations

import libcst as cst

from ...rules import ApiRule
from ..registry import Refusal, TranslateContext, handler
from ._common import Outcome, float_literal, kw, refuse, refused, separated, snippet

def _apply(ctx: TranslateContext, call: cst.Call, rule: ApiRule, cls: str, args: list[cst.Arg], tensor: cst.BaseExpression) -> cst.BaseExpression:
    if not ctx.result_unused:
        ctx.warn(call, rule.torch, "Paddle initializers return None, not the tensor; the result is used here")
    init = cst.Call(func=ctx.ref(f"paddle.nn.initializer.{cls}"), args=separated(args))
    return cst.Call(func=init, args=[cst.Arg(tensor)])


def _float(value: float) -> cst.BaseExpression:
    return cst.Float(repr(float(value)))


@handler("init")
def init(ctx: TranslateContext, call: cst.Call, rule: ApiRule) -> Outcome:
    bound = ctx.bind(call, rule)
    if refused(bound):
        return bound
    if bound.get("generator") is not None and ctx.code(bound["generator"]) != "None":
        return refuse(Refusal.UNSUPPORTED_ARGUMENT, "generator= has no Paddle equivalent; left unchanged")
    tensor = bound["tensor"]
    name = rule.name
    if name in ("constant_", "zeros_", "ones_"):
        value = bound["val"] if name == "constant_" else _float(0.0 if name == "zeros_" else 1.0)
        return _apply(ctx, call, rule, "Constant", [cst.Arg(value)], tensor)
    if name == "normal_":
        args = [kw(k, bound[k]) for k in ("mean", "std") if k in bound]
        return _apply(ctx, call, rule, "Normal", args, tensor)
    if name == "uniform_":
        low = bound.get("a", _float(0.0))
        high = bound.get("b", _float(1.0))
        return _apply(ctx, call, rule, "Uniform", [kw("low", low), kw("high", high)], tensor)
    if name in ("xavier_uniform_", "xavier_normal_"):
        cls = "XavierUniform" if name == "xavier_uniform_" else "XavierNormal"
        gain = _number(bound.get("gain"), 1.0)
        if gain == 1.0:
            return _apply(ctx, call, rule, cls, [], tensor)
        # Paddle 2.6's Xavier initializers take no gain: fans divided by gain**2 give the same bound
        scale = repr(gain * gain) if gain is not None else f"({ctx.code(bound['gain'])}) ** 2"
        fan = ctx.support("_torch_fan")
        args = [
            kw(k, cst.parse_expression(f'{fan}({ctx.code(tensor)}, "{k}") / {scale}')) for k in ("fan_in", "fan_out")
        ]
        return _apply(ctx, call, rule, cls, args, tensor)
    if name in ("kaiming_uniform_", "kaiming_normal_"):
        cls = "KaimingUniform" if name == "kaiming_uniform_" else "KaimingNormal"
        args: list[cst.Arg] = []
        mode = bound.get("mode")
        if mode is not None and ctx.code(mode).strip("'\"") != "fan_in":
            fan = cst.Call(func=cst.Name(ctx.support("_torch_fan")), args=separated([cst.Arg(tensor), cst.Arg(mode)]))
            args.append(kw("fan_in", fan))
        a = bound.get("a")
        nonlinearity = bound.get("nonlinearity")
        if a is not None:
            args.append(kw("negative_slope", a))
        if nonlinearity is not None:
            args.append(kw("nonlinearity", nonlinearity))
        elif a is not None:
            args.append(kw("nonlinearity", cst.SimpleString('"leaky_relu"')))
        return _apply(ctx, call, rule, cls, args, tensor)
    if name in ("orthogonal_", "dirac_"):
        cls = "Orthogonal" if name == "orthogonal_" else "Dirac"
        key = "gain" if name == "orthogonal_" else "groups"
        args = [kw(key, bound[key])] if key in bound else []
        return _apply(ctx, call, rule, cls, args, tensor)
    if name == "eye_":
        # paddle.eye of the parameter's own shape: for Linear (stored transposed) it is still the identity map
        eye = cst.Call(func=ctx.ref("paddle.eye"), args=[cst.Arg(cst.Attribute(value=tensor, attr=cst.Name("shape")), star="*")])
        return _apply(ctx, call, rule, "Assign", [cst.Arg(eye)], tensor)
    if name == "trunc_normal_":
        return _trunc_normal(ctx, call, rule, bound, tensor)
    return refuse(Refusal.NO_RULE, "no Paddle initializer rewrite for this function; left unchanged")


def _number(node: cst.BaseExpression | None, default: float) -> float | None:
    """A literal number argument as a float; ``default`` when it is not given, None when it is
    not a literal."""
    return default if node is None else float_literal(node)


def _trunc_normal(ctx: TranslateContext, call: cst.Call, rule: ApiRule, bound: dict, tensor: cst.BaseExpression) -> cst.BaseExpression:
    """torch truncates to the absolute bounds [a, b] (default [-2, 2]); Paddle 2.6's TruncatedNormal
    always to mean +- 2 std. Where those agree (literal arguments) the initializer is used, else
    the support function ``_torch_trunc_normal_`` samples torch's distribution."""
    mean, std = _number(bound.get("mean"), 0.0), _number(bound.get("std"), 1.0)
    a, b = _number(bound.get("a"), -2.0), _number(bound.get("b"), 2.0)
    if None not in (mean, std, a, b) and abs(a - (mean - 2 * std)) < 1e-12 and abs(b - (mean + 2 * std)) < 1e-12:
        args = [kw(k, bound[k]) for k in ("mean", "std") if k in bound]
        return _apply(ctx, call, rule, "TruncatedNormal", args, tensor)
    args = [cst.Arg(tensor)] + [kw(k, bound[k]) for k in ("mean", "std", "a", "b") if k in bound]
    return cst.Call(func=cst.Name(ctx.support("_torch_trunc_normal_")), args=separated(args))


snippet(
    "_torch_trunc_normal_",
    '''
def _torch_trunc_normal_(tensor: "paddle.Tensor", mean: float = 0.0, std: float = 1.0, a: float = -2.0,
                         b: float = 2.0) -> "paddle.Tensor":
    """torch.nn.init.trunc_normal_: N(mean, std) truncated to the absolute bounds [a,
    b], sampled by the inverse CDF as torch does (Paddle 2.6's TruncatedNormal cuts at
    mean +- 2 std)."""
    lo = (1.0 + math.erf((a - mean) / (std * math.sqrt(2.0)))) / 2.0
    hi = (1.0 + math.erf((b - mean) / (std * math.sqrt(2.0)))) / 2.0
    with paddle.no_grad():
        u = paddle.uniform(tensor.shape, dtype=tensor.dtype, min=2 * lo - 1, max=2 * hi - 1)
        value = paddle.erfinv(u) * (std * math.sqrt(2.0)) + mean
        tensor.set_value(paddle.clip(value, min=a, max=b))
    return tensor
''',
    imports=("import math",),
)
