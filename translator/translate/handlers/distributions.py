"""``torch.distributions`` -> ``paddle.distribution`` (the entries of ``rules/distributions.toml``).

``distribution``: the handler of the distributions whose Paddle class takes ``probs`` only
(Bernoulli, Geometric, Binomial, ContinuousBernoulli, Multinomial): torch's ``logits=l`` becomes
``probs=sigmoid(l)`` (``softmax(l, axis=-1)`` for Multinomial); torch defaults that Paddle
requires (StudentT's ``loc``/``scale``, Multinomial's ``total_count``) are written out; and a
number literal next to a tensor argument becomes ``paddle.to_tensor(number)`` where Paddle wants
all tensors (Normal, Uniform, LogNormal, Gamma; AffineTransform always).
``transformed_distribution``: torch takes one transform or a list, Paddle a list only.
``set_default_validate_args``: removed (Paddle does not validate).

Support classes where Paddle has no counterpart or another meaning, each with torch's semantics:

* ``_TorchCategorical``: Paddle's ``Categorical(logits)`` normalizes its input by its sum in
  ``log_prob`` but by softmax in ``entropy`` and ``sample``, and its ``kl_divergence`` keeps the
  last axis; this subclass takes torch's ``probs`` or ``logits``, stores normalized
  log-probabilities (so Paddle's softmax-based code is right) and gives torch's ``probs``,
  ``logits``, ``log_prob`` (broadcast against the batch shape), ``sample`` and KL;
* ``_TorchOneHotCategorical``: the same over one-hot vectors;
* ``_TorchHalfNormal``: |Normal(0, scale)|.
"""

from __future__ import annotations

import libcst as cst

from ...rules import ApiRule
from ..registry import Refusal, Removed, TranslateContext, handler
from ._common import (
    Outcome,
    bind_supported,
    float_literal,
    is_number_literal,
    kw,
    make_call,
    plain_rule,
    refuse,
    refused,
    snippet,
)

_SOFTMAX_PROBS = ("torch.distributions.Multinomial",)


def _is_none(value: cst.BaseExpression | None) -> bool:
    return value is None or (isinstance(value, cst.Name) and value.value == "None")


def _torch_default(rule: ApiRule, name: str) -> str | None:
    """torch's default of ``name`` as written in the signature, None when it has none (or None)."""
    param = rule.param(name)
    return None if param is None or param.default in (None, "None") else param.default


# parameters Paddle wants all tensors or all numbers (a number next to a tensor raises); for
# AffineTransform, always tensors
_TENSOR_PARAMS = {
    "torch.distributions.Normal": ("loc", "scale"),
    "torch.distributions.Uniform": ("low", "high"),
    "torch.distributions.LogNormal": ("loc", "scale"),
    "torch.distributions.Gamma": ("concentration", "rate"),
    "torch.distributions.AffineTransform": ("loc", "scale"),
}
_ALWAYS_TENSORS = ("torch.distributions.AffineTransform",)


def _as_tensor(ctx: TranslateContext, value: cst.BaseExpression) -> cst.Call:
    """``paddle.to_tensor(2.0)`` for the number literal ``2`` or ``2.0`` (a float: the default dtype)."""
    number = float_literal(value)
    return make_call(ctx.ref("paddle.to_tensor"), [cst.Arg(cst.parse_expression(repr(number)))])


@handler("distribution")
def distribution(ctx: TranslateContext, call: cst.Call, rule: ApiRule) -> Outcome:
    """A distribution whose Paddle class takes ``probs`` only, needs torch's defaults written
    out, or refuses a number next to a tensor (see the module docstring)."""
    bound = bind_supported(ctx, call, rule)
    if refused(bound):
        return bound
    params = [n for n in _TENSOR_PARAMS.get(rule.torch, ()) if n in bound]
    numbers = [n for n in params if is_number_literal(bound[n])]
    if numbers and (rule.torch in _ALWAYS_TENSORS or len(numbers) < len(params)):
        replaced = {id(bound[n]): _as_tensor(ctx, bound[n]) for n in numbers}
        call = call.with_changes(args=[a.with_changes(value=replaced.get(id(a.value), a.value)) for a in call.args])
        bound = bind_supported(ctx, call, rule)
        if refused(bound):
            return bound
    probs, logits = bound.get("probs"), bound.get("logits")
    missing = [(p.name, _torch_default(rule, p.name)) for p in rule.paddle_params or () if p.default is None and p.name not in bound]
    missing = [(name, default) for name, default in missing if default is not None]
    if _is_none(logits) and not missing:
        return ctx.rewrite(call, plain_rule(rule, "logits"))
    if not _is_none(logits) and not _is_none(probs):
        return refuse(Refusal.UNSUPPORTED_USE, "give probs or logits, not both; left unchanged")
    args: list[cst.Arg] = []
    for name, value in bound.items():
        if name == "logits" and not _is_none(value):
            if rule.torch in _SOFTMAX_PROBS:
                axis = cst.UnaryOperation(cst.Minus(), cst.Integer("1"))
                conv = make_call(ctx.ref("paddle.nn.functional.softmax"), [cst.Arg(value), kw("axis", axis)])
            else:
                conv = make_call(ctx.ref("paddle.nn.functional.sigmoid"), [cst.Arg(value)])
            args.append(kw("probs", conv))
        elif name not in ("probs", "logits"):
            args.append(kw(name, value))
    args.extend(kw(name, cst.parse_expression(default)) for name, default in missing)
    order = [p.name for p in rule.params or ()]
    args.sort(key=lambda a: order.index(a.keyword.value) if a.keyword and a.keyword.value in order else len(order))
    return ctx.rewrite(make_call(call.func, args), plain_rule(rule, "logits"))


@handler("set_default_validate_args")
def set_default_validate_args(ctx: TranslateContext, call: cst.Call, rule: ApiRule) -> Outcome:
    """``Distribution.set_default_validate_args(v)`` on its own line is removed: Paddle's
    distributions never validate their arguments (results on valid input are the same)."""
    bound = ctx.bind(call, rule)
    if refused(bound):
        return bound
    if ctx.result_unused:
        return Removed()
    return refuse(Refusal.UNSUPPORTED_USE, "its result used: Paddle has no argument validation to switch; left unchanged")


@handler("transformed_distribution")
def transformed_distribution(ctx: TranslateContext, call: cst.Call, rule: ApiRule) -> Outcome:
    """``TransformedDistribution(base, t)`` with ``t`` a call (one transform built in place) ->
    ``[t]``: Paddle takes a list only.  A list, a tuple or a name is passed on as it is."""
    bound = bind_supported(ctx, call, rule)
    if refused(bound):
        return bound
    transforms = bound.get("transforms")
    if isinstance(transforms, cst.Call):
        new_args = [
            a.with_changes(value=cst.List([cst.Element(transforms)])) if a.value is transforms else a for a in call.args
        ]
        return ctx.rewrite(call.with_changes(args=new_args), plain_rule(rule))
    return ctx.rewrite(call, plain_rule(rule))


snippet(
    "_TorchCategorical",
    '''
class _TorchCategorical(paddle.distribution.Categorical):
    """torch.distributions.Categorical: probs (normalized along the last axis) or
    logits; keeps normalized log-probabilities as Paddle's logits, so Paddle's entropy
    is torch's."""

    def __init__(self, probs=None, logits=None):
        if (probs is None) == (logits is None):
            raise ValueError("Either `probs` or `logits` must be specified, but not both.")
        if probs is not None:
            probs = paddle.to_tensor(probs) if not isinstance(probs, paddle.Tensor) else probs
            probs = probs / probs.sum(-1, keepdim=True)
            eps = float(numpy.finfo(numpy.dtype(str(probs.dtype).split(".")[-1])).eps)
            logits = paddle.log(probs.clip(eps, 1 - eps))
        else:
            logits = paddle.to_tensor(logits) if not isinstance(logits, paddle.Tensor) else logits
            logits = logits - paddle.logsumexp(logits, axis=-1, keepdim=True)
            probs = paddle.nn.functional.softmax(logits, axis=-1)
        super().__init__(logits)
        paddle.distribution.Distribution.__init__(self, tuple(logits.shape[:-1]), ())
        self.probs = probs
        self.logits = logits

    @property
    def param_shape(self):
        return tuple(self.logits.shape)

    def log_prob(self, value):
        value = value.astype("int64").unsqueeze(-1)
        shape = paddle.broadcast_shape(value.shape, self.logits.shape)
        index = value.expand(shape[:-1] + [1])
        return paddle.take_along_axis(self.logits.expand(shape), index, axis=-1).squeeze(-1)

    def entropy(self):
        return -(self.logits * self.probs).sum(-1)

    def sample(self, sample_shape=()):
        shape = list(sample_shape)
        count = self.probs.shape[-1]
        index = paddle.multinomial(self.probs.reshape([-1, count]), max(math.prod(shape), 1), replacement=True)
        return index.T[: math.prod(shape)].reshape(shape + list(self.probs.shape[:-1]))

    def kl_divergence(self, other):
        return (self.probs * (self.logits - other.logits)).sum(-1)
''',
    imports=("import math", "import numpy"),
)

snippet(
    "_TorchOneHotCategorical",
    '''
class _TorchOneHotCategorical(paddle.distribution.Distribution):
    """torch.distributions.OneHotCategorical: a categorical distribution over one-hot
    vectors."""

    def __init__(self, probs=None, logits=None):
        self._categorical = _TorchCategorical(probs, logits)
        self.probs, self.logits = self._categorical.probs, self._categorical.logits
        super().__init__(tuple(self.probs.shape[:-1]), tuple(self.probs.shape[-1:]))

    @property
    def mean(self):
        return self._categorical.probs

    @property
    def variance(self):
        return self.probs * (1 - self.probs)

    def log_prob(self, value):
        return self._categorical.log_prob(value.argmax(-1))

    def entropy(self):
        return self._categorical.entropy()

    def sample(self, sample_shape=()):
        index = self._categorical.sample(sample_shape)
        return paddle.nn.functional.one_hot(index, self.probs.shape[-1]).astype(self.probs.dtype)
''',
    deps=("_TorchCategorical",),
)

snippet(
    "_TorchHalfNormal",
    '''
class _TorchHalfNormal(paddle.distribution.Distribution):
    """torch.distributions.HalfNormal: |X| for X ~ Normal(0, scale)."""

    def __init__(self, scale):
        self.scale = paddle.to_tensor(scale, dtype=paddle.get_default_dtype()) if not isinstance(scale, paddle.Tensor) else scale
        super().__init__(tuple(self.scale.shape), ())

    @property
    def mean(self):
        return self.scale * math.sqrt(2 / math.pi)

    @property
    def variance(self):
        return self.scale.pow(2) * (1 - 2 / math.pi)

    @property
    def stddev(self):
        return self.variance.sqrt()

    def log_prob(self, value):
        log_prob = -(value**2) / (2 * self.scale**2) - paddle.log(self.scale) - 0.5 * math.log(2 * math.pi) + math.log(2)
        return paddle.where(value >= 0, log_prob, paddle.full_like(log_prob, -math.inf))

    def cdf(self, value):
        return paddle.erf(value / (self.scale * math.sqrt(2)))

    def icdf(self, prob):
        return self.scale * math.sqrt(2) * paddle.erfinv(prob)

    def entropy(self):
        return 0.5 * paddle.log(math.pi * self.scale**2 / 2) + 0.5

    def rsample(self, sample_shape=()):
        shape = list(sample_shape) + list(self.scale.shape)
        return paddle.abs(paddle.randn(shape, dtype=self.scale.dtype) * self.scale)

    def sample(self, sample_shape=()):
        with paddle.no_grad():
            return self.rsample(sample_shape)
''',
    imports=("import math",),
)
