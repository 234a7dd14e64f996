"""The CLI's result cache (translator/cache.py) and the rule-table cache (translator/diskcache.py)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from translator import cli
from translator.cache import ResultCache
from translator.settings import Settings
from translator.rules import _load, _load_cached, rules_dir

ROOT = Path(__file__).resolve().parent.parent

SOURCE = """import torch.nn as nn


class Net(nn.Module):  # a comment
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 3, bias=False)

    def forward(self, x):
        return self.conv(x).view(x.size(0), -1)
"""


@pytest.fixture
def cache_env(tmp_path, monkeypatch):
    monkeypatch.delenv("TORCH2PADDLE_NO_CACHE", raising=False)
    monkeypatch.setenv("TORCH2PADDLE_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path / "cache"


def _run(args, capsys):
    code = cli.main(args)
    out = capsys.readouterr()
    return code, out.out, out.err


def test_cached_run_is_identical(tmp_path, cache_env, capsys):
    src = tmp_path / "m.py"
    src.write_text(SOURCE)
    first = _run(["translate", str(src), "--no-cache"], capsys)
    second = _run(["translate", str(src)], capsys)  # fills the cache
    entries = list((cache_env / "results").glob("*/*.json"))
    assert len(entries) == 1
    third = _run(["translate", str(src)], capsys)  # answered from it
    assert first == second == third
    assert "paddle" in first[1]


def test_cache_key_covers_content_and_path(tmp_path, cache_env):
    cache = ResultCache(cache_env, rules_dir())
    a = cache.key(str(tmp_path / "a.py"), b"import torch\n")
    assert a == cache.key(str(tmp_path / "a.py"), b"import torch\n")
    assert a == cache.key(str(tmp_path / "a.py"), b"import torch\n", Settings(trust_parser=True))
    assert a != cache.key(str(tmp_path / "b.py"), b"import torch\n")
    assert a != cache.key(str(tmp_path / "a.py"), b"import torch  \n")
    assert a != cache.key(str(tmp_path / "a.py"), b"import torch\n", Settings(paddle_version="2.6"))


def test_damaged_entry_is_translated_again(tmp_path, cache_env, capsys):
    src = tmp_path / "m.py"
    src.write_text(SOURCE)
    expected = _run(["translate", str(src)], capsys)
    for entry in (cache_env / "results").glob("*/*.json"):
        entry.write_text("{not json")
    assert _run(["translate", str(src)], capsys) == expected
    for entry in (cache_env / "results").glob("*/*.json"):
        json.loads(entry.read_text())  # rewritten


def test_no_cache_flag_and_env_write_nothing(tmp_path, cache_env, capsys, monkeypatch):
    src = tmp_path / "m.py"
    src.write_text(SOURCE)
    _run(["translate", str(src), "--no-cache"], capsys)
    monkeypatch.setenv("TORCH2PADDLE_NO_CACHE", "1")
    _run(["translate", str(src)], capsys)
    assert not list((cache_env / "results").glob("*/*.json"))


def test_cached_tree_run_does_not_load_the_engine(tmp_path, cache_env):
    tree = tmp_path / "src"
    tree.mkdir()
    for i in range(3):
        (tree / f"m{i}.py").write_text(SOURCE.replace("Net", f"Net{i}"))
    (tree / "plain.py").write_text("x = 1\n")
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    cmd = [sys.executable, "-c", "import sys; from translator.cli import main; rc = main(sys.argv[1:]);"
           " print('libcst' in sys.modules); sys.exit(rc)", "translate", str(tree), "-o", str(tmp_path / "out"), "-q"]
    first = subprocess.run([*cmd, "--jobs", "2"], capture_output=True, text=True, env=env)
    assert first.returncode == 0, first.stderr
    outputs = {p.name: p.read_text() for p in (tmp_path / "out").glob("*.py")}
    second = subprocess.run(cmd, capture_output=True, text=True, env=env)
    assert second.returncode == 0, second.stderr
    assert second.stdout.strip() == "False"  # every file came from the cache
    assert {p.name: p.read_text() for p in (tmp_path / "out").glob("*.py")} == outputs


def test_rule_table_cache_matches_the_toml(cache_env):
    fresh = _load(rules_dir())
    first = _load_cached(rules_dir(), cache_env)  # writes the JSON
    assert list(cache_env.glob("rules-*.json"))
    second = _load_cached(rules_dir(), cache_env)  # reads it
    assert fresh == first == second


def test_the_cli_keeps_the_rule_table_where_its_environment_says(cache_env, tmp_path, capsys):
    """The environment is read at the CLI edge and reaches the engine in Settings.cache_dir."""
    src = tmp_path / "m.py"
    src.write_text("import torch\nx = torch.zeros(2)\n", encoding="utf-8")
    assert _run(["translate", str(src), "-o", str(tmp_path / "out.py"), "-q"], capsys)[0] == 0
    assert list(cache_env.glob("rules-*.json"))
