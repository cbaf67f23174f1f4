"""What a case is about and who answers it: programmes and places from lookup.sqlite.

Routing: a case about a programme goes to the programme's 主管部门 in the
village's county; a case about no particular programme goes to the county's
财政局 (the office of the 一卡通 joint conference sits there); a request for a
home visit (上门服务, the “三门行动”) goes to the village's township.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from functools import cached_property

from huinong_core.regions import county_of, covers

FINANCE = "财政局"
TOWNSHIP = "乡镇（街道）"


@dataclass(frozen=True)
class ListedProgramme:
    """A programme as the cases directory lists it: its department in charge and where it applies."""

    code: str
    name: str
    short_name: str
    department: str
    protected: bool
    regions: tuple[str, ...]
    end_year: int | None

    def applies_to(self, village: str) -> bool:
        return covers(self.regions, village)


@dataclass(frozen=True)
class Place:
    village: str
    name: str
    township: str
    township_name: str
    county: str
    county_name: str

    @property
    def full_name(self) -> str:
        return f"{self.county_name}{self.township_name}{self.name}"


def departments_of(department: str) -> tuple[str, ...]:
    """“残联/民政局” → ("残联", "民政局"): a joint programme has two departments in charge."""
    return tuple(d.strip() for d in department.split("/") if d.strip())


class Directory:
    def __init__(self, conn: sqlite3.Connection):
        try:
            rows = conn.execute("SELECT code, name, short_name, department, protected, regions, end_year "
                                "FROM programmes ORDER BY code").fetchall()
        except sqlite3.OperationalError:  # a lookup.sqlite built before issue 8
            rows = []
        self.programmes = {r[0]: ListedProgramme(r[0], r[1], r[2], r[3], bool(r[4]), tuple(r[5].split()), r[6])
                           for r in rows}
        self.places = {str(v): Place(str(v), n, str(t), tn, county_of(str(v)), cn)
                       for v, n, t, tn, cn in conn.execute(
                           "SELECT village, village_name, township, township_name, county_name FROM places "
                           "ORDER BY village")}

    @property
    def ready(self) -> bool:
        return bool(self.programmes) and bool(self.places)

    @cached_property
    def counties(self) -> dict[str, str]:
        return {p.county: p.county_name for p in self.places.values()}

    @cached_property
    def townships(self) -> dict[str, tuple[str, str]]:
        """township code → (name, county code)."""
        return {p.township: (p.township_name, p.county) for p in self.places.values()}

    def children(self, code: str | None) -> list[tuple[str, str]]:
        """(code, name) one level down: counties, a county's townships, a township's villages."""
        if not code:
            return sorted(self.counties.items())
        if code in self.counties:
            return sorted((t, n) for t, (n, c) in self.townships.items() if c == code)
        if code in self.townships:
            return [(p.village, p.name) for p in self.places.values() if p.township == code]
        return []

    @cached_property
    def departments(self) -> list[str]:
        """Every department a case can be transferred to."""
        names = {FINANCE, TOWNSHIP}
        for p in self.programmes.values():
            names.update(departments_of(p.department))
        return sorted(names)

    def route(self, kind: str, programme: ListedProgramme | None) -> str:
        if kind == "上门服务":
            return TOWNSHIP
        return programme.department if programme else FINANCE

    def current_programmes(self, year: int) -> list[ListedProgramme]:
        return [p for p in self.programmes.values() if p.end_year is None or p.end_year >= year - 1]


def responsible(place_county_name: str, township_name: str, department: str) -> str:
    """How the responsible unit is named to the public: 宝丰县民政局, 宝丰县残联、民政局, 某某镇."""
    if department == TOWNSHIP:
        return f"{township_name}（便民服务中心）"
    return place_county_name + "、".join(departments_of(department))
