"""Where the site's sources are: site_src/ (the pelican theme, the partials the service shares, the
policy half's pages) and mkdocs.yml.

In the repository both stay at its top level.  A wheel carries them as package data of this
package (huinong_core/_site/, copied there by setup.py), found through importlib.resources: an
installed generator builds, and the service finds its partials, from any directory.  Run from a
checkout (an editable install, or PYTHONPATH) the package has no _site/: they are the checkout's.
An install with neither (a broken one) has none: the build stops (``require_site_sources``), the
lookup service uses its plain partials.

Also the web names of the site's own stylesheets and scripts (``assets``): content-hashed, so
that they can be cached for a year; the build publishes them under these names and every page,
the service's too, links them by them.
"""

from __future__ import annotations

import functools
import hashlib
from importlib.resources import files
from pathlib import Path

from huinong_core.errors import HuinongError


class SiteSourcesMissing(HuinongError):
    """Neither the wheel's copy of the site sources nor a checkout's is there."""


def _root() -> Path:
    packaged = files(__package__) / "_site"
    if isinstance(packaged, Path) and packaged.is_dir():  # an installed wheel is unpacked: real files
        return packaged
    checkout = Path(__file__).resolve().parents[1]
    # Not the directory the package is installed in (site-packages) when it is no checkout: where
    # a wheel keeps them, missing, so that what needs them says so.
    return checkout if (checkout / "site_src").is_dir() else Path(__file__).resolve().parent / "_site"


ROOT = _root()
SITE_SRC = ROOT / "site_src"
MKDOCS_YML = ROOT / "mkdocs.yml"


def require_site_sources() -> None:
    """SiteSourcesMissing unless both are there: the build renders the site from them."""
    missing = [str(p) for p in (SITE_SRC, MKDOCS_YML) if not p.exists()]
    if missing:
        raise SiteSourcesMissing(f"找不到网站源文件：{'、'.join(missing)}。安装不完整，请重新安装，或在代码仓库中运行。")


#: The site's own stylesheets and scripts (site_src/docs/assets/*.css, *.js).
ASSETS = SITE_SRC / "docs" / "assets"


def _hashed(name: str) -> str:
    path = ASSETS / name
    if not path.is_file():  # a broken install: the plain name, which 404s as the missing file would
        return f"assets/{name}"
    stem, ext = name.rsplit(".", 1)
    return f"assets/{stem}.{hashlib.sha256(path.read_bytes()).hexdigest()[:8]}.{ext}"


@functools.cache
def assets() -> dict[str, str]:
    """Each of the site's own stylesheets and scripts by its logical name ("yikatong.css") → the
    web path it is published under, named by its content ("assets/yikatong.1a2b3c4d.css").

    The one map: the build publishes the files under these names and both halves link them, and
    so do the lookup service's pages (from the same install's site_src/); deploy/nginx.conf
    caches such names for a year (``immutable``): a changed file is a new name, so no page ever
    gets a stale stylesheet or script, and an unchanged one is never asked for again."""
    names = sorted(p.name for p in ASSETS.glob("*") if p.suffix in (".css", ".js")) if ASSETS.is_dir() else []
    return {name: _hashed(name) for name in names}


def asset(name: str) -> str:
    """The web path of one of them (see ``assets``); the plain path when the install lacks it."""
    return assets().get(name) or _hashed(name)
