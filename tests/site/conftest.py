"""The sample built once per test session, served on loopback, and a headless Chromium."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from huinong_core import urls
from tests.helpers import SAMPLE
from tests.site.browser import browser, serve_dir
from tests.site.sample import BUILD_DAY, BUILD_EPOCH, MR_BATCH


@pytest.fixture(scope="session")
def pipeline_run(tmp_path_factory):
    """The sample published the way staff publish it: a git repository whose last commit adds one
    batch, and `scripts/pipeline.sh mr` (check, build, privacy scan of the output, change report),
    the commands both CI templates run.  Returns (repo, completed process)."""
    import shutil

    from tests.gitrepo import commit, copy_tooling, init_repo, pipeline

    repo = init_repo(tmp_path_factory.mktemp("sample") / "repo")
    shutil.copytree(SAMPLE, repo / "data", ignore=shutil.ignore_patterns("raw", "private"))
    copy_tooling(repo)
    held = tmp_path_factory.mktemp("held") / "batch"
    shutil.move(repo / "data/payments" / MR_BATCH, held)
    base = commit(repo, "示例数据")
    shutil.move(held, repo / "data/payments" / MR_BATCH)
    commit(repo, "导入 宝丰县 NY001 2026")
    done = pipeline(repo, "mr", DIFF_BASE=base, SOURCE_DATE_EPOCH=BUILD_EPOCH)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return repo, done


@pytest.fixture(scope="session")
def built(request, tmp_path_factory) -> Path:
    """public/ of the committed sample: site/ (web root) and lookup.sqlite."""
    reuse = os.environ.get("HUINONG_TEST_BUILT")  # developers: reuse a build made with BUILD_EPOCH
    if reuse:
        return Path(reuse)
    repo, _done = request.getfixturevalue("pipeline_run")
    return repo / "public"


@pytest.fixture(scope="session")
def site(built: Path) -> Path:
    return built / "site"


@pytest.fixture(scope="session")
def view(sample_dataset):
    from generator.public import public_view

    return public_view(sample_dataset, BUILD_DAY)


@pytest.fixture(scope="session")
def pages(view, sample_dataset) -> dict[str, str]:
    """One page of each kind, both halves (the shell and axe-core tests look at each)."""
    pb = view.batches[0]
    village = sample_dataset.regions[pb.village]
    township = sample_dataset.regions[village.parent]
    county = sample_dataset.regions[township.parent]
    doc = sorted(sample_dataset.documents, key=lambda d: d.slug)[0]
    return {
        "home": "", "policy list": "zhengce/", "policy": "zhengce/ny001/", "document": f"wenjian/{doc.slug}/",
        "services": "wangdian/", "stats": "tongji/", "lookup": "chaxun/", "search": "sousuo/",
        "disclosures": "gongshi/", "batch": f"gongshi/{pb.batch.batch_id}/", "city": "diqu/",
        "county": f"diqu/{county.code}/", "township": f"diqu/{township.code}/", "village": f"diqu/{pb.village}/",
        "village batch": urls.village_batch(pb.village, pb.batch.batch_id), "posters": "haibao/",
    }


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
