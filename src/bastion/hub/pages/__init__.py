"""The Hub's pages, in navigation order. Adding a page: a module here exporting `PAGE`
(`bastion.hub.page.Page`), its template `templates/<name>.html`, and one line below (docs/hub.md)."""

from __future__ import annotations

from bastion.hub.page import Page
from bastion.hub.pages import overview

PAGES: tuple[Page, ...] = (overview.PAGE,)
