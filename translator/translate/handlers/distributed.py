"""Distributed and parallel training, ``torch.hub`` and ``torch.multiprocessing``
(rules/distributed.toml).

* support code for torch's collectives (``_torch_dist_*``): in a process of its own (no process
  group and a world size of 1, as under ``python script.py`` or a launch of one process) torch's
  collectives are identities, while Paddle's need a group that ``init_parallel_env`` creates only
  for two processes or more; the support functions do torch's single-process work there and call
  Paddle's collective otherwise, with torch's argument order and list semantics (lists filled in
  place, ``async_op`` giving a handle with ``wait()``);
* ``TorchDistributedDataParallel``: paddle.DataParallel with torch's ``.module``;
* ``_torch_data_parallel``, ``_torch_hub_*``, ``_torch_mp_spawn``: torch's semantics where Paddle
  has no counterpart (``spawn`` passes the process index first, as torch does);
* ``dist_removed``: calls with nothing to do in Paddle (``set_sharing_strategy``) go.
"""

from __future__ import annotations

import libcst as cst

from ...rules import ApiRule
from ..registry import Refusal, Removed, TranslateContext, handler
from ._common import Outcome, bind_supported, refuse, refused, snippet


@handler("dist_removed")
def removed(ctx: TranslateContext, call: cst.Call, rule: ApiRule) -> Outcome:
    """A call alone on its line with no Paddle counterpart and no effect on the results: it goes
    (its arguments checked against torch's signature first); any other use is left unchanged."""
    bound = bind_supported(ctx, call, rule)
    if refused(bound):
        return bound
    if ctx.result_unused:
        return Removed()
    return refuse(Refusal.UNSUPPORTED_USE, "its result used: Paddle has no such setting to return; left unchanged")


@handler("dist_hub_load")
def hub_load(ctx: TranslateContext, call: cst.Call, rule: ApiRule) -> Outcome:
    """``torch.hub.load`` -> ``paddle.hub.load``: the entry point's arguments go by keyword in
    Paddle, so positional ones after ``model`` (or ``*args``) are refused."""
    positional = [a for a in call.args if a.keyword is None]
    if len(positional) > 2 or any(a.star for a in positional):
        return refuse(Refusal.UNSUPPORTED_ARGUMENT, "positional arguments of the entry point: paddle.hub.load passes "
                      "keyword arguments only; write them by keyword; left unchanged")
    return ctx.rewrite(call, rule)


def _fn(name: str, code: str, imports: tuple[str, ...] = (), deps: tuple[str, ...] = (), paddle: bool = True) -> None:
    snippet(name, code, imports=imports, deps=deps, paddle=paddle)


# ------------------------------------------------------------------ collectives ----------

_fn("_torch_dist_single", '''
class _TorchDistDone:
    """The handle of a collective that has completed (torch's Work with
    async_op=True)."""

    def wait(self, timeout=None):
        return True

    def is_completed(self):
        return True


def _torch_dist_single():
    """A process of its own: no process group and a world size of 1, where torch's
    collectives are identities and Paddle's have no group to run on."""
    return not paddle.distributed.is_initialized() and paddle.distributed.get_world_size() == 1


def _torch_dist_result(task, async_op):
    """What torch's collectives return: a handle with async_op=True, None otherwise."""
    if not async_op:
        return None
    return task if task is not None else _TorchDistDone()
''')

_fn("_torch_dist_all_reduce", '''
def _torch_dist_all_reduce(tensor, op=paddle.distributed.ReduceOp.SUM, group=None, async_op=False):
    """torch.distributed.all_reduce: the tensor reduced over the group in place."""
    if _torch_dist_single():
        return _torch_dist_result(None, async_op)
    task = paddle.distributed.all_reduce(tensor, op=op, group=group, sync_op=not async_op)
    return _torch_dist_result(task, async_op)
''', deps=("_torch_dist_single",))

_fn("_torch_dist_reduce", '''
def _torch_dist_reduce(tensor, dst=0, op=paddle.distributed.ReduceOp.SUM, group=None, async_op=False):
    """torch.distributed.reduce: the tensor reduced over the group into rank dst's."""
    if _torch_dist_single():
        return _torch_dist_result(None, async_op)
    task = paddle.distributed.reduce(tensor, dst=dst, op=op, group=group, sync_op=not async_op)
    return _torch_dist_result(task, async_op)
''', deps=("_torch_dist_single",))

_fn("_torch_dist_broadcast", '''
def _torch_dist_broadcast(tensor, src=0, group=None, async_op=False):
    """torch.distributed.broadcast: rank src's tensor copied into every rank's."""
    if _torch_dist_single():
        return _torch_dist_result(None, async_op)
    task = paddle.distributed.broadcast(tensor, src=src, group=group, sync_op=not async_op)
    return _torch_dist_result(task, async_op)
''', deps=("_torch_dist_single",))

_fn("_torch_dist_all_gather", '''
def _torch_dist_all_gather(tensor_list, tensor, group=None, async_op=False):
    """torch.distributed.all_gather: every rank's tensor written into tensor_list (one
    tensor a rank, filled in place; an empty list is extended)."""
    if _torch_dist_single():
        if tensor_list:
            paddle.assign(tensor, output=tensor_list[0])
        else:
            tensor_list.append(tensor.clone())
        return _torch_dist_result(None, async_op)
    gathered = []
    task = paddle.distributed.all_gather(gathered, tensor, group=group, sync_op=True)
    if tensor_list:
        for out, value in zip(tensor_list, gathered):
            paddle.assign(value, output=out)
    else:
        tensor_list.extend(gathered)
    return _torch_dist_result(task, async_op)
''', deps=("_torch_dist_single",))

_fn("_torch_dist_all_gather_into_tensor", '''
def _torch_dist_all_gather_into_tensor(output_tensor, input_tensor, group=None, async_op=False):
    """torch.distributed.all_gather_into_tensor: every rank's tensor concatenated along
    the first axis into output_tensor."""
    if _torch_dist_single():
        paddle.assign(input_tensor.reshape(output_tensor.shape), output=output_tensor)
        return _torch_dist_result(None, async_op)
    gathered = []
    paddle.distributed.all_gather(gathered, input_tensor, group=group, sync_op=True)
    stacked = paddle.stack(gathered) if output_tensor.ndim == input_tensor.ndim + 1 else paddle.concat(gathered)
    paddle.assign(stacked, output=output_tensor)
    return _torch_dist_result(None, async_op)
''', deps=("_torch_dist_single",))

_fn("_torch_dist_all_gather_object", '''
def _torch_dist_all_gather_object(object_list, obj, group=None):
    """torch.distributed.all_gather_object: every rank's object in object_list (whose
    length is the world size), in rank order."""
    if _torch_dist_single():
        gathered = [obj]
    else:
        gathered = []
        paddle.distributed.all_gather_object(gathered, obj, group=group)
    object_list[:len(gathered)] = gathered
''', deps=("_torch_dist_single",))

_fn("_torch_dist_broadcast_object_list", '''
def _torch_dist_broadcast_object_list(object_list, src=0, group=None, device=None):
    """torch.distributed.broadcast_object_list: rank src's objects copied into every
    rank's list."""
    if not _torch_dist_single():
        paddle.distributed.broadcast_object_list(object_list, src=src, group=group)
''', deps=("_torch_dist_single",))

_fn("_torch_dist_scatter", '''
def _torch_dist_scatter(tensor, scatter_list=None, src=0, group=None, async_op=False):
    """torch.distributed.scatter: rank i gets scatter_list[i] (given on rank src) in
    tensor."""
    if _torch_dist_single():
        paddle.assign(scatter_list[0], output=tensor)
        return _torch_dist_result(None, async_op)
    task = paddle.distributed.scatter(tensor, scatter_list, src=src, group=group, sync_op=not async_op)
    return _torch_dist_result(task, async_op)
''', deps=("_torch_dist_single",))

_fn("_torch_dist_scatter_object_list", '''
def _torch_dist_scatter_object_list(scatter_object_output_list, scatter_object_input_list=None, src=0, group=None):
    """torch.distributed.scatter_object_list: rank i gets scatter_object_input_list[i]
    (given on rank src) as scatter_object_output_list[0]."""
    if _torch_dist_single():
        scatter_object_output_list[0] = scatter_object_input_list[0]
        return
    paddle.distributed.scatter_object_list(scatter_object_output_list, scatter_object_input_list, src=src, group=group)
''', deps=("_torch_dist_single",))

_fn("_torch_dist_gather", '''
def _torch_dist_gather(tensor, gather_list=None, dst=0, group=None, async_op=False):
    """torch.distributed.gather: every rank's tensor written into gather_list on rank
    dst (filled in place; an empty list is extended)."""
    if _torch_dist_single():
        if gather_list:
            paddle.assign(tensor, output=gather_list[0])
        elif gather_list is not None:
            gather_list.append(tensor.clone())
        return _torch_dist_result(None, async_op)
    gathered = [] if gather_list is not None else None
    paddle.distributed.gather(tensor, gathered, dst=dst, group=group, sync_op=True)
    if gather_list:
        for out, value in zip(gather_list, gathered):
            paddle.assign(value, output=out)
    elif gather_list is not None:
        gather_list.extend(gathered)
    return _torch_dist_result(None, async_op)
''', deps=("_torch_dist_single",))

_fn("_torch_dist_reduce_scatter", '''
def _torch_dist_reduce_scatter(output, input_list, op=paddle.distributed.ReduceOp.SUM, group=None, async_op=False):
    """torch.distributed.reduce_scatter: rank i gets the reduction of every rank's
    input_list[i]."""
    if _torch_dist_single():
        paddle.assign(input_list[0], output=output)
        return _torch_dist_result(None, async_op)
    task = paddle.distributed.reduce_scatter(output, list(input_list), op=op, group=group, sync_op=not async_op)
    return _torch_dist_result(task, async_op)
''', deps=("_torch_dist_single",))

_fn("_torch_dist_reduce_scatter_tensor", '''
def _torch_dist_reduce_scatter_tensor(output, input, op=paddle.distributed.ReduceOp.SUM, group=None, async_op=False):
    """torch.distributed.reduce_scatter_tensor: input split along the first axis into
    one chunk a rank; rank i gets the reduction of every rank's chunk i."""
    if _torch_dist_single():
        paddle.assign(input.reshape(output.shape), output=output)
        return _torch_dist_result(None, async_op)
    chunks = list(paddle.split(input, paddle.distributed.get_world_size(group), axis=0))
    task = paddle.distributed.reduce_scatter(output, chunks, op=op, group=group, sync_op=not async_op)
    return _torch_dist_result(task, async_op)
''', deps=("_torch_dist_single",))

_fn("_torch_dist_all_to_all", '''
def _torch_dist_all_to_all(output_tensor_list, input_tensor_list, group=None, async_op=False):
    """torch.distributed.all_to_all: rank i's input_tensor_list[j] lands in rank j's
    output_tensor_list[i] (filled in place)."""
    if _torch_dist_single():
        for out, value in zip(output_tensor_list, input_tensor_list):
            paddle.assign(value, output=out)
        return _torch_dist_result(None, async_op)
    received = []
    paddle.distributed.alltoall(in_tensor_list=list(input_tensor_list), out_tensor_list=received, group=group)
    for out, value in zip(output_tensor_list, received):
        paddle.assign(value, output=out)
    return _torch_dist_result(None, async_op)
''', deps=("_torch_dist_single",))

_fn("_torch_dist_barrier", '''
def _torch_dist_barrier(group=None, async_op=False, device_ids=None, timeout=None):
    """torch.distributed.barrier: waits for every rank of the group."""
    if not _torch_dist_single():
        paddle.distributed.barrier(group=group)
    return _torch_dist_result(None, async_op)
''', deps=("_torch_dist_single",))

_fn("_torch_dist_destroy_process_group", '''
def _torch_dist_destroy_process_group(group=None):
    """torch.distributed.destroy_process_group: nothing to destroy in a process of its
    own."""
    if paddle.distributed.is_initialized():
        paddle.distributed.destroy_process_group(group)
''')

# ------------------------------------------------------------------ nn.parallel -----------

_fn("TorchDistributedDataParallel", '''
class TorchDistributedDataParallel(paddle.DataParallel):
    """paddle.DataParallel with torch's ``.module`` (the wrapped layer), so that
    ``model.module.state_dict()`` saves what torch's does."""

    @property
    def module(self):
        return self._layers
''')

_fn("_torch_data_parallel", '''
def _torch_data_parallel(module, inputs, device_ids=None, output_device=None, dim=0, module_kwargs=None):
    """torch.nn.parallel.data_parallel on one device: the module called on the inputs (a
    tuple of positional arguments, or one)."""
    if not isinstance(inputs, tuple):
        inputs = (inputs,) if inputs is not None else ()
    return module(*inputs, **(module_kwargs or {}))
''')

# ------------------------------------------------------------------ torch.hub -------------

_fn("_torch_home", '''
def _torch_home():
    """torch.hub._get_torch_home: $TORCH_HOME, defaulting to $XDG_CACHE_HOME/torch
    (itself ~/.cache/torch), as torch computes it."""
    cache = os.getenv("XDG_CACHE_HOME", os.path.join("~", ".cache"))
    return os.path.expanduser(os.getenv("TORCH_HOME", os.path.join(cache, "torch")))
''', imports=("import os",), paddle=False)

_fn("TorchTqdm", '''
class TorchTqdm:
    """torch.hub.tqdm: the tqdm package's progress bar when it is installed (as
    torch's); otherwise, as torch does then, a minimal bar writing the progress to
    stderr, with the methods torch's downloads use (update, set_description, write,
    close, a context manager)."""

    def __new__(cls, *args, **kwargs):
        try:
            from tqdm import tqdm
        except ImportError:
            return super().__new__(cls)
        return tqdm(*args, **kwargs)

    def __init__(self, total=None, disable=False, unit=None, *args, **kwargs):
        self.total, self.disable, self.n = total, disable, 0

    def update(self, n):
        if self.disable:
            return
        self.n += n
        done = f"{self.n:.1f} bytes" if self.total is None else f"{100 * self.n / float(self.total):.1f}%"
        sys.stderr.write("\\r" + done)
        sys.stderr.flush()

    def set_description(self, *args, **kwargs):
        pass

    def write(self, s):
        sys.stderr.write(f"{s}\\n")

    def close(self):
        self.disable = True

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc_val, exc_tb):
        if not self.disable:
            sys.stderr.write("\\n")
''', imports=("import sys",), paddle=False)

_fn("_torch_hub_get_dir", '''
_TORCH_HUB_DIR = [None]


def _torch_hub_get_dir():
    """torch.hub.get_dir: the folder set by set_dir, else $TORCH_HOME/hub (TORCH_HOME
    defaulting to $XDG_CACHE_HOME/torch, itself ~/.cache/torch), as torch computes
    it."""
    if _TORCH_HUB_DIR[0] is not None:
        return _TORCH_HUB_DIR[0]
    cache = os.getenv("XDG_CACHE_HOME", os.path.join("~", ".cache"))
    home = os.path.expanduser(os.getenv("TORCH_HOME", os.path.join(cache, "torch")))
    return os.path.join(home, "hub")
''', imports=("import os",), paddle=False)

_fn("_torch_hub_set_dir", '''
def _torch_hub_set_dir(d):
    """torch.hub.set_dir: the folder get_dir gives from now on."""
    _TORCH_HUB_DIR[0] = os.path.expanduser(os.fspath(d))
''', imports=("import os",), deps=("_torch_hub_get_dir",), paddle=False)

_fn("_torch_hub_download_url_to_file", '''
def _torch_hub_download_url_to_file(url, dst, hash_prefix=None, progress=True):
    """torch.hub.download_url_to_file: url saved to dst (through a temporary file in
    dst's folder, moved into place once complete); with hash_prefix, the SHA-256 of the
    content must start with it."""
    dst = os.path.expanduser(os.fspath(dst))
    digest = hashlib.sha256() if hash_prefix is not None else None
    handle, tmp = tempfile.mkstemp(prefix=os.path.basename(dst) + ".", suffix=".partial",
                                   dir=os.path.dirname(os.path.abspath(dst)))
    try:
        with os.fdopen(handle, "wb") as f, urllib.request.urlopen(urllib.request.Request(url, headers={"User-Agent": "torch.hub"})) as u:
            while True:
                block = u.read(8192)
                if not block:
                    break
                f.write(block)
                if digest is not None:
                    digest.update(block)
        if digest is not None and not digest.hexdigest().startswith(hash_prefix):
            raise RuntimeError(f'invalid hash value (expected "{hash_prefix}", got "{digest.hexdigest()}")')
        shutil.move(tmp, dst)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)
''', imports=("import hashlib", "import os", "import shutil", "import tempfile", "import urllib.request"), paddle=False)

# ------------------------------------------------------------------ multiprocessing -------

_fn("_torch_mp_spawn", '''
class _TorchSpawnEntry:
    """What each spawned process runs: torch's fn(process index, *args), the index being
    the rank paddle.distributed.spawn gives the process."""

    def __init__(self, fn):
        self.fn = fn

    def __call__(self, *args):
        return self.fn(paddle.distributed.get_rank(), *args)


def _torch_mp_spawn(fn, args=(), nprocs=1, join=True, daemon=False, start_method="spawn"):
    """torch.multiprocessing.spawn through paddle.distributed.spawn: nprocs processes,
    each running fn(i, *args) with i its index (and its Paddle rank)."""
    return paddle.distributed.spawn(_TorchSpawnEntry(fn), args=tuple(args), nprocs=nprocs, join=join, daemon=daemon)
''')

_fn("_torch_mp_set_start_method", '''
def _torch_mp_set_start_method(method, force=False):
    """torch.multiprocessing.set_start_method: Python's multiprocessing's."""
    multiprocessing.set_start_method(method, force=force)
''', imports=("import multiprocessing",), paddle=False)

_fn("_torch_mp_get_start_method", '''
def _torch_mp_get_start_method(allow_none=False):
    """torch.multiprocessing.get_start_method: Python's multiprocessing's."""
    return multiprocessing.get_start_method(allow_none=allow_none)
''', imports=("import multiprocessing",), paddle=False)

_fn("_torch_mp_get_all_start_methods", '''
def _torch_mp_get_all_start_methods():
    """torch.multiprocessing.get_all_start_methods: Python's multiprocessing's."""
    return multiprocessing.get_all_start_methods()
''', imports=("import multiprocessing",), paddle=False)

_fn("_torch_mp_cpu_count", '''
def _torch_mp_cpu_count():
    """torch.multiprocessing.cpu_count: Python's multiprocessing's."""
    return multiprocessing.cpu_count()
''', imports=("import multiprocessing",), paddle=False)

_fn("_torch_dist_is_launched", '''
def _torch_dist_is_launched():
    """torch.distributed.is_torchelastic_launched, for Paddle's launcher: whether
    paddle.distributed.launch or spawn started this process (they set
    PADDLE_TRAINER_ID)."""
    return "PADDLE_TRAINER_ID" in os.environ
''', imports=("import os",), paddle=False)
