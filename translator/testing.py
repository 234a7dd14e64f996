"""Run what a rule-table entry says about itself, as Fixit's ``testing.py`` runs a rule's examples.

Each entry carries cases (``translator/rule_schema.py``): its ``example``, the ``unchanged``
files that must come out byte-identical, the calls it ``refuses``, and an optional numeric
``check``.  :func:`cases` lists the first three and :func:`run_case` proves one;
:func:`run_check` runs the numeric check against torch.  The test suite parametrizes over
these, and ``scripts/paddle_compat.py`` reuses the check harness on other Paddle versions.

Translation needs only libcst; the numeric check imports numpy, torch and paddle when run.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any

from .rule_schema import parse_input_spec
from .rules import ApiRule, RuleTable, load_table

if TYPE_CHECKING:
    import numpy as np

__all__ = ["PRELUDE", "Case", "cases", "compare", "make_input", "randomize", "run_case", "run_check",
           "translated_snippet"]

PRELUDE = "import torch\nimport torch.nn as nn\nimport torch.nn.functional as F\n"

EXAMPLE, UNCHANGED, REFUSES = "example", "unchanged", "refuses"


@dataclasses.dataclass(frozen=True)
class Case:
    """One case an entry states: its example, an unchanged file or a refusal (``index`` into
    the entry's list)."""

    rule: ApiRule
    kind: str  # EXAMPLE, UNCHANGED or REFUSES
    index: int = 0

    @property
    def id(self) -> str:
        return self.rule.torch if self.kind == EXAMPLE else f"{self.rule.torch}:{self.kind}-{self.index + 1}"


def cases(table: RuleTable | None = None) -> list[Case]:
    """Every entry's example, unchanged files and refusals, in table order."""
    out: list[Case] = []
    for rule in (table or load_table()).all_rules():
        out.append(Case(rule, EXAMPLE))
        out += [Case(rule, UNCHANGED, i) for i in range(len(rule.unchanged))]
        out += [Case(rule, REFUSES, i) for i in range(len(rule.refuses))]
    return out


def translate_source(code: str, path: str) -> Any:
    """``translator.translate_source``, imported when first needed (it loads the engine), without
    formatting: an example shows what its rule writes; black's formatting of the changed lines
    is a stage of its own (``translate/formatting.py``, tests/test_format*.py)."""
    from . import translate_source as translate
    from .settings import Settings

    return translate(code, path=path, settings=Settings(format=False))


def _shown(diagnostics: Any) -> list[str]:
    return [str(d) for d in diagnostics]


def run_case(case: Case) -> None:
    """Translate the case's source and assert what its entry says (``AssertionError`` if not)."""
    from .translate.support import strip_support

    rule = case.rule
    if case.kind == EXAMPLE:
        result = translate_source(rule.example_before.lstrip("\n"), path="example.py")
        assert strip_support(result.code, result.source) == rule.example_after.lstrip("\n")
        expected = set(rule.example_diagnostics)
        got = {d.api for d in result.diagnostics} | {d.code for d in result.diagnostics}
        assert expected <= got, (expected, _shown(result.diagnostics))
        if not expected:
            assert not result.errors, _shown(result.errors)
        assert rule.torch in result.rules_applied or any(k.startswith(rule.torch) for k in result.rules_applied)
    elif case.kind == UNCHANGED:
        source = rule.unchanged[case.index].lstrip("\n")
        result = translate_source(source, path="unchanged.py")
        assert result.code == source, "the file must come out byte-identical"
        assert not any(k.startswith(rule.torch) for k in result.rules_applied), result.rules_applied
    elif case.kind == REFUSES:
        refusal = rule.refuses[case.index]
        result = translate_source(refusal.before.lstrip("\n"), path="refused.py")
        hits = [d for d in result.errors if refusal.code in (d.api, d.code) and refusal.message in d.message]
        assert hits, (refusal.code, refusal.message, _shown(result.diagnostics))
        assert strip_support(result.code, result.source) == refusal.after.lstrip("\n")
    else:
        raise ValueError(f"unknown case kind {case.kind!r}")


# --- numeric checks -------------------------------------------------------------------------


def make_input(spec: str, rng: np.random.Generator) -> np.ndarray:
    """An array for a ``check.inputs`` spec (``"float32[2,3]"``, ``"int64[5]:0:10"``)."""
    s = parse_input_spec(spec)
    if s.dtype == "bool":
        return rng.random(s.shape) < 0.5
    if s.dtype.startswith(("int", "uint")):
        lo, hi = (int(s.low), int(s.high)) if s.low is not None and s.high is not None else (0, 10)
        return rng.integers(lo, hi, size=s.shape).astype(s.dtype)
    if s.low is not None:
        return rng.uniform(s.low, s.high, size=s.shape).astype(s.dtype)
    return rng.standard_normal(s.shape).astype(s.dtype)


def translated_snippet(rule: ApiRule, code: str) -> str:
    result = translate_source(PRELUDE + code, path=f"<check {rule.torch}>")
    errors = _shown(result.errors)
    assert not errors, errors
    return result.code


def randomize(torch_model: Any, seed: int = 0) -> None:
    """Random weights everywhere, and random BatchNorm running statistics."""
    import torch

    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for mod in torch_model.modules():
            is_bn = isinstance(mod, torch.nn.modules.batchnorm._BatchNorm)
            for name, p in mod.named_parameters(recurse=False):
                scale = 0.1 if is_bn or p.dim() < 2 else (1.0 / p[0].numel()) ** 0.5
                p.copy_(torch.randn(p.shape, generator=g) * scale + (1.0 if is_bn and name == "weight" else 0.0))
            if is_bn:
                mod.running_mean.copy_(torch.randn(mod.running_mean.shape, generator=g) * 0.1)
                mod.running_var.copy_(torch.rand(mod.running_var.shape, generator=g) + 0.5)


def run_check(rule: ApiRule, seed: int = 0) -> None:
    """Run the entry's check with torch as written and with Paddle as translated; compare ``out``."""
    import numpy as np
    import paddle
    import torch

    from .weights import convert_state_dict

    check = rule.check
    assert check is not None
    rng = np.random.default_rng(seed)
    inputs = {name: make_input(spec, rng) for name, spec in check.inputs.items()}

    if "torchvision" in check.setup + check.run:
        # its compiled ops do not load next to this torch; its pure-Python modules do
        from .targets import load_torchvision_module

        load_torchvision_module("torchvision")
    torch_setup = PRELUDE + check.setup
    paddle_setup = translated_snippet(rule, check.setup)
    paddle_run = translated_snippet(rule, check.run)
    # the run snippet is translated on its own; drop its import lines (the setup has them)
    torch.manual_seed(seed)
    paddle.seed(seed)
    t_ns: dict = {name: torch.from_numpy(arr.copy()) for name, arr in inputs.items()}
    p_ns: dict = {name: paddle.to_tensor(arr.copy()) for name, arr in inputs.items()}
    exec(compile(torch_setup, f"<torch setup {rule.torch}>", "exec"), t_ns)
    exec(compile(paddle_setup, f"<paddle setup {rule.torch}>", "exec"), p_ns)
    for name, value in list(t_ns.items()):
        if isinstance(value, torch.nn.Module):
            randomize(value, seed=seed)
            layer = p_ns[name]
            state = {k: v.detach().numpy() for k, v in value.state_dict().items()}
            missing, unexpected = layer.set_state_dict(convert_state_dict(state, layer))
            assert not missing and not unexpected, (missing, unexpected)
    exec(compile(PRELUDE + check.run, f"<torch run {rule.torch}>", "exec"), t_ns)
    exec(compile(paddle_run, f"<paddle run {rule.torch}>", "exec"), p_ns)
    assert "out" in t_ns, "check.run must set `out`"
    compare(t_ns["out"], p_ns["out"], check.atol, check.rtol, check.compare == "values", "out")


def _dtype_name(dtype: Any) -> str:
    return str(dtype).replace("torch.", "").replace("paddle.", "")


def compare(t: Any, p: Any, atol: float, rtol: float, values: bool, where: str) -> None:
    """Assert that the Paddle result ``p`` matches the torch result ``t`` (nested sequences and
    dicts too): shapes and dtypes always, values when ``values``."""
    import numpy as np
    import paddle
    import torch

    if isinstance(t, torch.Tensor):
        assert isinstance(p, paddle.Tensor), f"{where}: torch gave a tensor, paddle gave {type(p).__name__}"
        assert list(t.shape) == list(p.shape), f"{where}: shape {list(t.shape)} vs {list(p.shape)}"
        assert _dtype_name(t.dtype) == _dtype_name(p.dtype), f"{where}: dtype {t.dtype} vs {p.dtype}"
        if values:
            np.testing.assert_allclose(p.numpy(), t.detach().numpy(), atol=atol, rtol=rtol, err_msg=where)
    elif isinstance(t, (tuple, list, torch.Size)):
        assert isinstance(p, (tuple, list)), f"{where}: torch gave a sequence, paddle gave {type(p).__name__}"
        assert len(t) == len(p), f"{where}: length {len(t)} vs {len(p)}"
        for i, (a, b) in enumerate(zip(t, p)):
            compare(a, b, atol, rtol, values, f"{where}[{i}]")
    elif isinstance(t, dict):
        assert set(t) == set(p), f"{where}: keys {sorted(t)} vs {sorted(p)}"
        for k in t:
            compare(t[k], p[k], atol, rtol, values, f"{where}[{k!r}]")
    elif isinstance(t, (int, float, bool)):
        # torch gave a Python value (allclose, equal, numel, item): so must the translation
        assert not isinstance(p, paddle.Tensor), f"{where}: torch gave a Python {type(t).__name__}, paddle gave a Tensor"
        if values:
            np.testing.assert_allclose(float(p), float(t), atol=atol, rtol=rtol, err_msg=where)
    elif isinstance(t, np.number):
        if isinstance(p, paddle.Tensor):
            p = p.item()
        if values:
            np.testing.assert_allclose(float(p), float(t), atol=atol, rtol=rtol, err_msg=where)
    else:
        assert t == p, f"{where}: {t!r} vs {p!r}"
