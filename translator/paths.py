"""Translating files and trees: reading, atomic writing, mirroring a directory."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from .diagnostics import Diagnostic, Severity, Status, Translation
from .engine import translate_source
from .rules import RuleTable

__all__ = ["read_source", "translate_file", "translate_path", "write_atomic", "iter_python_files"]


def read_source(path: Path) -> tuple[str | None, Diagnostic | None]:
    """The file's text, or a diagnostic saying why it cannot be read as Python source."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        return None, Diagnostic(str(path), 0, 0, "io", exc.strerror or str(exc))
    if b"\x00" in data:
        return None, Diagnostic(str(path), 0, 0, "encoding", "binary file (contains NUL bytes), not Python source")
    try:
        text = data.decode("utf-8-sig" if data.startswith(b"\xef\xbb\xbf") else "utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        col = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        return None, Diagnostic(str(path), line, col, "encoding", "not valid UTF-8")
    return text, None


def translate_file(path: Path, *, table: RuleTable | None = None) -> Translation:
    text, error = read_source(path)
    if error is not None:
        return Translation(str(path), "", "", Status.FAILED, [error])
    assert text is not None
    return translate_source(text, path=str(path), table=table)


def write_atomic(path: Path, text: str) -> None:
    """Write via a temporary file in the same folder and rename: never a partial file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
            f.write(text)
        if path.exists():
            os.chmod(tmp, path.stat().st_mode & 0o7777)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def iter_python_files(root: Path) -> list[Path]:
    if root.is_file():
        return [root]
    skip = {".git", "__pycache__", ".venv", "venv", ".tox", "node_modules", ".mypy_cache", ".pytest_cache"}
    out = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if d not in skip and not d.startswith("."))
        for name in sorted(filenames):
            if name.endswith(".py"):
                out.append(Path(dirpath) / name)
    return out


def translate_path(src: str | os.PathLike, dst: str | os.PathLike | None = None) -> list[Translation]:
    """Translate a file or a tree into ``dst`` (mirroring the tree); returns one result per file.

    Failed files are reported in their result and nothing is written for them; the others
    are written atomically.  With ``dst=None`` nothing is written.
    """
    src_path = Path(src)
    if not src_path.exists():
        raise FileNotFoundError(f"{src_path}: no such file or directory")
    results = []
    for file in iter_python_files(src_path):
        result = translate_file(file)
        results.append(result)
        if dst is None or result.status is Status.FAILED:
            continue
        target = Path(dst) if src_path.is_file() else Path(dst) / file.relative_to(src_path)
        if src_path.is_file() and Path(dst).is_dir():
            target = Path(dst) / file.name
        write_atomic(target, result.code)
    return results


