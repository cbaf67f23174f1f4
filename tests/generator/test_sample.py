"""The committed sample data: valid, privacy-clean, realistic, and reproducible from the seed."""

from __future__ import annotations

import collections
import csv
from pathlib import Path

from generator import synth
from generator.ingest import ingest
from generator.load import load
from generator.check import check
from huinong_core.keys import load_key
from tests.golden import DEMO_ENV
from tests.helpers import SAMPLE, independent_pii_scan


def test_sample_passes_check(checked_sample):
    _dataset, problems = checked_sample
    assert problems == [], "\n".join(map(str, problems[:20]))


def test_sample_size_and_shape(checked_sample):
    ds, _ = checked_sample
    assert 150_000 <= ds.record_count <= 300_000
    years = {b.year for b in ds.batches}
    assert years == set(synth.YEARS)
    villages = {c for c, r in ds.regions.items() if r.level == "村"}
    paid = {r.region for b in ds.batches for r in b.records}
    assert paid == villages, "every sample village has payments"
    protected = {p.code for p in ds.policies if p.protected}
    assert {b.programme for b in ds.batches} & protected, "protected programmes are in data/ (never published)"


def test_sample_has_realistic_exceptions(checked_sample):
    ds, _ = checked_sample
    statuses = collections.Counter(r.status for b in ds.batches for r in b.records)
    total = sum(statuses.values())
    assert 0.005 < statuses["发放失败"] / total < 0.03
    assert 0 < statuses["已补发"] < statuses["发放失败"]
    assert 0 < statuses["已退回"] / total < 0.01
    cards = collections.defaultdict(set)
    for b in ds.batches:
        for r in b.records:
            cards[r.person_key].add(r.card_key)
    multi = sum(1 for c in cards.values() if len(c) > 1) / len(cards)
    assert 0.001 < multi < 0.05, multi
    mismatches = sum(1 for b in ds.batches for r in b.records if (r.standard * r.quantity).quantize(r.amount) != r.amount)
    assert 0 < mismatches / total < 0.01


def test_regions_follow_the_reference(checked_sample):
    ds, _ = checked_sample
    with open(synth.REFERENCE, encoding="utf-8-sig", newline="") as f:
        reference = {r["区划代码"]: r["名称"] for r in csv.DictReader(f)}
    assert all(ds.regions[c].name == n for c, n in reference.items())
    for county in synth.SAMPLE_COUNTIES:
        townships = [c for c in reference if c[:6] == county[:6] and c[9:] == "000" and c[6:9] != "000"]
        for t in townships:
            villages = [c for c in ds.regions if c[:9] == t[:9] and c[9:] != "000"]
            assert 10 <= len(villages) <= 30, t
            for v in villages:
                kind = ds.regions[v].name
                assert (int(v[9:]) < 200) == kind.endswith("社区"), (v, kind)


def test_services_cover_every_township(checked_sample):
    ds, _ = checked_sample
    townships = {c for c, r in ds.regions.items() if r.level == "乡"}
    windows = {s.region for s in ds.services if s.kind == "乡镇便民服务窗口"}
    assert windows == townships


def test_independent_scanner_finds_nothing_in_data():
    independent_pii_scan(SAMPLE)


def test_a_batch_regenerates_byte_identical(tmp_path: Path):
    """The sample went through ingest: its raw export, re-ingested, gives the committed files."""
    batch_id = "410425-MZ010-2025Q2"
    data, rows = synth.raw_export(batch_id)
    raw = tmp_path / "raw.csv"
    raw.write_bytes(data)
    ds = load(SAMPLE, payments=False).dataset
    out = tmp_path / batch_id
    ingest(raw, "MZ010", "2025Q2", ds, load_key(DEMO_ENV), data_dir=SAMPLE, out_dir=out)
    committed = SAMPLE / "payments" / "2025" / batch_id
    for name in ("batch.yaml", "records.csv"):
        assert (out / name).read_bytes() == (committed / name).read_bytes(), name
    assert len(rows) == sum(1 for _ in open(committed / "records.csv", encoding="utf-8")) - 1


def test_province_generator_makes_valid_data(tmp_path: Path, demo_env):
    totals = synth.make_province(tmp_path / "prov", villages=400, records_per_village=24, log=lambda *_: None)
    ds, problems = check(tmp_path / "prov")
    assert problems == []
    villages = [c for c, r in ds.regions.items() if r.level == "村"]
    assert 300 <= len(villages) <= 400
    assert totals["records"] == ds.record_count
    assert 18 <= ds.record_count / len(villages) <= 30
    assert len({r.level for r in ds.regions.values()}) == 5
