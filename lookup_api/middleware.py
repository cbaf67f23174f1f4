"""The outermost layer: body size limit, security headers, data version, and 500s in the error shape."""

from __future__ import annotations

import functools
import logging
import traceback

from starlette.datastructures import Headers
from starlette.requests import Request

from huinong_core.version import DataVersion
from lookup_api.db import LookupDB
from lookup_api.errors import ApiError, error_response
from lookup_api.html import CSP
from lookup_api.inputs import ascii_int

log = logging.getLogger("lookup_api")

FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), interest-cohort=()",
    "Cross-Origin-Opener-Policy": "same-origin",
}
#: Swagger UI at /api/docs loads its script and style from jsDelivr.
DOCS_CSP = ("default-src 'none'; script-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; "
            "style-src 'self' https://cdn.jsdelivr.net; img-src 'self' data: https://fastapi.tiangolo.com; "
            "connect-src 'self'; frame-ancestors 'none'")


#: The 咨询与投诉 form and staff pages: server-rendered, own stylesheet and the one small script.
PAGES_CSP = ("default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self'; connect-src 'self'; "
             "form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
#: Paths whose bodies may be longer than a lookup's (the text of a case, a staff reply).
FORM_PATHS = ("/api/v1/cases", "/zixun/", "/staff/")


def is_page(path: str) -> bool:
    """The server-rendered pages in the site's look (its stylesheet, its header and footer)."""
    return path in ("/zixun", "/staff", "/api/sousuo") or path.startswith(("/zixun/", "/staff/", "/api/sousuo/"))


def is_form(content_type: str | None) -> bool:
    return (content_type or "").split(";")[0].strip().lower() in FORM_TYPES


#: The same headers as raw ASGI pairs: appended to every response without parsing its headers.
_SECURITY_RAW = tuple((k.lower().encode(), v.encode()) for k, v in SECURITY_HEADERS.items())


@functools.lru_cache(maxsize=8)  # one data version at a time, asked on every response
def _version_header(version: DataVersion) -> bytes:
    return version_header(version).encode()


def version_header(version: DataVersion) -> str:
    """The data version as the X-Data-Version header: ASCII, "unknown" when it cannot be."""
    short = version.commit[:7] if version.commit.isascii() else "uncommitted"
    text = f"{short} {version.built_at.isoformat(timespec='seconds')}{' dirty' if version.dirty else ''}".strip()
    return text if text.isascii() and text.isprintable() else "unknown"


class Guard:
    def __init__(self, app, db: LookupDB, max_body: int, forms_max_body: int | None = None):
        self.app = app
        self.db = db
        self.max_body = max_body
        self.forms_max_body = max(forms_max_body or max_body, max_body)

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        path: str = scope["path"]
        api = path == "/api" or path.startswith("/api/")
        csp = (DOCS_CSP if path.startswith("/api/docs") else PAGES_CSP if is_page(path) else CSP if api
               else None)
        max_body = self.forms_max_body if path.startswith(FORM_PATHS) else self.max_body
        headers = Headers(scope=scope)
        if is_form(headers.get("content-type")):
            scope.setdefault("state", {})["html"] = True
        started = False

        async def send_with_headers(message):
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                raw = list(message.get("headers", ()))
                present = {name.lower() for name, _ in raw}
                raw += [h for h in (_SECURITY_RAW + ((b"content-security-policy", csp.encode()),) if csp else
                                    _SECURITY_RAW) if h[0] not in present]
                version = self.db.version()
                if version is not None:
                    raw = [h for h in raw if h[0].lower() != b"x-data-version"]
                    raw.append((b"x-data-version", _version_header(version)))
                message = {**message, "headers": raw}
            await send(message)

        length = headers.get("content-length")
        declared = ascii_int(length, 19) if length is not None else None
        if length is not None and (declared is None or declared > max_body):
            status = 413 if declared is not None else 400
            return await error_response(Request(scope), ApiError(status))(scope, receive, send_with_headers)

        seen = 0

        async def limited_receive():
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > max_body:
                    raise ApiError(413)
            return message

        try:
            await self.app(scope, limited_receive, send_with_headers)
        except ApiError as exc:
            if started:
                raise
            await error_response(Request(scope), exc)(scope, receive, send_with_headers)
        except Exception as exc:
            # Type and place only: an exception message could echo what was typed.
            where = traceback.extract_tb(exc.__traceback__)[-1:]
            log.error("unhandled %s at %s", type(exc).__name__,
                      "; ".join(f"{f.filename}:{f.lineno}" for f in where))
            if started:
                raise
            await error_response(Request(scope), ApiError(500))(scope, receive, send_with_headers)
