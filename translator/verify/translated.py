"""Translating a torch source file and importing the result (a whole package when it must be)."""

from __future__ import annotations

import ast
import os
from pathlib import Path
from typing import Any

from ..targets import import_from_package, load_module_from_file, package_root, path_digest

__all__ = ["import_translation", "load_translated_module"]


def load_translated_module(source_path: str | os.PathLike[str], directory: str | os.PathLike[str], *,
                           settings: Any = None) -> Any:
    """Translate a torch source file, write the result into ``directory`` and import it.

    When the translation keeps relative imports (``from .resnet import resnet50``) and the
    file is inside a package, the whole package is translated (mirrored into ``directory``)
    and the module is imported from the translated package. Returns the module; its
    ``__translation__`` attribute is the file's ``Translation``. Errors from translating or
    importing propagate.
    """
    from ..translate import translate_source

    source_path = Path(source_path).resolve()
    translation = translate_source(source_path.read_text(encoding="utf-8"), path=str(source_path), settings=settings)
    module = import_translation(source_path, translation.code, Path(directory), settings=settings)
    module.__translation__ = translation
    return module


def import_translation(source_path: Path, code: str, directory: Path, *, settings: Any = None) -> Any:
    """Write ``code`` (the translation of ``source_path``) into ``directory`` and import it."""
    root = package_root(source_path)
    if root is None or not _has_relative_imports(code):
        out = directory / f"{source_path.stem}.py"
        out.write_text(code, encoding="utf-8")
        return load_module_from_file(out, name=f"_t2p_translated_{source_path.stem}_{path_digest(out.resolve())}")
    from ..diagnostics import Status
    from ..paths import translate_path

    target = directory / root.name
    failed = [r for r in translate_path(root, target, settings=settings) if r.status is Status.FAILED]
    if failed:
        reasons = "; ".join(f"{d.path}: {d.message}" for r in failed for d in r.diagnostics)
        raise ImportError(f"translating the package {root} failed: {reasons}")
    translated = target / source_path.relative_to(root)
    translated.write_text(code, encoding="utf-8")  # the exact text the caller was given
    return import_from_package(translated.resolve(), target.resolve())


def _has_relative_imports(code: str) -> bool:
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return False
    return any(isinstance(node, ast.ImportFrom) and node.level for node in ast.walk(tree))
