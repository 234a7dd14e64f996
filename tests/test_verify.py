"""verify(): output comparison, locating the first diverging layer, --init, and the verify CLI."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import warnings
from pathlib import Path

import numpy as np
import paddle
import pytest
import torch

from translator.verify import (
    compare_init,
    load_torchvision_module,
    main_verify,
    make_inputs,
    randomize_bn_stats,
    verify,
)

REPO = Path(__file__).resolve().parents[1]


# --------------------------------------------------------------------------------------------
# A small hand-written torch/Paddle pair, written to files so the CLI can import them


TORCH_SRC = """
import torch
from torch import nn


class Net(nn.Module):
    def __init__(self, classes=5, wide=8):
        super().__init__()
        self.conv = nn.Conv2d(3, wide, 3, padding=1)
        self.bn = nn.BatchNorm2d(wide)
        self.relu = nn.ReLU(inplace=True)
        self.fc = nn.Linear(wide, classes)
        nn.init.normal_(self.conv.weight, 0.0, 0.02)
        nn.init.zeros_(self.conv.bias)
        nn.init.normal_(self.fc.weight, 0.0, 0.01)
        nn.init.zeros_(self.fc.bias)

    def forward(self, x):
        x = self.relu(self.bn(self.conv(x)))
        x = torch.flatten(nn.functional.adaptive_avg_pool2d(x, 1), 1)
        return self.fc(x)


class TwoHeads(Net):
    def forward(self, x):
        x = self.relu(self.bn(self.conv(x)))
        x = torch.flatten(nn.functional.adaptive_avg_pool2d(x, 1), 1)
        return self.fc(x), {"features": x, "logits": self.fc(x)}


def net(**kwargs):
    return Net(**kwargs)


def two_heads(**kwargs):
    return TwoHeads(**kwargs)


def broken_on_purpose(**kwargs):
    raise RuntimeError("factory fails")


class Cancel(nn.Module):
    # Loses precision on purpose: in float32, (x + 1e4) - 1e4 keeps about 3 decimals of x.

    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 4)

    def forward(self, x):
        return self.fc((x + 1e4) - 1e4)


def cancel(**kwargs):
    return Cancel()
"""

PADDLE_SRC = """
import paddle
from paddle import nn


class Net(nn.Layer):
    def __init__(self, classes=5, wide=8, eps=1e-5, scale=1.0, init="normal"):
        super().__init__()
        self.conv = nn.Conv2D(3, wide, 3, padding=1)
        self.bn = nn.BatchNorm2D(wide, epsilon=eps)
        self.relu = nn.ReLU()
        self.fc = nn.Linear(wide, classes)
        self.scale = scale
        if init == "normal":
            nn.initializer.Normal(0.0, 0.02)(self.conv.weight)
        else:  # a uniform initializer with the same standard deviation
            a = 0.02 * 3 ** 0.5
            nn.initializer.Uniform(-a, a)(self.conv.weight)
        nn.initializer.Constant(0.0)(self.conv.bias)
        nn.initializer.Normal(0.0, 0.01)(self.fc.weight)
        nn.initializer.Constant(0.0)(self.fc.bias)

    def forward(self, x):
        x = self.relu(self.bn(self.conv(x)))
        x = paddle.flatten(nn.functional.adaptive_avg_pool2d(x, 1), 1)
        return self.fc(x * self.scale)


class TwoHeads(Net):
    def __init__(self, classes=5, wide=8, feature_shift=0.0):
        super().__init__(classes, wide)
        self.feature_shift = feature_shift

    def forward(self, x):
        x = self.relu(self.bn(self.conv(x)))
        x = paddle.flatten(nn.functional.adaptive_avg_pool2d(x, 1), 1)
        return self.fc(x), {"features": x + self.feature_shift, "logits": self.fc(x)}


def net(**kwargs):
    return Net(**kwargs)


def bad_eps(**kwargs):
    return Net(eps=1e-1, **kwargs)


def bad_scale(**kwargs):
    return Net(scale=1.01, **kwargs)


def bad_init(**kwargs):
    return Net(init="uniform", **kwargs)


def two_heads(**kwargs):
    return TwoHeads(**kwargs)


def two_heads_bad(**kwargs):
    return TwoHeads(feature_shift=0.5, **kwargs)


def bigger(**kwargs):
    return Net(wide=9, **kwargs)


class Cancel(nn.Layer):
    def __init__(self, pinned=False):
        super().__init__()
        self.fc = nn.Linear(4, 4)
        self.pinned = pinned

    def forward(self, x):
        if self.pinned:  # a float32 constant that cannot follow the model to float64
            x = paddle.matmul(x, paddle.eye(4, dtype="float32"))
        return self.fc(x)


def cancel(**kwargs):
    return Cancel()


def cancel_pinned(**kwargs):
    return Cancel(pinned=True)
"""


@pytest.fixture(scope="module")
def pair(tmp_path_factory):
    folder = tmp_path_factory.mktemp("pair")
    (folder / "tnet.py").write_text(TORCH_SRC, encoding="utf-8")
    (folder / "pnet.py").write_text(PADDLE_SRC, encoding="utf-8")
    return folder / "tnet.py", folder / "pnet.py"


def _models(pair, t_name="net", p_name="net"):
    from translator.verify import load_module_from_file

    t_mod = load_module_from_file(pair[0])
    p_mod = load_module_from_file(pair[1])
    torch.manual_seed(0)
    t_model = getattr(t_mod, t_name)()
    randomize_bn_stats(t_model, 0)
    return t_model, getattr(p_mod, p_name)()


def _input():
    return make_inputs([(2, 3, 16, 16)], seed=0)


# --------------------------------------------------------------------------------------------
# verify()


def test_matching_port(pair):
    t_model, p_model = _models(pair)
    report = verify(t_model, p_model, _input())
    assert report.match, report.format_table()
    assert report.params_torch == report.params_paddle == 8 * 3 * 9 + 8 + 16 + 8 * 5 + 5
    assert report.flops_torch and report.flops_paddle
    assert report.time_torch_ms is not None and report.time_paddle_ms is not None
    assert report.weights["transposed"] == 1 and report.weights["renamed"] == 2
    assert report.outputs[0].max_abs < 1e-5
    table = report.format_table()
    assert "parameters" in table and "FLOPs" in table and "result: MATCH" in table


def test_documented_library_call_works_after_the_package_is_imported(pair):
    """``translator.verify(...)``: importing translator.verify (as this file does) makes the
    attribute the package; the package is callable, so the documented call still works."""
    import translator
    import translator.verify  # noqa: F401

    t_model, p_model = _models(pair)
    assert translator.verify(t_model, p_model, _input()).match


def test_first_diverging_layer_is_named_and_its_inputs_checked(pair):
    t_model, p_model = _models(pair, p_name="bad_eps")
    report = verify(t_model, p_model, _input())
    assert not report.match
    div = report.first_divergence
    assert div is not None and div.name == "bn" and div.inputs_agree is True
    assert (div.torch_type, div.paddle_type) == ("BatchNorm2d", "BatchNorm2D")
    assert div.max_abs > 1e-3
    assert "first diverging layer: bn " in report.format_table()


def test_difference_between_layers_is_attributed_to_the_next_layer(pair):
    # The port scales the features before fc in plain code: fc's inputs already differ.
    t_model, p_model = _models(pair, p_name="bad_scale")
    report = verify(t_model, p_model, _input())
    assert not report.match
    assert report.first_divergence.name == "fc"
    assert report.first_divergence.inputs_agree is False


def test_tuple_and_dict_outputs_are_compared_leaf_by_leaf(pair):
    t_model, p_model = _models(pair, "two_heads", "two_heads")
    report = verify(t_model, p_model, _input())
    assert report.match, report.format_table()
    assert [leaf.path for leaf in report.outputs] == ["out[0]", "out[1]['features']", "out[1]['logits']"]

    t_model, p_model = _models(pair, "two_heads", "two_heads_bad")
    report = verify(t_model, p_model, _input())
    assert not report.match
    assert {leaf.path: leaf.ok for leaf in report.outputs} == {
        "out[0]": True, "out[1]['features']": False, "out[1]['logits']": True,
    }


def test_float32_rounding_is_told_from_a_real_difference(pair):
    x = [np.random.default_rng(0).standard_normal((3, 4), dtype=np.float32)]
    t_model, p_model = _models(pair, "cancel", "cancel")
    report = verify(t_model, p_model, x)
    leaf = report.outputs[0]
    assert leaf.max_abs > 1e-4 and leaf.float64_max_abs < 1e-9
    assert report.match and report.precision == "float64" and leaf.ok
    assert "float64" in report.format_table()
    assert next(t_model.parameters()).dtype == torch.float32  # the caller's models stay float32

    # A port that cannot run in float64 is judged on its float32 outputs.
    t_model, p_model = _models(pair, "cancel", "cancel_pinned")
    report = verify(t_model, p_model, x)
    assert not report.match and report.precision == "float32"
    assert any("could not re-run in float64" in n for n in report.notes)


def test_weights_that_do_not_fit_are_a_mismatch(pair):
    t_model, p_model = _models(pair, p_name="bigger")
    report = verify(t_model, p_model, _input(), locate=False)
    assert not report.match
    assert any("shape mismatch for conv.weight" in p for p in report.weights["problems"])


def test_randomize_bn_stats_is_deterministic_and_non_trivial(pair):
    a, _ = _models(pair)
    b, _ = _models(pair)
    assert torch.equal(a.bn.running_mean, b.bn.running_mean)
    assert torch.equal(a.bn.running_var, b.bn.running_var)
    assert not torch.equal(a.bn.running_mean, torch.zeros(8))
    assert float(a.bn.running_var.min()) >= 0.5 and not torch.equal(a.bn.weight, torch.ones(8))


# --------------------------------------------------------------------------------------------
# --init


def test_init_check_passes_for_a_faithful_port(pair):
    from translator.verify import load_module_from_file

    torch.manual_seed(0)
    t_model = load_module_from_file(pair[0]).net(wide=64)
    p_model = load_module_from_file(pair[1]).net(wide=64)
    report = compare_init(t_model, p_model)
    assert report.match, report.format_table()
    kinds = {p.name: p.kind for p in report.params}
    assert kinds["conv.weight"] == "random" and kinds["bn._variance"] == "constant"


def test_init_check_catches_a_uniform_for_a_normal(pair):
    from translator.verify import load_module_from_file

    torch.manual_seed(0)
    t_model = load_module_from_file(pair[0]).net(wide=64)
    p_model = load_module_from_file(pair[1]).bad_init(wide=64)
    report = compare_init(t_model, p_model)
    assert not report.match
    bad = [p for p in report.params if not p.ok]
    assert [p.name for p in bad] == ["conv.weight"]
    assert "kurtosis" in bad[0].problem


def test_init_check_catches_a_wrong_constant(pair):
    from translator.verify import load_module_from_file

    torch.manual_seed(0)
    t_model = load_module_from_file(pair[0]).net()
    p_model = load_module_from_file(pair[1]).net()
    paddle.nn.initializer.Constant(0.5)(p_model.bn.bias)
    report = compare_init(t_model, p_model)
    assert [(p.name, p.problem) for p in report.params if not p.ok] == [
        ("bn.bias", "torch is constant 0.0, paddle differs")
    ]


def test_cli_init(pair, capsys):
    t_file, p_file = pair
    argv = [f"{t_file}:net", "--kwargs", '{"wide": 64}', "--init"]
    assert main_verify(argv + ["--paddle", f"{p_file}:net"]) == 0
    assert main_verify(argv + ["--paddle", f"{p_file}:bad_init"]) == 1
    out = capsys.readouterr().out
    assert "conv.weight" in out and "kurtosis" in out and "result: MISMATCH" in out


# --------------------------------------------------------------------------------------------
# The CLI against hand-written ports


def test_cli_match_and_report(pair, tmp_path, capsys):
    t_file, p_file = pair
    report_file = tmp_path / "r.json"
    rc = main_verify([f"{t_file}:net", "--paddle", f"{p_file}:net", "--input-shape", "2,3,16,16",
                      "--kwargs", '{"classes": 3}', "--report", str(report_file)])
    assert rc == 0
    out = capsys.readouterr().out
    assert "result: MATCH" in out and "max abs diff" in out
    data = json.loads(report_file.read_text())
    assert data["match"] is True and data["input_shapes"] == [[2, 3, 16, 16]]
    assert data["outputs"][0]["torch_shape"] == [2, 3]
    assert data["params_torch"] == data["params_paddle"]


def test_cli_mismatch_names_the_layer(pair, tmp_path, capsys):
    t_file, p_file = pair
    report_file = tmp_path / "r.json"
    rc = main_verify([f"{t_file}:net", "--paddle", f"{p_file}:bad_eps", "--input-shape", "1,3,8,8",
                      "--report", str(report_file)])
    assert rc == 1
    assert "first diverging layer: bn " in capsys.readouterr().out
    assert json.loads(report_file.read_text())["first_divergence"]["name"] == "bn"


def test_cli_bad_input_exits_2(pair, tmp_path, capsys):
    t_file, p_file = pair
    shape = ["--input-shape", "1,3,8,8"]
    assert main_verify([f"{tmp_path / 'missing.py'}:net"] + shape) == 2
    assert main_verify([str(t_file)] + shape) == 2  # no factory
    assert main_verify([f"{t_file}:nothing_here", "--paddle", f"{p_file}:net"] + shape) == 2
    assert main_verify([f"{t_file}:net", "--paddle", f"{p_file}:net", "--kwargs", "{oops"] + shape) == 2
    assert main_verify([f"{t_file}:net", "--paddle", f"{tmp_path / 'nope.py'}:net"] + shape) == 2
    assert main_verify([f"{t_file}:net", "--paddle", f"{p_file}:net", "--input-shape", "a,b"]) == 2
    assert main_verify([f"{t_file}:broken_on_purpose", "--paddle", f"{p_file}:net"] + shape) == 2
    assert main_verify(["no_such_module_anywhere:net", "--paddle", f"{p_file}:net"] + shape) == 2
    # The torch model cannot take this input: bad input, not a mismatch.
    assert main_verify([f"{t_file}:net", "--paddle", f"{p_file}:net", "--input-shape", "1,4,8,8"]) == 2
    err = capsys.readouterr().err
    assert "no such file" in err and "nothing_here" in err and "--kwargs" in err


def test_cli_port_that_does_not_import_is_a_mismatch(pair, tmp_path):
    t_file, _ = pair
    port = tmp_path / "port.py"
    port.write_text("import paddle\nraise ImportError('half-finished port')\n", encoding="utf-8")
    report_file = tmp_path / "r.json"
    assert main_verify([f"{t_file}:net", "--paddle", f"{port}:net", "--report", str(report_file)]) == 1
    assert "half-finished port" in json.loads(report_file.read_text())["errors"][0]


# --------------------------------------------------------------------------------------------
# torchvision models, translated by translator.translate_source


def _tv_file(name: str) -> Path:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return Path(load_torchvision_module(name).__file__)


@pytest.mark.parametrize(
    "target, shape",
    [("resnet.py:resnet18", "1,3,64,64"), ("squeezenet.py:squeezenet1_0", "1,3,64,64")],
)
def test_cli_verifies_torchvision_translations(target, shape, capsys):
    module, factory = target.split(":")
    path = _tv_file(module[: -len(".py")])
    assert main_verify([f"{path}:{factory}", "--input-shape", shape]) == 0
    out = capsys.readouterr().out
    assert "result: MATCH" in out
    assert "missing 0, unexpected 0, mismatched 0" in out


def test_cli_dotted_module_target(capsys):
    assert main_verify(["torchvision.models.squeezenet:squeezenet1_1", "--input-shape", "1,3,48,48"]) == 0
    assert "result: MATCH" in capsys.readouterr().out


def test_cli_sample_with_relative_imports(capsys):
    # samples/torch_src/example_model.py does `from .resnet import resnet50`: the package is
    # imported as a package, and translated as one.
    argv = [str(REPO / "samples/torch_src/example_model.py:example_model"), "--input-shape", "1,3,32,32"]
    assert main_verify(argv) == 0
    assert "result: MATCH" in capsys.readouterr().out


def test_cli_sample_against_its_committed_port(capsys, monkeypatch):
    # Dotted targets are found from the current folder, as with `python -m`.
    monkeypatch.chdir(REPO)
    argv = ["samples.torch_src.resnet:resnet18", "--input-shape", "1,3,64,64",
            "--paddle", "samples.paddle_out.resnet:resnet18"]
    assert main_verify(argv) == 0
    assert "result: MATCH" in capsys.readouterr().out


def test_files_in_packages_import_with_relative_imports(tmp_path):
    from translator.verify import load_module_from_file

    for flavour in ("a", "b"):  # two packages with the same name must not clash
        pkg = tmp_path / flavour / "models"
        pkg.mkdir(parents=True)
        (pkg / "__init__.py").write_text("", encoding="utf-8")
        (pkg / "blocks.py").write_text(f"FLAVOUR = {flavour!r}\n", encoding="utf-8")
        (pkg / "net.py").write_text("from .blocks import FLAVOUR\n", encoding="utf-8")
    assert load_module_from_file(tmp_path / "a/models/net.py").FLAVOUR == "a"
    assert load_module_from_file(tmp_path / "b/models/net.py").FLAVOUR == "b"


@pytest.fixture(scope="module")
def resnet_translation(tmp_path_factory):
    from translator import translate_source

    path = _tv_file("resnet")
    code = translate_source(path.read_text(encoding="utf-8"), path=str(path)).code
    return tmp_path_factory.mktemp("broken"), path, code


@pytest.mark.parametrize(
    "original, broken, layer",
    [
        # the stem BatchNorm's epsilon (norm_layer is the torch-signature TorchBatchNorm2d)
        ("self.bn1 = norm_layer(self.inplanes)", "self.bn1 = norm_layer(self.inplanes, eps=1e-2)", "bn1"),
        # the stem max-pool's padding
        ("nn.MaxPool2D(kernel_size=3, stride=2, padding=1)", "nn.MaxPool2D(kernel_size=3, stride=2, padding=0)", "maxpool"),
        # the stem convolution's stride
        ("kernel_size=7, stride=2, padding=3", "kernel_size=7, stride=1, padding=3", "conv1"),
    ],
    ids=["epsilon", "padding", "stride"],
)
def test_cli_broken_copy_of_a_translation(resnet_translation, original, broken, layer, capsys):
    folder, torch_file, code = resnet_translation
    assert code.count(original) == 1, f"the translation no longer contains {original!r}"
    port = folder / f"resnet_{layer}.py"
    port.write_text(code.replace(original, broken), encoding="utf-8")
    report_file = folder / f"{layer}.json"
    rc = main_verify([f"{torch_file}:resnet18", "--paddle", f"{port}:resnet18",
                      "--input-shape", "1,3,64,64", "--report", str(report_file)])
    assert rc == 1
    out = capsys.readouterr().out
    assert f"first diverging layer: {layer} [" in out
    data = json.loads(report_file.read_text())
    assert data["match"] is False and data["first_divergence"]["name"] == layer


def test_load_torchvision_module_in_a_fresh_interpreter():
    code = textwrap.dedent(
        """
        import warnings
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            from translator.verify import load_torchvision_module
            resnet = load_torchvision_module("resnet")
            squeezenet = load_torchvision_module("models.squeezenet")
        assert resnet.__name__ == "torchvision.models.resnet"
        assert squeezenet.__name__ == "torchvision.models.squeezenet"
        assert sum(p.numel() for p in resnet.resnet18().parameters()) == 11689512
        texts = [str(w.message) for w in caught if issubclass(w.category, RuntimeWarning)]
        try:
            import torch; torch.ops.torchvision.nms.default
        except Exception:
            pass
        print("\\n".join(texts))
        """
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    # Where torchvision's compiled ops do not load (as here), the user is told.
    if "compiled ops" in result.stdout:
        assert "torchvision::nms" in result.stdout
