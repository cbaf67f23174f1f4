"""The API over real HTTP on 127.0.0.1 (uvicorn in a thread), against lookup.sqlite built from the sample
(`sample_db`, tests/conftest.py)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from generator.synth import raw_export
from lookup_api.main import create_app
from tests.lookup_api.server import LiveServer, settings_for

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
