"""The lookup's pipelined Redis counts (lookup_api/redis_pipe.py): the protocol, and against a real
redis-server the same counts as limits' own client, many lookups in few writes, and failing closed."""

from __future__ import annotations

import asyncio
import subprocess
import time

import pytest

from lookup_api.ratelimit import HIT_WINDOWS, RateLimits
from lookup_api.redis_pipe import INCOMPLETE, Connection, RedisPipe, RedisReplyError, command, parse
from lookup_api.refusals import Unavailable
from tests.helpers import LoopThread, start_redis, wait_listening

REPLIES = b"+OK\r\n-NOSCRIPT No matching script\r\n:-1\r\n$3\r\nabc\r\n$-1\r\n*2\r\n:0\r\n:42\r\n*0\r\n*2\r\n*1\r\n:1\r\n$0\r\n\r\n"
VALUES = ["OK", "NOSCRIPT No matching script", -1, b"abc", None, [0, 42], [], [[1], b""]]


def parse_all(buf: bytes) -> list:
    out, pos = [], 0
    while pos < len(buf):
        got = parse(buf, pos)
        if got is INCOMPLETE:
            break
        value, pos = got
        out.append(str(value) if isinstance(value, RedisReplyError) else value)
    return out


def test_replies_are_parsed_whole_or_not_at_all():
    assert parse_all(REPLIES) == VALUES
    # Cut anywhere, a reply is either complete or INCOMPLETE, never half read.
    for cut in range(len(REPLIES)):
        head = parse_all(REPLIES[:cut])
        assert head == VALUES[:len(head)]
    assert command("EVALSHA", "ab", 2, "k", b"v") == b"*5\r\n$7\r\nEVALSHA\r\n$2\r\nab\r\n$1\r\n2\r\n$1\r\nk\r\n$1\r\nv\r\n"


def test_a_connection_hands_replies_out_in_order_across_reads():
    loop = asyncio.new_event_loop()
    try:
        conn = Connection(loop, timeout=5)
        conn.transport = _Sink()
        waiters = [conn.send(b"x") for _ in VALUES]
        for i in range(0, len(REPLIES), 3):  # three bytes at a time
            conn.data_received(REPLIES[i:i + 3])
        got = [w.result() for w in waiters]
        assert [str(v) if isinstance(v, RedisReplyError) else v for v in got] == VALUES
    finally:
        loop.close()


class _Sink:
    def write(self, data):
        pass

    def abort(self):
        pass


@pytest.fixture
def redis_server(tmp_path):
    proc, port = start_redis(tmp_path)
    yield port
    proc.kill()
    proc.wait(10)


def cli(port: int, *args: str) -> str:
    return subprocess.run(["redis-cli", "-p", str(port), *args], capture_output=True, text=True, timeout=10).stdout


def test_awaited_counts_are_limits_own_counts(redis_server):
    limits = RateLimits(f"redis://127.0.0.1:{redis_server}/0", "3/minute;5/hour", "2/minute", "2/minute")

    async def run():
        assert await limits.hit_first_async([("client", "x")]) == (-1, 0)
        assert limits.hit_first([("client", "x")]) == (-1, 0)  # limits' blocking client, the same keys
        assert await limits.hit_first_async([("client", "x")]) == (-1, 0)
        full, wait = await limits.hit_first_async([("client", "x"), ("id", "i")])
        assert full == 0 and 0 < wait <= 60
        minute, hour = limits.items["client"]
        assert limits.limiter.get_window_stats(hour, "client", "x").remaining == 2
        assert limits.limiter.get_window_stats(limits.items["id"][0], "id", "i").remaining == 2  # not counted

    with LoopThread() as loop:
        loop.run(run())

    async def again():
        assert await limits.hit_first_async([("client", "other")]) == (-1, 0)

    with LoopThread() as loop:  # another event loop (another test, another worker) opens its own connection
        loop.run(again())


def test_lookups_that_arrive_together_share_writes_and_count_exactly(redis_server, monkeypatch):
    limits = RateLimits(f"redis://127.0.0.1:{redis_server}/0", "150/minute", "1000/minute", "1/minute")
    writes = []
    flush = Connection._flush

    def counted(self):
        writes.append(len(self._out))
        flush(self)

    monkeypatch.setattr(Connection, "_flush", counted)

    async def run():
        assert await limits.hit_first_async([("client", "warm-up")]) == (-1, 0)  # connected, script loaded
        writes.clear()
        return await asyncio.gather(*(limits.hit_first_async([("client", "c"), ("id", f"i{n}")]) for n in range(200)))

    with LoopThread() as loop:
        results = loop.run(run())
    assert sum(1 for full, _ in results if full == -1) == 150
    assert all(full == 0 and 0 < wait <= 60 for full, wait in results[150:])  # in order: the first 150 got through
    assert writes == [200]  # one write for them all


def test_a_flushed_script_is_sent_again_and_auth_and_db_are_used(tmp_path):
    import shutil

    from tests.helpers import free_port

    if shutil.which("redis-server") is None:
        pytest.skip("redis-server is not installed (scripts/system-deps.sh test installs it)")
    port = free_port()
    proc = subprocess.Popen(["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly",
                             "no", "--requirepass", "s3cret", "--dir", str(tmp_path)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_listening(port, 10, proc)
        pipe = RedisPipe(f"redis://:s3cret@127.0.0.1:{port}/2", HIT_WINDOWS, 0.5)

        async def run():
            assert await pipe.call(["k1"], [60, 5, 0]) == [-1, 0]
            cli(port, "-a", "s3cret", "--no-auth-warning", "SCRIPT", "FLUSH")
            assert await pipe.call(["k1"], [60, 5, 0]) == [-1, 0]  # NOSCRIPT, then EVAL

        with LoopThread() as loop:
            loop.run(run())
        assert cli(port, "-a", "s3cret", "--no-auth-warning", "-n", "2", "GET", "k1").strip() == "2"
        wrong = RedisPipe(f"redis://:wrong@127.0.0.1:{port}/0", HIT_WINDOWS, 0.5)
        with pytest.raises(RedisReplyError), LoopThread() as loop:
            loop.run(wrong.call(["k1"], [60, 5, 0]))
    finally:
        proc.kill()
        proc.wait(10)


def test_redis_gone_slow_or_back(tmp_path):
    """Fails closed, within the timeout, and works again once Redis does."""
    proc, port = start_redis(tmp_path)
    limits = RateLimits(f"redis://127.0.0.1:{port}/0", "100/minute", "100/minute", "1/minute")

    async def hit():
        return await limits.hit_first_async([("client", "c")])

    try:
        loop = LoopThread()
        assert loop.run(hit()) == (-1, 0)
        # Paused: no answer; refused after the 0.5 s timeout, not when Redis wakes up.
        cli(port, "CLIENT", "PAUSE", "3000", "ALL")
        started = time.monotonic()
        with pytest.raises(Unavailable):
            loop.run(hit())
        assert time.monotonic() - started < 2
        cli(port, "CLIENT", "UNPAUSE")
        assert loop.run(hit()) == (-1, 0)  # a new connection
        proc.kill()
        proc.wait(10)
        with pytest.raises(Unavailable):
            loop.run(hit())
        proc = subprocess.Popen(["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                                 "--appendonly", "no", "--dir", str(tmp_path)],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_listening(port, 10, proc)
        assert loop.run(hit()) == (-1, 0)
        loop.close()
    finally:
        proc.kill()
        proc.wait(10)
