"""The data version every output carries: git commit of the data + build time."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class DataVersion:
    commit: str  # full commit id, or "未提交" outside git
    built_at: dt.datetime  # timezone-aware (UTC+8)
    dirty: bool = False

    @property
    def short(self) -> str:
        return self.commit[:7] if self.commit != "未提交" else self.commit

    @property
    def label(self) -> str:
        """What posters and pages print: 2026-11-23 · a1b2c3d."""
        return f"{self.built_at.date().isoformat()} · {self.short}{'（有未提交的修改）' if self.dirty else ''}"

    def as_dict(self) -> dict:
        return {"commit": self.commit, "built_at": self.built_at.isoformat(timespec="seconds"), "dirty": self.dirty}


CST = dt.timezone(dt.timedelta(hours=8), "CST")


def build_time() -> dt.datetime:
    """Now, or SOURCE_DATE_EPOCH when set (reproducible builds and tests)."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch:
        return dt.datetime.fromtimestamp(int(epoch), CST)
    return dt.datetime.now(CST).replace(microsecond=0)


def data_version(data_dir: Path) -> DataVersion:
    def git(*args: str) -> str | None:
        try:
            out = subprocess.run(["git", "-C", str(data_dir), *args], capture_output=True, text=True, timeout=20)
        except (OSError, subprocess.TimeoutExpired):
            return None
        return out.stdout.strip() if out.returncode == 0 else None

    commit = git("rev-parse", "HEAD") or "未提交"
    dirty = bool(git("status", "--porcelain", "--", ".")) if commit != "未提交" else False
    return DataVersion(commit, build_time(), dirty)
