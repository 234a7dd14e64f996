"""Semantic traps: torch code whose straightforward Paddle translation computes something else.

Each case translates torch code, runs both on the same inputs and compares the numbers
(``numpy.testing.assert_allclose``); the type-promotion cases also run the translation on
Paddle 2.6 (which computes mixed integer/float arithmetic in the left operand's dtype).
Look-alikes that must stay unchanged are checked next to each case.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from helpers import load_module_from_code
from translator import translate_source

OLD_PADDLE = Path.home() / ".cache" / "torch2paddle" / "venv-paddle-2.6.2-904ef7b50f" / "bin" / "python"


def _translate(src: str) -> str:
    result = translate_source(textwrap.dedent(src), path="model.py")
    assert result.status.name != "FAILED", result.diagnostics
    return result.code


def _both(src: str, tmp_path: Path, name: str):
    import torch  # noqa: F401

    code = _translate(src)
    t_mod = load_module_from_code(textwrap.dedent(src), f"{name}_torch", tmp_path)
    p_mod = load_module_from_code(code, f"{name}_paddle", tmp_path)
    return t_mod, p_mod, code


def _np(value):
    if isinstance(value, (list, tuple)):
        return [_np(v) for v in value]
    return np.asarray(value.detach().numpy() if hasattr(value, "detach") else value.numpy())


# ------------------------------------------------------------------------ type promotion ----

PROMOTION = """
import math
import torch


def sinusoid(n: int, d: int):
    position = torch.arange(n).unsqueeze(1)
    div_term = torch.exp(torch.arange(0, d, 2) * (-math.log(10000.0) / d))
    pe = torch.zeros(n, d)
    pe[:, 0::2] = torch.sin(position * div_term)
    pe[:, 1::2] = torch.cos(position * div_term)
    return pe


def rope(dim: int, end: int, theta: float = 10000.0):
    freqs = 1.0 / (theta ** (torch.arange(0, dim, 2)[: (dim // 2)].float() / dim))
    t = torch.arange(end)
    freqs = torch.outer(t, freqs)
    return torch.cos(freqs), torch.sin(freqs)


def grid(h: int, w: int, scale: torch.Tensor):
    ys, xs = torch.meshgrid(torch.arange(h), torch.arange(w), indexing="ij")
    return ys * scale, scale * xs + 0.5, ys - xs


def ints(n: int):
    idx = torch.arange(n)
    return idx * 2 + 1, idx * n
"""


def test_type_promotion_before_after():
    code = _translate(PROMOTION)
    assert "pe[:, 0::2] = paddle.sin(_torch_mul(position, div_term))" in code
    assert "freqs = paddle.outer(*_torch_promote(t, freqs))" in code
    assert "return _torch_mul(ys, scale), _torch_mul(scale, xs) + 0.5, ys - xs" in code
    # look-alikes: integer tensors with number literals or with each other stay plain operators;
    # a name that may hold a float goes through the helper (it casts only when torch would)
    assert "return idx * 2 + 1, _torch_mul(idx, n)" in code
    assert "def _torch_promote(" in code and "def _torch_mul(" in code and "def _torch_add(" not in code


def test_type_promotion_unchanged_without_integer_tensors():
    src = """
    import torch

    def f(x: torch.Tensor, y: torch.Tensor, n: int):
        a = torch.arange(0.0, 1.0, 0.25)
        b = torch.arange(n, dtype=torch.float32)
        return x * y, a * x[:4], b * 2.0, torch.outer(a, a)
    """
    code = _translate(src)
    assert "_torch_" not in code


def test_type_promotion_matches_torch(tmp_path):
    import paddle
    import torch

    t_mod, p_mod, _ = _both(PROMOTION, tmp_path, "promotion")
    np.testing.assert_allclose(_np(p_mod.sinusoid(7, 8)), _np(t_mod.sinusoid(7, 8)), rtol=1e-5, atol=1e-6)
    for t, p in zip(t_mod.rope(8, 5), p_mod.rope(8, 5)):
        np.testing.assert_allclose(_np(p), _np(t), rtol=1e-5, atol=1e-6)
    scale = np.float32(0.37)
    t_out = t_mod.grid(3, 4, torch.tensor(scale))
    p_out = p_mod.grid(3, 4, paddle.to_tensor(scale))
    for t, p in zip(t_out, p_out):
        assert str(t.dtype).replace("torch.", "") == str(p.dtype).replace("paddle.", "")
        np.testing.assert_allclose(_np(p), _np(t), rtol=1e-6)
    for t, p in zip(t_mod.ints(5), p_mod.ints(5)):
        np.testing.assert_array_equal(_np(p), _np(t))


@pytest.mark.skipif(not OLD_PADDLE.exists(), reason="the Paddle 2.6.2 venv is not built")
def test_type_promotion_on_paddle_26(tmp_path):
    """Paddle 2.6 computed ``int64 * float32`` in int64 (truncating); the translation does not."""
    import torch

    t_mod = load_module_from_code(textwrap.dedent(PROMOTION), "promotion26_torch", tmp_path)
    expected = {
        "sinusoid": _np(t_mod.sinusoid(7, 8)).tolist(),
        "rope": [a.tolist() for a in _np(t_mod.rope(8, 5))],
        "grid": [a.tolist() for a in _np(t_mod.grid(3, 4, torch.tensor(np.float32(0.37))))],
    }
    (tmp_path / "translated.py").write_text(_translate(PROMOTION))
    script = textwrap.dedent(f"""
        import json, sys
        import numpy as np
        import paddle
        sys.path.insert(0, {str(tmp_path)!r})
        import translated as m
        expected = json.loads(open({str(tmp_path / 'expected.json')!r}).read())
        np.testing.assert_allclose(m.sinusoid(7, 8).numpy(), expected["sinusoid"], rtol=1e-5, atol=1e-6)
        for p, t in zip(m.rope(8, 5), expected["rope"]):
            np.testing.assert_allclose(p.numpy(), t, rtol=1e-5, atol=1e-6)
        for p, t in zip(m.grid(3, 4, paddle.to_tensor(np.float32(0.37))), expected["grid"]):
            np.testing.assert_allclose(p.numpy(), t, rtol=1e-6)
        print("ok", paddle.__version__)
    """)
    (tmp_path / "expected.json").write_text(json.dumps(expected))
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    proc = subprocess.run([str(OLD_PADDLE), "-c", script], capture_output=True, text=True, env=env, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "ok 2.6" in proc.stdout


# ------------------------------------------------------------------------------ split ----

SPLIT = """
import torch


def f(x: torch.Tensor, n: int, sizes: list):
    a, b = (x * 2).split(2, dim=2)
    c = x.split(n, -1)
    d = x.split(sizes, dim=1)
    return a, b, c, d, x.split(2, dim=1)
"""


def test_split_by_size_before_after():
    code = _translate(SPLIT)
    assert "a, b = _torch_split((x * 2), 2, 2)" in code or "a, b = _torch_split(x * 2, 2, 2)" in code
    assert "c = _torch_split(x, n, -1)" in code
    assert "d = _torch_split(x, sizes, 1)" in code
    # a plain name and a literal size keep the direct form
    assert "x.split(_split_sizes(x.shape[1], 2), axis=1)" in code
    assert "TODO(torch2paddle)" not in code


def test_split_by_size_matches_torch(tmp_path):
    import paddle
    import torch

    t_mod, p_mod, _ = _both(SPLIT, tmp_path, "split")
    x = np.random.default_rng(0).standard_normal((2, 3, 4, 5)).astype(np.float32)
    t_out = t_mod.f(torch.from_numpy(x), 2, [1, 2])
    p_out = p_mod.f(paddle.to_tensor(x), 2, [1, 2])
    flat_t = [t_out[0], t_out[1], *t_out[2], *t_out[3], *t_out[4]]
    flat_p = [p_out[0], p_out[1], *p_out[2], *p_out[3], *p_out[4]]
    assert len(flat_t) == len(flat_p)
    for t, p in zip(flat_t, flat_p):
        np.testing.assert_array_equal(_np(p), _np(t))


# ------------------------------------------------- next(self.parameters()), new_zeros ----

HIDDEN = """
import torch
import torch.nn as nn


class LM(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(3, 4).double()

    def init_hidden(self, bsz: int):
        weight = next(self.parameters())
        first = next(self.fc.parameters())
        return weight.new_zeros(2, bsz, 5), first.new_ones((bsz, 2))

    def first_child(self):
        return next(self.children(), None)
"""


def test_next_of_parameters_before_after():
    code = _translate(HIDDEN)
    assert "weight = next(iter(self.parameters()))" in code
    assert "paddle.zeros([2, bsz, 5], dtype=weight.dtype)" in code
    assert "return next(iter(self.children()), None)" in code
    assert "TODO(torch2paddle)" not in code


def test_next_unchanged_for_other_iterators():
    src = """
    import torch

    def f(it, loader):
        return next(it), next(iter(loader)), next(x for x in [torch.zeros(1)])
    """
    code = _translate(src)
    assert "return next(it), next(iter(loader)), next(x for x in [paddle.zeros([1])])" in code


def test_next_of_parameters_matches_torch(tmp_path):
    t_mod, p_mod, _ = _both(HIDDEN, tmp_path, "hidden")
    t_out, p_out = t_mod.LM().init_hidden(3), p_mod.LM().init_hidden(3)
    for t, p in zip(t_out, p_out):
        assert str(t.dtype).replace("torch.", "") == str(p.dtype).replace("paddle.", "")
        np.testing.assert_array_equal(_np(p), _np(t))
    assert type(p_mod.LM().first_child()).__name__ == "Linear"


# ------------------------------------------------------------------ is_cuda or is_xpu ----

def test_is_cuda_or_is_xpu(tmp_path):
    import paddle
    import torch

    src = """
    import torch

    def on_accelerator(x: torch.Tensor):
        return x.is_cuda or x.is_xpu
    """
    t_mod, p_mod, code = _both(src, tmp_path, "devices")
    assert "return x.place.is_gpu_place() or x.place.is_xpu_place()" in code
    x = np.ones((2, 2), np.float32)
    assert t_mod.on_accelerator(torch.from_numpy(x)) is False
    assert p_mod.on_accelerator(paddle.to_tensor(x)) is False


# ------------------------------------------- RNN chosen by name, weight tying ----

LANGUAGE_MODEL = """
import torch
import torch.nn as nn


class RNNModel(nn.Module):
    def __init__(self, rnn_type, ntoken, ninp, nhid, nlayers, tie_weights=True):
        super().__init__()
        self.encoder = nn.Embedding(ntoken, ninp)
        self.rnn = getattr(nn, rnn_type)(ninp, nhid, nlayers, dropout=0.5)
        self.decoder = nn.Linear(nhid, ntoken)
        if tie_weights:
            self.decoder.weight = self.encoder.weight
        self.nlayers, self.nhid, self.rnn_type = nlayers, nhid, rnn_type

    def forward(self, input, hidden):
        output, hidden = self.rnn(self.encoder(input), hidden)
        return self.decoder(output), hidden

    def init_hidden(self, bsz):
        weight = next(self.parameters())
        if self.rnn_type == "LSTM":
            return (weight.new_zeros(self.nlayers, bsz, self.nhid), weight.new_zeros(self.nlayers, bsz, self.nhid))
        return weight.new_zeros(self.nlayers, bsz, self.nhid)


class GPTHead(nn.Module):
    def __init__(self, vocab, dim):
        super().__init__()
        self.transformer = nn.ModuleDict(dict(wte=nn.Embedding(vocab, dim)))
        self.lm_head = nn.Linear(dim, vocab, bias=False)
        self.transformer.wte.weight = self.lm_head.weight

    def forward(self, idx):
        return self.lm_head(torch.tanh(self.transformer.wte(idx)))
"""


def test_rnn_by_name_and_tied_weights_before_after():
    code = _translate(LANGUAGE_MODEL)
    assert "self.rnn = _torch_nn_class(rnn_type)(ninp, nhid, nlayers, dropout=0.5)" in code
    assert "self.decoder, self.encoder = _torch_tie_weight(self.decoder, self.encoder)" in code
    assert "self.transformer.wte, self.lm_head = _torch_tie_weight(self.transformer.wte, self.lm_head)" in code
    assert "TODO(torch2paddle)" not in code


def test_getattr_and_weight_unchanged_lookalikes():
    src = """
    import torch
    import torch.nn as nn
    import numpy as np

    def make(name, x: torch.Tensor):
        act = getattr(np, name)
        return act, getattr(x, "shape")

    class Plain:
        def __init__(self, a, b):
            a.weight = b.weight
    """
    code = _translate(src)
    assert "act = getattr(np, name)" in code and 'getattr(x, "shape")' in code
    assert "a.weight = b.weight" in code
    assert "_torch_" not in code


@pytest.mark.parametrize("rnn_type", ["LSTM", "GRU", "RNN"])
def test_language_model_matches_torch(tmp_path, rnn_type):
    import paddle
    import torch

    from helpers import torch_to_paddle

    t_mod, p_mod, _ = _both(LANGUAGE_MODEL, tmp_path, f"lm_{rnn_type.lower()}")
    torch.manual_seed(0)
    t_model = t_mod.RNNModel(rnn_type, 11, 6, 6, 2).eval()
    p_model = p_mod.RNNModel(rnn_type, 11, 6, 6, 2)
    p_model.eval()
    torch_to_paddle(t_model, p_model)
    tokens = np.random.default_rng(0).integers(0, 11, size=(5, 3))  # (seq, batch)
    with torch.no_grad():
        t_out, _ = t_model(torch.from_numpy(tokens), t_model.init_hidden(3))
    p_out, _ = p_model(paddle.to_tensor(tokens), p_model.init_hidden(3))
    np.testing.assert_allclose(p_out.numpy(), t_out.numpy(), rtol=1e-5, atol=1e-5)
    # the Linear really shares the Embedding's parameter
    assert p_model.decoder.weight is p_model.encoder.weight


def test_gpt_style_tying_matches_torch(tmp_path):
    import paddle
    import torch

    from helpers import torch_to_paddle

    t_mod, p_mod, _ = _both(LANGUAGE_MODEL, tmp_path, "gpt_head")
    torch.manual_seed(0)
    t_model, p_model = t_mod.GPTHead(13, 4).eval(), p_mod.GPTHead(13, 4)
    p_model.eval()
    torch_to_paddle(t_model, p_model)
    idx = np.random.default_rng(1).integers(0, 13, size=(2, 5))
    with torch.no_grad():
        t_out = t_model(torch.from_numpy(idx)).numpy()
    np.testing.assert_allclose(p_model(paddle.to_tensor(idx)).numpy(), t_out, rtol=1e-5, atol=1e-6)


# ------------------------------------------- in-place activations read again ----

INPLACE = """
import torch
import torch.nn as nn


class PreActBlock(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.body = nn.Sequential(nn.ReLU(inplace=True), nn.Conv2d(c, c, 3, padding=1))

    def forward(self, x):
        return self.body(x) + x


class AliasBlock(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.act = nn.LeakyReLU(0.1, inplace=True)
        self.conv = nn.Conv2d(c, c, 1)

    def forward(self, x):
        identity = x
        out = self.act(x)
        return self.conv(out) + identity


class Unobserved(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.relu = nn.ReLU(inplace=True)
        self.head = nn.Sequential(nn.Conv2d(c, c, 1), nn.ReLU(inplace=True))
        self.conv = nn.Conv2d(c, c, 1)

    def forward(self, x):
        x = self.relu(x)
        y = self.head(x) + x
        return self.relu(self.conv(y)) + y
"""


def test_inplace_observed_before_after():
    code = _translate(INPLACE)
    assert "self.body = nn.Sequential(TorchInplace(nn.ReLU()), nn.Conv2D(c, c, 3, padding=1))" in code
    assert "self.act = TorchInplace(nn.LeakyReLU(0.1))" in code
    # nobody reads what these overwrite: inplace stays dropped
    assert "self.relu = nn.ReLU()" in code
    assert "self.head = nn.Sequential(nn.Conv2D(c, c, 1), nn.ReLU())" in code
    assert code.count("TorchInplace(") == 3  # the two wraps and the class definition


@pytest.mark.parametrize("name", ["PreActBlock", "AliasBlock", "Unobserved"])
def test_inplace_matches_torch(tmp_path, name):
    import paddle
    import torch

    from helpers import torch_to_paddle

    t_mod, p_mod, _ = _both(INPLACE, tmp_path, f"inplace_{name.lower()}")
    torch.manual_seed(0)
    t_model, p_model = getattr(t_mod, name)(3).eval(), getattr(p_mod, name)(3)
    p_model.eval()
    torch_to_paddle(t_model, p_model)
    x = np.random.default_rng(0).standard_normal((2, 3, 5, 5)).astype(np.float32)
    with torch.no_grad():
        t_out = t_model(torch.from_numpy(x.copy())).numpy()
    p_out = p_model(paddle.to_tensor(x.copy())).numpy()
    np.testing.assert_allclose(p_out, t_out, rtol=1e-5, atol=1e-5)


# ------------------------------------------------------- Dropout2d on other ranks ----

def test_dropout2d_on_2d_and_3d_inputs(tmp_path):
    import paddle
    import torch

    src = """
    import torch.nn as nn


    class Head(nn.Module):
        def __init__(self):
            super().__init__()
            self.drop = nn.Dropout2d(0.5)

        def forward(self, x):
            return self.drop(x) * 2
    """
    t_mod, p_mod, code = _both(src, tmp_path, "dropout2d")
    assert "self.drop = TorchDropout2D(0.5)" in code
    t_model, p_model = t_mod.Head().eval(), p_mod.Head()
    p_model.eval()
    for shape in [(4, 6), (5, 2, 6), (2, 3, 4, 4)]:
        x = np.random.default_rng(0).standard_normal(shape).astype(np.float32)
        with torch.no_grad():
            expected = t_model(torch.from_numpy(x)).numpy()
        np.testing.assert_allclose(p_model(paddle.to_tensor(x)).numpy(), expected, rtol=1e-6)
    # in training, whole channels (dim 1) are zeroed or scaled by 1 / (1 - p), as in torch
    p_model.train()
    x = np.ones((3, 8, 5), np.float32)
    out = p_model(paddle.to_tensor(x)).numpy() / 2
    per_channel = out.reshape(3, 8, 5)
    assert set(np.unique(per_channel).tolist()) <= {0.0, 2.0}
    assert np.all(per_channel.min(axis=2) == per_channel.max(axis=2))
