"""``torch2paddle sync``: outputs configured in pyproject.toml, run through the installed command."""

from __future__ import annotations

import shutil
import subprocess
import textwrap
from pathlib import Path

import pytest
from test_cli import MODEL, PLAIN, TRAIN, snapshot

EXE = shutil.which("torch2paddle")
pytestmark = pytest.mark.skipif(EXE is None, reason="the torch2paddle console script is not installed")


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    assert EXE is not None
    return subprocess.run([EXE, "sync", *args], cwd=cwd, capture_output=True, text=True, timeout=120, check=False)


def project(tmp_path: Path, sync: str) -> Path:
    (tmp_path / "pyproject.toml").write_text(
        textwrap.dedent(
            """\
            [project]
            name = "demo"

            [tool.torch2paddle]
            """
        )
        + sync
        + "\n"
    )
    src = tmp_path / "torch_models"
    (src / "sub").mkdir(parents=True)
    (src / "__init__.py").write_text("")
    (src / "net.py").write_text(MODEL)
    (src / "sub" / "train.py").write_text(TRAIN)
    (src / "sub" / "util.py").write_text(PLAIN)
    (src / "config.yaml").write_text("lr: 0.1\n")
    return tmp_path


def test_sync_writes_then_is_up_to_date(tmp_path):
    proj = project(tmp_path, 'sync = [{ src = "torch_models", dst = "paddle_models" }]')
    first = run(cwd=proj)
    assert first.returncode == 1, first.stderr
    lines = first.stderr.splitlines()
    assert "paddle_models/net.py: update from torch_models/net.py" in lines
    assert lines[-1] == "sync: 4 updated, 0 up to date, 0 failed; stage the updated files"
    assert "nn.Conv2D" in (proj / "paddle_models" / "net.py").read_text()
    assert (proj / "paddle_models" / "sub" / "util.py").read_text() == PLAIN
    assert not (proj / "paddle_models" / "config.yaml").exists()

    before = snapshot(proj)
    second = run(cwd=proj / "torch_models" / "sub")  # found by walking up to pyproject.toml
    assert second.returncode == 0, second.stderr
    assert second.stderr.splitlines() == ["sync: 0 updated, 4 up to date, 0 failed"]
    assert snapshot(proj) == before
    assert run("--check", cwd=proj).returncode == 0


def test_sync_check_reports_without_writing(tmp_path):
    proj = project(tmp_path, 'sync = [{ src = "torch_models", dst = "paddle_models" }]')
    assert run(cwd=proj).returncode == 1
    (proj / "torch_models" / "sub" / "train.py").write_text(TRAIN.replace("(4, 2)", "(8, 2)"))
    before = snapshot(proj)
    proc = run("--check", cwd=proj)
    assert proc.returncode == 1
    assert "paddle_models/sub/train.py: would update from torch_models/sub/train.py" in proc.stderr.splitlines()
    assert proc.stderr.splitlines()[-1] == "sync: 1 would be updated, 3 up to date, 0 failed"
    assert snapshot(proj) == before


def test_sync_overwrites_hand_edits_of_outputs(tmp_path):
    proj = project(tmp_path, 'sync = [{ src = "torch_models", dst = "paddle_models" }]')
    run(cwd=proj)
    out = proj / "paddle_models" / "net.py"
    good = out.read_text()
    out.write_text(good + "# hand edit\n")
    assert run(cwd=proj).returncode == 1
    assert out.read_text() == good


def test_sync_options_copy_other_prune_strict_and_file_entries(tmp_path):
    proj = project(
        tmp_path,
        textwrap.dedent(
            """\
            sync = [
                { src = "torch_models", dst = "paddle_models", copy_other = true, prune = true },
                { src = "torch_models/net.py", dst = "single/net_paddle.py", strict = true },
            ]"""
        ),
    )
    assert run(cwd=proj).returncode == 1
    assert (proj / "paddle_models" / "config.yaml").read_text() == "lr: 0.1\n"
    assert "nn.Conv2D" in (proj / "single" / "net_paddle.py").read_text()
    # strict: torch.stft stays untranslated in net.py, so even an up-to-date sync exits 1
    proc = run("-q", cwd=proj)
    assert proc.returncode == 1
    assert proc.stderr.splitlines() == [
        "torch_models/net.py:13:13: T2P001 torch.stft: no rule for this torch API; left unchanged"
    ]
    # prune: an output whose source is gone is deleted
    (proj / "torch_models" / "sub" / "util.py").unlink()
    proc = run(cwd=proj)
    assert "paddle_models/sub/util.py: delete (its source is gone)" in proc.stderr.splitlines()
    assert not (proj / "paddle_models" / "sub" / "util.py").exists()


def test_sync_keeps_extra_outputs_without_prune(tmp_path):
    proj = project(tmp_path, 'sync = [{ src = "torch_models", dst = "paddle_models" }]')
    run(cwd=proj)
    (proj / "paddle_models" / "extra.py").write_text("x = 1\n")
    proc = run("-v", cwd=proj)
    assert proc.returncode == 0
    assert "paddle_models/extra.py: no source in torch_models (set prune = true to delete)" in proc.stderr
    assert (proj / "paddle_models" / "extra.py").exists()


def test_sync_bad_source_fails_but_syncs_the_rest(tmp_path):
    proj = project(tmp_path, 'sync = [{ src = "torch_models", dst = "paddle_models" }]')
    (proj / "torch_models" / "bad.py").write_text("import torch\nx = (\n")
    proc = run("-q", cwd=proj)
    assert proc.returncode == 2
    assert proc.stderr.splitlines()[0] == "torch_models/bad.py:2:5: T2P901 '(' was never closed"
    assert not (proj / "paddle_models" / "bad.py").exists()
    assert (proj / "paddle_models" / "net.py").exists()


@pytest.mark.parametrize(
    "sync, message",
    [
        ("", "pyproject.toml: [tool.torch2paddle] needs sync = ["),
        ("sync = []", "pyproject.toml: [tool.torch2paddle] needs sync = ["),
        ('sync = [{ src = "torch_models" }]', "entry 1: 'dst' must be a non-empty path string"),
        ('sync = [{ src = "nope", dst = "out" }]', "entry 1: src "),
        ('sync = [{ src = "torch_models", dst = "out", prune = "yes" }]', "entry 1: 'prune' must be true or false"),
        ('sync = [{ src = "torch_models", dst = "out", colour = 1 }]', "entry 1: unknown key(s) ['colour']"),
        ('sync = [{ src = "torch_models", dst = "torch_models/pd" }]', "must not contain each other"),
        ('sync = [{ src = "torch_models", dst = "." }]', "must not contain each other"),
        ("sync = [", "pyproject.toml: invalid TOML"),
    ],
)
def test_sync_config_errors(tmp_path, sync, message):
    proj = project(tmp_path, sync)
    before = snapshot(proj)
    proc = run(cwd=proj)
    assert proc.returncode == 2
    lines = proc.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("torch2paddle: error: ") and message in lines[0], lines
    assert snapshot(proj) == before


def test_sync_without_pyproject(tmp_path):
    proc = subprocess.run([EXE, "sync"], cwd=tmp_path, capture_output=True, text=True, timeout=60)
    if proc.returncode == 2 and "no [tool.torch2paddle]" in proc.stderr:
        pytest.skip("a pyproject.toml above the temporary folder")
    assert proc.returncode == 2
    assert proc.stderr.strip() == "torch2paddle: error: no pyproject.toml here or in a folder above; pass --config PYPROJECT"
    proc = subprocess.run([EXE, "sync", "--config", "nope.toml"], cwd=tmp_path, capture_output=True, text=True)
    assert proc.returncode == 2 and proc.stderr.strip() == "torch2paddle: error: nope.toml: no such file"
