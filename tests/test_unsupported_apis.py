"""``[[unsupported]]`` (rules/unsupported.toml): torch APIs the table knows it cannot translate.
A use is reported (T2P001) with the reason instead of "no rule", and left unchanged."""

from __future__ import annotations

import pytest

from translator import translate_source
from translator.rules import RuleTableError, load_table

TABLE = load_table()


def test_the_table_lists_some():
    assert len(TABLE.unsupported) >= 40
    assert "torch.sparse.mm" in TABLE.unsupported


def test_a_function_is_reported_with_its_reason_and_left_unchanged():
    result = translate_source("import torch\ny = torch.sparse.mm(s, d)\n", path="u.py")
    errors = [d for d in result.errors if d.api == "torch.sparse.mm"]
    assert errors and errors[0].code == "T2P001"
    assert errors[0].message == f"not translated: {TABLE.unsupported['torch.sparse.mm']}; left unchanged"
    assert "y = torch.sparse.mm(s, d)" in result.code


def test_a_tensor_method_on_a_known_tensor_is_reported_with_its_reason():
    source = "import torch\n\ndef f(x: torch.Tensor):\n    return x.q_scale()\n"
    result = translate_source(source, path="u.py")
    errors = [d for d in result.errors if d.api == "torch.Tensor.q_scale"]
    assert errors and "no quantized tensor type" in errors[0].message
    assert "return x.q_scale()" in result.code


def test_an_api_without_entry_or_reason_still_says_no_rule():
    result = translate_source("import torch\ny = torch.stft(x, 4)\n", path="u.py")
    assert [d.message for d in result.errors] == ["no rule for this torch API; left unchanged"]


def test_look_alikes_are_unchanged():
    for source in ("import paddle\ny = paddle.sparse.matmul(s, d)\n", "def f(torch, s, d):\n    return torch.sparse.mm(s, d)\n"):
        result = translate_source(source, path="u.py")
        assert result.code == source and not result.diagnostics


def test_every_listed_name_exists_in_the_installed_torch():
    torch = pytest.importorskip("torch")
    missing = []
    for name in TABLE.unsupported:
        obj = torch
        for part in name.split(".")[1:]:
            obj = getattr(obj, part, None)
            if obj is None:
                break
        if obj is None:
            missing.append(name)
    assert not missing, missing


def test_a_name_cannot_be_both_an_entry_and_unsupported(tmp_path):
    (tmp_path / "t.toml").write_text(
        '[[api]]\ntorch = "torch.abs"\npaddle = "paddle.abs"\n'
        'example.before = "import torch\\n"\nexample.after = "import torch\\n"\n'
        '[[unsupported]]\ntorch = "torch.abs"\nreason = "r"\n'
    )
    with pytest.raises(RuleTableError, match="also an \\[\\[api\\]\\] entry"):
        load_table(tmp_path)


def test_a_reason_is_required(tmp_path):
    (tmp_path / "t.toml").write_text('[[unsupported]]\ntorch = "torch.abs"\n')
    with pytest.raises(RuleTableError, match="reason"):
        load_table(tmp_path)
