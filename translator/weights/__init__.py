"""Weight conversion: a torch checkpoint in, a state dict a Paddle model loads (``.pdparams``) out.

* :mod:`.checkpoint` reads torch checkpoints (zip, legacy and ``.safetensors``) into
  ``dict[str, numpy.ndarray]`` without torch and without running code from the file;
* :mod:`.convert` maps names, transposes and reshapes by the rule table's weight rules for the
  model's layer types (:func:`convert_state_dict`, :func:`convert_state_dict_report`) and writes
  ``.pdparams`` (:func:`save_pdparams`);
* :mod:`.cli` is ``torch2paddle convert-weights``.
"""

from __future__ import annotations

from .checkpoint import Checkpoint, CheckpointError, load_checkpoint, read_checkpoint
from .convert import (
    ConversionReport,
    ShapeMismatch,
    WeightConversionError,
    convert_state_dict,
    convert_state_dict_report,
    save_pdparams,
)

__all__ = [
    "Checkpoint",
    "CheckpointError",
    "ConversionReport",
    "ShapeMismatch",
    "WeightConversionError",
    "convert_state_dict",
    "convert_state_dict_report",
    "load_checkpoint",
    "read_checkpoint",
    "save_pdparams",
]
