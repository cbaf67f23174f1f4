"""A self-hosted proof-of-work for the case form, and its no-JavaScript fallback.

``GET /api/v1/cases/challenge`` (and every form page) hands out a challenge
signed with the server key: ``nonce.expiry.bits.answer_tag.mac``.  A script
finds a ``counter`` such that SHA-256(challenge + ":" + counter) starts with
``bits`` zero bits (about 2**bits tries: a second or two on a cheap phone at
the default 17) and sends both.  A person without JavaScript answers the small
sum printed beside the form instead; those submissions count against a
stricter rate limit (``LOOKUP_RATE_CASES_NOJS``), so the fallback is not the
cheap way in.  Each challenge works once (``spent_challenges``) and for ten
minutes; no third party is involved.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass

from lookup_api.refusals import ProofRefused
from lookup_api.inputs import ascii_int

TTL = 600


@dataclass(frozen=True)
class Challenge:
    token: str
    bits: int
    question: str
    expires: int

    def as_dict(self) -> dict:
        return {"challenge": self.token, "bits": self.bits, "question": self.question,
                "expires_in": max(0, self.expires - int(time.time()))}


@dataclass(frozen=True)
class Solved:
    nonce: str
    expires: int
    by: str  # "pow" or "question"


def leading_zero_bits(digest: bytes) -> int:
    n = 0
    for byte in digest:
        if byte == 0:
            n += 8
            continue
        return n + 8 - byte.bit_length()
    return n


def solve(token: str, bits: int) -> str:
    """What the browser script does (used by tests and API clients written in Python)."""
    counter = 0
    while leading_zero_bits(hashlib.sha256(f"{token}:{counter}".encode()).digest()) < bits:
        counter += 1
    return str(counter)


class Challenges:
    def __init__(self, key: bytes, bits: int):
        self._key = key
        self.bits = bits

    def _mac(self, text: str, n: int = 32) -> str:
        return hmac.new(self._key, f"pow|{text}".encode("utf-8", "surrogatepass"), hashlib.sha256).hexdigest()[:n]

    def issue(self, bits: int | None = None) -> Challenge:
        """A fresh challenge; ``bits``: a harder one than the default (the lookup past its budget)."""
        bits = self.bits if bits is None else bits
        nonce = secrets.token_hex(8)
        expires = int(time.time()) + TTL
        a, b = secrets.randbelow(8) + 2, secrets.randbelow(8) + 1
        answer_tag = self._mac(f"answer|{nonce}|{a + b}", 16)
        payload = f"{nonce}.{expires}.{bits}.{answer_tag}"
        return Challenge(f"{payload}.{self._mac(payload)}", bits, f"{a} 加 {b} 等于几？", expires)

    def works(self, token: str, counter: str | None) -> bool:
        """Is ``counter`` a solution of ``token``'s puzzle (signature checked later, by verify)?"""
        parts = (token or "").split(".")
        bits = ascii_int(parts[2], 3) if len(parts) == 5 else None
        if not counter or len(counter) > 20 or bits is None:
            return False
        digest = hashlib.sha256(f"{token}:{counter.strip()}".encode("utf-8", "surrogatepass")).digest()
        return leading_zero_bits(digest) >= bits

    def verify(self, token: str, counter: str | None, answer: str | None, min_bits: int | None = None) -> Solved:
        """The challenge is genuine, fresh and solved, by work (of at least ``min_bits``, the default
        difficulty unless given) or by the sum; ProofRefused otherwise."""
        parts = (token or "").split(".")
        if len(parts) != 5 or not hmac.compare_digest(self._mac(".".join(parts[:4])), parts[4]):
            raise ProofRefused("invalid_challenge", "表单已失效，请重新打开页面再提交。")
        nonce, expires_text, bits_text, answer_tag, _ = parts
        expires, bits = ascii_int(expires_text, 12) or 0, ascii_int(bits_text, 3) or 0
        if expires < time.time():
            raise ProofRefused("challenge_expired", "表单打开太久已失效（超过10分钟），请重新打开页面再提交。"
                                                     "您填写的内容请先复制保存。")
        if bits >= (self.bits if min_bits is None else min_bits) and self.works(token, counter):
            return Solved(nonce, expires, "pow")
        if answer is not None and answer.strip():
            # NFKC makes full-width digits ASCII; "²" and "①" are digits to isdigit() but not numbers.
            number = ascii_int(answer, 3)
            if number is not None and hmac.compare_digest(self._mac(f"answer|{nonce}|{number}", 16), answer_tag):
                return Solved(nonce, expires, "question")
            raise ProofRefused("wrong_answer", "验证题答错了，请重新计算后填写数字。")
        raise ProofRefused("challenge_unsolved", "请填写验证题的答案（数字）。")
