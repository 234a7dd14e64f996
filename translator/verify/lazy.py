"""Lazy layers: parameters that exist only after a first forward pass.

torch's ``nn.LazyLinear``, ``nn.LazyConv2d``, ``nn.LazyBatchNorm1d``... create their parameters at
their first call, sized by its input; their translations, the ``TorchLazy*`` support layers,
do the same (an unbuilt one keeps its constructor arguments in ``_lazy_args`` and becomes the
Paddle layer at its first call). Until then there is nothing to map, copy or compare, so
``verify`` and ``convert-weights --input`` run one forward pass first: :func:`materialize`.
"""

from __future__ import annotations

from typing import Any

from .inputs import Batch, paddle_call, torch_call

__all__ = ["materialize", "paddle_lazy_layers", "torch_lazy_modules"]


def torch_lazy_modules(model: Any) -> list[str]:
    """The names of the torch model's modules whose parameters or buffers are not created yet."""
    from torch.nn.parameter import is_lazy

    names = []
    for name, module in model.named_modules():
        own = [*module.parameters(recurse=False), *module.buffers(recurse=False)]
        if any(is_lazy(t) for t in own):
            names.append(name or "(the model)")
    return names


def paddle_lazy_layers(model: Any) -> list[str]:
    """The names of the Paddle model's lazy support layers not built yet."""
    return [name or "(the model)" for name, layer in model.named_sublayers(include_self=True)
            if "_lazy_args" in vars(layer)]


def materialize(torch_model: Any, paddle_model: Any | None, batch: Batch) -> list[str]:
    """Run one forward pass of each model that has lazy layers (eval mode, no gradients; each
    model's train/eval mode is restored), so that their parameters exist. Returns the names of
    the layers that were lazy (torch's, else Paddle's); an empty list when none were.

    Running in eval mode keeps a lazy BatchNorm's running statistics at their initial values.
    Errors from the forward pass propagate.
    """
    lazy_t = torch_lazy_modules(torch_model) if torch_model is not None else []
    lazy_p = paddle_lazy_layers(paddle_model) if paddle_model is not None else []
    if lazy_t:
        import torch

        args, kwargs = torch_call(batch)
        with _eval(torch_model), torch.no_grad():
            torch_model(*args, **kwargs)
    if lazy_p:
        import paddle

        args, kwargs = paddle_call(batch)
        with _eval(paddle_model), paddle.no_grad():
            paddle_model(*args, **kwargs)
    return lazy_t or lazy_p


class _eval:
    """Eval mode for the duration, then each sublayer's own mode back."""

    def __init__(self, model: Any) -> None:
        self.model = model
        subs = model.sublayers(include_self=True) if hasattr(model, "sublayers") else model.modules()
        self.modes = [(m, m.training) for m in subs]  # parents first: a parent's train() reaches its children

    def __enter__(self) -> None:
        self.model.eval()

    def __exit__(self, *exc: object) -> None:
        for m, training in self.modes:
            if m.training != training:
                m.train() if training else m.eval()
