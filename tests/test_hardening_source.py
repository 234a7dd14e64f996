"""Issue 15 items 11 and 13: source encodings kept, symbolic links written through."""

from __future__ import annotations

import codecs
from pathlib import Path

import pytest

from translator import cli
from translator.paths import decode_source, translate_path

TORCH_SRC = "import torch.nn as nn\ns = 'café'\nm = nn.ReLU()\n"


def _translate_in_place(path: Path, capsys) -> tuple[int, str]:
    code = cli.main(["translate", str(path), "--in-place", "--no-cache"])
    return code, capsys.readouterr().err


def test_latin1_file_with_a_coding_cookie_translates_in_latin1(tmp_path, capsys):
    path = tmp_path / "m.py"
    path.write_bytes(("# -*- coding: latin-1 -*-\n" + TORCH_SRC).encode("latin-1"))
    code, err = _translate_in_place(path, capsys)
    assert code == 0, err
    data = path.read_bytes()
    assert b"caf\xe9" in data  # still latin-1
    assert "paddle.nn" in data.decode("latin-1")


def test_translate_path_keeps_the_cookie_encoding(tmp_path):
    src = tmp_path / "m.py"
    src.write_bytes(("# coding: cp1252\n" + TORCH_SRC).encode("cp1252"))
    translate_path(src, tmp_path / "out.py")
    assert b"caf\xe9" in (tmp_path / "out.py").read_bytes()


@pytest.mark.parametrize("bom, codec", [(codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be")])
def test_utf16_with_a_bom_is_decoded_and_kept(tmp_path, capsys, bom, codec):
    path = tmp_path / "m.py"
    path.write_bytes(bom + TORCH_SRC.encode(codec))
    text, error = decode_source(path.read_bytes(), str(path))
    assert error is None and text == TORCH_SRC
    code, err = _translate_in_place(path, capsys)
    assert code == 0, err
    data = path.read_bytes()
    assert data.startswith(bom)
    assert "paddle.nn" in data[len(bom):].decode(codec)


def test_utf8_bom_is_kept(tmp_path, capsys):
    path = tmp_path / "m.py"
    path.write_bytes(codecs.BOM_UTF8 + TORCH_SRC.encode())
    out = tmp_path / "out.py"
    assert cli.main(["translate", str(path), "-o", str(out), "--no-cache"]) == 0
    assert out.read_bytes().startswith(codecs.BOM_UTF8)
    assert cli.main(["translate", str(path), "--in-place", "--no-cache"]) == 0
    assert path.read_bytes().startswith(codecs.BOM_UTF8)
    assert "paddle.nn" in path.read_text(encoding="utf-8-sig")


def test_binary_and_bad_cookie_still_refused(tmp_path):
    assert decode_source(b"\x7fELF\x00\x00", "b.py")[1].code == "T2P902"
    assert decode_source(b"# coding: no-such-codec\nx = 1\n", "c.py")[1].code == "T2P902"


def test_in_place_on_a_symlink_writes_through_the_link(tmp_path, capsys):
    real = tmp_path / "real.py"
    real.write_text(TORCH_SRC)
    link = tmp_path / "link.py"
    link.symlink_to(real)
    code, err = _translate_in_place(link, capsys)
    assert code == 0, err
    assert link.is_symlink() and link.resolve() == real.resolve()
    assert "paddle.nn" in real.read_text()
