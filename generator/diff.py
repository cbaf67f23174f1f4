"""What a change to data/ does to the public output, for the person reviewing it.

    python -m generator diff [BASE] [HEAD] [--format md|html] [--out FILE]

compares data/ at two git revisions (HEAD omitted: the working tree; BASE
omitted: HEAD) and reports, in Chinese: per county and programme the batches
added, removed or changed; per village the records added, removed or changed
(masked names, old → new amounts); totals before and after; batches newly
withdrawn by 公开年限 at the same build date; the policy list field by field;
and warnings a reviewer must look at.

Records are matched by 人员键 inside a batch (记录号 is only a line counter
and shifts when a corrected export is re-ingested).  Nothing personal goes
into the report: names are masked, no keys, no card tails; programmes under
privacy protection are reported at county level only (counts and totals).
"""

from __future__ import annotations

import datetime as dt
import html
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from generator.gitdata import Revision, load_revisions
from generator.mask import mask_name
from generator.public import public_view
from generator.rules import MIN_PUBLICITY_DAYS
from huinong_core.models import PAID_STATUSES, Batch, Dataset, PaymentRecord, Policy
from huinong_core.normalize import format_money

DEFAULT_MAX_SHARE = Decimal("0.10")
DEFAULT_RECORD_LIMIT = 200
ADDED, REMOVED, CHANGED = "新增", "删除", "修改"

POLICY_LABELS = {
    "code": "项目编码", "name": "补贴政策名称", "card_name": "一卡通发放项目名称", "short_name": "四字简称",
    "level": "政策级次", "department": "主管部门", "target": "补贴对象", "groups": "对象类别", "standard": "补贴标准",
    "quantity_unit": "数量单位", "use": "资金用途", "basis": "政策依据", "method": "发放方式", "timing": "发放时间",
    "funding": "资金来源", "phone": "政策解答电话", "protected": "隐私保护", "regions": "适用地区",
    "start_year": "起始年度", "end_year": "终止年度", "note": "备注",
}
SITE_LABELS = {"name": "站点名称", "publisher": "发布单位", "phone": "监督电话", "url": "网址",
               "publish_years": "公开年限", "lookup_years": "查询年限"}
BATCH_LABELS = {"payer": "发放单位", "publicity_start": "公示开始", "publicity_end": "公示结束", "phone": "监督电话",
                "period": "期号", "programme": "项目编码", "region": "区划代码"}


# ------------------------------------------------------------------ model


@dataclass(frozen=True)
class RecordChange:
    kind: str
    village: str
    name: str  # masked
    old: PaymentRecord | None
    new: PaymentRecord | None
    fields: tuple[tuple[str, str, str], ...] = ()  # (label, old, new), for 修改


@dataclass
class BatchChange:
    kind: str
    batch_id: str
    county: str
    programme: str
    protected: bool
    old: Batch | None
    new: Batch | None
    meta: list[tuple[str, str, str]] = field(default_factory=list)
    records: list[RecordChange] = field(default_factory=list)

    @property
    def old_total(self) -> Decimal:
        return paid_total(self.old.records) if self.old else Decimal(0)

    @property
    def new_total(self) -> Decimal:
        return paid_total(self.new.records) if self.new else Decimal(0)

    @property
    def old_count(self) -> int:
        return len(self.old.records) if self.old else 0

    @property
    def new_count(self) -> int:
        return len(self.new.records) if self.new else 0


@dataclass(frozen=True)
class PolicyChange:
    kind: str
    code: str
    start_year: int
    name: str
    fields: tuple[tuple[str, str, str], ...] = ()


@dataclass(frozen=True)
class Totals:
    batches: int
    records: int
    paid: Decimal
    public_records: int


@dataclass
class Report:
    base: Revision
    head: Revision
    today: dt.date
    batches: list[BatchChange]
    policies: list[PolicyChange]
    site: list[tuple[str, str, str]]
    files: list[tuple[str, str]]  # (kind, path) of other data files
    before: Totals
    after: Totals
    groups: list[tuple[str, str, Totals, Totals]]  # (county, programme, before, after) of the groups touched
    withdrawn: list[tuple[int, str]]  # (year, batch id) newly withdrawn by 公开年限
    warnings: list[str]
    parsed_batches: int = 0
    #: 大数据比对筛查: findings the change brings (None: no reference lists, nothing screened).
    new_findings: list | None = None
    screening_notes: list[str] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.batches or self.policies or self.site or self.files or self.withdrawn)


def paid_total(records) -> Decimal:
    return sum((r.amount for r in records if r.status in PAID_STATUSES), Decimal(0))


# ---------------------------------------------------------------- compare


def _record_content(r: PaymentRecord) -> tuple:
    return (r.query_key, r.person_key, r.card_key, r.name, r.card_tail, r.bank, r.region, r.quantity,
            r.standard, r.amount, r.date, r.status, r.reason)


def _record_fields(a: PaymentRecord, b: PaymentRecord, names: dict[str, str]) -> tuple[tuple[str, str, str], ...]:
    out = []
    if a.query_key != b.query_key or a.name != b.name:
        out.append(("姓名", mask_name(a.name), mask_name(b.name)))
    if a.region != b.region:
        out.append(("村（社区）", names.get(a.region, a.region), names.get(b.region, b.region)))
    if a.card_key != b.card_key or a.bank != b.bank:
        out.append(("银行卡", a.bank, f"{b.bank}（已更换卡）" if a.card_key != b.card_key else b.bank))
    for label, attr in (("发放数量", "quantity"), ("补贴标准", "standard")):
        if getattr(a, attr) != getattr(b, attr):
            out.append((label, str(getattr(a, attr)), str(getattr(b, attr))))
    if a.amount != b.amount:
        out.append(("发放金额", format_money(a.amount), format_money(b.amount)))
    if a.date != b.date:
        out.append(("发放日期", a.date.isoformat(), b.date.isoformat()))
    if a.status != b.status:
        out.append(("发放状态", a.status, b.status))
    if a.reason != b.reason:
        out.append(("失败原因", a.reason or "（空）", b.reason or "（空）"))
    return tuple(out)


def diff_records(old: Batch, new: Batch, names: dict[str, str]) -> list[RecordChange]:
    """Added, removed and changed records of one batch, matched by 人员键.

    A person may have several rows in a batch (a failed payment and its 补发):
    identical rows pair first, the rest of that person's rows pair in file order.
    """
    olds: dict[str, list[PaymentRecord]] = defaultdict(list)
    news: dict[str, list[PaymentRecord]] = defaultdict(list)
    for r in old.records:
        olds[r.person_key].append(r)
    for r in new.records:
        news[r.person_key].append(r)
    changes: list[RecordChange] = []
    for person in dict.fromkeys([*olds, *news]):
        a, b = list(olds.get(person, ())), list(news.get(person, ()))
        for r in list(a):
            content = _record_content(r)
            match = next((s for s in b if _record_content(s) == content), None)
            if match is not None:
                a.remove(r)
                b.remove(match)
        for r, s in zip(a, b):
            changes.append(RecordChange(CHANGED, s.region, mask_name(s.name), r, s, _record_fields(r, s, names)))
        for r in a[len(b):]:
            changes.append(RecordChange(REMOVED, r.region, mask_name(r.name), r, None))
        for s in b[len(a):]:
            changes.append(RecordChange(ADDED, s.region, mask_name(s.name), None, s))
    order = {ADDED: 0, CHANGED: 1, REMOVED: 2}
    return sorted(changes, key=lambda c: (c.village, order[c.kind], (c.new or c.old).src.line))


def _fmt(value) -> str:
    if value is None or value == "" or value == ():
        return "（空）"
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, tuple):
        return "、".join(map(str, value))
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _field_changes(a, b, labels: dict[str, str], region_names: dict[str, str] | None = None):
    out = []
    for attr, label in labels.items():
        x, y = getattr(a, attr), getattr(b, attr)
        if x != y:
            if region_names is not None and attr == "regions":
                x = tuple(region_names.get(c, c) for c in x)
                y = tuple(region_names.get(c, c) for c in y)
            out.append((label, _fmt(x), _fmt(y)))
    return tuple(out)


def diff_policies(old: tuple[Policy, ...], new: tuple[Policy, ...], names: dict[str, str]) -> list[PolicyChange]:
    """Policy rows matched by (项目编码, 起始年度), then the rest of a code's rows in year order."""
    a = {(p.code, p.start_year): p for p in old}
    b = {(p.code, p.start_year): p for p in new}
    pairs = [(a[k], b[k]) for k in a if k in b]
    left = [p for k, p in a.items() if k not in b]
    right = [p for k, p in b.items() if k not in a]
    for p in list(left):
        q = next((q for q in sorted(right, key=lambda q: q.start_year) if q.code == p.code), None)
        if q is not None:
            pairs.append((p, q))
            left.remove(p)
            right.remove(q)
    out = []
    for p, q in pairs:
        fields = _field_changes(p, q, POLICY_LABELS, names)
        if fields:
            out.append(PolicyChange(CHANGED, q.code, q.start_year, q.name, fields))
    out += [PolicyChange(REMOVED, p.code, p.start_year, p.name) for p in left]
    out += [PolicyChange(ADDED, q.code, q.start_year, q.name) for q in right]
    return sorted(out, key=lambda c: (c.code, c.start_year, c.kind))


def _totals(ds: Dataset, today: dt.date) -> Totals:
    view = public_view(ds, today)
    return Totals(len(ds.batches), ds.record_count, paid_total(r for b in ds.batches for r in b.records),
                  sum(len(pb.rows) for pb in view.batches))


def _group_totals(ds: Dataset, county: str, programme: str) -> Totals:
    bs = [b for b in ds.batches if b.region == county and b.programme == programme]
    return Totals(len(bs), sum(len(b.records) for b in bs), paid_total(r for b in bs for r in b.records), 0)


def compare(base: Revision, head: Revision, today: dt.date, *, max_share: Decimal = DEFAULT_MAX_SHARE) -> Report:
    old_ds, new_ds = base.dataset, head.dataset
    names = {c: r.name for c, r in {**old_ds.regions, **new_ds.regions}.items()}
    protected_old, protected_new = old_ds.protected_codes(), new_ds.protected_codes()
    warnings: list[str] = []

    # Batches: by id; a batch counts as changed when either of its files' blob ids moved.
    old_b = {b.batch_id: b for b in old_ds.batches}
    new_b = {b.batch_id: b for b in new_ds.batches}
    changes: list[BatchChange] = []
    for bid in sorted(set(old_b) | set(new_b)):
        a, b = old_b.get(bid), new_b.get(bid)
        some = b or a
        protected = some.programme in protected_old | protected_new
        if a is None:
            changes.append(BatchChange(ADDED, bid, some.region, some.programme, protected, None, b))
        elif b is None:
            changes.append(BatchChange(REMOVED, bid, some.region, some.programme, protected, a, None))
        elif base.batch_blobs(a) != head.batch_blobs(b):
            meta = list(_field_changes(a, b, BATCH_LABELS))
            records = diff_records(a, b, names)
            if meta or records:
                changes.append(BatchChange(CHANGED, bid, some.region, some.programme, protected, a, b, meta, records))

    # Warnings on batches.
    old_view, new_view = public_view(old_ds, today), public_view(new_ds, today)
    old_public = {pb.batch.batch_id for pb in old_view.batches}
    new_public = {pb.batch.batch_id for pb in new_view.batches}
    for c in changes:
        if c.kind == CHANGED and c.old_total:
            share = abs(c.new_total - c.old_total) / c.old_total
            if share > max_share:
                warnings.append(f"批次 {c.batch_id} 的已发放金额变化 {share:.1%}（{format_money(c.old_total)} → "
                                f"{format_money(c.new_total)} 元），超过 {max_share:.0%}，请核实。")
        if c.new is not None and c.kind in (ADDED, CHANGED):
            days = (c.new.publicity_end - c.new.publicity_start).days
            if days < MIN_PUBLICITY_DAYS:
                warnings.append(f"批次 {c.batch_id} 的公示期只有 {days} 天（{c.new.publicity_start} 至 "
                                f"{c.new.publicity_end}），少于 {MIN_PUBLICITY_DAYS} 天。")
        if c.batch_id in old_public:
            if c.kind == REMOVED:
                warnings.append(f"批次 {c.batch_id} 被删除：仍在公开年限内的 {c.old_count} 条记录将提前从网站撤下。")
            elif c.batch_id not in new_public:
                pass  # reported below with the reason
            else:
                gone = sum(1 for r in c.records if r.kind == REMOVED)
                if gone:
                    warnings.append(f"批次 {c.batch_id} 删除了 {gone} 条记录：这些记录将在公开年限内提前从网站撤下。")
    for bid in sorted(old_public - new_public):
        b = new_b.get(bid)
        if b is None:
            continue  # removed batch: warned above
        if b.programme in protected_new:
            warnings.append(f"批次 {bid}：项目 {b.programme} 改为隐私保护，{len(b.records)} 条记录将从网站撤下。")
        else:
            warnings.append(f"批次 {bid} 将提前从网站撤下（{len(b.records)} 条记录）：公开年限改变。")
    for code in sorted(protected_old - protected_new):
        if any(b.programme == code for b in new_ds.batches):
            warnings.append(f"项目 {code} 取消了隐私保护：它的领取人名单将公开到村，请确认这是有意的。")

    withdrawn = sorted((new_b[bid].year, bid) for bid in set(new_view.withdrawn) - set(old_view.withdrawn)
                       if bid in new_b)
    if old_ds.site and new_ds.site and old_ds.site.publish_years != new_ds.site.publish_years:
        warnings.append(f"公开年限由 {old_ds.site.publish_years} 年改为 {new_ds.site.publish_years} 年。")
    for label, snap in (("变更前", base), ("变更后", head)):
        if snap.problems:
            warnings.append(f"{label}（{snap.label}）的数据有 {len(snap.problems)} 个问题，请运行 check 查看；"
                            "有问题的行或批次未计入本报告。")

    policies = diff_policies(old_ds.policies, new_ds.policies, names)
    site = list(_field_changes(old_ds.site, new_ds.site, SITE_LABELS)) if old_ds.site and new_ds.site else []

    files = []
    other = lambda p: not p.startswith("payments/") and p not in ("policies.csv", "site.yaml")  # noqa: E731
    for p in sorted(set(base.blobs) | set(head.blobs)):
        if not other(p):
            continue
        x, y = base.blobs.get(p), head.blobs.get(p)
        if x != y:
            files.append((ADDED if x is None else REMOVED if y is None else CHANGED, p))

    groups = []
    for county, programme in sorted({(c.county, c.programme) for c in changes}):
        groups.append((county, programme, _group_totals(old_ds, county, programme),
                       _group_totals(new_ds, county, programme)))
    return Report(base, head, today, changes, policies, site, files, _totals(old_ds, today), _totals(new_ds, today),
                  groups, withdrawn, warnings)


def diff(data_dir: Path | str, base_rev: str = "HEAD", head_rev: str | None = None, *,
         today: dt.date, max_share: Decimal = DEFAULT_MAX_SHARE) -> Report:
    base, head, cache = load_revisions(data_dir, base_rev, head_rev)
    report = compare(base, head, today, max_share=max_share)
    report.parsed_batches = cache.parsed
    screen_change(report, Path(data_dir))
    return report


def screen_change(report: Report, data_dir: Path) -> None:
    """With reference lists on this machine (data/private), the findings of 大数据比对筛查 that
    the head side has and the base side has not: what this change brings.  Rules are the
    working tree's screening.yaml; the lists are never in git."""
    from huinong_core.errors import KeyConfigError
    from generator.screening import RulesError, screen

    try:
        found = screen(data_dir, dataset=report.head.dataset, before=report.base.dataset, only_with_lists=True)
    except KeyConfigError as e:
        report.screening_notes.append(f"有比对名单，但未能比对：{e}")
        return
    except RulesError:
        report.screening_notes.append("screening.yaml 有问题，未比对；请运行 check 查看。")
        return
    if found is None:
        return
    report.screening_notes.extend(str(p) for p in found.outcome.problems)
    report.new_findings = found.outcome.findings


# ----------------------------------------------------------------- render
# One document model (headings, paragraphs, lists, tables) rendered as Markdown or HTML.


def _region(ds_names: dict[str, str], code: str) -> str:
    return ds_names.get(code, code)


def _programme(rep: Report, code: str) -> str:
    for ds in (rep.head.dataset, rep.base.dataset):
        for p in ds.policies:
            if p.code == code:
                return f"{code} {p.name}"
    return code


def _side(s: Revision) -> str:
    if not s.commit:
        return s.label
    if s.commit.startswith(s.label.lower()):
        return s.commit[:7]
    return f"{s.label}（{s.commit[:7]}）"


def document(rep: Report, *, limit: int = DEFAULT_RECORD_LIMIT) -> list[tuple]:
    names = {c: r.name for c, r in {**rep.base.dataset.regions, **rep.head.dataset.regions}.items()}
    doc: list[tuple] = [("h1", f"数据变更报告：{_side(rep.base)} → {_side(rep.head)}")]
    doc.append(("p", f"按构建日期 {rep.today.isoformat()} 比较公开内容。姓名已打码；受隐私保护的项目只列县级汇总。"))
    if rep.empty:
        doc.append(("p", "没有影响公开内容的数据变化。"))
    if rep.warnings:
        doc.append(("h2", f"需要注意（{len(rep.warnings)}）"))
        doc.append(("ul", [f"⚠ {w}" for w in rep.warnings]))

    doc.append(("h2", "合计"))
    b, a = rep.before, rep.after
    doc.append(("table", ("", "变更前", "变更后", "变化"), [
        ("发放批次", str(b.batches), str(a.batches), f"{a.batches - b.batches:+d}"),
        ("发放记录（条）", str(b.records), str(a.records), f"{a.records - b.records:+d}"),
        ("已发放金额（元）", format_money(b.paid), format_money(a.paid), f"{a.paid - b.paid:+,.2f}"),
        ("网站公开的记录（条）", str(b.public_records), str(a.public_records),
         f"{a.public_records - b.public_records:+d}"),
    ]))
    if rep.groups:
        doc.append(("table", ("县（市、区）", "项目", "批次", "记录（条）", "已发放金额（元）"), [
            (_region(names, county), _programme(rep, prog), f"{x.batches} → {y.batches}", f"{x.records} → {y.records}",
             f"{format_money(x.paid)} → {format_money(y.paid)}")
            for county, prog, x, y in rep.groups
        ]))

    if rep.batches:
        doc.append(("h2", f"发放批次（{len(rep.batches)} 个有变化）"))
        by_group: dict[tuple[str, str], list[BatchChange]] = defaultdict(list)
        for c in rep.batches:
            by_group[(c.county, c.programme)].append(c)
        for (county, prog), items in sorted(by_group.items()):
            doc.append(("h3", f"{_region(names, county)} · {_programme(rep, prog)}"))
            for c in items:
                doc.extend(_batch_blocks(c, names, limit))

    if rep.withdrawn:
        doc.append(("h2", "超过公开年限、将从网站撤下的批次"))
        by_year: dict[int, list[str]] = defaultdict(list)
        for year, bid in rep.withdrawn:
            by_year[year].append(bid)
        doc.append(("ul", [f"{y}年度：{'、'.join(ids)}" for y, ids in sorted(by_year.items())]))

    if rep.policies:
        doc.append(("h2", f"政策清单（{len(rep.policies)} 处变化）"))
        for p in rep.policies:
            title = f"{p.kind}：{p.code} {p.name}（起始年度 {p.start_year}）"
            if p.fields:
                doc.append(("h3", title))
                doc.append(("table", ("字段", "原内容", "新内容"), list(p.fields)))
            else:
                doc.append(("p", title))
    if rep.site:
        doc.append(("h2", "站点设置（site.yaml）"))
        doc.append(("table", ("字段", "原内容", "新内容"), rep.site))
    if rep.files:
        doc.append(("h2", "其他数据文件"))
        doc.append(("ul", [f"{kind}：data/{path}" for kind, path in rep.files]))
    if rep.new_findings is not None or rep.screening_notes:
        doc.append(("h2", "大数据比对筛查：本次变更带来的新疑点"))
        doc.extend(("p", n) for n in rep.screening_notes)
        found = rep.new_findings or []
        if not found and rep.new_findings is not None:
            doc.append(("p", "没有新疑点。"))
        if found:
            # Rule, batch and record number only: who and why stays in the internal `screen` report.
            per_rule = Counter(f.rule for f in found)
            doc.append(("p", f"共 {len(found)} 条（" + "，".join(f"{r} {n} 条" for r, n in per_rule.items())
                        + "）。请主管部门核实处理；详情（姓名已打码）运行 python -m generator screen 查看内部核查报告。"))
            doc.append(("table", ("规则", "批次", "记录号"),
                        [(f.rule, f.batch_id, f.record_no) for f in found[:limit]]))
    return doc


def _batch_blocks(c: BatchChange, names: dict[str, str], limit: int) -> list[tuple]:
    some = c.new or c.old
    head = (f"{c.kind}批次 {c.batch_id}（期号 {some.period}）：记录 {c.old_count} → {c.new_count} 条，"
            f"已发放金额 {format_money(c.old_total)} → {format_money(c.new_total)} 元")
    out: list[tuple] = [("h4", head)]
    if c.meta:
        out.append(("ul", [f"{label}：{x} → {y}" for label, x, y in c.meta]))
    if c.protected:
        out.append(("p", "隐私保护项目：不列村级和个人明细。"))
        return out
    if c.kind in (ADDED, REMOVED):
        per: dict[str, list[PaymentRecord]] = defaultdict(list)
        for r in some.records:
            per[r.region].append(r)
        out.append(("table", ("村（社区）", "记录（条）", "已发放金额（元）"), [
            (_region(names, v), str(len(rs)), format_money(paid_total(rs))) for v, rs in sorted(per.items())
        ]))
        return out
    counts = Counter(r.kind for r in c.records)
    out.append(("p", "记录：" + "，".join(f"{k} {counts[k]} 条" for k in (ADDED, CHANGED, REMOVED) if counts[k])
                + ("" if c.records else "无变化")))
    rows = []
    for r in c.records[:limit]:
        if r.kind == CHANGED:
            amount = f"{format_money(r.old.amount)} → {format_money(r.new.amount)}"
            detail = "；".join(f"{label} {x} → {y}" for label, x, y in r.fields if label != "发放金额")
        elif r.kind == ADDED:
            amount = f"→ {format_money(r.new.amount)}"
            detail = f"{r.new.status}，{r.new.date.isoformat()}"
        else:
            amount = f"{format_money(r.old.amount)} →"
            detail = f"原为{r.old.status}，{r.old.date.isoformat()}"
        rows.append((_region(names, r.village), r.kind, r.name, amount, detail))
    if rows:
        out.append(("table", ("村（社区）", "变化", "姓名", "发放金额（元）", "其他"), rows))
    if len(c.records) > limit:
        out.append(("p", f"……另有 {len(c.records) - limit} 条记录变化未列出。"))
    return out


def _md_cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def to_markdown(doc: list[tuple]) -> str:
    lines: list[str] = []
    for block in doc:
        kind = block[0]
        if kind in ("h1", "h2", "h3", "h4"):
            lines += ["#" * int(kind[1]) + " " + block[1], ""]
        elif kind == "p":
            lines += [block[1], ""]
        elif kind == "ul":
            lines += [f"- {item}" for item in block[1]] + [""]
        elif kind == "table":
            header, rows = block[1], block[2]
            lines.append("| " + " | ".join(_md_cell(h) for h in header) + " |")
            lines.append("|" + "|".join(" --- " for _ in header) + "|")
            lines += ["| " + " | ".join(_md_cell(c) for c in row) + " |" for row in rows]
            lines.append("")
    return "\n".join(lines).rstrip() + "\n"


_CSS = ("body{font:16px/1.6 sans-serif;margin:2em;color:#111;max-width:70em}table{border-collapse:collapse;margin:.5em 0 1em}"
        "th,td{border:1px solid #888;padding:.25em .6em;text-align:left;vertical-align:top}"
        "li.warn,.warn{background:#fff3cd}h4{margin-bottom:.3em}")


def to_html(doc: list[tuple]) -> str:
    e = html.escape
    title = next((b[1] for b in doc if b[0] == "h1"), "数据变更报告")
    parts = ["<!doctype html>", "<html lang='zh-CN'><head><meta charset='utf-8'>",
             f"<title>{e(title)}</title><style>{_CSS}</style></head><body>"]
    for block in doc:
        kind = block[0]
        if kind in ("h1", "h2", "h3", "h4"):
            parts.append(f"<{kind}>{e(block[1])}</{kind}>")
        elif kind == "p":
            parts.append(f"<p>{e(block[1])}</p>")
        elif kind == "ul":
            items = (("<li class='warn'>" if item.startswith("⚠") else "<li>") + e(item) + "</li>" for item in block[1])
            parts.append("<ul>" + "".join(items) + "</ul>")
        elif kind == "table":
            header, rows = block[1], block[2]
            parts.append("<table><thead><tr>" + "".join(f"<th scope='col'>{e(h)}</th>" for h in header) + "</tr></thead><tbody>")
            parts += ["<tr>" + "".join(f"<td>{e(c)}</td>" for c in row) + "</tr>" for row in rows]
            parts.append("</tbody></table>")
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


def render(rep: Report, fmt: str = "md", *, limit: int = DEFAULT_RECORD_LIMIT) -> str:
    doc = document(rep, limit=limit)
    return to_html(doc) if fmt == "html" else to_markdown(doc)

