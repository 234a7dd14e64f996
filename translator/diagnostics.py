"""Diagnostics and typed results: data, not strings."""

from __future__ import annotations

import dataclasses
import enum
from collections import Counter

__all__ = ["Diagnostic", "Severity", "Status", "Translation", "MARKER"]

# Every untranslated or to-be-reviewed spot in the output carries this marker, so
# `grep -rn "TODO(torch2paddle)"` lists them.
MARKER = "TODO(torch2paddle)"


class Severity(str, enum.Enum):
    ERROR = "error"  # left untranslated: the code still refers to torch
    WARNING = "warning"  # translated, but a person should check it


class Status(str, enum.Enum):
    TRANSLATED = "translated"
    UNCHANGED = "unchanged"
    FAILED = "failed"  # the input could not be read or parsed; nothing was produced


@dataclasses.dataclass(frozen=True)
class Diagnostic:
    path: str
    line: int
    col: int
    code: str  # the stable code (translator.codes), e.g. "T2P001"
    message: str
    severity: Severity = Severity.ERROR
    api: str | None = None  # the torch API or rule concerned, e.g. "torch.nn.Conv2d"; None for a failure

    @property
    def text(self) -> str:
        """``CODE api: message`` (``CODE message`` without an API): what a marker says."""
        return f"{self.code} {self.api}: {self.message}" if self.api else f"{self.code} {self.message}"

    def __str__(self) -> str:
        """``path:line:col: CODE api: message`` (no ``:line:col`` without a position)."""
        where = f"{self.path}:{self.line}:{self.col}" if self.line else self.path
        return f"{where}: {self.text}"

    def to_json(self) -> dict:
        d = dataclasses.asdict(self)
        d["severity"] = self.severity.value
        return d


@dataclasses.dataclass
class Translation:
    """The result of translating one source."""

    path: str
    source: str
    code: str  # the Paddle source; equal to ``source`` when unchanged or failed
    status: Status
    diagnostics: list[Diagnostic] = dataclasses.field(default_factory=list)
    rules_applied: Counter = dataclasses.field(default_factory=Counter)
    #: the library files the translation read (definitions carried from them: translate/libraries.py)
    sources: tuple[str, ...] = ()

    @property
    def changed(self) -> bool:
        return self.code != self.source

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.severity is Severity.ERROR]

    def to_json(self) -> dict:
        return {
            "path": self.path,
            "status": self.status.value,
            "changed": self.changed,
            "diagnostics": [d.to_json() for d in self.diagnostics],
            "rules_applied": dict(sorted(self.rules_applied.items())),
        }
