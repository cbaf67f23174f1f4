"""统计: small counts are suppressed, the rest add up."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace

from generator.site.stats import MIN_COUNT, Cell, bar_chart


def rec(person, amount="100", status="已发放", month=6):
    return SimpleNamespace(person_key=person, amount=Decimal(amount), status=status, date=dt.date(2025, month, 1))


def test_fewer_than_five_people_show_no_figures():
    cell = Cell()
    for i in range(MIN_COUNT - 1):
        cell.add(rec(f"p{i}"), months=(6,))
    row = cell.row()
    assert row["people"] == "少于5人" and row["amount"] == "—" and row["on_time"] == "—" and row["failed"] == "—"


def test_counts_people_once_and_rates():
    cell = Cell()
    for i in range(5):
        cell.add(rec(f"p{i}"), months=(6,))
        cell.add(rec(f"p{i}", month=9), months=(6,))  # same person again, late
    cell.add(rec("p0", status="发放失败"), months=(6,))
    row = cell.row()
    assert row["people"] == "5" and row["amount"] == "1,000.00"
    assert row["on_time"] == "50.0%" and row["failed"] == f"{100 / 11:.1f}%"


def test_chart_is_plain_svg_with_a_title():
    svg = bar_chart("金额", [("耕地地力", 10.0, "10.00"), ("农村低保", 5.0, "5.00")])
    assert svg.startswith("<svg") and "<title>金额</title>" in svg and "<script" not in svg
    assert svg.count("<rect") == 2
