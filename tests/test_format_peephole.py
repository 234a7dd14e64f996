"""Peephole clean-ups of what the translation produced, each with its before/after, and the
same code written by the user left alone."""

from __future__ import annotations

import textwrap

import pytest

from translator.settings import Settings
from translator.translate.pipeline import translate_source

PLAIN = Settings(format=False)


def _t(text: str) -> str:
    return translate_source(textwrap.dedent(text).lstrip("\n"), settings=PLAIN).code


def _d(text: str) -> str:
    return textwrap.dedent(text).lstrip("\n")


CASES = [
    pytest.param(
        """
        import torch


        def step(model, loader, device):
            for images, labels in loader:
                images, labels = images.to(device), labels.to(device)
                model(images, labels)
        """,
        """
        def step(model, loader, device):
            for images, labels in loader:
                model(images, labels)
        """,
        id="tuple-self-assignment",
    ),
    pytest.param(
        """
        import torch


        def f(x, device):
            x = x.to(device)
            return x
        """,
        """
        def f(x, device):
            return x
        """,
        id="name-self-assignment",
    ),
    pytest.param(
        """
        import torch


        def f(x):
            for i in range(3):
                x = x.cuda()
        """,
        """
        def f(x):
            for i in range(3):
                pass
        """,
        id="self-assignment-alone-in-a-block",
    ),
    pytest.param(
        """
        import torch

        def show(scheduler):
            print(scheduler.get_last_lr()[0])
        """,
        """
        def show(scheduler):
            print(scheduler.last_lr)
        """,
        id="single-item-list-index",
    ),
    pytest.param(
        """
        import torch
        device = "cuda" if torch.cuda.is_available() else "cpu"
        if torch.cuda.is_available():
            pass
        while not torch.cuda.is_available():
            break
        assert torch.cuda.is_available()
        """,
        """
        import paddle
        device = "cuda" if paddle.device.cuda.device_count() else "cpu"
        if paddle.device.cuda.device_count():
            pass
        while not paddle.device.cuda.device_count():
            break
        assert paddle.device.cuda.device_count()
        """,
        id="bool-in-a-truth-test",
    ),
]


@pytest.mark.parametrize("before, after", CASES)
def test_cleanup(before, after):
    out = _t(before)
    assert out == _d(after)


def test_bool_kept_where_the_value_is_stored():
    out = _t("import torch\nok = torch.cuda.is_available()\n")
    assert "ok = bool(paddle.device.cuda.device_count())\n" in out


UNCHANGED = [
    pytest.param("import torch\n\n\ndef f(a, b):\n    a, b = a, b\n    return torch.zeros(2)\n", id="user-self-assignment"),
    pytest.param("import torch\nx = [y][0]\nz = torch.zeros(2)\n", id="user-single-item-list"),
    pytest.param("import torch\nif bool(x):\n    y = torch.zeros(2)\n", id="user-bool"),
]


@pytest.mark.parametrize("src", UNCHANGED)
def test_users_own_lookalikes_are_left_alone(src):
    out = translate_source(src, settings=PLAIN).code
    kept = [line for line in src.splitlines() if "torch" not in line]
    for line in kept:
        assert line in out.splitlines()


def test_self_assignment_in_a_class_body_stays():
    # `x = x` in a class body copies a global into the class: not a no-op
    out = _t(
        """
        import torch

        class Config:
            device = device.to("cpu")
        """
    )
    assert "    device = device\n" in out


def test_attribute_self_assignment_stays():
    # setting an attribute may run code (a layer registers its parameters): not dropped
    out = _t(
        """
        import torch.nn as nn

        class Net(nn.Module):
            def forward(self, x):
                self.w = self.w.cpu()
                return x
        """
    )
    assert "self.w = self.w" in out


def test_non_atom_item_keeps_its_parentheses():
    from libcst import parse_expression

    from translator.translate.peephole import single_item

    original = parse_expression("f()[0]")
    updated = parse_expression("[a + b][0]")
    item = single_item(original, updated)
    import libcst as cst

    assert cst.Module(body=[]).code_for_node(item) == "(a + b)"
