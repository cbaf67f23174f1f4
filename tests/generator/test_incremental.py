"""Incremental builds (issue 7): a new batch for one county rewrites only what shows it, the
rest keeps the last build's files (same inode, so rsync moves nothing), and the result is
byte-identical to a full build of the same commit."""

from __future__ import annotations

import filecmp
import json
import os
import shutil
from pathlib import Path

import pytest

from generator.pipeline import build
from generator.writer import MANIFEST
from tests.gitrepo import commit, init_repo

EPOCH = "1735689600"  # 2025-01-01
NEW_BATCH = "410425-NY001-2024"  # 郏县; the tiny data has 宝丰县 (410421) only


@pytest.fixture
def repo(tmp_path: Path, tiny: Path, demo_env, monkeypatch) -> Path:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    return init_repo(tmp_path / "repo", tiny)


def add_batch(repo: Path) -> None:
    """A copy of the 宝丰县 batch, paid in 郏县 大刘庄村."""
    src = repo / "data/payments/2024/410421-NY001-2024"
    dst = repo / f"data/payments/2024/{NEW_BATCH}"
    dst.mkdir()
    (dst / "batch.yaml").write_text((src / "batch.yaml").read_text(encoding="utf-8")
                                    .replace("410421000000", "410425000000").replace("宝丰县", "郏县"), encoding="utf-8")
    lines = (src / "records.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    rows = [",".join(f if not (f.startswith("410421") and len(f) == 12) else "410425101201" for f in line.split(","))
            for line in lines[1:]]
    (dst / "records.csv").write_text(lines[0] + "".join(rows), encoding="utf-8")
    commit(repo, "郏县 2024 年耕地地力保护补贴")


def tree(target: Path) -> Path:
    return target.resolve()


def files(root: Path) -> dict[str, Path]:
    return {p.relative_to(root).as_posix(): p for p in sorted(root.rglob("*")) if p.is_file()}


def same_tree(a: Path, b: Path) -> list[str]:
    """Paths that differ between two build directories (missing on either side, or other bytes)."""
    fa, fb = files(a), files(b)
    out = sorted(set(fa) ^ set(fb))
    out += [rel for rel in sorted(set(fa) & set(fb)) if not filecmp.cmp(fa[rel], fb[rel], shallow=False)]
    return out


def assert_same_build(inc: Path, full: Path) -> None:
    """An incremental build equals a full one: every file byte for byte, except lookup.sqlite
    (updated by delta: same content, other row ids) and the manifest's hash of it."""
    assert same_tree(inc, full) in ([], ["lookup.sqlite", MANIFEST])
    assert lookup_content(inc / "lookup.sqlite") == lookup_content(full / "lookup.sqlite")
    a, b = (json.loads((t / MANIFEST).read_text(encoding="utf-8"))["files"] for t in (inc, full))
    a.pop("lookup.sqlite"), b.pop("lookup.sqlite")
    assert a == b


def rewritten(before: Path, after: Path) -> set[str]:
    """Files of `after` that are not the very same file (inode) as in `before`."""
    old = files(before)
    return {rel for rel, p in files(after).items()
            if rel not in old or os.stat(p).st_ino != os.stat(old[rel]).st_ino}


def test_new_batch_rewrites_only_its_county_and_equals_a_full_build(repo: Path, tmp_path: Path):
    out = tmp_path / "public"
    first = build(repo / "data", out)
    assert first.changes.full
    before = tree(out)
    add_batch(repo)
    second = build(repo / "data", out)
    after = tree(out)
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
    assert_same_build(after, tree(tmp_path / "full" / "public"))


def test_full_build_and_changed_code_reuse_nothing(repo: Path, tmp_path: Path):
    out = tmp_path / "public"
    build(repo / "data", out)
    before = tree(out)
    again = build(repo / "data", out)
    assert again.changes.unchanged == len(files(before)) - 1 and again.changes.changed == 0  # all but the manifest
    assert rewritten(before, tree(out)) == {MANIFEST}

    before = tree(out)
    forced = build(repo / "data", out, full=True)
    assert forced.changes.reused == 0 and rewritten(before, tree(out)) == set(files(tree(out)))

    # Another version of the code (here: a manifest written by one) must not hand over its files.
    manifest = tree(out) / MANIFEST
    data = json.loads(manifest.read_text(encoding="utf-8"))
    manifest.write_text(json.dumps({**data, "code": "0" * 64}), encoding="utf-8")
    before = tree(out)
    other = build(repo / "data", out)
    assert other.changes.reused == 0 and rewritten(before, tree(out)) == set(files(tree(out)))


def test_a_changed_base_file_rerenders_what_shows_it(repo: Path, tmp_path: Path):
    """A township window's phone is on the village pages and posters: those are made again."""
    out = tmp_path / "public"
    build(repo / "data", out)
    before = tree(out)
    services = repo / "data/services.csv"
    text = services.read_text(encoding="utf-8")
    phones = [f for line in text.splitlines()[1:] for f in line.split(",") if f.startswith("0375-")]
    assert phones
    services.write_text(text.replace(phones[0], "0375-2669999"), encoding="utf-8")
    commit(repo, "更新窗口电话")
    build(repo / "data", out)
    after = tree(out)
    shown = [rel for rel, p in files(after).items() if rel.endswith(".html") and "2669999" in p.read_text(encoding="utf-8")]
    assert shown and set(shown) <= rewritten(before, after)
    shutil.rmtree(tmp_path / "full", ignore_errors=True)
    build(repo / "data", tmp_path / "full" / "public", full=True)
    assert_same_build(after, tree(tmp_path / "full" / "public"))


def lookup_content(path: Path) -> dict[str, list]:
    """Every table of a lookup database as sorted rows, row ids of batches replaced by batch ids."""
    import sqlite3

    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        ids = dict(conn.execute("SELECT id, batch_id FROM batches"))
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'search_%'"
                                             " AND name NOT LIKE 'sqlite_%'")]
        out = {}
        for table in tables:
            rows = conn.execute(f"SELECT * FROM {table}").fetchall()
            if table == "batches":
                rows = [r[1:] for r in rows]
            elif table == "payments":
                rows = [(r[0], ids[r[1]], *r[2:]) for r in rows]
            out[table] = sorted(rows, key=repr)
        out["search_segments"] = sorted(conn.execute("SELECT docid, title, body FROM search").fetchall())
        return out
    finally:
        conn.close()


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
    inc_db, full_db = tree(out) / "lookup.sqlite", tree(full) / "lookup.sqlite"
    assert lookup_content(inc_db) == lookup_content(full_db)
    n = len(lines) - 1
    assert len([r for r in lookup_content(inc_db)["payments"] if r[1] == "410421-NY001-2024"]) == n
    assert same_tree(tree(out), tree(full)) == ["lookup.sqlite", MANIFEST]  # different row ids
    assert_same_build(tree(out), tree(full))


def test_an_hourly_rebuild_without_changes_writes_nothing_again(repo: Path, tmp_path: Path, monkeypatch):
    """Only the wall clock moved (the hourly publish): every file, lookup.sqlite included, stays the
    last build's, so nothing is uploaded or copied to the API hosts."""
    out = tmp_path / "public"
    build(repo / "data", out)
    before = tree(out)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(int(EPOCH) + 3600))
    later = build(repo / "data", out)
    assert later.changes.changed == 0 and later.changes.new == 0
    assert rewritten(before, tree(out)) == {MANIFEST}
