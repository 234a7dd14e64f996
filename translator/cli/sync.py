"""``torch2paddle sync``: keep Paddle outputs in step with their torch sources.

Configured in the project's ``pyproject.toml``::

    [tool.torch2paddle]
    sync = [
        { src = "torch_models", dst = "paddle_models" },
        { src = "scripts/train.py", dst = "paddle_scripts/train.py", strict = true },
    ]

Keys of an entry: ``src`` and ``dst`` (paths relative to the pyproject.toml's folder; a folder
is mirrored, a file goes to a file), ``copy_other`` (also copy non-``.py`` files), ``prune``
(delete destination files that no longer have a source; off by default, since a Paddle tree may
hold hand-written modules) and ``strict`` (exit 1 while any code is left untranslated).

The destination is generated: hand edits there are overwritten on the next sync.  Only files
whose translation differs from what is on disk are written (atomically), so a sync that finds
everything up to date touches nothing.  Exit 0 all up to date; 1 something was updated (or,
with ``--check``, would be) or ``strict`` found untranslated code; 2 bad configuration or a
source that cannot be translated (the other files are still synced).
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import sys
from pathlib import Path

from ..diagnostics import Severity, Status
from ..settings import Settings
from .config import ConfigError, find_pyproject, load_config, load_pyproject, worker_count
from .output import cache_folder, err, format_diagnostic
from .style import read_style

__all__ = ["SyncConfigError", "SyncEntry", "add_parser", "find_pyproject", "load_sync_config", "main_sync"]

_KEYS = {"src", "dst", "copy_other", "prune", "strict"}


class SyncConfigError(ConfigError):
    """The ``[tool.torch2paddle]`` table is missing or malformed; the message says where."""


@dataclasses.dataclass(frozen=True)
class SyncEntry:
    src: Path
    dst: Path
    copy_other: bool = False
    prune: bool = False
    strict: bool = False
    dst_is_dir: bool = False  # ``dst`` was written with a trailing slash


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "sync",
        help="regenerate the Paddle outputs configured in pyproject.toml",
        description="Translate each [[tool.torch2paddle.sync]] source into its destination, writing only"
        " files whose translation differs. Exit 1 when anything was (or, with --check, would be) updated.",
    )
    p.add_argument("--config", metavar="PYPROJECT", help="pyproject.toml to read (default: nearest one upward)")
    p.add_argument("--check", action="store_true", help="write nothing; exit 1 if an output is out of date")
    p.add_argument(
        "--jobs", "-j", type=int, default=None,
        help="translate in N worker processes (default, and 0: one per core; output identical for any N)",
    )
    noise = p.add_mutually_exclusive_group()
    noise.add_argument("-q", "--quiet", action="store_true", help="print failures only")
    noise.add_argument("-v", "--verbose", action="store_true", help="print every file's status")



def load_sync_config(pyproject: Path) -> list[SyncEntry]:
    """The ``sync`` entries of ``[tool.torch2paddle]``, paths resolved against the file's folder."""
    table = load_pyproject(pyproject).get("torch2paddle")
    if table is None:
        raise SyncConfigError(f"{pyproject}: no [tool.torch2paddle] table")
    entries = table.get("sync")
    if not isinstance(entries, list) or not entries:
        raise SyncConfigError(
            f"{pyproject}: [tool.torch2paddle] needs sync = [{{ src = \"...\", dst = \"...\" }}, ...]"
        )
    root = pyproject.parent
    out: list[SyncEntry] = []
    for i, entry in enumerate(entries, 1):
        where = f"{pyproject}: tool.torch2paddle.sync entry {i}"
        if not isinstance(entry, dict):
            raise SyncConfigError(f"{where}: expected a table like {{ src = \"...\", dst = \"...\" }}")
        unknown = set(entry) - _KEYS
        if unknown:
            raise SyncConfigError(f"{where}: unknown key(s) {sorted(unknown)}; known: {sorted(_KEYS)}")
        for key in ("src", "dst"):
            if not isinstance(entry.get(key), str) or not entry[key].strip():
                raise SyncConfigError(f"{where}: '{key}' must be a non-empty path string")
        for key in ("copy_other", "prune", "strict"):
            if not isinstance(entry.get(key, False), bool):
                raise SyncConfigError(f"{where}: '{key}' must be true or false")
        src, dst = root / entry["src"], root / entry["dst"]
        rs, rd, project = src.resolve(), dst.resolve(), root.resolve()
        for key, resolved in (("src", rs), ("dst", rd)):
            if resolved != project and project not in resolved.parents:
                raise SyncConfigError(
                    f"{where}: {key} {entry[key]!r} is outside the project ({project}); "
                    "sync reads and writes only under the pyproject.toml's folder"
                )
        if not src.exists():
            raise SyncConfigError(f"{where}: src {src} does not exist")
        if rs == rd or (src.is_dir() and rs in rd.parents) or rd in rs.parents:
            raise SyncConfigError(f"{where}: src {entry['src']!r} and dst {entry['dst']!r} must not contain each other")
        out.append(
            SyncEntry(
                src,
                dst,
                copy_other=entry.get("copy_other", False),
                prune=entry.get("prune", False),
                strict=entry.get("strict", False),
                dst_is_dir=entry["dst"].endswith(("/", os.sep)),
            )
        )
    return out


def _rel(path: Path) -> str:
    try:
        return os.path.relpath(path)
    except ValueError:  # another drive
        return str(path)


def main_sync(args: argparse.Namespace) -> int:
    """``torch2paddle sync``; returns the exit code."""
    from ..paths import (
        OutputPlanError,
        copy_atomic,
        iter_other_files,
        iter_python_files,
        encode_source,
        plan_outputs,
        source_encoding,
        translate_many,
        write_atomic,
    )

    if args.jobs is not None and args.jobs < 0:
        err("--jobs must be 0 (one per core) or more")
        return 2
    pyproject = Path(args.config) if args.config else find_pyproject(Path.cwd())
    if pyproject is None:
        err("no pyproject.toml here or in a folder above; pass --config PYPROJECT")
        return 2
    if not pyproject.is_file():
        err(f"{pyproject}: no such file")
        return 2
    try:
        pyproject = Path(os.path.relpath(pyproject))  # messages name paths as the user sees them
    except ValueError:  # another drive
        pass
    skipped: list = []
    try:
        config = load_config(pyproject)
        entries = load_sync_config(pyproject)
        plans = [
            (e, plan_outputs([e.src], e.dst, out_is_dir=e.dst_is_dir, include_other=e.copy_other, skipped=skipped))
            for e in entries
        ]
        style = read_style(pyproject)  # the new code is formatted in the project's style
    except (ConfigError, OutputPlanError) as exc:
        err(str(exc))
        return 2
    jobs = worker_count(args.jobs, config)
    from .translate import report_skipped

    unreadable = report_skipped(skipped, lambda line: print(line, file=sys.stderr), verbose=args.verbose)

    settings = Settings(  # (single-threaded parsing: the parser's output may be trusted)
        trust_parser=True, cache_dir=cache_folder(), paddle_version=config.get("paddle-version"),
        select=config.get("select"), ignore=config.get("ignore", ()), **style,
    )
    say = (lambda line: None) if args.quiet else (lambda line: print(line, file=sys.stderr))
    would = "would " if args.check else ""
    updated = failed = up_to_date = untranslated = 0
    for entry, plan in plans:
        py = [p for p in plan if not p.copy]
        for item, result in zip(py, translate_many([p.src for p in py], jobs, settings=settings)):
            assert item.target is not None
            if result.status is Status.FAILED:
                failed += 1
                for d in result.diagnostics:
                    print(format_diagnostic(d, failed=True), file=sys.stderr)
                continue
            if entry.strict:
                errors = [d for d in result.diagnostics if d.severity is Severity.ERROR]
                untranslated += len(errors)
                for d in errors:  # these make the run fail: shown even when the output is up to date
                    print(format_diagnostic(d), file=sys.stderr)
            encoding = source_encoding(item.src)
            try:
                current = item.target.read_bytes() if item.target.is_file() else None
                wanted = encode_source(result.code, encoding)
            except OSError:
                current = wanted = None
            if current is not None and current == wanted:
                up_to_date += 1
                if args.verbose:
                    say(f"{_rel(item.target)}: up to date")
                continue
            if not args.check:
                try:
                    write_atomic(item.target, result.code, encoding)
                except OSError as exc:
                    failed += 1
                    err(f"{_rel(item.target)}: cannot write: {exc.strerror or exc}")
                    continue
            updated += 1
            say(f"{_rel(item.target)}: {would}update from {_rel(item.src)}")
            if not args.quiet:
                for d in result.diagnostics:
                    if not (entry.strict and d.severity is Severity.ERROR):  # those were shown above
                        print(format_diagnostic(d), file=sys.stderr)
        for item in (p for p in plan if p.copy):
            assert item.target is not None
            try:
                same = item.target.is_file() and item.target.read_bytes() == item.src.read_bytes()
            except OSError:
                same = False
            if same:
                up_to_date += 1
                continue
            if not args.check:
                try:
                    copy_atomic(item.src, item.target)
                except OSError as exc:
                    failed += 1
                    err(f"{_rel(item.target)}: cannot copy: {exc.strerror or exc}")
                    continue
            updated += 1
            say(f"{_rel(item.target)}: {would}copy from {_rel(item.src)}")
        if entry.dst.is_dir() and entry.src.is_dir():
            targets = {p.target.resolve() for p in plan if p.target is not None}
            present = iter_python_files(entry.dst) + (iter_other_files(entry.dst) if entry.copy_other else [])
            # dst resolves inside the project (load_sync_config) and the walk follows no links to
            # folders: what is deleted is under dst (a link found there goes, not its target)
            for stale in (p for p in present if p.resolve() not in targets):
                if not entry.prune:
                    if args.verbose:
                        say(f"{_rel(stale)}: no source in {_rel(entry.src)} (set prune = true to delete)")
                    continue
                if not args.check:
                    try:
                        stale.unlink()
                    except OSError as exc:
                        failed += 1
                        err(f"{_rel(stale)}: cannot delete: {exc.strerror or exc}")
                        continue
                updated += 1
                say(f"{_rel(stale)}: {would}delete (its source is gone)")
    failed += unreadable
    verb = "would be updated" if args.check else "updated"
    text = f"sync: {updated} {verb}, {up_to_date} up to date, {failed} failed"
    if updated and not args.check:
        text += "; stage the updated files"
    if untranslated:
        text += f"; {untranslated} spot(s) left untranslated (strict)"
    say(text)
    if failed:
        return 2
    return 1 if updated or untranslated else 0
