"""Tests for generator/mask.py: what of a person may be shown."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from generator.mask import card_tail, mask_id, mask_name
from huinong_core.normalize import normalize_name
from tests.golden import fake_id as make_id




# ----------------------------------------------------------------------- names


@pytest.mark.parametrize(
    "name, masked",
    [
        ("张三", "张*"),
        ("张小三", "张*三"),
        ("欧阳晓明", "欧**明"),
        ("𠮷野", "𠮷*"),
        ("𠮷野家", "𠮷*家"),
        ("王𠮷", "王*"),
        ("张𠮷明", "张*明"),
        ("买买提·艾力", "买****力"),
        ("买买提・艾力", "买****力"),
        (" 张 三 ", "张*"),
        ("张\u3000小三", "张*三"),
        ("张", "*"),
        ("", ""),
        ("   ", ""),
    ],
)
def test_mask_name(name, masked):
    assert mask_name(name) == masked


cjk = st.one_of(
    st.characters(min_codepoint=0x4E00, max_codepoint=0x9FA5),
    st.sampled_from(["𠮷", "𪚥", "𡃁", "𬌗"]),
)
cjk_names = st.lists(cjk, min_size=2, max_size=10).map("".join)


@settings(max_examples=200)
@given(cjk_names)
def test_prop_mask_name_shape(name):
    norm = normalize_name(name)
    masked = mask_name(name)
    n = len(norm)
    assert len(masked) == n
    assert masked[0] == norm[0]
    if n >= 3:
        assert masked[-1] == norm[-1]
        middle = masked[1:-1]
    else:
        assert masked[-1] == "*"
        middle = masked[1:]
    assert middle == "*" * len(middle)
    assert masked != name
    again = mask_name(masked)
    assert len(again) == n
    assert again == masked


@given(cjk_names)
def test_prop_mask_name_never_shows_middle_characters(name):
    masked = mask_name(name)
    for ch in name[1:-1]:
        if ch not in (name[0], name[-1]):
            assert ch not in masked


# ------------------------------------------------------------------------ IDs


@pytest.mark.parametrize(
    "id18, masked",
    [
        ("410421198503071238", "410421********1238"),
        ("41042119850307123X", "410421********123X"),
        ("123", "***"),
        ("", ""),
    ],
)
def test_mask_id(id18, masked):
    assert mask_id(id18) == masked


ids = st.builds(
    make_id,
    st.sampled_from(["410421", "410425", "410402", "110101"]),
    st.dates(dt.date(1900, 1, 1), dt.date(2020, 12, 31)),
    st.integers(0, 999),
)


@given(ids)
def test_prop_mask_id_hides_birth_date(id18):
    masked = mask_id(id18)
    assert len(masked) == 18
    assert masked[:6] == id18[:6]
    assert masked[-4:] == id18[-4:]
    assert masked[6:14] == "*" * 8
    assert id18[6:14] not in masked
    assert id18 not in masked


# ---------------------------------------------------------------------- cards


@pytest.mark.parametrize(
    "card, tail", [("6228480012345678903", "8903"), ("6228480012345671", "5671"), ("12", "12")]
)
def test_card_tail(card, tail):
    assert card_tail(card) == tail



# ------------------------------------------------------- raw cells beside errors


def test_mask_cell_keeps_only_the_last_four_of_ids_and_cards():
    from generator.mask import mask_cell

    assert mask_cell("身份证号", "41042119850307123X") == "**************123X"
    assert mask_cell("卡号", " 6228480012345678 ") == "************5678"
    assert mask_cell("卡号", "123") == "***"
    assert mask_cell("姓名", "欧阳晓明") == "欧**明"


@pytest.mark.parametrize("text, shown", [
    ("不是金额（41042119850307123X）", "不是金额（**************123X）"),
    ("6228 4800 1234 5678", "************5678"),
    ("１３８１２３４５６７８", "*******５６７８"),
    ("电话13812345678", "电话*******5678"),
    ("区划代码410421100201不存在", "区划代码410421100201不存在"),  # a region code is public
    ("2025-05-20 367.50", "2025-05-20 367.50"),
    ("4104 2110 0201", "********0201"),  # spaced out, it is not a region code as written
])
def test_mask_text_masks_every_long_run_of_digits(text, shown):
    from generator.mask import mask_text

    assert mask_text(text) == shown


@given(st.text(alphabet="0123456789 Xx,（）元", max_size=40))
@settings(max_examples=300, deadline=None)
def test_mask_text_leaves_no_plaintext_number(text):
    """Whatever the text, what is shown holds no run of 11 digits but a 12-digit region code."""
    import re

    from generator.mask import mask_text

    for run in re.findall(r"\d[\d ]*", mask_text(text)):
        digits = run.replace(" ", "")
        assert len(digits) < 11 or (len(digits) == 12 and " " not in run.strip()), (text, mask_text(text))
