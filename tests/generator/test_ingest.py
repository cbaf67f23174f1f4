"""ingest: messy raw exports in, pseudonymized batches out, nothing plaintext left behind."""

from __future__ import annotations

import csv
import subprocess
import sys
from pathlib import Path

import pytest

from generator.ingest import History, UnusableDataDir, ingest, ingest_into
from generator.load import load
from generator.privacy import scan_paths
from generator.check import check
from huinong_core.errors import DataError
from huinong_core.keys import load_key
from tests.golden import DEMO_ENV, TINY_PEOPLE, FakePerson, fake_card, fake_id, person_row, raw_csv

P = TINY_PEOPLE
KEYER = load_key(DEMO_ENV)


def run(data: Path, content: bytes | str, programme="NY001", period="2025", encoding="utf-8", name="raw.csv", **kw):
    raw = data.parent / name
    raw.write_bytes(content if isinstance(content, bytes) else content.encode(encoding))
    if "history" in kw:
        return ingest(raw, programme, period, load(data).dataset, KEYER, data_dir=data, shown_path=name, **kw)
    return ingest_into(data, raw, programme, period, KEYER, shown_path=name, **kw)


def test_refuses_a_data_dir_without_its_base_files(tiny, tmp_path):
    (tiny / "policies.csv").unlink()
    raw = tmp_path / "raw.csv"
    raw.write_text(raw_csv(ok_rows()), encoding="utf-8")
    with pytest.raises(UnusableDataDir) as e:
        ingest_into(tiny, raw, "NY001", "2025", KEYER)
    assert any("policies.csv" in str(p) for p in e.value.problems)
    assert not list((tiny / "payments").rglob("*2025*")), "nothing written"


def records(result) -> list[dict]:
    with open(result.batch_dir / "records.csv", encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def ok_rows(**over):
    return [person_row(p, 发放日期="2025-05-20", **over) for p in P]


def errors_of(excinfo) -> list[str]:
    return [str(p) for p in excinfo.value.problems]


# ------------------------------------------------------------ happy path


def test_batch_is_written_and_passes_check(tiny: Path):
    result = run(tiny, raw_csv(ok_rows()))
    assert result.batch_id == "410421-NY001-2025"
    assert result.batch_dir == tiny / "payments/2025/410421-NY001-2025"
    rows = records(result)
    assert [r["姓名"] for r in rows] == ["王*国", "李*英", "欧**明", "张*", "买****力"]
    assert [r["卡号尾号"] for r in rows] == [p.card[-4:] for p in P]
    assert rows[0]["查询键"] == KEYER.query_key(P[0].id18, P[0].name)
    assert rows[0]["人员键"] == KEYER.person_key(P[0].id18)
    assert rows[0]["卡键"] == KEYER.card_key(P[0].card)
    assert check(tiny)[1] == []


def test_no_plaintext_reaches_data(tiny: Path):
    """IDs, cards, phones and full names of the raw file appear nowhere in data/."""
    run(tiny, raw_csv(ok_rows()), report_dir=tiny.parent / "reports")
    assert scan_paths([tiny]) == []
    blob = b"".join(f.read_bytes() for f in tiny.rglob("*") if f.is_file())
    for p in P:
        for value in (p.id18, p.card, p.name, p.id18[6:14]):
            assert value.encode() not in blob
    assert b"13812345678" not in blob


def test_report_is_masked_and_outside_data(tiny: Path):
    reports = tiny.parent / "reports"
    result = run(tiny, raw_csv(ok_rows()), report_dir=reports)
    html_path, csv_path = result.report
    assert html_path.parent == reports and csv_path.exists()
    text = html_path.read_text(encoding="utf-8") + csv_path.read_text(encoding="utf-8-sig")
    assert "不得公开" in text
    assert scan_paths([reports]) == []
    for p in P:
        assert p.id18 not in text and p.card not in text and p.name not in text


def test_refuses_to_overwrite_without_replace(tiny: Path):
    run(tiny, raw_csv(ok_rows()))
    with pytest.raises(DataError) as e:
        run(tiny, raw_csv(ok_rows()))
    assert "已存在" in errors_of(e)[0]
    result = run(tiny, raw_csv(ok_rows()[:2]), replace=True)
    assert len(records(result)) == 2


# -------------------------------------------------------------- encodings


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030"])
def test_encodings(tiny: Path, encoding: str):
    rows = ok_rows()
    if encoding == "gbk":  # GBK has no 𠮷: a real GBK export cannot hold that name
        rows = rows[:3] + rows[4:]
    result = run(tiny, raw_csv(rows), encoding=encoding)
    assert result.records == len(rows)
    assert records(result)[0]["查询键"] == KEYER.query_key(P[0].id18, P[0].name)


def test_rare_character_survives_gb18030(tiny: Path):
    result = run(tiny, raw_csv(ok_rows()), encoding="gb18030")
    assert records(result)[3]["查询键"] == KEYER.query_key(P[3].id18, "张𠮷")


def test_tab_separated_utf16_from_excel(tiny: Path):
    text = raw_csv(ok_rows()).replace(",", "\t")
    result = run(tiny, text.encode("utf-16"))
    assert result.records == 5


# ------------------------------------------------------- messy cell values


def test_fullwidth_lowercase_x_and_spaces(tiny: Path):
    x_person = FakePerson(next(i for s in range(1000) if (i := fake_id("410421", "19600101", s)).endswith("X")),
                          "赵大海", fake_card(9), "中国农业银行", "410421100201")
    full = str.maketrans("0123456789", "０１２３４５６７８９")
    rows = [
        person_row(P[0], 身份证号码=P[0].id18.translate(full), 社保卡号=" ".join([P[0].card[:6], P[0].card[6:]])),
        person_row(x_person, 身份证号码=x_person.id18[:-1] + "x", 发放金额="３６７.５０"),
        person_row(P[1], 身份证号码=P[1].id18[:6] + " " + P[1].id18[6:], 发放数量="２", 发放金额="210"),
    ]
    result = run(tiny, raw_csv(rows), period="2025")
    got = [r["查询键"] for r in records(result)]
    assert got == [KEYER.query_key(P[0].id18, P[0].name), KEYER.query_key(x_person.id18, "赵大海"),
                   KEYER.query_key(P[1].id18, P[1].name)]


def test_legacy_15_digit_id_is_upgraded(tiny: Path):
    legacy = P[0].id18[:6] + P[0].id18[8:17]
    result = run(tiny, raw_csv([person_row(P[0], 身份证号码=legacy)]))
    assert records(result)[0]["人员键"] == KEYER.person_key(P[0].id18)


@pytest.mark.parametrize("raw_id, message", [
    ("4.10423E+17", "科学计数法"),
    ("410421195803120212", "校验位错误"),
    ("410421195802300210", "出生日期不存在"),
    ("990421195803120210", None),  # prefix 990421 exists nowhere; check digit made valid below
])
def test_bad_ids_are_rejected_with_place(tiny: Path, raw_id: str, message: str | None):
    if message is None:
        raw_id = fake_id("990421", "19580312", 21)
        message = "地区码990421不存在"
    with pytest.raises(DataError) as e:
        run(tiny, raw_csv([person_row(P[1]), person_row(P[0], 身份证号码=raw_id)]))
    assert errors_of(e) == [e.value.problems[0].__str__()]
    problem = e.value.problems[0]
    assert (problem.path, problem.line, problem.column, problem.field) == ("raw.csv", 3, 5, "身份证号")
    assert message in problem.message
    assert not (tiny / "payments/2025").exists()


@pytest.mark.parametrize("raw, expected", [
    ("1,234.50", "1234.50"), ("￥86.9", "86.90"), ("86.9元", "86.90"), ("367.5", "367.50"),
])
def test_amount_formats(tiny: Path, raw: str, expected: str):
    result = run(tiny, raw_csv([person_row(P[0], 发放金额=raw, 补贴标准="")]))
    assert records(result)[0]["发放金额"] == expected


@pytest.mark.parametrize("raw, message", [("-367.50", "负数"), ("0", "金额为0"), ("0.00", "金额为0"), ("三百", "不是金额")])
def test_bad_amounts(tiny: Path, raw: str, message: str):
    with pytest.raises(DataError) as e:
        run(tiny, raw_csv([person_row(P[0], 发放金额=raw)]))
    assert message in e.value.problems[0].message
    assert e.value.problems[0].field == "发放金额"


@pytest.mark.parametrize("raw", ["2025-06-03", "2025/6/3", "2025年6月3日", "20250603", "2025.6.3", "2025-06-03 00:00:00"])
def test_date_formats(tiny: Path, raw: str):
    result = run(tiny, raw_csv([person_row(P[0], 发放日期=raw)]))
    assert records(result)[0]["发放日期"] == "2025-06-03"


@pytest.mark.parametrize("dot", ["·", "•", "・", "‧", "･"])
def test_middle_dot_variants_give_one_key(tiny: Path, dot: str):
    result = run(tiny, raw_csv([person_row(P[4], 姓名="买买提" + dot + "艾力")]))
    assert records(result)[0]["查询键"] == KEYER.query_key(P[4].id18, "买买提·艾力")


# ------------------------------------------------------------- columns


def test_columns_in_any_order_with_other_names_and_extras(tiny: Path):
    header = ("联系电话", "实发金额", "公民身份号码", "户主姓名", "备注", "银行账号", "开户行", "区划代码", "标准", "面积", "到账日期")
    rows = [{"联系电话": "13912345678", "实发金额": "367.50", "公民身份号码": P[0].id18, "户主姓名": P[0].name,
             "备注": "无", "银行账号": P[0].card, "开户行": P[0].bank, "区划代码": P[0].village, "标准": "105",
             "面积": "3.5", "到账日期": "2025-05-20"}]
    result = run(tiny, raw_csv(rows, header=header))
    assert result.dropped_columns == ["联系电话", "备注"]
    row = records(result)[0]
    assert row["区划代码"] == P[0].village and row["发放状态"] == "已发放"
    assert "13912345678" not in (result.batch_dir / "records.csv").read_text(encoding="utf-8")


def test_village_by_names_or_code_is_the_same(tiny: Path):
    by_name = run(tiny, raw_csv([person_row(P[2], 村="张庄村委会")]), name="a.csv")
    header = ("区划代码", "姓名", "身份证号", "卡号", "开户银行", "发放金额", "发放日期")
    by_code = run(tiny, raw_csv([{"区划代码": P[2].village, "姓名": P[2].name, "身份证号": P[2].id18, "卡号": P[2].card,
                                  "开户银行": P[2].bank, "发放金额": "367.50", "发放日期": "2025-05-20"}], header=header),
                  period="2025-B01", name="b.csv", history=History())
    assert records(by_name)[0]["区划代码"] == records(by_code)[0]["区划代码"] == P[2].village


def test_unknown_village_name(tiny: Path):
    with pytest.raises(DataError) as e:
        run(tiny, raw_csv([person_row(P[0], 村="不存在村")]))
    assert str(e.value.problems[0]) == "raw.csv:2:3: 村: 城关镇下找不到“不存在村”（期望该乡镇下的村（社区）名称）"


def test_missing_columns_are_listed_together(tiny: Path):
    with pytest.raises(DataError) as e:
        run(tiny, "姓名,金额\n王建国,1\n")
    assert sorted(p.field for p in e.value.problems) == sorted(["身份证号", "卡号", "开户银行", "发放日期", "区划代码"])


def test_all_errors_at_once_and_skip_bad(tiny: Path):
    rows = ok_rows()
    rows[1]["身份证号码"] = "4.10423E+17"
    rows[3]["发放金额"] = "-1"
    rows[4]["发放日期"] = "去年"
    with pytest.raises(DataError) as e:
        run(tiny, raw_csv(rows))
    assert [(p.line, p.field) for p in e.value.problems] == [(3, "身份证号"), (5, "发放金额"), (6, "发放日期")]
    assert not (tiny / "payments/2025").exists()
    result = run(tiny, raw_csv(rows), skip_bad=True)
    assert result.records == 2 and len(result.skipped) == 3
    assert check(tiny)[1] == []


def test_rows_from_two_counties_are_refused(tiny: Path):
    other = FakePerson(fake_id("410425", "19700101", 11), "孙红", fake_card(7), "郏县农商银行", "410425101201")
    with pytest.raises(DataError) as e:
        run(tiny, raw_csv([person_row(P[0]), person_row(other)]))
    assert "一个批次只能属于一个县" in e.value.problems[-1].message


def test_failed_payment_needs_a_reason(tiny: Path):
    with pytest.raises(DataError) as e:
        run(tiny, raw_csv([person_row(P[0], 发放状态="失败")]))
    assert e.value.problems[0].field == "失败原因"


# ------------------------------------------------------------ cross-check


def test_cross_check_finds_each_planted_case(tiny: Path):
    rows = [
        person_row(P[0], 发放日期="2025-05-20"),
        person_row(P[0], 姓名="王建军", 发放日期="2025-05-20"),             # same ID, other name; paid twice
        person_row(P[1], 社保卡号=fake_card(99), 发放日期="2025-05-21"),   # a card not used before
        person_row(P[3], 发放金额="999.00", 发放日期="2025-05-21"),         # 105 × 3.5 ≠ 999
        person_row(P[4], 发放日期="2025-08-01"),                           # NY001 pays in 5-6月
    ]
    result = run(tiny, raw_csv(rows), report_dir=tiny.parent / "reports")
    found = {(c.kind, c.line) for c in result.checks}
    assert ("同一身份证号不同姓名", 2) in found and ("同一身份证号不同姓名", 3) in found
    assert ("重复发放", 2) in found and ("重复发放", 3) in found
    assert ("一人多卡", 4) in found
    assert ("金额与标准不符", 5) in found
    assert ("发放时间不符", 6) in found
    assert {k for k, _ in found} == {"同一身份证号不同姓名", "重复发放", "一人多卡", "金额与标准不符", "发放时间不符"}


def test_cross_check_against_earlier_batches(tiny: Path):
    """The 2024 batch paid P[0] in 宝丰县; paying the same person the same period in 郏县 is flagged."""
    result = run(tiny, raw_csv([person_row(P[0], 发放日期="2024-05-25")]), period="2024-B01")
    assert [c.kind for c in result.checks] == []
    moved = FakePerson(P[0].id18, "王建军", P[0].card, P[0].bank, "410425101201")
    again = run(tiny, raw_csv([person_row(moved)]), period="2024",
                history=History.from_batches(load(tiny).dataset.batches))
    assert again.batch_id == "410425-NY001-2024"
    assert {c.kind for c in again.checks} == {"同一身份证号不同姓名", "重复发放"}
    assert any("410421-NY001-2024" in c.detail for c in again.checks)


def test_replacing_a_batch_is_not_a_duplicate_of_itself(tiny: Path):
    """Correcting a published batch (--replace) compares against the others, not its old self."""
    result = run(tiny, raw_csv(ok_rows()[:3] + [person_row(P[0], 发放日期="2024-05-21")]), period="2024", replace=True)
    assert [(c.kind, c.line) for c in result.checks] == [("重复发放", 2), ("重复发放", 5)]


def test_programme_not_applicable(tiny: Path):
    other = FakePerson(fake_id("410425", "19700101", 11), "孙红", fake_card(7), "郏县农商银行", "410425101201")
    result = run(tiny, raw_csv([person_row(other, 发放日期="2025-09-20", 补贴标准="150", 发放金额="525")]),
                 programme="NY004")
    assert [c.kind for c in result.checks] == ["项目不适用"]
    # ... and check blocks publishing it
    assert any("不适用" in p.message for p in check(tiny)[1])


# ------------------------------------------------------------------ CLI


def test_cli_refuses_without_key(tiny: Path, monkeypatch):
    raw = tiny.parent / "raw.csv"
    raw.write_text(raw_csv(ok_rows()), encoding="utf-8")
    env = {k: v for k, v in __import__("os").environ.items() if not k.startswith("HUINONG")}
    proc = subprocess.run([sys.executable, "-m", "generator", "ingest", str(raw), "--programme", "NY001",
                           "--period", "2025", "--data", str(tiny)], capture_output=True, text=True, env=env)
    assert proc.returncode == 2
    assert "未设置密钥" in proc.stderr
    assert not (tiny / "payments/2025").exists()


def test_cli_refuses_a_data_dir_without_its_base_files(tiny: Path):
    (tiny / "regions.csv").unlink()
    raw = tiny.parent / "raw.csv"
    raw.write_text(raw_csv(ok_rows()), encoding="utf-8")
    env = {k: v for k, v in __import__("os").environ.items() if not k.startswith("HUINONG")} | DEMO_ENV
    proc = subprocess.run([sys.executable, "-m", "generator", "ingest", str(raw), "--programme", "NY001",
                           "--period", "2025", "--data", str(tiny)], capture_output=True, text=True, env=env)
    assert proc.returncode == 1, proc.stderr
    assert "regions.csv" in proc.stderr
    assert proc.stderr.rstrip().endswith("数据目录有错误，无法导入；请先运行 check 修正。")


def test_cli_reports_bad_rows_without_echoing_numbers(tiny: Path):
    rows = ok_rows()
    rows[0]["身份证号码"] = P[0].id18[:-1] + ("0" if P[0].id18[-1] != "0" else "1")
    raw = tiny.parent / "raw.csv"
    raw.write_text(raw_csv(rows), encoding="utf-8")
    env = {k: v for k, v in __import__("os").environ.items() if not k.startswith("HUINONG")} | DEMO_ENV
    proc = subprocess.run([sys.executable, "-m", "generator", "ingest", str(raw), "--programme", "NY001",
                           "--period", "2025", "--data", str(tiny), "--report-dir", str(tiny.parent / "r")],
                          capture_output=True, text=True, env=env)
    assert proc.returncode == 1
    assert f"{raw}:2:5: 身份证号: 校验位错误" in proc.stderr
    assert "未写入任何文件" in proc.stderr
    for p in P:
        assert p.id18[:17] not in proc.stdout + proc.stderr and p.card not in proc.stdout + proc.stderr


# ------------------------------------------------------------ Excel exports


def _xlsx(path: Path, header: list[str], rows: list[list]) -> Path:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    book.create_sheet("说明").append(["第二个工作表不读"])
    book.save(path)
    return path


def _excel_rows(ids_as_numbers: bool = False) -> tuple[list[str], list[list]]:
    """ok_rows() as a spreadsheet holds them: amounts and quantities as numbers, dates as dates."""
    import datetime as dt

    from tests.golden import RAW_HEADER

    out = []
    for i, row in enumerate(ok_rows(), 1):
        cells = []
        for h in RAW_HEADER:
            v = row.get(h, str(i) if h == "序号" else "")
            if h in ("发放数量", "补贴标准", "发放金额", "序号"):
                v = float(v) if "." in v else int(v)
            elif h == "发放日期":
                v = dt.datetime.fromisoformat(v)
            elif h == "身份证号码" and ids_as_numbers and v[-1] != "X":
                v = int(v)
            cells.append(v)
        out.append(cells)
    return list(RAW_HEADER), out


def test_an_xlsx_export_gives_the_batch_its_csv_gives(tiny: Path, tmp_path: Path):
    header, rows = _excel_rows()
    from_csv = records(run(tiny, raw_csv(ok_rows())))
    raw = _xlsx(tiny.parent / "raw.xlsx", header, rows)
    loaded = load(tiny)
    result = ingest(raw, "NY001", "2025", loaded.dataset, KEYER, data_dir=tiny, shown_path="raw.xlsx", replace=True,
                    history=History.from_batches(loaded.dataset.batches))
    assert records(result) == from_csv and result.records == 5


def test_ids_typed_as_numbers_in_excel_are_refused_with_the_row(tiny: Path):
    header, rows = _excel_rows(ids_as_numbers=True)
    raw = _xlsx(tiny.parent / "raw.xlsx", header, rows)
    loaded = load(tiny)
    with pytest.raises(DataError) as e:
        ingest(raw, "NY001", "2025", loaded.dataset, KEYER, data_dir=tiny, shown_path="raw.xlsx",
               history=History.from_batches(loaded.dataset.batches))
    shown = errors_of(e)
    col = header.index("身份证号码") + 1
    numeric = [i for i, p in enumerate(P, 2) if not p.id18.endswith("X")]
    assert numeric and all(any(s.startswith(f"raw.xlsx:{line}:{col}") and "科学计数法" in s for s in shown)
                           for line in numeric), shown
    assert not any(p.id18 in " ".join(shown) or p.id18[:15] in " ".join(shown) for p in P)


@pytest.mark.parametrize("name, message", [("raw.xls", "旧版 Excel"), ("raw.xlsx", "无法读取 Excel 文件")])
def test_old_or_broken_spreadsheets_are_refused_clearly(tiny: Path, name: str, message: str):
    with pytest.raises(DataError) as e:
        run(tiny, b"\xd0\xcf\x11\xe0 not a workbook", name=name)
    assert any(s.startswith(f"{name}:1:") and message in s for s in errors_of(e)), errors_of(e)
