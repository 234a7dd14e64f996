"""New imports placed isort-style among the user's, support code's imports with them, and
``import torch.<submodule>`` next to ``import torch`` dropped."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from translator.settings import Settings
from translator.translate.import_order import TORCH_LOADS
from translator.translate.pipeline import translate_source

PLAIN = Settings(format=False)  # the placement is the same with or without black


def _t(text: str, path: str | None = None) -> str:
    return translate_source(textwrap.dedent(text).lstrip("\n"), path=path, settings=PLAIN).code


def _d(text: str) -> str:
    return textwrap.dedent(text).lstrip("\n")


def test_paddle_import_goes_into_the_third_party_section():
    out = _t(
        """
        import os
        import sys

        import numpy as np
        import torch
        import torch.nn as nn
        import yaml

        x = torch.zeros(2)
        m = nn.ReLU()
        """
    )
    assert out.startswith(
        _d(
            """
            import os
            import sys

            import numpy as np
            import paddle
            import paddle.nn as nn
            import yaml

            x = paddle.zeros([2])
            """
        )
    )


def test_user_lines_are_never_reordered():
    # the user's block is not sorted: it stays so; only the new line finds a place
    src = """
        import yaml
        import os
        import torch

        x = torch.zeros(2)
        """
    out = _t(src)
    # paddle sorts before yaml, the only third-party line there is; os stays after yaml
    assert out.startswith("import paddle\nimport yaml\nimport os\n\nx = paddle.zeros([2])\n")


def test_a_new_section_gets_its_own_group():
    out = _t(
        """
        from __future__ import annotations

        import os

        from .sibling import helper
        import torch

        x = torch.zeros(2)
        """,
        path=None,
    )
    assert out.startswith(
        _d(
            """
            from __future__ import annotations

            import os

            import paddle

            from .sibling import helper
            """
        )
    )


def test_support_imports_join_the_import_block_standard_library_first():
    out = _t(
        """
        import torch.nn as nn


        def init(m):
            nn.init.kaiming_normal_(m.weight, mode="fan_out")
        """
    )
    head = out.split("# --- support code")[0]
    assert head == _d(
        """
        import math
        from typing import Any

        import paddle.nn as nn


        """
    )


def test_support_import_already_bound_is_not_repeated():
    out = _t(
        """
        import math
        import torch.nn as nn


        def init(m):
            nn.init.kaiming_normal_(m.weight, mode="fan_out")
        """
    )
    assert out.count("import math\n") == 1
    assert out.startswith("import math\nfrom typing import Any\n")


def test_imports_with_a_comment_stay_where_they_are():
    out = _t(
        """
        import os
        # the deep learning framework
        import torch

        x = torch.zeros(2)
        """
    )
    assert out.startswith("import os\n# the deep learning framework\nimport paddle\n")


def test_redundant_torch_submodule_import_is_dropped():
    # `nn.Softmax()` with no dim is left to torch, spelled torch.nn.Softmax: `import torch`
    # already loads torch.nn, so no `import torch.nn` is added next to it
    out = _t(
        """
        import torch
        import torch.nn as nn

        a = nn.Softmax()
        """
    )
    assert "import torch\n" in out and "import torch.nn\n" not in out
    assert "torch.nn.Softmax()" in out


def test_torch_submodule_import_alone_stays():
    out = _t(
        """
        import torch.nn as nn

        a = nn.Softmax()
        """
    )
    assert "import torch.nn\n" in out  # nothing else binds torch here


def test_torch_submodule_import_with_asname_is_not_dropped():
    src = _d(
        """
        import torch
        import torch.nn as tnn

        x = torch.foo_no_rule(1)
        y = tnn.Foo()
        """
    )
    out = translate_source(src, settings=PLAIN).code
    assert "import torch.nn as tnn\n" in out or "tnn" not in out


def test_second_pass_changes_nothing():
    src = _d(
        """
        import os

        import numpy as np
        import torch
        import torch.nn as nn


        def init(m):
            nn.init.kaiming_normal_(m.weight, mode="fan_out")
            return torch.zeros(2)
        """
    )
    first = translate_source(src).code
    assert translate_source(first).code == first


def test_torch_loads_its_listed_submodules():
    """Every module in TORCH_LOADS is imported by `import torch` itself (so dropping
    `import torch.<name>` next to `import torch` is safe)."""
    pytest.importorskip("torch")
    code = "import sys, torch; missing = [m for m in sys.argv[1:] if m not in sys.modules]; print(' '.join(missing))"
    out = subprocess.run([sys.executable, "-c", code, *sorted(TORCH_LOADS)], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
