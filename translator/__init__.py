"""torch2paddle: translate PyTorch source to PaddlePaddle, convert weights, verify the result.

Library use::

    import translator
    t = translator.translate_source(code, path="model.py")
    t.code, t.status, t.diagnostics
    translator.translate_path("src/", "out/")             # -> list[Translation]
    translator.convert_state_dict(state_dict, paddle_layer)  # -> dict[str, numpy.ndarray]
    translator.verify(torch_model, paddle_model, inputs, atol=1e-5, rtol=1e-5)

Translation needs only libcst; weight conversion and verification import numpy, paddle (and
torch for verify) when first used.  On a core install (without the ``verify`` extra) they are
still names here (``from translator import *`` works), and calling one says what to install.
"""

from __future__ import annotations

from typing import Any

from .diagnostics import MARKER, Diagnostic, Severity, Status, Translation

__all__ = [
    "MARKER",
    "Diagnostic",
    "Severity",
    "Status",
    "Translation",
    "convert_state_dict",
    "translate_path",
    "translate_source",
    "verify",
]
__version__ = "0.1.0"


def __getattr__(name: str) -> Any:
    # the engine loads libcst: import it on first use, so that a CLI run answered from the
    # cache (and ``import translator.cli``) starts fast
    if name == "translate_source":
        from .translate import translate_source

        return translate_source
    if name == "translate_path":
        from .paths import translate_path

        return translate_path
    # weight conversion and verification pull in numpy/paddle/torch: import them on first use
    try:
        if name == "convert_state_dict":
            from .weights import convert_state_dict

            return convert_state_dict
        if name == "verify":
            from .verify import verify

            return verify
    except ModuleNotFoundError as exc:
        missing = (exc.name or "").split(".")[0]
        if missing not in ("numpy", "torch", "torchvision", "paddle", "safetensors"):
            raise
        return _needs_extra(name, missing)
    raise AttributeError(f"module 'translator' has no attribute {name!r}")


def _needs_extra(name: str, missing: str) -> Any:
    """A stand-in for ``name`` on a core install: calling it says which extra to install."""

    def unavailable(*args: Any, **kwargs: Any) -> Any:
        raise ModuleNotFoundError(
            f'translator.{name} needs {missing}, which is not installed: pip install "torch2paddle[verify]"',
            name=missing,
        )

    unavailable.__name__ = unavailable.__qualname__ = name
    return unavailable
