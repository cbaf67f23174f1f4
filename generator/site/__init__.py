"""The public site (issue 4): mkdocs-material renders the policy half, pelican the
disclosure half; both land in the one web root through the build's Writer."""

from __future__ import annotations

import datetime as dt
import os
import re
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
        try:
            disclosure, pelican_build = build_disclosure_half(sd, work)
            ctx.timed("  site: pelican half")
            policy, kept, ctx.figures = policy_half()
        except BaseException:
            policy_half.stop()  # not left writing into the work directory being removed
            raise
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
    count += keep_superseded_assets(ctx)
    ctx.stats["region_pages"] = pelican_build.region_pages
    return count


#: How long a stylesheet or script the live build has and this one does not stays published: a
#: page is cached up to 5 minutes (deploy/nginx.conf) and may name it; a day is room enough.
KEEP_SUPERSEDED = dt.timedelta(days=1)
_HASHED = re.compile(r"[^/]+\.[0-9a-f]{8}\.(css|js)")
_MEMO = "superseded-assets"


def keep_superseded_assets(ctx: BuildContext) -> int:
    """Copy the live build's content-hashed stylesheets and scripts that this build no longer makes
    (our CSS or JS changed: a new name) into it, for KEEP_SUPERSEDED after the first build without
    them: a page a browser or proxy still holds from before would else lose its styles (404)."""
    writer, now = ctx.writer, ctx.version.built_at
    live = writer.live
    assets = live / ctx.site_path("assets") if live is not None else None
    if assets is None or not assets.is_dir():
        return 0
    since = ((writer.last_record() or {}).get("memo") or {}).get(_MEMO) or {}
    kept = {}
    for name in sorted(os.listdir(assets)):
        rel = ctx.site_path(f"assets/{name}")
        if not _HASHED.fullmatch(name) or rel in writer.written or not (assets / name).is_file():
            continue
        try:
            first = dt.datetime.fromisoformat(since[rel]) if rel in since else now
        except (TypeError, ValueError):
            first = now
        if now - first < KEEP_SUPERSEDED:
            writer.copy(rel, assets / name)
            kept[rel] = first.isoformat()
    if kept:
        writer.memo[_MEMO] = kept
    return len(kept)


def _policy_half(sd: SiteData, work: Path) -> tuple:
    """In the forked process: the policy half, what the batch cache is to keep of it (统计:
    stats.compute, the search's words: mkdocs_half.kept_words), and the 咨询投诉 figures it printed
    (case_stats.figures_for)."""
    out = build_policy_half(sd, work)
    sd.ctx.timed("  site: mkdocs half, in its own process, since the fork")
    return out, sd.ctx.cache.kept() if sd.ctx.cache is not None else {}, sd.ctx.figures
