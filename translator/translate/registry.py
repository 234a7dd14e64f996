"""The handler registry, and what a rewrite returns.

A handler is a named Python rewrite that table entries refer to (``handler = "name"``)::

    @handler("tensor_size")
    def tensor_size(ctx: TranslateContext, call: cst.Call, rule: ApiRule) -> Result:
        ...

It gets the call with its children already translated and returns a value that says what
happened; it never reports through side effects:

* ``Rewritten(node)``: the replacement (a bare ``cst`` node is read the same way);
* ``Removed()``: the whole statement goes (``x.cuda()`` alone on a line);
* ``Refused(kind, message, node=..., code=...)``: left unchanged, reported as an error (or a
  warning) at ``node`` (default: the call), with ``code`` (default: the rule's torch name);
  ``also=(...)`` adds further refusals of the same call, ``quiet=True`` reports nothing.

Anything else (``None`` included) is a bug in the handler: the translation of the file stops
with a ``RuleCrash`` naming the rule.  ``ctx.bind`` and ``ctx.rewrite`` give a ``Refused`` when
the call does not fit, which the handler returns as it is.  (The result types live in
``results``; they are re-exported here with everything a handler module needs.)

Warnings that accompany a rewrite (``ctx.warn``), support code (``ctx.support``) and Paddle
names (``ctx.ref``) are recorded in the handler's context and applied only when the engine
keeps the result, so a dry run is just calling the handler with a fresh context.

This module sits below the engine: handlers import from here (and ``context``), the engine
imports the handler modules, and nothing here imports the engine.
"""

from __future__ import annotations

from typing import Callable

import libcst as cst

from ..rules import ApiRule
from .context import TranslateContext
from .results import Caveat, Refusal, Refused, Removed, Result, Rewritten

__all__ = [
    "HANDLERS", "Caveat", "HandlerFn", "Refusal", "Refused", "Removed", "Result", "Rewritten",
    "RuleCrash", "TranslateContext", "handler",
]


HandlerFn = Callable[[TranslateContext, cst.Call, ApiRule], "Result | cst.CSTNode"]
HANDLERS: dict[str, HandlerFn] = {}


def handler(name: str) -> Callable[[HandlerFn], HandlerFn]:
    """Register a named Python rewrite that rule entries refer to with ``handler = "name"``."""

    def deco(fn: HandlerFn) -> HandlerFn:
        if name in HANDLERS:
            raise ValueError(f"handler {name!r} registered twice")
        HANDLERS[name] = fn
        return fn

    return deco


class RuleCrash(Exception):
    """A rule raised: the translation of the file fails, naming the rule and the place."""

    def __init__(self, rule: str, node: cst.CSTNode, exc: BaseException) -> None:
        super().__init__(f"rule {rule} crashed: {type(exc).__name__}: {exc}")
        self.rule, self.node, self.exc = rule, node, exc
