"""A payment as published: one row of a village's 公示 list, and its text.

The village-batch page, the village downloads, the 公示 poster and the check code all print
`PublicRow.text`, so paper and web cannot drift apart (the check code proves they agree).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import NamedTuple

from huinong_core.normalize import format_decimal


class RowText(NamedTuple):
    """The cells of a published row as printed everywhere (the sequence number apart: it is a
    number in the downloads' JSON)."""

    name: str
    quantity: str
    standard: str
    amount: str
    date: str
    status: str


@dataclass(frozen=True)
class PublicRow:
    seq: int
    name: str  # masked at ingest (刘*凯)
    quantity: Decimal
    standard: Decimal
    amount: Decimal
    date: dt.date
    status: str

    @property
    def text(self) -> RowText:
        return RowText(self.name, format_decimal(self.quantity), format_decimal(self.standard, 2),
                       format_decimal(self.amount, 2), self.date.isoformat(), self.status)


def public_rows(records) -> tuple[PublicRow, ...]:
    """One village's records of a batch as published: numbered from 1, masked name and payment facts."""
    return tuple(PublicRow(i, r.name, r.quantity, r.standard, r.amount, r.date, r.status)
                 for i, r in enumerate(records, 1))
