"""Every public method of the installed ``torch.Tensor``, called on a known tensor, is either
translated by a rule or reported: none passes through unchanged and silent."""

from __future__ import annotations

import inspect

import pytest

from translator import translate_source
from translator.rules import load_table

torch = pytest.importorskip("torch")

PUBLIC = sorted(n for n in dir(torch.Tensor) if not n.startswith("_"))


def _is_property(name: str) -> bool:
    static = inspect.getattr_static(torch.Tensor, name)
    return isinstance(static, property) or not callable(static)


#: the public methods (``x.T``, ``x.shape`` and the other properties are attributes, below)
METHODS = [n for n in PUBLIC if not _is_property(n)]
PROPERTIES = [n for n in PUBLIC if _is_property(n)]


def _outcome(name: str) -> tuple[bool, bool, str]:
    """(a rule applied, a diagnostic reported, the output) for ``x.<name>()`` on a tensor."""
    source = f"import torch\n\ndef f(x: torch.Tensor):\n    return x.{name}()\n"
    result = translate_source(source, path="coverage.py")
    applied = any(k == f"torch.Tensor.{name}" or k.startswith(f"torch.Tensor.{name}:") for k in result.rules_applied)
    return applied, bool(result.diagnostics), result.code


def test_every_public_method_is_rewritten_or_reported():
    silent = []
    for name in METHODS:
        applied, reported, _ = _outcome(name)
        if not (applied or reported):
            silent.append(name)
    assert not silent, f"torch.Tensor methods passed through silently: {silent}"


def test_methods_with_a_rule_are_rewritten():
    """A method the table has a rule for is applied on a known tensor (the no-argument call may
    also be reported, e.g. a missing required argument, but never silently skipped)."""
    methods = load_table().methods
    unapplied = []
    for name in METHODS:
        if not any(r.kind == "method" and r.receiver == "tensor" for r in methods.get(name, ())):
            continue
        applied, reported, _ = _outcome(name)
        if not (applied or reported):
            unapplied.append(name)
    assert not unapplied, unapplied


@pytest.mark.parametrize("name", ["storage_offset", "to_sparse_bsr", "q_scale"])
def test_method_without_rule_is_reported_and_left_unchanged(name):
    applied, reported, code = _outcome(name)
    assert not applied and reported
    assert f"x.{name}()" in code


def test_properties_with_a_rule_are_rewritten():
    """``x.mT``, ``x.real``, ...: a property the table has an attribute rule for is applied."""
    attributes = load_table().methods
    unapplied = []
    for name in PROPERTIES:
        if not any(r.kind == "attribute" and r.receiver == "tensor" for r in attributes.get(name, ())):
            continue
        source = f"import torch\n\ndef f(x: torch.Tensor):\n    return x.{name}\n"
        result = translate_source(source, path="coverage.py")
        if f"torch.Tensor.{name}" not in result.rules_applied:
            unapplied.append(name)
    assert not unapplied, unapplied
