"""What a Hub page is: one module in `bastion.hub.pages` exporting `PAGE`, plus its template
`templates/<name>.html`. The registry (`pages/__init__.py`) lists them in navigation order.

    PAGE = Page("spend", "Spend", "/hub/spend", "hub:spend", routes=(
        get("/hub/spend", show),                      # renders spend.html with the dict `show` returns
        get("/hub/spend.csv", export),                # or returns its own web.Response
        post("/hub/spend/alert", set_alert, "keys:write"),
    ))

A handler gets a `HubRequest` (the aiohttp request, the gateway state, the signed-in principal, the
parsed form of a POST) and returns a template context (dict) or a response. The frame does the rest:
session, role check (`permission`, see `bastion.hub.access`), CSRF on every POST, security headers,
escaping, error pages.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from multidict import MultiDictProxy

from bastion.context import Principal
from bastion.hub.access import allowed, team_scope
from bastion.hub.sessions import Session
from bastion.server.state import STATE, GatewayState


@dataclass(slots=True)
class HubRequest:
    request: web.Request
    session: Session
    page: Page
    form: MultiDictProxy[Any] | None = None

    @property
    def state(self) -> GatewayState:
        return self.request.app[STATE]

    @property
    def principal(self) -> Principal:
        return self.session.principal

    @property
    def query(self) -> Any:
        return self.request.query

    @property
    def team_scope(self) -> str | None:
        return team_scope(self.principal)

    def can(self, permission: str) -> bool:
        return allowed(self.principal, permission)

    def field(self, name: str, default: str = "") -> str:
        value = self.form.get(name, default) if self.form is not None else default
        return value.strip() if isinstance(value, str) else default


Handler = Callable[[HubRequest], Awaitable["dict[str, Any] | web.StreamResponse"]]


@dataclass(frozen=True, slots=True)
class Route:
    method: str
    path: str
    handler: Handler
    permission: str | None = None  # None: the page's permission
    template: str | None = None  # None: the page's template


def get(path: str, handler: Handler, permission: str | None = None, template: str | None = None) -> Route:
    return Route("GET", path, handler, permission, template)


def post(path: str, handler: Handler, permission: str | None = None, template: str | None = None) -> Route:
    return Route("POST", path, handler, permission, template)


@dataclass(frozen=True, slots=True)
class Page:
    name: str  # navigation id; the template is templates/<name>.html
    title: str
    path: str  # where the navigation links to
    permission: str  # needed to see the page (and its navigation entry)
    routes: tuple[Route, ...] = field(default_factory=tuple)
    nav: bool = True

    @property
    def template(self) -> str:
        return f"{self.name}.html"
