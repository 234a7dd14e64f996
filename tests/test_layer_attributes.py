"""Layer attributes Paddle spells otherwise (rules/layer_attributes.toml, translate/layer_attrs.py):
every class of every entry against torch, and the engine's cases (narrowing, subclasses, writes,
receivers of unknown class, look-alikes)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from translator import translate_source
from translator.rules import load_table
from translator.translate.support import strip_support

# a torch layer of each class the entries name, built so that every attribute differs from its default
BUILD = {
    "torch.nn.Conv1d": "nn.Conv1d(4, 8, 3, stride=2, padding=1, dilation=2, groups=2)",
    "torch.nn.Conv2d": "nn.Conv2d(4, 8, (3, 5), stride=(2, 1), padding=(1, 2), dilation=2, groups=2)",
    "torch.nn.Conv3d": "nn.Conv3d(4, 8, 3, stride=2, padding='valid', groups=4)",
    "torch.nn.ConvTranspose1d": "nn.ConvTranspose1d(4, 8, 3, stride=2, padding=1, output_padding=1)",
    "torch.nn.ConvTranspose2d": "nn.ConvTranspose2d(4, 8, 3, stride=2, padding=1, output_padding=1, groups=2)",
    "torch.nn.ConvTranspose3d": "nn.ConvTranspose3d(4, 8, 3, stride=2, output_padding=(1, 0, 1))",
    "torch.nn.Linear": "nn.Linear(4, 6)",
    "torch.nn.LayerNorm": "nn.LayerNorm([4, 5], eps=1e-6, elementwise_affine=False)",
    "torch.nn.GroupNorm": "nn.GroupNorm(2, 6, eps=1e-3)",
    "torch.nn.BatchNorm1d": "nn.BatchNorm1d(6, eps=1e-3, momentum=0.3)",
    "torch.nn.BatchNorm2d": "nn.BatchNorm2d(6, momentum=0.2, affine=False)",
    "torch.nn.BatchNorm3d": "nn.BatchNorm3d(6, eps=1e-4)",
    "torch.nn.SyncBatchNorm": "nn.SyncBatchNorm(6, eps=1e-4)",
    "torch.nn.InstanceNorm1d": "nn.InstanceNorm1d(6, eps=1e-4)",
    "torch.nn.InstanceNorm2d": "nn.InstanceNorm2d(6, eps=1e-4)",
    "torch.nn.InstanceNorm3d": "nn.InstanceNorm3d(6)",
    "torch.nn.Embedding": "nn.Embedding(10, 4, padding_idx=-2)",
    "torch.nn.LSTM": "nn.LSTM(4, 6, bidirectional=True, batch_first=True)",
    "torch.nn.GRU": "nn.GRU(4, 6)",
    "torch.nn.RNN": "nn.RNN(4, 6, batch_first=True)",
    "torch.nn.Flatten": "nn.Flatten(2, 3)",
    "torch.nn.Softmax": "nn.Softmax(dim=1)",
    "torch.nn.LeakyReLU": "nn.LeakyReLU(0.3)",
    "torch.nn.PixelShuffle": "nn.PixelShuffle(3)",
    "torch.nn.MaxPool1d": "nn.MaxPool1d(3)",
    "torch.nn.MaxPool2d": "nn.MaxPool2d((3, 2), 2)",
    "torch.nn.MaxPool3d": "nn.MaxPool3d(2)",
    "torch.nn.AvgPool1d": "nn.AvgPool1d(3)",
    "torch.nn.AvgPool2d": "nn.AvgPool2d(3, 2)",
    "torch.nn.AvgPool3d": "nn.AvgPool3d(2)",
    "torch.nn.AdaptiveAvgPool1d": "nn.AdaptiveAvgPool1d(3)",
    "torch.nn.AdaptiveAvgPool2d": "nn.AdaptiveAvgPool2d((2, 3))",
    "torch.nn.AdaptiveAvgPool3d": "nn.AdaptiveAvgPool3d(2)",
    "torch.nn.AdaptiveMaxPool1d": "nn.AdaptiveMaxPool1d(3)",
    "torch.nn.AdaptiveMaxPool2d": "nn.AdaptiveMaxPool2d((2, 3))",
    "torch.nn.AdaptiveMaxPool3d": "nn.AdaptiveMaxPool3d(2)",
    "torch.nn.Hardtanh": "nn.Hardtanh(-2.0, 3.0)",
    "torch.nn.PReLU": "nn.PReLU(4)",
}

TABLE = load_table()
PAIRS = sorted(
    (rule.torch, cls) for rule in TABLE.apis.values() if rule.layers and rule.reads == "all" for cls in rule.layers
)


def run(code: str) -> dict:
    result = translate_source(code)
    assert not result.errors, [str(d) for d in result.errors]
    namespace: dict = {}
    exec(compile(result.code, "<translated>", "exec"), namespace)
    return namespace


def test_every_class_of_every_entry_has_a_build():
    assert {cls for _, cls in PAIRS} <= set(BUILD)


@pytest.mark.parametrize("entry, cls", PAIRS, ids=[f"{c.rsplit('.', 1)[1]}.{e.rsplit('.', 1)[1]}" for e, c in PAIRS])
def test_reading_the_attribute_gives_torchs_value_and_type(entry, cls):
    name = entry.rsplit(".", 1)[1]
    code = f"import torch.nn as nn\n\n\ndef read(m: {BUILD[cls].split('(')[0]}):\n    return m.{name}\n\n\nm = {BUILD[cls]}\n"
    expected = {}
    exec(compile(code, "<torch>", "exec"), expected)
    want = expected["read"](expected["m"])
    got = run(code)
    value = got["read"](got["m"])
    assert type(value) is type(want) or (isinstance(want, float) and isinstance(value, float)), (value, want)
    if isinstance(want, float):
        np.testing.assert_allclose(value, want, rtol=1e-6)
    else:
        assert value == want


NARROWED = '''
import math
import torch.nn as nn


class Net(nn.Module):
    def __init__(self, stem):
        super().__init__()
        self.proj = nn.Conv2d(3, 8, 2, stride=2) if stem else nn.Sequential(nn.Conv2d(3, 8, 2))
        self.heads = nn.Sequential(nn.Linear(8, 5))
        self.norm = nn.LayerNorm(8)
        if isinstance(self.proj, nn.Conv2d):
            fan_in = self.proj.in_channels * self.proj.kernel_size[0] * self.proj.kernel_size[1]
        for m in self.modules():
            if isinstance(m, nn.Linear):
                bound = 1.0 / math.sqrt(m.out_features)
            elif isinstance(m, (nn.Conv2d, nn.BatchNorm2d)):
                pass
        self.size = self.norm.normalized_shape
'''


def test_isinstance_narrows_names_attributes_and_nothing_after_the_if():
    code = NARROWED + "        return_value = self.proj.in_channels\n"
    result = translate_source(code)
    out = result.code
    assert "fan_in = self.proj._in_channels * tuple(self.proj._kernel_size)[0]" in out
    assert "bound = 1.0 / math.sqrt(m.weight.shape[1])" in out
    assert "self.size = tuple(self.norm._normalized_shape)" in out
    # after the if, self.proj may be a Sequential: left (`in_channels` is not reported: model code
    # sets it on its own blocks)
    assert "return_value = self.proj.in_channels" in out
    assert not result.diagnostics


def test_narrowed_reads_run_in_paddle_as_in_torch():
    code = NARROWED + "        self.fan_in = fan_in\n        self.bound = bound\n"
    want = {}
    exec(compile(code, "<torch>", "exec"), want)
    got = run(code)
    t, p = want["Net"](True), got["Net"](True)
    assert (p.fan_in, tuple(p.size)) == (t.fan_in, tuple(t.size)) and isinstance(p.size, tuple)
    np.testing.assert_allclose(p.bound, t.bound)


SUBCLASS = '''
import torch
import torch.nn as nn
import torch.nn.functional as F


class LayerNorm2d(nn.LayerNorm):
    def forward(self, x):
        x = x.permute(0, 2, 3, 1)
        x = F.layer_norm(x, self.normalized_shape, self.weight, self.bias, self.eps)
        return x.permute(0, 3, 1, 2)


class SameConv(nn.Conv2d):
    def __init__(self, cin, cout, k, stride=1):
        super().__init__(cin, cout, k, stride)
        self.stride = self.stride if len(self.stride) == 2 else [self.stride[0]] * 2
        kh, kw = self.weight.size()[-2:]
        sh, sw = self.stride
        self.pad = max((kh - sh), 0)

    def forward(self, x):
        x = F.pad(x, [self.pad // 2, self.pad - self.pad // 2] * 2)
        return F.conv2d(x, self.weight, self.bias, self.stride, self.padding, self.dilation, self.groups)
'''


def test_subclasses_of_torch_layers_read_and_write_torchs_attributes():
    out = strip_support(translate_source(SUBCLASS).code, SUBCLASS)
    assert "F.layer_norm(x, tuple(self._normalized_shape), self.weight, self.bias, self._epsilon)" in out
    assert "self._stride = tuple(self._stride) if len(tuple(self._stride)) == 2 else [tuple(self._stride)[0]] * 2" in out
    assert "kh, kw = self.weight.shape[-2:]" in out  # the torch layer's own parameter: a tensor
    assert "self.pad = max((kh - sh), 0)" in out and "self.pad // 2" in out  # the subclass's own attribute


def test_subclasses_compute_as_in_torch():
    from translator.weights import convert_state_dict
    import paddle

    want = {}
    exec(compile(SUBCLASS, "<torch>", "exec"), want)
    got = run(SUBCLASS)
    x = np.random.default_rng(0).standard_normal((2, 4, 7, 7)).astype("float32")
    for name, args in (("LayerNorm2d", (4,)), ("SameConv", (4, 6, 3, 2))):
        t, p = want[name](*args), got[name](*args)
        p.set_state_dict(convert_state_dict({k: v.detach().numpy() for k, v in t.state_dict().items()}, p))
        np.testing.assert_allclose(p(paddle.to_tensor(x)).numpy(), t(torch.from_numpy(x)).detach().numpy(), atol=1e-5)


def test_writes_use_the_store_or_are_reported():
    code = (
        "import torch.nn as nn\n\nconv = nn.Conv2d(3, 8, 3)\nconv.stride = (2, 2)\nconv.padding = (0, 0)\n"
        "conv.groups += 1\n"
    )
    result = translate_source(code)
    assert "conv._stride = (2, 2)\n" in result.code
    assert "conv.padding = (0, 0)" in result.code and "conv.groups += 1" in result.code
    errors = {d.api: d.message for d in result.errors}
    assert "does not read a `padding` attribute" in errors["torch.nn.Conv2d.padding"]
    assert "augmented assignment" in errors["torch.nn.Conv2d.groups"]


def test_a_written_stride_takes_effect_in_paddle():
    code = "import torch.nn as nn\n\nconv = nn.Conv2d(3, 8, 3)\nconv.stride = (2, 2)\n"
    want, got = {}, run(code)
    exec(compile(code, "<torch>", "exec"), want)
    import paddle

    x = np.zeros((1, 3, 9, 9), "float32")
    assert list(got["conv"](paddle.to_tensor(x)).shape) == list(want["conv"](torch.from_numpy(x)).shape)


def test_a_receiver_written_twice_must_be_a_name_or_attribute():
    code = "import torch.nn as nn\n\ndef make():\n    return nn.Embedding(10, 4)\n\ndef f(layers: nn.ModuleList):\n    e: nn.Embedding = layers[0]\n    return e.padding_idx, (e).padding_idx\n"
    result = translate_source(code)
    assert "None if e._padding_idx is None else e._padding_idx % e._num_embeddings" in result.code
    assert not result.errors


@pytest.mark.parametrize("code", [
    # a user object with the same attribute names
    "class Config:\n    in_features = 3\n    out_channels = 4\n\n\ndef f(c: Config):\n    return c.in_features, c.out_channels\n",
    # a class of the file that is a layer but not a torch conv: its own attribute
    "import torch.nn as nn\n\n\nclass Block(nn.Module):\n    def __init__(self, c):\n        super().__init__()\n"
    "        self.out_channels = c\n\n    def width(self):\n        return self.out_channels\n",
    # a numpy array, a paddle layer
    "import numpy as np\nimport paddle\n\nconv = paddle.nn.Conv2D(3, 8, 3)\nk = conv._kernel_size\nd = np.zeros(3).shape\n",
    # a subclass of a torch layer that defines the attribute as a property
    "import torch.nn as nn\n\n\nclass Lin(nn.Linear):\n    @property\n    def in_features(self):\n        return 3\n\n"
    "    def f(self):\n        return self.in_features\n",
])
def test_look_alikes_are_left_alone(code):
    result = translate_source(code)
    assert "_in_channels" not in result.code and "weight.shape" not in result.code and "_out_channels" not in result.code
    assert "tuple(" not in result.code.replace("tuple(conv", "")
    assert not [d for d in result.diagnostics if d.api.startswith("torch.nn.Module.")]


def test_unknown_receivers_are_reported_only_for_distinctive_names():
    code = "import torch\n\n\ndef f(m, cfg):\n    return m.in_features, cfg.stride, cfg.kernel_size\n"
    result = translate_source(code)
    assert "return m.in_features, cfg.stride, cfg.kernel_size" in result.code
    assert [(d.api, d.severity.name) for d in result.diagnostics] == [("torch.nn.Module.in_features", "WARNING")]


LINEAR_WEIGHT = '''
import torch
import torch.nn as nn
import torch.nn.functional as F


def project(x, weight, bias=None):
    return F.linear(x, weight, bias)


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 6)
        self.decay = []
        self.decay.append(self.fc.weight)
        nn.init.zeros_(self.fc.bias)

    def helper(self, x, w):
        return x @ w.t()

    def forward(self, x):
        a = project(x, self.fc.weight, self.fc.bias)
        b = self.helper(x, self.fc.weight)
        c = torch.matmul(x, self.fc.weight.t())
        return a, b, c, self.fc.weight.shape, self.fc.weight.size(0), id(self.fc.weight) == id(self.decay[0])
'''


def test_linear_weights_read_in_torchs_layout_only_where_computed_with():
    out = translate_source(LINEAR_WEIGHT).code
    assert "self.decay.append(self.fc.weight)" in out  # the parameter itself
    assert "project(x, self.fc.weight.T, self.fc.bias)" in out
    assert "self.helper(x, self.fc.weight.T)" in out
    assert "self.fc.weight.T.shape, self.fc.weight.T.shape[0]" in out
    assert "paddle.matmul(x, self.fc.weight.T.t())" in out
    assert "id(self.fc.weight) == id(self.decay[0])" in out


def test_linear_weights_compute_as_in_torch():
    from translator.weights import convert_state_dict
    import paddle

    want = {}
    exec(compile(LINEAR_WEIGHT, "<torch>", "exec"), want)
    got = run(LINEAR_WEIGHT)
    t, p = want["Net"](), got["Net"]()
    p.set_state_dict(convert_state_dict({k: v.detach().numpy() for k, v in t.state_dict().items()}, p))
    x = np.random.default_rng(0).standard_normal((2, 4)).astype("float32")
    t_out, p_out = t(torch.from_numpy(x)), p(paddle.to_tensor(x))
    for a, b in zip(t_out[:3], p_out[:3]):
        np.testing.assert_allclose(b.numpy(), a.detach().numpy(), atol=1e-5)
    assert list(p_out[3]) == list(t_out[3]) and p_out[4] == t_out[4] and p_out[5] and t_out[5]
