"""``verify_training(torch_model, paddle_model, batches, steps=N)``: training alignment.

From the same converted weights and the same batches, both models take ``steps`` optimizer steps
(train mode, a loss, an optimizer) and every step is compared: the loss, every parameter's
gradient (mapped to the Paddle name by the weight converter, so Linear gradients are transposed
as the weights are) and every parameter and buffer after the step (BatchNorm running statistics
included). On a mismatch the first diverging step is named, with the first parameter whose
gradient (or, when the gradients agree, whose update) diverges and the layer that owns it.

Which parameter is "first": torch records the order in which gradients are completed during
``backward`` (post-accumulate-grad hooks), so the first diverging gradient in that order is the
one nearest the output, where a gradient-only bug (a detached branch, a custom autograd function
with a wrong backward) shows first; everything it feeds into upstream differs as a consequence.

Learning-rate schedulers: with ``scheduler=(torch_factory, paddle_factory)`` each side's scheduler
is stepped after every optimizer step (``ReduceLROnPlateau`` with the step's loss), and the
learning rate each step used is compared; a schedule that differs is named at the first step
whose learning rate differs, before the parameters it moves.

Randomness: Dropout layers (``nn.Dropout*`` on both sides) are put in eval mode, i.e. disabled,
while the rest of the model trains (BatchNorm uses batch statistics). If the torch model's
forward pass is still random in train mode (functional dropout, stochastic depth), a note says
so: such randomness cannot be aligned between two frameworks' generators.

BatchNorm: torch updates running variances with the unbiased batch variance, Paddle with the
biased one; Paddle's values are compared with torch's batches put through Paddle's rule (exact),
and the size of the framework difference is noted (:class:`_BiasedRunningVar`).

Precision: by default both models run in float64 (copies; the models passed in are not
changed), so rounding is ~1e-15 and any difference above the tolerance comes from the port;
``precision="float32"`` runs them as they are, with looser defaults (see :data:`TOLERANCES`).
"""

from __future__ import annotations

import contextlib
import copy
import dataclasses
import warnings
from typing import Any, Callable, Sequence

import numpy as np

from .compare import default_float64, fmt, jsonable, to_numpy
from .inputs import Batch

__all__ = ["TOLERANCES", "ParamDiff", "StepResult", "TrainReport", "default_loss", "verify_training"]

# (atol, rtol) by precision. A tensor agrees when max|paddle - torch| <= atol + rtol * max|torch|
# (relative to the tensor's largest value: gradients have many elements near zero, where an
# element-wise relative test measures only rounding).
TOLERANCES = {"float64": (1e-9, 1e-6), "float32": (1e-6, 2e-3)}


@dataclasses.dataclass
class ParamDiff:
    """One gradient or parameter/buffer compared after a step."""

    name: str  # Paddle name
    source: str  # torch name
    layer: str  # the owning layer's attribute path ("" for the model itself)
    max_abs: float | None
    scale: float | None  # max |torch value|
    ok: bool
    problem: str = ""
    unbiased_diff: float | None = None  # running variances: the difference from torch's own value


@dataclasses.dataclass
class StepResult:
    step: int
    loss_torch: float | None
    loss_paddle: float | None
    loss_ok: bool
    lr_torch: float | None = None  # the learning rate this step used (with a scheduler)
    lr_paddle: float | None = None
    lr_ok: bool = True
    grads: list[ParamDiff] = dataclasses.field(default_factory=list)  # every gradient, in backward order
    after: list[ParamDiff] = dataclasses.field(default_factory=list)  # parameters and buffers after the step

    @property
    def ok(self) -> bool:
        return self.loss_ok and self.lr_ok and all(g.ok for g in self.grads) and all(a.ok for a in self.after)


@dataclasses.dataclass
class TrainReport:
    match: bool
    steps: int
    atol: float
    rtol: float
    precision: str
    loss: str = ""
    optimizer: str = ""
    scheduler: str = ""
    loss_torch: list[float | None] = dataclasses.field(default_factory=list)
    loss_paddle: list[float | None] = dataclasses.field(default_factory=list)
    lr_torch: list[float | None] = dataclasses.field(default_factory=list)  # with a scheduler
    lr_paddle: list[float | None] = dataclasses.field(default_factory=list)
    results: list[StepResult] = dataclasses.field(default_factory=list)
    first_divergence: dict[str, Any] | None = None
    randomness: str = ""
    weights: dict[str, Any] = dataclasses.field(default_factory=dict)
    errors: list[str] = dataclasses.field(default_factory=list)
    notes: list[str] = dataclasses.field(default_factory=list)
    target: str = ""

    def to_dict(self) -> dict[str, Any]:
        return jsonable(dataclasses.asdict(self))

    def format_table(self) -> str:
        lines = [
            f"verify --train {self.steps} {self.target or 'model'}  ({self.precision}; a tensor agrees when "
            f"max|paddle - torch| <= {self.atol:g} + {self.rtol:g} * max|torch|)",
            f"loss: {self.loss}",
            f"optimizer: {self.optimizer}",
            *([f"scheduler: {self.scheduler}"] if self.scheduler else []),
            f"randomness: {self.randomness}",
            "",
            f"{'step':>4}{'loss torch':>16}{'loss paddle':>16}{'loss diff':>12}"
            + (f"{'lr torch':>12}{'lr paddle':>12}" if self.scheduler else "")
            + f"{'worst grad diff':>17}{'worst param diff':>18}  ok",
        ]
        for r in self.results:
            worst_g = _worst(r.grads)
            worst_a = _worst(r.after)
            diff = None if r.loss_torch is None or r.loss_paddle is None else abs(r.loss_paddle - r.loss_torch)
            lrs = f"{fmt(r.lr_torch):>12}{fmt(r.lr_paddle):>12}" if self.scheduler else ""
            lines.append(
                f"{r.step:>4}{_loss(r.loss_torch):>16}{_loss(r.loss_paddle):>16}{fmt(diff):>12}{lrs}"
                f"{fmt(worst_g):>17}{fmt(worst_a):>18}  " + ("yes" if r.ok else "NO")
            )
        if self.first_divergence:
            lines += ["", "first divergence: " + self.first_divergence["message"]]
            bad = self.first_divergence.get("diverging", [])
            if len(bad) > 1:
                shown = ", ".join(bad[:8]) + (f", ... ({len(bad)} in all)" if len(bad) > 8 else "")
                lines.append(f"  also differ at that step: {shown}")
        lines += [f"note: {n}" for n in self.notes]
        lines += [f"error: {e}" for e in self.errors]
        lines += ["", "result: " + ("MATCH" if self.match else "MISMATCH")]
        return "\n".join(lines)


def _worst(diffs: Sequence[ParamDiff]) -> float | None:
    """The largest difference."""
    values = [d.max_abs for d in diffs if d.max_abs is not None]
    return max(values) if values else None


def _loss(value: float | None) -> str:
    return "-" if value is None else f"{value:.10g}"


# --------------------------------------------------------------------------------------------


def default_loss(output: Any, target: Any = None) -> Any:
    """The mean of every floating-point output leaf, summed (framework-neutral)."""
    total = None
    for _, leaf in _tensor_leaves(output):
        if _is_float(leaf):
            term = leaf.mean()
            total = term if total is None else total + term
    if total is None:
        raise ValueError("the model returns no floating-point tensor to take the mean of")
    return total


def _tensor_leaves(value: Any, path: str = "out") -> list[tuple[str, Any]]:
    if isinstance(value, dict):
        return [x for k, v in value.items() for x in _tensor_leaves(v, f"{path}[{k!r}]")]
    if isinstance(value, (list, tuple)):
        return [x for i, v in enumerate(value) for x in _tensor_leaves(v, f"{path}[{i}]")]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return [x for f in dataclasses.fields(value) for x in _tensor_leaves(getattr(value, f.name), f"{path}.{f.name}")]
    return [(path, value)]


def _is_float(t: Any) -> bool:
    dtype = str(getattr(t, "dtype", ""))
    return "float" in dtype or "bfloat" in dtype


def _default_sgd(framework: str, lr: float = 0.1) -> Callable[[Any], Any]:
    def make(model: Any) -> Any:
        if framework == "torch":
            import torch

            return torch.optim.SGD(model.parameters(), lr=lr)
        import paddle

        return paddle.optimizer.SGD(learning_rate=lr, parameters=model.parameters())

    return make


@contextlib.contextmanager
def _default_dtype(precision: str) -> Any:
    if precision != "float64":
        yield
        return
    with default_float64():
        yield


def _disable_dropout(torch_model: Any, paddle_model: Any) -> int:
    import paddle
    import torch

    n = 0
    for m in torch_model.modules():
        if isinstance(m, torch.nn.modules.dropout._DropoutNd):
            m.eval()
            n += 1
    kinds = tuple(getattr(paddle.nn, k) for k in ("Dropout", "Dropout2D", "Dropout3D", "AlphaDropout", "FeatureAlphaDropout") if hasattr(paddle.nn, k))
    for layer in paddle_model.sublayers():
        if isinstance(layer, kinds):
            layer.eval()
    return n


def _torch_is_random(torch_model: Any, batch: Batch, loss_fn: Callable[..., Any]) -> bool:
    """Whether two train-mode forward passes of a copy give different losses."""
    import torch

    from .check import torch_call

    clone = copy.deepcopy(torch_model)
    args, kwargs = torch_call(batch)
    values = []
    for seed in (1, 2):
        torch.manual_seed(seed)
        with torch.no_grad():
            values.append(float(loss_fn(clone(*args, **kwargs), _torch_target(batch.target))))
    return values[0] != values[1]


def _torch_target(target: Any) -> Any:
    import torch

    if isinstance(target, np.ndarray):
        return torch.from_numpy(target.copy())
    if isinstance(target, tuple):
        return tuple(_torch_target(t) for t in target)
    return target


def _paddle_target(target: Any) -> Any:
    import paddle

    if isinstance(target, np.ndarray):
        return paddle.to_tensor(target.copy())
    if isinstance(target, tuple):
        return tuple(_paddle_target(t) for t in target)
    return target


def _widen(batch: Batch, precision: str) -> Batch:
    if precision != "float64":
        return batch

    def widen(a: Any) -> Any:
        return a.astype(np.float64) if isinstance(a, np.ndarray) and a.dtype.kind == "f" else a

    target = tuple(widen(t) for t in batch.target) if isinstance(batch.target, tuple) else widen(batch.target)
    return Batch([widen(a) for a in batch.args], {k: widen(v) for k, v in batch.kwargs.items()}, target)


def _scalar(loss: Any) -> float | None:
    try:
        return float(np.asarray(to_numpy(loss)).reshape(-1)[0])
    except Exception:
        return None


def _tensor_diff(a: np.ndarray | None, b: np.ndarray | None, atol: float, rtol: float) -> tuple[float | None, float | None, bool, str]:
    """``(max_abs, scale, ok, problem)`` for torch tensor ``a`` and Paddle tensor ``b``."""
    if a is None and b is None:
        return None, None, True, ""
    if a is None or b is None:
        side, other = ("paddle", "torch") if b is None else ("torch", "paddle")
        zero = (a if b is None else b)
        if zero is not None and not np.any(zero):
            return 0.0, 0.0, True, ""  # no gradient and an all-zero gradient mean the same
        return None, None, False, f"no gradient in {side}, {other} has one"
    if a.shape != b.shape:
        return None, None, False, f"shapes differ: {a.shape} vs {b.shape}"
    x, y = a.astype(np.float64), b.astype(np.float64)
    if a.size == 0:
        return 0.0, 0.0, True, ""
    err = float(np.nanmax(np.abs(x - y))) if not (np.isnan(x) ^ np.isnan(y)).any() else float("inf")
    scale = float(np.nanmax(np.abs(x))) if not np.isnan(x).all() else 0.0
    return err, scale, err <= atol + rtol * scale, ""


def _owner(name: str) -> str:
    return name.rpartition(".")[0]


def verify_training(
    torch_model: Any,
    paddle_model: Any,
    batches: Sequence[Batch] | Batch,
    *,
    steps: int = 5,
    loss: tuple[Callable[..., Any], Callable[..., Any]] | None = None,
    optimizer: tuple[Callable[[Any], Any], Callable[[Any], Any]] | None = None,
    scheduler: tuple[Callable[[Any], Any], Callable[[Any], Any]] | None = None,
    precision: str = "float64",
    atol: float | None = None,
    rtol: float | None = None,
    convert_weights: bool = True,
    loss_label: str = "",
    optimizer_label: str = "",
    scheduler_label: str = "",
) -> TrainReport:
    """Train both models ``steps`` steps on ``batches`` (cycled) and compare every step.

    ``loss`` is ``(torch_fn, paddle_fn)``, each called as ``fn(output, target)`` (default: the
    mean of the outputs, :func:`default_loss`); ``optimizer`` is ``(torch_factory,
    paddle_factory)``, each called with its model (default: SGD, learning rate 0.1);
    ``scheduler`` is ``(torch_factory, paddle_factory)``, each called with its side's optimizer
    and stepped after every step (default: none). The torch
    weights are copied into the Paddle model first (``convert_weights``). ``precision`` is
    ``"float64"`` (copies of both models are trained in float64) or ``"float32"``; tolerances
    default to :data:`TOLERANCES`.
    """
    from ..weights import convert_state_dict_report
    from .check import paddle_call, torch_call

    if precision not in TOLERANCES:
        raise ValueError(f"precision must be one of {', '.join(TOLERANCES)}, not {precision!r}")
    d_atol, d_rtol = TOLERANCES[precision]
    atol = d_atol if atol is None else atol
    rtol = d_rtol if rtol is None else rtol
    report = TrainReport(match=False, steps=steps, atol=atol, rtol=rtol, precision=precision)
    batches = [batches] if isinstance(batches, Batch) else list(batches)
    t_loss, p_loss = loss or (default_loss, default_loss)
    t_make_opt, p_make_opt = optimizer or (_default_sgd("torch"), _default_sgd("paddle"))
    report.loss = loss_label or ("mean of the outputs" if loss is None else getattr(t_loss, "__name__", "custom"))
    report.optimizer = optimizer_label or ("SGD(lr=0.1)" if optimizer is None else getattr(t_make_opt, "__name__", "custom"))
    if scheduler is not None:
        report.scheduler = scheduler_label or getattr(scheduler[0], "__name__", "custom")

    from .lazy import materialize

    materialize(torch_model, paddle_model, batches[0])  # lazy layers: parameters exist after a first call

    def convert(state: dict[str, Any]) -> Any:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return convert_state_dict_report(state, paddle_model, match_by_order=True)

    if convert_weights:
        conv = convert({k: to_numpy(v) for k, v in torch_model.state_dict().items()})
        paddle_model.set_state_dict(conv.state_dict)
        report.weights = {"converted": len(conv.state_dict), "problems": conv.problems()}
        if not conv.ok:
            report.errors.append(f"{len(conv.problems())} weight(s) do not convert one to one: " + "; ".join(conv.problems()[:5]))
            return report

    t_model, p_model = copy.deepcopy(torch_model), copy.deepcopy(paddle_model)
    if precision == "float64":
        t_model.double()
        p_model.to(dtype="float64")
    batches = [_widen(b, precision) for b in batches]
    t_model.train()
    p_model.train()
    dropouts = _disable_dropout(t_model, p_model)
    report.randomness = (f"{dropouts} Dropout layer(s) disabled (eval mode) on both sides" if dropouts else "no Dropout layers")
    t_types = {n: type(m).__name__ for n, m in t_model.named_modules()}
    p_types = {n: type(m).__name__ for n, m in p_model.named_sublayers(include_self=True)}

    with _default_dtype(precision), warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="When training, we now always track global mean and variance")
        try:
            if _torch_is_random(t_model, batches[0], t_loss):
                report.notes.append(
                    "the torch model is random in train mode beyond its Dropout layers (functional dropout, "
                    "stochastic depth, sampling): the two frameworks' random streams cannot be aligned, "
                    "so differences may come from it; make the randomness conditional or set its rate to 0"
                )
                report.randomness += "; the forward pass is still random (see note)"
        except Exception as exc:
            report.errors.append(f"the torch model fails in train mode: {type(exc).__name__}: {exc}")
            return report
        t_opt = t_make_opt(t_model)
        try:
            p_opt = p_make_opt(p_model)
        except Exception as exc:
            report.errors.append(f"the Paddle optimizer cannot be built: {type(exc).__name__}: {exc}")
            return report
        t_sched = p_sched = None
        if scheduler is not None:
            t_sched = scheduler[0](t_opt)
            try:
                p_sched = scheduler[1](p_opt)
            except Exception as exc:
                report.errors.append(f"the Paddle scheduler cannot be built: {type(exc).__name__}: {exc}")
                return report
        shadow = _BiasedRunningVar(t_model)
        momenta: list[float | None] = []  # torch's momentum (or Adam's beta1) per step, with a scheduler
        t_params = dict(t_model.named_parameters())
        p_params = dict(p_model.named_parameters())
        for step in range(steps):
            batch = batches[step % len(batches)]
            order: list[str] = []
            handles = [
                p.register_post_accumulate_grad_hook(lambda _p, n=n: order.append(n))
                for n, p in t_params.items() if p.requires_grad
            ]
            try:
                t_opt.zero_grad()
                args, kwargs = torch_call(batch)
                t_value = t_loss(t_model(*args, **kwargs), _torch_target(batch.target))
                t_value.backward()
            finally:
                for h in handles:
                    h.remove()
            t_grads = {n: (None if p.grad is None else to_numpy(p.grad)) for n, p in t_params.items()}
            t_lr = _torch_lr(t_opt) if t_sched is not None else None
            if t_sched is not None:
                momenta.append(_torch_momentum(t_opt))
            t_opt.step()
            _step_scheduler(t_sched, t_value)
            try:
                p_opt.clear_grad()
                args, kwargs = paddle_call(batch)
                p_value = p_loss(p_model(*args, **kwargs), _paddle_target(batch.target))
                p_value.backward()
                p_grads = {n: (None if p.grad is None else to_numpy(p.grad)) for n, p in p_params.items()}
                p_lr = float(p_opt.get_lr()) if p_sched is not None else None
                p_opt.step()
                _step_scheduler(p_sched, p_value)
            except Exception as exc:
                report.errors.append(f"step {step}: the paddle side raised {type(exc).__name__}: {exc}")
                break
            result = _compare_step(step, t_value, p_value, t_grads, p_grads, order, t_model, p_model,
                                   convert, atol, rtol, shadow.expected)
            if t_sched is not None:
                result.lr_torch, result.lr_paddle = t_lr, p_lr
                # a learning rate is a scalar: relative tolerance on its own size
                result.lr_ok = t_lr is not None and p_lr is not None and abs(p_lr - t_lr) <= atol + rtol * abs(t_lr)
                report.lr_torch.append(t_lr)
                report.lr_paddle.append(p_lr)
            report.results.append(result)
            report.loss_torch.append(result.loss_torch)
            report.loss_paddle.append(result.loss_paddle)
            if not result.ok and report.first_divergence is None:
                report.first_divergence = _divergence(result, t_types, p_types)
                if step and _tolerance_used(report.results[-2], atol, rtol) > 0.01:
                    report.first_divergence["message"] += (
                        f"; but at step {step - 1} the gradients already used "
                        f"{100 * _tolerance_used(report.results[-2], atol, rtol):.0f}% of the tolerance: a difference "
                        "that grows step by step is amplified rounding (small BatchNorm batches, large learning "
                        "rates) rather than a bug; check with fewer steps or larger batches")
        shadow.remove()
    if len({m for m in momenta if m is not None}) > 1:
        shown = ", ".join(f"{m:.6g}" for m in momenta[:4]) + (", ..." if len(momenta) > 4 else "")
        cycled = (f"torch's scheduler also changes the optimizer's momentum from step to step ({shown}); Paddle's "
                  "schedulers set only the learning rate (torch's cycle_momentum=False keeps it fixed)")
        if report.first_divergence and report.first_divergence["kind"] == "value after the optimizer step":
            report.first_divergence["message"] += f"; {cycled}"
        else:
            report.notes.append(cycled)
    if shadow.expected and report.results:
        worst = max(((d.unbiased_diff or 0.0), d.name) for r in report.results for d in r.after)
        report.notes.append(
            f"{len(shadow.expected)} BatchNorm running variance(s) compared against torch's update done with the biased "
            "batch variance, Paddle's rule (torch uses the unbiased one, n/(n-1) larger; no Paddle argument changes "
            f"that): the framework difference itself reaches {fmt(worst[0])} ({worst[1]}) and shows only in eval-mode "
            "outputs after training")
    report.match = not report.errors and len(report.results) == steps and all(r.ok for r in report.results)
    return report


def _torch_lr(optimizer: Any) -> float | None:
    """The learning rate of the optimizer's first parameter group (the one the step uses)."""
    try:
        return float(optimizer.param_groups[0]["lr"])
    except (AttributeError, IndexError, KeyError, TypeError, ValueError):
        return None


def _torch_momentum(optimizer: Any) -> float | None:
    """The first parameter group's momentum (SGD, RMSprop) or beta1 (Adam and its kin)."""
    group = optimizer.param_groups[0]
    if "betas" in group:
        return float(group["betas"][0])
    return float(group["momentum"]) if "momentum" in group else None


def _step_scheduler(scheduler: Any, loss: Any) -> None:
    """``scheduler.step()``; a plateau scheduler (torch's ``ReduceLROnPlateau``, Paddle's
    ``ReduceOnPlateau``) is given the step's loss as its metric."""
    if scheduler is None:
        return
    if type(scheduler).__name__ in ("ReduceLROnPlateau", "ReduceOnPlateau"):
        scheduler.step(_scalar(loss))
    else:
        scheduler.step()


def _compare_step(step: int, t_value: Any, p_value: Any, t_grads: dict[str, Any], p_grads: dict[str, Any],
                  order: list[str], t_model: Any, p_model: Any, convert: Callable[[dict[str, Any]], Any],
                  atol: float, rtol: float, biased_var: dict[str, Any]) -> StepResult:
    lt, lp = _scalar(t_value), _scalar(p_value)
    loss_ok = lt is not None and lp is not None and abs(lp - lt) <= atol + rtol * abs(lt)
    result = StepResult(step, lt, lp, loss_ok)
    # Gradients: the torch state dict with every parameter replaced by its gradient, converted
    # like weights (names mapped, Linear transposed).
    state = {k: to_numpy(v) for k, v in t_model.state_dict().items()}
    marker = {k: state[k] for k in state}
    zero_for_none = {}
    for name, g in t_grads.items():
        if name in marker:
            marker[name] = g if g is not None else np.zeros_like(state[name])
            if g is None:
                zero_for_none[name] = True
    conv_g = convert(marker)
    back = {dst: src for src, dst in conv_g.renamed.items()}
    back.update({dst: src for src, dst in conv_g.matched_by_order})
    by_source = {back.get(k, k): k for k in conv_g.state_dict}
    ranked = order + [n for n in t_grads if n not in order]
    for src in ranked:
        dst = by_source.get(src)
        if dst is None or dst not in p_grads:
            continue
        a = None if zero_for_none.get(src) else conv_g.state_dict[dst]
        err, scale, ok, problem = _tensor_diff(a, p_grads[dst], atol, rtol)
        result.grads.append(ParamDiff(dst, src, _owner(src), err, scale, ok, problem))
    conv_s = convert(state)
    back_s = {dst: src for src, dst in conv_s.renamed.items()}
    back_s.update({dst: src for src, dst in conv_s.matched_by_order})
    p_state = {k: to_numpy(v) for k, v in p_model.state_dict().items()}
    for dst, value in conv_s.state_dict.items():
        if dst not in p_state:
            continue
        src = back_s.get(dst, dst)
        unbiased = None
        if src in biased_var:  # Paddle's rule applied to torch's batches; see _BiasedRunningVar
            unbiased = _tensor_diff(np.asarray(value), p_state[dst], atol, rtol)[0]
            value = to_numpy(biased_var[src])
        err, scale, ok, problem = _tensor_diff(np.asarray(value), p_state[dst], atol, rtol)
        result.after.append(ParamDiff(dst, src, _owner(src), err, scale, ok, problem, unbiased_diff=unbiased))
    return result


class _BiasedRunningVar:
    """What each torch BatchNorm's running variance would be under Paddle's update rule.

    torch updates a BatchNorm's running variance with the unbiased batch variance (times
    n/(n-1), n = values per channel), Paddle with the biased one, and no Paddle argument changes
    that. A forward pre-hook on every torch BatchNorm in train mode records the biased batch
    variance and applies Paddle's rule to a shadow copy, so Paddle's running variances are
    compared strictly against that copy (a wrong momentum still shows) while the framework
    difference itself is reported in a note.
    """

    def __init__(self, torch_model: Any) -> None:
        import torch
        from torch.nn.modules.batchnorm import _BatchNorm

        self.expected: dict[str, Any] = {}
        self.handles = []
        for name, m in torch_model.named_modules():
            if isinstance(m, _BatchNorm) and m.track_running_stats and m.momentum is not None:
                key = f"{name}.running_var" if name else "running_var"
                self.expected[key] = m.running_var.detach().clone()
                self.handles.append(m.register_forward_pre_hook(lambda mod, a, k=key: self._update(mod, a[0], k)))
        self._torch = torch

    def _update(self, module: Any, x: Any, key: str) -> None:
        if not module.training:
            return
        dims = [d for d in range(x.dim()) if d != 1]
        with self._torch.no_grad():
            var = x.detach().var(dim=dims, unbiased=False)
            self.expected[key] = (1 - module.momentum) * self.expected[key] + module.momentum * var

    def remove(self) -> None:
        for h in self.handles:
            h.remove()


def _tolerance_used(result: StepResult, atol: float, rtol: float) -> float:
    """The largest gradient difference of a step as a fraction of its tolerance."""
    used = [g.max_abs / (atol + rtol * (g.scale or 0.0)) for g in result.grads if g.max_abs is not None]
    return max(used, default=0.0)


def _divergence(result: StepResult, t_types: dict[str, str], p_types: dict[str, str]) -> dict[str, Any]:
    bad_grads = [g for g in result.grads if not g.ok]
    bad_after = [a for a in result.after if not a.ok]
    first = bad_grads[0] if bad_grads else bad_after[0] if bad_after else None
    what = "gradient" if bad_grads else "value after the optimizer step" if bad_after else None
    lr_differs = not result.lr_ok
    parts = [f"step {result.step}"]
    if not result.loss_ok:
        parts.append(f"the loss differs (torch {_loss(result.loss_torch)}, paddle {_loss(result.loss_paddle)})")
    elif result.step or bad_grads:
        parts.append("the loss agrees")
    if lr_differs:
        # the scheduler: the step's learning rate differs before any parameter does
        parts.append(f"the learning rate differs (torch {_loss(result.lr_torch)}, paddle {_loss(result.lr_paddle)}): "
                     "the learning-rate schedule differs (the scheduler's arguments or its translation)")
        if not bad_grads:
            what = "learning rate"
    out: dict[str, Any] = {"step": result.step, "loss_differs": not result.loss_ok, "lr_differs": lr_differs,
                           "kind": what, "parameter": None, "source": None, "layer": None}
    if first is not None and what == "learning rate":
        parts.append(f"every gradient agrees; the parameters it updates differ as a consequence, first {first.name}")
        out.update(parameter=first.name, source=first.source, layer=first.layer, max_abs=first.max_abs, scale=first.scale)
    elif first is not None:
        layer = first.layer
        types = f"torch {t_types.get(layer, '?')} / paddle {p_types.get(_owner(first.name), '?')}"
        detail = first.problem or f"max abs diff {fmt(first.max_abs)} (largest torch value {fmt(first.scale)})"
        parts.append(f"first {what} to differ: {first.name}" + (f" (torch {first.source})" if first.source != first.name else "")
                     + f" in layer {layer or '(the model)'} [{types}]: {detail}")
        if not bad_grads:
            parts.append("every gradient agrees, so the optimizer update (its defaults: momentum, weight decay, "
                         "learning rate) or a buffer update (BatchNorm momentum) differs")
        elif result.loss_ok:
            parts.append("the loss agrees, so the backward pass differs (a detached branch, a custom gradient)")
        out.update(parameter=first.name, source=first.source, layer=layer, max_abs=first.max_abs, scale=first.scale)
    out["diverging"] = [d.name for d in (bad_grads or bad_after)]
    out["message"] = "; ".join(parts)
    return out
