"""``torch.nn.functional.*`` rewrites the rule table's data cannot express.

Each handler settles what the data keys cannot say (defaults that differ between torch and
Paddle, flags that change which Paddle function to call, layouts Paddle reads differently) and
hands the rest back to the rule's data with ``ctx.rewrite``.  What cannot be translated
faithfully is refused and left unchanged.
"""

from __future__ import annotations

import libcst as cst

from ...rules import ApiRule
from ..registry import Caveat, Refusal, TranslateContext, handler
from ._common import Outcome, with_arg, COMMA, NOT_LITERAL, bind_supported, is_simple, kw, literal_value, make_call, plain_rule, refuse, refused, snippet


# -------------------------------------------------------------------- generic functional ----

# paddle.nn.functional functions with an in-place variant named with a trailing underscore
# (the same in Paddle 2.6 and 3).
_INPLACE = frozenset("relu elu leaky_relu hardtanh softmax tanh thresholded_relu".split())


@handler("fn_torch_args")
def torch_args(ctx: TranslateContext, call: cst.Call, rule: ApiRule) -> Outcome:
    """The data rewrite, with three refinements the data keys cannot state.

    * ``extra`` arguments are added only when the torch call does not give that argument
      (they restore a torch default that differs from Paddle's: ``align_corners=False``).
    * ``transform`` of a literal is folded (``approximate="tanh"`` -> ``approximate=True``).
    * ``inplace=True`` is dropped when the result is used (the value is the same); as a whole
      statement it needs Paddle's in-place variant (``relu_``), or it is reported.
    """
    bound = bind_supported(ctx, call, rule)
    if refused(bound):
        return bound
    target = rule.paddle
    inplace = bound.get("inplace")
    if inplace is not None and literal_value(inplace) is not False:
        if literal_value(inplace) is not True:
            return refuse(Refusal.UNSUPPORTED_ARGUMENT, f"inplace={ctx.code(inplace)} is not a literal; left unchanged")
        if ctx.result_unused:
            name = (target or "").rsplit(".", 1)[-1]
            if name not in _INPLACE:
                return refuse(Refusal.UNSUPPORTED_USE, "inplace=True as a statement: Paddle has no in-place variant; left unchanged")
            target = f"{target}_"
    given = {rule.rename.get(n, n) for n in bound}
    extra = {k: v for k, v in rule.extra.items() if k not in given}
    transform = dict(rule.transform)
    args = list(call.args)
    if not any(a.star for a in args):
        for i, (arg, name) in enumerate(zip(args, bound)):
            template = transform.get(name)
            lit = literal_value(arg.value)
            if template is None or lit is NOT_LITERAL or isinstance(lit, (int, float)) and not isinstance(lit, bool):
                continue  # numbers are folded by the engine
            del transform[name]
            try:
                folded = eval(template.format(repr(lit)), {"__builtins__": {"bool": bool}})  # a literal, see above
            except Exception:  # e.g. an optional tensor given as None: keep it
                continue
            args[i] = arg.with_changes(value=cst.parse_expression(repr(folded)))
    new_rule = plain_rule(rule, "inplace", extra=extra, transform=transform, paddle=target)
    return ctx.rewrite(call.with_changes(args=args), new_rule)


@handler("fn_cross_entropy")
def cross_entropy(ctx: TranslateContext, call: cst.Call, rule: ApiRule) -> Outcome:
    """As ``fn_torch_args``; class weights together with label smoothing weigh the smoothing term
    differently in Paddle, so that combination is reported."""
    bound = ctx.bind(call, rule)
    if refused(bound):
        return bound
    smoothing = bound.get("label_smoothing")
    if bound.get("weight") is not None and literal_value(bound["weight"]) is not None and smoothing is not None \
            and literal_value(smoothing) != 0:
        return refuse(Refusal.UNSUPPORTED_ARGUMENT, "weight= with label_smoothing=: Paddle weighs the smoothing term differently; left unchanged")
    return torch_args(ctx, call, rule)


_INTERP_FORMATS = {1: "NCW", 2: "NCHW", 3: "NCDHW"}
_INTERP_MODES = {"linear": 1, "bilinear": 2, "bicubic": 2, "trilinear": 3}


@handler("fn_interpolate")
def interpolate(ctx: TranslateContext, call: cst.Call, rule: ApiRule) -> Outcome:
    """As ``fn_torch_args``, plus ``data_format`` for 3-d and 5-d inputs when the mode or the size
    tells the rank (Paddle 2.6 assumes NCHW; Paddle 3 infers it)."""
    bound = ctx.bind(call, rule)
    if refused(bound):
        return bound
    spatial = None
    mode = literal_value(bound["mode"]) if "mode" in bound else "nearest"
    if mode in _INTERP_MODES:
        spatial = _INTERP_MODES[mode]
    for key in ("size", "scale_factor"):
        lit = literal_value(bound[key]) if key in bound else NOT_LITERAL
        if isinstance(lit, (tuple, list)):
            spatial = len(lit)
    new = torch_args(ctx, call, rule)
    if spatial in (None, 2) or not isinstance(new, cst.Call):
        return new
    return with_arg(new, kw("data_format", cst.SimpleString(f'"{_INTERP_FORMATS[spatial]}"')))


@handler("fn_softmax_dim")
def softmax_dim(ctx: TranslateContext, call: cst.Call, rule: ApiRule) -> Outcome:
    """``F.softmax(x)`` without ``dim`` uses torch's legacy implicit dim (0 for 0-, 1- and 3-d
    inputs, else 1); Paddle's default is -1.  The implicit choice is written out for a named
    input (with a warning: torch deprecates it) and reported otherwise."""
    bound = bind_supported(ctx, call, rule)
    if refused(bound):
        return bound
    dim = bound.get("dim")
    if dim is None or literal_value(dim) is None:
        x = bound["input"]
        if not is_simple(x, parenthesized=True):
            return refuse(Refusal.UNSUPPORTED_USE, "softmax without dim= uses torch's implicit dim (deprecated); give dim explicitly")
        ctx.warn(call, rule.torch, "softmax without dim= uses torch's implicit dim (deprecated); it is written out")
        implicit = cst.parse_expression(f"0 if {ctx.code(x)}.ndim in (0, 1, 3) else 1")
        rest = [a for a in call.args if not (a.keyword is not None and a.keyword.value == "dim")]
        if dim is not None and len(rest) >= 2 and rest[1].keyword is None:
            rest = [rest[0], *rest[2:]]  # F.softmax(x, None)
        call = call.with_changes(args=[*rest[:1], kw("dim", implicit), *rest[1:]])
    return ctx.rewrite(call, plain_rule(rule, "_stacklevel"))


@handler("fn_sdpa")
def sdpa(ctx: TranslateContext, call: cst.Call, rule: ApiRule) -> Outcome:
    """torch's attention inputs are (batch, heads, seq, dim), Paddle's (batch, seq, heads, dim):
    query, key, value and the result are transposed."""
    bound = bind_supported(ctx, call, rule)
    if refused(bound):
        return bound
    perm = cst.List([cst.Element(cst.Integer(i), comma=COMMA if i != "3" else cst.MaybeSentinel.DEFAULT) for i in "0213"])

    def swap(e: cst.BaseExpression) -> cst.BaseExpression:
        return make_call(ctx.ref("paddle.transpose"), [cst.Arg(e), cst.Arg(perm)])

    args = [cst.Arg(swap(bound[n])) for n in ("query", "key", "value")]
    for name in ("attn_mask", "dropout_p", "is_causal", "scale"):
        if name in bound:
            args.append(kw(name, bound[name]))
    return swap(make_call(ctx.ref(rule.paddle or ""), args))


@handler("fn_one_hot")
def one_hot(ctx: TranslateContext, call: cst.Call, rule: ApiRule) -> Outcome:
    """torch returns int64 and infers ``num_classes=-1`` as max + 1; Paddle returns float32."""
    bound = bind_supported(ctx, call, rule)
    if refused(bound):
        return bound
    x = bound["tensor"]
    n = bound.get("num_classes")
    if n is None or literal_value(n) == -1:
        if not is_simple(x, parenthesized=True):
            return refuse(Refusal.UNSUPPORTED_USE, "num_classes inferred from the data: give num_classes; left unchanged")
        n = cst.BinaryOperation(
            left=make_call(cst.Name("int"), [cst.Arg(make_call(cst.Attribute(x, cst.Name("max")), []))]),
            operator=cst.Add(), right=cst.Integer("1"),
        )
    inner = make_call(ctx.ref(rule.paddle or ""), [cst.Arg(x), cst.Arg(n)])
    return make_call(cst.Attribute(inner, cst.Name("astype")), [cst.Arg(ctx.ref("paddle.int64"))])


@handler("fn_pad")
def pad(ctx: TranslateContext, call: cst.Call, rule: ApiRule) -> Outcome:
    """``F.pad`` lists (before, after) pairs from the last dimension; the emitted ``_torch_pad``
    turns that into the form Paddle reads for the input's rank."""
    bound = bind_supported(ctx, call, rule)
    if refused(bound):
        return bound
    args = [cst.Arg(bound["input"]), cst.Arg(bound["pad"])]
    for name in ("mode", "value"):
        if name in bound:
            args.append(kw(name, bound[name]))
    return make_call(cst.Name(ctx.support("_torch_pad")), args)


@handler("fn_linear")
def linear(ctx: TranslateContext, call: cst.Call, rule: ApiRule) -> Outcome:
    """``F.linear(x, w, b)``: torch's weight is (out, in), Paddle's linear wants (in, out)."""
    bound = bind_supported(ctx, call, rule)
    if refused(bound):
        return bound
    w = bound["weight"]
    written = ctx.original_of(w)
    if isinstance(w, cst.Attribute) and w.attr.value == "T" and isinstance(written, cst.Attribute) and written.attr.value == "weight":
        # a Linear layer's own weight, read in torch's layout (`fc.weight.T`): Paddle's is already (in, out)
        args = [a.with_changes(value=w.value) if a.value is w else a for a in call.args]
        transform = {k: v for k, v in rule.transform.items() if k != "weight"}
        return ctx.rewrite(call.with_changes(args=args), plain_rule(rule, transform=transform))
    if isinstance(w, cst.Attribute) and w.attr.value == "weight" and isinstance(w.value, cst.Attribute):
        ctx.warn(call, rule.torch, f"{ctx.code(w)} may be a translated Linear layer's weight, which Paddle "
                 "already stores as (in, out); the emitted .T assumes a torch-layout (out, in) tensor", Caveat.ASSUMED)
    return ctx.rewrite(call, plain_rule(rule))


# -------------------------------------------------------------------------- support code ----

snippet(
    "_torch_pad",
    '''
def _torch_pad(x, pad, mode="constant", value=None):
    """torch.nn.functional.pad: pad lists (before, after) pairs starting from the last
    dim."""
    pad = [int(p) for p in pad]
    nd = x.ndim
    value = 0.0 if value is None else value
    if len(pad) == 2 * (nd - 2) and nd > 2:
        # Paddle's spatial form uses torch's order (last dim first)
        fmt = {3: "NCL", 4: "NCHW", 5: "NCDHW"}[nd]
        return paddle.nn.functional.pad(x, pad, mode=mode, value=value, data_format=fmt)
    if mode != "constant":
        raise ValueError(f"padding mode {mode!r} needs pad for every spatial dim of a {nd}-d input")
    full = [0] * (2 * nd)
    for i in range(len(pad) // 2):
        d = nd - 1 - i
        full[2 * d], full[2 * d + 1] = pad[2 * i], pad[2 * i + 1]
    return paddle.nn.functional.pad(x, full, mode=mode, value=value)
''',
)
