"""Posters for village notice boards (issue 6). Stub until that issue lands."""

from __future__ import annotations


def render(ctx) -> int:
    return 0
