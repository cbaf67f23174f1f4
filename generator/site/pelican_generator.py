"""The pelican side of the disclosure half: DisclosureGenerator, its plugin hooks, the settings
of its Pelican run, and the run.

Imported only inside pelican_half.keeping_logger_class: importing pelican changes the process's
logger class.  DisclosureGenerator leans on pelican internals (get_files, get_cached_data, the
outputs of pelican's own ArticlesGenerator switched off in settings): pyproject.toml pins pelican's
major version, and tests/site/test_pelican_generator.py checks that pelican's own generators write
nothing.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import html
import io
import locale
import logging
import sys
from pathlib import Path

from pelican import Pelican, signals
from pelican.contents import Article
from pelican.generators import ArticlesGenerator
from pelican.settings import read_settings
from pelican.urlwrappers import Category, Tag

from generator.site.common import SITE_SRC, SiteData, batch_title, period_label, yk_context
from generator.writer import input_key
from huinong_core import urls
from huinong_core.regions import prefix
from huinong_core.version import CST

# Pelican's own ArticlesGenerator runs too, beside DisclosureGenerator, with no files to read.  Its
# outputs that it writes even without articles (the listings, the all-articles feed) are off in the
# settings given to pelican and on only in DisclosureGenerator's.
OUTPUTS = {"DIRECT_TEMPLATES": ["index", "tags", "categories", "archives"], "FEED_ALL_ATOM": "feeds/all.atom.xml"}


class Later:
    """HTML a template makes when a page that shows it is rendered (str() in the template), once."""

    __slots__ = ("_make", "_html")

    def __init__(self, make):
        self._make, self._html = make, None

    def __str__(self) -> str:
        if self._html is None:
            self._html = self._make()
        return self._html

    __html__ = __str__


class DisclosureGenerator(ArticlesGenerator):
    """The disclosure half as a pelican generator: the batches as articles (pelican lists them and
    makes their feeds), then the region tree (generate_output).

    The build comes in the settings of its own Pelican run (YK_DISCLOSURE, see settings_for), which
    pelican hands every generator it makes: no registry of builds to look one up in."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.build = self.settings["YK_DISCLOSURE"]  # a pelican_half.Disclosure (not imported: it imports this)
        self.settings = {**self.settings, **OUTPUTS}
        self.context.update(OUTPUTS)  # the templates link the all-articles feed
        self._made: dict[str, Article] = {}

    def generate_context(self) -> None:
        self._made = {a.source_path: a for a in self._articles()}
        super().generate_context()

    # Pelican reads each article from a file (get_files) unless its cache has it (get_cached_data):
    # these are made from the build instead, and answered as from that cache.
    def get_files(self, paths, exclude=None, extensions=None) -> set[str]:
        return set(self._made)

    def get_cached_data(self, filename, default=None):
        return self._made.get(filename, default)

    def _articles(self) -> list[Article]:
        build, settings = self.build, self.settings
        facts, villages = self.get_template("_batch_facts"), self.get_template("_batch_villages")
        categories: dict[str, Category] = {}
        tags: dict[str, Tag] = {}
        articles = []
        for batch_id in sorted(build.by_batch):
            b = build.by_batch[batch_id][0].batch
            county = build.ds.regions[b.region]
            if county.code not in categories:
                categories[county.code] = Category(county.name, settings)
                categories[county.code].slug = prefix(county.code, "县")
            policy = build.ds.policy_for(b.programme, b.year)
            if b.programme not in tags:
                tags[b.programme] = Tag(build.sd.current(b.programme).name if b.programme in build.sd.programmes
                                        else b.programme, settings)
                tags[b.programme].slug = b.programme.lower()
            variables, summary = build.article(batch_id)
            path = urls.batch_page(batch_id)
            article = Article(facts.render(variables), metadata={
                "title": batch_title(build.ds, b), "date": dt.datetime.combine(b.publicity_start, dt.time(8), CST),
                "category": categories[county.code], "tags": [tags[b.programme]], "slug": batch_id,
                "summary": summary, "save_as": path + "index.html", "url": path,
                "batch_label": f"{policy.name if policy else b.programme}{period_label(b.period)}",
            }, settings=settings, source_path=f"virtual/{batch_id}.html", context=self.context)
            article.yk_order = (article.date, batch_id)  # ARTICLE_ORDER_BY: newest first, then by batch
            article.running = build.running(b)
            article.yk_notices = build.ctx.notices.for_page(b.region, (b.programme,))
            article.yk_version = build.ctx.version_of((batch_id,), [n.slug for n in article.yk_notices]).label
            # On the page only (article.html), not in the feeds: rendered when the page is written, and
            # the page's key has its rows (a new batch writes one page of a province's 1,296).
            article.village_table = Later(functools.partial(villages.render, variables))
            article.village_rows = input_key("villages", variables["rows"])
            articles.append(article)
        return articles

    def generate_articles(self, write) -> None:
        """Pelican writes every batch's page; one made of the same as in the last build is taken from
        it instead (a new batch changes one page of a county's hundreds)."""
        build = self.build

        def write_changed(name, template, context, article, **kwargs) -> None:
            if build.fresh(self, name, "article", article.title, str(article.category), article.category.url,
                            article.batch_label, article._content, article.village_rows, article.yk_notices,
                            article.yk_version):
                write(name, template, context, article=article, **kwargs)

        super().generate_articles(write_changed)

    def generate_output(self, writer) -> None:
        self.build.ctx.timed("  site: pelican context")
        super().generate_output(writer)
        self.build.ctx.timed("  site: pelican lists")
        self.build.write_regions(self, writer)


def _generators(pelican):
    """get_generators: the disclosure half for a Pelican run that carries a build (settings_for)."""
    return DisclosureGenerator if "YK_DISCLOSURE" in pelican.settings else None


def _feed_generated(context, feed) -> None:
    """Notices in force go at the top of the feeds in their scope (all, a county's, a programme's)."""
    board = context.get("YK_NOTICES") if isinstance(context, dict) else None
    if board is None or not board.active:
        return
    name = str(feed.feed.get("feed_url") or "").rsplit("/", 1)[-1]
    if name.startswith("xian-"):
        shown = board.for_county_slug(name[len("xian-"):].split(".")[0])
    elif name.startswith("xiangmu-"):
        shown = board.for_programme_slug(name[len("xiangmu-"):].split(".")[0])
    else:
        shown = board.everything()
    site_url = str(context.get("SITEURL", "")).rstrip("/")
    domain = site_url.split("://", 1)[-1].split("/", 1)[0] or "localhost"
    for n in reversed(shown):
        feed.add_item(
            title=f"【{n.level}】{n.title}", link=f"{site_url}/#tongzhi-{n.slug}",
            unique_id=f"tag:{domain},{n.start.date().isoformat()}:/tongzhi/{n.slug}",
            description=f"有效期：{n.period}；适用：{n.scope}", content=n.html,
            pubdate=n.start, updateddate=n.start, categories=["通知"],
        )
        feed.items.insert(0, feed.items.pop())


def register() -> None:
    """Pelican's entry to this plugin (PLUGINS, in settings_for); a receiver is connected once, however
    often pelican runs this."""
    signals.get_generators.connect(_generators)
    signals.feed_generated.connect(_feed_generated)


def settings_for(sd: SiteData, build, content: Path, out: Path) -> dict:
    """The settings of the Pelican run that renders ``build`` (a pelican_half.Disclosure)."""
    yk = yk_context(sd.ctx)
    site_url = sd.ctx.site_url.rstrip("/")
    publish_years = sd.ds.site.publish_years if sd.ds.site else 3
    return {
        "PATH": str(content), "OUTPUT_PATH": str(out), "THEME": str(SITE_SRC / "pelican"),
        "THEME_TEMPLATES_OVERRIDES": [str(SITE_SRC / "overrides")], "THEME_STATIC_PATHS": [],
        "STATIC_PATHS": [], "PAGE_PATHS": [], "ARTICLE_PATHS": [""], "PLUGINS": [sys.modules[__name__]],
        # SITEURL is absolute for the feeds; every page gets a relative one (RELATIVE_URLS).
        "SITENAME": yk["site_name"], "SITEURL": site_url, "RELATIVE_URLS": True, "FEED_DOMAIN": site_url,
        "TIMEZONE": "Asia/Shanghai", "DEFAULT_LANG": "zh", "LOCALE": ("C",), "DEFAULT_DATE_FORMAT": "%Y-%m-%d",
        "YK": yk, "YK_DISCLOSURE": build, "YK_NOTICES": sd.ctx.notices, "YK_PUBLISH_YEARS": publish_years,
        "DEFAULT_PAGINATION": 50, "PAGINATED_TEMPLATES": {"index": None, "category": None, "tag": None},
        "PAGINATION_PATTERNS": [(1, "{url}", "{save_as}"), (2, "{base_name}/{number}/", "{base_name}/{number}/index.html")],
        "INDEX_SAVE_AS": "gongshi/index.html", "INDEX_URL": "gongshi/",
        "ARTICLE_URL": "gongshi/{slug}/", "ARTICLE_SAVE_AS": "gongshi/{slug}/index.html",
        "CATEGORY_URL": "gongshi/xian/{slug}/", "CATEGORY_SAVE_AS": "gongshi/xian/{slug}/index.html",
        "CATEGORIES_SAVE_AS": "gongshi/xian/index.html", "CATEGORIES_URL": "gongshi/xian/",
        "TAG_URL": "gongshi/xiangmu/{slug}/", "TAG_SAVE_AS": "gongshi/xiangmu/{slug}/index.html",
        "TAGS_SAVE_AS": "gongshi/xiangmu/index.html", "TAGS_URL": "gongshi/xiangmu/",
        "ARCHIVES_SAVE_AS": "gongshi/guidang/index.html", "ARCHIVES_URL": "gongshi/guidang/",
        "YEAR_ARCHIVE_SAVE_AS": "gongshi/{date:%Y}/index.html", "YEAR_ARCHIVE_URL": "gongshi/{date:%Y}/",
        "MONTH_ARCHIVE_SAVE_AS": "", "DAY_ARCHIVE_SAVE_AS": "",
        "AUTHOR_SAVE_AS": "", "AUTHORS_SAVE_AS": "", "DRAFT_SAVE_AS": "", "DRAFT_PAGE_SAVE_AS": "",
        "PAGE_SAVE_AS": "", "ARTICLE_LANG_SAVE_AS": "", "PAGE_LANG_SAVE_AS": "",
        "DIRECT_TEMPLATES": [], "FEED_ALL_ATOM": None,  # OUTPUTS: on in DisclosureGenerator only
        "ARTICLE_ORDER_BY": "reversed-yk_order",
        "CATEGORY_FEED_ATOM": "feeds/xian-{slug}.atom.xml",
        "TAG_FEED_ATOM": "feeds/xiangmu-{slug}.atom.xml", "FEED_ALL_RSS": None, "CATEGORY_FEED_RSS": None,
        "TRANSLATION_FEED_ATOM": None, "AUTHOR_FEED_ATOM": None, "AUTHOR_FEED_RSS": None,
        "FEED_MAX_ITEMS": 100, "RSS_FEED_SUMMARY_ONLY": True,
        # A template is read once per run: jinja's default checks its file's mtime on every page that
        # extends or includes it (40,000 region pages).  pelican adds its defaults (trim_blocks…).
        "JINJA_ENVIRONMENT": {"auto_reload": False},
        "CACHE_CONTENT": False, "LOAD_CONTENT_CACHE": False, "DELETE_OUTPUT_DIRECTORY": False, "LOG_FILTER": [],
        "JINJA_FILTERS": {"yk_escape": html.escape, "yk_version": lambda articles: sd.ctx.version_of(
            sorted(a.slug for a in articles), [n.slug for n in sd.ctx.dataset.notices]).label},
        "SLUGIFY_SOURCE": "basename", "MENUITEMS": [], "DISPLAY_PAGES_ON_MENU": False,
        "DISPLAY_CATEGORIES_ON_MENU": False, "OUTPUT_SOURCES": False,
    }


def run_pelican(settings: dict) -> None:
    log = logging.getLogger("pelican")
    level = log.level
    saved_locale = locale.setlocale(locale.LC_ALL)  # pelican sets LOCALE process-wide; give it back after
    log.setLevel(logging.ERROR)  # pelican's progress chatter is not for staff; errors still show
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            Pelican(read_settings(override=settings)).run()
    finally:
        locale.setlocale(locale.LC_ALL, saved_locale)
        log.setLevel(level)
