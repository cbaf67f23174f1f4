"""Shared fixtures: the tiny dataset copied to a temp dir, demo-mode env, the committed sample
checked once and its lookup database; and the scheduling of tests over xdist workers."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from generator.check import check
from tests.golden import TINY
from tests.helpers import SAMPLE
from tests.lookup_db import build_index


def group_of(nodeid: str) -> str:
    """Which tests must run in one process (`make test` runs two pytest-xdist workers): a test file
    stays together (its module fixtures are made once), and so do the files sharing an expensive
    session fixture: tests/site (the sample built through the pipeline) and the sample's lookup
    database (tests/lookup_api and the index tests). Session fixtures are made once per worker, so
    however the groups fall, each worker checks the sample (`checked_sample`) at most once."""
    path = nodeid.split("::", 1)[0]
    if path.startswith("tests/site/"):
        return "site"
    if path.startswith("tests/lookup_api/test_cases_"):
        return "cases"  # 咨询与投诉: own databases (SQLite, PostgreSQL); order-sensitive after the lookup files
    if path.startswith("tests/lookup_api/") or path == "tests/generator/test_index.py":
        return "lookup"
    return path


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config, log):
    """xdist's own loadgroup marks do not group under pytest 9 here (seen: a marked group spread
    over both workers), so schedule by group_of() with its scope scheduler."""
    from xdist.scheduler import LoadScopeScheduling

    class ByGroup(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return group_of(nodeid)

    return ByGroup(config, log)


def pytest_collection_modifyitems(config, items):
    # The site group is the longest (the sample build comes first): collect it first, so one
    # worker starts on it at once while the other takes everything else.
    items.sort(key=lambda item: 0 if group_of(item.nodeid) == "site" else 1)


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


@pytest.fixture(scope="session")
def checked_sample():
    """The committed sample through the whole check: (dataset, problems)."""
    return check(SAMPLE)


@pytest.fixture(scope="session")
def sample_dataset(checked_sample):
    """The committed sample's dataset, for the tests that need it valid."""
    dataset, problems = checked_sample
    assert problems == [], "\n".join(map(str, problems[:20]))
    return dataset


@pytest.fixture(scope="session")
def sample_db(sample_dataset, tmp_path_factory) -> Path:
    """lookup.sqlite of the sample, made by the index stage alone (seconds, not a full build)."""
    return build_index(sample_dataset, tmp_path_factory.mktemp("lookup") / "public")
