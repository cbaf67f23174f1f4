"""Step 提交 against a real bare remote (a pre-receive hook refuses when a test wants it): only what
the page listed is committed, on a new branch, and pushed; the guards run first and every refusal
is explained; files outside data/ go in only when ticked; the merge-request link."""

from __future__ import annotations

import re
import stat
from pathlib import Path

import pytest

from generator.console.gitwork import merge_request_links, remote_lines, shown_url, web_url
from tests.console.helpers import P, Running, csrf_of, fixed_rows, gbk, post, seen_of
from tests.gitrepo import git

NOTICE = ("---\n标题: 宝丰县耕地地力保护补贴推迟发放\n级别: 紧急\n开始: 2026-12-06\n结束: 2026-12-31\n"
          "区划代码: 410421000000\n项目编码: NY001\n---\n推迟到12月20日前发放。\n")


def write_notice(repo: Path, slug: str = "tuichi", text: str = NOTICE) -> str:
    (repo / "data/notices").mkdir(exist_ok=True)
    (repo / f"data/notices/{slug}.md").write_text(text, encoding="utf-8")
    return f"data/notices/{slug}.md"


def remote(repo: Path) -> Path:
    return repo.parent / "remote.git"


def branches(bare: Path) -> list[str]:
    return git(bare, "for-each-ref", "--format=%(refname:short)", "refs/heads").splitlines()


def with_author(repo: Path) -> None:
    git(repo, "config", "user.name", "宝丰县财政局 专管员")
    git(repo, "config", "user.email", "ykt@example.gov.cn")


def submit(c, **fields) -> object:
    page = c.get("/tijiao/")
    assert page.status_code == 200, page.text
    branch = re.search(r'name="branch" value="([^"]*)"', page.text).group(1)
    return post(c, "/tijiao/", data={"csrf": csrf_of(page.text), "seen": seen_of(page.text), "branch": branch,
                                     "message": "通知：宝丰县 NY001 推迟发放", **fields})


def test_a_notice_is_committed_on_a_new_branch_and_pushed(console, repo: Path):
    with_author(repo)
    path = write_notice(repo)
    (repo / "我的笔记.txt").write_text("明天问一下乡镇\n", encoding="utf-8")
    head = git(repo, "rev-parse", "HEAD")
    with console.client() as c:
        page = c.get("/tijiao/").text
        assert path in page and "data/ 以外还有 1 个文件有修改" in page and "我的笔记.txt" in page
        assert 'name="extra" value="我的笔记.txt">' in page  # offered, not ticked
        assert "提交人：宝丰县财政局 专管员 &lt;ykt@example.gov.cn&gt;（本机 git 设置）" in page
        assert 'name="name"' not in page
        assert re.search(r'name="branch" value="通知-tuichi-\d{8}-\d{4}"', page)
        r = submit(c, branch="通知-宝丰-推迟")
        assert r.status_code == 303, r.text
        assert r.headers["location"] == "/tijiao/wancheng/?fenzhi=%E9%80%9A%E7%9F%A5-%E5%AE%9D%E4%B8%B0-%E6%8E%A8%E8%BF%9F"
        done = c.get(r.headers["location"])
        assert "已提交并推送" in done.text and "通知-宝丰-推迟" in done.text and "不是网址" in done.text
        assert c.get("/tijiao/").text.count('name="extra"') == 1  # the note is still there, uncommitted
    bare = remote(repo)
    assert sorted(branches(bare)) == ["main", "通知-宝丰-推迟"]
    assert git(bare, "rev-parse", "通知-宝丰-推迟^") == head
    assert git(bare, "show", "--name-only", "--format=%an|%s", "通知-宝丰-推迟").splitlines() == [
        "宝丰县财政局 专管员|通知：宝丰县 NY001 推迟发放", "", path]
    assert git(repo, "branch", "--show-current") == "通知-宝丰-推迟"
    assert git(repo, "-c", "core.quotePath=false", "status", "--porcelain", "--untracked-files=all") == "?? 我的笔记.txt"


def test_a_file_outside_data_goes_in_only_when_ticked(console, repo: Path):
    with_author(repo)
    write_notice(repo)
    (repo / "说明.md").write_text("说明\n", encoding="utf-8")
    (repo / "草稿.txt").write_text("草稿\n", encoding="utf-8")
    with console.client() as c:
        assert submit(c, extra="说明.md").status_code == 303
    files = git(remote(repo), "-c", "core.quotePath=false", "show", "--name-only", "--format=", branches(remote(repo))[-1])
    assert sorted(files.splitlines()) == ["data/notices/tuichi.md", "说明.md"]


def test_the_author_is_asked_for_when_git_has_none(console, repo: Path):
    write_notice(repo)
    with console.client() as c:
        page = c.get("/tijiao/").text
        assert "本机 git 还没有设置" in page and 'name="name"' in page and 'name="email"' in page
        r = submit(c, name="专管员", email="不是邮箱")
        assert r.status_code == 422 and "请填写提交人" in r.text
        assert branches(remote(repo)) == ["main"]
        assert submit(c, name="宝丰县财政局 专管员", email="ykt@example.gov.cn").status_code == 303
    assert git(remote(repo), "log", "-1", "--format=%an <%ae>", branches(remote(repo))[-1]) == \
        "宝丰县财政局 专管员 <ykt@example.gov.cn>"
    assert git(repo, "config", "user.email") == "ykt@example.gov.cn"  # asked once


def test_nothing_to_commit(console, repo: Path):
    with_author(repo)
    with console.client() as c:
        page = c.get("/tijiao/")
        assert page.status_code == 200 and "没有需要提交的修改" in page.text and 'name="seen"' not in page.text
        r = post(c, "/tijiao/", data={"csrf": csrf_of(c.get("/tongzhi/xin/").text), "seen": "x", "message": "空",
                                      "branch": "kong"})
        assert r.status_code == 409 and "有了变化" in r.text
        # only a file outside data/, not ticked: nothing chosen
        (repo / "草稿.txt").write_text("草稿\n", encoding="utf-8")
        r = submit(c)
        assert r.status_code == 409 and "没有选择要提交的文件" in r.text
    assert branches(remote(repo)) == ["main"] and git(repo, "branch", "--show-current") == "main"


def test_a_change_after_the_page_was_read_is_not_committed_unseen(console, repo: Path):
    with_author(repo)
    write_notice(repo)
    with console.client() as c:
        page = c.get("/tijiao/").text
        write_notice(repo, "other")  # appeared after the clerk read the list
        r = post(c, "/tijiao/", data={"csrf": csrf_of(page), "seen": seen_of(page), "message": "通知",
                                      "branch": "tongzhi"})
        assert r.status_code == 409 and "有了变化" in r.text and "data/notices/other.md" in r.text
    assert branches(remote(repo)) == ["main"] and git(repo, "branch", "--list", "tongzhi") == ""


def test_the_guard_refuses_personal_data_and_keys_and_says_why(repo: Path):
    with_author(repo)
    write_notice(repo)
    key = "县财政局一卡通密钥-" + "k3Y" * 16
    (repo / "data/发放名单原件.csv").write_bytes(gbk(fixed_rows()))  # a raw export, saved in the wrong place
    (repo / "data/备忘.txt").write_text(f"密钥：{key}\n", encoding="utf-8")  # the key, pasted into a note
    head = git(repo, "rev-parse", "HEAD")
    with Running(repo, env={"HUINONG_KEY": key}) as console, console.client() as c:
        r = submit(c)
        assert r.status_code == 409, r.text
        assert "提交前检查拒绝了下面的文件，什么也没有提交" in r.text
        assert "data/发放名单原件.csv" in r.text and "<li>第 2 行：身份证号: 疑似明文" in r.text
        assert "……另有" in r.text
        assert "文件里有完整的身份证号、银行卡号或手机号" in r.text and "导入发放名单" in r.text
        assert "data/备忘.txt" in r.text and "文件中含有当前使用的密钥" in r.text
        assert "密钥只能放在本机安全的位置" in r.text and key not in r.text
        assert P[0].id18 not in r.text and P[0].card not in r.text
    assert branches(remote(repo)) == ["main"]
    assert git(repo, "rev-parse", "HEAD") == head and git(repo, "branch", "--show-current") == "main"
    assert git(repo, "diff", "--cached", "--name-only") == ""


def test_data_that_fails_the_check_is_not_committed(console, repo: Path):
    with_author(repo)
    write_notice(repo, text=NOTICE.replace("项目编码: NY001", "项目编码: ZZ999"))
    with console.client() as c:
        r = submit(c)
        assert r.status_code == 409 and "数据检查没有通过" in r.text
        assert "项目ZZ999不在政策清单中" in r.text and "data/notices/tuichi.md" in r.text
    assert branches(remote(repo)) == ["main"]


def test_a_refusing_pre_commit_hook_leaves_the_checkout_as_it_was(console, repo: Path):
    with_author(repo)
    write_notice(repo)
    hook = repo / ".git/hooks/pre-commit"
    hook.write_text("#!/bin/sh\necho '拒绝：测试用的提交前检查' >&2\nexit 1\n", encoding="utf-8")
    hook.chmod(hook.stat().st_mode | stat.S_IEXEC)
    with console.client() as c:
        r = submit(c, branch="tongzhi")
        assert r.status_code == 409 and "没有提交" in r.text and "拒绝：测试用的提交前检查" in r.text
    assert git(repo, "branch", "--show-current") == "main" and git(repo, "branch", "--list", "tongzhi") == ""
    assert git(repo, "-c", "core.quotePath=false", "status", "--porcelain", "--untracked-files=all") == "?? data/notices/tuichi.md"
    assert branches(remote(repo)) == ["main"]


def test_a_push_the_remote_rejects_is_explained_and_can_be_retried(console, repo: Path):
    with_author(repo)
    write_notice(repo)
    hook = remote(repo) / "hooks/pre-receive"
    hook.write_text("#!/bin/sh\necho 'GitLab: 您没有推送到这个项目的权限（测试）' >&2\nexit 1\n", encoding="utf-8")
    hook.chmod(hook.stat().st_mode | stat.S_IEXEC)
    with console.client() as c:
        r = submit(c, branch="tongzhi")
        assert r.status_code == 502, r.text
        assert "推送被远程仓库拒绝" in r.text and "GitLab: 您没有推送到这个项目的权限（测试）" in r.text
        assert "提交已保存在本机的分支 <code>tongzhi</code>" in r.text
        assert branches(remote(repo)) == ["main"]
        assert git(repo, "log", "-1", "--format=%s", "tongzhi") == "通知：宝丰县 NY001 推迟发放"

        hook.unlink()  # the administrator let it through
        again = post(c, "/tijiao/tuisong", data={"csrf": csrf_of(r.text), "branch": "tongzhi"})
        assert again.status_code == 303 and again.headers["location"] == "/tijiao/wancheng/?fenzhi=tongzhi"
        # only the branch checked out, not pushed yet, can be pushed from here; never main
        assert post(c, "/tijiao/tuisong", data={"csrf": csrf_of(r.text), "branch": "main"}).status_code == 409
        assert post(c, "/tijiao/tuisong", data={"csrf": csrf_of(r.text), "branch": "tongzhi"}).status_code == 409
        git(repo, "switch", "-q", "main")
        git(repo, "commit", "-q", "--allow-empty", "-m", "本机的提交")
        r = post(c, "/tijiao/tuisong", data={"csrf": csrf_of(r.text), "branch": "main"})
        assert r.status_code == 409 and "只能重新推送工作台刚提交" in r.text
    assert git(remote(repo), "rev-list", "--count", "main") == "1"
    assert sorted(branches(remote(repo))) == ["main", "tongzhi"]


def test_a_branch_that_exists_is_refused_before_anything_is_committed(console, repo: Path, tmp_path: Path):
    with_author(repo)
    git(repo, "push", "-q", "origin", "main:refs/heads/tongzhi")
    write_notice(repo)
    with console.client() as c:
        r = submit(c, branch="tongzhi")
        assert r.status_code == 422 and "远程仓库已有分支“tongzhi”" in r.text
        r = submit(c, branch="有 空格")
        assert r.status_code == 422 and "不能用作分支名" in r.text
        r = submit(c, branch="main")
        assert r.status_code == 422 and "本机已有分支“main”" in r.text
        r = submit(c, message="  ")
        assert r.status_code == 422 and "请填写提交说明" in r.text
    assert git(repo, "branch", "--show-current") == "main" and git(repo, "rev-list", "--count", "HEAD") == "1"


POSTS = ("/tongzhi/xin/", "/tongzhi/tuichi/", "/tijiao/", "/tijiao/tuisong")


@pytest.mark.parametrize("url", POSTS)
def test_the_new_forms_refuse_another_origin_and_a_missing_csrf(console, repo: Path, url: str):
    with_author(repo)
    write_notice(repo)
    before = (repo / "data/notices/tuichi.md").read_bytes()
    with console.client() as c:
        page = c.get("/tijiao/").text
        fields = {"csrf": csrf_of(page), "seen": seen_of(page), "message": "通知", "branch": "tongzhi",
                  "title": "改了", "level": "提示", "start_date": "2026-12-06", "end_date": "2026-12-31"}
        for origin in ("http://evil.example", "null", None):
            r = post(c, url, origin=origin, data=fields)
            assert r.status_code == 403 and "不是从工作台的页面发出的" in r.text, (url, origin)
        for csrf in (None, "", "wrong"):
            data = {k: v for k, v in fields.items() if k != "csrf"} | ({} if csrf is None else {"csrf": csrf})
            r = post(c, url, data=data)
            assert r.status_code == 403 and "表单校验码不对" in r.text, (url, csrf)
    assert (repo / "data/notices/tuichi.md").read_bytes() == before
    assert sorted(p.name for p in (repo / "data/notices").iterdir()) == ["tuichi.md"]
    assert branches(remote(repo)) == ["main"] and git(repo, "branch", "--show-current") == "main"


@pytest.mark.parametrize("url, web", [
    ("https://git.example.gov.cn/yikatong/huinong.git", "https://git.example.gov.cn/yikatong/huinong"),
    ("https://oauth2:s3cret@gitlab.example.com:8443/a/b/c.git/", "https://gitlab.example.com:8443/a/b/c"),
    ("http://10.1.2.3/yikatong/huinong", "http://10.1.2.3/yikatong/huinong"),
    ("git@github.com:owner/repo.git", "https://github.com/owner/repo"),
    ("gitlab.example.gov.cn:group/project.git", "https://gitlab.example.gov.cn/group/project"),
    ("ssh://git@gitlab.example.gov.cn:2222/group/sub/project.git", "https://gitlab.example.gov.cn/group/sub/project"),
    ("/srv/git/huinong.git", None),
    ("file:///srv/git/huinong.git", None),
    ("C:\\git\\huinong.git", None),
    ("C:/git/huinong.git", None),
    ("../remote.git", None),
])
def test_the_web_address_of_a_remote(url: str, web: str | None):
    assert web_url(url) == web


def test_merge_request_links():
    gitlab = merge_request_links("git@gitlab.example.gov.cn:yikatong/huinong.git", "导入-410421-NY001-2025")
    assert [(l.label, l.url) for l in gitlab] == [(
        "GitLab", "https://gitlab.example.gov.cn/yikatong/huinong/-/merge_requests/new?merge_request[source_branch]="
                  "%E5%AF%BC%E5%85%A5-410421-NY001-2025")]
    github = merge_request_links("https://github.com/owner/repo.git", "feature/x")
    assert [(l.label, l.url) for l in github] == [("GitHub", "https://github.com/owner/repo/compare/feature/x?expand=1")]
    both = merge_request_links("https://git.example.gov.cn/yikatong/huinong.git", "tongzhi")
    assert [l.url for l in both] == [
        "https://git.example.gov.cn/yikatong/huinong/-/merge_requests/new?merge_request[source_branch]=tongzhi",
        "https://git.example.gov.cn/yikatong/huinong/compare/tongzhi?expand=1"]
    assert merge_request_links("/srv/git/huinong.git", "tongzhi") == []
    assert shown_url("https://oauth2:s3cret@git.example.gov.cn/a.git") == "https://git.example.gov.cn/a.git"
    assert remote_lines("fatal: unable to access 'https://oauth2:s3cret@git.example.gov.cn/a.git/': 403\n\n") == [
        "fatal: unable to access 'https://git.example.gov.cn/a.git/': 403"]
