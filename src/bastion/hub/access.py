"""Who may do what in the Hub. The admin API's role table (`bastion.admin.routes.PERMISSIONS`) is the
source of truth; the Hub adds only its read views, each scoped on the server:

    hub:view       every admin role: the frame, Overview (a team-admin sees its own team's figures)
    hub:requests   every admin role: the request trail (a team-admin: its own team's requests only)
    hub:spend      every admin role: spend (a team-admin: its own team only)
    hub:content    stored prompt/response content: admin and auditor (never a team-admin)

Every state-changing Hub action runs an admin API route (`bastion.hub.actions`), so it is authorized by
that route's own permission, exactly as over HTTP.
"""

from __future__ import annotations

from bastion.admin.routes import PERMISSIONS
from bastion.context import Principal

_HUB: dict[str, frozenset[str]] = {
    "admin": frozenset({"hub:view", "hub:requests", "hub:spend", "hub:content"}),
    "team-admin": frozenset({"hub:view", "hub:requests", "hub:spend"}),
    "auditor": frozenset({"hub:view", "hub:requests", "hub:spend", "hub:content"}),
}


def allowed(principal: Principal, permission: str) -> bool:
    role = principal.role or ""
    return permission in PERMISSIONS.get(role, frozenset()) or permission in _HUB.get(role, frozenset())


def team_scope(principal: Principal) -> str | None:
    """The team (name, as the audit trail records it) a team-admin is confined to; None: every team."""
    return principal.team if principal.role == "team-admin" else None
