"""Receiver inference (translate/inference.py): what a name holds where it is read.

Before/after cases for each kind of evidence, "unchanged" cases for look-alikes, and a numeric
check of the attention example against torch."""

from __future__ import annotations

import textwrap

import numpy as np
import pytest

from translator import Severity, translate_source

NOT_KNOWN = "not known to be a"


def tr(code: str):
    return translate_source(textwrap.dedent(code).lstrip("\n"), path="m.py")


def unknown_receivers(result) -> list[str]:
    return [d.message for d in result.diagnostics if NOT_KNOWN in d.message]


ATTENTION = """
    import torch
    import torch.nn.functional as F
    from torch import Tensor


    def attn(input: Tensor, qkv_weight: Tensor, num_heads: int):
        B, L, C = input.shape
        x = F.pad(input, (0, 0, 0, 1))
        x = x.view(B, -1, C)
        qkv = F.linear(x, qkv_weight)
        qkv = qkv.reshape(B, -1, 3, num_heads, C // num_heads).permute(2, 0, 3, 1, 4)
        q, k, v = qkv[0], qkv[1], qkv[2]
        a = q.matmul(k.transpose(-2, -1))
        a = F.softmax(a, dim=-1)
        x = a.matmul(v).transpose(1, 2).reshape(B, -1, C)
        return x
"""


def test_attention_example_is_translated_whole():
    result = tr(ATTENTION)
    assert not unknown_receivers(result), result.diagnostics
    code = result.code
    assert "x = x.reshape([B, -1, C])" in code
    assert "qkv.reshape([B, -1, 3, num_heads, C // num_heads]).transpose([2, 0, 3, 1, 4])" in code
    assert "k.moveaxis([-2, -1], [-1, -2])" in code
    assert "a.matmul(v).moveaxis([1, 2], [2, 1]).reshape([B, -1, C])" in code
    assert "import torch" not in code


def test_attention_example_matches_torch(tmp_path):
    import paddle
    import torch

    from tests.helpers import load_module_from_code

    torch_mod = load_module_from_code(textwrap.dedent(ATTENTION), "attn_torch", tmp_path)
    paddle_mod = load_module_from_code(tr(ATTENTION).code, "attn_paddle", tmp_path)
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 5, 8)).astype("float32")
    w = rng.standard_normal((24, 8)).astype("float32")
    expected = torch_mod.attn(torch.from_numpy(x), torch.from_numpy(w), 2).numpy()
    got = paddle_mod.attn(paddle.to_tensor(x), paddle.to_tensor(w), 2).numpy()
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-5)


# ------------------------------------------------------------------------- flow ------------
def test_one_unknown_assignment_does_not_poison_the_others():
    result = tr("""
        import torch
        def f(n, thing):
            x = torch.zeros(n, 4)
            x = x.view(2, -1)
            x = thing.make()
            x = x.view(-1)
            return x
    """)
    assert "x = x.reshape([2, -1])" in result.code
    assert "x = x.view(-1)" in result.code  # after the unknown assignment: left, reported
    assert len(unknown_receivers(result)) == 1


def test_branches_join_and_loops_reach_a_fixpoint():
    result = tr("""
        import torch
        import torch.nn.functional as F
        def f(x: torch.Tensor, flag: bool):
            if flag:
                h = F.relu(x)
            else:
                h = torch.sigmoid(x)
            h = h.view(-1)
            for _ in range(3):
                y = h.view(1, -1)
                h = F.relu(y)
            return h.view(-1), y.view(-1)
    """)
    assert not unknown_receivers(result)
    assert "h = h.reshape([-1])" in result.code
    assert "y = h.reshape([1, -1])" in result.code
    assert "return h.reshape([-1]), y.reshape([-1])" in result.code


def test_a_loop_that_rebinds_to_something_unknown_makes_the_name_unknown_in_the_loop():
    result = tr("""
        import torch
        def f(things):
            h = torch.zeros(2)
            for t in things:
                h.view(-1)
                h = t.compute()
    """)
    assert "h.view(-1)" in result.code
    assert unknown_receivers(result)


def test_tuple_unpacking_of_unbind_and_of_indexings():
    result = tr("""
        import torch
        def f(qkv: torch.Tensor):
            q, k, v = qkv.unbind(0)
            a, b = qkv[0], qkv[1]
            return q.view(-1), k.view(-1), v.view(-1), a.view(-1), b.view(-1)
    """)
    assert not unknown_receivers(result)
    assert result.code.count(".reshape([-1])") == 5


def state_before(code: str, statement_start: str) -> dict:
    """What inference says each name holds before the statement starting with ``statement_start``."""
    import libcst as cst

    from translator.rules import load_table
    from translator.translate.resolve import Prepass, walk
    from translator.translate.rewrite import Translator

    module = cst.parse_module(textwrap.dedent(code).lstrip("\n"))
    pre = Prepass(None)
    walk(module, pre)
    translator = Translator(load_table(), pre, "m.py")
    translator.infer_receivers(module)
    for node_id, state in translator.inference.states.items():
        for frame in translator.inference.frames.values():
            for stmt in frame.node.body.body:
                if id(stmt) == node_id and module.code_for_node(stmt).strip().startswith(statement_start):
                    return state
    raise AssertionError(f"no statement {statement_start!r}")


def test_shape_unpacking_gives_ints_not_tensors():
    from translator.translate import kinds

    code = """
        import torch
        def f(x: torch.Tensor):
            B, C, H, W = x.shape
            n = x.size(0)
            parts = x.split(2)
            q, k = parts
            return x.view(B, C, H * W)
    """
    state = state_before(code, "return")
    assert state["B"] == state["W"] == state["n"] == kinds.INT
    assert state["parts"] == kinds.seq(kinds.TENSOR)
    assert state["q"] == state["k"] == kinds.TENSOR
    result = tr(code)
    assert "x.reshape([B, C, H * W])" in result.code
    assert not result.diagnostics


# ------------------------------------------------------------------------- layers ----------
def test_loops_over_layer_containers_and_indexed_layers():
    result = tr("""
        import torch.nn as nn
        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.blocks = nn.ModuleList([nn.Linear(4, 4) for _ in range(2)])
                self.heads = nn.ModuleDict({"a": nn.Linear(4, 2)})
                self.seq = nn.Sequential(nn.Linear(4, 4))
            def forward(self, x, i: int):
                for block in self.blocks:
                    x = block(x)
                y = self.blocks[i](x)
                outs = [layer(x).flatten(1) for name, layer in self.heads.items()]
                return x.mul(2), y.view(-1), self.seq[0](x).view(-1), outs
    """)
    assert not unknown_receivers(result), result.diagnostics
    assert "x.mul(2)" not in result.code
    assert "y.reshape([-1])" in result.code
    assert "self.seq[0](x).reshape([-1])" in result.code


def test_results_of_functions_and_methods_of_the_file():
    result = tr("""
        import torch
        import torch.nn as nn
        def make(n):
            return torch.zeros(n, 3)
        class Net(nn.Module):
            def _prep(self, t):
                return t.flatten(1)
            def helper(self):
                return make(2).view(-1), self._prep(torch.ones(2, 3)).view(-1)
    """)
    assert not unknown_receivers(result), result.diagnostics
    assert "make(2).reshape([-1])" in result.code
    assert "self._prep(paddle.ones([2, 3])).reshape([-1])" in result.code
    assert "return t.flatten(1)" in result.code


def test_parameters_take_what_the_calls_of_the_file_pass():
    result = tr("""
        import torch
        def _scale(t, factor=2):
            return t.view(-1) * factor
        def f(n):
            return _scale(torch.ones(n))
    """)
    assert "return t.reshape([-1]) * factor" in result.code
    assert not unknown_receivers(result)


# ------------------------------------------------------------------------- attributes ------
def test_parameters_buffers_and_attribute_assignments():
    result = tr("""
        import torch
        import torch.nn as nn
        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.weight = nn.Parameter(torch.randn(3, 4))
                self.register_buffer("pos", torch.zeros(1, 4))
                self.anchors = [torch.ones(4) for _ in range(3)]
            def forward(self, q, k):
                attn = q @ k.transpose(-2, -1)
                self.anchors = [a.to(q.dtype) for a in self.anchors]
                return self.weight.view(-1), self.pos.to(q.dtype), attn.softmax(dim=-1)
    """)
    assert not unknown_receivers(result), result.diagnostics
    code = result.code
    assert "self.weight.reshape([-1])" in code
    assert "self.pos.astype(q.dtype)" in code
    assert "attn.softmax(axis=-1)" in code or "softmax(attn, axis=-1)" in code
    assert "[a.astype(q.dtype) for a in self.anchors]" in code


# ------------------------------------------------------------------------- annotations -----
@pytest.mark.parametrize(
    "header, annotation",
    [
        ("from torch import Tensor", "Tensor"),
        ("from torch import Tensor", '"Tensor"'),
        ("from typing import Optional\nfrom torch import Tensor", "Optional[Tensor]"),
        ("from torch import Tensor", "Tensor | None"),
        ("import torch", "torch.Tensor"),
    ],
)
def test_annotations_say_tensor(header, annotation):
    result = tr(f"{header}\nimport torch\ndef f(x: {annotation}):\n    return x.view(-1)\n")
    assert "x.reshape([-1])" in result.code
    assert not result.diagnostics


def test_torchscript_type_comments_say_tensor():
    result = tr("""
        import torch
        def f(boxes, scale):
            # type: (Tensor, float) -> Tensor
            return boxes.view(-1) * scale
        def g(x):
            # type: (Tensor) -> Tensor
            return f(x, 2.0).view(2, -1)
    """)
    assert "return boxes.reshape([-1]) * scale" in result.code
    assert "return f(x, 2.0).reshape([2, -1])" in result.code
    assert not result.diagnostics


def test_isinstance_narrows():
    result = tr("""
        import torch
        def f(x):
            if isinstance(x, torch.Tensor):
                return x.view(-1)
            return x
    """)
    assert "return x.reshape([-1])" in result.code
    assert not result.diagnostics


# ------------------------------------------------------------------------- look-alikes -----
@pytest.mark.parametrize(
    "code",
    [
        # numpy arrays
        "import numpy as np\nimport torch\ndef f():\n    a = np.zeros((2, 3))\n    return a.reshape(3, 2), a.view(np.float32)\n",
        # lists
        "import torch\ndef f():\n    items = [3, 1, 2]\n    items.sort()\n    return items.index(1)\n",
        # strings
        "import torch\ndef f(text: str):\n    s = 'a,b'\n    return s.split(','), text.split(',')\n",
        # dict.items()
        "import torch\ndef f():\n    d = {'a': 'x,y'}\n    for k, v in d.items():\n        v.split(',')\n",
        # a user class with a view method
        "import torch\nclass Camera:\n    def view(self, a, b):\n        return a + b\ndef f():\n    c = Camera()\n    return c.view(1, 2)\n",
        # Paddle code (a translation read again)
        "import paddle\nimport torch\ndef f():\n    x = paddle.zeros([2, 3])\n    return x.reshape([3, 2]).transpose([1, 0])\n",
    ],
    ids=["numpy", "list", "str", "dict-items", "user-class", "paddle"],
)
def test_look_alikes_are_left_alone_without_warnings(code):
    result = translate_source(code, path="m.py")
    body = code.split("def f", 1)[1]
    assert body in result.code
    assert not [d for d in result.diagnostics if d.severity != Severity.INFO], result.diagnostics


def test_a_name_rebound_to_a_non_tensor_later_is_left_alone_there():
    result = tr("""
        import torch
        def f():
            x = torch.zeros(2, 3)
            y = x.view(-1)
            x = "a,b"
            return y, x.split(",")
    """)
    assert "y = x.reshape([-1])" in result.code
    assert 'x.split(",")' in result.code
    assert not result.diagnostics


def test_a_translation_read_again_is_unchanged():
    first = tr(ATTENTION)
    second = translate_source(first.code, path="m.py")
    assert second.code == first.code
    assert not second.diagnostics


def test_values_and_indices_of_a_translated_pair():
    result = tr("""
        import torch
        def f(d: torch.Tensor):
            return d.min(dim=2).values > 0, d.max(dim=1).indices
    """)
    assert "return d.min(axis=2) > 0, d.argmax(axis=1)" in result.code
    assert not result.diagnostics


def test_a_paddle_layer_read_again_gets_no_torch_rule_and_no_warning():
    code = textwrap.dedent("""
        import paddle
        import torch
        class Net(paddle.nn.Layer):
            def forward(self, x):
                y = self.body(x)
                return y.split(2, axis=1), y.transpose([0, 2, 1])
    """).lstrip("\n")
    result = translate_source(code, path="m.py")
    assert "return y.split(2, axis=1), y.transpose([0, 2, 1])" in result.code
    assert not result.diagnostics


def test_split_by_sizes_held_by_a_name_matches_torch():
    import paddle
    import torch

    code = """
        import torch
        def f(x: torch.Tensor, boxes: list[torch.Tensor]):
            sizes = [b.size(0) for b in boxes]
            return x.split(sizes, dim=0)
    """
    result = tr(code)
    assert "sizes = [b.shape[0] for b in boxes]" in result.code
    scope: dict = {}
    exec(result.code, scope)
    t_scope: dict = {}
    exec(textwrap.dedent(code), t_scope)
    x = np.arange(12, dtype="float32").reshape(6, 2)
    boxes = [np.zeros((n, 4), "float32") for n in (1, 2, 3)]
    expected = t_scope["f"](torch.from_numpy(x), [torch.from_numpy(b) for b in boxes])
    got = scope["f"](paddle.to_tensor(x), [paddle.to_tensor(b) for b in boxes])
    assert len(got) == len(expected) == 3
    for g, e in zip(got, expected):
        np.testing.assert_allclose(g.numpy(), e.numpy())


def test_an_autograd_function_takes_tensors():
    result = tr("""
        import torch
        class Scale(torch.autograd.Function):
            @staticmethod
            def forward(ctx, x, factor=2.0):
                ctx.save_for_backward(x)
                return x.view(-1) * factor
            @staticmethod
            def backward(ctx, grad):
                (x,) = ctx.saved_tensors
                return grad.view(x.shape) * 2.0, None
    """)
    assert "return x.reshape([-1]) * factor" in result.code
    assert "grad.reshape(x.shape)" in result.code
    assert not unknown_receivers(result)


def test_constructor_arguments_reach_init_parameters_and_attributes():
    result = tr("""
        import torch
        import torch.nn as nn
        class Block(nn.Module):
            def __init__(self, table):
                super().__init__()
                self.table = table
            def lookup(self):
                return self.table.view(-1)
        def build():
            return Block(torch.zeros(3, 4))
    """)
    assert "return self.table.reshape([-1])" in result.code
    assert not unknown_receivers(result)


def test_torchvision_ops_functions_give_tensors():
    result = tr("""
        import torch
        from torchvision.ops import boxes as box_ops
        def f(boxes, size):
            boxes = box_ops.clip_boxes_to_image(boxes, size)
            return boxes.reshape(-1, 4)
    """)
    assert "return boxes.reshape([-1, 4])" in result.code
    assert not unknown_receivers(result)


def test_results_and_parameters_reach_a_fixpoint_across_functions():
    # g reads f's result, f's parameter comes from g's call, and f is defined after g
    result = tr("""
        import torch
        def g(x: torch.Tensor):
            return f(x).view(-1)
        def f(t):
            return t.flatten(1)
    """)
    assert "return f(x).reshape([-1])" in result.code
    assert not unknown_receivers(result)


def test_an_optional_value_set_in_a_loop():
    code = """
        import torch
        def f(xs: list[torch.Tensor]):
            total = None
            for x in xs:
                if total is None:
                    total = x
                else:
                    total = total + x
            return total.view(-1)
    """
    from translator.translate import kinds

    assert state_before(code, "return")["total"] == kinds.TENSOR
    assert "return total.reshape([-1])" in tr(code).code


def test_classes_bases_are_walked_breadth_first_each_once():
    """``_mro`` serves the method and attribute look-ups: the class, then its bases of the file
    breadth-first, a cycle or a base defined elsewhere ending the walk."""
    from translator.translate.expressions import ExpressionKinds, _Class

    def cls(*bases: str, methods: tuple[str, ...] = ()) -> _Class:
        return _Class(node=None, is_layer=True, bases=list(bases), methods={m: m for m in methods})  # type: ignore[arg-type]

    probe = ExpressionKinds()
    probe.classes = {
        "D": cls("B", "C"), "B": cls("A"), "C": cls("A", "Elsewhere", methods=("f",)), "A": cls("D", methods=("f", "g")),
    }
    assert list(probe._mro("D")) == ["D", "B", "C", "A"]
    assert list(probe._mro("Elsewhere")) == []
    assert probe._method("D", "f") == "f" and probe._method("B", "f") == "f" and probe._method("D", "h") is None
    probe.classes["C"].methods["f"] = "C.f"
    assert probe._method("D", "f") == "C.f"  # C comes before A, B's base
