"""Where cases live: SQLite (WAL) in a file outside the built site by default,
PostgreSQL when ``CASES_DATABASE_URL`` says so.  The schema is Alembic's
(``lookup_api/cases/migrations``); the app upgrades it on start.  The site build
opens it read-only (``Store(url, readonly=True)``) for the public statistics.
"""

from __future__ import annotations

import contextlib
import hashlib
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import NullPool

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def database_url(url: str | None, sqlite_path: Path) -> str:
    """The SQLAlchemy URL: ``postgresql://`` is run through psycopg 3; default is the SQLite file."""
    if not url:
        return f"sqlite:///{Path(sqlite_path).resolve()}"
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


def _sqlite_pragmas(dbapi_conn, _record) -> None:
    dbapi_conn.isolation_level = None  # transactions are begun by the "begin" listener
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=10000")
    cur.close()


def _readonly_sqlite(path: Path) -> Engine:
    """SQLite opened read-only (mode=ro, query_only): it cannot write, create or migrate the file.
    Reading a WAL database still creates its -shm/-wal files when no one has them open."""
    uri = "file:" + quote(str(path.resolve())) + "?mode=ro"

    def connect():
        conn = sqlite3.connect(uri, uri=True, timeout=10, check_same_thread=False)
        conn.execute("PRAGMA query_only=ON")
        return conn

    return create_engine("sqlite://", creator=connect, poolclass=NullPool)


def make_engine(url: str, *, readonly: bool = False) -> Engine:
    parsed = make_url(url)
    if readonly:
        if parsed.get_backend_name() == "sqlite":
            if not parsed.database or not Path(parsed.database).is_file():
                raise FileNotFoundError(parsed.database or "(memory)")
            return _readonly_sqlite(Path(parsed.database))
        # Every transaction read-only, in the server itself; a build must not hang on a slow server.
        return create_engine(url, poolclass=NullPool, connect_args={
            "connect_timeout": 10, "options": "-c default_transaction_read_only=on -c statement_timeout=60000"})
    if parsed.get_backend_name() == "sqlite":
        if parsed.database:
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 10})
        event.listen(engine, "connect", _sqlite_pragmas)
        # pysqlite's own transaction handling defers BEGIN; emit it ourselves so that a
        # transaction that reads and then writes takes the write lock up front (two such
        # transactions would otherwise fail with "database is locked" instead of waiting).
        event.listen(engine, "begin", lambda conn: conn.exec_driver_sql("BEGIN IMMEDIATE"))
        return engine
    return create_engine(url, pool_pre_ping=True)


def alembic_config(connection=None):
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


#: pg_advisory_xact_lock key held while migrating (any constant; "huinong-cases-migrate").
MIGRATION_LOCK = int.from_bytes(hashlib.sha256(b"huinong-cases-migrate").digest()[:8], "big", signed=True)


def migrate(engine: Engine, revision: str = "head") -> None:
    from alembic import command

    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            # Replicas starting together would run the same migration at once and all but one fail
            # (a 503 on their first case request, seen in CI); the lock makes the others wait, then
            # find the database at head.  SQLite's write lock (BEGIN IMMEDIATE) already does this.
            conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
        command.upgrade(alembic_config(conn), revision)


def head_revision() -> str:
    """The latest migration of this code."""
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


class Store:
    """``readonly=True``: never writes, creates or migrates (the site build reads the statistics);
    a missing SQLite file raises FileNotFoundError."""

    def __init__(self, url: str, *, upgrade: bool = True, readonly: bool = False):
        self.url = url
        self.engine = make_engine(url, readonly=readonly)
        if upgrade and not readonly:
            migrate(self.engine)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextlib.contextmanager
    def session(self) -> Iterator[Session]:
        """One transaction: committed when the block ends, rolled back on any error."""
        with self.sessions() as s, s.begin():
            yield s

    def lock_sequence(self, session: Session, name: str) -> None:
        """Serialize the transactions that take the next number of one sequence (a 件号 prefix).

        SQLite needs nothing: BEGIN IMMEDIATE already holds the database's write lock.  PostgreSQL
        (READ COMMITTED) would let concurrent transactions read the same max(number) and all but
        one fail on the unique index; a transaction-scoped advisory lock on the sequence's name
        makes them wait their turn instead, and is released at commit or rollback.
        """
        if self.dialect == "postgresql":
            key = int.from_bytes(hashlib.sha256(f"case-sequence|{name}".encode()).digest()[:8], "big", signed=True)
            session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})

    def dispose(self) -> None:
        self.engine.dispose()
