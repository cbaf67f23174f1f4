"""Hypothesis against every parser: whatever staff type or an export holds, a parser returns a value
or raises ParseError (which becomes a `file:line:column: 字段: 问题` message), never anything else;
and whole data files of arbitrary content give problems, never a crash."""

from __future__ import annotations

import shutil
import string
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from generator import ingest, load
from huinong_core import normalize
from huinong_core.errors import ParseError
from tests.golden import TINY

TABLES = {name: getattr(load, name) for name in dir(load) if name.endswith("_FIELDS") or name == "FIELD_PARSERS"}
#: Every parser a column table uses, by "TABLE.column", plus the free-standing ones.
PARSERS = {f"{t}.{col}": parser for t, table in TABLES.items() for col, (parser, _req) in table.items()}
PARSERS.update({
    "normalize.parse_id": normalize.parse_id, "normalize.parse_name": normalize.parse_name,
    "normalize.parse_card": normalize.parse_card, "normalize.parse_amount": normalize.parse_amount,
    "normalize.parse_quantity": normalize.parse_quantity, "normalize.parse_date": normalize.parse_date,
    "normalize.parse_public_phone": normalize.parse_public_phone, "normalize.parse_months": normalize.parse_months,
    "normalize.parse_period": normalize.parse_period, "ingest.parse_status": ingest.parse_status,
    "load.notice_time": load.notice_time,
})

# Text that looks like what parsers expect, and text that does not.
digits = st.text(alphabet="0123456789０１２３４５６７８９Xx-.,: 　年月日季度/", max_size=24)
anything = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=40)
tricky = st.sampled_from([
    "", " ", "0", "-1", "1e5", "9" * 40, "2024-13-01", "2024-02-30", "2024-02-29 25:61", "0000-00-00",
    "NaN", "Infinity", "1,000.005", "１２３", "一二三", "\u200b", "\x00", "410421000000,410425000000",
    "2026Q5", "2026M13", "2026H3", "13月", "0月", "是否", "=1+1", "@SUM(A1)", "x" * 300,
])
values = st.one_of(digits, anything, tricky)


def test_every_parser_is_fuzzed():
    assert len(PARSERS) >= 60  # a new column table or parser joins automatically


@pytest.mark.parametrize("name", sorted(PARSERS))
@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(raw=values)
def test_parser_returns_or_raises_parse_error(name, raw):
    try:
        PARSERS[name](raw)
    except ParseError as e:
        assert e.message  # and it says what is wrong


FILES = {
    "regions.csv": "区划代码,名称,上级代码\n",
    "policies.csv": None,  # the tiny file's own header
    "services.csv": None,
    "site.yaml": "",
    "payments/2024/410421-NY001-2024/records.csv": None,
    "payments/2024/410421-NY001-2024/batch.yaml": "",
    "documents/ny001-notice.md": "---\n",
    "notices/x.md": "---\n",
}
line_text = st.text(alphabet=string.printable + "，、：年月日是否宝丰县耕地０１２", max_size=80)


@pytest.mark.parametrize("rel", sorted(FILES))
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                   HealthCheck.function_scoped_fixture])
@given(lines=st.lists(line_text, max_size=6), raw_bytes=st.binary(max_size=64), as_bytes=st.booleans())
def test_any_file_content_gives_problems_not_a_crash(tmp_path_factory, rel, lines, raw_bytes, as_bytes):
    data = tmp_path_factory.mktemp("fuzz") / "data"
    shutil.copytree(TINY / "data", data)
    path = data / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    head = FILES[rel]
    if head is None:
        head = path.read_text(encoding="utf-8").splitlines(keepends=True)[0]
    if as_bytes:
        path.write_bytes(head.encode("utf-8") + raw_bytes)
    else:
        path.write_text(head + "\n".join(lines), encoding="utf-8")
    from generator.check import check

    _dataset, problems = check(data)
    for p in problems:
        assert p.path and p.message
    shutil.rmtree(data.parent)


def test_the_fuzzed_files_exist_in_the_tiny_data():
    for rel, head in FILES.items():
        if head is None:
            assert (Path(TINY) / "data" / rel).is_file(), rel
