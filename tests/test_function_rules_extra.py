"""torch.* and torch.nn.functional rules beyond their own examples: translations with a warning,
import forms, and a small functional model run in both frameworks.  What a rule refuses is
listed with the rule (``[[api.refuses]]`` in rules/*.toml, run by tests/test_rule_examples.py)."""

from __future__ import annotations

import numpy as np
import pytest

from translator import translate_source
from translator.translate.support import strip_support

HEAD = "import torch\nimport torch.nn.functional as F\n"


def _translate(body: str):
    return translate_source(HEAD + body, path="t.py")


@pytest.mark.parametrize(
    "call, expected, warning",
    [
        ("torch.zeros(n)", "paddle.zeros(n)", "torch.zeros"),
        ("F.softmax(x)", "F.softmax(x, axis=0 if x.ndim in (0, 1, 3) else 1)", "torch.nn.functional.softmax"),
        ("torch.full((2,), v)", "paddle.full((2,), v)", "torch.full"),
        ("F.linear(x, self.fc.weight)", "F.linear(x, self.fc.weight.T)", "torch.nn.functional.linear"),
    ],
)
def test_translated_with_a_warning(call, expected, warning):
    result = _translate(f"r = {call}\n")
    assert expected in result.code
    assert warning in {d.api for d in result.diagnostics}
    assert not result.errors


def test_inplace_activation_statement_uses_the_inplace_variant():
    result = _translate("def f(x):\n    F.relu(x, inplace=True)\n    y = F.relu(x, inplace=True)\n    return y\n")
    assert "    F.relu_(x)\n    y = F.relu(x)\n" in result.code
    assert not result.diagnostics


def test_from_imports():
    src = (
        "from torch import zeros, max as tmax\n"
        "from torch.nn.functional import relu, softmax\n"
        "def f(x: 'T', n):\n"
        "    return relu(zeros(2, n)), softmax(x, dim=1), tmax(x, 1)\n"
    )
    result = translate_source(src, path="t.py")
    code = strip_support(result.code)
    assert "from paddle import zeros\n" in code  # tmax is replaced by the emitted _torch_max
    assert "from paddle.nn.functional import relu, softmax" in code
    assert "return relu(zeros([2, n])), softmax(x, axis=1), _torch_max(x, 1)" in code
    assert not result.errors


def test_support_code_is_emitted_once_and_imports_paddle():
    src = HEAD + "def f(x):\n    a, b = torch.max(x, 1)\n    c, d = torch.max(x, 0)\n    return torch.split(x, 2), F.pad(x, (1, 1))\n"
    result = translate_source(src, path="t.py")
    assert result.code.count("def _torch_max(") == 1
    assert "def _torch_split(" in result.code and "def _torch_pad(" in result.code
    assert "import torch" not in result.code
    compile(result.code, "t.py", "exec")


MODEL = '''
import torch
import torch.nn as nn
import torch.nn.functional as F


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.w1 = nn.Parameter(torch.randn(8, 3, 3, 3) * 0.2)
        self.w2 = nn.Parameter(torch.randn(10, 8) * 0.2)
        self.b2 = nn.Parameter(torch.zeros(10))

    def forward(self, x, y):
        h = F.conv2d(x, self.w1, padding=1)
        h = F.batch_norm(h, torch.zeros(8), torch.ones(8), training=False)
        h = F.max_pool2d(F.gelu(h, approximate="tanh"), 2)
        h = F.interpolate(h, scale_factor=2, mode="bilinear", align_corners=False)
        h = F.pad(h, (1, 0, 0, 1))
        h = F.adaptive_avg_pool2d(h, 1)
        h = torch.flatten(h, 1)
        logits = F.linear(F.dropout(h, 0.5, training=self.training), self.w2, self.b2)
        loss = F.cross_entropy(logits, y, label_smoothing=0.1)
        v, i = torch.max(F.softmax(logits, dim=-1), dim=1)
        parts = torch.split(logits, 3, dim=1)
        s = torch.std(logits, dim=0, keepdim=True, correction=0)
        t = torch.where(logits > 0, logits, 0.0)
        return loss, v, i, torch.cat(parts, dim=1), s, torch.clamp(t, max=0.5).sum(), torch.sum(t, (0, 1))
'''


def test_functional_model_matches_torch():
    torch = pytest.importorskip("torch")
    paddle = pytest.importorskip("paddle")

    result = translate_source(MODEL, path="model.py")
    assert not result.errors, [str(d) for d in result.errors]
    assert "import torch" not in result.code
    t_ns: dict = {}
    exec(compile(MODEL, "model.py", "exec"), t_ns)
    p_ns: dict = {}
    exec(compile(result.code, "model_paddle.py", "exec"), p_ns)
    tnet = t_ns["Net"]().eval()
    pnet = p_ns["Net"]()
    pnet.eval()
    for name, value in tnet.state_dict().items():
        dict(pnet.named_parameters())[name].set_value(value.detach().numpy())
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 3, 8, 8)).astype("float32")
    y = rng.integers(0, 10, size=2)
    t_out = tnet(torch.from_numpy(x), torch.from_numpy(y))
    p_out = pnet(paddle.to_tensor(x), paddle.to_tensor(y))
    for a, b in zip(t_out, p_out):
        np.testing.assert_allclose(b.numpy(), a.detach().numpy(), atol=1e-5, rtol=1e-5)


def test_size_forms():
    src = HEAD + (
        "def f(x: torch.Tensor, n, shape):\n"
        "    return (torch.zeros(x.size(0), 3), torch.ones(x.size(0)), torch.rand(len(shape)), torch.randn(*shape),\n"
        "            torch.empty(n * 2), torch.zeros(size=(2, n)), torch.ones(x.size()), torch.full((2,), float('inf')))\n"
    )
    result = translate_source(src, path="t.py")
    assert (
        "return (paddle.zeros([x.shape[0], 3]), paddle.ones([x.shape[0]]), paddle.rand([len(shape)]), paddle.randn([*shape]),\n"
        "            paddle.empty([n * 2]), paddle.zeros((2, n)), paddle.ones(x.shape), paddle.full((2,), float('inf')))\n"
    ) in result.code
    assert not result.diagnostics, [str(d) for d in result.diagnostics]
