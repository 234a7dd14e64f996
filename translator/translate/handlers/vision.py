"""torchvision beyond its model internals: transforms, ops, model builders, datasets, utils.

Most entries are data rules onto ``paddle.vision``; what Paddle lacks is support code written
here with torchvision's semantics (the snippets below), and the handlers say what data cannot
(``train=`` becoming ``mode=``, ``weights=`` on a model builder).
"""

from __future__ import annotations

import libcst as cst

from ...rules import ApiRule
from ..registry import TranslateContext, handler
from ._common import Outcome, bind_supported, plain_rule, refused, snippet


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
    """torchvision's interpolation modes as the strings paddle.vision.transforms takes."""

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
    """torchvision.transforms.RandomApply: the transforms in order, all of them with probability p."""

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
    """Channels of a CHW tensor, an HWC ndarray or a PIL image (torchvision's get_image_num_channels)."""
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
    """torchvision.transforms.RandomGrayscale: grayscale with probability p, keeping the channel count."""

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
    """torchvision's pil_to_tensor: a PIL image as a CHW tensor of its own dtype (no scaling)."""
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
    """torchvision.transforms.PILToTensor: a PIL image as a CHW tensor of its own dtype."""

    def __call__(self, pic):
        return pil_to_tensor(pic)
''',
    deps=("pil_to_tensor",),
)

snippet(
    "convert_image_dtype",
    '''
def convert_image_dtype(image, dtype=paddle.float32):
    """torchvision's convert_image_dtype: casts and rescales between float [0, 1] and the
    integer ranges."""
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
    """torchvision's to_pil_image for CHW tensors and HWC ndarrays: floats are scaled by 255
    and truncated to uint8 (unless mode is "F")."""
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
    """torchvision's gaussian_blur on a CHW (or NCHW) tensor: a separable Gaussian kernel,
    reflect padding, one depthwise convolution."""
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
    """torchvision.transforms.GaussianBlur: sigma drawn uniformly from its range on each call."""

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
