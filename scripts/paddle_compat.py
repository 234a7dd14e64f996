"""Run the numeric checks of translated code under several Paddle versions.

    python scripts/paddle_compat.py                      # Paddle 2.6.2 (own venv) and this env's Paddle
    python scripts/paddle_compat.py --versions 2.6.2     # only 2.6.2
    python scripts/paddle_compat.py --update-docs        # also write docs/paddle_versions.json
                                                         # and regenerate the coverage page

1. In this (torch) environment, compute reference data into ``--reference-dir``: torchvision's
   resnet.py and squeezenet.py translated, a few factories run by torch on seeded random weights
   (only the seed and a name/shape manifest are stored; the Paddle side draws the same weights),
   and for every rule with a numeric ``check`` its translated snippets, inputs, layer weights
   and the torch ``out``.
2. For each Paddle version other than this environment's, create (once; cached under
   ``~/.cache/torch2paddle/venv-paddle-<version>-<key>``, the key hashing the requirement set
   and the Python version) a virtual environment with ``paddlepaddle==<version>``, ``numpy<2``
   (for Paddle 2.x), ``libcst`` and ``pytest``. No torch there: this checkout is put on
   ``PYTHONPATH`` rather than installed, so one cached venv serves every checkout and nothing
   is written into the work tree.
3. Run ``tests/paddle_compat/test_compat.py`` in each environment (in parallel) against the
   references, collect per model and per rule pass/fail/skip, print them and write
   ``--results`` (JSON). A check that crashes or hangs the interpreter is recorded as failed
   and the run resumes without it. Exit 1 when an end-to-end model check fails, or when a rule
   check fails on a version its ``min_paddle`` does not exclude while passing on another.

Environment: ``TORCH2PADDLE_CACHE`` overrides the cache folder; pip's own settings apply to
the venv install.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import hashlib
import importlib.util
import json
import os
import shutil
import signal
import subprocess
import threading
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
COMPAT_DIR = ROOT / "tests" / "paddle_compat"
TEST_FILE = COMPAT_DIR / "test_compat.py"
DOCS_JSON = ROOT / "docs" / "paddle_versions.json"
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(COMPAT_DIR))

from compat_reference import model_weights, needs_newer  # noqa: E402

DEFAULT_VERSIONS = ("2.6.2",)  # besides this environment's Paddle
FACTORIES = {
    "resnet": {"resnet18": 64, "resnet50": 64, "resnext50_32x4d": 64},
    "squeezenet": {"squeezenet1_0": 96, "squeezenet1_1": 96},
}
NUM_CLASSES = 10
CHECK_TIMEOUT = 90  # seconds without progress before a check counts as hung
MAX_RESTARTS = 20  # checks that crash or hang the interpreter, per version
SEED = 0


def log(msg: str) -> None:
    print(msg, flush=True)


# ------------------------------------------------------------------------------------------
# 1. references (torch side)


def _torchvision_models_dir() -> Path:
    spec = importlib.util.find_spec("torchvision")  # locates, does not import
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit("torchvision is not installed")
    return Path(list(spec.submodule_search_locations)[0]) / "models"


def _manifest(model: Any) -> list[tuple[str, list[int], str, str]]:
    import torch

    kinds: dict[str, str] = {}
    for mname, mod in model.named_modules():
        is_bn = isinstance(mod, torch.nn.modules.batchnorm._BatchNorm)
        prefix = f"{mname}." if mname else ""
        for pname, _ in mod.named_parameters(recurse=False):
            kinds[prefix + pname] = f"bn_{pname}" if is_bn and pname in ("weight", "bias") else (
                "weight" if pname == "weight" else "bias"
            )
        for bname, buf in mod.named_buffers(recurse=False):
            if not buf.is_floating_point():
                kinds[prefix + bname] = "int"
            elif bname in ("running_mean", "running_var"):
                kinds[prefix + bname] = bname
            else:
                kinds[prefix + bname] = "bias"
    rows = []
    for key, value in model.state_dict().items():
        rows.append((key, list(value.shape), str(value.dtype).replace("torch.", ""), kinds.get(key, "bias")))
    return rows


def _model_references(ref: Path) -> list[dict[str, Any]]:
    import numpy as np
    import torch

    from translator import translate_source
    from translator.verify import load_torchvision_module

    models_dir = ref / "models"
    models_dir.mkdir(parents=True, exist_ok=True)
    tv_dir = _torchvision_models_dir()
    entries: list[dict[str, Any]] = []
    for module, factories in FACTORIES.items():
        src = tv_dir / f"{module}.py"
        result = translate_source(src.read_text(encoding="utf-8"), path=str(src))
        errors = [str(d) for d in result.errors]
        (models_dir / f"{module}.py").write_text(result.code, encoding="utf-8")
        tv = load_torchvision_module(module)
        for i, (factory, size) in enumerate(factories.items()):
            seed = SEED + 1000 + i
            torch.manual_seed(0)
            model = getattr(tv, factory)(num_classes=NUM_CLASSES).eval()
            manifest = _manifest(model)
            state = model_weights(manifest, seed)
            model.load_state_dict({k: torch.from_numpy(v) for k, v in state.items()}, strict=True)
            x = np.random.default_rng(seed).standard_normal((1, 3, size, size)).astype("float32")
            with torch.no_grad():
                y = model(torch.from_numpy(x)).numpy()
            np.savez(models_dir / f"{factory}.npz", input=x, output=y)
            entries.append(
                {
                    "factory": factory,
                    "module": module,
                    "kwargs": {"num_classes": NUM_CLASSES},
                    "seed": seed,
                    "input_shape": list(x.shape),
                    "manifest": manifest,
                    "translation_errors": errors,
                }
            )
    return entries


class _Arrays:
    def __init__(self) -> None:
        self.data: dict[str, Any] = {}

    def add(self, value: Any) -> str:
        key = f"a{len(self.data)}"
        self.data[key] = value
        return key


def _encode(value: Any, arrays: _Arrays) -> dict[str, Any]:
    import numpy as np
    import torch

    if isinstance(value, torch.Tensor):
        t = value.detach().cpu().resolve_conj().resolve_neg()
        dtype = str(t.dtype).replace("torch.", "")
        if t.dtype == torch.bfloat16:
            t = t.float()
        return {"t": "tensor", "key": arrays.add(t.numpy().copy()), "dtype": dtype, "shape": list(value.shape)}
    if isinstance(value, (tuple, list, torch.Size)):
        return {"t": "seq", "items": [_encode(v, arrays) for v in value]}
    if isinstance(value, dict):
        return {"t": "dict", "keys": list(value), "values": [_encode(v, arrays) for v in value.values()]}
    if isinstance(value, (int, float, bool, np.number)):
        return {"t": "scalar", "value": float(value)}
    try:
        json.dumps(value)
    except (TypeError, ValueError):
        return {"t": "unstored", "repr": repr(value)}
    return {"t": "value", "value": value}


def _rule_references(arrays: _Arrays) -> list[dict[str, Any]]:
    import numpy as np
    import torch

    from translator.rules import load_table
    from translator.testing import PRELUDE, make_input, randomize, translated_snippet

    entries = []
    for rule in load_table().all_rules():
        check = rule.check
        if check is None:
            continue
        seed = 0
        entry: dict[str, Any] = {
            "torch": rule.torch,
            "min_paddle": rule.min_paddle,
            "seed": seed,
            "atol": check.atol,
            "rtol": check.rtol,
            "values": check.compare == "values",
        }
        entries.append(entry)
        try:
            entry["paddle_setup"] = translated_snippet(rule, check.setup)
            entry["paddle_run"] = translated_snippet(rule, check.run)
        except Exception as exc:  # noqa: BLE001 - recorded, the rule fails everywhere
            entry["error"] = f"translation: {type(exc).__name__}: {_short(exc)}"
            continue
        try:
            rng = np.random.default_rng(seed)
            inputs = {name: make_input(spec, rng) for name, spec in check.inputs.items()}
            entry["inputs"] = {name: arrays.add(arr) for name, arr in inputs.items()}
            torch.manual_seed(seed)
            t_ns: dict[str, Any] = {name: torch.from_numpy(arr.copy()) for name, arr in inputs.items()}
            exec(compile(PRELUDE + check.setup, f"<torch setup {rule.torch}>", "exec"), t_ns)
            modules = []
            for name, value in list(t_ns.items()):
                if isinstance(value, torch.nn.Module):
                    randomize(value, seed=seed)
                    state = [[k, arrays.add(v.detach().numpy().copy())] for k, v in value.state_dict().items()]
                    modules.append([name, state])
            entry["modules"] = modules
            exec(compile(PRELUDE + check.run, f"<torch run {rule.torch}>", "exec"), t_ns)
            entry["out"] = _encode(t_ns["out"], arrays)
        except Exception as exc:  # noqa: BLE001
            entry["error"] = f"torch side: {type(exc).__name__}: {_short(exc)}"
    return entries


def _short(exc: BaseException, limit: int = 400) -> str:
    text = " ".join(str(exc).split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def build_references(ref: Path, *, models: bool = True, rules: bool = True) -> dict[str, Any]:
    import numpy as np
    import torch

    import warnings

    warnings.filterwarnings("ignore", category=RuntimeWarning, message=".*torchvision.*")
    if ref.exists():
        shutil.rmtree(ref)
    ref.mkdir(parents=True)
    meta: dict[str, Any] = {
        "torch": torch.__version__,
        "created": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "models": [],
        "rules": 0,
    }
    if models:
        entries = _model_references(ref)
        meta["models"] = [e["factory"] for e in entries]
        (ref / "models.json").write_text(json.dumps(entries), encoding="utf-8")
    if rules:
        arrays = _Arrays()
        entries = _rule_references(arrays)
        meta["rules"] = len(entries)
        (ref / "rules.json").write_text(json.dumps(entries), encoding="utf-8")
        np.savez(ref / "rules.npz", **arrays.data)
    (ref / "meta.json").write_text(json.dumps(meta, indent=1), encoding="utf-8")
    return meta


# ------------------------------------------------------------------------------------------
# 2. the Paddle environments


def requirements_for(version: str) -> list[str]:
    major = int(version.split(".")[0])
    return [f"paddlepaddle=={version}", "numpy<2" if major < 3 else "numpy", "libcst>=1.1", "pytest"]


def cache_dir() -> Path:
    if os.environ.get("TORCH2PADDLE_CACHE"):
        return Path(os.environ["TORCH2PADDLE_CACHE"])
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "torch2paddle"


def venv_path(version: str) -> Path:
    reqs = requirements_for(version)
    key = "\n".join(sorted(reqs) + [f"python{sys.version_info[0]}.{sys.version_info[1]}"])
    digest = hashlib.sha256(key.encode()).hexdigest()[:10]
    return cache_dir() / f"venv-paddle-{version}-{digest}"


def _venv_python(venv: Path) -> Path:
    return venv / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


@contextlib.contextmanager
def _locked(path: Path):
    """An exclusive lock (another test run may be building the same venv)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w") as fh:
        try:
            import fcntl

            fcntl.flock(fh, fcntl.LOCK_EX)
        except ImportError:  # pragma: no cover - not POSIX
            pass
        yield


def ensure_venv(version: str) -> Path:
    """The Python of a venv with ``paddlepaddle==version`` (created on first use)."""
    venv = venv_path(version)
    python = _venv_python(venv)
    ready = venv / ".torch2paddle-ready"
    with _locked(venv.with_name(venv.name + ".lock")):
        if ready.is_file() and python.exists():
            return python
        if venv.exists():
            shutil.rmtree(venv)
        start = time.perf_counter()
        log(f"creating {venv} (paddlepaddle=={version}; first run only, takes a minute or two)")
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        cmd = [str(python), "-m", "pip", "install", "--quiet", *requirements_for(version)]
        proc = subprocess.run(cmd, capture_output=True, text=True)
        if proc.returncode != 0:
            shutil.rmtree(venv, ignore_errors=True)
            raise SystemExit(f"pip install for Paddle {version} failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")
        probe = subprocess.run(
            [str(python), "-c", "import paddle, numpy; print(paddle.__version__, numpy.__version__)"],
            capture_output=True,
            text=True,
        )
        if probe.returncode != 0 or not probe.stdout.strip().startswith(version):
            shutil.rmtree(venv, ignore_errors=True)
            raise SystemExit(f"the new venv does not import paddle {version}:\n{probe.stdout}{probe.stderr[-3000:]}")
        ready.write_text(json.dumps({"requirements": requirements_for(version), "versions": probe.stdout.split()}))
        log(f"created {venv} in {time.perf_counter() - start:.0f} s ({probe.stdout.strip()})")
    return python


def installed_paddle_version() -> str | None:
    try:
        from importlib.metadata import version

        return version("paddlepaddle")
    except Exception:  # noqa: BLE001
        return None


# ------------------------------------------------------------------------------------------
# 3. run the compat test in each environment


def _read_results(path: Path) -> tuple[dict[str, Any], str | None, bool]:
    """(data, the check running when the file ends, done) from a JSON-lines results file.

    The running check is the one started without a result or, if the file ends with a result,
    that check: memory it corrupted can crash the interpreter a moment later.
    """
    data: dict[str, Any] = {"models": {}, "rules": {}}
    started, done = None, False
    if not path.is_file():
        return data, None, False
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        try:
            rec = json.loads(line)
        except ValueError:
            continue  # a line cut short by a crash
        if "start" in rec:
            started = rec["start"]
        elif "result" in rec:
            started = rec.pop("result")
            kind, name = started.split(":", 1)
            data[kind][name] = rec
        elif rec.get("done"):
            done = True
        else:
            data.update(rec)  # paddle / numpy versions
    return data, started, done


def run_checks(python: Path | str, version: str, ref: Path, out: Path, timings: dict[str, float]) -> dict[str, Any] | None:
    """Run test_compat.py on one Paddle; a check that crashes or hangs it is recorded and skipped.

    Returns the results (``{"paddle", "numpy", "models": {...}, "rules": {...}}``) or None when
    the run failed before any check (the log says why).
    """
    t0 = time.perf_counter()
    results = out / f"results-{version}.jsonl"
    skip = out / f"skip-{version}.json"
    logfile = out / f"pytest-{version}.log"
    results.unlink(missing_ok=True)
    logfile.unlink(missing_ok=True)
    env = dict(os.environ)
    env["TORCH2PADDLE_REFERENCE_DIR"] = str(ref)
    env["TORCH2PADDLE_COMPAT_RESULTS"] = str(results)
    env["TORCH2PADDLE_COMPAT_SKIP"] = str(skip)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), *filter(None, [env.get("PYTHONPATH")])])
    env.setdefault("OMP_NUM_THREADS", "1")  # two runs in parallel on a small machine
    cmd = [str(python), "-m", "pytest", str(TEST_FILE), "-q", "-p", "no:cacheprovider", "-o", "addopts=", "-rN"]
    for _ in range(MAX_RESTARTS + 1):
        data, _, _ = _read_results(results)
        skip.write_text(json.dumps([f"{k}:{n}" for k in ("models", "rules") for n in data[k]]))
        with open(logfile, "a") as fh:
            proc = subprocess.Popen(cmd, cwd=str(ROOT), env=env, stdout=fh, stderr=subprocess.STDOUT, start_new_session=True)
            hung = _wait_with_progress(proc, results)
        data, started, done = _read_results(results)
        if done:
            break
        if started is None:
            log(f"Paddle {version}: the test run stopped (exit {proc.returncode}) before any check; see {logfile}")
            break
        why = f"hung: no progress for {CHECK_TIMEOUT} s" if hung else f"crashed the interpreter (exit code {proc.returncode})"
        # a long run's state can hang or crash a check that runs fine on its own (seen: a
        # ResNet-50 check on Paddle 2.6.2 after ~1,700 others): retry it alone before failing it
        kind, _, name = started.partition(":")
        alone = [*cmd[:3], f"{TEST_FILE}::test_{'rule' if kind == 'rules' else 'model'}[{name}]", *cmd[4:]]
        offset = results.stat().st_size if results.exists() else 0
        with open(logfile, "a") as fh:
            retry = subprocess.Popen(alone, cwd=str(ROOT), env={**env, "TORCH2PADDLE_COMPAT_SKIP": ""},
                                     stdout=fh, stderr=subprocess.STDOUT, start_new_session=True)
            _wait_with_progress(retry, results)
        with open(results, "rb") as fh:
            fh.seek(offset)
            appended = fh.read().decode("utf-8", errors="replace")
        if retry.returncode is not None and f'"result": "{started}"' in appended:
            log(f"Paddle {version}: {started} {why} in the long run; it ran on its own")
            continue
        log(f"Paddle {version}: {started} {why}, also on its own; resuming without it")
        with open(results, "a", encoding="utf-8") as fh:
            fh.write(json.dumps({"result": started, "status": "fail", "message": why}) + "\n")
    timings[f"checks {version}"] = time.perf_counter() - t0
    data, _, _ = _read_results(results)
    if not data["models"] and not data["rules"]:
        log(f"Paddle {version}: no results; the log ({logfile}) ends:")
        log(logfile.read_text(errors="replace")[-3000:] if logfile.is_file() else "(no log)")
        return None
    return data


def _wait_with_progress(proc: subprocess.Popen, results: Path) -> bool:
    """Wait for ``proc``; kill it (its own process group) when ``results`` stops growing. True if killed."""
    size, changed = -1, time.monotonic()
    while proc.poll() is None:
        time.sleep(0.5)
        now_size = results.stat().st_size if results.exists() else 0
        if now_size != size:
            size, changed = now_size, time.monotonic()
        elif time.monotonic() - changed > CHECK_TIMEOUT:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
            return True
    return False


def summarize(
    version: str, results: dict[str, dict[str, Any]], min_paddle: dict[str, str | None]
) -> tuple[list[str], list[str], list[str]]:
    """Print one version's results; return (model failures, failures min_paddle should record,
    failures on every version run).

    A rule check that fails here but passes on another version run, and whose ``min_paddle`` does
    not exclude this version, should record ``min_paddle`` (or emit code that works on both).
    """
    data = results[version]
    models, rules = data.get("models", {}), data.get("rules", {})

    def count(d: dict[str, Any]) -> str:
        c = {s: sum(1 for r in d.values() if r["status"] == s) for s in ("pass", "fail", "skip")}
        return f"{c['pass']} passed, {c['fail']} failed, {c['skip']} skipped"

    log(f"\nPaddle {version} (numpy {data.get('numpy', '?')}):")
    log(f"  end-to-end models: {count(models)}")
    for name, r in models.items():
        diff = f"  max|diff| {r['max_abs_diff']:.2e}" if "max_abs_diff" in r else ""
        log(f"    {name:<18} {r['status']}{diff}" + (f"  {r.get('message', '')}" if r["status"] != "pass" else ""))
    log(f"  rule checks:       {count(rules)}")
    model_failures = [n for n, r in models.items() if r["status"] != "pass"]
    unrecorded, everywhere = [], []
    for name, r in sorted(rules.items()):
        if r["status"] == "pass" and needs_newer(min_paddle.get(name), version):
            log(f"    note: {name} passes on {version} although min_paddle = {min_paddle.get(name)}")
        if r["status"] != "fail":
            continue
        passes_on = [v for v, d in results.items() if v != version and d["rules"].get(name, {}).get("status") == "pass"]
        if needs_newer(min_paddle.get(name), version):
            tag = f"min_paddle {min_paddle.get(name)}"
        elif passes_on or len(results) == 1:
            tag = "NO min_paddle" + (f", passes on {', '.join(passes_on)}" if passes_on else "")
            unrecorded.append(name)
        else:
            tag = "fails on every version run"
            everywhere.append(name)
        log(f"    FAIL {name} [{tag}]: {r.get('message', '')[:300]}")
    return model_failures, unrecorded, everywhere


def docs_json(results: dict[str, dict[str, Any]]) -> dict[str, Any]:
    versions = sorted(results, key=lambda v: tuple(int(p) for p in v.split(".") if p.isdigit()))
    out: dict[str, Any] = {
        "about": "Per rule and per end-to-end model: the numeric check's result on each Paddle version. "
        "Written by `python scripts/paddle_compat.py --update-docs`; read by translator/docs.py.",
        "versions": versions,
        "models": {},
        "rules": {},
    }
    for kind in ("models", "rules"):
        names = sorted({n for v in versions for n in results[v].get(kind, {})})
        for name in names:
            out[kind][name] = {v: results[v][kind][name]["status"] for v in versions if name in results[v].get(kind, {})}
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--versions",
        help="comma-separated Paddle versions (default: 2.6.2 and this environment's Paddle)",
    )
    parser.add_argument("--reference-dir", default=str(ROOT / "out" / "paddle_compat" / "reference"))
    parser.add_argument("--out", default=str(ROOT / "out" / "paddle_compat"), help="logs and per-version results")
    parser.add_argument("--results", help="combined results JSON (default: OUT/results.json)")
    parser.add_argument("--reuse-references", action="store_true", help="do not recompute the torch side")
    parser.add_argument("--update-docs", action="store_true", help="write docs/paddle_versions.json and the coverage page")
    args = parser.parse_args(argv)

    here = installed_paddle_version()
    versions = args.versions.split(",") if args.versions else [*DEFAULT_VERSIONS, *([here] if here else [])]
    versions = list(dict.fromkeys(v.strip() for v in versions if v.strip()))
    ref, out = Path(args.reference_dir), Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    timings: dict[str, float] = {}

    start = time.perf_counter()
    if not (args.reuse_references and (ref / "meta.json").is_file()):
        meta = build_references(ref)
    else:
        meta = json.loads((ref / "meta.json").read_text())
    timings["references"] = time.perf_counter() - start
    log(f"references: {len(meta['models'])} models, {meta['rules']} rule checks -> {ref} ({timings['references']:.0f} s)")

    pythons = {}
    for version in versions:
        t0 = time.perf_counter()
        pythons[version] = sys.executable if version == here else ensure_venv(version)
        timings[f"venv {version}"] = time.perf_counter() - t0
    results: dict[str, dict[str, Any]] = {}

    def worker(version: str) -> None:
        data = run_checks(pythons[version], version, ref, out, timings)
        if data is not None:
            results[version] = data

    threads = [threading.Thread(target=worker, args=(v,)) for v in versions]  # in parallel
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    failed_runs = [v for v in versions if v not in results]

    from translator.rules import load_table

    min_paddle = {r.torch: r.min_paddle for r in load_table().all_rules()}
    summary: dict[str, Any] = {"versions": {}, "timings_s": {k: round(v, 1) for k, v in timings.items()}}
    status = 0
    for version in [v for v in versions if v in results]:
        data = results[version]
        model_failures, unexcused, everywhere = summarize(version, results, min_paddle)
        summary["versions"][version] = {
            "paddle": data.get("paddle"),
            "numpy": data.get("numpy"),
            "model_failures": model_failures,
            "rule_failures_without_min_paddle": unexcused,
            "rule_failures_on_every_version": everywhere,
            "models": data.get("models", {}),
            "rules": data.get("rules", {}),
        }
        if model_failures or unexcused:
            status = 1
    if failed_runs:
        status = 1
    results_path = Path(args.results) if args.results else out / "results.json"
    results_path.parent.mkdir(parents=True, exist_ok=True)
    results_path.write_text(json.dumps(summary, indent=1, sort_keys=True), encoding="utf-8")
    log("\ntimings: " + ", ".join(f"{k} {v:.0f} s" for k, v in timings.items()))
    log(f"results: {results_path}")
    if args.update_docs and not failed_runs:
        DOCS_JSON.write_text(json.dumps(docs_json(results), indent=1, sort_keys=True) + "\n", encoding="utf-8")
        log(f"wrote {DOCS_JSON.relative_to(ROOT)}")
        subprocess.run([sys.executable, "-m", "translator.docs"], cwd=str(ROOT), check=False)
    return status


if __name__ == "__main__":
    sys.exit(main())
