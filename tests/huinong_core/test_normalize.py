"""Tests for huinong_core/normalize.py: every parser, with the messy inputs raw exports contain."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from stdnum.cn import ric

from huinong_core.errors import ParseError
from huinong_core.normalize import (
    MIDDLE_DOTS,
    compact,
    format_cents,
    format_decimal,
    format_money,
    halfwidth,
    luhn_complete,
    luhn_ok,
    normalize_name,
    parse_amount,
    parse_card,
    parse_date,
    parse_id,
    parse_months,
    parse_name,
    parse_period,
    parse_public_phone,
    parse_quantity,
    period_year,
    upgrade_id15,
)
from tests.golden import fake_id as make_id

TODAY = dt.date(2024, 6, 1)
PREFIXES = ["410421", "410425", "410402"]
DOT = "\u00b7"

# U+318D (HANGUL LETTER ARAEA) is NFKC-folded to U+119E *before* the dot table is
# applied, so it never becomes U+00B7 (see test_middle_dot_hangul_araea_is_folded).
BROKEN_DOTS = {"\u318d"}
WORKING_DOTS = [c for c in MIDDLE_DOTS if c not in BROKEN_DOTS]




def fullwidth(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


def make_x_id(prefix: str, born: dt.date, seq: int) -> str:
    """The first ID at or after ``seq`` (cyclically) whose check character is X."""
    for k in range(1000):
        number = make_id(prefix, born, (seq + k) % 1000)
        if number.endswith("X"):
            return number
    raise AssertionError("no X check digit for this prefix/date")  # pragma: no cover


VALID_ID = make_id("410421", dt.date(1985, 3, 7), 123)
X_ID = make_x_id("410421", dt.date(1985, 3, 7), 0)


def parse_error(func, raw, *args, **kwargs) -> ParseError:
    with pytest.raises(ParseError) as info:
        func(raw, *args, **kwargs)
    return info.value


# ------------------------------------------------------------------ text helpers


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("  ４１０４２１  ", "410421"),
        ("ＡＢｃ", "ABc"),
        ("\u3000张三\u3000", "张三"),
        ("（１）", "(1)"),
    ],
)
def test_halfwidth(raw, expected):
    assert halfwidth(raw) == expected


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("4104 2119\u3000850307 1238", "410421198503071238"),
        (" 6228\t4800\n1234 ", "622848001234"),
        ("１ ２", "12"),
        ("", ""),
    ],
)
def test_compact(raw, expected):
    assert compact(raw) == expected


# ------------------------------------------------------------------------- IDs


def test_parse_id_plain():
    assert parse_id(VALID_ID, today=TODAY) == VALID_ID


def test_parse_id_full_width():
    assert parse_id(fullwidth(VALID_ID), today=TODAY) == VALID_ID


def test_parse_id_lowercase_x():
    assert X_ID.endswith("X")
    assert parse_id(X_ID[:-1] + "x", today=TODAY) == X_ID


def test_parse_id_full_width_lowercase_x():
    assert parse_id(fullwidth(X_ID[:-1] + "x"), today=TODAY) == X_ID


@pytest.mark.parametrize(
    "spaced",
    [
        f"{VALID_ID[:6]} {VALID_ID[6:14]} {VALID_ID[14:]}",
        f"  {VALID_ID}  ",
        f"{VALID_ID[:6]}\u3000{VALID_ID[6:]}",
        f"{VALID_ID[:9]}\t{VALID_ID[9:]}",
    ],
)
def test_parse_id_spaces_inside(spaced):
    assert parse_id(spaced, today=TODAY) == VALID_ID


def test_parse_id_15_digit_upgraded():
    id15 = "410421500307123"
    result = parse_id(id15, today=TODAY)
    assert len(result) == 18
    assert result[:6] == "410421"
    assert result[6:8] == "19"
    assert result[8:17] == "500307123"
    assert result[17] == ric.calc_check_digit(result)
    assert result == "41042119500307123" + ric.calc_check_digit("41042119500307123" + "0")


def test_parse_id_15_digit_valid_for_stdnum():
    # 110101 has no year range in stdnum's table, so stdnum's full validation applies.
    result = parse_id("110101800101002", today=TODAY)
    assert result.startswith("11010119800101002")
    assert ric.is_valid(result)


def test_upgrade_id15():
    assert upgrade_id15("410421500307123") == make_id("410421", "19500307", 123)


def test_parse_id_15_digit_with_impossible_date():
    err = parse_error(parse_id, "410421500230123", today=TODAY)
    assert err.message == "出生日期不存在（1950年02月30日）"


@pytest.mark.parametrize("raw", ["4.10423E+17", "4.10423e+17", "4.10423E17", "４.１０４２３Ｅ＋１７", "4E+17"])
def test_parse_id_scientific_notation(raw):
    err = parse_error(parse_id, raw, today=TODAY)
    assert "科学计数法" in err.message
    assert "文本" in err.expected


def test_parse_id_wrong_check_digit():
    wrong = VALID_ID[:17] + ("0" if VALID_ID[17] != "0" else "1")
    err = parse_error(parse_id, wrong, today=TODAY)
    assert err.message == "校验位错误"
    assert "GB 11643" in err.expected


def test_parse_id_wrong_check_x():
    assert VALID_ID[17] != "X"
    err = parse_error(parse_id, VALID_ID[:17] + "X", today=TODAY)
    assert err.message == "校验位错误"


@pytest.mark.parametrize(
    "date, shown",
    [
        ("19500230", "1950年02月30日"),
        ("19501301", "1950年13月01日"),
        ("19500000", "1950年00月00日"),
        ("19230229", "1923年02月29日"),
    ],
)
def test_parse_id_impossible_birth_date(date, shown):
    err = parse_error(parse_id, make_id("410421", date), today=TODAY)
    assert err.message == f"出生日期不存在（{shown}）"
    assert err.expected == "有效的出生日期"


def test_parse_id_leap_day_birth_date():
    number = make_id("410421", "19960229")
    assert parse_id(number, today=TODAY) == number


def test_parse_id_birth_date_in_future():
    err = parse_error(parse_id, make_id("410421", "20240602"), today=TODAY)
    assert err.message == "出生日期不合理（2024-06-02）"
    assert "今天以前" in err.expected


def test_parse_id_born_today_accepted():
    number = make_id("410421", "20240601")
    assert parse_id(number, today=TODAY) == number


def test_parse_id_future_relative_to_real_today():
    tomorrow = dt.date.today() + dt.timedelta(days=1)
    with pytest.raises(ParseError, match="出生日期不合理"):
        parse_id(make_id("410421", tomorrow))


def test_parse_id_born_before_1890():
    err = parse_error(parse_id, make_id("410421", "18891231"), today=TODAY)
    assert err.message == "出生日期不合理（1889-12-31）"


def test_parse_id_unknown_region_prefix():
    number = make_id("990000", "19850307")
    assert number[17] == ric.calc_check_digit(number)  # only the prefix is wrong
    err = parse_error(parse_id, number, today=TODAY)
    assert err.message == "前6位地区码990000不存在"
    assert err.expected == "有效的县级行政区划代码"


def test_parse_id_extra_known_prefix():
    number = make_id("990000", "19850307")
    assert parse_id(number, known_prefixes=frozenset({"990000"}), today=TODAY) == number
    # the cached lookup must not leak the extra prefix into calls without it
    with pytest.raises(ParseError, match="地区码"):
        parse_id(number, today=TODAY)
    with pytest.raises(ParseError, match="地区码"):
        parse_id(number, known_prefixes=frozenset({"990001"}), today=TODAY)


def test_parse_id_born_before_county_code_existed():
    """stdnum lists 410421 宝丰县 as [1983-]; people born 1950 still carry it."""
    number = make_id("410421", "19500307")
    assert not ric.is_valid(number)  # stdnum's own check would refuse it
    assert parse_id(number, today=TODAY) == number


@pytest.mark.parametrize(
    "raw, length",
    [
        (VALID_ID[:17], 17),
        (VALID_ID + "1", 19),
        (VALID_ID[:16], 16),
        ("4104211985", 10),
        (VALID_ID[:14], 14),
    ],
)
def test_parse_id_wrong_length(raw, length):
    err = parse_error(parse_id, raw, today=TODAY)
    assert err.message == f"位数不对（{length}位）"
    assert err.expected == "18位公民身份号码（或15位旧号码），末位可为X"


@pytest.mark.parametrize("raw", ["", "   ", "\u3000"])
def test_parse_id_empty(raw):
    assert parse_error(parse_id, raw, today=TODAY).message == "为空"


@pytest.mark.parametrize(
    "raw",
    [
        VALID_ID[:17] + "A",
        VALID_ID[:5] + "X" + VALID_ID[6:],
        VALID_ID[:10] + "-" + VALID_ID[11:],
        VALID_ID[:10] + "一" + VALID_ID[11:],
    ],
)
def test_parse_id_bad_characters(raw):
    assert parse_error(parse_id, raw, today=TODAY).message == "含有数字和X以外的字符"


def test_parse_id_15_chars_with_x_is_a_length_error():
    assert parse_error(parse_id, "41042150030712X", today=TODAY).message == "位数不对（15位）"


def test_parse_id_rejects_or_folds_non_ascii_digits():
    arabic = VALID_ID[:6] + "".join(chr(0x660 + int(c)) for c in VALID_ID[6:17]) + VALID_ID[17]
    try:
        result = parse_id(arabic, today=TODAY)
    except ParseError:
        return
    assert result == VALID_ID



# ------------------------------------------------------------- ID properties

id_numbers = st.builds(
    make_id,
    st.sampled_from(PREFIXES),
    st.dates(dt.date(1900, 1, 1), dt.date(2020, 12, 31)),
    st.integers(0, 999),
)
x_id_numbers = st.builds(
    make_x_id,
    st.sampled_from(PREFIXES),
    st.dates(dt.date(1900, 1, 1), dt.date(2020, 12, 31)),
    st.integers(0, 999),
)
gap_fillers = st.sampled_from(["", "", "", " ", "  ", "\u3000", "\t"])


def interleave(text: str, gaps: list[str]) -> str:
    return "".join(g + c for g, c in zip(gaps, text)) + gaps[len(text)]


@settings(max_examples=200)
@given(id_numbers)
def test_prop_parse_id_plain_and_full_width(number):
    assert parse_id(number, today=TODAY) == number
    assert parse_id(fullwidth(number), today=TODAY) == number


@settings(max_examples=200)
@given(id_numbers, st.lists(gap_fillers, min_size=19, max_size=19))
def test_prop_parse_id_spaces_anywhere(number, gaps):
    assert parse_id(interleave(number, gaps), today=TODAY) == number


@settings(max_examples=100)
@given(x_id_numbers)
def test_prop_parse_id_lowercase_x(number):
    assert number.endswith("X")
    assert parse_id(number[:-1] + "x", today=TODAY) == number
    assert parse_id(fullwidth(number[:-1] + "x"), today=TODAY) == number


@settings(max_examples=200)
@given(
    st.builds(
        make_id,
        st.sampled_from(PREFIXES),
        st.dates(dt.date(1900, 1, 1), dt.date(1999, 12, 31)),
        st.integers(0, 999),
    )
)
def test_prop_parse_id_legacy_15_digit(number):
    assert parse_id(number[:6] + number[8:17], today=TODAY) == number


@settings(max_examples=200)
@given(id_numbers, st.lists(gap_fillers, min_size=19, max_size=19), st.booleans(), st.booleans())
def test_prop_parse_id_idempotent(number, gaps, wide, lower):
    raw = number.lower() if lower else number
    raw = interleave(raw, gaps)
    raw = fullwidth(raw) if wide else raw
    once = parse_id(raw, today=TODAY)
    assert parse_id(once, today=TODAY) == once


@settings(max_examples=200)
@given(id_numbers, st.integers(0, 17), st.sampled_from("0123456789X"))
def test_prop_parse_id_single_substitution_detected(number, pos, new):
    """MOD 11-2 detects every single-character substitution, so parse_id must raise."""
    if new == number[pos] or (new == "X" and pos != 17):
        new = "0123456789"[(int(number[pos]) + 1) % 10] if number[pos] != "X" else "0"
    mutated = number[:pos] + new + number[pos + 1:]
    assert mutated != number
    with pytest.raises(ParseError):
        parse_id(mutated, today=TODAY)


# ----------------------------------------------------------------------- names


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("张三", "张三"),
        (" 张 三 ", "张三"),
        ("张\u3000三", "张三"),
        ("欧阳\t晓明\n", "欧阳晓明"),
        ("李〇", "李〇"),
        ("\uf900三", "\u8c48三"),  # CJK compatibility ideograph folded by NFKC
    ],
)
def test_parse_name_valid(raw, expected):
    assert parse_name(raw) == expected


@pytest.mark.parametrize("dot", WORKING_DOTS)
def test_parse_name_middle_dot_variants(dot):
    assert parse_name(f"买买提{dot}艾力") == f"买买提{DOT}艾力"


def test_middle_dot_hangul_araea_is_folded():
    assert normalize_name("买买提\u318d艾力") == f"买买提{DOT}艾力"
    assert parse_name("买买提\u318d艾力") == f"买买提{DOT}艾力"


def test_parse_name_dot_with_spaces():
    assert parse_name(" 买买提 ・ 艾力 ") == f"买买提{DOT}艾力"


def test_parse_name_astral_character_counts_once():
    assert parse_name("𠮷野家") == "𠮷野家"
    assert len(parse_name("𠮷野")) == 2
    # One astral character is one character, so it is too short on its own.
    assert parse_error(parse_name, "𠮷").message == "长度不对（1个字）"


@pytest.mark.parametrize(
    "raw, bad",
    [
        ("张3", "3"),
        ("张三1", "1"),
        ("Zhang三", "Zhang"),
        ("李a", "a"),
        ("ＡＢ", "AB"),
        ("张-三", "-"),
        ("anna", "an"),
    ],
)
def test_parse_name_bad_characters(raw, bad):
    err = parse_error(parse_name, raw)
    assert err.message == f"含有不能用于姓名的字符“{bad}”"
    assert err.expected == "2至30个汉字，少数民族姓名可含“·”"


def test_parse_name_single_character():
    assert parse_error(parse_name, "张").message == "长度不对（1个字）"


def test_parse_name_length_bounds():
    assert parse_name("张" * 30) == "张" * 30
    assert parse_error(parse_name, "张" * 31).message == "长度不对（31个字）"


@pytest.mark.parametrize("raw", [f"{DOT}买买提", f"买买提{DOT}", f"买买提{DOT}{DOT}艾力", f"买买提{DOT}・艾力", DOT])
def test_parse_name_dot_position(raw):
    assert parse_error(parse_name, raw).message == "“·”的位置不对"


@pytest.mark.parametrize("raw", ["", "  ", "\u3000\t"])
def test_parse_name_empty(raw):
    assert parse_error(parse_name, raw).message == "为空"


def test_normalize_name_does_not_validate():
    assert normalize_name(" ab 1 ") == "ab1"


name_chars = st.one_of(
    st.characters(min_codepoint=0x4E00, max_codepoint=0x9FA5),
    st.sampled_from(["𠮷", "𪚥", "𡃁", "〇"]),
)
clean_names = st.lists(name_chars, min_size=2, max_size=12).map("".join)
whitespace = st.sampled_from([" ", "\u3000", "\t", "\n", "\xa0", "\u2003"])


@given(
    st.text(
        alphabet=st.one_of(
            name_chars, whitespace, st.sampled_from(WORKING_DOTS), st.sampled_from("abcXYZ019-·・"),
        ),
        max_size=20,
    )
)
def test_prop_normalize_name_idempotent(raw):
    once = normalize_name(raw)
    assert normalize_name(once) == once


@pytest.mark.parametrize("raw", ["R\u00b8", "A\uffe3"])
def test_normalize_name_idempotent_with_spacing_marks(raw):
    once = normalize_name(raw)
    assert normalize_name(once) == once


@given(clean_names, st.data())
def test_prop_parse_name_ignores_whitespace(name, data):
    gaps = data.draw(st.lists(st.one_of(st.just(""), whitespace), min_size=len(name) + 1, max_size=len(name) + 1))
    assert parse_name(interleave(name, gaps)) == parse_name(name) == name


@given(clean_names, st.sampled_from(WORKING_DOTS), st.integers(1, 100))
def test_prop_parse_name_dot_variants(name, dot, where):
    pos = 1 + where % (len(name) - 1)
    assert parse_name(name[:pos] + dot + name[pos:]) == name[:pos] + DOT + name[pos:]


# ----------------------------------------------------------------------- cards

CARD16 = luhn_complete("622848001234567")
CARD17 = luhn_complete("6228480012345678")
CARD18 = luhn_complete("62284800123456789")
CARD19 = luhn_complete("622848001234567890")


@pytest.mark.parametrize("card", [CARD16, CARD17, CARD18, CARD19])
def test_parse_card_valid_lengths(card):
    assert parse_card(card) == card


@pytest.mark.parametrize(
    "raw",
    [
        f"{CARD19[:4]}-{CARD19[4:8]}-{CARD19[8:12]}-{CARD19[12:]}",
        f"{CARD19[:4]} {CARD19[4:8]} {CARD19[8:12]} {CARD19[12:]}",
        f" {CARD19[:6]}\u3000{CARD19[6:]} ",
        fullwidth(CARD19),
        fullwidth(f"{CARD19[:4]}-{CARD19[4:]}"),
    ],
)
def test_parse_card_cleans_separators_and_full_width(raw):
    assert parse_card(raw) == CARD19


@pytest.mark.parametrize("card", [CARD16, CARD19])
def test_parse_card_luhn_invalid(card):
    wrong = card[:-1] + str((int(card[-1]) + 1) % 10)
    err = parse_error(parse_card, wrong)
    assert err.message == "校验位错误（Luhn）"


@pytest.mark.parametrize(
    "card, length",
    [(luhn_complete("62284800123456"), 15), (luhn_complete("6228480012345678901"), 20), ("0", 1)],
)
def test_parse_card_wrong_length(card, length):
    assert luhn_ok(card)
    err = parse_error(parse_card, card)
    assert err.message == f"位数不对（{length}位）"
    assert err.expected == "16至19位银行卡号或社会保障卡银行账号"


@pytest.mark.parametrize("raw", ["6.22848E+18", "6.22848001234568E+18", "６.２２８４８Ｅ＋１８"])
def test_parse_card_scientific_notation(raw):
    assert "科学计数法" in parse_error(parse_card, raw).message


@pytest.mark.parametrize("raw", ["6228a80012345678", "6228.480012345678", "卡号6228480012345678"])
def test_parse_card_bad_characters(raw):
    assert parse_error(parse_card, raw).message == "含有数字以外的字符"


@pytest.mark.parametrize("raw", ["", " ", "--"])
def test_parse_card_empty(raw):
    assert parse_error(parse_card, raw).message == "为空"


@pytest.mark.parametrize(
    "digits, ok",
    [("79927398713", True), ("79927398710", False), ("0", True), ("18", True), ("4111111111111111", True),
     ("4111111111111112", False)],
)
def test_luhn_ok(digits, ok):
    assert luhn_ok(digits) is ok


@given(st.text(alphabet="0123456789", max_size=25))
def test_prop_luhn_complete(prefix):
    full = luhn_complete(prefix)
    assert len(full) == len(prefix) + 1
    assert full.startswith(prefix)
    assert luhn_ok(full)
    # exactly one check digit works
    assert sum(luhn_ok(prefix + d) for d in "0123456789") == 1


# --------------------------------------------------------------------- amounts


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("1,234.50", "1234.50"),
        ("￥86.9", "86.90"),
        ("¥86.9", "86.90"),
        ("86.9元", "86.90"),
        ("１２３.４", "123.40"),
        ("１,２３４.５６元", "1234.56"),
        ("100", "100.00"),
        (" 12 345.6 ", "12345.60"),
        ("RMB 5", "5.00"),
        ("5 CNY", "5.00"),
        ("0.01", "0.01"),
    ],
)
def test_parse_amount_valid(raw, expected):
    value = parse_amount(raw)
    assert isinstance(value, Decimal)
    assert str(value) == expected


@pytest.mark.parametrize("raw, shown", [("-5", "-5"), ("-86.9元", "-86.9"), ("￥-1,000", "-1000")])
def test_parse_amount_negative(raw, shown):
    err = parse_error(parse_amount, raw)
    assert err.message == f"金额为负数（{shown}）"
    assert err.expected == "大于0的金额，最多两位小数，如 1234.50"


@pytest.mark.parametrize("raw", ["0", "0.00", "0.0", "￥0"])
def test_parse_amount_zero(raw):
    assert parse_error(parse_amount, raw).message == "金额为0"


@pytest.mark.parametrize("raw", ["1.234", "86.905", "abc", "八十六元", "1e3", "12.", ".5", "1.2.3"])
def test_parse_amount_not_an_amount(raw):
    assert parse_error(parse_amount, raw).message == f"不是金额（{raw}）"


@pytest.mark.parametrize("raw", ["", "  ", "元", "￥"])
def test_parse_amount_empty(raw):
    assert parse_error(parse_amount, raw).message == "为空"


# ------------------------------------------------------------------ quantities


@pytest.mark.parametrize(
    "raw, expected, shown",
    [
        ("3", Decimal(3), "3"),
        ("3.25", Decimal("3.25"), "3.25"),
        ("2.0", Decimal(2), "2"),
        ("10亩", Decimal(10), "10"),
        ("1,000", Decimal(1000), "1000"),
        ("１２", Decimal(12), "12"),
        ("3人", Decimal(3), "3"),
        ("2个", Decimal(2), "2"),
        ("6月", Decimal(6), "6"),
        ("0.0001", Decimal("0.0001"), "0.0001"),
        (" 12.5 亩 ", Decimal("12.5"), "12.5"),
    ],
)
def test_parse_quantity_valid(raw, expected, shown):
    value = parse_quantity(raw)
    assert value == expected
    assert format_decimal(value) == shown


def test_parse_quantity_keeps_fraction_digits():
    assert str(parse_quantity("2.50")) == "2.50"


@pytest.mark.parametrize("raw", ["-1", "1.23456", "abc", "3吨", "1e2", "1.2.3"])
def test_parse_quantity_invalid(raw):
    err = parse_error(parse_quantity, raw)
    assert err.message == f"不是有效数量（{raw}）"
    assert err.expected == "大于0的数量，最多四位小数，如 1 或 3.25"


@pytest.mark.parametrize("raw", ["0", "0.0000", "0亩"])
def test_parse_quantity_zero(raw):
    assert parse_error(parse_quantity, raw).message == "数量为0"


@pytest.mark.parametrize("raw", ["", " ", "亩"])
def test_parse_quantity_empty(raw):
    assert parse_error(parse_quantity, raw).message == "为空"


@pytest.mark.parametrize(
    "value, places, expected",
    [
        (Decimal("1234.5"), 2, "1234.50"),
        (Decimal("1234.5"), None, "1234.5"),
        (Decimal("3.2500"), None, "3.25"),
        (Decimal("2.00"), None, "2"),
        (Decimal("100"), None, "100"),
        (Decimal("1E+1"), None, "10"),
        (Decimal("1E+3"), 2, "1000.00"),
        (Decimal("0.10"), None, "0.1"),
        (Decimal("0.0001"), None, "0.0001"),
        (Decimal("5"), 2, "5.00"),
    ],
)
def test_format_decimal(value, places, expected):
    assert format_decimal(value, places) == expected


@given(st.decimals(min_value=Decimal("0.0001"), max_value=Decimal("1e9"), places=4))
def test_prop_format_decimal_roundtrip(value):
    text = format_decimal(value)
    assert "E" not in text and "e" not in text
    assert Decimal(text) == value


@pytest.mark.parametrize("value, expected", [
    (Decimal("1080"), "1,080.00"), (Decimal("12.5"), "12.50"), (Decimal("0.05"), "0.05"),
    (Decimal("1234567.891"), "1,234,567.89"), (Decimal(0), "0.00"),
])
def test_format_money_groups_thousands_with_two_decimals(value, expected):
    assert format_money(value) == expected


@given(st.decimals(min_value=Decimal("0.01"), max_value=Decimal("999999999.99"), places=2))
def test_prop_format_money_reads_back_as_parse_amount(value):
    assert parse_amount(format_money(value)) == value


@pytest.mark.parametrize("cents, expected", [(108000, "1080.00"), (1250, "12.50"), (5, "0.05"), (0, "0.00"),
                                             (123456789, "1234567.89")])
def test_format_cents_has_two_decimals_and_no_grouping(cents, expected):
    assert format_cents(cents) == expected


@given(st.decimals(min_value=Decimal("0.01"), max_value=Decimal("999999999.99"), places=2))
def test_prop_format_cents_is_format_decimal_of_the_amount(value):
    assert format_cents(int(value * 100)) == format_decimal(value, 2)


# ----------------------------------------------------------------------- dates


@pytest.mark.parametrize(
    "raw",
    [
        "2024-06-03",
        "2024-6-3",
        "2024/6/3",
        "2024/06/03",
        "2024年6月3日",
        "2024年06月03日",
        "2024年6月3",
        "20240603",
        "2024.6.3",
        "2024-06-03 00:00:00",
        "2024-06-03 00:00",
        "2024-06-03T00:00:00",
        "2024/6/3 0:00",
        "２０２４－０６－０３",
        "２０２４年６月３日",
        " 2024-06-03 ",
    ],
)
def test_parse_date_formats(raw):
    assert parse_date(raw) == dt.date(2024, 6, 3)


@pytest.mark.parametrize("raw, expected", [("2024-02-29", dt.date(2024, 2, 29)), ("2024-12-31", dt.date(2024, 12, 31))])
def test_parse_date_edges(raw, expected):
    assert parse_date(raw) == expected


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("2024/6/30 0:00", dt.date(2024, 6, 30)),
        ("2024/6/20 0:00", dt.date(2024, 6, 20)),
        ("2024-06-10 0:00:00", dt.date(2024, 6, 10)),
    ],
)
def test_parse_date_excel_midnight_on_day_ending_in_zero(raw, expected):
    assert parse_date(raw) == expected


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("2024-06-30 00:00:00", dt.date(2024, 6, 30)),
        ("2024-06-10 00:00", dt.date(2024, 6, 10)),
        ("2024-06-30", dt.date(2024, 6, 30)),
    ],
)
def test_parse_date_day_ending_in_zero_with_two_digit_midnight(raw, expected):
    assert parse_date(raw) == expected


@pytest.mark.parametrize("raw", ["2024-02-30", "2023-02-29", "2024-13-01", "2024/0/1", "2024年4月31日", "20240631"])
def test_parse_date_impossible(raw):
    err = parse_error(parse_date, raw)
    assert err.message == f"日期不存在（{raw}）"
    assert "2024-06-03" in err.expected


@pytest.mark.parametrize(
    "raw",
    ["abc", "2024-06", "03/06/2024", "2024-06-03 10:30", "2024-06-03 12:00:00", "24-6-3", "2024-006-03", "明天"],
)
def test_parse_date_garbage(raw):
    assert parse_error(parse_date, raw).message == f"不是日期（{raw}）"


@pytest.mark.parametrize("raw", ["", "  "])
def test_parse_date_empty(raw):
    assert parse_error(parse_date, raw).message == "为空"


# ---------------------------------------------------------------------- phones


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("0375-2661234", "0375-2661234"),
        ("0375-26612345", "0375-26612345"),
        ("010-12345678", "010-12345678"),
        ("0375-2661234-801", "0375-2661234-801"),
        ("12345", "12345"),
        ("12315", "12315"),
        ("400-810-8888", "400-810-8888"),
        ("4008108888", "4008108888"),
        ("400 810 8888", "4008108888"),
        ("０３７５－２６６１２３４", "0375-2661234"),
        (" 12345 ", "12345"),
    ],
)
def test_parse_public_phone_accepted(raw, expected):
    assert parse_public_phone(raw) == expected


@pytest.mark.parametrize("raw", ["13812345678", "19912345678", "138 1234 5678", "１３８１２３４５６７８"])
def test_parse_public_phone_rejects_mobile(raw):
    err = parse_error(parse_public_phone, raw)
    assert err.message == "不能填写手机号码"
    assert "座机" in err.expected


@pytest.mark.parametrize("raw", ["138-1234-5678", "+86 13812345678", "+8613812345678"])
def test_parse_public_phone_rejects_mobile_in_other_notation(raw):
    with pytest.raises(ParseError):
        parse_public_phone(raw)


@pytest.mark.parametrize("raw", ["12", "1234", "abc", "0375-123", "12812345678", "电话12345"])
def test_parse_public_phone_not_a_phone(raw):
    assert parse_error(parse_public_phone, raw).message == f"不是电话号码（{raw}）"


def test_parse_public_phone_empty():
    assert parse_error(parse_public_phone, " ").message == "为空"


# ---------------------------------------------------------------------- months


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("每月", tuple(range(1, 13))),
        ("按月", tuple(range(1, 13))),
        ("全年", tuple(range(1, 13))),
        ("1-12月", tuple(range(1, 13))),
        ("5-6月", (5, 6)),
        ("3、6、9、12月", (3, 6, 9, 12)),
        ("3-4、9-10月", (3, 4, 9, 10)),
        ("每年5月至6月", (5, 6)),
        ("5月至6月", (5, 6)),
        ("5月-6月", (5, 6)),
        ("5～6月", (5, 6)),
        ("5~6月", (5, 6)),
        ("5月、6月", (5, 6)),
        ("12,3", (3, 12)),
        ("6、6月", (6,)),
        ("6月", (6,)),
        ("每年11月发放", (11,)),
        ("１－３月", (1, 2, 3)),
    ],
)
def test_parse_months(raw, expected):
    assert parse_months(raw) == expected


@pytest.mark.parametrize("raw", ["13月", "6-5月", "abc", "0月", "5-13月", "春季", "5-6-7月"])
def test_parse_months_invalid(raw):
    err = parse_error(parse_months, raw)
    assert err.message == f"不能识别的发放时间（{raw}）"
    assert "每月" in err.expected


@pytest.mark.parametrize("raw", ["", "月", "、"])
def test_parse_months_empty(raw):
    assert parse_error(parse_months, raw).message == "为空"


# --------------------------------------------------------------------- periods


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("2024", "2024"),
        ("2024Q2", "2024Q2"),
        ("2024q2", "2024Q2"),
        ("2024H1", "2024H1"),
        ("2024h2", "2024H2"),
        ("2024-03", "2024-03"),
        ("2024-12", "2024-12"),
        ("2024-B01", "2024-B01"),
        ("2024-b12", "2024-B12"),
        (" 2024Q4 ", "2024Q4"),
        ("２０２４Ｑ２", "2024Q2"),
    ],
)
def test_parse_period_valid(raw, expected):
    assert parse_period(raw) == expected


@pytest.mark.parametrize(
    "raw", ["2024Q5", "2024Q0", "2024-13", "2024-00", "2024-3", "24Q1", "2024H3", "2024-B1", "2024B01", "Q2", "", "abc"]
)
def test_parse_period_invalid(raw):
    err = parse_error(parse_period, raw)
    assert err.message == f"不是有效期号（{raw.strip()}）"
    assert "2024Q2" in err.expected


@pytest.mark.parametrize(
    "period, year", [("2024", 2024), ("2024Q2", 2024), ("2023H1", 2023), ("2025-03", 2025), ("2022-B01", 2022)]
)
def test_period_year(period, year):
    assert period_year(parse_period(period)) == year
