"""What the cases domain refuses, in its own terms: refusals (lookup_api/refusals.py) of its own
kinds, no HTTP status.  lookup_api/errors.py gives each kind its status (``STATUS``), in that one place."""

from __future__ import annotations

from lookup_api.refusals import InvalidInput, Refusal, Unavailable


class CaseError(Refusal):
    """A refusal of the cases domain (never raised itself: one of the kinds below)."""


class InvalidCase(CaseError, InvalidInput):
    """What was sent cannot be taken as it is (a field, a rating, an action)."""


class CaseNotFound(CaseError):
    """No such case for this 查询码 (or this staff member): an unknown 件号 is answered the same."""


class CaseConflict(CaseError):
    """The case is not in a state for this (rating before the answer, 受理 twice, …)."""


class CasesUnavailable(CaseError, Unavailable):
    """The cases database cannot be opened, or the lookup database lacks what the cases need."""
