"""docs/staff.md: every command of the staff guide runs, in order, in a test repository.

The guide's ```sh blocks are joined into one bash script (state carries over as it does in a
staff member's terminal).  Lines marked 〔联网〕 need the unit's git server or a package index and
are left out.  The test plays the parts the guide leaves to other people or to the web: the export
files in ~/下载, the key from the administrator, the merge on the git website, and the two mistakes
of section 九 (a raw file committed past the hook).
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import subprocess
import sys
from pathlib import Path

from tests.helpers import REPO
from tests.gitrepo import GIT_ENV, git, init_repo
from tests.golden import TINY, TINY_PEOPLE, person_row, raw_csv

GUIDE = REPO / "docs/staff.md"
ONLINE = "# 〔联网〕"
#: The console runs until the clerk stops it: the test leaves it out (tests/console/test_cli.py runs it).
UNTIL_STOPPED = "# 〔一直运行，按 Ctrl+C 停止〕"
RAW = "data/raw/宝丰县轮作休耕2024.csv"
MISTAKE = f"git add -f {RAW} && git commit -q --no-verify -m 误提交原始文件"

# Setup the test does before the guide block containing the key: what happens outside the terminal.
BEFORE = {
    "git reset --soft HEAD~1": MISTAKE,  # section 九, not pushed yet
    "git filter-repo": MISTAKE,  # section 九, pushed
    "git switch -c 更正": "git switch -q main && git merge -q --ff-only 导入-宝丰-NY004-2024",  # merged on the website
}


def guide_blocks() -> list[str]:
    text = GUIDE.read_text(encoding="utf-8")
    fences = re.findall(r"^```(\w*)\n(.*?)^```", text, flags=re.S | re.M)
    assert fences and all(lang == "sh" for lang, _ in fences), "every command block of the guide is ```sh"
    return [body for _, body in fences]


def test_online_commands_are_few():
    online = [line for b in guide_blocks() for line in b.splitlines() if ONLINE in line]
    assert 1 <= len(online) <= 8, online


def test_only_the_console_runs_until_stopped():
    lines = [line for b in guide_blocks() for line in b.splitlines() if UNTIL_STOPPED in line]
    assert lines == [f"python -m generator console  {UNTIL_STOPPED}"]


def ny004_rows(corrected: bool = False) -> list[dict]:
    p = TINY_PEOPLE
    rows = [person_row(p[0], 发放日期="2024-09-20", 补贴标准="150.00", 发放金额="525.00"),
            person_row(p[1], 发放日期="2024-09-20", 补贴标准="150.00", 发放数量="2",
                       发放金额="310.00" if corrected else "300.00")]
    if not corrected:
        rows.append(person_row(p[3], 发放日期="2024-09-20", 补贴标准="150.00", 发放数量="1.2", 发放金额="180.00"))
    return rows


def test_guide_commands_run(tmp_path: Path):
    home = tmp_path / "home"
    (home / "下载").mkdir(parents=True)
    (home / "huinong.key").write_text(secrets.token_hex(32))  # from the administrator
    (home / "下载/宝丰县轮作休耕2024.csv").write_text(raw_csv(ny004_rows()), encoding="utf-8-sig")
    (home / "下载/宝丰县轮作休耕2024-更正.csv").write_text(raw_csv(ny004_rows(True)), encoding="utf-8-sig")

    repo = init_repo(tmp_path / "huinong")
    shutil.copytree(TINY / "data", repo / "data")
    for rel in (".pre-commit-config.yaml", ".gitignore", "scripts/py"):
        (repo / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(REPO / rel, repo / rel)
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "初始数据")
    (repo / ".venv").symlink_to(Path(sys.executable).parent.parent)  # as `python3 -m venv .venv` made it

    script = ["set -euo pipefail"]
    for i, block in enumerate(guide_blocks(), 1):
        for key, setup in BEFORE.items():
            if key in block:
                script.append(setup)
        script.append(f"echo '::第{i}段'")
        script += [line for line in block.splitlines() if ONLINE not in line and UNTIL_STOPPED not in line]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HUINONG", "VIRTUAL_ENV"))}
    env.update(GIT_ENV, HOME=str(home), PRE_COMMIT_HOME=str(tmp_path / "pre-commit-home"))
    for k in ("GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL", "GIT_COMMITTER_NAME", "GIT_COMMITTER_EMAIL"):
        env.pop(k)  # the guide sets user.name and user.email itself
    done = subprocess.run(["bash", "-c", "\n".join(script)], cwd=repo, capture_output=True, text=True, env=env)
    out = done.stdout + done.stderr
    assert done.returncode == 0, out[-4000:]

    assert out.count("已导入批次 410421-NY004-2024：") == 2
    assert "检查通过" in out
    # The batch went in on its branch, was corrected (one person fewer, one amount changed), then withdrawn.
    assert git(repo, "log", "-1", "--format=%s", "导入-宝丰-NY004-2024").startswith("导入 宝丰县 NY004")
    corrected = git(repo, "show", "更正-宝丰-NY004-2024:data/payments/2024/410421-NY004-2024/records.csv")
    assert corrected.count("\n") == 2 and ",310.00," in corrected
    assert "| 前营村 | 修改 | 李*英 | 300.00 → 310.00 |" in out and "| 张庄村 | 删除 | 张* | 180.00 → |" in out
    assert git(repo, "log", "-1", "--format=%s", "撤回-宝丰-NY004-2024").startswith("撤回 宝丰县 NY004")
    assert "410421-NY004-2024" not in git(repo, "ls-tree", "-r", "--name-only", "撤回-宝丰-NY004-2024")
    # Section 九: the raw file was committed twice by mistake; now it is in no commit of any branch.
    assert "New history written" in out
    assert git(repo, "log", "--all", "--oneline", "--", RAW) == ""
    assert "宝丰县轮作休耕2024.csv" not in git(repo, "rev-list", "--all", "--objects")
    key = (home / "huinong.key").read_text()
    assert all(key not in p.read_text(errors="ignore") for p in (repo / "data").rglob("*") if p.is_file())
