"""A function-like torch API named as a type: ``def f(d: torch.device = None)``.

``torch.device("cuda")`` becomes a call of ``paddle.device.set_device``, a function: the same
spelling in an annotation would be evaluated (a module without ``from __future__ import
annotations``) to a function where a type belongs, and in ``isinstance(d, torch.device)`` it
raises. A rule's ``annotation`` names the type an annotation becomes (``str`` for a device);
an ``isinstance``/``issubclass``/comparison use is reported and kept, since no single Paddle
class holds every value the translation produces.
"""

from __future__ import annotations

import libcst as cst

from ..diagnostics import Severity
from ..rules import ApiRule
from .registry import Refusal


def type_use(tr, rule: ApiRule, node: cst.BaseExpression) -> cst.BaseExpression:  # type: ignore[no-untyped-def]
    """What ``node`` (a reference to ``rule``'s API in an annotation or an identity position)
    becomes: the rule's ``annotation`` in an annotation, else the torch spelling, reported."""
    assert rule.annotation is not None
    if id(node) not in tr.annotation_uses:
        message = (f"used as a type, but {rule.paddle or 'its translation'} is a function and no Paddle class "
                   f"holds every value it gives (an annotation becomes `{rule.annotation}`); left unchanged")
        tr.report(node, rule.torch, message, Severity.ERROR, kind=Refusal.UNSUPPORTED_USE)
        return tr.keep_torch(node)
    tr.applied[rule.torch] += 1
    return tr.ref(rule.annotation) if "." in rule.annotation else cst.Name(rule.annotation)
