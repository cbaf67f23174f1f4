"""The audit log keeps every line, in the line format it always had, even in a process where pelican
(the build) was imported first."""

from __future__ import annotations

import re

from lookup_api.audit import Audit, audit_sink

LINE = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} lookup client=[0-9a-f]{24} outcome=no_match\n")


def test_repeated_lines_are_all_written(tmp_path):
    import pelican.log  # noqa: F401 - its logger class drops repeated messages; the audit must not

    path = tmp_path / "audit.log"
    audit = Audit(audit_sink(str(path)), b"k" * 32)
    for _ in range(3):
        audit.record("lookup", "127.0.0.1", "no_match")
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    assert len(lines) == 3 and all(LINE.fullmatch(line) for line in lines)
    assert "127.0.0.1" not in "".join(lines), "the client is hashed"


def test_stderr_is_looked_up_per_line(capsys):
    audit = Audit(audit_sink("-"), b"k" * 32)
    audit.record("lookup", "127.0.0.1", "no_match")
    audit.warning("staff_login_over_budget user=%s", "abc")
    err = capsys.readouterr().err.splitlines(keepends=True)
    assert LINE.fullmatch(err[0]) and err[1].endswith(" staff_login_over_budget user=abc\n")
