"""Receiver evidence: is this expression a tensor, a layer, an optimizer, a device?

Method rules (``x.view(...)``, ``model.parameters()``) apply only when the receiver is known
to be what the rule needs.  What each name holds where it is read is inferred for the whole
file before translation (``inference``: flow-sensitive, iterated to a fixpoint); this mixin
asks it about the expression at hand, at the statement being translated.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import libcst as cst

from .expressions import chain_root, is_tensor_class
from .inference import Inference
from .kinds import DEVICE, FOREIGN, OPTIMIZER, TENSOR, Kind, is_layer, is_non_torch

if TYPE_CHECKING:
    from ..rules import RuleTable
    from .resolve import Prepass
    from .scopes import ScopeStack

# what calls tell the evidence is declared in the rule table (each entry's ``evidence``: a method
# or function result that is not a tensor, a method returning its receiver's kind, a method only
# layers have) and read through ``RuleTable.names_with_evidence``; the rest is in ``expressions``.


class EvidenceMixin:
    """The evidence methods of the translator (``rewrite.Translator``), which provides the
    rule ``table``, the ``pre``-pass, the ``scopes``, ``layer_classes`` (classes of this file
    that subclass ``nn.Module``) and ``stmt_chain`` (the statements being visited)."""

    table: "RuleTable"
    pre: "Prepass"
    scopes: "ScopeStack"
    layer_classes: set[str]
    stmt_chain: list[tuple[cst.CSTNode, tuple]]
    chain_roots: dict
    inference: Inference | None = None

    def infer_receivers(self, module: cst.Module) -> None:
        """Read the whole file once before translating it (``inference.Inference.run``)."""
        self.inference = Inference(self.table, self.pre, self.scopes, self._class_is_layer)
        self.inference.run(module)

    def kind_here(self, expr: cst.BaseExpression) -> Kind:
        """What ``expr`` holds at the statement being translated."""
        if self.inference is None:
            return None
        statement = self.stmt_chain[-1][0] if self.stmt_chain else None
        return self.inference.kind_at(expr, statement)

    def is_tensor_expr(self, expr: cst.BaseExpression) -> bool:
        kind = self.kind_here(expr)
        return kind == TENSOR or self._tensor_instance(kind)

    def _tensor_instance(self, kind: Kind) -> bool:
        """An instance of a class of this file deriving from ``nn.Parameter``: a tensor (its
        kind names the class, so that what its attributes hold is still known)."""
        if not (isinstance(kind, tuple) and kind[0] == "inst") or self.inference is None:
            return False
        cls = self.inference.classes.get(kind[1])  # type: ignore[arg-type]
        return cls is not None and cls.tensor

    def is_layer_expr(self, expr: cst.BaseExpression) -> bool:
        if isinstance(expr, cst.Call) and isinstance(expr.func, cst.Name) and expr.func.value == "super":
            return self.scopes.current_class_is_layer()
        if isinstance(expr, cst.Name) and expr.value == "self" and self.scopes.current_class_is_layer():
            return True
        return is_layer(self.kind_here(expr))

    def is_paddle_tensor_expr(self, expr: cst.BaseExpression) -> bool:
        """A value made by Paddle (or numpy): what a first pass wrote, read again."""
        return self.kind_here(expr) == FOREIGN

    def is_optimizer_expr(self, expr: cst.BaseExpression) -> bool:
        return self.kind_here(expr) == OPTIMIZER

    def is_device_expr(self, expr: cst.BaseExpression) -> bool:
        return self.kind_here(expr) == DEVICE

    def is_other_expr(self, expr: cst.BaseExpression) -> bool:
        """Known to hold something no torch method rule is about: a str, a list, a numpy array,
        an instance of a class of this file that is not a layer, a Paddle tensor."""
        kind = self.kind_here(expr)
        return is_non_torch(kind) and not self._tensor_instance(kind)

    def _rooted_in_other_import(self, expr: cst.BaseExpression) -> bool:
        """``paddle.x``, ``np.zeros(3).T``: the expression starts at a non-torch import."""
        expr = chain_root(expr, self.chain_roots)
        return isinstance(expr, cst.Name) and expr.value in self.pre.other_imports and not self.scopes.shadowed(expr.value)

    def receiver_unknown(self, recv: cst.BaseExpression) -> bool:
        """A method's receiver of no known kind: not a module (``torch.view``), not known to
        be a tensor, a layer, an optimizer or anything else (a str, a numpy array), not rooted
        in a non-torch import (``paddle.zeros(2).modules()``)."""
        if self.scopes.resolve(recv) is not None or self._rooted_in_other_import(recv):
            return False
        known = (self.is_tensor_expr, self.is_layer_expr, self.is_optimizer_expr, self.is_other_expr)
        return not any(is_kind(recv) for is_kind in known)

    def _class_is_layer(self, node: cst.ClassDef) -> bool:
        """A class of this file that subclasses ``nn.Module``, a torch layer or such a class."""
        for base in node.bases:
            qual = self.scopes.resolve(base.value)
            if qual == "torch.nn.Module" or (isinstance(base.value, cst.Name) and base.value.value in self.layer_classes):
                return True
            if qual is not None and qual.startswith("torch.nn.") and qual in self.table.apis and not is_tensor_class(qual):
                return True  # subclass of a torch layer (nn.Parameter's instances are tensors)
        return False


_STR_METHODS = frozenset(name for name in dir(str) if not name.startswith("_"))


def str_method_call(call: cst.Call) -> bool:
    """``name.split(".")``, ``mod.__version__.split("+")``: a method ``str`` has, given a string
    literal first, is a string's method whatever the receiver's inferred kind: no tensor method
    of the same name takes a string there (torch raises), so no tensor rule applies."""
    func = call.func
    if not isinstance(func, cst.Attribute) or func.attr.value not in _STR_METHODS or not call.args:
        return False
    first = call.args[0]
    literal = (cst.SimpleString, cst.ConcatenatedString, cst.FormattedString)
    return first.keyword is None and not first.star and isinstance(first.value, literal)
