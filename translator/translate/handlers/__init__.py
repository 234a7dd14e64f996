"""Named Python rewrites for what the rule table's data cannot express.

Each module registers its functions with ``@handler("name")``; a rule entry refers to one with
``handler = "name"``.  A handler gets the call (its children already translated) and its rule,
and returns the replacement node, ``Removed()``, or a ``Refused`` saying why it left the call
unchanged (see ``translate/registry.py``).  Helpers the handlers share are in ``_common``.

* ``functional``, ``creation``, ``maths``, ``indexing``: ``torch.*`` and ``torch.nn.functional.*``;
* ``layers``, ``recurrent``, ``transformer``: ``torch.nn`` layers and the support layers they need;
* ``init``: ``torch.nn.init``; ``methods``, ``tensor``: tensor and layer methods and attributes;
  ``inplace_arith``: ``x.add_(y)`` and the other in-place arithmetic methods;
* ``training``: optimizers, schedulers, devices, data loading; ``misc``: whole statements.
"""

from . import (  # noqa: F401
    creation,
    distributed,
    distributions,
    distributions_more,
    dropout,
    extra,
    fusion,
    functional,
    functions_more,
    indexing,
    inplace_arith,
    init,
    internals,
    jit,
    layer_attributes,
    layers,
    losses,
    maths,
    methods,
    misc,
    nn_utils,
    recurrent,
    runtime,
    schedulers,
    sparse,
    spectral,
    tensor,
    tensor_more,
    training,
    transformer,
    vision,
    vision_more,
    windows,
)
