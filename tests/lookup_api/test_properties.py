"""No input makes a 500: schemathesis over the OpenAPI schema, and hypothesis over raw bodies."""

from __future__ import annotations

import json

import httpx
import pytest
import schemathesis
from schemathesis.checks import positive_data_acceptance
from hypothesis import HealthCheck, given, settings, strategies as st

pytestmark = pytest.mark.slow
SHAPE = {"code", "message", "request_id"}


def test_openapi_schema_holds_and_nothing_is_a_server_error(api):
    # Driven by hand rather than through schemathesis' pytest plugin (not yet compatible with pytest 9).
    schema = schemathesis.openapi.from_url(f"{api.url}/api/openapi.json")
    operations = [result.ok() for result in schema.get_all_operations()]
    assert {op.label for op in operations} >= {"POST /api/v1/lookup", "GET /api/v1/policies"}
    for operation in operations:
        @settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        @given(case=operation.as_strategy())
        def check(case):
            # A schema cannot express the ID's check digit or birth date, so schema-valid IDs may
            # rightly get a 422: positive_data_acceptance does not apply; every other check does.
            response = case.call_and_validate(excluded_checks=[positive_data_acceptance])
            assert response.status_code < 500

        check()


_text = st.one_of(st.text(max_size=40), st.from_regex(r"[0-9０-９xX ]{0,24}", fullmatch=True))


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(id_number=_text, name=_text, form=st.booleans())
def test_any_id_and_name_give_a_result_or_a_clear_error(api, id_number, name, form):
    with httpx.Client(base_url=api.url, timeout=30) as c:
        body = {"id_number": id_number, "name": name}
        r = c.post("/api/v1/lookup", data=body) if form else c.post("/api/v1/lookup", json=body)
    assert r.status_code in (200, 422), r.text
    if r.status_code == 422 and not form:
        assert set(r.json()) == SHAPE
    if form:
        assert r.headers["content-type"].startswith("text/html")


@settings(max_examples=100, deadline=None, suppress_health_check=list(HealthCheck))
@given(raw=st.one_of(st.binary(max_size=300), st.builds(lambda v: json.dumps(v).encode(), st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=10),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=10), inner, max_size=3), max_leaves=6))),
    content_type=st.sampled_from(["application/json", "application/x-www-form-urlencoded", "multipart/form-data",
                                  "text/plain", "application/json; charset=gbk", ""]))
def test_any_body_is_never_a_server_error(api, raw, content_type):
    with httpx.Client(base_url=api.url, timeout=30) as c:
        r = c.post("/api/v1/lookup", content=raw, headers={"Content-Type": content_type} if content_type else {})
    assert r.status_code < 500, r.text
    assert r.status_code in (200, 400, 413, 415, 422)


def test_stateful_sequences_over_all_operations_are_never_a_server_error(live, sample_db):
    """schemathesis' state machine chains operations through the schema's links (a challenge into a
    submission, its 件号 and 查询码 into the follow-ups and the rating) with generated data between;
    no step may be a 5xx.  Proof-of-work at 0 bits here, so the linked submission gets through."""
    from tests.lookup_api.server import settings_for

    settings_ = settings_for(sample_db, cases_pow_bits=0, rate_cases="10000/minute", rate_case_view="10000/minute",
                             rate_case_number="10000/minute")
    with live(settings_) as server:
        _run_state_machine(server)


def _run_state_machine(api):
    schema = schemathesis.openapi.from_url(f"{api.url}/api/openapi.json")

    seen: set[tuple[str, int]] = set()

    class Machine(schema.as_state_machine()):
        def validate_response(self, response, case, additional_checks=None, **kwargs):
            seen.add((f"{case.method} {case.operation.path}", response.status_code))
            assert response.status_code < 500, f"{case.method} {case.formatted_path}: {response.text[:300]}"

    Machine.run(settings=settings(max_examples=40, stateful_step_count=6, deadline=None, database=None,
                                  suppress_health_check=list(HealthCheck)))
    # The chains were walked: a case was filed through the link and followed up with its own code.
    assert ("POST /api/v1/cases", 201) in seen, sorted(seen)
    assert {("GET /api/v1/cases/{number}", 200), ("POST /api/v1/cases/{number}", 200)} & seen, sorted(seen)


#: Every endpoint that reads a body: the JSON API, the forms (the form pages ask for their CSRF
#: cookie first, so a raw post meets the check; what matters is that nothing is a 5xx).
POSTS = ["/api/v1/lookup", "/api/v1/cases", "/api/v1/cases/20260101-410421-0001",
         "/api/v1/cases/20260101-410421-0001/rating", "/zixun/", "/zixun/chaxun/", "/zixun/chaxun/pingjia/",
         "/staff/login/"]

_unicode = st.text(alphabet=st.characters(codec="utf-8", categories=("Nd", "No", "Lo", "Zs", "Cc", "Cf", "Cs", "So",
                                                                      "Mn")), max_size=30)


def _nested(depth: int, inner: str = "1") -> bytes:
    return ("[" * depth + inner + "]" * depth).encode()


_bodies = st.one_of(
    st.binary(max_size=600),
    st.integers(1, 3000).map(_nested),  # deep nesting: refused before any parser recurses
    st.integers(1, 400).map(lambda d: ('{"a":' * d + "1" + "}" * d).encode()),
    st.dictionaries(st.sampled_from(["id_number", "name", "query_code", "challenge", "pow", "answer", "kind",
                                     "village", "content", "username", "password", "csrf", "rating"]),
                    _unicode, max_size=6).flatmap(lambda d: st.sampled_from([
                        json.dumps(d).encode(), json.dumps(d, ensure_ascii=False).encode("utf-8", "surrogatepass"),
                        "&".join(f"{k}={v}" for k, v in d.items()).encode("utf-8", "surrogatepass")])),
    st.builds(lambda t, enc: t.encode(enc, "ignore"), _unicode, st.sampled_from(["utf-16", "gb18030", "latin-1"])),
)


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck), database=None)
@given(path=st.sampled_from(POSTS), raw=_bodies,
       content_type=st.sampled_from(["application/json", "application/x-www-form-urlencoded",
                                     "application/x-www-form-urlencoded; charset=gbk", "multipart/form-data",
                                     "multipart/form-data; boundary=x", "text/plain", "application/json; charset=utf-16",
                                     ""]))
def test_raw_bodies_on_every_endpoint_are_never_a_server_error(api, path, raw, content_type):
    with httpx.Client(base_url=api.url, timeout=30) as c:
        r = c.post(path, content=raw, headers={"Content-Type": content_type} if content_type else {})
    assert r.status_code < 500, (path, r.status_code, r.text[:300])
