"""Writing a selection of posters: one PDF per poster, one bundle per township, index pages.

Paths come from ``huinong_core.urls``: haibao/<township>/<village>-<kind>-<size>.pdf,
haibao/<township>/<township>-all-<size>.pdf, haibao/ (index of townships) and
haibao/<township>/ (that township's posters).  The index pages are plain,
accessible HTML using the site stylesheet; the site may restyle them.
"""

from __future__ import annotations

import os
from collections import defaultdict
from html import escape

from generator.parallel import fork_map
from generator.posters.fonts import poster_font
from generator.posters.layout import PosterSpec, render_pdf
from generator.posters.template import Templates
from generator.writer import input_key
from huinong_core import site_files, urls
from huinong_core.normalize import period_label
from huinong_core.regions import region_parent_code


def write_bundles_and_index(ctx, posters, sel, prefix: str, workers: int | None = None) -> int:
    """Render `sel` (a Selection) through `posters` (a Posters) into ctx.writer under `prefix`."""
    ds = ctx.dataset
    author = ds.site.publisher if ds.site else ""
    batches_of: dict[str, list] = defaultdict(list)
    for pb in sel.batches:
        batches_of[pb.village].append(pb)
    townships: dict[str, list[str]] = defaultdict(list)
    for v in sel.villages:
        townships[region_parent_code(v)].append(v)

    sizes_kb: dict[str, int] = {}
    codes: dict[tuple[str, str], str] = {}  # (village, kind) -> check code, for the index pages
    made = 0
    for group in _groups(townships):  # a few thousand villages at a time: memory does not grow with the province
        specs: dict[tuple[str, str], PosterSpec] = {}  # (village, kind) -> spec, made once for every size
        for township in group:
            for v in townships[township]:
                specs[(v, "zhengce")] = posters.policy(v)
                for pb in batches_of.get(v, ()):
                    specs[(v, pb.batch.batch_id)] = posters.publicity(pb)
        jobs: list[tuple[str, list[tuple[str, str]], str, str]] = []  # (path, spec keys, size, title)
        for size in sel.sizes:
            for (village, kind), spec in specs.items():
                jobs.append((urls.poster_file(village, kind, size), [(village, kind)], size, spec.title))
            for township in (group if sel.bundles else ()):
                name = ds.regions[township].name if township in ds.regions else township
                jobs.append((urls.township_bundle(township, size),
                             [k for v in townships[township] for k in _keys(v, batches_of)],
                             size, f"{name}公示栏海报合订本（{size}）"))
        todo = []
        for job in jobs:  # posters whose inputs did not change since the last build are not drawn again
            path, keys, size, title = job
            key = input_key(path, keys, size, title, author, [posters.keys[k] for k in keys])
            if ctx.writer.reuse(prefix + path, key):
                sizes_kb[path] = _kb_of(ctx.writer.tmp / (prefix + path))
            else:
                todo.append(job)
                ctx.writer.note_key(prefix + path, key)
        for path, data in render_all(specs, todo, author, workers):
            ctx.writer.write_bytes(prefix + path, data)
            sizes_kb[path] = _kb(data)
        codes.update((k, spec.meta.check_code) for k, spec in specs.items())
        made += len(specs) * len(sel.sizes)
        posters.forget()
    _write_index(ctx, codes, sel, townships, batches_of, sizes_kb, prefix)
    return made


#: Villages whose poster specs are held at once (whole townships; the last group may be smaller).
GROUP_VILLAGES = 2_000


def _groups(townships: dict[str, list[str]]):
    group: list[str] = []
    size = 0
    for township, villages in townships.items():
        group.append(township)
        size += len(villages)
        if size >= GROUP_VILLAGES:
            yield group
            group, size = [], 0
    if group:
        yield group


def _render_jobs(shared: tuple, batch) -> list[tuple[str, bytes]]:
    specs, author, templates = shared
    return [(path, render_pdf([specs[k] for k in keys], size, title=title, author=author, templates=templates))
            for path, keys, size, title in batch]


def _batches(specs, jobs) -> list[list]:
    """The jobs in batches for one worker each: single posters of one template together (it is laid
    out once, by the worker that draws them all), any other job alone; in order of first job."""
    batches: list[list] = []
    by_template: dict[tuple, list] = {}
    for job in jobs:
        _, keys, size, _ = job
        key = specs[keys[0]].template_key if len(keys) == 1 else None
        if key is None:
            batches.append([job])
        elif (key, size) in by_template:
            by_template[(key, size)].append(job)
        else:
            batches.append(by_template.setdefault((key, size), [job]))
    return batches


def render_all(specs, jobs, author: str, workers: int | None):
    """Render jobs in `workers` forked processes (default: one per CPU), in order of `_batches`.

    Each PDF depends only on its own specs, so the output is the same whatever the number of
    processes and the order; forking shares the dataset without pickling it.
    """
    # the font is loaded once in the parent; the children inherit it
    for done in fork_map(_render_jobs, _batches(specs, jobs), (specs, author, Templates()), workers,
                         chunksize=1, before_fork=poster_font):
        yield from done


def _keys(village: str, batches_of) -> list[tuple[str, str]]:
    return [(village, "zhengce")] + [(village, pb.batch.batch_id) for pb in batches_of.get(village, ())]


def _kb(data: bytes) -> int:
    return max(1, round(len(data) / 1024))


def _kb_of(path) -> int:
    return max(1, round(os.path.getsize(path) / 1024))


# ------------------------------------------------------------------ index pages


def _page(ctx, page: str, title: str, body: str, batches=None) -> str:
    """An index page; its data version is that of the batches it lists (None: every batch)."""
    version = ctx.version_of(everything=True) if batches is None else ctx.version_of(sorted(batches))
    css = urls.relative(page, site_files.asset("yikatong.css"))
    icon = urls.relative(page, urls.ICON)
    site = escape(ctx.dataset.site.name) if ctx.dataset.site else ""
    return (
        "<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">\n"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
        f"<title>{escape(title)} - {site}</title>\n<link rel=\"stylesheet\" href=\"{css}\">\n"
        f"<link rel=\"icon\" href=\"{icon}\">\n</head>\n<body>\n"
        f"<main id=\"main\">\n<p><a href=\"{urls.relative(page, urls.home())}\">返回首页</a></p>\n"
        f"<h1>{escape(title)}</h1>\n{body}"
        f"<p>数据版本 {escape(version.label)}</p>\n</main>\n</body>\n</html>\n"
    )


def _links(page: str, paths: dict[str, str], sizes_kb: dict[str, int], label: str) -> str:
    return "　".join(
        f"<a href=\"{urls.relative(page, path)}\" download>{escape(label)} {size}"
        f"<span class=\"meta\">（PDF，{sizes_kb[path]} KB）</span></a>"
        for size, path in paths.items()
    )


def _write_index(ctx, codes, sel, townships, batches_of, sizes_kb, prefix: str) -> None:
    ds = ctx.dataset
    top = urls.poster_index()
    intro = (
        "<p>这里可以下载各村（社区）公示栏用的海报，直接打印即可（黑白打印就行）。"
        "每张海报都印有二维码、网址和核对码；网上对应页面显示相同的核对码，说明纸上和网上内容一致。</p>\n"
        "<p>“政策清单”列出本村可以享受的补贴和有事找谁；“发放名单公示”是某一批补贴在本村的发放名单"
        + (f"，这里只列出公示期还没结束或结束不到 {sel.recent_days} 天的批次，更早的名单请看各村（社区）页面。</p>\n"
           if sel.recent_days is not None else "。</p>\n")
    )
    by_county: dict[str, list[str]] = defaultdict(list)
    for t in townships:
        by_county[region_parent_code(t)].append(t)
    parts = [intro]
    for county in sorted(by_county):
        parts.append(f"<h2>{escape(_name(ds, county))}</h2>\n<ul>\n")
        for t in sorted(by_county[county]):
            bundle = {size: urls.township_bundle(t, size) for size in sel.sizes} if sel.bundles else {}
            parts.append(f"<li><a href=\"{urls.relative(top, urls.poster_township_index(t))}\">{escape(_name(ds, t))}</a>"
                         f"（{len(townships[t])} 个村、社区）　{_links(top, bundle, sizes_kb, '合订本')}</li>\n")
        parts.append("</ul>\n")
    ctx.writer.write_text(prefix + top + "index.html", _page(ctx, top, "公示栏海报下载", "".join(parts)))

    for t, villages in townships.items():
        page = urls.poster_township_index(t)
        bundle = {size: urls.township_bundle(t, size) for size in sel.sizes} if sel.bundles else {}
        rows = []
        for v in villages:
            policy = {size: urls.poster_file(v, "zhengce", size) for size in sel.sizes}
            items = [f"<li>政策清单　{_links(page, policy, sizes_kb, '')}　核对码 "
                     f"<span class=\"code\">{escape(codes[(v, 'zhengce')])}</span></li>"]
            for pb in batches_of.get(v, ()):
                b = pb.batch
                policy_row = ds.policy_for(b.programme, b.year)
                files = {size: urls.poster_file(v, b.batch_id, size) for size in sel.sizes}
                items.append(f"<li>发放名单公示：{escape(policy_row.name if policy_row else b.programme)}"
                             f" {escape(period_label(b.period))}　{_links(page, files, sizes_kb, '')}"
                             f"　核对码 <span class=\"code\">{escape(codes[(v, b.batch_id)])}</span></li>")
            rows.append(f"<h2 id=\"v{v}\"><a href=\"{urls.relative(page, urls.region_page(v))}\">"
                        f"{escape(_name(ds, v))}</a></h2>\n<ul>\n" + "\n".join(items) + "\n</ul>\n")
        body = ((f"<p>{_links(page, bundle, sizes_kb, '全乡镇合订本')}（本页全部海报合在一个文件里，方便到打印店打印）</p>\n"
                 if bundle else "") + f"<p><a href=\"{urls.relative(page, top)}\">其他乡镇</a></p>\n" + "".join(rows))
        listed = {pb.batch.batch_id for v in villages for pb in batches_of.get(v, ())}
        ctx.writer.write_text(prefix + page + "index.html", _page(ctx, page, f"{_name(ds, t)} 公示栏海报", body, listed))


def _name(ds, code: str) -> str:
    r = ds.regions.get(code)
    return r.name if r else code

