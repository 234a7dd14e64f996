"""More tensor methods (``rules/tensor_methods_more.toml``): methods that are a torch function
called on the receiver, in-place variants Paddle lacks, and a few operator forms.

* ``tensor_via_function``: ``x.foo(a, b)`` is ``torch.foo(x, a, b)``; the call is handed to the
  table's ``torch.foo`` rule (its handler, or its data), so both translate alike.
* ``tensor_inplace_assign``: ``x.foo_(a)`` where Paddle has no ``foo_``: the out-of-place
  method rule ``foo`` translates the call and ``paddle.assign(<result>, output=x)`` writes the
  result into ``x`` (and returns it).  Results of comparisons and logical operations are cast
  to ``x.dtype`` first, as torch keeps the receiver's dtype.
* ``tensor_alias``: ``x.unsafe_chunk(...)`` is ``x.chunk(...)``: another method rule's translation.
"""

from __future__ import annotations

import libcst as cst

from ...rules import ApiRule
from ..registry import HANDLERS, Refusal, Refused, Removed, Rewritten, TranslateContext, handler
from ._common import (
    SPACE,
    Outcome,
    atom,
    bind_supported,
    int_literal,
    is_simple,
    kw,
    literal_is,
    make_call,
    paren,
    receiver,
    refuse,
    refused,
    separated,
    snippet,
)

# in-place methods whose out-of-place result is bool: torch keeps the receiver's dtype
_CAST_BACK = frozenset(
    "eq_ ne_ lt_ le_ gt_ ge_ greater_ less_ greater_equal_ less_equal_ not_equal_ "
    "logical_and_ logical_or_ logical_xor_ logical_not_ signbit_".split()
)

# methods that are another method under an older name
_ALIASES = {
    "unsafe_chunk": "chunk",
    "unsafe_split": "split",
    "unsafe_split_with_sizes": "split_with_sizes",
}


def _run_rule(ctx: TranslateContext, call: cst.Call, rule: ApiRule) -> Outcome:
    """What ``rule`` (its handler, or its data) makes of ``call``."""
    if rule.handler is not None:
        if rule.support is not None:
            ctx.support(rule.support)
        result = HANDLERS[rule.handler](ctx, call, rule)
    else:
        result = ctx.rewrite(call, rule)
        if rule.paddle is None and rule.support is not None and isinstance(result, cst.Call):
            result = result.with_changes(func=cst.Name(ctx.support(rule.support)))  # the target is support code
    if result is None:
        return Refused(Refusal.CANNOT_BIND, f"{rule.torch} could not translate this call; left unchanged")
    if isinstance(result, Rewritten):
        return result.node
    return result  # type: ignore[return-value]


def _method_rule(ctx: TranslateContext, name: str) -> ApiRule | None:
    for r in ctx.rules.methods.get(name, ()):
        if r.kind == "method" and r.receiver == "tensor":
            return r
    return None


@handler("tensor_via_function")
def tensor_via_function(ctx: TranslateContext, call: cst.Call, rule: ApiRule) -> Outcome:
    """``x.foo(a, b)`` -> what the ``torch.foo`` rule makes of ``torch.foo(x, a, b)``."""
    target = ctx.rules.apis.get("torch." + rule.name)
    if target is None or target.kind != "function":
        return refuse(Refusal.NO_RULE, f"no rule for torch.{rule.name}; left unchanged")
    if any(a.star for a in call.args):
        return refuse(Refusal.CANNOT_BIND, "arguments passed with * or ** cannot be translated; left unchanged")
    recv = receiver(call)
    first = cst.Arg(recv.with_changes(lpar=[], rpar=[]) if isinstance(recv, cst.Name) else recv)
    func = cst.Attribute(value=cst.Name("torch"), attr=cst.Name(rule.name))
    as_function = cst.Call(func=func, args=separated([first, *[a.with_changes(comma=cst.MaybeSentinel.DEFAULT) for a in call.args]]))
    return _run_rule(ctx, as_function, target)


@handler("tensor_alias")
def tensor_alias(ctx: TranslateContext, call: cst.Call, rule: ApiRule) -> Outcome:
    """``x.unsafe_chunk(...)`` -> what the ``chunk`` method rule makes of ``x.chunk(...)``."""
    name = _ALIASES[rule.name]
    target = _method_rule(ctx, name)
    if target is None:
        return refuse(Refusal.NO_RULE, f"no rule for torch.Tensor.{name}; left unchanged")
    func = call.func
    assert isinstance(func, cst.Attribute)
    return _run_rule(ctx, call.with_changes(func=func.with_changes(attr=cst.Name(name))), target)


@handler("tensor_inplace_assign")
def tensor_inplace_assign(ctx: TranslateContext, call: cst.Call, rule: ApiRule) -> Outcome:
    """``x.foo_(a)`` -> ``paddle.assign(<x.foo(a) translated>, output=x)``."""
    recv = receiver(call)
    if not is_simple(recv):
        return refuse(Refusal.UNSUPPORTED_USE, "the in-place update names its receiver twice; assign it to a name first")
    name = rule.name[:-1]
    target = _method_rule(ctx, name)
    if target is None:
        return refuse(Refusal.NO_RULE, f"no rule for torch.Tensor.{name}; left unchanged")
    func = call.func
    assert isinstance(func, cst.Attribute)
    result = _run_rule(ctx, call.with_changes(func=func.with_changes(attr=cst.Name(name))), target)
    if isinstance(result, (Refused, Removed)) or refused(result):
        return result
    value = result
    if rule.name in _CAST_BACK:
        value = cst.Call(func=cst.Attribute(value=atom(value), attr=cst.Name("astype")),
                         args=[cst.Arg(cst.Attribute(value=recv, attr=cst.Name("dtype")))])
    return make_call(ctx.ref("paddle.assign"), [cst.Arg(value), kw("output", recv)])


def _binop(left: cst.BaseExpression, op: cst.BaseBinaryOp, right: cst.BaseExpression) -> cst.BinaryOperation:
    return cst.BinaryOperation(left=left, operator=op, right=right)


def _times(factor: cst.BaseExpression | None, term: cst.BaseExpression) -> cst.BaseExpression:
    if factor is None or literal_is(factor, "1", "1.0"):
        return term
    return _binop(atom(factor), cst.Multiply(whitespace_before=SPACE, whitespace_after=SPACE), atom(term))


# torch method -> (Paddle function of the two operands, its torch argument names, sum over dim 0)
_PRODUCTS = {
    "addmv": ("paddle.mv", ("mat", "vec"), False),
    "addr": ("paddle.outer", ("vec1", "vec2"), False),
    "addbmm": ("paddle.matmul", ("batch1", "batch2"), True),
}


@handler("tensor_add_product")
def tensor_add_product(ctx: TranslateContext, call: cst.Call, rule: ApiRule) -> Outcome:
    """``x.addmv(m, v, beta=b, alpha=a)`` -> ``(b * x + a * paddle.mv(m, v))``; ``addr`` with
    ``paddle.outer``; ``addbmm`` with ``paddle.matmul(b1, b2).sum(0)``."""
    bound = bind_supported(ctx, call, rule)
    if refused(bound):
        return bound
    assert isinstance(bound, dict)
    fn, (a, b), reduce = _PRODUCTS[rule.name]
    if a not in bound or b not in bound:
        return refuse(Refusal.CANNOT_BIND, f"needs {a} and {b}; left unchanged")
    product: cst.BaseExpression = make_call(ctx.ref(fn), [cst.Arg(bound[a]), cst.Arg(bound[b])])
    if reduce:
        product = cst.Call(func=cst.Attribute(value=product, attr=cst.Name("sum")), args=[cst.Arg(cst.Integer("0"))])
    plus = cst.Add(whitespace_before=SPACE, whitespace_after=SPACE)
    beta = bound.get("beta")
    if beta is not None and literal_is(beta, "0", "0.0"):
        return paren(_times(bound.get("alpha"), product))  # torch ignores x (even nan) when beta is 0
    return paren(_binop(_times(beta, receiver(call)), plus, _times(bound.get("alpha"), product)))


@handler("tensor_exp2")
def tensor_exp2(ctx: TranslateContext, call: cst.Call, rule: ApiRule) -> Outcome:
    """``x.exp2()`` -> ``(2.0 ** x)`` (floating for integer tensors too, as torch's result is)."""
    if call.args:
        return refuse(Refusal.CANNOT_BIND, "unexpected arguments; left unchanged")
    return paren(_binop(cst.Float("2.0"), cst.Power(whitespace_before=SPACE, whitespace_after=SPACE), atom(receiver(call))))


@handler("tensor_select")
def tensor_select(ctx: TranslateContext, call: cst.Call, rule: ApiRule) -> Outcome:
    """``x.select(d, i)`` -> ``x[:, ..., i]`` (``d`` colons) for a literal ``d >= 0``; a negative
    literal ``d`` -> ``x[..., i, :, ...]``."""
    bound = bind_supported(ctx, call, rule)
    if refused(bound):
        return bound
    assert isinstance(bound, dict)
    if "dim" not in bound or "index" not in bound:
        return refuse(Refusal.CANNOT_BIND, "needs dim and index; left unchanged")
    d = int_literal(bound["dim"])
    if d is None:
        return refuse(Refusal.UNSUPPORTED_ARGUMENT, "dim must be an integer literal to be translated; left unchanged")
    colon = cst.SubscriptElement(cst.Slice(lower=None, upper=None))
    comma = cst.Comma(whitespace_after=SPACE)
    index = cst.SubscriptElement(cst.Index(bound["index"]))
    if d >= 0:
        elements = [colon] * d + [index]
    else:
        elements = [cst.SubscriptElement(cst.Index(cst.Ellipsis())), index] + [colon] * (-d - 1)
    elements = [e.with_changes(comma=comma) for e in elements[:-1]] + [elements[-1]]
    return cst.Subscript(value=atom(receiver(call)), slice=elements)


@handler("tensor_matrix_transpose")
def tensor_matrix_transpose(ctx: TranslateContext, node: cst.CSTNode, rule: ApiRule) -> Outcome:
    """``x.mT`` -> ``x.moveaxis([-2, -1], [-1, -2])``; ``x.mH`` / ``x.adjoint()`` also ``.conj()``;
    ``x.H`` (a matrix) -> ``x.t().conj()``."""
    if isinstance(node, cst.Call):
        if node.args:
            return refuse(Refusal.CANNOT_BIND, "unexpected arguments; left unchanged")
        recv = receiver(node)
    elif isinstance(node, cst.Attribute):
        recv = node.value
    else:
        return refuse(Refusal.UNSUPPORTED_USE, "assigning this attribute has no Paddle equivalent; left unchanged")
    if rule.name == "H":
        out: cst.BaseExpression = cst.Call(func=cst.Attribute(value=atom(recv), attr=cst.Name("t")), args=[])
    else:
        lst = lambda a, b: cst.List([cst.Element(cst.Integer(a) if not a.startswith("-") else cst.UnaryOperation(cst.Minus(), cst.Integer(a[1:])), comma=cst.Comma(whitespace_after=SPACE)), cst.Element(cst.UnaryOperation(cst.Minus(), cst.Integer(b[1:])))])  # noqa: E731
        out = cst.Call(func=cst.Attribute(value=atom(recv), attr=cst.Name("moveaxis")),
                       args=separated([cst.Arg(lst("-2", "-1")), cst.Arg(lst("-1", "-2"))]))
    if rule.name != "mT":
        out = cst.Call(func=cst.Attribute(value=out, attr=cst.Name("conj")), args=[])
    return out


@handler("tensor_bytes")
def tensor_bytes(ctx: TranslateContext, node: cst.CSTNode, rule: ApiRule) -> Outcome:
    """``x.itemsize`` -> ``x.element_size()``; ``x.nbytes`` -> ``(x.size * x.element_size())``."""
    if not isinstance(node, cst.Attribute):
        return refuse(Refusal.UNSUPPORTED_USE, "assigning this attribute has no Paddle equivalent; left unchanged")
    recv = node.value
    size = cst.Call(func=cst.Attribute(value=atom(recv), attr=cst.Name("element_size")), args=[])
    if rule.name == "itemsize":
        return size
    if not is_simple(recv, parenthesized=True):
        return refuse(Refusal.UNSUPPORTED_USE, "the receiver is needed twice; assign it to a name first")
    count = cst.Attribute(value=atom(recv), attr=cst.Name("size"))
    return paren(_binop(count, cst.Multiply(whitespace_before=SPACE, whitespace_after=SPACE), size))


@handler("tensor_is_cpu")
def tensor_is_cpu(ctx: TranslateContext, node: cst.CSTNode, rule: ApiRule) -> Outcome:
    """``x.is_cpu`` -> ``x.place.is_cpu_place()``."""
    if not isinstance(node, cst.Attribute):
        return refuse(Refusal.UNSUPPORTED_USE, "assigning this attribute has no Paddle equivalent; left unchanged")
    place = node.with_changes(attr=cst.Name("place"))
    return cst.Call(func=cst.Attribute(value=place, attr=cst.Name("is_cpu_place")), args=[])


@handler("tensor_is_same_size")
def tensor_is_same_size(ctx: TranslateContext, call: cst.Call, rule: ApiRule) -> Outcome:
    """``x.is_same_size(y)`` -> ``(x.shape == y.shape)``."""
    bound = bind_supported(ctx, call, rule)
    if refused(bound):
        return bound
    assert isinstance(bound, dict)
    if "other" not in bound:
        return refuse(Refusal.CANNOT_BIND, "needs other; left unchanged")
    left = cst.Attribute(value=atom(receiver(call)), attr=cst.Name("shape"))
    right = cst.Attribute(value=atom(bound["other"]), attr=cst.Name("shape"))
    eq = cst.ComparisonTarget(operator=cst.Equal(whitespace_before=SPACE, whitespace_after=SPACE), comparator=right)
    return paren(cst.Comparison(left=left, comparisons=[eq]))


# --------------------------------------------------------------------------- support code ---
snippet("_tensor_is_signed", """
def _tensor_is_signed(x):
    return x.dtype not in (paddle.uint8, paddle.bool)
""")

snippet("_tensor_fmod", """
def _tensor_fmod(x, other):
    # C-style remainder: the sign of the dividend (paddle.mod takes the divisor's)
    r = paddle.mod(x, other if isinstance(other, paddle.Tensor) else paddle.full_like(x, other))
    if x.dtype in (paddle.uint8, paddle.bool):
        return r
    return paddle.where((r != 0) & ((r < 0) != (x < 0)), r - other, r)
""")

snippet("_tensor_bernoulli_", """
def _tensor_bernoulli_(x, p=0.5):
    \"\"\"Tensor.bernoulli_: x filled in place with 0/1 draws that are 1 with probability p
    (a number, or a tensor broadcast to x's shape); x returned.\"\"\"
    if isinstance(p, paddle.Tensor):
        probs = paddle.broadcast_to(p.astype("float32"), x.shape)
    else:
        probs = paddle.full(x.shape, p, dtype="float32")
    paddle.assign(paddle.bernoulli(probs).astype(x.dtype), output=x)
    return x
""")

snippet("_tensor_xlogy", """
def _tensor_xlogy(x, other):
    y = other if isinstance(other, paddle.Tensor) else paddle.full_like(x, other)
    out = x * paddle.log(y)
    return paddle.where((x == 0) & ~paddle.isnan(y), paddle.zeros_like(out), out)
""")

snippet("_tensor_logaddexp2", """
def _tensor_logaddexp2(x, other):
    m = paddle.maximum(x, other)
    return m + paddle.log2(2.0 ** (x - m) + 2.0 ** (other - m))
""")

snippet("_tensor_float_power", """
def _tensor_float_power(x, exponent):
    e = exponent.astype('float64') if isinstance(exponent, paddle.Tensor) else float(exponent)
    return paddle.pow(x.astype('float64'), e)
""")

snippet("_tensor_aminmax", """
def _tensor_aminmax(x, *, dim=None, keepdim=False):
    if dim is None:
        lo, hi = x.min(), x.max()
        if keepdim:
            lo, hi = lo.reshape([1] * x.ndim), hi.reshape([1] * x.ndim)
        return lo, hi
    return x.min(axis=dim, keepdim=keepdim), x.max(axis=dim, keepdim=keepdim)
""")

snippet("_tensor_mvlgamma", """
def _tensor_mvlgamma(x, p):
    import math
    out = sum(paddle.lgamma(x - 0.5 * i) for i in range(p))
    return out + p * (p - 1) / 4 * math.log(math.pi)
""")

snippet("_tensor_index_copy", """
def _tensor_index_copy(x, dim, index, source):
    moved = x.moveaxis(dim, 0)
    src = source.moveaxis(dim, 0) if source.ndim == x.ndim else source.unsqueeze(0)
    return paddle.scatter(moved, index, src, overwrite=True).moveaxis(0, dim)
""")


@handler("tensor_attribute_call")
def tensor_attribute_call(ctx: TranslateContext, node: cst.CSTNode, rule: ApiRule) -> Outcome:
    """``x.real`` -> ``x.real()``, ``x.is_sparse`` -> ``x.is_sparse()``: a torch property that is a
    Paddle method (the rule's ``paddle`` names it)."""
    if not isinstance(node, cst.Attribute):
        return refuse(Refusal.UNSUPPORTED_USE, "assigning this attribute has no Paddle equivalent; left unchanged")
    name = rule.paddle.rsplit(".", 1)[-1] if rule.paddle else rule.name
    return cst.Call(func=node.with_changes(attr=cst.Name(name)), args=[])


@handler("tensor_attribute_false")
def tensor_attribute_false(ctx: TranslateContext, node: cst.CSTNode, rule: ApiRule) -> Outcome:
    """``x.is_meta``, ``x.is_quantized``, ...: a kind of tensor Paddle does not have: ``False``."""
    if not isinstance(node, cst.Attribute):
        return refuse(Refusal.UNSUPPORTED_USE, "assigning this attribute has no Paddle equivalent; left unchanged")
    return cst.Name("False")


@handler("narrow")
def narrow(ctx: TranslateContext, call: cst.Call, rule: ApiRule) -> Outcome:
    """``torch.narrow(x, d, start, n)`` / ``x.narrow(d, start, n)`` (and ``narrow_copy``):
    ``paddle.slice(x, axes=[d], starts=[start], ends=[start + n])`` for a start written as a
    non-negative int.  Any other start (a negative int, a variable, a 0-d tensor) goes through
    the emitted ``_torch_narrow``, which counts a negative start from the end as torch does
    (``paddle.slice`` would end at ``start + n`` = 0 and return nothing)."""
    bound = bind_supported(ctx, call, rule)
    if refused(bound):
        return bound
    x = receiver(call) if rule.kind == "method" else bound.get("input")
    dim, start, length = bound.get("dim"), bound.get("start"), bound.get("length")
    if x is None or dim is None or start is None or length is None:
        return refuse(Refusal.CANNOT_BIND, "needs dim, start and length; left unchanged")
    s, n = int_literal(start), int_literal(length)
    if s is None or s < 0:
        args = [cst.Arg(x), cst.Arg(dim), cst.Arg(start), cst.Arg(length)]
        return make_call(cst.Name(ctx.support("_torch_narrow")), args)
    end: cst.BaseExpression
    if n is not None:
        end = cst.Integer(str(s + n))
    else:
        end = cst.BinaryOperation(left=atom(start), operator=cst.Add(whitespace_before=SPACE, whitespace_after=SPACE), right=atom(length))
    lists = [cst.List([cst.Element(v)]) for v in (dim, start, end)]
    return make_call(ctx.ref("paddle.slice"), [cst.Arg(x), kw("axes", lists[0]), kw("starts", lists[1]), kw("ends", lists[2])])


snippet("_torch_narrow", '''
def _torch_narrow(x, dim, start, length):
    """torch's narrow: ``length`` elements of ``x`` along ``dim`` from ``start`` (an int
    or a 0-d tensor; a negative start counts from the end)."""
    start = int(start)
    if start < 0:
        start += x.shape[dim]
    return paddle.slice(x, axes=[dim], starts=[start], ends=[start + int(length)])
''')
