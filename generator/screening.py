"""大数据比对筛查: payments screened against other departments' reference lists.

    rules    data/screening.yaml (public, committed): per programme, which list and how
    lists    <private>/名单/… (generator.reference; never committed, never built)
    report   reports/比对筛查报告.html + .csv (internal; masked names, batch + record numbers)
    summary  optional public counts per county, year and rule (< 5 suppressed, nothing per person)

The entry point, for ``python -m generator check``, ``diff`` and ``screen`` alike, is
:func:`screen` ``(data_dir, …) -> Screening``: rules and lists read, then the payments
of a loaded dataset screened (``screen_dataset``), or those on disk one batch at a
time, for data too big to load (``screen_dir``).

Rule types (``类型`` in screening.yaml):

    after_death                死亡人员: a payment dated after the death date (+ 宽限天数)
    on_payroll                 财政供养人员: a payment dated inside a payroll period
    certificate_valid          残疾人证: no certificate of at least 等级 valid on the payment date
    enrolled                   在校学生: a payment dated outside every enrolment period (± 宽限天数)
    duplicate_across_counties  no list: one person paid one programme for one 期号 in two or more counties

Only payments that reached the card (已发放/已补发) are screened.  A rule whose
list kind has no usable list is skipped and said so (an absent certificate
list must not turn every recipient into a finding).
"""

from __future__ import annotations

import csv
import datetime as dt
import html
import json
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path
from typing import NamedTuple

from generator.load import Collector, load, read_yaml
from generator.reference import KINDS, LEVEL_NAMES, ReferenceLists, has_lists, load_lists, private_dir
from huinong_core.disclosure import MIN_COUNT
from huinong_core.errors import HuinongError, Problem
from huinong_core.keys import load_key
from huinong_core.models import PAID_STATUSES, Dataset
from huinong_core.normalize import period_label, period_year
from huinong_core.regions import full_code, region_parent_code

RULES_FILE = "screening.yaml"
SUMMARY_FILE = "screening_summary.json"
RESOLUTIONS_FILE = "处理结果.csv"
REPORT_NAME = "比对筛查报告"
MIN_PUBLIC_COUNT = MIN_COUNT  # huinong_core/disclosure.py; no totals are published, so no cell is a difference

# ------------------------------------------------------------------ rules


@dataclass(frozen=True)
class RuleType:
    code: str
    label: str
    list_kind: str | None
    options: tuple[str, ...]


RULE_TYPES: dict[str, RuleType] = {t.code: t for t in (
    RuleType("after_death", "死亡后仍发放", "死亡人员", ("宽限天数",)),
    RuleType("on_payroll", "财政供养人员领取", "财政供养人员", ()),
    RuleType("certificate_valid", "无有效残疾人证或等级不符", "残疾人证", ("等级",)),
    RuleType("enrolled", "不在校仍领取学生资助", "在校学生", ("宽限天数",)),
    RuleType("duplicate_across_counties", "同一人同一项目同一期在两个县领取", None, ()),
)}
RULE_FIELDS = ("名称", "类型", "名单", "项目", "等级", "宽限天数", "说明")
TOP_FIELDS = ("规则", "说明")
_LEVEL_TEXT = {"一级": 1, "二级": 2, "三级": 3, "四级": 4, "1": 1, "2": 2, "3": 3, "4": 4}
_CODE = re.compile(r"^[A-Z]{2}\d{3}$")


@dataclass(frozen=True)
class Rule:
    name: str
    type: str
    list_kind: str | None
    programmes: tuple[str, ...]  # () = every programme ("*")
    level: int = 4  # certificate_valid: the certificate's level must be this or more severe (1 = 一级)
    grace_days: int = 0
    note: str = ""
    line: int = 0

    @property
    def label(self) -> str:
        return RULE_TYPES[self.type].label

    def applies_to(self, programme: str) -> bool:
        return not self.programmes or programme in self.programmes


@dataclass(frozen=True)
class Rules:
    path: str
    rules: tuple[Rule, ...]


def load_rules(path: Path, out: Collector, policy_codes: set[str] | None = None) -> Rules | None:
    """Read and check screening.yaml; every problem goes to ``out`` as file:line:column."""
    data, pos = read_yaml(path, out)
    if data is None:
        return None
    shown = out.rel(path)
    ok = True

    def bad(key: str, field_: str, message: str, expected: str = "") -> None:
        nonlocal ok
        line, col = pos.get(key, (1, 0))
        out.add(shown, line, col, field_, message, expected)
        ok = False

    for k in data:
        if k not in TOP_FIELDS:
            bad(str(k), str(k), "未知的字段", "只含：" + "，".join(TOP_FIELDS))
    raw_rules = data.get("规则")
    if not isinstance(raw_rules, list) or not raw_rules:
        bad("规则", "规则", "缺少规则列表", "“规则:” 下每项一条规则（名称、类型、名单、项目…）")
        return None
    rules: list[Rule] = []
    names: dict[str, int] = {}
    for i, raw in enumerate(raw_rules):
        p = f"规则[{i}]"
        if not isinstance(raw, dict):
            bad(p, "规则", "规则格式不对", "含 名称、类型、项目 等字段的映射")
            continue
        rule_ok = True

        def err(key: str, field_: str, message: str, expected: str = "") -> None:
            nonlocal rule_ok
            rule_ok = False
            bad(f"{p}.{key}" if f"{p}.{key}" in pos else p, field_, message, expected)

        for k in raw:
            if k not in RULE_FIELDS:
                err(str(k), str(k), "未知的字段", "规则只含：" + "，".join(RULE_FIELDS))
        name = str(raw.get("名称") or "").strip()
        if not name:
            err("名称", "名称", "缺少规则名称", "简短的中文名称，报告中显示")
        elif name in names:
            err("名称", "名称", f"规则名称重复（与第{names[name]}行相同）", "每条规则名称唯一")
        else:
            names[name] = pos.get(f"{p}.名称", (0, 0))[0]
        type_code = str(raw.get("类型") or "").strip()
        rtype = RULE_TYPES.get(type_code)
        if rtype is None:
            err("类型", "类型", f"不认识的规则类型（{type_code or '空'}）",
                "/".join(f"{t.code}（{t.label}）" for t in RULE_TYPES.values()))
        kind = raw.get("名单")
        kind = str(kind).strip() if kind is not None else None
        if kind is not None and kind not in KINDS:
            err("名单", "名单", f"不认识的名单类型（{kind}）", "/".join(KINDS))
        elif rtype is not None:
            if rtype.list_kind is None and kind is not None:
                err("名单", "名单", f"{rtype.code} 规则不使用名单", "删除“名单”字段")
            elif rtype.list_kind is not None and kind is None:
                err("类型", "名单", "缺少名单类型", rtype.list_kind)
            elif rtype.list_kind is not None and kind != rtype.list_kind:
                err("名单", "名单", f"{rtype.code} 规则只能比对“{rtype.list_kind}”名单（写的是“{kind}”）", rtype.list_kind)
            for opt in ("等级", "宽限天数"):
                if opt in raw and opt not in rtype.options:
                    err(opt, opt, f"{rtype.code} 规则没有“{opt}”这一项", "删除该字段")
        programmes: tuple[str, ...] = ()
        raw_codes = raw.get("项目")
        if raw_codes is None:
            err("名称" if "名称" in raw else "类型", "项目", "缺少适用项目", "项目编码列表，如 [MZ001, MZ002]，或 \"*\" 表示全部项目")
        elif raw_codes != "*":
            codes = raw_codes if isinstance(raw_codes, list) else [raw_codes]
            found = []
            for j, c in enumerate(codes):
                c = str(c).strip()
                key = f"项目[{j}]" if isinstance(raw_codes, list) else "项目"
                if not _CODE.match(c):
                    err(key, "项目", f"不是有效项目编码（{c}）", "两个大写字母加三位数字，如 NY001；或 \"*\"")
                elif policy_codes is not None and c not in policy_codes:
                    err(key, "项目", f"项目{c}不在政策清单中", "policies.csv 中的项目编码")
                else:
                    found.append(c)
            programmes = tuple(dict.fromkeys(found))
            if not codes:
                err("项目", "项目", "项目列表为空", "至少一个项目编码，或 \"*\"")
        level = 4
        if "等级" in raw:
            level_text = str(raw["等级"]).strip()
            if level_text not in _LEVEL_TEXT:
                err("等级", "等级", f"不认识的残疾等级（{level_text}）", "一级/二级/三级/四级：持证等级须为该级或更重")
            else:
                level = _LEVEL_TEXT[level_text]
        grace = 0
        if "宽限天数" in raw:
            g = raw["宽限天数"]
            if isinstance(g, bool) or not isinstance(g, int) or g < 0:
                err("宽限天数", "宽限天数", f"不是非负整数（{g}）", "0 或正整数，如 30")
            else:
                grace = g
        if rule_ok and rtype is not None:
            rules.append(Rule(name, rtype.code, rtype.list_kind, programmes, level, grace,
                              str(raw.get("说明") or "").strip(), pos.get(p, (0, 0))[0]))
    return Rules(shown, tuple(rules)) if ok else None


# --------------------------------------------------------------- findings


class Pay(NamedTuple):
    """The few fields of one payment record that screening reads (dates as ISO text)."""

    record_no: str
    person_key: str
    name: str  # masked
    region: str
    amount: str
    date: str
    status: str
    line: int


@dataclass(frozen=True)
class BatchRef:
    batch_id: str
    programme: str
    period: str
    county: str
    records_path: str  # shown path of records.csv

    @property
    def year(self) -> int:
        return period_year(self.period)


@dataclass(frozen=True, order=True)
class Finding:
    """One screened payment that a rule flags.  Identity: (rule, batch_id, record_no)."""

    county: str
    department: str
    rule: str
    batch_id: str
    record_no: str
    rule_type: str = field(compare=False)
    programme: str = field(compare=False)
    period: str = field(compare=False)
    village: str = field(compare=False)
    name: str = field(compare=False)  # masked
    date: str = field(compare=False)
    amount: str = field(compare=False)
    evidence_date: str = field(compare=False)  # '' when there is none (no certificate, …)
    evidence: str = field(compare=False)  # which list and line, or the other batch
    detail: str = field(compare=False)
    records_path: str = field(compare=False)
    line: int = field(compare=False)

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.rule, self.batch_id, self.record_no)

    @property
    def year(self) -> int:
        return period_year(self.period)


@dataclass
class Outcome:
    findings: list[Finding]
    screened: int  # paid records looked at
    per_rule_checked: Counter  # rule name → records it applied to
    skipped_rules: list[tuple[Rule, str]]  # rules not applied, and why
    applied: set[tuple[str, int, str]]  # (county, year, rule) screened: the public summary's zeros are real zeros
    problems: list[Problem] = field(default_factory=list)


def _iso_plus(day: str, days: int) -> str:
    return (dt.date.fromisoformat(day) + dt.timedelta(days=days)).isoformat() if days else day


def _days_between(a: str, b: str) -> int:
    return (dt.date.fromisoformat(b) - dt.date.fromisoformat(a)).days


def _evidence(lst, line: int) -> str:
    return f"{lst.kind}名单“{lst.name}”第{line}行"


def _check_death(rule: Rule, pay: Pay, entries) -> tuple[str, str, str] | None:
    attrs, lst, line = min(entries, key=lambda e: e[0][0])
    died = attrs[0]
    if pay.date > _iso_plus(died, rule.grace_days):
        return died, _evidence(lst, line), f"死亡日期{died}，死亡后第{_days_between(died, pay.date)}天仍发放"
    return None


def _check_payroll(rule: Rule, pay: Pay, entries) -> tuple[str, str, str] | None:
    for (start, end), lst, line in entries:
        if (not start or start <= pay.date) and (not end or pay.date <= end):
            span = f"{start or '起始日期不详'}起" + (f"至{end}" if end else "")
            return start, _evidence(lst, line), f"发放时在财政供养期间（{span}）"
    return None


def _check_certificate(rule: Rule, pay: Pay, entries) -> tuple[str, str, str] | None:
    need = LEVEL_NAMES[str(rule.level)]
    if not entries:
        return "", "残疾人证名单中无此人", f"无残疾人证记录（要求{need}及以上）"
    covering = []
    for (level, issued, expires), lst, line in entries:
        in_time = (not issued or issued <= pay.date) and (not expires or pay.date <= expires)
        if in_time and int(level) <= rule.level:
            return None
        if in_time:
            covering.append((level, issued, lst, line))
    if covering:
        level, issued, lst, line = min(covering)
        return issued, _evidence(lst, line), f"残疾等级为{LEVEL_NAMES[level]}，要求{need}及以上"
    expired = [(expires, lst, line) for (_lv, _is, expires), lst, line in entries if expires and expires < pay.date]
    if expired:
        expires, lst, line = max(expired, key=lambda e: e[0])
        return expires, _evidence(lst, line), f"残疾人证已于{expires}过期"
    issued, lst, line = min(((i, lst, line) for (_lv, i, _ex), lst, line in entries if i), key=lambda e: e[0])
    return issued, _evidence(lst, line), f"发放时尚未发证（发证日期{issued}）"


def _check_enrolled(rule: Rule, pay: Pay, entries) -> tuple[str, str, str] | None:
    if not entries:
        return "", "在校学生名单中无此人", "无在校学籍记录"
    g = rule.grace_days
    for (start, end), _lst, _line in entries:
        if _iso_plus(start, -g) <= pay.date and (not end or pay.date <= _iso_plus(end, g)):
            return None
    before = [(end, lst, line) for (_s, end), lst, line in entries if end and end < pay.date]
    if before:
        end, lst, line = max(before, key=lambda e: e[0])
        return end, _evidence(lst, line), f"发放时已离校（离校日期{end}）"
    start, lst, line = min(((s, lst, line) for (s, _e), lst, line in entries), key=lambda e: e[0])
    return start, _evidence(lst, line), f"发放时尚未入学（入学日期{start}）"


_CHECKS: dict[str, Callable] = {
    "after_death": _check_death, "on_payroll": _check_payroll,
    "certificate_valid": _check_certificate, "enrolled": _check_enrolled,
}
#: Rules that flag a person *missing* from the list; the others flag a person *on* it.
_NEEDS_ENTRY = ("certificate_valid", "enrolled")


class _Context:
    def __init__(self, departments: dict[str, str]):
        self.departments = departments

    def department(self, programme: str) -> str:
        return self.departments.get(programme, "")


def _finding(ctx: _Context, rule: Rule, b: BatchRef, pay: Pay, evidence_date: str, evidence: str,
             detail: str) -> Finding:
    return Finding(b.county, ctx.department(b.programme), rule.name, b.batch_id, pay.record_no, rule.type,
                   b.programme, b.period, pay.region, pay.name, pay.date, pay.amount, evidence_date, evidence,
                   detail, b.records_path, pay.line)


def screen_batches(batches: Iterable[BatchRef], records: Callable[[BatchRef], Iterable[Pay]],
                   lists: ReferenceLists, rules: Rules, departments: dict[str, str]) -> Outcome:
    """The engine.  Batches are visited grouped by (programme, 期号), one at a time;
    only the cross-county rule keeps state, and only within one group."""
    ctx = _Context(departments)
    findings: list[Finding] = []
    checked: Counter = Counter()
    available = lists.kinds()
    skipped = [(r, f"未导入“{r.list_kind}”名单") for r in rules.rules if r.list_kind and r.list_kind not in available]
    active = [r for r in rules.rules if not r.list_kind or r.list_kind in available]
    applied: set[tuple[str, int, str]] = set()
    screened = 0
    group = None
    seen: dict[str, tuple[BatchRef, Pay, bool]] = {}
    for b in sorted(batches, key=lambda b: (b.programme, b.period, b.county, b.batch_id)):
        applicable = [r for r in active if r.applies_to(b.programme)]
        if (b.programme, b.period) != group:
            group, seen = (b.programme, b.period), {}
        if not applicable:
            continue
        applied.update((b.county, b.year, r.name) for r in applicable)
        list_rules = [(r, lists.by_kind.get(r.list_kind, {}), _CHECKS[r.type], r.type in _NEEDS_ENTRY)
                      for r in applicable if r.list_kind]
        dup = next((r for r in applicable if r.type == "duplicate_across_counties"), None)
        n = 0
        for pay in records(b):
            if pay.status not in PAID_STATUSES:
                continue
            n += 1
            pk = pay.person_key
            for rule, table, check, needs_entry in list_rules:
                if pk in table:
                    entries = lists.entries(rule.list_kind, pk)
                elif needs_entry:
                    entries = []
                else:
                    continue
                hit = check(rule, pay, entries)
                if hit:
                    findings.append(_finding(ctx, rule, b, pay, *hit))
            if dup is not None:
                first = seen.get(pk)
                if first is None:
                    seen[pk] = (b, pay, False)
                elif first[0].county != b.county:
                    fb, fpay, reported = first
                    if not reported:
                        findings.append(_finding(ctx, dup, fb, fpay, pay.date, f"批次{b.batch_id}第{pay.record_no}号",
                                                 f"同一人{period_label(b.period)}在{b.batch_id}也领取了本项目"))
                        seen[pk] = (fb, fpay, True)
                    findings.append(_finding(ctx, dup, b, pay, fpay.date, f"批次{fb.batch_id}第{fpay.record_no}号",
                                             f"同一人{period_label(b.period)}已在{fb.batch_id}领取本项目"))
        screened += n
        for r in applicable:
            checked[r.name] += n
    findings.sort()
    return Outcome(findings, screened, checked, skipped, applied, list(lists.problems))


def _departments(policies) -> dict[str, str]:
    out: dict[str, str] = {}
    for p in sorted(policies, key=lambda p: p.start_year):
        out[p.code] = p.department  # the latest row wins
    return out


def screen_dataset(dataset: Dataset, lists: ReferenceLists, rules: Rules) -> Outcome:
    """Every batch of a loaded dataset; findings sorted by county, department, rule, batch, record."""
    by_id = {b.batch_id: b for b in dataset.batches}
    refs = [BatchRef(b.batch_id, b.programme, b.period, b.region,
                     b.src.path.replace("batch.yaml", "records.csv")) for b in by_id.values()]

    def records(ref: BatchRef) -> Iterator[Pay]:
        for r in by_id[ref.batch_id].records:
            yield Pay(r.record_no, r.person_key, r.name, r.region, f"{r.amount:.2f}", r.date.isoformat(), r.status, r.src.line)

    return screen_batches(refs, records, lists, rules, _departments(dataset.policies))


# ------------------------------------------------------------ from disk

_BATCH_DIR = re.compile(r"^(\d{6})-([A-Z]{2}\d{3})-(\d{4}(?:-\d{2}|Q[1-4]|H[12]|-B\d{2})?)$")
PAY_COLUMNS = ("记录号", "人员键", "姓名", "区划代码", "发放金额", "发放日期", "发放状态")


def batch_refs(data_dir: Path, *, years: Iterable[int] | None = None, batch_ids: Iterable[str] | None = None,
               base: Path | None = None) -> list[BatchRef]:
    """The batches under data/payments, from their directory names alone (no file read)."""
    pay = (Path(data_dir) / "payments").resolve()
    years = set(years) if years is not None else None
    wanted = set(batch_ids) if batch_ids is not None else None
    base = (Path(base) if base is not None else Path(data_dir).resolve().parent).resolve()
    try:
        shown_root = str(pay.relative_to(base))
    except ValueError:
        shown_root = str(pay)
    refs = []
    if not pay.is_dir():
        return refs
    for year_dir in sorted(pay.iterdir()):
        if not year_dir.is_dir() or not year_dir.name.isdigit():
            continue
        if years is not None and int(year_dir.name) not in years:
            continue
        for d in sorted(year_dir.iterdir()):
            m = _BATCH_DIR.match(d.name)
            if not m or (wanted is not None and d.name not in wanted) or not d.is_dir():
                continue
            shown = f"{shown_root}/{year_dir.name}/{d.name}/records.csv"
            refs.append(BatchRef(d.name, m.group(2), m.group(3), full_code(m.group(1)), shown))
    return refs


class RecordsError(Exception):
    pass


def read_pays(path: Path, shown: str) -> Iterator[Pay]:
    """records.csv streamed, only the columns screening needs.  Trusts `check` for the
    cell formats but refuses a file whose header lacks a needed column."""
    with open(path, encoding="utf-8-sig", newline="") as f:
        reader = csv.reader(f)
        header = next(reader, [])
        try:
            idx = [header.index(c) for c in PAY_COLUMNS]
        except ValueError:
            missing = [c for c in PAY_COLUMNS if c not in header]
            raise RecordsError(Problem(shown, 1, 0, missing[0], "缺少此列", "ingest 生成的 records.csv")) from None
        i_no, i_pk, i_name, i_region, i_amount, i_date, i_status = idx
        line = 1
        for row in reader:
            line += 1
            if len(row) != len(header):
                continue
            yield Pay(row[i_no], row[i_pk], row[i_name], row[i_region], row[i_amount], row[i_date], row[i_status], line)


def screen_dir(data_dir: Path, lists: ReferenceLists, rules: Rules, policies, *, years: Iterable[int] | None = None,
               batch_ids: Iterable[str] | None = None, base: Path | None = None) -> Outcome:
    """Screen the batches on disk one at a time (memory: the lists, and one 期号 of one
    programme for the cross-county rule).  ``policies``: for the departments."""
    data_dir = Path(data_dir)
    base = Path(base) if base is not None else data_dir.resolve().parent
    refs = batch_refs(data_dir, years=years, batch_ids=batch_ids, base=base)
    problems: list[Problem] = []

    def records(ref: BatchRef) -> Iterator[Pay]:
        path = base / ref.records_path if not Path(ref.records_path).is_absolute() else Path(ref.records_path)
        try:
            yield from read_pays(path, ref.records_path)
        except RecordsError as e:
            problems.append(e.args[0])
        except OSError as e:
            problems.append(Problem(ref.records_path, 0, 0, "文件", f"无法读取（{e.strerror}）", "ingest 生成的 records.csv"))

    outcome = screen_batches(refs, records, lists, rules, _departments(policies))
    outcome.problems.extend(problems)
    return outcome


# ------------------------------------------------------------ resolutions


def load_resolutions(private: Path) -> dict[tuple[str, str, str], tuple[str, str]]:
    """<private>/处理结果.csv: 规则, 批次号, 记录号, 处理结果, 处理日期 (staff fill it in; never published)."""
    path = Path(private) / RESOLUTIONS_FILE
    if not path.exists():
        return {}
    out = {}
    with open(path, encoding="utf-8-sig", newline="") as f:
        for row in csv.DictReader(f):
            key = ((row.get("规则") or "").strip(), (row.get("批次号") or "").strip(), (row.get("记录号") or "").strip())
            result = (row.get("处理结果") or "").strip()
            if all(key) and result:
                out[key] = (result, (row.get("处理日期") or "").strip())
    return out


# ----------------------------------------------------------------- report

CSV_HEADER = ("县（市、区）", "主管部门", "规则", "规则类型", "批次号", "记录号", "明细文件行号", "项目编码", "期号",
              "乡镇（街道）", "村（社区）", "姓名（打码）", "发放日期", "发放金额", "证据日期", "证据来源", "说明", "处理结果")


def _names(regions) -> Callable[[str], str]:
    def name(code: str) -> str:
        r = regions.get(code)
        return r.name if r is not None else code
    return name


def write_report(out_dir: Path, outcome: Outcome, rules: Rules, lists: ReferenceLists, regions,
                 resolutions: dict | None = None, generated: str = "") -> tuple[Path, Path]:
    """Staff report (internal, never published): CSV with one row per finding, HTML grouped
    by county and department with counts per rule.  Names are masked as in data/."""
    resolutions = resolutions or {}
    name = _names(regions)
    out_dir.mkdir(parents=True, exist_ok=True)
    csv_path = out_dir / f"{REPORT_NAME}.csv"
    html_path = out_dir / f"{REPORT_NAME}.html"
    tmp_csv = csv_path.with_name(f".{csv_path.name}.tmp")
    with open(tmp_csv, "w", encoding="utf-8-sig", newline="") as f:
        w = csv.writer(f)
        w.writerow(CSV_HEADER)
        for x in outcome.findings:
            res = resolutions.get(x.key)
            w.writerow((name(x.county), x.department, x.rule, RULE_TYPES[x.rule_type].label, x.batch_id, x.record_no,
                        x.line, x.programme, x.period, name(region_parent_code(x.village)), name(x.village), x.name, x.date,
                        x.amount, x.evidence_date, x.evidence, x.detail, f"{res[0]}（{res[1]}）" if res else ""))
    e = html.escape
    per_rule = Counter(x.rule for x in outcome.findings)
    parts = [
        "<!doctype html><html lang='zh-CN'><meta charset='utf-8'>",
        "<title>大数据比对筛查报告（内部，不得公开）</title>",
        "<style>body{font:18px/1.6 sans-serif;margin:2em;color:#111}table{border-collapse:collapse;margin:1em 0}"
        "th,td{border:1px solid #555;padding:.3em .6em;text-align:left}td.n{text-align:right}"
        ".warn{background:#fff3cd;padding:.5em 1em;border:2px solid #8a6d00}"
        ".error{background:#f8d7da;padding:.5em 1em;border:2px solid #842029}</style>",
        "<h1>大数据比对筛查报告</h1>",
        "<p class='warn'>内部工作材料，仅供审核人员逐条核实，不得公开或上传到公开网站。姓名已打码；"
        "按批次号和记录号在“一卡通”系统中找到对应记录。</p>",
    ]
    if generated:
        parts.append(f"<p>生成时间：{e(generated)}；比对发放记录 {outcome.screened} 条，发现疑点 {len(outcome.findings)} 条。</p>")
    if outcome.problems:
        parts.append("<div class='error'><p><strong>以下问题使部分比对没有进行，结果不完整：</strong></p><ul>")
        parts.extend(f"<li>{e(str(p))}</li>" for p in outcome.problems)
        parts.append("</ul></div>")
    parts.append("<table><caption>比对名单</caption><thead><tr><th scope='col'>类型</th><th scope='col'>名称</th>"
                 "<th scope='col'>记录数</th></tr></thead><tbody>")
    parts.extend(f"<tr><td>{e(lst.kind)}</td><td>{e(lst.name)}</td><td class='n'>{lst.rows}</td></tr>" for lst in lists.lists)
    parts.append("</tbody></table>")
    parts.append("<table><caption>各规则疑点数</caption><thead><tr><th scope='col'>规则</th><th scope='col'>类型</th>"
                 "<th scope='col'>适用项目</th><th scope='col'>比对记录数</th><th scope='col'>疑点数</th></tr></thead><tbody>")
    skipped = dict((r.name, why) for r, why in outcome.skipped_rules)
    for r in rules.rules:
        progs = "、".join(r.programmes) or "全部项目"
        count = f"未比对：{e(skipped[r.name])}" if r.name in skipped else str(per_rule.get(r.name, 0))
        parts.append(f"<tr><th scope='row'>{e(r.name)}</th><td>{e(r.label)}</td><td>{e(progs)}</td>"
                     f"<td class='n'>{outcome.per_rule_checked.get(r.name, 0)}</td><td class='n'>{count}</td></tr>")
    parts.append("</tbody></table>")
    if not outcome.findings:
        parts.append("<p>未发现疑点。</p>")
    by_county: dict[str, dict[str, list[Finding]]] = defaultdict(lambda: defaultdict(list))
    for x in outcome.findings:
        by_county[x.county][x.department].append(x)
    cols = ("规则", "批次号", "记录号", "乡镇（街道）", "村（社区）", "姓名", "发放日期", "金额", "证据日期", "证据来源", "说明", "处理结果")
    for county in sorted(by_county):
        depts = by_county[county]
        total = sum(len(v) for v in depts.values())
        parts.append(f"<h2>{e(name(county))}（{total}条）</h2>")
        for dept in sorted(depts):
            items = depts[dept]
            counts = "，".join(f"{e(k)} {n} 条" for k, n in sorted(Counter(x.rule for x in items).items()))
            parts.append(f"<h3>{e(dept or '未知部门')}（{counts}）</h3>")
            parts.append("<table><thead><tr>" + "".join(f"<th scope='col'>{c}</th>" for c in cols) + "</tr></thead><tbody>")
            for x in items:
                res = resolutions.get(x.key)
                cells = (x.rule, x.batch_id, x.record_no, name(region_parent_code(x.village)), name(x.village), x.name, x.date,
                         x.amount, x.evidence_date, x.evidence, x.detail, f"{res[0]}（{res[1]}）" if res else "")
                parts.append("<tr>" + "".join(f"<td>{e(str(c))}</td>" for c in cells) + "</tr>")
            parts.append("</tbody></table>")
    tmp_html = html_path.with_name(f".{html_path.name}.tmp")
    tmp_html.write_text("\n".join(parts) + "\n", encoding="utf-8")
    tmp_csv.replace(csv_path)
    tmp_html.replace(html_path)
    return html_path, csv_path


# ---------------------------------------------------------------- summary


def public_summary(outcome: Outcome, rules: Rules, regions, resolutions: dict | None = None,
                   protected: Iterable[str] = (), generated: str = "") -> dict:
    """Counts per county, year and rule for publication: nothing about any person.

    A count of 1-4 is suppressed (null, 少于5: true) and so is its share resolved;
    there are no totals, so a suppressed cell cannot be worked out by subtraction.
    Findings in protected programmes are left out entirely.
    """
    resolutions = resolutions or {}
    protected = set(protected)
    name = _names(regions)
    counts: Counter = Counter()
    resolved: Counter = Counter()
    for x in outcome.findings:
        if x.programme in protected:
            continue
        k = (x.county, x.year, x.rule)
        counts[k] += 1
        if x.key in resolutions:
            resolved[k] += 1
    order = {r.name: i for i, r in enumerate(rules.rules)}
    labels = {r.name: r.label for r in rules.rules}
    rows = []
    for county, year, rule in sorted(outcome.applied, key=lambda k: (k[0], k[1], order.get(k[2], 99))):
        for r in (rule,):
            n = counts.get((county, year, r), 0)
            small = 0 < n < MIN_PUBLIC_COUNT
            rows.append({
                "区划代码": county, "县": name(county), "年度": year, "规则": r, "规则类型": labels.get(r, ""),
                "疑点数": None if small else n, "少于5": small,
                "已处理比例": None if small or n == 0 else round(resolved.get((county, year, r), 0) / n, 3),
            })
    return {
        "说明": "大数据比对筛查结果汇总：按县、年度、规则统计疑点数和已处理比例；"
                f"不足{MIN_PUBLIC_COUNT}条的不公布具体数字；不含任何个人信息，不含隐私保护项目。",
        "生成时间": generated,
        "最小公布数": MIN_PUBLIC_COUNT,
        "数据": rows,
    }


def write_summary(path: Path, summary: dict) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(json.dumps(summary, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    tmp.replace(path)
    return path


# ------------------------------------------------------------ one run


class RulesError(HuinongError):
    """The rules file is missing (no problems) or has problems: nothing was screened."""

    def __init__(self, path: Path, problems: list[Problem]):
        super().__init__(str(path))
        self.path = path
        self.problems = problems


@dataclass(frozen=True)
class Screening:
    """One run of :func:`screen`: what it read and what it found."""

    dataset: Dataset  # its regions and policies name the report's counties and departments
    private: Path  # the lists, and the staff's 处理结果.csv
    rules: Rules
    lists: ReferenceLists
    outcome: Outcome

    @cached_property
    def resolutions(self) -> dict[tuple[str, str, str], tuple[str, str]]:
        return load_resolutions(self.private)

    def report(self, out_dir: Path, generated: str) -> tuple[Path, Path]:
        """The internal report (HTML, CSV) with what staff recorded of each finding."""
        return write_report(out_dir, self.outcome, self.rules, self.lists, self.dataset.regions, self.resolutions,
                            generated)

    def summary(self, path: Path, generated: str) -> Path:
        """The public counts (protected programmes left out)."""
        protected = self.dataset.protected_codes()
        return write_summary(path, public_summary(self.outcome, self.rules, self.dataset.regions, self.resolutions,
                                                  protected, generated))


def screen(data_dir: Path | str, *, dataset: Dataset | None = None, before: Dataset | None = None,
           only_with_lists: bool = False, private: Path | None = None, rules_path: Path | None = None,
           years: Iterable[int] | None = None, batch_ids: Iterable[str] | None = None,
           base: Path | None = None) -> Screening | None:
    """Screen the payments of ``data_dir`` against this machine's reference lists.

    ``dataset``: the payments already loaded (``check``, ``diff``); without it the batches on
    disk are read one at a time (``python -m generator screen``; ``years``, ``batch_ids`` pick
    them).  ``before``: keep only the findings ``dataset`` has and ``before`` has not (what a
    change brings).  ``only_with_lists``: None, and nothing read, when there is no list or no
    rules file.  ``private`` and ``rules_path`` default to private_dir(data_dir) and
    data/screening.yaml; paths in findings and problems are shown relative to ``base``.
    Raises KeyConfigError without a key, RulesError when the rules file is missing or has problems.
    """
    data_dir = Path(data_dir)
    base = Path(base) if base is not None else data_dir.resolve().parent
    private = Path(private) if private is not None else private_dir(data_dir)
    rules_path = Path(rules_path) if rules_path is not None else data_dir / RULES_FILE
    if only_with_lists and not (has_lists(private) and rules_path.exists()):
        return None
    keyer = load_key()  # before anything is read
    if dataset is None:  # regions and policies only
        loaded = load(data_dir, base if data_dir.resolve().is_relative_to(base) else None, payments=False)
        known, out = loaded.dataset, loaded.collector
    else:
        known, out = dataset, Collector(base)
    if not rules_path.exists():
        raise RulesError(rules_path, [])
    earlier = len(out.problems)
    rules = load_rules(rules_path, out, known.policy_codes() | out.invalid_policy_codes)
    if rules is None:
        raise RulesError(rules_path, out.problems[earlier:])
    lists = load_lists(private, keyer, base=base)
    if dataset is None:
        outcome = screen_dir(data_dir, lists, rules, known.policies, years=years, batch_ids=batch_ids, base=base)
    else:
        outcome = screen_dataset(dataset, lists, rules)
        if before is not None:
            old = {f.key for f in screen_dataset(before, lists, rules).findings}
            outcome = replace(outcome, findings=[f for f in outcome.findings if f.key not in old])
    return Screening(known, private, rules, lists, outcome)
