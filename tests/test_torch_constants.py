"""torch's constants (``torch.pi``, ``torch.e``, ``torch.inf``, ``torch.nan``, ``torch.newaxis``)
and the engine feature they need: a rule's target spelled through a standard-library module
(``math.pi``) gets its import, once, placed with the other imports, and only where the file
does not import the module already or binds its name otherwise."""

from __future__ import annotations

import json
import os
import subprocess
import textwrap
from pathlib import Path

import numpy as np
import pytest

from helpers import load_module_from_code
from translator import translate_source

OLD_PADDLE = Path.home() / ".cache" / "torch2paddle" / "venv-paddle-2.6.2-904ef7b50f" / "bin" / "python"


def _tr(src: str) -> str:
    result = translate_source(textwrap.dedent(src).lstrip("\n"), path="m.py")
    assert not result.diagnostics, [d.message for d in result.diagnostics]
    return result.code


def _stable(code: str) -> None:
    assert translate_source(code, path="m.py").code == code


# ------------------------------------------------------------------ the import it needs ----

def test_import_added_in_the_standard_library_section():
    out = _tr("""
        import os

        import numpy as np
        import torch


        def angle(x):
            return torch.atan2(x, x) / torch.pi
    """)
    assert out == textwrap.dedent("""\
        import math
        import os

        import numpy as np
        import paddle


        def angle(x):
            return paddle.atan2(x, x) / math.pi
    """)
    _stable(out)


def test_import_added_once_for_several_uses():
    out = _tr("""
        import torch
        a = torch.pi
        b = torch.e * torch.inf
        c = [torch.nan, torch.pi]
    """)
    assert out.count("import math") == 1
    assert out == "import math\na = math.pi\nb = math.e * math.inf\nc = [math.nan, math.pi]\n"
    _stable(out)


def test_file_already_importing_math_gets_no_second_import():
    out = _tr("""
        import math
        import torch
        r = math.sqrt(2) * torch.pi
    """)
    assert out == "import math\nr = math.sqrt(2) * math.pi\n"


def test_file_importing_math_under_another_name_is_spelled_through_it():
    out = _tr("""
        import math as m
        import torch
        r = m.sqrt(2) * torch.pi
    """)
    assert out == "import math as m\nr = m.sqrt(2) * m.pi\n"


def test_file_binding_math_otherwise_gets_the_module_under_another_name():
    out = _tr("""
        import torch

        math = {"pi": 3}


        def f(x):
            return x * torch.pi + math["pi"]
    """)
    assert out == textwrap.dedent("""\
        import math as _math

        math = {"pi": 3}


        def f(x):
            return x * _math.pi + math["pi"]
    """)
    _stable(out)


def test_parameter_named_math_is_not_taken_for_the_module():
    out = _tr("""
        import math
        import torch


        def f(math, x):
            return x * torch.pi + math


        def g():
            return torch.e
    """)
    assert out == textwrap.dedent("""\
        import math
        import math as _math


        def f(math, x):
            return x * _math.pi + math


        def g():
            return math.e
    """)
    ns: dict = {}
    exec(out, ns)
    assert ns["f"](1.0, 2.0) == pytest.approx(2 * np.pi + 1.0)
    assert ns["g"]() == pytest.approx(np.e)


def test_after_docstring_and_future_import():
    out = _tr('''
        """A module."""
        from __future__ import annotations

        import torch

        HALF_PI = torch.pi / 2
    ''')
    assert out == textwrap.dedent('''\
        """A module."""
        from __future__ import annotations

        import math

        HALF_PI = math.pi / 2
    ''')
    _stable(out)


def test_from_import_of_a_constant_becomes_a_math_import():
    out = _tr("""
        import torch
        from torch import inf, pi as PI


        def f(x):
            return torch.clamp(x, -inf, PI)
    """)
    assert out == textwrap.dedent("""\
        from math import inf, pi as PI

        import paddle


        def f(x):
            return paddle.clip(x, -inf, PI)
    """)
    _stable(out)


def test_no_import_when_nothing_is_spelled_through_it():
    out = _tr("""
        import torch
        y = torch.zeros(3)
    """)
    assert "math" not in out


@pytest.mark.parametrize("src", [
    "import numpy as torch\nr = torch.pi * 2\n",
    "class C:\n    pi = 3\n\n\nr = C().pi\n",
    "import math\nr = math.pi\n",
])
def test_look_alikes_unchanged(src):
    assert translate_source(src, path="m.py").code == src


def test_parameter_named_torch_keeps_its_attribute():
    out = _tr("""
        import torch


        def f(torch):
            return torch.pi + torch.e


        x = torch.Tensor
    """)
    assert out == "import paddle\n\n\ndef f(torch):\n    return torch.pi + torch.e\n\n\nx = paddle.Tensor\n"


# ------------------------------------------------------------------- runs like torch's ----

CONSTANTS = """
import torch


def f(x):
    wave = torch.sin(x * torch.pi) * torch.e
    clipped = torch.clamp(x, -torch.inf, 0.25)
    holes = torch.where(x > 0.5, torch.full_like(x, torch.nan), x)
    return wave, clipped, torch.nan_to_num(holes, nan=-1.0), x[:, torch.newaxis].shape
"""


def _np(v):
    return v.numpy() if hasattr(v, "numpy") else np.asarray(v)


def test_constants_match_torch(tmp_path):
    import paddle
    import torch

    x = np.random.RandomState(0).uniform(-1, 1, (3, 4)).astype("float32")
    t_mod = load_module_from_code(CONSTANTS, "constants_torch", tmp_path)
    code = _tr(CONSTANTS)
    assert "torch" not in code and "import math" in code
    p_mod = load_module_from_code(code, "constants_paddle", tmp_path)
    t_out, p_out = t_mod.f(torch.tensor(x)), p_mod.f(paddle.to_tensor(x))
    for t, p in zip(t_out[:3], p_out[:3]):
        np.testing.assert_allclose(_np(p), _np(t), rtol=1e-6, atol=1e-6)
    assert list(p_out[3]) == list(t_out[3])


@pytest.mark.skipif(not OLD_PADDLE.exists(), reason="the Paddle 2.6.2 venv is not built")
def test_constants_run_on_paddle_26(tmp_path):
    """Paddle 2.6 has no ``paddle.pi``: the translation's spelling runs there too."""
    import torch

    x = np.random.RandomState(1).uniform(-1, 1, (3, 4)).astype("float32")
    t_mod = load_module_from_code(CONSTANTS, "constants26_torch", tmp_path)
    expected = [_np(v).tolist() for v in t_mod.f(torch.tensor(x))[:3]]
    (tmp_path / "translated.py").write_text(_tr(CONSTANTS))
    (tmp_path / "expected.json").write_text(json.dumps({"x": x.tolist(), "out": expected}))
    script = textwrap.dedent(f"""
        import json, sys
        import numpy as np
        import paddle
        sys.path.insert(0, {str(tmp_path)!r})
        import translated as m
        data = json.loads(open({str(tmp_path / 'expected.json')!r}).read())
        out = m.f(paddle.to_tensor(np.array(data["x"], dtype="float32")))
        for p, t in zip(out[:3], data["out"]):
            np.testing.assert_allclose(p.numpy(), np.array(t, dtype="float32"), rtol=1e-6, atol=1e-6)
        print("ok", paddle.__version__)
    """)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    proc = subprocess.run([str(OLD_PADDLE), "-c", script], capture_output=True, text=True, env=env, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "ok 2.6" in proc.stdout
