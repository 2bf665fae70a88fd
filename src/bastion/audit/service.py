"""`Audit`: one worker's audit trail — builds records, journals them, and runs the group-commit writer.

audit = Audit(config, storage)        # in the composition root
await audit.start()                   # after storage.open(): replay journals, start the writer
audit.admit(ctx)                      # first thing per request: is there room in the journal (gate.py)
audit.seal(ctx, normal=True)          # right before the last bytes of the answer (sync, a few µs)
audit.change(actor, action, ...)      # an admin change
await audit.stop()                    # graceful shutdown: everything committed and checkpointed
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import AsyncIterator
from typing import Any

import orjson
from pydantic import SecretStr

from bastion.audit.content import DataKeys, encrypted, redacted
from bastion.audit.journal import Journal
from bastion.audit.keysync import KeySync
from bastion.audit.material import Material, load_material
from bastion.audit.record import ClientIp, RecordIds, change_record, outcome_of, request_record
from bastion.audit.store import AuditStore
from bastion.audit.stream import watched
from bastion.audit.writer import AuditWriter
from bastion.config.schema import Config
from bastion.context import Principal, RequestContext
from bastion.errors import Unavailable
from bastion.sse import SseEvent
from bastion.storage import Storage

log = logging.getLogger("bastion.audit")
UNRECORDED = "audit_unrecorded"  # annotation: turned away by the journal gate, no record


def _secret_digest(value: object) -> str:
    if isinstance(value, SecretStr):
        return "sha256:" + hashlib.sha256(value.get_secret_value().encode()).hexdigest()
    raise TypeError(type(value).__name__)


def config_hash(config: Config) -> str:
    """SHA-256 of the running config (secrets enter as their own digests, never in clear)."""
    data = orjson.dumps(config.model_dump(), default=_secret_digest, option=orjson.OPT_SORT_KEYS)
    return hashlib.sha256(data).hexdigest()


def actor_of(principal: Principal | None) -> dict[str, Any]:
    if principal is None:
        return {"key_id": None}
    return {
        "key_id": principal.key_id,
        "name": principal.name,
        "role": principal.role,
        "team": principal.team,
    }


class Audit:
    def __init__(self, config: Config, storage: Storage, material: Material | None = None) -> None:
        self.settings = config.audit
        self.material = material or load_material(config.audit, config.database_url)
        self.store = AuditStore(storage)
        self.config_hash = config_hash(config)
        self.client_ip = ClientIp(self.settings.client_ip, self.material.hash_key)
        self.ids = RecordIds()
        self.keys = DataKeys(self.material.content_key)
        self.keysync = KeySync(self.store, self.keys, config.identity, config.redis_url)
        self.writer = AuditWriter(
            self.store,
            Journal(self.material.dir, config.database_url, self.settings.fsync),
            self.material.signer,
            self.settings,
        )

    async def start(self) -> None:
        await self.keysync.start(watch=self.settings.encrypts)
        await self.writer.start()
        self.writer.submit(
            change_record(
                actor={"key_id": None, "name": "config file"},
                action="config.load",
                target=None,
                status=200,
                before_hash=None,
                after_hash=self.config_hash,
                kind="config",
            )
        )

    async def stop(self) -> None:
        await self.keysync.stop()
        await self.writer.stop()

    def admit(self, ctx: RequestContext) -> None:
        """While the journal is full: raise Unavailable (`journal_full: reject`) or mark the request to be
        served without a record (`serve`). Either way its record is not journalled (`UNRECORDED`)."""
        try:
            if self.writer.gate.admit(self.writer.backlog_bytes):
                return
        except Unavailable:
            ctx.annotations[UNRECORDED] = True
            raise
        ctx.annotations[UNRECORDED] = True
        ctx.response_headers["x-bastion-audit"] = "unrecorded"

    def health(self) -> dict[str, Any]:
        return self.writer.gate.health(self.writer.backlog_bytes)

    def seal(self, ctx: RequestContext, normal: bool) -> dict[str, Any]:
        """Journal this interaction's record (once). `normal`: the answer is about to be delivered."""
        record = request_record(
            ctx,
            outcome=outcome_of(ctx, normal),
            client_ip=self.client_ip,
            hash_key=self.material.hash_key,
            config_hash=self.config_hash,
            ids=self.ids,
        )
        team = ctx.principal.team if ctx.principal else None
        mode = self.settings.content_for(team)
        if mode == "redacted":
            record["content"] = redacted(ctx)
        elif mode == "encrypted":
            record["content"], new_key = encrypted(ctx, self.keys, team or "_none")
            if new_key is not None:
                self.writer.submit(new_key)
        self.writer.submit(record)
        return record

    def watch(self, ctx: RequestContext, events: AsyncIterator[SseEvent]) -> AsyncIterator[SseEvent]:
        """Hash (and, for teams that keep content, collect) a stream as the client receives it."""
        team = ctx.principal.team if ctx.principal else None
        return watched(ctx, events, self.material.hash_key, self.settings.content_for(team) != "none")

    @staticmethod
    def enrich(record: dict[str, Any], ctx: RequestContext) -> None:
        """Add what stages decide after delivery (the cost stage's `finish`) to a record the writer has not
        linked yet — almost always, as commits trail by `flush_interval`. A record already committed, or
        replayed from the journal after a crash, keeps what was known when it was sealed."""
        if "seq" in record:
            return
        for name in ("cost", "cache_hit"):
            if record.get(name) is None and ctx.annotations.get(name) is not None:
                record[name] = ctx.annotations[name]
        if ctx.annotations.get("checks") is not None:  # verdicts known only later (a shadow judge)
            record["checks"] = ctx.annotations["checks"]

    def change(
        self,
        principal: Principal | dict[str, Any] | None,
        action: str,
        *,
        target: str | None,
        status: int,
        before: Any = None,
        after: Any = None,
        request_id: str | None = None,
    ) -> None:
        """Record an admin or configuration change: who, what, and hashes of the state before and after."""
        self.writer.submit(
            change_record(
                actor=principal if isinstance(principal, dict) else actor_of(principal),
                action=action,
                target=target,
                status=status,
                before_hash=state_hash(before),
                after_hash=state_hash(after),
                request_id=request_id,
            )
        )

    async def shred(self, team: str, principal: Principal | dict[str, Any] | None = None) -> int:
        """Destroy the team's data keys; every running worker drops its copies within
        `identity.poll_interval` (at once with Redis: `keysync.py`)."""
        removed, version = await self.store.shred(team)
        self.keys.forget(team)
        await self.keysync.refresh(force=True)
        await self.keysync.announce(version)
        self.change(principal, "audit.shred", target=team, status=200, before={"data_keys": removed},
                    after={"data_keys": 0})  # fmt: skip
        return removed


def state_hash(state: Any) -> str | None:
    if state is None:
        return None
    return hashlib.sha256(orjson.dumps(state, option=orjson.OPT_SORT_KEYS, default=str)).hexdigest()
