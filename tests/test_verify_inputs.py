"""verify for any model: input specs of any dtype, keyword inputs, inputs from files, many
batches with top-1 agreement, dataclass outputs, --kwargs as a Python expression (a config
object), and --plot."""

from __future__ import annotations

import dataclasses
import json
import textwrap
import types

import numpy as np
import pytest

from translator.targets import TargetError, call_arguments
from translator.verify import main_verify
from translator.verify.compare import compare_outputs, leaves
from translator.verify.inputs import Batch, InputError, as_batch, batches_from_specs, load_batches, parse_input_spec

# A small language model: token ids (int64), a keyword boolean mask, a config dataclass, a
# dataclass output, Dropout.
LM_SRC = '''
import dataclasses
import math

import torch
import torch.nn.functional as F
from torch import nn


@dataclasses.dataclass
class ModelArgs:
    dim: int = 32
    n_layers: int = 2
    n_heads: int = 2
    vocab_size: int = 64
    dropout: float = 0.1


@dataclasses.dataclass
class LMOutput:
    logits: torch.Tensor
    hidden: torch.Tensor


class Block(nn.Module):
    def __init__(self, args: ModelArgs):
        super().__init__()
        self.n_heads = args.n_heads
        self.norm1 = nn.LayerNorm(args.dim)
        self.qkv = nn.Linear(args.dim, 3 * args.dim)
        self.proj = nn.Linear(args.dim, args.dim)
        self.norm2 = nn.LayerNorm(args.dim)
        self.mlp = nn.Sequential(nn.Linear(args.dim, 4 * args.dim), nn.GELU(), nn.Linear(4 * args.dim, args.dim))
        self.drop = nn.Dropout(args.dropout)

    def forward(self, x, mask):
        b, t, d = x.shape
        q, k, v = self.qkv(self.norm1(x)).chunk(3, dim=-1)
        q = q.reshape(b, t, self.n_heads, d // self.n_heads).transpose(1, 2)
        k = k.reshape(b, t, self.n_heads, d // self.n_heads).transpose(1, 2)
        v = v.reshape(b, t, self.n_heads, d // self.n_heads).transpose(1, 2)
        att = torch.matmul(q, k.transpose(-2, -1)) / math.sqrt(d // self.n_heads)
        att = att.masked_fill(~mask[:, None, None, :], -1e9)
        y = torch.matmul(F.softmax(att, dim=-1), v).transpose(1, 2).reshape(b, t, d)
        x = x + self.drop(self.proj(y))
        return x + self.drop(self.mlp(self.norm2(x)))


class Transformer(nn.Module):
    def __init__(self, args: ModelArgs):
        super().__init__()
        self.embed = nn.Embedding(args.vocab_size, args.dim)
        self.layers = nn.ModuleList([Block(args) for _ in range(args.n_layers)])
        self.norm = nn.LayerNorm(args.dim)
        self.head = nn.Linear(args.dim, args.vocab_size, bias=False)

    def forward(self, tokens, attention_mask=None):
        if attention_mask is None:
            attention_mask = torch.ones_like(tokens, dtype=torch.bool)
        h = self.embed(tokens)
        for layer in self.layers:
            h = layer(h, attention_mask)
        h = self.norm(h)
        return LMOutput(logits=self.head(h), hidden=h)
'''


@pytest.fixture(scope="module")
def lm_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("lm") / "tiny_lm.py"
    path.write_text(LM_SRC)
    return path


def _cli(capsys, argv):
    code = main_verify(argv)
    return code, capsys.readouterr()


# ------------------------------------------------------------------------------- specs ----

@pytest.mark.parametrize("text, dtype, shape, low, high, name", [
    ("int64[2,16]:0..1000", "int64", (2, 16), 0, 1000, None),
    ("bool[2,16]", "bool", (2, 16), None, None, None),
    ("float32[2,3,224,224]", "float32", (2, 3, 224, 224), None, None, None),
    ("mask=bool[1,4]", "bool", (1, 4), None, None, "mask"),
    ("float64[3]:-1..1", "float64", (3,), -1, 1, None),
])
def test_input_specs_parse(text, dtype, shape, low, high, name):
    spec = parse_input_spec(text)
    assert (spec.dtype, spec.shape, spec.low, spec.high, spec.name) == (dtype, shape, low, high, name)


@pytest.mark.parametrize("text, message", [
    ("int64", "expected DTYPE[SHAPE]"),
    ("complex9[2]", "unknown dtype"),
    ("float32[2]:3..1", "the range is empty"),
    ("int64[2]:5..5", "excludes HIGH"),
])
def test_bad_input_specs(text, message):
    with pytest.raises(InputError) as info:
        parse_input_spec(text)
    assert message in str(info.value) and repr(text) in str(info.value)


def test_drawn_values_respect_dtype_and_range():
    specs = [parse_input_spec(t) for t in ("int64[4,50]:3..7", "bool[4,50]", "float32[2]:-2..-1", "m=bool[2]:1..1")]
    (batch,) = batches_from_specs(specs, 1, seed=5)
    ids, mask, x = batch.args
    assert ids.dtype == np.int64 and ids.min() >= 3 and ids.max() <= 6 and len(np.unique(ids)) == 4
    assert mask.dtype == np.bool_ and 0 < mask.sum() < mask.size
    assert x.dtype == np.float32 and np.all((x >= -2) & (x < -1))
    assert batch.kwargs["m"].all() and batch.kwargs["m"].dtype == np.bool_
    again = batches_from_specs(specs, 1, seed=5)[0]
    np.testing.assert_array_equal(again.args[0], ids)


def test_as_batch_forms():
    a = np.zeros(2, np.float32)
    assert as_batch(a).args[0] is not None and not as_batch(a).kwargs
    assert len(as_batch((a, a)).args) == 2
    assert list(as_batch({"x": a}).kwargs) == ["x"]
    both = as_batch(((a,), {"mask": a}))
    assert len(both.args) == 1 and list(both.kwargs) == ["mask"]
    structured = as_batch({"args": [a], "target": np.array([1])})
    assert len(structured.args) == 1 and structured.target.tolist() == [1]


def test_npz_inputs_cut_into_batches(tmp_path):
    path = tmp_path / "x.npz"
    np.savez(path, arg0=np.arange(10 * 3, dtype=np.float32).reshape(10, 3), mask=np.ones((10, 3), bool),
             target=np.arange(10))
    batches = load_batches(str(path), batch_size=4)
    assert [b.args[0].shape[0] for b in batches] == [4, 4, 2]
    assert list(batches[0].kwargs) == ["mask"] and batches[2].target.tolist() == [8, 9]
    assert len(load_batches(str(path))) == 1
    with pytest.raises(InputError, match="no such file"):
        load_batches(str(tmp_path / "missing.npz"))


def test_function_inputs(tmp_path):
    path = tmp_path / "make.py"
    path.write_text(textwrap.dedent("""
        import numpy as np
        def one():
            return np.ones((1, 2), np.float32), {"flag": np.array([True])}
        def many():
            return [np.full((1, 2), i, np.float32) for i in range(3)]
        def broken():
            raise RuntimeError("no data")
    """))
    (one,) = load_batches(f"{path}:one")
    assert one.args[0].shape == (1, 2) and one.kwargs["flag"].dtype == np.bool_
    assert [b.args[0][0, 0] for b in load_batches(f"{path}:many")] == [0, 1, 2]
    with pytest.raises(InputError, match="broken\\(\\) failed: RuntimeError: no data"):
        load_batches(f"{path}:broken")


# ----------------------------------------------------------------------------- outputs ----

def test_dataclass_and_namespace_outputs_open_leaf_by_leaf():
    @dataclasses.dataclass
    class Out:
        logits: np.ndarray
        loss: object = None

    out = Out(np.ones(2), None)
    assert [p for p, _ in leaves(out)] == ["out.logits"]  # a None field is skipped
    ns = types.SimpleNamespace(a=np.zeros(1), b=(np.ones(1), np.ones(1)))
    assert [p for p, _ in leaves(ns)] == ["out.a", "out.b[0]", "out.b[1]"]
    diffs = compare_outputs(Out(np.ones(2)), Out(np.array([1.0, 2.0])), 1e-5, 1e-5)
    assert [d.path for d in diffs if not d.ok] == ["out.logits"]


# ----------------------------------------------------------------------------- --kwargs ----

def test_call_arguments_json_and_expressions():
    module = types.ModuleType("m")
    exec("class Cfg:\n    def __init__(self, dim=1):\n        self.dim = dim\n", module.__dict__)
    assert call_arguments('{"a": 1}', module) == ((), {"a": 1})
    (cfg,), kwargs = call_arguments("Cfg(dim=64)", module)
    assert cfg.dim == 64 and type(cfg) is module.Cfg and kwargs == {}
    assert call_arguments("dict(args=Cfg(dim=2))", module)[1]["args"].dim == 2
    assert call_arguments("(1, 2)", module) == ((1, 2), {})
    with pytest.raises(TargetError, match="NameError"):
        call_arguments("Nope(1)", module)
    with pytest.raises(TargetError, match="neither a JSON object nor a Python expression"):
        call_arguments("Cfg(", module)


def test_convert_weights_model_with_a_config_expression(tmp_path):
    import torch

    from translator.weights.cli import main_convert_weights

    model = tmp_path / "m.py"
    model.write_text(textwrap.dedent("""
        import dataclasses
        import paddle

        @dataclasses.dataclass
        class Cfg:
            width: int = 3

        def build(cfg):
            return paddle.nn.Linear(2, cfg.width)
    """))
    ckpt = tmp_path / "w.pth"
    torch.save(torch.nn.Linear(2, 5).state_dict(), ckpt)
    out = tmp_path / "w.pdparams"
    assert main_convert_weights([str(ckpt), "-o", str(out), "--model", f"{model}:build", "--kwargs", "Cfg(width=5)",
                                 "--strict"]) == 0
    assert main_convert_weights([str(ckpt), "-o", str(out), "--model", f"{model}:build", "--kwargs", "Cfg(width=4)",
                                 "--strict"]) == 1  # the config decides the shapes


# ---------------------------------------------------------------------------- the CLI ----

def test_language_model_with_token_ids_mask_and_config_verifies(lm_file, tmp_path, capsys):
    report = tmp_path / "lm.json"
    code, out = _cli(capsys, [
        f"{lm_file}:Transformer", "--kwargs", "ModelArgs(dim=32, n_layers=2)",
        "--input", "int64[2,16]:0..64", "--input", "attention_mask=bool[2,16]", "--batches", "3",
        "--report", str(report),
    ])
    assert code == 0, out.out + out.err
    assert "input int64[2x16], attention_mask=bool[2x16]; 3 batches, 6 samples" in out.out
    assert "out.logits" in out.out and "out.hidden" in out.out
    data = json.loads(report.read_text())
    assert data["top1_agreement"] == 1.0 and data["top1_total"] == 3 * 2 * 16 and data["samples"] == 6


def test_language_model_trains_in_step(lm_file, capsys):
    code, out = _cli(capsys, [
        f"{lm_file}:Transformer", "--kwargs", "ModelArgs(dim=16, n_layers=1)",
        "--input", "int64[2,8]:0..64", "--target", "int64[2,8]:0..64", "--train", "3",
        "--loss", "F.cross_entropy(output.logits.flatten(0, 1), target.flatten())",
        "--optimizer", "torch.optim.AdamW(model.parameters(), lr=1e-3)",
    ])
    assert code == 0, out.out + out.err
    assert "1 Dropout layer(s) disabled" in out.out and "paddle.optimizer.AdamW(" in out.out


def test_many_batches_from_a_function_and_top1(lm_file, tmp_path, capsys):
    make = tmp_path / "make_inputs.py"
    make.write_text(textwrap.dedent("""
        import numpy as np
        def make():
            rng = np.random.default_rng(0)
            return [(rng.integers(0, 64, size=(2, 8)),) for _ in range(4)]
    """))
    report = tmp_path / "r.json"
    code, out = _cli(capsys, [f"{lm_file}:Transformer", "--kwargs", "ModelArgs(dim=16, n_layers=1)",
                              "--inputs", f"{make}:make", "--report", str(report)])
    assert code == 0, out.out + out.err
    data = json.loads(report.read_text())
    assert data["batches"] == 4 and data["samples"] == 8 and data["top1_agree"] == data["top1_total"] == 64


def test_cli_inputs_errors_exit_2(lm_file, tmp_path, capsys):
    code, out = _cli(capsys, [f"{lm_file}:Transformer", "--kwargs", "ModelArgs()", "--input", "int64[2,8"])
    assert code == 2 and "expected DTYPE[SHAPE]" in out.err
    code, out = _cli(capsys, [f"{lm_file}:Transformer", "--kwargs", "ModelArgs(", "--input", "int64[2,8]:0..64"])
    assert code == 2 and "--kwargs" in out.err
    code, out = _cli(capsys, [f"{lm_file}:Transformer", "--kwargs", "ModelArgs()", "--inputs",
                              str(tmp_path / "none.npz")])
    assert code == 2 and "none.npz: no such file" in out.err


def test_plot_is_skipped_gracefully_or_written(lm_file, tmp_path, capsys):
    from translator.verify.plot import plot_available

    png = tmp_path / "p.png"
    code, out = _cli(capsys, [f"{lm_file}:Transformer", "--kwargs", "ModelArgs(dim=16, n_layers=1)",
                              "--input", "int64[1,8]:0..64", "--plot", str(png)])
    assert code == 0
    if plot_available():
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    else:
        assert "--plot needs matplotlib" in out.err and not png.exists()


def test_plot_functions_write_pngs(tmp_path):
    pytest.importorskip("matplotlib")
    import torch

    from translator.verify.check import per_layer_differences
    from translator.verify.plot import plot_layers

    t = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.ReLU())
    import paddle

    p = paddle.nn.Sequential(paddle.nn.Linear(3, 4), paddle.nn.ReLU())
    layers = per_layer_differences(t, p, Batch([np.ones((1, 3), np.float32)]))
    assert [d.name for d in layers] == ["0", "1"] and not layers[0].ok  # different weights
    plot_layers(layers, str(tmp_path / "l.png"), atol=1e-5)
    assert (tmp_path / "l.png").stat().st_size > 1000
