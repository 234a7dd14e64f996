"""Receiver evidence: is this expression a tensor, a layer, an optimizer, a device?

Method rules (``x.view(...)``, ``model.parameters()``) apply only when the receiver is known
to be what the rule needs.  The evidence is local and stated: annotations, ``forward``'s
parameters, names only ever assigned values of one kind, calls of torch constructors.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Callable, Sequence

import libcst as cst

from .resolve import all_params, dotted_name
from .scopes import Scope
from .syntax import _target_names

if TYPE_CHECKING:
    from ..rules import RuleTable
    from .resolve import Prepass
    from .scopes import ScopeStack

# What calls tell the evidence is declared in the rule table (each entry's ``evidence``: a method
# or function result that is not a tensor, a method returning its receiver's kind, a method only
# layers have) and read through ``RuleTable.names_with_evidence``.  What is left here is about
# names the table has no entry for.

# torch.nn names that are tensors, not layers
_NN_TENSOR_CLASSES = frozenset(("Parameter", "UninitializedParameter", "Buffer", "UninitializedBuffer"))
_TORCHVISION_NON_MODEL_FUNCTIONS = frozenset(("get_weight", "get_model_weights", "list_models", "get_model_builder"))
# torch functions without a table entry whose result is not a tensor (entries say `evidence`)
_UNRULED_NON_TENSOR_FUNCTIONS = frozenset("seed initial_seed get_rng_state set_rng_state set_printoptions".split())
_TENSOR_FUNCTION_MODULES = ("torch", "torch.nn.functional", "torch.linalg", "torch.fft", "torch.special")


def _is_layer_class(qual: str) -> bool:
    """A torch name whose call builds a layer: ``torch.nn.Conv2d``, ``torchvision.models.resnet18``."""
    mod, _, name = qual.rpartition(".")
    if mod == "torch.nn" or mod.startswith("torch.nn.modules"):
        return name[:1].isupper() and name not in _NN_TENSOR_CLASSES
    if mod == "torchvision.models" or mod.startswith("torchvision.models."):
        return name[:1].islower() and not name.startswith("_") and name not in _TORCHVISION_NON_MODEL_FUNCTIONS
    return False


def _is_optimizer_class(qual: str) -> bool:
    """``torch.optim.SGD``, ``torch.optim.Optimizer``; not the lr_scheduler classes."""
    mod, _, name = qual.rpartition(".")
    if mod != "torch.optim" and not (mod.startswith("torch.optim.") and not mod.startswith("torch.optim.lr_scheduler")):
        return False
    return name[:1].isupper()


@dataclasses.dataclass(frozen=True)
class _ElementOf:
    """The loop variable of ``for p in <iterable>`` (``index``: position in a tuple target)."""

    iterable: cst.BaseExpression
    index: int | None


def _assignment_items(nodes: Sequence[cst.CSTNode]) -> list[tuple[str, object]]:
    """(name, assigned value) for the assigning statements of one function or of the module level,
    as ``resolve.Prepass.assignments`` lists them; the value is ``None`` when it is not one
    expression, and an ``_ElementOf`` for a for-loop target."""
    items: list[tuple[str, object]] = []
    for node in nodes:
        if isinstance(node, cst.Assign):
            for t in node.targets:
                if isinstance(t.target, cst.Name):
                    items.append((t.target.value, node.value))
                else:
                    items.extend((name, None) for name in _target_names(t.target))
        elif isinstance(node, cst.AnnAssign):
            if isinstance(node.target, cst.Name):
                items.append((node.target.value, node.value))
        elif isinstance(node, cst.AugAssign):
            if isinstance(node.target, cst.Name):
                # x += t keeps x a tensor when x was one; it does not make it one
                items.append((node.target.value, cst.BinaryOperation(node.target, cst.Add(), node.value)))
        elif isinstance(node, cst.For):
            if isinstance(node.target, cst.Name):
                items.append((node.target.value, _ElementOf(node.iter, None)))
            elif isinstance(node.target, cst.Tuple) and all(isinstance(e.value, cst.Name) for e in node.target.elements):
                for i, el in enumerate(node.target.elements):
                    items.append((el.value.value, _ElementOf(node.iter, i)))  # type: ignore[attr-defined]
            else:
                items.extend((name, None) for name in _target_names(node.target))
        elif isinstance(node, cst.WithItem) and node.asname is not None:
            items.extend((name, None) for name in _target_names(node.asname.name))
    return items


class EvidenceMixin:
    """The evidence methods of the translator (``rewrite.Translator``), which provides the
    rule ``table``, the ``pre``-pass, the ``scopes``, ``layer_classes`` (classes of this file
    that subclass ``nn.Module``) and ``module_scope`` (module-level evidence)."""

    table: "RuleTable"
    pre: "Prepass"
    scopes: "ScopeStack"
    layer_classes: set[str]
    module_scope: Scope

    def is_tensor_expr(self, expr: cst.BaseExpression) -> bool:
        fn = self.scopes.current_function()
        tensors = fn.tensors if fn else self.module_scope.tensors
        return self._is_tensor(expr, tensors)

    def _has(self, kind: str, name: str) -> bool:
        """``name`` holds a ``kind`` here: by the current function's evidence, or the module's
        evidence for a name the function does not bind itself."""
        fn = self.scopes.current_function()
        if fn is not None:
            if name in getattr(fn, kind):
                return True
            if name in fn.names:
                return False
        return name in getattr(self.module_scope, kind) and not self.scopes.shadowed(name)

    def is_layer_expr(self, expr: cst.BaseExpression) -> bool:
        if isinstance(expr, cst.Name):
            if expr.value == "self":
                return self.scopes.current_class_is_layer()
            return self._has("layers", expr.value)
        if isinstance(expr, cst.Call):
            func = expr.func
            if isinstance(func, cst.Name) and func.value == "super":
                return self.scopes.current_class_is_layer()
            qual = self.scopes.resolve(func)
            if qual is not None:
                return _is_layer_class(qual)
            if isinstance(func, cst.Name):
                return func.value in self.layer_classes and not self.scopes.shadowed(func.value)
            if isinstance(func, cst.Attribute) and func.attr.value in self.table.names_with_evidence("method", "self"):
                return self.is_layer_expr(func.value)
        return False

    def is_optimizer_expr(self, expr: cst.BaseExpression) -> bool:
        if isinstance(expr, cst.Name):
            return self._has("optimizers", expr.value)
        if isinstance(expr, cst.Call):
            qual = self.scopes.resolve(expr.func)
            return qual is not None and _is_optimizer_class(qual)
        return False

    def is_device_expr(self, expr: cst.BaseExpression) -> bool:
        if isinstance(expr, cst.Name):
            return self._has("devices", expr.value)
        if isinstance(expr, cst.Call):
            return self.scopes.resolve(expr.func) == "torch.device"
        return False

    def _is_tensor(self, expr: cst.BaseExpression, tensors: set[str]) -> bool:
        if isinstance(expr, cst.Name):
            if expr.value in tensors:
                return True
            fn = self.scopes.current_function()
            return fn is not None and expr.value not in fn.names and expr.value in self.module_scope.tensors
        if isinstance(expr, cst.Call):
            func = expr.func
            qual = self.scopes.resolve(func)
            if qual is not None:
                mod, _, name = qual.rpartition(".")
                if mod == "torch.nn" and name in _NN_TENSOR_CLASSES:
                    return True
                if name in _UNRULED_NON_TENSOR_FUNCTIONS or name in self.table.names_with_evidence("function", "value"):
                    return False
                return mod in _TENSOR_FUNCTION_MODULES and name[:1].islower()
            if not (isinstance(func, cst.Name) and func.value == "super") and self.is_layer_expr(func):
                return True  # calling a layer runs its forward
            if isinstance(func, cst.Attribute):
                non_tensor = self.table.names_with_evidence("method", "value")
                recv = func.value
                if isinstance(recv, cst.Name) and recv.value == "self" and self.scopes.current_class_is_layer():
                    return True  # a sublayer's forward or a helper of the layer
                if isinstance(recv, cst.Attribute) and isinstance(recv.value, cst.Name):
                    if recv.value.value == "self" and self.scopes.current_class_is_layer():
                        return func.attr.value not in non_tensor and func.attr.value in self.table.methods
                if func.attr.value in self.table.methods and func.attr.value not in non_tensor:
                    return self._is_tensor(recv, tensors)
            return False
        if isinstance(expr, cst.BinaryOperation):
            return self._is_tensor(expr.left, tensors) or self._is_tensor(expr.right, tensors)
        if isinstance(expr, cst.UnaryOperation):
            return self._is_tensor(expr.expression, tensors)
        if isinstance(expr, cst.Subscript):
            return self._is_tensor(expr.value, tensors)
        if isinstance(expr, cst.Attribute):
            if expr.attr.value in ("T", "data", "grad", "mT"):
                return self._is_tensor(expr.value, tensors)
            return False
        return False

    def _collect_tensors(self, fn: cst.FunctionDef, scope: Scope) -> None:
        for param in all_params(fn.params):
            ann = param.annotation.annotation if param.annotation else None
            qual = self.scopes.resolve(ann) if ann is not None else None
            if qual == "torch.Tensor":
                scope.tensors.add(param.name.value)
            elif qual is not None and _is_layer_class(qual):
                scope.layers.add(param.name.value)
            elif qual is not None and _is_optimizer_class(qual):
                scope.optimizers.add(param.name.value)
            elif qual == "torch.device":
                scope.devices.add(param.name.value)
        parent_is_layer = len(self.scopes) >= 2 and self.scopes[-2].kind == "class" and self.scopes[-2].is_layer
        if parent_is_layer and fn.name.value == "forward":
            # By convention a layer's forward receives tensors (stated in docs/coverage.md),
            # unless a parameter is annotated as something else (`features: dict[str, Tensor]`)
            for param in all_params(fn.params)[1:]:
                ann = param.annotation.annotation if param.annotation else None
                if ann is None or self._names_tensor(ann):
                    scope.tensors.add(param.name.value)
        self._collect_evidence(_assignment_items(self.pre.assignments.get(id(fn), ())), scope)

    def _names_tensor(self, ann: cst.BaseExpression) -> bool:
        """An annotation that says tensor: ``Tensor``, ``Optional[Tensor]``, ``Tensor | None``."""
        if isinstance(ann, cst.Subscript) and len(ann.slice) == 1 and dotted_name(ann.value) in ("Optional", "typing.Optional"):
            inner = ann.slice[0].slice
            return isinstance(inner, cst.Index) and self._names_tensor(inner.value)
        if isinstance(ann, cst.BinaryOperation) and isinstance(ann.operator, cst.BitOr):
            sides = (ann.left, ann.right)
            return any(self._names_tensor(s) for s in sides) and all(
                self._names_tensor(s) or (isinstance(s, cst.Name) and s.value == "None") for s in sides
            )
        return self.scopes.resolve(ann) == "torch.Tensor"

    def _collect_evidence(self, items: list, scope: Scope) -> None:
        """Names only ever assigned values of one kind hold that kind (a small fixpoint)."""
        tests = (
            ("tensors", lambda v: self._is_tensor(v, scope.tensors)),
            ("layers", self.is_layer_expr),
            ("optimizers", self.is_optimizer_expr),
            ("devices", self.is_device_expr),
        )

        def holds(kind: str, test: Callable[[cst.BaseExpression], bool], name: str, value: object, assume_self: bool) -> bool:
            if isinstance(value, _ElementOf):
                return kind == "tensors" and self._is_parameter_iter(value)
            if value is None:
                return False
            if not assume_self or name in getattr(scope, kind):
                return test(value)  # type: ignore[arg-type]
            # `m = m.to(device)`: the name's own earlier value is assumed to be of the kind
            getattr(scope, kind).add(name)
            try:
                return test(value)  # type: ignore[arg-type]
            finally:
                getattr(scope, kind).discard(name)

        for _ in range(3):
            changed = False
            for kind, test in tests:
                bad: set[str] = set()
                good: set[str] = set()
                for name, value in items:
                    if holds(kind, test, name, value, assume_self=False):
                        good.add(name)
                    elif not holds(kind, test, name, value, assume_self=True):
                        bad.add(name)
                current = getattr(scope, kind)
                new = (good - bad) | current
                if new != current:
                    setattr(scope, kind, new)
                    changed = True
            if not changed:
                break

    def _is_parameter_iter(self, elem: "_ElementOf") -> bool:
        """``for p in model.parameters()`` / ``for n, p in model.named_parameters()``: p is a tensor."""
        call = elem.iterable
        if not (isinstance(call, cst.Call) and isinstance(call.func, cst.Attribute)):
            return False
        method = call.func.attr.value
        if method in ("parameters", "buffers") and elem.index is None:
            return self.is_layer_expr(call.func.value)
        if method in ("named_parameters", "named_buffers") and elem.index == 1:
            return self.is_layer_expr(call.func.value)
        return False

    def _class_is_layer(self, node: cst.ClassDef) -> bool:
        """A class of this file that subclasses ``nn.Module``, a torch layer or such a class."""
        for base in node.bases:
            qual = self.scopes.resolve(base.value)
            if qual == "torch.nn.Module" or (isinstance(base.value, cst.Name) and base.value.value in self.layer_classes):
                return True
            if qual is not None and qual.startswith("torch.nn.") and qual in self.table.apis:
                return True  # subclass of a torch layer
        return False
