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
