"""The pipeline: check (load → rules → scan) → public view → render stages → privacy gate → commit.

`run` is the one pipeline; `build` runs it with the site's render stages (`_stages`: the site's
both halves, downloads and feeds, the lookup database, the posters), and `python -m generator
posters` (generator/posters/cli.py) with its poster selection alone.  Each stage takes the
BuildContext.  Output is built in a Writer's temporary directory and only switched in when every
stage, the privacy gate included, has passed (docs/architecture.md).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import resource
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from generator.batch_cache import BatchCache
from generator.check import check, data_files
from generator.context import BuildContext
from generator.digests import FileDigests
from generator.privacy import scan_paths, scan_range
from generator.public import public_view
from generator.site.case_stats import counties_of
from generator.writer import Changes, Writer, code_fingerprint
from huinong_core.case_figures import CaseFigures, CaseFiguresSource
from huinong_core.errors import DataError, PrivacyError
from huinong_core.site_files import require_site_sources
from huinong_core.version import DataVersion, build_time, data_version

#: The batch cache's digests of data/'s files (generator/digests.py), under the builds directory.
DIGESTS = "digests.json"
POSTERS = "generator.posters.render"  # its key in BuildContext.stats


@dataclass
class Summary:
    records: int
    pages: int
    posters: int
    seconds: float
    withdrawn: int
    withdrawn_ids: tuple[str, ...] = ()
    notices: int = 0
    next_notice_change: dt.datetime | None = None
    changes: Changes | None = None
    notes: tuple[str, ...] = ()

    def report(self) -> str:
        """The summary line, the batches taken off the site for being older than 公开年限, and the notices."""
        lines = [self.line()]
        if self.withdrawn_ids:
            lines.append("超过公开年限、本次未发布（已从网站撤下）的批次：" + "、".join(self.withdrawn_ids))
        if self.notices or self.next_notice_change:
            line = f"紧急通知：{self.notices} 条正在显示"
            if self.next_notice_change:
                line += f"；{self.next_notice_change:%Y-%m-%d %H:%M} 有通知开始或到期，届时需要重新构建网站"
            lines.append(line + "。")
        lines.extend(self.notes)
        if self.changes is not None:
            lines.append(self.changes.line + "。")
        return "\n".join(lines)

    def line(self) -> str:
        return (f"构建完成：{self.records} 条记录，{self.pages} 个页面/文件，{self.posters} 张海报，"
                f"{self.withdrawn} 个批次超过公开年限未发布，用时 {self.seconds:.1f} 秒。")


class Timings:
    """With HUINONG_TIMINGS=1, each step's seconds and peak memory on stderr (for benchmarks)."""

    def __init__(self):
        self.on = bool(os.environ.get("HUINONG_TIMINGS"))
        self.last = time.perf_counter()

    def __call__(self, step: str) -> None:
        if self.on:
            now = time.perf_counter()
            own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
            workers = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024
            print(f"timing: {step:<20} {now - self.last:8.1f} s   peak {own} MB, workers {workers} MB",
                  file=sys.stderr, flush=True)
            self.last = now


def build_date() -> dt.date:
    """The reference date for 公开年限; SOURCE_DATE_EPOCH makes builds reproducible."""
    return build_time().date()


def privacy_gate(out_dir: Path, files: list[Path] | None = None) -> None:
    """Fail the build if anything personal made it into the output (`files`: only these, under out_dir).
    A province's full output is some 20 GB: scanned in one process per CPU, a big file (the lookup
    database) in parts, so that it does not keep one process busy while the others wait."""
    from generator.parallel import fork_map
    from generator.privacy import files_under

    out_dir = Path(out_dir)
    files = sorted(files_under(out_dir)) if files is None else files
    parts, small = [], []
    for f in files:
        size = os.path.getsize(f)
        if size > GATE_PART:
            parts += [(str(f), lo, min(lo + GATE_PART, size)) for lo in range(0, size, GATE_PART)]
        else:
            small.append(str(f))
    jobs = parts + [small[i:i + 64] for i in range(0, len(small), 64)]
    findings = [f for found in fork_map(_scan_one, jobs, out_dir, chunksize=1, min_jobs=2) for f in found]
    if findings:
        raise PrivacyError(findings)


GATE_PART = 8 << 20  # privacy_gate: bytes of a big file scanned by one job


def _scan_one(root: Path, job) -> list:
    if isinstance(job, tuple):
        path, lo, hi = job
        return scan_range(path, os.path.relpath(path, root), lo, hi)
    return scan_paths(job, relative_to=root)


#: A render stage: takes the BuildContext, returns how many files (or posters) it made.
Stage = Callable[[BuildContext], int]


def stage_name(stage: Stage) -> str:
    """Its key in BuildContext.stats."""
    return stage.__module__ + "." + stage.__name__


@dataclass(frozen=True)
class Beside:
    """Stages run one after another in a forked process while the stages after this one run here:
    they write other files (the writer takes in what they wrote, the batch cache what they kept).
    The lookup database and the posters need nothing the site makes, and the site's longest part
    is one process deciding which pages to make again: they take the other CPU meanwhile."""

    stages: tuple[Stage, ...]


def _flat(stages: Sequence[Stage | Beside]) -> list[Stage]:
    return [s for stage in stages for s in (stage.stages if isinstance(stage, Beside) else (stage,))]


def _run_stages(ctx: BuildContext, stages: Sequence[Stage | Beside], timed: Timings) -> None:
    from generator.parallel import fork_call

    waits = []  # of the stages beside, not yet taken in
    try:
        for stage in stages:
            if isinstance(stage, Beside):
                _ = (ctx.notices, ctx.versions, ctx.village_infos)  # made once, here, for both processes
                waits.append(fork_call(_beside, ctx, stage.stages, ctx.writer.mark(), len(ctx.notes)))
                continue
            ctx.stats[stage_name(stage)] = stage(ctx)
            timed(stage.__module__.removeprefix("generator."))
        while waits:
            stats, written, kept, notes = waits[0]()
            waits.pop(0)
            ctx.writer.merge(written)
            for k, v in stats.items():
                ctx.stats.setdefault(k, v)
            if ctx.cache is not None:
                ctx.cache.keep_all(kept)
            ctx.notes.extend(notes)
            timed("stages beside (waited for)")
    except BaseException:
        for wait in waits:  # not left writing into the build the writer is about to remove
            wait.stop()
        raise


def _beside(ctx: BuildContext, stages: tuple[Stage, ...], mark: frozenset[str], notes: int) -> tuple:
    """In the forked process: run `stages`; what the parent takes in of them."""
    for stage in stages:
        ctx.stats[stage_name(stage)] = stage(ctx)
        ctx.timed(stage.__module__.removeprefix("generator.") + ", beside")
    return ctx.stats, ctx.writer.since(mark), ctx.cache.kept() if ctx.cache is not None else {}, ctx.notes[notes:]


def run(data_dir: Path, out_dir: Path, stages: Sequence[Stage | Beside], *, full: bool = False, incremental: bool = True,
        case_figures: CaseFiguresSource | None = None) -> BuildContext:
    """check → public view → context → `stages` → finish → privacy gate → commit: all or nothing.

    `incremental` (the build): batches unchanged since the last run are taken from the batch cache,
    and `finish` writes the manifest by which the next run reuses outputs; the privacy gate reads
    only new or changed files.  Without it (posters on demand) every batch is parsed, every file
    scanned, and no manifest is written.  Returns the context, stage results in `stats`."""
    with Writer(out_dir, full=full, begin=False) as writer:  # holds the output's lock from here: the caches are ours
        return _run(writer, Path(data_dir), stages, Timings(), full=full, incremental=incremental,
                    case_figures=case_figures)


@dataclass(frozen=True)
class Inputs:
    """What a build is made of, read before anything else: `build` does nothing when its `key` is the
    live build's (`_unchanged`)."""

    key: str | None  # None: the output depends on the moment (data outside git, or not committed)
    version: DataVersion
    digests: FileDigests


def read_inputs(data_dir: Path, stages: Sequence[Stage | Beside], builds: Path) -> Inputs:
    """The code, the stages, the commit, the build date, the poster font setting, and every file of
    data/ the build reads (by content; `digests` knows the unchanged ones by their stat)."""
    from generator.posters.fonts import ENV_FONT

    digests = FileDigests(builds / "cache" / DIGESTS)
    version = data_version(data_dir)
    if version.commit == "未提交" or version.dirty:  # its outputs carry the build time (InputVersions)
        return Inputs(None, version, digests)
    h = hashlib.sha256()
    for part in (code_fingerprint(), *map(stage_name, _flat(stages)), version.commit, version.built_at.date().isoformat(),
                 os.environ.get(ENV_FONT, "")):
        h.update(part.encode() + b"\0")
    for f in data_files(data_dir):
        h.update(f.relative_to(data_dir).as_posix().encode() + b"\0" + digests.of(f).encode() + b"\0")
    return Inputs(h.hexdigest(), version, digests)


def _figures_key(figures: CaseFigures | None, at: dt.datetime) -> str | None:
    """What 咨询投诉统计 (site/case_stats.py) prints of the figures: none (a link to the live page), or
    the figures with the minute of the build; None when a database could not be read."""
    if figures is None or figures.stats is None:
        return None if figures is not None and figures.problem else "live"
    return hashlib.sha256(repr((figures.stats, figures.tables, at.strftime("%Y-%m-%d %H:%M"))).encode()).hexdigest()


def _unchanged(writer: Writer, inputs: Inputs, case_figures: CaseFiguresSource | None) -> dict | None:
    """The live build's record (`_record`) when this build would make exactly what it holds: the same
    inputs, the same urgent notices in force, the same 咨询投诉 figures."""
    record = writer.last_record()
    if inputs.key is None or not record or record.get("key") != inputs.key:
        return None
    now = inputs.version.built_at
    try:
        since = dt.datetime.fromisoformat(record["built_at"])
        until = dt.datetime.fromisoformat(record["next_change"]) if record.get("next_change") else None
        counties = dict(record["counties"])
    except (KeyError, TypeError, ValueError):
        return None
    if now < since or (until is not None and now >= until):
        return None
    figures = None if case_figures is None else case_figures(counties, now.astimezone(dt.timezone.utc).replace(tzinfo=None))
    key = _figures_key(figures, now)
    return record if key is not None and key == record.get("figures") else None


def _run(writer: Writer, data_dir: Path, stages: Sequence[Stage | Beside], timed: Timings, *, full: bool, incremental: bool,
         case_figures: CaseFiguresSource | None, inputs: Inputs | None = None) -> BuildContext:
    digests = inputs.digests if inputs else FileDigests(writer.builds / "cache" / DIGESTS if incremental else None)
    cache = BatchCache(writer.builds / "cache", data_dir, fresh=full, digests=digests) if incremental else None
    dataset, problems = check(data_dir, private=False, cache=cache)  # never opens data/private
    timed("check")
    if problems:
        raise DataError(problems)
    writer.begin()  # after the check: bad data leaves the build to recycle as it was
    version = inputs.version if inputs else data_version(data_dir)
    today = version.built_at.date()
    view = public_view(dataset, today, cache)
    timed("public view")
    ctx = BuildContext(data_dir, dataset, view, today, version, writer, cache=cache, case_figures=case_figures,
                       timed=timed)
    _run_stages(ctx, stages, timed)
    changed = None
    if incremental:
        changed = writer.finish()
        timed("finish")
    privacy_gate(writer.tmp, changed)
    timed("privacy gate")
    if cache is not None:
        _save_cache(cache, dataset, ctx.notes)
        digests.save()
    if inputs is not None:
        writer.write_record(_record(ctx, inputs.key))
    writer.commit()
    timed("publish")
    return ctx


def _record(ctx: BuildContext, key: str | None) -> dict:
    """What the next build needs to see that it would make this one again (`_unchanged`), and to report it."""
    return {"key": key, "built_at": ctx.version.built_at.isoformat(),
            "next_change": ctx.notices.next_change.isoformat() if ctx.notices.next_change else None,
            "counties": counties_of(ctx.dataset),
            "figures": _figures_key(ctx.figures, ctx.version.built_at),
            "summary": {"records": ctx.dataset.record_count, "files": len(ctx.writer.written),
                        "posters": ctx.stats.get(POSTERS, 0), "withdrawn": list(ctx.view.withdrawn),
                        "notices": len(ctx.notices.active)}}


def _save_cache(cache: BatchCache, dataset, notes: list[str]) -> None:
    if cache.hits:
        notes.append(f"{cache.hits} 个批次（共 {len(dataset.batches)} 个）的文件与上次构建时相同，"
                     "沿用上次的解析和检查结果。")
    try:  # every batch passed every check: the next build can take them as they are (still under the lock)
        cache.save(dataset.batches)
    except OSError:  # a full disk: the next build parses everything again, nothing is wrong
        notes.append("批次解析缓存未能保存（磁盘空间不足？），下次构建会重新解析全部批次。")


def _stages(posters: bool) -> list[Stage | Beside]:
    """The build's render stages, in order: the lookup database and the posters beside the site."""
    from generator import index, posters as poster_stage, site
    return [Beside((index.write, poster_stage.render) if posters else (index.write,)), site.render]


def build(data_dir: Path, out_dir: Path, *, posters: bool = True, full: bool = False,
          case_figures: CaseFiguresSource | None = None) -> Summary:
    """Check, render and publish `data_dir` into `out_dir`.

    Incremental unless `full`: outputs whose inputs did not change since the last build are taken
    from it instead of rendered, and unchanged files keep the last build's inode (see Writer); when
    nothing the output is made of changed (`read_inputs`, `_unchanged`), the live build stays as it is.
    `case_figures` gives the 咨询投诉统计 (the CLI passes the cases service's; None: a live link)."""
    require_site_sources()  # before the data is read: a broken install says so at once
    started = time.perf_counter()
    timed = Timings()
    data_dir, stages = Path(data_dir), _stages(posters)
    with Writer(out_dir, full=full, begin=False) as writer:  # the output's lock
        inputs = read_inputs(data_dir, stages, writer.builds)
        record = None if full else _unchanged(writer, inputs, case_figures)
        if record is not None:
            inputs.digests.save()
            writer.keep_published()
            timed("unchanged")
            return _kept(record, inputs.version.built_at, time.perf_counter() - started)
        ctx = _run(writer, data_dir, stages, timed, full=full, incremental=True, case_figures=case_figures,
                   inputs=inputs)
    view, writer = ctx.view, ctx.writer
    return Summary(ctx.dataset.record_count, len(writer.written), ctx.stats.get(POSTERS, 0),
                   time.perf_counter() - started, len(view.withdrawn), tuple(view.withdrawn),
                   len(ctx.notices.active), ctx.notices.next_change, changes=writer.changes, notes=tuple(ctx.notes))


def _kept(record: dict, now: dt.datetime, seconds: float) -> Summary:
    """The summary of a build that found nothing to do: the live build's, as its record says."""
    s = record["summary"]
    until = dt.datetime.fromisoformat(record["next_change"]) if record.get("next_change") else None
    return Summary(s["records"], s["files"], s["posters"], seconds, len(s["withdrawn"]), tuple(s["withdrawn"]),
                   s["notices"], until, changes=Changes(unchanged=s["files"], reused=s["files"], full=False),
                   notes=("数据、程序和日期都与上次构建相同：已发布的网站原样保留，没有重新检查和生成。",))
