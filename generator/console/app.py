"""The console's state, its pages and its forms: what every step's router is given (main.py
assembles the app)."""

from __future__ import annotations

import os
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import jinja2
from fastapi import Request
from fastapi.responses import HTMLResponse
from starlette.datastructures import FormData
from starlette.formparsers import MultiPartException, MultiPartParser

from generator.console.access import same
from generator.console.uploads import Uploads
from generator.mask import mask_text
from huinong_core.errors import HuinongError, KeyConfigError
from huinong_core.keys import Keyer, load_key

HERE = Path(__file__).parent
#: A raw export larger than this is refused (a county's list is a few MB; a province's is not
#: imported through one form).
MAX_UPLOAD = 64 << 20


@dataclass(frozen=True)
class Step:
    """One step of the clerk's work: its page, or None while it is still to be built."""

    title: str
    path: str | None
    what: str


#: The steps in the order of the clerk's work (docs/staff.md).  Each built one is a router module.
STEPS = (
    Step("导入发放名单", "/daoru/", "选择“一卡通”系统导出的发放明细，检查错误，阅读交叉核查报告，确认后导入为脱敏批次。"),
    Step("发布通知", "/tongzhi/", "发布延迟发放、系统维护等紧急通知，或修改已有的通知。"),
    Step("检查和审阅", "/shenyue/", "检查全部数据，查看这次修改会让网站发生什么变化（与远程仓库的主分支比较）。"),
    Step("提交", "/tijiao/", "把修改提交到新分支并推送，打开合并请求。"),
    Step("状态", "/zhuangtai/", "查看网站上现在公开的数据版本和本机的数据版本。"),
)


class NoRepository(HuinongError):
    """--repo names no checkout with a data/ directory."""


class BadSiteUrl(HuinongError):
    """--site (HUINONG_SITE_URL) is not an http(s) address."""


@dataclass(frozen=True)
class Console:
    """What every page is given: the repository, the secrets of this run, the key, the uploads."""

    repo: Path
    port: int
    token: str  # in the first URL only
    session: str  # the cookie's value
    csrf: str  # in every form
    keyer: Keyer | None
    key_problem: str | None  # why there is no key (shown on every page)
    uploads: Uploads = field(default_factory=Uploads)
    #: The live site (its /api/v1/version tells what is published), None when not configured.
    site_url: str | None = None
    #: Where the key came from (HUINONG_KEY, HUINONG_KEY_FILE): the commit guard refuses a file holding it.
    key_env: Mapping[str, str] = field(default_factory=dict)

    @property
    def data_dir(self) -> Path:
        return self.repo / "data"

    @property
    def cookie(self) -> str:
        # Cookies ignore ports: two consoles on one PC must not overwrite each other's.
        return f"huinong_console_{self.port}"

    @property
    def reports_dir(self) -> Path:
        """Where ingest's cross-check reports go, as with the command line (not committed: .gitignore)."""
        return self.repo / "reports"


def make_console(repo: Path, port: int, env: Mapping[str, str] = os.environ, site_url: str | None = None) -> Console:
    """``site_url``: the live site (else HUINONG_SITE_URL; neither: the 状态 page says it is not set)."""
    repo = Path(repo).resolve()
    if not (repo / "data").is_dir():
        raise NoRepository(f"{repo} 中没有 data 目录：请在项目目录中启动工作台，或用 --repo 指定项目目录。")
    site_url = (site_url or env.get("HUINONG_SITE_URL", "")).strip().rstrip("/") or None
    if site_url is not None and not re.fullmatch(r"https?://[^\s/?#]+(/[^\s?#]*)?", site_url):
        raise BadSiteUrl(f"网站地址不对（{site_url}）：应是 https://… 开头的网址，如 https://yikatong.example.gov.cn")
    try:
        keyer, problem = load_key(env), None
    except KeyConfigError as e:
        keyer, problem = None, str(e)
    return Console(repo, port, secrets.token_urlsafe(32), secrets.token_urlsafe(32), secrets.token_urlsafe(32),
                   keyer, problem, site_url=site_url,
                   key_env={k: env[k] for k in ("HUINONG_KEY", "HUINONG_KEY_FILE") if env.get(k)})


class Refused(Exception):
    """A request the console answers with a page of its own (its status and what to do)."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


class Pages:
    """The console's templates (Jinja2, autoescaped), rendered with what every page shows."""

    def __init__(self, console: Console):
        self.console = console
        self.env = jinja2.Environment(loader=jinja2.FileSystemLoader(HERE / "templates"),
                                      autoescape=True, undefined=jinja2.StrictUndefined,
                                      trim_blocks=True, lstrip_blocks=True)
        self.env.filters["masked"] = mask_text  # a message may quote a cell: never an ID or card whole

    def html(self, template: str, **context) -> str:
        return self.env.get_template(template).render(console=self.console, steps=STEPS, csrf=self.console.csrf,
                                                      **context)

    def __call__(self, template: str, status: int = 200, **context) -> HTMLResponse:
        return HTMLResponse(self.html(template, **context), status_code=status)

    def refused(self, status: int, message: str) -> bytes:
        title = {400: "地址不对", 403: "不能打开", 404: "找不到这一页", 405: "不能这样操作", 413: "文件太大"}.get(
            status, "出错了")
        return self.html("refused.html", title=title, message=message, status=status).encode("utf-8")


class _InMemory(MultiPartParser):
    # Starlette spools a file part over 1 MB to a temporary file: a raw export must not touch the
    # disk, so it stays in memory up to the upload limit (the body is refused past it).
    spool_max_size = MAX_UPLOAD


async def read_form(request: Request, console: Console, max_bytes: int = 64 << 10) -> FormData:
    """The posted form, once its CSRF field is this console's (Refused 403 otherwise)."""
    length = request.headers.get("content-length", "")
    if length and (not length.isdigit() or int(length) > max_bytes):
        raise Refused(413, f"文件太大：工作台一次最多接收 {max_bytes >> 20} MB。请按县或按月分开导出。")

    async def body():
        seen = 0
        async for chunk in request.stream():
            seen += len(chunk)
            if seen > max_bytes:
                raise Refused(413, f"文件太大：工作台一次最多接收 {max_bytes >> 20} MB。请按县或按月分开导出。")
            yield chunk

    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    try:
        if kind == "multipart/form-data":
            form = await _InMemory(request.headers, body(), max_files=1, max_fields=20,
                                   max_part_size=64 << 10).parse()
        elif kind == "application/x-www-form-urlencoded":
            from urllib.parse import parse_qsl

            raw = b"".join([c async for c in body()]).decode("utf-8", "replace")
            form = FormData(parse_qsl(raw, keep_blank_values=True))
        else:
            raise Refused(403, "页面已过期，请刷新后重新操作。")
    except MultiPartException:
        raise Refused(400, "表单内容不完整，请刷新页面后重新操作。") from None
    given = form.get("csrf")
    if not isinstance(given, str) or not same(given, console.csrf):
        raise Refused(403, "页面已过期（表单校验码不对），请刷新页面后重新操作。")
    return form
