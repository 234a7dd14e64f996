"""The corpus of real model code that ``benchmarks/corpus.py`` translates and checks.

Two kinds of entries, both plain data:

* :class:`Library`: where a model library's code comes from (a pip requirement installed into
  a cache folder outside the repository, or the environment's own installation) and which
  package folder is translated as a whole;
* :class:`Model`: one model of a library: the module that defines its builder, the builder
  (``"resnet18"``, or a dotted path such as ``"EfficientNet.from_name"``), its arguments, and
  the input shapes it is run on. The same call builds the torch model from the original module
  and the Paddle model from the translated one.

More entries go in further files ``benchmarks/corpus_models_<name>.py`` defining their own
``LIBRARIES`` and ``MODELS`` lists: ``corpus.py`` reads every such file, so adding a library
never edits this one.
"""

from __future__ import annotations

import dataclasses
from typing import Any

__all__ = ["LIBRARIES", "MODELS", "Library", "Model"]


@dataclasses.dataclass(frozen=True)
class Library:
    name: str
    # The package translated as a whole (its folder is mirrored): "torchvision.models".
    package: str
    # pip requirements installed with `pip install --no-deps --target <cache>/<folder>`, the
    # library first; empty: the environment's own installation is used.
    pip: tuple[str, ...] = ()
    folder: str = ""  # the cache sub-folder; defaults to the first requirement
    # user code's import (``from monai.networks.nets import UNet``), translated with
    # ``--library <top>`` in the "user" mode; empty: no user mode for this library
    user_module: str = ""
    note: str = ""
    # further libraries built on torch whose definitions are carried too (``--library NAME``;
    # torchvision and this library's own top-level package always are); the translated code
    # must import without them as well
    libraries: tuple[str, ...] = ()

    @property
    def top(self) -> str:
        return self.package.split(".")[0]

    @property
    def cache_folder(self) -> str:
        return self.folder or self.pip[0].replace("==", "-")


@dataclasses.dataclass(frozen=True)
class Model:
    name: str
    library: str
    module: str  # the dotted module defining the builder: "torchvision.models.resnet"
    builder: str  # an attribute path in that module: "resnet18", "EfficientNet.from_name"
    inputs: tuple[tuple[int, ...], ...] = ((2, 3, 128, 128),)
    args: tuple[Any, ...] = ()
    kwargs: dict[str, Any] = dataclasses.field(default_factory=dict)
    quick: bool = False  # part of the --quick subset
    heavy: bool = False  # run only with --heavy (memory)
    skip: str = ""  # a reason: the model is listed but not run
    # user code instead of a module of the library: a file under benchmarks/corpus_scripts/
    # (``module`` is then its name), translated alone with the library carried
    script: str = ""
    tokens: int = 0  # > 0: the inputs are int64 token ids below this (a language model)
    atol: float = 1e-4
    rtol: float = 1e-4


LIBRARIES: list[Library] = [
    Library(
        "torchvision",
        "torchvision.models",
        note="the environment's torchvision 0.28 (its compiled ops do not load next to this torch; "
        "the pure-Python model code does)",
    ),
    Library("pretrainedmodels", "pretrainedmodels", pip=("pretrainedmodels==0.7.4", "munch==4.0.0", "tqdm==4.70.1")),
    Library("efficientnet-pytorch", "efficientnet_pytorch", pip=("efficientnet-pytorch==0.7.1",)),
]

MODELS: list[Model] = []


def _tv(module: str, builders: str, *, inputs: tuple[tuple[int, ...], ...] = ((2, 3, 128, 128),),
        quick: str = "", heavy: str = "", skip: str = "", **kwargs: Any) -> None:
    for builder in builders.split():
        MODELS.append(Model(
            builder, "torchvision", f"torchvision.models.{module}", builder, inputs, kwargs=dict(kwargs),
            quick=builder in quick.split(), heavy=builder in heavy.split(), skip=skip,
        ))


_224 = ((1, 3, 224, 224),)

# Classification: every builder of torchvision.models.list_models(module=torchvision.models).
_tv("alexnet", "alexnet")
_tv("convnext", "convnext_tiny convnext_small convnext_base convnext_large")
_tv("densenet", "densenet121 densenet161 densenet169 densenet201")
_tv("efficientnet", "efficientnet_b0 efficientnet_b1 efficientnet_b2 efficientnet_b3 efficientnet_b4 "
    "efficientnet_b5 efficientnet_b6 efficientnet_b7 efficientnet_v2_s efficientnet_v2_m efficientnet_v2_l")
_tv("googlenet", "googlenet")
_tv("inception", "inception_v3")
_tv("maxvit", "maxvit_t", inputs=_224)
_tv("mnasnet", "mnasnet0_5 mnasnet0_75 mnasnet1_0 mnasnet1_3")
_tv("mobilenetv2", "mobilenet_v2", quick="mobilenet_v2")
_tv("mobilenetv3", "mobilenet_v3_large mobilenet_v3_small")
_tv("regnet", "regnet_x_400mf regnet_x_800mf regnet_x_1_6gf regnet_x_3_2gf regnet_x_8gf regnet_x_16gf "
    "regnet_x_32gf regnet_y_400mf regnet_y_800mf regnet_y_1_6gf regnet_y_3_2gf regnet_y_8gf regnet_y_16gf "
    "regnet_y_32gf regnet_y_128gf", heavy="regnet_y_128gf")
_tv("resnet", "resnet18 resnet34 resnet50 resnet101 resnet152 resnext50_32x4d resnext101_32x8d "
    "resnext101_64x4d wide_resnet50_2 wide_resnet101_2", quick="resnet18")
_tv("shufflenetv2", "shufflenet_v2_x0_5 shufflenet_v2_x1_0 shufflenet_v2_x1_5 shufflenet_v2_x2_0")
_tv("squeezenet", "squeezenet1_0 squeezenet1_1")
_tv("swin_transformer", "swin_t swin_s swin_b swin_v2_t swin_v2_s swin_v2_b", inputs=_224)
_tv("vgg", "vgg11 vgg11_bn vgg13 vgg13_bn vgg16 vgg16_bn vgg19 vgg19_bn")
_tv("vision_transformer", "vit_b_16 vit_b_32 vit_l_16 vit_l_32 vit_h_14", inputs=_224, heavy="vit_h_14")

# Segmentation, without the ImageNet backbone weights (they would be downloaded).
_tv("segmentation.fcn", "fcn_resnet50 fcn_resnet101", weights_backbone=None, aux_loss=True)
_tv("segmentation.deeplabv3", "deeplabv3_resnet50 deeplabv3_resnet101 deeplabv3_mobilenet_v3_large",
    weights_backbone=None, aux_loss=True)
_tv("segmentation.lraspp", "lraspp_mobilenet_v3_large", weights_backbone=None)

# Video.
_tv("video.resnet", "r3d_18 mc3_18 r2plus1d_18", inputs=((1, 3, 8, 64, 64),))
_tv("video.s3d", "s3d", inputs=((1, 3, 16, 224, 224),))

# Optical flow: two frames in, a list of flow estimates out.
_tv("optical_flow.raft", "raft_small", inputs=((1, 3, 128, 128), (1, 3, 128, 128)))

# Listed so the table says why they are not run.
_OPS = "needs torchvision's compiled ops (nms, roi_align), which do not load next to this torch"
_tv("detection.faster_rcnn", "fasterrcnn_resnet50_fpn fasterrcnn_mobilenet_v3_large_fpn", skip=_OPS)
_tv("detection.retinanet", "retinanet_resnet50_fpn", skip=_OPS)
_tv("detection.ssd", "ssd300_vgg16", skip=_OPS)
_tv("quantization.resnet", "quantized_resnet18",
    skip="quantized kernels (torch.ao.quantization); Paddle has no eager counterpart")

# pretrainedmodels 0.7.4: its own architectures (not the torchvision wrappers), no download.
for _module, _names, _shape in [
    ("fbresnet", "fbresnet152", (1, 3, 224, 224)),
    ("cafferesnet", "cafferesnet101", (1, 3, 224, 224)),
    ("bninception", "bninception", (1, 3, 224, 224)),
    ("resnext", "resnext101_32x4d", (1, 3, 224, 224)),
    ("inceptionv4", "inceptionv4", (1, 3, 299, 299)),
    ("inceptionresnetv2", "inceptionresnetv2", (1, 3, 299, 299)),
    ("nasnet_mobile", "nasnetamobile", (1, 3, 224, 224)),
    ("nasnet", "nasnetalarge", (1, 3, 331, 331)),
    ("pnasnet", "pnasnet5large", (1, 3, 331, 331)),
    ("polynet", "polynet", (1, 3, 331, 331)),
    ("senet", "se_resnet50 se_resnext50_32x4d senet154", (1, 3, 224, 224)),
    ("dpn", "dpn68 dpn92", (1, 3, 224, 224)),
    ("xception", "xception", (1, 3, 299, 299)),
    ("vggm", "vggm", (1, 3, 221, 221)),
]:
    for _name in _names.split():
        MODELS.append(Model(
            _name, "pretrainedmodels", f"pretrainedmodels.models.{_module}", _name, (_shape,),
            kwargs={"num_classes": 1000, "pretrained": None}, quick=_name == "se_resnet50",
        ))

# efficientnet-pytorch 0.7.1: built by name at each variant's native resolution.
for _variant, _size in [("b0", 224), ("b1", 240), ("b2", 260), ("b3", 300)]:
    MODELS.append(Model(
        f"efficientnet-{_variant}", "efficientnet-pytorch", "efficientnet_pytorch.model", "EfficientNet.from_name",
        ((1, 3, _size, _size),), args=(f"efficientnet-{_variant}",), quick=_variant == "b0",
    ))
