"""Step 提交: the changed files shown, then committed on a new branch with the clerk's message and
pushed; the merge-request link.  Before git commits anything the guards run: the pre-commit
guard (generator/guard.py) over every file of the commit and `check` over the data files (the two
hooks of .pre-commit-config.yaml), and a refusal is explained in plain words.

Only what the page showed is committed: the form carries a fingerprint of the changes it listed,
and a file outside data/ goes in only when the clerk ticked it there.  Commits the checkout has
and the remote's main has not (they go along with the push) are listed on the page too.

    GET  /tijiao/                   what would be committed, the form
    POST /tijiao/                   guards → commit → push → /tijiao/wancheng/?fenzhi=<branch>
    POST /tijiao/tuisong            push again (after a push that did not get through)
    GET  /tijiao/wancheng/?fenzhi=  the branch pushed and the merge-request link
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from dataclasses import dataclass
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from generator.check import batches_of, check
from generator.console import gitwork
from generator.console.app import Console, Pages, Refused, read_form
from generator.console.gitwork import Change
from generator.guard import guard
from huinong_core.git import GitError
from huinong_core.version import build_time

#: What each kind of guard refusal means, and what to do, for the clerk.
EXPLAINED = (
    ("原始数据目录", "data/raw/ 和 data/private/ 只放原始材料，只能留在本机。"),
    ("密钥", "密钥只能放在本机安全的位置（如个人目录），不能进项目目录：提交后，能看到仓库的人都能用它算出查询键，"
             "核对某人是否领取了补贴。请把文件移出项目目录；如果它已经提交或发给过别人，请报告管理员更换密钥。"),
    ("疑似明文", "文件里有完整的身份证号、银行卡号或手机号，像是原始导出文件或从中复制的内容。原始导出文件请用"
                 "“导入发放名单”导入（只保存打码的姓名和加密的键值），然后把这个文件删除或移出项目目录。"),
)
_EMAIL = re.compile(r"[^@\s<>]+@[^@\s<>]+")


@dataclass(frozen=True)
class Situation:
    """What the page shows, read again for every request."""

    remote: str | None
    remote_url: str
    base: str | None  # the remote's main as last fetched (origin/main)
    branch: str | None
    changes: list[Change]
    seen: str
    unpushed: list[gitwork.Unpushed]
    author: tuple[str, str] | None  # from git config

    @property
    def data(self) -> list[Change]:
        return [c for c in self.changes if c.in_data]

    @property
    def others(self) -> list[Change]:
        return [c for c in self.changes if not c.in_data]


@dataclass(frozen=True)
class Refusal:
    """The guard's refusals of one file, and what they mean."""

    path: str
    reasons: tuple[str, ...]
    meaning: tuple[str, ...]


def explain(refusals) -> list[Refusal]:
    """The guard's refusals per file (a zip member counts for its file), each line in words."""
    per: dict[str, list[str]] = defaultdict(list)
    for r in refusals:
        member = r.path[len(r.path.split("[")[0]):]
        per[r.path.split("[")[0]].append(f"{member}{'第 %d 行：' % r.line if r.line else ''}{r.reason}")
    out = []
    for path, reasons in per.items():
        shown = reasons[:10] + ([f"……另有 {len(reasons) - 10} 处"] if len(reasons) > 10 else [])
        out.append(Refusal(path, tuple(shown), tuple(dict.fromkeys(
            text for key, text in EXPLAINED if any(key in reason for reason in reasons)))))
    return out


def proposed_branch(data: list[Change]) -> str:
    """A branch name that says what the commit is, as docs/staff.md names them (导入-…, 通知-…)."""
    batches = sorted({c.path.split("/")[3] for c in data if c.path.startswith("data/payments/")
                      and c.path.count("/") >= 4})
    notices = sorted({c.path.split("/")[2][:-3] for c in data if re.fullmatch(r"data/notices/[^/]+\.md", c.path)})
    stamp = build_time().strftime("%Y%m%d-%H%M")
    if len(batches) == 1 and not notices:
        return f"导入-{batches[0]}-{stamp}"
    if notices and not batches:
        return f"通知-{notices[0]}-{stamp}" if len(notices) == 1 else f"通知-{stamp}"
    return f"工作台-{stamp}"


def proposed_message(data: list[Change]) -> str:
    batches = sorted({c.path.split("/")[3] for c in data if c.path.startswith("data/payments/") and c.path.count("/") >= 4})
    notices = sorted({c.path.split("/")[2] for c in data if c.path.startswith("data/notices/")})
    parts = [f"导入 {b} 发放名单" for b in batches] + [f"通知 {n}" for n in notices]
    return "；".join(parts[:3]) or "更新数据"


def router(console: Console, pages: Pages) -> APIRouter:
    r = APIRouter(prefix="/tijiao")
    repo = console.repo

    def situation() -> Situation:
        try:
            remote = gitwork.remote_name(repo)
            changes = gitwork.changes(repo)
        except GitError:
            raise Refused(409, f"项目目录 {repo} 不是 git 仓库，不能提交。请用管理员给的仓库地址 git clone 取得项目后，"
                               "在那个目录中启动工作台。") from None
        base = gitwork.remote_main(repo, remote) if remote else None
        name, email = gitwork.config(repo, "user.name"), gitwork.config(repo, "user.email")
        return Situation(remote, gitwork.config(repo, f"remote.{remote}.url") if remote else "", base,
                         gitwork.current_branch(repo), changes, gitwork.fingerprint(repo, changes),
                         gitwork.unpushed(repo, base), (name, email) if name and email else None)

    def page(s: Situation, status: int = 200, *, error: str = "", said: list[str] | None = None,
             refused: list[Refusal] | None = None, problems: list | None = None, form=None) -> HTMLResponse:
        def typed(key: str, default: str = "") -> str:
            v = form.get(key) if form is not None else None
            return v if isinstance(v, str) else default

        ticked = set(form.getlist("extra")) if form is not None else set()
        return pages("tijiao.html", status=status, title="提交", active="/tijiao/", s=s, error=error,
                     said=said or [], refused=refused or [], problems=problems or [], ticked=ticked,
                     message=typed("message"), branch=typed("branch", proposed_branch(s.data)),
                     name=typed("name"), email=typed("email"), placeholder=proposed_message(s.data))

    @r.get("/", response_class=HTMLResponse)
    def show() -> HTMLResponse:
        return page(situation())

    @r.post("/")
    async def submit(request: Request) -> Response:
        form = await read_form(request, console)
        s = situation()
        if form.get("seen") != s.seen:
            return page(s, 409, error="在您查看之后，项目目录中的文件有了变化（或者已经提交过）。请核对下面重新列出的文件后再提交。")
        extra = set(form.getlist("extra"))
        chosen = [c.path for c in s.data] + [c.path for c in s.others if c.path in extra]
        if not chosen:
            return page(s, 409, error="没有需要提交的修改。" if not s.changes else
                        "没有选择要提交的文件：data/ 中没有修改，其他文件也没有勾选。", form=form)
        if s.remote is None:
            return page(s, 409, error="项目目录没有设置远程仓库，不能推送。请联系管理员。", form=form)
        message = (form.get("message") or "").replace("\r\n", "\n").strip() if isinstance(form.get("message"), str) else ""
        if not message:
            return page(s, 422, error="请填写提交说明：这次提交做了什么（如“导入 宝丰县 NY001 2025年度发放名单”）。", form=form)
        author = s.author
        if author is None:
            name, email = (str(form.get(k) or "").strip() for k in ("name", "email"))
            if not name or re.search(r"[<>\n]", name) or not _EMAIL.fullmatch(email):
                return page(s, 422, error="请填写提交人的姓名（或单位、岗位）和电子邮箱（如 ykt@example.gov.cn）。", form=form)
            author = (name, email)
        try:
            branch = gitwork.check_branch(repo, str(form.get("branch") or ""), s.remote)
        except gitwork.BadBranch as e:
            return page(s, 422, error=str(e), form=form)

        # The guards, before git commits anything.
        existing = [repo / p for p in chosen if (repo / p).is_file()]
        refusals = guard(existing, env=console.key_env, relative_to=repo)
        if refusals:
            return page(s, 409, error="提交前检查拒绝了下面的文件，什么也没有提交。", refused=explain(refusals), form=form)
        data = [c.path for c in s.data]
        if data:
            _ds, problems = check(console.data_dir, base=repo,
                                  only_batches=batches_of(console.data_dir, [str(repo / p) for p in data]))
            if problems:
                return page(s, 409, error="数据检查没有通过，什么也没有提交。请先改正下面的问题（“检查和审阅”一步也列出它们）。",
                            problems=problems, form=form)
        try:
            gitwork.commit(repo, branch, chosen, message, None if s.author else author)
        except gitwork.CommitFailed as e:
            return page(situation(), 409, error=str(e), said=gitwork.remote_lines(e.said), form=form)
        if s.author is None:  # remembered for this project, as `git config user.name …` would
            gitwork.set_config(repo, "user.name", author[0])
            gitwork.set_config(repo, "user.email", author[1])
        return push_and_show(s.remote, branch)

    def push_and_show(remote: str, branch: str) -> Response:
        try:
            gitwork.push(repo, remote, branch)
        except gitwork.PushFailed as e:
            return pages("tijiao_push_failed.html", status=502, title="推送没有完成", active="/tijiao/", branch=branch,
                         error=str(e), said=gitwork.remote_lines(e.said))
        return RedirectResponse("/tijiao/wancheng/?" + urlencode({"fenzhi": branch}), status_code=303)

    @r.post("/tuisong")
    async def push_again(request: Request) -> Response:
        form = await read_form(request, console)
        branch = form.get("branch")
        remote = gitwork.remote_name(repo)
        # Only the branch checked out, made here and not yet on the remote (never the main branch):
        # nothing else is pushed from here.
        main = gitwork.remote_main(repo, remote) if remote else None
        if (not isinstance(branch, str) or remote is None or branch != gitwork.current_branch(repo)
                or (main is not None and branch == main.split("/", 1)[1])
                or gitwork.revision(repo, f"refs/remotes/{remote}/{branch}") is not None):
            raise Refused(409, "只能重新推送工作台刚提交、还没有推送成功的分支。请回到“提交”一步。")
        return push_and_show(remote, branch)

    @r.get("/wancheng/", response_class=HTMLResponse)
    def done(fenzhi: str = "") -> HTMLResponse:
        if not fenzhi or gitwork.revision(repo, f"refs/heads/{fenzhi}") is None:
            raise Refused(404, f"本机没有分支 {fenzhi}。")
        remote = gitwork.remote_name(repo)
        url = gitwork.config(repo, f"remote.{remote}.url") if remote else ""
        last = gitwork.last_commit(repo, f"refs/heads/{fenzhi}")
        return pages("tijiao_done.html", title="已提交并推送", active="/tijiao/", branch=fenzhi, commit=last,
                     links=gitwork.merge_request_links(url, fenzhi), remote_url=gitwork.shown_url(url),
                     when=dt.datetime.fromtimestamp(last.time, build_time().tzinfo).strftime("%Y-%m-%d %H:%M"))

    return r
