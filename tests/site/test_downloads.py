"""A village's CSV and JSON made of per-batch chunks (generator/site/downloads.py): the same bytes as
encoding every row, and a new batch's build copies the other batches' chunks from the last files."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from generator.site.downloads import (VILLAGE_COLUMNS, _json, csv_bytes, csv_chunk, json_chunk, old_chunks,
                                      village_files)

# Cells as they may come: digits, CJK, masked names, and what CSV and JSON escape or quote.
CELL = st.one_of(st.integers(0, 10**6), st.text(alphabet=st.sampled_from(list('张王*村1,"\\\r\n=+-@\t /{}[]:')), max_size=8))
BATCH_IDS = st.lists(st.from_regex(r"41[0-9]{4}-NY00[1-9]-20(2[0-9])", fullmatch=True), min_size=1, max_size=4, unique=True)


@st.composite
def village(draw):
    batches = draw(BATCH_IDS)
    rows = {bid: [[bid, *draw(st.lists(CELL, min_size=len(VILLAGE_COLUMNS) - 1, max_size=len(VILLAGE_COLUMNS) - 1))]
                  for _ in range(draw(st.integers(0, 3)))] for bid in batches}
    return batches, rows


def whole(batches, rows):
    """The files as csv_bytes and _json of every row make them."""
    every = [r for bid in batches for r in rows[bid]]
    return (csv_bytes(VILLAGE_COLUMNS, every),
            _json({"区划代码": "410425100001", "名称": "北村", "数据版本": {"版本": "v1"},
                   "记录": [dict(zip(VILLAGE_COLUMNS, r)) for r in every]}))


def chunked(batches, rows, old=None, kept=()):
    parts = [(old[0][bid], old[1][bid]) if bid in kept else (csv_chunk(rows[bid]), json_chunk(
        [dict(zip(VILLAGE_COLUMNS, r)) for r in rows[bid]])) for bid in batches]
    return village_files("410425100001", "北村", {"版本": "v1"}, [c for c, _ in parts], [j for _, j in parts])


@settings(max_examples=150, deadline=None)
@given(village())
def test_chunks_make_the_bytes_of_the_whole(v):
    assert chunked(*v) == whole(*v)


@settings(max_examples=150, deadline=None)
@given(village(), st.data())
def test_chunks_of_the_last_files_make_the_same_files(tmp_path_factory, v, data):
    batches, rows = v
    csv_data, json_data = whole(batches, rows)
    folder = tmp_path_factory.mktemp("village")
    (folder / "v.csv").write_bytes(csv_data)
    (folder / "v.json").write_bytes(json_data)
    old = old_chunks((str(folder / "v.csv"), str(folder / "v.json")))
    with_rows = [bid for bid in batches if rows[bid]]
    if b'"' in csv_data or not with_rows:
        assert old == ({}, {})  # a quoted cell may hold a line break; no records: nothing to copy
        return
    assert sorted(old[0]) == sorted(old[1]) == sorted(with_rows)
    kept = data.draw(st.sets(st.sampled_from(with_rows)))
    assert chunked(batches, rows, old, kept) == (csv_data, json_data)


def test_a_file_not_as_written_is_not_cut(tmp_path):
    batches, rows = ["410425-NY001-2025"], {"410425-NY001-2025": [["410425-NY001-2025", *["x"] * 13]]}
    csv_data, json_data = whole(batches, rows)
    (tmp_path / "v.csv").write_bytes(csv_data)
    (tmp_path / "v.json").write_bytes(json_data.replace(b"\n ]\n}", b"]}"))
    assert old_chunks((str(tmp_path / "v.csv"), str(tmp_path / "v.json"))) == ({}, {})
    assert old_chunks((str(tmp_path / "v.csv"), str(tmp_path / "missing.json"))) == ({}, {})
    (tmp_path / "v.json").write_bytes(json_data)
    assert old_chunks((str(tmp_path / "v.csv"), str(tmp_path / "v.json")))[0] == {
        "410425-NY001-2025": csv_data.decode("utf-8-sig").split("\r\n", 1)[1]}
