"""The private LibCST behaviour the quarantined speed-ups rely on (translator/translate/fastcst.py
and positions.py).  If a LibCST release changes any of it, these fail before a translation
silently changes; tests/test_fast_paths.py then compares the fast and the plain way end to end.
"""

from __future__ import annotations

import dataclasses
import inspect
import re
from importlib.metadata import version
from pathlib import Path

import libcst as cst
import pytest

from translator.translate import fastcst, positions

ROOT = Path(__file__).resolve().parent.parent


def _release(text: str) -> tuple[int, int]:
    major, minor = re.match(r"(\d+)\.(\d+)", text).groups()  # type: ignore[union-attr]
    return int(major), int(minor)


def test_installed_libcst_is_a_checked_release():
    low, high = fastcst.LIBCST_CHECKED
    assert low <= _release(version("libcst")) <= high, (
        f"libcst {version('libcst')} is outside {low}..{high}: check the contract below and move LIBCST_CHECKED"
    )


def test_pyproject_admits_only_checked_releases():
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    spec = re.search(r'"libcst([^"]*)"', text).group(1)  # type: ignore[union-attr]
    low, high = fastcst.LIBCST_CHECKED
    assert f">={low[0]}.{low[1]}" in spec and f"<{high[0]}.{high[1] + 1}" in spec, spec


def test_nodes_validate_in_post_init():
    """fastcst._parse_module(trusted=True) swaps ``CSTNode.__post_init__`` during the parse."""
    assert "__post_init__" in vars(cst.CSTNode)
    with pytest.raises(cst.CSTValidationError):
        cst.Name("not a name")
    assert cst.Name.__post_init__ is cst.CSTNode.__post_init__  # no subclass validates elsewhere


def test_codegen_state_protocol():
    """positions' states stand in for LibCST's CodegenState: the methods ``_codegen`` calls."""
    from libcst._nodes.internal import CodegenState

    ours = {n for n in vars(positions._PositionState) if not n.startswith("_")}
    theirs = {n for n, v in vars(CodegenState).items() if callable(v) and not n.startswith("_")}
    assert theirs <= ours | {"pop_trailing_newline"}, theirs - ours
    fields = {f.name for f in dataclasses.fields(CodegenState)}
    assert {"default_indent", "default_newline", "indent_tokens"} <= fields
    assert "state" in inspect.signature(cst.Module._codegen).parameters


def test_code_range_types():
    from libcst._position import CodePosition, CodeRange

    r = CodeRange(CodePosition(1, 0), CodePosition(1, 3))
    assert (r.start.line, r.start.column, r.end.line, r.end.column) == (1, 0, 1, 3)


def test_transformer_hooks_are_the_ones_libcst_calls():
    """fastcst._Transformer overrides exactly the dispatch hooks LibCST's visit calls."""
    for hook in ("on_visit", "on_leave", "on_visit_attribute", "on_leave_attribute"):
        assert hook in vars(cst.CSTTransformer) and hook in vars(fastcst._Transformer), hook
