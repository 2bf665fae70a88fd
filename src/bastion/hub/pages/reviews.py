"""Reviews (`/hub/reviews`): the human review queue. The list (by status), one review with the reasons and
the request's audit records (its story), and a form to decide it with a note. Deciding runs
`POST /admin/reviews/{id}`: the same checks (auditors only with `reviews.auditors_may_decide`) and the same
audit record, with the signed-in reviewer."""

from __future__ import annotations

from typing import Any

from bastion.audit.query import by_request_id
from bastion.compliance.review import DECISIONS, STATUSES
from bastion.errors import GatewayError, Unavailable
from bastion.hub.actions import call_admin
from bastion.hub.page import HubRequest, Page, get, post


def _queue(hub: HubRequest) -> Any:
    queue = hub.state.reviews
    if queue is None:
        raise Unavailable("the review queue is not running")
    return queue


def _may_decide(hub: HubRequest) -> bool:
    if hub.principal.role == "auditor":
        return hub.state.config.reviews.auditors_may_decide
    return hub.can("reviews:decide")


async def show(hub: HubRequest) -> dict[str, Any]:
    status = hub.query.get("status", "open")
    status = status if status in (*STATUSES, "all") else "open"
    rows, cursor = await _queue(hub).page(
        None if status == "all" else status, limit=200, cursor=hub.query.get("cursor")
    )
    return {
        "reviews": [r.as_dict() for r in rows],
        "current": status,  # (`status` is the frame's HTTP status)
        "statuses": (*STATUSES, "all"),
        "next": cursor,
    }


async def _detail(hub: HubRequest, **extra: Any) -> dict[str, Any]:
    review = await _queue(hub).get(hub.request.match_info["id"])
    audit = hub.state.audit
    records = await by_request_id(audit.store, review.request_id) if audit is not None else []
    return {
        "review": review.as_dict(),
        "records": records,
        "decisions": DECISIONS,
        "may_decide": _may_decide(hub) and review.status in ("open", "escalated"),
        **extra,
    }


async def detail(hub: HubRequest) -> dict[str, Any]:
    return await _detail(hub)


async def decide(hub: HubRequest) -> dict[str, Any]:
    body = {"decision": hub.field("decision"), "note": hub.field("note") or None}
    try:
        await call_admin(hub.request, hub.principal, "POST", "/admin/reviews/{id}", body)
    except GatewayError as err:
        return await _detail(hub, error=err.message, status=err.status_code)
    return await _detail(hub, notice=f"Decided: {body['decision']}.")


PAGE = Page(
    "reviews",
    "Reviews",
    "/hub/reviews",
    "reviews:read",
    routes=(
        get("/hub/reviews", show),
        get("/hub/reviews/{id}", detail, template="review.html"),
        post("/hub/reviews/{id}", decide, "reviews:read", template="review.html"),
    ),
)
