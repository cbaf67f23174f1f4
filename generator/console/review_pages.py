"""Step 检查和审阅: `check` over all of data/, and `diff` from the remote's main branch to the
working tree, shown as the HTML report `python -m generator diff --format html` writes (the
same document, its warnings first), with the check's problems before it.

    GET /shenyue/   fetch the remote, check, diff, show
"""

from __future__ import annotations

import re
import subprocess

from fastapi import APIRouter
from fastapi.responses import HTMLResponse
from markupsafe import Markup

from generator.check import check
from generator.console import gitwork
from generator.console.app import Console, Pages
from generator.diff import diff, render
from generator.pipeline import build_date
from huinong_core.git import GitError

_BODY = re.compile(r"<body>(.*)</body>", re.S)


def report_body(html: str) -> Markup:
    """The report's body, to stand inside a console page: its <style> would be refused by the
    console's Content-Security-Policy anyway, and console.css styles its tables and warnings.
    Every text in it was escaped by generator/diff.py when the document was rendered."""
    m = _BODY.search(html)
    return Markup(m.group(1) if m else "")


def router(console: Console, pages: Pages) -> APIRouter:
    r = APIRouter(prefix="/shenyue")

    @r.get("/", response_class=HTMLResponse)
    def review() -> HTMLResponse:
        repo = console.repo
        notes: list[str] = []
        shown = "HEAD"
        try:
            remote = gitwork.remote_name(repo)
        except GitError:
            return pages("shenyue.html", status=409, title="检查和审阅", active="/shenyue/", no_git=True,
                         problems=[], report=None, base="", notes=[], warnings=[])
        base = None
        if remote is None:
            notes.append("这个项目目录没有设置远程仓库，只能与本机最近一次提交比较。")
        else:
            why = gitwork.fetch(repo, remote)
            if why:
                notes.append(f"没有取得远程仓库的最新内容（{why}），下面按上次取得的主分支比较。")
            main = gitwork.remote_main(repo, remote)
            if main is None:
                notes.append(f"远程仓库 {remote} 没有主分支（main），只能与本机最近一次提交比较。")
            else:
                base, behind = gitwork.fork_point(repo, main)
                shown = main
                if behind:
                    notes.append(f"远程主分支 {main} 有 {behind} 个新提交本机还没有（别人的修改已合并）。报告只列本机的修改；"
                                 "提交前最好先在终端运行 git pull 取得它们。")
        _dataset, problems = check(console.data_dir, base=repo)
        try:
            report = diff(console.data_dir, base or "HEAD", None, today=build_date())
        except (GitError, subprocess.TimeoutExpired) as e:
            notes.append(f"无法生成变更报告：{e}")
            report = None
        return pages("shenyue.html", status=200, title="检查和审阅", active="/shenyue/", no_git=False,
                     problems=problems, notes=notes, base=shown,
                     warnings=report.warnings if report else [], empty=report.empty if report else True,
                     report=report_body(render(report, "html")) if report else None)

    return r
