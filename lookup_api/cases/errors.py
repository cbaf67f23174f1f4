"""What the cases domain refuses, in its own terms: a code and a Chinese message, no HTTP status.
lookup_api/errors.py gives each kind its status (``CASE_STATUS``), in that one place."""

from __future__ import annotations


class CaseError(Exception):
    """``fields`` maps the form fields at fault to their own message (every problem of a form at
    once, for the pages' error summary); ``message`` is then the first of them."""

    def __init__(self, code: str, message: str, fields: dict[str, str] | None = None):
        self.code = code
        self.message = message
        self.fields = fields or {}
        super().__init__(code)

    @classmethod
    def combine(cls, problems: dict[str, CaseError]) -> CaseError:
        """One error for several fields: the first one's code and message, every field's message."""
        first = next(iter(problems.values()))
        return cls(first.code, first.message, {field: e.message for field, e in problems.items()})


class InvalidCase(CaseError):
    """What was sent cannot be taken as it is (a field, a rating, an action)."""


class ProofRefused(InvalidCase):
    """The proof-of-work or the sum's answer is missing, wrong, stale or forged (pow.py)."""


class CaseNotFound(CaseError):
    """No such case for this 查询码 (or this staff member): an unknown 件号 is answered the same."""


class CaseConflict(CaseError):
    """The case is not in a state for this (rating before the answer, 受理 twice, …)."""


class CasesUnavailable(CaseError):
    """The cases database cannot be opened, or the lookup database lacks what the cases need."""
