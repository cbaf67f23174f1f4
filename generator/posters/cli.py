"""``python -m generator posters``: posters on demand, outside the site build."""

from __future__ import annotations

import dataclasses
import time
from pathlib import Path

from generator.context import BuildContext
from generator.pipeline import build_date, privacy_gate
from generator.public import public_view
from generator.check import check
from generator.writer import Writer
from huinong_core.errors import DataError, HuinongError
from huinong_core.version import data_version


def make_posters(data_dir: Path, out_dir: Path, *, region: str | None, sizes: tuple[str, ...],
                 workers: int | None = None) -> str:
    """Check the data, write the posters (all or nothing, behind the privacy gate); returns a summary line."""
    from generator.posters import build_selection, region_selection, write_selection
    from generator.posters.fonts import poster_font

    started = time.perf_counter()
    poster_font()  # a missing font is reported before anything else is done
    dataset, problems = check(data_dir, private=False)  # never opens data/private (reference lists)
    if problems:
        raise DataError(problems)
    if region is not None and region not in dataset.regions:
        raise HuinongError(f"区划代码{region}不存在（应为 regions.csv 中的县、乡镇或村代码）")
    today = build_date()
    with Writer(out_dir) as writer:
        ctx = BuildContext(data_dir, dataset, public_view(dataset, today), today, data_version(data_dir), writer)
        sizes = tuple(dict.fromkeys(sizes))
        if region is None:
            sel = build_selection(ctx, sizes)
            sel = dataclasses.replace(sel, bundles=True)
        else:
            sel = region_selection(ctx, region, sizes)
        count = write_selection(ctx, sel, workers=workers)
        privacy_gate(writer.tmp)
        writer.commit()
    return (f"已生成 {count} 张海报（{len(sel.villages)} 个村、社区，{len(sel.batches)} 份发放名单公示，"
            f"{'、'.join(sizes)}），另有乡镇合订本和索引页 {out_dir}/haibao/index.html，"
            f"用时 {time.perf_counter() - started:.1f} 秒。")
