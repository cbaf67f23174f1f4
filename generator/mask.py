"""Masking rules: the one place that decides what of a person may be shown.

Everything public (site, posters, feeds, API) and every staff report that
mentions a person goes through these functions.
"""

from __future__ import annotations

from huinong_core.normalize import normalize_name


def mask_name(name: str) -> str:
    """Keep the first character and, from three characters on, the last.

    张三 → 张*, 张小三 → 张*三, 欧阳晓明 → 欧**明.  Works on code points,
    so rare characters outside the BMP (𠮷) count as one.
    """
    name = normalize_name(name)
    n = len(name)
    if n == 0:
        return ""
    if n == 1:
        return "*"
    if n == 2:
        return name[0] + "*"
    return name[0] + "*" * (n - 2) + name[-1]


def card_tail(card: str) -> str:
    """The last four digits of a card number: all a public page may show."""
    return card[-4:]


def mask_id(id18: str) -> str:
    """For staff reports only: region prefix and last four, 410421********123X."""
    if len(id18) < 10:
        return "*" * len(id18)
    return id18[:6] + "*" * (len(id18) - 10) + id18[-4:]

