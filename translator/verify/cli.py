"""``torch2paddle verify TARGET [--paddle PADDLE_TARGET] ...``: :func:`main_verify`.

It imports the torch target, translates its source with the translator (or takes an existing
port with ``--paddle``), builds both models and runs one of the two checks. Exit codes: 0 match,
1 mismatch (including a translation that does not import or run), 2 bad input.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import warnings
from pathlib import Path
from typing import Any, Iterable

from ..cli.output import err, missing_extra
from ..targets import TargetError, call_arguments, get_factory, import_target_module, is_path, split_target
from .check import torch_call, verify
from .compare import jsonable
from .init_check import compare_init
from .inputs import Batch, InputError, InputSpec, batches_from_specs, load_batches, parse_input_spec, randomize_bn_stats
from .translated import import_translation

__all__ = ["main_verify"]


def _parse_shape(text: str) -> tuple[int, ...]:
    try:
        shape = tuple(int(part) for part in text.replace("x", ",").split(",") if part.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r}: expected comma-separated integers like 1,3,224,224") from None
    if not shape or any(d < 0 for d in shape):
        raise argparse.ArgumentTypeError(f"{text!r}: expected comma-separated non-negative integers")
    return shape


def _parse_spec(text: str) -> InputSpec:
    try:
        return parse_input_spec(text)
    except InputError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="torch2paddle verify",
        description="Translate a torch model (or take an existing Paddle port), copy its weights, "
        "run both on the same input and compare; on a mismatch, name the first diverging layer.",
    )
    p.add_argument("target", metavar="TARGET", help="path/to/torch_file.py:factory or dotted.module:factory")
    p.add_argument("--paddle", metavar="PADDLE_TARGET", help="an existing Paddle port (FILE.py:factory) instead of translating")
    p.add_argument(
        "--kwargs", default="{}", metavar="JSON|EXPR",
        help="arguments for both factories: a JSON object, or a Python expression evaluated in each "
        "side's module (a dict: keyword arguments; a tuple: positional ones; anything else, e.g. "
        "\"ModelArgs(dim=64, n_layers=2)\": the one positional argument)",
    )
    p.add_argument(
        "--input", action="append", type=_parse_spec, metavar="[NAME=]DTYPE[SHAPE][:LO..HI]",
        help="a seeded random input, e.g. float32[1,3,224,224], int64[2,16]:0..1000, mask=bool[2,16] "
        "(repeat for several; NAME= makes it a keyword input)",
    )
    p.add_argument(
        "--input-shape", action="append", type=_parse_shape, metavar="1,3,224,224",
        help="shape of a float32 input (the same as --input float32[...]; default 1,3,224,224)",
    )
    p.add_argument("--inputs", metavar="FILE.npz|FILE.py:FUNCTION",
                   help="inputs from a file: an .npz (keys arg0, arg1, ... positional, target the target, others "
                   "keyword inputs) or a function returning one batch or a list of batches")
    p.add_argument("--batch-size", type=int, metavar="B", help="cut the .npz arrays into batches of B samples")
    p.add_argument("--batches", type=int, metavar="N",
                   help="draw N batches from the --input specs (default 1; --train N draws N)")
    p.add_argument("--target", dest="targets", action="append", type=_parse_spec, metavar="DTYPE[SHAPE][:LO..HI]",
                   help="the training target given to --loss, drawn like --input (e.g. int64[8]:0..10)")
    p.add_argument("--train", type=int, metavar="N",
                   help="train both N steps from the same weights and batches and compare every step")
    p.add_argument("--loss", metavar="EXPR",
                   help="torch loss, translated for Paddle: a module (\"nn.CrossEntropyLoss()\") or an "
                   "expression of output and target (default: the mean of the outputs)")
    p.add_argument("--optimizer", metavar="EXPR",
                   help="torch optimizer of `model`, translated for Paddle, e.g. "
                   "\"torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)\" (default: SGD, lr 0.1)")
    p.add_argument("--scheduler", metavar="EXPR",
                   help="torch learning-rate scheduler of `optimizer`, translated for Paddle and stepped after "
                   "every step, e.g. \"torch.optim.lr_scheduler.StepLR(optimizer, step_size=2, gamma=0.5)\"")
    p.add_argument("--precision", choices=("float64", "float32"), default="float64",
                   help="--train: train copies of both models in this precision (default float64)")
    p.add_argument("--plot", metavar="FILE.png", help="draw the loss curves (--train) or the per-layer "
                   "differences (needs matplotlib)")
    p.add_argument("--atol", type=float, help="default 1e-5; --train: 1e-9 (float64) or 1e-6 (float32)")
    p.add_argument("--rtol", type=float, help="default 1e-5; --train: 1e-6 (float64) or 2e-3 (float32)")
    p.add_argument("--seed", type=int, default=0, help="seed for the inputs and BatchNorm statistics")
    p.add_argument("--report", metavar="FILE.json", help="also write the result as JSON")
    p.add_argument("--init", action="store_true",
                   help="compare the initial parameter distributions instead (no weight copy)")
    p.add_argument("--sigmas", type=float, default=6.0, help="--init tolerance in standard errors (default 6)")
    p.add_argument("--save-translation", metavar="FILE.py", help="also write the translated source here")
    return p


class _Exit(Exception):
    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code = code


def main_verify(argv: Iterable[str] | None = None) -> int:
    """``torch2paddle verify``: 0 match, 1 mismatch, 2 bad input."""
    parser = _parser()
    try:
        args = parser.parse_args(list(argv) if argv is not None else None)
    except SystemExit as exc:
        return 0 if exc.code == 0 else 2
    clash = _output_clash(args)
    if clash:
        err(clash)
        return 2
    workdir = None
    try:
        workdir = tempfile.mkdtemp(prefix="t2p-verify-")
        return _main_verify(args, workdir)
    except _Exit as exc:
        err(str(exc))
        if exc.code == 1 and args.report:
            _write_json(args.report, {"match": False, "target": args.target, "errors": [str(exc)]})
        return exc.code
    finally:
        if workdir is not None:
            shutil.rmtree(workdir, ignore_errors=True)


def _output_clash(args: argparse.Namespace) -> str | None:
    """Why ``--report``/``--save-translation`` would overwrite an input or each other, or None."""
    inputs = []
    for target, label in ((args.target, "the target's source"), (args.paddle, "the --paddle file")):
        if target and ":" in target and is_path(target.rsplit(":", 1)[0]):
            inputs.append((Path(target.rsplit(":", 1)[0]), label))
    outputs = [(Path(p), flag) for p, flag in ((args.report, "--report"), (args.save_translation, "--save-translation"),
                                                (args.plot, "--plot")) if p]
    for i, (a, flag_a) in enumerate(outputs):
        for b, flag_b in outputs[i + 1:]:
            if a.resolve() == b.resolve():
                return f"{a}: {flag_a} and {flag_b} name the same file"
    if args.inputs and ":" in args.inputs and is_path(args.inputs.rsplit(":", 1)[0]):
        inputs.append((Path(args.inputs.rsplit(":", 1)[0]), "the --inputs file"))
    elif args.inputs:
        inputs.append((Path(args.inputs), "the --inputs file"))
    for flag, value in (("--train", args.train), ("--batches", args.batches), ("--batch-size", args.batch_size)):
        if value is not None and value < 1:
            return f"{flag} {value}: must be at least 1"
    if args.train and args.init:
        return "--train and --init are two different checks; give one"
    if (args.loss or args.optimizer or args.scheduler or args.targets) and not args.train:
        return "--loss, --optimizer, --scheduler and --target are for --train N"
    for out, flag in outputs:
        if out.is_dir():
            return f"{out}: {flag} names a directory, not a file"
        for src, label in inputs:
            if out.resolve() == src.resolve():
                return f"{out}: {flag} would overwrite {label}"
    return None


def _main_verify(args: argparse.Namespace, workdir: str) -> int:
    try:
        import paddle
        import torch
    except ImportError as exc:
        message = missing_extra("verify", exc)
        if message is None:
            raise
        raise _Exit(2, message) from None

    # The torch side: any failure here is bad input.
    try:
        module_ref, factory_name = split_target(args.target)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", RuntimeWarning)
            t_module, source_path = import_target_module(module_ref)
        for w in caught:
            print(f"warning: {w.message}", file=sys.stderr)
        t_factory = get_factory(t_module, factory_name, args.target)
    except TargetError as exc:
        raise _Exit(2, str(exc)) from None
    except Exception as exc:
        raise _Exit(2, f"{args.target}: import failed: {type(exc).__name__}: {exc}") from None

    # The Paddle side: a port that does not import or build is a mismatch.
    if args.paddle:
        try:
            p_module_ref, p_factory_name = split_target(args.paddle)
            if is_path(p_module_ref) and not Path(p_module_ref).is_file():
                raise TargetError(f"{p_module_ref}: no such file")
        except TargetError as exc:
            raise _Exit(2, str(exc)) from None
        p_label = args.paddle
        try:
            p_module, _ = import_target_module(p_module_ref)
        except TargetError as exc:
            raise _Exit(2, str(exc)) from None
        except Exception as exc:
            raise _Exit(1, f"{args.paddle}: import failed: {type(exc).__name__}: {exc}") from None
    else:
        if source_path is None or not source_path.is_file():
            raise _Exit(2, f"{args.target}: no source file to translate")
        p_factory_name = factory_name
        p_module, p_label = _translate_and_import(source_path, workdir, args.save_translation, torch_init=args.init)
    try:
        p_factory = get_factory(p_module, p_factory_name, p_label)
    except TargetError as exc:
        raise _Exit(1 if not args.paddle else 2, str(exc)) from None

    try:
        t_args, t_kwargs = call_arguments(args.kwargs, t_module)
    except TargetError as exc:
        raise _Exit(2, str(exc)) from None
    try:
        p_args, p_kwargs = call_arguments(args.kwargs, p_module)
    except TargetError as exc:
        raise _Exit(1 if not args.paddle else 2, f"{p_label}: {exc}") from None
    shown = _shown_arguments(args.kwargs)

    torch.manual_seed(args.seed)
    try:
        t_model = t_factory(*t_args, **t_kwargs)
    except Exception as exc:
        raise _Exit(2, f"{args.target}: {factory_name}({shown}) failed: {type(exc).__name__}: {exc}") from None
    paddle.seed(args.seed)
    try:
        p_model = p_factory(*p_args, **p_kwargs)
    except Exception as exc:
        raise _Exit(1, f"{p_label}: {p_factory_name}({shown}) failed: {type(exc).__name__}: {exc}") from None

    batches = _batches(args)
    _materialize(args, t_model, p_model, p_label, batches[0])
    if args.init:
        init = compare_init(t_model, p_model, sigmas=args.sigmas)
        init.target = args.target + (f" vs {args.paddle}" if args.paddle else " (translated with --torch-init)")
        print(init.format_table())
        if args.report:
            _write_json(args.report, init.to_dict())
        return 0 if init.match else 1

    if args.train:
        return _train(args, t_module, p_module, t_model, p_model, batches)

    # Statistics measured on other inputs than the compared ones (same specs, next seed).
    calibration = batches_from_specs(_specs(args), 1, args.seed + 1)[0] if not args.inputs else batches[0]
    randomize_bn_stats(t_model, args.seed, inputs=_torch_args(calibration))
    try:
        t_model.eval()
        t_call_args, t_call_kwargs = torch_call(batches[0])
        with torch.no_grad():
            t_model(*t_call_args, **t_call_kwargs)
    except Exception as exc:
        raise _Exit(2, f"{args.target}: the torch model fails on inputs {', '.join(batches[0].shapes())}: "
                       f"{type(exc).__name__}: {exc}") from None
    report = verify(t_model, p_model, batches, **_tolerances(args, 1e-5, 1e-5))
    report.target = args.target + (f" vs {args.paddle}" if args.paddle else " (translated)")
    print(report.format_table())
    if args.report:
        _write_json(args.report, report.to_dict())
    if args.plot:
        _plot_layers(args, t_model, p_model, batches[report.worst_batch or 0], report)
    return 0 if report.match else 1


def _materialize(args: argparse.Namespace, t_model: Any, p_model: Any, p_label: str, batch: Batch) -> None:
    """Build lazy layers (``nn.LazyLinear``...) by one forward pass on the first batch, so that
    there are parameters to compare; a note names them."""
    from .lazy import materialize

    try:
        lazy = materialize(t_model, None, batch)
    except Exception as exc:
        raise _Exit(2, f"{args.target}: the first forward pass, which builds the lazy layers, fails on inputs "
                       f"{', '.join(batch.shapes())}: {type(exc).__name__}: {exc}") from None
    try:
        lazy = materialize(None, p_model, batch) or lazy
    except Exception as exc:
        raise _Exit(1, f"{p_label}: the first forward pass, which builds the lazy layers, fails: "
                       f"{type(exc).__name__}: {exc}") from None
    if lazy:
        shown = ", ".join(lazy[:5]) + (", ..." if len(lazy) > 5 else "")
        print(f"note: {len(lazy)} lazy layer(s) ({shown}) built by one forward pass on the first batch "
              "before the weights are mapped", file=sys.stderr)


def _shown_arguments(text: str) -> str:
    try:
        value = json.loads(text)
    except ValueError:
        return text
    return "**" + json.dumps(value) if isinstance(value, dict) else text


def _tolerances(args: argparse.Namespace, atol: float | None, rtol: float | None) -> dict[str, Any]:
    out = {}
    if args.atol is not None or atol is not None:
        out["atol"] = args.atol if args.atol is not None else atol
    if args.rtol is not None or rtol is not None:
        out["rtol"] = args.rtol if args.rtol is not None else rtol
    return out


def _specs(args: argparse.Namespace) -> list[InputSpec]:
    specs = list(args.input or [])
    specs += [InputSpec("float32", tuple(shape)) for shape in args.input_shape or []]
    return specs or [InputSpec("float32", (1, 3, 224, 224))]


def _batches(args: argparse.Namespace) -> list[Batch]:
    if args.inputs:
        if args.input or args.input_shape or args.batches:
            raise _Exit(2, "--inputs gives the inputs; do not combine it with --input, --input-shape or --batches")
        try:
            batches = load_batches(args.inputs, batch_size=args.batch_size)
        except InputError as exc:
            raise _Exit(2, str(exc)) from None
        if args.targets:
            extra = batches_from_specs([], len(batches), args.seed, targets=args.targets)
            for batch, drawn in zip(batches, extra):
                if batch.target is None:
                    batch.target = drawn.target
        return batches
    if args.batch_size:
        raise _Exit(2, "--batch-size cuts the arrays of --inputs FILE.npz")
    n = args.batches or args.train or 1
    return batches_from_specs(_specs(args), n, args.seed, targets=args.targets or ())


def _torch_args(batch: Batch) -> list[Any]:
    return torch_call(batch)[0]


def _train(args: argparse.Namespace, t_module: Any, p_module: Any, t_model: Any, p_model: Any,
           batches: list[Batch]) -> int:
    from .train import verify_training
    from .training_code import TrainingCodeError, build_training_code

    try:
        code = build_training_code(args.loss, args.optimizer, t_module, p_module, scheduler=args.scheduler)
    except TrainingCodeError as exc:
        raise _Exit(2, str(exc)) from None
    except Exception as exc:
        raise _Exit(2, f"--loss/--optimizer/--scheduler: {type(exc).__name__}: {exc}") from None
    for warning in code.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    if args.loss and any(b.target is None for b in batches):
        print("note: no --target (or target in --inputs): the loss is called with target=None", file=sys.stderr)
    loss = (code.torch_loss, code.paddle_loss) if code.torch_loss else None
    optimizer = (code.torch_optimizer, code.paddle_optimizer) if code.torch_optimizer else None
    scheduler = (code.torch_scheduler, code.paddle_scheduler) if code.torch_scheduler else None
    try:
        report = verify_training(
            t_model, p_model, batches, steps=args.train, loss=loss, optimizer=optimizer, scheduler=scheduler,
            precision=args.precision, atol=args.atol, rtol=args.rtol, loss_label=args.loss or "",
            optimizer_label=args.optimizer or "", scheduler_label=args.scheduler or "",
        )
    except Exception as exc:
        raise _Exit(2, f"--train: the torch side fails: {type(exc).__name__}: {exc}") from None
    report.target = args.target + (f" vs {args.paddle}" if args.paddle else " (translated)")
    if args.loss:
        report.loss += f"  ->  Paddle: {code.paddle_expressions[0]}"
    if args.optimizer:
        report.optimizer += f"  ->  Paddle: {code.paddle_expressions[1]}"
    if args.scheduler:
        report.scheduler += f"  ->  Paddle: {code.paddle_expressions[2]}"
    print(report.format_table())
    if args.report:
        _write_json(args.report, report.to_dict())
    if args.plot:
        from .plot import plot_available, plot_training

        if _plot_ready(plot_available()):
            plot_training(report, args.plot)
            print(f"wrote {args.plot}", file=sys.stderr)
    return 0 if report.match else 1


def _plot_ready(available: bool) -> bool:
    if not available:
        print('note: --plot needs matplotlib, which is not installed (pip install "torch2paddle[plot]"); '
              "no plot written", file=sys.stderr)
    return available


def _plot_layers(args: argparse.Namespace, t_model: Any, p_model: Any, batch: Batch, report: Any) -> None:
    from .check import per_layer_differences
    from .plot import plot_available, plot_layers

    if not _plot_ready(plot_available()):
        return
    try:
        layers = per_layer_differences(t_model, p_model, batch, atol=report.atol, rtol=report.rtol)
    except Exception as exc:
        print(f"note: --plot: could not compare layer by layer: {type(exc).__name__}: {exc}", file=sys.stderr)
        return
    plot_layers(layers, args.plot, atol=report.atol, title=f"verify {report.target}")
    print(f"wrote {args.plot}", file=sys.stderr)


def _translate_and_import(source_path: Path, workdir: str, save_to: str | None, *,
                          torch_init: bool = False) -> tuple[Any, str]:
    """The CLI's :func:`load_translated_module`: failures become exit codes. ``--init``
    translates with ``torch_init`` (torch's default initialization reproduced)."""
    from ..settings import Settings
    from ..translate import translate_source

    settings = Settings(torch_init=torch_init)
    try:
        code = source_path.read_text(encoding="utf-8")
    except OSError as exc:
        raise _Exit(2, f"{source_path}: cannot read: {exc.strerror or exc}") from None
    try:
        translation = translate_source(code, path=str(source_path), settings=settings)
    except Exception as exc:
        raise _Exit(2, f"{source_path}: translation failed: {type(exc).__name__}: {exc}") from None
    for diag in getattr(translation, "diagnostics", ()):
        print(f"{diag}", file=sys.stderr)
    if save_to:
        Path(save_to).write_text(translation.code, encoding="utf-8")
    label = f"translation of {source_path}" + (" (with --torch-init)" if torch_init else "")
    try:
        module = import_translation(source_path.resolve(), translation.code, Path(workdir), settings=settings)
    except Exception as exc:
        hint = f" (saved at {save_to})" if save_to else " (use --save-translation FILE.py to inspect it)"
        raise _Exit(1, f"{label} does not import{hint}: {type(exc).__name__}: {exc}") from None
    return module, label


def _write_json(path: str, data: dict[str, Any]) -> None:
    target = Path(path)
    tmp = target.with_name(f".{target.name}.tmp")
    tmp.write_text(json.dumps(jsonable(data), indent=2) + "\n", encoding="utf-8")
    os.replace(tmp, target)
