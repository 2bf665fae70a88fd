"""The Hub's pages, in navigation order. Adding a page: a module here exporting `PAGE`
(`bastion.hub.page.Page`), its template `templates/<name>.html`, and one line below (docs/hub.md)."""

from __future__ import annotations

from bastion.hub.page import Page
from bastion.hub.pages import (
    compliance,
    guardrails,
    integrity,
    keys,
    models,
    overview,
    policies,
    requests,
    reviews,
    shadow,
    spend,
    teams,
)

PAGES: tuple[Page, ...] = (
    overview.PAGE,
    requests.PAGE,
    keys.PAGE,
    teams.PAGE,
    policies.PAGE,
    guardrails.PAGE,
    models.PAGE,
    spend.PAGE,
    reviews.PAGE,
    compliance.PAGE,
    shadow.PAGE,
    integrity.PAGE,
)
