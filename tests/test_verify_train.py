"""verify --train: training alignment step by step, and planted bugs caught and named.

The planted bugs are hand-written Paddle ports of a small torch model, each wrong in one way that
a forward check cannot see: an optimizer default, a loss reduction, a detached branch, a custom
autograd function with a wrong backward, a BatchNorm momentum. Each must be named with its step
and parameter.
"""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import numpy as np
import paddle
import pytest
import torch

from translator.verify import main_verify
from translator.verify.inputs import Batch, batches_from_specs, parse_input_spec
from translator.verify.train import verify_training

REPO = Path(__file__).resolve().parents[1]


class TorchNet(torch.nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.conv = torch.nn.Conv2d(3, 4, 3, padding=1)
        self.bn = torch.nn.BatchNorm2d(4)
        self.branch = torch.nn.Linear(4, 4)
        self.fc = torch.nn.Linear(4, 3)

    def forward(self, x):
        x = torch.relu(self.bn(self.conv(x)))
        x = x.mean(dim=(2, 3))
        x = x + self.branch(x)
        return self.fc(x)


class _WrongReluGrad(paddle.autograd.PyLayer):
    """ReLU whose backward lets every gradient through (forward is right)."""

    @staticmethod
    def forward(ctx, x):
        return paddle.nn.functional.relu(x)

    @staticmethod
    def backward(ctx, grad):
        return grad


class PaddleNet(paddle.nn.Layer):
    def __init__(self, bug: str = "", bn_momentum: float = 0.9) -> None:
        super().__init__()
        self.bug = bug
        self.conv = paddle.nn.Conv2D(3, 4, 3, padding=1)
        self.bn = paddle.nn.BatchNorm2D(4, momentum=bn_momentum)
        self.branch = paddle.nn.Linear(4, 4)
        self.fc = paddle.nn.Linear(4, 3)

    def forward(self, x):
        x = self.bn(self.conv(x))
        x = _WrongReluGrad.apply(x) if self.bug == "custom_grad" else paddle.nn.functional.relu(x)
        x = x.mean(axis=(2, 3))
        branch = self.branch(x)
        x = x + (branch.detach() if self.bug == "detached" else branch)
        return self.fc(x)


def _batches(n: int = 3) -> list[Batch]:
    return batches_from_specs([parse_input_spec("float32[6,3,5,5]")], n, seed=3,
                              targets=[parse_input_spec("int64[6]:0..3")])


def _sgd(momentum: float = 0.9, weight_decay: float = 1e-3):
    return lambda m: torch.optim.SGD(m.parameters(), lr=0.1, momentum=momentum, weight_decay=weight_decay)


def _momentum(momentum: float = 0.9, weight_decay: float = 1e-3):
    return lambda m: paddle.optimizer.Momentum(learning_rate=0.1, momentum=momentum, parameters=m.parameters(),
                                               weight_decay=weight_decay)


CE = (torch.nn.functional.cross_entropy, paddle.nn.functional.cross_entropy)


def _run(paddle_net, *, loss=CE, optimizer=None, steps=3):
    torch.manual_seed(0)
    return verify_training(TorchNet(), paddle_net, _batches(), steps=steps, loss=loss,
                           optimizer=optimizer or (_sgd(), _momentum()))


def test_faithful_port_matches_every_step():
    report = _run(PaddleNet())
    assert report.match, report.format_table()
    assert len(report.loss_torch) == len(report.loss_paddle) == 3
    np.testing.assert_allclose(report.loss_paddle, report.loss_torch, rtol=1e-9)
    step = report.results[0]
    # every parameter's gradient is compared, by its Paddle name (Linear weights transposed back)
    assert {g.name for g in step.grads} == {"conv.weight", "conv.bias", "bn.weight", "bn.bias", "branch.weight",
                                            "branch.bias", "fc.weight", "fc.bias"}
    # buffers are compared after the step too, BatchNorm's running statistics under Paddle names
    assert {"bn._mean", "bn._variance"} <= {a.name for a in step.after}
    assert any("running variance" in n for n in report.notes)
    # the gradient order is torch's backward order: the head first
    assert step.grads[0].layer == "fc"


def test_default_loss_and_optimizer():
    torch.manual_seed(0)
    report = verify_training(TorchNet(), PaddleNet(), _batches(), steps=2)
    assert report.match, report.format_table()
    assert report.loss == "mean of the outputs" and report.optimizer == "SGD(lr=0.1)"


def test_wrong_weight_decay_is_named_at_the_first_step():
    report = _run(PaddleNet(), optimizer=(_sgd(), _momentum(weight_decay=0.0)))
    assert not report.match
    div = report.first_divergence
    assert div["step"] == 0 and div["kind"] == "value after the optimizer step"
    assert div["parameter"] == "fc.weight" or div["parameter"] in div["diverging"]
    assert "every gradient agrees" in div["message"] and "optimizer update" in div["message"]


def test_wrong_momentum_shows_at_the_second_step():
    # the first momentum step is plain SGD in both frameworks: the difference appears at step 1
    report = _run(PaddleNet(), optimizer=(_sgd(), _momentum(momentum=0.5)))
    div = report.first_divergence
    assert not report.match and div["step"] == 1 and div["kind"] == "value after the optimizer step"
    assert report.results[0].ok
    assert div["parameter"] is not None and div["layer"] in ("conv", "bn", "branch", "fc")


def test_wrong_loss_reduction_is_named():
    def sum_ce(output, target):
        return paddle.nn.functional.cross_entropy(output, target, reduction="sum")

    report = _run(PaddleNet(), loss=(torch.nn.functional.cross_entropy, sum_ce))
    div = report.first_divergence
    assert not report.match and div["step"] == 0 and div["loss_differs"]
    assert div["kind"] == "gradient" and div["parameter"] == "fc.bias"  # nearest the output
    assert "the loss differs" in div["message"]


def test_detached_branch_is_a_gradient_only_bug_named_at_its_layer():
    report = _run(PaddleNet(bug="detached"))
    div = report.first_divergence
    assert not report.match and div["step"] == 0 and not div["loss_differs"]
    assert div["kind"] == "gradient" and div["layer"] == "branch"
    assert div["parameter"] in ("branch.weight", "branch.bias")
    assert "no gradient in paddle" in div["message"]
    assert "backward pass differs" in div["message"]


def test_custom_autograd_function_with_a_wrong_backward_is_named():
    report = _run(PaddleNet(bug="custom_grad"))
    div = report.first_divergence
    assert not report.match and div["step"] == 0 and not div["loss_differs"]
    # the parameters behind the ReLU get wrong gradients; the first in backward order is named
    assert div["kind"] == "gradient" and div["layer"] in ("bn", "conv")
    assert set(div["diverging"]) <= {"bn.weight", "bn.bias", "conv.weight", "conv.bias"}


def test_wrong_batchnorm_momentum_is_named_through_the_running_statistics():
    report = _run(PaddleNet(bn_momentum=0.1))  # torch's 0.1 is Paddle's 0.9
    div = report.first_divergence
    assert not report.match and div["step"] == 0 and div["layer"] == "bn"
    assert div["parameter"] in ("bn._mean", "bn._variance")


def test_float32_precision_uses_looser_tolerances():
    torch.manual_seed(0)
    report = verify_training(TorchNet(), PaddleNet(), _batches(), steps=3, loss=CE, precision="float32",
                             optimizer=(_sgd(), _momentum()))
    assert report.match and report.precision == "float32" and report.rtol == 2e-3, report.format_table()


def test_dropout_is_disabled_on_both_sides():
    class TorchDrop(TorchNet):
        def __init__(self):
            super().__init__()
            self.drop = torch.nn.Dropout(0.5)

        def forward(self, x):
            return self.drop(super().forward(x))

    class PaddleDrop(PaddleNet):
        def __init__(self):
            super().__init__()
            self.drop = paddle.nn.Dropout(0.5)

        def forward(self, x):
            return self.drop(super().forward(x))

    torch.manual_seed(0)
    report = verify_training(TorchDrop(), PaddleDrop(), _batches(), steps=2, loss=CE)
    assert report.match and report.randomness.startswith("1 Dropout layer(s) disabled"), report.format_table()


def test_functional_randomness_is_noted():
    class TorchRandom(TorchNet):
        def forward(self, x):
            return torch.nn.functional.dropout(super().forward(x), 0.5, training=True)

    torch.manual_seed(0)
    report = verify_training(TorchRandom(), PaddleNet(), _batches(), steps=1, loss=CE)
    assert any("random in train mode" in n for n in report.notes)


# --------------------------------------------------------------------------------------------
# The CLI: the loss and optimizer are torch expressions the translator translates


def _cli(capsys, argv):
    code = main_verify(argv)
    return code, capsys.readouterr()


def test_cli_train_on_the_training_sample(tmp_path, capsys):
    report = tmp_path / "train.json"
    code, out = _cli(capsys, [
        str(REPO / "samples/torch_src/train_classifier.py:SmallCNN"), "--input", "float32[8,3,16,16]",
        "--target", "int64[8]:0..4", "--train", "5", "--loss", "nn.CrossEntropyLoss()",
        "--optimizer", "torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9, weight_decay=5e-4)",
        "--report", str(report),
    ])
    assert code == 0, out.out + out.err
    assert "Paddle: paddle.optimizer.Momentum(" in out.out and "result: MATCH" in out.out
    data = json.loads(report.read_text())
    assert data["match"] and data["steps"] == 5 and len(data["loss_torch"]) == 5 and len(data["loss_paddle"]) == 5
    assert data["results"][0]["grads"] and data["first_divergence"] is None


def test_cli_train_on_the_resnet_sample(capsys):
    code, out = _cli(capsys, [
        str(REPO / "samples/torch_src/resnet.py:resnet18"), "--kwargs", '{"num_classes": 5}',
        # 64x64: layer4's BatchNorms see 16 values per channel (at 32x32, 4: ill-conditioned enough
        # that rounding grows past the tolerance within 5 steps)
        "--input", "float32[4,3,64,64]", "--target", "int64[4]:0..5", "--train", "5",
        "--loss", "F.cross_entropy(output, target)",
        "--optimizer", "torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9, weight_decay=1e-4)",
    ])
    assert code == 0, out.out + out.err


def test_cli_train_names_a_translation_it_cannot_do(capsys):
    code, out = _cli(capsys, [
        str(REPO / "samples/torch_src/train_classifier.py:SmallCNN"), "--input", "float32[2,3,16,16]",
        "--train", "1", "--optimizer", "torch.optim.LBFGS(model.parameters())",
    ])
    assert code == 2
    assert "--optimizer: column 1: torch.optim.LBFGS: no rule" in out.err


@pytest.mark.parametrize("argv, message", [
    (["--train", "0"], "--train 0: must be at least 1"),
    (["--loss", "nn.MSELoss()"], "--loss, --optimizer, --scheduler and --target are for --train N"),
    (["--train", "1", "--loss", "nn.MSELoss("], "--loss: 'nn.MSELoss(' is not a Python expression"),
    (["--train", "1", "--init"], "two different checks"),
])
def test_cli_train_bad_arguments_exit_2(argv, message, capsys):
    code, out = _cli(capsys, [str(REPO / "samples/torch_src/train_classifier.py:SmallCNN"),
                              "--input", "float32[2,3,16,16]", *argv])
    assert code == 2 and message in out.err, out.err


def test_cli_train_against_a_port_with_a_planted_bug(tmp_path, capsys):
    torch_file = tmp_path / "net_torch.py"
    torch_file.write_text(textwrap.dedent("""
        import torch
        from torch import nn

        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.body = nn.Linear(4, 4)
                self.side = nn.Linear(4, 4)
                self.head = nn.Linear(4, 2)

            def forward(self, x):
                h = torch.tanh(self.body(x))
                return self.head(h + self.side(h))
    """))
    port = tmp_path / "net_paddle.py"
    port.write_text(textwrap.dedent("""
        import paddle
        from paddle import nn

        class Net(nn.Layer):
            def __init__(self):
                super().__init__()
                self.body = nn.Linear(4, 4)
                self.side = nn.Linear(4, 4)
                self.head = nn.Linear(4, 2)

            def forward(self, x):
                h = paddle.tanh(self.body(x))
                return self.head(h + self.side(h).detach())
    """))
    report = tmp_path / "r.json"
    code, out = _cli(capsys, [f"{torch_file}:Net", "--paddle", f"{port}:Net", "--input", "float32[5,4]",
                              "--train", "3", "--report", str(report)])
    assert code == 1
    assert "first divergence: step 0" in out.out and "side.weight" in out.out or "side.bias" in out.out
    data = json.loads(report.read_text())
    assert data["first_divergence"]["layer"] == "side"


# --------------------------------------------------------------------------------------------
# Learning-rate schedulers: --scheduler is a torch expression of `optimizer`, translated like
# --optimizer, stepped after every step; the learning rate each step used is compared.

def _translated(scheduler: str, optimizer: str = "torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)"):
    import types

    from translator.verify.training_code import build_training_code

    code = build_training_code("F.cross_entropy(output, target)", optimizer, types.ModuleType("t"),
                               types.ModuleType("p"), scheduler=scheduler)
    return code, dict(loss=(code.torch_loss, code.paddle_loss), optimizer=(code.torch_optimizer, code.paddle_optimizer),
                      scheduler=(code.torch_scheduler, code.paddle_scheduler))


@pytest.mark.parametrize("scheduler", [
    "torch.optim.lr_scheduler.StepLR(optimizer, step_size=2, gamma=0.5)",
    "torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=4, eta_min=0.01)",
    "torch.optim.lr_scheduler.ReduceLROnPlateau(optimizer, factor=0.5, patience=0)",
    "torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=0.2, total_steps=6, cycle_momentum=False)",
    "torch.optim.lr_scheduler.SequentialLR(optimizer, [torch.optim.lr_scheduler.LinearLR(optimizer, start_factor=0.1,"
    " total_iters=2), torch.optim.lr_scheduler.ExponentialLR(optimizer, gamma=0.9)], milestones=[2])",
])
def test_a_translated_scheduler_is_stepped_and_its_learning_rates_compared(scheduler):
    code, training = _translated(scheduler)
    torch.manual_seed(0)
    report = verify_training(TorchNet(), PaddleNet(), _batches(), steps=6, scheduler_label=scheduler, **training)
    assert report.match, report.format_table()
    assert len(report.lr_torch) == len(report.lr_paddle) == 6
    np.testing.assert_allclose(report.lr_paddle, report.lr_torch, rtol=1e-12)
    assert len(set(report.lr_torch)) > 1  # the schedule moved: the check compared something
    assert report.results[0].lr_torch == report.lr_torch[0]
    assert "lr torch" in report.format_table() and f"scheduler: {scheduler}" in report.format_table()


def test_a_wrong_schedule_is_named_at_the_step_whose_learning_rate_differs():
    # the port decays by 0.1 every 2 steps where torch decays by 0.5: step 2 is the first to differ
    t_sched = lambda opt: torch.optim.lr_scheduler.StepLR(opt, step_size=2, gamma=0.5)  # noqa: E731
    p_sched = lambda opt: paddle.optimizer.lr.StepDecay(learning_rate=opt.get_lr(), step_size=2, gamma=0.1)  # noqa: E731

    def attached(opt):
        sched = p_sched(opt)
        opt._learning_rate = sched
        return sched

    torch.manual_seed(0)
    report = verify_training(TorchNet(), PaddleNet(), _batches(), steps=4, loss=CE, optimizer=(_sgd(), _momentum()),
                             scheduler=(t_sched, attached), scheduler_label="StepLR(step_size=2, gamma=0.5)")
    div = report.first_divergence
    assert not report.match and div["step"] == 2 and div["lr_differs"] and div["kind"] == "learning rate"
    assert report.results[1].ok and not report.results[2].lr_ok
    assert "the learning rate differs (torch 0.05, paddle 0.01)" in div["message"]
    assert div["parameter"] in div["diverging"] and div["layer"] in ("conv", "bn", "branch", "fc")


def test_an_off_by_one_schedule_is_caught():
    # stepping the port's scheduler before its optimizer (a common porting slip) shifts the schedule
    t_sched = lambda opt: torch.optim.lr_scheduler.ExponentialLR(opt, gamma=0.5)  # noqa: E731

    def early(opt):
        sched = paddle.optimizer.lr.ExponentialDecay(learning_rate=opt.get_lr(), gamma=0.5)
        sched.step()
        opt._learning_rate = sched
        return sched

    torch.manual_seed(0)
    report = verify_training(TorchNet(), PaddleNet(), _batches(), steps=2, loss=CE, optimizer=(_sgd(), _momentum()),
                             scheduler=(t_sched, early))
    div = report.first_divergence
    assert not report.match and div["step"] == 0 and div["kind"] == "learning rate"


def test_a_scheduler_that_cycles_momentum_is_explained():
    # torch's OneCycleLR cycles SGD's momentum by default; Paddle's schedulers only set the rate
    code, training = _translated("torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=0.2, total_steps=6)")
    torch.manual_seed(0)
    report = verify_training(TorchNet(), PaddleNet(), _batches(), steps=3, **training)
    div = report.first_divergence
    assert not report.match and div["kind"] == "value after the optimizer step" and not div["lr_differs"]
    assert "changes the optimizer's momentum" in div["message"] and "cycle_momentum=False" in div["message"]


def test_cli_train_with_a_scheduler(tmp_path, capsys):
    report = tmp_path / "sched.json"
    code, out = _cli(capsys, [
        str(REPO / "samples/torch_src/train_classifier.py:SmallCNN"), "--input", "float32[8,3,16,16]",
        "--target", "int64[8]:0..4", "--train", "4", "--loss", "nn.CrossEntropyLoss()",
        "--optimizer", "torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)",
        "--scheduler", "torch.optim.lr_scheduler.MultiStepLR(optimizer, milestones=[1, 3], gamma=0.1)",
        "--report", str(report),
    ])
    assert code == 0, out.out + out.err
    assert ("scheduler: torch.optim.lr_scheduler.MultiStepLR(optimizer, milestones=[1, 3], gamma=0.1)  ->  Paddle: "
            "_attach_lr_scheduler(optimizer, paddle.optimizer.lr.MultiStepDecay(") in out.out
    data = json.loads(report.read_text())
    np.testing.assert_allclose(data["lr_torch"], [0.1, 0.01, 0.01, 0.001])
    np.testing.assert_allclose(data["lr_paddle"], data["lr_torch"])


@pytest.mark.parametrize("argv, message", [
    (["--scheduler", "torch.optim.lr_scheduler.StepLR(optimizer, 2)"], "--scheduler and --target are for --train N"),
    (["--train", "1", "--scheduler", "StepLR(optimizer,"], "--scheduler: 'StepLR(optimizer,' is not a Python expression"),
    (["--train", "1", "--scheduler", "torch.optim.lr_scheduler.CyclicLR(optimizer, base_lr=[0.01, 0.02], max_lr=0.1)"],
     "--scheduler: column 1: torch.optim.lr_scheduler.CyclicLR: base_lr per param group"),
])
def test_cli_scheduler_bad_input_exit_2(argv, message, capsys):
    code, out = _cli(capsys, [str(REPO / "samples/torch_src/train_classifier.py:SmallCNN"),
                              "--input", "float32[2,3,16,16]", *argv])
    assert code == 2 and message in out.err, out.err
