#!/usr/bin/env python3
"""Benchmark: torch2paddle vs PaConvert, side by side, from one run.

    python benchmarks/translate.py            # full run (a few minutes on 2 cores)
    python benchmarks/translate.py --quick    # smoke run: one repetition, no PaConvert formatting runs

What it measures (every run is a fresh process, timed from outside, so interpreter start-up and
imports are included -- that is what a user or a pre-commit hook pays):

(a) torchvision's whole ``models/`` folder (found with ``importlib.util.find_spec``, never
    imported): torch2paddle ``--jobs 2`` and ``--jobs 1`` vs PaConvert (default, which formats
    its output with black/isort) and PaConvert ``--no_format``; torch2paddle ``--jobs 1
    --no-format`` gives the cost of formatting the new code as a ratio from the same run;
(b) ``models/resnet.py`` alone as a cold single-file CLI call;
(c) synthetic model files of about 2,000 and 20,000 lines, to show how cost grows with size.

torch2paddle runs with ``--no-cache`` (when the CLI has that flag) so that every run does the full
work; a warm-cache row shows what a repeated pre-commit run pays.  Peak memory is the largest
resident set of any process of the run (``ru_maxrss`` of the waited-for descendants of a small
wrapper process, measured per run).  It also checks that our output keeps every comment line of
the inputs.

Both tools run installed the way users and pre-commit install them: each in its own virtual
environment.  PaConvert pins old versions of black/isort/astor, so it gets its own (default
``~/.cache/torch2paddle-bench/paconvert-venv``), created on first use with ``python -m venv`` and
``pip install paconvert``.  torch2paddle is installed from this checkout (not editable, so its
modules are byte-compiled as in any pip install) into ``torch2paddle-venv`` next to it; the
checkout is re-installed on every run, so the figures are for the code as it is.  Nothing is
installed into the project's environment.  One row also times the project's own (editable)
environment for comparison.

``--against REV ...`` also times earlier revisions of this repository on models/ ``--jobs 2``
(each exported with ``git archive`` and installed, once per commit, into its own venv beside the
others), in rounds that alternate them with this checkout and PaConvert, so that a change's cost
is a ratio from one run: ``--against 9f87d02 3e7a481`` compares the code before and after a
refactor with today's, each against the PaConvert run of the same round.

Two "floor" rows show what any LibCST-based translator pays before translating anything: importing
libcst, and parsing and printing the same files with LibCST and nothing else (2 processes for
models/, forked after the import, as ``--jobs 2`` does).
"""

from __future__ import annotations

import argparse
import importlib.util
import io
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import tokenize
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_VENV = Path.home() / ".cache" / "torch2paddle-bench" / "paconvert-venv"
T2P_VENV_NAME = "torch2paddle-venv"

# LibCST alone on the same inputs: import, parse, print (the floor of any LibCST-based tool)
_FLOOR = r"""
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
import libcst

def roundtrip(path):
    text = Path(path).read_text(encoding="utf-8")
    return len(libcst.parse_module(text).code) == len(text)

if __name__ == "__main__":
    src, jobs = Path(sys.argv[1]), int(sys.argv[2])
    files = sorted(src.rglob("*.py"), key=lambda p: -p.stat().st_size) if src.is_dir() else [src]
    if jobs > 1:
        with ProcessPoolExecutor(jobs) as pool:
            ok = all(pool.map(roundtrip, [str(f) for f in files]))
    else:
        ok = all(roundtrip(str(f)) for f in files)
    sys.exit(0 if ok else 1)
"""

# ---------------------------------------------------------------------------- inputs -------


def torchvision_models_dir() -> Path:
    spec = importlib.util.find_spec("torchvision")  # locates the package without importing it
    if spec is None or not spec.submodule_search_locations:
        sys.exit("torchvision is not installed: the benchmark translates its models/ folder")
    return Path(list(spec.submodule_search_locations)[0]) / "models"


_HEADER = '''\
"""Synthetic model zoo for the torch2paddle benchmark (generated, {lines} lines requested)."""

# Standard imports, as in most model files.
import math
from typing import Any, Optional

import torch
import torch.nn as nn
import torch.nn.functional as F  # noqa: F401  (kept: a common import)

'''

_BLOCK = '''

# ----------------------------------------------------------------------------------------
# Block {i}: a small residual-style network (conv / batch norm / linear).
# ----------------------------------------------------------------------------------------
class Block{i}(nn.Module):
    """Conv-BN-ReLU block number {i}, with a classifier head."""

    expansion: int = 1

    def __init__(self, in_channels: int = 64, out_channels: int = 64, num_classes: int = 10) -> None:
        super().__init__()
        # two 3x3 convolutions, each followed by batch norm
        self.conv1 = nn.Conv2d(in_channels, out_channels, kernel_size=3, stride=1, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(out_channels)
        self.relu = nn.ReLU(inplace=True)
        self.conv2 = nn.Conv2d(out_channels, out_channels, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(out_channels, momentum=0.1)
        self.pool = nn.AdaptiveAvgPool2d((1, 1))
        self.drop = nn.Dropout(p=0.2)
        self.fc = nn.Linear(out_channels * 2, num_classes)  # classifier
        self.head = nn.Sequential(
            nn.Linear(num_classes, num_classes),
            nn.ReLU(inplace=True),
        )
        # weight initialisation, as torchvision does it
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
            elif isinstance(m, nn.BatchNorm2d):
                nn.init.constant_(m.weight, 1)
                nn.init.constant_(m.bias, 0)
            elif isinstance(m, nn.Linear):
                nn.init.normal_(m.weight, 0, 0.01)
                nn.init.zeros_(m.bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        identity = x
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        out = self.relu(out + identity)  # residual connection
        pooled = self.pool(out)
        flat = torch.flatten(pooled, 1)
        both = torch.cat([flat, flat], dim=1)
        both = both.view(both.size(0), -1)
        scale = math.sqrt(both.size(1))
        return self.head(self.drop(self.fc(both / scale)))


def block{i}(weights: Optional[Any] = None, **kwargs: Any) -> Block{i}:
    """Build Block{i}; ``weights`` is accepted for torchvision-style factories."""
    model = Block{i}(**kwargs)
    if weights is not None:
        model.load_state_dict(weights)
    return model
'''


def synthetic_source(lines: int) -> str:
    """About ``lines`` lines of ordinary torch model code (repeated, numbered blocks)."""
    parts = [_HEADER.format(lines=lines)]
    block_lines = _BLOCK.count("\n")
    total = parts[0].count("\n")
    i = 0
    while total + block_lines <= lines or i == 0:
        parts.append(_BLOCK.format(i=i))
        total += block_lines
        i += 1
    return "".join(parts)


# ---------------------------------------------------------------------------- tools --------


def ensure_paconvert(venv: Path) -> Path:
    """The paconvert executable in its own venv, creating the venv on first use."""
    exe = venv / "bin" / "paconvert"
    if exe.exists():
        return exe
    print(f"creating {venv} and installing paconvert (once) ...", file=sys.stderr, flush=True)
    venv.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "install", "-q", "paconvert"], check=True)
    if not exe.exists():
        sys.exit(f"paconvert was installed into {venv} but {exe} is missing")
    return exe


def paconvert_version(venv: Path) -> str:
    proc = subprocess.run(
        [str(venv / "bin" / "python"), "-c", "import importlib.metadata as m; print(m.version('paconvert'))"],
        capture_output=True,
        text=True,
    )
    return proc.stdout.strip() or "?"


def ensure_t2p_venv(venv: Path) -> Path:
    """torch2paddle installed from this checkout into its own venv (re-installed on every run)."""
    python = venv / "bin" / "python"
    if not python.exists():
        print(f"creating {venv} (once) ...", file=sys.stderr, flush=True)
        venv.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "-q", str(ROOT)], check=True)
    # the current sources, byte-compiled as pip does; dependencies (libcst, black) stay as installed
    subprocess.run([str(python), "-m", "pip", "install", "-q", "--no-deps", "--force-reinstall", str(ROOT)], check=True,
                   capture_output=True)
    # ... unless the checkout needs one the venv lacks (a dependency added since it was made)
    missing = subprocess.run([str(python), "-m", "pip", "check"], capture_output=True, text=True)
    if missing.returncode != 0:
        print(f"installing the checkout's dependencies into {venv}:\n{missing.stdout.strip()}", file=sys.stderr)
        subprocess.run([str(python), "-m", "pip", "install", "-q", "-c", str(ROOT / "constraints.txt"), str(ROOT)],
                       check=True)
    return venv / "bin" / "torch2paddle"


def ensure_rev_venv(rev: str, bench_dir: Path) -> tuple[str, Path]:
    """(commit, torch2paddle executable) of revision ``rev`` of this repository, installed (not
    editable, with its own pinned dependencies) into ``bench_dir/rev-<commit>`` on first use."""
    commit = subprocess.run(["git", "rev-parse", "--verify", f"{rev}^{{commit}}"], cwd=ROOT, capture_output=True,
                            text=True)
    if commit.returncode != 0:
        raise SystemExit(f"benchmarks/translate.py: --against {rev}: not a revision of {ROOT}")
    sha = commit.stdout.strip()
    venv = bench_dir / f"rev-{sha[:12]}"
    exe = venv / "bin" / "torch2paddle"
    if not exe.exists():
        print(f"installing {rev} ({sha[:12]}) into {venv} (once) ...", file=sys.stderr, flush=True)
        with tempfile.TemporaryDirectory(prefix="t2p-rev-") as tmp:
            archive = subprocess.run(["git", "archive", "--format=tar", sha], cwd=ROOT, capture_output=True, check=True)
            subprocess.run(["tar", "-x", "-C", tmp], input=archive.stdout, check=True)
            subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
            constraints = Path(tmp) / "constraints.txt"
            pins = ["-c", str(constraints)] if constraints.exists() else []
            subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "install", "-q", *pins, tmp], check=True)
    return sha, exe


_T2P_EXE: list[str] = []  # set by main: the installed torch2paddle


def t2p_cmd() -> list[str]:
    return [*_T2P_EXE, "translate"] if _T2P_EXE else [sys.executable, "-m", "translator.cli", "translate"]


def project_cmd() -> list[str]:
    return [sys.executable, "-m", "translator.cli", "translate"]


def t2p_has_flag(flag: str) -> bool:
    proc = subprocess.run([*t2p_cmd(), "--help"], capture_output=True, text=True, cwd=ROOT)
    return flag in proc.stdout


# A wrapper process runs the measured command, so that ru_maxrss of RUSAGE_CHILDREN is this run's
# peak alone (the largest waited-for descendant: the CLI process or one of its workers).
_WRAPPER = r"""
import json, resource, subprocess, sys, time
argv = json.loads(sys.argv[1])
t0 = time.perf_counter()
proc = subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
wall = time.perf_counter() - t0
ru = resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({"wall": wall, "rc": proc.returncode, "maxrss_kb": ru.ru_maxrss,
                  "cpu": ru.ru_utime + ru.ru_stime, "stderr": proc.stderr.decode(errors="replace")[-2000:]}))
"""


def run_once(argv: list[str], cwd: Path | None = None, env: dict | None = None) -> dict:
    proc = subprocess.run(
        [sys.executable, "-c", _WRAPPER, json.dumps(argv)], capture_output=True, text=True, cwd=cwd, env=env
    )
    if proc.returncode != 0:
        raise RuntimeError(f"wrapper failed: {proc.stderr[-2000:]}")
    return json.loads(proc.stdout)


def measure(name: str, argv: list[str], runs: int, *, out: Path | None = None, cwd: Path | None = None,
            env: dict | None = None, ok_codes: tuple[int, ...] = (0, 1)) -> dict:
    walls, rss, cpus = [], [], []
    for _ in range(runs):
        if out is not None:
            if out.is_dir():
                shutil.rmtree(out)
            elif out.exists():
                out.unlink()
        r = run_once(argv, cwd=cwd, env=env)
        if r["rc"] not in ok_codes or "Traceback (most recent call last)" in r["stderr"]:
            raise RuntimeError(f"{name}: exit {r['rc']}: {r['stderr']}")
        walls.append(r["wall"])
        rss.append(r["maxrss_kb"])
        cpus.append(r["cpu"])
    res = {
        "name": name,
        "runs": runs,
        "median_s": statistics.median(walls),
        "min_s": min(walls),
        "max_s": max(walls),
        "cpu_s": statistics.median(cpus),
        "peak_rss_mb": max(rss) / 1024,
    }
    print(f"  {name}: median {res['median_s']:.3f}s over {runs} run(s) [{res['min_s']:.3f}-{res['max_s']:.3f}],"
          f" cpu {res['cpu_s']:.2f}s, peak RSS {res['peak_rss_mb']:.0f} MB", file=sys.stderr, flush=True)
    return res


# ---------------------------------------------------------------------------- checks -------


def comment_lines(text: str) -> Counter:
    """Comment texts (stripped), one count per comment token."""
    out: Counter = Counter()
    try:
        for tok in tokenize.generate_tokens(io.StringIO(text).readline):
            if tok.type == tokenize.COMMENT:
                out[tok.string.strip()] += 1
    except (tokenize.TokenError, SyntaxError, IndentationError):
        for line in text.splitlines():
            if line.strip().startswith("#"):
                out[line.strip()] += 1
    return out


def compare_trees(src: Path, dst: Path) -> dict:
    """Comments of ``src`` kept in ``dst`` (file by file), and input lines kept verbatim."""
    files = sorted(src.rglob("*.py")) if src.is_dir() else [src]
    total = kept = missing_files = not_written = 0
    lines_in = lines_kept = 0
    for f in files:
        target = dst / f.relative_to(src) if src.is_dir() else dst
        if not target.exists():  # a file that failed is not written (its comments are not lost)
            not_written += 1
            continue
        a = f.read_text(encoding="utf-8")
        b = target.read_text(encoding="utf-8")
        ca, cb = comment_lines(a), comment_lines(b)
        total += sum(ca.values())
        k = sum(min(n, cb[c]) for c, n in ca.items())
        kept += k
        if k < sum(ca.values()):
            missing_files += 1
        la, lb = Counter(a.splitlines()), Counter(b.splitlines())
        lines_in += sum(la.values())
        lines_kept += sum(min(n, lb[s]) for s, n in la.items())
    return {"comments_in": total, "comments_kept": kept, "files_missing_comments": missing_files,
            "lines_in": lines_in, "lines_kept_verbatim": lines_kept, "files": len(files), "not_written": not_written}


_TORCH_IMPORT = re.compile(r"(?:import|from)\s+torch(?:vision)?(?:[.\s,]|$)")


def torch_at_import(out: Path) -> tuple[int, int]:
    """(files of the translated tree ``out`` whose module-level code imports torch, .py files):
    a module-level ``import torch``/``from torch...`` makes the module unusable without torch."""
    files = sorted(out.rglob("*.py")) if out.is_dir() else []
    bound = 0
    for f in files:
        lines = f.read_text(encoding="utf-8", errors="replace").splitlines()
        if any(_TORCH_IMPORT.match(line) for line in lines):
            bound += 1
    return bound, len(files)


def count_lines(path: Path) -> tuple[int, int]:
    files = sorted(path.rglob("*.py")) if path.is_dir() else [path]
    return len(files), sum(f.read_text(encoding="utf-8").count("\n") for f in files)


# ---------------------------------------------------------------------------- main ---------


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="smoke run: 1 repetition, skip PaConvert's slow formatting runs")
    ap.add_argument("--runs", type=int, default=5, help="repetitions of fast cases (default 5)")
    ap.add_argument("--slow-runs", type=int, default=3, help="repetitions of cases slower than ~5 s (default 3)")
    ap.add_argument("--sizes", default="2000,20000", help="synthetic file sizes in lines (default 2000,20000)")
    ap.add_argument("--paconvert-venv", type=Path, default=DEFAULT_VENV)
    ap.add_argument("--no-paconvert", action="store_true", help="measure torch2paddle only")
    ap.add_argument("--t2p-venv", type=Path, default=None,
                    help=f"venv for torch2paddle (default: {T2P_VENV_NAME} beside the PaConvert venv)")
    ap.add_argument("--json", type=Path, help="also write the results as JSON")
    ap.add_argument("--against", nargs="+", default=[], metavar="REV",
                    help="also time these revisions of this repository on models/ --jobs 2, in rounds alternating"
                         " with this checkout and PaConvert (--slow-runs rounds); see the module docstring")
    args = ap.parse_args(argv)
    runs = 1 if args.quick else args.runs
    slow_runs = 1 if args.quick else args.slow_runs
    sizes = [int(s) for s in args.sizes.split(",") if s]

    models = torchvision_models_dir()
    resnet = models / "resnet.py"
    pc = None if args.no_paconvert else ensure_paconvert(args.paconvert_venv)
    t2p_venv = args.t2p_venv or args.paconvert_venv.parent / T2P_VENV_NAME
    _T2P_EXE[:] = [str(ensure_t2p_venv(t2p_venv))]
    t2p_python = str(t2p_venv / "bin" / "python")
    no_cache = ["--no-cache"] if t2p_has_flag("--no-cache") else []
    env = dict(os.environ)  # the installed torch2paddle: nothing of the checkout on the path
    env_project = dict(env, PYTHONPATH=str(ROOT) + os.pathsep + env.get("PYTHONPATH", ""))

    work = Path(tempfile.mkdtemp(prefix="t2p-bench-"))
    (work / "floor.py").write_text(_FLOOR, encoding="utf-8")
    results: list[dict] = []
    rows: list[tuple] = []  # (case, ours, paconvert default, paconvert no_format)
    against: list[tuple[str, float]] = []  # (revision, median seconds) of --against
    torch_bound: dict[str, tuple[int, int]] = {}  # revision -> (output files importing torch at import time, files)
    try:
        syn: dict[int, Path] = {}
        for n in sizes:
            p = work / f"synthetic_{n}.py"
            p.write_text(synthetic_source(n), encoding="utf-8")
            syn[n] = p

        def t2p(name: str, src: Path, out: Path, *extra: str, cache: bool = False, n: int = runs) -> dict:
            flags = [] if cache else no_cache
            # exit 2 = some file failed (reported below), the others were translated
            return measure(name, [*t2p_cmd(), str(src), "-o", str(out), "-q", *flags, *extra], n, out=out, cwd=work,
                           env=env, ok_codes=(0, 1, 2))

        def paconv(name: str, src: Path, out: Path, *extra: str, n: int = runs) -> dict | None:
            if pc is None:
                return None
            return measure(name, [str(pc), "--in_dir", str(src), "--out_dir", str(out), *extra], n, out=out, cwd=work,
                           ok_codes=(0, 1))

        nfiles, nlines = count_lines(models)
        print(f"(a) torchvision models/: {nfiles} files, {nlines} lines", file=sys.stderr)
        a_j2 = t2p("t2p models --jobs 2", models, work / "a_t2p", "--jobs", "2")
        a_j1 = t2p("t2p models --jobs 1", models, work / "a_t2p", "--jobs", "1")
        # the cost of formatting the new code: the same run without it (--jobs 1, so that the
        # ratio is of work, not of how two processes share the cores)
        a_nf = (t2p("t2p models --jobs 1 --no-format", models, work / "a_t2p_nf", "--jobs", "1", "--no-format")
                if t2p_has_flag("--no-format") else None)
        a_pc = None if args.quick else paconv("paconvert models", models, work / "a_pc", n=slow_runs)
        a_pcn = paconv("paconvert models --no_format", models, work / "a_pcn", "--no_format")
        results += [r for r in (a_j2, a_j1, a_nf, a_pc, a_pcn) if r]
        # the comment check runs on a translation done outside the timed runs
        subprocess.run([*t2p_cmd(), str(models), "-o", str(work / "a_check"), "-q", *no_cache, "--jobs", "2"],
                       cwd=work, env=env, capture_output=True)
        a_comments = compare_trees(models, work / "a_check")
        pc_comments = None
        if pc is not None and (work / "a_pcn").exists():
            pc_comments = compare_trees(models, work / "a_pcn")
        a_floor = measure("libcst parse+print models, 2 processes", [t2p_python, str(work / "floor.py"), str(models), "2"],
                          runs, cwd=work)
        results.append(a_floor)
        rows.append((f"(a) models/ ({nfiles} files, {nlines} lines), --jobs 2", a_j2, a_pc, a_pcn))
        rows.append(("(a) models/, --jobs 1", a_j1, a_pc, a_pcn))
        if a_nf is not None:
            rows.append(("(a) models/, --jobs 1 --no-format", a_nf, a_pc, a_pcn))
        rows.append(("(a) floor: LibCST parse + print only, 2 processes", a_floor, a_pc, a_pcn))

        print("(b) resnet.py, single-file CLI call", file=sys.stderr)
        b = t2p("t2p resnet.py", resnet, work / "b_t2p.py")
        b_pc = paconv("paconvert resnet.py", resnet, work / "b_pc.py")
        b_pcn = paconv("paconvert resnet.py --no_format", resnet, work / "b_pcn.py", "--no_format")
        results += [r for r in (b, b_pc, b_pcn) if r]
        rows.append(("(b) resnet.py, cold CLI call, --no-cache" if no_cache else "(b) resnet.py, cold CLI call", b, b_pc, b_pcn))
        b_proj = measure("t2p resnet.py (project env, editable)",
                         [*project_cmd(), str(resnet), "-o", str(work / "b_proj.py"), "-q", *no_cache], runs,
                         cwd=work, env=env_project)
        results.append(b_proj)
        rows.append(("(b) resnet.py, cold, from the project's editable env", b_proj, b_pc, b_pcn))
        b_imp = measure("import libcst", [t2p_python, "-c", "import libcst"], runs, cwd=work)
        b_floor = measure("libcst parse+print resnet.py", [t2p_python, str(work / "floor.py"), str(resnet), "1"], runs,
                          cwd=work)
        results += [b_imp, b_floor]
        rows.append(("(b) floor: python -c 'import libcst'", b_imp, b_pc, b_pcn))
        rows.append(("(b) floor: LibCST parse + print only", b_floor, b_pc, b_pcn))
        if no_cache:
            cache_dir = work / "cache"
            env_c = dict(env, TORCH2PADDLE_CACHE_DIR=str(cache_dir))
            subprocess.run([*t2p_cmd(), str(resnet), "-o", str(work / "b_warm.py"), "-q"], cwd=work, env=env_c,
                           capture_output=True)
            bw = measure("t2p resnet.py (warm cache)", [*t2p_cmd(), str(resnet), "-o", str(work / "b_warm.py"), "-q"],
                         runs, cwd=work, env=env_c)
            results.append(bw)
            rows.append(("(b) resnet.py, warm cache (pre-commit re-run)", bw, b_pc, b_pcn))
            # no cache of any kind: the rule table is read from its TOML files on every run
            env_n = dict(env, TORCH2PADDLE_CACHE_DIR=os.devnull + "/no-cache")
            bn = measure("t2p resnet.py (no caches at all)", [*t2p_cmd(), str(resnet), "-o", str(work / "b_none.py"), "-q"],
                         runs, cwd=work, env=env_n)
            results.append(bn)
            rows.append(("(b) resnet.py, no cache at all (rules from TOML)", bn, b_pc, b_pcn))

        if args.against:
            revs = [(rev, *ensure_rev_venv(rev, t2p_venv.parent)) for rev in args.against]
            tools: list[tuple[str, list[str], int]] = []
            for rev, sha, exe in revs:
                flags = ["--no-cache"] if "--no-cache" in subprocess.run([str(exe), "translate", "--help"],
                                                                         capture_output=True, text=True).stdout else []
                tools.append((f"{rev} ({sha[:8]})", [str(exe), "translate", str(models), "-o", str(work / "d_out"), "-q",
                                                     *flags, "--jobs", "2"], 0))
            tools.append(("this checkout", [*t2p_cmd(), str(models), "-o", str(work / "d_out"), "-q", *no_cache, "--jobs", "2"], 0))
            if t2p_has_flag("--no-format"):
                tools.append(("this checkout --no-format", [*tools[-1][1], "--no-format"], 0))
            if pc is not None:
                tools.append(("PaConvert", [str(pc), "--in_dir", str(models), "--out_dir", str(work / "d_out")], 1))
            print(f"(d) models/ --jobs 2: {len(revs)} earlier revision(s), this checkout and PaConvert, {slow_runs} alternating round(s)",
                  file=sys.stderr)
            times: dict[str, list[float]] = {name: [] for name, _, _ in tools}
            for round_ in range(slow_runs):
                for name, cmd, _ in tools:
                    times[name].append(measure(name, cmd, 1, out=work / "d_out", cwd=work, env=env,
                                               ok_codes=(0, 1, 2))["median_s"])
                    if not round_:  # what the output is worth: files that still need torch to import
                        torch_bound[name] = torch_at_import(work / "d_out")
            against = [(name, statistics.median(ts)) for name, ts in times.items()]
            results.append({"name": "against", "medians_s": dict(against), "rounds": slow_runs,
                            "files_importing_torch": torch_bound})

        c_comments = {}
        for n, p in syn.items():
            real = p.read_text(encoding="utf-8").count("\n")
            print(f"(c) synthetic file, {real} lines", file=sys.stderr)
            slow = n >= 10000
            c = t2p(f"t2p synthetic {n}", p, work / f"c_t2p_{n}.py")
            c_pc = None
            if not args.quick:
                c_pc = paconv(f"paconvert synthetic {n}", p, work / f"c_pc_{n}.py", n=slow_runs if slow else runs)
            c_pcn = paconv(f"paconvert synthetic {n} --no_format", p, work / f"c_pcn_{n}.py", "--no_format")
            results += [r for r in (c, c_pc, c_pcn) if r]
            rows.append((f"(c) synthetic {real} lines", c, c_pc, c_pcn))
            c_comments[n] = compare_trees(p, work / f"c_t2p_{n}.py")
    finally:
        shutil.rmtree(work, ignore_errors=True)

    # ------------------------------------------------------------------------ report ---
    def fmt(r: dict | None) -> str:
        return "-" if r is None else f"{r['median_s']:.2f}s"

    def ratio(pc_r: dict | None, ours: dict) -> str:
        return "-" if pc_r is None else f"{pc_r['median_s'] / ours['median_s']:.1f}x"

    def mem(r: dict | None) -> str:
        return "-" if r is None else f"{r['peak_rss_mb']:.0f}"

    print()
    print(f"machine: {os.cpu_count()} cores, {platform.processor() or platform.machine()}, Python {platform.python_version()},"
          f" {platform.system()} {platform.release()}")
    if pc is not None:
        print(f"PaConvert {paconvert_version(args.paconvert_venv)} in {args.paconvert_venv}")
    print(f"medians over {runs} run(s) ({slow_runs} for PaConvert's formatting runs on models/ and >=10k-line files);"
          f" torch2paddle {'--no-cache' if no_cache else '(no cache flag)'} unless marked warm")
    print()
    head = ("case", "torch2paddle", "PaConvert", "ratio", "PaConvert --no_format", "ratio", "peak MB ours / PC / PC-nf")
    table = [head]
    for case, ours, p, pn in rows:
        table.append((case, fmt(ours), fmt(p), ratio(p, ours), fmt(pn), ratio(pn, ours),
                      f"{mem(ours)} / {mem(p)} / {mem(pn)}"))
    widths = [max(len(r[i]) for r in table) for i in range(len(head))]
    for i, r in enumerate(table):
        print("  ".join(c.ljust(w) if j == 0 else c.rjust(w) for j, (c, w) in enumerate(zip(r, widths))))
        if i == 0:
            print("  ".join("-" * w for w in widths))
    print("(ratio = PaConvert time / torch2paddle time; peak MB = largest resident set of any process of the run)")
    if a_nf is not None:
        print(f"cost of formatting (black on the changed lines), models/ --jobs 1, same run: {a_j1['median_s']:.2f}s with,"
              f" {a_nf['median_s']:.2f}s without: x{a_j1['median_s'] / a_nf['median_s']:.2f}"
              f" (cpu x{a_j1['cpu_s'] / a_nf['cpu_s']:.2f})")
    if len(syn) >= 2:
        ns = sorted(syn)
        r0 = next(r for r in results if r["name"] == f"t2p synthetic {ns[0]}")
        r1 = next(r for r in results if r["name"] == f"t2p synthetic {ns[-1]}")
        print(f"growth {ns[0]} -> {ns[-1]} lines ({ns[-1] / ns[0]:.0f}x): torch2paddle time x{r1['median_s'] / r0['median_s']:.1f}"
              f" (including ~fixed start-up), cpu x{r1['cpu_s'] / r0['cpu_s']:.1f}")
    if against:
        pc_s = dict(against).get("PaConvert")
        first = against[0][1]
        print()
        print(f"(d) models/ --jobs 2, same run, medians over {slow_runs} alternating round(s):")
        for name, sec in against:
            vs_pc = f"{pc_s / sec:.2f}x vs PaConvert" if pc_s else "-"
            bound, files = torch_bound.get(name, (0, 0))
            print(f"  {name:34s} {sec:6.2f}s  {vs_pc:>18s}  x{sec / first:.2f} the time of {against[0][0]};"
                  f" {bound}/{files} output files import torch when imported")
    print()
    cm = a_comments
    print(f"comments kept by torch2paddle, models/: {cm['comments_kept']}/{cm['comments_in']} comment lines"
          f" ({cm['files_missing_comments']} file(s) missing any); input lines kept verbatim:"
          f" {cm['lines_kept_verbatim']}/{cm['lines_in']}"
          + (f"; {cm['not_written']} of {cm['files']} file(s) failed and were not written" if cm["not_written"] else ""))
    if pc_comments:
        print(f"comments kept by PaConvert --no_format, models/: {pc_comments['comments_kept']}/{pc_comments['comments_in']};"
              f" input lines kept verbatim: {pc_comments['lines_kept_verbatim']}/{pc_comments['lines_in']}")
    for n, cm in c_comments.items():
        print(f"comments kept by torch2paddle, synthetic {n}: {cm['comments_kept']}/{cm['comments_in']}")
    if args.json:
        args.json.write_text(json.dumps({"results": results, "comments": {"models": a_comments, "synthetic": c_comments},
                                         "paconvert_comments": pc_comments}, indent=2) + "\n")
    ok = a_comments["comments_kept"] == a_comments["comments_in"] and all(
        c["comments_kept"] == c["comments_in"] for c in c_comments.values())
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
