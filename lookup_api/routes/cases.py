"""咨询与投诉 over JSON: submit a case, follow it up with 件号 + 查询码, rate the answer.

The 查询码 travels in a header (GET) or a JSON body (POST), never in the URL:
URLs end up in logs and browser histories.  A wrong 查询码 and an unknown
件号 get the same 404.  The HTML form pages for people are in routes/zixun.py.
"""

from __future__ import annotations

from fastapi import APIRouter, Header, Response

from lookup_api.bodies import JsonBody
from lookup_api.cases.service import Submission
from lookup_api.deps import CasesDep, ClientDep
from lookup_api.errors import NO_STORE
from lookup_api.models import (
    CaseChallenge, CaseCode, CaseCreated, CaseRatingRequest, CaseRequest, CaseStats, CaseView, Error,
)
from lookup_api.throttle import Proof


class CaseBody(JsonBody):
    not_json = "请用 JSON 提交（Content-Type: application/json）；网页表单请用 /zixun/ 页面。"


router = APIRouter(prefix="/api/v1/cases", tags=["咨询与投诉"], route_class=CaseBody)

ERRORS = {404: {"model": Error}, 409: {"model": Error}, 413: {"model": Error}, 415: {"model": Error},
          422: {"model": Error}, 429: {"model": Error}, 503: {"model": Error}}


#: OpenAPI links: what a client (and schemathesis' stateful test) can do with an answer next.
_CASE_LINKS = {
    "查看办理情况": {"operationId": "view_post_api_v1_cases__number__post",
                     "parameters": {"number": "$response.body#/number"},
                     "requestBody": {"query_code": "$response.body#/query_code"}},
    "查看办理情况（请求头）": {"operationId": "view_api_v1_cases__number__get",
                         "parameters": {"number": "$response.body#/number",
                                        "header.X-Query-Code": "$response.body#/query_code"}},
    "评价答复": {"operationId": "rate_api_v1_cases__number__rating_post",
                 "parameters": {"number": "$response.body#/number"},
                 "requestBody": {"query_code": "$response.body#/query_code", "rating": "满意"}},
}


@router.get("/challenge", summary="取一道防刷验证题", response_model=CaseChallenge, responses=ERRORS,
            openapi_extra={"responses": {"200": {"description": "题目", "links": {"提交": {
                "operationId": "submit_api_v1_cases_post",
                "requestBody": {"kind": "咨询", "content": "请问耕地地力保护补贴什么时候发放？",
                                "village": "410421100202", "challenge": "$response.body#/challenge",
                                "answer": "0", "pow": "0"}}}}}})
def challenge(cases: CasesDep, response: Response) -> CaseChallenge:
    response.headers.update(NO_STORE)
    return CaseChallenge(**cases.challenges.issue().as_dict())


# A hidden group has no figures at all, not figures of null: the unset fields stay out.
@router.get("/stats", summary="咨询投诉统计（公开）", response_model=CaseStats, response_model_exclude_unset=True,
            responses=ERRORS,
            description="按类型、补贴项目和县区统计件数、答复天数中位数、按时答复比例和满意度；不含任何反映内容。"
                        "少于5件的分组只显示“少于5件”，必要时另有分组显示“不公开”，使隐藏的分组不能用合计减出。")
def stats(cases: CasesDep, response: Response) -> CaseStats:
    response.headers["Cache-Control"] = "public, max-age=300"
    return CaseStats.model_validate(cases.service.stats())


@router.post("", summary="提交咨询、投诉、举报或上门服务申请", status_code=201, response_model=CaseCreated,
             responses={**ERRORS, 201: {"description": "已受理：件号和查询码", "links": _CASE_LINKS}},
             description="先 GET /api/v1/cases/challenge 取题，解出工作量证明（pow）或回答替代验证题（answer）后提交。"
                         "返回件号和查询码；查询码只显示这一次，服务器只保存它的加密摘要。联系电话和姓名加密保存，从不公开。")
def submit(data: CaseRequest, cases: CasesDep, client: ClientDep, response: Response) -> CaseCreated:
    response.headers.update(NO_STORE)
    sub = Submission(data.kind, data.village, data.content, data.programme, data.phone, data.name, data.anonymous)
    return CaseCreated(**cases.submit(client, sub, data.challenge, data.pow, data.answer))


@router.get("/{number}", summary="查看办理情况（查询码放在 X-Query-Code 请求头）", response_model=CaseView,
            responses=ERRORS)
def view(cases: CasesDep, client: ClientDep, response: Response, number: str,
         x_query_code: str = Header("", max_length=40, description="查询码（不要放在网址里）"),
         x_challenge: str = Header("", max_length=200, description="这个件号查询较多时：429 回答里的验证题 challenge"),
         x_pow: str = Header("", max_length=20, description="验证题的解")) -> CaseView:
    response.headers.update(NO_STORE)
    return CaseView.model_validate(cases.view(client, number, x_query_code, Proof(x_challenge or None, x_pow or None)))


@router.post("/{number}", summary="查看办理情况（查询码放在 JSON 请求体）", response_model=CaseView, responses=ERRORS)
def view_post(data: CaseCode, cases: CasesDep, client: ClientDep, response: Response, number: str) -> CaseView:
    response.headers.update(NO_STORE)
    return CaseView.model_validate(cases.view(client, number, data.query_code, Proof.of(data)))


@router.post("/{number}/rating", summary="评价答复：满意、基本满意或不满意（答复后一次）", response_model=CaseView,
             responses=ERRORS)
def rate(data: CaseRatingRequest, cases: CasesDep, client: ClientDep, response: Response, number: str) -> CaseView:
    response.headers.update(NO_STORE)
    return CaseView.model_validate(cases.rate(client, number, data.query_code, data.rating, data.comment,
                                              Proof.of(data)))
