"""The formatting's promises on real code (the samples and a few of torchvision's models;
benchmarks/formatting.py checks the whole folder): every line the translation changed or added
is within the line length (except where a string literal alone makes it long), every line it
did not touch is kept byte for byte, and a second translation changes nothing."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from translator.settings import Settings
from translator.translate.formatting import check_output
from translator.translate.pipeline import translate_source
from translator.translate.support import FOOTER, HEADER

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = sorted((ROOT / "samples" / "torch_src").glob("*.py"))
# mobilenetv3.py and detection/ssdlite.py carry definitions from other torchvision modules
TORCHVISION_FILES = ["resnet.py", "squeezenet.py", "mobilenetv3.py", "detection/transform.py", "_utils.py",
                     "detection/ssdlite.py"]


def _torchvision_models() -> Path | None:
    spec = importlib.util.find_spec("torchvision")
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(list(spec.submodule_search_locations)[0]) / "models"


def _inputs() -> list:
    out = [pytest.param(p, id=f"samples/{p.name}") for p in SAMPLES]
    models = _torchvision_models()
    for name in TORCHVISION_FILES:
        out.append(pytest.param(models / name if models else None, id=f"torchvision/{name}"))
    return out


def _support_lines(code: str) -> set[int]:
    """Lines of emitted support code: the snippets' docstrings are as their authors wrote them
    (tests/test_format_support.py holds them to the line length apart).  Definitions carried
    from library sources are not among them: they are formatted like any new code."""
    lines, out, inside = code.splitlines(), set(), False
    for n, line in enumerate(lines, 1):
        inside = inside or line.strip() == HEADER
        if inside:
            out.add(n)
        if line.strip() == FOOTER:
            inside = False
    return out


@pytest.mark.parametrize("path", _inputs())
def test_changed_lines_fit_untouched_lines_kept_second_pass_stable(path):
    if path is None:
        pytest.skip("torchvision is not installed")
    source = path.read_text(encoding="utf-8")
    unformatted = translate_source(source, path=str(path), settings=Settings(format=False))
    formatted = translate_source(source, path=str(path))
    if not unformatted.changed:
        assert formatted.code == source
        return
    found = check_output(source, unformatted.code, formatted.code, 88)
    support = _support_lines(formatted.code)  # the snippets' docstrings are as written
    lines = formatted.code.splitlines()
    assert [(n, lines[n - 1]) for n in found["long"] if n not in support] == []
    assert found["moved"] == []
    assert not [d for d in formatted.diagnostics if d.code == "format"]
    again = translate_source(formatted.code, path=str(path))
    if translate_source(unformatted.code, path=str(path), settings=Settings(format=False)).code == unformatted.code:
        assert again.code == formatted.code


def test_the_check_sees_a_line_that_moved():
    """The test above can fail: a formatting that re-indents an untouched line is caught."""
    source = "import torch\n\n\ndef f(x):\n    y = 1\n    return torch.flatten(x)\n"
    unformatted = translate_source(source, settings=Settings(format=False)).code
    broken = unformatted.replace("    y = 1", "  y = 1")
    assert check_output(source, unformatted, broken, 88)["moved"] == [5]
