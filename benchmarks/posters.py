"""Posters per second for one county of the sample (issue 6).

    HUINONG_DEMO=1 python -m benchmarks.posters [--county 410421000000] [--villages 60] [--workers N]

Renders, for the first N villages of the county: their 政策清单 posters (A4 and
A3), the 公示 posters of every published batch, and one township bundle, and
prints posters/s and average sizes.  Figures go to benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from generator.context import BuildContext
from generator.pipeline import build_date
from generator.posters import Posters, villages_under
from generator.posters.bundle import render_all
from generator.posters.fonts import poster_font
from generator.public import public_view
from generator.check import check
from huinong_core.version import data_version


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default="data")
    ap.add_argument("--county", default="410421000000")
    ap.add_argument("--villages", type=int, default=60)
    ap.add_argument("--workers", type=int, default=1)
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
          f"measuring {len(villages)} villages, {len(pbs)} lists, workers={args.workers}")

    def measure(label: str, keys, size: str, bundle: bool = False) -> None:
        jobs = ([("bundle", list(keys), size, "t")] if bundle else [(str(k), [k], size, "t") for k in keys])
        started = time.perf_counter()
        sizes = [len(data) for _, data in render_all(specs, jobs, "bench", args.workers)]
        took = time.perf_counter() - started
        print(f"{label:28s} {len(keys):5d} posters {took:7.2f} s {len(keys) / took:7.1f} posters/s "
              f"{sum(sizes) / len(sizes) / 1024:8.0f} KB/file")

    policy = [(v, "zhengce") for v in villages]
    lists = [(pb.village, pb.batch.batch_id) for pb in pbs]
    measure("政策清单 A4", policy, "A4")
    measure("政策清单 A3", policy, "A3")
    measure("公示 A4", lists, "A4")
    measure("one bundle A4 (all above)", policy + lists, "A4", bundle=True)


if __name__ == "__main__":
    main()
