"""The app: API routes under /api, then (when built) the static site at /.

    uvicorn lookup_api.main:app          # settings from the environment
    python -m generator serve            # the same, site + API, for `make run`
"""

from __future__ import annotations

import os

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.middleware.cors import CORSMiddleware
from starlette.exceptions import HTTPException
from starlette.routing import Match, Mount
from starlette.staticfiles import StaticFiles

from lookup_api import errors
from lookup_api.audit import Audit, audit_sink
from lookup_api.case_desk import CaseDesk
from lookup_api.cases.pow import Challenges
from lookup_api.config import Settings, get_settings
from lookup_api.db import LookupDB
from lookup_api.middleware import Guard
from lookup_api.ratelimit import RateLimits
from lookup_api.routes import cases, lookup, meta, policies, staff, zixun
from lookup_api.routes.meta import API_VERSION
from lookup_api.service import LookupService
from lookup_api.throttle import Escalation


class SiteFiles(StaticFiles):
    """The built site; 404 (not 500) while no build has made the directory yet."""

    async def check_config(self) -> None:
        if self.directory is None or not os.path.isdir(self.directory):
            raise HTTPException(404)
        await super().check_config()

    def lookup_path(self, path: str) -> tuple[str, os.stat_result | None]:
        """Starlette resolves the directory and the file separately: when a build switches the
        `public` link between the two, the file seems to lie outside the directory (a false 404).
        Resolve the directory once, then look inside that build only."""
        if path.startswith(("/", "\\")) or self.directory is None:
            return "", None
        root = os.path.realpath(self.directory)
        full = os.path.realpath(os.path.join(root, path))
        if os.path.commonpath([full, root]) != root:
            return "", None
        try:
            return full, os.stat(full)
        except (FileNotFoundError, NotADirectoryError):
            return "", None


class SiteMount(Mount):
    """The static site at /, but never for /api/...: those stay JSON 404/405."""

    def matches(self, scope):
        path = scope.get("path", "")
        if path == "/api" or path.startswith("/api/"):
            return Match.NONE, {}
        return super().matches(scope)


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    app = FastAPI(
        title="个人补贴发放结果查询 API",
        description="惠民惠农财政补贴资金“一卡通”：本人发放结果查询和政策搜索。所有错误的格式都是 {code, message, request_id}。",
        version=API_VERSION, docs_url=None, redoc_url=None, openapi_url="/api/openapi.json",
    )

    @app.get("/api/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        # The schema by a relative URL: the page works under a sub-path (nginx strips the prefix).
        return get_swagger_ui_html(openapi_url="openapi.json", title=f"{app.title} - 接口文档")

    keyer = settings.keyer()  # KeyConfigError when missing: refuse to start
    cipher = settings.contact_cipher()  # KeyConfigError when missing: refuse to start
    db = LookupDB(settings.db)
    limits = RateLimits(settings.rate_storage, settings.rate_client, settings.rate_id, settings.rate_search,
                        cases=settings.rate_cases, cases_nojs=settings.rate_cases_nojs,
                        case_view=settings.rate_case_view, case_number=settings.rate_case_number,
                        login=settings.rate_login, id_nojs=settings.rate_id_nojs)
    audit = Audit(audit_sink(settings.audit_log), keyer.key)
    challenges = Challenges(keyer.key, settings.cases_pow_bits)
    # Read by the providers of deps.py, and by nothing else.
    app.state.settings = settings
    app.state.lookup = LookupService(keyer, db, limits, audit, Escalation(limits, challenges, "id", settings.pow_bits,
                                                                          settings.pow_extra))
    app.state.cases = CaseDesk(settings.cases_url, keyer.key, cipher, app.state.lookup.snapshot, limits, audit,
                               challenges, settings.pow_bits, settings.pow_extra, settings.staff_session_hours)
    errors.install(app)
    for module in (lookup, policies, meta, cases, zixun, staff):
        app.include_router(module.router)
    app.include_router(policies.page_router)
    if settings.site_dir is not None:
        # Not checked now: a build may create (or swap in) the directory while we run.
        site = SiteFiles(directory=settings.site_dir, html=True, check_dir=False)
        app.router.routes.append(SiteMount("/", site, name="site"))
    if settings.site_origin:
        app.add_middleware(CORSMiddleware, allow_origins=[settings.site_origin.rstrip("/")],
                           allow_methods=["GET", "POST"], allow_headers=["Content-Type", "X-Query-Code"], max_age=600)
    app.add_middleware(Guard, db=db, max_body=settings.max_body, forms_max_body=settings.cases_max_body)
    return app


def __getattr__(name: str):
    # `uvicorn lookup_api.main:app`: build the app on first use, so importing this
    # module (tests, tools) does not need the key.
    if name == "app":
        return create_app()
    raise AttributeError(name)
