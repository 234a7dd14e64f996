"""The ``torch2paddle`` command line.

Exit codes: 0 ok; 1 ``--check`` would change files, ``--strict`` found untranslated code, or
``verify`` found a mismatch; 2 bad usage or bad input (nothing is written for a bad file).
"""

from __future__ import annotations

import argparse
import difflib
import json
import os
import sys
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Sequence

from .diagnostics import Diagnostic, Severity, Status, Translation

REPORT_SCHEMA_VERSION = 1


def _translate_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "translate",
        help="translate torch source files or trees to Paddle",
        description="Translate PyTorch source to PaddlePaddle. With one file and no -o the result goes to stdout;"
        " '-' reads stdin. Directories are mirrored into -o OUT_DIR.",
    )
    p.add_argument("src", nargs="+", help="a .py file, a directory, or - for stdin")
    p.add_argument("-o", "--output", help="output file (one file) or directory (trees)")
    p.add_argument("--in-place", action="store_true", help="rewrite the inputs")
    p.add_argument("--check", action="store_true", help="write nothing; exit 1 if anything would change")
    p.add_argument("--diff", action="store_true", help="write nothing; print a unified diff")
    p.add_argument("--report", metavar="FILE.json", help="write a JSON report (schema in README)")
    p.add_argument("--strict", action="store_true", help="exit 1 when any code is left untranslated")
    p.add_argument("--jobs", "-j", type=int, default=1, help="translate N files in parallel (output identical)")
    p.add_argument("--copy-other", action="store_true", help="with a directory, copy non-.py files too")
    p.add_argument("-q", "--quiet", action="store_true", help="print errors only")
    p.add_argument("-v", "--verbose", action="store_true", help="print every file's status")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="torch2paddle", description="Translate PyTorch code to PaddlePaddle.")
    parser.add_argument("--version", action="version", version="torch2paddle 0.1.0")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    _translate_parser(sub)
    sub.add_parser("convert-weights", help="convert a torch checkpoint to .pdparams", add_help=False)
    sub.add_parser("verify", help="translate, weight-load and diff-test a model", add_help=False)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] == "convert-weights":
        from .weights import main_convert_weights

        return main_convert_weights(argv[1:])
    if argv and argv[0] == "verify":
        from .verify import main_verify

        return main_verify(argv[1:])
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:
        return 2 if exc.code not in (0, None) else 0
    if args.command != "translate":
        parser.print_help(sys.stderr)
        return 2
    return _run_translate(args)


def _err(msg: str) -> None:
    print(f"torch2paddle: error: {msg}", file=sys.stderr)


def _translate_one(item: tuple[str, str | None]) -> Translation:
    from .engine import translate_source
    from .paths import translate_file

    path, stdin_text = item
    if stdin_text is not None:
        return translate_source(stdin_text, path="-")
    return translate_file(Path(path))


def _run_translate(args: argparse.Namespace) -> int:
    from .paths import iter_python_files, write_atomic

    modes = sum(bool(x) for x in (args.in_place, args.check, args.diff))
    if modes > 1:
        _err("--in-place, --check and --diff are exclusive")
        return 2
    if args.output and (args.in_place or args.check or args.diff):
        _err("-o cannot be combined with --in-place, --check or --diff")
        return 2
    if args.jobs < 1:
        _err("--jobs must be at least 1")
        return 2
    srcs = [Path(s) for s in args.src if s != "-"]
    use_stdin = "-" in args.src
    if use_stdin and len(args.src) > 1:
        _err("'-' (stdin) cannot be combined with other inputs")
        return 2
    for s in srcs:
        if not s.exists():
            _err(f"{s}: no such file or directory")
            return 2
    writes_files = not (args.check or args.diff)
    to_stdout = False
    out_root: Path | None = Path(args.output) if args.output else None
    if not args.in_place and writes_files and out_root is None:
        if use_stdin or (len(srcs) == 1 and srcs[0].is_file()):
            to_stdout = True
        else:
            _err("translating a directory or several files needs -o OUT_DIR, --in-place, --check or --diff")
            return 2
    if use_stdin and args.in_place:
        _err("--in-place needs files, not stdin")
        return 2
    if out_root is not None:
        resolved_out = out_root.resolve()
        for s in srcs:
            rs = s.resolve()
            if s.is_dir() and (resolved_out == rs or rs in resolved_out.parents):
                _err(f"{out_root}: output directory is inside the input tree {s}")
                return 2
            if s.is_file() and resolved_out == rs:
                _err(f"{out_root}: output would overwrite the input; use --in-place")
                return 2
        if len(srcs) > 1 or any(s.is_dir() for s in srcs):
            if out_root.exists() and not out_root.is_dir():
                _err(f"{out_root}: not a directory")
                return 2

    # (input path, stdin text, output path)
    jobs: list[tuple[Path | None, Path | None]] = []
    stdin_text = None
    if use_stdin:
        stdin_text = sys.stdin.read()
        jobs.append((None, None))
    for s in srcs:
        for f in iter_python_files(s):
            if out_root is None:
                target = f if args.in_place else None
            elif s.is_dir():
                target = out_root / s.name / f.relative_to(s) if len(srcs) > 1 else out_root / f.relative_to(s)
            elif len(srcs) > 1 or out_root.is_dir():
                target = out_root / f.name
            else:
                target = out_root
            jobs.append((f, target))

    items = [(str(f) if f else "-", stdin_text if f is None else None) for f, _ in jobs]
    if args.jobs > 1 and len(items) > 1:
        with ProcessPoolExecutor(max_workers=args.jobs) as pool:
            results = list(pool.map(_translate_one, items, chunksize=max(1, len(items) // (args.jobs * 4))))
    else:
        results = [_translate_one(it) for it in items]

    failed = changed = untranslated = 0
    missing: Counter = Counter()
    for (src, target), result in zip(jobs, results):
        for d in result.diagnostics:
            if d.severity is Severity.ERROR or not args.quiet:
                print(str(d), file=sys.stderr)
            if d.severity is Severity.ERROR and result.status is not Status.FAILED:
                missing[d.code] += 1
        if result.status is Status.FAILED:
            failed += 1
            continue
        untranslated += len(result.errors)
        if result.changed:
            changed += 1
        if args.verbose:
            print(f"{result.path}: {result.status.value}", file=sys.stderr)
        if args.diff and result.changed:
            sys.stdout.writelines(
                difflib.unified_diff(
                    result.source.splitlines(keepends=True),
                    result.code.splitlines(keepends=True),
                    fromfile=f"a/{result.path}",
                    tofile=f"b/{result.path}",
                )
            )
        elif to_stdout:
            sys.stdout.write(result.code)
        elif writes_files and target is not None:
            if args.in_place and not result.changed:
                continue
            try:
                write_atomic(target, result.code)
            except OSError as exc:
                _err(f"{target}: cannot write: {exc.strerror or exc}")
                failed += 1
    if args.copy_other and out_root is not None:
        _copy_other(srcs, out_root)
    if args.report:
        _write_report(Path(args.report), results)
    if not args.quiet and not to_stdout:
        verb = "would change" if args.check or args.diff else "changed"
        summary = f"{len(results)} file(s): {changed} {verb}, {len(results) - changed - failed} unchanged, {failed} failed"
        if untranslated:
            top = ", ".join(f"{k} ({v})" for k, v in missing.most_common(5))
            summary += f"; {untranslated} untranslated spot(s), most often: {top}"
        print(summary, file=sys.stderr)
    if failed:
        return 2
    if args.check and changed:
        return 1
    if args.strict and untranslated:
        return 1
    return 0


def _copy_other(srcs: list[Path], out_root: Path) -> None:
    import shutil

    for s in srcs:
        if not s.is_dir():
            continue
        for dirpath, dirnames, filenames in os.walk(s):
            dirnames[:] = [d for d in dirnames if d not in {".git", "__pycache__"}]
            for name in filenames:
                if name.endswith(".py"):
                    continue
                src = Path(dirpath) / name
                dst = out_root / src.relative_to(s)
                dst.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(src, dst)


def _write_report(path: Path, results: list[Translation]) -> None:
    from .paths import write_atomic

    counts = Counter(r.status.value for r in results)
    report = {
        "schema": REPORT_SCHEMA_VERSION,
        "files": [r.to_json() for r in results],
        "summary": {
            "files": len(results),
            "translated": counts.get("translated", 0),
            "unchanged": counts.get("unchanged", 0),
            "failed": counts.get("failed", 0),
            "untranslated": sum(len(r.errors) for r in results),
        },
    }
    write_atomic(path, json.dumps(report, indent=2) + "\n")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
