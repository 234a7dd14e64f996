"""--torch-init on the support layers for torchvision's ops (SqueezeExcitation,
Conv2dNormActivation, MLP): their Conv and Linear layers get torch's default initialization, as
torchvision builds them (RegNet-Y re-initializes only the conv weights, so the SE biases keep
torch's default)."""

from __future__ import annotations

import textwrap

import numpy as np
import paddle
import torch

from helpers import import_torchvision_models, load_module_from_code
from translator.settings import Settings
from translator.translate import translate_source
from translator.verify import compare_init

SRC = """
import torch.nn as nn
import torchvision.ops as ops


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.se = ops.SqueezeExcitation(64, 32)
        self.block = ops.Conv2dNormActivation(16, 64, norm_layer=None)
        self.mlp = ops.MLP(64, [128, 64])
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.normal_(m.weight, std=0.1)  # RegNet: weights only
"""


def _models(tmp_path, torch_init: bool):
    import_torchvision_models("torchvision.ops")
    code = translate_source(textwrap.dedent(SRC), settings=Settings(torch_init=torch_init)).code
    t_mod = load_module_from_code(textwrap.dedent(SRC), "ops_init_torch", tmp_path)
    p_mod = load_module_from_code(code, "ops_init_paddle" + ("_ti" if torch_init else ""), tmp_path)
    torch.manual_seed(0)
    paddle.seed(0)
    return code, t_mod.Net(), p_mod.Net()


def test_support_layers_are_wrapped_only_with_the_flag():
    plain = translate_source(textwrap.dedent(SRC)).code
    wrapped = translate_source(textwrap.dedent(SRC), settings=Settings(torch_init=True)).code
    for call in ("SqueezeExcitation(64, 32)", "Conv2dNormActivation(16, 64, norm_layer=None)", "MLP(64, [128, 64])"):
        assert f"_torch_init({call})" in wrapped and f"_torch_init({call})" not in plain and call in plain


def test_initialization_matches_torch(tmp_path):
    _, t_model, p_model = _models(tmp_path, True)
    report = compare_init(t_model, p_model)
    assert report.match, report.format_table()
    # the SE biases keep torch's U(+-1/sqrt(fan_in)) (fan_in = 64 for fc1, 32 for fc2)
    for name, fan_in in (("se.fc1.bias", 64), ("se.fc2.bias", 32), ("block.0.bias", 16 * 9), ("mlp.0.bias", 64)):
        value = dict(p_model.named_parameters())[name].numpy()
        bound = 1 / np.sqrt(fan_in)
        assert np.abs(value).max() <= bound and np.abs(value).max() > 0.5 * bound, name


def test_without_the_flag_the_biases_are_named(tmp_path):
    _, t_model, p_model = _models(tmp_path, False)
    bad = {p.name for p in compare_init(t_model, p_model).params if not p.ok}
    assert {"se.fc1.bias", "se.fc2.bias", "block.0.bias"} <= bad


PARTIAL = """
from functools import partial
import torch.nn as nn
import torchvision.ops as ops

fc = partial(nn.Linear, bias=False)
se = partial(ops.SqueezeExcitation, scale_activation=nn.Hardsigmoid)
"""


def test_partial_of_a_layer_builds_with_torch_init(tmp_path):
    plain = translate_source(textwrap.dedent(PARTIAL)).code
    assert "fc = partial(nn.Linear, bias_attr=False)" in plain and "_torch_init" not in plain
    code = translate_source(textwrap.dedent(PARTIAL), settings=Settings(torch_init=True)).code
    assert "fc = partial(_torch_init_build, nn.Linear, bias_attr=False)" in code  # was partial(_torch_init, ...)
    module = load_module_from_code(code, "partial_init_paddle", tmp_path)
    paddle.seed(0)
    layer, block = module.fc(400, 300), module.se(64, 32)
    w = layer.weight.numpy()
    assert layer.bias is None and np.abs(w).max() <= 1 / np.sqrt(400) and np.abs(w).max() > 0.9 / np.sqrt(400)
    for bias, fan_in in ((block.fc1.bias, 64), (block.fc2.bias, 32)):
        value, bound = bias.numpy(), 1 / np.sqrt(fan_in)
        assert np.abs(value).max() <= bound and np.abs(value).max() > 0.5 * bound  # torch's U(+-1/sqrt(fan_in))
