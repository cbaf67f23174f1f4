"""A lookup.sqlite built from the committed sample by the index stage alone (the `sample_db`
fixture of tests/conftest.py, and index tests with another day)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from generator import index
from generator.context import LOOKUP_DB, BuildContext
from generator.writer import Writer
from huinong_core.version import CST, DataVersion
from tests.helpers import SAMPLE

#: The sample pays up to 2026-11-15; with 查询年限 5 the window is 2022–2026.
TODAY = dt.date(2026, 11, 23)
VERSION = DataVersion("0123456789abcdef0123456789abcdef01234567", dt.datetime(2026, 11, 23, 8, 0, tzinfo=CST))


def build_index(dataset, out: Path, today: dt.date = TODAY, version: DataVersion = VERSION) -> Path:
    writer = Writer(out)
    ctx = BuildContext(SAMPLE, dataset, None, today, version, writer)
    assert index.write(ctx) == 1
    writer.commit()
    return out / LOOKUP_DB
