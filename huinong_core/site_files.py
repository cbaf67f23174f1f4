"""Where the site's sources are: site_src/ (the pelican theme, the partials the service shares, the
policy half's pages) and mkdocs.yml.

In the repository both stay at its top level.  A wheel carries them as package data of this
package (huinong_core/_site/, copied there by setup.py), found through importlib.resources: an
installed generator builds, and the service finds its partials, from any directory.  Run from a
checkout (an editable install, or PYTHONPATH) the package has no _site/: they are the checkout's.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path


def _root() -> Path:
    packaged = files(__package__) / "_site"
    if isinstance(packaged, Path) and packaged.is_dir():  # an installed wheel is unpacked: real files
        return packaged
    return Path(__file__).resolve().parents[1]


ROOT = _root()
SITE_SRC = ROOT / "site_src"
MKDOCS_YML = ROOT / "mkdocs.yml"
