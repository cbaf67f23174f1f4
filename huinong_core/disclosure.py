"""Statistical disclosure control: which cells of a published table of counts are hidden.

A count under MIN_COUNT is hidden (primary suppression) so no small group can be singled out.
That alone is undone by subtraction wherever a total is published beside the cells: one hidden
cell is the total minus the others.  So more cells are hidden (secondary suppression), the
smallest shown first, until no hidden cell can be worked out from what is shown, and the total
too when nothing else helps.  What a reader knows is modelled exactly: the shown cells, the total,
that a cell marked “少于5” is 1–4 and that a cell marked “不公开” is at least 5.  With one equation
(the cells add up to the total) and box bounds, a hidden cell's possible values are an interval;
it is safe when that interval holds more than one value.

The site's 统计 (generator/site/stats.py), the 咨询投诉 statistics (lookup_api/cases/service.py)
and the screening summary (generator/screening.py, which publishes no totals) use this module.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from dataclasses import dataclass

MIN_COUNT = 5

#: How a hidden cell is shown: under MIN_COUNT, or hidden so the small ones cannot be worked out.
SMALL = "small"
GUARD = "guard"


@dataclass(frozen=True)
class Suppression:
    """The cells to hide (key → SMALL or GUARD) and whether the total must be hidden too."""

    hidden: Mapping[Hashable, str]
    total_hidden: bool

    def kind(self, key: Hashable) -> str | None:
        return self.hidden.get(key)


def bounds(kind: str, limit: int, minimum: int = MIN_COUNT) -> tuple[int, int]:
    """What a reader knows of a hidden cell from its label (limit: the most it could be)."""
    return (1, minimum - 1) if kind == SMALL else (minimum, limit)


def derivable(counts: Mapping[Hashable, int], hidden: Mapping[Hashable, str], minimum: int = MIN_COUNT) -> bool:
    """Can a reader who sees the other cells and the total pin down one hidden cell?"""
    if not hidden:
        return False
    rest = sum(counts.values()) - sum(n for k, n in counts.items() if k not in hidden)
    box = {k: bounds(kind, rest, minimum) for k, kind in hidden.items()}
    low, high = sum(lo for lo, _ in box.values()), sum(hi for _, hi in box.values())
    for lo, hi in box.values():
        # Given the others' bounds, this cell lies in [rest - (high - hi), rest - (low - lo)] ∩ [lo, hi].
        if max(lo, rest - (high - hi)) >= min(hi, rest - (low - lo)):
            return True
    return False


def suppress(counts: Mapping[Hashable, int], minimum: int = MIN_COUNT) -> Suppression:
    """Hide cells of one table whose cells add up to a published total (cells of 0 are not listed)."""
    hidden = {k: SMALL for k, n in counts.items() if n < minimum}
    shown = sorted((n, str(k), k) for k, n in counts.items() if k not in hidden)
    while derivable(counts, hidden, minimum) and shown:
        hidden[shown.pop(0)[2]] = GUARD
    return Suppression(hidden, derivable(counts, hidden, minimum))
