"""The audit log: one line per lookup, case submission and staff login (time, hashed client,
outcome).  Never the ID number, the name or what was written."""

from __future__ import annotations

import datetime as dt
import logging
import sys
from dataclasses import dataclass

from lookup_api.ratelimit import tag


def audit_logger(target: str) -> logging.Logger:
    logger = logging.getLogger("lookup_api.audit")
    logger.disabled = False  # a dictConfig(disable_existing_loggers=True) elsewhere must not silence the audit
    # Pelican (in a process that also builds) makes every logger created after its import drop
    # repeated messages (pelican.log.LimitFilter); a repeated audit line is still a query: no filters.
    for f in list(logger.filters):
        logger.removeFilter(f)
    if not logger.handlers:
        handler = logging.StreamHandler(sys.stderr) if target == "-" else logging.FileHandler(target, encoding="utf-8")
        handler.setFormatter(logging.Formatter("%(asctime)s %(message)s"))
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
        logger.propagate = False
    return logger


@dataclass(frozen=True)
class Audit:
    logger: logging.Logger
    key: bytes

    def client(self, client: str) -> str:
        """The client as the log names it: a keyed hash that changes every day."""
        return tag(self.key, "audit|" + dt.date.today().isoformat(), client)

    def record(self, kind: str, client: str, outcome: str) -> None:
        # logging.config.dictConfig/fileConfig (disable_existing_loggers defaults to True) in any
        # library would silence an existing logger; the audit line is required, so re-enable it.
        self.logger.disabled = False
        self.logger.info("%s client=%s outcome=%s", kind, self.client(client), outcome)

    def warning(self, message: str, *args) -> None:
        self.logger.disabled = False
        self.logger.warning(message, *args)
