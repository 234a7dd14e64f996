"""Carried library definitions, continued: ``translate_path`` writes a tree's shared support module
as the CLI does (translator/shared_support.py); the result cache misses when a library file a
translation carried from changed (translator/cache.py); carried imports of einops' torch layers
are mapped to its Paddle twin; uses of a library without a Paddle backend (einx) are reported
(translator/translate/no_paddle.py).

A small library built on torch is written to a temporary folder with distribution metadata that
requires torch, and found through ``sys.path`` as an installed one is."""

from __future__ import annotations

import importlib
import textwrap
from pathlib import Path

import pytest

import translator
from translator import cli, codes, translate_source
from translator.settings import Settings
from translator.shared_support import MODULE

BLOCKS = '''
import torch.nn as nn
from einops.layers.torch import Rearrange


def width(c):
    return 2 * c


class Block(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.fc = nn.Linear(c, width(c))
        self.flat = Rearrange("b c -> b c")

    def forward(self, x):
        return self.flat(self.fc(x))
'''

EINX = '''
import torch.nn as nn
import einx


class Diff(nn.Module):
    def forward(self, a, b):
        return einx.subtract("i, j -> i j", a, b)
'''


@pytest.fixture()
def lib(tmp_path, monkeypatch, request):
    """A library ``t2pcache_<test>`` with ``blocks.py`` (BLOCKS) and ``diffs.py`` (EINX)."""
    name = f"t2pcache_{request.node.name}"[:50]
    root = tmp_path / "site"
    pkg = root / name
    pkg.mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "blocks.py").write_text(BLOCKS.lstrip())
    (pkg / "diffs.py").write_text(EINX.lstrip())
    dist = root / f"{name}-0.1.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 0.1\nRequires-Dist: torch\n")
    (dist / "top_level.txt").write_text(name + "\n")
    monkeypatch.syspath_prepend(str(root))
    importlib.invalidate_caches()
    return name, pkg


def _user(tmp_path: Path, name: str, module: str = "blocks", names: str = "Block") -> Path:
    src = tmp_path / "user" / "net.py"
    src.parent.mkdir(parents=True, exist_ok=True)
    src.write_text(f"import torch\nfrom {name}.{module} import {names}\n\nnet = {names}(4)\n")
    return src


# ------------------------------------------------------------------ the result cache ----


@pytest.fixture
def cache_env(tmp_path, monkeypatch):
    monkeypatch.delenv("TORCH2PADDLE_NO_CACHE", raising=False)
    monkeypatch.setenv("TORCH2PADDLE_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path / "cache"


def _translate(src: Path, name: str, capsys) -> str:
    assert cli.main(["translate", str(src), "--library", name, "--no-format"]) == 0
    return capsys.readouterr().out


def _engine_must_not_run(monkeypatch):
    from translator import paths

    def fail(*args, **kwargs):
        raise AssertionError("translated again: the result should have come from the cache")

    monkeypatch.setattr(paths, "translate_file", fail)


def test_result_records_the_library_files_it_read(lib, tmp_path):
    name, pkg = lib
    result = translate_source(_user(tmp_path, name).read_text(), path=str(tmp_path / "user" / "net.py"),
                              settings=Settings(libraries=(name,)))
    assert "def width(c):" in result.code
    assert [Path(p).name for p in result.sources] == ["blocks.py"]
    # a file that carries nothing depends on no library file
    plain = translate_source("import torch\nx = torch.ones(2)\n", settings=Settings(libraries=(name,)))
    assert plain.sources == ()


def test_changed_library_file_invalidates_the_cached_translation(lib, tmp_path, cache_env, capsys, monkeypatch):
    name, pkg = lib
    src = _user(tmp_path, name)
    first = _translate(src, name, capsys)
    assert "return 2 * c" in first
    entry = next((cache_env / "results").glob("*/*.json")).read_text()
    assert str(pkg / "blocks.py") in entry
    with monkeypatch.context() as m:  # the same library: answered from the cache
        _engine_must_not_run(m)
        assert _translate(src, name, capsys) == first
    (pkg / "blocks.py").write_text(BLOCKS.lstrip().replace("2 * c", "3 * c"))
    second = _translate(src, name, capsys)  # the library changed: translated again
    assert "return 3 * c" in second and "return 2 * c" not in second
    with monkeypatch.context() as m:  # and that result is cached in turn
        _engine_must_not_run(m)
        assert _translate(src, name, capsys) == second


def test_touched_but_unchanged_library_file_keeps_the_cache(lib, tmp_path, cache_env, capsys, monkeypatch):
    name, pkg = lib
    src = _user(tmp_path, name)
    first = _translate(src, name, capsys)
    text = (pkg / "blocks.py").read_text()
    (pkg / "blocks.py").write_text(text)  # a new mtime, the same bytes
    (pkg / "diffs.py").write_text(EINX.lstrip() + "\n# another module of the library\n")  # not read
    _engine_must_not_run(monkeypatch)
    assert _translate(src, name, capsys) == first


def test_removed_library_file_invalidates_the_cached_translation(lib, tmp_path, cache_env, capsys):
    name, pkg = lib
    src = _user(tmp_path, name)
    _translate(src, name, capsys)
    (pkg / "blocks.py").unlink()
    code = cli.main(["translate", str(src), "--library", name, "--no-format"])
    out = capsys.readouterr()
    assert code == 0 and "def width" not in out.out
    assert f"{name}.blocks.Block" in out.err  # reported now: its source is gone


# ------------------------------------------------------- translate_path and the CLI ----


def _tree(tmp_path: Path, name: str) -> Path:
    pkg = tmp_path / "src" / "proj"
    (pkg / "sub").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "sub" / "__init__.py").write_text("")
    user = f"import torch\nfrom {name}.blocks import Block\n\n\ndef build():\n    return Block(4)\n"
    (pkg / "a.py").write_text(user)
    (pkg / "sub" / "b.py").write_text(user.replace("build", "build_b"))
    return pkg


def _files(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): p.read_text() for p in sorted(root.rglob("*.py"))}


def test_translate_path_writes_the_shared_support_module_as_the_cli_does(lib, tmp_path, capsys):
    name, _ = lib
    pkg = _tree(tmp_path, name)
    by_cli, by_lib = tmp_path / "cli" / "proj", tmp_path / "lib" / "proj"
    assert cli.main(["translate", str(pkg), "-o", f"{by_cli}/", "--library", name, "--no-format", "-q"]) == 0
    results = translator.translate_path(pkg, by_lib, settings=Settings(libraries=(name,), format=False))
    assert _files(by_lib) == _files(by_cli)
    support = (by_lib / f"{MODULE}.py").read_text()
    assert support.count("def width(c):") == 1 and support.count("class Block(nn.Layer):") == 1
    a, b = (by_lib / "a.py").read_text(), (by_lib / "sub" / "b.py").read_text()
    assert "from ._torch2paddle_support import width, Block" in a
    assert "from .._torch2paddle_support import width, Block" in b
    assert "def width" not in a + b
    # the returned results are what was written
    assert {r.path: r.code for r in results} == {str(pkg / k): v for k, v in _files(by_lib).items() if k != f"{MODULE}.py"}


def test_translate_path_single_file_and_no_output_stay_inline(lib, tmp_path):
    name, _ = lib
    pkg = _tree(tmp_path, name)
    settings = Settings(libraries=(name,), format=False)
    out = tmp_path / "one.py"
    [result] = translator.translate_path(pkg / "a.py", out, settings=settings)
    assert "def width(c):" in out.read_text() and not (tmp_path / f"{MODULE}.py").exists()
    results = translator.translate_path(pkg, None, settings=settings)  # nothing written: kept inline
    assert [Path(r.path).name for r in results if "def width(c):" in r.code] == ["a.py", "b.py"]


# ------------------------------------------- einops in carried code; einx reported ----


def test_carried_einops_layer_import_is_mapped_to_paddle(lib, tmp_path):
    name, _ = lib
    result = translate_source(_user(tmp_path, name).read_text(), settings=Settings(libraries=(name,), format=False))
    assert "from einops.layers.paddle import Rearrange" in result.code
    assert "einops.layers.torch" not in result.code
    assert not result.errors, [str(d) for d in result.errors]


def test_einops_functions_and_other_imports_are_unchanged(lib, tmp_path):
    code = "import torch\nfrom einops import rearrange\nfrom einops.layers.paddle import Reduce\n\ny = rearrange(torch.ones(2, 3), 'a b -> b a')\n"
    result = translate_source(code, settings=Settings(format=False))
    assert "from einops import rearrange\nfrom einops.layers.paddle import Reduce\n" in result.code


def test_einx_uses_in_carried_code_are_reported_at_the_library_line(lib, tmp_path):
    name, pkg = lib
    result = translate_source(_user(tmp_path, name, "diffs", "Diff").read_text(), settings=Settings(libraries=(name,), format=False))
    assert "import einx" in result.code and 'einx.subtract("i, j -> i j", a, b)' in result.code
    [diag] = [d for d in result.diagnostics if d.api == "einx.subtract"]
    assert (Path(diag.path), diag.line, diag.col) == (pkg / "diffs.py", 7, 16)
    assert diag.code == codes.UNSUPPORTED_USE and "no Paddle backend" in diag.message


def test_einx_uses_in_the_file_itself_are_reported():
    code = "import torch\nimport einx\nfrom einx import add as plus\n\ny = einx.multiply('a, b -> a b', torch.ones(2), torch.ones(3))\nz = plus('a, a -> a', y, y)\n"
    result = translate_source(code, path="m.py", settings=Settings(format=False))
    found = sorted((d.line, d.col, d.api) for d in result.diagnostics if d.code == codes.UNSUPPORTED_USE)
    assert found == [(5, 5, "einx.multiply"), (6, 5, "einx.add")]


def test_a_local_called_einx_is_not_reported():
    code = "import torch\n\n\ndef f(einx):\n    return einx.subtract(torch.ones(2))\n"
    result = translate_source(code, path="m.py", settings=Settings(format=False))
    assert not [d for d in result.diagnostics if d.code == codes.UNSUPPORTED_USE]


# ------------------------------------- a renamed clash keeps locals of the same name ----

CLASH_A = '''
def scale(x):
    return x * 2.0
'''

CLASH_B = '''
import torch.nn as nn


def scale(x):
    return x * 3.0


class Scaled(nn.Module):
    def __init__(self, scale=False, shift=0.0):
        super().__init__()
        self.scale = scale
        self.fn = [scale for scale in (1, 2)]
        self.shift = shift

    def forward(self, x):
        if self.scale:
            x = scale(x)
        return x + self.shift

    def scale_again(self, x, scale=None):
        return scale(x) if scale is None else x
'''


def test_renamed_clash_leaves_parameters_and_locals_of_the_same_name(lib, tmp_path):
    name, pkg = lib
    (pkg / "clash_a.py").write_text(CLASH_A.lstrip())
    (pkg / "clash_b.py").write_text(CLASH_B.lstrip())
    code = f"import torch\nfrom {name}.clash_a import scale\nfrom {name}.clash_b import Scaled\n\nm = Scaled(True)\n"
    result = translate_source(code, settings=Settings(libraries=(name,), format=False))
    out = result.code
    assert "def scale(x):\n    return x * 2.0" in out and "def scale_clash_b(x):\n    return x * 3.0" in out
    # the parameter, the attribute and the comprehension variable keep their names
    assert "def __init__(self, scale=False, shift=0.0):" in out and "self.scale = scale\n" in out
    assert "[scale for scale in (1, 2)]" in out
    # the module-level function is called by its new name; a parameter shadowing it is not
    assert "x = scale_clash_b(x)" in out
    assert "return scale(x) if scale is None else x" in out
    namespace: dict = {}
    exec(compile(out.replace("import paddle.nn as nn", "import paddle.nn as nn\nimport paddle"), "<out>", "exec"), namespace)
    import paddle

    layer = namespace["Scaled"](True)
    assert float(layer(paddle.to_tensor(1.0))) == 3.0 and float(namespace["Scaled"](False)(paddle.to_tensor(1.0))) == 1.0


def test_library_installed_after_a_cached_run_is_carried(tmp_path, cache_env, capsys, monkeypatch):
    name = "t2pcache_late"
    src = _user(tmp_path, name)
    code = cli.main(["translate", str(src), "--library", name, "--no-format"])
    first = capsys.readouterr()
    assert code == 0 and "its library's source was not found" in first.err
    # the library is installed now: the cached result (made without it) is not used
    root = tmp_path / "site"
    (root / name).mkdir(parents=True)
    (root / name / "__init__.py").write_text("")
    (root / name / "blocks.py").write_text(BLOCKS.lstrip())
    monkeypatch.syspath_prepend(str(root))
    importlib.invalidate_caches()
    from translator import cache
    from translator.translate import library_source

    cache._library_dirs.cache_clear()  # what a new CLI process starts with
    library_source.top_dir.cache_clear()
    assert "def width(c):" in _translate(src, name, capsys)
