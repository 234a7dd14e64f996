"""A translation's objects are freed by reference counting as soon as it is done.

Syntax trees are hundreds of thousands of objects: when the translator, its pre-pass or its
receiver inference sit in a reference cycle, everything they hold waits for the cycle collector,
which then walks it again and again (about 5% of a tree's translation time)."""

from __future__ import annotations

import gc

from translator.translate import translate_source

CODE = '''import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 2)
        self.act = nn.ReLU(inplace=True)

    def forward(self, x):
        y = self.fc(x).view(-1, 2)
        return torch.sigmoid(self.act(y)) + x.sum(dim=1, keepdim=True)
'''


def _cyclic_garbage_types() -> set[str]:
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        gc.collect()
        return {type(o).__name__ for o in gc.garbage}
    finally:
        gc.set_debug(0)
        gc.garbage.clear()


def test_the_translator_and_its_passes_are_not_left_in_cycles():
    translate_source(CODE)  # first use: tables and caches are filled
    collecting = gc.isenabled()
    gc.disable()
    try:
        gc.collect()
        result = translate_source(CODE)
        found = _cyclic_garbage_types()
    finally:
        if collecting:
            gc.enable()
    assert "nn.Linear(4, 2)" in result.code and "reshape" in result.code
    assert not found & {"Translator", "Prepass", "Inference", "ScopeStack", "Module", "FunctionDef"}, found
