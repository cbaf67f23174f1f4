"""The audit log: one line per lookup, case submission and staff login (time, hashed client,
outcome).  Never the ID number, the name or what was written.

Written straight to its stream, not through `logging`: a record, the caller's frame and the
handler chain cost the lookup about a sixth of its time (issue 20), and a process that also
builds inherits pelican's filters, which drop repeated lines (a repeated line is still a query).
The line is the same as before: ``2026-12-06 21:30:01,123 lookup client=… outcome=…``.
"""

from __future__ import annotations

import datetime as dt
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from lookup_api.ratelimit import tag

Sink = Callable[[str], object]


def audit_sink(target: str) -> Sink:
    """Where the lines go: "-" for stderr (line-buffered when not a terminal, as Python 3.9+ makes
    it), else a file appended to, one write per line (several processes may share it)."""
    if target == "-":
        return lambda line: sys.stderr.write(line)  # sys.stderr looked up per line: tests capture it
    stream = open(target, "a", encoding="utf-8", buffering=1)  # noqa: SIM115 - open for the process's life
    return stream.write


@dataclass(frozen=True)
class Audit:
    write: Sink
    key: bytes
    _lock: threading.Lock = field(default_factory=threading.Lock, compare=False, repr=False)

    def client(self, client: str) -> str:
        """The client as the log names it: a keyed hash that changes every day."""
        return tag(self.key, "audit|" + dt.date.today().isoformat(), client)

    def _line(self, text: str) -> None:
        now = dt.datetime.now()
        # logging's asctime: local time, milliseconds after a comma.
        line = f"{now:%Y-%m-%d %H:%M:%S},{now.microsecond // 1000:03d} {text}\n"
        with self._lock:  # sync routes write from the thread pool
            self.write(line)

    def record(self, kind: str, client: str, outcome: str) -> None:
        self._line(f"{kind} client={self.client(client)} outcome={outcome}")

    def warning(self, message: str, *args) -> None:
        self._line(message % args)
