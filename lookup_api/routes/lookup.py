"""POST /api/v1/lookup: JSON in → JSON out; form post in → HTML page out."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

import orjson
from fastapi import APIRouter, Request, Response
from fastapi.routing import APIRoute
from fastapi.responses import HTMLResponse
from pydantic import ValidationError

from lookup_api.bodies import is_json, load_json
from lookup_api.deps import client_of, lookup_of
from lookup_api.errors import NO_STORE, REFUSALS, ApiError, http_error, safe_text
from lookup_api.html import lookup_page
from lookup_api.middleware import is_form
from lookup_api.models import Error, LookupRequest, LookupResult
from lookup_api.pages import root_of, yk
from lookup_api.throttle import Proof


class PlainRoute(APIRoute):
    """A route whose endpoint takes the Request and returns its Response itself: FastAPI's request
    handler (dependency solving, response validation) is skipped, which cost the lookup a tenth of
    its time (issue 20); the declaration still makes the OpenAPI schema.  Errors raised by the
    endpoint reach the app's handlers (errors.install) as from any route."""

    def get_route_handler(self):
        return self.endpoint


router = APIRouter(prefix="/api/v1", tags=["个人查询"], route_class=PlainRoute)

_REQUEST_SCHEMA = LookupRequest.model_json_schema()
_ERROR_CONTENT = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}, "text/html": {}}
FIELDS = {"id_number": "身份证号码", "name": "姓名", "challenge": "验证题", "pow": "验证", "answer": "验证题答案"}


#: The form's own extra field: the "最后一位是 X" box, for phone keyboards without an X.
FORM_FIELDS = (*FIELDS, "id_x")


@dataclass(frozen=True)
class Typed:
    """What a person typed into the no-JavaScript form: shown back to them in the form (never stored or logged)."""

    id_number: str = ""
    name: str = ""
    id_x: bool = False
    # The verification sent with the form (past an ID's free budget); never shown back: a refused
    # proof comes with a fresh challenge.
    proof: tuple[tuple[str, str], ...] = ()

    @classmethod
    def of(cls, form: dict) -> "Typed":
        text = lambda k: safe_text(str(form.get(k, "")))[:100]  # noqa: E731
        proof = tuple((k, text(k)) for k in ("challenge", "pow", "answer") if form.get(k))
        return cls(text("id_number"), text("name"), bool(form.get("id_x")), proof)

    def request(self) -> dict:
        """The lookup request: with the box ticked, 17 digits get their X."""
        id_number = self.id_number
        compact = "".join(unicodedata.normalize("NFKC", id_number).split())
        if self.id_x and len(compact) == 17 and compact.isdigit():
            id_number = compact + "X"
        return {"id_number": id_number, "name": self.name, **dict(self.proof)}


async def _read(request: Request) -> dict:
    content_type = request.headers.get("content-type")
    if is_form(content_type):
        form = await request.form(max_files=0, max_fields=10)
        return {k: v for k, v in form.items() if k in FORM_FIELDS}
    if is_json(content_type):
        return load_json(await request.body())
    raise ApiError(415)


def _validate(data) -> LookupRequest:
    try:
        return LookupRequest.model_validate(data)
    except ValidationError as e:
        problems: dict[str, ApiError] = {}
        for err in e.errors():
            key = next((p for p in err.get("loc", ()) if p in FIELDS), "")
            field = FIELDS.get(key, "")
            if err.get("type") in ("missing", "string_too_short") and field:
                message = f"请填写{field}。"
            elif field:
                message = f"{field}格式不正确。"
            else:
                message = "请填写身份证号码和姓名。"
            problems.setdefault(key or "id_number", ApiError(422, "invalid_request", message))
        raise ApiError.combine(problems) from None


def _page(request: Request, typed: Typed | None, result: dict | None = None, error: ApiError | None = None,
          site_name: str = "") -> HTMLResponse:
    site = yk(request)
    html = lookup_page(result=result, typed=typed, error=error, site_name=site_name or site["site_name"],
                       version=site["version"], yk_root=root_of(request))
    headers = {**(error.headers if error else {}), **NO_STORE}
    return HTMLResponse(html, error.status if error else 200, headers=headers)


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
    # One URL, two bodies, which FastAPI cannot declare for one route: JSON from scripts, and the
    # no-JavaScript form, whose answer is the page with what was typed kept and every field's problem
    # named.  So the body is read by hand (_read, _validate) and its schema written out here.
    openapi_extra={"requestBody": {"required": True, "content": {
        "application/json": {"schema": _REQUEST_SCHEMA},
        "application/x-www-form-urlencoded": {"schema": _REQUEST_SCHEMA},
    }}},
)
async def lookup(request: Request):
    # The busiest route reads its services with the plain providers of deps.py rather than through
    # Depends(): FastAPI's dependency solving cost more than the lookup itself (issue 20).
    service, client = lookup_of(request), client_of(request)
    html = is_form(request.headers.get("content-type"))
    request.state.html = html
    if not html:
        data = _validate(await _read(request))
        result, _site_name = await service.lookup(client, data.id_number, data.name, Proof.of(data))
        # The answer is built by service.render in LookupResult's shape (tests/lookup_api check every
        # answer against it); serialized as it is, not validated a second time.
        return Response(orjson.dumps(result), media_type="application/json", headers=NO_STORE)
    # The form: every answer but a success keeps what was typed, in the form, beside the answer.
    typed = Typed.of(await _read(request))
    try:
        data = _validate(typed.request())
        result, site_name = await service.lookup(client, data.id_number, data.name, Proof.of(data))
    except REFUSALS as refused:
        return _page(request, typed, error=http_error(refused))
    return _page(request, None if result["found"] else typed, result=result, site_name=site_name)
