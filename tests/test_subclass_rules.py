"""The table's ``subclass`` key: a class deriving from the API derives from the emitted support
class; every other use of the same name follows the entry's ``paddle``."""

from __future__ import annotations

from translator import translate_source
from translator.translate.support import strip_support


def _code(src: str) -> str:
    result = translate_source(src, path="t.py")
    return strip_support(result.code)


def test_base_class_spellings_become_the_support_class():
    src = (
        "import torch\n"
        "from torch.optim import Optimizer\n"
        "import torch.optim as optim\n"
        "class A(Optimizer):\n    pass\n"
        "class B(optim.Optimizer):\n    pass\n"
        "class C(torch.optim.optimizer.Optimizer):\n    pass\n"
    )
    out = _code(src)
    assert "class A(TorchOptimizer):" in out
    assert "class B(TorchOptimizer):" in out
    assert "class C(TorchOptimizer):" in out
    assert "class TorchOptimizer" in translate_source(src, path="t.py").code


def test_other_uses_follow_paddle():
    src = (
        "import torch\n"
        "def check(opt: torch.optim.Optimizer):\n"
        "    assert isinstance(opt, torch.optim.Optimizer)\n"
        "    kinds = (torch.optim.Optimizer,)\n"
    )
    out = translate_source(src, path="t.py").code
    assert "TorchOptimizer" not in out
    assert out.count("paddle.optimizer.Optimizer") == 3


def test_unchanged_look_alikes():
    for src in (
        "import paddle\nclass A(paddle.optimizer.Optimizer):\n    pass\n",
        "class Optimizer:\n    pass\nclass A(Optimizer):\n    pass\n",
        "import torch\nclass A(torch.nn.Module, metaclass=type):\n    pass\n",
    ):
        out = translate_source(src, path="t.py").code
        assert "TorchOptimizer" not in out
    assert translate_source("class Optimizer:\n    pass\nclass A(Optimizer):\n    pass\n", path="t.py").code == (
        "class Optimizer:\n    pass\nclass A(Optimizer):\n    pass\n"
    )


def test_keyword_of_a_class_statement_is_not_a_base():
    src = "import torch\nclass A(object, metaclass=torch.optim.Optimizer):\n    pass\n"
    out = _code(src)
    assert "metaclass=paddle.optimizer.Optimizer" in out
