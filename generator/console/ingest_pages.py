"""Step 导入发放名单: upload a raw export, confirm programme and period, read every error (and fix the
file), read the cross-check report, then ingest: the library's plan and write, as the CLI's
`ingest` runs them.

    GET  /daoru/                    the upload form
    POST /daoru/                    the file, into memory (uploads.py) → /daoru/<id>/
    GET  /daoru/<id>/               programme, period and county, proposed (propose.py)
    GET  /daoru/<id>/jiancha?…      check: the error table, or the cross-check report and the confirm form
    GET  /daoru/<id>/cuowu.xlsx?…   the error table as Excel
    POST /daoru/<id>/queren         ingest into data/ → /daoru/wancheng/<batch>/
    GET  /daoru/wancheng/<batch>/   what was written

Checking is a GET: it writes nothing, so it can be reloaded and linked; only the confirm posts.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, urlencode

import yaml
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from generator.console.app import MAX_UPLOAD, Console, Pages, Refused, read_form
from generator.console.problems import error_rows, workbook
from generator.console.propose import propose
from generator.console.uploads import Upload
from generator.ingest import CHECK_KINDS, Plan, UnusableDataDir, plan_into, write
from generator.load import load
from huinong_core.errors import DataError, HuinongError
from huinong_core.normalize import period_label

#: Problems of the form itself (programme, period, county), not of the file: ingest places them here.
FORM = "命令行"


@dataclass(frozen=True)
class Choice:
    """What the clerk confirmed in the form (all text, as typed)."""

    programme: str = ""
    period: str = ""
    county: str = ""
    skip_bad: bool = False

    @classmethod
    def of(cls, values) -> "Choice":
        def text(key: str) -> str:
            v = values.get(key, "")
            return v.strip() if isinstance(v, str) else ""

        return cls(text("programme").upper(), text("period"), text("county"), text("skip_bad") == "1")

    def query(self, **over) -> str:
        values = {"programme": self.programme, "period": self.period, "county": self.county,
                  "skip_bad": "1" if self.skip_bad else ""}
        values.update(over)
        return urlencode({k: v for k, v in values.items() if v})


def router(console: Console, pages: Pages) -> APIRouter:
    r = APIRouter(prefix="/daoru")

    def base():
        """regions and policies of data/ (batches not read: quick), for the forms."""
        return load(console.data_dir, payments=False).dataset

    def upload_of(uid: str) -> Upload:
        upload = console.uploads.get(uid)
        if upload is None:
            raise Refused(404, "这个文件已不在工作台中（已经导入，或工作台重新启动过）。请重新选择文件。")
        return upload

    def confirm_page(uid: str, upload: Upload, choice: Choice, errors: list[str] | None = None,
                     status: int = 200) -> HTMLResponse:
        ds = base()
        proposal = propose(upload.name, upload.data, ds.policies)
        choice = Choice(choice.programme or proposal.programme or "", choice.period or proposal.period or "",
                        choice.county, choice.skip_bad)
        programmes = sorted({p.code: p for p in ds.policies}.values(), key=lambda p: p.code)
        counties = sorted((r for r in ds.regions.values() if r.level == "县"), key=lambda r: r.code)
        return pages("daoru_confirm.html", status=status, title="确认项目和期号", uid=uid, upload=upload,
                     choice=choice, proposal=proposal, programmes=programmes, counties=counties,
                     errors=errors or [])

    def planned(upload: Upload, choice: Choice) -> Plan:
        if console.keyer is None:
            raise Refused(409, f"未找到密钥，不能核查和导入。{console.key_problem}")
        return plan_into(console.data_dir, Path(upload.name), choice.programme, choice.period, console.keyer,
                         county=choice.county or None, skip_bad=choice.skip_bad, shown_path=upload.name,
                         data=upload.data)

    @r.get("/", response_class=HTMLResponse)
    def upload_form(request: Request) -> HTMLResponse:
        return pages("daoru_upload.html", title="导入发放名单", choice=Choice.of(request.query_params), error="")

    @r.post("/")
    async def receive(request: Request) -> Response:
        form = await read_form(request, console, MAX_UPLOAD + (64 << 10))
        choice = Choice.of(form)
        file = form.get("file")
        data = await file.read() if file is not None and not isinstance(file, str) else b""
        if not data:
            return pages("daoru_upload.html", status=400, title="导入发放名单", choice=choice,
                         error="没有选择文件，或文件是空的。请选择“一卡通”系统导出的发放明细（CSV 或 Excel .xlsx）。")
        previous = form.get("previous")
        if isinstance(previous, str):
            console.uploads.drop(previous)  # the fixed file replaces the one with errors
        uid = console.uploads.add(file.filename or "", data)
        query = choice.query(skip_bad="")
        return RedirectResponse(f"/daoru/{uid}/" + (f"?{query}" if query else ""), status_code=303)

    @r.get("/wancheng/{batch_id}/", response_class=HTMLResponse)
    def done(batch_id: str) -> HTMLResponse:
        found = [d for d in (console.data_dir / "payments").glob(f"*/{batch_id}") if (d / "batch.yaml").is_file()
                 ] if re.fullmatch(r"[0-9A-Za-z]+(-[0-9A-Za-z]+)+", batch_id) else []
        if not found:
            raise Refused(404, f"数据目录中没有批次 {batch_id}。")
        batch_dir = found[0]
        meta = yaml.safe_load((batch_dir / "batch.yaml").read_text(encoding="utf-8"))
        with open(batch_dir / "records.csv", encoding="utf-8") as f:
            records = sum(1 for _ in f) - 1
        report = console.reports_dir / f"{batch_id}-核查报告.html"
        return pages("daoru_done.html", title="已导入", batch_id=batch_id, meta=meta, records=records,
                     where=batch_dir.relative_to(console.repo).as_posix(),
                     report=report.relative_to(console.repo).as_posix() if report.exists() else None)

    @r.get("/{uid}/", response_class=HTMLResponse)
    def confirm(uid: str, request: Request) -> HTMLResponse:
        return confirm_page(uid, upload_of(uid), Choice.of(request.query_params))

    @r.get("/{uid}/jiancha", response_class=HTMLResponse)
    def check(uid: str, request: Request) -> HTMLResponse:
        upload, choice = upload_of(uid), Choice.of(request.query_params)
        if console.keyer is None:
            return confirm_page(uid, upload, choice, [f"未找到密钥，不能核查和导入。{console.key_problem}"], 409)
        try:
            p = planned(upload, choice)
        except UnusableDataDir as e:
            return pages("daoru_unusable.html", status=409, title="数据目录有错误", problems=e.problems[:50],
                         more=max(0, len(e.problems) - 50))
        except DataError as e:
            form_errors = [f"{p.field}：{p.message}" + (f"（期望{p.expected}）" if p.expected else "")
                           for p in e.problems if p.path == FORM]
            if form_errors:
                return confirm_page(uid, upload, choice, form_errors, 422)
            rows = error_rows(e.problems, upload.name, upload.data)
            return pages("daoru_errors.html", status=422, title=f"错误：{len(rows)} 个问题", uid=uid, upload=upload,
                         choice=choice, rows=rows, fields=Counter(r.field for r in rows))
        return report_page(uid, upload, choice, p)

    def report_page(uid: str, upload: Upload, choice: Choice, p: Plan, error: str = "",
                    status: int = 200) -> HTMLResponse:
        counts = Counter(c.kind for c in p.checks)
        skipped = error_rows(p.skipped, upload.name, upload.data) if p.skipped else []
        return pages("daoru_report.html", status=status, title="交叉核查报告", uid=uid, upload=upload, choice=choice,
                     plan=p, kinds=[(k, counts.get(k, 0)) for k in CHECK_KINDS], skipped=skipped,
                     target=p.target.relative_to(console.repo).as_posix(), period_label=period_label(p.period),
                     error=error)

    @r.get("/{uid}/cuowu.xlsx")
    def errors_xlsx(uid: str, request: Request) -> Response:
        upload, choice = upload_of(uid), Choice.of(request.query_params)
        try:
            p = planned(upload, choice)
            problems = p.skipped
        except DataError as e:
            problems = [q for q in e.problems if q.path != FORM]
        if not problems:
            raise Refused(404, "这个文件没有错误。")
        body = workbook(error_rows(problems, upload.name, upload.data), upload.name)
        name = f"{Path(upload.name).stem}-错误.xlsx"
        return Response(body, media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                        headers={"content-disposition": f"attachment; filename=\"errors.xlsx\"; "
                                                        f"filename*=UTF-8''{quote(name)}"})

    @r.post("/{uid}/queren")
    async def ingest(uid: str, request: Request) -> Response:
        form = await read_form(request, console)
        upload, choice = upload_of(uid), Choice.of(form)
        replace = form.get("replace") == "1"
        try:
            p = planned(upload, choice)
        except HuinongError:  # the file or data/ changed since the report: check again
            return RedirectResponse(f"/daoru/{uid}/jiancha?{choice.query()}", status_code=303)
        if p.exists and not replace:
            return report_page(uid, upload, choice, p, status=409,
                               error=f"批次 {p.batch_id} 已经存在。要用这个文件替换它，请勾选“替换已存在的批次”后再确认。")
        write(p, report_dir=console.reports_dir)
        console.uploads.drop(uid)  # the raw file leaves memory once it is ingested
        return RedirectResponse(f"/daoru/wancheng/{p.batch_id}/", status_code=303)

    return r
