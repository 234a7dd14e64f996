"""Reading torch checkpoints without torch and without executing anything from the file."""

from __future__ import annotations

import collections
import io
import os
import pickle
import subprocess
import sys
import tracemalloc
import zipfile
from pathlib import Path

import numpy as np
import pytest
import torch

from translator.weights.checkpoint import CheckpointError, load_checkpoint, read_checkpoint

REPO = Path(__file__).resolve().parents[1]


def _mixed_state_dict() -> "collections.OrderedDict[str, torch.Tensor]":
    g = torch.Generator().manual_seed(0)
    base = torch.randn(4, 6, generator=g)
    sd = collections.OrderedDict()
    sd["f32"] = base
    sd["f32_transposed"] = base.t()  # non-contiguous, shares the storage
    sd["f32_slice"] = base[1:3, 2:5]  # storage offset + strides
    sd["f64"] = torch.randn(3, generator=g, dtype=torch.float64)
    sd["f16"] = torch.randn(2, 3, generator=g).half()
    sd["bf16"] = torch.randn(5, generator=g).bfloat16()
    sd["i64"] = torch.tensor([-(2**40), 0, 7], dtype=torch.int64)
    sd["i32"] = torch.tensor([1, -2], dtype=torch.int32)
    sd["i16"] = torch.tensor([300], dtype=torch.int16)
    sd["i8"] = torch.tensor([-5, 5], dtype=torch.int8)
    sd["u8"] = torch.tensor([250, 1], dtype=torch.uint8)
    sd["bool"] = torch.tensor([True, False, True])
    sd["c64"] = torch.tensor([1 + 2j], dtype=torch.complex64)
    sd["scalar"] = torch.tensor(3.5)
    sd["empty"] = torch.zeros(0, 3)
    sd["param"] = torch.nn.Parameter(torch.ones(2, 2))
    sd["num_batches_tracked"] = torch.tensor(12)
    return sd


def _expected(t: torch.Tensor) -> np.ndarray:
    t = t.detach()
    return (t.float() if t.dtype == torch.bfloat16 else t).numpy()


def _check_same(loaded: dict, sd: dict) -> None:
    assert list(loaded) == list(sd)
    for key, tensor in sd.items():
        want = _expected(tensor)
        got = loaded[key]
        assert got.dtype == want.dtype, key
        assert got.shape == want.shape, key
        np.testing.assert_array_equal(got, want, err_msg=key)


@pytest.mark.parametrize("zip_format", [True, False], ids=["zip", "legacy"])
def test_round_trip_all_dtypes_views_and_strides(tmp_path, zip_format):
    sd = _mixed_state_dict()
    path = tmp_path / "model.pth"
    torch.save(sd, path, _use_new_zipfile_serialization=zip_format)
    ckpt = read_checkpoint(path)
    assert ckpt.format == ("torch-zip" if zip_format else "torch-legacy")
    _check_same(ckpt.tensors, sd)
    assert ckpt.tensors["bf16"].dtype == np.float32
    assert any("bfloat16" in note for note in ckpt.notes)


def test_big_endian_checkpoint(tmp_path):
    sd = {"f": torch.randn(3, 4), "i": torch.arange(5, dtype=torch.int64), "h": torch.randn(2).half()}
    little = tmp_path / "little.pth"
    torch.save(sd, little)
    # The same archive as a big-endian machine writes it: byte order record and swapped storages
    # (keys are numbered in the order the tensors are pickled).
    dtypes = {"0": np.float32, "1": np.int64, "2": np.float16}
    big = tmp_path / "big.pth"
    with zipfile.ZipFile(little) as src, zipfile.ZipFile(big, "w") as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename.endswith("/byteorder"):
                data = b"big"
            elif "/data/" in info.filename:
                data = np.frombuffer(data, dtypes[info.filename.rsplit("/", 1)[1]]).byteswap().tobytes()
            dst.writestr(info, data)
    reference = torch.load(big)  # torch agrees the file means the same tensors
    ckpt = read_checkpoint(big)
    for key in sd:
        np.testing.assert_array_equal(reference[key].numpy(), sd[key].numpy())
        assert ckpt.tensors[key].dtype == sd[key].numpy().dtype
        np.testing.assert_array_equal(ckpt.tensors[key], sd[key].numpy())
    assert any("big-endian" in n for n in ckpt.notes)


def test_arrays_are_read_only(tmp_path):
    # They are views of a read-only memory map of the file (no copy; see the next test).
    path = tmp_path / "m.pt"
    torch.save({"w": torch.ones(1000), "t": torch.ones(3, 4).t()}, path)
    sd = load_checkpoint(path)
    assert not sd["w"].flags.writeable
    assert not sd["t"].flags.writeable


def test_streaming_does_not_copy_the_checkpoint(tmp_path):
    # 32 MB of weights: reading them costs address space, not heap.
    sd = {f"layer{i}.weight": torch.randn(1024, 1024) for i in range(8)}
    path = tmp_path / "big.pth"
    torch.save(sd, path)
    size = path.stat().st_size
    tracemalloc.start()
    tensors = load_checkpoint(path)
    total = float(sum(float(t.sum()) for t in tensors.values()))  # touch every byte
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert np.isfinite(total)
    assert peak < size * 0.05, (peak, size)


@pytest.mark.parametrize("wrapper", ["state_dict", "model", "model_state_dict"])
def test_state_dict_nested_in_a_training_checkpoint(tmp_path, wrapper):
    sd = {"conv.weight": torch.randn(2, 3, 1, 1), "conv.bias": torch.zeros(2)}
    path = tmp_path / "ckpt.pth"
    torch.save({wrapper: sd, "epoch": 7, "best_acc": 0.5, "optimizer": {"lr": 0.1}}, path)
    ckpt = read_checkpoint(path)
    assert list(ckpt.tensors) == ["conv.weight", "conv.bias"]
    assert any(repr(wrapper) in note for note in ckpt.notes)


def test_dataparallel_prefix_is_stripped(tmp_path):
    path = tmp_path / "dp.pth"
    torch.save({"module.fc.weight": torch.ones(2, 2), "module.fc.bias": torch.ones(2)}, path)
    ckpt = read_checkpoint(path)
    assert list(ckpt.tensors) == ["fc.weight", "fc.bias"]
    assert any("module." in n for n in ckpt.notes)


def test_safetensors(tmp_path):
    from safetensors.torch import save_file

    sd = {
        "a": torch.randn(3, 4),
        "b": torch.arange(5, dtype=torch.int64),
        "c": torch.randn(2).bfloat16(),
        "d": torch.tensor([True, False]),
        "e": torch.randn(2, 2).half(),
    }
    path = tmp_path / "w.safetensors"
    save_file(sd, str(path))
    ckpt = read_checkpoint(path)
    assert ckpt.format == "safetensors"
    assert sorted(ckpt.tensors) == sorted(sd)
    for key, tensor in sd.items():
        np.testing.assert_array_equal(ckpt.tensors[key], _expected(tensor))
        assert ckpt.tensors[key].dtype == _expected(tensor).dtype


def test_reading_needs_no_torch(tmp_path):
    path = tmp_path / "m.pt"
    torch.save({"w": torch.arange(6.0).reshape(2, 3)}, path)
    code = (
        "import sys; from translator.weights.checkpoint import load_checkpoint\n"
        f"sd = load_checkpoint({str(path)!r})\n"
        "assert sd['w'].tolist() == [[0, 1, 2], [3, 4, 5]]\n"
        "assert 'torch' not in sys.modules, 'torch was imported'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=REPO)


# --------------------------------------------------------------------------------------------
# Refusing code


class _Payload:
    """Unpickling this runs ``os.system("touch MARKER")``."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return os.system, (f"touch {self.marker}",)


def test_payload_really_runs_under_plain_pickle(tmp_path):
    # The malicious tests below are only meaningful if the payload does what it says.
    marker = tmp_path / "proof"
    pickle.loads(pickle.dumps(_Payload(marker)))
    assert marker.exists()


@pytest.mark.parametrize("zip_format", [True, False], ids=["zip", "legacy"])
def test_malicious_checkpoint_is_refused_and_nothing_runs(tmp_path, zip_format):
    marker = tmp_path / "pwned"
    path = tmp_path / "bad.pth"
    torch.save({"w": torch.ones(2), "x": _Payload(marker)}, path, _use_new_zipfile_serialization=zip_format)
    with pytest.raises(CheckpointError) as info:
        load_checkpoint(path)
    message = str(info.value)
    assert message.startswith(f"{path}: refused to load global '{os.system.__module__}.system'")
    assert "only tensors and plain containers are allowed" in message
    assert not marker.exists()


def test_malicious_data_pkl_inside_a_real_archive(tmp_path):
    # A hand-edited archive: the tensors are genuine, data.pkl calls builtins.exec.
    marker = tmp_path / "pwned2"
    good = tmp_path / "good.pth"
    torch.save({"w": torch.ones(2)}, good)
    evil_pkl = b"cbuiltins\nexec\n(V" + f"open({str(marker)!r}, 'w').close()".encode() + b"\ntR."
    bad = tmp_path / "bad.pth"
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(bad, "w") as dst:
        for info in src.infolist():
            data = evil_pkl if info.filename.endswith("data.pkl") else src.read(info)
            dst.writestr(info, data)
    with pytest.raises(CheckpointError, match="refused to load global 'builtins.exec'"):
        load_checkpoint(bad)
    assert not marker.exists()


def test_pickled_module_object_is_refused_with_a_hint(tmp_path):
    path = tmp_path / "whole_model.pth"
    torch.save(torch.nn.Linear(2, 2), path)
    with pytest.raises(CheckpointError, match=r"refused to load global 'torch\.nn\.modules.*state_dict\(\)"):
        load_checkpoint(path)


def test_object_state_cannot_be_rewritten(tmp_path):
    # BUILD on a storage-class stand-in (to retarget what it reads) is refused.
    payload = b"\x80\x02ctorch\nFloatStorage\n}X\x05\x00\x00\x00dtypeX\x05\x00\x00\x00int64sb."
    path = tmp_path / "build.pt"
    path.write_bytes(pickle.dumps(0x1950A86A20F9469CFC6C, 2) + pickle.dumps(1001, 2) + pickle.dumps({}, 2) + payload)
    with pytest.raises(CheckpointError, match="corrupt checkpoint"):
        load_checkpoint(path)


# --------------------------------------------------------------------------------------------
# Broken files


@pytest.mark.parametrize("zip_format", [True, False], ids=["zip", "legacy"])
@pytest.mark.parametrize("keep", [0.5, 0.97])
def test_truncated_checkpoint_gives_a_clear_error(tmp_path, zip_format, keep):
    path = tmp_path / "t.pth"
    torch.save({"a": torch.randn(64, 64), "b": torch.randn(64)}, path, _use_new_zipfile_serialization=zip_format)
    data = path.read_bytes()
    path.write_bytes(data[: int(len(data) * keep)])
    with pytest.raises(CheckpointError) as info:
        load_checkpoint(path)
    message = str(info.value)
    assert message.startswith(f"{path}: ")
    assert "\n" not in message
    assert "truncated" in message or "corrupt" in message


def test_truncated_safetensors(tmp_path):
    from safetensors.numpy import save_file

    path = tmp_path / "t.safetensors"
    save_file({"a": np.ones((32, 32), np.float32)}, str(path))
    path.write_bytes(path.read_bytes()[:-100])
    with pytest.raises(CheckpointError, match="truncated"):
        load_checkpoint(path)


@pytest.mark.parametrize(
    "content, message",
    [
        (b"", "empty file"),
        (b"hello world, not a checkpoint", "not a torch checkpoint"),
        (pickle.dumps({"a": 1}, protocol=2), "not a torch checkpoint"),
        (b"PK\x03\x04" + b"\0" * 64, "corrupt or truncated zip"),
    ],
)
def test_not_a_checkpoint(tmp_path, content, message):
    path = tmp_path / "x.pth"
    path.write_bytes(content)
    with pytest.raises(CheckpointError, match=message):
        load_checkpoint(path)


def test_missing_file(tmp_path):
    with pytest.raises(CheckpointError, match="cannot read"):
        load_checkpoint(tmp_path / "nope.pth")


def test_torchscript_archive_is_named(tmp_path):
    path = tmp_path / "scripted.pt"
    torch.jit.save(torch.jit.script(torch.nn.Linear(2, 2)), str(path))
    with pytest.raises(CheckpointError, match="TorchScript"):
        load_checkpoint(path)


def test_tensor_reaching_past_its_storage_is_refused(tmp_path):
    path = tmp_path / "m.pth"
    torch.save({"w": torch.ones(4)}, path)
    with zipfile.ZipFile(path) as zf:
        pkl_name = next(n for n in zf.namelist() if n.endswith("data.pkl"))
        pkl = zf.read(pkl_name)
    # shape (4,) -> (9,): same pickle length, now larger than the 4-element storage.
    forged = pkl.replace(b"K\x04\x85", b"K\x09\x85", 1)
    assert forged != pkl
    bad = tmp_path / "forged.pth"
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(bad, "w") as dst:
        for info in src.infolist():
            dst.writestr(info, forged if info.filename == pkl_name else src.read(info))
    with pytest.raises(CheckpointError, match="reaches element"):
        load_checkpoint(bad)
