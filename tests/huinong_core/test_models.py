"""huinong_core/models.py: what a dataset says beyond its rows."""

from __future__ import annotations

from generator.load import load
from tests.golden import TINY


def test_protected_codes_are_the_programmes_marked_隐私保护():
    ds = load(TINY / "data", payments=False).dataset
    assert ds.protected_codes() == {"MZ005"}  # 孤儿基本生活费
    assert {p.code for p in ds.policies} - ds.protected_codes() == {"NY001", "NY004", "MZ010"}
