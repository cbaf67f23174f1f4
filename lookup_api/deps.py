"""What the routes are given, as FastAPI dependencies (`Annotated[..., Depends()]`, as in the
FastAPI full-stack template): the services create_app made, the current snapshot of the lookup
database, the client's rate-limit identity and the logged-in staff member.

The one module that reads ``app.state``; the page helpers (pages.py) call these functions too.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from lookup_api.case_desk import CaseDesk
from lookup_api.cases.auth import StaffUser
from lookup_api.config import Settings
from lookup_api.db import Snapshot
from lookup_api.errors import NotLoggedIn
from lookup_api.ratelimit import client_bucket, client_ip
from lookup_api.service import LookupService

#: The staff member of the session and the session's CSRF token.
StaffSession = tuple[StaffUser, str]
SESSION = "yk_staff"  # the staff session cookie


def settings(request: Request) -> Settings:
    return request.app.state.settings


def lookup_service(request: Request) -> LookupService:
    return request.app.state.lookup


def case_desk(request: Request) -> CaseDesk:
    return request.app.state.cases


SettingsDep = Annotated[Settings, Depends(settings)]
LookupDep = Annotated[LookupService, Depends(lookup_service)]
CasesDep = Annotated[CaseDesk, Depends(case_desk)]


def snapshot(lookup: LookupDep) -> Snapshot:
    """The current lookup database (503 in the error shape while there is none)."""
    return lookup.snapshot()


def client(request: Request, settings: SettingsDep) -> str:
    """The rate-limit and audit identity of the client: its address, an IPv6 one by /64."""
    peer = request.client.host if request.client else None
    return client_bucket(client_ip(peer, request.headers.get("x-forwarded-for"), settings.trusted_proxies))


def staff_session(request: Request, cases: CasesDep) -> StaffSession | None:
    return cases.staff_session(request.cookies.get(SESSION))


MaybeStaffDep = Annotated[StaffSession | None, Depends(staff_session)]


def staff(session: MaybeStaffDep) -> StaffSession:
    """The logged-in staff member, or NotLoggedIn (errors.py answers it with the login page)."""
    if session is None:
        raise NotLoggedIn
    return session


SnapshotDep = Annotated[Snapshot, Depends(snapshot)]
ClientDep = Annotated[str, Depends(client)]
StaffDep = Annotated[StaffSession, Depends(staff)]
