"""The handler registry: named Python rewrites that table entries refer to (``handler = "name"``).

This module sits below the engine: handlers import ``handler`` from here, the engine imports
the handler modules, and nothing here imports the engine.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable

import libcst as cst

from ..rules import ApiRule

if TYPE_CHECKING:
    from .context import TranslateContext

HandlerFn = Callable[["TranslateContext", cst.Call, ApiRule], "cst.BaseExpression | None"]
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


REMOVE_STATEMENT = object()
