"""Helpers that only handlers use: one copy of each, shared by every handler module.

They live here rather than in ``translate/syntax.py`` because they need what a handler has (the
``TranslateContext``, the rule, the typed results): building blocks that are plain LibCST
(``kw``, ``separated``, ``paren``, ``atom``, the literal readers) are in ``syntax`` and are
re-exported here, so a handler module imports its helpers from one place.
"""

from __future__ import annotations

import ast
import dataclasses
import textwrap
from typing import Callable, TypeGuard, Union

import libcst as cst

from ...diagnostics import Severity
from ...rules import ApiRule
from .. import support as support_code
from ..registry import Caveat, Refusal, Refused, Removed, TranslateContext
from ..resolve import dotted_name
from ..syntax import (  # noqa: F401  (re-exported for the handler modules)
    COMMA,
    EQ,
    NOT_LITERAL,
    _same_literal,
    argument,
    atom,
    float_literal,
    int_literal,
    is_number_literal,
    kw,
    literal_is,
    literal_value,
    paren,
    separated,
    string_literal,
)

SPACE = cst.SimpleWhitespace(" ")

Outcome = Union[cst.CSTNode, Removed, Refused]
"""What a handler returns: the replacement node (read as ``Rewritten(node)``), ``Removed()``, or
a ``Refused`` that says why the call is left unchanged."""


# ------------------------------------------------------------------------- results ---------
def refuse(kind: Refusal, message: str) -> Refused:
    """An error refusal at the call being rewritten, coded with the rule's torch name."""
    return Refused(kind, message)


def doubt(kind: Refusal, message: str) -> Refused:
    """A refusal reported as a warning: the call may well be fine, the handler cannot tell."""
    return Refused(kind, message, severity=Severity.WARNING)


def quietly(kind: Refusal, message: str) -> Refused:
    """Left unchanged without a report: a form the handler does not cover, not worth a note."""
    return Refused(kind, message, quiet=True)


def refused(result: object) -> TypeGuard[Refused]:
    """What ``ctx.bind``/``ctx.rewrite`` (or a helper) gave is no value but a ``Refused``: the
    handler returns it as it is."""
    return isinstance(result, Refused)


def together(refusals: list[Refused]) -> Refused | None:
    """Several refusals of one call as one result (the first, reported with the others), or None
    when there are none."""
    if not refusals:
        return None
    return dataclasses.replace(refusals[0], also=(*refusals[0].also, *refusals[1:]))


# ------------------------------------------------------------------------- rules -----------
def plain_rule(rule: ApiRule, *consumed: str, **changes: object) -> ApiRule:
    """The rule as plain data for ``ctx.rewrite``: no handler, and the arguments the handler
    settled itself (``consumed``) dropped and no longer ``unsupported``; ``changes`` replace
    other fields (``extra=...``, ``paddle=...``)."""
    drop = tuple(dict.fromkeys([*rule.drop, *consumed]))
    unsupported = {k: v for k, v in rule.unsupported.items() if k not in consumed}
    return dataclasses.replace(rule, drop=drop, unsupported=unsupported, handler=None, **changes)  # type: ignore[arg-type]


# ------------------------------------------------------------------------- calls -----------
def receiver(call: cst.Call) -> cst.BaseExpression:
    """The ``x`` of a method call ``x.f(...)``."""
    assert isinstance(call.func, cst.Attribute)
    return call.func.value


def is_simple(expr: cst.BaseExpression, *, parenthesized: bool = False) -> bool:
    """A name or an attribute chain (``x``, ``self.w``): it may be written twice in the output,
    it evaluates to the same thing.  The method handlers refuse it in parentheses (``(x).f()``),
    the function handlers accept it (``parenthesized=True``); both kept as they were."""
    return dotted_name(expr) is not None and (parenthesized or not getattr(expr, "lpar", None))


def make_call(func: cst.BaseExpression, args: list[cst.Arg]) -> cst.Call:
    """``func(a, b, c)``."""
    return cst.Call(func=func, args=separated(args))


def method_call(call_: cst.Call, name: str, args: list[cst.Arg]) -> cst.Call:
    """The method call ``call_`` (``x.f(...)``) as ``x.name(args)``."""
    func = call_.func
    assert isinstance(func, cst.Attribute)
    return cst.Call(func=func.with_changes(attr=cst.Name(name)), args=separated(args))


def call_on(recv: cst.BaseExpression, name: str, args: list[cst.Arg]) -> cst.Call:
    """``recv.name(args)``, ``recv`` in parentheses where it is an operation or an integer
    literal (``0.clip_()`` does not parse)."""
    base = paren(recv) if isinstance(recv, cst.Integer) and not recv.lpar else atom(recv)
    return cst.Call(func=cst.Attribute(value=base, attr=cst.Name(name)), args=separated(args))


def as_list(args: list[cst.Arg]) -> cst.List:
    """Arguments ``a, *b, c`` as the list ``[a, *b, c]`` (varargs Paddle takes as one list)."""
    return cst.List(separated([cst.StarredElement(a.value) if a.star == "*" else cst.Element(a.value) for a in args]))


# ------------------------------------------------------------------------- shapes ----------
def _int_expression(e: cst.BaseExpression) -> bool:
    """An expression that is an int, not a shape: ``3``, ``-1``, ``x.shape[0]``, ``len(s)``, ``n * 2``."""
    if isinstance(e, cst.Integer):
        return True
    if isinstance(e, cst.UnaryOperation):
        return _int_expression(e.expression)
    if isinstance(e, cst.Subscript):
        return isinstance(e.value, cst.Attribute) and e.value.attr.value == "shape" and len(e.slice) == 1 \
            and isinstance(e.slice[0].slice, cst.Index)
    if isinstance(e, cst.Call) and isinstance(e.func, cst.Name):
        return e.func.value in ("len", "int")
    if isinstance(e, cst.BinaryOperation) and isinstance(e.operator, (cst.Multiply, cst.FloorDivide, cst.Add, cst.Subtract)):
        return _int_expression(e.left) or _int_expression(e.right)
    return False


def _size_call(e: cst.BaseExpression, *, bare: bool) -> bool:
    """``x.size()`` (with ``bare=False`` also ``x.size(...)`` with arguments)."""
    return isinstance(e, cst.Call) and isinstance(e.func, cst.Attribute) and e.func.attr.value == "size" \
        and (not bare or not e.args)


@dataclasses.dataclass(frozen=True)
class ShapePolicy:
    """How one family of torch APIs that take a shape as ``f(2, 3)`` or ``f((2, 3))`` reads it.

    torch accepts sizes as separate arguments or as one sequence; Paddle wants one list.  The
    three families below grew their rules separately and tell "one size" from "a shape" a little
    differently; the differences are visible in outputs and messages, so each is a field here
    (a later behaviour change can unify them; this refactor keeps every output).
    """

    noun: str
    """What the argument is called in messages: "a shape", "sizes", "a size"."""
    one_size: Callable[[cst.BaseExpression], bool]
    """A lone argument that is one size (``f(3)`` -> ``[3]``)."""
    size_call: str | None
    """A lone ``x.size(...)`` is a shape: "any" (with or without arguments), "bare" (only
    ``x.size()``), or None (not recognized)."""
    doubt: str
    """How the warning for a lone argument of unknown kind ends: "a shape", "a sequence"."""
    empty: str | None
    """The refusal for no argument at all, or None: ``f()`` is the empty shape ``[]``."""
    refuse_tensor: bool = False
    """A lone argument known to be a tensor is refused (not taken as a shape)."""
    doubt_star: bool = False
    """Several arguments with ``*`` among them give a warning (they are assumed sizes)."""
    refuse_double_star: bool = False
    """Several arguments with ``**`` among them are refused."""


#: ``x.view(2, 3)`` / ``x.reshape(2, 3)``
VIEW_SHAPE = ShapePolicy(
    noun="a shape", one_size=lambda v: isinstance(v, (cst.Integer, cst.UnaryOperation)), size_call="any",
    doubt="a shape", empty=None, doubt_star=True,
)
#: ``x.permute(0, 2, 1)``, ``x.expand(...)``, ``x.repeat(...)``, ``x.flip(...)``, ``x.new_zeros(...)``
METHOD_SIZES = ShapePolicy(
    noun="sizes", one_size=lambda v: int_literal(v) is not None, size_call=None,
    doubt="a sequence", empty="no sizes given; left unchanged", refuse_tensor=True,
)
#: ``torch.zeros(2, 3)`` and the other creation functions (keywords already taken out)
CREATION_SIZE = ShapePolicy(
    noun="a size", one_size=_int_expression, size_call="bare",
    doubt="a shape", empty=None, refuse_double_star=True,
)


def shape_argument(
    ctx: TranslateContext, call_: cst.Call, rule: ApiRule, args: list[cst.Arg], policy: ShapePolicy,
    keywords: tuple[str, ...] = (),
) -> cst.BaseExpression | Refused:
    """The one Paddle shape for the shape arguments ``args`` of ``call_``: ``f(2, 3)``,
    ``f((2, 3))``, ``f(*shape)`` and ``f(size=...)`` (a lone keyword in ``keywords``)."""
    if any(a.keyword is not None for a in args):
        if len(args) == 1 and args[0].keyword.value in keywords:  # type: ignore[union-attr]
            return args[0].value
        return refuse(Refusal.CANNOT_BIND, "unexpected keyword arguments; left unchanged")
    if not args and policy.empty is not None:
        return refuse(Refusal.CANNOT_BIND, policy.empty)
    if len(args) == 1:
        only = args[0]
        if only.star == "*":
            return cst.List([cst.StarredElement(only.value)])
        if only.star:
            return refuse(Refusal.CANNOT_BIND, f"{policy.noun} passed with ** cannot be translated; left unchanged")
        value = only.value
        if policy.one_size(value):
            return cst.List([cst.Element(value)])
        if isinstance(value, (cst.Tuple, cst.List)) or (isinstance(value, cst.Attribute) and value.attr.value == "shape"):
            return value
        if policy.size_call is not None and _size_call(value, bare=policy.size_call == "bare"):
            return value
        if policy.refuse_tensor and ctx.is_tensor(value):
            return refuse(Refusal.UNSUPPORTED_ARGUMENT, f"{policy.noun} given as a tensor; left unchanged")
        ctx.warn(call_, rule.torch, f"could not tell whether {ctx.code(value)!r} is one size or {policy.doubt}; "
                 f"assumed {policy.doubt}", Caveat.ASSUMED)
        return value
    if policy.doubt_star and any(a.star for a in args):
        ctx.warn(call_, rule.torch, "shape given through *args; assumed to be a sequence of sizes", Caveat.ASSUMED)
    if policy.refuse_double_star and any(a.star == "**" for a in args):
        return refuse(Refusal.CANNOT_BIND, f"{policy.noun} passed with ** cannot be translated; left unchanged")
    return as_list(args)


def operand(e: cst.BaseExpression) -> cst.BaseExpression:
    """``e`` as an operand of an operator the ``torch.*`` function handlers write: names,
    attributes, calls, subscripts and number literals as they are, anything else in (one pair
    of) parentheses.  (The method handlers use the tighter :func:`atom`; kept apart so outputs
    stay as they were.)"""
    if isinstance(e, (cst.Name, cst.Attribute, cst.Call, cst.Subscript, cst.Integer, cst.Float)):
        return e
    return paren(e)


# ------------------------------------------------------------------------- arguments -------
def _is_default(rule: ApiRule, name: str, value: cst.BaseExpression) -> bool:
    p = rule.param(name)
    if p is None or p.default is None:
        return False
    lit = literal_value(value)
    return lit is not NOT_LITERAL and lit == ast.literal_eval(p.default)


def bind_supported(ctx: TranslateContext, call_: cst.Call, rule: ApiRule) -> dict[str, cst.BaseExpression] | Refused:
    """``ctx.bind``, refusing an ``unsupported`` argument given with a value other than its default."""
    bound = ctx.bind(call_, rule)
    if refused(bound):
        return bound
    for name, why in rule.unsupported.items():
        if name in bound and not _is_default(rule, name, bound[name]):
            return refuse(Refusal.UNSUPPORTED_ARGUMENT, f"{name}={ctx.code(bound[name])}: {why}; left unchanged")
    return bound


# torch dtypes as the source names them (the dtype rules translate each to a ``paddle.<dtype>``)
TORCH_DTYPES = frozenset(
    "torch." + name
    for name in "float32 float float64 double float16 half bfloat16 int8 uint8 int16 short int32 int int64 long bool"
    " complex64 complex128 cfloat cdouble".split()
)
# Paddle dtypes as code that is already Paddle spells them (a translation translated again)
PADDLE_DTYPES = frozenset(
    "paddle." + name for name in "float32 float64 float16 bfloat16 int8 uint8 int16 int32 int64 bool complex64 complex128".split()
)


def is_torch_dtype(ctx: TranslateContext, value: cst.BaseExpression) -> bool:
    """A torch dtype as written in the source (``torch.float32``, ``torch.long``), for an
    argument value of the call the handler got (asked of the original node, not of its
    translation)."""
    original = ctx.original_of(value)
    return original is not None and ctx.resolve(original) in TORCH_DTYPES


def is_dtype(ctx: TranslateContext, value: cst.BaseExpression) -> bool:
    """A dtype argument: a torch dtype (:func:`is_torch_dtype`), a Paddle dtype the source
    already spells (``paddle.float32``: translating a translation again must not add
    diagnostics) or another tensor's ``.dtype``."""
    if is_torch_dtype(ctx, value) or (isinstance(value, cst.Attribute) and value.attr.value == "dtype"):
        return True
    original = ctx.original_of(value)
    return original is not None and dotted_name(original) in PADDLE_DTYPES


_DEVICE_KINDS = ("cpu", "cuda", "gpu", "mps", "xpu", "meta")


def is_device(ctx: TranslateContext, value: cst.BaseExpression) -> bool:
    """A device argument: a device string, an int (a CUDA index), ``torch.device(...)`` or a name
    only assigned one (asked of the source as written), or a name or attribute called ``device``
    (``device``, ``self.device``, ``args.device``, ``*_device``)."""
    if isinstance(value, cst.SimpleString):
        text = value.evaluated_value
        return isinstance(text, str) and text.split(":")[0] in _DEVICE_KINDS
    if isinstance(value, cst.Integer):
        return True
    original = ctx.original_of(value)
    if ctx.is_device(original if original is not None else value):
        return True
    name = dotted_name(value)
    if name is not None:
        last = name.rsplit(".", 1)[-1]
        return last == "device" or last.endswith("_device")
    return False


# ------------------------------------------------------------------------- support code ----
def snippet(name: str, code: str, *, imports: tuple[str, ...] = (), deps: tuple[str, ...] = (), paddle: bool = True) -> None:
    """Register the support snippet ``name`` (Paddle code emitted once into a translated file)."""
    if name in support_code.SNIPPETS:
        raise ValueError(f"support snippet {name!r} defined twice")
    support_code.SNIPPETS[name] = support_code.Snippet(code=code.strip("\n") + "\n", imports=imports, deps=deps, paddle=paddle)


def docstring(text: str, indent: str = "    ") -> str:
    """``text`` as the docstring of a snippet made from a template, wrapped to 88 columns at
    ``indent`` (black leaves docstrings as written); the template supplies the first indent."""
    lines = textwrap.wrap(
        f'"""{text}"""', width=88, initial_indent=indent, subsequent_indent=indent,
        break_long_words=False, break_on_hyphens=False,
    )
    return "\n".join(lines)[len(indent):]


def quoted(value: str) -> cst.SimpleString:
    """A double-quoted string literal."""
    return cst.SimpleString(f'"{value}"')


def divided(a: cst.BaseExpression, b: cst.BaseExpression) -> cst.BaseExpression:
    """``a / b``, each side parenthesized when it is an operation."""
    return cst.BinaryOperation(left=atom(a), operator=cst.Divide(whitespace_before=SPACE, whitespace_after=SPACE), right=atom(b))


def pair_item(value: cst.BaseExpression, i: int) -> cst.BaseExpression:
    """Element ``i`` of a pair: the literal's element, or ``value[i]``."""
    if isinstance(value, (cst.Tuple, cst.List)) and len(value.elements) == 2:
        return value.elements[i].value
    return cst.Subscript(value=atom(value), slice=[cst.SubscriptElement(cst.Index(cst.Integer(str(i))))])


def with_arg(call_: cst.Call, arg: cst.Arg) -> cst.Call:
    """``call_`` with ``arg`` appended after its last argument (which keeps its own layout)."""
    return call_.with_changes(args=[*call_.args[:-1], call_.args[-1].with_changes(comma=COMMA), arg])


def flag_value(ctx: TranslateContext, call_: cst.Call, rule: ApiRule, bound: dict, name: str, default: bool) -> bool | Refused:
    """A boolean argument that decides what Paddle code to write: its literal value, ``default``
    when it is not given, or a refusal when it is not a literal (see :func:`flag_values`)."""
    value = bound.get(name)
    if value is None:
        return default
    text = ctx.code(value).strip()
    if text in ("True", "False"):
        return text == "True"
    message = f"{name}={text}: write True or False here to translate this layer; left unchanged"
    return Refused(Refusal.UNSUPPORTED_USE, message, call_, rule.torch)


def flag_values(ctx: TranslateContext, call_: cst.Call, rule: ApiRule, bound: dict, **defaults: bool) -> dict[str, bool] | Refused:
    """The boolean arguments ``defaults`` names (see :func:`flag_value`), in that order; when
    some are not literals, one refusal that reports each of them."""
    values: dict[str, bool] = {}
    problems: list[Refused] = []
    for name, default in defaults.items():
        value = flag_value(ctx, call_, rule, bound, name, default)
        if isinstance(value, Refused):
            problems.append(value)
        else:
            values[name] = value
    return together(problems) or values
