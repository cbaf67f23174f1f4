"""POST /api/v1/cases and the follow-up, over real HTTP, on SQLite and on PostgreSQL."""

from __future__ import annotations

import logging
import sqlite3

import pytest

from lookup_api.cases.auth import StaffUser
from tests.lookup_api.helpers import submit
from tests.lookup_api.server import settings_for

PHONE = "13912345678"
NAME = "李桂兰"


@pytest.fixture
def server(live, sample_db, cases_url):
    settings = settings_for(sample_db, cases_database_url=cases_url, cases_pow_bits=8,
                            rate_cases="1000/minute", rate_cases_nojs="1000/minute", rate_case_view="1000/minute",
                            rate_case_number="8/hour")
    with live(settings) as s:
        yield s


@pytest.fixture(scope="module")
def villages(sample_db):
    con = sqlite3.connect(sample_db)
    return [str(v) for (v,) in con.execute("SELECT village FROM places ORDER BY village")]


def staff(county="410421000000", departments=("*",)) -> StaffUser:
    return StaffUser(1, "tester", "测试", tuple(departments), (county,))


def test_submit_and_follow_up(server, villages):
    with server.client() as c:
        r = submit(c, villages[0], programme="NY001", phone=PHONE, name=NAME)
        assert r.status_code == 201, r.text
        made = r.json()
        assert made["status"] == "已受理" and made["department"].endswith("农业农村局")
        assert r.headers["cache-control"].startswith("no-store")
        # The code in a header (GET) or a JSON body (POST): the same view.
        by_header = c.get(f"/api/v1/cases/{made['number']}", headers={"X-Query-Code": made["query_code"]})
        by_body = c.post(f"/api/v1/cases/{made['number']}", json={"query_code": made["query_code"].lower()})
        assert by_header.status_code == by_body.status_code == 200
        view = by_header.json()
        assert view == by_body.json()
        assert view["status"] == "已受理" and view["steps"][0]["done"] and not view["steps"][1]["done"]
        assert view["programme"]["code"] == "NY001" and view["contact_left"] is True
        assert PHONE not in by_header.text and NAME not in by_header.text
        assert view["reply"] is None and view["can_rate"] is False


def test_wrong_code_reveals_nothing(server, villages):
    with server.client() as c:
        made = submit(c, villages[0]).json()
        number = made["number"]
        unknown = number[:-4] + "9999"
        answers = [
            c.get(f"/api/v1/cases/{number}", headers={"X-Query-Code": "ABCD-EFGH"}),
            c.get(f"/api/v1/cases/{unknown}", headers={"X-Query-Code": made["query_code"]}),
            c.get(f"/api/v1/cases/{number}"),  # no code
            c.get(f"/api/v1/cases/{number}", params={"query_code": made["query_code"]}),  # never read from the URL
            c.post(f"/api/v1/cases/{number}", json={"query_code": "WRONG123"}),
            c.get("/api/v1/cases/not-a-number", headers={"X-Query-Code": made["query_code"]}),
        ]
        for a in answers:
            assert a.status_code == 404
            body = a.json()
            assert body.pop("request_id")
            assert body == {"code": "case_not_found", "message": answers[0].json()["message"]}
            assert set(a.headers) == set(answers[0].headers)
        # Guessing codes for one 件号 runs into its own budget (8/hour here): past it, a proof-of-work.
        statuses = [c.get(f"/api/v1/cases/{number}", headers={"X-Query-Code": f"WRONG{i:03d}"}).status_code
                    for i in range(5)]
        assert statuses[-1] == 429
        past = c.get(f"/api/v1/cases/{number}", headers={"X-Query-Code": "X"}).json()
        assert past["code"] == "challenge_required" and "件号查询次数较多" in past["message"]


def test_rating_after_the_answer_once(server, villages):
    with server.client() as c:
        made = submit(c, villages[0]).json()
        number, code = made["number"], made["query_code"]
        early = c.post(f"/api/v1/cases/{number}/rating", json={"query_code": code, "rating": "满意"})
        assert early.status_code == 409 and "答复以后" in early.json()["message"]
        cases = server.server.config.app.state.cases.service
        cases.act(staff(), number, "受理")
        cases.act(staff(), number, "答复", "已核实：您家的补贴因银行卡号登记错误发放失败，更正后已于本月补发。")
        view = c.get(f"/api/v1/cases/{number}", headers={"X-Query-Code": code}).json()
        assert view["status"] == "已答复" and "已于本月补发" in view["reply"] and view["can_rate"]
        assert [s["done"] for s in view["steps"]] == [True, True, True, False]
        r = c.post(f"/api/v1/cases/{number}/rating", json={"query_code": code, "rating": "基本满意", "comment": "希望早点通知"})
        assert r.status_code == 200 and r.json()["rating"]["rating"] == "基本满意" and not r.json()["can_rate"]
        again = c.post(f"/api/v1/cases/{number}/rating", json={"query_code": code, "rating": "不满意"})
        assert again.status_code == 409
        bad = c.post(f"/api/v1/cases/{number}/rating", json={"query_code": "WRONGONE", "rating": "满意"})
        assert bad.status_code == 404


def test_clear_errors(server, villages, caplog, capsys):
    caplog.set_level("DEBUG")
    capsys.readouterr()
    _clear_errors(server, villages)
    # The audit lines go to stderr (LOOKUP_AUDIT_LOG=-), the rest through logging.
    log = "\n".join([*(f"{r.name} {r.getMessage()}" for r in caplog.records), capsys.readouterr().err])
    assert "case_submit" in log and "accepted_pow" in log
    for secret in (PHONE, NAME, "村干部", "高龄津贴"):
        assert secret not in log


def _clear_errors(server, villages):
    with server.client() as c:
        def message(r, status=422):
            assert r.status_code == status, r.text
            return r.json()["message"]

        assert "反映的内容" in message(submit(c, villages[0], content=""))
        assert "只有举报可以匿名" in message(submit(c, villages[0], kind="咨询", anonymous=True))
        assert "联系电话" in message(submit(c, villages[0], kind="上门服务"))
        assert "联系电话格式" in message(submit(c, villages[0], phone="12345"))
        assert "村（社区）" in message(submit(c, "410421999999"))
        assert "补贴项目" in message(submit(c, villages[0], programme="XX999"))
        assert "类型" in message(submit(c, villages[0], kind="表扬"))
        # The proof of work: missing, wrong, replayed; the sum instead.
        ch = c.get("/api/v1/cases/challenge").json()
        body = {"kind": "咨询", "village": villages[0], "content": "请问高龄津贴从几岁开始领？", "challenge": ch["challenge"]}
        assert "验证题" in message(c.post("/api/v1/cases", json=body))
        assert "答错" in message(c.post("/api/v1/cases", json={**body, "answer": "99"}))
        assert "失效" in message(c.post("/api/v1/cases", json={**body, "challenge": ch["challenge"][:-2] + "00",
                                                                "answer": "1"}))
        a, b = (int(x) for x in ch["question"].replace("等于几？", "").split(" 加 "))
        assert c.post("/api/v1/cases", json={**body, "answer": str(a + b)}).status_code == 201
        assert "已经提交过" in message(c.post("/api/v1/cases", json={**body, "answer": str(a + b)}))
        anonymous = submit(c, villages[0], kind="举报", anonymous=True, phone=PHONE,
                           content="村干部把别人的补贴打到自己亲戚的卡上。")
        assert anonymous.status_code == 201
        # Body size and media type.
        assert message(submit(c, villages[0], content="长" * 12000), 413)
        form = c.post("/api/v1/cases", data={"kind": "咨询"})  # a form post gets the error as a page
        assert form.status_code == 415 and "请用 JSON 提交" in form.text


def test_statistics_suppress_small_groups_and_hold_no_content(server, villages):
    with server.client() as c:
        for i in range(6):
            submit(c, villages[i % 3], kind="咨询", content=f"第{i}个问题：请问补贴标准是多少？")
        submit(c, villages[0], kind="举报", content="举报内容不应出现在统计里。")
        server.server.config.app.state.cases.service._stats_cache = None
        r = c.get("/api/v1/cases/stats")
        assert r.status_code == 200
        stats = r.json()
        by_kind = {row["label"]: row for row in stats["by_kind"]}
        assert by_kind["举报"] == {"label": "举报", "cases": None, "shown": "少于5件", "suppressed": True}
        # 咨询 (6) beside the total (7) would give 举报 away by subtraction: hidden too (issue 18).
        assert by_kind["咨询"] == {"label": "咨询", "cases": None, "shown": "不公开", "suppressed": True}
        assert stats["total"]["cases"] == 7 and stats["total"]["median_days_to_reply"] is None
        assert "问题" not in r.text and "举报内容" not in r.text


def test_an_unreachable_cases_database_is_a_503_logged_without_its_password(live, sample_db, villages, caplog):
    """The API answers the one error shape and logs why (for the operator), never the password."""
    url = "postgresql://huinong:s3cret-pw@127.0.0.1:1/cases"  # nothing listens on port 1
    settings = settings_for(sample_db, cases_database_url=url, cases_pow_bits=8)
    with caplog.at_level(logging.ERROR), live(settings) as s, s.client() as c:
        r = submit(c, villages[0])
    assert r.status_code == 503 and r.json()["code"] == "cases_unavailable", r.text
    logged = "\n".join(rec.getMessage() for rec in caplog.records)
    assert "cases database unavailable: OperationalError: " in logged
    assert "s3cret-pw" not in logged and "s3cret-pw" not in r.text
