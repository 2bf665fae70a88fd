"""Stage 9: record the interaction (`bastion.audit`). `seal(ctx)` runs right before the last bytes of the
answer go out (the JSON body, an error, or a stream's terminal event) and journals the record, so a client
never holds a complete answer whose record a crash could lose; `finish(ctx)` records what never reached
`seal` (client gone, unexpected failure), and adds to a sealed record what later stages decide after
delivery (the cost). Exactly one record per request either way.

The per-request access line is written by `bastion.observability` (whether or not audit is enabled).

`AuditGateStage` runs first: while the journal is full (a database outage) it refuses new requests with
503, or lets them through unrecorded (`audit.journal_full`, see `bastion.audit.gate`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bastion.audit.service import UNRECORDED
from bastion.context import RequestContext

if TYPE_CHECKING:
    from bastion.audit import Audit

_SEALED = "audit_sealed"


class AuditGateStage:
    name = "audit_gate"

    def __init__(self, audit: Audit | None = None) -> None:
        self.audit = audit
        self.active = audit is not None

    async def run(self, ctx: RequestContext) -> None:
        if self.audit is not None:
            self.audit.admit(ctx)


class AuditStage:
    name = "audit"

    def __init__(self, audit: Audit | None = None) -> None:
        self.audit = audit
        self.active = audit is not None  # without the audit log only `finish` (the access line) runs

    async def run(self, ctx: RequestContext) -> None:
        if self.audit is not None and ctx.events is not None:
            ctx.events = self.audit.watch(ctx, ctx.events)

    def seal(self, ctx: RequestContext) -> None:
        if self.audit is None or ctx.annotations.get(_SEALED) is not None or UNRECORDED in ctx.annotations:
            return
        ctx.annotations[_SEALED] = self.audit.seal(ctx, normal=True)

    async def finish(self, ctx: RequestContext) -> None:
        if self.audit is not None:
            if UNRECORDED in ctx.annotations:
                return
            record = ctx.annotations.get(_SEALED)
            if record is None:
                ctx.annotations[_SEALED] = self.audit.seal(ctx, normal=False)
            else:
                self.audit.enrich(record, ctx)  # e.g. the cost, computed after delivery
            return
