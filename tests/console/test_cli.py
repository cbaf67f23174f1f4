"""`python -m generator console` as the clerk runs it: it prints the token URL, serves the step
through to an ingest, and nothing of the raw file (its name, its values) reaches its output, its
temporary directory or the repository beyond the keyed batch."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.console.helpers import DEMO, RAW_NAME, csrf_of, fixed_rows, gbk, messy_rows, plaintexts, post
from tests.helpers import REPO


def test_the_command_serves_and_logs_nothing_of_the_raw_file(repo: Path, tmp_path: Path):
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("HUINONG")}, **DEMO,
           "PYTHONPATH": str(REPO), "TMPDIR": str(tmp), "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen([sys.executable, "-m", "generator", "console", "--repo", str(repo), "--no-browser"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=tmp_path)
    try:
        url, printed = _first_url(proc)
        base = url.split("/?", 1)[0]
        # Over a megabyte, where Starlette would spool an upload to a temporary file: blank rows pad it.
        big = gbk(fixed_rows()) + b"\r\n" * 600_000
        messy = gbk(messy_rows())
        with httpx.Client(base_url=base, timeout=60) as c:
            assert c.get(url).status_code == 303
            for data in (messy, big):
                token = csrf_of(c.get("/daoru/").text)
                r = post(c, "/daoru/", data={"csrf": token}, files={"file": (RAW_NAME, data, "text/csv")})
                uid = r.headers["location"].split("/")[2]
                query = {"programme": "NY001", "period": "2025"}
                checked = c.get(f"/daoru/{uid}/jiancha", params=query)
                c.get(f"/daoru/{uid}/cuowu.xlsx", params=query)
                assert list(tmp.iterdir()) == []  # nothing of the upload on disk
            assert checked.status_code == 200
            r = post(c, f"/daoru/{uid}/queren", data={"csrf": csrf_of(checked.text), **query})
            assert r.status_code == 303
            c.get("/daoru/%2e%2e/")  # odd requests are not logged either
            c.get("/", headers={"host": "evil.example"})
    finally:
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=30)
    assert (repo / "data/payments/2025/410421-NY001-2025/records.csv").exists()
    logs = printed + out + err
    assert "工作台已启动" in printed
    for secret in [RAW_NAME, Path(RAW_NAME).stem, "daoru", *plaintexts()]:
        assert secret not in logs, secret
    assert list(tmp.iterdir()) == []


def _first_url(proc: subprocess.Popen) -> tuple[str, str]:
    """The URL the command printed, and what it printed up to there."""
    deadline, printed = time.time() + 60, ""
    while time.time() < deadline:
        line = proc.stdout.readline()
        if not line and proc.poll() is not None:
            raise AssertionError(proc.stderr.read())
        printed += line
        m = re.search(r"http://127\.0\.0\.1:\d+/\?token=[\w-]+", line)
        if m:
            return m.group(0), printed
    raise AssertionError("no URL printed")
