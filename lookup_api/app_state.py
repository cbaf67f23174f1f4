"""What the routes share: settings, key, database, rate limits, audit log."""

from __future__ import annotations

import datetime as dt
import logging
import sys
import threading

from fastapi import Request

from lookup_api import service
from lookup_api.cases.directory import Directory
from lookup_api.cases.pow import Challenges
from lookup_api.cases.service import CaseService, Submission
from lookup_api.cases.store import Store
from lookup_api.config import Settings
from lookup_api.db import DatabaseUnavailable, LookupDB, Snapshot
from lookup_api.errors import ApiError
from lookup_api.ratelimit import RateLimits, client_bucket, client_ip, tag
from lookup_api.throttle import Escalation, Proof

AUDIT = "lookup_api.audit"
log = logging.getLogger("lookup_api")


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
        self.cipher = settings.contact_cipher()  # KeyConfigError when missing: refuse to start
        self.limits = RateLimits(settings.rate_storage, settings.rate_client, settings.rate_id, settings.rate_search,
                                 cases=settings.rate_cases, cases_nojs=settings.rate_cases_nojs,
                                 case_view=settings.rate_case_view, case_number=settings.rate_case_number,
                                 login=settings.rate_login, id_nojs=settings.rate_id_nojs)
        self.audit = audit_logger(settings.audit_log)
        self.challenges = Challenges(self.keyer.key, settings.cases_pow_bits)
        self.id_guard = Escalation(self.limits, self.challenges, "id", settings.pow_bits, settings.pow_extra)
        # The same for a 件号's 查询码 and a staff username: past the budget a proof, never a lock.
        self.case_guard = Escalation(self.limits, self.challenges, "case_number", settings.pow_bits,
                                     settings.pow_extra)
        self.login_guard = Escalation(self.limits, self.challenges, "login", settings.pow_bits, settings.pow_extra,
                                      then="再登录")
        self._cases: CaseService | None = None
        self._cases_lock = threading.Lock()
        self._directories: dict[tuple, Directory] = {}

    # ------------------------------------------------------------ cases (issue 8)
    @property
    def cases(self) -> CaseService:
        """The cases store, opened (and migrated) on first use, so the lookup alone never touches it."""
        if self._cases is None:
            with self._cases_lock:
                if self._cases is None:
                    url = self.settings.cases_url()
                    try:
                        store = Store(url)
                    except Exception as e:  # never echo the URL's password
                        log.error("cases database unavailable: %s: %s", type(e).__name__, _scrub(str(e), url)[:500])
                        raise ApiError(503, "cases_unavailable", "咨询投诉服务暂时不可用，请稍后再试，或拨打监督电话。") from None
                    self._cases = CaseService(store, self.cipher, self.keyer.key, self.directory)
        return self._cases

    def directory(self) -> Directory:
        snap = self.snapshot()
        d = self._directories.get(snap.signature)
        if d is None:
            d = Directory(snap.conn)
            if not d.ready:
                raise ApiError(503, "cases_unavailable", "咨询投诉服务暂时不可用（数据需要重新构建），请稍后再试。")
            self._directories = {snap.signature: d}
        return d

    def site_name(self) -> str:
        try:
            return self.snapshot().meta.get("site_name", "")
        except ApiError:
            return ""

    def case_submit(self, client: str, sub: Submission, challenge: str, counter: str | None,
                    answer: str | None) -> dict:
        outcome = "error"
        try:
            bucket = tag(self.keyer.key, "client", client)
            if self.challenges.works(challenge, counter):
                self.limits.hit("cases", bucket, "本设备（网络）提交太频繁，")
            else:
                self.limits.hit("cases_nojs", bucket, "本设备（网络）提交太频繁，")
            # Every problem at once: the sum's answer, then the fields (a stale form stays an error of its own).
            try:
                solved = self.challenges.verify(challenge, counter, answer)
            except ApiError as e:
                if e.code not in ("wrong_answer", "challenge_unsolved"):
                    raise
                try:
                    self.cases.validate(sub)
                except ApiError as fields:
                    raise ApiError.combine({**{k: ApiError(422, fields.code, m) for k, m in fields.fields.items()},
                                            "answer": e}) from None
                raise ApiError(e.status, e.code, e.message, fields={"answer": e.message}) from None
            result = self.cases.submit(sub, solved)
            outcome = "accepted_" + solved.by
            return result
        except ApiError as e:
            outcome = e.code
            raise
        finally:
            self._audit("case_submit", client, outcome)  # never the content or the contact details

    def _follow_up_limits(self, client: str, number: str, proof: Proof | None) -> None:
        """``proof``: None when the 查询码 was already checked (the sealed view cookie of /zixun/chaxun/)."""
        from lookup_api.cases.service import parse_number

        client_tag = tag(self.keyer.key, "client", client)
        self.limits.hit("case_view", client_tag, "查询太频繁，")
        canonical = parse_number(number)
        # A malformed 件号 matches no case, so there is nothing to guess: only the client's limit
        # counts (one shared bucket for all of them let 20 typos an hour block everyone who mistypes).
        if canonical and proof is not None:
            self.case_guard.admit(tag(self.keyer.key, "case", canonical), proof, client_tag, "这个件号查询次数较多，")

    def case_view(self, client: str, number: str, code: str, proof: Proof | None = Proof()) -> dict:
        self._follow_up_limits(client, number, proof)
        return self.cases.view(number, code)

    def case_rate(self, client: str, number: str, code: str, rating: str, comment: str | None,
                  proof: Proof | None = Proof()) -> dict:
        self._follow_up_limits(client, number, proof)
        return self.cases.rate(number, code, rating, comment)

    def staff_login(self, client: str, username: str, password: str, proof: Proof = Proof(),
                    known_device: bool = False):
        """``known_device``: the browser carries this user's device cookie from an earlier login, so
        a stranger's guesses at the username never slow the clerk at their own desk."""
        from lookup_api.cases import auth

        client_tag = tag(self.keyer.key, "client", client)
        user_tag = tag(self.keyer.key, "user", username.strip().lower())
        self.limits.hit("login", client_tag, "登录尝试太多，")
        if not known_device:
            try:
                self.login_guard.admit(user_tag, proof, client_tag, "这个用户名今天登录尝试较多，")
            except ApiError as e:
                if e.code == "challenge_required" and self.limits.first_use("login_notice", user_tag):
                    # Once an hour per account: the staff log says someone is trying this username.
                    self.audit.disabled = False
                    self.audit.warning("staff_login_over_budget user=%s client=%s", user_tag,
                                       tag(self.keyer.key, "audit|" + dt.date.today().isoformat(), client))
                raise
        result = auth.login(self.cases.store, username, password, self.settings.staff_session_hours)
        self._audit("staff_login", client, "ok" if result else "refused")
        return result

    def client(self, request: Request) -> str:
        """The rate-limit and audit identity of the client: its address, an IPv6 one by /64."""
        peer = request.client.host if request.client else None
        return client_bucket(client_ip(peer, request.headers.get("x-forwarded-for"), self.settings.trusted_proxies))

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

    def lookup(self, client: str, id_text: str, name_text: str, proof: Proof = Proof()) -> tuple[dict, str]:
        """(result, site name); raises ApiError for 422/429/503.  Audited either way."""
        outcome = "error"
        try:
            client_tag = tag(self.keyer.key, "client", client)
            self.limits.hit("client", client_tag, "本设备（网络）查询次数太多，")
            snap = self.snapshot()
            id18, name = service.parse_lookup(id_text, name_text, snap.id_prefixes)
            # Past the ID's budget a proof-of-work, never a refusal: a stranger cannot lock its owner out.
            self.id_guard.admit(tag(self.keyer.key, "id", id18), proof, client_tag, "这个身份证号码今天查询次数较多，")
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


def _scrub(message: str, url: str) -> str:
    """An error message with the database URL's password (and the URL itself) taken out."""
    from sqlalchemy.engine import make_url

    try:
        parsed = make_url(url)
    except Exception:  # noqa: BLE001 - an unparsable URL: say nothing of it
        return message.replace(url, "<url>")
    message = message.replace(url, parsed.render_as_string(hide_password=True))
    if parsed.password:
        message = message.replace(str(parsed.password), "***")
    return message
