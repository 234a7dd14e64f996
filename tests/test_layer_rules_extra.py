"""Layer translations beyond each rule's single check: edge cases and properties the numeric
harness cannot state (index values across dtypes, random masks, partial loads).  What a layer
rule refuses is listed with the rule (``[[api.refuses]]`` in rules/*.toml, run by
tests/test_rule_examples.py)."""

from __future__ import annotations

import numpy as np
import pytest

from translator import translate_source

torch = pytest.importorskip("torch")
paddle = pytest.importorskip("paddle")

PRELUDE = "import torch\nimport torch.nn as nn\n"


def _translate(code: str) -> str:
    result = translate_source(PRELUDE + code, path="<layer test>")
    assert not result.errors, [str(d) for d in result.errors]
    return result.code


def _run_both(code: str, inputs: dict) -> tuple[dict, dict]:
    """Exec ``code`` with torch and translated with Paddle; torch layers' weights are copied."""
    from translator.weights import convert_state_dict

    paddle_code = _translate(code)
    t_ns = {k: torch.from_numpy(v.copy()) for k, v in inputs.items()}
    p_ns = {k: paddle.to_tensor(v.copy()) for k, v in inputs.items()}
    setup, _, run = code.partition("# run\n")
    p_setup, _, p_run = paddle_code.partition("# run\n")
    exec(PRELUDE + setup, t_ns)
    exec(p_setup, p_ns)
    for name, value in list(t_ns.items()):
        if isinstance(value, torch.nn.Module):
            state = {k: v.detach().numpy() for k, v in value.state_dict().items()}
            p_ns[name].set_state_dict(convert_state_dict(state, p_ns[name]))
    exec(run, t_ns)
    exec(p_run, p_ns)
    return t_ns, p_ns


def test_adaptive_max_pool_indices_agree_as_int32():
    x = np.random.default_rng(0).standard_normal((2, 3, 7, 9)).astype("float32")
    t, p = _run_both("m = nn.AdaptiveMaxPool2d((3, 4), return_indices=True)\n# run\ny, i = m(x)\n", {"x": x})
    assert str(p["i"].dtype).endswith("int32")
    np.testing.assert_array_equal(t["i"].numpy(), p["i"].numpy())


def test_conv_same_padding_with_dilation_becomes_explicit():
    x = np.random.default_rng(1).standard_normal((1, 3, 9, 8)).astype("float32")
    code = "m = nn.Conv2d(3, 4, (3, 5), padding='same', dilation=(2, 2))\n# run\nout = m(x)\n"
    assert "padding=(2, 4)" in _translate(code)
    t, p = _run_both(code, {"x": x})
    np.testing.assert_allclose(p["out"].numpy(), t["out"].detach().numpy(), atol=1e-5)


def test_dropout1d_drops_whole_channels():
    out = _translate("m = nn.Dropout1d(0.5)\n")
    ns: dict = {}
    exec(out, ns)
    paddle.seed(3)
    y = ns["m"](paddle.ones([8, 16, 10])).numpy()
    per_channel = y.reshape(8 * 16, 10)
    assert set(np.unique(per_channel)) <= {0.0, 2.0}
    assert all(len(set(row)) == 1 for row in per_channel)  # each (sample, channel) all kept or all dropped
    assert 0 < (per_channel[:, 0] == 0).sum() < 8 * 16


def test_sequential_with_ordered_dict_keeps_names_and_weights():
    code = (
        "from collections import OrderedDict\n"
        "m = nn.Sequential(OrderedDict([('fc', nn.Linear(4, 3)), ('act', nn.Tanh()), ('out', nn.Linear(3, 2))]))\n"
        "# run\ny = m(x)\n"
    )
    x = np.random.default_rng(2).standard_normal((5, 4)).astype("float32")
    t, p = _run_both(code, {"x": x})
    assert [n for n, _ in p["m"].named_children()] == ["fc", "act", "out"]
    np.testing.assert_allclose(p["y"].numpy(), t["y"].detach().numpy(), atol=1e-6)


@pytest.mark.parametrize("cell, state", [("LSTMCell", "(h, c)"), ("GRUCell", "h"), ("RNNCell", "h")])
def test_rnn_cells_without_bias_and_unbatched(cell, state):
    rng = np.random.default_rng(4)
    x = rng.standard_normal((2, 3)).astype("float32")
    h = rng.standard_normal((2, 4)).astype("float32")
    c = rng.standard_normal((2, 4)).astype("float32")
    code = f"m = nn.{cell}(3, 4, bias=False)\n# run\nout = m(x, {state})\none = m(x[0])\n"
    t, p = _run_both(code, {"x": x, "h": h, "c": c})
    t_out, p_out = (t["out"], p["out"]) if cell != "LSTMCell" else (t["out"][0], p["out"][0])
    np.testing.assert_allclose(p_out.numpy(), t_out.detach().numpy(), atol=1e-5)
    t_one, p_one = (t["one"], p["one"]) if cell != "LSTMCell" else (t["one"][1], p["one"][1])
    assert list(p_one.shape) == [4]
    np.testing.assert_allclose(p_one.numpy(), t_one.detach().numpy(), atol=1e-5)


def test_lstm_batch_first_variable_and_initial_state():
    rng = np.random.default_rng(5)
    x = rng.standard_normal((2, 6, 3)).astype("float32")
    h0 = rng.standard_normal((4, 2, 5)).astype("float32")
    c0 = rng.standard_normal((4, 2, 5)).astype("float32")
    code = "bf = True\nm = nn.LSTM(3, 5, 2, batch_first=bf, bidirectional=True)\n# run\ny, (h, c) = m(x, (h0, c0))\n"
    assert "time_major=not (bf)" in _translate(code)
    t, p = _run_both(code, {"x": x, "h0": h0, "c0": c0})
    for name in ("y", "h", "c"):
        np.testing.assert_allclose(p[name].numpy(), t[name].detach().numpy(), atol=1e-5)


def test_bce_with_logits_pos_weight_matches_on_paddle_3():
    if int(paddle.__version__.split(".")[0]) < 3:
        pytest.skip("Paddle 2.6 computes a different pos_weight loss (the rule warns)")
    rng = np.random.default_rng(6)
    inputs = {
        "x": rng.standard_normal((3, 4)).astype("float32"),
        "y": rng.uniform(0, 1, (3, 4)).astype("float32"),
        "pw": rng.uniform(0.5, 3, 4).astype("float32"),
    }
    code = "m = nn.BCEWithLogitsLoss(pos_weight=pw)\n# run\nout = m(x, y)\n"
    t, p = _run_both(code, inputs)
    np.testing.assert_allclose(float(p["out"]), float(t["out"]), rtol=1e-5)


def test_multihead_attention_checkpoint_loads_name_for_name():
    from translator.weights import convert_state_dict_report

    code = "m = nn.TransformerEncoderLayer(8, 2, 16, batch_first=True)\n"
    ns: dict = {}
    exec(_translate(code), ns)
    t = torch.nn.TransformerEncoderLayer(8, 2, 16, batch_first=True)
    report = convert_state_dict_report({k: v.detach().numpy() for k, v in t.state_dict().items()}, ns["m"])
    assert report.ok, report.problems()
    assert "self_attn.in_proj_weight" in report.state_dict
    assert "linear1.weight" in report.transposed and "self_attn.in_proj_weight" not in report.transposed


def test_layer_norm_over_two_dims_loads_flat_weights():
    from translator.weights import convert_state_dict_report

    t = torch.nn.LayerNorm((3, 4))
    layer = paddle.nn.LayerNorm((3, 4))
    report = convert_state_dict_report({k: v.detach().numpy() for k, v in t.state_dict().items()}, layer)
    assert report.ok and report.state_dict["weight"].shape == (12,)


def test_instance_norm_checkpoint_without_a_model_keeps_conv_names():
    """``weight`` -> ``scale`` is InstanceNorm's alone; it must not rename other layers' weights."""
    from translator.weights import convert_state_dict_report

    state = {"conv.weight": np.zeros((2, 2, 1, 1), "float32"), "norm.weight": np.ones(2, "float32")}
    with pytest.warns(UserWarning):
        report = convert_state_dict_report(state, None)
    assert "conv.weight" in report.state_dict and "norm.weight" in report.state_dict
