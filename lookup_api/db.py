"""The read-only lookup database, reopened when a new build swaps it in.

The build replaces the whole output directory with a rename, so a new
lookup.sqlite has a new inode (and mtime).  Every request stats the path (a
microsecond) and a thread whose connection belongs to an older file opens
the new one; requests already running finish on the old file, which stays
readable while open.  Connections are per thread: the lookup runs on the
event loop's thread, the sync routes (health, cases) in FastAPI's thread pool.
"""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
import threading
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from sqlite_fts4 import register_functions

from huinong_core.lookup_db import SCHEMA_VERSION
from huinong_core.notices import Shown, order
from huinong_core.version import DataVersion


class DatabaseUnavailable(Exception):
    """lookup.sqlite is missing, unreadable, of another schema or without a data version."""


@dataclass(frozen=True)
class Contents:
    """What a lookup database says of itself: values only, which any thread may keep."""

    version: DataVersion
    records: int
    first_year: int
    last_year: int


@dataclass(frozen=True)
class Snapshot:
    """One open database file and what its meta table says."""

    conn: sqlite3.Connection
    signature: tuple
    meta: dict[str, str]
    version: DataVersion
    id_prefixes: frozenset[str]
    first_year: int
    last_year: int
    notices: tuple[Shown, ...] = ()

    @property
    def contents(self) -> Contents:
        return Contents(self.version, int(self.meta.get("records", 0)), self.first_year, self.last_year)

    def notices_in_force(self, at: dt.datetime) -> list[Shown]:
        return [n for n in self.notices if n.start <= at < n.end]


def _notices(conn: sqlite3.Connection) -> tuple[Shown, ...]:
    """The build's notices (generator/index.py wrote them from Shown), judged at request time."""
    rows = conn.execute('SELECT slug, title, level, html, period, start, "end", scope, regions, programmes '
                        "FROM notices").fetchall()
    notices = [Shown(slug, title, level, html, period, dt.datetime.fromisoformat(start), dt.datetime.fromisoformat(end),
                     scope, tuple(regions.split()), tuple(programmes.split()))
               for slug, title, level, html, period, start, end, scope, regions, programmes in rows]
    return tuple(sorted(notices, key=lambda n: order(n.level, n.start, n.slug)))


def _signature(path: Path) -> tuple:
    try:
        st = os.stat(path)
    except OSError:
        raise DatabaseUnavailable(str(path)) from None
    return st.st_dev, st.st_ino, st.st_mtime_ns, st.st_size


def open_snapshot(path: Path, signature: tuple) -> Snapshot:
    uri = f"file:{quote(str(Path(path).resolve()))}?mode=ro"
    try:
        conn = sqlite3.connect(uri, uri=True, check_same_thread=False)
        conn.execute("PRAGMA query_only=1")
        meta = dict(conn.execute("SELECT key, value FROM meta"))
        notices = _notices(conn) if meta.get("schema") == SCHEMA_VERSION else ()
    except sqlite3.Error:
        raise DatabaseUnavailable(str(path)) from None
    if meta.get("schema") != SCHEMA_VERSION:
        conn.close()
        raise DatabaseUnavailable(f"{path}: schema {meta.get('schema')!r}")
    try:
        version = DataVersion.from_meta(meta)
    except (KeyError, ValueError):
        conn.close()
        raise DatabaseUnavailable(f"{path}: no data version") from None
    register_functions(conn)
    return Snapshot(conn, signature, meta, version, frozenset(meta.get("id_prefixes", "").split()),
                    int(meta.get("first_year", 0)), int(meta.get("last_year", 0)), notices)


class LookupDB:
    def __init__(self, path: Path):
        self.path = Path(path)
        self._local = threading.local()

    def snapshot(self) -> Snapshot:
        """This thread's connection to the current file (raises DatabaseUnavailable)."""
        signature = _signature(self.path)
        snap: Snapshot | None = getattr(self._local, "snap", None)
        if snap is None or snap.signature != signature:
            if snap is not None:
                snap.conn.close()
            snap = open_snapshot(self.path, signature)
            self._local.snap = snap
        return snap

    def version(self) -> DataVersion | None:
        try:
            return self.snapshot().version
        except DatabaseUnavailable:
            return None
