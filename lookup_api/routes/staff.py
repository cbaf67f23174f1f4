"""Staff pages under /staff/: server-rendered, no SPA.

Sessions: an opaque random token in an HttpOnly, SameSite=Strict cookie
(Secure except on plain-HTTP loopback), its SHA-256 in staff_sessions.  Every
POST form carries the session's CSRF token (the login form a double-submit
token).  Each account sees only cases of its departments in its regions; a
case outside them is answered exactly like a case that does not exist.
"""

from __future__ import annotations

import secrets

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from lookup_api.case_desk import CaseDesk
from lookup_api.cases import auth
from lookup_api.deps import SESSION, CasesDep, ClientDep, MaybeStaffDep, StaffDep, StaffSession
from lookup_api.errors import REFUSALS, ApiError, error_response, http_error
from lookup_api.pages import clear_cookie, read_form, render, see_other, seal, set_cookie, unseal
from lookup_api.throttle import Proof

router = APIRouter(prefix="/staff", include_in_schema=False)
LOGIN_CSRF = "yk_staff_login"
#: Set at a successful login, for that username: guesses at the username from elsewhere never make
#: the clerk at their own desk solve a challenge (issue 18; docs/security.md).
DEVICE, DEVICE_DAYS = "yk_staff_device", 180
ACTIONS = {"shouli": "受理", "dafu": "答复", "banjie": "办结", "zhuanban": "转办"}
QUEUES = {"daiban": ("open", "待办"), "yidafu": ("answered", "已答复待办结"), "quanbu": ("all", "全部")}


def _page(request: Request, template: str, who: StaffSession, status: int = 200, **context) -> Response:
    user, csrf = who
    return render(request, template, status=status, user=user, csrf=csrf, **context)


def _error(request: Request, err: ApiError) -> Response:
    request.state.html = True
    return error_response(request, err)


@router.get("")
def no_slash():
    return see_other("staff/")


@router.get("/login/")
def login_form(request: Request, who: MaybeStaffDep):
    if who is not None:
        return see_other("../")
    return login_page(request)


def login_page(request: Request, error: ApiError | None = None, status: int = 200, username: str = ""):
    token = secrets.token_urlsafe(24)
    response = render(request, "staff_login.html", status=status, title="工作人员登录", login_csrf=token, error=error,
                      username=username[:32])
    set_cookie(request, response, LOGIN_CSRF, token, "/staff/", 1800)
    return response


@router.post("/login/")
async def login(request: Request, cases: CasesDep, client: ClientDep):
    values = await read_form(request, ("username", "password", "csrf", "challenge", "pow", "answer"))
    if not auth.csrf_ok(request.cookies.get(LOGIN_CSRF, ""), values["csrf"]):
        return login_page(request, ApiError(403, "csrf", "页面已过期，请重新登录。"), 403)
    missing = {k: ApiError(422, "invalid_request", f"请填写{label}。")
               for k, label in (("username", "用户名"), ("password", "密码")) if not values[k].strip()}
    if missing:
        return login_page(request, ApiError.combine(missing), 422, values["username"])
    try:
        device = unseal(request, request.cookies.get(DEVICE)) or {}
        known = device.get("u") == values["username"].strip().lower()
        result = await run_in_threadpool(cases.staff_login, client, values["username"], values["password"],
                                         Proof.of(values), known)
    except REFUSALS as refused:
        e = http_error(refused)
        return login_page(request, e, e.status, values["username"])
    if result is None:
        return login_page(request, ApiError(401, "login_failed", "用户名或密码不对，或者账号已停用。"), 401,
                          values["username"])
    token, _csrf = result
    response = see_other("../")
    set_cookie(request, response, SESSION, token, "/staff/", int(cases.session_hours * 3600))
    set_cookie(request, response, DEVICE, seal(request, {"u": values["username"].strip().lower()}, DEVICE_DAYS * 86400),
               "/staff/", DEVICE_DAYS * 86400)
    clear_cookie(request, response, LOGIN_CSRF, "/staff/")
    return response


@router.post("/logout/")
async def logout(request: Request, cases: CasesDep, who: MaybeStaffDep):
    values = await read_form(request, ("csrf",))
    if who and auth.csrf_ok(who[1], values["csrf"]):
        auth.logout(cases.service.store, request.cookies.get(SESSION))
    response = see_other("../login/")
    clear_cookie(request, response, SESSION, "/staff/")
    return response


@router.get("/")
def queue(request: Request, cases: CasesDep, who: StaffDep, liebiao: str = "daiban"):
    which, label = QUEUES.get(liebiao, QUEUES["daiban"])
    try:
        rows = cases.service.queue(who[0], which)
    except REFUSALS as refused:
        return _error(request, http_error(refused))
    return _page(request, "staff_queue.html", who, title=f"{label} - 工作台", rows=rows, queues=QUEUES,
                 current=liebiao if liebiao in QUEUES else "daiban", label=label)


@router.get("/taizhang/")
def ledger(request: Request, cases: CasesDep, who: StaffDep):
    try:
        rows = cases.service.ledger(who[0])
    except REFUSALS as refused:
        return _error(request, http_error(refused))
    return _page(request, "staff_ledger.html", who, title="服务问题台账", rows=rows)


def _case_page(request: Request, cases: CaseDesk, who: StaffSession, number: str, error: ApiError | None = None) -> Response:
    try:
        case = cases.service.staff_view(who[0], number)
    except REFUSALS as refused:
        e = http_error(refused)
        return _page(request, "staff_case.html", who, status=e.status, title="没有这一件", case=None, error=e,
                     departments=[])
    return _page(request, "staff_case.html", who, status=error.status if error else 200,
                 title=f"{case['number']} - 工作台", case=case, error=error,
                 departments=cases.directory().departments)


@router.get("/jian/{number}/")
def case_page(request: Request, cases: CasesDep, who: StaffDep, number: str):
    return _case_page(request, cases, who, number)


@router.post("/jian/{number}/{action}/")
async def act(request: Request, cases: CasesDep, who: StaffDep, number: str, action: str):
    values = await read_form(request, ("csrf", "text", "department"))
    if not auth.csrf_ok(who[1], values["csrf"]):
        return _case_page(request, cases, who, number, ApiError(403, "csrf", "页面已过期，请刷新后再操作。"))
    if action not in ACTIONS:
        return _case_page(request, cases, who, number, ApiError(404))
    try:
        await run_in_threadpool(cases.service.act, who[0], number, ACTIONS[action], values["text"],
                                values["department"])
    except REFUSALS as refused:
        return _case_page(request, cases, who, number, http_error(refused))
    return see_other("../")
