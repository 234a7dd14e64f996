"""The demo: translate torchvision's own resnet.py and squeezenet.py, then prove the result.

1. `torch2paddle translate <torchvision>/models/{resnet,squeezenet}.py -o out/demo/...`
   (the installed torchvision's files, found without importing torchvision);
2. import the translations (paddle only), build every public factory;
3. copy random torch weights (BatchNorm running statistics randomized too) with the weight
   converter, run both in eval mode on the same input and print the max difference.

Exit status 1 if any factory differs by more than 1e-5 relative to its output's scale
(the test suite checks atol = rtol = 1e-5 element-wise on smaller inputs).
"""

from __future__ import annotations

import argparse
import importlib.util
import subprocess
import sys
import time
import warnings
from pathlib import Path

import numpy as np

FACTORIES = {
    "resnet": [
        "resnet18", "resnet34", "resnet50", "resnet101", "resnet152", "resnext50_32x4d",
        "resnext101_32x8d", "resnext101_64x4d", "wide_resnet50_2", "wide_resnet101_2",
    ],
    "squeezenet": ["squeezenet1_0", "squeezenet1_1"],
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-o", "--out", default="out/demo", help="where the translations are written")
    parser.add_argument("--size", type=int, default=96, help="input height and width (default 96)")
    args = parser.parse_args(argv)

    spec = importlib.util.find_spec("torchvision")  # locates torchvision without importing it
    if spec is None or not spec.submodule_search_locations:
        print("torchvision is not installed", file=sys.stderr)
        return 2
    models_dir = Path(list(spec.submodule_search_locations)[0]) / "models"
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)

    for name in FACTORIES:
        src, dst = models_dir / f"{name}.py", out / f"{name}.py"
        start = time.perf_counter()
        cmd = [sys.executable, "-m", "translator.cli", "translate", str(src), "-o", str(dst)]
        proc = subprocess.run(cmd, capture_output=True, text=True)
        took = time.perf_counter() - start
        print(f"$ torch2paddle translate {src} -o {dst}   ({took:.2f} s, exit {proc.returncode})")
        if proc.stderr.strip():
            print("  " + proc.stderr.strip().replace("\n", "\n  "))
        if proc.returncode != 0:
            return proc.returncode

    import paddle
    import torch

    from translator import convert_state_dict
    from translator.verify import load_torchvision_module, randomize_bn_stats

    warnings.filterwarnings("ignore", category=RuntimeWarning, message=".*torchvision.*")
    paddle.set_device("cpu")
    x = np.random.default_rng(0).standard_normal((1, 3, args.size, args.size)).astype("float32")
    print(f"\ninput 1x3x{args.size}x{args.size}, random weights, randomized BatchNorm statistics, eval mode")
    print("ok: max |paddle - torch| <= 1e-5 * max(1, max |torch|)")
    print(f"{'factory':<20}{'params':>14}{'max |diff|':>14}{'max |torch|':>14}  ok")
    worst = 0.0
    failures = 0
    for name, factories in FACTORIES.items():
        tv = load_torchvision_module(name)
        pd_spec = importlib.util.spec_from_file_location(f"demo_{name}", out / f"{name}.py")
        pd_module = importlib.util.module_from_spec(pd_spec)
        pd_spec.loader.exec_module(pd_module)
        for factory in factories:
            torch.manual_seed(0)
            t_model = getattr(tv, factory)().eval()
            p_model = getattr(pd_module, factory)()
            # random weights (std 1/sqrt(fan_in)), random BatchNorm scales, shifts and running
            # statistics, so that every name and layout mapping is exercised
            with torch.no_grad():
                for p in t_model.parameters():
                    if p.dim() > 1:
                        p.copy_(torch.randn_like(p) / p[0].numel() ** 0.5)
            randomize_bn_stats(t_model, seed=1)
            t_model.eval()
            state = {k: v.numpy() for k, v in t_model.state_dict().items()}
            p_model.set_state_dict(convert_state_dict(state, p_model))
            p_model.eval()
            with torch.no_grad():
                t_out = t_model(torch.from_numpy(x)).numpy()
            with paddle.no_grad():
                p_out = p_model(paddle.to_tensor(x)).numpy()
            diff = float(np.abs(t_out - p_out).max())
            scale = max(1.0, float(np.abs(t_out).max()))
            # float32 rounding grows with the activations' magnitude: compare relative to it
            ok = diff <= 1e-5 * scale
            failures += not ok
            worst = max(worst, diff)
            n_params = sum(p.numel() for p in t_model.parameters())
            print(f"{factory:<20}{n_params:>14,}{diff:>14.2e}{float(np.abs(t_out).max()):>14.2e}  {'yes' if ok else 'NO'}")
    print(f"\nworst max |diff| {worst:.2e}; {failures} factory(ies) outside the tolerance")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
