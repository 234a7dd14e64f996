"""In-place arithmetic (``x.add_(y)``, ``sub_``, ``mul_``, ``div_`` and their long names) where the
kinds do not settle the Paddle form: an operand that may be a number or a tensor
(``t.mul_(std * k)``), a receiver of unknown kind (monai's ``trunc_normal_(tensor, ...)``).  The
call becomes ``_torch_mul_(t, ...)``, support code deciding at run time; its results are checked
against torch for numbers, tensors of other dtypes and shapes, ``alpha``, integer receivers and
receivers that are not tensors.  Receivers known to be something else are left alone."""

from __future__ import annotations

import textwrap

import numpy as np
import pytest

from translator.translate.pipeline import translate_source
from translator.translate.support import strip_support

from helpers import load_module_from_code

torch = pytest.importorskip("torch")
paddle = pytest.importorskip("paddle")


def _translate(code: str):
    return translate_source(textwrap.dedent(code).lstrip("\n"))


def _body(code: str) -> str:
    """The output without its support block."""
    return strip_support(_translate(code).code)


# ------------------------------------------------------------------ before / after ---------
def test_an_operand_of_unknown_kind_on_a_tensor_goes_through_support_code():
    out = _body(
        """
        import torch

        def f(x: torch.Tensor, s, t: torch.Tensor):
            x.mul_(s)
            x.add_(s, alpha=2)
            x.sub_(t)
            x.div_(s * 2)
            return x.mul_(3)
        """
    )
    assert out == textwrap.dedent(
        """\
        import paddle


        def f(x: paddle.Tensor, s, t: paddle.Tensor):
            _torch_mul_(x, s)
            _torch_add_(x, s, alpha=2)
            x.subtract_(t)
            _torch_div_(x, s * 2)
            return x.scale_(3)
        """
    )


def test_a_receiver_of_unknown_kind_goes_through_support_code():
    result = _translate(
        """
        import math
        import torch

        def trunc_normal_(tensor, mean, std):
            with torch.no_grad():
                tensor.mul_(std * math.sqrt(2.0))
                tensor.add_(mean)
                tensor.subtract_(1)
                tensor.divide_(2.0)
                return tensor
        """
    )
    assert result.diagnostics == []
    assert "        _torch_mul_(tensor, std * math.sqrt(2.0))\n        _torch_add_(tensor, mean)\n" in result.code
    assert "        _torch_sub_(tensor, 1)\n        _torch_div_(tensor, 2.0)\n" in result.code
    assert "def _torch_inplace_arith(x, other, op):" in result.code
    assert "import torch" not in result.code


@pytest.mark.parametrize(
    "code",
    [
        # a class of the file that is not a layer has its own add_
        """
        import torch

        class Meter:
            def add_(self, v):
                return self

        def f():
            m = Meter()
            m.add_(3)
            return m
        """,
        # a Paddle tensor (already Paddle code)
        """
        import paddle
        import torch

        def f(s):
            y = paddle.ones([2])
            y.add_(s)
            return y
        """,
        # a module attribute
        """
        import torch
        import mylib

        def f(s):
            return mylib.mul_(s)
        """,
    ],
)
def test_receivers_known_to_be_something_else_are_left_alone(code):
    out = _translate(code).code
    assert "_torch_" not in out
    assert ".add_(" in out or ".mul_(" in out


def test_translating_the_output_again_changes_nothing():
    once = _translate(
        """
        import torch

        def f(x: torch.Tensor, t, s):
            t.mul_(s)
            x.add_(s)
            return x.mul_(2)
        """
    ).code
    assert translate_source(once).code == once


# ------------------------------------------------------------------ against torch ----------
def _helpers(tmp_path):
    code = _translate(
        """
        import torch

        def add_(x, y, **kw):
            return x.add_(y, **kw) if kw else x.add_(y)

        def add_alpha(x, y, a):
            return x.add_(y, alpha=a)

        def sub_(x, y):
            return x.sub_(y)

        def sub_alpha(x, y, a):
            return x.sub_(y, alpha=a)

        def mul_(x, y):
            return x.mul_(y)

        def div_(x, y):
            return x.div_(y)

        def multiply_(x, y):
            return x.multiply_(y)

        def subtract_(x, y):
            return x.subtract_(y)

        def divide_(x, y):
            return x.divide_(y)
        """
    ).code
    return load_module_from_code(code, "inplace_arith_p", tmp_path)


def _pair(spec):
    """The same value for torch and Paddle: an array becomes a tensor, a number stays."""
    if isinstance(spec, np.ndarray):
        return torch.from_numpy(spec.copy()), paddle.to_tensor(spec.copy())
    return spec, spec


_RNG = np.random.default_rng(0)
_F32 = _RNG.standard_normal((2, 3)).astype("float32")
_CASES = [
    # (method, receiver, operand, alpha)
    ("mul_", _F32, 0.3, None),
    ("mul_", _F32, 3, None),
    ("mul_", _F32, np.float32(1.7), None),
    ("mul_", _F32, _RNG.standard_normal((2, 3)).astype("float32"), None),
    ("mul_", _F32, _RNG.standard_normal((3,)).astype("float32"), None),  # broadcast
    ("mul_", _F32, np.array([True, False, True]), None),  # a bool mask
    ("mul_", _F32, _RNG.standard_normal((2, 3)).astype("float64") / 3, None),  # a wider operand
    ("mul_", _F32, np.array(2.5, dtype="float32"), None),  # a 0-d tensor
    ("add_", _F32, 0.1, None),
    ("add_", _F32, 0.1, 3),
    ("add_", _F32, _RNG.standard_normal((2, 3)).astype("float32"), -0.5),
    ("add_", _F32, np.arange(3, dtype="int64"), None),
    ("sub_", _F32, 1.25, None),
    ("sub_", _F32, _RNG.standard_normal((2, 3)).astype("float64"), 2),
    ("div_", _F32, 3.0, None),
    ("div_", _F32, 7, None),
    ("div_", _F32, _RNG.uniform(1, 2, (2, 3)).astype("float32"), None),
    ("div_", _F32.astype("float64"), _RNG.uniform(1, 2, (3,)).astype("float32"), None),  # a narrower operand
    ("multiply_", _F32, 0.5, None),
    ("subtract_", _F32, _RNG.standard_normal((2, 3)).astype("float32"), None),
    ("divide_", _F32, 0.7, None),
    ("add_", np.arange(6, dtype="int64").reshape(2, 3), 5, None),
    ("mul_", np.arange(6, dtype="int64").reshape(2, 3), np.arange(3, dtype="int32"), None),
    ("sub_", np.arange(6, dtype="int32").reshape(2, 3), 2, 3),
]


@pytest.mark.parametrize("method, x, other, alpha", _CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(_CASES)])
def test_results_match_torch(tmp_path, method, x, other, alpha):
    mod = _helpers(tmp_path)
    tx, px = _pair(x)
    to, po = _pair(other)
    if alpha is None:
        expected = getattr(tx, method)(to)
        fn = getattr(mod, method)
        got = fn(px, po)
    else:
        expected = getattr(tx, method)(to, alpha=alpha)
        got = getattr(mod, f"{method.rstrip('_')}_alpha")(px, po, alpha)
    assert got is px or got.data_ptr() == px.data_ptr()  # in place, like torch
    assert str(px.dtype).replace("paddle.", "") == str(tx.dtype).replace("torch.", "")
    np.testing.assert_allclose(px.numpy(), tx.numpy(), rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(got.numpy(), expected.numpy(), rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize(
    "method, x, other",
    [
        ("mul_", np.arange(6, dtype="int64"), 0.5),  # a float into an integer tensor
        ("add_", np.arange(6, dtype="int64"), np.ones(6, dtype="float32")),
        ("div_", np.arange(6, dtype="int64"), 2),  # a true division into an integer tensor
    ],
)
def test_what_torch_refuses_raises(tmp_path, method, x, other):
    mod = _helpers(tmp_path)
    tx, px = _pair(x)
    to, po = _pair(other)
    with pytest.raises(RuntimeError):
        getattr(tx, method)(to)
    with pytest.raises(RuntimeError):
        getattr(mod, method)(px, po)


def test_a_receiver_that_is_not_a_tensor_has_its_own_method_called(tmp_path):
    mod = _helpers(tmp_path)

    class Acc:
        def __init__(self):
            self.calls = []

        def mul_(self, v):
            self.calls.append(("mul_", v))
            return self

        def add_(self, v, alpha=1):
            self.calls.append(("add_", v, alpha))
            return self

    acc = Acc()
    assert mod.mul_(acc, 3) is acc
    assert mod.add_alpha(acc, 2, 5) is acc
    assert acc.calls == [("mul_", 3), ("add_", 2, 5)]


def test_truncated_normal_initializer_matches_torch(tmp_path):
    # monai's _no_grad_trunc_normal_ after the random draw: the same arithmetic on the same data
    src = """
        import math
        import torch

        def finish(tensor, mean, std, a, b):
            with torch.no_grad():
                tensor.erfinv_()
                tensor.mul_(std * math.sqrt(2.0))
                tensor.add_(mean)
                tensor.clamp_(min=a, max=b)
                return tensor
        """
    ns: dict = {}
    exec(textwrap.dedent(src), ns)
    mod = load_module_from_code(_translate(src).code, "trunc_normal_p", tmp_path)
    u = np.random.default_rng(1).uniform(-0.99, 0.99, (4, 5)).astype("float32")
    expected = ns["finish"](torch.from_numpy(u.copy()), 0.1, 0.02, -0.03, 0.15)
    got = mod.finish(paddle.to_tensor(u.copy()), 0.1, 0.02, -0.03, 0.15)
    np.testing.assert_allclose(got.numpy(), expected.numpy(), rtol=1e-6, atol=1e-7)


# ------------------------------------------- other in-place methods on unknown receivers ---
def test_an_in_place_method_on_an_unknown_receiver_goes_through_a_function_made_from_its_rule():
    result = _translate(
        """
        import torch

        def f(t, a, b):
            t.uniform_(a, b)
            t.erfinv_()
            t.clamp_(min=a, max=b)
            return t
        """
    )
    assert result.diagnostics == []
    assert strip_support(result.code).splitlines()[-4:] == [
        "    t.uniform_(a, b)",  # the same method in Paddle: left as it is
        "    t.erfinv_()",
        "    _torch_clamp_(t, min=a, max=b)",
        "    return t",
    ]
    assert textwrap.dedent(
        '''
        def _torch_clamp_(self, min=None, max=None):
            """torch.Tensor.clamp_ on a receiver of unknown kind: torch's method on a Paddle
            tensor; anything else has its own method called."""
            if isinstance(self, paddle.Tensor):
                return self.clip_(min=min, max=max)
            return self.clamp_(min=min, max=max)
        '''
    ) in "\n" + result.code


def test_in_place_methods_on_known_receivers_are_not_wrapped():
    out = _translate(
        """
        import torch

        def f(t: torch.Tensor, a):
            t.clamp_(min=a)
            return t
        """
    ).code
    assert "t.clip_(min=a)" in out and "_torch_clamp_" not in out


_METHODS = """
    import torch

    def clamp_(t, lo, hi):
        return t.clamp_(lo, hi)

    def clamp_min_(t, lo):
        return t.clamp_min_(lo)

    def copy_(t, src):
        return t.copy_(src)

    def index_fill_(t, index, value):
        return t.index_fill_(1, index, value)

    def addcmul_(t, a, b):
        return t.addcmul_(a, b, value=0.5)

    def lerp_(t, end, weight):
        return t.lerp_(end, weight)

    def fill_(t, value):
        return t.fill_(value)

    def exp_(t):
        return t.exp_()
    """


@pytest.mark.parametrize(
    "name, args",
    [
        ("clamp_", (-0.3, 0.4)),
        ("clamp_min_", (0.1,)),
        ("copy_", (np.arange(6, dtype="float32").reshape(2, 3),)),
        ("index_fill_", (np.array([0, 2]), -1.5)),
        ("addcmul_", (_RNG.standard_normal((2, 3)).astype("float32"), _RNG.standard_normal((2, 3)).astype("float32"))),
        ("lerp_", (np.ones((2, 3), dtype="float32"), 0.25)),
        ("fill_", (2.5,)),
        ("exp_", ()),
    ],
)
def test_in_place_methods_on_unknown_receivers_match_torch(tmp_path, name, args):
    result = _translate(_METHODS)
    assert not [d for d in result.diagnostics if d.api == f"torch.Tensor.{name}"]
    mod = load_module_from_code(result.code, "inplace_methods_p", tmp_path)
    ns: dict = {}
    exec(textwrap.dedent(_METHODS), ns)
    tx, px = _pair(_F32)
    pairs = [_pair(a) for a in args]
    expected = ns[name](tx, *[t for t, _ in pairs])
    got = getattr(mod, name)(px, *[p for _, p in pairs])
    np.testing.assert_allclose(px.numpy(), tx.numpy(), rtol=1e-6, atol=1e-6)  # in place
    np.testing.assert_allclose(got.numpy(), expected.numpy(), rtol=1e-6, atol=1e-6)


def test_a_receiver_that_is_not_a_tensor_keeps_its_own_in_place_method(tmp_path):
    # called with torch's parameter names (a tensor-like object follows torch's signature)
    mod = load_module_from_code(_translate(_METHODS).code, "inplace_methods_q", tmp_path)

    class Box:
        def clamp_(self, min=None, max=None):
            return ("clamp_", min, max)

    assert mod.clamp_(Box(), 1, 2) == ("clamp_", 1, 2)
