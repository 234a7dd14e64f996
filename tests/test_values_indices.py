"""max/min over a dim and sort return (values, indices) in torch, a named tuple: the method forms
become the emitted functions the torch.max/min/sort forms use (a stored result's ``.values``
works; a receiver that is not a name was refused: a training loop's
``model(x).softmax(-1).max(dim=1)``), or, where the result is only taken apart and the receiver
is a name, the tuple of the two Paddle calls (``.values``/``.indices`` on the call pick one)."""

from __future__ import annotations

import numpy as np
import pytest

from translator import translate_source
from translator.settings import Settings

from helpers import load_module_from_code

SRC = """
import torch


def stats(out: torch.Tensor):
    _, pred = out.max(1)
    top = out.softmax(-1).max(dim=1).values
    low = out.abs().min(0, keepdim=True).indices
    order = (out * 2).sort(dim=-1, descending=True).indices
    first = out.sum(-1).sort()[0]
    stored = out.max(-1)
    i = out.min(1)[1]
    return pred, top, low, order, first, stored.values, stored.indices, i
"""


def test_method_forms_translate_for_any_receiver():
    result = translate_source(SRC, settings=Settings(format=False))
    assert not result.diagnostics
    body = result.code.split("def stats")[1]
    assert "_, pred = out.max(axis=1), out.argmax(axis=1)" in body
    assert "top = _torch_max(paddle.nn.functional.softmax(out, -1), 1).values" in body
    assert "low = _torch_min(out.abs(), 0, keepdim=True).indices" in body
    assert "order = _torch_sort(out * 2, dim=-1, descending=True).indices" in body  # its parentheses go
    assert "first = _torch_sort(out.sum(-1))[0]" in body
    assert "stored = _torch_max(out, -1)" in body  # its .values are read later
    assert "i = out.argmin(axis=1)" in body


def test_method_forms_match_torch(tmp_path):
    torch = pytest.importorskip("torch")
    paddle = pytest.importorskip("paddle")
    p_mod = load_module_from_code(translate_source(SRC).code, "values_indices_p", tmp_path)
    t_mod = load_module_from_code(SRC, "values_indices_t", tmp_path)
    x = np.random.default_rng(0).standard_normal((4, 5)).astype("float32")
    expected = t_mod.stats(torch.from_numpy(x))
    got = p_mod.stats(paddle.to_tensor(x))
    for t, p in zip(expected, got):
        np.testing.assert_allclose(p.numpy(), t.numpy(), rtol=1e-6)


@pytest.mark.parametrize("written, expected", [
    ("(x * 2)", "x * 2"),
    ("(-x)", "-x"),
    ("((x * 2))", "((x * 2))"),
    ("(x, y)", "(x, y)"),
    ("(x  # note\n * 2)", "x  # note\n * 2"),
    ("(\n    x * 2\n)", "x * 2"),
    ("(  # note\n    x * 2\n)", "(  # note\n    x * 2\n)"),
    ("(x)", "(x)"),
    ("x.f()", "x.f()"),
])
def test_a_receivers_parentheses_as_an_argument(written, expected):
    import libcst as cst

    from translator.translate.syntax import argument

    assert cst.Module([]).code_for_node(argument(cst.parse_expression(written))) == expected
