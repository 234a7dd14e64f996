"""Check that a Paddle port computes what the torch model computes, and name where it does not.

``verify(torch_model, paddle_model, inputs)`` (:mod:`.check`) copies the torch weights into the
Paddle model (through :mod:`translator.weights`, so the rule table decides names and
transpositions), runs both in eval mode on the same inputs and compares every output leaf
(:mod:`.compare`). On a mismatch it runs both again with forward hooks on every sublayer,
matched by name, and reports the first layer (in the order layers finish) whose output differs,
and whether that layer's inputs still agreed.

``compare_init(torch_model, paddle_model)`` (:mod:`.init_check`) checks initialisation instead:
no weights are copied; every parameter's distribution is compared (constants exactly, random
tensors by mean, standard deviation and kurtosis within sampling error).

``main_verify(argv)`` (:mod:`.cli`) is ``torch2paddle verify``: it imports the torch target
(:mod:`translator.targets`), translates its source (:mod:`.translated`) or takes an existing
port with ``--paddle``, prepares the models and inputs (:mod:`.inputs`), builds both models and
runs one of the two checks. Exit codes: 0 match, 1 mismatch (including a translation that does
not import or run), 2 bad input.

torch, torchvision and paddle are imported when first needed, never at import time.
"""

from __future__ import annotations

import sys
import types
from typing import Any

from ..targets import TargetError, build_paddle_model, load_module_from_file, load_torchvision_module
from .check import locate_divergence, verify
from .cli import main_verify
from .compare import LayerDiff, LeafDiff, VerifyReport
from .init_check import InitReport, ParamStats, compare_init
from .inputs import make_inputs, randomize_bn_stats
from .translated import load_translated_module

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


class _CallableModule(types.ModuleType):
    """``translator.verify(...)`` is the documented library call, but importing this package
    makes the attribute ``translator.verify`` the package itself: calling the package calls
    ``verify``, so the documented spelling works whether or not the package was imported."""

    def __call__(self, *args: Any, **kwargs: Any) -> VerifyReport:
        return verify(*args, **kwargs)


sys.modules[__name__].__class__ = _CallableModule
