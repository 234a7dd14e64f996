"""Arguments translated the same way for every entry whose torch signature lists them
(``translate/placement.py``): ``requires_grad=`` of a function Paddle's lacks marks the result
(``_requires_grad_``), and ``generator=`` is never dropped silently: ``None`` goes, a generator
object is reported, for every entry that has the argument."""

from __future__ import annotations

import numpy as np
import pytest

from translator import testing, translate_source
from translator.rules import ApiRule, load_table
from translator.translate.support import strip_support

TABLE = load_table()


def _call(rule: ApiRule, extra: str) -> str:
    """A file calling ``rule``'s API with its required arguments as names and ``extra``."""
    required = [f"a{i}" if p.kind == "positional" else "2"  # a size of `*size`
                for i, p in enumerate(rule.params or ()) if p.default is None and p.kind in ("positional", "varargs")]
    keywords = [f"{p.name}=k{i}" for i, p in enumerate(rule.params or ()) if p.default is None and p.kind == "keyword"]
    args = ", ".join([*required, *keywords, extra])
    if rule.kind == "method":
        name = rule.torch.rsplit(".", 1)[1]
        receiver = "torch.Tensor" if rule.receiver == "tensor" else "torch.nn.Module"
        return f"import torch\n\ndef f(x: {receiver}):\n    return x.{name}({args})\n"
    return f"import torch\nimport torch.utils.data\nout = {rule.torch}({args})\n"


GENERATOR = sorted(r.torch for r in TABLE.all_rules() if r.params is not None and r.param("generator") is not None)


def test_entries_with_a_generator_exist():
    assert len(GENERATOR) > 30


@pytest.mark.parametrize("api", GENERATOR)
def test_a_generator_object_is_reported(api):
    rule = TABLE.apis[api] if api in TABLE.apis else next(r for r in TABLE.all_rules() if r.torch == api)
    result = translate_source(_call(rule, "generator=g"), path="gen.py")
    reported = [d for d in result.diagnostics if "generator" in d.message]
    assert reported, (api, [str(d) for d in result.diagnostics], result.code)


@pytest.mark.parametrize("api", GENERATOR)
def test_generator_none_is_dropped(api):
    rule = TABLE.apis[api] if api in TABLE.apis else next(r for r in TABLE.all_rules() if r.torch == api)
    result = translate_source(_call(rule, "generator=None"), path="gen.py")
    code = strip_support(result.code, result.source)
    assert not [d for d in result.diagnostics if "generator" in d.message], [str(d) for d in result.diagnostics]
    assert "generator" not in code, code


# ------------------------------------------------------------------------ requires_grad ----

#: a call of every entry that lists requires_grad as unsupported (the engine translates it)
REQUIRES_GRAD = {
    "torch.fft.fftfreq": "torch.fft.fftfreq(5, 0.5, requires_grad=True)",
    "torch.fft.rfftfreq": "torch.fft.rfftfreq(6, requires_grad=True)",
    "torch.normal": "torch.normal(2.0, 0.0, size=(2, 3), requires_grad=True)",
    "torch.frombuffer": "torch.frombuffer(bytearray(b'\\x00\\x00\\x80?\\x00\\x00\\x00@'), dtype=torch.float32, requires_grad=True)",
    "torch.empty_permuted": "torch.empty_permuted((2, 3), (1, 0), requires_grad=True).shape",
    "torch.range": "torch.range(0, 4, 0.5, requires_grad=True)",
    "torch.empty_strided": "torch.empty_strided((2, 3), (3, 1), requires_grad=True).shape",
    "torch.randint_like": "torch.randint_like(x, 3, 4, dtype=torch.float32, requires_grad=True)",
    "torch.hann_window": "torch.hann_window(8, requires_grad=True)",
    "torch.hamming_window": "torch.hamming_window(8, False, requires_grad=True)",
    "torch.blackman_window": "torch.blackman_window(7, requires_grad=True)",
    "torch.bartlett_window": "torch.bartlett_window(7, requires_grad=True)",
    "torch.kaiser_window": "torch.kaiser_window(9, True, 5.0, requires_grad=True)",
    "torch.signal.windows.bartlett": "torch.signal.windows.bartlett(6, requires_grad=True)",
    "torch.signal.windows.blackman": "torch.signal.windows.blackman(6, requires_grad=True)",
    "torch.signal.windows.cosine": "torch.signal.windows.cosine(6, requires_grad=True)",
    "torch.signal.windows.exponential": "torch.signal.windows.exponential(6, tau=2.0, requires_grad=True)",
    "torch.signal.windows.gaussian": "torch.signal.windows.gaussian(6, std=2.0, requires_grad=True)",
    "torch.signal.windows.general_cosine": "torch.signal.windows.general_cosine(6, a=[0.5, 0.5], requires_grad=True)",
    "torch.signal.windows.general_hamming": "torch.signal.windows.general_hamming(6, alpha=0.6, requires_grad=True)",
    "torch.signal.windows.hamming": "torch.signal.windows.hamming(6, requires_grad=True)",
    "torch.signal.windows.hann": "torch.signal.windows.hann(6, requires_grad=True)",
    "torch.signal.windows.kaiser": "torch.signal.windows.kaiser(6, beta=4.0, requires_grad=True)",
    "torch.signal.windows.nuttall": "torch.signal.windows.nuttall(6, requires_grad=True)",
    "torch.sparse_coo_tensor": "torch.sparse_coo_tensor(torch.tensor([[0, 1], [1, 0]]), torch.tensor([1.0, 2.0]), (2, 2),"
    " requires_grad=True).to_dense()",
    "torch.sparse_csr_tensor": "torch.sparse_csr_tensor(torch.tensor([0, 1, 2]), torch.tensor([1, 0]), torch.tensor([1.0, 2.0]),"
    " (2, 2), requires_grad=True).to_dense()",
}


def test_every_entry_whose_requires_grad_the_engine_translates_is_run_here():
    listed = {r.torch for r in TABLE.all_rules() if r.kind == "function" and "requires_grad" in r.unsupported
              and r.params is not None and r.param("requires_grad") is not None}
    assert listed == set(REQUIRES_GRAD)


def _run_both(source: str) -> tuple[object, object, str]:
    torch = pytest.importorskip("torch")
    paddle = pytest.importorskip("paddle")
    result = translate_source(source, path="rg.py")
    assert not result.errors, [str(d) for d in result.errors]
    x = np.arange(6, dtype="float32").reshape(2, 3)
    t_ns: dict = {"x": torch.from_numpy(x.copy()), "flag": True}
    p_ns: dict = {"x": paddle.to_tensor(x.copy()), "flag": True}
    exec(compile(source, "<torch>", "exec"), t_ns)
    exec(compile(result.code, "<paddle>", "exec"), p_ns)
    return t_ns["out"], p_ns["out"], strip_support(result.code, result.source)


@pytest.mark.parametrize("api", sorted(REQUIRES_GRAD))
def test_requires_grad_marks_the_result_as_torch_does(api):
    call = REQUIRES_GRAD[api]
    t, p, code = _run_both(f"import torch\nout = {call}\n")
    assert "_requires_grad_(" in code and "requires_grad=" not in code, code
    if hasattr(t, "requires_grad"):
        assert t.requires_grad and not p.stop_gradient
        if api not in ("torch.randint_like",):
            testing.compare(t, p, 1e-5, 1e-5, True, api)
        else:
            testing.compare(t, p, 0, 0, False, api)
    else:  # a shape: the values of empty tensors are not compared
        assert list(t) == list(p)


@pytest.mark.parametrize("flag", ["False", "flag"])
def test_requires_grad_false_is_dropped_and_a_variable_is_passed_on(flag):
    t, p, code = _run_both(f"import torch\nout = torch.hann_window(8, requires_grad={flag})\n")
    assert t.requires_grad == (not p.stop_gradient)
    testing.compare(t, p, 1e-6, 1e-6, True, "out")
    if flag == "False":
        assert "_requires_grad_" not in code and "requires_grad" not in code, code
    else:
        assert "out = _requires_grad_(" in code and code.endswith(", flag)\n"), code


def test_a_positional_requires_grad_is_left_to_the_entry():
    """requires_grad is keyword-only in torch's factories: a keyword is the one form translated."""
    result = translate_source("import torch\nout = torch.fft.fftfreq(5, requires_grad=g)\n", path="rg.py")
    assert "_requires_grad_(paddle.fft.fftfreq(5), g)" in result.code


@pytest.mark.parametrize("call", [
    "torch.zeros(2, 3, requires_grad=True)", "torch.ones(4, requires_grad=True)", "torch.full((2,), 1.5, requires_grad=True)",
    "torch.tensor([1.0, 2.0], requires_grad=True)", "torch.randn(3, requires_grad=True).shape",
    "torch.zeros_like(x, requires_grad=True)", "torch.arange(0.0, 3.0, requires_grad=True)",
    "torch.linspace(0, 1, 5, requires_grad=True)", "torch.eye(3, requires_grad=True)",
])
def test_factories_with_their_own_handler_agree_too(call):
    t, p, code = _run_both(f"import torch\nout = {call}\n")
    if hasattr(t, "requires_grad"):
        assert t.requires_grad and not p.stop_gradient, code
        testing.compare(t, p, 1e-6, 1e-6, True, call)
