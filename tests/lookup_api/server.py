"""The API over real HTTP on 127.0.0.1: uvicorn in a thread, with test settings."""

from __future__ import annotations

import atexit
import shutil
import tempfile
import threading
import time
from pathlib import Path

import httpx
import uvicorn

from lookup_api.config import Settings
from tests.helpers import free_port


class LiveServer:
    def __init__(self, app):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning", access_log=False,
                                lifespan="off", server_header=False)
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self):
        self.thread.start()
        deadline = time.time() + 20
        while not self.server.started:
            if time.time() > deadline or not self.thread.is_alive():
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.02)
        return self

    def __exit__(self, *exc):
        self.server.should_exit = True
        self.thread.join(10)
        cases = getattr(self.server.config.app.state, "cases", None)
        if cases is not None and cases._service is not None:
            cases._service.store.dispose()  # PostgreSQL connections of this server

    def client(self, **kw) -> httpx.Client:
        return httpx.Client(base_url=self.url, timeout=30, **kw)


def _scratch() -> Path:
    """A fresh directory, removed when the test process ends (one per server: 300+ a run)."""
    path = Path(tempfile.mkdtemp(prefix="huinong-cases-"))
    atexit.register(shutil.rmtree, path, True)
    return path


def settings_for(db, **overrides) -> Settings:
    values = dict(huinong_demo=True, db=db, site_dir=None, rate_client="10000/minute", rate_id="10000/minute",
                  rate_search="10000/minute", audit_log="-",
                  # never the working directory's var/: a fresh file per server (created on first use only)
                  cases_db=_scratch() / "cases.sqlite")
    values.update(overrides)
    return Settings(**values)
