"""What a rewrite returns: a replacement, a removal, or a refusal that says why.

* ``Rewritten(node)``: the replacement (a bare ``cst`` node is read the same way);
* ``Removed()``: the whole statement goes (``x.cuda()`` alone on a line);
* ``Refused(kind, message, node=..., code=...)``: left unchanged, reported as an error (or a
  warning) at ``node`` (default: the call), with ``code`` (default: the rule's torch name);
  ``also`` holds further refusals of the same call, reported after it (a layer with two
  non-literal flags gets one error per flag), and ``quiet=True`` reports nothing (the handler
  does not cover this form and there is nothing worth saying about it).

Nothing else is a result: the engine (``rewrite.Translator.commit``) takes a bare ``cst`` node as
``Rewritten(node)`` and stops the translation, naming the rule, on anything else (``None``
included).  Diagnostics of rules are built from these values; warnings that accompany a rewrite
that goes ahead are recorded in the handler's context (``ctx.warn``, with a ``Caveat``).

Each refusal kind (at its severity) and each caveat has a stable diagnostic code
(``translator.codes``: ``T2P0xx`` errors, ``T2P1xx`` warnings of code left unchanged,
``T2P2xx`` warnings of translated code).
"""

from __future__ import annotations

import dataclasses
import enum
from typing import Union

import libcst as cst

from ..diagnostics import Severity


class Refusal(enum.Enum):
    """Why a rewrite left code unchanged."""

    NO_RULE = "no rule"  # the table does not know the API
    UNSUPPORTED_ARGUMENT = "unsupported argument"  # an argument Paddle cannot express
    UNKNOWN_RECEIVER = "unknown receiver"  # a method rule, but the receiver's kind is not known
    NEEDS_NEWER_PADDLE = "needs newer Paddle"  # the rule's min_paddle is above the target
    CANNOT_BIND = "cannot bind"  # the call does not fit the torch signature (*args, a typo...)
    UNSUPPORTED_USE = "unsupported use"  # a form of the call the rewrite cannot express
    SOURCE_NOT_FOUND = "source not found"  # support code copies from a torchvision that is not there


class Caveat(enum.Enum):
    """Why a rewrite that goes ahead is reported as a warning (``ctx.warn``)."""

    DIFFERS = "behaviour differs"  # Paddle's result may differ from torch's here
    ASSUMED = "assumption"  # one of two readings of the call was assumed
    UNCHECKED = "unchecked arguments"  # *args/**kwargs passed on without renaming or checking
    UNFORMATTED = "unformatted"  # black failed on the new code: the output is left unformatted


@dataclasses.dataclass(frozen=True)
class Rewritten:
    node: cst.CSTNode


@dataclasses.dataclass(frozen=True)
class Removed:
    pass


@dataclasses.dataclass(frozen=True)
class Refused:
    kind: Refusal
    message: str
    node: cst.CSTNode | None = None  # where to report (default: the call being rewritten)
    code: str | None = None  # the diagnostic's code (default: the rule's torch name)
    severity: Severity = Severity.ERROR
    also: tuple[Refused, ...] = ()  # further refusals of the same call, reported after this one
    quiet: bool = False  # left unchanged without a diagnostic (``also`` is not reported either)

    def refusals(self) -> tuple[Refused, ...]:
        """This refusal and those reported with it, in order (none when ``quiet``)."""
        if self.quiet:
            return ()
        return (self,) + tuple(r for also in self.also for r in also.refusals())


Result = Union[Rewritten, Removed, Refused]
