"""Load and validate the rule table (``rules/*.toml``).

The table is data: one ``[[api]]`` entry per torch API, plus ``[[module]]`` entries that map
torch modules to Paddle modules (``torch.nn`` -> ``paddle.nn``).  What an entry may say is
written once, in ``translator/rule_schema.py`` (rendered as ``docs/rule-schema.md``); this
module checks each entry against it and against itself (argument rules name arguments of
``args``, signatures and check code parse, check inputs are valid specs).  A typo or a wrong
type fails at load with the file and the entry named, so a broken table never translates
anything.  Handler and support names are checked by ``RuleTable.check_references``, called by
whoever knows the registered names (this module imports neither the engine nor its handlers).

An ``[[api]]`` entry::

    [[api]]
    torch = "torch.nn.Conv2d"
    paddle = "paddle.nn.Conv2D"
    args = "in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1, ..."
    rename = { bias = "bias_attr" }
    example.before = "import torch.nn as nn\nconv = nn.Conv2d(3, 8, 3, bias=False)\n"
    example.after = "import paddle.nn as nn\nconv = nn.Conv2D(3, 8, 3, bias_attr=False)\n"
"""

from __future__ import annotations

import ast
import dataclasses
import difflib
import functools
import hashlib
import tomllib
from collections.abc import Collection
from pathlib import Path
from typing import Any

from . import rule_schema as schema
from .diskcache import load_json, store_json
from .rule_schema import RuleTableError

__all__ = [
    "ApiRule",
    "ModuleRule",
    "Param",
    "Refusal",
    "RuleTable",
    "RuleTableError",
    "WeightRule",
    "load_table",
    "rules_dir",
]


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
    """A numeric check (``schema.CHECK`` says what each field means)."""

    setup: str
    run: str
    inputs: dict[str, str]
    atol: float
    rtol: float
    compare: str


@dataclasses.dataclass(frozen=True)
class Refusal:
    """A call its entry must refuse (``schema.REFUSAL``): an error ``code`` whose message
    contains ``message``, and ``before`` translated to exactly ``after``."""

    before: str
    after: str
    code: str
    message: str


@dataclasses.dataclass(frozen=True)
class ModuleRule:
    torch: str
    paddle: str | None
    source: str


@dataclasses.dataclass(frozen=True)
class ApiRule:
    """One ``[[api]]`` entry, loaded (``schema.API`` says what each key means)."""

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
    unchanged: tuple[str, ...] = ()
    refuses: tuple[Refusal, ...] = ()
    evidence: tuple[str, ...] = ()
    subclass: str | None = None
    annotation: str | None = None  # what a reference in an annotation becomes (a type)
    since: dict[str, str] = dataclasses.field(default_factory=dict)
    layers: tuple[str, ...] = ()  # a layer attribute: the torch classes it is read on
    value: str | None = None  # a layer attribute: torch's value in Paddle, `{}` the receiver
    store: str | None = None  # a layer attribute: what an assignment writes, `{}` the receiver
    reads: str = "all"  # a layer attribute: "values", only reads the value is computed with

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


def _strings(entry: dict[str, Any], key: str) -> tuple[str, ...]:
    return tuple(entry.get(key, ()))


def _build_api(entry: dict[str, Any], where: str) -> ApiRule:
    if isinstance(entry.get("torch"), str):
        where = f"{where} ({entry['torch']})"
    schema.API.validate(entry, where)
    handler = entry.get("handler")
    support = entry.get("support")
    paddle = entry.get("paddle")
    if paddle is None and handler is None and support is None and "value" not in entry:
        raise RuleTableError(f"{where}: needs 'paddle', 'handler', 'support' or 'value'")
    _check_layer_attribute(entry, where)
    example = entry["example"]

    def sig(key: str) -> tuple[Param, ...] | None:
        if key not in entry:
            return None
        try:
            return parse_signature(entry[key])
        except SyntaxError as exc:
            raise RuleTableError(f"{where}: {key} is not a valid signature: {exc.msg}") from None

    params, paddle_params = sig("args"), sig("paddle_args")
    rename = dict(entry.get("rename", {}))
    drop = _strings(entry, "drop")
    drop_if = dict(entry.get("drop_if", {}))
    transform = dict(entry.get("transform", {}))
    unsupported = dict(entry.get("unsupported", {}))
    for key, template in transform.items():
        if template.count("{}") != 1:
            raise RuleTableError(f"{where}: transform.{key} must contain '{{}}' exactly once")
    if params is not None:
        _check_argument_names(entry, params, paddle_params, where)
    elif any((rename, drop, drop_if, transform, unsupported)):
        raise RuleTableError(f"{where}: argument rules need 'args' (the torch signature) to bind against")
    weights = None
    if "weights" in entry:
        w = entry["weights"]
        weights = WeightRule(
            rename=dict(w.get("rename", {})),
            drop=_strings(w, "drop"),
            transpose=_strings(w, "transpose"),
            reshape=_strings(w, "reshape"),
        )
    refuses = tuple(
        Refusal(before=r["before"], after=r["after"], code=r.get("code", entry["torch"]), message=r.get("message", ""))
        for r in entry.get("refuses", ())
    )
    return ApiRule(
        torch=entry["torch"],
        kind=entry.get("kind", "function"),
        paddle=paddle,
        params=params,
        paddle_params=paddle_params,
        rename=rename,
        drop=drop,
        drop_if=drop_if,
        transform=transform,
        extra=dict(entry.get("extra", {})),
        unsupported=unsupported,
        handler=handler,
        support=support,
        receiver=entry.get("receiver", "any"),
        weights=weights,
        note=entry.get("note", ""),
        example_before=example["before"],
        example_after=example["after"],
        example_diagnostics=_strings(example, "diagnostics"),
        min_paddle=entry.get("min_paddle"),
        check=_build_check(entry.get("check"), where),
        source=where,
        unchanged=_strings(entry, "unchanged"),
        refuses=refuses,
        evidence=_strings(entry, "evidence"),
        subclass=entry.get("subclass"),
        annotation=entry.get("annotation"),
        since=_since(entry, unsupported, where),
        layers=_strings(entry, "layers"),
        value=entry.get("value"),
        store=entry.get("store"),
        reads=entry.get("reads", "all"),
    )


def _check_layer_attribute(entry: dict[str, Any], where: str) -> None:
    """``layers``/``value``/``store`` go together, on an attribute entry, as expressions of ``{}``."""
    keys = [k for k in ("layers", "value", "store", "reads") if k in entry]
    if not keys:
        return
    if entry.get("kind") != "attribute" or "layers" not in entry or "value" not in entry:
        raise RuleTableError(f"{where}: a layer attribute is an attribute entry with 'layers' and 'value'")
    for key in ("value", "store"):
        if key in entry:
            try:
                ast.parse(entry[key].replace("{}", "_receiver"), mode="eval")
            except SyntaxError:
                raise RuleTableError(f"{where}: {key} is not a Python expression of the receiver `{{}}`") from None
            if "{}" not in entry[key]:
                raise RuleTableError(f"{where}: {key} must use the receiver `{{}}`")


def _since(entry: dict[str, Any], unsupported: dict[str, str], where: str) -> dict[str, str]:
    """The entry's ``since`` table: arguments it lists as ``unsupported`` that a newer Paddle has."""
    since = dict(entry.get("since", {}))
    for name in since:
        if name not in unsupported:
            raise RuleTableError(f"{where}: since.{name} must also be in 'unsupported' (what older Paddle lacks)")
    return since


def _check_argument_names(
    entry: dict[str, Any], params: tuple[Param, ...], paddle_params: tuple[Param, ...] | None, where: str
) -> None:
    """Argument rules name torch arguments; without a handler, each torch argument has a Paddle one."""
    names = {p.name for p in params}
    rename, drop, unsupported = entry.get("rename", {}), entry.get("drop", []), entry.get("unsupported", {})
    for key in [*rename, *drop, *entry.get("drop_if", {}), *entry.get("transform", {}), *unsupported]:
        if key not in names:
            raise RuleTableError(f"{where}: {key!r} is not an argument of {entry['torch']}({entry['args']})")
    if paddle_params is None or entry.get("handler") is not None:
        return
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


def _build_check(check: dict[str, Any] | None, where: str) -> Check | None:
    if check is None:
        return None
    for key in ("setup", "run"):
        try:
            ast.parse(check.get(key, ""))
        except SyntaxError as exc:
            raise RuleTableError(f"{where}: check.{key} is not valid Python: {exc.msg}") from None
    inputs = dict(check.get("inputs", {}))
    for name, spec in inputs.items():
        if not name.isidentifier():
            raise RuleTableError(f"{where}: check.inputs: {name!r} is not a Python name")
        try:
            schema.parse_input_spec(spec)
        except ValueError as exc:
            raise RuleTableError(f"{where}: check.inputs.{name}: {exc}") from None
    return Check(
        setup=check.get("setup", ""),
        run=check["run"],
        inputs=inputs,
        atol=check.get("atol", 1e-5),
        rtol=check.get("rtol", 1e-5),
        compare=check.get("compare", "values"),
    )


@dataclasses.dataclass
class RuleTable:
    apis: dict[str, ApiRule]
    modules: dict[str, ModuleRule]
    # method name -> rules for that method name (torch.Tensor.view, torch.nn.Module.modules, ...)
    methods: dict[str, list[ApiRule]]
    files: tuple[Path, ...]
    # from [names] (rules/torch_names.toml): public torch.Tensor methods; other spellings -> entry
    tensor_methods: frozenset[str] = frozenset()
    aliases: dict[str, str] = dataclasses.field(default_factory=dict)
    # from [[unsupported]]: torch APIs known not to be translatable -> why
    unsupported: dict[str, str] = dataclasses.field(default_factory=dict)

    def no_rule_message(self, qual: str) -> str:
        """What a use of ``qual``, which no entry translates, is reported with."""
        reason = self.unsupported.get(qual)
        return f"not translated: {reason}; left unchanged" if reason else "no rule for this torch API; left unchanged"

    def canonical(self, qual: str) -> str:
        """The entry's name for another spelling of it (``torch.nn.modules.conv.Conv2d`` ->
        ``torch.nn.Conv2d``), also as a prefix (``....Conv2d.forward``); ``qual`` otherwise."""
        if not self.aliases or qual in self.apis:
            return qual
        parts = qual.split(".")
        for i in range(len(parts), 1, -1):
            target = self.aliases.get(".".join(parts[:i]))
            if target is not None:
                return ".".join([target, *parts[i:]])
        return qual

    def weight_rules(self) -> dict[str, WeightRule]:
        """Weight conversion rules keyed by the Paddle class name (``"Linear"``)."""
        out: dict[str, WeightRule] = {}
        for rule in self.apis.values():
            if rule.weights is not None and rule.paddle:
                out[rule.paddle.rsplit(".", 1)[-1]] = rule.weights
        return out

    def all_rules(self) -> list[ApiRule]:
        return list(self.apis.values())

    def names_with_evidence(self, kind: str, evidence: str) -> frozenset[str]:
        """The method (``kind="method"``) or function names some entry of that name declares
        ``evidence`` for (``value``, ``self``, ``layer-only``: see the schema's ``evidence``)."""
        key = f"_evidence_{kind}_{evidence}"
        found = self.__dict__.get(key)
        if found is None:
            found = frozenset(r.name for r in self.apis.values() if r.kind == kind and evidence in r.evidence)
            self.__dict__[key] = found
        return found

    def check_references(self, handlers: Collection[str], supports: Collection[str]) -> None:
        """Raise ``RuleTableError`` naming the file and the entry when an entry's ``handler``
        is not among ``handlers`` (the registered handler names) or its ``support`` is not among
        ``supports`` (the support snippet names).  Called where both are known, so that this
        module needs neither the engine nor its handlers."""
        for rule in self.apis.values():
            checked = (("handler", rule.handler, handlers), ("support", rule.support, supports), ("subclass", rule.subclass, supports))
            for key, name, known in checked:
                if name is not None and name not in known:
                    close = difflib.get_close_matches(name, list(known), n=1)
                    hint = f"; did you mean {close[0]!r}?" if close else ""
                    raise RuleTableError(f"{rule.source}: unknown {key} {name!r}{hint}")


def rules_dir() -> Path:
    """The rule table's folder: ``rules/`` in a checkout, ``translator/_rules`` in a wheel."""
    here = Path(__file__).resolve().parent
    checkout = here.parent / "rules"
    if checkout.is_dir() and (here.parent / "pyproject.toml").is_file():
        return checkout
    return here / "_rules"


def load_table(directory: Path | None = None, *, cache_dir: Path | None = None) -> RuleTable:
    """The rule table: the shipped one (kept as JSON in ``cache_dir``, default
    ``diskcache.DEFAULT_DIR``), or the one in ``directory`` (read every time)."""
    if directory is None:
        return _default_table(cache_dir)
    return _load(Path(directory))


@functools.lru_cache(maxsize=4)
def _default_table(cache_dir: Path | None) -> RuleTable:
    return _load_cached(rules_dir(), cache_dir)


def _load_cached(directory: Path, cache_dir: Path | None = None) -> RuleTable:
    """``_load``, kept as JSON in the cache folder (``translator/diskcache.py``), keyed by the
    folder, the rule files' content and the loader's source: parsing the TOML costs more than
    translating a typical file.  JSON, not a pickle: a file planted in the cache folder cannot
    run code; :func:`_decode_object` builds only this module's dataclasses from it."""
    h = hashlib.sha256(str(directory.resolve()).encode())
    for module in (__file__, schema.__file__):  # the loader's code shapes the cached table
        h.update(b"\0" + Path(module).read_bytes())
    for path in sorted(directory.glob("*.toml")):
        h.update(b"\0" + path.name.encode() + b"\0" + path.read_bytes())
    name = f"rules-{h.hexdigest()[:40]}.json"
    table = load_json(name, cache_dir, object_hook=_decode_object)
    if isinstance(table, RuleTable):
        return table
    table = _load(directory)
    store_json(name, _encode(table), directory=cache_dir)
    return table


# The cached table's JSON: a dataclass is {"\0" + class name: [field values in order]}, a
# tuple a list (turned back into a tuple by the field's declared type), the table itself
# {"\0RuleTable": {...}} without ``methods``, which is rebuilt from ``apis`` (the same rule
# objects, as ``_load`` makes them).  Rule keys are identifiers, never "\0...".
_CACHED_CLASSES = {cls.__name__: cls for cls in (Param, WeightRule, Check, Refusal, ModuleRule, ApiRule)}
_TUPLE_FIELDS = {
    name: tuple(i for i, f in enumerate(dataclasses.fields(cls)) if str(f.type).startswith("tuple["))
    for name, cls in _CACHED_CLASSES.items()
}


def _encode(value: Any) -> Any:
    if isinstance(value, RuleTable):
        return {"\0RuleTable": {
            "apis": _encode(value.apis), "modules": _encode(value.modules),
            "files": [str(p) for p in value.files], "tensor_methods": sorted(value.tensor_methods),
            "aliases": value.aliases, "unsupported": value.unsupported,
        }}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {"\0" + type(value).__name__: [_encode(getattr(value, f.name)) for f in dataclasses.fields(value)]}
    if isinstance(value, (tuple, list)):
        return [_encode(v) for v in value]
    if isinstance(value, dict):
        return {k: _encode(v) for k, v in value.items()}
    return value


def _decode_object(d: dict[str, Any]) -> Any:
    """``json.loads``'s object hook inverting :func:`_encode`; builds only this module's
    dataclasses (a name it does not know raises, and the table is rebuilt from the TOML)."""
    if len(d) != 1:
        return d
    (key, value), = d.items()
    if key[:1] != "\0":
        return d
    if key == "\0RuleTable":
        methods: dict[str, list[ApiRule]] = {}
        for rule in value["apis"].values():
            if rule.kind in ("method", "attribute"):
                methods.setdefault(rule.name, []).append(rule)
        return RuleTable(
            apis=value["apis"], modules=value["modules"], methods=methods,
            files=tuple(Path(p) for p in value["files"]),
            tensor_methods=frozenset(value["tensor_methods"]), aliases=value["aliases"],
            unsupported=value.get("unsupported", {}),
        )
    name = key[1:]
    for i in _TUPLE_FIELDS[name]:
        if value[i] is not None:
            value[i] = tuple(value[i])
    return _CACHED_CLASSES[name](*value)


def _load(directory: Path) -> RuleTable:
    files = tuple(sorted(directory.glob("*.toml")))
    if not files:
        raise RuleTableError(f"{directory}: no rule files (*.toml) found")
    apis: dict[str, ApiRule] = {}
    modules: dict[str, ModuleRule] = {}
    unsupported: dict[str, tuple[str, str]] = {}  # torch name -> (reason, where)
    names: tuple[str, dict[str, Any]] | None = None
    for path in files:
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise RuleTableError(f"{path}: {exc}") from None
        unknown = set(data) - set(schema.TOP_LEVEL) - set(schema.SINGLE_TABLES)
        if unknown:
            raise RuleTableError(f"{path}: unknown top-level table(s) {sorted(unknown)}; use [[api]], [[module]] or [[unsupported]]")
        if "names" in data:
            if names is not None:
                raise RuleTableError(f"{path.name}: [names] is already given in {names[0]}")
            schema.NAMES.validate(data["names"], f"{path.name}: [names]")
            names = (path.name, data["names"])
        for i, entry in enumerate(data.get("module", []), 1):
            where = f"{path.name}: [[module]] #{i}"
            schema.MODULE.validate(entry, where)
            modules[entry["torch"]] = ModuleRule(entry["torch"], entry.get("paddle"), where)
        for i, entry in enumerate(data.get("unsupported", []), 1):
            where = f"{path.name}: [[unsupported]] #{i}"
            schema.UNSUPPORTED.validate(entry, where)
            if entry["torch"] in unsupported:
                raise RuleTableError(f"{where}: duplicate of {unsupported[entry['torch']][1]}")
            unsupported[entry["torch"]] = (entry["reason"], where)
        for i, entry in enumerate(data.get("api", []), 1):
            rule = _build_api(entry, f"{path.name}: [[api]] #{i}")
            if rule.torch in apis:
                raise RuleTableError(f"{rule.source}: duplicate of {apis[rule.torch].source}")
            apis[rule.torch] = rule
    methods: dict[str, list[ApiRule]] = {}
    for rule in apis.values():
        if rule.kind in ("method", "attribute"):
            methods.setdefault(rule.name, []).append(rule)
    for name, (_, where) in unsupported.items():
        if name in apis:
            raise RuleTableError(f"{where}: {name} is also an [[api]] entry ({apis[name].source})")
    read = names[1] if names else {}
    aliases = {k: v for k, v in read.get("aliases", {}).items() if k not in apis and v in apis}
    return RuleTable(
        apis=apis, modules=modules, methods=methods, files=files,
        tensor_methods=frozenset(read.get("tensor_methods", ())), aliases=aliases,
        unsupported={name: reason for name, (reason, _) in unsupported.items()},
    )
