"""Stable diagnostic codes: the one table of every code the translator can report.

A code is derived from what happened, never chosen at the place that reports it:

* ``T2P0xx`` errors: code left as torch (a ``Refused`` of each ``Refusal`` kind), marked
  ``# TODO(torch2paddle): T2P0xx ...`` in the output;
* ``T2P1xx`` warnings: code left unchanged because it may well not be torch at all (a
  ``Refused`` with ``severity=WARNING``: an unknown receiver, an argument the engine cannot
  classify), e.g. ``set.add`` or ``list.sort`` on a receiver nobody knows;
* ``T2P2xx`` warnings: translated, but a person should check it (the ``Caveat`` of a warning
  recorded with a rewrite that goes ahead);
* ``T2P9xx`` failures: the file could not be translated at all (nothing is written for it).

Each entry documents itself (what, why, an example, what to do); ``translator.docs`` writes one
page per code to ``docs/codes/`` and translates each example, so the pages show real output.
``tests/test_codes.py`` checks that every place a diagnostic is made is mapped here.
"""

from __future__ import annotations

import dataclasses
import re

from .diagnostics import Severity

__all__ = [
    "CODES", "Code", "by_code", "code_for", "matches", "select_filter", "valid_selector",
    "UNFORMATTED", "SYNTAX_ERROR", "ENCODING_ERROR", "READ_ERROR", "WRITE_ERROR", "TOO_DEEP", "INTERNAL_ERROR",
]

#: ``T2P``, then one digit for the range and two for the code
CODE_PATTERN = re.compile(r"T2P[0-9]{3}")


@dataclasses.dataclass(frozen=True)
class Code:
    code: str  # "T2P001"
    name: str  # kebab-case, for people: "no-rule"
    severity: Severity
    #: what the code is derived from: ("refusal", Refusal member name) for a ``Refused``,
    #: ("caveat", Caveat member name) for a warning that goes with a rewrite, ("failure", kind)
    #: for a file that could not be translated
    source: tuple[str, str]
    summary: str  # one line
    why: str
    what_to_do: str
    #: torch source whose translation reports this code (the docs page translates it), or None
    example: str | None = None
    #: for a failure: how it looks on the command line (no translation can show it)
    example_text: str | None = None


CODES: tuple[Code, ...] = (
    Code(
        "T2P001", "no-rule", Severity.ERROR, ("refusal", "NO_RULE"),
        "The rule table has no translation for this torch API (or torch module).",
        "The translator only rewrites what its rule table (`rules/*.toml`) describes; anything else that "
        "refers to torch is left as written, so the output still needs torch there. Guessing a Paddle name "
        "would silently change behaviour where the two libraries differ.",
        "Port the spot by hand (Paddle's API docs list most torch equivalents), or add a rule for the API "
        "(`docs/rule-schema.md`) so every later translation gets it.",
        example="import torch\n\n\ndef spectrum(x):\n    return torch.stft(x, 64, return_complex=True)\n",
    ),
    Code(
        "T2P002", "unsupported-argument", Severity.ERROR, ("refusal", "UNSUPPORTED_ARGUMENT"),
        "The call passes an argument (or a value of one) that Paddle cannot express.",
        "The API has a Paddle counterpart, but not for this argument or value: dropping it would change "
        "the result, so the whole call is left as torch code.",
        "Rewrite the call without the argument if the difference does not matter for your model, or "
        "compute the same thing with other Paddle operations.",
        example="import torch.nn as nn\n\nnorm = nn.BatchNorm2d(16, momentum=None)\n",
    ),
    Code(
        "T2P003", "cannot-bind", Severity.ERROR, ("refusal", "CANNOT_BIND"),
        "The call's arguments do not fit the torch signature the rule was written for.",
        "Arguments are bound to torch's parameter names before anything is renamed or dropped; when that "
        "fails (too many positional arguments, a missing one, `*args` where the position matters) the "
        "translator cannot know which argument is which.",
        "Pass the arguments by keyword, or spell out what `*args`/`**kwargs` hold.",
        example="import torch\n\nx = torch.ones(2, 3)\ny = x.narrow(0, 1)\n",
    ),
    Code(
        "T2P004", "unsupported-use", Severity.ERROR, ("refusal", "UNSUPPORTED_USE"),
        "This form of the call (or reference) cannot be expressed in Paddle as it is written.",
        "The API translates in other forms, but not here: its result is used where Paddle returns "
        "nothing, an input would be evaluated twice, a value must be a literal to pick the Paddle code, "
        "the name is used as a value rather than called, and the like. The message says which.",
        "Do what the message asks (assign the value to a name first, write a literal), or port the spot "
        "by hand.",
        example="import torch\n\nv = torch.std_mean(torch.ones(3))\n",
    ),
    Code(
        "T2P005", "needs-newer-paddle", Severity.ERROR, ("refusal", "NEEDS_NEWER_PADDLE"),
        "The rule needs a newer Paddle than the one the output must run on (`--paddle-version`).",
        "The rule's target API (or its behaviour) only exists from the rule's `min_paddle` on, so for an "
        "older target the code is left as torch.",
        "Translate for a newer Paddle (`--paddle-version`), or port the spot by hand for the older one.",
        example_text="$ torch2paddle translate loss.py --paddle-version 2.6\n"
        "loss.py:3:8: T2P005 torch.nn.MultiLabelMarginLoss: needs Paddle >= 3.0, translating for Paddle 2.6; left unchanged",
    ),
    Code(
        "T2P006", "source-not-found", Severity.ERROR, ("refusal", "SOURCE_NOT_FOUND"),
        "Support code copies a literal from torchvision's sources, which were not found.",
        "Some translations (torchvision's weight metadata) copy data from the installed torchvision. "
        "Without it, the translator leaves the reference as it is instead of inventing the data.",
        "Install torchvision where the translator runs, or translate from inside a torchvision tree.",
        example_text="m.py:3:9: T2P006 torchvision.models._meta._IMAGENET_CATEGORIES: _IMAGENET_CATEGORIES is copied "
        "from torchvision's models/_meta.py, which was not found (...); left unchanged",
    ),
    Code(
        "T2P101", "unknown-receiver", Severity.WARNING, ("refusal", "UNKNOWN_RECEIVER"),
        "A method has a torch rule, but its receiver is not known to be a tensor (or a layer, optimizer).",
        "Method names are shared: `x.add(...)`, `x.sort()`, `x.view(...)` may be a tensor's, a set's or "
        "a list's. The translator rewrites a method call only when it can tell what the receiver is; "
        "otherwise it leaves the call alone and says so, since it may well be fine as it is.",
        "If the receiver is a tensor, make that visible (an annotation `x: torch.Tensor`, or an "
        "assignment from a torch call in the same function) and translate again; if it is not, ignore "
        "the warning (`--ignore T2P101`, or `# torch2paddle: ignore[T2P101]` on the line).",
        example="import torch\n\n\ndef grow(x):\n    return x.view(2, 3)\n",
    ),
    Code(
        "T2P102", "ambiguous-argument", Severity.WARNING, ("refusal", "UNSUPPORTED_ARGUMENT"),
        "The translator cannot tell what an argument is (a device or a dtype, a dim or a tensor).",
        "The Paddle code depends on the kind of the argument, and nothing in the file says which it is, "
        "so the call is left unchanged. It is a warning: the call may need no change at all.",
        "Make the argument's kind visible (a literal, a `torch.device(...)` or dtype assigned to the "
        "name), or port the call by hand.",
        example="import torch\n\n\ndef move(x: torch.Tensor, where):\n    return x.to(where)\n",
    ),
    Code(
        "T2P103", "ambiguous-call", Severity.WARNING, ("refusal", "CANNOT_BIND"),
        "The call has arguments a rule does not expect, and it may not be a torch call at all.",
        "Like T2P003, but for a call the translator is not sure is torch's (a method with a common "
        "name): it is left unchanged and reported as a warning.",
        "Check the call; if it is torch's, pass the arguments as torch documents them.",
        example="import torch\n\n\ndef move(x: torch.Tensor):\n    return x.to(torch.float32, 5)\n",
    ),
    Code(
        "T2P201", "behaviour-differs", Severity.WARNING, ("caveat", "DIFFERS"),
        "Translated, but Paddle's behaviour differs from torch's in a way that may matter here.",
        "The closest Paddle code was written; the message names the difference (a default dtype, an "
        "option Paddle lacks, a different result on an old Paddle).",
        "Read the message and check that the difference does not matter for this code.",
        example="import torch\n\nstate = torch.hub.load_state_dict_from_url(\"https://example.com/w.pth\")\n",
    ),
    Code(
        "T2P202", "assumption", Severity.WARNING, ("caveat", "ASSUMED"),
        "Translated on an assumption the translator could not check.",
        "Where torch accepts two forms (one size or a sequence of sizes, data or a shape), the "
        "translator chose the likelier one; the message says which.",
        "Check the assumption; if it is wrong, write the argument in the unambiguous form.",
        example="import torch\n\n\ndef make(shape):\n    return torch.zeros(shape)\n",
    ),
    Code(
        "T2P203", "unchecked-arguments", Severity.WARNING, ("caveat", "UNCHECKED"),
        "Translated, but arguments passed through `*args` or `**kwargs` were passed on unchecked.",
        "Arguments hidden in `*args`/`**kwargs` cannot be renamed or dropped as the rule says, because "
        "nobody knows them until the code runs.",
        "Check that what they hold is valid for the Paddle API, or pass the arguments by name.",
        example="import torch.nn as nn\n\n\ndef make(**kw):\n    return nn.Conv2d(3, 8, 3, **kw)\n",
    ),
    Code(
        "T2P204", "unformatted", Severity.WARNING, ("caveat", "UNFORMATTED"),
        "Translated, but the new code is left as the translation wrote it: black failed on it.",
        "New and rewritten lines are formatted with black (only those lines); when black fails on the "
        "file or its result would touch lines the translation did not change, the translation is kept "
        "unformatted rather than lost.",
        "Format the changed lines yourself, or report the file; `--no-format` turns formatting off.",
        example_text="model.py:0:0: T2P204 the new code is left unformatted (black failed: ...)",
    ),
    Code(
        "T2P901", "syntax-error", Severity.ERROR, ("failure", "syntax"),
        "The file is not valid Python, so it was not translated.",
        "The translator rewrites a parsed tree; a file that does not parse has none.",
        "Fix the syntax error at the position given (the message is CPython's).",
        example_text="bad.py:3:9: T2P901 '(' was never closed",
    ),
    Code(
        "T2P902", "encoding-error", Severity.ERROR, ("failure", "encoding"),
        "The file's bytes are not text in its declared encoding (or it is a binary file).",
        "Source is read as Python reads it (a BOM or a coding declaration, else UTF-8); bytes that do "
        "not decode would be lost or mangled in the output.",
        "Save the file as UTF-8, or fix its coding declaration.",
        example_text="latin.py:2:12: T2P902 not valid UTF-8 (byte 0xe9); save the file as UTF-8",
    ),
    Code(
        "T2P903", "read-error", Severity.ERROR, ("failure", "read"),
        "A file or folder could not be read.",
        "The operating system refused (permissions, a broken link, a directory where a file was "
        "expected); the run goes on with the other files and exits 2.",
        "Fix the permissions or the path.",
        example_text="models/secret.py: T2P903 cannot read: Permission denied",
    ),
    Code(
        "T2P904", "write-error", Severity.ERROR, ("failure", "write"),
        "An output file could not be written.",
        "Outputs are written atomically; when that fails nothing is left half-written and the run "
        "exits 2.",
        "Check the output folder: permissions, free space, a file where a folder should be.",
        example_text="out/model.py: T2P904 cannot write: No space left on device",
    ),
    Code(
        "T2P905", "too-deeply-nested", Severity.ERROR, ("failure", "nesting"),
        "An expression is nested too deeply to translate.",
        "Parsing and rewriting recurse once per level; a machine-generated expression hundreds of "
        "levels deep would take minutes, so the file is refused at once.",
        "Split the expression into smaller ones (intermediate names).",
        example_text="gen.py:12:1: T2P905 an expression nested more than 20000 levels deep is too deep to translate",
    ),
    Code(
        "T2P906", "internal-error", Severity.ERROR, ("failure", "internal"),
        "The translator failed on this file (a bug in a rule or in the engine).",
        "A rule that crashes, or an engine that would write invalid Python, stops the file's "
        "translation instead of writing doubtful output; the other files are still translated.",
        "Report it with the file (or a small piece of it) and the message, which names the rule.",
        example_text="model.py:7:5: T2P906 torch.nn.Conv2d: internal error in rule: KeyError: 'x'",
    ),
)

_BY_CODE = {c.code: c for c in CODES}
_BY_SOURCE = {(c.source, c.severity): c.code for c in CODES}

SYNTAX_ERROR = _BY_SOURCE[(("failure", "syntax"), Severity.ERROR)]
ENCODING_ERROR = _BY_SOURCE[(("failure", "encoding"), Severity.ERROR)]
READ_ERROR = _BY_SOURCE[(("failure", "read"), Severity.ERROR)]
WRITE_ERROR = _BY_SOURCE[(("failure", "write"), Severity.ERROR)]
TOO_DEEP = _BY_SOURCE[(("failure", "nesting"), Severity.ERROR)]
INTERNAL_ERROR = _BY_SOURCE[(("failure", "internal"), Severity.ERROR)]
UNFORMATTED = _BY_SOURCE[(("caveat", "UNFORMATTED"), Severity.WARNING)]
#: a library definition that cannot be carried (translate/libraries.py)
SOURCE_NOT_FOUND = _BY_SOURCE[(("refusal", "SOURCE_NOT_FOUND"), Severity.ERROR)]
#: a use of a library without Paddle support (translate/no_paddle.py)
UNSUPPORTED_USE = _BY_SOURCE[(("refusal", "UNSUPPORTED_USE"), Severity.ERROR)]


def by_code(code: str) -> Code:
    return _BY_CODE[code]


def code_for(kind: object, severity: Severity) -> str:
    """The code of a refusal (a ``Refusal``) or a caveat (a ``Caveat``) at ``severity``; a
    KeyError for a combination the table does not map (a bug: tests/test_codes.py finds it)."""
    family = "caveat" if type(kind).__name__ == "Caveat" else "refusal"
    return _BY_SOURCE[((family, kind.name), severity)]  # type: ignore[attr-defined]


def valid_selector(text: str) -> bool:
    """A selector is a code or a prefix of one: ``T2P``, ``T2P1``, ``T2P10``, ``T2P101``, or
    ``ALL``."""
    return text == "ALL" or (text.startswith("T2P") and len(text) <= 6 and text[3:].isdigit())


def matches(code: str, selectors: tuple[str, ...] | frozenset[str]) -> bool:
    return any(s == "ALL" or code.startswith(s) for s in selectors)


def select_filter(select: tuple[str, ...] | None, ignore: tuple[str, ...]):  # type: ignore[no-untyped-def]
    """``code -> bool``: whether a diagnostic with this code is reported, by ruff's rule: the
    longest matching selector wins, ``ignore`` over ``select`` on a tie; nothing selected
    means everything.  Failures (``T2P9xx``) are always reported: nothing was written."""

    def keep(code: str) -> bool:
        if code.startswith("T2P9"):
            return True
        best_select = max((len(s) for s in (select or ("ALL",)) if s == "ALL" or code.startswith(s)), default=-1)
        best_ignore = max((len(s) for s in ignore if s == "ALL" or code.startswith(s)), default=-1)
        if best_select < 0:
            return False
        return best_select > best_ignore

    return keep
