"""Rate limits shared by two API processes through one real redis-server (LOOKUP_RATE_STORAGE),
with the client seen as the same address directly and through nginx (LOOKUP_TRUSTED_PROXIES)."""

from __future__ import annotations

import subprocess

from tests.deploy.stack import CLIENT_LIMIT
from tests.golden import fake_id

SHAPE = {"code", "message", "request_id"}


def body(i: int) -> dict:
    return {"id_number": fake_id("410421", "19600101", 500 + i), "name": "张三"}


def test_client_limit_is_counted_once_across_processes_and_the_proxy(stack, source):
    a, b = stack.api_ports
    with stack.client(source, port=a) as to_a, stack.client(source, port=b) as to_b, stack.client(source) as via:
        # Alternating between the two processes: each sees only half of the requests.
        codes = [(to_a if i % 2 == 0 else to_b).post("/api/v1/lookup", json=body(i)).status_code
                 for i in range(CLIENT_LIMIT)]
        assert codes == [200] * CLIENT_LIMIT
        # Per process that would be CLIENT_LIMIT/2 so far; shared, the window is full everywhere.
        over_a = to_a.post("/api/v1/lookup", json=body(10))
        over_b = to_b.post("/api/v1/lookup", json=body(11))
        # nginx (a trusted proxy) passes the same address on: the same bucket.
        over_via = via.post("/api/v1/lookup", json=body(12))
        # A forged X-Forwarded-For does not open a new bucket, directly or through nginx.
        forged = [c.post("/api/v1/lookup", json=body(13), headers={"X-Forwarded-For": "203.0.113.77"})
                  for c in (to_a, via)]
    for r in (over_a, over_b, over_via, *forged):
        assert r.status_code == 429, r.text
        assert set(r.json()) == SHAPE and "请在" in r.json()["message"]
        assert 1 <= int(r.headers["retry-after"]) <= 60


def test_other_clients_keep_their_own_budget(stack, source):
    with stack.client(source) as via:
        codes = [via.post("/api/v1/lookup", json=body(20 + i)).status_code for i in range(CLIENT_LIMIT + 1)]
    assert codes == [200] * CLIENT_LIMIT + [429]
    other = source.rsplit(".", 1)[0] + ".250"  # the `source` fixture never hands out .250
    with stack.client(other) as c:
        assert c.post("/api/v1/lookup", json=body(30)).status_code == 200


def test_redis_holds_keyed_hashes_only(stack, source):
    with stack.client(source) as c:
        assert c.post("/api/v1/lookup", json=body(40)).status_code == 200
    keys = subprocess.run(["redis-cli", "-p", str(stack.redis_port), "--scan"], capture_output=True, text=True,
                          check=True).stdout
    assert keys.strip()
    for secret in (source, body(40)["id_number"], "127.0.0.1"):
        assert secret not in keys
