"""Wrong translations found in real code (issue 13's corpus), each with look-alikes left alone.

* ``x.div_(y, rounding_mode="floor"/"trunc")``: Paddle's in-place methods have no rounding
  mode; the emitted ``_torch_div_`` computes torch's result (tensor of any kind or not).
* ``name.split(".")`` on a receiver of unknown kind was reported as an untranslated tensor
  method (35 of monai's 93 T2P101 warnings): a ``str`` method given a string literal first is
  a string's (no tensor method of that name takes a string).
* ``def f(d: torch.device = None)``: ``torch.device`` is translated as a call of
  ``paddle.device.set_device``, a function; as an annotation it is ``str``, and as the class of
  an ``isinstance`` it is reported.
"""

from __future__ import annotations

import json
import os
import subprocess
import textwrap
from pathlib import Path

import numpy as np
import pytest

from helpers import load_module_from_code
from translator import translate_source

OLD_PADDLE = Path.home() / ".cache" / "torch2paddle" / "venv-paddle-2.6.2-904ef7b50f" / "bin" / "python"


def _tr(src: str):
    return translate_source(textwrap.dedent(src).lstrip("\n"), path="m.py")


def _run_old_paddle(script: str) -> str:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    proc = subprocess.run([str(OLD_PADDLE), "-c", textwrap.dedent(script)], capture_output=True, text=True,
                          env=env, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc.stdout


# ------------------------------------------------------------------- div_ with a rounding mode ----

DIV = """
import torch


def unknown(x, y, mode):
    x.div_(y, rounding_mode=mode)
    return x


def floor_known(x: torch.Tensor, y: torch.Tensor):
    return x.div_(y, rounding_mode="floor")


def trunc_number(x: torch.Tensor):
    x.divide_(3, rounding_mode="trunc")
    return x
"""


def test_div_rounding_mode_before_after():
    out = _tr(DIV)
    assert not out.diagnostics, [str(d) for d in out.diagnostics]
    assert "_torch_div_(x, y, rounding_mode=mode)" in out.code
    assert 'return _torch_div_(x, y, rounding_mode="floor")' in out.code
    assert '_torch_div_(x, 3, rounding_mode="trunc")' in out.code
    assert "def _torch_div_(x, other, rounding_mode=None):" in out.code and "def _torch_div_rounded(" in out.code


def test_div_without_a_rounding_mode_unchanged_forms():
    """``rounding_mode=None`` written out is the plain division: the forms of before."""
    out = _tr("""
        import torch

        def f(x: torch.Tensor, y: torch.Tensor, z):
            return x.div_(y, rounding_mode=None), x.div_(2), z.div_(y)
        """)
    assert not out.diagnostics
    assert "return x.divide_(y), x.scale_(1.0 / 2), _torch_div_(z, y)" in out.code
    assert "rounding_mode" not in out.code.split("# --- end of support code ---")[1]


def _div_cases():
    rng = np.random.default_rng(0)
    floats = rng.uniform(-9, 9, (4, 5)).astype(np.float32)
    divisors = rng.uniform(0.3, 3, (4, 5)).astype(np.float32) * np.where(rng.random((4, 5)) < 0.5, -1, 1).astype(np.float32)
    tricky = np.array([1.0, -1.0, 7.0, -7.0, 0.3], dtype=np.float32)  # 1.0 // 0.1 is 9 in torch
    tricky_by = np.array([0.1, 0.1, 2.0, 2.0, 0.1], dtype=np.float32)
    ints = np.array([7, -7, 9, -9, 0, 5], dtype=np.int64)
    ints_by = np.array([2, 2, -4, -4, 3, -5], dtype=np.int64)
    return [
        ("floats", floats, divisors), ("tricky", tricky, tricky_by), ("ints", ints, ints_by),
        ("number", floats, 0.7), ("int_number", ints, 3), ("wide", floats, divisors.astype(np.float64)),
    ]


def test_div_rounding_mode_matches_torch(tmp_path):
    import paddle
    import torch

    module = load_module_from_code(_tr(DIV).code, "div_rounded_paddle", tmp_path)
    for name, a, b in _div_cases():
        for mode in ("floor", "trunc"):
            t_x = torch.from_numpy(a.copy())
            t_y = torch.from_numpy(b) if isinstance(b, np.ndarray) else b
            expected = t_x.div_(t_y, rounding_mode=mode).numpy()
            p_x = paddle.to_tensor(a.copy())
            p_y = paddle.to_tensor(b) if isinstance(b, np.ndarray) else b
            got = module.unknown(p_x, p_y, mode)
            assert got is p_x and str(p_x.dtype).endswith(str(a.dtype)), (name, mode, p_x.dtype)
            np.testing.assert_array_equal(p_x.numpy(), expected, err_msg=f"{name} {mode}")
    # a float operand cannot be written into an integer tensor, as in torch
    with pytest.raises(RuntimeError):
        module.unknown(paddle.to_tensor(np.array([3, 4])), 0.5, "floor")
    with pytest.raises(RuntimeError):
        torch.tensor([3, 4]).div_(0.5, rounding_mode="floor")
    # None is the true division
    x = paddle.to_tensor(np.array([1.0, -3.0], dtype=np.float32))
    np.testing.assert_allclose(module.unknown(x, 2.0, None).numpy(), [0.5, -1.5])


def test_div_rounding_mode_on_other_receivers(tmp_path):
    """A receiver that is not a Paddle tensor has its own ``div_`` called as written."""
    module = load_module_from_code(_tr(DIV).code, "div_rounded_other", tmp_path)

    class Fraction:
        def div_(self, other, rounding_mode=None):
            self.seen = (other, rounding_mode)
            return self

    f = module.unknown(Fraction(), 4, "trunc")
    assert f.seen == (4, "trunc")


@pytest.mark.skipif(not OLD_PADDLE.exists(), reason="the Paddle 2.6.2 venv is not built")
def test_div_rounding_mode_on_paddle_26(tmp_path):
    import torch

    (tmp_path / "div_translated.py").write_text(_tr(DIV).code)
    expected = {}
    for name, a, b in _div_cases():
        for mode in ("floor", "trunc"):
            t_y = torch.from_numpy(b) if isinstance(b, np.ndarray) else b
            expected[f"{name}/{mode}"] = torch.from_numpy(a.copy()).div_(t_y, rounding_mode=mode).tolist()
    cases = {name: (a.tolist(), str(a.dtype), b.tolist() if isinstance(b, np.ndarray) else b,
                    str(b.dtype) if isinstance(b, np.ndarray) else "") for name, a, b in _div_cases()}
    (tmp_path / "div.json").write_text(json.dumps({"expected": expected, "cases": cases}))
    out = _run_old_paddle(f"""
        import json, sys
        import numpy as np
        import paddle
        sys.path.insert(0, {str(tmp_path)!r})
        import div_translated as m
        data = json.loads(open({str(tmp_path / 'div.json')!r}).read())
        for name, (a, a_dtype, b, b_dtype) in data["cases"].items():
            for mode in ("floor", "trunc"):
                x = paddle.to_tensor(np.array(a, dtype=a_dtype))
                y = paddle.to_tensor(np.array(b, dtype=b_dtype)) if b_dtype else b
                m.unknown(x, y, mode)
                np.testing.assert_array_equal(x.numpy(), data["expected"][name + "/" + mode], err_msg=name + mode)
                assert str(x.dtype).endswith(a_dtype), (name, x.dtype)
        print("ok", paddle.__version__)
    """)
    assert "ok 2.6" in out


# --------------------------------------------------------------- torch.device as a type ----

DEVICE = """
from typing import Optional

import torch


def place(x: torch.Tensor, device: torch.device = None) -> torch.device:
    return device


def maybe(device: Optional[torch.device] = None, other: "torch.device" = None):
    return torch.device("cpu") if device is None else device
"""


def test_device_annotation_before_after():
    out = _tr(DEVICE)
    assert not out.diagnostics, [str(d) for d in out.diagnostics]
    assert "def place(x: paddle.Tensor, device: str = None) -> str:" in out.code
    # a string annotation is never evaluated: left as written
    assert 'def maybe(device: Optional[str] = None, other: "torch.device" = None):' in out.code
    assert 'paddle.device.set_device("cpu") if device is None else device' in out.code
    assert "import torch" not in out.code


def test_device_annotation_under_lazy_annotations():
    out = _tr("""
        from __future__ import annotations

        import torch

        def f(d: torch.device | None = None):
            return d
        """)
    assert not out.diagnostics and "def f(d: str | None = None):" in out.code


def test_device_isinstance_is_reported():
    out = _tr("""
        import torch

        def f(d):
            return isinstance(d, torch.device)
        """)
    assert [(d.code, d.api) for d in out.diagnostics] == [("T2P004", "torch.device")]
    assert "    return isinstance(d, torch.device)\n" in out.code and "set_device(" not in out.code


def test_device_unchanged_look_alikes():
    """Another module's ``device`` and a class of the file named ``device`` are not torch's."""
    src = textwrap.dedent("""
        import jax


        class device:
            pass


        def f(d: device = None, e: jax.Device = None) -> device:
            return d
        """).lstrip("\n")
    out = translate_source(src, path="m.py")
    assert out.code == src and not out.diagnostics


def test_device_annotation_runs(tmp_path):
    import paddle

    module = load_module_from_code(_tr(DEVICE).code, "device_paddle", tmp_path)
    assert module.place.__annotations__["device"] is str and module.place.__annotations__["return"] is str
    assert module.place(paddle.ones([2]), "cpu") == "cpu"
    assert "cpu" in str(module.maybe()).lower()


@pytest.mark.skipif(not OLD_PADDLE.exists(), reason="the Paddle 2.6.2 venv is not built")
def test_device_annotation_runs_on_paddle_26(tmp_path):
    (tmp_path / "device_translated.py").write_text(_tr(DEVICE).code)
    out = _run_old_paddle(f"""
        import sys
        import paddle
        sys.path.insert(0, {str(tmp_path)!r})
        import device_translated as m
        assert m.place.__annotations__["device"] is str
        assert m.place(paddle.ones([2]), "cpu") == "cpu"
        assert "cpu" in str(m.maybe()).lower()
        print("ok", paddle.__version__)
    """)
    assert "ok 2.6" in out


# ------------------------------------------------------- str methods given a string literal ----


def test_str_method_with_a_string_literal_is_not_a_tensor_method():
    src = textwrap.dedent("""
        import torch


        def parts(name, module, sep):
            version = tuple(int(v) for v in module.__version__.split(".")[:2])
            return name.split("."), name.split(f"{sep}"), version
        """).lstrip("\n")
    out = translate_source(src, path="m.py")
    assert not out.diagnostics, [str(d) for d in out.diagnostics]
    assert out.code == src.replace("import torch\n\n\n", "")


def test_split_look_alikes_still_reported_or_translated():
    """An int or a name as the first argument may be a tensor's split: reported when the receiver
    is unknown, translated when it is a tensor."""
    out = _tr("""
        import torch

        def f(x, y: torch.Tensor, n):
            return x.split(2), x.split(n), y.split(2, dim=1)
        """)
    assert [(d.code, d.api) for d in out.diagnostics] == [("T2P101", "torch.Tensor.split")] * 2
    assert "y.split(2, dim=1)" not in out.code
