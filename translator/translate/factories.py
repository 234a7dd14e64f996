"""Layer factories passed in as values and called with ``inplace=``.

Model code takes the class of a layer as an argument and builds it later:
``activation_layer: Callable[..., nn.Module] = nn.ReLU`` ... ``activation_layer(inplace=True)``.
The class passed in becomes Paddle's (``paddle.nn.ReLU``), which takes no ``inplace``: the call
fails.  What the name holds is known only when the code runs, so such a call (a name that is
not a torch API, a builtin, nor a function or class of the file) goes through the emitted
``_torch_layer_factory``, which leaves ``inplace`` out for a Paddle layer whose constructor does
not take it (Paddle computes out of place: torch's result unless the input is read again, see
``inplace``) and passes it to any other callable.
"""

from __future__ import annotations

import builtins
from typing import Any

import libcst as cst

from .syntax import COMMA

_BUILTIN_NAMES = frozenset(dir(builtins))


def factory_call(tr: Any, original: cst.Call, updated: cst.Call) -> cst.Call | None:
    """``factory(..., inplace=...)`` through ``_torch_layer_factory`` (``tr``: the translator);
    None when the call is not one."""
    func = original.func
    if not isinstance(func, cst.Name) or not any(a.keyword is not None and a.keyword.value == "inplace" for a in original.args):
        return None
    name = func.value
    local = tr.scopes.shadowed(name) or name in tr.pre.module_locals
    if name in _BUILTIN_NAMES and not local:
        return None
    inference = tr.inference
    if inference is not None and (name in inference.functions or name in inference.classes):
        return None  # the file's own function or class: translated with its own signature
    if tr.is_other_expr(func) or tr._rooted_in_other_import(func):
        return None
    if not tr.need_support("_torch_layer_factory", original):
        return None
    return cst.Call(cst.Name("_torch_layer_factory"), [cst.Arg(updated.func, comma=COMMA), *updated.args])
