"""End to end: torchvision's own resnet.py and squeezenet.py, translated, weight-loaded, compared.

The torchvision files are read from the installed torchvision at run time; neither they nor
their translations are part of this repository.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap

import numpy as np
import pytest

from helpers import assert_outputs_close, import_torchvision_models, load_module_from_code, randomize, run_both, torch_to_paddle
from translator import translate_source

torch = pytest.importorskip("torch")
paddle = pytest.importorskip("paddle")

RESNETS = [
    "resnet18",
    "resnet34",
    "resnet50",
    "resnet101",
    "resnet152",
    "resnext50_32x4d",
    "resnext101_32x8d",
    "resnext101_64x4d",
    "wide_resnet50_2",
    "wide_resnet101_2",
]
SQUEEZENETS = ["squeezenet1_0", "squeezenet1_1"]


@pytest.fixture(scope="module")
def translated(tv_models_dir, tmp_path_factory):
    out = {}
    tmp = tmp_path_factory.mktemp("tv")
    for name in ("resnet", "squeezenet"):
        path = tv_models_dir / f"{name}.py"
        result = translate_source(path.read_text(encoding="utf-8"), path=str(path))
        assert result.status.value == "translated"
        assert not result.errors, [str(d) for d in result.errors]
        (tmp / f"pd_{name}.py").write_text(result.code, encoding="utf-8")
        out[name] = load_module_from_code(result.code, f"pd_{name}", tmp)
    out["dir"] = tmp
    return out


def test_translations_import_without_torch(translated):
    """The translated modules import in a process where torch and torchvision cannot be imported."""
    code = textwrap.dedent(
        f"""
        import importlib.abc, importlib.util, sys
        class Block(importlib.abc.MetaPathFinder):
            def find_spec(self, name, path, target=None):
                if name.split(".")[0] in ("torch", "torchvision"):
                    raise ImportError("blocked: " + name)
        sys.meta_path.insert(0, Block())
        for name in ("pd_resnet", "pd_squeezenet"):
            spec = importlib.util.spec_from_file_location(name, r"{translated['dir']}/" + name + ".py")
            mod = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(mod)
        assert "torch" not in sys.modules and "torchvision" not in sys.modules
        print("ok")
        """
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.strip().endswith("ok")


@pytest.mark.parametrize("factory", RESNETS + SQUEEZENETS)
def test_factory_matches_torch(translated, factory):
    module = "squeezenet" if factory.startswith("squeeze") else "resnet"
    tv = import_torchvision_models(module)
    kwargs = {"num_classes": 10}
    torch.manual_seed(0)
    t_model = getattr(tv, factory)(**kwargs)
    p_model = getattr(translated[module], factory)(**kwargs)
    randomize(t_model, seed=1)
    torch_to_paddle(t_model, p_model)
    size = 64 if module == "resnet" else 96
    x = np.random.default_rng(0).standard_normal((1, 3, size, size)).astype("float32")
    t_out, p_out = run_both(t_model, p_model, x)
    assert t_out.shape == p_out.shape == (1, 10)
    assert_outputs_close(p_out, t_out)


def test_factory_arguments_keep_working(translated):
    """groups/width_per_group, replace_stride_with_dilation, norm_layer, weights=None."""
    tv = import_torchvision_models("resnet")
    pd = translated["resnet"]
    kwargs = dict(num_classes=7, replace_stride_with_dilation=[False, True, True], weights=None)
    t_model = tv.resnet50(**kwargs)
    p_model = pd.resnet50(**kwargs)
    randomize(t_model, seed=2)
    torch_to_paddle(t_model, p_model)
    x = np.random.default_rng(1).standard_normal((1, 3, 48, 48)).astype("float32")
    t_out, p_out = run_both(t_model, p_model, x)
    assert_outputs_close(p_out, t_out)
    # a custom norm layer (Paddle's GroupNorm) reaches every block
    gn = pd.ResNet(pd.BasicBlock, [1, 1, 1, 1], norm_layer=lambda c: paddle.nn.GroupNorm(4, c))
    assert any(isinstance(m, paddle.nn.GroupNorm) for m in gn.sublayers())
    # the legacy interface: pretrained=False still accepted
    with pytest.warns(UserWarning):
        pd.resnet18(pretrained=False)


def test_weights_enums_keep_metadata(translated):
    pd = translated["resnet"]
    w = pd.ResNet50_Weights.IMAGENET1K_V2
    assert pd.ResNet50_Weights.DEFAULT is w
    assert len(w.meta["categories"]) == 1000 and w.meta["categories"][0] == "tench"
    assert w.meta["num_params"] == 25557032
    assert w.url.endswith(".pth")
    assert pd.ResNet50_Weights.verify("IMAGENET1K_V1") is pd.ResNet50_Weights.IMAGENET1K_V1
    assert translated["squeezenet"].squeezenet1_0.__name__ == "squeezenet1_0"
    with pytest.raises(RuntimeError, match="convert-weights"):
        pd.resnet18(weights=pd.ResNet18_Weights.IMAGENET1K_V1)
    t = w.transforms()
    img = paddle.rand([3, 300, 260])
    assert t(img).shape == [3, 224, 224]


def test_zero_init_residual_gives_exact_zeros(translated):
    pd = translated["resnet"]
    for factory, bn in (("resnet18", "bn2"), ("resnet50", "bn3")):
        model = getattr(pd, factory)(zero_init_residual=True)
        blocks = [m for m in model.sublayers() if type(m).__name__ in ("BasicBlock", "Bottleneck")]
        assert blocks
        for block in blocks:
            assert np.all(getattr(block, bn).weight.numpy() == 0.0)
        plain = getattr(pd, factory)()
        assert np.all(getattr(plain.layer1[0], bn).weight.numpy() == 1.0)


def test_initializers_match_torch_statistics(translated):
    """kaiming_normal_(fan_out, relu) for convs, constants for BN, squeezenet's normal/kaiming_uniform."""
    tv = import_torchvision_models("resnet")
    torch.manual_seed(0)
    paddle.seed(0)
    t_model = tv.resnet50()
    p_model = translated["resnet"].resnet50()
    t_params = dict(t_model.named_parameters())
    p_params = dict(p_model.named_parameters())
    for name in ("conv1.weight", "layer3.0.conv2.weight", "layer4.2.conv3.weight"):
        t, p = t_params[name].detach().numpy(), p_params[name].numpy()
        expected_std = (2.0 / (t.shape[0] * t.shape[2] * t.shape[3])) ** 0.5
        for arr in (t, p):
            assert abs(arr.mean()) < 4 * expected_std / arr.size ** 0.5
            assert abs(arr.std() / expected_std - 1) < 0.05, (name, arr.std(), expected_std)
    assert np.all(p_params["bn1.weight"].numpy() == 1.0) and np.all(p_params["bn1.bias"].numpy() == 0.0)

    tvs = import_torchvision_models("squeezenet")
    t_sq = tvs.squeezenet1_0()
    p_sq = translated["squeezenet"].squeezenet1_0()
    t_final = t_sq.classifier[1].weight.detach().numpy()
    p_final = p_sq.classifier[1].weight.numpy()
    for arr in (t_final, p_final):
        assert abs(arr.std() / 0.01 - 1) < 0.05
    t_conv = t_sq.features[0].weight.detach().numpy()
    p_conv = p_sq.features[0].weight.numpy()
    bound = (6.0 / (3 * 7 * 7)) ** 0.5  # kaiming_uniform_ default: gain sqrt(2), fan_in
    for arr in (t_conv, p_conv):
        assert arr.min() >= -bound and arr.max() <= bound
        assert abs(arr.std() / (bound / 3 ** 0.5) - 1) < 0.05
    assert np.all(p_sq.features[0].bias.numpy() == 0.0)


def test_translation_is_idempotent(tv_models_dir):
    for name in ("resnet", "squeezenet"):
        path = tv_models_dir / f"{name}.py"
        once = translate_source(path.read_text(encoding="utf-8"), path=str(path)).code
        twice = translate_source(once, path=str(path)).code
        assert twice == once


def test_untouched_lines_kept_byte_for_byte(tv_models_dir):
    """Every comment and docstring line of the input is still in the output."""
    for name in ("resnet", "squeezenet"):
        path = tv_models_dir / f"{name}.py"
        source = path.read_text(encoding="utf-8")
        out = translate_source(source, path=str(path)).code
        out_lines = set(out.splitlines())
        for line in source.splitlines():
            if line.strip().startswith("#") or '"""' in line:
                assert line in out_lines, line
