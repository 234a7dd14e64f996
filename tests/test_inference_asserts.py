"""Receiver inference: ``assert isinstance(x, T)`` narrows what follows it, and ``str`` narrows.

efficientnet-pytorch's block decoder (``assert isinstance(block_string, str)`` then
``block_string.split('_')``) was reported as an untranslated tensor method (T2P101).
"""

from __future__ import annotations

import textwrap

from translator import translate_source


def _tr(code: str):
    return translate_source(textwrap.dedent(code).lstrip("\n"))


def test_assert_isinstance_str_makes_split_a_string_method():
    out = _tr("""
        import torch

        def decode(block_string):
            assert isinstance(block_string, str)
            return block_string.split('_')

        def decode2(s):
            if isinstance(s, str):
                return s.split('_')
            return s
        """)
    assert not out.diagnostics, [str(d) for d in out.diagnostics]
    assert "return block_string.split('_')" in out.code
    assert "return s.split('_')" in out.code


def test_assert_isinstance_tensor_makes_a_tensor():
    out = _tr("""
        import torch

        def flat(x):
            assert isinstance(x, torch.Tensor), "a tensor"
            return x.view(-1)
        """)
    assert not out.errors, [str(d) for d in out.errors]
    assert "return x.reshape([-1])" in out.code


def test_unchanged_without_the_assert_or_after_another_assert():
    out = _tr("""
        import torch

        def decode(s, n, sep):
            assert n > 0
            return s.split(sep)
        """)
    assert "return s.split(sep)" in out.code
    assert [d.code for d in out.diagnostics] == ["T2P101"]  # still reported: s may be a tensor
    # (a string literal argument, `s.split('_')`, is a str method whatever s is:
    # tests/test_corpus_gaps.py)
