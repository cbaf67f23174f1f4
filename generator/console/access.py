"""The guard in front of every request of the console (a pure ASGI middleware).

A web app on 127.0.0.1 is reachable by every page the clerk's browser opens: a hostile site can
post a form to it, or rebind its own name to 127.0.0.1.  So, in this order:

1. the Host header must name this server (127.0.0.1:port or localhost:port), else 400: a
   rebound name (DNS rebinding) is refused before anything else;
2. the first URL's ``token`` (printed by `python -m generator console`, as Jupyter does) is
   exchanged for a session cookie (HttpOnly, SameSite=Strict) and the token leaves the address
   bar by a redirect; without the cookie every request is refused (403), but for the
   stylesheet (static/, nothing in it is secret: the refusal page needs it too);
3. a request that may change something (not GET or HEAD) must come from this origin (the Origin
   header, which the browser sets itself), else 403; the CSRF field of its form is checked where
   the form is read (`app.read_form`).

Every answer gets the security headers; an unexpected error becomes a 500 page and a log line
naming the error's type and place only (never its message, which could quote a raw cell).
"""

from __future__ import annotations

import hmac
import logging
import traceback
from collections.abc import Callable
from http.cookies import SimpleCookie
from urllib.parse import parse_qsl, urlencode

log = logging.getLogger("generator.console")

HEADERS = {
    # No script at all (the pages work without JavaScript); forms post only here.
    "content-security-policy": "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
                               "base-uri 'none'; frame-ancestors 'none'",
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    # same-origin, not no-referrer: under no-referrer a browser sends "Origin: null" with its
    # own same-origin form posts, and the Origin check below could not tell them from a stranger's.
    "referrer-policy": "same-origin",
    "cross-origin-opener-policy": "same-origin",
    "cross-origin-resource-policy": "same-origin",
    # Pages show masked rows of payment lists: nothing of them in the browser's disk cache.
    "cache-control": "no-store",
}
SAFE_METHODS = ("GET", "HEAD")
#: The page of an unexpected error (its type and place go to the terminal, nothing else).
FAILED = "工作台出错了，这一步没有完成。请返回上一页重试；如果一直出错，请把终端窗口里的提示告诉管理员。"
#: What is served without the cookie (still only to this Host): the console's own static files.
PUBLIC = "/static/"


def log_failure(e: BaseException) -> None:
    """An unexpected error, for the terminal: its type and the place it was raised, never its
    message (which could quote a raw cell)."""
    last = traceback.extract_tb(e.__traceback__)[-1]
    log.error("console error %s at %s:%s", type(e).__name__, last.filename.rsplit("/", 1)[-1], last.lineno)


def same(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())


class Guard:
    """``refuse(status, message) -> (body, content type)`` renders the refusal pages."""

    def __init__(self, app, *, port: int, token: str, cookie: str, session: str,
                 refuse: Callable[[int, str], bytes]):
        self.app = app
        self.hosts = {f"127.0.0.1:{port}", f"localhost:{port}"}
        self.origins = {f"http://{h}" for h in self.hosts}
        self.token = token
        self.cookie = cookie
        self.session = session
        self.refuse = refuse

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            if scope["type"] == "lifespan":
                await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
        started = False

        async def send_with_headers(message):
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                message["headers"] = [*message.get("headers", []),
                                      *((k.encode(), v.encode()) for k, v in HEADERS.items())]
            await send(message)

        answer = self._check(scope, headers)
        if answer is not None:
            status, extra, body = answer
            await _respond(send_with_headers, status, body, extra)
            return
        try:
            await self.app(scope, receive, send_with_headers)
        except Exception as e:  # noqa: BLE001 - the last line of defence: a page, and a log line without data
            # Started: the app's own handler (main.py) answered with the page and logged it; Starlette
            # raises on after that, and uvicorn would log the traceback with its message.
            if not started:
                log_failure(e)
                await _respond(send_with_headers, 500, self.refuse(500, FAILED))

    def _check(self, scope, headers: dict[str, str]) -> tuple[int, list, bytes] | None:
        """None to let the request through, else (status, extra headers, body)."""
        if headers.get("host", "") not in self.hosts:
            return 400, [], self.refuse(400, "地址不对：请用启动工作台时终端窗口里显示的链接（http://127.0.0.1:…）打开。")
        if scope["method"] in SAFE_METHODS and scope.get("path", "").startswith(PUBLIC):
            return None  # the stylesheet: so that a refusal page is readable too; it holds nothing
        query = scope.get("query_string", b"").decode("latin-1")
        pairs = parse_qsl(query, keep_blank_values=True)
        tokens = [v for k, v in pairs if k == "token"]
        if tokens and scope["method"] in SAFE_METHODS:
            if not same(tokens[0], self.token):
                return 403, [], self.refuse(403, "链接中的口令不对：请用启动工作台时终端窗口里显示的完整链接打开。")
            rest = urlencode([(k, v) for k, v in pairs if k != "token"])
            location = scope.get("path", "/") + (f"?{rest}" if rest else "")
            cookie = (f"{self.cookie}={self.session}; HttpOnly; SameSite=Strict; Path=/")
            return 303, [(b"location", location.encode()), (b"set-cookie", cookie.encode())], b""
        jar = SimpleCookie()
        try:
            jar.load(headers.get("cookie", ""))
        except Exception:  # noqa: BLE001 - a malformed cookie header is no cookie
            jar = SimpleCookie()
        given = jar[self.cookie].value if self.cookie in jar else ""
        if not same(given, self.session):
            return 403, [], self.refuse(403, "没有打开工作台的权限：请用启动工作台时终端窗口里显示的完整链接（含口令）打开。"
                                             "工作台重新启动后，要用新显示的链接。")
        if scope["method"] not in SAFE_METHODS and headers.get("origin", "") not in self.origins:
            return 403, [], self.refuse(403, "这个请求不是从工作台的页面发出的，已拒绝。请在工作台页面上重新操作。")
        return None


async def _respond(send, status: int, body: bytes, extra: list | None = None) -> None:
    headers = [(b"content-type", b"text/html; charset=utf-8"), (b"content-length", str(len(body)).encode()),
               *(extra or [])]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
