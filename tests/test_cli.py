"""The CLI as staff run it: module entry point and console script, exit codes."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from tests.golden import TINY, broken_copy

BIN = Path(sys.executable).parent


def run(args: list[str], cwd: Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HUINONG")}
    return subprocess.run(args, cwd=cwd, capture_output=True, text=True, env=env)


def test_module_check_ok():
    proc = run([sys.executable, "-m", "generator", "check"], TINY)
    assert proc.returncode == 0 and proc.stdout.startswith("检查通过")


def test_console_script_check_fails_with_messages(tmp_path: Path):
    broken_copy(tmp_path)
    proc = run([str(BIN / "huinong"), "check"], tmp_path)
    assert proc.returncode == 1
    assert "data/policies.csv:3:4: 四字简称: 四字简称必须正好是四个汉字" in proc.stdout
    assert proc.stdout.rstrip().endswith("个问题。")


def test_build_then_failed_build(tmp_path: Path):
    shutil.copytree(TINY / "data", tmp_path / "data")
    proc = run([sys.executable, "-m", "generator", "build"], tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("构建完成：6 条记录")
    (tmp_path / "data" / "site.yaml").write_text("站点名称: x\n", encoding="utf-8")
    proc = run([sys.executable, "-m", "generator", "build"], tmp_path)
    assert proc.returncode == 1
    assert "data/site.yaml:1:0: 发布单位: 缺少必填项" in proc.stderr
    assert (tmp_path / "public" / "site" / "zhengce" / "zhengce.json").exists()


def test_usage_error_exit_code():
    proc = run([sys.executable, "-m", "generator", "nosuch"], TINY)
    assert proc.returncode == 2
