"""Corpus entries for code built on torch libraries (read by ``benchmarks/corpus.py``).

monai's networks and x-transformers: each model's file translated alone (the library's own
package is carried: translate/libraries.py), the package translated as a tree, and (monai)
user code importing the models from ``monai.networks.nets`` with ``--library monai``.  monai
picks its layers at run time from tables of torch classes (``Conv[Conv.CONV, 2]``); those
become torch-signature adapters (translate/adapters.py).  Observed (docs/libraries.md): all
eight models match in the file, package and user translations (ViT, UNETR and SwinUNETR
initialize with monai's trunc_normal_, in-place arithmetic on parameters of unknown kind:
translate/handlers/inplace_arith.py; they need einops, imported by name at run time).

x-transformers is used as its README shows, by user code (``corpus_scripts/xtransformers_lm.py``:
``TransformerWrapper(..., attn_layers=Encoder(...))`` and a ``Decoder``), translated alone with
``--library x_transformers --library torch_einops_utils``.  Its dependencies: einops is mapped
(``einops.layers.torch`` -> ``einops.layers.paddle``), torch_einops_utils (pure Python on torch)
is carried, einx (no Paddle backend) is kept and each use reported (translate/no_paddle.py; the
default encoder and decoder do not call it), loguru and packaging are plain Python and kept.
``corpus_scripts/hybrid_blocks.py`` builds an image classifier from imported blocks of three
libraries (torchvision, einops, x-transformers).
"""

from __future__ import annotations

from corpus_models import Library, Model

LIBRARIES: list[Library] = [
    Library("monai", "monai.networks", pip=("monai==1.6.1", "einops==0.8.2"), user_module="monai.networks.nets",
            note="networks only; einops (ViT, UNETR, SwinUNETR) is its one optional dependency installed"),
    Library("x-transformers", "x_transformers",
            pip=("x-transformers==2.31.10", "einops==0.8.2", "torch-einops-utils==0.2.9", "einx==0.4.3",
                 "frozendict==2.4.6", "loguru==0.7.3"),
            libraries=("torch_einops_utils",),
            note="the newest release (2.31.10); torch_einops_utils carried, einx kept and its uses reported"),
]

_NETS = "monai.networks.nets"
MODELS: list[Model] = [
    Model("monai_unet", "monai", f"{_NETS}.unet", "UNet", ((1, 1, 32, 32),),
          kwargs=dict(spatial_dims=2, in_channels=1, out_channels=2, channels=(4, 8, 16), strides=(2, 2),
                      num_res_units=1), quick=True),
    Model("monai_basicunet", "monai", f"{_NETS}.basic_unet", "BasicUNet", ((1, 1, 32, 32),),
          kwargs=dict(spatial_dims=2, in_channels=1, out_channels=2, features=(4, 4, 8, 8, 16, 4))),
    Model("monai_densenet121", "monai", f"{_NETS}.densenet", "DenseNet121", ((1, 1, 32, 32),),
          kwargs=dict(spatial_dims=2, in_channels=1, out_channels=3)),
    Model("monai_segresnet", "monai", f"{_NETS}.segresnet", "SegResNet", ((1, 1, 32, 32),),
          kwargs=dict(spatial_dims=2, in_channels=1, out_channels=2, init_filters=8)),
    Model("monai_attentionunet", "monai", f"{_NETS}.attentionunet", "AttentionUnet", ((1, 1, 32, 32),),
          kwargs=dict(spatial_dims=2, in_channels=1, out_channels=2, channels=(4, 8, 16), strides=(2, 2))),
    Model("monai_vit", "monai", f"{_NETS}.vit", "ViT", ((1, 1, 32, 32),),
          kwargs=dict(in_channels=1, img_size=(32, 32), patch_size=(8, 8), hidden_size=32, mlp_dim=64,
                      num_layers=1, num_heads=2, spatial_dims=2, classification=True, num_classes=3)),
    Model("monai_unetr", "monai", f"{_NETS}.unetr", "UNETR", ((1, 1, 32, 32),),
          kwargs=dict(in_channels=1, out_channels=2, img_size=(32, 32), feature_size=4, hidden_size=32,
                      mlp_dim=64, num_heads=2, spatial_dims=2)),
    # 64 x 64: torch's InstanceNorm refuses the 1 x 1 bottleneck of 32 x 32 in training mode
    # (the BatchNorm statistics are randomized by a training-mode pass)
    Model("monai_swinunetr", "monai", f"{_NETS}.swin_unetr", "SwinUNETR", ((1, 1, 64, 64),),
          kwargs=dict(in_channels=1, out_channels=2, feature_size=12, depths=(1, 1, 1, 1), num_heads=(1, 1, 1, 1),
                      spatial_dims=2)),
    Model("xt_encoder", "x-transformers", "xtransformers_lm", "encoder", ((2, 8),), script="xtransformers_lm.py",
          tokens=50, quick=True),
    Model("xt_decoder", "x-transformers", "xtransformers_lm", "decoder", ((2, 8),), script="xtransformers_lm.py",
          tokens=50),
    Model("user_hybrid_blocks", "x-transformers", "hybrid_blocks", "hybrid_net", ((2, 3, 32, 32),),
          script="hybrid_blocks.py", quick=True),
]
