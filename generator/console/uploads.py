"""Raw exports the clerk uploaded, held in this process's memory only.

A raw export holds full ID and card numbers: it is never written to disk by the console, not to
the repository, not to a temporary file, not to a log.  It stays here, under a random id, until it
is ingested, replaced by a newer upload or the console stops; only the last few are kept.
"""

from __future__ import annotations

import secrets
import threading
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import PurePosixPath, PureWindowsPath


@dataclass(frozen=True)
class Upload:
    name: str  # the file's own name, as the browser sent it (no folder)
    data: bytes

    def __repr__(self) -> str:  # never the contents in a traceback
        return f"Upload({len(self.data)} bytes)"


def file_name(sent: str) -> str:
    """The name of an uploaded file without any folder (old browsers send C:\\…\\name.csv)."""
    return PureWindowsPath(PurePosixPath(sent or "").name).name.strip() or "导出文件"


class Uploads:
    KEEP = 4

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._items: OrderedDict[str, Upload] = OrderedDict()

    def add(self, name: str, data: bytes) -> str:
        uid = secrets.token_urlsafe(12)
        with self._lock:
            self._items[uid] = Upload(file_name(name), data)
            while len(self._items) > self.KEEP:
                self._items.popitem(last=False)
        return uid

    def get(self, uid: str) -> Upload | None:
        with self._lock:
            return self._items.get(uid)

    def drop(self, uid: str) -> None:
        with self._lock:
            self._items.pop(uid, None)
