"""The sample built once per test session, served on loopback, and a headless Chromium."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest

from tests.conftest import REPO
from tests.site.browser import browser, serve_dir

# 2026-10-20: some sample batches are inside their 公示期 on this day.
BUILD_EPOCH = str(int(dt.datetime(2026, 10, 20, 9, tzinfo=dt.timezone.utc).timestamp()))
BUILD_DAY = dt.date(2026, 10, 20)


@pytest.fixture(scope="session")
def built(tmp_path_factory) -> Path:
    """public/ of the committed sample: site/ (web root) and lookup.sqlite."""
    from generator.pipeline import build

    reuse = os.environ.get("HUINONG_TEST_BUILT")  # developers: reuse a build made with BUILD_EPOCH
    if reuse:
        return Path(reuse)
    out = tmp_path_factory.mktemp("build") / "public"
    old = os.environ.get("SOURCE_DATE_EPOCH")
    os.environ["SOURCE_DATE_EPOCH"] = BUILD_EPOCH
    try:
        build(REPO / "data", out)
    finally:
        if old is None:
            os.environ.pop("SOURCE_DATE_EPOCH", None)
        else:
            os.environ["SOURCE_DATE_EPOCH"] = old
    return out


@pytest.fixture(scope="session")
def site(built: Path) -> Path:
    return built / "site"


@pytest.fixture(scope="session")
def dataset():
    from generator.validate import check

    ds, problems = check(REPO / "data")
    assert not problems
    return ds


@pytest.fixture(scope="session")
def view(dataset):
    from generator.public import public_view

    return public_view(dataset, BUILD_DAY)


@pytest.fixture(scope="session")
def base_url(site: Path):
    with serve_dir(site) as url:
        yield url


@pytest.fixture(scope="session")
def chromium():
    with browser() as b:
        yield b


@pytest.fixture
def page_nojs(chromium):
    ctx = chromium.new_context(java_script_enabled=False, viewport={"width": 1280, "height": 900})
    yield ctx.new_page()
    ctx.close()


@pytest.fixture
def page_js(chromium):
    ctx = chromium.new_context(java_script_enabled=True, viewport={"width": 1280, "height": 900})
    yield ctx.new_page()
    ctx.close()


@pytest.fixture
def phone(chromium):
    ctx = chromium.new_context(java_script_enabled=False, viewport={"width": 360, "height": 740})
    yield ctx.new_page()
    ctx.close()
