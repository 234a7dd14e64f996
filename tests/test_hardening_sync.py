"""Issue 15 item 10: sync paths are confined to the project (the pyproject.toml's folder)."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from translator.cli.sync import SyncConfigError, load_sync_config, main_sync

TORCH_SRC = "import torch\nx = torch.zeros(3)\n"


def _project(tmp_path: Path, entry: str) -> Path:
    proj = tmp_path / "proj"
    (proj / "models").mkdir(parents=True)
    (proj / "models" / "a.py").write_text(TORCH_SRC)
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "keep.py").write_text("precious = 1\n")
    (outside / "src.py").write_text(TORCH_SRC)
    (proj / "pyproject.toml").write_text(f"[tool.torch2paddle]\nsync = [{entry}]\n")
    return proj


@pytest.mark.parametrize(
    "entry, key",
    [
        ('{ src = "../outside/src.py", dst = "out.py" }', "src"),
        ('{ src = "/etc/hostname", dst = "out.py" }', "src"),
        ('{ src = "models", dst = "../outside" , prune = true }', "dst"),
        ('{ src = "models", dst = "../../x" }', "dst"),
        ('{ src = "models", dst = "/tmp/t2p-escape" }', "dst"),
    ],
)
def test_paths_outside_the_project_are_refused(tmp_path, capsys, entry, key):
    proj = _project(tmp_path, entry)
    with pytest.raises(SyncConfigError, match=f"{key} .* is outside the project"):
        load_sync_config(proj / "pyproject.toml")
    args = argparse.Namespace(config=str(proj / "pyproject.toml"), check=False, jobs=1, quiet=False, verbose=False)
    assert main_sync(args) == 2
    err = capsys.readouterr().err
    assert err.startswith("torch2paddle: error: ") and "outside the project" in err
    assert (tmp_path / "outside" / "keep.py").read_text() == "precious = 1\n"
    assert not (tmp_path / "x").exists() and not Path("/tmp/t2p-escape").exists()


def test_link_out_of_the_project_is_refused(tmp_path):
    proj = _project(tmp_path, '{ src = "models", dst = "linked", prune = true }')
    (proj / "linked").symlink_to(tmp_path / "outside", target_is_directory=True)
    with pytest.raises(SyncConfigError, match="dst 'linked' is outside the project"):
        load_sync_config(proj / "pyproject.toml")


def test_paths_inside_the_project_still_work(tmp_path, capsys):
    proj = _project(tmp_path, '{ src = "models", dst = "paddle_models/", prune = true }')
    args = argparse.Namespace(config=str(proj / "pyproject.toml"), check=False, jobs=1, quiet=False, verbose=False)
    assert main_sync(args) == 1
    assert "paddle" in (proj / "paddle_models" / "a.py").read_text()
