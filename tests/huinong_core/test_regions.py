"""huinong_core/regions.py: levels, parents and containment read from the shape of a code."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from huinong_core.regions import county_of, covers, full_code, prefix, region_level, region_parent_code, within

CITY, COUNTY, TOWNSHIP, VILLAGE = "410400000000", "410421000000", "410421101000", "410421101201"


def test_levels_and_parents():
    assert [region_level(c) for c in ("410000000000", CITY, COUNTY, TOWNSHIP, VILLAGE)] == ["省", "市", "县", "乡", "村"]
    assert region_parent_code(VILLAGE) == TOWNSHIP and region_parent_code(TOWNSHIP) == COUNTY
    assert region_parent_code(COUNTY) == CITY and region_parent_code("410000000000") is None
    assert county_of(VILLAGE) == COUNTY


def test_prefixes_name_the_region_of_a_level():
    assert prefix(VILLAGE, "县") == "410421" and prefix(VILLAGE, "乡") == "410421101" and prefix(VILLAGE, "村") == VILLAGE
    assert full_code("410421") == COUNTY and full_code(prefix(VILLAGE, "乡")) == TOWNSHIP


def test_within_and_covers():
    assert within(VILLAGE, TOWNSHIP) and within(VILLAGE, COUNTY) and within(VILLAGE, VILLAGE)
    assert not within(VILLAGE, "410421102000") and not within(COUNTY, TOWNSHIP)
    assert covers((), VILLAGE)  # a programme without regions applies everywhere
    assert covers(("410425000000", COUNTY), VILLAGE) and not covers(("410425000000",), VILLAGE)


codes = st.from_regex(r"\A41042[15](10[1-3])(20[1-4])\Z")


@given(codes)
def test_every_ancestor_contains_its_descendant(code):
    parent = region_parent_code(code)
    while parent is not None:
        assert within(code, parent)
        parent = region_parent_code(parent)


@given(codes)
def test_a_parent_is_the_prefix_of_its_level(code):
    parent = region_parent_code(code)
    while parent is not None:
        assert full_code(prefix(code, region_level(parent))) == parent
        parent = region_parent_code(parent)
