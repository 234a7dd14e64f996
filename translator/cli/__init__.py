"""The ``torch2paddle`` command line: the edge where the arguments (and the environment's
``TORCH2PADDLE_*`` switches) become a :class:`~translator.settings.Settings` and the other values
a run passes inwards.

Commands: ``translate`` (:mod:`.translate`), ``sync`` (:mod:`.sync`), ``convert-weights``
(:mod:`translator.weights.cli`) and ``verify`` (:mod:`translator.verify.cli`); what they all
print goes through :mod:`.output`.

Exit codes: 0 ok; 1 ``--check`` would change files, ``--strict`` found untranslated code,
``sync`` updated (or would update) outputs, or ``verify`` found a mismatch; 2 bad usage or bad
input (nothing is written for a bad file, and the other files are still handled).

Output: translated code and diffs go to stdout; diagnostics, per-file status lines, the progress
bar and the summary go to stderr.  Diagnostics read ``path:line:col: CODE API: message`` (the
public format): CODE is a stable code from :mod:`translator.codes` (``T2P0xx`` left
untranslated and marked in the output, ``T2P1xx``/``T2P2xx`` warnings, ``T2P9xx`` a file that
could not be translated at all), API the torch API or rule concerned.  ``translate`` options
also come from ``[tool.torch2paddle]`` (:mod:`.config`).
"""

from __future__ import annotations

import argparse
import errno
import os
import sys
from typing import Sequence

from ..report import REPORT_SCHEMA_VERSION
from . import sync, translate
from .output import err, format_diagnostic, missing_extra

__all__ = ["main", "entry", "build_parser", "format_diagnostic", "REPORT_SCHEMA_VERSION"]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="torch2paddle", description="Translate PyTorch code to PaddlePaddle.")
    parser.add_argument("--version", action="version", version="torch2paddle 0.1.0")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    translate.add_parser(sub)
    sync.add_parser(sub)
    sub.add_parser("convert-weights", help="convert a torch checkpoint to .pdparams", add_help=False)
    sub.add_parser("verify", help="translate, weight-load and diff-test a model", add_help=False)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] in ("convert-weights", "verify"):
        try:  # numpy, torch and paddle come with the "verify" extra, not the core install
            if argv[0] == "convert-weights":
                from ..weights.cli import main_convert_weights as command
            else:
                from ..verify.cli import main_verify as command
        except ImportError as exc:
            message = missing_extra(argv[0], exc)
            if message is None:
                raise
            err(message)
            return 2
        return command(argv[1:])
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:
        return 2 if exc.code not in (0, None) else 0
    if args.command not in ("translate", "sync"):
        parser.print_help(sys.stderr)
        return 2
    try:
        code = translate.run(args) if args.command == "translate" else sync.main_sync(args)
        sys.stdout.flush()  # a full disk is found here, not at exit
        return code
    except KeyboardInterrupt:
        _quiet_stdout()
        err("interrupted")
        return 130
    except BrokenPipeError:  # e.g. `torch2paddle translate --diff ... | head`
        _quiet_stdout()
        return 2
    except OSError as exc:
        if exc.errno not in (errno.ENOSPC, errno.EIO, errno.EFBIG, getattr(errno, "EDQUOT", -1)) and not _stdout_broken():
            raise
        _quiet_stdout()
        err(f"cannot write the output: {exc.strerror or exc}")
        return 2


def entry() -> None:
    """The ``torch2paddle`` script and ``python -m translator.cli``: :func:`main`, then the exit.

    After ``translate`` the process ends without tearing the interpreter down: freeing every
    object it made one by one (the rule table, the library sources read, the translated
    modules) takes up to a tenth of a run.  Nothing is left to do by then: the outputs are
    written (atomically), worker processes are gone, and stdout and stderr are flushed here
    (a flush that fails takes the ordinary exit, which reports it as before)."""
    code = main()
    if sys.argv[1:2] == ["translate"]:
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        except (OSError, ValueError):
            sys.exit(code)
        os._exit(code)
    sys.exit(code)


def _stdout_broken() -> bool:
    try:
        sys.stdout.flush()
    except OSError:
        return True
    return False


def _quiet_stdout() -> None:
    """Point stdout at /dev/null: no second error when Python flushes it at exit."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass
