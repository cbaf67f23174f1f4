"""The disclosure half, rendered by pelican.

A pelican generator (DisclosureGenerator, registered through pelican's
get_generators signal) makes the payment batches articles (one per batch:
dated 公示开始, category = county, tag = programme), so pelican makes the
公示公告 index, county and programme listings, yearly archives and Atom feeds
of them as it does of files.  After them it renders the region tree (city →
county → township → village) with pelican's writer and theme; it stays out of
every menu.  No Markdown is written per record.

What touches pelican itself is in pelican_generator.py, imported only when a
build renders this half (keeping_logger_class says why).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import time
from collections import defaultdict
from pathlib import Path

from generator.checkcode import batch_check_code
from generator.parallel import fork_map
from generator.site.common import SiteData, period_label
from generator.writer import input_key
from huinong_core import urls
from huinong_core.models import PAID_STATUSES
from huinong_core.normalize import format_money
from huinong_core.notices import ANY

REGION_CHUNK = 5_000  # regions whose pages are made, then rendered, at a time (write_regions)


class Disclosure:
    """What the disclosure half shows, computed from the public view."""

    def __init__(self, sd: SiteData):
        self.sd, self.ds, self.ctx = sd, sd.ds, sd.ctx
        self.by_batch: dict[str, list] = defaultdict(list)
        self.by_village: dict[str, list] = defaultdict(list)
        for pb in self.ctx.view.batches:
            self.by_batch[pb.batch.batch_id].append(pb)
            self.by_village[pb.village].append(pb)
        self.by_village = dict(self.by_village)  # a plain dict: asking for a village adds none
        self.villages = set(self.by_village)  # villages with published lists
        # Every village has a page (its 政策清单 poster's QR code points there), with or without
        # published lists; a region's count is of all villages under it.
        self.village_count: dict[str, int] = defaultdict(int)
        for r in self.ds.regions.values():
            if r.level == "村":
                for a in sd.ancestors(r.code)[:-1]:
                    self.village_count[a.code] += 1
        # The batches each region's page is made of (its own and everything under it): its data version.
        self.batches_under: dict[str, set[str]] = defaultdict(set)
        for pb in self.ctx.view.batches:
            for a in sd.ancestors(pb.village):
                self.batches_under[a.code].add(pb.batch.batch_id)
        self.region_pages = 0
        self.batch_pages = 0  # one village's list in one batch: urls.village_batch
        self._settings: str | None = None  # _settings_key
        self._keys: dict[tuple, str] = {}  # _once
        self._versions: dict[tuple, str] = {}  # (batch, notices) -> its version label
        # (village, batch) -> the check code its page shows (_render_page): the village's CSV and JSON
        # print it too (downloads.village_rows), and it takes reading all the list's rows.
        self.check_codes: dict[tuple[str, str], str] = {}

    def running(self, batch) -> bool:
        return batch.publicity_start <= self.ctx.today <= batch.publicity_end

    # ------------------------------------------------------------ articles
    def article(self, batch_id: str) -> tuple[dict, str]:
        """A batch's article: the variables of its facts and villages (templates _batch_facts.html and
        _batch_villages.html), and its summary."""
        pbs = self.by_batch[batch_id]
        b = pbs[0].batch
        policy = self.ds.policy_for(b.programme, b.year)
        paid = sum(pb.paid for pb in pbs)
        total = sum((pb.total for pb in pbs), start=type(pbs[0].total)(0))
        rows = []
        by_township: dict[str, list] = defaultdict(list)
        for pb in pbs:
            by_township[self.ds.regions[pb.village].parent or ""].append(pb)
        for t_code in sorted(by_township):
            t = self.ds.regions.get(t_code)
            for pb in by_township[t_code]:
                v = self.ds.regions[pb.village]
                rows.append({"township": t.name if t else "", "village": v.name, "path": urls.village_batch(v.code, b.batch_id),
                             "count": len(pb.rows), "paid": pb.paid, "total": format_money(pb.total)})
        variables = {"b": b, "policy_path": urls.policy_page(b.programme), "policy_name": policy.name if policy else b.programme,
                     "short_name": policy.short_name if policy else "", "period": period_label(b.period),
                     "status": "公示中" if self.running(b) else "公示已结束", "villages": len(pbs), "paid": paid,
                     "total": format_money(total), "rows": rows}
        summary = (f"{self.ds.regions[b.region].name}{policy.name if policy else b.programme}{period_label(b.period)}："
                   f"{len(pbs)} 个村（社区），已发放 {paid} 人次，合计 {format_money(total)} 元；公示期 "
                   f"{b.publicity_start.isoformat()} 至 {b.publicity_end.isoformat()}。")
        return variables, summary

    # ------------------------------------------------------------ region pages
    def batch_entry(self, pb, rows: bool = False) -> dict:
        """One village's list in one batch, for its index entry on the village page and, with
        rows, for its own page (urls.village_batch)."""
        b = pb.batch
        policy = self.ds.policy_for(b.programme, b.year)
        label = period_label(b.period)
        running = self.running(b)
        out = {
            "id": b.batch_id, "anchor": urls.batch_anchor(b.batch_id), "path": urls.village_batch(pb.village, b.batch_id),
            "year": b.year, "programme": b.programme, "name": policy.name if policy else b.programme, "period": label,
            # Within a year's group of the index: 第2季度, 上半年; a yearly batch is 年度.
            "short_period": label.removeprefix(f"{b.year}年").removeprefix("度") or "年度",
            "start": b.publicity_start.isoformat(), "end": b.publicity_end.isoformat(), "running": running,
            "phone": b.phone, "say_phone": say_phone(b.phone),
            "say_period": f"公示期从{say_date(b.publicity_start)}到{say_date(b.publicity_end)}，"
                          + ("正在公示" if running else "已经结束"),
            "count": len(pb.rows), "paid": pb.paid, "total": format_money(pb.total),
        }
        if rows:
            out.update(code=batch_check_code(pb), unit=policy.quantity_unit if policy else "",
                       failed=len(pb.rows) - pb.paid,
                       rows=[(r.seq, *r.text, r.status not in PAID_STATUSES) for r in pb.rows])
        return out

    def village_batches(self, code: str) -> list[dict]:
        """The village's batches, newest first (without their rows: those are on the batch pages)."""
        return [self.batch_entry(pb) for pb in sorted(self.by_village.get(code, ()), reverse=True,
                                                      key=lambda pb: (pb.batch.publicity_start, pb.batch.batch_id))]

    def write_regions(self, generator, writer) -> None:
        templates = {name: generator.get_template(name) for name in ("region", "village_batch")}
        levels = {"市": "县（市、区）", "县": "乡镇（街道）", "乡": "村（社区）"}
        roots = [r for r in self.ds.regions.values() if r.level == "市"]
        pages = [(r, self.sd.ancestors(r.code)) for r in self.ds.regions.values()
                 if r.level in ("市", "县", "村") or self.village_count.get(r.code)]
        # diqu/ itself is the first city (the sample is one city; a province lists its cities).
        top = roots[0] if len(roots) == 1 else None
        if top:
            pages.insert(0, (top, []))
        made_jobs, deciding = 0, 0.0
        # A province's 414,892 pages (region pages and villages' lists) are made and rendered
        # REGION_CHUNK regions at a time: their variables, made all first, took 500 MB.
        for start in range(0, len(pages), REGION_CHUNK):
            part, began = pages[start:start + REGION_CHUNK], time.perf_counter()
            jobs = [job for region, chain in part
                    if (job := self.region_job(generator, region, chain, levels,
                                               save_as="diqu/index.html" if chain == [] else None))]
            jobs += [job for region, chain in part if region.level == "村"
                     for pb in sorted(self.by_village.get(region.code, ()), key=lambda pb: pb.batch.batch_id)
                     if (job := self.village_batch_job(generator, region, chain, pb))]
            made_jobs, deciding = made_jobs + len(jobs), deciding + time.perf_counter() - began
            # In one process per CPU; each writes its own file.  Jobs go to the workers by number: they
            # hold the pages' variables already (forked).
            for made in fork_map(_render_page, range(len(jobs)), (self, generator, writer, jobs, templates),
                                 chunksize=32):
                if made is not None:
                    village, batch_id, code = made
                    self.check_codes[(village, batch_id)] = code
            del jobs
        self.ctx.timed(f"  site: {made_jobs} region pages rendered ({deciding:.1f} s deciding which)")

    def fresh(self, generator, path: str, kind: str, *inputs) -> bool:
        """False when the page is made of the same inputs as in the last build: then it is taken
        from it (Writer.reuse), not rendered."""
        key = input_key(kind, path, self._settings_key(generator), *inputs)
        if self.ctx.writer.reuse(self.ctx.site_path(path), key):
            return False
        self.ctx.writer.note_key(self.ctx.site_path(path), key)
        return True

    def _settings_key(self, generator) -> str:
        """What every page is made of: the site's settings but the build's version (each page has its own)."""
        if self._settings is None:
            yk = {k: v for k, v in generator.settings["YK"].items() if k != "version"}
            self._settings = input_key(yk, generator.settings["YK_PUBLISH_YEARS"])
        return self._settings

    def _once(self, kind: str, name, make) -> str:
        """input_key(make()), made once per build for `name` (a village's chain, a batch's facts, a notice):
        40,000 village lists in one batch share them (a province: 900,000)."""
        key = self._keys.get((kind, name))
        if key is None:
            key = self._keys[(kind, name)] = input_key(kind, make())
        return key

    def _batch_facts(self, b) -> str:
        """The key of what a village's entry or list of batch `b` is made of, besides its rows: its files,
        policy and status."""
        return self._once("batch", b.batch_id, lambda: (b.batch_id, self.ctx.batch_key(b),
                                                       self.ds.policy_for(b.programme, b.year), self.running(b)))

    def region_job(self, generator, region, chain, levels, save_as=None) -> tuple[str, str, dict] | None:
        """(path, template, variables) of a region page to render; None when the last build's is taken."""
        ancestors = chain[:-1] if chain else []
        village = region.level == "村"
        children = [{"code": c.code, "name": c.name, "count": self.village_count.get(c.code, 0)}
                    for c in self.sd.children.get(region.code, [])
                    if c.level in ("县", "村") or self.village_count.get(c.code)]
        notices = self.ctx.notices.for_page(region.code, ANY)
        version = (self.ctx.version_of(sorted(self.batches_under[region.code]), [n.slug for n in notices])
                   if chain else self.ctx.version_of(everything=True))
        kw = dict(region=region, ancestors=ancestors, village=village, children=children,
                  yk_notice_list=notices, yk_page_version=version.label,
                  child_level=levels.get(region.level, ""), window=self.ctx.village_infos.window_for(region.code),
                  full_name=village_name(chain) if village else region.name)
        facts = None
        if village:
            infos = self.ctx.village_infos
            kw.update(published=region.code in self.villages,
                      csv_path=urls.village_download(region.code, "csv"),
                      json_path=urls.village_download(region.code, "json"),
                      poster_path=urls.poster_township_index(region.code) + f"#v{region.code}",
                      policy_code=infos.poster_check_code(infos.of(region.code, self.ctx.today.year)),
                      say_site_phone=say_phone(generator.settings["YK"]["phone"]))
            # What the batch index is made of, without reading a record: each batch's files, policy, status.
            facts = [self._batch_facts(pb.batch) for pb in sorted(self.by_village.get(region.code, ()),
                                                                 key=lambda pb: pb.batch.batch_id)]
        path = save_as or urls.region_page(region.code) + "index.html"
        self.region_pages += 1
        # The region and its ancestors by the key of its chain (made once per village, shared with its
        # lists' pages: repr of the regions was a fifth of deciding), the rest as it is.
        chain_key = self._once("chain", region.code, lambda: chain) if chain else input_key("top", region)
        rest = sorted((k, v) for k, v in kw.items() if k not in ("region", "ancestors"))
        return (path, "region", kw) if self.fresh(generator, path, "region", chain_key, rest, facts) else None

    def village_batch_job(self, generator, region, chain, pb) -> tuple[str, str, dict] | None:
        """(path, template, variables) of one village's list in one batch; None when the last build's is
        taken.  Its key is made of parts made once per village, batch and notice (`_once`)."""
        b = pb.batch
        notices = self.ctx.notices.for_page(region.code, (b.programme,))
        slugs = tuple(n.slug for n in notices)
        version = self._versions.get((b.batch_id, slugs))
        if version is None:
            version = self._versions[(b.batch_id, slugs)] = self.ctx.version_of((b.batch_id,), slugs).label
        path = urls.village_batch(region.code, b.batch_id) + "index.html"
        self.batch_pages += 1
        if not self.fresh(generator, path, "village-batch", version,
                           self._once("chain", region.code, lambda: chain),  # the village, its name and ancestors
                           [self._once("notice", n.slug, lambda: n) for n in notices],
                           self._batch_facts(b)):
            return None
        kw = dict(region=region, ancestors=chain[:-1], full_name=village_name(chain), batch_id=b.batch_id,
                  yk_notice_list=notices, yk_page_version=version, csv_path=urls.village_download(region.code, "csv"))
        return path, "village_batch", kw


def village_name(chain) -> str:
    """县 · 乡镇 · 村: a village's name with the names a villager knows it by (no city, no province)."""
    return " · ".join(a.name for a in chain if a.level in ("县", "乡", "村"))


def say_date(day: dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def say_phone(phone: str) -> str:
    """A phone number for read-aloud: digit by digit (not "two million…"), a pause at the dash."""
    return "，".join(" ".join(part) for part in phone.split("-"))


def _render_page(shared: tuple, i: int) -> tuple[str, str, str] | None:
    """Render page `i` (a region page or one village's list in one batch) with pelican's writer, in a
    worker of fork_map: a village's lists are read from the spill here.  A list's page returns
    (village, batch, check code)."""
    build, generator, writer, jobs, templates = shared
    path, name, kw = jobs[i]
    made = None
    if name == "village_batch":
        pb = next(pb for pb in build.by_village[kw["region"].code] if pb.batch.batch_id == kw["batch_id"])
        kw = {**kw, "b": build.batch_entry(pb, rows=True)}
        made = (pb.village, pb.batch.batch_id, kw["b"]["code"])
    elif kw["village"]:
        batches = build.village_batches(kw["region"].code)
        years = sorted({b["year"] for b in batches}, reverse=True)
        # The index: per year, per programme (in the order of its newest batch), periods oldest first.
        index = []
        for y in years:
            groups: dict[str, list] = {}
            for b in batches:
                if b["year"] == y:
                    groups.setdefault(b["programme"], []).append(b)
            index.append((y, [(g[0]["name"], g[::-1]) for g in groups.values()]))
        kw = {**kw, "batches": batches, "index": index, "running": [b for b in batches if b["running"]]}
    writer.write_file(path, templates[name], generator.context.copy(), relative_urls=True,
                      url=path[:-len("index.html")], **kw)
    return made


@contextlib.contextmanager
def keeping_logger_class():
    """Importing pelican makes its logger class the process's (pelican/log.py): every logger made
    after it would drop repeated lines.  Pelican is imported inside this, and the class given back."""
    logger_class, root_class = logging.getLoggerClass(), type(logging.getLogger())
    try:
        yield
    finally:
        logging.setLoggerClass(logger_class)
        logging.getLogger().__class__ = root_class


def build_disclosure_half(sd: SiteData, work: Path) -> tuple[Path, Disclosure]:
    content, out = work / "pelican-content", work / "pelican"
    content.mkdir()
    out.mkdir()
    build = Disclosure(sd)
    with keeping_logger_class():
        from generator.site.pelican_generator import run_pelican, settings_for

        run_pelican(settings_for(sd, build, content, out))
    return out, build
