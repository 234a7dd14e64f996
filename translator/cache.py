"""The command line's result cache, for repeated runs (a pre-commit hook translating the same
files again).

``results/<hash>.json`` in the cache folder (:mod:`translator.diskcache`) holds one translation
result per key, the key being a hash of the translator's own source and rule files (so any
change to the tool misses), the file's path as shown in diagnostics, the package it lives in,
the run's settings (the target Paddle version), where each enabled library is installed, and the
file's bytes.  An entry also records a
hash of each library file the translation carried definitions from (``Translation.sources``): when
one of them changed, or is gone, the entry is not used.  Only the command line
uses it: it decides whether there is one (``translate --no-cache`` or ``TORCH2PADDLE_NO_CACHE=1``
turn it off) and where; ``translate_source`` never reads or writes it.  Nothing here imports
libcst: a run whose files are all cached never loads the translation engine.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.metadata
import importlib.util
import json
import os
from collections import Counter
from pathlib import Path

from .diagnostics import Diagnostic, Severity, Status, Translation
from .diskcache import write_atomic_bytes
from .packages import package_dirs
from .settings import DEFAULT as DEFAULT_SETTINGS
from .settings import Settings

__all__ = ["ResultCache", "tool_fingerprint"]

_PACKAGE = Path(__file__).resolve().parent


@functools.lru_cache(maxsize=None)
def tool_fingerprint(rules: Path) -> str:
    """A hash of everything that decides a translation besides the input: the translator's
    source files, the rule files (``*.toml`` in the folder ``rules``), and the installed
    torchvision (support code copies literals from it) and black's version."""
    h = hashlib.sha256(b"torch2paddle-results-1\0")
    sources = sorted(_PACKAGE.rglob("*.py"))
    rule_dir = Path(rules)
    for path in [*sources, *sorted(rule_dir.glob("*.toml"))]:
        h.update(str(path.relative_to(path.parent.parent)).encode() + b"\0")
        h.update(path.read_bytes())
    spec = importlib.util.find_spec("torchvision")
    if spec is not None and spec.submodule_search_locations:
        meta = Path(list(spec.submodule_search_locations)[0]) / "models" / "_meta.py"
        try:
            st = meta.stat()
            h.update(f"{meta}:{st.st_size}:{st.st_mtime_ns}".encode())
        except OSError:
            pass
    h.update(f"\0black={_black_version()}".encode())  # new code is formatted by black
    return h.hexdigest()


def _black_version() -> str:
    try:
        return importlib.metadata.version("black")
    except importlib.metadata.PackageNotFoundError:
        return ""


def _package_dirs(shown: str) -> str:
    """The folders above a file that are packages (what ``resolve.package_of`` reads)."""
    if not shown or shown == "-":
        return ""
    parts = [str(d) for d in package_dirs(shown)]
    if parts and Path(parts[-1]).name == "torchvision":
        # a file inside a torchvision tree copies literals from that tree (support.torchvision_root)
        meta = Path(parts[-1]) / "models" / "_meta.py"
        try:
            st = meta.stat()
            parts.append(f"{meta}:{st.st_size}:{st.st_mtime_ns}")
        except OSError:
            pass
    return os.pathsep.join(parts)


@functools.lru_cache(maxsize=None)
def _library_dirs(libraries: tuple[str, ...]) -> str:
    """Where each enabled library is installed (found without importing it), "-" where it is
    not: a library installed, removed or moved since a result was cached changes its key."""
    parts = []
    for name in libraries:
        try:
            spec = importlib.util.find_spec(name)
        except (ImportError, ValueError):
            spec = None
        found = list(spec.submodule_search_locations or []) if spec is not None else []
        parts.append(f"{name}={found[0] if found else '-'}")
    return ";".join(parts)


def _file_hash(path: str) -> str | None:
    """The SHA-256 of a file's bytes; None when it cannot be read."""
    try:
        return hashlib.sha256(Path(path).read_bytes()).hexdigest()
    except OSError:
        return None


class ResultCache:
    """Translation results keyed by (tool fingerprint, shown path, package, Paddle version, bytes)."""

    MAX_AGE_DAYS = 30  # entries not used for this long are removed (checked once a day)

    def __init__(self, directory: Path, rules: Path) -> None:
        """A cache in ``directory/results`` for translations by the rule files in ``rules``."""
        self.directory = Path(directory) / "results"
        self.fingerprint = tool_fingerprint(Path(rules))
        self._prune()

    def _prune(self) -> None:
        import time

        stamp = self.directory / ".pruned"
        now = time.time()
        try:
            if now - stamp.stat().st_mtime < 86400:
                return
        except OSError:
            if not self.directory.is_dir():
                return
        try:
            stamp.touch()
            for entry in self.directory.glob("*/*.json"):
                if now - entry.stat().st_mtime > self.MAX_AGE_DAYS * 86400:
                    entry.unlink()
        except OSError:
            pass

    @classmethod
    def default(cls, directory: Path, rules: Path) -> "ResultCache | None":
        """``ResultCache(directory, rules)``, or None when it cannot be set up."""
        try:
            return cls(directory, rules)
        except OSError:
            return None

    def key(self, shown: str, data: bytes, settings: Settings | None = None) -> str:
        h = hashlib.sha256(self.fingerprint.encode())
        settings = settings or DEFAULT_SETTINGS
        for part in (shown, _package_dirs(shown), settings.cache_key(), _library_dirs(settings.libraries)):
            h.update(b"\0" + part.encode("utf-8", "surrogatepass"))
        h.update(b"\0")
        h.update(data)
        return h.hexdigest()

    def get(self, key: str, shown: str, source: str) -> Translation | None:
        path = self.directory / key[:2] / f"{key}.json"
        try:
            with open(path, encoding="utf-8") as f:
                d = json.load(f)
            if d.get("fingerprint") != self.fingerprint:
                return None
            if any(_file_hash(p) != h for p, h in d.get("sources", [])):
                return None  # a library file it carried from changed
            try:
                os.utime(path)  # used: keep it when pruning
            except OSError:
                pass
            return Translation(
                shown,
                source,
                source if d["code"] is None else d["code"],
                Status(d["status"]),
                [Diagnostic(shown, x[0], x[1], x[2], x[3], Severity(x[4]), x[5]) for x in d["diagnostics"]],
                Counter(d["rules_applied"]),
                tuple(p for p, _ in d.get("sources", [])),
            )
        except Exception:  # missing or damaged: translate again
            return None

    def put(self, key: str, result: Translation) -> None:
        if result.status is Status.FAILED:
            return
        d = {
            "fingerprint": self.fingerprint,
            "status": result.status.value,
            "code": None if result.code == result.source else result.code,
            "diagnostics": [[x.line, x.col, x.code, x.message, x.severity.value, x.api] for x in result.diagnostics],
            "rules_applied": dict(result.rules_applied),
            "sources": [[p, _file_hash(p)] for p in result.sources],
        }
        if any(h is None for _, h in d["sources"]):
            return  # a library file that cannot be read now: nothing to check a later run against
        try:
            write_atomic_bytes(self.directory / key[:2] / f"{key}.json", json.dumps(d).encode("utf-8"))
        except OSError:
            pass
