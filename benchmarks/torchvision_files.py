"""torchvision's classification model files, each translated ALONE, imported without torch and
compared with torch (random weights converted with the project's converter).

    PYTHONPATH=. python benchmarks/torchvision_files.py [--tree] [NAME ...]

With ``--tree``, torchvision's ``models/`` is translated once as a tree (``-o OUT/``: one shared
support module) and each model is imported from the translated package instead.

Prints one row per model: the file, whether its translation imports with torch and torchvision
blocked, the untranslated spots, and the largest difference from torch.  tests/test_library_defs.py
runs a subset of the same cases (``CASES``).
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
import tempfile
import textwrap
import time
import warnings
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

# file -> (expression building a small model from the module `m`, input side)
CASES: dict[str, tuple[str, int]] = {
    "alexnet": ("m.alexnet(num_classes=10)", 64),
    "convnext": ("m.ConvNeXt([m.CNBlockConfig(8, 16, 1), m.CNBlockConfig(16, None, 1)], num_classes=10)", 32),
    "densenet": ("m.DenseNet(growth_rate=8, block_config=(1, 1, 1, 1), num_init_features=8, num_classes=10)", 32),
    "efficientnet": ("m.efficientnet_b0(num_classes=10)", 32),
    "googlenet": ("m.googlenet(num_classes=10, aux_logits=False, init_weights=True)", 64),
    "inception": ("m.inception_v3(num_classes=10, aux_logits=False, init_weights=True)", 80),
    "maxvit": ("m.MaxVit(input_size=(32, 32), stem_channels=8, partition_size=2, block_channels=[8, 16],"
               " block_layers=[1, 1], head_dim=4, stochastic_depth_prob=0.0, num_classes=10)", 32),
    "mnasnet": ("m.mnasnet0_5(num_classes=10)", 32),
    "mobilenet": ("m.mobilenet_v2(num_classes=10)", 32),
    "mobilenetv2": ("m.mobilenet_v2(num_classes=10)", 32),
    "mobilenetv3": ("m.mobilenet_v3_small(num_classes=10)", 32),
    "regnet": ("m.regnet_y_400mf(num_classes=10)", 32),
    "resnet": ("m.resnet18(num_classes=10)", 32),
    "shufflenetv2": ("m.shufflenet_v2_x0_5(num_classes=10)", 32),
    "squeezenet": ("m.squeezenet1_1(num_classes=10)", 64),
    "swin_transformer": ("m.SwinTransformer(patch_size=[4, 4], embed_dim=8, depths=[1, 1], num_heads=[1, 2],"
                         " window_size=[2, 2], stochastic_depth_prob=0.0, num_classes=10)", 32),
    "vgg": ("m.vgg11_bn(num_classes=10)", 32),
    "vision_transformer": ("m.VisionTransformer(image_size=32, patch_size=16, num_layers=1, num_heads=2,"
                           " hidden_dim=16, mlp_dim=32, num_classes=10)", 32),
}

BLOCK = """
import importlib.abc, importlib.util, sys
class Block(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path, target=None):
        if name.split(".")[0] in ("torch", "torchvision"):
            raise ImportError("blocked: " + name)
sys.meta_path.insert(0, Block())
spec = importlib.util.spec_from_file_location("m", {path!r})
m = importlib.util.module_from_spec(spec)
spec.loader.exec_module(m)
model = {expr}
assert "torch" not in sys.modules and "torchvision" not in sys.modules
print("ok")
"""


def models_dir() -> Path:
    spec = importlib.util.find_spec("torchvision")
    assert spec is not None and spec.submodule_search_locations
    return Path(list(spec.submodule_search_locations)[0]) / "models"


def translate(name: str, out_dir: Path):  # type: ignore[no-untyped-def]
    from translator import translate_source

    path = models_dir() / f"{name}.py"
    result = translate_source(path.read_text(encoding="utf-8"), path=str(path))
    out = out_dir / f"pd_{name}.py"
    out.write_text(result.code, encoding="utf-8")
    return result, out


def imports_alone(out: Path, expr: str) -> tuple[bool, str]:
    code = textwrap.dedent(BLOCK).format(path=str(out), expr=expr)
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=600)
    ok = proc.returncode == 0 and proc.stdout.strip().endswith("ok")
    return ok, proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() and not ok else ""


def compare(name: str, out: Path) -> float:
    """The largest |paddle - torch| of the model's outputs on one random input."""
    import paddle
    import torch
    from helpers import import_torchvision_models, load_module_from_code, randomize, run_both, torch_to_paddle

    expr, side = CASES[name]
    tv = import_torchvision_models(name)
    pd = load_module_from_code(out.read_text(encoding="utf-8"), f"pd_{name}", out.parent)
    torch.manual_seed(0)
    paddle.seed(0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t_model = eval(expr, {"m": tv})
        p_model = eval(expr, {"m": pd})
    randomize(t_model, seed=1)
    torch_to_paddle(t_model, p_model)
    x = np.random.default_rng(0).standard_normal((2, 3, side, side)).astype("float32")
    t_out, p_out = run_both(t_model, p_model, x)
    assert t_out.shape == p_out.shape, (t_out.shape, p_out.shape)
    np.testing.assert_allclose(p_out, t_out, rtol=1e-4, atol=1e-4 * max(1.0, float(np.abs(t_out).max())))
    return float(np.abs(p_out - t_out).max())


def translate_tree(tmp: Path) -> Path:
    """torchvision's models/ translated as a tree into ``tmp/tvm``; a ``pd_NAME.py`` shim per
    model imports ``tvm.NAME`` (so the rest of this script reads modules the same way)."""
    out = tmp / "tvm"
    proc = subprocess.run([sys.executable, "-m", "translator.cli", "translate", "-q", "--no-cache", str(models_dir()),
                           "-o", str(out) + "/"], capture_output=True, text=True, timeout=3600)
    if proc.returncode not in (0, 1):
        raise SystemExit(proc.stderr[-2000:])
    return out


class _Tree:
    errors: list = []


def main(argv: list[str]) -> int:
    tree = "--tree" in argv
    names = [a for a in argv if a != "--tree"] or list(CASES)
    failed = 0
    with tempfile.TemporaryDirectory() as tmp:
        if tree:
            translate_tree(Path(tmp))
        print(f"{'file':20} {'imports alone':14} {'spots':>5} {'max |diff|':>11} {'seconds':>7}")
        for name in names:
            start = time.perf_counter()
            if tree:
                out = Path(tmp) / f"pd_{name}.py"
                out.write_text(f"import importlib, sys\nsys.path.insert(0, {tmp!r})\n"
                               f"globals().update(vars(importlib.import_module('tvm.{name}')))\n")
                result = _Tree()
            else:
                result, out = translate(name, Path(tmp))
            ok, why = imports_alone(out, CASES[name][0])
            diff = "-"
            if ok:
                try:
                    diff = f"{compare(name, out):.2e}"
                except Exception as exc:  # noqa: BLE001 - a row of the table
                    diff, ok, why = "mismatch", False, f"{type(exc).__name__}: {str(exc)[:200]}"
            failed += not ok
            print(f"{name:20} {'yes' if ok else 'NO':14} {len(result.errors):>5} {diff:>11} {time.perf_counter() - start:7.1f}")
            if why:
                print(f"    {why}")
    print(f"{len(names) - failed} of {len(names)} import alone and match torch")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
