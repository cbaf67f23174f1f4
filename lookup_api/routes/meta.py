"""GET /api/v1/health and /api/v1/version."""

from __future__ import annotations

from fastapi import APIRouter

from lookup_api.deps import ContentsDep, LookupDep
from lookup_api.models import Error, Health, Version
from lookup_api.service import version_answer

API_VERSION = "1.0.0"
router = APIRouter(prefix="/api/v1", tags=["服务状态"])


@router.get("/health", summary="服务是否正常", response_model=Health, responses={503: {"model": Error}})
def health(lookup: LookupDep, db: ContentsDep):  # 503 in the error shape when the database is missing
    return {"status": "ok", "database": True, "rate_limit_storage": lookup.limits.healthy(),
            "data_version": version_answer(db.version)}


@router.get("/version", summary="API 和数据版本", response_model=Version, responses={503: {"model": Error}})
def version(db: ContentsDep):
    return {"api": API_VERSION, "data_version": version_answer(db.version), "records": db.records,
            "first_year": db.first_year, "last_year": db.last_year}
