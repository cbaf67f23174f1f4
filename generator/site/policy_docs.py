"""Markdown sources of the policy half (rendered by mkdocs-material).

Writes into a build directory: home, 政策清单 with pre-built filter pages and
one page per programme, the change log, 制度文件, 办事指南 (flow charts as
plain HTML/CSS), 服务网点.  Returns the mkdocs nav.
"""

from __future__ import annotations

import shutil
from collections import defaultdict
from pathlib import Path

from generator.site.common import (
    GROUP_SLUGS, LEVEL_SLUGS, SiteData, batch_title, department_slug, jinja_env, yk_context,
)
from generator.site.stats import write_stats
from huinong_core import urls
from huinong_core.models import TARGET_GROUPS
from huinong_core.regions import county_of


def _write(docs: Path, page: str, text: str) -> None:
    path = docs / page / "index.md" if page else docs / "index.md"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


class PolicyDocs:
    def __init__(self, sd: SiteData, docs: Path):
        self.sd, self.ds, self.docs = sd, sd.ds, docs
        self.env = jinja_env()
        self.yk = yk_context(sd.ctx)

    def render(self, template: str, page: str, **kw) -> None:
        _write(self.docs, page, self.env.get_template(template).render(page=page, yk=self.yk, **kw))

    # ------------------------------------------------------------ 政策清单
    def policy_pages(self) -> None:
        sd = self.sd
        codes = list(sd.programmes)
        current = [sd.current(c) for c in codes if sd.in_force(c)]
        stopped = [sd.current(c) for c in codes if not sd.in_force(c)]

        def option(label, path, rows):
            return {"label": label, "path": path, "count": len(rows)}

        levels = [(lv, f"zhengce/jici/{slug}/", [p for p in current if p.level == lv]) for lv, slug in LEVEL_SLUGS.items()]
        depts = sorted({p.department for p in current})
        departments = [(d, f"zhengce/bumen/{department_slug(d)}/", [p for p in current if p.department == d]) for d in depts]
        groups = [(g, f"zhengce/duixiang/{GROUP_SLUGS[g]}/", [p for p in current if g in p.groups]) for g in TARGET_GROUPS]
        filters = [
            {"title": "按政策级次", "options": [option(*x) for x in levels if x[2]]},
            {"title": "按主管部门", "options": [option(*x) for x in departments]},
            {"title": "按补贴对象", "options": [option(*x) for x in groups if x[2]]},
        ]
        year = sd.ctx.today.year
        common = {"filters": filters, "year": year}
        self.render("policy_list.md", urls.policy_list(), title="政策清单", intro="", rows=current,
                    caption=f"{year}年惠民惠农财政补贴政策清单", is_root=True, stopped=stopped,
                    filter_label="", **common)
        for kind, items in (("级次", levels), ("主管部门", departments), ("补贴对象", groups)):
            for label, path, rows in items:
                if not rows:
                    continue
                self.render("policy_list.md", path, title=f"政策清单：{label}", intro="", rows=rows,
                            caption=f"{kind}：{label}", is_root=False, stopped=[], filter_label=f"{kind}为“{label}”",
                            **common)
        docs_by_code = defaultdict(list)
        for d in sorted(self.ds.documents, key=lambda d: d.date, reverse=True):
            for c in d.programmes:
                docs_by_code[c].append(d)
        disclosed = {pb.batch.programme for pb in sd.ctx.view.batches}
        procs_by_code = defaultdict(list)
        for pr in self.ds.procedures:
            for c in pr.programmes:
                procs_by_code[c].append(pr)
        for code, rows in sd.programmes.items():
            p = sd.current(code)
            first, last = rows[0].start_year, rows[-1].end_year
            years = f"{first}年起" + (f"，到{last}年止" if last else "，现在仍在执行")
            regions = "、".join(self.ds.regions[r].name if r in self.ds.regions else r for r in p.regions) or "全部地区"
            self.render("policy_page.md", urls.policy_page(code), p=p, history=rows, years=years, regions=regions,
                        in_force=sd.in_force(code), documents=docs_by_code[code], procedures=procs_by_code[code],
                        group_slugs=GROUP_SLUGS, disclosed=code in disclosed)
        self.render("changelog.md", "zhengce/biangeng/", years=self.changes())

    def changes(self) -> list[dict]:
        """新增/调整/停止 per year, newest year first."""
        by_year: dict[int, list[dict]] = defaultdict(list)
        for code, rows in self.sd.programmes.items():
            name = rows[-1].name
            by_year[rows[0].start_year].append({"kind": "新增", "code": code, "name": name, "detail": ""})
            for prev, cur in zip(rows, rows[1:]):
                detail = f"标准由“{prev.standard}”调整为“{cur.standard}”" if prev.standard != cur.standard else "政策内容调整"
                by_year[cur.start_year].append({"kind": "调整", "code": code, "name": name, "detail": detail})
            if rows[-1].end_year is not None:
                by_year[rows[-1].end_year + 1].append(
                    {"kind": "停止", "code": code, "name": name, "detail": f"执行到{rows[-1].end_year}年为止"})
        order = {"新增": 0, "调整": 1, "停止": 2}
        return [{"year": y, "changes": sorted(by_year[y], key=lambda c: (order[c["kind"]], c["code"]))}
                for y in sorted(by_year, reverse=True)]

    # ------------------------------------------------------------ 制度文件
    def document_pages(self) -> None:
        import markdown

        docs = sorted(self.ds.documents, key=lambda d: (d.date, d.slug), reverse=True)
        by_programme = []
        for code in self.sd.programmes:
            ds = [d for d in docs if code in d.programmes]
            if ds:
                by_programme.append({"name": self.sd.current(code).name, "docs": ds})
        general = [d for d in docs if not d.programmes]
        if general:
            by_programme.insert(0, {"name": "综合性文件", "docs": general})
        self.render("documents.md", "wenjian/", docs=docs, by_programme=by_programme)
        md = markdown.Markdown(extensions=["tables", "attr_list"])
        for d in docs:
            body = md.reset().convert(d.body)
            programmes = [self.sd.current(c) for c in d.programmes if c in self.sd.programmes]
            self.render("document.md", urls.document_page(d.slug), d=d, body=body, programmes=programmes)
        files = Path(self.ds.root) / "documents" / "files"
        if files.is_dir():
            shutil.copytree(files, self.docs / "wenjian" / "files")

    # ------------------------------------------------------------ 办事指南
    def procedure_pages(self) -> None:
        procs = sorted(self.ds.procedures, key=lambda p: p.slug)
        self.render("procedures.md", "banshi/", procedures=procs)
        for pr in procs:
            programmes = [self.sd.current(c) for c in pr.programmes if c in self.sd.programmes]
            self.render("procedure.md", urls.procedure_page(pr.slug), pr=pr, programmes=programmes)

    # ------------------------------------------------------------ 服务网点
    def service_pages(self) -> None:
        regions = self.ds.regions
        by_county: dict[str, list] = defaultdict(list)
        hotlines = []
        for s in self.ds.services:
            level = regions[s.region].level if s.region in regions else "县"
            if level in ("省", "市"):
                hotlines.append(s)
            else:
                by_county[county_of(s.region)].append(s)
        counties = [{"region": regions[c], "count": len(v)} for c, v in sorted(by_county.items()) if c in regions]
        self.render("services.md", urls.services(), hotlines=hotlines, counties=counties)
        for c in counties:
            county = c["region"]
            own = [s for s in by_county[county.code] if s.region == county.code]
            townships = []
            for t in self.sd.children.get(county.code, []):
                services = [s for s in by_county[county.code] if s.region == t.code]
                if services:
                    townships.append({"region": t, "services": services})
            self.render("services_county.md", urls.county_services(county.code), county=county, own=own,
                        townships=townships)

    # ------------------------------------------------------------ home
    def home(self) -> None:
        ds, today = self.ds, self.sd.ctx.today
        seen = {}
        for pb in self.sd.ctx.view.batches:
            b = pb.batch
            seen.setdefault(b.batch_id, {"batch_id": b.batch_id, "title": batch_title(ds, b),
                                         "start": b.publicity_start, "end": b.publicity_end})
        batches = sorted(seen.values(), key=lambda b: (b["start"], b["batch_id"]), reverse=True)
        running = [b for b in batches if b["start"] <= today <= b["end"]]
        self.render("home.md", urls.home(), running=running, latest=batches[:8])


def write_docs(sd: SiteData, docs: Path) -> list:
    """Write every generated page; return the mkdocs nav."""
    pd = PolicyDocs(sd, docs)
    pd.home()
    pd.policy_pages()
    pd.document_pages()
    pd.procedure_pages()
    pd.service_pages()
    stats_pages = write_stats(sd, docs)
    return [
        {"首页": "index.md"},
        {"政策清单": ["zhengce/index.md", "zhengce/biangeng/index.md"]
         + [{sd.current(c).name: f"zhengce/{c.lower()}/index.md"} for c in sd.programmes]},
        {"办事指南": ["banshi/index.md"] + [f"banshi/{p.slug}/index.md" for p in sorted(sd.ds.procedures, key=lambda p: p.slug)]},
        {"制度文件": ["wenjian/index.md"]},
        {"服务网点": ["wangdian/index.md"]},
        {"个人查询": "chaxun/index.md"},
        {"统计": stats_pages},
        {"搜索": "sousuo/index.md"},
        {"关于本专栏": "guanyu/index.md"},
    ]
