"""Throwaway git repositories for tests of the staff workflow (diff, guards, pipeline, guide), and
scripts/pipeline.sh (the commands both CI templates run) in such a repository."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from tests.helpers import REPO

# Commits in tests need an author, and no user or system git config may change what git does.
GIT_ENV = {
    "GIT_AUTHOR_NAME": "测试", "GIT_AUTHOR_EMAIL": "test@example.invalid",
    "GIT_COMMITTER_NAME": "测试", "GIT_COMMITTER_EMAIL": "test@example.invalid",
    "GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": os.devnull,
}


def git(repo: Path, *args: str, check: bool = True) -> str:
    done = subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True,
                          env={**os.environ, **GIT_ENV})
    if check and done.returncode != 0:
        raise AssertionError(f"git {' '.join(args)} failed: {done.stderr}")
    return done.stdout.strip()


def init_repo(repo: Path, data: Path | None = None) -> Path:
    """A new repository at ``repo`` (with a copy of ``data`` as data/ when given), one commit on main."""
    repo.mkdir(parents=True, exist_ok=True)
    if data is not None:
        shutil.copytree(data, repo / "data")
    git(repo, "init", "-q", "-b", "main")
    if data is not None:
        commit(repo, "初始数据")
    return repo


def commit(repo: Path, message: str) -> str:
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "--no-verify", "-m", message)
    return git(repo, "rev-parse", "HEAD")


EPOCH_2025 = "1735689600"  # 2025-01-01: the tiny 2024 batch is public


def copy_tooling(repo: Path) -> None:
    for rel in ("scripts/pipeline.sh", "scripts/py", ".gitignore"):
        (repo / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(REPO / rel, repo / rel)


def pipeline(repo: Path, mode: str, **env: str) -> subprocess.CompletedProcess:
    full = {k: v for k, v in os.environ.items() if not k.startswith("HUINONG")}
    full.update(GIT_ENV, SOURCE_DATE_EPOCH=EPOCH_2025, PATH=f"{Path(sys.executable).parent}{os.pathsep}{full['PATH']}")
    full.update(env)
    return subprocess.run(["scripts/pipeline.sh", mode], cwd=repo, capture_output=True, text=True, env=full)
