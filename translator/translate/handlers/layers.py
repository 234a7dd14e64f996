"""``torch.nn`` layers whose arguments the rule table's data cannot map one to one.

Each handler settles the arguments that need a decision (``affine=False`` becomes two Paddle
arguments, ``batch_first`` flips into ``time_major``, ``count_include_pad`` into ``exclusive``)
and hands the rest back to the table's data with :meth:`TranslateContext.rewrite`.  A flag
that changes what Paddle code to write must be a literal ``True``/``False`` (or be omitted);
anything else is reported and the call is left unchanged.

Layers whose Paddle counterpart behaves differently at *call* time (the RNN cells return
``(h, state)``, ``MultiheadAttention`` is batch-first and returns only the output, masks mean
the opposite) cannot be fixed at the call site, whose receiver type is unknown: they are
translated to small Paddle layers emitted as support code (``TorchLSTMCell``, ...) that keep
torch's calling convention and torch's parameter names, so checkpoints convert name for name.
"""

from __future__ import annotations

import dataclasses
from typing import Mapping

import libcst as cst

from .. import support as support_code
from ..context import TranslateContext
from ..registry import handler
from ...rules import ApiRule

_UNSET = object()


def _derive(rule: ApiRule, *, consumed: tuple[str, ...] = (), extra: Mapping[str, str] | None = None) -> ApiRule:
    """The rule as plain data, with ``consumed`` arguments settled by the handler and dropped."""
    return dataclasses.replace(
        rule,
        handler=None,
        drop=tuple(rule.drop) + tuple(c for c in consumed if c not in rule.drop),
        unsupported={k: v for k, v in rule.unsupported.items() if k not in consumed},
        extra={**rule.extra, **(extra or {})},
    )


def _flag(ctx: TranslateContext, call: cst.Call, rule: ApiRule, bound: dict, name: str, default: bool) -> bool | None:
    """A boolean argument that decides what to write: its literal value, or None after an error."""
    value = bound.get(name)
    if value is None:
        return default
    text = ctx.code(value).strip()
    if text in ("True", "False"):
        return text == "True"
    ctx.error(call, rule.torch, f"{name}={text}: write True or False here to translate this layer; left unchanged")
    return None


def _is_none(ctx: TranslateContext, value: cst.BaseExpression | None) -> bool:
    return value is not None and ctx.code(value).strip() == "None"


def _string(ctx: TranslateContext, value: cst.BaseExpression | None) -> str | None:
    """The value of a plain string literal, else None."""
    if isinstance(value, cst.SimpleString):
        return value.evaluated_value if isinstance(value.evaluated_value, str) else None
    return None


def _paddle_has(rule: ApiRule, name: str) -> bool:
    return any(p.name == name for p in rule.paddle_params or ())


# ------------------------------------------------------------------------- normalization ---
@handler("batch_norm")
def batch_norm(ctx: TranslateContext, call: cst.Call, rule: ApiRule) -> cst.BaseExpression | None:
    """BatchNorm*d: ``affine=False`` -> ``weight_attr=False, bias_attr=False``;
    ``track_running_stats=False`` -> ``use_global_stats=False`` (batch statistics in eval too)."""
    bound = ctx.bind(call, rule)
    if bound is None:
        return None
    if _is_none(ctx, bound.get("momentum")):
        ctx.error(call, rule.torch, "momentum=None (a cumulative moving average) has no Paddle equivalent; left unchanged")
        return None
    affine = _flag(ctx, call, rule, bound, "affine", True)
    bias = _flag(ctx, call, rule, bound, "bias", True)
    track = _flag(ctx, call, rule, bound, "track_running_stats", True)
    if affine is None or bias is None or track is None:
        return None
    extra: dict[str, str] = {}
    if not affine:
        extra.update(weight_attr="False", bias_attr="False")
    elif not bias:
        extra["bias_attr"] = "False"
    if not track:
        if not _paddle_has(rule, "use_global_stats"):
            ctx.error(call, rule.torch, f"track_running_stats=False: {rule.paddle} always keeps running statistics; left unchanged")
            return None
        extra["use_global_stats"] = "False"
    return ctx.rewrite(call, _derive(rule, consumed=("affine", "bias", "track_running_stats"), extra=extra))


@handler("instance_norm")
def instance_norm(ctx: TranslateContext, call: cst.Call, rule: ApiRule) -> cst.BaseExpression | None:
    """InstanceNorm*d: torch defaults to ``affine=False``, Paddle to a learnable scale and bias."""
    bound = ctx.bind(call, rule)
    if bound is None:
        return None
    affine = _flag(ctx, call, rule, bound, "affine", False)
    bias = _flag(ctx, call, rule, bound, "bias", True)
    track = _flag(ctx, call, rule, bound, "track_running_stats", False)
    if affine is None or bias is None or track is None:
        return None
    if track:
        ctx.error(
            call,
            rule.torch,
            "track_running_stats=True: Paddle's InstanceNorm always normalizes with the statistics of each"
            " sample (no running averages in eval mode); left unchanged",
        )
        return None
    if affine and not bias:
        ctx.error(call, rule.torch, "affine=True, bias=False: Paddle's InstanceNorm has both scale and bias or neither; left unchanged")
        return None
    extra = {} if affine else {"weight_attr": "False", "bias_attr": "False"}
    return ctx.rewrite(call, _derive(rule, consumed=("affine", "bias", "track_running_stats", "momentum"), extra=extra))


@handler("layer_norm")
def layer_norm(ctx: TranslateContext, call: cst.Call, rule: ApiRule) -> cst.BaseExpression | None:
    """LayerNorm: ``elementwise_affine=False`` -> no weight and no bias; ``bias=False`` -> no bias."""
    bound = ctx.bind(call, rule)
    if bound is None:
        return None
    affine = _flag(ctx, call, rule, bound, "elementwise_affine", True)
    bias = _flag(ctx, call, rule, bound, "bias", True)
    if affine is None or bias is None:
        return None
    extra: dict[str, str] = {}
    if not affine:
        extra.update(weight_attr="False", bias_attr="False")
    elif not bias:
        extra["bias_attr"] = "False"
    return ctx.rewrite(call, _derive(rule, consumed=("elementwise_affine", "bias"), extra=extra))


@handler("group_norm")
def group_norm(ctx: TranslateContext, call: cst.Call, rule: ApiRule) -> cst.BaseExpression | None:
    """GroupNorm: ``affine=False`` -> ``weight_attr=False, bias_attr=False``."""
    bound = ctx.bind(call, rule)
    if bound is None:
        return None
    affine = _flag(ctx, call, rule, bound, "affine", True)
    bias = _flag(ctx, call, rule, bound, "bias", True)
    if affine is None or bias is None:
        return None
    extra: dict[str, str] = {}
    if not affine:
        extra.update(weight_attr="False", bias_attr="False")
    elif not bias:
        extra["bias_attr"] = "False"
    return ctx.rewrite(call, _derive(rule, consumed=("affine", "bias"), extra=extra))


# ------------------------------------------------------------------------- convolutions ----
def _int_tuple(value: cst.BaseExpression | None, n: int, default: int) -> tuple[int, ...] | None:
    """``3`` or ``(3, 1)`` as an n-tuple of ints; None when not a literal."""
    if value is None:
        return (default,) * n
    if isinstance(value, cst.Integer):
        return (int(value.value),) * n
    if isinstance(value, (cst.Tuple, cst.List)) and len(value.elements) == n:
        out = []
        for el in value.elements:
            if not isinstance(el.value, cst.Integer):
                return None
            out.append(int(el.value.value))
        return tuple(out)
    return None


@handler("conv")
def conv(ctx: TranslateContext, call: cst.Call, rule: ApiRule) -> cst.BaseExpression | None:
    """Conv*d: ``padding="same"`` with a dilation is written as explicit padding, because
    Paddle's "same" pads for the undilated kernel (torch pads ``dilation * (k - 1)``)."""
    if any(arg.star for arg in call.args):
        return ctx.rewrite(call, _derive(rule))  # the data rewrite warns about what it cannot see
    bound = ctx.bind(call, rule)
    if bound is None:
        return None
    padding, dilation = bound.get("padding"), bound.get("dilation")
    if _string(ctx, padding) != "same" or dilation is None or ctx.code(dilation).strip() == "1":
        return ctx.rewrite(call, _derive(rule))
    n = 3 if rule.name.endswith("3d") else 2 if rule.name.endswith("2d") else 1
    kernel = _int_tuple(bound.get("kernel_size"), n, 1)
    dil = _int_tuple(dilation, n, 1)
    totals = None if kernel is None or dil is None else [d * (k - 1) for k, d in zip(kernel, dil)]
    if totals is None or any(t % 2 for t in totals):
        ctx.error(
            call,
            rule.torch,
            "padding='same' with dilation: Paddle's 'same' ignores the dilation; write the padding"
            " explicitly (needs literal kernel_size and dilation with an even total); left unchanged",
        )
        return None
    pads = [str(t // 2) for t in totals]
    new = pads[0] if len(set(pads)) == 1 else "(" + ", ".join(pads) + ")"
    args = []
    for arg in call.args:
        if arg.value is padding:
            arg = arg.with_changes(value=cst.parse_expression(new))
        args.append(arg)
    return ctx.rewrite(call.with_changes(args=args), _derive(rule))


# ------------------------------------------------------------------------- pooling ---------
@handler("avg_pool")
def avg_pool(ctx: TranslateContext, call: cst.Call, rule: ApiRule) -> cst.BaseExpression | None:
    """AvgPool*d: ``count_include_pad=c`` -> ``exclusive=not c``; torch's default (True) is written
    as ``exclusive=False`` because Paddle's default is the opposite."""
    bound = ctx.bind(call, rule)
    if bound is None:
        return None
    value = bound.get("count_include_pad")
    text = ctx.code(value).strip() if value is not None else "True"
    if text == "True":
        extra = {"exclusive": "False"}
    elif text == "False":
        extra = {}
    else:
        extra = {"exclusive": f"not ({text})"}
    return ctx.rewrite(call, _derive(rule, consumed=("count_include_pad",), extra=extra))


# ------------------------------------------------------------------------- activations -----
@handler("gelu")
def gelu(ctx: TranslateContext, call: cst.Call, rule: ApiRule) -> cst.BaseExpression | None:
    """GELU: ``approximate="tanh"`` -> ``approximate=True`` (Paddle 2.6 takes a bool)."""
    bound = ctx.bind(call, rule)
    if bound is None:
        return None
    value = bound.get("approximate")
    extra: dict[str, str] = {}
    if value is not None:
        text = _string(ctx, value)
        if text == "tanh":
            extra["approximate"] = "True"
        elif text is None:
            extra["approximate"] = f"({ctx.code(value)}) == 'tanh'"
        elif text != "none":
            ctx.error(call, rule.torch, f"approximate={text!r} is not one of 'none', 'tanh'; left unchanged")
            return None
    return ctx.rewrite(call, _derive(rule, consumed=("approximate",), extra=extra))


@handler("softmax_dim")
def softmax_dim(ctx: TranslateContext, call: cst.Call, rule: ApiRule) -> cst.BaseExpression | None:
    """Softmax/LogSoftmax/Softmin: ``dim`` -> ``axis``; an omitted ``dim`` is refused.

    Without ``dim`` torch picks the axis from the input's rank at call time (0 for 0-, 1- and
    3-d inputs, else 1; deprecated), Paddle always uses the last axis.
    """
    bound = ctx.bind(call, rule)
    if bound is None:
        return None
    dim = bound.get("dim")
    if dim is None or _is_none(ctx, dim):
        ctx.error(
            call,
            rule.torch,
            "no dim: torch picks the axis from the input's rank (deprecated), Paddle uses the last"
            " axis; pass dim= explicitly; left unchanged",
        )
        return None
    if rule.support is not None:
        ctx.support(rule.support)
    return ctx.rewrite(call, _derive(rule))


@handler("threshold")
def threshold(ctx: TranslateContext, call: cst.Call, rule: ApiRule) -> cst.BaseExpression | None:
    """Threshold(t, 0) -> ThresholdedReLU(t); Paddle 2.6 cannot replace by another value."""
    bound = ctx.bind(call, rule)
    if bound is None:
        return None
    value = bound.get("value")
    text = ctx.code(value).strip() if value is not None else ""
    try:
        is_zero = float(text) == 0.0
    except ValueError:
        is_zero = False
    if not is_zero:
        ctx.error(call, rule.torch, f"value={text}: Paddle 2.6's ThresholdedReLU always replaces with 0; left unchanged")
        return None
    return ctx.rewrite(call, _derive(rule, consumed=("value",)))


# ------------------------------------------------------------------------- resampling ------
_RANK_FORMATS = {1: "NCW", 2: "NCHW", 3: "NCDHW"}
_MODE_FORMATS = {"linear": "NCW", "bilinear": "NCHW", "bicubic": "NCHW", "trilinear": "NCDHW"}


@handler("upsample")
def upsample(ctx: TranslateContext, call: cst.Call, rule: ApiRule) -> cst.BaseExpression | None:
    """Upsample: Paddle 2.6 needs ``data_format`` for 3-d and 5-d inputs, taken from the mode
    (``linear``, ``trilinear``) or from the length of a literal ``size``/``scale_factor``."""
    bound = ctx.bind(call, rule)
    if bound is None:
        return None
    consumed = ["align_corners", "recompute_scale_factor"]
    recompute = bound.get("recompute_scale_factor")
    if recompute is not None and ctx.code(recompute).strip() not in ("None", "False"):
        ctx.error(call, rule.torch, "recompute_scale_factor=True has no Paddle 2.6 equivalent; left unchanged")
        return None
    mode_node = bound.get("mode")
    mode = "nearest" if mode_node is None else _string(ctx, mode_node)
    if mode_node is not None and mode is None:
        ctx.error(call, rule.torch, "mode must be a string literal to translate this layer; left unchanged")
        return None
    if mode not in ("nearest", "linear", "bilinear", "bicubic", "trilinear", "area"):
        ctx.error(call, rule.torch, f"mode={mode!r} has no Paddle equivalent; left unchanged")
        return None
    extra: dict[str, str] = {}
    align = bound.get("align_corners")
    if align is not None and not _is_none(ctx, align):
        consumed.remove("align_corners")
    fmt = _MODE_FORMATS.get(mode)
    for key in ("size", "scale_factor"):
        value = bound.get(key)
        if isinstance(value, (cst.Tuple, cst.List)) and len(value.elements) in _RANK_FORMATS:
            fmt = _RANK_FORMATS[len(value.elements)]
    if fmt is not None and fmt != "NCHW":
        extra["data_format"] = repr(fmt)
    return ctx.rewrite(call, _derive(rule, consumed=tuple(consumed), extra=extra))


# ------------------------------------------------------------------------- recurrent -------
@handler("rnn")
def rnn(ctx: TranslateContext, call: cst.Call, rule: ApiRule) -> cst.BaseExpression | None:
    """RNN/LSTM/GRU: ``bidirectional=True`` -> ``direction="bidirect"``; ``batch_first=b`` ->
    ``time_major=not b``, written out for torch's default (Paddle defaults to batch-first)."""
    bound = ctx.bind(call, rule)
    if bound is None:
        return None
    bias = _flag(ctx, call, rule, bound, "bias", True)
    if bias is None:
        return None
    if not bias:
        ctx.error(call, rule.torch, "bias=False: Paddle's CPU RNN kernel crashes without biases; left unchanged")
        return None
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
    return ctx.rewrite(call, _derive(rule, consumed=("bias", "bidirectional", "batch_first"), extra=extra))


@handler("rnn_cell")
def rnn_cell(ctx: TranslateContext, call: cst.Call, rule: ApiRule) -> cst.BaseExpression | None:
    """RNNCell/LSTMCell/GRUCell -> support subclasses of Paddle's cells that return torch's
    results; ``bias=False`` -> ``bias_ih_attr=False, bias_hh_attr=False``."""
    bound = ctx.bind(call, rule)
    if bound is None:
        return None
    bias = _flag(ctx, call, rule, bound, "bias", True)
    if bias is None:
        return None
    extra = {} if bias else {"bias_ih_attr": "False", "bias_hh_attr": "False"}
    assert rule.support is not None
    ctx.support(rule.support)
    return ctx.rewrite(call, _derive(rule, consumed=("bias",), extra=extra))


# ------------------------------------------------------------------------- losses ----------
@handler("cross_entropy_loss")
def cross_entropy_loss(ctx: TranslateContext, call: cst.Call, rule: ApiRule) -> cst.BaseExpression | None:
    """CrossEntropyLoss: Paddle's label smoothing disregards ``weight`` and ``ignore_index`` and
    keeps a trailing axis with ``reduction="none"``, so those combinations are refused."""
    bound = ctx.bind(call, rule)
    if bound is None:
        return None
    smoothing = bound.get("label_smoothing")
    text = ctx.code(smoothing).strip() if smoothing is not None else "0.0"
    try:
        smoothed = float(text) != 0.0
    except ValueError:
        smoothed = True
    if smoothed:
        reduction = bound.get("reduction")
        problems = []
        if bound.get("weight") is not None and not _is_none(ctx, bound["weight"]):
            problems.append("weight")
        if bound.get("ignore_index") is not None and ctx.code(bound["ignore_index"]).strip() != "-100":
            problems.append("ignore_index")
        if reduction is not None and _string(ctx, reduction) not in ("mean", "sum"):
            problems.append("reduction other than 'mean'/'sum'")
        if problems:
            ctx.error(
                call,
                rule.torch,
                f"label_smoothing with {', '.join(problems)}: Paddle's label smoothing gives different"
                " results there; left unchanged",
            )
            return None
    return ctx.rewrite(call, _derive(rule))


@handler("multi_margin_loss")
def multi_margin_loss(ctx: TranslateContext, call: cst.Call, rule: ApiRule) -> cst.BaseExpression | None:
    """MultiMarginLoss: Paddle 2.6 squares the class weight too when ``p=2`` (fixed in 3.0)."""
    bound = ctx.bind(call, rule)
    if bound is None:
        return None
    weight, p = bound.get("weight"), bound.get("p")
    if weight is not None and not _is_none(ctx, weight) and p is not None and ctx.code(p).strip() != "1":
        ctx.error(call, rule.torch, "p=2 with weight: Paddle 2.6 applies the weight before squaring; left unchanged")
        return None
    return ctx.rewrite(call, _derive(rule))


@handler("bce_with_logits_loss")
def bce_with_logits_loss(ctx: TranslateContext, call: cst.Call, rule: ApiRule) -> cst.BaseExpression | None:
    """BCEWithLogitsLoss: translated as is; ``pos_weight`` gets a warning (Paddle 2.6 differs)."""
    bound = ctx.bind(call, rule)
    if bound is None:
        return None
    pos_weight = bound.get("pos_weight")
    if pos_weight is not None and not _is_none(ctx, pos_weight):
        ctx.warn(call, rule.torch, "pos_weight: Paddle >= 3.0 computes torch's loss; Paddle 2.6 computes a different one")
    return ctx.rewrite(call, _derive(rule))


# ------------------------------------------------------------------------- containers ------
@handler("sequential")
def sequential(ctx: TranslateContext, call: cst.Call, rule: ApiRule) -> cst.BaseExpression | None:
    """Sequential: Paddle 2.6 takes ``(name, layer)`` pairs, not an OrderedDict:
    ``nn.Sequential(OrderedDict(...))`` -> ``nn.Sequential(*OrderedDict(...).items())``."""
    args = list(call.args)
    if len(args) == 1 and args[0].keyword is None and not args[0].star and _is_ordered_dict(ctx, args[0].value):
        items = cst.Call(func=cst.Attribute(value=args[0].value, attr=cst.Name("items")))
        return call.with_changes(func=ctx.ref(rule.paddle or "paddle.nn.Sequential"), args=[args[0].with_changes(value=items, star="*")])
    return ctx.rewrite(call, _derive(rule))


def _is_ordered_dict(ctx: TranslateContext, value: cst.BaseExpression) -> bool:
    if isinstance(value, cst.Dict):
        return True
    if isinstance(value, cst.Call):
        name = ctx.code(value.func).strip()
        return name in ("OrderedDict", "collections.OrderedDict", "dict")
    return False


@handler("parameter")
def parameter(ctx: TranslateContext, call: cst.Call, rule: ApiRule) -> cst.BaseExpression | None:
    """``nn.Parameter(data, requires_grad)`` -> ``as_parameter(data, requires_grad)``, a support
    function around ``paddle.create_parameter``; as a type (``isinstance``) it is Paddle's
    parameter class, the rule's ``paddle`` target."""
    bound = ctx.bind(call, rule)
    if bound is None:
        return None
    if "data" not in bound or _is_none(ctx, bound["data"]):
        ctx.error(call, rule.torch, "a parameter without data has no Paddle equivalent; left unchanged")
        return None
    args = [cst.Arg(bound["data"])]
    grad = bound.get("requires_grad")
    if grad is not None and ctx.code(grad).strip() != "True":
        args.append(cst.Arg(grad, keyword=cst.Name("requires_grad"), equal=_EQ))
    return cst.Call(func=cst.Name(ctx.support("as_parameter")), args=_commas(args))


_EQ = cst.AssignEqual(whitespace_before=cst.SimpleWhitespace(""), whitespace_after=cst.SimpleWhitespace(""))


def _commas(args: list[cst.Arg]) -> list[cst.Arg]:
    out = []
    for i, a in enumerate(args):
        comma = cst.MaybeSentinel.DEFAULT if i == len(args) - 1 else cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))
        out.append(a.with_changes(comma=comma))
    return out


# ------------------------------------------------------------------------- support code ----
def _snippet(name: str, code: str, *, imports: tuple[str, ...] = (), deps: tuple[str, ...] = ()) -> None:
    if name in support_code.SNIPPETS:
        raise ValueError(f"support snippet {name!r} defined twice")
    support_code.SNIPPETS[name] = support_code.Snippet(code=code.strip("\n") + "\n", imports=imports, deps=deps, paddle=True)


_snippet(
    "TorchSoftmin",
    '''
class TorchSoftmin(paddle.nn.Layer):
    """torch.nn.Softmin: softmax of the negated input along ``axis``."""

    def __init__(self, axis: int) -> None:
        super().__init__()
        self.axis = axis

    def forward(self, x: "paddle.Tensor") -> "paddle.Tensor":
        return paddle.nn.functional.softmax(-x, axis=self.axis)
''',
)


_snippet(
    "as_parameter",
    '''
def as_parameter(data: "paddle.Tensor", requires_grad: bool = True) -> "paddle.Tensor":
    """torch.nn.Parameter(data, requires_grad): a Paddle parameter holding a copy of ``data``."""
    param = paddle.create_parameter(
        shape=data.shape, dtype=data.dtype, default_initializer=paddle.nn.initializer.Assign(data)
    )
    param.stop_gradient = not requires_grad
    return param
''',
)


_snippet(
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

_snippet(
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

_snippet(
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

_snippet(
    "TorchMultiheadAttention",
    '''
class TorchMultiheadAttention(paddle.nn.Layer):
    """torch.nn.MultiheadAttention in Paddle, with torch's arguments, parameter names and layouts
    (``in_proj_weight`` is (3 * embed_dim, embed_dim), ``out_proj`` a Linear), torch's results
    ``(output, weights or None)`` and masks: inputs are (L, N, E) unless ``batch_first=True``;
    boolean masks are True where attention is *not* allowed, float masks are added."""

    def __init__(self, embed_dim: int, num_heads: int, dropout: float = 0.0, bias: bool = True,
                 add_bias_kv: bool = False, add_zero_attn: bool = False, kdim: "int | None" = None,
                 vdim: "int | None" = None, batch_first: bool = False) -> None:
        super().__init__()
        if add_bias_kv or add_zero_attn:
            raise NotImplementedError("add_bias_kv and add_zero_attn are not supported")
        if embed_dim % num_heads:
            raise ValueError("embed_dim must be divisible by num_heads")
        self.embed_dim, self.num_heads, self.dropout, self.batch_first = embed_dim, num_heads, dropout, batch_first
        self.kdim = kdim if kdim is not None else embed_dim
        self.vdim = vdim if vdim is not None else embed_dim
        self.head_dim = embed_dim // num_heads
        self._qkv_same_embed_dim = self.kdim == embed_dim and self.vdim == embed_dim
        xavier = paddle.nn.initializer.XavierUniform()
        if self._qkv_same_embed_dim:
            self.in_proj_weight = self.create_parameter([3 * embed_dim, embed_dim], default_initializer=xavier)
        else:
            self.q_proj_weight = self.create_parameter([embed_dim, embed_dim], default_initializer=xavier)
            self.k_proj_weight = self.create_parameter([embed_dim, self.kdim], default_initializer=xavier)
            self.v_proj_weight = self.create_parameter([embed_dim, self.vdim], default_initializer=xavier)
        zero = paddle.nn.initializer.Constant(0.0)
        self.in_proj_bias = self.create_parameter([3 * embed_dim], is_bias=True, default_initializer=zero) if bias else None
        self.out_proj = paddle.nn.Linear(embed_dim, embed_dim, bias_attr=paddle.ParamAttr(initializer=zero) if bias else False)

    def forward(self, query: "paddle.Tensor", key: "paddle.Tensor", value: "paddle.Tensor",
                key_padding_mask: "paddle.Tensor | None" = None, need_weights: bool = True,
                attn_mask: "paddle.Tensor | None" = None, average_attn_weights: bool = True,
                is_causal: bool = False) -> tuple:
        unbatched = query.ndim == 2
        if unbatched:
            query, key, value = query.unsqueeze(1), key.unsqueeze(1), value.unsqueeze(1)
            if key_padding_mask is not None:
                key_padding_mask = key_padding_mask.unsqueeze(0)
        elif self.batch_first:
            query, key, value = (t.transpose([1, 0, 2]) for t in (query, key, value))
        tgt_len, bsz, _ = query.shape
        src_len = key.shape[0]
        if self._qkv_same_embed_dim:
            w_q, w_k, w_v = paddle.split(self.in_proj_weight, 3, axis=0)
        else:
            w_q, w_k, w_v = self.q_proj_weight, self.k_proj_weight, self.v_proj_weight
        b_q = b_k = b_v = None
        if self.in_proj_bias is not None:
            b_q, b_k, b_v = paddle.split(self.in_proj_bias, 3, axis=0)
        heads = bsz * self.num_heads

        def project(x, w, b, length):
            y = paddle.matmul(x, w, transpose_y=True)
            if b is not None:
                y = y + b
            return y.reshape([length, heads, self.head_dim]).transpose([1, 0, 2])

        q = project(query, w_q, b_q, tgt_len)
        k = project(key, w_k, b_k, src_len)
        v = project(value, w_v, b_v, src_len)
        scores = paddle.matmul(q, k, transpose_y=True) / math.sqrt(self.head_dim)
        if attn_mask is None and is_causal:
            attn_mask = paddle.triu(paddle.ones([tgt_len, src_len]), diagonal=1).astype("bool")
        if attn_mask is not None:
            mask = _torch_additive_mask(attn_mask, scores.dtype)
            scores = scores + (mask.unsqueeze(0) if mask.ndim == 2 else mask)
        if key_padding_mask is not None:
            mask = _torch_additive_mask(key_padding_mask, scores.dtype)
            mask = mask.reshape([bsz, 1, 1, src_len]).expand([bsz, self.num_heads, 1, src_len])
            scores = scores + mask.reshape([heads, 1, src_len])
        weights = paddle.nn.functional.softmax(scores, axis=-1)
        if self.training and self.dropout > 0:
            weights = paddle.nn.functional.dropout(weights, p=self.dropout)
        out = paddle.matmul(weights, v).transpose([1, 0, 2]).reshape([tgt_len, bsz, self.embed_dim])
        out = self.out_proj(out)
        if unbatched:
            out = out.squeeze(1)
        elif self.batch_first:
            out = out.transpose([1, 0, 2])
        if not need_weights:
            return out, None
        weights = weights.reshape([bsz, self.num_heads, tgt_len, src_len])
        if average_attn_weights:
            weights = weights.mean(axis=1)
        if unbatched:
            weights = weights.squeeze(0)
        return out, weights
''',
    imports=("import math",),
    deps=("_torch_additive_mask",),
)

_snippet(
    "_torch_additive_mask",
    '''
def _torch_additive_mask(mask: "paddle.Tensor", dtype: "paddle.dtype") -> "paddle.Tensor":
    """A torch attention mask as a float mask to add: boolean True (not allowed) -> -inf."""
    if mask.dtype == paddle.bool:
        return paddle.where(mask, paddle.full(mask.shape, float("-inf"), dtype), paddle.zeros(mask.shape, dtype))
    return mask.astype(dtype)
''',
)

_snippet(
    "_torch_activation",
    '''
def _torch_activation(activation: "str | Callable[..., Any]") -> "Callable[..., Any]":
    """A Transformer layer's activation: "relu", "gelu" or a callable."""
    if isinstance(activation, str):
        return {"relu": paddle.nn.functional.relu, "gelu": paddle.nn.functional.gelu}[activation]
    return activation
''',
    imports=("from typing import Any, Callable",),
)

_snippet(
    "TorchTransformerEncoderLayer",
    '''
class TorchTransformerEncoderLayer(paddle.nn.Layer):
    """torch.nn.TransformerEncoderLayer in Paddle: torch's arguments, sublayer names
    (``self_attn``, ``linear1``, ``linear2``, ``norm1``, ``norm2``), masks and (L, N, E) layout
    unless ``batch_first=True``."""

    def __init__(self, d_model: int, nhead: int, dim_feedforward: int = 2048, dropout: float = 0.1,
                 activation: Any = "relu", layer_norm_eps: float = 1e-05, batch_first: bool = False,
                 norm_first: bool = False, bias: bool = True) -> None:
        super().__init__()
        no_bias = None if bias else False
        self.self_attn = TorchMultiheadAttention(d_model, nhead, dropout=dropout, bias=bias, batch_first=batch_first)
        self.linear1 = paddle.nn.Linear(d_model, dim_feedforward, bias_attr=no_bias)
        self.dropout = paddle.nn.Dropout(dropout)
        self.linear2 = paddle.nn.Linear(dim_feedforward, d_model, bias_attr=no_bias)
        self.norm_first = norm_first
        self.norm1 = paddle.nn.LayerNorm(d_model, epsilon=layer_norm_eps, bias_attr=no_bias)
        self.norm2 = paddle.nn.LayerNorm(d_model, epsilon=layer_norm_eps, bias_attr=no_bias)
        self.dropout1 = paddle.nn.Dropout(dropout)
        self.dropout2 = paddle.nn.Dropout(dropout)
        self.activation = _torch_activation(activation)

    def forward(self, src: "paddle.Tensor", src_mask: "paddle.Tensor | None" = None,
                src_key_padding_mask: "paddle.Tensor | None" = None, is_causal: bool = False) -> "paddle.Tensor":
        x = src
        if self.norm_first:
            x = x + self._sa_block(self.norm1(x), src_mask, src_key_padding_mask, is_causal)
            x = x + self._ff_block(self.norm2(x))
        else:
            x = self.norm1(x + self._sa_block(x, src_mask, src_key_padding_mask, is_causal))
            x = self.norm2(x + self._ff_block(x))
        return x

    def _sa_block(self, x, attn_mask, key_padding_mask, is_causal):
        x = self.self_attn(x, x, x, attn_mask=attn_mask, key_padding_mask=key_padding_mask,
                           need_weights=False, is_causal=is_causal)[0]
        return self.dropout1(x)

    def _ff_block(self, x):
        return self.dropout2(self.linear2(self.dropout(self.activation(self.linear1(x)))))
''',
    imports=("from typing import Any",),
    deps=("TorchMultiheadAttention", "_torch_activation"),
)

_snippet(
    "TorchTransformerDecoderLayer",
    '''
class TorchTransformerDecoderLayer(paddle.nn.Layer):
    """torch.nn.TransformerDecoderLayer in Paddle: torch's arguments, sublayer names
    (``self_attn``, ``multihead_attn``, ``linear1``, ``linear2``, ``norm1``..``norm3``), masks
    and (L, N, E) layout unless ``batch_first=True``."""

    def __init__(self, d_model: int, nhead: int, dim_feedforward: int = 2048, dropout: float = 0.1,
                 activation: Any = "relu", layer_norm_eps: float = 1e-05, batch_first: bool = False,
                 norm_first: bool = False, bias: bool = True) -> None:
        super().__init__()
        no_bias = None if bias else False
        self.self_attn = TorchMultiheadAttention(d_model, nhead, dropout=dropout, bias=bias, batch_first=batch_first)
        self.multihead_attn = TorchMultiheadAttention(d_model, nhead, dropout=dropout, bias=bias, batch_first=batch_first)
        self.linear1 = paddle.nn.Linear(d_model, dim_feedforward, bias_attr=no_bias)
        self.dropout = paddle.nn.Dropout(dropout)
        self.linear2 = paddle.nn.Linear(dim_feedforward, d_model, bias_attr=no_bias)
        self.norm_first = norm_first
        self.norm1 = paddle.nn.LayerNorm(d_model, epsilon=layer_norm_eps, bias_attr=no_bias)
        self.norm2 = paddle.nn.LayerNorm(d_model, epsilon=layer_norm_eps, bias_attr=no_bias)
        self.norm3 = paddle.nn.LayerNorm(d_model, epsilon=layer_norm_eps, bias_attr=no_bias)
        self.dropout1 = paddle.nn.Dropout(dropout)
        self.dropout2 = paddle.nn.Dropout(dropout)
        self.dropout3 = paddle.nn.Dropout(dropout)
        self.activation = _torch_activation(activation)

    def forward(self, tgt: "paddle.Tensor", memory: "paddle.Tensor", tgt_mask: "paddle.Tensor | None" = None,
                memory_mask: "paddle.Tensor | None" = None, tgt_key_padding_mask: "paddle.Tensor | None" = None,
                memory_key_padding_mask: "paddle.Tensor | None" = None, tgt_is_causal: bool = False,
                memory_is_causal: bool = False) -> "paddle.Tensor":
        x = tgt
        if self.norm_first:
            x = x + self._sa_block(self.norm1(x), tgt_mask, tgt_key_padding_mask, tgt_is_causal)
            x = x + self._mha_block(self.norm2(x), memory, memory_mask, memory_key_padding_mask, memory_is_causal)
            x = x + self._ff_block(self.norm3(x))
        else:
            x = self.norm1(x + self._sa_block(x, tgt_mask, tgt_key_padding_mask, tgt_is_causal))
            x = self.norm2(x + self._mha_block(x, memory, memory_mask, memory_key_padding_mask, memory_is_causal))
            x = self.norm3(x + self._ff_block(x))
        return x

    def _sa_block(self, x, attn_mask, key_padding_mask, is_causal):
        x = self.self_attn(x, x, x, attn_mask=attn_mask, key_padding_mask=key_padding_mask,
                           need_weights=False, is_causal=bool(is_causal))[0]
        return self.dropout1(x)

    def _mha_block(self, x, mem, attn_mask, key_padding_mask, is_causal):
        x = self.multihead_attn(x, mem, mem, attn_mask=attn_mask, key_padding_mask=key_padding_mask,
                                need_weights=False, is_causal=bool(is_causal))[0]
        return self.dropout2(x)

    def _ff_block(self, x):
        return self.dropout3(self.linear2(self.dropout(self.activation(self.linear1(x)))))
''',
    imports=("from typing import Any",),
    deps=("TorchMultiheadAttention", "_torch_activation"),
)

_snippet(
    "TorchTransformerEncoder",
    '''
class TorchTransformerEncoder(paddle.nn.Layer):
    """torch.nn.TransformerEncoder in Paddle: ``num_layers`` deep copies of ``encoder_layer``
    (as torch makes them) in ``layers``, then the optional ``norm``."""

    def __init__(self, encoder_layer: paddle.nn.Layer, num_layers: int, norm: "paddle.nn.Layer | None" = None,
                 enable_nested_tensor: bool = True, mask_check: bool = True) -> None:
        super().__init__()
        self.layers = paddle.nn.LayerList([copy.deepcopy(encoder_layer) for _ in range(num_layers)])
        self.num_layers = num_layers
        self.norm = norm

    def forward(self, src: "paddle.Tensor", mask: "paddle.Tensor | None" = None,
                src_key_padding_mask: "paddle.Tensor | None" = None, is_causal: "bool | None" = None) -> "paddle.Tensor":
        output = src
        for layer in self.layers:
            output = layer(output, src_mask=mask, src_key_padding_mask=src_key_padding_mask, is_causal=bool(is_causal))
        if self.norm is not None:
            output = self.norm(output)
        return output
''',
    imports=("import copy",),
)

_snippet(
    "TorchTransformerDecoder",
    '''
class TorchTransformerDecoder(paddle.nn.Layer):
    """torch.nn.TransformerDecoder in Paddle: ``num_layers`` deep copies of ``decoder_layer``
    (as torch makes them) in ``layers``, then the optional ``norm``."""

    def __init__(self, decoder_layer: paddle.nn.Layer, num_layers: int, norm: "paddle.nn.Layer | None" = None) -> None:
        super().__init__()
        self.layers = paddle.nn.LayerList([copy.deepcopy(decoder_layer) for _ in range(num_layers)])
        self.num_layers = num_layers
        self.norm = norm

    def forward(self, tgt: "paddle.Tensor", memory: "paddle.Tensor", tgt_mask: "paddle.Tensor | None" = None,
                memory_mask: "paddle.Tensor | None" = None, tgt_key_padding_mask: "paddle.Tensor | None" = None,
                memory_key_padding_mask: "paddle.Tensor | None" = None, tgt_is_causal: "bool | None" = None,
                memory_is_causal: bool = False) -> "paddle.Tensor":
        output = tgt
        for layer in self.layers:
            output = layer(output, memory, tgt_mask=tgt_mask, memory_mask=memory_mask,
                           tgt_key_padding_mask=tgt_key_padding_mask,
                           memory_key_padding_mask=memory_key_padding_mask,
                           tgt_is_causal=bool(tgt_is_causal), memory_is_causal=memory_is_causal)
        if self.norm is not None:
            output = self.norm(output)
        return output
''',
    imports=("import copy",),
)

_snippet(
    "TorchTransformer",
    '''
class TorchTransformer(paddle.nn.Layer):
    """torch.nn.Transformer in Paddle: torch's arguments, sublayer names (``encoder``,
    ``decoder``), masks and (S, N, E) layout unless ``batch_first=True``; parameters with more
    than one dimension start Xavier-uniform, as in torch."""

    def __init__(self, d_model: int = 512, nhead: int = 8, num_encoder_layers: int = 6,
                 num_decoder_layers: int = 6, dim_feedforward: int = 2048, dropout: float = 0.1,
                 activation: Any = "relu", custom_encoder: "paddle.nn.Layer | None" = None,
                 custom_decoder: "paddle.nn.Layer | None" = None, layer_norm_eps: float = 1e-05,
                 batch_first: bool = False, norm_first: bool = False, bias: bool = True) -> None:
        super().__init__()
        no_bias = None if bias else False
        if custom_encoder is not None:
            self.encoder = custom_encoder
        else:
            layer = TorchTransformerEncoderLayer(d_model, nhead, dim_feedforward, dropout, activation,
                                                 layer_norm_eps, batch_first, norm_first, bias)
            norm = paddle.nn.LayerNorm(d_model, epsilon=layer_norm_eps, bias_attr=no_bias)
            self.encoder = TorchTransformerEncoder(layer, num_encoder_layers, norm)
        if custom_decoder is not None:
            self.decoder = custom_decoder
        else:
            layer = TorchTransformerDecoderLayer(d_model, nhead, dim_feedforward, dropout, activation,
                                                 layer_norm_eps, batch_first, norm_first, bias)
            norm = paddle.nn.LayerNorm(d_model, epsilon=layer_norm_eps, bias_attr=no_bias)
            self.decoder = TorchTransformerDecoder(layer, num_decoder_layers, norm)
        for p in self.parameters():
            if p.ndim > 1:
                paddle.nn.initializer.XavierUniform()(p)
        self.d_model, self.nhead, self.batch_first = d_model, nhead, batch_first

    def forward(self, src: "paddle.Tensor", tgt: "paddle.Tensor", src_mask: "paddle.Tensor | None" = None,
                tgt_mask: "paddle.Tensor | None" = None, memory_mask: "paddle.Tensor | None" = None,
                src_key_padding_mask: "paddle.Tensor | None" = None,
                tgt_key_padding_mask: "paddle.Tensor | None" = None,
                memory_key_padding_mask: "paddle.Tensor | None" = None, src_is_causal: "bool | None" = None,
                tgt_is_causal: "bool | None" = None, memory_is_causal: bool = False) -> "paddle.Tensor":
        memory = self.encoder(src, mask=src_mask, src_key_padding_mask=src_key_padding_mask, is_causal=src_is_causal)
        return self.decoder(tgt, memory, tgt_mask=tgt_mask, memory_mask=memory_mask,
                            tgt_key_padding_mask=tgt_key_padding_mask,
                            memory_key_padding_mask=memory_key_padding_mask,
                            tgt_is_causal=tgt_is_causal, memory_is_causal=memory_is_causal)

    @staticmethod
    def generate_square_subsequent_mask(sz: int, device: Any = None, dtype: Any = None) -> "paddle.Tensor":
        """A float mask with -inf above the diagonal and 0 elsewhere, as torch's."""
        return paddle.triu(paddle.full([sz, sz], float("-inf"), dtype=dtype or "float32"), diagonal=1)
''',
    imports=("from typing import Any",),
    deps=("TorchTransformerEncoderLayer", "TorchTransformerDecoderLayer", "TorchTransformerEncoder", "TorchTransformerDecoder"),
)

_snippet(
    "_torch_trunc_normal_",
    '''
def _torch_trunc_normal_(tensor: "paddle.Tensor", mean: float = 0.0, std: float = 1.0, a: float = -2.0,
                         b: float = 2.0) -> "paddle.Tensor":
    """torch.nn.init.trunc_normal_: N(mean, std) truncated to the absolute bounds [a, b], sampled
    by the inverse CDF as torch does (Paddle 2.6's TruncatedNormal cuts at mean +- 2 std)."""
    lo = (1.0 + math.erf((a - mean) / (std * math.sqrt(2.0)))) / 2.0
    hi = (1.0 + math.erf((b - mean) / (std * math.sqrt(2.0)))) / 2.0
    with paddle.no_grad():
        u = paddle.uniform(tensor.shape, dtype=tensor.dtype, min=2 * lo - 1, max=2 * hi - 1)
        value = paddle.erfinv(u) * (std * math.sqrt(2.0)) + mean
        tensor.set_value(paddle.clip(value, min=a, max=b))
    return tensor
''',
    imports=("import math",),
)
