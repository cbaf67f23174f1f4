"""One error shape for every error: {"code", "message" (Chinese), "request_id"}.

A form post (the no-JavaScript page) gets the same error as an HTML page
with the same status code.  The request id is random, shown to the person
and logged with the error, so staff can find it; it is never derived from
what was asked.
"""

from __future__ import annotations

import logging
import uuid

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from lookup_api.cases.errors import CaseConflict, CaseNotFound
from lookup_api.refusals import InvalidInput, OverLimit, ProofNeeded, Refusal, Unavailable

log = logging.getLogger("lookup_api")
NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}

MESSAGES = {
    400: ("bad_request", "请求格式不正确。"),
    401: ("unauthorized", "没有访问权限。"),
    403: ("forbidden", "没有访问权限。"),
    404: ("not_found", "找不到这个地址。"),
    405: ("method_not_allowed", "不支持这种请求方式。"),
    406: ("not_acceptable", "不支持请求的内容格式。"),
    409: ("conflict", "请求与当前状态冲突。"),
    413: ("payload_too_large", "提交的内容太长。"),
    415: ("unsupported_media_type", "不支持这种提交格式，请用 JSON 或表单提交。"),
    422: ("invalid_request", "提交的内容不完整或格式不正确。"),
    429: ("rate_limited", "查询太频繁，请稍后再试。"),
    500: ("internal_error", "服务器内部错误，请稍后再试。"),
    503: ("unavailable", "查询服务暂时不可用，请稍后再试。"),
}


class ApiError(Exception):
    """An error with its HTTP status: a refusal as ``http_error`` gives it, or one of the HTTP layer's
    own (the routes, the pages, bodies.py, the middleware).  ``fields`` maps the form fields at fault
    to their own message (every problem of a form at once, for the pages' error summary); ``message``
    is then the first of them, which is all the JSON shape carries."""

    def __init__(self, status: int, code: str | None = None, message: str | None = None,
                 headers: dict[str, str] | None = None, fields: dict[str, str] | None = None,
                 challenge: dict | None = None):
        default_code, default_message = MESSAGES.get(status, ("error", "请求出错。"))
        self.status = status
        self.code = code or default_code
        self.message = message or default_message
        self.headers = headers or {}
        self.fields = fields or {}
        self.challenge = challenge  # the proof-of-work to solve (refusals.Refusal.challenge)
        super().__init__(self.code)

    @classmethod
    def combine(cls, problems: dict[str, "ApiError"]) -> "ApiError":
        """One error for several fields: the first one's status, code and message, every field's message."""
        first = next(iter(problems.values()))
        return cls(first.status, first.code, first.message, first.headers,
                   {field: e.message for field, e in problems.items()})


#: Every kind of refusal (refusals.py, cases/errors.py) as HTTP: the one place a refusal gets its
#: status.  A kind takes the status of the nearest kind it is in this table under.
STATUS: dict[type[Refusal], int] = {InvalidInput: 422, ProofNeeded: 429, OverLimit: 429, Unavailable: 503,
                                    CaseNotFound: 404, CaseConflict: 409}
#: What a page catches to show a refusal in itself (with what was typed) rather than as the error page.
REFUSALS = (ApiError, Refusal)


def status_of(kind: type[Refusal]) -> int:
    """A kind's status from STATUS; 422 for a kind under none of them (a refusal is never a 500)."""
    return next((STATUS[k] for k in kind.__mro__ if k in STATUS), 422)


def http_error(refusal: ApiError | Refusal) -> ApiError:
    if isinstance(refusal, ApiError):
        return refusal
    headers = {"Retry-After": str(refusal.retry_after)} if isinstance(refusal, OverLimit) else None
    return ApiError(status_of(type(refusal)), refusal.code, refusal.message, headers, refusal.fields,
                    refusal.challenge)


class NotLoggedIn(Exception):
    """A staff page without a live session."""


def safe_text(text: str) -> str:
    """Echoed input may hold lone surrogates, which UTF-8 cannot encode."""
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def wants_html(request: Request) -> bool:
    return getattr(request.state, "html", False)


def error_response(request: Request | None, err: ApiError) -> Response:
    request_id = uuid.uuid4().hex[:16]
    message = safe_text(err.message)
    headers = {"Cache-Control": "no-store", **err.headers}
    if err.status >= 500:
        log.error("request_id=%s status=%s code=%s", request_id, err.status, err.code)
    if request is not None and wants_html(request):
        from lookup_api.html import error_page

        return HTMLResponse(error_page(err.status, message, request_id), err.status, headers)
    body = {"code": err.code, "message": message, "request_id": request_id}
    if err.challenge is not None:
        body["challenge"] = err.challenge
    return JSONResponse(body, err.status, headers)


async def api_error_handler(request: Request, exc: ApiError) -> Response:
    return error_response(request, exc)


async def refusal_handler(request: Request, exc: Refusal) -> Response:
    return error_response(request, http_error(exc))


async def http_error_handler(request: Request, exc: StarletteHTTPException) -> Response:
    return error_response(request, ApiError(exc.status_code, headers=dict(exc.headers or {})))


async def not_logged_in_handler(request: Request, exc: NotLoggedIn) -> Response:
    """To the login page, by a relative link (a sub-path works): /staff/jian/<件号>/ → ../../login/."""
    below_staff = request.url.path.strip("/").split("/")[1:]
    return RedirectResponse("../" * len(below_staff) + "login/", 303, headers=NO_STORE)


def _field_name(loc) -> str:
    names = {"id_number": "身份证号码", "name": "姓名", "q": "搜索词", "limit": "条数",
             "kind": "类型", "village": "所在村（社区）", "content": "反映的内容", "programme": "补贴项目",
             "phone": "联系电话", "challenge": "验证题目", "pow": "验证", "answer": "验证题答案",
             "query_code": "查询码", "rating": "评价", "comment": "评价意见", "anonymous": "匿名"}
    for part in reversed(list(loc)):
        if part in names:
            return names[part]
    return ""


async def validation_error_handler(request: Request, exc: RequestValidationError) -> Response:
    first = next(iter(exc.errors()), {})
    loc = first.get("loc", ())
    field = _field_name(loc)
    if loc[:1] == ("body",):  # a typed JSON body (bodies.JsonBody): what was missing, or which field is wrong
        missing = first.get("type") in ("missing", "string_too_short")
        message = f"请填写{field}。" if missing and field else f"{field}格式不正确。" if field else "提交的内容不完整。"
    else:
        message = f"{field}没有填写或格式不正确。" if field else MESSAGES[422][1]
    return error_response(request, ApiError(422, "invalid_request", message))


def install(app) -> None:
    app.add_exception_handler(ApiError, api_error_handler)
    app.add_exception_handler(Refusal, refusal_handler)
    app.add_exception_handler(StarletteHTTPException, http_error_handler)
    app.add_exception_handler(RequestValidationError, validation_error_handler)
    app.add_exception_handler(NotLoggedIn, not_logged_in_handler)
