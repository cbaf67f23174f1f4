"""ingest: a raw export from the 一卡通 system → one pseudonymized payment batch.

The raw file holds full ID and card numbers.  What gets written to data/
holds only keyed hashes (查询键, 人员键, 卡键), the masked name, the card's
last four digits and the payment facts.  The raw values live only in memory
for the duration of the run; no error message, log line or report prints
them (reports show IDs masked).

Raw exports are messy; read through generator/table.py, they may come in UTF-8
(with or without BOM), GBK/GB18030 or UTF-16, comma or tab separated, or as .xlsx,
with columns in any order under several customary names and extra columns (dropped,
never stored: 联系电话 among them).  This module copes with full-width digits, spaces
inside numbers, 15-digit IDs, and villages given as 区划代码 or as 乡镇 + 村 names.
"""

from __future__ import annotations

import csv
import datetime as dt
import html
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import yaml

from generator.load import RECORD_COLUMNS, load
from generator.mask import card_tail, mask_id, mask_name
from generator.table import Row, open_table
from huinong_core.errors import DataError, ParseError, Problem
from huinong_core.keys import Keyer
from huinong_core.models import FAILED_STATUSES, PAID_STATUSES, Batch, Dataset, Policy, Region, batch_id_for
from huinong_core.normalize import (
    compact, format_decimal, halfwidth, parse_amount, parse_card, parse_date, parse_id, parse_name,
    parse_period, parse_quantity, period_year,
)
from huinong_core.regions import county_of, prefix, region_parent_code

# ------------------------------------------------------------------ columns

#: Canonical column → the header texts seen in real exports (NFKC, no spaces).
COLUMN_ALIASES: dict[str, tuple[str, ...]] = {
    "身份证号": ("身份证号", "身份证号码", "公民身份号码", "证件号码", "身份证", "证件号"),
    "姓名": ("姓名", "户主姓名", "补贴对象姓名", "领取人姓名", "收款人姓名", "户名", "补贴对象"),
    "卡号": ("卡号", "银行卡号", "社保卡号", "社会保障卡号", "银行账号", "账号", "收款账号", "一卡通账号", "社保卡银行账号"),
    "开户银行": ("开户银行", "开户行", "银行", "发放银行", "代发银行", "银行名称"),
    "区划代码": ("区划代码", "村区划代码", "行政区划代码", "村(社区)代码", "村代码"),
    "乡镇": ("乡镇", "乡镇(街道)", "乡镇街道", "乡(镇)", "乡镇名称", "街道"),
    "村": ("村", "村(社区)", "村社区", "行政村", "村委会", "村名称", "社区", "村(居)委会"),
    "发放数量": ("发放数量", "数量", "面积", "亩数", "补贴面积", "补贴数量", "月数"),
    "补贴标准": ("补贴标准", "标准", "发放标准"),
    "发放金额": ("发放金额", "金额", "补贴金额", "实发金额", "发放金额(元)", "金额(元)"),
    "发放日期": ("发放日期", "日期", "发放时间", "到账日期", "支付日期"),
    "发放状态": ("发放状态", "状态", "支付状态", "发放结果"),
    "失败原因": ("失败原因", "失败说明", "退回原因"),
}
REQUIRED = ("身份证号", "姓名", "卡号", "开户银行", "发放金额", "发放日期")

STATUS_SYNONYMS = {
    "已发放": "已发放", "发放成功": "已发放", "成功": "已发放", "已到账": "已发放", "正常": "已发放",
    "发放失败": "发放失败", "失败": "发放失败", "支付失败": "发放失败",
    "已退回": "已退回", "退回": "已退回", "退票": "已退回",
    "已补发": "已补发", "补发": "已补发", "补发成功": "已补发",
}


# ------------------------------------------------------------- raw reading


@dataclass
class RawFile:
    path: str
    encoding: str
    rows: list[tuple[int, dict[str, str], dict[str, int]]]  # line, canonical cells, columns
    dropped_columns: list[str]


def read_export(path: Path, shown: str | None = None, data: bytes | None = None) -> tuple[RawFile, list[Problem]]:
    table, problems = open_table(path, COLUMN_ALIASES, REQUIRED, shown, data)
    cols = table.columns
    if table.has_header and "区划代码" not in cols and not ("乡镇" in cols and "村" in cols):
        problems.append(Problem(table.path, 1, 0, "区划代码", "缺少村（社区）列", "“区划代码”列，或“乡镇”和“村”两列"))
    if problems:
        return RawFile(table.path, table.encoding, [], table.dropped), problems
    rows = [(line, values, cols) for line, values in table.rows]
    return RawFile(table.path, table.encoding, rows, table.dropped), problems


# --------------------------------------------------------- place matching

_SUFFIXES = (
    ("社区居民委员会", "社区"), ("社区居委会", "社区"), ("居民委员会", "社区"), ("居委会", "社区"),
    ("村民委员会", "村"), ("村委会", "村"),
)


def place_key(name: str) -> str:
    name = compact(name)
    for suffix, short in _SUFFIXES:
        if name.endswith(suffix):
            return name[: -len(suffix)] + short
    return name


class Places:
    """Resolve 乡镇 + 村 names to village codes (optionally within one county)."""

    def __init__(self, regions: dict[str, Region]):
        self.regions = regions
        self.townships: dict[str, list[str]] = defaultdict(list)
        self.villages: dict[tuple[str, str], str] = {}
        for r in regions.values():
            if r.level == "乡":
                self.townships[place_key(r.name)].append(r.code)
            elif r.level == "村":
                self.villages[(region_parent_code(r.code), place_key(r.name))] = r.code

    def resolve(self, township: str, village: str, county: str | None) -> str:
        codes = self.townships.get(place_key(township), [])
        if county:
            codes = [c for c in codes if county_of(c) == county]
        if not codes:
            raise ParseError(f"找不到乡镇“{township.strip()}”", "regions.csv 中的乡镇（街道）名称" + ("（在指定县内）" if county else ""))
        if len(codes) > 1:
            raise ParseError(f"乡镇名“{township.strip()}”在多个县重名", "用 --county 指定县，或改用区划代码列")
        code = self.villages.get((codes[0], place_key(village)))
        if code is None:
            raise ParseError(f"{self.regions[codes[0]].name}下找不到“{village.strip()}”", "该乡镇下的村（社区）名称")
        return code


# --------------------------------------------------------------- parsing


@dataclass(frozen=True)
class RawPayment:
    """One good row of a raw export, in memory only (holds plaintext)."""

    line: int
    id18: str
    name: str
    card: str
    bank: str
    village: str
    quantity: Decimal
    standard: Decimal
    amount: Decimal
    date: dt.date
    status: str
    reason: str

    def __repr__(self) -> str:  # never show the plaintext in a traceback
        return f"RawPayment(line={self.line}, id={mask_id(self.id18)})"


def parse_status(raw: str) -> str:
    value = compact(raw)
    if not value:
        return "已发放"
    if value not in STATUS_SYNONYMS:
        raise ParseError(f"不能识别的发放状态（{value}）", "已发放/发放失败/已退回/已补发")
    return STATUS_SYNONYMS[value]


def parse_rows(raw: RawFile, regions: dict[str, Region], county: str | None) -> tuple[list[RawPayment], list[Problem]]:
    known_prefixes = frozenset(prefix(c, "县") for c, r in regions.items() if r.level == "县")
    places = Places(regions)
    problems: list[Problem] = []
    good: list[RawPayment] = []
    for line, cells, cols in raw.rows:
        row = Row(raw.path, line, cells, cols)
        id18 = row.parse("身份证号", lambda v: parse_id(v, known_prefixes))
        name = row.parse("姓名", parse_name)
        card = row.parse("卡号", parse_card)
        bank = row.parse("开户银行", lambda v: halfwidth(v))
        village = None
        if "区划代码" in cells and halfwidth(cells["区划代码"]):
            village = row.parse("区划代码", lambda v: _village_code(v, regions, county))
        elif "乡镇" in cells:
            try:
                village = places.resolve(cells.get("乡镇", ""), cells.get("村", ""), county)
            except ParseError as e:
                row.add("村", e.message, e.expected, column=cols.get("村", cols.get("乡镇", 0)))
        else:
            row.add("区划代码", "必填项为空")
        amount = row.parse("发放金额", parse_amount)
        quantity = row.parse("发放数量", parse_quantity, default=Decimal(1))
        if halfwidth(cells.get("补贴标准", "")):
            standard = row.parse("补贴标准", parse_amount)
        else:  # no standard given: the amount per unit
            standard = (amount / quantity).quantize(Decimal("0.01")) if amount and quantity else None
        date = row.parse("发放日期", parse_date)
        status = row.parse("发放状态", parse_status, default="已发放")
        reason = halfwidth(cells.get("失败原因", ""))
        if status in FAILED_STATUSES and not reason:
            row.add("失败原因", f"“{status}”的记录必须写明原因", "如 账户已销户")
        if status == "已发放":
            reason = ""
        if row.problems:
            problems.extend(row.problems)
            continue
        good.append(RawPayment(line, id18, name, card, bank, village, quantity, standard, amount, date, status, reason))
    return good, problems


def _village_code(raw: str, regions: dict[str, Region], county: str | None) -> str:
    code = compact(raw)
    if not re.fullmatch(r"\d{12}", code):
        raise ParseError("不是12位区划代码", "村（社区）12位区划代码")
    region = regions.get(code)
    if region is None:
        raise ParseError(f"区划代码{code}不存在", "regions.csv 中的村（社区）代码")
    if region.level != "村":
        raise ParseError(f"{region.name}不是村（社区）", "村（社区）级区划代码")
    if county and county_of(code) != county:
        raise ParseError(f"{region.name}不在指定县内", "指定县的村（社区）")
    return code


# ------------------------------------------------------------ cross-check


@dataclass
class History:
    """What earlier batches say about people and cards, by keyed hash only."""

    names: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))  # 人员键 → 查询键
    cards: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))  # 人员键 → 卡键
    paid: dict[tuple[str, str, str], str] = field(default_factory=dict)  # (人员键, 项目, 期号) → 批次号

    @classmethod
    def from_batches(cls, batches: Iterable[Batch]) -> "History":
        h = cls()
        for b in batches:
            for r in b.records:
                h.add(r.person_key, r.query_key, r.card_key, r.status, b.batch_id, b.programme, b.period)
        return h

    def add(self, person_key: str, query_key: str, card_key: str, status: str,
            batch_id: str, programme: str, period: str) -> None:
        self.names[person_key].add(query_key)
        self.cards[person_key].add(card_key)
        if status in PAID_STATUSES:
            self.paid.setdefault((person_key, programme, period), batch_id)


@dataclass(frozen=True)
class CrossCheck:
    kind: str
    line: int
    masked_id: str
    masked_name: str
    detail: str


CHECK_KINDS = ("同一身份证号不同姓名", "一人多卡", "重复发放", "金额与标准不符", "项目不适用", "发放时间不符")


def cross_check(rows: list[RawPayment], keyed: list[dict], policy: Policy | None, programme: str, period: str,
                history: History, batch_id: str = "") -> list[CrossCheck]:
    """Flag what staff must verify.  ``batch_id``: the batch being written (when it
    replaces an earlier version of itself, that version is not a duplicate)."""
    found: list[CrossCheck] = []
    by_id: dict[str, list[int]] = defaultdict(list)
    for i, r in enumerate(rows):
        by_id[r.id18].append(i)

    def add(kind: str, i: int, detail: str) -> None:
        r = rows[i]
        found.append(CrossCheck(kind, r.line, mask_id(r.id18), mask_name(r.name), detail))

    for idxs in by_id.values():
        names = {rows[i].name for i in idxs}
        cards = {rows[i].card for i in idxs}
        if len(names) > 1:
            for i in idxs:
                add("同一身份证号不同姓名", i, f"本文件中该身份证号对应{len(names)}个姓名：" + "、".join(sorted(mask_name(n) for n in names)))
        if len(cards) > 1:
            for i in idxs:
                add("一人多卡", i, f"本文件中该人使用{len(cards)}张卡：尾号" + "、".join(sorted(c[-4:] for c in cards)))
        paid = [i for i in idxs if rows[i].status in PAID_STATUSES]
        if len(paid) > 1:
            lines = "、".join(str(rows[i].line) for i in paid)
            for i in paid:
                add("重复发放", i, f"同一项目同一期在本文件第{lines}行重复发放")
    for i, (r, k) in enumerate(zip(rows, keyed)):
        pk = k["人员键"]
        if history.names.get(pk) and k["查询键"] not in history.names[pk]:
            add("同一身份证号不同姓名", i, "与以往批次中该身份证号登记的姓名不一致")
        if history.cards.get(pk) and k["卡键"] not in history.cards[pk]:
            add("一人多卡", i, f"以往批次使用其他卡发放（共{len(history.cards[pk]) + 1}张）")
        earlier = history.paid.get((pk, programme, period))
        if earlier and earlier != batch_id and r.status in PAID_STATUSES:
            add("重复发放", i, f"已在批次{earlier}中发放过同一项目同一期")
        expected = (r.standard * r.quantity).quantize(Decimal("0.01"), ROUND_HALF_UP)
        if expected != r.amount:
            add("金额与标准不符", i, f"标准{format_decimal(r.standard, 2)} × 数量{format_decimal(r.quantity)} = {expected}，实发{r.amount}")
        if policy is None:
            add("项目不适用", i, f"项目{programme}在{period_year(period)}年度不在执行期内")
        elif not policy.covers_village(r.village):
            add("项目不适用", i, f"项目{programme}不适用于该村（社区）所在地区")
        elif r.date.month not in policy.months:
            add("发放时间不符", i, f"发放日期{r.date}不在政策规定的发放时间（{policy.timing}）内")
    return sorted(found, key=lambda c: (CHECK_KINDS.index(c.kind), c.line))


def write_report(report_dir: Path, batch_id: str, raw_name: str, checks: list[CrossCheck], problems: list[Problem],
                 summary: dict[str, str]) -> tuple[Path, Path]:
    """Staff cross-check report (HTML + CSV).  Never published; IDs masked."""
    report_dir.mkdir(parents=True, exist_ok=True)
    csv_path = report_dir / f"{batch_id}-核查报告.csv"
    html_path = report_dir / f"{batch_id}-核查报告.html"
    with open(csv_path, "w", encoding="utf-8-sig", newline="") as f:
        w = csv.writer(f)
        w.writerow(["核查类型", "原始文件行号", "身份证号（打码）", "姓名（打码）", "说明"])
        for c in checks:
            w.writerow([c.kind, c.line, c.masked_id, c.masked_name, c.detail])
    counts = {k: sum(1 for c in checks if c.kind == k) for k in CHECK_KINDS}
    e = html.escape
    parts = [
        "<!doctype html><html lang='zh-CN'><meta charset='utf-8'>",
        f"<title>{e(batch_id)} 核查报告（内部，不得公开）</title>",
        "<style>body{font:18px/1.6 sans-serif;margin:2em;color:#111}table{border-collapse:collapse;margin:1em 0}"
        "th,td{border:1px solid #555;padding:.3em .6em;text-align:left}td.n{text-align:right}"
        ".warn{background:#fff3cd;padding:.5em 1em;border:2px solid #8a6d00}</style>",
        f"<h1>{e(batch_id)} 交叉核查报告</h1>",
        "<p class='warn'>内部工作材料，仅供审核人员使用，不得公开或上传到公开网站。身份证号和姓名均已打码。</p>",
        "<table><caption>批次概况</caption><tbody>",
        *(f"<tr><th scope='row'>{e(k)}</th><td>{e(v)}</td></tr>" for k, v in summary.items()),
        "</tbody></table>",
        "<table><caption>核查结果汇总</caption><thead><tr><th scope='col'>核查类型</th><th scope='col'>条数</th></tr></thead><tbody>",
        *(f"<tr><th scope='row'>{e(k)}</th><td class='n'>{n}</td></tr>" for k, n in counts.items()),
        "</tbody></table>",
    ]
    if problems:
        parts.append(f"<h2>未导入的错误行（{len(problems)}条）</h2><ul>")
        parts.extend(f"<li>{e(str(p))}</li>" for p in problems)
        parts.append("</ul>")
    parts.append("<h2>核查明细</h2>")
    if checks:
        parts.append("<table><caption>需要人工核实的记录</caption><thead><tr>"
                     + "".join(f"<th scope='col'>{h}</th>" for h in ("核查类型", "原始行号", "身份证号", "姓名", "说明"))
                     + "</tr></thead><tbody>")
        parts.extend(
            f"<tr><td>{e(c.kind)}</td><td class='n'>{c.line}</td><td>{e(c.masked_id)}</td><td>{e(c.masked_name)}</td><td>{e(c.detail)}</td></tr>"
            for c in checks)
        parts.append("</tbody></table>")
    else:
        parts.append("<p>未发现需要核实的记录。</p>")
    html_path.write_text("\n".join(parts) + "\n", encoding="utf-8")
    return html_path, csv_path


# ----------------------------------------------------------------- writing


def keyed_records(rows: list[RawPayment], keyer: Keyer) -> list[dict]:
    out = []
    for i, r in enumerate(rows, 1):
        out.append({
            "记录号": f"{i:05d}",
            "查询键": keyer.query_key(r.id18, r.name),
            "人员键": keyer.person_key(r.id18),
            "卡键": keyer.card_key(r.card),
            "姓名": mask_name(r.name),
            "卡号尾号": card_tail(r.card),
            "开户银行": r.bank,
            "区划代码": r.village,
            "发放数量": format_decimal(r.quantity),
            "补贴标准": format_decimal(r.standard, 2),
            "发放金额": format_decimal(r.amount, 2),
            "发放日期": r.date.isoformat(),
            "发放状态": r.status,
            "失败原因": r.reason,
        })
    return out


def write_batch(batch_dir: Path, meta: dict, records: list[dict]) -> None:
    """Write batch.yaml + records.csv into a temporary directory, then rename into place."""
    batch_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = batch_dir.with_name(f".{batch_dir.name}.tmp")
    if tmp.exists():
        for f in tmp.iterdir():
            f.unlink()
    else:
        tmp.mkdir()
    lines = [f"{k}: {_yaml_scalar(v)}" for k, v in meta.items()]
    (tmp / "batch.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    with open(tmp / "records.csv", "w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, fieldnames=RECORD_COLUMNS, lineterminator="\n")
        w.writeheader()
        w.writerows(records)
    if batch_dir.exists():
        old = batch_dir.with_name(f".{batch_dir.name}.old")
        batch_dir.rename(old)
        tmp.rename(batch_dir)
        for f in old.iterdir():
            f.unlink()
        old.rmdir()
    else:
        tmp.rename(batch_dir)


def _yaml_scalar(v) -> str:
    if isinstance(v, dt.date):
        return v.isoformat()
    text = str(v)
    # Quote codes and periods so YAML keeps them as text (2024 would become a number).
    return yaml.safe_dump(text, allow_unicode=True, default_style='"').strip().removesuffix("...").strip()


@dataclass
class IngestResult:
    batch_dir: Path | None
    batch_id: str
    records: int
    skipped: list[Problem]
    checks: list[CrossCheck]
    report: tuple[Path, Path] | None
    encoding: str
    dropped_columns: list[str]


@dataclass(frozen=True)
class Plan:
    """A raw export worked out and cross-checked, nothing written yet: what `write` puts in
    data/ (the console shows it to the clerk first).  Holds no plaintext: the records are keyed,
    the checks masked."""

    batch_id: str
    target: Path
    exists: bool  # a batch of this id is there already: written only when replacing it
    programme: str
    period: str
    meta: dict
    records: list[dict]
    skipped: list[Problem]
    checks: list[CrossCheck]
    encoding: str
    dropped_columns: list[str]
    summary: dict[str, str]  # the report's 批次概况


class UnusableDataDir(DataError):
    """data/ lacks what every import needs (site.yaml, regions, policies): fix it with `check` first."""


def usable(data_dir: Path) -> Dataset:
    """data/ loaded, batches included (they are the history a new batch is checked against).
    UnusableDataDir when it lacks its base files."""
    loaded = load(data_dir)
    ds = loaded.dataset
    if ds.site is None or not ds.regions or not ds.policies:
        raise UnusableDataDir(loaded.problems)
    return ds


def plan_into(data_dir: Path, raw_path: Path, programme: str, period: str, keyer: Keyer, **options) -> Plan:
    """`plan` one raw export against what ``data_dir`` holds (its batches are the history)."""
    ds = usable(data_dir)
    return plan(raw_path, programme, period, ds, keyer, data_dir=data_dir, history=History.from_batches(ds.batches),
                **options)


def ingest_into(data_dir: Path, raw_path: Path, programme: str, period: str, keyer: Keyer, **options) -> IngestResult:
    """Import one raw export into ``data_dir``: load what is there (its batches are the history the
    new one is checked against), then `ingest`.  UnusableDataDir when data/ lacks its base files."""
    ds = usable(data_dir)
    return ingest(raw_path, programme, period, ds, keyer, data_dir=data_dir,
                  history=History.from_batches(ds.batches), **options)


def ingest(raw_path: Path, programme: str, period: str, dataset: Dataset, keyer: Keyer, *,
           replace: bool = False, history: History | None = None, report_dir: Path | None = None,
           **options) -> IngestResult:
    """Turn one raw export into one batch.  Raises DataError and writes nothing on bad input
    (unless ``skip_bad``), or when the batch exists and ``replace`` is not given."""
    history = history if history is not None else History()
    p = plan(raw_path, programme, period, dataset, keyer, history=history, **options)
    if p.exists and not replace:
        raise DataError([Problem(str(p.target), 0, 0, "批次", f"批次{p.batch_id}已存在", "更正已发布的批次请加 --replace")])
    return write(p, history, report_dir)


def plan(raw_path: Path, programme: str, period: str, dataset: Dataset, keyer: Keyer, *,
         data_dir: Path, out_dir: Path | None = None, county: str | None = None, payer: str | None = None,
         publicity_start: dt.date | None = None, publicity_end: dt.date | None = None, phone: str | None = None,
         skip_bad: bool = False, history: History | None = None, shown_path: str | None = None,
         data: bytes | None = None) -> Plan:
    """Read, parse, key and cross-check one raw export; write nothing.  Raises DataError on bad
    input (unless ``skip_bad``: the bad rows are left out and listed).  ``data``: the file's bytes
    when they are in memory already (``raw_path`` then only names it)."""
    problems: list[Problem] = []
    shown = shown_path or str(raw_path)
    try:
        period = parse_period(period)
    except ParseError as e:
        raise DataError([Problem("命令行", 0, 0, "期号", e.message, e.expected)]) from None
    if programme not in dataset.policy_codes():
        raise DataError([Problem("命令行", 0, 0, "项目编码", f"项目{programme}不在政策清单中", "data/policies.csv 中的项目编码")])
    if county and (county not in dataset.regions or dataset.regions[county].level != "县"):
        raise DataError([Problem("命令行", 0, 0, "县", f"{county}不是县级区划代码", "12位县级区划代码，如 410421000000")])
    raw, read_problems = read_export(raw_path, shown, data)
    if read_problems:
        raise DataError(read_problems)
    rows, problems = parse_rows(raw, dataset.regions, county)
    counties = sorted({county_of(r.village) for r in rows})
    if len(counties) > 1:
        names = "、".join(dataset.regions[c].name for c in counties)
        problems.append(Problem(shown, 0, 0, "区划代码", f"一个批次只能属于一个县，本文件含{names}", "按县分别导出、分别导入"))
    if problems and not skip_bad:
        raise DataError(problems)
    if not rows:
        raise DataError(problems + [Problem(shown, 0, 0, "记录", "没有可导入的记录", "至少一条有效记录")])
    if len(counties) > 1:
        raise DataError(problems)
    the_county = counties[0]
    policy = dataset.policy_for(programme, period_year(period))
    batch_id = batch_id_for(the_county, programme, period)
    target = out_dir or (data_dir / "payments" / str(period_year(period)) / batch_id)
    keyed = keyed_records(rows, keyer)
    checks = cross_check(rows, keyed, policy, programme, period, history if history is not None else History(), batch_id)
    any_policy = policy or next(p for p in dataset.policies if p.code == programme)
    last_date = max(r.date for r in rows)
    start = publicity_start or last_date + dt.timedelta(days=1)
    end = publicity_end or start + dt.timedelta(days=10)
    county_name = dataset.regions[the_county].name
    meta = {
        "项目编码": programme,
        "期号": period,
        "区划代码": the_county,
        "发放单位": payer or f"{county_name}{any_policy.department.split('/')[0]}",
        "公示开始": start,
        "公示结束": end,
        "监督电话": phone or (dataset.site.phone if dataset.site else ""),
    }
    total = sum((r.amount for r in rows), Decimal(0))
    summary = {
        "原始文件": shown, "文件编码": raw.encoding, "项目": f"{programme} {any_policy.name}（{any_policy.short_name}）",
        "期号": period, "县": county_name, "导入记录": str(len(rows)), "跳过错误行": str(len(problems)),
        "金额合计（元）": format_decimal(total, 2), "未保存的列": "、".join(raw.dropped_columns) or "无",
    }
    return Plan(batch_id, target, target.exists(), programme, period, meta, keyed, problems, checks, raw.encoding,
                raw.dropped_columns, summary)


def write(p: Plan, history: History | None = None, report_dir: Path | None = None) -> IngestResult:
    """Write a planned batch (replacing one of the same id), add it to ``history``, and the
    cross-check report into ``report_dir`` when given."""
    write_batch(p.target, p.meta, p.records)
    if history is not None:
        for k in p.records:
            history.add(k["人员键"], k["查询键"], k["卡键"], k["发放状态"], p.batch_id, p.programme, p.period)
    report = None
    if report_dir is not None:
        report = write_report(report_dir, p.batch_id, p.summary["原始文件"], p.checks, p.skipped, p.summary)
    return IngestResult(p.target, p.batch_id, len(p.records), p.skipped, p.checks, report, p.encoding,
                        p.dropped_columns)
