"""huinong_core/version.py: the data version, and how the lookup database keeps it."""

from __future__ import annotations

import datetime as dt

import pytest

from huinong_core.version import CST, DataVersion

BUILT = dt.datetime(2026, 11, 23, 8, 30, 5, tzinfo=CST)


@pytest.mark.parametrize("version", [DataVersion("a1b2c3d4e5f6a7b8c9d0a1b2c3d4e5f6a7b8c9d0", BUILT),
                                     DataVersion("a1b2c3d4e5f6a7b8c9d0a1b2c3d4e5f6a7b8c9d0", BUILT, dirty=True),
                                     DataVersion("未提交", BUILT)])
def test_the_lookup_database_meta_reads_back_as_the_same_version(version):
    meta = version.as_meta()
    assert all(isinstance(v, str) for v in meta.values())
    assert DataVersion.from_meta(meta) == version
    assert meta["label"] == version.label and meta["built_at"] == "2026-11-23T08:30:05+08:00"


def test_a_meta_without_a_version_is_refused():
    with pytest.raises(KeyError):
        DataVersion.from_meta({"schema": "5"})
    with pytest.raises(ValueError):
        DataVersion.from_meta({"commit": "", "built_at": "", "dirty": "false"})
