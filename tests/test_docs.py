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
