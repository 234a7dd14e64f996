"""The translation engine: one LibCST transformer driven by the rule table.

Passes, in order:

1. ``Prepass`` (``resolve.py``): import bindings and per-scope local names.
2. ``_Translator``: rewrites references (``nn.Conv2d`` -> ``nn.Conv2D``), calls (binds the
   arguments against the torch signature, then renames, drops and rewrites them), method calls
   whose receiver is known to be a tensor or a layer, and import statements.  What it cannot
   translate it leaves in place, marks with a ``# TODO(torch2paddle): ...`` comment line and
   reports as a diagnostic.
3. Tidy imports: torch imports that nothing refers to any more are removed; ``import paddle``
   and emitted support code are added once.
4. Safety: the output must parse.
"""

from __future__ import annotations

import ast
import contextlib
import dataclasses
import functools
import os
import re
import warnings
from collections import Counter
from pathlib import Path
from typing import Callable, Sequence

import libcst as cst
from libcst.metadata import MetadataWrapper, PositionProvider

from . import support as support_code
from .diagnostics import MARKER, Diagnostic, Severity, Status, Translation
from .resolve import (
    _KINDS,
    NODE,
    SEQUENCE,
    TRIVIA,
    Prepass,
    _child_fields,
    all_params,
    dotted_name,
    is_torch_name,
    kind_of,
    outer_parts,
    package_of,
    walk,
)
from .rules import ApiRule, Param, RuleTable, load_table

__all__ = ["translate_source", "TranslateContext", "HANDLERS", "handler", "SourceError"]

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

# Tensor methods whose result is not a tensor (used by the receiver evidence).
_NON_TENSOR_METHODS = frozenset(
    "size dim ndimension item tolist numpy numel nelement is_contiguous data_ptr get_device element_size"
    " stride storage_offset is_floating_point is_complex".split()
    # results of layer/optimizer methods and tensor methods that return Python values or handles
    + " equal allclose backward register_hook retain_grad parameters named_parameters buffers named_buffers"
    " children named_children modules named_modules state_dict load_state_dict train eval apply zero_grad"
    " add_module register_buffer register_forward_hook register_forward_pre_hook".split()
)
# Methods only layers have: called on an attribute of a layer (`self.backbone.eval()`,
# `model.fc.parameters()`), the attribute is taken to be a sublayer.
_LAYER_ONLY_METHODS = frozenset(
    "parameters named_parameters buffers named_buffers children named_children modules named_modules state_dict"
    " load_state_dict train eval zero_grad add_module register_forward_hook register_forward_pre_hook".split()
)
# Layer methods that return the layer itself (receiver evidence: `model.to(device)` is a layer).
_SELF_RETURNING_LAYER_METHODS = frozenset("to train eval float double half bfloat16 cuda cpu requires_grad_ apply type".split())
# torch.nn names that are tensors, not layers
_NN_TENSOR_CLASSES = frozenset(("Parameter", "UninitializedParameter", "Buffer", "UninitializedBuffer"))
_TORCHVISION_NON_MODEL_FUNCTIONS = frozenset(("get_weight", "get_model_weights", "list_models", "get_model_builder"))
# torch functions whose result is not a tensor.
_NON_TENSOR_FUNCTIONS = frozenset(
    "device no_grad enable_grad set_grad_enabled inference_mode manual_seed save load is_tensor numel"
    " get_default_dtype set_default_dtype is_grad_enabled seed initial_seed get_rng_state set_rng_state"
    " is_floating_point set_printoptions Size dtype finfo iinfo".split()
)
_TENSOR_FUNCTION_MODULES = ("torch", "torch.nn.functional", "torch.linalg", "torch.fft", "torch.special")


def _code(node: cst.CSTNode) -> str:
    return cst.Module(body=[]).code_for_node(node)


_NO_SPACE = cst.SimpleWhitespace("")


def make_chain(dotted: str) -> cst.BaseExpression:
    parts = dotted.split(".")
    node: cst.BaseExpression = cst.Name(parts[0])
    for part in parts[1:]:
        node = cst.Attribute(value=node, attr=cst.Name(part))
    return node


@dataclasses.dataclass
class BoundArg:
    arg: cst.Arg
    param: Param | None
    index: int | None  # position among the positional arguments, for positional ones


class TranslateContext:
    """What a handler may use: emitting references and diagnostics, binding arguments."""

    def __init__(self, tr: "_Translator") -> None:
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
        bound = self._tr.bind_args(call, rule)
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
        new_args = self._tr.rewrite_args(rule, original, call)
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
        return self._tr.current_class_is_layer()

    @property
    def rules(self) -> RuleTable:
        return self._tr.table


class _Scope:
    __slots__ = ("kind", "names", "node", "is_layer", "tensors", "layers", "optimizers", "devices")

    def __init__(self, kind: str, names: set[str], node: cst.CSTNode, is_layer: bool = False) -> None:
        self.kind = kind
        self.names = names
        self.node = node
        self.is_layer = is_layer
        self.tensors: set[str] = set()
        self.layers: set[str] = set()  # names known to hold an nn.Module
        self.optimizers: set[str] = set()  # names known to hold a torch.optim optimizer
        self.devices: set[str] = set()  # names known to hold a torch.device


class _Transformer(cst.CSTTransformer):
    """``CSTTransformer`` with its dispatch made cheaper: the ``visit_<Node>``/``leave_<Node>``
    method is looked up once per node class, and there are no ``visit_<Node>_<field>`` hooks
    (LibCST otherwise looks one up by name for every field of every node it passes).
    tests/test_fast_paths.py checks that the transformers define no such hook."""

    def __init_subclass__(cls, **kwargs: object) -> None:
        super().__init_subclass__(**kwargs)
        cls._visit_methods: dict[type, Callable | None] = {}
        cls._leave_methods: dict[type, Callable | None] = {}

    def on_visit(self, node: cst.CSTNode) -> bool:
        cls = node.__class__
        try:
            fn = self._visit_methods[cls]
        except KeyError:
            fn = self._visit_methods[cls] = getattr(type(self), "visit_" + cls.__name__, None)
        return fn is None or fn(self, node) is not False

    def on_leave(self, original_node, updated_node):  # type: ignore[no-untyped-def]
        cls = original_node.__class__
        try:
            fn = self._leave_methods[cls]
        except KeyError:
            fn = self._leave_methods[cls] = getattr(type(self), "leave_" + cls.__name__, None)
        return updated_node if fn is None else fn(self, original_node, updated_node)

    def on_visit_attribute(self, node: cst.CSTNode, attribute: str) -> None:
        pass

    def on_leave_attribute(self, original_node: cst.CSTNode, attribute: str) -> None:
        pass


class _Translator(_Transformer):
    def __init__(self, table: RuleTable, pre: Prepass, path: str, paddle_version: str | None = None) -> None:
        super().__init__()
        self.paddle_version = paddle_version
        self.table = table
        self.pre = pre
        self.path = path
        self.ctx = TranslateContext(self)
        # (node, call, code, message, severity, enclosing statements: see stmt_chain)
        self.diags: list[tuple[cst.CSTNode, cst.CSTNode | None, str, str, Severity, tuple]] = []
        # the statements being visited, outermost first, each with the indentation of the blocks
        # around it (to lay out just the statement when a diagnostic needs a position)
        self.stmt_chain: list[tuple[cst.CSTNode, tuple[str | None, ...]]] = []
        self.block_indents: list[str | None] = []
        self.current_call: cst.CSTNode | None = None
        self.new_imports: set[str] = set()  # code of the Paddle imports this translation wrote
        self.dropped_lines = False  # a statement was removed (see _DropLines)
        self.applied: Counter = Counter()
        self.supports: list[str] = []
        self.need_paddle_import = False
        self.scopes: list[_Scope] = []
        self.stmt_markers: list[list[str]] = []
        self.skip_names: set[int] = set()
        self.inner_chain: set[int] = set()
        self.call_funcs: set[int] = set()
        self.statement_calls: set[int] = set()
        self.current_call_is_statement = False
        self.remove_stmt = False
        self.layer_classes: set[str] = set()  # classes in this file that subclass nn.Module
        self.module_scope = _Scope("module", set(), cst.Module(body=[]))  # module-level evidence
        self.store_attrs: set[int] = set()  # attributes that are assignment targets
        # paddle qualname -> local name, for the imports this translation writes
        self.out_bindings: dict[str, str] = {}
        self.import_plan: dict[int, list[cst.BaseSmallStatement]] = {}
        # local names that a Paddle import takes over from a torch import (`nn`, `F`, `th`)
        self.rebound: set[str] = set()
        self.torch_imports: list[str] = []  # modules untranslated code needs, e.g. "torch.nn"
        self.input_module: cst.Module | None = None  # set by translate_source
        self.tv_root = support_code.torchvision_root(None)  # where torchvision literals come from
        self._input_names: Counter | None = None
        self._plan_imports()
        self.inert: set[int] = set()  # subtrees with nothing to translate (see _inert_subtrees)
        self.top_stmt: cst.CSTNode | None = None  # the top-level statement being translated
        self.diag_tops: set[int] = set()  # top-level statements with diagnostics

    # ---------------------------------------------------------------- diagnostics -------
    def report(self, node: cst.CSTNode, code: str, message: str, severity: Severity) -> None:
        # handlers see updated nodes, which have no position: fall back to the call's original
        self.diags.append((node, self.current_call, code, message, severity, tuple(self.stmt_chain)))
        self.diag_tops.add(id(self.top_stmt))
        if self.stmt_markers:
            marker = f"# {MARKER}: {code}: {message}"
            if marker not in self.stmt_markers[-1]:
                self.stmt_markers[-1].append(marker)

    # ---------------------------------------------------------------- imports ----------
    def _paddle_module_for(self, qual: str) -> str | None:
        rule = self.table.modules.get(qual)
        return rule.paddle if rule else None

    def _simple_target(self, qual: str) -> str | None:
        """The Paddle name a from-import of ``qual`` can import directly, if any."""
        rule = self.table.apis.get(qual)
        if rule is None or rule.paddle is None or rule.support is not None or self.too_new(rule, None):
            return None
        if rule.kind != "function" or "." not in rule.paddle:
            return None
        if rule.handler is not None and not rule.paddle.startswith("paddle."):
            return None
        return rule.paddle

    def _plan_imports(self) -> None:
        """Decide, per torch import statement, what Paddle imports replace it."""
        for stmt in self.pre.import_nodes:
            new: list[cst.BaseSmallStatement] = []
            if isinstance(stmt, cst.Import):
                for alias in stmt.names:
                    qual = dotted_name(alias.name) or ""
                    target = self._paddle_module_for(qual) if is_torch_name(qual) else None
                    if target is None:
                        continue
                    if alias.asname is not None:
                        local = alias.asname.name.value  # type: ignore[union-attr]
                        new.append(cst.Import(names=[cst.ImportAlias(make_chain(target), asname=alias.asname)]))  # type: ignore[arg-type]
                        self.out_bindings.setdefault(target, local)
                        self.rebound.add(local)
                    else:
                        new.append(cst.Import(names=[cst.ImportAlias(make_chain(target))]))  # type: ignore[arg-type]
                        self.out_bindings.setdefault(target.split(".")[0], target.split(".")[0])
            else:
                assert isinstance(stmt, cst.ImportFrom)
                groups: dict[str, list[cst.ImportAlias]] = {}
                for alias in stmt.names:  # type: ignore[union-attr]
                    local = alias.asname.name.value if alias.asname else alias.name.value  # type: ignore[union-attr]
                    binding = self.pre.alias_bindings.get(id(alias))
                    last = self.pre.bindings.get(local)
                    if binding is None or last is None or last.qualname != binding.qualname:
                        continue  # not torch, or the name is bound again to something else later
                    module_target = self._paddle_module_for(binding.qualname)
                    target = module_target or self._simple_target(binding.qualname)
                    if target is None or "." not in target:
                        continue
                    mod, name = target.rsplit(".", 1)
                    if alias.asname is None and module_target is None:
                        local = name  # `from torch.nn import Conv2d` -> `from paddle.nn import Conv2D`
                    asname = cst.AsName(cst.Name(local)) if local != name else None
                    groups.setdefault(mod, []).append(cst.ImportAlias(cst.Name(name), asname=asname))
                    self.out_bindings.setdefault(target, local)
                    if local == binding.local:
                        self.rebound.add(local)
                for mod, aliases in groups.items():
                    new.append(cst.ImportFrom(module=make_chain(mod), names=aliases))  # type: ignore[arg-type]
            self.import_plan[id(stmt)] = new

    def ref(self, target: str) -> cst.BaseExpression:
        """An expression for the Paddle name ``target`` using the imports the output has."""
        if target in self.out_bindings and not self._shadowed(self.out_bindings[target]):
            return cst.Name(self.out_bindings[target])
        parts = target.split(".")
        for i in range(len(parts) - 1, 0, -1):
            prefix = ".".join(parts[:i])
            local = self.out_bindings.get(prefix)
            if local is not None and not self._shadowed(local):
                return make_chain(".".join([local, *parts[i:]]))
        if parts[0] == "paddle":
            self.need_paddle_import = True
            self.out_bindings["paddle"] = "paddle"
        return make_chain(target)

    def need_support(self, name: str, node: cst.CSTNode | None = None, code: str | None = None) -> bool:
        """Emit support snippet ``name`` (and what it needs); False, reported at ``node``, when a
        literal it copies from torchvision cannot be found."""
        if not support_code.literal_available(name, self.tv_root):
            if node is not None:
                message = (f"{name} is copied from torchvision's models/_meta.py, which was not found (torchvision "
                           "is not installed and this file is not inside a torchvision tree); left unchanged")
                self.report(node, code or name, message, Severity.ERROR)
            return False
        for dep in support_code.closure(name):
            if dep not in self.supports:
                self.supports.append(dep)
        if support_code.needs_paddle(name):
            self.need_paddle_import = True
        return True

    # ---------------------------------------------------------------- resolution -------
    def _shadowed(self, name: str) -> bool:
        innermost = True
        for scope in reversed(self.scopes):
            if scope.kind == "class" and not innermost:
                continue
            innermost = False
            if name in scope.names:
                return True
        return False

    def resolve(self, node: cst.BaseExpression) -> str | None:
        """The torch qualified name an expression refers to, or None."""
        dotted = dotted_name(node)
        if dotted is None:
            return None
        head, _, rest = dotted.partition(".")
        binding = self.pre.bindings.get(head)
        if binding is None or head in self.pre.module_locals or self._shadowed(head):
            return None
        return binding.qualname + ("." + rest if rest else "")

    def current_class_is_layer(self) -> bool:
        for scope in reversed(self.scopes):
            if scope.kind == "class":
                return scope.is_layer
        return False

    def _current_function(self) -> _Scope | None:
        for scope in reversed(self.scopes):
            if scope.kind == "function":
                return scope
            if scope.kind == "class":
                return None
        return None

    # ---------------------------------------------------------------- tensor evidence --
    def is_tensor_expr(self, expr: cst.BaseExpression) -> bool:
        fn = self._current_function()
        tensors = fn.tensors if fn else self.module_scope.tensors
        return self._is_tensor(expr, tensors)

    def _has(self, kind: str, name: str) -> bool:
        """``name`` holds a ``kind`` here: by the current function's evidence, or the module's
        evidence for a name the function does not bind itself."""
        fn = self._current_function()
        if fn is not None:
            if name in getattr(fn, kind):
                return True
            if name in fn.names:
                return False
        return name in getattr(self.module_scope, kind) and not self._shadowed(name)

    def is_layer_expr(self, expr: cst.BaseExpression) -> bool:
        if isinstance(expr, cst.Name):
            if expr.value == "self":
                return self.current_class_is_layer()
            return self._has("layers", expr.value)
        if isinstance(expr, cst.Call):
            func = expr.func
            if isinstance(func, cst.Name) and func.value == "super":
                return self.current_class_is_layer()
            qual = self.resolve(func)
            if qual is not None:
                return _is_layer_class(qual)
            if isinstance(func, cst.Name):
                return func.value in self.layer_classes and not self._shadowed(func.value)
            if isinstance(func, cst.Attribute) and func.attr.value in _SELF_RETURNING_LAYER_METHODS:
                return self.is_layer_expr(func.value)
        return False

    def is_optimizer_expr(self, expr: cst.BaseExpression) -> bool:
        if isinstance(expr, cst.Name):
            return self._has("optimizers", expr.value)
        if isinstance(expr, cst.Call):
            qual = self.resolve(expr.func)
            return qual is not None and _is_optimizer_class(qual)
        return False

    def is_device_expr(self, expr: cst.BaseExpression) -> bool:
        if isinstance(expr, cst.Name):
            return self._has("devices", expr.value)
        if isinstance(expr, cst.Call):
            return self.resolve(expr.func) == "torch.device"
        return False

    def _is_tensor(self, expr: cst.BaseExpression, tensors: set[str]) -> bool:
        if isinstance(expr, cst.Name):
            if expr.value in tensors:
                return True
            fn = self._current_function()
            return fn is not None and expr.value not in fn.names and expr.value in self.module_scope.tensors
        if isinstance(expr, cst.Call):
            func = expr.func
            qual = self.resolve(func)
            if qual is not None:
                mod, _, name = qual.rpartition(".")
                if mod == "torch.nn" and name in _NN_TENSOR_CLASSES:
                    return True
                return mod in _TENSOR_FUNCTION_MODULES and name[:1].islower() and name not in _NON_TENSOR_FUNCTIONS
            if not (isinstance(func, cst.Name) and func.value == "super") and self.is_layer_expr(func):
                return True  # calling a layer runs its forward
            if isinstance(func, cst.Attribute):
                recv = func.value
                if isinstance(recv, cst.Name) and recv.value == "self" and self.current_class_is_layer():
                    return True  # a sublayer's forward or a helper of the layer
                if isinstance(recv, cst.Attribute) and isinstance(recv.value, cst.Name):
                    if recv.value.value == "self" and self.current_class_is_layer():
                        return func.attr.value not in _NON_TENSOR_METHODS and func.attr.value in self.table.methods
                if func.attr.value in self.table.methods and func.attr.value not in _NON_TENSOR_METHODS:
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

    def _collect_tensors(self, fn: cst.FunctionDef, scope: _Scope) -> None:
        for param in all_params(fn.params):
            ann = param.annotation.annotation if param.annotation else None
            qual = self.resolve(ann) if ann is not None else None
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
            # By convention a layer's forward receives tensors; stated in docs/coverage.md.
            for param in all_params(fn.params)[1:]:
                scope.tensors.add(param.name.value)
        self._collect_evidence(_assignment_items(self.pre.assignments.get(id(fn), ())), scope)

    def _collect_evidence(self, items: list, scope: _Scope) -> None:
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

    def visit_Module(self, node: cst.Module) -> None:
        # Classes that subclass nn.Module are known before any function body is read, so that
        # `model = Net()` anywhere in the file is layer evidence.
        for stmt in node.body:
            if isinstance(stmt, cst.ClassDef) and self._class_is_layer(stmt):
                self.layer_classes.add(stmt.name.value)
        self._collect_evidence(_assignment_items(self.pre.assignments[None]), self.module_scope)

    # ---------------------------------------------------------------- visitors ---------
    def on_visit(self, node: cst.CSTNode) -> bool:
        if id(node) in self.inert:
            return False
        if isinstance(node, (cst.SimpleStatementLine, cst.BaseCompoundStatement)):
            if not self.stmt_markers:
                self.top_stmt = node
            self.stmt_markers.append([])
            self.stmt_chain.append((node, tuple(self.block_indents)))
        elif isinstance(node, cst.IndentedBlock):
            self.block_indents.append(node.indent)
        return super().on_visit(node)

    def on_leave(self, original_node: cst.CSTNode, updated_node: cst.CSTNode):  # type: ignore[override]
        if id(original_node) in self.inert:
            return updated_node
        result = super().on_leave(original_node, updated_node)
        if isinstance(original_node, cst.IndentedBlock):
            self.block_indents.pop()
        if isinstance(original_node, (cst.SimpleStatementLine, cst.BaseCompoundStatement)):
            self.stmt_chain.pop()
            markers = self.stmt_markers.pop()
            if markers and isinstance(result, (cst.SimpleStatementLine, cst.BaseCompoundStatement)):
                existing = {line.comment.value for line in result.leading_lines if line.comment}
                lines = [
                    cst.EmptyLine(indent=True, whitespace=_NO_SPACE, comment=cst.Comment(m))
                    for m in markers
                    if m not in existing
                ]
                result = result.with_changes(leading_lines=[*result.leading_lines, *lines])
        return result

    def visit_Import(self, node: cst.Import) -> bool:
        return False

    def visit_ImportFrom(self, node: cst.ImportFrom) -> bool:
        return False

    def leave_SimpleStatementLine(self, original_node, updated_node):  # type: ignore[no-untyped-def]
        if self.remove_stmt:
            self.remove_stmt = False
            body = [s for s in updated_node.body if not isinstance(s, cst.Expr) or not _is_removed(s)]
            if not body:
                self.dropped_lines = True
                return _dropped_line(updated_node)
            updated_node = updated_node.with_changes(body=body)
        new_body: list[tuple[cst.BaseSmallStatement, bool]] = []  # (statement, written by us)
        changed = False
        for orig, upd in zip(original_node.body, updated_node.body):
            plan = self.import_plan.get(id(orig))
            if plan is None:
                new_body.append((upd, False))
                continue
            changed = True
            new_body.extend((p, True) for p in plan)
            new_body.append((upd, False))  # the torch import stays until the tidy pass knows it is unused
        if not changed:
            return updated_node
        lines = []
        for i, (small, is_new) in enumerate(new_body):
            small = small.with_changes(semicolon=cst.MaybeSentinel.DEFAULT)
            if is_new:
                self.new_imports.add(_code(small).strip())
            if i == 0:
                lines.append(updated_node.with_changes(body=[small]))
            else:
                lines.append(cst.SimpleStatementLine(body=[small]))
        return cst.FlattenSentinel(lines)

    def leave_IndentedBlock(self, original_node, updated_node):  # type: ignore[no-untyped-def]
        if not updated_node.body:
            return updated_node.with_changes(body=[cst.SimpleStatementLine(body=[cst.Pass()])])
        return updated_node

    def _class_is_layer(self, node: cst.ClassDef) -> bool:
        for base in node.bases:
            qual = self.resolve(base.value)
            if qual == "torch.nn.Module" or (isinstance(base.value, cst.Name) and base.value.value in self.layer_classes):
                return True
            if qual is not None and qual.startswith("torch.nn.") and qual in self.table.apis:
                return True  # subclass of a torch layer
        return False

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        self.skip_names.add(id(node.name))
        is_layer = self._class_is_layer(node)
        if is_layer:
            self.layer_classes.add(node.name.value)
        self.scopes.append(_Scope("class", self.pre.scope_locals.get(id(node), set()), node, is_layer))

    def leave_ClassDef(self, original_node, updated_node):  # type: ignore[no-untyped-def]
        self.scopes.pop()
        return updated_node

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self.skip_names.add(id(node.name))
        scope = _Scope("function", self.pre.scope_locals.get(id(node), set()), node)
        self.scopes.append(scope)
        self._collect_tensors(node, scope)

    def leave_FunctionDef(self, original_node, updated_node):  # type: ignore[no-untyped-def]
        self.scopes.pop()
        return updated_node

    def visit_Lambda(self, node: cst.Lambda) -> None:
        self.scopes.append(_Scope("function", self.pre.scope_locals.get(id(node), set()), node))

    def leave_Lambda(self, original_node, updated_node):  # type: ignore[no-untyped-def]
        self.scopes.pop()
        return updated_node

    def _visit_comp(self, node: cst.CSTNode) -> None:
        self.scopes.append(_Scope("comp", self.pre.scope_locals.get(id(node), set()), node))

    def _leave_comp(self, original_node, updated_node):  # type: ignore[no-untyped-def]
        self.scopes.pop()
        return updated_node

    visit_ListComp = visit_SetComp = visit_DictComp = visit_GeneratorExp = _visit_comp  # type: ignore[assignment]
    leave_ListComp = leave_SetComp = leave_DictComp = leave_GeneratorExp = _leave_comp  # type: ignore[assignment]

    def visit_Expr(self, node: cst.Expr) -> None:
        self.statement_calls.add(id(node.value))

    def visit_Call(self, node: cst.Call) -> None:
        self.call_funcs.add(id(node.func))

    def visit_Param(self, node: cst.Param) -> None:
        self.skip_names.add(id(node.name))

    def visit_Arg(self, node: cst.Arg) -> None:
        if node.keyword is not None:
            self.skip_names.add(id(node.keyword))

    def visit_Attribute(self, node: cst.Attribute) -> None:
        self.skip_names.add(id(node.attr))
        self.inner_chain.add(id(node.value))

    def visit_Global(self, node: cst.Global) -> bool:
        return False

    def visit_Nonlocal(self, node: cst.Nonlocal) -> bool:
        return False

    # ---------------------------------------------------------------- references -------
    def leave_Name(self, original_node: cst.Name, updated_node: cst.Name) -> cst.BaseExpression:
        if id(original_node) in self.skip_names or id(original_node) in self.inner_chain:
            return updated_node
        return self._rewrite_reference(original_node, updated_node)

    def leave_Attribute(self, original_node: cst.Attribute, updated_node: cst.Attribute) -> cst.BaseExpression:
        if id(original_node) in self.inner_chain and self.resolve(original_node) is not None:
            return updated_node
        if self.resolve(original_node) is None:
            return self._rewrite_tensor_attribute(original_node, updated_node)
        return self._rewrite_reference(original_node, updated_node)

    def visit_Assign(self, node: cst.Assign) -> None:
        for t in node.targets:
            if isinstance(t.target, cst.Attribute):
                self.store_attrs.add(id(t.target))

    def leave_Assign(self, original_node: cst.Assign, updated_node: cst.Assign):  # type: ignore[no-untyped-def]
        """``x.requires_grad = False``: an attribute rule's handler gets the whole assignment."""
        if len(original_node.targets) != 1:
            return updated_node
        target = original_node.targets[0].target
        if not isinstance(target, cst.Attribute) or self.resolve(target) is not None:
            return updated_node
        rules = [r for r in self.table.methods.get(target.attr.value, ()) if r.kind == "attribute"]
        if not rules or rules[0].handler is None:
            return updated_node
        rule = rules[0]
        if not self._receiver_matches(rule.receiver, target.value):
            self.report(
                original_node, rule.torch,
                f"the receiver is not known to be a {rule.receiver}; left unchanged", Severity.WARNING,
            )
            return updated_node
        self.current_call = original_node
        try:
            result = HANDLERS[rule.handler](self.ctx, updated_node, rule)  # type: ignore[arg-type,index]
        except Exception as exc:
            raise RuleCrash(rule.torch, original_node, exc) from exc
        finally:
            self.current_call = None
        if result is None:
            return updated_node
        self.applied[rule.torch] += 1
        return result

    def _rewrite_tensor_attribute(self, original: cst.Attribute, updated: cst.Attribute) -> cst.BaseExpression:
        """``x.T``, ``x.data``, ``x.shape``: attribute rules, applied when ``x`` is a tensor.

        An assigned attribute (``x.requires_grad = False``) is left to ``leave_Assign``.
        """
        if id(original) in self.call_funcs or id(original) in self.store_attrs:
            return updated
        rules = [r for r in self.table.methods.get(original.attr.value, ()) if r.kind == "attribute"]
        if not rules:
            return updated
        rule = rules[0]
        if not self._receiver_matches(rule.receiver, original.value) or self.too_new(rule, original):
            return updated
        self.applied[rule.torch] += 1
        if rule.handler is not None:
            fn = HANDLERS[rule.handler]
            result = fn(self.ctx, updated, rule)  # type: ignore[arg-type]
            return updated if result is None else result  # type: ignore[return-value]
        new_name = rule.paddle.rsplit(".", 1)[-1] if rule.paddle else original.attr.value
        if new_name == original.attr.value:
            return updated
        return updated.with_changes(attr=cst.Name(new_name))

    def _rewrite_reference(self, original: cst.BaseExpression, updated: cst.BaseExpression) -> cst.BaseExpression:
        qual = self.resolve(original)
        if qual is None:
            return updated
        parts = qual.split(".")
        for i in range(len(parts), 0, -1):
            prefix = ".".join(parts[:i])
            rest = parts[i:]
            rule = self.table.apis.get(prefix)
            if rule is not None:
                if rule.kind != "function":
                    continue
                if self.too_new(rule, None if id(original) in self.call_funcs else original):
                    return updated if id(original) in self.call_funcs else self.keep_torch(original)  # the call reports it
                target = self._reference_target(rule, original)
                if target is None:
                    return updated if id(original) in self.call_funcs else self.keep_torch(original)
                self.applied[rule.torch] += 1
                node = target
                for attr in rest:
                    node = cst.Attribute(value=node, attr=cst.Name(attr))
                return _keep_parens(original, node)
            module = self.table.modules.get(prefix)
            if module is not None:
                if rest:
                    self.report(original, qual, "no rule for this torch API; left unchanged", Severity.ERROR)
                    return self.keep_torch(original)
                if module.paddle is None:
                    self.report(original, qual, "this torch module has no Paddle counterpart; left unchanged", Severity.ERROR)
                    return self.keep_torch(original)
                return _keep_parens(original, self.ref(module.paddle))
        self.report(original, qual, "no rule for this torch API; left unchanged", Severity.ERROR)
        return self.keep_torch(original)

    def keep_torch(self, node: cst.BaseExpression) -> cst.BaseExpression:
        """Untranslated code must keep meaning torch.

        Where a name it uses was taken over by a Paddle import (``import torch.nn as nn``
        became ``import paddle.nn as nn``), the reference is spelled out through torch
        (``nn.Foo`` -> ``torch.nn.Foo``) and ``import torch.nn`` is added.
        """
        if not self.rebound:
            return node
        return node.visit(_RespellTorch(self))  # type: ignore[return-value]

    def _input_uses(self, name: str) -> bool:
        """Whether the input uses ``name`` as a variable (computed once, on this rare path)."""
        if self._input_names is None:
            used = _UsedNames()
            if self.input_module is not None:
                self.input_module.visit(used)
            self._input_names = used.used
        return self._input_names.get(name, 0) > 0

    def torch_spelling(self, node: cst.BaseExpression) -> cst.BaseExpression | None:
        dotted = dotted_name(node)
        if dotted is None:
            return None
        head, _, rest = dotted.partition(".")
        binding = self.pre.bindings.get(head)
        if head not in self.rebound or binding is None or self._shadowed(head):
            return None
        root = binding.qualname.split(".", 1)[0]
        if root not in self.pre.bindings and self._input_uses(root):
            return None  # the file uses `torch` without importing it: an added import would change that
        if self._shadowed(root):
            message = (f"`{root}` is a local name here, so this cannot be spelled `{binding.qualname}...`;"
                       f" `{head}` will name Paddle's module: check this reference")
            self.report(node, dotted, message, Severity.ERROR)
            return None
        module = binding.qualname if binding.is_module_import else binding.qualname.rsplit(".", 1)[0]
        if module not in self.torch_imports:
            self.torch_imports.append(module)
        return _keep_parens(node, make_chain(binding.qualname + ("." + rest if rest else "")))

    def too_new(self, rule: ApiRule, node: cst.CSTNode | None) -> bool:
        """``paddle_version`` selects: a rule whose ``min_paddle`` is newer is not applied.

        The code is left as written and, when ``node`` is given, reported as untranslated.
        """
        if not (self.paddle_version and rule.min_paddle):
            return False
        if _version_tuple(rule.min_paddle) <= _version_tuple(self.paddle_version):
            return False
        if node is not None:
            message = f"needs Paddle >= {rule.min_paddle}, translating for Paddle {self.paddle_version}; left unchanged"
            self.report(node, rule.torch, message, Severity.ERROR)
        return True

    def _reference_target(self, rule: ApiRule, node: cst.CSTNode) -> cst.BaseExpression | None:
        if rule.support is not None:
            return cst.Name(rule.support) if self.need_support(rule.support, node, rule.torch) else None
        if rule.paddle is not None and rule.handler is None:
            return self.ref(rule.paddle)
        if id(node) in self.call_funcs:
            return None  # translated as a whole by the call's handler
        if rule.paddle is not None:
            return self.ref(rule.paddle)
        self.report(node, rule.torch, "only calls of this API can be translated; left unchanged", Severity.ERROR)
        return None

    # ---------------------------------------------------------------- calls ------------
    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        qual = self.resolve(original_node.func)
        rule: ApiRule | None = None
        if qual is not None:
            rule = self.table.apis.get(qual)
            if rule is None or rule.kind != "function":
                return updated_node
        elif isinstance(original_node.func, cst.Attribute):
            rule = self._method_rule(original_node)
            if rule is None:
                self._warn_unknown_receiver(original_node, updated_node)
                return updated_node
        else:
            return updated_node
        if self.too_new(rule, original_node):
            return self.keep_torch(original_node) if qual is not None else updated_node
        self.current_call_is_statement = id(original_node) in self.statement_calls
        self.current_call = original_node
        try:
            result = self._apply_call_rule(rule, original_node, updated_node)
        except (RuleCrash, SourceError):
            raise
        except Exception as exc:  # a rule bug must name the rule and the place
            raise RuleCrash(rule.torch, original_node, exc) from exc
        self.current_call = None
        if result is REMOVE_STATEMENT:
            self.remove_stmt = True
            self.applied[rule.torch] += 1
            return _REMOVED_MARK.deep_clone()
        if result is None:
            if rule.kind == "function" and qual is not None:
                return self.keep_torch(original_node)  # keep the torch call as written
            return updated_node
        self.applied[rule.torch] += 1
        if original_node.lpar and isinstance(result, cst.BaseExpression) and not getattr(result, "lpar", None):
            result = _keep_parens(original_node, result)  # `(a\n .b())` must keep its parentheses
        return result  # type: ignore[return-value]

    def _method_rule(self, call: cst.Call) -> ApiRule | None:
        func = call.func
        assert isinstance(func, cst.Attribute)
        candidates = self.table.methods.get(func.attr.value)
        if not candidates:
            return None
        recv = func.value
        if self.resolve(recv) is not None or self._rooted_in_other_import(recv):
            return None  # a module attribute such as torch.view, or a call on paddle/numpy objects
        # rules for a specific receiver (tensor, layer, optimizer) before catch-all ones
        for rule in sorted(candidates, key=lambda r: r.receiver == "any"):
            if rule.kind != "method":
                continue
            if self._receiver_matches(rule.receiver, recv):
                return rule
            if rule.receiver == "layer" and rule.name in _LAYER_ONLY_METHODS and isinstance(recv, (cst.Attribute, cst.Subscript)):
                if self.is_layer_expr(recv.value):
                    return rule  # `model.backbone.parameters()`: only layers have this method
        return None

    def _warn_unknown_receiver(self, original: cst.Call, updated: cst.Call) -> None:
        """A method rule exists but the receiver is not known to be what it needs: warn, unless
        the rule would leave this very call unchanged (``x.reshape([2, 3])`` is already valid
        Paddle; re-translating a translation must not add warnings)."""
        func = original.func
        assert isinstance(func, cst.Attribute)
        candidates = [r for r in self.table.methods.get(func.attr.value, ()) if r.kind == "method"]
        if not candidates or self.resolve(func.value) is not None:
            return
        recv = func.value
        if self.is_tensor_expr(recv) or self.is_layer_expr(recv) or self.is_optimizer_expr(recv):
            return  # known to be something else (`self.relu(x)` in a layer calls a sublayer)
        if self._rooted_in_other_import(recv):
            return  # `paddle.zeros(2).modules()`, `np.ones(3).view(...)`: not torch objects
        rule = candidates[0]
        if not _changes_something(rule) or not self._would_change(rule, original, updated):
            return
        self.report(
            original, rule.torch, f"the receiver is not known to be a {rule.receiver}; left unchanged", Severity.WARNING
        )

    def _rooted_in_other_import(self, expr: cst.BaseExpression) -> bool:
        """``paddle.x``, ``np.zeros(3).T``: the expression starts at a non-torch import."""
        while True:
            if isinstance(expr, cst.Call):
                expr = expr.func
            elif isinstance(expr, (cst.Attribute, cst.Subscript)):
                expr = expr.value
            else:
                break
        return isinstance(expr, cst.Name) and expr.value in self.pre.other_imports and not self._shadowed(expr.value)

    def _would_change(self, rule: ApiRule, original: cst.Call, updated: cst.Call) -> bool:
        """Dry run of ``rule`` on the call, with every side effect undone."""
        saved = (len(self.diags), list(self.supports), self.need_paddle_import, dict(self.out_bindings), Counter(self.applied),
                 [list(m) for m in self.stmt_markers], self.current_call, self.current_call_is_statement, self.remove_stmt)
        self.current_call, self.current_call_is_statement = original, id(original) in self.statement_calls
        try:
            result = self._apply_call_rule(rule, original, updated)
        except Exception:
            result = None
        finally:
            (n, supports, need, bindings, applied, markers, cur, stmt, remove) = saved
            del self.diags[n:]
            self.supports[:] = supports
            self.need_paddle_import, self.out_bindings, self.applied = need, bindings, applied
            self.stmt_markers[:] = markers
            self.current_call, self.current_call_is_statement, self.remove_stmt = cur, stmt, remove
        if result is None:
            return False  # the rule would not apply to this call anyway
        if result is REMOVE_STATEMENT:
            return True
        return _code(result) != _code(updated)  # type: ignore[arg-type]

    def _receiver_matches(self, receiver: str, recv: cst.BaseExpression) -> bool:
        if receiver == "any":
            return True
        if receiver == "tensor":
            return self.is_tensor_expr(recv)
        if receiver == "layer":
            return self.is_layer_expr(recv)
        if receiver == "optimizer":
            return self.is_optimizer_expr(recv)
        return False

    def _apply_call_rule(self, rule: ApiRule, original: cst.Call, updated: cst.Call) -> object:
        if rule.handler is not None:
            fn = HANDLERS.get(rule.handler)
            if fn is None:
                raise RuntimeError(f"rule {rule.source} names unknown handler {rule.handler!r}")
            if rule.support is not None and not self.need_support(rule.support, original, rule.torch):
                return None
            return fn(self.ctx, updated, rule)
        new_args = self.rewrite_args(rule, original, updated)
        if new_args is None:
            return None
        if rule.kind == "method":
            func = updated.func
            assert isinstance(func, cst.Attribute)
            if rule.paddle is not None:
                func = func.with_changes(attr=cst.Name(rule.paddle.rsplit(".", 1)[-1]))
            return updated.with_changes(func=func, args=new_args)
        return updated.with_changes(args=new_args)

    def bind_args(self, call: cst.Call, rule: ApiRule) -> list[BoundArg] | None:
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
                    self.report(call, rule.torch, f"too many positional arguments for {rule.torch}; left unchanged", Severity.ERROR)
                    return None
            else:
                p = rule.param(arg.keyword.value)
                if p is None or p.kind in ("varargs", "varkw"):
                    if varkw is None:
                        self.report(
                            call, rule.torch, f"unexpected keyword argument {arg.keyword.value!r}; left unchanged", Severity.ERROR
                        )
                        return None
                    out.append(BoundArg(arg, varkw, None))
                else:
                    out.append(BoundArg(arg, p, None))
        given = {b.param.name for b in out if b.param is not None}
        if not any(b.arg.star for b in out):
            missing = [p.name for p in params if p.default is None and p.kind in ("positional", "keyword") and p.name not in given]
            if missing:
                self.report(call, rule.torch, f"missing argument {missing[0]!r}; left unchanged", Severity.ERROR)
                return None
        return out

    def rewrite_args(self, rule: ApiRule, original: cst.Call, updated: cst.Call) -> list[cst.Arg] | None:
        bound = self.bind_args(updated, rule)
        if bound is None:
            return None
        has_arg_rules = bool(rule.rename or rule.drop or rule.drop_if or rule.transform or rule.unsupported)
        if has_arg_rules and any(b.arg.star for b in bound):
            star_kinds = {b.arg.star for b in bound if b.arg.star}
            if "**" in star_kinds and (rule.rename or rule.drop or rule.unsupported):
                self.report(original, rule.torch, "keys passed through **kwargs are not renamed; check them", Severity.WARNING)
            if "*" in star_kinds and rule.positional_prefix < len([p for p in rule.params or () if p.kind == "positional"]):
                self.report(original, rule.torch, "arguments passed through *args are not checked; check them", Severity.WARNING)
        new: list[cst.Arg] = []
        for b in bound:
            arg, p = b.arg, b.param
            if p is None or p.kind in ("varargs", "varkw"):
                new.append(arg)
                continue
            if p.name in rule.unsupported:
                value_code = _code(arg.value)
                if p.default is not None and _same_literal(value_code, p.default):
                    continue
                # messages quote the source as written (the updated call may hold translated values)
                written = {id(u): o.value for u, o in zip(updated.args, original.args)}
                shown = _code(written[id(arg)]) if id(arg) in written else value_code
                if not isinstance(arg.value, (cst.Integer, cst.Float, cst.SimpleString)) and shown not in ("True", "False", "None"):
                    shown = "..."  # only literals are quoted: other text may change when translated
                self.report(original, rule.torch, f"{p.name}={shown}: {rule.unsupported[p.name]}; left unchanged", Severity.ERROR)
                return None
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


def _extras(rule: ApiRule) -> list[tuple[str, str]]:
    return list(rule.extra.items())


def fix_commas(old: Sequence[cst.Arg], new: list[cst.Arg]) -> list[cst.Arg]:
    """Give the new last argument the old last argument's comma (trailing or none)."""
    if not new:
        return new
    last_comma = old[-1].comma if old else cst.MaybeSentinel.DEFAULT
    out = []
    for i, arg in enumerate(new):
        if i == len(new) - 1:
            out.append(arg.with_changes(comma=last_comma))
        elif arg.comma is cst.MaybeSentinel.DEFAULT:
            out.append(arg.with_changes(comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))))
        else:
            out.append(arg)
    return out


def _changes_something(rule: ApiRule) -> bool:
    if rule.handler is not None:
        return True
    if rule.paddle is not None and rule.paddle.rsplit(".", 1)[-1] != rule.name:
        return True
    return bool(rule.rename or rule.drop or rule.drop_if or rule.transform or rule.unsupported)


_NUMBER = re.compile(r"^-?\d+(\.\d*)?([eE][-+]?\d+)?$")


def _same_literal(code: str, expected: str) -> bool:
    if code == expected:
        return True
    if _NUMBER.match(code) and _NUMBER.match(expected):
        return float(code) == float(expected)
    return False


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


def _keep_parens(original: cst.BaseExpression, node: cst.BaseExpression) -> cst.BaseExpression:
    if getattr(original, "lpar", None):
        return node.with_changes(lpar=original.lpar, rpar=original.rpar)  # type: ignore[attr-defined]
    return node


_REMOVED_MARK = cst.Name("__torch2paddle_removed__")


def _is_removed(stmt: cst.Expr) -> bool:
    return isinstance(stmt.value, cst.Name) and stmt.value.value == _REMOVED_MARK.value


class _RespellTorch(cst.CSTTransformer):
    """Spell every reference through a taken-over torch name out through torch (keep_torch)."""

    def __init__(self, tr: _Translator) -> None:
        super().__init__()
        self.tr = tr
        self.skip: set[int] = set()

    def visit_Attribute(self, node: cst.Attribute) -> None:
        self.skip.add(id(node.attr))
        self.skip.add(id(node.value))

    def visit_Arg(self, node: cst.Arg) -> None:
        if node.keyword is not None:
            self.skip.add(id(node.keyword))

    def leave_Name(self, original_node: cst.Name, updated_node: cst.Name) -> cst.BaseExpression:
        if id(original_node) in self.skip:
            return updated_node
        return self.tr.torch_spelling(original_node) or updated_node

    def leave_Attribute(self, original_node: cst.Attribute, updated_node: cst.Attribute) -> cst.BaseExpression:
        if id(original_node) in self.skip:
            return updated_node
        return self.tr.torch_spelling(original_node) or updated_node


_DROPPED = "__torch2paddle_dropped_line__"


def _dropped_line(line: cst.SimpleStatementLine) -> cst.SimpleStatementLine:
    """A placeholder for a removed statement; it keeps the comment lines above it, and its own
    end-of-line comment as a comment line."""
    lead = list(line.leading_lines)
    comment = line.trailing_whitespace.comment
    if comment is not None:
        lead.append(cst.EmptyLine(indent=True, whitespace=_NO_SPACE, comment=comment))
    return cst.SimpleStatementLine(body=[cst.Expr(cst.Name(_DROPPED))], leading_lines=lead)


def _placeholder_name(stmt: cst.CSTNode) -> str | None:
    """The name of a statement line that is one bare name (how placeholders are written)."""
    if isinstance(stmt, cst.SimpleStatementLine) and len(stmt.body) == 1 and isinstance(stmt.body[0], cst.Expr):
        value = stmt.body[0].value
        if isinstance(value, cst.Name):
            return value.value
    return None


def _is_dropped(stmt: cst.CSTNode) -> bool:
    return _placeholder_name(stmt) == _DROPPED


def _holders(module: cst.Module, match: Callable[[cst.SimpleStatementLine], bool]) -> set[int]:
    """Ids of the statement containers of ``module`` (itself included) with a statement line
    that ``match``es somewhere below them: the only ones a statement-level pass must enter."""
    found: set[int] = set()
    containers, line_type = _STATEMENT_CONTAINERS, cst.SimpleStatementLine

    def rec(node: cst.CSTNode) -> bool:
        hit = False
        for f in _child_fields(node.__class__):
            value = getattr(node, f)
            for child in value if isinstance(value, (tuple, list)) else (value,):
                if isinstance(child, line_type):
                    if match(child):
                        hit = True
                elif isinstance(child, containers) and rec(child):
                    hit = True
        if hit:
            found.add(id(node))
        return hit

    rec(module)
    return found


def _inert_names_unused(lines: list[cst.SimpleStatementLine], package: str | None, pre: Prepass, code: str) -> bool:
    """Whether the names ``_TidyImports`` asks about (the locals of torch and Paddle imports)
    cannot occur in the subtrees the translator skipped, so counting names may skip them too.

    A skipped subtree has no name bound by a torch import (``_inert_subtrees``); any other local
    must not appear in the input text at all.
    """
    for line in lines:
        for small in line.body:
            if _is_torch_import(small, package) or _is_paddle_import(small):
                for _alias, local in _import_locals(small):
                    if local not in pre.bindings and local in code:
                        return False
    return True


def _has_import(line: cst.SimpleStatementLine) -> bool:
    return any(isinstance(s, (cst.Import, cst.ImportFrom)) for s in line.body)


class _DropLines(_Transformer):
    """Remove the placeholders of removed statements; comment lines above a removed statement
    move to the next statement (or the block's end), so no comment is lost.  Only the
    containers that hold a placeholder (``holders``, from ``_holders``) are entered."""

    def __init__(self, holders: set[int] | None = None) -> None:
        super().__init__()
        self.holders = holders

    def on_visit(self, node: cst.CSTNode) -> bool:
        if self.holders is not None and id(node) not in self.holders:
            return False
        return isinstance(node, _STATEMENT_CONTAINERS) and super().on_visit(node)

    def _body(self, body: Sequence[cst.BaseStatement]) -> tuple[list[cst.BaseStatement], list[cst.EmptyLine]]:
        out: list[cst.BaseStatement] = []
        carried: list[cst.EmptyLine] = []
        for stmt in body:
            if _is_dropped(stmt):
                if any(line.comment for line in stmt.leading_lines):
                    carried.extend(stmt.leading_lines)
                continue
            if carried:
                stmt = stmt.with_changes(leading_lines=[*carried, *stmt.leading_lines])
                carried = []
            out.append(stmt)
        return out, carried

    def leave_Module(self, original_node: cst.Module, updated_node: cst.Module) -> cst.Module:
        if not any(_is_dropped(s) for s in updated_node.body):
            return updated_node
        body, carried = self._body(updated_node.body)
        return updated_node.with_changes(body=body, footer=[*carried, *updated_node.footer])

    def leave_IndentedBlock(self, original_node: cst.IndentedBlock, updated_node: cst.IndentedBlock) -> cst.IndentedBlock:
        if not any(_is_dropped(s) for s in updated_node.body):
            return updated_node
        body, carried = self._body(updated_node.body)
        if not body:
            body = [cst.SimpleStatementLine(body=[cst.Pass()], leading_lines=carried)]
            carried = []
        return updated_node.with_changes(body=body, footer=[*carried, *updated_node.footer])


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


def _target_names(target: cst.BaseExpression) -> list[str]:
    if isinstance(target, cst.Name):
        return [target.value]
    if isinstance(target, (cst.Tuple, cst.List)):
        out: list[str] = []
        for el in target.elements:
            out.extend(_target_names(el.value))
        return out
    if isinstance(target, cst.StarredElement):
        return _target_names(target.value)
    return []


# ------------------------------------------------------------------------- tidy imports ---
class _UsedNames(cst.CSTVisitor):
    def __init__(self) -> None:
        self.used: Counter = Counter()
        self._skip: set[int] = set()

    def visit_Import(self, node: cst.Import) -> bool:
        return False

    def visit_ImportFrom(self, node: cst.ImportFrom) -> bool:
        return False

    def visit_Attribute(self, node: cst.Attribute) -> None:
        self._skip.add(id(node.attr))

    def visit_Arg(self, node: cst.Arg) -> None:
        if node.keyword is not None:
            self._skip.add(id(node.keyword))

    def visit_Name(self, node: cst.Name) -> None:
        if id(node) not in self._skip:
            self.used[node.value] += 1

    def visit_SimpleString(self, node: cst.SimpleString) -> None:
        # names listed in __all__ count as used
        value = node.value.strip("'\"")
        if value.isidentifier():
            self.used[value] += 0


class _ModuleLevelUses(_UsedNames):
    """``_UsedNames`` for ``names`` only, leaving out the uses a function, lambda, comprehension or
    the class body around them binds locally (Python's scoping, from ``Prepass.scope_locals``)."""

    def __init__(self, names: set[str], scope_locals: dict[int, set[str]]) -> None:
        super().__init__()
        self.names = names
        self.scope_locals = scope_locals
        self.scopes: list[tuple[bool, set[str]]] = []  # (is a class body, its local names)

    def _inside_scope(self, node: cst.FunctionDef | cst.Lambda | cst.ClassDef) -> bool:
        for part in outer_parts(node):  # evaluated in the enclosing scope
            walk(part, self)
        self.scopes.append((isinstance(node, cst.ClassDef), self.scope_locals.get(id(node), set())))
        walk(node.body, self)
        self.scopes.pop()
        return False

    visit_FunctionDef = visit_Lambda = visit_ClassDef = _inside_scope  # type: ignore[assignment]

    def _visit_comp(self, node: cst.CSTNode) -> None:
        self.scopes.append((False, self.scope_locals.get(id(node), set())))

    def _leave_comp(self, node: cst.CSTNode) -> None:
        self.scopes.pop()

    visit_ListComp = visit_SetComp = visit_DictComp = visit_GeneratorExp = _visit_comp  # type: ignore[assignment]
    leave_ListComp = leave_SetComp = leave_DictComp = leave_GeneratorExp = _leave_comp  # type: ignore[assignment]

    def visit_Name(self, node: cst.Name) -> None:
        if node.value not in self.names or id(node) in self._skip:
            return
        for depth, (is_class, local) in enumerate(reversed(self.scopes)):
            if is_class and depth:
                continue  # a class body's names are not seen from functions inside it
            if node.value in local:
                return
        self.used[node.value] += 1


def _module_level_uses(module: cst.Module, names: set[str], package: str | None) -> Counter:
    """How often each of ``names`` is used as the module-level name in ``module``."""
    pre = Prepass(package)
    walk(module, pre)
    uses = _ModuleLevelUses(names, pre.scope_locals)
    walk(module, uses)
    return uses.used


def _import_locals(stmt: cst.BaseSmallStatement) -> list[tuple[cst.ImportAlias, str]]:
    out = []
    if isinstance(stmt, (cst.Import, cst.ImportFrom)) and not isinstance(stmt.names, cst.ImportStar):
        for alias in stmt.names:
            if alias.asname is not None:
                local = alias.asname.name.value  # type: ignore[union-attr]
            elif isinstance(stmt, cst.Import):
                local = (dotted_name(alias.name) or "").split(".")[0]
            else:
                local = alias.name.value  # type: ignore[union-attr]
            out.append((alias, local))
    return out


def _is_torch_import(stmt: cst.BaseSmallStatement, package: str | None) -> bool:
    from .resolve import resolve_relative

    if isinstance(stmt, cst.Import):
        return any(is_torch_name(dotted_name(a.name) or "") for a in stmt.names)
    if isinstance(stmt, cst.ImportFrom):
        base = resolve_relative(package, len(stmt.relative), dotted_name(stmt.module) if stmt.module else "")
        return base is not None and is_torch_name(base or "_")
    return False


def _is_paddle_import(stmt: cst.BaseSmallStatement) -> bool:
    if isinstance(stmt, cst.Import):
        return any((dotted_name(a.name) or "").split(".")[0] == "paddle" for a in stmt.names)
    if isinstance(stmt, cst.ImportFrom) and stmt.module is not None and not stmt.relative:
        return (dotted_name(stmt.module) or "").split(".")[0] == "paddle"
    return False


_STATEMENT_CONTAINERS = (
    cst.Module,
    cst.BaseCompoundStatement,
    cst.BaseSuite,
    cst.Else,
    cst.ExceptHandler,
    cst.ExceptStarHandler,
    cst.Finally,
    cst.MatchCase,
)


class _TidyImports(_Transformer):
    """Drop torch imports nothing uses, drop duplicate Paddle imports, drop unused new ones."""

    def __init__(
        self, used: Counter, package: str | None, new_imports: set[str], provided: set[str], holders: set[int] | None = None
    ) -> None:
        super().__init__()
        self.holders = holders  # the containers with an import line below them (see _holders)
        self.provided = provided  # names the emitted support code defines
        self.used = used
        self.package = package
        self.new_imports = new_imports
        self.seen_paddle: set[str] = set()
        self.bound_by_paddle: set[str] = set()
        self.dropped_lines = False  # a statement was removed (see _DropLines)
        self.plain_paddle: set[str] = set()  # names bound by a plain `import paddle` anywhere at top level

    def visit_Module(self, node: cst.Module) -> None:
        for stmt in node.body:
            if isinstance(stmt, cst.SimpleStatementLine):
                for small in stmt.body:
                    if isinstance(small, cst.Import):
                        for alias in small.names:
                            if alias.asname is None and isinstance(alias.name, cst.Name) and alias.name.value == "paddle":
                                self.plain_paddle.add("paddle")

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        return True

    def on_visit(self, node: cst.CSTNode) -> bool:
        # only statements change: do not descend into expressions, parameters, decorators...
        if not isinstance(node, _STATEMENT_CONTAINERS):
            return False
        if self.holders is not None and id(node) not in self.holders:
            return False
        return super().on_visit(node)

    def leave_SimpleStatementLine(self, original_node, updated_node):  # type: ignore[no-untyped-def]
        body = []
        for stmt in updated_node.body:
            if _is_torch_import(stmt, self.package):
                keep = []
                for alias, local in _import_locals(stmt):
                    if self.used.get(local, 0) > 0 and local not in self.bound_by_paddle and local not in self.provided:
                        keep.append(alias)
                if not keep:
                    continue
                stmt = stmt.with_changes(names=_fix_alias_commas(keep))  # type: ignore[union-attr]
            elif _is_paddle_import(stmt) and _code(stmt).strip() in self.new_imports:
                keep = []
                for alias, local in _import_locals(stmt):
                    key = _code(stmt.with_changes(names=[alias.with_changes(comma=cst.MaybeSentinel.DEFAULT)]))  # type: ignore[union-attr]
                    if isinstance(stmt, cst.Import) and alias.asname is None and isinstance(alias.name, cst.Attribute):
                        if local in self.plain_paddle:
                            continue  # `import paddle.nn` adds nothing next to `import paddle`
                    if self.used.get(local, 0) > 0 and key not in self.seen_paddle:
                        keep.append(alias)
                        self.seen_paddle.add(key)
                        self.bound_by_paddle.add(local)
                if not keep:
                    continue
                stmt = stmt.with_changes(names=_fix_alias_commas(keep))  # type: ignore[union-attr]
            elif _is_paddle_import(stmt):
                for alias, local in _import_locals(stmt):
                    self.seen_paddle.add(_code(stmt.with_changes(names=[alias.with_changes(comma=cst.MaybeSentinel.DEFAULT)])))  # type: ignore[union-attr]
                    self.bound_by_paddle.add(local)
            body.append(stmt)
        if not body:
            self.dropped_lines = True
            return _dropped_line(updated_node)
        if len(body) != len(updated_node.body):
            body[-1] = body[-1].with_changes(semicolon=cst.MaybeSentinel.DEFAULT)
        return updated_node.with_changes(body=body)


def _fix_alias_commas(aliases: list[cst.ImportAlias]) -> list[cst.ImportAlias]:
    out = []
    for i, alias in enumerate(aliases):
        if i == len(aliases) - 1:
            out.append(alias.with_changes(comma=cst.MaybeSentinel.DEFAULT))
        elif alias.comma is cst.MaybeSentinel.DEFAULT:
            out.append(alias.with_changes(comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))))
        else:
            out.append(alias)
    return out


def _header_end(module: cst.Module) -> int:
    """Index of the first statement after the docstring, __future__ imports and imports."""
    idx = 0
    body = module.body
    if body and isinstance(body[0], cst.SimpleStatementLine) and isinstance(body[0].body[0], cst.Expr):
        if isinstance(body[0].body[0].value, (cst.SimpleString, cst.ConcatenatedString)):
            idx = 1
    while idx < len(body):
        stmt = body[idx]
        if isinstance(stmt, cst.SimpleStatementLine) and all(isinstance(s, (cst.Import, cst.ImportFrom)) for s in stmt.body):
            idx += 1
            continue
        break
    return idx


def _first_import_index(module: cst.Module) -> int:
    body = module.body
    for i, stmt in enumerate(body):
        if isinstance(stmt, cst.SimpleStatementLine) and all(isinstance(s, (cst.Import, cst.ImportFrom)) for s in stmt.body):
            if any(isinstance(s, cst.ImportFrom) and dotted_name(s.module or cst.Name("_")) == "__future__" for s in stmt.body):
                continue
            return i
    return _header_end(module)


@functools.lru_cache(maxsize=32)
def _render_support(names: tuple[str, ...], root: Path | None = None) -> tuple[cst.BaseStatement, ...]:
    """``support.render(names, existing=set())``, with each import line and snippet parsed once
    per process (the nodes are immutable, and the literals copied from torchvision are large).

    ``render`` parses the imports and the snippets as one text; the pieces parsed on their own
    give the same statements once the two blank lines between snippets are put back, provided
    every piece agrees on the indentation unit and newline and has no lines outside its
    statements (checked; otherwise the text is parsed whole). tests/test_fast_paths.py compares
    the two for every snippet.
    """
    imports: list[str] = []
    blocks: list[str] = []
    for name in names:
        snip = support_code.SNIPPETS[name]
        for imp in snip.imports:
            if imp not in imports:
                imports.append(imp)
        blocks.append(support_code._literal(*snip.literal_from, root) if snip.literal_from else snip.code)
    if not blocks:
        return ()
    imports.sort(key=lambda s: (s.startswith("from"), s))
    pieces = [_parsed_piece(i + "\n") for i in imports] + [_parsed_piece(b) for b in blocks]
    if len({(m.default_indent, m.default_newline) for m in pieces}) != 1 or any(
        m.header or m.footer or not m.body or not m.has_trailing_newline for m in pieces
    ):
        return tuple(support_code.render(list(names), existing=set(), root=root))
    out: list[cst.BaseStatement] = []
    for i, m in enumerate(pieces):
        body = list(m.body)
        if i > len(imports):  # "\n\n".join(blocks): two blank lines before each later snippet
            body[0] = _after_two_blank_lines(body[0])
        out.extend(body)
    return tuple(out)


@functools.lru_cache(maxsize=256)
def _after_two_blank_lines(stmt: cst.BaseStatement) -> cst.BaseStatement:
    # cached, so that a snippet's statements are the same objects whatever other snippets a
    # file needs (_support_text and _support_names are cached by statement)
    blank = cst.EmptyLine()
    return stmt.with_changes(leading_lines=[blank, blank, *stmt.leading_lines])


@functools.lru_cache(maxsize=128)
def _parsed_piece(text: str) -> cst.Module:
    return cst.parse_module(text)


_SUPPORT_PLACEHOLDER = "__torch2paddle_support_"
_USE_PLACEHOLDERS = True  # tests/test_fast_paths.py turns this off to compare


@functools.lru_cache(maxsize=256)
def _support_text(stmt: cst.BaseStatement, indent: str, newline: str) -> str:
    """The code of a support statement (as ``_render_support`` made it) without its leading lines,
    as it reads in a module with this indentation unit and newline."""
    return cst.Module(body=[stmt.with_changes(leading_lines=[])], default_indent=indent, default_newline=newline).code


@functools.lru_cache(maxsize=256)
def _support_names(stmt: cst.BaseStatement) -> Counter:
    used = _UsedNames()
    walk(stmt, used)
    return used.used


def _fill_support(code: str, placeholders: dict[str, cst.BaseStatement], indent: str, newline: str) -> str | None:
    """Put the support statements in place of their placeholder lines; None if one is not found
    exactly once."""
    for name, stmt in placeholders.items():
        line = name + newline
        if code.count(line) != 1:
            return None
        code = code.replace(line, _support_text(stmt, indent, newline))
    return code


def _with_support(module: cst.Module, placeholders: dict[str, cst.BaseStatement]) -> cst.Module:
    """``module`` with its top-level placeholder lines replaced by the support statements."""
    body = []
    for stmt in module.body:
        name = _placeholder_name(stmt)
        if name in placeholders:
            stmt = placeholders[name].with_changes(leading_lines=stmt.leading_lines)  # type: ignore[index]
        body.append(stmt)
    return module.with_changes(body=body)


def _add_header(
    module: cst.Module,
    need_paddle: bool,
    supports: list[str],
    torch_imports: Sequence[str] = (),
    root: Path | None = None,
    placeholders: dict[str, cst.BaseStatement] | None = None,
) -> cst.Module:
    """The imports and support code a translation needs, added after the module's imports.

    With ``placeholders`` (a dict to fill), each support statement that is not an import is
    added as a one-name placeholder line and recorded there; ``_fill_support`` puts the code in
    after codegen, so the (large, fixed) support code is neither rebuilt nor laid out per file.
    """
    body = list(module.body)
    if torch_imports:
        # untranslated code spelled through torch (see keep_torch) needs these modules
        present = {_code(s).strip() for s in body if isinstance(s, cst.SimpleStatementLine)}
        pos = _first_import_index(module)
        for name in reversed(torch_imports):
            line = cst.SimpleStatementLine(body=[cst.Import(names=[cst.ImportAlias(make_chain(name))])])  # type: ignore[arg-type]
            if _code(line).strip() not in present:
                if pos < len(body) and body[pos].leading_lines:
                    line = line.with_changes(leading_lines=body[pos].leading_lines)
                    body[pos] = body[pos].with_changes(leading_lines=[])
                body.insert(pos, line)
    if supports:
        idx = _header_end(module)
        existing = _defined_names(module)
        snippet_stmts = list(_render_support(tuple(n for n in supports if n not in existing), root))
        if snippet_stmts:
            # the standard-library imports the support code needs, minus names already bound
            bound = _import_bound_names(body[:idx])
            imports = [s for s in (_without_bound(s, bound) for s in snippet_stmts if _is_import_line(s)) if s]
            rendered = [s for s in snippet_stmts if not _is_import_line(s)]
            if placeholders is not None:
                code = []
                for s in rendered:
                    name = f"{_SUPPORT_PLACEHOLDER}{len(placeholders)}__"
                    placeholders[name] = s
                    code.append(cst.SimpleStatementLine(body=[cst.Expr(cst.Name(name))]))
            else:
                code = [s.with_changes(leading_lines=[]) for s in rendered]
            blank = cst.EmptyLine(indent=False, whitespace=_NO_SPACE)
            header = cst.EmptyLine(indent=False, whitespace=_NO_SPACE, comment=cst.Comment(support_code.HEADER))
            footer = cst.EmptyLine(indent=False, whitespace=_NO_SPACE, comment=cst.Comment(support_code.FOOTER))
            code = [c.with_changes(leading_lines=[blank, blank]) if i else c for i, c in enumerate(code)]
            block: list[cst.BaseStatement] = [*imports, *code]
            block[0] = block[0].with_changes(leading_lines=[blank, blank, header])
            if imports and code:
                code_start = len(imports)
                block[code_start] = block[code_start].with_changes(leading_lines=[blank, blank])
            if idx < len(body):
                nxt = body[idx]
                lead = list(nxt.leading_lines)
                while lead and lead[0].comment is None:
                    lead.pop(0)
                body[idx] = nxt.with_changes(leading_lines=[blank, blank, footer, blank, blank, *lead])
            body[idx:idx] = block
    if need_paddle and not _binds_paddle(module):
        pos = _first_import_index(module)
        line = cst.SimpleStatementLine(body=[cst.Import(names=[cst.ImportAlias(cst.Name("paddle"))])])
        if pos < len(body) and body[pos].leading_lines:
            line = line.with_changes(leading_lines=body[pos].leading_lines)
            body[pos] = body[pos].with_changes(leading_lines=[])
        body.insert(pos, line)
    return module.with_changes(body=body)


def _import_bound_names(stmts: Sequence[cst.CSTNode]) -> set[str]:
    names: set[str] = set()
    for stmt in stmts:
        if isinstance(stmt, cst.SimpleStatementLine):
            for small in stmt.body:
                names.update(local for _, local in _import_locals(small))
    return names


def _without_bound(stmt: cst.SimpleStatementLine, bound: set[str]) -> cst.SimpleStatementLine | None:
    small = stmt.body[0]
    keep = [alias for alias, local in _import_locals(small) if local not in bound]
    bound.update(local for _, local in _import_locals(small))
    if not keep:
        return None
    return stmt.with_changes(body=[small.with_changes(names=_fix_alias_commas(keep))])


def _is_import_line(stmt: cst.CSTNode) -> bool:
    return isinstance(stmt, cst.SimpleStatementLine) and all(isinstance(s, (cst.Import, cst.ImportFrom)) for s in stmt.body)


def _binds_paddle(module: cst.Module) -> bool:
    for stmt in module.body:
        if isinstance(stmt, cst.SimpleStatementLine):
            for small in stmt.body:
                if isinstance(small, cst.Import):
                    for alias in small.names:
                        if alias.asname is None and (dotted_name(alias.name) or "").split(".")[0] == "paddle":
                            return True
                        if alias.asname is not None and alias.asname.name.value == "paddle":  # type: ignore[union-attr]
                            return True
    return False


def _defined_names(module: cst.Module) -> set[str]:
    names: set[str] = set()
    for stmt in module.body:
        if isinstance(stmt, (cst.FunctionDef, cst.ClassDef)):
            names.add(stmt.name.value)
        elif isinstance(stmt, cst.SimpleStatementLine):
            for small in stmt.body:
                if isinstance(small, cst.Assign):
                    for t in small.targets:
                        names.update(_target_names(t.target))
    return names


# ------------------------------------------------------------------------- entry point ----
# Set by the CLI (through translator.paths.TRUST_PARSER), whose processes parse in one thread.
_TRUST_PARSER = False


def _no_validation(self: cst.CSTNode) -> None:
    pass


def _parse_module(code: str) -> cst.Module:
    """``cst.parse_module(code)``; with ``_TRUST_PARSER``, without re-validating every node the
    parser builds (about a sixth of parsing time).

    LibCST validates each node in ``CSTNode.__post_init__`` (its own comment there suggests
    skipping that for parsed trees, which are valid by construction).  The hook is swapped out
    for the duration of the parse only, so nodes the translator builds are still validated; it
    affects every thread meanwhile, hence only in the CLI's single-threaded processes.
    tests/test_fast_paths.py checks the trees are equal either way.
    """
    if not _TRUST_PARSER:
        return cst.parse_module(code)
    base = cst.CSTNode
    saved = base.__dict__.get("__post_init__")
    if saved is None:  # pragma: no cover - a LibCST that validates elsewhere
        return cst.parse_module(code)
    base.__post_init__ = _no_validation  # type: ignore[method-assign]
    try:
        return cst.parse_module(code)
    finally:
        base.__post_init__ = saved  # type: ignore[method-assign]


# ------------------------------------------------------------------------- translate ------
def translate_source(
    code: str, *, path: str | None = None, table: RuleTable | None = None, paddle_version: str | None = None
) -> Translation:
    """Translate one torch source text; never raises for bad input (status FAILED instead).

    ``paddle_version`` (``"2.6"``; default ``$TORCH2PADDLE_PADDLE_VERSION``, else the newest):
    rules whose ``min_paddle`` is newer are not applied; their code is left and reported.
    """
    paddle_version = paddle_version or os.environ.get(PADDLE_VERSION_ENV) or None
    shown = path or "<string>"
    if "torch" not in code:
        # fast path: nothing here can refer to torch or torchvision
        return Translation(shown, code, code, Status.UNCHANGED)
    try:
        module = _parse_module(code)
    except cst.ParserSyntaxError as exc:
        diag = Diagnostic(shown, exc.raw_line, exc.raw_column + 1, "syntax", _one_line(exc.message), Severity.ERROR)
        return Translation(shown, code, code, Status.FAILED, [diag])
    table = table or load_table()
    from . import handlers  # noqa: F401  (registers the handlers)

    package = package_of(path)
    pre = Prepass(package)
    walk(module, pre)
    if not pre.uses_torch:
        return Translation(shown, code, code, Status.UNCHANGED)
    tr = _Translator(table, pre, shown, paddle_version)
    tr.input_module = module
    tr.tv_root = support_code.torchvision_root(path)
    tr.inert, originals = _inert_subtrees(module, set(pre.bindings), set(table.methods), {id(n) for n in pre.import_nodes})
    try:
        out = module.visit(tr)
    except RuleCrash as crash:
        line, col = _position(module, crash.node)
        diag = Diagnostic(shown, line, col, crash.rule, f"internal error in rule: {type(crash.exc).__name__}: {crash.exc}")
        return Translation(shown, code, code, Status.FAILED, [diag])
    # support statements stand in placeholders until after codegen (see _add_header)
    placeholders: dict[str, cst.BaseStatement] | None = None
    if _USE_PLACEHOLDERS and module.has_trailing_newline and _SUPPORT_PLACEHOLDER not in code:
        placeholders = {}
    out = _add_header(out, tr.need_paddle_import, tr.supports, tr.torch_imports, tr.tv_root, placeholders)
    # the support code and header may use names too
    import_lines: list[cst.SimpleStatementLine] = []
    holders = _holders(out, lambda line: _has_import(line) and not import_lines.append(line))
    used = _UsedNames()
    walk(out, used, tr.inert if _inert_names_unused(import_lines, package, pre, code) else None)
    shadowed = {name for name in pre.bindings if any(name in local for local in pre.scope_locals.values())}
    if shadowed:
        # `def f(torch): return torch` uses the parameter, not the import: count only the uses
        # that reach the module-level name (rare, so only then is the output walked scope by scope)
        module_level = _module_level_uses(out, shadowed, package)
        for name in shadowed:
            used.used[name] = module_level[name]
    for stmt in (placeholders or {}).values():
        used.used.update(_support_names(stmt))
    if tr.need_paddle_import:
        used.used["paddle"] += 1
    tidy = _TidyImports(used.used, package, tr.new_imports, set(tr.supports), holders)
    out = out.visit(tidy)
    if tr.dropped_lines or tidy.dropped_lines:  # placeholders of removed statements to clear
        out = out.visit(_DropLines(_holders(out, _is_dropped)))
    new_code = out.code
    if placeholders:
        filled = _fill_support(new_code, placeholders, out.default_indent, out.default_newline)
        if filled is None:  # a placeholder line was not found once: lay out in full (tested)
            filled = _with_support(out, placeholders).code
        new_code = filled
    try:
        if new_code != code:
            _check_parses(new_code)
    except cst.ParserSyntaxError as exc:  # pragma: no cover - a bug in the engine
        diag = Diagnostic(shown, exc.raw_line, exc.raw_column + 1, "internal", "translation produced invalid Python")
        return Translation(shown, code, code, Status.FAILED, [diag])
    diags: list[Diagnostic] = []
    if tr.diags:
        wanted = [n for d in tr.diags for n in d[:2] if n is not None]
        chains = [([n for n in d[:2] if n is not None], d[5]) for d in tr.diags]
        positions = _diag_positions(module, tr.diag_tops, wanted, originals, code, chains)
        for node, fallback, dcode, message, severity, _chain in tr.diags:
            pos = positions.get(node) or (positions.get(fallback) if fallback is not None else None)
            line, col = (pos.start.line, pos.start.column + 1) if pos else (0, 0)
            diags.append(Diagnostic(shown, line, col, dcode, message, severity))
        diags.sort(key=lambda d: (d.line, d.col, d.code, d.message))
        diags = list(dict.fromkeys(diags))
    status = Status.TRANSLATED if new_code != code else Status.UNCHANGED
    return Translation(shown, code, new_code, status, diags, tr.applied)


def _inert_subtrees(
    module: cst.Module, names: set[str], attrs: set[str], keep: set[int]
) -> tuple[set[int], set[int]]:
    """The subtrees ``_Translator`` can skip, and the ids of the nodes of ``module`` (trivia aside).

    Every rewrite starts at a Name that refers to an import binding (``nn`` in ``nn.Conv2d``:
    ``names``) or at an attribute whose name has a method or attribute rule (``x.view``:
    ``attrs``).  A subtree with neither has nothing to translate; the largest such subtrees
    under a relevant parent are returned, and the translator neither visits nor rebuilds them.
    Class definitions (they make later classes layers) and the torch import statements in
    ``keep`` are always visited.  A rewrite triggered by anything else must add its trigger
    here; tests/test_fast_paths.py checks that output is the same without skipping.
    Whitespace, comments and punctuation (``resolve.TRIVIA``) are skipped, not entered.
    """
    inert: set[int] = set()
    seen: set[int] = set()
    kinds = _KINDS
    name_type, attr_type, class_type = cst.Name, cst.Attribute, cst.ClassDef
    keep = keep | {id(module)}  # the root is always visited

    def rec(n: cst.CSTNode) -> bool:
        seen.add(id(n))
        cls = n.__class__
        if cls is name_type:
            relevant = n.value in names
        elif cls is attr_type:
            relevant = n.attr.value in attrs
        else:
            relevant = cls is class_type or id(n) in keep
        idle = []
        for f in _child_fields(cls):
            value = getattr(n, f)
            kind = kinds.get(value.__class__)
            if kind is None:
                kind = kind_of(value.__class__)
            if kind == NODE:
                if rec(value):
                    relevant = True
                else:
                    idle.append(value)
            elif kind == TRIVIA:
                idle.append(value)
            elif kind == SEQUENCE:
                for item in value:
                    kind = kinds.get(item.__class__)
                    if kind is None:
                        kind = kind_of(item.__class__)
                    if kind == NODE:
                        if rec(item):
                            relevant = True
                        else:
                            idle.append(item)
                    elif kind == TRIVIA:
                        idle.append(item)
        if relevant:
            inert.update(map(id, idle))
        return relevant

    rec(module)
    return inert, seen


def _check_parses(code: str) -> None:
    """Raise ``ParserSyntaxError`` if LibCST cannot parse ``code``.

    CPython's parser is asked first (several times faster); only code it rejects goes to LibCST,
    whose answer then decides.
    """
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ast.parse(code)
        return
    except Exception:
        pass
    cst.parse_module(code)


_LINE_BREAK = re.compile(r"\r\n?|\n")  # as libcst.metadata.position_provider.NEWLINE_RE


class _Syntactic:
    """``with state.record_syntactic_position(node, start_node=..., end_node=...)``."""

    __slots__ = ("state", "node", "start_node", "end_node", "line", "column")

    def __init__(self, state: "_PositionState", node, start_node, end_node) -> None:  # type: ignore[no-untyped-def]
        self.state, self.node, self.start_node, self.end_node = state, node, start_node, end_node

    def __enter__(self) -> None:
        self.line, self.column = self.state.line, self.state.column

    def __exit__(self, *exc: object) -> bool:
        if exc[0] is not None:
            return False  # a layout stopped early (_PrefixPositionState): the node is unfinished
        state = self.state
        start = (self.line, self.column) if self.start_node is None else state.ranges[id(self.start_node)][:2]
        end = (state.line, state.column) if self.end_node is None else state.ranges[id(self.end_node)][2:]
        state.ranges[id(self.node)] = (*start, *end)
        return False


class _PositionState:
    """The codegen state of LibCST's ``PositionProvider``, recording the same ranges more cheaply:
    as ``(line, column, end line, end column)`` keyed by ``id(node)``, only while ``recording``,
    and without keeping the tokens."""

    _NO_RECORD = contextlib.nullcontext()

    def __init__(self, default_indent: str, default_newline: str) -> None:
        self.default_indent = default_indent
        self.default_newline = default_newline
        self.indent_tokens: list[str] = []
        self.line = 1
        self.column = 0
        self.recording = False
        self.ranges: dict[int, tuple[int, int, int, int]] = {}
        self._stack: list[tuple[int, int]] = []

    def increase_indent(self, value: str) -> None:
        self.indent_tokens.append(value)

    def decrease_indent(self) -> None:
        self.indent_tokens.pop()

    def add_indent_tokens(self) -> None:
        for token in self.indent_tokens:
            self.add_token(token)

    def add_token(self, value: str) -> None:
        if "\n" in value or "\r" in value:
            segments = _LINE_BREAK.split(value)
            self.line += len(segments) - 1
            self.column = len(segments[-1])
        else:
            self.column += len(value)

    def before_codegen(self, node: cst.CSTNode) -> None:
        if self.recording:
            self._stack.append((self.line, self.column))

    def after_codegen(self, node: cst.CSTNode) -> None:
        if self.recording:
            line, column = self._stack.pop()
            self.ranges.setdefault(id(node), (line, column, self.line, self.column))

    def record_syntactic_position(self, node, *, start_node=None, end_node=None):  # type: ignore[no-untyped-def]
        if not self.recording:
            return self._NO_RECORD
        return _Syntactic(self, node, start_node, end_node)


class _TextPositionState(_PositionState):
    """A ``_PositionState`` that also keeps the text it lays out."""

    def __init__(self, default_indent: str, default_newline: str) -> None:
        super().__init__(default_indent, default_newline)
        self.tokens: list[str] = []
        self.recording = True

    def add_token(self, value: str) -> None:
        self.tokens.append(value)
        super().add_token(value)


def _ranges_by_search(module: cst.Module, tops: set[int], code: str) -> dict[int, tuple[int, int, int, int]] | None:
    """Ranges for the nodes of the top-level statements in ``tops``, each placed on its own
    (``_place_statement``); ``None`` when a statement's text is not found exactly once in ``code``
    (e.g. a repeated statement, or the last line without its newline)."""
    ranges: dict[int, tuple[int, int, int, int]] = {}
    for stmt in module.body:
        if id(stmt) in tops and not _place_statement(module, stmt, (), code, ranges):
            return None
    return ranges


class _HeaderPositionState(_TextPositionState):
    """Lays out a compound statement only up to its body (``body``, a stand-in for it)."""

    def __init__(self, default_indent: str, default_newline: str, body: cst.CSTNode) -> None:
        super().__init__(default_indent, default_newline)
        self.body = body
        self.header_end: int | None = None

    def before_codegen(self, node: cst.CSTNode) -> None:
        if node is self.body and self.header_end is None:
            self.header_end = len(self.tokens)
            self.header_pos = (self.line, self.column)
        super().before_codegen(node)


class _LaidOut(Exception):
    """Every node a ``_PrefixPositionState`` waits for has its range."""


class _PrefixPositionState(_TextPositionState):
    """Lays out a statement only until the nodes in ``until`` (ids) are finished."""

    def __init__(self, default_indent: str, default_newline: str, until: set[int]) -> None:
        super().__init__(default_indent, default_newline)
        self.until = set(until)

    def after_codegen(self, node: cst.CSTNode) -> None:
        super().after_codegen(node)
        if id(node) in self.until:
            self.until.discard(id(node))
            if not self.until:
                raise _LaidOut


_STAND_IN_BODY = cst.SimpleStatementSuite(body=[cst.Pass()])


def _place_statement(
    module: cst.Module, stmt: cst.CSTNode, indents: tuple[str | None, ...], code: str, ranges: dict,
    header_only: bool = False, until: set[int] | None = None,
) -> bool:
    """Lay out one statement (at any depth) on its own, inside the indentation of its blocks, and
    add its nodes' ranges, moved to where its text stands in ``code``; False if that text is not
    found exactly once.  ``header_only``: a compound statement up to its body (decorators, ``def``
    line, bases...), whose text must then be found exactly once.  ``until`` (node ids): only as far
    as the end of the last of these nodes, whose text must then be found exactly once."""
    if header_only:
        if not isinstance(getattr(stmt, "body", None), cst.BaseSuite):
            return False
        state: _TextPositionState = _HeaderPositionState(module.default_indent, module.default_newline, _STAND_IN_BODY)
        stmt = stmt.with_changes(body=_STAND_IN_BODY)  # type: ignore[attr-defined]
    elif until:
        state = _PrefixPositionState(module.default_indent, module.default_newline, until)
    else:
        state = _TextPositionState(module.default_indent, module.default_newline)
    state.indent_tokens = [module.default_indent if i is None else i for i in indents]
    try:
        stmt._codegen(state)  # type: ignore[attr-defined]
    except _LaidOut:
        pass
    tokens = state.tokens
    if header_only:
        end = state.header_end  # type: ignore[attr-defined]
        if end is None:
            return False
        tokens = tokens[:end]
        # only the nodes that end before the body (not the stand-in statement, body or else-part)
        header_pos = state.header_pos  # type: ignore[attr-defined]
        state.ranges = {k: r for k, r in state.ranges.items() if (r[2], r[3]) <= header_pos}
    text = "".join(tokens)
    if not text or code.count(text) != 1:
        return False
    offset = len(_LINE_BREAK.findall(code, 0, code.index(text)))
    for key, (line, column, end_line, end_column) in state.ranges.items():
        ranges.setdefault(key, (line + offset, column, end_line + offset, end_column))
    return True


def _ranges_by_chain(
    module: cst.Module, chains: list[tuple[list[cst.CSTNode], tuple]], code: str, originals: set[int] | None = None
) -> dict | None:
    """Ranges for the nodes of each diagnostic, from the innermost enclosing statement whose text
    is found exactly once in ``code`` (its chain, as ``_Translator.stmt_chain`` recorded it);
    ``None`` when no statement of a chain will do.  Nodes that are not in ``module``
    (``originals``: the ids of its nodes) have no position and are left out."""
    ranges: dict[int, tuple[int, int, int, int]] = {}
    placed: dict[object, bool] = {}
    todo = []
    inside: dict[int, set[int]] = {}  # innermost statement -> the nodes wanted in it
    for nodes, chain in chains:
        if originals is not None:
            nodes = [n for n in nodes if id(n) in originals]
        # an `elif` is an If in its parent If's orelse, written "if" when laid out alone: skip it
        chain = tuple(
            entry for i, entry in enumerate(chain)
            if not (i and isinstance(entry[0], cst.If) and getattr(chain[i - 1][0], "orelse", None) is entry[0])
        )
        todo.append((nodes, chain))
        if chain and nodes:
            inside.setdefault(id(chain[-1][0]), set()).update(id(n) for n in nodes)
    for nodes, chain in todo:
        if all(id(n) in ranges for n in nodes):
            continue
        if chain and isinstance(chain[-1][0], cst.SimpleStatementLine):
            # the statement's text up to the last node wanted in it, if that much is unique
            stmt, indents = chain[-1]
            if ("prefix", id(stmt)) not in placed:
                placed[("prefix", id(stmt))] = _place_statement(module, stmt, indents, code, ranges, until=inside[id(stmt)])
            if all(id(n) in ranges for n in nodes):
                continue
        if chain and not isinstance(chain[-1][0], cst.SimpleStatementLine):
            # in a compound statement's header (a base class, a decorator): try the header alone
            stmt, indents = chain[-1]
            if ("header", id(stmt)) not in placed:
                placed[("header", id(stmt))] = _place_statement(module, stmt, indents, code, ranges, header_only=True)
            if all(id(n) in ranges for n in nodes):
                continue
        for stmt, indents in reversed(chain):
            if id(stmt) not in placed:
                placed[id(stmt)] = _place_statement(module, stmt, indents, code, ranges)
            if placed[id(stmt)] and all(id(n) in ranges for n in nodes):
                break
        else:
            return None
    return ranges


def _diag_positions(module: cst.Module, tops: set[int], wanted: list[cst.CSTNode], originals: set[int] | None,
                    code: str | None = None, chains: list | None = None):  # type: ignore[no-untyped-def]
    """Positions (as ``PositionProvider`` gives them) of the ``wanted`` nodes of ``module``.

    With ``code`` and the ``chains`` of enclosing statements, only the innermost statement around
    each wanted node whose text is unique is laid out (``_ranges_by_chain``).  Else only the
    top-level statements in ``tops`` are laid out with positions (``_PositionState``): with ``code`` (the text ``module`` was parsed from) each of them is laid out alone and placed
    by finding its text in ``code`` (``_ranges_by_search``); otherwise, or when a text is not
    found exactly once, the statements before them are laid out for their line count.  When a
    wanted node of ``module`` (``originals``) is outside them, every position is computed, as
    ``MetadataWrapper`` would.
    """
    if originals is not None:
        from libcst._position import CodePosition, CodeRange

        found = _ranges_by_chain(module, chains, code, originals) if code is not None and chains else None
        if found is None and code is not None:
            found = _ranges_by_search(module, tops, code)
        if found is not None:
            ranges = found
        else:
            state = _PositionState(module.default_indent, module.default_newline)
            for line in module.header:
                line._codegen(state)  # type: ignore[arg-type]
            todo = len(tops)
            for stmt in module.body:
                if not todo:
                    break
                state.recording = id(stmt) in tops
                stmt._codegen(state)  # type: ignore[arg-type]
                todo -= state.recording
            ranges = state.ranges
        if all(id(n) in ranges or (id(n) not in originals and kind_of(n.__class__) != TRIVIA) for n in wanted):
            return {
                n: CodeRange(CodePosition(r[0], r[1]), CodePosition(r[2], r[3]))
                for n in wanted
                if (r := ranges.get(id(n))) is not None
            }
    return MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)


PADDLE_VERSION_ENV = "TORCH2PADDLE_PADDLE_VERSION"  # set by `translate --paddle-version` (reaches workers)


def _version_tuple(text: str) -> tuple[int, ...]:
    """``"2.6"`` -> ``(2, 6, 0)``; ``"3.0.0rc1"`` -> ``(3, 0, 0)``."""
    parts = [int(re.match(r"\d*", p).group() or 0) for p in text.strip().split(".")[:3]]  # type: ignore[union-attr]
    return tuple(parts + [0] * (3 - len(parts)))


def _position(module: cst.Module, node: cst.CSTNode) -> tuple[int, int]:
    pos = MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider).get(node)
    return (pos.start.line, pos.start.column + 1) if pos else (0, 0)


def _one_line(message: str) -> str:
    return " ".join(message.split())
