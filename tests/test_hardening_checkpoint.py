"""Issue 15 items 1 and 5: hostile checkpoints are refused quickly with one clear line."""

from __future__ import annotations

import json
import pickle
import struct
import time
import tracemalloc
import zipfile
from pathlib import Path

import pytest

from translator.weights.checkpoint import MAX_PICKLE_BYTES, CheckpointError, read_checkpoint
from translator.weights.cli import main_convert_weights


def _zip_with_pickle(path: Path, data: bytes, compress: int = zipfile.ZIP_STORED) -> Path:
    with zipfile.ZipFile(path, "w", compression=compress) as zf:
        zf.writestr("archive/data.pkl", data)
        zf.writestr("archive/version", "3\n")
    return path


def _shared_reference_bomb(depth: int, container: str) -> bytes:
    node: object = {"leaf": 1}
    for _ in range(depth):
        node = {"a": node, "b": node} if container == "dict" else [node, node]
    return pickle.dumps({"state_dict": {"x": node}} if container == "dict" else {"x": node}, protocol=2)


@pytest.mark.parametrize("container", ["dict", "list"])
def test_shared_reference_bomb_is_fast(tmp_path, container):
    data = _shared_reference_bomb(40, container)
    assert len(data) < 2000
    path = _zip_with_pickle(tmp_path / "bomb.pth", data)
    start = time.perf_counter()
    with pytest.raises(CheckpointError) as info:
        read_checkpoint(path)
    assert time.perf_counter() - start < 1.0
    assert str(info.value).startswith(str(path))


def test_cycle_is_refused(tmp_path):
    d: dict = {}
    d["self"] = d
    path = _zip_with_pickle(tmp_path / "cycle.pth", pickle.dumps(d, protocol=2))
    with pytest.raises(CheckpointError, match="cycle|repeat"):
        read_checkpoint(path)


def test_decompression_bomb_is_refused_before_inflating(tmp_path):
    path = tmp_path / "bomb.pth"
    size = MAX_PICKLE_BYTES + (16 << 20)
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        with zf.open("archive/data.pkl", "w", force_zip64=True) as f:
            chunk = b"\0" * (1 << 20)
            for _ in range(size >> 20):
                f.write(chunk)
    assert path.stat().st_size < 1 << 20
    tracemalloc.start()
    try:
        start = time.perf_counter()
        with pytest.raises(CheckpointError, match="inflate"):
            read_checkpoint(path)
        elapsed = time.perf_counter() - start
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert elapsed < 1.0
    assert peak < 8 << 20


def test_lying_zip_header_is_bounded(tmp_path):
    """An entry whose header understates its size is cut at the stated size (zipfile's CRC
    check then fails): never inflated past the bound."""
    path = tmp_path / "liar.pth"
    payload = pickle.dumps({"x": 1}, protocol=2) + b"\0" * (1 << 20)
    _zip_with_pickle(path, payload, zipfile.ZIP_DEFLATED)
    raw = bytearray(path.read_bytes())
    # patch the uncompressed size in the local and central headers of data.pkl to 10 bytes
    for sig, off in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        i = raw.find(sig)
        struct.pack_into("<I", raw, i + off, 10)
    path.write_bytes(bytes(raw))
    with pytest.raises(CheckpointError):
        read_checkpoint(path)


def _safetensors(path: Path, header: object) -> Path:
    blob = json.dumps(header).encode()
    path.write_bytes(struct.pack("<Q", len(blob)) + blob + b"\0" * 16)
    return path


BAD_HEADERS = {
    "offsets-empty": {"w": {"dtype": "F32", "shape": [1], "data_offsets": []}},
    "offsets-string": {"w": {"dtype": "F32", "shape": [1], "data_offsets": "ab"}},
    "offsets-int": {"w": {"dtype": "F32", "shape": [1], "data_offsets": 5}},
    "offsets-negative": {"w": {"dtype": "F32", "shape": [1], "data_offsets": [-4, 0]}},
    "offsets-reversed": {"w": {"dtype": "F32", "shape": [0], "data_offsets": [8, 4]}},
    "offsets-float": {"w": {"dtype": "F32", "shape": [1], "data_offsets": [0.0, 4.0]}},
    "shape-2**62": {"w": {"dtype": "F32", "shape": [2**62, 4], "data_offsets": [0, 16]}},
    "shape-2**32-squared": {"w": {"dtype": "F32", "shape": [2**32, 2**32], "data_offsets": [0, 16]}},
    "shape-2**70": {"w": {"dtype": "F32", "shape": [2**70], "data_offsets": [0, 16]}},
    "shape-negative": {"w": {"dtype": "F32", "shape": [-1], "data_offsets": [0, 4]}},
    "shape-string": {"w": {"dtype": "F32", "shape": "4", "data_offsets": [0, 16]}},
    "entry-not-object": {"w": [1, 2]},
    "dtype-list": {"w": {"dtype": ["F32"], "shape": [1], "data_offsets": [0, 4]}},
    "list-header": [{"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}],
}


@pytest.mark.parametrize("name", sorted(BAD_HEADERS))
def test_crafted_safetensors_header(tmp_path, capsys, name):
    path = _safetensors(tmp_path / "m.safetensors", BAD_HEADERS[name])
    with pytest.raises(CheckpointError) as info:
        read_checkpoint(path)
    message = str(info.value)
    assert message.startswith(str(path)) and "\n" not in message
    if name == "list-header":
        assert "JSON object" in message
    if name == "offsets-negative":
        assert "negative" in message or "offsets" in message
    code = main_convert_weights([str(path), "-o", str(tmp_path / "out.pdparams")])
    assert code == 2
    err = capsys.readouterr().err
    assert str(path) in err and "Traceback" not in err
    assert not (tmp_path / "out.pdparams").exists()
