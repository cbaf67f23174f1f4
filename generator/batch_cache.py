"""Parsed batches kept between builds of one output (issue 7: publishing several times a day).

A province is some 1,300 batches and 20 million records; parsing every cell of
them and checking every record takes minutes, on every build, though a
publication usually adds or changes one county's batch.  The build therefore
keeps, next to its outputs (``builds_dir(target)/cache``), the spill files its
batches were parsed into (generator/spill.py) and an index:

    batch files key (sha256 of batch.yaml and records.csv)
        -> spill directory, row ids, record count, header, records.csv path,
           and the context it was checked clean under

The next build of the same output parses and checks only batches whose files
changed.  A batch whose key is in the index gets its records from the kept
spill instead of its CSV; when the context (our code, regions.csv,
policies.csv: everything a record's check depends on) is also unchanged, the
check of its records is skipped too, since it would find the same nothing.
The batch.yaml of every batch is still read and checked.

Safety: the index is replaced (atomically) only after a build was published,
so it names only batches that passed every check; a build that fails or is
killed leaves the old index, and the spill directories it started are removed
by the next build (all of this under the Writer's lock).  Kept spill files are
opened with a rollback journal (the lazily made village index must not
corrupt them if killed).  ``build --full`` neither reads nor keeps the cache
across that build: it starts a new one.  A spill file whose rows are mostly of
batches no longer present is dropped and its live batches parsed again, so
the cache stays within about twice the spill of the data.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import uuid
from dataclasses import dataclass
from pathlib import Path

from generator.digests import FileDigests
from generator.spill import RecordStore, SpilledRecords, Where, records_at

FORMAT = 2  # 2: files_key of the files' digests
INDEX = "index.json"


def files_key(batch_dir: Path, digests: FileDigests | None = None) -> str:
    """Hash of a batch's two files, batch.yaml and records.csv (a missing one hashes as absent);
    `digests`: the build's, which knows the digest of a file unchanged since the last build."""
    digests = digests or FileDigests()
    h = hashlib.sha256()
    for name in ("batch.yaml", "records.csv"):
        try:
            h.update(f"{name}:{digests.of(batch_dir / name)}".encode())
        except OSError:
            h.update(f"{name}:missing".encode())
        h.update(b"\0")
    return h.hexdigest()


def check_context(data_dir: Path) -> str:
    """What the check of a batch's records depends on besides the batch: code, regions, policies."""
    from generator.writer import code_fingerprint

    h = hashlib.sha256(code_fingerprint().encode())
    for name in ("regions.csv", "policies.csv"):
        try:
            h.update((Path(data_dir) / name).read_bytes())
        except OSError:
            h.update(b"\1missing")
        h.update(b"\0")
    return h.hexdigest()


@dataclass(frozen=True)
class Entry:
    store: str  # spill directory name under the cache root
    first: int
    last: int
    count: int
    path: str  # records.csv as shown in errors (relative to data/'s parent)
    header: tuple[str, ...]
    checked: str  # check_context it passed under


class BatchCache:
    """The cache of one output; used only while holding that output's Writer lock."""

    def __init__(self, root: Path, data_dir: Path, *, fresh: bool = False, digests: FileDigests | None = None):
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)
        self.digests = digests or FileDigests()
        self.context = check_context(data_dir)
        self.entries: dict[str, Entry] = {}
        self.sizes: dict[str, int] = {}  # spill directory -> rows in it
        data = {} if fresh else self._read()
        if data.get("format") == FORMAT:
            for key, e in data.get("batches", {}).items():
                self.entries[key] = Entry(e["store"], e["first"], e["last"], e["count"], e["path"],
                                          tuple(e["header"]), e["checked"])
            self.sizes = {k: int(v) for k, v in data.get("stores", {}).items()}
        # Spill directories the index does not name: from a failed or killed build, or dropped.
        for entry in self.root.iterdir():
            if entry.is_dir() and entry.name not in self.sizes:
                shutil.rmtree(entry, ignore_errors=True)
        # Results derived from batches (统计 per county-year), by kind and key: what the last build
        # saved, and what this one used or made (only those are saved again).
        self._memo_old: dict[str, dict] = data.get("memo", {}) if data.get("format") == FORMAT else {}
        self._memo: dict[str, dict] = {}  # of this process: _here()
        self._memo_pid = os.getpid()
        self.keys: dict[str, str] = {}  # batch directory -> files key, this build
        self.batch_keys: dict[str, str] = {}  # batch id -> files key, of the batches loaded
        self.hits = 0  # batches taken from the cache
        self._stores: dict[str, RecordStore] = {}  # spill directory name -> its store, opened once

    def _read(self) -> dict:
        try:
            return json.loads((self.root / INDEX).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}

    def key(self, batch_dir: Path) -> str:
        k = self.keys.get(str(batch_dir))
        if k is None:
            k = self.keys[str(batch_dir)] = files_key(batch_dir, self.digests)
        return k

    def usable(self, batch_dirs: list[Path]) -> dict[str, Entry]:
        """The entries this build can take, by batch directory.  A spill directory less than half of
        whose rows are still in use is given up (its batches are parsed again, into a new one)."""
        wanted = {str(d): self.entries.get(self.key(d)) for d in batch_dirs}
        live: dict[str, int] = {}
        for e in wanted.values():
            if e is not None:
                live[e.store] = live.get(e.store, 0) + e.count
        keep = {s for s, n in live.items() if 2 * n >= self.sizes.get(s, 0) and (self.root / s).is_dir()}
        return {d: e for d, e in wanted.items() if e is not None and e.store in keep}

    def store(self, name: str) -> RecordStore:
        """The kept spill directory `name` as a store (one per directory, shared by its batches)."""
        s = self._stores.get(name)
        if s is None:
            s = self._stores[name] = RecordStore(self.root / name, kept=True)
        return s

    def records(self, e: Entry) -> SpilledRecords:
        """The records of a batch kept by an earlier build."""
        return records_at(self.store(e.store), Where(str(self.root / e.store), e.first, e.last, e.count, e.path,
                                                     e.header))

    def take(self, batch_dir: Path) -> bool:
        """Count a batch taken from the cache; True when its records' check can be skipped too (it
        passed under the same context)."""
        self.hits += 1
        return self.entries[self.key(batch_dir)].checked == self.context

    def loaded(self, batch_id: str, batch_dir: Path) -> None:
        """Batch `batch_id` was loaded from `batch_dir` (what save indexes it by)."""
        self.batch_keys[batch_id] = self.key(batch_dir)

    def recall(self, kind: str, key: str):
        """A result the last build kept under `key` (None if none); kept again by this build."""
        value = self._memo_old.get(kind, {}).get(key)
        if value is not None:
            self._here().setdefault(kind, {})[key] = value
        return value

    def keep(self, kind: str, key: str, value) -> None:
        """Keep a result (plain JSON data) for the next build."""
        self._here().setdefault(kind, {})[key] = value

    def _here(self) -> dict[str, dict]:
        """What this process used or made: a forked process of the build (a stage beside the site, the
        policy half) starts empty, so that kept() hands back its own, not the parent's again (a
        province's village totals alone are a million entries)."""
        if self._memo_pid != os.getpid():
            self._memo, self._memo_pid = {}, os.getpid()
        return self._memo

    def kept(self) -> dict[str, dict]:
        """What this build used or made so far (recall, keep), by kind."""
        return {kind: dict(values) for kind, values in self._here().items()}

    def keep_all(self, kept: dict[str, dict]) -> None:
        """`kept` of another process of this build (a forked stage)."""
        for kind, values in kept.items():
            self._here().setdefault(kind, {}).update(values)

    def new_store(self) -> RecordStore:
        """A new spill directory in the cache (not deleted at exit: the index may name it)."""
        d = self.root / f"spill-{uuid.uuid4().hex}"
        d.mkdir()
        return self.store(d.name)

    def save(self, batches) -> None:
        """After a published build: index its batches (all passed every check under this context),
        and drop every spill directory none of them is in."""
        entries: dict[str, dict] = {}
        used: set[str] = set()
        for b in batches:
            key = self.batch_keys.get(b.batch_id)
            if key is None or not isinstance(b.records, SpilledRecords):
                continue
            w = b.records.where()
            d = Path(w.directory)
            if d.parent != self.root:  # parsed into a temporary spill (not through this cache)
                continue
            entries[key] = {"store": d.name, "first": w.first, "last": w.last, "count": w.count,
                            "path": w.path, "header": list(w.header), "checked": self.context}
            used.add(d.name)
        sizes = {name: self.sizes.get(name) or _rows(self.root / name) for name in sorted(used)}
        tmp = self.root / (INDEX + ".tmp")
        tmp.write_text(json.dumps({"format": FORMAT, "batches": entries, "stores": sizes, "memo": self._memo},
                                  ensure_ascii=False),
                       encoding="utf-8")
        with open(tmp, "rb") as f:
            os.fsync(f.fileno())
        os.replace(tmp, self.root / INDEX)
        self.sizes = sizes
        for entry in self.root.iterdir():
            if entry.is_dir() and entry.name not in used:
                shutil.rmtree(entry, ignore_errors=True)


def _rows(store_dir: Path) -> int:
    conn = sqlite3.connect(f"file:{store_dir / 'records.sqlite'}?mode=ro", uri=True)
    try:
        return conn.execute("SELECT coalesce(max(id), 0) FROM records").fetchone()[0]
    finally:
        conn.close()
