"""Load and validate the rule table (``rules/*.toml``).

The table is data: one ``[[api]]`` entry per torch API, plus ``[[module]]`` entries that map
torch modules to Paddle modules (``torch.nn`` -> ``paddle.nn``).  Everything an entry can say
is listed in ``_API_KEYS``; a typo or a wrong type fails at load with the file and the entry
named, so a broken table never translates anything.

An ``[[api]]`` entry::

    [[api]]
    torch = "torch.nn.Conv2d"                 # what the source refers to
    paddle = "paddle.nn.Conv2D"               # what it becomes
    args = "in_channels, out_channels, ..."   # torch signature, binds positional arguments
    paddle_args = "in_channels, ..."          # Paddle signature, decides what stays positional
    rename = { bias = "bias_attr" }           # keyword renames
    drop = ["inplace"]                        # arguments Paddle has no use for
    drop_if = { bias = "True" }               # dropped when written exactly like this
    transform = { momentum = "1 - {}" }       # value rewrites (numbers are folded)
    extra = { include_self = "True" }         # keyword arguments Paddle needs in addition
    unsupported = { dilation = "..." }        # given with a non-default value -> diagnostic
    handler = "tensor_view"                   # a named Python rewrite instead of the above
    support = "WeightsEnum"                   # the target is emitted support code
    receiver = "tensor"                       # methods: what the receiver must be known to be
    weights = { transpose = ["weight"] }      # how checkpoints of this layer convert (rename, drop,
                                              # transpose, reshape: same size, Paddle's shape)
    note = "..."                              # semantic differences, shown in the docs
    example = { before = "...", after = "..." }
    check = { setup = "...", run = "out = ...", inputs = { x = "float32[2,3]" } }
"""

from __future__ import annotations

import ast
import dataclasses
import functools
import tomllib
from pathlib import Path
from typing import Any, Iterable

__all__ = [
    "ApiRule",
    "ModuleRule",
    "Param",
    "RuleTable",
    "RuleTableError",
    "WeightRule",
    "load_table",
    "rules_dir",
]

KINDS = ("function", "method", "attribute")
RECEIVERS = ("tensor", "layer", "any", "optimizer")


class RuleTableError(ValueError):
    """A rule file is malformed; the message names the file and the entry."""


@dataclasses.dataclass(frozen=True)
class Param:
    name: str
    default: str | None  # source text of the default, None when required
    kind: str  # "positional" (positional-or-keyword), "keyword" (keyword-only), "varargs", "varkw"


@dataclasses.dataclass(frozen=True)
class WeightRule:
    rename: dict[str, str]
    drop: tuple[str, ...]
    transpose: tuple[str, ...]
    # stored with another shape of the same size (LayerNorm over several dims keeps a flat weight)
    reshape: tuple[str, ...] = ()


@dataclasses.dataclass(frozen=True)
class Check:
    """A numeric check: torch code run as written and as translated, on the same inputs.

    ``setup`` builds objects (torch layers get random weights, copied to the Paddle side by
    the weight converter); ``run`` must set ``out``; ``inputs`` maps names to specs such as
    ``"float32[2,3,8,8]"``, ``"float32[4]:0.1:2"`` (uniform range) or ``"int64[5]:0:10"``.
    """

    setup: str
    run: str
    inputs: dict[str, str]
    atol: float
    rtol: float
    compare: str


@dataclasses.dataclass(frozen=True)
class ModuleRule:
    torch: str
    paddle: str | None
    source: str


@dataclasses.dataclass(frozen=True)
class ApiRule:
    torch: str
    kind: str
    paddle: str | None
    params: tuple[Param, ...] | None
    paddle_params: tuple[Param, ...] | None
    rename: dict[str, str]
    drop: tuple[str, ...]
    drop_if: dict[str, str]
    transform: dict[str, str]
    extra: dict[str, str]
    unsupported: dict[str, str]
    handler: str | None
    support: str | None
    receiver: str
    weights: WeightRule | None
    note: str
    example_before: str
    example_after: str
    example_diagnostics: tuple[str, ...]
    min_paddle: str | None
    check: Check | None
    source: str  # "rules/nn.toml:[[api]] #3 (torch.nn.Conv2d)"

    @property
    def name(self) -> str:
        """The method or function name without its module (``view`` for ``torch.Tensor.view``)."""
        return self.torch.rsplit(".", 1)[-1]

    def param(self, name: str) -> Param | None:
        for p in self.params or ():
            if p.name == name:
                return p
        return None

    @functools.cached_property
    def positional_prefix(self) -> int:
        """How many leading torch positions keep their meaning in Paddle.

        A positional argument at an index below this stays positional; any later one is
        written as a keyword with its Paddle name.
        """
        if self.params is None or self.paddle_params is None:
            return 0
        n = 0
        for tp, pp in zip(self.params, self.paddle_params):
            if tp.kind != "positional" or pp.kind != "positional":
                break
            if tp.name in self.drop or tp.name in self.unsupported:
                break
            if self.rename.get(tp.name, tp.name) != pp.name:
                break
            n += 1
        return n


_API_KEYS = {
    "torch": str,
    "kind": str,
    "paddle": str,
    "args": str,
    "paddle_args": str,
    "rename": dict,
    "drop": list,
    "drop_if": dict,
    "transform": dict,
    "extra": dict,
    "unsupported": dict,
    "handler": str,
    "support": str,
    "receiver": str,
    "weights": dict,
    "note": str,
    "example": dict,
    "min_paddle": str,
    "check": dict,
}
_CHECK_KEYS = {"setup": str, "run": str, "inputs": dict, "atol": float, "rtol": float, "compare": str}
_CHECK_COMPARE = ("values", "shape")
_MODULE_KEYS = {"torch": str, "paddle": str}
_EXAMPLE_KEYS = {"before": str, "after": str, "diagnostics": list}
_WEIGHT_KEYS = {"rename": dict, "drop": list, "transpose": list, "reshape": list}


def parse_signature(text: str) -> tuple[Param, ...]:
    """Parse ``"x, dim=0, *, keepdim=False"`` into params, using Python's own grammar."""
    fn = ast.parse(f"def _({text}): pass").body[0]
    assert isinstance(fn, ast.FunctionDef)
    a = fn.args
    out: list[Param] = []
    positional = a.posonlyargs + a.args
    defaults = [None] * (len(positional) - len(a.defaults)) + list(a.defaults)
    for arg, default in zip(positional, defaults):
        out.append(Param(arg.arg, None if default is None else ast.unparse(default), "positional"))
    if a.vararg:
        out.append(Param(a.vararg.arg, None, "varargs"))
    for arg, default in zip(a.kwonlyargs, a.kw_defaults):
        out.append(Param(arg.arg, None if default is None else ast.unparse(default), "keyword"))
    if a.kwarg:
        out.append(Param(a.kwarg.arg, None, "varkw"))
    return tuple(out)


def _check_keys(entry: dict[str, Any], allowed: dict[str, type], where: str) -> None:
    for key, value in entry.items():
        if key not in allowed:
            raise RuleTableError(f"{where}: unknown key {key!r} (allowed: {', '.join(sorted(allowed))})")
        if not isinstance(value, allowed[key]):
            raise RuleTableError(
                f"{where}: {key!r} must be {allowed[key].__name__}, got {type(value).__name__}"
            )


def _str_dict(entry: dict[str, Any], key: str, where: str) -> dict[str, str]:
    value = entry.get(key, {})
    for k, v in value.items():
        if not isinstance(v, str):
            raise RuleTableError(f"{where}: {key}.{k} must be a string")
    return dict(value)


def _str_tuple(value: Iterable[Any], what: str, where: str) -> tuple[str, ...]:
    items = tuple(value)
    for item in items:
        if not isinstance(item, str):
            raise RuleTableError(f"{where}: {what} entries must be strings")
    return items


def _build_api(entry: dict[str, Any], where: str) -> ApiRule:
    _check_keys(entry, _API_KEYS, where)
    if "torch" not in entry:
        raise RuleTableError(f"{where}: missing required key 'torch'")
    where = f"{where} ({entry['torch']})"
    kind = entry.get("kind", "function")
    if kind not in KINDS:
        raise RuleTableError(f"{where}: kind must be one of {KINDS}, got {kind!r}")
    handler = entry.get("handler")
    support = entry.get("support")
    paddle = entry.get("paddle")
    if paddle is None and handler is None and support is None:
        raise RuleTableError(f"{where}: needs 'paddle', 'handler' or 'support'")
    example = entry.get("example")
    if example is None:
        raise RuleTableError(f"{where}: every rule needs an example = {{ before, after }}")
    _check_keys(example, _EXAMPLE_KEYS, f"{where}.example")
    if "before" not in example or "after" not in example:
        raise RuleTableError(f"{where}: example needs both 'before' and 'after'")

    def sig(key: str) -> tuple[Param, ...] | None:
        if key not in entry:
            return None
        try:
            return parse_signature(entry[key])
        except SyntaxError as exc:
            raise RuleTableError(f"{where}: {key} is not a valid signature: {exc.msg}") from None

    params, paddle_params = sig("args"), sig("paddle_args")
    rename = _str_dict(entry, "rename", where)
    drop = _str_tuple(entry.get("drop", ()), "drop", where)
    drop_if = _str_dict(entry, "drop_if", where)
    transform = _str_dict(entry, "transform", where)
    unsupported = _str_dict(entry, "unsupported", where)
    for key, template in transform.items():
        if template.count("{}") != 1:
            raise RuleTableError(f"{where}: transform.{key} must contain '{{}}' exactly once")
    if params is not None:
        names = {p.name for p in params}
        for key in [*rename, *drop, *drop_if, *transform, *unsupported]:
            if key not in names:
                raise RuleTableError(f"{where}: {key!r} is not an argument of {entry['torch']}({entry['args']})")
        if paddle_params is not None and handler is None:
            paddle_names = {p.name for p in paddle_params}
            has_varkw = any(p.kind == "varkw" for p in paddle_params)
            has_varargs = any(p.kind == "varargs" for p in paddle_params)
            for p in params:
                if p.name in drop or p.name in unsupported:
                    continue
                if p.kind == "varargs" and has_varargs or p.kind == "varkw" and has_varkw:
                    continue
                target = rename.get(p.name, p.name)
                if target not in paddle_names and not has_varkw:
                    raise RuleTableError(
                        f"{where}: torch argument {p.name!r} maps to {target!r}, which is not in paddle_args;"
                        " rename, drop or mark it unsupported"
                    )
    elif any((rename, drop, drop_if, transform, unsupported)):
        raise RuleTableError(f"{where}: argument rules need 'args' (the torch signature) to bind against")
    receiver = entry.get("receiver", "any")
    if receiver not in RECEIVERS:
        raise RuleTableError(f"{where}: receiver must be one of {RECEIVERS}, got {receiver!r}")
    weights = None
    if "weights" in entry:
        w = entry["weights"]
        _check_keys(w, _WEIGHT_KEYS, f"{where}.weights")
        weights = WeightRule(
            rename=_str_dict(w, "rename", f"{where}.weights"),
            drop=_str_tuple(w.get("drop", ()), "drop", where),
            transpose=_str_tuple(w.get("transpose", ()), "transpose", where),
            reshape=_str_tuple(w.get("reshape", ()), "reshape", where),
        )
    return ApiRule(
        torch=entry["torch"],
        kind=kind,
        paddle=paddle,
        params=params,
        paddle_params=paddle_params,
        rename=rename,
        drop=drop,
        drop_if=drop_if,
        transform=transform,
        extra=_str_dict(entry, "extra", where),
        unsupported=unsupported,
        handler=handler,
        support=support,
        receiver=receiver,
        weights=weights,
        note=entry.get("note", ""),
        example_before=example["before"],
        example_after=example["after"],
        example_diagnostics=_str_tuple(example.get("diagnostics", ()), "example.diagnostics", where),
        min_paddle=entry.get("min_paddle"),
        check=_build_check(entry.get("check"), where),
        source=where,
    )


def _build_check(check: dict[str, Any] | None, where: str) -> Check | None:
    if check is None:
        return None
    _check_keys(check, _CHECK_KEYS, f"{where}.check")
    if "run" not in check:
        raise RuleTableError(f"{where}: check needs 'run' (torch code that sets `out`)")
    compare = check.get("compare", "values")
    if compare not in _CHECK_COMPARE:
        raise RuleTableError(f"{where}: check.compare must be one of {_CHECK_COMPARE}")
    for key in ("setup", "run"):
        try:
            ast.parse(check.get(key, ""))
        except SyntaxError as exc:
            raise RuleTableError(f"{where}: check.{key} is not valid Python: {exc.msg}") from None
    return Check(
        setup=check.get("setup", ""),
        run=check["run"],
        inputs=_str_dict(check, "inputs", f"{where}.check"),
        atol=check.get("atol", 1e-5),
        rtol=check.get("rtol", 1e-5),
        compare=compare,
    )


@dataclasses.dataclass
class RuleTable:
    apis: dict[str, ApiRule]
    modules: dict[str, ModuleRule]
    # method name -> rules for that method name (torch.Tensor.view, torch.nn.Module.modules, ...)
    methods: dict[str, list[ApiRule]]
    files: tuple[Path, ...]

    def weight_rules(self) -> dict[str, WeightRule]:
        """Weight conversion rules keyed by the Paddle class name (``"Linear"``)."""
        out: dict[str, WeightRule] = {}
        for rule in self.apis.values():
            if rule.weights is not None and rule.paddle:
                out[rule.paddle.rsplit(".", 1)[-1]] = rule.weights
        return out

    def all_rules(self) -> list[ApiRule]:
        return list(self.apis.values())


def rules_dir() -> Path:
    """The rule table's folder: ``rules/`` in a checkout, ``translator/_rules`` in a wheel."""
    here = Path(__file__).resolve().parent
    checkout = here.parent / "rules"
    if checkout.is_dir() and (here.parent / "pyproject.toml").is_file():
        return checkout
    return here / "_rules"


def load_table(directory: Path | None = None) -> RuleTable:
    if directory is None:
        return _default_table()
    return _load(Path(directory))


@functools.lru_cache(maxsize=1)
def _default_table() -> RuleTable:
    return _load_cached(rules_dir())


def _load_cached(directory: Path) -> RuleTable:
    """``_load``, kept as a pickle in the cache folder (see ``translator/cache.py``), keyed by
    the folder, the rule files' content and this module's source: parsing the TOML costs more
    than translating a typical file."""
    import hashlib

    from .cache import load_pickled, store_pickled

    h = hashlib.sha256(str(directory.resolve()).encode() + b"\0" + Path(__file__).read_bytes())
    for path in sorted(directory.glob("*.toml")):
        h.update(b"\0" + path.name.encode() + b"\0" + path.read_bytes())
    name = f"rules-{h.hexdigest()[:40]}.pickle"
    table = load_pickled(name)
    if isinstance(table, RuleTable):
        return table
    table = _load(directory)
    store_pickled(name, table)
    return table


def _load(directory: Path) -> RuleTable:
    files = tuple(sorted(directory.glob("*.toml")))
    if not files:
        raise RuleTableError(f"{directory}: no rule files (*.toml) found")
    apis: dict[str, ApiRule] = {}
    modules: dict[str, ModuleRule] = {}
    for path in files:
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise RuleTableError(f"{path}: {exc}") from None
        unknown = set(data) - {"api", "module"}
        if unknown:
            raise RuleTableError(f"{path}: unknown top-level table(s) {sorted(unknown)}; use [[api]] or [[module]]")
        for i, entry in enumerate(data.get("module", []), 1):
            where = f"{path.name}: [[module]] #{i}"
            _check_keys(entry, _MODULE_KEYS, where)
            if "torch" not in entry:
                raise RuleTableError(f"{where}: missing required key 'torch'")
            modules[entry["torch"]] = ModuleRule(entry["torch"], entry.get("paddle"), where)
        for i, entry in enumerate(data.get("api", []), 1):
            rule = _build_api(entry, f"{path.name}: [[api]] #{i}")
            if rule.torch in apis:
                raise RuleTableError(f"{rule.source}: duplicate of {apis[rule.torch].source}")
            apis[rule.torch] = rule
    methods: dict[str, list[ApiRule]] = {}
    for rule in apis.values():
        if rule.kind in ("method", "attribute"):
            methods.setdefault(rule.name, []).append(rule)
    return RuleTable(apis=apis, modules=modules, methods=methods, files=files)
