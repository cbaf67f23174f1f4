"""Running git on the data repository: the one place that starts a git process.

``git`` is for commands that must work (``diff`` reading revisions): a failure is a
``GitError`` staff can read.  ``git_or_none`` is for questions outside git is a normal
answer to (which commit a build comes from).
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from huinong_core.errors import HuinongError


class GitError(HuinongError):
    """A git command failed (not a repository, unknown revision...).  ``stderr``: all that git said
    (a push refused by the server explains why in its "remote:" lines, not in the last one)."""

    def __init__(self, message: str, stderr: str = ""):
        super().__init__(message)
        self.stderr = stderr


def git(repo: Path, *args: str, input: bytes | None = None, timeout: float = 300) -> bytes:
    """git's output, paths unquoted (``core.quotePath=false``); GitError when it cannot run or fails."""
    try:
        done = subprocess.run(["git", "-c", "core.quotePath=false", "-C", str(repo), *args], input=input,
                              capture_output=True, timeout=timeout)
    except OSError as e:
        raise GitError(f"无法运行 git：{e}") from None
    if done.returncode != 0:
        said = done.stderr.decode("utf-8", "replace").strip()
        msg = said.splitlines()
        raise GitError(f"git {' '.join(args[:2])} 失败：{msg[-1] if msg else done.returncode}", said)
    return done.stdout


def git_or_none(repo: Path, *args: str, timeout: float = 300) -> str | None:
    """git's output as text; None when git is missing, fails (not a repository) or takes too long.

    Paths come as raw bytes (``core.quotePath=false``) and a name need not be UTF-8 (a zip
    made on Windows leaves GBK names): such bytes come through as surrogate escapes.
    """
    try:
        return git(repo, *args, timeout=timeout).decode("utf-8", "surrogateescape")
    except (GitError, subprocess.TimeoutExpired):
        return None
