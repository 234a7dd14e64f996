"""``torch.autocast(device_type, enabled=False)`` (handlers/runtime.py ``autocast``): with autocast
turned off no dtype is used, so a device type that is not a literal (``t.device.type``, as
x-transformers' ``disable_autocast`` writes it) translates; with autocast on it is still refused."""

from __future__ import annotations

import textwrap

import numpy as np
import pytest

from translator import translate_source
from translator.settings import Settings

SOURCE = """
import torch
from torch.amp import autocast


def run(fn, t):
    with autocast(t.device.type, enabled=False):
        return fn(t)
"""


def _tr(code: str):
    return translate_source(textwrap.dedent(code).lstrip("\n"), settings=Settings(format=False))


def test_disabled_autocast_with_any_device_type_translates():
    result = _tr(SOURCE)
    assert result.code.startswith("from paddle.amp import auto_cast\n")
    assert "    with auto_cast(enable=False):\n        return fn(t)\n" in result.code
    assert "torch" not in result.code and not result.diagnostics


def test_enabled_or_unknown_flag_with_unknown_device_type_is_still_refused():
    for flag in ("", ", enabled=True", ", enabled=flag"):
        result = _tr(SOURCE.replace(", enabled=False", flag))
        assert [d.code for d in result.errors] == ["T2P004"], flag
        assert "with autocast(t.device.type" in result.code


def test_disabled_autocast_matches_torch():
    torch = pytest.importorskip("torch")
    paddle = pytest.importorskip("paddle")
    namespace: dict = {}
    exec(_tr(SOURCE).code, namespace)
    x = np.random.default_rng(0).standard_normal((3, 4)).astype("float32")
    weight = np.random.default_rng(1).standard_normal((4, 2)).astype("float32")
    out_p = namespace["run"](lambda t: paddle.matmul(t, paddle.to_tensor(weight)), paddle.to_tensor(x)).numpy()
    exec(SOURCE, namespace)
    out_t = namespace["run"](lambda t: t @ torch.from_numpy(weight), torch.from_numpy(x)).numpy()
    assert out_p.dtype == out_t.dtype == np.float32
    np.testing.assert_allclose(out_p, out_t, rtol=1e-5, atol=1e-6)
