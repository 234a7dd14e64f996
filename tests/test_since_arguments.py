"""The table's ``since`` key: arguments Paddle takes from a version on are passed on when
translating for that version or newer (the default: the newest), and refused naming the
version for an older one.  Each run in torch and as translated on the installed Paddle."""

from __future__ import annotations

import numpy as np
import pytest

from translator import testing, translate_source
from translator.rules import load_table
from translator.translate.support import strip_support

pytest.importorskip("torch")
paddle = pytest.importorskip("paddle")

CASES = {
    "torch.index_add": "torch.index_add(x, 0, i, s, alpha=2.5)",
    "torch.mean": "torch.mean(x, 1, dtype=torch.float64)",
    "torch.searchsorted": "(torch.searchsorted(q[o], v, sorter=torch.argsort(q[o])), torch.searchsorted(q, v, side='right'),"
    " torch.searchsorted(q, q[:3], side='left'))",
    "torch.argsort": "torch.argsort(d, stable=True)",
    "torch.round": "torch.round(x * 100, decimals=-1)",
    "torch.nn.functional.kl_div": "torch.nn.functional.kl_div(torch.log_softmax(x, 1), torch.log_softmax(s, 1), reduction='sum', log_target=True)",
    "torch.linalg.solve": "torch.linalg.solve(a + 4 * torch.eye(3), x[:, :3], left=False)",
    # refusals that cited Paddle 2.6 and work on Paddle 3.3
    "torch.nn.functional.interpolate": "(torch.nn.functional.interpolate(x4, size=(5, 3), mode='bilinear', antialias=True),"
    " torch.nn.functional.interpolate(x4, scale_factor=0.7, mode='bicubic', recompute_scale_factor=True))",
    "torch.nn.functional.embedding": "torch.nn.functional.embedding(e, w * 3, max_norm=1.0, norm_type=1.0, scale_grad_by_freq=True)",
    "torch.nn.Embedding": """
m = torch.nn.Embedding(5, 4, max_norm=1.0, norm_type=2.0, scale_grad_by_freq=True)
m.weight.data = w * 3
out = (m(e), m.weight)
""",
    "torch.nn.functional.binary_cross_entropy_with_logits":
        "torch.nn.functional.binary_cross_entropy_with_logits(x, (s > 0).float(), pos_weight=v)",
    "torch.nn.BCEWithLogitsLoss": "torch.nn.BCEWithLogitsLoss(pos_weight=v, reduction='none')(x, (s > 0).float())",
    "torch.nn.functional.multi_margin_loss": "torch.nn.functional.multi_margin_loss(x, i, p=2, weight=v, reduction='none')",
    "torch.nn.MultiMarginLoss": "torch.nn.MultiMarginLoss(2, 0.5, v)(x, i)",
    "torch.nn.functional.ctc_loss": "torch.nn.functional.ctc_loss(lp, t, il, tl, reduction='sum', zero_infinity=True)",
    "torch.nn.CTCLoss": "torch.nn.CTCLoss(zero_infinity=True)(lp, t, il, tl)",
    "torch.nn.KLDivLoss": "torch.nn.KLDivLoss(reduction='batchmean', log_target=True)(torch.log_softmax(x, 1), torch.log_softmax(s, 1))",
    "torch.nn.Threshold": "torch.nn.Threshold(0.1, 20.0)(x)",
    "torch.nn.Upsample": "torch.nn.Upsample(scale_factor=1.7, mode='bilinear', recompute_scale_factor=True)(x4)",
    "torch.norm": "(torch.norm(x, p=2, dim=1, dtype=torch.float64), torch.norm(x, dtype=torch.float64))",
    "torch.quantile": "(torch.quantile(x, 0.3, dim=1, interpolation='lower'), torch.quantile(x, 0.3, interpolation='midpoint'),"
    " torch.quantile(x, 0.6, dim=0, interpolation='nearest'), torch.quantile(x, 0.3, interpolation='higher'))",
    "torch.linalg.matrix_rank": "(torch.linalg.matrix_rank(r, atol=0.5, rtol=0.1), torch.linalg.matrix_rank(r, rtol=0.3))",
    "torch.bernoulli": "(torch.bernoulli(x, 0.0), torch.bernoulli(x, p=1.0))",
    "torch.sort": "(torch.sort(d, stable=True), torch.sort(d, descending=True, stable=True))",
    "torch.Tensor.sort": """
def f(d: torch.Tensor):
    return d.sort(stable=True), d.sort(dim=0, descending=True, stable=True)
out = f(d)
""",
    "torch.Tensor.argsort": """
def f(d: torch.Tensor):
    return d.argsort(stable=True), d.argsort(descending=True, stable=True)
out = f(d)
""",
    "torch.kl_div": "torch.kl_div(torch.log_softmax(x, 1), torch.log_softmax(s, 1), 2, log_target=True)",
    "torch.binary_cross_entropy_with_logits": "torch.binary_cross_entropy_with_logits(x, (s > 0).float(), None, v, 1)",
    "torch.round_": """
y = x * 10
torch.round_(y, decimals=1)
out = y
""",
    "torch.special.round": "torch.special.round(x * 10, decimals=-1)",
    "torch.nn.Module.named_parameters": """
shared = torch.nn.Linear(2, 2)
model = torch.nn.Sequential(shared, shared)
out = [n for n, _ in model.named_parameters(remove_duplicate=False)]
""",
    "torch.nn.Module.named_buffers": """
class Holder(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.register_buffer("b", torch.zeros(2))

held = Holder()
model = torch.nn.Sequential(held, held)
out = ([n for n, _ in model.named_buffers(remove_duplicate=False)], [n for n, _ in model.named_buffers()])
""",
    "torch.Tensor.index_add": """
def f(x: torch.Tensor):
    return x.index_add(0, i, s, alpha=-1.5)
out = f(x)
""",
    "torch.Tensor.round": """
def f(x: torch.Tensor):
    return x.round(decimals=1), (x * 100).round(decimals=-1)
out = f(x)
""",
    "torch.Tensor.repeat_interleave": """
def f(x: torch.Tensor):
    return x.repeat_interleave(torch.tensor([1, 2, 0]), dim=0, output_size=3)
out = f(x)
""",
    "torch.nn.Module.register_forward_hook": """
log = []
layer = torch.nn.Linear(4, 2)
layer.register_forward_hook(lambda m, a, o: log.append(1))
layer.register_forward_hook(lambda m, a, o: log.append(0), prepend=True)
layer.register_forward_hook(lambda m, a, k, o: log.append(len(k) + 2), with_kwargs=True)
layer(x)
out = log
""",
    "torch.nn.Module.register_forward_pre_hook": """
log = []
layer = torch.nn.Linear(4, 2)
layer.register_forward_pre_hook(lambda m, a: log.append(1))
layer.register_forward_pre_hook(lambda m, a: log.append(0), prepend=True)
layer.register_forward_pre_hook(lambda m, a, k: log.append(len(k) + 2), with_kwargs=True)
layer(x)
out = log
""",
    "torch.Tensor.nonzero": """
def f(b: torch.Tensor):
    return b.nonzero(as_tuple=True)
out = f(b)
""",
}


def _source(api: str) -> str:
    """The case as a file that sets ``out``."""
    case = CASES[api]
    return "import torch\n" + (case.lstrip("\n") if "\n" in case else f"out = {case}\n")


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
        "x4": rng.standard_normal((2, 3, 8, 8)).astype("float32"),
        "e": np.array([[1, 2, 4], [4, 3, 0]], dtype="int64"),
        "w": rng.standard_normal((5, 4)).astype("float32"),
        "lp": np.log(rng.dirichlet(np.ones(5), size=(6, 2))).astype("float32"),
        "t": np.array([[1, 2, 3, 4], [1, 1, 1, 1]], dtype="int32"),
        "il": np.array([6, 3], dtype="int64"),  # the second sequence is too short: an infinite loss
        "tl": np.array([4, 4], dtype="int64"),
        "r": np.array([[1, 2, 3, 1], [2, 4, 6, 2.01], [0, 1, 0, 0], [1, 1, 1, 1]], dtype="float32"),
        "b": rng.random((3, 4)) < 0.5,
    }


def test_every_since_entry_is_run_here():
    assert {r.torch for r in load_table().all_rules() if r.since} == set(CASES)


@pytest.mark.parametrize("api", sorted(CASES))
def test_newest_target_passes_the_argument_and_matches_torch(api):
    import torch

    src = _source(api)
    result = translate_source(src, path="since.py")
    assert not result.errors, [d.message for d in result.errors]
    assert "torch." not in strip_support(result.code, result.source)
    inputs = _inputs()
    t_ns = {k: torch.from_numpy(v.copy()) for k, v in inputs.items()}
    p_ns = {k: paddle.to_tensor(v.copy()) for k, v in inputs.items()}
    exec(compile(src, "<torch>", "exec"), t_ns)
    exec(compile(result.code, "<paddle>", "exec"), p_ns)
    testing.compare(t_ns["out"], p_ns["out"], 1e-5, 1e-5, True, api)


@pytest.mark.parametrize("api", sorted(CASES))
def test_older_target_refuses_naming_the_version(api):
    rule = load_table().apis[api]
    result = translate_source(_source(api), path="since.py", paddle_version="2.6")
    # an error, except where the translation stays with a warning (BCEWithLogitsLoss's pos_weight)
    messages = [d.message for d in result.diagnostics if d.api == api]
    version = next(iter(rule.since.values()))
    if rule.min_paddle:  # the whole entry needs a newer Paddle (Tensor.round: halves round otherwise)
        expected = f"needs Paddle >= {rule.min_paddle}, translating for Paddle 2.6"
    else:
        expected = f"Paddle >= {version} has it; translating for Paddle 2.6"
    assert messages and expected in messages[0], messages


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
