"""Incremental builds (issue 7): a new batch for one county rewrites only what shows it, the
rest keeps the last build's files (same inode, so rsync moves nothing), and the result is
byte-identical to a full build of the same commit."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from generator.pipeline import build
from generator.writer import MANIFEST
from tests.builds import (EPOCH, add_batch, assert_same_build, build_dir, files, lookup_content,
                          same_tree)
from tests.gitrepo import commit, init_repo

@pytest.fixture
def repo(tmp_path: Path, tiny: Path, demo_env, monkeypatch) -> Path:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    return init_repo(tmp_path / "repo", tiny)


def rewritten(before: Path, after: Path) -> set[str]:
    """Files of `after` that are not the very same file (inode) as in `before`."""
    old = files(before)
    return {rel for rel, p in files(after).items()
            if rel not in old or os.stat(p).st_ino != os.stat(old[rel]).st_ino}


def test_new_batch_rewrites_only_its_county_and_equals_a_full_build(repo: Path, tmp_path: Path):
    out = tmp_path / "public"
    first = build(repo / "data", out)
    assert first.changes.full
    before = build_dir(out)
    add_batch(repo)
    second = build(repo / "data", out)
    after = build_dir(out)
    assert not second.changes.full and second.changes.reused > 0
    assert "增量构建" in second.report()
    changed = rewritten(before, after)
    # What must change: the new batch's pages, its county, parents, listings, feeds, lookup.
    for rel in ("site/gongshi/410425-NY001-2024/index.html", "site/diqu/410425101201/index.html",
                "site/diqu/410425101201/410425-NY001-2024/index.html",
                "site/diqu/410425000000/index.html", "site/diqu/410400000000/index.html",
                "site/feeds/all.atom.xml", "site/feeds/xian-410425.atom.xml", "site/gongshi/index.html",
                "lookup.sqlite", MANIFEST):
        assert rel in changed, rel
    # What must not: anything of 宝丰县 (pages, downloads, posters), and the policy half.
    untouched = [rel for rel in changed if "410421" in rel and not rel.startswith("site/tongji/")]
    assert untouched == []
    for prefix in ("site/banshi/", "site/wenjian/", "site/wangdian/", "site/guanyu/", "site/zhengce/mz"):
        assert not [rel for rel in changed if rel.startswith(prefix)], prefix
    # 宝丰县's village page still says which commit its own data came from.
    page = (after / "site/diqu/410421100201/index.html").read_text(encoding="utf-8")
    assert "数据版本：" in page and (before / "site/diqu/410421100201/index.html").read_text(encoding="utf-8") == page

    full = build(repo / "data", tmp_path / "full" / "public", full=True)
    assert full.changes.full and full.changes.reused == 0
    assert_same_build(after, build_dir(tmp_path / "full" / "public"))


def test_full_build_and_changed_code_reuse_nothing(repo: Path, tmp_path: Path):
    out = tmp_path / "public"
    build(repo / "data", out)
    before = build_dir(out)
    again = build(repo / "data", out)
    assert again.changes.unchanged == len(files(before)) - 1 and again.changes.changed == 0  # all but the manifest
    assert rewritten(before, build_dir(out)) == {MANIFEST}

    before = build_dir(out)
    forced = build(repo / "data", out, full=True)
    assert forced.changes.reused == 0 and rewritten(before, build_dir(out)) == set(files(build_dir(out)))

    # Another version of the code (here: a manifest written by one) must not hand over its files.
    manifest = build_dir(out) / MANIFEST
    data = json.loads(manifest.read_text(encoding="utf-8"))
    manifest.write_text(json.dumps({**data, "code": "0" * 64}), encoding="utf-8")
    before = build_dir(out)
    other = build(repo / "data", out)
    assert other.changes.reused == 0 and rewritten(before, build_dir(out)) == set(files(build_dir(out)))


def test_a_changed_base_file_rerenders_what_shows_it(repo: Path, tmp_path: Path):
    """A township window's phone is on the village pages and posters: those are made again."""
    out = tmp_path / "public"
    build(repo / "data", out)
    before = build_dir(out)
    services = repo / "data/services.csv"
    text = services.read_text(encoding="utf-8")
    phones = [f for line in text.splitlines()[1:] for f in line.split(",") if f.startswith("0375-")]
    assert phones
    services.write_text(text.replace(phones[0], "0375-2669999"), encoding="utf-8")
    commit(repo, "更新窗口电话")
    build(repo / "data", out)
    after = build_dir(out)
    shown = [rel for rel, p in files(after).items() if rel.endswith(".html") and "2669999" in p.read_text(encoding="utf-8")]
    assert shown and set(shown) <= rewritten(before, after)
    shutil.rmtree(tmp_path / "full", ignore_errors=True)
    build(repo / "data", tmp_path / "full" / "public", full=True)
    assert_same_build(after, build_dir(tmp_path / "full" / "public"))


def test_lookup_database_is_updated_by_delta_with_the_content_of_a_full_build(repo: Path, tmp_path: Path):
    out = tmp_path / "public"
    build(repo / "data", out)
    add_batch(repo)
    # The 宝丰县 batch changes too (one amount), so the delta deletes, keeps and inserts.
    records = repo / "data/payments/2024/410421-NY001-2024/records.csv"
    lines = records.read_text(encoding="utf-8").splitlines(keepends=True)
    lines.pop()  # its last record goes
    records.write_text("".join(lines), encoding="utf-8")
    commit(repo, "宝丰县批次更正")
    summary = build(repo / "data", out)
    assert not summary.changes.full
    full = tmp_path / "full" / "public"
    build(repo / "data", full, full=True)
    inc_db, full_db = build_dir(out) / "lookup.sqlite", build_dir(full) / "lookup.sqlite"
    assert lookup_content(inc_db) == lookup_content(full_db)
    n = len(lines) - 1
    assert len([r for r in lookup_content(inc_db)["payments"] if r[1] == "410421-NY001-2024"]) == n
    assert same_tree(build_dir(out), build_dir(full)) == ["lookup.sqlite", MANIFEST]  # different row ids
    assert_same_build(build_dir(out), build_dir(full))


def test_an_hourly_rebuild_without_changes_writes_nothing_again(repo: Path, tmp_path: Path, monkeypatch):
    """Only the wall clock moved (the hourly publish): every file, lookup.sqlite included, stays the
    last build's, so nothing is uploaded or copied to the API hosts."""
    out = tmp_path / "public"
    build(repo / "data", out)
    before = build_dir(out)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(int(EPOCH) + 3600))
    later = build(repo / "data", out)
    assert later.changes.changed == 0 and later.changes.new == 0
    assert rewritten(before, build_dir(out)) == {MANIFEST}
