"""Session fixtures shared by the index and API tests: the committed sample, checked
once, and a lookup.sqlite built from it by the index stage alone (seconds, not a full build)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from generator import index
from generator.context import LOOKUP_DB, BuildContext
from generator.check import check
from generator.writer import Writer
from huinong_core.version import CST, DataVersion

REPO = Path(__file__).resolve().parents[1]
SAMPLE = REPO / "data"
#: The sample pays up to 2026-11-15; with 查询年限 5 the window is 2022–2026.
TODAY = dt.date(2026, 11, 23)
VERSION = DataVersion("0123456789abcdef0123456789abcdef01234567", dt.datetime(2026, 11, 23, 8, 0, tzinfo=CST))


_CACHE: dict[str, object] = {}  # imported into several test modules: check and build once per session


@pytest.fixture(scope="session")
def sample_dataset():
    if "dataset" not in _CACHE:
        dataset, problems = check(SAMPLE)
        assert problems == []
        _CACHE["dataset"] = dataset
    return _CACHE["dataset"]


def build_index(dataset, out: Path, today: dt.date = TODAY, version: DataVersion = VERSION) -> Path:
    writer = Writer(out)
    ctx = BuildContext(SAMPLE, dataset, None, today, version, writer)
    assert index.write(ctx) == 1
    writer.commit()
    return out / LOOKUP_DB


@pytest.fixture(scope="session")
def sample_db(sample_dataset, tmp_path_factory) -> Path:
    if "db" not in _CACHE:
        _CACHE["db"] = build_index(sample_dataset, tmp_path_factory.mktemp("lookup") / "public")
    return _CACHE["db"]
