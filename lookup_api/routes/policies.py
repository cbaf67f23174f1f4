"""GET /api/v1/policies?q=: full-text search over the policy list, documents and procedures."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from lookup_api.deps import ClientDep, LookupDep
from lookup_api.errors import REFUSALS, ApiError, http_error, safe_text
from lookup_api.models import Error, SearchResult
from lookup_api.pages import render, see_other

router = APIRouter(prefix="/api/v1", tags=["政策搜索"])
#: The server-rendered results page: where the header's search box goes without JavaScript.
page_router = APIRouter(prefix="/api", include_in_schema=False)
KINDS = {"policy": "补贴政策", "document": "制度文件", "procedure": "办事流程"}
QUERY_MAX = 100


@router.get("/policies", summary="搜索补贴政策、制度文件和办事流程", response_model=SearchResult,
            responses={422: {"model": Error}, 429: {"model": Error}, 503: {"model": Error}})
def policies(lookup: LookupDep, client: ClientDep,
             q: Annotated[str, Query(min_length=1, max_length=100, description="搜索词，如 耕地补贴、低保")],
             limit: Annotated[int, Query(ge=1, le=50, description="最多返回几条")] = 10):
    return lookup.search(client, q, limit)


@page_router.get("/sousuo")
@page_router.get("/sousuo/")
async def results_page(request: Request, lookup: LookupDep, client: ClientDep, q: str = "") -> Response:
    """搜索结果: the site's look, the query kept in the box, links relative to this page (a sub-path works).
    Never a 5xx for any input: a bad query is a message on the page."""
    if not request.url.path.endswith("/"):  # .../sousuo/ keeps the relative links right
        return see_other("sousuo/" + (f"?{request.url.query}" if request.url.query else ""))
    query = " ".join(safe_text(q).split())
    hits, error = None, None
    if len(query) > QUERY_MAX:
        error = ApiError(422, "invalid_request", f"搜索词太长（{len(query)}个字），请不超过{QUERY_MAX}个字。",
                         fields={"yk-search-q": f"搜索词太长（{len(query)}个字），请不超过{QUERY_MAX}个字。"})
    elif query:
        try:
            hits = (await run_in_threadpool(lookup.search, client, query, 30))["results"]
        except REFUSALS as refused:
            error = http_error(refused)
    title = f"搜索：{query}" if query else "搜索政策和文件"
    return render(request, "search_results.html", status=error.status if error else 200, title=title,
                  active="sousuo/", query=query[:200], yk_query=query[:200], hits=hits, kinds=KINDS, error=error,
                  headers=error.headers if error else None)
