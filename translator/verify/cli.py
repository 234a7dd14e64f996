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
from ..targets import TargetError, get_factory, import_target_module, is_path, split_target
from .check import verify
from .compare import jsonable
from .init_check import compare_init
from .inputs import make_inputs, randomize_bn_stats
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


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="torch2paddle verify",
        description="Translate a torch model (or take an existing Paddle port), copy its weights, "
        "run both on the same input and compare; on a mismatch, name the first diverging layer.",
    )
    p.add_argument("target", metavar="TARGET", help="path/to/torch_file.py:factory or dotted.module:factory")
    p.add_argument("--paddle", metavar="PADDLE_TARGET", help="an existing Paddle port (FILE.py:factory) instead of translating")
    p.add_argument("--kwargs", default="{}", metavar="JSON", help="keyword arguments for both factories")
    p.add_argument(
        "--input-shape", action="append", type=_parse_shape, metavar="1,3,224,224",
        help="shape of a float32 input (repeat for several positional inputs; default 1,3,224,224)",
    )
    p.add_argument("--atol", type=float, default=1e-5)
    p.add_argument("--rtol", type=float, default=1e-5)
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
    outputs = [(Path(p), flag) for p, flag in ((args.report, "--report"), (args.save_translation, "--save-translation")) if p]
    if len(outputs) == 2 and outputs[0][0].resolve() == outputs[1][0].resolve():
        return f"{args.report}: --report and --save-translation name the same file"
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

    try:
        kwargs = json.loads(args.kwargs)
        if not isinstance(kwargs, dict):
            raise ValueError("not a JSON object")
    except ValueError as exc:
        raise _Exit(2, f"--kwargs: {exc}") from None
    shapes = args.input_shape or [(1, 3, 224, 224)]

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
        p_module, p_label = _translate_and_import(source_path, workdir, args.save_translation)
    try:
        p_factory = get_factory(p_module, p_factory_name, p_label)
    except TargetError as exc:
        raise _Exit(1 if not args.paddle else 2, str(exc)) from None

    torch.manual_seed(args.seed)
    try:
        t_model = t_factory(**kwargs)
    except Exception as exc:
        raise _Exit(2, f"{args.target}: {factory_name}(**{kwargs}) failed: {type(exc).__name__}: {exc}") from None
    paddle.seed(args.seed)
    try:
        p_model = p_factory(**kwargs)
    except Exception as exc:
        raise _Exit(1, f"{p_label}: {p_factory_name}(**{kwargs}) failed: {type(exc).__name__}: {exc}") from None

    if args.init:
        init = compare_init(t_model, p_model, sigmas=args.sigmas)
        init.target = args.target
        print(init.format_table())
        if args.report:
            _write_json(args.report, init.to_dict())
        return 0 if init.match else 1

    inputs = make_inputs(shapes, args.seed)
    # Statistics measured on other inputs than the compared ones (same shapes, next seed).
    randomize_bn_stats(t_model, args.seed, inputs=make_inputs(shapes, args.seed + 1))
    try:
        t_model.eval()
        with torch.no_grad():
            t_model(*[torch.from_numpy(a.copy()) for a in inputs])
    except Exception as exc:
        raise _Exit(2, f"{args.target}: the torch model fails on inputs of shape "
                       f"{', '.join(map(str, shapes))}: {type(exc).__name__}: {exc}") from None
    report = verify(t_model, p_model, inputs, atol=args.atol, rtol=args.rtol)
    report.target = args.target + (f" vs {args.paddle}" if args.paddle else " (translated)")
    print(report.format_table())
    if args.report:
        _write_json(args.report, report.to_dict())
    return 0 if report.match else 1


def _translate_and_import(source_path: Path, workdir: str, save_to: str | None) -> tuple[Any, str]:
    """The CLI's :func:`load_translated_module`: failures become exit codes."""
    from ..translate import translate_source

    try:
        code = source_path.read_text(encoding="utf-8")
    except OSError as exc:
        raise _Exit(2, f"{source_path}: cannot read: {exc.strerror or exc}") from None
    try:
        translation = translate_source(code, path=str(source_path))
    except Exception as exc:
        raise _Exit(2, f"{source_path}: translation failed: {type(exc).__name__}: {exc}") from None
    for diag in getattr(translation, "diagnostics", ()):
        print(f"{diag}", file=sys.stderr)
    if save_to:
        Path(save_to).write_text(translation.code, encoding="utf-8")
    label = f"translation of {source_path}"
    try:
        module = import_translation(source_path.resolve(), translation.code, Path(workdir))
    except Exception as exc:
        hint = f" (saved at {save_to})" if save_to else " (use --save-translation FILE.py to inspect it)"
        raise _Exit(1, f"{label} does not import{hint}: {type(exc).__name__}: {exc}") from None
    return module, label


def _write_json(path: str, data: dict[str, Any]) -> None:
    target = Path(path)
    tmp = target.with_name(f".{target.name}.tmp")
    tmp.write_text(json.dumps(jsonable(data), indent=2) + "\n", encoding="utf-8")
    os.replace(tmp, target)
