"""Run a rule's numeric check: the torch snippet as written, and as translated, on the same inputs."""

from __future__ import annotations

import re

import numpy as np

from translator import translate_source
from translator.rules import ApiRule

PRELUDE = "import torch\nimport torch.nn as nn\nimport torch.nn.functional as F\n"
_SPEC = re.compile(r"^(\w+)\[([\d,\s]*)\](?::(-?[\d.e-]+):(-?[\d.e-]+))?$")


def make_input(spec: str, rng: np.random.Generator) -> np.ndarray:
    m = _SPEC.match(spec.strip())
    if not m:
        raise ValueError(f"bad input spec {spec!r}")
    dtype, shape_text, low, high = m.groups()
    shape = tuple(int(s) for s in shape_text.split(",") if s.strip())
    if dtype == "bool":
        return rng.random(shape) < 0.5
    if dtype.startswith(("int", "uint")):
        lo, hi = (int(float(low)), int(float(high))) if low is not None else (0, 10)
        return rng.integers(lo, hi, size=shape).astype(dtype)
    if low is not None:
        return rng.uniform(float(low), float(high), size=shape).astype(dtype)
    return rng.standard_normal(shape).astype(dtype)


def translated_snippet(rule: ApiRule, code: str) -> str:
    result = translate_source(PRELUDE + code, path=f"<check {rule.torch}>")
    errors = [str(d) for d in result.errors]
    assert not errors, errors
    return result.code


def run_check(rule: ApiRule, seed: int = 0) -> None:
    import paddle
    import torch

    from helpers import randomize
    from translator.weights import convert_state_dict

    check = rule.check
    assert check is not None
    rng = np.random.default_rng(seed)
    inputs = {name: make_input(spec, rng) for name, spec in check.inputs.items()}

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


def _dtype_name(dtype) -> str:
    return str(dtype).replace("torch.", "").replace("paddle.", "")


def compare(t, p, atol: float, rtol: float, values: bool, where: str) -> None:
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
    elif isinstance(t, (int, float, bool, np.number)):
        if isinstance(p, paddle.Tensor):
            p = p.item()
        if values:
            np.testing.assert_allclose(float(p), float(t), atol=atol, rtol=rtol, err_msg=where)
    else:
        assert t == p, f"{where}: {t!r} vs {p!r}"
