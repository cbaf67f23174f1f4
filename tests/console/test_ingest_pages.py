"""Step 导入发放名单 over plain HTTP: proposals, the masked error table and its Excel file, the
cross-check report before anything is written, the confirm with its explicit choices, and no key."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from openpyxl import load_workbook

from generator.check import check
from generator.console.propose import propose
from generator.load import load
from generator.privacy import scan_bytes, scan_paths
from tests.console.helpers import (
    PLANTED, RAW_NAME, Running, csrf_of, fixed_rows, gbk, leaks, messy_rows, plaintexts, post, upload,
)
from tests.golden import TINY
from tests.helpers import independent_pii_scan


def uid_of(r) -> str:
    assert r.status_code == 303, r.text
    return r.headers["location"].split("/")[2]


def table_rows(html: str, cls: str) -> list[list[str]]:
    body = re.search(rf'<table class="{cls}">.*?<tbody>(.*?)</tbody>', html, re.S).group(1)
    return [[re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", row, re.S)]
            for row in re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S)]


def no_plaintext(text: str) -> None:
    assert leaks(text) == []
    assert list(scan_bytes(text.encode("utf-8"))) == []


# ---------------------------------------------------------------------- proposals


@pytest.mark.parametrize("name, programme, period", [
    ("宝丰县轮作休耕2024.csv", "NY004", "2024"),
    ("耕地地力保护补贴2025年第2季度.csv", "NY001", "2025Q2"),
    ("NY004-2025-03.csv", "NY004", "2025-03"),
    ("高龄津贴2025年上半年.csv", "MZ010", "2025H1"),
    ("导出.csv", None, "2025"),  # the year of the payment dates; no programme named
])
def test_programme_and_period_are_proposed_from_the_file(name, programme, period):
    policies = load(TINY / "data", payments=False).dataset.policies
    proposal = propose(name, gbk(fixed_rows()), policies)
    assert (proposal.programme, proposal.period) == (programme, period)
    assert len(proposal.why) == (programme is not None) + 1


def test_the_programme_may_come_from_the_contents():
    policies = load(TINY / "data", payments=False).dataset.policies
    data = ("补贴项目,姓名\r\n耕地轮作休耕补助,张三\r\n").encode("gbk")
    assert propose("导出.csv", data, policies).programme == "NY004"
    assert propose("耕地补助.csv", data, policies).why[0].startswith("项目 NY004：文件内容")


# ------------------------------------------------------------------ the whole step


def test_errors_then_report_then_ingest(console, repo: Path):
    with console.client() as c:
        r = upload(c, RAW_NAME, gbk(messy_rows()))
        uid = uid_of(r)
        confirm = c.get(r.headers["location"])
        assert confirm.status_code == 200
        assert '<option value="NY001" selected>' in confirm.text and 'value="2025"' in confirm.text
        assert "文件名中有“耕地地力保护补贴”" in confirm.text

        checked = c.get(f"/daoru/{uid}/jiancha", params={"programme": "NY001", "period": "2025"})
        assert checked.status_code == 422
        rows = table_rows(checked.text, "errors")
        assert {(int(r[0]), r[2]) for r in rows} == set(PLANTED)
        by_place = {(int(r[0]), r[2]): r for r in rows}
        assert re.fullmatch(r"\*{14}\w{4}", by_place[(3, "身份证号")][3])
        assert by_place[(4, "姓名")][3] == "欧***1"
        assert by_place[(4, "发放金额")][4] == "不是金额（abc）"
        assert by_place[(3, "身份证号")][1] == "5（E）"  # the column as Excel labels it
        no_plaintext(checked.text)
        assert not (repo / "data/payments/2025").exists()

        xlsx = c.get(f"/daoru/{uid}/cuowu.xlsx", params={"programme": "NY001", "period": "2025"})
        assert xlsx.status_code == 200 and "spreadsheetml" in xlsx.headers["content-type"]
        assert "filename*=UTF-8''" in xlsx.headers["content-disposition"]
        sheet = load_workbook(io.BytesIO(xlsx.content)).active
        values = [[str(v) if v is not None else "" for v in row] for row in sheet.iter_rows(values_only=True)]
        assert values[1] == ["行", "列", "字段", "原值（已打码）", "问题", "期望"]
        assert [row for row in values[2:]] == rows
        no_plaintext("\n".join("\t".join(r) for r in values))

        r = upload(c, RAW_NAME, gbk(fixed_rows()), previous=uid, programme="NY001", period="2025")
        fixed = uid_of(r)
        assert console.server.console.uploads.get(uid) is None  # the file with errors left memory
        assert "programme=NY001" in r.headers["location"]
        report = c.get(f"/daoru/{fixed}/jiancha", params={"programme": "NY001", "period": "2025"})
        assert report.status_code == 200, report.text
        counts = dict((k, int(n)) for k, n in table_rows(report.text, "counts"))
        # 王建国 twice on two cards: both rows in the file, and the second card against the 2024 batch
        assert counts["一人多卡"] == 3 and counts["重复发放"] == 2
        assert counts["金额与标准不符"] == 1 and counts["发放时间不符"] == 1
        assert "还没有写入任何文件" in report.text and "data/payments/2025/410421-NY001-2025/" in report.text
        assert "已经存在" not in report.text
        no_plaintext(report.text)
        assert not (repo / "data/payments/2025").exists()

        done = post(c, f"/daoru/{fixed}/queren", data={"csrf": csrf_of(report.text), "programme": "NY001",
                                                        "period": "2025"})
        assert done.status_code == 303 and done.headers["location"] == "/daoru/wancheng/410421-NY001-2025/"
        page = c.get(done.headers["location"])
        assert "已导入批次 410421-NY001-2025" in page.text and "7 条记录" in page.text
        assert console.server.console.uploads.get(fixed) is None
        assert c.get(f"/daoru/{fixed}/").status_code == 404  # gone from memory once ingested

    batch = repo / "data/payments/2025/410421-NY001-2025"
    assert (batch / "records.csv").read_text(encoding="utf-8").count("\n") == 8
    assert check(repo / "data")[1] == []
    assert scan_paths([repo / "data"]) == []
    blob = b"".join(f.read_bytes() for f in repo.rglob("*") if f.is_file() and ".git" not in f.parts)
    assert [v for v in plaintexts() if v.encode() in blob] == []
    assert (repo / "reports/410421-NY001-2025-核查报告.html").exists()  # as the CLI writes it (ignored by git)
    independent_pii_scan(repo / "data")


def test_an_existing_batch_is_replaced_only_when_chosen(console, repo: Path):
    rows = [dict(r, 发放日期="2024-05-20") for r in fixed_rows()]
    target = repo / "data/payments/2024/410421-NY001-2024/records.csv"
    before = target.read_bytes()
    with console.client() as c:
        uid = uid_of(upload(c, "ny001-2024.csv", gbk(rows)))
        report = c.get(f"/daoru/{uid}/jiancha", params={"programme": "NY001", "period": "2024"})
        assert "批次 410421-NY001-2024 已经存在" in report.text and 'name="replace"' in report.text
        form = {"csrf": csrf_of(report.text), "programme": "NY001", "period": "2024"}
        refused = post(c, f"/daoru/{uid}/queren", data=form)
        assert refused.status_code == 409 and "请勾选“替换已存在的批次”" in refused.text
        assert target.read_bytes() == before
        assert post(c, f"/daoru/{uid}/queren", data={**form, "replace": "1"}).status_code == 303
    assert target.read_bytes() != before and target.read_text(encoding="utf-8").count("\n") == 8


def test_bad_rows_are_skipped_only_when_chosen(console, repo: Path):
    with console.client() as c:
        uid = uid_of(upload(c, RAW_NAME, gbk(messy_rows())))
        errors = c.get(f"/daoru/{uid}/jiancha", params={"programme": "NY001", "period": "2025"})
        assert "跳过错误行" in errors.text and "这些人本期的发放记录不会公开" in errors.text
        report = c.get(f"/daoru/{uid}/jiancha", params={"programme": "NY001", "period": "2025", "skip_bad": "1"})
        assert report.status_code == 200
        assert {(int(r[0]), r[2]) for r in table_rows(report.text, "errors")} == set(PLANTED)
        assert 'name="skip_bad" value="1"' in report.text
        no_plaintext(report.text)
        done = post(c, f"/daoru/{uid}/queren", data={"csrf": csrf_of(report.text), "programme": "NY001",
                                                      "period": "2025", "skip_bad": "1"})
        assert done.status_code == 303
    records = (repo / "data/payments/2025/410421-NY001-2025/records.csv").read_text(encoding="utf-8")
    assert records.count("\n") == 2  # the one good row of six


def test_form_problems_are_shown_on_the_form(console):
    with console.client() as c:
        uid = uid_of(upload(c, RAW_NAME, gbk(fixed_rows())))
        r = c.get(f"/daoru/{uid}/jiancha", params={"programme": "NY001", "period": "2025年"})
        assert r.status_code == 422 and "期号：不是有效期号" in r.text and "<form" in r.text
        r = c.get(f"/daoru/{uid}/jiancha", params={"programme": "ZZ999", "period": "2025"})
        assert r.status_code == 422 and "项目ZZ999不在政策清单中" in r.text


def test_an_xlsx_export_is_read_in_memory(console, repo: Path):
    from openpyxl import Workbook

    from tests.golden import RAW_HEADER

    book = Workbook()
    book.active.append(list(RAW_HEADER))
    for row in fixed_rows():
        book.active.append([row.get(h, "") for h in RAW_HEADER])
    out = io.BytesIO()
    book.save(out)
    with console.client() as c:
        uid = uid_of(upload(c, "耕地地力2025.xlsx", out.getvalue()))
        report = c.get(f"/daoru/{uid}/jiancha", params={"programme": "NY001", "period": "2025"})
        assert report.status_code == 200 and "Excel（.xlsx" in report.text


def test_without_a_key_it_says_so_and_ingests_nothing(repo: Path):
    with Running(repo, env={}) as console, console.client() as c:
        home = c.get("/")
        assert "未找到密钥：现在不能导入" in home.text and "HUINONG_KEY_FILE" in home.text
        uid = uid_of(upload(c, RAW_NAME, gbk(fixed_rows())))
        r = c.get(f"/daoru/{uid}/jiancha", params={"programme": "NY001", "period": "2025"})
        assert r.status_code == 409 and "未找到密钥，不能核查和导入" in r.text
        r = post(c, f"/daoru/{uid}/queren", data={"csrf": csrf_of(c.get("/daoru/").text), "programme": "NY001",
                                                      "period": "2025"})
        assert r.status_code == 409 and "未找到密钥" in r.text
    assert not (repo / "data/payments/2025").exists()


def test_an_empty_upload_is_explained(console):
    with console.client() as c:
        r = upload(c, "空.csv", b"")
        assert r.status_code == 400 and "没有选择文件，或文件是空的" in r.text
        assert c.get("/daoru/nosuchupload/").status_code == 404


def test_an_upload_stays_in_memory(console, monkeypatch):
    """Starlette spools a file part over 1 MB to a temporary file; the console's parser must not."""
    import starlette.formparsers

    rolled = []

    class Watched(starlette.formparsers.SpooledTemporaryFile):
        def rollover(self):
            rolled.append(self._max_size)
            super().rollover()

    monkeypatch.setattr(starlette.formparsers, "SpooledTemporaryFile", Watched)
    big = gbk(fixed_rows()) + b"\r\n" * 600_000  # blank rows: skipped by the reader
    assert len(big) > 1 << 20
    with console.client() as c:
        uid = uid_of(upload(c, RAW_NAME, big))
        assert console.server.console.uploads.get(uid).data == big
        assert c.get(f"/daoru/{uid}/jiancha", params={"programme": "NY001", "period": "2025"}).status_code == 200
    assert rolled == []


def test_an_upload_over_the_limit_is_refused(console, monkeypatch):
    monkeypatch.setattr("generator.console.ingest_pages.MAX_UPLOAD", 1000)
    with console.client() as c:
        r = upload(c, RAW_NAME, b"x" * 200_000)
        assert r.status_code == 413 and "文件太大" in r.text
        assert not console.server.console.uploads._items
