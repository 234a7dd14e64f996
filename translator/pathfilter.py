"""Which files of a tree walk to leave out: ``.gitignore`` files and ``exclude`` patterns.

Patterns use gitignore's syntax, matched as git matches them (``man gitignore``):

* a blank line or one starting with ``#`` is nothing; ``\\#`` and ``\\!`` escape;
* ``!pattern`` re-includes what an earlier pattern excluded (not inside an excluded folder:
  the walk does not enter it, as git does not);
* ``pattern/`` matches folders only;
* a pattern with a ``/`` at its start or middle is relative to the folder of the file that
  holds it (``/build``, ``docs/gen``); without one it matches a name at any depth (``*.pyc``);
* ``*`` and ``?`` match within one path segment, ``[a-z]`` a class, ``**`` any number of
  segments (``**/gen``, ``gen/**``, ``a/**/b``).

The last matching pattern decides.  A walk loads the ``.gitignore`` of each folder it enters
(and of the folders above the walk's root up to the repository's top, the folder holding
``.git``), so nested ``.gitignore`` files apply below their folder.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

__all__ = ["PathFilter", "compile_pattern"]


def compile_pattern(pattern: str) -> tuple[re.Pattern, bool, bool] | None:
    """(regex over a ``/``-separated relative path, negated, folders only), or None for a blank
    line or a comment."""
    line = pattern.rstrip("\n\r")
    if not line.endswith("\\ "):
        line = line.rstrip()
    if not line or line.startswith("#"):
        return None
    negate = line.startswith("!")
    if negate:
        line = line[1:]
    elif line.startswith(("\\!", "\\#")):
        line = line[1:]
    dir_only = line.endswith("/")
    line = line.rstrip("/")
    if not line:
        return None
    anchored = "/" in line
    line = line.lstrip("/")
    body = _glob_to_regex(line)
    regex = f"^{body}$" if anchored else f"^(?:.*/)?{body}$"
    return re.compile(regex, re.S), negate, dir_only


def _glob_to_regex(glob: str) -> str:
    out = []
    i, n = 0, len(glob)
    while i < n:
        c = glob[i]
        if c == "*":
            if glob.startswith("**", i):
                at_start = i == 0 or glob[i - 1] == "/"
                after = glob[i + 2:i + 3]
                if at_start and after == "/":
                    out.append("(?:.*/)?")  # `**/`: any number of folders, none included
                    i += 3
                    continue
                if at_start and after == "":
                    out.append(".*")  # `/**` at the end: everything inside
                    i += 2
                    continue
            out.append("[^/]*")
            while i < n and glob[i] == "*":
                i += 1
            continue
        if c == "?":
            out.append("[^/]")
        elif c == "[":
            j = glob.find("]", i + 2 if glob[i + 1:i + 2] in ("!", "^") else i + 1)
            if j < 0:
                out.append(re.escape(c))
            else:
                inner = glob[i + 1:j]
                if inner[:1] in ("!", "^"):
                    inner = "^" + inner[1:]
                out.append("[" + inner.replace("\\", "\\\\") + "]")
                i = j
        elif c == "\\" and i + 1 < n:
            i += 1
            out.append(re.escape(glob[i]))
        else:
            out.append(re.escape(c))
        i += 1
    return "".join(out)


class PathFilter:
    """Patterns, each with the folder it is relative to; ``excluded(path, is_dir)`` says whether
    the last matching one excludes ``path``.  ``gitignore``: read ``.gitignore`` files too."""

    def __init__(self, *, gitignore: bool = True) -> None:
        self.gitignore = gitignore
        self.rules: list[tuple[Path, re.Pattern, bool, bool, str]] = []
        self._loaded: set[Path] = set()

    def add(self, base: Path, patterns: list[str], origin: str) -> None:
        base = Path(os.path.abspath(base))
        for p in patterns:
            compiled = compile_pattern(p)
            if compiled is not None:
                self.rules.append((base, *compiled, origin))

    def enter(self, folder: Path) -> None:
        """Before walking ``folder``: read its ``.gitignore`` (once)."""
        if not self.gitignore:
            return
        folder = Path(os.path.abspath(folder))
        if folder in self._loaded:
            return
        self._loaded.add(folder)
        try:
            text = (folder / ".gitignore").read_text(encoding="utf-8", errors="replace")
        except OSError:
            return
        self.add(folder, text.splitlines(), str(folder / ".gitignore"))

    def enter_root(self, root: Path) -> None:
        """Before walking the tree at ``root``: the ``.gitignore`` files from the repository's top
        (the nearest folder above holding ``.git``) down to ``root``."""
        if not self.gitignore:
            return
        root = Path(os.path.abspath(root))
        chain = [root]
        top = None
        for d in (root, *root.parents):
            if (d / ".git").exists():
                top = d
                break
        if top is not None:
            chain = [d for d in reversed((root, *root.parents)) if d == top or top in d.parents]
        for d in chain:
            self.enter(d)

    def excluded(self, path: Path, is_dir: bool) -> str | None:
        """The origin of the pattern that excludes ``path`` (a ``.gitignore`` or ``exclude``), or
        None when it is kept."""
        path = Path(os.path.abspath(path))
        verdict: str | None = None
        for base, regex, negate, dir_only, origin in self.rules:
            if dir_only and not is_dir:
                continue
            try:
                rel = path.relative_to(base).as_posix()
            except ValueError:
                continue
            if rel == "." or not regex.match(rel):
                continue
            verdict = None if negate else origin
        return verdict
