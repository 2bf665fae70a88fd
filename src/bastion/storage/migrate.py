"""Run the shipped Alembic migrations up to head, once, at start-up.

Several processes may start at once (workers, replicas): the upgrade runs inside one write transaction
that first takes a lock (`BEGIN IMMEDIATE` on SQLite, a transaction-scoped advisory lock on PostgreSQL),
so the first process migrates and the others find the schema at head and do nothing.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config as AlembicConfig
from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from bastion.storage.engine import write

MIGRATIONS = Path(__file__).parent / "migrations"
_PG_LOCK_ID = 0x62617374  # "bast"


def _upgrade(conn: Connection, revision: str) -> None:
    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["connection"] = conn
    command.upgrade(cfg, revision)


def _current(conn: Connection) -> str | None:
    from alembic.runtime.migration import MigrationContext

    heads = MigrationContext.configure(conn).get_current_heads()
    return ",".join(sorted(heads)) or None


def heads() -> str:
    """The shipped migrations' head revision(s), comma-separated: what `migrate()` brings a database to."""
    from alembic.script import ScriptDirectory

    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return ",".join(sorted(ScriptDirectory.from_config(cfg).get_heads()))


async def migrate(engine: AsyncEngine, revision: str = "heads") -> str | None:
    """Upgrade the database to `revision` (default: every head, so features' migrations may branch from
    any revision); returns the revision(s) it is at afterwards, comma-separated."""
    async with write(engine) as conn:
        if engine.dialect.name == "postgresql":
            await conn.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": _PG_LOCK_ID})
        await conn.run_sync(_upgrade, revision)
        return await conn.run_sync(_current)
