"""Rewrites that remove or replace whole statements and library idioms."""

from __future__ import annotations

import libcst as cst

from ...rules import ApiRule
from ..registry import Removed, TranslateContext, handler
from ._common import Outcome, atom, kw, literal_value, make_call, refused, snippet


@handler("remove_statement")
def remove_statement(ctx: TranslateContext, call: cst.Call, rule: ApiRule) -> Removed:
    """Calls with no Paddle meaning (torchvision's API usage logging) are removed."""
    return Removed()


@handler("support_call")
def support_call(ctx: TranslateContext, call: cst.Call, rule: ApiRule) -> cst.BaseExpression:
    """Calls to a function the translation emits as support code, with a review note."""
    assert rule.support is not None
    ctx.support(rule.support)
    if rule.note:
        ctx.warn(call, rule.torch, rule.note)
    return call.with_changes(func=cst.Name(rule.support))


@handler("zero_grad")
def zero_grad(ctx: TranslateContext, call: cst.Call, rule: ApiRule) -> Outcome:
    """``opt.zero_grad()`` / ``model.zero_grad()``: torch frees the gradients (``set_to_none=True``,
    its default), Paddle's ``clear_grad()``/``clear_gradients()`` zero them, which a later
    ``p.grad is None`` sees.  An optimizer's ``clear_grad(set_to_zero=...)`` says either on every
    Paddle; a layer's ``clear_gradients`` takes no argument on Paddle 2.6, so freeing goes through
    the emitted ``_zero_grad`` (each parameter's ``clear_gradient(False)``)."""
    bound = ctx.bind(call, rule)
    if refused(bound):
        return bound
    assert isinstance(call.func, cst.Attribute)
    owner = call.func.value
    to_none = bound.get("set_to_none")
    literal = literal_value(to_none) if to_none is not None else True
    if rule.receiver == "optimizer":
        clear = call.func.with_changes(attr=cst.Name("clear_grad"))
        if literal is False:
            return make_call(clear, [])
        to_zero = cst.Name("False") if literal is True else cst.UnaryOperation(cst.Not(), atom(to_none))
        return make_call(clear, [kw("set_to_zero", to_zero)])
    if literal is False:
        return make_call(call.func.with_changes(attr=cst.Name("clear_gradients")), [])
    args = [cst.Arg(owner)] + ([] if literal is True else [cst.Arg(to_none)])
    return make_call(cst.Name(ctx.support("_zero_grad")), args)


snippet("_zero_grad", '''
def _zero_grad(layer, set_to_none=True):
    """torch's ``module.zero_grad(set_to_none)``: gradients freed (None) or zeroed."""
    for p in layer.parameters():
        p.clear_gradient(not set_to_none)
''', paddle=False)


snippet("_module_to", '''
def _module_to(layer, dtype):
    """torch's ``module.to(dtype)`` / ``double()`` / ``half()``: floating-point
    parameters and buffers cast to ``dtype``, integer and bool buffers kept (Paddle's
    ``Layer.to`` casts all); a dtype of None leaves the layer as it is."""
    if dtype is None:
        return layer
    kept = [
        (sub, name, buf.clone())
        for sub in layer.sublayers(include_self=True)
        for name, buf in sub.named_buffers(include_sublayers=False)
        if not paddle.is_floating_point(buf)
    ]
    layer.to(dtype=dtype)
    for sub, name, buf in kept:
        setattr(sub, name, buf)
    return layer
''')


snippet("TorchOptimizer", '''
class TorchOptimizer:
    """Base class of optimizers written against torch.optim.Optimizer: ``param_groups``
    (dicts holding ``"params"`` and the ``defaults``), ``state`` per parameter,
    ``zero_grad``, ``add_param_group``, ``state_dict``/``load_state_dict``; the subclass
    writes ``step``. (Paddle's own Optimizer takes a learning rate and parameters, and
    updates in C++.)"""

    def __init__(self, params, defaults):
        self.defaults = dict(defaults)
        self.state = collections.defaultdict(dict)
        self.param_groups = []
        groups = list(params)
        if not groups:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for group in groups:
            self.add_param_group(group)

    def add_param_group(self, param_group):
        group = dict(param_group)
        params = group["params"]
        group["params"] = [params] if isinstance(params, paddle.Tensor) else list(params)
        for key, value in self.defaults.items():
            group.setdefault(key, value)
        self.param_groups.append(group)

    def zero_grad(self, set_to_none=True):
        for group in self.param_groups:
            for p in group["params"]:
                p.clear_gradient(not set_to_none)

    def clear_grad(self, set_to_zero=True):
        self.zero_grad(set_to_none=not set_to_zero)

    def step(self, closure=None):
        raise NotImplementedError

    def get_lr(self):
        return self.param_groups[0]["lr"]

    def set_lr(self, value):
        for group in self.param_groups:
            group["lr"] = value

    def state_dict(self):
        index = {id(p): i for i, p in enumerate(p for g in self.param_groups for p in g["params"])}
        groups = [dict(g, params=[index[id(p)] for p in g["params"]]) for g in self.param_groups]
        state = {index[id(p)]: dict(s) for p, s in self.state.items() if id(p) in index}
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict):
        params = [p for g in self.param_groups for p in g["params"]]
        for group, saved in zip(self.param_groups, state_dict["param_groups"]):
            group.update({k: v for k, v in saved.items() if k != "params"})
        self.state = collections.defaultdict(dict)
        for i, s in state_dict["state"].items():
            self.state[params[int(i)]] = dict(s)
''', imports=("import collections",))
