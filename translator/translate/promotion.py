"""Type promotion: integer tensors that meet floating-point ones in arithmetic.

torch computes ``int64 tensor * float32 tensor`` in float32 (and ``torch.outer``, ``matmul``
likewise). Paddle 3 raises ("Type promotion only support calculations between floating-point
numbers"), and Paddle 2.6 silently computes in the left operand's dtype, truncating the floats.
The pattern is everywhere in positional encodings and rotary embeddings:
``torch.arange(n).unsqueeze(1) * div_term``, ``torch.outer(torch.arange(end), freqs)``,
``ys * scale`` after ``ys, xs = torch.meshgrid(torch.arange(h), torch.arange(w))``.

This pass runs on the translated module. In each function (and at module level) it finds the
expressions that hold an integer tensor: ``paddle.arange(...)`` without a dtype or a float
argument, an integer ``astype``, methods that keep the dtype (``unsqueeze``, ``reshape``,
indexing, ...), the grids of ``paddle.meshgrid`` over such tensors, and names every assignment
of which is one of these (iterated to a fixpoint). An arithmetic operation (``* + - /``) or a
``paddle.outer``/``paddle.matmul`` call with such an operand on one side, and on the other side
anything but a number literal or another integer tensor, goes through the support function
``_torch_promote``, which casts at run time exactly when torch would promote:
``position * div_term`` -> ``_torch_mul(position, div_term)``, ``paddle.outer(t, freqs)`` ->
``paddle.outer(*_torch_promote(t, freqs))``. When both are
integers or both floats at run time, nothing is cast, so a wrong guess costs nothing but the
call.
"""

from __future__ import annotations

import libcst as cst

from .resolve import dotted_name as _dotted
from .resolve import walk
from .support import FOOTER, HEADER, SNIPPETS, Snippet

__all__ = ["promote", "may_need"]

_KEEP_DTYPE = {
    "unsqueeze", "squeeze", "reshape", "flatten", "transpose", "t", "expand", "expand_as", "tile",
    "clone", "detach", "flip", "roll", "contiguous", "view",
}
_INT_DTYPES = {"int64", "int32", "int16", "int8", "uint8"}
_OPERATORS = {cst.Multiply: ("mul", "*"), cst.Add: ("add", "+"), cst.Subtract: ("sub", "-"), cst.Divide: ("div", "/")}
_SOURCES = {"paddle.arange", "paddle.meshgrid"}
_FUNCTIONS = {"paddle.outer", "paddle.matmul", "paddle.mm", "paddle.dot", "paddle.inner"}

SNIPPETS["_torch_promote"] = Snippet(
    code='''
def _torch_promote(a: Any, b: Any) -> tuple[Any, Any]:
    """The operands of a torch arithmetic operation, in the dtype torch computes it in:
    an integer or boolean tensor meeting a floating-point tensor (or Python float) is
    cast to that floating-point dtype. Paddle 3 refuses mixed operands; Paddle 2.6
    computes in the left one's dtype."""

    def floating(v: Any) -> bool:
        return isinstance(v, float) or (isinstance(v, paddle.Tensor) and v.is_floating_point())

    def integral(v: Any) -> bool:
        return isinstance(v, paddle.Tensor) and not v.is_floating_point() and not v.is_complex()

    if integral(a) and floating(b):
        a = a.astype(b.dtype if isinstance(b, paddle.Tensor) else paddle.get_default_dtype())
    elif integral(b) and floating(a):
        b = b.astype(a.dtype if isinstance(a, paddle.Tensor) else paddle.get_default_dtype())
    return a, b
'''.lstrip("\n"),
    imports=("from typing import Any",),
    paddle=True,
)
for _name, _op in _OPERATORS.values():
    SNIPPETS[f"_torch_{_name}"] = Snippet(
        code=f'''
def _torch_{_name}(a: Any, b: Any) -> Any:
    """torch's ``a {_op} b``, integer operands promoted as torch promotes them."""
    a, b = _torch_promote(a, b)
    return a {_op} b
'''.lstrip("\n"),
        imports=("from typing import Any",),
        deps=("_torch_promote",),
    )


def may_need(code: str) -> bool:
    """Cheap test on the torch source: only code that makes integer tensors can need the pass.
    Support code a first pass wrote (``paddle.arange`` in a helper) does not count: translated
    again, the file must be promoted exactly as it was the first time."""
    if "arange" not in code and "meshgrid" not in code:
        return False
    if HEADER not in code:
        return True
    outside, inside = [], False
    for line in code.splitlines():
        if line.rstrip() == HEADER:
            inside = True
        elif line.rstrip() == FOOTER:
            inside = False
        elif not inside:
            outside.append(line)
    text = "\n".join(outside)
    return "arange" in text or "meshgrid" in text


def _is_number(node: cst.BaseExpression) -> bool:
    if isinstance(node, (cst.Integer, cst.Float)):
        return True
    return isinstance(node, cst.UnaryOperation) and isinstance(node.expression, (cst.Integer, cst.Float))


def _has_float(node: cst.CSTNode) -> bool:
    """A float literal, a true division or a float() call anywhere in ``node``."""
    if isinstance(node, (cst.Float, cst.Divide)):
        return True
    if isinstance(node, cst.Call) and isinstance(node.func, cst.Name) and node.func.value == "float":
        return True
    return any(_has_float(child) for child in node.children)


def _int_dtype(node: cst.BaseExpression) -> bool:
    if isinstance(node, cst.SimpleString):
        return node.evaluated_value in _INT_DTYPES
    name = _dotted(node)
    return name is not None and name.rsplit(".", 1)[-1] in _INT_DTYPES and name.startswith("paddle.")


class _Scope:
    """Which names of one function body hold integer tensors."""

    def __init__(self) -> None:
        self.ints: set[str] = set()
        self.grids: set[str] = set()  # names holding the list paddle.meshgrid returns

    def is_int(self, node: cst.BaseExpression) -> bool:
        if isinstance(node, cst.Name):
            return node.value in self.ints
        if isinstance(node, cst.Subscript):
            if isinstance(node.value, cst.Name) and node.value.value in self.grids:
                return True
            return self.is_int(node.value)
        if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, (cst.Add, cst.Subtract, cst.Multiply, cst.FloorDivide, cst.Modulo)):
            sides = (node.left, node.right)
            return any(self.is_int(s) for s in sides) and all(self.is_int(s) or isinstance(s, cst.Integer) for s in sides)
        if not isinstance(node, cst.Call):
            return False
        func = _dotted(node.func)
        if func == "paddle.arange":
            return not any(a.keyword is not None and a.keyword.value == "dtype" for a in node.args) and not _has_float(node)
        if func == "paddle.stack":
            return bool(node.args) and self.is_grid(node.args[0].value)
        if isinstance(node.func, cst.Attribute):
            method = node.func.attr.value
            if method == "astype":
                return bool(node.args) and _int_dtype(node.args[0].value)
            if method in _KEEP_DTYPE:
                return self.is_int(node.func.value)
        return False

    def is_grid(self, node: cst.BaseExpression) -> bool:
        if isinstance(node, cst.Name):
            return node.value in self.grids
        if isinstance(node, cst.Call) and _dotted(node.func) == "paddle.meshgrid" and node.args:
            values = [a.value for a in node.args]
            if len(values) == 1 and isinstance(values[0], (cst.List, cst.Tuple)):
                values = [e.value for e in values[0].elements]
            return all(self.is_int(v) for v in values)
        return False


class _Assignments(cst.CSTVisitor):
    """``(target, value)`` of the plain assignments under a node, not entering nested functions or
    classes (walked with :func:`resolve.walk`)."""

    def __init__(self) -> None:
        self.out: list[tuple[cst.BaseAssignTargetExpression, cst.BaseExpression]] = []

    def _nested(self, node: cst.CSTNode) -> bool:
        return False

    visit_FunctionDef = visit_ClassDef = visit_Lambda = _nested

    def visit_Assign(self, node: cst.Assign) -> None:
        self.out += [(t.target, node.value) for t in node.targets]

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        if node.value is not None:
            self.out.append((node.target, node.value))

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        self.out.append((node.target, _UNKNOWN))

    def _loop_target(self, node: cst.For | cst.CompFor | cst.NamedExpr) -> None:
        self.out.append((node.target, _UNKNOWN))

    visit_For = visit_CompFor = visit_NamedExpr = _loop_target

    def visit_WithItem(self, node: cst.WithItem) -> None:
        if node.asname is not None:
            self.out.append((node.asname.name, _UNKNOWN))


_UNKNOWN = cst.Name("__unknown__")


def _assignments(body: cst.CSTNode) -> list[tuple[cst.BaseAssignTargetExpression, cst.BaseExpression]]:
    """``(target, value)`` of the plain assignments in ``body``, not entering nested functions or classes."""
    found = _Assignments()
    walk(body, found)
    return found.out


class _Sources(cst.CSTVisitor):
    """The ids of the functions and classes whose code makes an integer tensor (``paddle.arange``,
    ``paddle.meshgrid``, ``astype``): elsewhere no expression can be one, so the pass skips them."""

    def __init__(self) -> None:
        self.stack: list[cst.CSTNode] = []
        self.hot: set[int] = set()

    def _enter(self, node: cst.FunctionDef | cst.ClassDef) -> None:
        self.stack.append(node)

    def _leave(self, node: cst.FunctionDef | cst.ClassDef) -> None:
        self.stack.pop()

    visit_FunctionDef = visit_ClassDef = _enter
    leave_FunctionDef = leave_ClassDef = _leave

    def visit_Call(self, node: cst.Call) -> None:
        func = node.func
        if (isinstance(func, cst.Attribute) and func.attr.value == "astype") or _dotted(func) in _SOURCES:
            self.hot.update(id(n) for n in self.stack)


def _scope_of(body: cst.CSTNode) -> _Scope:
    scope = _Scope()
    assigns = _assignments(body)
    names: dict[str, list[cst.BaseExpression]] = {}
    unpacked: dict[str, list[cst.BaseExpression]] = {}  # a, b = <value>
    for target, value in assigns:
        if isinstance(target, cst.Name):
            names.setdefault(target.value, []).append(value)
        elif isinstance(target, (cst.Tuple, cst.List)):
            for el in target.elements:
                if isinstance(el.value, cst.Name):
                    unpacked.setdefault(el.value.value, []).append(value)
                    names.setdefault(el.value.value, [])
    changed = True
    while changed:  # grows monotonically: a name joins when all its assignments are integer tensors
        changed = False
        for name, values in names.items():
            whole = all(scope.is_int(v) for v in values)
            parts = all(scope.is_grid(v) for v in unpacked.get(name, []))
            if name not in scope.ints and (values or unpacked.get(name)) and whole and parts:
                scope.ints.add(name)
                changed = True
            if name not in scope.grids and values and not unpacked.get(name) and all(scope.is_grid(v) for v in values):
                scope.grids.add(name)
                changed = True
    return scope


class _Promote(cst.CSTTransformer):
    def __init__(self, skip: frozenset[int], hot: set[int]) -> None:
        self.scopes: list[_Scope] = []
        self.used: list[str] = []
        self.skip = set(skip)  # ids of statements left as they are (a first pass's support code)
        self.hot = hot  # ids of the functions and classes that make integer tensors

    def on_visit(self, node: cst.CSTNode) -> bool:
        if id(node) in self.skip:
            return False
        if id(node) not in self.hot and (
            isinstance(node, cst.FunctionDef)  # a scope of its own: nothing in it is an integer tensor
            or (isinstance(node, cst.ClassDef) and not (self.scopes[-1].ints or self.scopes[-1].grids))
        ):
            self.skip.add(id(node))
            return False
        return super().on_visit(node)

    def on_leave(self, original_node: cst.CSTNode, updated_node: cst.CSTNode):  # type: ignore[no-untyped-def]
        if id(original_node) in self.skip:
            return updated_node
        return super().on_leave(original_node, updated_node)

    def _enter(self, body: cst.CSTNode) -> None:
        self.scopes.append(_scope_of(body))

    def visit_Module(self, node: cst.Module) -> None:
        self._enter(node)

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self._enter(node.body)

    def leave_FunctionDef(self, original_node: cst.FunctionDef, updated_node: cst.FunctionDef) -> cst.FunctionDef:
        self.scopes.pop()
        return updated_node

    def _mixed(self, a: cst.BaseExpression, b: cst.BaseExpression) -> bool:
        scope = self.scopes[-1]
        ia, ib = scope.is_int(a), scope.is_int(b)
        return ia != ib and not _is_number(b if ia else a)

    def _call(self, name: str, a: cst.BaseExpression, b: cst.BaseExpression, **kw: object) -> cst.Call:
        if name not in self.used:
            self.used.append(name)
        comma = cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))
        return cst.Call(cst.Name(name), [cst.Arg(a, comma=comma), cst.Arg(b)], **kw)  # type: ignore[arg-type]

    def leave_BinaryOperation(self, original_node: cst.BinaryOperation, updated_node: cst.BinaryOperation) -> cst.BaseExpression:
        op = _OPERATORS.get(type(updated_node.operator))
        if op is None or not self._mixed(original_node.left, original_node.right):
            return updated_node
        left, right = updated_node.left.with_changes(lpar=[], rpar=[]), updated_node.right.with_changes(lpar=[], rpar=[])
        return self._call(f"_torch_{op[0]}", left, right)

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        if _dotted(original_node.func) not in _FUNCTIONS or len(original_node.args) != 2:
            return updated_node
        if any(a.keyword is not None or a.star for a in original_node.args):
            return updated_node
        if not self._mixed(original_node.args[0].value, original_node.args[1].value):
            return updated_node
        pair = self._call("_torch_promote", updated_node.args[0].value, updated_node.args[1].value)
        return updated_node.with_changes(args=[cst.Arg(pair, star="*")])


def promote(module: cst.Module, skip: frozenset[int] = frozenset()) -> tuple[cst.Module, list[str]]:
    """The module with mixed integer/floating arithmetic routed through ``_torch_promote``, and
    the support functions it now calls (the caller emits them); the statements whose ids are in
    ``skip`` are left alone."""
    sources = _Sources()
    walk(module, sources, set(skip))
    tr = _Promote(skip, sources.hot)
    out = module.visit(tr)
    return out, tr.used
