"""GET /api/v1/policies?q=: FTS4 + bm25 over policies, documents and procedures."""

from __future__ import annotations

import pytest


def search(api, q: str, **params):
    with api.client() as c:
        return c.get("/api/v1/policies", params={"q": q, **params})


@pytest.mark.parametrize("query, ref", [
    ("耕地补贴", "NY001"),
    ("低保", "MZ001"),
    ("最低生活保障", "MZ001"),
    ("高龄补贴", "MZ010"),
    ("五保", "MZ003"),
    ("残疾人两项补贴", "CL001"),
])
def test_everyday_words_find_the_programme(api, query, ref):
    r = search(api, query, limit=20)
    assert r.status_code == 200
    refs = [hit["ref"] for hit in r.json()["results"]]
    assert ref in refs[:5], refs


def test_best_match_first_and_links_are_site_relative(api):
    hits = search(api, "耕地地力保护补贴").json()["results"]
    assert hits[0]["ref"] == "NY001" and hits[0]["url"] == "zhengce/ny001/"
    assert hits == sorted(hits, key=lambda h: -h["score"])
    kinds = {h["kind"] for h in search(api, "低保", limit=50).json()["results"]}
    assert {"policy", "document", "procedure"} <= kinds


@pytest.mark.parametrize("query", ['" OR 1=1 --', "NEAR(a b)", "*", "title:低保", "低保 NOT 城市", "'); DROP TABLE x;--",
                                   "\u0000", "（）【】", "a" * 100])
def test_query_syntax_is_never_interpreted(api, query):
    r = search(api, query)
    assert r.status_code == 200
    assert isinstance(r.json()["results"], list)


def test_not_means_nothing_special(api):
    # "低保 NOT 城市" must not exclude 城市低保: NOT is an ordinary (unmatched) word.
    assert search(api, "低保 NOT 城市").json()["results"] == []


def test_query_too_long_is_a_422(api):
    r = search(api, "低" * 101)
    assert r.status_code == 422 and set(r.json()) == {"code", "message", "request_id"}
