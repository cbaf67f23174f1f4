"""What the service refuses, in its own terms: a code and a Chinese message, no HTTP status.

The lookup and the search (service.py), the limits (ratelimit.py), the proofs (throttle.py,
cases/pow.py) and the cases domain (cases/errors.py) refuse with these kinds; lookup_api/errors.py
gives each kind its HTTP status (``STATUS``), in that one place.
"""

from __future__ import annotations


class Refusal(Exception):
    """``fields`` maps the form fields at fault to their own message (every problem of a form at
    once, for the pages' error summary); ``message`` is then the first of them.  ``challenge``: a
    fresh proof-of-work that lets the attempt through once solved."""

    def __init__(self, code: str, message: str, fields: dict[str, str] | None = None,
                 challenge: dict | None = None):
        self.code = code
        self.message = message
        self.fields = fields or {}
        self.challenge = challenge
        super().__init__(code)


class InvalidInput(Refusal):
    """What was sent cannot be taken as it is (an ID number, a name, a field of a form)."""

    @classmethod
    def combine(cls, problems: dict[str, InvalidInput]) -> InvalidInput:
        """One refusal for several fields: the first one's code and message, every field's message."""
        first = next(iter(problems.values()))
        return cls(first.code, first.message, {field: e.message for field, e in problems.items()})


class ProofRefused(InvalidInput):
    """The proof-of-work or the sum's answer is missing, wrong, stale or forged (cases/pow.py)."""


class ProofNeeded(Refusal):
    """Past a key's free budget: the attempt goes through with the proof-of-work it carries solved."""


class OverLimit(Refusal):
    """Too many attempts from one client: try again in ``retry_after`` seconds."""

    def __init__(self, code: str, message: str, retry_after: int):
        super().__init__(code, message)
        self.retry_after = retry_after


class Unavailable(Refusal):
    """A store the answer needs (the lookup database, the rate-limit storage) cannot be used now."""
