"""The corpus harness's (and ``verify``'s) match criterion on deep residual networks.

``randomize_bn_stats(model, inputs=...)`` measures each normalisation layer's statistics in one
eval-mode pass, layer by layer, so that a deep residual network computes at the scale it was
measured at (SENet-154's logits were 3e4, with torch's own float32 and float64 runs 1.8e4
apart, when every layer was measured in train mode and perturbed afterwards). The criterion
must still catch a real translation bug: a wrong epsilon, a swapped axis, a port that
normalizes with the batch's statistics in eval mode.
"""

from __future__ import annotations

import copy
import textwrap

import numpy as np
import pytest

from helpers import load_module_from_code
from translator import translate_source

torch = pytest.importorskip("torch")
pytest.importorskip("paddle")

from translator.verify import make_inputs, randomize_bn_stats, verify  # noqa: E402

DEEP = textwrap.dedent('''
    import torch
    import torch.nn as nn


    class Bottleneck(nn.Module):
        def __init__(self, c, groups):
            super().__init__()
            self.conv1 = nn.Conv2d(c, c, 1, bias=False)
            self.bn1 = nn.BatchNorm2d(c)
            self.conv2 = nn.Conv2d(c, c, 3, padding=1, groups=groups, bias=False)
            self.bn2 = nn.BatchNorm2d(c)
            self.conv3 = nn.Conv2d(c, c, 1, bias=False)
            self.bn3 = nn.BatchNorm2d(c)

        def forward(self, x):
            out = torch.relu(self.bn1(self.conv1(x)))
            out = torch.relu(self.bn2(self.conv2(out)))
            return torch.relu(x + self.bn3(self.conv3(out)))


    class Deep(nn.Module):
        def __init__(self, depth=50, c=64, groups=16, classes=5):
            super().__init__()
            self.stem = nn.Sequential(nn.Conv2d(3, c, 3, padding=1, bias=False), nn.BatchNorm2d(c), nn.ReLU())
            self.blocks = nn.Sequential(*[Bottleneck(c, groups) for _ in range(depth)])
            self.fc = nn.Linear(c * 3 * 2, classes)

        def forward(self, x):
            x = self.blocks(self.stem(x))
            x = nn.functional.adaptive_avg_pool2d(x, (3, 2))
            return self.fc(torch.flatten(x, 1))
''').lstrip("\\n")

SHAPE = (1, 3, 6, 6)


def _torch_deep():
    namespace: dict = {}
    exec(compile(DEEP, "deep_torch.py", "exec"), namespace)  # noqa: S102 - the test's own model
    torch.manual_seed(0)
    model = namespace["Deep"]()
    arrays = make_inputs((SHAPE,), seed=0)
    randomize_bn_stats(model, seed=0, inputs=[torch.from_numpy(a) for a in arrays])
    return model.eval(), arrays


@pytest.fixture(scope="module")
def translated():
    result = translate_source(DEEP)
    assert not result.diagnostics, result.diagnostics
    return result.code


def _paddle_deep(code: str, tmp_path, name: str):
    module = load_module_from_code(code, name, tmp_path)
    import paddle

    paddle.seed(0)
    return module.Deep()


def test_deep_residual_network_stays_at_unit_scale():
    """Every layer's statistics fit the input it receives in eval mode: each normalisation's
    output stays near unit scale and the logits stay small (measured in train mode and perturbed
    afterwards, this network's logits reach 6e2: the perturbations compound through the 50
    residual blocks), and torch's own float32 and float64 runs agree."""
    model, arrays = _torch_deep()
    x = torch.from_numpy(arrays[0])
    scales = []
    hooks = [m.register_forward_hook(lambda m, i, o: scales.append(float(o.std())))
             for m in model.modules() if isinstance(m, torch.nn.BatchNorm2d)]
    with torch.no_grad():
        out32 = model(x).double()
        for h in hooks:
            h.remove()
        out64 = copy.deepcopy(model).double()(x.double())
    assert len(scales) == 151 and max(scales) < 3, max(scales)
    assert float(out64.abs().max()) < 60, float(out64.abs().max())
    assert float((out32 - out64).abs().max()) < 1e-4 * float(out64.abs().max())
    # the statistics are measured and perturbed, not left at their defaults
    bn = model.blocks[20].bn2
    assert not torch.allclose(bn.running_var, torch.ones_like(bn.running_var))
    assert not torch.allclose(bn.running_mean, torch.zeros_like(bn.running_mean))


def test_faithful_translation_matches(translated, tmp_path):
    model, arrays = _torch_deep()
    report = verify(model, _paddle_deep(translated, tmp_path, "deep_ok"), arrays, atol=1e-4, rtol=1e-4,
                    count_flops=False)
    assert report.match, (report.errors, [d.problem for d in report.outputs])


def test_planted_wrong_epsilon_is_caught(translated, tmp_path):
    """One BatchNorm of 151 with epsilon 1e-3 instead of 1e-5, deep inside the network."""
    model, arrays = _torch_deep()
    p_model = _paddle_deep(translated, tmp_path, "deep_eps")
    p_model.blocks[20].bn2._epsilon = 1e-3
    report = verify(model, p_model, arrays, atol=1e-4, rtol=1e-4, count_flops=False)
    assert not report.match
    assert report.first_divergence is not None and "blocks.20.bn2" in report.first_divergence.message()


def test_planted_swapped_axis_is_caught(translated, tmp_path):
    """The pooled feature map flattened with H and W swapped (a transposed permutation)."""
    planted = translated.replace("paddle.flatten(x, 1)", "paddle.flatten(x.transpose([0, 1, 3, 2]), 1)")
    assert planted != translated
    model, arrays = _torch_deep()
    p_model = _paddle_deep(planted, tmp_path, "deep_axis")
    report = verify(model, p_model, arrays, atol=1e-4, rtol=1e-4, count_flops=False)
    assert not report.match


def test_planted_batch_statistics_in_eval_are_caught(translated, tmp_path):
    """A port whose BatchNorm normalizes with the batch's own statistics in eval mode (the
    running statistics ignored): the input the statistics were measured on is the one compared,
    so only the perturbation tells them apart, and it must."""
    model, arrays = _torch_deep()
    p_model = _paddle_deep(translated, tmp_path, "deep_batch")
    for layer in p_model.sublayers():
        if type(layer).__name__ == "BatchNorm2D":
            layer._use_global_stats = False
            layer.training = True  # paddle's batch_norm takes the batch's statistics in training mode
    original_eval = p_model.eval
    p_model.eval = lambda: (original_eval(), [setattr(l, "training", True) for l in p_model.sublayers()
                                              if type(l).__name__ == "BatchNorm2D"])[0]
    report = verify(model, p_model, arrays, atol=1e-4, rtol=1e-4, count_flops=False, recheck_float64=False)
    assert not report.match
    assert max(d.max_abs for d in report.outputs if d.max_abs is not None) > 1e-2


def test_layers_the_pass_never_calls_get_drawn_statistics():
    model = torch.nn.Sequential(torch.nn.Conv2d(3, 4, 1), torch.nn.BatchNorm2d(4))
    unused = torch.nn.BatchNorm2d(6)
    model.add_module("unused", torch.nn.Identity())
    holder = torch.nn.ModuleDict({"model": model, "unused": unused})

    class Wrapper(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.inner = holder

        def forward(self, x):
            return self.inner["model"](x)

    w = Wrapper()
    randomize_bn_stats(w, seed=0, inputs=[torch.from_numpy(make_inputs(((2, 3, 5, 5),))[0])])
    assert float(unused.running_var.min()) >= 0.5 and float(unused.running_var.max()) <= 1.5
    assert not torch.equal(unused.running_mean, torch.zeros(6))


def test_a_batch_of_one_vector_keeps_drawn_statistics():
    """BatchNorm1d over a (1, C) input: one value per channel has no variance."""
    model = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.BatchNorm1d(4))
    randomize_bn_stats(model, seed=0, inputs=[torch.ones(1, 3)])
    bn = model[1]
    assert float(bn.running_var.min()) >= 0.5 and np.all(np.abs(bn.running_mean.numpy()) < 1)
