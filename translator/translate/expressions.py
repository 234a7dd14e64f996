"""What an expression gives (``ExpressionKinds.kind_of``), given what names hold: the
expression half of receiver inference (``inference`` reads the statements).

Calls of torch are read by their qualified name (the table's ``evidence`` for results that are
not tensors); calls and attributes of ``paddle`` and ``numpy`` give ``FOREIGN``; functions and
classes of the file give what they return and build; ``self.<name>`` gives what the class
assigns to it anywhere.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Iterable, Iterator

import libcst as cst

from .kinds import (
    BOOL, BOTTOM, DEVICE, FLOAT, FOREIGN, INT, LAYER, LAYERS, NONE, OBJECT, OPTIMIZER, SHAPE, STR, TENSOR,
    Kind, arithmetic, element, index, is_layer, join, layer_class, nn_layer, seq, tup,
)  # fmt: skip
from .resolve import all_params, dotted_name

if TYPE_CHECKING:
    from ..rules import RuleTable
    from .resolve import Prepass
    from .scopes import ScopeStack

State = dict  # name -> Kind

# torch.nn names that are tensors, not layers
NN_TENSOR_CLASSES = frozenset(("Parameter", "UninitializedParameter", "Buffer", "UninitializedBuffer"))
_TORCHVISION_NON_MODEL_FUNCTIONS = frozenset(("get_weight", "get_model_weights", "list_models", "get_model_builder"))
# torch functions without a table entry whose result is not a tensor (entries say `evidence`)
UNRULED_NON_TENSOR_FUNCTIONS = frozenset("seed initial_seed get_rng_state set_rng_state set_printoptions".split())
TENSOR_FUNCTION_MODULES = ("torch", "torch.nn.functional", "torch.linalg", "torch.fft", "torch.special")


def is_layer_class(qual: str) -> bool:
    """A torch name whose call builds a layer: ``torch.nn.Conv2d``, ``torchvision.models.resnet18``."""
    mod, _, name = qual.rpartition(".")
    if mod == "torch.nn" or mod.startswith("torch.nn.modules"):
        return name[:1].isupper() and name not in NN_TENSOR_CLASSES
    if mod == "torchvision.models" or mod.startswith("torchvision.models."):
        return name[:1].islower() and not name.startswith("_") and name not in _TORCHVISION_NON_MODEL_FUNCTIONS
    return False


def is_tensor_class(qual: str) -> bool:
    """A torch class whose instances are tensors and that a class may derive from
    (``torch.nn.Parameter``): not a layer, though it lives in ``torch.nn``."""
    mod, _, name = qual.rpartition(".")
    return mod in ("torch.nn", "torch.nn.parameter") and name in NN_TENSOR_CLASSES


def is_optimizer_class(qual: str) -> bool:
    """``torch.optim.SGD``, ``torch.optim.Optimizer``; not the lr_scheduler classes."""
    mod, _, name = qual.rpartition(".")
    if mod != "torch.optim" and not (mod.startswith("torch.optim.") and not mod.startswith("torch.optim.lr_scheduler")):
        return False
    return name[:1].isupper()


_CONTAINERS = {"Sequential": LAYERS, "ModuleList": LAYERS, "ModuleDict": LAYERS}
# methods and functions whose result is a sequence of tensors; those in _MAYBE_SEQ only when
# given a dimension (`x.max()` is a tensor, `x.max(1)` is (values, indices))
_SEQ_RESULT = frozenset(
    "split chunk unbind tensor_split hsplit vsplit dsplit meshgrid broadcast_tensors sort topk kthvalue "
    "aminmax cummax cummin frexp std_mean var_mean slogdet qr svd eigh eig lu histogram".split()
)
_MAYBE_SEQ = frozenset("max min median nanmedian mode".split())
_INT_METHODS = frozenset("dim ndimension numel nelement element_size get_device".split())
_LAYER_PARAMS = frozenset("weight bias running_mean running_var in_proj_weight in_proj_bias".split())
_TENSOR_ATTRS = {"T": TENSOR, "mT": TENSOR, "H": TENSOR, "mH": TENSOR, "data": TENSOR, "grad": TENSOR,
                 "real": TENSOR, "imag": TENSOR, "shape": SHAPE, "device": DEVICE, "ndim": INT,
                 "dtype": OBJECT, "is_cuda": BOOL, "requires_grad": BOOL, "is_leaf": BOOL}  # fmt: skip
_BUILTIN_RESULTS = {"len": INT, "int": INT, "round": INT, "hash": INT, "id": INT, "ord": INT, "float": FLOAT,
                    "str": STR, "repr": STR, "chr": STR, "format": STR, "bool": BOOL, "isinstance": BOOL,
                    "issubclass": BOOL, "hasattr": BOOL, "callable": BOOL, "all": BOOL, "any": BOOL,
                    "type": OBJECT, "print": NONE, "range": seq(INT), "dict": ("map", None), "set": seq(None),
                    "frozenset": seq(None), "object": OBJECT}  # fmt: skip
_FOREIGN_MODULES = frozenset(("paddle", "numpy"))
#: support functions of in-place arithmetic (handlers/inplace_arith.py): they return their receiver
_RETURNS_RECEIVER = frozenset(("_torch_add_", "_torch_sub_", "_torch_mul_", "_torch_div_"))
_STR_METHODS = {"split": seq(STR), "rsplit": seq(STR), "splitlines": seq(STR), "join": STR, "format": STR,
                "lower": STR, "upper": STR, "strip": STR, "lstrip": STR, "rstrip": STR, "replace": STR,
                "startswith": BOOL, "endswith": BOOL, "isdigit": BOOL, "find": INT, "count": INT}  # fmt: skip



def chain_root(expr: cst.BaseExpression, memo: dict[int, tuple[cst.BaseExpression, cst.BaseExpression]]) -> cst.BaseExpression:
    """The expression a chain of attributes, calls and subscripts starts from (``x`` of
    ``x.a().b[0].c()``).  ``memo`` remembers each link's root (id(link) -> (link, root); the
    link is kept so its id is not reused), so asking about every link of a chain of n calls
    costs n steps in all, not n * n / 2."""
    path = []
    root = expr
    while isinstance(root, (cst.Attribute, cst.Call, cst.Subscript)):
        known = memo.get(id(root))
        if known is not None:
            root = known[1]
            break
        path.append(root)
        root = root.func if isinstance(root, cst.Call) else root.value
    for link in path:
        memo[id(link)] = (link, root)
    return root


@dataclasses.dataclass
class _Class:
    node: cst.ClassDef
    is_layer: bool
    bases: list[str]  # names of classes of this file it derives from
    methods: dict[str, cst.FunctionDef]
    foreign: bool = False  # a Paddle layer (a translation read again): what it holds is Paddle's
    autograd: bool = False  # a torch.autograd.Function: forward and backward take tensors
    torch_base: str | None = None  # the torch layer class it derives from (`class C(nn.Conv2d)`)
    tensor: bool = False  # a subclass of nn.Parameter (or Buffer): its instances are tensors (evidence)

    def instance(self) -> Kind:
        return FOREIGN if self.foreign else ("inst", self.node.name.value, self.is_layer)


@dataclasses.dataclass
class _Frame:
    """A function being read: its node, the names it binds, where it was defined."""

    node: cst.CSTNode
    names: set[str]
    parent: "_Frame | None"
    outer: State  # the enclosing function's state where this one was defined
    cls: str | None = None  # the class whose method this is
    returns: Kind = BOTTOM


def _parse(text: str) -> cst.BaseExpression | None:
    try:
        return cst.parse_expression(text)
    except Exception:  # a comment or string annotation that is not an expression
        return None


def _literal_int(node: cst.BaseExpression) -> int | None:
    if isinstance(node, cst.Integer):
        return int(node.value, 0)
    if isinstance(node, cst.UnaryOperation) and isinstance(node.operator, cst.Minus) and isinstance(node.expression, cst.Integer):
        return -int(node.expression.value, 0)
    return None



class ExpressionKinds:
    """The expression half of ``inference.Inference``."""

    table: "RuleTable"
    pre: "Prepass"
    scopes: "ScopeStack"
    classes: dict[str, _Class]
    functions: dict[str, cst.FunctionDef]
    returns: dict[int, Kind]
    params: dict[tuple[int, str], Kind]
    _new_params: dict[tuple[int, str], Kind]
    recording: bool
    attrs: dict[tuple[str, str], dict[int, Kind]]
    statement: int
    module_final: State
    chain_roots: dict[int, tuple[cst.BaseExpression, cst.BaseExpression]]  # id(link) -> (link, root)
    # what the calls and attributes of the query being answered give (id -> (node, kind)), or None
    query_memo: dict[int, tuple[cst.BaseExpression, Kind]] | None

    def _assign(self, target: cst.BaseExpression, kind: Kind, state: State, frame: "_Frame | None",
                value: cst.BaseExpression | None = None) -> None:  # fmt: skip
        raise NotImplementedError

    def _mro(self, cls: str) -> Iterator[str]:
        """``cls`` and the classes of this file it derives from, breadth-first, each once (a
        base defined elsewhere ends its branch)."""
        seen: set[str] = set()
        todo = [cls]
        while todo:
            c = todo.pop(0)
            if c in seen or c not in self.classes:
                continue
            seen.add(c)
            yield c
            todo.extend(self.classes[c].bases)

    def _method(self, cls: str, name: str) -> cst.FunctionDef | None:
        for c in self._mro(cls):
            fn = self.classes[c].methods.get(name)
            if fn is not None:
                return fn
        return None

    def _attr(self, cls: str, name: str) -> Kind:
        for c in self._mro(cls):
            if (c, name) in self.attrs:
                # what the other statements assign (`self.a = [t.to(d) for t in self.a]` reads the rest)
                kind: Kind = BOTTOM
                for statement, part in self.attrs[(c, name)].items():
                    if statement != self.statement:
                        kind = join(kind, part)
                return None if kind == BOTTOM else kind
            prop = self.classes[c].methods.get(name)
            if prop is not None and any(dotted_name(d.decorator) == "property" for d in prop.decorators):
                return self.returns.get(id(prop))
        return None

    # ------------------------------------------------------------------ annotations ----
    def _annotation(self, ann: cst.BaseExpression | None) -> Kind:
        """The kind an annotation states: ``Tensor``, ``Optional[Tensor]``, ``"Tensor"``,
        ``List[Tensor]``, ``Tuple[Tensor, int]``, ``nn.Module``, a layer class of the file."""
        if ann is None:
            return None
        if isinstance(ann, cst.SimpleString):
            inner = _parse(ann.evaluated_value) if isinstance(ann.evaluated_value, str) else None
            return self._annotation(inner)
        if isinstance(ann, cst.BinaryOperation) and isinstance(ann.operator, cst.BitOr):
            return join(self._annotation(ann.left), self._annotation(ann.right))
        if isinstance(ann, cst.Subscript):
            outer = dotted_name(ann.value) or ""
            args = [s.slice.value for s in ann.slice if isinstance(s.slice, cst.Index)]
            base = outer.rsplit(".", 1)[-1]
            qual = self.scopes.resolve(ann.value)
            if base in ("Optional", "Final") or qual == "torch.jit.Final":
                return self._annotation(args[0]) if len(args) == 1 else None
            if base == "Union":
                out: Kind = BOTTOM
                for a in args:
                    out = join(out, self._annotation(a))
                return None if out == BOTTOM else out
            if base in ("List", "list", "Sequence", "Iterable", "Iterator", "Set", "set", "FrozenSet"):
                return seq(self._annotation(args[0]) if args else None)
            if base in ("Tuple", "tuple"):
                if len(args) == 2 and isinstance(args[1], cst.Ellipsis):
                    return seq(self._annotation(args[0]))
                return tup(*(self._annotation(a) for a in args))
            if base in ("Dict", "dict", "Mapping", "OrderedDict", "MutableMapping"):
                return ("map", self._annotation(args[1]) if len(args) == 2 else None)
            return None
        if isinstance(ann, cst.Name):
            if ann.value == "None":
                return NONE
            builtin = {"int": INT, "float": FLOAT, "bool": BOOL, "str": STR}.get(ann.value)
            if builtin is not None and not self.scopes.shadowed(ann.value) and ann.value not in self.pre.module_locals:
                return builtin
            if ann.value in self.classes:
                info = self.classes[ann.value]
                return info.instance()
        qual = self.scopes.resolve(ann)
        if qual is None:
            other = self._other_qualname(ann)
            return FOREIGN if other is not None and other.split(".")[0] in _FOREIGN_MODULES else None
        return self._torch_class_kind(qual)

    def _torch_class_kind(self, qual: str) -> Kind:
        """The kind of an instance of the torch class ``qual`` (or of what calling it builds)."""
        if qual in ("torch.Tensor", "torch.nn.Parameter", "torch.nn.parameter.Parameter"):
            return TENSOR
        mod, _, name = qual.rpartition(".")
        if mod == "torch.nn" and name in NN_TENSOR_CLASSES:
            return TENSOR
        if qual == "torch.device":
            return DEVICE
        if qual == "torch.Size":
            return SHAPE
        if is_layer_class(qual):
            if name in _CONTAINERS:
                return _CONTAINERS[name]
            return nn_layer(qual) if mod == "torch.nn" and name != "Module" else LAYER
        if is_optimizer_class(qual):
            return OPTIMIZER
        return None

    # ------------------------------------------------------------------ expressions ----
    def _lookup(self, name: str, state: State, frame: _Frame | None) -> Kind:
        if name in self.pre.opaque_names:
            return None
        if name in state:
            kind = state[name]
            return None if kind == BOTTOM else kind
        while frame is not None:
            if name in frame.names:
                return None  # bound in the function, not (known to be) bound here
            if name in frame.outer:
                kind = frame.outer[name]
                return None if kind == BOTTOM else kind
            frame = frame.parent
        if name in self.functions or name in self.classes:
            return OBJECT
        kind = self.module_final.get(name)
        return None if kind == BOTTOM else kind

    def kind_of(self, expr: cst.BaseExpression | None, state: State, frame: _Frame | None) -> Kind:
        """What ``expr`` gives, the names holding what ``state`` says."""
        if expr is None:
            return None
        if isinstance(expr, cst.Name):
            if expr.value in ("True", "False"):
                return BOOL
            if expr.value == "None":
                return NONE
            if self.scopes.resolve(expr) is not None:
                return None
            return self._lookup(expr.value, state, frame)
        if isinstance(expr, (cst.Integer,)):
            return INT
        if isinstance(expr, cst.Float):
            return FLOAT
        if isinstance(expr, (cst.SimpleString, cst.ConcatenatedString, cst.FormattedString)):
            return STR
        if isinstance(expr, (cst.Call, cst.Attribute)):
            memo = self.query_memo
            if memo is None:
                return self._call(expr, state, frame) if isinstance(expr, cst.Call) else self._attribute(expr, state, frame)
            known = memo.get(id(expr))
            if known is None:
                kind = self._call(expr, state, frame) if isinstance(expr, cst.Call) else self._attribute(expr, state, frame)
                known = memo[id(expr)] = (expr, kind)  # the node is kept so its id is not reused
            return known[1]
        if isinstance(expr, cst.Subscript):
            base = self.kind_of(expr.value, state, frame)
            if len(expr.slice) != 1:
                return TENSOR if base == TENSOR else (FOREIGN if base == FOREIGN else None)
            sl = expr.slice[0].slice
            if isinstance(sl, cst.Slice):
                return index(base, None, True)
            key = _literal_int(sl.value)  # type: ignore[attr-defined]
            return index(base, key, False)
        if isinstance(expr, cst.BinaryOperation):
            op = type(expr.operator).__name__
            return arithmetic(self.kind_of(expr.left, state, frame), self.kind_of(expr.right, state, frame), op)
        if isinstance(expr, cst.UnaryOperation):
            if isinstance(expr.operator, cst.Not):
                return BOOL
            return self.kind_of(expr.expression, state, frame)
        if isinstance(expr, cst.Comparison):
            kinds = [self.kind_of(expr.left, state, frame)] + [self.kind_of(c.comparator, state, frame) for c in expr.comparisons]
            elementwise = not any(isinstance(c.operator, (cst.Is, cst.IsNot, cst.In, cst.NotIn)) for c in expr.comparisons)
            if elementwise and TENSOR in kinds:
                return TENSOR
            if elementwise and FOREIGN in kinds:
                return FOREIGN
            return BOOL if elementwise or len(kinds) == 2 else None
        if isinstance(expr, cst.BooleanOperation):
            return join(self.kind_of(expr.left, state, frame), self.kind_of(expr.right, state, frame))
        if isinstance(expr, cst.IfExp):
            return join(self.kind_of(expr.body, state, frame), self.kind_of(expr.orelse, state, frame))
        if isinstance(expr, cst.Tuple):
            if any(isinstance(e, cst.StarredElement) for e in expr.elements):
                return seq(None)
            return tup(*(self.kind_of(e.value, state, frame) for e in expr.elements))
        if isinstance(expr, (cst.List, cst.Set)):
            out: Kind = BOTTOM
            for e in expr.elements:
                k = self.kind_of(e.value, state, frame)
                out = join(out, element(k) if isinstance(e, cst.StarredElement) else k)
            return seq(out)
        if isinstance(expr, cst.Dict):
            out = BOTTOM
            for e in expr.elements:
                out = join(out, self.kind_of(e.value, state, frame) if isinstance(e, cst.DictElement) else None)
            return ("map", out)
        if isinstance(expr, (cst.ListComp, cst.SetComp, cst.GeneratorExp, cst.DictComp)):
            inner = self.comprehension_state(expr, state, frame)
            if isinstance(expr, cst.DictComp):
                return ("map", self.kind_of(expr.value, inner, frame))
            return seq(self.kind_of(expr.elt, inner, frame))
        if isinstance(expr, cst.NamedExpr):
            return self.kind_of(expr.value, state, frame)
        if isinstance(expr, cst.Lambda):
            return OBJECT
        return None

    def comprehension_state(self, comp: cst.CSTNode, state: State, frame: _Frame | None) -> State:
        """``state`` with the names a comprehension's ``for`` clauses bind."""
        inner = dict(state)
        clause = getattr(comp, "for_in", None)
        while clause is not None:
            self._assign(clause.target, element(self.kind_of(clause.iter, inner, frame)), inner, frame)
            clause = clause.inner_for_in
        return inner

    def _attribute(self, expr: cst.Attribute, state: State, frame: _Frame | None) -> Kind:
        if self.scopes.resolve(expr) is not None:
            return None
        if self._foreign_root(expr):
            return FOREIGN
        narrowed = dotted_name(expr)  # `isinstance(self.proj, nn.Conv2d)` narrowed `self.proj`
        if narrowed is not None and narrowed in state and state[narrowed] is not None:
            return state[narrowed]
        base = self.kind_of(expr.value, state, frame)
        name = expr.attr.value
        if base == TENSOR:
            return _TENSOR_ATTRS.get(name)
        if base == FOREIGN:
            return FOREIGN
        if isinstance(base, tuple) and base[0] == "inst":
            kind = self._attr(base[1], name)
            if kind is None and base[2] and name in _LAYER_PARAMS and self._method(base[1], name) is None:
                # a subclass of a torch layer (`class C(nn.Conv2d)`): the layer's own parameters
                return TENSOR if self.classes[base[1]].torch_base is not None else None
            return kind
        if (base in (LAYER, LAYERS) or layer_class(base)) and name in _LAYER_PARAMS:
            return TENSOR  # a torch layer's parameters and buffers
        if isinstance(base, tuple) and base[0] == "seq" and name in ("values", "indices") and base[1] == TENSOR:
            return TENSOR  # the (values, indices) of x.max(dim)
        if base is None and name == "saved_tensors":
            return seq(TENSOR)  # an autograd Function's `ctx.saved_tensors`
        return None

    def _other_qualname(self, expr: cst.BaseExpression) -> str | None:
        """What a name imported from a module other than torch means (``collections.OrderedDict``)."""
        dotted = dotted_name(expr)
        if dotted is None:
            return None
        head, _, rest = dotted.partition(".")
        qual = self.pre.other_qualnames.get(head)
        if qual is None or self.scopes.shadowed(head):
            return None
        return qual + ("." + rest if rest else "")

    def _imports_paddle(self) -> bool:
        """The file imports paddle (it is, at least in part, Paddle code: a translation read again)."""
        return any(qual.split(".")[0] == "paddle" for qual in self.pre.other_qualnames.values())

    def _foreign_root(self, expr: cst.BaseExpression) -> bool:
        """``paddle.zeros(3).T``, ``np.ones(2)``: rooted at an import of paddle or numpy."""
        expr = chain_root(expr, self.chain_roots)
        if not isinstance(expr, cst.Name) or self.scopes.shadowed(expr.value):
            return False
        qual = self.pre.other_qualnames.get(expr.value)
        return qual is not None and qual.split(".")[0] in _FOREIGN_MODULES

    def _call(self, call: cst.Call, state: State, frame: _Frame | None) -> Kind:
        func = call.func
        qual = self.scopes.resolve(func)
        if qual is not None:
            return self._torch_call(qual, call, state, frame)
        if self._foreign_root(func):
            return FOREIGN
        if self._other_qualname(func) == "collections.OrderedDict":
            return self._builtin("dict", call, state, frame)
        if isinstance(func, cst.Name):
            name = func.value
            local = name in state or (frame is not None and name in frame.names)
            if not local and name not in self.pre.module_locals and name not in self.pre.other_imports:
                return self._builtin(name, call, state, frame)
            if not local and name in _RETURNS_RECEIVER and call.args:
                # a first pass's in-place support function (`_torch_mul_(x, k)`) returns its x
                return self.kind_of(call.args[0].value, state, frame)
            if not local and name in self.functions:
                self._passes(self.functions[name], call, state, frame, bound=False)
                return self.returns.get(id(self.functions[name]))
            if not local and name in self.classes:
                init = self._method(name, "__init__")
                if init is not None:
                    self._passes(init, call, state, frame, bound=True)
                return self.classes[name].instance()
            held = self._lookup(name, state, frame)
            return TENSOR if is_layer(held) else None
        if isinstance(func, cst.Attribute):
            return self._method_call(func, call, state, frame)
        held = self.kind_of(func, state, frame)
        return TENSOR if is_layer(held) else None  # `self.layers[i](x)` runs a layer's forward

    def _passes(self, fn: cst.FunctionDef, call: cst.Call, state: State, frame: _Frame | None, bound: bool) -> None:
        """Record what a call of a function of this file passes to its parameters."""
        if not self.recording:
            return
        params = all_params(fn.params)
        if bound and not any(dotted_name(d.decorator) == "staticmethod" for d in fn.decorators):
            params = params[1:]
        if any(a.star for a in call.args):
            passed: dict[str, Kind] = {p.name.value: None for p in params}
        else:
            positional = [a for a in call.args if a.keyword is None]
            passed = {p.name.value: self.kind_of(a.value, state, frame) for p, a in zip(params, positional)}
            for a in call.args:
                if a.keyword is not None:
                    passed[a.keyword.value] = self.kind_of(a.value, state, frame)
        for name, kind in passed.items():
            key = (id(fn), name)
            self._new_params[key] = join(self._new_params.get(key, BOTTOM), kind)

    def _torch_call(self, qual: str, call: cst.Call, state: State, frame: _Frame | None) -> Kind:
        kind = self._torch_class_kind(qual)
        if kind is not None:
            return kind
        mod, _, name = qual.rpartition(".")
        if name in UNRULED_NON_TENSOR_FUNCTIONS or name in self.table.names_with_evidence("function", "value"):
            return OBJECT
        if not name[:1].islower():
            return None
        if mod == "torchvision.transforms.functional" and qual in self.table.apis and not name.startswith(("to_pil", "get_")):
            # an image function gives an image of the kind it was given: a tensor for a tensor
            # (a PIL image for a PIL image)
            first = next((a for a in call.args if a.keyword is None and not a.star), None)
            return TENSOR if first is not None and self.kind_of(first.value, state, frame) == TENSOR else None
        public_ops = (mod + ".").startswith("torchvision.ops.") and not any(p.startswith("_") for p in mod.split("."))
        if mod not in TENSOR_FUNCTION_MODULES and not public_ops:
            return None  # (torchvision.ops' public functions: operators on tensors, boxes, masks)
        if not public_ops and qual not in self.table.apis:
            return None  # left in torch form: what it gives is torch's, not for Paddle rules
        if name in _SEQ_RESULT or (name == "where" and len(call.args) == 1):
            return seq(TENSOR)
        if name in _MAYBE_SEQ:
            return self._maybe_seq(call.args[1:], state, frame)
        return TENSOR

    def _maybe_seq(self, args: Iterable[cst.Arg], state: State, frame: _Frame | None) -> Kind:
        """``max(x)``/``max(x, other)`` give a tensor, ``max(x, dim)`` gives (values, indices)."""
        args = [a for a in args if a.keyword is None or a.keyword.value in ("dim", "other")]
        if not args:
            return TENSOR
        first = args[0]
        if first.keyword is not None and first.keyword.value == "dim":
            return seq(TENSOR)
        kind = self.kind_of(first.value, state, frame)
        return seq(TENSOR) if kind == INT else (TENSOR if kind == TENSOR else None)

    def _builtin(self, name: str, call: cst.Call, state: State, frame: _Frame | None) -> Kind:
        args = [self.kind_of(a.value, state, frame) for a in call.args if a.keyword is None and not a.star]
        if name == "dict" and len(args) == 1:
            pair = element(args[0])  # dict([(key, value), ...])
            return ("map", index(pair, 1, False) if isinstance(pair, tuple) and pair[0] == "tup" else None)
        if name in _BUILTIN_RESULTS:
            return _BUILTIN_RESULTS[name]
        if name in ("list", "tuple", "sorted", "reversed", "iter"):
            return seq(element(args[0]) if args else BOTTOM)
        if name == "enumerate" and args:
            return seq(tup(INT, element(args[0])))
        if name == "zip" and args:
            return seq(tup(*(element(a) for a in args)))
        if name == "next" and args:
            return element(args[0])
        if name in ("max", "min", "sum", "abs", "pow", "divmod") and args:
            if len(args) == 1 and name != "abs":
                return element(args[0])
            out: Kind = BOTTOM
            for a in args:
                out = join(out, a)
            return None if out == BOTTOM else out
        return None

    def _method_call(self, func: cst.Attribute, call: cst.Call, state: State, frame: _Frame | None) -> Kind:
        method, recv = func.attr.value, func.value
        if isinstance(recv, cst.Call) and isinstance(recv.func, cst.Name) and recv.func.value == "super":
            cls = self._enclosing_class(frame)
            if cls is not None and method == "forward" and self.classes[cls].is_layer:
                return TENSOR
            return None
        base = self.kind_of(recv, state, frame)
        if base == TENSOR:
            return self._tensor_method(method, call, state, frame)
        if base == FOREIGN:
            return FOREIGN
        if isinstance(base, tuple):
            if base[0] == "inst":
                fn = self._method(base[1], method)
                if fn is not None:
                    self._passes(fn, call, state, frame, bound=True)
                    return self.returns.get(id(fn))
                attr = self._attr(base[1], method)
                if attr is not None:
                    return TENSOR if is_layer(attr) else None
                if base[2]:
                    # a layer's sublayer or inherited method: its forward, as the old evidence said
                    return self._layer_method(base, method, call) or TENSOR
            if base[0] == "map":
                value = None if base[1] == BOTTOM else base[1]
                return {"items": seq(tup(None, value)), "values": seq(value), "keys": seq(None), "get": value,
                        "pop": value, "copy": base}.get(method)  # fmt: skip
            if base[0] in ("seq", "tup"):
                return {"index": INT, "count": INT, "copy": base, "pop": element(base)}.get(method)
        if base in (LAYER, LAYERS, OPTIMIZER) or layer_class(base):
            return self._layer_method(base, method, call)
        if base == STR:
            return _STR_METHODS.get(method)
        if base is None and method in self.table.names_with_evidence("method", "layer-only"):
            return self._layer_method(LAYER, method, call)  # only layers have this method
        if base is None and method == "saved_tensor" and not call.args and self._imports_paddle():
            return seq(FOREIGN)  # Paddle's `ctx.saved_tensor()`: a first pass's `ctx.saved_tensors`
        if base is None and method in self.table.methods and method not in self.table.names_with_evidence("method", "value"):
            # `self.<attribute>.<method>()` in a layer: a sublayer's method (as the old evidence said)
            if isinstance(recv, cst.Attribute) and self._is_self(recv.value, state, frame):
                return TENSOR
        return None

    def _tensor_method(self, method: str, call: cst.Call, state: State, frame: _Frame | None) -> Kind:
        if method == "size":
            return SHAPE if not call.args else INT
        if method in _INT_METHODS:
            return INT
        if method in _SEQ_RESULT:
            return seq(TENSOR)
        if method in _MAYBE_SEQ:
            return self._maybe_seq(call.args, state, frame)
        if method in ("item",):
            return FLOAT
        if method == "numpy":
            return FOREIGN
        if method.startswith("is_") or method in ("equal", "allclose"):
            return BOOL
        if method in ("tolist", "type") or method in self.table.names_with_evidence("method", "value"):
            return None if method in ("tolist", "type") else OBJECT
        if method in self.table.methods or method in self.table.tensor_methods:
            return TENSOR
        return None

    def _layer_method(self, base: Kind, method: str, call: cst.Call) -> Kind:
        if method in self.table.names_with_evidence("method", "self"):
            return base
        if base == OPTIMIZER:
            return None
        named = {"parameters": TENSOR, "buffers": TENSOR, "modules": LAYER, "children": LAYER}
        if method in named:
            return seq(named[method])
        if method.startswith("named_") and method[6:] in named:
            return seq(tup(STR, named[method[6:]]))
        if method == "state_dict":
            return ("map", TENSOR)
        if method in ("forward", "__call__"):
            return TENSOR
        if base == LAYERS:
            return {"values": seq(LAYER), "items": seq(tup(STR, LAYER)), "keys": seq(STR)}.get(method)
        return None

    def _enclosing_class(self, frame: _Frame | None) -> str | None:
        while frame is not None:
            if frame.cls is not None:
                return frame.cls
            frame = frame.parent
        return None

    def _is_self(self, node: cst.BaseExpression, state: State, frame: _Frame | None) -> bool:
        if not isinstance(node, cst.Name):
            return False
        held = self._lookup(node.value, state, frame)
        return isinstance(held, tuple) and held[0] == "inst" and held[2]

