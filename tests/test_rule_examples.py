"""Every rule's own before/after example, run as a test (one source: the rule table)."""

from __future__ import annotations

import pytest

from translator import translate_source
from translator.rules import load_table
from translator.translate.support import strip_support

RULES = load_table().all_rules()


@pytest.mark.parametrize("rule", RULES, ids=[r.torch for r in RULES])
def test_example(rule):
    before = rule.example_before.lstrip("\n")
    result = translate_source(before, path="example.py")
    assert strip_support(result.code) == rule.example_after.lstrip("\n")
    expected = set(rule.example_diagnostics)
    got = {d.code for d in result.diagnostics}
    assert expected <= got, (expected, [str(d) for d in result.diagnostics])
    if not expected:
        assert not result.errors, [str(d) for d in result.errors]
    assert rule.torch in result.rules_applied or any(k.startswith(rule.torch) for k in result.rules_applied)


@pytest.mark.parametrize("rule", RULES, ids=[r.torch for r in RULES])
def test_example_output_is_stable(rule):
    once = translate_source(rule.example_before.lstrip("\n"), path="example.py").code
    assert translate_source(once, path="example.py").code == once
