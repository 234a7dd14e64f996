"""Receiver inference: what each name holds at each statement, flow-sensitively.

Method rules (``x.view(...)``) apply only when the receiver is known to be what the rule needs.
This module reads every function, method and the module level of a file statement by statement
and records, before each statement, the kind (``kinds``) of every name: after ``x = F.pad(x)``
``x`` is a tensor whatever it was before; two branches that meet join what they give; loops
are run to a fixpoint; ``q, k, v = qkv.unbind(0)`` and ``B, C, H, W = x.shape`` unpack.

Across the file, what functions of the file return and what ``self.<attribute>`` holds (its
assignments in any method of the class, ``register_buffer``, ``nn.Parameter``) are iterated to a
fixpoint too: the file is read again while either changes (``_ROUNDS`` at most).

What a call or attribute of torch gives comes from the rule table (``evidence``) and the
conventions in ``evidence``; what comes from ``paddle`` or ``numpy`` is ``FOREIGN``, so that
reading a translation again (Paddle code) applies no torch rule to it.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Callable, Iterable

import libcst as cst

from .expressions import ExpressionKinds, State, _Class, _Frame, _parse, is_layer_class, is_tensor_class
from .kinds import BOTTOM, NONE, OBJECT, STR, TENSOR, Kind, arithmetic, element, is_layer, join, seq, unpack
from .resolve import all_params, dotted_name
from .scopes import Scope

if TYPE_CHECKING:
    from ..rules import RuleTable
    from .resolve import Prepass
    from .scopes import ScopeStack

_ROUNDS = 6  # readings of a file at most (function results and attributes feed each other)
_LOOP_PASSES = 6  # passes over a loop body before what still changes is given up as unknown


def _type_comment(fn: cst.FunctionDef) -> str | None:
    """The ``# type: (A, B) -> R`` comment of a function (TorchScript's annotations)."""
    comments = []
    if isinstance(fn.body, cst.IndentedBlock):
        if fn.body.header.comment is not None:
            comments.append(fn.body.header.comment.value)
        if fn.body.body:
            comments.extend(line.comment.value for line in fn.body.body[0].leading_lines if line.comment)
    for text in comments:
        body = text.lstrip("#").strip()
        if body.startswith("type:") and "->" in body:
            return body[len("type:"):].strip()
    return None


def _join_states(states: Iterable[State | None]) -> State | None:
    out: State | None = None
    for s in states:
        if s is None:
            continue
        if out is None:
            out = dict(s)
            continue
        for name, kind in s.items():
            out[name] = join(out[name], kind) if name in out else kind
    return out


class Inference(ExpressionKinds):
    """The kinds of a file's names, statement by statement (``run``), and of any expression at a
    statement (``kind_at``)."""

    def __init__(self, table: "RuleTable", pre: "Prepass", scopes: "ScopeStack", class_is_layer: Callable[[cst.ClassDef], bool]) -> None:
        self.table = table
        self.pre = pre
        self.scopes = scopes
        self.class_is_layer: Callable[[cst.ClassDef], bool] | None = class_is_layer  # read by ``run`` only
        self.states: dict[int, State] = {}  # id(statement) -> the state before it
        self.frames: dict[int, _Frame] = {}  # id(function) -> its frame
        self.returns: dict[int, Kind] = {}  # id(function) -> what it returns
        # (class, attribute) -> what each statement assigning it assigns
        self.attrs: dict[tuple[str, str], dict[int, Kind]] = {}
        self.classes: dict[str, _Class] = {}
        self.functions: dict[str, cst.FunctionDef] = {}  # module-level functions
        self.module_final: State = {}
        self._new_returns: dict[int, Kind] = {}
        self.params: dict[tuple[int, str], Kind] = {}  # (id(function), parameter) -> what calls pass
        self._new_params: dict[tuple[int, str], Kind] = {}
        self.recording = False  # calls record what they pass (while reading the file, not after)
        self._reads_paddle = False  # the file imports paddle (a translation read again)
        self._new_attrs: dict[tuple[str, str], dict[int, Kind]] = {}
        self.statement = 0  # id of the small statement being read (an attribute's assignments are told apart)
        self._loops: list[tuple[list, list]] = []  # (break states, continue states)
        self.chain_roots: dict[int, tuple[cst.BaseExpression, cst.BaseExpression]] = {}
        self.query_memo: dict[int, tuple[cst.BaseExpression, Kind]] | None = None
        # the queries' memos, one per (state, frame, scopes) they were asked in; what makes the
        # key is kept alive with the memo, so no id is reused while it is in use
        self._query_memos: dict[tuple[int, ...], tuple[dict, tuple]] = {}

    # ------------------------------------------------------------------ the file -------
    def run(self, module: cst.Module) -> None:
        for stmt in module.body:
            if isinstance(stmt, cst.FunctionDef):
                self.functions[stmt.name.value] = stmt
        self._register_classes(module.body)
        self._reads_paddle = any(q.split(".")[0] == "paddle" for q in self.pre.other_qualnames.values())
        self.recording = True
        for _ in range(_ROUNDS):
            self._new_returns, self._new_attrs, self._new_params, self.states = {}, {}, {}, {}
            final = self._block(module.body, {}, None) or {}
            found = (self._new_returns, self._new_attrs, self._new_params, final)
            if found == (self.returns, self.attrs, self.params, self.module_final):
                break
            self.returns, self.attrs, self.params, self.module_final = found
        self.recording = False
        self.statement = 0
        # the check is a method of the translator, which holds this object: dropped, so that the
        # translator and its trees are freed as soon as it is done, without the cycle collector
        self.class_is_layer = None

    def _register_classes(self, body: Iterable[cst.CSTNode]) -> None:
        for stmt in body:
            if isinstance(stmt, cst.ClassDef) and stmt.name.value not in self.classes:
                bases = [b.value.value for b in stmt.bases if isinstance(b.value, cst.Name) and b.value.value in self.classes]
                methods = {s.name.value: s for s in stmt.body.body if isinstance(s, cst.FunctionDef)}
                layer = self.class_is_layer is not None and self.class_is_layer(stmt) or any(self.classes[b].is_layer for b in bases)
                foreign = any(self.classes[b].foreign for b in bases) or any(
                    (self._other_qualname(b.value) or "").split(".")[0] == "paddle" for b in stmt.bases
                )
                autograd = any(self.classes[b].autograd for b in bases) or any(
                    self.scopes.resolve(b.value) == "torch.autograd.Function" for b in stmt.bases
                )
                torch_base = next((q for q in (self.scopes.resolve(b.value) for b in stmt.bases)
                                   if q is not None and is_layer_class(q) and q.startswith("torch.nn.")), None)
                for b in bases:
                    torch_base = torch_base or self.classes[b].torch_base
                tensor = any(self.classes[b].tensor for b in bases) or any(
                    (q := self.scopes.resolve(b.value)) is not None and is_tensor_class(q) for b in stmt.bases
                )
                self.classes[stmt.name.value] = _Class(stmt, layer and not tensor, bases, methods, foreign, autograd,
                                                       torch_base, tensor)
                self._register_classes(methods.values())
            if isinstance(stmt, (cst.FunctionDef, cst.ClassDef)) and isinstance(stmt.body, cst.IndentedBlock):
                self._register_classes(stmt.body.body)

    # ------------------------------------------------------------------ statements -----
    def _block(self, body: Iterable[cst.CSTNode], state: State | None, frame: _Frame | None) -> State | None:
        for stmt in body:
            if state is None:
                return None  # after return/raise/break/continue
            self.states[id(stmt)] = state
            state = self._statement(stmt, state, frame)
        return state

    def _body(self, node: cst.BaseSuite, state: State | None, frame: _Frame | None) -> State | None:
        if isinstance(node, cst.IndentedBlock):
            return self._block(node.body, state, frame)
        if state is None:
            return None
        return self._small(node.body, state, frame)  # type: ignore[attr-defined]

    def _statement(self, stmt: cst.CSTNode, state: State, frame: _Frame | None) -> State | None:
        if isinstance(stmt, cst.SimpleStatementLine):
            return self._small(stmt.body, state, frame)
        if isinstance(stmt, cst.If):
            narrowed, rest = self._narrowed(stmt.test, state, frame)
            then = self._body(stmt.body, narrowed, frame)
            if stmt.orelse is None:
                other: State | None = rest
            elif isinstance(stmt.orelse, cst.If):
                self.states[id(stmt.orelse)] = rest
                other = self._statement(stmt.orelse, rest, frame)
            else:
                other = self._body(stmt.orelse.body, rest, frame)
            return _join_states((then, other))
        if isinstance(stmt, (cst.For, cst.While)):
            return self._loop(stmt, state, frame)
        if isinstance(stmt, cst.Try) or type(stmt).__name__ == "TryStar":
            return self._try(stmt, state, frame)  # type: ignore[arg-type]
        if isinstance(stmt, cst.With):
            inner = dict(state)
            for item in stmt.items:
                if item.asname is not None:
                    self._assign(item.asname.name, None, inner, frame)
            return self._body(stmt.body, inner, frame)
        if isinstance(stmt, cst.FunctionDef):
            self._function(stmt, state, frame)
            out = dict(state)
            out[stmt.name.value] = OBJECT
            return out
        if isinstance(stmt, cst.ClassDef):
            self._class(stmt, state, frame)
            out = dict(state)
            out[stmt.name.value] = OBJECT
            return out
        if isinstance(stmt, cst.Match):
            outs = [self._body(case.body, dict(state), frame) for case in stmt.cases]
            return _join_states([state, *outs])
        return state

    def _small(self, body: Iterable[cst.BaseSmallStatement], state: State, frame: _Frame | None) -> State | None:
        for small in body:
            self.statement = id(small)
            if isinstance(small, cst.Assign):
                kind = self.kind_of(small.value, state, frame)
                state = dict(state)
                for target in small.targets:
                    self._assign(target.target, kind, state, frame, small.value)
            elif isinstance(small, cst.AnnAssign):
                declared = self._annotation(small.annotation.annotation)
                kind = self.kind_of(small.value, state, frame) if small.value is not None else None
                if small.value is not None or isinstance(small.target, cst.Attribute):
                    state = dict(state)
                    self._assign(small.target, declared if declared is not None else kind, state, frame)
            elif isinstance(small, cst.AugAssign):
                before = self.kind_of(small.target, state, frame)
                op = type(small.operator).__name__.replace("Assign", "")
                state = dict(state)
                self._assign(small.target, arithmetic(before, self.kind_of(small.value, state, frame), op), state, frame)
            elif isinstance(small, cst.Expr) and isinstance(small.value, cst.Call):
                state = self._effect(small.value, state, frame)
            elif isinstance(small, cst.Return):
                if frame is not None:
                    value = self.kind_of(small.value, state, frame) if small.value is not None else NONE
                    frame.returns = join(frame.returns, value)
                return None
            elif isinstance(small, cst.Raise):
                return None
            elif isinstance(small, cst.Assert):  # `assert isinstance(s, str)`: what follows knows it
                state, _ = self._narrowed(small.test, state, frame)
            elif isinstance(small, (cst.Break, cst.Continue)):
                if self._loops:
                    self._loops[-1][0 if isinstance(small, cst.Break) else 1].append(state)
                return None
            elif isinstance(small, cst.Del):
                state = dict(state)
                for name in _names_in(small.target):
                    state.pop(name, None)
            elif isinstance(small, (cst.Import, cst.ImportFrom)):
                state = dict(state)
                for alias in small.names if not isinstance(small.names, cst.ImportStar) else ():
                    bound = alias.asname.name if alias.asname is not None else alias.name
                    name = dotted_name(bound)  # type: ignore[arg-type]
                    if name:
                        state[name.split(".")[0]] = OBJECT
        return state

    def _effect(self, call: cst.Call, state: State, frame: _Frame | None) -> State:
        """What a call made for its effect tells: ``outs.append(t)``, ``self.register_buffer(...)``."""
        func = call.func
        if not isinstance(func, cst.Attribute):
            if isinstance(func, cst.Name) and func.value == "setattr" and len(call.args) == 3:
                self._set_attr(call.args[0].value, call.args[1].value, self.kind_of(call.args[2].value, state, frame), state, frame)
            return state
        method, recv = func.attr.value, func.value
        if method in ("register_buffer", "register_parameter") and len(call.args) >= 2:
            kind = self.kind_of(call.args[1].value, state, frame)
            self._set_attr(recv, call.args[0].value, TENSOR if kind in (TENSOR, NONE) else kind, state, frame)
        elif method in ("append", "extend", "insert") and isinstance(recv, cst.Name) and call.args:
            held = state.get(recv.value)
            if isinstance(held, tuple) and held[0] == "seq":
                value = self.kind_of(call.args[-1].value, state, frame)
                state = dict(state)
                state[recv.value] = seq(join(held[1], element(value) if method == "extend" else value))
        return state

    def _set_attr(self, recv: cst.BaseExpression, name: cst.BaseExpression, kind: Kind, state: State, frame: _Frame | None) -> None:
        if isinstance(name, cst.SimpleString) and isinstance(name.evaluated_value, str):
            self._assign(cst.Attribute(value=recv, attr=cst.Name(name.evaluated_value)), kind, dict(state), frame)

    def _assign(self, target: cst.BaseExpression, kind: Kind, state: State, frame: _Frame | None,
                value: cst.BaseExpression | None = None) -> None:  # fmt: skip
        """Record ``target = <a value of kind>`` (``value``: the expression, to unpack a tuple display)."""
        dotted = dotted_name(target)
        if dotted is not None:  # `self.proj = ...` forgets what an isinstance test said of it
            for key in [k for k in state if "." in k and (k + ".").startswith(dotted + ".")]:
                state[key] = None
        if isinstance(target, cst.Name):
            if target.value not in self.pre.opaque_names:
                state[target.value] = kind
        elif isinstance(target, (cst.Tuple, cst.List)):
            elements = target.elements
            if any(isinstance(e, cst.StarredElement) for e in elements):
                for e in elements:
                    starred = isinstance(e, cst.StarredElement)
                    self._assign(e.value, seq(element(kind)) if starred else element(kind), state, frame)
                return
            if isinstance(value, (cst.Tuple, cst.List)) and len(value.elements) == len(elements) and not any(
                isinstance(e, cst.StarredElement) for e in value.elements
            ):
                kinds = [self.kind_of(e.value, state, frame) for e in value.elements]
            else:
                kinds = unpack(kind, len(elements))
            for e, k in zip(elements, kinds):
                self._assign(e.value, k, state, frame)
        elif isinstance(target, cst.Attribute) and isinstance(target.value, cst.Name):
            held = self._lookup(target.value.value, state, frame)
            if isinstance(held, tuple) and held[0] == "inst":
                key = (held[1], target.attr.value)
                parts = self._new_attrs.setdefault(key, {})
                parts[self.statement] = join(parts.get(self.statement, BOTTOM), kind)
        elif isinstance(target, cst.Subscript) and isinstance(target.value, cst.Name):
            held = state.get(target.value.value)
            if isinstance(held, tuple) and held[0] in ("seq", "map"):
                state[target.value.value] = (held[0], join(held[1], kind))

    def _loop(self, stmt: cst.For | cst.While, state: State, frame: _Frame | None) -> State | None:
        item = self.kind_of(stmt.iter, state, frame) if isinstance(stmt, cst.For) else None
        head = state
        breaks: list = []
        for attempt in range(_LOOP_PASSES + 1):
            breaks, continues = [], []
            self._loops.append((breaks, continues))
            entry = dict(head)
            if isinstance(stmt, cst.For):
                self._assign(stmt.target, element(item), entry, frame)
            out = self._body(stmt.body, entry, frame)
            self._loops.pop()
            new = _join_states([head, out, *continues]) or head
            if new == head:
                break
            if attempt == _LOOP_PASSES - 1:  # still changing: what changes is not known
                new = {name: (kind if head.get(name, BOTTOM) == kind else None) for name, kind in new.items()}
            head = new
        after = self._body(stmt.orelse.body, head, frame) if stmt.orelse is not None else head
        return _join_states([after, *breaks])

    def _try(self, stmt: cst.Try, state: State, frame: _Frame | None) -> State | None:
        body = self._body(stmt.body, state, frame)
        anywhere = _join_states((state, body)) or state
        outs = [self._body(stmt.orelse.body, body, frame) if stmt.orelse is not None else body]
        for handler in stmt.handlers:
            entry = dict(anywhere)
            if handler.name is not None:
                self._assign(handler.name.name, OBJECT, entry, frame)
            outs.append(self._body(handler.body, entry, frame))
        out = _join_states(outs)
        if stmt.finalbody is not None:
            final = self._body(stmt.finalbody.body, out if out is not None else anywhere, frame)
            return final if out is not None else None
        return out

    def _narrowed(self, test: cst.BaseExpression, state: State, frame: _Frame | None) -> tuple[State, State]:
        """The states inside and outside ``if isinstance(x, torch.Tensor):`` (or a layer class, or
        a tuple of them, or ``str``; ``x`` a name or ``self.a.b``; the tests of an ``and`` one
        after the other; ``assert`` narrows what follows it): inside, ``x`` is one; outside, a name known to be a tensor is not (no value on
        that path), and what was narrowed of an attribute is forgotten."""
        if isinstance(test, cst.BooleanOperation) and isinstance(test.operator, cst.And):
            inside, _ = self._narrowed(test.left, state, frame)
            inside, _ = self._narrowed(test.right, inside, frame)
            outside = dict(state)
            outside.update({k: None for k in inside if "." in k and k not in state})
            return inside, outside
        if not (isinstance(test, cst.Call) and isinstance(test.func, cst.Name) and test.func.value == "isinstance"):
            return state, state
        if len(test.args) != 2 or self.scopes.shadowed("isinstance"):
            return state, state
        subject = test.args[0].value
        name = subject.value if isinstance(subject, cst.Name) else dotted_name(subject)
        if name is None or (not isinstance(subject, cst.Name) and name.split(".")[0] in self.pre.opaque_names):
            return state, state
        classes = test.args[1].value
        options = [e.value for e in classes.elements] if isinstance(classes, cst.Tuple) else [classes]
        kinds = [self._annotation(o) for o in options]
        kind: Kind = BOTTOM
        for k in kinds:
            kind = join(kind, k)
        if kind in (TENSOR, STR) or (is_layer(kind) and all(is_layer(k) for k in kinds)):
            inside, outside = dict(state), dict(state)
            inside[name] = kind
            if kind == TENSOR and state.get(name) == TENSOR:
                outside[name] = BOTTOM
            if "." in name:  # after the `if`, nothing is known of it (joined with None)
                outside[name] = state.get(name)
            return inside, outside
        return state, state

    # ------------------------------------------------------------------ functions ------
    def _function(self, fn: cst.FunctionDef, state: State, parent: _Frame | None, cls: str | None = None) -> None:
        names = self.pre.scope_locals.get(id(fn), set())
        frame = _Frame(fn, names, parent, state, cls)
        self.frames[id(fn)] = frame
        entry: State = {}
        params = all_params(fn.params)
        comment = _type_comment(fn)
        declared: list[cst.BaseExpression | None] = [p.annotation.annotation if p.annotation else None for p in params]
        returns = fn.returns.annotation if fn.returns is not None else None
        if comment is not None:
            # TorchScript reads a bare `Tensor` in a type comment as torch.Tensor, imported or not
            bound = "Tensor" in self.pre.module_locals or "Tensor" in self.pre.bindings or self._reads_paddle
            comment = comment if bound else re.sub(r"\bTensor\b", "torch.Tensor", comment)
            call = _parse("f" + comment.split("->")[0].strip())
            if isinstance(call, cst.Call):
                types = [a.value for a in call.args]
                offset = len(params) - len(types)
                if offset in (0, 1):
                    declared = [None] * offset + types  # type: ignore[list-item]
            returns = returns or _parse(comment.split("->", 1)[1].strip())
        decorators = {dotted_name(d.decorator) for d in fn.decorators}
        is_method = cls is not None and not decorators & {"staticmethod", "classmethod"} and params
        layer = cls is not None and self.classes[cls].is_layer
        autograd = cls is not None and self.classes[cls].autograd and fn.name.value in ("forward", "backward")
        for i, param in enumerate(params):
            kind = self._annotation(declared[i]) if declared[i] is not None else None
            if i == 0 and is_method:
                kind = self.classes[cls].instance()  # type: ignore[index]
            elif kind is None and layer and fn.name.value == "forward" and declared[i] is None and param.star == "":
                kind = TENSOR  # by convention a layer's forward receives tensors (docs/coverage.md)
            elif kind is None and autograd and i > 0 and declared[i] is None and param.star == "" and param.default is None:
                kind = TENSOR  # an autograd Function's forward(ctx, *tensors) and backward(ctx, *grads)
            elif kind is None and declared[i] is None and param.star == "":
                # what the calls in this file pass (and the default value)
                kind = self.params.get((id(fn), param.name.value))
                if kind is not None and param.default is not None:
                    kind = join(kind, self.kind_of(param.default, state, parent))
            entry[param.name.value] = kind
        self.scopes.push(Scope("function", names, fn))
        try:
            self._block(fn.body.body, entry, frame) if isinstance(fn.body, cst.IndentedBlock) else self._body(fn.body, entry, frame)
        finally:
            self.scopes.pop()
        result = self._annotation(returns) if returns is not None else None
        if result is None:
            result = NONE if frame.returns == BOTTOM else frame.returns
        self._new_returns[id(fn)] = result

    def _class(self, node: cst.ClassDef, state: State, parent: _Frame | None) -> None:
        info = self.classes.get(node.name.value)
        self.scopes.push(Scope("class", self.pre.scope_locals.get(id(node), set()), node, bool(info and info.is_layer)))
        try:
            for stmt in node.body.body if isinstance(node.body, cst.IndentedBlock) else ():
                self.states[id(stmt)] = state
                if isinstance(stmt, cst.FunctionDef) and info is not None:
                    self._function(stmt, state, parent, node.name.value)
                elif isinstance(stmt, cst.ClassDef):
                    self._class(stmt, state, parent)
                elif isinstance(stmt, cst.SimpleStatementLine) and info is not None:
                    for small in stmt.body:  # `pos: Tensor` declares an attribute
                        if isinstance(small, cst.AnnAssign) and isinstance(small.target, cst.Name):
                            key = (node.name.value, small.target.value)
                            self._new_attrs.setdefault(key, {})[id(small)] = self._annotation(small.annotation.annotation)
        finally:
            self.scopes.pop()

    # ------------------------------------------------------------------ queries --------
    def kind_at(self, expr: cst.BaseExpression, statement: cst.CSTNode | None) -> Kind:
        """What ``expr`` gives at ``statement`` (the innermost statement around it), inside the
        scopes ``self.scopes`` holds now (comprehension variables and lambda parameters too)."""
        frame: _Frame | None = None
        inner: list[Scope] = []
        for scope in reversed(self.scopes.stack):
            if scope.kind == "comp" or (scope.kind == "function" and id(scope.node) not in self.frames):
                inner.append(scope)
                continue
            if scope.kind == "function":
                frame = self.frames[id(scope.node)]
            break
        state = self.states.get(id(statement)) if statement is not None else None
        lasting = state is not None or frame is None  # not a dict made for this query
        if state is None:
            state = {} if frame is not None else self.module_final
        for scope in reversed(inner):
            if scope.kind == "comp":
                state = self.comprehension_state(scope.node, state, frame)
            else:
                state = dict(state, **{name: None for name in scope.names})
        if self.recording or inner or not lasting:
            return self.kind_of(expr, state, frame)
        # After the file is read, what an expression gives depends only on the state, the frame
        # and the scopes around it: remembered, so the calls of a chain `x.a().b().c()...`,
        # asked about one by one as each is translated, are not read again for each.
        held = (state, frame, *self.scopes.stack)
        memo, _ = self._query_memos.setdefault(tuple(map(id, held)), ({}, held))
        self.query_memo = memo
        try:
            return self.kind_of(expr, state, frame)
        finally:
            self.query_memo = None


def _names_in(target: cst.BaseExpression) -> list[str]:
    if isinstance(target, cst.Name):
        return [target.value]
    if isinstance(target, (cst.Tuple, cst.List)):
        return [n for e in target.elements for n in _names_in(e.value)]
    return []
