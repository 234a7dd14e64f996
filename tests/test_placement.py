"""device=/layout=/pin_memory=/memory_format= and a layer's dtype= (translate/placement.py),
also through a **kwargs dictionary built in the same scope: before/after, numeric checks
against torch, and look-alikes left alone."""

from __future__ import annotations

import textwrap

import numpy as np
import pytest

from translator import testing, translate_source
from translator.translate.support import strip_support

pytest.importorskip("torch")
pytest.importorskip("paddle")


def tr(src: str):
    return translate_source(textwrap.dedent(src).lstrip("\n"), path="p.py")


def body(src: str) -> str:
    return strip_support(tr(src).code)


def run_both(src: str, inputs: dict[str, np.ndarray]):
    """Run the torch code and its translation; return both namespaces' ``out``."""
    import paddle
    import torch

    src = textwrap.dedent(src).lstrip("\n")
    result = translate_source(src, path="p.py")
    assert not result.errors, [d.message for d in result.errors]
    t_ns = {k: torch.from_numpy(v.copy()) for k, v in inputs.items()}
    p_ns = {k: paddle.to_tensor(v.copy()) for k, v in inputs.items()}
    exec(compile(src, "<torch>", "exec"), t_ns)
    exec(compile(result.code, "<paddle>", "exec"), p_ns)
    return t_ns["out"], p_ns["out"], result.code


def test_creation_placement_arguments_are_dropped():
    out = body("""
        import torch
        a = torch.zeros(2, 3, device="cpu", layout=torch.strided, pin_memory=False, memory_format=torch.contiguous_format)
        b = torch.ones_like(a, memory_format=torch.preserve_format, device=a.device)
    """)
    assert out == (
        "import paddle\n"
        "a = paddle.zeros([2, 3])\n"
        "b = paddle.ones_like(a)\n"
    )


def test_creation_placement_matches_torch():
    t, p, _ = run_both("""
        import torch
        x = torch.zeros(2, 3, device="cpu", layout=torch.strided, pin_memory=False)
        y = torch.full_like(x, 2.0, memory_format=torch.preserve_format)
        out = (x, y, torch.eye(3, dtype=torch.float64, device=torch.device("cpu")))
    """, {})
    testing.compare(t, p, 1e-6, 1e-6, True, "out")


def test_method_memory_format_is_dropped_and_matches_torch():
    t, p, code = run_both("""
        import torch

        def f(x: torch.Tensor):
            return x.contiguous(memory_format=torch.channels_last), x.clone(memory_format=torch.preserve_format)

        out = f(x)
    """, {"x": np.arange(24, dtype="float32").reshape(1, 2, 3, 4)})
    assert "channels_last" not in code and "preserve_format" not in code
    testing.compare(t, p, 1e-6, 1e-6, True, "out")


def test_other_layout_is_reported_not_dropped():
    result = tr("""
        import torch
        a = torch.zeros(2, 3, layout=torch.sparse_coo)
    """)
    assert result.errors, result.code
    assert "sparse_coo" in result.code


def test_layer_dtype_casts_the_built_layer():
    out = body("""
        import torch
        import torch.nn as nn
        a = nn.Linear(2, 3, device="cpu", dtype=torch.float64)
        b = nn.Conv2d(3, 4, 3, dtype=None)
    """)
    assert out == (
        "import paddle\n"
        "import paddle.nn as nn\n"
        "\n\n"
        "a = _module_to(nn.Linear(2, 3), paddle.float64)\n"
        "b = nn.Conv2D(3, 4, 3)\n"
    )


FACTORY = """
import torch
import torch.nn as nn

dd = dict(device="cpu", dtype=torch.float64)


class Block(nn.Module):
    def __init__(self, dim, device=None, dtype=None):
        super().__init__()
        factory_kwargs = {"device": device, "dtype": dtype}
        self.lin = nn.Linear(dim, dim, **factory_kwargs)
        self.norm = nn.LayerNorm(dim, **dd)
        self.scale = nn.Parameter(torch.ones([dim], **factory_kwargs))


block = Block(3, dtype=torch.float64)
plain = Block(3)
out = (
    block.lin.weight.dtype == torch.float64, block.norm.weight.dtype == torch.float64,
    block.scale, plain.lin.weight.dtype == torch.float32, torch.zeros(2, **dd),
)
"""


def test_static_kwargs_dictionaries_are_written_out():
    code = body(FACTORY)
    assert 'self.lin = _module_to(nn.Linear(dim, dim), factory_kwargs["dtype"])' in code
    assert 'self.norm = _module_to(nn.LayerNorm(dim), dd["dtype"])' in code
    assert 'paddle.ones([dim], dtype=factory_kwargs["dtype"])' in code
    assert 'paddle.zeros([2], dtype=dd["dtype"])' in code


def test_static_kwargs_dictionaries_match_torch():
    t, p, _ = run_both(FACTORY, {})
    testing.compare(t, p, 1e-6, 1e-6, True, "out")


@pytest.mark.parametrize("src", [
    # a parameter: its keys are not known
    "import torch.nn as nn\ndef f(**kw):\n    return nn.Linear(2, 3, **kw)\n",
    # assigned twice
    "import torch.nn as nn\ndd = dict(device='cpu')\ndd = dict(bias=False)\nlayer = nn.Linear(2, 3, **dd)\n",
    # keys not all literal
    "import torch.nn as nn\ndd = {k: 1}\nlayer = nn.Linear(2, 3, **dd)\n",
    # a key the signature does not have
    "import torch.nn as nn\ndd = dict(colour='red')\nlayer = nn.Linear(2, 3, **dd)\n",
    # an enclosing function's dd, not the module's
    "import torch.nn as nn\ndd = dict(device='cpu')\ndef f(**dd):\n    def g():\n        return nn.Linear(2, 3, **dd)\n    return g\n",
    # a class attribute of that name is not the module's either
    "import torch.nn as nn\ndd = dict(device='cpu')\nclass A:\n    dd = {}\n    def f(self, dd=None):\n        return nn.Linear(2, 3, **dd)\n",
])
def test_unknown_kwargs_are_not_expanded(src):
    out = tr(src).code
    assert "**" in out and '["' not in out


def test_already_paddle_is_unchanged():
    src = "import paddle\nx = paddle.zeros([2, 3], dtype='float32')\n"
    assert tr(src).code == src
