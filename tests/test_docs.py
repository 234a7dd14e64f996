"""The coverage page and the rule reference are generated from the table and must be current."""

from translator import docs


def test_generated_pages_are_current():
    for path, text in docs.pages().items():
        assert path.exists(), f"{path} missing: run python -m translator.docs"
        assert path.read_text(encoding="utf-8") == text, f"{path.name} is stale: run python -m translator.docs"


def test_every_rule_is_listed():
    table = docs.load_table()
    page = docs.coverage_page(table)
    for rule in table.all_rules():
        assert f"`{rule.torch}`" in page


def test_schema_page_lists_every_key():
    page = docs.schema_page()
    for table in docs.rule_schema.ALL_TABLES:
        assert f"## `{table.name}`" in page
        for key in table.keys:
            assert f"| `{key.name}` |" in page


def test_rule_pages_show_unchanged_and_refused_cases():
    table = docs.load_table()
    page = docs.rules_page(table)
    for rule in table.all_rules():
        for source in rule.unchanged:
            assert source.strip("\n") in page
        for refusal in rule.refuses:
            assert refusal.before.strip("\n") in page and refusal.after.strip("\n") in page


def test_api_coverage_counts_entries_and_aliases():
    table = docs.load_table()
    alias = next(a for a in table.aliases if a.rpartition(".")[0] != "torch")  # another spelling of an entry
    namespace, _, name = alias.rpartition(".")
    api = {"versions": {}, "namespaces": {
        "torch": ["abs", "no_such_function"],
        namespace: [name],
    }}
    rows = {r[0]: r for r in docs.api_coverage(table, api)}
    assert rows["torch"][1:4] == (2, 1, int(table.apis["torch.abs"].check is not None))
    assert rows["torch"][4] == ["no_such_function"]
    assert rows[namespace][2] == 1


def test_torch_api_list_is_current():
    """docs/torch_api.json is what scripts/torch_names.py reads off the installed torch."""
    import importlib.util

    import pytest

    pytest.importorskip("torch")
    spec = importlib.util.spec_from_file_location("torch_names", docs.ROOT / "scripts" / "torch_names.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert docs.TORCH_API.read_text(encoding="utf-8") == module.render_api(module.public_api())
