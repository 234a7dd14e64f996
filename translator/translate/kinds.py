"""What a value is, as receiver inference (``inference``) knows it: the kinds and how they join.

A kind is one of

* ``None``: not known;
* an atom: ``TENSOR``, ``LAYER``, ``LAYERS`` (an ``nn.Sequential``/``ModuleList``/``ModuleDict``:
  a layer whose elements are layers), ``OPTIMIZER``, ``DEVICE``, ``SHAPE`` (``x.shape``: a
  sequence of ints), ``INT``, ``FLOAT``, ``BOOL``, ``STR``, ``NONE``, ``OBJECT`` (some other
  Python value known not to be a torch object), ``FOREIGN`` (a value of another library that
  Paddle output or user code uses: ``paddle``, ``numpy``; no torch rule applies to it);
* ``("seq", element)``: a list or another sequence of one kind;
* ``("tup", (k1, k2, ...))``: a tuple of known length;
* ``("map", value)``: a dict;
* ``("inst", class name, is_layer)``: an instance of a class of the file being translated;
* ``("nn", torch class)``: a torch layer of a known class (``("nn", "torch.nn.Conv2d")``), whose
  attributes the table's layer-attribute entries translate; it joins another layer as ``LAYER``.

``BOTTOM`` is "no value yet" (the element kind of ``[]``, a name on a path not taken): joining
it with a kind gives that kind.
"""

from __future__ import annotations

from typing import Union

Kind = Union[str, tuple, None]

TENSOR = "tensor"
LAYER = "layer"
LAYERS = "layers"
OPTIMIZER = "optimizer"
DEVICE = "device"
SHAPE = "shape"
INT = "int"
FLOAT = "float"
BOOL = "bool"
STR = "str"
NONE = "none"
OBJECT = "object"
FOREIGN = "foreign"
BOTTOM = "bottom"

#: kinds a torch rule may apply to
TORCH_KINDS = frozenset((TENSOR, LAYER, LAYERS, OPTIMIZER, DEVICE))
_NUMBERS = (BOOL, INT, FLOAT)


def seq(element: Kind) -> tuple:
    return ("seq", element)


def tup(*items: Kind) -> tuple:
    return ("tup", tuple(items))


def nn_layer(qual: str) -> tuple:
    """A torch layer of class ``qual``."""
    return ("nn", qual)


def layer_class(kind: Kind) -> str | None:
    """The torch class of a layer of a known class (``nn_layer``), else None."""
    return kind[1] if isinstance(kind, tuple) and kind[0] == "nn" else None


def is_layer(kind: Kind) -> bool:
    if isinstance(kind, tuple):
        return kind[0] == "nn" or (kind[0] == "inst" and kind[2])
    return kind in (LAYER, LAYERS)


def is_non_torch(kind: Kind) -> bool:
    """Known to be a value no torch method rule is about (a str, a list, a numpy array...)."""
    if kind is None or kind == BOTTOM:
        return False
    if isinstance(kind, tuple):
        return not is_layer(kind)
    return kind not in TORCH_KINDS


def join(a: Kind, b: Kind) -> Kind:
    """What a name holds after two paths meet, one giving ``a`` and the other ``b``."""
    if a == b:
        return a
    if a == BOTTOM:
        return b
    if b == BOTTOM:
        return a
    if a is None or b is None:
        return None
    if a == NONE:  # an Optional value: a method is only ever called on it when it is set
        return b
    if b == NONE:
        return a
    if a in _NUMBERS and b in _NUMBERS:
        return FLOAT if FLOAT in (a, b) else INT
    if is_layer(a) and is_layer(b):
        return LAYER
    if isinstance(a, tuple) and isinstance(b, tuple):
        if a[0] == b[0] == "seq":
            return seq(join(a[1], b[1]))
        if a[0] == b[0] == "map":
            return ("map", join(a[1], b[1]))
        if a[0] == b[0] == "tup" and len(a[1]) == len(b[1]):
            return tup(*(join(x, y) for x, y in zip(a[1], b[1])))
        if a[0] in ("seq", "tup") and b[0] in ("seq", "tup"):
            return seq(join(element(a), element(b)))
    if is_non_torch(a) and is_non_torch(b) and FOREIGN not in (a, b):
        return OBJECT
    return None


def element(kind: Kind) -> Kind:
    """The kind of what iterating over a value of ``kind`` gives (``for x in ...``, unpacking)."""
    if kind == TENSOR:
        return TENSOR  # iterating a tensor gives its slices
    if kind == SHAPE:
        return INT
    if kind == LAYERS:
        return LAYER
    if kind in (STR, FOREIGN):
        return kind
    if isinstance(kind, tuple):
        if kind[0] == "seq":
            return None if kind[1] == BOTTOM else kind[1]
        if kind[0] == "tup":
            out: Kind = BOTTOM
            for k in kind[1]:
                out = join(out, k)
            return None if out == BOTTOM else out
    return None


def unpack(kind: Kind, count: int) -> list[Kind]:
    """The kinds of ``a, b, ... = value`` (``count`` names, no starred one)."""
    if isinstance(kind, tuple) and kind[0] == "tup" and len(kind[1]) == count:
        return list(kind[1])
    return [element(kind)] * count


def index(kind: Kind, key: object, is_slice: bool) -> Kind:
    """The kind of ``value[key]``: ``key`` is an int when the index is an int literal."""
    if kind in (TENSOR, FOREIGN, STR):
        return kind
    if kind == SHAPE:
        return SHAPE if is_slice else INT
    if kind == LAYERS:
        return LAYER
    if isinstance(kind, tuple):
        if kind[0] == "map":
            return None if kind[1] == BOTTOM else kind[1]
        if is_slice:
            return kind if kind[0] == "seq" else seq(element(kind))
        if kind[0] == "tup" and isinstance(key, int) and -len(kind[1]) <= key < len(kind[1]):
            return kind[1][key]
        if kind[0] in ("seq", "tup"):
            return element(kind)
    return None


def arithmetic(left: Kind, right: Kind, op: str) -> Kind:
    """The kind of ``left <op> right`` for a binary operator (``op``: its class name)."""
    if TENSOR in (left, right):
        return TENSOR
    if FOREIGN in (left, right):
        return FOREIGN
    if left in _NUMBERS and right in _NUMBERS:
        if op in ("Divide", "Power") or FLOAT in (left, right):
            return FLOAT
        return INT
    if left == STR and (right == STR or op == "Modulo"):
        return STR
    if op == "Add" and isinstance(left, tuple) and isinstance(right, tuple) and left[0] in ("seq", "tup"):
        if left[0] == right[0] == "tup":
            return tup(*left[1], *right[1])
        return seq(join(element(left), element(right)))
    if op == "Add" and SHAPE in (left, right) and (left == right or isinstance(left if right == SHAPE else right, tuple)):
        return SHAPE
    if op == "Multiply" and isinstance(left, tuple) and left[0] in ("seq", "tup") and right in _NUMBERS:
        return seq(element(left))
    return None
