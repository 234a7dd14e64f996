"""``torch.nn.init`` translations draw from torch's distributions: mean/std and bounds agree
within sampling error, deterministic initializers agree exactly."""

from __future__ import annotations

import numpy as np
import pytest

from translator import translate_source

torch = pytest.importorskip("torch")
paddle = pytest.importorskip("paddle")

PRELUDE = "import torch\nimport torch.nn as nn\n"


def _both(code: str, name: str) -> tuple[np.ndarray, np.ndarray]:
    """Run ``code`` with torch and translated with Paddle; return the tensor ``name`` from each."""
    result = translate_source(PRELUDE + code, path="<init test>")
    assert not result.errors, [str(d) for d in result.errors]
    torch.manual_seed(0)
    paddle.seed(0)
    t_ns: dict = {}
    p_ns: dict = {}
    exec(compile(PRELUDE + code, "<torch>", "exec"), t_ns)
    exec(compile(result.code, "<paddle>", "exec"), p_ns)
    return eval(name, t_ns).detach().numpy(), eval(name, p_ns).numpy()


def _same_distribution(t: np.ndarray, p: np.ndarray) -> None:
    n = t.size
    std = t.std()
    # 6 standard errors: a false alarm is practically impossible, a wrong distribution is not
    assert abs(p.mean() - t.mean()) < 6 * std / np.sqrt(n) + 1e-7, (p.mean(), t.mean())
    assert abs(p.std() - std) < 6 * std / np.sqrt(2 * n) + 1e-7, (p.std(), std)


@pytest.mark.parametrize(
    "call",
    [
        "nn.init.trunc_normal_(m.weight, std=0.02)",  # support function: torch's absolute bounds
        "nn.init.trunc_normal_(m.weight)",  # Paddle's TruncatedNormal: the same bounds here
        "nn.init.trunc_normal_(m.weight, mean=0.5, std=1.0, a=0.0, b=1.0)",
        "nn.init.trunc_normal_(m.weight, 0.0, 0.1, -0.05, 0.3)",
    ],
)
def test_trunc_normal_matches_torch(call):
    t, p = _both(f"m = nn.Conv2d(64, 128, 3)\n{call}\n", "m.weight")
    assert t.shape == p.shape
    _same_distribution(t, p)
    assert p.min() >= t.min() - 0.01 and p.max() <= t.max() + 0.01  # within torch's bounds


def test_trunc_normal_small_std_is_not_truncated_at_two_std():
    """torch's default bounds are absolute (-2, 2): with std=0.02 nothing is cut, std stays 0.02."""
    _, p = _both("m = nn.Conv2d(64, 128, 3)\nnn.init.trunc_normal_(m.weight, std=0.02)\n", "m.weight")
    assert abs(p.std() - 0.02) < 0.0005
    assert np.abs(p).max() > 0.06  # Paddle 2.6's TruncatedNormal would stop at 0.04


@pytest.mark.parametrize("gain", [1.0, 2.0])
def test_orthogonal_matches_torch(gain):
    t, p = _both(f"m = nn.Linear(300, 200)\nnn.init.orthogonal_(m.weight, gain={gain})\n", "m.weight")
    # torch stores (out, in) = (200, 300), Paddle (in, out): the 200 vectors are orthonormal in both
    np.testing.assert_allclose(t @ t.T, gain**2 * np.eye(200), atol=1e-4)
    np.testing.assert_allclose(p.T @ p, gain**2 * np.eye(200), atol=1e-4)
    _same_distribution(t, p)


def test_orthogonal_conv_weight():
    t, p = _both("m = nn.Conv2d(8, 16, 3)\nnn.init.orthogonal_(m.weight)\n", "m.weight")
    flat = p.reshape(16, -1)
    np.testing.assert_allclose(flat @ flat.T, np.eye(16), atol=1e-4)
    assert t.shape == p.shape


def test_dirac_and_eye_are_exact():
    t, p = _both("m = nn.Conv3d(4, 8, 3, groups=2)\nnn.init.dirac_(m.weight, groups=2)\n", "m.weight")
    np.testing.assert_array_equal(t, p)
    t, p = _both("m = nn.Linear(5, 3)\nnn.init.eye_(m.weight)\n", "m.weight")
    np.testing.assert_array_equal(t, p.T)  # Paddle's Linear weight is the transpose: the same map


def test_calculate_gain_table():
    for args in ['"linear"', '"conv1d"', '"conv_transpose3d"', '"sigmoid"', '"tanh"', '"relu"', '"selu"',
                 '"leaky_relu"', '"leaky_relu", 0.2']:
        code = f"g = nn.init.calculate_gain({args})\n"
        result = translate_source(PRELUDE + code)
        t_ns: dict = {}
        p_ns: dict = {}
        exec(PRELUDE + code, t_ns)
        exec(result.code, p_ns)
        assert abs(t_ns["g"] - p_ns["g"]) < 1e-6, args


@pytest.mark.parametrize("fn", ["xavier_uniform_", "xavier_normal_"])
@pytest.mark.parametrize("gain", ["2.0", "g"])
def test_xavier_gain_scales_like_torch(fn, gain):
    """Paddle 2.6's Xavier initializers take no gain: the translation scales the fans instead."""
    t, p = _both(f"g = 2.0\nm = nn.Linear(300, 200)\nnn.init.{fn}(m.weight, gain={gain})\n", "m.weight")
    _same_distribution(t, p)
