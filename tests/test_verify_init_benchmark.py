"""benchmarks/verify_init_torchvision.py: the model list and one real run of the documented
``verify --init`` command."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from helpers import load_script

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.skipif(importlib.util.find_spec("torchvision") is None, reason="torchvision not installed")


def _script():
    return load_script(ROOT / "benchmarks" / "verify_init_torchvision.py", "verify_init_torchvision")


def test_every_classification_family_is_listed_smallest_first():
    models = _script().classification_models()
    names = {name for name, _, _ in models}
    for name in ("alexnet", "convnext_tiny", "densenet121", "efficientnet_b0", "efficientnet_v2_l", "googlenet",
                 "inception_v3", "maxvit_t", "mnasnet0_5", "mobilenet_v3_small", "regnet_y_128gf", "resnet18",
                 "resnext101_64x4d", "shufflenet_v2_x0_5", "squeezenet1_0", "swin_v2_b", "vgg19_bn", "vit_h_14",
                 "wide_resnet101_2"):
        assert name in names, name
    assert not any(name.startswith(("fasterrcnn", "fcn_", "r3d", "raft", "quantized")) for name in names)
    params = [p for _, _, p in models]
    assert params == sorted(params) and dict((n, p) for n, _, p in models)["resnet18"] == 11_689_512
    assert dict((n, m) for n, m, _ in models)["vgg11"] == "torchvision.models.vgg"


def test_one_model_runs_the_command_and_reads_its_report():
    row = _script().run_one("squeezenet1_1", "torchvision.models.squeezenet", timeout=600, nice=0)
    assert row["result"] == "MATCH 52/52" and row["exit"] == 0, row
    assert row["seconds"] > 0 and row["peak_gb"] > 0.1


def test_a_run_over_its_time_limit_is_a_timeout():
    row = _script().run_one("squeezenet1_1", "torchvision.models.squeezenet", timeout=0.5, nice=0)
    assert row["result"] == "TIMEOUT" and row["seconds"] < 60, row
