"""The data version every output carries: git commit of the data + build time."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from huinong_core.git import git_or_none


@dataclass(frozen=True)
class DataVersion:
    commit: str  # full commit id, or "未提交" outside git
    built_at: dt.datetime  # timezone-aware (UTC+8); for InputVersions.of(): the commit's time
    dirty: bool = False
    committed: bool = False  # built_at is the time of the commit, not of the build

    @property
    def stamp(self) -> int:
        """Seconds since the epoch, for timestamps inside files (XLSX, feeds)."""
        return int(self.built_at.timestamp())

    @property
    def short(self) -> str:
        return self.commit[:7] if self.commit != "未提交" else self.commit

    @property
    def label(self) -> str:
        """What posters and pages print: 2026-11-23 · a1b2c3d (the date of the commit, or of the build outside git)."""
        return f"{self.built_at.date().isoformat()} · {self.short}{'（有未提交的修改）' if self.dirty else ''}"

    def as_dict(self) -> dict:
        when = "committed_at" if self.committed else "built_at"
        return {"commit": self.commit, when: self.built_at.isoformat(timespec="seconds"), "dirty": self.dirty}

    def as_meta(self) -> dict[str, str]:
        """The build's version as the lookup database's meta table keeps it (text); ``from_meta`` reads it back."""
        return {"commit": self.commit, "built_at": self.built_at.isoformat(timespec="seconds"),
                "dirty": "true" if self.dirty else "false", "label": self.label}

    @classmethod
    def from_meta(cls, meta: Mapping[str, str]) -> DataVersion:
        """KeyError or ValueError for a meta table without a readable version."""
        return cls(meta["commit"], dt.datetime.fromisoformat(meta["built_at"]), meta["dirty"] == "true")


CST = dt.timezone(dt.timedelta(hours=8), "CST")


def build_time() -> dt.datetime:
    """Now, or SOURCE_DATE_EPOCH when set (reproducible builds and tests)."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch:
        return dt.datetime.fromtimestamp(int(epoch), CST)
    return dt.datetime.now(CST).replace(microsecond=0)


def data_version(data_dir: Path) -> DataVersion:
    def git(*args: str) -> str:
        return (git_or_none(data_dir, *args, timeout=20) or "").strip()

    commit = git("rev-parse", "HEAD") or "未提交"
    dirty = bool(git("status", "--porcelain", "--", ".")) if commit != "未提交" else False
    return DataVersion(commit, build_time(), dirty)


class InputVersions:
    """Which commit last changed each input of the build, so every output can carry its own version.

    Inputs come in three kinds, keyed by what the outputs depend on: ``base``
    (everything under data/ except payments and notices: site, regions,
    policies, documents, procedures, services), one key per payment batch
    (``batch:<批次号>``) and one per notice (``notice:<slug>``).  A village page
    then says which commit last changed its own batches, not the commit of the
    whole build: a new batch elsewhere leaves its bytes alone, and an
    incremental build (and an rsync upload) skips it.  Outside git every output
    carries the build's own version, as before.
    """

    def __init__(self, data_dir: Path, fallback: DataVersion):
        self.fallback = fallback
        self.latest: dict[str, tuple[int, str, int]] = {}  # key -> (place in git log, newest first; commit; time)
        self.dirty: set[str] = set()
        self.in_git = fallback.commit != "未提交"
        if self.in_git:
            self._read(Path(data_dir))

    @staticmethod
    def key_of(rel: str) -> str:
        parts = rel.split("/")
        if len(parts) >= 3 and parts[0] == "payments":
            return f"batch:{parts[2]}"
        if len(parts) == 2 and parts[0] == "notices" and parts[1].endswith(".md"):
            return f"notice:{parts[1][:-3]}"
        return "base"

    def _read(self, data_dir: Path) -> None:
        def git(*args: str) -> str:
            return git_or_none(data_dir, *args) or ""

        commit: tuple = ()
        place = 0
        for line in git("log", "--relative", "--no-renames", "--name-only", "--format=%x1e%H %ct", "--", ".").split("\n"):
            if line.startswith("\x1e"):
                sha, _, ts = line[1:].partition(" ")
                commit, place = (place, sha, int(ts)), place + 1
            elif line and commit:
                self.latest.setdefault(self.key_of(line), commit)
        prefix = git("rev-parse", "--show-prefix").strip()
        for entry in git("status", "--porcelain=v1", "-z", "--untracked-files=all", "--", ".").split("\0"):
            path = entry[3:]
            if len(entry) > 3 and path.startswith(prefix):
                self.dirty.add(self.key_of(path[len(prefix):]))

    def of(self, batches=(), notices=(), *, base: bool = True, everything: bool = False) -> DataVersion:
        """The version of an output made from these batches (ids) and notices (slugs), plus the base files."""
        if not self.in_git:
            return self.fallback
        if everything:
            keys = list(self.latest) + list(self.dirty)
        else:
            keys = (["base"] if base else []) + [f"batch:{b}" for b in batches] + [f"notice:{n}" for n in notices]
        found = [self.latest[k] for k in keys if k in self.latest]
        if not found:
            return self.fallback
        _, sha, ts = min(found)  # the newest in git's order (commit times may tie or go backwards)
        return DataVersion(sha, dt.datetime.fromtimestamp(ts, CST), any(k in self.dirty for k in keys), committed=True)
