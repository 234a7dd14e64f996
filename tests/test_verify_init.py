"""--torch-init: torch's default initialization reproduced by the emitted ``_torch_init`` helper,
and ``verify --init`` on the samples with no weight copy."""

from __future__ import annotations

import math
import re
import subprocess
import textwrap
from pathlib import Path

import numpy as np
import paddle
import pytest
import torch

from translator.settings import Settings
from translator.translate import translate_source
from translator.verify import compare_init, main_verify

REPO = Path(__file__).resolve().parents[1]
PADDLE26 = Path.home() / ".cache/torch2paddle/venv-paddle-2.6.2-904ef7b50f/bin/python"

LAYERS_SRC = """
import torch
import torch.nn as nn


class Layers(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(300, 200)
        self.conv = nn.Conv2d(16, 32, 3, groups=2)
        self.conv1d = nn.Conv1d(8, 16, 5, bias=False)
        self.deconv = nn.ConvTranspose2d(32, 16, 4, groups=4)
        self.emb = nn.Embedding(500, 40, padding_idx=3)
        self.bil = nn.Bilinear(20, 30, 10)
        self.bn = nn.BatchNorm2d(32)
"""


def _translate(src: str, torch_init: bool) -> str:
    return translate_source(textwrap.dedent(src), path="layers.py", settings=Settings(torch_init=torch_init)).code


def test_before_after_with_the_flag():
    code = _translate(LAYERS_SRC, True)
    assert "self.fc = _torch_init(nn.Linear(300, 200))" in code
    assert "self.conv = _torch_init(nn.Conv2D(16, 32, 3, groups=2))" in code
    assert "self.conv1d = _torch_init(nn.Conv1D(8, 16, 5, bias_attr=False))" in code
    assert "self.deconv = _torch_init(nn.Conv2DTranspose(32, 16, 4, groups=4))" in code
    assert "self.emb = _torch_init(nn.Embedding(500, 40, padding_idx=3))" in code
    assert "self.bil = _torch_init(nn.Bilinear(20, 30, 10))" in code
    assert code.count("def _torch_init(") == 1  # one emitted helper
    # layers whose defaults agree are not wrapped
    assert "self.bn = nn.BatchNorm2D(32)" in code


def test_unchanged_without_the_flag_and_for_look_alikes():
    code = _translate(LAYERS_SRC, False)
    assert "_torch_init" not in code and "self.fc = nn.Linear(300, 200)" in code
    look_alike = """
        import torch
        class Linear:
            def __init__(self, a, b):
                pass
        fc = Linear(3, 4)
        layer = torch.nn.ReLU()
    """
    code = _translate(look_alike, True)
    assert "_torch_init" not in code and "fc = Linear(3, 4)" in code


def _models(tmp_path, torch_init: bool):
    t_path = tmp_path / "layers_torch.py"
    t_path.write_text(LAYERS_SRC)
    p_path = tmp_path / f"layers_paddle_{int(torch_init)}.py"
    p_path.write_text(_translate(LAYERS_SRC, torch_init))
    from translator.targets import load_module_from_file

    torch.manual_seed(0)
    paddle.seed(0)
    return load_module_from_file(t_path).Layers(), load_module_from_file(p_path).Layers()


def test_distributions_match_torch(tmp_path):
    t_model, p_model = _models(tmp_path, True)
    report = compare_init(t_model, p_model)
    assert report.match, report.format_table()
    # the bounds themselves: U(+-1/sqrt(fan_in)) with torch's fan-in, for every layer kind
    for name, fan_in in (("fc.weight", 300), ("fc.bias", 300), ("conv.weight", 8 * 9), ("conv.bias", 8 * 9),
                         ("deconv.weight", 4 * 16), ("bil.weight", 20), ("conv1d.weight", 8 * 5)):
        value = dict(p_model.named_parameters())[name].numpy()
        bound = 1 / math.sqrt(fan_in)
        assert np.abs(value).max() <= bound and np.abs(value).max() > 0.9 * bound, name
        t_value = dict(t_model.named_parameters())[name].detach().numpy()
        assert np.abs(t_value).max() <= bound and np.abs(t_value).max() > 0.9 * bound, name
    emb = p_model.emb.weight.numpy()
    assert np.all(emb[3] == 0) and abs(emb.std() - 1.0) < 0.05  # N(0, 1), padding row zero


def test_without_the_flag_the_init_check_names_the_layers(tmp_path):
    t_model, p_model = _models(tmp_path, False)
    report = compare_init(t_model, p_model)
    bad = {p.name for p in report.params if not p.ok}
    assert not report.match and {"fc.weight", "fc.bias", "conv.weight", "emb.weight"} <= bad


ATTENTION_SRC = """
import torch
import torch.nn as nn


class Attention(nn.Module):
    def __init__(self):
        super().__init__()
        self.mha = nn.MultiheadAttention(64, 4)
        self.mha_kv = nn.MultiheadAttention(64, 4, kdim=32, vdim=48, batch_first=True)
        self.enc = nn.TransformerEncoderLayer(64, 4, dim_feedforward=128)
        self.dec = nn.TransformerDecoderLayer(64, 4, dim_feedforward=96)
        self.lstm = nn.LSTM(40, 64, num_layers=2, batch_first=True)
        self.gru = nn.GRU(40, 48, bidirectional=True)
        self.cell = nn.LSTMCell(20, 30)
        self.ln = nn.LayerNorm(64)
        self.gn = nn.GroupNorm(4, 32)
        self.conv3 = nn.Conv3d(4, 8, 3)
        self.deconv1 = nn.ConvTranspose1d(8, 4, 3)
        self.deconv3 = nn.ConvTranspose3d(8, 4, 3, groups=2)
        self.prelu = nn.PReLU(8)


class Whole(nn.Module):
    def __init__(self):
        super().__init__()
        self.tr = nn.Transformer(d_model=64, nhead=4, num_encoder_layers=2, num_decoder_layers=1,
                                 dim_feedforward=128)
"""


def _build(tmp_path, src: str, name: str, torch_init: bool):
    from translator.targets import load_module_from_file

    t_path = tmp_path / f"{name.lower()}_torch.py"
    t_path.write_text(src)
    p_path = tmp_path / f"{name.lower()}_paddle_{int(torch_init)}.py"
    p_path.write_text(_translate(src, torch_init))
    torch.manual_seed(0)
    paddle.seed(0)
    return getattr(load_module_from_file(t_path), name)(), getattr(load_module_from_file(p_path), name)()


def test_attention_and_transformer_layers_are_wrapped_too():
    code = _translate(ATTENTION_SRC, True)
    assert "self.mha = _torch_init(TorchMultiheadAttention(64, 4))" in code
    assert "self.enc = _torch_init(TorchTransformerEncoderLayer(64, 4, dim_feedforward=128))" in code
    assert "self.dec = _torch_init(TorchTransformerDecoderLayer(64, 4, dim_feedforward=96))" in code
    assert re.search(r"self\.tr = _torch_init\(\s*TorchTransformer\(", code)
    assert "self.conv3 = _torch_init(nn.Conv3D(4, 8, 3))" in code
    assert "self.deconv3 = _torch_init(nn.Conv3DTranspose(8, 4, 3, groups=2))" in code
    # recurrent layers, norms and PReLU initialize as torch does already: not wrapped
    for unchanged in ("self.lstm = nn.LSTM(", "self.cell = TorchLSTMCell(20, 30)", "self.ln = nn.LayerNorm(64)",
                      "self.gn = nn.GroupNorm(4, 32)", "self.prelu = nn.PReLU(8)"):
        assert unchanged in code, unchanged
    plain = _translate(ATTENTION_SRC, False)
    assert "_torch_init" not in plain and "self.mha = TorchMultiheadAttention(64, 4)" in plain
    # a refused call is not wrapped: it stays torch code, with its marker
    refused = _translate("import torch.nn as nn\nm = nn.MultiheadAttention(8, 2, add_bias_kv=True)\n", True)
    assert "_torch_init" not in refused and "T2P002" in refused


@pytest.mark.parametrize("name", ["Attention", "Whole"])
def test_attention_transformer_recurrent_and_3d_layers_initialize_as_torch(tmp_path, name):
    t_model, p_model = _build(tmp_path, ATTENTION_SRC, name, True)
    report = compare_init(t_model, p_model)
    assert report.match, report.format_table()
    params = {p.name: p for p in report.params}
    if name == "Attention":
        # torch: out_proj keeps Linear's default U(+-1/sqrt(64)) weight and a zero bias
        w = p_model.mha.out_proj.weight.numpy()
        assert 0.9 / 8 < np.abs(w).max() <= 1 / 8
        assert params["mha.out_proj.bias"].kind == "constant" and not p_model.mha.out_proj.bias.numpy().any()
        b = p_model.enc.linear2.bias.numpy()  # fan-in 128
        assert 0.9 / math.sqrt(128) < np.abs(b).max() <= 1 / math.sqrt(128)
    else:
        # nn.Transformer: Xavier matrices (sqrt(6 / (64 + 128)) for linear1), default feed-forward biases
        w = p_model.tr.encoder.layers[0].linear1.weight.numpy()
        assert 0.9 * math.sqrt(6 / 192) < np.abs(w).max() <= math.sqrt(6 / 192)
        b = p_model.tr.encoder.layers[0].linear1.bias.numpy()
        assert 0.9 / 8 < np.abs(b).max() <= 1 / 8


def test_without_the_flag_attention_layers_are_named(tmp_path):
    t_model, p_model = _build(tmp_path, ATTENTION_SRC, "Attention", False)
    bad = {p.name for p in compare_init(t_model, p_model).params if not p.ok}
    assert {"mha.out_proj.weight", "enc.linear1.weight", "enc.linear1.bias", "dec.linear2.bias"} <= bad
    assert not any(n.startswith(("lstm.", "gru.", "ln.", "gn.", "prelu.")) for n in bad), bad


@pytest.mark.parametrize("target", [
    "samples/torch_src/resnet.py:resnet18",
    "samples/torch_src/squeezenet.py:squeezenet1_1",
    "samples/torch_src/train_classifier.py:SmallCNN",
])
def test_verify_init_passes_on_the_samples(target, capsys):
    assert main_verify([str(REPO / target), "--init"]) == 0, capsys.readouterr().out
    assert "(with --torch-init)" not in capsys.readouterr().err  # it only labels failures


def test_verify_init_on_a_torchvision_model(capsys):
    import importlib.util

    root = Path(list(importlib.util.find_spec("torchvision").submodule_search_locations)[0])
    source = root / "models" / "resnet.py"
    code = main_verify([f"{source}:resnet18", "--init"])
    assert code == 0, capsys.readouterr().out


def test_the_helper_runs_on_paddle_2_6(tmp_path):
    if not PADDLE26.exists():
        pytest.skip("no Paddle 2.6 venv")
    path = tmp_path / "layers26.py"
    path.write_text(_translate(LAYERS_SRC, True) + textwrap.dedent("""

        m = Layers()
        assert abs(float(m.fc.weight.abs().max()) - 1 / 300 ** 0.5) < 0.01
        assert float(m.emb.weight[3].abs().sum()) == 0.0
        print("ok")
    """))
    attention = tmp_path / "attention26.py"
    attention.write_text(_translate(ATTENTION_SRC, True) + textwrap.dedent("""

        m = Attention()
        assert abs(float(m.mha.out_proj.weight.abs().max()) - 1 / 8) < 0.01
        assert float(m.mha.out_proj.bias.abs().sum()) == 0.0
        assert abs(float(m.enc.linear1.bias.abs().max()) - 1 / 8) < 0.01
        print("ok")
    """))
    for script in (path, attention):
        out = subprocess.run([str(PADDLE26), str(script)], capture_output=True, text=True, timeout=300)
        assert out.stdout.strip().endswith("ok"), out.stderr[-2000:]


def test_a_value_clipped_to_the_truncation_bound_is_not_a_different_distribution():
    # trunc_normal_(std=0.02) puts a value on its bound (2.0, 100 standard deviations out) about once
    # in 2.5e7 draws, in torch and in Paddle alike: convnext_small's 600,000-value Linear got one.
    from translator.verify.init_check import _compare_distribution

    rng = np.random.default_rng(0)
    t = rng.standard_normal(600_000) * 0.02
    p = rng.standard_normal(600_000) * 0.02
    p[123] = 2.0
    assert _compare_distribution(t, p, 6.0)[1:] == (True, "")
    # a real difference is still one: a wider normal, or a uniform of the same standard deviation
    kind, ok, problem = _compare_distribution(t, rng.standard_normal(600_000) * 0.021, 6.0)
    assert not ok and problem.startswith("std")
    kind, ok, problem = _compare_distribution(t, rng.uniform(-1, 1, 600_000) * 0.02 * 3 ** 0.5, 6.0)
    assert not ok and "kurtosis" in problem


def test_a_large_tensor_is_compared_on_a_sample_that_still_catches_a_wrong_init():
    # More than 2**20 values are compared on 2**20 drawn from them (vgg11's 103M-value Linear took
    # most of its 133 s in float64 moments over every value). A planted wrong init is still caught:
    # a layer left at Paddle's default (Xavier-uniform), or a uniform only 2% wider.
    from translator.verify.init_check import _SAMPLE_SIZE, _compare, _sample

    rng = np.random.default_rng(1)
    fan_in, fan_out = 2048, 1536  # 3.1M values
    bound = 1 / math.sqrt(fan_in)
    torch_default = rng.uniform(-bound, bound, (fan_in, fan_out)).astype(np.float32)
    same = rng.uniform(-bound, bound, (fan_in, fan_out)).astype(np.float32)
    xavier = math.sqrt(6 / (fan_in + fan_out))
    paddle_default = rng.uniform(-xavier, xavier, (fan_in, fan_out)).astype(np.float32)
    wider = rng.uniform(-1.02 * bound, 1.02 * bound, (fan_in, fan_out)).astype(np.float32)
    values, n = _sample(torch_default.T)  # a transposed view: no copy of the whole tensor
    assert values.shape == (_SAMPLE_SIZE,) and values.dtype == np.float64 and n == 1 / (1 / fan_in / fan_out + 1 / _SAMPLE_SIZE)
    assert _compare(torch_default, same, 6.0)[1:3] == (True, "")
    kind, ok, problem, stats = _compare(torch_default, paddle_default, 6.0)
    assert kind == "random" and not ok and problem.startswith("std"), problem
    assert abs(stats[1] - bound / math.sqrt(3)) < 1e-4 and abs(stats[3] - xavier / math.sqrt(3)) < 1e-4
    assert not _compare(torch_default, wider, 6.0)[1]
    # a normal of the same standard deviation is a different family (kurtosis), sampled or not
    normal = rng.normal(0, bound / math.sqrt(3), (fan_in, fan_out)).astype(np.float32)
    kind, ok, problem, _ = _compare(torch_default, normal, 6.0)
    assert not ok and "kurtosis" in problem
    # a constant torch tensor is compared exactly, however large
    zeros = np.zeros((fan_in, fan_out), np.float32)
    assert _compare(zeros, zeros.copy(), 6.0)[1] and not _compare(zeros, paddle_default, 6.0)[1]


def test_a_planted_default_init_in_a_large_model_is_named(tmp_path):
    # vgg-like: one big Linear (2.1M values) left at Paddle's default, the rest torch's
    src = """
        import torch.nn as nn

        class Head(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc1 = nn.Linear(2048, 1024)
                self.fc2 = nn.Linear(1024, 1000)
    """
    code = _translate(src, True).replace("self.fc1 = _torch_init(nn.Linear(2048, 1024))", "self.fc1 = nn.Linear(2048, 1024)")
    assert "self.fc1 = nn.Linear(2048, 1024)" in code
    from translator.targets import load_module_from_file

    (tmp_path / "head_torch.py").write_text(textwrap.dedent(src))
    (tmp_path / "head_paddle.py").write_text(code)
    torch.manual_seed(0)
    paddle.seed(0)
    t_model = load_module_from_file(tmp_path / "head_torch.py").Head()
    p_model = load_module_from_file(tmp_path / "head_paddle.py").Head()
    report = compare_init(t_model, p_model)
    bad = {p.name: p.problem for p in report.params if not p.ok}
    assert not report.match and set(bad) == {"fc1.weight", "fc1.bias"}, report.format_table()
    assert bad["fc1.weight"].startswith("std") and bad["fc1.bias"] == "paddle is constant 0.0, torch is random"
