"""huinong_core/git.py: the one way the build and diff run git."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from huinong_core.git import GitError, git, git_or_none
from huinong_core.version import InputVersions, data_version
from tests.gitrepo import commit, init_repo


def test_output_with_paths_unquoted(tmp_path: Path):
    repo = init_repo(tmp_path / "repo")
    (repo / "名单.csv").write_text("人员键\n", encoding="utf-8")
    commit(repo, "名单")
    assert git(repo, "ls-files").decode("utf-8") == "名单.csv\n"
    assert git_or_none(repo, "ls-files") == "名单.csv\n"


def test_a_failure_is_a_git_error_or_none(tmp_path: Path):
    repo = init_repo(tmp_path / "repo")
    with pytest.raises(GitError, match="^git rev-parse --verify 失败："):
        git(repo, "rev-parse", "--verify", "no-such-revision")
    assert git_or_none(repo, "rev-parse", "--verify", "no-such-revision") is None
    assert git_or_none(tmp_path / "missing", "rev-parse", "HEAD") is None


def test_data_version_is_the_commit_and_whether_data_changed_since(tmp_path: Path):
    outside = tmp_path / "plain"
    outside.mkdir()
    assert data_version(outside).commit == "未提交"
    repo = init_repo(tmp_path / "repo")
    (repo / "data").mkdir()
    (repo / "data" / "site.yaml").write_text("a: 1\n", encoding="utf-8")
    head = commit(repo, "数据")
    version = data_version(repo / "data")
    assert (version.commit, version.dirty) == (head, False)
    (repo / "data" / "site.yaml").write_text("a: 2\n", encoding="utf-8")
    assert data_version(repo / "data").dirty


def gbk_named_file(folder: Path) -> Path:
    """An untracked file whose name is GBK bytes, as a zip made on Windows leaves one."""
    path = folder / os.fsdecode("名单.csv".encode("gbk"))
    path.write_text("人员键\n", encoding="utf-8")
    return path


def test_a_name_that_is_not_utf8_comes_through_as_surrogate_escapes(tmp_path: Path):
    repo = init_repo(tmp_path / "repo")
    path = gbk_named_file(repo)
    assert git_or_none(repo, "status", "--porcelain") == f"?? {path.name}\n"


def test_an_untracked_gbk_name_in_data_makes_it_dirty(tmp_path: Path):
    repo = init_repo(tmp_path / "repo")
    (repo / "data" / "payments").mkdir(parents=True)
    (repo / "data" / "site.yaml").write_text("a: 1\n", encoding="utf-8")
    commit(repo, "数据")
    gbk_named_file(repo / "data" / "payments")
    version = data_version(repo / "data")
    assert version.dirty
    assert InputVersions(repo / "data", version).dirty == {"base"}
