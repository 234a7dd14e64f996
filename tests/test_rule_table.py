"""The rule table's loader: entries are checked against the one schema (translator/rule_schema.py)
at load, with the file and the entry named; handler and support names are checked by
``RuleTable.check_references`` against names the caller knows."""

from __future__ import annotations

import pytest

from translator import rule_schema
from translator.rules import RuleTableError, load_table

GOOD = '''
[[api]]
torch = "torch.flatten"
paddle = "paddle.flatten"
args = "input, start_dim=0, end_dim=-1"
rename = { input = "x", start_dim = "start_axis", end_dim = "stop_axis" }
example.before = "import torch\\nr = torch.flatten(x, 1)\\n"
example.after = "import paddle\\nr = paddle.flatten(x, 1)\\n"
check.run = "out = torch.flatten(x, 1)"
check.inputs = { x = "float32[2,3,4]", i = "int64[5]:0:10" }
unchanged = ["import paddle\\nr = paddle.flatten(x)\\n"]

[[api.refuses]]
before = "import torch\\nr = torch.flatten(x, out=y)\\n"
after = "import torch\\nr = torch.flatten(x, out=y)\\n"
message = "out"

[[api]]
torch = "torch.Tensor.view"
kind = "method"
receiver = "tensor"
evidence = ["self"]
handler = "tensor_view"
example.before = "x.view(2)\\n"
example.after = "x.reshape([2])\\n"

[[api]]
torch = "torchvision.models.WeightsEnum"
support = "WeightsEnum"
example.before = "x\\n"
example.after = "x\\n"
'''


def _load(tmp_path, text: str, name: str = "fake.toml"):
    (tmp_path / name).write_text(text, encoding="utf-8")
    return load_table(tmp_path)


def test_a_fake_table_loads_with_its_cases(tmp_path):
    table = _load(tmp_path, GOOD)
    rule = table.apis["torch.flatten"]
    assert rule.unchanged == ("import paddle\nr = paddle.flatten(x)\n",)
    (refusal,) = rule.refuses
    assert refusal.code == "torch.flatten" and refusal.message == "out"  # code defaults to the entry's name
    assert table.methods["view"][0].receiver == "tensor"


def test_check_references_accepts_known_names(tmp_path):
    _load(tmp_path, GOOD).check_references(handlers={"tensor_view", "conv"}, supports={"WeightsEnum"})


@pytest.mark.parametrize(
    "handlers, supports, message",
    [
        ({"tensor_veiw"}, {"WeightsEnum"}, "fake.toml: [[api]] #2 (torch.Tensor.view): unknown handler 'tensor_view'; did you mean 'tensor_veiw'?"),
        ({"tensor_view"}, set(), "fake.toml: [[api]] #3 (torchvision.models.WeightsEnum): unknown support 'WeightsEnum'"),
    ],
)
def test_check_references_names_the_file_and_the_entry(tmp_path, handlers, supports, message):
    table = _load(tmp_path, GOOD)
    with pytest.raises(RuleTableError) as info:
        table.check_references(handlers=handlers, supports=supports)
    assert str(info.value) == message


def _broken(text_before: str, text_after: str) -> str:
    assert text_before in GOOD
    return GOOD.replace(text_before, text_after, 1)


@pytest.mark.parametrize(
    "old, new, message",
    [
        ('paddle = "paddle.flatten"', 'padle = "paddle.flatten"', "#1 (torch.flatten): unknown key 'padle'"),
        ('kind = "method"', 'kind = "metod"', "#2 (torch.Tensor.view): kind must be one of"),
        ('receiver = "tensor"', "receiver = 1", "#2 (torch.Tensor.view): 'receiver' must be a string, got int"),
        ('example.after = "x.reshape([2])\\n"\n', "", "#2 (torch.Tensor.view).example: missing required key 'after'"),
        ('check.run = "out = torch.flatten(x, 1)"\n', "", "#1 (torch.flatten).check: missing required key 'run'"),
        ('"float32[2,3,4]"', '"float32(2,3,4)"', "#1 (torch.flatten): check.inputs.x: bad input spec 'float32(2,3,4)'"),
        ('"float32[2,3,4]"', '"floot32[2,3,4]"', "check.inputs.x: bad input spec 'floot32[2,3,4]': dtype must be one of"),
        ('"int64[5]:0:10"', '"int64[5]:10:0"', "check.inputs.i: bad input spec 'int64[5]:10:0': a range needs"),
        ('"int64[5]:0:10"', '"int64[5]:0:1.2.3"', "check.inputs.i: bad input spec 'int64[5]:0:1.2.3': low and high"),
        ('{ x = "float32', '{ "2x" = "float32', "check.inputs: '2x' is not a Python name"),
        ('message = "out"', "message = 1", "#1 (torch.flatten).refuses #1: 'message' must be a string, got int"),
        ('after = "import torch\\nr = torch.flatten(x, out=y)\\n"\n', "",
         "#1 (torch.flatten).refuses #1: missing required key 'after'"),
        ('unchanged = ["import', 'unchanged = [1, "import', "#1 (torch.flatten): unchanged entries must be strings"),
        ('rename = { input = "x",', 'rename = { inp = "x",', "#1 (torch.flatten): 'inp' is not an argument"),
        ('handler = "tensor_view"', "", "#2 (torch.Tensor.view): needs 'paddle', 'handler', 'support' or 'value'"),
        ('evidence = ["self"]', 'evidence = ["selv"]', "#2 (torch.Tensor.view): evidence entries must be among"),
    ],
)
def test_a_broken_entry_fails_at_load_naming_file_and_entry(tmp_path, old, new, message):
    with pytest.raises(RuleTableError) as info:
        _load(tmp_path, _broken(old, new))
    assert str(info.value).startswith("fake.toml: [[api]] ")
    assert message in str(info.value)


def test_evidence_is_read_by_name(tmp_path):
    table = _load(tmp_path, GOOD)
    assert table.names_with_evidence("method", "self") == {"view"}
    assert table.names_with_evidence("method", "value") == set()
    assert table.names_with_evidence("function", "self") == set()


def test_an_unknown_top_level_table_fails(tmp_path):
    with pytest.raises(RuleTableError, match=r"unknown top-level table\(s\) \['apis'\]"):
        _load(tmp_path, '[[apis]]\ntorch = "torch.flatten"\n')


def test_every_schema_key_is_loaded_or_checked():
    """The schema and the loader agree: every [[api]] key the schema allows is accepted."""
    names = {k.name for k in rule_schema.API.keys}
    assert {"torch", "example", "check", "unchanged", "refuses", "handler", "support"} <= names
    for table in rule_schema.ALL_TABLES:
        for key in table.keys:
            assert key.meaning, f"{table.name}.{key.name} has no meaning written"
            assert (key.fields is not None) == (key.type in (rule_schema.TABLE, rule_schema.TABLES))


@pytest.mark.parametrize(
    "spec, parsed",
    [
        ("float32[2,3]", rule_schema.InputSpec("float32", (2, 3))),
        ("float32[]", rule_schema.InputSpec("float32", ())),
        ("float32[4]:0.1:2", rule_schema.InputSpec("float32", (4,), 0.1, 2.0)),
        ("int64[5]:-3:1e1", rule_schema.InputSpec("int64", (5,), -3.0, 10.0)),
        (" bool[2, 2] ", rule_schema.InputSpec("bool", (2, 2))),
    ],
)
def test_input_specs(spec, parsed):
    assert rule_schema.parse_input_spec(spec) == parsed


def test_the_real_table_references_registered_handlers_and_supports():
    """What the engine checks where it registers the handlers, checked here too."""
    from translator.translate import handlers  # noqa: F401  (registers the handlers)
    from translator.translate.registry import HANDLERS
    from translator.translate.support import SNIPPETS

    load_table().check_references(handlers=set(HANDLERS), supports=set(SNIPPETS))
