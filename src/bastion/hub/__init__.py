"""The Hub: the admin web console at /hub (docs/hub.md).

Server-rendered pages (Jinja2, autoescaped), one small script and one stylesheet shipped in the package,
charts drawn as inline SVG on the server. Served where the admin API is: on the main listener, or on the
separate admin listener when the config has an `admin:` section.

    web.py       the frame: rendering, static files, security headers, session + role + CSRF wrapper
    auth.py      /hub/login and /hub/logout;  sessions.py: database-backed sessions, login throttling
    page.py      what a page is;  pages/: one module per page and the registry (`PAGES`)
    actions.py   changes go through the admin API's routes (same checks, same audit records)
    queries.py   aggregates computed in the database;  charts.py: SVG charts
"""

from __future__ import annotations

from aiohttp import web

from bastion.server.state import STATE

__all__ = ["add_hub_routes"]


def add_hub_routes(app: web.Application) -> None:
    """Mount /hub on `app` (needs `app[STATE]`); nothing when `hub.enabled` is false."""
    if not app[STATE].config.hub.enabled:
        return
    from bastion.hub import auth
    from bastion.hub.pages import PAGES
    from bastion.hub.web import HUB, Hub, page_handler, static_file

    app[HUB] = Hub(app, PAGES)

    async def slash(_request: web.Request) -> web.StreamResponse:
        raise web.HTTPPermanentRedirect("/hub")

    app.router.add_get("/hub/", slash)
    app.router.add_get("/hub/login", auth.login_page)
    app.router.add_post("/hub/login", auth.login)
    app.router.add_post("/hub/logout", auth.logout)
    app.router.add_get("/hub/static/{name}", static_file)
    for page in PAGES:
        for route in page.routes:
            app.router.add_route(route.method, route.path, page_handler(page, route))
