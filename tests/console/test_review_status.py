"""Steps 检查和审阅 and 状态 over plain HTTP: check and the diff report from the remote's main (its
warnings first), and the live site's version beside the checkout's."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from generator.console.app import BadSiteUrl
from generator.console.server import ConsoleServer
from tests.console.helpers import DEMO, Running, live_site
from tests.console.test_commit_pages import NOTICE, write_notice
from tests.gitrepo import git
from tests.helpers import free_port

BATCH_2024 = "data/payments/2024/410421-NY001-2024"


def test_review_checks_and_reports_the_change_warnings_first(console, repo: Path):
    shutil.rmtree(repo / BATCH_2024)  # a batch withdrawn: the report must warn
    write_notice(repo)
    with console.client() as c:
        r = c.get("/shenyue/")
    assert r.status_code == 200, r.text
    page = r.text
    assert "检查通过" in page and "origin/main" in page
    assert "变更报告有 1 条需要注意的情况" in page
    report = page.split('<section class="report"', 1)[1]
    assert "数据变更报告" in report and "删除批次 410421-NY001-2024" in report
    assert "新增：data/notices/tuichi.md" in report
    # warnings first: before the totals and the batches
    assert report.index("需要注意（1）") < report.index("合计") < report.index("发放批次")
    assert "批次 410421-NY001-2024 被删除" in report and "<li class='warn'>" in report
    assert "<style>" not in page  # the report's own style is the console's stylesheet's here


def test_review_lists_the_check_problems_and_says_no_to_committing(console, repo: Path):
    write_notice(repo, text=NOTICE.replace("结束: 2026-12-31", "结束: 2026-12-01"))
    with console.client() as c:
        page = c.get("/shenyue/").text
    assert "检查未通过：1 个问题" in page and 'href="/tijiao/"' in page  # the nav still links it
    assert '<td class="path">data/notices/tuichi.md</td><td class="n">5</td><td class="n">5</td><td>结束</td>' in page
    assert "结束时间不晚于开始时间" in page and "改正后才能提交" in page
    assert '<a class="button" href="/tijiao/">' not in page


def test_review_compares_with_the_remote_main_as_it_is_now(console, repo: Path, tmp_path: Path):
    """Someone else's merged change is neither shown as this checkout's nor as taken back by it."""
    other = tmp_path / "other"
    git(tmp_path, "clone", "-q", str(repo.parent / "remote.git"), str(other))
    write_notice(other, "qita")
    git(other, "add", "-A")
    git(other, "commit", "-q", "-m", "别人的通知")
    git(other, "push", "-q", "origin", "main")
    write_notice(repo)
    with console.client() as c:
        page = c.get("/shenyue/").text
    assert "有 1 个新提交本机还没有" in page
    assert "新增：data/notices/tuichi.md" in page and "qita" not in page


def test_review_without_a_remote_compares_with_the_last_commit(console, repo: Path):
    git(repo, "remote", "remove", "origin")
    write_notice(repo)
    with console.client() as c:
        page = c.get("/shenyue/").text
    assert "没有设置远程仓库，只能与本机最近一次提交比较" in page and "新增：data/notices/tuichi.md" in page


def test_status_says_when_no_site_is_set(console, repo: Path):
    with console.client() as c:
        page = c.get("/zhuangtai/").text
    assert "没有设置网站地址" in page and "--site" in page and "HUINONG_SITE_URL" in page
    assert git(repo, "rev-parse", "--short=7", "HEAD") in page and "初始数据" in page


def test_status_shows_the_live_version_beside_the_local_one(repo: Path):
    head = git(repo, "rev-parse", "HEAD")
    with live_site(head) as site, Running(repo, site_url=site + "/") as console, console.client() as c:
        page = c.get("/zhuangtai/").text
        assert f"2026-12-01 · {head[:7]}" in page and "5 条（2024—2024年）" in page and "2026-12-01 08:00" in page
        assert "网站已经发布了远程主分支 origin/main 的最新提交" in page
        write_notice(repo)
        assert "data/ 中未提交的修改</th><td>有" in c.get("/zhuangtai/").text
    with live_site("0" * 40) as site, Running(repo, site_url=site) as console, console.client() as c:
        page = c.get("/zhuangtai/").text
        assert "与远程主分支最新的提交" in page and "0000000" in page
    with live_site(head, status=503) as site, Running(repo, site_url=site) as console, console.client() as c:
        assert "网站回答 HTTP 503" in c.get("/zhuangtai/").text
    nobody = f"http://127.0.0.1:{free_port()}"
    with Running(repo, site_url=nobody) as console, console.client() as c:
        page = c.get("/zhuangtai/").text
        assert "连接不上网站" in page and f"{nobody}/api/v1/version" in page


def test_the_site_address_comes_from_the_environment_and_must_be_a_web_address(repo: Path):
    server = ConsoleServer(repo, env={**DEMO, "HUINONG_SITE_URL": "https://yikatong.example.gov.cn/"})
    server.socket.close()
    assert server.console.site_url == "https://yikatong.example.gov.cn"
    for bad in ("yikatong.example.gov.cn", "file:///etc/passwd", "https://a b"):
        with pytest.raises(BadSiteUrl):
            ConsoleServer(repo, env=DEMO, site_url=bad)
