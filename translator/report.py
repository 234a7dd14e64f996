"""The ``--report FILE.json`` document (schema: docs/report-schema.md) and the run summary."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from .diagnostics import Severity, Status, Translation

__all__ = ["REPORT_SCHEMA_VERSION", "FileOutcome", "Summary", "build_report"]

REPORT_SCHEMA_VERSION = 2
TOOL = "torch2paddle 0.1.0"


@dataclass
class FileOutcome:
    """One translated file as the CLI handled it: the result, where it went, whether it was written."""

    result: Translation
    output: str | None = None
    written: bool = False


@dataclass
class Summary:
    files: int = 0
    translated: int = 0
    unchanged: int = 0
    failed: int = 0
    untranslated: int = 0  # error-severity diagnostics in files that did translate
    warnings: int = 0
    untranslated_apis: Counter = field(default_factory=Counter)
    rules_applied: Counter = field(default_factory=Counter)
    codes: Counter = field(default_factory=Counter)  # diagnostics by code, failures included

    def add(self, result: Translation) -> None:
        self.files += 1
        self.codes.update(d.code for d in result.diagnostics)
        if result.status is Status.FAILED:
            self.failed += 1
            return
        if result.status is Status.TRANSLATED:
            self.translated += 1
        else:
            self.unchanged += 1
        for d in result.diagnostics:
            if d.severity is Severity.ERROR:
                self.untranslated += 1
                self.untranslated_apis[d.api or d.code] += 1
            else:
                self.warnings += 1
        self.rules_applied.update(result.rules_applied)

    def top_untranslated(self, n: int | None = None) -> list[tuple[str, int]]:
        """The untranslated APIs met most often, most frequent first, ties by name."""
        ranked = sorted(self.untranslated_apis.items(), key=lambda kv: (-kv[1], kv[0]))
        return ranked if n is None else ranked[:n]

    def line(self, *, would: bool) -> str:
        verb = "would be translated" if would else "translated"
        text = (
            f"{_plural(self.files, 'file')}: {self.translated} {verb}, {self.unchanged} unchanged, {self.failed} failed"
        )
        if self.untranslated:
            top = ", ".join(f"{api} ({n})" for api, n in self.top_untranslated(5))
            text += f"; {_plural(self.untranslated, 'spot')} left untranslated, most often: {top}"
        return text


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def file_entry(outcome: FileOutcome) -> dict:
    r = outcome.result
    errors = sum(d.severity is Severity.ERROR for d in r.diagnostics)
    return {
        "path": r.path,
        "output": outcome.output,
        "status": r.status.value,
        "changed": r.status is not Status.FAILED and r.changed,
        "written": outcome.written,
        "diagnostics": [d.to_json() for d in r.diagnostics],
        "rules_applied": dict(sorted(r.rules_applied.items())),
        "counts": {
            "rules_applied": sum(r.rules_applied.values()),
            "untranslated": errors if r.status is not Status.FAILED else 0,
            "warnings": len(r.diagnostics) - errors,
            "errors": errors if r.status is Status.FAILED else 0,
        },
    }


def build_report(outcomes: list[FileOutcome], summary: Summary, *, mode: str, exit_code: int) -> dict:
    return {
        "schema": REPORT_SCHEMA_VERSION,
        "tool": TOOL,
        "mode": mode,
        "exit_code": exit_code,
        "files": [file_entry(o) for o in outcomes],
        "summary": {
            "files": summary.files,
            "translated": summary.translated,
            "unchanged": summary.unchanged,
            "failed": summary.failed,
            "untranslated": summary.untranslated,
            "warnings": summary.warnings,
            "untranslated_apis": [{"api": api, "count": n} for api, n in summary.top_untranslated()],
            "rules_applied": dict(sorted(summary.rules_applied.items())),
            "codes": dict(sorted(summary.codes.items())),
        },
    }
