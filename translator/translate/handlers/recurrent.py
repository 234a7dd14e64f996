"""``torch.nn`` recurrent layers: RNN/LSTM/GRU and their cells.

The cells' Paddle counterparts return ``(h, state)`` where torch returns the new state; that
cannot be fixed at the call site, whose receiver type is unknown, so a cell is translated to a
small Paddle layer emitted as support code (``TorchLSTMCell``, ...) that keeps torch's calling
convention and torch's parameter names, so checkpoints convert name for name.
"""

from __future__ import annotations

import libcst as cst

from ...rules import ApiRule
from ..registry import Refusal, TranslateContext, handler
from ._common import Outcome, flag_value, plain_rule, refuse, refused, snippet


@handler("rnn")
def rnn(ctx: TranslateContext, call: cst.Call, rule: ApiRule) -> Outcome:
    """RNN/LSTM/GRU: ``bidirectional=True`` -> ``direction="bidirect"``; ``batch_first=b`` ->
    ``time_major=not b``, written out for torch's default (Paddle defaults to batch-first)."""
    bound = ctx.bind(call, rule)
    if refused(bound):
        return bound
    bias = flag_value(ctx, call, rule, bound, "bias", True)
    if refused(bias):
        return bias
    if not bias:
        return refuse(Refusal.UNSUPPORTED_ARGUMENT, "bias=False: Paddle's CPU RNN kernel crashes without biases; left unchanged")
    extra: dict[str, str] = {}
    bidirectional = bound.get("bidirectional")
    text = ctx.code(bidirectional).strip() if bidirectional is not None else "False"
    if text == "True":
        extra["direction"] = '"bidirect"'
    elif text != "False":
        extra["direction"] = f'"bidirect" if {text} else "forward"'
    batch_first = bound.get("batch_first")
    text = ctx.code(batch_first).strip() if batch_first is not None else "False"
    if text == "False":
        extra["time_major"] = "True"
    elif text != "True":
        extra["time_major"] = f"not ({text})"
    return ctx.rewrite(call, plain_rule(rule, *("bias", "bidirectional", "batch_first"), extra={**rule.extra, **extra}))


@handler("rnn_cell")
def rnn_cell(ctx: TranslateContext, call: cst.Call, rule: ApiRule) -> Outcome:
    """RNNCell/LSTMCell/GRUCell -> support subclasses of Paddle's cells that return torch's
    results; ``bias=False`` -> ``bias_ih_attr=False, bias_hh_attr=False``."""
    bound = ctx.bind(call, rule)
    if refused(bound):
        return bound
    bias = flag_value(ctx, call, rule, bound, "bias", True)
    if refused(bias):
        return bias
    extra = {} if bias else {"bias_ih_attr": "False", "bias_hh_attr": "False"}
    assert rule.support is not None
    ctx.support(rule.support)
    return ctx.rewrite(call, plain_rule(rule, *("bias",), extra={**rule.extra, **extra}))


# -------------------------------------------------------------------------- support code ----

snippet(
    "TorchRNNCell",
    '''
class TorchRNNCell(paddle.nn.SimpleRNNCell):
    """paddle.nn.SimpleRNNCell called like torch.nn.RNNCell: ``cell(x, h)`` returns the new ``h``
    (Paddle's returns ``(h, h)``); 1-d input is one unbatched sample, as in torch."""

    def forward(self, input: "paddle.Tensor", hx: "paddle.Tensor | None" = None) -> "paddle.Tensor":
        if input.ndim == 1:
            return self.forward(input.unsqueeze(0), None if hx is None else hx.unsqueeze(0)).squeeze(0)
        h, _ = super().forward(input, hx)
        return h
''',
)


snippet(
    "TorchGRUCell",
    '''
class TorchGRUCell(paddle.nn.GRUCell):
    """paddle.nn.GRUCell called like torch.nn.GRUCell: ``cell(x, h)`` returns the new ``h``
    (Paddle's returns ``(h, h)``); 1-d input is one unbatched sample, as in torch."""

    def forward(self, input: "paddle.Tensor", hx: "paddle.Tensor | None" = None) -> "paddle.Tensor":
        if input.ndim == 1:
            return self.forward(input.unsqueeze(0), None if hx is None else hx.unsqueeze(0)).squeeze(0)
        h, _ = super().forward(input, hx)
        return h
''',
)


snippet(
    "TorchLSTMCell",
    '''
class TorchLSTMCell(paddle.nn.LSTMCell):
    """paddle.nn.LSTMCell called like torch.nn.LSTMCell: ``cell(x, (h, c))`` returns ``(h, c)``
    (Paddle's returns ``(h, (h, c))``); 1-d input is one unbatched sample, as in torch."""

    def forward(self, input: "paddle.Tensor", hx: "tuple | None" = None) -> tuple:
        if input.ndim == 1:
            states = None if hx is None else tuple(s.unsqueeze(0) for s in hx)
            h, c = self.forward(input.unsqueeze(0), states)
            return h.squeeze(0), c.squeeze(0)
        _, (h, c) = super().forward(input, hx)
        return h, c
''',
)
