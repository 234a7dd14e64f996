"""Read torch checkpoints into ``dict[str, numpy.ndarray]`` without torch and without running code.

Three formats are understood, recognised by their content rather than their extension:

* torch's zip format (``torch.save`` since 1.6): ``<archive>/data.pkl`` plus one stored (not
  compressed) entry per storage under ``<archive>/data/<key>``;
* torch's legacy format (``_use_new_zipfile_serialization=False``): four pickles in a row
  (magic number, protocol version, system info, the object) followed by the list of storage
  keys and the raw storages, each prefixed by its element count;
* ``.safetensors``: an 8-byte little-endian header length, a JSON header, raw data.

The pickles are read by :class:`_RestrictedUnpickler`, whose ``find_class`` hands out only
stand-ins for torch's tensor-rebuilding functions, storage classes and dtypes, plus a few
plain containers. Anything else (``os.system``, a pickled ``nn.Module``, ``argparse.Namespace``)
is refused with :class:`CheckpointError` *before* it could be called, so reading a checkpoint
never executes code from the file.

Storages are never copied: the file is memory-mapped once and every tensor is a (possibly
strided) read-only view into the map, so a 230 MB checkpoint costs address space, not several
copies in memory. The exceptions are bfloat16 tensors, which numpy cannot represent (they are
widened to float32, exactly, and a note says so), and big-endian files (byte-swapped copies).
"""

from __future__ import annotations

import builtins
import collections
import dataclasses
import io
import json
import math
import mmap
import os
import pickle
import struct
import zipfile
from typing import Any, Callable

import numpy as np

__all__ = [
    "Checkpoint",
    "CheckpointError",
    "MAX_PICKLE_BYTES",
    "load_checkpoint",
    "read_checkpoint",
]

# torch's legacy format starts with these two pickled integers.
_LEGACY_MAGIC = 0x1950A86A20F9469CFC6C
_LEGACY_PROTOCOL = 1001

# A compressed data.pkl may inflate to at most this (torch writes it uncompressed, and it takes
# a few hundred bytes per tensor: a few MB even for the largest models); checked against the
# entry's declared size before anything is inflated, and the inflating read stops there too.
MAX_PICKLE_BYTES = 64 << 20

# Keys under which training scripts commonly nest the model's state dict.
_WRAPPER_KEYS = ("state_dict", "model_state_dict", "model")

# torch storage classes and dtype names -> numpy dtype names ("bfloat16" is handled apart).
_STORAGE_DTYPES = {
    "FloatStorage": "float32",
    "DoubleStorage": "float64",
    "HalfStorage": "float16",
    "BFloat16Storage": "bfloat16",
    "LongStorage": "int64",
    "IntStorage": "int32",
    "ShortStorage": "int16",
    "CharStorage": "int8",
    "ByteStorage": "uint8",
    "BoolStorage": "bool",
    "ComplexFloatStorage": "complex64",
    "ComplexDoubleStorage": "complex128",
    "UntypedStorage": "uint8",
}
_TORCH_DTYPES = {
    "float32": "float32", "float": "float32",
    "float64": "float64", "double": "float64",
    "float16": "float16", "half": "float16",
    "bfloat16": "bfloat16",
    "int64": "int64", "long": "int64",
    "int32": "int32", "int": "int32",
    "int16": "int16", "short": "int16",
    "int8": "int8",
    "uint8": "uint8", "uint16": "uint16", "uint32": "uint32", "uint64": "uint64",
    "bool": "bool",
    "complex64": "complex64", "cfloat": "complex64",
    "complex128": "complex128", "cdouble": "complex128",
}
# safetensors dtype codes -> numpy dtype names.
_SAFETENSORS_DTYPES = {
    "F64": "float64", "F32": "float32", "F16": "float16", "BF16": "bfloat16",
    "I64": "int64", "I32": "int32", "I16": "int16", "I8": "int8",
    "U64": "uint64", "U32": "uint32", "U16": "uint16", "U8": "uint8",
    "BOOL": "bool", "C64": "complex64",
}


class CheckpointError(ValueError):
    """The checkpoint cannot be read (corrupt, truncated, unsupported or unsafe).

    The message always starts with the file's path.
    """


@dataclasses.dataclass
class Checkpoint:
    """What :func:`read_checkpoint` found: the tensors, in file order, and how they were read."""

    path: str
    format: str  # "torch-zip", "torch-legacy" or "safetensors"
    tensors: dict[str, np.ndarray]
    notes: list[str] = dataclasses.field(default_factory=list)


def load_checkpoint(path: str | os.PathLike[str]) -> dict[str, np.ndarray]:
    """Return the state dict stored in ``path`` as an ordered ``{name: ndarray}``.

    The arrays are read-only views of a memory map of the file (copy one before writing to it).
    Raises :class:`CheckpointError` for anything that is not a readable tensor checkpoint.
    """
    return read_checkpoint(path).tensors


def read_checkpoint(path: str | os.PathLike[str]) -> Checkpoint:
    """Like :func:`load_checkpoint`, also returning the format and notes on what was done."""
    path = os.fspath(path)
    try:
        with open(path, "rb") as f:
            head = f.read(16)
            size = os.fstat(f.fileno()).st_size
            if size == 0:
                raise CheckpointError(f"{path}: empty file")
            buf = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
    except OSError as exc:
        raise CheckpointError(f"{path}: cannot read: {exc.strerror or exc}") from None

    notes: list[str] = []
    if head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06"):
        fmt, obj = "torch-zip", _read_zip(path, buf, notes)
    elif _looks_like_safetensors(head, size):
        tensors = _read_safetensors(path, buf, notes)
        return Checkpoint(path, "safetensors", tensors, notes)
    elif head[:1] == b"\x80":
        fmt, obj = "torch-legacy", _read_legacy(path, buf, notes)
    elif path.endswith(".safetensors"):
        raise CheckpointError(f"{path}: corrupt safetensors file (bad header length)")
    else:
        raise CheckpointError(
            f"{path}: not a torch checkpoint (zip or legacy pickle) or a safetensors file"
        )
    tensors = _extract_state_dict(path, obj, notes)
    if not tensors:
        raise CheckpointError(f"{path}: the checkpoint holds no tensors")
    return Checkpoint(path, fmt, tensors, notes)


# --------------------------------------------------------------------------------------------
# Stand-ins handed out by the restricted unpickler. None of them runs code from the file.


class _Sealed:
    """Refuses pickle's BUILD opcode, so a file cannot rewrite our bookkeeping objects."""

    __slots__ = ()

    def __setstate__(self, state: Any) -> None:
        raise pickle.UnpicklingError(f"refused to set the state of {type(self).__name__}")


class _DType(_Sealed):
    """A torch storage class (``torch.FloatStorage``) or dtype (``torch.float32``)."""

    __slots__ = ("torch_name", "dtype")

    def __init__(self, torch_name: str, dtype: str) -> None:
        self.torch_name = torch_name
        self.dtype = dtype


class _StorageRef(_Sealed):
    """A storage named by a persistent id; its bytes are located once the file layout is known."""

    __slots__ = ("key", "dtype", "numel", "elem_offset")

    def __init__(self, key: str, dtype: str, numel: int, elem_offset: int = 0) -> None:
        self.key = key
        self.dtype = dtype
        self.numel = numel
        self.elem_offset = elem_offset


class _TensorRef(_Sealed):
    """A tensor rebuilt from a storage; turned into an ndarray view after unpickling."""

    __slots__ = ("storage", "offset", "shape", "stride", "dtype")

    def __init__(self, storage: Any, offset: Any, shape: Any, stride: Any, dtype: str | None = None):
        if not isinstance(storage, _StorageRef):
            raise pickle.UnpicklingError("a tensor must be rebuilt from a storage")
        if not _is_int_tuple(shape) or not _is_int_tuple(stride) or len(shape) != len(stride):
            raise pickle.UnpicklingError("malformed tensor size/stride")
        if not isinstance(offset, int) or offset < 0 or any(s < 0 for s in shape + stride):
            raise pickle.UnpicklingError("malformed tensor offset/size/stride")
        if any(s >= 1 << 62 for s in shape + stride) or math.prod(s for s in shape if s) >= 1 << 62:
            raise pickle.UnpicklingError(f"tensor size {tuple(shape)} is too large")
        self.storage = storage
        self.offset = offset
        self.shape = tuple(shape)
        self.stride = tuple(stride)
        self.dtype = dtype or storage.dtype


class _Marker(_Sealed):
    """A class that may only be named, never instantiated (``torch.nn.Parameter`` as a type)."""

    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name


def _is_int_tuple(value: Any) -> bool:
    return isinstance(value, (tuple, list)) and all(type(v) is int for v in value)


def _rebuild_tensor(storage, storage_offset, size, stride, *_ignored):
    # torch._utils._rebuild_tensor / _rebuild_tensor_v2: requires_grad, hooks and metadata are
    # irrelevant to the values.
    return _TensorRef(storage, storage_offset, size, stride)


def _rebuild_tensor_v3(storage, storage_offset, size, stride, requires_grad, hooks, dtype, *_ignored):
    if not isinstance(dtype, _DType):
        raise pickle.UnpicklingError("malformed dtype in _rebuild_tensor_v3")
    return _TensorRef(storage, storage_offset, size, stride, dtype.dtype)


def _rebuild_parameter(data, *_ignored):
    if not isinstance(data, _TensorRef):
        raise pickle.UnpicklingError("a parameter must wrap a tensor")
    return data


def _rebuild_from_type_v2(func, new_type, args, state):
    # torch._tensor._rebuild_from_type_v2: a tensor subclass. Only our own rebuild functions
    # may be called and only Tensor/Parameter may be the subclass; the state is ignored.
    if func not in _REBUILDERS.values() or not isinstance(new_type, _Marker):
        raise pickle.UnpicklingError("refused to rebuild a tensor subclass")
    if not isinstance(args, tuple):
        raise pickle.UnpicklingError("malformed tensor subclass arguments")
    return func(*args)


def _latin1_encode(text, encoding="latin1", *_ignored):
    # Protocol 2 pickles ``bytes`` as ``_codecs.encode(text, "latin1")``.
    if not isinstance(text, str) or encoding not in ("latin1", "latin-1"):
        raise pickle.UnpicklingError("refused _codecs.encode with a non-latin1 encoding")
    return text.encode("latin1")


_REBUILDERS: dict[tuple[str, str], Callable[..., Any]] = {
    ("torch._utils", "_rebuild_tensor"): _rebuild_tensor,
    ("torch._utils", "_rebuild_tensor_v2"): _rebuild_tensor,
    ("torch._utils", "_rebuild_tensor_v3"): _rebuild_tensor_v3,
    ("torch._utils", "_rebuild_parameter"): _rebuild_parameter,
    ("torch._utils", "_rebuild_parameter_with_state"): _rebuild_parameter,
    ("torch._tensor", "_rebuild_from_type_v2"): _rebuild_from_type_v2,
}


def _numpy_globals() -> dict[tuple[str, str], Any]:
    # numpy arrays and scalars sometimes sit next to the tensors (metrics, class ids). Their
    # reconstructors only allocate memory; the contents go through the same find_class.
    out: dict[tuple[str, str], Any] = {}
    reconstruct = np.ndarray.__reduce__(np.zeros(1))[0]
    scalar = np.float64(0).__reduce__()[0]
    for mod in ("numpy.core.multiarray", "numpy._core.multiarray"):
        out[(mod, "_reconstruct")] = reconstruct
        out[(mod, "scalar")] = scalar
    out[("numpy", "ndarray")] = np.ndarray
    out[("numpy", "dtype")] = np.dtype
    return out


def _allowed_globals() -> dict[tuple[str, str], Any]:
    table: dict[tuple[str, str], Any] = dict(_REBUILDERS)
    for name, dtype in _STORAGE_DTYPES.items():
        for mod in ("torch", "torch.storage", "torch.cuda"):
            table[(mod, name)] = _DType(f"torch.{name}", dtype)
    for name, dtype in _TORCH_DTYPES.items():
        table[("torch", name)] = _DType(f"torch.{name}", dtype)
    for mod, name in (("torch", "Tensor"), ("torch._tensor", "Tensor"),
                      ("torch.nn.parameter", "Parameter"), ("torch.nn", "Parameter")):
        table[(mod, name)] = _Marker(f"{mod}.{name}")
    table[("collections", "OrderedDict")] = collections.OrderedDict
    for name in ("set", "frozenset", "complex", "slice"):
        table[("builtins", name)] = getattr(builtins, name)
    table[("_codecs", "encode")] = _latin1_encode
    table.update(_numpy_globals())
    return table


_ALLOWED = _allowed_globals()


class _Refused(pickle.UnpicklingError):
    def __init__(self, module: str, name: str) -> None:
        super().__init__(f"{module}.{name}")
        self.qualname = f"{module}.{name}"


class _RestrictedUnpickler(pickle.Unpickler):
    """An unpickler that only knows the globals in ``_ALLOWED`` and resolves storages itself."""

    def __init__(self, file: Any, persistent_load: Callable[[Any], Any] | None) -> None:
        super().__init__(file, encoding="latin1")
        self._persistent = persistent_load

    def find_class(self, module: str, name: str) -> Any:
        try:
            return _ALLOWED[(module, name)]
        except (KeyError, TypeError):
            raise _Refused(str(module), str(name)) from None

    def persistent_load(self, pid: Any) -> Any:
        if self._persistent is None:
            raise pickle.UnpicklingError("unexpected persistent id")
        return self._persistent(pid)


def _refusal_message(path: str, exc: _Refused) -> str:
    msg = f"{path}: refused to load global '{exc.qualname}' (only tensors and plain containers are allowed)"
    if exc.qualname.startswith(("torch.nn.modules", "__main__", "__torch__")):
        msg += "; the file stores a pickled module object, save `model.state_dict()` instead"
    return msg


def _unpickle(path: str, data: Any, persistent_load: Callable[[Any], Any] | None) -> Any:
    """Run the restricted unpickler over ``data`` (a file-like object) with clear errors."""
    try:
        return _RestrictedUnpickler(data, persistent_load).load()
    except _Refused as exc:
        raise CheckpointError(_refusal_message(path, exc)) from None
    except CheckpointError:
        raise
    except EOFError:
        raise CheckpointError(f"{path}: truncated file (the pickle ends early)") from None
    except (pickle.UnpicklingError, ValueError, TypeError, KeyError, IndexError,
            AttributeError, struct.error, UnicodeDecodeError, OverflowError, MemoryError) as exc:
        raise CheckpointError(f"{path}: corrupt checkpoint ({type(exc).__name__}: {exc})") from None


# --------------------------------------------------------------------------------------------
# torch zip format


def _read_zip(path: str, buf: mmap.mmap, notes: list[str]) -> Any:
    try:
        zf = zipfile.ZipFile(_MmapReader(buf))
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise CheckpointError(f"{path}: corrupt or truncated zip archive ({exc})") from None
    with zf:
        names = zf.namelist()
        pkl = [n for n in names if n.endswith("/data.pkl") and n.count("/") == 1]
        if any(n.endswith("/constants.pkl") for n in names) or any("/code/" in n for n in names):
            raise CheckpointError(
                f"{path}: a TorchScript archive, not a state dict; load it with torch.jit.load "
                "and save `model.state_dict()`"
            )
        if not pkl:
            raise CheckpointError(f"{path}: zip archive without data.pkl; not a torch checkpoint")
        prefix = pkl[0][: -len("data.pkl")]
        infos = {info.filename: info for info in zf.infolist()}
        byteorder = "little"
        if prefix + "byteorder" in infos:
            byteorder = _zip_read(path, zf, prefix + "byteorder").decode("ascii", "replace")
            if byteorder not in ("little", "big"):
                raise CheckpointError(f"{path}: unknown byte order {byteorder!r}")

        storages: dict[str, np.ndarray] = {}

        def storage_bytes(ref: _StorageRef) -> np.ndarray:
            if ref.key not in storages:
                info = infos.get(f"{prefix}data/{ref.key}")
                if info is None:
                    raise CheckpointError(f"{path}: storage {ref.key!r} is missing from the archive")
                storages[ref.key] = _zip_entry_view(path, buf, zf, info, ref.numel * _itemsize(ref.dtype))
            return storages[ref.key]

        refs: dict[str, _StorageRef] = {}

        def persistent_load(pid: Any) -> _StorageRef:
            if not isinstance(pid, tuple) or len(pid) != 5 or _ascii(pid[0]) != "storage":
                raise pickle.UnpicklingError(f"unsupported persistent id {pid!r:.80}")
            _, storage_type, key, _location, numel = pid
            if not isinstance(storage_type, _DType) or not isinstance(numel, int) or numel < 0:
                raise pickle.UnpicklingError("malformed storage reference")
            key = _ascii(key)
            if key not in refs:
                refs[key] = _StorageRef(key, storage_type.dtype, numel)
            return refs[key]

        raw = _zip_read_bounded(path, zf, infos[pkl[0]], MAX_PICKLE_BYTES)
        obj = _unpickle(path, io.BytesIO(raw), persistent_load)
        return _materialize(path, obj, storage_bytes, byteorder, notes)


class _MmapReader(io.RawIOBase):
    """A seekable read-only file over an mmap, so zipfile never copies the archive."""

    def __init__(self, buf: mmap.mmap) -> None:
        self._buf = buf
        self._pos = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._pos

    def seek(self, offset: int, whence: int = 0) -> int:
        base = {0: 0, 1: self._pos, 2: len(self._buf)}[whence]
        self._pos = max(0, base + offset)
        return self._pos

    def readinto(self, b: Any) -> int:
        chunk = self._buf[self._pos : self._pos + len(b)]
        b[: len(chunk)] = chunk
        self._pos += len(chunk)
        return len(chunk)


def _zip_read(path: str, zf: zipfile.ZipFile, name: str) -> bytes:
    try:
        return zf.read(name)
    except (zipfile.BadZipFile, EOFError, OSError, ValueError, NotImplementedError) as exc:
        raise CheckpointError(f"{path}: corrupt or truncated zip entry {name!r} ({exc})") from None


def _zip_read_bounded(path: str, zf: zipfile.ZipFile, info: zipfile.ZipInfo, limit: int) -> bytes:
    """A compressed entry inflated to at most ``limit`` bytes: refused before inflating when its
    declared size is larger, and the read stops at the limit whatever the header says."""
    if info.compress_type == zipfile.ZIP_STORED:
        return _zip_read(path, zf, info.filename)  # bounded by the file itself
    refusal = (
        f"{path}: refused to inflate {info.filename!r}: it would take more than {limit >> 20} MiB "
        f"(declared {info.file_size} bytes from {info.compress_size}; a decompression bomb?)"
    )
    if info.file_size > limit:
        raise CheckpointError(refusal)
    try:
        with zf.open(info) as f:
            data = f.read(limit + 1)
    except (zipfile.BadZipFile, EOFError, OSError, ValueError, NotImplementedError) as exc:
        raise CheckpointError(f"{path}: corrupt or truncated zip entry {info.filename!r} ({exc})") from None
    if len(data) > limit:
        raise CheckpointError(refusal)
    return data


def _zip_entry_view(
    path: str, buf: mmap.mmap, zf: zipfile.ZipFile, info: zipfile.ZipInfo, declared: int = MAX_PICKLE_BYTES
) -> np.ndarray:
    """The bytes of one zip entry as a uint8 view of the map (a copy if it is compressed: then
    inflated to at most ``declared`` bytes, the storage's declared size)."""
    if info.compress_type != zipfile.ZIP_STORED:
        return np.frombuffer(_zip_read_bounded(path, zf, info, declared), dtype=np.uint8)
    header = buf[info.header_offset : info.header_offset + 30]
    if len(header) < 30 or header[:4] != b"PK\x03\x04":
        raise CheckpointError(f"{path}: corrupt zip entry {info.filename!r} (bad local header)")
    name_len, extra_len = struct.unpack("<HH", header[26:30])
    start = info.header_offset + 30 + name_len + extra_len
    if start + info.file_size > len(buf):
        raise CheckpointError(
            f"{path}: truncated file (entry {info.filename!r} needs {info.file_size} bytes at "
            f"offset {start}, the file has {len(buf)})"
        )
    return np.frombuffer(buf, dtype=np.uint8, count=info.file_size, offset=start)


def _ascii(value: Any) -> str:
    if isinstance(value, bytes):
        return value.decode("ascii")
    if isinstance(value, str):
        return value
    raise pickle.UnpicklingError(f"expected a string, got {type(value).__name__}")


# --------------------------------------------------------------------------------------------
# torch legacy format


def _read_legacy(path: str, buf: mmap.mmap, notes: list[str]) -> Any:
    stream = _MmapReader(buf)
    reader = io.BufferedReader(stream, buffer_size=1 << 16)
    magic = _unpickle(path, reader, None)
    if magic != _LEGACY_MAGIC:
        raise CheckpointError(f"{path}: a pickle, but not a torch checkpoint (no torch magic number)")
    protocol = _unpickle(path, reader, None)
    if protocol != _LEGACY_PROTOCOL:
        raise CheckpointError(f"{path}: unsupported torch legacy protocol {protocol!r}")
    sys_info = _unpickle(path, reader, None)
    byteorder = "little"
    if isinstance(sys_info, dict) and sys_info.get("little_endian") is False:
        byteorder = "big"

    refs: dict[str, _StorageRef] = {}  # root storages, by key
    views: dict[str, _StorageRef] = {}

    def persistent_load(pid: Any) -> _StorageRef:
        if not isinstance(pid, tuple) or not pid:
            raise pickle.UnpicklingError("malformed persistent id")
        kind = _ascii(pid[0])
        if kind == "module":
            raise pickle.UnpicklingError("the file stores a pickled module object; save model.state_dict() instead")
        if kind != "storage" or len(pid) != 6:
            raise pickle.UnpicklingError(f"unsupported persistent id {pid!r:.80}")
        _, storage_type, key, _location, numel, view = pid
        if not isinstance(storage_type, _DType) or not isinstance(numel, int) or numel < 0:
            raise pickle.UnpicklingError("malformed storage reference")
        key = _ascii(key)
        root = refs.setdefault(key, _StorageRef(key, storage_type.dtype, numel))
        if view is None:
            return root
        view_key, offset, view_numel = view
        if not isinstance(offset, int) or not isinstance(view_numel, int) or offset < 0 or view_numel < 0:
            raise pickle.UnpicklingError("malformed storage view")
        return views.setdefault(_ascii(view_key), _StorageRef(key, root.dtype, view_numel, offset))

    obj = _unpickle(path, reader, persistent_load)
    keys = _unpickle(path, reader, None)
    if not isinstance(keys, list) or not all(isinstance(k, (str, bytes)) for k in keys):
        raise CheckpointError(f"{path}: corrupt checkpoint (bad storage key list)")

    # The storages follow in the order of ``keys``: an int64 element count, then the data.
    pos = reader.tell()
    endian = "<" if byteorder == "little" else ">"
    located: dict[str, np.ndarray] = {}
    for key in map(_ascii, keys):
        ref = refs.get(key)
        if ref is None:
            raise CheckpointError(f"{path}: corrupt checkpoint (storage {key!r} is never used)")
        if pos + 8 > len(buf):
            raise CheckpointError(f"{path}: truncated file (storage {key!r} is missing)")
        (numel,) = struct.unpack(endian + "q", buf[pos : pos + 8])
        itemsize = _itemsize(ref.dtype)
        nbytes = numel * itemsize
        if numel < 0 or pos + 8 + nbytes > len(buf):
            raise CheckpointError(
                f"{path}: truncated file (storage {key!r} needs {nbytes} bytes at offset {pos + 8}, "
                f"the file has {len(buf)})"
            )
        located[key] = np.frombuffer(buf, dtype=np.uint8, count=nbytes, offset=pos + 8)
        pos += 8 + nbytes

    def storage_bytes(ref: _StorageRef) -> np.ndarray:
        if ref.key not in located:
            raise CheckpointError(f"{path}: corrupt checkpoint (storage {ref.key!r} has no data)")
        data = located[ref.key]
        start = ref.elem_offset * _itemsize(ref.dtype)
        if ref is not refs.get(ref.key):  # a view into a root storage
            return data[start : start + ref.numel * _itemsize(ref.dtype)]
        return data

    return _materialize(path, obj, storage_bytes, byteorder, notes)


# --------------------------------------------------------------------------------------------
# From references to arrays


def _itemsize(dtype: str) -> int:
    return 2 if dtype == "bfloat16" else np.dtype(dtype).itemsize


def _materialize(
    path: str,
    obj: Any,
    storage_bytes: Callable[[_StorageRef], np.ndarray],
    byteorder: str,
    notes: list[str],
) -> Any:
    """Replace every ``_TensorRef`` in the unpickled tree by an ndarray view of its storage."""
    typed: dict[tuple[int, str], np.ndarray] = {}
    widened: list[int] = []
    swapped: list[int] = []

    def tensor(ref: _TensorRef) -> np.ndarray:
        storage = ref.storage
        cache_key = (id(storage), ref.dtype)
        if cache_key not in typed:
            raw = storage_bytes(storage)
            itemsize = _itemsize(ref.dtype)
            usable = min(len(raw), storage.numel * _itemsize(storage.dtype)) // itemsize * itemsize
            if storage.numel * _itemsize(storage.dtype) > len(raw):
                raise CheckpointError(
                    f"{path}: truncated file (storage {storage.key!r} declares "
                    f"{storage.numel * _itemsize(storage.dtype)} bytes, has {len(raw)})"
                )
            stored = "uint16" if ref.dtype == "bfloat16" else ref.dtype
            dt = np.dtype(stored).newbyteorder("<" if byteorder == "little" else ">")
            typed[cache_key] = raw[:usable].view(dt)
        flat = typed[cache_key]
        shape, stride = ref.shape, ref.stride
        if 0 in shape:
            arr = np.empty(shape, dtype=flat.dtype)
        else:
            last = ref.offset + sum((n - 1) * s for n, s in zip(shape, stride))
            if last >= len(flat):
                raise CheckpointError(
                    f"{path}: corrupt checkpoint (a tensor of shape {shape} reaches element {last} "
                    f"of storage {storage.key!r}, which has {len(flat)})"
                )
            item = flat.itemsize
            arr = np.lib.stride_tricks.as_strided(
                flat[ref.offset :], shape=shape, strides=tuple(s * item for s in stride), writeable=False
            )
        if not arr.dtype.isnative:
            arr = arr.astype(arr.dtype.newbyteorder("="))
            swapped.append(1)
        if ref.dtype == "bfloat16":
            arr = (arr.astype(np.uint32) << 16).view(np.float32)
            widened.append(1)
        return arr

    # Each container is visited once (by id): a pickle can share one object under many names,
    # and a walk that followed every path through 40 shared levels would take 2**40 steps.
    done: dict[int, Any] = {}

    def walk(value: Any, depth: int = 0) -> Any:
        if depth > 100:
            raise CheckpointError(f"{path}: corrupt checkpoint (nesting too deep)")
        if not isinstance(value, (_TensorRef, dict, list, tuple)):
            return value
        key = id(value)
        if key in done:
            return done[key]
        done[key] = value  # a cycle back to this container sees it as it is
        if isinstance(value, _TensorRef):
            result: Any = tensor(value)
        elif isinstance(value, dict):
            for k in list(value):
                value[k] = walk(value[k], depth + 1)
            result = value
        elif isinstance(value, list):
            value[:] = [walk(v, depth + 1) for v in value]
            result = value
        else:
            result = tuple(walk(v, depth + 1) for v in value) if type(value) is tuple else value
        done[key] = result
        return result

    result = walk(obj)
    if widened:
        notes.append(f"{len(widened)} bfloat16 tensor(s) widened to float32 (exact; numpy has no bfloat16)")
    if swapped:
        notes.append(f"{len(swapped)} tensor(s) converted from big-endian byte order")
    return result


# --------------------------------------------------------------------------------------------
# safetensors


def _looks_like_safetensors(head: bytes, size: int) -> bool:
    if len(head) < 9:
        return False
    (n,) = struct.unpack("<Q", head[:8])
    return 2 <= n <= size - 8 and head[8:9] in (b"{", b"[")


def _safetensors_entry(path: str, name: str, meta: Any) -> tuple[str, tuple[int, ...], int, int]:
    """(dtype, shape, begin, end) of one header entry, or a one-line CheckpointError."""
    where = f"{path}: corrupt safetensors header entry {name!r}"
    if not isinstance(meta, dict):
        raise CheckpointError(f"{where} (not a JSON object)")
    code, shape, offsets = meta.get("dtype"), meta.get("shape"), meta.get("data_offsets")
    dtype = _SAFETENSORS_DTYPES.get(code) if isinstance(code, str) else None
    if dtype is None:
        raise CheckpointError(f"{path}: tensor {name!r} has unsupported dtype {code!r:.40}")
    if not _is_int_tuple(shape) or any(s < 0 for s in shape):
        raise CheckpointError(f"{where} (shape must be a list of non-negative integers, got {shape!r:.60})")
    if not _is_int_tuple(offsets) or len(offsets) != 2:
        raise CheckpointError(f"{where} (data_offsets must be [begin, end], got {offsets!r:.60})")
    begin, end = offsets
    if begin < 0 or end < begin:
        raise CheckpointError(f"{where} (data_offsets {offsets} are negative or reversed)")
    nbytes = math.prod(shape) * _itemsize(dtype)  # Python ints: [2**70] cannot overflow
    if end - begin != nbytes:
        raise CheckpointError(
            f"{path}: corrupt safetensors entry {name!r} (shape {tuple(shape)} needs "
            f"{nbytes} bytes, offsets give {end - begin})"
        )
    return dtype, tuple(shape), begin, end


def _read_safetensors(path: str, buf: mmap.mmap, notes: list[str]) -> dict[str, np.ndarray]:
    (n,) = struct.unpack("<Q", buf[:8])
    try:
        header = json.loads(bytes(buf[8 : 8 + n]).decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise CheckpointError(f"{path}: corrupt safetensors header ({str(exc)[:200]})") from None
    if not isinstance(header, dict):
        raise CheckpointError(
            f"{path}: corrupt safetensors header (a JSON {type(header).__name__}, not a JSON object "
            "mapping tensor names to their dtype, shape and data_offsets)"
        )
    base = 8 + n
    out: dict[str, np.ndarray] = {}
    widened = 0
    entries = [(k, _safetensors_entry(path, k, v)) for k, v in header.items() if k != "__metadata__"]
    # Tensors come back in file order, which is how the writer laid them out.
    entries.sort(key=lambda kv: kv[1][2])
    for name, (dtype, shape, begin, end) in entries:
        if base + end > len(buf):
            raise CheckpointError(
                f"{path}: truncated file (tensor {name!r} ends at byte {base + end}, the file has {len(buf)})"
            )
        stored = np.dtype("<u2" if dtype == "bfloat16" else dtype).newbyteorder("<")
        count = (end - begin) // stored.itemsize
        arr = np.frombuffer(buf, dtype=stored, count=count, offset=base + begin).reshape(shape)
        if not arr.dtype.isnative:
            arr = arr.astype(arr.dtype.newbyteorder("="))
        if dtype == "bfloat16":
            arr = (arr.astype(np.uint32) << 16).view(np.float32)
            widened += 1
        out[name] = arr
    if widened:
        notes.append(f"{widened} bfloat16 tensor(s) widened to float32 (exact; numpy has no bfloat16)")
    if not out:
        raise CheckpointError(f"{path}: the checkpoint holds no tensors")
    return out


# --------------------------------------------------------------------------------------------
# Finding the state dict in what was unpickled


def _extract_state_dict(path: str, obj: Any, notes: list[str]) -> dict[str, np.ndarray]:
    for _ in range(3):
        if not isinstance(obj, dict) or any(isinstance(v, np.ndarray) for v in obj.values()):
            break
        key = next((k for k in _WRAPPER_KEYS if isinstance(obj.get(k), dict)), None)
        if key is None:
            break
        notes.append(f"using the state dict nested under {key!r}")
        obj = obj[key]
    if not isinstance(obj, dict):
        return {}
    tensors: dict[str, np.ndarray] = {}
    skipped: list[str] = []
    seen: set[int] = set()

    def flatten(d: dict, prefix: str) -> None:
        # a state dict is a tree: one nested dict under two names (or inside itself) would name
        # its tensors once per path, 2**40 names for 40 shared levels
        if id(d) in seen:
            raise CheckpointError(
                f"{path}: not a state dict: the nested dict at {prefix[:-1]!r:.80} repeats one seen "
                "before (a shared reference or a cycle)"
            )
        seen.add(id(d))
        for k, v in d.items():
            name = f"{prefix}{k}"
            if isinstance(v, np.ndarray):
                tensors[name] = v
            elif isinstance(v, dict):
                flatten(v, name + ".")
            else:
                skipped.append(name)

    flatten(obj, "")
    if skipped:
        shown = ", ".join(skipped[:5]) + (", ..." if len(skipped) > 5 else "")
        notes.append(f"skipped {len(skipped)} non-tensor value(s): {shown}")
    if tensors and all(k.startswith("module.") for k in tensors):
        notes.append("stripped the 'module.' prefix that DataParallel adds")
        tensors = {k[len("module."):]: v for k, v in tensors.items()}
    return tensors
