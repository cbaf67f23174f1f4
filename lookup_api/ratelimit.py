"""Rate limits with `limits`: per client IP and per queried ID number.

Storage is memory by default (one process: counters.WindowCounters) and Redis when
``LOOKUP_RATE_STORAGE=redis://...`` (several processes or hosts share it).
Keys are keyed hashes, never an IP address or ID number in clear.  If the
storage fails the lookup fails closed (503) rather than running unlimited.
"""

from __future__ import annotations

import contextlib
import functools
import hmac
import ipaddress
import math
import time

from limits import parse, parse_many
from limits.storage import RedisStorage, storage_from_string
from limits.strategies import FixedWindowRateLimiter

from lookup_api.counters import WindowCounters
from lookup_api.redis_pipe import RedisPipe
from lookup_api.refusals import OverLimit, Refusal, Unavailable


def tag(key: bytes, purpose: str, value: str) -> str:
    """A keyed hash for one purpose (rate-limit buckets, audit log): not linkable to 查询键/人员键."""
    mac = _keyed(key).copy()  # the key's pads hashed once, not on each of a lookup's three tags
    mac.update(f"{purpose}|{value}".encode("utf-8", "surrogatepass"))
    return mac.hexdigest()[:24]


@functools.lru_cache(maxsize=4)
def _keyed(key: bytes) -> hmac.HMAC:
    return hmac.new(key, digestmod="sha256")


def client_ip(peer: str | None, forwarded_for: str | None, trusted: list) -> str:
    """The client's address: X-Forwarded-For is believed only when it comes through trusted proxies."""
    def is_trusted(addr: str) -> bool:
        try:
            ip = ipaddress.ip_address(addr)
        except ValueError:
            return False
        return any(ip in net for net in trusted)

    ip = peer or "unknown"
    if not trusted or not forwarded_for or not is_trusted(ip):
        return ip
    for hop in reversed([h.strip() for h in forwarded_for.split(",") if h.strip()]):
        try:
            ipaddress.ip_address(hop)
        except ValueError:
            break  # garbage from the client side: stop at the last address we can vouch for
        ip = hop
        if not is_trusted(hop):
            break
    return ip


@functools.lru_cache(maxsize=65536)  # a pure function of the address, asked on every request
def client_bucket(ip: str) -> str:
    """What a per-client limit counts: an IPv4 address, or an IPv6 client's /64.

    One IPv6 subscriber gets a whole /64 (often a /56), so counting single addresses would give
    them 2**64 buckets; an IPv4-mapped address counts as the IPv4 address it is."""
    try:
        addr = ipaddress.ip_address(ip)
    except ValueError:
        return ip
    if addr.version == 6:
        if addr.ipv4_mapped:
            return str(addr.ipv4_mapped)
        return str(ipaddress.ip_network(f"{addr}/64", strict=False))
    return str(addr)


#: The lookup counts on the event loop, Redis too (issue 20: a thread-pool hop per lookup cost a third of
#: the throughput): a Redis that does not answer within this fails the request closed (503) instead of
#: holding the worker.  Options in the URI (``?socket_timeout=2``) win.
REDIS_OPTIONS = {"socket_timeout": 0.5, "socket_connect_timeout": 0.5}


def is_shared(storage_uri: str) -> bool:
    """Counted outside the process (Redis), so every worker and replica sees the same counts."""
    return not storage_uri.startswith("memory://")


class RateLimits:
    def __init__(self, storage_uri: str, client: str, per_id: str, search: str, **more: str):
        self.storage = WindowCounters() if not is_shared(storage_uri) else storage_from_string(
            storage_uri, **(REDIS_OPTIONS if storage_uri.startswith(("redis", "valkey")) else {}))
        # Redis: all the windows of a scope counted in one round trip, not one each.
        self._hit_windows = (self.storage.get_connection().register_script(HIT_WINDOWS)
                             if type(self.storage) is RedisStorage else None)
        # The lookup's own counts, from the event loop: pipelined, never blocking it (redis_pipe.py).
        self._pipe = (RedisPipe(storage_uri, HIT_WINDOWS, REDIS_OPTIONS["socket_timeout"])
                      if self._hit_windows is not None else None)
        self.limiter = FixedWindowRateLimiter(self.storage)
        self._templates: dict[str, list[tuple[str, str, int, int]]] = {}
        self.items = {"client": parse_many(client), "id": parse_many(per_id), "search": parse_many(search),
                      **{scope: parse_many(spec) for scope, spec in more.items()}}

    def hit(self, scope: str, bucket: str, message: str) -> None:
        """Count one request in every window of ``scope``; OverLimit (with the wait) when one is full."""
        wait = self.try_hit(scope, bucket)
        if wait:
            raise over_limit(message, wait)

    async def hit_async(self, scope: str, bucket: str, message: str) -> None:
        """hit from the event loop (hit_first_async)."""
        wait = (await self.hit_first_async([(scope, bucket)]))[1]
        if wait:
            raise over_limit(message, wait)

    def try_hit(self, scope: str, bucket: str) -> int:
        """Count one request in every window of ``scope``: 0 when all had room, else the seconds
        until the full one has room again."""
        return self.hit_first([(scope, bucket)])[1]

    def hit_first(self, hits: list[tuple[str, str]]) -> tuple[int, int]:
        """Count one request in every window of each (scope, bucket) in turn, stopping at the first
        full window: (its scope's index in ``hits``, seconds until it has room), or (-1, 0).  In
        Redis one round trip for them all."""
        with _fail_closed():
            if self._hit_windows is not None:
                index, wait = self._hit_windows(*self._script_args(hits))
                return int(index), int(wait)
            # FixedWindowRateLimiter.hit, with the keys made from templates.
            for n, (scope, bucket) in enumerate(hits):
                for head, tail, seconds, amount in self._windows(scope):
                    key = head + bucket + tail
                    if self.storage.incr(key, seconds) > amount:
                        return n, max(1, math.ceil(self.storage.get_expiry(key) - time.time()))
        return -1, 0

    async def hit_first_async(self, hits: list[tuple[str, str]]) -> tuple[int, int]:
        """hit_first from the event loop: in Redis the round trip is awaited (and shared with the
        lookups that arrive together); in memory there is nothing to wait for."""
        if self._pipe is None:
            return self.hit_first(hits)
        with _fail_closed():
            index, wait = await self._pipe.call(*self._script_args(hits))
            return int(index), int(wait)

    def _script_args(self, hits: list[tuple[str, str]]) -> tuple[list[str], list]:
        """HIT_WINDOWS' keys and arguments for ``hits``."""
        keys, args = [], []
        for n, (scope, bucket) in enumerate(hits):
            for head, tail, seconds, amount in self._windows(scope):
                keys.append(head + bucket + tail)
                args += [seconds, amount, n]
        return keys, args

    def _windows(self, scope: str) -> list[tuple[str, str, int, int]]:
        """Each window of ``scope``: its key around the bucket (limits' own key, RateLimitItem.key_for,
        prefixed as the storage stores it), its length in seconds and its limit; made once, not on
        every count (limits builds a key from six strings)."""
        windows = self._templates.get(scope)
        if windows is None:
            lead = self.storage.prefixed_key("") if self._hit_windows is not None else ""
            windows = []
            for item in self.items[scope]:
                head, tail = item.key_for(scope, "\0").split("\0")
                windows.append((lead + head, tail, item.get_expiry(), item.amount))
            self._templates[scope] = windows
        return windows

    def count(self, scope: str, bucket: str) -> int:
        """Add one to a day's tally of ``bucket`` (no limit) and return the new tally."""
        with _fail_closed():
            self.limiter.hit(TALLY, scope, bucket)
            return TALLY.amount - self.limiter.get_window_stats(TALLY, scope, bucket).remaining

    def tally(self, scope: str, bucket: str) -> int:
        """The day's tally of ``bucket`` so far."""
        with _fail_closed():
            return TALLY.amount - self.limiter.get_window_stats(TALLY, scope, bucket).remaining

    def first_use(self, scope: str, token: str) -> bool:
        """True the first time ``token`` is seen within an hour (one-shot challenges)."""
        with _fail_closed():
            return self.limiter.hit(ONCE, scope, token)

    def healthy(self) -> bool:
        try:
            return bool(self.storage.check())
        except Exception:
            return False


#: FixedWindowRateLimiter.hit over windows in turn, stopping at the first that is full, in one script:
#: the keys and counts are limits' own (its incr_expire.lua), so its other calls see them.  KEYS[i]: a
#: window's key; ARGV[3i-2], ARGV[3i-1], ARGV[3i]: its length in seconds, its limit, its scope's index.
#: Returns {index, seconds until the full window ends}, or {-1, 0}.
HIT_WINDOWS = """
for i, key in ipairs(KEYS) do
    local current = redis.call("incrby", key, 1)
    if current == 1 then
        redis.call("expire", key, ARGV[3 * i - 2])
    end
    if current > tonumber(ARGV[3 * i - 1]) then
        return {tonumber(ARGV[3 * i]), math.max(redis.call("ttl", key), 1)}
    end
end
return {-1, 0}
"""

#: A day's count with no real limit, and one use an hour (challenges live ten minutes).
TALLY = parse("1000000000/day")
ONCE = parse("1/hour")


@contextlib.contextmanager
def _fail_closed():
    """Storage down: refuse (Unavailable) rather than run without limits."""
    try:
        yield
    except Refusal:
        raise
    except Exception:
        raise Unavailable("rate_limit_unavailable", "查询服务暂时不可用，请稍后再试。") from None


def over_limit(message: str, wait: int) -> OverLimit:
    """The refusal of a full window: what was too often, and when to try again."""
    return OverLimit("rate_limited", f"{message}请在{_duration(wait)}后再试。", wait)


def _duration(seconds: int) -> str:
    if seconds < 60:
        return f"{seconds}秒"
    if seconds < 3600:
        return f"{math.ceil(seconds / 60)}分钟"
    return f"{math.ceil(seconds / 3600)}小时"
