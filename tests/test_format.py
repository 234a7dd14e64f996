"""Formatting the code the translation changed: black on those lines only, markers wrapped,
the style read from pyproject.toml, --no-format, and what happens when black cannot help."""

from __future__ import annotations

import io
import sys
import textwrap

import pytest

from translator.cli import main
from translator.settings import Settings
from translator.translate import formatting
from translator.translate.pipeline import translate_source

PLAIN = Settings(format=False)


def _src(text: str) -> str:
    return textwrap.dedent(text).lstrip("\n")


LONG_CALL = _src(
    """
    import torch.nn as nn

    # the user's own layout stays as it is
    WEIRD   = [1,2,
        3]
    layer = nn.Conv2d(in_channels=64, out_channels=128, kernel_size=3, stride=1, padding=1, bias=False)
    other = {'a':1}
    """
)


def test_changed_statement_is_formatted_and_the_rest_kept_byte_for_byte():
    out = translate_source(LONG_CALL).code
    assert out == _src(
        """
        import paddle.nn as nn

        # the user's own layout stays as it is
        WEIRD   = [1,2,
            3]
        layer = nn.Conv2D(
            in_channels=64,
            out_channels=128,
            kernel_size=3,
            stride=1,
            padding=1,
            bias_attr=False,
        )
        other = {'a':1}
        """
    )


def test_no_format_leaves_the_translation_as_written():
    out = translate_source(LONG_CALL, settings=PLAIN).code
    assert "layer = nn.Conv2D(in_channels=64, out_channels=128, kernel_size=3, stride=1, padding=1, bias_attr=False)\n" in out


def test_line_length_and_string_style_come_from_settings():
    src = "import torch\nx = torch.zeros(2, 3, dtype=torch.float32, requires_grad=False) + torch.ones(2, 3, dtype=torch.float32)\ny = torch.tensor(['a'])\n"
    wide = translate_source(src, settings=Settings(line_length=120)).code
    assert "x = paddle.zeros([2, 3], dtype=paddle.float32) + paddle.ones([2, 3], dtype=paddle.float32)\n" in wide
    narrow = translate_source(src, settings=Settings(line_length=40)).code
    assert max(len(line) for line in narrow.splitlines()) <= 40
    quotes = translate_source("import torch\ny = torch.flatten(x, 1) if s == 'a' else x\n").code
    assert "y = paddle.flatten(x, 1) if s == \"a\" else x\n" in quotes
    kept = translate_source(
        "import torch\ny = torch.flatten(x, 1) if s == 'a' else x\n", settings=Settings(string_normalization=False)
    ).code
    assert "y = paddle.flatten(x, 1) if s == 'a' else x\n" in kept


def test_unchanged_code_is_not_formatted():
    src = "import os\nx = [1,2,\n  3]\n"
    assert translate_source(src).code == src
    src = "import torch\nx = [1,2,\n  3]\ny = {'a':1}\nz = torch.flatten(x)\n"
    out = translate_source(src).code
    # the user's lines as they were, with the blank lines they had (none after the imports)
    assert out == "import paddle\nx = [1,2,\n  3]\ny = {'a':1}\nz = paddle.flatten(x)\n"


def test_long_marker_is_wrapped_and_not_repeated_on_a_second_pass():
    src = "import torch\n\n\ndef f(x, dev):\n    return x.to(dev)\n"
    first = translate_source(src)
    lines = first.code.splitlines()
    marker = [i for i, line in enumerate(lines) if "TODO(torch2paddle)" in line]
    assert len(marker) == 1
    i = marker[0]
    assert lines[i + 1].startswith("    #   ")  # the continuation, under the message
    assert all(len(line) <= 88 for line in lines)
    full = " ".join(part.strip().lstrip("#").strip() for part in lines[i : i + 2])
    assert any(d.message in full for d in first.diagnostics)  # the whole message, in the diagnostic
    second = translate_source(first.code)
    assert second.code == first.code


def test_marker_wrapping_keeps_long_words_whole():
    code = "# " + "TODO(torch2paddle): " + "x" * 100 + " end\n"
    assert formatting.wrap_markers(code, 88, {1}) == "# TODO(torch2paddle):\n#   " + "x" * 100 + "\n#   end\n"
    short = "# TODO(torch2paddle): short\n"
    assert formatting.wrap_markers(short, 88, {1}) == short
    other = "# " + "y" * 100 + "\n"  # not a marker: black and we leave comments alone
    assert formatting.wrap_markers(other, 88, {1}) == other


def test_joined_markers_reads_a_wrapped_marker_back():
    lines = ["# TODO(torch2paddle): a b", "#   c  d", "# unrelated", "#   not part of it"]
    assert formatting.joined_markers(lines) == {formatting.normalized_marker("# TODO(torch2paddle): a b c d")}
    # a marker quoting code that black has since split over lines still matches
    first = "# TODO(torch2paddle): x: receiver '(a * b)' is not known; f(a, b) left"
    later = ["# TODO(torch2paddle): x: receiver '(\\n    a * b\\n)' is", "#   not known; f(a, b,) left"]
    assert formatting.normalized_marker(first) in formatting.joined_markers(later)


def test_two_space_indented_file_keeps_its_unformatted_output():
    # black would re-indent every line of a file not indented by four spaces: refused, kept
    src = "import torch\n\n\ndef f(x):\n  y = 1\n  return torch.cat([x, x, x, x, x, x, x, x, x, x, x, x, x, x, x, x, x, x, x, x, x], dim=1)\n"
    result = translate_source(src)
    assert result.code == translate_source(src, settings=PLAIN).code
    assert "  y = 1\n" in result.code
    assert not [d for d in result.diagnostics if d.code == "format"]


def test_crlf_file_is_formatted_and_keeps_its_newlines():
    src = LONG_CALL.replace("\n", "\r\n")
    out = translate_source(src).code
    assert out == translate_source(LONG_CALL).code.replace("\n", "\r\n")


def test_black_failing_keeps_the_unformatted_output_with_a_warning(monkeypatch):
    import black

    def boom(*args, **kwargs):
        raise black.InvalidInput("cannot parse")

    monkeypatch.setattr(black, "format_str", boom)
    result = translate_source(LONG_CALL)
    assert result.code == translate_source(LONG_CALL, settings=PLAIN).code
    warnings = [d for d in result.diagnostics if d.code == "T2P204"]
    assert len(warnings) == 1 and "black failed" in warnings[0].message
    assert warnings[0].severity.value == "warning"


def test_format_changed_refuses_output_that_touches_untouched_lines(monkeypatch):
    import black

    monkeypatch.setattr(black, "format_str", lambda code, **kwargs: code.replace("WEIRD   =", "WEIRD ="))
    # (a changed line with a triple-quoted string: black is given the whole class)
    source = 'class A:\n    WEIRD   = 2\n    y = f("""a""")\n'
    code = 'class A:\n    WEIRD   = 2\n    y = g("""a""")\n'
    result = formatting.format_changed(source, code)
    assert result.code == code and "did not touch" in (result.problem or "")


def test_check_output_finds_long_and_moved_lines():
    source = "a = 1\nb = 2\n"
    unformatted = "a = 1\nb = 3\n"
    found = formatting.check_output(source, unformatted, "a  = 1\nb = 3\n" + "c" * 100 + "\n", 88)
    assert found == {"long": [3], "moved": [1]}
    assert formatting.check_output(source, unformatted, unformatted, 88) == {"long": [], "moved": []}


# ------------------------------------------------------------------------------ CLI ----
def _run(argv, monkeypatch, stdin=None):
    out, err = io.StringIO(), io.StringIO()
    monkeypatch.setattr(sys, "stdout", out)
    monkeypatch.setattr(sys, "stderr", err)
    code = main(argv)
    return code, out.getvalue(), err.getvalue()


def test_cli_reads_line_length_from_tool_black_and_ours(tmp_path, monkeypatch):
    src = tmp_path / "m.py"
    src.write_text(LONG_CALL)
    (tmp_path / "pyproject.toml").write_text("[tool.black]\nline-length = 120\n")
    code, out, _ = _run(["translate", str(src), "--no-cache"], monkeypatch)
    assert code == 0
    assert "layer = nn.Conv2D(in_channels=64, out_channels=128, kernel_size=3, stride=1, padding=1, bias_attr=False)\n" in out
    (tmp_path / "pyproject.toml").write_text("[tool.black]\nline-length = 120\n[tool.torch2paddle]\nline-length = 60\n")
    code, out, _ = _run(["translate", str(src), "--no-cache"], monkeypatch)
    assert "layer = nn.Conv2D(\n    in_channels=64,\n" in out
    code, out, _ = _run(["translate", str(src), "--no-cache", "--line-length", "200"], monkeypatch)
    assert "bias_attr=False)\n" in out
    code, out, _ = _run(["translate", str(src), "--no-cache", "--no-format"], monkeypatch)
    assert code == 0 and out == translate_source(LONG_CALL, settings=PLAIN).code


def test_cli_skip_string_normalization(tmp_path, monkeypatch):
    src = tmp_path / "m.py"
    src.write_text("import torch\ny = torch.flatten(x, 1) if s == 'a' else x\n")
    (tmp_path / "pyproject.toml").write_text("[tool.black]\nskip-string-normalization = true\n")
    code, out, _ = _run(["translate", str(src), "--no-cache"], monkeypatch)
    assert code == 0 and "s == 'a'" in out


@pytest.mark.parametrize(
    "config, message",
    [
        ("[tool.black]\nline-length = 'wide'\n", "tool.black.line-length must be a positive integer"),
        ("[tool.torch2paddle]\nline-length = 0\n", "tool.torch2paddle.line-length must be a positive integer"),
        ("[tool.black]\nskip-string-normalization = 1\n", "tool.black.skip-string-normalization must be true or false"),
        ("[tool.black\n", "invalid TOML"),
    ],
)
def test_cli_bad_style_config_is_one_line_exit_2_nothing_written(tmp_path, monkeypatch, config, message):
    src = tmp_path / "m.py"
    src.write_text(LONG_CALL)
    (tmp_path / "pyproject.toml").write_text(config)
    out_file = tmp_path / "out.py"
    code, out, err = _run(["translate", str(src), "-o", str(out_file), "--no-cache"], monkeypatch)
    assert code == 2 and message in err and "pyproject.toml" in err
    assert len(err.strip().splitlines()) == 1
    assert not out_file.exists()


def test_cli_bad_line_length_flag(monkeypatch, tmp_path):
    src = tmp_path / "m.py"
    src.write_text(LONG_CALL)
    code, _, err = _run(["translate", str(src), "--line-length", "0"], monkeypatch)
    assert code == 2 and "positive integer" in err


def test_settings_cache_key_covers_the_style():
    keys = {
        Settings().cache_key(),
        Settings(format=False).cache_key(),
        Settings(line_length=100).cache_key(),
        Settings(string_normalization=False).cache_key(),
        Settings(magic_trailing_comma=False).cache_key(),
    }
    assert len(keys) == 5


def test_sync_formats_in_the_projects_style(tmp_path, monkeypatch):
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "m.py").write_text(LONG_CALL)
    (tmp_path / "pyproject.toml").write_text(
        '[tool.black]\nline-length = 120\n\n[tool.torch2paddle]\nsync = [{ src = "src", dst = "out" }]\n'
    )
    monkeypatch.chdir(tmp_path)
    code, _, err = _run(["sync"], monkeypatch)
    assert code in (0, 1), err
    out = (tmp_path / "out" / "m.py").read_text()
    assert "layer = nn.Conv2D(in_channels=64, out_channels=128, kernel_size=3, stride=1, padding=1, bias_attr=False)\n" in out


def test_lines_the_library_carrying_rewrote_are_formatted_too():
    # `misc_nn_ops.X` is written `X` when torchvision's definitions are carried: that line is
    # the translation's, so black formats it; the user's own long line stays as it was
    code = _src(
        """
        import torch
        from torch import nn
        from torchvision.ops import misc as misc_nn_ops


        def head(in_channels, channels, norm_layer=None):
            blocks = []
            for previous_channels, current_channels in zip([in_channels, channels], [channels, channels]):
                blocks.append(misc_nn_ops.Conv2dNormActivation(previous_channels, current_channels, norm_layer=norm_layer))
            return nn.Sequential(*blocks)
        """
    )
    out = translate_source(code).code
    assert "misc_nn_ops" not in out
    assert (
        "        blocks.append(\n"
        "            Conv2dNormActivation(\n"
        "                previous_channels, current_channels, norm_layer=norm_layer\n"
        "            )\n"
        "        )\n"
    ) in out
    assert "    for previous_channels, current_channels in zip([in_channels, channels], [channels, channels]):\n" in out
    assert translate_source(out).code == out
