"""GET /api/v1/policies?q=: full-text search over the policy list, documents and procedures."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request

from lookup_api.models import Error, SearchResult

router = APIRouter(prefix="/api/v1", tags=["政策搜索"])


@router.get("/policies", summary="搜索补贴政策、制度文件和办事流程", response_model=SearchResult,
            responses={422: {"model": Error}, 429: {"model": Error}, 503: {"model": Error}})
def policies(request: Request,
             q: Annotated[str, Query(min_length=1, max_length=100, description="搜索词，如 耕地补贴、低保")],
             limit: Annotated[int, Query(ge=1, le=50, description="最多返回几条")] = 10):
    services = request.app.state.services
    return services.search(services.client(request), q, limit)
