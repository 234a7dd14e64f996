"""``nn.ReLU6(inplace=True)`` whose input is read again (issue 12's "translated, but wrong"
list): the translation writes into the input as torch does, and the outputs agree."""

from __future__ import annotations

import numpy as np
import pytest

from helpers import load_module_from_code, torch_to_paddle
from translator import translate_source

SOURCE = """
import torch
import torch.nn as nn


class Block(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.act = nn.ReLU6(inplace=True)
        self.conv = nn.Conv2d(c, c, 1)

    def forward(self, x):
        identity = x
        out = self.act(x)
        return self.conv(out) + identity  # identity is x, clipped in place by torch
"""


def test_relu6_inplace_read_again_matches_torch(tmp_path):
    torch = pytest.importorskip("torch")
    paddle = pytest.importorskip("paddle")
    result = translate_source(SOURCE, path="block.py")
    assert "TorchInplace(nn.ReLU6())" in result.code, result.code
    t_mod = load_module_from_code(SOURCE, "relu6_torch", tmp_path)
    p_mod = load_module_from_code(result.code, "relu6_paddle", tmp_path)
    t_model, p_model = t_mod.Block(3).eval(), p_mod.Block(3)
    p_model.eval()
    torch_to_paddle(t_model, p_model)
    x = (np.random.default_rng(0).standard_normal((2, 3, 4, 4)) * 8).astype(np.float32)  # values above 6 too
    with torch.no_grad():
        t_out = t_model(torch.from_numpy(x.copy())).numpy()
    p_out = p_model(paddle.to_tensor(x.copy())).numpy()
    np.testing.assert_allclose(p_out, t_out, rtol=1e-5, atol=1e-5)
