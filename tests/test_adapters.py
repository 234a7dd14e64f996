"""torch-signature adapters (translator/translate/adapters.py): a torch layer class used as a
value, called later with torch's arguments (a layer table, a factory, ``norm_layer = ...``)."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from translator import translate_source
from translator.settings import Settings
from translator.translate.support import strip_support

from helpers import assert_matches_torch, load_module_from_code

PLAIN = Settings(format=False)


def _tr(src: str):
    return translate_source(src, path="t.py", settings=PLAIN)


def _lines(code: str) -> list[str]:
    return [line for line in strip_support(code).splitlines() if line]


# ------------------------------------------------------------------------ before/after ----

def test_a_table_of_classes_becomes_adapters():
    src = "import torch.nn as nn\n\nCONVS = (nn.Conv1d, nn.Conv2d)\nact = nn.ReLU\n"
    out = _tr(src)
    assert _lines(out.code) == ["import paddle", "CONVS = (TorchConv1d, TorchConv2d)", "act = TorchReLU"]
    assert not out.diagnostics
    assert "class TorchConv2d(paddle.nn.Conv2D):" in out.code
    assert "class TorchReLU(paddle.nn.ReLU):" in out.code
    assert "def __init__(self, inplace=False):\n        super().__init__()" in out.code
    assert "bias_attr=bias" in out.code


def test_flags_the_rule_needs_literal_become_branches():
    out = _tr("import torch.nn as nn\nNORM = nn.InstanceNorm2d\n")
    assert _lines(out.code) == ["import paddle", "NORM = TorchInstanceNorm2d"]
    code = out.code
    assert "class TorchInstanceNorm2d(paddle.nn.InstanceNorm2D):" in code
    assert "if affine:" in code and "weight_attr=False, bias_attr=False" in code
    assert "raise NotImplementedError(" in code  # track_running_stats=True has no Paddle counterpart


def test_an_argument_the_rule_refuses_is_guarded():
    code = _tr("import torch.nn as nn\nPOOL = nn.MaxPool2d\n").code
    assert "if dilation != 1:\n            raise NotImplementedError(" in code
    assert "return_mask=return_indices" in code


def test_same_signature_keeps_the_paddle_class():
    out = _tr("import torch.nn as nn\nKINDS = [nn.Identity, nn.Sequential]\n")
    assert strip_support(out.code) == "import paddle.nn as nn\nKINDS = [nn.Identity, nn.Sequential]\n"
    assert "class Torch" not in out.code


def test_a_class_no_call_of_which_translates_is_reported():
    # Threshold's `value` needs Paddle 3.3: for a 2.6 target no call of the class translates
    out = translate_source("import torch.nn as nn\nTH = nn.Threshold\n", path="t.py",
                           settings=dataclasses.replace(PLAIN, paddle_version="2.6"))
    assert "TH = torch.nn.Threshold" in out.code
    assert any(d.api == "torch.nn.Threshold" and "used as a value" in d.message for d in out.diagnostics)
    assert "TODO(torch2paddle)" in out.code


def test_upsample_with_a_mode_known_at_run_time():
    out = _tr("import torch.nn as nn\ndef f(m):\n    return nn.Upsample(scale_factor=2, mode=m)\nUP = nn.Upsample\n")
    assert _lines(out.code) == [
        "import paddle", "def f(m):", "    return TorchUpsample(scale_factor=2, mode=m)", "UP = TorchUpsample"]
    assert not out.diagnostics


def test_upsample_with_a_mode_known_at_run_time_matches_torch(tmp_path):
    torch = pytest.importorskip("torch")
    import paddle

    src = ("import torch.nn as nn\n\ndef build(mode, align):\n"
           "    return nn.Upsample(scale_factor=2, mode=mode, align_corners=align)\n")
    p_mod = load_module_from_code(translate_source(src, path="t.py").code, "adapters_up_p", tmp_path)
    t_mod = load_module_from_code(src, "adapters_up_t", tmp_path)
    rng = np.random.default_rng(0)
    for mode, align, shape in [("nearest", None, (1, 2, 5)), ("linear", True, (1, 2, 5)), ("bilinear", False, (1, 2, 4, 5)),
                               ("bicubic", True, (1, 1, 4, 4)), ("trilinear", None, (1, 1, 3, 4, 5)), ("nearest", None, (1, 1, 2, 3, 4))]:
        x = rng.standard_normal(shape).astype("float32")
        expected = t_mod.build(mode, align)(torch.from_numpy(x)).numpy()
        got = p_mod.build(mode, align)(paddle.to_tensor(x)).numpy()
        np.testing.assert_allclose(got, expected, atol=1e-5, rtol=1e-5, err_msg=f"{mode} {shape}")


# ------------------------------------------------------------------------------ unchanged ----

@pytest.mark.parametrize("src, kept", [
    ("import torch.nn as nn\ndef f(m):\n    return isinstance(m, (nn.Conv2d, nn.BatchNorm2d))\n",
     "isinstance(m, (nn.Conv2D, nn.BatchNorm2D))"),
    ("import torch.nn as nn\ndef f(m):\n    return issubclass(m, nn.Conv2d)\n", "issubclass(m, nn.Conv2D)"),
    ("import torch.nn as nn\ndef f(m):\n    return type(m) is nn.BatchNorm2d\n", "type(m) is nn.BatchNorm2D"),
    ("import torch.nn as nn\ndef f(m):\n    return type(m) in (nn.Linear, nn.Conv2d)\n", "type(m) in (nn.Linear, nn.Conv2D)"),
    ("import torch.nn as nn\ndef f(c) -> type[nn.Conv2d]:\n    return c\n", "-> type[nn.Conv2D]"),
    # a base class is built with torch's arguments: it derives from the adapter
    # (tests/test_layer_subclasses.py)
    ("import torch.nn as nn\nx = nn.Conv2d(1, 2, 3, bias=False)\n", "nn.Conv2D(1, 2, 3, bias_attr=False)"),
    ("import functools\nimport torch.nn as nn\nn = functools.partial(nn.BatchNorm2d, eps=0.001)\n",
     "functools.partial(nn.BatchNorm2D, epsilon=0.001)"),
])
def test_identity_uses_and_calls_keep_the_paddle_class(src, kept):
    out = _tr(src)
    assert kept in out.code
    assert "class Torch" not in out.code


def test_look_alikes_are_unchanged():
    for src in (
        "import paddle.nn as nn\nCONVS = (nn.Conv1D, nn.Conv2D)\n",
        "class Conv2d:\n    pass\nCONVS = (Conv2d,)\n",
        "import torch.nn as nn\nx = nn.Conv2d(1, 1, 1)\ndef f(nn):\n    return (nn.Conv2d,)\n",
    ):
        out = _tr(src).code
        assert "Torch" not in out and out.endswith("(Conv2d,)\n" if "Conv2d:" in src else out[-30:])
    out = _tr("import torch.nn as nn\nx = nn.Conv2d(1, 1, 1)\ndef f(nn):\n    return (nn.Conv2d,)\n").code
    assert out.endswith("def f(nn):\n    return (nn.Conv2d,)\n")  # a parameter named nn is not torch.nn


# ------------------------------------------------------------------------------- numeric ----

_SRC = '''
import torch
import torch.nn as nn

NORMS = {"batch": nn.BatchNorm2d, "instance": nn.InstanceNorm2d, "group": nn.GroupNorm}
ACTS = {"leaky": nn.LeakyReLU, "softmax": nn.Softmax}
CONV = (nn.Conv1d, nn.Conv2d, nn.Conv3d)


class Block(nn.Module):
    def __init__(self, dims, cin, norm, act, norm_args, act_args):
        super().__init__()
        self.conv = CONV[dims - 1](cin, 4, 3, 1, 1, bias=False)
        self.norm = NORMS[norm](*norm_args[0], **norm_args[1])
        self.act = ACTS[act](**act_args)

    def forward(self, x):
        return self.act(self.norm(self.conv(x)))


def build():
    return nn.Sequential(
        Block(2, 3, "batch", "leaky", ((4, 1e-3, 0.3), {"affine": True}), {"negative_slope": 0.2, "inplace": True}),
        Block(2, 4, "instance", "softmax", ((4,), {"affine": True}), {"dim": 1}),
        Block(2, 4, "group", "leaky", ((2, 4), {"eps": 1e-4, "affine": False}), {}),
    )
'''


def test_layers_picked_at_run_time_match_torch(tmp_path):
    torch = pytest.importorskip("torch")

    out = translate_source(_SRC, path="t.py")
    assert not [d for d in out.diagnostics if d.severity.name == "ERROR"], out.diagnostics
    assert "import torch" not in out.code
    p_mod = load_module_from_code(out.code, "adapters_numeric_p", tmp_path)
    t_mod = load_module_from_code(_SRC, "adapters_numeric_t", tmp_path)
    torch.manual_seed(0)
    t_model = t_mod.build()
    with torch.no_grad():  # BatchNorm statistics that are not the defaults
        bn = t_model[0].norm
        bn.running_mean.uniform_(-0.5, 0.5)
        bn.running_var.uniform_(0.5, 2.0)
    p_model = p_mod.build()
    assert p_model[0].norm._momentum == pytest.approx(0.7)  # torch's momentum 0.3 as Paddle's
    assert p_model[0].norm._epsilon == pytest.approx(1e-3)  # eps passed by position
    x = np.random.default_rng(0).standard_normal((2, 3, 8, 8)).astype("float32")
    assert_matches_torch(t_model, p_model, x, tol=1e-5)


def test_an_unsupported_combination_raises_at_run_time(tmp_path):
    pytest.importorskip("paddle")
    src = "import torch.nn as nn\nNORM = nn.InstanceNorm2d\n\ndef build():\n    return NORM(4, track_running_stats=True)\n"
    p_mod = load_module_from_code(translate_source(src, path="t.py").code, "adapters_raise_p", tmp_path)
    with pytest.raises(NotImplementedError, match="track_running_stats"):
        p_mod.build()


# ------------------------------------------------------------------------------ functions ----

def test_a_function_only_calls_of_which_translate_becomes_a_function_adapter():
    out = _tr("import torch.nn as nn\n\ndef icnr(conv, init=nn.init.kaiming_normal_):\n    init(conv.weight)\n")
    assert _lines(out.code)[-2:] == ["def icnr(conv, init=_torch_kaiming_normal_):", "    init(conv.weight)"]
    assert not out.diagnostics
    assert "def _torch_kaiming_normal_(\n    tensor, a=0, mode=\"fan_in\"" in out.code
    assert "raise NotImplementedError(\"generator= has no Paddle equivalent\")" in out.code


def test_a_function_with_a_paddle_name_is_unchanged_as_a_value():
    out = _tr("import torch.nn.functional as F\nACT = F.relu\n")
    assert "ACT = F.relu" in out.code and "_torch_relu" not in out.code


def test_function_adapters_match_torch(tmp_path):
    torch = pytest.importorskip("torch")
    import paddle

    src = ("import torch\nimport torch.nn as nn\n\nINITS = {'const': nn.init.constant_, 'eye': nn.init.eye_}\n\n"
           "def build(kind, *args):\n    layer = nn.Linear(4, 4)\n    INITS[kind](layer.weight, *args)\n    return layer\n")
    out = translate_source(src, path="t.py")
    assert not [d for d in out.diagnostics if d.severity.name == "ERROR"], out.diagnostics
    p_mod = load_module_from_code(out.code, "adapters_fn_p", tmp_path)
    t_mod = load_module_from_code(src, "adapters_fn_t", tmp_path)
    for kind, args in [("const", (0.25,)), ("eye", ())]:
        t_layer, p_layer = t_mod.build(kind, *args), p_mod.build(kind, *args)  # weights from the initializers
        x = np.random.default_rng(1).standard_normal((2, 4)).astype("float32")
        with torch.no_grad():
            t_layer.bias.zero_()
        p_layer.bias.set_value(paddle.zeros([4]))
        expected = t_layer(torch.from_numpy(x)).detach().numpy()
        np.testing.assert_allclose(p_layer(paddle.to_tensor(x)).numpy(), expected, atol=1e-6, rtol=1e-6)
