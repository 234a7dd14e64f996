"""Numeric proof per rule: the torch snippet and its translation agree on the same inputs."""

from __future__ import annotations

import pytest

from translator import testing
from translator.rules import load_table

pytest.importorskip("torch")
pytest.importorskip("paddle")

CHECKED = [r for r in load_table().all_rules() if r.check is not None]


@pytest.mark.parametrize("rule", CHECKED, ids=[r.torch for r in CHECKED])
def test_numeric(rule):
    testing.run_check(rule)


def test_checks_can_fail(monkeypatch):
    """The harness notices a wrong translation (guards against a check that cannot fail)."""
    rule = next(r for r in CHECKED if r.torch == "torch.flatten")
    real = testing.translated_snippet

    def wrong(rule, code):
        return real(rule, code).replace("paddle.flatten(x, 1)", "paddle.flatten(x, 0)")

    monkeypatch.setattr(testing, "translated_snippet", wrong)
    with pytest.raises(AssertionError):
        testing.run_check(rule)
