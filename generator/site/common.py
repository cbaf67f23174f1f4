"""Shared pieces of both site halves: paths, nav, formatting, the Jinja env."""

from __future__ import annotations

import hashlib
from collections import defaultdict
from functools import cached_property
from pathlib import Path

import jinja2

from generator.context import BuildContext
from huinong_core import site_files, urls
from huinong_core.models import Policy, Region
from huinong_core.normalize import format_decimal, format_money, period_label  # noqa: F401 (re-exported for the site)
from huinong_core.site_files import SITE_SRC  # noqa: F401 (re-exported for the site)

TEMPLATES = Path(__file__).resolve().parent / "templates"

GROUP_SLUGS = {
    "种养农户": "nonghu", "困难群众": "kunnan", "老年人": "laonian", "残疾人": "canji",
    "儿童和学生": "xuesheng", "计划生育家庭": "jisheng", "优抚对象": "youfu", "林农": "linnong",
    "移民和搬迁群众": "yimin", "创业就业人员": "chuangye",
}
LEVEL_SLUGS = {"中央": "zhongyang", "省": "sheng", "市": "shi", "县": "xian"}


def department_slug(name: str) -> str:
    """Stable ASCII slug for a department name (names may hold '/')."""
    return "d" + hashlib.sha1(name.encode("utf-8")).hexdigest()[:6]


def yk_context(ctx: BuildContext) -> dict:
    site = ctx.dataset.site
    return {
        "site_name": site.name if site else "惠民惠农财政补贴资金“一卡通”公开专栏",
        "publisher": site.publisher if site else "",
        "phone": site.phone if site else "",
        "api": site.api if site else True,  # data/site.yaml 查询服务: where the header's search goes
        "nav": [{"title": t, "path": p} for t, p in urls.NAV],
        "version": ctx.version_of(everything=True).label,  # pages that count every batch; see version_map
        "assets": site_files.assets(),  # our CSS and JS by logical name -> content-hashed path
    }


def jinja_env() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        autoescape=True, trim_blocks=True, lstrip_blocks=True, undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
    )
    env.filters.update(money=format_money, qty=format_decimal, tel=lambda p: p.replace("-", ""))
    env.globals.update(rel=urls.relative, urls=urls)
    return env


class SiteData:
    """Lookups both halves need, computed once per build."""

    def __init__(self, ctx: BuildContext):
        self.ctx = ctx
        self.ds = ctx.dataset
        self._chains: dict[str, list[Region]] = {}  # ancestors

    @cached_property
    def children(self) -> dict[str, list[Region]]:
        out: dict[str, list[Region]] = defaultdict(list)
        for r in self.ds.regions.values():
            if r.parent:
                out[r.parent].append(r)
        for v in out.values():
            v.sort(key=lambda r: r.code)
        return out

    def ancestors(self, code: str) -> list[Region]:
        """From the city down to the region itself (the province is left out).  Made once per region
        (a province asks 460,000 times: once per village and batch): the list is shared, not to be changed."""
        chain = self._chains.get(code)
        if chain is None:
            chain = self._chains[code] = self._ancestors(code)
        return chain

    def _ancestors(self, code: str) -> list[Region]:
        chain = []
        r = self.ds.regions.get(code)
        while r is not None:
            chain.append(r)
            r = self.ds.regions.get(r.parent) if r.parent else None
        chain.reverse()
        return [r for r in chain if r.level != "省"] or chain

    @cached_property
    def programmes(self) -> dict[str, list[Policy]]:
        """项目编码 → its rows, oldest first."""
        out: dict[str, list[Policy]] = defaultdict(list)
        for p in self.ds.policies:
            out[p.code].append(p)
        for rows in out.values():
            rows.sort(key=lambda p: p.start_year)
        return dict(out)

    def current(self, code: str) -> Policy:
        """The row in force this year, else the latest row."""
        rows = self.programmes[code]
        year = self.ctx.today.year
        return next((p for p in rows if p.covers_year(year)), rows[-1])

    def in_force(self, code: str) -> bool:
        return any(p.covers_year(self.ctx.today.year) for p in self.programmes[code])


def batch_title(ds, batch) -> str:
    county = ds.regions[batch.region].name if batch.region in ds.regions else batch.region
    policy = ds.policy_for(batch.programme, batch.year)
    name = policy.name if policy else batch.programme
    return f"{county}{name}{period_label(batch.period)}发放结果公示"
