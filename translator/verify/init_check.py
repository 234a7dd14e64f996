"""``compare_init(torch_model, paddle_model)``: check initialisation instead of outputs.

No weights are copied; every parameter's distribution is compared (constants exactly, random
tensors by mean, standard deviation and kurtosis within sampling error, on at most
:data:`_SAMPLE_SIZE` values drawn from each).
"""

from __future__ import annotations

import dataclasses
import math
import warnings
from typing import Any

import numpy as np

from .compare import fmt, jsonable, to_numpy

__all__ = ["InitReport", "ParamStats", "compare_init"]


@dataclasses.dataclass
class ParamStats:
    """One parameter's initial values on both sides, and whether their distributions agree."""

    name: str  # the Paddle name
    source: str  # the torch name
    kind: str  # "constant" or "random"
    size: int
    torch_mean: float
    torch_std: float
    paddle_mean: float
    paddle_std: float
    ok: bool
    problem: str = ""


@dataclasses.dataclass
class InitReport:
    match: bool
    sigmas: float
    params: list[ParamStats] = dataclasses.field(default_factory=list)
    errors: list[str] = dataclasses.field(default_factory=list)
    target: str = ""

    def to_dict(self) -> dict[str, Any]:
        return jsonable(dataclasses.asdict(self))

    def format_table(self) -> str:
        lines = [
            f"verify --init {self.target or 'model'}  (random parameters agree within {self.sigmas:g} "
            "standard errors in mean, std and kurtosis; constants exactly)",
            "",
            f"{'parameter':40}{'kind':>9}{'size':>10}{'torch mean/std':>24}{'paddle mean/std':>24}  ok",
        ]
        for p in self.params:
            lines.append(
                f"{p.name:40}{p.kind:>9}{p.size:>10}"
                f"{fmt(p.torch_mean) + ' / ' + fmt(p.torch_std):>24}"
                f"{fmt(p.paddle_mean) + ' / ' + fmt(p.paddle_std):>24}  "
                + ("yes" if p.ok else "NO: " + p.problem)
            )
        lines += [f"error: {e}" for e in self.errors]
        bad = sum(not p.ok for p in self.params)
        lines += ["", f"{len(self.params) - bad}/{len(self.params)} parameters agree",
                  "result: " + ("MATCH" if self.match else "MISMATCH")]
        return "\n".join(lines)


# Values farther than this many robust standard deviations (1.4826 * the median absolute
# deviation) from the median are left out of the moments. torch's trunc_normal_ (and its Paddle
# translation) samples erfinv(u) and clips: a u of exactly -1 or 1, about once in 2.5e7 draws in
# both frameworks, puts a value on the truncation bound (2.0 in a std-0.02 tensor, 100 standard
# deviations out), and one such value moves the standard deviation and kurtosis of a 600,000-value
# tensor far beyond their sampling error. Normal and uniform initializers have nothing there.
_OUTLIER_SIGMAS = 10.0

# A random tensor of more values than this is compared on this many values drawn from it (with
# replacement, at fixed positions). Its moments then have the standard error of a sample of
# 1 / (1/n + 1/k) values (~k), which still resolves a 1% difference in standard deviation at 6
# standard errors; initializers that differ (Xavier for kaiming, normal for uniform, Paddle's
# default for torch's) differ by tens of percent. All n values in float64 (median, fourth powers)
# took 113 s of vgg11's 133 s (133M parameters, 103M of them in one Linear).
_SAMPLE_SIZE = 1 << 20


def _sample(x: np.ndarray) -> tuple[np.ndarray, float]:
    """``x``'s values in float64, all or :data:`_SAMPLE_SIZE` of them, and their effective
    sample size for the standard errors."""
    n = x.size
    if n <= _SAMPLE_SIZE:
        return x.astype(np.float64).reshape(-1), float(n)
    positions = np.random.default_rng(n).integers(0, n, _SAMPLE_SIZE)
    values = x[np.unravel_index(positions, x.shape)].astype(np.float64)
    return values, 1.0 / (1.0 / n + 1.0 / _SAMPLE_SIZE)


def _moments(x: np.ndarray) -> tuple[float, float, float]:
    """Mean, standard deviation and excess kurtosis of float64 values, without far outliers."""
    median = float(np.median(x))
    spread = 1.4826 * float(np.median(np.abs(x - median)))
    if spread > 0:
        x = x[np.abs(x - median) <= _OUTLIER_SIGMAS * spread]
    mean = float(x.mean())
    d2 = (x - mean) ** 2
    var = float(d2.mean())
    std = math.sqrt(var)
    kurt = float((d2 * d2).mean() / var**2 - 3.0) if std > 0 else 0.0
    return mean, std, kurt


def _is_constant(x: np.ndarray) -> bool:
    return x.size == 0 or x.dtype == bool or bool(np.all(x == x.flat[0]))


def _compare(t: np.ndarray, p: np.ndarray, sigmas: float) -> tuple[str, bool, str, tuple[float, float, float, float]]:
    """``(kind, ok, problem, (torch mean, torch std, paddle mean, paddle std))`` for torch values
    ``t`` and Paddle values ``p`` of one parameter."""
    if _is_constant(t):
        if t.size == 0 or t.dtype == bool:
            stats = (0.0, 0.0, 0.0, 0.0)
        else:
            pm = float(p.mean(dtype=np.float64)) if p.size else 0.0
            stats = (float(t.flat[0]), 0.0, pm, float(p.std(dtype=np.float64)) if p.size else 0.0)
        if np.array_equal(t, p):
            return "constant", True, "", stats
        value = t.flat[0].item()
        return "constant", False, f"torch is constant {value!r}, paddle differs", stats
    ts, n = _sample(t)
    mt, st, kt = _moments(ts)
    if _is_constant(p):
        return "random", False, f"paddle is constant {p.flat[0].item()!r}, torch is random", (mt, st, float(p.flat[0]), 0.0)
    ps, _ = _sample(p)
    mp, sp, kp = _moments(ps)
    stats = (mt, st, mp, sp)
    # Two independent samples of (effective) size n: standard errors of the differences.
    se_mean = math.sqrt((st**2 + sp**2) / n)
    se_std = st * math.sqrt(1.0 / n)  # sqrt(2) * st / sqrt(2n)
    problems = []
    if abs(mp - mt) > sigmas * se_mean:
        problems.append(f"mean {mp:.4g} vs {mt:.4g}")
    if abs(sp - st) > sigmas * se_std + 1e-12:
        problems.append(f"std {sp:.4g} vs {st:.4g}")
    if n >= 1000 and abs(kp - kt) > sigmas * math.sqrt(48.0 / n):
        problems.append(f"kurtosis {kp:.3g} vs {kt:.3g} (a different distribution family)")
    return "random", not problems, "; ".join(problems), stats


def _compare_distribution(t: np.ndarray, p: np.ndarray, sigmas: float) -> tuple[str, bool, str]:
    """``(kind, ok, problem)`` for torch values ``t`` and Paddle values ``p`` of one parameter."""
    return _compare(t, p, sigmas)[:3]


def compare_init(torch_model: Any, paddle_model: Any, *, sigmas: float = 6.0) -> InitReport:
    """Compare the two models' initial parameters and buffers, with no weight copy.

    Names are mapped (and Linear weights transposed) as the weight converter does. A tensor
    that is constant in torch must be exactly the same in Paddle; a random one must agree in
    mean and standard deviation (and, from 1000 values on, kurtosis, which tells a normal from
    a uniform initialiser) within ``sigmas`` standard errors of two samples of that size; values
    more than 10 robust standard deviations from the median are left out of those moments. A
    tensor of more than 2**20 values is compared on 2**20 values drawn from it.
    """
    from ..weights import convert_state_dict_report

    from .lazy import paddle_lazy_layers, torch_lazy_modules

    report = InitReport(match=False, sigmas=sigmas)
    lazy = torch_lazy_modules(torch_model) + paddle_lazy_layers(paddle_model)
    if lazy:
        report.errors.append(f"lazy layers not built yet ({', '.join(lazy[:5])}): run one forward pass first "
                             "(translator.verify.lazy.materialize; verify --init does it on the first --input)")
        return report
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        conv = convert_state_dict_report(torch_model.state_dict(), paddle_model)
    report.errors += conv.problems()
    back = {dst: src for src, dst in conv.renamed.items()}
    paddle_state = paddle_model.state_dict()  # converted one tensor at a time: models of 600M values
    for name, t_value in conv.state_dict.items():
        t_value = np.asarray(t_value)
        kind, ok, problem, stats = _compare(t_value, to_numpy(paddle_state[name]), sigmas)
        report.params.append(ParamStats(name, back.get(name, name), kind, int(t_value.size), *stats, ok, problem))
    report.match = not report.errors and all(p.ok for p in report.params)
    return report
