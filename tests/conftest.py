"""Shared fixtures: torchvision's model files, read from the installed torchvision at run time."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))


def torchvision_models_dir() -> Path:
    spec = importlib.util.find_spec("torchvision")  # locates, does not import
    if spec is None or not spec.submodule_search_locations:
        pytest.skip("torchvision is not installed")
    return Path(list(spec.submodule_search_locations)[0]) / "models"


@pytest.fixture(scope="session")
def tv_models_dir() -> Path:
    return torchvision_models_dir()
