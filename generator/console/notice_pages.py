"""Step 发布通知: the notices of data/notices/, a form for a new one or to change one, checked as
`check` checks it (notice_form.py) and written only when it has no problem.

    GET  /tongzhi/                   the notices there are, each with its edit link
    GET  /tongzhi/xin/               the form, empty
    POST /tongzhi/xin/               check → the form with its problems, or the new file → /tongzhi/wancheng/<slug>/
    GET  /tongzhi/<slug>/            the form, filled from the notice
    POST /tongzhi/<slug>/            check → the form with its problems, or the file rewritten
    GET  /tongzhi/wancheng/<slug>/   what was written
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from generator.console.app import Console, Pages, Refused, read_form
from generator.console.notice_form import DATE_HINT, SLUG, TIME_HINT, NoticeForm, notice_path, problems, write
from generator.load import load
from huinong_core.models import NOTICE_LEVELS, Dataset
from huinong_core.notices import shown
from huinong_core.version import build_time

#: The levels of region a notice is usually scoped to (a village is allowed, but a list of every
#: village would be thousands of lines: one already in a notice is offered too).
FORM_LEVELS = ("省", "市", "县", "乡")
RESERVED = ("xin", "wancheng")


def router(console: Console, pages: Pages) -> APIRouter:
    r = APIRouter(prefix="/tongzhi")

    def base() -> tuple[Dataset, list]:
        loaded = load(console.data_dir, payments=False)
        return loaded.dataset, loaded.problems

    def form_page(form: NoticeForm, *, new: bool, found: list | None = None, status: int = 200) -> HTMLResponse:
        ds, _ = base()
        wanted = set(form.regions)
        regions = [g for g in sorted(ds.regions.values(), key=lambda g: g.code)
                   if g.level in FORM_LEVELS or g.code in wanted]
        programmes = sorted({p.code: p for p in sorted(ds.policies, key=lambda p: p.start_year)}.values(),
                            key=lambda p: p.code)
        return pages("tongzhi_form.html", status=status, title="发布通知" if new else "修改通知",
                     active="/tongzhi/", form=form, new=new, problems=found or [], regions=regions,
                     programmes=programmes, levels=NOTICE_LEVELS, date_hint=DATE_HINT, time_hint=TIME_HINT,
                     target=f"data/notices/{form.slug}.md" if form.slug else "")

    def existing(slug: str) -> NoticeForm:
        if not SLUG.fullmatch(slug) or not notice_path(console.data_dir, slug).is_file():
            raise Refused(404, f"没有通知 {slug}。请从通知列表进入。")
        ds, found = base()
        for n in ds.notices:
            if n.slug == slug:
                return NoticeForm.of_notice(n)
        mine = [p for p in found if p.path == f"data/notices/{slug}.md"]
        raise Refused(409, f"通知 {slug} 的文件有错误，工作台不能打开它修改："
                           + "；".join(f"{p.field}：{p.message}" for p in mine[:5])
                           + "。请用文本编辑器改正 data/notices/ 中的这个文件，或删除它后重新发布。")

    def save(form: NoticeForm, *, new: bool) -> Response:
        found = problems(form, console.data_dir, new=new)
        if found:
            return form_page(form, new=new, found=found, status=422)
        write(form, console.data_dir)
        return RedirectResponse(f"/tongzhi/wancheng/{form.slug}/", status_code=303)

    @r.get("/", response_class=HTMLResponse)
    def listing() -> HTMLResponse:
        ds, found = base()
        now = build_time()
        rows = [(n, shown(ds, n), "显示中" if n.in_force(now) else "未开始" if now < n.start else "已结束")
                for n in sorted(ds.notices, key=lambda n: n.start, reverse=True)]
        broken = sorted({p.path for p in found if p.path.startswith("data/notices/")})
        return pages("tongzhi_list.html", title="发布通知", active="/tongzhi/", rows=rows, broken=broken)

    @r.get("/xin/", response_class=HTMLResponse)
    def new_form() -> HTMLResponse:
        return form_page(NoticeForm(start_date=build_time().date().isoformat()), new=True)

    @r.post("/xin/")
    async def create(request: Request) -> Response:
        form = NoticeForm.of(await read_form(request, console))
        if not form.slug:
            form = form.with_slug(form.proposed_slug(console.data_dir))
        elif form.slug in RESERVED:
            form = form.with_slug(form.slug + "-1")
        return save(form, new=True)

    @r.get("/wancheng/{slug}/", response_class=HTMLResponse)
    def done(slug: str) -> HTMLResponse:
        path = notice_path(console.data_dir, slug)
        if not SLUG.fullmatch(slug) or not path.is_file():
            raise Refused(404, f"没有通知 {slug}。")
        ds, _ = base()
        notice = next((shown(ds, n) for n in ds.notices if n.slug == slug), None)
        return pages("tongzhi_done.html", title="通知已保存", active="/tongzhi/", slug=slug, notice=notice,
                     where=Path(path).relative_to(console.repo).as_posix(), text=path.read_text(encoding="utf-8"))

    @r.get("/{slug}/", response_class=HTMLResponse)
    def edit_form(slug: str) -> HTMLResponse:
        return form_page(existing(slug), new=False)

    @r.post("/{slug}/")
    async def change(slug: str, request: Request) -> Response:
        form = await read_form(request, console)
        existing(slug)  # the file is there and can be read
        return save(NoticeForm.of(form).with_slug(slug), new=False)

    return r
