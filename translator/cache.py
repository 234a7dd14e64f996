"""On-disk caches for repeated runs (a pre-commit hook translating the same files again).

Two caches live in one folder, ``$TORCH2PADDLE_CACHE_DIR`` or ``$XDG_CACHE_HOME/torch2paddle``
(``~/.cache/torch2paddle``):

* ``rules-<hash>.pickle``: the loaded rule table, keyed by the rule files' content and the
  code that reads them; loading the TOML table costs more than translating a file.
* ``results/<hash>.json``: one translation result per key, the key being a hash of the
  translator's own source and rule files (so any change to the tool misses), the file's
  path as shown in diagnostics, the package it lives in, the target Paddle version and the
  file's bytes. Only the command line uses it (``translate --no-cache`` turns it off);
  ``translate_source`` never reads or writes it.

``TORCH2PADDLE_NO_CACHE=1`` turns the result cache off (like ``--no-cache``); the rule-table
pickle is like a ``.pyc`` file, always checked against its sources (point
``TORCH2PADDLE_CACHE_DIR`` at an empty folder for a run with no cache at all).  Nothing here
imports libcst: a run whose files are all cached never loads the translation engine.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.util
import json
import os
from collections import Counter
from pathlib import Path

from .diagnostics import Diagnostic, Severity, Status, Translation

__all__ = ["cache_dir", "caching_disabled", "ResultCache", "load_pickled", "store_pickled"]

_PACKAGE = Path(__file__).resolve().parent


def caching_disabled() -> bool:
    return os.environ.get("TORCH2PADDLE_NO_CACHE", "") not in ("", "0")


def cache_dir() -> Path:
    explicit = os.environ.get("TORCH2PADDLE_CACHE_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "torch2paddle"


def _write_atomic_bytes(path: Path, data: bytes) -> None:
    from .atomic import atomic_open

    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_open(path, "wb") as f:
        f.write(data)


def load_pickled(name: str) -> object | None:
    """A pickle from the cache folder (written by this tool for this user), or None."""
    import pickle

    try:
        with open(cache_dir() / name, "rb") as f:
            return pickle.load(f)
    except Exception:  # missing, unreadable, or from an incompatible version: rebuild
        return None


def store_pickled(name: str, obj: object, keep: int = 4) -> None:
    """Write ``name``; of the pickles sharing its prefix (``rules-``), keep the ``keep`` newest."""
    import pickle

    folder = cache_dir()
    try:
        _write_atomic_bytes(folder / name, pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL))
        prefix = name.split("-", 1)[0] + "-"
        old = sorted(folder.glob(prefix + "*.pickle"), key=lambda p: p.stat().st_mtime, reverse=True)
        for path in old[keep:]:
            path.unlink()
    except (OSError, pickle.PicklingError, TypeError, AttributeError):
        pass  # a cache that cannot be written is only slower


@functools.lru_cache(maxsize=None)
def tool_fingerprint(rules: str | None = None) -> str:
    """A hash of everything that decides a translation besides the input: the translator's
    source files, the rule files, and the installed torchvision (support code copies literals
    from it)."""
    from .rules import rules_dir

    h = hashlib.sha256(b"torch2paddle-results-1\0")
    sources = sorted(_PACKAGE.rglob("*.py"))
    rule_dir = Path(rules) if rules else rules_dir()
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
    return h.hexdigest()


def _package_dirs(shown: str) -> str:
    """The folders above a file that are packages (what ``resolve.package_of`` reads)."""
    if not shown or shown == "-":
        return ""
    d = Path(shown).resolve().parent
    parts = []
    while (d / "__init__.py").is_file():
        parts.append(str(d))
        if d.parent == d:
            break
        d = d.parent
    if parts and Path(parts[-1]).name == "torchvision":
        # a file inside a torchvision tree copies literals from that tree (support.torchvision_root)
        meta = Path(parts[-1]) / "models" / "_meta.py"
        try:
            st = meta.stat()
            parts.append(f"{meta}:{st.st_size}:{st.st_mtime_ns}")
        except OSError:
            pass
    return os.pathsep.join(parts)


class ResultCache:
    """Translation results keyed by (tool fingerprint, shown path, package, Paddle version, bytes)."""

    MAX_AGE_DAYS = 30  # entries not used for this long are removed (checked once a day)

    def __init__(self, directory: Path | None = None) -> None:
        self.directory = (directory or cache_dir()) / "results"
        self.fingerprint = tool_fingerprint()
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
    def default(cls) -> "ResultCache | None":
        if caching_disabled():
            return None
        try:
            return cls()
        except OSError:
            return None

    def key(self, shown: str, data: bytes) -> str:
        h = hashlib.sha256(self.fingerprint.encode())
        version = os.environ.get("TORCH2PADDLE_PADDLE_VERSION", "")
        for part in (shown, _package_dirs(shown), version):
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
            try:
                os.utime(path)  # used: keep it when pruning
            except OSError:
                pass
            return Translation(
                shown,
                source,
                source if d["code"] is None else d["code"],
                Status(d["status"]),
                [Diagnostic(shown, x[0], x[1], x[2], x[3], Severity(x[4])) for x in d["diagnostics"]],
                Counter(d["rules_applied"]),
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
            "diagnostics": [[x.line, x.col, x.code, x.message, x.severity.value] for x in result.diagnostics],
            "rules_applied": dict(result.rules_applied),
        }
        try:
            _write_atomic_bytes(self.directory / key[:2] / f"{key}.json", json.dumps(d).encode("utf-8"))
        except OSError:
            pass
