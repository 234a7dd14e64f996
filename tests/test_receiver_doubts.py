"""A method rule that cannot tell an operand's kind, on a receiver whose kind is not known:
reported, never left unchanged in silence (``t.max(k)`` is a reduction over dim ``k`` or an
elementwise maximum).  A rule that would leave the call as it is stays silent."""

from __future__ import annotations

import textwrap

from translator.translate.pipeline import translate_source


def _codes(code: str) -> list[tuple[int, str, str]]:
    result = translate_source(textwrap.dedent(code).lstrip("\n"))
    return [(d.line, d.code, d.api) for d in result.diagnostics]


def test_unknown_receiver_with_an_operand_the_rule_cannot_tell_is_reported():
    # `t.max(k)`: the maximum over dim k, or the elementwise maximum with a tensor k
    assert _codes(
        """
        import torch

        def peak(t, k):
            return t.max(k)
        """
    ) == [(4, "T2P101", "torch.Tensor.max")]


def test_an_in_place_method_on_an_unknown_receiver_is_translated_not_reported():
    # in-place tensor methods go through support code deciding at run time (test_inplace_arith.py)
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
    ) == []


def test_unknown_receiver_with_a_call_the_rule_keeps_is_not_reported():
    # `x.reshape([2, 3])` is valid Paddle as it stands: no warning
    assert _codes(
        """
        import torch

        def f(x):
            return x.reshape([2, 3])
        """
    ) == []
