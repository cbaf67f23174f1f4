"""The cross-record rules of `check` (generator/check.py) over the loaded dataset.

`load` already checked every cell on its own; here we check what needs
more than one cell: codes that must exist, villages that must belong to the
batch's county, programmes that must apply in that region and year,
publicity periods, protected programmes' short names.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from pathlib import Path

from generator.load import Collector
from huinong_core.models import FAILED_STATUSES, WINDOW, Batch, Dataset, Policy, batch_id_for
from huinong_core.normalize import period_year
from huinong_core.regions import county_of, region_level, region_parent_code

MIN_PUBLICITY_DAYS = 7
#: Words a protected programme's short name must not contain (it is sent in bank SMS).
REVEALING_WORDS = ("孤儿", "孤", "艾滋", "抚养", "病人", "感染", "无人")
#: Two-character words a protected programme's short name may share with its own name: they say
#: nothing about who receives it.  Any other word taken from the name (儿童, 患者...) gives it away.
NEUTRAL_WORDS = frozenset(("补助", "补贴", "救助", "生活", "专项", "民政", "资金", "基本", "津贴", "保障", "帮扶",
                           "扶助", "救济", "关爱"))


def revealing_part(policy: Policy) -> str | None:
    """The word of a protected programme's 四字简称 that gives the programme away, if any."""
    for word in REVEALING_WORDS:
        if word in policy.short_name:
            return word
    s = policy.short_name
    for word in (s[:2], s[2:4]):
        if word and word not in NEUTRAL_WORDS and (word in policy.name or word in policy.card_name):
            return word
    return None


def apply_rules(ds: Dataset, out: Collector) -> None:
    _regions(ds, out)
    _policies(ds, out)
    _documents(ds, out)
    _procedures(ds, out)
    _services(ds, out)
    _notices(ds, out)
    for batch in ds.batches:
        _batch(ds, batch, out)


def _regions(ds: Dataset, out: Collector) -> None:
    for r in ds.regions.values():
        expected = region_parent_code(r.code)
        col = r.src.at("上级代码")[1]
        if expected is None:
            if r.parent:
                out.add(r.src.path, r.src.line, col, "上级代码", "省级区划不应有上级代码")
            continue
        if r.parent != expected:
            out.add(r.src.path, r.src.line, col, "上级代码", f"上级代码与区划代码不符（{r.parent or '空'}）", expected)
        elif r.parent not in ds.regions and region_level(r.code) != "市":
            out.add(r.src.path, r.src.line, col, "上级代码", f"上级区划{r.parent}不存在", "regions.csv 中已有的区划代码")


def _policies(ds: Dataset, out: Collector) -> None:
    by_code: dict[str, list[Policy]] = defaultdict(list)
    short_owner: dict[str, str] = {}
    for p in ds.policies:
        by_code[p.code].append(p)
        owner = short_owner.setdefault(p.short_name, p.code)
        if owner != p.code:
            out.add(p.src.path, p.src.line, p.src.at("四字简称")[1], "四字简称",
                    f"四字简称“{p.short_name}”已被项目{owner}使用", "每个项目唯一的四字简称")
        if p.end_year is not None and p.end_year < p.start_year:
            out.add(p.src.path, p.src.line, p.src.at("终止年度")[1], "终止年度",
                    f"终止年度{p.end_year}早于起始年度{p.start_year}", "不早于起始年度")
        for code in p.regions:
            if code not in ds.regions:
                out.add(p.src.path, p.src.line, p.src.at("适用地区")[1], "适用地区", f"区划代码{code}不存在",
                        "regions.csv 中的区划代码，空表示全部地区")
        if p.protected:
            # The bank's arrival SMS names it by this (generator/sms.py): it must say nothing of who gets it.
            word = revealing_part(p)
            if word:
                out.add(p.src.path, p.src.line, p.src.at("四字简称")[1], "四字简称",
                        f"隐私保护项目的四字简称不能透露领取人情况（含“{word}”）", "中性的简称，如 生活补助")
    for code, rows in by_code.items():
        rows = sorted(rows, key=lambda p: p.start_year)
        for prev, cur in zip(rows, rows[1:]):
            if prev.end_year is None or prev.end_year >= cur.start_year:
                out.add(cur.src.path, cur.src.line, cur.src.at("起始年度")[1], "起始年度",
                        f"项目{code}的年度与第{prev.src.line}行重叠", f"晚于{prev.end_year or '前一行的终止年度'}")
            if prev.short_name != cur.short_name:
                out.add(cur.src.path, cur.src.line, cur.src.at("四字简称")[1], "四字简称",
                        f"同一项目的四字简称前后不一（第{prev.src.line}行为“{prev.short_name}”）", prev.short_name)


def _known_codes(ds: Dataset, out: Collector) -> set[str]:
    return ds.policy_codes() | out.invalid_policy_codes


def _documents(ds: Dataset, out: Collector) -> None:
    codes = _known_codes(ds, out)
    files_dir = Path(ds.root) / "documents" / "files"
    for d in ds.documents:
        for i, c in enumerate(d.programmes):
            if c not in codes:
                line, col = d.src.positions.get(f"项目编码[{i}]", d.src.at("项目编码"))
                out.add(d.src.path, line, col, "项目编码", f"项目{c}不在政策清单中", "policies.csv 中的项目编码")
        for i, a in enumerate(d.attachments):
            if not (files_dir / a.file).is_file():
                line, col = d.src.positions.get(f"附件[{i}]", d.src.at("附件"))
                out.add(d.src.path, line, col, "附件", f"附件文件{a.file}不存在", "data/documents/files/ 下的文件")


def _procedures(ds: Dataset, out: Collector) -> None:
    codes = _known_codes(ds, out)
    for p in ds.procedures:
        for i, c in enumerate(p.programmes):
            if c not in codes:
                line, col = p.src.positions.get(f"项目编码[{i}]", p.src.at("项目编码"))
                out.add(p.src.path, line, col, "项目编码", f"项目{c}不在政策清单中", "policies.csv 中的项目编码")


def _services(ds: Dataset, out: Collector) -> None:
    for s in ds.services:
        col = s.src.at("区划代码")[1]
        region = ds.regions.get(s.region)
        if region is None:
            out.add(s.src.path, s.src.line, col, "区划代码", f"区划代码{s.region}不存在", "regions.csv 中的区划代码")
        elif s.kind == WINDOW and region.level != "乡":
            out.add(s.src.path, s.src.line, col, "区划代码", f"便民服务窗口应属于乡镇（{region.name}是{region.level}级）", "乡镇（街道）区划代码")


def _notices(ds: Dataset, out: Collector) -> None:
    codes = _known_codes(ds, out)
    protected = ds.protected_codes()
    for n in ds.notices:
        for i, c in enumerate(n.regions):
            line, col = n.src.positions.get(f"区划代码[{i}]", n.src.at("区划代码"))
            if c not in ds.regions:
                out.add(n.src.path, line, col, "区划代码", f"区划代码{c}不存在", "regions.csv 中的区划代码，不填表示全部地区")
            elif region_level(c) in ("乡", "村") and protected & set(n.programmes):
                out.add(n.src.path, line, col, "区划代码", "隐私保护项目的通知不能指向县级以下区划",
                        "县（市、区）或更高一级的区划代码")
        for i, c in enumerate(n.programmes):
            if c not in codes:
                line, col = n.src.positions.get(f"项目编码[{i}]", n.src.at("项目编码"))
                out.add(n.src.path, line, col, "项目编码", f"项目{c}不在政策清单中", "policies.csv 中的项目编码，不填表示全部项目")


def _batch(ds: Dataset, b: Batch, out: Collector) -> None:
    meta = b.src

    def bad(field: str, message: str, expected: str = "") -> None:
        line, col = meta.at(field)
        out.add(meta.path, line, col, field, message, expected)

    expected_id = batch_id_for(b.region, b.programme, b.period)
    if b.batch_id != expected_id:
        bad("期号", f"批次目录名{b.batch_id}与内容不符", f"目录名 {expected_id}")
    if b.year != period_year(b.period):
        bad("期号", f"期号{b.period}不属于年度目录{b.year}", f"data/payments/{period_year(b.period)}/")
    county = ds.regions.get(b.region)
    if county is None:
        bad("区划代码", f"区划代码{b.region}不存在", "regions.csv 中的县级区划代码")
    elif county.level != "县":
        bad("区划代码", f"批次应属于一个县（{county.name}是{county.level}级）", "县级区划代码")
    policy = ds.policy_for(b.programme, period_year(b.period))
    if b.programme in out.invalid_policy_codes and policy is None:
        pass  # its policy row has errors of its own, reported once there
    elif b.programme not in ds.policy_codes():
        bad("项目编码", f"项目{b.programme}不在政策清单中", "policies.csv 中的项目编码")
    elif policy is None:
        bad("项目编码", f"项目{b.programme}在{period_year(b.period)}年度不在执行期内", "起始年度至终止年度之内")
    elif not policy.reaches(b.region):
        policy = None  # reported once for the batch, not again for every record
        bad("区划代码", f"项目{b.programme}不适用于{county.name if county else b.region}", "政策清单“适用地区”内")
    if b.publicity_end < b.publicity_start + dt.timedelta(days=MIN_PUBLICITY_DAYS):
        bad("公示结束", f"公示期不足{MIN_PUBLICITY_DAYS}天（{b.publicity_start}至{b.publicity_end}）",
            f"不早于{b.publicity_start + dt.timedelta(days=MIN_PUBLICITY_DAYS)}")
    if not b.records:
        out.add(meta.path.replace("batch.yaml", "records.csv"), 1, 0, "记录", "批次没有任何发放记录", "至少一条记录")
    if b.batch_id in out.checked_before:  # the same records passed this check before (generator/batch_cache.py)
        return
    seen: dict[str, int] = {}
    for r in b.records:
        s = r.src
        if r.record_no in seen:
            out.add(s.path, s.line, s.at("记录号")[1], "记录号", f"记录号重复（首次见于第{seen[r.record_no]}行）", "批次内唯一")
        else:
            seen[r.record_no] = s.line
        region = ds.regions.get(r.region)
        col = s.at("区划代码")[1]
        if region is None:
            out.add(s.path, s.line, col, "区划代码", f"区划代码{r.region}不存在", "regions.csv 中的村（社区）代码")
        elif region.level != "村":
            out.add(s.path, s.line, col, "区划代码", f"{region.name}不是村（社区）", "村（社区）级区划代码")
        elif county_of(r.region) != b.region:
            out.add(s.path, s.line, col, "区划代码", f"{region.name}不属于批次所在县{county.name if county else b.region}",
                    "批次所在县的村（社区）")
        elif policy is not None and not policy.covers_village(r.region):
            out.add(s.path, s.line, col, "区划代码", f"项目{b.programme}不适用于{region.name}", "政策清单“适用地区”内")
        if r.status in FAILED_STATUSES and not r.reason:
            out.add(s.path, s.line, s.at("失败原因")[1], "失败原因", f"“{r.status}”的记录必须写明原因", "如 账户已销户")
        if r.status == "已发放" and r.reason:
            out.add(s.path, s.line, s.at("失败原因")[1], "失败原因", "“已发放”的记录不应有失败原因", "留空")
