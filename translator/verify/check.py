"""``verify(torch_model, paddle_model, inputs)``: copy the weights, run both, compare, and on a
mismatch name the first diverging layer.

The weights are copied through :mod:`translator.weights` (the rule table decides names and
transpositions). Both models run in eval mode on the same inputs and every output leaf is
compared (:mod:`translator.verify.compare`); a float32 difference is checked again in float64 to
tell rounding from a real difference. On a mismatch, :func:`locate_divergence` runs both again
with forward hooks on every sublayer, matched by name, and reports the first layer (in the order
layers finish) whose output differs, and whether that layer's inputs still agreed.
"""

from __future__ import annotations

import contextlib
import copy
import dataclasses
import io
import time
import traceback
import warnings
from typing import Any, Callable, Iterable, Sequence

import numpy as np

from .compare import (
    LayerDiff, LeafDiff, VerifyReport, compare_leaves, compare_outputs, default_float64, leaves, to_numpy,
)
from .inputs import Batch, paddle_call, torch_call
from .lazy import materialize

__all__ = ["locate_divergence", "paddle_call", "per_layer_differences", "top1", "torch_call", "verify"]


def _count_params_torch(model: Any) -> int:
    return sum(int(p.numel()) for p in model.parameters() if p.requires_grad)


def _count_params_paddle(model: Any) -> int:
    return sum(int(np.prod(p.shape)) for p in model.parameters() if not p.stop_gradient)


def _flops_torch(model: Any, batch: Batch) -> int:
    import torch
    from torch.utils.flop_counter import FlopCounterMode

    args, kwargs = torch_call(batch)
    with torch.no_grad(), FlopCounterMode(display=False) as counter:
        model(*args, **kwargs)
    return int(counter.get_total_flops())


@contextlib.contextmanager
def _paddle_int_of_single_element() -> Iterable[None]:
    # paddle.flops calls int() on shape-[1] tensors, which numpy 2 refuses for 1-d arrays.
    import paddle

    original = paddle.Tensor.__int__

    def to_int(self: Any) -> int:
        if int(np.prod(self.shape)) == 1:
            return int(np.asarray(self.numpy()).reshape(-1)[0])
        return original(self)

    paddle.Tensor.__int__ = to_int
    try:
        yield
    finally:
        paddle.Tensor.__int__ = original


def _flops_paddle(model: Any, shape: Sequence[int]) -> int:
    import paddle

    clone = copy.deepcopy(model)  # paddle.flops leaves buffers on layers it hooked
    with _paddle_int_of_single_element(), contextlib.redirect_stdout(io.StringIO()):
        return int(paddle.flops(clone, list(shape), print_detail=False))


def _run_timed(fn: Callable[[], Any]) -> tuple[Any, float]:
    start = time.perf_counter()
    out = fn()
    return out, (time.perf_counter() - start) * 1000.0


def _as_batches(inputs: Any) -> list[Batch]:
    """``inputs`` as batches: one array, a list of arrays (positional inputs), a :class:`Batch`
    or a list of batches."""
    if isinstance(inputs, Batch):
        return [inputs]
    if isinstance(inputs, (list, tuple)) and inputs and all(isinstance(b, Batch) for b in inputs):
        return list(inputs)
    if isinstance(inputs, (list, tuple)):
        return [Batch([np.asarray(to_numpy(x)) for x in inputs])]
    return [Batch([np.asarray(to_numpy(inputs))])]


def verify(
    torch_model: Any,
    paddle_model: Any,
    inputs: Any,
    *,
    atol: float = 1e-5,
    rtol: float = 1e-5,
    convert_weights: bool = True,
    locate: bool = True,
    count_flops: bool = True,
    recheck_float64: bool = True,
) -> VerifyReport:
    """Copy the torch weights into ``paddle_model``, run both in eval mode, compare outputs.

    ``inputs`` is one array, a list of arrays (positional arguments; numpy or torch), a
    :class:`~translator.verify.inputs.Batch` (positional and keyword inputs) or a list of
    batches (many inputs: every batch is compared, the report holds the largest difference over
    all of them and the top-1 agreement of the first output). Outputs are compared leaf by leaf
    (tuples, lists, dicts, dataclasses are opened) with ``|paddle - torch| <= atol + rtol *
    |torch|``. The models must also have the same number of trainable parameters.

    When float32 outputs differ beyond the tolerance, copies of both models are run again in
    float64 (``recheck_float64``): if they agree there, the float32 difference is rounding and
    the result is a match (``report.precision == "float64"``). On a mismatch, with ``locate``,
    the first diverging layer is named (from the float64 run when there was one, on the first
    batch that differs). The models passed in are not converted.
    """
    import paddle
    import torch

    report = VerifyReport(match=False, atol=atol, rtol=rtol)
    batches = _as_batches(inputs)
    first = batches[0]
    report.input_shapes = [tuple(a.shape) for a in first.args if isinstance(a, np.ndarray)]
    report.inputs = first.shapes()
    report.batches = len(batches)
    report.samples = sum(b.samples() for b in batches)
    materialize(torch_model, paddle_model, first)  # lazy layers: parameters exist after a first call
    torch_model.eval()
    paddle_model.eval()

    if convert_weights:
        _copy_weights(torch_model, paddle_model, report)

    report.params_torch = _count_params_torch(torch_model)
    report.params_paddle = _count_params_paddle(paddle_model)
    if report.params_torch != report.params_paddle:
        report.errors.append(
            f"trainable parameter counts differ: torch {report.params_torch:,}, paddle {report.params_paddle:,}"
        )

    t_args, t_kwargs = torch_call(first)
    p_args, p_kwargs = paddle_call(first)
    with torch.no_grad():
        t_out, report.time_torch_ms = _run_timed(lambda: torch_model(*t_args, **t_kwargs))
    try:
        with paddle.no_grad():
            p_out, report.time_paddle_ms = _run_timed(lambda: paddle_model(*p_args, **p_kwargs))
    except Exception as exc:
        report.errors.append(f"paddle forward raised {type(exc).__name__}: {exc}")
        report.notes.append(_short_traceback(exc))
        return report

    report.outputs = compare_outputs(t_out, p_out, atol, rtol)
    agree, total = top1(t_out, p_out)
    for i, batch in enumerate(batches[1:], start=1):
        try:
            t_more, p_more = _run_both(torch_model, paddle_model, batch)
        except Exception as exc:
            report.errors.append(f"batch {i}: {type(exc).__name__}: {exc}")
            break
        more = compare_outputs(t_more, p_more, atol, rtol)
        if not all(d.ok for d in more) and report.worst_batch is None:
            report.worst_batch = i
        report.outputs = _merge(report.outputs, more)
        a, t = top1(t_more, p_more)
        agree, total = agree + a, total + t
    if total:
        report.top1_agree, report.top1_total = agree, total
    report.match = not report.errors and all(leaf.ok for leaf in report.outputs)

    # float32 rounding alone can exceed 1e-5 on a deep network whose activations reach the
    # hundreds. Running both sides again in float64 tells rounding from a real difference, and
    # gives the layer-by-layer search noise-free values.
    models64 = None
    numeric = all(leaf.ok or leaf.max_abs is not None for leaf in report.outputs)
    if not report.match and not report.errors and numeric and recheck_float64:
        try:
            models64 = _float64_copies(torch_model, paddle_model)
            diffs64: list[LeafDiff] = []
            with default_float64():
                for batch in batches:
                    diffs64 = _merge(diffs64, compare_outputs(*_run_both(*models64, _as_float64(batch)), atol, rtol))
        except Exception as exc:
            models64 = None
            report.notes.append(f"could not re-run in float64 ({type(exc).__name__}: {exc}); judged in float32")
        else:
            by_path = {d.path: d for d in diffs64}
            for leaf in report.outputs:
                d64 = by_path.get(leaf.path)
                if d64 is not None:
                    leaf.float64_max_abs, leaf.float64_max_rel = d64.max_abs, d64.max_rel
                    leaf.ok = leaf.ok or d64.ok
            if all(leaf.ok for leaf in report.outputs):
                report.match = True
                report.precision = "float64"
                report.notes.append(
                    "float32 outputs differ beyond atol/rtol, but the same models run in float64 agree: "
                    "the float32 difference is rounding, not the port"
                )

    if not report.match and locate:
        bad = batches[report.worst_batch or 0]
        t_m, p_m, xs = (*models64, _as_float64(bad)) if models64 else (torch_model, paddle_model, bad)
        try:
            with default_float64() if models64 else contextlib.nullcontext():
                report.first_divergence, report.layers_compared = locate_divergence(t_m, p_m, xs, atol=atol, rtol=rtol)
        except Exception as exc:  # locating is a diagnosis; never hide the mismatch behind it
            report.notes.append(f"could not compare layer by layer: {type(exc).__name__}: {exc}")
    if count_flops:
        _count_flops(torch_model, paddle_model, first, report)
    return report


def _count_flops(torch_model: Any, paddle_model: Any, batch: Batch, report: VerifyReport) -> None:
    try:
        report.flops_torch = _flops_torch(torch_model, batch)
    except Exception as exc:
        report.notes.append(f"torch FLOP count failed: {type(exc).__name__}: {exc}")
    if len(batch.args) == 1 and not batch.kwargs and batch.args[0].dtype.kind == "f":
        try:
            report.flops_paddle = _flops_paddle(paddle_model, batch.args[0].shape)
        except Exception as exc:
            report.notes.append(f"paddle.flops failed: {type(exc).__name__}: {exc}")
    else:
        report.notes.append("paddle.flops takes a single float input; FLOPs not counted for paddle")
    if report.flops_torch is not None and report.flops_paddle is not None:
        report.notes.append(
            "FLOPs are counted by each framework's own tool: torch counts a multiply-add as 2, "
            "paddle.flops counts it as 1 and adds normalisation/activation ops"
        )


def _merge(old: list[LeafDiff], new: list[LeafDiff]) -> list[LeafDiff]:
    """Leaf diffs over several batches: the largest difference of each leaf, ok when every batch is."""
    if not old:
        return new
    by_path = {d.path: d for d in new}
    out = []
    for d in old:
        n = by_path.pop(d.path, None)
        if n is None:
            out.append(d)
            continue
        worse = n if (n.max_abs or 0.0) > (d.max_abs or 0.0) or (d.ok and not n.ok) else d
        merged = dataclasses.replace(worse, ok=d.ok and n.ok)
        if d.max_rel is not None and n.max_rel is not None:
            merged.max_rel = max(d.max_rel, n.max_rel)
        out.append(merged)
    return out + list(by_path.values())


def top1(t_out: Any, p_out: Any) -> tuple[int, int]:
    """How many argmax positions of the first float output leaf with at least 2 dimensions
    (logits ``[batch, classes]`` or ``[batch, tokens, vocab]``) agree, and how many there are."""
    for (path, a), (_, b) in zip(leaves(t_out), leaves(p_out)):
        if isinstance(a, np.ndarray) and isinstance(b, np.ndarray) and a.dtype.kind == "f" and a.ndim >= 2 and a.shape == b.shape:
            ta, tb = a.argmax(axis=-1), b.argmax(axis=-1)
            return int(np.count_nonzero(ta == tb)), int(ta.size)
    return 0, 0


def _run_both(torch_model: Any, paddle_model: Any, batch: Batch) -> tuple[Any, Any]:
    import paddle
    import torch

    t_args, t_kwargs = torch_call(batch)
    p_args, p_kwargs = paddle_call(batch)
    with torch.no_grad():
        t_out = torch_model(*t_args, **t_kwargs)
    with paddle.no_grad():
        p_out = paddle_model(*p_args, **p_kwargs)
    return t_out, p_out


def _float64_copies(torch_model: Any, paddle_model: Any) -> tuple[Any, Any]:
    """Both models in float64. Paddle's normalization kernels take their epsilon as a float32
    attribute whatever the data's type (0.001 becomes 0.0010000000475), so the torch copy's
    ``eps`` values are rounded to float32 as well: with a running variance near eps, that
    rounding alone moves a deep network's float64 output by 1e-4 (MobileNetV3's eps=0.001)."""
    t64 = copy.deepcopy(torch_model).double().eval()
    for module in t64.modules():
        eps = getattr(module, "eps", None)
        if type(eps) is float:
            module.eps = float(np.float32(eps))
    p64 = copy.deepcopy(paddle_model)
    p64.to(dtype="float64")
    p64.eval()
    return t64, p64


def _as_float64(batch: Batch) -> Batch:
    def widen(a: Any) -> Any:
        return a.astype(np.float64) if isinstance(a, np.ndarray) and a.dtype.kind == "f" else a

    return Batch([widen(a) for a in batch.args], {k: widen(v) for k, v in batch.kwargs.items()}, batch.target)




def _copy_weights(torch_model: Any, paddle_model: Any, report: VerifyReport) -> None:
    from ..weights import convert_state_dict_report

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        conv = convert_state_dict_report(torch_model.state_dict(), paddle_model)
        paddle_model.set_state_dict(conv.state_dict)  # what it skips, the report lists
    report.weights = {
        "converted": len(conv.state_dict),
        "renamed": len(conv.renamed),
        "transposed": len(conv.transposed),
        "dropped": len(conv.dropped),
        "missing": conv.missing,
        "unexpected": conv.unexpected,
        "mismatched": [m.message() for m in conv.mismatched],
        "matched_by_order": [list(p) for p in conv.matched_by_order],
        "problems": conv.problems(),
    }
    if not conv.ok:
        report.errors.append(f"{len(conv.problems())} weight(s) do not convert one to one")


def _short_traceback(exc: BaseException) -> str:
    frames = traceback.format_exception(type(exc), exc, exc.__traceback__)
    return "".join(frames[-3:]).strip()


# --------------------------------------------------------------------------------------------
# Locating the first diverging layer


class _Recorder:
    """Copies of each named layer's inputs (before it runs) and outputs, call by call."""

    def __init__(self) -> None:
        self.inputs: dict[str, list[list[tuple[str, Any]]]] = {}
        self.outputs: dict[str, list[list[tuple[str, Any]]]] = {}
        self.order: list[tuple[str, int]] = []  # (name, call) in the order layers finish
        self.types: dict[str, str] = {}

    def pre(self, name: str, args: Any) -> None:
        self.inputs.setdefault(name, []).append(leaves(args, "in"))

    def post(self, name: str, output: Any) -> None:
        calls = self.outputs.setdefault(name, [])
        self.order.append((name, len(calls)))
        calls.append(leaves(output))


def _record_both(torch_model: Any, paddle_model: Any, inputs: Any) -> tuple[_Recorder, _Recorder]:
    t_rec, p_rec = _Recorder(), _Recorder()
    handles: list[Any] = []
    try:
        for name, module in torch_model.named_modules():
            if not name:
                continue
            t_rec.types[name] = type(module).__name__
            handles.append(module.register_forward_pre_hook(lambda m, a, n=name: t_rec.pre(n, a)))
            handles.append(module.register_forward_hook(lambda m, a, o, n=name: t_rec.post(n, o)))
        for name, layer in paddle_model.named_sublayers():
            p_rec.types[name] = type(layer).__name__
            handles.append(layer.register_forward_pre_hook(lambda l, a, n=name: p_rec.pre(n, a)))
            handles.append(layer.register_forward_post_hook(lambda l, a, o, n=name: p_rec.post(n, o)))
        _run_both(torch_model, paddle_model, _as_batches(inputs)[0])
    finally:
        for h in handles:
            h.remove()
    return t_rec, p_rec


def _layer_diff(t_rec: _Recorder, p_rec: _Recorder, name: str, call: int, atol: float, rtol: float) -> LayerDiff | None:
    """The comparison of one recorded layer call; None when Paddle has no such call."""
    p_calls = p_rec.outputs.get(name)
    if p_calls is None or call >= len(p_calls):
        return None
    diffs = compare_leaves(t_rec.outputs[name][call], p_calls[call], atol, rtol)
    bad = [d for d in diffs if not d.ok]
    worst = bad[0] if bad else max(diffs, key=lambda d: d.max_abs or 0.0, default=None)
    inputs_agree = None
    if bad:
        t_in, p_in = t_rec.inputs.get(name, []), p_rec.inputs.get(name, [])
        if call < len(t_in) and call < len(p_in):
            inputs_agree = all(d.ok for d in compare_leaves(t_in[call], p_in[call], atol, rtol))
    return LayerDiff(
        name, call, t_rec.types.get(name, "?"), p_rec.types.get(name, "?"),
        worst.max_abs if worst else 0.0, worst.max_rel if worst else 0.0, inputs_agree,
        worst.problem if worst else "", ok=not bad,
    )


def per_layer_differences(torch_model: Any, paddle_model: Any, inputs: Any, *, atol: float = 1e-5,
                          rtol: float = 1e-5) -> list[LayerDiff]:
    """Every named layer's output compared, in the order layers finish (for ``--plot``)."""
    t_rec, p_rec = _record_both(torch_model, paddle_model, inputs)
    out = []
    for name, call in t_rec.order:
        diff = _layer_diff(t_rec, p_rec, name, call, atol, rtol)
        if diff is not None:
            out.append(diff)
    return out


def locate_divergence(
    torch_model: Any,
    paddle_model: Any,
    inputs: Any,
    *,
    atol: float = 1e-5,
    rtol: float = 1e-5,
) -> tuple[LayerDiff | None, int]:
    """Run both models with hooks; return the first layer whose output differs and how many
    layer outputs were compared. Layers are matched by their attribute path (``layer1.0.conv2``);
    the top-level model itself is not compared.
    """
    t_rec, p_rec = _record_both(torch_model, paddle_model, inputs)
    compared = 0
    for name, call in t_rec.order:
        diff = _layer_diff(t_rec, p_rec, name, call, atol, rtol)
        if diff is None:
            continue
        compared += 1
        if not diff.ok:
            return diff, compared
    return None, compared
