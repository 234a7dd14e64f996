"""Training runtime: mixed precision, devices, backends, random state (rules/runtime.toml).

Most entries there are data (a Paddle name, or an emitted support function); this module holds
the one handler (``autocast``) and the support code: the ``torch.backends.cudnn`` switches as
Paddle's cuDNN flags, device and accelerator queries, the random seed, the thread count and the
deterministic-algorithms switch.
"""

from __future__ import annotations

import libcst as cst

from ...rules import ApiRule
from ..registry import Refusal, TranslateContext, handler
from ._common import Outcome, bind_supported, kw, make_call, refuse, refused, snippet

# torch dtypes autocast takes -> Paddle's dtype names
_AMP_DTYPES = {
    "torch.float16": "float16", "torch.half": "float16", "torch.bfloat16": "bfloat16",
}
# torch's default autocast dtype per device type
_DEVICE_DTYPES = {"cuda": "float16", "cpu": "bfloat16"}


@handler("autocast")
def autocast(ctx: TranslateContext, call: cst.Call, rule: ApiRule) -> Outcome:
    """``torch.autocast("cuda", dtype=torch.bfloat16)`` -> ``paddle.amp.auto_cast(dtype="bfloat16")``.

    The dtype is a string in Paddle 2.6; torch's default depends on the device type (float16 on
    CUDA, bfloat16 on CPU), so it is written out when it is not Paddle's float16; with
    ``enabled=False`` no dtype is used and any device type translates.
    ``cache_enabled`` only tunes torch's weight cast cache and is dropped.

    Where the arguments are known only when it runs (``**amp_kwargs``, a dtype held in a
    variable), ``torch.autocast`` becomes the emitted ``_torch_autocast``, which decides the
    same at run time."""
    has_device = rule.param("device_type") is not None
    if has_device and any(a.star for a in call.args):
        return make_call(cst.Name(ctx.support("_torch_autocast")), list(call.args))
    bound = bind_supported(ctx, call, rule)
    if refused(bound):
        return bound  # type: ignore[return-value]
    assert isinstance(bound, dict)
    dtype_value = bound.get("dtype")
    if dtype_value is not None and not (isinstance(dtype_value, cst.Name) and dtype_value.value == "None"):
        original = ctx.original_of(dtype_value)
        name = ctx.resolve(original) if original is not None else None
        dtype = _AMP_DTYPES.get(name or "")
        if dtype is None and name is None and has_device:
            return _at_run_time(ctx, bound)  # a variable: decided when it runs
        if dtype is None:
            return refuse(Refusal.UNSUPPORTED_ARGUMENT, f"dtype={ctx.code(dtype_value)}: Paddle's autocast takes float16 or bfloat16; left unchanged")
    elif has_device:
        device = bound.get("device_type")
        text = device.evaluated_value if isinstance(device, cst.SimpleString) else None
        dtype = _DEVICE_DTYPES.get(str(text).split(":")[0]) if text is not None else None
        enabled = bound.get("enabled")
        if dtype is None and isinstance(enabled, cst.Name) and enabled.value == "False":
            dtype = "float16"  # autocast turned off: no dtype is used, whatever the device
        if dtype is None:
            return refuse(Refusal.UNSUPPORTED_USE, "torch's autocast dtype depends on the device type: write device_type as \"cuda\" or \"cpu\", or give dtype; left unchanged")
    else:
        default = (rule.param("dtype").default or "") if rule.param("dtype") else ""  # type: ignore[union-attr]
        dtype = _AMP_DTYPES.get(default, "float16")
    args: list[cst.Arg] = []
    if "enabled" in bound:
        args.append(kw("enable", bound["enabled"]))
    if dtype != "float16" or dtype_value is not None:
        args.append(kw("dtype", cst.SimpleString(f'"{dtype}"')))
    return make_call(ctx.ref("paddle.amp.auto_cast"), args)


def _at_run_time(ctx: TranslateContext, bound: dict[str, cst.BaseExpression]) -> cst.Call:
    args = [cst.Arg(bound["device_type"])]
    args += [kw(name, bound[name]) for name in ("dtype", "enabled") if name in bound]
    return make_call(cst.Name(ctx.support("_torch_autocast")), args)


snippet(
    "_torch_autocast",
    '''
def _torch_autocast(device_type, dtype=None, enabled=True, cache_enabled=None):
    """torch.autocast with arguments known when it runs: paddle.amp.auto_cast, whose
    dtype is "float16" or "bfloat16"; torch's default is float16 on "cuda", bfloat16
    on "cpu"."""
    if dtype is None:
        dtype = "float16" if str(device_type).split(":")[0] in ("cuda", "gpu") else "bfloat16"
    name = str(dtype).replace("paddle.", "").replace("torch.", "")
    name = {"half": "float16", "bf16": "bfloat16", "fp16": "float16"}.get(name, name)
    if enabled and name not in ("float16", "bfloat16"):
        raise ValueError(f"Paddle's autocast takes float16 or bfloat16, not {dtype}")
    return paddle.amp.auto_cast(enable=enabled, dtype=name if enabled else "float16")
''',
)


snippet(
    "_cudnn",
    '''
class _CudnnSwitches:
    """torch.backends.cudnn: ``benchmark`` is Paddle's exhaustive cuDNN algorithm
    search, ``deterministic`` its deterministic cuDNN kernels (both set as Paddle flags
    on a CUDA build; a CPU build has neither flag and only keeps the values).
    ``enabled`` and ``allow_tf32`` are kept for code that reads them back: Paddle has no
    switch for them."""

    _FLAGS = {"benchmark": "FLAGS_cudnn_exhaustive_search", "deterministic": "FLAGS_cudnn_deterministic"}

    def __init__(self) -> None:
        object.__setattr__(self, "_values", {"benchmark": False, "deterministic": False, "enabled": True, "allow_tf32": True})

    def __getattr__(self, name: str) -> Any:
        values = object.__getattribute__(self, "_values")
        if name in values:
            return values[name]
        raise AttributeError(name)

    def __setattr__(self, name: str, value: Any) -> None:
        self._values[name] = value
        flag = self._FLAGS.get(name)
        if flag is not None and paddle.device.is_compiled_with_cuda():
            paddle.set_flags({flag: bool(value)})

    def is_available(self) -> bool:
        return paddle.device.get_cudnn_version() is not None

    def version(self) -> Any:
        return paddle.device.get_cudnn_version()


_cudnn = _CudnnSwitches()
''',
    imports=("from typing import Any",),
)

snippet(
    "_torch_version",
    '''
# torch.__version__: the torch release whose behaviour the translation reproduces (the rules are
# checked against it), so a version test picks the modern code path the translation covers
_torch_version = "2.13.0"
''',
    paddle=False,
)

snippet(
    "_SDPBackend",
    '''
class _SDPBackend:
    """torch.nn.attention.SDPBackend: the names of torch's attention kernels (torch's
    values). Paddle picks its attention kernel itself: they only label a choice
    _sdpa_kernel ignores."""

    ERROR = -1
    MATH = 0
    FLASH_ATTENTION = 1
    EFFICIENT_ATTENTION = 2
    CUDNN_ATTENTION = 3
    OVERRIDEABLE = 4
''',
    paddle=False,
)

snippet(
    "_sdpa_kernel",
    '''
def _sdpa_kernel(*args, **kwargs):
    """torch.nn.attention.sdpa_kernel / torch.backends.cuda.sdp_kernel: a context
    limiting the kernels torch's scaled_dot_product_attention may use. Paddle chooses
    its kernel itself, so it is a context that does nothing; the attention computed is
    the same (up to rounding)."""
    return contextlib.nullcontext()
''',
    imports=("import contextlib",),
    paddle=False,
)

snippet(
    "_no_mps",
    '''
def _no_mps() -> bool:
    """torch.backends.mps.is_available()/is_built(): Paddle has no Apple MPS backend."""
    return False
''',
    paddle=False,
)

snippet(
    "_cuda_current_device",
    '''
def _cuda_current_device() -> int:
    """torch.cuda.current_device(): the index of Paddle's current GPU ("gpu:1" -> 1)."""
    device = paddle.device.get_device()
    if not device.startswith("gpu"):
        raise RuntimeError(f"the current Paddle device is {device}, not a GPU")
    return int(device.partition(":")[2] or 0)
''',
)

snippet(
    "_cuda_set_device",
    '''
def _cuda_set_device(device: Any) -> None:
    """torch.cuda.set_device(1) / ("cuda:1"): make that GPU Paddle's current device."""
    name = str(device)
    if name.isdigit():
        name = f"gpu:{name}"
    paddle.device.set_device("gpu" + name[4:] if name.startswith("cuda") else name)
''',
    imports=("from typing import Any",),
)

snippet(
    "_cuda_is_bf16_supported",
    '''
def _cuda_is_bf16_supported(including_emulation: bool = True) -> bool:
    """torch.cuda.is_bf16_supported(): a GPU is there and Paddle's AMP supports bfloat16
    on it."""
    if not paddle.device.cuda.device_count():
        return False
    return bool(paddle.amp.is_bfloat16_supported(paddle.CUDAPlace(0)))
''',
)

snippet(
    "_accelerator_devices",
    '''
def _accelerator_devices() -> list:
    """The accelerators Paddle sees (GPUs, XPUs, custom devices), as "gpu:0"-style
    names."""
    return [d for d in paddle.device.get_available_device() if not d.startswith("cpu")]
''',
)

snippet(
    "_accelerator_is_available",
    '''
def _accelerator_is_available() -> bool:
    """torch.accelerator.is_available(): Paddle sees an accelerator."""
    return bool(_accelerator_devices())
''',
    deps=("_accelerator_devices",),
)

snippet(
    "_accelerator_device_count",
    '''
def _accelerator_device_count() -> int:
    """torch.accelerator.device_count(): how many accelerators Paddle sees."""
    return len(_accelerator_devices())
''',
    deps=("_accelerator_devices",),
)

snippet(
    "_current_accelerator",
    '''
def _current_accelerator(check_available: bool = False) -> Any:
    """torch.accelerator.current_accelerator(): the accelerator's device type as Paddle
    names it ("gpu", "xpu", ...; a string where torch gives a torch.device), or None
    without one."""
    devices = _accelerator_devices()
    return devices[0].partition(":")[0] if devices else None
''',
    imports=("from typing import Any",),
    deps=("_accelerator_devices",),
)

snippet(
    "_seed",
    '''
def _seed() -> int:
    """torch.seed(): seed Paddle's generators with a fresh random 63-bit seed and return
    it."""
    seed = random.SystemRandom().getrandbits(63)
    paddle.seed(seed)
    return seed
''',
    imports=("import random",),
)

snippet(
    "_initial_seed",
    '''
def _initial_seed() -> int:
    """torch.initial_seed(): the seed of Paddle's CPU generator (the last
    paddle.seed)."""
    return paddle.framework.core.default_cpu_generator().initial_seed()
''',
)

snippet(
    "_NUM_THREADS",
    """
_NUM_THREADS = [os.cpu_count() or 1]  # the count torch.set_num_threads set last
""",
    imports=("import os",),
    paddle=False,
)

snippet(
    "_set_num_threads",
    '''
def _set_num_threads(n: int) -> None:
    """torch.set_num_threads(n): the math library's thread count for CPU kernels."""
    paddle.base.core.set_num_threads(int(n))
    _NUM_THREADS[0] = int(n)
''',
    deps=("_NUM_THREADS",),
)

snippet(
    "_get_num_threads",
    '''
def _get_num_threads() -> int:
    """torch.get_num_threads(): the count set last (os.cpu_count() before any)."""
    return _NUM_THREADS[0]
''',
    deps=("_NUM_THREADS",),
    paddle=False,
)

snippet(
    "_DETERMINISTIC",
    """
_DETERMINISTIC = [False]  # the mode torch.use_deterministic_algorithms set last
""",
    paddle=False,
)

snippet(
    "_use_deterministic_algorithms",
    '''
def _use_deterministic_algorithms(mode: bool, *, warn_only: bool = False) -> None:
    """torch.use_deterministic_algorithms(mode): Paddle's deterministic cuDNN kernels
    and embedding gradients (flags of a CUDA build; a CPU build computes
    deterministically)."""
    _DETERMINISTIC[0] = bool(mode)
    if paddle.device.is_compiled_with_cuda():
        paddle.set_flags({"FLAGS_cudnn_deterministic": bool(mode), "FLAGS_embedding_deterministic": int(bool(mode))})
''',
    deps=("_DETERMINISTIC",),
)

snippet(
    "_are_deterministic_algorithms_enabled",
    '''
def _are_deterministic_algorithms_enabled() -> bool:
    """torch.are_deterministic_algorithms_enabled(): the mode set last."""
    return _DETERMINISTIC[0]
''',
    deps=("_DETERMINISTIC",),
    paddle=False,
)
