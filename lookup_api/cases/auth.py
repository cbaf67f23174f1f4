"""Staff accounts: argon2id password hashes, opaque sessions, CSRF tokens.

The session cookie holds 32 random bytes; the table keeps only their SHA-256,
so a copy of the database does not let anyone in.  Each session has its own
CSRF token, which every staff form carries in a hidden field.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import delete, select

from huinong_core.errors import HuinongError
from lookup_api.cases.schema import Staff, StaffSession, utcnow
from lookup_api.cases.store import Store

HASHER = PasswordHasher()  # argon2id, the library's current recommended parameters
#: Verified when the username is unknown, so both cases take the same time.
_DUMMY_HASH = HASHER.hash("not-a-password-" + secrets.token_hex(8))
USERNAME = re.compile(r"^[a-z0-9][a-z0-9_.-]{1,31}$")
MIN_PASSWORD = 10


class AccountError(HuinongError):
    """A staff account cannot be created or changed (message in Chinese, for the CLI)."""


@dataclass(frozen=True)
class StaffUser:
    id: int
    username: str
    display_name: str
    departments: tuple[str, ...]  # ("*",) = every department
    regions: tuple[str, ...]

    @property
    def all_departments(self) -> bool:
        return "*" in self.departments


def _user(row: Staff) -> StaffUser:
    return StaffUser(row.id, row.username, row.display_name, tuple(d for d in row.departments.split("/") if d),
                     tuple(row.regions.split()))


def token_id(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def check_password_strength(password: str, username: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"密码太短：至少{MIN_PASSWORD}个字符。")
    if username.lower() in password.lower():
        raise AccountError("密码不能包含用户名。")


def add_staff(store: Store, username: str, password: str, display_name: str, departments: list[str],
              regions: list[str]) -> StaffUser:
    if not USERNAME.match(username):
        raise AccountError("用户名只能用小写字母、数字和 _ . -，2至32个字符，以字母或数字开头。")
    check_password_strength(password, username)
    if not departments or not regions:
        raise AccountError("必须指定至少一个部门（--department）和一个区划（--region）。")
    for d in departments:
        if "/" in d or not d.strip():
            raise AccountError(f"部门名称不对：“{d}”（一个 --department 写一个部门，不要带“/”）。")
    for r in regions:
        if not re.fullmatch(r"\d{12}", r):
            raise AccountError(f"区划代码不对：“{r}”（应为12位数字，如县级 410421000000）。")
    with store.session() as s:
        if s.scalar(select(Staff.id).where(Staff.username == username)) is not None:
            raise AccountError(f"用户名 {username} 已存在。")
        row = Staff(username=username, display_name=display_name or username, password_hash=HASHER.hash(password),
                    departments="/".join(departments), regions=" ".join(regions), active=True, created_at=utcnow())
        s.add(row)
        s.flush()
        return _user(row)


def set_password(store: Store, username: str, password: str) -> None:
    check_password_strength(password, username)
    with store.session() as s:
        row = s.scalar(select(Staff).where(Staff.username == username))
        if row is None:
            raise AccountError(f"没有用户 {username}。")
        row.password_hash = HASHER.hash(password)
        s.execute(delete(StaffSession).where(StaffSession.staff_id == row.id))


def set_active(store: Store, username: str, active: bool) -> None:
    with store.session() as s:
        row = s.scalar(select(Staff).where(Staff.username == username))
        if row is None:
            raise AccountError(f"没有用户 {username}。")
        row.active = active
        if not active:
            s.execute(delete(StaffSession).where(StaffSession.staff_id == row.id))


def list_staff(store: Store) -> list[tuple[StaffUser, bool]]:
    with store.session() as s:
        return [(_user(r), r.active) for r in s.scalars(select(Staff).order_by(Staff.username))]


def login(store: Store, username: str, password: str, hours: float) -> tuple[str, str] | None:
    """(session token, csrf token), or None: unknown user, wrong password and disabled account alike."""
    with store.session() as s:
        row = s.scalar(select(Staff).where(Staff.username == username.strip().lower()))
        try:
            HASHER.verify(row.password_hash if row is not None else _DUMMY_HASH, password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return None
        if row is None or not row.active:
            return None
        if HASHER.check_needs_rehash(row.password_hash):
            row.password_hash = HASHER.hash(password)
        now = utcnow()
        s.execute(delete(StaffSession).where(StaffSession.expires_at < now))
        token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(24)
        s.add(StaffSession(id=token_id(token), staff_id=row.id, csrf=csrf, created_at=now,
                           expires_at=now + dt.timedelta(hours=hours)))
        return token, csrf


def session_user(store: Store, token: str | None) -> tuple[StaffUser, str] | None:
    """(user, csrf token) of a live session of an active account."""
    if not token or len(token) > 100:
        return None
    with store.session() as s:
        row = s.execute(select(StaffSession, Staff).join(Staff, Staff.id == StaffSession.staff_id)
                        .where(StaffSession.id == token_id(token))).first()
        if row is None:
            return None
        sess, staff = row
        if sess.expires_at < utcnow() or not staff.active:
            return None
        return _user(staff), sess.csrf


def logout(store: Store, token: str | None) -> None:
    if token:
        with store.session() as s:
            s.execute(delete(StaffSession).where(StaffSession.id == token_id(token)))


def csrf_ok(expected: str, given: str | None) -> bool:
    return bool(given) and hmac.compare_digest(expected.encode(), (given or "").encode())
