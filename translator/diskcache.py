"""The cache folder and the JSON files kept in it.

The command line's folder is ``$TORCH2PADDLE_CACHE_DIR`` or ``$XDG_CACHE_HOME/torch2paddle``
(``cache_dir(os.environ)``, read at the CLI edge and passed in); a library caller's is the one
its ``Settings.cache_dir`` names, else ``~/.cache/torch2paddle`` (``DEFAULT_DIR``).  It holds ``rules-<hash>.json`` (the loaded rule table, keyed by
the rule files' content and the code that reads them: loading the TOML table costs more than
translating a file) and ``results/`` (:mod:`translator.cache`, the command line's result
cache).  Everything here is JSON, never a pickle: a file planted in the folder can at worst
give wrong data, it cannot run code (``translator.rules`` rebuilds only its own dataclasses
from the JSON).  A file is always checked against its sources by its name (point
``TORCH2PADDLE_CACHE_DIR`` at an empty folder for a run with no cache at all).

This module is a leaf: it imports nothing from the translator but :mod:`translator.atomic`.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Mapping

__all__ = ["DEFAULT_DIR", "cache_dir", "load_json", "store_json", "write_atomic_bytes"]

DEFAULT_DIR = Path.home() / ".cache" / "torch2paddle"


def cache_dir(env: Mapping[str, str]) -> Path:
    """The cache folder an environment names (the CLI passes ``os.environ``)."""
    explicit = env.get("TORCH2PADDLE_CACHE_DIR")
    if explicit:
        return Path(explicit)
    base = env.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "torch2paddle"


def write_atomic_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` (creating its folder) via a temporary file and a rename."""
    from .atomic import atomic_open

    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_open(path, "wb") as f:
        f.write(data)


def load_json(name: str, directory: Path | None = None, object_hook: Any = None) -> object | None:
    """A JSON file from the cache folder (``json.loads`` with ``object_hook``), or None
    (missing, unreadable, damaged, or refused by the hook)."""
    import json

    try:
        with open((directory or DEFAULT_DIR) / name, "rb") as f:
            return json.loads(f.read(), object_hook=object_hook)
    except Exception:  # missing, unreadable, or from an incompatible version: rebuild
        return None


def store_json(name: str, obj: object, keep: int = 4, directory: Path | None = None) -> None:
    """Write ``name``; of the files sharing its prefix (``rules-``) and suffix, keep the ``keep``
    newest (old ``rules-*.pickle`` files of earlier versions are removed)."""
    import json

    folder = directory or DEFAULT_DIR
    try:
        write_atomic_bytes(folder / name, json.dumps(obj, separators=(",", ":")).encode("utf-8"))
        prefix = name.split("-", 1)[0] + "-"
        for stale in folder.glob(prefix + "*.pickle"):
            stale.unlink()
        old = sorted(folder.glob(prefix + "*" + Path(name).suffix), key=lambda p: p.stat().st_mtime, reverse=True)
        for path in old[keep:]:
            path.unlink()
    except (OSError, TypeError, ValueError):
        pass  # a cache that cannot be written is only slower
