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

