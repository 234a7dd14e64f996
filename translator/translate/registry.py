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
  warning) at ``node`` (default: the call), with ``code`` (default: the rule's torch name).

Warnings that accompany a rewrite (``ctx.warn``), support code (``ctx.support``) and Paddle
names (``ctx.ref``) are recorded in the handler's context and applied only when the engine
keeps the result, so a dry run is just calling the handler with a fresh context.

This module sits below the engine: handlers import from here, the engine imports the handler
modules, and nothing here imports the engine.
"""

from __future__ import annotations

import dataclasses
import enum
from typing import TYPE_CHECKING, Callable, Union

import libcst as cst

from ..diagnostics import Severity
from ..rules import ApiRule

if TYPE_CHECKING:
    from .context import TranslateContext


class Refusal(enum.Enum):
    """Why a rewrite left code unchanged."""

    NO_RULE = "no rule"  # the table does not know the API
    UNSUPPORTED_ARGUMENT = "unsupported argument"  # an argument Paddle cannot express
    UNKNOWN_RECEIVER = "unknown receiver"  # a method rule, but the receiver's kind is not known
    NEEDS_NEWER_PADDLE = "needs newer Paddle"  # the rule's min_paddle is above the target
    CANNOT_BIND = "cannot bind"  # the call does not fit the torch signature (*args, a typo...)
    UNSUPPORTED_USE = "unsupported use"  # a form of the call the rewrite cannot express
    SOURCE_NOT_FOUND = "source not found"  # support code copies from a torchvision that is not there


@dataclasses.dataclass(frozen=True)
class Rewritten:
    node: cst.CSTNode


@dataclasses.dataclass(frozen=True)
class Removed:
    pass


# NOTE to whoever splits the handler modules (issue 11, phase 2): the ENGINE OWNER converts the
# handlers to these results after your split lands; do not start that conversion yourself.
# Finish phase 1 (helpers, split, node-based checks), commit and report.
@dataclasses.dataclass(frozen=True)
class Refused:
    kind: Refusal
    message: str
    node: cst.CSTNode | None = None  # where to report (default: the call being rewritten)
    code: str | None = None  # the diagnostic's code (default: the rule's torch name)
    severity: Severity = Severity.ERROR


Result = Union[Rewritten, Removed, Refused]
HandlerFn = Callable[["TranslateContext", cst.Call, ApiRule], "Result | cst.CSTNode | None"]
HANDLERS: dict[str, HandlerFn] = {}


def handler(name: str) -> Callable[[HandlerFn], HandlerFn]:
    """Register a named Python rewrite that rule entries refer to with ``handler = "name"``."""

    def deco(fn: HandlerFn) -> HandlerFn:
        if name in HANDLERS:
            raise ValueError(f"handler {name!r} registered twice")
        HANDLERS[name] = fn
        return fn

    return deco


class SourceError(Exception):
    """The input cannot be translated at all (syntax error, not text)."""

    def __init__(self, path: str, line: int, col: int, message: str) -> None:
        super().__init__(f"{path}:{line}:{col}: {message}")
        self.path, self.line, self.col, self.message = path, line, col, message


class RuleCrash(Exception):
    def __init__(self, rule: str, node: cst.CSTNode, exc: BaseException) -> None:
        super().__init__(f"rule {rule} crashed: {type(exc).__name__}: {exc}")
        self.rule, self.node, self.exc = rule, node, exc


# What a handler returned before ``Removed`` existed; read as ``Removed()`` until every handler
# returns typed results.
REMOVE_STATEMENT = object()
