"""Full and incremental builds (issue 7): seconds, peak memory, files rewritten, pages/s.

    HUINONG_DEMO=1 python -m benchmarks.build                      # sample, county, city
    HUINONG_DEMO=1 python -m benchmarks.build --sets sample county # a choice
    HUINONG_DEMO=1 python -m benchmarks.build --sets province      # 46,000 villages (hours)
    HUINONG_DEMO=1 python -m benchmarks.build --sets province --province-data DIR
                                         # a province made before by `python -m generator.synth province DIR`
    HUINONG_DEMO=1 python -m benchmarks.build --sets sample --keep DIR   # DIR/sample/{repo,public} stay

Each data set is put in a throwaway git repository without one of its
batches; then, each build a separate `python -m generator build` process
(peak memory is the largest maximum resident set size of it and its
children; CPU seconds are those of all its processes; load is the 1-minute
load average when it started, the machine being shared):

* full: the first build (``--full``);
* no change: the same commit again (nothing the output is made of changed:
  the live build is kept, nothing is read but the inputs' digests);
* new batch: one commit adds the missing batch (one county) and the build
  is incremental: only that batch is parsed and checked, and only that
  county's pages, its parents, listings, feeds, the lookup delta and files
  that show totals are written again;
* full again: ``--full`` on the same commit, for comparison.

Data sets: the committed sample (data/), a synthetic county (one county,
300 villages × 450 records), a synthetic city (9 counties, 2,600 villages,
~1.2 million records) and the synthetic province (18 cities, 45,846
villages, 20.7 million records) from ``generator.synth.make_province``.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
GIT_ENV = {"GIT_AUTHOR_NAME": "bench", "GIT_AUTHOR_EMAIL": "bench@example.invalid", "GIT_COMMITTER_NAME": "bench",
           "GIT_COMMITTER_EMAIL": "bench@example.invalid", "GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": os.devnull}
SETS = {"sample": None, "county": dict(villages=300, cities=1, counties=1),
        "city": dict(villages=2_600, cities=1, counties=9), "province": dict(villages=46_000)}
DEFAULT_SETS = ["sample", "county", "city"]
STEPS: list[tuple[str, str, list[str]]] = []  # (data, build, the build's HUINONG_TIMINGS lines)
PROVINCE_DATA: Path | None = None  # --province-data: a province made before (copied, not changed)
SKIP_FULL_AGAIN = False  # --skip-full-again: three builds, not four (a province's full build takes long)
KEEP: Path | None = None  # --keep: each set's repository and output stay in KEEP/<set>, for builds by hand after


def git(repo: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True, env={**os.environ, **GIT_ENV})


def run_build(data: Path, out: Path, full: bool) -> dict:
    """One build in its own process: seconds, peak RSS (MB), and what the Writer reported."""
    cmd = [sys.executable, "-m", "generator", "build", "--data", str(data), "--out", str(out)] + (["--full"] if full else [])
    load = os.getloadavg()[0]
    t = time.perf_counter()
    done = subprocess.run(cmd, capture_output=True, text=True, cwd=REPO, env={**os.environ, "HUINONG_TIMINGS": "1"})
    seconds = time.perf_counter() - t
    if done.returncode != 0:
        raise SystemExit(f"build failed:\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}")
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)  # the build and its workers (this helper runs one build)
    peak = usage.ru_maxrss  # KB; the max over this process's children
    return {"seconds": seconds, "cpu": usage.ru_utime + usage.ru_stime, "load": load, "peak_mb": peak / 1024,
            "report": done.stdout.strip().splitlines(),
            "steps": [line[len("timing: "):] for line in done.stderr.splitlines() if line.startswith("timing: ")]}


def peak_of_one(data: Path, out: Path, full: bool) -> dict:
    """ru_maxrss of children is the max over all of them: measure each build in a fresh helper process."""
    code = ("import sys,json; sys.path.insert(0, %r); from benchmarks.build import run_build; "
            "from pathlib import Path; r = run_build(Path(%r), Path(%r), %r); print(json.dumps(r))") % (
        str(REPO), str(data), str(out), full)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO)
    if done.returncode != 0:
        raise SystemExit(done.stdout[-3000:] + done.stderr[-3000:])
    import json

    return json.loads(done.stdout.strip().splitlines()[-1])


def files_rewritten(report: list[str]) -> str:
    line = next((x for x in report if x.startswith(("增量构建", "完整构建"))), "")
    return line.rstrip("。")


def counts(report: list[str]) -> tuple[int, int]:
    import re

    m = re.search(r"(\d+) 条记录，(\d+) 个页面/文件", report[0])
    return (int(m.group(1)), int(m.group(2))) if m else (0, 0)


def local_policies(data: Path) -> None:
    """The sample's policies.csv names the sample's counties under 适用地区; the synthetic regions
    have other codes, so those programmes apply everywhere here."""
    import csv
    import io

    path = data / "policies.csv"
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"))))
    col = rows[0].index("适用地区")
    for row in rows[1:]:
        row[col] = ""
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    path.write_text(out.getvalue(), encoding="utf-8")


def prepare(name: str, root: Path) -> tuple[Path, Path, Path]:
    """A git repository holding the data set without its last batch: (data dir, where the batch is kept,
    where it goes back)."""
    data = root / "repo" / "data"
    if SETS[name] is None:
        shutil.copytree(REPO / "data", data, ignore=shutil.ignore_patterns("raw", "private"))
    elif name == "province" and PROVINCE_DATA is not None:
        shutil.copytree(PROVINCE_DATA, data)
        local_policies(data)
    else:
        from generator.synth import make_province

        make_province(data, records_per_village=450, log=lambda *a: None, **SETS[name])
        local_policies(data)
    batches = sorted(p for p in (data / "payments").glob("*/*") if p.is_dir())
    # The batch that comes back: a 耕地地力保护补贴 one (public down to the village), the last one else.
    batches.sort(key=lambda p: ("-NY001-" in p.name, p.name))
    held = root / "held" / batches[-1].name
    held.parent.mkdir(parents=True)
    shutil.move(batches[-1], held)
    git(data.parent, "init", "-q", "-b", "main")
    git(data.parent, "add", "-A")
    git(data.parent, "commit", "-q", "-m", "base")
    return data, held, batches[-1]


def _workdir(name: str):
    """A throwaway directory, or with --keep the set's own (made empty here; kept after)."""
    if KEEP is None:
        return tempfile.TemporaryDirectory(prefix=f"bench-build-{name}-")
    (KEEP / name).mkdir(parents=True)  # an existing one is an error: nothing of an earlier run is reused
    return contextlib.nullcontext(str(KEEP / name))


def measure(name: str) -> list[tuple]:
    rows = []
    with _workdir(name) as tmp:
        root = Path(tmp)
        data, held, home = prepare(name, root)
        out = root / "public"
        first = peak_of_one(data, out, True)
        again = peak_of_one(data, out, False)
        shutil.move(held, home)
        git(data.parent, "add", "-A")
        git(data.parent, "commit", "-q", "-m", f"new batch {held.name}")
        inc = peak_of_one(data, out, False)
        runs = [("full", first), ("no change", again), (f"new batch {held.name}", inc)]
        if not SKIP_FULL_AGAIN:
            runs.append(("full again", peak_of_one(data, root / "full" / "public", True)))
        for label, r in runs:
            records, files = counts(r["report"])
            rows.append((name, label, records, files, r["seconds"], r["cpu"], r["load"], r["peak_mb"],
                         files / r["seconds"], files_rewritten(r["report"])))
            STEPS.append((name, label, r["steps"]))
    return rows


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.build", description=__doc__.split("\n\n")[0])
    ap.add_argument("--sets", nargs="+", choices=list(SETS), default=DEFAULT_SETS)
    ap.add_argument("--province-data", type=Path, help="a directory made by `python -m generator.synth province`")
    ap.add_argument("--skip-full-again", action="store_true", help="no second full build for comparison")
    ap.add_argument("--keep", type=Path, metavar="DIR",
                    help="keep each set's repository (DIR/SET/repo: the last build's commit) and output "
                         "(DIR/SET/public), to build it again by hand")
    args = ap.parse_args(argv)
    global PROVINCE_DATA, SKIP_FULL_AGAIN, KEEP
    PROVINCE_DATA, SKIP_FULL_AGAIN, KEEP = args.province_data, args.skip_full_again, args.keep
    os.environ.setdefault("HUINONG_DEMO", "1")
    print(f"machine: {os.cpu_count()} CPUs, Python {sys.version.split()[0]}\n")
    # The machine may be shared: the CPU seconds of the build (all its processes) and the load
    # average when it started say how much of its time was its own work.
    print("| data | build | records | files | seconds | CPU s | load | peak MB | files/s | output |")
    print("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |")
    for name in args.sets:
        for row in measure(name):
            n, label, records, files, seconds, cpu, load, peak, rate, what = row
            print(f"| {n} | {label} | {records:,} | {files:,} | {seconds:.1f} | {cpu:.1f} | {load:.1f} | {peak:,.0f} "
                  f"| {rate:,.0f} | {what} |", flush=True)
    print("\nSteps of each build (seconds, peak memory so far):")
    for n, label, steps in STEPS:
        print(f"\n{n}, {label}:")
        for line in steps:
            print(f"    {line}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
