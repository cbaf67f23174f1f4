"""Shared fixtures: the tiny dataset copied to a temp dir, demo-mode env, paths."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.golden import TINY

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"


def pytest_collection_modifyitems(config, items):
    """xdist groups (`pytest -n 2 --dist loadgroup`, what `make test` runs): a test file stays on one
    worker (its module fixtures are made once), and the files sharing an expensive session fixture
    stay together: tests/site (the sample built through the pipeline), the lookup database of the
    sample (tests/lookup_api and the index tests)."""
    tests = REPO / "tests"
    for item in items:
        rel = Path(str(item.fspath)).resolve().relative_to(tests).as_posix()
        if rel.startswith("site/"):
            group = "site"
        elif rel.startswith("lookup_api/") or rel == "generator/test_index.py":
            group = "lookup"
        else:
            group = rel
        item.add_marker(pytest.mark.xdist_group(group))
    # The site group is the longest (the sample build comes first): schedule it first, so one
    # worker starts on it at once while the other takes everything else.
    items.sort(key=lambda item: 0 if "/tests/site/" in str(item.fspath) else 1)


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
