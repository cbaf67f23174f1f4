"""The public site (issue 4): mkdocs-material renders the policy half, pelican the
disclosure half; both land in the one web root through the build's Writer."""

from __future__ import annotations

import tempfile
from pathlib import Path

from generator.context import BuildContext
from generator.parallel import fork_call
from generator.site.common import SiteData
from generator.site.downloads import write_downloads
from generator.site.mkdocs_half import build_policy_half
from generator.site.pelican_half import build_disclosure_half
from generator.site.sitemap import page_urls, write_sitemap


def render(ctx: BuildContext) -> int:
    sd = SiteData(ctx)
    # The renderers' work directory sits with the builds: a killed build's is removed by the next
    # one (Writer removes every build-* but the live one), not left in /tmp.
    with tempfile.TemporaryDirectory(prefix="build-site-", dir=ctx.writer.builds) as tmp:
        work = Path(tmp)
        # The policy half (mkdocs, one process) renders in a forked process while this one does the
        # disclosure half.  What both need of the build is made here first, where it is kept; what
        # the policy half found out comes back (the 咨询投诉 figures, what the batch cache keeps).
        _ = (ctx.notices, ctx.versions)
        policy_half = fork_call(_policy_half, sd, work)
        disclosure, pelican_build = build_disclosure_half(sd, work)
        ctx.timed("  site: pelican half")
        policy, kept, ctx.figures = policy_half()
        if ctx.figures.problem:
            ctx.notes.append(ctx.figures.problem)
        if ctx.cache is not None:
            ctx.cache.keep_all(kept)
        ctx.timed("  site: mkdocs half (waited for)")
        for name in ("sitemap.xml", "sitemap.xml.gz"):  # replaced by the one sitemap below
            (policy / name).unlink(missing_ok=True)
        count = ctx.writer.adopt_tree(policy, ctx.site_path(""))
        count += ctx.writer.adopt_tree(disclosure, ctx.site_path(""))
        ctx.timed("  site: adopt")
    count += write_downloads(sd, pelican_build.by_village, pelican_build.check_codes)
    ctx.timed("  site: downloads")
    count += write_sitemap(ctx, page_urls(ctx.writer.written, ctx.site_path("")))
    ctx.stats["region_pages"] = pelican_build.region_pages
    return count


def _policy_half(sd: SiteData, work: Path) -> tuple:
    """In the forked process: the policy half, what the batch cache is to keep of it (统计:
    stats.compute, the search's words: mkdocs_half.kept_words), and the 咨询投诉 figures it printed
    (case_stats.figures_for)."""
    out = build_policy_half(sd, work)
    sd.ctx.timed("  site: mkdocs half, in its own process, since the fork")
    return out, sd.ctx.cache.kept() if sd.ctx.cache is not None else {}, sd.ctx.figures
