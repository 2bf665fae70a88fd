"""Backend fixtures shared with the audit tests (a SQLite file, or a fresh PostgreSQL database)."""

from __future__ import annotations

from audit.conftest import db_url, pg_url, storage

__all__ = ["db_url", "pg_url", "storage"]
