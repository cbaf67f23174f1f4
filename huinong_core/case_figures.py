"""The 咨询投诉 statistics as the cases service hands them to the site build.

The build does not read the cases database itself: the CLI gives `pipeline.build` a source
(lookup_api/cases/figures.py `read_figures`), and the build prints what it returns on
``tongji/zixun/``.  Without a source, or without a database, the page links to the live figures.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class CaseFigures:
    stats: dict | None  # CaseService.stats as of the build time, or None: the page links to the live figures
    tables: str = ""  # the live page's tables, as HTML
    problem: str | None = None  # for the build report: a database was configured but not read


#: (county code → name, the build time in naive UTC) → the figures.
CaseFiguresSource = Callable[[Mapping[str, str], dt.datetime], CaseFigures]
