"""The translation pipeline's own checks, beyond what the golden outputs cover."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from translator import translate_source
from translator.rules import RuleTableError, load_table, rules_dir


def test_a_table_naming_an_unknown_handler_is_refused_with_file_and_entry(tmp_path: Path):
    for f in rules_dir().glob("*.toml"):
        shutil.copy(f, tmp_path / f.name)
    methods = tmp_path / "tensor_methods.toml"
    methods.write_text(methods.read_text(encoding="utf-8").replace('"tensor_reshape"', '"tensor_reshap"', 1), encoding="utf-8")
    table = load_table(tmp_path)
    with pytest.raises(RuleTableError, match=r"tensor_methods\.toml.*unknown handler 'tensor_reshap'.*'tensor_reshape'"):
        translate_source("import torch\nx = torch.zeros(2)\n", table=table)


def test_the_shipped_table_names_only_registered_handlers_and_support():
    table = load_table()
    out = translate_source("import torch\nx = torch.zeros(2).view(-1)\n", table=table)
    assert "reshape" in out.code


def test_other_spellings_of_an_entry_translate_like_it():
    """rules/torch_names.toml's aliases: torch's other module paths for the same object."""
    src = (
        "import torch\n"
        "from torch.nn.modules.conv import Conv2d\n"
        "from torch.autograd.grad_mode import no_grad\n"
        "conv = Conv2d(3, 8, 3, bias=False)\n"
        "with no_grad():\n"
        "    y = torch.functional.split(x, 2)\n"
    )
    out = translate_source(src)
    assert not out.errors, [str(d) for d in out.errors]
    assert "from paddle.nn import Conv2D" in out.code and "Conv2D(3, 8, 3, bias_attr=False)" in out.code
    assert "from paddle import no_grad" in out.code and "_torch_split(x, 2)" in out.code
    assert "import torch" not in out.code


def test_a_tensor_method_without_a_rule_is_reported_not_passed_through():
    src = "import torch\n\ndef f(x: torch.Tensor):\n    return x.addcmul_(x, x), x.frobnicate()\n"
    out = translate_source(src)
    codes = [d.api for d in out.errors]
    table = load_table()
    if "addcmul_" in table.methods:  # a rule exists now: then it is translated
        assert "torch.Tensor.addcmul_" not in codes
    else:
        assert codes == ["torch.Tensor.addcmul_"], codes
        assert "# TODO(torch2paddle): T2P001 torch.Tensor.addcmul_: no rule for this torch API" in out.code
    assert "x.frobnicate()" in out.code  # not a torch.Tensor method: nothing to say


def test_forward_parameters_annotated_as_something_else_are_not_tensors():
    src = (
        "import torch\nimport torch.nn as nn\nfrom typing import Optional\n\n"
        "class M(nn.Module):\n"
        "    def forward(self, x, m: Optional[torch.Tensor] = None, d: dict = None):\n"
        "        return x.view(-1), m.view(-1), d.view(-1)\n"
    )
    out = translate_source(src)
    assert "return x.reshape([-1]), m.reshape([-1]), d.view(-1)" in out.code
    assert [(d.code, d.api, d.severity.value) for d in out.diagnostics] == [("T2P101", "torch.Tensor.view", "warning")]


def test_a_message_quoting_a_multi_line_argument_is_one_line():
    """It becomes a comment line: a newline in it used to crash the translator."""
    src = (
        "import torch\nimport torch.nn.functional as F\n\n"
        "def f(x, flags):\n    return F.interpolate(x, scale_factor=2, antialias=flags.pick(\n        1, 0\n    ))\n"
    )
    out = translate_source(src, paddle_version="2.6")  # antialias= is refused for Paddle 2.6
    assert out.status.value == "translated"
    assert [d.api for d in out.errors] == ["torch.nn.functional.interpolate"]
    assert "\n" not in out.errors[0].message and "antialias=flags.pick( 1, 0 )" in out.errors[0].message


def test_translating_the_output_again_changes_nothing_with_moved_imports():
    src = (
        '"""Doc."""\n\nfrom enum import IntEnum\nimport torch\nimport torch.nn.functional as F\n\n\n'
        "def f(q):\n    a = F.unknown_fn(q)\n    return F.relu(a)\n"
    )
    once = translate_source(src)
    assert "    import torch\n    import torch.nn.functional\n" in once.code
    assert "\nimport torch" not in once.code.split("def f")[0]
    assert translate_source(once.code).code == once.code


def test_out_arguments_are_written_like_torch_writes_them():
    """out= (no Paddle function takes it): the result is written into the given tensor(s)."""
    np = pytest.importorskip("numpy")
    torch = pytest.importorskip("torch")
    paddle = pytest.importorskip("paddle")
    src = (
        "import torch\n\n"
        "def f(a, b, c, buf, vals, idx):\n"
        "    torch.add(a, b, out=c)\n"
        "    r = torch.special.expit(a, out=buf)\n"
        "    torch.max(a, 1, out=(vals, idx))\n"
        "    return r\n"
    )
    out = translate_source(src)
    assert not out.diagnostics, [str(d) for d in out.diagnostics]
    assert "_torch_out(paddle.add(a, b), out=c)" in out.code
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal((2, 3, 4)).astype("float32")
    t_ns: dict = {}
    exec(compile(src, "torch", "exec"), t_ns)
    t_args = [torch.from_numpy(a), torch.from_numpy(b), torch.empty(3, 4), torch.empty(3, 4), torch.empty(3), torch.empty(3, dtype=torch.int64)]
    t_ret = t_ns["f"](*t_args)
    p_ns: dict = {}
    exec(compile(out.code, "paddle", "exec"), p_ns)
    p_args = [paddle.to_tensor(a), paddle.to_tensor(b), paddle.zeros([3, 4]), paddle.zeros([3, 4]), paddle.zeros([3]), paddle.zeros([3], dtype="int64")]
    p_ret = p_ns["f"](*p_args)
    for t, p in zip(t_args[2:], p_args[2:]):
        np.testing.assert_allclose(p.numpy(), t.numpy(), atol=1e-6, rtol=1e-6)
    np.testing.assert_allclose(p_ret.numpy(), t_ret.numpy(), atol=1e-6, rtol=1e-6)
    assert p_ret is p_args[3]  # returned the out tensor, as torch does


def test_syntax_errors_are_placed_where_cpython_places_them():
    out = translate_source("import torch\nx = (1 +\ny = 2\n")
    assert [str(d) for d in out.diagnostics] == ["<string>:2:5: T2P901 '(' was never closed"]
    deep = "import torch\n" + "".join(" " * i + "if x:\n" for i in range(110)) + " " * 110 + "pass\n"
    assert [str(d) for d in translate_source(deep).diagnostics] == ["<string>:102:1: T2P901 too many levels of indentation"]


def test_removed_leading_imports_leave_no_blank_lines_at_the_top():
    src = "import torch\n\n\ndef build(x):\n    return torch.cuda.nonexistent(x)\n"
    out = translate_source(src)
    assert out.code.startswith("def build(x):\n    import torch\n")


def test_a_removal_whose_result_is_used_is_reported_not_written():
    """A rule that removes its statement cannot remove an expression someone reads: the
    placeholder never reaches the output, the call stays and is reported."""
    from translator.translate import registry
    from translator.translate.results import Removed

    rule = load_table().apis["torch.add"]
    original = registry.HANDLERS[rule.handler]
    registry.HANDLERS[rule.handler] = lambda ctx, call, rule: Removed()
    try:
        out = translate_source("import torch\ntorch.add(a, b)\nx = torch.add(a, b)\n")
    finally:
        registry.HANDLERS[rule.handler] = original
    assert "__torch2paddle_removed__" not in out.code
    assert out.code.splitlines()[-1] == "x = torch.add(a, b)" and "\ntorch.add(a, b)\n" not in out.code
    assert [(d.line, d.api) for d in out.errors] == [(3, "torch.add")]


def test_a_dtype_conversion_left_for_review_stays_the_same_when_translated_again():
    """`.to(torch.int32)` on an unknown receiver is left with a marker; its translation spells
    the dtype `paddle.int32`, which a second pass must read as a dtype too (no new marker)."""
    once = translate_source("import torch\n\ndef f(x, y):\n    return (x - y).to(torch.int32)\n")
    assert "(x - y).to(paddle.int32)" in once.code and len(once.diagnostics) == 1
    assert translate_source(once.code).code == once.code
