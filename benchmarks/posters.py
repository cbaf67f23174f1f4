"""Posters per second and CPU per poster (issues 6 and 20).

    HUINONG_DEMO=1 python -m benchmarks.posters [--county 410421000000] [--villages 60] [--workers N] [--build]

Renders, for the first N villages of the county: their 政策清单 posters (A4 and A3), the 公示
posters of every published batch, and one township bundle, and prints posters/s (wall) and CPU
milliseconds per poster (this process and its workers: steadier than wall time on a shared
machine).  ``--build`` also renders the build's own selection of the whole data set (every
village's 政策清单, the recent 公示 lists; A4; SOURCE_DATE_EPOCH sets the day) as the build's poster
stage does, one process per CPU, without writing files.  Figures go to benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import os
import resource
import time
from pathlib import Path

from generator.check import check
from generator.context import BuildContext
from generator.pipeline import build_date
from generator.posters import Posters, build_selection, villages_under
from generator.posters.bundle import render_all
from generator.posters.fonts import poster_font
from generator.public import public_view
from huinong_core.version import data_version


def cpu_seconds() -> float:
    """CPU of this process and of its finished workers."""
    own, workers = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + workers.ru_utime + workers.ru_stime


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default="data")
    ap.add_argument("--county", default="410421000000")
    ap.add_argument("--villages", type=int, default=60)
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--build", action="store_true", help="also the build's poster selection, one process per CPU")
    args = ap.parse_args()

    poster_font()
    ds, problems = check(Path(args.data))
    assert not problems, problems[:5]
    today = build_date()
    view = public_view(ds, today)
    ctx = BuildContext(Path(args.data), ds, view, today, data_version(Path(args.data)), None)
    posters = Posters(ctx)
    villages = villages_under(ds, args.county)[: args.villages]
    wanted = set(villages)
    pbs = [pb for pb in view.batches if pb.village in wanted]
    specs = {(v, "zhengce"): posters.policy(v) for v in villages}
    specs |= {(pb.village, pb.batch.batch_id): posters.publicity(pb) for pb in pbs}
    print(f"{ds.regions[args.county].name}: {len(villages_under(ds, args.county))} villages, "
          f"{sum(1 for pb in view.batches if pb.village[:6] == args.county[:6])} published (batch, village) lists; "
          f"measuring {len(villages)} villages, {len(pbs)} lists, workers={args.workers}; "
          f"load average {os.getloadavg()[0]:.1f}")

    def measure(label: str, keys, size: str, bundle: bool = False, workers: int = args.workers) -> None:
        jobs = ([("bundle", list(keys), size, "t")] if bundle else [(str(k), [k], size, "t") for k in keys])
        cpu, started = cpu_seconds(), time.perf_counter()
        sizes = [len(data) for _, data in render_all(specs, jobs, "bench", workers)]
        took, cpu = time.perf_counter() - started, cpu_seconds() - cpu
        print(f"{label:28s} {len(keys):5d} posters {took:7.2f} s {len(keys) / took:7.1f} posters/s "
              f"{cpu / len(keys) * 1000:6.1f} ms CPU/poster {sum(sizes) / len(sizes) / 1024:8.0f} KB/file")

    policy = [(v, "zhengce") for v in villages]
    lists = [(pb.village, pb.batch.batch_id) for pb in pbs]
    measure("政策清单 A4", policy, "A4")
    measure("政策清单 A3", policy, "A3")
    measure("公示 A4", lists, "A4")
    measure("one bundle A4 (all above)", policy + lists, "A4", bundle=True)

    if args.build:
        sel = build_selection(ctx)
        posters = Posters(ctx)
        specs = {(v, "zhengce"): posters.policy(v) for v in sel.villages}
        specs |= {(pb.village, pb.batch.batch_id): posters.publicity(pb) for pb in sel.batches}
        print(f"the build's selection on {today}: {len(sel.villages)} 政策清单, {len(sel.batches)} 公示 (A4), "
              f"{os.cpu_count()} processes; load average {os.getloadavg()[0]:.1f}")
        measure("build selection", list(specs), "A4", workers=None)


if __name__ == "__main__":
    main()
