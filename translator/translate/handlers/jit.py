"""TorchScript, FX and ``torch.compile`` idioms, gradient checkpointing, and ``torch.autograd``.

Paddle runs the translated code eagerly, so most TorchScript/FX markers need nothing there:

* decorators that only mark a function for the TorchScript compiler (``@torch.jit.export``,
  ``@torch.jit.script_method``, ``@torch.jit._overload_method``, ``@torch.fx.wrap``, ...) cannot
  be removed by the engine (a decorator is a reference, not a statement), so each becomes a
  tiny support decorator that returns the function unchanged (declared below);
* ``@torch.jit.ignore``/``@torch.jit.unused`` become ``@paddle.jit.not_to_static``, Paddle's
  marker for "keep this function in Python when converting to static graph";
* ``torch.jit.is_scripting()``, ``torch.jit.is_tracing()``, ``torch.compiler.is_compiling()``
  are ``False`` and ``torch._C._get_tracing_state()`` is ``None`` (what they return when torch
  runs the code eagerly);
* ``torch.jit.annotate(T, x)``, ``torch.jit.trace(f, ...)`` give their value.

``torch.autograd``: ``Function`` subclasses become subclasses of ``TorchFunction``, a support
subclass of ``paddle.autograd.PyLayer`` that keeps torch's conventions (``backward`` returns one
gradient per ``forward`` argument, ``None`` for non-tensors; ``ctx.needs_input_grad``);
``ctx.saved_tensors`` -> ``ctx.saved_tensor()``; ``torch.autograd.functional`` as support
functions built on ``paddle.grad`` with torch's shapes and nesting.
"""

from __future__ import annotations

import libcst as cst

from ...rules import ApiRule
from ..registry import Refusal, Removed, TranslateContext, handler
from ._common import Outcome, bind_supported, docstring, literal_value, make_call, refuse, refused, snippet


# ------------------------------------------------------------------------- TorchScript -----
@handler("jit_false")
def jit_false(ctx: TranslateContext, call: cst.Call, rule: ApiRule) -> Outcome:
    """``torch.jit.is_scripting()`` and friends -> ``False``: the translated code always runs
    as Python, where torch's answer is False too."""
    if call.args:
        return refuse(Refusal.CANNOT_BIND, "unexpected arguments; left unchanged")
    return cst.Name("False")


@handler("jit_none")
def jit_none(ctx: TranslateContext, call: cst.Call, rule: ApiRule) -> Outcome:
    """``torch._C._get_tracing_state()`` -> ``None``: torch's tracer state when nothing is
    traced."""
    if call.args:
        return refuse(Refusal.CANNOT_BIND, "unexpected arguments; left unchanged")
    return cst.Name("None")


@handler("jit_not_to_static")
def jit_not_to_static(ctx: TranslateContext, call: cst.Call, rule: ApiRule) -> Outcome:
    """``@torch.jit.ignore(drop=True)`` -> ``@paddle.jit.not_to_static``; ``torch.jit.ignore(f)``
    (torch takes a function in place of ``drop``) -> ``paddle.jit.not_to_static(f)``."""
    assert rule.paddle is not None
    target = ctx.ref(rule.paddle)
    args = list(call.args)
    if any(a.star for a in args):
        return refuse(Refusal.CANNOT_BIND, "arguments passed with * or ** cannot be translated; left unchanged")
    positional = [a for a in args if a.keyword is None]
    if len(positional) == 1 and literal_value(positional[0].value) not in (True, False):
        return make_call(target, [cst.Arg(positional[0].value)])  # the function itself
    if len(positional) > 1 or any(a.keyword is not None and a.keyword.value != "drop" for a in args):
        return refuse(Refusal.CANNOT_BIND, "unexpected arguments; left unchanged")
    return target  # the decorator, whatever `drop` says (Paddle keeps the function either way)


@handler("jit_value_of")
def jit_value_of(ctx: TranslateContext, call: cst.Call, rule: ApiRule) -> Outcome:
    """``torch.jit.annotate(T, x)`` -> ``x``, ``torch.jit.Attribute(x, T)`` -> ``x``,
    ``torch.jit.trace(f, inputs)`` -> ``f``, ...: the call gives back one of its arguments.  The
    entry's ``paddle`` names the torch argument that is the value (``paddle = "the_value"``)."""
    bound = bind_supported(ctx, call, rule)
    if refused(bound):
        return bound
    assert bound is not None and rule.paddle is not None
    value = bound.get(rule.paddle)
    if value is None:
        return refuse(Refusal.CANNOT_BIND, f"{rule.paddle} is not given; left unchanged")
    return value


@handler("jit_value_of_noted")
def jit_value_of_noted(ctx: TranslateContext, call: cst.Call, rule: ApiRule) -> Outcome:
    """``jit_value_of`` with the entry's note as a warning: the call did something torch-only
    (tracing, freezing) that the translation does not do."""
    result = jit_value_of(ctx, call, rule)
    if not refused(result) and rule.note:
        ctx.warn(call, rule.torch, rule.note)
    return result


@handler("checkpoint")
def checkpoint(ctx: TranslateContext, call: cst.Call, rule: ApiRule) -> Outcome:
    """``torch.utils.checkpoint.checkpoint(fn, *args, use_reentrant=..., **kw)`` ->
    ``paddle.distributed.fleet.utils.recompute(fn, *args, ...)``: Paddle's recompute takes the
    same positional arguments, ``use_reentrant`` and ``preserve_rng_state``; other keywords go
    to the function as in torch.  torch's own debugging options are refused."""
    assert rule.paddle is not None
    args = []
    for a in call.args:
        name = a.keyword.value if a.keyword is not None else None
        if name in rule.unsupported:
            if name == "debug" and literal_value(a.value) is False:
                continue
            if name == "determinism_check" and literal_value(a.value) == "default":
                continue
            if name == "early_stop" and literal_value(a.value) is True:
                continue
            return refuse(Refusal.UNSUPPORTED_ARGUMENT, f"{name}=...: {rule.unsupported[name]}; left unchanged")
        if name == "use_reentrant" and literal_value(a.value) is None:
            continue  # torch's default is reentrant checkpointing, as Paddle's
        args.append(a)
    if not args or args[0].keyword is not None or args[0].star:
        return refuse(Refusal.CANNOT_BIND, "the function to checkpoint must be the first positional argument")
    return call.with_changes(func=ctx.ref(rule.paddle), args=[*args[:-1], args[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)])


# ------------------------------------------------------------------------- autograd --------
@handler("saved_tensors")
def saved_tensors(ctx: TranslateContext, attr: cst.Attribute, rule: ApiRule) -> Outcome:  # type: ignore[override]
    """``ctx.saved_tensors`` -> ``ctx.saved_tensor()`` (a method in Paddle's PyLayerContext)."""
    return cst.Call(func=attr.with_changes(attr=cst.Name("saved_tensor")))


@handler("autograd_variable")
def autograd_variable(ctx: TranslateContext, call: cst.Call, rule: ApiRule) -> Outcome:
    """``Variable(x)`` -> ``x``; ``Variable(x, requires_grad=True)`` ->
    ``paddle.to_tensor(x, stop_gradient=False)`` (Variable is a tensor since torch 0.4)."""
    bound = bind_supported(ctx, call, rule)
    if refused(bound):
        return bound
    assert bound is not None
    data = bound.get("data")
    if data is None:
        return refuse(Refusal.CANNOT_BIND, "Variable() without data has no Paddle equivalent; left unchanged")
    flag = bound.get("requires_grad")
    if flag is None or literal_value(flag) is False:
        return data
    stop: cst.BaseExpression = cst.Name("False") if literal_value(flag) is True \
        else cst.UnaryOperation(operator=cst.Not(), expression=flag)
    return make_call(ctx.ref("paddle.to_tensor"), [cst.Arg(data), cst.Arg(stop, keyword=cst.Name("stop_gradient"),
                                                                            equal=cst.AssignEqual(
                                                                                whitespace_before=cst.SimpleWhitespace(""),
                                                                                whitespace_after=cst.SimpleWhitespace("")))])


@handler("set_detect_anomaly")
def set_detect_anomaly(ctx: TranslateContext, call: cst.Call, rule: ApiRule) -> Outcome:
    """``torch.autograd.set_detect_anomaly(True)`` on its own line is removed (a debugging aid
    Paddle does not have); used as a context manager it becomes the no-op ``detect_anomaly``."""
    bound = ctx.bind(call, rule)
    if refused(bound):
        return bound
    if ctx.result_unused:
        return Removed()
    ctx.support("detect_anomaly")
    return call.with_changes(func=cst.Name("detect_anomaly"))


# ------------------------------------------------------------------------- support code ----
# Decorators that only mark a function for TorchScript/FX/Dynamo: Paddle needs no marker, so
# each returns the function unchanged (the engine cannot remove a decorator).

def _identity(name: str, origin: str, arg: str = "fn") -> None:
    snippet(name, f'''
def {name}({arg}):
    {docstring(f"{origin}: a TorchScript/FX marker Paddle does not need; returns its argument unchanged.")}
    return {arg}
''', paddle=False)


_identity("jit_export", "torch.jit.export")
_identity("jit_script_method", "torch.jit.script_method")
_identity("jit_overload_method", "torch.jit._overload_method", "func")
_identity("jit_overload", "torch.jit._overload", "func")
_identity("jit_interface", "torch.jit.interface", "obj")
_identity("fx_wrap", "torch.fx.wrap", "fn_or_name")
_identity("once_differentiable", "torch.autograd.function.once_differentiable")

snippet("jit_isinstance", '''
def jit_isinstance(obj, target_type):
    """torch.jit.isinstance outside TorchScript: isinstance that also checks the
    elements of typing's containers (List[int], Dict[str, Tensor], Optional[...])."""
    origin = typing.get_origin(target_type)
    if origin is None:
        return isinstance(obj, target_type)
    args = typing.get_args(target_type)
    if origin is typing.Union:
        return any(jit_isinstance(obj, a) for a in args)
    if not isinstance(obj, origin):
        return False
    if origin is list:
        return all(jit_isinstance(v, args[0]) for v in obj)
    if origin is dict:
        return all(jit_isinstance(k, args[0]) and jit_isinstance(v, args[1]) for k, v in obj.items())
    if origin is tuple:
        return len(obj) == len(args) and all(jit_isinstance(v, a) for v, a in zip(obj, args))
    return True
''', imports=("import typing",), paddle=False)


snippet("jit_script", '''
def jit_script(obj, optimize=None, _frames_up=0, _rcb=None, example_inputs=None):
    """torch.jit.script: Paddle runs the function or layer as Python; it is returned
    unchanged."""
    return obj
''', paddle=False)

snippet("torch_compile", '''
def torch_compile(model=None, **options):
    """torch.compile: the model or function is returned unchanged (it runs eagerly in
    Paddle); ``@torch_compile(mode=...)`` is a decorator that does the same."""
    if model is None:
        return lambda fn: fn
    return model
''', paddle=False)

snippet("compiler_disable", '''
def compiler_disable(fn=None, recursive=True, **options):
    """torch.compiler.disable: nothing is compiled in Paddle; the function is returned
    unchanged."""
    if fn is None:
        return lambda f: f
    return fn
''', paddle=False)

snippet("torch_assert", '''
def torch_assert(condition, message):
    """torch._assert: AssertionError with the message when the condition is false (also
    under python -O, as torch)."""
    if not condition:
        raise AssertionError(message)
''', paddle=False)

snippet("Final", '''
Final = typing.Final  # torch.jit.Final is typing.Final
''', imports=("import typing",), paddle=False)

snippet("jit_fork", '''
class JitFuture:
    """The result of ``jit_fork``: already computed (Paddle runs the call at once)."""

    def __init__(self, value):
        self._value = value

    def wait(self):
        return self._value


def jit_fork(func, *args, **kwargs):
    """torch.jit.fork: calls ``func`` now and returns a future holding its result."""
    return JitFuture(func(*args, **kwargs))
''', paddle=False)

snippet("jit_wait", '''
def jit_wait(future):
    """torch.jit.wait: the value of a ``jit_fork`` future."""
    return future.wait()
''', deps=("jit_fork",), paddle=False)

snippet("detect_anomaly", '''
class detect_anomaly:
    """torch.autograd.detect_anomaly / set_detect_anomaly: Paddle has no anomaly mode; a
    context manager (and decorator) that does nothing."""

    def __init__(self, *args, **kwargs):
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def __call__(self, fn):
        return fn
''', paddle=False)

snippet("TorchFunction", '''
class TorchFunction(paddle.autograd.PyLayer):
    """paddle.autograd.PyLayer with torch.autograd.Function's conventions: ``backward``
    may return one gradient per ``forward`` argument (``None`` for non-tensors, which
    Paddle does not expect), and ``ctx.needs_input_grad`` says which arguments need a
    gradient."""

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        forward, backward = cls.__dict__.get("forward"), cls.__dict__.get("backward")
        if forward is not None:
            fwd = forward.__func__ if isinstance(forward, staticmethod) else forward

            def torch_forward(ctx, *args, **kw):
                ctx.needs_input_grad = tuple(isinstance(a, paddle.Tensor) and not a.stop_gradient for a in args)
                ctx.torch_tensor_inputs = tuple(isinstance(a, paddle.Tensor) for a in args)
                return fwd(ctx, *args, **kw)

            cls.forward = staticmethod(torch_forward)
        if backward is not None:
            bwd = backward.__func__ if isinstance(backward, staticmethod) else backward

            def torch_backward(ctx, *grads):
                out = bwd(ctx, *grads)
                out = out if isinstance(out, tuple) else (out,)
                mask = getattr(ctx, "torch_tensor_inputs", None)
                if mask is not None:
                    out = tuple(g for g, is_tensor in zip(out, mask) if is_tensor)
                return out[0] if len(out) == 1 else out

            cls.backward = staticmethod(torch_backward)
''')

snippet("autograd_tuple", '''
def _autograd_tuple(x):
    """(x as a tuple, whether it was a sequence), as torch.autograd.functional reads
    inputs."""
    if isinstance(x, (tuple, list)):
        return tuple(x), True
    return (x,), False


def _autograd_inputs(inputs, create_graph):
    """Inputs to differentiate: leaves that need a gradient (kept in the graph with
    create_graph)."""
    out = []
    for x in inputs:
        if not (create_graph and not x.stop_gradient):
            x = x.detach()
            x.stop_gradient = False
        out.append(x)
    return tuple(out)


def _autograd_grad(outputs, inputs, grad_outputs=None, create_graph=False):
    """paddle.grad with zeros where an input is unused (torch.autograd.functional's
    convention)."""
    grads = paddle.grad(outputs, list(inputs), grad_outputs=grad_outputs, retain_graph=True,
                        create_graph=create_graph, allow_unused=True)
    return tuple(paddle.zeros_like(x) if g is None else g for g, x in zip(grads, inputs))


def _autograd_result(values, many, create_graph):
    values = tuple(v if create_graph else v.detach() for v in values)
    return values if many else values[0]


def _autograd_v(v, outputs):
    if v is None:
        if any(o.size != 1 for o in outputs):
            raise RuntimeError("v can only be None if the output of the function is a single element")
        return tuple(paddle.ones_like(o) for o in outputs)
    return _autograd_tuple(v)[0]
''')

snippet("autograd_jacobian", '''
def autograd_jacobian(func, inputs, create_graph=False, strict=False, vectorize=False, strategy="reverse-mode"):
    """torch.autograd.functional.jacobian: for each output and input, the derivatives
    shaped output.shape + input.shape, nested like torch (a tensor, or tuples by outputs
    then inputs)."""
    inputs, many_in = _autograd_tuple(inputs)
    inputs = _autograd_inputs(inputs, create_graph)
    outputs, many_out = _autograd_tuple(func(*inputs))
    result = []
    for out in outputs:
        flat = out.reshape([-1])
        rows = [_autograd_grad(flat[i], inputs, create_graph=create_graph) for i in range(flat.shape[0])]
        per_input = []
        for k, x in enumerate(inputs):
            stacked = paddle.stack([row[k] for row in rows]) if rows else paddle.zeros([0, *x.shape], x.dtype)
            j = stacked.reshape([*out.shape, *x.shape])
            per_input.append(j if create_graph else j.detach())
        result.append(tuple(per_input) if many_in else per_input[0])
    return tuple(result) if many_out else result[0]
''', deps=("autograd_tuple",))

snippet("autograd_hessian", '''
def autograd_hessian(func, inputs, create_graph=False, strict=False, vectorize=False, outer_jacobian_strategy="reverse-mode"):
    """torch.autograd.functional.hessian of a function with one-element output:
    input.shape + input.shape (tuples of tuples for several inputs)."""
    _, many = _autograd_tuple(inputs)

    def gradient(*xs):
        grads = _autograd_grad(func(*xs), xs, create_graph=True)
        return grads if many else grads[0]

    return autograd_jacobian(gradient, inputs, create_graph=create_graph)
''', deps=("autograd_jacobian",))

snippet("autograd_vjp", '''
def autograd_vjp(func, inputs, v=None, create_graph=False, strict=False):
    """torch.autograd.functional.vjp: (func(inputs), v^T J), nested like the outputs and
    inputs."""
    inputs, many_in = _autograd_tuple(inputs)
    inputs = _autograd_inputs(inputs, create_graph)
    outputs, many_out = _autograd_tuple(func(*inputs))
    grads = _autograd_grad(list(outputs), inputs, list(_autograd_v(v, outputs)), create_graph)
    return _autograd_result(outputs, many_out, create_graph), _autograd_result(grads, many_in, create_graph)
''', deps=("autograd_tuple",))

snippet("autograd_jvp", '''
def autograd_jvp(func, inputs, v=None, create_graph=False, strict=False):
    """torch.autograd.functional.jvp: (func(inputs), J v), nested like the outputs
    (computed with the double-backward trick, as torch does)."""
    inputs, many_in = _autograd_tuple(inputs)
    inputs = _autograd_inputs(inputs, create_graph)
    outputs, many_out = _autograd_tuple(func(*inputs))
    v = _autograd_v(v, inputs)
    dummies = [paddle.zeros_like(o) for o in outputs]
    for d in dummies:
        d.stop_gradient = False
    grads = _autograd_grad(list(outputs), inputs, dummies, create_graph=True)
    jvps = _autograd_grad(list(grads), dummies, list(v), create_graph)
    return _autograd_result(outputs, many_out, create_graph), _autograd_result(jvps, many_out, create_graph)
''', deps=("autograd_tuple",))

snippet("autograd_hvp", '''
def autograd_hvp(func, inputs, v=None, create_graph=False, strict=False):
    """torch.autograd.functional.hvp of a one-element function: (func(inputs), H v),
    nested like the inputs."""
    inputs, many_in = _autograd_tuple(inputs)
    inputs = _autograd_inputs(inputs, create_graph)
    output = func(*inputs)
    grads = _autograd_grad(output, inputs, create_graph=True)
    v = _autograd_v(v, inputs)
    total = paddle.add_n([(g * w).sum() for g, w in zip(grads, v)])
    result = _autograd_grad(total, inputs, create_graph=create_graph)
    return _autograd_result((output,), False, create_graph), _autograd_result(result, many_in, create_graph)
''', deps=("autograd_tuple",))

snippet("autograd_vhp", '''
def autograd_vhp(func, inputs, v=None, create_graph=False, strict=False):
    """torch.autograd.functional.vhp of a one-element function: (func(inputs), v^T H),
    nested like the inputs (equal to H v: the Hessian is symmetric)."""
    return autograd_hvp(func, inputs, v, create_graph, strict)
''', deps=("autograd_hvp",))
