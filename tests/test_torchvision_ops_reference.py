"""torchvision ops whose torch side cannot run here (their compiled kernels do not load next to
this torch): the translation runs in Paddle and is compared with a NumPy reference written
from torchvision's documented semantics."""

from __future__ import annotations

import numpy as np
import pytest

from translator import translate_source

paddle = pytest.importorskip("paddle")


def _run(source: str, **inputs: np.ndarray):
    """Translate ``source`` (torch code setting ``out``) and run it in Paddle on ``inputs``."""
    result = translate_source(source, path="ref.py")
    assert not result.errors, [str(d) for d in result.errors]
    ns = {k: paddle.to_tensor(v) for k, v in inputs.items()}
    exec(compile(result.code, "<translated>", "exec"), ns)
    return ns["out"]


# ------------------------------------------------------------------ references -------------
def _iou(a: np.ndarray, b: np.ndarray) -> float:
    lt, rb = np.maximum(a[:2], b[:2]), np.minimum(a[2:], b[2:])
    wh = np.clip(rb - lt, 0, None)
    inter = wh[0] * wh[1]
    area = lambda z: (z[2] - z[0]) * (z[3] - z[1])  # noqa: E731
    return inter / (area(a) + area(b) - inter)


def nms_ref(boxes: np.ndarray, scores: np.ndarray, thr: float, idxs: np.ndarray | None = None) -> np.ndarray:
    """Greedy NMS: highest score first; a box goes when its IoU with a kept box of the same
    category is above the threshold. Indices by decreasing score."""
    order = np.argsort(-scores, kind="stable")
    keep: list[int] = []
    for i in order:
        if all(_iou(boxes[i], boxes[k]) <= thr or (idxs is not None and idxs[i] != idxs[k]) for k in keep):
            keep.append(int(i))
    return np.array(keep, dtype=np.int64)


def _bilinear(img: np.ndarray, y: float, x: float) -> np.ndarray:
    h, w = img.shape[1:]
    if y < -1.0 or y > h or x < -1.0 or x > w:
        return np.zeros(img.shape[0], img.dtype)
    y, x = max(y, 0.0), max(x, 0.0)
    y0, x0 = int(y), int(x)
    if y0 >= h - 1:
        y0 = y1 = h - 1
        y = float(y0)
    else:
        y1 = y0 + 1
    if x0 >= w - 1:
        x0 = x1 = w - 1
        x = float(x0)
    else:
        x1 = x0 + 1
    ly, lx = y - y0, x - x0
    hy, hx = 1 - ly, 1 - lx
    return hy * hx * img[:, y0, x0] + hy * lx * img[:, y0, x1] + ly * hx * img[:, y1, x0] + ly * lx * img[:, y1, x1]


def roi_align_ref(feat: np.ndarray, rois: np.ndarray, out: tuple[int, int], scale: float, ratio: int, aligned: bool) -> np.ndarray:
    """RoIAlign as torchvision documents it: rois are (batch, x1, y1, x2, y2); each output bin
    averages a ratio x ratio grid of bilinear samples (adaptive when ratio <= 0)."""
    ph, pw = out
    res = np.zeros((len(rois), feat.shape[1], ph, pw), np.float64)
    off = 0.5 if aligned else 0.0
    for r, (b, x1, y1, x2, y2) in enumerate(rois):
        img = feat[int(b)].astype(np.float64)
        sx, sy, ex, ey = x1 * scale - off, y1 * scale - off, x2 * scale - off, y2 * scale - off
        rw, rh = ex - sx, ey - sy
        if not aligned:
            rw, rh = max(rw, 1.0), max(rh, 1.0)
        bh, bw = rh / ph, rw / pw
        gh = ratio if ratio > 0 else int(np.ceil(rh / ph))
        gw = ratio if ratio > 0 else int(np.ceil(rw / pw))
        count = max(gh * gw, 1)
        for i in range(ph):
            for j in range(pw):
                acc = np.zeros(feat.shape[1])
                for iy in range(gh):
                    y = sy + i * bh + (iy + 0.5) * bh / gh
                    for ix in range(gw):
                        x = sx + j * bw + (ix + 0.5) * bw / gw
                        acc += _bilinear(img, y, x)
                res[r, :, i, j] = acc / count
    return res.astype(np.float32)


def _boxes(rng: np.random.Generator, n: int, size: float = 20.0) -> np.ndarray:
    xy = rng.uniform(0, size, (n, 2))
    wh = rng.uniform(2, size / 2, (n, 2))
    return np.concatenate([xy, xy + wh], 1).astype(np.float32)


# ------------------------------------------------------------------ tests ------------------
@pytest.mark.parametrize("thr", [0.2, 0.5, 0.7])
def test_nms(thr):
    rng = np.random.default_rng(1)
    boxes, scores = _boxes(rng, 30), rng.permutation(30).astype(np.float32) / 30
    src = f"import torchvision\nout = torchvision.ops.nms(boxes, scores, {thr})\n"
    got = _run(src, boxes=boxes, scores=scores)
    assert str(got.dtype).endswith("int64")
    np.testing.assert_array_equal(got.numpy(), nms_ref(boxes, scores, thr))


def test_batched_nms():
    rng = np.random.default_rng(2)
    boxes, scores = _boxes(rng, 40), rng.permutation(40).astype(np.float32) / 40
    idxs = rng.integers(0, 3, 40).astype(np.int64)
    src = "from torchvision.ops import batched_nms\nout = batched_nms(boxes, scores, idxs, 0.4)\n"
    got = _run(src, boxes=boxes, scores=scores, idxs=idxs)
    np.testing.assert_array_equal(got.numpy(), nms_ref(boxes, scores, 0.4, idxs))


@pytest.mark.parametrize("aligned", [False, True])
@pytest.mark.parametrize("ratio", [2, -1])
def test_roi_align_tensor_rois(aligned, ratio):
    rng = np.random.default_rng(3)
    feat = rng.standard_normal((2, 3, 12, 14)).astype(np.float32)
    b = _boxes(rng, 5, size=40.0)
    # unsorted batch indices: the support code must group them and restore the order
    rois = np.concatenate([np.array([[1], [0], [1], [0], [0]], np.float32), b], 1)
    src = ("import torchvision.ops as ops\n"
           f"out = ops.roi_align(feat, rois, (3, 4), spatial_scale=0.25, sampling_ratio={ratio}, aligned={aligned})\n")
    got = _run(src, feat=feat, rois=rois)
    np.testing.assert_allclose(got.numpy(), roi_align_ref(feat, rois, (3, 4), 0.25, ratio, aligned), atol=1e-5, rtol=1e-5)


def test_roi_align_list_of_boxes():
    rng = np.random.default_rng(4)
    feat = rng.standard_normal((2, 3, 10, 10)).astype(np.float32)
    b0, b1 = _boxes(rng, 2, size=8.0), _boxes(rng, 3, size=8.0)
    src = "import torchvision.ops as ops\nout = ops.roi_align(feat, [b0, b1], 2, 1.0, 2)\n"
    got = _run(src, feat=feat, b0=b0, b1=b1)
    rois = np.concatenate([np.concatenate([np.zeros((2, 1)), b0], 1), np.concatenate([np.ones((3, 1)), b1], 1)]).astype(np.float32)
    np.testing.assert_allclose(got.numpy(), roi_align_ref(feat, rois, (2, 2), 1.0, 2, False), atol=1e-5, rtol=1e-5)
