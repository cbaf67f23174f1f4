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


# A build in its own process: it takes the output's lock, forks (fork_call, or a fork_map of two
# workers) and waits; each forked process prints its pid and sleeps.
_FORKING_BUILD = """
import os, sys, time
from pathlib import Path
from generator.parallel import fork_call, fork_map
from generator.writer import Writer

def nap(_shared=None, _job=None):
    os.write(1, f"{os.getpid()}\\n".encode())  # one write: two workers' lines do not mix
    time.sleep(600)

def pool():
    list(fork_map(nap, range(2), None, workers=2, chunksize=1, min_jobs=1))

writer = Writer(Path(sys.argv[1]))
if sys.argv[2] == "fork_call":
    fork_call(nap)()
elif sys.argv[2] == "fork_map":
    pool()
else:  # a pool in a forked stage (pipeline.Beside: the posters beside the site)
    fork_call(pool)()
"""


@pytest.mark.parametrize("how", ["fork_call", "fork_map", "fork_map_in_fork_call"])
def test_a_killed_build_leaves_no_forked_process_and_no_lock(tmp_path: Path, how: str):
    """SIGKILL to a build's own process: what it forked dies with it (PR_SET_PDEATHSIG), and never
    held the output's lock (a flock is the open file's, which a fork shares): the next build starts."""
    import os
    import select
    import signal
    import subprocess
    import sys
    import time

    from generator.writer import Writer
    from tests.helpers import REPO
    from tests.procs import alive, forked_children, holds, still_alive_after

    out = tmp_path / "public"
    proc = subprocess.Popen([sys.executable, "-c", _FORKING_BUILD, str(out), how], cwd=REPO,
                            stdout=subprocess.PIPE)
    children: list[int] = []
    try:
        deadline, printed = time.monotonic() + 60, b""
        while len(children) < (1 if how == "fork_call" else 2):
            assert time.monotonic() < deadline and proc.poll() is None, f"the forked processes did not start: {printed}"
            if select.select([proc.stdout], [], [], 0.5)[0]:
                printed += os.read(proc.stdout.fileno(), 100)
                children = [int(line) for line in printed.splitlines(keepends=True) if line.endswith(b"\n")]
        lock = str(tmp_path / ".public.builds/lock")
        assert holds(proc.pid, lock) and not any(holds(c, lock) for c in children)
        if how == "fork_map_in_fork_call":  # the pool's workers are the forked stage's, not the build's
            assert not set(children) & set(forked_children(proc.pid))
        with pytest.raises(Exception, match="另一次构建"):
            Writer(out)  # the build's own process holds it
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        Writer(out).abort()  # at once: no forked process keeps the lock
        assert still_alive_after(children, 5.0) == []
    finally:
        proc.kill()
        proc.wait()
        for pid in children:
            if alive(pid):
                os.kill(pid, signal.SIGKILL)
