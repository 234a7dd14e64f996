"""Test helpers: import torchvision's pure-Python models and translated Paddle modules."""

from __future__ import annotations

import importlib.util
import sys
import types
import warnings
from pathlib import Path

import numpy as np

from translator.testing import randomize  # noqa: F401  (shared with the rule checks)


def import_torchvision_models(name: str) -> types.ModuleType:
    """``torchvision.models.<name>``, importable although torchvision's compiled ops are not."""
    from translator.verify import load_torchvision_module

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return load_torchvision_module(name)


def load_module_from_code(code: str, name: str, tmp_path: Path) -> types.ModuleType:
    path = tmp_path / f"{name}.py"
    path.write_text(code, encoding="utf-8")
    return load_script(path, name)


def load_script(path: Path, name: str) -> types.ModuleType:
    """The Python file ``path`` (a benchmark script, a generated module) imported as ``name``."""
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def torch_to_paddle(torch_model, paddle_model) -> None:
    from translator.weights import convert_state_dict

    state = {k: v.detach().cpu().numpy() for k, v in torch_model.state_dict().items()}
    converted = convert_state_dict(state, paddle_model)
    missing, unexpected = paddle_model.set_state_dict(converted)
    assert not missing and not unexpected, (missing, unexpected)


def run_both(torch_model, paddle_model, x: np.ndarray, pick=None) -> tuple[np.ndarray, np.ndarray]:  # type: ignore[no-untyped-def]
    """Both models' outputs for ``x``, in eval mode; ``pick``: the output to compare from what
    the model returns (``lambda out: out[0]``), the whole of it when None."""
    import paddle
    import torch

    pick = pick or (lambda out: out)
    torch_model.eval()
    paddle_model.eval()
    with torch.no_grad():
        t = pick(torch_model(torch.from_numpy(x))).numpy()
    with paddle.no_grad():
        p = pick(paddle_model(paddle.to_tensor(x))).numpy()
    return t, p


def assert_matches_torch(torch_model, paddle_model, x: np.ndarray, *, tol: float = 1e-4, pick=None) -> None:  # type: ignore[no-untyped-def]
    """The torch model's weights converted into the Paddle model, both run on ``x`` in eval
    mode, outputs equal within ``atol = rtol = tol``."""
    torch_to_paddle(torch_model, paddle_model)
    t_out, p_out = run_both(torch_model, paddle_model, x, pick)
    np.testing.assert_allclose(p_out, t_out, atol=tol, rtol=tol)


def assert_outputs_close(p_out, t_out, *, tol: float = 1e-5) -> None:
    """A deep float32 model's outputs, Paddle against torch: ``rtol=tol`` and an absolute
    tolerance of ``tol`` times the largest output (never below ``tol``).

    Rounding differences between the two frameworks' CPU kernels accumulate with depth: on
    ResNet-101/ResNeXt-101 with random weights, logits of magnitude ~5 differ by ~1.2e-5 to
    1.8e-5, near zero as much as elsewhere, so a fixed ``atol=1e-5`` fails by noise alone.
    """
    atol = tol * max(1.0, float(np.abs(np.asarray(t_out)).max()))
    np.testing.assert_allclose(p_out, t_out, atol=atol, rtol=tol)
