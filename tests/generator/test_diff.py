"""diff: two revisions of a real git repository, compared record by record."""

from __future__ import annotations

import csv
import datetime as dt
import io
import shutil
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from generator.diff import ADDED, CHANGED, REMOVED, diff, document, render
from generator.privacy import scan_bytes
from tests.gitrepo import commit, git, init_repo
from tests.golden import TINY

TODAY = dt.date(2026, 6, 1)  # 公开年限 3: 2024-2026 are public
BATCH = Path("data/payments/2024/410421-NY001-2024")


def read_records(repo: Path, batch: Path = BATCH) -> list[dict]:
    with open(repo / batch / "records.csv", encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def write_records(repo: Path, rows: list[dict], batch: Path = BATCH) -> None:
    """As ingest writes them: 记录号 numbered from 1 again."""
    out = io.StringIO()
    w = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
    w.writeheader()
    for i, row in enumerate(rows, 1):
        w.writerow({**row, "记录号": f"{i:05d}"})
    (repo / batch / "records.csv").write_text(out.getvalue(), encoding="utf-8")


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def copy_batch(repo: Path, new_id: str, year: int, programme: str, period: str) -> Path:
    target = repo / "data/payments" / str(year) / new_id
    shutil.copytree(repo / BATCH, target)
    edit(target / "batch.yaml", '项目编码: "NY001"', f'项目编码: "{programme}"')
    edit(target / "batch.yaml", '期号: "2024"', f'期号: "{period}"')
    return target


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """The tiny dataset plus an unchanging 2025 batch and a protected (MZ005) batch, committed."""
    repo = init_repo(tmp_path / "repo")
    shutil.copytree(TINY / "data", repo / "data")
    copy_batch(repo, "410421-NY001-2025", 2025, "NY001", "2025")
    copy_batch(repo, "410421-MZ005-2024Q1", 2024, "MZ005", "2024Q1")
    commit(repo, "初始数据")
    return repo


def change_some(repo: Path) -> None:
    """One amount changed, one record removed, one added; two policy fields changed."""
    rows = read_records(repo)
    assert [r["姓名"] for r in rows] == ["王*国", "李*英", "欧**明", "欧**明", "张*", "买****力"]
    rows[1]["发放金额"] = "250.00"
    del rows[4]  # 张*, 126.00: the later 记录号 shift, which must not count as changes
    rows.append({**rows[0], "查询键": "a" * 32, "人员键": "b" * 32, "卡键": "c" * 32, "姓名": "赵*",
                 "发放数量": "2", "发放金额": "300.00"})
    write_records(repo, rows)
    policies = repo / "data/policies.csv"
    edit(policies, "每亩105元（示例）", "每亩110元（示例）")
    edit(policies, "每人每月60元起（示例）,月,,,“一卡通”直接发放,3、6、9、12月,省市县财政,0375-2663456,否,,2025,,",
         "每人每月60元起（示例）,月,,,“一卡通”直接发放,3、6、9、12月,省市县财政,0375-2663456,否,,2025,2026,")


def test_reports_exactly_the_changed_records_and_totals(repo: Path):
    base = git(repo, "rev-parse", "HEAD")
    change_some(repo)
    head = commit(repo, "更正")
    rep = diff(repo / "data", base, head, today=TODAY)

    assert [(c.kind, c.batch_id) for c in rep.batches] == [(CHANGED, "410421-NY001-2024")]
    c = rep.batches[0]
    got = sorted((r.kind, r.village, r.name, r.old and r.old.amount, r.new and r.new.amount) for r in c.records)
    assert got == sorted([
        (CHANGED, "410421100201", "李*英", Decimal("210.00"), Decimal("250.00")),
        (REMOVED, "410421100202", "张*", Decimal("126.00"), None),
        (ADDED, "410421100201", "赵*", None, Decimal("300.00")),
    ])
    assert c.records[[r.name for r in c.records].index("李*英")].fields == (("发放金额", "210.00", "250.00"),)
    # 1155.00 paid before (欧**明's failed row does not count, its 补发 does); -210+250-126+300 after.
    assert (c.old_total, c.new_total) == (Decimal("1155.00"), Decimal("1369.00"))
    assert (rep.before.records, rep.after.records) == (18, 18)
    assert rep.after.paid - rep.before.paid == Decimal("214.00")
    assert [(county, prog, x.paid, y.paid) for county, prog, x, y in rep.groups] == [
        ("410421000000", "NY001", Decimal("2310.00"), Decimal("2524.00"))]

    assert [(p.kind, p.code, p.start_year, p.fields) for p in rep.policies] == [
        (CHANGED, "MZ010", 2025, (("终止年度", "（空）", "2026"),)),
        (CHANGED, "NY001", 2016, (("补贴标准", "每亩105元（示例）", "每亩110元（示例）"),)),
    ]
    assert rep.files == [] and rep.site == [] and rep.withdrawn == []
    # 18.5% moved: over the default 10%; one record left the public list inside 公开年限.
    assert any("410421-NY001-2024 的已发放金额变化 18.5%" in w for w in rep.warnings)
    assert any("删除了 1 条记录" in w for w in rep.warnings)
    assert len(rep.warnings) == 2
    # Unchanged batches parsed once for both sides; the changed one once per side.
    assert rep.parsed_batches == 4

    md = render(rep, "md")
    assert "| 张庄村 | 删除 | 张* | 126.00 → |" in md
    assert "| 前营村 | 修改 | 李*英 | 210.00 → 250.00 |  |" in md
    assert "| 已发放金额（元） | 3,465.00 | 3,679.00 | +214.00 |" in md
    html = render(rep, "html")
    assert "<td>每亩105元（示例）</td><td>每亩110元（示例）</td>" in html
    for text in (md, html):
        assert list(scan_bytes(text.encode())) == []
        for key in ("a" * 32, "b" * 32, rep.batches[0].old.records[0].person_key):
            assert key not in text


def test_protected_programme_only_at_county_level(repo: Path):
    base = git(repo, "rev-parse", "HEAD")
    batch = Path("data/payments/2024/410421-MZ005-2024Q1")
    rows = read_records(repo, batch)
    rows[0]["发放金额"] = "999.00"
    write_records(repo, rows, batch)
    rep = diff(repo / "data", base, None, today=TODAY)  # against the working tree
    assert [(c.kind, c.batch_id, c.protected) for c in rep.batches] == [(CHANGED, "410421-MZ005-2024Q1", True)]
    blocks = document(rep)
    at = next(i for i, b in enumerate(blocks) if b[0] == "h4" and "MZ005" in b[1])
    rest = blocks[at + 1:]
    assert rest[0] == ("p", "隐私保护项目：不列村级和个人明细。")
    assert all(b[0] != "table" for b in rest[:next((i for i, b in enumerate(rest) if b[0].startswith("h")), len(rest))])
    md = render(rep)
    assert "王*国" not in md and "前营村" not in md


def test_warnings_short_publicity_removed_batch_and_withdrawals(repo: Path):
    base = git(repo, "rev-parse", "HEAD")
    edit(repo / "data/payments/2025/410421-NY001-2025/batch.yaml", "公示结束: 2024-06-21", "公示结束: 2024-06-15")
    shutil.rmtree(repo / "data/payments/2024/410421-MZ005-2024Q1")
    edit(repo / "data/site.yaml", "公开年限: 3", "公开年限: 2")  # 2024 leaves the site in 2026
    (repo / "data/documents/new.md").write_text("---\n标题: 新\n---\n", encoding="utf-8")
    head = commit(repo, "几处改动")
    rep = diff(repo / "data", base, head, today=TODAY)
    kinds = {c.batch_id: c.kind for c in rep.batches}
    assert kinds == {"410421-NY001-2025": CHANGED, "410421-MZ005-2024Q1": REMOVED}
    assert rep.batches[1].meta == [("公示结束", "2024-06-21", "2024-06-15")]
    assert rep.withdrawn == [(2024, "410421-NY001-2024")]
    assert rep.site == [("公开年限", "3", "2")]
    assert rep.files == [(ADDED, "documents/new.md")]
    text = "\n".join(rep.warnings)
    assert "410421-NY001-2025 的公示期只有 4 天" in text
    assert "410421-NY001-2024 将提前从网站撤下（6 条记录）：公开年限改变" in text
    assert "公开年限由 3 年改为 2 年" in text
    # The protected batch was never public: its removal takes nothing off the site.
    assert "MZ005-2024Q1 被删除" not in text
    assert "2024年度：410421-NY001-2024" in render(rep)


def test_cli_diff_writes_markdown_and_html(repo: Path):
    base = git(repo, "rev-parse", "HEAD")
    change_some(repo)
    head = commit(repo, "更正")
    env_date = ["--date", TODAY.isoformat()]
    run = lambda *a: subprocess.run([sys.executable, "-m", "generator", "diff", *a], cwd=repo,  # noqa: E731
                                    capture_output=True, text=True)
    done = run(base, head, "--format", "html", "--out", "reports/diff.html", *env_date)
    assert done.returncode == 0, done.stderr
    assert "变更报告已写入 reports/diff.html：1 个批次、2 处政策清单变化，2 条需要注意。" in done.stdout
    assert (repo / "reports/diff.html").read_text(encoding="utf-8").startswith("<!doctype html>")
    done = run(*env_date)  # HEAD against a clean working tree
    assert done.returncode == 0 and "没有影响公开内容的数据变化。" in done.stdout
    done = run(base, *env_date, "--max-change", "20%")  # base against the working tree, a looser threshold
    assert "已发放金额变化" not in done.stdout and "| 前营村 | 新增 | 赵* | → 300.00 |" in done.stdout
    done = run("nosuchrev")
    assert done.returncode == 1 and done.stderr.startswith("错误：git rev-parse")


RULES = """规则:
  - 名称: 死亡后仍发放
    类型: after_death
    名单: 死亡人员
    项目: [NY001]
"""


def test_diff_lists_the_screening_findings_the_change_brings(repo: Path, tmp_path: Path, monkeypatch):
    """With reference lists on this machine, diff shows the findings the head side adds (not the ones the
    base already had): rule, batch and record number only."""
    from huinong_core.keys import load_key
    from generator.reference import ingest_reference
    from tests.golden import TINY_PEOPLE

    monkeypatch.delenv("HUINONG_PRIVATE_DIR", raising=False)
    monkeypatch.setenv("HUINONG_DEMO", "1")
    (repo / "data/screening.yaml").write_text(RULES, encoding="utf-8")
    commit(repo, "比对规则")
    deaths = tmp_path / "deaths.csv"
    deaths.write_text(f"姓名,身份证号码,死亡日期\n{TINY_PEOPLE[0].name},{TINY_PEOPLE[0].id18},2024-01-01\n", encoding="utf-8")
    ingest_reference(deaths, "死亡人员", load_key({"HUINONG_DEMO": "1"}), repo / "data/private")
    copy_batch(repo, "410421-NY001-2026", 2026, "NY001", "2026")  # the same people paid again

    rep = diff(repo / "data", "HEAD", None, today=dt.date(2026, 11, 23))
    keys = sorted((f.rule, f.batch_id) for f in rep.new_findings)
    assert keys == [("死亡后仍发放", "410421-NY001-2026")]  # the 2024 and 2025 findings are old news
    text = render(rep, "md")
    assert "大数据比对筛查：本次变更带来的新疑点" in text and "死亡后仍发放 1 条" in text
    assert TINY_PEOPLE[0].name not in text and "王*国" not in text.split("大数据比对筛查")[1]
    assert list(scan_bytes(text.encode("utf-8"))) == []

    # No lists on this machine: no screening section at all.
    shutil.rmtree(repo / "data/private")
    assert diff(repo / "data", "HEAD", None, today=dt.date(2026, 11, 23)).new_findings is None
