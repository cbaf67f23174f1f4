"""generator/site/pelican_generator.py: pelican imported only to render, what it changes given back,
and pelican's own generators (running beside DisclosureGenerator) switched off."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from pathlib import Path

from generator.context import BuildContext
from generator.load import load
from generator.public import public_view
from generator.site.common import SiteData
from generator.site.pelican_half import Disclosure, keeping_logger_class
from huinong_core.version import CST, DataVersion
from tests.helpers import REPO

TODAY = dt.date(2024, 6, 21)

IN_A_FRESH_PROCESS = """
import logging, sys
from pathlib import Path
import generator.cli, generator.site
assert "pelican" not in sys.modules, "importing the CLI or the site imported pelican"
assert logging.getLoggerClass() is logging.Logger
from generator.pipeline import build
build(Path(sys.argv[1]), Path(sys.argv[2]), posters=False)
assert "pelican" in sys.modules
print(logging.getLoggerClass().__name__, type(logging.getLogger()).__name__)
"""


def test_pelican_only_while_rendering_and_the_logger_class_given_back(tiny: Path, tmp_path: Path):
    done = subprocess.run([sys.executable, "-c", IN_A_FRESH_PROCESS, str(tiny), str(tmp_path / "public")],
                          cwd=REPO, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.split() == ["Logger", "RootLogger"]


def test_pelicans_own_generators_write_nothing(tiny: Path, tmp_path: Path):
    """Without the build in its settings, the Pelican run is pelican's own generators alone: the
    outputs they would write even with no articles are off (only DisclosureGenerator turns them on)."""
    ds = load(tiny).dataset
    version = DataVersion("0123456789ab", dt.datetime(2024, 6, 21, tzinfo=CST))
    sd = SiteData(BuildContext(tiny, ds, public_view(ds, TODAY), TODAY, version, None))
    content, out = tmp_path / "content", tmp_path / "out"
    content.mkdir()
    out.mkdir()
    with keeping_logger_class():
        from generator.site.pelican_generator import run_pelican, settings_for

        settings = settings_for(sd, Disclosure(sd), content, out)
        del settings["YK_DISCLOSURE"]
        run_pelican(settings)
    assert sorted(out.rglob("*")) == []
