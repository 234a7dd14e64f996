"""``x.bernoulli_(p)`` (stochastic depth's ``x.new_empty(shape).bernoulli_(keep_prob)``): draws
cannot equal torch's (another generator), so what is compared is what the draws are: 0/1 in
x's dtype, written into x itself, 1 with probability p (a number or a tensor), as in torch."""

from __future__ import annotations

import numpy as np
import pytest

from translator import translate_source

from helpers import load_module_from_code

SRC = """
import torch


def draw(x: torch.Tensor, p):
    y = x.bernoulli_(p)
    return y is x, x
"""


@pytest.mark.parametrize("p", [0.8, 0.1, "tensor"])
def test_draws_are_in_place_zeros_and_ones_with_probability_p(tmp_path, p):
    torch = pytest.importorskip("torch")
    paddle = pytest.importorskip("paddle")
    code = translate_source(SRC).code
    assert "_tensor_bernoulli_(x, p)" in code and "import torch" not in code
    mod = load_module_from_code(code, f"bernoulli_p_{p}", tmp_path)
    n = 200_000
    probs = np.linspace(0.0, 1.0, n).astype("float32")
    expected = 0.5 if p == "tensor" else p  # the mean of the probabilities
    for framework, x, arg in (
        ("paddle", paddle.full([n], 7.0), paddle.to_tensor(probs) if p == "tensor" else p),
        ("torch", torch.full((n,), 7.0), torch.from_numpy(probs) if p == "tensor" else p),
    ):
        ns = {"paddle": mod.draw, "torch": load_module_from_code(SRC, "bernoulli_t", tmp_path).draw}
        same, out = ns[framework](x, arg)
        values = out.numpy()
        assert same and set(np.unique(values)) <= {0.0, 1.0} and values.dtype == np.float32, framework
        assert abs(values.mean() - expected) < 0.01, (framework, values.mean())
        if p == "tensor":  # 1 where p is near 1, 0 where it is near 0
            assert values[-1000:].mean() > 0.98 and values[:1000].mean() < 0.02, framework
