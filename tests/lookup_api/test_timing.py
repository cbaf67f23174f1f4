"""A wrong name for a real ID and an unknown ID must take the same time (issue 18): otherwise the
time of the answer says whether an ID is in the data.  500 of each, interleaved at random, over
real HTTP; two-sided Mann-Whitney U test (normal approximation, ties corrected)."""

from __future__ import annotations

import math
import random
import time

import pytest

from tests.golden import fake_id
from tests.lookup_api.server import settings_for

pytestmark = pytest.mark.slow
N = 500
#: A real leak gives p near 0 at n = 500; 0.001 keeps false alarms to one run in a thousand
#: (the issue's figure is p > 0.05; the test prints the medians and the p-value: run it with -s).
ALPHA = 0.001


def mann_whitney_p(a: list[float], b: list[float]) -> float:
    """Two-sided p-value of the Mann-Whitney U test, normal approximation with tie correction."""
    pooled = sorted([(x, 0) for x in a] + [(x, 1) for x in b])
    ranks = [0.0] * len(pooled)
    ties = 0.0
    i = 0
    while i < len(pooled):
        j = i
        while j + 1 < len(pooled) and pooled[j + 1][0] == pooled[i][0]:
            j += 1
        for k in range(i, j + 1):
            ranks[k] = (i + j) / 2 + 1
        t = j - i + 1
        ties += t ** 3 - t
        i = j + 1
    n1, n2 = len(a), len(b)
    r1 = sum(r for r, (_, g) in zip(ranks, pooled) if g == 0)
    u = r1 - n1 * (n1 + 1) / 2
    n = n1 + n2
    sigma = math.sqrt(n1 * n2 / 12 * ((n + 1) - ties / (n * (n - 1))))
    z = (u - n1 * n2 / 2) / sigma
    return math.erfc(abs(z) / math.sqrt(2))


def test_mann_whitney_sees_a_real_difference():
    rng = random.Random(1)
    same = mann_whitney_p([rng.gauss(1, 0.1) for _ in range(N)], [rng.gauss(1, 0.1) for _ in range(N)])
    shifted = mann_whitney_p([rng.gauss(1, 0.1) for _ in range(N)], [rng.gauss(1.03, 0.1) for _ in range(N)])
    assert same > ALPHA and shifted < ALPHA
    # Fully separated 3 + 3: U = 0, z = -4.5 / sqrt(5.25), p = 0.0495 (the normal approximation's value).
    assert abs(mann_whitney_p([1, 2, 3], [4, 5, 6]) - 0.0495) < 0.0005


#: Both kinds use many keys: a single (ID, name) pair repeated 500 times is served from warm caches
#: (its index pages, its counter) and once measured 12 µs faster than 97 unknown IDs, a difference of
#: the test, not of the lookup (an attacker asks each ID once).
WRONG_NAMES = ["王某某", "李某某", "张某某", "刘某某", "陈某某", "杨某某", "赵某某"]


def timings(server, known: list[str], n: int = N) -> tuple[list[float], list[float]]:
    rng = random.Random()
    kinds = ["wrong_name"] * n + ["unknown_id"] * n
    rng.shuffle(kinds)
    out: dict[str, list[float]] = {"wrong_name": [], "unknown_id": []}
    with server.client() as c:
        c.post("/api/v1/lookup", json={"id_number": known[0], "name": "预热"})  # warm up
        for i, kind in enumerate(kinds):
            if kind == "wrong_name":
                id_number = known[i % len(known)]
            else:
                id_number = fake_id("410421", "19580101", 900 + i % min(97, len(known)))
            name = WRONG_NAMES[i % len(WRONG_NAMES)]
            started = time.perf_counter()
            r = c.post("/api/v1/lookup", json={"id_number": id_number, "name": name})
            out[kind].append(time.perf_counter() - started)
            assert r.status_code == 200 and r.json()["found"] is False
    return out["wrong_name"], out["unknown_id"]


def test_a_wrong_name_and_an_unknown_id_take_the_same_time(live, sample_db, dibao_people):
    settings = settings_for(sample_db, rate_client="100000/minute", rate_id="100000/minute")
    with live(settings) as server:
        known = sorted({p.id18 for p, _row in dibao_people})[:97]
        assert len(known) >= 50
        wrong, unknown = timings(server, known)
    p = mann_whitney_p(wrong, unknown)
    print(f"median wrong name {sorted(wrong)[N // 2] * 1000:.3f} ms, unknown ID {sorted(unknown)[N // 2] * 1000:.3f} ms, "
          f"p = {p:.3f}")
    assert p > ALPHA
