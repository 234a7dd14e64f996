"""The training sample (samples/torch_src/train_classifier.py) and its checked-in translation
(samples/paddle_out/train_classifier.py): the translation runs end to end, and from the same
weights and the same batches its first 10 training steps (two epochs of five batches, the
StepLR schedule halving the learning rate after the first) give torch's losses to 1e-4."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("torch")
pytest.importorskip("paddle")

SAMPLES = Path(__file__).resolve().parent.parent / "samples"


@pytest.fixture(scope="module")
def modules():
    sys.path.insert(0, str(SAMPLES))
    try:
        yield importlib.import_module("torch_src.train_classifier"), importlib.import_module("paddle_out.train_classifier")
    finally:
        sys.path.remove(str(SAMPLES))


def _paired_models(tmod, pmod):
    import paddle
    import torch

    from translator.weights import convert_state_dict

    torch.manual_seed(0)
    t_model = tmod.SmallCNN()
    with torch.no_grad():  # randomized BatchNorm affine parameters, so they matter
        t_model.features[1].weight.uniform_(0.5, 1.5)
        t_model.features[1].bias.uniform_(-0.2, 0.2)
    p_model = pmod.SmallCNN()
    state = {k: v.detach().numpy() for k, v in t_model.state_dict().items()}
    missing, unexpected = p_model.set_state_dict(convert_state_dict(state, p_model))
    assert not missing and not unexpected
    return t_model, p_model


def _train(mod, model, epochs: int = 2):
    loader, _ = mod.make_loaders(batch_size=8, shuffle=False)
    criterion, optimizer, scheduler = mod.build_training(model)
    losses, lrs = [], []
    for _ in range(epochs):
        losses += mod.train_one_epoch(model, loader, criterion, optimizer, "cpu")
        scheduler.step()
        lrs.append(scheduler.get_last_lr()[0] if hasattr(scheduler, "get_last_lr") else scheduler.last_lr)
    return losses, lrs


def test_first_ten_steps_match_torch(modules):
    tmod, pmod = modules
    t_model, p_model = _paired_models(tmod, pmod)
    t_losses, t_lrs = _train(tmod, t_model)
    p_losses, p_lrs = _train(pmod, p_model)
    assert len(t_losses) == len(p_losses) == 10
    np.testing.assert_allclose(p_losses, t_losses, rtol=1e-4)
    np.testing.assert_allclose(p_lrs, t_lrs, rtol=1e-12)
    assert t_lrs == [0.05, 0.025]
    # the trained models still agree (BatchNorm running statistics included)
    import paddle
    import torch

    x = tmod.SyntheticImages(4, seed=3).images
    t_model.eval()
    p_model.eval()
    with torch.no_grad():
        t_out = t_model(torch.from_numpy(x)).numpy()
    p_out = p_model(paddle.to_tensor(x)).numpy()
    np.testing.assert_allclose(p_out, t_out, rtol=1e-3, atol=1e-4)


def test_evaluate_agrees(modules):
    tmod, pmod = modules
    t_model, p_model = _paired_models(tmod, pmod)
    _, t_val = tmod.make_loaders()
    _, p_val = pmod.make_loaders()
    assert tmod.evaluate(t_model, t_val, "cpu") == pmod.evaluate(p_model, p_val, "cpu")


def test_translated_script_runs_and_saves_a_checkpoint(modules, tmp_path, capsys):
    import paddle

    _, pmod = modules
    out = tmp_path / "checkpoint.pdparams"
    accuracy = pmod.main(["--epochs", "1", "--out", str(out)])
    assert 0.0 <= accuracy <= 1.0
    assert "epoch 0: loss" in capsys.readouterr().out
    state = paddle.load(str(out))
    assert state["epoch"] == 1 and "classifier.weight" in state["model"]
