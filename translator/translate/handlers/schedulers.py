"""More optimizers and learning-rate schedulers (rules/optim_more.toml, rules/lr_schedulers.toml).

Optimizers
    ``optimizer_params``: torch's ``params``/``lr`` become ``parameters=``/``learning_rate=``,
    ``betas`` is split into ``beta1``/``beta2``; the entry's ``rename`` says the other names,
    its ``drop`` what only tunes torch's implementation, its ``drop_if`` what Paddle leaves out
    (``weight_decay=0``), its ``unsupported`` what Paddle cannot express, and its ``extra`` the
    torch defaults that differ from Paddle's, written out when the call does not give them.

Schedulers
    As the schedulers of rules/training.toml: a Paddle scheduler is built from the optimizer's
    learning rate (``optimizer.get_lr()``) and attached with the emitted
    ``_attach_lr_scheduler``.  SequentialLR and ChainedScheduler are emitted support classes
    (``_SequentialLR``, ``_ChainedScheduler``) that drive the Paddle schedulers they are given.
"""

from __future__ import annotations

import libcst as cst

from ...rules import ApiRule
from ..registry import Refusal, TranslateContext, handler
from ._common import (
    Outcome,
    bind_supported,
    divided,
    is_simple,
    kw,
    literal_is,
    make_call,
    pair_item,
    quoted,
    refuse,
    refused,
    separated,
    snippet,
)


def _dropped_if(rule: ApiRule, name: str, value: cst.BaseExpression) -> bool:
    """The entry's ``drop_if`` says this value (``weight_decay = "0"`` also drops ``0.0``)."""
    written = rule.drop_if.get(name)
    return written is not None and literal_is(value, written, written + ".0")


def _param_groups(rule: ApiRule, params: cst.BaseExpression, lr: cst.BaseExpression) -> cst.BaseExpression | Outcome:
    """A list of param-group dicts with torch keys -> Paddle keys (a group ``lr`` is a factor of
    the optimizer's learning rate in Paddle: ``group_lr / lr``)."""
    if not isinstance(params, cst.List) or not any(isinstance(e.value, cst.Dict) for e in params.elements):
        return params
    elements = []
    for el in params.elements:
        group = el.value
        if not isinstance(group, cst.Dict):
            return refuse(Refusal.UNSUPPORTED_USE, "param groups mixing dicts and tensors; left unchanged")
        items: list[cst.DictElement] = []
        for item in group.elements:
            if not isinstance(item, cst.DictElement) or not isinstance(item.key, cst.SimpleString):
                return refuse(Refusal.UNSUPPORTED_USE, "param group keys must be string literals to be renamed; left unchanged")
            key = str(item.key.evaluated_value)
            if key == "params":
                items.append(item)
            elif key == "lr" and rule.name == "Rprop":
                return refuse(Refusal.UNSUPPORTED_USE, "Paddle's Rprop ignores a param group's learning rate; left unchanged")
            elif key == "lr":
                items.append(cst.DictElement(quoted("learning_rate"), divided(item.value, lr)))
            elif key == "betas":
                items.append(cst.DictElement(quoted("beta1"), pair_item(item.value, 0)))
                items.append(cst.DictElement(quoted("beta2"), pair_item(item.value, 1)))
            elif key in rule.rename and key in ("weight_decay", "eps", "rho"):
                items.append(cst.DictElement(quoted(rule.rename.get(key, key)), item.value))
            elif key in ("weight_decay", "rho"):
                items.append(item)
            else:
                return refuse(Refusal.UNSUPPORTED_USE, f"param group key {key!r} has no Paddle equivalent; left unchanged")
        elements.append(el.with_changes(value=group.with_changes(elements=separated(items))))
    return params.with_changes(elements=elements)


@handler("optimizer_params")
def optimizer_params(ctx: TranslateContext, call: cst.Call, rule: ApiRule) -> Outcome:
    """``torch.optim.Adamax(model.parameters(), lr=0.01, betas=(0.8, 0.99))`` ->
    ``paddle.optimizer.Adamax(parameters=model.parameters(), learning_rate=0.01, beta1=0.8, beta2=0.99)``."""
    bound = bind_supported(ctx, call, rule)
    if refused(bound):
        return bound  # type: ignore[return-value]
    assert isinstance(bound, dict) and rule.paddle is not None
    lr = bound.get("lr")
    if lr is None:
        lr = cst.parse_expression(rule.extra.get("learning_rate") or rule.param("lr").default or "0.001")  # type: ignore[union-attr]
    out: list[cst.Arg] = []
    for p in rule.params or ():
        if p.name not in bound or p.name in rule.drop or p.name in rule.unsupported:
            continue
        value = bound[p.name]
        if _dropped_if(rule, p.name, value):
            continue
        if p.name == "params":
            groups = _param_groups(rule, value, lr)
            if not isinstance(groups, cst.BaseExpression):
                return groups
            out.append(kw("parameters", groups))
        elif p.name == "betas":
            out.append(kw("beta1", pair_item(value, 0)))
            out.append(kw("beta2", pair_item(value, 1)))
        else:
            out.append(kw(rule.rename.get(p.name, p.name), value))
    written = {a.keyword.value for a in out if a.keyword is not None}
    for key, default in rule.extra.items():
        if key not in written:
            out.append(kw(key, cst.parse_expression(default)))
    return make_call(ctx.ref(rule.paddle), out)


# ------------------------------------------------------------------------- schedulers -------
def _optimizer_arg(bound: dict[str, cst.BaseExpression]) -> cst.BaseExpression | Outcome:
    opt = bound.get("optimizer")
    if opt is None:
        return refuse(Refusal.CANNOT_BIND, "needs the optimizer; left unchanged")
    if not is_simple(opt, parenthesized=True):
        return refuse(Refusal.UNSUPPORTED_USE, "the optimizer is needed twice; assign it to a name first")
    return opt


def _attach(ctx: TranslateContext, opt: cst.BaseExpression, sched: cst.BaseExpression) -> cst.Call:
    return make_call(cst.Name(ctx.support("_attach_lr_scheduler")), [cst.Arg(opt), cst.Arg(sched)])


def _get_lr(opt: cst.BaseExpression) -> cst.Call:
    return cst.Call(func=cst.Attribute(value=opt, attr=cst.Name("get_lr")), args=[])


@handler("lr_scheduler_data")
def lr_scheduler_data(ctx: TranslateContext, call: cst.Call, rule: ApiRule) -> Outcome:
    """``PolynomialLR(optimizer, total_iters=4)`` ->
    ``_attach_lr_scheduler(optimizer, paddle.optimizer.lr.PolynomialDecay(learning_rate=optimizer.get_lr(), decay_steps=4, end_lr=0.0))``.

    The entry's data says the rest: ``rename``, ``drop``, ``unsupported``, and ``extra`` (values
    written when the call does not give them: torch defaults Paddle lacks).  A Paddle scheduler
    whose signature has ``learning_rate`` starts from the optimizer's learning rate."""
    bound = bind_supported(ctx, call, rule)
    if refused(bound):
        return bound  # type: ignore[return-value]
    assert isinstance(bound, dict) and rule.paddle is not None
    opt = _optimizer_arg(bound)
    if not isinstance(opt, cst.BaseExpression):
        return opt
    for key in ("base_lr", "max_lr", "eta_min"):
        if isinstance(bound.get(key), (cst.List, cst.Tuple)):
            return refuse(Refusal.UNSUPPORTED_ARGUMENT, f"{key} per param group has no Paddle equivalent; left unchanged")
    out: list[cst.Arg] = []
    if any(p.name == "learning_rate" for p in rule.paddle_params or ()):
        out.append(kw("learning_rate", _get_lr(opt)))
    for p in rule.params or ():
        if p.name == "optimizer" or p.name not in bound or p.name in rule.drop or p.name in rule.unsupported:
            continue
        out.append(kw(rule.rename.get(p.name, p.name), bound[p.name]))
    written = {a.keyword.value for a in out if a.keyword is not None}
    for key, default in rule.extra.items():
        if key not in written:
            out.append(kw(key, cst.parse_expression(default)))
    if rule.name == "CyclicLR":
        cycle = bound.get("cycle_momentum")
        if cycle is None or not literal_is(cycle, "False"):
            ctx.warn(call, rule.torch, "Paddle's CyclicLR does not cycle the optimizer's momentum (torch's cycle_momentum=True); only the learning rate follows the schedule")
    return _attach(ctx, opt, make_call(ctx.ref(rule.paddle), out))


@handler("constant_lr")
def constant_lr(ctx: TranslateContext, call: cst.Call, rule: ApiRule) -> Outcome:
    """``ConstantLR(optimizer, factor=0.5, total_iters=4)`` -> a ``LambdaDecay`` whose factor is
    ``0.5`` before epoch 4 and 1 from then on (a factor of the base rate, so SequentialLR and
    ChainedScheduler can rebase it)."""
    bound = bind_supported(ctx, call, rule)
    if refused(bound):
        return bound  # type: ignore[return-value]
    assert isinstance(bound, dict)
    opt = _optimizer_arg(bound)
    if not isinstance(opt, cst.BaseExpression):
        return opt
    factor = bound.get("factor", cst.parse_expression(rule.param("factor").default))  # type: ignore[union-attr,arg-type]
    total = bound.get("total_iters", cst.parse_expression(rule.param("total_iters").default))  # type: ignore[union-attr,arg-type]
    for name, value in (("factor", factor), ("total_iters", total)):
        if not (isinstance(value, (cst.Integer, cst.Float)) or is_simple(value, parenthesized=True)):
            return refuse(Refusal.UNSUPPORTED_USE, f"{name} must be a number or a name (it is read again at every step); left unchanged")
    lam = cst.parse_expression(f"lambda epoch: {ctx.code(factor)} if epoch < {ctx.code(total)} else 1.0")
    args = [kw("learning_rate", _get_lr(opt)), kw("lr_lambda", lam)]
    if "last_epoch" in bound:
        args.append(kw("last_epoch", bound["last_epoch"]))
    return _attach(ctx, opt, make_call(ctx.ref("paddle.optimizer.lr.LambdaDecay"), args))


@handler("chained_scheduler")
def chained_scheduler(ctx: TranslateContext, call: cst.Call, rule: ApiRule) -> Outcome:
    """``ChainedScheduler([s1, s2], optimizer=opt)`` -> ``_ChainedScheduler([s1, s2], opt)``.

    A Paddle scheduler does not know its optimizer: it is the ``optimizer=`` argument, or the
    optimizer the first scheduler of a list literal is attached to."""
    bound = bind_supported(ctx, call, rule)
    if refused(bound):
        return bound  # type: ignore[return-value]
    assert isinstance(bound, dict)
    schedulers = bound.get("schedulers")
    if schedulers is None:
        return refuse(Refusal.CANNOT_BIND, "needs the schedulers; left unchanged")
    opt = bound.get("optimizer")
    if opt is None or literal_is(opt, "None"):
        opt = None
        if isinstance(schedulers, (cst.List, cst.Tuple)) and schedulers.elements:
            first = schedulers.elements[0].value
            if isinstance(first, cst.Call) and isinstance(first.func, cst.Name) and first.func.value == "_attach_lr_scheduler":
                opt = first.args[0].value
        if opt is None:
            return refuse(Refusal.UNSUPPORTED_USE, "Paddle schedulers do not know their optimizer: pass optimizer=... (torch >= 2.2 takes it); left unchanged")
    return make_call(cst.Name(ctx.support("_ChainedScheduler")), [cst.Arg(schedulers), cst.Arg(opt)])


@handler("sequential_lr")
def sequential_lr(ctx: TranslateContext, call: cst.Call, rule: ApiRule) -> Outcome:
    """``SequentialLR(opt, schedulers=[s1, s2], milestones=[5])`` -> ``_SequentialLR(opt, [s1, s2], [5])``."""
    bound = bind_supported(ctx, call, rule)
    if refused(bound):
        return bound  # type: ignore[return-value]
    assert isinstance(bound, dict)
    if not all(k in bound for k in ("optimizer", "schedulers", "milestones")):
        return refuse(Refusal.CANNOT_BIND, "needs the optimizer, the schedulers and the milestones; left unchanged")
    args = [cst.Arg(bound["optimizer"]), cst.Arg(bound["schedulers"]), cst.Arg(bound["milestones"])]
    return make_call(cst.Name(ctx.support("_SequentialLR")), args)


snippet(
    "_SequentialLR",
    '''
class _SequentialLR(paddle.optimizer.lr.LRScheduler):
    """torch's ``SequentialLR``: ``schedulers[i]`` drives the learning rate from
    ``milestones[i - 1]`` on, restarted at its epoch 0 there. Each Paddle scheduler was
    built from the optimizer's rate when it was made (a previous scheduler may have
    changed it): all but the first start again from the first one's base rate
    (OneCycleLR and CyclicLR carry their own rates)."""

    def __init__(self, optimizer: Any, schedulers: Any, milestones: Any, last_epoch: int = -1) -> None:
        self._schedulers = list(schedulers)
        self._milestones = list(milestones)
        base = self._schedulers[0].base_lr
        for s in self._schedulers[1:]:
            if not isinstance(s, (paddle.optimizer.lr.OneCycleLR, paddle.optimizer.lr.CyclicLR)):
                s.base_lr = s.last_lr = base
                s.last_epoch = -1
                s.step()
        super().__init__(learning_rate=base, last_epoch=last_epoch)
        self.keys = ["last_epoch", "last_lr"]
        optimizer.set_lr_scheduler(self)

    def get_lr(self) -> float:
        if self.last_epoch <= 0:
            return self._schedulers[0].last_lr
        i = bisect.bisect_right(self._milestones, self.last_epoch)
        s = self._schedulers[i]
        if i > 0 and self._milestones[i - 1] == self.last_epoch:
            s.step(0)
        else:
            s.step()
        return s.last_lr
''',
    imports=("import bisect", "from typing import Any"),
)

snippet(
    "_ChainedScheduler",
    '''
class _ChainedScheduler(paddle.optimizer.lr.LRScheduler):
    """torch's ``ChainedScheduler``: every scheduler steps together and their factors
    multiply. Each Paddle scheduler's factor is its rate over its base rate; the product
    scales the first scheduler's base rate (torch's multiplicative schedulers compose
    the same way)."""

    def __init__(self, schedulers: Any, optimizer: Any) -> None:
        self._schedulers = list(schedulers)
        super().__init__(learning_rate=self._schedulers[0].base_lr)
        self.keys = ["last_epoch", "last_lr"]
        optimizer.set_lr_scheduler(self)

    def get_lr(self) -> float:
        if self.last_epoch > 0:
            for s in self._schedulers:
                s.step()
        lr = self.base_lr
        for s in self._schedulers:
            lr = lr * s.last_lr / s.base_lr
        return lr
''',
    imports=("from typing import Any",),
)
