"""samples/: torch inputs written by this project and their translations, kept in sync and proven.

`samples/torch_src/` is a package of torch models; `samples/paddle_out/` is its translation,
checked in so a reviewer sees real output.  Regenerate with
`torch2paddle translate samples/torch_src -o samples/paddle_out`.
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

import numpy as np
import pytest


SAMPLES = Path(__file__).resolve().parent.parent / "samples"
SOURCES = sorted((SAMPLES / "torch_src").glob("*.py"))


@pytest.fixture(scope="module")
def fresh_translation(tmp_path_factory):
    """samples/torch_src translated as a user does it (the CLI, a tree into a folder: one shared
    support module)."""
    from translator.cli import main

    out = tmp_path_factory.mktemp("paddle_out")
    assert main(["translate", str(SAMPLES / "torch_src"), "-o", str(out), "-q", "--jobs", "1"]) == 0
    return out


def test_checked_in_translation_has_the_same_files(fresh_translation):
    fresh = sorted(p.name for p in fresh_translation.glob("*.py"))
    assert fresh == sorted(p.name for p in (SAMPLES / "paddle_out").glob("*.py"))


@pytest.mark.parametrize("src", SOURCES + [SAMPLES / "torch_src" / "_torch2paddle_support.py"],
                         ids=[p.name for p in SOURCES] + ["_torch2paddle_support.py"])
def test_checked_in_translation_is_in_sync(fresh_translation, src):
    expected = (SAMPLES / "paddle_out" / src.name).read_text(encoding="utf-8")
    result = (fresh_translation / src.name).read_text(encoding="utf-8")
    assert result == expected, f"samples/paddle_out/{src.name} is stale; regenerate it (see module docstring)"


@pytest.fixture(scope="module")
def packages():
    pytest.importorskip("torch")
    pytest.importorskip("paddle")
    sys.path.insert(0, str(SAMPLES))
    try:
        yield importlib.import_module("torch_src"), importlib.import_module("paddle_out")
    finally:
        sys.path.remove(str(SAMPLES))


CASES = [
    ("resnet", "resnet18", 64),
    ("resnet", "resnet34", 64),
    ("resnet", "resnet50", 64),
    ("resnet", "resnet101", 32),
    ("squeezenet", "squeezenet1_0", 96),
    ("squeezenet", "squeezenet1_1", 96),
    ("example_model", "example_model", 64),
]


@pytest.mark.parametrize("module,factory,size", CASES, ids=[c[1] for c in CASES])
def test_sample_matches_torch(packages, module, factory, size):
    from helpers import assert_outputs_close, randomize, run_both, torch_to_paddle

    t_mod = importlib.import_module(f"torch_src.{module}")
    p_mod = importlib.import_module(f"paddle_out.{module}")
    t_model = getattr(t_mod, factory)(num_classes=10)
    p_model = getattr(p_mod, factory)(num_classes=10)
    randomize(t_model, seed=3)
    torch_to_paddle(t_model, p_model)
    x = np.random.default_rng(4).standard_normal((2, 3, size, size)).astype("float32")
    t_out, p_out = run_both(t_model, p_model, x)
    assert t_out.shape == p_out.shape == (2, 10)
    assert_outputs_close(p_out, t_out)


def test_example_model_returns_features(packages):
    import paddle

    p_mod = importlib.import_module("paddle_out.example_model")
    model = p_mod.ExampleModel(num_classes=3)
    model.eval()
    logits, feats = model(paddle.rand([1, 3, 32, 32]), return_features=True)
    assert logits.shape == [1, 3] and feats.shape == [1, 2048]
    assert np.all(model.head.bias.numpy() == 0.0)


def test_sample_zero_init_and_pretrained_message(packages):
    p_mod = importlib.import_module("paddle_out.resnet")
    model = p_mod.resnet50(zero_init_residual=True)
    assert all(np.all(m.bn3.weight.numpy() == 0) for m in model.sublayers() if type(m).__name__ == "Bottleneck")
    with pytest.raises(RuntimeError, match="convert-weights"):
        p_mod.resnet18(pretrained=True)
