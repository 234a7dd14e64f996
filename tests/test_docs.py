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
