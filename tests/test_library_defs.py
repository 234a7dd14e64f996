"""Library definitions carried with a translation (translator/translate/libraries.py).

A small library built on torch is written to a temporary folder (with distribution metadata
that requires torch) and found through ``sys.path``, as an installed one is; torchvision's own
model files are read from the installed torchvision (benchmarks/torchvision_files.py runs every
classification file)."""

from __future__ import annotations

import importlib
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from translator import translate_source
from translator.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

LIB = {
    "__init__.py": "from .blocks import Block, scale\n",
    "blocks.py": '''
        import torch
        import torch.nn as nn
        import torch.nn.functional as F
        from ._util import width, Mystery


        def scale(x, factor=2.0):
            return x * factor


        class Block(nn.Module):
            def __init__(self, c):
                super().__init__()
                self.conv = nn.Conv2d(c, width(c), 3, padding=1)
                self.bn = nn.BatchNorm2d(width(c))

            def forward(self, x):
                return scale(F.relu(self.bn(self.conv(x))))


        class Odd(nn.Module):
            def forward(self, x):
                return torch.frobnicate(x)
        ''',
    "_util.py": '''
        def width(c):
            return 2 * c


        class Mystery:
            pass
        ''',
    "other.py": '''
        import torch.nn as nn


        def width(c):
            return 3 * c


        class Wide(nn.Module):
            def __init__(self, c):
                super().__init__()
                self.fc = nn.Linear(c, width(c))

            def forward(self, x):
                return self.fc(x)
        ''',
}


def _write_library(root: Path, name: str) -> Path:
    pkg = root / name
    pkg.mkdir(parents=True)
    for file, text in LIB.items():
        (pkg / file).write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    dist = root / f"{name}-0.1.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 0.1\nRequires-Dist: torch\n")
    (dist / "top_level.txt").write_text(name + "\n")
    return pkg


@pytest.fixture()
def lib(tmp_path, monkeypatch, request):
    name = f"t2plib_{request.node.name.replace('[', '_').replace(']', '').replace('-', '_')}"[:60]
    root = tmp_path / "site"
    pkg = _write_library(root, name)
    monkeypatch.syspath_prepend(str(root))
    importlib.invalidate_caches()
    return name, pkg


def _carry(code: str, name: str, path: str | None = None, libraries: tuple[str, ...] | None = None):
    settings = Settings(libraries=libraries if libraries is not None else ("torchvision", name))
    return translate_source(textwrap.dedent(code).lstrip("\n"), path=path, settings=settings)


def test_definition_and_its_needs_are_translated_and_carried(lib):
    name, pkg = lib
    result = _carry(f"""
        import torch
        from {name}.blocks import Block

        model = Block(4)
        y = model(torch.ones(1, 4, 8, 8))
        """, name)
    code = result.code
    assert f"from {name}." not in code and "import torch" not in code, code
    assert "# --- end of translated definitions ---\n\n\nmodel = Block(4)" in code
    assert (f"# --- definitions translated by torch2paddle from library sources ---\n"
            f"#     {name}/_util.py\n#     {name}/blocks.py\n") in code
    # the definition, the function and the helper it uses, translated; nothing else of the module
    assert "class Block(nn.Layer):" in code and "nn.Conv2D(c, width(c), 3, padding=1)" in code
    assert "def scale(x, factor=2.0):" in code and "def width(c):" in code
    assert "class Odd" not in code and "class Mystery" not in code
    assert code.index("def width") < code.index("class Block") < code.index("model = Block(4)")
    assert not result.errors, [str(d) for d in result.errors]


def test_carried_definition_runs_like_torch(lib, tmp_path):
    torch = pytest.importorskip("torch")
    paddle = pytest.importorskip("paddle")
    from helpers import load_module_from_code, randomize, run_both, torch_to_paddle

    name, pkg = lib
    result = _carry(f"""
        import torch.nn as nn
        from {name} import Block


        def build():
            return nn.Sequential(Block(3), Block(6))
        """, name)
    assert not result.errors, [str(d) for d in result.errors]
    pd = load_module_from_code(result.code, "pd_carried", tmp_path)
    tmod = importlib.import_module(f"{name}.blocks")
    t_model = torch.nn.Sequential(tmod.Block(3), tmod.Block(6))
    p_model = pd.build()
    randomize(t_model, seed=3)
    torch_to_paddle(t_model, p_model)
    x = np.random.default_rng(0).standard_normal((2, 3, 8, 8)).astype("float32")
    t_out, p_out = run_both(t_model, p_model, x)
    np.testing.assert_allclose(p_out, t_out, rtol=1e-5, atol=1e-5)
    assert isinstance(p_model, paddle.nn.Layer)


def test_untranslatable_library_code_is_reported_at_the_library_line(lib):
    name, pkg = lib
    result = _carry(f"""
        from {name}.blocks import Odd

        m = Odd()
        """, name)
    errors = [d for d in result.errors if "frobnicate" in (d.api or "")]
    assert errors, [str(d) for d in result.diagnostics]
    assert errors[0].path == str(pkg / "blocks.py") and errors[0].line == 23, str(errors[0])
    assert "TODO(torch2paddle)" in result.code


def test_library_not_enabled_is_named(lib):
    name, _ = lib
    result = _carry(f"""
        import torch
        from {name}.blocks import Block
        """, name, libraries=("torchvision",))
    (diag,) = [d for d in result.errors if d.api == f"{name}.blocks.Block"]
    assert diag.line == 2 and f"--library {name}" in diag.message and "[tool.torch2paddle]" in diag.message
    assert f"from {name}.blocks import Block" in result.code


def test_same_name_from_two_modules_is_renamed(lib):
    name, _ = lib
    result = _carry(f"""
        import torch.nn as nn
        from {name}.blocks import Block
        from {name}.other import Wide

        net = nn.Sequential(Block(2), Wide(4))
        """, name)
    code = result.code
    assert "def width(c):\n    return 2 * c" in code and "def width_other(c):\n    return 3 * c" in code
    assert "paddle.nn.Linear(c, width_other(c))" in code or "nn.Linear(c, width_other(c))" in code
    assert not result.errors, [str(d) for d in result.errors]


def test_alias_import_binds_the_local_name(lib):
    name, _ = lib
    result = _carry(f"""
        import torch
        from {name}.blocks import scale as double

        y = double(torch.ones(2))
        """, name)
    assert "def scale(x, factor=2.0):" in result.code and "double = scale" in result.code
    assert result.code.index("double = scale") < result.code.index("y = double(")


def test_unchanged_lookalikes(lib, tmp_path):
    name, _ = lib
    # a standard-library import, a local class of a library's name, a library that is not on torch
    code = "import json\nimport torch\n\n\nclass Block:\n    pass\n\n\nx = torch.zeros(2)\n"
    result = _carry(code, name)
    assert "translated by torch2paddle" not in result.code and "class Block:\n    pass" in result.code
    # in a tree, a sibling's relative import stays relative
    pkg = tmp_path / "mine"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "layers.py").write_text("import torch.nn as nn\n\n\nclass L(nn.Module):\n    pass\n")
    user = pkg / "net.py"
    user.write_text("import torch\nfrom .layers import L\n\nnet = L()\n")
    tree = translate_source(user.read_text(), path=str(user), settings=Settings(tree_root=str(pkg)))
    assert "from .layers import L" in tree.code and "class L" not in tree.code


def test_file_alone_carries_its_relative_imports(tmp_path):
    pkg = tmp_path / "mypkg"
    (pkg / "models").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "models" / "__init__.py").write_text("")
    (pkg / "layers.py").write_text("import torch.nn as nn\n\n\nclass L(nn.Module):\n    def __init__(self):\n"
                                   "        super().__init__()\n        self.fc = nn.Linear(2, 3)\n")
    user = pkg / "models" / "net.py"
    user.write_text("import torch\nfrom ..layers import L\n\nnet = L()\n")
    alone = translate_source(user.read_text(), path=str(user))
    assert "from ..layers" not in alone.code and "class L(nn.Layer):" in alone.code
    assert "nn.Linear(2, 3)" in alone.code and "import paddle" in alone.code


def test_rules_win_over_carrying():
    """``torchvision.ops.misc.Conv2dNormActivation`` is the definition ``torchvision.ops``'s rule
    covers: the import is spelled the rule's way, nothing is carried."""
    pytest.importorskip("torchvision.ops") if False else None
    code = "import torch.nn as nn\nfrom torchvision.ops.misc import Conv2dNormActivation\n\nb = Conv2dNormActivation(3, 8)\n"
    result = translate_source(code)
    assert "translated by torch2paddle" not in result.code
    assert "class Conv2dNormActivation(paddle.nn.Sequential):" in result.code
    assert not result.errors, [str(d) for d in result.errors]


def test_native_paddle_library_is_mapped():
    code = "import torch\nfrom einops.layers.torch import Rearrange, Reduce\n\nr = Rearrange('b c h w -> b (c h w)')\n"
    result = translate_source(code)
    assert "from einops.layers.paddle import Rearrange, Reduce" in result.code
    assert "einops.layers.torch" not in result.code


def test_libraries_off():
    code = "import torch\nfrom torchvision.models._utils import _make_divisible\n\nc = _make_divisible(30, 8)\n"
    on = translate_source(code)
    assert "def _make_divisible(" in on.code and "from torchvision." not in on.code
    off = translate_source(code, settings=Settings(libraries=()))
    assert "def _make_divisible(" not in off.code
    assert any("_make_divisible" in (d.api or "") for d in off.errors)


@pytest.mark.parametrize("name", ["mobilenetv2", "densenet"])
def test_torchvision_file_alone_imports_and_matches(name, tmp_path):
    pytest.importorskip("torch")
    pytest.importorskip("paddle")
    import torchvision_files as bench

    result, out = bench.translate(name, tmp_path)
    assert not result.errors, [str(d) for d in result.errors]
    ok, why = bench.imports_alone(out, bench.CASES[name][0])
    assert ok, why
    assert bench.compare(name, out) < 1e-3


def test_torchvision_reexporting_file_alone_imports(tmp_path):
    """mobilenet.py re-exports mobilenetv2 and mobilenetv3 (star imports): both carried, their
    two InvertedResidual classes under two names."""
    import torchvision_files as bench

    result, out = bench.translate("mobilenet", tmp_path)
    assert "class InvertedResidual_mobilenetv3(nn.Layer):" in result.code
    proc = subprocess.run([sys.executable, "-c", textwrap.dedent(bench.BLOCK).format(path=str(out), expr="m.MobileNetV2(num_classes=3)")],
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]


EINOPS_VIT = """
import torch
import torch.nn as nn
from einops import repeat
from einops.layers.torch import Rearrange


class ViT(nn.Module):
    def __init__(self, image=16, patch=4, dim=32, classes=5):
        super().__init__()
        n = (image // patch) ** 2
        self.to_patch = nn.Sequential(Rearrange("b c (h p1) (w p2) -> b (h w) (p1 p2 c)", p1=patch, p2=patch),
                                      nn.Linear(patch * patch * 3, dim))
        self.cls = nn.Parameter(torch.randn(1, 1, dim))
        self.pos = nn.Parameter(torch.randn(1, n + 1, dim))
        layer = nn.TransformerEncoderLayer(dim, 2, 64, dropout=0.0, batch_first=True)
        self.encoder = nn.TransformerEncoder(layer, 1)
        self.head = nn.Linear(dim, classes)

    def forward(self, img):
        x = self.to_patch(img)
        cls = repeat(self.cls, "1 1 d -> b 1 d", b=x.shape[0])
        x = torch.cat([cls, x], dim=1) + self.pos
        return self.head(self.encoder(x)[:, 0])
"""


def test_einops_vit_matches_torch(tmp_path):
    """A ViT built with einops.layers.torch: mapped to einops.layers.paddle, same outputs."""
    pytest.importorskip("einops.layers.paddle")
    torch = pytest.importorskip("torch")
    from helpers import load_module_from_code, run_both, torch_to_paddle

    result = translate_source(EINOPS_VIT.lstrip())
    assert "from einops.layers.paddle import Rearrange" in result.code and not result.errors
    t_mod = load_module_from_code(EINOPS_VIT.lstrip(), "t_einops_vit", tmp_path)
    p_mod = load_module_from_code(result.code, "pd_einops_vit", tmp_path)
    torch.manual_seed(0)
    t_model, p_model = t_mod.ViT(), p_mod.ViT()
    torch_to_paddle(t_model, p_model)
    x = np.random.default_rng(0).standard_normal((2, 3, 16, 16)).astype("float32")
    t_out, p_out = run_both(t_model, p_model, x)
    np.testing.assert_allclose(p_out, t_out, rtol=1e-5, atol=1e-5)


def test_library_module_alias_is_carried_name_by_name():
    code = ("import torch.nn as nn\nfrom torchvision.ops import misc as misc_nn_ops\nfrom torchvision.models import _utils as mu\n\n\n"
            "def make(c):\n    return nn.Sequential(misc_nn_ops.FrozenBatchNorm2d(c)), mu._make_divisible(c, 8)\n")
    result = translate_source(code)
    assert "return nn.Sequential(FrozenBatchNorm2d(c)), _make_divisible(c, 8)" in result.code
    assert "class FrozenBatchNorm2d(paddle.nn.Layer):" in result.code and "def _make_divisible(" in result.code
    assert "misc_nn_ops" not in result.code and "torchvision" not in result.code.split("# ---")[0]
    assert not result.errors, [str(d) for d in result.errors]
    # a module used as a whole cannot be carried: reported, left
    whole = translate_source("import torch\nfrom torchvision.models import _utils as mu\n\nprint(mu)\n")
    assert any("used as a whole" in d.message for d in whole.errors)
