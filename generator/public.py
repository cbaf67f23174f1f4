"""Stage 3 (mask): the public view of the dataset.

Decides what may be published at all: protected programmes never; payment
results only inside 公开年限; per record only the masked name and the
payment facts (no keys, no card tail: those serve the personal lookup).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from generator.models import PAID_STATUSES, Batch, Dataset


@dataclass(frozen=True)
class PublicRow:
    seq: int
    name: str
    quantity: Decimal
    standard: Decimal
    amount: Decimal
    date: dt.date
    status: str


@dataclass(frozen=True)
class PublicBatch:
    batch: Batch
    village: str
    rows: tuple[PublicRow, ...]

    @property
    def total(self) -> Decimal:
        return sum((r.amount for r in self.rows if r.status in PAID_STATUSES), Decimal(0))


@dataclass(frozen=True)
class PublicView:
    batches: tuple[PublicBatch, ...] = field(repr=False)  # one per (batch, village)
    withdrawn: tuple[str, ...]  # batch ids older than 公开年限
    hidden_protected: int  # batches of protected programmes (never published)


def public_view(ds: Dataset, today: dt.date) -> PublicView:
    years = ds.site.publish_years if ds.site else 3
    first_year = today.year - years + 1
    protected = {p.code for p in ds.policies if p.protected}
    out: list[PublicBatch] = []
    withdrawn: list[str] = []
    hidden = 0
    for b in ds.batches:
        if b.programme in protected:
            hidden += 1
            continue
        if b.year < first_year:
            withdrawn.append(b.batch_id)
            continue
        by_village: dict[str, list] = {}
        for r in b.records:
            by_village.setdefault(r.region, []).append(r)
        for village in sorted(by_village):
            rows = tuple(
                PublicRow(i, r.name, r.quantity, r.standard, r.amount, r.date, r.status)
                for i, r in enumerate(by_village[village], 1)
            )
            out.append(PublicBatch(b, village, rows))
    return PublicView(tuple(out), tuple(withdrawn), hidden)
