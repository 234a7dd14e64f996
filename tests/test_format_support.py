"""Support code is emitted formatted: every snippet, as black formats it for a translated file,
keeps to 88 columns, except a line that is long because of a string literal in code (black
splits no string). Docstrings and comments black leaves as written, so the snippets are written
wrapped (issue 16)."""

from __future__ import annotations

import textwrap

import libcst as cst
import pytest

import translator.translate.handlers  # noqa: F401  (registers the handlers' snippets)
from translator.settings import Settings
from translator.translate import support
from translator.translate.formatting import formatted_block, unwrapped_lines
from translator.translate.handlers._common import docstring
from translator.translate.pipeline import translate_source

WIDTH = 88


def _emitted(name: str) -> list[str]:
    """The snippet's statements as a translated file gets them with black's default style
    (each top-level statement formatted on its own, as the header formats them)."""
    snip = support.SNIPPETS[name]
    if snip.literal_from is not None:
        root = support.torchvision_root(None)
        if root is None or not support.literal_available(name, root):
            pytest.skip("torchvision is not installed")
        text = support._literal(*snip.literal_from, root)
    else:
        text = snip.code
    module = cst.parse_module(text)
    return [formatted_block(module.code_for_node(stmt), WIDTH, True, True) for stmt in module.body]


@pytest.mark.parametrize("name", sorted(support.SNIPPETS))
def test_every_support_snippet_keeps_to_88_columns(name):
    for block in _emitted(name):
        lines = block.splitlines()
        long = [f"{n}: {lines[n - 1]}" for n in unwrapped_lines(block, WIDTH)]
        assert not long, f"support snippet {name!r} has lines over {WIDTH} columns:\n" + "\n".join(long)


def test_the_snippets_are_all_checked():
    # handlers register most snippets on import; a registry that failed to load would make the
    # parametrized test above pass on nothing
    assert len(support.SNIPPETS) > 300
    assert {"Weights", "TorchInplace", "_torch_promote", "jit_export", "_torch_special_erfcx"} <= set(support.SNIPPETS)


def test_unwrapped_lines_counts_long_docstrings_and_comments_not_long_strings():
    long_doc = "x" * 90
    code = textwrap.dedent(f'''
        def f():
            """{long_doc}"""
            # {long_doc}
            raise ValueError("{long_doc}")
            return {"1 + " * 30}1
    ''').lstrip("\n")
    assert unwrapped_lines(code, WIDTH) == [2, 3, 5]
    assert unwrapped_lines("def f():\n    return 1\n", WIDTH) == []


def test_unwrapped_lines_counts_a_wrapped_docstring_line_and_a_trailing_comment():
    code = 'class A:\n    """One.\n\n    ' + "y " * 45 + '\n    """\n\n    b = "s"  # ' + "z" * 80 + "\n"
    assert unwrapped_lines(code, WIDTH) == [4, 7]


def test_docstring_helper_wraps_a_template_docstring_at_its_indent():
    text = "torch.autograd.function.once_differentiable: a TorchScript/FX marker Paddle does not need; returns its argument unchanged."
    assert docstring(text) == (
        '"""torch.autograd.function.once_differentiable: a TorchScript/FX marker Paddle does\n'
        '    not need; returns its argument unchanged."""'
    )
    assert docstring("short.") == '"""short."""'
    assert docstring("a " * 50 + "b.", indent="        ").splitlines()[1].startswith("        a")


def test_translated_file_support_block_keeps_to_88_columns():
    src = textwrap.dedent("""
        import torch


        def f(x, y):
            return torch.special.spherical_bessel_j0(x) + torch.special.xlog1py(x, y)
    """).lstrip("\n")
    out = translate_source(src, path="m.py", settings=Settings(trust_parser=True))
    assert "def _torch_special_spherical_bessel_j0(" in out.code
    assert "def _torch_special_xlog1py(" in out.code
    start = out.code.index(support.HEADER)
    block = out.code[start : out.code.index(support.FOOTER)]
    assert all(len(line) <= WIDTH for line in block.splitlines()), block


def test_preformatted_support_file_is_current():
    """translator/translate/support_formatted.json is what scripts/support_formatted.py writes:
    black's output for every support statement (run the script after adding or editing a
    snippet; a stale file costs time, never a different output)."""
    import importlib.util

    from translator.translate import formatting

    spec = importlib.util.spec_from_file_location("support_formatted", formatting.PREFORMATTED.parents[2] / "scripts" / "support_formatted.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert formatting.PREFORMATTED.read_text(encoding="utf-8") == module.render()


def test_preformatted_support_is_what_black_writes(monkeypatch):
    """formatted_block answers from the recorded file in black's default style, and the answer
    is black's (with the file unreadable, or in another style, black runs)."""
    import black

    from translator.translate import formatting, header

    stmts = header._render_support(("WeightsEnum", "load_state_dict_from_url", "_torch_mul"))
    texts = [header._support_text(s, "    ", "\n") for s in stmts]
    known = formatting._preformatted(black.__version__)
    assert known and all(formatting.hashlib.sha1(t.encode()).hexdigest() in known for t in texts)
    calls = []
    real = black.format_str
    monkeypatch.setattr(black, "format_str", lambda *a, **k: calls.append(1) or real(*a, **k))
    formatted_block.cache_clear()
    recorded = [formatted_block(t, *formatting.DEFAULT_STYLE) for t in texts]
    assert calls == []  # nothing ran black
    assert any(r != t for r, t in zip(recorded, texts))  # some statement black does change
    monkeypatch.setattr(formatting, "PREFORMATTED", formatting.PREFORMATTED.with_name("missing.json"))
    formatting._preformatted.cache_clear()
    formatted_block.cache_clear()
    try:
        assert [formatted_block(t, *formatting.DEFAULT_STYLE) for t in texts] == recorded
        assert calls  # black ran, and wrote what the file holds
        crlf = [formatted_block(t.replace("\n", "\r\n"), *formatting.DEFAULT_STYLE) for t in texts]
        assert crlf == [r.replace("\n", "\r\n") for r in recorded]
    finally:
        formatting._preformatted.cache_clear()
        formatted_block.cache_clear()
