"""The admin API under /admin: teams and virtual keys (`routes.py`), its models (`models.py`) and its
OpenAPI document (`openapi.py`, served at /admin/openapi.json). Served on the main listener, or on its own
host and port when the config has an `admin:` section (`build_admin_app`)."""

from __future__ import annotations

from aiohttp import web

from bastion.admin.routes import add_admin_routes
from bastion.server.state import STATE, GatewayState
from bastion.services import SERVICES

__all__ = ["add_admin_routes", "build_admin_app"]


def build_admin_app(state: GatewayState, error_middleware: object) -> web.Application:
    """An application with /admin, the /hub console and /healthz, sharing the gateway worker's state."""
    app = web.Application(middlewares=[error_middleware])  # type: ignore[list-item]
    app[STATE] = state
    app[SERVICES] = state  # what the domain packages' admin routes read (`bastion.services`)

    async def healthz(_request: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    app.router.add_get("/healthz", healthz)
    add_admin_routes(app)
    from bastion.hub import add_hub_routes

    add_hub_routes(app)  # the web console lives with the admin API
    return app
