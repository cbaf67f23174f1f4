"""The cases store on SQLite and PostgreSQL: schema by migration, append-only history,
contact details encrypted at rest, 查询码 kept only as a keyed hash, readable 件号."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import text

from huinong_core.errors import KeyConfigError
from lookup_api.cases import secrets as case_secrets
from lookup_api.cases.directory import Directory
from lookup_api.cases.pow import Solved
from lookup_api.cases.service import CaseService, Submission
from lookup_api.cases.store import Store, current_revision
from tests.golden import DEMO_KEYER

REPO = Path(__file__).resolve().parents[2]
PHONE = "13812345678"


@pytest.fixture
def directory(sample_db):
    return Directory(sqlite3.connect(sample_db))


@pytest.fixture
def cases(cases_url, directory):
    store = Store(cases_url)
    cipher = case_secrets.load_fernet({"HUINONG_DEMO": "1"})
    yield CaseService(store, cipher, DEMO_KEYER.key, lambda: directory)
    store.dispose()


_n = 0


def solved() -> Solved:
    global _n
    _n += 1
    return Solved(f"nonce{_n:027d}", 4102444800, "pow")


def village(directory, county="410421"):
    return next(v for v in directory.places if v.startswith(county))


def test_schema_comes_from_the_migration(cases):
    assert current_revision(cases.store.engine) == "0001"
    if cases.store.dialect == "sqlite":
        with cases.store.engine.connect() as c:
            assert c.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"


def test_submit_numbers_cases_by_day_county_and_sequence(cases, directory):
    v = village(directory)
    first = cases.submit(Submission("咨询", v, "我家的耕地补贴今年还没有到账，请问什么时候发？"), solved())
    second = cases.submit(Submission("投诉", v, "村里公示的面积和我家实际种的不一样。"), solved())
    assert re.fullmatch(r"\d{8}-410421-0001", first["number"])
    assert second["number"] == first["number"][:-4] + "0002"
    other = cases.submit(Submission("咨询", village(directory, "410425"), "低保什么时候发放？请告知。"), solved())
    assert other["number"].endswith("-410425-0001")
    assert re.fullmatch(r"[A-Z2-9]{4}-[A-Z2-9]{4}", first["query_code"])
    assert first["department"] == "宝丰县财政局"


def test_contact_details_and_content_are_encrypted_and_the_code_hashed(cases, directory):
    made = cases.submit(Submission("投诉", village(directory), "我的高龄津贴少发了一个季度，请核实。",
                                   programme="MZ010", phone="138 1234 5678", name="王秀英"), solved())
    code = case_secrets.normalize_code(made["query_code"])
    with cases.store.engine.connect() as c:
        row = c.execute(text("SELECT * FROM cases")).mappings().one()
    raw = repr(dict(row)).encode() + b"".join(v for v in row.values() if isinstance(v, (bytes, memoryview)))
    for secret in (PHONE, "王秀英", "高龄津贴少发", code):
        assert secret.encode() not in raw
        assert secret not in repr(dict(row))
    assert row["code_hash"] == case_secrets.code_hash(DEMO_KEYER.key, made["number"], code)
    assert cases.cipher.decrypt(row["phone_enc"]) == PHONE
    assert row["department"] == "民政局"


def test_case_events_are_append_only_in_the_database(cases, directory):
    cases.submit(Submission("咨询", village(directory), "请问残疾人两项补贴怎么申请？"), solved())
    for statement in ("UPDATE case_events SET note = 'x'", "DELETE FROM case_events"):
        with pytest.raises(Exception, match="append-only"):
            with cases.store.engine.begin() as c:
                c.execute(text(statement))
    with cases.store.engine.connect() as c:
        assert c.execute(text("SELECT count(*) FROM case_events")).scalar() == 1


def test_no_code_path_updates_or_deletes_events():
    """The code only ever adds CaseEvent rows (the migration's triggers are the second line)."""
    offenders = []
    for path in (REPO / "lookup_api").rglob("*.py"):
        if "migrations" in path.parts:
            continue
        source = path.read_text(encoding="utf-8")
        for pattern in (r"(update|delete)\(\s*CaseEvent", r"(UPDATE|DELETE\s+FROM)\s+case_events",
                        r"CaseEvent\)\.[^\n]*\.(update|delete)\(", r"session\.delete\(\s*(e|event)\b"):
            offenders += [f"{path.name}: {m.group(0)}" for m in re.finditer(pattern, source, re.I)]
    assert offenders == []


def test_fernet_key_rules(monkeypatch):
    with pytest.raises(KeyConfigError, match="未设置"):
        case_secrets.load_fernet({})
    demo = case_secrets.demo_fernet_key().decode()
    with pytest.raises(KeyConfigError, match="示例"):
        case_secrets.load_fernet({"CASES_FERNET_KEY": demo})
    with pytest.raises(KeyConfigError, match="格式"):
        case_secrets.load_fernet({"CASES_FERNET_KEY": "short"})
    from cryptography.fernet import Fernet

    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    token = case_secrets.load_fernet({"CASES_FERNET_KEY": old}).encrypt("13900001111")
    rotated = case_secrets.load_fernet({"CASES_FERNET_KEY": f"{new},{old}"})
    assert rotated.decrypt(token) == "13900001111"


def test_an_empty_database_url_means_the_sqlite_default(monkeypatch, tmp_path):
    """A CI secret that is not set arrives as an empty variable: the default, not a broken URL."""
    from lookup_api.config import Settings

    monkeypatch.setenv("CASES_DATABASE_URL", "")
    monkeypatch.setenv("LOOKUP_CASES_DB", str(tmp_path / "cases.sqlite"))
    url = Settings(huinong_demo=True).cases_url()
    assert url.startswith("sqlite") and str(tmp_path / "cases.sqlite") in url
