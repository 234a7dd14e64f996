"""The deprecated ``size_average=``/``reduce=`` of torch's losses, translated for every entry
whose torch signature lists them (as ``out=`` is): torch ignores ``reduction`` when either is
given (not None) and derives it by a fixed rule (``torch.nn._reduction.legacy_get_string``):
both true (None counting as true) is ``'mean'``, only ``reduce`` true is ``'sum'``, ``reduce``
false is ``'none'``.  The call goes on to its rule as if written with that ``reduction=``."""

from __future__ import annotations

import libcst as cst

from ..rules import ApiRule
from .arguments import bind_args
from .results import Refusal, Refused
from .syntax import _code, fix_commas, kw, literal_value

_LEGACY = ("size_average", "reduce")


def legacy_reduction(rule: ApiRule, call: cst.Call) -> cst.Call | Refused | None:
    """``call`` with ``size_average``/``reduce`` replaced by the ``reduction=`` torch derives from
    them; None when the entry has no such arguments or the call gives neither (or only None); a
    ``Refused`` when one is not a literal True, False or None."""
    if rule.params is None or not all(rule.param(n) is not None for n in (*_LEGACY, "reduction")):
        return None
    bound = bind_args(call, rule)
    if isinstance(bound, Refused):
        return None  # the rule itself reports what does not bind
    legacy = {b.param.name: b for b in bound if b.param is not None and b.param.name in _LEGACY}
    values: dict[str, bool] = {}
    for name, b in legacy.items():
        value = literal_value(b.arg.value)
        if value is not None and not isinstance(value, bool):
            message = (f"{name}={_code(b.arg.value)}: write True, False or None here (or reduction=) to translate"
                       " the deprecated argument; left unchanged")
            return Refused(Refusal.UNSUPPORTED_ARGUMENT, message, call)
        if value is not None:
            values[name] = value
    if not values:
        if not legacy:
            return None
        reduction = None  # both None: torch keeps reduction as given
    else:
        size_average, reduce = values.get("size_average", True), values.get("reduce", True)
        reduction = "mean" if size_average and reduce else "sum" if reduce else "none"
    # the arguments after the first positional legacy one go by keyword (positions shift)
    first = min((b.index for b in legacy.values() if b.index is not None), default=None)
    args: list[cst.Arg] = []
    for b in bound:
        if b.param is not None and (b.param.name in _LEGACY or (reduction is not None and b.param.name == "reduction")):
            continue
        if first is not None and b.index is not None and b.index > first and b.param is not None:
            args.append(kw(b.param.name, b.arg.value))
        else:
            args.append(b.arg)
    if reduction is not None:
        args.append(kw("reduction", cst.SimpleString(f'"{reduction}"')))
    return call.with_changes(args=fix_commas(call.args, args))
