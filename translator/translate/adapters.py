"""torch-signature adapters: a torch layer class used as a value, called later with torch's arguments.

Library code often picks its layer classes at run time: monai's ``Conv[Conv.CONV, 2]`` looks
``nn.Conv2d`` up in a table filled with ``types = (nn.Conv1d, nn.Conv2d, nn.Conv3d)``, timm's
``get_act_layer("relu")`` returns ``nn.ReLU``, torchvision keeps ``norm_layer = nn.BatchNorm2d``.
The class is then called far from where it was named (``conv_type(c, c, 3, bias=False)``),
where no rule can see which torch API the call is.  Spelling the value as the Paddle class
would pass torch's arguments to Paddle's signature: ``bias=`` and ``inplace=`` fail, while
``momentum=0.1`` or BatchNorm's positional ``eps`` are silently read as something else.

So a torch layer class used as a value (not called, not in an
``isinstance``/``issubclass``/comparison, not in an annotation) becomes an **adapter**: a
subclass of the Paddle class whose ``__init__`` has torch's signature and calls the Paddle
constructor with the arguments translated by the class's own rule.  The adapter is made by the
engine itself: the rule is applied to a synthetic call whose arguments are the adapter's
parameters (``torch.nn.Conv2d(in_channels, out_channels, kernel_size, stride=stride, ...)``).
A rule that needs a literal for a flag (``affine=``, ``track_running_stats=``) is applied once
per value of each boolean parameter it refuses, and the adapter branches on them at run time;
a combination the rule refuses raises ``NotImplementedError`` with the rule's message.

A base class is such a use too: ``class SameConv(nn.Conv2d)`` is built with torch's arguments
(``super().__init__(cin, cout, k, stride, 0, dilation, groups, bias)``, or ``SameConv(...)`` by
its users), so it derives from the adapter (``class SameConv(TorchConv2d)``), which is still a
subclass of the Paddle class (parameters, attributes and ``isinstance`` as before); a rule's
``subclass`` takes precedence, and a base no adapter can stand for stays the Paddle class.

When the translated call passes every argument through unchanged (``nn.Sequential``,
``nn.Identity``), the Paddle class itself is the value (no adapter); when no call of the rule
can be translated, the value use is reported.
"""

from __future__ import annotations

import dataclasses
import re
import textwrap
from typing import Callable

import libcst as cst

from ..diagnostics import Severity, Translation
from ..rules import ApiRule, Param
from . import support as support_code
from .results import Refusal
from .fastcst import code_of
from .syntax import separated

__all__ = ["Adapter", "AdapterMaker", "adaptable"]

#: torch namespaces whose capitalized names are classes called with torch's arguments
_CLASS_NAMESPACES = ("torch.nn.", "torch.optim.")
_NOT_CLASSES = ("torch.nn.functional.", "torch.nn.init.", "torch.nn.utils.", "torch.nn.parameter.")
# classes that are used by identity (annotations, checks, bases), never built from a table
_IDENTITY_ONLY = {"torch.nn.Module", "torch.nn.Parameter", "torch.optim.Optimizer"}
_MAX_BRANCHES = 8  # boolean parameters an adapter may branch on: 2**3 combinations at most


def adaptable(rule: ApiRule, torch_init: bool = False) -> bool:
    """Whether ``rule`` names a torch class that code may store and call later, or a function
    only whose calls translate (``init=nn.init.kaiming_normal_`` as a default argument); with
    ``torch_init`` (``--torch-init``) also any layer class the translation initializes as torch
    does (``se_layer=SqueezeExcitation``: its adapter calls ``_torch_init(self)``)."""
    name = rule.torch
    if rule.kind != "function" or rule.params is None:
        return False
    if _is_function(rule):
        return True
    if torch_init and rule.handler == "torch_init_layer" and rule.name[:1].isupper():
        return True
    return (name.startswith(_CLASS_NAMESPACES) and not name.startswith(_NOT_CLASSES)
            and rule.name[:1].isupper() and name not in _IDENTITY_ONLY)


def _is_function(rule: ApiRule) -> bool:
    """A function whose reference alone has no Paddle spelling (a handler translates its calls)."""
    return rule.name[:1].islower() and rule.paddle is None and rule.support is None and rule.handler is not None


@dataclasses.dataclass(frozen=True)
class Adapter:
    """What a value use of a torch class becomes: ``name`` (a support snippet), or None with the
    Paddle class itself (``direct``), or a ``refusal`` message."""

    name: str | None = None
    direct: bool = False
    refusal: str | None = None


# a leaf of the decision tree: the translated arguments, or the refusal message
_Leaf = tuple  # ("call", args text, statements after, one a line) | ("raise", message)


class AdapterMaker:
    """Makes (once per process and rule table) the adapter of each torch class.

    ``translate(code)`` translates a synthetic torch module with the run's settings (no library
    carrying, no formatting) and returns the ``Translation``; it is passed in by the pipeline,
    so this module does not import it."""

    def __init__(self, translate: Callable[[str], Translation], key: tuple) -> None:
        self._translate = translate
        self._key = key

    def adapter(self, rule: ApiRule) -> Adapter:
        key = (*self._key, rule.torch)
        made = _MADE.get(key)
        if made is None:
            made = _MADE[key] = self._make(rule)
        return _registered(key, made)

    # ------------------------------------------------------------------------------------
    def _make(self, rule: ApiRule) -> Adapter:
        if _is_function(rule):
            return self._make_function(rule)
        params = list(rule.params or ())
        target = rule.support or rule.paddle
        if target is None:
            return Adapter(refusal="no Paddle class to build")
        flags = [p.name for p in params if p.default in ("True", "False")][:_MAX_BRANCHES]
        tree = self._tree(rule, params, flags, {})
        if tree[0] == "raise":
            return Adapter(refusal=f"{rule.torch} picked at run time cannot be translated: {tree[1]}")
        if tree[0] == "call" and not tree[2] and _same_arguments(tree[1], _call_arguments(params, {})):
            # torch's arguments as they are: the Paddle class, or the support class the rule
            # writes for this form (`TorchUpsample` for a mode known at run time)
            return Adapter(name=tree[3]) if len(tree) > 3 else Adapter(direct=True)
        if tree[0] == "call" and tree[2] == "_torch_init(self)" and _same_arguments(tree[1], _call_arguments(params, {})):
            # the same, with --torch-init: the class, then torch's default initialization
            return self._make_initialized(rule, tree[3] if len(tree) > 3 else target)
        if _other_class(tree):
            return Adapter(refusal="its translation depends on the arguments in a way an adapter cannot follow")
        name = _adapter_name(rule)
        base = target if rule.support is None else rule.support
        body = _render_tree(tree, "        ")
        signature = ", ".join(["self", *(_param_text(p) for p in params)])
        code = (
            f"class {name}({base}):\n"
            f'    """{base} built with the arguments of {rule.torch}\n    (a class picked at run time)."""\n\n'
            f"    def __init__({signature}):\n"
            f"{body}"
            f"{_parameter_aliases(rule)}"
        )
        code = _formatted(code)
        deps = _deps(name, code)
        existing = support_code.SNIPPETS.get(name)
        if existing is None or existing.code != code:
            support_code.SNIPPETS[name] = support_code.Snippet(code=code, deps=deps, paddle=True, made=True)
        return Adapter(name=name)

    def _make_initialized(self, rule: ApiRule, base: str) -> Adapter:
        """``class TorchX(X)`` whose ``__init__`` passes its arguments through and then gives the
        layer torch's default initialization (``--torch-init``; X takes torch's arguments)."""
        name = _adapter_name(rule)
        code = _formatted(
            f"class {name}({base}):\n"
            f'    """{base} with torch\'s default initialization\n    (--torch-init; a class picked at run time)."""\n\n'
            f"    def __init__(self, *args, **kwargs):\n"
            f"        super().__init__(*args, **kwargs)\n"
            f"        _torch_init(self)\n"
        )
        deps = _deps(name, code)
        support_code.SNIPPETS[name] = support_code.Snippet(code=code, deps=deps, paddle=True, made=True)
        return Adapter(name=name)

    def _make_function(self, rule: ApiRule) -> Adapter:
        """``_torch_<name>``: a function with torch's signature returning the translated call."""
        params = list(rule.params or ())
        flags = [p.name for p in params if p.default in ("True", "False")][:_MAX_BRANCHES]
        self._imports: list[str] = []
        tree = self._tree(rule, params, flags, {})
        if tree[0] == "raise":
            return Adapter(refusal=f"{rule.torch} passed as a value cannot be translated: {tree[1]}")
        if tree[0] == "return" and _same_arguments(tree[1], f"{_callee(tree[1])}({_call_arguments(params, {})})"):
            callee = _callee(tree[1])
            if callee in support_code.SNIPPETS:  # a support function with torch's signature
                return Adapter(name=callee)
        name = _free("_torch_" + rule.name.lstrip("_"))
        code = (
            f"def {name}({', '.join(_param_text(p) for p in params)}):\n"
            f'    """{rule.torch} with torch\'s arguments\n    (the function passed as a value)."""\n'
            f"{_render_tree(tree, '    ')}"
        )
        code = _formatted(code)
        deps = _deps(name, code)
        imports = tuple(i for i in dict.fromkeys(self._imports) if i != "import paddle")
        support_code.SNIPPETS[name] = support_code.Snippet(code=code, deps=deps, imports=imports, paddle=True, made=True)
        return Adapter(name=name)

    def method_adapter(self, rule: ApiRule) -> Adapter:
        """The support function for an in-place tensor method called on a receiver of unknown
        kind (``method_adapter``); the same answer for the same rule within the process."""
        key = (*self._key, "method", rule.torch)
        made = _MADE.get(key)
        if made is None:
            made = _MADE[key] = self._make_method(rule)
        return _registered(key, made)

    def _make_method(self, rule: ApiRule) -> Adapter:
        """``_torch_clamp_(self, min=None, max=None)``: the rule's translation of
        ``self.clamp_(min=min, max=max)`` on a Paddle tensor, that call of the receiver's own
        method on anything else; the support function itself when the translation is one taking torch's arguments
        (``_torch_mul_(self, other)``); ``direct`` when the method needs no translation."""
        params = list(rule.params or ())
        written = f"self.{rule.name}({_call_arguments(params, {})})"
        signature = ", ".join(["self", *(_param_text(p) for p in params)])
        source = f"import torch\n\n\ndef _adapter({signature}):\n    return {written}\n"
        result = self._translate(source.replace("(self", "(self: torch.Tensor", 1))
        if result.diagnostics:
            return Adapter(refusal=result.diagnostics[0].message.removesuffix("; left unchanged"))
        call = _returned(cst.parse_module(result.code))
        if not isinstance(call, cst.Call):
            return Adapter(refusal="the translation is not a call")
        translated = _code(call)
        if _same_arguments(translated, written):
            return Adapter(direct=True)
        callee = _callee(translated)
        if callee in support_code.SNIPPETS and _same_arguments(translated, f"{callee}(self, {written[len(rule.name) + 6:]}"):
            return Adapter(name=callee)  # a support function deciding at run time itself
        imports = tuple(_code(st).strip() for st in cst.parse_module(result.code).body
                        if isinstance(st, cst.SimpleStatementLine) and isinstance(st.body[0], (cst.Import, cst.ImportFrom)))
        name = _free("_torch_" + rule.name.lstrip("_"))
        doc = textwrap.fill(f'"""{rule.torch} on a receiver of unknown kind: torch\'s method on a Paddle tensor;'
                            ' anything else has its own method called."""', 88, initial_indent="    ",
                            subsequent_indent="    ", break_long_words=False, break_on_hyphens=False)
        code = _formatted(
            f"def {name}({signature}):\n{doc}\n"
            f"    if isinstance(self, paddle.Tensor):\n"
            f"        return {translated}\n"
            f"    return {written}\n"
        )
        deps = _deps(name, code)
        imports = tuple(i for i in imports if i != "import paddle")
        support_code.SNIPPETS[name] = support_code.Snippet(code=code, deps=deps, imports=imports, paddle=True, made=True)
        return Adapter(name=name)

    def _tree(self, rule: ApiRule, params: list[Param], flags: list[str], fixed: dict[str, str]) -> tuple:
        """The adapter's body as a tree: a translated call (leaf), a refusal, a branch on a
        boolean parameter, or a guard that keeps a parameter the rule refuses at its default."""
        leaf = self._leaf(rule, params, fixed)
        if leaf[0] in ("call", "return"):
            return leaf
        # the refusal names an argument (`affine=affine: write True or False`, `dilation=...:
        # Paddle's MaxPool2D has no dilation`): a flag is branched on, another argument is
        # accepted at its default only
        free = [f for f in flags if f not in fixed]
        named = re.match(r"(\w+)=", leaf[1])
        param = rule.param(named.group(1)) if named else None
        if param is not None and param.name in free:
            free = [param.name]
        elif param is not None and param.default is not None and param.name not in fixed and param.kind in ("positional", "keyword"):
            inner = self._tree(rule, params, flags, {**fixed, param.name: param.default})
            return inner if inner[0] == "raise" else ("guard", param.name, param.default, leaf[1], inner)
        if not free:
            return leaf
        then = self._tree(rule, params, flags, {**fixed, free[0]: "True"})
        other = self._tree(rule, params, flags, {**fixed, free[0]: "False"})
        return then if then == other else ("if", free[0], then, other)

    def _leaf(self, rule: ApiRule, params: list[Param], fixed: dict[str, str]) -> _Leaf:
        package = rule.torch.split(".", 1)[0]  # torch, or torchvision for its layers (--torch-init)
        source = (
            f"import {package}\n\n\n"
            f"def _adapter({', '.join(_param_text(p) for p in params)}):\n"
            f"    return {rule.torch}({_call_arguments(params, fixed)})\n"
        )
        result = self._translate(source)
        errors = [d for d in result.diagnostics if d.severity is Severity.ERROR]
        if errors:
            return ("raise", errors[0].message.removesuffix("; left unchanged"))
        try:
            module = cst.parse_module(result.code)
        except cst.ParserSyntaxError:  # pragma: no cover - the pipeline checks its output parses
            return ("raise", "the translation does not parse")
        call = _returned(module)
        if _is_function(rule):
            if call is None:
                return ("raise", "the translation is not an expression")
            self._imports += [_code(st).strip() for st in module.body if isinstance(st, cst.SimpleStatementLine)
                              and isinstance(st.body[0], (cst.Import, cst.ImportFrom))]
            return ("return", _code(call))
        expected = rule.support or rule.paddle
        after = ""
        if isinstance(call, cst.Call) and _code(call.func) == "_module_to" and call.args:
            # a layer's dtype=: the engine casts the built layer (`_module_to(layer, dtype)`)
            rest = ", ".join(_code(a.with_changes(comma=cst.MaybeSentinel.DEFAULT)) for a in call.args[1:])
            after, call = f"_module_to(self, {rest})", call.args[0].value
        initialized = False
        if isinstance(call, cst.Call) and _code(call.func) == "_torch_init" and len(call.args) == 1:
            # --torch-init: torch's default initialization given to the built layer, before a cast
            after, call, initialized = "\n".join(filter(None, ["_torch_init(self)", after])), call.args[0].value, True
        func = _code(call.func) if isinstance(call, cst.Call) else ""
        if func != expected and not (func in support_code.SNIPPETS and (not after or initialized and "\n" not in after)):
            return ("raise", "its translation is not a call of " + str(expected))
        args = ", ".join(_code(a.with_changes(comma=cst.MaybeSentinel.DEFAULT)) for a in call.args)  # type: ignore[union-attr]
        return ("call", args, after) if func == expected else ("call", args, after, func)


_MADE: dict[tuple, Adapter] = {}
_SNIPPET_MADE: dict[tuple, support_code.Snippet] = {}


def _registered(key: tuple, made: Adapter) -> Adapter:
    """``made``, its support snippet registered as made for ``key``: the same adapter name has
    another body under other settings (``TorchLinear`` calls ``_torch_init(self)`` with
    ``--torch-init`` only), and one process may translate with both."""
    if made.name is not None:
        if key not in _SNIPPET_MADE and made.name in support_code.SNIPPETS:
            _SNIPPET_MADE[key] = support_code.SNIPPETS[made.name]
        elif key in _SNIPPET_MADE:
            support_code.SNIPPETS[made.name] = _SNIPPET_MADE[key]
    return made


#: torch parameter names code reads on a layer of any class (``if m.weight is not None:
#: nn.init.constant_(m.weight, 1)`` in a loop over ``(nn.BatchNorm2d, nn.InstanceNorm2d)``)
_PARAMETERS = ("weight", "bias")


def _parameter_aliases(rule: ApiRule) -> str:
    """Read-only properties giving torch's name to a parameter Paddle names otherwise (the
    rule's checkpoint renames: InstanceNorm's ``weight`` is Paddle's ``scale``), so code reading
    ``m.weight`` on a layer built from the adapter reads the same parameter (or None)."""
    renames = rule.weights.rename if rule.weights is not None else {}
    out = ""
    for torch_name, paddle_name in renames.items():
        if torch_name in _PARAMETERS and paddle_name != torch_name:
            out += (f"\n    @property\n    def {torch_name}(self):\n"
                    f'        """torch\'s name for ``{paddle_name}``."""\n'
                    f"        return self.{paddle_name}\n")
    return out


def _other_class(tree: tuple) -> bool:
    """Whether a leaf of the tree builds a support class instead of the adapter's base."""
    if tree[0] == "call":
        return len(tree) > 3
    if tree[0] == "if":
        return _other_class(tree[2]) or _other_class(tree[3])
    if tree[0] == "guard":
        return _other_class(tree[4])
    return False


def _adapter_name(rule: ApiRule) -> str:
    return _free("Torch" + rule.name)


_GENERATED: set[str] = set()  # the snippet names adapters registered


def _deps(name: str, code: str) -> tuple[str, ...]:
    """The support snippets (other than ``name``) that ``code`` names, in the table's order."""
    words = set(re.findall(r"\w+", code))
    return tuple(n for n in support_code.SNIPPETS if n != name and n in words)


def _free(name: str) -> str:
    """``name``, or ``name`` + ``Args`` when a support snippet of the project holds it."""
    if name in support_code.SNIPPETS and name not in _GENERATED:
        name += "Args"
    _GENERATED.add(name)
    return name


def _callee(expr: str) -> str:
    return expr.split("(", 1)[0].strip()


def _param_text(p: Param) -> str:
    if p.kind == "varargs":
        return f"*{p.name}"
    if p.kind == "varkw":
        return f"**{p.name}"
    return p.name if p.default is None else f"{p.name}={p.default}"


def _call_arguments(params: list[Param], fixed: dict[str, str]) -> str:
    """The synthetic call's arguments: required ones by position, the others by keyword."""
    out: list[str] = []
    keyword_only = False
    for p in params:
        value = fixed.get(p.name, p.name)
        if p.kind == "varargs":
            out.append(f"*{p.name}")
            keyword_only = True
        elif p.kind == "varkw":
            out.append(f"**{p.name}")
        elif p.default is None and p.kind == "positional" and not keyword_only:
            out.append(value)
        else:
            out.append(f"{p.name}={value}")
    return ", ".join(out)


def _same_arguments(translated: str, written: str) -> bool:
    return re.sub(r"\s+", "", translated) == re.sub(r"\s+", "", written)


def _returned(module: cst.Module) -> cst.BaseExpression | None:
    for stmt in module.body:
        if isinstance(stmt, cst.FunctionDef) and stmt.name.value == "_adapter":
            for line in stmt.body.body:  # type: ignore[union-attr]
                if isinstance(line, cst.SimpleStatementLine) and isinstance(line.body[0], cst.Return):
                    return line.body[0].value
    return None


def _render_tree(tree: tuple, indent: str) -> str:
    kind = tree[0]
    if kind == "call":
        return f"{indent}super().__init__({tree[1]})\n" + "".join(f"{indent}{line}\n" for line in tree[2].splitlines())
    if kind == "return":
        return f"{indent}return {tree[1]}\n"
    if kind == "raise":
        return f"{indent}raise NotImplementedError({tree[1]!r})\n"
    if kind == "guard":
        _, name, default, message, inner = tree
        test = f"{name} is not None" if default == "None" else f"{name} != {default}"
        return f"{indent}if {test}:\n{indent}    raise NotImplementedError({message!r})\n" + _render_tree(inner, indent)
    _, flag, then, other = tree
    text = f"{indent}if {flag}:\n" + _render_tree(then, indent + "    ")
    if other[0] == "if":
        return text + f"{indent}el" + _render_tree(other, indent)[len(indent):]
    return text + f"{indent}else:\n" + _render_tree(other, indent + "    ")


def _formatted(code: str) -> str:
    """The adapter as black writes it (support code is formatted as a whole when emitted)."""
    try:
        import black

        return black.format_str(code, mode=black.Mode(line_length=88))
    except Exception:  # noqa: BLE001 - black missing or failing: the unformatted text parses too
        return code


def _code(node: cst.CSTNode) -> str:
    return code_of(node)


# ----------------------------------------------------------------------- the translator ----


def identity_positions(node: cst.CSTNode) -> list[cst.CSTNode]:
    """The expressions of ``node`` that name a class for its identity, not to build it: the
    class argument of ``isinstance``/``issubclass`` (or each element of a tuple there) and the
    operands of a comparison (``type(m) is nn.Conv2d``, ``type(m) in (nn.Conv2d, nn.Linear)``)."""
    out: list[cst.CSTNode] = []
    if isinstance(node, cst.Call):
        if isinstance(node.func, cst.Name) and node.func.value in ("isinstance", "issubclass") and len(node.args) >= 2:
            out.append(node.args[1].value)
    elif isinstance(node, cst.Comparison):
        out += [node.left, *(c.comparator for c in node.comparisons)]
    for expr in list(out):
        if isinstance(expr, (cst.Tuple, cst.List, cst.Set)):
            out += [e.value for e in expr.elements]
    return out


def value_target(tr, rule: ApiRule, node: cst.CSTNode):  # type: ignore[no-untyped-def]
    """What a value use of ``rule``'s class at ``node`` becomes: the adapter's name, None (the
    Paddle class itself will do), or False when it is reported and kept as torch."""
    made = tr.adapters.adapter(rule)
    if made.direct or (made.refusal is not None and id(node) in tr.class_bases):
        return None  # a base no adapter can stand for derives from the Paddle class, as it did
    if made.refusal is not None:
        message = (f"the class is used as a value and called later with torch's arguments; {made.refusal}; "
                   "left unchanged")
        tr.report(node, rule.torch, message, Severity.ERROR, kind=Refusal.UNSUPPORTED_USE)
        return False
    if not tr.need_support(made.name, node, rule.torch):
        return False
    return cst.Name(made.name)


def unknown_receiver_call(tr, original: cst.Call, updated: cst.Call) -> cst.Call | None:  # type: ignore[no-untyped-def]
    """An in-place tensor method on a receiver of unknown kind (``t.clamp_(min=a)`` where ``t``
    is a parameter nothing tells about): ``_torch_clamp_(t, min=a)``, the support function
    ``AdapterMaker.method_adapter`` makes from the method's rule, right whatever ``t`` holds at
    run time.  None when there is nothing to do this way (the caller warns as before): not an
    in-place tensor method, the method needs no translation, or its rule cannot be applied to
    torch's arguments as names."""
    func = original.func
    assert isinstance(func, cst.Attribute) and isinstance(updated.func, cst.Attribute)
    name = func.attr.value
    if not name.endswith("_") or name.startswith("_") or tr.adapters is None:
        return None
    rules = [r for r in tr.table.methods.get(name, ()) if r.kind == "method"]
    if len(rules) != 1 or rules[0].receiver != "tensor" or rules[0].params is None:
        return None
    if not tr.receiver_unknown(func.value):
        return None
    made = tr.adapters.method_adapter(rules[0])
    if made.name is None or not tr.need_support(made.name, original, rules[0].torch):
        return None
    tr.applied[rules[0].torch] += 1
    return cst.Call(func=cst.Name(made.name), args=separated([cst.Arg(updated.func.value), *updated.args]))


def names_in(node: cst.CSTNode) -> list[cst.CSTNode]:
    """Every name and attribute under ``node`` (an annotation names classes, never builds them)."""
    out: list[cst.CSTNode] = []
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, (cst.Name, cst.Attribute)):
            out.append(current)
        stack.extend(current.children)
    return out
