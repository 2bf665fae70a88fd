"""The human review queue: what puts a request in it, and the queue itself (`compliance_reviews`).

Anything that wants a person to look at a request calls one function while the request runs:

    from bastion.compliance.review import flag_for_review
    flag_for_review(ctx, "guardrail", "prompt injection suspected", {"check": "injection", "score": 0.91})

It only notes the reason on the request (`ctx.annotations["review"]`, a few µs, no I/O). The review stage
also picks up, by itself, policy rules with `action: flag` (request and response rules), shadow-mode
hits, content checks whose verdict is `flagged` (the `checks` annotation), requests past a soft budget
(`reviews.budget_near`) and requests for an unknown use case (`unknown_use_case: flag`). The reasons are
stored in the request's audit record (`review`) and, once the answer is delivered, the request enters the
queue: one row per request, however many reasons.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from bastion.compliance.schema import reviews as table
from bastion.config.compliance import ReviewSettings
from bastion.context import RequestContext
from bastion.errors import Conflict, NotFound, Unprocessable
from bastion.storage import Storage

REVIEW = "review"  # annotation: [{"source", "reason", "detail"?}]
DECISIONS = ("accepted", "escalated", "false_positive")
STATUSES = ("open", *DECISIONS)
FINAL = frozenset({"accepted", "false_positive"})  # an escalated review may still be decided


def flag_for_review(
    ctx: RequestContext, source: str, reason: str, detail: dict[str, Any] | None = None
) -> None:
    """Put this request in the review queue. `source`: who flags (e.g. "guardrail", "policy"); `reason`:
    one line a reviewer reads; `detail`: small JSON facts (never the flagged text or PII values)."""
    entry: dict[str, Any] = {"source": source, "reason": reason}
    if detail:
        entry["detail"] = detail
    found = ctx.annotations.setdefault(REVIEW, [])
    if entry not in found:
        found.append(entry)


def _policy_reasons(policy: dict[str, Any], where: str = "") -> list[dict[str, Any]]:
    out = []
    for hit in policy.get("matched") or ():
        if hit.get("action") == "flag":
            out.append(
                {
                    "source": "policy",
                    "reason": f"policy rule '{hit.get('id')}' flagged the {where}request",
                    "detail": {"rule": hit.get("id")},
                }
            )
    for hit in policy.get("shadow") or ():
        out.append(
            {
                "source": "shadow",
                "reason": f"shadow rule '{hit.get('id')}' would {hit.get('action')} the {where}request",
                "detail": {"rule": hit.get("id"), "action": hit.get("action")},
            }
        )
    return out


def collect(ctx: RequestContext, settings: ReviewSettings) -> list[dict[str, Any]]:
    """Every reason this request should be reviewed (also noted in `ctx.annotations["review"]`)."""
    ann = ctx.annotations
    policy = ann.get("policy")
    if isinstance(policy, dict):
        for entry in _policy_reasons(policy) + _policy_reasons(
            policy.get("response") or {}, "response to the "
        ):
            flag_for_review(ctx, entry["source"], entry["reason"], entry["detail"])
    checks = ann.get("checks")  # content checks (guardrails): [{check, where, score, outcome, ...}]
    if isinstance(checks, list):
        for c in checks:
            if isinstance(c, dict) and c.get("outcome") == "flagged":
                detail = {
                    k: c.get(k) for k in ("check", "where", "score", "threshold") if c.get(k) is not None
                }
                flag_for_review(
                    ctx,
                    "guardrail",
                    f"check '{c.get('check')}' flagged the {c.get('where') or 'request'}",
                    detail,
                )
    limits = ann.get("limits")
    if settings.budget_near and isinstance(limits, dict):
        for budget in limits.get("soft_budget_exceeded") or ():
            flag_for_review(ctx, "budget", f"past the soft limit of the {budget}")
    return list(ann.get(REVIEW) or ())


def new_review_id() -> str:
    return f"rev_{time.time_ns():016x}{os.urandom(4).hex()}"


@dataclass(frozen=True, slots=True)
class Review:
    id: str
    request_id: str
    created_at: float
    team: str | None
    key_id: str | None
    use_case: str | None
    model: str | None
    api: str | None
    reasons: list[dict[str, Any]]
    status: str
    decided_at: float | None
    decided_by: dict[str, Any] | None
    note: str | None

    def as_dict(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.__slots__}


def _review(row: Any) -> Review:
    return Review(**{c.name: getattr(row, c.name) for c in table.columns})


class ReviewQueue:
    def __init__(self, storage: Storage) -> None:
        self.storage = storage

    async def enter(self, ctx: RequestContext, reasons: list[dict[str, Any]]) -> str:
        p = ctx.principal
        rid = new_review_id()
        async with self.storage.write() as conn:
            await conn.execute(
                sa.insert(table).values(
                    id=rid,
                    request_id=ctx.request_id,
                    created_at=round(time.time(), 6),
                    team=p.team if p else None,
                    key_id=p.key_id if p else None,
                    use_case=ctx.annotations.get("use_case"),
                    model=ctx.model or None,
                    api=ctx.api.name,
                    reasons=reasons,
                    status="open",
                )
            )
        return rid

    async def page(
        self,
        status: str | None = None,
        *,
        limit: int = 100,
        cursor: str | None = None,
        team: str | None = None,
        use_case: str | None = None,
    ) -> tuple[list[Review], str | None]:
        """Oldest first (a queue); `cursor` is the previous page's `next`."""
        if status is not None and status not in STATUSES:
            raise Unprocessable(f"status: one of {', '.join(STATUSES)}", param="status")
        q = sa.select(table)
        for col, value in ((table.c.status, status), (table.c.team, team), (table.c.use_case, use_case)):
            if value is not None:
                q = q.where(col == value)
        if cursor:
            q = q.where(table.c.id > cursor)
        q = q.order_by(table.c.id).limit(limit + 1)
        async with self.storage.read() as conn:
            rows = [_review(r) for r in await conn.execute(q)]
        more = len(rows) > limit
        rows = rows[:limit]
        return rows, (rows[-1].id if more else None)

    async def get(self, review_id: str) -> Review:
        async with self.storage.read() as conn:
            row = (await conn.execute(sa.select(table).where(table.c.id == review_id))).first()
        if row is None:
            raise NotFound(f"no review {review_id!r}", code="review_not_found")
        return _review(row)

    async def decide(
        self, review_id: str, decision: str, note: str | None, reviewer: dict[str, Any]
    ) -> Review:
        if decision not in DECISIONS:
            raise Unprocessable(f"decision: one of {', '.join(DECISIONS)}", param="decision")
        async with self.storage.write() as conn:
            row = (await conn.execute(sa.select(table).where(table.c.id == review_id))).first()
            if row is None:
                raise NotFound(f"no review {review_id!r}", code="review_not_found")
            if row.status in FINAL:
                raise Conflict(
                    f"review {review_id!r} is already decided ({row.status})", code="review_closed"
                )
            await conn.execute(
                sa.update(table)
                .where(table.c.id == review_id)
                .values(status=decision, decided_at=round(time.time(), 6), decided_by=reviewer, note=note)
            )
        return await self.get(review_id)

    async def all_between(self, since: float | None, until: float | None, team: str | None) -> list[Review]:
        q = sa.select(table)
        if since is not None:
            q = q.where(table.c.created_at >= since)
        if until is not None:
            q = q.where(table.c.created_at < until)
        if team is not None:
            q = q.where(table.c.team == team)
        async with self.storage.read() as conn:
            return [_review(r) for r in await conn.execute(q.order_by(table.c.id))]
