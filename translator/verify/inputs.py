"""Preparing a model and its inputs for a comparison: BatchNorm statistics worth checking,
seeded random inputs."""

from __future__ import annotations

from typing import Any, Callable, Sequence

import numpy as np

__all__ = ["make_inputs", "randomize_bn_stats"]


def randomize_bn_stats(
    torch_model: Any,
    seed: int = 0,
    *,
    affine: bool = True,
    inputs: Sequence[Any] | None = None,
) -> Any:
    """Give every normalisation layer non-trivial statistics (and affine parameters).

    Fresh BatchNorm layers have mean 0 and variance 1, so a port that ignores or confuses them
    would still match. With ``affine``, the scale of every BatchNorm/InstanceNorm/GroupNorm/
    LayerNorm is drawn from U(0.5, 1.5) and the shift from N(0, 0.1^2).

    Without ``inputs``, running means are drawn from N(0, 0.1^2) and variances from U(0.5, 1.5).
    With ``inputs`` (a list of positional arguments), the running statistics are first measured
    on them, as training would (one forward pass in train mode), and then perturbed: variances
    scaled by U(0.5, 1.5), means shifted by N(0, 0.1^2) standard deviations. Measured statistics
    keep a deep untrained network's activations far smaller than drawn ones (ResNet-152's
    logits at 224x224: about 1e3 against 1e11), which keeps float32 rounding small. If the model
    cannot run in train mode on ``inputs`` (a BatchNorm1d over a batch of one), the drawn
    statistics are used instead.

    Deterministic for a given ``seed``; returns the model.
    """
    import torch
    from torch.nn.modules.batchnorm import _NormBase

    norms = [m for m in torch_model.modules() if isinstance(m, (_NormBase, torch.nn.GroupNorm, torch.nn.LayerNorm))]
    g = torch.Generator().manual_seed(seed)

    def like(t: Any, draw: Callable[..., Any]) -> Any:
        return draw(t.shape, generator=g, dtype=torch.float32).to(t.dtype)

    with torch.no_grad():
        if affine:
            for module in norms:
                weight = getattr(module, "weight", None)
                bias = getattr(module, "bias", None)
                if isinstance(weight, torch.Tensor):
                    weight.copy_(like(weight, torch.rand) + 0.5)
                if isinstance(bias, torch.Tensor):
                    bias.copy_(like(bias, torch.randn) * 0.1)
        tracked = [m for m in norms if isinstance(getattr(m, "running_var", None), torch.Tensor)]
        if inputs is not None and tracked and _measure_running_stats(torch_model, tracked, inputs):
            for module in tracked:
                std = module.running_var.sqrt()
                module.running_mean.add_(like(module.running_mean, torch.randn) * 0.1 * std)
                module.running_var.mul_(like(module.running_var, torch.rand) + 0.5)
        else:
            for module in tracked:
                module.running_mean.copy_(like(module.running_mean, torch.randn) * 0.1)
                module.running_var.copy_(like(module.running_var, torch.rand) + 0.5)
    return torch_model


def _measure_running_stats(torch_model: Any, tracked: list[Any], inputs: Sequence[Any]) -> bool:
    """One train-mode pass that sets each layer's running stats to its batch statistics."""
    import torch

    was_training = torch_model.training
    momenta = [m.momentum for m in tracked]
    tensors = [x if isinstance(x, torch.Tensor) else torch.from_numpy(np.array(x)) for x in inputs]
    try:
        for m in tracked:
            m.reset_running_stats()
            m.momentum = None  # cumulative average: after one batch, exactly its statistics
        torch_model.train()
        torch_model(*tensors)
        return True
    except Exception:
        for m in tracked:
            m.reset_running_stats()
        return False
    finally:
        for m, momentum in zip(tracked, momenta):
            m.momentum = momentum
        torch_model.train(was_training)


def make_inputs(shapes: Sequence[Sequence[int]], seed: int = 0) -> list[np.ndarray]:
    """Standard normal float32 inputs of the given shapes, the same for a given ``seed``."""
    rng = np.random.default_rng(seed)
    return [rng.standard_normal(tuple(shape), dtype=np.float32) for shape in shapes]
