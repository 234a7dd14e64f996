"""Definitions carried from library sources are new code in the output: formatted like any other
(black, long comments wrapped), their comments kept, the file's own untouched lines byte for
byte, and a second translation changes nothing (translator/translate/pipeline.py's
``_format_reference``, formatting.py's ``wrap_comments``)."""

from __future__ import annotations

import ast
import textwrap
from pathlib import Path

from translator.settings import Settings
from translator.translate import formatting, libraries
from translator.translate.pipeline import translate_source

LONG_COMMENT = ("# the width is rounded to a multiple of the divisor, as the reference implementation does it, "
                "which keeps channel counts friendly to the hardware")
LAYERS = f'''
import torch
import torch.nn as nn


def scaled_width(channels: int, multiplier: float = 1.0, divisor: int = 8, min_value: int = 8) -> int:
    """Width of a layer.

    See https://example.org/a/very/long/address/that/no/formatter/could/ever/split/over/two/lines/at/all
    """
    {LONG_COMMENT}
    return max(min_value, int(channels * multiplier + divisor / 2) // divisor * divisor)


class Stem(nn.Module):
    def __init__(self, in_channels: int, out_channels: int, kernel_size: int = 3, stride: int = 2) -> None:
        super().__init__()
        self.conv = nn.Conv2d(in_channels, scaled_width(out_channels), kernel_size, stride=stride, padding=1, bias=False)
        self.bn = nn.BatchNorm2d(scaled_width(out_channels))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.relu(self.bn(self.conv(x)))  # a trailing comment stays where it is
'''
USER_LONG = ("# the user's own comment, far longer than the line length, is not the translation's: "
             "it stays exactly as written")
USER = f'''
import torch
from ..layers import Stem

{USER_LONG}
SIZES = {{"small": (16, 32, 64, 128), "medium": (32, 64, 128, 256), "large": (64, 128, 256, 512, 1024)}}


def build(kind: str = "small") -> torch.nn.Module:
    return Stem(3, SIZES[kind][0])
'''


def _package(tmp_path: Path) -> Path:
    pkg = tmp_path / "cpkg"
    (pkg / "models").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "models" / "__init__.py").write_text("")
    (pkg / "layers.py").write_text(LAYERS.lstrip())
    user = pkg / "models" / "net.py"
    user.write_text(USER.lstrip())
    return user


def _carried(code: str) -> list[str]:
    lines = code.splitlines()
    return lines[lines.index(libraries.BEGIN) : lines.index(libraries.END) + 1]


def test_carried_definitions_are_formatted_and_keep_their_comments(tmp_path):
    user = _package(tmp_path)
    source = user.read_text()
    plain = translate_source(source, path=str(user), settings=Settings(format=False))
    result = translate_source(source, path=str(user), settings=Settings())
    carried = _carried(result.code)
    # unformatted, the carried lines are as the library wrote them (over 88 columns)
    assert any(len(line) > 88 for line in _carried(plain.code))
    # formatted: every line the translation added fits, but for the docstring's one long address
    found = formatting.check_output(source, plain.code, result.code, 88)
    assert found == {"long": [], "moved": []}
    assert [line for line in carried if len(line) > 88] == [
        "    See https://example.org/a/very/long/address/that/no/formatter/could/ever/split/over/two/lines/at/all"
    ]
    assert "        self.conv = nn.Conv2D(\n" in result.code  # black split the long call
    # the long comment is wrapped, every word kept, in order; the trailing comment stays put
    comment = [line.strip()[2:] for line in carried if line.startswith("    # ")]
    assert " ".join(comment) == LONG_COMMENT[2:]
    assert len(comment) == 2
    assert any(line.endswith("  # a trailing comment stays where it is") for line in carried)
    # the same program as unformatted
    assert ast.dump(ast.parse(result.code)) == ast.dump(ast.parse(plain.code))
    assert not [d for d in result.diagnostics if d.code == "T2P204"]


def test_the_files_own_lines_stay_byte_for_byte(tmp_path):
    user = _package(tmp_path)
    source = user.read_text()
    result = translate_source(source, path=str(user), settings=Settings())
    lines = result.code.splitlines()
    assert USER_LONG in lines  # a long comment of the file, untouched: not wrapped
    sizes = next(line for line in source.splitlines() if line.startswith("SIZES"))
    assert len(sizes) > 88 and sizes in lines  # a long line of the file, untouched: not formatted


def test_second_translation_changes_nothing(tmp_path):
    user = _package(tmp_path)
    first = translate_source(user.read_text(), path=str(user), settings=Settings())
    again = translate_source(first.code, path=str(user), settings=Settings())
    assert again.code == first.code


def test_line_length_setting_applies_to_carried_definitions(tmp_path):
    user = _package(tmp_path)
    wide = translate_source(user.read_text(), path=str(user), settings=Settings(line_length=160))
    carried = _carried(wide.code)
    assert len(LONG_COMMENT) + 4 <= 160 and "    " + LONG_COMMENT in carried  # fits: as written
    assert any(line.startswith("        self.conv = nn.Conv2D(in_channels") for line in carried)  # one line
    assert max(len(line) for line in carried) <= 160


def test_wrap_comments_wraps_only_long_comment_lines_it_is_given():
    long = "    # " + " ".join(["word"] * 30)
    code = "\n".join([
        long,  # 1: wrapped
        "#: " + " ".join(["doc"] * 40),  # 2: wrapped, keeping its `#: `
        "x = 1  # " + " ".join(["trailing"] * 12),  # 3: not a comment line: black's business
        "# type: " + " ".join(["pragma"] * 20),  # 4: a tool's comment
        's = """',
        "# " + " ".join(["inside"] * 20),  # 6: text of a string
        '"""',
        "# " + "u" * 100,  # 8: one word: nothing to wrap
        long,  # 9: not among the lines given
        "# " + " ".join(["kept"] * 30),  # 10: the input's own line
    ]) + "\n"
    out = formatting.wrap_comments(code, 40, set(range(1, 9)) | {10}, keep=["# " + " ".join(["kept"] * 30)])
    lines = out.splitlines()
    assert lines[:5] == ["    # word word word word word word word"] * 4 + ["    # word word"]
    assert lines[5].startswith("#: doc") and all(line.startswith("#: ") and len(line) <= 40 for line in lines[5:10])
    rest = code.splitlines()[2:]
    assert lines[-len(rest):] == rest  # lines 3 to 10 as they were
    assert formatting.wrap_comments(code, 200, set(range(1, 11))) == code  # nothing long


def test_wrap_comments_still_wraps_markers():
    marker = "# TODO(torch2paddle): T2P001 " + " ".join(["why"] * 30)
    out = formatting.wrap_comments(marker + "\n", 60, {1})
    assert out.splitlines()[1].startswith("#   ") and all(len(line) <= 60 for line in out.splitlines())


def test_check_output_lets_docstring_text_be_long():
    source = "x = 1\n"
    long_text = "    " + "a" * 100
    formatted = f'def f():\n    """Doc.\n\n{long_text}\n    """\n' + "y = " + "b" * 100 + "\n"
    assert formatting.check_output(source, formatted, formatted, 88)["long"] == [6]
    assert formatting.multiline_string_lines(textwrap.dedent(formatted)) == {2, 3, 4, 5}


def _shared_import(tmp_path: Path, line_length: int) -> str:
    from translator.diagnostics import Status, Translation
    from translator.shared_support import share

    names = [f"a_rather_long_helper_name_{n}" for n in range(2)]  # one line of 91 columns
    block = "\n\n".join(f"def {name}():\n    return {n}\n" for n, name in enumerate(names))
    code = f"import paddle\n\n\n{libraries.BEGIN}\n#     lib/x.py\n{block}{libraries.END}\n\n\nx = 1\n"
    target = tmp_path / "out" / "m.py"
    (out,), module = share([Translation("m.py", "", code, Status.TRANSLATED)], [target], tmp_path / "out", True,
                           line_length=line_length)
    assert module is not None and all(f"def {name}():" in module for name in names)
    return out.code


def test_the_import_of_the_shared_support_module_fits_the_line_length(tmp_path):
    """In a tree, a file's carried definitions move to _torch2paddle_support.py and the file
    imports them: an import too long for the line length is laid out as black lays it out."""
    narrow = _shared_import(tmp_path, 88)
    assert ("from ._torch2paddle_support import (\n    a_rather_long_helper_name_0,\n"
            "    a_rather_long_helper_name_1,\n)\n") in narrow
    assert all(len(line) <= 88 for line in narrow.splitlines())
    wide = _shared_import(tmp_path, 200)  # fits: one line
    assert "from ._torch2paddle_support import a_rather_long_helper_name_0, a_rather_long_helper_name_1\n" in wide
