"""Same inputs, same bytes: two builds of the same data are byte-identical, even when the
second runs with the wall clock two days and eleven hours later (libfaketime).  Every
timestamp in the output must come from SOURCE_DATE_EPOCH (the data version), none from now."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from tests.builds import notice
from tests.golden import TINY

REPO = Path(__file__).resolve().parents[2]


def tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_two_builds_are_byte_identical_whatever_the_wall_clock(tmp_path: Path):
    data = tmp_path / "data"
    shutil.copytree(TINY / "data", data)
    notice(data, "n", "标题: 通知\n开始: 2024-12-01\n结束: 2025-02-01")
    env = {**os.environ, "SOURCE_DATE_EPOCH": "1735689600", "HUINONG_DEMO": "1", "PYTHONHASHSEED": "random"}
    cmd = [sys.executable, "-m", "generator", "build", "--data", str(data)]
    subprocess.run([*cmd, "--out", str(tmp_path / "a")], cwd=REPO, env=env, check=True, capture_output=True)
    later = subprocess.run(["faketime", "-f", "+2d11h", *cmd, "--out", str(tmp_path / "b")], cwd=REPO, env=env,
                           check=True, capture_output=True, text=True)
    assert "构建完成" in later.stdout
    a, b = tree(tmp_path / "a"), tree(tmp_path / "b")
    assert sorted(a) == sorted(b)
    different = [name for name in a if a[name] != b[name]]
    assert different == []
    assert any(name.endswith(".pdf") for name in a) and any(name.endswith(".xlsx") for name in a)
