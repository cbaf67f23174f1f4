"""Server-rendered pages (咨询与投诉 form, follow-up, statistics, staff): the site's look.

The pages use the site's stylesheet (``assets/yikatong.<hash>.css``, served with the
site, named by ``site_files.assets``) and the site's own header and footer partials from site_src/overrides,
so they look like every other page; links are relative, so a sub-path works.
Small signed-and-encrypted cookies carry what a redirect must not put in a URL
(the 查询码 after submitting, the access to a case after following it up).
"""

from __future__ import annotations

import ipaddress
import json
import time

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import ChoiceLoader, Environment, FileSystemLoader, PackageLoader, select_autoescape

from huinong_core import site_files, urls
from huinong_core.site_files import SITE_SRC
from lookup_api import deps
from lookup_api.errors import NO_STORE, ApiError
from lookup_api.refusals import Unavailable

SITE_PARTIALS = SITE_SRC / "overrides"

_loaders = [PackageLoader("lookup_api", "templates")]
if SITE_PARTIALS.is_dir():  # the site's header/footer; the package has plain fallbacks
    _loaders.insert(0, FileSystemLoader(str(SITE_PARTIALS)))
env = Environment(loader=ChoiceLoader(_loaders), autoescape=select_autoescape(["html"]),
                  trim_blocks=True, lstrip_blocks=True)


NAV = [{"title": t, "path": p} for t, p in urls.NAV]


def root_of(request: Request) -> str:
    """Relative path from this page to the web root ("/zixun/chaxun/" → "../../")."""
    path = request.url.path
    depth = path.strip("/").count("/") + 1 if path.strip("/") else 0
    if not path.endswith("/"):
        depth -= 1
    return "../" * depth


def yk(request: Request) -> dict:
    meta: dict = {}
    try:
        meta = deps.lookup_of(request).snapshot().meta
    except Unavailable:
        pass
    return {"site_name": meta.get("site_name") or "惠民惠农财政补贴资金“一卡通”公开专栏",
            "publisher": meta.get("publisher", ""), "phone": meta.get("supervision_phone", ""),
            "nav": NAV, "version": meta.get("label", ""), "assets": site_files.assets()}


def render(request: Request, template: str, status: int = 200, headers: dict | None = None,
           **context) -> HTMLResponse:
    html = env.get_template(template).render(yk=yk(request), yk_root=root_of(request),
                                             yk_active=context.pop("active", "zixun/"), **context)
    return HTMLResponse(html, status, headers={**(headers or {}), **NO_STORE})


async def read_form(request: Request, names: tuple[str, ...]) -> dict[str, str]:
    """The named fields of a posted form (absent ones empty); 400 when the body is no form.

    Read by hand, not as a typed ``Form()`` body: a page answers every problem in itself, beside
    what was typed, where FastAPI's validation would answer the error page and lose the form."""
    try:
        form = await request.form(max_files=0, max_fields=20)
    except Exception:
        raise ApiError(400) from None
    return {k: str(form.get(k, "")) for k in names}


def see_other(url: str) -> RedirectResponse:
    return RedirectResponse(url, 303, headers=NO_STORE)


# ------------------------------------------------------------ cookies

def secure_cookies(request: Request) -> bool:
    """Secure unless this is plain HTTP to a loopback address (make run); LOOKUP_COOKIE_SECURE overrides."""
    setting = deps.settings_of(request).cookie_secure
    if setting is not None:
        return setting
    if request.url.scheme == "https":
        return True
    host = (request.url.hostname or "").strip("[]")
    try:
        return not ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host != "localhost"


def set_cookie(request: Request, response: Response, name: str, value: str, path: str, max_age: int) -> None:
    response.set_cookie(name, value, max_age=max_age, path=path, httponly=True, samesite="strict",
                        secure=secure_cookies(request))


def clear_cookie(request: Request, response: Response, name: str, path: str) -> None:
    response.delete_cookie(name, path=path, httponly=True, samesite="strict", secure=secure_cookies(request))


def seal(request: Request, data: dict, seconds: int) -> str:
    """Encrypted and authenticated (Fernet), with an expiry inside."""
    cipher = deps.cases_of(request).cipher
    return cipher.encrypt(json.dumps({**data, "exp": int(time.time()) + seconds})).decode()


def unseal(request: Request, token: str | None) -> dict | None:
    if not token or len(token) > 2000:
        return None
    cipher = deps.cases_of(request).cipher
    try:
        data = json.loads(cipher.decrypt_strict(token.encode()))
    except Exception:
        return None
    return data if isinstance(data, dict) and data.get("exp", 0) > time.time() else None
