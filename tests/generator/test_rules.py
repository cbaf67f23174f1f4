"""The cross-record rules (generator/rules.py), seen through `check` on the tiny dataset."""

from __future__ import annotations

from pathlib import Path

from generator.check import check


def test_short_publicity_period_is_an_error(tiny: Path):
    batch = tiny / "payments/2024/410421-NY001-2024/batch.yaml"
    text = batch.read_text(encoding="utf-8")
    batch.write_text(text.replace("公示结束: 2024-06-21", "公示结束: 2024-06-17"), encoding="utf-8")
    _, problems = check(tiny)
    assert [p.field for p in problems] == ["公示结束"]
    # exactly seven days is enough
    batch.write_text(text.replace("公示结束: 2024-06-21", "公示结束: 2024-06-18"), encoding="utf-8")
    assert check(tiny)[1] == []


def test_programme_outside_its_years_or_region(tiny: Path):
    pol = tiny / "policies.csv"
    pol.write_text(pol.read_text(encoding="utf-8").replace(",2016,,\n", ",2025,,\n", 1), encoding="utf-8")
    _, problems = check(tiny)
    assert any("在2024年度不在执行期内" in p.message for p in problems), problems


def test_policy_not_applicable_to_the_county(tiny: Path):
    pol = tiny / "policies.csv"
    text = pol.read_text(encoding="utf-8")
    pol.write_text(text.replace("否,,2016,,", "否,410425000000,2016,,", 1), encoding="utf-8")
    _, problems = check(tiny)
    assert [(p.field, "不适用于宝丰县" in p.message) for p in problems] == [("区划代码", True)]


def test_overlapping_policy_years_and_changed_short_name(tiny: Path):
    pol = tiny / "policies.csv"
    text = pol.read_text(encoding="utf-8")
    text = text.replace("高龄津贴,省,民政局,80周岁以上老年人,老年人,每人每月60元起（示例）,月,,,“一卡通”直接发放,3、6、9、12月,省市县财政,0375-2663456,否,,2025",
                        "老人津贴,省,民政局,80周岁以上老年人,老年人,每人每月60元起（示例）,月,,,“一卡通”直接发放,3、6、9、12月,省市县财政,0375-2663456,否,,2024")
    pol.write_text(text, encoding="utf-8")
    _, problems = check(tiny)
    messages = sorted(p.message for p in problems)
    assert any("年度与第5行重叠" in m for m in messages), messages
    assert any("四字简称前后不一" in m for m in messages), messages


def test_protected_short_name_must_not_reveal(tiny: Path):
    pol = tiny / "policies.csv"
    pol.write_text(pol.read_text(encoding="utf-8").replace(",民政补助,", ",孤儿补助,"), encoding="utf-8")
    _, problems = check(tiny)
    assert [p.message for p in problems] == ["隐私保护项目的四字简称不能透露领取人情况（含“孤儿”）"]


def test_protected_short_name_must_not_borrow_a_telling_word_of_its_name(tiny: Path):
    """“生活补贴” is neutral; “基本生活” too; but “儿童”, taken from the name, tells the bank who it is for."""
    pol = tiny / "policies.csv"
    original = pol.read_text(encoding="utf-8")
    pol.write_text(original.replace(",民政补助,", ",基本生活,"), encoding="utf-8")
    assert check(tiny)[1] == []
    pol.write_text(original.replace("MZ005,孤儿基本生活费,孤儿基本生活费,民政补助,",
                                    "MZ005,困境儿童基本生活费,困境儿童基本生活费,儿童补助,"), encoding="utf-8")
    _, problems = check(tiny)
    assert [p.message for p in problems] == ["隐私保护项目的四字简称不能透露领取人情况（含“儿童”）"]
