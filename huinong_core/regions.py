"""Region codes (12 digits, GB/T 2260 plus township and village): levels, parents, prefixes.

A code's level is read from its shape; a region contains another when their prefixes of the
level's length agree.  Everything about region codes is here: nothing else slices them.
"""

from __future__ import annotations

LEVELS = ("省", "市", "县", "乡", "村")
#: Digits of a code that name a region of each level.
PREFIX_LEN = {"省": 2, "市": 4, "县": 6, "乡": 9, "村": 12}


def region_level(code: str) -> str:
    """省/市/县/乡/村 from the shape of a 12-digit code."""
    if code[2:] == "0" * 10:
        return "省"
    if code[4:] == "0" * 8:
        return "市"
    if code[6:] == "0" * 6:
        return "县"
    if code[9:] == "000":
        return "乡"
    return "村"


def region_parent_code(code: str) -> str | None:
    level = region_level(code)
    return {
        "省": None,
        "市": code[:2] + "0" * 10,
        "县": code[:4] + "0" * 8,
        "乡": code[:6] + "0" * 6,
        "村": code[:9] + "000",
    }[level]


def county_of(code: str) -> str:
    return code[:6] + "0" * 6


def prefix(code: str, level: str) -> str:
    """The digits of ``code`` that name its region of ``level``: 410421 for 县 of 410421101201
    (also what an ID number issued there starts with, and what 批次号 and paths use)."""
    return code[:PREFIX_LEN[level]]


def full_code(digits: str) -> str:
    """The 12-digit code of the region a prefix names: 410421 → 410421000000."""
    return digits.ljust(12, "0")


def within(code: str, area: str) -> bool:
    """Is region ``code`` equal to or under ``area``?"""
    level = region_level(area)
    return prefix(code, level) == prefix(area, level)


def covers(areas: tuple[str, ...], code: str) -> bool:
    """Is region ``code`` inside one of ``areas`` (a programme's regions; none: everywhere)?"""
    return not areas or any(within(code, a) for a in areas)
