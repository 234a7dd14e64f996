"""``torch2paddle translate``: files, trees or stdin to stdout, a file, a tree or in place.

Plans the outputs (refusing unsafe ones before anything is written), translates through
:mod:`translator.paths` (in worker processes with ``--jobs``, answered from the result cache
:mod:`translator.cache` when it can), writes or shows the results, and prints the diagnostics,
a progress bar and the summary on stderr.  ``--paddle-version`` becomes the run's
:class:`~translator.settings.Settings`.
"""

from __future__ import annotations

import argparse
import dataclasses
import difflib
import json
import os
import sys
import time
from pathlib import Path
from typing import IO

from .. import codes
from ..diagnostics import Diagnostic, Severity, Status, Translation
from ..report import FileOutcome, Summary, build_report
from ..settings import Settings
from .config import ConfigError, ProjectConfig, find_project, load_config, parse_codes, worker_count
from .output import cache_folder, err, format_diagnostic, use_color

__all__ = ["add_parser", "run"]

STDIN = Path("-")
PROGRESS_MIN_FILES = 20  # a progress bar only for runs longer than this (and only on a terminal)


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "translate",
        help="translate torch source files or trees to Paddle",
        description="Translate PyTorch source to PaddlePaddle. With one file and no -o the result goes to stdout;"
        " '-' reads stdin. Directories are mirrored into -o OUT_DIR.",
    )
    p.add_argument("src", nargs="+", help="a .py file, a directory, or - for stdin")
    p.add_argument("-o", "--output", help="output file (one file) or directory (trees; end with / for a new one)")
    p.add_argument("--in-place", action="store_true", help="rewrite the inputs (only those that change)")
    p.add_argument("--check", action="store_true", help="write nothing; exit 1 if anything would change")
    p.add_argument("--diff", action="store_true", help="write nothing; print a unified diff (may go with --check)")
    p.add_argument("--report", metavar="FILE.json", help="write a JSON report (schema: docs/report-schema.md)")
    p.add_argument("--strict", action="store_true", default=None, help="exit 1 when any code is left untranslated")
    p.add_argument(
        "--jobs", "-j", type=int, default=None,
        help="translate in N worker processes (default, and 0: one per core; output identical for any N)",
    )
    p.add_argument(
        "--no-cache",
        action="store_true",
        help="translate every file again instead of reusing results cached by file content"
        " (in ~/.cache/torch2paddle; TORCH2PADDLE_NO_CACHE=1 also turns it off)",
    )
    p.add_argument(
        "--copy-other", action="store_true", default=None, help="with a directory and -o, copy non-.py files too"
    )
    p.add_argument(
        "--paddle-version",
        metavar="X.Y",
        type=_paddle_version,
        help="oldest Paddle the output must run on (e.g. 2.6): APIs that need a newer one are left and reported",
    )
    p.add_argument(
        "--torch-init", action="store_true", default=None,
        help="give Linear/Conv*/ConvTranspose*/Bilinear/Embedding layers torch's default initialization"
        " (for training from scratch; see docs/weights-and-verify.md)",
    )
    p.add_argument(
        "--no-format",
        action="store_true",
        help="leave the new code as the translation writes it (default: black formats the lines it changed)",
    )
    p.add_argument(
        "--line-length",
        metavar="N",
        type=_line_length,
        help="line length of the new code (default: the project's [tool.black] line-length, else 88)",
    )
    p.add_argument(
        "--library",
        action="append",
        metavar="NAME",
        help="translate the definitions a file imports from this library built on torch (its source, found"
        " without importing it) and carry them with the output; repeatable (default: torchvision)",
    )
    p.add_argument("--no-libraries", action="store_true", help="carry no library definitions (not even torchvision's)")
    noise = p.add_mutually_exclusive_group()
    noise.add_argument("-q", "--quiet", action="store_true", help="print failures only")
    noise.add_argument("-v", "--verbose", action="store_true", help="print every file's status")
    _add_config_options(p)


def _add_config_options(p: argparse.ArgumentParser) -> None:
    """Diagnostic selection, file selection, colour and the project's configuration."""
    g = p.add_argument_group("diagnostics, files and configuration")
    g.add_argument("--select", metavar="CODES", help="report only these codes or prefixes, comma-separated (T2P0,T2P201)")
    g.add_argument("--ignore", metavar="CODES", help="neither report nor mark these codes or prefixes (T2P101,T2P2)")
    g.add_argument("--exclude", metavar="PATTERNS", help="gitignore-style patterns of files and folders to skip in trees, comma-separated (replaces the configured exclude)")
    g.add_argument("--extend-exclude", metavar="PATTERNS", help="patterns to skip besides exclude, comma-separated")
    g.add_argument("--no-gitignore", action="store_true", help="also translate files that .gitignore files ignore")
    g.add_argument("--no-color", action="store_true", help="no colour (also NO_COLOR=1; never colour when stderr is not a terminal)")
    g.add_argument("--config", metavar="PYPROJECT", help="pyproject.toml to read [tool.torch2paddle] from (default: the nearest one above the inputs)")


def _configure(args: argparse.Namespace) -> ProjectConfig:
    """Fill the options not given on the command line from ``[tool.torch2paddle]``, then from
    the defaults; raises ConfigError (a bad file or selector) or UsageError."""
    if args.config:
        pyproject: Path | None = Path(args.config)
        if not pyproject.is_file():
            raise UsageError(f"{args.config}: no such file")
    else:
        pyproject = find_project([Path(s) for s in args.src if s != "-"])
    config = load_config(pyproject)
    where = str(config.path) + ": tool.torch2paddle" if config.path else "configuration"
    args.select = parse_codes(args.select, "--select") if args.select is not None else config.get("select")
    args.ignore = parse_codes(args.ignore, "--ignore") if args.ignore is not None else config.get("ignore", ())
    if args.paddle_version is None and config.get("paddle-version") is not None:
        try:
            args.paddle_version = _paddle_version(config.get("paddle-version"))
        except argparse.ArgumentTypeError as exc:
            raise ConfigError(f"{where}.paddle-version: {exc}") from None
    for key in ("strict", "copy_other", "torch_init"):
        if getattr(args, key) is None:
            setattr(args, key, config.get(key.replace("_", "-"), False))
    args.jobs = worker_count(args.jobs, config)
    return config


def _path_filter(args: argparse.Namespace, config: ProjectConfig):  # type: ignore[no-untyped-def]
    """What tree walks leave out: ``.gitignore`` (unless ``--no-gitignore`` or ``gitignore =
    false``) and the exclude patterns (the command line's relative to the current folder, the
    configuration's to its pyproject.toml's folder)."""
    from ..pathfilter import PathFilter

    gitignore = not args.no_gitignore and config.get("gitignore", True)
    pf = PathFilter(gitignore=gitignore)
    root = config.root or Path.cwd()
    if args.exclude is not None:
        pf.add(Path.cwd(), _patterns(args.exclude), "--exclude")
    else:
        pf.add(root, config.get("exclude", []), f"{config.path}: exclude")
    pf.add(root, config.get("extend-exclude", []), f"{config.path}: extend-exclude")
    if args.extend_exclude is not None:
        pf.add(Path.cwd(), _patterns(args.extend_exclude), "--extend-exclude")
    return pf


def _patterns(text: str) -> list[str]:
    return [p.strip() for p in text.split(",") if p.strip()]


def _paddle_version(text: str) -> str:
    if not text.replace(".", "").isdigit() or text.count(".") > 2 or "" in text.split("."):
        raise argparse.ArgumentTypeError(f"expected a version such as 2.6 or 3.0, got {text!r}")
    return text


def _line_length(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}")
    return int(text)


class UsageError(Exception):
    """Bad arguments or unsafe outputs: reported as one line, exit 2, nothing done."""


def _libraries(args: argparse.Namespace, config: ProjectConfig) -> tuple[str, ...]:
    """The libraries whose definitions are carried: ``--library`` (repeatable), else the
    ``libraries`` list of the project's ``[tool.torch2paddle]``, else torchvision;
    ``--no-libraries``: none."""
    if args.no_libraries:
        return ()
    if args.library:
        return tuple(dict.fromkeys(args.library))
    value = config.get("libraries", ["torchvision"])
    if not all(v.isidentifier() for v in value):  # load_config checked it is a list of strings
        raise UsageError(f"{config.path}: [tool.torch2paddle] libraries must be a list of package names, got {value!r}")
    return tuple(dict.fromkeys(value))


class Progress:
    """``[#####     ] 12/40 path`` redrawn in place on stderr; every other line goes through ``write``."""

    def __init__(self, total: int, stream: IO[str], enabled: bool) -> None:
        self.total, self.stream, self.enabled = total, stream, enabled
        self.done = 0
        self._shown = False
        self._last = 0.0

    def advance(self, label: str) -> None:
        self.done += 1
        if not self.enabled:
            return
        now = time.monotonic()
        if now - self._last < 0.05 and self.done < self.total:
            return
        self._last = now
        width = 30
        filled = width * self.done // max(1, self.total)
        label = label if len(label) <= 50 else "..." + label[-47:]
        self.stream.write(f"\r\x1b[K[{'#' * filled}{' ' * (width - filled)}] {self.done}/{self.total} {label}")
        self.stream.flush()
        self._shown = True

    def clear(self) -> None:
        if self._shown:
            self.stream.write("\r\x1b[K")
            self.stream.flush()
            self._shown = False

    def write(self, line: str) -> None:
        self.clear()
        print(line, file=self.stream)


def _plan_translate(args: argparse.Namespace, skipped: list | None = None, path_filter=None) -> tuple[list, str]:  # type: ignore[no-untyped-def]
    """(planned files, mode); raises UsageError for anything unsafe or contradictory.  What the
    tree walks skipped is added to ``skipped`` (``paths.Skipped``)."""
    from ..paths import OutputPlanError, PlannedFile, plan_outputs

    if args.in_place and (args.check or args.diff):
        raise UsageError("--in-place cannot be combined with --check or --diff")
    if args.output and (args.in_place or args.check or args.diff):
        raise UsageError("-o cannot be combined with --in-place, --check or --diff")
    if args.jobs < 0:
        raise UsageError("--jobs must be 0 (one per core) or more")
    if args.copy_other and not args.output:
        raise UsageError("--copy-other needs -o OUT_DIR")
    use_stdin = "-" in args.src
    if use_stdin and len(args.src) > 1:
        raise UsageError("'-' (stdin) cannot be combined with other inputs")
    if use_stdin and args.in_place:
        raise UsageError("--in-place needs files, not stdin")
    srcs = [Path(s) for s in args.src if s != "-"]
    for s in srcs:
        if not s.exists():
            raise UsageError(f"{s}: no such file or directory")
    if args.check:
        mode = "check"
    elif args.diff:
        mode = "diff"
    elif args.in_place:
        mode = "in-place"
    elif args.output:
        mode = "output"
    elif use_stdin or (len(srcs) == 1 and not srcs[0].is_dir()):
        mode = "stdout"
    else:
        raise UsageError("translating a directory or several files needs -o OUT_DIR, --in-place, --check or --diff")
    out = Path(args.output) if args.output else None
    tree_out = len(srcs) > 1 or any(s.is_dir() for s in srcs)
    if out is not None and tree_out and out.exists() and not out.is_dir():
        raise UsageError(f"{out}: not a directory")
    if use_stdin:
        if out is not None and (out.is_dir() or args.output.endswith(("/", os.sep))):
            raise UsageError(f"{out}: with stdin, -o names the output file, not a directory")
        return [PlannedFile(STDIN, out)], mode
    try:
        plan = plan_outputs(
            srcs,
            out,
            out_is_dir=bool(args.output) and args.output.endswith(("/", os.sep)),
            include_other=args.copy_other,
            skipped=skipped,
            path_filter=path_filter,
        )
    except OutputPlanError as exc:
        raise UsageError(str(exc)) from None
    if mode == "in-place":
        plan = [dataclasses.replace(p, target=p.src) for p in plan]
    if args.report:
        report = Path(args.report).resolve()
        if any(p.src.resolve() == report for p in plan):
            raise UsageError(f"{args.report}: the report would overwrite an input")
    return plan, mode


def run(args: argparse.Namespace) -> int:
    """``torch2paddle translate``: translate, write or show, report; returns the exit code."""
    from ..paths import (
        copy_atomic, decode_source, source_encoding, translate_many, translate_text, with_failure, write_if_changed,
    )

    try:
        config = _configure(args)
    except (ConfigError, UsageError) as exc:
        err(str(exc))
        return 2
    # this process and its workers parse in a single thread: the parser's output may be trusted
    from ..packages import tree_root_of

    srcs = [Path(s) for s in args.src if s != "-" and Path(s).exists()]
    color = use_color(sys.stderr, args.no_color)
    skipped: list = []
    try:
        libraries = _libraries(args, config)
        plan, mode = _plan_translate(args, skipped, _path_filter(args, config))
        style = _style(args, config)
    except UsageError as exc:
        err(str(exc))
        return 2
    settings = Settings(
        paddle_version=args.paddle_version, trust_parser=True, cache_dir=cache_folder(),
        torch_init=args.torch_init, select=args.select, ignore=args.ignore, **style,
        libraries=libraries, tree_root=tree_root_of(srcs),
    )
    copies = [p for p in plan if p.copy]
    plan = [p for p in plan if not p.copy]
    stderr = sys.stderr
    progress = Progress(
        len(plan), stderr, enabled=len(plan) > PROGRESS_MIN_FILES and not args.quiet and stderr.isatty()
    )
    if plan and plan[0].src == STDIN:
        text, error = decode_source(sys.stdin.buffer.read(), "-")
        if error is not None:
            results = iter([Translation("-", "", "", Status.FAILED, [error])])
        else:
            results = iter([translate_text(text or "", "-", settings=settings)])
    else:
        results = translate_many([p.src for p in plan], args.jobs, cache=_result_cache(args), settings=settings)
        if mode == "output" and len(srcs) == 1 and srcs[0].is_dir() and settings.libraries is not None:
            results = iter(_share_support(list(results), plan, srcs[0], Path(args.output), stderr,
                                          settings.line_length))

    unreadable = report_skipped(skipped, progress.write, verbose=args.verbose)
    summary = Summary()
    outcomes: list[FileOutcome] = []
    show_notes = not args.quiet or args.strict
    for item, result in zip(plan, results):
        progress.advance(str(item.src))
        outcome = FileOutcome(result, str(item.target) if item.target is not None else None)
        if result.status is Status.FAILED:
            for d in result.diagnostics:
                progress.write(format_diagnostic(d, failed=True, color=color))
        else:
            if show_notes:
                for d in result.diagnostics:
                    if d.severity is Severity.ERROR or not args.quiet:
                        progress.write(format_diagnostic(d, color=color))
            if mode == "check" and result.changed and not args.quiet:
                progress.write(f"would translate {result.path}")
            if args.diff and result.changed:
                progress.clear()
                sys.stdout.writelines(_unified_diff(result))
                sys.stdout.flush()
            elif mode == "stdout":
                sys.stdout.write(result.code)
            elif mode in ("output", "in-place") and item.target is not None:
                if mode == "output" or result.changed:
                    try:
                        outcome.written = write_if_changed(item.target, result.code, source_encoding(item.src))
                    except OSError as exc:
                        diag = Diagnostic(str(item.target), 0, 0, codes.WRITE_ERROR, f"cannot write: {exc.strerror or exc}")
                        outcome = FileOutcome(with_failure(result, diag), outcome.output)
                        progress.write(format_diagnostic(diag, failed=True, color=color))
        if args.verbose:
            state = outcome.result.status.value
            if mode in ("check", "diff") and outcome.result.changed:
                state = "would be translated"
            progress.write(f"{outcome.result.path}: {state}")
        summary.add(outcome.result)
        outcomes.append(outcome)
    progress.clear()

    copy_failed = 0
    for item in copies:
        assert item.target is not None
        try:
            copy_atomic(item.src, item.target)
        except OSError as exc:
            copy_failed += 1
            err(f"{item.target}: cannot copy {item.src}: {exc.strerror or exc}")

    if summary.failed or copy_failed or unreadable:
        code = 2
    elif mode == "check" and any(o.result.changed for o in outcomes):
        code = 1
    elif args.strict and summary.untranslated:
        code = 1
    else:
        code = 0
    if args.report:
        from ..paths import write_atomic

        report = build_report(outcomes, summary, mode=mode, exit_code=code)
        try:
            write_atomic(Path(args.report), json.dumps(report, indent=2) + "\n")
        except OSError as exc:
            err(f"{args.report}: cannot write the report: {exc.strerror or exc}")
            code = 2
    if not args.quiet and (mode != "stdout" or args.verbose):
        line = summary.line(would=mode in ("check", "diff"))
        if unreadable:
            line += f"; {unreadable} folder(s) could not be read"
        print(line, file=stderr)
    return code


def _style(args: argparse.Namespace, config: ProjectConfig) -> dict:
    """The formatting fields of the run's Settings: ``--no-format``, ``--line-length`` and the
    project's ``pyproject.toml`` (``cli/style.py``)."""
    from .style import read_style

    if args.no_format:
        return {"format": False}
    try:
        style = read_style(config.path) if config.path is not None else {}
    except ConfigError as exc:
        raise UsageError(str(exc)) from None
    if args.line_length is not None:
        style["line_length"] = args.line_length
    return style


def _share_support(results: list, plan: list, src: Path, out: Path, stderr: IO[str], line_length: int) -> list:
    """A tree's support code moved into one module at the output root (``shared_support``)."""
    from ..paths import write_if_changed
    from ..shared_support import MODULE, occupied, share_tree

    own = occupied(src, out)
    if own is not None:
        print(f"{own}: the user's own file, not a support module torch2paddle wrote: the tree's support "
              f"code stays in each file (no shared {MODULE}.py)", file=stderr)
        return results
    shared, module = share_tree(results, [p.target for p in plan], src, out, line_length)
    if module is not None:
        try:
            out.mkdir(parents=True, exist_ok=True)
            write_if_changed(out / f"{MODULE}.py", module)
        except OSError as exc:
            err(f"{out / (MODULE + '.py')}: cannot write: {exc.strerror or exc}")
            return results
    return shared


def report_skipped(skipped: list, write, *, verbose: bool) -> int:  # type: ignore[no-untyped-def]
    """Say what the tree walks skipped: folders that cannot be read (``path: io: ...``) and
    files that are not regular files always, skipped folders with ``--verbose``; returns how
    many folders could not be read (they fail the run)."""
    failed = 0
    for s in skipped:
        if s.level == "error":
            failed += 1
            write(format_diagnostic(Diagnostic(str(s.path), 0, 0, codes.READ_ERROR, s.reason), failed=True))
        elif s.level == "warning":
            write(f"{s.path}: skipped: {s.reason}")
        elif verbose:
            write(f"{s.path}: skipped: {s.reason}")
    return failed


def _result_cache(args: argparse.Namespace):  # type: ignore[no-untyped-def]
    """The result cache for this run, or None: ``--no-cache`` or ``TORCH2PADDLE_NO_CACHE=1``
    turn it off; it lives in ``$TORCH2PADDLE_CACHE_DIR`` or ``$XDG_CACHE_HOME/torch2paddle``."""
    if args.no_cache or os.environ.get("TORCH2PADDLE_NO_CACHE", "") not in ("", "0"):
        return None
    from ..cache import ResultCache
    from ..diskcache import cache_dir
    from ..rules import rules_dir

    return ResultCache.default(cache_dir(os.environ), rules_dir())


def _unified_diff(result: Translation) -> list[str]:
    lines = list(
        difflib.unified_diff(
            result.source.splitlines(keepends=True),
            result.code.splitlines(keepends=True),
            fromfile=f"a/{result.path}",
            tofile=f"b/{result.path}",
        )
    )
    return [line if line.endswith("\n") else line + "\n\\ No newline at end of file\n" for line in lines]

