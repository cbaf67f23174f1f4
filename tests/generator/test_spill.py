"""Records spilled to disk (generator/spill.py) read back exactly as parsed, in file order."""

from __future__ import annotations

import os
from decimal import Decimal
from pathlib import Path

from generator.load import load
from generator.public import VillageRows, public_rows, public_view
from generator.spill import SpilledRecords
from huinong_core.models import PAID_STATUSES


def test_spilled_batch_reads_back_every_record_in_file_order(tiny: Path):
    ds = load(tiny).dataset
    b = ds.batches[0]
    assert isinstance(b.records, SpilledRecords)
    rows = list(b.records)
    lines = (tiny / "payments/2024/410421-NY001-2024/records.csv").read_text(encoding="utf-8").splitlines()[1:]
    assert len(b.records) == len(rows) == len(lines) and bool(b.records)
    for r, line in zip(rows, lines):
        cells = line.split(",")
        assert (r.record_no, r.query_key, r.name, r.region, r.status) == (cells[0], cells[1], cells[4], cells[7], cells[12])
        assert r.amount == Decimal(cells[10]) and str(r.amount) == cells[10]  # same scale as written
        assert r.src.path.endswith("records.csv") and r.src.at("发放金额")[1] == 11  # column of the cell, for errors
    assert [r.src.line for r in rows] == list(range(2, len(lines) + 2))
    assert b.records[0] == rows[0] and b.records[-1] == rows[-1] and b.records[1:] == tuple(rows[1:])
    assert b.records == tuple(rows)
    for village in {r.region for r in rows}:
        assert list(b.records.village(village)) == [r for r in rows if r.region == village]


def test_public_view_keeps_totals_and_reads_village_rows_when_asked(tiny: Path):
    ds = load(tiny).dataset
    view = public_view(ds, ds.batches[0].publicity_start)
    for pb in view.batches:
        assert isinstance(pb.rows, VillageRows)
        expected = public_rows(r for r in ds.batches[0].records if r.region == pb.village)
        assert tuple(pb.rows) == expected and len(pb.rows) == len(expected)
        assert pb.total == sum((r.amount for r in expected if r.status in PAID_STATUSES), Decimal(0))
        assert pb.paid == sum(1 for r in expected if r.status in PAID_STATUSES)
        assert repr(pb.rows) == repr(expected)  # input keys see the rows themselves


def test_a_forked_process_reads_the_spill_through_its_own_connection(tiny: Path):
    ds = load(tiny).dataset
    records = ds.batches[0].records
    expected = [r.record_no for r in records]
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # child
        try:
            os.write(write, ",".join(r.record_no for r in records).encode())
        finally:
            os._exit(0)
    os.close(write)
    got = os.read(read, 1 << 16).decode()
    os.waitpid(pid, 0)
    assert got.split(",") == expected
    assert [r.record_no for r in records] == expected  # the parent's connection still works


def test_batches_parsed_in_worker_processes_equal_the_serial_load(tiny: Path, monkeypatch):
    import shutil

    import generator.load as load_module

    src = tiny / "payments/2024/410421-NY001-2024"
    for i in range(5):  # more batches (load parses; check would reject the names)
        shutil.copytree(src, tiny / f"payments/2024/410421-NY00{i + 2}-2024")
    (tiny / "payments/2024/410421-NY003-2024/records.csv").write_text(
        src.joinpath("records.csv").read_text(encoding="utf-8").replace("367.50", "36x.50"), encoding="utf-8")
    monkeypatch.setattr(load_module, "PARALLEL_MIN", 2)
    monkeypatch.setattr(load_module, "LOAD_WORKERS", 1)
    serial = load(tiny)
    monkeypatch.setattr(load_module, "LOAD_WORKERS", 3)
    parallel = load(tiny)
    assert [b.batch_id for b in parallel.dataset.batches] == [b.batch_id for b in serial.dataset.batches]
    assert len(parallel.dataset.batches) == 6
    for a, b in zip(parallel.dataset.batches, serial.dataset.batches):
        assert tuple(a.records) == tuple(b.records) and list(a.records.village("410421100202")) == \
            list(b.records.village("410421100202"))
    assert len({b.records.where().directory for b in serial.dataset.batches}) == 1  # one store, of this load
    assert parallel.problems == serial.problems and any("发放金额" in p.field for p in parallel.problems)


def test_a_reader_waits_for_another_process_building_the_index(tiny: Path):
    """The first process to read a village's rows builds the store's index (a minute at a province);
    another one reading by village meanwhile waits for it, not fails ("database is locked")."""
    import sqlite3
    import threading
    import time

    batch = next(b for b in load(tiny).dataset.batches if b.records)
    path, village = Path(batch.records.where().directory) / "records.sqlite", batch.records[0].region
    held = threading.Event()

    def writer():  # another connection holds the write lock longer than SQLite's default 5 s wait
        conn = sqlite3.connect(path, isolation_level=None)
        conn.execute("BEGIN IMMEDIATE")
        held.set()
        time.sleep(6)
        conn.execute("COMMIT")
        conn.close()

    t = threading.Thread(target=writer)
    t.start()
    held.wait()
    try:
        started = time.monotonic()
        rows = list(batch.records.village(village))
        assert time.monotonic() - started > 5
    finally:
        t.join()
    assert rows and all(r.region == village for r in rows)
