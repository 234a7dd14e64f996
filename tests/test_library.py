"""docs/library.md: the documented API exists as described and the porting pipeline runs as written."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

import pytest

import translator

DOC = Path(__file__).resolve().parent.parent / "docs" / "library.md"


def python_blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)


def test_the_porting_pipeline_example_runs(tmp_path, monkeypatch, capsys):
    blocks = python_blocks()
    assert len(blocks) == 1
    monkeypatch.chdir(tmp_path)
    namespace: dict = {"__name__": "library_doc_example"}
    exec(compile(blocks[0], str(DOC), "exec"), namespace)
    out = capsys.readouterr().out
    assert "class Net(nn.Layer):" in out
    assert "cannot translate torch_project/models/broken.py:2:" in out
    assert re.search(r"^\s+1  torch\.stft$", out, re.M)
    assert (tmp_path / "paddle_project" / "models" / "net.py").is_file()
    assert (tmp_path / "paddle_project" / "models" / "__init__.py").is_file()
    assert (tmp_path / "paddle_project" / "PORTING.json").is_file()


def test_documented_signatures():
    src = inspect.signature(translator.translate_source)
    assert list(src.parameters)[:2] == ["code", "path"]
    assert src.parameters["path"].kind is inspect.Parameter.KEYWORD_ONLY
    tp = inspect.signature(translator.translate_path)
    assert list(tp.parameters) == ["src", "dst", "copy_other", "settings"]
    assert tp.parameters["dst"].default is None
    assert tp.parameters["copy_other"].kind is inspect.Parameter.KEYWORD_ONLY
    assert tp.parameters["settings"].kind is inspect.Parameter.KEYWORD_ONLY
    doc = DOC.read_text(encoding="utf-8")
    for name in ("path", "source", "code", "status", "diagnostics", "rules_applied", "changed", "errors", "to_json"):
        assert hasattr(translator.Translation, name) or name in translator.Translation.__dataclass_fields__
        assert f"`{name}`" in doc or f"`{name}()`" in doc
    assert {s.name for s in translator.Status} == {"TRANSLATED", "UNCHANGED", "FAILED"}
    assert {s.name for s in translator.Severity} == {"ERROR", "WARNING"}
    assert translator.MARKER == "TODO(torch2paddle)" and f'"{translator.MARKER}"' in doc


def test_translate_source_never_raises_for_bad_input():
    t = translator.translate_source("import torch\nx = (\n", path="bad.py")
    assert t.status is translator.Status.FAILED and t.code == t.source
    (d,) = t.diagnostics
    assert (d.path, d.line, d.code, d.severity) == ("bad.py", 2, "T2P901", translator.Severity.ERROR)
    assert str(d) == "bad.py:2:5: T2P901 '(' was never closed"  # where CPython says


def test_translate_path_errors(tmp_path):
    with pytest.raises(FileNotFoundError):
        translator.translate_path(tmp_path / "missing")
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "a.py").write_text("import torch.nn as nn\nm = nn.ReLU()\n")
    with pytest.raises(ValueError, match="inside the input tree"):
        translator.translate_path(tmp_path / "src", tmp_path / "src" / "out")
    # without dst nothing is written
    results = translator.translate_path(tmp_path / "src")
    assert [r.status for r in results] == [translator.Status.TRANSLATED]
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["a.py", "src"]


def test_translate_path_unwritable_file_is_a_failed_result(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    (src / "a.py").write_text("import torch.nn as nn\nm = nn.ReLU()\n")
    (src / "b.py").write_text("x = 1\n")
    (tmp_path / "out" / "a.py").mkdir(parents=True)  # a folder where a.py should go
    a, b = translator.translate_path(src, tmp_path / "out")
    assert a.status is translator.Status.FAILED and a.diagnostics[-1].code == "T2P904"
    assert b.status is translator.Status.UNCHANGED and (tmp_path / "out" / "b.py").read_text() == "x = 1\n"
