"""guard and the pre-commit hooks: a raw export or a key never reaches a commit; clean batches do."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from generator.guard import guard
from tests.helpers import REPO
from tests.gitrepo import GIT_ENV, commit, git, init_repo
from tests.golden import TINY, TINY_PEOPLE, person_row, raw_csv, tiny_ny001_rows

RAW = raw_csv(tiny_ny001_rows())


def reasons(tmp: Path, **env) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for r in guard([tmp], env=env, relative_to=tmp):
        out.setdefault(r.path.split("[")[0], []).append(r.reason)
    return out


def test_guard_refuses_raw_exports_whatever_their_name_and_format(tmp_path: Path):
    (tmp_path / "说明.txt").write_bytes(RAW.encode("gb18030"))
    (tmp_path / "export.csv").write_bytes(RAW.encode("utf-16"))  # Excel's "Unicode text"
    xlsx = io.BytesIO()
    with zipfile.ZipFile(xlsx, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("xl/sharedStrings.xml", f"<sst><si><t>{TINY_PEOPLE[1].id18}</t></si></sst>")
    (tmp_path / "名单.xlsx").write_bytes(xlsx.getvalue())
    (tmp_path / "clean.csv").write_text((TINY / "data/payments/2024/410421-NY001-2024/records.csv")
                                        .read_text(encoding="utf-8"), encoding="utf-8")
    got = reasons(tmp_path)
    assert set(got) == {"说明.txt", "export.csv", "名单.xlsx"}
    assert any(r.startswith("身份证号: 疑似明文") for r in got["说明.txt"])
    assert any(r.startswith("银行卡号: 疑似明文") for r in got["说明.txt"])
    assert any(r.startswith("手机号码: 疑似明文") for r in got["export.csv"])
    assert got["名单.xlsx"] == ["身份证号: 疑似明文（410************" + TINY_PEOPLE[1].id18[-3:] + "）"]
    # The finding never repeats the number itself.
    for rs in got.values():
        assert not any(p.id18 in r or p.card in r for r in rs for p in TINY_PEOPLE)


def test_guard_refuses_keys_and_raw_directories(tmp_path: Path):
    key = "k" * 40
    (tmp_path / "huinong.key").write_text(key)
    (tmp_path / "notes.md").write_text(f"密钥：{key}\n")
    shutil.copy(REPO / "huinong_core/resources/demo.key", tmp_path / "demo.key")
    (tmp_path / "data/raw").mkdir(parents=True)
    (tmp_path / "data/raw/a.csv").write_text("序号\n")
    (tmp_path / ".env").write_text("X=1\n")
    got = reasons(tmp_path, HUINONG_KEY=key)
    assert set(got) == {"huinong.key", "notes.md", "data/raw/a.csv", ".env"}
    assert got["notes.md"] == ["文件中含有当前使用的密钥，不能提交"]
    assert got["huinong.key"][0].startswith("密钥文件不能提交")


# ------------------------------------------------------------------ real pre-commit

PRE_COMMIT = shutil.which("pre-commit", path=str(Path(sys.executable).parent))


@pytest.fixture
def staff_repo(tmp_path: Path) -> Path:
    """A clone-like repository: the tiny data, our hook configuration and scripts/py, hooks installed."""
    if PRE_COMMIT is None:
        pytest.fail("pre-commit is a test dependency: pip install -e '.[test]'")
    repo = init_repo(tmp_path / "repo")
    shutil.copytree(TINY / "data", repo / "data")
    for rel in (".pre-commit-config.yaml", ".gitignore", "scripts/py"):
        (repo / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(REPO / rel, repo / rel)
    commit(repo, "初始数据")
    run(repo, PRE_COMMIT, "install")
    return repo


def run(repo: Path, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HUINONG")}
    env.update(GIT_ENV, PRE_COMMIT_HOME=str(repo.parent / "pre-commit-home"), HUINONG_DEMO="1",
               PATH=f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}")
    done = subprocess.run(list(args), cwd=repo, capture_output=True, text=True, env=env)
    if args[0] == PRE_COMMIT:
        assert done.returncode == 0, done.stdout + done.stderr
    return done


def git_commit(repo: Path, message: str) -> subprocess.CompletedProcess:
    return run(repo, "git", "commit", "-q", "-m", message)


def test_hook_blocks_a_raw_export_and_a_key(staff_repo: Path):
    repo = staff_repo
    (repo / "data/documents/files/名单.txt").write_bytes(RAW.encode("gb18030"))  # a raw export, renamed
    git(repo, "add", "-A")
    done = git_commit(repo, "误提交原始文件")
    assert done.returncode != 0
    assert "data/documents/files/名单.txt:2: 身份证号: 疑似明文" in done.stdout + done.stderr
    assert "已拒绝：1 个文件含有个人信息或密钥" in done.stdout + done.stderr
    assert git(repo, "rev-list", "--count", "HEAD") == "1"
    git(repo, "rm", "-q", "--cached", "data/documents/files/名单.txt")
    (repo / "data/documents/files/名单.txt").unlink()

    (repo / "my.key").write_text("s" * 48)
    git(repo, "add", "-f", "my.key")  # past .gitignore on purpose
    done = git_commit(repo, "误提交密钥")
    assert done.returncode != 0 and "my.key: 密钥文件不能提交" in done.stdout + done.stderr
    assert git(repo, "rev-list", "--count", "HEAD") == "1"


def test_hook_passes_a_clean_batch_and_stops_a_broken_one(staff_repo: Path):
    repo = staff_repo
    raw = repo / "data/raw/ny004-2024.csv"  # where exports wait on a staff machine: ignored by git
    raw.parent.mkdir(parents=True)
    p = TINY_PEOPLE
    raw.write_text(raw_csv([person_row(p[0], 发放日期="2024-09-20", 补贴标准="150.00", 发放金额="525.00"),
                            person_row(p[1], 发放日期="2024-09-20", 补贴标准="150.00", 发放数量="2",
                                       发放金额="300.00")]), encoding="utf-8-sig")
    done = run(repo, sys.executable, "-m", "generator", "ingest", str(raw), "--programme", "NY004", "--period", "2024")
    assert done.returncode == 0, done.stderr
    git(repo, "add", "-A")
    assert git(repo, "diff", "--cached", "--name-only").splitlines() == [
        "data/payments/2024/410421-NY004-2024/batch.yaml", "data/payments/2024/410421-NY004-2024/records.csv"]
    done = git_commit(repo, "导入 NY004 2024")
    assert done.returncode == 0, done.stdout + done.stderr
    assert git(repo, "rev-list", "--count", "HEAD") == "2"

    rec = repo / "data/payments/2024/410421-NY004-2024/records.csv"
    rec.write_text(rec.read_text(encoding="utf-8").replace("525.00", "525.0x"), encoding="utf-8")
    git(repo, "add", "-A")
    done = git_commit(repo, "手工改坏")
    assert done.returncode != 0
    assert "data/payments/2024/410421-NY004-2024/records.csv:2:11: 发放金额: 不是金额（525.0x）" in done.stdout + done.stderr
    assert git(repo, "rev-list", "--count", "HEAD") == "2"


def test_check_of_staged_files_checks_their_batches_or_everything(tiny: Path):
    """What the check hook runs: `check FILES...` validates the batches the files belong to;
    a file outside payments/ (the policy list, regions...) makes it check everything."""
    from generator.cli import main

    good = tiny / "payments/2024/410421-NY001-2024"
    bad = tiny / "payments/2024/410421-NY004-2024"
    shutil.copytree(good, bad)  # a second batch with a period that does not parse
    (bad / "batch.yaml").write_text((bad / "batch.yaml").read_text(encoding="utf-8")
                                    .replace('"NY001"', '"NY004"').replace('"2024"', '"2024Q9"'), encoding="utf-8")

    def check(*files: Path) -> int:
        old = Path.cwd()
        os.chdir(tiny.parent)
        try:
            return main(["check", *map(str, files)])
        finally:
            os.chdir(old)

    assert check(good / "records.csv", good / "batch.yaml") == 0
    assert check(bad / "batch.yaml") == 1
    assert check(tiny / "policies.csv") == 1  # everything, the bad batch included
    assert check() == 1
