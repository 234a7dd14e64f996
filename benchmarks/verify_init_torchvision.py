#!/usr/bin/env python3
"""``verify --init`` on every torchvision classification model, as a user runs it.

    python benchmarks/verify_init_torchvision.py                      # all, smallest first
    python benchmarks/verify_init_torchvision.py --only vgg11 resnet50
    python benchmarks/verify_init_torchvision.py --max-params 70e6 --json out.json

The models are ``torchvision.models.list_models(module=torchvision.models)`` (the classification
builders; detection, segmentation, video and optical flow live in submodules), ordered by their
parameter count (``num_params`` in the builder's default weights' metadata, read without
downloading anything). Each is one fresh process running exactly the documented command,

    torch2paddle verify torchvision.models.<module>:<builder> --init

(``python -m translator.cli`` from this checkout), with a time limit, one at a time (the big ones
need several GB: both models, and the torch state dict converted to numpy). Printed per model:
parameters, the result (``MATCH n/n``, ``MISMATCH`` with the parameters that differ, ``TIMEOUT``,
``ERROR`` with the last line of the output), wall seconds and the process's peak resident memory.
Exit status 1 when a model does not match.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def classification_models() -> list[tuple[str, str, int]]:
    """``(builder name, module, parameters)`` of torchvision's classification models."""
    import warnings

    sys.path.insert(0, str(ROOT))
    from translator.targets import load_torchvision_module  # imports where torchvision's ops do not load

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tvm = load_torchvision_module("torchvision.models")
    out = []
    for name in tvm.list_models(module=tvm):
        builder = tvm.get_model_builder(name)
        params = int(tvm.get_model_weights(name).DEFAULT.meta["num_params"])
        out.append((name, builder.__module__, params))
    return sorted(out, key=lambda item: (item[2], item[0]))


def run_one(name: str, module: str, timeout: float, nice: int) -> dict:
    with tempfile.TemporaryDirectory(prefix="t2p-init-") as tmp:
        report = Path(tmp) / "report.json"
        log = Path(tmp) / "log.txt"
        cmd = [sys.executable, "-m", "translator.cli", "verify", f"{module}:{name}", "--init", "--report", str(report)]
        env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
                   GLOG_minloglevel="3")
        start = time.perf_counter()
        with open(log, "wb") as out:
            proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, env=env, cwd=tmp,
                                    preexec_fn=(lambda: os.nice(nice)) if nice else None)
        status, peak_kb, timed_out = None, 0, False
        while status is None:
            pid, st, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                status, peak_kb = st, usage.ru_maxrss
                break
            if time.perf_counter() - start > timeout:
                proc.kill()
                _, status, usage = os.wait4(proc.pid, 0)
                peak_kb, timed_out = usage.ru_maxrss, True
                break
            time.sleep(0.2)
        proc.returncode = os.waitstatus_to_exitcode(status)  # already reaped: keep Popen from waiting again
        seconds = time.perf_counter() - start
        row = {"model": name, "target": f"{module}:{name}", "seconds": round(seconds, 1),
               "peak_gb": round(peak_kb / 1e6, 2), "exit": proc.returncode}
        if timed_out:
            row.update(result="TIMEOUT", detail=f"over {timeout:g} s")
        elif report.is_file():
            data = json.loads(report.read_text())
            params = data.get("params", [])
            bad = [p for p in params if not p.get("ok")]
            agree = f"{len(params) - len(bad)}/{len(params)}"
            row.update(result=("MATCH " if data.get("match") else "MISMATCH ") + agree,
                       detail="; ".join([*data.get("errors", [])[:2], *(f"{p['source']}: {p['problem']}" for p in bad[:3])]))
        else:
            lines = [line for line in log.read_text(errors="replace").splitlines() if line.strip()]
            row.update(result=f"ERROR (exit {proc.returncode})", detail=lines[-1][:200] if lines else "")
        return row


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--only", nargs="+", metavar="MODEL", help="these builders only")
    ap.add_argument("--max-params", type=float, default=None, help="skip models with more parameters")
    ap.add_argument("--timeout", type=float, default=1800.0, help="seconds per model (default 1800)")
    ap.add_argument("--nice", type=int, default=5, help="niceness of each run (default 5; the machine is shared)")
    ap.add_argument("--json", metavar="FILE", help="also write the rows as JSON")
    args = ap.parse_args(argv)

    models = classification_models()
    if args.only:
        unknown = sorted(set(args.only) - {m[0] for m in models})
        if unknown:
            ap.error(f"not torchvision classification models: {', '.join(unknown)}")
        models = [m for m in models if m[0] in args.only]
    if args.max_params is not None:
        models = [m for m in models if m[2] <= args.max_params]

    print(f"{'model':24}{'params':>14}  {'result':22}{'seconds':>9}{'peak GB':>9}  detail", flush=True)
    rows = []
    for name, module, params in models:
        row = run_one(name, module, args.timeout, args.nice)
        row["params"] = params
        rows.append(row)
        print(f"{name:24}{params:>14,}  {row['result']:22}{row['seconds']:>9.1f}{row['peak_gb']:>9.2f}  {row['detail']}",
              flush=True)
        if args.json:
            Path(args.json).write_text(json.dumps(rows, indent=2) + "\n")
    ok = sum(r["result"].startswith("MATCH") for r in rows)
    print(f"\n{ok}/{len(rows)} models match; {sum(r['seconds'] for r in rows):.0f} s in all")
    return 0 if ok == len(rows) else 1


if __name__ == "__main__":
    sys.exit(main())
