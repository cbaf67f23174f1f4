"""The in-process rate-limit counters (lookup_api/counters.py) under `limits`' fixed-window strategy."""

from __future__ import annotations

import threading
import time

import pytest
from limits import parse
from limits.strategies import FixedWindowRateLimiter

from lookup_api.counters import WindowCounters
from lookup_api.ratelimit import RateLimits, is_shared


def test_fixed_windows_count_refuse_and_reopen():
    counters = WindowCounters()
    limiter = FixedWindowRateLimiter(counters)
    item = parse("3/second")
    assert [limiter.hit(item, "id", "a") for _ in range(4)] == [True, True, True, False]
    assert limiter.hit(item, "id", "b")  # another key has its own window
    stats = limiter.get_window_stats(item, "id", "a")
    assert stats.remaining == 0 and time.time() < stats.reset_time <= time.time() + 1
    time.sleep(1.05)
    assert limiter.hit(item, "id", "a") and limiter.get_window_stats(item, "id", "a").remaining == 2


def test_ended_windows_are_dropped_without_a_thread():
    threads = threading.active_count()
    counters = WindowCounters()
    for i in range(1000):  # windows long enough that none ends while they are counted on a loaded machine
        counters.incr(f"k{i}", 1.0)
    assert len(counters) == 1000 and threading.active_count() == threads
    time.sleep(1.1)
    counters.incr("fresh", 60)  # a count drops what has ended
    assert len(counters) == 1 and counters.get("k1") == 0 and counters.get("fresh") == 1


def test_a_window_reopened_after_its_end_is_not_dropped_by_the_old_end():
    counters = WindowCounters()
    counters.incr("k", 0.05)
    time.sleep(0.1)
    assert counters.incr("k", 60) == 1  # a new window: counting starts again
    counters.incr("other", 60)  # pops k's old end from the heap
    assert counters.get("k") == 1


def test_memory_limits_use_the_counters_and_redis_is_shared():
    memory = RateLimits("memory://", "2/minute", "2/minute", "2/minute")
    assert isinstance(memory.storage, WindowCounters) and not is_shared("memory://")
    assert memory.try_hit("client", "x") == 0 and memory.try_hit("client", "x") == 0
    assert 0 < memory.try_hit("client", "x") <= 60
    redis = RateLimits("redis://127.0.0.1:1/0", "2/minute", "2/minute", "2/minute")
    assert is_shared("redis://127.0.0.1:1/0") and not isinstance(redis.storage, WindowCounters)
    # Counted on the event loop: a Redis that does not answer fails closed after a short wait.
    kwargs = redis.storage.get_connection().connection_pool.connection_kwargs
    assert kwargs["socket_timeout"] == 0.5 and kwargs["socket_connect_timeout"] == 0.5


def test_redis_windows_in_one_script_agree_with_limits(tmp_path):
    """RateLimits counts a scope's windows in Redis with one script; limits' own reading of the same
    keys (get_window_stats, as the tallies use) sees the same counts."""
    from tests.helpers import start_redis

    proc, port = start_redis(tmp_path)
    try:
        limits = RateLimits(f"redis://127.0.0.1:{port}/0", "3/minute;5/hour", "2/minute", "2/minute")
        assert limits._hit_windows is not None
        assert [limits.try_hit("client", "x") for _ in range(3)] == [0, 0, 0]
        wait = limits.try_hit("client", "x")  # the minute's window is full
        assert 0 < wait <= 60
        minute, hour = limits.items["client"]
        assert limits.limiter.get_window_stats(minute, "client", "x").remaining == 0
        # The refused attempt stopped at the full window: the hour counted 3, not 4.
        assert limits.limiter.get_window_stats(hour, "client", "x").remaining == 2
        assert limits.try_hit("client", "y") == 0  # another bucket
        limits.storage.get_connection().flushall()
        assert limits.try_hit("client", "x") == 0
    finally:
        proc.kill()
        proc.wait(10)


@pytest.mark.parametrize("storage", ["memory", "redis"])
def test_several_scopes_counted_in_turn_stop_at_the_first_full(tmp_path, storage):
    """The lookup counts the client's limit, then the ID's, in one call (one round trip to Redis):
    a full client window stops it there, and the ID is not counted for that attempt."""
    from tests.helpers import start_redis

    proc = None
    uri = "memory://"
    if storage == "redis":
        proc, port = start_redis(tmp_path)
        uri = f"redis://127.0.0.1:{port}/0"
    try:
        limits = RateLimits(uri, "2/minute", "3/minute", "1/minute")
        both = [("client", "c"), ("id", "i")]
        assert limits.hit_first(both) == (-1, 0) and limits.hit_first(both) == (-1, 0)
        full, wait = limits.hit_first(both)
        assert full == 0 and 0 < wait <= 60  # the client's window is full
        assert limits.hit_first([("id", "i")]) == (-1, 0)  # the ID had counted 2, not 3
        full, wait = limits.hit_first([("id", "i")])
        assert full == 0 and 0 < wait <= 60
    finally:
        if proc is not None:
            proc.kill()
            proc.wait(10)
