"""The lookup database the build writes: masked, windowed, without protected programmes."""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path

from generator.pipeline import build, privacy_gate
from tests.lookup_db import TODAY, build_index


def connect(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(f"file:{path}?mode=ro", uri=True)


def test_payments_are_every_visible_record_in_the_window(sample_db, sample_dataset):
    protected = {p.code for p in sample_dataset.policies if p.protected}
    expected = sum(len(b.records) for b in sample_dataset.batches
                   if b.programme not in protected and TODAY.year - 4 <= b.year <= TODAY.year)
    con = connect(sample_db)
    assert con.execute("SELECT count(*) FROM payments").fetchone() == (expected,)
    meta = dict(con.execute("SELECT key, value FROM meta"))
    assert meta["records"] == str(expected) and meta["first_year"] == "2022" and meta["last_year"] == "2026"
    assert meta["commit"] == "0123456789abcdef0123456789abcdef01234567" and meta["built_at"].startswith("2026-11-23")
    assert "410421" in meta["id_prefixes"].split()


def test_only_masked_fields_no_person_or_card_keys(sample_db):
    con = connect(sample_db)
    columns = [row[1] for row in con.execute("PRAGMA table_info(payments)")]
    assert columns == ["query_key", "batch", "village", "name", "card_tail", "bank", "quantity", "standard",
                       "amount", "date", "status", "reason"]
    assert con.execute("SELECT count(*) FROM payments WHERE name NOT LIKE '%*%' OR length(card_tail) != 4").fetchone() == (0,)
    plan = " ".join(r[-1] for r in con.execute("EXPLAIN QUERY PLAN SELECT * FROM payments WHERE query_key = 'x'"))
    assert "payments_query_key" in plan


def test_no_protected_programme_at_all(sample_db, sample_dataset):
    protected = sorted({p.code for p in sample_dataset.policies if p.protected})
    con = connect(sample_db)
    marks = ",".join("?" * len(protected))
    assert con.execute(f"SELECT count(*) FROM batches WHERE programme IN ({marks})", protected).fetchone() == (0,)


def test_township_windows_for_every_village_with_payments(sample_db):
    con = connect(sample_db)
    assert con.execute("""SELECT count(DISTINCT p.village) FROM payments p JOIN places pl ON pl.village = p.village
                          LEFT JOIN windows w ON w.township = pl.township WHERE w.phone IS NULL""").fetchone() == (0,)


def test_the_privacy_gate_passes_the_database(sample_db):
    assert privacy_gate(sample_db.parent) is None


def test_lookup_years_window_drops_old_batches(sample_dataset, tmp_path):
    db = build_index(sample_dataset, tmp_path / "public", today=dt.date(2029, 6, 1))  # window 2025–2029
    con = connect(db)
    years = {y for (y,) in con.execute("SELECT DISTINCT year FROM batches")}
    assert years == {2025, 2026}


def test_build_writes_lookup_db_next_to_the_site(tiny, tmp_path, demo_env):
    build(tiny, tmp_path / "public")
    db = tmp_path / "public" / "lookup.sqlite"
    assert db.exists() and not (tmp_path / "public" / "site" / "lookup.sqlite").exists()
    con = connect(db)
    assert con.execute("SELECT count(*) FROM search_items").fetchone()[0] >= 1


def test_no_full_name_of_the_raw_export_in_the_database(sample_db):
    from generator.privacy import scan_paths
    from generator.synth import raw_export

    _data, rows = raw_export("410421-MZ002-2025Q1")
    # Two-character names also occur as ordinary words (于建, 高新): the three-character ones are unambiguous.
    names = sorted({r.person.name for r in rows if len(r.person.name) >= 3})
    assert len(names) > 100
    assert scan_paths([sample_db], names=names) == []
