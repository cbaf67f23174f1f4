"""The public site (issue 4): mkdocs-material renders the policy half, pelican the
disclosure half; both land in the one web root through the build's Writer."""

from __future__ import annotations

import tempfile
from pathlib import Path

from generator.context import BuildContext
from generator.site.common import SiteData
from generator.site.mkdocs_half import build_policy_half
from generator.site.pelican_half import build_disclosure_half


def render(ctx: BuildContext) -> int:
    sd = SiteData(ctx)
    with tempfile.TemporaryDirectory(prefix="huinong-site-") as tmp:
        work = Path(tmp)
        policy = build_policy_half(sd, work)
        disclosure, _ = build_disclosure_half(sd, work)
        count = ctx.writer.adopt_tree(policy, ctx.site_path(""))
        count += ctx.writer.adopt_tree(disclosure, ctx.site_path(""))
    return count
