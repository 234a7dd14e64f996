"""torch internals that real model libraries import (torchvision, timm, mmcv).

* ``torch.nn.modules.utils._single/_pair/_triple/_quadruple/_ntuple/_reverse_repeat_tuple``:
  support functions with torch's behaviour (an iterable as a tuple, anything else repeated);
* ``torch._check`` and its siblings, ``torch._assert``: torch's exception types and messages, a
  callable message called only when the condition fails;
* ``torchvision._is_tracing()``, ``torch._C._get_tracing_state()``, ``torch.jit.is_scripting()``:
  False/None, and the ``if`` they stand in kept readable (the literal folded where Python's value
  is known, ``peephole``);
* ``torch.ao.nn.quantized.FloatFunctional``: a support layer with its float operations;
* ``torch.nn.init._calculate_fan_in_and_fan_out``, ``torch.jit.annotations.BroadcastingList2``
  and typing's names there, ``torch._C._log_api_usage_once``, ``torch.utils._pytree``,
  ``torch.nn.modules.batchnorm._BatchNorm``/``instancenorm._InstanceNorm``.

Each is run against torch on the same inputs (here, and the key ones on the Paddle 2.6.2 venv);
look-alikes (a user's own ``_pair``, ``self._check``, a local called ``torch``) stay as written.
"""

from __future__ import annotations

import json
import os
import subprocess
import textwrap
from pathlib import Path

import numpy as np
import pytest

from helpers import import_torchvision_models, load_module_from_code, torch_to_paddle
from translator import translate_source
from translator.diagnostics import Severity

OLD_PADDLE = Path.home() / ".cache" / "torch2paddle" / "venv-paddle-2.6.2-904ef7b50f" / "bin" / "python"


def _tr(src: str, path: str = "m.py"):
    return translate_source(textwrap.dedent(src).lstrip("\n"), path=path)


def _errors(result) -> list:
    return [d for d in result.diagnostics if d.severity is Severity.ERROR]


def _torch_module(src: str, name: str, tmp_path: Path):
    import_torchvision_models("torchvision")  # its compiled ops do not load next to this torch
    return load_module_from_code(textwrap.dedent(src).lstrip("\n"), name, tmp_path)


def _both(src: str, name: str, tmp_path: Path):
    """The torch module ``src`` and its translation, both imported."""
    result = _tr(src)
    assert not _errors(result), _errors(result)
    assert "torch" not in [line.split()[1] for line in result.code.splitlines() if line.startswith("import ")]
    return _torch_module(src, f"{name}_torch", tmp_path), load_module_from_code(result.code, f"{name}_paddle", tmp_path), result


# ------------------------------------------------------------------ a layer using them all --

BLOCK = '''
import math

import torch
import torch.nn as nn
import torch.nn.functional as F
import torchvision
from torch.nn import init
from torch.nn.modules.utils import _pair, _quadruple


class PadPool(nn.Module):
    """timm/mmcv-style sizes normalized with _pair/_quadruple."""

    def __init__(self, kernel_size=3, stride=1, padding=0):
        super().__init__()
        self.k = _pair(kernel_size)
        self.stride = _pair(stride)
        self.padding = _quadruple(padding)

    def forward(self, x):
        torch._check(x.dim() == 4, lambda: f"expected a 4-d input, got {x.dim()}-d")
        x = F.pad(x, self.padding, mode="reflect")
        return F.avg_pool2d(x, self.k, self.stride)


class Block(nn.Module):
    def __init__(self, channels, kernel_size=3):
        super().__init__()
        k = _pair(kernel_size)
        self.conv = nn.Conv2d(channels, channels, k, padding=(k[0] // 2, k[1] // 2))
        self.pool = PadPool(3, padding=1)
        self.skip = nn.quantized.FloatFunctional()
        fan_in, _ = init._calculate_fan_in_and_fan_out(self.conv.weight)
        self.bound = 1 / math.sqrt(fan_in)

    def forward(self, x):
        torch._check_value(x.shape[1] == self.conv.weight.shape[1], lambda: "channel mismatch")
        y = self.conv(x)
        if torchvision._is_tracing() or torch.jit.is_scripting():
            y = y * 0
        y = self.skip.add_relu(y, self.pool(x))
        y = self.skip.mul_scalar(y, 0.5) * x.new_empty((x.shape[0], 1, 1, 1)).bernoulli_(1.0)
        y = self.skip.add(y, self.skip.mul(x, x))
        return self.skip.cat([y, x], dim=1) * self.bound


def build():
    return Block(4)
'''


def test_block_matches_torch(tmp_path):
    import paddle
    import torch

    from helpers import randomize

    tm, pm, result = _both(BLOCK, "tvint_block", tmp_path)
    assert "if False:" in result.code  # `_is_tracing() or is_scripting()` folded
    t_model, p_model = tm.build(), pm.build()
    randomize(t_model)
    torch_to_paddle(t_model, p_model)
    x = np.random.default_rng(0).standard_normal((2, 4, 9, 7)).astype("float32")
    t_model.eval()
    p_model.eval()
    with torch.no_grad():
        expected = t_model(torch.from_numpy(x)).numpy()
    got = p_model(paddle.to_tensor(x)).numpy()
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-5)
    assert p_model.bound == pytest.approx(t_model.bound)
    # the checks raise what torch raises
    for bad in (x[0], x[:, :3]):
        with pytest.raises((RuntimeError, ValueError)) as t_err:
            t_model(torch.from_numpy(bad))
        with pytest.raises(t_err.type) as p_err:
            p_model(paddle.to_tensor(bad))
        assert str(p_err.value) == str(t_err.value)


def _on_paddle_26(src: str, name: str, shape: tuple, tmp_path: Path, extra: str = "") -> None:
    """``src``'s ``build()`` translated and run on the Paddle 2.6.2 venv with weights converted
    from torch's: the output must match torch's."""
    import torch

    from helpers import randomize
    from translator.weights import convert_state_dict

    tm = _torch_module(src, f"{name}_torch26", tmp_path)
    code = _tr(src).code
    (tmp_path / f"{name}_translated.py").write_text(code)
    here = load_module_from_code(code, f"{name}_here26", tmp_path)  # names the layers for the converter
    t_model = tm.build()
    randomize(t_model)
    t_model.eval()
    x = np.random.default_rng(1).standard_normal(shape).astype("float32")
    with torch.no_grad():
        expected = t_model(torch.from_numpy(x)).numpy()
    np.save(tmp_path / "x.npy", x)
    np.save(tmp_path / "expected.npy", expected)
    state = convert_state_dict({k: v.numpy() for k, v in t_model.state_dict().items()}, here.build())
    np.savez(tmp_path / "state.npz", **state)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    script = f"""
        import sys
        import numpy as np
        import paddle
        sys.path.insert(0, {str(tmp_path)!r})
        import {name}_translated as m
        model = m.build()
        state = dict(np.load({str(tmp_path / 'state.npz')!r}))
        missing, unexpected = model.set_state_dict({{k: paddle.to_tensor(v) for k, v in state.items()}})
        assert not missing and not unexpected, (missing, unexpected)
        model.eval()
        got = model(paddle.to_tensor(np.load({str(tmp_path / 'x.npy')!r}))).numpy()
        np.testing.assert_allclose(got, np.load({str(tmp_path / 'expected.npy')!r}), rtol=1e-5, atol=1e-5)
    """ + textwrap.indent(textwrap.dedent(extra), " " * 8) + """
        print("ok", paddle.__version__)
    """
    proc = subprocess.run([str(OLD_PADDLE), "-c", textwrap.dedent(script)], capture_output=True, text=True,
                          env=env, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "ok 2.6" in proc.stdout


@pytest.mark.skipif(not OLD_PADDLE.exists(), reason="the Paddle 2.6.2 venv is not built")
def test_block_on_paddle_26(tmp_path):
    _on_paddle_26(BLOCK, "block", (2, 4, 8, 8), tmp_path, extra="""
        try:
            m.PadPool()(paddle.zeros([3, 4, 4]))
            raise AssertionError("no error")
        except RuntimeError as e:
            assert str(e) == "expected a 4-d input, got 3-d", e
    """)


def test_block_translation_is_idempotent():
    once = _tr(BLOCK).code
    assert _tr(once).code == once


# ------------------------------------------------------------------------- _ntuple family ---

NTUPLE = '''
import torch
import torch.nn.modules.utils as U
from torch.nn.modules.utils import _ntuple, _pair as pair, _single, _triple, _reverse_repeat_tuple

to_5 = _ntuple(5, "to_5")
normalize = pair


def sizes(x):
    n = x.shape[0]
    return [
        pair(n), pair((1, 2)), pair([n, 3]), pair("ab"), pair(None), pair(range(3)),
        normalize(2.5), normalize.__name__, U._quadruple(n), U._pair(x.shape[1:]),
        torch.nn.modules.utils._triple(n), _single(n), _triple(x.shape), to_5(1), to_5.__name__,
        _reverse_repeat_tuple((1, 2, 3), 2), _reverse_repeat_tuple(x.shape, 1),
        _ntuple(2)({1: "a", 2: "b"}),
    ]
'''


def test_ntuple_spellings_match_torch(tmp_path):
    import paddle
    import torch

    tm, pm, result = _both(NTUPLE, "tvint_ntuple", tmp_path)
    assert "import torch" not in result.code
    x = np.zeros((3, 4, 5), "float32")
    expected = tm.sizes(torch.from_numpy(x))
    got = pm.sizes(paddle.to_tensor(x))
    assert len(got) == len(expected)
    for g, e in zip(got, expected):
        assert type(g) is type(e) or (isinstance(e, torch.Size) and isinstance(g, tuple)), (g, e)
        assert tuple(g) == tuple(e) if isinstance(e, tuple) else g == e, (g, e)


def test_other_spellings_of_private_helpers_are_reported():
    result = _tr("""
        from torch.nn.modules.conv import _pair

        size = _pair(3)
    """)
    assert [d.api for d in _errors(result)] == ["torch.nn.modules.conv._pair"]
    assert "TODO(torch2paddle)" in result.code


# ---------------------------------------------------------------------- torch._check ------

CHECKS = '''
import torch

CALLS = {
    "check": torch._check,
    "value": torch._check_value,
    "type": torch._check_type,
    "index": torch._check_index,
    "not_implemented": torch._check_not_implemented,
}


def run(kind, cond, message):
    calls = []

    def msg():
        calls.append(1)
        return f"bad {kind}"

    fn = {"check": lambda c, m: torch._check(c, m), "value": lambda c, m: torch._check_value(c, m),
          "type": lambda c, m: torch._check_type(c, m), "index": lambda c, m: torch._check_index(c, m),
          "not_implemented": lambda c, m: torch._check_not_implemented(c, m)}[kind]
    try:
        fn(cond, msg if message == "callable" else None if message == "none" else message)
        outcome = "ok"
    except Exception as e:  # noqa: BLE001
        outcome = f"{type(e).__name__}: {e}"
    return outcome, len(calls)


def sizes(i, top):
    try:
        torch._check_is_size(i, lambda: f"bad size {i}", max=top)
        return "ok"
    except RuntimeError as e:
        return str(e)


def asserted(cond):
    try:
        torch._assert(cond, "it failed")
        return "ok"
    except AssertionError as e:
        return str(e)
'''


@pytest.mark.parametrize("kind", ["check", "value", "type", "index", "not_implemented"])
def test_check_family_raises_as_torch(kind, tmp_path):
    tm, pm, _ = _both(CHECKS, f"tvint_checks_{kind}", tmp_path)
    for cond in (True, False, 3 > 2, 2 > 3):
        for message in ("callable", "none", "a string"):
            t_out, t_calls = tm.run(kind, cond, message)
            p_out, p_calls = pm.run(kind, cond, message)
            assert p_calls == t_calls, (cond, message)  # the message is built only on failure
            if message == "none" and not cond:
                # torch adds a request to report the message to PyTorch; the type and start agree
                assert p_out.split(":")[0] == t_out.split(":")[0] and t_out.startswith(p_out.rstrip(".")), (p_out, t_out)
            else:
                assert p_out == t_out, (cond, message)


def test_check_is_size_and_assert_as_torch(tmp_path):
    import paddle
    import torch

    tm, pm, _ = _both(CHECKS, "tvint_checks_size", tmp_path)
    for i, top in ((2, 5), (-1, 5), (6, 5), (0, None), (-3, None)):
        assert pm.sizes(i, top) == tm.sizes(i, top)
    for cond in (True, False, 1, 0):
        assert pm.asserted(cond) == tm.asserted(cond)
    assert pm.asserted(paddle.to_tensor([False])) == tm.asserted(torch.tensor([False]))


def test_check_on_a_one_element_paddle_tensor(tmp_path):
    """torch requires a bool; the translated condition may be a one-element Paddle tensor
    (``x.numel() > 0``), read as its truth value."""
    import paddle

    _, pm, _ = _both(CHECKS, "tvint_checks_tensor", tmp_path)
    assert pm.run("check", paddle.to_tensor(True), "callable") == ("ok", 0)
    assert pm.run("check", paddle.to_tensor(False), "callable") == ("RuntimeError: bad check", 1)


# ------------------------------------------------------------------ tracing queries ---------

@pytest.mark.parametrize("before, after", [
    ("if not torch.jit.is_scripting():\n    x = 1\n", "if True:\n    x = 1\n"),
    ("if torchvision._is_tracing() or torch.jit.is_scripting():\n    x = 1\n", "if False:\n    x = 1\n"),
    ("if y > 0 and not torchvision._is_tracing():\n    x = 1\n", "if y > 0:\n    x = 1\n"),
    ("if (torch.jit.is_tracing() or y) and z:\n    x = 1\n", "if y and z:\n    x = 1\n"),
    ("x = torch.jit.is_scripting() and f()\n", "x = False\n"),
    ("x = not torch.jit.is_tracing() or f()\n", "x = True\n"),
    ("x = torch.jit.is_tracing() or f()\n", "x = f()\n"),
    # as a value, `y or False` is False for every falsy y: kept
    ("x = y or torchvision._is_tracing()\n", "x = y or False\n"),
    ("while y and not torch.jit.is_scripting():\n    y = 0\n", "while y:\n    y = 0\n"),
    ("assert y or not torch.jit.is_scripting()\n", "assert y or True\n"),
    ("x = 1 if torch._C._get_tracing_state() else 2\n", "x = 1 if None else 2\n"),
])
def test_tracing_queries_fold_readably(before, after):
    result = _tr("import torch\nimport torchvision\n\ny = z = 0\n" + before)
    assert not _errors(result)
    assert result.code == "y = z = 0\n" + after


@pytest.mark.parametrize("source", [
    # the user's own literals and look-alikes
    "if not False or False and y:\n    pass\n",
    "x = True and y\n",
    "class T:\n    def _is_tracing(self):\n        return True\n\nif T()._is_tracing():\n    pass\n",
    "def f(torch):\n    return torch.jit.is_scripting()\n",
    "def f(torchvision):\n    return torchvision._is_tracing()\n",
])
def test_tracing_look_alikes_unchanged(source):
    source = "y = 0\n" + source
    result = _tr(source)
    assert result.code == source
    assert not result.diagnostics


# --------------------------------------------------------------------- FloatFunctional ------

FF = '''
import torch
import torch.nn as nn
from torch.ao.nn.quantized import FloatFunctional as FF
from torch.nn.quantized import FloatFunctional


class Head(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(6, 3)
        self.a = FF()
        self.b = FloatFunctional()
        self.c = torch.ao.nn.quantized.FloatFunctional()

    def forward(self, x, y):
        z = self.a.add(x, y)
        z = self.b.cat((z, self.c.mul(x, y)), 1)
        z = self.a.add_scalar(self.b.mul_scalar(z, 3.0), -1.0)
        return self.fc(self.c.add_relu(z, z)), self.a.matmul(x, y.t())


def build():
    return Head()
'''


def test_float_functional_matches_torch(tmp_path):
    import paddle
    import torch

    from helpers import randomize

    tm, pm, result = _both(FF, "tvint_ff", tmp_path)
    assert result.code.count("TorchFloatFunctional()") == 3
    t_model, p_model = tm.build(), pm.build()
    randomize(t_model)
    torch_to_paddle(t_model, p_model)  # FloatFunctional holds no state: names agree
    rng = np.random.default_rng(0)
    x, y = (rng.standard_normal((2, 3)).astype("float32") for _ in range(2))
    t_out = t_model(torch.from_numpy(x), torch.from_numpy(y))
    p_out = p_model(paddle.to_tensor(x), paddle.to_tensor(y))
    for p, t in zip(p_out, t_out):
        np.testing.assert_allclose(p.numpy(), t.detach().numpy(), rtol=1e-5, atol=1e-5)
    assert sorted(p_model.state_dict()) == sorted(t_model.state_dict())
    with pytest.raises(RuntimeError, match="not intended to use the 'forward'"):
        p_model.a(paddle.to_tensor(x))


def test_user_float_functional_unchanged():
    source = textwrap.dedent("""
        from mylib.quant import FloatFunctional

        ff = FloatFunctional()
        z = ff.add(1, 2)
    """).lstrip("\n")
    result = _tr(source)
    assert result.code == source and not result.diagnostics


# --------------------------------------------------------------------- fan in and out -------

def test_fan_in_and_fan_out_matches_torch_for_layer_weights(tmp_path):
    import torch

    from helpers import randomize

    src = '''
import torch.nn as nn
from torch.nn.init import _calculate_fan_in_and_fan_out


class M(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(4, 6, (3, 2), groups=2)
        self.conv1d = nn.Conv1d(3, 5, 7)
        self.fc = nn.Linear(3, 5)

    def fans(self):
        return [_calculate_fan_in_and_fan_out(p) for p in (self.conv.weight, self.conv1d.weight, self.fc.weight)]


def build():
    return M()
'''
    tm, pm, result = _both(src, "tvint_fans", tmp_path)
    assert [d.api for d in result.diagnostics] == ["torch.nn.init._calculate_fan_in_and_fan_out"]  # the 2-d caveat
    t_model = tm.build()
    randomize(t_model)
    assert pm.build().fans() == t_model.fans() == [(12, 36), (21, 35), (3, 5)]


# ------------------------------------------------------------------ bernoulli_ and others --

def test_bernoulli_draws_in_place_with_torch_statistics(tmp_path):
    import paddle

    src = """
import torch


def draws(x: torch.Tensor, p):
    a = x.bernoulli_(p)
    return a is x, x.new_empty((20000,)).bernoulli_(0.2).mean()
"""
    _, pm, result = _both(src, "tvint_bernoulli", tmp_path)
    assert "bernoulli_(x, p)" in result.code  # support code filling x in place
    x = paddle.full([400, 3], 7.0, dtype="float64")
    p = paddle.to_tensor([0.0, 1.0, 0.5], dtype="float32")
    same, mean = pm.draws(x, p)
    assert same and x.dtype == paddle.float64
    values = x.numpy()
    assert (values[:, 0] == 0).all() and (values[:, 1] == 1).all()
    assert set(np.unique(values[:, 2])) == {0.0, 1.0} and 0.4 < values[:, 2].mean() < 0.6
    assert 0.18 < float(mean) < 0.22


def test_internal_annotations_and_logging_leave_no_torch(tmp_path):
    src = """
import torch
from torch.jit.annotations import BroadcastingList2


def roi_pool(x: torch.Tensor, output_size: BroadcastingList2[int], scale: float = 1.0):
    torch._C._log_api_usage_once("mylib.roi_pool")
    return x * scale, output_size
"""
    tm, pm, result = _both(src, "tvint_annotations", tmp_path)
    assert "_log_api_usage_once" not in result.code and "import torch" not in result.code
    assert pm.roi_pool.__annotations__["output_size"] is None is tm.roi_pool.__annotations__["output_size"]


# ------------------------------------------------------------- normalization base classes --

NORMS = '''
import torch
import torch.nn as nn
from torch.nn.modules.batchnorm import _BatchNorm
from torch.nn.modules.instancenorm import _InstanceNorm


class FlexBN(_BatchNorm):
    """mmcv-style: a batch norm for inputs of any rank."""

    def _check_input_dim(self, input):
        return


class FlexIN(_InstanceNorm):
    def _get_no_batch_dim(self):
        return 3

    def _check_input_dim(self, input):
        return


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 3)
        self.bn = nn.BatchNorm2d(4)
        self.flex = FlexBN(4, eps=1e-3, momentum=0.3)
        self.inorm = FlexIN(4, affine=True)
        self.gn = nn.GroupNorm(2, 4)

    def forward(self, x):
        return self.gn(self.inorm(self.flex(self.bn(self.conv(x)))))


def freeze(model: nn.Module):
    frozen = []
    for name, m in model.named_modules():
        if isinstance(m, (_BatchNorm, _InstanceNorm)):
            m.eval()
            frozen.append(name)
    return frozen


def build():
    return Net()
'''


def test_norm_base_classes_match_torch(tmp_path):
    import paddle
    import torch

    from helpers import randomize

    tm, pm, result = _both(NORMS, "tvint_norms", tmp_path)
    assert "class FlexBN(TorchBatchNormBase):" in result.code and "class FlexIN(TorchInstanceNormBase):" in result.code
    t_model, p_model = tm.build(), pm.build()
    randomize(t_model)
    torch_to_paddle(t_model, p_model)  # FlexBN's running statistics and FlexIN's weight convert
    assert tm.freeze(t_model) == pm.freeze(p_model) == ["bn", "flex", "inorm"]
    t_model.eval()
    p_model.eval()
    x = np.random.default_rng(2).standard_normal((2, 3, 7, 6)).astype("float32")
    with torch.no_grad():
        expected = t_model(torch.from_numpy(x)).numpy()
    np.testing.assert_allclose(p_model(paddle.to_tensor(x)).numpy(), expected, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(p_model.flex.running_mean.numpy(), t_model.flex.running_mean.numpy())
    assert (p_model.flex.momentum, p_model.flex.eps) == (0.3, 1e-3)


@pytest.mark.skipif(not OLD_PADDLE.exists(), reason="the Paddle 2.6.2 venv is not built")
def test_norm_base_classes_on_paddle_26(tmp_path):
    _on_paddle_26(NORMS, "norms", (2, 3, 7, 6), tmp_path, extra="""
        assert m.freeze(model) == ["bn", "flex", "inorm"]
    """)


# ------------------------------------------------------- torch.jit.annotations' typing names --

def test_typing_names_from_torch_jit_annotations():
    """Older torchvision-derived code imports typing's names from torch.jit.annotations: they
    come from typing, and the torch import goes."""
    result = _tr("""
        import torch
        from torch.jit.annotations import Tuple, List, Optional, Dict
        from torch import Tensor


        def f(x: List[Tensor], y: Optional[Dict[str, Tensor]] = None) -> Tuple[Tensor, int]:
            return x[0], 1
    """)
    assert not result.diagnostics
    assert result.code == textwrap.dedent("""\
        from typing import Tuple, List, Optional, Dict

        from paddle import Tensor


        def f(x: List[Tensor], y: Optional[Dict[str, Tensor]] = None) -> Tuple[Tensor, int]:
            return x[0], 1
    """)
    assert _tr(result.code).code == result.code
