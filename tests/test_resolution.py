"""Name resolution: whatever the import style, torch names are found; look-alikes are left alone."""

from __future__ import annotations

import textwrap

import pytest

from translator import Severity, translate_source


def tr(code: str, path: str = "m.py"):
    return translate_source(textwrap.dedent(code).lstrip("\n"), path=path)


def out(code: str) -> str:
    return tr(code).code


def test_module_alias_import():
    assert out("""
        import torch.nn as nn
        conv = nn.Conv2d(3, 8, 3, bias=False)
    """) == "import paddle.nn as nn\nconv = nn.Conv2D(3, 8, 3, bias_attr=False)\n"


def test_from_torch_import_nn():
    assert out("""
        from torch import nn
        conv = nn.Conv2d(3, 8, 3)
    """) == "from paddle import nn\nconv = nn.Conv2D(3, 8, 3)\n"


def test_from_import_with_alias_keeps_alias():
    assert out("""
        from torch.nn import Conv2d as C, ReLU
        layers = [C(3, 8, 3, bias=False), ReLU(inplace=True)]
    """) == "from paddle.nn import Conv2D as C, ReLU\nlayers = [C(3, 8, 3, bias_attr=False), ReLU()]\n"


def test_from_import_without_alias_renames_uses():
    assert out("""
        from torch.nn import Conv2d, Sequential
        seq = Sequential
        conv = Conv2d(3, 8, 3)
    """) == "from paddle.nn import Conv2D, Sequential\nseq = Sequential\nconv = Conv2D(3, 8, 3)\n"


def test_plain_import_torch_full_paths():
    assert out("""
        import torch
        layer = torch.nn.Linear(4, 2, bias=False)
        y = torch.cat([a, b], dim=0)
    """) == "import paddle\nlayer = paddle.nn.Linear(4, 2, bias_attr=False)\ny = paddle.concat([a, b], axis=0)\n"


def test_functional_alias_import_is_rewritten():
    assert out("""
        import torch.nn.functional as F
        import torch
        y = torch.flatten(F, 1)
    """).startswith("import paddle\nimport paddle.nn.functional as F\n")  # placed isort-style


def test_from_torch_import_tensor_annotation():
    assert out("""
        from torch import Tensor
        def f(x: Tensor) -> Tensor:
            return x
    """) == "from paddle import Tensor\ndef f(x: Tensor) -> Tensor:\n    return x\n"


def test_local_class_named_like_torch_is_untouched():
    code = """
        import torch.nn as nn

        class Conv2d(nn.Module):
            pass

        layer = Conv2d(3, 8, 3, bias=False)
    """
    assert out(code) == textwrap.dedent("""
        import paddle.nn as nn

        class Conv2d(nn.Layer):
            pass

        layer = Conv2d(3, 8, 3, bias=False)
    """).lstrip("\n")


def test_parameter_named_torch_shadows_the_import():
    result = tr("""
        import torch

        def f(torch, x):
            return torch.cat([x, x], dim=1)

        y = torch.cat([a, b], dim=1)
    """)
    assert "return torch.cat([x, x], dim=1)" in result.code
    assert "y = paddle.concat([a, b], axis=1)" in result.code


def test_local_variable_named_nn_in_function():
    result = tr("""
        import torch.nn as nn

        def build(nn):
            return nn.Conv2d(1, 2, 3)

        top = nn.Conv2d(1, 2, 3)
    """)
    assert "return nn.Conv2d(1, 2, 3)" in result.code
    assert "top = nn.Conv2D(1, 2, 3)" in result.code


def test_module_level_rebinding_disables_the_name():
    result = tr("""
        import torch
        torch = None
        y = torch.cat([a, b])
    """)
    assert "y = torch.cat([a, b])" in result.code


def test_comprehension_variable_shadows():
    result = tr("""
        import torch.nn as nn
        xs = [nn.Linear(1, 1) for nn in modules]
        ok = nn.ReLU(inplace=True)
    """)
    assert "[nn.Linear(1, 1) for nn in modules]" in result.code
    assert "ok = nn.ReLU()" in result.code


def test_unknown_api_is_reported_marked_and_keeps_its_import():
    result = tr("""
        import torch
        y = torch.frobnicate(x)
        z = torch.flatten(x, 1)
    """)
    assert result.code == (
        "import paddle\nimport torch\n"
        "# TODO(torch2paddle): T2P001 torch.frobnicate: no rule for this torch API; left unchanged\n"
        "y = torch.frobnicate(x)\nz = paddle.flatten(x, 1)\n"
    )
    [diag] = result.diagnostics
    assert (diag.line, diag.col, diag.api, diag.code, diag.severity) == (2, 5, "torch.frobnicate", "T2P001", Severity.ERROR)
    assert str(diag) == "m.py:2:5: T2P001 torch.frobnicate: no rule for this torch API; left unchanged"
    # translating again changes nothing and does not duplicate the marker
    assert translate_source(result.code, path="m.py").code == result.code


def test_unsupported_argument_leaves_call_and_reports():
    result = tr("""
        import torch.nn as nn
        pool = nn.MaxPool2d(3, dilation=2)
    """)
    # `nn` no longer means torch.nn after the import rewrite: the untranslated call is spelled
    # through torch so that it keeps its meaning
    assert result.code == (
        "import torch.nn\n"
        "# TODO(torch2paddle): T2P002 torch.nn.MaxPool2d: dilation=2: Paddle's MaxPool2D has no dilation; left unchanged\n"
        "pool = torch.nn.MaxPool2d(3, dilation=2)\n"
    )
    assert [d.api for d in result.errors] == ["torch.nn.MaxPool2d"]


def test_untranslated_code_keeps_meaning_torch_when_its_alias_is_taken_over():
    result = tr("""
        import torch as th
        import torch.nn as nn
        y = th.stft(x, 4)
        z = th.flatten(x, 1)
        layer = nn.LSTM(4, 8, proj_size=th.numel(x))
        ok = nn.ReLU()
    """)
    assert result.code == (
        "import paddle as th\n"
        "import paddle.nn as nn\n"
        "import torch\n"  # isort-style; `import torch.nn` adds nothing next to it
        "# TODO(torch2paddle): T2P001 torch.stft: no rule for this torch API; left unchanged\n"
        "y = torch.stft(x, 4)\n"
        "z = th.flatten(x, 1)\n"
        "# TODO(torch2paddle): T2P002 torch.nn.LSTM: proj_size=...: not translated: Paddle 2.6's LSTM has no projection, and Paddle 3.3's proj_size weights are not converted; left unchanged\n"
        "layer = torch.nn.LSTM(4, 8, proj_size=torch.numel(x))\n"
        "ok = nn.ReLU()\n"
    )
    assert translate_source(result.code, path="m.py").code == result.code


def test_default_valued_unsupported_argument_is_dropped():
    assert "nn.MaxPool2D(3, 2)" in out("""
        import torch.nn as nn
        pool = nn.MaxPool2d(3, 2, dilation=1)
    """)


def test_star_args_are_translated_with_a_warning():
    result = tr("""
        import torch.nn as nn
        conv = nn.Conv2d(*args, bias=False, **kwargs)
    """)
    assert "nn.Conv2D(*args, bias_attr=False, **kwargs)" in result.code
    assert {d.severity for d in result.diagnostics} == {Severity.WARNING}


def test_too_many_positional_arguments_is_an_error():
    result = tr("""
        import torch.nn as nn
        act = nn.ReLU(True, 1)
    """)
    assert "nn.ReLU(True, 1)" in result.code
    assert result.errors


def test_method_on_unknown_receiver_is_left_with_warning():
    result = tr("""
        import torch
        def f(thing):
            return thing.view(2, 3)
    """)
    assert "thing.view(2, 3)" in result.code
    assert [d.severity for d in result.diagnostics] == [Severity.WARNING]


def test_forward_arguments_are_tensors():
    result = tr("""
        import torch.nn as nn
        class Net(nn.Module):
            def forward(self, x):
                y = self.body(x)
                return y.view(y.size(0), -1)
    """)
    assert "return y.reshape([y.shape[0], -1])" in result.code


def test_relative_imports_resolve_from_the_package(tmp_path):
    pkg = tmp_path / "torchvision" / "models"
    pkg.mkdir(parents=True)
    (tmp_path / "torchvision" / "__init__.py").write_text("")
    (pkg / "__init__.py").write_text("")
    src = pkg / "net.py"
    src.write_text(
        "import torch.nn as nn\nfrom ..utils import _log_api_usage_once\n\n"
        "class Net(nn.Module):\n    def __init__(self):\n        super().__init__()\n        _log_api_usage_once(self)\n"
    )
    result = translate_source(src.read_text(), path=str(src))
    assert result.code == (
        "import paddle.nn as nn\n\nclass Net(nn.Layer):\n    def __init__(self):\n        super().__init__()\n"
    )


def test_relative_import_outside_a_package_is_left_alone():
    result = tr("""
        import torch.nn as nn
        from .utils import helper
        layer = nn.ReLU()
    """)
    assert "from .utils import helper" in result.code


def test_no_torch_means_unchanged():
    code = "import numpy as np\nx = np.zeros(3)\n"
    result = translate_source(code)
    assert result.code == code and result.status.value == "unchanged"


def test_syntax_error_is_a_failed_result():
    result = translate_source("import torch\ndef f(:\n", path="bad.py")
    assert result.status.value == "failed"
    assert result.code == "import torch\ndef f(:\n"
    [diag] = result.diagnostics
    assert diag.path == "bad.py" and diag.line == 2 and diag.code == "T2P901"


@pytest.mark.parametrize("code", ["import torch\n", "import torch  # keep comment\nx = 1\n"])
def test_unused_torch_import_is_removed(code):
    assert "torch" not in out(code).replace("# keep comment", "")


def test_parenthesized_method_chain_keeps_its_parentheses():
    """A rewritten call that closes a parenthesized multi-line chain keeps the parentheses."""
    result = tr("""
        import torch
        def f(e: torch.Tensor):
            return (
                e.permute(1, 0)
                .unsqueeze(0)
                .permute(0, 2, 1)
            )
    """)
    assert result.status.value == "translated"
    assert "    return (\n        e.transpose([1, 0])\n        .unsqueeze(0)\n        .transpose([0, 2, 1])\n    )\n" in result.code


def test_comments_above_removed_statements_are_kept():
    result = tr("""
        import torch.nn as nn
        # why this import
        from torchvision.utils import _log_api_usage_once

        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                # log usage
                _log_api_usage_once(self)

            def only(self):
                # nothing else here
                _log_api_usage_once(self)
    """)
    assert result.code == textwrap.dedent("""
        import paddle.nn as nn
        # why this import

        class Net(nn.Layer):
            def __init__(self):
                super().__init__()
                # log usage

            def only(self):
                # nothing else here
                pass
    """).lstrip("\n")
