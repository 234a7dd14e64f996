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
    """paddle.nn.SimpleRNNCell called like torch.nn.RNNCell: ``cell(x, h)`` returns the
    new ``h`` (Paddle's returns ``(h, h)``); 1-d input is one unbatched sample, as in
    torch."""

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
    """paddle.nn.GRUCell called like torch.nn.GRUCell: ``cell(x, h)`` returns the new
    ``h`` (Paddle's returns ``(h, h)``); 1-d input is one unbatched sample, as in
    torch."""

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
    """paddle.nn.LSTMCell called like torch.nn.LSTMCell: ``cell(x, (h, c))`` returns
    ``(h, c)`` (Paddle's returns ``(h, (h, c))``); 1-d input is one unbatched sample, as
    in torch."""

    def forward(self, input: "paddle.Tensor", hx: "tuple | None" = None) -> tuple:
        if input.ndim == 1:
            states = None if hx is None else tuple(s.unsqueeze(0) for s in hx)
            h, c = self.forward(input.unsqueeze(0), states)
            return h.squeeze(0), c.squeeze(0)
        _, (h, c) = super().forward(input, hx)
        return h, c
''',
)


# ``getattr(nn, rnn_type)(ninp, nhid, nlayers, dropout=0.5)``: the class is chosen at run time,
# so no rule can bind its arguments; the engine calls ``_torch_nn_class(rnn_type)`` instead
# (``rewrite._builtin_call``), which builds the recurrent layers with torch's signature and
# torch's (seq, batch, feature) layout.
snippet(
    "_torch_rnn",
    '''
def _torch_rnn(kind: str, *args: Any, **kwargs: Any) -> paddle.nn.Layer:
    """torch's ``nn.LSTM``/``nn.GRU``/``nn.RNN(*args, **kwargs)`` as Paddle's
    LSTM/GRU/SimpleRNN: torch's argument order, ``time_major`` unless ``batch_first``,
    ``direction`` from ``bidirectional``."""
    names = ["input_size", "hidden_size", "num_layers"] + (["nonlinearity"] if kind == "RNN" else [])
    kwargs.update(zip(names + ["bias", "batch_first", "dropout", "bidirectional"], args))
    if not kwargs.pop("bias", True) or kwargs.pop("proj_size", 0):
        raise NotImplementedError(f"nn.{kind} with bias=False or proj_size has no Paddle counterpart")
    extra = {"activation": kwargs.pop("nonlinearity", "tanh")} if kind == "RNN" else {}
    layer = {"LSTM": paddle.nn.LSTM, "GRU": paddle.nn.GRU, "RNN": paddle.nn.SimpleRNN}[kind]
    return layer(
        kwargs.pop("input_size"), kwargs.pop("hidden_size"), kwargs.pop("num_layers", 1),
        direction="bidirect" if kwargs.pop("bidirectional", False) else "forward",
        time_major=not kwargs.pop("batch_first", False), dropout=kwargs.pop("dropout", 0.0), **extra, **kwargs,
    )
''',
    imports=("from typing import Any",),
)

snippet(
    "_torch_nn_class",
    '''
def _torch_nn_class(name: str) -> Any:
    """torch's ``getattr(torch.nn, name)``: the recurrent layers through ``_torch_rnn``;
    other names by Paddle's spelling (``Conv2d`` -> ``Conv2D``, ``Module`` ->
    ``Layer``)."""
    if name in ("LSTM", "GRU", "RNN"):
        return functools.partial(_torch_rnn, name)
    paddle_name = {"Module": "Layer"}.get(name, name[:-1] + "D" if name[-2:-1].isdigit() and name.endswith("d") else name)
    return getattr(paddle.nn, paddle_name)
''',
    imports=("import functools", "from typing import Any"),
    deps=("_torch_rnn",),
)


# Weight tying between an Embedding and a Linear (``self.decoder.weight = self.encoder.weight``,
# language models); the engine rewrites the assignment (``rewrite._tied_weight``).
snippet(
    "TorchTiedLinear",
    '''
class TorchTiedLinear(paddle.nn.Layer):
    """A Linear that shares its weight with an Embedding: the weight is [out, in]
    (torch's Linear layout, an Embedding's [num, dim]); Paddle's own Linear would store
    [in, out]."""

    def __init__(self, weight: paddle.Tensor, bias: Any) -> None:
        super().__init__()
        self.weight = weight
        self.bias = bias

    def forward(self, x: paddle.Tensor) -> paddle.Tensor:
        return paddle.nn.functional.linear(x, self.weight.T, self.bias)
''',
    imports=("from typing import Any",),
)

snippet(
    "_torch_tie_weight",
    '''
def _torch_tie_weight(target: paddle.nn.Layer, source: paddle.nn.Layer) -> tuple[paddle.nn.Layer, paddle.nn.Layer]:
    """torch's ``target.weight = source.weight``; returns the two layers to assign back.
    A Linear tied to an Embedding (either way) becomes a ``TorchTiedLinear`` on the
    Embedding's weight, which takes the values torch would keep (the source's)."""
    if isinstance(target, paddle.nn.Linear) and isinstance(source, paddle.nn.Embedding):
        return TorchTiedLinear(source.weight, target.bias), source
    if isinstance(target, paddle.nn.Embedding) and isinstance(source, paddle.nn.Linear):
        target.weight.set_value(source.weight.T)
        return target, TorchTiedLinear(target.weight, source.bias)
    target.weight = source.weight
    return target, source
''',
    deps=("TorchTiedLinear",),
)
