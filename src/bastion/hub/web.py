"""The Hub's frame: rendering (Jinja2, autoescaped), static files, security headers, and the wrapper
that gives every page route its session, role check and CSRF check."""

from __future__ import annotations

import hashlib
import hmac
import mimetypes
from collections.abc import Awaitable, Callable
from importlib import resources
from typing import Any
from urllib.parse import quote, urlsplit

import jinja2
from aiohttp import web

from bastion.errors import Forbidden, GatewayError
from bastion.hub import format as fmt
from bastion.hub.access import allowed
from bastion.hub.page import HubRequest, Page, Route
from bastion.hub.sessions import Session, SessionStore
from bastion.server.state import STATE

COOKIE = "bastion_hub"
LOGIN_COOKIE = "bastion_hub_login"  # the login form's CSRF token (double submit, before any session)
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}


class Static:
    """The package's static files, read once; served with a content hash so they can be cached for good."""

    def __init__(self) -> None:
        self.files: dict[str, tuple[bytes, str, str]] = {}
        for entry in resources.files("bastion.hub").joinpath("static").iterdir():
            if entry.is_file():
                data = entry.read_bytes()
                ctype = mimetypes.guess_type(entry.name)[0] or "application/octet-stream"
                self.files[entry.name] = (data, ctype, hashlib.sha256(data).hexdigest()[:16])

    def url(self, name: str) -> str:
        return f"/hub/static/{name}?v={self.files[name][2]}"


class Hub:
    """Everything the console holds, built per application (main or admin listener) by `add_hub_routes`."""

    def __init__(self, app: web.Application, pages: tuple[Page, ...]) -> None:
        state = app[STATE]
        self.pages = pages
        self.sessions = SessionStore(state.storage, state.authenticator, state.config.hub)
        self.static = Static()
        self.env = jinja2.Environment(
            loader=jinja2.PackageLoader("bastion.hub", "templates"),
            autoescape=True,
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self.env.globals["static"] = self.static.url
        self.env.filters.update(fmt.FILTERS)

    def render(self, template: str, status: int = 200, **context: Any) -> web.Response:
        html = self.env.get_template(template).render(**context)
        return web.Response(text=html, status=status, content_type="text/html", charset="utf-8")

    def nav(self, session: Session) -> list[Page]:
        return [p for p in self.pages if p.nav and allowed(session.principal, p.permission)]


HUB = web.AppKey("bastion_hub", Hub)


def secure(response: web.StreamResponse, cache: bool = False) -> web.StreamResponse:
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    if not cache:
        response.headers["Cache-Control"] = "no-store"
    return response


def is_https(request: web.Request) -> bool:
    if request.secure:
        return True
    if request.app[STATE].config.hub.trust_forwarded_proto:
        proto = request.headers.get("X-Forwarded-Proto", "").split(",")[0].strip().lower()
        return proto == "https"
    return False


def set_cookie(request: web.Request, response: web.StreamResponse, name: str, value: str) -> None:
    response.set_cookie(name, value, path="/hub", httponly=True, samesite="Strict", secure=is_https(request))


def same_origin(request: web.Request) -> bool:
    """A POST that names its origin must come from this host (the CSRF token is checked as well)."""
    origin = request.headers.get("Origin")
    if origin is None or origin == "null":
        return origin is None
    return urlsplit(origin).netloc == request.host


def csrf_ok(expected: str, presented: str | None) -> bool:
    return bool(presented) and hmac.compare_digest(expected.encode(), str(presented).encode())


def error_page(
    hub: Hub, request: web.Request, status: int, message: str, session: Session | None
) -> web.Response:
    return hub.render(
        "error.html", status, status=status, message=message, session=session,
        nav=hub.nav(session) if session else [], page=None, principal=session.principal if session else None,
    )  # fmt: skip


def login_redirect(request: web.Request) -> web.Response:
    target = request.path_qs if request.method == "GET" else "/hub"
    raise web.HTTPSeeOther(f"/hub/login?next={quote(target, safe='')}")


def page_handler(page: Page, route: Route) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    permission = route.permission or page.permission
    template = route.template or page.template

    async def handle(request: web.Request) -> web.StreamResponse:
        hub = request.app[HUB]
        session: Session | None = None
        try:
            session = await hub.sessions.load(request.cookies.get(COOKIE))
            if session is None:
                if request.method == "GET":
                    login_redirect(request)
                return secure(error_page(hub, request, 401, "Your session has ended: sign in again.", None))
            form = None
            if request.method == "POST":
                form = await request.post()
                presented = form.get("csrf") or request.headers.get("X-CSRF-Token")
                if not same_origin(request) or not csrf_ok(session.csrf, presented):  # type: ignore[arg-type]
                    raise Forbidden("the form's security token is missing or stale: reload the page")
            if not allowed(session.principal, permission):
                raise Forbidden(f"role '{session.principal.role}' may not do this ({permission})")
            hub_request = HubRequest(request, session, page, form)
            result = await route.handler(hub_request)
            if isinstance(result, web.StreamResponse):
                return secure(result)
            context = {
                "page": page, "nav": hub.nav(session), "session": session, "principal": session.principal,
                "csrf": session.csrf, "hub": hub_request, **result,
            }  # fmt: skip
            return secure(hub.render(template, int(result.get("status", 200)), **context))
        except GatewayError as err:
            return secure(error_page(hub, request, err.status_code, err.message, session))

    handle.__name__ = f"hub_{page.name}_{route.handler.__name__}"
    return handle


async def static_file(request: web.Request) -> web.StreamResponse:
    hub = request.app[HUB]
    found = hub.static.files.get(request.match_info["name"])
    if found is None:
        raise web.HTTPNotFound()
    data, ctype, etag = found
    headers = {"ETag": f'"{etag}"', "Cache-Control": "public, max-age=31536000, immutable"}
    if request.headers.get("If-None-Match") == f'"{etag}"':
        return secure(web.Response(status=304, headers=headers), cache=True)
    return secure(web.Response(body=data, content_type=ctype, headers=headers), cache=True)
