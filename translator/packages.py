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
