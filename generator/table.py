"""Tables read row by row, every problem at file:line:col.

Raw exports (payments from the 一卡通 system: ``ingest``; other departments' lists:
``reference``) come as CSV in any common encoding, tab- or comma-separated, or as .xlsx,
their columns named as each system names them: ``open_table`` decodes one, maps its header
through aliases and streams its rows.  ``Row`` parses the cells of one row with the caller's
own rules, each failure a ``Problem`` at the cell's line and column.  ``numbered`` gives the
first line of each CSV record (a quoted cell may span lines), for exports and data files alike.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import charset_normalizer

from huinong_core.errors import ParseError, Problem
from huinong_core.normalize import compact, halfwidth


def numbered(reader) -> Iterator[tuple[int, list[str]]]:
    """(first line, cells) of each record of a ``csv.reader``."""
    line = 0
    for cells in reader:
        start, line = line + 1, reader.line_num
        yield start, cells


def _header_key(text: str) -> str:
    return compact(text).replace("（", "(").replace("）", ")")


def decode(data: bytes) -> tuple[str, str]:
    """Bytes of a raw export → text and the encoding used."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8"), "UTF-8（带BOM）"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16"), "UTF-16"
    try:
        return data.decode("utf-8"), "UTF-8"
    except UnicodeDecodeError:
        pass
    try:
        # GB18030 is a superset of GBK and GB2312: one decoder for all three.
        return data.decode("gb18030"), "GBK/GB18030"
    except UnicodeDecodeError:
        pass
    best = charset_normalizer.from_bytes(data).best()
    if best is None:
        raise ParseError("无法识别文件编码", "UTF-8、GBK 或 GB18030 编码的CSV文件")
    return str(best), best.encoding


@dataclass
class Table:
    """The header of a messy export and an iterator over its rows (streamed, never all in memory)."""

    path: str
    encoding: str
    columns: dict[str, int]  # canonical name -> 1-based column number
    dropped: list[str]
    rows: Iterator[tuple[int, dict[str, str]]]  # (first line of the row, canonical cells)
    has_header: bool = True


def open_table(path: Path, aliases: dict[str, tuple[str, ...]], required: Iterable[str],
               shown: str | None = None, data: bytes | None = None) -> tuple[Table, list[Problem]]:
    """Decode a raw export, map its header through ``aliases``; check the ``required`` columns.

    Shared by payment ingest and reference-list ingest.  Rows come lazily: a
    list of a million rows is not turned into a million dicts at once.  ``data``: the file's
    bytes, already in memory (the console's upload, never written to disk); ``path`` then only
    names it (its suffix says CSV or Excel).
    """
    shown = shown or str(path)
    problems: list[Problem] = []
    lookup = {_header_key(alias): canon for canon, names in aliases.items() for alias in names}
    empty = Table(shown, "?", {}, [], iter(()), has_header=False)
    try:
        records, encoding = (_xlsx_records(path, data) if path.suffix.lower() in EXCEL_SUFFIXES
                             else _csv_records(path, data))
    except ParseError as e:
        return empty, [Problem(shown, 1, 0, "文件" if path.suffix.lower().startswith(".xls") else "编码",
                               e.message, e.expected)]
    empty.encoding = encoding
    try:
        _first, header = next(records)
    except StopIteration:
        return empty, [Problem(shown, 1, 0, "表头", "文件为空", "第一行为表头")]
    columns: dict[str, int] = {}
    dropped = []
    for i, h in enumerate(header):
        canon = lookup.get(_header_key(h))
        if canon is None:
            if h.strip():
                dropped.append(h.strip())
            continue
        if canon in columns:
            problems.append(Problem(shown, 1, i + 1, canon, f"列重复（第{columns[canon] + 1}列也是{canon}）", "每列只出现一次"))
            continue
        columns[canon] = i
    for canon in required:
        if canon not in columns:
            problems.append(Problem(shown, 1, 0, canon, "缺少此列", "、".join(aliases[canon][:4]) + "等列名之一"))

    def rows() -> Iterator[tuple[int, dict[str, str]]]:
        for start, cells in records:
            if not any(c.strip() for c in cells):
                continue
            yield start, {canon: (cells[i] if i < len(cells) else "") for canon, i in columns.items()}

    table = Table(shown, encoding, {canon: i + 1 for canon, i in columns.items()}, dropped, rows())
    return table, problems


#: Spreadsheets read as they are (the first sheet): staff get exports as .xlsx as often as CSV.
EXCEL_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".et")


def _csv_records(path: Path, data: bytes | None = None) -> tuple[Iterator[tuple[int, list[str]]], str]:
    """(first line of each record, its cells) of a CSV or tab-separated export, and its encoding."""
    text, encoding = decode(path.read_bytes() if data is None else data)
    first = text.split("\n", 1)[0]
    delimiter = "\t" if first.count("\t") > first.count(",") else ","
    return numbered(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)), encoding


def _xlsx_records(path: Path, data: bytes | None = None) -> tuple[Iterator[tuple[int, list[str]]], str]:
    """(row number as Excel shows it, cells as text) of the first sheet of an .xlsx export."""
    import zipfile

    from openpyxl import load_workbook

    if path.suffix.lower() in (".xls", ".et"):
        raise ParseError("不支持旧版 Excel（.xls）或 WPS 表格（.et）文件",
                         "在 Excel 或 WPS 中“另存为”.xlsx 或 CSV（UTF-8）后再导入")
    try:
        book = load_workbook(path if data is None else io.BytesIO(data), read_only=True, data_only=True)
    except (OSError, zipfile.BadZipFile, KeyError, ValueError) as e:
        raise ParseError(f"无法读取 Excel 文件（{type(e).__name__}）", "用 Excel 或 WPS 打开后另存为 .xlsx 或 CSV") from None
    sheet = book.worksheets[0]

    def records() -> Iterator[tuple[int, list[str]]]:
        try:
            for number, row in enumerate(sheet.iter_rows(values_only=True), start=1):
                yield number, [_cell_text(v) for v in row]
        finally:
            book.close()

    return records(), "Excel（.xlsx，第一个工作表）"


def _cell_text(value) -> str:
    """A spreadsheet cell as the text an export would have.  A number of 16 or more digits (an ID
    or card number typed into a number cell) has lost its last digits in Excel: it comes out as
    Excel shows it (4.10421198503071E+17), which the ID and card parsers explain."""
    import datetime as _dt

    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, int):
        return str(value) if abs(value) < 10**15 else format(float(value), ".15g").upper()
    if isinstance(value, float):
        if abs(value) >= 1e15:
            return format(value, ".15g").upper()
        return str(int(value)) if value.is_integer() else format(value, ".15g")
    if isinstance(value, _dt.datetime):
        return value.date().isoformat() if value.time() == _dt.time() else value.isoformat(sep=" ")
    if isinstance(value, _dt.date):
        return value.isoformat()
    return str(value)


@dataclass
class Row:
    """One row of a table: its cells parsed one by one, each failure a problem at its line and column."""

    path: str
    line: int
    cells: dict[str, str]
    columns: dict[str, int]  # canonical name -> 1-based column number
    problems: list[Problem] = field(default_factory=list)

    def add(self, name: str, message: str, expected: str = "", *, column: int | None = None) -> None:
        column = self.columns.get(name, 0) if column is None else column
        self.problems.append(Problem(self.path, self.line, column, name, message, expected))

    def parse(self, name: str, parser: Callable[[str], Any], default: Any = None) -> Any:
        """The cell ``name`` parsed; ``default`` when it is empty (None: required, so a problem)."""
        value = self.cells.get(name, "")
        if not halfwidth(value):
            if default is None:
                self.add(name, "必填项为空")
            return default
        try:
            return parser(value)
        except ParseError as e:
            self.add(name, e.message, e.expected)
            return None
