"""Shared fixtures: the tiny dataset copied to a temp dir, demo-mode env, paths."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.golden import TINY

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"


@pytest.fixture
def tiny(tmp_path: Path) -> Path:
    """A writable copy of the tiny dataset; returns its data/ directory."""
    shutil.copytree(TINY / "data", tmp_path / "data")
    return tmp_path / "data"


@pytest.fixture
def demo_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HUINONG_KEY", raising=False)
    monkeypatch.delenv("HUINONG_KEY_FILE", raising=False)
    monkeypatch.setenv("HUINONG_DEMO", "1")
