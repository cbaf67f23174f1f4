"""generator/site/pelican_half.py: region pages made and rendered a part at a time (REGION_CHUNK)
give the pages of one pass, in a full build and in an incremental one."""

from __future__ import annotations

from pathlib import Path

import generator.parallel as parallel
import generator.site.pelican_half as pelican_half
from generator.pipeline import build
from tests.builds import EPOCH, add_batch, assert_same_build, build_dir, same_tree
from tests.gitrepo import init_repo


def test_region_pages_made_in_parts_equal_one_pass(tiny: Path, tmp_path: Path, demo_env, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    repo = init_repo(tmp_path / "repo", tiny)
    one = build(repo / "data", tmp_path / "one", posters=False)
    # Parts of two regions, each rendered by two forked workers: the tiny data makes several parts.
    monkeypatch.setattr(pelican_half, "REGION_CHUNK", 2)
    monkeypatch.setattr(parallel, "MIN_JOBS", 1)
    monkeypatch.setattr(parallel.os, "cpu_count", lambda: 2)
    parts = build(repo / "data", tmp_path / "parts", posters=False, full=True)
    assert same_tree(build_dir(tmp_path / "one"), build_dir(tmp_path / "parts")) == []
    assert parts.pages == one.pages
    assert len(list((build_dir(tmp_path / "parts") / "site/diqu").glob("*/index.html"))) > 3 * 2  # parts

    # An incremental build in parts decides page by page as one pass does: it equals a full build.
    add_batch(repo)
    build(repo / "data", tmp_path / "parts", posters=False)
    monkeypatch.setattr(pelican_half, "REGION_CHUNK", 5_000)
    build(repo / "data", tmp_path / "full", posters=False, full=True)
    assert_same_build(build_dir(tmp_path / "parts"), build_dir(tmp_path / "full"))
