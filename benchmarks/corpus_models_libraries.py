"""Corpus entries for code built on torch libraries (read by ``benchmarks/corpus.py``).

monai's networks and x-transformers: each model's file translated alone (the library's own
package is carried: translate/libraries.py), the package translated as a tree, and (monai)
user code importing the models from ``monai.networks.nets`` with ``--library monai``.  monai
picks its layers at run time from tables of torch classes (``Conv[Conv.CONV, 2]``); those
become torch-signature adapters (translate/adapters.py).  Observed (docs/libraries.md,
benchmarks/README.md): UNet, BasicUNet, DenseNet121, SegResNet and AttentionUnet match in the
file and user translations; ViT, UNETR and SwinUNETR stop building at ``tensor.mul_(<float
expression>)`` in monai's trunc_normal_ (a receiver and operand the engine cannot tell); the
package translation does not import (imports of monai outside ``networks/`` stay, and a
``torch.Generator`` annotation keeps a module-level torch import).  x-transformers imports
``torch_einops_utils`` and ``einx``, which are not installed here (``pip`` lists below).
"""

from __future__ import annotations

from corpus_models import Library, Model

LIBRARIES: list[Library] = [
    Library("monai", "monai.networks", pip=("monai==1.6.1",), user_module="monai.networks.nets",
            note="networks only; its optional dependencies are not installed"),
    Library("x-transformers", "x_transformers", pip=("x-transformers==2.31.10", "einops==0.8.2"),
            note="needs torch_einops_utils and einx as well (not installed: the stage reached is reported)"),
]

_NETS = "monai.networks.nets"
# TransformerWrapper takes its layers built (attn_layers=Encoder(dim=16, depth=1, heads=2)): a
# nested constructor, which a Model entry cannot express yet
_XT_SKIP = "attn_layers=Encoder(...)/Decoder(...) is a nested constructor that corpus.py cannot express"
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
    Model("monai_swinunetr", "monai", f"{_NETS}.swin_unetr", "SwinUNETR", ((1, 1, 32, 32),),
          kwargs=dict(in_channels=1, out_channels=2, feature_size=12, depths=(1, 1, 1, 1), num_heads=(1, 1, 1, 1),
                      spatial_dims=2)),
    Model("xt_encoder", "x-transformers", "x_transformers.x_transformers", "TransformerWrapper", ((1, 8),),
          kwargs=dict(num_tokens=50, max_seq_len=16), skip=_XT_SKIP),
    Model("xt_decoder", "x-transformers", "x_transformers.x_transformers", "TransformerWrapper", ((1, 8),),
          kwargs=dict(num_tokens=50, max_seq_len=16), skip=_XT_SKIP),
]
