"""--torch-init on layer classes passed as values (``conv_layer=nn.Conv2d``, ``{"emb":
nn.Embedding}``, ``se_layer=SqueezeExcitation``, a subclass of ``nn.Linear``): the adapters they
become give the built layer torch's default initialization, as the calls written out do."""

from __future__ import annotations

import math
import textwrap

import numpy as np
import paddle
import pytest
import torch

from helpers import import_torchvision_models, load_module_from_code
from translator.settings import Settings
from translator.translate import translate_source
from translator.verify import compare_init

SRC = """
import torch
import torch.nn as nn
from torchvision.ops.misc import MLP, Conv2dNormActivation, SqueezeExcitation


class Scaled(nn.Linear):
    def forward(self, x):
        return super().forward(x) * 2


class Net(nn.Module):
    def __init__(self, conv_layer=nn.Conv2d, linear_layer=nn.Linear, norm_layer=nn.BatchNorm2d,
                 se_layer=SqueezeExcitation, block=Conv2dNormActivation, mlp=MLP):
        super().__init__()
        self.conv = conv_layer(32, 64, 3, bias=True)
        self.norm = norm_layer(64)
        self.fc = linear_layer(400, 300)
        kinds = {"emb": nn.Embedding, "up": nn.ConvTranspose2d}
        self.emb = kinds["emb"](1000, 64, padding_idx=0)
        self.up = kinds["up"](64, 32, 4)
        self.scaled = Scaled(256, 128)
        self.se = se_layer(256, 128)
        self.stem = block(16, 64, norm_layer=None)
        self.head = mlp(256, [512, 128])
"""


def _translate(torch_init: bool) -> str:
    return translate_source(textwrap.dedent(SRC), path="values.py", settings=Settings(torch_init=torch_init)).code


def _models(tmp_path, torch_init: bool):
    import_torchvision_models("torchvision.ops")
    t_mod = load_module_from_code(textwrap.dedent(SRC), "values_torch", tmp_path)
    p_mod = load_module_from_code(_translate(torch_init), f"values_paddle_{int(torch_init)}", tmp_path)
    torch.manual_seed(0)
    paddle.seed(0)
    return t_mod.Net(), p_mod.Net()


def test_adapters_initialize_only_with_the_flag():
    code = _translate(True)
    assert "conv_layer=TorchConv2d" in code and "se_layer=TorchSqueezeExcitation" in code
    assert "class Scaled(TorchLinear):" in code and '"emb": TorchEmbedding' in code
    for adapter in ("TorchConv2d", "TorchLinear", "TorchEmbedding", "TorchConvTranspose2d"):
        body = code.split(f"class {adapter}(", 1)[1].split("\nclass ", 1)[0]
        assert "        _torch_init(self)\n" in body, adapter
    # torchvision's support layers take torch's arguments: the adapter passes them through
    assert ("class TorchSqueezeExcitation(SqueezeExcitation):" in code
            and "super().__init__(*args, **kwargs)\n        _torch_init(self)" in code)
    # BatchNorm initializes as torch already: its adapter is not initialized again
    bn = code.split("class TorchBatchNorm2d(", 1)[1].split("\nclass ", 1)[0]
    assert "_torch_init" not in bn


def test_unchanged_without_the_flag():
    code = _translate(False)
    assert "_torch_init" not in code
    assert "se_layer=SqueezeExcitation," in code and "block=Conv2dNormActivation," in code
    assert "class TorchSqueezeExcitation" not in code and "conv_layer=TorchConv2d" in code


def test_both_settings_in_one_process_keep_their_own_adapters():
    # the adapter of one class has another body under each setting; translating with one must not
    # leave its body for the other (adapters are made once per process)
    for torch_init in (True, False, True, False):
        linear = _translate(torch_init).split("class TorchLinear(", 1)[1].split("\nclass ", 1)[0]
        assert ("_torch_init(self)" in linear) is torch_init


def test_layers_passed_as_values_initialize_as_torch(tmp_path):
    t_model, p_model = _models(tmp_path, True)
    report = compare_init(t_model, p_model)
    assert report.match, report.format_table()
    params = dict(p_model.named_parameters())
    # the bounds themselves, U(+-1/sqrt(fan_in)) as torch computes fan_in (ConvTranspose: out/groups * k)
    for name, fan_in in (("conv.weight", 32 * 9), ("conv.bias", 32 * 9), ("fc.weight", 400), ("fc.bias", 400),
                         ("up.weight", 32 * 16), ("scaled.weight", 256), ("se.fc1.weight", 256),
                         ("se.fc1.bias", 256), ("stem.0.bias", 16 * 9), ("head.0.bias", 256)):
        value, bound = params[name].numpy(), 1 / math.sqrt(fan_in)
        assert np.abs(value).max() <= bound and np.abs(value).max() > 0.9 * bound, name
    emb = params["emb.weight"].numpy()
    assert not emb[0].any() and abs(emb[1:].std() - 1.0) < 0.02  # N(0, 1), the padding row zero
    # and torch's own statistics of the same layers, moment by moment
    stats = {p.name: p for p in report.params}
    for name in ("fc.weight", "conv.weight", "emb.weight", "up.weight", "head.0.weight"):
        p = stats[name]
        assert p.kind == "random" and abs(p.paddle_std / p.torch_std - 1) < 0.05, (name, p)


def test_without_the_flag_the_layers_passed_as_values_are_named(tmp_path):
    t_model, p_model = _models(tmp_path, False)
    bad = {p.name for p in compare_init(t_model, p_model).params if not p.ok}
    assert {"conv.weight", "conv.bias", "fc.weight", "emb.weight", "scaled.weight", "se.fc1.bias",
            "stem.0.bias", "head.0.weight"} <= bad
    assert not any(n.startswith("norm.") for n in bad), bad


@pytest.mark.parametrize("torch_init", [True, False])
def test_the_translation_runs_and_keeps_the_layer_classes(tmp_path, torch_init):
    _, p_model = _models(tmp_path, torch_init)
    assert isinstance(p_model.fc, paddle.nn.Linear) and isinstance(p_model.scaled, paddle.nn.Linear)
    assert isinstance(p_model.conv, paddle.nn.Conv2D) and type(p_model.se).__name__.endswith("SqueezeExcitation")
    out = p_model.scaled(paddle.ones([2, 256]))
    assert out.shape == [2, 128]


LAZY = """
import torch.nn as nn


class Lazy(nn.Module):
    def __init__(self, layer=nn.LazyLinear, attention=nn.MultiheadAttention):
        super().__init__()
        self.fc = layer(300)
        self.mha = attention(64, 4)
"""


def test_lazy_and_attention_layers_passed_as_values(tmp_path):
    code = translate_source(textwrap.dedent(LAZY), path="lazy.py", settings=Settings(torch_init=True)).code
    assert "layer=TorchLazyLinearArgs" in code and "attention=TorchMultiheadAttentionArgs" in code
    p_model = load_module_from_code(code, "lazy_values_paddle", tmp_path).Lazy()
    p_model.fc(paddle.ones([2, 500]))  # the first call builds the Linear: torch's U(+-1/sqrt(500))
    w, bound = p_model.fc.weight.numpy(), 1 / math.sqrt(500)
    assert w.shape == (500, 300)
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.9 * bound
    # MultiheadAttention: out_proj keeps Linear's default weight, U(+-1/8), and a zero bias
    out_w = p_model.mha.out_proj.weight.numpy()
    assert 0.9 / 8 < np.abs(out_w).max() <= 1 / 8 and not p_model.mha.out_proj.bias.numpy().any()
