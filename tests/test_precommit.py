"""The hooks of .pre-commit-hooks.yaml, run by the real ``pre-commit`` on real ``git commit``s.

A snapshot of this checkout (the package, the rule table, the hook definitions) is committed
into a temporary git repository that serves as the hook source; a second temporary repository
uses it from its ``.pre-commit-config.yaml``.  pre-commit builds its own virtualenv and
pip-installs the hook repository into it (libcst comes from the configured package index), once
per test session: that first build takes most of this module's time.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PRE_COMMIT = shutil.which("pre-commit")
GIT = shutil.which("git")

pytestmark = [
    pytest.mark.skipif(PRE_COMMIT is None or GIT is None, reason="needs the pre-commit and git programs"),
]

TORCH = "import torch.nn as nn\n\nlayer = nn.Conv2d(3, 8, 3, bias=False)\n"
PADDLE = "import paddle.nn as nn\n\nlayer = nn.Conv2D(3, 8, 3, bias_attr=False)\n"


def _env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GIT_", "PRE_COMMIT", "VIRTUAL_ENV"))}
    env.update(
        PRE_COMMIT_HOME=str(home),
        GIT_AUTHOR_NAME="t",
        GIT_AUTHOR_EMAIL="t@example.com",
        GIT_COMMITTER_NAME="t",
        GIT_COMMITTER_EMAIL="t@example.com",
        GIT_CONFIG_NOSYSTEM="1",
        PRE_COMMIT_COLOR="never",
    )
    return env


def git(cwd: Path, *args: str, env: dict[str, str], check: bool = True) -> subprocess.CompletedProcess:
    return subprocess.run(
        [GIT, "-c", "init.defaultBranch=main", "-c", "commit.gpgsign=false", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=check,
    )


@pytest.fixture(scope="session")
def hook_source(tmp_path_factory) -> tuple[Path, str, dict[str, str]]:
    """(hook repository, its commit, environment with a session-wide PRE_COMMIT_HOME)."""
    base = tmp_path_factory.mktemp("precommit")
    env = _env(base / "cache")
    repo = base / "torch2paddle"
    repo.mkdir()
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for name in ("translator", "rules"):
        shutil.copytree(ROOT / name, repo / name, ignore=ignore)
    for name in ("pyproject.toml", ".pre-commit-hooks.yaml"):
        shutil.copy2(ROOT / name, repo / name)
    readme = ROOT / "README.md"
    (repo / "README.md").write_text(readme.read_text() if readme.is_file() else "torch2paddle\n")
    git(repo, "init", "-q", env=env)
    git(repo, "add", "-A", env=env)
    git(repo, "commit", "-q", "-m", "snapshot of the working tree", env=env)
    rev = git(repo, "rev-parse", "HEAD", env=env).stdout.strip()
    return repo, rev, env


def make_project(tmp_path: Path, hook_source, hooks: list[str], pyproject: str | None = None) -> Path:
    repo_path, rev, env = hook_source
    proj = tmp_path / "project"
    proj.mkdir()
    git(proj, "init", "-q", env=env)
    hook_lines = "\n".join(f"      - id: {h}" for h in hooks)
    (proj / ".pre-commit-config.yaml").write_text(
        f"repos:\n  - repo: {repo_path}\n    rev: {rev}\n    hooks:\n{hook_lines}\n"
    )
    if pyproject is not None:
        (proj / "pyproject.toml").write_text(pyproject)
    subprocess.run([PRE_COMMIT, "install"], cwd=proj, env=env, check=True, capture_output=True, timeout=120)
    git(proj, "add", "-A", env=env)
    git(proj, "commit", "-q", "--no-verify", "-m", "configure pre-commit", env=env)
    return proj


def commit(proj: Path, env: dict[str, str], message: str = "change") -> subprocess.CompletedProcess:
    """``git commit`` (running the hooks); ``.stdout`` holds git's and pre-commit's output both."""
    return subprocess.run(
        [GIT, "commit", "-m", message],
        cwd=proj,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=600,
        check=False,
    )


def n_commits(proj: Path, env: dict[str, str]) -> int:
    return int(git(proj, "rev-list", "--count", "HEAD", env=env).stdout)


def test_check_hook_passes_paddle_code_and_blocks_torch_code(tmp_path, hook_source):
    env = hook_source[2]
    proj = make_project(tmp_path, hook_source, ["torch2paddle-check"])
    (proj / "layers.py").write_text(PADDLE)
    (proj / "notes.txt").write_text("import torch\n")  # not Python: not checked
    git(proj, "add", "-A", env=env)
    ok = commit(proj, env, "paddle code")
    assert ok.returncode == 0, ok.stdout
    assert "torch2paddle check" in ok.stdout and "Passed" in ok.stdout

    (proj / "model.py").write_text(TORCH)
    git(proj, "add", "model.py", env=env)
    before = n_commits(proj, env)
    bad = commit(proj, env, "torch code")
    assert bad.returncode != 0
    assert "Failed" in bad.stdout and "would translate model.py" in bad.stdout
    assert (proj / "model.py").read_text() == TORCH  # the check never rewrites
    assert n_commits(proj, env) == before


def test_fix_hook_rewrites_then_the_commit_goes_through(tmp_path, hook_source):
    env = hook_source[2]
    proj = make_project(tmp_path, hook_source, ["torch2paddle-fix"])
    (proj / "model.py").write_text(TORCH)
    git(proj, "add", "model.py", env=env)
    first = commit(proj, env, "torch code")
    assert first.returncode != 0
    assert "files were modified by this hook" in first.stdout
    assert (proj / "model.py").read_text() == PADDLE
    git(proj, "add", "model.py", env=env)
    second = commit(proj, env, "translated")
    assert second.returncode == 0, second.stdout
    assert git(proj, "show", "HEAD:model.py", env=env).stdout == PADDLE


def test_fix_hook_fails_on_a_file_it_cannot_parse(tmp_path, hook_source):
    env = hook_source[2]
    proj = make_project(tmp_path, hook_source, ["torch2paddle-fix"])
    (proj / "broken.py").write_text("import torch\ndef f(:\n")
    git(proj, "add", "broken.py", env=env)
    res = commit(proj, env)
    assert res.returncode != 0
    assert "broken.py:2:7: T2P901 invalid syntax" in res.stdout  # where CPython says
    assert (proj / "broken.py").read_text() == "import torch\ndef f(:\n"


SYNC_PYPROJECT = textwrap.dedent(
    """\
    [project]
    name = "demo"
    version = "0"

    [tool.torch2paddle]
    sync = [{ src = "torch_models", dst = "paddle_models" }]
    """
)


def test_sync_hook_keeps_outputs_in_step(tmp_path, hook_source):
    env = hook_source[2]
    proj = make_project(tmp_path, hook_source, ["torch2paddle-sync"], pyproject=SYNC_PYPROJECT)
    (proj / "torch_models").mkdir()
    (proj / "torch_models" / "__init__.py").write_text("")
    (proj / "torch_models" / "net.py").write_text(TORCH)
    git(proj, "add", "-A", env=env)

    first = commit(proj, env, "add a torch model")
    assert first.returncode != 0
    assert "paddle_models/net.py: update from torch_models/net.py" in first.stdout
    assert (proj / "paddle_models" / "net.py").read_text() == PADDLE
    assert (proj / "paddle_models" / "__init__.py").read_text() == ""

    git(proj, "add", "-A", env=env)
    second = commit(proj, env, "add the model and its Paddle port")
    assert second.returncode == 0, second.stdout

    # a later edit of the torch source alone is caught, and the port follows
    (proj / "torch_models" / "net.py").write_text(TORCH.replace("bias=False", "bias=True"))
    git(proj, "add", "torch_models/net.py", env=env)
    third = commit(proj, env, "edit the torch model only")
    assert third.returncode != 0
    assert "nn.Conv2D(3, 8, 3)\n" in (proj / "paddle_models" / "net.py").read_text()
    git(proj, "add", "-A", env=env)
    assert commit(proj, env, "edit both").returncode == 0
