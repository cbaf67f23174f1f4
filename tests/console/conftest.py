from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.console.helpers import Running, clone_of_tiny


@pytest.fixture(autouse=True)
def only_the_repository_git_config(monkeypatch):
    """The console's git sees the test repository's settings alone: no author from a user or system
    config, none from the environment (the 提交 step asks for one when the repository has none)."""
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", os.devnull)
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    for name in ("GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL", "GIT_COMMITTER_NAME", "GIT_COMMITTER_EMAIL", "EMAIL"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return clone_of_tiny(tmp_path)


@pytest.fixture
def console(repo: Path):
    with Running(repo) as running:
        yield running
