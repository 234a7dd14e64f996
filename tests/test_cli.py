"""The installed ``torch2paddle translate`` command: trees, modes, reports, bad input.

Every test runs the real console script in a subprocess (except the ones that monkeypatch the
engine, which call ``main(argv)`` in-process) and checks the exit code, the message, and, by
snapshotting the whole temporary folder before and after, exactly which files were created or
changed.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
EXE = shutil.which("torch2paddle")

pytestmark = pytest.mark.skipif(EXE is None, reason="the torch2paddle console script is not installed")

MODEL = """\
import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 3, bias=False)
        self.bn = nn.BatchNorm2d(8, momentum=0.2)

    def forward(self, x):
        x = self.bn(self.conv(x))
        y = torch.stft(x, 4)
        return x.view(x.size(0), -1)
"""

TRAIN = """\
import torch.nn as nn

# keep this comment
model = nn.Sequential(nn.Linear(4, 2), nn.ReLU())
"""

PLAIN = "def add(a, b):\n    return a + b\n"

PADDLE = "import paddle.nn as nn\n\nlayer = nn.Conv2D(3, 8, 3)\n"


def run(*args: str, cwd: Path, stdin: bytes | None = None, stderr=subprocess.PIPE) -> subprocess.CompletedProcess:
    assert EXE is not None
    return subprocess.run(
        [EXE, *args], cwd=cwd, input=stdin, stdout=subprocess.PIPE, stderr=stderr, timeout=120, check=False
    )


def snapshot(root: Path) -> dict[str, tuple[bytes, int]]:
    """Every file under ``root`` (hidden ones too): content and permission bits."""
    out = {}
    for dirpath, _, filenames in os.walk(root):
        for name in filenames:
            p = Path(dirpath) / name
            out[str(p.relative_to(root))] = (p.read_bytes(), p.stat().st_mode & 0o7777)
    return out


def make_tree(root: Path) -> Path:
    src = root / "src"
    (src / "pkg").mkdir(parents=True)
    (src / "scripts").mkdir()
    (src / "pkg" / "__init__.py").write_text("")
    (src / "pkg" / "model.py").write_text(MODEL)
    (src / "pkg" / "util.py").write_text(PLAIN)
    (src / "pkg" / "data.txt").write_text("not python\n")
    (src / "scripts" / "train.py").write_text(TRAIN)
    return src


def err_lines(proc: subprocess.CompletedProcess) -> list[str]:
    return proc.stderr.decode().splitlines()


def report_schema() -> dict:
    blocks = re.findall(r"```json\n(.*?)```", (ROOT / "docs" / "report-schema.md").read_text(), re.S)
    return json.loads(blocks[0])


def validate_report(report: dict) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    jsonschema.Draft202012Validator(report_schema()).validate(report)


# ----------------------------------------------------------------------------- one file --
def test_single_file_goes_to_stdout_and_nothing_is_written(tmp_path):
    src = make_tree(tmp_path)
    before = snapshot(tmp_path)
    proc = run("translate", "src/pkg/model.py", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout.decode()
    assert "nn.Conv2D(3, 8, 3, bias_attr=False)" in out and "class Net(nn.Layer)" in out
    compile(out, "out.py", "exec")
    assert "src/pkg/model.py:13:13: T2P001 torch.stft: no rule for this torch API; left unchanged" in err_lines(
        proc
    )
    assert snapshot(tmp_path) == before
    assert (src / "pkg" / "model.py").read_text() == MODEL


def test_stdin_to_stdout_and_to_a_file(tmp_path):
    proc = run("translate", "-", cwd=tmp_path, stdin=TRAIN.encode())
    assert proc.returncode == 0, proc.stderr
    assert "paddle.nn as nn" in proc.stdout.decode() and "# keep this comment" in proc.stdout.decode()
    assert list(tmp_path.iterdir()) == []
    proc = run("translate", "-", "-o", "out.py", cwd=tmp_path, stdin=TRAIN.encode())
    assert proc.returncode == 0, proc.stderr
    assert "nn.Linear(4, 2)" in (tmp_path / "out.py").read_text()


def test_single_file_to_output_file_and_into_a_directory(tmp_path):
    make_tree(tmp_path)
    assert run("translate", "src/pkg/model.py", "-o", "o/model_pd.py", cwd=tmp_path).returncode == 0
    assert "nn.Conv2D" in (tmp_path / "o" / "model_pd.py").read_text()
    assert run("translate", "src/pkg/model.py", "-o", "newdir/", cwd=tmp_path).returncode == 0
    assert "nn.Conv2D" in (tmp_path / "newdir" / "model.py").read_text()


# ---------------------------------------------------------------------------------- trees --
def test_tree_is_mirrored_and_summarised(tmp_path):
    src = make_tree(tmp_path)
    before = snapshot(src)
    proc = run("translate", "src", "-o", "out", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    out = tmp_path / "out"
    assert sorted(str(p.relative_to(out)) for p in out.rglob("*") if p.is_file()) == [
        "pkg/__init__.py",
        "pkg/model.py",
        "pkg/util.py",
        "scripts/train.py",
    ]
    assert (out / "pkg" / "util.py").read_text() == PLAIN
    assert (out / "pkg" / "__init__.py").read_text() == ""
    assert "nn.Linear(4, 2)" in (out / "scripts" / "train.py").read_text()
    for p in out.rglob("*.py"):
        compile(p.read_text(), str(p), "exec")
    assert snapshot(src) == before  # inputs untouched
    summary = err_lines(proc)[-1]
    assert summary.startswith("4 files: 2 translated, 2 unchanged, 0 failed; 1 spot left untranslated")
    assert "most often: torch.stft (1)" in summary


def test_copy_other_copies_non_python_files(tmp_path):
    make_tree(tmp_path)
    assert run("translate", "src", "-o", "out", "--copy-other", cwd=tmp_path).returncode == 0
    assert (tmp_path / "out" / "pkg" / "data.txt").read_text() == "not python\n"


def test_summary_ranks_untranslated_apis(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    (src / "a.py").write_text("import torch\ny = torch.stft(x, 4)\nz = torch.stft(x, 8)\nw = torch.istft(x, 4)\n")
    (src / "b.py").write_text("import torch\ny = torch.stft(x, 4)\n")
    proc = run("translate", "src", "-o", "out", cwd=tmp_path)
    assert proc.returncode == 0
    assert err_lines(proc)[-1].endswith("4 spots left untranslated, most often: torch.stft (3), torch.istft (1)")


def _big_tree(root: Path, n: int) -> Path:
    src = root / "src"
    bodies = [MODEL, TRAIN, PLAIN, PADDLE, "import torch\nx = torch.zeros(2, 3)\ny = x.view(-1)\n"]
    for i in range(n):
        d = src / f"sub{i % 4}"
        d.mkdir(parents=True, exist_ok=True)
        (d / f"m{i:02d}.py").write_text(bodies[i % len(bodies)])
    return src


def test_jobs_output_is_identical_to_serial(tmp_path):
    _big_tree(tmp_path, 24)
    serial = run("translate", "src", "-o", "out1", "--jobs", "1", "--report", "r1.json", cwd=tmp_path)
    parallel = run("translate", "src", "-o", "out2", "--jobs", "2", "--report", "r2.json", cwd=tmp_path)
    assert serial.returncode == parallel.returncode == 0
    assert snapshot(tmp_path / "out1") == snapshot(tmp_path / "out2")
    r1 = json.loads((tmp_path / "r1.json").read_text())
    r2 = json.loads((tmp_path / "r2.json").read_text())
    for r in (r1, r2):
        for f in r["files"]:
            f["output"] = f["output"].replace("out1", "out").replace("out2", "out")
    assert r1 == r2
    assert serial.stderr == parallel.stderr


def test_progress_bar_only_on_a_terminal_for_long_runs(tmp_path):
    pty = pytest.importorskip("pty")
    _big_tree(tmp_path, 24)
    piped = run("translate", "src", "--check", cwd=tmp_path)
    assert b"\r" not in piped.stderr and b"[#" not in piped.stderr
    assert not any(line.endswith(": unchanged") for line in err_lines(piped))
    verbose = run("translate", "src", "--check", "-v", cwd=tmp_path)
    assert "src/sub0/m00.py: would be translated" in err_lines(verbose)
    assert "src/sub2/m02.py: unchanged" in err_lines(verbose)

    leader, follower = pty.openpty()
    try:
        proc = run("translate", "src", "--check", cwd=tmp_path, stderr=follower)
        os.close(follower)
        follower = -1
        chunks = []
        while True:
            try:
                data = os.read(leader, 65536)
            except OSError:  # EIO: the terminal's other end is closed
                break
            if not data:
                break
            chunks.append(data)
    finally:
        os.close(leader)
        if follower != -1:
            os.close(follower)
    tty_err = b"".join(chunks).decode()
    assert proc.returncode == 1
    assert "\r" in tty_err and "/24 " in tty_err and "[" in tty_err and "#" in tty_err
    assert "24 files: " in tty_err  # the summary still comes at the end


# ---------------------------------------------------------------------------------- modes --
def test_in_place_rewrites_only_changed_files_and_is_idempotent(tmp_path):
    src = make_tree(tmp_path)
    util_stat = (src / "pkg" / "util.py").stat()
    proc = run("translate", "src", "--in-place", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "nn.Conv2D" in (src / "pkg" / "model.py").read_text()
    assert (src / "pkg" / "util.py").stat().st_mtime_ns == util_stat.st_mtime_ns
    assert not [p for p in tmp_path.rglob("*") if p.name.endswith(".tmp")]
    after_first = snapshot(tmp_path)
    again = run("translate", "src", "--in-place", cwd=tmp_path)
    assert again.returncode == 0
    assert snapshot(tmp_path) == after_first
    assert run("translate", "src", "--check", cwd=tmp_path).returncode == 0


def test_check_exits_1_and_writes_nothing(tmp_path):
    make_tree(tmp_path)
    before = snapshot(tmp_path)
    proc = run("translate", "src", "--check", cwd=tmp_path)
    assert proc.returncode == 1
    lines = err_lines(proc)
    assert "would translate src/pkg/model.py" in lines and "would translate src/scripts/train.py" in lines
    assert "would translate src/pkg/util.py" not in lines
    assert lines[-1].startswith("4 files: 2 would be translated, 2 unchanged, 0 failed")
    assert proc.stdout == b""
    assert snapshot(tmp_path) == before


def test_check_passes_on_paddle_code(tmp_path):
    (tmp_path / "ok.py").write_text(PADDLE)
    proc = run("translate", "ok.py", "--check", cwd=tmp_path)
    assert proc.returncode == 0
    assert err_lines(proc) == ["1 file: 0 would be translated, 1 unchanged, 0 failed"]


def test_diff_prints_a_unified_diff_and_writes_nothing(tmp_path):
    make_tree(tmp_path)
    before = snapshot(tmp_path)
    proc = run("translate", "src", "--diff", cwd=tmp_path)
    assert proc.returncode == 0
    diff = proc.stdout.decode()
    assert diff.startswith("--- a/src/pkg/model.py\n+++ b/src/pkg/model.py\n@@ ")
    assert "-import torch.nn as nn\n+import paddle.nn as nn\n" in diff
    assert "+++ b/src/scripts/train.py" in diff and "util.py" not in diff
    assert snapshot(tmp_path) == before
    # the diff applies: patching a copy gives what -o writes
    if shutil.which("patch"):
        work = tmp_path / "work"
        shutil.copytree(tmp_path / "src", work / "src")
        subprocess.run(["patch", "-p1", "-s"], cwd=work, input=proc.stdout, check=True)
        assert run("translate", "src", "-o", "out", cwd=tmp_path).returncode == 0
        for rel in ("pkg/model.py", "scripts/train.py"):
            assert (work / "src" / rel).read_text() == (tmp_path / "out" / rel).read_text()
    both = run("translate", "src", "--check", "--diff", cwd=tmp_path)
    assert both.returncode == 1 and both.stdout == proc.stdout


def test_report_matches_documented_schema(tmp_path):
    src = make_tree(tmp_path)
    (src / "broken.py").write_text("import torch\nx = (\n")
    proc = run("translate", "src", "-o", "out", "--report", "report.json", cwd=tmp_path)
    assert proc.returncode == 2
    report = json.loads((tmp_path / "report.json").read_text())
    validate_report(report)
    assert report["mode"] == "output" and report["exit_code"] == 2
    by_path = {f["path"]: f for f in report["files"]}
    assert list(by_path) == [
        "src/broken.py",
        "src/pkg/__init__.py",
        "src/pkg/model.py",
        "src/pkg/util.py",
        "src/scripts/train.py",
    ]
    broken = by_path["src/broken.py"]
    assert broken["status"] == "failed" and broken["output"] == "out/broken.py" and not broken["written"]
    assert broken["diagnostics"][0]["code"] == "T2P901" and broken["diagnostics"][0]["line"] == 2
    assert broken["counts"]["errors"] == 1
    model = by_path["src/pkg/model.py"]
    assert model["status"] == "translated" and model["changed"] and model["written"]
    assert model["diagnostics"] == [
        {
            "path": "src/pkg/model.py",
            "line": 13,
            "col": 13,
            "code": "T2P001",
            "message": "no rule for this torch API; left unchanged",
            "severity": "error",
            "api": "torch.stft",
        }
    ]
    assert model["rules_applied"]["torch.nn.Module"] == 1
    assert model["counts"]["untranslated"] == 1
    assert model["counts"]["rules_applied"] == sum(model["rules_applied"].values())
    assert by_path["src/pkg/util.py"]["status"] == "unchanged"
    s = report["summary"]
    assert (s["files"], s["translated"], s["unchanged"], s["failed"]) == (5, 2, 2, 1)
    assert s["untranslated_apis"] == [{"api": "torch.stft", "count": 1}]
    # a second run writes nothing new: the outputs already hold the translation
    run("translate", "src", "-o", "out", "--report", "report2.json", cwd=tmp_path)
    report2 = json.loads((tmp_path / "report2.json").read_text())
    validate_report(report2)
    assert not any(f["written"] for f in report2["files"])


def test_report_in_check_mode_and_schema_example_are_valid(tmp_path):
    make_tree(tmp_path)
    assert run("translate", "src", "--check", "--report", "r.json", cwd=tmp_path).returncode == 1
    report = json.loads((tmp_path / "r.json").read_text())
    validate_report(report)
    assert report["mode"] == "check" and report["exit_code"] == 1
    assert all(f["output"] is None and not f["written"] for f in report["files"])
    example = re.findall(r"```json\n(.*?)```", (ROOT / "docs" / "report-schema.md").read_text(), re.S)[1]
    validate_report(json.loads(example))


def test_strict_exits_1_on_untranslated_code_but_still_writes(tmp_path):
    make_tree(tmp_path)
    proc = run("translate", "src/pkg/model.py", "-o", "out.py", "--strict", "-q", cwd=tmp_path)
    assert proc.returncode == 1
    assert err_lines(proc) == [
        "src/pkg/model.py:13:13: T2P001 torch.stft: no rule for this torch API; left unchanged"
    ]
    assert "TODO(torch2paddle)" in (tmp_path / "out.py").read_text()
    assert run("translate", "src/scripts/train.py", "-o", "t.py", "--strict", cwd=tmp_path).returncode == 0


def test_quiet_prints_nothing_on_success(tmp_path):
    make_tree(tmp_path)
    proc = run("translate", "src", "-o", "out", "-q", cwd=tmp_path)
    assert proc.returncode == 0 and proc.stderr == b"" and proc.stdout == b""


@pytest.mark.parametrize(
    "args, message",
    [
        (["src", "--in-place", "--check"], "--in-place cannot be combined with --check or --diff"),
        (["src", "-o", "out", "--diff"], "-o cannot be combined with --in-place, --check or --diff"),
        (["src"], "translating a directory or several files needs -o OUT_DIR, --in-place, --check or --diff"),
        (["src", "-o", "out", "--jobs", "-1"], "--jobs must be 0 (one per core) or more"),
        (["-", "src"], "'-' (stdin) cannot be combined with other inputs"),
        (["src", "--in-place", "--copy-other"], "--copy-other needs -o OUT_DIR"),
        (["src", "-o", "src/pkg/util.py"], "src/pkg/util.py: not a directory"),
    ],
)
def test_usage_errors(tmp_path, args, message):
    make_tree(tmp_path)
    before = snapshot(tmp_path)
    proc = run("translate", *args, cwd=tmp_path)
    assert proc.returncode == 2
    assert err_lines(proc) == [f"torch2paddle: error: {message}"]
    assert snapshot(tmp_path) == before


def test_unknown_command_and_option(tmp_path):
    assert run("frobnicate", cwd=tmp_path).returncode == 2
    assert run("translate", "--no-such-flag", "x.py", cwd=tmp_path).returncode == 2
    assert run("translate", "--help", cwd=tmp_path).returncode == 0


# ------------------------------------------------------------------------------ bad input --
BAD_FILES = {
    "syntax.py": (b"import torch\nx = (\n", r"syntax\.py:2:5: T2P901 .+"),
    "latin1.py": (b"import torch\ns = 'caf\xe9'\n", r"latin1\.py:2:9: T2P902 not valid UTF-8 \(byte 0xe9\).*"),
    "binary.py": (b"\x7fELF\x02\x01\x00\x00torch", r"binary\.py: T2P902 binary file .*"),
}


@pytest.mark.parametrize("name", sorted(BAD_FILES))
@pytest.mark.parametrize("mode", ["stdout", "output", "in-place", "check", "diff"])
def test_bad_file_gives_one_line_error_exit_2_and_writes_nothing(tmp_path, name, mode):
    data, pattern = BAD_FILES[name]
    (tmp_path / name).write_bytes(data)
    before = snapshot(tmp_path)
    extra = {"stdout": [], "output": ["-o", "out.py"], "in-place": ["--in-place"], "check": ["--check"], "diff": ["--diff"]}
    proc = run("translate", name, "-q", *extra[mode], cwd=tmp_path)
    assert proc.returncode == 2
    lines = err_lines(proc)
    assert len(lines) == 1 and re.fullmatch(pattern, lines[0]), lines
    assert proc.stdout == b""
    assert snapshot(tmp_path) == before


def test_empty_file_is_valid_python(tmp_path):
    """An empty file (an ``__init__.py``) is valid Python: translated to an empty file, exit 0."""
    (tmp_path / "empty.py").write_bytes(b"")
    proc = run("translate", "empty.py", "-o", "out.py", cwd=tmp_path)
    assert proc.returncode == 0
    assert (tmp_path / "out.py").read_bytes() == b""
    assert err_lines(proc) == ["1 file: 0 translated, 1 unchanged, 0 failed"]


def test_missing_path(tmp_path):
    (tmp_path / "a.py").write_text(TRAIN)
    before = snapshot(tmp_path)
    proc = run("translate", "a.py", "nope/missing.py", "-o", "out", cwd=tmp_path)
    assert proc.returncode == 2
    assert err_lines(proc) == ["torch2paddle: error: nope/missing.py: no such file or directory"]
    assert snapshot(tmp_path) == before


@pytest.mark.parametrize(
    "args, message",
    [
        (["src", "-o", "src/out"], "src/out: output directory is inside the input tree src"),
        (["src", "-o", "src"], "src: output directory is inside the input tree src"),
        (["src/pkg/model.py", "-o", "src/pkg/model.py"], "src/pkg/model.py: output would overwrite the input"),
        (["src/pkg/model.py", "src/scripts/train.py", "-o", "src/pkg"], "src/pkg/model.py: output would overwrite"),
    ],
)
def test_output_inside_or_over_the_input(tmp_path, args, message):
    make_tree(tmp_path)
    before = snapshot(tmp_path)
    proc = run("translate", *args, cwd=tmp_path)
    assert proc.returncode == 2
    lines = err_lines(proc)
    assert len(lines) == 1 and lines[0].startswith(f"torch2paddle: error: {message}"), lines
    assert snapshot(tmp_path) == before


def test_unwritable_output_file(tmp_path):
    make_tree(tmp_path)
    (tmp_path / "blocker").write_text("a file where a folder is needed\n")
    before = snapshot(tmp_path)
    proc = run("translate", "src/pkg/model.py", "-o", "blocker/model.py", "-q", cwd=tmp_path)
    assert proc.returncode == 2
    assert err_lines(proc) == ["blocker/model.py: T2P904 cannot write: blocker is a file, not a directory"]
    assert snapshot(tmp_path) == before


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root can write to read-only folders")
def test_read_only_output_folder(tmp_path):
    make_tree(tmp_path)
    (tmp_path / "ro").mkdir(mode=0o555)
    proc = run("translate", "src/pkg/model.py", "-o", "ro/model.py", "-q", cwd=tmp_path)
    assert proc.returncode == 2
    assert err_lines(proc) == ["ro/model.py: T2P904 cannot write: Permission denied"]
    assert list((tmp_path / "ro").iterdir()) == []


def test_one_bad_file_never_stops_the_others(tmp_path):
    src = make_tree(tmp_path)
    (src / "a_syntax.py").write_bytes(BAD_FILES["syntax.py"][0])
    (src / "pkg" / "b_binary.py").write_bytes(BAD_FILES["binary.py"][0])
    # an output slot that cannot be written: a folder stands where the file should go
    (tmp_path / "out" / "scripts" / "train.py").mkdir(parents=True)
    src_before = snapshot(src)
    for jobs in ("1", "2"):
        proc = run("translate", "src", "-o", "out", "-q", "--jobs", jobs, cwd=tmp_path)
        assert proc.returncode == 2
        lines = err_lines(proc)
        assert len(lines) == 3, lines
        assert re.fullmatch(r"src/a_syntax\.py:2:5: T2P901 .+", lines[0])
        assert lines[1] == "src/pkg/b_binary.py: T2P902 binary file (contains NUL bytes), not Python source"
        assert lines[2].startswith("out/scripts/train.py: T2P904 cannot write: ")
        out = tmp_path / "out"
        assert "nn.Conv2D" in (out / "pkg" / "model.py").read_text()
        assert (out / "pkg" / "util.py").read_text() == PLAIN
        assert not (out / "a_syntax.py").exists() and not (out / "pkg" / "b_binary.py").exists()
        assert (out / "scripts" / "train.py").is_dir()
        assert not [p for p in out.rglob("*") if p.name.endswith(".tmp")]
        assert snapshot(src) == src_before


def test_in_place_leaves_bad_files_untouched(tmp_path):
    src = make_tree(tmp_path)
    (src / "bad.py").write_bytes(b"import torch\ndef f(:\n")
    proc = run("translate", "src", "--in-place", "-q", cwd=tmp_path)
    assert proc.returncode == 2
    assert (src / "bad.py").read_bytes() == b"import torch\ndef f(:\n"
    assert "nn.Conv2D" in (src / "pkg" / "model.py").read_text()


def test_keeps_permissions_and_bom(tmp_path):
    p = tmp_path / "tool.py"
    p.write_bytes(b"\xef\xbb\xbfimport torch.nn as nn\nm = nn.ReLU()\n")
    p.chmod(0o750)
    assert run("translate", "tool.py", "--in-place", cwd=tmp_path).returncode == 0
    assert p.stat().st_mode & 0o777 == 0o750
    assert "paddle.nn" in p.read_text(encoding="utf-8-sig")


# ------------------------------------------------------------- in-process (monkeypatched) --
def _crash(*args, **kwargs):
    raise ZeroDivisionError("boom")


def test_rule_crash_is_reported_with_rule_and_position(tmp_path, monkeypatch, capsys):
    from translator.cli import main
    from translator.translate import handlers  # noqa: F401  (registers the handlers)
    from translator.translate.registry import HANDLERS

    monkeypatch.setitem(HANDLERS, "tensor_reshape", _crash)
    src = make_tree(tmp_path)
    before = snapshot(tmp_path)
    code = main(["translate", str(src / "pkg" / "model.py"), "-o", str(tmp_path / "out.py"), "-q"])
    assert code == 2
    err = capsys.readouterr().err.splitlines()
    assert err == [
        f"{src / 'pkg' / 'model.py'}:14:16: T2P906 torch.Tensor.view: internal error in rule: ZeroDivisionError: boom"
    ]
    assert snapshot(tmp_path) == before

    # in a tree, the other files are still translated; with --jobs the workers see the patch too
    for jobs in ("1", "2"):
        out = tmp_path / f"out{jobs}"
        code = main(["translate", str(src), "-o", str(out), "-q", "--jobs", jobs])
        assert code == 2
        assert not (out / "pkg" / "model.py").exists()
        assert "nn.Linear(4, 2)" in (out / "scripts" / "train.py").read_text()
        assert len(capsys.readouterr().err.splitlines()) == 1
    assert snapshot(src) == {k[len("src/") :]: v for k, v in before.items() if k.startswith("src/")}


def test_failed_write_leaves_old_file_and_no_temporary(tmp_path, monkeypatch, capsys):
    from translator import paths
    from translator.cli import main

    make_tree(tmp_path)
    target = tmp_path / "out.py"
    target.write_text("old content\n")

    def broken_replace(a, b):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(paths.os, "replace", broken_replace)
    code = main(["translate", str(tmp_path / "src" / "pkg" / "model.py"), "-o", str(target), "-q"])
    assert code == 2
    assert capsys.readouterr().err.strip() == f"{target}: T2P904 cannot write: No space left on device"
    assert target.read_text() == "old content\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.py", "src"]


def test_internal_engine_exception_becomes_a_failed_file(tmp_path, monkeypatch, capsys):
    from translator import paths
    from translator.cli import main

    def explode(code, *, path=None, table=None, settings=None):
        raise RuntimeError("unexpected")

    monkeypatch.setattr(paths, "translate_source", explode)
    (tmp_path / "a.py").write_text(TRAIN)
    assert main(["translate", str(tmp_path / "a.py"), "-q"]) == 2
    assert capsys.readouterr().err.strip() == f"{tmp_path / 'a.py'}: T2P906 internal error: RuntimeError: unexpected"


def test_diff_into_a_closed_pipe_is_quiet(tmp_path):
    (tmp_path / "src").mkdir()
    # one changed line next to a 1 MB context line: far more than a pipe buffer, quick to translate
    (tmp_path / "src" / "big.py").write_text("import torch.nn as nn\nS = '" + "x" * 1_000_000 + "'\n")
    proc = subprocess.run(
        f"{EXE} translate src --diff | head -c 10", shell=True, cwd=tmp_path, capture_output=True, timeout=60
    )
    assert b"Traceback" not in proc.stderr and b"BrokenPipe" not in proc.stderr


def test_python_dash_m_entry_point(tmp_path):
    (tmp_path / "a.py").write_text(TRAIN)
    proc = subprocess.run(
        [sys.executable, "-m", "translator.cli", "translate", "a.py"], cwd=tmp_path, capture_output=True, timeout=60
    )
    assert proc.returncode == 0 and b"paddle.nn" in proc.stdout


def test_python_dash_m_ends_with_the_exit_code_and_every_byte_written(tmp_path):
    """The script ends a ``translate`` run without the interpreter's teardown (cli.entry): the
    exit code is main's and stdout/stderr are flushed first, however much was printed."""
    body = "".join(f"def f{i}(x):\n    return torch.sigmoid(x) + {i}\n\n\n" for i in range(300))
    (tmp_path / "big.py").write_text("import torch\n\n\n" + body)
    (tmp_path / "left.py").write_text("import torch\n\nx = torch.frobnicate(1)\n")
    proc = subprocess.run([sys.executable, "-m", "translator.cli", "translate", "big.py", "--no-cache", "--no-format"],
                          cwd=tmp_path, capture_output=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.count(b"paddle.nn.functional.sigmoid(x)") == 300 and proc.stdout.endswith(b"+ 299\n\n\n")
    proc = subprocess.run([sys.executable, "-m", "translator.cli", "translate", "left.py", "--strict", "--no-cache"],
                          cwd=tmp_path, capture_output=True, timeout=120)
    assert proc.returncode == 1 and b"left.py:3:" in proc.stderr and b"torch.frobnicate" in proc.stdout
