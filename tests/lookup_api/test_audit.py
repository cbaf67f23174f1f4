"""The audit log keeps every line, even in a process where pelican (the build) was imported first."""

from __future__ import annotations

import logging

from lookup_api.audit import Audit, audit_logger


class _Keep(logging.Handler):
    def __init__(self):
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record):
        self.lines.append(record.getMessage())


def test_repeated_lines_are_all_written():
    from pelican.log import LimitFilter

    logger = logging.getLogger("lookup_api.audit")
    logger.addFilter(LimitFilter())  # what pelican's logger class does to loggers made after its import
    keep = _Keep()
    audit = Audit(audit_logger("-"), b"k" * 32)
    logger.addHandler(keep)
    try:
        for _ in range(3):
            audit.record("lookup", "127.0.0.1", "no_match")
    finally:
        logger.removeHandler(keep)
    assert len(keep.lines) == 3 and all("outcome=no_match" in line for line in keep.lines)
    assert "127.0.0.1" not in "".join(keep.lines), "the client is hashed"
