"""The loss and optimizer of ``verify --train``, written as torch expressions and translated.

``--loss "nn.CrossEntropyLoss()"`` (or an expression of ``output`` and ``target``, e.g.
``"F.cross_entropy(output, target, label_smoothing=0.1)"``) and ``--optimizer
"torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)"`` are placed in a small torch
module, which runs as it is for torch and is translated by the translator for Paddle, so the
check covers the translation of the loss and optimizer defaults too. ``--scheduler
"torch.optim.lr_scheduler.StepLR(optimizer, step_size=2, gamma=0.5)"`` (an expression of
``optimizer``) is translated the same way. Both modules are executed
in a copy of their model module's namespace (``import torch``, ``nn``, ``F`` are available;
so are the module's own classes, e.g. a custom loss).
"""

from __future__ import annotations

import ast
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


def make_scheduler(optimizer):
    return {scheduler}
'''

# Where each flag's expression starts in the template: (line prefix, flag).
_FLAG_LINES = (("        loss = ", "--loss"), ("    return {optimizer}", "--optimizer"), ("    return {scheduler}", "--scheduler"))


class TrainingCodeError(ValueError):
    """A ``--loss``/``--optimizer`` expression that is not valid, or that the translator reports (exit 2)."""


class TrainingCode:
    """The torch and Paddle loss functions, optimizer and scheduler factories, and the translated source."""

    def __init__(self, torch_ns: dict[str, Any], paddle_ns: dict[str, Any] | None, paddle_source: str) -> None:
        self.torch_loss: Callable[..., Any] | None = torch_ns["make_loss"]() if torch_ns.get("_has_loss") else None
        self.torch_optimizer: Callable[[Any], Any] | None = torch_ns["make_optimizer"] if torch_ns.get("_has_opt") else None
        self.paddle_loss = paddle_ns["make_loss"]() if paddle_ns and torch_ns.get("_has_loss") else None
        self.paddle_optimizer = paddle_ns["make_optimizer"] if paddle_ns and torch_ns.get("_has_opt") else None
        has_sched = torch_ns.get("_has_sched")
        self.torch_scheduler: Callable[[Any], Any] | None = torch_ns["make_scheduler"] if has_sched else None
        self.paddle_scheduler = paddle_ns["make_scheduler"] if paddle_ns and has_sched else None
        self.paddle_source = paddle_source
        self.warnings: list[str] = []
        # the translated expressions (loss, optimizer, scheduler), as the report shows them
        self.paddle_expressions = _translated_expressions(paddle_source)


def _translated_expressions(source: str) -> tuple[str, str, str]:
    """The translated ``loss = ...`` of ``make_loss`` and the ``return`` values of the two factories."""
    found = {"make_loss": "", "make_optimizer": "", "make_scheduler": ""}
    for node in ast.parse(source).body:
        if not isinstance(node, ast.FunctionDef) or node.name not in found:
            continue
        for sub in ast.walk(node):
            if node.name == "make_loss":
                value = sub.value if isinstance(sub, ast.Assign) and [getattr(t, "id", "") for t in sub.targets] == ["loss"] else None
            else:
                value = sub.value if isinstance(sub, ast.Return) else None
            if value is not None:
                found[node.name] = ast.get_source_segment(source, value) or ""
                break
    return found["make_loss"], found["make_optimizer"], found["make_scheduler"]


def build_training_code(loss: str | None, optimizer: str | None, torch_module: Any, paddle_module: Any,
                        scheduler: str | None = None) -> TrainingCode:
    """Compile ``loss``/``optimizer``/``scheduler`` (torch expressions; None for the default, and
    for no scheduler) for both sides."""
    for flag, text in (("--loss", loss), ("--optimizer", optimizer), ("--scheduler", scheduler)):
        if text is not None:
            try:
                compile(text, flag, "eval")
            except SyntaxError as exc:
                raise TrainingCodeError(f"{flag}: {text!r} is not a Python expression: {exc.msg} (column {exc.offset})") from None
    source = _TEMPLATE.format(loss=loss or "None", optimizer=optimizer or "None", scheduler=scheduler or "None")
    torch_ns = dict(vars(torch_module))
    torch_ns["__name__"] = "_t2p_training_torch"
    exec(compile(source, "<verify --train (torch)>", "exec"), torch_ns)  # the user's own expressions
    torch_ns["_has_loss"] = loss is not None
    torch_ns["_has_opt"] = optimizer is not None
    torch_ns["_has_sched"] = scheduler is not None

    from ..diagnostics import Severity, Status
    from ..translate import translate_source

    from ..settings import Settings

    # unformatted: each expression stays on one line, as the report shows it
    translation = translate_source(source, path="<verify --train>", settings=Settings(format=False))
    # Diagnostics name template lines: map them back to the flag and its column.
    where = {}
    for i, line in enumerate(_TEMPLATE.splitlines(), 1):
        for prefix, flag in _FLAG_LINES:
            if line.startswith(prefix):
                where[i] = (flag, len(prefix.split("{")[0]))
    errors = [d for d in translation.diagnostics if d.severity is Severity.ERROR]
    self_warnings = [d for d in translation.diagnostics if d.severity is not Severity.ERROR]
    if translation.status is Status.FAILED or errors:
        shown = "; ".join(_describe(d, where) for d in errors) or "translation failed"
        raise TrainingCodeError(f"the --loss/--optimizer/--scheduler code does not translate: {shown}")
    paddle_ns = dict(vars(paddle_module))
    paddle_ns["__name__"] = "_t2p_training_paddle"
    try:
        exec(compile(translation.code, "<verify --train (paddle)>", "exec"), paddle_ns)
    except Exception as exc:
        raise TrainingCodeError(f"the translated --loss/--optimizer/--scheduler code does not run: {type(exc).__name__}: {exc}") from None
    code = TrainingCode(torch_ns, paddle_ns, translation.code)
    code.warnings = [_describe(d, where) for d in self_warnings]
    return code


def _describe(diag: Any, where: dict[int, tuple[str, int]]) -> str:
    flag, offset = where.get(diag.line, ("", 0))
    what = f"{diag.api or diag.code}: {diag.message}"  # the torch API concerned (diag.code: its T2P code)
    if flag:
        return f"{flag}: column {max(diag.col - offset, 1)}: {what}"
    return what
