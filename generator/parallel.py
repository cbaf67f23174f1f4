"""Work spread over forked processes, results in order (posters, village downloads).

Forking shares the build's state (dataset, public view, spill handles) with
the workers without pickling it; only each job and its result travel.  The
output is the same whatever the number of processes: every job depends only
on its own inputs and the results come back in job order.
"""

from __future__ import annotations

import multiprocessing as mp
import os
from collections.abc import Callable, Iterable, Iterator

_STATE: dict = {}
#: Fewer jobs than this run in this process (forking costs more than it saves).
MIN_JOBS = 8


def state() -> dict:
    """In a job: what the caller of fork_map passed as `shared`."""
    return _STATE


def fork_map(fn: Callable, jobs: Iterable, shared: dict, workers: int | None = None, *,
             chunksize: int = 4, before_fork: Callable[[], None] | None = None) -> Iterator:
    """fn(job) for each job, in order, in `workers` forked processes (default: one per CPU); in this
    process when there is one worker, fewer than MIN_JOBS jobs, or no fork on this platform."""
    jobs = list(jobs)
    _STATE.update(shared)
    workers = workers if workers is not None else (os.cpu_count() or 1)
    try:
        if workers <= 1 or len(jobs) < MIN_JOBS or "fork" not in mp.get_all_start_methods():
            yield from map(fn, jobs)
            return
        if before_fork is not None:
            before_fork()
        with mp.get_context("fork").Pool(workers) as pool:
            yield from pool.imap(fn, jobs, chunksize=chunksize)
    finally:
        _STATE.clear()
