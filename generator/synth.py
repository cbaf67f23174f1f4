"""Synthetic sample data: a seeded, made-up population of 平顶山市 and its payments.

Nothing here is about real people.  Region codes and names down to the
township are real (shared/reference/); villages, people, ID numbers, cards,
phone numbers and payments are invented.  IDs carry a real county prefix, a
valid birth date and check digit; card numbers pass the Luhn check; so the
data exercises exactly the code paths real exports do.

The payment batches are made the way staff make them: a raw export per
batch (messy on purpose: GBK or UTF-8 with BOM, columns in varying order
under varying names, full-width digits, 15-digit IDs, a 联系电话 column,
dates in several formats) goes through ``ingest`` with the demo key.  The raw
exports are temporary; ``raw_export()`` regenerates any batch's raw file
from the seed, so tests can look people up the way a person would.

    python -m generator.synth sample            # regions, services, payments in data/
    python -m generator.synth raw BATCH_ID OUT  # the raw export behind one batch
    python -m generator.synth reference OUT [--data DIR] [--plant-duplicate]
                                                # other departments' lists with planted cases
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
import random
import shutil
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

from stdnum.cn import ric

from huinong_core.models import BANK, HOTLINE, WINDOW, batch_id_for
from huinong_core.normalize import luhn_complete
from huinong_core.regions import county_of, prefix, region_level, region_parent_code, within

SEED = 20240601
#: Payments are made up to this date (fixed, so the sample never changes by itself).
AS_OF = dt.date(2026, 11, 15)
YEARS = (2024, 2025, 2026)
SAMPLE_COUNTIES = ("410421000000", "410425000000")  # 宝丰县, 郏县
#: Real codes and names (NBS 2022) down to townships: a copy of shared/reference/regions-pingdingshan.csv.
REFERENCE = Path(__file__).resolve().parent / "resources" / "regions-pingdingshan.csv"

SURNAMES = (
    "王" * 10 + "李" * 9 + "张" * 9 + "刘" * 8 + "陈" * 5 + "杨" * 5 + "赵" * 4 + "黄" * 3 + "周" * 3 + "吴" * 3
    + "徐" * 2 + "孙" * 3 + "胡" * 2 + "朱" * 2 + "高" * 3 + "郭" * 3 + "马" * 3 + "罗" + "梁" + "宋" * 2 + "郑" * 2
    + "谢" + "韩" * 2 + "唐" + "冯" * 2 + "于" + "董" * 2 + "程" * 2 + "曹" * 2 + "袁" + "邓" + "许" * 2 + "傅"
    + "沈" + "曾" + "彭" + "吕" + "苏" + "卢" + "蒋" + "蔡" + "贾" * 2 + "丁" + "魏" * 2 + "薛" + "叶" + "阎"
    + "段" + "雷" + "侯" + "龙" + "史" * 2 + "陶" + "黎" + "贺" + "顾" + "毛" + "郝" * 2 + "龚" + "邵" + "万"
    + "钱" + "严" + "覃" + "武" * 2 + "戴" + "莫" + "孔" + "向" + "汤" + "牛" * 2 + "常" * 2 + "申" + "翟" + "耿"
)
COMPOUND_SURNAMES = ("欧阳", "司马", "上官", "诸葛", "东方")
GIVEN_MALE = "建国军伟强磊洋勇杰涛明超刚平辉鹏华飞鑫波斌宇浩凯健俊帆帅旭宁龙林坤振海峰亮志新国庆红卫东"
GIVEN_FEMALE = "秀英桂兰芳娟敏静丽艳玲霞燕梅琳雪倩婷颖慧莉娜凤荣琴云花红萍洁玉珍兰芬菊"
VILLAGE_STEMS = "张王李刘陈杨赵马郭孙胡高何朱黄宋许范郝邢牛关潘段侯姚曹彭冯魏薛"
VILLAGE_SUFFIX = ("庄", "营", "寨", "店", "楼", "岗", "湾", "沟", "坡", "桥", "屯", "集", "洼", "河", "庙", "堂", "园")
VILLAGE_PREFIX = ("", "", "", "东", "西", "南", "北", "前", "后", "大", "小", "上", "下", "新")
COMMUNITY_NAMES = ("东关", "西关", "南关", "北关", "人民路", "建设路", "文化路", "新华", "幸福", "和平", "光明", "朝阳",
                   "龙山", "滨河", "育才", "花园", "锦绣", "振兴", "康宁", "丰收")
REASONS_FAIL = ("账户已销户", "账户冻结", "户名与账号不符", "卡号错误", "账户状态异常（长期不动户）")
BANKS = {
    "410421000000": (("中国农业银行", "622848"), ("宝丰农商银行", "623059")),
    "410425000000": (("中国邮政储蓄银行", "621799"), ("郏县农商银行", "623058")),
}
OTHER_BANK = ("中国建设银行", "621700")
HOURS_WINDOW = "周一至周五 8:30-12:00，14:30-17:30（6月至9月下午15:00-18:00）"
HOURS_BANK = "周一至周日 9:00-17:00（法定节假日另行公告）"
DEPARTMENT_HOTLINES = ("财政局", "农业农村局", "民政局", "卫生健康委", "教育局", "残联")


def rng_for(*parts) -> random.Random:
    return random.Random(":".join(str(p) for p in (SEED, *parts)))


def round_yuan(x) -> Decimal:
    return Decimal(x).quantize(Decimal("0.01"), ROUND_HALF_UP)


# ------------------------------------------------------------------ regions


def reference_regions(path: Path = REFERENCE) -> list[tuple[str, str, str]]:
    with open(path, encoding="utf-8-sig", newline="") as f:
        return [(r["区划代码"], r["名称"], r["上级代码"]) for r in csv.DictReader(f)]


def make_villages(township: str, name: str) -> list[tuple[str, str]]:
    """10-30 made-up villages and communities under one township."""
    r = rng_for("villages", township)
    street = name.endswith("街道") or name.endswith("筹备组")
    n = r.randint(10, 30)
    n_comm = r.randint(n // 2, n - 2) if street else r.randint(0, 3)
    used: set[str] = set()
    out = []
    for i in range(n_comm):
        while True:
            base = r.choice(COMMUNITY_NAMES) + ("" if r.random() < 0.7 else r.choice("一二三"))
            if base not in used:
                break
        used.add(base)
        out.append((f"{prefix(township, '乡')}{i + 1:03d}", base + "社区"))
    for i in range(n - n_comm):
        while True:
            base = r.choice(VILLAGE_PREFIX) + r.choice(VILLAGE_STEMS) + r.choice(VILLAGE_SUFFIX)
            if base not in used:
                break
        used.add(base)
        out.append((f"{prefix(township, '乡')}{200 + i:03d}", base + "村"))
    return out


def make_regions() -> list[tuple[str, str, str]]:
    rows = [("410000000000", "河南省", "")]
    for code, name, parent in reference_regions():
        rows.append((code, name, parent))
        if county_of(code) in SAMPLE_COUNTIES and region_level(code) == "乡":
            rows.extend((vc, vn, code) for vc, vn in make_villages(code, name))
    return rows


def phone(r: random.Random) -> str:
    return f"0375-{r.randint(2, 8)}{r.randint(0, 999999):06d}"


def make_services(regions: list[tuple[str, str, str]]) -> list[dict[str, str]]:
    names = {c: n for c, n, _ in regions}
    out = []
    for code, name, _parent in regions:
        if region_level(code) != "乡":
            continue
        county = names[county_of(code)]
        r = rng_for("services", code)
        kind_place = "街道办事处" if name.endswith("街道") else "人民政府"
        out.append({
            "名称": f"{name}便民服务中心“一卡通”窗口", "类型": WINDOW, "区划代码": code,
            "地址": f"{county}{name}{kind_place}便民服务中心一楼", "电话": phone(r), "办公时间": HOURS_WINDOW,
        })
        banks = BANKS.get(county_of(code), (("中国农业银行", ""), ("中国邮政储蓄银行", "")))
        for bank, _bin in banks[: (2 if county_of(code) in SAMPLE_COUNTIES else 1)]:
            short = name.removesuffix("街道").removesuffix("镇").removesuffix("乡") or name
            out.append({
                "名称": f"{bank}{short}网点", "类型": BANK, "区划代码": code,
                "地址": f"{county}{name}{r.choice(('人民路', '中心街', '建设路', '商贸街', '政府街'))}{r.randint(1, 199)}号",
                "电话": phone(r), "办公时间": HOURS_BANK,
            })
    for county in SAMPLE_COUNTIES:
        r = rng_for("hotlines", county)
        for dept in DEPARTMENT_HOTLINES:
            out.append({
                "名称": f"{names[county]}{dept}补贴政策咨询电话", "类型": HOTLINE, "区划代码": county,
                "地址": "", "电话": phone(r), "办公时间": "工作日 8:30-17:30",
            })
    out.append({"名称": "平顶山市12345政务服务便民热线", "类型": HOTLINE, "区划代码": "410400000000",
                "地址": "", "电话": "12345", "办公时间": "全天24小时"})
    return out


# ------------------------------------------------------------------- people


@dataclass
class Person:
    id18: str
    name: str
    born: dt.date
    card: str
    bank: str
    village: str
    other_card: str | None = None
    other_bank: str | None = None


def make_name(r: random.Random, female: bool) -> str:
    if r.random() < 0.004:
        surname = r.choice(COMPOUND_SURNAMES)
    else:
        surname = r.choice(SURNAMES)
    pool = GIVEN_FEMALE if female else GIVEN_MALE
    given = r.choice(pool) + (r.choice(pool) if r.random() < 0.75 else "")
    if r.random() < 0.0008:
        given = "𠮷" + given[-1]  # a character outside the BMP, as real registers have
    return surname + given


def make_id(r: random.Random, prefix: str, born: dt.date, female: bool, used: set[str]) -> str:
    while True:
        seq = r.randint(0, 499) * 2 + (0 if female else 1)
        body = f"{prefix}{born:%Y%m%d}{seq:03d}"
        id18 = body + ric.calc_check_digit(body + "0")
        if id18 not in used:
            used.add(id18)
            return id18


def make_card(r: random.Random, bin6: str) -> str:
    return luhn_complete(bin6 + "".join(str(r.randint(0, 9)) for _ in range(12)))


OTHER_PREFIXES = ("410422", "410423", "410482", "410402", "411023", "410105")


def village_people(village: str, county: str) -> dict[str, list[Person]]:
    """The made-up recipients of one village, by role, from the seed alone."""
    r = rng_for("people", village)
    used: set[str] = set()
    banks = BANKS[county]
    community = int(village[9:]) < 200

    def person(min_age: int, max_age: int, female: bool | None = None) -> Person:
        female = r.random() < 0.5 if female is None else female
        age_days = r.randint(min_age * 365 + 30, max_age * 365 + 300)
        born = AS_OF - dt.timedelta(days=age_days)
        area = prefix(county, "县") if r.random() < 0.93 else r.choice(OTHER_PREFIXES)
        bank, bin6 = banks[0] if r.random() < 0.8 else banks[1]
        p = Person(make_id(r, area, born, female, used), make_name(r, female), born, make_card(r, bin6), bank, village)
        if r.random() < 0.012:  # 一人多卡: an old card from another bank still in use
            p.other_bank, obin = OTHER_BANK
            p.other_card = make_card(r, obin)
        return p

    roles: dict[str, list[Person]] = {}
    roles["farmers"] = [] if community else [person(28, 78) for _ in range(r.randint(30, 60))]
    roles["dibao"] = [person(20, 85) for _ in range(r.randint(2, 6))]
    roles["tekun"] = [person(55, 90) for _ in range(r.randint(0, 2))]
    roles["elderly"] = [person(80, 101) for _ in range(r.randint(3, 8))]
    roles["disabled"] = [person(18, 80) for _ in range(r.randint(1, 4))]
    roles["family_planning"] = [person(60, 75) for _ in range(r.randint(1, 5))]
    roles["pupils"] = [person(7, 15) for _ in range(r.randint(2, 7))]
    roles["orphans"] = [person(3, 16) for _ in range(1 if r.random() < 0.12 else 0)]
    roles["unattended"] = [person(3, 16) for _ in range(1 if r.random() < 0.08 else 0)]
    roles["hiv"] = [person(25, 60) for _ in range(1 if r.random() < 0.04 else 0)]
    roles["machinery"] = [] if community else [person(30, 65) for _ in range(r.randint(0, 2))]
    roles["relief"] = [person(20, 80) for _ in range(r.randint(0, 2))]
    roles["migrants"] = [person(20, 80) for _ in range(r.randint(10, 25))] if r.random() < 0.08 else []
    return roles


# ---------------------------------------------------------------- payments


@dataclass(frozen=True)
class Plan:
    """One programme's payment plan: who, how much, when."""

    programme: str
    role: str
    periods: tuple[tuple[str, int, int], ...]  # (period suffix, month, day)
    years: tuple[int, ...] = YEARS
    share: float = 1.0


QUARTERS = (("Q1", 3, 18), ("Q2", 6, 18), ("Q3", 9, 18), ("Q4", 12, 18))
HALVES_SCHOOL = (("H1", 4, 10), ("H2", 10, 12))
HALVES = (("H1", 6, 20), ("H2", 12, 10))
PLANS = (
    Plan("NY001", "farmers", (("", 5, 20),)),
    Plan("NY002", "farmers", (("", 6, 25),), years=(2024, 2025), share=0.7),
    Plan("NY003", "machinery", (("-B01", 4, 15), ("-B02", 9, 15))),
    Plan("MZ001", "dibao", QUARTERS),
    Plan("MZ002", "dibao", QUARTERS),
    Plan("MZ003", "tekun", QUARTERS),
    Plan("MZ004", "relief", QUARTERS, share=0.3),
    Plan("MZ005", "orphans", QUARTERS),
    Plan("MZ006", "unattended", QUARTERS),
    Plan("MZ007", "disabled", QUARTERS, years=(2024,)),
    Plan("MZ008", "disabled", QUARTERS, years=(2024,), share=0.5),
    Plan("CL001", "disabled", QUARTERS, years=(2025, 2026)),
    Plan("MZ010", "elderly", QUARTERS),
    Plan("WJ001", "family_planning", (("", 6, 28),)),
    Plan("WJ003", "hiv", QUARTERS),
    Plan("JY001", "pupils", HALVES_SCHOOL),
    Plan("SL001", "migrants", HALVES),
)


def standard_of(plan: Plan, p: Person, year: int, r: random.Random, pay_day: dt.date) -> tuple[Decimal, Decimal]:
    """(quantity, standard) for one payment."""
    code = plan.programme
    if code == "NY001":
        return Decimal(r.randint(80, 1200)) / 100, Decimal("105.00")
    if code == "NY002":
        return Decimal(r.randint(80, 1200)) / 100, Decimal("15.00")
    if code == "NY003":
        return Decimal(1), Decimal(r.choice((2000, 3500, 6800, 12000, 18000)))
    if code in ("MZ001", "MZ002"):
        std = {"MZ001": 660, "MZ002": 345 if year <= 2024 else 360}[code]
        return Decimal(3), Decimal(std)
    if code == "MZ003":
        return Decimal(3), Decimal(600)
    if code == "MZ004":
        return Decimal(1), Decimal(r.choice((500, 800, 1000, 1500, 2000, 3000)))
    if code in ("MZ005", "MZ006"):
        return Decimal(3), Decimal(1200)
    if code in ("MZ007", "MZ008"):
        return Decimal(3), Decimal(80)
    if code == "CL001":
        return Decimal(3), Decimal(160 if int(p.id18[-2]) % 2 else 80)
    if code == "MZ010":
        age = (pay_day - p.born).days // 365
        return Decimal(3), Decimal(300 if age >= 100 else 100 if age >= 90 else 50)
    if code == "WJ001":
        return Decimal(1), Decimal(960)
    if code == "WJ003":
        return Decimal(3), Decimal(200)
    if code == "JY001":
        age = (pay_day - p.born).days // 365
        return Decimal(1), Decimal(625 if age >= 12 else 500)
    if code == "SL001":
        return Decimal(1), Decimal(300)
    raise KeyError(code)


@dataclass
class RawRow:
    person: Person
    card: str
    bank: str
    quantity: Decimal
    standard: Decimal
    amount: Decimal
    date: dt.date
    status: str
    reason: str


def batch_rows(plan: Plan, county: str, year: int, suffix: str, month: int, day: int,
               villages: list[str], people: dict[str, dict[str, list[Person]]]) -> list[RawRow]:
    r = rng_for("batch", county, plan.programme, year, suffix)
    rows: list[RawRow] = []
    for v in villages:
        roles = people[v]
        for p in roles[plan.role]:
            community = int(v[9:]) < 200
            if plan.programme == "MZ001" and not community or plan.programme == "MZ002" and community:
                continue
            if plan.share < 1 and rng_for("share", plan.programme, p.id18, year).random() >= plan.share:
                continue
            pay = dt.date(year, month, min(day + r.randint(-3, 5), 28))
            qty, std = standard_of(plan, p, year, r, pay)
            amount = round_yuan(qty * std)
            if r.random() < 0.003:  # amount-vs-standard mismatch (a back payment, a typo)
                amount = round_yuan(amount + Decimal(r.choice((-20, -10, 10, 15, 30))))
            card, bank = p.card, p.bank
            if p.other_card and r.random() < 0.5:
                card, bank = p.other_card, p.other_bank
            x = r.random()
            if x < 0.012:
                reason = r.choice(REASONS_FAIL)
                rows.append(RawRow(p, card, bank, qty, std, amount, pay, "发放失败", reason))
                if r.random() < 0.75:  # re-paid a few weeks later, to a new card if the old one is gone
                    new_card, new_bank = card, bank
                    if reason in ("账户已销户", "卡号错误"):
                        new_bank, bin6 = BANKS[county][0]
                        new_card = make_card(r, bin6)
                    later = pay + dt.timedelta(days=r.randint(10, 25))
                    if later <= AS_OF:
                        rows.append(RawRow(p, new_card, new_bank, qty, std, amount, later, "已补发", ""))
            elif x < 0.014:
                rows.append(RawRow(p, card, bank, qty, std, amount, pay, "已退回", "对象已死亡，资金已退回"))
            else:
                rows.append(RawRow(p, card, bank, qty, std, amount, pay, "已发放", ""))
                if r.random() < 0.0005:  # paid twice by mistake
                    rows.append(RawRow(p, card, bank, qty, std, amount, pay, "已发放", ""))
    return rows


# --------------------------------------------------------------- raw files

RAW_LAYOUTS = (
    ("序号", "乡镇", "村", "姓名", "身份证号码", "社保卡号", "开户银行", "发放数量", "补贴标准", "发放金额", "发放日期", "发放状态", "失败原因", "联系电话"),
    ("序号", "区划代码", "户主姓名", "公民身份号码", "银行账号", "开户行", "面积", "标准", "金额", "发放时间", "状态", "失败原因", "联系电话"),
    ("姓名", "身份证号", "卡号", "开户银行", "乡镇（街道）", "村（社区）", "数量", "补贴标准", "实发金额", "到账日期", "发放结果", "失败原因", "手机号"),
)
DATE_FORMATS = ("{d:%Y-%m-%d}", "{d.year}/{d.month}/{d.day}", "{d.year}年{d.month}月{d.day}日", "{d:%Y%m%d}")
FULLWIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


def render_raw(rows: list[RawRow], names: dict[str, str], r: random.Random) -> tuple[bytes, str]:
    """A raw export as staff receive it: layout, encoding and formats vary."""
    layout = r.choice(RAW_LAYOUTS)
    date_fmt = r.choice(DATE_FORMATS)
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\r\n")
    w.writerow(layout)
    for i, row in enumerate(rows, 1):
        p = row.person
        id_text = p.id18
        if p.born.year < 1990 and p.born.year >= 1900 and r.random() < 0.02:
            id_text = p.id18[:6] + p.id18[8:17]  # legacy 15-digit number
        elif r.random() < 0.01:
            id_text = id_text.translate(FULLWIDTH)
        elif r.random() < 0.01:
            id_text = id_text[:6] + " " + id_text[6:14] + " " + id_text[14:]
        if id_text.endswith("X") and r.random() < 0.3:
            id_text = id_text[:-1] + "x"
        amount = f"{row.amount:.2f}"
        if row.amount >= 1000 and r.random() < 0.2:
            amount = f"{row.amount:,.2f}"
        elif r.random() < 0.01:
            amount = "￥" + amount
        township = region_parent_code(p.village)
        cells = {
            "序号": str(i), "乡镇": names[township], "乡镇（街道）": names[township], "村": names[p.village],
            "村（社区）": names[p.village] + ("委会" if names[p.village].endswith("村") and r.random() < 0.1 else ""), "区划代码": p.village,
            "姓名": p.name, "户主姓名": p.name, "身份证号码": id_text, "公民身份号码": id_text, "身份证号": id_text,
            "社保卡号": row.card, "银行账号": row.card, "卡号": row.card, "开户银行": row.bank, "开户行": row.bank,
            "发放数量": str(row.quantity), "面积": str(row.quantity), "数量": str(row.quantity),
            "补贴标准": f"{row.standard:.2f}", "标准": f"{row.standard:.2f}",
            "发放金额": amount, "金额": amount, "实发金额": amount,
            "发放日期": date_fmt.format(d=row.date), "发放时间": date_fmt.format(d=row.date),
            "到账日期": date_fmt.format(d=row.date),
            "发放状态": row.status, "状态": {"已发放": "成功", "发放失败": "失败", "已退回": "退回", "已补发": "补发"}[row.status],
            "发放结果": row.status, "失败原因": row.reason,
            "联系电话": f"1{r.choice('3578')}{r.randint(0, 999999999):09d}",
            "手机号": f"1{r.choice('3578')}{r.randint(0, 999999999):09d}",
        }
        w.writerow([cells[c] for c in layout])
    text = out.getvalue()
    choice = r.random()
    if choice < 0.4 and "𠮷" not in text:
        return text.encode("gbk"), "GBK"
    if choice < 0.5:
        return text.encode("gb18030"), "GB18030"
    if choice < 0.85:
        return b"\xef\xbb\xbf" + text.encode("utf-8"), "UTF-8-BOM"
    return text.encode("utf-8"), "UTF-8"


@dataclass(frozen=True)
class BatchSpec:
    plan: Plan
    county: str
    year: int
    suffix: str
    month: int
    day: int

    @property
    def period(self) -> str:
        return f"{self.year}{self.suffix}"

    @property
    def batch_id(self) -> str:
        return batch_id_for(self.county, self.plan.programme, self.period)


def batch_specs(counties=SAMPLE_COUNTIES) -> list[BatchSpec]:
    specs = []
    for county in counties:
        for year in YEARS:
            for plan in PLANS:
                if year not in plan.years:
                    continue
                for suffix, month, day in plan.periods:
                    if dt.date(year, month, 28) + dt.timedelta(days=25) > AS_OF:
                        continue
                    specs.append(BatchSpec(plan, county, year, suffix, month, day))
    return specs


def county_villages(regions, county: str) -> list[str]:
    return [c for c, _n, _p in regions if within(c, county) and region_level(c) == "村"]


def raw_for(spec: BatchSpec, regions, people_cache: dict) -> tuple[bytes, str, list[RawRow]]:
    villages = county_villages(regions, spec.county)
    if spec.county not in people_cache:
        people_cache[spec.county] = {v: village_people(v, spec.county) for v in villages}
    rows = batch_rows(spec.plan, spec.county, spec.year, spec.suffix, spec.month, spec.day,
                      villages, people_cache[spec.county])
    names = {c: n for c, n, _p in regions}
    data, encoding = render_raw(rows, names, rng_for("raw", spec.batch_id))
    return data, encoding, rows


def raw_export(batch_id: str) -> tuple[bytes, list[RawRow]]:
    """Regenerate the raw export behind a committed sample batch (for tests)."""
    regions = make_regions()
    for spec in batch_specs():
        if spec.batch_id == batch_id:
            data, _enc, rows = raw_for(spec, regions, {})
            return data, rows
    raise KeyError(batch_id)


# ---------------------------------------------------------------- writing


def write_csv(path: Path, header: tuple[str, ...] | list[str], rows) -> None:
    with open(path, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(header)
        w.writerows(rows)


def make_sample(data_dir: Path, log=print) -> dict[str, int]:
    """Write regions.csv, services.csv and all payment batches of the sample."""
    from generator.ingest import History, ingest
    from huinong_core.keys import load_key
    from generator.load import load

    started = time.perf_counter()
    keyer = load_key()
    if not keyer.is_demo:
        raise SystemExit("样例数据必须用示例密钥生成：请设置 HUINONG_DEMO=1，且不要设置 HUINONG_KEY。")
    regions = make_regions()
    write_csv(data_dir / "regions.csv", ("区划代码", "名称", "上级代码"), regions)
    services = make_services(regions)
    write_csv(data_dir / "services.csv", tuple(services[0]), [tuple(s.values()) for s in services])
    pay_dir = data_dir / "payments"
    if pay_dir.exists():
        shutil.rmtree(pay_dir)
    loaded = load(data_dir)
    if loaded.dataset.site is None or not loaded.dataset.policies:
        raise SystemExit("data/site.yaml 或 data/policies.csv 有错误，请先运行 check。")
    history = History()
    totals = {"batches": 0, "records": 0, "checks": 0}
    cache: dict = {}
    with tempfile.TemporaryDirectory(prefix="huinong-raw-") as tmp:
        for spec in batch_specs():
            data, _enc, rows = raw_for(spec, regions, cache)
            if not rows:
                continue
            raw_path = Path(tmp) / f"{spec.batch_id}.csv"
            raw_path.write_bytes(data)
            result = ingest(raw_path, spec.plan.programme, spec.period, loaded.dataset, keyer,
                            data_dir=data_dir, history=history, shown_path=f"{spec.batch_id}.csv")
            raw_path.unlink()
            totals["batches"] += 1
            totals["records"] += result.records
            totals["checks"] += len(result.checks)
    totals["regions"] = len(regions)
    totals["services"] = len(services)
    log(f"样例数据：{totals['regions']} 个区划，{totals['services']} 个服务网点，{totals['batches']} 个批次，"
        f"{totals['records']} 条记录，核查提示 {totals['checks']} 条（{time.perf_counter() - started:.1f} 秒）")
    return totals


# ------------------------------------------------------- province scale


def province_regions(villages: int, r: random.Random, cities: int = 18, counties: int = 9):
    """Made-up but well-formed codes for a province of about ``villages`` villages.

    Yields (code, name, parent) top-down, one county at a time, so callers can
    stream: 18 cities x 9 counties x ~16 townships x ~20 villages = ~46,000.
    """
    per_county = max(1, villages // (cities * counties))
    yield "410000000000", "河南省", ""
    for city in range(1, cities + 1):
        city_code = f"41{city:02d}00000000"
        yield city_code, f"示例{city:02d}市", "410000000000"
        for county in range(1, counties + 1):
            county_code = f"41{city:02d}{20 + county:02d}000000"
            yield county_code, f"示例{city:02d}市{county}县", city_code
            left = per_county
            town = 0
            while left > 0:
                town += 1
                t_code = f"{prefix(county_code, '县')}{100 + town:03d}000"
                yield t_code, f"示例{town}镇", county_code
                n = min(left, r.randint(10, 30))
                for v in range(n):
                    yield f"{prefix(t_code, '乡')}{200 + v:03d}", f"{r.choice(VILLAGE_STEMS)}{r.choice(VILLAGE_SUFFIX)}{v + 1}村", t_code
                left -= n


def make_province(out: Path, villages: int = 46_000, records_per_village: int = 450, year: int = 2025,
                  log=print, cities: int = 18, counties: int = 9) -> dict[str, int]:
    """A province-sized data directory for benchmarks, written county by county.

    Payments are keyed directly (what ingest would write) rather than rendered
    to raw CSV and parsed back: same output format, a fraction of the time.
    Memory stays bounded by one county.
    """
    from generator.ingest import RawPayment, keyed_records, write_batch
    from huinong_core.keys import load_key

    started = time.perf_counter()
    keyer = load_key()
    sample = Path(__file__).resolve().parents[1] / "data"  # the checkout's sample: data/ is no package data
    out.mkdir(parents=True, exist_ok=True)
    for name in ("site.yaml", "policies.csv"):
        shutil.copyfile(sample / name, out / name)
    r = rng_for("province", villages)
    plans = [p for p in PLANS if year in p.years and p.programme in ("NY001", "MZ002", "MZ010", "MZ007", "CL001", "WJ001")]
    periods = {p.programme: p.periods[:1] if p.periods[0][0] == "" else p.periods[:2] for p in plans}
    # Every period pays a third of the people: size the villages to hit records_per_village.
    people_per_village = max(1, round(records_per_village * 3 / sum(len(v) for v in periods.values())))
    totals = {"regions": 0, "batches": 0, "records": 0}
    services = []
    county_villages_: list[str] = []
    county = None

    def flush(county_code: str, vills: list[str]) -> None:
        cr = rng_for("province-people", county_code)
        people = []
        used: set[str] = set()
        for v in vills:
            for _ in range(people_per_village):
                female = cr.random() < 0.5
                born = AS_OF - dt.timedelta(days=cr.randint(20 * 365, 95 * 365))
                p = Person(make_id(cr, prefix(county_code, "县"), born, female, used), make_name(cr, female), born,
                           make_card(cr, "622848"), "中国农业银行", v)
                people.append(p)
        for plan in plans:
            for suffix, month, day in periods[plan.programme]:
                pay = dt.date(year, month, day)
                paid = [RawPayment(0, p.id18, p.name, p.card, p.bank, p.village, Decimal(3), Decimal(100),
                                   Decimal("300.00"), pay, "已发放", "")
                        for i, p in enumerate(people) if not (i + len(plan.programme)) % 3]
                rows = keyed_records(paid, keyer)
                period = f"{year}{suffix}"
                batch_id = batch_id_for(county_code, plan.programme, period)
                start = dt.date(year, month, day) + dt.timedelta(days=1)
                meta = {"项目编码": plan.programme, "期号": period, "区划代码": county_code, "发放单位": "示例县财政局",
                        "公示开始": start, "公示结束": start + dt.timedelta(days=10), "监督电话": "0375-2661234"}
                write_batch(out / "payments" / str(year) / batch_id, meta, rows)
                totals["batches"] += 1
                totals["records"] += len(rows)

    with open(out / "regions.csv", "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(("区划代码", "名称", "上级代码"))
        for code, name, parent in province_regions(villages, r, cities, counties):
            w.writerow((code, name, parent))
            totals["regions"] += 1
            level = region_level(code)
            if level == "县":
                if county:
                    flush(county, county_villages_)
                county, county_villages_ = code, []
            elif level == "乡":
                services.append({"名称": f"{name}便民服务窗口", "类型": WINDOW, "区划代码": code,
                                 "地址": f"{name}人民政府", "电话": "0375-2661234", "办公时间": HOURS_WINDOW})
            elif level == "村":
                county_villages_.append(code)
        if county:
            flush(county, county_villages_)
    write_csv(out / "services.csv", tuple(services[0]), [tuple(s.values()) for s in services])
    log(f"省级数据：{totals['regions']} 个区划，{totals['batches']} 个批次，{totals['records']} 条记录"
        f"（{time.perf_counter() - started:.1f} 秒），写入 {out}")
    return totals


# ------------------------------------------------------ reference lists

REFERENCE_LAYOUTS = {
    "死亡人员": (("姓名", "公民身份号码", "死亡日期", "死亡原因", "户籍地址"),
               ("序号", "身份证号码", "姓名", "死亡时间", "注销单位")),
    "财政供养人员": (("姓名", "身份证号", "工作单位", "入职日期", "离职日期"),
                 ("序号", "单位名称", "姓名", "证件号码", "起始日期", "终止日期", "联系电话")),
    "残疾人证": (("姓名", "身份证号", "残疾类别", "残疾等级", "发证日期", "有效期至"),
              ("残疾人证号", "姓名", "公民身份号码", "等级", "发证时间", "有效期")),
    "在校学生": (("学校", "姓名", "身份证号", "入学日期", "离校日期"),
              ("序号", "学籍号", "姓名", "证件号码", "入学时间", "毕业日期")),
}


@dataclass
class RefRow:
    id18: str
    name: str
    values: dict[str, str]  # canonical attribute → value (dates ISO, level '1'..'4', '' = open)


def _render_reference(kind: str, rows: list[RefRow], r: random.Random) -> bytes:
    """A department's export: one of two layouts, GBK, mixed date formats, 15-digit and full-width IDs."""
    layout = r.choice(REFERENCE_LAYOUTS[kind])
    date_fmt = r.choice(DATE_FORMATS)
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\r\n")
    w.writerow(layout)
    for i, row in enumerate(rows, 1):
        id_text = row.id18
        born_year = int(row.id18[6:10])
        if 1900 <= born_year < 2000 and r.random() < 0.1:
            id_text = row.id18[:6] + row.id18[8:17]  # legacy 15-digit number
        elif r.random() < 0.05:
            id_text = id_text.translate(FULLWIDTH)

        def day(v: str) -> str:
            if not v:
                return r.choice(("", "长期")) if kind == "残疾人证" else ""
            return date_fmt.format(d=dt.date.fromisoformat(v))

        v = row.values
        level = v.get("残疾等级", "")
        cells = {
            "序号": str(i), "姓名": row.name, "公民身份号码": id_text, "身份证号码": id_text, "身份证号": id_text,
            "证件号码": id_text, "死亡日期": day(v.get("死亡日期", "")), "死亡时间": day(v.get("死亡日期", "")),
            "死亡原因": "疾病", "户籍地址": "示例地址", "注销单位": "示例派出所",
            "工作单位": "示例单位", "单位名称": "示例单位", "入职日期": day(v.get("起始日期", "")),
            "起始日期": day(v.get("起始日期", "")), "离职日期": day(v.get("终止日期", "")), "终止日期": day(v.get("终止日期", "")),
            "联系电话": f"1{r.choice('3578')}{r.randint(0, 999999999):09d}",
            "残疾类别": r.choice(("肢体", "视力", "听力", "言语", "智力", "精神")),
            "残疾等级": "一二三四"[int(level) - 1] + "级" if level else "", "等级": f"{level}级" if level else "",
            "残疾人证号": f"{row.id18}{r.randint(11, 74)}"[:20] + "B", "发证日期": day(v.get("发证日期", "")),
            "发证时间": day(v.get("发证日期", "")), "有效期至": day(v.get("有效期至", "")), "有效期": day(v.get("有效期至", "")),
            "学校": "示例学校", "学籍号": f"G{r.randint(0, 10**9):010d}", "入学日期": day(v.get("入学日期", "")),
            "入学时间": day(v.get("入学日期", "")), "离校日期": day(v.get("离校日期", "")), "毕业日期": day(v.get("离校日期", "")),
        }
        w.writerow([cells[c] for c in layout])
    text = out.getvalue()
    return text.encode("gbk") if "𠮷" not in text else b"\xef\xbb\xbf" + text.encode("utf-8")


def _sample_people(keyer) -> dict[str, Person]:
    """人员键 → the made-up person behind it (regenerated from the seed)."""
    regions = make_regions()
    people: dict[str, Person] = {}
    for county in SAMPLE_COUNTIES:
        for v in county_villages(regions, county):
            for group in village_people(v, county).values():
                for p in group:
                    people.setdefault(keyer.person_key(p.id18), p)
    return people


def _plant_duplicate(data_dir: Path, pays: dict, refs, used: set[str], r: random.Random):
    """Copy one MZ010 payment of one county into the other county's batch of the same 期号."""
    from generator.screening import read_pays

    by_id = {ref.batch_id: ref for ref in refs}
    for ref in sorted(refs, key=lambda x: x.batch_id):
        if ref.programme != "MZ010":
            continue
        other = next((o for o in by_id.values() if o.programme == ref.programme and o.period == ref.period
                      and o.county != ref.county), None)
        if other is None:
            continue
        other_path = data_dir / "payments" / str(other.year) / other.batch_id / "records.csv"
        rows = list(read_pays(other_path, other.records_path))
        their = {p.person_key for p in rows}
        mine = [pay for pk, items in sorted(pays.items()) if pk not in used and pk not in their
                for b, pay in items if b.batch_id == ref.batch_id and pay.status in PAID_STATUSES_
                and sum(1 for b2, _p in items if b2.batch_id == ref.batch_id) == 1]
        if not mine:
            continue
        pay = r.choice(mine)
        used.add(pay.person_key)
        with open(data_dir / "payments" / str(ref.year) / ref.batch_id / "records.csv", encoding="utf-8", newline="") as f:
            source = next(row for row in csv.DictReader(f) if row["记录号"] == pay.record_no)
        with open(other_path, encoding="utf-8", newline="") as f:
            reader = csv.DictReader(f)
            header = reader.fieldnames
            template = next(reader)
        new_no = f"{max(int(p.record_no) for p in rows) + 1:05d}"
        row = dict(source, 记录号=new_no, 区划代码=template["区划代码"], 发放日期=template["发放日期"], 发放状态="已发放", 失败原因="")
        with open(other_path, "a", encoding="utf-8", newline="") as f:
            csv.DictWriter(f, fieldnames=header, lineterminator="\n").writerow(row)
        return (ref.batch_id, pay.record_no), (other.batch_id, new_no), pay.person_key
    return None


PAID_STATUSES_ = ("已发放", "已补发")


def make_reference(data_dir: Path, out_dir: Path, *, plant_duplicate: bool = False, noise: int = 300,
                   log=print) -> list[tuple[str, str, str]]:
    """Reference lists (raw department exports, plaintext IDs of made-up people) with planted cases.

    Reads the batches under ``data_dir`` (the sample or a subset of it) and its screening.yaml;
    writes ``<out>/<类型>.csv`` for each list kind and ``<out>/expected_findings.json``: exactly the
    (规则, 批次号, 记录号) that screening must report.  Every other recipient of a
    certificate or student programme gets a valid certificate / enrolment, and each list
    has ``noise`` rows of people who are paid nothing.  ``plant_duplicate`` copies one
    payment into the other county's batch of the same 期号 (it writes into ``data_dir``:
    use it on a copy).
    """
    import json

    from huinong_core.keys import load_key
    from generator.load import Collector
    from generator.screening import batch_refs, load_rules, read_pays

    keyer = load_key()
    if not keyer.is_demo:
        raise SystemExit("示例名单必须用示例密钥生成：请设置 HUINONG_DEMO=1，且不要设置 HUINONG_KEY。")
    data_dir = Path(data_dir)
    out = Collector(data_dir.resolve().parent)
    rules = load_rules(data_dir / "screening.yaml", out)
    if rules is None:
        raise SystemExit("\n".join(str(p) for p in out.problems))
    refs = batch_refs(data_dir)
    pays: dict[str, list] = defaultdict(list)
    for ref in refs:
        for pay in read_pays(data_dir / "payments" / str(ref.year) / ref.batch_id / "records.csv", ref.records_path):
            pays[pay.person_key].append((ref, pay))
    people = _sample_people(keyer)
    r = rng_for("reference")
    used: set[str] = set()
    expected: set[tuple[str, str, str]] = set()

    def paid(pk: str, programmes) -> list:
        return sorted(((b, p) for b, p in pays[pk] if p.status in PAID_STATUSES_ and (not programmes or b.programme in programmes)),
                      key=lambda x: (x[1].date, x[0].batch_id, x[1].record_no))

    def rules_of(kind: str):
        return [x for x in rules.rules if x.list_kind == kind]

    def programmes_of(kind: str) -> set[str]:
        return {c for x in rules_of(kind) for c in x.programmes}

    planted: dict[str, set[str]] = defaultdict(set)  # list kind → people planted in it

    def pick(kind: str, programmes, n: int, min_dates: int = 1, where=None) -> list[str]:
        pool = [pk for pk in sorted(pays) if pk not in used and pk in people
                and len({p.date for _b, p in paid(pk, programmes)}) >= min_dates and (where is None or where(pk))]
        if len(pool) < n:
            raise SystemExit(f"数据中可用于“{kind}”预设疑点的人不足（需要 {n} 人，只有 {len(pool)} 人）")
        chosen = r.sample(pool, n)
        used.update(chosen)
        planted[kind].update(chosen)
        return chosen

    def expect(kind: str, pk: str, flagged) -> None:
        """``flagged(rule, batch, pay)``: does this planted case make ``rule`` report this payment?"""
        for rule in rules_of(kind):
            for b, p in paid(pk, rule.programmes):
                if flagged(rule, b, p):
                    expected.add((rule.name, b.batch_id, p.record_no))

    def row(pk: str, **values) -> RefRow:
        person = people[pk]
        return RefRow(person.id18, person.name, values)

    lists: dict[str, list[RefRow]] = {k: [] for k in REFERENCE_LAYOUTS}
    day = dt.timedelta(days=1)

    # 死亡人员: paid after the death date (3); died on the day of the last payment or later (3, not findings)
    death_progs = programmes_of("死亡人员")
    for pk in pick("死亡人员", death_progs, 3, min_dates=2):
        died = dt.date.fromisoformat(paid(pk, death_progs)[0][1].date).isoformat()
        lists["死亡人员"].append(row(pk, 死亡日期=died))
        expect("死亡人员", pk, lambda rule, b, p, died=died: p.date > died)
    for pk in pick("死亡人员", death_progs, 3):
        last = dt.date.fromisoformat(paid(pk, ())[-1][1].date)
        lists["死亡人员"].append(row(pk, 死亡日期=(last + dt.timedelta(days=r.choice((0, 3, 40)))).isoformat()))

    # 财政供养人员: on the payroll while paid 低保 (2 always, 1 only up to its end date); off it (2); other programmes (2)
    payroll_progs = programmes_of("财政供养人员")
    for pk in pick("财政供养人员", payroll_progs, 2):
        lists["财政供养人员"].append(row(pk, 起始日期="2015-09-01", 终止日期=""))
        expect("财政供养人员", pk, lambda rule, b, p: True)
    for pk in pick("财政供养人员", payroll_progs, 1, min_dates=2):
        end = paid(pk, payroll_progs)[0][1].date
        lists["财政供养人员"].append(row(pk, 起始日期="", 终止日期=end))
        expect("财政供养人员", pk, lambda rule, b, p, end=end: p.date <= end)
    for pk in pick("财政供养人员", payroll_progs, 1):
        first = dt.date.fromisoformat(paid(pk, payroll_progs)[0][1].date)
        lists["财政供养人员"].append(row(pk, 起始日期="2010-03-01", 终止日期=(first - day).isoformat()))
    for pk in pick("财政供养人员", payroll_progs, 1):
        last = dt.date.fromisoformat(paid(pk, payroll_progs)[-1][1].date)
        lists["财政供养人员"].append(row(pk, 起始日期=(last + day).isoformat(), 终止日期=""))
    for pk in pick("财政供养人员", {"MZ010", "NY001"} - payroll_progs, 2, where=lambda pk: not paid(pk, payroll_progs)):
        lists["财政供养人员"].append(row(pk, 起始日期="2012-07-01", 终止日期=""))

    # 残疾人证: everyone else paid a certificate programme holds a valid one of a level that qualifies
    cert_rules = rules_of("残疾人证")
    cert_progs = programmes_of("残疾人证")
    strict = {c for x in cert_rules if x.level < 4 for c in x.programmes}
    for pk in pick("残疾人证", cert_progs, 1):  # missing
        expect("残疾人证", pk, lambda rule, b, p: True)
    for pk in pick("残疾人证", cert_progs, 1, min_dates=2):  # expired after the first payment
        expires = paid(pk, cert_progs)[0][1].date
        lists["残疾人证"].append(row(pk, 残疾等级="1", 发证日期="2016-04-01", 有效期至=expires))
        expect("残疾人证", pk, lambda rule, b, p, expires=expires: p.date > expires)
    for pk in pick("残疾人证", cert_progs, 1, min_dates=2):  # issued on the day of the last payment
        issued = paid(pk, cert_progs)[-1][1].date
        lists["残疾人证"].append(row(pk, 残疾等级="2", 发证日期=issued, 有效期至=""))
        expect("残疾人证", pk, lambda rule, b, p, issued=issued: p.date < issued)
    for pk in pick("残疾人证", strict, 1):  # level too low for the strict rule only
        lists["残疾人证"].append(row(pk, 残疾等级="3", 发证日期="2017-05-01", 有效期至="2037-05-01"))
        expect("残疾人证", pk, lambda rule, b, p: rule.level < 3)
    for pk in pick("残疾人证", cert_progs, 1, min_dates=2):  # renewed without a gap: not a finding
        first = dt.date.fromisoformat(paid(pk, cert_progs)[0][1].date)
        lists["残疾人证"].append(row(pk, 残疾等级="2", 发证日期="2014-01-01", 有效期至=first.isoformat()))
        lists["残疾人证"].append(row(pk, 残疾等级="2", 发证日期=(first + day).isoformat(), 有效期至="2034-01-01"))
    for pk in sorted(pays):
        if pk in planted["残疾人证"] or not paid(pk, cert_progs):
            continue
        level = str(r.randint(1, 2) if paid(pk, strict) else r.randint(1, 4))
        lists["残疾人证"].append(row(pk, 残疾等级=level, 发证日期=f"{r.randint(2010, 2019)}-0{r.randint(1, 9)}-15",
                                    有效期至=r.choice(("", "2031-12-31", "2035-06-30"))))

    # 在校学生: every pupil paid is enrolled, except one who left and one not on the list
    school_progs = programmes_of("在校学生")
    for pk in pick("在校学生", school_progs, 1):  # not enrolled at all
        expect("在校学生", pk, lambda rule, b, p: True)
    for pk in pick("在校学生", school_progs, 1, min_dates=2):  # left on the day of the first payment
        left = paid(pk, school_progs)[0][1].date
        lists["在校学生"].append(row(pk, 入学日期="2019-09-01", 离校日期=left))
        expect("在校学生", pk, lambda rule, b, p, left=left: p.date > left)
    for pk in pick("在校学生", school_progs, 1, min_dates=2):  # moved school without a gap: not a finding
        first = dt.date.fromisoformat(paid(pk, school_progs)[0][1].date)
        lists["在校学生"].append(row(pk, 入学日期="2019-09-01", 离校日期=first.isoformat()))
        lists["在校学生"].append(row(pk, 入学日期=(first + day).isoformat(), 离校日期=""))
    for pk in sorted(pays):
        if pk in planted["在校学生"] or not paid(pk, school_progs):
            continue
        lists["在校学生"].append(row(pk, 入学日期=f"{r.randint(2016, 2023)}-09-01", 离校日期=r.choice(("", "2030-07-01"))))

    # Cross-county duplicates: those already in the data, and one planted on request
    dup_rules = [x for x in rules.rules if x.type == "duplicate_across_counties"]
    if plant_duplicate and dup_rules:
        planted = _plant_duplicate(data_dir, pays, refs, used, r)
        if planted is None:
            raise SystemExit("找不到可用于跨县重复的批次（需要两个县同一项目同一期的 MZ010 批次）")
        for rule in dup_rules:
            for batch_id, record_no in planted[:2]:
                expected.add((rule.name, batch_id, record_no))
    for rule in dup_rules:
        groups: dict[tuple, dict[str, list]] = defaultdict(lambda: defaultdict(list))
        for pk, items in pays.items():
            for b, p in items:
                if p.status in PAID_STATUSES_ and rule.applies_to(b.programme):
                    groups[(b.programme, b.period, pk)][b.county].append((b, p))
        for by_county in groups.values():
            if len(by_county) > 1:
                for items in by_county.values():
                    b, p = min(items, key=lambda x: x[1].record_no)
                    expected.add((rule.name, b.batch_id, p.record_no))

    # Noise: people who are paid nothing here
    known = set(pays)
    used_ids: set[str] = set()
    nr = rng_for("reference-noise")
    for kind, rows in lists.items():
        for _ in range(noise):
            while True:
                born = AS_OF - dt.timedelta(days=nr.randint(7 * 365, 95 * 365))
                id18 = make_id(nr, prefix(nr.choice(SAMPLE_COUNTIES + OTHER_PREFIXES), "县"), born, nr.random() < 0.5, used_ids)
                if keyer.person_key(id18) not in known:
                    break
            values = {
                "死亡人员": {"死亡日期": f"{nr.randint(2023, 2026)}-{nr.randint(1, 12):02d}-{nr.randint(1, 28):02d}"},
                "财政供养人员": {"起始日期": f"{nr.randint(1990, 2024)}-07-01", "终止日期": ""},
                "残疾人证": {"残疾等级": str(nr.randint(1, 4)), "发证日期": "2018-03-01", "有效期至": ""},
                "在校学生": {"入学日期": f"{nr.randint(2016, 2025)}-09-01", "离校日期": ""},
            }[kind]
            rows.append(RefRow(id18, make_name(nr, nr.random() < 0.5), values))
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    for kind, rows in lists.items():
        rr = rng_for("reference-render", kind)
        rr.shuffle(rows)
        (out_dir / f"{kind}.csv").write_bytes(_render_reference(kind, rows, rr))
    result = sorted(expected)
    (out_dir / "expected_findings.json").write_text(
        json.dumps([{"规则": a, "批次号": b, "记录号": c} for a, b, c in result], ensure_ascii=False, indent=1) + "\n",
        encoding="utf-8")
    counts = {kind: len(rows) for kind, rows in lists.items()}
    log(f"比对名单（含明文身份证号，仅供测试，切勿提交）：{counts}，预期疑点 {len(result)} 条，写入 {out_dir}")
    return result


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m generator.synth", description="生成示例数据（虚构人员）")
    sub = ap.add_subparsers(dest="command", required=True)
    p = sub.add_parser("sample", help="重新生成 data/ 中的示例区划、服务网点和发放批次")
    p.add_argument("--data", default="data")
    p = sub.add_parser("province", help="生成省级规模的基准测试数据（虚构区划和人员）")
    p.add_argument("out")
    p.add_argument("--villages", type=int, default=46_000)
    p.add_argument("--records-per-village", type=int, default=450)
    p = sub.add_parser("reference", help="生成带预设疑点的比对名单（死亡、财政供养、残疾人证、在校学生；含明文，仅供测试）")
    p.add_argument("out")
    p.add_argument("--data", default="data")
    p.add_argument("--plant-duplicate", action="store_true", help="在数据目录中加一条跨县重复发放记录（请在副本上使用）")
    p.add_argument("--noise", type=int, default=300, help="每份名单中与发放记录无关的行数")
    p = sub.add_parser("raw", help="重新生成某个示例批次背后的原始导出文件（含明文，仅供测试，勿提交）")
    p.add_argument("batch_id")
    p.add_argument("out")
    args = ap.parse_args(argv)
    if args.command == "sample":
        make_sample(Path(args.data))
    elif args.command == "reference":
        make_reference(Path(args.data), Path(args.out), plant_duplicate=args.plant_duplicate, noise=args.noise)
    elif args.command == "province":
        make_province(Path(args.out), args.villages, args.records_per_village)
    else:
        data, _rows = raw_export(args.batch_id)
        Path(args.out).write_bytes(data)
        print(f"已写入 {args.out}（含明文身份证号，仅供测试，切勿提交或公开）")
    return 0


if __name__ == "__main__":
    sys.exit(main())
