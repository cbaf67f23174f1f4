"""All output goes through one Writer.

It refuses to write the same path twice (two stages fighting over a file is a
bug), writes into a temporary directory next to the target, and only swaps
that directory into place when the whole build has succeeded, so a failed
build leaves the last good output untouched.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path, PurePosixPath

from generator.errors import HuinongError


class WriterError(HuinongError):
    pass


class Writer:
    def __init__(self, target: Path):
        self.target = Path(target)
        self.target.parent.mkdir(parents=True, exist_ok=True)
        self.tmp = Path(tempfile.mkdtemp(prefix=f".{self.target.name}.", dir=self.target.parent))
        self.written: set[str] = set()

    def _path(self, rel: str) -> Path:
        pure = PurePosixPath(rel)
        if pure.is_absolute() or ".." in pure.parts:
            raise WriterError(f"输出路径不合法：{rel}")
        key = str(pure)
        if key in self.written:
            raise WriterError(f"同一输出文件被写了两次：{rel}")
        self.written.add(key)
        path = self.tmp / pure
        path.parent.mkdir(parents=True, exist_ok=True)
        return path

    def write_text(self, rel: str, text: str) -> None:
        self._path(rel).write_text(text, encoding="utf-8")

    def write_bytes(self, rel: str, data: bytes) -> None:
        self._path(rel).write_bytes(data)

    def copy(self, rel: str, source: Path) -> None:
        shutil.copyfile(source, self._path(rel))

    def path_for(self, rel: str) -> Path:
        """Claim a path for a tool that writes the file itself (SQLite, PDF)."""
        return self._path(rel)

    def adopt_tree(self, source: Path, prefix: str) -> int:
        """Move every file a tool built in `source` to `prefix/...`, claiming each path."""
        count = 0
        for path in sorted(p for p in Path(source).rglob("*") if p.is_file()):
            rel = path.relative_to(source).as_posix()
            os.replace(path, self._path(f"{prefix.rstrip('/')}/{rel}" if prefix else rel))
            count += 1
        return count

    def commit(self) -> None:
        """Swap the finished build into place."""
        os.chmod(self.tmp, 0o755)  # mkdtemp makes it 0700; a web server user must be able to read it
        old = None
        if self.target.exists():
            old = self.target.with_name(f".{self.target.name}.old")
            if old.exists():
                shutil.rmtree(old)
            os.rename(self.target, old)
        os.rename(self.tmp, self.target)
        if old is not None:
            shutil.rmtree(old)

    def abort(self) -> None:
        shutil.rmtree(self.tmp, ignore_errors=True)
