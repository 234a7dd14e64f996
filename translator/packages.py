"""Which folders above a file are Python packages: the one walk up ``__init__.py`` files that
name resolution, support code, the result cache and verify all read."""

from __future__ import annotations

import os
from pathlib import Path


def package_dirs(path: str | os.PathLike[str]) -> list[Path]:
    """The package folders containing the file at ``path`` (resolved), innermost first: its
    folder, that folder's parent, ... as long as each has an ``__init__.py``."""
    folder = Path(path).resolve().parent
    dirs: list[Path] = []
    while (folder / "__init__.py").is_file():
        dirs.append(folder)
        if folder.parent == folder:
            break
        folder = folder.parent
    return dirs


def package_root(path: str | os.PathLike[str]) -> Path | None:
    """The outermost package folder containing the file at ``path``, or None outside a package."""
    dirs = package_dirs(path)
    return dirs[-1] if dirs else None


def tree_root_of(srcs: list[Path]) -> str | None:
    """The folder a run over ``srcs`` translates as one tree: the common folder of the
    directories and files given, when a directory or several inputs are given; else None."""
    if not srcs or (len(srcs) == 1 and not srcs[0].is_dir()):
        return None
    folders = [str(s.resolve() if s.is_dir() else s.resolve().parent) for s in srcs]
    return os.path.commonpath(folders)
