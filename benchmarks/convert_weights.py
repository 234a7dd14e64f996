#!/usr/bin/env python3
"""Benchmark: converting a ResNet-152-sized checkpoint, against a plain copy of the same bytes.

    python benchmarks/convert_weights.py              # 3 repetitions per row
    python benchmarks/convert_weights.py --repeat 1   # quicker
    python benchmarks/convert_weights.py --json out.json

A torch ``resnet152`` with random weights is saved with ``torch.save`` into a temporary folder
(about 230 MB; torchvision's pure-Python model code is imported through
``translator.verify.load_torchvision_module``). Every row then runs in a fresh process and
reports:

* time: the operation itself, measured inside the process (median of ``--repeat`` runs), and
  the whole process including interpreter start-up and imports;
* peak RSS: ``ru_maxrss`` of that process (from ``os.wait4``), and the same minus the RSS of a
  process that only did the row's imports, i.e. what the operation itself added. Pages of a
  memory-mapped checkpoint count towards RSS once touched (they are file-backed and can be
  dropped by the kernel at any time, unlike heap);
* heap peak: ``tracemalloc``'s peak during the operation (a separate run, since tracing slows
  Python down).

Rows:

* ``copy``: ``shutil.copyfile`` of the checkpoint (the baseline every ratio refers to);
* ``read+write``: ``read()`` the whole file, ``write()`` it out (what holding one copy costs);
* ``convert``: ``torch2paddle convert-weights CKPT -o OUT.pdparams`` (no torch imported);
* ``convert --model``: the same with the translated Paddle ``resnet152`` to map names to
  (``paddle.LazyGuard`` is not used: this is what a user runs; model build is in the time);
* ``torch.load``: ``torch.load(mmap=True, weights_only=True)`` plus ``.numpy()`` on each tensor
  and a ``pickle`` of the result, for reference.

All runs read the checkpoint from the page cache (it was just written).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# Each row: (name, imports, operation). The child runs the imports, then times the operation.
ROWS = [
    ("copy", "import shutil", "shutil.copyfile(CKPT, OUT)"),
    (
        "read+write",
        "",
        "data = open(CKPT, 'rb').read()\nwith open(OUT, 'wb') as f:\n    f.write(data)\ndel data",
    ),
    (
        "convert",
        "from translator.weights.cli import main_convert_weights",
        "assert main_convert_weights([CKPT, '-o', OUT]) == 0",
    ),
    (
        "convert --model",
        "import paddle\nfrom translator.weights.cli import main_convert_weights",
        "assert main_convert_weights([CKPT, '-o', OUT, '--model', MODEL + ':resnet152', '--strict']) == 0",
    ),
    (
        "torch.load",
        "import pickle, torch",
        "sd = torch.load(CKPT, mmap=True, weights_only=True)\n"
        "arrays = {k: v.numpy() for k, v in sd.items()}\n"
        "with open(OUT, 'wb') as f:\n    pickle.dump(arrays, f, protocol=4)\ndel sd, arrays",
    ),
]

CHILD = """
import io, contextlib, json, sys, time, tracemalloc
sys.path.insert(0, {root!r})
CKPT, OUT, MODEL = {ckpt!r}, {out!r}, {model!r}
{imports}
mode = {mode!r}
if mode == "imports-only":
    print(json.dumps({{}}))
    raise SystemExit(0)
if mode == "trace":
    tracemalloc.start()
start = time.perf_counter()
with contextlib.redirect_stderr(io.StringIO()):
{operation}
elapsed = time.perf_counter() - start
peak = tracemalloc.get_traced_memory()[1] if mode == "trace" else None
print(json.dumps({{"seconds": elapsed, "heap_peak": peak}}))
"""


def run_child(imports: str, operation: str, mode: str, ckpt: Path, out: Path, model: Path) -> dict:
    code = CHILD.format(
        root=str(ROOT), ckpt=str(ckpt), out=str(out), model=str(model),
        imports=imports, operation=textwrap.indent(operation, "    "), mode=mode,
    )
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    stdout, stderr = proc.stdout.read(), proc.stderr.read()
    proc.stdout.close()
    proc.stderr.close()
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise SystemExit(f"benchmark child failed ({mode}):\n{stderr.decode(errors='replace')[-3000:]}")
    result = json.loads(stdout.decode().strip().splitlines()[-1])
    result["process_seconds"] = wall
    result["maxrss"] = usage.ru_maxrss * 1024  # Linux reports KiB
    return result


MAKE_CHECKPOINT = """
import sys, warnings
from pathlib import Path
sys.path.insert(0, {root!r})
import torch
from translator import translate_source
from translator.verify import load_torchvision_module

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    tv = load_torchvision_module("resnet")
torch.manual_seed(0)
torch.save(tv.resnet152().state_dict(), {ckpt!r})
source = Path(tv.__file__)
Path({model!r}).write_text(translate_source(source.read_text(encoding="utf-8"), path=str(source)).code, encoding="utf-8")
"""


def make_checkpoint(folder: Path) -> tuple[Path, Path]:
    """Save a random resnet152 with torch; write its Paddle translation next to it.

    This runs in a child process: a parent that had imported torch would pass its own peak
    RSS on to every child it starts (Linux folds the pre-exec memory into ``ru_maxrss``).
    """
    ckpt, model = folder / "resnet152.pth", folder / "resnet_paddle.py"
    code = MAKE_CHECKPOINT.format(root=str(ROOT), ckpt=str(ckpt), model=str(model))
    subprocess.run([sys.executable, "-c", code], check=True, stderr=subprocess.DEVNULL)
    return ckpt, model


def mb(n: float | None) -> str:
    return "-" if n is None else f"{n / 2**20:,.0f}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=3, help="timed runs per row (median reported)")
    parser.add_argument("--json", metavar="FILE", help="also write the results as JSON")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="t2p-bench-") as tmp:
        folder = Path(tmp)
        print("creating a random resnet152 checkpoint ...", file=sys.stderr)
        ckpt, model_file = make_checkpoint(folder)
        size = ckpt.stat().st_size
        out = folder / "out.bin"
        results = []
        for name, imports, operation in ROWS:
            print(f"running {name} ...", file=sys.stderr)
            base = run_child(imports, operation, "imports-only", ckpt, out, model_file)
            timed = [run_child(imports, operation, "time", ckpt, out, model_file) for _ in range(args.repeat)]
            traced = run_child(imports, operation, "trace", ckpt, out, model_file)
            out_size = out.stat().st_size
            out.unlink()
            results.append({
                "row": name,
                "seconds": statistics.median(r["seconds"] for r in timed),
                "process_seconds": statistics.median(r["process_seconds"] for r in timed),
                "maxrss": max(r["maxrss"] for r in timed),
                "maxrss_imports_only": base["maxrss"],
                "heap_peak": traced["heap_peak"],
                "output_bytes": out_size,
            })

    copy, held = results[0], results[1]
    print(f"\ncheckpoint: torch.save(resnet152.state_dict()), {size / 2**20:,.0f} MB; "
          f"median of {args.repeat} run(s)\n"
          "ratios: 'xcp' against 'copy' (shutil.copyfile), 'xrw' against 'read+write' (one copy held)\n")
    header = (f"{'row':17}{'op s':>7}{'xcp':>6}{'xrw':>6}{'proc s':>8}{'peak RSS MB':>13}{'xcp':>6}{'xrw':>6}"
              f"{'above imports MB':>18}{'heap peak MB':>14}{'x size':>8}")
    print(header)
    print("-" * len(header))
    for r in results:
        print(
            f"{r['row']:17}{r['seconds']:>7.2f}{r['seconds'] / copy['seconds']:>6.1f}"
            f"{r['seconds'] / held['seconds']:>6.1f}{r['process_seconds']:>8.2f}"
            f"{mb(r['maxrss']):>13}{r['maxrss'] / copy['maxrss']:>6.1f}{r['maxrss'] / held['maxrss']:>6.1f}"
            f"{mb(r['maxrss'] - r['maxrss_imports_only']):>18}{mb(r['heap_peak']):>14}{r['heap_peak'] / size:>8.2f}"
        )
    print("\n'op s': the operation inside its process; 'proc s': the whole process (start-up, imports)."
          "\n'above imports': peak RSS minus that of a process that only ran the row's imports. A memory-"
          "\nmapped checkpoint's pages count towards RSS once read; they are file-backed and reclaimable."
          "\n'heap peak': tracemalloc's peak; 'x size' = heap peak / checkpoint size (1.0 = one full copy).")
    if args.json:
        Path(args.json).write_text(json.dumps({"checkpoint_bytes": size, "rows": results}, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
