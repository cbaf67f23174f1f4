"""The build: load → validate → mask → render → write, then the privacy gate.

So far it renders the machine-readable public data (policy list and masked
village disclosure lists as JSON); the site, posters and lookup database
will be further stages.  Output is built in a temporary directory and only
swapped in when every stage, the privacy gate included, has passed.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from dataclasses import dataclass
from pathlib import Path

from generator.context import BuildContext
from generator.errors import DataError, PrivacyError
from generator.normalize import format_decimal
from generator.privacy import scan_paths
from generator.public import public_view
from generator.validate import check
from generator.version import build_time, data_version
from generator.writer import Writer


@dataclass
class Summary:
    records: int
    pages: int
    posters: int
    seconds: float
    withdrawn: int

    def line(self) -> str:
        return (f"构建完成：{self.records} 条记录，{self.pages} 个页面/文件，{self.posters} 张海报，"
                f"{self.withdrawn} 个批次超过公开年限未发布，用时 {self.seconds:.1f} 秒。")


def build_date() -> dt.date:
    """The reference date for 公开年限; SOURCE_DATE_EPOCH makes builds reproducible."""
    return build_time().date()


def _dump(obj) -> str:
    return json.dumps(obj, ensure_ascii=False, indent=1, sort_keys=False) + "\n"


def privacy_gate(out_dir: Path) -> None:
    """Fail the build if anything personal made it into the output."""
    findings = scan_paths([out_dir], relative_to=out_dir)
    if findings:
        raise PrivacyError(findings)


def render_data(ctx: BuildContext) -> int:
    """Machine-readable public data: the policy list and one masked file per village."""
    dataset, view, writer = ctx.dataset, ctx.view, ctx.writer
    policies = [
        {"项目编码": p.code, "补贴政策名称": p.name, "四字简称": p.short_name, "政策级次": p.level,
         "主管部门": p.department, "补贴对象": p.target, "补贴标准": p.standard, "发放时间": p.timing,
         "政策解答电话": p.phone, "起始年度": p.start_year, "终止年度": p.end_year}
        for p in dataset.policies
    ]
    writer.write_text(ctx.site_path("data/policies.json"), _dump(policies))
    by_village: dict[str, list] = {}
    for pb in view.batches:
        by_village.setdefault(pb.village, []).append({
            "批次号": pb.batch.batch_id, "项目编码": pb.batch.programme, "期号": pb.batch.period,
            "公示开始": pb.batch.publicity_start.isoformat(), "公示结束": pb.batch.publicity_end.isoformat(),
            "监督电话": pb.batch.phone, "合计金额": format_decimal(pb.total, 2),
            "明细": [[r.seq, r.name, format_decimal(r.quantity), format_decimal(r.standard, 2),
                      format_decimal(r.amount, 2), r.date.isoformat(), r.status] for r in pb.rows],
        })
    for village, batches in sorted(by_village.items()):
        writer.write_text(ctx.site_path(f"data/villages/{village}.json"),
                          _dump({"区划代码": village, "名称": dataset.regions[village].name, "批次": batches}))
    return 1 + len(by_village)


# Render stages in order; each takes the BuildContext and returns how many files it made.
# posters.render and index.write are filled in by their issues (6 and 5).
def _stages(posters: bool) -> list:
    from generator import index, posters as poster_stage, site
    stages = [render_data, site.render, index.write]
    if posters:
        stages.append(poster_stage.render)
    return stages


def build(data_dir: Path, out_dir: Path, *, posters: bool = True) -> Summary:
    started = time.perf_counter()
    data_dir = Path(data_dir)
    dataset, problems = check(data_dir)
    if problems:
        raise DataError(problems)
    today = build_date()
    view = public_view(dataset, today)
    writer = Writer(out_dir)
    ctx = BuildContext(data_dir, dataset, view, today, data_version(data_dir), writer)
    try:
        for stage in _stages(posters):
            ctx.stats[stage.__module__ + "." + stage.__name__] = stage(ctx)
        privacy_gate(writer.tmp)
        writer.commit()
    except BaseException:
        writer.abort()
        raise
    return Summary(dataset.record_count, len(writer.written), ctx.stats.get("generator.posters.render", 0),
                   time.perf_counter() - started, len(view.withdrawn))
