"""huinong_core/urls.py: the paths that carry a region, named by its prefix."""

from __future__ import annotations

from huinong_core import urls

COUNTY, TOWNSHIP, VILLAGE = "410421000000", "410421101000", "410421101201"


def test_county_pages_are_named_by_the_county_prefix():
    assert urls.county_stats(COUNTY) == "tongji/410421/"
    assert urls.county_services(COUNTY) == "wangdian/410421/"
    assert urls.relative(urls.stats(), urls.county_stats(COUNTY)) == "410421/"


def test_posters_are_filed_under_their_township():
    assert urls.poster_file(VILLAGE, "zhengce") == "haibao/410421101/410421101201-zhengce-A4.pdf"
    assert urls.township_bundle(TOWNSHIP, "A3") == "haibao/410421101/410421101-all-A3.pdf"
    assert urls.poster_township_index(TOWNSHIP) == urls.poster_township_index(VILLAGE) == "haibao/410421101/"
