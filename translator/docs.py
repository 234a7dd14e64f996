"""Generate the coverage page and the rule reference from the rule table.

    python -m translator.docs            # writes docs/coverage.md, docs/rules.md, docs/rule-schema.md, docs/codes/
    python -m translator.docs --check    # exit 1 if they are stale (the test suite runs this)

The table is the single source: every row comes from an entry, its example, its unchanged and
refused cases and its check; the schema page comes from ``translator/rule_schema.py``, the
diagnostic code pages (``docs/codes/``) from ``translator/codes.py``, each example translated
as the page is written.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from pathlib import Path

from . import codes as codes_table
from . import rule_schema
from .rules import ApiRule, RuleTable, load_table

ROOT = Path(__file__).resolve().parent.parent
AREAS = {
    "nn_layers.toml": "torch.nn layers",
    "nn_losses.toml": "torch.nn losses",
    "nn_init.toml": "torch.nn.init",
    "nn_functional.toml": "torch.nn.functional",
    "torch_functions.toml": "torch.* functions and dtypes",
    "tensor_methods.toml": "Tensor and Module methods and attributes",
    "training.toml": "Training: optim, lr_scheduler, data, save/load, devices, grad modes",
    "torchvision.toml": "torchvision internals",
}


def _area(rule: ApiRule) -> str:
    return rule.source.split(":", 1)[0]


def _paddle_form(rule: ApiRule) -> str:
    if rule.support:
        return f"`{rule.support}` (emitted support code)"
    if rule.handler and not rule.paddle:
        return f"rewrite `{rule.handler}`"
    if rule.handler:
        return f"`{rule.paddle}` (rewrite `{rule.handler}`)"
    return f"`{rule.paddle}`"


# per rule and per end-to-end model, the numeric check's result on each Paddle version
# (written by `python scripts/paddle_compat.py --update-docs`)
PADDLE_VERSIONS = ROOT / "docs" / "paddle_versions.json"


def _paddle_results() -> dict:
    if not PADDLE_VERSIONS.is_file():
        return {"versions": [], "models": {}, "rules": {}}
    return json.loads(PADDLE_VERSIONS.read_text(encoding="utf-8"))


def _tested_on(results: dict[str, str] | None) -> str:
    """``{"2.6.2": "fail", "3.3.1": "pass"}`` -> ``3.3.1 (fails on 2.6.2)``."""
    if not results:
        return "not recorded"
    passed = [v for v, r in results.items() if r == "pass"]
    failed = [v for v, r in results.items() if r != "pass"]
    text = ", ".join(passed) or "none"
    return text + (f" (fails on {', '.join(failed)})" if failed else "")


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


# ----------------------------------------------------------- public torch API coverage ---
TORCH_API = ROOT / "docs" / "torch_api.json"


def _api_namespaces() -> dict:
    """``docs/torch_api.json``, written by ``scripts/torch_names.py`` from the installed torch
    and torchvision (this module never imports them)."""
    if not TORCH_API.is_file():
        return {"versions": {}, "namespaces": {}}
    return json.loads(TORCH_API.read_text(encoding="utf-8"))


def api_coverage(table: RuleTable, api: dict | None = None) -> list[tuple[str, int, int, int, list[str], list[str]]]:
    """Per namespace: (namespace, public callables, translated by an entry or an alias of one,
    of which with a numeric check, the names not translated, of which listed as unsupported with
    a reason in ``[[unsupported]]``)."""
    api = _api_namespaces() if api is None else api
    rows = []
    for namespace, names in api["namespaces"].items():
        translated = checked = 0
        missing, unsupported = [], []
        for name in names:
            dotted = f"{namespace}.{name}"
            rule = table.apis.get(dotted) or table.apis.get(table.aliases.get(dotted, ""))
            if rule is None:
                missing.append(name)
                if dotted in table.unsupported:
                    unsupported.append(name)
                continue
            translated += 1
            checked += rule.check is not None
        rows.append((namespace, len(names), translated, checked, missing, unsupported))
    return rows


def _api_lines(table: RuleTable) -> list[str]:
    api = _api_namespaces()
    versions = ", ".join(f"{k} {v}" for k, v in sorted(api["versions"].items())) or "not recorded"
    lines = [
        "## Public torch API per namespace",
        "",
        f"The public callables of each namespace ({versions}; its `__all__`, else its names not",
        "starting with `_`; functions and classes, for `torch.Tensor` its methods), as",
        "`scripts/torch_names.py` lists them in `docs/torch_api.json`, against the table: an API",
        "counts as translated when an entry (or another spelling of one, `rules/torch_names.toml`)",
        "has its name; as unsupported when `[[unsupported]]` (`rules/unsupported.toml`) lists it with",
        "the reason (below). An API not translated is reported where it is used (a `TODO(torch2paddle)`",
        "marker and an error, with the reason when there is one; a tensor method, on a receiver known",
        "to be a tensor), never passed through silently.",
        "",
        "| namespace | public | translated | with numeric check | share translated | unsupported, with reason |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    rows = api_coverage(table, api)
    for namespace, public, translated, checked, _, unsupported in rows:
        share = f"{100 * translated / public:.0f}%" if public else "—"
        lines.append(f"| `{namespace}` | {public} | {translated} | {checked} | {share} | {len(unsupported)} |")
    total = [sum(r[i] for r in rows) for i in (1, 2, 3)]
    if rows:
        lines.append(f"| **total** | **{total[0]}** | **{total[1]}** | **{total[2]}** | "
                     f"**{100 * total[1] / max(total[0], 1):.0f}%** | **{sum(len(r[5]) for r in rows)}** |")
    lines += ["", "Not translated and not listed as unsupported (no entry yet), per namespace:", ""]
    for namespace, _, _, _, missing, unsupported in rows:
        rest = [m for m in missing if m not in unsupported]
        if rest:
            lines.append(f"- `{namespace}` ({len(rest)}): {', '.join(f'`{m}`' for m in rest)}")
    return lines


# arguments of an entry's `unsupported` that the engine translates itself (docs/rule-schema.md)
def _engine_translated(rule: ApiRule, name: str) -> bool:
    if rule.kind != "function":
        return False
    if name in ("out", "requires_grad"):
        return True
    return name in ("size_average", "reduce") and rule.params is not None and rule.param("reduction") is not None


def _unsupported_lines(table: RuleTable) -> list[str]:
    lines = [
        "## Unsupported, with reason",
        "",
        "What the table knows it cannot translate, and why: a use is reported with the reason and",
        "left unchanged.",
        "",
        "### APIs (`rules/unsupported.toml`)",
        "",
        "| torch | reason |",
        "|---|---|",
    ]
    for name, reason in sorted(table.unsupported.items()):
        lines.append(f"| `{name}` | {_cell(reason)} |")
    lines += [
        "",
        "### Arguments of translated APIs (each entry's `unsupported`)",
        "",
        "Given a value other than its default, the call is reported and left unchanged. An argument",
        "with a Paddle version in `since` is translated when translating for that version or newer",
        "(the default: the newest) and refused for an older one. Not listed: `out=`, a function's",
        "`requires_grad=` and a loss's `size_average=`/`reduce=`, which the engine translates.",
        "",
        "| torch | argument | reason | translated from Paddle |",
        "|---|---|---|---|",
    ]
    for rule in sorted(table.all_rules(), key=lambda r: r.torch):
        for name, reason in rule.unsupported.items():
            if not _engine_translated(rule, name):
                lines.append(f"| `{rule.torch}` | `{name}` | {_cell(reason)} | {rule.since.get(name, '')} |")
    return lines


def coverage_page(table: RuleTable) -> str:
    by_area: dict[str, list[ApiRule]] = defaultdict(list)
    for rule in table.all_rules():
        by_area[_area(rule)].append(rule)
    tested = _paddle_results()
    by_result: dict[str, list[str]] = defaultdict(list)
    for name, result in tested["models"].items():
        by_result[_tested_on(result)].append(f"`{name}`")
    models = "; ".join(f"{', '.join(names)} on {text}" for text, names in by_result.items()) or "not recorded"
    lines = [
        "# Coverage",
        "",
        "Generated from `rules/*.toml` by `python -m translator.docs`; do not edit by hand",
        "(`tests/test_docs.py` fails when this page is stale).",
        "",
        "Every entry's before/after example (and its unchanged and refused cases) runs in",
        "`tests/test_rule_examples.py`; entries with a",
        "numeric check run the torch snippet and its translation on the same inputs in",
        "`tests/test_rule_checks.py` (values, shapes and dtypes compared). `tested on Paddle` lists",
        "the Paddle versions whose run of that check passed, as recorded in `docs/paddle_versions.json`",
        f"by `python scripts/paddle_compat.py --update-docs` (versions: {', '.join(tested['versions']) or 'none'};",
        "see `docs/paddle-versions.md`); `min Paddle` names entries that need a newer Paddle than 2.6.",
        f"End-to-end torchvision models (translated, converted weights, atol = rtol = 1e-5): {models}.",
        "",
        "| area | entries | with numeric check |",
        "|---|---:|---:|",
    ]
    order = [a for a in AREAS if a in by_area] + sorted(a for a in by_area if a not in AREAS)
    total = checked = 0
    for area in order:
        rules = by_area[area]
        n_checked = sum(r.check is not None for r in rules)
        total += len(rules)
        checked += n_checked
        lines.append(f"| {AREAS.get(area, area)} | {len(rules)} | {n_checked} |")
    lines.append(f"| **total** | **{total}** | **{checked}** |")
    lines += ["", *_api_lines(table), "", *_unsupported_lines(table)]
    for area in order:
        lines += ["", f"## {AREAS.get(area, area)} (`rules/{area}`)", ""]
        lines += ["| torch | Paddle | numeric check | tested on Paddle | min Paddle | notes |", "|---|---|---|---|---|---|"]
        for rule in by_area[area]:
            check = "yes" if rule.check is not None else "—"
            if rule.check is not None and rule.check.compare == "shape":
                check = "shape/dtype"
            kind = "" if rule.kind == "function" else f" ({rule.kind}, receiver: {rule.receiver})"
            versions = _tested_on(tested["rules"].get(rule.torch)) if rule.check is not None else "—"
            lines.append(
                f"| `{rule.torch}`{kind} | {_paddle_form(rule)} | {check} | {versions} | {rule.min_paddle or ''}"
                f" | {_cell(rule.note)} |"
            )
    modules = sorted(table.modules.values(), key=lambda m: m.torch)
    lines += ["", "## Modules", "", "| torch module | Paddle module |", "|---|---|"]
    for m in modules:
        lines.append(f"| `{m.torch}` | {f'`{m.paddle}`' if m.paddle else 'none: uses are reported'} |")
    return "\n".join(lines) + "\n"


def rules_page(table: RuleTable) -> str:
    lines = [
        "# Rule reference",
        "",
        "Generated from `rules/*.toml` by `python -m translator.docs`; do not edit by hand.",
        "Each entry: what it translates, the Paddle form, argument handling, notes, its example, and",
        "the files it leaves unchanged and the calls it refuses, where it lists them (the test suite",
        "runs the same cases). What an entry may say: `docs/rule-schema.md`.",
    ]
    for rule in table.all_rules():
        lines += ["", f"## `{rule.torch}`", "", f"Becomes {_paddle_form(rule)}. Source: `rules/{_area(rule)}`."]
        if rule.kind != "function":
            lines.append(f"A {rule.kind}; translated when the receiver is known to be: {rule.receiver}.")
        if rule.params is not None:
            lines.append(f"Torch signature bound before rewriting: `({', '.join(p.name for p in rule.params)})`.")
        for key, what in (("rename", "renamed"), ("transform", "rewritten"), ("extra", "added")):
            value = getattr(rule, key)
            if value:
                lines.append(f"Arguments {what}: " + ", ".join(f"`{k}` -> `{v}`" for k, v in value.items()) + ".")
        if rule.drop:
            lines.append("Dropped: " + ", ".join(f"`{d}`" for d in rule.drop) + ".")
        if rule.drop_if:
            lines.append("Dropped when default: " + ", ".join(f"`{k}={v}`" for k, v in rule.drop_if.items()) + ".")
        for key, why in rule.unsupported.items():
            lines.append(f"Not translated when `{key}` is given a non-default value: {why}.")
        if rule.weights is not None:
            w = rule.weights
            parts = [f"`{k}` -> `{v}`" for k, v in w.rename.items()]
            parts += [f"`{d}` dropped" for d in w.drop] + [f"`{t}` transposed" for t in w.transpose]
            lines.append("Checkpoints: " + ", ".join(parts) + ".")
        if rule.note:
            lines += ["", rule.note]
        lines += ["", "```python", "# before", rule.example_before.strip("\n"), "", "# after", rule.example_after.strip("\n"), "```"]
        lines += _case_lines(rule)
    return "\n".join(lines) + "\n"


def _case_lines(rule: ApiRule) -> list[str]:
    lines: list[str] = []
    if rule.unchanged:
        lines += ["", "Left unchanged, byte for byte:"]
        for source in rule.unchanged:
            lines += ["", "```python", source.strip("\n"), "```"]
    for refusal in rule.refuses:
        said = f" (message contains \"{refusal.message}\")" if refusal.message else ""
        lines += ["", f"Refused with error `{refusal.code}`{said}:", "", "```python", "# before"]
        lines += [refusal.before.strip("\n"), "", "# after", refusal.after.strip("\n"), "```"]
    return lines


def schema_page() -> str:
    """What a rule-table entry may say, from ``translator/rule_schema.py``."""
    lines = [
        "# Rule table schema",
        "",
        "Generated from `translator/rule_schema.py` by `python -m translator.docs`; do not edit by hand.",
        "The loader (`translator/rules.py`) checks every entry of `rules/*.toml` against it and",
        "fails with the file and the entry named.",
    ]
    for table in rule_schema.ALL_TABLES:
        lines += ["", f"## `{table.name}`", "", table.meaning, "", "| key | type | default | meaning |", "|---|---|---|---|"]
        for key in table.keys:
            default = "required" if key.required else f"`{key.default}`" if key.default else ""
            meaning = key.meaning
            if key.choices:
                meaning += "; one of " + ", ".join(f"`{c}`" for c in key.choices)
            if key.fields is not None:
                meaning += f" (see `{key.fields.name}`)"
            lines.append(f"| `{key.name}` | {key.type} | {default} | {_cell(meaning)} |")
    return "\n".join(lines) + "\n"


_RANGES = (
    ("T2P0", "errors: code left as torch, marked `# TODO(torch2paddle): T2P0xx ...` in the output"),
    ("T2P1", "warnings: code left unchanged because it may well not be torch (nothing marks it as wrong)"),
    ("T2P2", "warnings: translated, but check it (behaviour that may differ, an assumption)"),
    ("T2P9", "failures: the file could not be translated; nothing is written for it"),
)

_SILENCING = """Select and ignore codes (or prefixes, as ruff does: `T2P1` is every `T2P1xx`) with
`--select`/`--ignore` or in `pyproject.toml`; an ignored code is neither reported nor marked in
the output:

```toml
[tool.torch2paddle]
ignore = ["T2P101"]
```

Leave one spot alone with a comment on the line where the spot starts (a call spread over
several lines starts on the line that names the function): `# torch2paddle: ignore[CODE]` keeps
that spot as written and silent, `# torch2paddle: ignore` every spot on the line. Failures
(`T2P9xx`) cannot be ignored."""


def code_page(code: codes_table.Code) -> str:
    from .settings import Settings
    from .translate import translate_source
    from .translate.support import strip_support

    kind = "error" if code.severity.value == "error" else "warning"
    lines = [f"# {code.code} `{code.name}`", "", f"Severity: {kind}. Derived from: {code.source[0]} "
             f"`{code.source[1]}`.", "", "## What it means", "", code.summary, "", "## Why", "", code.why, "",
             "## Example", ""]
    if code.example is not None:
        # as the command line writes it (formatted), whatever the library's default
        result = translate_source(code.example, path="example.py", settings=Settings())
        shown = [str(d) for d in result.diagnostics]
        lines += ["```python", code.example.rstrip("\n"), "```", "", "translates to", "", "```python",
                  strip_support(result.code).rstrip("\n"), "```", "", "and reports", "", "```", *shown, "```"]
    elif code.example_text is not None:
        lines += ["```", code.example_text, "```"]
    else:
        lines += ["(This code needs a setting or an environment to appear: see *Why*.)"]
    lines += ["", "## What to do", "", code.what_to_do, "", "## Silencing it", "", _SILENCING.replace("CODE", code.code)]
    if code.code.startswith("T2P9"):
        lines = lines[:-1] + ["A failure cannot be ignored: the file was not translated at all."]
    return "\n".join(lines) + "\n"


def codes_index() -> str:
    lines = ["# Diagnostic codes", "", "Every diagnostic has a stable code, printed as `path:line:col: CODE api: message`,",
             "written in the `--report` JSON (`code`) and in the output's marker comments. The codes come",
             "from one table, `translator/codes.py`; this page and the pages it links are generated from it",
             "(`python -m translator.docs`).", "", "| range | meaning |", "| --- | --- |"]
    lines += [f"| `{prefix}xx` | {meaning} |" for prefix, meaning in _RANGES]
    lines += ["", "| code | name | severity | meaning |", "| --- | --- | --- | --- |"]
    lines += [f"| [{c.code}]({c.code}.md) | `{c.name}` | {c.severity.value} | {_cell(c.summary)} |" for c in codes_table.CODES]
    lines += ["", "## Selecting, ignoring and silencing", "", _SILENCING]
    return "\n".join(lines) + "\n"


def pages(table: RuleTable | None = None) -> dict[Path, str]:
    table = table or load_table()
    out = {
        ROOT / "docs" / "coverage.md": coverage_page(table),
        ROOT / "docs" / "rules.md": rules_page(table),
        ROOT / "docs" / "rule-schema.md": schema_page(),
        ROOT / "docs" / "codes" / "README.md": codes_index(),
    }
    for code in codes_table.CODES:
        out[ROOT / "docs" / "codes" / f"{code.code}.md"] = code_page(code)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m translator.docs")
    parser.add_argument("--check", action="store_true", help="exit 1 if the pages are stale")
    args = parser.parse_args(argv)
    stale = []
    for path, text in pages().items():
        current = path.read_text(encoding="utf-8") if path.exists() else None
        if current == text:
            continue
        if args.check:
            stale.append(path)
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
            print(f"wrote {path.relative_to(ROOT)}")
    for path in stale:
        print(f"{path.relative_to(ROOT)} is stale: run python -m translator.docs", file=sys.stderr)
    return 1 if stale else 0


if __name__ == "__main__":
    sys.exit(main())
