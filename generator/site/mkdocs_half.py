"""Run mkdocs-material over the generated policy-half sources."""

from __future__ import annotations

import contextlib
import copy
import logging
import shutil
from pathlib import Path

from generator.site.common import SITE_SRC, SiteData, yk_context
from huinong_core import site_files
from huinong_core.site_files import MKDOCS_YML
from generator.site.policy_docs import write_docs
from huinong_core import urls
from huinong_core.errors import HuinongError
from generator.writer import input_key


class SiteBuildError(HuinongError):
    pass


class _Collect(logging.Handler):
    def __init__(self):
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record):
        self.messages.append(record.getMessage())


def notice_map(sd: SiteData) -> dict:
    """Which notices each policy-half page shows: by page URL, else the whole-site ones."""
    from huinong_core.notices import ANY

    board = sd.ctx.notices
    by_url = {urls.home(): board.everything()}
    for code in sd.programmes:
        by_url[urls.policy_page(code)] = board.for_page(ANY, (code,))
    for d in sd.ds.documents:
        by_url[urls.document_page(d.slug)] = board.for_page(ANY, d.programmes)
    for p in sd.ds.procedures:
        by_url[urls.procedure_page(p.slug)] = board.for_page(ANY, p.programmes)
    return {"notices_by_url": by_url, "notices_site": board.site_wide()}


def version_map(sd: SiteData) -> dict:
    """Each page's data version: most pages are made of the base files and the notices only, so a new
    payment batch leaves them byte-identical; the home page and 统计 count batches (the build's
    newest version, ``yk.version``), a programme's page says whether it has published batches."""
    ctx = sd.ctx
    notices = [n.slug for n in ctx.dataset.notices]
    by_programme: dict[str, list[str]] = {}
    for pb in ctx.view.batches:
        by_programme.setdefault(pb.batch.programme, []).append(pb.batch.batch_id)
    newest = ctx.version_of(everything=True).label
    by_url = {urls.home(): newest, urls.stats(): newest}
    for code in sd.programmes:
        by_url[urls.policy_page(code)] = ctx.version_of(sorted(set(by_programme.get(code, ()))), notices).label
    return {"versions_by_url": by_url, "version_policy": ctx.version_of((), notices).label}


@contextlib.contextmanager
def kept_words(cache):
    """Material's search cuts every run of Chinese of every page into words with jieba, on every
    build (loading jieba's dictionary first: half a second; the cutting, a second for the sample):
    the words of each run are kept by the batch cache, under its context (our code and jieba's
    version).  jieba.cut is replaced while the policy half renders, in its own process (site.render)."""
    import jieba

    if cache is None:
        yield
        return
    kind, cut = f"search-words-{cache.context[:16]}", jieba.cut

    def kept(sentence, *args, **kwargs):
        if args or kwargs:
            return cut(sentence, *args, **kwargs)
        text = sentence.decode("utf-8") if isinstance(sentence, bytes) else sentence
        words = cache.recall(kind, text)
        if words is None:
            words = list(cut(sentence))
            cache.keep(kind, text, words)
        return iter(words)

    jieba.cut = kept
    try:
        yield
    finally:
        jieba.cut = cut


@contextlib.contextmanager
def kept_entries(cache):
    """Material's search parses every page's HTML into its index entries (half of the policy half's
    time when a new batch changes three of its 134 pages): the entries of a page are kept by the
    batch cache under what they are made of (its URL, title, meta, HTML and table of contents)."""
    from material.plugins.search.plugin import SearchIndex

    if cache is None:
        yield
        return
    kind, add = f"search-entries-{cache.context[:16]}", SearchIndex.add_entry_from_context

    def toc(items) -> list:
        return [(item.id, item.url, item.title, toc(item.children)) for item in items]

    def kept(index, page):
        key = input_key(page.url, page.title, sorted(page.meta.items()), page.content, toc(page.toc))
        entries = cache.recall(kind, key)
        if entries is None:
            before = len(index.entries)
            add(index, page)
            entries = index.entries[before:]
            cache.keep(kind, key, copy.deepcopy(entries))
        else:
            index.entries.extend(copy.deepcopy(entries))

    SearchIndex.add_entry_from_context = kept
    try:
        yield
    finally:
        SearchIndex.add_entry_from_context = add


def build_policy_half(sd: SiteData, work: Path) -> Path:
    """Sources into work/docs, HTML into work/mkdocs; returns the HTML dir."""
    from mkdocs.commands.build import build
    from mkdocs.config import load_config

    docs, out = work / "docs", work / "mkdocs"
    shutil.copytree(SITE_SRC / "docs", docs)
    for name, path in site_files.assets().items():  # published under the names the pages link
        (docs / "assets" / name).rename(docs / path)
    nav = write_docs(sd, docs)
    yk = {**yk_context(sd.ctx), **notice_map(sd), **version_map(sd)}
    cfg = load_config(
        config_file=str(MKDOCS_YML), docs_dir=str(docs), site_dir=str(out),
        site_name=yk["site_name"], site_url=sd.ctx.site_url.rstrip("/") + "/", nav=nav,
        extra={"generator": False, "yk": yk},
    )
    import jieba  # material's search segments Chinese with jieba; keep its loading chatter out of the build log

    jieba.setLogLevel(logging.WARNING)
    handler = _Collect()
    log = logging.getLogger("mkdocs")
    log.addHandler(handler)
    try:
        with kept_words(sd.ctx.cache), kept_entries(sd.ctx.cache):
            build(cfg)
    finally:
        log.removeHandler(handler)
    for theirs in ("assets/javascripts", "assets/stylesheets"):  # material's bundles: no page links them (yk_base.html)
        shutil.rmtree(out / theirs, ignore_errors=True)
    problems = [m for m in handler.messages if "unrecognized relative link" not in m]
    if problems:
        raise SiteBuildError("mkdocs 构建警告：\n" + "\n".join(problems[:50]))
    return out
