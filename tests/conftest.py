"""Shared fixtures: torchvision's model files, read from the installed torchvision at run time."""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
# CLI runs here (in-process and subprocesses) translate every time: tests that patch the engine
# must not be answered from the result cache (tests/test_cache.py turns it on where it tests it)
os.environ["TORCH2PADDLE_NO_CACHE"] = "1"


def torchvision_models_dir() -> Path:
    spec = importlib.util.find_spec("torchvision")  # locates, does not import
    if spec is None or not spec.submodule_search_locations:
        pytest.skip("torchvision is not installed")
    return Path(list(spec.submodule_search_locations)[0]) / "models"


@pytest.fixture(scope="session")
def tv_models_dir() -> Path:
    return torchvision_models_dir()


# Tests that read the output as formatted (black on the changed lines, the library's default);
# the others were written against the translation as the rules write it and see it so
# (Settings(format=False) as the library default).  The CLI formats unless --no-format.
FORMATTED = ("test_format", "test_samples.py", "test_fast_paths.py")


@pytest.fixture(autouse=True)
def _unformatted_library_default(request, monkeypatch):
    if Path(str(request.fspath)).name.startswith(FORMATTED):
        return
    from translator.settings import Settings
    from translator.translate import pipeline

    monkeypatch.setattr(pipeline, "DEFAULT_SETTINGS", Settings(format=False))
