"""Layer classes passed in as values and built with ``inplace=`` (translate/factories.py)."""

from __future__ import annotations

import numpy as np
import paddle
import pytest
import torch

from translator import translate_source
from translator.translate.support import strip_support

SOURCE = '''
from typing import Callable
import torch.nn as nn


class Block(nn.Module):
    def __init__(self, activation_layer: Callable[..., nn.Module] = nn.ReLU, inplace: bool = True):
        super().__init__()
        self.conv = nn.Conv2d(3, 3, 1)
        self.act = activation_layer(inplace=inplace)

    def forward(self, x):
        return self.act(self.conv(x))


class Custom(nn.Module):
    def __init__(self, inplace=False):
        super().__init__()
        self.inplace = inplace

    def forward(self, x):
        return x * 2 if self.inplace else x


def build():
    return [Block(), Block(nn.Hardswish), Block(nn.LeakyReLU, inplace=False), Block(Custom), Block(nn.SiLU)]
'''


def test_before_after():
    out = strip_support(translate_source(SOURCE).code, SOURCE)
    assert "self.act = _torch_layer_factory(activation_layer, inplace=inplace)\n" in out
    assert not translate_source(SOURCE).diagnostics


def test_builds_and_computes_as_torch():
    torch_ns: dict = {}
    exec(compile(SOURCE, "<torch>", "exec"), torch_ns)
    paddle_ns: dict = {}
    exec(compile(translate_source(SOURCE).code, "<paddle>", "exec"), paddle_ns)
    x = np.random.default_rng(0).standard_normal((1, 3, 4, 4)).astype("float32")
    for t, p in zip(torch_ns["build"](), paddle_ns["build"]()):
        p.conv.weight.set_value(t.conv.weight.detach().numpy())
        p.conv.bias.set_value(t.conv.bias.detach().numpy())
        np.testing.assert_allclose(p(paddle.to_tensor(x)).numpy(), t(torch.from_numpy(x)).detach().numpy(), atol=1e-6)


@pytest.mark.parametrize("code", [
    # a builtin, the file's own function and class: called as written
    "import torch\n\nopts = dict(inplace=True)\n",
    "import torch\n\n\ndef make(inplace=False):\n    return inplace\n\n\nm = make(inplace=True)\n",
    "import torch.nn as nn\n\n\nclass Act(nn.Module):\n    def __init__(self, inplace=False):\n        super().__init__()\n\n\na = Act(inplace=True)\n",
    # no inplace= argument
    "import torch\n\n\ndef f(factory):\n    return factory(3)\n",
])
def test_look_alikes_unchanged(code):
    out = translate_source(code).code
    assert "_torch_layer_factory" not in out
