"""Short check codes: the same code on a poster and on its web page shows they agree.

A code is derived from the content only (never from the build time), so an
unchanged list keeps its code across builds.  Eight characters from an
unambiguous alphabet, shown as ABCD-EFGH.
"""

from __future__ import annotations

import hashlib
from typing import Iterable


ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, 1/I


def check_code(lines: Iterable[str]) -> str:
    h = hashlib.sha256()
    for line in lines:
        h.update(line.encode("utf-8"))
        h.update(b"\n")
    return _code(h)


def _code(h) -> str:
    n = int.from_bytes(h.digest()[:5], "big")
    chars = "".join(ALPHABET[(n >> (5 * i)) & 31] for i in range(8))
    return chars[:4] + "-" + chars[4:]


def batch_lines(pb) -> list[str]:
    """Canonical content of one village's list in one batch (a PublicBatch)."""
    b = pb.batch
    head = [b.batch_id, pb.village, b.publicity_start.isoformat(), b.publicity_end.isoformat(), b.phone]
    rows = ["|".join([str(r.seq), *r.text]) for r in pb.rows]
    return ["|".join(head), *rows]


def batch_check_code(pb) -> str:
    return check_code(batch_lines(pb))


def policy_poster_lines(info) -> list[str]:
    """Canonical content of a village's 政策清单 poster (a village_info.VillageInfo)."""
    return ["|".join([info.village.code, str(info.year), info.phone]), *policy_poster_shared_lines(info)]


def policy_poster_shared_lines(info) -> list[str]:
    """Its lines after the first: the programmes, windows and banks, which a township's villages share."""
    policies = ["|".join([p.code, p.name, p.short_name, p.target, p.standard, p.timing, p.department, p.phone,
                          "是" if p.protected else "否"]) for p in info.policies]
    services = ["|".join([s.kind, s.name, s.address, s.phone, s.hours]) for s in (*info.windows, *info.banks)]
    return [*policies, *services]


def policy_poster_check_code(info, shared: bytes | None = None) -> str:
    """Shown on the 政策清单 poster and on the village page:
    ``policy_poster_check_code(VillageInfos(dataset).of(village_code, today.year))``.
    `shared`: policy_poster_shared_lines(info), each line and its newline, encoded (made once for a
    township's villages: VillageInfos.poster_check_code)."""
    if shared is None:
        return check_code(policy_poster_lines(info))
    h = hashlib.sha256("|".join([info.village.code, str(info.year), info.phone]).encode("utf-8") + b"\n")
    h.update(shared)
    return _code(h)
