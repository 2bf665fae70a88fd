"""The composition root: builds the pipeline, the upstream client and the aiohttp application."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from functools import partial

from aiohttp import web

from bastion.audit import Audit
from bastion.compliance.review import ReviewQueue
from bastion.compliance.stages import ReviewStage, UseCaseStage
from bastion.compliance.usecases import UseCases
from bastion.config.schema import Config
from bastion.errors import GatewayError
from bastion.identity.authenticator import IdentityAuthenticator
from bastion.identity.runtime import Identity
from bastion.limits.factory import build_limiter
from bastion.liveconfig import LiveConfig
from bastion.observability import Observability
from bastion.pipeline.audit import AuditGateStage, AuditStage
from bastion.pipeline.authenticate import AuthenticateStage
from bastion.pipeline.cache import CacheStage, with_cache
from bastion.pipeline.call import CallStage
from bastion.pipeline.decode import DecodeStage
from bastion.pipeline.guard import GuardResponseStage, GuardScanStage, GuardStage, build_guard, judge_runner
from bastion.pipeline.inspect import InspectStage
from bastion.pipeline.limits import LimitsStage
from bastion.pipeline.pii import LiveDetector, PiiStage
from bastion.pipeline.policy import PolicyStage
from bastion.pipeline.restore import RestoreStage
from bastion.pipeline.route import ModelTable, RouteStage
from bastion.policy.factory import active_reference_errors, build_policy
from bastion.providers import build_adapters
from bastion.routing.resilience import Resilience
from bastion.server import handlers
from bastion.server.drain import InFlight
from bastion.server.live import Reconfigure
from bastion.server.state import STATE, GatewayState
from bastion.services import SERVICES
from bastion.shadow.runtime import ShadowRuntime
from bastion.shadow.signals import ShadowSignalStage
from bastion.storage import open_storage
from bastion.translate import build_codecs

log = logging.getLogger("bastion.config")


def build_state(config: Config) -> GatewayState:
    admin_key = config.admin_key.get_secret_value() if config.admin_key else ""
    if not admin_key:
        raise ValueError("admin_key is not set (bastion serve generates one when absent)")
    models = ModelTable(config)
    observability = Observability(config)  # metrics, traces, access line (docs/observability.md)
    upstream = observability.upstream()
    storage = open_storage(config.database_url)
    identity = Identity(storage, config.identity, config.redis_url)
    authenticator = IdentityAuthenticator(admin_key, identity.cache)
    pii = PiiStage(config.pii, config.providers)
    limiter = build_limiter(config, models)
    audit = Audit(config, storage) if config.audit.enabled else None
    detector = LiveDetector(pii) if pii.engine is not None else None  # follows runtime PII changes
    policy, rules = build_policy(config, storage, detector)
    use_cases, reviews = UseCases(config, storage), ReviewQueue(storage)
    shadow = ShadowRuntime(config, storage) if config.shadow.enabled else None
    guard, judge = build_guard(config.guardrails, detector)
    rules.scorer = guard.policy_score  # `scores.<check>` in rules, computed when a rule reads one
    pipeline = observability.pipeline(
        [
            ShadowSignalStage(shadow),  # finish only: provider-shaped keys refused, provider keys in prompts
            AuditGateStage(audit),  # 503 while the audit journal is full (database outage)
            AuthenticateStage(authenticator),
            DecodeStage(),
            UseCaseStage(use_cases, config),  # which use case (risk register); unknown: allow/flag/deny
            GuardScanStage(guard),  # content scores, for policy's `scores.<check>`
            PolicyStage(rules),
            GuardStage(guard),  # content checks on prompts and tool results: block, mask, flag
            # admission; its finish costs and settles (before audit's finish)
            LimitsStage(limiter, record_cost=audit is not None or config.cache.enabled),
            pii,
            RouteStage(models, explain=audit is not None),
            with_cache(CallStage(build_adapters(), build_codecs(), upstream, Resilience(models)), config),
            GuardResponseStage(guard, judge),  # content checks on the answer, the judge
            InspectStage(rules.detector),
            RestoreStage(config.pii, pii.engine),
            ReviewStage(reviews, config),  # flagged requests enter the human review queue
            AuditStage(audit),
        ]
    )
    if judge is not None:
        judge.runner = judge_runner(pipeline)
    state = GatewayState(
        config,
        pipeline,
        models,
        upstream,
        storage,
        identity,
        authenticator,
        limiter=limiter,
        audit=audit,
        policy=policy,
        use_cases=use_cases,
        reviews=reviews,
        shadow=shadow,
        observability=observability,
        inflight=InFlight(config.server.drain_seconds),
    )
    # providers, models, routing, PII and cache settings change at runtime (docs/operations.md)
    reconfigure = Reconfigure(state, detector, rules)
    checks = partial(active_reference_errors, policy)  # what check-config checks, and the active policies
    state.live = LiveConfig(config, storage, reconfigure, checks, _policy_reload(state))
    state.reconfigure = reconfigure
    return state


def reload_on_signal(state: GatewayState) -> Callable[[], None]:
    """The SIGHUP handler: reads the config file again (docs/operations.md#runtime-configuration); a
    refused file is logged with every error, and nothing changes."""
    tasks: set[asyncio.Task[None]] = set()

    async def reload() -> None:
        if state.live is None:
            return
        try:
            result = await state.live.reload("signal:SIGHUP")
        except GatewayError as exc:
            log.error("config reload on SIGHUP refused, nothing changed: %s", exc.message)
            return
        except Exception:
            log.exception("config reload on SIGHUP failed, nothing changed")
            return
        log.warning("config reloaded on SIGHUP: version %s, changed %s%s", result.version,
                    ", ".join(result.changed) or "nothing",
                    f"; restart required for {', '.join(result.restart_required)}"
                    if result.restart_required else "")  # fmt: skip

    def handle() -> None:
        task = asyncio.get_running_loop().create_task(reload())
        tasks.add(task)
        task.add_done_callback(tasks.discard)

    return handle


def _policy_reload(state: GatewayState) -> Callable[[Config], Awaitable[None]]:
    """A config reload also reads the inline `policies:` and the policy file again."""

    async def reload(config: Config) -> None:
        if state.policy is not None:
            state.policy.inline = list(config.policies)
            await state.policy.publish_sources()

    return reload


async def _startup(app: web.Application) -> None:
    state = app[STATE]
    await state.upstream.start()
    await state.storage.open()
    await state.identity.start()
    if state.policy is not None:
        await state.policy.start()
    if state.audit is not None:
        await state.audit.start()
    if state.use_cases is not None:
        await state.use_cases.start()
    if state.live is not None:
        await state.live.start()  # the runtime changes stored in the database, before the first request
    await state.models.start(state.storage, state.config.redis_url)  # the learned routing state
    if state.shadow is not None:
        await state.shadow.start()  # flushes, retention, the syslog listener
    if state.observability is not None:
        await state.observability.start(state)
    if state.config.admin is not None:
        await _start_admin_listener(state)
    state.ready = True


async def _start_admin_listener(state: GatewayState) -> None:
    """The separate /admin listener (config `admin: {host, port}`); SO_REUSEPORT so workers share it."""
    from bastion.admin import build_admin_app

    settings = state.config.admin
    assert settings is not None
    runner = web.AppRunner(
        build_admin_app(state, handlers.error_middleware), access_log=None, handle_signals=False
    )
    await runner.setup()
    site = web.TCPSite(runner, settings.host, settings.port, reuse_port=True)
    await site.start()
    state.admin_runner = runner
    sockets = getattr(site._server, "sockets", None) or []
    state.admin_port = sockets[0].getsockname()[1] if sockets else settings.port


async def _cleanup(app: web.Application) -> None:
    state = app[STATE]
    state.ready = False
    if state.observability is not None:
        await state.observability.stop()
    if state.admin_runner is not None:
        await state.admin_runner.cleanup()
        state.admin_runner = None
    await state.identity.stop()
    if state.live is not None:
        await state.live.stop()
    if state.use_cases is not None:
        await state.use_cases.stop()
    if state.policy is not None:
        await state.policy.stop()
    await state.models.stop()  # flushes the learned routing state
    await state.upstream.close()
    if state.shadow is not None:
        await state.shadow.stop()  # writes what is buffered
    if state.audit is not None:
        await state.audit.stop()  # commits every journalled record and signs a final checkpoint
    await state.storage.close()
    if state.limiter is not None:
        await state.limiter.backend.close()
    for stage in state.pipeline.stages:
        if isinstance(stage, CacheStage):
            await stage.store.close()
    if state.reconfigure is not None:
        await state.reconfigure.close()


def build_app(config: Config) -> web.Application:
    app = web.Application(
        client_max_size=config.server.max_body_bytes,
        middlewares=[handlers.error_middleware],
        handler_args={"max_field_size": 16384},
    )
    app[STATE] = build_state(config)
    app[SERVICES] = app[STATE]  # what the domain packages' admin routes read (`bastion.services`)
    app.on_startup.append(_startup)
    app.on_cleanup.append(_cleanup)
    handlers.add_routes(app)
    observability = app[STATE].observability
    if observability is not None:
        observability.add_routes(app)
    if config.admin is None:  # else /admin and the /hub console are on the admin listener
        from bastion.admin import add_admin_routes
        from bastion.hub import add_hub_routes

        add_admin_routes(app)
        add_hub_routes(app)
    return app
