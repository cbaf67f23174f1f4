"""Screening benchmark: one year of province-shaped payments against a 1-million-row list.

    HUINONG_DEMO=1 python -m benchmarks.screen [--villages 2000] [--list-rows 1000000] [--workdir DIR]

1. makes (or reuses) a province-shaped data directory with ``generator.synth.make_province``
   (one year, 2025; ``--villages`` scales it: the full province is ~46,000 villages,
   ~20.7 million records);
2. writes a 1-million-row 死亡人员 list as a department would export it (plaintext IDs of
   made-up people, none of them paid) and times ``ingest-reference`` on it;
3. writes a keyed 1-million-row list (人员键 + 密钥指纹) in which 0.1 % of the rows are people
   who were paid (each paid several times: about 1 % of the records become findings), and
   times its ingest;
4. in a fresh process (so that its peak memory is its own), times loading both lists and
   ``screen_dir`` over the year (after_death on every programme, plus the cross-county
   rule), and reports records/s and peak memory.

Figures are printed; the extrapolation to the full province is linear in records (the
lists are loaded once, and the cross-county rule keeps one programme-period at a time).
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import multiprocessing as mp
import random
import resource
import shutil
import tempfile
import time
from pathlib import Path

from stdnum.cn import ric

from generator import synth
from generator.load import Collector, load
from generator.reference import ingest_reference, load_lists
from generator.screening import batch_refs, load_rules, read_pays, screen_dir
from huinong_core.keys import load_key

RULES = """\
规则:
  - 名称: 死亡后仍发放
    类型: after_death
    名单: 死亡人员
    项目: "*"
  - 名称: 跨县重复领取
    类型: duplicate_across_counties
    项目: "*"
"""
FULL_PROVINCE_RECORDS = 20_700_000
#: Real county prefixes (the ID check knows them); the province set uses made-up ones.
PREFIXES = ("410421", "410422", "410423", "410425", "410481", "410482", "410402", "410403", "410411", "410102",
            "410105", "410302", "410522", "410621", "410711", "410811", "411002", "411102", "411202", "411302")


def peak_mb() -> float:
    """Peak resident memory of this process (VmHWM: unlike ru_maxrss, not inherited across exec)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def plaintext_list(path: Path, rows: int) -> None:
    """Made-up people (valid IDs with a 2xx-9xx sequence the province set never uses)."""
    r = random.Random(7)
    with open(path, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(("姓名", "公民身份号码", "死亡日期", "户籍地址"))
        for i in range(rows):
            born = dt.date(1930, 1, 1) + dt.timedelta(days=r.randint(0, 70 * 365))
            body = f"{r.choice(PREFIXES)}{born:%Y%m%d}{500 + i % 500:03d}"
            w.writerow(("某某", body + ric.calc_check_digit(body + "0"), f"2025-{r.randint(1, 12):02d}-{r.randint(1, 28):02d}", "示例地址"))


def keyed_list(path: Path, rows: int, paid_keys: list[str], fingerprint: str) -> int:
    r = random.Random(8)
    hits = min(len(paid_keys), rows // 1000)
    chosen = r.sample(paid_keys, hits)
    with open(path, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(("人员键", "死亡日期", "密钥指纹"))
        for i in range(rows):
            key = chosen[i] if i < hits else f"{r.getrandbits(128):032x}"
            w.writerow((key, "2025-01-01", fingerprint))
    return hits


def screen_phase(data_dir: str, private_dir: str) -> None:
    """Load the lists and screen one year, in its own process: its peak memory is its own."""
    data, private = Path(data_dir), Path(private_dir)
    keyer = load_key()
    start_mb = peak_mb()
    t = time.perf_counter()
    lists = load_lists(private, keyer)
    dt_load = time.perf_counter() - t
    print(f"load lists: {sum(lst.rows for lst in lists.lists):,} rows in {dt_load:.1f} s; "
          f"peak memory {peak_mb():.0f} MB (before loading: {start_mb:.0f} MB)", flush=True)
    out = Collector(data.parent)
    ds = load(data, payments=False).dataset
    rules = load_rules(data / "screening.yaml", out, ds.policy_codes())
    t = time.perf_counter()
    cpu = time.process_time()
    outcome = screen_dir(data, lists, rules, ds.policies, years=[2025])
    dt_screen = time.perf_counter() - t
    cpu = time.process_time() - cpu
    rate = outcome.screened / dt_screen
    print(f"screen: {outcome.screened:,} paid records in {dt_screen:.1f} s wall, {cpu:.1f} s CPU "
          f"({rate:,.0f} records/s wall, {outcome.screened / cpu:,.0f}/s CPU), {len(outcome.findings):,} findings; "
          f"peak memory {peak_mb():.0f} MB", flush=True)
    total = dt_load + FULL_PROVINCE_RECORDS / rate
    print(f"extrapolated, full province year ({FULL_PROVINCE_RECORDS:,} records) against the lists: "
          f"~{total / 60:.1f} min wall at this rate (linear in records)", flush=True)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.screen")
    ap.add_argument("--villages", type=int, default=2000)
    ap.add_argument("--records-per-village", type=int, default=450)
    ap.add_argument("--list-rows", type=int, default=1_000_000)
    ap.add_argument("--workdir", default=str(Path(tempfile.gettempdir()) / "huinong-bench-screen"))
    args = ap.parse_args(argv)
    keyer = load_key()
    work = Path(args.workdir)
    data = work / f"province-{args.villages}" / "data"
    if not (data / "regions.csv").exists():
        if data.exists():
            shutil.rmtree(data)
        t = time.perf_counter()
        synth.make_province(data, villages=args.villages, records_per_village=args.records_per_village, log=lambda *_: None)
        print(f"province data: {time.perf_counter() - t:.1f} s to make (reused next time) in {data}")
    (data / "screening.yaml").write_text(RULES, encoding="utf-8")
    private = work / "private"
    if private.exists():
        shutil.rmtree(private)

    refs = batch_refs(data)
    keys: set[str] = set()  # up to 200,000 paid people, for the keyed list's hits
    records = 0
    for ref in refs:
        for p in read_pays(data / "payments" / str(ref.year) / ref.batch_id / "records.csv", ref.records_path):
            records += 1
            if len(keys) < 200_000:
                keys.add(p.person_key)
    paid_keys = sorted(keys)
    print(f"payments: {records:,} records in {len(refs)} batches (one year)")

    raw = work / "death-plain.csv"
    plaintext_list(raw, args.list_rows)
    t = time.perf_counter()
    res = ingest_reference(raw, "死亡人员", keyer, private, name="plain")
    dt_plain = time.perf_counter() - t
    print(f"ingest-reference, plaintext IDs: {res.rows:,} rows in {dt_plain:.1f} s ({res.rows / dt_plain:,.0f} rows/s)")
    raw.unlink()

    keyed = work / "death-keyed.csv"
    hits = keyed_list(keyed, args.list_rows, paid_keys, keyer.fingerprint())
    t = time.perf_counter()
    res = ingest_reference(keyed, "死亡人员", keyer, private, name="keyed")
    dt_keyed = time.perf_counter() - t
    print(f"ingest-reference, keyed list:    {res.rows:,} rows in {dt_keyed:.1f} s ({res.rows / dt_keyed:,.0f} rows/s); "
          f"{hits:,} rows are paid people")
    keyed.unlink()

    ctx = mp.get_context("spawn")
    proc = ctx.Process(target=screen_phase, args=(str(data), str(private)))
    proc.start()
    proc.join()
    shutil.rmtree(private)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
