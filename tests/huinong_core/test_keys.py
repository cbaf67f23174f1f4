"""Tests for huinong_core/keys.py: key loading with the demo guard, and the keyed hashes."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from huinong_core.errors import KeyConfigError
from huinong_core.keys import DEMO_MARK, KEY_HEX_CHARS, Keyer, demo_key, demo_mode, load_key
from huinong_core.normalize import MIDDLE_DOTS
from tests.golden import fake_id as make_id

KEY = "q7Vd2Lx9Rm4Tp8Wc1Zs6Hb3Nf5Kj0Ga!"  # 32 bytes, not the demo key
KEY_BYTES = KEY.encode()
ID = "410421198503071238"
ID2 = "41042119850307115X"
HEX32 = re.compile(r"[0-9a-f]{32}")

# U+318D is NFKC-folded away before the dot table (see test_normalize.py).
WORKING_DOTS = [c for c in MIDDLE_DOTS if c != "\u318d"]


def mac(key: bytes, message: str) -> str:
    return hmac.new(key, message.encode("utf-8"), hashlib.sha256).hexdigest()[:32]


def key_error(env) -> KeyConfigError:
    with pytest.raises(KeyConfigError) as info:
        load_key(env)
    return info.value


@pytest.fixture
def keyer() -> Keyer:
    return load_key({"HUINONG_KEY": KEY})


# ------------------------------------------------------------------- load_key


def test_load_key_from_env():
    k = load_key({"HUINONG_KEY": KEY})
    assert k.key == KEY_BYTES
    assert k.is_demo is False


def test_load_key_strips_whitespace():
    assert load_key({"HUINONG_KEY": f"  {KEY}\n"}).key == KEY_BYTES


def test_load_key_from_file(tmp_path):
    path = tmp_path / "huinong.key"
    path.write_bytes(KEY_BYTES + b"\n")
    k = load_key({"HUINONG_KEY_FILE": str(path)})
    assert k.key == KEY_BYTES
    assert k.is_demo is False


def test_load_key_env_wins_over_file(tmp_path):
    path = tmp_path / "other.key"
    path.write_bytes(b"f" * 40)
    assert load_key({"HUINONG_KEY": KEY, "HUINONG_KEY_FILE": str(path)}).key == KEY_BYTES


def test_load_key_empty_env_falls_back_to_file(tmp_path):
    path = tmp_path / "huinong.key"
    path.write_bytes(KEY_BYTES)
    assert load_key({"HUINONG_KEY": "", "HUINONG_KEY_FILE": str(path)}).key == KEY_BYTES


@pytest.mark.parametrize("env", [{}, {"HUINONG_KEY": ""}, {"HUINONG_DEMO": "0"}, {"OTHER": KEY}])
def test_load_key_missing(env):
    err = key_error(env)
    assert "HUINONG_KEY" in str(err)
    assert "HUINONG_KEY_FILE" in str(err)


@pytest.mark.parametrize("name", ["missing.key", "sub/missing.key"])
def test_load_key_unreadable_file(tmp_path, name):
    path = tmp_path / name
    err = key_error({"HUINONG_KEY_FILE": str(path)})
    assert "无法读取密钥文件" in str(err)
    assert str(path) in str(err)


def test_load_key_file_is_a_directory(tmp_path):
    err = key_error({"HUINONG_KEY_FILE": str(tmp_path)})
    assert "无法读取密钥文件" in str(err)


@pytest.mark.parametrize("length", [0, 1, 16, 31])
def test_load_key_too_short(length):
    short = "k" * length + ("  " if length == 0 else "")  # "  " keeps the variable set but empty after strip
    err = key_error({"HUINONG_KEY": short})
    assert str(err) == f"密钥太短（{length}字节），至少需要32字节随机内容。"


def test_load_key_minimum_length():
    assert load_key({"HUINONG_KEY": "k" * 32}).key == b"k" * 32


def test_load_key_length_counts_bytes_not_characters():
    # 11 CJK characters are 33 UTF-8 bytes.
    assert len(load_key({"HUINONG_KEY": "密" * 11}).key) == 33


def test_load_key_too_short_message_does_not_leak_key():
    secret = "s3cr3t-but-short"
    assert secret not in str(key_error({"HUINONG_KEY": secret}))


# ----------------------------------------------------------------- demo key


def test_demo_key_is_marked_and_long_enough():
    key = demo_key()
    assert DEMO_MARK in key
    assert len(key) >= 32
    assert key == key.strip()


@pytest.mark.parametrize("value", ["1", "true", "TRUE", "yes", "on", " 1 "])
def test_demo_mode_on(value):
    assert demo_mode({"HUINONG_DEMO": value}) is True


@pytest.mark.parametrize("value", ["0", "", "no", "off", "false", "2"])
def test_demo_mode_off(value):
    assert demo_mode({"HUINONG_DEMO": value}) is False


def test_demo_mode_unset():
    assert demo_mode({}) is False


def test_demo_key_via_demo_mode_alone():
    k = load_key({"HUINONG_DEMO": "1"})
    assert k.key == demo_key()
    assert k.is_demo is True


def test_demo_key_in_env_refused_without_demo_mode():
    err = key_error({"HUINONG_KEY": demo_key().decode()})
    assert "示例密钥" in str(err)
    assert "HUINONG_DEMO=1" in str(err)


@pytest.mark.parametrize("demo", ["0", "no", ""])
def test_demo_key_in_env_refused_with_demo_mode_off(demo):
    with pytest.raises(KeyConfigError, match="示例密钥"):
        load_key({"HUINONG_KEY": demo_key().decode(), "HUINONG_DEMO": demo})


def test_demo_key_in_env_accepted_in_demo_mode():
    k = load_key({"HUINONG_KEY": demo_key().decode(), "HUINONG_DEMO": "1"})
    assert k.key == demo_key()
    assert k.is_demo is True


def test_demo_key_in_file_refused_without_demo_mode(tmp_path):
    path = tmp_path / "demo.key"
    path.write_bytes(demo_key() + b"\n")
    with pytest.raises(KeyConfigError, match="示例密钥"):
        load_key({"HUINONG_KEY_FILE": str(path)})
    assert load_key({"HUINONG_KEY_FILE": str(path), "HUINONG_DEMO": "1"}).is_demo is True


def test_any_key_with_demo_mark_refused():
    marked = DEMO_MARK.decode() + "-my-own-copy-of-the-sample-key-0123456789"
    with pytest.raises(KeyConfigError, match="示例密钥"):
        load_key({"HUINONG_KEY": marked})


def test_real_key_in_demo_mode_is_not_demo():
    k = load_key({"HUINONG_KEY": KEY, "HUINONG_DEMO": "1"})
    assert k.key == KEY_BYTES
    assert k.is_demo is False


# ------------------------------------------------------------------- Keyer


def test_repr_does_not_contain_key(keyer):
    for text in (repr(keyer), str(keyer), f"{keyer!r}", repr([keyer]), repr({"k": keyer})):
        assert KEY not in text
        assert repr(KEY_BYTES) not in text
        assert KEY[:8] not in text


def test_repr_of_demo_keyer_does_not_contain_key():
    k = load_key({"HUINONG_DEMO": "1"})
    assert demo_key().decode() not in repr(k)
    assert "DEMO-KEY" not in repr(k)


def test_query_key_known_answer(keyer):
    name = "张三"
    expected = hmac.new(KEY_BYTES, (ID + name).encode(), hashlib.sha256).hexdigest()[:32]
    assert keyer.query_key(ID, name) == expected


def test_query_key_known_answer_literal():
    """Pinned value: a change of the hashing scheme must be deliberate (all data is keyed with it)."""
    k = Keyer(b"0123456789abcdef0123456789abcdef")
    expected = hmac.new(b"0123456789abcdef0123456789abcdef", "410421198503071238张三".encode(), hashlib.sha256)
    assert k.query_key("410421198503071238", "张三") == expected.hexdigest()[:32]
    assert KEY_HEX_CHARS == 32


def test_query_key_normalizes_name(keyer):
    assert keyer.query_key(ID, " 买买提 • 艾力 ") == mac(KEY_BYTES, ID + "买买提\u00b7艾力")


def test_person_key_known_answer(keyer):
    assert keyer.person_key(ID) == mac(KEY_BYTES, ID)


def test_card_key_known_answer(keyer):
    card = "6228480012345678903"
    assert keyer.card_key(card) == mac(KEY_BYTES, card)


def test_keys_are_domain_separated_by_content(keyer):
    assert keyer.person_key(ID) != keyer.query_key(ID, "张三")


def test_different_keys_give_different_hashes():
    a = Keyer(b"a" * 32)
    b = Keyer(b"b" * 32)
    assert a.query_key(ID, "张三") != b.query_key(ID, "张三")
    assert a.person_key(ID) != b.person_key(ID)
    assert a.card_key("6228480012345678903") != b.card_key("6228480012345678903")


def test_query_key_hangul_araea_dot(keyer):
    assert keyer.query_key(ID, "买买提\u318d艾力") == keyer.query_key(ID, "买买提·艾力")


# --------------------------------------------------------------- properties

CHARS = st.one_of(st.characters(min_codepoint=0x4E00, max_codepoint=0x9FA5), st.sampled_from(["𠮷", "𪚥"]))
NAMES = st.lists(CHARS, min_size=2, max_size=8).map("".join)
SPACES = st.sampled_from(["", "", " ", "\u3000", "\t", "\xa0"])




IDS = st.builds(
    make_id,
    st.sampled_from(["410421", "410425", "410402"]),
    st.dates(dt.date(1900, 1, 1), dt.date(2020, 12, 31)),
    st.integers(0, 999),
)
TEST_KEYER = Keyer(KEY_BYTES)


@settings(max_examples=200)
@given(IDS, NAMES, st.integers(1, 100), st.sampled_from(WORKING_DOTS), st.data())
def test_prop_query_key_stable_across_spacing_and_dots(id18, name, where, dot, data):
    pos = 1 + where % (len(name) - 1)
    canonical = name[:pos] + "\u00b7" + name[pos:]
    variant = name[:pos] + dot + name[pos:]
    gaps = data.draw(st.lists(SPACES, min_size=len(variant) + 1, max_size=len(variant) + 1))
    spaced = "".join(g + c for g, c in zip(gaps, variant)) + gaps[-1]
    assert TEST_KEYER.query_key(id18, spaced) == TEST_KEYER.query_key(id18, canonical)


@given(IDS, NAMES)
def test_prop_query_key_format(id18, name):
    key = TEST_KEYER.query_key(id18, name)
    assert HEX32.fullmatch(key)
    assert HEX32.fullmatch(TEST_KEYER.person_key(id18))
    assert HEX32.fullmatch(TEST_KEYER.card_key(id18[:16]))


@given(IDS, NAMES, NAMES)
def test_prop_query_key_differs_for_different_names(id18, a, b):
    if a == b:
        b = b + "一"
    assert TEST_KEYER.query_key(id18, a) != TEST_KEYER.query_key(id18, b)


@given(IDS, IDS, NAMES)
def test_prop_query_key_differs_for_different_ids(id_a, id_b, name):
    assume(id_a != id_b)
    assert TEST_KEYER.query_key(id_a, name) != TEST_KEYER.query_key(id_b, name)
    assert TEST_KEYER.person_key(id_a) != TEST_KEYER.person_key(id_b)


@given(IDS, NAMES, NAMES)
def test_prop_person_key_independent_of_name(id18, a, b):
    """person_key links one person's records, whatever name spelling each record carries."""
    assert TEST_KEYER.person_key(id18) == mac(KEY_BYTES, id18)
    assert TEST_KEYER.person_key(id18) not in (TEST_KEYER.query_key(id18, a), TEST_KEYER.query_key(id18, b))
