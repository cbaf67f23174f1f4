"""The errors of a raw export as the clerk sees them: a table (行, 列, 字段, 原值, 问题, 期望) with
every raw value masked, on the page and as an Excel file to fix the export by."""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

from generator.ingest import read_export
from generator.mask import mask_cell, mask_text
from huinong_core.errors import Problem

HEADER = ("行", "列", "字段", "原值（已打码）", "问题", "期望")


@dataclass(frozen=True)
class ErrorRow:
    line: str
    column: str
    field: str
    value: str
    message: str
    expected: str

    def cells(self) -> tuple[str, ...]:
        return (self.line, self.column, self.field, self.value, self.message, self.expected)


def column_name(n: int) -> str:
    """1 → A, 27 → AA: the column as Excel and WPS label it."""
    letters = ""
    while n:
        n, r = divmod(n - 1, 26)
        letters = chr(65 + r) + letters
    return letters


def error_rows(problems: list[Problem], name: str, data: bytes) -> list[ErrorRow]:
    """Each problem as a row; the cell it is about read again from the upload and masked."""
    raw, _ = read_export(Path(name), name, data)
    cells = {line: values for line, values, _cols in raw.rows}
    out = []
    for p in problems:
        value = cells.get(p.line, {}).get(p.field, "")
        out.append(ErrorRow(
            line=str(p.line) if p.line else "整个文件",
            column=f"{p.column}（{column_name(p.column)}）" if p.column else "整行" if p.line else "",
            field=p.field,
            value=mask_cell(p.field, value) if value else "",
            message=mask_text(p.message),
            expected=p.expected,
        ))
    return out


def workbook(rows: list[ErrorRow], name: str) -> bytes:
    """The error table as .xlsx: the clerk fixes the export row by row and uploads it again."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    book = Workbook()
    sheet = book.active
    sheet.title = "错误"
    sheet.append([f"{name} 中的错误（共 {len(rows)} 个）：改正原始导出文件中这些单元格后重新上传。身份证号、卡号、姓名已打码。"])
    sheet.append(list(HEADER))
    for r in rows:
        sheet.append(list(r.cells()))
    for cell in sheet[2]:
        cell.font = Font(bold=True)
    for letter, width in zip("ABCDEF", (8, 10, 12, 22, 40, 40)):
        sheet.column_dimensions[letter].width = width
    for row in sheet.iter_rows(min_row=3):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    sheet.freeze_panes = "A3"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
