from __future__ import annotations

from pathlib import Path

import pytest

from tests.console.helpers import Running, clone_of_tiny


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return clone_of_tiny(tmp_path)


@pytest.fixture
def console(repo: Path):
    with Running(repo) as running:
        yield running
