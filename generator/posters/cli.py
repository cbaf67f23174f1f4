"""``python -m generator posters``: posters on demand, outside the site build."""

from __future__ import annotations

import dataclasses
import time
from pathlib import Path

from generator.context import BuildContext
from generator.pipeline import run, stage_name
from huinong_core.errors import HuinongError


def make_posters(data_dir: Path, out_dir: Path, *, region: str | None, sizes: tuple[str, ...],
                 workers: int | None = None) -> str:
    """Check the data, write the posters (all or nothing, behind the privacy gate); returns a summary line."""
    from generator.posters import build_selection, region_selection, write_selection
    from generator.posters.fonts import poster_font

    started = time.perf_counter()
    poster_font()  # a missing font is reported before anything else is done
    sizes = tuple(dict.fromkeys(sizes))
    sel = None

    def posters(ctx: BuildContext) -> int:
        """The one render stage: the region's posters, or the build's selection with its bundles."""
        nonlocal sel
        if region is None:
            sel = dataclasses.replace(build_selection(ctx, sizes), bundles=True)
        elif region in ctx.dataset.regions:
            sel = region_selection(ctx, region, sizes)
        else:
            raise HuinongError(f"区划代码{region}不存在（应为 regions.csv 中的县、乡镇或村代码）")
        return write_selection(ctx, sel, workers=workers)

    ctx = run(data_dir, out_dir, [posters], incremental=False)
    count = ctx.stats[stage_name(posters)]
    return (f"已生成 {count} 张海报（{len(sel.villages)} 个村、社区，{len(sel.batches)} 份发放名单公示，"
            f"{'、'.join(sizes)}），另有乡镇合订本和索引页 {out_dir}/haibao/index.html，"
            f"用时 {time.perf_counter() - started:.1f} 秒。")
