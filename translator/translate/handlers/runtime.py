"""Training runtime: mixed precision, devices, backends, random state (rules/runtime.toml)."""

from __future__ import annotations
