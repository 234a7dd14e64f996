"""State dict conversion by layer type, partial loading, .pdparams output and convert-weights CLI."""

from __future__ import annotations

import collections
import os
import pickle
import subprocess
import sys
import textwrap
import warnings
from pathlib import Path

import numpy as np
import paddle
import pytest
import torch

from translator.rules import WeightRule
from translator.verify import load_torchvision_module, load_translated_module
from translator.weights import (
    WeightConversionError,
    convert_state_dict,
    convert_state_dict_report,
    save_pdparams,
)
from translator.weights.cli import main_convert_weights

REPO = Path(__file__).resolve().parents[1]


# --------------------------------------------------------------------------------------------
# Small hand-written pairs


class TorchNet(torch.nn.Module):
    def __init__(self, classes: int = 4) -> None:
        super().__init__()
        self.conv = torch.nn.Conv2d(3, 4, 3, padding=1)
        self.bn = torch.nn.BatchNorm2d(4)
        self.proj = torch.nn.Linear(4, 4)  # square on purpose: only the type says "transpose"
        self.fc = torch.nn.Linear(4, classes)

    def forward(self, x):
        x = torch.relu(self.bn(self.conv(x))).mean((2, 3))
        return self.fc(self.proj(x))


class PaddleNet(paddle.nn.Layer):
    def __init__(self, classes: int = 4) -> None:
        super().__init__()
        self.conv = paddle.nn.Conv2D(3, 4, 3, padding=1)
        self.bn = paddle.nn.BatchNorm2D(4)
        self.proj = paddle.nn.Linear(4, 4)
        self.fc = paddle.nn.Linear(4, classes)

    def forward(self, x):
        x = paddle.nn.functional.relu(self.bn(self.conv(x))).mean(axis=[2, 3])
        return self.fc(self.proj(x))


class PaddleRenamed(paddle.nn.Layer):
    """Same layers in the same order under different attribute names."""

    def __init__(self) -> None:
        super().__init__()
        self.stem = paddle.nn.Conv2D(3, 4, 3, padding=1)
        self.norm = paddle.nn.BatchNorm2D(4)
        self.mid = paddle.nn.Linear(4, 4)
        self.head = paddle.nn.Linear(4, 4)

    def forward(self, x):
        x = paddle.nn.functional.relu(self.norm(self.stem(x))).mean(axis=[2, 3])
        return self.head(self.mid(x))


def _torch_net(seed: int = 0) -> TorchNet:
    torch.manual_seed(seed)
    net = TorchNet().eval()
    with torch.no_grad():
        net.bn.running_mean.uniform_(-0.5, 0.5)
        net.bn.running_var.uniform_(0.5, 2.0)
        net.bn.weight.uniform_(0.5, 1.5)
        net.bn.bias.uniform_(-0.5, 0.5)
    return net


def _outputs(t_model, p_model, seed: int = 0):
    x = np.random.default_rng(seed).standard_normal((2, 3, 8, 8), dtype=np.float32)
    t_model.eval()
    p_model.eval()
    with torch.no_grad():
        t = t_model(torch.from_numpy(x)).numpy()
    with paddle.no_grad():
        p = p_model(paddle.to_tensor(x)).numpy()
    return t, p


def test_linear_is_transposed_by_type_and_batchnorm_renamed():
    t_net = _torch_net()
    p_net = PaddleNet()
    report = convert_state_dict_report(t_net.state_dict(), p_net)
    assert report.ok, report.summary()
    assert sorted(report.transposed) == ["fc.weight", "proj.weight"]
    assert report.renamed == {"bn.running_mean": "bn._mean", "bn.running_var": "bn._variance"}
    assert report.dropped == ["bn.num_batches_tracked"]
    sd = report.state_dict
    np.testing.assert_array_equal(sd["proj.weight"], t_net.proj.weight.detach().numpy().T)
    np.testing.assert_array_equal(sd["bn._mean"], t_net.bn.running_mean.numpy())
    np.testing.assert_array_equal(sd["bn._variance"], t_net.bn.running_var.numpy())
    assert list(sd) == list(p_net.state_dict())  # the model's own order
    p_net.set_state_dict(sd)
    t, p = _outputs(t_net, p_net)
    np.testing.assert_allclose(p, t, rtol=1e-5, atol=1e-6)


def test_square_non_linear_weight_is_never_transposed():
    class Custom(paddle.nn.Layer):
        def __init__(self) -> None:
            super().__init__()
            self.weight = self.create_parameter([3, 3])  # a square "weight" not in a Linear

    w = np.arange(9, dtype=np.float32).reshape(3, 3)
    report = convert_state_dict_report({"weight": w}, Custom())
    assert report.ok and not report.transposed
    np.testing.assert_array_equal(report.state_dict["weight"], w)


def test_user_class_named_linear_is_not_paddles_linear():
    class Linear(paddle.nn.Layer):  # a user's own layer that happens to be called Linear
        def __init__(self) -> None:
            super().__init__()
            self.weight = self.create_parameter([2, 3])

    class Holder(paddle.nn.Layer):
        def __init__(self) -> None:
            super().__init__()
            self.lin = Linear()

    w = np.ones((2, 3), np.float32)
    report = convert_state_dict_report({"lin.weight": w}, Holder())
    assert report.ok and not report.transposed


def test_torch_tensors_and_numpy_arrays_convert_alike():
    t_net = _torch_net()
    from_torch = convert_state_dict(t_net.state_dict(), PaddleNet())
    from_numpy = convert_state_dict({k: v.numpy() for k, v in t_net.state_dict().items()}, PaddleNet())
    assert list(from_torch) == list(from_numpy)
    for k in from_torch:
        np.testing.assert_array_equal(from_torch[k], from_numpy[k])


def test_dtypes_are_kept():
    class Holder(paddle.nn.Layer):
        def __init__(self) -> None:
            super().__init__()
            self.a = self.create_parameter([2], dtype="float64")
            self.b = self.create_parameter([2], dtype="float16")
            self.register_buffer("c", paddle.zeros([3], dtype="int64"))
            self.register_buffer("d", paddle.zeros([2], dtype="bool"))

    sd = {
        "a": np.array([1.0 + 1e-12, 2.0], np.float64),
        "b": np.array([0.1, 65504.0], np.float16),
        "c": np.array([2**40, -1, 3], np.int64),
        "d": np.array([True, False]),
    }
    out = convert_state_dict(sd, Holder(), strict=True)
    for key, value in sd.items():
        assert out[key].dtype == value.dtype
        np.testing.assert_array_equal(out[key], value)
    torch_bf16 = {"a": torch.tensor([1.5, -2.25], dtype=torch.bfloat16)}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        report = convert_state_dict_report(torch_bf16, None, rules={})
    assert report.state_dict["a"].dtype == np.float32
    assert report.state_dict["a"].tolist() == [1.5, -2.25]
    assert any("bfloat16" in n for n in report.notes)


# --------------------------------------------------------------------------------------------
# Partial loading


def test_shape_mismatch_names_the_key_and_both_shapes():
    t_net = _torch_net()
    p_net = PaddleNet(classes=7)
    report = convert_state_dict_report(t_net.state_dict(), p_net)
    messages = [m.message() for m in report.mismatched]
    assert messages == [
        "shape mismatch for fc.weight: checkpoint has (4, 4), transposed for Paddle to (4, 4), model expects (4, 7)",
        "shape mismatch for fc.bias: checkpoint has (4,), model expects (7,)",
    ]
    assert "fc.weight" not in report.state_dict and "fc.bias" not in report.state_dict
    assert report.missing == [] and report.unexpected == []
    with pytest.raises(WeightConversionError, match=r"fc\.bias: checkpoint has \(4,\), model expects \(7,\)"):
        convert_state_dict(t_net.state_dict(), p_net, strict=True)


def test_missing_and_unexpected_keys_are_reported():
    sd = _torch_net().state_dict()
    del sd["fc.weight"]
    sd["extra.weight"] = torch.ones(3)
    report = convert_state_dict_report(sd, PaddleNet(), match_by_order=False)
    assert report.missing == ["fc.weight"]
    assert report.unexpected == ["extra.weight"]
    with pytest.raises(WeightConversionError) as info:
        convert_state_dict(sd, PaddleNet(), strict=True)
    assert "missing in checkpoint: fc.weight" in str(info.value)
    assert "unexpected in checkpoint: extra.weight" in str(info.value)


def test_renamed_layers_match_by_order_and_shape():
    t_net = _torch_net()
    p_net = PaddleRenamed()
    report = convert_state_dict_report(t_net.state_dict(), p_net)
    assert report.ok, report.summary()
    assert report.matched_by_order[:2] == [("conv.weight", "stem.weight"), ("conv.bias", "stem.bias")]
    assert ("bn.running_mean", "norm._mean") in report.matched_by_order
    assert sorted(report.transposed) == ["head.weight", "mid.weight"]
    assert "bn.num_batches_tracked" in report.dropped
    p_net.set_state_dict(report.state_dict)
    t, p = _outputs(t_net, p_net)
    np.testing.assert_allclose(p, t, rtol=1e-5, atol=1e-6)
    # Without the fallback, nothing fits by name.
    strict_names = convert_state_dict_report(t_net.state_dict(), p_net, match_by_order=False)
    assert len(strict_names.missing) == len(p_net.state_dict())


def test_order_fallback_does_not_pair_different_leaves_or_shapes():
    # bias and BatchNorm weight have the same shape: leaf names keep them apart.
    sd = collections.OrderedDict(
        [("a.weight", np.ones((4, 3, 3, 3), np.float32)), ("a.bias", np.full(4, 2.0, np.float32))]
    )

    class OnlyBias(paddle.nn.Layer):
        def __init__(self) -> None:
            super().__init__()
            self.norm = paddle.nn.BatchNorm2D(4)

    report = convert_state_dict_report(sd, OnlyBias())
    assert report.matched_by_order == [("a.bias", "norm.bias")]
    assert "a.weight" in report.unexpected
    assert set(report.missing) == {"norm.weight", "norm._mean", "norm._variance"}


def test_without_a_model_only_table_renames_apply_with_a_warning():
    sd = _torch_net().state_dict()
    with pytest.warns(UserWarning, match="NOT transposed"):
        report = convert_state_dict_report(sd, None)
    out = report.state_dict
    assert "bn._mean" in out and "bn._variance" in out and "bn.num_batches_tracked" not in out
    assert "conv.weight" in out and "proj.weight" in out  # plain layers keep their names
    np.testing.assert_array_equal(out["proj.weight"], sd["proj.weight"].numpy())  # not transposed
    with pytest.raises(WeightConversionError, match="no Paddle model given"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        convert_state_dict(sd, None, strict=True)


def test_without_a_model_conflicting_rules_leave_names_alone():
    rules = {
        "BatchNorm2D": WeightRule({"running_mean": "_mean"}, ("num_batches_tracked",), ()),
        "Odd": WeightRule({"running_mean": "mu"}, (), ()),
    }
    sd = {"bn.running_mean": np.zeros(2), "bn.num_batches_tracked": np.array(3)}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        report = convert_state_dict_report(sd, None, rules=rules)
    assert list(report.state_dict) == ["bn.running_mean"]
    assert any("maps it differently" in w for w in report.warnings)


# --------------------------------------------------------------------------------------------
# Real models: torchvision ResNet / SqueezeNet against their translations


@pytest.fixture(scope="module")
def resnet_modules(tmp_path_factory):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tv = load_torchvision_module("resnet")
        pd = load_translated_module(tv.__file__, tmp_path_factory.mktemp("resnet"))
    return tv, pd


@pytest.fixture(scope="module")
def squeezenet_modules(tmp_path_factory):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tv = load_torchvision_module("squeezenet")
        pd = load_translated_module(tv.__file__, tmp_path_factory.mktemp("squeezenet"))
    return tv, pd


def _shape_only_state_dict(factory, **kwargs):
    """The factory's state dict as unallocated arrays (torch builds it on the meta device)."""
    with torch.device("meta"):
        model = factory(**kwargs)
    return {k: np.empty(tuple(v.shape), dtype=np.float32) for k, v in model.state_dict().items()}


RESNETS = [
    "resnet18", "resnet34", "resnet50", "resnet101", "resnet152",
    "resnext50_32x4d", "resnext101_32x8d", "resnext101_64x4d",
    "wide_resnet50_2", "wide_resnet101_2",
]


@pytest.mark.parametrize("name", RESNETS)
def test_every_resnet_factory_maps_without_missing_or_unexpected_keys(resnet_modules, name):
    tv, pd = resnet_modules
    sd = _shape_only_state_dict(getattr(tv, name))
    with paddle.LazyGuard():
        p_model = getattr(pd, name)()
    report = convert_state_dict_report(sd, p_model, strict=True, match_by_order=False)
    assert report.ok and not report.matched_by_order
    assert report.transposed == ["fc.weight"]


@pytest.mark.parametrize("name", ["squeezenet1_0", "squeezenet1_1"])
def test_every_squeezenet_factory_maps_without_missing_or_unexpected_keys(squeezenet_modules, name):
    tv, pd = squeezenet_modules
    sd = _shape_only_state_dict(getattr(tv, name))
    with paddle.LazyGuard():
        p_model = getattr(pd, name)()
    report = convert_state_dict_report(sd, p_model, strict=True, match_by_order=False)
    assert report.ok and not report.matched_by_order


def test_resnet50_backbone_without_fc_loads_what_fits(resnet_modules):
    tv, pd = resnet_modules
    sd = _shape_only_state_dict(tv.resnet50)
    backbone = {k: v for k, v in sd.items() if not k.startswith("fc.")}
    with paddle.LazyGuard():
        p_model = pd.resnet50()
    report = convert_state_dict_report(backbone, p_model)
    assert report.missing == ["fc.weight", "fc.bias"]
    assert report.unexpected == [] and report.mismatched == [] and report.matched_by_order == []
    assert len(report.state_dict) == len(p_model.state_dict()) - 2
    # A new head of another size: the head mismatches, the backbone loads.
    with paddle.LazyGuard():
        p10 = pd.resnet50(num_classes=10)
    report = convert_state_dict_report(sd, p10)
    assert [m.message() for m in report.mismatched] == [
        "shape mismatch for fc.weight: checkpoint has (1000, 2048), transposed for Paddle to (2048, 1000), "
        "model expects (2048, 10)",
        "shape mismatch for fc.bias: checkpoint has (1000,), model expects (10,)",
    ]


def test_resnet18_checkpoint_to_pdparams_gives_matching_outputs(resnet_modules, tmp_path):
    tv, pd = resnet_modules
    torch.manual_seed(0)
    t_model = tv.resnet18().eval()
    with torch.no_grad():
        for m in t_model.modules():
            if isinstance(m, torch.nn.BatchNorm2d):
                m.running_mean.normal_(0, 0.1)
                m.running_var.uniform_(0.5, 1.5)
    ckpt = tmp_path / "resnet18.pth"
    torch.save({"state_dict": t_model.state_dict(), "epoch": 90}, ckpt)
    model_file = tmp_path / "model.py"
    model_file.write_text(Path(pd.__file__).read_text(encoding="utf-8"), encoding="utf-8")
    out = tmp_path / "resnet18.pdparams"
    assert main_convert_weights([str(ckpt), "-o", str(out), "--model", f"{model_file}:resnet18", "--strict"]) == 0
    p_model = pd.resnet18()
    missing, unexpected = p_model.set_state_dict(paddle.load(str(out)))
    assert not missing and not unexpected
    x = np.random.default_rng(0).standard_normal((1, 3, 64, 64), dtype=np.float32)
    p_model.eval()
    with torch.no_grad():
        t = t_model(torch.from_numpy(x)).numpy()
    with paddle.no_grad():
        p = p_model(paddle.to_tensor(x)).numpy()
    np.testing.assert_allclose(p, t, rtol=1e-5, atol=1e-5)


# --------------------------------------------------------------------------------------------
# .pdparams and the CLI


def test_pdparams_round_trip_through_paddle_load(tmp_path):
    sd = {
        "w": np.random.default_rng(0).standard_normal((3, 4)).astype(np.float32),
        "t": np.arange(6, dtype=np.float32).reshape(2, 3).T,  # non-contiguous
        "i": np.array([1, 2], np.int64),
        "s": np.array(2.5, np.float32),
        "e": np.zeros((0, 2), np.float32),
    }
    path = tmp_path / "x.pdparams"
    save_pdparams(sd, path)
    loaded = paddle.load(str(path), return_numpy=True)
    assert list(loaded) == list(sd)
    for k, v in sd.items():
        assert loaded[k].dtype == v.dtype and loaded[k].shape == v.shape
        np.testing.assert_array_equal(loaded[k], v)
    as_tensors = paddle.load(str(path))
    assert isinstance(as_tensors["w"], paddle.Tensor)


def test_pdparams_pickle_names_only_numpy_ndarray(tmp_path):
    # numpy 2's default pickles name numpy._core, which numpy 1 (paddle 2.6 setups) cannot import.
    seen = set()

    class Spy(pickle.Unpickler):
        def find_class(self, module, name):
            seen.add((module, name))
            return super().find_class(module, name)

    path = tmp_path / "x.pdparams"
    save_pdparams({"w": np.ones((2, 2), np.float32), "b": np.zeros(3, bool)}, path)
    with open(path, "rb") as f:
        Spy(f).load()
    assert seen == {("numpy", "ndarray")}


def test_failed_write_leaves_nothing(tmp_path):
    path = tmp_path / "x.pdparams"
    with pytest.raises(pickle.PicklingError):
        save_pdparams({"bad": np.array([object()])}, path)
    assert list(tmp_path.iterdir()) == []


def _paddle_net_file(tmp_path: Path) -> Path:
    path = tmp_path / "pnet.py"
    path.write_text(
        textwrap.dedent(
            """
            import paddle

            class Net(paddle.nn.Layer):
                def __init__(self, classes=4):
                    super().__init__()
                    self.conv = paddle.nn.Conv2D(3, 4, 3, padding=1)
                    self.bn = paddle.nn.BatchNorm2D(4)
                    self.proj = paddle.nn.Linear(4, 4)
                    self.fc = paddle.nn.Linear(4, classes)

            def build(classes=4):
                return Net(classes)
            """
        ),
        encoding="utf-8",
    )
    return path


def test_cli_converts_with_a_model(tmp_path, capsys):
    t_net = _torch_net()
    ckpt = tmp_path / "net.pth"
    torch.save(t_net.state_dict(), ckpt)
    out = tmp_path / "net.pdparams"
    model = _paddle_net_file(tmp_path)
    assert main_convert_weights([str(ckpt), "-o", str(out), "--model", f"{model}:build", "--strict"]) == 0
    loaded = paddle.load(str(out), return_numpy=True)
    np.testing.assert_array_equal(loaded["fc.weight"], t_net.fc.weight.detach().numpy().T)
    assert "transposed 2" in capsys.readouterr().err


def test_cli_strict_problem_exits_1_and_writes_nothing(tmp_path, capsys):
    ckpt = tmp_path / "net.pth"
    torch.save(_torch_net().state_dict(), ckpt)
    out = tmp_path / "net.pdparams"
    model = _paddle_net_file(tmp_path)
    argv = [str(ckpt), "-o", str(out), "--model", f"{model}:build", "--kwargs", '{"classes": 9}']
    assert main_convert_weights(argv + ["--strict"]) == 1
    assert not out.exists()
    err = capsys.readouterr().err
    assert "shape mismatch for fc.bias: checkpoint has (4,), model expects (9,)" in err
    # Without --strict: what fits is written, the problems are reported.
    assert main_convert_weights(argv) == 0
    assert set(paddle.load(str(out), return_numpy=True)) == {
        "conv.weight", "conv.bias", "bn.weight", "bn.bias", "bn._mean", "bn._variance", "proj.weight", "proj.bias",
    }


@pytest.mark.parametrize("damage", ["truncate", "garbage"])
def test_cli_corrupt_checkpoint_exits_2_and_writes_nothing(tmp_path, capsys, damage):
    ckpt = tmp_path / "net.pth"
    torch.save(_torch_net().state_dict(), ckpt)
    data = ckpt.read_bytes()
    ckpt.write_bytes(data[: len(data) // 2] if damage == "truncate" else b"\x80\x02garbage" + data[10:200])
    out = tmp_path / "net.pdparams"
    assert main_convert_weights([str(ckpt), "-o", str(out)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and err.startswith(f"torch2paddle: error: {ckpt}: ")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["net.pth"]


def test_cli_bad_arguments_exit_2(tmp_path):
    ckpt = tmp_path / "net.pth"
    torch.save(_torch_net().state_dict(), ckpt)
    out = str(tmp_path / "o.pdparams")
    assert main_convert_weights([str(ckpt)]) == 2  # no -o
    assert main_convert_weights([str(ckpt), "-o", out, "--model", "nope.py:build"]) == 2
    assert main_convert_weights([str(ckpt), "-o", out, "--model", "no_colon.py"]) == 2
    assert main_convert_weights([str(ckpt), "-o", out, "--kwargs", "[1]"]) == 2
    assert main_convert_weights([str(tmp_path / "missing.pth"), "-o", out]) == 2
    assert not os.path.exists(out)


def test_cli_without_torch(tmp_path):
    ckpt = tmp_path / "net.pth"
    torch.save(_torch_net().state_dict(), ckpt)
    out = tmp_path / "net.pdparams"
    code = (
        "import sys; from translator.weights.cli import main_convert_weights\n"
        f"rc = main_convert_weights([{str(ckpt)!r}, '-o', {str(out)!r}])\n"
        "assert rc == 0, rc\n"
        "assert 'torch' not in sys.modules, 'torch was imported'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=REPO, capture_output=True)
    assert "bn._mean" in paddle.load(str(out), return_numpy=True)


def _paddle26_python() -> Path | None:
    """The Paddle 2.6 + numpy 1 environment scripts/paddle_compat.py caches, if it exists."""
    if os.environ.get("TORCH2PADDLE_CACHE"):
        cache = Path(os.environ["TORCH2PADDLE_CACHE"])
    else:
        cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "torch2paddle"
    found = sorted(cache.glob("venv-paddle-2.6*/bin/python"))
    return found[0] if found else None


@pytest.mark.skipif(_paddle26_python() is None, reason="no cached Paddle 2.6 environment (see scripts/paddle_compat.py)")
def test_pdparams_and_reader_on_paddle_26_with_numpy_1(tmp_path):
    t_net = _torch_net()
    ckpt = tmp_path / "net.pth"
    torch.save({"model": t_net.state_dict()}, ckpt, _use_new_zipfile_serialization=False)
    pdparams = tmp_path / "net.pdparams"
    save_pdparams(convert_state_dict(t_net.state_dict(), PaddleNet()), pdparams)
    expected = tmp_path / "expected.npy"
    np.save(expected, t_net.fc.weight.detach().numpy().T)
    code = textwrap.dedent(
        f"""
        import numpy as np, paddle
        assert paddle.__version__.startswith("2.6") and np.__version__.startswith("1."), paddle.__version__
        from translator.weights.checkpoint import load_checkpoint
        from translator.weights import convert_state_dict
        fc = paddle.nn.Linear(4, 4)
        # written by numpy 2 in the main environment
        state = paddle.load({str(pdparams)!r})
        assert fc.set_state_dict({{"weight": state["fc.weight"], "bias": state["fc.bias"]}}) == ([], [])
        np.testing.assert_array_equal(fc.weight.numpy(), np.load({str(expected)!r}))
        # read and converted under numpy 1
        sd = load_checkpoint({str(ckpt)!r})
        out = convert_state_dict({{"weight": sd["fc.weight"], "bias": sd["fc.bias"]}}, fc, strict=True)
        np.testing.assert_array_equal(out["weight"], np.load({str(expected)!r}))
        print("ok")
        """
    )
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    result = subprocess.run([str(_paddle26_python()), "-c", code], capture_output=True, text=True, env=env, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.strip().endswith("ok")
