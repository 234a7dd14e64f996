"""Arguments: bind a call to the rule's torch signature, then apply the rule's data (rename,
drop, drop_if, transform, extra, unsupported)."""

from __future__ import annotations

import contextlib
import dataclasses
from typing import Callable, Iterator

import libcst as cst

from ..rules import ApiRule, Param
from .results import Refusal, Refused
from .syntax import _NO_SPACE, _NUMBER, _code, _same_literal, fix_commas, literal_value

#: how a rewrite that goes ahead notes what it could not check: ``warn(node, message)``
Warn = Callable[[cst.CSTNode, str], None]


# calls standing for `functools.partial(F, ...)`: arguments given later are not missing
_PARTIAL_CALLS: set[int] = set()


@contextlib.contextmanager
def binding_partially(*calls: cst.Call) -> Iterator[None]:
    """While inside, binding ``calls`` does not require every argument (see ``call_forms.leave_partial``)."""
    ids = {id(c) for c in calls}
    _PARTIAL_CALLS.update(ids)
    try:
        yield
    finally:
        _PARTIAL_CALLS.difference_update(ids)


@dataclasses.dataclass
class BoundArg:
    arg: cst.Arg
    param: Param | None
    index: int | None  # position among the positional arguments, for positional ones


def bind_args(call: cst.Call, rule: ApiRule) -> list[BoundArg] | Refused:
    """Each argument of ``call`` with the parameter of the rule's torch signature it binds to
    (``param`` None for ``*args``/``**kwargs`` and what follows a ``*``)."""
    params = rule.params
    if params is None:
        return [BoundArg(a, None, None) for a in call.args]
    positional = [p for p in params if p.kind == "positional"]
    varargs = next((p for p in params if p.kind == "varargs"), None)
    varkw = next((p for p in params if p.kind == "varkw"), None)
    out: list[BoundArg] = []
    i = 0
    after_star = False
    for arg in call.args:
        if arg.star == "*":
            after_star = True
            out.append(BoundArg(arg, None, None))
        elif arg.star == "**":
            out.append(BoundArg(arg, None, None))
        elif arg.keyword is None:
            if after_star:
                out.append(BoundArg(arg, None, None))
            elif i < len(positional):
                out.append(BoundArg(arg, positional[i], i))
                i += 1
            elif varargs is not None:
                out.append(BoundArg(arg, varargs, i))
                i += 1
            else:
                return Refused(Refusal.CANNOT_BIND, f"too many positional arguments for {rule.torch}; left unchanged", call)
        else:
            p = rule.param(arg.keyword.value)
            if p is None or p.kind in ("varargs", "varkw"):
                if varkw is None:
                    message = f"unexpected keyword argument {arg.keyword.value!r}; left unchanged"
                    # a method call spelled with Paddle's name of a renamed argument
                    # (`m.named_parameters(include_sublayers=False)`) is a first pass's output
                    paddle_form = rule.kind == "method" and arg.keyword.value in rule.rename.values()
                    return Refused(Refusal.CANNOT_BIND, message, call, quiet=paddle_form)
                out.append(BoundArg(arg, varkw, None))
            else:
                out.append(BoundArg(arg, p, None))
    given = {b.param.name for b in out if b.param is not None}
    if not any(b.arg.star for b in out) and id(call) not in _PARTIAL_CALLS:
        missing = [p.name for p in params if p.default is None and p.kind in ("positional", "keyword") and p.name not in given]
        if missing:
            return Refused(Refusal.CANNOT_BIND, f"missing argument {missing[0]!r}; left unchanged", call)
    return out


def rewrite_args(rule: ApiRule, original: cst.Call, updated: cst.Call, warn: Warn) -> list[cst.Arg] | Refused:
    """The arguments of ``updated`` rewritten by the rule's data; ``original`` (the call as
    written) is what messages quote."""
    bound = bind_args(updated, rule)
    if isinstance(bound, Refused):
        return bound
    has_arg_rules = bool(rule.rename or rule.drop or rule.drop_if or rule.transform or rule.unsupported)
    if has_arg_rules and any(b.arg.star for b in bound):
        star_kinds = {b.arg.star for b in bound if b.arg.star}
        if "**" in star_kinds and (rule.rename or rule.drop or rule.unsupported):
            warn(original, "keys passed through **kwargs are not renamed; check them")
        if "*" in star_kinds and rule.positional_prefix < len([p for p in rule.params or () if p.kind == "positional"]):
            warn(original, "arguments passed through *args are not checked; check them")
    new: list[cst.Arg] = []
    for b in bound:
        arg, p = b.arg, b.param
        if p is None or p.kind in ("varargs", "varkw"):
            new.append(arg)
            continue
        if p.name in rule.unsupported:
            value_code = _code(arg.value)
            if p.default is not None and (_same_literal(value_code, p.default) or _repeated_default(arg.value, p.default)):
                continue
            # messages quote the source as written (the updated call may hold translated values)
            written = {id(u): o.value for u, o in zip(updated.args, original.args)}
            shown = _code(written[id(arg)]) if id(arg) in written else value_code
            if not isinstance(arg.value, (cst.Integer, cst.Float, cst.SimpleString)) and shown not in ("True", "False", "None"):
                shown = "..."  # only literals are quoted: other text may change when translated
            message = f"{p.name}={shown}: {rule.unsupported[p.name]}; left unchanged"
            return Refused(Refusal.UNSUPPORTED_ARGUMENT, message, original)
        if p.name in rule.drop:
            continue
        if p.name in rule.drop_if and _same_literal(_code(arg.value), rule.drop_if[p.name]):
            continue
        value = arg.value
        if p.name in rule.transform:
            value = _apply_transform(rule.transform[p.name], arg.value)
        new_name = rule.rename.get(p.name, p.name)
        if b.index is not None and b.index < rule.positional_prefix and arg.keyword is None:
            new.append(arg.with_changes(value=value))
        elif arg.keyword is not None:
            new.append(arg.with_changes(keyword=cst.Name(new_name), value=value))
        else:
            new.append(
                arg.with_changes(
                    keyword=cst.Name(new_name),
                    equal=cst.AssignEqual(whitespace_before=_NO_SPACE, whitespace_after=_NO_SPACE),
                    value=value,
                )
            )
    for extra_name, extra_value in _extras(rule):
        new.append(
            cst.Arg(
                keyword=cst.Name(extra_name),
                equal=cst.AssignEqual(whitespace_before=_NO_SPACE, whitespace_after=_NO_SPACE),
                value=cst.parse_expression(extra_value),
            )
        )
    return fix_commas(updated.args, new)


def _extras(rule: ApiRule) -> list[tuple[str, str]]:
    return list(rule.extra.items())


def _changes_something(rule: ApiRule) -> bool:
    if rule.handler is not None:
        return True
    if rule.paddle is not None and rule.paddle.rsplit(".", 1)[-1] != rule.name:
        return True
    return bool(rule.rename or rule.drop or rule.drop_if or rule.transform or rule.unsupported)


_FOLD_BUILTINS = {"bool": bool, "int": int, "float": float, "abs": abs, "min": min, "max": max, "round": round}


def _apply_transform(template: str, value: cst.BaseExpression) -> cst.BaseExpression:
    code = _code(value)
    if _NUMBER.match(code):
        try:  # the value is a number literal; the template is table data (e.g. "1 - {}", "not {}")
            result = eval(template.format(code), {"__builtins__": _FOLD_BUILTINS})
        except Exception:
            result = None
        if isinstance(result, bool):
            return cst.Name(repr(result))
        if isinstance(result, (int, float)):
            return cst.parse_expression(repr(round(result, 12)))
    if not isinstance(value, (cst.Name, cst.Attribute, cst.Call, cst.Subscript)):
        code = f"({code})"
    return cst.parse_expression(template.format(code))


def _repeated_default(value: cst.BaseExpression, default: str) -> bool:
    """``(1, 1)`` or ``[1, 1]`` where the default is the number 1: torch expands a number to one
    per spatial dimension (``_pair``, ``_triple``), so the two say the same."""
    try:
        number = float(default)
    except ValueError:
        return False
    items = literal_value(value)
    return (isinstance(items, (tuple, list)) and bool(items)
            and all(isinstance(e, (int, float)) and not isinstance(e, bool) and e == number for e in items))
