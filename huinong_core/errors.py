"""Domain errors.  The library raises these; only the CLI prints them."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with one cell (or line) of one input file.

    Rendered for staff as ``path:line:column: 字段: 问题（期望…）``.
    ``column`` is 1-based; 0 means "the whole line/file".
    """

    path: str
    line: int
    column: int
    field: str
    message: str
    expected: str = ""

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}:{self.column}"
        text = f"{where}: {self.field}: {self.message}"
        if self.expected:
            text += f"（期望{self.expected}）"
        return text


class HuinongError(Exception):
    """Base class of every error the library raises on purpose."""


class ParseError(HuinongError, ValueError):
    """A single value could not be parsed.  Carries Chinese text for staff."""

    def __init__(self, message: str, expected: str = ""):
        super().__init__(message)
        self.message = message
        self.expected = expected


class DataError(HuinongError):
    """Input data has problems; all of them are listed, sorted by place."""

    def __init__(self, problems: list[Problem]):
        self.problems = sorted(problems, key=_problem_order)
        super().__init__(f"{len(self.problems)} problem(s) in input data")


class KeyConfigError(HuinongError):
    """The secret key is missing, too short, or the demo key outside demo mode."""


class PrivacyError(HuinongError):
    """Personal data was found where it must never be."""

    def __init__(self, findings: list["Finding"]):  # noqa: F821 (privacy.Finding)
        self.findings = findings
        super().__init__(f"{len(findings)} privacy finding(s)")


def _problem_order(p: Problem):
    return (p.path, p.line, p.column, p.field, p.message)
