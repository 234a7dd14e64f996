"""Support code for layer attributes Paddle keeps in another form (``rules/layer_attributes.toml``;
the engine side is ``translate/layer_attrs.py``) and for layer factories called with ``inplace=``
(``translate/factories.py``)."""

from __future__ import annotations

from ._common import snippet

snippet(
    "_torch_ntuple",
    '''
def _torch_ntuple(value, like):
    """A Paddle conv layer's padding as torch keeps it: a tuple with one int per
    dimension of ``like`` (its kernel size), or the string ('same', 'valid') it was
    given."""
    if isinstance(value, str):
        return value
    if isinstance(value, int):
        return (value,) * len(like)
    return tuple(value)
''',
    paddle=False,
)


snippet(
    "_torch_layer_factory",
    '''
def _torch_layer_factory(factory, *args, **kwargs):
    """``factory(..., inplace=...)`` of a layer class passed in as a value (torch
    code's ``activation_layer(inplace=True)``): a Paddle layer whose constructor takes
    no ``inplace`` is built without it (it computes out of place); any other callable
    gets it."""
    if "inplace" in kwargs and isinstance(factory, type) and issubclass(factory, paddle.nn.Layer):
        params = inspect.signature(factory.__init__).parameters.values()
        if not any(p.name == "inplace" or p.kind == p.VAR_KEYWORD for p in params):
            kwargs.pop("inplace")
    return factory(*args, **kwargs)
''',
    imports=("import inspect",),
)
