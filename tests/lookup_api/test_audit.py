"""The audit log keeps every line, even in a process where pelican (the build) was imported first."""

from __future__ import annotations

import logging

from lookup_api.audit import Audit, audit_logger
from tests.lookup_api.helpers import KeepLog


def test_repeated_lines_are_all_written():
    from pelican.log import LimitFilter

    logger = logging.getLogger("lookup_api.audit")
    logger.addFilter(LimitFilter())  # what pelican's logger class does to loggers made after its import
    keep = KeepLog()
    audit = Audit(audit_logger("-"), b"k" * 32)
    logger.addHandler(keep)
    try:
        for _ in range(3):
            audit.record("lookup", "127.0.0.1", "no_match")
    finally:
        logger.removeHandler(keep)
    lines = [r.getMessage() for r in keep.records]
    assert len(lines) == 3 and all("outcome=no_match" in line for line in lines)
    assert "127.0.0.1" not in "".join(lines), "the client is hashed"
