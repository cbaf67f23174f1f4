"""Key rotation of the cases' Fernet key, on SQLite and PostgreSQL: after the new key is put first
and `cases rekey` has run, the old key can be dropped and every case still reads; a second run
rewrites nothing; an interrupted run keeps its finished batches; a value no key opens is reported."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet, InvalidToken
from sqlalchemy import text

from lookup_api.cases import secrets as case_secrets
from lookup_api.cases.auth import StaffUser
from lookup_api.cases.directory import Directory
from lookup_api.cases.pow import Solved
from lookup_api.cases.rekey import rekey
from lookup_api.cases.service import CaseService, Submission
from lookup_api.cases.store import Store
from tests.golden import DEMO_KEYER

REPO = Path(__file__).resolve().parents[2]
OLD, NEW, LOST = (Fernet.generate_key().decode() for _ in range(3))
STAFF = StaffUser(1, "tester", "测试", ("*",), ("410000000000",))


@pytest.fixture
def directory(sample_db):
    return Directory(sqlite3.connect(sample_db))


def cipher(keys: str) -> case_secrets.ContactCipher:
    return case_secrets.load_fernet({"CASES_FERNET_KEY": keys})


def service(store, keys: str, directory) -> CaseService:
    return CaseService(store, cipher(keys), DEMO_KEYER.key, lambda: directory)


_n = 0


def submit(svc: CaseService, directory, i: int, anonymous: bool = False) -> dict:
    global _n
    _n += 1
    village = list(directory.places)[i % len(directory.places)]
    if anonymous:
        sub = Submission("举报", village, f"第{i}件举报：村干部优亲厚友，虚报冒领补贴。", anonymous=True)
    else:
        sub = Submission("投诉", village, f"第{i}件：我的高龄津贴少发了一个季度，请核实。",
                         phone=f"139{i:08d}", name=f"王{'一二三四五六七八九十'[i % 10]}英")
    made = svc.submit(sub, Solved(f"rekey{_n:027d}", 4102444800, "pow"))
    return {"number": made["number"], "content": sub.content, "phone": sub.phone, "name": sub.name}


def raw_tokens(store) -> list[bytes]:
    with store.engine.connect() as c:
        rows = c.execute(text("SELECT content_enc, phone_enc, name_enc FROM cases ORDER BY id")).all()
    return [bytes(t) for r in rows for t in r if t is not None]


def assert_reads(svc: CaseService, cases: list[dict]) -> None:
    for case in cases:
        seen = svc.staff_view(STAFF, case["number"])
        assert (seen["content"], seen["phone"], seen["name"]) == (case["content"], case["phone"], case["name"])


@pytest.fixture
def store(cases_url):
    s = Store(cases_url)
    yield s
    s.dispose()


def test_rotate_rekey_then_drop_the_old_key(store, directory):
    before = [submit(service(store, OLD, directory), directory, i, anonymous=i % 4 == 3) for i in range(11)]
    rotated = service(store, f"{NEW},{OLD}", directory)
    after = [submit(rotated, directory, 100 + i) for i in range(2)]  # written under the new key already
    cases = before + after
    assert_reads(rotated, cases)
    with pytest.raises(InvalidToken):
        Fernet(NEW.encode()).decrypt(raw_tokens(store)[0])

    batches = []
    done = rekey(store, cipher(f"{NEW},{OLD}"), batch=4, after_batch=lambda d: batches.append(d.cases))
    assert (done.cases, done.rewritten, done.batches, done.unreadable) == (13, 11, 4, [])
    assert done.values == sum(1 + (c["phone"] is not None) + (c["name"] is not None) for c in before)
    assert batches == [4, 8, 12, 13]

    # Every stored value now opens with the new key alone; the old key is gone and all still reads.
    new_only = Fernet(NEW.encode())
    assert all(new_only.decrypt(t) for t in raw_tokens(store))
    assert_reads(service(store, NEW, directory), cases)
    with pytest.raises(InvalidToken):
        Fernet(OLD.encode()).decrypt(raw_tokens(store)[0])

    # Idempotent: nothing left to rewrite, nothing changes.
    tokens = raw_tokens(store)
    again = rekey(store, cipher(f"{NEW},{OLD}"), batch=4)
    assert (again.cases, again.rewritten, again.values) == (13, 0, 0)
    assert raw_tokens(store) == tokens


def test_an_interrupted_rekey_keeps_its_batches_and_a_rerun_finishes(store, directory):
    cases = [submit(service(store, OLD, directory), directory, i) for i in range(7)]

    class Stop(Exception):
        pass

    def stop_after_first(done):
        raise Stop

    with pytest.raises(Stop):
        rekey(store, cipher(f"{NEW},{OLD}"), batch=3, after_batch=stop_after_first)
    new_only = Fernet(NEW.encode())
    opened = []
    for t in raw_tokens(store):
        try:
            new_only.decrypt(t)
            opened.append(True)
        except InvalidToken:
            opened.append(False)
    assert opened == [True] * 9 + [False] * 12  # the first batch (3 cases, 3 values each) was committed

    done = rekey(store, cipher(f"{NEW},{OLD}"), batch=3)
    assert (done.cases, done.rewritten) == (7, 4)
    assert_reads(service(store, NEW, directory), cases)


def run_cli(cases_url: str, keys: str, cwd: Path, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("HUINONG_", "CASES_", "LOOKUP_"))}
    env["CASES_FERNET_KEY"] = keys
    if cases_url.startswith("sqlite:///"):
        env["LOOKUP_CASES_DB"] = cases_url.removeprefix("sqlite:///")
    else:
        env["CASES_DATABASE_URL"] = cases_url
    env["PYTHONPATH"] = str(REPO)
    return subprocess.run([sys.executable, "-m", "generator", "cases", "rekey", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=120)


def test_the_command_rekeys_and_names_what_no_key_opens(store, directory, cases_url, tmp_path):
    readable = [submit(service(store, OLD, directory), directory, i) for i in range(5)]
    lost = submit(service(store, LOST, directory), directory, 50)
    cwd = tmp_path / "cwd"
    cwd.mkdir()

    r = run_cli(cases_url, f"{NEW},{OLD}", cwd, "--batch", "2", "--progress")
    assert r.returncode == 1, r.stderr
    assert "已检查 6 件（3 批" in r.stdout and "重新加密了 5 件的 15 项内容" in r.stdout
    assert lost["number"] in r.stderr and "无法解密" in r.stderr
    assert "已检查 2 件" in r.stderr  # progress after each batch
    for case in readable + [lost]:  # no personal detail ever printed
        for secret in (case["phone"], case["name"]):
            assert secret not in r.stdout + r.stderr
    assert list(cwd.iterdir()) == []  # the configured database, never a default one under var/

    r = run_cli(cases_url, f"{NEW},{OLD},{LOST}", cwd)
    assert r.returncode == 0, r.stderr
    assert "重新加密了 1 件的 3 项内容" in r.stdout and "旧密钥可以" in r.stdout
    assert_reads(service(store, NEW, directory), readable + [lost])


def test_the_command_refuses_without_a_key(cases_url, tmp_path):
    r = run_cli(cases_url, "", tmp_path)
    assert r.returncode == 2 and "未设置联系方式加密密钥" in r.stderr
