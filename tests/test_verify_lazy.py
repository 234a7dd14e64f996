"""Lazy layers (nn.LazyLinear, LazyConv2d, LazyConvTranspose2d, LazyBatchNorm2d): their parameters
exist only after a first forward pass, so verify and convert-weights run one before mapping."""

from __future__ import annotations

import textwrap
from pathlib import Path

import numpy as np
import paddle
import pytest
import torch

from translator.settings import Settings
from translator.targets import load_module_from_file
from translator.translate import translate_source
from translator.verify import compare_init, main_verify
from translator.verify.inputs import batches_from_specs, parse_input_spec
from translator.verify.lazy import materialize, paddle_lazy_layers, torch_lazy_modules
from translator.weights.cli import main_convert_weights

LAZY_SRC = textwrap.dedent("""
    import torch
    import torch.nn as nn


    class LazyNet(nn.Module):
        def __init__(self, classes=5):
            super().__init__()
            self.conv = nn.LazyConv2d(8, 3, padding=1)
            self.bn = nn.LazyBatchNorm2d()
            self.up = nn.LazyConvTranspose2d(4, 2, stride=2)
            self.fc = nn.LazyLinear(classes)

        def forward(self, x):
            x = torch.relu(self.bn(self.conv(x)))
            x = self.up(x)
            return self.fc(x.flatten(1))
""")
INPUT = "float32[2,3,8,8]"


@pytest.fixture
def files(tmp_path):
    t_path = tmp_path / "lazynet.py"
    t_path.write_text(LAZY_SRC)
    p_path = tmp_path / "lazynet_paddle.py"
    p_path.write_text(translate_source(LAZY_SRC, path=str(t_path)).code)
    return t_path, p_path


def _batch(spec: str = INPUT):
    return batches_from_specs([parse_input_spec(spec)], 1, seed=0)[0]


def test_materialize_builds_both_sides_and_keeps_modes(files):
    t_path, p_path = files
    t_model = load_module_from_file(t_path).LazyNet()
    p_model = load_module_from_file(p_path).LazyNet()
    assert torch_lazy_modules(t_model) == ["conv", "bn", "up", "fc"]
    assert paddle_lazy_layers(p_model) == ["conv", "bn", "up", "fc"]
    assert materialize(t_model, p_model, _batch()) == ["conv", "bn", "up", "fc"]
    assert not torch_lazy_modules(t_model) and not paddle_lazy_layers(p_model)
    assert tuple(t_model.fc.weight.shape) == (5, 4 * 16 * 16) and tuple(p_model.fc.weight.shape) == (4 * 16 * 16, 5)
    # train mode kept, and the pass ran in eval mode: running statistics untouched
    assert t_model.training and t_model.bn.training and p_model.training and p_model.bn.training
    assert not t_model.bn.running_mean.any() and not p_model.bn._mean.numpy().any()
    assert materialize(t_model, p_model, _batch()) == []  # nothing left to build


@pytest.mark.parametrize("extra", [[], ["--train", "3"]])
def test_verify_runs_a_forward_pass_before_mapping(files, extra, capsys):
    t_path, _ = files
    code = main_verify([f"{t_path}:LazyNet", "--input", INPUT, *extra])
    out = capsys.readouterr()
    assert code == 0, out.out + out.err
    assert "note: 4 lazy layer(s) (conv, bn, up, fc) built by one forward pass" in out.err
    assert "result: MATCH" in out.out


def test_verify_init_with_lazy_layers(files, tmp_path, capsys):
    t_path, _ = files
    code = main_verify([f"{t_path}:LazyNet", "--input", INPUT, "--init"])
    out = capsys.readouterr()
    assert code == 0, out.out + out.err
    # --torch-init initializes the layer a lazy layer's first call builds
    torch_init = translate_source(LAZY_SRC, path=str(t_path), settings=Settings(torch_init=True)).code
    assert "self.fc = _torch_init(TorchLazyLinear(classes))" in torch_init
    assert "self.bn = TorchLazyBatchNorm2d()" in torch_init  # ones and zeros already
    # without it, Paddle's default initialization of the built layers is named
    t_model = load_module_from_file(t_path).LazyNet()
    p_model = load_module_from_file(files[1]).LazyNet()
    materialize(t_model, p_model, _batch())
    bad = {p.name for p in compare_init(t_model, p_model).params if not p.ok}
    assert {"fc.weight", "fc.bias", "conv.bias"} <= bad


def test_compare_init_names_layers_not_built_yet(files):
    t_path, p_path = files
    report = compare_init(load_module_from_file(t_path).LazyNet(), load_module_from_file(p_path).LazyNet())
    assert not report.match and "lazy layers not built yet (conv, bn, up, fc" in report.errors[0]


def test_verify_lazy_layers_that_cannot_take_the_input_exit_2(files, capsys):
    t_path, _ = files
    code = main_verify([f"{t_path}:LazyNet", "--input", "float32[2,3]", "--init"])
    assert code == 2 and "the first forward pass, which builds the lazy layers, fails" in capsys.readouterr().err


def test_convert_weights_needs_an_input_for_lazy_layers(files, tmp_path, capsys):
    t_path, p_path = files
    torch.manual_seed(0)
    t_model = load_module_from_file(t_path).LazyNet()
    x = np.random.default_rng(0).standard_normal((2, 3, 8, 8)).astype("float32")
    t_model.eval()
    with torch.no_grad():
        expected = t_model(torch.from_numpy(x)).numpy()
    ckpt = tmp_path / "lazy.pth"
    torch.save(t_model.state_dict(), ckpt)
    out = tmp_path / "lazy.pdparams"

    code = main_convert_weights([str(ckpt), "-o", str(out), "--model", f"{p_path}:LazyNet"])
    err = capsys.readouterr().err
    assert code == 2 and not out.exists()
    assert "4 lazy layer(s) (conv, bn, up, fc) have no parameters before a first forward pass: give --input" in err

    code = main_convert_weights([str(ckpt), "-o", str(out), "--model", f"{p_path}:LazyNet", "--input", "float32[1,3,8,8]",
                                 "--strict"])
    assert code == 0, capsys.readouterr().err
    # the converted weights give the torch model's outputs in the (built) Paddle model
    p_model = load_module_from_file(p_path).LazyNet()
    materialize(None, p_model, _batch())
    p_model.set_state_dict(paddle.load(str(out)))
    p_model.eval()
    np.testing.assert_allclose(p_model(paddle.to_tensor(x)).numpy(), expected, rtol=1e-4, atol=1e-5)


def test_convert_weights_input_needs_a_model(tmp_path, capsys):
    ckpt = tmp_path / "x.pth"
    torch.save({"w": torch.zeros(2)}, ckpt)
    code = main_convert_weights([str(ckpt), "-o", str(tmp_path / "x.pdparams"), "--input", "float32[1,3]"])
    assert code == 2 and "--input: it is for --model's factory" in capsys.readouterr().err


def test_lazy_support_layer_is_the_only_marker(files):
    # an ordinary model has nothing lazy: materialize runs no forward pass at all
    class Plain(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = torch.nn.Linear(3, 2)

        def forward(self, x):
            raise AssertionError("no forward pass expected")

    assert materialize(Plain(), paddle.nn.Linear(3, 2), _batch("float32[1,3]")) == []
