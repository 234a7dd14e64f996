"""The table's ``since`` key: arguments Paddle takes from a version on are passed on when
translating for that version or newer (the default: the newest), and refused naming the
version for an older one.  Each run in torch and as translated on the installed Paddle."""

from __future__ import annotations

import numpy as np
import pytest

from translator import testing, translate_source
from translator.rules import load_table

pytest.importorskip("torch")
paddle = pytest.importorskip("paddle")

CASES = {
    "torch.index_add": "torch.index_add(x, 0, i, s, alpha=2.5)",
    "torch.mean": "torch.mean(x, 1, dtype=torch.float64)",
    "torch.searchsorted": "torch.searchsorted(q[o], v, sorter=torch.argsort(q[o]))",
    "torch.argsort": "torch.argsort(d, stable=True)",
    "torch.round": "torch.round(x * 100, decimals=-1)",
    "torch.nn.functional.kl_div": "torch.nn.functional.kl_div(torch.log_softmax(x, 1), torch.log_softmax(s, 1), reduction='sum', log_target=True)",
    "torch.linalg.solve": "torch.linalg.solve(a + 4 * torch.eye(3), x[:, :3], left=False)",
}


def _inputs() -> dict[str, np.ndarray]:
    rng = np.random.default_rng(0)
    return {
        "x": rng.standard_normal((3, 4)).astype("float32"),
        "i": np.array([2, 0, 2], dtype="int64"),
        "s": rng.standard_normal((3, 4)).astype("float32"),
        "q": np.sort(rng.standard_normal(6)).astype("float32"),
        "o": np.array([3, 0, 5, 1, 4, 2], dtype="int64"),
        "v": rng.standard_normal(4).astype("float32"),
        "d": np.array([3, 1, 3, 1, 2, 3, 1], dtype="int64"),
        "a": rng.standard_normal((3, 3)).astype("float32"),
    }


def test_every_since_entry_is_run_here():
    assert {r.torch for r in load_table().all_rules() if r.since} == set(CASES)


@pytest.mark.parametrize("api", sorted(CASES))
def test_newest_target_passes_the_argument_and_matches_torch(api):
    import torch

    src = f"import torch\nout = {CASES[api]}\n"
    result = translate_source(src, path="since.py")
    assert not result.errors, [d.message for d in result.errors]
    assert "torch." not in result.code
    inputs = _inputs()
    t_ns = {k: torch.from_numpy(v.copy()) for k, v in inputs.items()}
    p_ns = {k: paddle.to_tensor(v.copy()) for k, v in inputs.items()}
    exec(compile(src, "<torch>", "exec"), t_ns)
    exec(compile(result.code, "<paddle>", "exec"), p_ns)
    testing.compare(t_ns["out"], p_ns["out"], 1e-5, 1e-5, True, api)


@pytest.mark.parametrize("api", sorted(CASES))
def test_older_target_refuses_naming_the_version(api):
    rule = load_table().apis[api]
    result = translate_source(f"import torch\nout = {CASES[api]}\n", path="since.py", paddle_version="2.6")
    messages = [d.message for d in result.errors if d.api == api]
    version = next(iter(rule.since.values()))
    assert messages and f"Paddle >= {version} has it; translating for Paddle 2.6" in messages[0], messages
    assert f"{version}" in messages[0]


def test_target_at_the_version_passes_the_argument():
    result = translate_source("import torch\ny = torch.round(x, decimals=2)\n", path="since.py", paddle_version="3.3")
    assert "paddle.round(x, decimals=2)" in result.code and not result.errors


def test_since_must_name_an_unsupported_argument(tmp_path):
    from translator.rules import RuleTableError, load_table as load

    (tmp_path / "t.toml").write_text(
        '[[api]]\ntorch = "torch.abs"\npaddle = "paddle.abs"\nargs = "input"\npaddle_args = "x"\n'
        'rename = { input = "x" }\nsince = { input = "3.3" }\n'
        'example.before = "import torch\\n"\nexample.after = "import torch\\n"\n'
    )
    with pytest.raises(RuleTableError, match="since.input"):
        load(tmp_path)
