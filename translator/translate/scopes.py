"""The scopes around the node being translated: which names are local, what a name means."""

from __future__ import annotations

from typing import Callable

import libcst as cst

from .resolve import Prepass, dotted_name


class Scope:
    """A function, lambda, comprehension or class body being translated, with its local names
    (what the names hold is ``inference``'s business)."""

    __slots__ = ("kind", "names", "node", "is_layer")

    def __init__(self, kind: str, names: set[str], node: cst.CSTNode, is_layer: bool = False) -> None:
        self.kind = kind
        self.names = names
        self.node = node
        self.is_layer = is_layer


class ScopeStack:
    """The scopes enclosing the current node, outermost first (the module is not one of them).

    Everything that asks "does this name mean the torch import here?" asks this one stack.
    """

    def __init__(self, pre: Prepass, canonical: Callable[[str], str] | None = None) -> None:
        self.pre = pre
        self.stack: list[Scope] = []
        # another spelling of a table entry -> the entry's name (RuleTable.canonical)
        self.canonical = canonical

    def push(self, scope: Scope) -> None:
        self.stack.append(scope)

    def pop(self) -> Scope:
        return self.stack.pop()

    def __len__(self) -> int:
        return len(self.stack)

    def __getitem__(self, index: int) -> Scope:
        return self.stack[index]

    def shadowed(self, name: str) -> bool:
        innermost = True
        for scope in reversed(self.stack):
            if scope.kind == "class" and not innermost:
                continue
            innermost = False
            if name in scope.names:
                return True
        return False

    def resolve(self, node: cst.BaseExpression) -> str | None:
        """The torch qualified name an expression refers to (the table's spelling of it), or None."""
        dotted = dotted_name(node)
        if dotted is None:
            return None
        head, _, rest = dotted.partition(".")
        binding = self.pre.bindings.get(head)
        if binding is None or head in self.pre.module_locals or self.shadowed(head):
            return None
        qual = binding.qualname + ("." + rest if rest else "")
        return self.canonical(qual) if self.canonical is not None else qual

    def current_class_is_layer(self) -> bool:
        for scope in reversed(self.stack):
            if scope.kind == "class":
                return scope.is_layer
        return False

    def current_function(self) -> Scope | None:
        for scope in reversed(self.stack):
            if scope.kind == "function":
                return scope
            if scope.kind == "class":
                return None
        return None
