"""The /admin/policies endpoints (route specs splatted into `bastion.admin.routes.ROUTES`).

    GET  /admin/policies                     the active set: version, who/when, rules     policies:read
    PUT  /admin/policies                     {"policies": [...], "comment"?} -> new version  policies:write
    POST /admin/policies/validate            the same body, checked only (nothing stored)  policies:read
    GET  /admin/policies/history             versions, newest first (?limit=N)            policies:read
    GET  /admin/policies/versions/{version}  one stored version with its rules            policies:read
    POST /admin/policies/rollback            {"version": N} -> a new version with N's rules policies:write

Invalid documents answer 422 with every field error (`policies.2.when.text_matches.0: invalid pattern`);
malformed JSON answers 400. Nothing invalid is ever stored or activated.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field

from bastion.config.policy_document import PolicyDocument
from bastion.context import Principal
from bastion.errors import NotFound, Unavailable
from bastion.policy.runtime import PolicyRuntime
from bastion.policy.store import PolicyVersion
from bastion.services import SERVICES


class PolicyPut(PolicyDocument):
    model_config = ConfigDict(extra="forbid", frozen=True)

    comment: str | None = Field(None, max_length=500, description="why; kept in the version history")


class RollbackBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: int = Field(ge=1)


class VersionSummary(BaseModel):
    version: int
    source: str
    author: str
    comment: str | None = None
    rollback_of: int | None = None
    created_at: float
    digest: str
    rules: int


class PolicySetOut(VersionSummary):
    policies: list[dict[str, Any]]
    active: bool = True
    last_error: str | None = Field(None, description="the last policy file that failed validation")


class PolicyHistory(BaseModel):
    data: list[VersionSummary]


class ValidationOut(BaseModel):
    valid: bool = True
    rules: int


def _runtime(request: web.Request) -> PolicyRuntime:
    runtime = request.app[SERVICES].policy
    if runtime is None:
        raise Unavailable("the policy engine is not running")
    return runtime


def _author(p: Principal) -> str:
    return p.name if p.key_id == "admin" else f"{p.name} ({p.key_id})"


def _out(row: PolicyVersion, runtime: PolicyRuntime) -> PolicySetOut:
    return PolicySetOut(
        **row.summary(),
        policies=row.document.get("policies", []),
        active=row.version == runtime.active.version,
        last_error=runtime.last_error,
    )


async def get_policies(request: web.Request, p: Principal, _body: None) -> tuple[int, BaseModel]:
    runtime = _runtime(request)
    row = await runtime.store.get(runtime.active.version) if runtime.active.version else None
    if row is None:  # nothing stored yet: the configured rules
        from bastion.policy.store import digest, dump

        data = dump(runtime.active.document)
        row = PolicyVersion(0, data, digest(data), "config", "config", None, None, 0.0)
    return 200, _out(row, runtime)


async def put_policies(request: web.Request, p: Principal, body: PolicyPut) -> tuple[int, BaseModel]:
    runtime = _runtime(request)
    document = PolicyDocument(policies=body.policies)
    row = await runtime.put(document, _author(p), body.comment)
    return 200, _out(row, runtime)


async def validate_policies(request: web.Request, p: Principal, body: PolicyPut) -> tuple[int, BaseModel]:
    _runtime(request).check(PolicyDocument(policies=body.policies))
    return 200, ValidationOut(rules=len(body.policies))


async def policy_history(request: web.Request, p: Principal, _body: None) -> tuple[int, BaseModel]:
    try:
        limit = max(1, min(1000, int(request.query.get("limit", "100"))))
    except ValueError:
        limit = 100
    rows = await _runtime(request).store.history(limit)
    return 200, PolicyHistory(data=[VersionSummary(**r.summary()) for r in rows])


async def policy_version(request: web.Request, p: Principal, _body: None) -> tuple[int, BaseModel]:
    runtime = _runtime(request)
    raw = request.match_info["version"]
    row = await runtime.store.get(int(raw)) if raw.isdigit() else None
    if row is None:
        raise NotFound(f"no policy version {raw}", param="version", code="policy_version_not_found")
    return 200, _out(row, runtime)


async def rollback_policies(request: web.Request, p: Principal, body: RollbackBody) -> tuple[int, BaseModel]:
    runtime = _runtime(request)
    row = await runtime.rollback(body.version, _author(p))
    return 200, _out(row, runtime)


# (method, path, handler, permission, summary, response model[, body model]) for the admin route table
POLICY_ROUTES: tuple[tuple[Any, ...], ...] = (
    ("GET", "/admin/policies", get_policies, "policies:read", "The active policy set", PolicySetOut),
    (
        "PUT", "/admin/policies", put_policies, "policies:write",
        "Replace the policy set (validated, stored as a new version, active everywhere within 1 s)",
        PolicySetOut, PolicyPut,
    ),
    (
        "POST", "/admin/policies/validate", validate_policies, "policies:read",
        "Validate a policy set without storing it", ValidationOut, PolicyPut,
    ),
    ("GET", "/admin/policies/history", policy_history, "policies:read", "Policy versions", PolicyHistory),
    (
        "GET", "/admin/policies/versions/{version}", policy_version, "policies:read",
        "One stored policy version", PolicySetOut,
    ),
    (
        "POST", "/admin/policies/rollback", rollback_policies, "policies:write",
        "Activate an earlier version's rules again (as a new version)", PolicySetOut, RollbackBody,
    ),
)  # fmt: skip
