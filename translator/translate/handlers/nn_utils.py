"""``torch.nn.utils``: weight normalization, parameter vectors, ``rnn`` padding and packing,
and conv/linear + batch-norm fusion.

Paddle has ``paddle.nn.utils.{weight_norm, spectral_norm, parameters_to_vector, ...}``; the
``rnn`` helpers and the fusion helpers have no Paddle counterpart and are emitted as support
code with torch's semantics (declared below).
"""

from __future__ import annotations

import libcst as cst

from ...rules import ApiRule
from ..registry import TranslateContext, handler
from ._common import Outcome, snippet
