"""Tests for generator/privacy.py: the detector behind `check` and the build's privacy gate."""

from __future__ import annotations

import collections
import datetime as dt
import hashlib
import hmac
import re
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from generator.privacy import Finding, id18_valid, preview, scan_bytes, scan_paths
from huinong_core.normalize import luhn_complete, luhn_ok
from tests.helpers import PII_SCAN, require_pii_scan
from tests.golden import fake_id as make_id





def first_id(pred, prefix="410421", born="19850307") -> str:
    for seq in range(1000):
        number = make_id(prefix, born, seq)
        if pred(number):
            return number
    raise AssertionError("no such ID")  # pragma: no cover


# A valid digit-only ID that is not also Luhn-valid (so it can only be an id18 finding).
ID = first_id(lambda n: n[17] != "X" and not luhn_ok(n))
X_ID = first_id(lambda n: n.endswith("X"))
LUHN_ID = first_id(lambda n: n[17] != "X" and luhn_ok(n))
PHONE = "13812345678"
CARD19 = luhn_complete("622848001234567890")
CARD16 = luhn_complete("622848001234567")


def wrong_check(number: str) -> str:
    """``number`` with a wrong check digit that is not Luhn-valid either."""
    for d in "0123456789":
        candidate = number[:17] + d
        if d != number[17] and not luhn_ok(candidate):
            return candidate
    raise AssertionError("unreachable")  # pragma: no cover


def kinds(data: bytes, **kwargs) -> list[str]:
    return [f.kind for f in scan_bytes(data, "f.txt", **kwargs)]


# ------------------------------------------------------------------ finds


@pytest.mark.parametrize(
    "value, kind",
    [
        (ID, "id18"),
        (X_ID, "id18"),
        (X_ID[:-1] + "x", "id18"),
        (PHONE, "phone"),
        ("19912345678", "phone"),
        (CARD19, "card"),
        (CARD16, "card"),
        (luhn_complete("62284800123456789"), "card"),
    ],
)
@pytest.mark.parametrize("template", ["{}", "身份证号：{}\n", "a,{},b", '{{"id": "{}"}}', "<td>{}</td>", "_{}_"])
def test_scan_bytes_finds(value, kind, template):
    assert kinds(template.format(value).encode()) == [kind]


def test_scan_bytes_luhn_valid_id_is_reported_once_as_id():
    assert luhn_ok(LUHN_ID)
    assert kinds(LUHN_ID.encode()) == ["id18"]


def test_scan_bytes_finds_all_in_one_line():
    data = f"{ID} {PHONE} {CARD19} {X_ID.lower()}".encode()
    assert collections.Counter(kinds(data)) == {"id18": 2, "phone": 1, "card": 1}


def test_scan_bytes_finds_in_gbk_and_binary():
    data = "姓名张三 身份证".encode("gbk") + b"\x00\xff\xfe" + ID.encode() + b"\x00" + PHONE.encode() + b"\x01"
    assert sorted(kinds(data)) == ["id18", "phone"]


def test_scan_bytes_wrong_check_digit_id_not_flagged():
    wrong = wrong_check(ID)
    assert not id18_valid(wrong)
    assert kinds(wrong.encode()) == []


def test_scan_bytes_wrong_check_digit_luhn_valid_is_a_card():
    """An 18-digit number that is not a valid ID but passes Luhn is treated as a card number."""
    candidates = [ID[:17] + d for d in "0123456789" if d != ID[17] and luhn_ok(ID[:17] + d)]
    assert candidates
    assert kinds(candidates[0].encode()) == ["card"]


def test_scan_bytes_impossible_birth_date_not_flagged():
    number = first_id(lambda n: n[17] != "X" and not luhn_ok(n), born="19850230")
    assert kinds(number.encode()) == []


def test_scan_bytes_future_birth_date_not_flagged():
    tomorrow = dt.date.today() + dt.timedelta(days=1)
    number = first_id(lambda n: n[17] != "X" and not luhn_ok(n), born=f"{tomorrow:%Y%m%d}")
    assert kinds(number.encode()) == []


def _hex_keys() -> list[str]:
    key = b"k" * 32
    return [hmac.new(key, str(i).encode(), hashlib.sha256).hexdigest()[:32] for i in range(50)]


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("\n".join(_hex_keys()), id="hmac-hex-keys"),
        pytest.param("12345678901234567890123456789012", id="hex-all-digits"),
        pytest.param("ab" + ID + "cdef012345", id="hex-with-id-inside"),
        pytest.param("410421000000", id="region-code-12"),
        pytest.param("410421", id="region-code-6"),
        pytest.param("1234.50 86.90 12345678.00 ￥1,234.50", id="amounts"),
        pytest.param("2024-06-03 20240603 2024年6月3日 2024-06-03T00:00:00", id="dates"),
        pytest.param("0375-2661234", id="landline"),
        pytest.param("0375-26612345 010-12345678", id="landlines"),
        pytest.param("12345 400-810-8888 4008108888", id="hotlines"),
        pytest.param("12812345678 10012345678", id="11-digits-not-mobile"),
        pytest.param("A" + ID, id="letter-before-id"),
        pytest.param(ID + "b", id="letter-after-id"),
        pytest.param("ID" + PHONE, id="letters-before-phone"),
        pytest.param(PHONE + "x", id="letter-after-phone"),
        pytest.param("abc" + CARD19 + "z", id="letters-around-card"),
        pytest.param("0" + PHONE, id="phone-inside-12-digits"),
        pytest.param(PHONE + "9", id="phone-inside-12-digits-2"),
        pytest.param(luhn_complete("6228480012345678901"), id="luhn-20-digits"),
        pytest.param(luhn_complete("62284800123456"), id="luhn-15-digits"),
        pytest.param(CARD19[:-1] + str((int(CARD19[-1]) + 1) % 10), id="card-bad-luhn"),
        pytest.param("", id="empty"),
    ],
)
def test_scan_bytes_does_not_flag(text):
    assert list(scan_bytes(text.encode(), "f.txt")) == []


def test_scan_bytes_allow_list():
    data = f"{PHONE}\n{ID}\n{CARD19}".encode()
    assert kinds(data, allow=frozenset({PHONE, ID, CARD19})) == []
    assert kinds(data, allow=frozenset({PHONE})) == ["id18", "card"]


def test_scan_bytes_names():
    data = "第一行\n公示：张小三 86.90\n".encode()
    found = list(scan_bytes(data, "f.txt", names=["张小三".encode(), "李四".encode()]))
    assert [(f.kind, f.line, f.preview) for f in found] == [("name", 2, "张**")]
    assert "张小三" not in str(found[0])


def test_scan_bytes_line_numbers():
    data = (
        f"header\n"
        f"a {ID}\n"
        f"\n"
        f"b {PHONE}\r\n"
        f"c {CARD19}\n"
        f"d {X_ID.lower()} e {PHONE}"
    ).encode()
    found = sorted((f.line, f.kind) for f in scan_bytes(data, "f.txt"))
    assert found == [(2, "id18"), (4, "phone"), (5, "card"), (6, "id18"), (6, "phone")]


def test_scan_bytes_line_numbers_after_multibyte_text():
    data = ("第一行：中文\n第二行：" + "汉" * 100 + "\n" + PHONE).encode()
    assert [f.line for f in scan_bytes(data)] == [3]


@pytest.mark.parametrize("value", [ID, X_ID, X_ID.lower(), PHONE, CARD19, CARD16])
def test_findings_are_masked(value):
    (finding,) = scan_bytes(f"x {value} y".encode(), "data/x.csv")
    assert value not in str(finding)
    assert value.upper() not in str(finding)
    assert value not in repr(finding)
    assert finding.preview == value[:3] + "*" * (len(value) - 6) + value[-3:]
    assert str(finding).startswith("data/x.csv:1: ")
    assert "疑似明文" in str(finding)


@pytest.mark.parametrize(
    "value, shown",
    [
        ("13812345678", "138*****678"),
        ("张三", "张*"),
        ("张小三", "张**"),
        ("欧阳晓明", "欧***"),
        ("1234", "1***"),
        ("买买提·艾力·买买提", "买买提****买买提"),
    ],
)
def test_preview(value, shown):
    assert preview(value) == shown


def test_preview_hides_middle():
    assert preview(ID) == ID[:3] + "*" * 12 + ID[-3:]


@pytest.mark.parametrize("name", ["买买提·艾力", "司马相如之"])
def test_name_finding_does_not_show_full_name(name):
    (finding,) = scan_bytes(f"<td>{name}</td>".encode(), "p.html", names=[name.encode()])
    assert "*" in finding.preview
    assert name not in str(finding)


@pytest.mark.parametrize("kind, label", [("id18", "身份证号"), ("phone", "手机号码"), ("card", "银行卡号"), ("name", "完整姓名")])
def test_finding_str_labels(kind, label):
    assert str(Finding("p", 3, kind, "x**")) == f"p:3: {label}: 疑似明文（x**）"


def test_scan_bytes_19_digit_card_starting_with_id_like_digits():
    head = first_id(lambda n: n[17] != "X", prefix="622848", born="19900101")
    card = luhn_complete(head)
    assert id18_valid(card[:18]) and luhn_ok(card) and len(card) == 19
    assert kinds(card.encode()) != []


id_strategy = st.builds(
    make_id,
    st.sampled_from(["410421", "410425", "410402"]),
    st.dates(dt.date(1900, 1, 1), dt.date(2020, 12, 31)),
    st.integers(0, 999),
)


@given(id_strategy, st.sampled_from([" ", ",", "\n", "|", "\t", "：", ""]), st.booleans())
def test_prop_every_valid_id_is_found_once(number, sep, lower):
    value = number.lower() if lower else number
    data = f"姓名{sep}{value}{sep}".encode()
    found = list(scan_bytes(data, "f"))
    assert [f.kind for f in found] == ["id18"]
    assert value not in str(found[0])


@given(st.from_regex(r"\A1[3-9][0-9]{9}\Z"))
def test_prop_every_mobile_is_found(phone):
    assert kinds(f"电话:{phone};".encode()) == ["phone"]


# ---------------------------------------------------------------- scan_paths


@pytest.fixture
def planted(tmp_path: Path) -> Path:
    root = tmp_path / "site"
    (root / "sub" / "deeper").mkdir(parents=True)
    (root / ".git").mkdir()
    (root / "clean.csv").write_text("区划,金额\n410421000000,1234.50\n0375-2661234,2024-06-03\n", encoding="utf-8")
    (root / "a.txt").write_text(f"line one\n身份证 {ID}\n手机 {PHONE}\n", encoding="utf-8")
    (root / "sub" / "b.json").write_text(f'{{"card": "{CARD19}",\n "id": "{X_ID.lower()}"}}', encoding="utf-8")
    (root / "sub" / "deeper" / "c.db").write_bytes(b"SQLite format 3\x00" + bytes(range(256)) + b"\n" + PHONE.encode() + b"\x00")
    (root / ".git" / "objects").write_text(ID, encoding="utf-8")  # git internals are skipped
    return root


def test_scan_paths_relative(planted):
    found = scan_paths([planted], relative_to=planted)
    assert sorted((f.path, f.line, f.kind) for f in found) == [
        ("a.txt", 2, "id18"),
        ("a.txt", 3, "phone"),
        ("sub/b.json", 1, "card"),
        ("sub/b.json", 2, "id18"),
        ("sub/deeper/c.db", 3, "phone"),  # bytes(range(256)) holds one b"\n"
    ]


def test_scan_paths_relative_to_parent(planted):
    found = scan_paths([planted / "sub"], relative_to=planted.parent)
    assert {f.path for f in found} == {"site/sub/b.json", "site/sub/deeper/c.db"}


def test_scan_paths_without_relative_to(planted):
    found = scan_paths([planted / "a.txt"])
    assert {f.path for f in found} == {str(planted / "a.txt")}
    assert len(found) == 2


def test_scan_paths_accepts_str_and_single_files(planted):
    found = scan_paths([str(planted / "a.txt"), planted / "sub" / "deeper" / "c.db"], relative_to=planted)
    assert sorted(f.path for f in found) == ["a.txt", "a.txt", "sub/deeper/c.db"]


def test_scan_paths_allow_and_names(planted):
    (planted / "names.html").write_text("<p>欧阳晓明</p>\n<p>张</p>", encoding="utf-8")
    found = scan_paths([planted], allow=frozenset({PHONE}), names=["欧阳晓明", "张"], relative_to=planted)
    assert not any(f.kind == "phone" for f in found)
    names = [f for f in found if f.kind == "name"]
    assert [(f.path, f.line, f.preview) for f in names] == [("names.html", 1, "欧***")]


def test_scan_paths_clean_tree(tmp_path):
    (tmp_path / "x.csv").write_text("0375-2661234,1234.50,2024-06-03\n", encoding="utf-8")
    assert scan_paths([tmp_path], relative_to=tmp_path) == []


# ------------------------------------------------- big files, a chunk at a time

_PIECES = [ID, X_ID, PHONE, CARD19, CARD16, "欧阳晓明", "\n", "\n\n", "0375-2661234", "1234.50", "a", "x", "7", "\x00",
           "12812345678", "12345678901234567890123"]


@given(st.lists(st.sampled_from(_PIECES), max_size=60), st.integers(min_value=1, max_value=97))
def test_scan_file_in_chunks_equals_scan_of_whole(tmp_path_factory, pieces, chunk):
    """A file read CHUNK bytes at a time gives exactly what scanning it whole gives: candidates and
    names across a chunk boundary, look-behind and look-ahead at the boundary, line numbers."""
    import generator.privacy as privacy

    data = "".join(pieces).encode()
    path = tmp_path_factory.mktemp("chunks") / "f.bin"
    path.write_bytes(data)
    names = ["欧阳晓明".encode()]
    whole = list(scan_bytes(data, "f", names=names))
    saved = privacy.CHUNK
    privacy.CHUNK = chunk
    try:
        assert list(privacy.scan_file(path, "f", names=names)) == whole
    finally:
        privacy.CHUNK = saved


def test_scan_paths_reads_a_big_file_in_bounded_memory(tmp_path):
    """lookup.sqlite of a province is gigabytes: the gate must not read it whole."""
    import tracemalloc

    big = tmp_path / "big.bin"
    with open(big, "wb") as f:
        for i in range(48):  # 48 MB of digit-heavy filler, three findings far apart
            f.write((b"2024-06-03,1234.50,410421000000\n" * 33_000)[: 1 << 20])
            if i in (0, 20, 47):
                f.write(PHONE.encode() + b"\n")
    tracemalloc.start()
    try:
        found = scan_paths([big], relative_to=tmp_path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert [f.kind for f in found] == ["phone"] * 3
    assert peak < 48 << 20  # about 2 chunks of 16 MB, not the 48 MB file
    lines = [i for i, line in enumerate(big.read_bytes().split(b"\n"), 1) if line == PHONE.encode()]
    assert [f.line for f in found] == lines


# ------------------------------------------------------- independent scanner

_LINE = re.compile(r"^(.*):(\d+): (\w+): (.*)$")


def run_pii_scan(root: Path) -> list[tuple[str, int, str, str]]:
    proc = subprocess.run(
        [sys.executable, str(PII_SCAN), "--max", "100000", str(root)],
        capture_output=True, text=True, timeout=60,
    )
    assert proc.returncode in (0, 1), proc.stderr
    assert "Traceback" not in proc.stderr, proc.stderr
    hits = []
    for line in proc.stdout.splitlines():
        m = _LINE.match(line)
        if m:
            path, lineno, kind, shown = m.groups()
            hits.append((str(Path(path).relative_to(root)), int(lineno), kind, shown))
    assert f"pii_scan: {len(hits)} finding(s)" in proc.stdout
    return hits


def ours(root: Path) -> list[tuple[str, int, str, str]]:
    return [(f.path, f.line, f.kind, f.preview) for f in scan_paths([root], relative_to=root)]


def test_agrees_with_independent_scanner(planted):
    require_pii_scan()
    (planted / "noise.txt").write_text(
        "\n".join(
            [wrong_check(ID), "0375-2661234", "1234.50", *_hex_keys()[:5], LUHN_ID, "ab" + ID + "cd",
             f"{X_ID} {PHONE} {CARD19}"]
        ),
        encoding="utf-8",
    )
    theirs = run_pii_scan(planted)
    mine = ours(planted)
    assert collections.Counter(k for *_, k, _ in theirs) == collections.Counter(k for *_, k, _ in mine) == {
        "id18": 4, "phone": 3, "card": 2,
    }
    assert sorted(theirs) == sorted(mine)


def test_a_file_scanned_in_parts_gives_what_it_gives_whole(tmp_path):
    """The build's gate scans a big file in parts (scan_range): a number at or across each edge of a
    part is found once, on its line."""
    from generator.privacy import scan_file, scan_range
    from tests.golden import TINY_PEOPLE

    person = TINY_PEOPLE[0]
    data = bytearray(b"x\n" * 5000)
    for at in (0, 999, 1000, 1001, 2990, 4003, 9990):  # edges of parts of 1000 bytes
        value = (person.id18 if at % 2 else "13812345678").encode()
        data[at:at + len(value)] = value
        data[at - 1:at] = b" " if at else b""
    path = tmp_path / "big.bin"
    path.write_bytes(bytes(data))
    whole = list(scan_file(path, "big.bin"))
    parts = [f for lo in range(0, len(data), 1000) for f in scan_range(path, "big.bin", lo, min(lo + 1000, len(data)))]
    assert parts == whole and len(whole) >= 5


@pytest.mark.parametrize("window", [1 << 20, 7, 30])
def test_the_fast_candidate_search_finds_what_the_regular_expression_finds(window, monkeypatch):
    """privacy._runs is RUN without the regex engine: same matches on text made to hit its edges
    (and the edges of the windows it masks at a time)."""
    import random

    import generator.privacy as privacy
    from generator.privacy import RUN, _runs

    monkeypatch.setattr(privacy, "_WINDOW", window)
    rng = random.Random(20)
    alphabet = b"0123456789" * 6 + b"Xx aZ,\n-\xe4\xb8\xad"
    for _ in range(300):
        data = bytes(rng.choice(alphabet) for _ in range(rng.randint(0, 400)))
        lo = rng.randint(0, len(data))
        hi = rng.randint(lo, len(data))
        expected = [(m.start(), m.group(1)) for m in RUN.finditer(data, lo) if m.start() < hi]
        assert list(_runs(data, lo, hi)) == expected, (data, lo, hi)
