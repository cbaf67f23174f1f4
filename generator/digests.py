"""Content digests (SHA-256) of the build's input files, kept between builds by their stat, as
git's index keeps them.

A province's data/ is 3.7 GB: hashing all of it on every build took seconds that a build
publishing one batch, or nothing new, should not spend.  A file is hashed again when its size,
mtime, ctime or inode changed.  A write always sets the ctime, which nobody but the kernel can
set back, so a changed file is not taken for the unchanged one; but a file written again within
the same tick of the file system's clock could keep all four, so an entry younger than
``RACY_NS`` when it was hashed is not kept (the next build hashes that file again).
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from pathlib import Path

FORMAT = 1
RACY_NS = 2_000_000_000


def sha256_file(path: Path | str) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


class FileDigests:
    """Digests by absolute path; `save` keeps the entries used by this build only."""

    def __init__(self, path: Path | None = None):
        self.path = path
        self._old: dict[str, list] = {}
        if path is not None:
            try:
                data = json.loads(Path(path).read_text(encoding="utf-8"))
                if data.get("format") == FORMAT:
                    self._old = data.get("files", {})
            except (OSError, ValueError):
                pass
        self._new: dict[str, list] = {}  # kept for the next build
        self._run: dict[str, list] = {}  # this build's, racy ones too

    def of(self, file: Path | str) -> str:
        """The file's SHA-256 (OSError if it cannot be read)."""
        name = os.path.abspath(file)
        st = os.stat(name)
        sig = [st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino]
        old = self._run.get(name) or self._old.get(name)
        if old is not None and old[:4] == sig:
            digest = old[4]
        else:
            digest = sha256_file(name)
        self._run[name] = sig + [digest]
        if time.time_ns() - max(st.st_mtime_ns, st.st_ctime_ns) > RACY_NS:
            self._new[name] = sig + [digest]
        return digest

    def save(self) -> None:
        """Atomically (a kept digest is only ever a fact about a file's bytes, whichever build wrote it)."""
        if self.path is None:
            return
        tmp = Path(f"{self.path}.{os.getpid()}.tmp")
        try:
            tmp.write_text(json.dumps({"format": FORMAT, "files": self._new}), encoding="utf-8")
            os.replace(tmp, self.path)
        except OSError:  # a full disk: the next build hashes again, nothing is wrong
            tmp.unlink(missing_ok=True)
