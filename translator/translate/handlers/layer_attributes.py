"""Support code for layer attributes Paddle keeps in another form (``rules/layer_attributes.toml``;
the engine side is ``translate/layer_attrs.py``)."""

from __future__ import annotations

from ._common import snippet

snippet(
    "_torch_ntuple",
    '''
def _torch_ntuple(value, like):
    """A Paddle conv layer's padding as torch keeps it: a tuple with one int per dimension of
    ``like`` (its kernel size), or the string ('same', 'valid') it was given."""
    if isinstance(value, str):
        return value
    if isinstance(value, int):
        return (value,) * len(like)
    return tuple(value)
''',
    paddle=False,
)
