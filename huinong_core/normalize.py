"""Parsers and normalizers for single values, shared by load, ingest and lookup.

Every parser takes the raw cell text and returns a clean Python value or
raises :class:`ParseError` with a Chinese message for staff (what is wrong)
and what was expected.  The lookup API normalizes what a person types with
the same functions, so 查询键 computed at ingest and at query time agree.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import unicodedata
from decimal import Decimal, InvalidOperation

from stdnum.cn import ric
from stdnum import numdb

from huinong_core.errors import ParseError

# --------------------------------------------------------------------- text

#: Every middle-dot look-alike seen in names of ethnic minorities
#: (买买提·艾力): folded into U+00B7 MIDDLE DOT.
MIDDLE_DOTS = "\u00b7\u2022\u2027\u2219\u22c5\u30fb\uff65\u0387\u16eb\u2e31\u318d\u119e\ua78f"
# (U+318D is listed for clarity; NFKC turns it into U+119E before the table runs.)
_DOT_TABLE = str.maketrans({c: "\u00b7" for c in MIDDLE_DOTS})
_SPACES = re.compile(r"\s+")


def halfwidth(text: str) -> str:
    """NFKC-fold full-width digits, letters and punctuation; trim."""
    return unicodedata.normalize("NFKC", text).strip()


def compact(text: str) -> str:
    """halfwidth() and remove every space inside (``4104 2119…`` → ``410421…``)."""
    return _SPACES.sub("", halfwidth(text))


# Excel turns long digit strings into floats: 4.10423E+17 (digits lost).
_SCIENTIFIC = re.compile(r"^[0-9](\.[0-9]+)?[eE]\+?[0-9]+$")


def _reject_scientific(text: str) -> None:
    if _SCIENTIFIC.match(text):
        raise ParseError(
            "已被Excel转成科学计数法，后几位数字已丢失，无法恢复",
            "在Excel中把该列设为“文本”格式后重新导出",
        )


# ---------------------------------------------------------------- ID number

_ASCII_DIGITS = re.compile(r"[0-9]+")
_ID_EXPECTED = "18位公民身份号码（或15位旧号码），末位可为X"


@functools.lru_cache(maxsize=4096)
def _known_prefix(prefix: str, extra_prefixes: frozenset[str] | None) -> bool:
    if extra_prefixes and prefix in extra_prefixes:
        return True
    # stdnum's table of GB/T 2260 codes, past and present.  We ignore its
    # year ranges on purpose: people born before a county got its code
    # still carry that code on their cards.
    info = {k: v for _part, props in numdb.get("cn/loc").info(prefix) for k, v in props.items()}
    return "county" in info


def upgrade_id15(number: str) -> str:
    """Upgrade a 15-digit (pre-1999) ID to 18 digits: insert 19, add check digit."""
    body = number[:6] + "19" + number[6:]
    return body + ric.calc_check_digit(body + "0")


def parse_id(raw: str, known_prefixes: frozenset[str] | None = None, today: dt.date | None = None) -> str:
    """Normalize a resident ID number to 18 upper-case characters.

    Accepts full-width digits, a lower-case x, spaces inside, and 15-digit
    legacy numbers (upgraded).  Rejects Excel's scientific notation, wrong
    length, wrong check digit, impossible birth dates and unknown region
    prefixes (``known_prefixes`` adds codes of our own regions.csv to
    stdnum's table).
    """
    text = compact(raw).upper()
    if not text:
        raise ParseError("为空", _ID_EXPECTED)
    _reject_scientific(text)
    if len(text) == 15 and _ASCII_DIGITS.fullmatch(text):
        text = upgrade_id15(text)
    if len(text) != 18:
        raise ParseError(f"位数不对（{len(text)}位）", _ID_EXPECTED)
    if not _ASCII_DIGITS.fullmatch(text[:17]) or text[17] not in "0123456789X":
        raise ParseError("含有数字和X以外的字符", _ID_EXPECTED)
    try:
        # What ric.get_birth_date does after cleaning the number again (the lookup parses one per request).
        born = dt.date(int(text[6:10]), int(text[10:12]), int(text[12:14]))
    except ValueError:
        raise ParseError(f"出生日期不存在（{text[6:10]}年{text[10:12]}月{text[12:14]}日）", "有效的出生日期") from None
    today = today or dt.date.today()
    if born > today or born.year < 1890:
        raise ParseError(f"出生日期不合理（{born.isoformat()}）", "1890年以后、今天以前的出生日期")
    if text[17] != ric.calc_check_digit(text):
        raise ParseError("校验位错误", "按GB 11643计算的校验位")
    if not _known_prefix(text[:6], known_prefixes):
        raise ParseError(f"前6位地区码{text[:6]}不存在", "有效的县级行政区划代码")
    return text


# --------------------------------------------------------------------- name

_NAME_EXPECTED = "2至30个汉字，少数民族姓名可含“·”"


def normalize_name(raw: str) -> str:
    """The one normalization used for 查询键: NFKC, no spaces, one middle dot.

    NFKC runs again after the spaces go: it can split a character into a space
    and a combining mark, which only compose once the space is removed.
    """
    return unicodedata.normalize("NFKC", compact(raw)).translate(_DOT_TABLE)


def _name_char_ok(ch: str) -> bool:
    if ch == "\u00b7":
        return True
    if ch == "\u3007":  # 〇
        return True
    name = unicodedata.name(ch, "")
    return name.startswith("CJK UNIFIED IDEOGRAPH") or name.startswith("CJK COMPATIBILITY IDEOGRAPH")


def parse_name(raw: str) -> str:
    """A recipient's full name, normalized.  Rare characters (𠮷) are fine."""
    name = normalize_name(raw)
    if not name:
        raise ParseError("为空", _NAME_EXPECTED)
    bad = [c for c in name if not _name_char_ok(c)]
    if bad:
        raise ParseError(f"含有不能用于姓名的字符“{''.join(dict.fromkeys(bad))}”", _NAME_EXPECTED)
    if name[0] == "\u00b7" or name[-1] == "\u00b7" or "\u00b7\u00b7" in name:
        raise ParseError("“·”的位置不对", _NAME_EXPECTED)
    if not 2 <= len(name) <= 30:
        raise ParseError(f"长度不对（{len(name)}个字）", _NAME_EXPECTED)
    return name


# --------------------------------------------------------------------- card

_CARD_EXPECTED = "16至19位银行卡号或社会保障卡银行账号"


def luhn_ok(digits: str) -> bool:
    total = 0
    for i, c in enumerate(reversed(digits)):
        d = int(c)
        if i % 2 == 1:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


def luhn_complete(prefix: str) -> str:
    """Append the Luhn check digit to ``prefix``."""
    for d in "0123456789":
        if luhn_ok(prefix + d):
            return prefix + d
    raise AssertionError("unreachable")


def parse_card(raw: str) -> str:
    text = compact(raw).replace("-", "")
    if not text:
        raise ParseError("为空", _CARD_EXPECTED)
    _reject_scientific(text)
    if not _ASCII_DIGITS.fullmatch(text):
        raise ParseError("含有数字以外的字符", _CARD_EXPECTED)
    if not 16 <= len(text) <= 19:
        raise ParseError(f"位数不对（{len(text)}位）", _CARD_EXPECTED)
    if not luhn_ok(text):
        raise ParseError("校验位错误（Luhn）", "正确的银行卡号")
    return text


# ------------------------------------------------------------------- amount

_AMOUNT_RE = re.compile(r"^[0-9]+(\.[0-9]{1,2})?$")
#: Digits before the point: a subsidy is never a billion yuan, and longer numbers overflow Decimal's context.
MAX_WHOLE_DIGITS = 9
_AMOUNT_EXPECTED = "大于0的金额，最多两位小数，如 1234.50"


def parse_amount(raw: str) -> Decimal:
    """``1,234.50``, ``￥86.9``, ``86.9元`` → Decimal('1234.50') etc."""
    text = compact(raw)
    for junk in ("¥", "￥", "元", "RMB", "CNY", ","):
        text = text.replace(junk, "")
    if not text:
        raise ParseError("为空", _AMOUNT_EXPECTED)
    if text.startswith("-"):
        raise ParseError(f"金额为负数（{text}）", _AMOUNT_EXPECTED)
    if not _AMOUNT_RE.match(text):
        raise ParseError(f"不是金额（{raw.strip()}）", _AMOUNT_EXPECTED)
    if len(text.split(".")[0].lstrip("0")) > MAX_WHOLE_DIGITS:
        raise ParseError(f"金额过大（{raw.strip()[:20]}）", _AMOUNT_EXPECTED)
    value = Decimal(text).quantize(Decimal("0.01"))
    if value <= 0:
        raise ParseError("金额为0", _AMOUNT_EXPECTED)
    return value


_QTY_RE = re.compile(r"^[0-9]+(\.[0-9]{1,4})?$")
_QTY_EXPECTED = "大于0的数量，最多四位小数，如 1 或 3.25"


def parse_quantity(raw: str) -> Decimal:
    text = compact(raw).replace(",", "")
    for unit in ("亩", "人", "月", "个"):
        text = text.removesuffix(unit)
    if not text:
        raise ParseError("为空", _QTY_EXPECTED)
    if text.startswith("-") or not _QTY_RE.match(text):
        raise ParseError(f"不是有效数量（{raw.strip()}）", _QTY_EXPECTED)
    if len(text.split(".")[0].lstrip("0")) > MAX_WHOLE_DIGITS:
        raise ParseError(f"数量过大（{raw.strip()[:20]}）", _QTY_EXPECTED)
    try:
        value = Decimal(text)
    except InvalidOperation:  # pragma: no cover - regex guards it
        raise ParseError(f"不是有效数量（{raw.strip()}）", _QTY_EXPECTED) from None
    if value <= 0:
        raise ParseError("数量为0", _QTY_EXPECTED)
    return value.quantize(Decimal(1)) if value == value.to_integral() else value


def format_money(value: Decimal) -> str:
    """12,345.60: an amount as people read it (pages, staff reports); files keep ``format_decimal(value, 2)``."""
    return f"{value:,.2f}"


def format_cents(cents: int) -> str:
    """1234.50: an amount kept as whole cents (the lookup database), as the API answers it; the same
    text as ``format_decimal(value, 2)`` of the amount."""
    return f"{cents // 100}.{cents % 100:02d}"


def format_decimal(value: Decimal, places: int | None = None) -> str:
    """Render without exponent; amounts always with two decimals."""
    if places is not None:
        return f"{value:.{places}f}"
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


# --------------------------------------------------------------------- date

_DATE_EXPECTED = "日期，如 2024-06-03、2024/6/3、2024年6月3日 或 20240603"
_DATE_PATTERNS = [
    re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$"),
    re.compile(r"^(\d{4})/(\d{1,2})/(\d{1,2})$"),
    re.compile(r"^(\d{4})\.(\d{1,2})\.(\d{1,2})$"),
    re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日?$"),
    re.compile(r"^(\d{4})(\d{2})(\d{2})$"),
]


def parse_date(raw: str) -> dt.date:
    # Excel and exports often add a midnight time (2024/6/30 0:00, 2024-06-03 00:00:00):
    # drop it while the space still separates it from the day.
    text = re.sub(r"(T|\s+)0{1,2}:00(:00)?$", "", halfwidth(raw))
    text = compact(text)
    if not text:
        raise ParseError("为空", _DATE_EXPECTED)
    for pattern in _DATE_PATTERNS:
        m = pattern.match(text)
        if m:
            y, mo, d = (int(g) for g in m.groups())
            try:
                return dt.date(y, mo, d)
            except ValueError:
                raise ParseError(f"日期不存在（{raw.strip()}）", _DATE_EXPECTED) from None
    raise ParseError(f"不是日期（{raw.strip()}）", _DATE_EXPECTED)


# ------------------------------------------------------------------- phone

_PHONE_RE = re.compile(r"^(\d{3,4}-\d{7,8}(-\d{1,5})?|\d{5}|\d{3}-\d{3}-\d{4}|400-?\d{3}-?\d{4}|1[3-9]\d{9})$")
_PHONE_EXPECTED = "座机（0375-1234567）、热线（12345）或400电话"


def parse_public_phone(raw: str) -> str:
    """A phone number published on purpose: office landline or hotline.

    Mobile numbers are refused: public contacts must be office lines, and a
    mobile number in data/ would trip the privacy gate.
    """
    text = compact(raw)
    if not text:
        raise ParseError("为空", _PHONE_EXPECTED)
    if re.fullmatch(r"1[3-9]\d{9}", text):
        raise ParseError("不能填写手机号码", _PHONE_EXPECTED)
    if not _PHONE_RE.match(text):
        raise ParseError(f"不是电话号码（{raw.strip()}）", _PHONE_EXPECTED)
    return text


# -------------------------------------------------------------- months/期号

_MONTHS_EXPECTED = "发放月份，如 每月、5-6月、3、6、9、12月"


def parse_months(raw: str) -> tuple[int, ...]:
    """发放时间 → the months in which payments are due (sorted, unique)."""
    text = compact(raw)
    if text in ("每月", "按月", "1-12月", "全年"):
        return tuple(range(1, 13))
    text = text.removeprefix("每年").removesuffix("发放").removesuffix("月")
    text = text.replace("月至", "-").replace("至", "-").replace("月-", "-").replace("～", "-").replace("~", "-")
    parts = [p.removesuffix("月") for p in re.split(r"[、,，;；]", text) if p]
    months: set[int] = set()
    try:
        for part in parts:
            if "-" in part:
                a, b = (int(x) for x in part.split("-", 1))
                if not (1 <= a <= b <= 12):
                    raise ValueError
                months.update(range(a, b + 1))
            else:
                m = int(part)
                if not 1 <= m <= 12:
                    raise ValueError
                months.add(m)
    except ValueError:
        raise ParseError(f"不能识别的发放时间（{raw.strip()}）", _MONTHS_EXPECTED) from None
    if not months:
        raise ParseError("为空", _MONTHS_EXPECTED)
    return tuple(sorted(months))


PERIOD_RE = re.compile(r"^(\d{4})(?:-(0[1-9]|1[0-2])|Q([1-4])|H([12])|-B(\d{2}))?$")
_PERIOD_EXPECTED = "期号，如 2024（年度）、2024H1（半年）、2024Q2（季度）、2024-03（月）或 2024-B01（批次）"


def parse_period(raw: str) -> str:
    text = compact(raw).upper()
    if not PERIOD_RE.match(text):
        raise ParseError(f"不是有效期号（{raw.strip()}）", _PERIOD_EXPECTED)
    return text


def period_year(period: str) -> int:
    return int(period[:4])


def period_label(period: str) -> str:
    """期号 in words: 2024年度, 2024年上半年, 2024年第2季度, 2024年3月, 2024年第1批."""
    m = PERIOD_RE.match(period)
    if not m:
        return period
    year, month, quarter, half, batch = m.groups()
    if month:
        return f"{year}年{int(month)}月"
    if quarter:
        return f"{year}年第{quarter}季度"
    if half:
        return f"{year}年{'上' if half == '1' else '下'}半年"
    if batch:
        return f"{year}年第{int(batch)}批"
    return f"{year}年度"
