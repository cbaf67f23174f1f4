"""Step 状态: what is published now (the live site's /api/v1/version, when its address is set) and the
data version of this checkout (huinong_core/version.py), side by side.

    GET /zhuangtai/
"""

from __future__ import annotations

import datetime as dt
import json
import urllib.error
import urllib.request
from dataclasses import dataclass

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

from generator.console import gitwork
from generator.console.app import Console, Pages
from huinong_core.git import GitError
from huinong_core.version import CST, data_version

#: The live site answers at once or is taken as unreachable: the page must not hang on it.
TIMEOUT = 10
VERSION_PATH = "/api/v1/version"


@dataclass(frozen=True)
class Live:
    """The site's answer: its data version (or why there is none)."""

    url: str
    commit: str = ""
    label: str = ""
    built_at: str = ""
    dirty: bool = False
    records: int | None = None
    years: str = ""
    problem: str = ""


def _when(iso: str) -> str:
    """2026-12-01T08:00:00+08:00 as 2026-12-01 08:00 (Beijing time); anything else as it came."""
    try:
        return dt.datetime.fromisoformat(iso).astimezone(CST).strftime("%Y-%m-%d %H:%M")
    except ValueError:
        return iso


def live_version(site: str) -> Live:
    url = site + VERSION_PATH
    try:
        request = urllib.request.Request(url, headers={"accept": "application/json", "user-agent": "huinong-console"})
        with urllib.request.urlopen(request, timeout=TIMEOUT) as answer:  # noqa: S310 - http(s) only (app.py)
            body = json.loads(answer.read(1 << 20).decode("utf-8"))
        version = body["data_version"]
        first, last = body.get("first_year"), body.get("last_year")
        return Live(url, str(version["commit"]), str(version.get("label", "")), _when(str(version.get("built_at", ""))),
                    bool(version.get("dirty")), body.get("records"),
                    f"{first}—{last}年" if first and last else "")
    except urllib.error.HTTPError as e:
        return Live(url, problem=f"网站回答 HTTP {e.code}（查询服务没有运行，或数据库还没有生成）")
    except (urllib.error.URLError, TimeoutError, OSError) as e:
        reason = getattr(e, "reason", e)
        return Live(url, problem=f"连接不上网站（{reason}）")
    except (ValueError, KeyError, TypeError):
        return Live(url, problem="网站的回答不是数据版本（地址是否写错了？）")


def router(console: Console, pages: Pages) -> APIRouter:
    r = APIRouter(prefix="/zhuangtai")

    @r.get("/", response_class=HTMLResponse)
    def status() -> HTMLResponse:
        repo = console.repo
        local = data_version(console.data_dir)
        branch = base = base_sha = None
        last = None
        try:
            branch = gitwork.current_branch(repo)
            remote = gitwork.remote_name(repo)
            base = gitwork.remote_main(repo, remote) if remote else None
            base_sha = gitwork.revision(repo, base) if base else None
            if local.commit != "未提交":
                last = gitwork.last_commit(repo, "HEAD")
        except GitError:
            pass
        live = live_version(console.site_url) if console.site_url else None
        return pages("zhuangtai.html", title="状态", active="/zhuangtai/", live=live, local=local, branch=branch,
                     base=base, base_sha=base_sha, last=last,
                     last_when=dt.datetime.fromtimestamp(last.time, CST).strftime("%Y-%m-%d %H:%M") if last else "")

    return r
