"""The public site (issue 4). Stub: filled in stage by stage."""

from __future__ import annotations


def render(ctx) -> int:
    return 0
