"""A class deriving from a torch layer is built with torch's arguments, and conv sizes of one.

* ``class SameConv(nn.Conv2d)`` calls ``super().__init__(cin, cout, k, stride, 0, dilation,
  groups, bias)`` (efficientnet-pytorch), and its users call ``SameConv(...)`` with torch's
  keywords: the class derives from the adapter of ``nn.Conv2d`` (``adapters``), which takes
  torch's signature and is still a ``paddle.nn.Conv2D``. Before, the Paddle class was the base
  and torch's arguments reached Paddle's signature: a positional ``bias`` failed on Paddle 3
  (keyword-only there) and was read as ``padding_mode`` on Paddle 2.6; BatchNorm's positional
  ``eps`` was read as ``momentum`` without a word.
* torch's Conv2d/Conv3d read ``stride=[2]`` (a one-element list or tuple: efficientnet-pytorch's
  block arguments) as every dimension; Paddle's raise. A literal is written as its element; the
  adapter passes the value through ``_torch_one_size`` at run time.
* ``nn.Hardsigmoid`` computes torch's ``relu6(x + 3) / 6`` (Paddle's multiplies by 0.1666667).
"""

from __future__ import annotations

import textwrap

import numpy as np
import pytest

from translator import translate_source

from helpers import load_module_from_code, run_both, torch_to_paddle


def _translate(code: str) -> str:
    result = translate_source(textwrap.dedent(code).lstrip("\n"))
    assert not result.errors, [str(d) for d in result.errors]
    return result.code


SUBCLASSES = """
    import torch
    import torch.nn as nn
    import torch.nn.functional as F


    class SameConv(nn.Conv2d):
        def __init__(self, cin, cout, k, stride=1, dilation=1, groups=1, bias=True):
            super().__init__(cin, cout, k, stride, 0, dilation, groups, bias)

        def forward(self, x):
            x = F.pad(x, [1, 1, 1, 1])
            return F.conv2d(x, self.weight, self.bias, self.stride, self.padding, self.dilation, self.groups)


    class Norm(nn.BatchNorm2d):
        def __init__(self, c):
            super().__init__(c, 0.5, 0.3)  # eps, momentum by position


    class Net(nn.Module):
        def __init__(self, stride):
            super().__init__()
            self.a = SameConv(3, 8, 3, stride, 1, 1, False)
            self.n = Norm(8)
            self.b = SameConv(8, 4, 3, stride=stride, bias=True)

        def forward(self, x):
            return self.b(self.n(self.a(x)))
    """


def test_a_torch_layer_subclass_derives_from_the_adapter():
    code = _translate(SUBCLASSES)
    assert "class SameConv(TorchConv2d):" in code
    assert "class Norm(TorchBatchNorm2d):" in code
    assert "class TorchConv2d(paddle.nn.Conv2D):" in code
    # the subclass's own call is left as written: the adapter takes torch's arguments
    assert "super().__init__(cin, cout, k, stride, 0, dilation, groups, bias)" in code


@pytest.mark.parametrize("stride", [2, [2], (1,)])
def test_a_torch_layer_subclass_computes_as_torch(stride, tmp_path):
    import paddle
    import torch

    torch_mod = load_module_from_code(textwrap.dedent(SUBCLASSES), "subclass_torch", tmp_path)
    paddle_mod = load_module_from_code(_translate(SUBCLASSES), "subclass_paddle", tmp_path)
    torch.manual_seed(0)
    t = torch_mod.Net(stride)
    with torch.no_grad():  # statistics that make eps and momentum matter
        t.n.running_var.uniform_(0.2, 2.0)
        t.n.running_mean.uniform_(-1, 1)
    p = paddle_mod.Net(stride)
    assert isinstance(p.a, paddle.nn.Conv2D) and p.a.bias is None
    assert p.n._epsilon == pytest.approx(0.5) and p.n._momentum == pytest.approx(0.7)
    torch_to_paddle(t, p)
    x = np.random.default_rng(0).standard_normal((2, 3, 12, 12)).astype(np.float32)
    t_out, p_out = run_both(t, p, x)
    np.testing.assert_allclose(p_out, t_out, rtol=1e-4, atol=1e-4)


def test_one_element_literal_sizes_are_written_as_their_element():
    code = _translate("""
        import torch.nn as nn
        a = nn.Conv2d(3, 4, 3, stride=[2], padding=(1,), dilation=[1])
        b = nn.Conv3d(3, 4, 3, [2])
        """)
    assert "a = nn.Conv2D(3, 4, 3, stride=2, padding=1, dilation=1)" in code
    assert "b = nn.Conv3D(3, 4, 3, 2)" in code
    assert "_torch_one_size" not in code


def test_sizes_that_are_not_one_element_literals_are_unchanged():
    code = _translate("""
        import torch.nn as nn
        def make(s, k):
            a = nn.Conv2d(3, 4, 3, stride=(2, 1), padding=[1, 0])
            b = nn.Conv2d(3, 4, k, stride=s, padding=[k // 2])
            c = nn.Conv1d(3, 4, 3, stride=[2])
            return a, b, c
        """)
    assert "nn.Conv2D(3, 4, 3, stride=(2, 1), padding=[1, 0])" in code
    assert "nn.Conv2D(3, 4, k, stride=s, padding=k // 2)" in code
    # Paddle's Conv1D takes a one-element list as it is
    assert "nn.Conv1D(3, 4, 3, stride=[2])" in code
    assert "_torch_one_size" not in code


def test_one_element_sizes_compute_as_torch():
    import paddle
    import torch

    code = _translate("""
        import torch.nn as nn
        conv = nn.Conv2d
        """)
    assert "stride=_torch_one_size(stride)" in code
    namespace: dict = {}
    exec(compile(code, "<adapter>", "exec"), namespace)
    torch.manual_seed(0)
    t = torch.nn.Conv2d(3, 4, 3, stride=[2], padding=(1,), dilation=[2])
    p = namespace["conv"](3, 4, 3, stride=[2], padding=(1,), dilation=[2])
    torch_to_paddle(t, p)
    x = np.random.default_rng(1).standard_normal((1, 3, 11, 11)).astype(np.float32)
    t_out, p_out = run_both(t, p, x)
    assert t_out.shape == p_out.shape == (1, 4, 5, 5)
    np.testing.assert_allclose(p_out, t_out, rtol=1e-5, atol=1e-5)
    assert isinstance(p, paddle.nn.Conv2D)


def test_hardsigmoid_computes_torchs_formula():
    import paddle
    import torch

    code = _translate("""
        import torch.nn as nn
        act = nn.Hardsigmoid(inplace=True)
        """)
    assert "act = TorchHardsigmoid()" in code
    namespace: dict = {}
    exec(compile(code, "<hardsigmoid>", "exec"), namespace)
    act = namespace["act"]
    assert isinstance(act, paddle.nn.Hardsigmoid)
    x = np.linspace(-4, 4, 1001)
    with paddle.no_grad():
        p64 = act(paddle.to_tensor(x)).numpy()
        p32 = act(paddle.to_tensor(x.astype(np.float32))).numpy()
    t64 = torch.nn.Hardsigmoid()(torch.from_numpy(x)).numpy()
    t32 = torch.nn.Hardsigmoid()(torch.from_numpy(x.astype(np.float32))).numpy()
    np.testing.assert_allclose(p64, t64, rtol=1e-15, atol=1e-15)  # Paddle's own is 2e-7 away
    np.testing.assert_array_equal(p32, t32)


def test_unchanged_look_alikes():
    # a class deriving from a layer whose translation takes torch's arguments as they are keeps
    # the Paddle class, and a class of another library named like torch's is left alone
    code = _translate("""
        import torch.nn as nn
        from mylib import layers


        class Blocks(nn.Sequential):
            pass


        class Mine(layers.Conv2d):
            def __init__(self):
                super().__init__(3, 4, 3, 1, 0, 1, 1, False)
        """)
    assert "class Blocks(nn.Sequential):" in code
    assert "class Mine(layers.Conv2d):" in code
    assert "Torch" not in code


INSTANCE_NORM = """
    import torch
    import torch.nn as nn


    class Encoder(nn.Module):
        def __init__(self, norm_layer=nn.InstanceNorm2d, affine=False):
            super().__init__()
            self.conv = nn.Conv2d(3, 4, 3)
            self.norm = norm_layer(4, affine=affine)
            self.bn = nn.BatchNorm2d(4)
            for m in self.modules():
                if isinstance(m, (nn.BatchNorm2d, nn.InstanceNorm2d)):
                    if m.weight is not None:
                        nn.init.constant_(m.weight, 2.0)
                    if m.bias is not None:
                        nn.init.constant_(m.bias, 0.5)

        def forward(self, x):
            return self.bn(self.norm(self.conv(x)))
    """


@pytest.mark.parametrize("affine", [False, True])
def test_an_adapter_reads_a_renamed_parameter_by_torchs_name(affine, tmp_path):
    # torchvision's RAFT: InstanceNorm2d picked as a value, its `weight` read in an init loop
    # over (BatchNorm2d, InstanceNorm2d); Paddle calls that parameter `scale`
    import paddle
    import torch

    code = _translate(INSTANCE_NORM)
    assert "def weight(self):" in code and "return self.scale" in code
    torch_mod = load_module_from_code(textwrap.dedent(INSTANCE_NORM), f"inorm_torch_{affine}", tmp_path)
    paddle_mod = load_module_from_code(code, f"inorm_paddle_{affine}", tmp_path)
    torch.manual_seed(0)
    t = torch_mod.Encoder(affine=affine)
    p = paddle_mod.Encoder(affine=affine)
    if affine:
        assert p.norm.weight is p.norm.scale
        np.testing.assert_allclose(p.norm.weight.numpy(), 2.0)
        assert [n for n, _ in p.norm.named_parameters()] == ["scale", "bias"]  # no extra parameter
    else:
        assert p.norm.weight is None and p.norm.scale is None
    np.testing.assert_allclose(p.bn.weight.numpy(), 2.0)
    torch_to_paddle(t, p)
    x = np.random.default_rng(0).standard_normal((2, 3, 9, 9)).astype(np.float32)
    t_out, p_out = run_both(t, p, x)
    np.testing.assert_allclose(p_out, t_out, rtol=1e-4, atol=1e-4)
    assert isinstance(p.norm, paddle.nn.InstanceNorm2D)
