"""What a village's notice board tells its people, from the data alone.

The programmes in force there this year (protected ones included: those
entitled must learn they exist), the township's service window and bank
outlets with hours, and the 监督电话.  The 政策清单 poster prints exactly
this, its check code is computed from it (``checkcode.policy_poster_check_code``),
and the village web page can show the same window and outlets.
"""

from __future__ import annotations

from dataclasses import dataclass

from generator.checkcode import policy_poster_check_code, policy_poster_shared_lines
from huinong_core.models import BANK, WINDOW, Dataset, Policy, Region, Service
from huinong_core.regions import county_of, region_level, region_parent_code

#: At most this many bank outlets from the county when the township has none.
COUNTY_BANKS_FALLBACK = 3


@dataclass(frozen=True)
class VillageInfo:
    village: Region
    township: Region | None
    county: Region | None
    year: int
    policies: tuple[Policy, ...]  # one row per programme: the one in force in `year`
    windows: tuple[Service, ...]  # 乡镇便民服务窗口 of the township
    banks: tuple[Service, ...]  # 银行网点 of the township (or nearby in the county)
    phone: str  # 监督电话 of the site

    @property
    def place(self) -> str:
        """宝丰县城关镇前营村: the full name a poster is titled with."""
        return "".join(r.name for r in (self.county, self.township, self.village) if r is not None)


def policies_for_village(ds: Dataset, village: str, year: int) -> tuple[Policy, ...]:
    """Programmes in force in `year` that apply to `village`, in policies.csv order."""
    seen: set[str] = set()
    out: list[Policy] = []
    for p in ds.policies:
        if p.code in seen or not p.covers_year(year) or not p.covers_village(village):
            continue
        seen.add(p.code)
        out.append(p)
    return tuple(out)


def township_windows(ds: Dataset) -> dict[str, tuple[Service, ...]]:
    """Township code → its 乡镇便民服务窗口, in services.csv order (check holds windows to townships)."""
    out: dict[str, list[Service]] = {}
    for s in ds.services:
        if s.kind == WINDOW:
            out.setdefault(s.region, []).append(s)
    return {code: tuple(found) for code, found in out.items()}


def shared_key(info: VillageInfo) -> tuple:
    """A key for what the villages of a township share in `info` (programmes, windows, banks, year,
    phone), by identity (VillageInfos.of gives villages with the same programmes one tuple): whoever
    keeps something under it keeps the tuples too, so that their ids stay theirs."""
    return info.year, id(info.policies), id(info.windows), id(info.banks), info.phone


class VillageInfos:
    """What the notice boards of one dataset say: the services indexed once, not per page or poster."""

    def __init__(self, ds: Dataset):
        self.ds = ds
        self.windows = township_windows(ds)
        by_township: dict[str, list[Service]] = {}
        by_county: dict[str, list[Service]] = {}
        for s in ds.services:
            if s.kind == BANK:
                by_township.setdefault(s.region, []).append(s)
                by_county.setdefault(county_of(s.region), []).append(s)
        self._banks = {code: tuple(found) for code, found in by_township.items()}
        self._county_banks = {code: tuple(found[:COUNTY_BANKS_FALLBACK]) for code, found in by_county.items()}
        # Villages with the same programmes get the same tuple: what is made of a township's shared
        # parts (the check code's lines, a poster's key) is then found by identity, not by hashing
        # dozens of Policy rows again for each of a province's 46,000 villages.
        self._policy_sets: dict[tuple[int, ...], tuple[Policy, ...]] = {}
        self._shared_lines: dict[tuple, tuple] = {}

    def window_for(self, code: str) -> Service | None:
        """The window a village's or township's page names: its township's first; None above townships."""
        level = region_level(code)
        township = code if level == "乡" else region_parent_code(code) if level == "村" else None
        return next(iter(self.windows.get(township, ())), None)

    def of(self, village: str, year: int) -> VillageInfo:
        ds = self.ds
        township_code = region_parent_code(village)
        county_code = county_of(village)
        return VillageInfo(
            village=ds.regions[village],
            township=ds.regions.get(township_code) if township_code else None,
            county=ds.regions.get(county_code),
            year=year,
            policies=self._policy_set(policies_for_village(ds, village, year)),
            windows=self.windows.get(township_code, ()),
            banks=self._banks.get(township_code) or self._county_banks.get(county_code, ()),
            phone=ds.site.phone if ds.site else "",
        )

    def _policy_set(self, policies: tuple[Policy, ...]) -> tuple[Policy, ...]:
        return self._policy_sets.setdefault(tuple(map(id, policies)), policies)  # ds.policies holds the rows

    def poster_check_code(self, info: VillageInfo) -> str:
        """checkcode.policy_poster_check_code(info), its shared lines encoded once per township."""
        key = shared_key(info)
        kept = self._shared_lines.get(key)
        if kept is None:  # with the tuples, so that their ids stay theirs
            shared = "".join(line + "\n" for line in policy_poster_shared_lines(info)).encode("utf-8")
            kept = self._shared_lines[key] = (info.policies, info.windows, info.banks, shared)
        return policy_poster_check_code(info, kept[3])
