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

``verify_training(torch_model, paddle_model, batches, steps=N)`` (:mod:`.train`) compares N
training steps: the loss, every gradient by mapped name and every parameter and buffer after
each step, and names the first step, parameter and layer that diverge. Inputs of any dtype,
keyword inputs and many batches come from :mod:`.inputs` (``int64[2,16]:0..1000`` specs,
``.npz`` files, ``FILE.py:FUNCTION``); ``--loss``/``--optimizer``/``--scheduler`` torch code is
translated by :mod:`.training_code`; ``--plot`` draws with :mod:`.plot`. Lazy layers
(``nn.LazyLinear``...) are built by one forward pass before anything is mapped (:mod:`.lazy`).

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
from .check import locate_divergence, per_layer_differences, verify
from .cli import main_verify
from .compare import LayerDiff, LeafDiff, VerifyReport
from .init_check import InitReport, ParamStats, compare_init
from .inputs import Batch, InputSpec, batches_from_specs, load_batches, make_inputs, parse_input_spec, randomize_bn_stats
from .lazy import materialize
from .train import TrainReport, verify_training
from .translated import load_translated_module

__all__ = [
    "Batch",
    "InitReport",
    "InputSpec",
    "TrainReport",
    "batches_from_specs",
    "load_batches",
    "parse_input_spec",
    "per_layer_differences",
    "verify_training",
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
    "materialize",
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
