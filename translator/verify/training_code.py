"""The loss and optimizer of ``verify --train``, written as torch expressions and translated.

``--loss "nn.CrossEntropyLoss()"`` (or an expression of ``output`` and ``target``, e.g.
``"F.cross_entropy(output, target, label_smoothing=0.1)"``) and ``--optimizer
"torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)"`` are placed in a small torch
module, which runs as it is for torch and is translated by the translator for Paddle, so the
check covers the translation of the loss and optimizer defaults too. Both modules are executed
in a copy of their model module's namespace (``import torch``, ``nn``, ``F`` are available;
so are the module's own classes, e.g. a custom loss).
"""

from __future__ import annotations

from typing import Any, Callable

__all__ = ["TrainingCodeError", "TrainingCode", "build_training_code"]

_TEMPLATE = '''\
import torch
import torch.nn as nn
import torch.nn.functional as F


def make_loss():
    def loss_fn(output, target):
        loss = {loss}
        return loss(output, target) if callable(loss) else loss

    return loss_fn


def make_optimizer(model):
    return {optimizer}
'''


class TrainingCodeError(ValueError):
    """A ``--loss``/``--optimizer`` expression that is not valid, or that the translator reports (exit 2)."""


class TrainingCode:
    """The torch and Paddle loss functions and optimizer factories, and the translated source."""

    def __init__(self, torch_ns: dict[str, Any], paddle_ns: dict[str, Any] | None, paddle_source: str) -> None:
        self.torch_loss: Callable[..., Any] | None = torch_ns["make_loss"]() if torch_ns.get("_has_loss") else None
        self.torch_optimizer: Callable[[Any], Any] | None = torch_ns["make_optimizer"] if torch_ns.get("_has_opt") else None
        self.paddle_loss = paddle_ns["make_loss"]() if paddle_ns and torch_ns.get("_has_loss") else None
        self.paddle_optimizer = paddle_ns["make_optimizer"] if paddle_ns and torch_ns.get("_has_opt") else None
        self.paddle_source = paddle_source
        self.warnings: list[str] = []
        lines = [line.strip() for line in paddle_source.splitlines() if line.strip()]
        loss = next((line[len("loss = "):] for line in lines if line.startswith("loss = ")), "")
        # the translated expressions, as the report shows them
        self.paddle_expressions = (loss, lines[-1][len("return "):] if lines else "")


def build_training_code(loss: str | None, optimizer: str | None, torch_module: Any, paddle_module: Any) -> TrainingCode:
    """Compile ``loss``/``optimizer`` (torch expressions; None for the default) for both sides."""
    for flag, text in (("--loss", loss), ("--optimizer", optimizer)):
        if text is not None:
            try:
                compile(text, flag, "eval")
            except SyntaxError as exc:
                raise TrainingCodeError(f"{flag}: {text!r} is not a Python expression: {exc.msg} (column {exc.offset})") from None
    source = _TEMPLATE.format(loss=loss or "None", optimizer=optimizer or "None")
    torch_ns = dict(vars(torch_module))
    torch_ns["__name__"] = "_t2p_training_torch"
    exec(compile(source, "<verify --train (torch)>", "exec"), torch_ns)  # the user's own expressions
    torch_ns["_has_loss"] = loss is not None
    torch_ns["_has_opt"] = optimizer is not None

    from ..diagnostics import Severity, Status
    from ..translate import translate_source

    translation = translate_source(source, path="<verify --train>")
    lines = source.splitlines()
    # Diagnostics name template lines: map them back to the flag and its column.
    loss_line = next(i for i, line in enumerate(lines, 1) if line.startswith("        loss = "))
    opt_line = len(lines)  # the template ends with the optimizer's `return`
    where = {loss_line: ("--loss", len("        loss = ")), opt_line: ("--optimizer", len("    return "))}
    errors = [d for d in translation.diagnostics if d.severity is Severity.ERROR]
    self_warnings = [d for d in translation.diagnostics if d.severity is not Severity.ERROR]
    if translation.status is Status.FAILED or errors:
        shown = "; ".join(_describe(d, where) for d in errors) or "translation failed"
        raise TrainingCodeError(f"the --loss/--optimizer code does not translate: {shown}")
    paddle_ns = dict(vars(paddle_module))
    paddle_ns["__name__"] = "_t2p_training_paddle"
    try:
        exec(compile(translation.code, "<verify --train (paddle)>", "exec"), paddle_ns)
    except Exception as exc:
        raise TrainingCodeError(f"the translated --loss/--optimizer code does not run: {type(exc).__name__}: {exc}") from None
    code = TrainingCode(torch_ns, paddle_ns, translation.code)
    code.warnings = [_describe(d, where) for d in self_warnings]
    return code


def _describe(diag: Any, where: dict[int, tuple[str, int]]) -> str:
    flag, offset = where.get(diag.line, ("", 0))
    what = f"{diag.api or diag.code}: {diag.message}"  # the torch API concerned (diag.code: its T2P code)
    if flag:
        return f"{flag}: column {max(diag.col - offset, 1)}: {what}"
    return what
