"""The deprecated ``size_average=``/``reduce=`` of torch's losses: the engine turns them into
``reduction=`` by torch's rule for every entry whose signature lists them; each loss is run in
torch and as translated, with the legacy arguments given by keyword and by position."""

from __future__ import annotations

import numpy as np
import pytest

from translator import testing, translate_source
from translator.rules import load_table

pytest.importorskip("torch")
pytest.importorskip("paddle")

# x, y: float32[4, 3] in (0.05, 0.95); t: int64[4] class indices < 3; s: float32[4] signs
# (-1/1); m: int64[4, 3] multilabel targets (-1 padded); the call uses LEGACY for the two
# legacy arguments.
CALLS = {
    "torch.nn.functional.mse_loss": "F.mse_loss(x, y, LEGACY)",
    "torch.nn.functional.l1_loss": "F.l1_loss(x, y, LEGACY)",
    "torch.nn.functional.smooth_l1_loss": "F.smooth_l1_loss(x, y, LEGACY)",
    "torch.nn.functional.nll_loss": "F.nll_loss(x.log(), t, LEGACY)",
    "torch.nn.functional.cross_entropy": "F.cross_entropy(x, t, LEGACY)",
    "torch.nn.functional.binary_cross_entropy": "F.binary_cross_entropy(x, y, LEGACY)",
    "torch.nn.functional.binary_cross_entropy_with_logits": "F.binary_cross_entropy_with_logits(x, y, LEGACY)",
    "torch.nn.functional.kl_div": "F.kl_div(x.log(), y, LEGACY)",
    "torch.nn.functional.margin_ranking_loss": "F.margin_ranking_loss(x[:, 0], y[:, 0], s, LEGACY)",
    "torch.nn.functional.hinge_embedding_loss": "F.hinge_embedding_loss(x, s[:, None].expand(4, 3), LEGACY)",
    "torch.nn.functional.cosine_embedding_loss": "F.cosine_embedding_loss(x, y, s, LEGACY)",
    "torch.nn.functional.soft_margin_loss": "F.soft_margin_loss(x, s[:, None].expand(4, 3), LEGACY)",
    "torch.nn.functional.multilabel_soft_margin_loss": "F.multilabel_soft_margin_loss(x, (y > 0.5).float(), LEGACY)",
    "torch.nn.functional.triplet_margin_loss": "F.triplet_margin_loss(x, y, x.flip(0), LEGACY)",
    "torch.nn.functional.poisson_nll_loss": "F.poisson_nll_loss(x, y, LEGACY)",
    "torch.nn.functional.multi_margin_loss": "F.multi_margin_loss(x, t, LEGACY)",
    "torch.nn.functional.multilabel_margin_loss": "F.multilabel_margin_loss(x, m, LEGACY)",
    "torch.nn.MSELoss": "nn.MSELoss(LEGACY)(x, y)",
    "torch.nn.L1Loss": "nn.L1Loss(LEGACY)(x, y)",
    "torch.nn.SmoothL1Loss": "nn.SmoothL1Loss(LEGACY)(x, y)",
    "torch.nn.NLLLoss": "nn.NLLLoss(LEGACY)(x.log(), t)",
    "torch.nn.NLLLoss2d": "nn.NLLLoss2d(LEGACY)(x.log(), t)",
    "torch.nn.CrossEntropyLoss": "nn.CrossEntropyLoss(LEGACY)(x, t)",
    "torch.nn.BCELoss": "nn.BCELoss(LEGACY)(x, y)",
    "torch.nn.BCEWithLogitsLoss": "nn.BCEWithLogitsLoss(LEGACY)(x, y)",
    "torch.nn.KLDivLoss": "nn.KLDivLoss(LEGACY)(x.log(), y)",
    "torch.nn.MarginRankingLoss": "nn.MarginRankingLoss(LEGACY)(x[:, 0], y[:, 0], s)",
    "torch.nn.CosineEmbeddingLoss": "nn.CosineEmbeddingLoss(LEGACY)(x, y, s)",
    "torch.nn.TripletMarginLoss": "nn.TripletMarginLoss(LEGACY)(x, y, x.flip(0))",
    "torch.nn.HingeEmbeddingLoss": "nn.HingeEmbeddingLoss(LEGACY)(x, s[:, None].expand(4, 3))",
    "torch.nn.SoftMarginLoss": "nn.SoftMarginLoss(LEGACY)(x, s[:, None].expand(4, 3))",
    "torch.nn.MultiLabelSoftMarginLoss": "nn.MultiLabelSoftMarginLoss(LEGACY)(x, (y > 0.5).float())",
    "torch.nn.MultiMarginLoss": "nn.MultiMarginLoss(LEGACY)(x, t)",
    "torch.nn.PoissonNLLLoss": "nn.PoissonNLLLoss(LEGACY)(x, y)",
    "torch.nn.MultiLabelMarginLoss": "nn.MultiLabelMarginLoss(LEGACY)(x, m)",
}

LEGACY = ["size_average=False", "reduce=False", "size_average=True, reduce=True", "size_average=None, reduce=None", "reduce=True"]


def _legacy_rules() -> set[str]:
    return {
        r.torch for r in load_table().all_rules()
        if r.params and r.param("size_average") is not None and r.param("reduce") is not None
    }


def test_every_loss_with_legacy_arguments_is_run_here():
    assert _legacy_rules() == set(CALLS)


def _inputs() -> dict[str, np.ndarray]:
    rng = np.random.default_rng(0)
    m = np.full((4, 3), -1, dtype="int64")
    m[:, 0] = rng.integers(0, 3, size=4)
    m[::2, 1] = (m[::2, 0] + 1) % 3
    return {
        "x": rng.uniform(0.05, 0.95, size=(4, 3)).astype("float32"),
        "y": rng.uniform(0.05, 0.95, size=(4, 3)).astype("float32"),
        "t": rng.integers(0, 3, size=4).astype("int64"),
        "s": np.where(rng.random(4) < 0.5, -1.0, 1.0).astype("float32"),
        "m": m,
    }


def _run_both(code: str) -> None:
    import paddle
    import torch

    src = testing.PRELUDE + f"out = {code}\n"
    result = translate_source(src, path="legacy.py")
    assert not result.errors, [d.message for d in result.errors]
    assert "size_average" not in result.code and "reduce=" not in result.code, result.code
    inputs = _inputs()
    t_ns = {k: torch.from_numpy(v.copy()) for k, v in inputs.items()}
    p_ns = {k: paddle.to_tensor(v.copy()) for k, v in inputs.items()}
    exec(compile(src, "<torch>", "exec"), t_ns)
    exec(compile(result.code, "<paddle>", "exec"), p_ns)
    testing.compare(t_ns["out"], p_ns["out"], 1e-5, 1e-5, True, code)


@pytest.mark.parametrize("legacy", LEGACY)
@pytest.mark.parametrize("api", sorted(CALLS))
def test_legacy_keywords_match_torch(api, legacy):
    _run_both(CALLS[api].replace("LEGACY", legacy))


@pytest.mark.parametrize("code", [
    "nn.MSELoss(None, False)(x, y)",
    "nn.CrossEntropyLoss(None, False, -100, None)(x, t)",
    "F.mse_loss(x, y, None, False)",
    "F.nll_loss(x.log(), t, None, True, -100, False)",
    "nn.NLLLoss(None, None, 1, None, 'sum')(x.log(), t)",
])
def test_legacy_positional_match_torch(code):
    _run_both(code)


def test_legacy_reduction_wins_over_reduction_as_in_torch():
    _run_both("nn.MSELoss(reduce=False, reduction='sum')(x, y)")


def test_non_literal_legacy_argument_is_refused():
    src = "import torch.nn as nn\nloss = nn.L1Loss(size_average=flag)\n"
    result = translate_source(src, path="legacy.py")
    assert [d.api for d in result.errors] == ["torch.nn.L1Loss"]
    assert "size_average=flag" in result.errors[0].message
    assert "torch.nn.L1Loss(size_average=flag)" in result.code


def test_unchanged_without_legacy_arguments():
    src = "import paddle.nn as nn\nloss = nn.MSELoss(reduction=\"sum\")\n"
    assert translate_source(src, path="legacy.py").code == src
