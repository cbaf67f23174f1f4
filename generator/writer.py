"""All output goes through one Writer.

It refuses to write the same path twice (two stages fighting over a file is a
bug), writes into a new directory, and only switches to it when the whole
build has succeeded, so a failed build leaves the last good output untouched.

Layout: ``public`` is a symbolic link to ``.public.builds/build-XXXX``.  A
build writes a new ``build-YYYY`` beside it and switches the link with one
``rename`` (atomic on POSIX): a web server or the lookup API resolving
``public/...`` sees either the whole old build or the whole new one, never a
gap and never a mix.  A killed build leaves only an unused ``build-*``
directory, removed by the next build, which also removes the build it
superseded (kept until then so that requests in flight at the switch finish
on it); a lock file keeps two builds from running at once.  An old-style ``public`` directory is moved into
``.public.builds`` the first time (that one switch has a short gap).
"""

from __future__ import annotations

import fcntl
import os
import shutil
import tempfile
from pathlib import Path, PurePosixPath

from generator.errors import HuinongError


class WriterError(HuinongError):
    pass


def builds_dir(target: Path) -> Path:
    return target.parent / f".{target.name}.builds"


class Writer:
    def __init__(self, target: Path):
        self.target = Path(target)
        self.builds = builds_dir(self.target)
        self.builds.mkdir(parents=True, exist_ok=True)
        self._lock = open(self.builds / "lock", "a")
        try:
            fcntl.flock(self._lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            self._lock.close()
            raise WriterError(f"另一次构建正在写入 {self.target}，请等它结束后再试。") from None
        self._remove_leftovers()
        self.tmp = Path(tempfile.mkdtemp(prefix="build-", dir=self.builds))
        self.written: set[str] = set()

    def _current(self) -> Path | None:
        return self.target.resolve() if self.target.is_symlink() else None

    def _remove_leftovers(self) -> None:
        """Directories of killed or superseded builds (we hold the lock: nothing else is writing)."""
        current = self._current()
        for entry in self.builds.iterdir():
            if entry.name.startswith("build-") and entry.resolve() != current:
                shutil.rmtree(entry, ignore_errors=True)
        link = self._next_link()
        if link.is_symlink():
            link.unlink()

    def _next_link(self) -> Path:
        return self.target.with_name(f".{self.target.name}.next")

    def _release(self) -> None:
        if not self._lock.closed:
            fcntl.flock(self._lock, fcntl.LOCK_UN)
            self._lock.close()

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
        """Switch the target link to the finished build (one atomic rename)."""
        try:
            os.chmod(self.tmp, 0o755)  # mkdtemp makes it 0700; a web server user must be able to read it
            os.sync()  # the files on disk before the switch: a power cut must not leave empty files behind it
            old = self._current()
            if self.target.exists() and old is None:  # an old-style real directory: move it aside once
                old = Path(tempfile.mkdtemp(prefix="build-", dir=self.builds))
                os.rename(self.target, old / "legacy")
            link = self._next_link()
            if link.is_symlink():
                link.unlink()
            os.symlink(os.path.relpath(self.tmp, self.target.parent), link)
            os.replace(link, self.target)
            _fsync_dir(self.target.parent)
            # The superseded build stays until the next build starts (_remove_leftovers): a request
            # that resolved the link just before the switch still finds its files.
        finally:
            self._release()

    def abort(self) -> None:
        shutil.rmtree(self.tmp, ignore_errors=True)
        self._release()


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)

