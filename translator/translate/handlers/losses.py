"""Losses whose torch meaning needs more than renaming.

``smooth_l1``: torch's smooth L1 loss with ``beta`` is ``0.5 x**2 / beta`` below beta and
``|x| - 0.5 beta`` above, and the L1 loss when ``beta == 0``.  Paddle's ``smooth_l1_loss`` /
``SmoothL1Loss`` is the Huber loss with ``delta`` (``0.5 x**2`` below delta, ``delta * (|x| -
0.5 delta)`` above), which is torch's times beta.  So:

* beta absent or ``1`` (torch's default): Paddle's loss as it is;
* ``beta=0`` written out: Paddle's L1 loss;
* another number written out: the function form becomes ``F.smooth_l1_loss(..., delta=b) / b``;
* anything else (a variable, an expression; and any other beta of the layer): the support
  ``_torch_smooth_l1_loss`` / ``TorchSmoothL1Loss`` below, which compute torch's formula,
  zero included.
"""

from __future__ import annotations

import dataclasses

import libcst as cst

from ...rules import ApiRule
from ..registry import TranslateContext, handler
from ._common import Outcome, bind_supported, kw, literal_value, make_call, plain_rule, refused, snippet

snippet(
    "_torch_smooth_l1_loss",
    '''
def _torch_smooth_l1_loss(input, label, reduction="mean", beta=1.0):
    """torch.nn.functional.smooth_l1_loss: 0.5 x**2 / beta below beta, |x| - 0.5 beta
    above; the L1 loss for beta == 0."""
    diff = paddle.abs(input - label)
    if beta == 0:
        loss = diff
    else:
        loss = paddle.where(diff < beta, 0.5 * diff * diff / beta, diff - 0.5 * beta)
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    return loss
''',
)

snippet(
    "TorchSmoothL1Loss",
    '''
class TorchSmoothL1Loss(paddle.nn.Layer):
    """torch.nn.SmoothL1Loss with any beta (Paddle's SmoothL1Loss is the Huber loss)."""

    def __init__(self, reduction="mean", beta=1.0):
        super().__init__()
        self.reduction = reduction
        self.beta = beta

    def forward(self, input, label):
        return _torch_smooth_l1_loss(input, label, self.reduction, self.beta)
''',
    deps=("_torch_smooth_l1_loss",),
)

# torch.nn.modules.loss._Loss and _WeightedLoss, the bases of torch's losses that user losses
# (monai's) derive from: Paddle's losses derive from paddle.nn.Layer directly, with no base
# keeping `reduction`.  torch's _Loss reads the deprecated size_average/reduce as
# torch.nn._reduction.legacy_get_string does (either one given: "mean" when both hold, "sum"
# when only reduce holds, "none" otherwise; an absent one counts as True).
snippet(
    "TorchLoss",
    '''
class TorchLoss(paddle.nn.Layer):
    """torch.nn.modules.loss._Loss: a layer keeping ``self.reduction``, given
    directly or by the deprecated ``size_average``/``reduce`` arguments."""

    def __init__(self, size_average=None, reduce=None, reduction="mean"):
        super().__init__()
        if size_average is not None or reduce is not None:
            size_average = True if size_average is None else size_average
            reduce = True if reduce is None else reduce
            reduction = "mean" if size_average and reduce else "sum" if reduce else "none"
        self.reduction = reduction
''',
)

snippet(
    "TorchWeightedLoss",
    '''
class TorchWeightedLoss(TorchLoss):
    """torch.nn.modules.loss._WeightedLoss: ``TorchLoss`` with a ``weight`` buffer (None
    when not given)."""

    def __init__(self, weight=None, size_average=None, reduce=None, reduction="mean"):
        super().__init__(size_average, reduce, reduction)
        self.register_buffer("weight", weight)
''',
    deps=("TorchLoss",),
)


@handler("smooth_l1")
def smooth_l1(ctx: TranslateContext, call: cst.Call, rule: ApiRule) -> Outcome:
    """``F.smooth_l1_loss`` and ``nn.SmoothL1Loss`` with torch's ``beta`` (module docstring)."""
    bound = bind_supported(ctx, call, rule)
    if refused(bound):
        return bound
    assert isinstance(bound, dict)
    beta = bound.get("beta")
    value = literal_value(beta) if beta is not None else 1
    layer = rule.name == "SmoothL1Loss"
    if value == 1:
        return ctx.rewrite(call, plain_rule(rule, "beta"))
    if value == 0:
        l1 = "paddle.nn.L1Loss" if layer else "paddle.nn.functional.l1_loss"
        return ctx.rewrite(call, plain_rule(rule, "beta", paddle=l1))
    if not layer and isinstance(value, (int, float)) and not isinstance(value, bool):
        divided = ctx.rewrite(call, dataclasses.replace(rule, rename={**rule.rename, "beta": "delta"}, handler=None))
        if refused(divided):
            return divided
        assert isinstance(beta, cst.BaseExpression)
        return cst.BinaryOperation(left=divided, operator=cst.Divide(), right=beta)
    # torch's formula, written out once in the file
    args = [] if layer else [cst.Arg(bound["input"]), cst.Arg(bound["target"])]
    if "reduction" in bound:
        args.append(kw("reduction", bound["reduction"]))
    args.append(kw("beta", beta))  # type: ignore[arg-type]
    return make_call(cst.Name(ctx.support("TorchSmoothL1Loss" if layer else "_torch_smooth_l1_loss")), args)
