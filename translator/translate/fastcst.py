"""LibCST speed-ups, quarantined here behind tests/test_fast_paths.py (which swaps each one for
the plain LibCST way and compares the output) and tests/test_libcst_contract.py (which pins the
LibCST versions whose private behaviour these rely on).

* ``_Transformer``: method dispatch looked up once per node class, no per-field hooks.
* ``_parse_module(trusted=True)``: parse without re-validating every node.
* ``_inert_subtrees``: the subtrees with nothing to translate, which the translator skips.
* ``_check_parses``: CPython's parser first, LibCST only for code it rejects.
* ``code_of``: a node's code without LibCST's position bookkeeping (one shared no-op ``with``
  per node instead of a generator-based context manager: a fifth of laying out a module).
"""

from __future__ import annotations

import ast
import contextlib
import warnings
from typing import Callable, Iterator

import libcst as cst
from libcst._nodes.internal import CodegenState

from .resolve import _KINDS, NODE, SEQUENCE, TRIVIA, _child_fields, kind_of

#: LibCST releases whose private behaviour this module and ``positions`` were checked against
#: (``CSTNode.__post_init__`` validation, the ``_codegen`` state protocol, ``libcst._position``,
#: ``on_visit_attribute`` hooks).  pyproject.toml admits only these; tests/test_libcst_contract.py
#: fails on any other release until the contract is checked again and this range is moved.
LIBCST_CHECKED = ((1, 1), (1, 9))


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


_NO_POSITION = contextlib.nullcontext()


class _PlainState(CodegenState):
    """LibCST's codegen state, which records no positions, without the cost of saying so."""

    __slots__ = ()

    def record_syntactic_position(self, node, *, start_node=None, end_node=None):  # type: ignore[no-untyped-def]
        return _NO_POSITION


_DEFAULTS = cst.Module(body=[])


def code_of(node: cst.CSTNode) -> str:
    """``module.code`` for a ``Module``, else ``Module(body=[]).code_for_node(node)``."""
    layout = node if isinstance(node, cst.Module) else _DEFAULTS
    state = _PlainState(default_indent=layout.default_indent, default_newline=layout.default_newline)
    node._codegen(state)
    return "".join(state.tokens)


def _no_validation(self: cst.CSTNode) -> None:
    pass


def _parse_module(code: str, trusted: bool = False) -> cst.Module:
    """``cst.parse_module(code)``; when ``trusted``, without re-validating every node the
    parser builds (about a sixth of parsing time).

    LibCST validates each node in ``CSTNode.__post_init__`` (its own comment there suggests
    skipping that for parsed trees, which are valid by construction).  The hook is swapped out
    for the duration of the parse only, so nodes the translator builds are still validated; it
    affects every thread meanwhile, hence only in the CLI's single-threaded processes.
    tests/test_fast_paths.py checks the trees are equal either way.
    """
    with _unvalidated(trusted):
        return cst.parse_module(code)


@contextlib.contextmanager
def _unvalidated(trusted: bool) -> Iterator[None]:
    """While inside, LibCST nodes are built without validation if ``trusted`` (see ``_parse_module``)."""
    base = cst.CSTNode
    saved = base.__dict__.get("__post_init__")
    if not trusted or saved is None:  # pragma: no cover - (None:) a LibCST that validates elsewhere
        yield
        return
    base.__post_init__ = _no_validation  # type: ignore[method-assign]
    try:
        yield
    finally:
        base.__post_init__ = saved  # type: ignore[method-assign]


# ------------------------------------------------------------------------- translate ------

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

    try:
        rec(module)
    finally:
        del rec  # a recursive closure refers to itself: freed now, not by the cycle collector
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
