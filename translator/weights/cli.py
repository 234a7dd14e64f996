"""``torch2paddle convert-weights CKPT -o OUT.pdparams [--model FILE.py:FACTORY [--input SPEC]] [--strict]``.

Reads the checkpoint (:mod:`.checkpoint`, no torch, no code from the file), converts it for the
model's layers (:mod:`.convert`; the model is built from a target by :mod:`translator.targets`)
and writes ``.pdparams``.  Exit codes: 0 ok, 1 ``--strict`` problems, 2 bad input.
"""

from __future__ import annotations

import argparse
import os
import sys
import warnings
from pathlib import Path
from typing import Any, Iterable

from ..cli.output import err
from .checkpoint import CheckpointError, read_checkpoint
from .convert import convert_state_dict_report, save_pdparams

__all__ = ["main_convert_weights"]


def _same_file(a: str | os.PathLike[str], b: str | os.PathLike[str]) -> bool:
    """``a`` and ``b`` name one file (through links and ``..``), or would once ``a`` is written."""
    pa, pb = Path(a), Path(b)
    try:
        if pa.exists() and pb.exists():
            return os.path.samefile(pa, pb)
    except OSError:
        pass
    return pa.resolve() == pb.resolve()


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="torch2paddle convert-weights",
        description="Convert a torch checkpoint (.pth/.pt/.bin/.safetensors) to Paddle .pdparams "
        "without importing torch or running code from the file.",
    )
    p.add_argument("checkpoint", metavar="CKPT")
    p.add_argument("-o", "--output", required=True, metavar="OUT.pdparams")
    p.add_argument(
        "--model",
        metavar="FILE.py:FACTORY",
        help="a Paddle source file and the function that builds the model; names are mapped and "
        "Linear weights transposed for its layers, and missing/unexpected keys are reported",
    )
    p.add_argument("--kwargs", default="{}", metavar="JSON|EXPR",
                   help="arguments for FACTORY: a JSON object, or a Python expression evaluated in the "
                   "--model file's namespace (a dict: keyword arguments; a tuple: positional ones; "
                   "anything else, e.g. \"ModelArgs(dim=64)\": the one positional argument)")
    p.add_argument("--input", action="append", metavar="[NAME=]DTYPE[SHAPE][:LO..HI]",
                   help="a model with lazy layers (nn.LazyLinear...) gets its parameters at a first call: run "
                   "one on this seeded random input, e.g. float32[1,3,224,224] (repeat for several inputs)")
    p.add_argument("--strict", action="store_true", help="fail (exit 1) unless every key fits exactly")
    p.add_argument("--no-order-match", action="store_true", help="do not pair leftover keys by order and shape")
    return p


def _materialized(args: argparse.Namespace, model: Any) -> Any:
    """The model, with its lazy layers (``TorchLazyLinear``...) built by one forward pass on
    ``--input`` (the model is then built for real: a forward pass needs values)."""
    from ..targets import TargetError, build_paddle_model
    from ..verify.inputs import InputError, batches_from_specs, parse_input_spec
    from ..verify.lazy import materialize, paddle_lazy_layers

    lazy = paddle_lazy_layers(model)
    if not lazy:
        return model
    shown = ", ".join(lazy[:5]) + (", ..." if len(lazy) > 5 else "")
    if not args.input:
        raise TargetError(f"{args.model}: {len(lazy)} lazy layer(s) ({shown}) have no parameters before a first "
                          "forward pass: give --input SPEC (e.g. --input float32[1,3,224,224]) to run one")
    try:
        batch = batches_from_specs([parse_input_spec(text) for text in args.input], 1, seed=0)[0]
    except InputError as exc:
        raise TargetError(f"--input: {exc}") from None
    model = build_paddle_model(args.model, arguments=args.kwargs)
    try:
        materialize(None, model, batch)
    except Exception as exc:
        raise TargetError(f"{args.model}: the forward pass on {', '.join(batch.shapes())} that builds the lazy "
                          f"layers failed: {type(exc).__name__}: {exc}") from None
    print(f"note: {len(lazy)} lazy layer(s) ({shown}) built by one forward pass on {', '.join(batch.shapes())}",
          file=sys.stderr)
    return model


def main_convert_weights(argv: Iterable[str] | None = None) -> int:
    """``torch2paddle convert-weights``; 0 ok, 1 ``--strict`` problems, 2 bad input."""
    parser = _parser()
    try:
        args = parser.parse_args(list(argv) if argv is not None else None)
    except SystemExit as exc:
        return 0 if exc.code == 0 else 2
    for flag, given in (("--kwargs", args.kwargs != "{}"), ("--input", bool(args.input))):
        if given and not args.model:
            err(f"{flag}: it is for --model's factory; give --model FILE.py:FACTORY")
            return 2
    for other, what in ((args.checkpoint, "the checkpoint"), (args.model and args.model.split(":")[0], "the --model file")):
        if other and _same_file(args.output, other):
            err(f"{args.output}: the output would overwrite {what}; choose another -o")
            return 2
    if Path(args.output).is_dir():
        err(f"{args.output}: is a directory; -o names the .pdparams file")
        return 2
    try:
        ckpt = read_checkpoint(args.checkpoint)
    except CheckpointError as exc:
        err(str(exc))
        return 2
    for note in ckpt.notes:
        print(f"note: {args.checkpoint}: {note}", file=sys.stderr)

    model = None
    if args.model:
        from ..targets import TargetError, build_paddle_model

        try:
            model = build_paddle_model(args.model, lazy=True, arguments=args.kwargs)  # names and shapes suffice
            model = _materialized(args, model)
        except TargetError as exc:
            err(str(exc))
            return 2

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the report prints them
        report = convert_state_dict_report(ckpt.tensors, model, match_by_order=not args.no_order_match)
    print(report.summary(), file=sys.stderr)
    if args.strict and not report.ok:
        err("--strict: " + "; ".join(report.problems()))
        return 1
    try:
        Path(args.output).parent.mkdir(parents=True, exist_ok=True)
        save_pdparams(report.state_dict, args.output)
    except OSError as exc:
        err(f"{args.output}: cannot write: {exc.strerror or exc}")
        return 2
    print(f"wrote {args.output} ({len(report.state_dict)} tensors)", file=sys.stderr)
    return 0
