"""torch.distributions classes Paddle has no class for (the entries of
``rules/distributions_more.toml``): support classes written with torch's formulas for log_prob,
mean, variance, entropy, cdf and icdf on paddle ops (Paddle 2.6's included). Reparameterized
samples use Paddle's random generator; the samplers that need gamma or chi-square draws
(FisherSnedecor, InverseGamma, NegativeBinomial) use NumPy's global generator.
"""

from __future__ import annotations

from ._common import snippet

snippet(
    "_torch_dist_params",
    '''
def _torch_dist_params(*values):
    """The parameters as tensors of the default float dtype (numbers too), broadcast
    together."""
    tensors = [v if isinstance(v, paddle.Tensor) else paddle.to_tensor(v, dtype=paddle.get_default_dtype()) for v in values]
    return paddle.broadcast_tensors(tensors) if len(tensors) > 1 else tensors


class _TorchDistribution(paddle.distribution.Distribution):
    """Shared parts: stddev, sample() as rsample() without gradient, the shape of a
    draw."""

    @property
    def stddev(self):
        return self.variance.sqrt()

    def _extended_shape(self, sample_shape=()):
        return list(sample_shape) + list(self.batch_shape) + list(self.event_shape)

    def sample(self, sample_shape=()):
        with paddle.no_grad():
            return self.rsample(sample_shape)
''',
)

snippet(
    "_TorchHalfCauchy",
    '''
class _TorchHalfCauchy(_TorchDistribution):
    """torch.distributions.HalfCauchy: |X| for X ~ Cauchy(0, scale)."""

    def __init__(self, scale):
        (self.scale,) = _torch_dist_params(scale)
        super().__init__(tuple(self.scale.shape), ())

    @property
    def mean(self):
        return paddle.full(self.scale.shape, math.inf, dtype=self.scale.dtype)

    @property
    def variance(self):
        return paddle.full(self.scale.shape, math.inf, dtype=self.scale.dtype)

    def log_prob(self, value):
        lp = math.log(2) - math.log(math.pi) - paddle.log(self.scale) - paddle.log1p((value / self.scale) ** 2)
        return paddle.where(value >= 0, lp, paddle.full_like(lp, -math.inf))

    def cdf(self, value):
        return 2 * paddle.atan(value / self.scale) / math.pi

    def icdf(self, prob):
        return self.scale * paddle.tan(math.pi * prob / 2)

    def entropy(self):
        return paddle.log(2 * math.pi * self.scale)

    def rsample(self, sample_shape=()):
        u = paddle.rand(self._extended_shape(sample_shape), dtype=self.scale.dtype)
        return paddle.abs(self.scale * paddle.tan(math.pi * (u - 0.5)))
''',
    imports=("import math",),
    deps=("_torch_dist_params",),
)

snippet(
    "_TorchPareto",
    '''
class _TorchPareto(_TorchDistribution):
    """torch.distributions.Pareto: scale * exp(Exponential(alpha))."""

    def __init__(self, scale, alpha):
        self.scale, self.alpha = _torch_dist_params(scale, alpha)
        super().__init__(tuple(self.scale.shape), ())

    @property
    def mean(self):
        a = self.alpha.clip(min=1)
        return paddle.where(self.alpha > 1, a * self.scale / (a - 1), paddle.full_like(a, math.inf))

    @property
    def variance(self):
        a = self.alpha.clip(min=2)
        return paddle.where(self.alpha > 2, self.scale**2 * a / ((a - 1) ** 2 * (a - 2)), paddle.full_like(a, math.inf))

    def log_prob(self, value):
        return paddle.log(self.alpha) - self.alpha * paddle.log(value / self.scale) - paddle.log(value)

    def cdf(self, value):
        return 1 - paddle.exp(-self.alpha * paddle.log(value / self.scale))

    def icdf(self, prob):
        return self.scale * paddle.exp(-paddle.log1p(-prob) / self.alpha)

    def entropy(self):
        return paddle.log(self.scale / self.alpha) + 1 / self.alpha + 1

    def rsample(self, sample_shape=()):
        u = paddle.rand(self._extended_shape(sample_shape), dtype=self.scale.dtype)
        return self.icdf(u)
''',
    imports=("import math",),
    deps=("_torch_dist_params",),
)

snippet(
    "_TorchWeibull",
    '''
class _TorchWeibull(_TorchDistribution):
    """torch.distributions.Weibull(scale, concentration)."""

    def __init__(self, scale, concentration):
        self.scale, self.concentration = _torch_dist_params(scale, concentration)
        super().__init__(tuple(self.scale.shape), ())

    @property
    def mean(self):
        return self.scale * paddle.exp(paddle.lgamma(1 + 1 / self.concentration))

    @property
    def variance(self):
        k = self.concentration
        return self.scale**2 * (paddle.exp(paddle.lgamma(1 + 2 / k)) - paddle.exp(2 * paddle.lgamma(1 + 1 / k)))

    def log_prob(self, value):
        k, z = self.concentration, value / self.scale
        return paddle.log(k / self.scale) + (k - 1) * paddle.log(z) - z**k

    def cdf(self, value):
        return 1 - paddle.exp(-((value / self.scale) ** self.concentration))

    def icdf(self, prob):
        return self.scale * (-paddle.log1p(-prob)) ** (1 / self.concentration)

    def entropy(self):
        k = self.concentration
        return 0.5772156649015329 * (1 - 1 / k) + paddle.log(self.scale / k) + 1

    def rsample(self, sample_shape=()):
        return self.icdf(paddle.rand(self._extended_shape(sample_shape), dtype=self.scale.dtype))
''',
    deps=("_torch_dist_params",),
)

snippet(
    "_TorchKumaraswamy",
    '''
class _TorchKumaraswamy(_TorchDistribution):
    """torch.distributions.Kumaraswamy(concentration1 a, concentration0 b) on (0, 1)."""

    def __init__(self, concentration1, concentration0):
        self.concentration1, self.concentration0 = _torch_dist_params(concentration1, concentration0)
        super().__init__(tuple(self.concentration1.shape), ())

    def _moment(self, n):
        a, b = self.concentration1, self.concentration0
        arg = 1 + n / a
        return b * paddle.exp(paddle.lgamma(arg) + paddle.lgamma(b) - paddle.lgamma(arg + b))

    @property
    def mean(self):
        return self._moment(1)

    @property
    def variance(self):
        return self._moment(2) - self._moment(1) ** 2

    def log_prob(self, value):
        a, b = self.concentration1, self.concentration0
        return paddle.log(a) + paddle.log(b) + (a - 1) * paddle.log(value) + (b - 1) * paddle.log1p(-(value**a))

    def entropy(self):
        a, b = self.concentration1, self.concentration0
        h0 = paddle.digamma(b + 1) + 0.5772156649015329
        return (1 - 1 / b) + (1 - 1 / a) * h0 - paddle.log(a) - paddle.log(b)

    def rsample(self, sample_shape=()):
        u = paddle.rand(self._extended_shape(sample_shape), dtype=self.concentration1.dtype)
        return (1 - u ** (1 / self.concentration0)) ** (1 / self.concentration1)
''',
    deps=("_torch_dist_params",),
)

snippet(
    "_TorchFisherSnedecor",
    '''
class _TorchFisherSnedecor(_TorchDistribution):
    """torch.distributions.FisherSnedecor(df1, df2): the F distribution."""

    def __init__(self, df1, df2):
        self.df1, self.df2 = _torch_dist_params(df1, df2)
        super().__init__(tuple(self.df1.shape), ())

    @property
    def mean(self):
        df2 = self.df2.clip(min=2)
        return paddle.where(self.df2 > 2, df2 / (df2 - 2), paddle.full_like(df2, math.nan))

    @property
    def variance(self):
        df2 = self.df2.clip(min=4)
        v = 2 * df2**2 * (self.df1 + df2 - 2) / (self.df1 * (df2 - 2) ** 2 * (df2 - 4))
        return paddle.where(self.df2 > 4, v, paddle.full_like(df2, math.nan))

    def log_prob(self, value):
        ct1, ct2, ct3 = self.df1 * 0.5, self.df2 * 0.5, self.df1 / self.df2
        t1 = paddle.lgamma(ct1 + ct2) - paddle.lgamma(ct1) - paddle.lgamma(ct2)
        return t1 + ct1 * paddle.log(ct3) + (ct1 - 1) * paddle.log(value) - (ct1 + ct2) * paddle.log1p(ct3 * value)

    def rsample(self, sample_shape=()):
        shape = self._extended_shape(sample_shape)
        x1 = np.random.chisquare(np.broadcast_to(self.df1.numpy(), shape))
        x2 = np.random.chisquare(np.broadcast_to(self.df2.numpy(), shape))
        return paddle.to_tensor((x1 / self.df1.numpy()) / (x2 / self.df2.numpy()), dtype=self.df1.dtype)
''',
    imports=("import math", "import numpy as np"),
    deps=("_torch_dist_params",),
)

snippet(
    "_TorchInverseGamma",
    '''
class _TorchInverseGamma(_TorchDistribution):
    """torch.distributions.InverseGamma(concentration, rate): 1 / Gamma(concentration,
    rate)."""

    def __init__(self, concentration, rate):
        self.concentration, self.rate = _torch_dist_params(concentration, rate)
        super().__init__(tuple(self.rate.shape), ())

    @property
    def mean(self):
        a = self.concentration.clip(min=1)
        return paddle.where(self.concentration > 1, self.rate / (a - 1), paddle.full_like(a, math.inf))

    @property
    def variance(self):
        a = self.concentration.clip(min=2)
        return paddle.where(self.concentration > 2, self.rate**2 / ((a - 1) ** 2 * (a - 2)), paddle.full_like(a, math.inf))

    def log_prob(self, value):
        a, b = self.concentration, self.rate
        return a * paddle.log(b) - paddle.lgamma(a) - (a + 1) * paddle.log(value) - b / value

    def entropy(self):
        a, b = self.concentration, self.rate
        return a + paddle.log(b) + paddle.lgamma(a) - (1 + a) * paddle.digamma(a)

    def rsample(self, sample_shape=()):
        shape = self._extended_shape(sample_shape)
        g = np.random.gamma(np.broadcast_to(self.concentration.numpy(), shape)) / self.rate.numpy()
        return paddle.to_tensor(1 / g, dtype=self.rate.dtype)
''',
    imports=("import math", "import numpy as np"),
    deps=("_torch_dist_params",),
)

snippet(
    "_torch_probs_logits",
    '''
def _torch_probs_logits(probs, logits):
    """torch's binary probs and logits from either (probs clipped to [eps, 1 - eps] for
    logits)."""
    if (probs is None) == (logits is None):
        raise ValueError("Either `probs` or `logits` must be specified, but not both.")
    if probs is not None:
        (probs,) = _torch_dist_params(probs)
        eps = float(np.finfo(str(probs.dtype).split(".")[-1]).eps)
        p = probs.clip(eps, 1 - eps)
        return probs, paddle.log(p) - paddle.log1p(-p)
    (logits,) = _torch_dist_params(logits)
    return paddle.nn.functional.sigmoid(logits), logits
''',
    imports=("import numpy as np",),
    deps=("_torch_dist_params",),
)

snippet(
    "_TorchNegativeBinomial",
    '''
class _TorchNegativeBinomial(_TorchDistribution):
    """torch.distributions.NegativeBinomial: the count k of successes (probability
    probs) before total_count failures, P(k) proportional to C(k + total_count - 1, k)
    probs**k (1 - probs)**total_count."""

    def __init__(self, total_count, probs=None, logits=None):
        self.probs, self.logits = _torch_probs_logits(probs, logits)
        self.total_count, self.logits = _torch_dist_params(total_count, self.logits)
        self.probs = paddle.nn.functional.sigmoid(self.logits) if probs is None else self.probs.expand(self.logits.shape)
        super().__init__(tuple(self.logits.shape), ())

    @property
    def mean(self):
        return self.total_count * paddle.exp(self.logits)

    @property
    def variance(self):
        return self.mean / paddle.nn.functional.sigmoid(-self.logits)

    def log_prob(self, value):
        value = value.astype(self.logits.dtype)
        r, logsig = self.total_count, paddle.nn.functional.log_sigmoid
        unnormalized = r * logsig(-self.logits) + value * logsig(self.logits)
        normalization = -paddle.lgamma(r + value) + paddle.lgamma(1 + value) + paddle.lgamma(r)
        normalization = paddle.where(r + value == 0, paddle.zeros_like(normalization), normalization)
        return unnormalized - normalization

    def sample(self, sample_shape=()):
        shape = self._extended_shape(sample_shape)
        rate = np.random.gamma(np.broadcast_to(self.total_count.numpy(), shape)) * np.exp(self.logits.numpy())
        return paddle.to_tensor(np.random.poisson(rate), dtype=self.logits.dtype)
''',
    imports=("import numpy as np",),
    deps=("_torch_probs_logits",),
)

snippet(
    "_TorchRelaxedBernoulli",
    '''
class _TorchRelaxedBernoulli(_TorchDistribution):
    """torch.distributions.RelaxedBernoulli: sigmoid of a logistic sample scaled by
    1/temperature."""

    def __init__(self, temperature, probs=None, logits=None):
        self.probs, self.logits = _torch_probs_logits(probs, logits)
        (self.temperature,) = _torch_dist_params(temperature)
        super().__init__(tuple(self.logits.shape), ())

    def log_prob(self, value):
        tiny = float(np.finfo(str(value.dtype).split(".")[-1]).tiny)
        eps = float(np.finfo(str(value.dtype).split(".")[-1]).eps)
        y = value.clip(tiny, 1 - eps)
        x = paddle.log(y) - paddle.log1p(-y)
        diff = self.logits - x * self.temperature
        softplus = paddle.nn.functional.softplus
        return paddle.log(self.temperature) + diff - 2 * softplus(diff) + softplus(-x) + softplus(x)

    def rsample(self, sample_shape=()):
        dtype = self.logits.dtype
        eps = float(np.finfo(str(dtype).split(".")[-1]).eps)
        u = paddle.rand(self._extended_shape(sample_shape), dtype=dtype).clip(eps, 1 - eps)
        return paddle.nn.functional.sigmoid((paddle.log(u) - paddle.log1p(-u) + self.logits) / self.temperature)
''',
    imports=("import numpy as np",),
    deps=("_torch_probs_logits",),
)

snippet(
    "_TorchRelaxedOneHotCategorical",
    '''
class _TorchRelaxedOneHotCategorical(_TorchDistribution):
    """torch.distributions.RelaxedOneHotCategorical: softmax((logits + Gumbel) /
    temperature)."""

    def __init__(self, temperature, probs=None, logits=None):
        if (probs is None) == (logits is None):
            raise ValueError("Either `probs` or `logits` must be specified, but not both.")
        if probs is not None:
            (probs,) = _torch_dist_params(probs)
            probs = probs / probs.sum(-1, keepdim=True)
            eps = float(np.finfo(str(probs.dtype).split(".")[-1]).eps)
            logits = paddle.log(probs.clip(eps, 1 - eps))
        else:
            (logits,) = _torch_dist_params(logits)
        self.logits = logits - paddle.logsumexp(logits, axis=-1, keepdim=True)
        self.probs = paddle.nn.functional.softmax(self.logits, axis=-1)
        (self.temperature,) = _torch_dist_params(temperature)
        super().__init__(tuple(self.logits.shape[:-1]), tuple(self.logits.shape[-1:]))

    def log_prob(self, value):
        k = self.logits.shape[-1]
        x = paddle.log(value)
        log_scale = math.lgamma(k) + (k - 1) * paddle.log(self.temperature)
        score = self.logits - x * self.temperature
        score = (score - paddle.logsumexp(score, axis=-1, keepdim=True)).sum(-1)
        return score + log_scale - x.sum(-1)

    def rsample(self, sample_shape=()):
        dtype = self.logits.dtype
        eps = float(np.finfo(str(dtype).split(".")[-1]).eps)
        u = paddle.rand(self._extended_shape(sample_shape), dtype=dtype).clip(eps, 1 - eps)
        scores = (self.logits - paddle.log(-paddle.log(u))) / self.temperature
        return paddle.nn.functional.softmax(scores, axis=-1)
''',
    imports=("import math", "import numpy as np"),
    deps=("_torch_dist_params",),
)

snippet(
    "_TorchLogisticNormal",
    '''
class _TorchLogisticNormal(_TorchDistribution):
    """torch.distributions.LogisticNormal: torch's stick-breaking transform of
    Normal(loc, scale) over the last axis (K - 1 values -> a point of the K-simplex)."""

    def __init__(self, loc, scale):
        self.loc, self.scale = _torch_dist_params(loc, scale)
        shape = list(self.loc.shape)
        super().__init__(tuple(shape[:-1]), (shape[-1] + 1,))

    def _offset(self, n):
        return paddle.log(paddle.arange(n, 0, -1, dtype=self.loc.dtype))

    def log_prob(self, value):
        y = value[..., :-1]
        n = y.shape[-1]
        tiny = float(np.finfo(str(value.dtype).split(".")[-1]).tiny)
        sf = (1 - paddle.cumsum(y, axis=-1)).clip(min=tiny)
        x = paddle.log(y) - paddle.log(sf) + self._offset(n)
        base = (-((x - self.loc) ** 2) / (2 * self.scale**2) - paddle.log(self.scale) - 0.5 * math.log(2 * math.pi)).sum(-1)
        xs = x - self._offset(n)
        log_det = (-xs + paddle.nn.functional.log_sigmoid(xs) + paddle.log(y)).sum(-1)
        return base - log_det

    def rsample(self, sample_shape=()):
        shape = list(sample_shape) + list(self.loc.shape)
        x = self.loc + self.scale * paddle.randn(shape, dtype=self.loc.dtype)
        z = paddle.nn.functional.sigmoid(x - self._offset(x.shape[-1]))
        ones = paddle.ones(shape[:-1] + [1], dtype=x.dtype)
        return paddle.concat([z, ones], axis=-1) * paddle.concat([ones, paddle.cumprod(1 - z, dim=-1)], axis=-1)
''',
    imports=("import math", "import numpy as np"),
    deps=("_torch_dist_params",),
)

snippet(
    "_TorchVonMises",
    '''
class _TorchVonMises(_TorchDistribution):
    """torch.distributions.VonMises(loc, concentration), a circular distribution; mean
    and variance are the circular ones, as torch's."""

    def __init__(self, loc, concentration):
        self.loc, self.concentration = _torch_dist_params(loc, concentration)
        super().__init__(tuple(self.loc.shape), ())

    @property
    def mean(self):
        return self.loc

    @property
    def mode(self):
        return self.loc

    @property
    def variance(self):
        return 1 - paddle.i1e(self.concentration) / paddle.i0e(self.concentration)

    def log_prob(self, value):
        k = self.concentration
        return k * paddle.cos(value - self.loc) - math.log(2 * math.pi) - (paddle.log(paddle.i0e(k)) + k)

    def sample(self, sample_shape=()):
        """Best and Fisher's rejection sampler (float64 inside), on Paddle's random
        generator."""
        shape = self._extended_shape(sample_shape)
        k = self.concentration.astype("float64").expand(shape)
        tau = 1 + paddle.sqrt(1 + 4 * k**2)
        rho = (tau - paddle.sqrt(2 * tau)) / (2 * k)
        r = (1 + rho**2) / (2 * rho)
        x = paddle.zeros(shape, dtype="float64")
        done = paddle.zeros(shape, dtype="bool")
        while not bool(done.all()):
            u1, u2, u3 = (paddle.rand(shape, dtype="float64") for _ in range(3))
            z = paddle.cos(math.pi * u1)
            f = (1 + r * z) / (r + z)
            c = k * (r - f)
            accept = paddle.logical_or(c * (2 - c) - u2 > 0, paddle.log(c / u2) + 1 - c >= 0)
            new = paddle.sign(u3 - 0.5) * paddle.acos(f.clip(-1, 1))
            take = paddle.logical_and(accept, paddle.logical_not(done))
            x = paddle.where(take, new, x)
            done = paddle.logical_or(done, accept)
        x = paddle.remainder(x + math.pi + self.loc.astype("float64"), paddle.to_tensor(2 * math.pi, dtype="float64")) - math.pi
        return x.astype(self.loc.dtype)
''',
    imports=("import math",),
    deps=("_torch_dist_params",),
)
