"""Every rule's own cases, run as tests (one source: the rule table): its before/after example,
the files it must leave byte-identical (``unchanged``) and the calls it must refuse
(``refuses``).  ``translator/testing.py`` says what each kind of case asserts."""

from __future__ import annotations

import pytest

from translator import testing, translate_source
from translator.rules import load_table

CASES = testing.cases()
RULES = load_table().all_rules()


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_case(case):
    testing.run_case(case)


@pytest.mark.parametrize("rule", RULES, ids=[r.torch for r in RULES])
def test_example_output_is_stable(rule):
    once = translate_source(rule.example_before.lstrip("\n"), path="example.py").code
    assert translate_source(once, path="example.py").code == once
