"""The cases database.  Times are naive UTC; pages show them in UTC+8.

``case_events`` is the append-only history: the code only ever inserts into it,
and the migration installs triggers that make UPDATE and DELETE fail in the
database itself (SQLite and PostgreSQL alike).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    Boolean, DateTime, ForeignKey, Index, Integer, LargeBinary, String, Text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

KINDS = ("咨询", "投诉", "举报", "上门服务")
STATUSES = ("已受理", "办理中", "已答复", "已办结")
OPEN_STATUSES = ("已受理", "办理中")
RATINGS = ("满意", "基本满意", "不满意")


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None, microsecond=0)


class Base(DeclarativeBase):
    pass


class Case(Base):
    __tablename__ = "cases"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[str] = mapped_column(String(24), unique=True)  # 件号 20251123-410421-0007
    code_hash: Mapped[str] = mapped_column(String(64))  # keyed hash of the 查询码, never the code
    kind: Mapped[str] = mapped_column(String(8))
    programme: Mapped[str | None] = mapped_column(String(16))
    programme_name: Mapped[str | None] = mapped_column(String(100))
    village: Mapped[str] = mapped_column(String(12))
    township: Mapped[str] = mapped_column(String(12))
    county: Mapped[str] = mapped_column(String(12))
    place_name: Mapped[str] = mapped_column(String(200))
    department: Mapped[str] = mapped_column(String(100))
    content_enc: Mapped[bytes] = mapped_column(LargeBinary)  # Fernet: people write names and numbers into it
    phone_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    name_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    anonymous: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(8), default="已受理")
    reply: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    due_at: Mapped[dt.datetime] = mapped_column(DateTime)
    replied_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    closed_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime)

    __table_args__ = (
        Index("cases_queue", "county", "status", "due_at"),
        Index("cases_created", "created_at"),
    )


class CaseEvent(Base):
    """One thing that happened to a case.  Append-only."""

    __tablename__ = "case_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime)
    actor: Mapped[str] = mapped_column(String(64))  # "群众", "系统" or a staff username
    action: Mapped[str] = mapped_column(String(16))  # 提交 受理 答复 办结 转办 评价
    status: Mapped[str] = mapped_column(String(8))  # status after the action
    department: Mapped[str] = mapped_column(String(100))  # department after the action
    note: Mapped[str | None] = mapped_column(Text)


class Rating(Base):
    __tablename__ = "ratings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), unique=True)
    rating: Mapped[str] = mapped_column(String(8))
    comment: Mapped[str | None] = mapped_column(Text)
    at: Mapped[dt.datetime] = mapped_column(DateTime)


class Staff(Base):
    __tablename__ = "staff"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(64))
    password_hash: Mapped[str] = mapped_column(String(200))
    departments: Mapped[str] = mapped_column(Text)  # "民政局/残联": a case is theirs if it names one of them
    regions: Mapped[str] = mapped_column(Text)  # space-separated region codes (county, township or city)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)


class StaffSession(Base):
    """Opaque session id: the cookie holds a random token, the table its SHA-256."""

    __tablename__ = "staff_sessions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"), index=True)
    csrf: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime)


class SpentChallenge(Base):
    """Proof-of-work challenges already used (each one works once)."""

    __tablename__ = "spent_challenges"

    nonce: Mapped[str] = mapped_column(String(32), primary_key=True)
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime, index=True)

