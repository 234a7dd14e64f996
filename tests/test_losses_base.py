"""User losses deriving from torch's loss bases, ``torch.nn.modules.loss._Loss`` and
``_WeightedLoss`` (monai's losses all do): the class derives from the emitted ``TorchLoss`` /
``TorchWeightedLoss`` (``self.reduction``, the deprecated ``size_average``/``reduce``, the
``weight`` buffer); as a type the base is ``paddle.nn.Layer``."""

from __future__ import annotations

import itertools
import os
import subprocess
import textwrap
from pathlib import Path

import numpy as np
import pytest

from helpers import load_module_from_code
from translator import convert_state_dict, translate_source
from translator.translate.support import strip_support

OLD_PADDLE = Path.home() / ".cache" / "torch2paddle" / "venv-paddle-2.6.2-904ef7b50f" / "bin" / "python"
MONAI = Path.home() / ".cache" / "torch2paddle" / "corpus" / "monai-1.6.1"


def _translate(src: str) -> tuple[str, str]:
    """(the whole output, the output without its support code); no diagnostics allowed."""
    result = translate_source(textwrap.dedent(src).lstrip("\n"), path="m.py")
    assert not result.diagnostics, [(d.code, d.message) for d in result.diagnostics]
    return result.code, strip_support(result.code, result.source)


def _np(v):
    return v.numpy() if hasattr(v, "numpy") else np.asarray(v)


# --------------------------------------------------------------------- before / after ----

def test_base_spelled_through_the_torch_nn_module():
    code, body = _translate("""
        import torch
        import torch.nn as nn


        class L1(nn.modules.loss._Loss):
            def forward(self, a, b):
                return (a - b).abs().mean()


        def is_loss(m):
            return isinstance(m, torch.nn.modules.loss._Loss)
    """)
    assert body == textwrap.dedent("""\
        import paddle
        import paddle.nn as nn


        class L1(TorchLoss):
            def forward(self, a, b):
                return (a - b).abs().mean()


        def is_loss(m):
            return isinstance(m, nn.Layer)
    """)
    assert "class TorchLoss(paddle.nn.Layer):" in code
    assert "import torch" not in code and "from torch" not in code


def test_weighted_base_through_the_loss_module_and_an_alias():
    code, body = _translate("""
        from torch.nn.modules import loss
        from torch.nn.modules.loss import _Loss as Base


        class W(loss._WeightedLoss):
            def __init__(self, weight=None):
                super(W, self).__init__(weight, reduction="sum")


        class Plain(Base):
            pass
    """)
    assert "class W(TorchWeightedLoss):" in body and "class Plain(TorchLoss):" in body
    # the weighted base needs the plain one: both emitted, once each
    assert code.count("class TorchLoss(paddle.nn.Layer):") == 1
    assert code.count("class TorchWeightedLoss(TorchLoss):") == 1


def test_second_pass_is_stable():
    code, _ = _translate(DICE)
    assert translate_source(code, path="m.py").code == code


@pytest.mark.parametrize("src", [
    # a class of the user's own named _Loss
    "class _Loss:\n    pass\n\n\nclass Dice(_Loss):\n    reduction = 'mean'\n",
    # another library's _Loss
    "from mylib.losses import _Loss\n\n\nclass Dice(_Loss):\n    pass\n",
    # a parameter shadowing the import's name
    "def make(_Loss):\n    class Dice(_Loss):\n        pass\n\n    return Dice\n",
])
def test_look_alikes_unchanged(src):
    result = translate_source(src, path="m.py")
    assert result.code == src and not result.diagnostics


# ----------------------------------------------------------------- numeric against torch ----

DICE = """
import torch
from torch.nn.modules.loss import _Loss, _WeightedLoss


class SoftDiceLoss(_Loss):
    \"\"\"A Dice loss as monai writes one: the reduction read from self.reduction.\"\"\"

    def __init__(self, smooth: float = 1e-5, reduction: str = "mean") -> None:
        super().__init__(reduction=reduction)
        self.smooth = smooth

    def forward(self, input: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        input = torch.sigmoid(input)
        dims = list(range(2, input.dim()))
        inter = torch.sum(input * target, dim=dims)
        union = torch.sum(input, dim=dims) + torch.sum(target, dim=dims)
        f = 1.0 - (2.0 * inter + self.smooth) / (union + self.smooth)
        if self.reduction == "mean":
            f = torch.mean(f)
        elif self.reduction == "sum":
            f = torch.sum(f)
        elif self.reduction != "none":
            raise ValueError(self.reduction)
        return f


class ClassWeightedMSE(_WeightedLoss):
    def forward(self, input: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        err = (input - target) ** 2
        if self.weight is not None:
            err = err * self.weight[None, :, None, None]
        if self.reduction == "none":
            return err
        return err.sum() if self.reduction == "sum" else err.mean()


class Legacy(_Loss):
    def forward(self, input, target):
        return input


def legacy(size_average, reduce):
    return Legacy(size_average, reduce).reduction
"""


@pytest.fixture(scope="module")
def modules(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("losses")
    code, _ = _translate(DICE)
    return load_module_from_code(DICE, "losses_torch", tmp), load_module_from_code(code, "losses_paddle", tmp)


def test_dice_subclass_matches_torch(modules):
    import paddle
    import torch

    t_mod, p_mod = modules
    rs = np.random.RandomState(0)
    x = rs.randn(2, 3, 6, 5).astype("float32")
    y = (rs.rand(2, 3, 6, 5) > 0.5).astype("float32")
    for reduction in ("mean", "sum", "none"):
        t_loss, p_loss = t_mod.SoftDiceLoss(reduction=reduction), p_mod.SoftDiceLoss(reduction=reduction)
        assert isinstance(p_loss, paddle.nn.Layer)
        assert p_loss.reduction == t_loss.reduction == reduction
        t_out = t_loss(torch.tensor(x), torch.tensor(y))
        p_out = p_loss(paddle.to_tensor(x), paddle.to_tensor(y))
        np.testing.assert_allclose(_np(p_out), _np(t_out), rtol=1e-5, atol=1e-6)
    with pytest.raises(ValueError):
        p_mod.SoftDiceLoss(reduction="bad")(paddle.to_tensor(x), paddle.to_tensor(y))


def test_legacy_size_average_and_reduce_as_torch(modules):
    t_mod, p_mod = modules
    for size_average, reduce in itertools.product((None, True, False), repeat=2):
        with pytest.warns(UserWarning) if (size_average, reduce) != (None, None) else _no_check():
            expected = t_mod.legacy(size_average, reduce)
        assert p_mod.legacy(size_average, reduce) == expected, (size_average, reduce)
    assert p_mod.Legacy(reduction="sum").reduction == "sum"
    assert p_mod.Legacy(None, None, "none").reduction == "none"


class _no_check:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def test_weighted_subclass_weight_is_a_buffer_and_converts(modules):
    import paddle
    import torch

    t_mod, p_mod = modules
    rs = np.random.RandomState(1)
    x, y = rs.randn(2, 3, 4, 4).astype("float32"), rs.randn(2, 3, 4, 4).astype("float32")
    w = np.array([0.5, 1.0, 2.0], dtype="float32")
    t_loss = t_mod.ClassWeightedMSE(weight=torch.tensor(w), reduction="sum")
    p_loss = p_mod.ClassWeightedMSE(weight=paddle.to_tensor(w), reduction="sum")
    assert list(p_loss.state_dict()) == list(t_loss.state_dict()) == ["weight"]
    assert not p_loss.parameters()  # a buffer, not a parameter
    np.testing.assert_allclose(_np(p_loss(paddle.to_tensor(x), paddle.to_tensor(y))),
                               _np(t_loss(torch.tensor(x), torch.tensor(y))), rtol=1e-5)
    # a torch checkpoint of the loss loads into the translation
    fresh = p_mod.ClassWeightedMSE(weight=paddle.zeros([3]), reduction="sum")
    fresh.set_state_dict({k: paddle.to_tensor(v) for k, v in convert_state_dict(t_loss.state_dict(), fresh).items()})
    np.testing.assert_array_equal(fresh.weight.numpy(), w)
    # no weight: None, in neither state dict
    t_plain, p_plain = t_mod.ClassWeightedMSE(), p_mod.ClassWeightedMSE()
    assert p_plain.weight is None and t_plain.weight is None and not p_plain.state_dict()
    np.testing.assert_allclose(_np(p_plain(paddle.to_tensor(x), paddle.to_tensor(y))),
                               _np(t_plain(torch.tensor(x), torch.tensor(y))), rtol=1e-5)


@pytest.mark.skipif(not OLD_PADDLE.exists(), reason="the Paddle 2.6.2 venv is not built")
def test_losses_run_on_paddle_26(tmp_path, modules):
    import torch

    t_mod, _ = modules
    rs = np.random.RandomState(2)
    x = rs.randn(2, 3, 6, 5).astype("float32")
    y = (rs.rand(2, 3, 6, 5) > 0.5).astype("float32")
    np.save(tmp_path / "x.npy", x)
    np.save(tmp_path / "y.npy", y)
    expected = {r: _np(t_mod.SoftDiceLoss(reduction=r)(torch.tensor(x), torch.tensor(y))) for r in ("mean", "none")}
    np.save(tmp_path / "mean.npy", expected["mean"])
    np.save(tmp_path / "none.npy", expected["none"])
    (tmp_path / "translated.py").write_text(_translate(DICE)[0])
    script = textwrap.dedent(f"""
        import sys
        import numpy as np
        import paddle
        sys.path.insert(0, {str(tmp_path)!r})
        import translated as m
        d = {str(tmp_path)!r}
        x, y = (paddle.to_tensor(np.load(f"{{d}}/{{n}}.npy")) for n in ("x", "y"))
        for r in ("mean", "none"):
            loss = m.SoftDiceLoss(reduction=r)
            assert isinstance(loss, paddle.nn.Layer)
            np.testing.assert_allclose(loss(x, y).numpy(), np.load(f"{{d}}/{{r}}.npy"), rtol=1e-5, atol=1e-6)
        w = m.ClassWeightedMSE(weight=paddle.to_tensor([1.0, 2.0, 3.0]))
        assert list(w.state_dict()) == ["weight"]
        assert m.legacy(False, None) == "sum" and m.legacy(None, False) == "none"
        print("ok", paddle.__version__)
    """)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    proc = subprocess.run([str(OLD_PADDLE), "-c", script], capture_output=True, text=True, env=env, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "ok 2.6" in proc.stdout


# ---------------------------------------------------------------- monai's own Dice loss ----

@pytest.mark.skipif(not (MONAI / "monai" / "losses" / "dice.py").exists(), reason="monai 1.6.1 is not in the corpus cache")
def test_monai_dice_loss_matches_torch(tmp_path):
    """monai's losses/dice.py translated whole (its monai definitions carried into the file):
    DiceLoss derives from TorchLoss and computes monai's values."""
    import sys

    import paddle
    import torch

    from translator import translate_path

    out = tmp_path / "dice.py"
    translate_path(MONAI / "monai" / "losses" / "dice.py", out)
    code = out.read_text()
    assert "class DiceLoss(TorchLoss):" in code
    p_mod = load_module_from_code(code, "monai_dice_paddle", tmp_path)
    sys.path.insert(0, str(MONAI))
    try:
        from monai.losses.dice import DiceLoss
    except ImportError as exc:  # monai's own imports need packages this environment may lack
        pytest.skip(f"monai does not import here: {exc}")
    finally:
        sys.path.remove(str(MONAI))
    rs = np.random.RandomState(3)
    x = rs.randn(2, 3, 8, 8).astype("float32")
    y = (rs.rand(2, 3, 8, 8) > 0.5).astype("float32")
    for kw in (dict(sigmoid=True), dict(softmax=True, reduction="none"), dict(sigmoid=True, squared_pred=True),
               dict(sigmoid=True, jaccard=True, reduction="sum"), dict(sigmoid=True, batch=True)):
        p_loss = p_mod.DiceLoss(**kw)
        assert isinstance(p_loss, paddle.nn.Layer) and p_loss.reduction == kw.get("reduction", "mean")
        expected = DiceLoss(**kw)(torch.tensor(x), torch.tensor(y))
        np.testing.assert_allclose(_np(p_loss(paddle.to_tensor(x), paddle.to_tensor(y))), _np(expected),
                                   rtol=1e-5, atol=1e-6, err_msg=str(kw))
