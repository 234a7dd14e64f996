"""The translation pipeline's own checks, beyond what the golden outputs cover."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from translator import translate_source
from translator.rules import RuleTableError, load_table, rules_dir


def test_a_table_naming_an_unknown_handler_is_refused_with_file_and_entry(tmp_path: Path):
    for f in rules_dir().glob("*.toml"):
        shutil.copy(f, tmp_path / f.name)
    methods = tmp_path / "tensor_methods.toml"
    methods.write_text(methods.read_text(encoding="utf-8").replace('"tensor_reshape"', '"tensor_reshap"', 1), encoding="utf-8")
    table = load_table(tmp_path)
    with pytest.raises(RuleTableError, match=r"tensor_methods\.toml.*unknown handler 'tensor_reshap'.*'tensor_reshape'"):
        translate_source("import torch\nx = torch.zeros(2)\n", table=table)


def test_the_shipped_table_names_only_registered_handlers_and_support():
    table = load_table()
    out = translate_source("import torch\nx = torch.zeros(2).view(-1)\n", table=table)
    assert "reshape" in out.code
