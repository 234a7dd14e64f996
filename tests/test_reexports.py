"""Torch names a module imports for other modules (translate/reexports.py), and the ``try``
whose imports were all replaced (removal._DropLines.leave_Try): torchvision's
``_internally_replaced_utils.py`` in a whole-package translation."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

from translator import translate_source
from translator.settings import Settings

ROOT = Path(__file__).resolve().parent.parent

# torchvision 0.28's _internally_replaced_utils.py, the part that matters here
REPLACED = '''\
import os

from torch.hub import _get_torch_home

_HOME = os.path.join(_get_torch_home(), "datasets", "vision")

try:
    from torch.hub import load_state_dict_from_url  # noqa: 401
except ImportError:
    from torch.utils.model_zoo import load_url as load_state_dict_from_url  # noqa: 401
'''

BLOCK = '''
import importlib.abc, sys
class Block(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path, target=None):
        if name.split(".")[0] in ("torch", "torchvision"):
            raise ImportError("blocked: " + name)
sys.meta_path.insert(0, Block())
'''


def _errors(result):
    return [d for d in result.diagnostics if d.severity.value == "error"]


def test_reexported_name_stays_defined():
    result = translate_source(REPLACED, path="pkg/_internally_replaced_utils.py")
    code = result.code
    assert "def load_state_dict_from_url(" in code  # the name other modules import is defined
    assert "def _torch_home(" in code and '_HOME = os.path.join(_torch_home(), "datasets", "vision")' in code
    assert not [line for line in code.splitlines() if line.startswith(("import torch", "from torch"))]
    # the try whose imports were both replaced is gone; its comments stay
    assert "try:" not in code and "except ImportError" not in code
    assert code.count("# noqa: 401") == 2
    assert not _errors(result), result.diagnostics


def test_reexported_name_runs_without_torch(tmp_path):
    (tmp_path / "replaced.py").write_text(translate_source(REPLACED).code)
    script = BLOCK + textwrap.dedent(f"""
        import os
        sys.path.insert(0, {str(tmp_path)!r})
        os.environ["TORCH_HOME"] = "/data/th"
        import replaced
        print(replaced._HOME)
        try:
            replaced.load_state_dict_from_url("https://example.com/resnet18-f37072fd.pth")
        except RuntimeError as exc:
            print("refused:", exc)
        """)
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr[-2000:]
    assert "/data/th/datasets/vision" in run.stdout
    assert "refused: https://example.com/resnet18-f37072fd.pth is a torch checkpoint" in run.stdout


def test_all_marks_a_reexport_and_a_plain_rename_is_imported():
    code = 'from torch.hub import load_state_dict_from_url\n__all__ = ["load_state_dict_from_url"]\n'
    result = translate_source(code)
    assert "def load_state_dict_from_url(" in result.code and "from torch" not in result.code
    # a rule that only renames the function: its Paddle counterpart is imported under the name
    result = translate_source("from torch.distributed import get_rank  # noqa: F401\n")
    assert result.code == "from paddle.distributed import get_rank  # noqa: F401\n", result.code
    assert not result.diagnostics
    # one whose arguments are renamed is not: importers' keyword calls would break
    result = translate_source("from torch import is_tensor  # noqa: F401\n")
    assert all(line.startswith("#") for line in result.code.splitlines())
    assert [d.code for d in result.diagnostics] == ["T2P004"]


def test_reexport_that_cannot_be_bound_is_reported_with_a_marker():
    code = "import os\nfrom torch.nn import Conv2d  # noqa: F401\nfrom torch.fft import frobnicate  # noqa\n"
    result = translate_source(code)
    found = {(d.line, d.col, d.code, d.api) for d in result.diagnostics}
    assert (2, 22, "T2P004", "torch.nn.Conv2d") in found
    assert (3, 23, "T2P001", "torch.fft.frobnicate") in found
    assert "# TODO(torch2paddle): T2P004 torch.nn.Conv2d: re-exported here" in result.code
    assert "# TODO(torch2paddle): T2P001 torch.fft.frobnicate: re-exported here" in result.code


def test_unchanged_lookalikes():
    # an unused import that is not marked as a re-export is dropped without a word (as before)
    for code in ["from torch.hub import load_state_dict_from_url\nx = 1\n",
                 "from torch.hub import load_state_dict_from_url  # noqa: E402\nx = 1\n",
                 "def f():\n    from torch.hub import load_state_dict_from_url  # noqa: F401\n    return 1\n"]:
        result = translate_source(code)
        assert "load_state_dict_from_url" not in result.code.replace("# noqa: F401", ""), code
        assert not result.diagnostics, (code, result.diagnostics)
    # used here: translated where it is used, once
    used = translate_source("from torch.hub import load_state_dict_from_url  # noqa: F401\nsd = load_state_dict_from_url(u)\n")
    assert used.code.count("def load_state_dict_from_url(") == 1 and [d.code for d in used.diagnostics] == ["T2P201"]


def test_try_kept_when_it_still_does_something():
    cases = {
        # an else branch still runs
        "try:\n    from torch.hub import load_state_dict_from_url as f\nexcept ImportError:\n    f = None\nelse:\n    ok = True\ny = f\n":
            "else:",
        # a body the input wrote as `pass` is the input's own
        "import torch\ntry:\n    pass\nexcept ImportError:\n    pass\nx = torch.zeros(1)\n": "try:",
        # something else is left in the body
        "try:\n    import torch\n    import numpy\nexcept ImportError:\n    numpy = None\nx = torch.zeros(1)\n": "try:",
    }
    for code, kept in cases.items():
        assert kept in translate_source(code).code, code


def test_package_importing_the_reexport_gets_it(tmp_path):
    pkg = tmp_path / "src" / "proj"
    (pkg / "models").mkdir(parents=True)
    (pkg / "__init__.py").write_text("from . import models\n")
    (pkg / "_internally_replaced_utils.py").write_text(REPLACED)
    (pkg / "models" / "__init__.py").write_text("from ._api import get_state_dict\n")
    (pkg / "models" / "_api.py").write_text(
        "def get_state_dict(url):\n"
        "    from .._internally_replaced_utils import load_state_dict_from_url\n\n"
        "    return load_state_dict_from_url(url)\n")
    out = tmp_path / "out" / "proj"
    proc = subprocess.run([sys.executable, "-m", "translator.cli", "translate", str(pkg), "-o", str(out) + "/"],
                          capture_output=True, text=True, timeout=600, cwd=str(ROOT),
                          env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin", "TORCH2PADDLE_NO_CACHE": "1"})
    assert proc.returncode == 0, proc.stderr
    script = BLOCK + textwrap.dedent(f"""
        sys.path.insert(0, {str(out.parent)!r})
        import proj
        try:
            proj.models.get_state_dict("https://example.com/w.pth")
        except RuntimeError as exc:
            print("refused:", exc)
        """)
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr[-2000:]
    assert "refused: https://example.com/w.pth is a torch checkpoint" in run.stdout


def test_tree_settings_bind_the_same_way(tmp_path):
    path = tmp_path / "pkg" / "_internally_replaced_utils.py"
    path.parent.mkdir()
    (path.parent / "__init__.py").write_text("")
    path.write_text(REPLACED)
    result = translate_source(REPLACED, path=str(path), settings=Settings(tree_root=str(path.parent)))
    assert "def load_state_dict_from_url(" in result.code and "try:" not in result.code
