"""Preparing a model and its inputs for a comparison: BatchNorm statistics worth checking,
seeded random inputs, input specs (``int64[2,16]:0..1000``) and inputs from a file.

A :class:`Batch` is one call of the model: positional ``args``, keyword ``kwargs`` (numpy
arrays or plain Python values) and, for training, a ``target`` handed to the loss.
"""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path
from typing import Any, Callable, Sequence

import numpy as np

__all__ = [
    "Batch", "InputSpec", "InputError", "batches_from_specs", "load_batches", "make_inputs", "paddle_call", "parse_input_spec",
    "randomize_bn_stats", "torch_call",
]


class InputError(ValueError):
    """An input spec or inputs file that cannot be used (exit 2)."""


@dataclasses.dataclass
class Batch:
    """One call of the model: ``model(*args, **kwargs)``; ``target`` goes to the loss."""

    args: list[Any] = dataclasses.field(default_factory=list)
    kwargs: dict[str, Any] = dataclasses.field(default_factory=dict)
    target: Any = None

    def arrays(self) -> list[np.ndarray]:
        return [a for a in [*self.args, *self.kwargs.values()] if isinstance(a, np.ndarray)]

    def shapes(self) -> list[str]:
        """``float32[2x3]`` per input, keyword ones as ``name=...``."""
        def one(a: Any) -> str:
            if isinstance(a, np.ndarray):
                return f"{a.dtype}[{'x'.join(map(str, a.shape))}]"
            return type(a).__name__
        return [one(a) for a in self.args] + [f"{k}={one(v)}" for k, v in self.kwargs.items()]

    def samples(self) -> int:
        """The batch size: the leading dimension of the first array input (1 for a scalar)."""
        first = next(iter(self.arrays()), None)
        return int(first.shape[0]) if first is not None and first.ndim else 1


_DTYPES = {
    "float16": np.float16, "float32": np.float32, "float64": np.float64, "float": np.float32,
    "double": np.float64, "half": np.float16, "int8": np.int8, "int16": np.int16, "int32": np.int32,
    "int64": np.int64, "long": np.int64, "int": np.int64, "uint8": np.uint8, "bool": np.bool_,
}
_SPEC = re.compile(
    r"^(?:(?P<name>[A-Za-z_]\w*)=)?(?P<dtype>[a-z0-9]+)\[(?P<shape>[0-9, x]*)\]"
    r"(?::(?P<lo>-?[0-9.e+-]+)\.\.(?P<hi>-?[0-9.e+-]+))?$"
)


@dataclasses.dataclass(frozen=True)
class InputSpec:
    """``[name=]dtype[d0,d1,...][:lo..hi]``: a seeded random input of that dtype and shape.

    Floats are standard normal, or uniform in [lo, hi) with a range; integers are uniform in
    [lo, hi) (default 0..10); bools are True or False with equal chance (or all ``lo`` when
    lo == hi). ``name=`` makes it a keyword input.
    """

    dtype: str
    shape: tuple[int, ...]
    low: float | None = None
    high: float | None = None
    name: str | None = None

    def draw(self, rng: np.random.Generator) -> np.ndarray:
        dt = np.dtype(_DTYPES[self.dtype])
        if dt == np.bool_:
            if self.low is not None and self.low == self.high:
                return np.full(self.shape, bool(self.low))
            return rng.random(self.shape) < 0.5
        if dt.kind in "iu":
            lo = 0 if self.low is None else int(self.low)
            hi = 10 if self.high is None else int(self.high)
            return rng.integers(lo, hi, size=self.shape).astype(dt)
        if self.low is None:
            return rng.standard_normal(self.shape).astype(dt)
        return rng.uniform(self.low, self.high, size=self.shape).astype(dt)

    def __str__(self) -> str:
        text = f"{self.dtype}[{','.join(map(str, self.shape))}]"
        if self.low is not None:
            text += f":{self.low:g}..{self.high:g}"
        return f"{self.name}={text}" if self.name else text


def parse_input_spec(text: str) -> InputSpec:
    """``int64[2,16]:0..1000``, ``bool[2,16]``, ``mask=bool[2,16]`` as an :class:`InputSpec`."""
    m = _SPEC.match(text.strip().replace(" ", ""))
    if not m:
        raise InputError(f"{text!r}: expected DTYPE[SHAPE] with an optional :LOW..HIGH, e.g. int64[2,16]:0..1000")
    if m["dtype"] not in _DTYPES:
        raise InputError(f"{text!r}: unknown dtype {m['dtype']!r} (one of {', '.join(sorted(_DTYPES))})")
    try:
        shape = tuple(int(p) for p in m["shape"].replace("x", ",").split(",") if p)
        low = float(m["lo"]) if m["lo"] is not None else None
        high = float(m["hi"]) if m["hi"] is not None else None
    except ValueError:
        raise InputError(f"{text!r}: the shape and range must be numbers") from None
    if low is not None and high is not None and high < low:
        raise InputError(f"{text!r}: the range is empty ({m['lo']}..{m['hi']})")
    kind = np.dtype(_DTYPES[m["dtype"]]).kind
    if kind in "iu" and low is not None and high == low:
        raise InputError(f"{text!r}: an integer range LOW..HIGH excludes HIGH; it is empty")
    return InputSpec(m["dtype"], shape, low, high, m["name"])


def batches_from_specs(specs: Sequence[InputSpec], n: int = 1, seed: int = 0,
                       targets: Sequence[InputSpec] = ()) -> list[Batch]:
    """``n`` seeded batches drawn from the specs (positional ones in order, then keyword ones)."""
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n):
        batch = Batch()
        for spec in specs:
            value = spec.draw(rng)
            if spec.name:
                batch.kwargs[spec.name] = value
            else:
                batch.args.append(value)
        if targets:
            drawn = [t.draw(rng) for t in targets]
            batch.target = drawn[0] if len(drawn) == 1 else tuple(drawn)
        out.append(batch)
    return out


def as_batch(value: Any) -> Batch:
    """One batch from what an inputs function returned: an array (one positional input), a tuple
    (positional inputs), a dict (keyword inputs), an ``(args, dict)`` pair (positional inputs --
    one array or a tuple -- and keyword ones), or a dict with only
    the keys ``args``/``kwargs``/``target``."""
    if isinstance(value, Batch):
        return value
    if isinstance(value, dict):
        if value and set(value) <= {"args", "kwargs", "target"} and ({"args", "kwargs"} & set(value)):
            args = value.get("args", ())
            return Batch([_array(a) for a in (args if isinstance(args, (list, tuple)) else [args])],
                         {k: _array(v) for k, v in dict(value.get("kwargs", {})).items()}, _array(value.get("target")))
        return Batch([], {str(k): _array(v) for k, v in value.items()})
    if isinstance(value, tuple):
        if len(value) == 2 and isinstance(value[1], dict):
            args = value[0] if isinstance(value[0], (tuple, list)) else [value[0]]
            return Batch([_array(a) for a in args], {str(k): _array(v) for k, v in value[1].items()})
        return Batch([_array(a) for a in value])
    return Batch([_array(value)])


def _array(value: Any) -> Any:
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, tuple):
        return tuple(_array(v) for v in value)
    from .compare import to_numpy

    value = to_numpy(value)
    return value if isinstance(value, np.ndarray) else np.asarray(value)


def load_batches(ref: str, *, batch_size: int | None = None, namespace: dict[str, Any] | None = None) -> list[Batch]:
    """Inputs from ``FILE.npz`` or ``FILE.py:FUNCTION``.

    ``.npz``: the key ``target`` is the target, keys ``arg0``, ``arg1``, ... positional inputs
    and every other key a keyword input; with ``batch_size``, every array is cut along its first
    axis into batches of that size (N samples, several batches).

    ``FILE.py:FUNCTION``: ``FUNCTION()`` returns one batch (see :func:`as_batch`) or a *list*
    (or generator) of batches.
    """
    if ref.endswith(".npz"):
        path = Path(ref)
        if not path.is_file():
            raise InputError(f"{ref}: no such file")
        try:
            with np.load(path, allow_pickle=False) as data:
                arrays = {k: data[k] for k in data.files}
        except Exception as exc:
            raise InputError(f"{ref}: cannot read: {type(exc).__name__}: {exc}") from None
        positional = sorted((k for k in arrays if re.fullmatch(r"arg\d+", k)), key=lambda k: int(k[3:]))
        keyword = [k for k in arrays if k not in positional and k != "target"]
        n = len(next(iter(arrays.values()))) if arrays else 0
        size = batch_size or n or 1
        out = []
        for start in range(0, max(n, 1), size):
            cut = (lambda a: a[start:start + size]) if batch_size else (lambda a: a)
            out.append(Batch([cut(arrays[k]) for k in positional], {k: cut(arrays[k]) for k in keyword},
                             cut(arrays["target"]) if "target" in arrays else None))
            if not batch_size:
                break
        return out
    from ..targets import TargetError, get_factory, import_target_module, split_target

    try:
        module_ref, name = split_target(ref)
        module, _ = import_target_module(module_ref)
        fn = get_factory(module, name, ref)
    except TargetError as exc:
        raise InputError(str(exc)) from None
    except Exception as exc:
        raise InputError(f"{ref}: import failed: {type(exc).__name__}: {exc}") from None
    try:
        value = fn()
    except Exception as exc:
        raise InputError(f"{ref}: {name}() failed: {type(exc).__name__}: {exc}") from None
    if isinstance(value, list) or hasattr(value, "__next__"):
        batches = [as_batch(v) for v in value]
    else:
        batches = [as_batch(value)]
    if not batches:
        raise InputError(f"{ref}: {name}() returned no batches")
    return batches


def randomize_bn_stats(
    torch_model: Any,
    seed: int = 0,
    *,
    affine: bool = True,
    inputs: Sequence[Any] | None = None,
) -> Any:
    """Give every normalisation layer non-trivial statistics (and affine parameters).

    Fresh BatchNorm layers have mean 0 and variance 1, so a port that ignores or confuses them
    would still match. With ``affine``, the scale of every BatchNorm/InstanceNorm/GroupNorm/
    LayerNorm is drawn from U(0.5, 1.5) and the shift from N(0, 0.1^2).

    Without ``inputs``, running means are drawn from N(0, 0.1^2) and variances from U(0.5, 1.5).
    With ``inputs`` (a list of positional arguments), the running statistics are measured on
    them in one eval-mode forward pass, layer by layer in the order the layers run: each layer's
    statistics are those of the input it receives from the layers before it, already set, and
    are then perturbed (variances scaled by U(0.5, 1.5), means shifted by N(0, 0.1^2) standard
    deviations) before the layer computes. Eval mode then normalizes every layer's actual input
    to about unit scale, as a trained network does. Measuring all layers at once in train mode
    and perturbing them afterwards does not: every perturbation moves the inputs of the layers
    after it off their measured statistics, and the errors compound through a deep residual
    network (SENet-154 at 224x224: logits of 3e4, and torch's own float32 and float64 runs of
    the same weights differ by 1.8e4, so no comparison means anything). Drawn statistics are
    worse still (ResNet-152's logits: about 1e11). A layer whose input has fewer than two values
    per channel, or a model that cannot run on ``inputs``, keeps drawn statistics.

    Deterministic for a given ``seed``; returns the model.
    """
    import torch
    from torch.nn.modules.batchnorm import _NormBase

    norms = [m for m in torch_model.modules() if isinstance(m, (_NormBase, torch.nn.GroupNorm, torch.nn.LayerNorm))]
    g = torch.Generator().manual_seed(seed)

    def like(t: Any, draw: Callable[..., Any]) -> Any:
        return draw(t.shape, generator=g, dtype=torch.float32).to(t.dtype)

    with torch.no_grad():
        if affine:
            for module in norms:
                weight = getattr(module, "weight", None)
                bias = getattr(module, "bias", None)
                if isinstance(weight, torch.Tensor):
                    weight.copy_(like(weight, torch.rand) + 0.5)
                if isinstance(bias, torch.Tensor):
                    bias.copy_(like(bias, torch.randn) * 0.1)
        tracked = [m for m in norms if isinstance(getattr(m, "running_var", None), torch.Tensor)]

        def drawn(module: Any) -> None:
            module.running_mean.copy_(like(module.running_mean, torch.randn) * 0.1)
            module.running_var.copy_(like(module.running_var, torch.rand) + 0.5)

        def measured(module: Any, x: Any) -> None:
            dims = [d for d in range(x.dim()) if d != 1]
            if x.dim() < 2 or x.numel() // max(1, x.shape[1]) < 2 or x.shape[1] != module.running_mean.numel():
                drawn(module)
                return
            var, mean = torch.var_mean(x.detach().to(module.running_var.dtype), dim=dims)
            std = var.sqrt()
            module.running_mean.copy_(mean + like(mean, torch.randn) * 0.1 * std)
            module.running_var.copy_(var * (like(var, torch.rand) + 0.5))

        if inputs is None or not tracked or not _measure_running_stats(torch_model, tracked, inputs, measured):
            for module in tracked:
                drawn(module)
    return torch_model


def _measure_running_stats(torch_model: Any, tracked: list[Any], inputs: Sequence[Any],
                           measured: Callable[[Any, Any], None]) -> bool:
    """One eval-mode pass in which each layer of ``tracked``, when first called, has its running
    statistics set by ``measured(layer, its input)`` before it computes; a layer the pass never
    calls is given a 0-d input (``measured`` draws its statistics). False: the model did not run."""
    import torch

    was_training = torch_model.training
    tensors = [x if isinstance(x, torch.Tensor) else torch.from_numpy(np.array(x)) for x in inputs]
    seen: set[int] = set()

    def pre_hook(module: Any, args: tuple[Any, ...]) -> None:
        if id(module) in seen or not args or not isinstance(args[0], torch.Tensor):
            return
        seen.add(id(module))
        measured(module, args[0])

    handles = [m.register_forward_pre_hook(pre_hook) for m in tracked]
    try:
        torch_model.eval()
        with torch.no_grad():
            torch_model(*tensors)
    except Exception:
        return False
    finally:
        for handle in handles:
            handle.remove()
        torch_model.train(was_training)
    for module in tracked:
        if id(module) not in seen:
            measured(module, torch.zeros(()))
    return True


def make_inputs(shapes: Sequence[Sequence[int]], seed: int = 0) -> list[np.ndarray]:
    """Standard normal float32 inputs of the given shapes, the same for a given ``seed``."""
    rng = np.random.default_rng(seed)
    return [rng.standard_normal(tuple(shape), dtype=np.float32) for shape in shapes]


# ------------------------------------------------------------------ calling a model ----

def _framework_value(value: Any, convert: Callable[[np.ndarray], Any]) -> Any:
    if isinstance(value, np.ndarray):
        return convert(value.copy())
    if isinstance(value, (list, tuple)):
        return type(value)(_framework_value(v, convert) for v in value)
    if isinstance(value, dict):
        return {k: _framework_value(v, convert) for k, v in value.items()}
    return value


def torch_call(batch: Batch) -> tuple[list[Any], dict[str, Any]]:
    """The batch's arguments as torch tensors."""
    import torch

    return _framework_value(batch.args, torch.from_numpy), _framework_value(batch.kwargs, torch.from_numpy)


def paddle_call(batch: Batch) -> tuple[list[Any], dict[str, Any]]:
    """The batch's arguments as Paddle tensors."""
    import paddle

    return _framework_value(batch.args, paddle.to_tensor), _framework_value(batch.kwargs, paddle.to_tensor)
