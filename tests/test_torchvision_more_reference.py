"""torchvision.ops entries of rules/torchvision_more.toml whose torch side cannot run here (the
compiled kernels do not load next to this torch): the translation runs in Paddle and is compared
with NumPy references written from torchvision's documented semantics."""

from __future__ import annotations

import numpy as np
import pytest
from test_torchvision_ops_reference import _boxes, _run, roi_align_ref

paddle = pytest.importorskip("paddle")


def roi_pool_ref(feat: np.ndarray, rois: np.ndarray, out: tuple[int, int], scale: float) -> np.ndarray:
    """Max pooling over a grid of bins on each roi: roi corners scaled and rounded (half away
    from zero), an inclusive roi of at least one pixel, bins from floor to ceil of their float
    bounds clipped to the image; an empty bin gives 0."""
    n_ch, height, width = feat.shape[1:]
    ph_n, pw_n = out
    res = np.zeros((len(rois), n_ch, ph_n, pw_n), np.float32)

    def rnd(v: float) -> int:
        return int(np.sign(v) * np.floor(abs(v) + 0.5))

    for k, (b, x1, y1, x2, y2) in enumerate(rois):
        img = feat[int(b)]
        sw, sh, ew, eh = rnd(x1 * scale), rnd(y1 * scale), rnd(x2 * scale), rnd(y2 * scale)
        rw, rh = max(ew - sw + 1, 1), max(eh - sh + 1, 1)
        bh, bw = rh / ph_n, rw / pw_n
        for ph in range(ph_n):
            for pw in range(pw_n):
                hs = min(max(int(np.floor(ph * bh)) + sh, 0), height)
                he = min(max(int(np.ceil((ph + 1) * bh)) + sh, 0), height)
                ws = min(max(int(np.floor(pw * bw)) + sw, 0), width)
                we = min(max(int(np.ceil((pw + 1) * bw)) + sw, 0), width)
                if he > hs and we > ws:
                    res[k, :, ph, pw] = img[:, hs:he, ws:we].max(axis=(1, 2))
    return res


@pytest.mark.parametrize("aligned", [False, True])
def test_roi_align_layer(aligned):
    rng = np.random.default_rng(5)
    feat = rng.standard_normal((2, 3, 12, 14)).astype(np.float32)
    rois = np.concatenate([np.array([[1], [0], [1], [0]], np.float32), _boxes(rng, 4, size=40.0)], 1)
    src = ("import torchvision.ops as ops\n"
           f"pool = ops.RoIAlign((3, 4), spatial_scale=0.25, sampling_ratio=2, aligned={aligned})\n"
           "out = pool(feat, rois)\n")
    got = _run(src, feat=feat, rois=rois)
    np.testing.assert_allclose(got.numpy(), roi_align_ref(feat, rois, (3, 4), 0.25, 2, aligned), atol=1e-5, rtol=1e-5)


def test_roi_pool_tensor_rois():
    rng = np.random.default_rng(6)
    feat = rng.standard_normal((2, 3, 12, 14)).astype(np.float32)
    rois = np.concatenate([np.array([[1], [0], [1], [0], [0]], np.float32), _boxes(rng, 5, size=40.0)], 1)
    src = "import torchvision.ops as ops\nout = ops.roi_pool(feat, rois, (3, 4), spatial_scale=0.25)\n"
    got = _run(src, feat=feat, rois=rois)
    np.testing.assert_allclose(got.numpy(), roi_pool_ref(feat, rois, (3, 4), 0.25), atol=1e-6)


def test_roi_pool_layer_list_of_boxes():
    rng = np.random.default_rng(7)
    feat = rng.standard_normal((2, 3, 10, 10)).astype(np.float32)
    b0, b1 = _boxes(rng, 2, size=8.0), _boxes(rng, 3, size=8.0)
    src = "import torchvision.ops as ops\npool = ops.RoIPool(2, 1.0)\nout = pool(feat, [b0, b1])\n"
    got = _run(src, feat=feat, b0=b0, b1=b1)
    rois = np.concatenate([np.concatenate([np.zeros((2, 1)), b0], 1), np.concatenate([np.ones((3, 1)), b1], 1)]).astype(np.float32)
    np.testing.assert_allclose(got.numpy(), roi_pool_ref(feat, rois, (2, 2), 1.0), atol=1e-6)
