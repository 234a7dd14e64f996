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

from helpers import load_module_from_code, torch_to_paddle

_CORPUS = Path.home() / ".cache" / "torch2paddle" / "corpus" / "libs"


def _monai() -> None:
    if importlib.util.find_spec("monai") is None and (_CORPUS / "monai").is_dir():
        sys.path.append(str(_CORPUS))
    if importlib.util.find_spec("monai") is None:
        pytest.skip("monai is not installed")


def test_unet_from_user_code_matches_torch(tmp_path):
    _monai()
    torch = pytest.importorskip("torch")
    import paddle

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
    torch_to_paddle(t_model, p_model)
    x = np.random.default_rng(0).standard_normal((1, 1, 32, 32)).astype("float32")
    t_model.eval()
    p_model.eval()
    with torch.no_grad():
        expected = t_model(torch.from_numpy(x)).numpy()
    np.testing.assert_allclose(p_model(paddle.to_tensor(x)).numpy(), expected, atol=1e-4, rtol=1e-4)
    assert not [l for l in out.code.splitlines() if l.startswith(("import torch", "from torch", "import monai", "from monai"))]
