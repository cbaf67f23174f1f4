"""The programme and period a raw export is for, proposed from its file name and contents and
data/policies.csv; the clerk confirms or changes them in the form."""

from __future__ import annotations

import io
import re
from collections import Counter
from dataclasses import dataclass
from itertools import islice
from pathlib import Path

from generator.ingest import COLUMN_ALIASES, REQUIRED
from generator.table import EXCEL_SUFFIXES, decode, open_table
from huinong_core.errors import ParseError
from huinong_core.models import Policy
from huinong_core.normalize import parse_date

#: How much of a file is read for the proposal: its head tells, the rest only costs time.
HEAD_BYTES = 64 << 10
HEAD_ROWS = 2000

_CN_DIGITS = {"一": "1", "二": "2", "三": "3", "四": "4"}
# Most specific first: a month or a quarter in the name says more than its year.
_PERIODS = (
    (re.compile(r"(20\d\d)\s*[年.\-_]?\s*第?([1-4一二三四])\s*季度"), lambda y, q: f"{y}Q{_CN_DIGITS.get(q, q)}"),
    (re.compile(r"(20\d\d)\s*[-_]?\s*[Qq]([1-4])"), lambda y, q: f"{y}Q{q}"),
    (re.compile(r"(20\d\d)\s*年?\s*([上下])半年"), lambda y, h: f"{y}H{1 if h == '上' else 2}"),
    (re.compile(r"(20\d\d)\s*[-_]?\s*[Hh]([12])"), lambda y, h: f"{y}H{h}"),
    (re.compile(r"(20\d\d)\s*(?:年\s*|[.\-_])(1[0-2]|0?[1-9])\s*月"), lambda y, m: f"{y}-{int(m):02d}"),
    (re.compile(r"(20\d\d)[.\-_](1[0-2]|0[1-9])(?!\d)"), lambda y, m: f"{y}-{m}"),
    (re.compile(r"(?<!\d)(20\d\d)(?!\d)"), lambda y: y),
)


@dataclass(frozen=True)
class Proposal:
    programme: str | None
    period: str | None
    why: tuple[str, ...]  # what each proposal was read from, for the clerk


def propose(name: str, data: bytes, policies: list[Policy]) -> Proposal:
    stem = Path(name).stem
    why = []
    period = _period_in(stem)
    if period:
        why.append(f"期号 {period}：文件名“{name}”")
    else:
        year = _payment_year(name, data)
        if year:
            period = str(year)
            why.append(f"期号 {period}：文件中的发放日期大多在{year}年")
    year = int(period[:4]) if period else None
    programme, found = _programme_in(stem, policies, year)
    if programme:
        why.append(f"项目 {programme}：文件名中有“{found}”")
    else:
        programme, found = _programme_in(_head_text(name, data), policies, year)
        if programme:
            why.append(f"项目 {programme}：文件内容中有“{found}”")
    return Proposal(programme, period, tuple(why))


def _period_in(text: str) -> str | None:
    for pattern, make in _PERIODS:
        m = pattern.search(text)
        if m:
            return make(*m.groups())
    return None


def _programme_in(text: str, policies: list[Policy], year: int | None) -> tuple[str | None, str]:
    """The programme whose code or name is in ``text`` (the longest match; None when two tie)."""
    best: dict[str, str] = {}
    for p in policies:
        if year is not None and not p.covers_year(year) and any(q.code == p.code and q.covers_year(year)
                                                                for q in policies):
            continue  # another row of the same programme is the one for that year
        for candidate in (p.code, p.name, p.card_name, p.short_name):
            if len(candidate) >= 2 and candidate in text and len(candidate) > len(best.get(p.code, "")):
                best[p.code] = candidate
    if not best:
        return None, ""
    ranked = sorted(best.items(), key=lambda kv: -len(kv[1]))
    if len(ranked) > 1 and len(ranked[0][1]) == len(ranked[1][1]):
        return None, ""
    return ranked[0]


def _head_text(name: str, data: bytes) -> str:
    """The first rows of the file as text, every column (a 项目名称 column is not kept by ingest)."""
    if Path(name).suffix.lower() in EXCEL_SUFFIXES:
        try:
            from openpyxl import load_workbook

            book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
            rows = islice(book.worksheets[0].iter_rows(values_only=True), 50)
            text = "\n".join(" ".join(str(v) for v in row if v is not None) for row in rows)
            book.close()
            return text
        except Exception:  # noqa: BLE001 - an unreadable file proposes nothing; the check says why
            return ""
    head = data[:HEAD_BYTES]
    for cut in range(4):  # the head may end inside a character
        try:
            return decode(head[:len(head) - cut])[0]
        except (ParseError, UnicodeDecodeError):
            continue
    return ""


def _payment_year(name: str, data: bytes) -> int | None:
    table, problems = open_table(Path(name), COLUMN_ALIASES, REQUIRED, name, data)
    if "发放日期" not in table.columns:
        return None
    years: Counter[int] = Counter()
    for _line, cells in islice(table.rows, HEAD_ROWS):
        try:
            years[parse_date(cells.get("发放日期", "")).year] += 1
        except ParseError:
            continue
    return years.most_common(1)[0][0] if years else None
