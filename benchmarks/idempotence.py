#!/usr/bin/env python3
"""Idempotence on real code: translate every .py file of the installed torch and torchvision
(or the folders given), translate each output again, and count the files whose second pass
changes the code (the project's own pre-commit check would fail on them).

    python benchmarks/idempotence.py                 # torch and torchvision, 2 processes
    python benchmarks/idempotence.py DIR [DIR...]    # other trees (or files)
    python benchmarks/idempotence.py --limit 300     # the first 300 files (a quick look)
    python benchmarks/idempotence.py --every 10      # every 10th file (a sample of the whole set)
    python benchmarks/idempotence.py --only 'torch/nn/*'   # files whose path matches a glob
    python benchmarks/idempotence.py --from-list changed.txt  # the files named in a list
    python benchmarks/idempotence.py --progress 50   # a line on stderr every 50 files

Changed files are printed as they are found (and files whose first pass failed or crashed);
``--changed-list FILE`` also writes the paths of the changed and crashed ones.

Prints one line per changed file with the first differing line of each pass, then a table.
"""

from __future__ import annotations

import argparse
import fnmatch
import importlib.util
import multiprocessing
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _installed(name: str) -> Path | None:
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(list(spec.submodule_search_locations)[0])


def _check(path: str) -> tuple[str, str, str | None]:
    """(path, status of the first pass, the first line that differs on the second pass or None)."""
    from translator.settings import Settings
    from translator.translate.pipeline import translate_source

    settings = Settings(trust_parser=True)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (UnicodeDecodeError, OSError):
        return path, "unreadable", None
    try:
        first = translate_source(text, path=path, settings=settings)
        if first.status.value == "failed":
            return path, "failed", None
        second = translate_source(first.code, path=path, settings=settings)
    except Exception as error:  # translate_source is documented never to raise: count it
        return path, "crashed", f"{type(error).__name__}: {error}"[:200]
    if second.code == first.code:
        return path, first.status.value, None
    a, b = first.code.splitlines(), second.code.splitlines()
    i = next((i for i, (x, y) in enumerate(zip(a, b)) if x != y), min(len(a), len(b)))
    shown = f"line {i + 1}: {a[i].strip()[:80] if i < len(a) else '<end>'!r} -> {b[i].strip()[:80] if i < len(b) else '<end>'!r}"
    return path, first.status.value, shown


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("dirs", nargs="*", type=Path)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--limit", type=int, default=0, help="only the first N files")
    parser.add_argument("--every", type=int, default=1, help="only every Nth file (a sample)")
    parser.add_argument("--only", action="append", default=[], help="only paths matching this glob")
    parser.add_argument("--from-list", type=Path, help="only the files listed in this file")
    parser.add_argument("--changed-list", type=Path, help="write the changed files' paths here")
    parser.add_argument("--progress", type=int, default=0, metavar="N", help="say on stderr every N files how far it is")
    args = parser.parse_args(argv)
    if args.from_list:
        files = [line.strip() for line in args.from_list.read_text().splitlines() if line.strip()]
    else:
        dirs = args.dirs or [d for d in (_installed("torch"), _installed("torchvision")) if d is not None]
        files = sorted(str(p) for d in dirs for p in ([d] if d.is_file() else d.rglob("*.py")))
    if args.only:
        files = [f for f in files if any(fnmatch.fnmatch(f, "*" + g.lstrip("*")) for g in args.only)]
    files = files[:: max(args.every, 1)]
    if args.limit:
        files = files[: args.limit]
    start = time.perf_counter()
    results = []
    with multiprocessing.get_context("fork").Pool(args.jobs) as pool:
        for path, status, diff in pool.imap_unordered(_check, files, chunksize=4):
            results.append((path, status, diff))
            if args.progress and len(results) % args.progress == 0:
                print(f"{len(results)}/{len(files)} files ({time.perf_counter() - start:.0f} s)", file=sys.stderr, flush=True)
            if status == "crashed":
                print(f"crashed: {path}: {diff}", flush=True)
            elif diff is not None:
                print(f"changes on a second pass: {path}: {diff}", flush=True)
            elif status in ("failed", "unreadable"):
                print(f"first pass {status}: {path}", flush=True)
    changed = sorted((p, s, d) for p, s, d in results if d is not None and s != "crashed")
    if args.changed_list:  # (and the crashed ones: both are what a re-run wants)
        args.changed_list.write_text("".join(f"{p}\n" for p, _s, d in sorted(results) if d is not None))
    counts: dict[str, int] = {}
    for _p, status, _d in results:
        counts[status] = counts.get(status, 0) + 1
    print()
    print(f"{'files':>8} {'changed on 2nd pass':>20}  first-pass status counts   ({time.perf_counter() - start:.0f} s)")
    print(f"{len(results):>8} {len(changed):>20}  {dict(sorted(counts.items()))}")
    return 1 if changed or counts.get("crashed") else 0


if __name__ == "__main__":
    sys.exit(main())
