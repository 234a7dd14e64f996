"""``TranslateContext``: what a handler may use while it rewrites one call.

One context is made per call (or attribute, or assignment) a rule is applied to.  What the
handler asks for besides its result (warnings, support code, Paddle names that need
``import paddle``) is recorded here and applied by the engine only when it keeps the result
(``Translator.commit``), so a dry run is calling the handler with a fresh context.  What goes
wrong is not recorded here but returned: ``bind`` and ``rewrite`` give a ``Refused`` that the
handler returns as its result.
"""

from __future__ import annotations

import dataclasses
from typing import Protocol

import libcst as cst

from ..diagnostics import Severity
from ..rules import ApiRule, RuleTable
from .arguments import bind_args, rewrite_args
from .results import Caveat, Refusal, Refused
from .scopes import ScopeStack
from .syntax import _code

#: the path the synthetic modules adapters are made from are translated under (``adapters``)
ADAPTER_PATH = "<adapter>"

#: a diagnostic recorded by a context: (node, torch API, message, severity, what it is)
Note = tuple[cst.CSTNode, str, str, Severity, "Refusal | Caveat"]


class Engine(Protocol):
    """What a context asks of the translator (``rewrite.Translator``): nothing that changes it."""

    table: RuleTable
    scopes: ScopeStack

    def spell(self, target: str) -> tuple[cst.BaseExpression, bool]: ...
    def is_tensor_expr(self, expr: cst.BaseExpression) -> bool: ...
    def is_layer_expr(self, expr: cst.BaseExpression) -> bool: ...
    def is_optimizer_expr(self, expr: cst.BaseExpression) -> bool: ...
    def is_device_expr(self, expr: cst.BaseExpression) -> bool: ...
    def is_paddle_tensor_expr(self, expr: cst.BaseExpression) -> bool: ...


class TranslateContext:
    """What a handler may use: Paddle references, receiver evidence, binding arguments, and
    recording warnings and support code."""

    def __init__(
        self, tr: Engine, original: cst.CSTNode | None, updated: cst.CSTNode | None = None, *, statement: bool = False,
        pair: bool = False,
    ) -> None:
        self._tr = tr
        #: the node as written (positions come from it); None for attribute rules
        self.original = original
        self._updated = updated
        self._statement = statement
        self._pair = pair
        self.notes: list[Note] = []
        self.supports: list[str] = []
        self.needs_paddle = False  # a Paddle name was spelled through `import paddle`

    # ------------------------------------------------------------------ output ----------
    def ref(self, target: str) -> cst.BaseExpression:
        """An expression naming the Paddle API ``target`` through the imports the output has."""
        node, needs_paddle = self._tr.spell(target)
        self.needs_paddle = self.needs_paddle or needs_paddle
        return node

    def code(self, node: cst.CSTNode) -> str:
        return _code(node)

    def warn(self, node: cst.CSTNode, code: str, message: str, caveat: Caveat = Caveat.DIFFERS) -> None:
        """A warning that goes with the rewrite (a refusal is returned, not recorded): Paddle's
        result may differ (``Caveat.DIFFERS``), or the rewrite assumed something (``ASSUMED``)."""
        self.notes.append((node, code, message, Severity.WARNING, caveat))

    @property
    def torch_init(self) -> bool:
        """Whether layers get torch's default initialization (``Settings.torch_init``)."""
        return bool(getattr(self._tr, "torch_init", False))

    def support(self, name: str) -> str:
        """Use support snippet ``name`` (emitted once, after the imports); returns its name."""
        self.supports.append(name)
        return name

    def refuse(self, refused: Refused, code: str) -> None:
        """Record ``refused`` (and the refusals reported with it) as diagnostics with ``code``
        (each one's own code, if it has one); the engine calls this for the result it reads."""
        for r in refused.refusals():
            node = r.node if r.node is not None else self._updated or self.original
            self.notes.append((node, r.code or code, r.message, r.severity, r.kind))  # type: ignore[arg-type]

    @property
    def node(self) -> cst.CSTNode | None:
        """The node being translated: as written when known, else as the handler got it."""
        return self.original if self.original is not None else self._updated

    # ------------------------------------------------------------------ arguments -------
    def bind(self, call: cst.Call, rule: ApiRule) -> dict[str, cst.BaseExpression] | Refused:
        """Bind a call's arguments to the rule's torch signature: name -> value expression.

        A ``Refused`` (at ``call``, coded with the rule's torch name) when the call cannot be
        bound, e.g. ``*args``; the handler returns it as its result.
        """
        bound = bind_args(call, rule)
        if isinstance(bound, Refused):
            return bound if bound.code is not None else dataclasses.replace(bound, code=rule.torch)
        out: dict[str, cst.BaseExpression] = {}
        for b in bound:
            if b.param is None:
                message = "arguments passed with * or ** cannot be translated by this rule"
                return Refused(Refusal.CANNOT_BIND, message, call, rule.torch)
            out[b.param.name] = b.arg.value
        return out

    def rewrite(self, call: cst.Call, rule: ApiRule) -> cst.Call | Refused:
        """``call`` rewritten by ``rule``'s data (rename, drop, transform, extra, ...) as if the
        rule had no handler; a ``Refused`` (coded with the rule's torch name) when it cannot be.

        A handler settles the arguments the data cannot express, then hands the rest back with
        an adjusted copy of its rule (``dataclasses.replace(rule, drop=..., extra=...)``).
        """
        original = self.original
        if not (isinstance(original, cst.Call) and len(original.args) == len(call.args)):
            original = call  # the handler changed the arguments: quote them as they are now
        new_args = rewrite_args(
            rule, original, call, lambda node, message: self.warn(node, rule.torch, message, Caveat.UNCHECKED)
        )
        if isinstance(new_args, Refused):
            return new_args if new_args.code is not None else dataclasses.replace(new_args, code=rule.torch)
        func = call.func
        if rule.kind == "function" and rule.paddle is not None:
            func = self.ref(rule.paddle)
        elif rule.kind == "method" and rule.paddle is not None and isinstance(func, cst.Attribute):
            func = func.with_changes(attr=cst.Name(rule.paddle.rsplit(".", 1)[-1]))
        return call.with_changes(func=func, args=new_args)

    def original_of(self, value: cst.BaseExpression) -> cst.BaseExpression | None:
        """The argument value as written in the source, for a value of the call the handler got
        (whose arguments are already translated); None when it is not one of them.

        Evidence and resolution work on original nodes: ``ctx.is_device(ctx.original_of(v))``
        knows ``torch.device(...)`` although ``v`` is its translation."""
        original, updated = self.original, self._updated
        if not (isinstance(original, cst.Call) and isinstance(updated, cst.Call)):
            return None
        if len(original.args) != len(updated.args):
            return None
        for new, old in zip(updated.args, original.args):
            if new.value is value:
                return old.value
        return None

    # ------------------------------------------------------------------ evidence --------
    @property
    def result_unused(self) -> bool:
        """True when the call being translated is a whole expression statement."""
        return self._statement

    @property
    def result_taken_apart(self) -> bool:
        """True when the call's result is only unpacked (``a, b = call``), indexed by a literal
        0 or 1, or read as ``.values``/``.indices``: a plain tuple serves there."""
        return self._pair

    def resolve(self, expr: cst.BaseExpression) -> str | None:
        """The torch qualified name an original (untranslated) expression refers to, or None."""
        return self._tr.scopes.resolve(expr)

    def _as_written(self, expr: cst.BaseExpression) -> cst.BaseExpression:
        """The receiver or an argument of the call as written, for its translation (evidence
        reads torch code: ``torch.tensor(3)``, not ``paddle.to_tensor(3)``)."""
        original, updated = self.original, self._updated
        if isinstance(original, cst.Call) and isinstance(updated, cst.Call):
            if isinstance(updated.func, cst.Attribute) and updated.func.value is expr and isinstance(original.func, cst.Attribute):
                return original.func.value
            return self.original_of(expr) or expr
        return expr

    def is_tensor(self, expr: cst.BaseExpression) -> bool:
        return self._tr.is_tensor_expr(self._as_written(expr))

    def is_paddle_tensor(self, expr: cst.BaseExpression) -> bool:
        """Known to hold a Paddle value (``paddle.to_tensor(...)``: a translation read again)."""
        return self._tr.is_paddle_tensor_expr(self._as_written(expr))

    def is_layer(self, expr: cst.BaseExpression) -> bool:
        """Known to be an nn.Module (see the evidence in rules/tensor_methods.toml)."""
        return self._tr.is_layer_expr(self._as_written(expr))

    def is_optimizer(self, expr: cst.BaseExpression) -> bool:
        return self._tr.is_optimizer_expr(self._as_written(expr))

    def is_device(self, expr: cst.BaseExpression) -> bool:
        """A ``torch.device`` value: a ``torch.device(...)`` call or a name only assigned one."""
        return self._tr.is_device_expr(self._as_written(expr))

    @property
    def in_adapter(self) -> bool:
        """Whether this is the synthetic call an adapter is made from (``adapters``): its
        arguments are the adapter's parameters, any value at run time."""
        return getattr(self._tr, "path", None) == ADAPTER_PATH

    @property
    def in_layer_class(self) -> bool:
        return self._tr.scopes.current_class_is_layer()

    @property
    def rules(self) -> RuleTable:
        return self._tr.table
