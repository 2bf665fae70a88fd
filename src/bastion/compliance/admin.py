"""The compliance endpoints of the admin API.

    GET    /admin/compliance/report      ?framework=eu-ai-act|iso-42001|gdpr|all&from&to&team
                                         &format=json|md|html|pdf
    GET    /admin/use-cases              the register (config entries and API entries, with `source`)
    POST   /admin/use-cases              add one (admin)
    GET    /admin/use-cases/{id}         one, by name
    PATCH  /admin/use-cases/{id}         change fields of an API entry (admin; config entries: 409)
    DELETE /admin/use-cases/{id}         remove an API entry (admin)
    GET    /admin/reviews                ?status=open|accepted|escalated|false_positive
                                         &team&use_case&limit&cursor
    GET    /admin/reviews/{id}           one review with the request's audit records (its story)
    POST   /admin/reviews/{id}           {"decision": accepted|escalated|false_positive, "note"}
                                         (admin; auditors when `reviews.auditors_may_decide`)

Every mutation is recorded in the audit trail with the caller by the admin API's wrapper; a report's
generation is recorded as `compliance.report`.
"""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field

from bastion.audit.query import by_request_id, parse_time
from bastion.audit.service import actor_of
from bastion.compliance.generate import FORMATS, inputs, record, render
from bastion.compliance.report import FRAMEWORKS, build
from bastion.compliance.review import Review, ReviewQueue
from bastion.compliance.usecases import UseCases
from bastion.config.compliance import Risk, UseCase
from bastion.context import Principal
from bastion.errors import Forbidden, NotFound, Unavailable, Unprocessable
from bastion.services import SERVICES, RawBody


class ReportBody(RawBody):
    """The report in the asked format (documented as such in the OpenAPI document)."""

    OPENAPI_CONTENT: ClassVar[dict[str, Any]] = {
        "application/json": {"schema": {"type": "object"}},
        "text/markdown": {"schema": {"type": "string"}},
        "text/html": {"schema": {"type": "string"}},
        "application/pdf": {"schema": {"type": "string", "format": "binary"}},
    }


class UseCaseOut(UseCase):
    model_config = ConfigDict(extra="forbid", frozen=True)
    source: Literal["config", "api"]


class UseCaseList(BaseModel):
    data: list[UseCaseOut]


class UseCasePatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    description: str | None = None
    owner: str | None = None
    risk: Risk | None = None
    purpose: str | None = None
    data_categories: list[str] | None = None
    data_subjects: list[str] | None = None
    allowed_models: list[str] | None = None
    interacts_with_people: bool | None = None
    keys: list[str] | None = None
    content_retention_days: int | None = None


class ReviewOut(BaseModel):
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

    @classmethod
    def of(cls, r: Review) -> ReviewOut:
        return cls(**r.as_dict())


class ReviewList(BaseModel):
    data: list[ReviewOut]
    next: str | None = None


class ReviewDetail(ReviewOut):
    records: list[dict[str, Any]] = Field(default_factory=list, description="the request's audit records")


class Decision(BaseModel):
    model_config = ConfigDict(extra="forbid")

    decision: Literal["accepted", "escalated", "false_positive"]
    note: str | None = Field(None, max_length=4000)


def _register(request: web.Request) -> UseCases:
    register = request.app[SERVICES].use_cases
    if register is None:
        raise Unavailable("the use-case register is not running")
    return register


def _queue(request: web.Request) -> ReviewQueue:
    queue = request.app[SERVICES].reviews
    if queue is None:
        raise Unavailable("the review queue is not running")
    return queue


def _out(register: UseCases, u: UseCase) -> UseCaseOut:
    return UseCaseOut(**u.model_dump(), source=register.source(u.name))


# --- use cases -----------------------------------------------------------------------------------------
async def list_use_cases(request: web.Request, p: Principal, _body: None) -> tuple[int, BaseModel]:
    register = _register(request)
    await register.refresh()
    return 200, UseCaseList(data=[_out(register, u) for _, u in sorted(register.entries.items())])


async def get_use_case(request: web.Request, p: Principal, _body: None) -> tuple[int, BaseModel]:
    register = _register(request)
    await register.refresh()
    entry = register.get(request.match_info["id"])
    if entry is None:
        raise NotFound(f"no use case {request.match_info['id']!r}", code="use_case_not_found")
    return 200, _out(register, entry)


async def create_use_case(request: web.Request, p: Principal, body: UseCase) -> tuple[int, BaseModel]:
    register = _register(request)
    entry = await register.create(body.model_dump(mode="json"), p.name)
    return 201, _out(register, entry)


async def update_use_case(request: web.Request, p: Principal, body: UseCasePatch) -> tuple[int, BaseModel]:
    changes = body.model_dump(exclude_unset=True)
    if not changes:
        raise Unprocessable("send at least one field to change", param="body")
    register = _register(request)
    entry = await register.update(request.match_info["id"], changes, p.name)
    return 200, _out(register, entry)


async def delete_use_case(request: web.Request, p: Principal, _body: None) -> tuple[int, BaseModel]:
    register = _register(request)
    entry = await register.delete(request.match_info["id"])
    return 200, UseCaseOut(**entry.model_dump(), source="api")


# --- reviews -------------------------------------------------------------------------------------------
async def list_reviews(request: web.Request, p: Principal, _body: None) -> tuple[int, BaseModel]:
    q = request.query
    unknown = set(q) - {"status", "team", "use_case", "limit", "cursor"}
    if unknown:
        raise Unprocessable(f"unknown filter(s): {', '.join(sorted(unknown))}", param=sorted(unknown)[0])
    limit = q.get("limit", "100")
    if not limit.isdigit() or not 1 <= int(limit) <= 1000:
        raise Unprocessable("limit: an integer from 1 to 1000", param="limit")
    rows, cursor = await _queue(request).page(
        q.get("status"),
        limit=int(limit),
        cursor=q.get("cursor"),
        team=q.get("team"),
        use_case=q.get("use_case"),
    )
    return 200, ReviewList(data=[ReviewOut.of(r) for r in rows], next=cursor)


async def get_review(request: web.Request, p: Principal, _body: None) -> tuple[int, BaseModel]:
    review = await _queue(request).get(request.match_info["id"])
    audit = request.app[SERVICES].audit
    records = await by_request_id(audit.store, review.request_id) if audit is not None else []
    return 200, ReviewDetail(**review.as_dict(), records=records)


async def decide_review(request: web.Request, p: Principal, body: Decision) -> tuple[int, BaseModel]:
    state = request.app[SERVICES]
    if p.role == "auditor" and not state.config.reviews.auditors_may_decide:
        raise Forbidden(
            "auditors may not decide reviews here (reviews.auditors_may_decide: false)",
            code="insufficient_role",
        )
    review = await _queue(request).decide(request.match_info["id"], body.decision, body.note, actor_of(p))
    return 200, ReviewOut.of(review)


# --- the report ----------------------------------------------------------------------------------------
async def compliance_report(request: web.Request, p: Principal, _body: None) -> tuple[int, BaseModel]:
    state = request.app[SERVICES]
    q = request.query
    unknown = set(q) - {"framework", "from", "to", "team", "format"}
    if unknown:
        raise Unprocessable(f"unknown parameter(s): {', '.join(sorted(unknown))}", param=sorted(unknown)[0])
    framework = q.get("framework", "all")
    if framework not in FRAMEWORKS:
        raise Unprocessable(f"framework: one of {', '.join(FRAMEWORKS)}", param="framework")
    fmt = q.get("format", "json")
    if fmt not in FORMATS:
        raise Unprocessable(f"format: one of {', '.join(FORMATS)}", param="format")
    audit = state.audit
    if audit is None:
        raise Unavailable("the compliance report is built from the audit trail, which is disabled")
    register = _register(request)
    src = inputs(state.config, state.storage, audit.material, register.entries)
    report = await build(
        src, framework, parse_time(q.get("from"), "from"), parse_time(q.get("to"), "to"), q.get("team")
    )
    record(audit, actor_of(p), report, fmt)
    _, content_type, ext = FORMATS[fmt]
    name = f"bastion-compliance-{framework}.{ext}"
    return 200, ReportBody(
        body=render(report, fmt), content_type=content_type, filename=name if fmt == "pdf" else None
    )


# (method, path, handler, permission, summary, response model[, body model, status]), registered by
# `bastion.admin.routes`
COMPLIANCE_ROUTES: tuple[tuple[Any, ...], ...] = (
    (
        "GET",
        "/admin/compliance/report",
        compliance_report,
        "compliance:read",
        "Framework-mapped compliance report (framework, from, to, team, format=json|md|html|pdf)",
        ReportBody,
    ),
    ("GET", "/admin/use-cases", list_use_cases, "use_cases:read", "The use-case register", UseCaseList),
    (
        "POST",
        "/admin/use-cases",
        create_use_case,
        "use_cases:write",
        "Add a use case",
        UseCaseOut,
        UseCase,
        201,
    ),
    ("GET", "/admin/use-cases/{id}", get_use_case, "use_cases:read", "One use case", UseCaseOut),
    (
        "PATCH",
        "/admin/use-cases/{id}",
        update_use_case,
        "use_cases:write",
        "Change a use case",
        UseCaseOut,
        UseCasePatch,
    ),
    ("DELETE", "/admin/use-cases/{id}", delete_use_case, "use_cases:write", "Remove a use case", UseCaseOut),
    (
        "GET",
        "/admin/reviews",
        list_reviews,
        "reviews:read",
        "The review queue (status, team, use_case)",
        ReviewList,
    ),
    (
        "GET",
        "/admin/reviews/{id}",
        get_review,
        "reviews:read",
        "One review and its request's audit records",
        ReviewDetail,
    ),
    ("POST", "/admin/reviews/{id}", decide_review, "reviews:decide", "Decide a review", ReviewOut, Decision),
)
