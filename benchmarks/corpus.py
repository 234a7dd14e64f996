"""Corpus harness: translate real model libraries and check every model end to end.

    python benchmarks/corpus.py                  # every model (about an hour on 2 cores)
    python benchmarks/corpus.py --quick          # a few small models per library
    python benchmarks/corpus.py --only resnet18 --only pretrainedmodels
    python benchmarks/corpus.py --json out.json  # also keep the results
    python benchmarks/corpus.py --init           # initialisation instead of outputs (verify --init)

For each library (``benchmarks/corpus_models*.py``): install it into
``~/.cache/torch2paddle/corpus/`` (pip ``--no-deps --target``, pinned by the repository's
``constraints.txt``), translate its package folder as a whole with the CLI, and translate each
model's own file alone (one CLI call per file). Then, for each model and each of the two
translations, in a worker process:

1. the translated module is imported while torch, torchvision and the original library cannot
   be imported at all (a meta-path blocker: any attempt raises ImportError);
2. torch is imported for the reference side; from then on any ``import`` of torch, torchvision
   or the original library made by the translated code still raises (``builtins.__import__``
   is guarded by the importing module's file), so building and running the Paddle model is
   checked torch-free too;
3. the torch model is built (seeded), its parameters that hold one value throughout varied
   (``_vary_constant_parameters``: a zero-initialized head, as torchvision's ViT has, makes
   every output 0 in both frameworks), its BatchNorm statistics set
   (``translator.verify.randomize_bn_stats``), and ``translator.verify.verify`` converts its
   weights with ``translator.weights``, runs both models in eval mode on the same random inputs,
   compares the outputs (atol = rtol = 1e-4, re-checked in float64 when float32 differs) and,
   on a mismatch, names the first diverging layer.

The match criterion (printed with the table as ``CRITERION``): the tolerance is absolute, so
it means something only when every model computes at about unit scale, as a trained network
does. The BatchNorm statistics are therefore measured in one eval-mode pass on the compared
inputs, layer by layer, each layer's from the input the layers before it (already set) give it,
then perturbed (variances times U(0.5, 1.5), means moved by N(0, 0.1^2) standard deviations)
before it computes. Measured all at once in train mode and perturbed afterwards, the
perturbations compound through a deep residual network: SENet-154's logits reached 3e4 and
torch's own float32 and float64 runs of the same weights differed by 1.8e4, so its "mismatch"
(6.7e2) said nothing about the translation; measured layer by layer its logits are about 1 and
the two torch runs differ by 1e-4. A real bug still fails (tests/test_bn_stats_criterion.py: a
wrong epsilon in one BatchNorm of 151, a swapped axis, batch statistics in eval mode). On a
mismatch the notes also give torch's own float32-versus-float64 difference, the rounding noise
the difference is to be read against.

With ``--init`` the translations are made with ``--torch-init`` and step 3 is
``translator.verify.compare_init`` instead: both models keep their own initialisation (no weight
copy, no BatchNorm statistics) and every parameter's distribution is compared, as
``torch2paddle verify --init`` does; ``match`` then means every parameter agrees.

The table gives the stage each translation reached: ``translate`` (the file translated),
``import``, ``build``, ``load`` (the converted weights fit) and ``match``, with the largest
difference and the first diverging layer; then the untranslated spots of each library's
package translation, per torch API.
"""

from __future__ import annotations

import argparse
import collections
import dataclasses
import importlib.util
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Iterable

HERE = Path(__file__).resolve().parent
SCRIPTS = HERE / "corpus_scripts"  # user code of the corpus (Model.script)
REPO = HERE.parent
CACHE = Path(os.environ.get("TORCH2PADDLE_CORPUS_DIR", Path.home() / ".cache" / "torch2paddle" / "corpus"))
STAGES = ("-", "translate", "import", "build", "load", "match")
MODES = ("file", "package", "user")
TRANSLATOR = [REPO]  # the checkout whose translator the CLI runs (--translator)
RESULT = "@@corpus-result "
CRITERION = ("match: Paddle and torch outputs within atol = rtol = 1e-4 in float32, or in float64 when float32 "
             "differs (both sides re-run); parameters of one value varied; BatchNorm statistics measured layer by layer "
             "in eval mode, then perturbed")  # prefix of a worker's result lines (paddle prints to stdout too)

sys.path.insert(0, str(HERE))
from corpus_models import Library, Model  # noqa: E402


def load_corpus() -> tuple[dict[str, Library], list[Model]]:
    """Every ``corpus_models*.py`` beside this file: their libraries and models, in file order."""
    libraries: dict[str, Library] = {}
    models: list[Model] = []
    for path in sorted(HERE.glob("corpus_models*.py"), key=lambda p: (p.stem != "corpus_models", p.stem)):
        spec = importlib.util.spec_from_file_location(path.stem, path)
        module = sys.modules.get(path.stem) or importlib.util.module_from_spec(spec)
        if path.stem not in sys.modules:
            sys.modules[path.stem] = module
            spec.loader.exec_module(module)
        for lib in getattr(module, "LIBRARIES", []):
            libraries[lib.name] = lib
        models += getattr(module, "MODELS", [])
    names = [m.name for m in models]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise SystemExit(f"corpus: model names listed twice: {', '.join(dupes)}")
    unknown = sorted({m.library for m in models} - set(libraries))
    if unknown:
        raise SystemExit(f"corpus: models name unknown libraries: {', '.join(unknown)}")
    return libraries, models


# --------------------------------------------------------------------------------------------
# Installing and locating


def install(lib: Library) -> Path | None:
    """The folder to put on sys.path for ``lib`` (installed on first use); None: the environment's."""
    if not lib.pip:
        return None
    target = CACHE / lib.cache_folder
    marker = target / ".corpus-requirements"
    wanted = "\n".join(lib.pip)
    if not (target / lib.top).is_dir() or not marker.is_file() or marker.read_text() != wanted:
        cmd = [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", str(target),
               "-c", str(REPO / "constraints.txt"), *lib.pip]
        print(f"installing {' '.join(lib.pip)} into {target}", flush=True)
        subprocess.run(cmd, check=True)
        marker.write_text(wanted)
    return target


def package_dir(lib: Library, site: Path | None) -> Path:
    """The folder of ``lib.package``, found without importing it."""
    top = site / lib.top if site is not None else None
    if top is None:
        spec = importlib.util.find_spec(lib.top)
        if spec is None or not spec.submodule_search_locations:
            raise SystemExit(f"corpus: {lib.top} is not installed")
        top = Path(list(spec.submodule_search_locations)[0])
    return top.joinpath(*lib.package.split(".")[1:])


def module_file(lib: Library, pkg: Path, module: str) -> Path:
    rel = module.split(".")[len(lib.package.split(".")):]
    path = pkg.joinpath(*rel)
    return path / "__init__.py" if path.is_dir() else path.with_suffix(".py")


# --------------------------------------------------------------------------------------------
# Translating (the CLI, as a user runs it)


def _cli(args: list[str], site: Path | None = None) -> subprocess.CompletedProcess[str]:
    # the translator's checkout first (`-m` puts the working folder first on sys.path, so the CLI
    # also runs from there), then the library's folder: the translator finds the definitions it
    # carries there
    paths = [str(TRANSLATOR[0]), *([str(site)] if site is not None else []), os.environ.get("PYTHONPATH", "")]
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(paths))
    return subprocess.run([sys.executable, "-m", "translator.cli", "translate", "-q", *args],
                          capture_output=True, text=True, env=env, cwd=str(TRANSLATOR[0]))


def carried(lib: Library) -> list[str]:
    """The CLI flags naming the libraries carried for ``lib``: none for torchvision's own (the
    default), else torchvision, the library and its ``libraries``."""
    if lib.top == "torchvision" and not lib.libraries:
        return []
    names = dict.fromkeys(("torchvision", lib.top, *lib.libraries))
    return [flag for name in names for flag in ("--library", name)]


def translate(src: Path, out: Path, report: Path, jobs: int = 1, flags: tuple[str, ...] | list[str] = (),
              site: Path | None = None) -> dict[str, Any]:
    """Translate ``src`` (a file or a folder) into ``out``; the CLI's JSON report plus timing."""
    start = time.perf_counter()
    proc = _cli([str(src), "-o", str(out) + ("/" if src.is_dir() else ""), "--report", str(report),
                 "--jobs", str(jobs), *flags], site)
    seconds = time.perf_counter() - start
    if proc.returncode == 2 or not report.is_file():
        return {"error": (proc.stderr.strip() or proc.stdout.strip()).splitlines()[-1:] or ["exit 2"],
                "seconds": seconds, "files": [], "summary": {}}
    data = json.loads(report.read_text())
    data["seconds"] = seconds
    return data


def untranslated(report: dict[str, Any]) -> collections.Counter[str]:
    counts: collections.Counter[str] = collections.Counter()
    for item in report.get("summary", {}).get("untranslated_apis", []):
        counts[item["api"]] += item["count"]
    return counts


# --------------------------------------------------------------------------------------------
# The worker: imports, builds, converts, compares (one process per module of models)


@dataclasses.dataclass
class Outcome:
    model: str
    mode: str
    stage: str = "-"
    max_diff: float | None = None
    precision: str = ""
    divergence: str = ""
    error: str = ""
    seconds: float = 0.0


class _Blocker:
    """A meta-path finder that refuses whole packages (while the translation is imported)."""

    def __init__(self, names: Iterable[str]) -> None:
        self.names = set(names)

    def find_spec(self, fullname: str, path: Any = None, target: Any = None) -> None:
        if fullname.split(".")[0] in self.names:
            raise ImportError(f"{fullname} is blocked: the translated code must import without it")
        return None


def _guard_imports(names: set[str], folders: list[str]) -> None:
    """From now on, code whose file is under ``folders`` cannot import any of ``names``."""
    import builtins

    original = builtins.__import__

    def guarded(name: str, globals: Any = None, locals: Any = None, fromlist: Any = (), level: int = 0) -> Any:
        if level == 0 and name.split(".")[0] in names and globals:
            where = str(globals.get("__file__") or "")
            if any(where.startswith(f) for f in folders):
                raise ImportError(f"{name} is blocked: translated code ({where}) imports it")
        return original(name, globals, locals, fromlist, level)

    builtins.__import__ = guarded


def _attr_path(obj: Any, dotted: str) -> Any:
    for part in dotted.split("."):
        obj = getattr(obj, part)
    return obj


def _vary_constant_parameters(torch_model: Any, seed: int = 0) -> list[str]:
    """Parameters a model initializes to one value (torchvision's ViT head and its zero
    weight, layer-scale and BatchNorm gammas of ones) get random values around it: a zero head
    makes every output 0 in both frameworks, and a match that compares nothing.  Weights get
    N(0, 1/fan_in) spread, vectors 0.1; the names changed are returned."""
    import torch

    g = torch.Generator().manual_seed(seed)
    changed = []
    with torch.no_grad():
        for name, p in torch_model.named_parameters():
            if p.numel() < 2 or not p.is_floating_point():
                continue
            flat = p.detach().reshape(-1)
            if not bool((flat == flat[0]).all()):
                continue
            scale = (1.0 / p[0].numel()) ** 0.5 if p.dim() >= 2 else 0.1
            p.copy_(flat[0] + torch.randn(p.shape, generator=g, dtype=p.dtype) * scale)
            changed.append(name)
    return changed


def _short(exc: BaseException) -> str:
    """One line: the exception and the innermost frame of translated (or library) code."""
    import traceback

    frames = traceback.extract_tb(exc.__traceback__)
    where = ""
    for frame in reversed(frames):
        if "/corpus/" in frame.filename:
            where = f" at {Path(frame.filename).name}:{frame.lineno}"
            break
    text = f"{type(exc).__name__}: {exc}{where}".replace("\n", " ")
    return text if len(text) <= 300 else text[:297] + "..."


def worker(spec: dict[str, Any]) -> None:
    """Run the models of one module; print one RESULT line per (model, mode)."""
    import warnings

    warnings.simplefilter("ignore")
    sys.path[:0] = [str(REPO), *spec["sys_path"]]
    blocked = {"torch", "torchvision", spec["top"], *spec.get("blocked", ())}
    folders = [str(Path(f).resolve()) for f in spec["folders"]]
    by_name = {m.name: m for m in load_corpus()[1]}
    models = [by_name[n] for n in spec["models"]]

    # 1. Import every translation with torch impossible to import.
    blocker = _Blocker(blocked)
    sys.meta_path.insert(0, blocker)
    modules: dict[str, Any] = {}
    failed: dict[str, str] = {}
    try:
        import paddle  # noqa: F401  (before the translation, so paddle's own imports are not timed)

        from translator.targets import import_from_package, load_module_from_file

        for mode, (path, root) in spec["translations"].items():
            try:
                if root:
                    modules[mode] = import_from_package(Path(path).resolve(), Path(root).resolve())
                else:
                    modules[mode] = load_module_from_file(path)
            except BaseException as exc:  # noqa: BLE001 - any failure is the result
                failed[mode] = _short(exc)
    finally:
        sys.meta_path.remove(blocker)
    _guard_imports(blocked, folders)

    # 2. The reference side.
    import numpy as np
    import paddle
    import torch

    from translator.verify import compare_init, make_inputs, randomize_bn_stats, verify

    from translator.targets import load_torchvision_module

    if importlib.util.find_spec("torchvision") is not None:
        load_torchvision_module("torchvision")  # works where its compiled ops do not load
    if spec.get("script"):
        torch_module = load_module_from_file(spec["script"])
    else:
        torch_module = importlib.import_module(spec["module"])
    torch.set_num_threads(max(1, os.cpu_count() or 1))

    for model in models:
        torch_model = None
        arrays: list[Any] = []
        for mode in spec["translations"]:
            start = time.perf_counter()
            out = Outcome(model.name, mode, stage="translate")
            try:
                if mode in failed:
                    out.error = f"import: {failed[mode]}"
                    continue
                out.stage = "import"
                paddle.seed(0)
                try:
                    p_model = _attr_path(modules[mode], model.builder)(*model.args, **model.kwargs)
                except BaseException as exc:  # noqa: BLE001
                    out.error = f"build: {_short(exc)}"
                    continue
                if torch_model is None:
                    torch.manual_seed(0)
                    torch_model = _attr_path(torch_module, model.builder)(*model.args, **model.kwargs)
                if spec.get("init"):
                    _init_outcome(out, compare_init(torch_model, p_model))
                    del p_model
                    continue
                if not arrays:
                    arrays = make_inputs(model.inputs, seed=0)
                    if model.tokens:
                        rng = np.random.default_rng(0)
                        arrays = [rng.integers(0, model.tokens, size=shape).astype(np.int64) for shape in model.inputs]
                    _vary_constant_parameters(torch_model, seed=0)
                    randomize_bn_stats(torch_model, seed=0, inputs=[torch.from_numpy(a) for a in arrays])
                    torch_model.eval()
                report = verify(torch_model, p_model, arrays, atol=model.atol, rtol=model.rtol, count_flops=False)
                weights_bad = any("do not convert" in e or "parameter counts" in e for e in report.errors)
                out.stage = "build" if weights_bad else ("match" if report.match else "load")
                diffs = [d.float64_max_abs if d.float64_max_abs is not None else d.max_abs for d in report.outputs]
                diffs = [d for d in diffs if d is not None]
                out.max_diff = max(diffs) if diffs else None
                out.precision = report.precision
                if report.first_divergence is not None:
                    out.divergence = report.first_divergence.message()
                problems = report.errors + [f"{d.path}: {d.problem}" for d in report.outputs if d.problem]
                if weights_bad:
                    problems += report.weights.get("problems", [])[:3]
                if not report.match and not weights_bad:
                    noise = _torch_noise(torch_model, arrays)
                    if noise is not None:
                        problems.append(f"torch's own float32 run differs from its float64 run by {_fmt(noise)}")
                out.error = "; ".join(problems)[:400]
                del p_model
            except BaseException as exc:  # noqa: BLE001
                out.error = f"{out.stage}: {_short(exc)}"
            finally:
                out.seconds = time.perf_counter() - start
                print(RESULT + json.dumps(dataclasses.asdict(out)), flush=True)
        del torch_model
        np.random.seed(0)


def _init_outcome(out: Outcome, init: Any) -> None:
    """``out`` from a :class:`~translator.verify.InitReport`: ``match`` when every parameter's
    initial distribution agrees, ``load`` when the parameters map but some differ (the first
    few named), ``build`` when they do not map; ``max_diff`` is the count that differ."""
    bad = [p for p in init.params if not p.ok]
    out.stage = "build" if init.errors else ("match" if init.match else "load")
    out.max_diff = float(len(bad))
    out.precision = f"{len(init.params) - len(bad)}/{len(init.params)} parameters agree"
    problems = init.errors[:3] + [f"{p.source}: {p.problem}" for p in bad[:3]]
    out.error = "; ".join(problems)[:400]


def _torch_noise(torch_model: Any, arrays: list[Any]) -> float | None:
    """How far the torch model's float32 outputs are from its own float64 run: the rounding
    a mismatch is to be read against (a network that amplifies rounding shows it here)."""
    import copy

    import numpy as np
    import torch

    def flat(out: Any) -> list[Any]:
        if isinstance(out, torch.Tensor):
            return [out.detach().double().numpy()]
        if isinstance(out, dict):
            return [a for v in out.values() for a in flat(v)]
        if isinstance(out, (list, tuple)):
            return [a for v in out for a in flat(v)]
        return []

    try:
        model64 = copy.deepcopy(torch_model).double().eval()
        with torch.no_grad():
            out32 = flat(torch_model(*[torch.from_numpy(a) for a in arrays]))
            out64 = flat(model64(*[torch.from_numpy(a.astype(np.float64)) for a in arrays]))
        return max((float(np.abs(a - b).max()) for a, b in zip(out32, out64) if a.size), default=None)
    except Exception:  # noqa: BLE001 - the note is optional
        return None


# --------------------------------------------------------------------------------------------
# The driver


def _run_worker(spec: dict[str, Any], timeout: float) -> tuple[list[Outcome], str]:
    env = dict(os.environ, PYTHONPATH=str(REPO), GLOG_minloglevel="3")
    try:
        proc = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--worker", json.dumps(spec)],
                              capture_output=True, text=True, env=env, timeout=timeout)
        stdout, stderr, code = proc.stdout, proc.stderr, proc.returncode
    except subprocess.TimeoutExpired as exc:
        stdout = exc.stdout.decode() if isinstance(exc.stdout, bytes) else (exc.stdout or "")
        stderr, code = f"timed out after {timeout:.0f} s", -1
    outs = [Outcome(**json.loads(line[len(RESULT):])) for line in stdout.splitlines() if line.startswith(RESULT)]
    problem = ""
    if code != 0:
        tail = [line for line in stderr.strip().splitlines() if line.strip()][-1:] or [f"exit {code}"]
        problem = f"worker ended: {tail[0][:300]}"
    return outs, problem


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--only", action="append", default=[], help="a model or library name (repeatable)")
    ap.add_argument("--quick", action="store_true", help="only the models marked quick")
    ap.add_argument("--heavy", action="store_true", help="also the models that need >10 GB of memory")
    ap.add_argument("--mode", choices=("all", "both", *MODES), default="all",
                    help="both: file and package; all: also user code (libraries with a user_module)")
    ap.add_argument("--json", metavar="FILE", help="write the results as JSON")
    ap.add_argument("--init", action="store_true",
                    help="translate with --torch-init and compare initial parameter distributions (no weight copy)")
    ap.add_argument("--out", metavar="DIR", default=str(CACHE / "runs"),
                    help="where translations are written (default: %(default)s)")
    ap.add_argument("--translator", metavar="DIR", default=str(REPO),
                    help="the checkout whose translator translates (default: this one; another gives 'before' figures)")
    ap.add_argument("--worker", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    TRANSLATOR[0] = Path(args.translator)
    if args.worker:
        worker(json.loads(args.worker))
        return 0

    libraries, models = load_corpus()
    chosen = [m for m in models if (not args.only or m.name in args.only or m.library in args.only)
              and (not args.quick or m.quick)]
    if not chosen:
        print("corpus: no model matches", file=sys.stderr)
        return 2
    modes = {"all": MODES, "both": ("file", "package")}.get(args.mode, (args.mode,))
    if not any(libraries[m.library].user_module for m in chosen):
        modes = tuple(m for m in modes if m != "user")
    out_root = Path(args.out)
    results: list[Outcome] = []
    counts: dict[str, collections.Counter[str]] = {}
    timings: dict[str, dict[str, float]] = {}
    for lib_name in dict.fromkeys(m.library for m in chosen):
        lib = libraries[lib_name]
        lib_models = [m for m in chosen if m.library == lib_name]
        site = install(lib)
        pkg = package_dir(lib, site)
        work = out_root / (lib.name + ("-init" if args.init else ""))  # never mixed with plain translations
        work.mkdir(parents=True, exist_ok=True)
        pkg_out = work / "package" / pkg.name
        extra = ["--torch-init"] if args.init else []
        flags = carried(lib) + extra
        rep = translate(pkg, pkg_out, work / "package.json", jobs=2, flags=flags, site=site) if "package" in modes else {}
        counts[lib.name] = untranslated(rep)
        timings[lib.name] = {"package": rep.get("seconds", 0.0)}
        by_module: dict[str, list[Model]] = {}
        for m in lib_models:
            by_module.setdefault(m.module, []).append(m)
        for module, group in by_module.items():
            run = [m for m in group if not m.skip and (args.heavy or not m.heavy)]
            for m in group:
                if m.skip or (m.heavy and not args.heavy):
                    reason = m.skip or "heavy (over 10 GB with the float64 re-check): run with --heavy"
                    results += [Outcome(m.name, mode, error=f"skipped: {reason}") for mode in modes]
            if not run:
                continue
            script = SCRIPTS / group[0].script if group[0].script else None
            src = script or module_file(lib, pkg, module)
            translations: dict[str, Any] = {}
            for mode in modes:
                if script is not None and mode == "package":
                    # user code is not part of the library's package: translated alone only
                    results += [Outcome(m.name, mode, error="skipped: user code, translated alone") for m in run]
                    continue
                if mode == "file":
                    target = work / "file" / (module.replace(".", "_") + ".py")
                    target.parent.mkdir(parents=True, exist_ok=True)
                    r = translate(src, target, target.with_suffix(".json"), flags=flags, site=site)
                    timings[lib.name]["file"] = timings[lib.name].get("file", 0.0) + r.get("seconds", 0.0)
                    ok = target.is_file() and not r.get("error")
                    translations[mode] = [str(target), ""] if ok else None
                elif mode == "user":
                    if not lib.user_module:
                        continue
                    user = work / "user" / ("user_" + module.replace(".", "_") + ".py")
                    user.parent.mkdir(parents=True, exist_ok=True)
                    names = sorted({m.builder.split(".")[0] for m in run})
                    user.write_text(f"import torch\nfrom {lib.user_module} import {', '.join(names)}\n")
                    target = user.with_name(user.stem + "_paddle.py")
                    r = translate(user, target, target.with_suffix(".json"),
                                  flags=(carried(lib) or ["--library", lib.top]) + extra, site=site)
                    timings[lib.name]["user"] = timings[lib.name].get("user", 0.0) + r.get("seconds", 0.0)
                    ok = target.is_file() and not r.get("error")
                    translations[mode] = [str(target), ""] if ok else None
                else:
                    target = pkg_out / src.relative_to(pkg)
                    translations[mode] = [str(target), str(pkg_out)] if target.is_file() else None
            for mode, value in list(translations.items()):
                if value is None:
                    results += [Outcome(m.name, mode, error="translation failed or was not written") for m in run]
                    del translations[mode]
            if not translations:
                continue
            spec = {
                "module": module, "top": lib.top, "models": [m.name for m in run],
                "script": str(script) if script else "", "blocked": list(lib.libraries),
                "sys_path": [str(site)] if site else [], "translations": translations,
                "folders": [str(work)], "init": args.init,
            }
            print(f"[{lib.name}] {module}: {len(run)} model(s)", flush=True)
            outs, problem = _run_worker(spec, timeout=600 + 300 * len(run))
            done = {(o.model, o.mode) for o in outs}
            for o in outs:
                print(f"  {o.model:28} {o.mode:8} {o.stage:9} {_fmt(o.max_diff):>9}  {o.error[:90]}", flush=True)
            results += outs
            for m in run:
                for mode in translations:
                    if (m.name, mode) not in done:
                        results.append(Outcome(m.name, mode, error=problem or "no result from the worker"))
    print()
    print(format_tables(results, chosen, modes, counts, timings))
    if args.json:
        Path(args.json).write_text(json.dumps({
            "results": [dataclasses.asdict(o) for o in results],
            "untranslated": {k: dict(v) for k, v in counts.items()},
            "timings": timings, "criterion": CRITERION,
        }, indent=1))
    return 0


def _fmt(value: float | None) -> str:
    if value is None:
        return "-"
    return "0" if value == 0 else f"{value:.2g}"


def format_tables(results: list[Outcome], models: list[Model], modes: tuple[str, ...],
                  counts: dict[str, collections.Counter[str]], timings: dict[str, dict[str, float]]) -> str:
    by_key = {(o.model, o.mode): o for o in results}
    lines: list[str] = [f"CRITERION {CRITERION}", ""]
    for lib in dict.fromkeys(m.library for m in models):
        lib_models = [m for m in models if m.library == lib]
        lines.append(f"## {lib} ({len(lib_models)} models)")
        head = f"{'model':28}" + "".join(f"{mode + ' stage':>15}{'max diff':>10}" for mode in modes)
        lines += [head, "-" * len(head)]
        notes: list[str] = []
        for m in lib_models:
            row = f"{m.name:28}"
            for mode in modes:
                o = by_key.get((m.name, mode), Outcome(m.name, mode))
                stage = "skipped" if o.error.startswith("skipped") else o.stage
                row += f"{stage:>15}{_fmt(o.max_diff):>10}"
                if o.stage != "match" and o.error:
                    notes.append(f"  {m.name} [{mode}]: {o.error}")
                if o.divergence and o.stage != "match":
                    notes.append(f"  {m.name} [{mode}]: first diverging layer {o.divergence}")
            lines.append(row)
        for mode in modes:
            reached = collections.Counter(by_key.get((m.name, mode), Outcome(m.name, mode)).stage for m in lib_models)
            skipped = sum(1 for m in lib_models if by_key.get((m.name, mode), Outcome("", "")).error.startswith("skipped"))
            lines.append(f"{mode}: " + ", ".join(f"{s} {reached[s]}" for s in STAGES if reached[s])
                         + (f" (of which skipped {skipped})" if skipped else ""))
        t = timings.get(lib, {})
        if t:
            lines.append("translation time: " + ", ".join(f"{k} {v:.1f} s" for k, v in t.items()))
        if notes:
            lines += ["", "why not matched:", *notes]
        c = counts.get(lib)
        if c is not None:
            lines += ["", f"untranslated spots in the package translation: {sum(c.values())}"]
            lines += [f"  {n:5d}  {api}" for api, n in c.most_common()]
        lines.append("")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
