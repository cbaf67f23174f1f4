"""The public view of the dataset: what the build may publish.

Names were masked when the batch was ingested (generator/mask.py); this decides what may be
published at all: protected programmes never; payment
results only inside 公开年限; per record only the masked name and the
payment facts (no keys, no card tail: those serve the personal lookup).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from huinong_core.models import PAID_STATUSES, Batch, Dataset
from huinong_core.published import PublicRow, public_rows  # noqa: F401 (the view's row type)


class VillageRows:
    """A village's rows of a spilled batch (generator/spill.py), read back when iterated.

    Holds only the count and the paid total (computed in the one pass that found the
    villages), so a province's public view stays small.  Its repr is the rows themselves:
    input keys (Writer.reuse) must see a change in any row."""

    __slots__ = ("_records", "_village", "_count", "total", "paid")

    def __init__(self, records, village: str, count: int, total: Decimal, paid: int):
        self._records, self._village, self._count, self.total, self.paid = records, village, count, total, paid

    def __iter__(self):
        return iter(public_rows(self._records.village(self._village)))

    def __len__(self) -> int:
        return self._count

    def __bool__(self) -> bool:
        return self._count > 0

    def __getitem__(self, i):
        return tuple(self)[i]

    def __eq__(self, other) -> bool:
        return tuple(self) == tuple(other) if isinstance(other, (VillageRows, tuple)) else NotImplemented

    def __hash__(self) -> int:
        return hash((self._records, self._village))

    def __repr__(self) -> str:
        return repr(tuple(self))


@dataclass(frozen=True)
class PublicBatch:
    batch: Batch
    village: str
    rows: tuple[PublicRow, ...] | VillageRows

    @property
    def total(self) -> Decimal:
        if isinstance(self.rows, VillageRows):
            return self.rows.total
        return sum((r.amount for r in self.rows if r.status in PAID_STATUSES), Decimal(0))

    @property
    def paid(self) -> int:
        """How many of the rows were paid (已发放 and the like)."""
        if isinstance(self.rows, VillageRows):
            return self.rows.paid
        return sum(1 for r in self.rows if r.status in PAID_STATUSES)


@dataclass(frozen=True)
class PublicView:
    batches: tuple[PublicBatch, ...] = field(repr=False)  # one per (batch, village)
    withdrawn: tuple[str, ...]  # batch ids older than 公开年限
    hidden_protected: int  # batches of protected programmes (never published)


def public_view(ds: Dataset, today: dt.date, cache=None) -> PublicView:
    """With the build's batch cache, a spilled batch's village totals are those it kept for the
    batch's files (one GROUP BY over every record less per unchanged batch)."""
    years = ds.site.publish_years if ds.site else 3
    first_year = today.year - years + 1
    protected = ds.protected_codes()
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
        if hasattr(b.records, "village_totals"):  # spilled to disk: keep counts and totals, read rows when needed
            counts = _village_totals(b, cache)
            for village in sorted(counts):
                out.append(PublicBatch(b, village, VillageRows(b.records, village, *counts[village])))
            continue
        by_village: dict[str, list] = {}
        for r in b.records:
            by_village.setdefault(r.region, []).append(r)
        for village in sorted(by_village):
            out.append(PublicBatch(b, village, public_rows(by_village[village])))
    return PublicView(tuple(out), tuple(withdrawn), hidden)


def _village_totals(b: Batch, cache) -> dict[str, tuple[int, Decimal, int]]:
    key = cache.batch_keys.get(b.batch_id) if cache is not None else None
    if key is None:
        return b.records.village_totals(PAID_STATUSES)
    kind = f"village-totals-{cache.context[:16]}"  # PAID_STATUSES is code: in the context
    kept = cache.recall(kind, key)
    if kept is not None:
        return {village: (n, Decimal(amount), paid) for village, (n, amount, paid) in kept.items()}
    totals = b.records.village_totals(PAID_STATUSES)
    cache.keep(kind, key, {village: [n, str(amount), paid] for village, (n, amount, paid) in totals.items()})
    return totals
