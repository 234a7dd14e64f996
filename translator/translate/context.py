"""``TranslateContext``: what a handler may use while it rewrites one call."""

from __future__ import annotations

from typing import TYPE_CHECKING

import libcst as cst

from ..diagnostics import Severity
from ..rules import ApiRule, RuleTable
from .arguments import bind_args, rewrite_args
from .registry import REMOVE_STATEMENT
from .syntax import _code

if TYPE_CHECKING:
    from .rewrite import Translator


class TranslateContext:
    """What a handler may use: emitting references and diagnostics, binding arguments."""

    def __init__(self, tr: "Translator") -> None:
        self._tr = tr

    def ref(self, target: str) -> cst.BaseExpression:
        return self._tr.ref(target)

    def code(self, node: cst.CSTNode) -> str:
        return _code(node)

    def error(self, node: cst.CSTNode, code: str, message: str) -> None:
        self._tr.report(node, code, message, Severity.ERROR)

    def warn(self, node: cst.CSTNode, code: str, message: str) -> None:
        self._tr.report(node, code, message, Severity.WARNING)

    def support(self, name: str) -> str:
        self._tr.need_support(name)
        return name

    def remove_statement(self) -> object:
        return REMOVE_STATEMENT

    def bind(self, call: cst.Call, rule: ApiRule) -> dict[str, cst.BaseExpression] | None:
        """Bind a call's arguments to the rule's torch signature: name -> value expression.

        Returns None (after reporting) when the call cannot be bound, e.g. ``*args``.
        """
        bound = bind_args(call, rule, self._tr.report)
        if bound is None:
            return None
        out: dict[str, cst.BaseExpression] = {}
        for b in bound:
            if b.param is None:
                self.error(call, rule.torch, "arguments passed with * or ** cannot be translated by this rule")
                return None
            out[b.param.name] = b.arg.value
        return out

    def rewrite(self, call: cst.Call, rule: ApiRule) -> cst.Call | None:
        """``call`` rewritten by ``rule``'s data (rename, drop, transform, extra, ...) as if the
        rule had no handler; None after reporting.

        A handler settles the arguments the data cannot express, then hands the rest back with
        an adjusted copy of its rule (``dataclasses.replace(rule, drop=..., extra=...)``).
        """
        original = self._tr.current_call
        if not (isinstance(original, cst.Call) and len(original.args) == len(call.args)):
            original = call  # the handler changed the arguments: quote them as they are now
        new_args = rewrite_args(rule, original, call, self._tr.report)
        if new_args is None:
            return None
        func = call.func
        if rule.kind == "function" and rule.paddle is not None:
            func = self.ref(rule.paddle)
        elif rule.kind == "method" and rule.paddle is not None and isinstance(func, cst.Attribute):
            func = func.with_changes(attr=cst.Name(rule.paddle.rsplit(".", 1)[-1]))
        return call.with_changes(func=func, args=new_args)

    @property
    def result_unused(self) -> bool:
        """True when the call being translated is a whole expression statement."""
        return self._tr.current_call_is_statement

    def is_tensor(self, expr: cst.BaseExpression) -> bool:
        return self._tr.is_tensor_expr(expr)

    def is_layer(self, expr: cst.BaseExpression) -> bool:
        """Known to be an nn.Module (see the evidence in rules/tensor_methods.toml)."""
        return self._tr.is_layer_expr(expr)

    def is_optimizer(self, expr: cst.BaseExpression) -> bool:
        return self._tr.is_optimizer_expr(expr)

    def is_device(self, expr: cst.BaseExpression) -> bool:
        """A ``torch.device`` value: a ``torch.device(...)`` call or a name only assigned one."""
        return self._tr.is_device_expr(expr)

    @property
    def in_layer_class(self) -> bool:
        return self._tr.scopes.current_class_is_layer()

    @property
    def rules(self) -> RuleTable:
        return self._tr.table
