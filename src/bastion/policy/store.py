"""Versioned policy storage in the shared database (table `policy_versions`, migration policy_0001).

Every activation is a new row: version N+1, the whole validated document, its digest, the source
(config, file, api, rollback), who and when. The row with the highest version is the active set, so a
rollback is a new version carrying an old document (history is never rewritten).
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass
from typing import Any

import orjson
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from bastion.config.policy_document import PolicyDocument
from bastion.errors import NotFound
from bastion.storage import Storage

metadata = sa.MetaData()
policy_versions = sa.Table(
    "policy_versions",
    metadata,
    sa.Column("version", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("document", sa.JSON, nullable=False),
    sa.Column("digest", sa.String(64), nullable=False),
    sa.Column("source", sa.String(20), nullable=False),
    sa.Column("author", sa.String(200), nullable=False),
    sa.Column("comment", sa.String(500), nullable=True),
    sa.Column("rollback_of", sa.BigInteger, nullable=True),
    sa.Column("created_at", sa.Double, nullable=False),
)


def dump(document: PolicyDocument) -> dict[str, Any]:
    """The stored (and served) form of a document: JSON, unset fields left out."""
    return document.model_dump(mode="json", exclude_none=True, exclude_defaults=True) | {
        "policies": [r.model_dump(mode="json", exclude_none=True) for r in document.policies]
    }


def digest(data: dict[str, Any]) -> str:
    return hashlib.sha256(orjson.dumps(data, option=orjson.OPT_SORT_KEYS)).hexdigest()


@dataclass(frozen=True, slots=True)
class PolicyVersion:
    version: int
    document: dict[str, Any]
    digest: str
    source: str
    author: str
    comment: str | None
    rollback_of: int | None
    created_at: float

    def summary(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "source": self.source,
            "author": self.author,
            "comment": self.comment,
            "rollback_of": self.rollback_of,
            "created_at": self.created_at,
            "digest": self.digest,
            "rules": len(self.document.get("policies", [])),
        }


def _row(r: Any) -> PolicyVersion:
    return PolicyVersion(
        int(r.version), r.document, r.digest, r.source, r.author, r.comment,
        int(r.rollback_of) if r.rollback_of is not None else None, float(r.created_at),
    )  # fmt: skip


class PolicyStore:
    def __init__(self, storage: Storage) -> None:
        self.storage = storage

    async def head(self) -> int:
        """The active version number (0: none stored yet). One indexed read: the version poll."""
        async with self.storage.read() as conn:
            return int(await conn.scalar(sa.select(sa.func.max(policy_versions.c.version))) or 0)

    async def get(self, version: int | None = None) -> PolicyVersion | None:
        """A version, or the latest when `version` is None."""
        q = sa.select(policy_versions)
        q = q.where(policy_versions.c.version == version) if version is not None else q
        q = q.order_by(policy_versions.c.version.desc()).limit(1)
        async with self.storage.read() as conn:
            row = (await conn.execute(q)).first()
        return _row(row) if row is not None else None

    async def history(self, limit: int = 100) -> list[PolicyVersion]:
        q = sa.select(policy_versions).order_by(policy_versions.c.version.desc()).limit(limit)
        async with self.storage.read() as conn:
            return [_row(r) for r in (await conn.execute(q)).all()]

    async def publish(
        self,
        document: PolicyDocument,
        *,
        source: str,
        author: str,
        comment: str | None = None,
        rollback_of: int | None = None,
        unless_source_has: bool = False,
    ) -> PolicyVersion | None:
        """Store `document` as the next version. With `unless_source_has`, nothing is stored when the
        last version from the same source has the same digest (a file that did not change since it was
        last published: several workers and replicas starting at once publish it once)."""
        data = dump(document)
        sha = digest(data)
        for _ in range(5):
            try:
                return await self._insert(data, sha, source, author, comment, rollback_of, unless_source_has)
            except IntegrityError:  # another process took the same version number: read again
                continue
        raise RuntimeError("could not store the policy version (concurrent writers)")

    async def _insert(  # noqa: PLR0917
        self,
        data: dict[str, Any],
        sha: str,
        source: str,
        author: str,
        comment: str | None,
        rollback_of: int | None,
        unless_source_has: bool,
    ) -> PolicyVersion | None:
        async with self.storage.write() as conn:
            if unless_source_has:
                q = (
                    sa.select(policy_versions.c.digest)
                    .where(policy_versions.c.source == source)
                    .order_by(policy_versions.c.version.desc())
                    .limit(1)
                )
                if await conn.scalar(q) == sha:
                    return None
            head = int(await conn.scalar(sa.select(sa.func.max(policy_versions.c.version))) or 0)
            row = PolicyVersion(head + 1, data, sha, source, author[:200], comment, rollback_of, time.time())
            await conn.execute(
                sa.insert(policy_versions).values(
                    version=row.version, document=row.document, digest=row.digest, source=row.source,
                    author=row.author, comment=row.comment, rollback_of=row.rollback_of,
                    created_at=row.created_at,
                )
            )  # fmt: skip
        return row

    async def rollback(self, version: int, author: str) -> PolicyVersion:
        old = await self.get(version)
        if old is None:
            raise NotFound(f"no policy version {version}", param="version", code="policy_version_not_found")
        doc = PolicyDocument.model_validate(old.document)
        comment = f"rollback to version {version}"
        row = await self.publish(doc, source="rollback", author=author, comment=comment, rollback_of=version)
        assert row is not None
        return row
