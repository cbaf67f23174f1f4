"""The console's app: FastAPI with one router per step (app.STEPS), inside the guard (access.py)."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from generator.console import commit_pages, ingest_pages, notice_pages, review_pages, status_pages
from generator.console.access import FAILED, Guard, log_failure
from generator.console.app import HERE, Console, Pages, Refused


def create_app(console: Console) -> Guard:
    """The console: FastAPI with one router per step, inside the guard (access.py)."""
    pages = Pages(console)
    app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")

    @app.exception_handler(Refused)
    async def refused(_request: Request, e: Refused) -> Response:
        return HTMLResponse(pages.refused(e.status, e.message), status_code=e.status)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_request: Request, e: StarletteHTTPException) -> Response:
        message = {404: "没有这一页。请从工作台首页进入。", 405: "不能这样打开这一页。请从工作台首页进入。"}.get(
            e.status_code, "请求不完整，请返回重试。")
        return HTMLResponse(pages.refused(e.status_code, message), status_code=e.status_code)

    @app.exception_handler(Exception)
    async def failed(_request: Request, e: Exception) -> Response:
        log_failure(e)  # Starlette answers with this page, then raises on into the guard
        return HTMLResponse(pages.refused(500, FAILED), status_code=500)

    @app.get("/", response_class=HTMLResponse)
    def home() -> HTMLResponse:
        return pages("home.html", title="工作台")

    @app.get("/favicon.ico")
    def favicon() -> Response:
        return Response(status_code=204)

    for step in (ingest_pages, notice_pages, review_pages, commit_pages, status_pages):  # app.STEPS, in order
        app.include_router(step.router(console, pages))
    return Guard(app, port=console.port, token=console.token, cookie=console.cookie, session=console.session,
                 refuse=pages.refused)
