"""Leftover containment (translate/containment.py): a torch import only untranslated code inside
functions needs moves into those functions; one that code run at import time needs stays."""

from __future__ import annotations

import pytest

from translator.settings import Settings
from translator.translate.pipeline import translate_source

M = "# TODO(torch2paddle): T2P001 torch.frobnicate: no rule for this torch API; left unchanged"

MOVED = {
    # the import goes after the docstring
    "docstring": (
        '''\
import torch


def f(x):
    """Doc."""
    return torch.frobnicate(x)
''',
        f'''\
def f(x):
    """Doc."""
    import torch
    {M}
    return torch.frobnicate(x)
''',
    ),
    # a method is a function
    "method_only": (
        '''\
import torch


class A:
    def m(self):
        return torch.frobnicate(2)
''',
        f'''\
class A:
    def m(self):
        import torch
        {M}
        return torch.frobnicate(2)
''',
    ),
    # a closure sees the import of the function around it; an inner function alone gets its own
    "closure": (
        '''\
import torch


def outer(x):
    def inner(y):
        return torch.frobnicate(y)

    return torch.frobnicate(inner(x))


def only_inner(x):
    def inner(y):
        return torch.frobnicate(y)

    return inner(x)
''',
        f'''\
def outer(x):
    import torch
    def inner(y):
        {M}
        return torch.frobnicate(y)

    {M}
    return torch.frobnicate(inner(x))


def only_inner(x):
    def inner(y):
        import torch
        {M}
        return torch.frobnicate(y)

    return inner(x)
''',
    ),
    # h's torch is g's local (bound after h, so only known at the end of g): g gets no import
    "later_local": (
        '''\
import torch


def f(x):
    return torch.frobnicate(x)


def g():
    h = lambda: torch.frobnicate(0)
    torch = 1
    return h
''',
        f'''\
def f(x):
    import torch
    {M}
    return torch.frobnicate(x)


def g():
    h = lambda: torch.frobnicate(0)
    torch = 1
    return h
''',
    ),
    # a comprehension's own torch is not the module's
    "comprehension": (
        '''\
import torch


def f(x):
    return torch.frobnicate(x)


def g(xs):
    return [torch.frobnicate(0) for torch in xs]
''',
        f'''\
def f(x):
    import torch
    {M}
    return torch.frobnicate(x)


def g(xs):
    return [torch.frobnicate(0) for torch in xs]
''',
    ),
    # an attribute or a keyword named torch is not a use
    "attribute_keyword": (
        '''\
import torch


def f(x):
    return torch.frobnicate(x)


y = x.torch
z = dict(torch=1)
''',
        f'''\
def f(x):
    import torch
    {M}
    return torch.frobnicate(x)


y = x.torch
z = dict(torch=1)
''',
    ),
    # each alias's import moves, the names spelled through torch
    "nonlocal_alias": (
        '''\
import torch as T
import torch.nn.functional as F


def f(x):
    return T.frobnicate(F.frobnicate(x))
''',
        f'''\
def f(x):
    import torch
    import torch.nn.functional
    {M}
    # TODO(torch2paddle): T2P001 torch.nn.functional.frobnicate: no rule for this torch API; left unchanged
    return torch.frobnicate(torch.nn.functional.frobnicate(x))
''',
    ),
}


KEPT = {
    # a use at import time keeps the module import
    "module_level": (
        '''\
import torch


def f(x):
    return torch.frobnicate(x)


y = torch.frobnicate(1)
''',
        f'''\
import torch


def f(x):
    {M}
    return torch.frobnicate(x)


{M}
y = torch.frobnicate(1)
''',
    ),
    # a decorator and a default value are evaluated at import time
    "decorator_default": (
        '''\
import torch


@torch.frobnicate
def f(x):
    return x


def g(x=torch.frobnicate):
    return torch.frobnicate(x)
''',
        f'''\
import torch


{M}
@torch.frobnicate
def f(x):
    return x


{M}
def g(x=torch.frobnicate):
    {M}
    return torch.frobnicate(x)
''',
    ),
    # a name a function declares global stays at module level
    "global": (
        '''\
import torch


def f(x):
    global torch
    return torch.frobnicate(x)
''',
        f'''\
import torch


def f(x):
    global torch
    {M}
    return torch.frobnicate(x)
''',
    ),
    # a class body runs at import time
    "class_body": (
        '''\
import torch


class A:
    t = torch.frobnicate(1)

    def m(self):
        return torch.frobnicate(2)
''',
        f'''\
import torch


class A:
    {M}
    t = torch.frobnicate(1)

    def m(self):
        {M}
        return torch.frobnicate(2)
''',
    ),
    # a one-line def's body is left as written, so the import stays
    "one_line_def": (
        '''\
import torch


def f(x): return torch.frobnicate(x)
''',
        f'''\
import torch


{M}
def f(x): return torch.frobnicate(x)
''',
    ),
    # a module-level lambda counts as import-time code
    "lambda": (
        '''\
import torch


def f(x):
    g = lambda y: torch.frobnicate(y)
    return g(x)


h = lambda y: torch.frobnicate(y)
''',
        f'''\
import torch


def f(x):
    {M}
    g = lambda y: torch.frobnicate(y)
    return g(x)


{M}
h = lambda y: torch.frobnicate(y)
''',
    ),
}


def _translated(source: str) -> str:
    return translate_source(source, path="m.py", settings=Settings(format=False)).code


@pytest.mark.parametrize("source, expected", MOVED.values(), ids=list(MOVED))
def test_the_import_moves_into_the_functions_that_use_it(source, expected):
    assert _translated(source) == expected
    assert "\nimport torch" not in "\n" + expected


@pytest.mark.parametrize("source, expected", KEPT.values(), ids=list(KEPT))
def test_an_import_time_use_keeps_the_module_import(source, expected):
    assert _translated(source) == expected
    assert expected.startswith("import torch\n")
    assert "    import torch" not in expected


@pytest.mark.parametrize("source", [s for s, _ in MOVED.values()] + [s for s, _ in KEPT.values()])
def test_a_second_translation_changes_nothing(source):
    once = _translated(source)
    assert _translated(once) == once
