"""What every render stage of the build receives."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from generator.batch_cache import BatchCache
from generator.public import PublicView
from generator.village_info import VillageInfos
from generator.writer import Writer
from huinong_core.case_figures import CaseFigures, CaseFiguresSource
from huinong_core.models import Dataset
from huinong_core.version import DataVersion, InputVersions

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
    cache: BatchCache | None = field(default=None, repr=False)  # the build's (generator/batch_cache.py), if any
    case_figures: CaseFiguresSource | None = field(default=None, repr=False)  # 咨询投诉统计 (site/case_stats.py)
    timed: Callable[[str], None] = field(default=lambda step: None, repr=False)  # a step's time (pipeline.Timings)
    figures: CaseFigures | None = field(default=None, repr=False)  # the 咨询投诉 figures printed (site/case_stats.py)
    _batch_keys: dict[str, str] = field(default_factory=dict, init=False, repr=False)

    def __post_init__(self) -> None:
        if self.cache is not None:  # hashed once, while loading
            self._batch_keys.update(self.cache.batch_keys)

    @cached_property
    def notices(self):
        """The urgent notices in force at build time (huinong_core.notices.NoticeBoard)."""
        from huinong_core.notices import NoticeBoard

        return NoticeBoard(self.dataset, self.version.built_at)

    def batch_key(self, b) -> str:
        """Hash of a batch's two files (batch.yaml, records.csv): what is made of its records changes
        only with them (the lookup delta, reuse of village downloads)."""
        key = self._batch_keys.get(b.batch_id)
        if key is None:
            from generator.batch_cache import files_key

            meta = Path(self.dataset.root).joinpath(*Path(b.src.path).parts[-4:])  # payments/<年度>/<批次号>/batch.yaml
            if meta.is_file() and meta.with_name("records.csv").is_file():
                key = files_key(meta.parent)
            else:  # not where load found it: a key of the parsed records, never reused wrongly
                key = hashlib.sha256(repr(b).encode() + repr(tuple(b.records)).encode()).hexdigest()
            self._batch_keys[b.batch_id] = key
        return key

    @cached_property
    def village_infos(self) -> VillageInfos:
        """What village pages and posters say of services (windows, banks), indexed once per build."""
        return VillageInfos(self.dataset)

    @cached_property
    def versions(self) -> InputVersions:
        """Per-output data versions: the commit that last changed what an output is made of."""
        return InputVersions(self.data_dir, self.version)

    def version_of(self, batches=(), notices=(), **kw) -> DataVersion:
        return self.versions.of(batches, notices, **kw)

    @property
    def site_url(self) -> str:
        return self.dataset.site.url if self.dataset.site else "https://example.invalid"

    def site_path(self, rel: str) -> str:
        """Writer path of a web-root-relative path."""
        return f"{SITE_DIR}/{rel}"
