"""Payment records kept on disk, not in memory (issue 7: a province in bounded memory).

A province year is some 20 million payment records; as Python objects they
would take tens of gigabytes.  ``load`` therefore parses each batch's
records.csv once, checks every cell as before, and writes the parsed rows into
one SQLite file in a temporary directory (the *spill*), in file order.  A
batch then holds a :class:`SpilledRecords`: a small handle that reads its rows
back (as the same frozen ``PaymentRecord`` objects) each time it is iterated,
all of them or one village's.  Memory stays bounded by what one stage holds at
a time (one batch, one village page), whatever the number of records; every
consumer that iterates ``batch.records`` works unchanged.

The spill holds exactly what data/ holds (keys and masked names, never a
plaintext ID or card number) and is deleted once no batch needs it (or when
the process ends), unless the build's batch cache keeps it.  The store is an
object its owner makes and passes on, never a process-wide one.  Forked
processes (the poster renderers) open their own connection.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import sqlite3
import tempfile
import threading
import weakref
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from huinong_core.models import PaymentRecord, Source

_COLUMNS = ("line", "record_no", "query_key", "person_key", "card_key", "name", "card_tail", "bank", "region",
            "quantity", "standard", "amount", "date", "status", "reason")
_SCHEMA = ("CREATE TABLE IF NOT EXISTS records (id INTEGER PRIMARY KEY, "
           + ", ".join(f"{c} {'INTEGER' if c == 'line' else 'TEXT'} NOT NULL" for c in _COLUMNS) + ")")
_INDEX = "CREATE INDEX IF NOT EXISTS records_region ON records(region, id)"
# How long a connection waits for another process's write: the first to read by village builds the
# index above, which at a province takes a minute (SQLite's default 5 s failed a region worker that
# came second while the posters' worker built it).
BUSY_SECONDS = 900


class RecordStore:
    """One spill file; rows of a batch are contiguous ids.  Made by whoever loads (load, or the
    build's batch cache) and handed to whoever writes into it: one writer per file, so a forked
    worker that parses batches gets its own (generator/load.py)."""

    def __init__(self, directory: Path | str | None = None, *, kept: bool = False):
        self.directory = Path(directory) if directory else Path(tempfile.mkdtemp(prefix="huinong-spill-"))
        self.path = self.directory / "records.sqlite"
        # A build's cache keeps its stores between builds (generator/batch_cache.py): a rollback
        # journal, so a kill never corrupts one, and never deleted here.  Any other store is deleted
        # by the process that made it once no handle needs it (or at its exit; forks never do).
        self._durable = kept
        if not kept:
            weakref.finalize(self, _remove, self.directory, os.getpid())
        self._conn: sqlite3.Connection | None = None
        self._pid = 0
        self._lock = threading.Lock()
        self._indexed = False

    def _connection(self) -> sqlite3.Connection:
        if self._conn is None or self._pid != os.getpid():  # a forked child opens its own
            self._conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False, timeout=BUSY_SECONDS)
            self._conn.execute("PRAGMA journal_mode=DELETE" if self._durable else "PRAGMA journal_mode=OFF")
            self._conn.execute("PRAGMA synchronous=NORMAL" if self._durable else "PRAGMA synchronous=OFF")
            self._conn.execute("PRAGMA cache_size=-8192")  # 8 MB of page cache per connection: reads go by id range, the OS caches the file
            self._conn.execute(_SCHEMA)
            self._pid = os.getpid()
        return self._conn

    def add(self, rows: Iterable[tuple]) -> tuple[int, int, int]:
        """Store rows (in _COLUMNS order, values as text); returns (first id, last id, count)."""
        with self._lock:
            conn = self._connection()
            start = (conn.execute("SELECT max(id) FROM records").fetchone()[0] or 0) + 1
            conn.execute("BEGIN")
            cur = conn.executemany(f"INSERT INTO records ({','.join(_COLUMNS)}) VALUES ({','.join('?' * len(_COLUMNS))})",
                                   rows)
            count = cur.rowcount if cur.rowcount >= 0 else 0
            conn.execute("COMMIT")
            self._indexed = False
            return start, start + count - 1, count

    def rows(self, first: int, last: int, village: str | None = None) -> Iterator[tuple]:
        """Rows with ids first..last (one village's only, if given), read a slice at a time."""
        step = 20_000
        for lo in range(first, last + 1, step):
            hi = min(last, lo + step - 1)
            with self._lock:
                conn = self._connection()
                if village is None:
                    rows = conn.execute(f"SELECT {','.join(_COLUMNS)} FROM records WHERE id BETWEEN ? AND ? "
                                        "ORDER BY id", (lo, hi)).fetchall()
                else:
                    if not self._indexed:
                        conn.execute(_INDEX)
                        self._indexed = True
                    rows = conn.execute(f"SELECT {','.join(_COLUMNS)} FROM records WHERE region = ? AND id BETWEEN ? "
                                        "AND ? ORDER BY id", (village, lo, hi)).fetchall()
            yield from rows

    def grouped(self, first: int, last: int) -> list[tuple[str, str, str, int]]:
        """(village, status, amount text, how many) over the rows first..last: totals without objects."""
        with self._lock:
            return self._connection().execute(
                "SELECT region, status, amount, count(*) FROM records WHERE id BETWEEN ? AND ? "
                "GROUP BY region, status, amount ORDER BY region", (first, last)).fetchall()



def _remove(directory: Path, owner: int) -> None:
    if os.getpid() == owner:
        shutil.rmtree(directory, ignore_errors=True)


@dataclass(frozen=True)
class Where:
    """Where a batch's records are kept: what a worker process hands back instead of its handle
    (a store's connection does not pickle); the parent, which made the store, rebuilds it."""

    directory: str
    first: int
    last: int
    count: int
    path: str
    header: tuple[str, ...]


def _decimal(text: str, cache: dict = {}) -> Decimal:  # noqa: B006 (a deliberate shared cache of immutables)
    d = cache.get(text)
    if d is None:
        if len(cache) > 10_000:
            cache.clear()
        d = cache[text] = Decimal(text)
    return d


class SpilledRecords:
    """The records of one batch, read back from the spill on every iteration (in file order)."""

    __slots__ = ("_store", "_first", "_last", "_count", "_path", "_header")

    def __init__(self, store_: RecordStore, first: int, last: int, count: int, path: str, header: tuple[str, ...]):
        self._store, self._first, self._last, self._count = store_, first, last, count
        self._path, self._header = path, header

    def __len__(self) -> int:
        return self._count

    def __bool__(self) -> bool:
        return self._count > 0

    def __iter__(self) -> Iterator[PaymentRecord]:
        return self._records(None)

    def __getitem__(self, i):
        if isinstance(i, slice):
            return tuple(self)[i]
        if i < 0:
            i += self._count
        if not 0 <= i < self._count:
            raise IndexError(i)
        return next(self._records(None, self._first + i, self._first + i))

    def village_totals(self, paid_statuses) -> dict[str, tuple[int, Decimal, int]]:
        """Village → (records, paid amount, paid records), summed exactly (Decimal) in one query."""
        out: dict[str, list] = {}
        for region, status, amount, n in self._store.grouped(self._first, self._last) if self._count else ():
            c = out.setdefault(region, [0, Decimal(0), 0])
            c[0] += n
            if status in paid_statuses:
                c[1] += _decimal(amount) * n
                c[2] += n
        return {k: (a, b, c) for k, (a, b, c) in out.items()}

    def village(self, code: str) -> Iterator[PaymentRecord]:
        """The records paid in one village, in file order."""
        return self._records(code)

    def _records(self, village: str | None, first: int = 0, last: int = 0) -> Iterator[PaymentRecord]:
        if not self._count:
            return
        path, header = self._path, self._header
        date = dt.date.fromisoformat
        for (line, no, qk, pk, ck, name, tail, bank, region, qty, std, amount, day, status, reason) in \
                self._store.rows(first or self._first, last or self._last, village):
            yield PaymentRecord(no, qk, pk, ck, name, tail, bank, region, _decimal(qty), _decimal(std), _decimal(amount),
                                date(day), status, reason, Source(path, line, header))

    def __eq__(self, other) -> bool:
        if isinstance(other, SpilledRecords) and other._store is self._store and other._first == self._first \
                and other._last == self._last:
            return True
        if isinstance(other, (SpilledRecords, tuple, list)):
            return len(self) == len(other) and all(a == b for a, b in zip(self, other))
        return NotImplemented

    def __hash__(self) -> int:
        return hash((id(self._store), self._first, self._last))

    def where(self) -> Where:
        return Where(str(self._store.directory), self._first, self._last, self._count, self._path, self._header)

    def __repr__(self) -> str:
        return f"<{self._count} records of {self._path}>"


def spill(store: RecordStore, records: Iterable[tuple[Source, dict]], path: str) -> SpilledRecords:
    """Write parsed rows of one records.csv (load's (Source, values) pairs) into `store`."""
    header: list[tuple[str, ...]] = [()]

    def rows():
        for src, r in records:
            header[0] = src.header
            yield (src.line, r["记录号"], r["查询键"], r["人员键"], r["卡键"], r["姓名"], r["卡号尾号"], r["开户银行"],
                   r["区划代码"], str(r["发放数量"]), str(r["补贴标准"]), str(r["发放金额"]), r["发放日期"].isoformat(),
                   r["发放状态"], r["失败原因"] or "")

    first, last, count = store.add(rows())
    return SpilledRecords(store, first, last, count, path, header[0])


def records_at(store: RecordStore, where: Where) -> SpilledRecords:
    """The handle of records kept in `store` at `where` (by a worker, or by an earlier build)."""
    return SpilledRecords(store, where.first, where.last, where.count, where.path, where.header)
