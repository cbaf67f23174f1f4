"""Work spread over forked processes, results in order (posters, village downloads, parsing, privacy gate).

Each job runs as ``fn(shared, job)``: the caller hands its workers their state.
Forking shares that state (dataset, public view, spill handles) with the
workers without pickling it: a province's public view is gigabytes, so it must
not travel with every job.  Only each job and its result travel.  The output is
the same whatever the number of processes: every job depends only on its own
inputs and the results come back in job order.

A forked process dies with the build that forked it (`_die_with`): a build
killed with SIGKILL leaves no worker behind, rendering on or blocked on a pipe
nobody reads.  Nor does a forked process hold the output's lock, which it
would otherwise share with the build (a flock belongs to the open file, and a
fork shares that): generator/writer.py gives it up in every forked child, so
not even a worker that outlives its build for a moment keeps the next build out.
"""

from __future__ import annotations

import functools
import multiprocessing as mp
import os
import signal
from collections.abc import Callable, Iterable, Iterator, Sequence

from huinong_core.lifeline import bind_to_parent

#: Fewer jobs than this run in this process (forking costs more than it saves).
MIN_JOBS = 8

# Set in a worker process only, by its pool's initializer: fn bound to the state the parent handed it
# (inherited through fork, never pickled).  The parent never sets it; a pool's workers exit with it.
_job: Callable | None = None


def _die_with(parent: int) -> None:
    """In a forked process, first thing: killed the moment the build that forked it dies, or gone at
    once if it already has (huinong_core/lifeline.py).  fork_map and fork_call are called from the
    thread that waits for their results, and a pool starts a worker again from its own thread, which
    lasts as long as the pool: the threads the prctl follows."""
    if not bind_to_parent(parent, signal.SIGKILL, 0.2):
        os._exit(1)


def _start(parent: int, fn: Callable, states: Sequence, counter) -> None:
    global _job
    _die_with(parent)
    with counter.get_lock():
        i = counter.value
        counter.value += 1
    _job = functools.partial(fn, states[i % len(states)])


def _run(job):
    return _job(job)


def fork_map(fn: Callable, jobs: Iterable, shared, workers: int | None = None, *, chunksize: int = 4,
             before_fork: Callable[[], None] | None = None, each: Callable[[int], object] | None = None,
             min_jobs: int | None = None) -> Iterator:
    """fn(shared, job) for each job, in order, in `workers` forked processes (default: one per CPU); in
    this process when there is one worker, fewer than `min_jobs` (MIN_JOBS) jobs, or no fork on this
    platform.  `each`: worker i gets each(i) as its state instead of `shared` (called here, before forking)."""
    jobs = list(jobs)
    workers = workers if workers is not None else (os.cpu_count() or 1)
    if workers <= 1 or len(jobs) < (MIN_JOBS if min_jobs is None else min_jobs) or "fork" not in mp.get_all_start_methods():
        yield from map(functools.partial(fn, each(0) if each else shared), jobs)
        return
    states = [each(i) for i in range(workers)] if each else [shared]
    if before_fork is not None:
        before_fork()
    ctx = mp.get_context("fork")
    with ctx.Pool(workers, initializer=_start,
                  initargs=(os.getpid(), fn, states, ctx.Value("i", 0))) as pool:
        yield from pool.imap(_run, jobs, chunksize=chunksize)


def fork_call(fn: Callable, *args) -> Callable[[], object]:
    """fn(*args) in one forked process, beside this one (which goes on with other work); the returned
    function waits for its result, or raises its exception.  In this process where there is no fork."""
    if "fork" not in mp.get_all_start_methods():
        result = fn(*args)
        wait = lambda: result  # noqa: E731
        wait.stop = lambda: None
        return wait
    ctx = mp.get_context("fork")
    receive, send = ctx.Pipe(duplex=False)
    parent = os.getpid()

    def child() -> None:
        _die_with(parent)
        # A daemonic process may not start a pool (fn may use fork_map): multiprocessing could not
        # clean up its children when it is terminated.  Ours die with their parent (_die_with).
        mp.current_process().daemon = False
        # Only the parent reads: with the reading end open here too, a result bigger than the pipe
        # holds would block this process for ever once the parent is gone, not fail.
        receive.close()
        try:
            outcome = (True, fn(*args))
        except BaseException as e:  # noqa: BLE001 (handed to the parent, which raises it)
            outcome = (False, e)
        try:
            send.send(outcome)
        except Exception as e:  # an exception that does not pickle: its text
            send.send((False, RuntimeError(f"{type(outcome[1]).__name__}: {outcome[1]}\n{e}")))

    process = ctx.Process(target=child, daemon=True)
    process.start()
    send.close()

    def wait():
        try:
            ok, value = receive.recv()
        except EOFError:
            process.join()
            raise RuntimeError(f"the forked process ended without a result (exit code {process.exitcode})") from None
        finally:
            receive.close()
        process.join()
        if ok:
            return value
        raise value

    def stop() -> None:
        """The caller failed before it waited: end the process (its own forked ones die with it)."""
        process.kill()
        process.join()
        receive.close()

    wait.stop = stop
    return wait
