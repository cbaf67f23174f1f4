"""POST /api/v1/lookup: JSON in → JSON out; form post in → HTML page out."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool

from lookup_api.errors import ApiError
from lookup_api.inputs import load_json
from lookup_api.html import result_page
from lookup_api.middleware import is_form
from lookup_api.models import Error, LookupRequest, LookupResult
from lookup_api.throttle import Proof

router = APIRouter(prefix="/api/v1", tags=["个人查询"])

NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}
_REQUEST_SCHEMA = LookupRequest.model_json_schema()
_ERROR_CONTENT = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}, "text/html": {}}
FIELDS = {"id_number": "身份证号码", "name": "姓名", "challenge": "验证题", "pow": "验证", "answer": "验证题答案"}


async def _read(request: Request) -> dict:
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if is_form(content_type):
        form = await request.form(max_files=0, max_fields=10)
        return {k: v for k, v in form.items() if k in FIELDS}
    if content_type == "application/json" or content_type.endswith("+json"):
        return load_json(await request.body())
    raise ApiError(415)


def _validate(data) -> LookupRequest:
    try:
        return LookupRequest.model_validate(data)
    except ValidationError as e:
        first = e.errors()[0]
        field = next((FIELDS[p] for p in first.get("loc", ()) if p in FIELDS), "")
        if first.get("type") in ("missing", "string_too_short") and field:
            message = f"请填写{field}。"
        elif field:
            message = f"{field}格式不正确。"
        else:
            message = "请填写身份证号码和姓名。"
        raise ApiError(422, "invalid_request", message) from None


@router.post(
    "/lookup",
    summary="查询本人的补贴发放结果",
    description=("用身份证号码和姓名查询本人在查询年限内的补贴发放记录，按年度和项目分组，附每种发放结果的说明和下一步。"
                 "姓名不符、身份证号码不存在、没有发放记录，三种情况的回答完全相同。"
                 "表单提交（application/x-www-form-urlencoded）时返回 HTML 页面。"),
    response_model=LookupResult,
    responses={200: {"content": {"text/html": {}}}, 413: {"model": Error, "content": _ERROR_CONTENT},
               415: {"model": Error}, 422: {"model": Error, "content": _ERROR_CONTENT},
               429: {"model": Error, "content": _ERROR_CONTENT}, 503: {"model": Error, "content": _ERROR_CONTENT}},
    openapi_extra={"requestBody": {"required": True, "content": {
        "application/json": {"schema": _REQUEST_SCHEMA},
        "application/x-www-form-urlencoded": {"schema": _REQUEST_SCHEMA},
    }}},
)
async def lookup(request: Request):
    html = is_form(request.headers.get("content-type"))
    request.state.html = html
    data = _validate(await _read(request))
    services = request.app.state.services
    proof = Proof(data.challenge, data.pow, data.answer)
    result, site_name = await run_in_threadpool(services.lookup, services.client(request), data.id_number, data.name,
                                                proof)
    if html:
        return HTMLResponse(result_page(result, site_name), headers=NO_STORE)
    return JSONResponse(result, headers=NO_STORE)
