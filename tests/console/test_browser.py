"""The clerk's whole path in headless Chromium with JavaScript off: open the token URL, upload a
messy GBK export, see every error, download the error list, upload the fixed file, read the
cross-check report, ingest; add a notice (its error first), review the diff from the remote's main,
commit and push to a bare remote, read the status.  The pushed batch holds no plaintext ID, card
or phone.  Each page is photographed at 1280 and 1024 px into /tmp/console-shots/."""

from __future__ import annotations

import io
import subprocess
import tarfile
from pathlib import Path

import pytest
from openpyxl import load_workbook

from generator.privacy import scan_paths
from tests.console.helpers import (
    PLANTED, RAW_NAME, Running, fixed_rows, gbk, leaks, live_site, messy_rows, plaintexts,
)
from tests.gitrepo import git
from tests.helpers import independent_pii_scan

CHROMIUM = "/usr/bin/chromium"
SHOTS = Path("/tmp/console-shots")
WIDTHS = (1280, 1024)

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="chromium is not installed")


@pytest.fixture(scope="module")
def browser():
    pytest.importorskip("playwright.sync_api")
    from tests.site.browser import browser as launch

    with launch() as b:
        yield b


def shoot(page, name: str) -> None:
    """The page at each width (the layout must hold at both); no part of it may overflow sideways."""
    SHOTS.mkdir(exist_ok=True)
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 800})
        page.screenshot(path=str(SHOTS / f"{name}-{width}.png"), full_page=True)
        overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 0, f"{name} is {overflow}px too wide at {width}px"
    page.set_viewport_size({"width": WIDTHS[0], "height": 800})


#: The clone's remote as a county's GitLab names it; git reaches the bare repository in tmp_path instead.
GITLAB = "git@gitlab.example.gov.cn:yikatong/huinong.git"


def test_the_clerk_imports_a_messy_export_and_publishes_it(browser, repo: Path, tmp_path: Path):
    """…then adds a notice, reviews the diff, commits and pushes; the bare remote has the commit on
    the new branch, and what was pushed holds no plaintext ID, card or phone."""
    bare = tmp_path / "remote.git"
    git(repo, "config", "remote.origin.url", GITLAB)
    git(repo, "config", f"url.{bare}.insteadOf", GITLAB)
    published = git(repo, "rev-parse", "HEAD")  # what the live site serves
    with live_site(published) as site, Running(repo, site_url=site) as console:
        _walk(browser, console, repo, tmp_path)
    _check_pushed(bare, tmp_path)


def _walk(browser, console, repo: Path, tmp_path: Path) -> None:
    raw = tmp_path / "下载" / RAW_NAME
    raw.parent.mkdir()
    raw.write_bytes(gbk(messy_rows()))
    context = browser.new_context(java_script_enabled=False, viewport={"width": 1280, "height": 800},
                                  accept_downloads=True)
    page = context.new_page()
    try:
        page.goto(console.base + "/")
        assert "没有打开工作台的权限" in page.content()
        shoot(page, "0-refused")

        page.goto(console.server.url)
        assert page.url == console.base + "/"  # the token left the address bar
        assert page.locator("h1").inner_text() == "工作台"
        shoot(page, "1-home")

        page.get_by_role("link", name="1. 导入发放名单").click()
        shoot(page, "2-upload")
        page.set_input_files("#file", str(raw))
        page.get_by_role("button", name="上传并继续").click()
        assert page.locator("#programme").input_value() == "NY001"
        assert page.locator("#period").input_value() == "2025"
        shoot(page, "3-confirm")

        page.get_by_role("button", name="检查文件").click()
        assert "文件有 6 个问题，没有导入" in page.locator("h1").inner_text()
        cells = page.locator("table.errors tbody tr").evaluate_all(
            "rows => rows.map(r => [...r.cells].map(c => c.textContent.trim()))")
        assert {(int(r[0]), r[2]) for r in cells} == set(PLANTED)
        assert leaks(page.content()) == []
        shoot(page, "4-errors")

        with page.expect_download() as got:
            page.get_by_role("link", name="下载错误清单（Excel）").click()
        download = got.value
        assert download.suggested_filename == Path(RAW_NAME).stem + "-错误.xlsx"
        book = load_workbook(io.BytesIO(Path(download.path()).read_bytes()))
        rows = [[str(v) for v in row] for row in book.active.iter_rows(min_row=3, values_only=True)]
        assert rows == cells

        raw.write_bytes(gbk(fixed_rows()))  # the clerk fixed the file where it is
        page.set_input_files("#file", str(raw))
        page.get_by_role("button", name="上传并继续").click()
        assert page.locator("#programme").input_value() == "NY001"  # kept from the first upload
        page.get_by_role("button", name="检查文件").click()
        assert page.locator("h1").inner_text() == "交叉核查报告：410421-NY001-2025"
        counts = dict(page.locator("table.counts tbody tr").evaluate_all(
            "rows => rows.map(r => [r.cells[0].textContent, Number(r.cells[1].textContent)])"))
        assert all(counts[k] > 0 for k in ("一人多卡", "重复发放", "金额与标准不符", "发放时间不符")), counts
        assert leaks(page.content()) == []
        assert not (repo / "data/payments/2025").exists()
        shoot(page, "5-report")

        page.get_by_role("button", name="确认导入").click()
        assert page.locator("h1").inner_text() == "已导入批次 410421-NY001-2025"
        shoot(page, "6-done")
        _imported(repo)

        # 发布通知: the error table first (the end before the start), then saved
        steps = page.locator("nav.steps")
        steps.get_by_role("link", name="发布通知").click()
        assert page.locator("h1").inner_text() == "发布通知" and "还没有通知" in page.content()
        page.get_by_role("link", name="发布新通知").click()
        page.fill("#title", "宝丰县2025年耕地地力保护补贴第二批推迟发放")
        page.check("input[name=level][value=紧急]")
        page.fill("#start_date", "2026-12-06")
        page.fill("#start_time", "08:00")
        page.fill("#end_date", "2026-12-01")
        page.select_option("#region", ["410421000000"])
        page.check("input[name=programme][value=NY001]")
        page.fill("#body", "因面积复核，第二批推迟到12月20日前发放。有疑问请拨打政策解答电话 0375-2662345。")
        shoot(page, "7-notice-form")
        page.get_by_role("button", name="检查并保存").click()
        assert page.locator(".alert h2").inner_text() == "通知有 1 个问题，没有保存"
        assert _rows(page, "table.problems") == [["5", "5", "结束", "结束时间不晚于开始时间", "晚于开始时间"]]
        assert page.locator("#title").input_value().startswith("宝丰县2025年")  # what was typed is kept
        assert not (repo / "data/notices").exists()
        shoot(page, "8-notice-errors")
        page.fill("#end_date", "2026-12-31")
        page.get_by_role("button", name="检查并保存").click()
        assert page.locator("h1").inner_text() == "通知已保存"
        assert "2026-12-06 08:00 至 2026-12-31" in page.content()
        shoot(page, "9-notice-saved")
        steps.get_by_role("link", name="发布通知").click()
        assert page.locator("table.notices tbody tr").count() == 1
        shoot(page, "10-notices")

        # 检查和审阅: check passes, the report from origin/main lists the batch and the notice
        steps.get_by_role("link", name="检查和审阅").click()
        assert page.locator("ul.summary li").first.inner_text() == "检查通过：数据没有发现问题。"
        report = page.locator("section.report").inner_text()
        assert "新增批次 410421-NY001-2025" in report and "新增：data/notices/2026-12-06-410421000000-ny001.md" in report
        assert leaks(page.content()) == []
        shoot(page, "11-review")

        # 提交: the files shown, the message and the author written by the clerk, then pushed
        page.locator("main").get_by_role("link", name="提交").click()
        assert _rows(page, "table.files") == [["新增", "data/notices/2026-12-06-410421000000-ny001.md"],
                                              ["新增", "data/payments/2025/410421-NY001-2025/batch.yaml"],
                                              ["新增", "data/payments/2025/410421-NY001-2025/records.csv"]]
        page.fill("#message", "导入 宝丰县 NY001 耕地地力保护补贴 2025年度发放名单；通知：第二批推迟发放")
        page.fill("#name", "宝丰县财政局 一卡通专管员")
        page.fill("#email", "ykt@example.gov.cn")
        page.fill("#branch", "导入-宝丰-NY001-2025")
        shoot(page, "12-commit")
        page.get_by_role("button", name="检查、提交并推送").click()
        assert page.locator("h1").inner_text() == "已提交并推送", page.content()
        link = page.locator("ul.links a").get_attribute("href")
        assert link == ("https://gitlab.example.gov.cn/yikatong/huinong/-/merge_requests/new?merge_request[source_branch]="
                        "%E5%AF%BC%E5%85%A5-%E5%AE%9D%E4%B8%B0-NY001-2025")
        shoot(page, "13-pushed")

        # 状态: the live site still serves the commit before this one
        steps.get_by_role("link", name="状态").click()
        assert "网站已经发布了远程主分支 origin/main 的最新提交" in page.content()
        assert page.locator("table.facts").first.locator("code").first.inner_text() == \
            git(repo, "rev-parse", "--short=7", "origin/main")
        shoot(page, "14-status")
    finally:
        context.close()


def _rows(page, table: str) -> list[list[str]]:
    return page.locator(f"{table} tbody tr").evaluate_all(
        "rows => rows.map(r => [...r.cells].map(c => c.textContent.trim()))")


def _imported(repo: Path) -> None:
    batch = repo / "data/payments/2025/410421-NY001-2025"
    assert (batch / "records.csv").exists() and (batch / "batch.yaml").exists()
    assert scan_paths([batch]) == []
    written = b"".join(f.read_bytes() for f in batch.iterdir())
    assert [v for v in plaintexts() if v.encode() in written] == []  # IDs, cards, names, the 联系电话
    # Nothing of the raw file is in the repository: git sees the batch, and ignores the staff report.
    status = [line[3:] for line in git(repo, "-c", "core.quotePath=false",
        "status", "--porcelain", "--ignored", "--untracked-files=all").splitlines()]
    assert sorted(status) == sorted([f"data/payments/2025/410421-NY001-2025/{f}" for f in ("batch.yaml", "records.csv")]
                                    + ["reports/410421-NY001-2025-核查报告.csv",
                                       "reports/410421-NY001-2025-核查报告.html"]), status


def _check_pushed(bare: Path, tmp_path: Path) -> None:
    """The bare remote has the commit on the new branch, with the three data files and nothing else;
    what was pushed holds no plaintext ID, card or phone (our detector, then the independent one)."""
    branch = "导入-宝丰-NY001-2025"
    assert sorted(git(bare, "for-each-ref", "--format=%(refname:short)", "refs/heads").splitlines()) == ["main", branch]
    assert git(bare, "log", "-1", "--format=%an <%ae>|%s", branch) == (
        "宝丰县财政局 一卡通专管员 <ykt@example.gov.cn>|导入 宝丰县 NY001 耕地地力保护补贴 2025年度发放名单；通知：第二批推迟发放")
    assert git(bare, "rev-parse", f"{branch}^") == git(bare, "rev-parse", "main")
    assert git(bare, "-c", "core.quotePath=false", "show", "--name-only", "--format=", branch).splitlines() == [
        "data/notices/2026-12-06-410421000000-ny001.md", "data/payments/2025/410421-NY001-2025/batch.yaml",
        "data/payments/2025/410421-NY001-2025/records.csv"]
    pushed = tmp_path / "pushed"
    pushed.mkdir()
    archive = subprocess.run(["git", "-C", str(bare), "archive", "--format=tar", branch, "data/"], capture_output=True,
                             check=True).stdout
    tarfile.open(fileobj=io.BytesIO(archive)).extractall(pushed)
    batch = pushed / "data/payments/2025/410421-NY001-2025"
    assert (batch / "records.csv").read_text(encoding="utf-8").count("\n") == 8
    assert scan_paths([pushed]) == []
    blob = b"".join(f.read_bytes() for f in pushed.rglob("*") if f.is_file())
    assert [v for v in plaintexts() if v.encode() in blob] == []
    independent_pii_scan(batch)


def test_the_clerk_reads_why_a_commit_or_a_push_was_refused(browser, console, repo: Path):
    """The two refusals a clerk meets at 提交, as the browser shows them (photographed too)."""
    from tests.console.test_commit_pages import with_author, write_notice

    with_author(repo)
    write_notice(repo)
    (repo / "data/发放名单原件.csv").write_bytes(gbk(fixed_rows()))
    hook = repo.parent / "remote.git/hooks/pre-receive"
    hook.write_text("#!/bin/sh\necho 'GitLab: 您没有推送到这个项目的权限' >&2\nexit 1\n", encoding="utf-8")
    hook.chmod(0o755)
    context = browser.new_context(java_script_enabled=False, viewport={"width": 1280, "height": 800})
    page = context.new_page()
    try:
        page.goto(console.server.url)
        page.locator("nav.steps").get_by_role("link", name="提交").click()
        page.fill("#message", "通知：推迟发放")
        page.get_by_role("button", name="检查、提交并推送").click()
        alert = page.locator(".alert").inner_text()
        assert "提交前检查拒绝了下面的文件，什么也没有提交" in alert and "data/发放名单原件.csv" in alert
        assert "文件里有完整的身份证号、银行卡号或手机号" in alert and leaks(page.content()) == []
        shoot(page, "15-commit-refused")

        (repo / "data/发放名单原件.csv").unlink()  # the clerk removed the raw file, as the page said
        page.locator("nav.steps").get_by_role("link", name="提交").click()
        page.fill("#message", "通知：推迟发放")
        page.get_by_role("button", name="检查、提交并推送").click()
        assert page.locator("h1").inner_text() == "推送没有完成"
        assert "GitLab: 您没有推送到这个项目的权限" in page.locator(".alert pre").inner_text()
        shoot(page, "16-push-failed")
        hook.unlink()
        page.get_by_role("button", name="重新推送").click()
        assert page.locator("h1").inner_text() == "已提交并推送"
    finally:
        context.close()
