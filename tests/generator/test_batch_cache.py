"""The build's batch cache (generator/batch_cache.py): batches whose files did not change since the
last build are neither parsed nor checked record by record again, and nothing they would have
caught is missed: a changed file, a changed regions.csv, a stray file, a broken cache."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

import generator.load as load_mod
from generator.pipeline import build
from huinong_core.errors import DataError
from tests.builds import EPOCH, NEW_BATCH, add_batch, assert_same_build, build_dir
from tests.gitrepo import commit, git, init_repo

OLD_BATCH = "410421-NY001-2024"


@pytest.fixture
def repo(tmp_path: Path, tiny: Path, demo_env, monkeypatch) -> Path:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    repo = init_repo(tmp_path / "repo", tiny)
    add_batch(repo)
    return repo


def new_commit(repo: Path) -> None:
    """A commit that changes no file: the next build has something to do (the lookup database says
    which commit it is of), though every batch is as it was.  With nothing new at all, a build keeps
    the live one and reads no batch (tests/generator/test_incremental.py)."""
    git(repo, "commit", "-q", "--allow-empty", "-m", "再次发布")


def hits(summary) -> int:
    """Batches taken from the cache, as the build report says."""
    for line in summary.notes:
        m = re.match(r"(\d+) 个批次（共 \d+ 个）的文件与上次构建时相同", line)
        if m:
            return int(m.group(1))
    return 0


def cache_dir(out: Path) -> Path:
    return out.parent / f".{out.name}.builds" / "cache"


def stores(out: Path) -> set[str]:
    return {p.name for p in cache_dir(out).iterdir() if p.is_dir()}


def records(repo: Path, batch: str) -> Path:
    return repo / "data/payments/2024" / batch / "records.csv"


def village_json(out: Path, code: str) -> dict:
    return json.loads((out / f"site/diqu/{code}/{code}.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("parallel", [False, True], ids=["serial", "forked-workers"])
def test_unchanged_batches_come_from_the_cache_and_the_build_equals_a_full_one(repo: Path, tmp_path: Path,
                                                                                monkeypatch, parallel):
    if parallel:  # the province's way: batches parsed in worker processes, each into its own spill
        monkeypatch.setattr(load_mod, "PARALLEL_MIN", 1)
        monkeypatch.setattr(load_mod, "LOAD_WORKERS", 2)
    out = tmp_path / "public"
    assert hits(build(repo / "data", out)) == 0
    index = json.loads((cache_dir(out) / "index.json").read_text(encoding="utf-8"))
    assert len(index["batches"]) == 2 and set(index["stores"]) == stores(out)
    new_commit(repo)
    second = build(repo / "data", out)
    assert hits(second) == 2 and second.records == 12
    # A changed batch is parsed again, the other is taken; the output is a full build's.
    path = records(repo, NEW_BATCH)
    path.write_text(path.read_text(encoding="utf-8").replace(",3.5,105.00,367.50,", ",3,105.00,315.00,", 1),
                    encoding="utf-8")
    assert ",315.00," in path.read_text(encoding="utf-8")
    commit(repo, "更正一条面积和金额")
    third = build(repo / "data", out)
    assert hits(third) == 1
    assert any(r["金额"] == "315.00" for r in village_json(build_dir(out), "410425101201")["记录"])
    full = build(repo / "data", tmp_path / "full" / "public", full=True)
    assert hits(full) == 0
    assert_same_build(build_dir(out), build_dir(tmp_path / "full" / "public"))
    # Spill files no batch is in any more are gone; the index names what is there.
    index = json.loads((cache_dir(out) / "index.json").read_text(encoding="utf-8"))
    assert set(index["stores"]) == stores(out) and len(index["batches"]) == 2


def test_a_changed_regions_file_checks_cached_records_again(repo: Path, tmp_path: Path):
    """The records of a cached batch are checked again when what their check depends on changed:
    a village taken out of regions.csv is an error on each record paid there."""
    out = tmp_path / "public"
    build(repo / "data", out)
    regions = repo / "data/regions.csv"
    regions.write_text(regions.read_text(encoding="utf-8").replace("410421100202,张庄村,410421100000\n", ""),
                       encoding="utf-8")
    with pytest.raises(DataError) as e:
        build(repo / "data", out)
    shown = [str(p) for p in e.value.problems]
    assert any(f"payments/2024/{OLD_BATCH}/records.csv:" in s and "区划代码410421100202不存在" in s for s in shown), shown


def test_an_error_in_a_changed_batch_is_reported_with_its_line(repo: Path, tmp_path: Path):
    out = tmp_path / "public"
    build(repo / "data", out)
    before = village_json(build_dir(out), "410421100201")
    path = records(repo, OLD_BATCH)
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    lines[2] = lines[2].replace(",2024-", ",2024-13-", 1)  # 发放日期 2024-13-06-..: not a date
    path.write_text("".join(lines), encoding="utf-8")
    with pytest.raises(DataError) as e:
        build(repo / "data", out)
    assert any(f"{OLD_BATCH}/records.csv:3:" in str(p) and "发放日期" in str(p) for p in e.value.problems)
    assert village_json(build_dir(out), "410421100201") == before  # the last good site stays


def test_a_stray_file_in_a_cached_batch_directory_is_still_scanned(repo: Path, tmp_path: Path):
    out = tmp_path / "public"
    build(repo / "data", out)
    (repo / "data/payments/2024" / OLD_BATCH / "备注.txt").write_text("联系人电话 13812345678\n", encoding="utf-8")
    with pytest.raises(DataError) as e:
        build(repo / "data", out)
    assert any("备注.txt" in str(p) and "手机号码" in str(p) for p in e.value.problems)


def test_a_broken_index_or_a_missing_spill_means_parsing_again(repo: Path, tmp_path: Path):
    out = tmp_path / "public"
    build(repo / "data", out)
    (cache_dir(out) / "index.json").write_text("{not json", encoding="utf-8")
    new_commit(repo)
    assert hits(build(repo / "data", out)) == 0
    new_commit(repo)
    assert hits(build(repo / "data", out)) == 2
    for name in stores(out):  # a spill directory lost (say, cleaned by hand)
        for f in (cache_dir(out) / name).iterdir():
            f.unlink()
        (cache_dir(out) / name).rmdir()
    new_commit(repo)
    again = build(repo / "data", out)
    assert hits(again) == 0 and again.records == 12


def test_full_builds_ignore_the_cache_and_a_mostly_dead_spill_is_dropped(repo: Path, tmp_path: Path):
    out = tmp_path / "public"
    build(repo / "data", out)
    assert hits(build(repo / "data", out, full=True)) == 0
    (first,) = stores(out)  # both batches (6 + 6 rows) in one spill, parsed in this process
    # 宝丰县's batch changes: the old spill then holds 6 live rows of 12, still kept.
    path = records(repo, OLD_BATCH)
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    path.write_text("".join(lines[:-1]), encoding="utf-8")
    commit(repo, "删除一条记录")
    assert hits(build(repo / "data", out)) == 1
    assert first in stores(out) and len(stores(out)) == 2
    # 郏县's batch changes too: less than half of the old spill's rows are live, it goes.
    path = records(repo, NEW_BATCH)
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    path.write_text("".join(lines[:-1]), encoding="utf-8")
    commit(repo, "再删除一条记录")
    build(repo / "data", out)
    assert first not in stores(out)


def test_the_loaders_key_is_the_build_contexts_batch_key(tiny: Path):
    """The build takes the keys hashed while loading for the lookup delta and page reuse."""
    from generator.batch_cache import files_key
    from generator.context import BuildContext
    from generator.check import check

    ds, problems = check(tiny)
    assert not problems
    (b,) = ds.batches
    ctx = BuildContext(tiny, ds, None, None, None, None)
    assert ctx.batch_key(b) == files_key(tiny / "payments/2024" / b.batch_id)


def test_statistics_of_unchanged_county_years_come_from_the_cache(repo: Path, tmp_path: Path):
    """统计 counts every record of a county-year; one whose batches did not change is taken from the
    cache (shown here by planting a count there), and counted again when one of them changes."""
    out = tmp_path / "public"
    build(repo / "data", out)
    index_path = cache_dir(out) / "index.json"
    index = json.loads(index_path.read_text(encoding="utf-8"))
    kept = index["memo"]["stats"]
    assert len(kept) == 2  # 宝丰县 2024, 郏县 2024
    for programmes, townships, total in kept.values():
        total[0] = 987654
    index_path.write_text(json.dumps(index, ensure_ascii=False), encoding="utf-8")
    new_commit(repo)
    build(repo / "data", out)

    def tables() -> tuple[str, str]:  # the 合计 rows of 宝丰县 and 郏县 on the 统计 page
        page = (build_dir(out) / "site/tongji/index.html").read_text(encoding="utf-8")
        return tuple(page.split("<caption>郏县2024年各项目发放情况"))

    assert ["987,654" in t for t in tables()] == [True, True]
    path = records(repo, NEW_BATCH)
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    path.write_text("".join(lines[:-1]), encoding="utf-8")
    commit(repo, "删除一条记录")
    build(repo / "data", out)
    assert ["987,654" in t for t in tables()] == [True, False]


def test_search_entries_of_unchanged_policy_pages_come_from_the_cache(repo: Path, tmp_path: Path):
    """The policy half's search index takes a page's entries from the cache when the page's HTML is
    what it was (shown by planting a word there); a page whose HTML changes is parsed again."""
    out = tmp_path / "public"
    build(repo / "data", out)
    index_path = cache_dir(out) / "index.json"
    index = json.loads(index_path.read_text(encoding="utf-8"))
    (kind,) = [k for k in index["memo"] if k.startswith("search-entries-")]
    pages = index["memo"][kind]
    assert len(pages) > 10
    for entries in pages.values():
        for entry in entries:
            entry["text"] += " 种下的记号"
    index_path.write_text(json.dumps(index, ensure_ascii=False), encoding="utf-8")
    git(repo, "rm", "-q", "-r", f"data/payments/2024/{NEW_BATCH}")
    commit(repo, "撤回郏县的批次")
    build(repo / "data", out)
    search = json.loads((build_dir(out) / "site/search/search_index.json").read_text(encoding="utf-8"))["docs"]
    planted = {e["location"].partition("#")[0] for e in search if e["text"].endswith(" 种下的记号")}
    fresh = {e["location"].partition("#")[0] for e in search if not e["text"].endswith(" 种下的记号")}
    assert "zhengce/" in planted
    assert fresh == {"", "tongji/"}  # the home page and 统计 count the batches: new HTML


def test_a_forked_process_hands_back_only_what_it_kept(tiny: Path, tmp_path: Path):
    """What a forked stage keeps comes back to the build (keep_all), but not again what the build kept
    before the fork (at the province, a million village totals through a pipe)."""
    from generator.batch_cache import BatchCache
    from generator.parallel import fork_call

    cache = BatchCache(tmp_path / "cache", tiny)
    cache.keep("village-totals", "b1", {"410421100201": [3, 300]})

    def child():
        cache.keep("search-terms", "t1", "耕地 地力")
        return cache.kept()

    kept = fork_call(child)()
    assert kept == {"search-terms": {"t1": "耕地 地力"}}
    cache.keep_all(kept)
    assert cache.kept() == {"village-totals": {"b1": {"410421100201": [3, 300]}}, "search-terms": {"t1": "耕地 地力"}}
