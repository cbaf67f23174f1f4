"""scripts/pipeline.sh, the commands both CI templates run, on a test repository.

The tiny dataset stands in for the sample: the commands are the same and a build of it takes
seconds, where the full sample's takes minutes (the whole test: four tiny builds, ~30-50 s).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
import yaml

from tests.gitrepo import commit, copy_tooling, git, init_repo, pipeline
from tests.golden import TINY
from tests.helpers import REPO


@pytest.fixture(scope="module")
def repo(tmp_path_factory) -> tuple[Path, str]:
    """Two commits: the tiny data, then one amount corrected.  Returns (repo, first commit)."""
    repo = init_repo(tmp_path_factory.mktemp("pipeline") / "repo")
    shutil.copytree(TINY / "data", repo / "data")
    copy_tooling(repo)
    base = commit(repo, "初始数据")
    rec = repo / "data/payments/2024/410421-NY001-2024/records.csv"
    rec.write_text(rec.read_text(encoding="utf-8").replace(",2,105.00,210.00,", ",2,105.00,250.00,"), encoding="utf-8")
    commit(repo, "更正李*英的金额")
    return repo, base


def test_templates_run_the_pipeline_script():
    gh = yaml.safe_load((REPO / ".github/workflows/publish.yml").read_text(encoding="utf-8"))
    runs = {name: " ".join(s.get("run", "") for s in job["steps"]) for name, job in gh["jobs"].items()}
    assert "scripts/pipeline.sh mr" in runs["review"] and "reports/comment.md" in runs["review"]
    assert "scripts/pipeline.sh publish" in runs["publish"]
    gl = yaml.safe_load((REPO / ".gitlab-ci.yml").read_text(encoding="utf-8"))
    assert any("scripts/pipeline.sh mr" in line for line in gl["review"]["script"])
    assert gl["review"]["artifacts"]["paths"] == ["reports/diff.md", "reports/diff.html"]
    assert any("scripts/pipeline.sh publish" in line for line in gl["publish"]["script"])


def test_merge_request_then_publish_twice(repo, tmp_path: Path):
    repo, base = repo
    done = pipeline(repo, "mr", DIFF_BASE=base)
    assert done.returncode == 0, done.stdout + done.stderr
    steps = [line[3:] for line in done.stdout.splitlines() if line.startswith("== ")]
    assert [s.split("：")[0] for s in steps] == ["检查数据", "构建网站和查询数据库", "隐私检查（构建结果全部文件）",
                                                "变更报告", "完成"]
    report = (repo / "reports/diff.md").read_text(encoding="utf-8")
    assert "| 前营村 | 修改 | 李*英 | 210.00 → 250.00 |  |" in report
    assert (repo / "reports/diff.html").exists()
    assert (repo / "reports/comment.md").read_text(encoding="utf-8") == report

    www, api1, api2 = tmp_path / "www", tmp_path / "api1", tmp_path / "api2"
    targets = {"SITE_TARGET": str(www), "LOOKUP_TARGETS": f"{api1} {api2}", "KEEP_RELEASES": "2"}
    done = pipeline(repo, "publish", **targets)
    assert done.returncode == 0, done.stdout + done.stderr
    first = os.readlink(www / "current")
    assert first.startswith("releases/") and (www / "current/index.html").is_file()
    for api in (api1, api2):
        assert (api / "lookup.sqlite").read_bytes() == (repo / "public/lookup.sqlite").read_bytes()
    # Same commit, same build date: nothing changed, so nothing is sent; the new release hard-links all.
    (www / "releases/20000101T000000Z-old").mkdir()  # an old release: KEEP_RELEASES=2 removes it
    done = pipeline(repo, "publish", **targets)
    assert done.returncode == 0, done.stdout + done.stderr
    second = os.readlink(www / "current")
    assert second != first and (www / first).is_dir()
    files = [p.relative_to(www / second) for p in (www / second).rglob("*") if p.is_file()]
    sent = {str(f) for f in files if os.stat(www / first / f).st_ino != os.stat(www / second / f).st_ino}
    assert sent == set() and len(files) > 60  # builds are byte-identical (the XLSX too); the tiny site has ~80 files
    assert f"Number of regular files transferred: {len(sent)}" in done.stdout
    assert sorted(p.name for p in (www / "releases").iterdir()) == [Path(first).name, Path(second).name]

    # Broken data: the pipeline stops at check and the live release stays.
    live = os.readlink(www / "current")
    (repo / "data/site.yaml").write_text("站点名称: x\n", encoding="utf-8")
    try:
        done = pipeline(repo, "publish", **targets)
    finally:
        git(repo, "checkout", "--", "data/site.yaml")
    assert done.returncode == 1 and "data/site.yaml:1:0: 发布单位: 缺少必填项" in done.stdout
    assert os.readlink(www / "current") == live


def test_publish_needs_a_target(repo):
    repo, _ = repo
    done = pipeline(repo, "publish", SITE_TARGET="")
    assert done.returncode != 0 and "请设置 SITE_TARGET" in done.stderr
