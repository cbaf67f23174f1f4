"""Limits that slow the attacker, never the owner (issue 18; docs/security.md gives the reasoning).

Each key that a stranger can aim at (an ID number, a 件号, a staff username) has a free budget:
the windows of its LOOKUP_RATE_* setting.  Past the budget an attempt is not refused, which would
let anyone who knows the key lock its owner out; it needs a fresh proof-of-work instead.  Its
difficulty grows with the attempts past the budget that day (one bit more at 1, 2, 4, 8, …), up to
``max_extra`` bits over the base: a cheap phone still solves it in seconds, so the owner always gets
through, while a guesser pays for every guess.  Without JavaScript the person answers the small sum
instead; those answers count against a per-client limit (a guesser needs many addresses, the owner
has their own).  Each challenge works once.
"""

from __future__ import annotations

from dataclasses import dataclass

from lookup_api.cases.pow import Challenges
from lookup_api.ratelimit import RateLimits, over_limit
from lookup_api.refusals import ProofNeeded, ProofRefused


@dataclass(frozen=True)
class Proof:
    """What came with an attempt: a challenge and its solution (``pow``) or the sum's ``answer``."""

    challenge: str | None = None
    pow: str | None = None
    answer: str | None = None

    @classmethod
    def of(cls, data) -> "Proof":
        """From a request model or a form's fields (anything with challenge, pow and answer)."""
        get = data.get if isinstance(data, dict) else lambda k: getattr(data, k, None)
        return cls(*((get(k) or None) for k in ("challenge", "pow", "answer")))


@dataclass(frozen=True)
class Escalation:
    limits: RateLimits
    challenges: Challenges
    scope: str  # the free budget's windows in RateLimits; also names the day's tally
    base_bits: int
    max_extra: int = 4
    nojs_scope: str = "id_nojs"  # the windows for answers to the sum, per client (counted per scope)
    then: str = "再查"  # what the person does once verified, for the message

    def required_bits(self, bucket: str) -> int:
        over = self.limits.tally(self.scope + "_over", bucket)
        return self.base_bits + min(self.max_extra, over.bit_length())

    def admit(self, bucket: str, proof: Proof, client_bucket: str, message: str,
              first: tuple[str, str, str] | None = None) -> str:
        """Let one attempt on ``bucket`` through, or raise: ProofNeeded (challenge_required, with a
        challenge), ProofRefused for a bad or spent proof (with a fresh one), OverLimit when the
        no-script sum is used too often from one client.
        ``first``: a (scope, bucket, message) limit counted before this one (the client's), in the
        same round trip to Redis; OverLimit with its message when it is full.
        Returns how it got through: "budget", "pow" or "question"."""
        if proof.challenge:
            if first:
                self.limits.hit(*first)
            bits = self.required_bits(bucket)
            try:
                solved = self.challenges.verify(proof.challenge, proof.pow, proof.answer, min_bits=bits)
                if not self.limits.first_use(self.scope + "_spent", solved.nonce):
                    raise ProofRefused("challenge_used", "这道验证题已经用过了，请重新验证。")
            except ProofRefused as e:
                # Every refused proof comes with a fresh challenge: the person can try again at once.
                fields = {"answer": e.message} if e.code in ("wrong_answer", "challenge_unsolved") else None
                raise ProofRefused(e.code, e.message, fields, self.challenges.issue(bits).as_dict()) from None
            if solved.by == "question":
                self.limits.hit(self.nojs_scope, f"{self.scope}|{client_bucket}", "本设备（网络）验证次数太多，")
            self.limits.count(self.scope + "_over", bucket)
            return solved.by
        hits = [first[:2]] if first else []
        return self._budget(*self.limits.hit_first([*hits, (self.scope, bucket)]), bucket, message, first)

    async def admit_async(self, bucket: str, proof: Proof, client_bucket: str, message: str,
                          first: tuple[str, str, str] | None = None) -> str:
        """admit from the event loop: the common case (no proof, within the budget) awaits its
        count instead of blocking the loop for it (RateLimits.hit_first_async)."""
        if proof.challenge:
            return self.admit(bucket, proof, client_bucket, message, first)
        hits = [first[:2]] if first else []
        return self._budget(*await self.limits.hit_first_async([*hits, (self.scope, bucket)]), bucket, message, first)

    def _budget(self, full: int, wait: int, bucket: str, message: str, first: tuple[str, str, str] | None) -> str:
        """What the count of an attempt without a proof says: "budget", or the refusal to raise."""
        if full == -1:
            return "budget"
        if first and full == 0:
            raise over_limit(first[2], wait)
        challenge = self.challenges.issue(self.required_bits(bucket)).as_dict()
        raise ProofNeeded("challenge_required", f"{message}为防止别人冒用，请先完成验证（手机自动计算几秒钟，"
                                                f"或回答一道算术题）{self.then}。", challenge=challenge)
