"""What the routes share: settings, key, database, rate limits, audit log."""

from __future__ import annotations

import datetime as dt
import logging
import sys

from fastapi import Request

from lookup_api import service
from lookup_api.config import Settings
from lookup_api.deps import DatabaseUnavailable, LookupDB, Snapshot
from lookup_api.errors import ApiError
from lookup_api.ratelimit import RateLimits, client_ip, tag

AUDIT = "lookup_api.audit"


def audit_logger(target: str) -> logging.Logger:
    """One line per query: time, hashed client, outcome class.  Never the ID number or the name."""
    logger = logging.getLogger(AUDIT)
    logger.disabled = False  # a dictConfig(disable_existing_loggers=True) elsewhere must not silence the audit
    if not logger.handlers:
        handler = logging.StreamHandler(sys.stderr) if target == "-" else logging.FileHandler(target, encoding="utf-8")
        handler.setFormatter(logging.Formatter("%(asctime)s %(message)s"))
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
        logger.propagate = False
    return logger


class Services:
    def __init__(self, settings: Settings):
        self.settings = settings
        self.keyer = settings.keyer()  # KeyConfigError when missing: refuse to start
        self.db = LookupDB(settings.db)
        self.limits = RateLimits(settings.rate_storage, settings.rate_client, settings.rate_id, settings.rate_search)
        self.audit = audit_logger(settings.audit_log)

    def client(self, request: Request) -> str:
        peer = request.client.host if request.client else None
        return client_ip(peer, request.headers.get("x-forwarded-for"), self.settings.trusted_proxies)

    def snapshot(self) -> Snapshot:
        try:
            return self.db.snapshot()
        except DatabaseUnavailable:
            raise ApiError(503, "database_unavailable", "查询数据库暂时不可用，请稍后再试。") from None

    def _audit(self, kind: str, client: str, outcome: str) -> None:
        day = dt.date.today().isoformat()
        # logging.config.dictConfig/fileConfig (disable_existing_loggers defaults to True) in any
        # library would silence an existing logger; the audit line is required, so re-enable it.
        self.audit.disabled = False
        self.audit.info("%s client=%s outcome=%s", kind, tag(self.keyer.key, "audit|" + day, client), outcome)

    def lookup(self, client: str, id_text: str, name_text: str) -> tuple[dict, str]:
        """(result, site name); raises ApiError for 422/429/503.  Audited either way."""
        outcome = "error"
        try:
            self.limits.hit("client", tag(self.keyer.key, "client", client), "本设备（网络）查询次数太多，")
            snap = self.snapshot()
            id18 = service.parse_id_number(id_text, snap.id_prefixes)
            name = service.parse_person_name(name_text)
            self.limits.hit("id", tag(self.keyer.key, "id", id18), "同一身份证号码查询次数太多，")
            result = service.lookup(snap, self.keyer, id18, name)
            outcome = "found" if result["found"] else "none"
            return result, snap.meta.get("site_name", "")
        except ApiError as e:
            outcome = e.code
            raise
        finally:
            self._audit("lookup", client, outcome)

    def search(self, client: str, query: str, limit: int) -> dict:
        self.limits.hit("search", tag(self.keyer.key, "client", client), "搜索太频繁，")
        return service.search(self.snapshot(), query, limit)
