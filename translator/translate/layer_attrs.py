"""Attributes of torch layers that Paddle spells otherwise (``conv.in_channels``,
``fc.out_features``, ``norm.normalized_shape``), read or written on a receiver known to be a
layer of that class.

The table's layer-attribute entries (``rules/layer_attributes.toml``: ``kind = "attribute"``
with ``layers`` and ``value``) say, for each torch class, the Paddle expression that gives
torch's value (``tuple({}._kernel_size)``: Paddle keeps a list where torch keeps a tuple;
``{}.weight.shape[0]``: Paddle's Linear does not keep ``in_features``) and, with ``store``,
what an assignment writes.  The receiver's class comes from receiver inference: a layer built
from the class (``self.conv = nn.Conv2d(...)``), narrowed by ``isinstance`` (``for m in
self.modules(): if isinstance(m, nn.Linear): m.in_features``), or ``self`` in a class of the
file deriving from it (``class LayerNorm2d(nn.LayerNorm)``: ``self.normalized_shape``).

A receiver not known to be one of the classes is left alone, except for names only torch layers
have (``DISTINCTIVE``), which are reported as a warning: the code may well fail in Paddle.
"""

from __future__ import annotations

import builtins
from typing import Any

import libcst as cst

from ..diagnostics import Severity
from ..rules import ApiRule, RuleTable
from .kinds import LAYER, LAYERS, layer_class
from .results import Refusal, Refused

Translator = Any  # rewrite.Translator (not imported: it imports this module)

#: attribute names only torch layers have: on a receiver whose class is not known, reported.
#: Not `in_channels`/`out_channels`/`num_features`: model code sets them on its own blocks and
#: backbones (torchvision's detection and segmentation models read `backbone.out_channels`).
DISTINCTIVE = frozenset(("in_features", "out_features", "normalized_shape", "num_embeddings", "embedding_dim"))

_HOLE = "_t2p_receiver_"
_BUILTINS = frozenset(dir(builtins))


def attribute_rules(table: RuleTable) -> dict[tuple[str, str], ApiRule]:
    """(torch class, attribute name) -> its entry, for every layer-attribute entry."""
    found = table.__dict__.get("_layer_attributes")
    if found is None:
        found = {}
        for rule in table.apis.values():
            for cls in rule.layers:
                found[(cls, rule.name)] = rule
        table.__dict__["_layer_attributes"] = found
    return found


def is_layer_attribute(rule: ApiRule) -> bool:
    return bool(rule.layers)


def receiver_class(tr: "Translator", recv: cst.BaseExpression, name: str) -> str | None:
    """The torch layer class of ``recv`` as far as attribute ``name`` goes: a layer of a known
    class, or an instance of a class of the file deriving from one that does not define ``name``
    itself as a method or property."""
    kind = tr.kind_here(recv)
    known = layer_class(kind)
    if known is not None:
        return known
    inference = tr.inference
    if isinstance(kind, tuple) and kind[0] == "inst" and kind[2] and inference is not None:
        info = inference.classes.get(kind[1])
        if info is not None and info.torch_base is not None and inference._method(kind[1], name) is None:
            return info.torch_base
    return None


def _pure(expr: cst.BaseExpression) -> bool:
    """An expression that may be written twice: names, attributes, literal subscripts."""
    while True:
        if isinstance(expr, cst.Name):
            return True
        if isinstance(expr, cst.Attribute):
            expr = expr.value
        elif isinstance(expr, cst.Subscript) and all(
            isinstance(s.slice, cst.Index) and isinstance(s.slice.value, (cst.Integer, cst.SimpleString, cst.Name))
            for s in expr.slice
        ):
            expr = expr.value
        else:
            return False


class _Fill(cst.CSTTransformer):
    def __init__(self, receiver: cst.BaseExpression) -> None:
        self.receiver = receiver

    def leave_Name(self, original_node: cst.Name, updated_node: cst.Name) -> cst.BaseExpression:
        return self.receiver.deep_clone() if original_node.value == _HOLE else updated_node


def expression(template: str, receiver: cst.BaseExpression) -> cst.BaseExpression:
    """``template`` with ``{}`` replaced by ``receiver`` (parenthesized where it must be)."""
    node = cst.parse_expression(template.replace("{}", _HOLE))
    if not isinstance(receiver, (cst.Name, cst.Attribute, cst.Subscript, cst.Call)) and not receiver.lpar:
        receiver = receiver.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()])
    return node.visit(_Fill(receiver))  # type: ignore[return-value]


def _refused(tr: "Translator", rule: ApiRule, node: cst.CSTNode, message: str) -> None:
    tr.refuse(Refused(Refusal.UNSUPPORTED_USE, message, node), rule.torch)


def read(tr: "Translator", original: cst.Attribute, updated: cst.Attribute) -> cst.BaseExpression | None:
    """``recv.<name>`` read on a layer of a class the table knows: torch's value in Paddle;
    None when no layer-attribute entry applies (reported when the name is ``DISTINCTIVE`` and the
    receiver's class is not known)."""
    name = original.attr.value
    rules = attribute_rules(tr.table)
    cls = receiver_class(tr, original.value, name)
    rule = rules.get((cls, name)) if cls is not None else None
    if rule is None:
        if cls is None and name in DISTINCTIVE and any(n == name for _, n in rules):
            _unknown(tr, original, name)
        return None
    if rule.reads == "values" and id(original) not in value_uses(tr):
        return None
    if tr.too_new(rule, original):
        return updated
    assert rule.value is not None
    if rule.value.count("{}") > 1 and not _pure(original.value):
        _refused(tr, rule, original, f"Paddle's spelling reads the receiver {rule.value.count('{}')} times"
                 f" (`{rule.value}`); assign the layer to a name first; left unchanged")
        return updated
    if rule.support is not None and not tr.need_support(rule.support, original, rule.torch):
        return updated
    tr.applied[rule.torch] += 1
    return expression(rule.value, updated.value)


def value_uses(tr: "Translator") -> set[int]:
    """The attribute nodes (ids) read where their value is computed with (``mark_value_uses``)."""
    return tr.__dict__.setdefault("_layer_value_uses", set())


# methods of a parameter that are about the parameter itself, not its value's layout
_IDENTITY = frozenset("register_hook retain_grad backward data_ptr numel dim element_size type to cuda cpu".split())
_NOT_COMPUTING = ("torch.nn.init.", "torch.optim.", "torch.nn.utils.", "torch.nn.Parameter", "torch.save", "torch.autograd.")


def mark_value_uses(tr: "Translator", node: cst.Call | cst.Attribute) -> None:
    """Record the attributes ``node`` computes with: the receiver of ``.shape``, ``.T`` and of
    a method other than an in-place one (``name_``) and ``_IDENTITY``; the arguments of a torch function (not an ``nn.init``, ``optim``, ``nn.utils``
    one nor ``nn.Parameter``), of a function of the user's (a name that is not a builtin) and of
    a method of ``self`` not named ``name_`` or ``register_*``.  Elsewhere (``params.append(w)``,
    ``nn.init.zeros_(w)``, ``id(w)``) the parameter itself is meant.  (``reads = "values"``
    entries apply only to these.)"""
    uses = value_uses(tr)
    if isinstance(node, cst.Attribute):
        if node.attr.value in ("shape", "T", "mT") and isinstance(node.value, cst.Attribute):
            uses.add(id(node.value))
        return
    func = node.func
    if isinstance(func, cst.Attribute) and isinstance(func.value, cst.Attribute) and func.attr.value not in _IDENTITY:
        if not func.attr.value.endswith("_"):  # `w.t()`, `w.size(0)`, `w.matmul(x)`; not `w.normal_()`
            uses.add(id(func.value))
    qual = tr.scopes.resolve(func)
    if qual is not None:
        computing = not qual.startswith(_NOT_COMPUTING)
    elif isinstance(func, cst.Name):
        computing = func.value not in _BUILTINS or tr.scopes.shadowed(func.value) or func.value in tr.pre.module_locals
    elif isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name) and func.value.value == "self":
        name = func.attr.value
        computing = not (name.endswith("_") or name.startswith(("register_", "add_")))
    else:
        computing = False
    if computing:
        uses.update(id(a.value) for a in node.args if isinstance(a.value, cst.Attribute) and not a.star)


def _unknown(tr: "Translator", original: cst.Attribute, name: str) -> None:
    kind = tr.kind_here(original.value)
    if kind not in (None, LAYER, LAYERS) or tr.is_other_expr(original.value) or tr._rooted_in_other_import(original.value):
        return
    if tr.scopes.resolve(original.value) is not None:
        return
    classes = sorted({cls.rsplit(".", 1)[-1] for cls, n in attribute_rules(tr.table) if n == name})
    what = "a layer of a known class" if kind is not None else "a torch layer"
    message = (f"the receiver is not known to be {what}; if it is a torch {'/'.join(classes[:4])}, Paddle spells"
               f" `{name}` otherwise; left unchanged")
    tr.report(original, f"torch.nn.Module.{name}", message, Severity.WARNING, kind=Refusal.UNKNOWN_RECEIVER)


def write(tr: "Translator", original: cst.Assign | cst.AugAssign, updated: cst.Assign | cst.AugAssign) -> cst.CSTNode | None:
    """``recv.<name> = value`` (or ``+=``) on a layer of a class the table knows: the entry's
    ``store`` target; reported and left when the entry has none (Paddle would not read it)."""
    if isinstance(original, cst.Assign):
        if len(original.targets) != 1:
            return None
        target = original.targets[0].target
    else:
        target = original.target
    if not isinstance(target, cst.Attribute):
        return None
    name = target.attr.value
    cls = receiver_class(tr, target.value, name)
    rule = attribute_rules(tr.table).get((cls, name)) if cls is not None else None
    if rule is None:
        return None
    if isinstance(original, cst.AugAssign):
        _refused(tr, rule, original, f"an augmented assignment of `{name}` is not translated (Paddle keeps"
                 f" torch's `{name}` as `{rule.value}`); left unchanged")
        return None
    if rule.store is None:
        message = (f"Paddle's {_paddle_class(tr, cls)} does not read a `{name}` attribute (it computes what it"
                   " needs when built): assigning it has no effect there; left unchanged")
        _refused(tr, rule, original, message)
        return None
    assert isinstance(updated, cst.Assign)
    new_target = updated.targets[0].target
    assert isinstance(new_target, cst.Attribute)
    node = expression(rule.store, new_target.value)
    tr.applied[rule.torch] += 1
    return updated.with_changes(targets=[updated.targets[0].with_changes(target=node)])


def _paddle_class(tr: "Translator", cls: str) -> str:
    rule = tr.table.apis.get(cls)
    return (rule.paddle if rule is not None and rule.paddle else cls).rsplit(".", 1)[-1]
