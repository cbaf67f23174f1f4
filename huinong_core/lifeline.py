"""A child process that must not outlive the process that started it: the build's forked workers
(generator/parallel.py) and the API's workers (lookup_api/server.py).  Left behind, a build's worker
would keep rendering, or block on a pipe nobody reads; an API worker would keep the port."""

from __future__ import annotations

import ctypes
import os
import threading
import time

PR_SET_PDEATHSIG = 1  # linux/prctl.h


def bind_to_parent(parent: int, sig: int, poll: float) -> bool:
    """First thing in the child: have ``sig`` sent to it the moment ``parent`` dies (Linux: prctl
    PR_SET_PDEATHSIG; elsewhere a thread looks at the parent every ``poll`` seconds).  False when the
    parent is already gone (it died before the prctl: this process has another parent), and the
    caller ends at once.  The prctl follows the *thread* that started the child, not the process:
    start children from a thread that lasts as long as they should."""
    try:
        armed = ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, sig) == 0
    except (OSError, AttributeError):
        armed = False
    if os.getppid() != parent:
        return False
    if not armed:
        threading.Thread(target=_follow, args=(parent, sig, poll), daemon=True).start()
    return True


def _follow(parent: int, sig: int, poll: float) -> None:
    while os.getppid() == parent:
        time.sleep(poll)
    os.kill(os.getpid(), sig)
