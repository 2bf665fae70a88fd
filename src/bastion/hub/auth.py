"""Signing in and out of the Hub: `/hub/login` (a form whose input is named `key`), `/hub/logout`.

A key logs in when it is the admin key or a virtual key with an admin role (admin, team-admin, auditor).
Failed attempts are counted per client address in the database (every worker sees them) and refused with
429 once `hub.login_attempts` fail within `hub.login_window_seconds`. The login form has its own CSRF
token (a double-submit cookie), so nobody can sign a browser in to someone else's account.
"""

from __future__ import annotations

import secrets
from urllib.parse import urlsplit

from aiohttp import web

from bastion.errors import Unauthorized
from bastion.hub.sessions import Session
from bastion.hub.web import COOKIE, HUB, LOGIN_COOKIE, csrf_ok, same_origin, secure, set_cookie
from bastion.identity.service import ROLES
from bastion.server.state import STATE


def _next(value: str | None) -> str:
    """Only a path inside the Hub (never another site)."""
    if not value:
        return "/hub"
    parts = urlsplit(value)
    if parts.scheme or parts.netloc or not value.startswith("/hub") or "\\" in value:
        return "/hub"
    return value


def _form(
    request: web.Request, status: int = 200, error: str | None = None, next_url: str = "/hub"
) -> web.Response:
    hub = request.app[HUB]
    token = secrets.token_urlsafe(24)
    resp = hub.render("login.html", status, csrf=token, error=error, next=next_url, nav=[], page=None,
                      principal=None, session=None)  # fmt: skip
    set_cookie(request, resp, LOGIN_COOKIE, token)
    return resp


async def login_page(request: web.Request) -> web.StreamResponse:
    hub = request.app[HUB]
    if await hub.sessions.load(request.cookies.get(COOKIE)) is not None:
        raise web.HTTPSeeOther(_next(request.query.get("next")))
    return secure(_form(request, next_url=_next(request.query.get("next"))))


async def login(request: web.Request) -> web.StreamResponse:
    hub = request.app[HUB]
    state = request.app[STATE]
    form = await request.post()
    next_url = _next(str(form.get("next") or ""))
    if not same_origin(request) or not csrf_ok(request.cookies.get(LOGIN_COOKIE, ""), form.get("csrf")):  # type: ignore[arg-type]
        return secure(_form(request, 403, "The sign-in form expired: try again.", next_url))
    client = request.remote or "unknown"
    if await hub.sessions.throttled(client):
        resp = _form(
            request, 429, "Too many failed sign-ins from this address: wait a few minutes.", next_url
        )
        resp.headers["Retry-After"] = str(int(state.config.hub.login_window_seconds))
        return secure(resp)
    key = str(form.get("key") or "").strip()
    principal = None
    if key:
        try:
            principal = state.authenticator.authenticate(key)
        except Unauthorized:
            principal = None
    if principal is None or principal.role not in ROLES:
        await hub.sessions.failed(client)
        message = (
            "This key has no admin role (admin, team-admin or auditor)."
            if principal is not None
            else "Unknown, revoked or expired key."
        )
        return secure(_form(request, 401, message, next_url))
    session = await hub.sessions.create(principal, key, client)
    _record(request, session, "POST /hub/login")
    resp = web.HTTPSeeOther(next_url)
    set_cookie(request, resp, COOKIE, session.id)
    resp.del_cookie(LOGIN_COOKIE, path="/hub")
    secure(resp)
    raise resp


async def logout(request: web.Request) -> web.StreamResponse:
    hub = request.app[HUB]
    raw = request.cookies.get(COOKIE)
    session = await hub.sessions.load(raw)
    if session is not None:
        form = await request.post()
        if not same_origin(request) or not csrf_ok(session.csrf, form.get("csrf")):  # type: ignore[arg-type]
            raise web.HTTPForbidden(text="stale form: reload the page")
        await hub.sessions.end(session.id)
        _record(request, session, "POST /hub/logout")
    resp = web.HTTPSeeOther("/hub/login")
    resp.del_cookie(COOKIE, path="/hub")
    secure(resp)
    raise resp


def _record(request: web.Request, session: Session, action: str) -> None:
    audit = request.app[STATE].audit
    if audit is not None:
        audit.change(session.principal, action, target=None, status=200)
