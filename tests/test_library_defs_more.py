"""Carrying library definitions, cases found translating monai's networks: a module-level
assignment carried after the function it calls (even when a cycle through function bodies
reached it first); ``os.environ[k] = v`` binds no ``os``; a file the cheap nesting filter
flags still carries; a string naming a mapped module (``optional_import("einops.layers.torch")``)
names its Paddle twin; a left-over ``import <library>`` used only in functions moves into them;
a tree's shared support module evaluates annotations lazily when its files did."""

from __future__ import annotations

import importlib
import textwrap
from pathlib import Path

import pytest

from translator import translate_source
from translator.diagnostics import Status, Translation
from translator.settings import Settings
from translator.shared_support import share

from helpers import load_module_from_code

LIB = {
    "__init__.py": "",
    "log.py": '''
        import os

        os.environ["T2P_TEST_FLAG"] = os.environ.get("T2P_TEST_FLAG", "1")


        def get_logger(name):
            if name == "default":
                return logger
            return name.upper()


        logger = get_logger("lib")


        def flag():
            return os.environ.get("T2P_TEST_FLAG", "unset")
        ''',
    "ops.py": '''
        import torch
        import t2pmore_lib


        def double(x):
            return x * 2


        def describe(x):
            return t2pmore_lib.__name__ + str(torch.is_tensor(x))
        ''',
}


@pytest.fixture()
def lib(tmp_path, monkeypatch):
    root = tmp_path / "site"
    pkg = root / "t2pmore_lib"
    pkg.mkdir(parents=True)
    for file, text in LIB.items():
        (pkg / file).write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    dist = root / "t2pmore_lib-0.1.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: t2pmore_lib\nVersion: 0.1\nRequires-Dist: torch\n")
    (dist / "top_level.txt").write_text("t2pmore_lib\n")
    monkeypatch.syspath_prepend(str(root))
    importlib.invalidate_caches()
    return pkg


def _carry(code: str, **kw):
    settings = Settings(libraries=("torchvision", "t2pmore_lib"), format=False, **kw)
    return translate_source(textwrap.dedent(code).lstrip("\n"), settings=settings)


def test_assignment_is_carried_after_the_function_it_calls(lib, tmp_path):
    result = _carry("""
        import torch
        from t2pmore_lib.log import get_logger, flag

        name = get_logger("x")
        """)
    code = result.code
    assert code.index("def get_logger(") < code.index('logger = get_logger("lib")'), code
    assert "os_log" not in code  # `os.environ[...] = ...` binds no `os`
    mod = load_module_from_code(code, "t2pmore_log", tmp_path)
    assert mod.name == "X" and mod.get_logger("default") == "LIB"
    # a module-level statement that binds nothing (a side effect of importing the library) is
    # not carried; `os` is the standard library's
    assert 'os.environ["T2P_TEST_FLAG"] =' not in code and mod.flag() in ("1", "unset")


def test_a_file_the_nesting_filter_flags_still_carries(lib, tmp_path):
    long_line = "TABLE = [" + ", ".join(f"({i} + {i}) * ({i} - 1)" for i in range(80)) + "]\n"
    result = _carry("""
        import torch
        from t2pmore_lib.ops import double

        y = double(torch.ones(2))
        """ + long_line)
    assert "from t2pmore_lib" not in result.code and "def double(x):" in result.code, result.code
    mod = load_module_from_code(result.code, "t2pmore_deep", tmp_path)
    assert mod.y.numpy().tolist() == [2.0, 2.0]


def test_a_whole_library_module_used_in_functions_is_imported_there(lib):
    result = _carry("""
        import torch
        from t2pmore_lib.ops import describe

        def f(x):
            return describe(x)
        """)
    lines = result.code.splitlines()
    assert "import t2pmore_lib" not in lines  # not at module level
    body = result.code[result.code.index("def describe(x):"):]
    assert body.splitlines()[1].strip() == "import t2pmore_lib", body


def test_a_string_naming_a_mapped_module_names_its_paddle_twin():
    code = textwrap.dedent("""
        import torch
        from somewhere import optional_import

        Rearrange, _ = optional_import("einops.layers.torch", name="Rearrange")
        note = "see einops.layers.torch"
        x = torch.ones(2)
        """).lstrip("\n")
    result = translate_source(code, settings=Settings(format=False, libraries=()))
    assert 'optional_import("einops.layers.paddle", name="Rearrange")' in result.code
    assert 'note = "see einops.layers.torch"' in result.code
    # already Paddle: unchanged
    plain = 'from somewhere import optional_import\n\nR = optional_import("einops.layers.paddle")\n'
    assert translate_source(plain, settings=Settings(format=False, libraries=())).code == plain
    only = 'from somewhere import optional_import\n\nR = optional_import("einops.layers.torch")\n'
    moved = translate_source(only, settings=Settings(format=False, libraries=()))
    assert moved.code == only.replace("torch", "paddle") and moved.status is Status.TRANSLATED


def _with_block(code: str) -> Translation:
    block = ("# --- definitions translated by torch2paddle from library sources ---\n"
             "def dev(d: paddle.device.set_device = None):\n    return d\n"
             "# --- end of translated definitions ---\n")
    text = code + "\n\n" + block + "\n\ny = dev()\n"
    return Translation("a.py", text, text, Status.TRANSLATED, [])


def test_shared_support_keeps_lazy_annotations(tmp_path):
    lazy = _with_block("from __future__ import annotations\n\nimport paddle")
    out, module = share([lazy], [tmp_path / "a.py"], tmp_path, False)
    assert module is not None and "from __future__ import annotations\n" in module
    compile(module, "support.py", "exec")
    eager = _with_block("import paddle")
    out, module = share([eager], [tmp_path / "a.py"], tmp_path, False)
    assert module is not None and "__future__" not in module


def test_lazy_annotations_need_no_module_level_import():
    code = textwrap.dedent("""
        from __future__ import annotations

        import torch

        def f(x: torch.frobnicate) -> torch.frobnicate:
            return torch.frobnicate(x)
        """).lstrip("\n")
    out = translate_source(code, settings=Settings(format=False, libraries=())).code
    lines = out.splitlines()
    assert "import torch" not in lines and "    import torch" in lines, out  # in the function only
    eager = code.replace("from __future__ import annotations\n\n", "")
    assert "import torch" in translate_source(eager, settings=Settings(format=False, libraries=())).code.splitlines()
