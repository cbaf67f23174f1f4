"""generator/parallel.py: work spread over forked processes gives the output of one process."""

from __future__ import annotations

import filecmp
from pathlib import Path

import pytest

from generator.parallel import fork_map
import generator.parallel as parallel
from generator.pipeline import build


def _square_plus(plus: int, job: int) -> int:
    return job * job + plus


def test_fork_map_keeps_order_and_shares_state(monkeypatch):
    monkeypatch.setattr(parallel, "MIN_JOBS", 1)
    assert list(fork_map(_square_plus, range(50), 3, workers=2, chunksize=3)) == [i * i + 3 for i in range(50)]
    assert list(fork_map(_square_plus, range(5), 1, workers=1)) == [1, 2, 5, 10, 17]
    assert parallel._job is None  # set in the workers only


def _worker_state(state: tuple, job: int) -> tuple[int, int]:
    return state[0], job


def test_each_worker_gets_its_own_state(monkeypatch):
    monkeypatch.setattr(parallel, "MIN_JOBS", 1)
    made = []
    out = list(fork_map(_worker_state, range(40), None, workers=3, chunksize=1,
                        each=lambda i: made.append(i) or (i,)))
    assert made == [0, 1, 2] and [job for _, job in out] == list(range(40))
    assert {w for w, _ in out} <= {0, 1, 2}
    assert list(fork_map(_worker_state, range(3), None, workers=1, each=lambda i: (i + 7,))) == [(7, 0), (7, 1), (7, 2)]


def test_a_build_in_forked_workers_equals_one_in_one_process(tiny: Path, tmp_path: Path, demo_env, monkeypatch):
    """Posters and village downloads made by two workers are byte for byte those made by one."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1718928000")  # the tiny batch's 公示期: its posters are made too
    monkeypatch.setattr(parallel, "MIN_JOBS", 1)
    monkeypatch.setattr(parallel.os, "cpu_count", lambda: 2)
    forked = build(tiny, tmp_path / "forked")
    monkeypatch.setattr(parallel, "MIN_JOBS", 10**9)
    single = build(tiny, tmp_path / "single")
    assert forked.posters == single.posters > 0
    a, b = (tmp_path / "forked").resolve(), (tmp_path / "single").resolve()
    files = sorted(p.relative_to(a) for p in a.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(b) for p in b.rglob("*") if p.is_file())
    assert any(str(f).endswith(".csv") and "diqu" in str(f) for f in files)
    _match, mismatch, errors = filecmp.cmpfiles(a, b, [str(f) for f in files], shallow=False)
    assert mismatch == [] and errors == []


def test_the_privacy_gate_in_forked_workers_finds_what_one_process_finds(tmp_path: Path, monkeypatch):
    import pytest

    from huinong_core.errors import PrivacyError
    from generator.pipeline import privacy_gate

    for i in range(40):
        (tmp_path / f"d{i % 3}").mkdir(exist_ok=True)
        (tmp_path / f"d{i % 3}" / f"{i}.html").write_text(f"<p>第{i}页</p>\n" + ("<p>联系 13812345678</p>\n" if i in (7, 31) else ""),
                                                        encoding="utf-8")
    monkeypatch.setattr(parallel, "MIN_JOBS", 1)
    monkeypatch.setattr(parallel.os, "cpu_count", lambda: 2)
    with pytest.raises(PrivacyError) as e:
        privacy_gate(tmp_path)
    assert sorted((f.path, f.line, f.kind) for f in e.value.findings) == [("d1/31.html", 2, "phone"),
                                                                        ("d1/7.html", 2, "phone")]


def test_fork_call_runs_beside_this_process_and_hands_back_its_result_or_its_error(tmp_path):
    import os

    from generator.parallel import fork_call

    def work(path):
        path.write_text(str(os.getpid()))
        return {"pid": os.getpid()}

    wait = fork_call(work, tmp_path / "pid")
    result = wait()
    assert result["pid"] != os.getpid() and (tmp_path / "pid").read_text() == str(result["pid"])

    def fail():
        raise ValueError("坏了")

    with pytest.raises(ValueError, match="坏了"):
        fork_call(fail)()
