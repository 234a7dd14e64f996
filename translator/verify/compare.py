"""Comparing outputs: the result types of a check and the leaf-by-leaf comparison of two outputs.

An output is opened into leaves (tuples, lists and dicts; ``out``, ``out[1]``, ``out['aux']``),
each leaf is turned into an ndarray whichever framework produced it, and torch leaf ``a`` and
Paddle leaf ``b`` agree when ``|b - a| <= atol + rtol * |a|`` everywhere.
"""

from __future__ import annotations

import contextlib
import dataclasses
import math
import sys
import types
from typing import Any, Iterator

import numpy as np

__all__ = ["LayerDiff", "LeafDiff", "VerifyReport", "compare_leaves", "compare_outputs", "fmt", "jsonable", "leaves", "to_numpy"]


@dataclasses.dataclass
class LeafDiff:
    """One output leaf (``out``, ``out[1]``, ``out['aux']``) compared."""

    path: str
    torch_shape: tuple[int, ...] | None
    paddle_shape: tuple[int, ...] | None
    max_abs: float | None
    max_rel: float | None  # over elements where |torch| > atol
    ok: bool
    problem: str = ""
    # Set when the float32 comparison failed and both models were run again in float64.
    float64_max_abs: float | None = None
    float64_max_rel: float | None = None


@dataclasses.dataclass
class LayerDiff:
    """The first layer whose output differs."""

    name: str
    call: int  # 0 for the first call of the layer in the forward pass
    torch_type: str
    paddle_type: str
    max_abs: float | None
    max_rel: float | None
    inputs_agree: bool | None  # False: the difference entered before this layer
    problem: str = ""
    ok: bool = False  # True only in per-layer listings (per_layer_differences)

    def message(self) -> str:
        call = f" (call {self.call + 1})" if self.call else ""
        text = f"{self.name}{call} [torch {self.torch_type} / paddle {self.paddle_type}]"
        if self.problem:
            text += f": {self.problem}"
        else:
            text += f": max abs diff {fmt(self.max_abs)}, max rel diff {fmt(self.max_rel)}"
        if self.inputs_agree is True:
            text += "; its inputs agree, so the layer itself computes differently"
        elif self.inputs_agree is False:
            text += "; its inputs already differ (the difference comes from code between layers)"
        return text


@dataclasses.dataclass
class VerifyReport:
    match: bool
    atol: float
    rtol: float
    outputs: list[LeafDiff] = dataclasses.field(default_factory=list)
    params_torch: int | None = None  # trainable parameters (requires_grad)
    params_paddle: int | None = None  # trainable parameters (not stop_gradient)
    flops_torch: int | None = None
    flops_paddle: int | None = None
    time_torch_ms: float | None = None
    time_paddle_ms: float | None = None
    weights: dict[str, Any] = dataclasses.field(default_factory=dict)
    first_divergence: LayerDiff | None = None
    layers_compared: int = 0
    precision: str = "float32"  # "float64" when the float64 re-run decided the result
    errors: list[str] = dataclasses.field(default_factory=list)
    notes: list[str] = dataclasses.field(default_factory=list)
    target: str = ""
    input_shapes: list[tuple[int, ...]] = dataclasses.field(default_factory=list)  # positional array inputs
    inputs: list[str] = dataclasses.field(default_factory=list)  # every input: "int64[2x16]", "mask=bool[2x16]"
    batches: int = 1
    samples: int = 0  # over all batches (leading dimension of the first input)
    worst_batch: int | None = None  # the first batch whose outputs differ (0-based), when several
    top1_agree: int | None = None  # argmax positions of the first logits-like output that agree
    top1_total: int | None = None

    def to_dict(self) -> dict[str, Any]:
        data = jsonable(dataclasses.asdict(self))
        data["top1_agreement"] = self.top1_agreement()
        return data

    def top1_agreement(self) -> float | None:
        return None if not self.top1_total else self.top1_agree / self.top1_total

    def format_table(self) -> str:
        shapes = ", ".join(self.inputs) or ", ".join("x".join(map(str, s)) for s in self.input_shapes)
        many = f"; {self.batches} batches, {self.samples} samples" if self.batches > 1 else ""
        lines = [
            f"verify {self.target or 'model'}"
            + (f"  (input {shapes}" if shapes else "  (")
            + f"{many}; atol {self.atol:g}, rtol {self.rtol:g})",
            "",
            f"{'':24}{'torch':>18}{'paddle':>18}",
            f"{'parameters':24}{_num(self.params_torch):>18}{_num(self.params_paddle):>18}",
            f"{'FLOPs':24}{_num(self.flops_torch):>18}{_num(self.flops_paddle):>18}",
            f"{'forward time (ms)':24}{_ms(self.time_torch_ms):>18}{_ms(self.time_paddle_ms):>18}",
            "",
            f"{'output':24}{'max abs diff':>14}{'max rel diff':>14}{'float64 abs':>14}  {'shape':<18}ok",
        ]
        for leaf in self.outputs:
            shape = leaf.torch_shape if leaf.torch_shape == leaf.paddle_shape else f"{leaf.torch_shape} vs {leaf.paddle_shape}"
            lines.append(
                f"{leaf.path:24}{fmt(leaf.max_abs):>14}{fmt(leaf.max_rel):>14}{fmt(leaf.float64_max_abs):>14}  "
                f"{str(shape):<18}"
                + ("yes" if leaf.ok else "NO" + (f" ({leaf.problem})" if leaf.problem else ""))
            )
        if self.top1_total:
            lines.append(f"top-1 agreement: {self.top1_agree}/{self.top1_total} "
                         f"({100.0 * self.top1_agree / self.top1_total:.2f}%) over all batches")
        if self.worst_batch is not None:
            lines.append(f"first batch that differs: {self.worst_batch}")
        w = self.weights
        if w:
            lines += [
                "",
                f"weights: {w.get('converted', 0)} converted ({w.get('renamed', 0)} renamed, "
                f"{w.get('transposed', 0)} transposed, {w.get('dropped', 0)} dropped); "
                f"missing {len(w.get('missing', []))}, unexpected {len(w.get('unexpected', []))}, "
                f"mismatched {len(w.get('mismatched', []))}",
            ]
            lines += [f"  {p}" for p in w.get("problems", [])]
        if self.first_divergence is not None:
            lines += ["", f"first diverging layer: {self.first_divergence.message()}"]
        elif not self.match and self.layers_compared:
            lines += ["", f"no single layer diverges ({self.layers_compared} layer outputs agree); "
                          "the difference is in code outside the compared layers"]
        lines += [f"note: {n}" for n in self.notes]
        lines += [f"error: {e}" for e in self.errors]
        lines += ["", "result: " + ("MATCH" if self.match else "MISMATCH")]
        return "\n".join(lines)


def fmt(value: float | None) -> str:
    """A number for a table: ``-`` for None, three significant digits."""
    if value is None:
        return "-"
    if value == 0:
        return "0"
    return f"{value:.3g}" if math.isfinite(value) else str(value)


def _num(value: int | None) -> str:
    return "-" if value is None else f"{value:,}"


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"


def jsonable(value: Any) -> Any:
    """``value`` for ``json.dumps``: string keys, non-finite floats as text, numpy scalars as Python ones."""
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, (np.integer, np.floating)):
        return value.item()
    return value


def to_numpy(value: Any) -> Any:
    """A tensor of either framework (or an ndarray) as an ndarray; anything else unchanged."""
    if isinstance(value, np.ndarray):
        return value
    torch = sys.modules.get("torch")
    if torch is not None and isinstance(value, torch.Tensor):
        t = value.detach().cpu()
        if t.dtype == torch.bfloat16:
            t = t.float()
        return t.numpy().copy()
    paddle = sys.modules.get("paddle")
    if paddle is not None and isinstance(value, paddle.Tensor):
        return np.array(value.numpy(), copy=True)
    return value


def leaves(value: Any, path: str = "out") -> list[tuple[str, Any]]:
    """Flatten an output into ``(path, leaf)`` pairs: tuples, lists, dicts (and dict-like
    ``ModelOutput`` objects), dataclass instances and ``SimpleNamespace`` objects are opened;
    fields that are None are skipped (a ``ModelOutput`` without a loss)."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type) and not isinstance(value, dict):
        out = []
        for field in dataclasses.fields(value):
            item = getattr(value, field.name, None)
            if item is not None:
                out += leaves(item, f"{path}.{field.name}")
        return out
    if isinstance(value, types.SimpleNamespace):
        out = []
        for key, item in vars(value).items():
            if item is not None:
                out += leaves(item, f"{path}.{key}")
        return out
    if isinstance(value, dict):
        out = []
        for key, item in value.items():
            out += leaves(item, f"{path}[{key!r}]")
        return out
    if isinstance(value, (tuple, list)):
        out = []
        for i, item in enumerate(value):
            out += leaves(item, f"{path}[{i}]")
        return out
    return [(path, to_numpy(value))]


def _diff(a: Any, b: Any, atol: float, rtol: float, path: str) -> LeafDiff:
    """Compare torch leaf ``a`` with paddle leaf ``b``."""
    if not isinstance(a, np.ndarray) or not isinstance(b, np.ndarray):
        if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
            return LeafDiff(path, getattr(a, "shape", None), getattr(b, "shape", None), None, None, False,
                            f"types differ: {type(a).__name__} vs {type(b).__name__}")
        try:
            same = bool(a == b) if not isinstance(a, float) else math.isclose(a, b, rel_tol=rtol, abs_tol=atol)
        except Exception:
            same = False
        return LeafDiff(path, None, None, None, None, same, "" if same else f"{a!r} != {b!r}")
    ta, tb = tuple(a.shape), tuple(b.shape)
    if ta != tb:
        return LeafDiff(path, ta, tb, None, None, False, "shapes differ")
    if a.size == 0:
        return LeafDiff(path, ta, tb, 0.0, 0.0, True)
    if a.dtype == bool or b.dtype == bool:
        ok = bool(np.array_equal(a, b))
        diff = float(np.count_nonzero(a != b))
        return LeafDiff(path, ta, tb, diff, None, ok, "" if ok else f"{int(diff)} element(s) differ")
    x = a.astype(np.float64)
    y = b.astype(np.float64)
    err = np.abs(x - y)
    nan_a, nan_b = np.isnan(x), np.isnan(y)
    err[nan_a & nan_b] = 0.0
    err[nan_a ^ nan_b] = np.inf
    max_abs = float(err.max())
    big = np.abs(x) > atol
    max_rel = float((err[big] / np.abs(x[big])).max()) if big.any() else 0.0
    ok = bool(np.all(err <= atol + rtol * np.abs(x)))
    return LeafDiff(path, ta, tb, max_abs, max_rel, ok)


def compare_outputs(a: Any, b: Any, atol: float, rtol: float) -> list[LeafDiff]:
    """Torch output ``a`` against Paddle output ``b``, leaf by leaf (a leaf on one side only fails)."""
    left, right = dict(leaves(a)), dict(leaves(b))
    out = []
    for path, value in left.items():
        if path not in right:
            out.append(LeafDiff(path, getattr(value, "shape", None), None, None, None, False, "missing in paddle output"))
        else:
            out.append(_diff(value, right[path], atol, rtol, path))
    for path, value in right.items():
        if path not in left:
            out.append(LeafDiff(path, None, getattr(value, "shape", None), None, None, False, "not in torch output"))
    return out




def compare_leaves(a: list[tuple[str, Any]], b: list[tuple[str, Any]], atol: float, rtol: float) -> list[LeafDiff]:
    """:func:`compare_outputs` for outputs already opened into leaves (a layer's recorded calls)."""
    right = dict(b)
    out = []
    for path, value in a:
        if path in right:
            out.append(_diff(value, right[path], atol, rtol, path))
        else:
            out.append(LeafDiff(path, None, None, None, None, False, "output structure differs"))
    return out


@contextlib.contextmanager
def default_float64() -> Iterator[None]:
    """New tensors created inside the models' forward default to float64 as well."""
    import paddle
    import torch

    t_default, p_default = torch.get_default_dtype(), paddle.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    paddle.set_default_dtype("float64")
    try:
        yield
    finally:
        torch.set_default_dtype(t_default)
        paddle.set_default_dtype(p_default)
