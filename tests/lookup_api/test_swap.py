"""The API under load while builds publish: every request answers, from the old database until
the new build has switched in, then from the new one (issue 7: zero failed requests)."""

from __future__ import annotations

import os
import subprocess
import threading
import time
from pathlib import Path

import httpx

from tests.builds import build_cmd
from tests.golden import TINY_PEOPLE
from tests.lookup_api.server import LiveServer, settings_for
from lookup_api.main import create_app

REPO = Path(__file__).resolve().parents[2]
EPOCHS = ("1735689600", "1735776000", "1735862400", "1735948800")  # 2025-01-01 … 01-04


def test_requests_never_fail_while_builds_switch_the_database(tiny: Path, tmp_path: Path):
    out = tmp_path / "public"

    def publish(epoch: str) -> None:
        # --full: an incremental build would keep the database (only the build time differs), and this
        # test is about switching to a new one under load.
        subprocess.run(build_cmd(tiny, out, full=True), cwd=REPO, env={**os.environ, "SOURCE_DATE_EPOCH": epoch},
                       check=True, capture_output=True)

    publish(EPOCHS[0])
    person = TINY_PEOPLE[0]
    stop, failures, count = threading.Event(), [], [0]
    versions: list[list[str]] = [[] for _ in range(3)]

    def load(url: str, seen: list[str]) -> None:
        with httpx.Client(base_url=url, timeout=30) as c:
            while not stop.is_set() and count[0] < 100_000:
                try:
                    r = c.post("/api/v1/lookup", json={"id_number": person.id18, "name": person.name})
                    page = c.get("/diqu/410421100201/")
                except httpx.HTTPError as e:
                    failures.append(repr(e))
                    continue
                count[0] += 1
                if r.status_code != 200 or not r.json()["found"] or page.status_code != 200:
                    failures.append((r.status_code, r.text[:200], page.status_code))
                    continue
                built = r.json()["data_version"]["built_at"]
                if not seen or seen[-1] != built:
                    seen.append(built)

    with LiveServer(create_app(settings_for(out / "lookup.sqlite", site_dir=out / "site"))) as server:
        clients = [threading.Thread(target=load, args=(server.url, seen)) for seen in versions]
        for t in clients:
            t.start()
        try:
            for epoch in EPOCHS[1:]:
                publish(epoch)
            # On a loaded machine a client can still be inside a request it sent before the last switch:
            # let every client ask at least once after it before stopping them.
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline and not all(
                    seen and seen[-1].startswith("2025-01-04") for seen in versions):
                time.sleep(0.05)
        finally:
            stop.set()
            for t in clients:
                t.join()
    assert failures == []
    assert count[0] > 20
    # Each client moves forward only: old database until the switch, then the new one.
    for seen in versions:
        assert seen == sorted(seen) and len(seen) >= 2 and seen[-1].startswith("2025-01-04"), seen
