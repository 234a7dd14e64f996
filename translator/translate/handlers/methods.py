"""Tensor (and layer) method rewrites the rule table's data cannot express.

Each handler gets the method call with its receiver and arguments already translated, and
returns the Paddle expression, ``Removed()``, or a ``Refused`` that says why it left the call
alone.  The
receiver evidence that decides whether a rule applies at all is the engine's; it is described
at the top of ``rules/tensor_methods.toml``.

Conventions used here:

* A receiver is *simple* when it is a name or a chain of attributes (``x``, ``self.w``): only
  simple receivers are repeated in the output (``(x.max(1), x.argmax(1))``), so nothing is
  evaluated twice.  Other receivers are reported and left alone.
* Device arguments are dropped: the translation chooses the device once, globally
  (``torch.device(...)`` becomes ``paddle.device.set_device(...)``).
"""

from __future__ import annotations

import dataclasses

import libcst as cst

from ...rules import ApiRule
from ..registry import Refusal, Refused, Removed, TranslateContext, handler
from ._common import (
    METHOD_SIZES,
    SPACE,
    Outcome,
    _same_literal,
    argument,
    atom,
    bind_supported,
    call_on,
    doubt,
    int_literal,
    is_device,
    is_dtype,
    is_number_literal,
    is_simple,
    kw,
    literal_is,
    make_call,
    method_call,
    paren,
    quietly,
    receiver,
    refuse,
    refused,
    separated,
    shape_argument,
    snippet,
)

# legacy tensor type strings
_TYPE_STRINGS = {
    "torch.FloatTensor": "float32",
    "torch.DoubleTensor": "float64",
    "torch.HalfTensor": "float16",
    "torch.BFloat16Tensor": "bfloat16",
    "torch.ByteTensor": "uint8",
    "torch.CharTensor": "int8",
    "torch.ShortTensor": "int16",
    "torch.IntTensor": "int32",
    "torch.LongTensor": "int64",
    "torch.BoolTensor": "bool",
}


# ----------------------------------------------------------------------------- helpers -----
def _remove_or(ctx: TranslateContext, value: cst.BaseExpression) -> Outcome:
    """A call that becomes a no-op: remove its statement, or use ``value`` in its place."""
    if ctx.result_unused:
        return Removed()
    return value


# ----------------------------------------------------------------------- shape methods -----
@handler("method_sizes")
def method_sizes(ctx: TranslateContext, call: cst.Call, rule: ApiRule) -> Outcome:
    """``x.permute(0, 2, 1)`` -> ``x.transpose([0, 2, 1])``; ``expand``/``repeat`` (-> ``tile``)/``flip``
    likewise: varargs sizes become one list."""
    names = tuple(p.name for p in rule.params or ())
    sizes = shape_argument(ctx, call, rule, list(call.args), METHOD_SIZES, names)
    if refused(sizes):
        return sizes
    target = rule.paddle.rsplit(".", 1)[-1] if rule.paddle else rule.name
    return method_call(call, target, [cst.Arg(sizes)])


@handler("swap_dims")
def swap_dims(ctx: TranslateContext, call: cst.Call, rule: ApiRule) -> Outcome:
    """``x.transpose(a, b)`` swaps two dims; Paddle's transpose wants a full permutation, so this
    becomes ``x.moveaxis([a, b], [b, a])`` (moving each of the two axes to the other's place
    leaves the rest in order: exactly a swap, for any rank and negative dims)."""
    bound = ctx.bind(call, rule)
    if refused(bound):
        return bound
    first, second = (bound.get(p.name) for p in (rule.params or ())[:2])
    if first is None or second is None:
        return refuse(Refusal.CANNOT_BIND, "needs two dims; left unchanged")
    a, b = int_literal(first), int_literal(second)
    if a is not None and a == b:
        return _remove_or(ctx, receiver(call))  # type: ignore[return-value]
    src = cst.List([cst.Element(first, comma=cst.Comma(whitespace_after=SPACE)), cst.Element(second)])
    dst = cst.List([cst.Element(second, comma=cst.Comma(whitespace_after=SPACE)), cst.Element(first)])
    return method_call(call, "moveaxis", [cst.Arg(src), cst.Arg(dst)])


@handler("drop_call")
def drop_call(ctx: TranslateContext, call: cst.Call, rule: ApiRule) -> Outcome:
    """``x.contiguous()``, ``x.cuda()``: no Paddle counterpart needed; the receiver itself."""
    bound = ctx.bind(call, rule)
    if refused(bound):
        return bound
    return _remove_or(ctx, receiver(call))


@handler("method_to_attribute")
def method_to_attribute(ctx: TranslateContext, call: cst.Call, rule: ApiRule) -> Outcome:
    """``x.numel()`` -> ``x.size`` (Paddle's ``size`` is a property holding the element count)."""
    if call.args:
        return refuse(Refusal.CANNOT_BIND, "unexpected arguments; left unchanged")
    attr = rule.paddle.rsplit(".", 1)[-1] if rule.paddle else rule.name
    return cst.Attribute(value=atom(receiver(call)), attr=cst.Name(attr))


@handler("tensor_split")
def tensor_split(ctx: TranslateContext, call: cst.Call, rule: ApiRule) -> Outcome:
    """``x.split(2, dim)``: torch's int is the size of each piece (the last may be smaller),
    Paddle's int is the number of pieces; sizes are computed by ``_split_sizes``.  A list of
    sizes means the same in both. A receiver that is not a plain name, or a size that is not a
    literal (an int or a list, known only when the code runs), goes through ``_torch_split``."""
    bound = ctx.bind(call, rule)
    if refused(bound):
        return bound
    size = bound.get("split_size_or_sections")
    dim = bound.get("dim")
    if size is None:
        return refuse(Refusal.CANNOT_BIND, "needs split_size_or_sections; left unchanged")
    recv = receiver(call)
    sections: cst.BaseExpression
    if isinstance(size, (cst.List, cst.Tuple)):
        sections = size
    elif not is_simple(recv) or int_literal(size) is None:
        args = [cst.Arg(recv), cst.Arg(size)] + ([cst.Arg(dim)] if dim is not None else [])
        return cst.Call(func=cst.Name(ctx.support("_torch_split")), args=separated(args))
    else:
        axis = dim if dim is not None else cst.Integer("0")
        total = cst.Subscript(
            value=cst.Attribute(value=recv, attr=cst.Name("shape")), slice=[cst.SubscriptElement(cst.Index(axis))]
        )
        sections = cst.Call(func=cst.Name(ctx.support("_split_sizes")), args=separated([cst.Arg(total), cst.Arg(size)]))
    args = [cst.Arg(sections)]
    if dim is not None:
        args.append(kw("axis", dim))
    return method_call(call, "split", args)


# ----------------------------------------------------------------------------- dtypes ------
@handler("tensor_astype")
def tensor_astype(ctx: TranslateContext, call: cst.Call, rule: ApiRule) -> Outcome:
    """``x.float()`` -> ``x.astype("float32")`` (the dtype is the rule's ``extra.dtype``);
    ``x.type(torch.float64)`` -> ``x.astype(paddle.float64)``; ``x.type_as(y)`` -> ``x.astype(y.dtype)``."""
    bound = ctx.bind(call, rule)
    if refused(bound):
        return bound
    if rule.name == "type_as":
        other = bound.get("other")
        if other is None:
            return refuse(Refusal.CANNOT_BIND, "needs other; left unchanged")
        dtype: cst.BaseExpression = cst.Attribute(value=atom(other), attr=cst.Name("dtype"))
    elif "dtype" in rule.extra:
        dtype = cst.parse_expression(rule.extra["dtype"])
    else:
        value = bound.get("dtype")
        if value is None:
            return refuse(Refusal.UNSUPPORTED_USE, "x.type() without a dtype returns a type string; no Paddle equivalent, left unchanged")
        if isinstance(value, cst.SimpleString):
            name = _TYPE_STRINGS.get(str(value.evaluated_value))
            if name is None:
                return refuse(Refusal.UNSUPPORTED_ARGUMENT, f"unknown tensor type {ctx.code(value)}; left unchanged")
            dtype = cst.SimpleString(f'"{name}"')
        else:
            dtype = value
    if rule.name in ("type", "to") and literal_is(bound.get("non_blocking"), "True"):
        pass  # non_blocking only matters for device copies, which are dropped
    return method_call(call, "astype", [cst.Arg(dtype)])


@handler("tensor_to")
def tensor_to(ctx: TranslateContext, call: cst.Call, rule: ApiRule) -> Outcome:
    """``x.to(device)`` -> ``x`` (device dropped; the device is chosen once, globally);
    ``x.to(dtype)`` / ``x.to(device, dtype)`` / ``x.to(dtype=...)`` -> ``x.astype(dtype)``;
    ``x.to(other)`` -> ``x.astype(other.dtype)``; on a layer, ``m.to(dtype)`` -> ``m.to(dtype=...)``.

    Which overload a positional argument means is decided from what it looks like (a device
    string, ``torch.device(...)``, a name called ``device``, a dtype, a known tensor); an
    argument that could be either is reported and the call left alone.  Arguments passed with
    ``*``/``**`` go to the emitted ``_torch_to``, which tells them apart when it runs.
    """
    recv = receiver(call)
    dtype: cst.BaseExpression | None = None
    seen_device = False
    copy = False
    positional = [a for a in call.args if a.keyword is None]
    if any(a.star for a in call.args):
        # known only when it runs (`x.to(device=d, **kwargs)`): decided there
        return make_call(cst.Name(ctx.support("_torch_to")), [cst.Arg(recv), *call.args])
    for a in call.args:
        if a.keyword is None:
            continue
        name = a.keyword.value
        if name == "device":
            seen_device = True
        elif name == "dtype":
            dtype = a.value
        elif name in ("non_blocking", "memory_format"):
            pass
        elif name == "copy":
            if literal_is(a.value, "True") and ctx.is_tensor(recv):
                copy = True  # a new tensor whatever the dtype: `.clone()`
            elif not literal_is(a.value, "False"):
                return refuse(Refusal.UNSUPPORTED_ARGUMENT, "copy=True has no Paddle equivalent here; left unchanged")
        else:
            return refuse(Refusal.CANNOT_BIND, f"unexpected keyword argument {name!r}; left unchanged")
    for i, a in enumerate(positional):
        v = a.value
        if i == 0 or (i == 1 and seen_device and dtype is None):
            if is_dtype(ctx, v):
                dtype = v
            elif is_device(ctx, v):
                seen_device = True
            elif i == 0 and ctx.is_tensor(v):
                dtype = cst.Attribute(value=atom(v), attr=cst.Name("dtype"))
            else:
                return doubt(Refusal.UNSUPPORTED_ARGUMENT, f"could not tell whether {ctx.code(v)!r} is a device, a dtype or a tensor; left unchanged")
        # later positionals are non_blocking / copy flags
        elif i >= 1 and not (literal_is(v, "False", "True") and not (i == 2 and literal_is(v, "True"))):
            return doubt(Refusal.CANNOT_BIND, f"unexpected positional argument {ctx.code(v)!r}; left unchanged")
    if copy:
        converted = method_call(call, "astype", [cst.Arg(dtype)]) if dtype is not None else recv
        return call_on(converted, "clone", [])
    if dtype is None:
        return _remove_or(ctx, recv)
    if ctx.is_tensor(recv):
        return method_call(call, "astype", [cst.Arg(dtype)])
    if ctx.is_layer(recv):  # integer buffers keep their dtype, as in torch
        return cst.Call(func=cst.Name(ctx.support("_module_to")), args=separated([cst.Arg(recv), cst.Arg(dtype)]))
    return doubt(Refusal.UNKNOWN_RECEIVER, f"receiver {ctx.code(recv)!r} is not known to be a tensor or a layer; dtype conversion left unchanged")


snippet(
    "_torch_to",
    '''
def _torch_to(obj, *args, **kwargs):
    """Tensor.to / Module.to with arguments known only when it runs: a dtype (given, or
    a tensor's) converts, a device is left to Paddle's global placement; anything that
    is neither a Paddle tensor nor a layer gets its own ``to``."""
    if not isinstance(obj, (paddle.Tensor, paddle.nn.Layer)):
        return obj.to(*args, **kwargs)
    dtype = kwargs.get("dtype")
    for arg in args:
        if isinstance(arg, paddle.Tensor):
            dtype = arg.dtype
        elif isinstance(arg, paddle.dtype):
            dtype = arg
    if isinstance(obj, paddle.nn.Layer):
        return _module_to(obj, dtype)
    if kwargs.get("copy"):
        obj = obj.clone()
    return obj if dtype is None else obj.astype(dtype)
''',
    deps=("_module_to",),
)


# ----------------------------------------------------------------------- reductions --------
def _dim_or_other(ctx: TranslateContext, call: cst.Call, rule: ApiRule) -> tuple[str, dict[str, cst.BaseExpression]] | Refused:
    """Which overload of max/min: ("all", {}), ("dim", {dim, keepdim}) or ("other", {other})."""
    args = list(call.args)
    if any(a.star for a in args):
        return refuse(Refusal.CANNOT_BIND, "arguments passed with * or ** cannot be translated; left unchanged")
    values: dict[str, cst.BaseExpression] = {}
    positional = [a.value for a in args if a.keyword is None]
    for a in args:
        if a.keyword is not None:
            if a.keyword.value not in ("dim", "keepdim", "other"):
                return refuse(Refusal.CANNOT_BIND, f"unexpected keyword argument {a.keyword.value!r}; left unchanged")
            values[a.keyword.value] = a.value
    if not positional and not values:
        return "all", {}
    if "other" in values:
        return "other", values
    if positional:
        first = positional[0]
        if int_literal(first) is not None or (isinstance(first, (cst.Tuple, cst.List))):
            values["dim"] = first
        elif ctx.is_tensor(first):
            if len(positional) > 1:
                return refuse(Refusal.CANNOT_BIND, "unexpected arguments; left unchanged")
            return "other", {"other": first}
        else:
            return doubt(Refusal.UNSUPPORTED_ARGUMENT, f"could not tell whether {ctx.code(first)!r} is a dim or a tensor; left unchanged")
        if len(positional) > 1:
            values["keepdim"] = positional[1]
        if len(positional) > 2:
            return refuse(Refusal.CANNOT_BIND, "too many arguments; left unchanged")
    if "dim" not in values:
        return refuse(Refusal.CANNOT_BIND, "keepdim without dim; left unchanged")
    return "dim", values


@handler("tensor_max_min")
def tensor_max_min(ctx: TranslateContext, call: cst.Call, rule: ApiRule) -> Outcome:
    """``x.max()`` -> ``x.max()``; ``x.max(other)`` -> ``paddle.maximum(x, other)``;
    ``x.max(dim, keepdim)`` returns (values, indices) in torch ->
    ``(x.max(axis=dim, keepdim=k), x.argmax(axis=dim, keepdim=k))`` where the result is only
    taken apart (unpacked, ``[0]``/``[1]``, ``.values``/``.indices``, which pick one) and the
    receiver is a name; elsewhere ``_torch_max(expr, dim, keepdim=k)``, the named tuple
    torch.max(x, dim) becomes too (a stored result's ``.values`` works)."""
    which = _dim_or_other(ctx, call, rule)
    if refused(which):
        return which
    kind, values = which
    name = rule.name
    if kind == "all":
        return method_call(call, name, [])
    if kind == "other":
        fn = "paddle.maximum" if name == "max" else "paddle.minimum"
        return cst.Call(func=ctx.ref(fn), args=separated([cst.Arg(receiver(call)), cst.Arg(values["other"])]))
    recv = receiver(call)
    if not is_simple(recv) or not ctx.result_taken_apart:  # a named tuple, computed once
        args = [cst.Arg(argument(recv)), cst.Arg(values["dim"])]
        if "keepdim" in values:
            args.append(kw("keepdim", values["keepdim"]))
        return make_call(cst.Name(ctx.support(f"_torch_{name}")), args)
    args = [kw("axis", values["dim"])]
    if "keepdim" in values:
        args.append(kw("keepdim", values["keepdim"]))
    vals = method_call(call, name, args)
    idx = call_on(recv, "arg" + name, args)
    # only taken apart: `.values`/`[0]` pick an element, an assignment unpacks it bare
    return cst.Tuple([cst.Element(vals, comma=cst.Comma(whitespace_after=SPACE)), cst.Element(idx)], lpar=[], rpar=[])


@handler("tensor_sort")
def tensor_sort(ctx: TranslateContext, call: cst.Call, rule: ApiRule) -> Outcome:
    """``x.sort(dim, descending)`` returns (values, indices) ->
    ``(x.sort(axis=dim, descending=d), x.argsort(axis=dim, descending=d))`` where the result is
    only taken apart and the receiver is a name, ``_torch_sort(expr, dim=dim, descending=d)``
    (as torch.sort, a named tuple) elsewhere."""
    bound = ctx.bind(call, rule)
    if refused(bound):
        return bound
    stable = bound.get("stable")
    if stable is not None and literal_is(stable, "False"):
        stable = None
    if stable is not None and "stable" in rule.unsupported:  # a Paddle without it (the rule's `since`)
        return refuse(Refusal.UNSUPPORTED_ARGUMENT, f"stable={ctx.code(stable)}: {rule.unsupported['stable']}; left unchanged")
    recv = receiver(call)
    if not is_simple(recv) or not ctx.result_taken_apart:  # a named tuple, computed once
        args = [cst.Arg(argument(recv))]
        for name in ("dim", "descending"):
            if name in bound:
                args.append(kw(name, bound[name]))
        if stable is not None:
            return make_call(cst.Name(ctx.support("_torch_sort_stable")), [*args, kw("stable", stable)])
        return make_call(cst.Name(ctx.support("_torch_sort")), args)
    args = []
    if "dim" in bound:
        args.append(kw("axis", bound["dim"]))
    if "descending" in bound:
        args.append(kw("descending", bound["descending"]))
    if stable is not None:
        args.append(kw("stable", stable))
    vals = method_call(call, "sort", args)
    idx = call_on(recv, "argsort", args)
    # only taken apart: `.values`/`[0]` pick an element, an assignment unpacks it bare
    return cst.Tuple([cst.Element(vals, comma=cst.Comma(whitespace_after=SPACE)), cst.Element(idx)], lpar=[], rpar=[])


@handler("tensor_std_var")
def tensor_std_var(ctx: TranslateContext, call: cst.Call, rule: ApiRule) -> Outcome:
    """``x.std(dim, unbiased, keepdim)`` / ``x.std(dim, correction=0, keepdim=...)`` ->
    ``x.std(axis=dim, unbiased=..., keepdim=...)``: correction 0 or 1 only."""
    args = list(call.args)
    # the old overload x.std(unbiased) with a bool first
    if args and args[0].keyword is None and literal_is(args[0].value, "True", "False"):
        call = call.with_changes(args=[kw("unbiased", args[0].value), *args[1:]])
    bound = ctx.bind(call, rule)
    if refused(bound):
        return bound
    out: list[cst.Arg] = []
    if "dim" in bound and not literal_is(bound["dim"], "None"):
        out.append(kw("axis", bound["dim"]))
    unbiased = bound.get("unbiased")
    correction = bound.get("correction")
    if correction is not None and not literal_is(correction, "None"):
        if unbiased is not None:
            return Refused(Refusal.CANNOT_BIND, "both unbiased and correction given; left unchanged", call)
        if literal_is(correction, "0", "0.0"):
            unbiased = cst.Name("False")
        elif literal_is(correction, "1", "1.0"):
            unbiased = None
        else:
            message = f"correction={ctx.code(correction)} has no Paddle equivalent (only 0 or 1); left unchanged"
            return Refused(Refusal.UNSUPPORTED_ARGUMENT, message, call)  # at the call as bound
    if unbiased is not None and not literal_is(unbiased, "True"):
        out.append(kw("unbiased", unbiased))
    if "keepdim" in bound:
        out.append(kw("keepdim", bound["keepdim"]))
    return method_call(call, rule.name, out)


# ---------------------------------------------------------------------- arithmetic ---------
_OPERATORS: dict[str, type[cst.BaseBinaryOp] | type[cst.BaseCompOp]] = {
    "add": cst.Add,
    "sub": cst.Subtract,
    "subtract": cst.Subtract,
    "mul": cst.Multiply,
    "multiply": cst.Multiply,
    "div": cst.Divide,
    "divide": cst.Divide,
    "true_divide": cst.Divide,
    "floor_divide": cst.FloorDivide,
    "remainder": cst.Modulo,
    "eq": cst.Equal,
    "ne": cst.NotEqual,
    "not_equal": cst.NotEqual,
    "lt": cst.LessThan,
    "less": cst.LessThan,
    "le": cst.LessThanEqual,
    "less_equal": cst.LessThanEqual,
    "gt": cst.GreaterThan,
    "greater": cst.GreaterThan,
    "ge": cst.GreaterThanEqual,
    "greater_equal": cst.GreaterThanEqual,
}


def _scaled(other: cst.BaseExpression, alpha: cst.BaseExpression | None) -> cst.BaseExpression:
    if alpha is None or literal_is(alpha, "1"):
        return other
    return cst.BinaryOperation(left=atom(alpha), operator=cst.Multiply(whitespace_before=SPACE, whitespace_after=SPACE), right=atom(other))


@handler("binary_operator")
def binary_operator(ctx: TranslateContext, call: cst.Call, rule: ApiRule) -> Outcome:
    """``x.add(y, alpha=a)`` -> ``(x + a * y)``, ``x.gt(y)`` -> ``(x > y)``, ...: Paddle's operators
    accept tensors and Python numbers alike (``paddle.add``/``greater_than`` want tensors)."""
    bound = ctx.bind(call, rule)
    if refused(bound):
        return bound
    other = bound.get("other")
    if other is None:
        return refuse(Refusal.CANNOT_BIND, "needs other; left unchanged")
    op = _OPERATORS[rule.name]
    mode = bound.get("rounding_mode")
    if mode is not None and not literal_is(mode, "None"):
        if literal_is(mode, "'floor'", '"floor"'):
            op = cst.FloorDivide
        else:
            return refuse(Refusal.UNSUPPORTED_ARGUMENT, f"rounding_mode={ctx.code(mode)} has no Paddle operator; left unchanged")
    scaled = _scaled(other, bound.get("alpha"))
    left = atom(receiver(call))
    # a product binds tighter than + and -: `x + 0.5 * y` needs no parentheses
    right = scaled if scaled is not other and op in (cst.Add, cst.Subtract) else atom(scaled)
    other = scaled
    if issubclass(op, cst.BaseCompOp):
        expr: cst.BaseExpression = cst.Comparison(
            left=left, comparisons=[cst.ComparisonTarget(operator=op(whitespace_before=SPACE, whitespace_after=SPACE), comparator=atom(other))]  # type: ignore[call-arg]
        )
    else:
        expr = cst.BinaryOperation(left=left, operator=op(whitespace_before=SPACE, whitespace_after=SPACE), right=right)  # type: ignore[call-arg]
    return paren(expr)


@handler("tensor_where")
def tensor_where(ctx: TranslateContext, call: cst.Call, rule: ApiRule) -> Outcome:
    """``x.where(cond, y)`` -> ``paddle.where(cond, x, y)``; a number ``y`` -> ``paddle.full_like(x, y)``."""
    bound = ctx.bind(call, rule)
    if refused(bound):
        return bound
    if "condition" not in bound or "other" not in bound:
        return refuse(Refusal.CANNOT_BIND, "needs condition and other; left unchanged")
    recv, other = receiver(call), bound["other"]
    if is_number_literal(other) and is_simple(recv):
        # a Python number would be promoted to float64 by Paddle 2.6's where
        other = cst.Call(func=ctx.ref("paddle.full_like"), args=separated([cst.Arg(recv), cst.Arg(other)]))
    return cst.Call(func=ctx.ref("paddle.where"), args=separated([cst.Arg(bound["condition"]), cst.Arg(recv), cst.Arg(other)]))


@handler("as_function")
def as_function(ctx: TranslateContext, call: cst.Call, rule: ApiRule) -> Outcome:
    """``x.softmax(dim)`` -> ``paddle.nn.functional.softmax(x, axis=dim)``: the receiver becomes
    the first argument of the Paddle function; the rest follow the rule's data."""
    assert rule.paddle is not None
    data_rule = dataclasses.replace(rule, handler=None)
    rewritten = ctx.rewrite(call, data_rule)
    if refused(rewritten):
        return rewritten
    args = [cst.Arg(receiver(call)), *rewritten.args]
    return cst.Call(func=ctx.ref(rule.paddle), args=separated(list(args)))


@handler("python_value")
def python_value(ctx: TranslateContext, call: cst.Call, rule: ApiRule) -> Outcome:
    """``x.equal(y)`` / ``x.allclose(y)`` return a Python bool in torch: Paddle's ``equal_all``/
    ``allclose`` return a bool tensor, so ``.item()`` is appended."""
    data_rule = dataclasses.replace(rule, handler=None)
    rewritten = ctx.rewrite(call, data_rule)
    if refused(rewritten):
        return rewritten
    return cst.Call(func=cst.Attribute(value=rewritten, attr=cst.Name("item")), args=[])


@handler("new_factory")
def new_factory(ctx: TranslateContext, call: cst.Call, rule: ApiRule) -> Outcome:
    """``x.new_zeros(2, 3)`` -> ``paddle.zeros([2, 3], dtype=x.dtype)`` (new_ones, new_empty,
    new_full, new_tensor likewise): same dtype as ``x`` unless ``dtype=`` is given; device
    dropped."""
    recv = receiver(call)
    args = list(call.args)
    if any(a.star == "**" for a in args):
        return refuse(Refusal.CANNOT_BIND, "arguments passed with ** cannot be translated; left unchanged")
    dtype: cst.BaseExpression | None = None
    positional = []
    for a in args:
        if a.keyword is None:
            positional.append(a)
            continue
        name = a.keyword.value
        if name == "dtype":
            dtype = a.value
        elif name in ("device", "layout", "pin_memory"):
            continue
        elif name == "requires_grad":
            if not literal_is(a.value, "False"):
                return refuse(Refusal.UNSUPPORTED_ARGUMENT, "requires_grad=True: set stop_gradient=False on the result instead; left unchanged")
        elif name in ("size", "fill_value", "data"):
            positional.append(a.with_changes(keyword=None, equal=cst.MaybeSentinel.DEFAULT))
        else:
            return refuse(Refusal.CANNOT_BIND, f"unexpected keyword argument {name!r}; left unchanged")
    if dtype is None:
        if not is_simple(recv):
            return refuse(Refusal.UNSUPPORTED_USE, "the receiver is needed for its dtype; assign it to a name first")
        dtype = cst.Attribute(value=recv, attr=cst.Name("dtype"))
    name = rule.name
    if name == "new_tensor":
        if len(positional) != 1:
            return refuse(Refusal.CANNOT_BIND, "needs one data argument; left unchanged")
        return cst.Call(func=ctx.ref("paddle.to_tensor"), args=separated([cst.Arg(positional[0].value), kw("dtype", dtype)]))
    if name == "new_full":
        if len(positional) != 2:
            return refuse(Refusal.CANNOT_BIND, "needs size and fill_value; left unchanged")
        shape = positional[0].value
        return cst.Call(func=ctx.ref("paddle.full"), args=separated([cst.Arg(shape), cst.Arg(positional[1].value), kw("dtype", dtype)]))
    shape = shape_argument(ctx, call, rule, positional, METHOD_SIZES, ("size",))
    if refused(shape):
        return shape
    target = {"new_zeros": "paddle.zeros", "new_ones": "paddle.ones", "new_empty": "paddle.empty"}[name]
    return cst.Call(func=ctx.ref(target), args=separated([cst.Arg(shape), kw("dtype", dtype)]))


@handler("support_method")
def support_method(ctx: TranslateContext, call: cst.Call, rule: ApiRule) -> Outcome:
    """``x.requires_grad_(False)`` -> ``_requires_grad_(x, False)``, ``x.copy_(src)`` ->
    ``_copy_(x, src)``: the receiver becomes the first argument of emitted support code; the
    rule's ``drop`` arguments (``non_blocking``) are not passed, nor its ``unsupported`` ones,
    which are refused unless written at their default (``generator=None``)."""
    assert rule.support is not None
    bound = bind_supported(ctx, call, rule)
    if refused(bound):
        return bound
    args = [cst.Arg(receiver(call))]
    gap = False
    for p in rule.params or ():
        if p.name not in bound or p.name in rule.drop or p.name in rule.unsupported:
            gap = True
        elif gap or p.kind == "keyword":
            args.append(kw(p.name, bound[p.name]))
        else:
            args.append(cst.Arg(bound[p.name]))
    return cst.Call(func=cst.Name(ctx.support(rule.support)), args=separated(args))


# ----------------------------------------------------------------------- attributes --------
@handler("attr_data")
def attr_data(ctx: TranslateContext, node: cst.CSTNode, rule: ApiRule) -> Outcome:
    """``x.data`` -> ``x.detach()`` (a tensor sharing memory, outside autograd, as torch's);
    ``x.data = v`` -> ``x.set_value(v)``."""
    if isinstance(node, cst.Assign):
        target = node.targets[0].target
        assert isinstance(target, cst.Attribute)
        return cst.Expr(cst.Call(func=cst.Attribute(value=target.value, attr=cst.Name("set_value")), args=[cst.Arg(node.value)]))
    assert isinstance(node, cst.Attribute)
    return cst.Call(func=node.with_changes(attr=cst.Name("detach")), args=[])


@handler("attr_requires_grad")
def attr_requires_grad(ctx: TranslateContext, node: cst.CSTNode, rule: ApiRule) -> Outcome:
    """``x.requires_grad`` -> ``(not x.stop_gradient)``; ``x.requires_grad = v`` ->
    ``x.stop_gradient = not v`` (folded for True/False)."""
    if isinstance(node, cst.Assign):
        target = node.targets[0].target
        assert isinstance(target, cst.Attribute)
        value = node.value
        if literal_is(value, "True"):
            new_value: cst.BaseExpression = cst.Name("False")
        elif literal_is(value, "False"):
            new_value = cst.Name("True")
        else:
            new_value = cst.UnaryOperation(operator=cst.Not(), expression=atom(value))
        new_target = target.with_changes(attr=cst.Name("stop_gradient"))
        return node.with_changes(targets=[node.targets[0].with_changes(target=new_target)], value=new_value)
    assert isinstance(node, cst.Attribute)
    return paren(cst.UnaryOperation(operator=cst.Not(), expression=node.with_changes(attr=cst.Name("stop_gradient"))))


@handler("attr_is_cuda")
def attr_is_cuda(ctx: TranslateContext, node: cst.CSTNode, rule: ApiRule) -> Outcome:
    """``x.is_cuda`` -> ``x.place.is_gpu_place()``."""
    if not isinstance(node, cst.Attribute):
        return quietly(Refusal.UNSUPPORTED_USE, "x.is_cuda = ... (read-only in torch too) is left as it is")
    place = node.with_changes(attr=cst.Name("place"))
    return cst.Call(func=cst.Attribute(value=place, attr=cst.Name("is_gpu_place")), args=[])


@handler("attr_is_xpu")
def attr_is_xpu(ctx: TranslateContext, node: cst.CSTNode, rule: ApiRule) -> Outcome:
    """``x.is_xpu`` -> ``x.place.is_xpu_place()``."""
    if not isinstance(node, cst.Attribute):
        return quietly(Refusal.UNSUPPORTED_USE, "x.is_xpu = ... (read-only in torch too) is left as it is")
    place = node.with_changes(attr=cst.Name("place"))
    return cst.Call(func=cst.Attribute(value=place, attr=cst.Name("is_xpu_place")), args=[])


@handler("reshape_as")
def reshape_as(ctx: TranslateContext, call: cst.Call, rule: ApiRule) -> Outcome:
    """``x.view_as(y)`` / ``x.reshape_as(y)`` -> ``x.reshape(y.shape)``."""
    bound = ctx.bind(call, rule)
    if refused(bound):
        return bound
    if "other" not in bound:
        return refuse(Refusal.CANNOT_BIND, "needs other; left unchanged")
    shape = cst.Attribute(value=atom(bound["other"]), attr=cst.Name("shape"))
    return method_call(call, "reshape", [cst.Arg(shape)])


@handler("torch_defaults")
def torch_defaults(ctx: TranslateContext, call: cst.Call, rule: ApiRule) -> Outcome:
    """The rule's data, plus torch's default for every argument left out whose Paddle default
    differs (``x.uniform_()`` draws from [0, 1) in torch, [-1, 1) in Paddle)."""
    bound = ctx.bind(call, rule)
    if refused(bound):
        return bound
    paddle_defaults = {p.name: p.default for p in rule.paddle_params or ()}
    extra = dict(rule.extra)
    for p in rule.params or ():
        if p.name in bound or p.default is None or p.name in rule.drop or p.name in rule.unsupported:
            continue
        target = rule.rename.get(p.name, p.name)
        pd = paddle_defaults.get(target)
        if pd is not None and pd != p.default and not _same_literal(pd, p.default):
            extra[target] = p.default
    return ctx.rewrite(call, dataclasses.replace(rule, handler=None, extra=extra))

