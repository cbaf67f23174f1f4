"""generator/village_info.py: the township window a village, its page, its posters and the lookup name."""

from __future__ import annotations

from pathlib import Path

from generator.load import load
from generator.village_info import township_windows, village_info, window_for

COUNTY, TOWNSHIP, VILLAGE = "410421000000", "410421100000", "410421100201"
OTHER_VILLAGE = "410425101201"  # 大刘庄村: its township 冢头镇 has no window
SECOND = "城关镇第二窗口,乡镇便民服务窗口,410421100000,城关镇北街2号,0375-6500000,周一至周五 9:00-17:00\n"


def test_a_village_and_its_township_share_the_first_window(tiny: Path):
    ds = load(tiny, payments=False).dataset
    window = window_for(ds, VILLAGE)
    assert window is not None and window.name == "城关镇便民服务中心“一卡通”窗口"
    assert window_for(ds, TOWNSHIP) == window == village_info(ds, VILLAGE, 2024).windows[0]
    assert window_for(ds, COUNTY) is None and window_for(ds, OTHER_VILLAGE) is None
    assert village_info(ds, OTHER_VILLAGE, 2024).windows == ()


def test_every_window_of_a_township_in_file_order(tiny: Path):
    with open(tiny / "services.csv", "a", encoding="utf-8") as f:
        f.write(SECOND)
    ds = load(tiny, payments=False).dataset
    windows = township_windows(ds)
    assert list(windows) == [TOWNSHIP]
    assert [w.name for w in windows[TOWNSHIP]] == ["城关镇便民服务中心“一卡通”窗口", "城关镇第二窗口"]
    assert village_info(ds, VILLAGE, 2024).windows == windows[TOWNSHIP]
    assert window_for(ds, VILLAGE) == windows[TOWNSHIP][0]  # pages and the lookup name one window
