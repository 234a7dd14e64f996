"""monai's general torch leftovers, translated and run against torch on Paddle 3 and 2.6:
``torch.linalg.vector_norm`` over dims held in a variable (paddle.norm over two axes is a
matrix norm), ``torch.max``/``torch.min`` of two slices, ``Tensor.to`` with ``**kwargs``,
``torch.contiguous_format`` passed along, ``torch.autocast(..., **kwargs)``."""

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

SOURCE = """
import torch


def tp_fp_fn(input, target, reduce_axis, ord):
    pred_o = torch.linalg.vector_norm(input, ord=ord, dim=reduce_axis)
    ground_o = torch.linalg.vector_norm(target, ord=ord, dim=reduce_axis)
    difference = torch.linalg.vector_norm(input - target, ord=ord, dim=reduce_axis)
    if ord > 1:
        pred_o = torch.pow(pred_o, exponent=ord)
        ground_o = torch.pow(ground_o, exponent=ord)
        difference = torch.pow(difference, exponent=ord)
    tp = (pred_o + ground_o - difference) / 2
    return tp, pred_o - tp, ground_o - tp


def enclosure(boxes1_t, boxes2_t, spatial_dims):
    lt = torch.min(boxes1_t[:, None, :spatial_dims], boxes2_t[:, :spatial_dims])
    rb = torch.max(boxes1_t[:, None, spatial_dims:], boxes2_t[:, spatial_dims:])
    return lt, rb


def contiguous(t: torch.Tensor, memory_format=torch.preserve_format):
    return t.contiguous(memory_format=memory_format)


def prepare(batch, device, non_blocking=False, **kwargs):
    image, label = batch
    label = contiguous(label, memory_format=torch.contiguous_format)
    return image.to(device=device, non_blocking=non_blocking, **kwargs), label.to(device, **kwargs)


def run(model, x, amp_kwargs):
    with torch.autocast("cuda", **amp_kwargs):
        return model(x)


def compute(x, y, boxes1, boxes2, device):
    tp2, fp2, fn2 = tp_fp_fn(x, y, [2, 3], 2)
    tp1, fp1, fn1 = tp_fp_fn(x, y, (1, 2, 3), 1)
    lt, rb = enclosure(boxes1, boxes2, 2)
    image, label = prepare((x, y), device, dtype=torch.float64)
    return tp2, fp2, fn2, tp1, fp1, fn1, lt, rb, image, label, run(torch.sigmoid, x, dict(dtype=torch.float16))
"""


def _translated() -> str:
    result = translate_source(textwrap.dedent(SOURCE).lstrip("\n"), path="m.py")
    assert not result.diagnostics, [(d.code, d.api, d.message) for d in result.diagnostics]
    assert "import torch" not in result.code
    return result.code


def _inputs():
    rs = np.random.RandomState(0)
    x = rs.rand(2, 3, 5, 4).astype("float32")
    y = (rs.rand(2, 3, 5, 4) > 0.5).astype("float32")
    boxes1 = rs.rand(4, 4).astype("float32")
    boxes2 = rs.rand(3, 4).astype("float32")
    return x, y, boxes1, boxes2


def _expected(tmp_path) -> list[np.ndarray]:
    import torch

    t_mod = load_module_from_code(SOURCE, "monai_leftovers_torch", tmp_path)
    out = t_mod.compute(*(torch.tensor(a) for a in _inputs()), torch.device("cpu"))
    return [o.numpy() for o in out]


def test_translation_matches_torch(tmp_path):
    import paddle

    code = _translated()
    assert "_torch_vector_norm(" in code and "paddle.minimum(" in code and "_torch_to(" in code
    assert "_torch_autocast(" in code and "contiguous_format" not in code
    p_mod = load_module_from_code(code, "monai_leftovers_paddle", tmp_path)
    got = p_mod.compute(*(paddle.to_tensor(a) for a in _inputs()), "cpu")
    for i, (p, t) in enumerate(zip(got, _expected(tmp_path))):
        assert str(p.dtype).replace("paddle.", "") == str(t.dtype), i
        np.testing.assert_allclose(p.numpy(), t, rtol=1e-5, atol=1e-6, err_msg=str(i))


@pytest.mark.skipif(not OLD_PADDLE.exists(), reason="the Paddle 2.6.2 venv is not built")
def test_translation_runs_on_paddle_26(tmp_path):
    (tmp_path / "translated.py").write_text(_translated())
    np.savez(tmp_path / "inputs.npz", *_inputs())
    np.savez(tmp_path / "expected.npz", *_expected(tmp_path))
    script = textwrap.dedent(f"""
        import sys
        import numpy as np
        import paddle
        sys.path.insert(0, {str(tmp_path)!r})
        import translated as m
        inputs = np.load({str(tmp_path / 'inputs.npz')!r})
        expected = np.load({str(tmp_path / 'expected.npz')!r})
        got = m.compute(*(paddle.to_tensor(inputs[f"arr_{{i}}"]) for i in range(4)), "cpu")
        for i, p in enumerate(got):
            np.testing.assert_allclose(p.numpy(), expected[f"arr_{{i}}"], rtol=1e-5, atol=1e-6, err_msg=str(i))
        print("ok", paddle.__version__)
    """)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    proc = subprocess.run([str(OLD_PADDLE), "-c", script], capture_output=True, text=True, env=env, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "ok 2.6" in proc.stdout
