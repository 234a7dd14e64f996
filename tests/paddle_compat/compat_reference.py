"""Reference data shared by both sides of the Paddle version check (numpy and stdlib only).

``scripts/paddle_compat.py`` computes torch results in the torch environment and stores them
with the helpers here; ``tests/paddle_compat/test_compat.py`` reads them in an environment that
has a given Paddle and no torch. Model weights are not stored: both sides draw them from the
seed with :func:`model_weights`, in the order of the manifest the torch side recorded.

Layout of a reference directory::

    meta.json            versions, seeds, which models and rules are in it
    models/<module>.py   the translations of torchvision's resnet.py / squeezenet.py
    models/<factory>.npz input and torch output
    rules.json           per rule: translated snippets, inputs, layer states, the torch `out`
    rules.npz            the arrays rules.json refers to by key
"""

from __future__ import annotations

import math
from typing import Any, Iterable

import numpy as np

# parameter kinds in a model manifest
KINDS = ("weight", "bias", "bn_weight", "bn_bias", "running_mean", "running_var", "int")


def model_weights(manifest: Iterable[tuple[str, list[int], str, str]], seed: int) -> dict[str, np.ndarray]:
    """Deterministic random weights for a manifest of ``(name, shape, dtype, kind)`` rows.

    Weights with two or more dimensions: N(0, 1/fan_in); other parameters: N(0, 0.1);
    BatchNorm: weight 1 + N(0, 0.1), bias N(0, 0.1), running mean N(0, 0.1), running variance
    U(0.5, 1.5); integer buffers (``num_batches_tracked``): zeros.
    """
    rng = np.random.default_rng(seed)
    out: dict[str, np.ndarray] = {}
    for name, shape, dtype, kind in manifest:
        shape = tuple(shape)
        if kind == "int":
            value = np.zeros(shape, dtype=dtype)
        elif kind == "running_var":
            value = rng.uniform(0.5, 1.5, size=shape)
        elif kind == "bn_weight":
            value = 1.0 + 0.1 * rng.standard_normal(shape)
        elif kind == "weight" and len(shape) >= 2:
            fan_in = math.prod(shape[1:])
            value = rng.standard_normal(shape) / math.sqrt(fan_in)
        elif kind in KINDS:
            value = 0.1 * rng.standard_normal(shape)
        else:
            raise ValueError(f"{name}: unknown parameter kind {kind!r}")
        out[name] = np.asarray(value, dtype=dtype)
    return out


def version_tuple(text: str) -> tuple[int, ...]:
    """``"2.6.2"`` -> ``(2, 6, 2)``; ``"3.0"`` -> ``(3, 0, 0)`` (release parts only)."""
    parts = []
    for piece in text.strip().split(".")[:3]:
        digits = ""
        for ch in piece:
            if not ch.isdigit():
                break
            digits += ch
        parts.append(int(digits or 0))
    while len(parts) < 3:
        parts.append(0)
    return tuple(parts)


def needs_newer(min_paddle: str | None, version: str) -> bool:
    """True when a rule's ``min_paddle`` is newer than ``version``."""
    return bool(min_paddle) and version_tuple(min_paddle) > version_tuple(version)  # type: ignore[arg-type]


def dtype_name(dtype: Any) -> str:
    return str(dtype).replace("torch.", "").replace("paddle.", "")


# ------------------------------------------------------------------------------------------
# `out` trees: tensors, sequences, dicts, numbers and plain values, with arrays stored apart.
# A tensor node: {"t": "tensor", "key": npz key, "dtype": "float32", "shape": [...]}
# (bfloat16 tensors are stored as float32 and keep dtype "bfloat16").


def compare_tree(ref: dict, p: Any, arrays: Any, atol: float, rtol: float, values: bool, where: str = "out") -> None:
    """The Paddle value ``p`` against a stored torch ``out`` tree (as tests/rule_checks.compare)."""
    import paddle

    t = ref["t"]
    if t == "tensor":
        assert isinstance(p, paddle.Tensor), f"{where}: torch gave a tensor, paddle gave {type(p).__name__}"
        assert list(ref["shape"]) == list(p.shape), f"{where}: shape {ref['shape']} vs {list(p.shape)}"
        assert ref["dtype"] == dtype_name(p.dtype), f"{where}: dtype {ref['dtype']} vs {dtype_name(p.dtype)}"
        if values:
            got = p.astype("float32").numpy() if ref["dtype"] == "bfloat16" else p.numpy()
            np.testing.assert_allclose(got, arrays[ref["key"]], atol=atol, rtol=rtol, err_msg=where)
    elif t == "seq":
        assert isinstance(p, (tuple, list)), f"{where}: torch gave a sequence, paddle gave {type(p).__name__}"
        assert len(ref["items"]) == len(p), f"{where}: length {len(ref['items'])} vs {len(p)}"
        for i, (a, b) in enumerate(zip(ref["items"], p)):
            compare_tree(a, b, arrays, atol, rtol, values, f"{where}[{i}]")
    elif t == "dict":
        keys = ref["keys"]
        assert isinstance(p, dict), f"{where}: torch gave a dict, paddle gave {type(p).__name__}"
        assert set(keys) == set(p), f"{where}: keys {sorted(keys)} vs {sorted(p)}"
        for k, v in zip(keys, ref["values"]):
            compare_tree(v, p[k], arrays, atol, rtol, values, f"{where}[{k!r}]")
    elif t == "scalar":
        if isinstance(p, paddle.Tensor):
            p = p.item()
        if values:
            np.testing.assert_allclose(float(p), float(ref["value"]), atol=atol, rtol=rtol, err_msg=where)
    elif t == "value":
        assert ref["value"] == p, f"{where}: {ref['value']!r} vs {p!r}"
    else:
        raise AssertionError(f"{where}: the torch value could not be stored ({ref.get('repr')})")
