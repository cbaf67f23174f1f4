"""Masking rules: the one place that decides what of a person may be shown.

Everything public (site, posters, feeds, API) and every staff report that
mentions a person goes through these functions.
"""

from __future__ import annotations

import re

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



# Digits (half- or full-width) that may be spaced out: "6228 4800 1234 5678".
_DIGIT_RUN = re.compile(r"[0-9０-９](?:[ \u3000]*[0-9０-９])*(?:[ \u3000]*[Xx])?")


def tail(value: str, keep: int = 4) -> str:
    """Stars for all but the last ``keep`` characters (all stars when it is that short)."""
    value = value.strip()
    if len(value) <= keep:
        return "*" * len(value)
    return "*" * (len(value) - keep) + value[-keep:]


def mask_text(text: str) -> str:
    """Free text of a raw export (a cell, an error message quoting one) as a staff page may show it:
    a run of 11 or more digits, which could be an ID, card or phone number typed where it does
    not belong, down to its last four.  A 12-digit region code written as one run stays."""

    def one(m: re.Match) -> str:
        run = m.group(0)
        digits = sum(c.isdigit() for c in run)
        if digits < 11 or (len(run) == 12 and run.isascii() and run.isdigit()):
            return run
        return tail(run.replace(" ", "").replace("\u3000", ""))

    return _DIGIT_RUN.sub(one, text)


def mask_cell(field: str, raw: str) -> str:
    """A cell of a raw export, shown to staff beside its error (the console's error table): the ID
    and card number down to their last four (an ID's middle may be quoted in the error itself: its
    birth date), the name as everywhere, any other cell through `mask_text`."""
    if field in ("身份证号", "卡号"):
        return tail(raw)
    if field == "姓名":
        return mask_name(raw)
    return mask_text(raw)
