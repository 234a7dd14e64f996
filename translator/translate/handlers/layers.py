"""``torch.nn`` layers whose arguments the rule table's data cannot map one to one.

Each handler settles the arguments that need a decision (``affine=False`` becomes two Paddle
arguments, ``batch_first`` flips into ``time_major``, ``count_include_pad`` into ``exclusive``)
and hands the rest back to the table's data with :meth:`TranslateContext.rewrite`.  A flag
that changes what Paddle code to write must be a literal ``True``/``False`` (or be omitted);
anything else is reported and the call is left unchanged.

Recurrent layers are in ``recurrent``; the support layers for attention and Transformers in
``transformer``.
"""

from __future__ import annotations

import dataclasses

import libcst as cst

from ...rules import ApiRule
from ..registry import Refusal, TranslateContext, handler
from ._common import (
    Outcome, flag_values, float_literal, kw, literal_is, plain_rule, refuse, refused, separated, snippet, string_literal,
)


# ------------------------------------------------------------------------- normalization ----

def _paddle_has(rule: ApiRule, name: str) -> bool:
    return any(p.name == name for p in rule.paddle_params or ())


@handler("batch_norm")
def batch_norm(ctx: TranslateContext, call: cst.Call, rule: ApiRule) -> Outcome:
    """BatchNorm*d: ``affine=False`` -> ``weight_attr=False, bias_attr=False``;
    ``track_running_stats=False`` -> ``use_global_stats=False`` (batch statistics in eval too)."""
    bound = ctx.bind(call, rule)
    if refused(bound):
        return bound
    if literal_is(bound.get("momentum"), "None"):
        return refuse(Refusal.UNSUPPORTED_ARGUMENT, "momentum=None (a cumulative moving average) has no Paddle equivalent; left unchanged")
    flags = flag_values(ctx, call, rule, bound, affine=True, bias=True, track_running_stats=True)
    if refused(flags):
        return flags
    affine, bias, track = flags["affine"], flags["bias"], flags["track_running_stats"]
    extra: dict[str, str] = {}
    if not affine:
        extra.update(weight_attr="False", bias_attr="False")
    elif not bias:
        extra["bias_attr"] = "False"
    if not track:
        if not _paddle_has(rule, "use_global_stats"):
            return refuse(Refusal.UNSUPPORTED_ARGUMENT, f"track_running_stats=False: {rule.paddle} always keeps running statistics; left unchanged")
        extra["use_global_stats"] = "False"
    return ctx.rewrite(call, plain_rule(rule, *("affine", "bias", "track_running_stats"), extra={**rule.extra, **extra}))


@handler("instance_norm")
def instance_norm(ctx: TranslateContext, call: cst.Call, rule: ApiRule) -> Outcome:
    """InstanceNorm*d: torch defaults to ``affine=False``, Paddle to a learnable scale and bias."""
    bound = ctx.bind(call, rule)
    if refused(bound):
        return bound
    flags = flag_values(ctx, call, rule, bound, affine=False, bias=True, track_running_stats=False)
    if refused(flags):
        return flags
    affine, bias, track = flags["affine"], flags["bias"], flags["track_running_stats"]
    if track:
        return refuse(
            Refusal.UNSUPPORTED_ARGUMENT,
            "track_running_stats=True: Paddle's InstanceNorm always normalizes with the statistics of each"
            " sample (no running averages in eval mode); left unchanged",
        )
    if affine and not bias:
        return refuse(Refusal.UNSUPPORTED_ARGUMENT, "affine=True, bias=False: Paddle's InstanceNorm has both scale and bias or neither; left unchanged")
    extra = {} if affine else {"weight_attr": "False", "bias_attr": "False"}
    return ctx.rewrite(call, plain_rule(rule, *("affine", "bias", "track_running_stats", "momentum"), extra={**rule.extra, **extra}))


@handler("layer_norm")
def layer_norm(ctx: TranslateContext, call: cst.Call, rule: ApiRule) -> Outcome:
    """LayerNorm: ``elementwise_affine=False`` -> no weight and no bias; ``bias=False`` -> no bias."""
    bound = ctx.bind(call, rule)
    if refused(bound):
        return bound
    flags = flag_values(ctx, call, rule, bound, elementwise_affine=True, bias=True)
    if refused(flags):
        return flags
    affine, bias = flags["elementwise_affine"], flags["bias"]
    extra: dict[str, str] = {}
    if not affine:
        extra.update(weight_attr="False", bias_attr="False")
    elif not bias:
        extra["bias_attr"] = "False"
    return ctx.rewrite(call, plain_rule(rule, *("elementwise_affine", "bias"), extra={**rule.extra, **extra}))


@handler("group_norm")
def group_norm(ctx: TranslateContext, call: cst.Call, rule: ApiRule) -> Outcome:
    """GroupNorm: ``affine=False`` -> ``weight_attr=False, bias_attr=False``."""
    bound = ctx.bind(call, rule)
    if refused(bound):
        return bound
    flags = flag_values(ctx, call, rule, bound, affine=True, bias=True)
    if refused(flags):
        return flags
    affine, bias = flags["affine"], flags["bias"]
    extra: dict[str, str] = {}
    if not affine:
        extra.update(weight_attr="False", bias_attr="False")
    elif not bias:
        extra["bias_attr"] = "False"
    return ctx.rewrite(call, plain_rule(rule, *("affine", "bias"), extra={**rule.extra, **extra}))


# -------------------------------------------------------------------------- convolutions ----

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
def conv(ctx: TranslateContext, call: cst.Call, rule: ApiRule) -> Outcome:
    """Conv*d: ``padding="same"`` with a dilation is written as explicit padding, because
    Paddle's "same" pads for the undilated kernel (torch pads ``dilation * (k - 1)``); with
    ``--torch-init``, wrapped in ``_torch_init(...)``."""
    return with_torch_init(ctx, _conv(ctx, call, rule))


def _conv(ctx: TranslateContext, call: cst.Call, rule: ApiRule) -> Outcome:
    if any(arg.star for arg in call.args):
        return ctx.rewrite(call, plain_rule(rule))  # the data rewrite warns about what it cannot see
    bound = ctx.bind(call, rule)
    if refused(bound):
        return bound
    n = 3 if rule.name.endswith("3d") else 2 if rule.name.endswith("2d") else 1
    if n > 1:
        call = _one_element_sizes(ctx, call, [bound[k] for k in _SIZES if k in bound])
    padding, dilation = bound.get("padding"), bound.get("dilation")
    if string_literal(padding) != "same" or dilation is None or ctx.code(dilation).strip() == "1":
        return ctx.rewrite(call, plain_rule(rule))
    kernel = _int_tuple(bound.get("kernel_size"), n, 1)
    dil = _int_tuple(dilation, n, 1)
    totals = None if kernel is None or dil is None else [d * (k - 1) for k, d in zip(kernel, dil)]
    if totals is None or any(t % 2 for t in totals):
        return refuse(
            Refusal.UNSUPPORTED_ARGUMENT,
            "padding='same' with dilation: Paddle's 'same' ignores the dilation; write the padding"
            " explicitly (needs literal kernel_size and dilation with an even total); left unchanged",
        )
    pads = [str(t // 2) for t in totals]
    new = pads[0] if len(set(pads)) == 1 else "(" + ", ".join(pads) + ")"
    args = []
    for arg in call.args:
        if arg.value is padding:
            arg = arg.with_changes(value=cst.parse_expression(new))
        args.append(arg)
    return ctx.rewrite(call.with_changes(args=args), plain_rule(rule))


_SIZES = ("stride", "padding", "dilation")  # torch reads a one-element sequence as every dimension


def _one_element_sizes(ctx: TranslateContext, call: cst.Call, values: list[cst.BaseExpression]) -> cst.Call:
    """torch's Conv2d/Conv3d take ``stride=[2]`` (or ``(1,)``, a padding or dilation so) for every
    dimension; Paddle's raise on a sequence of one.  A literal one is written as its element;
    in an adapter (the value known only at run time) each is passed through
    ``_torch_one_size``."""
    args = []
    for arg in call.args:
        value = arg.value
        if any(value is v for v in values):
            if isinstance(value, (cst.List, cst.Tuple)) and len(value.elements) == 1 \
                    and isinstance(value.elements[0], cst.Element):
                arg = arg.with_changes(value=value.elements[0].value)
            elif ctx.in_adapter and isinstance(value, cst.Name):
                arg = arg.with_changes(value=cst.Call(cst.Name(ctx.support("_torch_one_size")), [cst.Arg(value)]))
        args.append(arg)
    return call.with_changes(args=args)


snippet(
    "_torch_one_size",
    '''
def _torch_one_size(value):
    """A conv's stride, padding or dilation as torch reads it: a list or tuple of
    one value stands for every dimension (Paddle's conv layers raise on it)."""
    if isinstance(value, (list, tuple)) and len(value) == 1:
        return value[0]
    return value
''',
    paddle=False,
)


# ------------------------------------------------------------------------------- pooling ----

@handler("avg_pool")
def avg_pool(ctx: TranslateContext, call: cst.Call, rule: ApiRule) -> Outcome:
    """AvgPool*d: ``count_include_pad=c`` -> ``exclusive=not c``; torch's default (True) is written
    as ``exclusive=False`` because Paddle's default is the opposite."""
    bound = ctx.bind(call, rule)
    if refused(bound):
        return bound
    value = bound.get("count_include_pad")
    text = ctx.code(value).strip() if value is not None else "True"
    if text == "True":
        extra = {"exclusive": "False"}
    elif text == "False":
        extra = {}
    else:
        extra = {"exclusive": f"not ({text})"}
    return ctx.rewrite(call, plain_rule(rule, *("count_include_pad",), extra={**rule.extra, **extra}))


# --------------------------------------------------------------------------- activations ----

@handler("gelu")
def gelu(ctx: TranslateContext, call: cst.Call, rule: ApiRule) -> Outcome:
    """GELU: ``approximate="tanh"`` -> ``approximate=True`` (Paddle 2.6 takes a bool)."""
    bound = ctx.bind(call, rule)
    if refused(bound):
        return bound
    value = bound.get("approximate")
    extra: dict[str, str] = {}
    if value is not None:
        text = string_literal(value)
        if text == "tanh":
            extra["approximate"] = "True"
        elif text is None:
            extra["approximate"] = f"({ctx.code(value)}) == 'tanh'"
        elif text != "none":
            return refuse(Refusal.UNSUPPORTED_ARGUMENT, f"approximate={text!r} is not one of 'none', 'tanh'; left unchanged")
    return ctx.rewrite(call, plain_rule(rule, *("approximate",), extra={**rule.extra, **extra}))


@handler("softmax_dim")
def softmax_dim(ctx: TranslateContext, call: cst.Call, rule: ApiRule) -> Outcome:
    """Softmax/LogSoftmax/Softmin: ``dim`` -> ``axis``; an omitted ``dim`` is refused.

    Without ``dim`` torch picks the axis from the input's rank at call time (0 for 0-, 1- and
    3-d inputs, else 1; deprecated), Paddle always uses the last axis.
    """
    bound = ctx.bind(call, rule)
    if refused(bound):
        return bound
    dim = bound.get("dim")
    if dim is None or literal_is(dim, "None"):
        return refuse(
            Refusal.UNSUPPORTED_USE,
            "no dim: torch picks the axis from the input's rank (deprecated), Paddle uses the last"
            " axis; pass dim= explicitly; left unchanged",
        )
    if rule.support is not None:
        ctx.support(rule.support)
    return ctx.rewrite(call, plain_rule(rule))


@handler("threshold")
def threshold(ctx: TranslateContext, call: cst.Call, rule: ApiRule) -> Outcome:
    """Threshold(t, 0) -> ThresholdedReLU(t); another value is passed on for a Paddle that takes
    it (the rule's ``since``: Paddle 2.6 cannot replace by another value)."""
    bound = ctx.bind(call, rule)
    if refused(bound):
        return bound
    value = bound.get("value")
    if float_literal(value) == 0.0 or "value" not in rule.unsupported:
        return ctx.rewrite(call, plain_rule(rule, *(("value",) if float_literal(value) == 0.0 else ())))
    text = ctx.code(value).strip() if value is not None else ""
    return refuse(Refusal.UNSUPPORTED_ARGUMENT, f"value={text}: {rule.unsupported['value']}; left unchanged")


# ---------------------------------------------------------------------------- resampling ----

_RANK_FORMATS = {1: "NCW", 2: "NCHW", 3: "NCDHW"}
_MODE_FORMATS = {"linear": "NCW", "bilinear": "NCHW", "bicubic": "NCHW", "trilinear": "NCDHW"}


@handler("upsample")
def upsample(ctx: TranslateContext, call: cst.Call, rule: ApiRule) -> Outcome:
    """Upsample: Paddle 2.6 needs ``data_format`` for 3-d and 5-d inputs, taken from the mode
    (``linear``, ``trilinear``) or from the length of a literal ``size``/``scale_factor``."""
    bound = ctx.bind(call, rule)
    if refused(bound):
        return bound
    mode_node = bound.get("mode")
    mode = "nearest" if mode_node is None else string_literal(mode_node)
    if mode_node is not None and mode is None:
        # a mode known only at run time (monai's `mode=interp_mode.value`): torch's signature,
        # the data format taken from the input's rank when it runs
        return cst.Call(cst.Name(ctx.support("TorchUpsample")), call.args)
    consumed = ["align_corners"]
    recompute = bound.get("recompute_scale_factor")
    if recompute is None or ctx.code(recompute).strip() in ("None", "False"):
        consumed.append("recompute_scale_factor")
    elif "recompute_scale_factor" in rule.unsupported:  # a Paddle without it (the rule's `since`)
        why = rule.unsupported["recompute_scale_factor"]
        return refuse(Refusal.UNSUPPORTED_ARGUMENT, f"recompute_scale_factor={ctx.code(recompute)}: {why}; left unchanged")
    if mode not in ("nearest", "linear", "bilinear", "bicubic", "trilinear", "area"):
        return refuse(Refusal.UNSUPPORTED_ARGUMENT, f"mode={mode!r} has no Paddle equivalent; left unchanged")
    extra: dict[str, str] = {}
    align = bound.get("align_corners")
    if align is not None and not literal_is(align, "None"):
        consumed.remove("align_corners")
    fmt = _MODE_FORMATS.get(mode)
    for key in ("size", "scale_factor"):
        value = bound.get(key)
        if isinstance(value, (cst.Tuple, cst.List)) and len(value.elements) in _RANK_FORMATS:
            fmt = _RANK_FORMATS[len(value.elements)]
    if fmt is not None and fmt != "NCHW":
        extra["data_format"] = repr(fmt)
    return ctx.rewrite(call, plain_rule(rule, *tuple(consumed), extra={**rule.extra, **extra}))


snippet(
    "TorchUpsample",
    '''
class TorchUpsample(paddle.nn.Layer):
    """torch's ``nn.Upsample`` with a mode known only at run time: the data format comes
    from the input's rank (Paddle 2.6 needs it for 3-d and 5-d input);
    ``align_corners=None`` is False."""

    def __init__(self, size=None, scale_factor=None, mode="nearest", align_corners=None, recompute_scale_factor=None):
        super().__init__()
        if recompute_scale_factor:
            raise NotImplementedError("recompute_scale_factor=True has no Paddle 2.6 equivalent")
        if mode not in ("nearest", "linear", "bilinear", "bicubic", "trilinear", "area"):
            raise NotImplementedError(f"mode={mode!r} has no Paddle equivalent")
        self.size, self.scale_factor, self.mode, self.align_corners = size, scale_factor, mode, bool(align_corners)

    def forward(self, x):
        if x.ndim == 3 and self.mode == "nearest":  # Paddle's nearest takes 4-d and 5-d input only
            size, scale = self.size, self.scale_factor
            size = None if size is None else [1, *(size if isinstance(size, (list, tuple)) else [size])]
            scale = None if scale is None else [1.0, *(scale if isinstance(scale, (list, tuple)) else [scale])]
            return paddle.nn.functional.interpolate(x.unsqueeze(2), size=size, scale_factor=scale).squeeze(2)
        return paddle.nn.functional.interpolate(
            x, size=self.size, scale_factor=self.scale_factor, mode=self.mode, align_corners=self.align_corners,
            data_format={3: "NCW", 4: "NCHW", 5: "NCDHW"}[x.ndim],
        )
''',
)


# -------------------------------------------------------------------------------- losses ----

@handler("cross_entropy_loss")
def cross_entropy_loss(ctx: TranslateContext, call: cst.Call, rule: ApiRule) -> Outcome:
    """CrossEntropyLoss: Paddle's label smoothing disregards ``weight`` and ``ignore_index`` and
    keeps a trailing axis with ``reduction="none"``, so those combinations are refused."""
    bound = ctx.bind(call, rule)
    if refused(bound):
        return bound
    smoothing = bound.get("label_smoothing")
    amount = float_literal(smoothing) if smoothing is not None else 0.0
    smoothed = amount is None or amount != 0.0
    if smoothed:
        reduction = bound.get("reduction")
        problems = []
        if bound.get("weight") is not None and not literal_is(bound["weight"], "None"):
            problems.append("weight")
        if bound.get("ignore_index") is not None and ctx.code(bound["ignore_index"]).strip() != "-100":
            problems.append("ignore_index")
        if reduction is not None and string_literal(reduction) not in ("mean", "sum"):
            problems.append("reduction other than 'mean'/'sum'")
        if problems:
            return refuse(
                Refusal.UNSUPPORTED_ARGUMENT,
                f"label_smoothing with {', '.join(problems)}: Paddle's label smoothing gives different"
                " results there; left unchanged",
            )
    return ctx.rewrite(call, plain_rule(rule))


@handler("multi_margin_loss")
def multi_margin_loss(ctx: TranslateContext, call: cst.Call, rule: ApiRule) -> Outcome:
    """MultiMarginLoss: Paddle 2.6 squares the class weight too when ``p=2`` (fixed in 3.0), so
    ``p=2`` with a weight is refused for a Paddle older than the rule's ``since`` (``weight``)."""
    bound = ctx.bind(call, rule)
    if refused(bound):
        return bound
    weight, p = bound.get("weight"), bound.get("p")
    weighted = weight is not None and not literal_is(weight, "None")
    if weighted and p is not None and ctx.code(p).strip() != "1" and "weight" in rule.unsupported:
        why = rule.unsupported["weight"]
        return refuse(Refusal.UNSUPPORTED_ARGUMENT, f"p={ctx.code(p)} with weight: {why}; left unchanged")
    rule = dataclasses.replace(rule, unsupported={k: v for k, v in rule.unsupported.items() if k != "weight"})
    return ctx.rewrite(call, plain_rule(rule))


@handler("bce_with_logits_loss")
def bce_with_logits_loss(ctx: TranslateContext, call: cst.Call, rule: ApiRule) -> Outcome:
    """BCEWithLogitsLoss: translated as is; ``pos_weight`` gets a warning when translating for a
    Paddle older than the rule's ``since`` (Paddle 2.6 computes another loss with it)."""
    bound = ctx.bind(call, rule)
    if refused(bound):
        return bound
    pos_weight = bound.get("pos_weight")
    if pos_weight is not None and not literal_is(pos_weight, "None") and "pos_weight" in rule.unsupported:
        ctx.warn(call, rule.torch, f"pos_weight: {rule.unsupported['pos_weight']}")
    others = {k: v for k, v in rule.unsupported.items() if k != "pos_weight"}
    return ctx.rewrite(call, plain_rule(dataclasses.replace(rule, unsupported=others)))


# ------------------------------------------------------------- containers and parameters ----

@handler("sequential")
def sequential(ctx: TranslateContext, call: cst.Call, rule: ApiRule) -> Outcome:
    """Sequential: Paddle 2.6 takes ``(name, layer)`` pairs, not an OrderedDict:
    ``nn.Sequential(OrderedDict(...))`` -> ``nn.Sequential(*OrderedDict(...).items())``."""
    args = list(call.args)
    if len(args) == 1 and args[0].keyword is None and not args[0].star and _is_ordered_dict(ctx, args[0].value):
        items = cst.Call(func=cst.Attribute(value=args[0].value, attr=cst.Name("items")))
        return call.with_changes(func=ctx.ref(rule.paddle or "paddle.nn.Sequential"), args=[args[0].with_changes(value=items, star="*")])
    return ctx.rewrite(call, plain_rule(rule))


def _is_ordered_dict(ctx: TranslateContext, value: cst.BaseExpression) -> bool:
    if isinstance(value, cst.Dict):
        return True
    if isinstance(value, cst.Call):
        name = ctx.code(value.func).strip()
        return name in ("OrderedDict", "collections.OrderedDict", "dict")
    return False


@handler("parameter")
def parameter(ctx: TranslateContext, call: cst.Call, rule: ApiRule) -> Outcome:
    """``nn.Parameter(data, requires_grad)`` -> ``as_parameter(data, requires_grad)``, a support
    function around ``paddle.create_parameter``; as a type (``isinstance``) it is Paddle's
    parameter class, the rule's ``paddle`` target."""
    bound = ctx.bind(call, rule)
    if refused(bound):
        return bound
    if "data" not in bound or literal_is(bound["data"], "None"):
        return refuse(Refusal.UNSUPPORTED_ARGUMENT, "a parameter without data has no Paddle equivalent; left unchanged")
    args = [cst.Arg(bound["data"])]
    grad = bound.get("requires_grad")
    if grad is not None and ctx.code(grad).strip() != "True":
        args.append(kw("requires_grad", grad))
    return cst.Call(func=cst.Name(ctx.support("as_parameter")), args=separated(args))


# -------------------------------------------------------------------------- support code ----

snippet(
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


snippet(
    "TorchHardsigmoid",
    '''
class TorchHardsigmoid(paddle.nn.Hardsigmoid):
    """torch.nn.Hardsigmoid: ``relu6(x + 3) / 6``, as torch computes it (Paddle's
    Hardsigmoid multiplies by 0.1666667 instead of dividing by 6)."""

    def forward(self, x: "paddle.Tensor") -> "paddle.Tensor":
        return paddle.nn.functional.relu6(x + 3) / 6
''',
)


snippet(
    "as_parameter",
    '''
def as_parameter(data: "paddle.Tensor", requires_grad: bool = True) -> "paddle.Tensor":
    """torch.nn.Parameter(data, requires_grad): a Paddle parameter holding a copy of
    ``data``."""
    param = paddle.create_parameter(
        shape=data.shape, dtype=data.dtype, default_initializer=paddle.nn.initializer.Assign(data)
    )
    param.stop_gradient = not requires_grad
    return param
''',
)


# ---------------------------------------------------------------- torch's initialization ----

@handler("torch_init_layer")
def torch_init_layer(ctx: TranslateContext, call: cst.Call, rule: ApiRule) -> Outcome:
    """Linear, ConvTranspose*d, Bilinear, Embedding and the support layers for torch's attention
    and Transformer layers: the table's data; with ``--torch-init``, wrapped in
    ``_torch_init(...)`` (Conv*d go through :func:`conv`, which does the same)."""
    return with_torch_init(ctx, ctx.rewrite(call, plain_rule(rule)))


def with_torch_init(ctx: TranslateContext, outcome: Outcome) -> Outcome:
    """``_torch_init(<layer>)`` when ``Settings.torch_init`` is on and the rewrite succeeded."""
    if not ctx.torch_init or not isinstance(outcome, cst.Call):
        return outcome
    return cst.Call(func=cst.Name(ctx.support("_torch_init")), args=[cst.Arg(outcome)])


# torch initializes Linear and Conv*/ConvTranspose* weights with kaiming_uniform_(a=sqrt(5)),
# i.e. U(-1/sqrt(fan_in), 1/sqrt(fan_in)), and their biases with the same bound; Bilinear with
# U(+-1/sqrt(in1_features)); Embedding with N(0, 1) and a zero padding row. Paddle's defaults
# differ (Xavier for Linear, a fan-in normal for Conv, zero biases). Paddle's weight shapes give
# the same fan-in: Linear [in, out] -> shape[0]; Conv [out, in/groups, *k] and ConvTranspose
# [in, out/groups, *k] -> shape[1] * prod(k), as torch computes it from its own shapes.
# torch's MultiheadAttention keeps its out_proj Linear's default weight (its bias is zero, and
# the support layer already has the Xavier in_proj and zero biases); Transformer*Layer's
# feed-forward Linears are plain Linears; nn.Transformer re-initializes every matrix with Xavier
# after building (its support layer does too), so only the feed-forward biases keep torch's
# default there. A lazy layer (TorchLazyLinear...) is initialized when its first call builds it.
# Recurrent layers, norms and PReLU agree already.
snippet(
    "_torch_init",
    '''
_TORCH_INIT_CONVS = (
    paddle.nn.Conv1D, paddle.nn.Conv2D, paddle.nn.Conv3D,
    paddle.nn.Conv1DTranspose, paddle.nn.Conv2DTranspose, paddle.nn.Conv3DTranspose,
)


def _torch_init(layer: "paddle.nn.Layer") -> "paddle.nn.Layer":
    """Give a new layer torch's default initialization where Paddle's differs (Linear,
    Conv, ConvTranspose, Bilinear, Embedding, their lazy forms, the Linear layers of the
    support layers for torch's attention and Transformers, and the Linear and Conv
    layers of those for torchvision's ops); returns the layer."""
    if hasattr(layer, "_lazy_args"):
        # A TorchLazy* layer: what its first call builds gets torch's initialization.
        build = layer._build
        layer._build = lambda *args, **kwargs: _torch_init(build(*args, **kwargs))
    elif isinstance(layer, paddle.nn.Embedding):
        paddle.nn.initializer.Normal(mean=0.0, std=1.0)(layer.weight)
        padding_idx = getattr(layer, "_padding_idx", None)
        if padding_idx is not None and padding_idx >= 0:
            with paddle.no_grad():
                layer.weight[padding_idx] = 0.0
    elif layer.sublayers():
        # An attention's out_proj keeps its zero bias; nn.Transformer keeps the Xavier
        # matrices it re-initializes every matrix with after building its layers.
        xavier = type(layer).__name__ == "TorchTransformer"
        for name, sub in layer.named_sublayers():
            if isinstance(sub, paddle.nn.Linear):
                _torch_uniform(sub, weight=not xavier, bias=not name.endswith("out_proj"))
            elif isinstance(sub, _TORCH_INIT_CONVS):
                _torch_uniform(sub)  # SqueezeExcitation's fc1, Conv2dNormActivation's conv
    else:
        _torch_uniform(layer)
    return layer
''',
    deps=("_torch_uniform",),
)

snippet(
    "_torch_init_build",
    '''
def _torch_init_build(cls, *args, **kwargs):
    """cls(*args, **kwargs) with torch's default initialization (see _torch_init): the
    function of a functools.partial of a layer class."""
    return _torch_init(cls(*args, **kwargs))
''',
    deps=("_torch_init",),
)

snippet(
    "_torch_uniform",
    '''
def _torch_uniform(layer: "paddle.nn.Layer", weight: bool = True, bias: bool = True) -> None:
    """U(+-1/sqrt(fan_in)) for the weight and bias of a Linear, Conv, ConvTranspose or
    Bilinear."""
    shape = layer.weight.shape
    if isinstance(layer, paddle.nn.Linear):
        fan_in = shape[0]
    elif isinstance(layer, paddle.nn.Bilinear):
        fan_in = shape[1]  # torch bounds Bilinear by in1_features alone
    else:
        fan_in = math.prod(shape[1:])
    bound = 1.0 / math.sqrt(fan_in) if fan_in > 0 else 0.0
    uniform = paddle.nn.initializer.Uniform(low=-bound, high=bound)
    if weight:
        uniform(layer.weight)
    if bias and getattr(layer, "bias", None) is not None:
        uniform(layer.bias)
''',
    imports=("import math",),
)
