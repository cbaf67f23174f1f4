"""The console's git work: what changed, the remote's main, commit on a new branch and push, and
the merge-request link.  Every command goes through `huinong_core.git.git` (the git binary,
argument lists, no shell); paths go to git on standard input, never through a command line.
"""

from __future__ import annotations

import hashlib
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, urlsplit

from huinong_core.errors import HuinongError
from huinong_core.git import GitError, git

#: A fetch or push that hangs (a server that does not answer) ends here; the page says so.
NETWORK_TIMEOUT = 120
#: The porcelain status letters, as the clerk reads them.
KINDS = {"A": "新增", "?": "新增", "M": "修改", "T": "修改", "D": "删除"}


class NothingToCommit(HuinongError):
    """No change in the working tree (or none chosen)."""


class Stale(HuinongError):
    """The files changed between the page the clerk read and the form they posted."""


class BadBranch(HuinongError):
    """The branch name is not one git takes, or the branch exists already."""


class CommitFailed(HuinongError):
    """git commit refused (a pre-commit hook said no): nothing was committed, the checkout is as before."""

    def __init__(self, message: str, said: str):
        super().__init__(message)
        self.said = said


class PushFailed(HuinongError):
    """The commit is made on its branch, the push did not get through."""

    def __init__(self, message: str, said: str):
        super().__init__(message)
        self.said = said


def _text(repo: Path, *args: str, input: bytes | None = None, timeout: float = 300) -> str:
    return git(repo, *args, input=input, timeout=timeout).decode("utf-8", "surrogateescape")


def _paths_in(paths: list[str]) -> bytes:
    """Paths for ``--pathspec-from-file=- --pathspec-file-nul``: literal, no glob, no argv limit."""
    return b"".join(p.encode("utf-8", "surrogateescape") + b"\0" for p in paths)


@dataclass(frozen=True)
class Change:
    """One changed file of the working tree (index and work tree together), repo-relative posix."""

    code: str  # git's two status letters (porcelain v1)
    path: str

    @property
    def in_data(self) -> bool:
        return self.path.startswith("data/")

    @property
    def deleted(self) -> bool:
        return "D" in self.code

    @property
    def kind(self) -> str:
        for letter in (self.code[1], self.code[0]):
            if letter in KINDS:
                return KINDS[letter]
        return "修改"


def changes(repo: Path) -> list[Change]:
    """Every changed file, untracked ones one by one, ignored ones (reports/, data/raw/) left out."""
    out = _text(repo, "status", "--porcelain=v1", "-z", "--untracked-files=all", "--no-renames")
    found = [Change(e[:2], e[3:]) for e in out.split("\0") if len(e) > 3]
    return sorted(found, key=lambda c: (not c.in_data, c.path))


def fingerprint(repo: Path, shown: list[Change]) -> str:
    """What the clerk was shown: each path, its status and the bytes it holds now.  The commit
    form carries it, so a file that appeared or changed since is never committed unseen."""
    h = hashlib.sha256()
    for c in shown:
        f = repo / c.path
        content = hashlib.sha256(f.read_bytes()).hexdigest() if f.is_file() else "-"
        h.update(f"{c.code}\0{c.path}\0{content}\n".encode("utf-8", "surrogateescape"))
    return h.hexdigest()[:32]


def current_branch(repo: Path) -> str | None:
    """The checked-out branch, None when HEAD is detached."""
    try:
        return _text(repo, "symbolic-ref", "--quiet", "--short", "HEAD").strip() or None
    except GitError:
        return None


def config(repo: Path, key: str) -> str:
    """A git setting as git sees it here (repository, user, system), "" when unset."""
    try:
        return _text(repo, "config", "--get", key).strip()
    except GitError:
        return ""


def set_config(repo: Path, key: str, value: str) -> None:
    """A setting of this repository (.git/config), as `git config key value` sets it."""
    git(repo, "config", key, value)


def shown_url(url: str) -> str:
    """A remote URL as a page may show it: without a user name or password (https://user:token@host/…)."""
    return re.sub(r"^([a-z+]+://)[^@/]*@", r"\1", url.strip())


def remote_name(repo: Path) -> str | None:
    """origin, or the one remote there is; None without any."""
    names = _text(repo, "remote").split()
    return "origin" if "origin" in names else (names[0] if names else None)


def fetch(repo: Path, remote: str) -> str | None:
    """Bring the remote's branches up to date; None, or why it could not."""
    try:
        git(repo, "fetch", "--quiet", "--prune", remote, timeout=NETWORK_TIMEOUT)
    except GitError as e:
        return plain_network(e.stderr) or str(e)
    except subprocess.TimeoutExpired:
        return f"远程仓库 {NETWORK_TIMEOUT} 秒没有回应"
    return None


def remote_main(repo: Path, remote: str) -> str | None:
    """The remote's main branch as last fetched (``origin/main``), None when unknown."""
    for ref in (f"{remote}/HEAD", f"{remote}/main", f"{remote}/master"):
        try:
            name = _text(repo, "rev-parse", "--abbrev-ref", "--verify", "--quiet", ref).strip()
        except GitError:
            continue
        if name:
            return name
    return None


def fork_point(repo: Path, main: str) -> tuple[str | None, int]:
    """Where this checkout left the remote's main (what a merge request compares against, so a
    change others merged since is not read as one this checkout takes back), and how many
    commits of the remote's main this checkout does not have yet."""
    try:
        base = _text(repo, "merge-base", "HEAD", main).strip() or None
        behind = int(_text(repo, "rev-list", "--count", f"HEAD..{main}").strip() or 0)
    except GitError:
        return None, 0
    return base, behind


def revision(repo: Path, rev: str) -> str | None:
    try:
        return _text(repo, "rev-parse", "--verify", "--quiet", rev + "^{commit}").strip() or None
    except GitError:
        return None


@dataclass(frozen=True)
class Unpushed:
    """A commit the checkout has and the remote's main has not: a push of a branch made here takes it along."""

    sha: str
    subject: str
    paths: tuple[str, ...]


def unpushed(repo: Path, base: str | None) -> list[Unpushed]:
    if base is None:
        return []
    out = _text(repo, "log", "--no-renames", "--name-only", "--format=%x1e%H%x1f%s", f"{base}..HEAD")
    commits = []
    for block in out.split("\x1e")[1:]:
        head, _, files = block.partition("\n")
        sha, _, subject = head.partition("\x1f")
        commits.append(Unpushed(sha, subject, tuple(p for p in files.split("\n") if p)))
    return commits


@dataclass(frozen=True)
class Commit:
    sha: str
    subject: str
    time: int  # seconds since the epoch
    author: str
    paths: tuple[tuple[str, str], ...]  # (kind as the clerk reads it, path)


def last_commit(repo: Path, rev: str) -> Commit:
    out = _text(repo, "log", "-1", "--no-renames", "--name-status", "--format=%H%x1f%s%x1f%ct%x1f%an <%ae>", rev)
    head, *rest = out.strip("\n").split("\n")
    sha, subject, when, author = head.split("\x1f")
    paths = tuple((KINDS.get(line[0], "修改"), line.split("\t", 1)[1]) for line in rest if "\t" in line)
    return Commit(sha, subject, int(when), author, paths)


def check_branch(repo: Path, name: str, remote: str | None) -> str:
    """The branch name as git takes it; BadBranch when it is not a name or is taken here or there."""
    name = name.strip()
    if not name or name.startswith("-"):
        raise BadBranch("请填写分支名。")
    try:
        name = _text(repo, "check-ref-format", "--branch", name).strip()
    except GitError:
        raise BadBranch(f"“{name}”不能用作分支名：不能有空格和 ~ ^ : ? * [ \\ 等符号，不能以 / 或 . 结尾。") from None
    if revision(repo, f"refs/heads/{name}"):
        raise BadBranch(f"本机已有分支“{name}”，请换一个分支名。")
    if remote is not None:
        try:
            taken = _text(repo, "ls-remote", "--heads", remote, f"refs/heads/{name}", timeout=NETWORK_TIMEOUT).strip()
        except (GitError, subprocess.TimeoutExpired):
            taken = ""  # the push says why, if the remote cannot be reached
        if taken:
            raise BadBranch(f"远程仓库已有分支“{name}”，请换一个分支名。")
    return name


def commit(repo: Path, branch: str, paths: list[str], message: str, author: tuple[str, str] | None) -> str:
    """Commit ``paths`` (nothing else, whatever else is staged) on the new ``branch`` made from HEAD,
    which is checked out.  The pre-commit hook runs as for any commit; when it (or anything) refuses,
    the checkout is put back as it was (branch, index) and CommitFailed says what git said."""
    if not paths:
        raise NothingToCommit("没有要提交的文件。")
    start = current_branch(repo)
    before = revision(repo, "HEAD")
    who = ["-c", f"user.name={author[0]}", "-c", f"user.email={author[1]}"] if author else []
    listed = _paths_in(paths)
    git(repo, "switch", "--quiet", "--create", branch)
    try:
        git(repo, "add", "--all", "--pathspec-from-file=-", "--pathspec-file-nul", input=listed)
        git(repo, *who, "commit", "--quiet", "--only", "-m", message, "--pathspec-from-file=-",
            "--pathspec-file-nul", input=listed)
    except GitError as e:
        git(repo, "reset", "--quiet", "--pathspec-from-file=-", "--pathspec-file-nul", input=listed)
        git(repo, "switch", "--quiet", start) if start else git(repo, "switch", "--quiet", "--detach", before)
        git(repo, "branch", "--quiet", "-D", branch)
        raise CommitFailed("没有提交：提交前检查（pre-commit）或 git 拒绝了这次提交。", e.stderr) from None
    return _text(repo, "rev-parse", "HEAD").strip()


def push(repo: Path, remote: str, branch: str) -> None:
    """The branch to the remote under the same name (and tracked from here); PushFailed with the reason."""
    try:
        git(repo, "push", "--quiet", "--set-upstream", remote, f"refs/heads/{branch}:refs/heads/{branch}",
            timeout=NETWORK_TIMEOUT)
    except GitError as e:
        raise PushFailed(plain_push(e.stderr), e.stderr) from None
    except subprocess.TimeoutExpired:
        raise PushFailed(f"推送没有完成：远程仓库 {NETWORK_TIMEOUT} 秒没有回应。请检查网络后重新推送。", "") from None


def plain_network(said: str) -> str | None:
    """A failure to reach the remote, in plain words (None when it was something else)."""
    low = said.lower()
    if any(s in low for s in ("authentication failed", "permission denied", "could not read username",
                              "403", "401", "access denied")):
        return "远程仓库拒绝登录：用户名、密码（令牌）或 SSH 密钥不对，或没有这个仓库的权限。请联系管理员。"
    if any(s in low for s in ("could not resolve host", "unable to access", "connection refused", "timed out",
                              "network is unreachable", "could not read from remote repository")):
        return "连接不上远程仓库：请检查网络（是否接入单位内网或 VPN）后重试。"
    return None


def plain_push(said: str) -> str:
    low = said.lower()
    if "remote rejected" in low or "pre-receive hook declined" in low or "protected" in low:
        return "推送被远程仓库拒绝：服务器上的检查或分支保护规则不允许这次推送，原因见下面服务器的说明。"
    if "[rejected]" in low or "non-fast-forward" in low or "fetch first" in low:
        return "推送被拒绝：远程仓库上已有同名分支，且内容不同。请联系管理员。"
    return plain_network(said) or "推送没有完成，请稍后在这一页重新推送。"


def remote_lines(said: str) -> list[str]:
    """What the server and git said about a refusal, for the clerk to pass on (a user name or token
    written into a remote URL taken out)."""
    return [re.sub(r"://[^@/\s]*@", "://", line) for line in said.splitlines() if line.strip()][-20:]


# ------------------------------------------------------------------ merge-request links

_SCP = re.compile(r"^(?:[^@/\s]+@)?([A-Za-z0-9.-]{2,}):(?!//)(.+)$")  # git@host:group/project.git


def web_url(remote_url: str) -> str | None:
    """The web address of a repository from its remote URL (https, ssh:// and scp-like git@host:path);
    None for a local path or anything else that has no web page."""
    url = remote_url.strip()
    if not url:
        return None
    parts = urlsplit(url)
    if parts.scheme in ("http", "https"):
        host = parts.hostname or ""
        port = f":{parts.port}" if parts.port else ""
        base, path = f"{parts.scheme}://{host}{port}", parts.path
    elif parts.scheme in ("ssh", "git", "git+ssh", "ssh+git"):
        base, path = f"https://{parts.hostname or ''}", parts.path  # the ssh port is not the web's
    elif "://" not in url and (m := _SCP.match(url)) and not re.match(r"^[A-Za-z]:[\\/]", url):
        base, path = f"https://{m.group(1)}", "/" + m.group(2)
    else:
        return None
    path = re.sub(r"\.git/?$", "", path.rstrip("/")).rstrip("/")
    if not path.strip("/") or base.endswith("//"):
        return None
    return base + "/" + path.lstrip("/")


@dataclass(frozen=True)
class Link:
    label: str
    url: str


def merge_request_links(remote_url: str, branch: str) -> list[Link]:
    """The page that opens a merge request for ``branch``: GitLab's or GitHub's form, by the host's
    name; both when the name says neither (a county's own server is most often GitLab)."""
    web = web_url(remote_url)
    if web is None:
        return []
    host = urlsplit(web).hostname or ""
    gitlab = Link("GitLab", f"{web}/-/merge_requests/new?merge_request[source_branch]={quote(branch, safe='')}")
    github = Link("GitHub", f"{web}/compare/{quote(branch, safe='/')}?expand=1")
    if "github" in host:
        return [github]
    if "gitlab" in host:
        return [gitlab]
    return [gitlab, github]
