"""torchvision beyond ``vision.py``: torchvision.utils (make_grid, save_image), transforms that
Paddle lacks (resized_crop, RandomChoice, RandomOrder, transforms.v2's ToImage and ToDtype) and
the torchvision.ops that ``vision.py`` does not cover (the distance and complete IoUs and their
losses, masks_to_boxes, DropBlock, the RoIAlign and RoIPool layers, Conv3dNormActivation).

Everything here is support code written with torchvision's semantics; the entries are in
``rules/torchvision_more.toml``.
"""

from __future__ import annotations

from ._common import snippet

# ------------------------------------------------------------------ torchvision.utils --------

snippet(
    "make_grid",
    '''
def make_grid(tensor, nrow=8, padding=2, normalize=False, value_range=None, scale_each=False, pad_value=0.0):
    """torchvision.utils.make_grid: a batch (or list) of CHW images laid out nrow per
    row on a pad_value background; one-channel images become three channels; normalize
    rescales to [0, 1] by value_range or by the min and max (of each image with
    scale_each)."""
    if isinstance(tensor, (list, tuple)):
        tensor = paddle.stack(list(tensor), axis=0)
    if tensor.ndim == 2:
        tensor = tensor.unsqueeze(0)
    if tensor.ndim == 3:
        if tensor.shape[0] == 1:
            tensor = paddle.concat([tensor, tensor, tensor], axis=0)
        tensor = tensor.unsqueeze(0)
    if tensor.ndim == 4 and tensor.shape[1] == 1:
        tensor = paddle.concat([tensor, tensor, tensor], axis=1)
    if normalize is True:
        if value_range is not None and not isinstance(value_range, tuple):
            raise TypeError("value_range has to be a tuple (min, max) if specified. min and max are numbers")

        def norm_range(t):
            low, high = value_range if value_range is not None else (float(t.min()), float(t.max()))
            return (t.clip(min=low, max=high) - low) / max(high - low, 1e-5)

        if scale_each is True:
            tensor = paddle.stack([norm_range(t) for t in tensor], axis=0)
        else:
            tensor = norm_range(tensor)
    if tensor.shape[0] == 1:
        return tensor.squeeze(0)
    nmaps = tensor.shape[0]
    xmaps = min(nrow, nmaps)
    ymaps = int(math.ceil(float(nmaps) / xmaps))
    height, width = int(tensor.shape[2] + padding), int(tensor.shape[3] + padding)
    grid = paddle.full([tensor.shape[1], height * ymaps + padding, width * xmaps + padding], pad_value, dtype=tensor.dtype)
    k = 0
    for y in range(ymaps):
        for x in range(xmaps):
            if k >= nmaps:
                break
            top, left = y * height + padding, x * width + padding
            grid[:, top : top + height - padding, left : left + width - padding] = tensor[k]
            k = k + 1
    return grid
''',
    imports=("import math",),
)

snippet(
    "save_image",
    '''
def save_image(tensor, fp, format=None, **kwargs):
    """torchvision.utils.save_image: make_grid(tensor, **kwargs) scaled to [0, 255],
    rounded (+0.5, clipped) to uint8 and saved with PIL."""
    from PIL import Image

    grid = make_grid(tensor, **kwargs)
    ndarr = (grid * 255 + 0.5).clip(0, 255).transpose([1, 2, 0]).astype(paddle.uint8).numpy()
    Image.fromarray(ndarr).save(fp, format=format)
''',
    deps=("make_grid",),
)

# ------------------------------------------------------------------ transforms --------------

snippet(
    "resized_crop",
    '''
def resized_crop(img, top, left, height, width, size, interpolation="bilinear", antialias=True):
    """torchvision's resized_crop: crop, then resize to size (Paddle does not antialias
    tensors)."""
    img = paddle.vision.transforms.functional.crop(img, top, left, height, width)
    return paddle.vision.transforms.functional.resize(img, size, interpolation)
''',
)

snippet(
    "RandomChoice",
    '''
class RandomChoice:
    """torchvision.transforms.RandomChoice: one of the transforms, drawn with weights p
    (Python's random)."""

    def __init__(self, transforms, p=None):
        if p is not None and len(p) != len(transforms):
            raise ValueError(f"Length of p doesn't match the number of transforms: {len(p)} != {len(transforms)}")
        self.transforms = transforms
        self.p = p

    def __call__(self, *args):
        t = random.choices(self.transforms, weights=self.p)[0]
        return t(*args)
''',
    imports=("import random",),
    paddle=False,
)

snippet(
    "RandomOrder",
    '''
class RandomOrder:
    """torchvision.transforms.RandomOrder: all the transforms, in a random order
    (Python's random)."""

    def __init__(self, transforms):
        self.transforms = transforms

    def __call__(self, img):
        order = list(range(len(self.transforms)))
        random.shuffle(order)
        for i in order:
            img = self.transforms[i](img)
        return img
''',
    imports=("import random",),
    paddle=False,
)

snippet(
    "to_image",
    '''
def to_image(inpt):
    """torchvision.transforms.v2's to_image: an HWC ndarray or a PIL image as a CHW
    tensor of its own dtype (no scaling); a tensor is returned as it is."""
    if isinstance(inpt, paddle.Tensor):
        return inpt
    return pil_to_tensor(inpt)
''',
    deps=("pil_to_tensor",),
)

snippet(
    "ToImage",
    '''
class ToImage:
    """torchvision.transforms.v2.ToImage: to_image as a transform."""

    def __call__(self, inpt):
        return to_image(inpt)
''',
    deps=("to_image",),
)

snippet(
    "to_dtype",
    '''
def to_dtype(inpt, dtype=paddle.float32, scale=False):
    """torchvision.transforms.v2's to_dtype: a cast, with scale=True rescaled between
    the float [0, 1] and integer ranges as convert_image_dtype does."""
    if isinstance(dtype, dict):
        raise TypeError("to_dtype: a dict of dtypes per tv_tensor type has no Paddle meaning; pass one dtype")
    if scale:
        return convert_image_dtype(inpt, dtype)
    return inpt.astype(dtype)
''',
    deps=("convert_image_dtype",),
)

snippet(
    "ToDtype",
    '''
class ToDtype:
    """torchvision.transforms.v2.ToDtype: to_dtype as a transform."""

    def __init__(self, dtype, scale=False):
        self.dtype = dtype
        self.scale = scale

    def __call__(self, inpt):
        return to_dtype(inpt, self.dtype, self.scale)
''',
    deps=("to_dtype",),
)

# ------------------------------------------------------------------ torchvision.ops ---------

snippet(
    "masks_to_boxes",
    '''
def masks_to_boxes(masks):
    """torchvision.ops.masks_to_boxes: the (x1, y1, x2, y2) box around each of N H x W
    masks (float32; zeros for an empty mask)."""
    if int(masks.numel()) == 0:
        return paddle.zeros([0, 4], dtype="float32")
    n, h, w = masks.shape
    m = masks.astype("bool")
    rows = paddle.any(m, axis=2).astype("float32")
    cols = paddle.any(m, axis=1).astype("float32")
    empty = rows.sum(axis=1) == 0
    y1, x1 = rows.argmax(axis=1), cols.argmax(axis=1)
    y2 = (h - 1) - rows.flip([1]).argmax(axis=1)
    x2 = (w - 1) - cols.flip([1]).argmax(axis=1)
    boxes = paddle.stack([x1, y1, x2, y2], axis=1).astype("float32")
    return paddle.where(empty.unsqueeze(1), paddle.zeros_like(boxes), boxes)
''',
)

snippet(
    "_box_diou_iou",
    '''
def _box_diou_iou(boxes1, boxes2, eps=1e-7):
    """The pairwise distance IoU and IoU of (..., N, 4) and (..., M, 4) boxes, as
    torchvision."""
    area1 = (boxes1[..., 2] - boxes1[..., 0]) * (boxes1[..., 3] - boxes1[..., 1])
    area2 = (boxes2[..., 2] - boxes2[..., 0]) * (boxes2[..., 3] - boxes2[..., 1])
    lt = paddle.maximum(boxes1[..., :, None, :2], boxes2[..., None, :, :2])
    rb = paddle.minimum(boxes1[..., :, None, 2:], boxes2[..., None, :, 2:])
    wh = (rb - lt).clip(min=0)
    inter = wh[..., 0] * wh[..., 1]
    iou = inter / (area1[..., :, None] + area2[..., None, :] - inter)
    lti = paddle.minimum(boxes1[..., :, None, :2], boxes2[..., None, :, :2])
    rbi = paddle.maximum(boxes1[..., :, None, 2:], boxes2[..., None, :, 2:])
    whi = (rbi - lti).clip(min=0)
    diagonal = whi[..., 0] ** 2 + whi[..., 1] ** 2 + eps
    x_p, y_p = (boxes1[..., 0] + boxes1[..., 2]) / 2, (boxes1[..., 1] + boxes1[..., 3]) / 2
    x_g, y_g = (boxes2[..., 0] + boxes2[..., 2]) / 2, (boxes2[..., 1] + boxes2[..., 3]) / 2
    centers = (x_p[..., :, None] - x_g[..., None, :]) ** 2 + (y_p[..., :, None] - y_g[..., None, :]) ** 2
    return iou - centers / diagonal, iou
''',
)

snippet(
    "distance_box_iou",
    '''
def distance_box_iou(boxes1, boxes2, eps=1e-7):
    """torchvision.ops.distance_box_iou: IoU minus the squared distance of the centers
    over the squared diagonal of the enclosing box."""
    return _box_diou_iou(boxes1, boxes2, eps)[0]
''',
    deps=("_box_diou_iou",),
)

snippet(
    "complete_box_iou",
    '''
def complete_box_iou(boxes1, boxes2, eps=1e-7):
    """torchvision.ops.complete_box_iou: distance IoU minus alpha * v, v the
    aspect-ratio term (alpha without gradient, as torchvision)."""
    diou, iou = _box_diou_iou(boxes1, boxes2, eps)
    w_pred = boxes1[..., :, None, 2] - boxes1[..., :, None, 0]
    h_pred = boxes1[..., :, None, 3] - boxes1[..., :, None, 1]
    w_gt = boxes2[..., None, :, 2] - boxes2[..., None, :, 0]
    h_gt = boxes2[..., None, :, 3] - boxes2[..., None, :, 1]
    v = (4 / (math.pi**2)) * paddle.pow(paddle.atan(w_pred / h_pred) - paddle.atan(w_gt / h_gt), 2)
    alpha = (v / (1 - iou + v + eps)).detach()
    return diou - alpha * v
''',
    imports=("import math",),
    deps=("_box_diou_iou",),
)

snippet(
    "_box_loss_reduce",
    '''
def _box_loss_reduce(loss, reduction):
    if reduction == "none":
        return loss
    if reduction == "mean":
        return loss.mean() if int(loss.numel()) > 0 else 0.0 * loss.sum()
    if reduction == "sum":
        return loss.sum()
    raise ValueError(f"Invalid Value for arg 'reduction': '{reduction} \\n Supported reduction modes: 'none', 'mean', 'sum'")
''',
)

snippet(
    "_loss_inter_union",
    '''
def _loss_inter_union(boxes1, boxes2):
    """Intersection and union of corresponding (x1, y1, x2, y2) boxes (torchvision's box
    losses)."""
    x1, y1, x2, y2 = boxes1.unbind(-1)
    x1g, y1g, x2g, y2g = boxes2.unbind(-1)
    xkis1, ykis1 = paddle.maximum(x1, x1g), paddle.maximum(y1, y1g)
    xkis2, ykis2 = paddle.minimum(x2, x2g), paddle.minimum(y2, y2g)
    overlap = paddle.logical_and(ykis2 > ykis1, xkis2 > xkis1)
    intsctk = paddle.where(overlap, (xkis2 - xkis1) * (ykis2 - ykis1), paddle.zeros_like(x1))
    unionk = (x2 - x1) * (y2 - y1) + (x2g - x1g) * (y2g - y1g) - intsctk
    return intsctk, unionk
''',
)

snippet(
    "_diou_iou_loss",
    '''
def _diou_iou_loss(boxes1, boxes2, eps=1e-7):
    intsct, union = _loss_inter_union(boxes1, boxes2)
    iou = intsct / (union + eps)
    x1, y1, x2, y2 = boxes1.unbind(-1)
    x1g, y1g, x2g, y2g = boxes2.unbind(-1)
    xc1, yc1 = paddle.minimum(x1, x1g), paddle.minimum(y1, y1g)
    xc2, yc2 = paddle.maximum(x2, x2g), paddle.maximum(y2, y2g)
    diagonal = (xc2 - xc1) ** 2 + (yc2 - yc1) ** 2 + eps
    centers = ((x2 + x1) / 2 - (x1g + x2g) / 2) ** 2 + ((y2 + y1) / 2 - (y1g + y2g) / 2) ** 2
    return 1 - iou + centers / diagonal, iou
''',
    deps=("_loss_inter_union",),
)

snippet(
    "generalized_box_iou_loss",
    '''
def generalized_box_iou_loss(boxes1, boxes2, reduction="none", eps=1e-7):
    """torchvision.ops.generalized_box_iou_loss: 1 - GIoU of corresponding boxes."""
    intsctk, unionk = _loss_inter_union(boxes1, boxes2)
    iouk = intsctk / (unionk + eps)
    x1, y1, x2, y2 = boxes1.unbind(-1)
    x1g, y1g, x2g, y2g = boxes2.unbind(-1)
    area_c = (paddle.maximum(x2, x2g) - paddle.minimum(x1, x1g)) * (paddle.maximum(y2, y2g) - paddle.minimum(y1, y1g))
    loss = 1 - (iouk - (area_c - unionk) / (area_c + eps))
    return _box_loss_reduce(loss, reduction)
''',
    deps=("_loss_inter_union", "_box_loss_reduce"),
)

snippet(
    "distance_box_iou_loss",
    '''
def distance_box_iou_loss(boxes1, boxes2, reduction="none", eps=1e-7):
    """torchvision.ops.distance_box_iou_loss: 1 - DIoU of corresponding boxes."""
    loss, _ = _diou_iou_loss(boxes1, boxes2, eps)
    return _box_loss_reduce(loss, reduction)
''',
    deps=("_diou_iou_loss", "_box_loss_reduce"),
)

snippet(
    "complete_box_iou_loss",
    '''
def complete_box_iou_loss(boxes1, boxes2, reduction="none", eps=1e-7):
    """torchvision.ops.complete_box_iou_loss: 1 - CIoU of corresponding boxes (the
    distance term with torchvision's default eps, alpha without gradient)."""
    diou_loss, iou = _diou_iou_loss(boxes1, boxes2)
    x1, y1, x2, y2 = boxes1.unbind(-1)
    x1g, y1g, x2g, y2g = boxes2.unbind(-1)
    v = (4 / (math.pi**2)) * paddle.pow(paddle.atan((x2g - x1g) / (y2g - y1g)) - paddle.atan((x2 - x1) / (y2 - y1)), 2)
    alpha = (v / (1 - iou + v + eps)).detach()
    return _box_loss_reduce(diou_loss + alpha * v, reduction)
''',
    imports=("import math",),
    deps=("_diou_iou_loss", "_box_loss_reduce"),
)

snippet(
    "drop_block2d",
    '''
def drop_block2d(input, p, block_size, inplace=False, eps=1e-06, training=True):
    """torchvision.ops.drop_block2d: zeroes block_size x block_size blocks around random
    seeds (rate chosen so that a share p of the N x C x H x W input drops) and rescales
    the rest; the input itself when not training or p == 0. The result is always a new
    tensor."""
    if p < 0.0 or p > 1.0:
        raise ValueError(f"drop probability has to be between 0 and 1, but got {p}.")
    if input.ndim != 4:
        raise ValueError(f"input should be 4 dimensional. Got {input.ndim} dimensions.")
    if not training or p == 0.0:
        return input
    n, c, h, w = input.shape
    block_size = min(block_size, w, h)
    if block_size % 2 == 0:
        raise ValueError(f"block size should be odd. Got {block_size} which is even.")
    gamma = (p * h * w) / ((block_size**2) * ((h - block_size + 1) * (w - block_size + 1)))
    noise = paddle.bernoulli(paddle.full([n, c, h - block_size + 1, w - block_size + 1], gamma, dtype=input.dtype))
    noise = paddle.nn.functional.pad(noise, [block_size // 2] * 4, value=0.0)
    noise = paddle.nn.functional.max_pool2d(noise, kernel_size=block_size, stride=1, padding=block_size // 2)
    noise = 1 - noise
    return input * noise * (noise.numel().astype(input.dtype) / (eps + noise.sum()))
''',
)

snippet(
    "drop_block3d",
    '''
def drop_block3d(input, p, block_size, inplace=False, eps=1e-06, training=True):
    """torchvision.ops.drop_block3d: drop_block2d over the D x H x W volume of N x C x D
    x H x W."""
    if p < 0.0 or p > 1.0:
        raise ValueError(f"drop probability has to be between 0 and 1, but got {p}.")
    if input.ndim != 5:
        raise ValueError(f"input should be 5 dimensional. Got {input.ndim} dimensions.")
    if not training or p == 0.0:
        return input
    n, c, d, h, w = input.shape
    block_size = min(block_size, d, h, w)
    if block_size % 2 == 0:
        raise ValueError(f"block size should be odd. Got {block_size} which is even.")
    gamma = (p * d * h * w) / ((block_size**3) * ((d - block_size + 1) * (h - block_size + 1) * (w - block_size + 1)))
    shape = [n, c, d - block_size + 1, h - block_size + 1, w - block_size + 1]
    noise = paddle.bernoulli(paddle.full(shape, gamma, dtype=input.dtype))
    noise = paddle.nn.functional.pad(noise, [block_size // 2] * 6, value=0.0, data_format="NCDHW")
    noise = paddle.nn.functional.max_pool3d(noise, kernel_size=block_size, stride=1, padding=block_size // 2)
    noise = 1 - noise
    return input * noise * (noise.numel().astype(input.dtype) / (eps + noise.sum()))
''',
)

snippet(
    "DropBlock2d",
    '''
class DropBlock2d(paddle.nn.Layer):
    """torchvision.ops.DropBlock2d: drop_block2d while training, the identity in eval
    mode."""

    def __init__(self, p, block_size, inplace=False, eps=1e-06):
        super().__init__()
        self.p, self.block_size, self.inplace, self.eps = p, block_size, inplace, eps

    def forward(self, input):
        return drop_block2d(input, self.p, self.block_size, self.inplace, self.eps, self.training)
''',
    deps=("drop_block2d",),
)

snippet(
    "DropBlock3d",
    '''
class DropBlock3d(paddle.nn.Layer):
    """torchvision.ops.DropBlock3d: drop_block3d while training, the identity in eval
    mode."""

    def __init__(self, p, block_size, inplace=False, eps=1e-06):
        super().__init__()
        self.p, self.block_size, self.inplace, self.eps = p, block_size, inplace, eps

    def forward(self, input):
        return drop_block3d(input, self.p, self.block_size, self.inplace, self.eps, self.training)
''',
    deps=("drop_block3d",),
)

snippet(
    "RoIAlign",
    '''
class RoIAlign(paddle.nn.Layer):
    """torchvision.ops.RoIAlign: roi_align with the layer's settings."""

    def __init__(self, output_size, spatial_scale, sampling_ratio, aligned=False):
        super().__init__()
        self.output_size, self.spatial_scale = output_size, spatial_scale
        self.sampling_ratio, self.aligned = sampling_ratio, aligned

    def forward(self, input, rois):
        return roi_align(input, rois, self.output_size, self.spatial_scale, self.sampling_ratio, self.aligned)
''',
    deps=("roi_align",),
)

snippet(
    "roi_pool",
    '''
def roi_pool(input, boxes, output_size, spatial_scale=1.0):
    """torchvision.ops.roi_pool on Paddle's kernel: boxes as a K x 5 tensor (batch
    index, x1, y1, x2, y2) or a list of L x 4 tensors, one per image."""
    if isinstance(boxes, (list, tuple)):
        counts = [int(b.shape[0]) for b in boxes]
        num = paddle.to_tensor(counts + [0] * (input.shape[0] - len(counts)), dtype="int32")
        return paddle.vision.ops.roi_pool(input, paddle.concat(list(boxes)), num, output_size, spatial_scale)
    batch = boxes[:, 0].astype("int64")
    # unique keys keep the rois of one image in their order
    order = paddle.argsort(batch * boxes.shape[0] + paddle.arange(boxes.shape[0], dtype="int64"))
    num = paddle.bincount(batch, minlength=input.shape[0]).astype("int32")
    out = paddle.vision.ops.roi_pool(input, paddle.gather(boxes[:, 1:], order), num, output_size, spatial_scale)
    return paddle.scatter(paddle.zeros_like(out), order, out)
''',
)

snippet(
    "RoIPool",
    '''
class RoIPool(paddle.nn.Layer):
    """torchvision.ops.RoIPool: roi_pool with the layer's settings."""

    def __init__(self, output_size, spatial_scale):
        super().__init__()
        self.output_size, self.spatial_scale = output_size, spatial_scale

    def forward(self, input, rois):
        return roi_pool(input, rois, self.output_size, self.spatial_scale)
''',
    deps=("roi_pool",),
)

snippet(
    "Conv3dNormActivation",
    '''
class Conv3dNormActivation(paddle.nn.Sequential):
    """torchvision.ops.Conv3dNormActivation: Conv3D, then the norm layer, then the
    activation (same-size padding by default; the conv has a bias only without a norm
    layer)."""

    def __init__(self, in_channels, out_channels, kernel_size=3, stride=1, padding=None, groups=1,
                 norm_layer=paddle.nn.BatchNorm3D, activation_layer=paddle.nn.ReLU, dilation=1,
                 inplace=True, bias=None):
        ks = kernel_size if isinstance(kernel_size, (list, tuple)) else (kernel_size,) * 3
        dil = dilation if isinstance(dilation, (list, tuple)) else (dilation,) * 3
        if padding is None:
            padding = [(k - 1) // 2 * d for k, d in zip(ks, dil)]
        if bias is None:
            bias = norm_layer is None
        layers = [paddle.nn.Conv3D(in_channels, out_channels, kernel_size, stride, padding, dilation=dilation,
                                   groups=groups, bias_attr=None if bias else False)]
        if norm_layer is not None:
            layers.append(norm_layer(out_channels))
        if activation_layer is not None:
            layers.append(activation_layer())
        super().__init__(*layers)
        self.out_channels = out_channels
''',
)
