"""Rewrites that remove or replace whole statements and library idioms."""

from __future__ import annotations

import libcst as cst

from ...rules import ApiRule
from ..registry import Removed, TranslateContext, handler


@handler("remove_statement")
def remove_statement(ctx: TranslateContext, call: cst.Call, rule: ApiRule) -> Removed:
    """Calls with no Paddle meaning (torchvision's API usage logging) are removed."""
    return Removed()


@handler("support_call")
def support_call(ctx: TranslateContext, call: cst.Call, rule: ApiRule) -> cst.BaseExpression:
    """Calls to a function the translation emits as support code, with a review note."""
    assert rule.support is not None
    ctx.support(rule.support)
    if rule.note:
        ctx.warn(call, rule.torch, rule.note)
    return call.with_changes(func=cst.Name(rule.support))
