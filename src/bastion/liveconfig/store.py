"""Versioned runtime configuration in the shared database (table `config_versions`, migration config_0001).

Every change is a new row: version N+1, the whole overlay after the change, what was done (`action`,
`target`), who, when and why. The highest version is in force everywhere, so a rollback is a new version
carrying an old overlay. A reload row (`config.reload`) makes every process that sees it read its own
config file again; it carries the digest of what it put in force (`file_digest`), so workers reloading the
same file at once (SIGHUP to each) store it once.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from bastion.storage import Storage

metadata = sa.MetaData()
config_versions = sa.Table(
    "config_versions",
    metadata,
    sa.Column("version", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("overlay", sa.JSON, nullable=False),
    sa.Column("action", sa.String(40), nullable=False),
    sa.Column("target", sa.String(200), nullable=True),
    sa.Column("file_digest", sa.String(64), nullable=True),
    sa.Column("author", sa.String(200), nullable=False),
    sa.Column("comment", sa.String(500), nullable=True),
    sa.Column("created_at", sa.Double, nullable=False),
)


@dataclass(frozen=True, slots=True)
class ConfigVersion:
    version: int
    overlay: dict[str, Any]
    action: str
    target: str | None
    file_digest: str | None
    author: str
    comment: str | None
    created_at: float

    def summary(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "action": self.action,
            "target": self.target,
            "author": self.author,
            "comment": self.comment,
            "created_at": self.created_at,
        }


def _row(r: Any) -> ConfigVersion:
    return ConfigVersion(
        int(r.version), dict(r.overlay), r.action, r.target, r.file_digest, r.author, r.comment,
        float(r.created_at),
    )  # fmt: skip


class ConfigStore:
    def __init__(self, storage: Storage) -> None:
        self.storage = storage

    async def head(self) -> int:
        """The version in force (0: none stored). One indexed read: the version poll."""
        async with self.storage.read() as conn:
            return int(await conn.scalar(sa.select(sa.func.max(config_versions.c.version))) or 0)

    async def get(self, version: int | None = None) -> ConfigVersion | None:
        """A version, or the latest when `version` is None."""
        q = sa.select(config_versions)
        q = q.where(config_versions.c.version == version) if version is not None else q
        q = q.order_by(config_versions.c.version.desc()).limit(1)
        async with self.storage.read() as conn:
            row = (await conn.execute(q)).first()
        return _row(row) if row is not None else None

    async def history(self, limit: int = 100) -> list[ConfigVersion]:
        q = sa.select(config_versions).order_by(config_versions.c.version.desc()).limit(limit)
        async with self.storage.read() as conn:
            return [_row(r) for r in (await conn.execute(q)).all()]

    async def append(
        self,
        after: int,
        overlay: dict[str, Any],
        *,
        action: str,
        author: str,
        target: str | None = None,
        file_digest: str | None = None,
        comment: str | None = None,
    ) -> ConfigVersion | None:
        """Store version `after + 1`; None when another writer stored a version since `after` (the caller
        computed its change on a stale overlay: read the latest again and redo it)."""
        row = ConfigVersion(
            after + 1, overlay, action[:40], (target or None) and target[:200], file_digest, author[:200],
            comment[:500] if comment else None, time.time(),
        )  # fmt: skip
        try:
            async with self.storage.write() as conn:
                head = int(await conn.scalar(sa.select(sa.func.max(config_versions.c.version))) or 0)
                if head != after:
                    return None
                await conn.execute(
                    sa.insert(config_versions).values(
                        version=row.version, overlay=row.overlay, action=row.action, target=row.target,
                        file_digest=row.file_digest, author=row.author, comment=row.comment,
                        created_at=row.created_at,
                    )
                )  # fmt: skip
        except IntegrityError:  # another process took the same number at the same time
            return None
        return row
