"""Tree translation: one shared support module, siblings' imports kept; functools.partial."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from translator import translate_source
from translator.diagnostics import Status
from translator.settings import Settings
from translator.shared_support import MODULE

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

NET = '''
import torch
import torch.nn as nn
from torchvision.models._utils import _make_divisible


class Net{n}(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, _make_divisible(10, 8))
        nn.init.kaiming_normal_(self.fc.weight, mode="fan_out")

    def forward(self, x):
        return self.fc(x)
'''


def _tree(tmp_path: Path) -> Path:
    pkg = tmp_path / "src" / "proj"
    (pkg / "sub").mkdir(parents=True)
    (pkg / "__init__.py").write_text("from .a import *\nfrom .sub.b import Net2\n")
    (pkg / "sub" / "__init__.py").write_text("")
    (pkg / "a.py").write_text(NET.format(n=1).lstrip() + "\n\n__all__ = ['Net1']\n")
    (pkg / "sub" / "b.py").write_text(NET.format(n=2).lstrip())
    return pkg


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "translator.cli", "translate", *args], capture_output=True,
                          text=True, timeout=600, cwd=str(ROOT), env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin",
                                                                      "TORCH2PADDLE_NO_CACHE": "1"})


def test_tree_gets_one_support_module(tmp_path):
    pkg = _tree(tmp_path)
    out = tmp_path / "out" / "proj"
    proc = _cli(str(pkg), "-o", str(out) + "/")
    assert proc.returncode == 0, proc.stderr
    support = (out / f"{MODULE}.py").read_text()
    # each definition once, though both files need it
    assert support.count("def _make_divisible(") == 1 and support.count("def _torch_fan(") == 1
    a, b = (out / "a.py").read_text(), (out / "sub" / "b.py").read_text()
    assert "from ._torch2paddle_support import " in a and "from .._torch2paddle_support import " in b
    for code in (a, b):
        assert "def _make_divisible(" not in code and "# --- support code" not in code
    # the tree's own imports stay as written
    assert (out / "__init__.py").read_text() == "from .a import *\nfrom .sub.b import Net2\n"
    # the package imports without torch and builds
    check = textwrap.dedent(f"""
        import importlib.abc, sys
        class Block(importlib.abc.MetaPathFinder):
            def find_spec(self, name, path, target=None):
                if name.split(".")[0] in ("torch", "torchvision"):
                    raise ImportError("blocked: " + name)
        sys.meta_path.insert(0, Block())
        sys.path.insert(0, {str(out.parent)!r})
        import proj, paddle
        print(list(proj.Net1()(paddle.ones([2, 4])).shape), list(proj.Net2().fc.weight.shape))
        """)
    run = subprocess.run([sys.executable, "-c", check], capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr[-2000:]
    assert "[2, 16] [4, 16]" in run.stdout


def test_single_file_stays_self_contained(tmp_path):
    pkg = _tree(tmp_path)
    out = tmp_path / "one.py"
    proc = _cli(str(pkg / "sub" / "b.py"), "-o", str(out))
    assert proc.returncode == 0, proc.stderr
    code = out.read_text()
    assert "def _make_divisible(" in code and MODULE not in code
    assert not (tmp_path / f"{MODULE}.py").exists()


def test_tree_keeps_sibling_reexports_and_star_imports(tmp_path):
    pkg = _tree(tmp_path)
    init = pkg / "__init__.py"
    tree = Settings(tree_root=str(pkg))
    result = translate_source(init.read_text(), path=str(init), settings=tree)
    assert result.code == init.read_text()
    # alone, the same file carries what it imports
    alone = translate_source(init.read_text(), path=str(init))
    assert "class Net1(nn.Layer):" in alone.code and "class Net2(nn.Layer):" in alone.code
    assert "from .a import" not in alone.code


PARTIAL = """
from functools import partial
import functools
import torch.nn as nn

norm = partial(nn.BatchNorm2d, eps=0.001, momentum=0.01)
ln = functools.partial(nn.LayerNorm, eps=1e-6)
other = partial(print, end="")
bad = partial(nn.BatchNorm2d, eps=0.001, track_running_stats=False, frobnicate=1)
"""


def test_partial_translates_the_function_with_its_arguments():
    result = translate_source(PARTIAL)
    code = result.code
    assert "norm = partial(nn.BatchNorm2D, epsilon=0.001, momentum=0.99)" in code
    assert "ln = functools.partial(nn.LayerNorm, epsilon=1e-6)" in code
    assert 'other = partial(print, end="")' in code
    # what the call could not take is reported at the partial, left as torch
    (diag,) = [d for d in result.errors if d.line == 9]
    assert diag.api == "torch.nn.BatchNorm2d" and "frobnicate" in diag.message
    assert "bad = partial(torch.nn.BatchNorm2d" in code


def test_partial_unchanged_lookalikes():
    code = "from functools import partial\n\n\ndef f(a, b=1):\n    return a + b\n\n\ng = partial(f, b=2)\n"
    assert translate_source(code).code == code
    local = "import torch\n\n\ndef partial(f, **kw):\n    return f\n\n\ng = partial(print, end='')\nx = torch.zeros(2)\n"
    assert "g = partial(print, end='')" in translate_source(local).code


def test_partial_leaving_what_the_translation_needs_is_refused():
    """A rule whose translation reads the input (torch.std's correction/overload handling)
    cannot translate ``partial(torch.std, unbiased=False)``, which leaves the input to its call:
    reported at the partial and left as torch (it crashed the file: monai's intensity transforms).
    A partial that gives the input, or a data rule's partial, is translated."""
    code = ("import torch\nfrom functools import partial\n\nstd = partial(torch.std, unbiased=False)\n"
            "given = partial(torch.std, x, unbiased=False)\nm = partial(torch.mean, dim=0)\n")
    result = translate_source(code)
    assert result.status is not Status.FAILED
    (diag,) = result.errors
    assert (diag.line, diag.col, diag.api) == (4, 7, "torch.std") and "'input'" in diag.message
    assert "std = partial(torch.std, unbiased=False)" in result.code
    assert "given = partial(paddle.std, x, unbiased=False)" in result.code
    assert "m = partial(paddle.mean, axis=0)" in result.code


def test_partial_layer_matches_torch():
    torch = pytest.importorskip("torch")
    paddle = pytest.importorskip("paddle")
    code = translate_source(PARTIAL.split("bad =")[0]).code
    ns: dict = {}
    exec(compile(code, "<partial>", "exec"), ns)
    t_bn = __import__("functools").partial(torch.nn.BatchNorm2d, eps=0.001, momentum=0.01)(3)
    p_bn = ns["norm"](3)
    x = np.random.default_rng(0).standard_normal((4, 3, 5, 5)).astype("float32")
    t_bn.train()
    p_bn.train()
    t_out = t_bn(torch.from_numpy(x)).detach().numpy()
    p_out = p_bn(paddle.to_tensor(x)).numpy()
    np.testing.assert_allclose(p_out, t_out, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(p_bn._mean.numpy(), t_bn.running_mean.numpy(), rtol=1e-5, atol=1e-6)
    assert p_bn._epsilon == pytest.approx(0.001)


def test_libraries_configured_in_pyproject_and_flags(tmp_path):
    user = tmp_path / "proj" / "net.py"
    user.parent.mkdir()
    user.write_text("import torch\nfrom torchvision.models._utils import _make_divisible\n\nc = _make_divisible(30, 8)\n")
    default = _cli(str(user))
    assert default.returncode == 0 and "def _make_divisible(" in default.stdout
    off = _cli(str(user), "--no-libraries")
    assert "def _make_divisible(" not in off.stdout and "_make_divisible" in off.stderr
    (tmp_path / "proj" / "pyproject.toml").write_text('[tool.torch2paddle]\nlibraries = []\n')
    configured = _cli(str(user))
    assert "def _make_divisible(" not in configured.stdout
    flag = _cli(str(user), "--library", "torchvision")  # the flag wins over the file
    assert "def _make_divisible(" in flag.stdout
    (tmp_path / "proj" / "pyproject.toml").write_text('[tool.torch2paddle]\nlibraries = "torchvision"\n')
    bad = _cli(str(user))
    assert bad.returncode == 2 and bad.stdout == ""
    assert "pyproject.toml: tool.torch2paddle.libraries: expected a list" in bad.stderr


def test_tree_spells_its_own_absolute_imports_relative(tmp_path):
    """`from proj.a import Net1` inside the tree proj/ points at the translated sibling, whatever
    the output folder is called; a part of torchvision translated as a tree keeps its siblings."""
    pkg = _tree(tmp_path)
    user = pkg / "sub" / "c.py"
    user.write_text("import torch\nfrom proj.a import Net1\n\nnet = Net1()\n")
    result = translate_source(user.read_text(), path=str(user), settings=Settings(tree_root=str(pkg)))
    assert "from ..a import Net1" in result.code and "class Net1" not in result.code
    import torchvision_files as bench  # noqa: F401  (benchmarks/ on sys.path)

    models = bench.models_dir()
    qres = models / "quantization" / "resnet.py"
    tree = translate_source(qres.read_text(), path=str(qres), settings=Settings(tree_root=str(models)))
    # the rewritten import is the translation's own line: black lays it out (as the original was)
    assert "from ..resnet import (\n    BasicBlock,\n    Bottleneck,\n    ResNet,\n" in tree.code
    assert "class ResNet(" not in tree.code
    assert not any("torchvision.models.resnet" in (d.api or "") for d in tree.diagnostics)
