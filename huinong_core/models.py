"""Domain records: one frozen dataclass each.  Only `load` sees raw dicts.

Every record remembers where it came from (:class:`Source`), so any later
stage can point staff at the file, line and column of a problem.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from types import MappingProxyType
from typing import Mapping

from huinong_core.regions import covers, prefix, region_level, within

POLICY_LEVELS = ("中央", "省", "市", "县")
#: The kinds of 服务网点 (services.csv 类型).
WINDOW, BANK, HOTLINE = "乡镇便民服务窗口", "银行网点", "咨询热线"
SERVICE_KINDS = (WINDOW, BANK, HOTLINE)
#: 对象类别: who a programme is for, in words the public filters the 政策清单 by.
TARGET_GROUPS = ("种养农户", "困难群众", "老年人", "残疾人", "儿童和学生", "计划生育家庭", "优抚对象",
                 "林农", "移民和搬迁群众", "创业就业人员")
STATUSES = ("已发放", "发放失败", "已退回", "已补发")
FAILED_STATUSES = ("发放失败", "已退回")
PAID_STATUSES = ("已发放", "已补发")  # money reached the card

_EMPTY: Mapping[str, tuple[int, int]] = MappingProxyType({})


@dataclass(frozen=True)
class Source:
    """Where a record came from.  ``header`` for CSV rows, ``positions`` for YAML."""

    path: str
    line: int
    header: tuple[str, ...] = field(default=(), compare=False, repr=False)
    positions: Mapping[str, tuple[int, int]] = field(default_factory=lambda: _EMPTY, compare=False, repr=False)

    def at(self, name: str) -> tuple[int, int]:
        """(line, column) of a field; column 0 when unknown."""
        if name in self.positions:
            return self.positions[name]
        if name in self.header:
            return self.line, self.header.index(name) + 1
        return self.line, 0


@dataclass(frozen=True)
class Site:
    name: str
    publisher: str
    phone: str
    url: str
    publish_years: int
    lookup_years: int
    src: Source
    #: Is the lookup service (查询, 搜索结果, 咨询投诉) served with the site?  Decides where searches go.
    api: bool = True


@dataclass(frozen=True)
class Region:
    code: str
    name: str
    parent: str | None
    src: Source

    @property
    def level(self) -> str:
        return region_level(self.code)


@dataclass(frozen=True)
class Policy:
    """One row of 政策清单: a programme over one span of years.

    A programme whose standard changes gets a new row with the same 项目编码
    and a later 起始年度; the spans must not overlap.
    """

    code: str
    name: str
    card_name: str
    short_name: str
    level: str
    department: str
    target: str
    groups: tuple[str, ...]
    standard: str
    quantity_unit: str  # of 发放数量: 亩, 月, 人…; "" when not given
    use: str
    basis: str
    method: str
    timing: str
    months: tuple[int, ...]
    funding: str
    phone: str
    protected: bool
    regions: tuple[str, ...]
    start_year: int
    end_year: int | None
    note: str
    src: Source

    def covers_year(self, year: int) -> bool:
        return self.start_year <= year and (self.end_year is None or year <= self.end_year)

    def reaches(self, code: str) -> bool:
        """Does the programme apply anywhere in region ``code`` (e.g. a batch's county)?"""
        return not self.regions or any(within(code, a) or within(a, code) for a in self.regions)

    def covers_village(self, village: str) -> bool:
        """Does the programme apply in this village (it is inside one of the programme's regions)?"""
        return covers(self.regions, village)


@dataclass(frozen=True)
class Attachment:
    file: str
    title: str


@dataclass(frozen=True)
class Document:
    slug: str
    title: str
    number: str
    issuer: str
    date: dt.date
    programmes: tuple[str, ...]
    attachments: tuple[Attachment, ...]
    body: str
    src: Source


@dataclass(frozen=True)
class Step:
    stage: str
    unit: str
    limit: str
    detail: str


@dataclass(frozen=True)
class Procedure:
    slug: str
    name: str
    programmes: tuple[str, ...]
    steps: tuple[Step, ...]
    src: Source


@dataclass(frozen=True)
class Service:
    name: str
    kind: str
    region: str
    address: str
    phone: str
    hours: str
    src: Source


@dataclass(frozen=True)
class PaymentRecord:
    record_no: str
    query_key: str
    person_key: str
    card_key: str
    name: str  # masked
    card_tail: str
    bank: str
    region: str  # village code
    quantity: Decimal
    standard: Decimal
    amount: Decimal
    date: dt.date
    status: str
    reason: str
    src: Source


@dataclass(frozen=True)
class Batch:
    batch_id: str
    year: int
    programme: str
    period: str
    region: str  # county code
    payer: str
    publicity_start: dt.date
    publicity_end: dt.date
    phone: str
    records: tuple[PaymentRecord, ...] = field(repr=False)
    src: Source


NOTICE_LEVELS = ("紧急", "提示")


@dataclass(frozen=True)
class Notice:
    """An urgent notice (data/notices/*.md): shown on the pages in its scope while it is in force.

    No 区划代码 and no 项目编码 means the whole site; otherwise the pages of those
    regions (and everything under them) and/or those programmes.
    """

    slug: str
    title: str
    level: str  # one of NOTICE_LEVELS
    start: dt.datetime  # timezone-aware
    end: dt.datetime  # timezone-aware, exclusive
    regions: tuple[str, ...]
    programmes: tuple[str, ...]
    body: str  # Markdown
    src: Source

    def in_force(self, at: dt.datetime) -> bool:
        return self.start <= at < self.end

    @property
    def site_wide(self) -> bool:
        return not self.regions and not self.programmes


@dataclass(frozen=True)
class Dataset:
    root: str
    site: Site | None
    regions: Mapping[str, Region]
    policies: tuple[Policy, ...]
    documents: tuple[Document, ...]
    procedures: tuple[Procedure, ...]
    services: tuple[Service, ...]
    batches: tuple[Batch, ...]
    notices: tuple[Notice, ...] = ()

    def __repr__(self) -> str:
        # Short on purpose: tracebacks (and pytest) repr arguments, and the full dataset is huge.
        return f"<Dataset {self.root}: {len(self.policies)} policies, {len(self.batches)} batches>"

    def policy_for(self, code: str, year: int) -> Policy | None:
        for p in self.policies:
            if p.code == code and p.covers_year(year):
                return p
        return None

    def policy_codes(self) -> set[str]:
        return {p.code for p in self.policies}

    def protected_codes(self) -> set[str]:
        """项目编码 of the protected programmes (孤儿, 艾滋病…): no list of theirs is shown below county level."""
        return {p.code for p in self.policies if p.protected}

    @property
    def record_count(self) -> int:
        return sum(len(b.records) for b in self.batches)


def batch_id_for(county: str, programme: str, period: str) -> str:
    """批次号: county prefix, programme code, period: 410421-NY001-2024Q1."""
    return f"{prefix(county, '县')}-{programme}-{period}"
