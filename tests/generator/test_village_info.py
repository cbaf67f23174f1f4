"""generator/village_info.py: the township window a village, its page, its posters and the lookup name."""

from __future__ import annotations

from pathlib import Path

from generator.load import load
from generator.village_info import COUNTY_BANKS_FALLBACK, VillageInfos, shared_key, township_windows

COUNTY, TOWNSHIP, VILLAGE = "410421000000", "410421100000", "410421100201"
OTHER_VILLAGE = "410425101201"  # 大刘庄村: its township 冢头镇 has no window
SECOND = "城关镇第二窗口,乡镇便民服务窗口,410421100000,城关镇北街2号,0375-6500000,周一至周五 9:00-17:00\n"


def test_a_village_and_its_township_share_the_first_window(tiny: Path):
    infos = VillageInfos(load(tiny, payments=False).dataset)
    window = infos.window_for(VILLAGE)
    assert window is not None and window.name == "城关镇便民服务中心“一卡通”窗口"
    assert infos.window_for(TOWNSHIP) == window == infos.of(VILLAGE, 2024).windows[0]
    assert infos.window_for(COUNTY) is None and infos.window_for(OTHER_VILLAGE) is None
    assert infos.of(OTHER_VILLAGE, 2024).windows == ()


def test_every_window_of_a_township_in_file_order(tiny: Path):
    with open(tiny / "services.csv", "a", encoding="utf-8") as f:
        f.write(SECOND)
    ds = load(tiny, payments=False).dataset
    windows = township_windows(ds)
    assert list(windows) == [TOWNSHIP]
    assert [w.name for w in windows[TOWNSHIP]] == ["城关镇便民服务中心“一卡通”窗口", "城关镇第二窗口"]
    infos = VillageInfos(ds)
    assert infos.of(VILLAGE, 2024).windows == windows[TOWNSHIP]
    assert infos.window_for(VILLAGE) == windows[TOWNSHIP][0]  # pages and the lookup name one window


def test_the_township_banks_else_the_first_of_the_county(tiny: Path):
    with open(tiny / "services.csv", "a", encoding="utf-8") as f:
        for n in range(1, COUNTY_BANKS_FALLBACK + 2):
            f.write(f"郏县网点{n},银行网点,410425000000,郏县{n}号,0375-550000{n},周一至周五 9:00-17:00\n")
    infos = VillageInfos(load(tiny, payments=False).dataset)
    assert [b.name for b in infos.of(VILLAGE, 2024).banks] == ["中国农业银行城关网点"]
    assert [b.name for b in infos.of(OTHER_VILLAGE, 2024).banks] == ["郏县网点1", "郏县网点2", "郏县网点3"]


def test_the_poster_check_code_made_from_the_shared_lines_is_the_check_code(tiny: Path):
    """VillageInfos.poster_check_code encodes a township's shared lines once: the same code as
    checkcode.policy_poster_check_code for every village and year of the committed sample, and of
    villages whose programmes differ (a programme for one county only)."""
    from generator.checkcode import policy_poster_check_code
    from huinong_core.regions import region_level
    from tests.helpers import REPO

    for data in (tiny, REPO / "data"):
        infos = VillageInfos(load(data, payments=False).dataset)
        villages = [c for c in infos.ds.regions if region_level(c) == "村"]
        codes = set()
        for year in (2023, 2024, 2026):
            for v in villages:
                info = infos.of(v, year)
                code = infos.poster_check_code(info)
                assert code == policy_poster_check_code(info), (v, year)
                codes.add(code)
        assert len(codes) == 3 * len(villages)  # each village and year its own code (the village is in it)
    infos = VillageInfos(load(tiny, payments=False).dataset)
    a, b = infos.of(VILLAGE, 2024), infos.of(OTHER_VILLAGE, 2024)
    assert (a.policies is infos.of(VILLAGE, 2024).policies) and shared_key(a) != shared_key(b)
