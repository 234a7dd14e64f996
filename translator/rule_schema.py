"""What a rule-table entry may say: the one description of ``rules/*.toml``.

Every key of every table is written here once, with its type and its meaning.  The loader
(``translator/rules.py``) checks entries against it (unknown keys, wrong types, missing
required keys, values outside a fixed set) and ``python -m translator.docs`` turns it into
``docs/rule-schema.md``.  Checks that need more than one key (an argument rule naming an
argument of ``args``, a handler name that must exist) stay in the loader, and the meaning
written here says what they are.

Input specs of numeric checks (``"float32[2,3]"``, ``"float32[4]:0.1:2"``) are parsed here too,
so the loader and the check harness (``translator/testing.py``) read them the same way.
"""

from __future__ import annotations

import dataclasses
import re
from typing import Any

__all__ = [
    "API",
    "CHECK",
    "EXAMPLE",
    "MODULE",
    "REFUSAL",
    "TABLES",
    "WEIGHTS",
    "InputSpec",
    "Key",
    "RuleTableError",
    "Table",
    "parse_input_spec",
]

# the value types a key can have, as TOML spells them
STRING = "string"
FLOAT = "float"
STRINGS = "list of strings"
STRING_TABLE = "table of strings"
TABLE = "table"
TABLES = "list of tables"


class RuleTableError(ValueError):
    """A rule file is malformed; the message names the file and the entry."""


@dataclasses.dataclass(frozen=True)
class Key:
    name: str
    type: str  # one of STRING, FLOAT, STRINGS, STRING_TABLE, TABLE, TABLES
    meaning: str
    required: bool = False
    default: str = ""  # the value when not given, as written in TOML (for the docs); empty when none
    choices: tuple[str, ...] = ()  # the only values a string may have, when fixed
    fields: Table | None = None  # the keys of a nested table (TABLE) or of each table in a list (TABLES)


@dataclasses.dataclass(frozen=True)
class Table:
    name: str  # how the docs and the error messages call it: "[[api]]", "example", "check"
    meaning: str
    keys: tuple[Key, ...]

    def key(self, name: str) -> Key:
        return next(k for k in self.keys if k.name == name)

    def validate(self, entry: dict[str, Any], where: str) -> None:
        """Raise ``RuleTableError`` naming ``where`` unless ``entry`` fits this table (nested
        tables included)."""
        allowed = {k.name: k for k in self.keys}
        for name, value in entry.items():
            key = allowed.get(name)
            if key is None:
                raise RuleTableError(f"{where}: unknown key {name!r} (allowed: {', '.join(sorted(allowed))})")
            _check_value(key, value, where)
        for key in self.keys:
            if key.required and key.name not in entry:
                raise RuleTableError(f"{where}: missing required key {key.name!r}")


def _check_value(key: Key, value: Any, where: str) -> None:
    python_type = {STRING: str, FLOAT: float, STRINGS: list, STRING_TABLE: dict, TABLE: dict, TABLES: list}[key.type]
    if not isinstance(value, python_type):
        raise RuleTableError(f"{where}: {key.name!r} must be a {key.type}, got {type(value).__name__}")
    if key.type == STRINGS and not all(isinstance(item, str) for item in value):
        raise RuleTableError(f"{where}: {key.name} entries must be strings")
    if key.choices and key.type == STRINGS:
        for item in value:
            if item not in key.choices:
                raise RuleTableError(f"{where}: {key.name} entries must be among {key.choices}, got {item!r}")
    elif key.choices and value not in key.choices:
        raise RuleTableError(f"{where}: {key.name} must be one of {key.choices}, got {value!r}")
    if key.type == STRING_TABLE:
        for k, v in value.items():
            if not isinstance(v, str):
                raise RuleTableError(f"{where}: {key.name}.{k} must be a string")
    if key.type == TABLE:
        assert key.fields is not None
        key.fields.validate(value, f"{where}.{key.name}")
    if key.type == TABLES:
        assert key.fields is not None
        for i, item in enumerate(value, 1):
            if not isinstance(item, dict):
                raise RuleTableError(f"{where}: {key.name} entries must be tables")
            key.fields.validate(item, f"{where}.{key.name} #{i}")


KINDS = ("function", "method", "attribute")
RECEIVERS = ("tensor", "layer", "any", "optimizer")
COMPARE = ("values", "shape")
EVIDENCE = ("value", "self", "layer-only")

EXAMPLE = Table(
    "example",
    "The entry's before/after example: run as a test, shown in the docs.",
    (
        Key("before", STRING, "torch source, a whole file (imports included)", required=True),
        Key("after", STRING, "its translation, byte for byte (support code stripped)", required=True),
        Key("diagnostics", STRINGS, "the torch APIs (or `T2P` codes) of diagnostics the translation must report (none may be errors otherwise)"),
    ),
)

CHECK = Table(
    "check",
    "A numeric check: the torch code as written and as translated run on the same inputs, results compared.",
    (
        Key("setup", STRING, "torch code building objects; torch layers get random weights, copied to the"
            " Paddle side by the weight converter", default='""'),
        Key("run", STRING, "torch code that sets `out`", required=True),
        Key("inputs", STRING_TABLE, "input names -> specs: `dtype[shape]`, optionally `:low:high` (a uniform"
            ' range), e.g. `"float32[2,3,8,8]"`, `"float32[4]:0.1:2"`, `"int64[5]:0:10"`; checked at load'),
        Key("atol", FLOAT, "absolute tolerance", default="1e-5"),
        Key("rtol", FLOAT, "relative tolerance", default="1e-5"),
        Key("compare", STRING, "`values` compares values, shapes and dtypes; `shape` only shapes and dtypes"
            " (random results)", default='"values"', choices=COMPARE),
    ),
)

WEIGHTS = Table(
    "weights",
    "How checkpoints of this layer convert (the weight converter reads the same entry).",
    (
        Key("rename", STRING_TABLE, "state-dict names that differ (`{ running_mean = \"_mean\" }`)"),
        Key("drop", STRINGS, "torch state that Paddle does not keep"),
        Key("transpose", STRINGS, "weights Paddle stores transposed (Linear)"),
        Key("reshape", STRINGS, "weights of the same size that Paddle stores with another shape"),
    ),
)

REFUSAL = Table(
    "refuses",
    "A call the entry must refuse: reported as an error and left as written.",
    (
        Key("before", STRING, "torch source, a whole file", required=True),
        Key("after", STRING, "the output, byte for byte (support code stripped): the call kept (spelled through torch where an"
            " alias now names Paddle) under its TODO comment", required=True),
        Key("code", STRING, "the error's torch API (or its `T2P` code); the entry's `torch` when not given"),
        Key("message", STRING, "text the error's message must contain"),
    ),
)

API = Table(
    "[[api]]",
    "One torch API: what it becomes in Paddle, how its arguments change, and the cases that prove it.",
    (
        Key("torch", STRING, "the torch name the source refers to (`torch.nn.Conv2d`, `torch.Tensor.view`)",
            required=True),
        Key("kind", STRING, "`function` (anything called or used by its path, classes included); `method`"
            " and `attribute` are found on a receiver by their last name", default='"function"', choices=KINDS),
        Key("paddle", STRING, "what it becomes (`paddle.nn.Conv2D`; a standard-library name such as `math.pi`"
            " gets its `import math` where the file lacks one); an entry needs `paddle`, `handler`,"
            " `support` or (a layer attribute) `value`"),
        Key("args", STRING, "torch's signature (`input, dim=None, *, keepdim=False`): positional arguments"
            " are bound to names against it; needed by every argument rule below"),
        Key("paddle_args", STRING, "Paddle's signature: decides which arguments stay positional; without a"
            " handler, every torch argument must map to one of its names (or be dropped or unsupported)"),
        Key("rename", STRING_TABLE, "keyword renames (`{ bias = \"bias_attr\" }`)"),
        Key("drop", STRINGS, "arguments Paddle has no use for"),
        Key("drop_if", STRING_TABLE, "arguments dropped when written exactly like this (`{ bias = \"True\" }`)"),
        Key("transform", STRING_TABLE, "value rewrites, `{}` standing for the value, exactly once"
            " (`{ momentum = \"1 - {}\" }`); numbers are folded"),
        Key("extra", STRING_TABLE, "keyword arguments Paddle needs in addition (`{ include_self = \"True\" }`)"),
        Key("unsupported", STRING_TABLE, "arguments Paddle cannot express, with the reason: given a"
            " non-default value, the call is reported and left unchanged; except `out` of a function, which"
            " the engine translates for every entry listing it (the result written into the tensor by the"
            " emitted `_torch_out`), a loss's deprecated `size_average`/`reduce`, which the engine turns"
            " into `reduction=` by torch's rule for every entry whose `args` list them with `reduction`, and"
            " a function's keyword `requires_grad`, whose result the engine marks with the emitted"
            " `_requires_grad_` (`False` dropped))"),
        Key("since", STRING_TABLE, "`unsupported` arguments that Paddle takes from a version on (`{ alpha = \"3.3\" }`):"
            " passed on like the others (renamed as the entry says) when translating for that version or newer"
            " (the default: the newest; written at its default, it is left out), refused naming the version"
            " otherwise; each must be in `unsupported` and map to a name of `paddle_args`"),
        Key("handler", STRING, "a named Python rewrite (registered with `@handler`) that takes over the call;"
            " the name is checked against the registered handlers"),
        Key("support", STRING, "the target is emitted support code: a snippet name from the support module,"
            " checked against it"),
        Key("subclass", STRING, "a support class (a snippet name) that a class deriving from this API derives"
            " from instead, where Paddle's class of the same role has another protocol"
            " (`class Mine(torch.optim.Optimizer)` -> `class Mine(TorchOptimizer)`); other uses follow"
            " `paddle`/`support`"),
        Key("annotation", STRING, "what a reference in an annotation becomes, where `paddle` names a function"
            " that is no type (`torch.device` -> `str`; the function `paddle.device.set_device` would be"
            " evaluated as the annotation); a dotted Paddle path or a builtin's name; an `isinstance`/"
            "`issubclass`/comparison use is then reported"),
        Key("layers", STRINGS, "layer attributes: the torch layer classes whose attribute this is"
            " (`[\"torch.nn.Conv1d\", \"torch.nn.Conv2d\"]`); the entry applies where the receiver is known"
            " to be one of them (built from it, narrowed by `isinstance`, or `self` in a subclass of one)"),
        Key("value", STRING, "layer attributes: the Paddle expression giving torch's value, `{}` standing for"
            " the receiver (`tuple({}._kernel_size)`); with `support`, the snippet the expression calls"),
        Key("store", STRING, "layer attributes: the Paddle attribute an assignment writes (`{}._stride`);"
            " without it an assignment is reported: Paddle would not read the new value"),
        Key("reads", STRING, "layer attributes: which reads `value` rewrites: `all`, or `values`, only where the"
            " value is computed with (an argument of a call other than an `nn.init` function, an in-place"
            " method or a `register_` method; `.shape`; `.size()`): a layer's own parameter stored in another"
            " layout (`fc.weight`) stays the parameter where it is initialized or updated",
            default='"all"', choices=("all", "values")),
        Key("receiver", STRING, "methods and attributes: what the receiver must be known to be",
            default='"any"', choices=RECEIVERS),
        Key("evidence", STRINGS, "what a call tells the receiver evidence (read by name, for every entry of the"
            " same method or function name): `value`, its result is not a tensor (`n = x.size(0)` does not make"
            " `n` a tensor); `self`, a method that returns its receiver's kind (`model.to(device)` is still the"
            " layer); `layer-only`, only layers have the method (`model.backbone.parameters()` makes"
            " `model.backbone` a layer)", choices=EVIDENCE),
        Key("weights", TABLE, "how checkpoints of this layer convert", fields=WEIGHTS),
        Key("note", STRING, "semantic differences, shown in the docs"),
        Key("example", TABLE, "the before/after example every entry has", required=True, fields=EXAMPLE),
        Key("min_paddle", STRING, "the oldest Paddle version the translation works on, when newer than 2.6"),
        Key("check", TABLE, "a numeric check against torch", fields=CHECK),
        Key("unchanged", STRINGS, "whole files that must come out byte-identical: shadowed names, receivers"
            " that are not what the entry needs, code that is already Paddle"),
        Key("refuses", TABLES, "calls the entry must refuse, usually for its `unsupported` arguments; write"
            " them last in the entry as `[[api.refuses]]` tables", fields=REFUSAL),
    ),
)

MODULE = Table(
    "[[module]]",
    "A torch module and the Paddle module it becomes (`torch.nn` -> `paddle.nn`).",
    (
        Key("torch", STRING, "the torch module", required=True),
        Key("paddle", STRING, "the Paddle module; without it, uses of the module are reported"),
    ),
)

UNSUPPORTED = Table(
    "[[unsupported]]",
    "A torch API the table knows it cannot translate, and why: a use is reported with the reason"
    " (instead of \"no rule\"), and docs/coverage.md lists it per namespace.",
    (
        Key("torch", STRING, "the torch name (`torch.sparse.mm`, `torch.Tensor.data_ptr`); not also an `[[api]]` entry",
            required=True),
        Key("reason", STRING, "why it is not translated (what Paddle lacks or does differently)", required=True),
    ),
)

# the top-level tables of a rule file, in the order the docs show them
NAMES = Table(
    "[names]",
    "Names read off the installed torch by `scripts/torch_names.py` (rules/torch_names.toml; run by hand"
    " when torch is upgraded: the translator never imports torch). At most one file has it.",
    (
        Key("torch", STRING, "the torch version the names were read from", required=True),
        Key("tensor_methods", STRINGS, "the public methods of `torch.Tensor`: a call of one of them on a"
            " receiver known to be a tensor, with no entry, is reported (never left unchanged silently)"),
        Key("aliases", STRING_TABLE, "other spellings of entries -> the entry's `torch` name"
            " (`torch.nn.modules.conv.Conv2d` -> `torch.nn.Conv2d`), found by object identity in torch's"
            " modules and from deprecation notices; an entry of the same name wins over an alias"),
    ),
)

TOP_LEVEL = {"api": API, "module": MODULE, "unsupported": UNSUPPORTED}  # arrays of tables: [[api]], ...
SINGLE_TABLES = {"names": NAMES}  # plain tables: [names]
# every table, for the docs
ALL_TABLES = (API, EXAMPLE, CHECK, WEIGHTS, REFUSAL, MODULE, UNSUPPORTED, NAMES)


@dataclasses.dataclass(frozen=True)
class InputSpec:
    """A parsed ``check.inputs`` value: ``"float32[2,3]:0.1:2"``."""

    dtype: str
    shape: tuple[int, ...]
    low: float | None = None  # a uniform range when given; integers default to [0, 10)
    high: float | None = None


INPUT_DTYPES = ("bool", "uint8", "int8", "int16", "int32", "int64", "float16", "float32", "float64")
_SPEC = re.compile(r"^(\w+)\[([\d,\s]*)\](?::([^:]+):([^:]+))?$")


def parse_input_spec(text: str) -> InputSpec:
    """``"int64[5]:0:10"`` -> ``InputSpec("int64", (5,), 0.0, 10.0)``; ``ValueError`` when malformed."""
    m = _SPEC.match(text.strip())
    if not m:
        raise ValueError(f"bad input spec {text!r}: write dtype[shape] or dtype[shape]:low:high")
    dtype, shape_text, low, high = m.groups()
    if dtype not in INPUT_DTYPES:
        raise ValueError(f"bad input spec {text!r}: dtype must be one of {INPUT_DTYPES}")
    shape = tuple(int(s) for s in shape_text.split(",") if s.strip())
    if low is None:
        return InputSpec(dtype, shape)
    try:
        lo, hi = float(low), float(high)
    except ValueError:
        raise ValueError(f"bad input spec {text!r}: low and high must be numbers") from None
    if dtype == "bool" or not lo < hi:
        raise ValueError(f"bad input spec {text!r}: a range needs a numeric dtype and low < high")
    return InputSpec(dtype, shape, lo, hi)
