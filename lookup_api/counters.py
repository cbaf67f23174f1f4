"""The rate limits' counters in one process (``LOOKUP_RATE_STORAGE=memory://``): a `limits` storage.

`limits`' own MemoryStorage expires its keys from a timer thread that walks every key every 10 ms.
A day's window keeps a key for every ID number looked up that day, so the walk grows with the
traffic and, holding the GIL, stalls the event loop: the lookup's p99 went from 20 to 140–190 ms
under load (issue 20).  Here each window's end goes on a heap when the window opens, and whatever
has ended is dropped on the next count: O(log n) a window, nothing in the background.
"""

from __future__ import annotations

import heapq
import threading
import time

from limits.storage import Storage


class WindowCounters(Storage):
    """Fixed-window counts: key -> (count, end of window), ended windows dropped as time passes."""

    STORAGE_SCHEME = ["huinong-memory"]

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False, **options) -> None:
        self._counts: dict[str, list] = {}  # key -> [count, window end]
        self._ends: list[tuple[float, str]] = []
        # Sync routes count from the thread pool, the lookup from the event loop.
        self._lock = threading.Lock()
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)

    @property
    def base_exceptions(self):
        return ValueError

    def _drop_ended(self, now: float) -> None:
        ends = self._ends
        while ends and ends[0][0] <= now:
            end, key = heapq.heappop(ends)
            entry = self._counts.get(key)
            if entry is not None and entry[1] == end:
                del self._counts[key]

    def _current(self, key: str, now: float) -> list | None:
        entry = self._counts.get(key)
        return entry if entry is not None and entry[1] > now else None

    def incr(self, key: str, expiry: float, amount: int = 1) -> int:
        now = time.time()
        with self._lock:
            self._drop_ended(now)
            entry = self._current(key, now)
            if entry is None:
                entry = self._counts[key] = [0, now + expiry]
                heapq.heappush(self._ends, (entry[1], key))
            entry[0] += amount
            return entry[0]

    def get(self, key: str) -> int:
        with self._lock:
            entry = self._current(key, time.time())
            return entry[0] if entry else 0

    def get_expiry(self, key: str) -> float:
        now = time.time()
        with self._lock:
            entry = self._current(key, now)
            return entry[1] if entry else now

    def check(self) -> bool:
        return True

    def reset(self) -> int | None:
        with self._lock:
            count = len(self._counts)
            self._counts.clear()
            self._ends.clear()
            return count

    def clear(self, key: str) -> None:
        with self._lock:
            self._counts.pop(key, None)

    def __len__(self) -> int:
        return len(self._counts)
