"""huinong_core/site_files.py: an install with neither the wheel's site sources nor a checkout's."""

from __future__ import annotations

import os
import shutil
import site
import subprocess
import sys
from pathlib import Path

from tests.helpers import REPO


def test_the_build_stops_and_the_service_uses_its_plain_partials(tiny: Path, tmp_path: Path):
    installed = tmp_path / "installed"  # the packages alone, as a wheel without _site/ would leave them
    for name in ("huinong_core", "generator", "lookup_api"):
        shutil.copytree(REPO / name, installed / name, ignore=shutil.ignore_patterns("__pycache__", "_site"))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HUINONG", "PYTHON"))}
    env.update(HUINONG_DEMO="1", PYTHONPATH=os.pathsep.join([str(installed), *site.getsitepackages()]))

    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-S", *args], cwd=tmp_path, env=env, capture_output=True, text=True,
                              timeout=600)

    service = run("-c", "import lookup_api.pages as p; print(p.SITE_PARTIALS.is_dir())")
    assert service.returncode == 0, service.stderr
    assert service.stdout.split() == ["False"]
    built = run("-m", "generator", "build", "--data", str(tiny), "--out", str(tmp_path / "public"))
    assert built.returncode == 1 and "错误：找不到网站源文件：" in built.stderr, built.stdout + built.stderr
    assert not (tmp_path / "public").exists()
