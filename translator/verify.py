"""Check that a Paddle port computes what the torch model computes, and name where it does not.

``verify(torch_model, paddle_model, inputs)`` copies the torch weights into the Paddle model
(through :mod:`translator.weights`, so the rule table decides names and transpositions), runs
both in eval mode on the same inputs and compares every output leaf. On a mismatch it runs both
again with forward hooks on every sublayer, matched by name, and reports the first layer (in
the order layers finish) whose output differs, and whether that layer's inputs still agreed.

``compare_init(torch_model, paddle_model)`` checks initialisation instead: no weights are
copied; every parameter's distribution is compared (constants exactly, random tensors by mean,
standard deviation and kurtosis within sampling error).

``main_verify(argv)`` is ``torch2paddle verify``: it imports the torch target, translates its
source with :func:`translator.translate_source` (or takes an existing port with ``--paddle``),
builds both models and runs one of the two checks. Exit codes: 0 match, 1 mismatch (including
a translation that does not import or run), 2 bad input.

torch, torchvision and paddle are imported when first needed, never at import time.
"""

from __future__ import annotations

import argparse
import ast
import contextlib
import copy
import dataclasses
import hashlib
import importlib
import importlib.util
import io
import json
import math
import os
import shutil
import sys
import tempfile
import time
import traceback
import warnings
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence

import numpy as np

__all__ = [
    "InitReport",
    "LayerDiff",
    "LeafDiff",
    "ParamStats",
    "TargetError",
    "VerifyReport",
    "build_paddle_model",
    "compare_init",
    "load_module_from_file",
    "load_translated_module",
    "locate_divergence",
    "load_torchvision_module",
    "main_verify",
    "make_inputs",
    "randomize_bn_stats",
    "verify",
]


class TargetError(ValueError):
    """A ``FILE.py:FACTORY`` / ``module:FACTORY`` target cannot be found or loaded (exit 2)."""


# --------------------------------------------------------------------------------------------
# Importing targets


# torchvision registers fake kernels for these operators at import time; when its compiled
# library does not load next to the installed torch, the operators do not exist and the import
# fails. Defining their schemas (taken from torchvision's C++ registrations) lets the
# pure-Python model code import; the operators themselves still cannot run.
_TORCHVISION_SCHEMAS = {
    "nms": "nms(Tensor dets, Tensor scores, float iou_threshold) -> Tensor",
    "qnms": "qnms(Tensor dets, Tensor scores, float iou_threshold) -> Tensor",
}
_torchvision_library: Any = None  # the torch.library.Library must stay alive


def _import_torchvision() -> Any:
    """Import torchvision, defining missing operator schemas if its compiled ops fail to load."""
    global _torchvision_library
    if "torchvision" in sys.modules and hasattr(sys.modules["torchvision"], "models"):
        return sys.modules["torchvision"]
    import torch

    defined: list[str] = []
    for _ in range(len(_TORCHVISION_SCHEMAS) + 1):
        try:
            import torchvision
        except RuntimeError as exc:
            op = _missing_torchvision_op(str(exc))
            if op is None or op not in _TORCHVISION_SCHEMAS or op in defined:
                raise
            for name in [n for n in sys.modules if n == "torchvision" or n.startswith("torchvision.")]:
                del sys.modules[name]
            if _torchvision_library is None:
                _torchvision_library = torch.library.Library("torchvision", "DEF")
            # Define all known schemas at once: the next import would stop at the next one.
            for name, schema in _TORCHVISION_SCHEMAS.items():
                if name not in defined:
                    _torchvision_library.define(schema)
                    defined.append(name)
            continue
        if defined:
            warnings.warn(
                "torchvision's compiled ops could not be loaded with this torch; defined the "
                f"schemas of torchvision::{', torchvision::'.join(defined)} so its pure-Python models "
                "import (detection ops such as nms will not run)",
                RuntimeWarning,
                stacklevel=3,
            )
        return torchvision
    raise ImportError("torchvision could not be imported")


def _missing_torchvision_op(message: str) -> str | None:
    marker = "operator torchvision::"
    if marker not in message:
        return None
    rest = message.split(marker, 1)[1]
    return rest.split()[0].strip("'\".,")


def load_torchvision_module(name: str) -> Any:
    """Import a torchvision module (``"resnet"``, ``"models.resnet"`` or the full dotted name).

    Works where torchvision's compiled ops do not load next to the installed torch: their
    schemas are defined first and a ``RuntimeWarning`` says that the ops are unavailable.
    """
    if name.startswith("torchvision"):
        dotted = name
    elif "." in name:
        dotted = f"torchvision.{name}"
    else:
        dotted = f"torchvision.models.{name}"
    _import_torchvision()
    return importlib.import_module(dotted)


def _torchvision_root() -> Path | None:
    spec = importlib.util.find_spec("torchvision")
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(list(spec.submodule_search_locations)[0]).resolve()


def _torchvision_dotted_name(path: Path) -> str | None:
    """``torchvision.models.resnet`` for a file inside the installed torchvision, else None."""
    root = _torchvision_root()
    if root is None:
        return None
    try:
        rel = path.resolve().relative_to(root)
    except ValueError:
        return None
    parts = list(rel.with_suffix("").parts)
    if parts and parts[-1] == "__init__":
        parts.pop()
    return ".".join(["torchvision", *parts])


def _split_target(spec: str) -> tuple[str, str]:
    module, sep, factory = spec.rpartition(":")
    if not sep or not module or not factory.isidentifier():
        raise TargetError(f"{spec}: expected FILE.py:FACTORY or dotted.module:FACTORY")
    return module, factory


def _is_path(module: str) -> bool:
    return module.endswith(".py") or os.sep in module or "/" in module


def load_module_from_file(path: str | os.PathLike[str], name: str | None = None) -> Any:
    """Import a Python file.

    A file inside a package (its folder has ``__init__.py``) is imported as part of that
    package, so its relative imports work; the package is registered under a name derived from
    its location (``_t2p_pkg_<name>_<hash>``), so it cannot clash with another package of the
    same name. Any other file is imported as a fresh module named ``name`` (its folder is on
    ``sys.path`` while it imports).
    """
    path = Path(path).resolve()
    root = _package_root(path)
    if root is not None:
        return _import_from_package(path, root)
    if name is None:
        name = f"_t2p_{path.stem}_{_digest(path)}"
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise TargetError(f"{path}: cannot be imported as a Python module")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    folder = str(path.parent)
    sys.path.insert(0, folder)
    try:
        spec.loader.exec_module(module)
    except BaseException:
        sys.modules.pop(name, None)
        raise
    finally:
        with contextlib.suppress(ValueError):
            sys.path.remove(folder)
    return module


def _digest(path: Path) -> str:
    return hashlib.sha1(str(path).encode()).hexdigest()[:8]


def _package_root(path: Path) -> Path | None:
    """The outermost package folder containing ``path``, or None outside a package."""
    root = None
    folder = path.parent
    while (folder / "__init__.py").is_file():
        root = folder
        folder = folder.parent
    return root


def _import_from_package(path: Path, root: Path) -> Any:
    alias = f"_t2p_pkg_{root.name}_{_digest(root)}"
    if alias not in sys.modules:
        spec = importlib.util.spec_from_file_location(
            alias, root / "__init__.py", submodule_search_locations=[str(root)]
        )
        if spec is None or spec.loader is None:
            raise TargetError(f"{root}: cannot be imported as a package")
        package = importlib.util.module_from_spec(spec)
        sys.modules[alias] = package
        try:
            spec.loader.exec_module(package)
        except BaseException:
            sys.modules.pop(alias, None)
            raise
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts and parts[-1] == "__init__":
        parts.pop()
    return importlib.import_module(".".join([alias, *parts]))


def _import_target_module(module: str) -> tuple[Any, Path | None]:
    """Import a target's module; return it and its source file. Import errors propagate."""
    if _is_path(module):
        path = Path(module)
        if not path.is_file():
            raise TargetError(f"{module}: no such file")
        dotted = _torchvision_dotted_name(path)
        if dotted is not None:
            return load_torchvision_module(dotted), path
        return load_module_from_file(path), path
    if module.split(".")[0] == "torchvision":
        mod = load_torchvision_module(module)
    else:
        # Like `python -m`, a dotted target is looked up from the current folder too (the
        # `torch2paddle` script's sys.path does not include it).
        cwd = os.getcwd()
        sys.path.insert(0, cwd)
        try:
            mod = importlib.import_module(module)
        except ModuleNotFoundError as exc:
            if exc.name and module.startswith(exc.name):
                raise TargetError(f"{module}: no such module") from None
            raise
        finally:
            sys.path.remove(cwd)
    source = getattr(mod, "__file__", None)
    return mod, Path(source) if source else None


def _factory(module: Any, name: str, spec: str) -> Callable[..., Any]:
    factory = getattr(module, name, None)
    if not callable(factory):
        raise TargetError(f"{spec}: the module has no callable {name!r}")
    return factory


def build_paddle_model(spec: str, kwargs: dict[str, Any] | None = None, *, lazy: bool = False) -> Any:
    """Import ``FILE.py:FACTORY`` (or ``module:FACTORY``) and return ``FACTORY(**kwargs)``.

    Any failure (no such file, module or factory; the code raising while importing or
    building) is a :class:`TargetError` naming the target. With ``lazy``, the model is built
    under ``paddle.LazyGuard`` so its parameters get names and shapes but are not initialised
    (all the weight converter needs); if that fails, it is built normally.
    """
    module, name = _split_target(spec)
    try:
        mod, _ = _import_target_module(module)
    except TargetError:
        raise
    except Exception as exc:
        raise TargetError(f"{spec}: import failed: {type(exc).__name__}: {exc}") from exc
    factory = _factory(mod, name, spec)
    if lazy:
        import paddle

        guard = getattr(paddle, "LazyGuard", None)
        if guard is not None:
            try:
                with guard():
                    return factory(**(kwargs or {}))
            except Exception:
                pass  # some code cannot run on uninitialised parameters: build it for real
    try:
        return factory(**(kwargs or {}))
    except Exception as exc:
        raise TargetError(f"{spec}: {name}() failed: {type(exc).__name__}: {exc}") from exc


# --------------------------------------------------------------------------------------------
# Preparing the models and inputs


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
    With ``inputs`` (a list of positional arguments), the running statistics are first measured
    on them, as training would (one forward pass in train mode), and then perturbed: variances
    scaled by U(0.5, 1.5), means shifted by N(0, 0.1^2) standard deviations. Measured statistics
    keep a deep untrained network's activations far smaller than drawn ones (ResNet-152's
    logits at 224x224: about 1e3 against 1e11), which keeps float32 rounding small. If the model
    cannot run in train mode on ``inputs`` (a BatchNorm1d over a batch of one), the drawn
    statistics are used instead.

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
        if inputs is not None and tracked and _measure_running_stats(torch_model, tracked, inputs):
            for module in tracked:
                std = module.running_var.sqrt()
                module.running_mean.add_(like(module.running_mean, torch.randn) * 0.1 * std)
                module.running_var.mul_(like(module.running_var, torch.rand) + 0.5)
        else:
            for module in tracked:
                module.running_mean.copy_(like(module.running_mean, torch.randn) * 0.1)
                module.running_var.copy_(like(module.running_var, torch.rand) + 0.5)
    return torch_model


def _measure_running_stats(torch_model: Any, tracked: list[Any], inputs: Sequence[Any]) -> bool:
    """One train-mode pass that sets each layer's running stats to its batch statistics."""
    import torch

    was_training = torch_model.training
    momenta = [m.momentum for m in tracked]
    tensors = [x if isinstance(x, torch.Tensor) else torch.from_numpy(np.array(x)) for x in inputs]
    try:
        for m in tracked:
            m.reset_running_stats()
            m.momentum = None  # cumulative average: after one batch, exactly its statistics
        torch_model.train()
        torch_model(*tensors)
        return True
    except Exception:
        for m in tracked:
            m.reset_running_stats()
        return False
    finally:
        for m, momentum in zip(tracked, momenta):
            m.momentum = momentum
        torch_model.train(was_training)


def make_inputs(shapes: Sequence[Sequence[int]], seed: int = 0) -> list[np.ndarray]:
    """Standard normal float32 inputs of the given shapes, the same for a given ``seed``."""
    rng = np.random.default_rng(seed)
    return [rng.standard_normal(tuple(shape), dtype=np.float32) for shape in shapes]


# --------------------------------------------------------------------------------------------
# Comparing outputs


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

    def message(self) -> str:
        call = f" (call {self.call + 1})" if self.call else ""
        text = f"{self.name}{call} [torch {self.torch_type} / paddle {self.paddle_type}]"
        if self.problem:
            text += f": {self.problem}"
        else:
            text += f": max abs diff {_fmt(self.max_abs)}, max rel diff {_fmt(self.max_rel)}"
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
    input_shapes: list[tuple[int, ...]] = dataclasses.field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return _jsonable(dataclasses.asdict(self))

    def format_table(self) -> str:
        shapes = ", ".join("x".join(map(str, s)) for s in self.input_shapes)
        lines = [
            f"verify {self.target or 'model'}"
            + (f"  (input {shapes}" if shapes else "  (")
            + f"; atol {self.atol:g}, rtol {self.rtol:g})",
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
                f"{leaf.path:24}{_fmt(leaf.max_abs):>14}{_fmt(leaf.max_rel):>14}{_fmt(leaf.float64_max_abs):>14}  "
                f"{str(shape):<18}"
                + ("yes" if leaf.ok else "NO" + (f" ({leaf.problem})" if leaf.problem else ""))
            )
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


def _fmt(value: float | None) -> str:
    if value is None:
        return "-"
    if value == 0:
        return "0"
    return f"{value:.3g}" if math.isfinite(value) else str(value)


def _num(value: int | None) -> str:
    return "-" if value is None else f"{value:,}"


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, (np.integer, np.floating)):
        return value.item()
    return value


def _to_numpy(value: Any) -> Any:
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


def _leaves(value: Any, path: str = "out") -> list[tuple[str, Any]]:
    """Flatten an output into ``(path, leaf)`` pairs: tuples, lists and dicts are opened."""
    if isinstance(value, dict):
        out = []
        for key, item in value.items():
            out += _leaves(item, f"{path}[{key!r}]")
        return out
    if isinstance(value, (tuple, list)):
        out = []
        for i, item in enumerate(value):
            out += _leaves(item, f"{path}[{i}]")
        return out
    return [(path, _to_numpy(value))]


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


def _compare_outputs(a: Any, b: Any, atol: float, rtol: float) -> list[LeafDiff]:
    left, right = dict(_leaves(a)), dict(_leaves(b))
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


def _count_params_torch(model: Any) -> int:
    return sum(int(p.numel()) for p in model.parameters() if p.requires_grad)


def _count_params_paddle(model: Any) -> int:
    return sum(int(np.prod(p.shape)) for p in model.parameters() if not p.stop_gradient)


def _flops_torch(model: Any, inputs: Sequence[Any]) -> int:
    import torch
    from torch.utils.flop_counter import FlopCounterMode

    with torch.no_grad(), FlopCounterMode(display=False) as counter:
        model(*inputs)
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


def _as_input_list(inputs: Any) -> list[np.ndarray]:
    if isinstance(inputs, (list, tuple)):
        return [np.asarray(_to_numpy(x)) for x in inputs]
    return [np.asarray(_to_numpy(inputs))]


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

    ``inputs`` is one array or a list of arrays (positional arguments; numpy or torch). Outputs
    are compared leaf by leaf (tuples, lists and dicts are opened) with
    ``|paddle - torch| <= atol + rtol * |torch|``. The models must also have the same number of
    trainable parameters.

    When float32 outputs differ beyond the tolerance, copies of both models are run again in
    float64 (``recheck_float64``): if they agree there, the float32 difference is rounding and
    the result is a match (``report.precision == "float64"``). On a mismatch, with ``locate``,
    the first diverging layer is named (from the float64 run when there was one). The models
    passed in are not converted.
    """
    import paddle
    import torch

    report = VerifyReport(match=False, atol=atol, rtol=rtol)
    arrays = _as_input_list(inputs)
    report.input_shapes = [tuple(a.shape) for a in arrays]
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

    t_inputs = [torch.from_numpy(a.copy()) for a in arrays]
    p_inputs = [paddle.to_tensor(a.copy()) for a in arrays]
    with torch.no_grad():
        t_out, report.time_torch_ms = _run_timed(lambda: torch_model(*t_inputs))
    try:
        with paddle.no_grad():
            p_out, report.time_paddle_ms = _run_timed(lambda: paddle_model(*p_inputs))
    except Exception as exc:
        report.errors.append(f"paddle forward raised {type(exc).__name__}: {exc}")
        report.notes.append(_short_traceback(exc))
        return report

    report.outputs = _compare_outputs(t_out, p_out, atol, rtol)
    report.match = not report.errors and all(leaf.ok for leaf in report.outputs)

    # float32 rounding alone can exceed 1e-5 on a deep network whose activations reach the
    # hundreds. Running both sides again in float64 tells rounding from a real difference, and
    # gives the layer-by-layer search noise-free values.
    models64 = None
    numeric = all(leaf.ok or leaf.max_abs is not None for leaf in report.outputs)
    if not report.match and not report.errors and numeric and recheck_float64:
        try:
            models64 = _float64_copies(torch_model, paddle_model)
            with _default_float64():
                outs64 = _run_both(*models64, _as_float64(arrays))
        except Exception as exc:
            models64 = None
            report.notes.append(f"could not re-run in float64 ({type(exc).__name__}: {exc}); judged in float32")
        else:
            by_path = {d.path: d for d in _compare_outputs(*outs64, atol, rtol)}
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
        t_m, p_m, xs = (*models64, _as_float64(arrays)) if models64 else (torch_model, paddle_model, arrays)
        try:
            with _default_float64() if models64 else contextlib.nullcontext():
                report.first_divergence, report.layers_compared = locate_divergence(t_m, p_m, xs, atol=atol, rtol=rtol)
        except Exception as exc:  # locating is a diagnosis; never hide the mismatch behind it
            report.notes.append(f"could not compare layer by layer: {type(exc).__name__}: {exc}")
    if count_flops:
        try:
            report.flops_torch = _flops_torch(torch_model, t_inputs)
        except Exception as exc:
            report.notes.append(f"torch FLOP count failed: {type(exc).__name__}: {exc}")
        if len(arrays) == 1:
            try:
                report.flops_paddle = _flops_paddle(paddle_model, arrays[0].shape)
            except Exception as exc:
                report.notes.append(f"paddle.flops failed: {type(exc).__name__}: {exc}")
        else:
            report.notes.append("paddle.flops takes a single input; FLOPs not counted for paddle")
        if report.flops_torch is not None and report.flops_paddle is not None:
            report.notes.append(
                "FLOPs are counted by each framework's own tool: torch counts a multiply-add as 2, "
                "paddle.flops counts it as 1 and adds normalisation/activation ops"
            )
    return report


def _run_both(torch_model: Any, paddle_model: Any, arrays: Sequence[np.ndarray]) -> tuple[Any, Any]:
    import paddle
    import torch

    with torch.no_grad():
        t_out = torch_model(*[torch.from_numpy(a.copy()) for a in arrays])
    with paddle.no_grad():
        p_out = paddle_model(*[paddle.to_tensor(a.copy()) for a in arrays])
    return t_out, p_out


def _float64_copies(torch_model: Any, paddle_model: Any) -> tuple[Any, Any]:
    t64 = copy.deepcopy(torch_model).double().eval()
    p64 = copy.deepcopy(paddle_model)
    p64.to(dtype="float64")
    p64.eval()
    return t64, p64


def _as_float64(arrays: Sequence[np.ndarray]) -> list[np.ndarray]:
    return [a.astype(np.float64) if a.dtype.kind == "f" else a for a in arrays]


@contextlib.contextmanager
def _default_float64() -> Iterable[None]:
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


def _copy_weights(torch_model: Any, paddle_model: Any, report: VerifyReport) -> None:
    from translator.weights import convert_state_dict_report

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
        self.inputs.setdefault(name, []).append(_leaves(args, "in"))

    def post(self, name: str, output: Any) -> None:
        calls = self.outputs.setdefault(name, [])
        self.order.append((name, len(calls)))
        calls.append(_leaves(output))


def locate_divergence(
    torch_model: Any,
    paddle_model: Any,
    inputs: Sequence[np.ndarray],
    *,
    atol: float = 1e-5,
    rtol: float = 1e-5,
) -> tuple[LayerDiff | None, int]:
    """Run both models with hooks; return the first layer whose output differs and how many
    layer outputs were compared. Layers are matched by their attribute path (``layer1.0.conv2``);
    the top-level model itself is not compared.
    """
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
        _run_both(torch_model, paddle_model, inputs)
    finally:
        for h in handles:
            h.remove()

    compared = 0
    for name, call in t_rec.order:
        p_calls = p_rec.outputs.get(name)
        if p_calls is None or call >= len(p_calls):
            continue
        compared += 1
        diffs = _compare_outputs_leaves(t_rec.outputs[name][call], p_calls[call], atol, rtol)
        bad = [d for d in diffs if not d.ok]
        if not bad:
            continue
        worst = bad[0]
        inputs_agree = None
        t_in = t_rec.inputs.get(name, [])
        p_in = p_rec.inputs.get(name, [])
        if call < len(t_in) and call < len(p_in):
            inputs_agree = all(d.ok for d in _compare_outputs_leaves(t_in[call], p_in[call], atol, rtol))
        return (
            LayerDiff(
                name, call, t_rec.types.get(name, "?"), p_rec.types.get(name, "?"),
                worst.max_abs, worst.max_rel, inputs_agree, worst.problem,
            ),
            compared,
        )
    return None, compared


def _compare_outputs_leaves(a: list[tuple[str, Any]], b: list[tuple[str, Any]], atol: float, rtol: float) -> list[LeafDiff]:
    right = dict(b)
    out = []
    for path, value in a:
        if path in right:
            out.append(_diff(value, right[path], atol, rtol, path))
        else:
            out.append(LeafDiff(path, None, None, None, None, False, "output structure differs"))
    return out


# --------------------------------------------------------------------------------------------
# Initialisation check


@dataclasses.dataclass
class ParamStats:
    """One parameter's initial values on both sides, and whether their distributions agree."""

    name: str  # the Paddle name
    source: str  # the torch name
    kind: str  # "constant" or "random"
    size: int
    torch_mean: float
    torch_std: float
    paddle_mean: float
    paddle_std: float
    ok: bool
    problem: str = ""


@dataclasses.dataclass
class InitReport:
    match: bool
    sigmas: float
    params: list[ParamStats] = dataclasses.field(default_factory=list)
    errors: list[str] = dataclasses.field(default_factory=list)
    target: str = ""

    def to_dict(self) -> dict[str, Any]:
        return _jsonable(dataclasses.asdict(self))

    def format_table(self) -> str:
        lines = [
            f"verify --init {self.target or 'model'}  (random parameters agree within {self.sigmas:g} "
            "standard errors in mean, std and kurtosis; constants exactly)",
            "",
            f"{'parameter':40}{'kind':>9}{'size':>10}{'torch mean/std':>24}{'paddle mean/std':>24}  ok",
        ]
        for p in self.params:
            lines.append(
                f"{p.name:40}{p.kind:>9}{p.size:>10}"
                f"{_fmt(p.torch_mean) + ' / ' + _fmt(p.torch_std):>24}"
                f"{_fmt(p.paddle_mean) + ' / ' + _fmt(p.paddle_std):>24}  "
                + ("yes" if p.ok else "NO: " + p.problem)
            )
        lines += [f"error: {e}" for e in self.errors]
        bad = sum(not p.ok for p in self.params)
        lines += ["", f"{len(self.params) - bad}/{len(self.params)} parameters agree",
                  "result: " + ("MATCH" if self.match else "MISMATCH")]
        return "\n".join(lines)


def _moments(x: np.ndarray) -> tuple[float, float, float]:
    x = x.astype(np.float64).reshape(-1)
    mean = float(x.mean())
    std = float(x.std())
    kurt = float(((x - mean) ** 4).mean() / std**4 - 3.0) if std > 0 else 0.0
    return mean, std, kurt


def _compare_distribution(t: np.ndarray, p: np.ndarray, sigmas: float) -> tuple[str, bool, str]:
    """``(kind, ok, problem)`` for torch values ``t`` and Paddle values ``p`` of one parameter."""
    if t.size == 0:
        return "constant", True, ""
    if t.dtype == bool or np.all(t == t.reshape(-1)[0]):
        if np.array_equal(t, p):
            return "constant", True, ""
        value = t.reshape(-1)[0].item()
        return "constant", False, f"torch is constant {value!r}, paddle differs"
    n = t.size
    mt, st, kt = _moments(t)
    mp, sp, kp = _moments(p)
    if sp == 0:
        return "random", False, f"paddle is constant {p.reshape(-1)[0].item()!r}, torch is random"
    # Two independent samples of size n: standard errors of the differences.
    se_mean = math.sqrt((st**2 + sp**2) / n)
    se_std = st * math.sqrt(1.0 / n)  # sqrt(2) * st / sqrt(2n)
    problems = []
    if abs(mp - mt) > sigmas * se_mean:
        problems.append(f"mean {mp:.4g} vs {mt:.4g}")
    if abs(sp - st) > sigmas * se_std + 1e-12:
        problems.append(f"std {sp:.4g} vs {st:.4g}")
    if n >= 1000 and abs(kp - kt) > sigmas * math.sqrt(48.0 / n):
        problems.append(f"kurtosis {kp:.3g} vs {kt:.3g} (a different distribution family)")
    return "random", not problems, "; ".join(problems)


def compare_init(torch_model: Any, paddle_model: Any, *, sigmas: float = 6.0) -> InitReport:
    """Compare the two models' initial parameters and buffers, with no weight copy.

    Names are mapped (and Linear weights transposed) as the weight converter does. A tensor
    that is constant in torch must be exactly the same in Paddle; a random one must agree in
    mean and standard deviation (and, from 1000 values on, kurtosis, which tells a normal from
    a uniform initialiser) within ``sigmas`` standard errors of two samples of that size.
    """
    from translator.weights import convert_state_dict_report

    report = InitReport(match=False, sigmas=sigmas)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        conv = convert_state_dict_report(torch_model.state_dict(), paddle_model)
    report.errors += conv.problems()
    back = {dst: src for src, dst in conv.renamed.items()}
    paddle_state = {k: _to_numpy(v) for k, v in paddle_model.state_dict().items()}
    for name, t_value in conv.state_dict.items():
        p_value = paddle_state[name]
        kind, ok, problem = _compare_distribution(np.asarray(t_value), p_value, sigmas)
        mt, st, _ = _moments(np.asarray(t_value)) if t_value.size else (0.0, 0.0, 0.0)
        mp, sp, _ = _moments(p_value) if p_value.size else (0.0, 0.0, 0.0)
        report.params.append(ParamStats(name, back.get(name, name), kind, int(t_value.size), mt, st, mp, sp, ok, problem))
    report.match = not report.errors and all(p.ok for p in report.params)
    return report


# --------------------------------------------------------------------------------------------
# CLI: torch2paddle verify TARGET [--paddle PADDLE_TARGET] ...


def _parse_shape(text: str) -> tuple[int, ...]:
    try:
        shape = tuple(int(part) for part in text.replace("x", ",").split(",") if part.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r}: expected comma-separated integers like 1,3,224,224") from None
    if not shape or any(d < 0 for d in shape):
        raise argparse.ArgumentTypeError(f"{text!r}: expected comma-separated non-negative integers")
    return shape


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="torch2paddle verify",
        description="Translate a torch model (or take an existing Paddle port), copy its weights, "
        "run both on the same input and compare; on a mismatch, name the first diverging layer.",
    )
    p.add_argument("target", metavar="TARGET", help="path/to/torch_file.py:factory or dotted.module:factory")
    p.add_argument("--paddle", metavar="PADDLE_TARGET", help="an existing Paddle port (FILE.py:factory) instead of translating")
    p.add_argument("--kwargs", default="{}", metavar="JSON", help="keyword arguments for both factories")
    p.add_argument(
        "--input-shape", action="append", type=_parse_shape, metavar="1,3,224,224",
        help="shape of a float32 input (repeat for several positional inputs; default 1,3,224,224)",
    )
    p.add_argument("--atol", type=float, default=1e-5)
    p.add_argument("--rtol", type=float, default=1e-5)
    p.add_argument("--seed", type=int, default=0, help="seed for the inputs and BatchNorm statistics")
    p.add_argument("--report", metavar="FILE.json", help="also write the result as JSON")
    p.add_argument("--init", action="store_true",
                   help="compare the initial parameter distributions instead (no weight copy)")
    p.add_argument("--sigmas", type=float, default=6.0, help="--init tolerance in standard errors (default 6)")
    p.add_argument("--save-translation", metavar="FILE.py", help="also write the translated source here")
    return p


class _Exit(Exception):
    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code = code


def main_verify(argv: Iterable[str] | None = None) -> int:
    """``torch2paddle verify``: 0 match, 1 mismatch, 2 bad input."""
    parser = _parser()
    try:
        args = parser.parse_args(list(argv) if argv is not None else None)
    except SystemExit as exc:
        return 0 if exc.code == 0 else 2
    workdir = None
    try:
        workdir = tempfile.mkdtemp(prefix="t2p-verify-")
        return _main_verify(args, workdir)
    except _Exit as exc:
        print(f"error: {exc}", file=sys.stderr)
        if exc.code == 1 and args.report:
            _write_json(args.report, {"match": False, "target": args.target, "errors": [str(exc)]})
        return exc.code
    finally:
        if workdir is not None:
            shutil.rmtree(workdir, ignore_errors=True)


def _main_verify(args: argparse.Namespace, workdir: str) -> int:
    import paddle
    import torch

    try:
        kwargs = json.loads(args.kwargs)
        if not isinstance(kwargs, dict):
            raise ValueError("not a JSON object")
    except ValueError as exc:
        raise _Exit(2, f"--kwargs: {exc}") from None
    shapes = args.input_shape or [(1, 3, 224, 224)]

    # The torch side: any failure here is bad input.
    try:
        module_ref, factory_name = _split_target(args.target)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", RuntimeWarning)
            t_module, source_path = _import_target_module(module_ref)
        for w in caught:
            print(f"warning: {w.message}", file=sys.stderr)
        t_factory = _factory(t_module, factory_name, args.target)
    except TargetError as exc:
        raise _Exit(2, str(exc)) from None
    except Exception as exc:
        raise _Exit(2, f"{args.target}: import failed: {type(exc).__name__}: {exc}") from None

    # The Paddle side: a port that does not import or build is a mismatch.
    if args.paddle:
        try:
            p_module_ref, p_factory_name = _split_target(args.paddle)
            if _is_path(p_module_ref) and not Path(p_module_ref).is_file():
                raise TargetError(f"{p_module_ref}: no such file")
        except TargetError as exc:
            raise _Exit(2, str(exc)) from None
        p_label = args.paddle
        try:
            p_module, _ = _import_target_module(p_module_ref)
        except TargetError as exc:
            raise _Exit(2, str(exc)) from None
        except Exception as exc:
            raise _Exit(1, f"{args.paddle}: import failed: {type(exc).__name__}: {exc}") from None
    else:
        if source_path is None or not source_path.is_file():
            raise _Exit(2, f"{args.target}: no source file to translate")
        p_factory_name = factory_name
        p_module, p_label = _translate_and_import(source_path, workdir, args.save_translation)
    try:
        p_factory = _factory(p_module, p_factory_name, p_label)
    except TargetError as exc:
        raise _Exit(1 if not args.paddle else 2, str(exc)) from None

    torch.manual_seed(args.seed)
    try:
        t_model = t_factory(**kwargs)
    except Exception as exc:
        raise _Exit(2, f"{args.target}: {factory_name}(**{kwargs}) failed: {type(exc).__name__}: {exc}") from None
    paddle.seed(args.seed)
    try:
        p_model = p_factory(**kwargs)
    except Exception as exc:
        raise _Exit(1, f"{p_label}: {p_factory_name}(**{kwargs}) failed: {type(exc).__name__}: {exc}") from None

    if args.init:
        init = compare_init(t_model, p_model, sigmas=args.sigmas)
        init.target = args.target
        print(init.format_table())
        if args.report:
            _write_json(args.report, init.to_dict())
        return 0 if init.match else 1

    inputs = make_inputs(shapes, args.seed)
    # Statistics measured on other inputs than the compared ones (same shapes, next seed).
    randomize_bn_stats(t_model, args.seed, inputs=make_inputs(shapes, args.seed + 1))
    try:
        t_model.eval()
        with torch.no_grad():
            t_model(*[torch.from_numpy(a.copy()) for a in inputs])
    except Exception as exc:
        raise _Exit(2, f"{args.target}: the torch model fails on inputs of shape "
                       f"{', '.join(map(str, shapes))}: {type(exc).__name__}: {exc}") from None
    report = verify(t_model, p_model, inputs, atol=args.atol, rtol=args.rtol)
    report.target = args.target + (f" vs {args.paddle}" if args.paddle else " (translated)")
    print(report.format_table())
    if args.report:
        _write_json(args.report, report.to_dict())
    return 0 if report.match else 1


def load_translated_module(source_path: str | os.PathLike[str], directory: str | os.PathLike[str]) -> Any:
    """Translate a torch source file, write the result into ``directory`` and import it.

    When the translation keeps relative imports (``from .resnet import resnet50``) and the
    file is inside a package, the whole package is translated (mirrored into ``directory``)
    and the module is imported from the translated package. Returns the module; its
    ``__translation__`` attribute is the file's ``Translation``. Errors from translating or
    importing propagate.
    """
    from translator import translate_source

    source_path = Path(source_path).resolve()
    translation = translate_source(source_path.read_text(encoding="utf-8"), path=str(source_path))
    module = _import_translation(source_path, translation.code, Path(directory))
    module.__translation__ = translation
    return module


def _import_translation(source_path: Path, code: str, directory: Path) -> Any:
    root = _package_root(source_path)
    if root is None or not _has_relative_imports(code):
        out = directory / f"{source_path.stem}.py"
        out.write_text(code, encoding="utf-8")
        return load_module_from_file(out, name=f"_t2p_translated_{source_path.stem}_{_digest(out.resolve())}")
    from translator import Status, translate_path

    target = directory / root.name
    failed = [r for r in translate_path(root, target) if r.status is Status.FAILED]
    if failed:
        reasons = "; ".join(f"{d.path}: {d.message}" for r in failed for d in r.diagnostics)
        raise ImportError(f"translating the package {root} failed: {reasons}")
    translated = target / source_path.relative_to(root)
    translated.write_text(code, encoding="utf-8")  # the exact text the caller was given
    return _import_from_package(translated.resolve(), target.resolve())


def _has_relative_imports(code: str) -> bool:
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return False
    return any(isinstance(node, ast.ImportFrom) and node.level for node in ast.walk(tree))


def _translate_and_import(source_path: Path, workdir: str, save_to: str | None) -> tuple[Any, str]:
    """The CLI's :func:`load_translated_module`: failures become exit codes."""
    from translator import translate_source

    try:
        code = source_path.read_text(encoding="utf-8")
    except OSError as exc:
        raise _Exit(2, f"{source_path}: cannot read: {exc.strerror or exc}") from None
    try:
        translation = translate_source(code, path=str(source_path))
    except Exception as exc:
        raise _Exit(2, f"{source_path}: translation failed: {type(exc).__name__}: {exc}") from None
    for diag in getattr(translation, "diagnostics", ()):
        print(f"{diag}", file=sys.stderr)
    if save_to:
        Path(save_to).write_text(translation.code, encoding="utf-8")
    label = f"translation of {source_path}"
    try:
        module = _import_translation(source_path.resolve(), translation.code, Path(workdir))
    except Exception as exc:
        hint = f" (saved at {save_to})" if save_to else " (use --save-translation FILE.py to inspect it)"
        raise _Exit(1, f"{label} does not import{hint}: {type(exc).__name__}: {exc}") from None
    return module, label


def _write_json(path: str, data: dict[str, Any]) -> None:
    target = Path(path)
    tmp = target.with_name(f".{target.name}.tmp")
    tmp.write_text(json.dumps(_jsonable(data), indent=2) + "\n", encoding="utf-8")
    os.replace(tmp, target)
