"""Training-loop rewrites: optimizers, learning-rate schedulers, devices, data loading.

Optimizers
    torch takes ``params`` first and ``lr``; Paddle takes ``parameters=`` and ``learning_rate=``.
    ``SGD`` with a momentum becomes ``paddle.optimizer.Momentum`` (same update rule: the velocity
    starts at the first gradient, Nesterov as ``use_nesterov``); ``weight_decay`` is an L2 term
    added to the gradient in both (AdamW: decoupled in both).  ``betas`` -> ``beta1``/``beta2``,
    ``eps`` -> ``epsilon``, RMSprop's ``alpha`` -> ``rho``.  Defaults that differ are written
    out (torch's RMSprop/Adagrad lr 0.01, Adagrad's eps 1e-10).  Param groups written as a list
    of dicts get their keys renamed; a group ``lr`` becomes Paddle's ``learning_rate``, which is
    a *factor* of the optimizer's learning rate, so it is written as ``group_lr / lr``.

Schedulers
    torch builds the optimizer, then ``StepLR(optimizer, ...)`` drives it; Paddle builds a
    scheduler from a base learning rate and the optimizer reads it.  The translation keeps the
    statement order: the scheduler is built from ``optimizer.get_lr()`` and attached with
    ``optimizer.set_lr_scheduler`` by the emitted ``_attach_lr_scheduler`` helper, which returns
    the scheduler; ``scheduler.step()`` is unchanged.
"""

from __future__ import annotations

import libcst as cst

from ...rules import ApiRule
from ..registry import Refusal, Refused, TranslateContext, handler
from ._common import SPACE, Outcome, as_list, atom, divided, is_simple, kw, literal_is, pair_item, quoted, refuse, refused, separated

# torch optimizer -> (paddle class, {torch arg: paddle arg}, {paddle arg: default written when torch's differs})
_OPTIMIZERS: dict[str, tuple[str, dict[str, str], dict[str, str]]] = {
    "SGD": ("paddle.optimizer.SGD", {"lr": "learning_rate", "weight_decay": "weight_decay"}, {}),
    "Adam": ("paddle.optimizer.Adam", {"lr": "learning_rate", "eps": "epsilon", "weight_decay": "weight_decay"}, {}),
    "AdamW": ("paddle.optimizer.AdamW", {"lr": "learning_rate", "eps": "epsilon", "weight_decay": "weight_decay"}, {}),
    "RMSprop": (
        "paddle.optimizer.RMSProp",
        {"lr": "learning_rate", "alpha": "rho", "eps": "epsilon", "weight_decay": "weight_decay", "momentum": "momentum", "centered": "centered"},
        {"learning_rate": "0.01", "rho": "0.99", "epsilon": "1e-08"},
    ),
    "Adagrad": (
        "paddle.optimizer.Adagrad",
        {"lr": "learning_rate", "eps": "epsilon", "weight_decay": "weight_decay", "initial_accumulator_value": "initial_accumulator_value"},
        {"learning_rate": "0.01", "epsilon": "1e-10"},
    ),
}
# arguments that only tune torch's implementation
_IGNORED = {"foreach", "differentiable", "fused", "capturable"}
# group keys: torch -> paddle (lr and betas are handled separately)
_GROUP_KEYS = {"params": "params", "weight_decay": "weight_decay", "momentum": "momentum", "nesterov": "use_nesterov", "eps": "epsilon", "alpha": "rho", "centered": "centered"}


def _groups(ctx: TranslateContext, call: cst.Call, rule: ApiRule, params: cst.BaseExpression, lr: cst.BaseExpression) -> cst.BaseExpression | Refused:
    """A list of param-group dicts with torch keys -> the same with Paddle keys."""
    if not isinstance(params, cst.List) or not any(isinstance(e.value, cst.Dict) for e in params.elements):
        return params
    new_elements = []
    for el in params.elements:
        group = el.value
        if not isinstance(group, cst.Dict):
            return refuse(Refusal.UNSUPPORTED_ARGUMENT, "param groups mixing dicts and tensors; left unchanged")
        items: list[cst.DictElement] = []
        for item in group.elements:
            if not isinstance(item, cst.DictElement) or not isinstance(item.key, cst.SimpleString):
                return refuse(Refusal.UNSUPPORTED_ARGUMENT, "param group keys must be string literals to be renamed; left unchanged")
            key = str(item.key.evaluated_value)
            if key == "lr":
                # Paddle's group learning_rate multiplies the optimizer's learning rate
                items.append(cst.DictElement(quoted("learning_rate"), divided(item.value, lr)))
            elif key == "betas":
                items.append(cst.DictElement(quoted("beta1"), pair_item(item.value, 0)))
                items.append(cst.DictElement(quoted("beta2"), pair_item(item.value, 1)))
            elif key in _GROUP_KEYS:
                items.append(cst.DictElement(quoted(_GROUP_KEYS[key]), item.value))
            else:
                return refuse(Refusal.UNSUPPORTED_ARGUMENT, f"param group key {key!r} has no Paddle equivalent; left unchanged")
        new_elements.append(el.with_changes(value=group.with_changes(elements=separated(items))))
    return params.with_changes(elements=new_elements)


@handler("optimizer")
def optimizer(ctx: TranslateContext, call: cst.Call, rule: ApiRule) -> Outcome:
    """``torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)`` ->
    ``paddle.optimizer.Momentum(parameters=model.parameters(), learning_rate=0.1, momentum=0.9)``."""
    bound = ctx.bind(call, rule)
    if refused(bound):
        return bound
    name = rule.name
    target, renames, defaults = _OPTIMIZERS[name]
    for arg in ("maximize", "amsgrad", "nesterov" if name != "SGD" else "", "lr_decay", "dampening", "decoupled_weight_decay"):
        value = bound.get(arg)
        if value is None:
            continue
        if arg == "lr_decay" or arg == "dampening":
            if literal_is(value, "0", "0.0"):
                continue
        elif literal_is(value, "False"):
            continue
        return refuse(Refusal.UNSUPPORTED_ARGUMENT, f"{arg}={ctx.code(value)} has no Paddle {target.rsplit('.', 1)[-1]} equivalent; left unchanged")
    momentum = bound.get("momentum")
    if name == "SGD" and momentum is not None and not literal_is(momentum, "0", "0.0"):
        target = "paddle.optimizer.Momentum"
        renames = {**renames, "momentum": "momentum", "nesterov": "use_nesterov"}
    out: list[cst.Arg] = []
    lr = bound.get("lr")
    lr_value = lr if lr is not None else cst.parse_expression(defaults.get("learning_rate", rule.param("lr").default or "0.001"))  # type: ignore[union-attr]
    for p in rule.params or ():
        if p.name not in bound:
            continue
        value = bound[p.name]
        if p.name == "params":
            groups = _groups(ctx, call, rule, value, lr_value)
            if refused(groups):
                return groups
            out.append(kw("parameters", groups))
        elif p.name == "betas":
            out.append(kw("beta1", pair_item(value, 0)))
            out.append(kw("beta2", pair_item(value, 1)))
        elif p.name in renames:
            if p.name == "weight_decay" and literal_is(value, "0", "0.0") and name != "AdamW":
                continue
            out.append(kw(renames[p.name], value))
        elif p.name in _IGNORED or p.name in ("maximize", "amsgrad", "lr_decay", "dampening", "decoupled_weight_decay"):
            continue
        elif p.name == "nesterov" or p.name == "momentum":
            continue  # SGD without momentum: plain SGD (nesterov needs a momentum in torch too)
        else:
            return refuse(Refusal.UNSUPPORTED_ARGUMENT, f"argument {p.name!r} has no Paddle equivalent; left unchanged")
    written = {a.keyword.value for a in out if a.keyword is not None}
    for key, default in defaults.items():
        if key not in written:
            out.append(kw(key, cst.parse_expression(default)))
    return cst.Call(func=ctx.ref(target), args=separated(out))


# torch scheduler -> (paddle class, {torch arg: paddle arg}, takes the optimizer's lr as learning_rate)
_SCHEDULERS: dict[str, tuple[str, dict[str, str], bool]] = {
    "StepLR": ("StepDecay", {"step_size": "step_size", "gamma": "gamma", "last_epoch": "last_epoch"}, True),
    "MultiStepLR": ("MultiStepDecay", {"milestones": "milestones", "gamma": "gamma", "last_epoch": "last_epoch"}, True),
    "ExponentialLR": ("ExponentialDecay", {"gamma": "gamma", "last_epoch": "last_epoch"}, True),
    "CosineAnnealingLR": ("CosineAnnealingDecay", {"T_max": "T_max", "eta_min": "eta_min", "last_epoch": "last_epoch"}, True),
    "LambdaLR": ("LambdaDecay", {"lr_lambda": "lr_lambda", "last_epoch": "last_epoch"}, True),
    "MultiplicativeLR": ("MultiplicativeDecay", {"lr_lambda": "lr_lambda", "last_epoch": "last_epoch"}, True),
    "LinearLR": ("LinearLR", {"start_factor": "start_factor", "end_factor": "end_factor", "total_iters": "total_steps", "last_epoch": "last_epoch"}, True),
    "ReduceLROnPlateau": (
        "ReduceOnPlateau",
        {"mode": "mode", "factor": "factor", "patience": "patience", "threshold": "threshold", "threshold_mode": "threshold_mode",
         "cooldown": "cooldown", "min_lr": "min_lr", "eps": "epsilon"},
        True,
    ),
    "OneCycleLR": ("OneCycleLR", {"max_lr": "max_learning_rate", "total_steps": "total_steps", "pct_start": "phase_pct",
                                  "anneal_strategy": "anneal_strategy", "div_factor": "divide_factor",
                                  "three_phase": "three_phase", "last_epoch": "last_epoch"}, False),
}


@handler("lr_scheduler")
def lr_scheduler(ctx: TranslateContext, call: cst.Call, rule: ApiRule) -> Outcome:
    """``StepLR(optimizer, step_size=5)`` ->
    ``_attach_lr_scheduler(optimizer, paddle.optimizer.lr.StepDecay(learning_rate=optimizer.get_lr(), step_size=5))``."""
    bound = ctx.bind(call, rule)
    if refused(bound):
        return bound
    cls, renames, base_lr = _SCHEDULERS[rule.name]
    opt = bound.get("optimizer")
    if opt is None:
        return refuse(Refusal.CANNOT_BIND, "needs the optimizer; left unchanged")
    if not is_simple(opt):
        return refuse(Refusal.UNSUPPORTED_USE, "the optimizer is needed twice; assign it to a name first")
    for key in ("lr_lambda", "min_lr", "max_lr"):
        value = bound.get(key)
        if isinstance(value, (cst.List, cst.Tuple)):
            return refuse(Refusal.UNSUPPORTED_ARGUMENT, f"{key} per param group has no Paddle equivalent; left unchanged")
    out: list[cst.Arg] = []
    if base_lr:
        out.append(kw("learning_rate", cst.Call(func=cst.Attribute(value=opt, attr=cst.Name("get_lr")), args=[])))
    for p in rule.params or ():
        if p.name == "optimizer" or p.name not in bound:
            continue
        value = bound[p.name]
        if p.name in renames:
            if rule.name == "OneCycleLR" and p.name == "total_steps":
                continue
            out.append(kw(renames[p.name], value))
        elif p.name == "verbose" or (rule.name == "OneCycleLR" and p.name in ("epochs", "steps_per_epoch", "final_div_factor", "cycle_momentum", "base_momentum", "max_momentum")):
            continue
        else:
            return refuse(Refusal.UNSUPPORTED_ARGUMENT, f"argument {p.name!r} has no Paddle equivalent; left unchanged")
    if rule.name == "OneCycleLR":
        extra = _one_cycle(ctx, call, rule, bound)
        if refused(extra):
            return extra
        out.extend(extra)
    if rule.name == "LinearLR" and "total_iters" not in bound:
        out.append(kw("total_steps", cst.Integer("5")))  # torch's default; Paddle requires it
    if rule.name == "LinearLR" and "start_factor" not in bound:
        pass  # both default to 1/3
    sched = cst.Call(func=ctx.ref(f"paddle.optimizer.lr.{cls}"), args=separated(out))
    return cst.Call(func=cst.Name(ctx.support("_attach_lr_scheduler")), args=separated([cst.Arg(opt), cst.Arg(sched)]))


def _one_cycle(ctx: TranslateContext, call: cst.Call, rule: ApiRule, bound: dict[str, cst.BaseExpression]) -> list[cst.Arg] | Refused:
    """OneCycleLR: total_steps from epochs * steps_per_epoch; torch's final lr is
    initial_lr / final_div_factor = max_lr / (div_factor * final_div_factor), Paddle's is absolute."""
    out: list[cst.Arg] = []
    if "total_steps" in bound and not literal_is(bound["total_steps"], "None"):
        out.append(kw("total_steps", bound["total_steps"]))
    elif "epochs" in bound and "steps_per_epoch" in bound:
        mul = cst.BinaryOperation(left=atom(bound["epochs"]), operator=cst.Multiply(whitespace_before=SPACE, whitespace_after=SPACE), right=atom(bound["steps_per_epoch"]))
        out.append(kw("total_steps", mul))
    else:
        return refuse(Refusal.CANNOT_BIND, "needs total_steps, or epochs and steps_per_epoch; left unchanged")
    cycle = bound.get("cycle_momentum")
    if cycle is None or not literal_is(cycle, "False"):
        ctx.warn(call, rule.torch, "Paddle's OneCycleLR does not cycle the optimizer's momentum (torch's cycle_momentum=True); only the learning rate follows the schedule")
    max_lr = bound["max_lr"]
    div = bound.get("div_factor", cst.Float("25.0"))
    final = bound.get("final_div_factor", cst.Float("10000.0"))
    prod = cst.BinaryOperation(left=atom(div), operator=cst.Multiply(whitespace_before=SPACE, whitespace_after=SPACE), right=atom(final))
    end = divided(max_lr, prod)
    out.append(kw("end_learning_rate", end))
    return out


@handler("get_last_lr")
def get_last_lr(ctx: TranslateContext, call: cst.Call, rule: ApiRule) -> Outcome:
    """``scheduler.get_last_lr()`` -> ``[scheduler.last_lr]`` (one learning rate for all groups)."""
    if call.args:
        return refuse(Refusal.CANNOT_BIND, "unexpected arguments; left unchanged")
    assert isinstance(call.func, cst.Attribute)
    return cst.List([cst.Element(cst.Attribute(value=call.func.value, attr=cst.Name("last_lr")))])


def _device_name(ctx: TranslateContext, value: cst.BaseExpression, index: cst.BaseExpression | None) -> cst.BaseExpression | None:
    """A torch device string -> Paddle's ("cuda:1" -> "gpu:1"); other expressions go through
    the emitted ``_paddle_device`` helper at run time."""
    if isinstance(value, cst.SimpleString) and isinstance(value.evaluated_value, str):
        text = value.evaluated_value
        kind, _, idx = text.partition(":")
        if kind == "cuda":
            kind = "gpu"
        if kind not in ("gpu", "cpu"):
            return None
        if index is not None:
            if not isinstance(index, cst.Integer):
                return None
            idx = index.value
        if kind == "cpu":  # Paddle has one CPU place: torch's cpu index names the same device
            idx = ""
        return quoted(kind + (f":{idx}" if idx else ""))
    if isinstance(value, cst.IfExp):
        body = _device_name(ctx, value.body, index)
        orelse = _device_name(ctx, value.orelse, index)
        if body is not None and orelse is not None:
            return value.with_changes(body=body, orelse=orelse)
    args = [cst.Arg(value)] + ([cst.Arg(index)] if index is not None else [])
    return cst.Call(func=cst.Name(ctx.support("_paddle_device")), args=separated(args))


@handler("torch_device")
def torch_device(ctx: TranslateContext, call: cst.Call, rule: ApiRule) -> Outcome:
    """``torch.device("cuda" if ... else "cpu")`` -> ``paddle.device.set_device("gpu" if ... else "cpu")``."""
    bound = ctx.bind(call, rule)
    if refused(bound):
        return bound
    spec = bound.get("type")
    if spec is None:
        return refuse(Refusal.CANNOT_BIND, "needs a device; left unchanged")
    name = _device_name(ctx, spec, bound.get("index"))
    if name is None:
        return refuse(Refusal.UNSUPPORTED_ARGUMENT, f"device {ctx.code(spec)} has no Paddle equivalent; left unchanged")
    return cst.Call(func=ctx.ref("paddle.device.set_device"), args=[cst.Arg(name)])


@handler("cuda_is_available")
def cuda_is_available(ctx: TranslateContext, call: cst.Call, rule: ApiRule) -> Outcome:
    """``torch.cuda.is_available()`` -> ``bool(paddle.device.cuda.device_count())``: true when
    Paddle was built with CUDA and sees a GPU (``is_compiled_with_cuda`` alone is not enough)."""
    if call.args:
        return refuse(Refusal.CANNOT_BIND, "unexpected arguments; left unchanged")
    count = cst.Call(func=ctx.ref("paddle.device.cuda.device_count"), args=[])
    return cst.Call(func=cst.Name("bool"), args=[cst.Arg(count)])


@handler("tensor_dataset")
def tensor_dataset(ctx: TranslateContext, call: cst.Call, rule: ApiRule) -> Outcome:
    """``TensorDataset(x, y)`` -> ``paddle.io.TensorDataset([x, y])`` (Paddle takes one list)."""
    if any(a.keyword is not None or a.star == "**" for a in call.args):
        return refuse(Refusal.CANNOT_BIND, "unexpected arguments; left unchanged")
    if len(call.args) == 1 and call.args[0].star == "*":
        tensors: cst.BaseExpression = cst.Call(func=cst.Name("list"), args=[cst.Arg(call.args[0].value)])
    else:
        tensors = as_list(list(call.args))
    return cst.Call(func=ctx.ref("paddle.io.TensorDataset"), args=[cst.Arg(tensors)])


@handler("layer_mode")
def layer_mode(ctx: TranslateContext, call: cst.Call, rule: ApiRule) -> Outcome:
    """``model.train()`` / ``model.eval()`` as a statement are unchanged.  Paddle 2.6 returns None
    from both and its ``train()`` takes no mode, so a used result or ``train(mode)`` goes through
    the emitted ``_train_mode(layer, mode)``, which returns the layer."""
    bound = ctx.bind(call, rule)
    if refused(bound):
        return bound
    assert isinstance(call.func, cst.Attribute)
    mode = bound.get("mode")
    if ctx.result_unused and (mode is None or literal_is(mode, "True")):
        return call.with_changes(args=[])
    if rule.name == "eval":
        mode = cst.Name("False")
    elif mode is None:
        mode = cst.Name("True")
    return cst.Call(func=cst.Name(ctx.support("_train_mode")), args=separated([cst.Arg(call.func.value), cst.Arg(mode)]))


@handler("layer_device")
def layer_device(ctx: TranslateContext, call: cst.Call, rule: ApiRule) -> Outcome:
    """``model.cpu()`` -> ``model.to(device="cpu")`` (Paddle 2.6 layers have no ``cpu()``)."""
    if call.args:
        return refuse(Refusal.CANNOT_BIND, "unexpected arguments; left unchanged")
    assert isinstance(call.func, cst.Attribute)
    return call.with_changes(func=call.func.with_changes(attr=cst.Name("to")), args=[kw("device", quoted("cpu"))])


@handler("layer_astype")
def layer_astype(ctx: TranslateContext, call: cst.Call, rule: ApiRule) -> Outcome:
    """``model.double()`` -> ``_module_to(model, "float64")`` (the dtype is the rule's
    ``extra.dtype``): floating-point parameters and buffers cast, integer buffers kept as torch
    does (Paddle's ``Layer.to`` casts them all)."""
    if call.args:
        return refuse(Refusal.CANNOT_BIND, "unexpected arguments; left unchanged")
    assert isinstance(call.func, cst.Attribute)
    dtype = cst.parse_expression(rule.extra["dtype"])
    return cst.Call(func=cst.Name(ctx.support("_module_to")), args=separated([cst.Arg(call.func.value), cst.Arg(dtype)]))
