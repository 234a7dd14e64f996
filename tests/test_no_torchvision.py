"""Translating without torchvision installed (the translator must never need it).

torchvision's model files import ``_IMAGENET_CATEGORIES`` from ``models/_meta.py``; the
translation copies that list.  Without an installed torchvision the list is copied from the
torchvision tree the file lives in (a vendored or unpacked copy); a file outside such a tree gets
a diagnostic and its reference is left unchanged, never an internal error.

The installed torchvision is hidden from the translator by a directory on ``PYTHONPATH`` that
holds an empty ``torchvision.py``: ``importlib.util.find_spec("torchvision")`` then finds a plain
module, not a package.
"""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
from pathlib import Path


from translator import translate_source
from translator.translate import support


def _hidden_env(tmp_path: Path) -> dict[str, str]:
    shadow = tmp_path / "shadow"
    shadow.mkdir(exist_ok=True)
    (shadow / "torchvision.py").write_text("raise ImportError('torchvision is hidden in this test')\n")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(shadow), os.environ.get("PYTHONPATH", "")]))
    env["TORCH2PADDLE_NO_CACHE"] = "1"
    return env


def _run(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "translator.cli", "translate", *args], capture_output=True, text=True, env=env, cwd=cwd
    )


def test_shadow_really_hides_torchvision(tmp_path):
    env = _hidden_env(tmp_path)
    code = "import importlib.util as u; s = u.find_spec('torchvision'); print(bool(s and s.submodule_search_locations))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    assert out.stdout.strip() == "False"


def test_torchvision_tree_copy_translates_without_installed_torchvision(tmp_path, tv_models_dir):
    # a copy of torchvision's resnet.py inside a torchvision/models tree, read at run time
    models = tmp_path / "vendor" / "torchvision" / "models"
    models.mkdir(parents=True)
    (models.parent / "__init__.py").write_text("")
    (models / "__init__.py").write_text("")
    for name in ("resnet.py", "_meta.py", "_api.py", "_utils.py"):
        shutil.copy(tv_models_dir / name, models / name)
    out = tmp_path / "out.py"
    res = _run([str(models / "resnet.py"), "-o", str(out)], _hidden_env(tmp_path), tmp_path)
    assert res.returncode == 0, res.stderr
    code = out.read_text()
    ast.parse(code)
    tree_value = ast.literal_eval(
        next(
            n.value
            for n in ast.parse((models / "_meta.py").read_text()).body
            if isinstance(n, ast.Assign) and getattr(n.targets[0], "id", "") == "_IMAGENET_CATEGORIES"
        )
    )
    emitted = next(
        n.value for n in ast.parse(code).body if isinstance(n, ast.Assign) and getattr(n.targets[0], "id", "") == "_IMAGENET_CATEGORIES"
    )
    assert ast.literal_eval(emitted) == tree_value
    assert "_meta" not in "\n".join(line for line in code.splitlines() if line.startswith(("from", "import")))


def test_copy_uses_its_own_tree_first(tmp_path, tv_models_dir):
    # the file's own tree wins over the installed torchvision: edit the copy's list and see it
    models = tmp_path / "torchvision" / "models"
    models.mkdir(parents=True)
    (models.parent / "__init__.py").write_text("")
    (models / "__init__.py").write_text("")
    (models / "_meta.py").write_text('_IMAGENET_CATEGORIES = ["tench", "goldfish-from-the-copy"]\n')
    src = "from ._meta import _IMAGENET_CATEGORIES\nimport torch\nx = torch.zeros(len(_IMAGENET_CATEGORIES))\n"
    (models / "m.py").write_text(src)
    result = translate_source(src, path=str(models / "m.py"))
    assert "goldfish-from-the-copy" in result.code, result.code
    assert not [d for d in result.diagnostics if "_meta" in d.message]


def test_absolute_import_without_torchvision_is_reported_not_crashed(tmp_path):
    src = (
        "import torch\n"
        "from torchvision.models._meta import _IMAGENET_CATEGORIES\n"
        "n = len(_IMAGENET_CATEGORIES)\n"
        "x = torch.ones(2)\n"
    )
    path = tmp_path / "m.py"
    path.write_text(src)
    out = tmp_path / "o.py"
    res = _run([str(path), "-o", str(out)], _hidden_env(tmp_path), tmp_path)
    assert res.returncode == 0, res.stderr
    assert f"{path}:3:9: T2P006 torchvision.models._meta._IMAGENET_CATEGORIES: " in res.stderr
    assert "was not found" in res.stderr
    code = out.read_text()
    # the reference and its import are left as written, with a marker; the rest is translated
    assert "from torchvision.models._meta import _IMAGENET_CATEGORIES" in code
    assert "# TODO(torch2paddle): T2P006 torchvision.models._meta._IMAGENET_CATEGORIES" in code
    assert "x = paddle.ones([2])" in code
    res = _run([str(path), "-o", str(out), "--strict"], _hidden_env(tmp_path), tmp_path)
    assert res.returncode == 1


def test_literal_available_reports_missing_root(monkeypatch, tmp_path):
    monkeypatch.setattr(support, "_torchvision_dir", lambda: None)
    assert not support.literal_available("_IMAGENET_CATEGORIES", None)
    assert support.literal_available("_torch_fan", None)  # not a copied literal
    assert support.torchvision_root(str(tmp_path / "x.py")) is None
