"""Everything a running gateway holds, built once per worker in `bastion.server.app.build_state`."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from aiohttp import web

from bastion.audit import Audit
from bastion.compliance.review import ReviewQueue
from bastion.compliance.usecases import UseCases
from bastion.config.schema import Config
from bastion.identity.authenticator import IdentityAuthenticator
from bastion.identity.runtime import Identity
from bastion.limits.limiter import Limiter
from bastion.liveconfig import LiveConfig
from bastion.observability import Observability
from bastion.pipeline import Pipeline
from bastion.pipeline.route import ModelTable
from bastion.policy.runtime import PolicyRuntime
from bastion.server.drain import InFlight
from bastion.storage import Storage
from bastion.upstream import Upstream

if TYPE_CHECKING:
    from bastion.server.live import Reconfigure


@dataclass(slots=True)
class GatewayState:
    config: Config
    pipeline: Pipeline
    models: ModelTable
    upstream: Upstream
    storage: Storage
    identity: Identity
    authenticator: IdentityAuthenticator
    ready: bool = False
    draining: bool = False  # a shutdown signal came: /readyz answers 503 (`bastion.server.drain`)
    inflight: InFlight = field(default_factory=InFlight)  # the requests being answered, for the drain
    admin_runner: web.AppRunner | None = None  # the separate /admin listener (config `admin:`), if any
    admin_port: int | None = None
    limiter: Limiter | None = None  # rate limits, budgets and cost (`bastion.limits`)
    audit: Audit | None = None  # the audit trail (`bastion.audit`), None when `audit.enabled: false`
    policy: PolicyRuntime | None = None  # the active policy set and its hot reload (`bastion.policy`)
    use_cases: UseCases | None = None  # the use-case register (`bastion.compliance`)
    reviews: ReviewQueue | None = None  # the human review queue (`bastion.compliance.review`)
    shadow: Any = None  # shadow-AI discovery (`bastion.shadow.runtime.ShadowRuntime`), None when disabled
    observability: Observability | None = None  # metrics, traces, access line (`bastion.observability`)
    live: LiveConfig | None = None  # runtime configuration changes (`bastion.liveconfig`)
    reconfigure: Reconfigure | None = None  # what such a change rebuilds (`bastion.server.live`)


STATE = web.AppKey("bastion_state", GatewayState)
