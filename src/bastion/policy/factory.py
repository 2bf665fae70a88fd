"""Builds the policy engine's pieces for the composition root (`bastion.server.app`)."""

from __future__ import annotations

from typing import Any

from bastion.config.policy_document import PolicyDocument
from bastion.config.schema import Config
from bastion.policy.enforce import RequestEnforcer
from bastion.policy.runtime import PolicyRuntime, unknown_references
from bastion.storage import Storage


def reference_errors(config: Config) -> list[str]:
    """`path: message` for every inline rule this config cannot carry out (`route_to` naming no model,
    `route_provider` no provider, `then.redact` with PII protection off): start-up refuses such a config,
    and so does `bastion check-config`."""
    models, providers = {m.name for m in config.models}, {p.name for p in config.providers}
    bad = unknown_references(PolicyDocument(policies=config.policies), models, providers, config.pii.enabled)
    return [f"{e['field']}: {e['message']}" for e in bad]


def active_reference_errors(runtime: PolicyRuntime | None, config: Config) -> list[str]:
    """`reference_errors`, plus what the active policy set (stored, e.g. set through the API) could no longer
    carry out under `config`: a runtime config change may not remove a model or provider a rule routes to."""
    errors = reference_errors(config)
    if runtime is None:
        return errors
    models, providers = {m.name for m in config.models}, {p.name for p in config.providers}
    active = runtime.active
    bad = unknown_references(active.document, models, providers, config.pii.enabled)
    errors += [f"{e['field']}: {e['message']} (policy version {active.version})" for e in bad]
    return list(dict.fromkeys(errors))


def build_policy(config: Config, storage: Storage, pii_engine: Any) -> tuple[PolicyRuntime, RequestEnforcer]:
    """The worker's runtime (active set, hot reload) and the request enforcer. `pii_engine` is the PII
    stage's engine, reused for `pii:` conditions; when PII protection is off, one is built on first need."""
    models, providers = {m.name for m in config.models}, {p.name for p in config.providers}
    pii_on = config.pii.enabled
    bad = reference_errors(config)
    if bad:  # a config that routes nowhere fails at start-up
        raise ValueError("; ".join(bad))
    runtime = PolicyRuntime(
        config.policy, config.policies, storage, config.redis_url,
        models=models, providers=providers, pii_enabled=pii_on,
    )  # fmt: skip

    def engine() -> Any:
        if pii_engine is not None:
            return pii_engine
        from bastion.pii import PiiEngine

        return PiiEngine(config.pii)

    return runtime, RequestEnforcer(runtime, config.policy, [p.name for p in config.providers], engine)
