"""Incremental builds (issue 7): a new batch for one county rewrites only what shows it, the
rest keeps the last build's files (same inode, so rsync moves nothing), and the result is
byte-identical to a full build of the same commit."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from pathlib import Path

import pytest

from generator.pipeline import build
from generator.writer import MANIFEST, RECORD
from huinong_core.case_figures import CaseFigures
from tests.builds import (EPOCH, add_batch, assert_same_build, build_dir, files, lookup_content, notice,
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
    assert again.changes.unchanged == len(files(before)) - 2 and again.changes.changed == 0  # but manifest, record
    assert build_dir(out) == before and rewritten(before, build_dir(out)) == set()  # nothing to do: kept

    forced = build(repo / "data", out, full=True)
    assert forced.changes.reused == 0 and rewritten(before, build_dir(out)) == set(files(build_dir(out)))

    # Another version of the code (here: a build whose manifest and record say so) must not hand over its files.
    for name in (MANIFEST, RECORD):
        path = build_dir(out) / name
        data = json.loads(path.read_text(encoding="utf-8"))
        path.write_text(json.dumps({**data, "code" if name == MANIFEST else "key": "0" * 64}), encoding="utf-8")
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
    assert build_dir(out) == before and rewritten(before, build_dir(out)) == set()
    assert "原样保留" in later.report() and later.records == 6 and later.pages == len(files(before)) - 2


def test_what_a_build_depends_on_besides_the_files_makes_it_build_again(repo: Path, tmp_path: Path, monkeypatch):
    """A build with nothing to do keeps the live one only while its notices in force, its day, its
    committed data and its 咨询投诉 figures are those the live build was made with."""
    out = tmp_path / "public"
    notice(repo / "data", "later", "标题: 下午停机维护\n开始: 2025-01-01 14:00\n结束: 2025-01-02")
    commit(repo, "通知")
    build(repo / "data", out)  # 08:00
    kept = build_dir(out)

    def again(epoch: int, **kw) -> bool:
        """Whether a build at `epoch` made a new build (True) or kept the live one."""
        before = build_dir(out)
        monkeypatch.setenv("SOURCE_DATE_EPOCH", str(epoch))
        build(repo / "data", out, **kw)
        return build_dir(out) != before

    assert not again(int(EPOCH) + 5 * 3600)  # 13:00: the same notices in force
    assert again(int(EPOCH) + 6 * 3600)  # 14:00: the notice starts
    assert "下午停机维护" in (out / "site/index.html").read_text(encoding="utf-8")
    assert not again(int(EPOCH) + 7 * 3600)
    assert again(int(EPOCH) + 6 * 3600 - 60)  # a clock set back: before the live build was made
    assert again(int(EPOCH) + 30 * 3600)  # the next day (notice over; 公示期 and 公开年限 count days)
    assert kept != build_dir(out)

    (repo / "data/README.md").write_text("改了没提交\n", encoding="utf-8")  # uncommitted: outputs carry the time
    assert again(int(EPOCH) + 30 * 3600) and again(int(EPOCH) + 30 * 3600)
    commit(repo, "说明")
    assert again(int(EPOCH) + 30 * 3600) and not again(int(EPOCH) + 30 * 3600)

    figures = {"generated_at": "2025-01-02 14:00", "due_days": {"咨询": 5}, "min_count": 5, "total": 3}

    def source(counties, at):
        return CaseFigures(dict(figures), "<table></table>")

    assert again(int(EPOCH) + 30 * 3600, case_figures=source)  # figures printed where a link was
    assert not again(int(EPOCH) + 30 * 3600, case_figures=source)  # the same figures, the same minute
    figures["total"] = 4
    assert again(int(EPOCH) + 30 * 3600, case_figures=source)


def _second_year(repo: Path) -> None:
    """宝丰县's batch again for 2023: its villages have two batches."""
    src = repo / "data/payments/2024/410421-NY001-2024"
    dst = repo / "data/payments/2023/410421-NY001-2023"
    dst.mkdir(parents=True)
    for name in ("batch.yaml", "records.csv"):
        (dst / name).write_text((src / name).read_text(encoding="utf-8").replace("2024", "2023"), encoding="utf-8")
    commit(repo, "宝丰县 2023 年")


def test_a_village_file_takes_the_rows_of_unchanged_batches_from_the_last_build(repo: Path, tmp_path: Path):
    """A village's CSV and JSON hold all its batches: when one changes, the others' rows are copied
    from the last build's files (shown by a planted cell), not read again; the result is a full build's."""
    _second_year(repo)
    out = tmp_path / "public"
    build(repo / "data", out)
    csv_path = build_dir(out) / "site/diqu/410421100201/410421100201.csv"
    text = csv_path.read_text(encoding="utf-8-sig")
    assert "410421-NY001-2023," in text and "410421-NY001-2024," in text
    records = repo / "data/payments/2024/410421-NY001-2024/records.csv"
    records.write_text(records.read_text(encoding="utf-8").replace(",3.5,105.00,367.50,", ",3,105.00,315.00,", 1),
                       encoding="utf-8")
    commit(repo, "更正一条面积和金额")

    planted = tmp_path / "planted"  # the same build, with a cell of the 2023 rows changed in the last build's file
    shutil.copytree(tmp_path / ".public.builds", planted / ".public.builds", symlinks=True)
    os.symlink(os.readlink(out), planted / "public")
    old = build_dir(planted / "public") / "site/diqu/410421100201/410421100201.csv"
    cell = "410421-NY001-2023,NY001,耕地地力保护补贴"
    assert cell in text
    os.unlink(old)
    planted_text = csv_path.read_bytes().decode("utf-8")  # as written: BOM, CRLF (old_chunks cuts that text)
    old.write_bytes(planted_text.replace(cell, cell.replace("耕地地力保护补贴", "种下的记号"), 1).encode("utf-8"))
    build(repo / "data", planted / "public")
    assert "种下的记号" in (planted / "public/site/diqu/410421100201/410421100201.csv").read_text(encoding="utf-8-sig")

    build(repo / "data", out)
    village = json.loads((out / "site/diqu/410421100201/410421100201.json").read_text(encoding="utf-8"))
    assert {r["批次号"] for r in village["记录"]} == {"410421-NY001-2023", "410421-NY001-2024"}
    assert [r["金额"] for r in village["记录"] if r["批次号"] == "410421-NY001-2024"][0] == "315.00"
    build(repo / "data", tmp_path / "full" / "public", full=True)
    assert_same_build(build_dir(out), build_dir(tmp_path / "full" / "public"))


def test_unchanged_batch_pages_are_taken_from_the_last_build(repo: Path, tmp_path: Path):
    """A batch's page (公示公告) made of the same as in the last build is not rendered again: shown by
    a mark planted in the last build's page, which the next build carries over; the new batch's page
    is rendered."""
    out = tmp_path / "public"
    build(repo / "data", out)
    # Planted in the live build, its manifest saying so (else finish would link a page rendered
    # again to the planted one, whose bytes the manifest says are the same).
    live = build_dir(out)
    rel = "site/gongshi/410421-NY001-2024/index.html"
    text = (live / rel).read_text(encoding="utf-8")
    (live / rel).unlink()  # a hard link: a new file, not written into
    (live / rel).write_text(text.replace("</h1>", "</h1><!-- 种下的记号 -->", 1), encoding="utf-8")
    manifest = json.loads((live / MANIFEST).read_text(encoding="utf-8"))
    manifest["files"][rel]["sha256"] = hashlib.sha256((live / rel).read_bytes()).hexdigest()
    (live / MANIFEST).unlink()  # also a hard link (into the spare tree)
    (live / MANIFEST).write_text(json.dumps(manifest), encoding="utf-8")
    add_batch(repo)
    build(repo / "data", out)
    assert "种下的记号" in (build_dir(out) / "site/gongshi/410421-NY001-2024/index.html").read_text(encoding="utf-8")
    assert "种下的记号" not in (build_dir(out) / "site/gongshi/410425-NY001-2024/index.html").read_text(encoding="utf-8")


def test_the_policy_lists_downloads_are_taken_from_the_last_build_when_policies_did_not_change(repo: Path, tmp_path: Path):
    """zhengce.csv/.xlsx/.json are made of the policies and their version alone: a new batch takes
    them from the last build (a mark planted in the live build's file is carried over), a changed
    policies.csv makes them again."""
    out = tmp_path / "public"
    build(repo / "data", out)
    live = build_dir(out) / "site/zhengce/zhengce.json"
    live.write_text(live.read_text(encoding="utf-8").replace("政策清单", "种下的记号", 1), encoding="utf-8")
    manifest = build_dir(out) / MANIFEST  # says so: else the file made again, being the old one's bytes, is linked to it
    data = json.loads(manifest.read_text(encoding="utf-8"))
    data["files"]["site/zhengce/zhengce.json"]["sha256"] = hashlib.sha256(live.read_bytes()).hexdigest()
    manifest.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    add_batch(repo)
    build(repo / "data", out)
    assert "种下的记号" in (build_dir(out) / "site/zhengce/zhengce.json").read_text(encoding="utf-8")
    policies = repo / "data/policies.csv"
    policies.write_text(policies.read_text(encoding="utf-8-sig").replace("耕地地力保护补贴", "耕地地力保护补贴资金", 1),
                        encoding="utf-8")
    commit(repo, "改项目名称")
    build(repo / "data", out)
    made = build_dir(out) / "site/zhengce"
    assert "种下的记号" not in (made / "zhengce.json").read_text(encoding="utf-8")
    assert "耕地地力保护补贴资金" in (made / "zhengce.json").read_text(encoding="utf-8")
    assert "耕地地力保护补贴资金" in (made / "zhengce.csv").read_text(encoding="utf-8-sig")


def test_a_changed_stylesheet_keeps_the_old_one_published_for_a_day(repo: Path, tmp_path: Path, monkeypatch):
    """Our CSS changed (a new content-hashed name): a page cached from before still names the old
    file, so the build after the change keeps publishing it, byte for byte; a build a day later or
    more does not."""
    from huinong_core import site_files

    out = tmp_path / "public"
    build(repo / "data", out)
    old_name = site_files.assets()["yikatong.css"]
    old_bytes = (out / "site" / old_name).read_bytes()
    new_name = "assets/yikatong.0000abcd.css"
    assert new_name != old_name
    changed = {**site_files.assets(), "yikatong.css": new_name}
    monkeypatch.setattr(site_files, "assets", lambda: changed)
    build(repo / "data", out, full=True)  # code changed: no reuse of the last build
    assert (out / "site" / new_name).read_bytes() == old_bytes  # the same file under its new name, linked by pages
    assert (out / "site" / old_name).read_bytes() == old_bytes
    assert new_name in (out / "site/index.html").read_text(encoding="utf-8")
    assert old_name not in (out / "site/index.html").read_text(encoding="utf-8")
    # each build below has something to build (one with nothing to do keeps the live one as it is)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(int(EPOCH) + 23 * 3600))
    add_batch(repo)
    assert "增量构建" in build(repo / "data", out).report()
    assert (out / "site" / old_name).is_file()  # still within the day
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(int(EPOCH) + 25 * 3600))
    services = repo / "data/services.csv"
    services.write_text(services.read_text(encoding="utf-8").replace("0375-", "0375-9", 1), encoding="utf-8")
    commit(repo, "更新窗口电话")
    assert "增量构建" in build(repo / "data", out).report()
    assert not (out / "site" / old_name).exists() and (out / "site" / new_name).is_file()
