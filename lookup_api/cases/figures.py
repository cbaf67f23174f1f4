"""The 咨询投诉 statistics for the site build (``tongji/zixun/``), read from the cases database.

The database is the one the API uses (``CASES_DATABASE_URL``, else ``LOOKUP_CASES_DB``, default
``var/cases.sqlite``), opened read-only and never created or migrated from here.  The figures
are `case_statistics`, the very function behind ``/zixun/tongji/`` and ``/api/v1/cases/stats``,
as of the build time, so two builds of the same data and database are identical.  The CLI passes
`read_figures` to the build (huinong_core/case_figures.py).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

import jinja2

from huinong_core.case_figures import CaseFigures


def read_figures(counties: Mapping[str, str], now: dt.datetime) -> CaseFigures:
    from lookup_api.config import Settings

    try:
        settings = Settings()
        if settings.cases_database_url is None and not settings.cases_db.is_file():
            # No cases on this machine (a build machine usually): the live page has the figures.  Said
            # before the database layer is imported (SQLAlchemy, Alembic: 0.3 s of every build).
            return CaseFigures(None)
        url = settings.cases_url()
    except Exception as e:  # a malformed setting elsewhere; never echo values (the URL may hold a password)
        return CaseFigures(None, problem=f"咨询投诉统计：查询服务的设置有误（{type(e).__name__}），本次只链接实时统计。")
    from sqlalchemy.exc import SQLAlchemyError

    from lookup_api.cases.service import case_statistics
    from lookup_api.cases.store import Store, current_revision, head_revision

    try:
        store = Store(url, readonly=True)
    except FileNotFoundError:
        return CaseFigures(None)  # no cases on this machine: the live page has the figures
    try:
        revision = current_revision(store.engine)
        if revision is None:
            return CaseFigures(None)  # an empty file: the API has not started on it yet
        if revision != head_revision():
            return CaseFigures(None, problem=f"咨询投诉统计：咨询投诉数据库的结构（{revision}）不是本程序的版本（{head_revision()}），"
                                             "请先运行 python -m generator cases migrate；本次只链接实时统计。")
        stats = case_statistics(store, counties, now)
        return CaseFigures(stats, tables_html(stats))
    except SQLAlchemyError as e:
        return CaseFigures(None, problem=f"咨询投诉统计：无法读取咨询投诉数据库（{type(e).__name__}），本次只链接实时统计。")
    finally:
        store.dispose()


def tables_html(stats: dict) -> str:
    """The live page's tables (templates/partials/yk_case_stats.html), as one HTML block."""
    env = jinja2.Environment(loader=jinja2.PackageLoader("lookup_api", "templates"), autoescape=True,
                             trim_blocks=True, lstrip_blocks=True, undefined=jinja2.StrictUndefined)
    macro = env.get_template("partials/yk_case_stats.html").module.tables
    return "\n\n".join(block.strip() for block in str(macro(stats)).split("\n\n") if block.strip())
