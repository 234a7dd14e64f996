"""``translate``'s defaults and configuration as a user meets them: ``--jobs``, ``[tool.torch2paddle]``
in the nearest pyproject.toml, ``exclude``/``extend-exclude``, ``.gitignore`` in tree walks and
the gitignore matcher itself."""

from __future__ import annotations

from pathlib import Path

import pytest

from translator import paths
from translator.cli import main
from translator.cli.config import cores
from translator.pathfilter import PathFilter, compile_pattern

MODEL = "import torch.nn as nn\n\nlayer = nn.Conv2d(3, 8, 3)\n"


def tree(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        p = root / name
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text)


def translated(tmp_path, monkeypatch, capsys, *args: str) -> tuple[int, list[str], str]:
    """Run ``translate ... --check -v`` in ``tmp_path``: (exit code, the files it would translate, stderr)."""
    monkeypatch.chdir(tmp_path)
    code = main(["translate", *args, "--check", "-v", "--no-cache"])
    err = capsys.readouterr().err
    files = sorted(line.split(":")[0] for line in err.splitlines() if line.endswith(": would be translated"))
    return code, files, err


# ---------------------------------------------------------------------------------- --jobs --
@pytest.fixture
def jobs_seen(monkeypatch):
    seen = []
    real = paths.translate_many

    def spy(files, jobs=1, **kw):
        seen.append(jobs)
        return real(files, 1, **kw)

    monkeypatch.setattr(paths, "translate_many", spy)
    return seen


@pytest.mark.parametrize("args, expected", [((), "cores"), (("-j", "0"), "cores"), (("-j", "1"), 1), (("--jobs", "3"), 3)])
def test_jobs_default_to_the_number_of_cores(tmp_path, monkeypatch, capsys, jobs_seen, args, expected):
    tree(tmp_path, {"src/a.py": MODEL, "src/b.py": MODEL})
    code, files, _ = translated(tmp_path, monkeypatch, capsys, "src", *args)
    assert code == 1 and files == ["src/a.py", "src/b.py"]
    assert jobs_seen == [cores() if expected == "cores" else expected]


def test_jobs_from_pyproject_and_negative_jobs_are_refused(tmp_path, monkeypatch, capsys, jobs_seen):
    tree(tmp_path, {"src/a.py": MODEL, "pyproject.toml": "[tool.torch2paddle]\njobs = 2\n"})
    translated(tmp_path, monkeypatch, capsys, "src")
    assert jobs_seen == [2]
    code, _, err = translated(tmp_path, monkeypatch, capsys, "src", "-j", "-1")
    assert code == 2 and err.strip() == "torch2paddle: error: --jobs must be 0 (one per core) or more"


def test_results_are_the_same_for_any_jobs(tmp_path, monkeypatch, capsys):
    tree(tmp_path, {f"src/m{i}.py": MODEL.replace("8", str(i + 1)) for i in range(4)})
    monkeypatch.chdir(tmp_path)
    assert main(["translate", "src", "-o", "one", "-j", "1", "--no-cache", "-q"]) == 0
    assert main(["translate", "src", "-o", "all", "-j", "0", "--no-cache", "-q"]) == 0
    for i in range(4):
        assert (tmp_path / "one" / f"m{i}.py").read_text() == (tmp_path / "all" / f"m{i}.py").read_text()


# ------------------------------------------------------------------------ [tool.torch2paddle] --
def test_nearest_pyproject_above_the_inputs_configures_translate(tmp_path, monkeypatch, capsys):
    tree(tmp_path, {
        "pyproject.toml": '[tool.torch2paddle]\nstrict = true\npaddle-version = "2.6"\n',
        "proj/src/loss.py": "import torch.nn as nn\n\nloss = nn.MultiLabelMarginLoss()\n",
    })
    monkeypatch.chdir(tmp_path / "proj")
    code = main(["translate", "src/loss.py", "--no-cache"])
    err = capsys.readouterr().err
    assert code == 1  # strict, from the file
    assert "T2P005 torch.nn.MultiLabelMarginLoss: needs Paddle >= 3.0, translating for Paddle 2.6" in err
    code = main(["translate", "src/loss.py", "--no-cache", "--paddle-version", "3.0"])  # the command line wins
    assert code == 0


def test_a_nearer_pyproject_without_our_table_configures_nothing(tmp_path, monkeypatch, capsys):
    tree(tmp_path, {
        "pyproject.toml": "[tool.torch2paddle]\nstrict = true\n",
        "proj/pyproject.toml": "[tool.black]\nline-length = 100\n",
        "proj/src/a.py": "import torch\n\ny = torch.stft(torch.ones(8), 4)\n",
    })
    monkeypatch.chdir(tmp_path / "proj")
    assert main(["translate", "src/a.py", "--no-cache"]) == 0  # not strict: the nearest file has no table
    assert main(["translate", "src/a.py", "--no-cache", "--config", "../pyproject.toml"]) == 1


@pytest.mark.parametrize("body, message", [
    ("colour = true\n", "tool.torch2paddle.colour: unknown key"),
    ("jobs = true\n", "tool.torch2paddle.jobs: expected an integer, got True"),
    ('ignore = "T2P1"\n', "tool.torch2paddle.ignore: expected a list, got 'T2P1'"),
    ('ignore = ["T2Q1"]\n', "tool.torch2paddle.ignore: 'T2Q1' is not a diagnostic code or prefix"),
    ('paddle-version = "two"\n', "tool.torch2paddle.paddle-version: expected a version such as 2.6"),
    ("[tool.torch2paddle\n", "invalid TOML"),
])
def test_a_bad_configuration_is_a_one_line_error_naming_the_file(tmp_path, monkeypatch, capsys, body, message):
    tree(tmp_path, {"pyproject.toml": ("" if body.startswith("[") else "[tool.torch2paddle]\n") + body, "a.py": MODEL})
    monkeypatch.chdir(tmp_path)
    code = main(["translate", "a.py", "--no-cache"])
    out, err = capsys.readouterr()
    assert code == 2 and out == ""
    assert len(err.splitlines()) == 1 and str(tmp_path / "pyproject.toml") in err and message in err


def test_the_sync_table_is_still_accepted(tmp_path, monkeypatch, capsys):
    tree(tmp_path, {"pyproject.toml": '[tool.torch2paddle]\nsync = [{ src = "a.py", dst = "b.py" }]\n', "a.py": MODEL})
    monkeypatch.chdir(tmp_path)
    assert main(["translate", "a.py", "--no-cache"]) == 0


# ------------------------------------------------------------------------ exclude, gitignore --
FILES = {
    "src/keep.py": MODEL,
    "src/gen/made.py": MODEL,
    "src/legacy/old.py": MODEL,
    "src/pkg/x_pb2.py": MODEL,
    "src/pkg/mod.py": MODEL,
}


def test_exclude_and_extend_exclude_from_pyproject(tmp_path, monkeypatch, capsys):
    tree(tmp_path, {**FILES, "pyproject.toml": '[tool.torch2paddle]\nexclude = ["src/gen/"]\nextend-exclude = ["*_pb2.py"]\n'})
    code, files, err = translated(tmp_path, monkeypatch, capsys, "src")
    assert files == ["src/keep.py", "src/legacy/old.py", "src/pkg/mod.py"]
    assert "src/gen: skipped: excluded by " in err  # said with -v
    # --exclude replaces exclude (extend-exclude stays); --extend-exclude adds to both
    code, files, err = translated(tmp_path, monkeypatch, capsys, "src", "--exclude", "legacy")
    assert files == ["src/gen/made.py", "src/keep.py", "src/pkg/mod.py"]
    code, files, err = translated(tmp_path, monkeypatch, capsys, "src", "--extend-exclude", "mod.py,keep.py")
    assert files == ["src/legacy/old.py"]


def test_an_excluded_file_named_on_the_command_line_is_still_translated(tmp_path, monkeypatch, capsys):
    tree(tmp_path, {**FILES, "pyproject.toml": '[tool.torch2paddle]\nexclude = ["*_pb2.py"]\n'})
    code, files, err = translated(tmp_path, monkeypatch, capsys, "src/pkg/x_pb2.py")
    assert files == ["src/pkg/x_pb2.py"]


def test_gitignore_is_honoured_in_trees_and_no_gitignore_turns_it_off(tmp_path, monkeypatch, capsys):
    tree(tmp_path, {
        **FILES,
        ".git/HEAD": "ref: refs/heads/main\n",
        ".gitignore": "gen/\n# a comment\n*_pb2.py\n",
        "src/legacy/.gitignore": "*.py\n!old.py\n",
        "src/pkg/.gitignore": "/mod.py\n",
    })
    code, files, err = translated(tmp_path, monkeypatch, capsys, "src")
    assert files == ["src/keep.py", "src/legacy/old.py"]
    code, files, err = translated(tmp_path, monkeypatch, capsys, "src", "--no-gitignore")
    assert files == sorted(FILES)
    (tmp_path / "pyproject.toml").write_text("[tool.torch2paddle]\ngitignore = false\n")
    code, files, err = translated(tmp_path, monkeypatch, capsys, "src")
    assert files == sorted(FILES)


def test_a_gitignore_above_the_repository_is_not_read(tmp_path, monkeypatch, capsys):
    tree(tmp_path, {".gitignore": "*.py\n", "repo/.git/HEAD": "x\n", "repo/src/a.py": MODEL})
    code, files, err = translated(tmp_path / "repo", monkeypatch, capsys, "src")
    assert files == ["src/a.py"]


@pytest.mark.parametrize("pattern, path, is_dir, hit", [
    ("*.py", "a/b/c.py", False, True),
    ("*.py", "a/b/c.pyc", False, False),
    ("/build", "build", True, True),
    ("/build", "src/build", True, False),
    ("build/", "src/build", True, True),
    ("build/", "src/build", False, False),  # folders only
    ("docs/gen", "docs/gen", True, True),
    ("docs/gen", "x/docs/gen", True, False),  # a slash in the middle anchors it
    ("**/gen", "a/b/gen", True, True),
    ("gen/**", "gen/a/b.py", False, True),
    ("a/**/b", "a/b", True, True),
    ("a/**/b", "a/x/y/b", True, True),
    ("file?.py", "file1.py", False, True),
    ("file?.py", "file10.py", False, False),
    ("[ab].py", "b.py", False, True),
    ("[!ab].py", "b.py", False, False),
    ("\\#hash.py", "#hash.py", False, True),
    ("# comment", "# comment", False, False),
    ("*", "a/b.py", False, True),
    ("a*", "b/ab.py", False, True),  # no slash: a name at any depth
    ("a*/c.py", "ab/c.py", False, True),
    ("a*/c.py", "ab/x/c.py", False, False),  # `*` stays within one segment
])
def test_gitignore_patterns(tmp_path, pattern, path, is_dir, hit):
    pf = PathFilter(gitignore=False)
    pf.add(tmp_path, [pattern], "test")
    assert (pf.excluded(tmp_path / path, is_dir) is not None) is hit


def test_the_last_matching_pattern_decides():
    assert compile_pattern("") is None and compile_pattern("   ") is None
    pf = PathFilter(gitignore=False)
    base = Path("/project")
    pf.add(base, ["*.py", "!keep.py"], "test")
    assert pf.excluded(base / "a.py", False) and pf.excluded(base / "keep.py", False) is None
    pf.add(base, ["keep.py"], "later")
    assert pf.excluded(base / "keep.py", False) == "later"


def test_sync_takes_select_ignore_and_paddle_version_from_the_table(tmp_path, monkeypatch, capsys):
    tree(tmp_path, {
        "pyproject.toml": '[tool.torch2paddle]\nignore = ["T2P001"]\npaddle-version = "2.6"\n'
                          'sync = [{ src = "src", dst = "out" }]\n',
        "src/a.py": "import torch\nimport torch.nn as nn\n\ny = torch.stft(torch.ones(8), 4)\nloss = nn.MultiLabelMarginLoss()\n",
    })
    monkeypatch.chdir(tmp_path)
    assert main(["sync", "-j", "1"]) == 1  # updated
    err = capsys.readouterr().err
    assert "T2P001" not in err and "T2P005 torch.nn.MultiLabelMarginLoss: needs Paddle >= 3.0" in err
    out = (tmp_path / "out" / "a.py").read_text()
    assert "TODO(torch2paddle): T2P001" not in out and "TODO(torch2paddle): T2P005" in out


# --------------------------------------------------------------------------- sync --jobs --
@pytest.mark.parametrize("args, expected", [((), "cores"), (("-j", "0"), "cores"), (("-j", "1"), 1), (("--jobs", "3"), 3)])
def test_sync_jobs_default_to_the_number_of_cores_as_translate(tmp_path, monkeypatch, jobs_seen, args, expected):
    tree(tmp_path, {"pyproject.toml": '[tool.torch2paddle]\nsync = [{ src = "src", dst = "out" }]\n', "src/a.py": MODEL})
    monkeypatch.chdir(tmp_path)
    assert main(["sync", "-q", *args]) == 1
    assert jobs_seen == [cores() if expected == "cores" else expected]


def test_sync_jobs_from_pyproject_and_negative_jobs_are_refused(tmp_path, monkeypatch, capsys, jobs_seen):
    tree(tmp_path, {
        "pyproject.toml": '[tool.torch2paddle]\njobs = 2\nsync = [{ src = "src", dst = "out" }]\n', "src/a.py": MODEL,
    })
    monkeypatch.chdir(tmp_path)
    assert main(["sync", "-q"]) == 1
    assert jobs_seen == [2]
    capsys.readouterr()
    assert main(["sync", "-j", "-1"]) == 2
    assert capsys.readouterr().err.strip() == "torch2paddle: error: --jobs must be 0 (one per core) or more"


# ------------------------------------------------------------------- one pyproject reader --
@pytest.mark.parametrize("content, message", [
    (b"[tool.torch2paddle\n", "invalid TOML: "),
    (b"[tool]\nx = '\xff\xfe'\n", "cannot read: "),
    (b"tool = 1\n", "tool must be a table"),
])
def test_every_reader_of_pyproject_gives_the_same_one_line_error(tmp_path, monkeypatch, capsys, content, message):
    """translate's options, its style and its libraries, and sync's entries all read the file
    through load_pyproject: the same message whichever reads it first."""
    from translator.cli.config import ConfigError, load_config, load_pyproject
    from translator.cli.style import read_style
    from translator.cli.sync import load_sync_config

    tree(tmp_path, {"a.py": MODEL})
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_bytes(content)
    with pytest.raises(ConfigError) as raised:
        load_pyproject(pyproject)
    expected = str(raised.value)
    assert expected.startswith(f"{pyproject}: {message}")
    for reader in (load_config, read_style, load_sync_config):
        with pytest.raises(ConfigError) as again:
            reader(pyproject)
        assert str(again.value) == expected
    monkeypatch.chdir(tmp_path)
    capsys.readouterr()
    rest = expected[len(str(pyproject)):]
    for argv, shown in ((["translate", "a.py", "--no-cache"], pyproject), (["sync"], "pyproject.toml")):
        assert main(argv) == 2
        out, err = capsys.readouterr()
        assert out == "" and err.splitlines() == [f"torch2paddle: error: {shown}{rest}"]  # sync names it relative


def test_style_and_libraries_come_from_the_configured_pyproject(tmp_path, monkeypatch, capsys):
    """--config names the one file translate reads: its options, its line length, its libraries."""
    tree(tmp_path, {
        "src/a.py": "import torch\n\nx = torch.zeros(2, 3, dtype=torch.float32, device='cpu', requires_grad=False)\n",
        "conf/pyproject.toml": '[tool.torch2paddle]\nline-length = 40\nlibraries = ["not a name"]\n',
    })
    monkeypatch.chdir(tmp_path)
    assert main(["translate", "src/a.py", "--no-cache", "--config", "conf/pyproject.toml"]) == 2
    assert "conf/pyproject.toml: [tool.torch2paddle] libraries must be a list of package names" in capsys.readouterr().err
    (tmp_path / "conf" / "pyproject.toml").write_text('[tool.torch2paddle]\nline-length = 40\n')
    assert main(["translate", "src/a.py", "--no-cache", "--config", "conf/pyproject.toml"]) == 0
    narrow = capsys.readouterr().out
    assert main(["translate", "src/a.py", "--no-cache"]) == 0
    wide = capsys.readouterr().out
    assert max(map(len, narrow.splitlines())) <= 40 < max(map(len, wide.splitlines()))
