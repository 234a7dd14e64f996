"""Engine fixes found by the corpus harness (benchmarks/corpus.py) on torchvision's models.

* A library module's import that binds a name the file's own imports bind for something else
  (``from torchvision.transforms import functional as F`` in torchvision's presets, which the
  weights enums of the segmentation, video and optical-flow models carry, next to the file's
  ``import torch.nn.functional as F``) is renamed in the carried definitions; the file keeps
  its name.
* Inside a library's own code, a rule that swaps in Paddle's own implementation of a whole
  architecture (``torchvision.models.mobilenet_v3_large`` -> ``paddle.vision.models``) is not
  used: torchvision's segmentation builders call ``mobilenet_v3_large(dilated=True).features``
  and ``resnet50(replace_stride_with_dilation=...)``, which only torchvision's definitions have.
"""

from __future__ import annotations

import importlib.util
import textwrap

import numpy as np
import pytest

from translator import translate_source

pytestmark = pytest.mark.skipif(importlib.util.find_spec("torchvision") is None, reason="torchvision not installed")


def _translate(code: str):
    return translate_source(textwrap.dedent(code).lstrip("\n"))


def _load(code: str, tmp_path, name: str):
    path = tmp_path / f"{name}.py"
    path.write_text(code)
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# --------------------------------------------------------------- a library import's name clash --

CLASH = """
    import torch
    import torch.nn.functional as F
    from torchvision.transforms._presets import SemanticSegmentation


    def head(x):
        return F.relu(x) * 2


    preset = SemanticSegmentation(resize_size=None)
    """


def test_library_import_clashing_with_the_files_import_is_renamed():
    result = _translate(CLASH)
    assert not result.errors, [str(d) for d in result.errors]
    code = result.code
    assert "import paddle.nn.functional as F" in code
    assert "return F.relu(x) * 2" in code
    # the carried preset reaches torchvision's functional transforms through Paddle's, not `F`
    assert "class SemanticSegmentation(nn.Layer):" in code
    assert "paddle.vision.transforms.functional.normalize(" in code
    assert "torchvision" not in code.split("# --- end of translated definitions ---")[1]


def test_library_import_clash_runs_like_torch(tmp_path):
    torch = pytest.importorskip("torch")
    pytest.importorskip("paddle")
    import paddle

    module = _load(_translate(CLASH).code, tmp_path, "clash_out")
    x = np.random.default_rng(0).standard_normal((2, 5)).astype("float32")
    want = (torch.nn.functional.relu(torch.from_numpy(x)) * 2).numpy()
    np.testing.assert_allclose(module.head(paddle.to_tensor(x)).numpy(), want, rtol=1e-6, atol=1e-6)
    img = np.random.default_rng(1).random((3, 4, 4)).astype("float32")
    got = module.preset(paddle.to_tensor(img)).numpy()
    mean = np.array([0.485, 0.456, 0.406], "float32")[:, None, None]
    std = np.array([0.229, 0.224, 0.225], "float32")[:, None, None]
    np.testing.assert_allclose(got, (img - mean) / std, rtol=1e-5, atol=1e-5)


def test_library_import_meaning_the_same_is_not_renamed():
    """Unchanged look-alike: the file and the carried module both import ``nn`` from torch."""
    result = _translate("""
        import torch
        from torch import nn
        from torchvision.ops.misc import Permute

        p = nn.Sequential(Permute([0, 2, 3, 1]))
        """)
    assert not result.errors, [str(d) for d in result.errors]
    assert "nn_misc" not in result.code and "nn.Sequential(Permute([0, 2, 3, 1]))" in result.code


# ------------------------------------------- whole-architecture rules inside the library ------

SEG = """
    import torch
    from torchvision.models.segmentation.lraspp import lraspp_mobilenet_v3_large

    model = lraspp_mobilenet_v3_large(weights_backbone=None, num_classes=3)
    """


def test_library_code_carries_its_own_backbone_builder():
    result = _translate(SEG)
    assert not result.errors, [str(d) for d in result.errors]
    code = result.code
    # before: `from paddle.vision.models import mobilenet_v3_large`, whose model has no
    # `dilated` argument and no `.features`
    assert "paddle.vision.models" not in code
    assert "def mobilenet_v3_large(" in code and "class MobileNetV3(nn.Layer):" in code


def test_users_own_call_of_a_builder_still_uses_paddles_model():
    """Unchanged look-alike: the user's code (not the library's) keeps the rule."""
    result = _translate("""
        import torch
        from torchvision.models import mobilenet_v3_large

        model = mobilenet_v3_large(num_classes=10)
        """)
    assert "from paddle.vision.models import mobilenet_v3_large" in result.code
    assert "class MobileNetV3" not in result.code


FCN = """
    import torch
    from torchvision.models.segmentation.fcn import fcn_resnet50

    model = fcn_resnet50(weights_backbone=None, num_classes=3)
    """


def test_library_backbone_model_matches_torch(tmp_path):
    """fcn_resnet50 builds its backbone with ``resnet50(replace_stride_with_dilation=[False, True,
    True])``, which Paddle's resnet50 does not take: the carried torchvision definition runs."""
    torch = pytest.importorskip("torch")
    pytest.importorskip("paddle")
    from translator.targets import load_torchvision_module
    from translator.verify import make_inputs, randomize_bn_stats, verify

    result = _translate(FCN)
    assert "paddle.vision.models" not in result.code and "replace_stride_with_dilation" in result.code
    module = _load(result.code, tmp_path, "fcn_out")
    fcn_resnet50 = load_torchvision_module("models.segmentation.fcn").fcn_resnet50
    torch.manual_seed(0)
    torch_model = fcn_resnet50(weights_backbone=None, num_classes=3)
    arrays = make_inputs(((1, 3, 32, 32),), seed=0)
    randomize_bn_stats(torch_model, seed=0, inputs=[torch.from_numpy(a) for a in arrays])
    torch_model.eval()
    report = verify(torch_model, module.model, arrays, atol=1e-4, rtol=1e-4, count_flops=False)
    assert report.match, (report.errors, [d.problem for d in report.outputs])


# ------------------------------------------------ a package name bound over its submodule -----


def _features_package(tmp_path):
    """pretrainedmodels' layout: ``models/feats/__init__.py`` re-exports ``resx`` from its
    submodule ``models/feats/resx.py``, so ``from .feats import resx`` is the function."""
    pkg = tmp_path / "zoo"
    feats = pkg / "models" / "feats"
    feats.mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "models" / "__init__.py").write_text("")
    (feats / "__init__.py").write_text("from .resx import resx\n")
    (feats / "resx.py").write_text(
        "import torch.nn as nn\n\n\ndef resx(c):\n    return nn.Sequential(nn.Conv2d(c, 4, 3, padding=1), nn.ReLU())\n")
    return pkg


def test_name_the_package_rebinds_over_its_submodule_is_carried(tmp_path):
    pkg = _features_package(tmp_path)
    user = pkg / "models" / "net.py"
    user.write_text("import torch\nfrom .feats import resx\n\nnet = resx(3)\n")
    result = translate_source(user.read_text(), path=str(user))
    # before: "the module zoo.models.feats.resx is used as a whole here, which cannot be carried"
    assert not result.errors, [str(d) for d in result.errors]
    assert "def resx(c):" in result.code and "from .feats" not in result.code
    assert "nn.Conv2D(c, 4, 3, padding=1)" in result.code


def test_submodule_imported_as_a_module_is_still_a_module(tmp_path):
    """Unchanged look-alike: ``from . import feats`` (the package binds no ``feats``) used as
    ``feats.resx(...)`` is a module: its names are carried one by one."""
    pkg = _features_package(tmp_path)
    user = pkg / "models" / "net2.py"
    user.write_text("import torch\nfrom . import feats\n\nnet = feats.resx(3)\n")
    result = translate_source(user.read_text(), path=str(user))
    assert not result.errors, [str(d) for d in result.errors]
    assert "def resx(c):" in result.code and "net = resx(3)" in result.code


def test_carried_rebound_name_runs_like_torch(tmp_path):
    torch = pytest.importorskip("torch")
    pytest.importorskip("paddle")
    import paddle

    pkg = _features_package(tmp_path)
    user = pkg / "models" / "net3.py"
    user.write_text("import torch\nfrom .feats import resx\n\nnet = resx(3)\n")
    module = _load(translate_source(user.read_text(), path=str(user)).code, tmp_path, "net3_out")
    torch.manual_seed(0)
    conv = torch.nn.Conv2d(3, 4, 3, padding=1)
    module.net[0].weight.set_value(conv.weight.detach().numpy())
    module.net[0].bias.set_value(conv.bias.detach().numpy())
    x = np.random.default_rng(0).standard_normal((1, 3, 6, 6)).astype("float32")
    want = torch.relu(conv(torch.from_numpy(x))).detach().numpy()
    np.testing.assert_allclose(module.net(paddle.to_tensor(x)).numpy(), want, rtol=1e-5, atol=1e-5)


# ------------------------------------------- an unsupported argument spelled as its default ----


def test_unsupported_argument_repeating_its_default_is_dropped():
    """bninception's ``nn.MaxPool2d((3, 3), stride=(2, 2), dilation=(1, 1), ceil_mode=True)``:
    ``(1, 1)`` is torch's ``dilation=1`` for each dimension, which Paddle's pool computes."""
    result = _translate("""
        import torch.nn as nn
        a = nn.MaxPool2d((3, 3), stride=(2, 2), dilation=(1, 1), ceil_mode=True)
        b = nn.MaxPool2d(3, dilation=[1, 1])
        """)
    assert "a = nn.MaxPool2D((3, 3), stride=(2, 2), ceil_mode=True)" in result.code
    assert "b = nn.MaxPool2D(3)" in result.code
    assert not result.errors, [str(d) for d in result.errors]


def test_unsupported_argument_other_than_its_default_is_still_refused():
    for value in ("(1, 2)", "(2, 2)", "[1, True]", "d"):
        result = _translate(f"""
            import torch.nn as nn
            pool = nn.MaxPool2d(3, dilation={value})
            """)
        assert f"torch.nn.MaxPool2d(3, dilation={value})" in result.code, value
        assert any("dilation" in d.message for d in result.errors), value


def test_pool_with_repeated_default_dilation_runs_like_torch():
    torch = pytest.importorskip("torch")
    pytest.importorskip("paddle")
    import paddle

    code = _translate("""
        import torch.nn as nn
        pool = nn.MaxPool2d((3, 3), stride=(2, 2), dilation=(1, 1), ceil_mode=True)
        """).code
    scope: dict = {}
    exec(code, scope)
    x = np.random.default_rng(0).standard_normal((1, 2, 8, 8)).astype("float32")
    want = torch.nn.MaxPool2d((3, 3), stride=(2, 2), dilation=(1, 1), ceil_mode=True)(torch.from_numpy(x)).numpy()
    np.testing.assert_allclose(scope["pool"](paddle.to_tensor(x)).numpy(), want)


# ------------------------------------------------------- the harness's rounding note -----------


def test_corpus_torch_noise_is_torchs_own_float32_rounding():
    torch = pytest.importorskip("torch")
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
    import corpus

    torch.manual_seed(0)
    small = torch.nn.Sequential(torch.nn.Linear(8, 8), torch.nn.Tanh()).eval()
    x = [np.random.default_rng(0).standard_normal((2, 8)).astype("float32")]
    noise = corpus._torch_noise(small, x)
    assert noise is not None and 0 <= noise < 1e-5
    # a network that multiplies its input by 1e6 shows float32 rounding at that scale
    big = torch.nn.Linear(8, 8).eval()
    with torch.no_grad():
        big.weight.mul_(1e6)
    assert corpus._torch_noise(big, x) > 1e-3
    assert corpus._torch_noise(lambda *a: 1 / 0, x) is None


# ------------------------------------- torchvision's image functions give what they are given --

VIDEO = """
    import torch
    import torchvision.transforms.functional as TF


    def prep(vid: torch.Tensor, mean, std):
        n, t, c, h, w = vid.shape
        vid = TF.normalize(vid.reshape(-1, c, h, w), mean=mean, std=std)
        vid = vid.view(n, t, c, h, w)
        return vid.permute(0, 2, 1, 3, 4)
    """


def test_image_function_of_a_tensor_gives_a_tensor():
    """torchvision's VideoClassification preset (carried with every video model's weights):
    ``vid = F.normalize(vid, ...)`` then ``vid.view(...)``; before, "the receiver is not known"."""
    result = _translate(VIDEO)
    assert not result.diagnostics, [str(d) for d in result.diagnostics]
    assert "vid = vid.reshape([n, t, c, h, w])" in result.code
    assert "return vid.transpose([0, 2, 1, 3, 4])" in result.code


def test_image_function_of_something_else_is_not_a_tensor():
    """Unchanged look-alikes: a PIL image (or anything not known to be a tensor) in, and the
    functions that give something other than an image (to_pil_image, get_image_size)."""
    result = _translate("""
        import torch
        import torchvision.transforms.functional as TF


        def pil(img, size):
            out = TF.resize(img, size)
            return out.view(-1)


        def back(x: torch.Tensor):
            im = TF.to_pil_image(x)
            return im.size()
        """)
    assert "return out.view(-1)" in result.code
    assert "return im.size()" in result.code


def test_image_function_result_runs_like_torch(tmp_path):
    torch = pytest.importorskip("torch")
    pytest.importorskip("paddle")
    import paddle

    from translator.targets import load_torchvision_module

    module = _load(_translate(VIDEO).code, tmp_path, "video_out")
    x = np.random.default_rng(0).random((1, 2, 3, 4, 5)).astype("float32")
    mean, std = [0.43, 0.4, 0.39], [0.23, 0.22, 0.22]
    tf = load_torchvision_module("torchvision.transforms.functional")
    v = torch.from_numpy(x)
    want = tf.normalize(v.reshape(-1, 3, 4, 5), mean=mean, std=std).view(1, 2, 3, 4, 5).permute(0, 2, 1, 3, 4)
    got = module.prep(paddle.to_tensor(x), mean, std).numpy()
    np.testing.assert_allclose(got, want.numpy(), rtol=1e-6, atol=1e-6)
