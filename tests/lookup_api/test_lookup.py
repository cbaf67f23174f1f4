"""POST /api/v1/lookup over real HTTP against the sample's lookup.sqlite."""

from __future__ import annotations

import sqlite3
from decimal import Decimal

import pytest

from tests.golden import DEMO_KEYER, fake_id
from tests.lookup_api.helpers import post

FULLWIDTH = str.maketrans("0123456789X", "０１２３４５６７８９ｘ")


def expected_records(dataset, person) -> list[tuple]:
    """What the data says this person was paid (visible programmes only)."""
    key = DEMO_KEYER.query_key(person.id18, person.name)
    protected = {p.code for p in dataset.policies if p.protected}
    return sorted((b.batch_id, r.date.isoformat(), f"{r.amount:.2f}", r.status, r.reason, r.card_tail)
                  for b in dataset.batches if b.programme not in protected
                  for r in b.records if r.query_key == key)


def flatten(result: dict) -> list[tuple]:
    return sorted((x["batch_id"], x["date"], x["amount"], x["status"], x["reason"], x["card_tail"])
                  for y in result["years"] for p in y["programmes"] for x in p["payments"])


def unechoed(content: bytes, id_number: str, name: str) -> bytes:
    """The page with the echoed input taken out; it must have been there, each exactly once."""
    from html import escape

    page = content.decode()
    for field, value in (("id_number", id_number), ("name", name)):
        echo = f'name="{field}" type="text"'
        start = page.index(echo)
        typed = f'value="{escape(value)}"'
        assert page.count(typed) == 1 and page.index(typed, start) < page.index(">", start)
        page = page.replace(typed, 'value="…"')
    return page.encode()


def test_known_person_sees_exactly_their_records(api, sample_dataset, dibao_people):
    person, _row = dibao_people[0]
    expected = expected_records(sample_dataset, person)
    assert len(expected) >= 4  # a 低保 recipient is paid every quarter
    with api.client() as c:
        r = post(c, person.id18, person.name)
    assert r.status_code == 200
    result = r.json()
    assert result["found"] is True
    assert flatten(result) == expected
    # Grouped by year (newest first) and programme, with totals of what actually arrived.
    assert [y["year"] for y in result["years"]] == sorted({y["year"] for y in result["years"]}, reverse=True)
    for y in result["years"]:
        paid = sum(Decimal(x["amount"]) for p in y["programmes"] for x in p["payments"]
                   if x["status"] in ("已发放", "已补发"))
        assert Decimal(y["total"]) == paid
        for p in y["programmes"]:
            assert p["short_name"] and p["name"] and all(x["period"].startswith(str(y["year"])) for x in p["payments"])
    # Nothing personal beyond the masked name and the card tail.
    assert person.name not in r.text and person.id18 not in r.text
    assert all(x["name"].count("*") >= 1 for y in result["years"] for p in y["programmes"] for x in p["payments"])


def test_answers_are_exactly_the_documented_model(api, dibao_people):
    """The route serializes service.render's dict as it is (issue 20): it must be LookupResult, key for key."""
    from lookup_api.models import LookupResult

    def keys(value) -> object:  # the shape: every dict's keys, down the tree
        if isinstance(value, dict):
            return {k: keys(v) for k, v in value.items()}
        return [keys(v) for v in value] if isinstance(value, list) else type(value).__name__

    person, _row = dibao_people[0]
    with api.client() as c:
        for name in (person.name, person.name + "某"):
            r = post(c, person.id18, name)
            assert r.status_code == 200 and r.headers["content-type"] == "application/json"
            modelled = LookupResult.model_validate(r.json()).model_dump(mode="json")
            assert keys(r.json()) == keys(modelled)


def test_id_and_name_are_normalized_like_ingest(api, dibao_people):
    person, _row = dibao_people[1]
    with api.client() as c:
        plain = post(c, person.id18, person.name)
        typed = post(c, f" {person.id18[:6]} {person.id18[6:14]} {person.id18[14:]} ".translate(FULLWIDTH),
                     f"{person.name[0]} {person.name[1:]}")
    assert plain.json()["found"] and typed.content == plain.content


def test_every_status_is_explained_with_the_township_window(api, sample_dataset, dibao_people):
    failed = [(p, row) for p, row in dibao_people if row.status == "发放失败"]
    if not failed:
        pytest.skip("no failed payment in this batch")
    person, row = failed[0]
    with api.client() as c:
        result = post(c, person.id18, person.name).json()
    payments = [x for y in result["years"] for p in y["programmes"] for x in p["payments"]]
    assert all(x["explanation"] and x["next_step"] for x in payments)
    fail = next(x for x in payments if x["status"] == "发放失败")
    assert row.reason.replace("（", "(").replace("）", ")") in fail["explanation"]
    window = result["windows"][0]
    assert window["phone"] in fail["next_step"] and window["name"] in fail["next_step"]
    assert window["phone"].startswith("0375-")


def test_wrong_name_unknown_id_and_no_payments_are_byte_identical(api, dibao_people, orphans):
    person, _ = dibao_people[2]
    orphan, _ = orphans[0]  # paid only by a protected programme: nothing to show
    unknown = fake_id("410421", "19600101", 777)
    cases = [(person.id18, person.name[0] + "某某"), (unknown, person.name), (orphan.id18, orphan.name)]
    for form in (False, True):
        with api.client() as c:
            responses = [post(c, i, n, form) for i, n in cases]
        # The no-script page shows the person's own input back in the form (核对后再查): a function of
        # what they typed only.  Everything else, and every header but the length, is the same.
        bodies = [unechoed(r.content, i, n) if form else r.content for r, (i, n) in zip(responses, cases)]
        ignored = {"date", "content-length"} if form else {"date"}
        first = responses[0]
        assert first.status_code == 200
        for r, body in zip(responses, bodies):
            assert r.status_code == first.status_code
            assert body == bodies[0]
            assert {k: v for k, v in r.headers.items() if k not in ignored} == \
                {k: v for k, v in first.headers.items() if k not in ignored}
        if not form:
            assert first.json()["found"] is False and first.json()["years"] == []


def test_protected_programmes_never_come_back(api, sample_db, sample_dataset, orphans):
    protected = {p.code for p in sample_dataset.policies if p.protected}
    assert protected  # the sample has them (孤儿, 事实无人抚养儿童, 艾滋病)
    orphan, _ = orphans[1] if len(orphans) > 1 else orphans[0]
    with api.client() as c:
        result = post(c, orphan.id18, orphan.name).json()
    assert result["found"] is False
    assert any("隐私" in n for n in result["notices"])
    con = sqlite3.connect(f"file:{sample_db}?mode=ro", uri=True)
    marks = ",".join("?" * len(protected))
    assert con.execute(f"SELECT count(*) FROM batches WHERE programme IN ({marks})", sorted(protected)).fetchone() == (0,)
    keys = {r.query_key for b in sample_dataset.batches if b.programme in protected for r in b.records}
    visible = {k for (k,) in con.execute("SELECT DISTINCT query_key FROM payments")}
    # A protected recipient may also be paid by a visible programme under the same key; the sample's are not.
    assert not keys & visible


def test_the_protected_sentence_is_on_every_result(api, dibao_people):
    person, _ = dibao_people[3]
    with api.client() as c:
        found = post(c, person.id18, person.name)
        html = post(c, person.id18, person.name, form=True)
    assert any("隐私" in n and "乡镇" in n for n in found.json()["notices"])
    assert "需要保护个人隐私的补贴项目" in html.text


@pytest.mark.parametrize("id_number, part", [
    ("41042119600101123", "位数"),
    ("4104211960010112345", "位数"),
    (fake_id("410421", "19600101", 123)[:-1] + ("0" if fake_id("410421", "19600101", 123)[-1] != "0" else "1"), "校验位"),
    (fake_id("410421", "19601301", 123), "出生日期"),
    (fake_id("410421", "19600230", 123), "出生日期"),
    (fake_id("990421", "19600101", 123), "地区码"),
    ("41042119600101A23X", "字符"),
    ("", "请填写"),
    ("   ", "请填写"),
])
def test_malformed_id_gets_a_clear_422(api, id_number, part):
    with api.client() as c:
        r = post(c, id_number, "张三")
    assert r.status_code == 422
    body = r.json()
    assert set(body) == {"code", "message", "request_id"}
    assert body["code"] in ("invalid_id_number", "invalid_request")
    assert "身份证号码" in body["message"] and part in body["message"]


def test_malformed_name_gets_a_422(api):
    with api.client() as c:
        r = post(c, fake_id("410421", "19600101", 123), "Zhang San")
    assert r.status_code == 422 and r.json()["code"] == "invalid_name" and "姓名" in r.json()["message"]


def test_form_errors_are_html_pages_with_the_same_status(api):
    with api.client() as c:
        r = post(c, "12345", "张三", form=True)
    assert r.status_code == 422
    assert r.headers["content-type"].startswith("text/html")
    assert "位数不对" in r.text and "../../chaxun/" in r.text
    # The form comes back filled, with the GOV.UK error pattern: summary, link, marked field, title.
    assert "<title>错误：" in r.text and "有以下问题" in r.text and 'href="#id_number"' in r.text
    assert 'value="12345"' in r.text and 'value="张三"' in r.text
    assert r.text.count('aria-invalid="true"') == 1
    assert '<link rel="icon" href="../../assets/images/favicon.png">' in r.text  # not a /favicon.ico 404
    assert r.headers["cache-control"] == "no-store"


def test_form_lists_every_problem_at_once(api):
    with api.client() as c:
        empty = c.post("/api/v1/lookup", data={"id_number": "", "name": ""})
        both = c.post("/api/v1/lookup", data={"id_number": "41042119600101", "name": "Zhang San"})
    for r in (empty, both):
        assert r.status_code == 422
        assert 'href="#id_number"' in r.text and 'href="#name"' in r.text
        assert r.text.count('aria-invalid="true"') == 2
    assert "请填写身份证号码" in empty.text and "请填写姓名" in empty.text
    assert 'value="Zhang San"' in both.text


def test_the_x_box_completes_seventeen_digits(api, dibao_people):
    """Phone keyboards with digits only: 17 digits and the 最后一位是 X box make the ID."""
    person = next((p for p, _ in dibao_people if p.id18.endswith("X")), None)
    if person is None:
        pytest.skip("no sample 低保 recipient has an ID ending in X")
    with api.client() as c:
        r = c.post("/api/v1/lookup", data={"id_number": person.id18[:17], "name": person.name, "id_x": "1"})
        without = c.post("/api/v1/lookup", data={"id_number": person.id18[:17], "name": person.name})
    assert r.status_code == 200 and "查询结果" in r.text and 'name="id_number"' not in r.text
    assert without.status_code == 422 and "位数不对" in without.text


def test_results_are_not_cached_and_carry_the_data_version(api, dibao_people, sample_db):
    person, _ = dibao_people[0]
    con = sqlite3.connect(f"file:{sample_db}?mode=ro", uri=True)
    meta = dict(con.execute("SELECT key, value FROM meta"))
    with api.client() as c:
        for r in (post(c, person.id18, person.name), post(c, person.id18, person.name, form=True),
                  post(c, "1", "张三")):
            assert r.headers["cache-control"] == "no-store"
            assert r.headers["x-data-version"].startswith(meta["commit"][:7])
            assert r.headers["x-content-type-options"] == "nosniff"
            assert "frame-ancestors 'none'" in r.headers["content-security-policy"]
        body = post(c, person.id18, person.name).json()
    assert body["data_version"]["commit"] == meta["commit"]
    assert body["data_version"]["built_at"] == meta["built_at"]


def test_no_measurable_timing_difference_between_the_miss_paths(sample_db, dibao_people):
    """Wrong name vs unknown ID vs no payments: the same work, so the same time (in-process, no network noise)."""
    import statistics
    import time

    from lookup_api.main import create_app
    from tests.helpers import LoopThread
    from tests.lookup_api.server import settings_for

    service = create_app(settings_for(sample_db, audit_log="-")).state.lookup
    person, _ = dibao_people[4]
    cases = [(person.id18, person.name[0] + "某某"), (fake_id("410421", "19600101", 777), person.name),
             (fake_id("410421", "19700101", 555), "李四")]
    times: dict[int, list[float]] = {0: [], 1: [], 2: []}
    loop = LoopThread()
    for _round in range(300):
        for i, (id_number, name) in enumerate(cases):
            t = time.perf_counter()
            result, _site = loop.run(service.lookup("192.0.2.1", id_number, name))
            times[i].append(time.perf_counter() - t)
            assert result["found"] is False
    loop.close()
    medians = [statistics.median(v) for v in times.values()]
    assert max(medians) - min(medians) < 0.25 * max(medians), medians
