"""lookup_api/inputs.py: bounded parsers; the inputs that made 500s (issue 18) are 4xx over real HTTP."""

from __future__ import annotations

import json
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lookup_api.inputs import MAX_JSON_DEPTH, ascii_int, json_depth_ok
from tests.golden import fake_id

SHAPE = {"code", "message", "request_id"}
ID = fake_id("410421", "19600101", 123)


@pytest.mark.parametrize("text, expected", [
    ("7", 7), (" 12 ", 12), ("１２", 12), ("007", 7),
    # NFKC first: "²" and "①" are 2 and 1 to a person; Arabic-Indic digits are not ASCII after it.
    ("²", 2), ("①", 1), ("1²", 12), ("٣", None), ("", None), (None, None), ("1234", None), ("-1", None), ("½", None),
])
def test_ascii_int(text, expected):
    assert ascii_int(text, 3) == expected


def nested(depth: int) -> st.SearchStrategy:
    """JSON values whose arrays/objects nest exactly `depth` deep, with brackets inside strings."""
    leaf = st.one_of(st.integers(), st.text(alphabet="[]{}\"\\a中", max_size=6), st.none())
    value = leaf
    for _ in range(depth):
        value = st.one_of(st.lists(value, min_size=1, max_size=2),
                          st.dictionaries(st.text(alphabet="[]{\"k", max_size=3), value, min_size=1, max_size=2))
    return value


@given(st.integers(0, MAX_JSON_DEPTH + 3).flatmap(lambda d: st.tuples(st.just(d), nested(d))))
def test_depth_scan_agrees_with_the_real_nesting(case):
    depth, value = case
    assert json_depth_ok(json.dumps(value, ensure_ascii=False).encode()) == (depth <= MAX_JSON_DEPTH)


@pytest.mark.parametrize("path", ["/api/v1/lookup", "/api/v1/cases"])
def test_deeply_nested_json_is_a_422_not_a_500(api, path):
    body = b"[" * 1900 + b"]" * 1900  # fits in 4 KB; json.loads recursed into RecursionError
    with api.client() as c:
        r = c.post(path, content=body, headers={"Content-Type": "application/json"})
    assert r.status_code == 422, r.text
    assert set(r.json()) == SHAPE and r.json()["code"] == "invalid_json"


@pytest.fixture(scope="module")
def forms(sample_db):
    """A server whose submission limits do not get in the way of these tests."""
    from lookup_api.main import create_app
    from tests.lookup_api.server import LiveServer, settings_for

    settings = settings_for(sample_db, rate_cases="1000/minute", rate_cases_nojs="1000/minute")
    with LiveServer(create_app(settings)) as server:
        yield server


@pytest.mark.parametrize("answer", ["²", "①", "¹²", "٣", "\ud800"])
def test_unicode_digits_in_the_sum_answer_are_a_wrong_answer(forms, answer):
    with forms.client() as c:
        ch = c.get("/api/v1/cases/challenge").json()
        while sum(map(int, re.findall(r"\d+", ch["question"]))) == 12:  # "¹²" is 12 after NFKC: right for 12
            ch = c.get("/api/v1/cases/challenge").json()
        body = {"kind": "咨询", "village": "410421100201", "content": "请问高龄津贴从几岁开始领？",
                "challenge": ch["challenge"], "answer": answer}
        r = c.post("/api/v1/cases", content=json.dumps(body).encode(), headers={"Content-Type": "application/json"})
    assert r.status_code == 422, r.text
    assert set(r.json()) == SHAPE


def test_unicode_digits_on_the_no_js_form_are_a_page_not_a_500(forms):
    with forms.client() as c:
        page = c.get("/zixun/?quhua=410421100201")
        assert page.status_code == 200
        fields = dict(re.findall(r'name="(\w+)" value="([^"]*)"', page.text))
        form = {**fields, "kind": "咨询", "village": "410421100201", "content": "请问高龄津贴从几岁开始领？", "answer": "²"}
        r = c.post("/zixun/", data=form)
    assert r.status_code == 422, r.text[:500]
    assert "验证题答错了" in r.text


def test_ipv6_clients_share_a_bucket_per_64(live, sample_db):
    from tests.lookup_api.server import settings_for

    settings = settings_for(sample_db, rate_client="3/minute", trusted_proxies="127.0.0.1")
    body = {"id_number": ID, "name": "张三"}
    with live(settings) as server, server.client() as c:
        codes = [c.post("/api/v1/lookup", json=body, headers={"X-Forwarded-For": f"2001:db8:1:2::{i:x}"}).status_code
                 for i in range(1, 5)]
        assert codes == [200, 200, 200, 429]
        # Another /64, and an IPv4 client, have buckets of their own.
        assert c.post("/api/v1/lookup", json=body, headers={"X-Forwarded-For": "2001:db8:1:3::1"}).status_code == 200
        assert c.post("/api/v1/lookup", json=body, headers={"X-Forwarded-For": "203.0.113.9"}).status_code == 200
        # An IPv4-mapped IPv6 address is the IPv4 client it is.
        mapped = [c.post("/api/v1/lookup", json=body, headers={"X-Forwarded-For": a}).status_code
                  for a in ("::ffff:203.0.113.9", "203.0.113.9", "::ffff:203.0.113.9")]
        assert mapped == [200, 200, 429]


def test_malformed_case_numbers_do_not_share_a_bucket(live, sample_db):
    from tests.lookup_api.server import settings_for

    settings = settings_for(sample_db, rate_case_number="2/hour", trusted_proxies="127.0.0.1")
    with live(settings) as server, server.client() as c:
        # 20 people mistyping their 件号, each from their own address: each gets the plain 404.
        codes = {c.get(f"/api/v1/cases/2026-{i}", headers={"X-Query-Code": "ABCDEFGH",
                                                               "X-Forwarded-For": f"203.0.113.{i}"}).status_code
                 for i in range(20)}
        assert codes == {404}
