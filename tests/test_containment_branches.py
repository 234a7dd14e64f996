"""Leftover containment into ``if`` branches (translator/translate/containment.py): a torch import
that only untranslated code in a branch of an ``if`` inside a function needs is written at the
top of that branch, so the function runs without torch when the branch is not taken."""

from __future__ import annotations

import subprocess
import sys
import textwrap

from translator import translate_source
from translator.settings import Settings


def _tr(code: str) -> str:
    return translate_source(textwrap.dedent(code).lstrip("\n"), settings=Settings(format=False)).code


def _imports_at(code: str) -> list[tuple[int, str]]:
    """(indent, line) of each `import torch` line of ``code``."""
    return [(len(line) - len(line.lstrip()), line.strip()) for line in code.splitlines() if line.strip() == "import torch"]


BRANCHES = """
import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self, flash=False):
        \"\"\"Doc.\"\"\"
        super().__init__()
        self.fc = nn.Linear(2, 2)
        if flash:
            self.ctx = torch.frobnicate(1)
        elif flash is None:
            self.ctx = torch.frobnicate(2)
        else:
            self.ctx = None

    def forward(self, x):
        return self.fc(x)
"""


def test_import_goes_into_each_branch_that_needs_it():
    code = _tr(BRANCHES)
    assert code.startswith("import paddle.nn as nn\n")
    assert _imports_at(code) == [(12, "import torch"), (12, "import torch")]
    assert "        if flash:\n            import torch\n" in code
    assert "        elif flash is None:\n            import torch\n" in code
    assert '        """Doc."""\n        super().__init__()' in code  # nothing at the function's top


def test_function_level_use_keeps_one_import_at_the_function_top():
    code = _tr("""
        import torch


        def f(x):
            y = torch.frobnicate(x)
            if x:
                y = torch.frobnicate(y)
            return y


        def g(x):
            if torch.frobnicate(x):
                return x
            return None
        """)
    # f uses it outside the branch too; g's use is the `if` test, evaluated in g itself
    assert code.count("import torch") == 2
    assert "def f(x):\n    import torch\n" in code and "def g(x):\n    import torch\n" in code


def test_nested_branches_and_a_closure_in_a_branch_import_once():
    code = _tr("""
        import torch


        def f(a, b):
            if a:
                x = torch.frobnicate(a)
                if b:
                    x = torch.frobnicate(b)

                def inner():
                    return torch.frobnicate(x)
                return inner
            return None
        """)
    assert _imports_at(code) == [(8, "import torch")]


def test_module_level_branch_keeps_the_module_import():
    code = _tr("""
        import torch

        if __name__ == "__main__":
            print(torch.frobnicate(1))
        """)
    assert code.startswith("import torch\n") and _imports_at(code) == [(0, "import torch")]


def test_branch_not_taken_runs_without_torch(tmp_path):
    out = tmp_path / "net.py"
    out.write_text(_tr(BRANCHES))
    check = textwrap.dedent(f"""
        import importlib.abc, importlib.util, sys
        class Block(importlib.abc.MetaPathFinder):
            def find_spec(self, name, path, target=None):
                if name.split(".")[0] == "torch":
                    raise ImportError("blocked: " + name)
        sys.meta_path.insert(0, Block())
        spec = importlib.util.spec_from_file_location("net", {str(out)!r})
        net = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(net)
        import paddle
        print(list(net.Net(flash=False)(paddle.ones([1, 2])).shape))
        try:
            net.Net(flash=True)
        except ImportError as exc:
            print("flash:", exc)
        """)
    run = subprocess.run([sys.executable, "-c", check], capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr[-2000:]
    assert run.stdout.splitlines()[-2:] == ["[1, 2]", "flash: blocked: torch"]


def test_a_function_that_imports_torch_itself_gets_no_second_import():
    code = _tr("""
        import torch


        def f(x, flag):
            import torch
            if flag:
                return torch.frobnicate(x)
            return torch.frobnicate(x, 2)


        def h(x, flag):
            import torch

            if flag:
                return torch.frobnicate(x)
            return x
        """)
    assert _imports_at(code) == [(4, "import torch"), (4, "import torch")]
    assert "def f(x, flag):\n    import torch\n    if flag:\n" in code
    assert "def h(x, flag):\n    import torch\n\n    if flag:\n        # TODO" in code
    assert translate_source(code, settings=Settings(format=False)).code == code


def test_a_function_without_its_own_import_still_gets_one():
    # the look-alike: the `import torch` is in another function, so this one needs its own
    code = _tr("""
        import torch


        def f(x):
            import torch
            return torch.frobnicate(x)


        def g(x):
            if x:
                return torch.frobnicate(x)
            return x
        """)
    assert _imports_at(code) == [(4, "import torch"), (8, "import torch")]
