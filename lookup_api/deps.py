"""What the routes are given, as FastAPI dependencies (`Annotated[..., Depends()]`, as in the
FastAPI full-stack template): the services create_app made, what the current lookup database says
of itself, the client's rate-limit identity and the logged-in staff member.

The one module that reads ``app.state`` (``*_of``, which the page helpers in pages.py call too).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from lookup_api.case_desk import CaseDesk
from lookup_api.cases.auth import StaffUser
from lookup_api.config import Settings
from lookup_api.db import Contents
from lookup_api.errors import NotLoggedIn
from lookup_api.ratelimit import client_bucket, client_ip
from lookup_api.service import LookupService

#: The staff member of the session and the session's CSRF token.
StaffSession = tuple[StaffUser, str]
SESSION = "yk_staff"  # the staff session cookie


def settings_of(request: Request) -> Settings:
    return request.app.state.settings


def lookup_of(request: Request) -> LookupService:
    return request.app.state.lookup


def cases_of(request: Request) -> CaseDesk:
    return request.app.state.cases


# The providers that do no I/O are ``async``: FastAPI runs them on the event loop, where a plain
# ``def`` would cost each request a hop to the thread pool.

async def settings(request: Request) -> Settings:
    return settings_of(request)


async def lookup_service(request: Request) -> LookupService:
    return lookup_of(request)


async def case_desk(request: Request) -> CaseDesk:
    return cases_of(request)


SettingsDep = Annotated[Settings, Depends(settings)]
LookupDep = Annotated[LookupService, Depends(lookup_service)]
CasesDep = Annotated[CaseDesk, Depends(case_desk)]


async def contents(lookup: LookupDep) -> Contents:
    """What the current lookup database says of itself (503 in the error shape while there is none).

    Values only, never the snapshot: its connection belongs to the thread that opened it, which
    closes it when it sees a new build, while a sync route runs in another thread of the pool."""
    return lookup.snapshot().contents


def client_of(request: Request) -> str:
    """The rate-limit and audit identity of the client: its address, an IPv6 one by /64."""
    peer = request.client.host if request.client else None
    return client_bucket(client_ip(peer, request.headers.get("x-forwarded-for"),
                                   settings_of(request).trusted_proxies))


async def client(request: Request) -> str:
    return client_of(request)


def staff_session(request: Request, cases: CasesDep) -> StaffSession | None:
    return cases.staff_session(request.cookies.get(SESSION))


MaybeStaffDep = Annotated[StaffSession | None, Depends(staff_session)]


async def staff(session: MaybeStaffDep) -> StaffSession:
    """The logged-in staff member, or NotLoggedIn (errors.py answers it with the login page)."""
    if session is None:
        raise NotLoggedIn
    return session


ContentsDep = Annotated[Contents, Depends(contents)]
ClientDep = Annotated[str, Depends(client)]
StaffDep = Annotated[StaffSession, Depends(staff)]
