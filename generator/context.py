"""What every render stage of the build receives."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from generator.models import Dataset
from generator.public import PublicView
from generator.version import DataVersion
from generator.writer import Writer

# Inside the build output: the web root, and the files served by the API only.
SITE_DIR = "site"
LOOKUP_DB = "lookup.sqlite"


@dataclass
class BuildContext:
    data_dir: Path
    dataset: Dataset
    view: PublicView
    today: dt.date
    version: DataVersion
    writer: Writer
    stats: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)  # for the build report: what a stage could not do

    @cached_property
    def notices(self):
        """The urgent notices in force at build time (generator.notices.NoticeBoard)."""
        from generator.notices import NoticeBoard

        return NoticeBoard(self.dataset, self.version.built_at)

    @property
    def site_url(self) -> str:
        return self.dataset.site.url if self.dataset.site else "https://example.invalid"

    def site_path(self, rel: str) -> str:
        """Writer path of a web-root-relative path."""
        return f"{SITE_DIR}/{rel}"
