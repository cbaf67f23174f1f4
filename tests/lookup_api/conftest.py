"""The API over real HTTP on 127.0.0.1 (uvicorn in a thread), against lookup.sqlite built from the sample."""

from __future__ import annotations

import socket
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import uvicorn

from generator.synth import raw_export
from huinong_core.keys import load_key
from lookup_api.config import Settings
from lookup_api.main import create_app
from tests.lookup_db import sample_dataset, sample_db  # noqa: F401  (session fixtures)

DEMO_KEYER = load_key({"HUINONG_DEMO": "1"})


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


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


def settings_for(db, **overrides) -> Settings:
    values = dict(huinong_demo=True, db=db, site_dir=None, rate_client="10000/minute", rate_id="10000/minute",
                  rate_search="10000/minute", audit_log="-",
                  # never the working directory's var/: a fresh file per server (created on first use only)
                  cases_db=Path(tempfile.mkdtemp(prefix="huinong-cases-")) / "cases.sqlite")
    values.update(overrides)
    return Settings(**values)


CHROMIUM = "/usr/bin/chromium"
@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.skip("chromium is not installed (scripts/system-deps.sh test installs it)")
    pytest.importorskip("playwright.sync_api")
    from tests.site.browser import browser as launch

    with launch() as b:
        yield b


@pytest.fixture(scope="session")
def api(sample_db):
    """One server for the tests that do not count requests."""
    with LiveServer(create_app(settings_for(sample_db))) as server:
        yield server


@pytest.fixture
def live():
    """Start a server with its own settings: `with live(settings) as server: ...`."""
    return lambda settings: LiveServer(create_app(settings))


@dataclass(frozen=True)
class Person:
    id18: str
    name: str


def people_of(batch_id: str) -> list[tuple[Person, object]]:
    """The real people behind a committed sample batch, from its regenerated raw export."""
    _data, rows = raw_export(batch_id)
    return [(Person(r.person.id18, r.person.name), r) for r in rows]


@pytest.fixture(scope="session")
def dibao_people():
    return people_of("410421-MZ002-2025Q1")


@pytest.fixture(scope="session")
def orphans():
    """Recipients of a protected programme (孤儿基本生活费)."""
    return people_of("410421-MZ005-2025Q1")


# ------------------------------------------------------------ 咨询与投诉: both databases

@pytest.fixture(scope="session")
def pg_cluster():
    from tests.pg import Cluster

    try:
        cluster = Cluster()
    except FileNotFoundError as e:
        pytest.skip(str(e))
    cluster.start()
    yield cluster
    cluster.stop()


@pytest.fixture(params=["sqlite", "postgresql"])
def cases_url(request, tmp_path):
    """A fresh, empty cases database URL: an SQLite file, or a new database in the test cluster."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'var' / 'cases.sqlite'}"
    return request.getfixturevalue("pg_cluster").new_database()
