"""Processes as Linux's /proc shows them, for tests that kill a build and look at what it forked."""

from __future__ import annotations

import os
import time


def _stat(pid: int) -> list[str] | None:
    """The fields of /proc/<pid>/stat after the command name (state, ppid, ...), or None: no such process."""
    try:
        with open(f"/proc/{pid}/stat", encoding="utf-8", errors="replace") as f:
            return f.read().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None


def alive(pid: int) -> bool:
    """Running, or able to run: not gone and not a zombie (a killed orphan may wait for a reaper that
    does not reap, as in some containers: it holds nothing any more)."""
    stat = _stat(pid)
    return stat is not None and stat[0] not in ("Z", "X")


def forked_children(pid: int) -> list[int]:
    """The live children of pid that run its program (forked, not a fork that went on to exec)."""
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            cmdline = f.read()
    except OSError:
        return []
    out = []
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        stat = _stat(int(name))
        if stat is None or stat[1] != str(pid) or stat[0] in ("Z", "X"):
            continue
        try:
            with open(f"/proc/{name}/cmdline", "rb") as f:
                if f.read() == cmdline:
                    out.append(int(name))
        except OSError:
            continue
    return sorted(out)


def holds(pid: int, path: str) -> bool:
    """Whether any descriptor of process pid is the file at path."""
    try:
        fds = os.listdir(f"/proc/{pid}/fd")
    except OSError:
        return False
    for fd in fds:
        try:
            if os.readlink(f"/proc/{pid}/fd/{fd}") == path:
                return True
        except OSError:
            continue
    return False


def still_alive_after(pids: list[int], seconds: float) -> list[int]:
    """Those of pids still alive once `seconds` have passed (returns early when none is)."""
    deadline = time.monotonic() + seconds
    while True:
        left = [p for p in pids if alive(p)]
        if not left or time.monotonic() > deadline:
            return left
        time.sleep(0.01)
