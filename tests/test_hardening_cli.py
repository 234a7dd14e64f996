"""Issue 15 items 4, 6, 7, 8, 10, 13: the command line at its edges."""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest

from translator import cli
from translator.weights.cli import main_convert_weights

ROOT = Path(__file__).resolve().parent.parent

# A meta-path hook that makes numpy, torch and paddle look uninstalled (a core install).
BLOCK_EXTRAS = textwrap.dedent(
    """
    import sys
    class _Block:
        def find_spec(self, name, path=None, target=None):
            if name.split(".")[0] in ("numpy", "torch", "torchvision", "paddle", "safetensors"):
                raise ModuleNotFoundError(f"No module named {name!r}", name=name)
            return None
    sys.meta_path.insert(0, _Block())
    """
)


def _core_install(code: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "TORCH2PADDLE_NO_CACHE": "1"}
    return subprocess.run(
        [sys.executable, "-c", BLOCK_EXTRAS + textwrap.dedent(code)], capture_output=True, text=True, env=env, cwd=cwd
    )


def test_core_install_star_import_and_commands_name_the_extra(tmp_path):
    (tmp_path / "m.pth").write_bytes(b"PK\x05\x06" + b"\0" * 18)
    run = _core_install(
        """
        from translator import *
        assert translate_source("x = 1\\n").code == "x = 1\\n"
        try:
            convert_state_dict({}, None)
        except ModuleNotFoundError as exc:
            print("library:", exc)
        from translator.cli import main
        print("convert-weights exit", main(["convert-weights", "m.pth", "-o", "m.pdparams"]))
        print("verify exit", main(["verify", "model.py:build"]))
        """,
        tmp_path,
    )
    assert run.returncode == 0, run.stderr
    assert 'library: translator.convert_state_dict needs numpy, which is not installed: pip install "torch2paddle[verify]"' in run.stdout
    assert "convert-weights exit 2" in run.stdout and "verify exit 2" in run.stdout
    lines = run.stderr.strip().splitlines()
    assert lines == [
        'torch2paddle: error: convert-weights needs numpy, which is not installed: pip install "torch2paddle[verify]"',
        'torch2paddle: error: verify needs numpy, which is not installed: pip install "torch2paddle[verify]"',
    ]
    assert not (tmp_path / "m.pdparams").exists()


# ---------------------------------------------------------------- convert-weights (items 6, 13)


def _checkpoint(tmp_path: Path) -> Path:
    import torch

    path = tmp_path / "net.pth"
    torch.save({"w": torch.ones(2, 3)}, path)
    return path


def test_convert_weights_refuses_to_overwrite_the_checkpoint(tmp_path, capsys):
    ckpt = _checkpoint(tmp_path)
    before = ckpt.read_bytes()
    for out in (ckpt, tmp_path / "sub" / ".." / "net.pth"):
        (tmp_path / "sub").mkdir(exist_ok=True)
        assert main_convert_weights([str(ckpt), "-o", str(out)]) == 2
        err = capsys.readouterr().err
        assert err.startswith("torch2paddle: error: ") and "overwrite the checkpoint" in err
    link = tmp_path / "link.pdparams"
    link.symlink_to(ckpt)
    assert main_convert_weights([str(ckpt), "-o", str(link)]) == 2
    assert ckpt.read_bytes() == before


def test_convert_weights_creates_the_folder_with_the_umask_mode(tmp_path, capsys):
    ckpt = _checkpoint(tmp_path)
    out = tmp_path / "new" / "deeper" / "net.pdparams"
    old = os.umask(0o022)
    try:
        assert main_convert_weights([str(ckpt), "-o", str(out)]) == 0
    finally:
        os.umask(old)
    assert stat.S_IMODE(out.stat().st_mode) == 0o644


def test_one_error_prefix_across_commands(tmp_path, capsys):
    missing = str(tmp_path / "missing.pth")
    assert cli.main(["convert-weights", missing, "-o", str(tmp_path / "o.pdparams")]) == 2
    assert cli.main(["translate", str(tmp_path / "missing.py")]) == 2
    assert cli.main(["verify", str(tmp_path / "missing.py") + ":build"]) == 2
    lines = [line for line in capsys.readouterr().err.splitlines() if "error" in line]  # not paddle's warnings
    assert len(lines) == 3 and all(line.startswith("torch2paddle: error: ") for line in lines), lines


def test_verify_report_over_an_input_is_refused(tmp_path, capsys):
    model = tmp_path / "model.py"
    model.write_text("import torch\n\ndef build():\n    return torch.nn.Linear(2, 2)\n")
    before = model.read_text()
    for argv in (
        [f"{model}:build", "--report", str(model)],
        [f"{model}:build", "--save-translation", str(model)],
        [f"{model}:build", "--report", str(tmp_path / "x.py"), "--save-translation", str(tmp_path / "x.py")],
    ):
        assert cli.main(["verify", *argv]) == 2
        err = capsys.readouterr().err
        assert err.startswith("torch2paddle: error: ") and len(err.strip().splitlines()) == 1
    assert model.read_text() == before


# ---------------------------------------------------------------- tree walks (items 4, 7)

TORCH_SRC = "import torch\nx = torch.zeros(3)\n"


def _tree(tmp_path: Path) -> Path:
    src = tmp_path / "src"
    for rel in ("a.py", "locked/b.py", "venv/lib/c.py", ".venv/d.py", "real/e.py"):
        (src / rel).parent.mkdir(parents=True, exist_ok=True)
        (src / rel).write_text(TORCH_SRC)
    (src / "linked").symlink_to(src / "real", target_is_directory=True)
    return src


def _deny(monkeypatch, folder: Path) -> None:
    """``folder`` cannot be listed (chmod 000 does not stop root, so os.scandir is made to fail)."""
    real = os.scandir

    def scandir(path="."):
        if Path(path) == folder:
            raise PermissionError(13, "Permission denied", str(path))
        return real(path)

    monkeypatch.setattr(os, "scandir", scandir)


def test_unreadable_folder_is_reported_and_fails_the_run(tmp_path, capsys, monkeypatch):
    src = _tree(tmp_path)
    _deny(monkeypatch, src / "locked")
    code = cli.main(["translate", str(src), "-o", str(tmp_path / "out"), "--no-cache"])
    err = capsys.readouterr().err
    assert code == 2
    assert f"{src / 'locked'}: T2P903 cannot read the directory: Permission denied" in err
    assert "1 folder(s) could not be read" in err
    assert (tmp_path / "out" / "a.py").exists()  # the others are still translated


def test_skipped_folders_are_said_with_verbose(tmp_path, capsys):
    src = _tree(tmp_path)
    assert cli.main(["translate", str(src), "--check", "--no-cache"]) == 1
    assert ": skipped:" not in capsys.readouterr().err
    assert cli.main(["translate", str(src), "--check", "--no-cache", "--verbose"]) == 1
    err = capsys.readouterr().err
    assert f"{src / 'venv'}: skipped: a virtual environment or tool folder" in err
    assert f"{src / '.venv'}: skipped: a virtual environment or tool folder" in err
    assert f"{src / 'linked'}: skipped: a symbolic link to a directory (not followed)" in err


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_fifo_in_a_tree_is_skipped_and_reported(tmp_path, capsys):
    src = tmp_path / "src"
    src.mkdir()
    (src / "a.py").write_text(TORCH_SRC)
    os.mkfifo(src / "pipe.py")
    os.mkfifo(src / "data.txt")
    start = time.monotonic()
    code = cli.main(["translate", str(src), "-o", str(tmp_path / "out"), "--copy-other", "--no-cache"])
    assert time.monotonic() - start < 30
    err = capsys.readouterr().err
    assert code == 0
    assert f"{src / 'pipe.py'}: skipped: a FIFO, not a regular file; not read" in err
    assert f"{src / 'data.txt'}: skipped: a FIFO, not a regular file; not read" in err
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["a.py"]
    # named directly, it is not read either
    assert cli.main(["translate", str(src / "pipe.py"), "--no-cache"]) == 2
    assert "a FIFO, not a regular file" in capsys.readouterr().err


# ---------------------------------------------------------------- processes and streams (item 7)

BIG_SOURCE = "import torch\nimport torch.nn as nn\n\n" + "".join(
    f"class Net{i}(nn.Module):\n    def __init__(self):\n        super().__init__()\n"
    f"        self.conv = nn.Conv2d(3, 8, 3)\n        self.fc = nn.Linear(8, {i + 1})\n\n"
    "    def forward(self, x):\n        return self.fc(torch.flatten(self.conv(x), 1)).softmax(-1)\n\n"
    for i in range(60)
)


def _big_tree(tmp_path: Path, n: int = 80) -> Path:
    src = tmp_path / "big"
    src.mkdir()
    for i in range(n):
        (src / f"m{i:03d}.py").write_text(BIG_SOURCE)
    return src


def _children(pid: int) -> list[int]:
    out = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                out.append(int(entry.name))
    return out


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _as_in_a_terminal() -> None:
    # a command started in the background by a non-interactive shell (`pytest &`, some CI
    # runners) inherits SIGINT ignored, and Python then installs no KeyboardInterrupt handler:
    # the CLI gets Ctrl-C as a terminal's foreground process does
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _start(args: list[str], tmp_path: Path) -> subprocess.Popen:
    env = {**os.environ, "TORCH2PADDLE_NO_CACHE": "1"}
    return subprocess.Popen(
        [sys.executable, "-m", "translator.cli", *args], cwd=tmp_path, env=env,
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, preexec_fn=_as_in_a_terminal,
    )


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_workers_die_with_the_parent(tmp_path):
    src = _big_tree(tmp_path)
    proc = _start(["translate", str(src), "--check", "--jobs", "2"], tmp_path)
    workers: list[int] = []
    deadline = time.monotonic() + 30
    while len(workers) < 2 and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.1)
        workers = _children(proc.pid)
    assert len(workers) >= 2, "the workers never started"
    proc.kill()
    proc.wait()
    deadline = time.monotonic() + 10
    while any(_alive(w) for w in workers) and time.monotonic() < deadline:
        time.sleep(0.1)
    left = [w for w in workers if _alive(w)]
    for w in left:
        os.kill(w, signal.SIGKILL)
    assert not left, "workers outlived the parent"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_ctrl_c_prints_one_line_and_exits_130(tmp_path):
    src = _big_tree(tmp_path)
    proc = _start(["translate", str(src), "--check", "--jobs", "2"], tmp_path)
    deadline = time.monotonic() + 30
    while len(_children(proc.pid)) < 2 and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.1)
    time.sleep(0.5)
    os.kill(proc.pid, signal.SIGINT)
    for w in _children(proc.pid):  # as a terminal does: the whole foreground group
        os.kill(w, signal.SIGINT)
    _, err = proc.communicate(timeout=10)  # the files not started are not translated
    assert proc.returncode == 130, err
    assert "Traceback" not in err
    assert err.strip().splitlines()[-1] == "torch2paddle: error: interrupted"
    assert [line for line in err.splitlines() if "interrupted" in line] == ["torch2paddle: error: interrupted"]


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="no /dev/full")
def test_full_stdout_is_one_line_and_exit_2(tmp_path):
    src = tmp_path / "m.py"
    src.write_text(TORCH_SRC)
    with open("/dev/full", "w") as full:
        run = subprocess.run(
            [sys.executable, "-m", "translator.cli", "translate", str(src), "--no-cache"],
            stdout=full, stderr=subprocess.PIPE, text=True, cwd=tmp_path,
        )
    assert run.returncode == 2
    assert run.stderr == "torch2paddle: error: cannot write the output: No space left on device\n"
