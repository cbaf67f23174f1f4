"""Posters for village notice boards (issue 6): printable PDF, A4 and A3.

Per village (村/社区): a 政策清单 poster, and a 公示 poster per payment batch
that paid someone there; per township: one bundle PDF of all its villages'
posters for the print shop; and an index page on the site listing them all.

The build makes a sane subset (see ``build_selection``), A4 only: every
village's 政策清单 poster, and 公示 posters of the batches whose 公示期 is
running, about to start, or ended within RECENT_DAYS.  ``python -m generator
posters [--region CODE] [--size A3]`` makes, on demand, every poster of a
region (all published batches) with its township bundles.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from generator.public import PublicBatch
from generator.village_info import VillageInfo, shared_key
from generator.writer import input_key
from huinong_core import urls
from huinong_core.models import Dataset
from huinong_core.regions import region_level, region_parent_code, within

#: 公示 posters made by `build`: publicity running, to come, or ended at most this many days ago.
RECENT_DAYS = 30
#: Sizes made by `build` (A3 on demand: ``posters --size A3``).
BUILD_SIZES = ("A4",)
#: Township bundles in `build`: off, they would double its poster time (see benchmarks/README.md);
#: ``python -m generator posters`` makes them.
BUILD_BUNDLES = False


@dataclass(frozen=True)
class Selection:
    villages: tuple[str, ...]  # a 政策清单 poster each
    batches: tuple[PublicBatch, ...]  # a 公示 poster each
    sizes: tuple[str, ...]
    recent_days: int | None = None  # only batches of the last N days (said on the index page)
    bundles: bool = True  # township bundles (they cost as much again as the single posters)


def villages_under(ds: Dataset, region: str | None) -> tuple[str, ...]:
    return tuple(sorted(c for c in ds.regions if region_level(c) == "村" and (region is None or within(c, region))))


def is_recent(pb: PublicBatch, today: dt.date, days: int = RECENT_DAYS) -> bool:
    return pb.batch.publicity_end >= today - dt.timedelta(days=days)


def build_selection(ctx, sizes: tuple[str, ...] = BUILD_SIZES) -> Selection:
    villages = villages_under(ctx.dataset, None)
    return Selection(villages, tuple(pb for pb in ctx.view.batches if is_recent(pb, ctx.today)), sizes, RECENT_DAYS,
                     bundles=BUILD_BUNDLES)


def region_selection(ctx, region: str | None, sizes: tuple[str, ...]) -> Selection:
    """Everything for a region: every village's 政策清单 and every published batch's 公示 poster."""
    villages = villages_under(ctx.dataset, region)
    wanted = set(villages)
    return Selection(villages, tuple(pb for pb in ctx.view.batches if pb.village in wanted), sizes)


class Posters:
    """Poster specs for one build, with the per-village facts computed once."""

    def __init__(self, ctx):
        self.ctx = ctx
        self._info: dict[str, VillageInfo] = {}
        #: (village, kind) -> key of everything the poster is made of (Writer.reuse skips unchanged ones)
        self.keys: dict[tuple[str, str], str] = {}
        self._shared: dict[tuple, tuple] = {}  # what the villages of a township share -> its digest (shared_key)

    def info(self, village: str) -> VillageInfo:
        if village not in self._info:
            self._info[village] = self.ctx.village_infos.of(village, self.ctx.today.year)
        return self._info[village]

    def _info_key(self, info: VillageInfo) -> tuple:
        """All of `info`, for input keys; the part a township's villages share digested once (the repr
        of its 27 programmes took 130 µs a village, in every build, changed or not), and found by
        identity (hashing those rows as a dict key took 30 µs)."""
        key = shared_key(info)
        kept = self._shared.get(key)
        if kept is None:  # with the tuples, so that their ids stay theirs
            kept = self._shared[key] = (info.policies, info.windows, info.banks,
                                        input_key(info.year, info.policies, info.windows, info.banks, info.phone))
        return kept[3], info.village, info.township, info.county

    def forget(self) -> None:
        """Drop what was kept for the villages done so far (the build goes a group of villages at a time)."""
        self._info.clear()
        self.keys.clear()

    def policy(self, village: str):
        from generator.posters.stories import policy_spec

        info, version = self.info(village), self.ctx.version_of().label
        self.keys[(village, "zhengce")] = input_key("zhengce", self._info_key(info), self.ctx.site_url, version)
        return policy_spec(info, site_url=self.ctx.site_url, version=version,
                           check_code=self.ctx.village_infos.poster_check_code(info))

    def publicity(self, pb: PublicBatch):
        from generator.posters.stories import publicity_spec

        b = pb.batch
        policy = self.ctx.dataset.policy_for(b.programme, b.year)
        info, version = self.info(pb.village), self.ctx.version_of((b.batch_id,)).label
        self.keys[(pb.village, b.batch_id)] = input_key("gongshi", pb, policy, self._info_key(info), self.ctx.site_url,
                                                        version)
        return publicity_spec(pb, policy, info, site_url=self.ctx.site_url, version=version)


def write_selection(ctx, sel: Selection, prefix: str = "", workers: int | None = None) -> int:
    """Render and write the posters, township bundles and index of a selection; returns posters written."""
    from generator.posters.bundle import write_bundles_and_index

    return write_bundles_and_index(ctx, Posters(ctx), sel, prefix, workers)


def render(ctx) -> int:
    """The build stage: the default selection into the site."""
    return write_selection(ctx, build_selection(ctx), prefix=ctx.site_path(""))


__all__ = ["render", "write_selection", "build_selection", "region_selection", "Selection", "Posters",
           "RECENT_DAYS", "BUILD_SIZES", "villages_under", "is_recent", "urls", "region_parent_code"]
