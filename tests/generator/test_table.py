"""generator/table.py: exports and data files read row by row, each problem at file:line:col."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from generator.load import Collector, load_services
from generator.table import Row, numbered, open_table
from huinong_core.errors import ParseError, Problem

ALIASES = {"身份证号": ("身份证号", "证件号码"), "姓名": ("姓名", "户名"), "备注": ("备注",)}


def test_a_record_is_numbered_by_its_first_line():
    text = 'a,b\n1,"two\nlines"\n3,4\n'
    assert list(numbered(csv.reader(io.StringIO(text, newline="")))) == [
        (1, ["a", "b"]), (2, ["1", "two\nlines"]), (4, ["3", "4"])]


def test_open_table_maps_aliases_and_skips_blank_rows(tmp_path: Path):
    raw = tmp_path / "名单.csv"
    raw.write_bytes("户名,证件号码,电话\n张三,410421198001010011,13800000000\n,,\n李四,410421198001010022,\n".encode("gb18030"))
    table, problems = open_table(raw, ALIASES, ["身份证号"], "名单.csv")
    assert problems == [] and table.encoding == "GBK/GB18030"
    assert table.columns == {"姓名": 1, "身份证号": 2} and table.dropped == ["电话"]
    assert [(line, cells["姓名"]) for line, cells in table.rows] == [(2, "张三"), (4, "李四")]


def test_open_table_names_missing_and_repeated_columns(tmp_path: Path):
    raw = tmp_path / "名单.csv"
    raw.write_text("姓名,户名\n张三,张三\n", encoding="utf-8")
    _table, problems = open_table(raw, ALIASES, ["身份证号"], "名单.csv")
    assert problems == [Problem("名单.csv", 1, 2, "姓名", "列重复（第1列也是姓名）", "每列只出现一次"),
                        Problem("名单.csv", 1, 0, "身份证号", "缺少此列", "身份证号、证件号码等列名之一")]


def _digits(value: str) -> int:
    if not value.strip().isdigit():
        raise ParseError(f"不是数字（{value.strip()}）", "阿拉伯数字")
    return int(value)


def test_a_row_parses_each_cell_and_keeps_every_problem():
    row = Row("名单.csv", 7, {"数量": "１２", "年龄": "十二", "备注": " "}, {"数量": 2, "年龄": 3, "备注": 4})
    assert row.parse("数量", _digits) == 12  # full-width digits are parsed as they come: the parser decides
    assert row.parse("年龄", _digits) is None
    assert row.parse("备注", str, default="") == ""
    assert row.parse("姓名", str) is None  # required and absent
    row.add("村", "找不到村", column=9)
    assert row.problems == [Problem("名单.csv", 7, 3, "年龄", "不是数字（十二）", "阿拉伯数字"),
                            Problem("名单.csv", 7, 0, "姓名", "必填项为空"),
                            Problem("名单.csv", 7, 9, "村", "找不到村")]


def test_a_data_file_row_after_a_multiline_cell_is_reported_at_its_own_line(tmp_path: Path):
    path = tmp_path / "data" / "services.csv"
    path.parent.mkdir()
    path.write_text("名称,类型,区划代码,地址,电话,办公时间\n"
                    '窗口,乡镇便民服务窗口,410421100000,"一楼\n东侧",0375-6512345,周一至周五\n'
                    "网点,不存在的类型,410421100000,人民路1号,0375-6523456,周一至周日\n", encoding="utf-8")
    out = Collector(tmp_path)
    assert load_services(path, out) == []
    assert [(p.line, p.field, p.message) for p in out.problems] == [(2, "地址", "含有换行"), (4, "类型", "不是有效取值（不存在的类型）")]
