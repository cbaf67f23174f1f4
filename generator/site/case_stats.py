"""咨询投诉统计 rebuilt with the site (issue 8 point 5): ``tongji/zixun/`` and ``tongji/zixun.json``.

The figures come from the build's source (`BuildContext.case_figures`; `python -m generator
build` passes lookup_api/cases/figures.py `read_figures`, which reads the cases database the
API uses), as of the build time (SOURCE_DATE_EPOCH), so two builds of the same data and
database are identical.  Without a source or a database, the page says in Chinese that the
figures are served live and links there.  A database that is configured but cannot be read
gives the same page and a line in the build report.

What is published is what the live page publishes: cases by type, programme (over the whole
database, never by place) and county (never by programme), median days to reply, share
answered on time, satisfaction; groups under 5 cases only say “少于5件”; no case content.
The build's privacy gate scans both files like every other output.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import jinja2

from generator.context import BuildContext
from huinong_core.case_figures import CaseFigures

PAGE = "tongji/zixun/"
DATA = "tongji/zixun.json"
LIVE_PAGE = "zixun/tongji/"  # served by the lookup API next to the site
LIVE_DATA = "api/v1/cases/stats"


def counties_of(ds) -> dict[str, str]:
    """The counties the figures are asked for (code → name)."""
    return {code: r.name for code, r in ds.regions.items() if r.level == "县"}


def figures_for(ctx: BuildContext) -> CaseFigures:
    """What the build's source of figures (ctx.case_figures) gives, as of the build time; kept as
    ctx.figures (in the process that renders the policy half: site.render hands them back)."""
    if ctx.case_figures is None:
        figures = CaseFigures(None)
    else:
        figures = ctx.case_figures(counties_of(ctx.dataset),
                                   ctx.version.built_at.astimezone(dt.timezone.utc).replace(tzinfo=None))
    ctx.figures = figures
    return figures


def data(figures: CaseFigures, built_at: str) -> dict:
    """tongji/zixun.json; links in it are relative to the file itself."""
    live = {"page": "../" + LIVE_PAGE, "data": "../" + LIVE_DATA}
    if figures.stats is None:
        # No figures, so no time: a build time here would make every build differ (issue 7).
        return {"source": "live", "live": live,
                "note": "咨询投诉统计由咨询投诉服务实时提供，见 live.page（网页）和 live.data（JSON）。"}
    return {"source": "build", "built_at": built_at, "live": live, **figures.stats}


def write_case_stats(ctx: BuildContext, figures: CaseFigures, docs: Path, env: jinja2.Environment) -> str:
    """Writes the page's Markdown and its JSON into the mkdocs sources (`figures`: figures_for);
    returns the page for the nav."""
    built_at = ctx.version.built_at.strftime("%Y-%m-%d %H:%M")
    (docs / PAGE).mkdir(parents=True, exist_ok=True)
    (docs / PAGE / "index.md").write_text(env.get_template("stats_cases.md").render(
        page=PAGE, stats=figures.stats, tables=figures.tables,
        built_at=built_at, live=LIVE_PAGE, data=DATA), encoding="utf-8")
    (docs / DATA).write_text(json.dumps(data(figures, built_at), ensure_ascii=False, indent=1) + "\n",
                             encoding="utf-8")
    return PAGE + "index.md"
