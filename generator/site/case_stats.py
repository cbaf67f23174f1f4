"""咨询投诉统计 rebuilt with the site (issue 8 point 5): ``tongji/zixun/`` and ``tongji/zixun.json``.

When the build can read the cases database (the one the API uses: ``CASES_DATABASE_URL``,
else ``LOOKUP_CASES_DB``, default ``var/cases.sqlite``), the page shows the figures of
``lookup_api.cases.service.case_statistics``, the very function behind the live page
``/zixun/tongji/`` and ``/api/v1/cases/stats``, as of the build time (SOURCE_DATE_EPOCH), so
two builds of the same data and database are identical.  The database is opened read-only
and never created or migrated from here.  Without one (no file, no URL), the page says in
Chinese that the figures are served live and links there.  A database that is configured but
cannot be read gives the same page and a line in the build report.

What is published is what the live page publishes: cases by type, programme (over the whole
database, never by place) and county (never by programme), median days to reply, share
answered on time, satisfaction; groups under 5 cases only say “少于5件”; no case content.
The build's privacy gate scans both files like every other output.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path

import jinja2

from generator.context import BuildContext

PAGE = "tongji/zixun/"
DATA = "tongji/zixun.json"
LIVE_PAGE = "zixun/tongji/"  # served by the lookup API next to the site
LIVE_DATA = "api/v1/cases/stats"


@dataclass(frozen=True)
class CaseFigures:
    stats: dict | None  # case_statistics(), or None: the page links to the live figures
    problem: str | None = None  # for the build report: a database was configured but not read


def read_figures(ctx: BuildContext) -> CaseFigures:
    from sqlalchemy.exc import SQLAlchemyError

    from lookup_api.cases.service import case_statistics
    from lookup_api.cases.store import Store, current_revision, head_revision
    from lookup_api.config import Settings

    try:
        url = Settings().cases_url()
    except Exception as e:  # a malformed setting elsewhere; never echo values (the URL may hold a password)
        return CaseFigures(None, f"咨询投诉统计：查询服务的设置有误（{type(e).__name__}），本次只链接实时统计。")
    try:
        store = Store(url, readonly=True)
    except FileNotFoundError:
        return CaseFigures(None)  # no cases on this machine: the live page has the figures
    try:
        revision = current_revision(store.engine)
        if revision is None:
            return CaseFigures(None)  # an empty file: the API has not started on it yet
        if revision != head_revision():
            return CaseFigures(None, f"咨询投诉统计：咨询投诉数据库的结构（{revision}）不是本程序的版本（{head_revision()}），"
                                     "请先运行 python -m generator cases migrate；本次只链接实时统计。")
        counties = {code: r.name for code, r in ctx.dataset.regions.items() if r.level == "县"}
        now = ctx.version.built_at.astimezone(dt.timezone.utc).replace(tzinfo=None)
        return CaseFigures(case_statistics(store, counties, now))
    except SQLAlchemyError as e:
        return CaseFigures(None, f"咨询投诉统计：无法读取咨询投诉数据库（{type(e).__name__}），本次只链接实时统计。")
    finally:
        store.dispose()


def tables_html(stats: dict) -> str:
    """The live page's tables (lookup_api/templates/partials/yk_case_stats.html), as one HTML block."""
    env = jinja2.Environment(loader=jinja2.PackageLoader("lookup_api", "templates"), autoescape=True,
                             trim_blocks=True, lstrip_blocks=True, undefined=jinja2.StrictUndefined)
    macro = env.get_template("partials/yk_case_stats.html").module.tables
    return "\n\n".join(block.strip() for block in str(macro(stats)).split("\n\n") if block.strip())


def data(figures: CaseFigures, built_at: str) -> dict:
    """tongji/zixun.json; links in it are relative to the file itself."""
    live = {"page": "../" + LIVE_PAGE, "data": "../" + LIVE_DATA}
    if figures.stats is None:
        # No figures, so no time: a build time here would make every build differ (issue 7).
        return {"source": "live", "live": live,
                "note": "咨询投诉统计由咨询投诉服务实时提供，见 live.page（网页）和 live.data（JSON）。"}
    return {"source": "build", "built_at": built_at, "live": live, **figures.stats}


def write_case_stats(ctx: BuildContext, docs: Path, env: jinja2.Environment) -> str:
    """Writes the page's Markdown and its JSON into the mkdocs sources; returns the page for the nav."""
    figures = read_figures(ctx)
    if figures.problem:
        ctx.notes.append(figures.problem)
    built_at = ctx.version.built_at.strftime("%Y-%m-%d %H:%M")
    (docs / PAGE).mkdir(parents=True, exist_ok=True)
    (docs / PAGE / "index.md").write_text(env.get_template("stats_cases.md").render(
        page=PAGE, stats=figures.stats, tables=tables_html(figures.stats) if figures.stats else "",
        built_at=built_at, live=LIVE_PAGE, data=DATA), encoding="utf-8")
    (docs / DATA).write_text(json.dumps(data(figures, built_at), ensure_ascii=False, indent=1) + "\n",
                             encoding="utf-8")
    return PAGE + "index.md"
