"""咨询与投诉 as the routes use it: the cases domain (lookup_api/cases/), opened on first use,
behind the rate limits and proofs-of-work, audited; and the staff login."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from lookup_api.audit import Audit
from lookup_api.cases import auth
from lookup_api.cases.directory import Directory
from lookup_api.cases.errors import CasesUnavailable, InvalidCase
from lookup_api.cases.pow import Challenges
from lookup_api.cases.secrets import ContactCipher
from lookup_api.cases.service import CaseService, Submission, parse_number
from lookup_api.cases.store import Store
from lookup_api.db import Snapshot
from lookup_api.ratelimit import RateLimits, tag
from lookup_api.refusals import ProofNeeded, ProofRefused, Refusal
from lookup_api.throttle import Escalation, Proof

log = logging.getLogger("lookup_api")


class CaseDesk:
    def __init__(self, url: Callable[[], str], key: bytes, cipher: ContactCipher, snapshot: Callable[[], Snapshot],
                 limits: RateLimits, audit: Audit, challenges: Challenges, pow_bits: int, pow_extra: int,
                 session_hours: float):
        self._url = url  # read on first use, as the store is opened
        self._key = key
        self.cipher = cipher
        self._snapshot = snapshot
        self.limits = limits
        self.audit = audit
        self.challenges = challenges
        self.session_hours = session_hours
        # Past the budget of a 件号's 查询码 or a staff username: a proof, never a lock.
        self.case_guard = Escalation(limits, challenges, "case_number", pow_bits, pow_extra)
        self.login_guard = Escalation(limits, challenges, "login", pow_bits, pow_extra, then="再登录")
        self._service: CaseService | None = None
        self._lock = threading.Lock()
        self._directories: dict[tuple, Directory] = {}

    @property
    def service(self) -> CaseService:
        """The cases store, opened (and migrated) on first use, so the lookup alone never touches it."""
        if self._service is None:
            with self._lock:
                if self._service is None:
                    url = self._url()
                    try:
                        store = Store(url)
                    except Exception as e:  # never echo the URL's password
                        log.error("cases database unavailable: %s: %s", type(e).__name__, _scrub(str(e), url)[:500])
                        raise CasesUnavailable("cases_unavailable", "咨询投诉服务暂时不可用，请稍后再试，或拨打监督电话。") from None
                    self._service = CaseService(store, self.cipher, self._key, self.directory)
        return self._service

    def directory(self) -> Directory:
        snap = self._snapshot()
        d = self._directories.get(snap.signature)
        if d is None:
            d = Directory(snap.conn)
            if not d.ready:
                raise CasesUnavailable("cases_unavailable", "咨询投诉服务暂时不可用（数据需要重新构建），请稍后再试。")
            self._directories = {snap.signature: d}
        return d

    def submit(self, client: str, sub: Submission, challenge: str, counter: str | None, answer: str | None) -> dict:
        outcome = "error"
        try:
            bucket = tag(self._key, "client", client)
            if self.challenges.works(challenge, counter):
                self.limits.hit("cases", bucket, "本设备（网络）提交太频繁，")
            else:
                self.limits.hit("cases_nojs", bucket, "本设备（网络）提交太频繁，")
            # Every problem at once: the sum's answer, then the fields (a stale form stays an error of its own).
            try:
                solved = self.challenges.verify(challenge, counter, answer)
            except ProofRefused as e:
                if e.code not in ("wrong_answer", "challenge_unsolved"):
                    raise
                try:
                    self.service.validate(sub)
                except InvalidCase as invalid:
                    raise InvalidCase(invalid.code, invalid.message, {**invalid.fields, "answer": e.message}) from None
                raise ProofRefused(e.code, e.message, {"answer": e.message}) from None
            result = self.service.submit(sub, solved)
            outcome = "accepted_" + solved.by
            return result
        except Refusal as e:
            outcome = e.code
            raise
        finally:
            self.audit.record("case_submit", client, outcome)  # never the content or the contact details

    def _follow_up_limits(self, client: str, number: str, proof: Proof | None) -> None:
        """``proof``: None when the 查询码 was already checked (the sealed view cookie of /zixun/chaxun/)."""
        client_tag = tag(self._key, "client", client)
        self.limits.hit("case_view", client_tag, "查询太频繁，")
        canonical = parse_number(number)
        # A malformed 件号 matches no case, so there is nothing to guess: only the client's limit
        # counts (one shared bucket for all of them let 20 typos an hour block everyone who mistypes).
        if canonical and proof is not None:
            self.case_guard.admit(tag(self._key, "case", canonical), proof, client_tag, "这个件号查询次数较多，")

    def view(self, client: str, number: str, code: str, proof: Proof | None = Proof()) -> dict:
        self._follow_up_limits(client, number, proof)
        return self.service.view(number, code)

    def rate(self, client: str, number: str, code: str, rating: str, comment: str | None,
             proof: Proof | None = Proof()) -> dict:
        self._follow_up_limits(client, number, proof)
        return self.service.rate(number, code, rating, comment)

    def staff_login(self, client: str, username: str, password: str, proof: Proof = Proof(),
                    known_device: bool = False) -> tuple[str, str] | None:
        """``known_device``: the browser carries this user's device cookie from an earlier login, so
        a stranger's guesses at the username never slow the clerk at their own desk."""
        client_tag = tag(self._key, "client", client)
        user_tag = tag(self._key, "user", username.strip().lower())
        self.limits.hit("login", client_tag, "登录尝试太多，")
        if not known_device:
            try:
                self.login_guard.admit(user_tag, proof, client_tag, "这个用户名今天登录尝试较多，")
            except ProofNeeded:
                if self.limits.first_use("login_notice", user_tag):
                    # Once an hour per account: the staff log says someone is trying this username.
                    self.audit.warning("staff_login_over_budget user=%s client=%s", user_tag,
                                       self.audit.client(client))
                raise
        result = auth.login(self.service.store, username, password, self.session_hours)
        self.audit.record("staff_login", client, "ok" if result else "refused")
        return result

    def staff_session(self, token: str | None) -> tuple[auth.StaffUser, str] | None:
        """(user, csrf token) of a live session; None without one, or while the cases store is down."""
        try:
            store = self.service.store
        except CasesUnavailable:
            return None
        return auth.session_user(store, token)


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
