"""Support code for torch internals that real model libraries import.

torchvision, timm, mmcv and code derived from them reach into private torch modules for small
helpers that Paddle has no public counterpart of.  Each is reproduced here as support code with
torch's behaviour (the rule entries in ``rules/nn_utils.toml``, ``rules/jit.toml`` and
``rules/torch_internals.toml`` name them):

* ``torch.nn.modules.utils._single/_pair/_triple/_quadruple/_ntuple`` (and
  ``_reverse_repeat_tuple``): an iterable becomes a tuple, anything else is repeated n times;
* ``torch._check`` and its siblings: the condition is read as a truth value; when it is false,
  the message (a callable, called only then) is raised with torch's exception type;
* ``torch.ao.nn.quantized.FloatFunctional``: a layer whose methods are the float operations
  (quantization is not translated; the float semantics are those of an unprepared model);
* ``torch.nn.init._calculate_fan_in_and_fan_out``: the fans of a weight.
"""

from __future__ import annotations

from ._common import docstring, snippet

# ------------------------------------------------------------------ torch.nn.modules.utils --
snippet("_torch_make_ntuple", '''
def _torch_make_ntuple(n, name="parse"):
    """torch.nn.modules.utils._ntuple: a function giving an iterable as a tuple and
    anything else (a number) as a tuple of n copies."""

    def parse(x):
        if isinstance(x, collections.abc.Iterable):
            return tuple(x)
        return tuple(itertools.repeat(x, n))

    parse.__name__ = name
    return parse
''', imports=("import collections.abc", "import itertools"), paddle=False)


def _ntuple(name: str, n: int) -> None:
    snippet(f"_torch_{name}", f'''
_torch_{name} = _torch_make_ntuple({n}, "_{name}")  # torch.nn.modules.utils._{name}
''', deps=("_torch_make_ntuple",), paddle=False)


_ntuple("single", 1)
_ntuple("pair", 2)
_ntuple("triple", 3)
_ntuple("quadruple", 4)

snippet("_torch_reverse_repeat_tuple", '''
def _torch_reverse_repeat_tuple(t, n):
    """torch.nn.modules.utils._reverse_repeat_tuple: the elements of t in reverse order,
    each repeated n times (a conv padding as F.pad takes it)."""
    return tuple(x for x in reversed(t) for _ in range(n))
''', paddle=False)

# ------------------------------------------------------------------------ torch._check ------
snippet("_torch_check_with", '''
def _torch_check_with(error_type, cond, message=None):
    """torch._check_with: nothing when cond is true; otherwise error_type with the
    message, a callable called only then (torch requires a bool cond; a one-element
    Paddle tensor is read as its truth value)."""
    if cond:
        return
    if message is None:
        text = "Expected cond to be True, but got False."
    elif not callable(message):
        raise TypeError("message must be a callable")
    else:
        text = str(message())
    raise error_type(text)
''', paddle=False)


def _check(name: str, error: str, origin: str) -> None:
    snippet(name, f'''
def {name}(cond, message=None):
    {docstring(f"{origin}: {error} with the message when cond is false.")}
    _torch_check_with({error}, cond, message)
''', deps=("_torch_check_with",), paddle=False)


_check("_torch_check", "RuntimeError", "torch._check")
_check("_torch_check_value", "ValueError", "torch._check_value")
_check("_torch_check_type", "TypeError", "torch._check_type")
_check("_torch_check_index", "IndexError", "torch._check_index")
_check("_torch_check_not_implemented", "NotImplementedError", "torch._check_not_implemented")

snippet("_torch_check_is_size", '''
def _torch_check_is_size(i, message=None, *, max=None):
    """torch._check_is_size: RuntimeError unless 0 <= i (and i <= max when given)."""
    _torch_check_with(RuntimeError, i >= 0, message)
    if max is not None:
        _torch_check_with(RuntimeError, i <= max, message)
''', deps=("_torch_check_with",), paddle=False)

snippet("_torch_check_tensor_all", '''
def _torch_check_tensor_all(cond, message=None):
    """torch._check_tensor_all: RuntimeError with the message unless every element of
    the boolean tensor cond is true."""
    if not isinstance(cond, paddle.Tensor):
        raise TypeError(f"cond must be a tensor, but got {type(cond)}")
    if cond.dtype != paddle.bool:
        raise TypeError(f"cond tensor must have dtype bool, but got {cond.dtype}")
    _torch_check_with(RuntimeError, bool(cond.all()), message)
''', deps=("_torch_check_with",))

# ---------------------------------------------------------------------- FloatFunctional -----
snippet("TorchFloatFunctional", '''
class TorchFloatFunctional(paddle.nn.Layer):
    """torch.ao.nn.quantized.FloatFunctional in float: a layer whose methods are the
    operations a quantized model observes (add, cat, mul, add_relu, add_scalar,
    mul_scalar, matmul); it has no forward."""

    def __init__(self):
        super().__init__()
        self.activation_post_process = paddle.nn.Identity()

    def forward(self, x):
        raise RuntimeError(
            "FloatFunctional is not intended to use the 'forward'. Please use the "
            "underlying operation"
        )

    def add(self, x, y):
        return self.activation_post_process(x + y)

    def add_scalar(self, x, y):
        return x + y

    def mul(self, x, y):
        return self.activation_post_process(x * y)

    def mul_scalar(self, x, y):
        return x * y

    def cat(self, x, dim=0):
        return self.activation_post_process(paddle.concat(list(x), axis=dim))

    def add_relu(self, x, y):
        return self.activation_post_process(paddle.nn.functional.relu(x + y))

    def matmul(self, x, y):
        return self.activation_post_process(paddle.matmul(x, y))
''')

# ------------------------------------------------------------------------- torch.nn.init ----
snippet("_torch_fan_in_and_fan_out", '''
def _torch_fan_in_and_fan_out(tensor):
    """torch.nn.init._calculate_fan_in_and_fan_out: (fan_in, fan_out) of a weight, a 2-d
    weight read in Paddle's Linear layout (in, out)."""
    return _torch_fan(tensor, "fan_in"), _torch_fan(tensor, "fan_out")
''', deps=("_torch_fan",), paddle=False)

# ------------------------------------------------------- torchvision's remaining leftovers ---
snippet("_TorchBroadcastingList", '''
class _TorchBroadcastingList:
    """torch.jit.annotations.BroadcastingList1/2/3 outside TorchScript: subscripted in
    annotations (``BroadcastingList2[int]``), giving None as torch's does."""

    def __getitem__(self, types):
        return None
''', paddle=False)

for _n in (1, 2, 3):
    snippet(f"BroadcastingList{_n}", f"""
BroadcastingList{_n} = _TorchBroadcastingList()  # torch.jit.annotations.BroadcastingList{_n}
""", deps=("_TorchBroadcastingList",), paddle=False)

# ------------------------------------------------------------- normalization base classes ---
snippet("TorchBatchNormBase", '''
class TorchBatchNormBase(paddle.nn.layer.norm._BatchNormBase):
    """A class deriving from torch.nn.modules.batchnorm._BatchNorm, built with torch's
    arguments: momentum weighs the new batch in torch (1 - momentum in Paddle),
    affine=False has no weight and bias, track_running_stats=False normalizes with
    batch statistics in eval mode too. The subclass says which inputs it takes
    (_check_input_dim), as in torch."""

    def __init__(
        self,
        num_features,
        eps=1e-5,
        momentum=0.1,
        affine=True,
        track_running_stats=True,
        device=None,
        dtype=None,
        *,
        bias=True,
    ):
        if momentum is None:
            raise NotImplementedError(
                "momentum=None (a cumulative moving average) has no Paddle counterpart"
            )
        off = None if affine else False
        super().__init__(
            num_features,
            momentum=1 - momentum,
            epsilon=eps,
            weight_attr=off,
            bias_attr=off if bias else False,
            use_global_stats=None if track_running_stats else False,
        )
        self.num_features = num_features
        self.eps = eps
        self.momentum = momentum
        self.affine = affine
        self.track_running_stats = track_running_stats

    @property
    def running_mean(self):
        return self._mean

    @property
    def running_var(self):
        return self._variance

    def _check_input_dim(self, input):
        raise NotImplementedError

    def _check_data_format(self, input):
        self._data_format = "NCHW"  # Paddle's kernel reads 2-d to 5-d inputs as NC...
''')

snippet("TorchInstanceNormBase", '''
class TorchInstanceNormBase(paddle.nn.layer.norm._InstanceNormBase):
    """A class deriving from torch.nn.modules.instancenorm._InstanceNorm, built with
    torch's arguments (affine=False by default: no weight and bias). Paddle's instance
    norm keeps no running statistics: track_running_stats=True raises when built."""

    def __init__(
        self,
        num_features,
        eps=1e-5,
        momentum=0.1,
        affine=False,
        track_running_stats=False,
        device=None,
        dtype=None,
        *,
        bias=True,
    ):
        if track_running_stats:
            raise NotImplementedError(
                "track_running_stats=True: Paddle's instance norm keeps no running statistics"
            )
        if affine and not bias:
            raise NotImplementedError("Paddle's instance norm has a bias whenever it has a weight")
        off = None if affine else False
        super().__init__(
            num_features, epsilon=eps, momentum=1 - momentum, weight_attr=off, bias_attr=off
        )
        self.num_features = num_features
        self.eps = eps
        self.momentum = momentum
        self.affine = affine
        self.track_running_stats = track_running_stats

    def _check_input_dim(self, input):
        raise NotImplementedError
''')

snippet("_torch_consume_prefix", '''
def _torch_consume_prefix(state_dict, prefix):
    """torch.nn.modules.utils.consume_prefix_in_state_dict_if_present: the prefix (a
    DataParallel's "module.") stripped in place from the keys that start with it, and
    from the keys of the state dict's _metadata when it has one."""
    for key in list(state_dict.keys()):
        if key.startswith(prefix):
            state_dict[key[len(prefix):]] = state_dict.pop(key)
    metadata = getattr(state_dict, "_metadata", None)
    if metadata is not None:
        for key in list(metadata.keys()):
            if key and (key == prefix.replace(".", "") or key.startswith(prefix)):
                metadata[key[len(prefix):]] = metadata.pop(key)
''', paddle=False)

# ------------------------------------------------------------------ torch.utils._pytree -----
snippet("TorchTreeSpec", '''
class TorchTreeSpec:
    """torch.utils._pytree.TreeSpec: the structure of a flattened tree. A container's
    spec holds its type (tuple, list, dict, OrderedDict, defaultdict, deque, or
    "namedtuple"), its context (dict keys, the namedtuple class, a deque's maxlen) and
    its children's specs; a leaf's type is None. Containers are matched by exact type,
    as in torch (a subclass of list is a leaf; None is a leaf)."""

    def __init__(self, type, context, children_specs):
        self.type = type
        self.context = context
        self.children_specs = list(children_specs)
        self.num_children = len(self.children_specs)
        self.num_leaves = 1 if type is None else sum(c.num_leaves for c in self.children_specs)

    def is_leaf(self):
        return self.type is None

    def __eq__(self, other):
        if not isinstance(other, TorchTreeSpec):
            return NotImplemented
        return (self.type, self.context, self.children_specs) == (
            other.type,
            other.context,
            other.children_specs,
        )

    def __repr__(self):
        if self.type is None:
            return "*"
        name = self.type if isinstance(self.type, str) else self.type.__name__
        return f"TreeSpec({name}, {self.context!r}, {self.children_specs!r})"

    @staticmethod
    def node(tree):
        """(type, context, children) of a container, None for a leaf."""
        kind = type(tree)
        if isinstance(tree, tuple) and hasattr(tree, "_fields"):
            return "namedtuple", kind, list(tree)
        if kind in (tuple, list):
            return kind, None, list(tree)
        if kind in (dict, collections.OrderedDict):
            return kind, list(tree.keys()), list(tree.values())
        if kind is collections.defaultdict:
            return kind, [tree.default_factory, list(tree.keys())], list(tree.values())
        if kind is collections.deque:
            return kind, tree.maxlen, list(tree)
        return None

    def build(self, children):
        """The container of this spec holding ``children``."""
        if self.type == "namedtuple":
            return self.context(*children)
        if self.type in (tuple, list):
            return self.type(children)
        if self.type in (dict, collections.OrderedDict):
            return self.type(zip(self.context, children))
        if self.type is collections.defaultdict:
            return collections.defaultdict(self.context[0], zip(self.context[1], children))
        return collections.deque(children, maxlen=self.context)
''', imports=("import collections",), paddle=False)

snippet("_torch_tree_flatten", '''
def _torch_tree_flatten(tree, is_leaf=None):
    """torch.utils._pytree.tree_flatten: (the leaves in order, the tree's spec)."""
    leaves = []

    def walk(node):
        parts = None if is_leaf is not None and is_leaf(node) else TorchTreeSpec.node(node)
        if parts is None:
            leaves.append(node)
            return TorchTreeSpec(None, None, [])
        kind, context, children = parts
        return TorchTreeSpec(kind, context, [walk(c) for c in children])

    spec = walk(tree)
    return leaves, spec
''', deps=("TorchTreeSpec",), paddle=False)

snippet("_torch_tree_unflatten", '''
def _torch_tree_unflatten(leaves, treespec):
    """torch.utils._pytree.tree_unflatten: the tree of ``treespec`` holding
    ``leaves``."""
    leaves = list(leaves)
    if len(leaves) != treespec.num_leaves:
        raise ValueError(
            f"treespec.unflatten(leaves): `leaves` has length {len(leaves)} but the spec "
            f"refers to a pytree that holds {treespec.num_leaves} items ({treespec})."
        )
    items = iter(leaves)

    def build(spec):
        if spec.is_leaf():
            return next(items)
        return spec.build([build(c) for c in spec.children_specs])

    return build(treespec)
''', deps=("TorchTreeSpec",), paddle=False)

snippet("_torch_tree_leaves", '''
def _torch_tree_leaves(tree, is_leaf=None):
    """torch.utils._pytree.tree_leaves: the leaves of the tree, in order."""
    return _torch_tree_flatten(tree, is_leaf)[0]
''', deps=("_torch_tree_flatten",), paddle=False)

snippet("_torch_tree_structure", '''
def _torch_tree_structure(tree, is_leaf=None):
    """torch.utils._pytree.tree_structure: the tree's spec."""
    return _torch_tree_flatten(tree, is_leaf)[1]
''', deps=("_torch_tree_flatten",), paddle=False)

snippet("_torch_tree_map", '''
def _torch_tree_map(func, tree, *rests, is_leaf=None):
    """torch.utils._pytree.tree_map: a tree of the same structure holding func of each
    leaf (and of the leaves at the same place in ``rests``, which must have the tree's
    structure: torch also takes a subtree where the tree has a leaf)."""
    leaves, spec = _torch_tree_flatten(tree, is_leaf)
    others = []
    for rest in rests:
        rest_leaves, rest_spec = _torch_tree_flatten(rest, is_leaf)
        if rest_spec != spec:
            raise ValueError(f"tree_map: {rest_spec} does not have the structure {spec}")
        others.append(rest_leaves)
    return _torch_tree_unflatten([func(*xs) for xs in zip(leaves, *others)], spec)
''', deps=("_torch_tree_flatten", "_torch_tree_unflatten"), paddle=False)
