"""Convert a torch state dict into one a Paddle model loads, and write it as ``.pdparams``.

Names are mapped by *layer type*: for every Paddle sublayer whose class has a weight rule in the
rule table (``rules/*.toml``, ``weights = {...}`` on the layer's entry) the rule's renames
(BatchNorm ``running_mean`` -> ``_mean``), drops (``num_batches_tracked``), transpositions
(Linear ``weight``) and reshapes (LayerNorm over several dims keeps a flat weight) apply to the
checkpoint keys under that sublayer's name. Nothing is ever transposed because of its name or
because it happens to be square.

What does not fit is reported, not guessed: :class:`ConversionReport` lists missing,
unexpected and shape-mismatched keys. When names differ but the remaining keys agree in order,
leaf name and shape (a renamed attribute, a wrapped backbone), they are paired in order and the
pairing is reported too. ``strict=True`` turns any problem into :class:`WeightConversionError`.
"""

from __future__ import annotations

import dataclasses
import os
import pickle
import sys
import warnings
from typing import Any, Mapping

import numpy as np

__all__ = [
    "ConversionReport",
    "ShapeMismatch",
    "WeightConversionError",
    "convert_state_dict",
    "convert_state_dict_report",
    "save_pdparams",
]


class WeightConversionError(ValueError):
    """``strict=True`` and the checkpoint does not fit the model exactly; ``.report`` says why."""

    def __init__(self, report: "ConversionReport") -> None:
        super().__init__("weights do not fit the model:\n  " + "\n  ".join(report.problems()))
        self.report = report


@dataclasses.dataclass(frozen=True)
class ShapeMismatch:
    source: str  # checkpoint key
    target: str  # Paddle key
    source_shape: tuple[int, ...]  # as stored in the checkpoint
    target_shape: tuple[int, ...]  # what the Paddle parameter needs
    transposed: bool  # the layer type stores this weight transposed

    def message(self) -> str:
        name = self.target if self.source == self.target else f"{self.target} (from {self.source})"
        how = f", transposed for Paddle to {self.source_shape[::-1]}" if self.transposed else ""
        return (
            f"shape mismatch for {name}: checkpoint has {self.source_shape}{how}, "
            f"model expects {self.target_shape}"
        )


@dataclasses.dataclass
class ConversionReport:
    """The converted state dict and everything that did not map one to one."""

    state_dict: dict[str, np.ndarray]
    missing: list[str] = dataclasses.field(default_factory=list)  # Paddle keys left unloaded
    unexpected: list[str] = dataclasses.field(default_factory=list)  # checkpoint keys that fit nowhere
    mismatched: list[ShapeMismatch] = dataclasses.field(default_factory=list)
    renamed: dict[str, str] = dataclasses.field(default_factory=dict)  # checkpoint key -> Paddle key
    transposed: list[str] = dataclasses.field(default_factory=list)  # Paddle keys
    dropped: list[str] = dataclasses.field(default_factory=list)  # checkpoint keys the rules drop
    matched_by_order: list[tuple[str, str]] = dataclasses.field(default_factory=list)
    warnings: list[str] = dataclasses.field(default_factory=list)
    notes: list[str] = dataclasses.field(default_factory=list)
    checked: bool = True  # False when no Paddle model was given (nothing could be checked)

    @property
    def ok(self) -> bool:
        return not self.problems()

    def problems(self) -> list[str]:
        """What ``strict`` refuses: one line per missing, unexpected or mismatched key."""
        out = [f"missing in checkpoint: {k}" for k in self.missing]
        out += [f"unexpected in checkpoint: {k}" for k in self.unexpected]
        out += [m.message() for m in self.mismatched]
        if not self.checked:
            out.append("no Paddle model given: names and Linear transposition cannot be checked")
        return out

    def summary(self) -> str:
        lines = [
            f"converted {len(self.state_dict)} tensor(s)"
            + (f", renamed {len(self.renamed)}" if self.renamed else "")
            + (f", transposed {len(self.transposed)}" if self.transposed else "")
            + (f", dropped {len(self.dropped)}" if self.dropped else "")
        ]
        if self.matched_by_order:
            lines.append(f"matched {len(self.matched_by_order)} key(s) by order and shape:")
            lines += [f"  {s} -> {t}" for s, t in self.matched_by_order]
        lines += [f"warning: {w}" for w in self.warnings]
        lines += [f"note: {n}" for n in self.notes]
        for label, keys in (("missing", self.missing), ("unexpected", self.unexpected)):
            if keys:
                lines.append(f"{label} ({len(keys)}): " + ", ".join(keys))
        lines += [m.message() for m in self.mismatched]
        return "\n".join(lines)


# --------------------------------------------------------------------------------------------
# The rule table


def _weight_rules() -> dict[str, Any]:
    """``{Paddle class name: WeightRule}`` from the project's rule table."""
    from ..rules import load_table

    return load_table().weight_rules()


def _rule_for(layer: Any, rules: Mapping[str, Any]) -> Any:
    # By type: the first Paddle class in the layer's MRO that has a rule. Classes defined
    # outside paddle (a user's own ``Linear``) are not Paddle's and never match by name.
    for cls in type(layer).__mro__:
        if cls.__module__.startswith("paddle") and cls.__name__ in rules:
            return rules[cls.__name__]
    return None


# --------------------------------------------------------------------------------------------
# Conversion


def convert_state_dict(
    state_dict: Mapping[str, Any],
    paddle_layer: Any = None,
    *,
    strict: bool = False,
) -> dict[str, np.ndarray]:
    """Return ``state_dict`` converted for ``paddle_layer`` (``set_state_dict`` accepts it).

    Values may be numpy arrays or torch tensors. Without ``paddle_layer`` only the renames and
    drops the rule table declares are applied (where the keys identify the layer), nothing is
    transposed, and a warning says so. See :func:`convert_state_dict_report` for the details of
    what did not fit; with ``strict=True`` any of it raises :class:`WeightConversionError`.
    """
    return convert_state_dict_report(state_dict, paddle_layer, strict=strict).state_dict


def convert_state_dict_report(
    state_dict: Mapping[str, Any],
    paddle_layer: Any = None,
    *,
    strict: bool = False,
    match_by_order: bool = True,
    rules: Mapping[str, Any] | None = None,
) -> ConversionReport:
    """Convert ``state_dict`` and report missing, unexpected and mismatched keys.

    ``match_by_order`` pairs the keys left over after name matching in order, when leaf name
    and shape agree. ``rules`` replaces the rule table (``{Paddle class name: WeightRule}``).
    """
    if rules is None:
        rules = _weight_rules()
    notes: list[str] = []
    source = _to_numpy_dict(state_dict, notes)
    if paddle_layer is None:
        report = _convert_without_model(source, rules)
    else:
        report = _convert_for_model(source, paddle_layer, rules, match_by_order)
    report.notes[:0] = notes
    for w in report.warnings:
        warnings.warn(w, stacklevel=2)
    if strict and not report.ok:
        raise WeightConversionError(report)
    return report


def _to_numpy_dict(state_dict: Mapping[str, Any], notes: list[str]) -> dict[str, np.ndarray]:
    torch = sys.modules.get("torch")  # never imported here: a torch tensor implies torch is loaded
    out: dict[str, np.ndarray] = {}
    skipped = []
    for key, value in state_dict.items():
        if isinstance(value, np.ndarray):
            out[key] = value
        elif torch is not None and isinstance(value, torch.Tensor):
            t = value.detach().cpu()
            if t.dtype == torch.bfloat16:
                t = t.float()
                notes.append(f"{key}: bfloat16 widened to float32 (exact)")
            out[key] = t.numpy()
        elif isinstance(value, (np.generic, int, float, bool)):
            out[key] = np.asarray(value)
        else:
            skipped.append(key)
    if skipped:
        notes.append("skipped non-tensor value(s): " + ", ".join(skipped))
    return out


def _split(key: str) -> tuple[str, str]:
    prefix, _, leaf = key.rpartition(".")
    return prefix, leaf


def _join(prefix: str, leaf: str) -> str:
    return f"{prefix}.{leaf}" if prefix else leaf


def _transposed(value: np.ndarray) -> np.ndarray:
    return value.T.copy(order="C")


def _convert_for_model(
    source: dict[str, np.ndarray],
    paddle_layer: Any,
    rules: Mapping[str, Any],
    match_by_order: bool,
) -> ConversionReport:
    state = paddle_layer.state_dict()
    target = {k: (tuple(int(d) for d in v.shape), _dtype_name(v.dtype)) for k, v in state.items()}
    layers = dict(paddle_layer.named_sublayers(include_self=True))
    rule_of = {name: _rule_for(layer, rules) for name, layer in layers.items()}
    all_drops = {d for r in rules.values() for d in r.drop}

    report = ConversionReport(state_dict={})
    filled: dict[str, np.ndarray] = {}
    leftovers: list[str] = []

    def place(src: str, dst: str, rule: Any, by_order: bool = False) -> bool:
        value = source[src]
        _, src_leaf = _split(src)
        _, dst_leaf = _split(dst)
        transpose = rule is not None and (src_leaf in rule.transpose or dst_leaf in rule.transpose)
        shape = tuple(value.shape)
        want = target[dst][0]
        reshape = rule is not None and (src_leaf in rule.reshape or dst_leaf in rule.reshape)
        if reshape and not transpose and shape != want and value.size == int(np.prod(want)):
            value, shape = value.reshape(want), want  # same data, the layout Paddle declares
        fits = (shape[::-1] if transpose else shape) == want and (not transpose or value.ndim == 2)
        if not fits:
            if by_order:  # a candidate pairing, not a claim that these two belong together
                return False
            report.mismatched.append(ShapeMismatch(src, dst, shape, want, transpose and value.ndim == 2))
            return True
        filled[dst] = _transposed(value) if transpose else value
        if transpose:
            report.transposed.append(dst)
        if src != dst:
            report.renamed[src] = dst
        if by_order:
            report.matched_by_order.append((src, dst))
        have = _dtype_name(value.dtype)
        if have != target[dst][1]:
            report.notes.append(f"{dst}: checkpoint dtype {have} kept, the model's parameter is {target[dst][1]}")
        return True

    for key in source:
        prefix, leaf = _split(key)
        rule = rule_of.get(prefix)
        if rule is not None and leaf in rule.drop:
            report.dropped.append(key)
            continue
        dst = _join(prefix, rule.rename.get(leaf, leaf)) if rule is not None else key
        if dst in target and dst not in filled:
            place(key, dst, rule)
        else:
            leftovers.append(key)

    # Paddle layers may list one parameter under two names (the RNN layers' ``weight_ih_l0`` is
    # also ``0.cell.weight_ih``): an alias is filled with the value its twin received.
    for alias, first in _aliases(state).items():
        if alias not in filled and first in filled:
            filled[alias] = filled[first]
        elif first not in filled and alias in filled:
            filled[first] = filled[alias]
    missing = [k for k in target if k not in filled and not any(m.target == k for m in report.mismatched)]
    if match_by_order and leftovers and missing:
        leftovers, missing = _pair_by_order(leftovers, missing, rule_of, all_drops, place)
    for key in leftovers:
        if _split(key)[1] in all_drops:
            report.dropped.append(key)
        else:
            report.unexpected.append(key)
    report.missing = missing
    report.state_dict = {k: filled[k] for k in target if k in filled}
    return report


def _aliases(state: Mapping[str, Any]) -> dict[str, str]:
    """State-dict keys that name the same tensor as an earlier key: ``{alias: first key}``."""
    first: dict[int, str] = {}
    out: dict[str, str] = {}
    for key, value in state.items():
        seen = first.setdefault(id(value), key)
        if seen != key:
            out[key] = seen
    return out


def _pair_by_order(leftovers, missing, rule_of, all_drops, place):
    """Pair unmatched checkpoint keys with unfilled Paddle keys, in order.

    A checkpoint key pairs with the next Paddle key whose leaf name (after that layer's renames)
    and shape agree; keys skipped on the way stay unexpected. Order is kept on both sides, so a
    pairing never crosses another.
    """
    candidates = [k for k in leftovers if _split(k)[1] not in all_drops]
    still_missing: list[str] = []
    used: set[str] = set()
    i = 0
    for dst in missing:
        prefix, dst_leaf = _split(dst)
        rule = rule_of.get(prefix)
        for j in range(i, len(candidates)):
            src = candidates[j]
            src_leaf = _split(src)[1]
            mapped = rule.rename.get(src_leaf, src_leaf) if rule is not None else src_leaf
            if mapped == dst_leaf and place(src, dst, rule, by_order=True):
                used.add(src)
                i = j + 1
                break
        else:
            still_missing.append(dst)
    return [k for k in leftovers if k not in used], still_missing


def _convert_without_model(source: dict[str, np.ndarray], rules: Mapping[str, Any]) -> ConversionReport:
    """Apply the table's renames and drops where a module's keys identify the layer type.

    A rule applies to the keys under one module prefix when every name it renames or drops is
    among them (``running_mean``, ``running_var``, ``num_batches_tracked`` identify a BatchNorm).
    Where two matching rules disagree about a name, it is left alone and a warning says so.
    """
    report = ConversionReport(state_dict={}, checked=False)
    groups: dict[str, set[str]] = {}
    for key in source:
        prefix, leaf = _split(key)
        groups.setdefault(prefix, set()).add(leaf)
    # ``weight``/``bias`` alone identify nothing (InstanceNorm's ``weight`` -> ``scale`` must not
    # rename every conv's weight): such rules need the model
    specific = [r for r in rules.values() if (set(r.rename) | set(r.drop)) - {"weight", "bias"}]
    actions: dict[str, dict[str, str | None]] = {}  # prefix -> leaf -> new leaf (None: drop)
    for prefix, leaves in groups.items():
        chosen: dict[str, set] = {}
        for rule in specific:
            signature = set(rule.rename) | set(rule.drop)
            if not signature <= leaves:
                continue
            for leaf in signature:
                chosen.setdefault(leaf, set()).add(None if leaf in rule.drop else rule.rename[leaf])
        acts: dict[str, str | None] = {}
        for leaf, options in chosen.items():
            if len(options) == 1:
                acts[leaf] = next(iter(options))
            else:
                report.warnings.append(
                    f"{_join(prefix, leaf)}: the rule table maps it differently for different layer "
                    "types; left unchanged (pass the Paddle model to decide)"
                )
        actions[prefix] = acts
    for key, value in source.items():
        prefix, leaf = _split(key)
        acts = actions[prefix]
        if leaf in acts and acts[leaf] is None:
            report.dropped.append(key)
            continue
        dst = _join(prefix, acts.get(leaf) or leaf)
        if dst != key:
            report.renamed[key] = dst
        report.state_dict[dst] = value
    report.warnings.append(
        "no Paddle model given: weights Paddle stores transposed (Linear) were NOT transposed "
        "and names were not checked; pass the model (--model FILE.py:FACTORY) to convert exactly"
    )
    return report


def _dtype_name(dtype: Any) -> str:
    """``float32`` for numpy dtypes and Paddle dtypes alike (``paddle.float32``)."""
    text = str(dtype)
    text = text.rsplit(".", 1)[-1]
    return {"fp32": "float32", "fp16": "float16", "fp64": "float64"}.get(text.lower(), text)


# --------------------------------------------------------------------------------------------
# Writing .pdparams


class _PdparamsPickler(pickle.Pickler):
    """Pickles arrays as ``numpy.ndarray(shape, dtype, buffer)`` with the data in-band.

    ``numpy.ndarray`` is the same name in numpy 1 and 2 (default ndarray pickles name
    ``numpy._core`` on numpy 2, which older numpy cannot import), and protocol 5 writes the
    buffer straight from the array, so memory-mapped checkpoints are never copied whole.
    """

    def reducer_override(self, obj: Any) -> Any:
        if isinstance(obj, np.ndarray):
            if obj.dtype.hasobject:
                raise pickle.PicklingError("object arrays cannot be written to .pdparams")
            # (np.ascontiguousarray would turn a 0-d array into a 1-d one.)
            arr = obj if obj.flags.c_contiguous else obj.copy(order="C")
            if not arr.dtype.isnative:
                arr = arr.astype(arr.dtype.newbyteorder("="))
            flat = arr.reshape(-1).view(np.uint8)
            return np.ndarray, (obj.shape, arr.dtype.str, pickle.PickleBuffer(flat))
        return NotImplemented


def save_pdparams(state_dict: Mapping[str, np.ndarray], path: str | os.PathLike[str]) -> None:
    """Write ``state_dict`` to ``path`` atomically, in a form ``paddle.load`` reads.

    The file appears only once complete (temp file in the same folder, then ``os.replace``),
    with the mode an ordinary new file gets (the umask's), or the old file's.
    """
    from ..atomic import atomic_open

    with atomic_open(path, "wb", fsync=True, keep_mode=True) as f:
        _PdparamsPickler(f, protocol=5).dump(dict(state_dict))
