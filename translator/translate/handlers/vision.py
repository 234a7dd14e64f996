"""torchvision beyond its model internals: transforms, ops, model builders, datasets, utils.

Most entries are data rules onto ``paddle.vision``; what Paddle lacks is support code written
here with torchvision's semantics (the snippets below), and the handlers say what data cannot
(``train=`` becoming ``mode=``, ``weights=`` on a model builder).
"""

from __future__ import annotations

import libcst as cst

from ...rules import ApiRule
from ..registry import TranslateContext, handler
from ..registry import Refusal
from ._common import Outcome, bind_supported, literal_is, plain_rule, refuse, refused, snippet


@handler("vision_bilinear_default")
def bilinear_default(ctx: TranslateContext, call: cst.Call, rule: ApiRule) -> Outcome:
    """torchvision's perspective transforms interpolate bilinearly by default, Paddle's with
    nearest: the torch default is written out when the call leaves it implicit."""
    bound = bind_supported(ctx, call, rule)
    if refused(bound):
        return bound
    assert bound is not None
    extra = dict(rule.extra)
    if "interpolation" not in bound:
        extra["interpolation"] = '"bilinear"'
    return ctx.rewrite(call, plain_rule(rule, extra=extra))

snippet(
    "InterpolationMode",
    '''
class InterpolationMode:
    """torchvision's interpolation modes as the strings paddle.vision.transforms
    takes."""

    NEAREST = "nearest"
    NEAREST_EXACT = "nearest"
    BILINEAR = "bilinear"
    BICUBIC = "bicubic"
    BOX = "box"
    HAMMING = "hamming"
    LANCZOS = "lanczos"
''',
    paddle=False,
)


@handler("vision_model")
def vision_model(ctx: TranslateContext, call: cst.Call, rule: ApiRule) -> Outcome:
    """A torchvision model builder -> its paddle.vision.models builder with random weights.

    ``weights=None`` and ``pretrained=False`` say what Paddle's ``pretrained=False`` (its
    default) says; pretrained weights are torch checkpoints that Paddle cannot load, so asking
    for them is refused with the way to convert them. ``progress`` only drives a download bar.
    """
    bound = bind_supported(ctx, call, rule)
    if refused(bound):
        return bound
    assert bound is not None
    weights = bound.get("weights")
    if weights is not None and not literal_is(weights, "None"):
        return refuse(Refusal.UNSUPPORTED_ARGUMENT, f"weights={ctx.code(weights)}: torchvision's pretrained weights are "
                      "torch checkpoints; build the model with weights=None and load a checkpoint converted with "
                      "`torch2paddle convert-weights` (set_state_dict); left unchanged")
    pretrained = bound.get("pretrained")
    if pretrained is not None and not literal_is(pretrained, "False"):
        return refuse(Refusal.UNSUPPORTED_ARGUMENT, f"pretrained={ctx.code(pretrained)}: torchvision's pretrained weights "
                      "are torch checkpoints; use pretrained=False and load a checkpoint converted with "
                      "`torch2paddle convert-weights` (set_state_dict); left unchanged")
    return ctx.rewrite(call, plain_rule(rule, "weights", "pretrained", "progress"))


@handler("vision_dataset")
def vision_dataset(ctx: TranslateContext, call: cst.Call, rule: ApiRule) -> Outcome:
    """MNIST/FashionMNIST/CIFAR: ``train=`` becomes Paddle's ``mode=`` ("train"/"test").

    Paddle reads these datasets from its own cache (``~/.cache/paddle/dataset``), downloading
    them when missing, in its own file layout: ``root`` and ``download`` have no Paddle meaning
    and are dropped with a warning.
    """
    bound = bind_supported(ctx, call, rule)
    if refused(bound):
        return bound
    assert bound is not None
    extra = dict(rule.extra)
    train = bound.get("train")
    if train is None or literal_is(train, "True"):
        extra["mode"] = '"train"'
    elif literal_is(train, "False"):
        extra["mode"] = '"test"'
    else:
        extra["mode"] = f'"train" if {ctx.code(train)} else "test"'
    dropped = [name for name in ("root", "download") if name in bound]
    if dropped:
        ctx.warn(call, rule.torch, f"{' and '.join(dropped)} dropped: Paddle keeps this dataset in its own cache "
                 "(~/.cache/paddle/dataset) and downloads it there when missing")
    return ctx.rewrite(call, plain_rule(rule, "root", "train", "download", extra=extra))

# ------------------------------------------------------------------ transforms support -------

snippet(
    "Lambda",
    '''
class Lambda:
    """torchvision.transforms.Lambda: applies a user function."""

    def __init__(self, lambd):
        if not callable(lambd):
            raise TypeError(f"Argument lambd should be callable, got {type(lambd).__name__!r}")
        self.lambd = lambd

    def __call__(self, img):
        return self.lambd(img)
''',
    paddle=False,
)

snippet(
    "RandomApply",
    '''
class RandomApply:
    """torchvision.transforms.RandomApply: the transforms in order, all of them with
    probability p."""

    def __init__(self, transforms, p=0.5):
        self.transforms = transforms
        self.p = p

    def __call__(self, img):
        if self.p < random.random():
            return img
        for t in self.transforms:
            img = t(img)
        return img
''',
    imports=("import random",),
    paddle=False,
)

snippet(
    "_image_channels",
    '''
def _image_channels(img):
    """Channels of a CHW tensor, an HWC ndarray or a PIL image (torchvision's
    get_image_num_channels)."""
    if isinstance(img, paddle.Tensor):
        return 1 if img.ndim == 2 else int(img.shape[-3])
    if isinstance(img, np.ndarray):
        return 1 if img.ndim == 2 else int(img.shape[-1])
    return len(img.getbands())
''',
    imports=("import numpy as np",),
)

snippet(
    "RandomGrayscale",
    '''
class RandomGrayscale:
    """torchvision.transforms.RandomGrayscale: grayscale with probability p, keeping the
    channel count."""

    def __init__(self, p=0.1):
        self.p = p

    def __call__(self, img):
        if random.random() < self.p:
            return paddle.vision.transforms.functional.to_grayscale(img, num_output_channels=_image_channels(img))
        return img
''',
    imports=("import random",),
    deps=("_image_channels",),
)

snippet(
    "pil_to_tensor",
    '''
def pil_to_tensor(pic):
    """torchvision's pil_to_tensor: a PIL image as a CHW tensor of its own dtype (no
    scaling)."""
    arr = np.array(pic, copy=True)
    if arr.ndim == 2:
        arr = arr[:, :, None]
    return paddle.to_tensor(np.ascontiguousarray(arr.transpose(2, 0, 1)))
''',
    imports=("import numpy as np",),
)

snippet(
    "PILToTensor",
    '''
class PILToTensor:
    """torchvision.transforms.PILToTensor: a PIL image as a CHW tensor of its own
    dtype."""

    def __call__(self, pic):
        return pil_to_tensor(pic)
''',
    deps=("pil_to_tensor",),
)

snippet(
    "convert_image_dtype",
    '''
def convert_image_dtype(image, dtype=paddle.float32):
    """torchvision's convert_image_dtype: casts and rescales between float [0, 1] and
    the integer ranges."""
    if image.dtype == dtype:
        return image
    floats = (paddle.float16, paddle.float32, paddle.float64, paddle.bfloat16)

    def int_max(dt):
        return int(np.iinfo(str(dt).split(".")[-1]).max)

    if image.dtype in floats:
        if dtype in floats:
            return image.astype(dtype)
        if (image.dtype == paddle.float32 and dtype in (paddle.int32, paddle.int64)) or (
            image.dtype == paddle.float64 and dtype == paddle.int64
        ):
            raise RuntimeError(f"The cast from {image.dtype} to {dtype} cannot be performed safely.")
        eps = 1e-3
        return (image * (int_max(dtype) + 1.0 - eps)).astype(dtype)
    input_max = int_max(image.dtype)
    if dtype in floats:
        return image.astype(dtype) / input_max
    output_max = int_max(dtype)
    if input_max > output_max:
        factor = (input_max + 1) // (output_max + 1)
        return paddle.floor_divide(image, paddle.to_tensor(factor, dtype=image.dtype)).astype(dtype)
    factor = (output_max + 1) // (input_max + 1)
    return image.astype(dtype) * factor
''',
    imports=("import numpy as np",),
)

snippet(
    "ConvertImageDtype",
    '''
class ConvertImageDtype:
    """torchvision.transforms.ConvertImageDtype: convert_image_dtype as a transform."""

    def __init__(self, dtype):
        self.dtype = dtype

    def __call__(self, image):
        return convert_image_dtype(image, self.dtype)
''',
    deps=("convert_image_dtype",),
)

snippet(
    "to_pil_image",
    '''
def to_pil_image(pic, mode=None):
    """torchvision's to_pil_image for CHW tensors and HWC ndarrays: floats are scaled by
    255 and truncated to uint8 (unless mode is "F")."""
    from PIL import Image

    if isinstance(pic, paddle.Tensor):
        if pic.ndim == 2:
            pic = pic.unsqueeze(0)
        if paddle.is_floating_point(pic) and mode != "F":
            pic = (pic * 255).astype(paddle.uint8)
        npimg = np.transpose(pic.numpy(), (1, 2, 0))
    else:
        npimg = pic[:, :, None] if pic.ndim == 2 else pic
        if np.issubdtype(npimg.dtype, np.floating) and mode != "F":
            npimg = (npimg * 255).astype(np.uint8)
    if npimg.shape[2] == 1:
        npimg = npimg[:, :, 0]
    return Image.fromarray(npimg) if mode is None else Image.fromarray(npimg, mode=mode)
''',
    imports=("import numpy as np",),
)

snippet(
    "ToPILImage",
    '''
class ToPILImage:
    """torchvision.transforms.ToPILImage: to_pil_image as a transform."""

    def __init__(self, mode=None):
        self.mode = mode

    def __call__(self, pic):
        return to_pil_image(pic, self.mode)
''',
    deps=("to_pil_image",),
)

snippet(
    "gaussian_blur",
    '''
def gaussian_blur(img, kernel_size, sigma=None):
    """torchvision's gaussian_blur on a CHW (or NCHW) tensor: a separable Gaussian
    kernel, reflect padding, one depthwise convolution."""
    if isinstance(kernel_size, int):
        kernel_size = [kernel_size, kernel_size]
    kernel_size = [int(k) for k in kernel_size]
    if sigma is None:
        sigma = [k * 0.15 + 0.35 for k in kernel_size]
    elif isinstance(sigma, (int, float)):
        sigma = [float(sigma), float(sigma)]
    elif len(sigma) == 1:
        sigma = [float(sigma[0]), float(sigma[0])]

    def kernel1d(k, s):
        half = (k - 1) * 0.5
        x = np.linspace(-half, half, k)
        pdf = np.exp(-0.5 * (x / s) ** 2)
        return pdf / pdf.sum()

    kx, ky = kernel1d(kernel_size[0], sigma[0]), kernel1d(kernel_size[1], sigma[1])
    dtype = img.dtype if paddle.is_floating_point(img) else paddle.float32
    squeeze = img.ndim == 3
    x = img.unsqueeze(0) if squeeze else img
    x = x.astype(dtype)
    c = x.shape[1]
    kernel = paddle.to_tensor(np.outer(ky, kx), dtype=dtype).expand([c, 1, kernel_size[1], kernel_size[0]])
    pad = [kernel_size[0] // 2, kernel_size[0] // 2, kernel_size[1] // 2, kernel_size[1] // 2]
    x = paddle.nn.functional.pad(x, pad, mode="reflect")
    x = paddle.nn.functional.conv2d(x, kernel, groups=c)
    if not paddle.is_floating_point(img):
        x = x.round().astype(img.dtype)
    return x.squeeze(0) if squeeze else x
''',
    imports=("import numpy as np",),
)

snippet(
    "GaussianBlur",
    '''
class GaussianBlur:
    """torchvision.transforms.GaussianBlur: sigma drawn uniformly from its range on each
    call."""

    def __init__(self, kernel_size, sigma=(0.1, 2.0)):
        self.kernel_size = [kernel_size, kernel_size] if isinstance(kernel_size, int) else list(kernel_size)
        for k in self.kernel_size:
            if k <= 0 or k % 2 == 0:
                raise ValueError("Kernel size value should be an odd and positive number.")
        if isinstance(sigma, (int, float)):
            if sigma <= 0:
                raise ValueError("If sigma is a single number, it must be positive.")
            sigma = (float(sigma), float(sigma))
        self.sigma = tuple(sigma)

    def __call__(self, img):
        s = random.uniform(self.sigma[0], self.sigma[1])
        return gaussian_blur(img, self.kernel_size, [s, s])
''',
    imports=("import random",),
    deps=("gaussian_blur",),
)

# ------------------------------------------------------------------ torchvision.ops support --

snippet(
    "box_area",
    '''
def box_area(boxes):
    """torchvision.ops.box_area: areas of (x1, y1, x2, y2) boxes."""
    return (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])
''',
)

snippet(
    "_box_inter_union",
    '''
def _box_inter_union(boxes1, boxes2):
    area1, area2 = box_area(boxes1), box_area(boxes2)
    lt = paddle.maximum(boxes1[:, None, :2], boxes2[:, :2])
    rb = paddle.minimum(boxes1[:, None, 2:], boxes2[:, 2:])
    wh = (rb - lt).clip(min=0)
    inter = wh[:, :, 0] * wh[:, :, 1]
    return inter, area1[:, None] + area2 - inter
''',
    deps=("box_area",),
)

snippet(
    "box_iou",
    '''
def box_iou(boxes1, boxes2):
    """torchvision.ops.box_iou: the N x M IoU matrix of two sets of (x1, y1, x2, y2)
    boxes."""
    inter, union = _box_inter_union(boxes1, boxes2)
    return inter / union
''',
    deps=("_box_inter_union",),
)

snippet(
    "generalized_box_iou",
    '''
def generalized_box_iou(boxes1, boxes2):
    """torchvision.ops.generalized_box_iou: IoU minus the enclosing box's share not in
    the union."""
    inter, union = _box_inter_union(boxes1, boxes2)
    iou = inter / union
    lti = paddle.minimum(boxes1[:, None, :2], boxes2[:, :2])
    rbi = paddle.maximum(boxes1[:, None, 2:], boxes2[:, 2:])
    whi = (rbi - lti).clip(min=0)
    areai = whi[:, :, 0] * whi[:, :, 1]
    return iou - (areai - union) / areai
''',
    deps=("_box_inter_union",),
)

snippet(
    "box_convert",
    '''
def box_convert(boxes, in_fmt, out_fmt):
    """torchvision.ops.box_convert between "xyxy", "xywh" and "cxcywh"."""
    allowed = ("xyxy", "xywh", "cxcywh")
    if in_fmt not in allowed or out_fmt not in allowed:
        raise ValueError("Unsupported Bounding Box Conversions for given in_fmt and out_fmt")
    if in_fmt == out_fmt:
        return boxes.clone()
    a, b, c, d = boxes.unbind(-1)
    if in_fmt == "xywh":
        boxes = paddle.stack([a, b, a + c, b + d], axis=-1)
    elif in_fmt == "cxcywh":
        boxes = paddle.stack([a - 0.5 * c, b - 0.5 * d, a + 0.5 * c, b + 0.5 * d], axis=-1)
    if out_fmt == "xyxy":
        return boxes
    x1, y1, x2, y2 = boxes.unbind(-1)
    if out_fmt == "xywh":
        return paddle.stack([x1, y1, x2 - x1, y2 - y1], axis=-1)
    return paddle.stack([(x1 + x2) / 2, (y1 + y2) / 2, x2 - x1, y2 - y1], axis=-1)
''',
)

snippet(
    "clip_boxes_to_image",
    '''
def clip_boxes_to_image(boxes, size):
    """torchvision.ops.clip_boxes_to_image: x clipped to [0, width], y to [0, height];
    size is (height, width)."""
    height, width = size
    x = boxes[..., 0::2].clip(min=0, max=width)
    y = boxes[..., 1::2].clip(min=0, max=height)
    return paddle.stack([x, y], axis=boxes.ndim).reshape(boxes.shape)
''',
)

snippet(
    "remove_small_boxes",
    '''
def remove_small_boxes(boxes, min_size):
    """torchvision.ops.remove_small_boxes: indices (int64) of boxes whose sides are both
    >= min_size."""
    ws, hs = boxes[:, 2] - boxes[:, 0], boxes[:, 3] - boxes[:, 1]
    keep = paddle.logical_and(ws >= min_size, hs >= min_size)
    return paddle.nonzero(keep).flatten()
''',
)

snippet(
    "sigmoid_focal_loss",
    '''
def sigmoid_focal_loss(inputs, targets, alpha=0.25, gamma=2, reduction="none"):
    """torchvision.ops.sigmoid_focal_loss (RetinaNet's focal loss)."""
    p = paddle.nn.functional.sigmoid(inputs)
    ce = paddle.nn.functional.binary_cross_entropy_with_logits(inputs, targets, reduction="none")
    p_t = p * targets + (1 - p) * (1 - targets)
    loss = ce * ((1 - p_t) ** gamma)
    if alpha >= 0:
        loss = (alpha * targets + (1 - alpha) * (1 - targets)) * loss
    if reduction == "none":
        return loss
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    raise ValueError(f"Invalid Value for arg 'reduction': '{reduction} \\n Supported reduction modes: 'none', 'mean', 'sum'")
''',
)

snippet(
    "stochastic_depth",
    '''
def stochastic_depth(input, p, mode, training=True):
    """torchvision.ops.stochastic_depth: drops whole rows ("row") or the whole batch
    ("batch") with probability p, scaling what survives by 1 / (1 - p)."""
    if p < 0.0 or p > 1.0:
        raise ValueError(f"drop probability has to be between 0 and 1, but got {p}")
    if mode not in ("batch", "row"):
        raise ValueError(f"mode has to be either 'batch' or 'row', but got {mode}")
    if not training or p == 0.0:
        return input
    survival_rate = 1.0 - p
    size = [input.shape[0]] + [1] * (input.ndim - 1) if mode == "row" else [1] * input.ndim
    noise = paddle.bernoulli(paddle.full(size, survival_rate, dtype=input.dtype))
    if survival_rate > 0.0:
        noise = noise / survival_rate
    return input * noise
''',
)

snippet(
    "StochasticDepth",
    '''
class StochasticDepth(paddle.nn.Layer):
    """torchvision.ops.StochasticDepth: stochastic_depth while training."""

    def __init__(self, p, mode):
        super().__init__()
        self.p = p
        self.mode = mode

    def forward(self, input):
        return stochastic_depth(input, self.p, self.mode, self.training)
''',
    deps=("stochastic_depth",),
)

snippet(
    "batched_nms",
    '''
def batched_nms(boxes, scores, idxs, iou_threshold):
    """torchvision.ops.batched_nms: NMS within each category (boxes of different idxs
    never suppress each other), kept indices sorted by decreasing score."""
    if boxes.shape[0] == 0:
        return paddle.zeros([0], dtype="int64")
    offsets = idxs.astype(boxes.dtype) * (boxes.max() + 1)
    shifted = boxes + offsets[:, None]
    return paddle.vision.ops.nms(shifted, iou_threshold, scores)
''',
)

snippet(
    "roi_align",
    '''
def roi_align(input, boxes, output_size, spatial_scale=1.0, sampling_ratio=-1, aligned=False):
    """torchvision.ops.roi_align on Paddle's kernel: boxes as a K x 5 tensor (batch
    index, x1, y1, x2, y2) or a list of L x 4 tensors, one per image."""
    if isinstance(boxes, (list, tuple)):
        num = paddle.to_tensor([int(b.shape[0]) for b in boxes], dtype="int32")
        return paddle.vision.ops.roi_align(input, paddle.concat(list(boxes)), num, output_size,
                                           spatial_scale, sampling_ratio, aligned)
    batch = boxes[:, 0].astype("int64")
    # unique keys keep the rois of one image in their order (argsort has no stable= in
    # Paddle 2.6)
    order = paddle.argsort(batch * boxes.shape[0] + paddle.arange(boxes.shape[0], dtype="int64"))
    num = paddle.bincount(batch, minlength=input.shape[0]).astype("int32")
    out = paddle.vision.ops.roi_align(input, paddle.gather(boxes[:, 1:], order), num, output_size,
                                      spatial_scale, sampling_ratio, aligned)
    return paddle.scatter(paddle.zeros_like(out), order, out)
''',
)

snippet(
    "Permute",
    '''
class Permute(paddle.nn.Layer):
    """torchvision.ops.Permute: transposes its input to dims."""

    def __init__(self, dims):
        super().__init__()
        self.dims = list(dims)

    def forward(self, x):
        return paddle.transpose(x, self.dims)
''',
)

snippet(
    "FrozenBatchNorm2d",
    '''
class FrozenBatchNorm2d(paddle.nn.Layer):
    """torchvision.ops.FrozenBatchNorm2d: batch norm with fixed statistics and affine
    buffers."""

    def __init__(self, num_features, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.register_buffer("weight", paddle.ones([num_features]))
        self.register_buffer("bias", paddle.zeros([num_features]))
        self.register_buffer("running_mean", paddle.zeros([num_features]))
        self.register_buffer("running_var", paddle.ones([num_features]))

    def forward(self, x):
        scale = self.weight.reshape([1, -1, 1, 1]) * paddle.rsqrt(self.running_var.reshape([1, -1, 1, 1]) + self.eps)
        bias = self.bias.reshape([1, -1, 1, 1]) - self.running_mean.reshape([1, -1, 1, 1]) * scale
        return x * scale + bias
''',
)

snippet(
    "SqueezeExcitation",
    '''
class SqueezeExcitation(paddle.nn.Layer):
    """torchvision.ops.SqueezeExcitation: x *
    scale_activation(fc2(activation(fc1(avgpool(x)))))."""

    def __init__(self, input_channels, squeeze_channels, activation=paddle.nn.ReLU, scale_activation=paddle.nn.Sigmoid):
        super().__init__()
        self.avgpool = paddle.nn.AdaptiveAvgPool2D(1)
        self.fc1 = paddle.nn.Conv2D(input_channels, squeeze_channels, 1)
        self.fc2 = paddle.nn.Conv2D(squeeze_channels, input_channels, 1)
        self.activation = activation()
        self.scale_activation = scale_activation()

    def forward(self, input):
        scale = self.fc2(self.activation(self.fc1(self.avgpool(input))))
        return self.scale_activation(scale) * input
''',
)

snippet(
    "Conv2dNormActivation",
    '''
class Conv2dNormActivation(paddle.nn.Sequential):
    """torchvision.ops.Conv2dNormActivation: Conv2D, then the norm layer, then the
    activation (same-size padding by default; the conv has a bias only without a norm
    layer)."""

    def __init__(self, in_channels, out_channels, kernel_size=3, stride=1, padding=None, groups=1,
                 norm_layer=paddle.nn.BatchNorm2D, activation_layer=paddle.nn.ReLU, dilation=1,
                 inplace=True, bias=None):
        ks = kernel_size if isinstance(kernel_size, (list, tuple)) else (kernel_size, kernel_size)
        dil = dilation if isinstance(dilation, (list, tuple)) else (dilation, dilation)
        if padding is None:
            padding = [(k - 1) // 2 * d for k, d in zip(ks, dil)]
        if bias is None:
            bias = norm_layer is None
        layers = [paddle.nn.Conv2D(in_channels, out_channels, kernel_size, stride, padding, dilation=dilation,
                                   groups=groups, bias_attr=None if bias else False)]
        if norm_layer is not None:
            layers.append(norm_layer(out_channels))
        if activation_layer is not None:
            layers.append(activation_layer())
        super().__init__(*layers)
        self.out_channels = out_channels
''',
)

snippet(
    "MLP",
    '''
class MLP(paddle.nn.Sequential):
    """torchvision.ops.MLP: Linear (norm) activation Dropout for each hidden size but
    the last, then Linear and Dropout."""

    def __init__(self, in_channels, hidden_channels, norm_layer=None, activation_layer=paddle.nn.ReLU,
                 inplace=None, bias=True, dropout=0.0):
        layers = []
        in_dim = in_channels
        for hidden_dim in hidden_channels[:-1]:
            layers.append(paddle.nn.Linear(in_dim, hidden_dim, bias_attr=None if bias else False))
            if norm_layer is not None:
                layers.append(norm_layer(hidden_dim))
            layers.append(activation_layer())
            layers.append(paddle.nn.Dropout(dropout))
            in_dim = hidden_dim
        layers.append(paddle.nn.Linear(in_dim, hidden_channels[-1], bias_attr=None if bias else False))
        layers.append(paddle.nn.Dropout(dropout))
        super().__init__(*layers)
''',
)
