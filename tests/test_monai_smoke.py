"""User code built on monai (``from monai.networks.nets import UNet``) translated with
``--library monai``: imports without torch and monai, builds (monai picks its layers at run time
from tables of torch classes: translate/adapters.py), loads converted weights and matches torch.
Needs monai; skipped when it is not installed (benchmarks/corpus.py installs it into its cache)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import numpy as np
import pytest

from translator import translate_source
from translator.settings import Settings

from helpers import assert_matches_torch, load_module_from_code

_CORPUS = Path.home() / ".cache" / "torch2paddle" / "corpus" / "libs"


def _monai() -> None:
    if importlib.util.find_spec("monai") is None and (_CORPUS / "monai").is_dir():
        sys.path.append(str(_CORPUS))
    if importlib.util.find_spec("monai") is None:
        pytest.skip("monai is not installed")


def test_unet_from_user_code_matches_torch(tmp_path):
    _monai()
    torch = pytest.importorskip("torch")

    src = ("import torch\nfrom monai.networks.nets import UNet\n\n\ndef build():\n"
           "    return UNet(spatial_dims=2, in_channels=1, out_channels=2, channels=(4, 8, 16), strides=(2, 2),"
           " num_res_units=1)\n")
    out = translate_source(src, path=str(tmp_path / "user.py"), settings=Settings(format=False, libraries=("monai",)))
    assert "TorchConv2d" in out.code  # monai's Conv table holds the adapters
    p_mod = load_module_from_code(out.code, "monai_unet_p", tmp_path)
    from monai.networks.nets import UNet

    torch.manual_seed(0)
    t_model = UNet(spatial_dims=2, in_channels=1, out_channels=2, channels=(4, 8, 16), strides=(2, 2), num_res_units=1)
    p_model = p_mod.build()
    x = np.random.default_rng(0).standard_normal((1, 1, 32, 32)).astype("float32")
    assert_matches_torch(t_model, p_model, x)
    assert not [l for l in out.code.splitlines() if l.startswith(("import torch", "from torch", "import monai", "from monai"))]


def test_vit_from_user_code_matches_torch(tmp_path):
    # monai's ViT initializes its weights with trunc_normal_(tensor, ...): in-place arithmetic on
    # a receiver and operands of unknown kind (translated through support code deciding at run
    # time) and imports einops by name at run time (optional_import("einops.layers.torch"))
    _monai()
    torch = pytest.importorskip("torch")
    pytest.importorskip("einops.layers.paddle")
    import paddle

    kwargs = ("in_channels=1, img_size=(32, 32), patch_size=(8, 8), hidden_size=32, mlp_dim=64, num_layers=1,"
              " num_heads=2, spatial_dims=2, classification=True, num_classes=3")
    src = f"import torch\nfrom monai.networks.nets import ViT\n\n\ndef build():\n    return ViT({kwargs})\n"
    out = translate_source(src, path=str(tmp_path / "user.py"), settings=Settings(format=False, libraries=("monai",)))
    assert "_torch_mul_(tensor, std * math.sqrt(2.0))" in out.code
    assert "einops.layers.torch" not in out.code.split("# --- end of translated definitions ---")[0]
    p_mod = load_module_from_code(out.code, "monai_vit_p", tmp_path)
    from monai.networks.nets import ViT

    torch.manual_seed(0)
    t_model = eval(f"ViT({kwargs})", {"ViT": ViT})
    paddle.seed(0)
    p_model = p_mod.build()
    x = np.random.default_rng(0).standard_normal((1, 1, 32, 32)).astype("float32")
    assert_matches_torch(t_model, p_model, x, pick=lambda out: out[0])
    assert not [l for l in out.code.splitlines() if l.startswith(("import torch", "from torch", "import monai", "from monai"))]
