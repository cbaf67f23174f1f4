"""统计: recipients, amounts, share paid on time and failure rate per region and
programme, as tables and static SVG bar charts made at build time.

Only what the public view publishes is counted (no protected programme, only
the 公开年限 window).  A cell describing fewer than MIN_COUNT people shows
“少于5人” and hides its amount and rates, so no small group can be singled out;
enough other cells show “不公开” that none of them is the total minus the rest
(huinong_core/disclosure.py: amounts add up to the county's total on the 统计 page).
"""

from __future__ import annotations

import html
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from generator.site.common import SiteData
from generator.writer import input_key
from huinong_core import urls
from huinong_core.disclosure import GUARD, MIN_COUNT, suppress
from huinong_core.models import PAID_STATUSES
from huinong_core.normalize import format_money



@dataclass
class Cell:
    people: set = field(default_factory=set)
    records: int = 0
    paid: int = 0
    on_time: int = 0
    failed: int = 0
    amount: Decimal = Decimal(0)

    def add(self, record, months) -> None:
        self.records += 1
        if record.status in PAID_STATUSES:
            self.paid += 1
            self.people.add(record.person_key)
            self.amount += record.amount
            if record.date.month in months:
                self.on_time += 1
        elif record.status == "发放失败":
            self.failed += 1

    @property
    def count(self) -> int:
        """Distinct people paid (a set while counting, its size once frozen)."""
        return self.people if isinstance(self.people, int) else len(self.people)

    def freeze(self) -> "Cell":
        """Keep the number of people, not their keys: a province's keys would not fit in memory."""
        self.people = self.count
        return self

    def dump(self) -> list:
        """A frozen cell as JSON data (the batch cache keeps it for the next build)."""
        return [self.count, self.records, self.paid, self.on_time, self.failed, str(self.amount)]

    @classmethod
    def load(cls, data: list) -> "Cell":
        people, records, paid, on_time, failed, amount = data
        return cls(people, records, paid, on_time, failed, Decimal(amount))

    def merge(self, other: "Cell") -> None:
        self.people |= other.people
        self.records += other.records
        self.paid += other.paid
        self.on_time += other.on_time
        self.failed += other.failed
        self.amount += other.amount

    @property
    def suppressed(self) -> bool:
        return self.count < MIN_COUNT

    def row(self, hidden: str | None = None) -> dict:
        """The cell as shown; ``hidden``: what huinong_core/disclosure.py decided for it in its table."""
        if self.suppressed or hidden:
            people = f"少于{MIN_COUNT}人" if self.suppressed else "不公开"
            return {"people": people, "amount": "—", "on_time": "—", "failed": "—", "suppressed": True, "value": 0}
        return {"people": f"{self.count:,}", "amount": format_money(self.amount),
                "on_time": f"{100 * self.on_time / self.paid:.1f}%" if self.paid else "—",
                "failed": f"{100 * self.failed / self.records:.1f}%" if self.records else "—",
                "suppressed": False, "value": float(self.amount)}


def compute(sd: SiteData):
    """(county, year) → programme → Cell, (county, year) → township → Cell, (county, year) → all programmes.

    One (county, year) at a time, its cells frozen to counts before the next: memory is bounded
    by one county's people, not the province's."""
    published = {pb.batch.batch_id for pb in sd.ctx.view.batches}
    groups: dict[tuple, list] = defaultdict(list)
    for b in sd.ds.batches:
        if b.batch_id in published:
            groups[(b.region, b.year)].append(b)
    by_programme: dict[tuple, dict[str, Cell]] = {}
    by_township: dict[tuple, dict[str, Cell]] = {}
    totals: dict[tuple, Cell] = {}
    cache = sd.ctx.cache
    for key, batches in groups.items():
        # A county-year whose batches' files are those of the last build is not counted again
        # (the cache's context covers our code, regions.csv and policies.csv).
        memo = cache and input_key("stats", cache.context, key, [(b.batch_id, sd.ctx.batch_key(b)) for b in batches])
        kept = cache.recall("stats", memo) if memo else None
        if kept is not None:
            by_programme[key], by_township[key], totals[key] = (
                {k: Cell.load(v) for k, v in kept[0].items()}, {k: Cell.load(v) for k, v in kept[1].items()},
                Cell.load(kept[2]))
            continue
        programmes: dict[str, Cell] = defaultdict(Cell)
        townships: dict[str, Cell] = defaultdict(Cell)
        for b in batches:
            policy = sd.ds.policy_for(b.programme, b.year)
            months = policy.months if policy else tuple(range(1, 13))
            for r in b.records:
                programmes[b.programme].add(r, months)
                townships[sd.ds.regions[r.region].parent or ""].add(r, months)
        total = Cell()
        for cell in programmes.values():
            total.merge(cell)
        totals[key] = total.freeze()
        by_programme[key] = {k: c.freeze() for k, c in programmes.items()}
        by_township[key] = {k: c.freeze() for k, c in townships.items()}
        if memo:
            cache.keep("stats", memo, [{k: c.dump() for k, c in by_programme[key].items()},
                                       {k: c.dump() for k, c in by_township[key].items()}, totals[key].dump()])
    return by_programme, by_township, totals


def table_rows(cells: dict[str, Cell], label) -> tuple[list[dict], bool]:
    """The rows of one table whose cells add up to a published total, in key order, and whether
    that total must be hidden too (huinong_core/disclosure.py); ``label(key)`` names a row."""
    hide = suppress({key: cell.count for key, cell in cells.items()})
    return [{**label(key), **cell.row(hide.kind(key))} for key, cell in sorted(cells.items())], hide.total_hidden


def bar_chart(title: str, items: list[tuple[str, float, str]], width: int = 640) -> str:
    """Horizontal bars, one per item (label, value, shown text); plain SVG, no script."""
    items = [i for i in items if i[1] > 0]
    if not items:
        return ""
    e = html.escape
    bar_h, gap, label_w, text_w = 26, 10, 90, 130
    height = len(items) * (bar_h + gap) + gap
    top = max(v for _, v, _ in items)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
             f'role="img" aria-label="{e(title)}"><title>{e(title)}</title>']
    for i, (label, value, shown) in enumerate(items):
        y = gap + i * (bar_h + gap)
        w = max(2, int((width - label_w - text_w) * value / top))
        parts.append(f'<text x="{label_w - 8}" y="{y + 19}" text-anchor="end" font-size="16" fill="#1a1a1a">{e(label[:11])}</text>'
                     f'<rect x="{label_w}" y="{y}" width="{w}" height="{bar_h}" fill="#0b3d91"/>'
                     f'<text x="{label_w + w + 6}" y="{y + 19}" font-size="15" fill="#1a1a1a">{e(shown)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def write_stats(sd: SiteData, docs) -> list[str]:
    """Writes tongji/index.md, the 咨询投诉统计 (case_stats.py) and one page per county; returns
    the pages for the nav."""
    from generator.site.case_stats import figures_for, write_case_stats
    from generator.site.common import jinja_env

    env = jinja_env()
    by_programme, by_township, totals = compute(sd)
    counties = sorted({c for c, _ in by_programme})
    years = sorted({y for _, y in by_programme}, reverse=True)
    name = lambda code: sd.current(code).name if code in sd.programmes else code  # noqa: E731
    tables = []
    for county in counties:
        region = sd.ds.regions[county]
        per_year = []
        for year in years:
            cells = by_programme.get((county, year))
            if not cells:
                continue
            rows, hide_total = table_rows(cells, lambda code: {
                "name": name(code), "short": sd.current(code).short_name if code in sd.programmes else code})
            total = totals[(county, year)]
            chart = bar_chart(f"{region.name}{year}年各项目发放金额（元）",
                              [(r["short"], r["value"], r["amount"]) for r in rows if not r["suppressed"]])
            # Townships add up to the same total (their page shows no total, this one does).
            hide_total = hide_total or table_rows(by_township[(county, year)], lambda t: {})[1]
            per_year.append({"year": year, "rows": rows, "total": total.row(GUARD if hide_total else None), "chart": chart})
        tables.append({"region": region, "years": per_year})
    pages = ["tongji/index.md", write_case_stats(sd.ctx, figures_for(sd.ctx), docs, env)]
    page = "tongji/"
    (docs / page).mkdir(parents=True, exist_ok=True)
    (docs / page / "index.md").write_text(env.get_template("stats.md").render(
        page=page, counties=tables, min_count=MIN_COUNT), encoding="utf-8")
    for county in counties:
        region = sd.ds.regions[county]
        page = urls.county_stats(county)
        per_year = []
        for year in years:
            cells = by_township.get((county, year))
            if not cells:
                continue
            rows, _ = table_rows(cells, lambda t: {"name": sd.ds.regions[t].name if t in sd.ds.regions else t})
            per_year.append({"year": year, "rows": rows})
        (docs / page).mkdir(parents=True, exist_ok=True)
        (docs / page / "index.md").write_text(env.get_template("stats_county.md").render(
            page=page, region=region, years=per_year, min_count=MIN_COUNT), encoding="utf-8")
        pages.append(page + "index.md")
    return pages
