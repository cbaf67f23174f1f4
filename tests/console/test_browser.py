"""The clerk's path through 导入发放名单 in headless Chromium with JavaScript off: open the token URL,
upload a messy GBK export, see every error, download the error list, upload the fixed file, read
the cross-check report, ingest; the batch holds no plaintext ID, card or phone.  Each page is
photographed at 1280 and 1024 px into /tmp/console-shots/."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from openpyxl import load_workbook

from generator.privacy import scan_paths
from tests.console.helpers import PLANTED, RAW_NAME, fixed_rows, gbk, leaks, messy_rows, plaintexts
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


def test_the_clerk_imports_a_messy_export(browser, console, repo: Path, tmp_path: Path):
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
    finally:
        context.close()

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
    independent_pii_scan(batch)
