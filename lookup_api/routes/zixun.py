"""咨询与投诉 pages for people: work without JavaScript, POST → redirect → GET.

    GET  /zixun/              choose the village (links, no script), then the form
    POST /zixun/              submit → 303 /zixun/tijiao/ (件号 and 查询码 shown once, from a cookie)
    GET  /zixun/chaxun/       follow-up form; with a valid view cookie, the case itself
    POST /zixun/chaxun/       件号 + 查询码 → 303 back (the code travels in an encrypted cookie, not the URL)
    POST /zixun/chaxun/pingjia/   rate the answer
    POST /zixun/chaxun/tuichu/    forget the case on this device
    GET  /zixun/tongji/       public statistics (no case content)
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, Response
from starlette.concurrency import run_in_threadpool

from huinong_core.regions import county_of
from lookup_api.case_desk import CaseDesk
from lookup_api.cases.schema import KINDS, RATINGS
from lookup_api.cases.service import CONTENT_MAX, DUE_DAYS, Submission
from lookup_api.deps import CasesDep, ClientDep
from lookup_api.errors import REFUSALS, ApiError, error_response, http_error
from lookup_api.pages import clear_cookie, read_form, render, see_other, seal, set_cookie, unseal
from lookup_api.throttle import Proof

router = APIRouter(prefix="/zixun", include_in_schema=False)
STATIC = Path(__file__).resolve().parents[1] / "static"
CASE_COOKIE, VIEW_COOKIE = "yk_case", "yk_view"
KIND_HELP = {
    "咨询": "问政策、问发放时间、问怎么办理。",
    "投诉": "补贴没有到账、少发、发错卡、办事不顺利、工作人员态度不好。",
    "举报": "截留、挪用、虚报冒领、优亲厚友等违规问题，可以匿名。",
    "上门服务": "家里有高龄、重病、残疾的老人或未成年人，行动不便，请乡镇工作人员上门办理（“三门行动”）。",
}
FORM_FIELDS = ("kind", "programme", "village", "content", "phone", "name", "anonymous", "challenge", "pow", "answer")


def _page_error(request: Request, err: ApiError) -> Response:
    request.state.html = True
    return error_response(request, err)


def _place_chooser(request: Request, d, code: str, programme: str) -> Response:
    crumbs = []
    if code:
        county = county_of(code)
        crumbs.append((county, d.counties.get(county, "")))
        if code in d.townships:
            crumbs.append((code, d.townships[code][0]))
    level = "县（市、区）" if not code else "乡镇（街道）" if code in d.counties else "村（社区）"
    return render(request, "zixun_place.html", title="咨询投诉：选择所在村（社区）", choices=d.children(code),
                  level=level, crumbs=crumbs, programme=programme)


def _form_page(request: Request, cases: CaseDesk, values: dict, error: ApiError | None = None) -> Response:
    d = cases.directory()
    place = d.places[values["village"]]
    programmes = [p for p in d.current_programmes(dt.date.today().year) if p.applies_to(place.village)]
    return render(request, "zixun_form.html", status=error.status if error else 200,
                  title="咨询、投诉、举报、上门服务", place=place, programmes=programmes, kinds=KINDS, kind_help=KIND_HELP,
                  due_days=DUE_DAYS, values=values, challenge=cases.challenges.issue(), error=error,
                  content_max=CONTENT_MAX)


@router.get("")
def no_slash():
    return see_other("zixun/")


@router.get("/")
def form_page(request: Request, cases: CasesDep, quhua: str = "", xiangmu: str = "", leixing: str = ""):
    try:
        d = cases.directory()
    except REFUSALS as refused:
        return _page_error(request, http_error(refused))
    quhua, xiangmu = quhua.strip()[:12], xiangmu.strip().upper()[:16]
    if xiangmu not in d.programmes:
        xiangmu = ""
    if quhua not in d.places:
        valid = quhua if quhua in d.counties or quhua in d.townships else ""
        return _place_chooser(request, d, valid, xiangmu)
    values = {k: "" for k in FORM_FIELDS}
    values.update(village=quhua, programme=xiangmu, kind=leixing if leixing in KINDS else "")
    return _form_page(request, cases, values)


@router.post("/")
async def submit(request: Request, cases: CasesDep, client: ClientDep):
    values = await read_form(request, FORM_FIELDS)
    try:
        d = cases.directory()
    except REFUSALS as refused:
        return _page_error(request, http_error(refused))
    if values["village"] not in d.places:
        return see_other("./")
    sub = Submission(values["kind"], values["village"], values["content"], values["programme"] or None,
                     values["phone"], values["name"], values["anonymous"] in ("1", "on", "true"))
    try:
        made = await run_in_threadpool(cases.submit, client, sub, values["challenge"], values["pow"],
                                       values["answer"])
    except REFUSALS as refused:
        e = http_error(refused)
        if e.status in (409, 422, 429):
            values["pow"] = values["answer"] = ""
            return _form_page(request, cases, values, e)
        return _page_error(request, e)
    response = see_other("tijiao/")
    set_cookie(request, response, CASE_COOKIE, seal(request, made, 3600), "/zixun/", 3600)
    return response


@router.get("/tijiao/")
def submitted(request: Request):
    made = unseal(request, request.cookies.get(CASE_COOKIE))
    if not made:
        return see_other("../chaxun/")
    return render(request, "zixun_done.html", title="已提交", made=made)


def _view_page(request: Request, case: dict | None, error: ApiError | None = None, number: str = ""):
    return render(request, "zixun_case.html", status=error.status if error else 200,
                  title="办理情况查询" if case is None else f"办理情况：{case['number']}",
                  case=case, error=error, number=number, ratings=RATINGS)


@router.get("/chaxun/")
async def follow_up_page(request: Request, cases: CasesDep, client: ClientDep):
    access = unseal(request, request.cookies.get(VIEW_COOKIE))
    if not access:
        return _view_page(request, None)
    try:
        case = await run_in_threadpool(cases.view, client, access["n"], access["c"], None)
    except REFUSALS as refused:
        return _view_page(request, None, http_error(refused), access.get("n", ""))
    return _view_page(request, case)


@router.post("/chaxun/")
async def follow_up(request: Request, cases: CasesDep, client: ClientDep):
    values = await read_form(request, ("number", "query_code", "challenge", "pow", "answer"))
    try:
        case = await run_in_threadpool(cases.view, client, values["number"], values["query_code"], Proof.of(values))
    except REFUSALS as refused:
        return _view_page(request, None, http_error(refused), values["number"])
    response = see_other("./")
    set_cookie(request, response, VIEW_COOKIE, seal(request, {"n": case["number"], "c": values["query_code"]}, 1800),
               "/zixun/", 1800)
    return response


@router.post("/chaxun/pingjia/")
async def rate(request: Request, cases: CasesDep, client: ClientDep):
    values = await read_form(request, ("rating", "comment"))
    access = unseal(request, request.cookies.get(VIEW_COOKIE))
    if not access:
        return see_other("../")
    try:
        await run_in_threadpool(cases.rate, client, access["n"], access["c"], values["rating"], values["comment"],
                                None)
    except REFUSALS as refused:
        e = http_error(refused)
        try:
            case = await run_in_threadpool(cases.view, client, access["n"], access["c"], None)
        except REFUSALS:
            case = None
        return _view_page(request, case, e)
    return see_other("../#pingjia")


@router.post("/chaxun/tuichu/")
async def forget(request: Request):
    response = see_other("../")
    clear_cookie(request, response, VIEW_COOKIE, "/zixun/")
    clear_cookie(request, response, CASE_COOKIE, "/zixun/")
    return response


@router.get("/tongji/")
def statistics(request: Request, cases: CasesDep):
    try:
        stats = cases.service.stats()
    except REFUSALS as refused:
        return _page_error(request, http_error(refused))
    return render(request, "zixun_stats.html", title="咨询投诉统计", stats=stats)


@router.get("/pow.js")
def script():
    return FileResponse(STATIC / "pow.js", media_type="text/javascript",
                        headers={"Cache-Control": "public, max-age=3600"})


@router.get("/zixun.css")
def style():
    return FileResponse(STATIC / "zixun.css", media_type="text/css", headers={"Cache-Control": "public, max-age=3600"})
