"""A method rule that cannot tell an operand's kind, on a receiver whose kind is not known:
reported, never left unchanged in silence (``t.mul_(std * k)`` raises in Paddle when the operand
is a Python float).  A rule that would leave the call as it is stays silent."""

from __future__ import annotations

import textwrap

from translator.translate.pipeline import translate_source


def _codes(code: str) -> list[tuple[int, str, str]]:
    result = translate_source(textwrap.dedent(code).lstrip("\n"))
    return [(d.line, d.code, d.api) for d in result.diagnostics]


def test_unknown_receiver_with_an_operand_the_rule_cannot_tell_is_reported():
    assert _codes(
        """
        import math
        import torch

        def trunc_normal_(tensor, mean, std):
            with torch.no_grad():
                tensor.mul_(std * math.sqrt(2.0))
                tensor.add_(mean)
                return tensor
        """
    ) == [(6, "T2P101", "torch.Tensor.mul_"), (7, "T2P101", "torch.Tensor.add_")]


def test_unknown_receiver_with_a_call_the_rule_keeps_is_not_reported():
    # `x.reshape([2, 3])` is valid Paddle as it stands: no warning
    assert _codes(
        """
        import torch

        def f(x):
            return x.reshape([2, 3])
        """
    ) == []
