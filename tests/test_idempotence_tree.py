"""Issue 15: a translated tree translated again does not change.

The first pass moves the files' support code into one module at the output root
(``shared_support``); a second pass over that output must read the module as the Paddle code it
is (not translate it again), keep its definitions when new support code is added, and keep an
``import paddle`` the input wrote (the first pass drops the one only the moved support code used)."""

from __future__ import annotations

import shutil
from pathlib import Path

from translator import translate_path, translate_source
from translator.settings import Settings
from translator.shared_support import MODULE, is_shared_module

NET = """import torch
import torch.nn as nn
from torchvision.models._utils import _make_divisible


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, _make_divisible(10, 8))
        nn.init.kaiming_normal_(self.fc.weight, mode="fan_out")

    def forward(self, x):
        return self.fc(x) * x.shape[0]
"""

# paddle is needed only by the support code here (moved out on the first pass), and torch
# stays imported inside a function: the second pass sees an `import paddle` nothing uses
LOSS = """import torch
import torch.nn.functional as F


def loss(x, y, b):
    return F.smooth_l1_loss(x, y, beta=b)


def quantized():
    return torch.ao.quantization.QuantStub()
"""


def _tree(root: Path) -> Path:
    pkg = root / "proj"
    (pkg / "sub").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "sub" / "__init__.py").write_text("")
    (pkg / "net.py").write_text(NET)
    (pkg / "sub" / "loss.py").write_text(LOSS)
    return pkg


def _files(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): p.read_text() for p in sorted(root.rglob("*.py"))}


def _twice(src: Path, tmp: Path, settings: Settings | None = None) -> tuple[dict[str, str], dict[str, str]]:
    first, second = tmp / "first" / src.name, tmp / "second" / src.name
    translate_path(src, first, settings=settings)
    translate_path(first, second, settings=settings)
    return _files(first), _files(second)


def test_small_tree_translated_again_changes_nothing(tmp_path):
    once, twice = _twice(_tree(tmp_path / "src"), tmp_path)
    support = once[f"{MODULE}.py"]
    assert "def _make_divisible(" in support and "def _torch_smooth_l1_loss(" in support
    # the support code, the promotion pass would rewrite (`x.shape[0]` products) if translated
    assert "_torch_mul" not in support or "def _torch_mul(" in support
    loss = once["sub/loss.py"]
    # paddle was used only by the moved support code: its import goes; torch stays local
    assert loss.startswith("from .._torch2paddle_support import _torch_smooth_l1_loss\n\n\n")
    assert "import paddle" not in loss and "    import torch\n" in loss
    assert twice == once


def test_support_module_is_left_as_it_is(tmp_path):
    once, _ = _twice(_tree(tmp_path / "src"), tmp_path)
    support = once[f"{MODULE}.py"]
    assert is_shared_module(support)
    result = translate_source(support, path=f"{MODULE}.py")
    assert result.status.value == "unchanged" and result.code == support and not result.diagnostics
    # unchanged look-alike: a module with another docstring that uses torch is translated
    other = '"""Support code of my own."""\nimport torch\n\nx = torch.zeros(2)\n'
    assert not is_shared_module(other)
    assert translate_source(other, path=f"{MODULE}.py").code.endswith("x = paddle.zeros([2])\n")


def test_new_support_code_on_a_second_pass_keeps_the_old_definitions(tmp_path):
    src = _tree(tmp_path / "src")
    first = tmp_path / "first" / "proj"
    translate_path(src, first)
    old = (first / f"{MODULE}.py").read_text()
    # the translated tree gets new torch code that needs other support code
    (first / "extra.py").write_text("import torch\n\ntorch.backends.cudnn.benchmark = True\n")
    second = tmp_path / "second" / "proj"
    translate_path(first, second)
    new = (second / f"{MODULE}.py").read_text()
    for line in old.splitlines():
        if line.startswith("def "):
            assert line in new  # the other files still find what they import
    assert new.count("def _make_divisible(") == 1
    assert "_cudnn" not in old and "_cudnn" in new
    assert "from ._torch2paddle_support import _CudnnSwitches, _cudnn\n" in (second / "extra.py").read_text()
    assert _files(second)["net.py"] == _files(first)["net.py"]


def test_torchvision_quantization_tree_translated_again_changes_nothing(tmp_path, tv_models_dir):
    # a copy of torchvision whose models/ keeps the quantized ResNet and what it imports (the
    # whole tree takes a minute): its support code (carried torchvision definitions) is shared,
    # and the `import paddle` only that code used goes
    vendor = tmp_path / "src" / "torchvision"
    shutil.copytree(tv_models_dir.parent, vendor, ignore=lambda d, names: [
        n for n in names if not n.endswith(".py") and not (Path(d) / n).is_dir() or n == "__pycache__"])
    models = vendor / "models"
    keep = {"__init__.py", "_api.py", "_meta.py", "_utils.py", "resnet.py", "quantization/__init__.py",
            "quantization/utils.py", "quantization/resnet.py"}
    for path in sorted(models.rglob("*"), reverse=True):
        name = str(path.relative_to(models))
        if path.is_file() and name not in keep:
            path.unlink()
        elif path.is_dir() and not any(path.iterdir()):
            path.rmdir()
    (models / "__init__.py").write_text("")
    (models / "quantization" / "__init__.py").write_text("from .resnet import *\n")
    once, twice = _twice(models, tmp_path)
    assert sorted(once) == sorted([f"{MODULE}.py", *keep])
    assert "\nimport paddle\n" not in once["quantization/resnet.py"]  # only its moved support code used it
    assert twice == once


def test_import_paddle_only_the_moved_support_code_used_goes(tmp_path):
    src = tmp_path / "src" / "proj"
    src.mkdir(parents=True)
    (src / "__init__.py").write_text("")
    head = '"""Doc."""\n\nimport math\n\nimport torch.nn.functional as F\n\n\n'
    (src / "only.py").write_text(head + "def f(x, y, b):\n    return F.smooth_l1_loss(x, y, beta=b * math.pi)\n")
    # look-alikes: the file uses paddle itself; the input imported paddle itself
    (src / "uses.py").write_text(head.replace("import math", "import torch") + "def f(x, y, b):\n    return F.smooth_l1_loss(x, y, beta=b) + torch.zeros(2)\n")
    (src / "own.py").write_text("import paddle\n" + head + "def f(x, y, b):\n    return F.smooth_l1_loss(x, y, beta=b)\n")
    once, twice = _twice(src, tmp_path)
    assert once["only.py"] == (
        '"""Doc."""\n\nimport math\n\nfrom ._torch2paddle_support import _torch_smooth_l1_loss\n\n\n'
        "def f(x, y, b):\n    return _torch_smooth_l1_loss(x, y, beta=b * math.pi)\n"
    )
    assert "\nimport paddle\n" in once["uses.py"] and "paddle.zeros([2])" in once["uses.py"]
    assert once["own.py"].startswith("import paddle\n")
    assert twice == once


def _user_support_tree(root: Path) -> Path:
    pkg = root / "proj"
    pkg.mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "a.py").write_text(LOSS)
    (pkg / f"{MODULE}.py").write_text("import torch\n\n\ndef mine():\n    return torch.zeros(2)\n")
    return pkg


def test_a_users_file_named_like_the_support_module_is_not_written_over(tmp_path, capsys):
    from translator.cli import main

    src = _user_support_tree(tmp_path / "src")
    out = tmp_path / "out"
    assert main(["translate", str(src), "-o", str(out), "--jobs", "1", "--no-cache"]) in (0, 1)
    err = capsys.readouterr().err
    assert f"{src / MODULE}.py: the user's own file, not a support module torch2paddle wrote" in err
    assert (out / f"{MODULE}.py").read_text() == "import paddle\n\n\ndef mine():\n    return paddle.zeros([2])\n"
    assert "# --- support code generated by torch2paddle" in (out / "a.py").read_text()  # kept inline
    # the library does the same; and a user's file already in the output folder is not written over
    lib = tmp_path / "lib"
    translate_path(src, lib)
    assert "def mine():" in (lib / f"{MODULE}.py").read_text()
    (src / f"{MODULE}.py").unlink()
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / f"{MODULE}.py").write_text("X = 1\n")
    translate_path(src, mine)
    assert (mine / f"{MODULE}.py").read_text() == "X = 1\n"
    assert "# --- support code generated by torch2paddle" in (mine / "a.py").read_text()
    # look-alike: an output folder holding a support module a first run wrote is updated
    again = tmp_path / "again"
    translate_path(src, again)
    assert is_shared_module((again / f"{MODULE}.py").read_text())
    translate_path(src, again)
    assert "from ._torch2paddle_support import " in (again / "a.py").read_text()
